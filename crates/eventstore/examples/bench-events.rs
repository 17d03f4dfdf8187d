//! Keeps the events of a JSON-lines file (e.g. detect's `gen-events`) as the
//! server keeps them (`eventstore::view::terms`, body `{"s": sensor, "e": event}`),
//! one index per day, then prints the bytes on disk per event (index and
//! stored events) and the time of a retro-hunt for one address that one
//! event holds (`hunt` by term, then reading the found event back).
//!
//! `cargo run --release -p eventstore --example bench-events -- EVENTS.jsonl DIR [DAYS]`

use detect::indicators::FieldMap;
use detect::Event;
use eventstore::{EventStore, KeptEvent, Kind};
use std::io::BufRead;
use std::time::Instant;

const NEEDLE: &str = "203.0.113.77";

fn main() {
    let mut args = std::env::args().skip(1);
    let (Some(input), Some(dir)) = (args.next(), args.next()) else {
        eprintln!("usage: bench-events EVENTS.jsonl DIR [DAYS]");
        std::process::exit(2);
    };
    let days: i64 = args.next().and_then(|d| d.parse().ok()).unwrap_or(1);
    let file = std::fs::File::open(&input).expect("open the events file");
    let lines: Vec<String> = std::io::BufReader::new(file)
        .lines()
        .map_while(Result::ok)
        .filter(|l| !l.trim().is_empty())
        .collect();
    let n = lines.len();
    let store = EventStore::open(std::path::Path::new(&dir)).expect("open the store");
    let fields = FieldMap::default();
    let start_ms = 1_767_225_600_000i64; // 2026-01-01
    let span = days * 86_400_000;
    let t = Instant::now();
    let mut batch = Vec::with_capacity(10_000);
    let mut since_commit = 0;
    for (i, line) in lines.iter().enumerate() {
        let Ok(mut json) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        if i == n / 2 {
            json["DestinationIp"] = serde_json::json!(NEEDLE);
        }
        let ev = Event::from_json(&json);
        let host = ["Computer", "Hostname", "host.name"]
            .iter()
            .find_map(|f| ev.get_text(f).map(|h| h.to_string()));
        let terms = eventstore::view::terms(&ev, &fields, host.as_deref(), &[]);
        batch.push(KeptEvent {
            time_ms: start_ms + (i as i64) * span / n as i64,
            org_id: 1 + (i % 7) as i64,
            terms,
            body: serde_json::to_vec(&serde_json::json!({"s": 1, "e": json})).unwrap(),
        });
        if batch.len() == 10_000 {
            store.add(&batch).expect("add");
            since_commit += batch.len();
            batch.clear();
            if since_commit >= 200_000 {
                store.commit().expect("commit");
                since_commit = 0;
            }
        }
    }
    store.add(&batch).expect("add");
    store.commit().expect("commit");
    let keep_s = t.elapsed().as_secs_f64();
    drop(store);
    // Reopened, as a server would after a restart (merges finished).
    let store = EventStore::open(std::path::Path::new(&dir)).expect("reopen");
    let bytes = store.disk_bytes();
    println!(
        "events kept: {n} over {days} day(s) in {keep_s:.1} s ({:.0} events/s)",
        n as f64 / keep_s
    );
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
