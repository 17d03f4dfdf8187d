//! An EVTX corpus for throughput: full chunks built from the regression
//! samples' records.
//!
//! cargo run --release -p detect --example gen-evtx -- SAMPLES RECORDS OUT_DIR [FILES=4]
//!
//! Each regression sample is an EVTX file of one chunk holding about one
//! record, so reading the samples measures the `evtx` crate's per-file work
//! (file header, a 64 KiB chunk, its string and template tables) rather than
//! its per-record work; a Windows log as an agency exports it holds a hundred
//! or more records a chunk, most of them instances of templates defined once
//! in the chunk. This builds such files: for each sample, its chunk as it is
//! (header, tables and the original record, whose template definition is
//! inline), then copies of that record filling the chunk, each copy's
//! template instance referring to the definition in the original record
//! instead of repeating it — what Windows writes for a template's later uses.
//! Copies get their own record numbers; their event data is the sample's.
//! Chunks of different samples alternate within a file, so the events mix
//! the samples' rules and layouts. Headers and checksums are written as
//! Windows does; every built chunk is read back with the `evtx` crate and a
//! sample whose copies do not render exactly as its original is left out
//! (and named).
//!
//! Writes OUT_DIR/corpus-N.evtx (FILES files of about RECORDS/FILES records).

use std::path::{Path, PathBuf};

const FILE_HEADER: usize = 4096;
const CHUNK: usize = 65536;
const CHUNK_HEADER: usize = 512;
const RECORD_HEADER: usize = 24;

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}
fn put_u32(b: &mut [u8], at: usize, v: u32) {
    b[at..at + 4].copy_from_slice(&v.to_le_bytes());
}
fn put_u64(b: &mut [u8], at: usize, v: u64) {
    b[at..at + 8].copy_from_slice(&v.to_le_bytes());
}

/// One sample's chunk cut at its free space, and a copy of its first record
/// whose template instance refers to the definition in the original.
struct Source {
    base: Vec<u8>,
    /// Offsets of the records in `base`.
    records: Vec<usize>,
    copy: Vec<u8>,
}

fn evtx_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            evtx_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "evtx") {
            out.push(p);
        }
    }
}

fn source(path: &Path) -> Result<Source, String> {
    let bytes = std::fs::read(path).map_err(|e| e.to_string())?;
    if bytes.len() < FILE_HEADER + CHUNK || &bytes[FILE_HEADER..FILE_HEADER + 8] != b"ElfChnk\0" {
        return Err("no whole first chunk".into());
    }
    let chunk = &bytes[FILE_HEADER..FILE_HEADER + CHUNK];
    let free = u32_at(chunk, 48) as usize;
    if !(CHUNK_HEADER..=CHUNK).contains(&free) {
        return Err("free space offset out of the chunk".into());
    }
    let mut records = Vec::new();
    let mut at = CHUNK_HEADER;
    while at + RECORD_HEADER <= free {
        if chunk[at..at + 4] != [0x2a, 0x2a, 0, 0] {
            break;
        }
        let size = u32_at(chunk, at + 4) as usize;
        if size < RECORD_HEADER + 4 || at + size > free {
            return Err(format!("record at {at} overruns the chunk"));
        }
        records.push(at);
        at += size;
    }
    let Some(&first) = records.first() else {
        return Err("no record".into());
    };
    let size = u32_at(chunk, first + 4) as usize;
    let rec = &chunk[first..first + size];
    let body = strip(&rec[RECORD_HEADER..size - 4], first + RECORD_HEADER)?;
    let copy_size = RECORD_HEADER + body.len() + 4;
    let mut copy = Vec::with_capacity(copy_size);
    copy.extend_from_slice(&rec[..RECORD_HEADER]);
    copy.extend_from_slice(&body);
    copy.extend_from_slice(&(copy_size as u32).to_le_bytes());
    put_u32(&mut copy, 4, copy_size as u32);
    Ok(Source {
        base: chunk[..free].to_vec(),
        records,
        copy,
    })
}

/// A record's BinXML (at chunk offset `at`) as a later record of the chunk
/// would write it: its template instance refers to the definition the
/// original holds inline, and so do the instances in substitution values
/// that are BinXML themselves (Windows events' `EventData`, often). BinXML
/// that is not a template instance is refused (the sample is left out).
fn strip(b: &[u8], at: usize) -> Result<Vec<u8>, String> {
    // Fragment header (0x0f, 3 bytes), then TemplateInstance: 0x0c, a byte,
    // the template id, the definition's chunk offset; the definition follows
    // inline when that offset is where the cursor stands.
    if b.len() < 18 || b[0] != 0x0f || b[4] != 0x0c {
        return Err("BinXML that is not a template instance".into());
    }
    let short = || "BinXML cut short".to_string();
    let mut p = 14;
    if u32_at(b, 10) as usize == at + 14 {
        if b.len() < 38 {
            return Err(short());
        }
        p += 24 + u32_at(b, 34) as usize;
    }
    let n = u32_at(b.get(p..p + 4).ok_or_else(short)?, 0) as usize;
    let descriptors = b.get(p + 4..p + 4 + 4 * n).ok_or_else(short)?;
    let mut values_at = p + 4 + 4 * n;
    let mut out = b[..14].to_vec();
    out.extend_from_slice(&(n as u32).to_le_bytes());
    let mut values = Vec::new();
    let mut descs = Vec::with_capacity(4 * n);
    for d in descriptors.chunks_exact(4) {
        let size = u16::from_le_bytes([d[0], d[1]]) as usize;
        let v = b.get(values_at..values_at + size).ok_or_else(short)?;
        let v = if d[2] == 0x21 && size > 0 {
            strip(v, at + values_at)?
        } else {
            v.to_vec()
        };
        let new_size = u16::try_from(v.len()).map_err(|_| "value too long".to_string())?;
        descs.extend_from_slice(&new_size.to_le_bytes());
        descs.extend_from_slice(&d[2..4]);
        values.extend_from_slice(&v);
        values_at += size;
    }
    out.extend_from_slice(&descs);
    out.extend_from_slice(&values);
    out.extend_from_slice(&b[values_at..]);
    Ok(out)
}

/// A full chunk of `src` whose records are numbered from `first_id`.
fn build_chunk(src: &Source, first_id: u64) -> (Vec<u8>, u64) {
    let mut c = src.base.clone();
    let mut id = first_id;
    let mut last = 0;
    for &at in &src.records {
        put_u64(&mut c, at + 8, id);
        last = at;
        id += 1;
    }
    while c.len() + src.copy.len() <= CHUNK {
        last = c.len();
        c.extend_from_slice(&src.copy);
        put_u64(&mut c, last + 8, id);
        id += 1;
    }
    let free = c.len();
    c.resize(CHUNK, 0);
    put_u64(&mut c, 8, first_id);
    put_u64(&mut c, 16, id - 1);
    put_u64(&mut c, 24, first_id);
    put_u64(&mut c, 32, id - 1);
    put_u32(&mut c, 44, last as u32);
    put_u32(&mut c, 48, free as u32);
    let events = evtx::checksum_ieee(&c[CHUNK_HEADER..free]);
    put_u32(&mut c, 52, events);
    let mut head = c[..120].to_vec();
    head.extend_from_slice(&c[128..CHUNK_HEADER]);
    put_u32(&mut c, 124, evtx::checksum_ieee(&head));
    (c, id - first_id)
}

fn file_header(template: &[u8], chunks: usize, next_id: u64) -> Vec<u8> {
    let mut h = template[..FILE_HEADER].to_vec();
    put_u64(&mut h, 8, 0);
    put_u64(&mut h, 16, chunks.saturating_sub(1) as u64);
    put_u64(&mut h, 24, next_id);
    h[42..44].copy_from_slice(&(chunks as u16).to_le_bytes());
    put_u32(&mut h, 120, 0); // clean, not full
    let sum = evtx::checksum_ieee(&h[..120]);
    put_u32(&mut h, 124, sum);
    h
}

/// Every record of the file rendered as JSON, or why not.
fn render(file: &[u8]) -> Result<Vec<String>, String> {
    let mut p = evtx::EvtxParser::from_buffer(file.to_vec()).map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    for r in p.records_json() {
        out.push(r.map_err(|e| format!("{e:?}"))?.data);
    }
    Ok(out)
}

/// Whether the copies in a chunk of `src` render exactly as its original.
fn check(src: &Source, header: &[u8]) -> Result<(), String> {
    let (chunk, n) = build_chunk(src, 1);
    let mut file = file_header(header, 1, n + 1);
    file.extend_from_slice(&chunk);
    let all = render(&file)?;
    if all.len() as u64 != n {
        return Err(format!("{} of {n} records read back", all.len()));
    }
    let first = &all[0];
    for (i, r) in all.iter().enumerate().skip(src.records.len()) {
        if r != first {
            return Err(format!("copy {i} renders differently"));
        }
    }
    Ok(())
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 3 {
        eprintln!("usage: gen-evtx SAMPLES RECORDS OUT_DIR [FILES=4]");
        std::process::exit(2);
    }
    let records: u64 = args[1].replace('_', "").parse().expect("RECORDS: a number");
    let out_dir = PathBuf::from(&args[2]);
    let files: usize = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(4).max(1);
    let mut paths = Vec::new();
    evtx_files(Path::new(&args[0]), &mut paths);
    paths.sort();
    let Some(first_path) = paths.first() else {
        eprintln!("no .evtx file under {}", args[0]);
        std::process::exit(2);
    };
    let header = std::fs::read(first_path).expect("read a sample");
    let mut sources = Vec::new();
    let mut left_out = 0;
    for p in &paths {
        match source(p).and_then(|s| check(&s, &header).map(|()| s)) {
            Ok(s) => sources.push(s),
            Err(e) => {
                left_out += 1;
                eprintln!("left out {}: {e}", p.display());
            }
        }
    }
    if sources.is_empty() {
        eprintln!("no sample could be packed");
        std::process::exit(1);
    }
    std::fs::create_dir_all(&out_dir).expect("create OUT_DIR");
    let per_file = records.div_ceil(files as u64);
    let mut next_source = 0usize;
    let mut total = 0u64;
    let mut chunks_total = 0usize;
    for f in 0..files {
        let mut body = Vec::new();
        let mut id = 1u64;
        let mut chunks = 0usize;
        while id - 1 < per_file && chunks < u16::MAX as usize {
            let src = &sources[next_source % sources.len()];
            next_source += 1;
            let (chunk, n) = build_chunk(src, id);
            body.extend_from_slice(&chunk);
            id += n;
            chunks += 1;
        }
        let mut file = file_header(&header, chunks, id);
        file.extend_from_slice(&body);
        let path = out_dir.join(format!("corpus-{f}.evtx"));
        std::fs::write(&path, &file).expect("write corpus file");
        total += id - 1;
        chunks_total += chunks;
    }
    println!(
        "{total} records in {chunks_total} chunks ({:.0} a chunk) over {files} files in {}; {} samples packed, {left_out} left out",
        total as f64 / chunks_total.max(1) as f64,
        out_dir.display(),
        sources.len()
    );
}
