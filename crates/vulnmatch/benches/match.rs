//! `cargo bench -p vulnmatch`: matching 10 k assets against 1 k CVEs, and
//! reading feed records. The vulnerabilities are the real records of
//! tests/data, copied under new product names by a seeded generator; the
//! assets carry software drawn from those names and from names no record
//! knows, with versions around the records' ranges.

use domain::Software;
use std::time::Instant;
use vulnmatch::cpe::{Text, Value};
use vulnmatch::feeds;
use vulnmatch::matching::{match_all, InventoryItem, VulnIndex};
use vulnmatch::{Vuln, VulnDb};

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

const NAMES: &[&str] = &[
    "CVE-2018-13379",
    "CVE-2020-5902",
    "CVE-2021-26855",
    "CVE-2021-34473",
    "CVE-2021-41773",
    "CVE-2021-44228",
    "CVE-2022-1388",
    "CVE-2022-40684",
    "CVE-2023-22515",
    "CVE-2023-23397",
    "CVE-2023-46747",
    "CVE-2023-46748",
    "CVE-2023-4966",
    "CVE-2024-21413",
    "CVE-2024-21762",
    "CVE-2024-3400",
    "CVE-2024-6387",
];

fn read(path: &str) -> Vec<u8> {
    std::fs::read(format!("{}/tests/data/{path}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

fn real() -> Vec<Vuln> {
    let mut db = VulnDb::new();
    for n in NAMES {
        for d in ["cve5", "nvd"] {
            let f = format!("{d}/{n}.json");
            db.extend(feeds::read_feed(&f, &read(&f)).unwrap().vulns);
        }
    }
    db.into_vec()
}

/// A copy of `v` whose products (CNA names and NVD CPE products) end in `-k`.
fn renamed(v: &Vuln, k: usize, number: u64) -> Vuln {
    let mut v = v.clone();
    v.id = format!("CVE-2030-{:05}", 10000 + number).parse().unwrap();
    for r in &mut v.affected {
        if let Some(p) = &mut r.product {
            p.push_str(&format!("-{k}"));
        }
        if let Some(p) = &mut r.package_name {
            p.push_str(&format!("-{k}"));
        }
        r.cpes.clear();
    }
    for c in &mut v.configurations {
        for n in &mut c.nodes {
            for m in &mut n.matches {
                if let Value::Text(t) = m.criteria.product() {
                    let name = format!("{}-{k}", t.as_plain());
                    m.criteria.set(2, Value::Text(Text::literal(&name)));
                }
            }
        }
    }
    v
}

fn make_items(
    rng: &mut Rng,
    named: usize,
    pool: &[(String, String, String, &str)],
    noise: &[(String, String, String, &str)],
) -> Vec<InventoryItem> {
    (0..10_000)
        .map(|a| {
            let mut it = InventoryItem::new(a as i64);
            for k in 0..10 {
                let src = if k < named { pool } else { noise };
                let (v, p, ver, scheme) = &src[rng.below(src.len() as u64) as usize];
                let ver = if rng.below(4) == 0 {
                    format!("{ver}.{}", rng.below(20))
                } else {
                    ver.clone()
                };
                let ver = if ver.trim().is_empty() || ver.contains(['|', ',']) {
                    "1.0".to_string()
                } else {
                    ver
                };
                if let Ok(s) = format!("{v}|{p}|{ver}|{scheme}").parse::<Software>() {
                    it.software.push(s);
                }
            }
            if rng.below(4) == 0 {
                it.modules = vec!["LTM".into(), "APM".into()];
            }
            it
        })
        .collect()
}

/// CPU time of this thread, in ms (the machine is shared: wall time varies).
fn thread_cpu_ms() -> f64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse::<f64>().ok())
        .map(|ns| ns / 1e6)
        .unwrap_or(f64::NAN)
}

fn run(label: &str, vulns: &[Vuln], items: &[InventoryItem]) {
    let facts: usize = items.iter().map(|i| i.software.len()).sum();
    let t = Instant::now();
    let idx = VulnIndex::new(vulns);
    let t_index = t.elapsed();
    let _ = idx.match_items(&items[..200]);
    let t = Instant::now();
    let cpu = thread_cpu_ms();
    let mut findings = 0usize;
    for it in items {
        findings += idx.match_item(it).len();
    }
    let one = t.elapsed();
    let cpu = thread_cpu_ms() - cpu;
    let t = Instant::now();
    let all = match_all(vulns, items);
    let par = t.elapsed();
    println!(
        "{label}: {} assets ({facts} software) × {} CVEs: index {:.1} ms; match {:.0} ms on one core ({cpu:.0} ms CPU, {:.2} M software/s per CPU second), \
         match_all {:.0} ms on {} threads (index included); {findings} findings ({} removed by a hotfix)",
        items.len(),
        vulns.len(),
        t_index.as_secs_f64() * 1e3,
        one.as_secs_f64() * 1e3,
        facts as f64 / (cpu / 1e3) / 1e6,
        par.as_secs_f64() * 1e3,
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
        all.iter().filter(|f| !f.is_affected()).count(),
    );
}

fn main() {
    let base = real();
    let mut rng = Rng(0x5eed_c0de);
    let vulns: Vec<Vuln> = (0..1000)
        .map(|i| renamed(&base[i % base.len()], i / base.len(), i as u64))
        .collect();
    // Products the records name, with a version at the start of a range.
    let mut pool: Vec<(String, String, String, &str)> = Vec::new();
    for v in &vulns {
        for r in &v.affected {
            let (Some(vendor), Some(product)) = (&r.vendor, &r.product) else {
                continue;
            };
            let ver = r
                .versions
                .first()
                .map(|x| x.version.clone())
                .unwrap_or_else(|| "1.0".into());
            pool.push((vendor.clone(), product.clone(), ver, "dotted"));
        }
        for c in &v.configurations {
            for n in &c.nodes {
                for m in &n.matches {
                    if let Some((cv, cp)) = m.criteria.vendor_product() {
                        let ver = m
                            .version_start_including
                            .clone()
                            .unwrap_or_else(|| "2.4.49".into());
                        pool.push((cv, cp.replace('_', " "), ver, "semver"));
                    }
                }
            }
        }
    }
    let noise: Vec<(String, String, String, &str)> = (0..5000)
        .map(|i| {
            (
                format!("Vendor{}", i % 700),
                format!("Product {i}"),
                format!("{}.{}", i % 9, i % 13),
                "dotted",
            )
        })
        .collect();
    // Mixed: 2 of each asset's 10 products are named by some record.
    let mixed = make_items(&mut rng, 2, &pool, &noise);
    run("mixed", &vulns, &mixed);
    // Dense: all 10 are.
    let dense = make_items(&mut rng, 10, &pool, &noise);
    run("dense", &vulns, &dense);

    // Reading: every record file, many times over, merged.
    let files: Vec<(String, Vec<u8>)> = NAMES
        .iter()
        .flat_map(|n| ["cve5", "nvd"].map(|d| format!("{d}/{n}.json")))
        .map(|f| {
            let b = read(&f);
            (f, b)
        })
        .collect();
    let bytes: usize = files.iter().map(|(_, b)| b.len()).sum();
    let rounds = 60;
    let t = Instant::now();
    let mut records = 0usize;
    let mut db = VulnDb::new();
    for _ in 0..rounds {
        for (f, b) in &files {
            let out = feeds::read_feed(f, b).unwrap();
            records += out.vulns.len();
            db.extend(out.vulns);
        }
    }
    let el = t.elapsed().as_secs_f64();
    println!(
        "read+merge: {records} records ({:.1} MB) in {:.0} ms: {:.0} records/s, {:.0} MB/s",
        (bytes * rounds) as f64 / 1e6,
        el * 1e3,
        records as f64 / el,
        (bytes * rounds) as f64 / 1e6 / el
    );
    let kev = read("known_exploited_vulnerabilities.json");
    let t = Instant::now();
    let out = feeds::read_feed("kev", &kev).unwrap();
    println!(
        "kev: {} entries in {:.1} ms",
        out.kev.len(),
        t.elapsed().as_secs_f64() * 1e3
    );
}
