//! Retro-hunt over many kept events: fills an event store with EVENTS events
//! over DAYS days, directly through the crate, then times a one-indicator
//! retro-hunt for an address, a domain and a hash, as `app::events` runs it
//! (`EventStore::hunt` by term over every day, then each candidate's body
//! decoded, read as an event and checked by detect's indicator scanner).
//!
//! The events are copies of a template file's (detect's `gen-events`), each
//! viewed once (`TermView`); every copy gets its own address
//! (`10.a.b.c`, written into its body and terms), so the address
//! dictionary grows as it would with real traffic, and its own time. Three
//! planted events hold the indicators hunted (one each, on different days);
//! a fourth hunt looks for a domain that about 1 % of them hold.
//!
//! `cargo run --release -p eventstore --example retro-hunt -- TEMPLATE.jsonl DIR [EVENTS] [DAYS]`
//! (`DIR` already filled: only the hunts run; `FILL_ONLY=1`: only the filling).

use detect::indicators::{FieldMap, Indicator, IndicatorSet, Observable, ObservableKind, Tlp};
use detect::Event;
use eventstore::view::TermView;
use eventstore::{EventStore, KeptEvent, Kind};
use std::io::BufRead;
use std::sync::Arc;
use std::time::Instant;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const ADDR: &str = "203.0.113.77";
const DOMAIN: &str = "c2.evil-updates.example";
const HASH: &str = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

fn cpu_s() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<u64> = after
        .split_whitespace()
        .map(|x| x.parse().unwrap_or(0))
        .collect();
    (f.get(11).copied().unwrap_or(0) + f.get(12).copied().unwrap_or(0)) as f64 / 100.0
}

fn body(json: &serde_json::Value) -> Vec<u8> {
    let mut out = b"{\"s\":1,\"e\":".to_vec();
    let _ = serde_json::to_writer(&mut out, json);
    out.push(b'}');
    out
}

/// A template event: its body and terms with one address to replace.
struct Template {
    body: Vec<u8>,
    terms: Vec<(Kind, String)>,
    /// The address in the body and terms that each copy replaces.
    addr: Option<String>,
}

fn template(view: &TermView, json: &serde_json::Value) -> Template {
    let ev = Event::from_json(json);
    let host = ["Computer", "Hostname", "host.name"]
        .iter()
        .find_map(|f| ev.get_text(f).map(|h| h.to_string()));
    let terms = view.terms(&ev, host.as_deref(), &[]);
    let addr = terms
        .iter()
        .find(|(k, _)| *k == Kind::Addr)
        .map(|(_, a)| a.clone());
    Template {
        body: body(json),
        terms,
        addr,
    }
}

fn replace(hay: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(hay.len() + 8);
    let mut i = 0;
    while i < hay.len() {
        if hay[i..].starts_with(from) {
            out.extend_from_slice(to);
            i += from.len();
        } else {
            out.push(hay[i]);
            i += 1;
        }
    }
    out
}

fn fill(templates_path: &str, dir: &std::path::Path, n: usize, days: i64) {
    let view = TermView::new(&FieldMap::default());
    let jsons: Vec<serde_json::Value> =
        std::io::BufReader::new(std::fs::File::open(templates_path).expect("open the template"))
            .lines()
            .map_while(Result::ok)
            .filter_map(|l| serde_json::from_str(&l).ok())
            .collect();
    assert!(!jsons.is_empty(), "no events in {templates_path}");
    let templates: Vec<Template> = jsons.iter().map(|j| template(&view, j)).collect();
    // The planted events: one holding each indicator.
    let planted: Vec<(usize, Template)> = {
        let mut a = jsons[0].clone();
        a["DestinationIp"] = serde_json::json!(ADDR);
        let mut d = jsons[1 % jsons.len()].clone();
        d["QueryName"] = serde_json::json!(DOMAIN);
        let mut h = jsons[2 % jsons.len()].clone();
        h["Hashes"] = serde_json::json!(format!("SHA256={}", HASH.to_uppercase()));
        vec![
            (n / 7, template(&view, &a)),
            (n / 2, template(&view, &d)),
            (n - n / 5, template(&view, &h)),
        ]
    };
    let store = EventStore::open(dir).expect("open the store");
    let start_ms = 1_767_225_600_000i64; // 2026-01-01
    let span = days * 86_400_000;
    let cpu0 = cpu_s();
    let t = Instant::now();
    let mut batch = Vec::with_capacity(5_000);
    let mut since_commit = 0;
    for i in 0..n {
        let tpl = match planted.iter().find(|(at, _)| *at == i) {
            Some((_, p)) => p,
            None => &templates[i % templates.len()],
        };
        let (terms, body) = match (&tpl.addr, planted.iter().any(|(at, _)| *at == i)) {
            (Some(old), false) => {
                let new = format!("10.{}.{}.{}", (i >> 16) & 255, (i >> 8) & 255, i & 255);
                let terms = tpl
                    .terms
                    .iter()
                    .map(|(k, v)| {
                        if *k == Kind::Addr && v == old {
                            (*k, new.clone())
                        } else if *k == Kind::Field && v.ends_with(old.as_str()) {
                            (*k, format!("{}{new}", &v[..v.len() - old.len()]))
                        } else {
                            (*k, v.clone())
                        }
                    })
                    .collect();
                (terms, replace(&tpl.body, old.as_bytes(), new.as_bytes()))
            }
            _ => (tpl.terms.clone(), tpl.body.clone()),
        };
        batch.push(KeptEvent {
            time_ms: start_ms + (i as i64) * span / n as i64,
            org_id: 1 + (i % 7) as i64,
            terms,
            hashes: Vec::new(),
            body,
        });
        if batch.len() == 5_000 {
            since_commit += batch.len();
            store
                .add_owned(std::mem::replace(&mut batch, Vec::with_capacity(5_000)))
                .expect("add");
            if since_commit >= 50_000 {
                store.commit().expect("commit");
                since_commit = 0;
            }
        }
        if i > 0 && i % 1_000_000 == 0 {
            eprintln!(
                "  {i} events in {:.0} s wall, {:.0} s CPU",
                t.elapsed().as_secs_f64(),
                cpu_s() - cpu0
            );
        }
    }
    store.add_owned(batch).expect("add");
    store.commit().expect("commit");
    store.commit().expect("close the writers");
    let cpu = cpu_s() - cpu0;
    println!(
        "filled: {n} events over {days} day(s) in {:.0} s wall, {cpu:.0} s CPU ({:.0} events per CPU-second), {:.1} bytes/event on disk",
        t.elapsed().as_secs_f64(),
        n as f64 / cpu,
        store.disk_bytes() as f64 / n as f64
    );
}

/// One retro-hunt as `app::events::retro_hunt` runs it, less the storing
/// of alerts: candidates by term, each decoded and checked.
fn hunt(store: &EventStore, kind: ObservableKind, value: &str) {
    let observable = Observable::parse(Some(kind), value).expect("an indicator");
    let term = match kind {
        ObservableKind::Ipv4 | ObservableKind::Ipv6 => (Kind::Addr, observable.value().to_string()),
        ObservableKind::Domain => (Kind::Domain, observable.value().to_ascii_lowercase()),
        _ => (Kind::Hash, observable.value().to_ascii_lowercase()),
    };
    let set = IndicatorSet::build(
        vec![Indicator {
            observable,
            source: Arc::from("bench"),
            tlp: Tlp::Amber,
            valid_until: None,
            id: None,
        }],
        FieldMap::default(),
        0,
    );
    let mut sc = set.scanner();
    let t = Instant::now();
    let cpu0 = cpu_s();
    let mut matched = 0usize;
    let candidates = store
        .hunt(&[term], None, 200_000, |f| {
            let mut v: serde_json::Value =
                serde_json::from_slice(&f.body).unwrap_or(serde_json::Value::Null);
            let ev = Event::from_json(&v["e"].take());
            if !sc.scan(&ev).is_empty() {
                matched += 1;
            }
        })
        .expect("hunt");
    println!(
        "retro-hunt of one {} ({value}): {candidates} candidate(s), {matched} matched, in {:.1} ms wall ({:.2} s CPU)",
        kind.as_str(),
        t.elapsed().as_secs_f64() * 1000.0,
        cpu_s() - cpu0
    );
}

fn main() {
    let mut args = std::env::args().skip(1);
    let (Some(templates), Some(dir)) = (args.next(), args.next()) else {
        eprintln!("usage: retro-hunt TEMPLATE.jsonl DIR [EVENTS] [DAYS]");
        std::process::exit(2);
    };
    let n: usize = args
        .next()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000_000);
    let days: i64 = args.next().and_then(|v| v.parse().ok()).unwrap_or(10);
    let dir = std::path::PathBuf::from(dir);
    let filled = std::fs::read_dir(&dir).is_ok_and(|mut d| d.next().is_some());
    if !filled {
        fill(&templates, &dir, n, days);
    }
    if std::env::var_os("FILL_ONLY").is_some() {
        return;
    }
    let t = Instant::now();
    let store = EventStore::open(&dir).expect("open the store");
    println!(
        "opened {} day(s) in {:.1} ms; {:.1} GB on disk",
        store.days().len(),
        t.elapsed().as_secs_f64() * 1000.0,
        store.disk_bytes() as f64 / 1e9
    );
    for round in 0..2 {
        println!(
            "round {round} ({}):",
            if round == 0 {
                "first, files not yet in the page cache unless just written"
            } else {
                "again"
            }
        );
        hunt(&store, ObservableKind::Ipv4, ADDR);
        hunt(&store, ObservableKind::Domain, DOMAIN);
        hunt(&store, ObservableKind::Sha256, HASH);
        // A domain about 1 % of the events ask for.
        hunt(&store, ObservableKind::Domain, "www.google.com");
    }
}
