//! The rule cache: an engine built from cached bytes is the engine built from
//! the YAML (same rules, same refusals, same detections on the regression
//! samples), and bytes that are stale or damaged are never used.
//!
//! `cargo test -p detect --release --test cache`

use detect::read::JsonEvents;
use detect::{CacheUse, Config, Engine, EngineBuilder, Event, Stale};
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

fn files(dir: &Path, ext: &str, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = rd.flatten().map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            files(&p, ext, out);
        } else if p.extension().is_some_and(|e| e == ext) {
            out.push(p);
        }
    }
}

fn rule_texts() -> Vec<(String, String)> {
    let rules = root().join("../../rules/sigma");
    let mut paths = Vec::new();
    files(&rules, "yml", &mut paths);
    assert!(paths.len() > 3000, "the rule set is in rules/sigma");
    paths
        .iter()
        .map(|p| {
            let name = p.strip_prefix(&rules).unwrap_or(p).display().to_string();
            (name, std::fs::read_to_string(p).expect("rule file is text"))
        })
        .collect()
}

fn build(
    items: &[(String, String)],
    cached: Option<&[u8]>,
) -> (Engine, detect::CheckReport, CacheUse) {
    let mut b = EngineBuilder::new(Config::default());
    let (_, used) = b.add_yaml_all_cached(items, cached);
    let (e, r) = b.build();
    (e, r, used)
}

fn summary(e: &Engine, r: &detect::CheckReport) -> Vec<String> {
    let mut out: Vec<String> = e.rules().iter().map(|i| format!("{i:?}")).collect();
    out.push(format!("files {} loaded {}", r.files, r.rules_loaded));
    out.extend(
        r.refused
            .iter()
            .map(|x| format!("{} {:?} {:?} {}", x.source, x.id, x.title, x.reason)),
    );
    out.extend(r.unmapped.iter().map(|u| format!("{u:?}")));
    out.push(format!("{:?}", e.correlations().rules().len()));
    out
}

fn sample_events() -> Vec<Event> {
    let mut paths = Vec::new();
    files(
        &root().join("tests/data/sigma-regression"),
        "json",
        &mut paths,
    );
    let mut out = Vec::new();
    for p in paths {
        let f = std::fs::File::open(&p).unwrap();
        let name = p.display().to_string();
        out.extend(JsonEvents::new(std::io::BufReader::new(f), &name).map(|r| r.unwrap()));
    }
    assert!(out.len() > 100);
    out
}

fn detections(e: &Engine, events: &[Event]) -> Vec<(usize, String)> {
    let mut s = e.scanner();
    let mut out = Vec::new();
    for (i, ev) in events.iter().enumerate() {
        for &r in s.scan(ev) {
            out.push((i, e.rules()[r].id.clone()));
        }
    }
    // The order of the rules firing on one event is not part of the contract.
    out.sort();
    out
}

#[test]
fn cached_engine_is_the_yaml_engine() {
    let items = rule_texts();
    let (e1, r1, used) = build(&items, None);
    let bytes = match used {
        CacheUse::Miss {
            why: Stale::Absent,
            bytes,
        } => bytes,
        other => panic!("expected a miss: {other:?}"),
    };
    println!("cache: {} bytes for {} files", bytes.len(), items.len());
    let (e2, r2, used) = build(&items, Some(&bytes));
    assert!(matches!(used, CacheUse::Hit), "{used:?}");
    assert!(!r2.refused.is_empty(), "refused rules are still listed");
    assert_eq!(summary(&e1, &r1), summary(&e2, &r2));
    let events = sample_events();
    let d1 = detections(&e1, &events);
    assert!(d1.len() >= 101);
    assert_eq!(d1, detections(&e2, &events));

    // A changed rule, a renamed file, a changed configuration: not used.
    let mut changed = items.clone();
    changed[10].1.push_str("\n# edited\n");
    let (_, _, used) = build(&changed, Some(&bytes));
    assert!(matches!(
        used,
        CacheUse::Miss {
            why: Stale::Changed,
            ..
        }
    ));
    let mut renamed = items.clone();
    renamed[10].0.push('x');
    let (_, _, used) = build(&renamed, Some(&bytes));
    assert!(matches!(
        used,
        CacheUse::Miss {
            why: Stale::Changed,
            ..
        }
    ));
    let mut config = Config::default();
    config
        .placeholders
        .insert("Admins_Workstations".into(), vec!["ws1".into()]);
    let mut b = EngineBuilder::new(config);
    let (_, used) = b.add_yaml_all_cached(&items, Some(&bytes));
    assert!(matches!(
        used,
        CacheUse::Miss {
            why: Stale::Changed,
            ..
        }
    ));

    // Damaged: a flipped byte in the payload, a truncation, another format.
    let mut flipped = bytes.clone();
    let mid = flipped.len() / 2;
    flipped[mid] ^= 0x20;
    let (e3, r3, used) = build(&items, Some(&flipped));
    assert!(matches!(
        used,
        CacheUse::Miss {
            why: Stale::Damaged,
            ..
        }
    ));
    assert_eq!(summary(&e1, &r1), summary(&e3, &r3));
    let (_, _, used) = build(&items, Some(&bytes[..bytes.len() - 1]));
    assert!(matches!(
        used,
        CacheUse::Miss {
            why: Stale::Damaged,
            ..
        }
    ));
    let mut other = bytes.clone();
    other[8] = other[8].wrapping_add(1);
    let (_, _, used) = build(&items, Some(&other));
    assert!(matches!(
        used,
        CacheUse::Miss {
            why: Stale::Format,
            ..
        }
    ));
    let (_, _, used) = build(&items, Some(b"not a cache"));
    assert!(matches!(
        used,
        CacheUse::Miss {
            why: Stale::Format,
            ..
        }
    ));
}
