//! rsigma on a JSON-lines file with SigmaHQ rules: the peer that
//! scripts/bench-detect.sh times beside `detect`'s hunt-bench example.
//! Usage: rsigma-peer EVENTS.jsonl RULES_DIR...
//! Prints one line: `rsigma rules=N refused=N events=N detections=N load_s=S
//! eval_s=S parse_eval_s=S parse_eval_cpu_s=S` (events streamed line by line;
//! `eval_s` is the part spent in rsigma's evaluation).

use std::path::{Path, PathBuf};
use std::time::Instant;

fn yaml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            yaml_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "yml" || e == "yaml") {
            out.push(p);
        }
    }
}

/// CPU seconds used by this process (from /proc; 0 elsewhere).
fn cpu_s() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return 0.0;
    };
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    (ticks(11) + ticks(12)) / 100.0
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 2 {
        eprintln!("usage: rsigma-peer EVENTS.jsonl RULES_DIR...");
        std::process::exit(2);
    }
    let t0 = Instant::now();
    let mut files = Vec::new();
    for d in &args[1..] {
        yaml_files(Path::new(d), &mut files);
    }
    let mut engine = rsigma_eval::Engine::new();
    let (mut loaded, mut refused) = (0usize, 0usize);
    for f in &files {
        let Ok(text) = std::fs::read_to_string(f) else {
            refused += 1;
            continue;
        };
        match rsigma_parser::parse_sigma_yaml(&text) {
            Ok(c) => {
                for r in &c.rules {
                    match engine.add_rule(r) {
                        Ok(_) => loaded += 1,
                        Err(_) => refused += 1,
                    }
                }
                refused += c.errors.len();
            }
            Err(_) => refused += 1,
        }
    }
    let load_s = t0.elapsed().as_secs_f64();
    // Streamed like canhgac's end-to-end run: read a line, parse, evaluate.
    let f = std::fs::File::open(&args[0]).expect("events file");
    let t1 = Instant::now();
    let c1 = cpu_s();
    let mut eval = std::time::Duration::ZERO;
    let (mut events, mut detections) = (0usize, 0usize);
    for line in std::io::BufRead::lines(std::io::BufReader::with_capacity(1 << 20, f)) {
        let line = line.expect("read");
        if line.trim().is_empty() {
            continue;
        }
        let Ok(v) = serde_json::from_str::<serde_json::Value>(&line) else {
            continue;
        };
        events += 1;
        let t = Instant::now();
        let ev = rsigma_eval::JsonEvent::borrow(&v);
        detections += engine.evaluate(&ev).len();
        eval += t.elapsed();
    }
    let parse_eval_s = t1.elapsed().as_secs_f64();
    let cpu = cpu_s() - c1;
    let eval_s = eval.as_secs_f64();
    println!(
        "rsigma rules={loaded} refused={refused} events={events} detections={detections} load_s={load_s:.3} eval_s={eval_s:.3} parse_eval_s={parse_eval_s:.3} parse_eval_cpu_s={cpu:.2}"
    );
}
