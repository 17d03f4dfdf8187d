//! Property tests: what is written reads back unchanged, and no input
//! makes `read` panic.

use std::collections::HashSet;

use proptest::prelude::*;
use sheets::{read, write_csv, write_xlsx, Format, Row, SheetError, Table};

/// Cell text as `read` returns it: already trimmed. Mixes Vietnamese,
/// CSV-significant characters and arbitrary Unicode.
fn cell() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => "[a-zA-Z0-9 ,;\"\t\n\r'=+@_.-]{0,10}",
        3 => "[ăâđêôơưĂÂĐÊÔƠƯáàảãạấầẩẫậếềểễệốồổỗộớờởỡợứừửữựÝỳỷỹỵ ,\"\n]{0,10}",
        2 => "\\PC{0,8}",
        // Control characters included.
        1 => any::<String>(),
        // Excel's own escape syntax, which the writer must escape in turn.
        1 => "_x00[0-9A-F]{2}_",
        1 => "[0-9]{1,12}",
    ]
    .prop_map(|s| s.trim().to_owned())
}

fn header() -> impl Strategy<Value = String> {
    cell().prop_filter("headers are non-empty", |s| !s.is_empty())
}

/// Headers unique ignoring case, and rows that each have some content
/// (rows of empty cells are skipped on reading, by design).
fn table(max_rows: usize) -> impl Strategy<Value = (Vec<String>, Vec<Vec<String>>)> {
    prop::collection::vec(header(), 1..6)
        .prop_filter("headers are unique ignoring case", |headers| {
            let lower: HashSet<_> = headers.iter().map(|h| h.to_lowercase()).collect();
            lower.len() == headers.len()
        })
        .prop_flat_map(move |headers| {
            let row = prop::collection::vec(cell(), headers.len())
                .prop_filter("rows have content", |r| r.iter().any(|c| !c.is_empty()));
            (Just(headers), prop::collection::vec(row, 0..max_rows))
        })
}

fn expected(rows: &[Vec<String>]) -> Vec<Row> {
    rows.iter()
        .enumerate()
        .map(|(i, cells)| Row {
            number: i + 2,
            cells: cells.clone(),
        })
        .collect()
}

fn header_refs(headers: &[String]) -> Vec<&str> {
    headers.iter().map(String::as_str).collect()
}

/// `read` must answer with a table or an error; panicking fails the test.
fn read_without_panic(bytes: &[u8], format: Format) -> Result<Table, SheetError> {
    read(bytes, format)
}

proptest! {
    #[test]
    fn csv_round_trip((headers, rows) in table(8)) {
        let bytes = write_csv(&header_refs(&headers), &rows);
        let table = read(&bytes, Format::Csv).unwrap();
        prop_assert_eq!(&table.headers, &headers);
        // Rows with embedded newlines start further down the file, so only
        // the cells are compared here.
        let cells: Vec<_> = table.rows.into_iter().map(|r| r.cells).collect();
        prop_assert_eq!(cells, rows);
    }

    #[test]
    fn csv_row_numbers_are_file_lines((headers, rows) in table(8)) {
        let bytes = write_csv(&header_refs(&headers), &rows);
        let text = String::from_utf8(bytes.clone()).unwrap();
        let table = read(&bytes, Format::Csv).unwrap();
        // Each row's first cell, quoted or not, starts its line.
        let lines: Vec<&str> = text.split('\n').collect();
        for row in &table.rows {
            let line = lines[row.number - 1];
            let first = &row.cells[0];
            let start: String = first.chars().take_while(|c| !"\"\n\r,;\t".contains(*c)).collect();
            // Quoted or not, and with the guard against formulas or not.
            let line = line.strip_prefix('"').unwrap_or(line);
            prop_assert!(
                line.starts_with(&start) || line.starts_with(&format!("'{start}")),
                "row {} does not start line {:?}", row.number, line
            );
        }
    }

    #[test]
    fn csv_cells_never_start_a_formula((headers, rows) in table(8)) {
        let bytes = write_csv(&header_refs(&headers), &rows);
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(&bytes[3..]);
        for record in reader.records() {
            for field in record.unwrap().iter() {
                prop_assert!(
                    !field.starts_with(['=', '+', '-', '@', '\t', '\r']),
                    "field {:?} could be read as a formula", field
                );
            }
        }
    }

    #[test]
    fn read_never_panics_on_arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        let _ = read_without_panic(&bytes, Format::Csv);
        let _ = read_without_panic(&bytes, Format::Xlsx);
    }

    #[test]
    fn read_never_panics_on_text_like_bytes(text in "[a-c,;\t\"\r\n \u{FEFF}\u{1EA0}]{0,64}") {
        let _ = read_without_panic(text.as_bytes(), Format::Csv);
    }
}

proptest! {
    // Writing and parsing a workbook is much slower than CSV.
    #![proptest_config(ProptestConfig::with_cases(16))]

    #[test]
    fn xlsx_round_trip((headers, rows) in table(6)) {
        let bytes = write_xlsx("Dữ liệu", &header_refs(&headers), &rows).unwrap();
        let table = read(&bytes, Format::Xlsx).unwrap();
        prop_assert_eq!(&table.headers, &headers);
        prop_assert_eq!(table.rows, expected(&rows));
    }

    #[test]
    fn read_never_panics_on_damaged_workbooks(
        (headers, rows) in table(4),
        damage in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..4),
    ) {
        let mut bytes = write_xlsx("S", &header_refs(&headers), &rows).unwrap();
        for (at, byte) in damage {
            let i = at.index(bytes.len());
            bytes[i] = byte;
        }
        let _ = read_without_panic(&bytes, Format::Xlsx);
    }
}
