//! Whatever users type, the file is well-formed and reads back as typed,
//! less what XML cannot carry (`clean_text`).

use std::io::{Cursor, Read};

use chrono::NaiveDate;
use docgen::{clean_text, read_text, Block, Letterhead, OfficialDocument, Signature, Table};
use proptest::prelude::*;

/// Any character, with the troublesome ones often.
fn troublesome_char() -> impl Strategy<Value = char> {
    prop_oneof![
        3 => any::<char>(),
        2 => prop::sample::select(vec![
            '<', '>', '&', '"', '\'', ';', '\0', '\u{1}', '\u{8}', '\u{b}', '\u{c}', '\u{1b}',
            '\u{1f}', '\u{7f}', '\u{85}', '\r', '\n', '\t', ' ', '\u{a0}', '\u{fffe}', '\u{ffff}',
            '\u{feff}', '\u{2028}', 'ơ', 'Ạ', 'đ', '😀', ']',
        ]),
        2 => prop::char::range('a', 'z'),
    ]
}

fn text() -> impl Strategy<Value = String> {
    prop::collection::vec(troublesome_char(), 0..24).prop_map(|chars| chars.into_iter().collect())
}

fn table() -> impl Strategy<Value = Table> {
    (1usize..4).prop_flat_map(|columns| {
        (
            prop::collection::vec(text(), columns),
            prop::collection::vec(prop::collection::vec(text(), columns), 0..4),
        )
            .prop_map(|(columns, rows)| Table {
                columns,
                rows,
                widths: None,
            })
    })
}

fn document(title: String, paragraphs: Vec<String>, table: Table) -> OfficialDocument {
    let mut body: Vec<Block> = paragraphs.into_iter().map(Block::Paragraph).collect();
    body.push(Block::Table(table));
    OfficialDocument {
        letterhead: Letterhead {
            parent_body: None,
            issuing_body: "Sở Khoa học và Công nghệ".into(),
            number: None,
            place: "Sơn Hà".into(),
            date: NaiveDate::from_ymd_opt(2026, 11, 25).expect("valid date"),
        },
        kind: "Báo cáo".into(),
        title,
        summary: None,
        recipients: vec![],
        body,
        recipients_for_filing: vec![],
        signature: Signature {
            capacity: vec![],
            signer: "Nguyễn Văn An".into(),
        },
    }
}

/// quick-xml is not a validating parser: check the production `Char` of
/// XML 1.0 ourselves, in every part, so a stray control character would fail
/// here rather than in Word.
fn assert_only_xml_chars(docx: &[u8]) {
    let mut archive = zip::ZipArchive::new(Cursor::new(docx)).expect("a zip package");
    for i in 0..archive.len() {
        let mut part = archive.by_index(i).expect("a part");
        let name = part.name().to_owned();
        let mut xml = String::new();
        part.read_to_string(&mut xml).expect("UTF-8 parts");
        let bad = xml.chars().find(|&c| {
            !matches!(c, '\t' | '\n' | '\r' | ' '..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
        });
        assert_eq!(bad, None, "{name} holds a character XML 1.0 forbids");
    }
}

proptest! {
    #[test]
    fn user_text_survives_the_round_trip(
        title in text(),
        paragraphs in prop::collection::vec(text(), 0..5),
        table in table(),
    ) {
        let doc = document(title.clone(), paragraphs.clone(), table.clone());
        let docx = doc.to_docx().expect("any text can be written");
        assert_only_xml_chars(&docx);
        let read = read_text(&docx).expect("our own output reads back");

        // Paragraphs with no text are not read back.
        let expected: Vec<String> = std::iter::once("BÁO CÁO".to_string())
            .chain(std::iter::once(&title).chain(&paragraphs).map(|s| clean_text(s)))
            .filter(|s| !s.is_empty())
            .collect();
        prop_assert_eq!(&read.paragraphs, &expected);

        let expected_table: Vec<Vec<String>> = std::iter::once(&table.columns)
            .chain(&table.rows)
            .map(|row| row.iter().map(|c| clean_text(c)).collect())
            .collect();
        prop_assert_eq!(read.tables.len(), 3);
        prop_assert_eq!(&read.tables[1], &expected_table);
    }
}
