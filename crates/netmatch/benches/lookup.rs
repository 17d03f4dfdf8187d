//! Owner lookup and list parsing throughput, on real Vietnamese prefixes
//! grown to 10 k entries with generated agency blocks. Seeded, so every run
//! measures the same table and the same addresses.
//!
//! Run with `cargo bench -p netmatch`.

use domain::Cidr;
use netmatch::{parse, Format, OwnerTable};
use std::hint::black_box;
use std::io::Cursor;
use std::net::{IpAddr, Ipv4Addr};
use std::time::Instant;

const PREFIX_FILES: [&str; 7] = [
    include_str!("../tests/data/country-vn-ipv4-aggregated.txt"),
    include_str!("../tests/data/AS7552-ipv4-aggregated.txt"),
    include_str!("../tests/data/AS45899-ipv4-aggregated.txt"),
    include_str!("../tests/data/AS18403-ipv4-aggregated.txt"),
    include_str!("../tests/data/AS131429-ipv4-aggregated.txt"),
    include_str!("../tests/data/AS24086-ipv4-aggregated.txt"),
    include_str!("../tests/data/AS38731-ipv4-aggregated.txt"),
];

const TABLE_SIZE: usize = 10_000;
const LOOKUPS: usize = 10_000_000;
const CSV_LINES: usize = 1_000_000;

/// SplitMix64: tiny, seedable, good enough to scatter addresses.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn isp_blocks() -> Vec<Cidr> {
    PREFIX_FILES
        .iter()
        .flat_map(|f| f.lines())
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| l.parse().expect("prefix files hold CIDRs"))
        .collect()
}

fn v4_range(b: &Cidr) -> (u32, u32) {
    let IpAddr::V4(a) = b.addr() else {
        unreachable!("the prefix files are IPv4")
    };
    let first = u32::from(a);
    (first, first | (u32::MAX >> b.prefix()))
}

/// ISP prefixes first, then agency /24–/29 blocks inside them up to `TABLE_SIZE`.
fn entries(rng: &mut Rng) -> Vec<(Cidr, u32, u8)> {
    let isp = isp_blocks();
    let mut out: Vec<(Cidr, u32, u8)> = isp
        .iter()
        .enumerate()
        .map(|(i, b)| (*b, i as u32, 10))
        .collect();
    while out.len() < TABLE_SIZE {
        let parent = isp[rng.below(isp.len() as u64) as usize];
        let prefix = 24 + rng.below(6) as u8;
        if prefix <= parent.prefix() {
            continue;
        }
        let (first, last) = v4_range(&parent);
        let span = u64::from(last - first) + 1;
        let a = first + rng.below(span) as u32;
        let a = a & (u32::MAX << (32 - prefix));
        let block = Cidr::new(IpAddr::V4(Ipv4Addr::from(a)), prefix).expect("masked");
        out.push((block, out.len() as u32, 0));
    }
    out
}

/// Half the addresses inside the table's blocks, as a botnet list for the
/// province would be, half anywhere.
fn addresses(rng: &mut Rng, blocks: &[(Cidr, u32, u8)], n: usize) -> Vec<Ipv4Addr> {
    (0..n)
        .map(|_| {
            if rng.below(2) == 0 {
                let (first, last) = v4_range(&blocks[rng.below(blocks.len() as u64) as usize].0);
                Ipv4Addr::from(first + rng.below(u64::from(last - first) + 1) as u32)
            } else {
                Ipv4Addr::from(rng.next() as u32)
            }
        })
        .collect()
}

fn rate(n: usize, secs: f64) -> String {
    format!("{:.1} M/s", n as f64 / secs / 1e6)
}

/// The shortest of `runs` timings, since the machine is shared and noise only
/// ever adds time.
fn best_of<T>(runs: usize, mut f: impl FnMut() -> T) -> (f64, T) {
    let mut best = f64::INFINITY;
    let mut out = None;
    for _ in 0..runs {
        let t0 = Instant::now();
        let r = black_box(f());
        best = best.min(t0.elapsed().as_secs_f64());
        out = Some(r);
    }
    (best, out.expect("at least one run"))
}

fn bench_lookup(entries: &[(Cidr, u32, u8)], ips: &[Ipv4Addr]) {
    let t0 = Instant::now();
    let table = OwnerTable::build(entries.iter().copied());
    let build = t0.elapsed();
    println!(
        "owner table: {} entries, {:?} ranges, built in {:.1} ms",
        table.len(),
        table.ranges(),
        build.as_secs_f64() * 1e3
    );

    let rounds = LOOKUPS / ips.len();
    let (secs, hits) = best_of(3, || {
        let mut hits = 0u64;
        for _ in 0..rounds {
            for &ip in ips {
                if let Some((owner, _)) = table.lookup(black_box(IpAddr::V4(ip))) {
                    hits += u64::from(*owner);
                }
            }
        }
        hits
    });
    println!(
        "netmatch OwnerTable: {} lookups in {:.3} s = {} (checksum {})",
        rounds * ips.len(),
        secs,
        rate(rounds * ips.len(), secs),
        black_box(hits)
    );

    // The crate the project suggested, on the same table and addresses.
    let mut trie = prefix_trie::PrefixMap::<ipnet::Ipv4Net, u32>::new();
    let mut sorted = entries.to_vec();
    // Highest precedence number first, so the winner is inserted last.
    sorted.sort_by_key(|(_, v, p)| (std::cmp::Reverse(*p), std::cmp::Reverse(*v)));
    for (b, v, _) in &sorted {
        let IpAddr::V4(a) = b.addr() else {
            continue;
        };
        trie.insert(ipnet::Ipv4Net::new(a, b.prefix()).expect("valid"), *v);
    }
    let (secs, trie_hits) = best_of(3, || {
        let mut hits = 0u64;
        for _ in 0..rounds {
            for &ip in ips {
                let key = ipnet::Ipv4Net::new(black_box(ip), 32).expect("/32");
                if let Some((_, owner)) = trie.get_lpm(&key) {
                    hits += u64::from(*owner);
                }
            }
        }
        hits
    });
    println!(
        "prefix-trie 0.10 PrefixMap: {} lookups in {:.3} s = {} (checksum {})",
        rounds * ips.len(),
        secs,
        rate(rounds * ips.len(), secs),
        black_box(trie_hits)
    );
    assert_eq!(hits, trie_hits, "both structures must name the same owners");
}

fn bench_parse(entries: &[(Cidr, u32, u8)], rng: &mut Rng) {
    let ips = addresses(rng, entries, CSV_LINES);
    let families = ["mirai", "andromeda", "zeroaccess", "gamarue", "pikabot"];
    let mut csv = String::from("\"timestamp\",\"ip\",\"port\",\"asn\",\"malware\"\n");
    let mut txt = String::from("# generated list\n");
    let mut crlf = String::from("# generated list\r\n");
    let mut ipsum = String::from("# IPsum Threat Intelligence Feed\n");
    let mut commented = String::from("# generated list\n");
    for (i, ip) in ips.iter().enumerate() {
        csv.push_str(&format!(
            "\"2025-01-{:02} {:02}:{:02}:00\",\"{ip}\",{},{},\"{}\"\n",
            1 + i % 28,
            i % 24,
            i % 60,
            1024 + rng.below(60000),
            [7552, 45899, 18403, 24086][i % 4],
            families[i % families.len()]
        ));
        txt.push_str(&format!("{ip}\n"));
        crlf.push_str(&format!("{ip}\r\n"));
        ipsum.push_str(&format!("{ip}\t{}\n", 1 + i % 9));
        // Every line off the fast path, to show what it saves.
        commented.push_str(&format!("{ip} # seen\n"));
    }
    let table = OwnerTable::build(entries.iter().copied());

    for (name, format, bytes) in [
        ("CSV", Format::Csv, csv.as_bytes()),
        ("text", Format::Text, txt.as_bytes()),
        ("text CRLF", Format::Text, crlf.as_bytes()),
        ("IPsum", Format::Ipsum, ipsum.as_bytes()),
        (
            "text, comment on every line",
            Format::Text,
            commented.as_bytes(),
        ),
    ] {
        let (secs, n) = best_of(3, || {
            parse(format, Cursor::new(bytes))
                .filter(|item| black_box(item).is_ok())
                .count()
        });
        println!(
            "parse {name} ({:.0} MB): {n} lines in {:.3} s = {} lines",
            bytes.len() as f64 / 1e6,
            secs,
            rate(n, secs)
        );

        let (secs, (counts, unknown)) = best_of(3, || {
            let mut counts = vec![0u32; entries.len()];
            let mut unknown = 0u32;
            for item in parse(format, Cursor::new(bytes)).flatten() {
                match table.lookup(item.ip) {
                    Some((owner, _)) => counts[*owner as usize] += 1,
                    None => unknown += 1,
                }
            }
            (counts, unknown)
        });
        println!(
            "parse + match + count {name}: {} lines in {:.3} s = {} lines ({} owners hit, {unknown} unknown)",
            ips.len(),
            secs,
            rate(ips.len(), secs),
            counts.iter().filter(|&&c| c > 0).count()
        );
    }
}

fn main() {
    // `cargo test --benches` runs this too; skip the long part there.
    if std::env::args().any(|a| a == "--bench") {
        let mut rng = Rng(0x6361_6E68_6761_6321);
        let entries = entries(&mut rng);
        let ips = addresses(&mut rng, &entries, 1_000_000);
        bench_lookup(&entries, &ips);
        bench_parse(&entries, &mut rng);
    }
}
