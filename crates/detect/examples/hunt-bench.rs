//! Times `detect` on a JSON-lines file with a rule set, on one thread.
//! Usage: hunt-bench EVENTS.jsonl RULES_DIR...
//! Prints `canhgac rules=N refused=N events=N detections=N load_s=S eval_s=S parse_eval_s=S`.

use detect::read::JsonEvents;
use detect::{Config, EngineBuilder, Event};
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
        eprintln!("usage: hunt-bench EVENTS.jsonl RULES_DIR...");
        std::process::exit(2);
    }
    let t0 = Instant::now();
    let mut files = Vec::new();
    for d in &args[1..] {
        yaml_files(Path::new(d), &mut files);
    }
    let mut b = EngineBuilder::new(Config::default());
    for f in &files {
        if let Ok(text) = std::fs::read_to_string(f) {
            b.add_yaml(&f.display().to_string(), &text);
        }
    }
    let (engine, report) = b.build();
    let load_s = t0.elapsed().as_secs_f64();
    if std::env::var_os("DETECT_STATS").is_some() {
        let mut sizes = engine.bucket_sizes();
        sizes.sort_by_key(|s| std::cmp::Reverse(s.0));
        eprintln!(
            "buckets (variants, unfiltered): {:?}",
            &sizes[..sizes.len().min(15)]
        );
        for r in engine.unfiltered_rules().iter().take(400) {
            let i = &engine.rules()[*r];
            eprintln!("unfiltered: {} {} {}", i.logsource, i.id, i.title);
        }
    }
    let bytes = std::fs::read(&args[0]).expect("events file");
    let t1 = Instant::now();
    let events: Vec<Event> = JsonEvents::new(&bytes[..], &args[0])
        .filter_map(Result::ok)
        .collect();
    let parse_s = t1.elapsed().as_secs_f64();
    let t2 = Instant::now();
    let mut s = engine.scanner();
    let mut detections = 0usize;
    let repeat: usize = std::env::var("DETECT_REPEAT")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1);
    for _ in 0..repeat {
        detections = 0;
        for ev in &events {
            detections += s.scan(ev).len();
        }
    }
    let eval_s = t2.elapsed().as_secs_f64() / repeat as f64;
    if std::env::var_os("DETECT_STATS").is_some() {
        let n = events.len().max(1) as f64;
        eprintln!(
            "per event: {:.1} rule variants evaluated, {:.1} literal hits",
            s.evaluated as f64 / n,
            s.hits as f64 / n
        );
    }
    println!(
        "canhgac rules={} refused={} events={} detections={detections} load_s={load_s:.3} eval_s={eval_s:.3} parse_eval_s={:.3}",
        report.rules_loaded,
        report.refused.len(),
        events.len(),
        parse_s + eval_s
    );
}
