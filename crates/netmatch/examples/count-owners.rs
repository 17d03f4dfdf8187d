//! Parse + match + count: reads a botnet list, names the owner of every
//! address from operators' prefix lists (and agency blocks), and prints the
//! count per owner and the time it took. `scripts/bench-botnet.sh` times it
//! beside `grepcidr` filtering the same list against the same prefixes.
//!
//! ```text
//! count-owners [--format text|ipsum|csv] [--blocks CSV] [--threads N] LIST PREFIXES...
//! ```
//!
//! `PREFIXES` are prefix-list files or folders of them (`*.txt`): a file
//! named after an AS number (`AS7552-ipv4-aggregated.txt`) is that operator's;
//! any other (`country-vn-ipv4-aggregated.txt`) is a catch-all that the
//! operators' blocks beat. `--blocks` is a `prefix,asn,name` table of agency
//! blocks, which beat both. Addresses are counted per line, as listed;
//! private, documentation and other special addresses are counted apart, as
//! the importer does. `--threads 2` reads the list on one thread and parses
//! on two (text and IPsum lists only).

use netmatch::{asn_from_file_name, classify, parse, parse_prefix_csv, parse_prefix_list};
use netmatch::{Format, OwnerTable};
use std::io::{Cursor, Read, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

fn fail(msg: &str) -> ! {
    eprintln!("count-owners: {msg}");
    std::process::exit(1)
}

fn usage() -> ! {
    fail("usage: count-owners [--format text|ipsum|csv] [--blocks CSV] [--threads N] LIST PREFIXES...")
}

#[derive(Default, Clone)]
struct Counts {
    per_owner: Vec<u64>,
    unknown: u64,
    special: u64,
    rejected: u64,
}

impl Counts {
    fn new(owners: usize) -> Self {
        Counts {
            per_owner: vec![0; owners],
            ..Default::default()
        }
    }

    fn add(&mut self, other: &Counts) {
        for (a, b) in self.per_owner.iter_mut().zip(&other.per_owner) {
            *a += b;
        }
        self.unknown += other.unknown;
        self.special += other.special;
        self.rejected += other.rejected;
    }

    /// The loop being measured.
    fn count(&mut self, table: &OwnerTable<u32>, format: Format, reader: impl Read) {
        for item in parse(format, reader) {
            match item {
                Err(_) => self.rejected += 1,
                Ok(l) => {
                    if classify(l.ip).is_some() {
                        self.special += 1;
                    } else if let Some((owner, _)) = table.lookup(l.ip) {
                        self.per_owner[*owner as usize] += 1;
                    } else {
                        self.unknown += 1;
                    }
                }
            }
        }
    }
}

fn prefix_files(path: &Path) -> Vec<PathBuf> {
    if path.is_dir() {
        let mut files: Vec<PathBuf> = std::fs::read_dir(path)
            .unwrap_or_else(|e| fail(&format!("{}: {e}", path.display())))
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "txt"))
            .collect();
        files.sort();
        files
    } else {
        vec![path.to_path_buf()]
    }
}

fn open(path: &Path) -> std::fs::File {
    std::fs::File::open(path).unwrap_or_else(|e| fail(&format!("{}: {e}", path.display())))
}

/// Owner names and the table: agency blocks first (precedence 0), then
/// operators (1), then catch-all lists (2).
fn build(blocks: Option<&Path>, prefixes: &[PathBuf]) -> (Vec<String>, OwnerTable<u32>) {
    let mut owners: Vec<String> = Vec::new();
    let mut entries = Vec::new();
    if let Some(path) = blocks {
        for row in parse_prefix_csv(open(path)) {
            let row = row.unwrap_or_else(|e| fail(&format!("{}: {e}", path.display())));
            let name = row
                .name
                .or(row.asn.map(|a| a.to_string()))
                .unwrap_or_else(|| row.cidr.to_string());
            let id = owners.iter().position(|o| *o == name).unwrap_or_else(|| {
                owners.push(name);
                owners.len() - 1
            });
            entries.push((row.cidr, id as u32, 0));
        }
    }
    for path in prefixes.iter().flat_map(|p| prefix_files(p)) {
        let file_name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let asn = asn_from_file_name(&file_name);
        let id = owners.len() as u32;
        owners.push(match asn {
            Some(a) => a.to_string(),
            None => file_name.trim_end_matches(".txt").to_string(),
        });
        let precedence = if asn.is_some() { 1 } else { 2 };
        for cidr in parse_prefix_list(open(&path)) {
            let cidr = cidr.unwrap_or_else(|e| fail(&format!("{}: {e}", path.display())));
            entries.push((cidr, id, precedence));
        }
    }
    (owners, OwnerTable::build(entries))
}

/// Splits the list into pieces ending at line breaks and counts them on
/// `threads` threads while this one reads on.
fn count_threaded(
    table: &OwnerTable<u32>,
    owners: usize,
    format: Format,
    mut reader: impl Read,
    threads: usize,
) -> Counts {
    const PIECE: usize = 4 << 20;
    let (send, receive) = std::sync::mpsc::sync_channel::<Vec<u8>>(threads * 2);
    let receive = std::sync::Mutex::new(receive);
    std::thread::scope(|s| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                let receive = &receive;
                s.spawn(move || {
                    let mut counts = Counts::new(owners);
                    loop {
                        let piece = receive.lock().expect("not poisoned").recv();
                        match piece {
                            Ok(piece) => counts.count(table, format, &piece[..]),
                            Err(_) => return counts,
                        }
                    }
                })
            })
            .collect();
        let mut carry: Vec<u8> = Vec::new();
        loop {
            let mut piece = std::mem::take(&mut carry);
            let start = piece.len();
            piece.resize(start + PIECE, 0);
            let mut filled = start;
            while filled < piece.len() {
                match reader.read(&mut piece[filled..]) {
                    Ok(0) => break,
                    Ok(n) => filled += n,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                    Err(e) => fail(&e.to_string()),
                }
            }
            piece.truncate(filled);
            let done = filled < start + PIECE;
            if !done {
                // Keep the unfinished last line for the next piece.
                if let Some(nl) = piece.iter().rposition(|&b| b == b'\n') {
                    carry = piece.split_off(nl + 1);
                }
            }
            if !piece.is_empty() {
                send.send(piece).expect("workers are alive");
            }
            if done {
                break;
            }
        }
        drop(send);
        let mut total = Counts::new(owners);
        for w in workers {
            total.add(&w.join().expect("worker finished"));
        }
        total
    })
}

fn main() {
    let t0 = Instant::now();
    let mut format = None;
    let mut blocks = None;
    let mut threads = 1usize;
    let mut paths = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--format" => {
                let f = args.next().unwrap_or_else(|| usage());
                format = Some(f.parse::<Format>().unwrap_or_else(|e| fail(&e)));
            }
            "--blocks" => blocks = Some(PathBuf::from(args.next().unwrap_or_else(|| usage()))),
            "--threads" => {
                threads = args
                    .next()
                    .and_then(|n| n.parse().ok())
                    .filter(|&n| n >= 1)
                    .unwrap_or_else(|| usage())
            }
            _ if a.starts_with("--") => usage(),
            _ => paths.push(PathBuf::from(a)),
        }
    }
    if paths.len() < 2 {
        usage();
    }
    let list = paths.remove(0);
    let (owners, table) = build(blocks.as_deref(), &paths);
    let built = t0.elapsed();

    let mut file = open(&list);
    let mut head = vec![0u8; 4096];
    let mut n = 0;
    while n < head.len() {
        match file.read(&mut head[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => fail(&format!("{}: {e}", list.display())),
        }
    }
    head.truncate(n);
    let format = format.unwrap_or_else(|| Format::detect(&head));
    let reader = Cursor::new(head).chain(file);
    let counts = if threads > 1 && format != Format::Csv {
        count_threaded(&table, owners.len(), format, reader, threads)
    } else {
        let mut c = Counts::new(owners.len());
        c.count(&table, format, reader);
        c
    };
    let elapsed = t0.elapsed();

    let mut rows: Vec<(u64, &str)> = counts
        .per_owner
        .iter()
        .zip(&owners)
        .filter(|(&c, _)| c > 0)
        .map(|(&c, o)| (c, o.as_str()))
        .collect();
    rows.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(b.1)));
    let matched: u64 = rows.iter().map(|r| r.0).sum();
    let lines = matched + counts.unknown + counts.special + counts.rejected;
    let mut out = std::io::stdout().lock();
    let mut report = || -> std::io::Result<()> {
        for (c, o) in &rows {
            writeln!(out, "{c:>9}  {o}")?;
        }
        writeln!(
            out,
            "{matched} matched, {} with no known owner, {} special, {} rejected ({lines} data lines, {format})",
            counts.unknown, counts.special, counts.rejected
        )?;
        writeln!(
            out,
            "table: {} blocks ({:?} ranges) in {:.1} ms; total {:.3} s = {:.1} M lines/s",
            table.len(),
            table.ranges(),
            built.as_secs_f64() * 1e3,
            elapsed.as_secs_f64(),
            lines as f64 / elapsed.as_secs_f64() / 1e6
        )
    };
    if let Err(e) = report() {
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            fail(&e.to_string());
        }
    }
}
