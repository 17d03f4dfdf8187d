//! SigmaHQ's regression samples: every sample, with the whole rule set of
//! `rules/sigma/` loaded, must make its rule fire at least `match_count` times
//! (once without a count), through the EVTX file and through the JSON form.
//! Other rules firing on the samples are counted and listed (false positives).
//!
//! Slow in a debug build: `cargo test -p detect --release --test regression -- --nocapture`.

use detect::read::{EvtxEvents, JsonEvents};
use detect::{Config, Engine, EngineBuilder, Event};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Samples that cannot pass, each with the reason. Empty when all pass.
const KNOWN_FAILURES: &[(&str, &str)] = &[];

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

fn yaml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = rd.flatten().map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            yaml_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "yml" || e == "yaml") {
            out.push(p);
        }
    }
}

pub fn load_engine() -> (Engine, detect::CheckReport) {
    let rules = root().join("../../rules/sigma");
    let mut files = Vec::new();
    yaml_files(&rules, &mut files);
    assert!(files.len() > 3000, "the rule set is in rules/sigma");
    let mut b = EngineBuilder::new(Config::default());
    for f in &files {
        let text = std::fs::read_to_string(f).expect("rule file is text");
        b.add_yaml(
            &f.strip_prefix(&rules).unwrap_or(f).display().to_string(),
            &text,
        );
    }
    b.build()
}

struct Sample {
    dir: PathBuf,
    id: String,
    title: String,
    count: usize,
}

fn samples() -> Vec<Sample> {
    let base = root().join("tests/data/sigma-regression");
    let mut infos = Vec::new();
    fn walk(d: &Path, out: &mut Vec<PathBuf>) {
        let Ok(rd) = std::fs::read_dir(d) else { return };
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.file_name().is_some_and(|n| n == "info.yml") {
                out.push(p);
            }
        }
    }
    walk(&base, &mut infos);
    infos.sort();
    infos
        .into_iter()
        .map(|p| {
            let text = std::fs::read_to_string(&p).unwrap();
            let y = &yaml_rust2::YamlLoader::load_from_str(&text).unwrap()[0];
            let meta = &y["rule_metadata"][0];
            let count = y["regression_tests_info"][0]["match_count"]
                .as_i64()
                .unwrap_or(1) as usize;
            Sample {
                dir: p.parent().unwrap().to_path_buf(),
                id: meta["id"].as_str().unwrap().to_string(),
                title: meta["title"].as_str().unwrap_or("").to_string(),
                count: count.max(1),
            }
        })
        .collect()
}

fn run(engine: &Engine, events: Vec<Event>) -> BTreeMap<String, usize> {
    let mut s = engine.scanner();
    let mut fired = BTreeMap::new();
    for ev in &events {
        for &r in s.scan(ev) {
            *fired.entry(engine.rules()[r].id.clone()).or_insert(0) += 1;
        }
    }
    fired
}

#[test]
fn sigma_regression_samples() {
    let (engine, report) = load_engine();
    println!(
        "rules: {} loaded, {} refused {:?}, {} with an unmapped logsource",
        report.rules_loaded,
        report.refused.len(),
        report.counts_by_reason(),
        report.unmapped.len()
    );
    let samples = samples();
    assert_eq!(samples.len(), 101);
    let titles: BTreeMap<&str, &str> = engine
        .rules()
        .iter()
        .map(|r| (r.id.as_str(), r.title.as_str()))
        .collect();
    let mut failures: Vec<String> = Vec::new();
    let mut passed = [0usize; 2];
    let mut fps: BTreeMap<String, usize> = BTreeMap::new();
    for s in &samples {
        let known = KNOWN_FAILURES.iter().find(|(id, _)| *id == s.id);
        for (k, form) in ["evtx", "json"].iter().enumerate() {
            let path = s.dir.join(format!("{}.{form}", s.id));
            let name = path.display().to_string();
            let events: Vec<Event> = if *form == "evtx" {
                let f = std::fs::File::open(&path).unwrap();
                EvtxEvents::new(std::io::BufReader::new(f), &name)
                    .map(|r| r.unwrap())
                    .collect()
            } else {
                let f = std::fs::File::open(&path).unwrap();
                JsonEvents::new(std::io::BufReader::new(f), &name)
                    .map(|r| r.unwrap())
                    .collect()
            };
            assert!(!events.is_empty(), "{name}: no events");
            let fired = run(&engine, events);
            let n = fired.get(&s.id).copied().unwrap_or(0);
            if n >= s.count {
                passed[k] += 1;
            } else if known.is_none() {
                failures.push(format!(
                    "{form} {} '{}' fired {n} < {} ({})",
                    s.id,
                    s.title,
                    s.count,
                    s.dir.display()
                ));
            }
            if k == 0 {
                for (id, c) in fired {
                    if id != s.id {
                        *fps.entry(id).or_insert(0) += c.min(1);
                    }
                }
            }
        }
    }
    println!(
        "passed: {} / {} via EVTX, {} / {} via JSON",
        passed[0],
        samples.len(),
        passed[1],
        samples.len()
    );
    let total_fp: usize = fps.values().sum();
    println!("other rules firing on the samples (EVTX; samples per rule): {total_fp} in all");
    let mut by: Vec<_> = fps.iter().collect();
    by.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    for (id, c) in by {
        println!("  {c:3}  {id}  {}", titles.get(id.as_str()).unwrap_or(&""));
    }
    for (id, why) in KNOWN_FAILURES {
        println!("known failure {id}: {why}");
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
