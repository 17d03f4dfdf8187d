//! Bounds on what a ZIP container (an XLSX workbook) may expand to, checked
//! before calamine sees it.
//!
//! A workbook of one megabyte can hold a worksheet that inflates to a
//! gigabyte; calamine would hold all of it (or its shared strings) in
//! memory. So the central directory is checked first (entry count, each
//! part's declared size, their total, the compression ratio), and then,
//! because declared sizes can lie, every part is inflated into a sink that
//! counts, stopping as soon as a limit is passed. Nothing is kept.

use std::io::{self, Cursor, Read};

use crate::SheetError;

/// Most parts (files) a workbook may hold. Excel writes a few dozen.
pub const MAX_ENTRIES: usize = 10_000;
/// Most bytes one part may expand to: a worksheet of this size holds
/// millions of cells, far more than [`crate::MAX_CELLS`] of typical text.
pub const MAX_PART_BYTES: u64 = 64 << 20;
/// Most bytes all parts together may expand to.
pub const MAX_TOTAL_BYTES: u64 = 256 << 20;
/// Highest compression ratio (expanded : stored) accepted for a part larger
/// than [`RATIO_FLOOR`]. Spreadsheet XML deflates 10 to 30 times; runs of
/// one repeated byte, what bombs are made of, deflate about 1000 times.
pub const MAX_RATIO: u64 = 200;
/// Small parts (styles, empty sheets) may compress as much as they like.
pub const RATIO_FLOOR: u64 = 1 << 20;

/// A limit that a ZIP container passes. Messages: Vietnamese, then English.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ZipLimit {
    #[error("tệp nén có hơn {limit} phần (the compressed file has more than {limit} parts)")]
    Entries { limit: usize },

    #[error(
        "phần \"{part}\" giải nén ra hơn {} MiB \
         (part \"{part}\" expands to more than {} MiB)",
        mib(*.limit), mib(*.limit)
    )]
    Part { part: String, limit: u64 },

    #[error(
        "các phần giải nén ra tổng cộng hơn {} MiB \
         (the parts expand to more than {} MiB in all)",
        mib(*.limit), mib(*.limit)
    )]
    Total { limit: u64 },

    #[error(
        "phần \"{part}\" bị nén hơn {limit} lần, dấu hiệu của một \"bom nén\" \
         (part \"{part}\" is compressed more than {limit} times, the mark of a zip bomb)"
    )]
    Ratio { part: String, limit: u64 },
}

fn mib(bytes: u64) -> u64 {
    bytes >> 20
}

/// Checks that `bytes`, a ZIP container, stays within the limits above.
///
/// A file that is not a readable ZIP container is [`SheetError::NotXlsx`].
pub(crate) fn check(bytes: &[u8]) -> Result<(), SheetError> {
    let not_xlsx = |e: zip::result::ZipError| SheetError::NotXlsx(e.to_string());
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(not_xlsx)?;
    if archive.len() > MAX_ENTRIES {
        return Err(ZipLimit::Entries { limit: MAX_ENTRIES }.into());
    }

    let mut declared_total: u64 = 0;
    for i in 0..archive.len() {
        let entry = archive.by_index_raw(i).map_err(not_xlsx)?;
        let size = entry.size();
        let part = || entry.name().to_owned();
        if size > MAX_PART_BYTES {
            return Err(part_limit(part()));
        }
        declared_total = declared_total.saturating_add(size);
        if declared_total > MAX_TOTAL_BYTES {
            return Err(ZipLimit::Total {
                limit: MAX_TOTAL_BYTES,
            }
            .into());
        }
        if size > RATIO_FLOOR && size / entry.compressed_size().max(1) > MAX_RATIO {
            return Err(ZipLimit::Ratio {
                part: part(),
                limit: MAX_RATIO,
            }
            .into());
        }
    }

    // The declared sizes may lie: count what each part really gives.
    let mut total: u64 = 0;
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).map_err(not_xlsx)?;
        let part = entry.name().to_owned();
        let inflated = io::copy(&mut (&mut entry).take(MAX_PART_BYTES + 1), &mut io::sink())
            .map_err(|e| SheetError::NotXlsx(format!("{part}: {e}")))?;
        if inflated > MAX_PART_BYTES {
            return Err(part_limit(part));
        }
        total += inflated;
        if total > MAX_TOTAL_BYTES {
            return Err(ZipLimit::Total {
                limit: MAX_TOTAL_BYTES,
            }
            .into());
        }
    }
    Ok(())
}

fn part_limit(part: String) -> SheetError {
    ZipLimit::Part {
        part,
        limit: MAX_PART_BYTES,
    }
    .into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use zip::write::SimpleFileOptions;
    use zip::CompressionMethod;

    /// A workbook-shaped ZIP whose `part` holds `size` bytes of one repeated
    /// byte, written in 1 MiB pieces so the test never holds it whole.
    fn bomb(part: &str, size: u64) -> Vec<u8> {
        let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let options = SimpleFileOptions::default()
            .compression_method(CompressionMethod::Deflated)
            .large_file(size > u32::MAX as u64);
        out.start_file("[Content_Types].xml", options).unwrap();
        out.write_all(b"<Types/>").unwrap();
        out.start_file(part, options).unwrap();
        let piece = vec![b'a'; 1 << 20];
        let mut left = size;
        while left > 0 {
            let n = left.min(piece.len() as u64) as usize;
            out.write_all(&piece[..n]).unwrap();
            left -= n as u64;
        }
        out.finish().unwrap().into_inner()
    }

    /// Rewrites the declared uncompressed size of every entry (local headers
    /// and central directory) to `declared`, as a hostile file would.
    fn lie_about_sizes(mut bytes: Vec<u8>, declared: u32) -> Vec<u8> {
        let mut i = 0;
        while i + 4 <= bytes.len() {
            let at = match &bytes[i..i + 4] {
                b"PK\x03\x04" => Some(i + 22),
                b"PK\x01\x02" => Some(i + 24),
                _ => None,
            };
            if let Some(at) = at {
                bytes[at..at + 4].copy_from_slice(&declared.to_le_bytes());
            }
            i += 1;
        }
        bytes
    }

    #[test]
    fn a_worksheet_bomb_is_refused_by_its_declared_size() {
        let bytes = bomb("xl/worksheets/sheet1.xml", MAX_PART_BYTES + 1);
        assert!(bytes.len() < 1 << 20, "{} bytes", bytes.len());
        let err = check(&bytes).unwrap_err();
        assert!(
            matches!(&err, SheetError::ZipLimit(ZipLimit::Part { part, limit })
                if part == "xl/worksheets/sheet1.xml" && *limit == MAX_PART_BYTES),
            "{err:?}"
        );
        let message = err.to_string();
        assert!(message.starts_with("phần \"xl/worksheets/sheet1.xml\" giải nén ra hơn 64 MiB"));
        assert!(message.contains("expands to more than 64 MiB"), "{message}");
        // Through the public reader, whatever the declared format.
        for format in [crate::Format::Xlsx, crate::Format::Csv] {
            assert!(matches!(
                crate::read(&bytes, format),
                Err(SheetError::ZipLimit(ZipLimit::Part { .. }))
            ));
        }
    }

    #[test]
    fn a_lying_shared_strings_bomb_is_refused_while_inflating() {
        // Declares 1000 bytes but inflates past the limit.
        let bytes = lie_about_sizes(bomb("xl/sharedStrings.xml", MAX_PART_BYTES + 4096), 1000);
        let err = check(&bytes).unwrap_err();
        assert!(
            matches!(&err, SheetError::ZipLimit(ZipLimit::Part { part, .. })
                if part == "xl/sharedStrings.xml"),
            "{err:?}"
        );
    }

    #[test]
    fn a_highly_compressed_part_is_refused() {
        let bytes = bomb("xl/worksheets/sheet1.xml", 8 << 20);
        let err = check(&bytes).unwrap_err();
        assert!(
            matches!(&err, SheetError::ZipLimit(ZipLimit::Ratio { .. })),
            "{err:?}"
        );
    }

    #[test]
    fn many_parts_and_large_totals_are_refused() {
        let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let options = SimpleFileOptions::default();
        for i in 0..=MAX_ENTRIES {
            out.start_file(format!("p{i}"), options).unwrap();
        }
        let bytes = out.finish().unwrap().into_inner();
        assert!(matches!(
            check(&bytes),
            Err(SheetError::ZipLimit(ZipLimit::Entries { .. }))
        ));

        // Five parts of 60 MiB each, all within the per-part limit, all
        // lying about their size.
        let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let options = SimpleFileOptions::default();
        let piece = vec![b' '; 1 << 20];
        for i in 0..5 {
            out.start_file(format!("xl/worksheets/sheet{i}.xml"), options)
                .unwrap();
            for _ in 0..60 {
                out.write_all(&piece).unwrap();
            }
        }
        let bytes = lie_about_sizes(out.finish().unwrap().into_inner(), 10);
        assert!(matches!(
            check(&bytes),
            Err(SheetError::ZipLimit(ZipLimit::Total { .. }))
        ));
    }

    proptest::proptest! {
        // Each case inflates over 64 MiB: few cases.
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(4))]

        #[test]
        fn every_bomb_is_refused(
            extra in 1u64..(4 << 20),
            part in proptest::sample::select(vec![
                "xl/worksheets/sheet1.xml", "xl/sharedStrings.xml", "xl/styles.xml",
            ]),
            lie in proptest::option::of(0u32..1_000_000),
        ) {
            let bytes = bomb(part, MAX_PART_BYTES + extra);
            let bytes = match lie {
                Some(declared) => lie_about_sizes(bytes, declared),
                None => bytes,
            };
            let refused = matches!(
                crate::read(&bytes, crate::Format::Xlsx),
                Err(SheetError::ZipLimit(_))
            );
            proptest::prop_assert!(refused);
        }
    }

    #[test]
    fn ordinary_workbooks_pass() {
        let rows: Vec<Vec<String>> = (0..2000)
            .map(|i| vec![format!("Máy chủ {i}"), "0912345678".into()])
            .collect();
        let bytes = crate::write_xlsx("S", &["Tên", "Điện thoại"], &rows).unwrap();
        check(&bytes).unwrap();
    }
}
