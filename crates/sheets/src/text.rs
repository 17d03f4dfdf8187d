//! CSV (and TSV) reading and writing.

use std::borrow::Cow;
use std::cmp::Reverse;

use crate::{check_headers, check_size, Row, SheetError, Table};

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";
/// Candidates in order of preference when the header line is ambiguous.
const DELIMITERS: [u8; 3] = [b',', b';', b'\t'];

pub(crate) fn read(bytes: &[u8]) -> Result<Table, SheetError> {
    let text = decode(bytes)?;
    let (delimiter, body, first_line) = split_sep_line(&text);
    let delimiter = delimiter.unwrap_or_else(|| detect_delimiter(body));

    // Flexible, so that a ragged row becomes our own error with its row
    // number instead of the csv crate's.
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(body);
    let mut lines = LineCounter {
        text: body,
        offset: 0,
        line: first_line,
    };
    let mut headers: Option<Vec<String>> = None;
    let mut rows = Vec::new();
    let mut record = csv::ByteRecord::new();
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => return Err(SheetError::Unreadable(e.to_string())),
        }
        let start = record.position().map_or(0, |p| p.byte());
        let number = lines.record_line(usize::try_from(start).unwrap_or(usize::MAX));
        let cells = record
            .iter()
            .map(|field| std::str::from_utf8(field).map(|s| unguard(s.trim()).to_owned()))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|_| SheetError::NotUtf8 { row: number })?;
        if cells.iter().all(String::is_empty) {
            continue;
        }
        match &headers {
            None => headers = Some(check_headers(cells, 1)?),
            Some(headers) => {
                if cells.len() != headers.len() {
                    return Err(SheetError::RaggedRow {
                        row: number,
                        expected: headers.len(),
                        found: cells.len(),
                    });
                }
                check_size(rows.len() + 1, headers.len())?;
                rows.push(Row { number, cells });
            }
        }
    }
    let headers = headers.ok_or(SheetError::Empty)?;
    Ok(Table { headers, rows })
}

/// Strips a UTF-8 BOM, or transcodes UTF-16 (with BOM) to UTF-8. Anything
/// else is passed through and checked as UTF-8 field by field later, which
/// is what lets a bad byte be reported with its row.
fn decode(bytes: &[u8]) -> Result<Cow<'_, [u8]>, SheetError> {
    if let Some(rest) = bytes.strip_prefix(UTF8_BOM) {
        return Ok(Cow::Borrowed(rest));
    }
    let big_endian = match bytes {
        [0xFF, 0xFE, ..] => false,
        [0xFE, 0xFF, ..] => true,
        _ => return Ok(Cow::Borrowed(bytes)),
    };
    let units = bytes[2..].chunks(2).map(|pair| match *pair {
        [a, b] if big_endian => u16::from_be_bytes([a, b]),
        [a, b] => u16::from_le_bytes([a, b]),
        // A dangling odd byte: a lone surrogate makes the decoder reject it.
        _ => 0xD800,
    });
    let mut out = String::with_capacity(bytes.len());
    let mut row = 1;
    for decoded in char::decode_utf16(units) {
        let ch = decoded.map_err(|_| SheetError::NotUtf8 { row })?;
        if ch == '\n' {
            row += 1;
        }
        out.push(ch);
    }
    Ok(Cow::Owned(out.into_bytes()))
}

/// Honours Excel's optional first line `sep=;`, which names the delimiter.
/// Returns the delimiter it names, the text after it, and the line number
/// the remaining text starts on.
fn split_sep_line(text: &[u8]) -> (Option<u8>, &[u8], usize) {
    if let Some([d, rest @ ..]) = text.strip_prefix(b"sep=") {
        if DELIMITERS.contains(d) {
            let rest = rest.strip_prefix(b"\r").unwrap_or(rest);
            if rest.is_empty() {
                return (Some(*d), rest, 2);
            }
            if let Some(body) = rest.strip_prefix(b"\n") {
                return (Some(*d), body, 2);
            }
        }
    }
    (None, text, 1)
}

/// Picks the delimiter that occurs most often, outside quotes, up to the end
/// of the first line with any content (the header line). Separator-only lines
/// before it, as Excel writes for blank rows, count too.
fn detect_delimiter(text: &[u8]) -> u8 {
    let mut counts = [0usize; DELIMITERS.len()];
    let mut in_quotes = false;
    let mut has_content = false;
    for &byte in text {
        match byte {
            b'"' => {
                in_quotes = !in_quotes;
                has_content = true;
            }
            _ if in_quotes => {}
            b'\n' if has_content => break,
            _ => match DELIMITERS.iter().position(|&d| d == byte) {
                Some(i) => counts[i] += 1,
                None => has_content |= !byte.is_ascii_whitespace(),
            },
        }
    }
    let best = (0..DELIMITERS.len())
        .max_by_key(|&i| (counts[i], Reverse(i)))
        .unwrap_or(0);
    DELIMITERS[best]
}

/// Turns record start offsets into line numbers.
///
/// The csv crate reports where it began looking for a record, which is
/// before any blank lines it skipped, so those are counted here.
struct LineCounter<'a> {
    text: &'a [u8],
    offset: usize,
    line: usize,
}

impl LineCounter<'_> {
    /// `start` must not decrease between calls.
    fn record_line(&mut self, start: usize) -> usize {
        let start = start.clamp(self.offset, self.text.len());
        self.line += count_newlines(&self.text[self.offset..start]);
        self.offset = start;
        let blank = self.text[start..]
            .iter()
            .take_while(|&&b| b == b'\r' || b == b'\n');
        self.line + blank.filter(|&&b| b == b'\n').count()
    }
}

fn count_newlines(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| b == b'\n').count()
}

pub(crate) fn write(headers: &[&str], rows: &[Vec<String>]) -> Vec<u8> {
    let mut out = UTF8_BOM.to_vec();
    push_record(&mut out, headers.iter().copied());
    for row in rows {
        let padding = headers.len().saturating_sub(row.len());
        let cells = row.iter().map(String::as_str);
        push_record(&mut out, cells.chain(std::iter::repeat_n("", padding)));
    }
    out
}

/// The characters that make a spreadsheet program read a cell as a formula
/// (OWASP, "CSV Injection"): `=`, `+`, `-`, `@`, and TAB or CR before them.
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// Whether a cell must be written with a leading `'`: it begins with a
/// formula character, possibly after apostrophes. Cells that already begin
/// with `'` and a formula character get one more, so that [`unguard`] gives
/// back exactly what was written, whatever the value.
fn needs_guard(cell: &str) -> bool {
    cell.trim_start_matches('\'').starts_with(FORMULA_STARTS)
}

/// Undoes the guard [`push_record`] adds: one leading `'` is removed when
/// what follows begins with a formula character (after more apostrophes).
fn unguard(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if needs_guard(rest) => rest,
        _ => cell,
    }
}

fn push_record<'a>(out: &mut Vec<u8>, fields: impl Iterator<Item = &'a str>) {
    for (i, field) in fields.enumerate() {
        if i > 0 {
            out.push(b',');
        }
        // A spreadsheet program must see text, never a formula.
        let guarded;
        let field = if needs_guard(field) {
            guarded = format!("'{field}");
            guarded.as_str()
        } else {
            field
        };
        // Quoting fields that contain ';' or a tab too keeps the header line
        // unambiguous for the delimiter detection in `read`.
        let needs_quotes = field
            .bytes()
            .any(|b| matches!(b, b'"' | b',' | b';' | b'\t' | b'\n' | b'\r'));
        if needs_quotes {
            out.push(b'"');
            out.extend_from_slice(field.replace('"', "\"\"").as_bytes());
            out.push(b'"');
        } else {
            out.extend_from_slice(field.as_bytes());
        }
    }
    out.push(b'\n');
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{read as read_any, write_csv, Format};

    fn read(text: &str) -> Result<Table, SheetError> {
        read_any(text.as_bytes(), Format::Csv)
    }

    fn cells(table: &Table) -> Vec<(usize, Vec<&str>)> {
        table
            .rows
            .iter()
            .map(|r| (r.number, r.cells.iter().map(String::as_str).collect()))
            .collect()
    }

    #[test]
    fn detects_comma_semicolon_and_tab() {
        assert_eq!(detect_delimiter(b"a,b,c\n1;2;3"), b',');
        assert_eq!(detect_delimiter(b"Ma;Ten;Dia chi, tinh\n"), b';');
        assert_eq!(detect_delimiter(b"a\tb\tc\n"), b'\t');
        // Delimiters inside quotes do not count.
        assert_eq!(detect_delimiter(b"\"a;b;c\",d\n"), b',');
        // Blank or separator-only lines before the header count.
        assert_eq!(detect_delimiter(b"\n;;;\n  \na;b\n"), b';');
        assert_eq!(detect_delimiter(b";;\n;;;\n"), b';');
        assert_eq!(detect_delimiter(b"single\n"), b',');
        assert_eq!(detect_delimiter(b""), b',');
    }

    #[test]
    fn reads_semicolon_file_from_vietnamese_excel() {
        let table = read("Mã;Tên đơn vị\n01;Sở Thông tin và Truyền thông Quảng Ngãi\n").unwrap();
        assert_eq!(table.headers, ["Mã", "Tên đơn vị"]);
        assert_eq!(
            cells(&table),
            [(2, vec!["01", "Sở Thông tin và Truyền thông Quảng Ngãi"])]
        );
    }

    #[test]
    fn reads_tab_separated() {
        let table = read("a\tb\n1\t2\n").unwrap();
        assert_eq!(cells(&table), [(2, vec!["1", "2"])]);
    }

    #[test]
    fn honours_sep_line() {
        let table = read("sep=;\r\na;b,c\r\n1;2,3\r\n").unwrap();
        assert_eq!(table.headers, ["a", "b,c"]);
        assert_eq!(cells(&table), [(3, vec!["1", "2,3"])]);
    }

    #[test]
    fn strips_bom() {
        let table = read("\u{FEFF}Tên,Mã\nA,1\n").unwrap();
        assert_eq!(table.headers, ["Tên", "Mã"]);
    }

    #[test]
    fn reads_utf16_unicode_text() {
        let text = "Tên\tMã\r\nĐăk Hà\t1\r\n";
        let mut le = vec![0xFF, 0xFE];
        le.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
        let mut be = vec![0xFE, 0xFF];
        be.extend(text.encode_utf16().flat_map(u16::to_be_bytes));
        for bytes in [le, be] {
            let table = read_any(&bytes, Format::Csv).unwrap();
            assert_eq!(table.headers, ["Tên", "Mã"]);
            assert_eq!(cells(&table), [(2, vec!["Đăk Hà", "1"])]);
        }
        let mut broken = vec![0xFF, 0xFE];
        broken.extend("a\nb\n".encode_utf16().flat_map(u16::to_le_bytes));
        broken.extend([0x00, 0xDC]);
        assert!(matches!(
            read_any(&broken, Format::Csv),
            Err(SheetError::NotUtf8 { row: 3 })
        ));
    }

    #[test]
    fn quoted_fields_keep_commas_quotes_and_newlines() {
        let text = "Tên,Ghi chú,Mã\n\
                    \"Công ty A, chi nhánh 2\",\"dòng 1\ndòng 2\n\ndòng 4\",1\n\
                    \"Nói \"\"xin chào\"\"\",x,2\n";
        let table = read(text).unwrap();
        assert_eq!(
            cells(&table),
            [
                (
                    2,
                    vec!["Công ty A, chi nhánh 2", "dòng 1\ndòng 2\n\ndòng 4", "1"]
                ),
                (6, vec!["Nói \"xin chào\"", "x", "2"]),
            ]
        );
    }

    #[test]
    fn row_numbers_count_blank_lines_and_crlf() {
        let text = "\r\na,b\r\n\r\n1,2\r\n \r\n,\r\n  ,  \r\n\n3,4\r\n\r\n";
        let table = read(text).unwrap();
        assert_eq!(table.headers, ["a", "b"]);
        assert_eq!(cells(&table), [(4, vec!["1", "2"]), (9, vec!["3", "4"])]);
    }

    #[test]
    fn trims_cells_and_headers() {
        let table = read(" a , b\u{A0}\n 1 ,\t2 \n").unwrap();
        assert_eq!(table.headers, ["a", "b"]);
        assert_eq!(cells(&table), [(2, vec!["1", "2"])]);
    }

    #[test]
    fn ragged_row_names_its_row() {
        let err = read("a,b,c\n1,2,3\n\n4,5\n").unwrap_err();
        assert!(
            matches!(
                err,
                SheetError::RaggedRow {
                    row: 4,
                    expected: 3,
                    found: 2
                }
            ),
            "{err:?}"
        );
        assert!(err.to_string().starts_with("row 4 has 2 fields"));
        // Trailing empty fields are not forgiven either.
        assert!(matches!(
            read("a,b\n1,2,\n"),
            Err(SheetError::RaggedRow { row: 2, .. })
        ));
    }

    #[test]
    fn row_of_a_multiline_record_is_its_first_line() {
        let err = read("a,b\n\"x\ny\",1\n\"p\nq\",1,2\n").unwrap_err();
        assert!(
            matches!(err, SheetError::RaggedRow { row: 4, .. }),
            "{err:?}"
        );
    }

    #[test]
    fn empty_inputs() {
        for text in ["", "\u{FEFF}", "\n\r\n", ",,,\n,,\n", ";;\n;;;\n", "  \n"] {
            assert!(matches!(read(text), Err(SheetError::Empty)), "{text:?}");
        }
        let mut bom_only = UTF8_BOM.to_vec();
        bom_only.extend_from_slice(b"\r\n");
        assert!(matches!(
            read_any(&bom_only, Format::Csv),
            Err(SheetError::Empty)
        ));
    }

    #[test]
    fn header_only_has_no_rows() {
        let table = read("a,b\n").unwrap();
        assert_eq!(table.headers, ["a", "b"]);
        assert!(table.rows.is_empty());
    }

    #[test]
    fn bad_headers() {
        assert!(matches!(
            read("a,,c\n"),
            Err(SheetError::EmptyHeader { column_index: 2 })
        ));
        let err = read("Tên,Mã,TÊN\n").unwrap_err();
        assert!(
            matches!(&err, SheetError::DuplicateHeader { column } if column == "TÊN"),
            "{err:?}"
        );
    }

    #[test]
    fn windows_1258_is_rejected_with_its_row() {
        // "Hà" in Windows-1258 is 48 E0: not UTF-8.
        let bytes = b"a,b\n1,2\n\nH\xE0,3\n";
        let err = read_any(bytes, Format::Csv).unwrap_err();
        assert!(matches!(err, SheetError::NotUtf8 { row: 4 }), "{err:?}");
        assert!(err.to_string().contains("Windows-1258"));
    }

    #[test]
    fn writes_bom_quotes_and_padding() {
        let bytes = write_csv(
            &["Tên", "Ghi chú", "Mã"],
            &[
                vec!["a,b".into(), "say \"hi\"".into(), "x;y".into()],
                vec!["only".into()],
            ],
        );
        let expected = "\u{FEFF}Tên,Ghi chú,Mã\n\"a,b\",\"say \"\"hi\"\"\",\"x;y\"\nonly,,\n";
        assert_eq!(String::from_utf8(bytes).unwrap(), expected);
    }

    #[test]
    fn formula_cells_are_written_as_text() {
        let rows = vec![vec![
            "=HYPERLINK(\"http://x\",\"y\")".to_owned(),
            "+84912345678".to_owned(),
            "-2.5".to_owned(),
            "@SUM(A1)".to_owned(),
            "\t=1+1".to_owned(),
            "\r=1+1".to_owned(),
            "'=already".to_owned(),
            "'plain".to_owned(),
            "a=b".to_owned(),
        ]];
        let headers = ["a", "b", "c", "d", "e", "f", "g", "h", "i"];
        let bytes = write_csv(&headers, &rows);
        let text = String::from_utf8(bytes).unwrap();
        let expected = "\u{FEFF}a,b,c,d,e,f,g,h,i\n\
            \"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\",'+84912345678,'-2.5,'@SUM(A1),\
            \"'\t=1+1\",\"'\r=1+1\",''=already,'plain,a=b\n";
        assert_eq!(text, expected);
    }

    #[test]
    fn guarded_cells_read_back_unchanged() {
        let values = [
            "=1+1",
            "+84912345678",
            "-2.5",
            "@SUM(A1)",
            "'=x",
            "''+y",
            "'",
            "'a",
            "a'",
            "=",
        ];
        let rows: Vec<Vec<String>> = values.iter().map(|v| vec![v.to_string()]).collect();
        let table = read_any(&write_csv(&["v"], &rows), Format::Csv).unwrap();
        let back: Vec<&str> = table.rows.iter().map(|r| r.cells[0].as_str()).collect();
        assert_eq!(back, values);
    }

    #[test]
    fn reader_removes_exactly_one_guard() {
        let table = read("v,w\n'+84912345678,'x\n''=1,'\n '-1 ,'@\n").unwrap();
        assert_eq!(
            cells(&table),
            [
                (2, vec!["+84912345678", "'x"]),
                (3, vec!["'=1", "'"]),
                (4, vec!["-1", "@"]),
            ]
        );
        assert_eq!(unguard("'\t1"), "\t1");
        assert_eq!(unguard("' =1"), "' =1");
    }

    #[test]
    fn vietnamese_round_trip() {
        let headers = ["Tên cơ quan", "Địa bàn", "Điện thoại"];
        let rows = vec![
            vec![
                "Sở Thông tin và Truyền thông Quảng Ngãi".to_owned(),
                "Quảng Ngãi".to_owned(),
                "0912345678".to_owned(),
            ],
            vec![
                "Ủy ban nhân dân huyện Đăk Hà".to_owned(),
                "Kon Tum, Việt Nam".to_owned(),
                "0260 3821 234".to_owned(),
            ],
        ];
        let table = read_any(&write_csv(&headers, &rows), Format::Csv).unwrap();
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
}
