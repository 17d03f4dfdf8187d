//! Keeps the events of a JSON-lines file (e.g. detect's `gen-events`) as the
//! server keeps them (`eventstore::view::TermView`, body `{"s": sensor, "e": event}`),
//! one index per day, then prints the CPU time of keeping per event (the
//! view on the pipeline's workers; documents, indexing, compression and
//! merges), the bytes on disk per event (index and stored events) and the
//! time of a retro-hunt for one address that one event holds (`hunt` by
//! term, then reading the found event back).
//!
//! CPU time is what counts on a shared machine: the figures are read from
//! `/proc` (the main thread's `schedstat`, the process's `stat`), so other
//! programs running beside it change the wall time, not them.
//!
//! `cargo run --release -p eventstore --example bench-events -- EVENTS.jsonl DIR [DAYS]`
//!
//! Writing options (defaults: `eventstore::Options::default()`):
//! `KEEP_ZSTD=1 KEEP_BLOCK_KIB=256 KEEP_WRITER_MIB=128 KEEP_THREADS=1 KEEP_MERGE=8`;
//! `KEEP_COMMIT=50000` events between commits (the server's keeper commits
//! every second or every 50 000 events).

use detect::indicators::FieldMap;
use eventstore::view::TermView;
use eventstore::{EventStore, KeptEvent, Kind, Options};
use std::io::BufRead;
use std::time::Instant;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const NEEDLE: &str = "203.0.113.77";
/// Lines read, viewed and kept at a time (the pipeline's batches are
/// up to 5 000 events).
const CHUNK: usize = 5_000;

/// CPU seconds of the whole process (every thread, ended ones too).
fn process_cpu() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<u64> = after
        .split_whitespace()
        .map(|x| x.parse().unwrap_or(0))
        .collect();
    // Fields 14 and 15 (utime, stime) are the 12th and 13th after the name.
    (f.get(11).copied().unwrap_or(0) + f.get(12).copied().unwrap_or(0)) as f64 / 100.0
}

/// CPU seconds of the calling thread (nanosecond resolution).
fn thread_cpu() -> f64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| {
            s.split_whitespace()
                .next()
                .and_then(|n| n.parse::<u64>().ok())
        })
        .unwrap_or(0) as f64
        / 1e9
}

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The body the server keeps: `{"s": sensor, "e": event}` written around
/// the event's JSON as received.
fn body(sensor: i64, json: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(json.len() + 32);
    out.extend_from_slice(b"{\"s\":");
    out.extend_from_slice(sensor.to_string().as_bytes());
    out.extend_from_slice(b",\"e\":");
    out.extend_from_slice(json);
    out.push(b'}');
    out
}

fn main() {
    let mut args = std::env::args().skip(1);
    let (Some(input), Some(dir)) = (args.next(), args.next()) else {
        eprintln!("usage: bench-events EVENTS.jsonl DIR [DAYS]");
        std::process::exit(2);
    };
    let days: i64 = args.next().and_then(|d| d.parse().ok()).unwrap_or(1);
    let d = Options::default();
    let opts = Options {
        zstd_level: env_or("KEEP_ZSTD", d.zstd_level),
        block_bytes: env_or("KEEP_BLOCK_KIB", d.block_bytes / 1024) * 1024,
        writer_bytes: env_or("KEEP_WRITER_MIB", d.writer_bytes >> 20) << 20,
        writer_threads: env_or("KEEP_THREADS", d.writer_threads),
        merge_segments: env_or("KEEP_MERGE", d.merge_segments),
    };
    let commit_every: usize = env_or("KEEP_COMMIT", 50_000);
    println!(
        "options: zstd {} in {} KiB blocks, writer {} MiB x {} thread(s), {} segments a merge, commit every {commit_every} events",
        opts.zstd_level,
        opts.block_bytes / 1024,
        opts.writer_bytes >> 20,
        opts.writer_threads,
        opts.merge_segments
    );
    // Counted first, so that each event's time spreads it over the days.
    let n = std::io::BufReader::new(std::fs::File::open(&input).expect("open the events file"))
        .lines()
        .map_while(Result::ok)
        .filter(|l| !l.trim().is_empty())
        .count();
    let mut lines = std::io::BufReader::new(std::fs::File::open(&input).expect("open"))
        .lines()
        .map_while(Result::ok)
        .filter(|l| !l.trim().is_empty());
    let store = EventStore::open_with(std::path::Path::new(&dir), opts).expect("open the store");
    let view = TermView::new(&FieldMap::default());
    let mut reader = detect::read::JsonObject::new();
    let mut bufs: Vec<detect::EventBuf> = Vec::with_capacity(CHUNK);
    let start_ms = 1_767_225_600_000i64; // 2026-01-01
    let span = days * 86_400_000;
    let (mut parse_s, mut view_s, mut add_s, mut commit_s) = (0.0, 0.0, 0.0, 0.0);
    let cpu0 = process_cpu();
    let wall = Instant::now();
    let mut i = 0usize;
    let mut since_commit = 0;
    loop {
        let t = thread_cpu();
        // As the pipeline does: lines checked on receipt, read on a
        // worker by detect's own reader into a reused buffer, viewed as
        // term hashes, kept as received.
        let mut lines_read: Vec<String> = Vec::with_capacity(CHUNK);
        for mut line in lines.by_ref().take(CHUNK) {
            if i + lines_read.len() == n / 2 {
                let Ok(mut json) = serde_json::from_str::<serde_json::Value>(&line) else {
                    continue;
                };
                json["DestinationIp"] = serde_json::json!(NEEDLE);
                line = json.to_string();
            }
            if bufs.len() <= lines_read.len() {
                bufs.push(detect::EventBuf::new());
            }
            let buf = &mut bufs[lines_read.len()];
            if reader.read(line.as_bytes(), buf).is_ok() {
                lines_read.push(line);
            }
        }
        if lines_read.is_empty() {
            break;
        }
        let t1 = thread_cpu();
        parse_s += t1 - t;
        let mut batch = Vec::with_capacity(lines_read.len());
        for (line, buf) in lines_read.iter().zip(&bufs) {
            let host = ["Computer", "Hostname", "host.name"]
                .iter()
                .find_map(|f| buf.get(f).map(|h| h.as_text().trim().to_string()));
            batch.push(KeptEvent {
                time_ms: start_ms + (i as i64) * span / n as i64,
                org_id: 1 + (i % 7) as i64,
                terms: Vec::new(),
                hashes: view.hashes_buf(buf, host.as_deref(), &[]),
                body: body(1, line.as_bytes()),
            });
            i += 1;
        }
        let t2 = thread_cpu();
        view_s += t2 - t1;
        since_commit += batch.len();
        store.add_owned(batch).expect("add");
        let t3 = thread_cpu();
        add_s += t3 - t2;
        if since_commit >= commit_every {
            store.commit().expect("commit");
            since_commit = 0;
            commit_s += thread_cpu() - t3;
        }
    }
    store.commit().expect("commit");
    // Nothing pending: the writers close after their merges.
    store.commit().expect("close the writers");
    let keep_wall = wall.elapsed().as_secs_f64();
    let cpu = process_cpu() - cpu0;
    drop(store);
    let per = |s: f64| s * 1e6 / n as f64;
    let keep_cpu = cpu - parse_s;
    println!("events kept: {n} over {days} day(s) in {keep_wall:.1} s wall");
    println!(
        "CPU per event: parse {:.2} us (the receiver's, not keeping's); view (terms, body; the pipeline's workers) {:.2} us; \
         documents and hand-over {:.2} us; commits (keeper thread) {:.2} us; \
         indexing, compression, merges (tantivy's threads) {:.2} us",
        per(parse_s),
        per(view_s),
        per(add_s),
        per(commit_s),
        per(cpu - parse_s - view_s - add_s - commit_s),
    );
    println!(
        "keeping: {:.2} us CPU per event = {:.0} events per CPU-second (process CPU {cpu:.1} s less parsing)",
        per(keep_cpu),
        n as f64 / keep_cpu
    );
    // Reopened, as a server would after a restart (merges finished).
    let store = EventStore::open(std::path::Path::new(&dir)).expect("reopen");
    let bytes = store.disk_bytes();
    println!(
        "on disk: {bytes} bytes = {:.1} bytes/event (index and stored events)",
        bytes as f64 / n as f64
    );
    for round in 0..3 {
        let t = Instant::now();
        let mut found = Vec::new();
        let hits = store
            .hunt(&[(Kind::Addr, NEEDLE.to_string())], None, 1_000, |f| {
                found.push(f)
            })
            .expect("hunt");
        let ms = t.elapsed().as_secs_f64() * 1000.0;
        println!("retro-hunt of one address (round {round}): {hits} match(es) in {ms:.1} ms");
    }
    let t = Instant::now();
    let miss = store
        .hunt(&[(Kind::Hash, "00".repeat(32))], None, 1_000, |_| {})
        .expect("hunt");
    println!(
        "retro-hunt of an absent hash: {miss} match(es) in {:.1} ms",
        t.elapsed().as_secs_f64() * 1000.0
    );
}
