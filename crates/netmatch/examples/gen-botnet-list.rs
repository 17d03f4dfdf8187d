//! Writes a seeded, realistic botnet list for scale tests: the same flags give
//! byte-identical output.
//!
//! ```text
//! cargo run --release -p netmatch --example gen-botnet-list -- \
//!     [--lines N] [--seed S] [--prefixes DIR] [--blocks CSV] \
//!     [--format text|ipsum|csv] [--out FILE]
//! cargo run --release -p netmatch --example gen-botnet-list -- --print-blocks
//! ```
//!
//! `N` (default 1 000 000) is the number of lines in the file, header lines
//! included. The mix: 70 % addresses inside the prefix lists in `DIR`
//! (every `*.txt` there, blocks hit by their size; default: the copies in
//! this crate's `tests/data`), 0.1 % inside agency blocks (`--blocks`, a
//! `prefix,asn,name` table; default: the built-in set that `--print-blocks`
//! prints), 2 % IPv6, 1 % repeats of a recent address, 0.3 % private,
//! loopback, shared or documentation addresses, 0.05 % comment lines, 0.1 %
//! malformed lines, 0.1 % addresses with a trailing comment (text format),
//! the rest random public IPv4. Apart from the repeats, an address comes up
//! again only once its space is used up (the agency blocks hold about 1 100).

use netmatch::{classify, parse_prefix_csv, parse_prefix_list};
use std::io::{BufWriter, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::{Path, PathBuf};

/// Agency blocks of the fictional province, inside real operators' space.
const DEFAULT_BLOCKS: &str = "prefix,asn,name
14.177.64.0/24,45899,Sở Y tế
14.177.64.16/28,45899,UBND tỉnh
113.160.92.0/26,45899,Sở Thông tin và Truyền thông
113.160.92.64/27,45899,Sở Tài chính
27.72.10.0/24,7552,Trường Chính trị
203.113.128.32/28,7552,Công an tỉnh
1.52.20.0/25,18403,\"Bệnh viện Đa khoa, tỉnh\"
42.1.64.128/27,131429,Sở Giáo dục và Đào tạo
117.0.12.0/24,7552,UBND thành phố
171.224.8.0/26,7552,Sở Nông nghiệp
";

/// Operators' IPv6 space in Vietnam, for the IPv6 share of the list.
const V6_BLOCKS: [(u128, u8); 4] = [
    (0x2001_0ee0 << 96, 32),
    (0x2402_0800 << 96, 32),
    (0x2401_d800 << 96, 32),
    (0x2405_4800 << 96, 32),
];

const FAMILIES: [&str; 8] = [
    "mirai",
    "andromeda",
    "gamarue",
    "zeroaccess",
    "pikabot",
    "qakbot",
    "emotet",
    "avalanche-andromeda",
];

const MALFORMED: [&str; 8] = [
    "999.1.2.3",
    "14.160.1",
    "host.invalid",
    "14.160.0.1 14.160.0.2",
    "10.0.0.0/8",
    "010.1.1.1",
    "1.2.3.4.5",
    "2402:800::g",
];

/// SplitMix64: tiny, seedable, and the same on every machine.
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
        // Multiply-shift: no modulo bias worth the name, no division.
        ((u128::from(self.next()) * u128::from(n)) >> 64) as u64
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Format {
    Text,
    Ipsum,
    Csv,
}

struct Args {
    lines: u64,
    seed: u64,
    prefixes: PathBuf,
    blocks: Option<PathBuf>,
    format: Format,
    out: Option<PathBuf>,
}

fn usage() -> ! {
    eprintln!(
        "usage: gen-botnet-list [--lines N] [--seed S] [--prefixes DIR] [--blocks CSV] \
         [--format text|ipsum|csv] [--out FILE] | --print-blocks"
    );
    std::process::exit(2)
}

fn args() -> Args {
    let mut a = Args {
        lines: 1_000_000,
        seed: 2025,
        prefixes: Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data"),
        blocks: None,
        format: Format::Text,
        out: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        if flag == "--print-blocks" {
            print!("{DEFAULT_BLOCKS}");
            std::process::exit(0);
        }
        let Some(value) = it.next() else { usage() };
        match flag.as_str() {
            "--lines" => a.lines = value.replace('_', "").parse().unwrap_or_else(|_| usage()),
            "--seed" => a.seed = value.parse().unwrap_or_else(|_| usage()),
            "--prefixes" => a.prefixes = value.into(),
            "--blocks" => a.blocks = Some(value.into()),
            "--out" => a.out = Some(value.into()),
            "--format" => {
                a.format = match value.as_str() {
                    "text" => Format::Text,
                    "ipsum" => Format::Ipsum,
                    "csv" => Format::Csv,
                    _ => usage(),
                }
            }
            _ => usage(),
        }
    }
    a
}

/// The union of some IPv4 blocks, its addresses numbered in order.
struct Space {
    /// (first address, size) of disjoint runs, in order.
    runs: Vec<(u32, u64)>,
    /// Running total of sizes.
    ends: Vec<u64>,
    /// Where this list starts numbering, so seeds differ.
    offset: u64,
}

/// A prime above any space's size: stepping by it visits every address of
/// the space once before any twice.
const STEP: u64 = 2_654_435_761;

impl Space {
    fn new(mut blocks: Vec<(u32, u64)>, rng: &mut Rng) -> Space {
        blocks.sort_unstable();
        // Merge nested and adjacent blocks: each address once.
        let mut runs: Vec<(u32, u64)> = Vec::new();
        for (first, size) in blocks {
            if let Some((f, s)) = runs.last_mut() {
                let end = u64::from(*f) + *s;
                if u64::from(first) <= end {
                    *s = (*s).max(u64::from(first) + size - u64::from(*f));
                    continue;
                }
            }
            runs.push((first, size));
        }
        let mut total = 0;
        let ends: Vec<u64> = runs
            .iter()
            .map(|&(_, size)| {
                total += size;
                total
            })
            .collect();
        let offset = rng.below(total);
        Space { runs, ends, offset }
    }

    /// The `n`th address of a walk over the space that repeats none until
    /// it has visited all, scattered so that blocks are hit by their size.
    fn nth(&self, n: u64) -> Ipv4Addr {
        let total = *self.ends.last().expect("at least one block");
        let r = ((u128::from(n) * u128::from(STEP) + u128::from(self.offset)) % u128::from(total))
            as u64;
        let i = self.ends.partition_point(|&e| e <= r);
        let before = if i == 0 { 0 } else { self.ends[i - 1] };
        let (first, _) = self.runs[i];
        Ipv4Addr::from(first.wrapping_add((r - before) as u32))
    }
}

/// A bijection of 32-bit numbers that looks random (lowbias32), so public
/// addresses do not repeat either.
fn scatter(mut x: u32) -> u32 {
    x ^= x >> 16;
    x = x.wrapping_mul(0x7feb_352d);
    x ^= x >> 15;
    x = x.wrapping_mul(0x846c_a68b);
    x ^ (x >> 16)
}

fn v4_block(cidr: domain::Cidr) -> Option<(u32, u64)> {
    match cidr.addr() {
        IpAddr::V4(a) => Some((u32::from(a), 1u64 << (32 - cidr.prefix()))),
        IpAddr::V6(_) => None,
    }
}

fn prefix_space(dir: &Path, rng: &mut Rng) -> Space {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| fail(&format!("{}: {e}", dir.display())))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .collect();
    files.sort();
    let mut blocks = Vec::new();
    for f in &files {
        let file =
            std::fs::File::open(f).unwrap_or_else(|e| fail(&format!("{}: {e}", f.display())));
        for item in parse_prefix_list(file) {
            let cidr = item.unwrap_or_else(|e| fail(&format!("{}: {e}", f.display())));
            blocks.extend(v4_block(cidr));
        }
    }
    if blocks.is_empty() {
        fail(&format!(
            "{}: no IPv4 prefixes in *.txt files",
            dir.display()
        ));
    }
    Space::new(blocks, rng)
}

fn agency_space(path: Option<&Path>, rng: &mut Rng) -> Space {
    let bytes = match path {
        Some(p) => std::fs::read(p).unwrap_or_else(|e| fail(&format!("{}: {e}", p.display()))),
        None => DEFAULT_BLOCKS.as_bytes().to_vec(),
    };
    let blocks: Vec<(u32, u64)> = parse_prefix_csv(&bytes[..])
        .map(|r| r.unwrap_or_else(|e| fail(&format!("blocks: {e}"))))
        .filter_map(|r| v4_block(r.cidr))
        .collect();
    if blocks.is_empty() {
        fail("blocks: no IPv4 block");
    }
    Space::new(blocks, rng)
}

fn fail(msg: &str) -> ! {
    eprintln!("gen-botnet-list: {msg}");
    std::process::exit(1)
}

fn special(rng: &mut Rng) -> IpAddr {
    let r = rng.next();
    let x = r as u32;
    let v4 = |net: u32, bits: u32| IpAddr::V4(Ipv4Addr::from(net | (x >> bits)));
    match (r >> 32) % 10 {
        0 | 1 => v4(0x0A00_0000, 8),  // 10/8
        2 | 3 => v4(0xC0A8_0000, 16), // 192.168/16
        4 => v4(0xAC10_0000, 12),     // 172.16/12
        5 => v4(0xC000_0200, 24),     // 192.0.2/24
        6 => v4(0xC633_6400, 24),     // 198.51.100/24
        7 => v4(0x6440_0000, 10),     // 100.64/10
        8 => IpAddr::V4(Ipv4Addr::LOCALHOST),
        _ => IpAddr::V6(Ipv6Addr::from(0x2001_0db8_u128 << 96 | u128::from(x))),
    }
}

fn ipv6(rng: &mut Rng) -> IpAddr {
    let low = u128::from(rng.next()) << 64 | u128::from(rng.next());
    if rng.below(10) < 7 {
        let (net, bits) = V6_BLOCKS[rng.below(V6_BLOCKS.len() as u64) as usize];
        // Mostly one host per /64, as dynamic prefixes with SLAAC hosts are.
        IpAddr::V6(Ipv6Addr::from(net | (low >> bits)))
    } else {
        // 2000::/3, global unicast.
        IpAddr::V6(Ipv6Addr::from(0x2000_u128 << 112 | (low >> 3)))
    }
}

/// The next public address after `*n` in a scattered walk of the whole
/// IPv4 space.
fn public_v4(n: &mut u32, key: u32) -> IpAddr {
    loop {
        *n = n.wrapping_add(1);
        let ip = IpAddr::V4(Ipv4Addr::from(scatter(*n ^ key)));
        if classify(ip).is_none() {
            return ip;
        }
    }
}

enum Item {
    Address(IpAddr),
    Comment,
    Malformed(&'static str),
}

fn main() {
    let a = args();
    let mut rng = Rng(a.seed);
    let vn = prefix_space(&a.prefixes, &mut rng);
    let agencies = agency_space(a.blocks.as_deref(), &mut rng);
    let key = rng.next() as u32;
    let (mut vn_n, mut agency_n, mut public_n) = (0u64, 0u64, 0u32);
    let out: Box<dyn Write> = match &a.out {
        Some(p) => Box::new(
            std::fs::File::create(p).unwrap_or_else(|e| fail(&format!("{}: {e}", p.display()))),
        ),
        None => Box::new(std::io::stdout().lock()),
    };
    let mut w = BufWriter::with_capacity(1 << 20, out);
    let header: Vec<String> = match a.format {
        Format::Text => vec![
            "# Danh sách IP nhiễm mã độc botnet (generated)".into(),
            format!("# seed {}, {} lines", a.seed, a.lines),
        ],
        Format::Ipsum => vec![
            "# IPsum Threat Intelligence Feed (generated)".into(),
            format!("# seed {}, {} lines", a.seed, a.lines),
            "#".into(),
        ],
        Format::Csv => vec![
            format!("# generated, seed {}, {} lines", a.seed, a.lines),
            "timestamp,ip,port,asn,malware".into(),
        ],
    };
    let mut recent: Vec<IpAddr> = Vec::with_capacity(4096);
    let result = (|| -> std::io::Result<()> {
        for h in header.iter().take(a.lines as usize) {
            writeln!(w, "{h}")?;
        }
        for n in header.len() as u64..a.lines {
            let r = rng.below(100_000);
            let item = if r < 100 {
                Item::Malformed(MALFORMED[rng.below(MALFORMED.len() as u64) as usize])
            } else if r < 150 {
                Item::Comment
            } else if r < 450 {
                Item::Address(special(&mut rng))
            } else if r < 1450 && !recent.is_empty() {
                Item::Address(recent[rng.below(recent.len() as u64) as usize])
            } else if r < 3450 {
                Item::Address(ipv6(&mut rng))
            } else if r < 3550 {
                agency_n += 1;
                Item::Address(IpAddr::V4(agencies.nth(agency_n)))
            } else if r < 73550 {
                vn_n += 1;
                Item::Address(IpAddr::V4(vn.nth(vn_n)))
            } else {
                Item::Address(public_v4(&mut public_n, key))
            };
            if let Item::Address(ip) = item {
                if recent.len() < 4096 {
                    recent.push(ip);
                } else {
                    recent[(n % 4096) as usize] = ip;
                }
            }
            let trailing_comment = rng.below(1000) == 0;
            match (a.format, item) {
                (_, Item::Comment) => writeln!(w, "# checkpoint at line {}", n + 1)?,
                (Format::Text, Item::Address(ip)) if trailing_comment => {
                    writeln!(w, "{ip} # seen again")?
                }
                (Format::Text, Item::Address(ip)) => writeln!(w, "{ip}")?,
                (Format::Text, Item::Malformed(m)) => writeln!(w, "{m}")?,
                (Format::Ipsum, Item::Address(ip)) => {
                    // Most addresses are on one or two blacklists.
                    let count = 1 + rng.below(3) * rng.below(4);
                    writeln!(w, "{ip}\t{count}")?
                }
                (Format::Ipsum, Item::Malformed(m)) => writeln!(w, "{m}\t1")?,
                (Format::Csv, item) => {
                    let t = rng.next();
                    let family = FAMILIES[(t % FAMILIES.len() as u64) as usize];
                    let (day, hour, minute, second) = (
                        1 + (t >> 8) % 28,
                        (t >> 16) % 24,
                        (t >> 24) % 60,
                        (t >> 32) % 60,
                    );
                    let port = 1024 + (t >> 40) % 60000;
                    let asn = [45899, 7552, 18403, 24086, 131429][((t >> 56) % 5) as usize];
                    let ip = match item {
                        Item::Address(ip) => ip.to_string(),
                        Item::Malformed(m) => format!("\"{m}\""),
                        Item::Comment => unreachable!("written above"),
                    };
                    writeln!(
                        w,
                        "2025-01-{day:02} {hour:02}:{minute:02}:{second:02},{ip},{port},{asn},{family}"
                    )?
                }
            }
        }
        w.flush()
    })();
    if let Err(e) = result {
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            fail(&e.to_string());
        }
    }
}
