//! Reading and writing the tabular files that agencies exchange with the
//! registry (organisations, information systems, assets): CSV and XLSX.
//!
//! Everything is handled as text. A [`Table`] is a header row plus data rows
//! whose cells are trimmed strings, and every [`Row`] carries the row number
//! the user sees in the file (the header is row 1 when it is the first line
//! or the first spreadsheet row), so that the caller can report problems as
//! "file, row N, column X: reason". Mapping headers to fields and validating
//! values is the caller's job.

pub mod archive;
mod text;
mod workbook;

pub use archive::ZipLimit;

/// The largest number of cells (data rows × columns) that [`read`] accepts.
///
/// A few megabytes of compressed XLSX can expand into billions of cells, so a
/// bound is needed to keep one upload from exhausting the server's memory.
/// The figure is far above any realistic registry import.
pub const MAX_CELLS: usize = 5_000_000;

const ZIP_MAGIC: &[u8] = b"PK\x03\x04";
// Compound File Binary: Excel 97-2003 `.xls`, and also any password-protected
// `.xlsx`, because Excel wraps encrypted workbooks in this container.
const CFB_MAGIC: &[u8] = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1";

/// The kind of file to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Delimited text (comma, semicolon or tab), UTF-8 or UTF-16 with BOM.
    Csv,
    /// An Office Open XML workbook, as saved by Excel or LibreOffice.
    Xlsx,
}

impl Format {
    /// From a file name's extension (.csv, .tsv, .txt -> Csv; .xlsx -> Xlsx),
    /// case-insensitive. None otherwise.
    ///
    /// `.txt` is accepted because Excel's "Unicode Text" export, the other
    /// way Windows users keep Vietnamese diacritics intact, uses it.
    pub fn from_file_name(name: &str) -> Option<Format> {
        let (_, extension) = name.rsplit_once('.')?;
        match extension.to_ascii_lowercase().as_str() {
            "csv" | "tsv" | "txt" => Some(Format::Csv),
            "xlsx" => Some(Format::Xlsx),
            _ => None,
        }
    }

    /// Sniff from content: XLSX starts with the ZIP magic "PK\x03\x04", else CSV.
    pub fn sniff(bytes: &[u8]) -> Format {
        if bytes.starts_with(ZIP_MAGIC) {
            Format::Xlsx
        } else {
            Format::Csv
        }
    }
}

/// A header row and the non-empty data rows under it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    /// Header cells, trimmed, non-empty and unique ignoring case.
    pub headers: Vec<String>,
    /// Data rows in file order; rows whose cells are all empty are left out.
    pub rows: Vec<Row>,
}

impl Table {
    /// Position of the header equal to `name` ignoring case and surrounding
    /// whitespace, the same comparison used to reject duplicate headers.
    pub fn column_index(&self, name: &str) -> Option<usize> {
        let wanted = name.trim().to_lowercase();
        self.headers.iter().position(|h| h.to_lowercase() == wanted)
    }
}

/// One data row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// The 1-based row number as shown in the file: the spreadsheet row for
    /// XLSX, the line on which the record starts for CSV.
    pub number: usize,
    /// One trimmed cell per header, "" where the file has nothing.
    pub cells: Vec<String>,
}

/// Why a file could not be read or written.
///
/// Messages are plain English sentences without a file name, so the caller
/// can prefix the name of the uploaded file.
#[derive(Debug, thiserror::Error)]
pub enum SheetError {
    #[error("the file is empty: it has no header row")]
    Empty,

    #[error("the file is not a readable XLSX workbook: {0}")]
    NotXlsx(String),

    #[error(
        "the file is an Excel 97-2003 (.xls) workbook or a password-protected workbook, \
         which cannot be read: open it in Excel and save it without a password as \
         \"Excel Workbook (*.xlsx)\" or \"CSV UTF-8\""
    )]
    LegacyExcel,

    #[error("the workbook has no worksheet")]
    NoSheet,

    #[error("the header \"{column}\" appears more than once (headers are compared ignoring case)")]
    DuplicateHeader { column: String },

    /// `column_index` is 1-based and counts from the sheet's column A for
    /// XLSX, from the first field for CSV.
    #[error("the header row has an empty cell in column {column_index}")]
    EmptyHeader { column_index: usize },

    #[error(
        "row {row} has {found} fields but the header row has {expected}: \
         look for a missing or extra delimiter, or an unclosed quote"
    )]
    RaggedRow {
        row: usize,
        expected: usize,
        found: usize,
    },

    #[error(
        "row {row} is not valid UTF-8 text: the file was probably saved in a legacy \
         Vietnamese encoding (Windows-1258, TCVN3 or VNI); open it in Excel and save it \
         as \"CSV UTF-8\""
    )]
    NotUtf8 { row: usize },

    /// `column` is the header text for data rows and the column letter for
    /// the header row itself.
    #[error("row {row}, column {column}: the cell holds the spreadsheet error {cause}")]
    CellError {
        row: usize,
        column: String,
        cause: String,
    },

    /// `column` is the column letter, since such a column has no header.
    #[error("row {row}, column {column}: the cell has a value but its column has no header")]
    ValueWithoutHeader { row: usize, column: String },

    #[error(
        "the file has more than {limit} cells, more than can be imported at once: \
         split it into smaller files"
    )]
    TooLarge { limit: usize },

    #[error("the file could not be read: {0}")]
    Unreadable(String),

    /// A workbook that would expand past [`archive`]'s limits (a "zip
    /// bomb"); the message is Vietnamese, then English.
    #[error("{0}")]
    ZipLimit(#[from] ZipLimit),

    #[error("could not write the spreadsheet: {0}")]
    Write(String),
}

/// Reads a whole file into a [`Table`].
///
/// In CSV, one leading `'` before a formula character (`'=…`, `'+84…`, see
/// [`write_csv`]) is removed, so exported files import back unchanged.
///
/// The content overrides `format` where it is unambiguous: a ZIP container is
/// always read as XLSX (users rename files), and an Excel 97-2003 or
/// encrypted workbook is rejected with [`SheetError::LegacyExcel`].
///
/// Never panics, whatever the bytes.
pub fn read(bytes: &[u8], format: Format) -> Result<Table, SheetError> {
    if bytes.starts_with(CFB_MAGIC) {
        return Err(SheetError::LegacyExcel);
    }
    match format {
        _ if bytes.starts_with(ZIP_MAGIC) => workbook::read(bytes),
        Format::Csv => text::read(bytes),
        Format::Xlsx if bytes.is_empty() => Err(SheetError::Empty),
        Format::Xlsx => workbook::read(bytes),
    }
}

/// Writes a CSV file: UTF-8 with BOM (Excel otherwise guesses the legacy
/// code page and garbles diacritics), comma-separated, "\n" line ends,
/// RFC 4180 quoting.
///
/// Short rows are padded with empty cells; rows longer than `headers` are
/// written as they are, and [`read`] would then reject them.
///
/// Spreadsheet programs evaluate cells beginning with `=`, `+`, `-` or `@`
/// (or a tab or carriage return before them) as formulas when they open a
/// CSV file, so such a cell is written with a leading `'` (OWASP's rule
/// against CSV injection): `=HYPERLINK(…)` becomes `'=HYPERLINK(…)` and a
/// phone number `+84…` becomes `'+84…`. [`read`] removes that one `'` again,
/// so a file written here reads back to the same values. Excel also drops
/// leading zeros; prefer [`write_xlsx`] for files meant for Excel users.
pub fn write_csv(headers: &[&str], rows: &[Vec<String>]) -> Vec<u8> {
    text::write(headers, rows)
}

/// Writes a one-sheet XLSX workbook: bold, frozen header row with an
/// autofilter, column widths fitted to the content (within limits), printed
/// on A4 landscape as wide as the page with the header row on every page.
/// A column whose every filled cell is a count (digits, no leading zero, at
/// most 15 digits) is stored as numbers so that Excel adds it up; every other
/// cell is stored as text, so that phone numbers such as "0912345678", codes
/// such as "007" and versions such as "17.1.0" are never turned into numbers.
///
/// `sheet_name` must follow Excel's rules (1 to 31 characters, none of
/// `[ ] : * ? / \`). Rows should have `headers.len()` cells.
pub fn write_xlsx(
    sheet_name: &str,
    headers: &[&str],
    rows: &[Vec<String>],
) -> Result<Vec<u8>, SheetError> {
    workbook::write(&[Sheet {
        name: sheet_name,
        headers,
        rows,
        fills: &[],
    }])
}

/// One worksheet of a workbook written by [`write_xlsx_sheets`].
#[derive(Default)]
pub struct Sheet<'a> {
    pub name: &'a str,
    pub headers: &'a [&'a str],
    pub rows: &'a [Vec<String>],
    /// Background colours (0xRRGGBB) of cells whose whole text is the
    /// label: a status column coloured as the console colours it.
    pub fills: &'a [(&'a str, u32)],
}

/// Writes a workbook of several sheets, each laid out as [`write_xlsx`] does.
pub fn write_xlsx_sheets(sheets: &[Sheet<'_>]) -> Result<Vec<u8>, SheetError> {
    workbook::write(sheets)
}

/// Checks and trims a header row. `first_column` is the 1-based column of
/// the first cell, used in [`SheetError::EmptyHeader`].
fn check_headers(cells: Vec<String>, first_column: usize) -> Result<Vec<String>, SheetError> {
    let mut seen = std::collections::HashSet::new();
    for (i, header) in cells.iter().enumerate() {
        if header.is_empty() {
            return Err(SheetError::EmptyHeader {
                column_index: first_column + i,
            });
        }
        if !seen.insert(header.to_lowercase()) {
            return Err(SheetError::DuplicateHeader {
                column: header.clone(),
            });
        }
    }
    Ok(cells)
}

/// Fails once a table would hold more than [`MAX_CELLS`] cells.
fn check_size(rows: usize, columns: usize) -> Result<(), SheetError> {
    if rows.saturating_mul(columns) > MAX_CELLS {
        Err(SheetError::TooLarge { limit: MAX_CELLS })
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_from_file_name() {
        assert_eq!(Format::from_file_name("to_chuc.csv"), Some(Format::Csv));
        assert_eq!(Format::from_file_name("TAI SAN.CSV"), Some(Format::Csv));
        assert_eq!(Format::from_file_name("a.Tsv"), Some(Format::Csv));
        assert_eq!(Format::from_file_name("a.txt"), Some(Format::Csv));
        assert_eq!(Format::from_file_name("Hệ thống.XLSX"), Some(Format::Xlsx));
        assert_eq!(Format::from_file_name("old.xls"), None);
        assert_eq!(Format::from_file_name("xlsx"), None);
        assert_eq!(Format::from_file_name(""), None);
    }

    #[test]
    fn sniff_by_magic() {
        assert_eq!(Format::sniff(b"PK\x03\x04rest"), Format::Xlsx);
        assert_eq!(Format::sniff(b"PK"), Format::Csv);
        assert_eq!(Format::sniff(b"a,b\n"), Format::Csv);
        assert_eq!(Format::sniff(b""), Format::Csv);
    }

    #[test]
    fn legacy_excel_is_named() {
        let mut bytes = CFB_MAGIC.to_vec();
        bytes.extend_from_slice(&[0; 64]);
        for format in [Format::Csv, Format::Xlsx] {
            assert!(matches!(read(&bytes, format), Err(SheetError::LegacyExcel)));
        }
    }

    #[test]
    fn zip_content_wins_over_declared_csv() {
        let bytes = write_xlsx("Sheet1", &["Tên"], &[vec!["Đăk Hà".into()]]).unwrap();
        let table = read(&bytes, Format::Csv).unwrap();
        assert_eq!(table.rows[0].cells, ["Đăk Hà"]);
    }

    #[test]
    fn empty_xlsx_input_is_empty() {
        assert!(matches!(read(b"", Format::Xlsx), Err(SheetError::Empty)));
    }

    #[test]
    fn column_index_ignores_case_and_spaces() {
        let table = Table {
            headers: vec!["Mã".into(), "Tên đơn vị".into()],
            rows: vec![],
        };
        assert_eq!(table.column_index(" TÊN ĐƠN VỊ "), Some(1));
        assert_eq!(table.column_index("mã"), Some(0));
        assert_eq!(table.column_index("Địa chỉ"), None);
    }

    #[test]
    fn messages_are_plain_sentences() {
        assert_eq!(
            SheetError::Empty.to_string(),
            "the file is empty: it has no header row"
        );
        let ragged = SheetError::RaggedRow {
            row: 7,
            expected: 3,
            found: 4,
        };
        assert!(ragged.to_string().starts_with("row 7 has 4 fields"));
        assert!(SheetError::NotUtf8 { row: 2 }
            .to_string()
            .contains("CSV UTF-8"));
    }
}
