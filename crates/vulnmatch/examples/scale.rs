//! The scale benchmark: index a large feed and match a large inventory.
//!
//! ```text
//! cargo run --release -p vulnmatch --example scale -- DIR [--threads 2] [--no-full]
//! ```
//!
//! DIR holds what `examples/gen-feed.rs` writes: `nvd-*.json[.gz]`,
//! `cve5-*.json[.gz]` and `inventory.jsonl`. Reports, on stdout, one
//! `key=value` line per figure (the script `scripts/bench-vulns.sh` reads
//! them):
//! - reading every feed file with `feeds::read_feed_from` (on `--threads`
//!   threads), merging into one `Vuln` per CVE, and building the
//!   `VulnIndex`: wall time, and the peak resident memory (`VmHWM`) by then;
//! - matching the inventory with `VulnIndex::match_items_on`, on one thread
//!   and on `--threads` threads, `--repeat` times each (default 3): the
//!   best and the median wall time, and the findings;
//! - the same with the "cannot be evaluated" list
//!   (`VulnIndex::match_items_full_on`);
//! - both handed out a piece at a time and only counted
//!   (`VulnIndex::match_items_each`, what `canhgac vuln match` runs).
//!
//! With `--profile`, only the last (once, with the "cannot be evaluated"
//! list, on `--threads` threads) after reading and indexing: for
//! `valgrind --tool=callgrind --collect-atstart=no
//! --toggle-collect='*match_items_each*'`, whose instruction counts do not
//! depend on the machine's load.

use std::path::{Path, PathBuf};

/// The allocator of the `canhgac` binary (crates/cli), so that the figures
/// are the product's.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::sync::mpsc;
use std::time::Instant;
use vulnmatch::feeds;
use vulnmatch::matching::{InventoryItem, VulnIndex};
use vulnmatch::{Vuln, VulnDb};

fn vm_kib(key: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(key))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|n| n.parse().ok())
        })
        .unwrap_or(0)
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

fn feed_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            let n = p.file_name().and_then(|n| n.to_str()).unwrap_or_default();
            (n.starts_with("nvd-") || n.starts_with("cve5-"))
                && (n.ends_with(".json") || n.ends_with(".json.gz") || n.ends_with(".json.xz"))
        })
        .collect();
    // Largest first, so the threads finish together.
    files.sort_by_key(|p| std::cmp::Reverse(std::fs::metadata(p).map(|m| m.len()).unwrap_or(0)));
    files
}

/// The findings and "cannot be evaluated" statements of `items`, handed out
/// a piece at a time (`match_items_each`) and only counted.
fn count_each(index: &VulnIndex, items: &[InventoryItem], threads: usize) -> (usize, usize) {
    let states = index.match_items_each(
        items,
        threads,
        true,
        || (0usize, 0usize),
        |n, m| {
            n.0 += m.findings.len();
            n.1 += m.unevaluable.len();
        },
    );
    states.iter().fold((0, 0), |a, s| (a.0 + s.0, a.1 + s.1))
}

fn main() {
    let mut dir = None;
    let mut threads = 2usize;
    let mut full = true;
    // A shared machine's other work slows some runs: each matching is timed
    // this many times and the best and the median are printed.
    let mut repeat = 3usize;
    let mut profile = false;
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        match a.as_str() {
            "--threads" => threads = it.next().and_then(|n| n.parse().ok()).expect("--threads N"),
            "--no-full" => full = false,
            "--profile" => profile = true,
            "--repeat" => repeat = it.next().and_then(|n| n.parse().ok()).expect("--repeat N"),
            d => dir = Some(PathBuf::from(d)),
        }
    }
    let dir = dir.expect("usage: scale DIR [--threads N] [--repeat N] [--no-full] [--profile]");
    let threads = threads.max(1);
    let repeat = repeat.max(1);

    // ---------------------------------------------------------------- read + index
    let t0 = Instant::now();
    let files = feed_files(&dir);
    let bytes: u64 = files
        .iter()
        .map(|p| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0))
        .sum();
    let next = std::sync::atomic::AtomicUsize::new(0);
    // At most one parsed file waits per reader: memory stays bounded.
    let (tx, rx) = mpsc::sync_channel::<feeds::Imported>(threads);
    let mut db = VulnDb::new();
    let mut records = 0usize;
    let mut problems = 0usize;
    std::thread::scope(|s| {
        for _ in 0..threads {
            let tx = tx.clone();
            let (files, next) = (&files, &next);
            s.spawn(move || loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some(p) = files.get(i) else { break };
                let f = std::fs::File::open(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
                let name = p.display().to_string();
                let imported = feeds::read_feed_from(&name, std::io::BufReader::new(f))
                    .unwrap_or_else(|e| panic!("{e}"));
                if tx.send(imported).is_err() {
                    break;
                }
            });
        }
        drop(tx);
        for imported in rx {
            records += imported.vulns.len();
            problems += imported.problems.len();
            db.extend(imported.vulns);
        }
    });
    let t_read = t0.elapsed();
    let rss_read = vm_kib("VmRSS:");
    let hwm_read = vm_kib("VmHWM:");
    let vulns: Vec<Vuln> = db.into_vec();
    let t1 = Instant::now();
    let index = VulnIndex::new(&vulns);
    let t_index = t1.elapsed();
    let t_total = t0.elapsed();
    let hwm_index = vm_kib("VmHWM:");
    let rss_index = vm_kib("VmRSS:");
    let criteria: usize = vulns
        .iter()
        .flat_map(|v| &v.configurations)
        .flat_map(|c| &c.nodes)
        .map(|n| n.matches.len())
        .sum();
    let rules: usize = vulns.iter().map(|v| v.affected.len()).sum();
    println!("feed_files={}", files.len());
    println!("feed_bytes={bytes}");
    println!("feed_records={records}");
    println!("feed_problems={problems}");
    println!("cves={}", vulns.len());
    println!("nvd_criteria={criteria}");
    println!("cna_rules={rules}");
    println!("read_merge_s={:.2}", t_read.as_secs_f64());
    println!("index_s={:.2}", t_index.as_secs_f64());
    println!("read_index_s={:.2}", t_total.as_secs_f64());
    println!("rss_after_read_mib={:.0}", mib(rss_read));
    println!("peak_rss_after_read_mib={:.0}", mib(hwm_read));
    println!("peak_rss_after_index_mib={:.0}", mib(hwm_index));
    println!("rss_after_index_mib={:.0}", mib(rss_index));

    // ---------------------------------------------------------------- stored forms
    // What `canhgac vuln match` reads back: every record's JSON (before
    // migration 0015) or its compact form (`vulnmatch::compact`).
    if !profile {
        let json: Vec<String> = vulns
            .iter()
            .map(|v| serde_json::to_string(v).expect("a record as JSON"))
            .collect();
        let t = Instant::now();
        let parsed: Vec<Vuln> = json
            .iter()
            .map(|j| serde_json::from_str(j).expect("a stored record"))
            .collect();
        println!("json_decode_s={:.2}", t.elapsed().as_secs_f64());
        println!("json_bytes={}", json.iter().map(String::len).sum::<usize>());
        drop((json, parsed));
        let t = Instant::now();
        let forms: Vec<Vec<u8>> = vulns.iter().map(vulnmatch::compact::encode).collect();
        println!("compact_encode_s={:.2}", t.elapsed().as_secs_f64());
        println!(
            "compact_bytes={}",
            forms.iter().map(Vec::len).sum::<usize>()
        );
        let t = Instant::now();
        let mut d = vulnmatch::compact::Decoder::new();
        let decoded: Vec<Vuln> = forms
            .iter()
            .map(|f| d.decode(f).expect("a compact record"))
            .collect();
        println!("compact_decode_s={:.2}", t.elapsed().as_secs_f64());
        let t = Instant::now();
        drop(VulnIndex::new(&decoded));
        println!("index_of_decoded_s={:.2}", t.elapsed().as_secs_f64());
    }

    // ---------------------------------------------------------------- inventory
    let t = Instant::now();
    let text = std::fs::read_to_string(dir.join("inventory.jsonl")).expect("inventory.jsonl");
    let items: Vec<InventoryItem> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).expect("an InventoryItem per line"))
        .collect();
    drop(text);
    let software: usize = items
        .iter()
        .map(|i| i.software.len() + usize::from(i.os.is_some()))
        .sum();
    println!("assets={}", items.len());
    println!("inventory_items={software}");
    println!("inventory_load_s={:.2}", t.elapsed().as_secs_f64());

    if profile {
        let t = Instant::now();
        let counted = count_each(&index, &items, threads);
        println!("match_each_{threads}t_s={:.2}", t.elapsed().as_secs_f64());
        println!("match_each_findings={}", counted.0);
        println!("match_each_unevaluable={}", counted.1);
        println!("peak_rss_mib={:.0}", mib(vm_kib("VmHWM:")));
        return;
    }

    // ---------------------------------------------------------------- match
    let mut counts = None;
    for n in [1, threads] {
        let mut times = Vec::with_capacity(repeat);
        let mut found = Vec::new();
        for _ in 0..repeat {
            drop(found);
            let t = Instant::now();
            found = index.match_items_on(&items, n);
            times.push(t.elapsed().as_secs_f64());
        }
        times.sort_by(f64::total_cmp);
        let el = times[0];
        println!("match_{n}t_median_s={:.2}", times[times.len() / 2]);
        let affected = found.iter().filter(|f| f.is_affected()).count();
        let assets = {
            let mut a: Vec<i64> = found.iter().map(|f| f.asset_id).collect();
            a.dedup();
            a.len()
        };
        println!("match_{n}t_s={el:.2}");
        let c = (found.len(), affected, assets);
        if let Some(prev) = counts {
            assert_eq!(prev, c, "the same findings on 1 and {n} threads");
        }
        counts = Some(c);
        if n == threads && threads == 1 {
            break;
        }
    }
    {
        // Where the findings come from, and the products most found.
        let found = index.match_items_on(&items[..items.len().min(2000)], threads);
        let mut by: std::collections::BTreeMap<String, usize> = Default::default();
        for f in &found {
            let product = f
                .evidence
                .inventory_fact
                .split('|')
                .nth(1)
                .unwrap_or_default()
                .to_string();
            *by.entry(format!("{} {product}", f.evidence.source))
                .or_default() += 1;
        }
        let mut top: Vec<(usize, String)> = by.into_iter().map(|(k, n)| (n, k)).collect();
        top.sort_by(|a, b| b.cmp(a));
        let n = items.len().min(2000);
        println!(
            "top_findings_first_{n}_assets={}",
            top.iter()
                .take(10)
                .map(|(c, k)| format!("{k}: {c}"))
                .collect::<Vec<_>>()
                .join("; ")
        );
    }
    if let Some((all, affected, assets)) = counts {
        println!("findings={all}");
        println!("findings_affected={affected}");
        println!("assets_with_findings={assets}");
    }
    {
        // What `canhgac vuln match` runs: the findings and the "cannot be
        // evaluated" statements handed out a piece at a time
        // (`match_items_each`), here only counted, on `threads` threads.
        let mut times = Vec::with_capacity(repeat);
        let mut counted = (0, 0);
        for _ in 0..repeat {
            let t = Instant::now();
            counted = count_each(&index, &items, threads);
            times.push(t.elapsed().as_secs_f64());
        }
        times.sort_by(f64::total_cmp);
        println!("match_each_{threads}t_s={:.2}", times[0]);
        println!(
            "match_each_{threads}t_median_s={:.2}",
            times[times.len() / 2]
        );
        println!("match_each_findings={}", counted.0);
        println!("match_each_unevaluable={}", counted.1);
    }
    if !full {
        println!("peak_rss_mib={:.0}", mib(vm_kib("VmHWM:")));
        return;
    }
    let t = Instant::now();
    let full = index.match_items_full_on(&items, threads);
    println!("match_full_{threads}t_s={:.2}", t.elapsed().as_secs_f64());
    println!("unevaluable={}", full.unevaluable.len());
    if let Some(u) = full.unevaluable.first() {
        println!(
            "unevaluable_example={} asset {} [{}] {}: {}",
            u.cve, u.asset_id, u.inventory_fact, u.record, u.reason
        );
    }
    println!("peak_rss_mib={:.0}", mib(vm_kib("VmHWM:")));
}
