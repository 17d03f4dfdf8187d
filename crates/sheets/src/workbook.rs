//! XLSX reading (calamine) and writing (rust_xlsxwriter).

use std::collections::BTreeMap;
use std::io::Cursor;

use calamine::{DataRef, ExcelDateTime, Reader, Sheet, SheetType, SheetVisible, Xlsx};
use rust_xlsxwriter::{ColNum, Format as Style, RowNum, Workbook, XlsxError};

use crate::{check_headers, check_size, Row, SheetError, Table};

const SECONDS_PER_DAY: f64 = 86_400.0;
/// Serial number of 10000-01-01, the end of Excel's calendar.
const MAX_SERIAL: f64 = 2_958_466.0;
const MIN_WIDTH: usize = 8;
const MAX_WIDTH: usize = 60;
/// Room for bold text and the autofilter drop-down button.
const HEADER_EXTRA: usize = 3;

/// A non-empty cell as read from the sheet.
enum Value {
    Text(String),
    /// An Excel error such as `#REF!`.
    Error(String),
}

pub(crate) fn read(bytes: &[u8]) -> Result<Table, SheetError> {
    // Bounded before calamine inflates anything into memory.
    crate::archive::check(bytes)?;
    // calamine is not hardened against hostile files: for example an absurd
    // cell reference overflows its arithmetic, which panics in debug builds.
    // An upload must produce an error, never bring down the caller.
    std::panic::catch_unwind(|| read_unguarded(bytes)).unwrap_or_else(|_| {
        Err(SheetError::NotXlsx(
            "its worksheet contents are malformed".into(),
        ))
    })
}

fn read_unguarded(bytes: &[u8]) -> Result<Table, SheetError> {
    let not_xlsx = |e: calamine::XlsxError| SheetError::NotXlsx(e.to_string());
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(not_xlsx)?;
    let sheet = first_worksheet(book.sheets_metadata()).ok_or(SheetError::NoSheet)?;

    // Cells are streamed rather than loaded with `worksheet_range`, which
    // allocates the whole bounding rectangle: two cells at A1 and XFD1048576
    // would ask for billions of cells.
    let mut reader = book.worksheet_cells_reader(&sheet).map_err(not_xlsx)?;
    let mut by_row: BTreeMap<u32, Vec<(u32, Value)>> = BTreeMap::new();
    let mut stored = 0;
    while let Some(cell) = reader.next_cell().map_err(not_xlsx)? {
        if let Some(value) = value_of(cell.get_value()) {
            stored += 1;
            check_size(stored, 1)?;
            let (row, column) = cell.get_position();
            by_row.entry(row).or_default().push((column, value));
        }
    }

    let mut rows = by_row.into_iter();
    let (header_row, header_cells) = rows.next().ok_or(SheetError::Empty)?;
    let (first_column, headers) = read_headers(header_row, header_cells)?;
    let mut table = Table {
        headers,
        rows: Vec::new(),
    };
    for (row, mut cells) in rows {
        check_size(table.rows.len() + 1, table.headers.len())?;
        let number = row as usize + 1;
        cells.sort_by_key(|&(column, _)| column);
        let mut values = vec![String::new(); table.headers.len()];
        for (column, value) in cells {
            let slot = column
                .checked_sub(first_column)
                .and_then(|index| values.get_mut(index as usize));
            let Some(slot) = slot else {
                return Err(SheetError::ValueWithoutHeader {
                    row: number,
                    column: column_letter(column),
                });
            };
            match value {
                Value::Text(text) => *slot = text,
                Value::Error(cause) => {
                    let index = (column - first_column) as usize;
                    return Err(SheetError::CellError {
                        row: number,
                        column: table.headers[index].clone(),
                        cause,
                    });
                }
            }
        }
        table.rows.push(Row {
            number,
            cells: values,
        });
    }
    Ok(table)
}

/// The first visible worksheet, since that is the one the user sees first;
/// the first hidden one if all are hidden. Chart and macro sheets never hold
/// the table.
fn first_worksheet(sheets: &[Sheet]) -> Option<String> {
    let mut worksheets = sheets.iter().filter(|s| s.typ == SheetType::WorkSheet);
    let first = worksheets.clone().next()?;
    let chosen = worksheets
        .find(|s| s.visible == SheetVisible::Visible)
        .unwrap_or(first);
    Some(chosen.name.clone())
}

/// Returns the header row's first column (0-based), where the table starts,
/// and the checked headers.
fn read_headers(row: u32, mut cells: Vec<(u32, Value)>) -> Result<(u32, Vec<String>), SheetError> {
    cells.sort_by_key(|&(column, _)| column);
    cells.dedup_by_key(|&mut (column, _)| column);
    let first_column = cells.first().map_or(0, |&(column, _)| column);
    let mut headers = Vec::with_capacity(cells.len());
    for (i, (column, value)) in cells.into_iter().enumerate() {
        // Columns are sorted and distinct, so a gap means an empty header.
        let expected = first_column as usize + i;
        if column as usize != expected {
            return Err(SheetError::EmptyHeader {
                column_index: expected + 1,
            });
        }
        match value {
            Value::Text(text) => headers.push(text),
            Value::Error(cause) => {
                return Err(SheetError::CellError {
                    row: row as usize + 1,
                    column: column_letter(column),
                    cause,
                })
            }
        }
    }
    Ok((
        first_column,
        check_headers(headers, first_column as usize + 1)?,
    ))
}

/// The cell as text, or None if it is empty or blank.
fn value_of(value: &DataRef<'_>) -> Option<Value> {
    let text = match value {
        DataRef::Empty => return None,
        DataRef::Error(e) => return Some(Value::Error(e.to_string())),
        DataRef::String(s) | DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => {
            s.trim().to_owned()
        }
        DataRef::SharedString(s) => s.trim().to_owned(),
        DataRef::Int(i) => i.to_string(),
        DataRef::Float(f) => number(*f),
        DataRef::Bool(b) => b.to_string(),
        DataRef::DateTime(dt) => date_time(dt),
    };
    (!text.is_empty()).then_some(Value::Text(text))
}

/// Shortest text that reads back as the same number; whole numbers have no
/// ".0" and no exponent, so 12345678901 stays "12345678901".
fn number(value: f64) -> String {
    if value == 0.0 {
        // Also turns -0 into "0".
        "0".to_owned()
    } else {
        value.to_string()
    }
}

/// ISO 8601 text for a cell that Excel formats as a date, time or duration.
fn date_time(value: &ExcelDateTime) -> String {
    let serial = value.as_f64();
    // Outside Excel's calendar the serial number is all there is, and
    // calamine's conversion is not defined there.
    if !(0.0..MAX_SERIAL).contains(&serial) {
        return number(serial);
    }
    if value.is_duration() {
        let total = (serial * SECONDS_PER_DAY).round() as u64;
        return format!("{}:{:02}:{:02}", total / 3600, total / 60 % 60, total % 60);
    }
    // Rounded here because calamine truncates to whole seconds, which would
    // turn a stored 0.4999999 day into 11:59:59.
    let mut seconds = (serial.fract() * SECONDS_PER_DAY).round() as u32;
    let time = |s: u32| format!("{:02}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60);
    if serial < 1.0 {
        // A time of day without a date (Excel's day 0 is not a real date).
        return time(seconds % 86_400);
    }
    let (year, month, day, ..) = value.to_ymd_hms_milli();
    let (mut year, mut month, mut day) = (u32::from(year), u32::from(month), u32::from(day));
    if seconds == 86_400 {
        (year, month, day) = next_day(year, month, day);
        seconds = 0;
    }
    let date = format!("{year:04}-{month:02}-{day:02}");
    if seconds == 0 {
        date
    } else {
        format!("{date}T{}", time(seconds))
    }
}

fn next_day(year: u32, month: u32, day: u32) -> (u32, u32, u32) {
    let leap = year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400));
    let days_in_month = match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    if day < days_in_month {
        (year, month, day + 1)
    } else if month < 12 {
        (year, month + 1, 1)
    } else {
        (year + 1, 1, 1)
    }
}

/// "A", "B", ..., "Z", "AA", ... for a 0-based column.
fn column_letter(column: u32) -> String {
    let mut n = u64::from(column) + 1;
    let mut letters = Vec::new();
    while n > 0 {
        let rem = (n - 1) % 26;
        letters.push(char::from(b'A' + rem as u8));
        n = (n - 1) / 26;
    }
    letters.iter().rev().collect()
}

/// A count as a number: digits only, an optional minus, no leading zero
/// (which a code or a phone number has), at most 15 digits (what a double
/// holds exactly).
fn count_value(value: &str) -> Option<f64> {
    let digits = value.strip_prefix('-').unwrap_or(value);
    let canonical = !digits.is_empty()
        && digits.len() <= 15
        && digits.bytes().all(|b| b.is_ascii_digit())
        && (digits == "0" || !digits.starts_with('0'));
    if canonical {
        value.parse::<i64>().ok().map(|n| n as f64)
    } else {
        None
    }
}

/// What a report writes where a figure does not apply ("–"): it does not
/// make a column of counts text, and stays a text cell that sums skip.
fn not_applicable(value: &str) -> bool {
    matches!(value, "–" | "-")
}

/// The columns whose every filled cell is a count ([`count_value`]), a
/// dash aside ([`not_applicable`]): those are written as numbers. One code,
/// phone number or word in a column keeps the whole column text, so a
/// column never mixes the two.
fn numeric_columns(headers: usize, rows: &[Vec<String>]) -> Vec<bool> {
    let width = rows.iter().map(Vec::len).max().unwrap_or(0).max(headers);
    (0..width)
        .map(|c| {
            let mut filled = rows
                .iter()
                .filter_map(|r| r.get(c))
                .filter(|v| !v.is_empty() && !not_applicable(v))
                .peekable();
            filled.peek().is_some() && filled.all(|v| count_value(v).is_some())
        })
        .collect()
}

pub(crate) fn write(sheets: &[crate::Sheet<'_>]) -> Result<Vec<u8>, SheetError> {
    let error = |e: XlsxError| SheetError::Write(e.to_string());
    let mut book = Workbook::new();
    for s in sheets {
        add_sheet(&mut book, s)?;
    }
    book.save_to_buffer().map_err(error)
}

fn add_sheet(book: &mut Workbook, s: &crate::Sheet<'_>) -> Result<(), SheetError> {
    let (sheet_name, headers, rows) = (s.name, s.headers, s.rows);
    let error = |e: XlsxError| SheetError::Write(e.to_string());
    // A cell whose whole text is one of the sheet's fill labels gets that
    // background, the way the console colours the same words.
    let fills: Vec<(&str, Style)> = s
        .fills
        .iter()
        .map(|&(label, rgb)| (label, Style::new().set_background_color(rgb)))
        .collect();
    let bold = Style::new().set_bold();
    // Without wrapping, Excel shows a multi-line cell on one line.
    let wrap = Style::new().set_text_wrap();
    let sheet = book.add_worksheet();
    sheet.set_name(sheet_name).map_err(error)?;
    let mut widths: Vec<usize> = headers
        .iter()
        .map(|h| text_width(h) + HEADER_EXTRA)
        .collect();
    for (column, header) in headers.iter().enumerate() {
        sheet
            .write_string_with_format(0, col_num(column)?, *header, &bold)
            .map_err(error)?;
    }
    let numeric = numeric_columns(headers.len(), rows);
    for (i, row) in rows.iter().enumerate() {
        let row_index = row_num(i + 1)?;
        for (column, value) in row.iter().enumerate() {
            if value.is_empty() {
                continue;
            }
            let col_index = col_num(column)?;
            // A column of counts is numbers, so that Excel adds them up;
            // anything else is a string cell: Excel would drop the leading
            // zero of "0912345678" and mangle "17.1.0" if these were numbers.
            let count = numeric.get(column).copied().unwrap_or(false);
            if let (true, Some(n)) = (count, count_value(value)) {
                sheet.write_number(row_index, col_index, n)
            } else if let Some((_, fill)) = fills.iter().find(|(label, _)| label == value) {
                sheet.write_string_with_format(row_index, col_index, value.as_str(), fill)
            } else if value.contains('\n') {
                sheet.write_string_with_format(row_index, col_index, value.as_str(), &wrap)
            } else {
                sheet.write_string(row_index, col_index, value.as_str())
            }
            .map_err(error)?;
            if widths.len() <= column {
                widths.resize(column + 1, 0);
            }
            widths[column] = widths[column].max(text_width(value));
        }
    }

    sheet.set_freeze_panes(1, 0).map_err(error)?;
    // Printed: A4 landscape, as wide as the page, the header row on every page.
    sheet.set_paper_size(9);
    sheet.set_landscape();
    sheet.set_print_fit_to_pages(1, 0);
    sheet.set_repeat_rows(0, 0).map_err(error)?;
    if let Some(last) = headers.len().checked_sub(1) {
        sheet
            .autofilter(0, 0, row_num(rows.len())?, col_num(last)?)
            .map_err(error)?;
    }
    for (column, width) in widths.into_iter().enumerate() {
        let width = (width + 1).clamp(MIN_WIDTH, MAX_WIDTH);
        sheet
            .set_column_width(col_num(column)?, width as f64)
            .map_err(error)?;
    }
    Ok(())
}

/// Characters in the longest line, a fair proxy for Excel's width units.
fn text_width(text: &str) -> usize {
    text.lines().map(|l| l.chars().count()).max().unwrap_or(0)
}

fn row_num(index: usize) -> Result<RowNum, SheetError> {
    RowNum::try_from(index).map_err(|_| SheetError::Write("too many rows for a worksheet".into()))
}

fn col_num(index: usize) -> Result<ColNum, SheetError> {
    ColNum::try_from(index)
        .map_err(|_| SheetError::Write("too many columns for a worksheet".into()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{read as read_any, write_xlsx, Format};
    use calamine::ExcelDateTimeType;

    fn read(bytes: &[u8]) -> Result<Table, SheetError> {
        read_any(bytes, Format::Xlsx)
    }

    fn save(book: &mut Workbook) -> Vec<u8> {
        book.save_to_buffer().unwrap()
    }

    fn cells(table: &Table) -> Vec<(usize, Vec<&str>)> {
        table
            .rows
            .iter()
            .map(|r| (r.number, r.cells.iter().map(String::as_str).collect()))
            .collect()
    }

    #[test]
    fn vietnamese_and_leading_zeros_round_trip() {
        let headers = ["Tên cơ quan", "Điện thoại", "Phiên bản", "Ghi chú"];
        let rows = vec![
            vec![
                "Sở Thông tin và Truyền thông Quảng Ngãi".to_owned(),
                "0912345678".to_owned(),
                "17.1.0".to_owned(),
                "dòng 1\ndòng 2".to_owned(),
            ],
            vec![
                "Ủy ban nhân dân huyện Đăk Hà".to_owned(),
                "0260 3821 234".to_owned(),
                "1e5".to_owned(),
                String::new(),
            ],
        ];
        let bytes = write_xlsx("Cơ quan", &headers, &rows).unwrap();
        let table = read(&bytes).unwrap();
        assert_eq!(table.headers, headers);
        assert_eq!(
            table.rows,
            [
                Row {
                    number: 2,
                    cells: rows[0].clone()
                },
                Row {
                    number: 3,
                    cells: rows[1].clone()
                },
            ]
        );
    }

    #[test]
    fn numbers_booleans_and_dates_read_as_text() {
        let mut book = Workbook::new();
        let date = Style::new().set_num_format("dd/mm/yyyy");
        let stamp = Style::new().set_num_format("dd/mm/yyyy hh:mm:ss");
        let clock = Style::new().set_num_format("hh:mm");
        let sheet = book.add_worksheet();
        let headers = ["n", "big", "frac", "neg", "bool", "date", "stamp", "clock"];
        for (c, h) in headers.iter().enumerate() {
            sheet.write_string(0, c as u16, *h).unwrap();
        }
        sheet.write_number(1, 0, 5).unwrap();
        sheet.write_number(1, 1, 12_345_678_901.0).unwrap();
        sheet.write_number(1, 2, 0.1).unwrap();
        sheet.write_number(1, 3, -2.5).unwrap();
        sheet.write_boolean(1, 4, true).unwrap();
        // 2024-09-02 and 2024-09-02 13:45:30.
        sheet
            .write_number_with_format(1, 5, 45537.0, &date)
            .unwrap();
        let afternoon = 45537.0 + (13.0 * 3600.0 + 45.0 * 60.0 + 30.0) / SECONDS_PER_DAY;
        sheet
            .write_number_with_format(1, 6, afternoon, &stamp)
            .unwrap();
        sheet.write_number_with_format(1, 7, 0.75, &clock).unwrap();
        let table = read(&save(&mut book)).unwrap();
        assert_eq!(
            cells(&table),
            [(
                2,
                vec![
                    "5",
                    "12345678901",
                    "0.1",
                    "-2.5",
                    "true",
                    "2024-09-02",
                    "2024-09-02T13:45:30",
                    "18:00:00"
                ]
            )]
        );
    }

    #[test]
    fn date_rounding_and_edges() {
        let dt = |v: f64| ExcelDateTime::new(v, ExcelDateTimeType::DateTime, false);
        // A hair before midnight rounds up into the next day and year.
        assert_eq!(date_time(&dt(45657.0 + 0.999_999_99)), "2025-01-01");
        assert_eq!(date_time(&dt(45537.5 - 1e-9)), "2024-09-02T12:00:00");
        assert_eq!(date_time(&dt(-1.0)), "-1");
        assert_eq!(date_time(&dt(1e300)), number(1e300));
        assert_eq!(date_time(&dt(f64::NAN)), "NaN");
        let duration = ExcelDateTime::new(1.5 + 1.0 / 24.0, ExcelDateTimeType::TimeDelta, false);
        assert_eq!(date_time(&duration), "37:00:00");
        assert_eq!(next_day(2024, 2, 28), (2024, 2, 29));
        assert_eq!(next_day(2023, 2, 28), (2023, 3, 1));
        assert_eq!(next_day(1900, 2, 28), (1900, 3, 1));
    }

    #[test]
    fn column_letters() {
        assert_eq!(column_letter(0), "A");
        assert_eq!(column_letter(25), "Z");
        assert_eq!(column_letter(26), "AA");
        assert_eq!(column_letter(16_383), "XFD");
        assert_eq!(column_letter(u32::MAX), "MWLQKWV");
    }

    #[test]
    fn real_row_numbers_with_offset_and_blank_rows() {
        let mut book = Workbook::new();
        let sheet = book.add_worksheet();
        // Table starts at C3; rows 5, 6 and 8 are blank, row 6 only
        // visually (a cell holding spaces).
        sheet.write_string(2, 2, "Mã").unwrap();
        sheet.write_string(2, 3, " Tên ").unwrap();
        sheet.write_string(3, 2, "1").unwrap();
        sheet.write_string(3, 3, "Đăk Hà").unwrap();
        sheet.write_string(5, 3, "   ").unwrap();
        sheet.write_string(6, 3, "Quảng Ngãi").unwrap();
        sheet.write_number(8, 2, 3).unwrap();
        let table = read(&save(&mut book)).unwrap();
        assert_eq!(table.headers, ["Mã", "Tên"]);
        assert_eq!(
            cells(&table),
            [
                (4, vec!["1", "Đăk Hà"]),
                (7, vec!["", "Quảng Ngãi"]),
                (9, vec!["3", ""])
            ]
        );
    }

    #[test]
    fn value_outside_the_header_is_an_error() {
        for column in [0, 4] {
            let mut book = Workbook::new();
            let sheet = book.add_worksheet();
            sheet.write_string(0, 1, "a").unwrap();
            sheet.write_string(0, 2, "b").unwrap();
            sheet.write_string(3, column, "stray").unwrap();
            let err = read(&save(&mut book)).unwrap_err();
            let letter = column_letter(u32::from(column));
            assert!(
                matches!(&err, SheetError::ValueWithoutHeader { row: 4, column } if *column == letter),
                "{err:?}"
            );
        }
    }

    #[test]
    fn error_cells_name_row_and_column() {
        let mut book = Workbook::new();
        let sheet = book.add_worksheet();
        sheet.write_string(0, 0, "a").unwrap();
        sheet.write_string(0, 1, "Ngày cấp").unwrap();
        sheet.write_string(1, 0, "x").unwrap();
        sheet
            .write_formula(
                1,
                1,
                rust_xlsxwriter::Formula::new("=1/0").set_result("#DIV/0!"),
            )
            .unwrap();
        let err = read(&save(&mut book)).unwrap_err();
        assert!(
            matches!(&err, SheetError::CellError { row: 2, column, cause }
                if column == "Ngày cấp" && cause == "#DIV/0!"),
            "{err:?}"
        );
    }

    #[test]
    fn header_problems() {
        let mut book = Workbook::new();
        let sheet = book.add_worksheet();
        sheet.write_string(1, 1, "a").unwrap();
        sheet.write_string(1, 3, "c").unwrap();
        sheet.write_string(2, 2, "x").unwrap();
        assert!(matches!(
            read(&save(&mut book)),
            Err(SheetError::EmptyHeader { column_index: 3 })
        ));

        let mut book = Workbook::new();
        let sheet = book.add_worksheet();
        sheet.write_string(0, 0, "Tên").unwrap();
        sheet.write_string(0, 1, " tên ").unwrap();
        let err = read(&save(&mut book)).unwrap_err();
        assert!(
            matches!(&err, SheetError::DuplicateHeader { column } if column == "tên"),
            "{err:?}"
        );
    }

    #[test]
    fn empty_sheet_and_hidden_sheets() {
        let mut book = Workbook::new();
        book.add_worksheet();
        assert!(matches!(read(&save(&mut book)), Err(SheetError::Empty)));

        let mut book = Workbook::new();
        let hidden = book.add_worksheet();
        hidden.write_string(0, 0, "lookup").unwrap();
        hidden.set_hidden(true);
        let shown = book.add_worksheet();
        shown.write_string(0, 0, "Tên").unwrap();
        shown.set_active(true);
        let table = read(&save(&mut book)).unwrap();
        assert_eq!(table.headers, ["Tên"]);
    }

    #[test]
    fn not_a_workbook() {
        let err = read(b"Ten,Ma\n").unwrap_err();
        assert!(matches!(err, SheetError::NotXlsx(_)), "{err:?}");
        let err = read(b"PK\x03\x04 truncated").unwrap_err();
        assert!(matches!(err, SheetError::NotXlsx(_)), "{err:?}");
    }

    #[test]
    fn absurd_cell_references_do_not_crash() {
        let mut book = Workbook::new();
        let sheet = book.add_worksheet();
        sheet.write_string(0, 0, "a").unwrap();
        sheet.write_string(1, 0, "1").unwrap();
        let bytes = save(&mut book);

        // Far-apart cells: must not allocate the rectangle between them.
        let far = replace_in_sheet(&bytes, |xml| xml.replace("r=\"A2\"", "r=\"XFD1048576\""));
        let err = read(&far).unwrap_err();
        assert!(
            matches!(err, SheetError::ValueWithoutHeader { row: 1_048_576, .. }),
            "{err:?}"
        );

        // A reference whose row overflows 32 bits.
        let huge = replace_in_sheet(&bytes, |xml| {
            xml.replace("r=\"A2\"", "r=\"A99999999999999\"")
        });
        assert!(read(&huge).is_err());
    }

    #[test]
    fn formula_like_text_is_written_as_text() {
        use std::io::Read;
        let values = [
            "=1+1",
            "+84912345678",
            "-2.5",
            "@SUM(A1)",
            "=HYPERLINK(\"x\")",
        ];
        let rows: Vec<Vec<String>> = values.iter().map(|v| vec![v.to_string()]).collect();
        let bytes = write_xlsx("S", &["v"], &rows).unwrap();
        let mut archive = zip::ZipArchive::new(Cursor::new(&bytes)).unwrap();
        let mut xml = String::new();
        archive
            .by_name("xl/worksheets/sheet1.xml")
            .unwrap()
            .read_to_string(&mut xml)
            .unwrap();
        // String cells (shared or inline), never a formula element.
        assert!(!xml.contains("<f>") && !xml.contains("<f "), "{xml}");
        assert_eq!(xml.matches("t=\"s\"").count(), values.len() + 1, "{xml}");
        let table = read(&bytes).unwrap();
        let back: Vec<&str> = table.rows.iter().map(|r| r.cells[0].as_str()).collect();
        assert_eq!(back, values);
    }

    fn part(bytes: &[u8], name: &str) -> String {
        use std::io::Read;
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("zip");
        let mut text = String::new();
        zip.by_name(name)
            .expect("part")
            .read_to_string(&mut text)
            .expect("utf-8");
        text
    }

    #[test]
    fn counts_are_numbers_codes_and_phones_text_and_every_sheet_prints() {
        let rows = vec![
            vec![
                "Sở Y tế".into(),
                "12".into(),
                "0912345678".into(),
                "1.234".into(),
            ],
            vec![
                "Sở Tài chính".into(),
                "0".into(),
                "02553822123".into(),
                "007".into(),
            ],
            vec!["Tổng".into(), String::new(), "1900".into(), "5".into()],
        ];
        let bytes = crate::write_xlsx("Số liệu", &["Đơn vị", "Số IP", "Điện thoại", "Mã"], &rows)
            .expect("written");
        let sheet = part(&bytes, "xl/worksheets/sheet1.xml");
        // B2, B3 numbers; the empty B4 left out; C and D text.
        assert!(sheet.contains("<c r=\"B2\"><v>12</v></c>"), "{sheet}");
        assert!(sheet.contains("<c r=\"B3\"><v>0</v></c>"), "{sheet}");
        for cell in ["C2", "C4", "D2", "D3", "D4"] {
            assert!(
                sheet.contains(&format!("<c r=\"{cell}\" t=\"s\">")),
                "{cell} is text: {sheet}"
            );
        }
        assert!(sheet.contains("orientation=\"landscape\""), "{sheet}");
        assert!(sheet.contains("<pageSetUpPr fitToPage=\"1\"/>"), "{sheet}");
        assert!(sheet.contains("fitToHeight=\"0\""), "{sheet}");
        let book = part(&bytes, "xl/workbook.xml");
        assert!(book.contains("_xlnm.Print_Titles"), "{book}");
        // And it reads back as it was written.
        let table = crate::read(&bytes, crate::Format::Xlsx).expect("readable");
        assert_eq!(table.rows[0].cells[1], "12");
        assert_eq!(table.rows[1].cells[2], "02553822123");
        assert_eq!(table.rows[1].cells[3], "007");
    }

    #[test]
    fn a_dash_keeps_a_column_of_counts_numbers_and_stays_itself() {
        let rows = vec![
            vec!["10/2026".into(), "410".into(), "–".into()],
            vec!["11/2026".into(), "410".into(), "205".into()],
        ];
        let bytes = crate::write_xlsx("Botnet", &["Tháng", "Số IP", "Mới"], &rows).unwrap();
        let sheet = part(&bytes, "xl/worksheets/sheet1.xml");
        assert!(sheet.contains("<c r=\"C3\"><v>205</v></c>"), "{sheet}");
        assert!(sheet.contains("<c r=\"C2\" t=\"s\">"), "{sheet}");
        let table = crate::read(&bytes, crate::Format::Xlsx).unwrap();
        assert_eq!(table.rows[0].cells[2], "–");
        assert_eq!(table.rows[1].cells[2], "205");
    }

    #[test]
    fn write_rejects_bad_sheet_names_and_huge_cells() {
        assert!(matches!(
            write_xlsx("a/b", &["x"], &[]),
            Err(SheetError::Write(_))
        ));
        let long = "x".repeat(40_000);
        assert!(matches!(
            write_xlsx("S", &["x"], &[vec![long]]),
            Err(SheetError::Write(_))
        ));
    }

    #[test]
    fn header_only_and_no_headers() {
        let table = read(&write_xlsx("S", &["a", "b"], &[]).unwrap()).unwrap();
        assert_eq!(table.headers, ["a", "b"]);
        assert!(table.rows.is_empty());
        let bytes = write_xlsx("S", &[], &[]).unwrap();
        assert!(matches!(read(&bytes), Err(SheetError::Empty)));
    }

    /// Rewrites the first worksheet's XML inside an XLSX file.
    fn replace_in_sheet(bytes: &[u8], edit: impl Fn(&str) -> String) -> Vec<u8> {
        use std::io::{Read, Write};
        let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
        let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for i in 0..archive.len() {
            let mut file = archive.by_index(i).unwrap();
            let mut content = Vec::new();
            file.read_to_end(&mut content).unwrap();
            if file.name() == "xl/worksheets/sheet1.xml" {
                let xml = String::from_utf8(content).unwrap();
                let edited = edit(&xml);
                assert_ne!(edited, xml, "the edit changed nothing");
                content = edited.into_bytes();
            }
            let options = zip::write::SimpleFileOptions::default();
            out.start_file(file.name(), options).unwrap();
            out.write_all(&content).unwrap();
        }
        out.finish().unwrap().into_inner()
    }
}
