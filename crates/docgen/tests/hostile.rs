//! Hostile DOCX files: `read_text` answers every input with text or an
//! error, never a panic, and never inflates a part past its limit.

use std::io::{Cursor, Write};

use docgen::{read_text, DocError, DOCUMENT_LIMIT, MAX_PARTS};
use proptest::prelude::*;
use zip::write::SimpleFileOptions;

const RELS: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>"#;

/// A package whose main part starts a document and then holds `filler`
/// bytes of spaces, written in 1 MiB pieces so the test never holds it whole.
fn package_with_filler(filler: u64) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default();
    zip.start_file("_rels/.rels", options).unwrap();
    zip.write_all(RELS.as_bytes()).unwrap();
    zip.start_file("word/document.xml", options).unwrap();
    zip.write_all(
        br#"<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>"#,
    )
    .unwrap();
    let piece = vec![b' '; 1 << 20];
    let mut left = filler;
    while left > 0 {
        let n = left.min(piece.len() as u64) as usize;
        zip.write_all(&piece[..n]).unwrap();
        left -= n as u64;
    }
    zip.write_all(b"x</w:t></w:r></w:p></w:body></w:document>")
        .unwrap();
    zip.finish().unwrap().into_inner()
}

/// Sets every declared uncompressed size (local headers and central
/// directory) to `declared`, as a hostile file would.
fn lie_about_sizes(mut bytes: Vec<u8>, declared: u32) -> Vec<u8> {
    for i in 0..bytes.len().saturating_sub(3) {
        let at = match &bytes[i..i + 4] {
            b"PK\x03\x04" => i + 22,
            b"PK\x01\x02" => i + 24,
            _ => continue,
        };
        bytes[at..at + 4].copy_from_slice(&declared.to_le_bytes());
    }
    bytes
}

#[test]
fn a_small_document_reads() {
    let text = read_text(&package_with_filler(10)).expect("readable");
    assert_eq!(text.paragraphs.len(), 1);
}

#[test]
fn a_document_bomb_is_refused_by_its_declared_size() {
    let bytes = package_with_filler(DOCUMENT_LIMIT);
    assert!(bytes.len() < 1 << 20, "{} bytes", bytes.len());
    let err = read_text(&bytes).unwrap_err();
    assert!(
        matches!(&err, DocError::TooLarge { part, limit }
            if part == "word/document.xml" && *limit == DOCUMENT_LIMIT),
        "{err:?}"
    );
    let message = err.to_string();
    assert!(
        message.starts_with("phần \"word/document.xml\" của tệp DOCX giải nén ra hơn 64 MiB"),
        "{message}"
    );
    assert!(message.contains("expands to more than 64 MiB"), "{message}");
}

#[test]
fn a_lying_document_bomb_is_refused_while_inflating() {
    let bytes = lie_about_sizes(package_with_filler(DOCUMENT_LIMIT), 100);
    let err = read_text(&bytes).unwrap_err();
    assert!(matches!(err, DocError::TooLarge { .. }), "{err:?}");
}

#[test]
fn a_highly_compressed_document_is_refused() {
    let err = read_text(&package_with_filler(8 << 20)).unwrap_err();
    assert!(matches!(err, DocError::CompressionRatio { .. }), "{err:?}");
}

#[test]
fn too_many_parts_are_refused() {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for i in 0..=MAX_PARTS {
        zip.start_file(format!("p{i}"), SimpleFileOptions::default())
            .unwrap();
    }
    let bytes = zip.finish().unwrap().into_inner();
    assert!(matches!(
        read_text(&bytes),
        Err(DocError::TooManyParts { .. })
    ));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        let _ = read_text(&bytes);
        let mut zipped = b"PK\x03\x04".to_vec();
        zipped.extend_from_slice(&bytes);
        let _ = read_text(&zipped);
    }

    #[test]
    fn damaged_packages_never_panic(
        damage in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..6),
    ) {
        let mut bytes = package_with_filler(40);
        for (at, byte) in damage {
            let i = at.index(bytes.len());
            bytes[i] = byte;
        }
        let _ = read_text(&bytes);
    }

    #[test]
    fn arbitrary_document_xml_never_panics(xml in "(<[a-z:]{1,8}( [a-z:]{1,5}=\"[^\"]{0,5}\")?/?>|</[a-z:]{1,8}>|[^<]{0,8}|&[a-z#0-9]{0,6};){0,40}") {
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        zip.start_file("word/document.xml", SimpleFileOptions::default()).unwrap();
        zip.write_all(xml.as_bytes()).unwrap();
        let _ = read_text(&zip.finish().unwrap().into_inner());
    }
}
