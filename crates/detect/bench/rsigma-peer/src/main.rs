//! rsigma on a JSON-lines file with SigmaHQ rules: the peer that
//! scripts/bench-detect.sh times beside `detect`'s hunt-bench example.
//! Usage: rsigma-peer EVENTS.jsonl RULES_DIR...
//! Prints one line: `rsigma rules=N refused=N events=N detections=N load_s=S eval_s=S parse_eval_s=S`.

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
    let text = std::fs::read_to_string(&args[0]).expect("events file");
    let t1 = Instant::now();
    let values: Vec<serde_json::Value> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    let parse_s = t1.elapsed().as_secs_f64();
    let t2 = Instant::now();
    let mut detections = 0usize;
    for v in &values {
        let ev = rsigma_eval::JsonEvent::borrow(v);
        detections += engine.evaluate(&ev).len();
    }
    let eval_s = t2.elapsed().as_secs_f64();
    println!(
        "rsigma rules={loaded} refused={refused} events={} detections={detections} load_s={load_s:.3} eval_s={eval_s:.3} parse_eval_s={:.3}",
        values.len(),
        parse_s + eval_s
    );
}
