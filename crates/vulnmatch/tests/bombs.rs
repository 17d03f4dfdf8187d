//! Decompression bombs: a small gzip or xz feed that expands far past the
//! limit is refused while it is being decompressed, without holding more
//! than the limit in memory.

use std::io::Write;

use proptest::prelude::*;
use vulnmatch::feeds::{self, FeedError};

const MIB: u64 = 1 << 20;

/// `size` bytes of one repeated byte, fed to `w` in 1 MiB pieces.
fn fill(w: &mut impl Write, size: u64) {
    let piece = vec![b'['; MIB as usize];
    let mut left = size;
    while left > 0 {
        let n = left.min(MIB) as usize;
        w.write_all(&piece[..n]).unwrap();
        left -= n as u64;
    }
}

fn gzip_bomb(size: u64) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    fill(&mut enc, size);
    enc.finish().unwrap()
}

fn xz(size: u64, data: &[u8]) -> Vec<u8> {
    // Preset 1: a 1 MiB dictionary, quick to set up for each case.
    let options = lzma_rust2::XzOptions::with_preset(1);
    let mut enc = lzma_rust2::XzWriter::new(Vec::new(), options).unwrap();
    if data.is_empty() {
        fill(&mut enc, size);
    } else {
        enc.write_all(data).unwrap();
    }
    enc.finish().unwrap()
}

/// The process's peak resident memory so far, in bytes (Linux).
fn peak_rss() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024)
}

/// One test, so that no other test's allocations raise the peak meanwhile.
#[test]
fn gzip_and_xz_bombs_are_refused_within_the_limit() {
    let limit = 8 * MIB;
    let size = 128 * MIB;
    let gz = gzip_bomb(size);
    let xz_bomb = xz(size, &[]);
    assert!(gz.len() < MIB as usize && xz_bomb.len() < MIB as usize);

    let before = peak_rss();
    for (name, bytes) in [("bom.json.gz", &gz), ("bom.json.xz", &xz_bomb)] {
        let err = feeds::read_feed_limited(name, bytes, limit).unwrap_err();
        assert!(
            matches!(&err, FeedError::TooLarge { file, limit: l } if file == name && *l == limit),
            "{name}: {err:?}"
        );
        let message = err.to_string();
        assert!(
            message.starts_with(&format!("{name}: giải nén ra hơn")),
            "{message}"
        );
        assert!(message.contains("once decompressed"), "{message}");
    }
    let growth = peak_rss().saturating_sub(before);
    // The limit once, the xz dictionary (8 MiB at preset 6) and slack; a
    // decoder that held the bomb would have grown by 256 MiB.
    assert!(
        growth < 64 * MIB,
        "peak memory grew by {} MiB",
        growth / MIB
    );

    // Within the limit, the same content reads as far as the format goes.
    for (name, packed) in [("ok.xz", xz(MIB, &[])), ("ok.gz", gzip_bomb(MIB))] {
        let small = feeds::decompress(name, &packed, limit).unwrap();
        assert_eq!(small.len() as u64, MIB, "{name}");
    }
}

#[test]
fn an_xz_file_asking_for_a_huge_dictionary_is_refused() {
    let mut bytes = xz(0, b"{}");
    // Block header after the 12-byte stream header: size byte, flags,
    // filter id 0x21, property size 1, the dictionary byte, padding, CRC32.
    let size = (usize::from(bytes[12]) + 1) * 4;
    assert_eq!(&bytes[14..16], &[0x21, 0x01]);
    bytes[16] = 40; // 4 GiB - 1
    let mut crc = flate2::Crc::new();
    crc.update(&bytes[12..12 + size - 4]);
    bytes[12 + size - 4..12 + size].copy_from_slice(&crc.sum().to_le_bytes());
    let err = feeds::read_feed("dict.json.xz", &bytes).unwrap_err();
    assert!(matches!(err, FeedError::Decompress { .. }), "{err:?}");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Real gzip and xz wrappers of arbitrary bytes, whole or cut short.
    #[test]
    fn compressed_arbitrary_bytes_never_panic(
        bytes in prop::collection::vec(any::<u8>(), 0..600),
        cut in any::<prop::sample::Index>(),
    ) {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        enc.write_all(&bytes).unwrap();
        let gz = enc.finish().unwrap();
        let xz = xz(0, &bytes);
        for (name, packed) in [("f.gz", gz), ("f.xz", xz)] {
            let _ = feeds::read_feed(name, &packed);
            let _ = feeds::read_feed(name, &packed[..cut.index(packed.len())]);
            // Within a limit below the content's size: refused, never more.
            if bytes.len() > 10 {
                let refused = feeds::read_feed_limited(name, &packed, 10);
                prop_assert!(matches!(refused, Err(FeedError::TooLarge { .. })), "{:?}", refused.err());
            }
        }
    }
}
