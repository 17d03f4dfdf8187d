//! Times `detect` end to end: load the rules, then read events, normalise
//! them, evaluate every rule and write one JSON line per detection.
//!
//! Usage: hunt-bench EVENTS RULES_DIR...
//!
//! EVENTS is a JSON-lines file, or an `.evtx` file or a folder of them.
//! Environment: `DETECT_THREADS` (default 1) workers; `DETECT_OUT` where the
//! detections go (default /dev/null); `DETECT_EVTX_REPEAT` reads the EVTX
//! files that many times (default 1); `DETECT_EVAL_ONLY=1` also times
//! evaluation alone on events held in memory; `DETECT_STATS=1` prints the
//! prefilter's figures; `DETECT_PARSE_ONLY=1` reads without evaluating;
//! `DETECT_CACHE=FILE` loads the rules through the rule cache in FILE
//! (written when missing or stale).
//!
//! Prints `canhgac rules=N refused=N events=N detections=N load_s=S e2e_s=S
//! e2e_cpu_s=S` (CPU seconds of all threads, from /proc; 0 elsewhere).

use detect::read::{EvtxEvents, JsonEvents};
use detect::{Config, Engine, EngineBuilder, EventBuf, Scanner};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::sync::{mpsc, Arc, Mutex};
use std::time::Instant;

fn files_with(dir: &Path, exts: &[&str], out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            files_with(&p, exts, out);
        } else if p.extension().is_some_and(|e| exts.iter().any(|x| e == *x)) {
            out.push(p);
        }
    }
}

/// CPU seconds used by this process (all threads).
fn cpu_s() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return 0.0;
    };
    // Fields after the command name (which may hold spaces) end with ')'.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    // utime and stime are fields 14 and 15 of the line (11 and 12 after ')').
    (ticks(11) + ticks(12)) / 100.0
}

/// One detection as a JSON line.
fn write_detection(w: &mut Vec<u8>, engine: &Engine, file: &str, pos: u64, rule: usize) {
    let r = &engine.rules()[rule];
    w.extend_from_slice(b"{\"file\":");
    let _ = serde_json::to_writer(&mut *w, file);
    let _ = write!(w, ",\"event\":{pos},\"rule\":");
    let _ = serde_json::to_writer(&mut *w, &r.id);
    let _ = write!(w, ",\"level\":\"{}\",\"title\":", r.level.as_str());
    let _ = serde_json::to_writer(&mut *w, &r.title);
    w.extend_from_slice(b"}\n");
}

/// `DETECT_PARSE_ONLY=1`: read and normalise without evaluating (to see the split).
fn parse_only() -> bool {
    static P: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *P.get_or_init(|| std::env::var_os("DETECT_PARSE_ONLY").is_some())
}

struct Totals {
    events: u64,
    detections: u64,
    errors: u64,
}

/// Scans JSON text (whole lines) and appends detections to `out`.
fn scan_json(
    s: &mut Scanner<'_>,
    engine: &Engine,
    buf: &mut EventBuf,
    text: &[u8],
    file: &str,
    first_event: u64,
    out: &mut Vec<u8>,
) -> Totals {
    let mut t = Totals {
        events: 0,
        detections: 0,
        errors: 0,
    };
    let mut r = JsonEvents::new(text, file);
    while let Some(res) = r.next_into(buf) {
        if res.is_err() {
            t.errors += 1;
            continue;
        }
        let pos = first_event + t.events;
        t.events += 1;
        if parse_only() {
            continue;
        }
        for &rule in s.scan_buf(buf) {
            t.detections += 1;
            write_detection(out, engine, file, pos, rule);
        }
    }
    t
}

/// JSON lines end to end: a reader thread cuts the file into batches of
/// whole lines; each worker parses, scans and writes its batch.
fn run_json(
    engine: &Engine,
    path: &str,
    threads: usize,
    sink: &Mutex<Box<dyn Write + Send>>,
) -> Totals {
    const BATCH: usize = 1 << 20;
    let (tx, rx) = mpsc::sync_channel::<(u64, Vec<u8>)>(threads * 2);
    let rx = Arc::new(Mutex::new(rx));
    let totals = Mutex::new(Totals {
        events: 0,
        detections: 0,
        errors: 0,
    });
    std::thread::scope(|sc| {
        sc.spawn(move || {
            let mut f =
                BufReader::with_capacity(BATCH, std::fs::File::open(path).expect("events file"));
            let mut carry: Vec<u8> = Vec::new();
            let mut batch_no = 0u64;
            loop {
                let mut chunk = std::mem::take(&mut carry);
                let n = {
                    let got = f.fill_buf().expect("read");
                    chunk.extend_from_slice(got);
                    got.len()
                };
                f.consume(n);
                if n == 0 {
                    if !chunk.is_empty() {
                        let _ = tx.send((batch_no, chunk));
                    }
                    break;
                }
                if chunk.len() < BATCH {
                    carry = chunk;
                    continue;
                }
                // Cut after the last newline; the rest starts the next batch.
                match memchr_last(&chunk) {
                    Some(i) => {
                        carry = chunk[i + 1..].to_vec();
                        chunk.truncate(i + 1);
                        let _ = tx.send((batch_no, chunk));
                        batch_no += 1;
                    }
                    None => carry = chunk,
                }
            }
        });
        for _ in 0..threads {
            let rx = rx.clone();
            let totals = &totals;
            sc.spawn(move || {
                let mut s = engine.scanner();
                let mut buf = EventBuf::new();
                let mut out = Vec::with_capacity(1 << 16);
                loop {
                    let item = rx.lock().expect("lock").recv();
                    let Ok((no, chunk)) = item else { break };
                    out.clear();
                    // Event positions are per batch here: batch number × 2^32 + event.
                    let t = scan_json(&mut s, engine, &mut buf, &chunk, path, no << 32, &mut out);
                    sink.lock().expect("lock").write_all(&out).expect("write");
                    let mut tt = totals.lock().expect("lock");
                    tt.events += t.events;
                    tt.detections += t.detections;
                    tt.errors += t.errors;
                }
            });
        }
    });
    totals.into_inner().expect("lock")
}

fn memchr_last(b: &[u8]) -> Option<usize> {
    b.iter().rposition(|&c| c == b'\n')
}

/// EVTX files end to end, one file per worker at a time.
fn run_evtx(
    engine: &Engine,
    files: &[PathBuf],
    threads: usize,
    sink: &Mutex<Box<dyn Write + Send>>,
) -> Totals {
    let next = std::sync::atomic::AtomicUsize::new(0);
    let totals = Mutex::new(Totals {
        events: 0,
        detections: 0,
        errors: 0,
    });
    std::thread::scope(|sc| {
        for _ in 0..threads {
            sc.spawn(|| {
                let mut s = engine.scanner();
                let mut buf = EventBuf::new();
                let mut out = Vec::with_capacity(1 << 16);
                let mut t = Totals {
                    events: 0,
                    detections: 0,
                    errors: 0,
                };
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some(p) = files.get(i) else { break };
                    // Streamed, as `canhgac hunt` reads it: a chunk at a time.
                    let file = std::fs::File::open(p).expect("evtx file");
                    let name = p.display().to_string();
                    let mut r = EvtxEvents::new(std::io::BufReader::new(file), &name);
                    out.clear();
                    let mut pos = 0u64;
                    while let Some(res) = r.next_into(&mut buf) {
                        if res.is_err() {
                            t.errors += 1;
                            continue;
                        }
                        t.events += 1;
                        pos += 1;
                        for &rule in s.scan_buf(&buf) {
                            t.detections += 1;
                            write_detection(&mut out, engine, &name, pos, rule);
                        }
                    }
                    sink.lock().expect("lock").write_all(&out).expect("write");
                }
                let mut tt = totals.lock().expect("lock");
                tt.events += t.events;
                tt.detections += t.detections;
                tt.errors += t.errors;
            });
        }
    });
    totals.into_inner().expect("lock")
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 2 {
        eprintln!("usage: hunt-bench EVENTS RULES_DIR...");
        std::process::exit(2);
    }
    let env_num = |k: &str, d: usize| {
        std::env::var(k)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(d)
    };
    let threads = env_num("DETECT_THREADS", 1).max(1);
    let stats = std::env::var_os("DETECT_STATS").is_some();

    let t0 = Instant::now();
    let c0 = cpu_s();
    let mut files = Vec::new();
    for d in &args[1..] {
        files_with(Path::new(d), &["yml", "yaml"], &mut files);
    }
    // In path order (components compared), without comparing components.
    let mut keyed: Vec<(Vec<u8>, PathBuf)> = files
        .into_iter()
        .map(|f| {
            let k = f.to_string_lossy().replace('/', "\0").into_bytes();
            (k, f)
        })
        .collect();
    keyed.sort_unstable();
    let files: Vec<PathBuf> = keyed.into_iter().map(|(_, f)| f).collect();
    let items: Vec<(String, String)> = files
        .iter()
        .filter_map(|f| Some((f.display().to_string(), std::fs::read_to_string(f).ok()?)))
        .collect();
    let mut b = EngineBuilder::new(Config::default());
    let mut cache_note = String::new();
    match std::env::var_os("DETECT_CACHE") {
        Some(path) => {
            let cached = std::fs::read(&path).ok();
            match b.add_yaml_all_cached(&items, cached.as_deref()).1 {
                detect::CacheUse::Hit => cache_note = " cache=hit".into(),
                detect::CacheUse::Miss { why, bytes } => {
                    cache_note = format!(" cache=miss:{}", why.as_str());
                    std::fs::write(&path, bytes).expect("cache file");
                }
            }
        }
        None => {
            b.add_yaml_all(&items);
        }
    }
    let (engine, report) = b.build();
    let load_s = t0.elapsed().as_secs_f64();
    let load_cpu = cpu_s() - c0;
    if stats {
        let mut sizes = engine.bucket_sizes();
        sizes.sort_by_key(|s| std::cmp::Reverse(s.0));
        eprintln!(
            "buckets (variants, unfiltered): {:?}",
            &sizes[..sizes.len().min(15)]
        );
        for (b, field, n) in engine.prefilter_stats(1000) {
            eprintln!(
                "bucket {b} {field}: whole={} prefix_nodes={} suffix_nodes={} contains={}",
                n[0], n[1], n[2], n[3]
            );
        }
    }

    let out_path = std::env::var("DETECT_OUT").unwrap_or_else(|_| "/dev/null".into());
    let sink: Box<dyn Write + Send> = Box::new(std::io::BufWriter::with_capacity(
        1 << 16,
        std::fs::File::create(&out_path).expect("output file"),
    ));
    let sink = Mutex::new(sink);
    let events_path = Path::new(&args[0]);
    let mut evtx = Vec::new();
    if events_path.is_dir() {
        files_with(events_path, &["evtx"], &mut evtx);
    } else if events_path.extension().is_some_and(|e| e == "evtx") {
        evtx.push(events_path.to_path_buf());
    }
    evtx.sort();
    let t1 = Instant::now();
    let c1 = cpu_s();
    let totals = if evtx.is_empty() {
        run_json(&engine, &args[0], threads, &sink)
    } else {
        let repeat = env_num("DETECT_EVTX_REPEAT", 1).max(1);
        let all: Vec<PathBuf> = (0..repeat).flat_map(|_| evtx.iter().cloned()).collect();
        run_evtx(&engine, &all, threads, &sink)
    };
    sink.lock().expect("lock").flush().expect("flush");
    let e2e_s = t1.elapsed().as_secs_f64();
    let e2e_cpu = cpu_s() - c1;

    let mut extra = String::new();
    if std::env::var_os("DETECT_EVAL_ONLY").is_some() && evtx.is_empty() {
        let bytes = std::fs::read(&args[0]).expect("events file");
        let events: Vec<detect::Event> = JsonEvents::new(&bytes[..], &args[0])
            .filter_map(Result::ok)
            .collect();
        drop(bytes);
        let mut s = engine.scanner();
        let t2 = Instant::now();
        let mut n = 0usize;
        for ev in &events {
            n += s.scan(ev).len();
        }
        extra = format!(
            " eval_s={:.3} eval_detections={n}",
            t2.elapsed().as_secs_f64()
        );
        if stats {
            let k = events.len().max(1) as f64;
            eprintln!(
                "per event: {:.1} rule variants evaluated, {:.1} literal hits",
                s.evaluated as f64 / k,
                s.hits as f64 / k
            );
        }
    }
    println!(
        "canhgac rules={} refused={} events={} errors={} detections={} threads={threads} load_s={load_s:.3} load_cpu_s={load_cpu:.2} e2e_s={e2e_s:.3} e2e_cpu_s={e2e_cpu:.2}{extra}{cache_note}",
        report.rules_loaded,
        report.refused.len(),
        totals.events,
        totals.errors,
        totals.detections,
    );
}
