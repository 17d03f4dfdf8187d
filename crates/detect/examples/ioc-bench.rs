//! Indicator matching speed: one core, N indicators, M events (seeded).
//!
//! cargo run --release -p detect --example ioc-bench -- [INDICATORS] [EVENTS]
//!
//! Indicators: 40 % IPv4 addresses and blocks, 5 % IPv6, 30 % domains, 15 %
//! SHA-256, 5 % MD5, 5 % file names. Events: Sysmon-like network and
//! process events of 11 fields (Image, SourceIp, DestinationIp,
//! DestinationHostname, Hashes, CommandLine, …), about 1 in 1000 holding a
//! listed value. Prints the build time and events/s of `IocScanner::scan`.

use detect::indicators::{FieldMap, Indicator, IndicatorSet, Observable, ObservableKind, Tlp};
use detect::Event;
use std::time::Instant;

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

const WORDS: [&str; 16] = [
    "cdn", "mail", "update", "secure", "login", "api", "static", "img", "news", "shop", "cloud",
    "data", "portal", "auth", "files", "sync",
];
const TLDS: [&str; 6] = ["com", "net", "org", "vn", "info", "xyz"];

fn domain(r: &mut Rng) -> String {
    format!(
        "{}{}-{}.{}",
        WORDS[r.below(16) as usize],
        r.below(1_000_000),
        WORDS[r.below(16) as usize],
        TLDS[r.below(6) as usize]
    )
}

fn ipv4(r: &mut Rng) -> String {
    let x = r.next() as u32;
    std::net::Ipv4Addr::from(x).to_string()
}

fn hex(r: &mut Rng, n: usize) -> String {
    let mut s = String::with_capacity(n);
    while s.len() < n {
        s.push_str(&format!("{:016x}", r.next()));
    }
    s.truncate(n);
    s
}

fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.replace('_', "").parse().ok())
        .collect();
    let n_ind = args.first().copied().unwrap_or(1_000_000);
    let n_ev = args.get(1).copied().unwrap_or(1_000_000);
    let mut r = Rng(0x9e37_79b9_7f4a_7c15);

    let t = Instant::now();
    let mut inds = Vec::with_capacity(n_ind);
    let mut listed: Vec<(u8, String)> = Vec::new();
    for i in 0..n_ind {
        let pick = r.below(100);
        let text = match pick {
            0..=37 => ipv4(&mut r),
            38..=39 => {
                let ip = ipv4(&mut r);
                let a: std::net::Ipv4Addr = ip.parse().unwrap_or(std::net::Ipv4Addr::LOCALHOST);
                let p = 20 + r.below(9) as u32;
                let net = u32::from(a) & (u32::MAX << (32 - p));
                format!("{}/{p}", std::net::Ipv4Addr::from(net))
            }
            40..=44 => format!(
                "2001:db8:{:x}:{:x}::{:x}",
                r.below(65536),
                r.below(65536),
                r.below(65536)
            ),
            45..=74 => domain(&mut r),
            75..=89 => hex(&mut r, 64),
            90..=94 => hex(&mut r, 32),
            _ => format!("tool{}.exe", r.below(10_000_000)),
        };
        let Ok(o) = Observable::detect(&text) else {
            continue;
        };
        if i % 1000 == 0 {
            let class = match o.kind() {
                ObservableKind::Ipv4 => 0,
                ObservableKind::Domain => 1,
                ObservableKind::Sha256 => 2,
                ObservableKind::FileName => 3,
                _ => 9,
            };
            listed.push((class, o.value().to_string()));
        }
        inds.push(Indicator {
            observable: o,
            source: "bench".into(),
            tlp: Tlp::Amber,
            valid_until: None,
            id: None,
        });
    }
    let gen_ind = t.elapsed();
    let t = Instant::now();
    let set = IndicatorSet::build(inds, FieldMap::default(), 0);
    let build = t.elapsed();

    let mut events = Vec::with_capacity(n_ev);
    for i in 0..n_ev {
        let mut dst_ip = ipv4(&mut r);
        let mut host = domain(&mut r);
        let mut sha = hex(&mut r, 64);
        let mut image = format!(
            "C:\\Program Files\\App{}\\app{}.exe",
            r.below(1000),
            r.below(100_000)
        );
        if i % 1000 == 7 && !listed.is_empty() {
            let (class, v) = &listed[r.below(listed.len() as u64) as usize];
            match class {
                0 => dst_ip = v.clone(),
                1 => host = format!("www.{v}"),
                2 => sha = v.to_uppercase(),
                3 => image = format!("C:\\Users\\Public\\{v}"),
                _ => {}
            }
        }
        let ev = Event::new()
            .with("Channel", "Microsoft-Windows-Sysmon/Operational")
            .with("EventID", 3i64)
            .with("Computer", "ws-042.so-tnmt.local")
            .with("UtcTime", "2026-11-27 07:40:10.132")
            .with("Image", image.as_str())
            .with("User", "SO-TNMT\\nguyenvana")
            .with("SourceIp", "10.20.30.40")
            .with("DestinationIp", dst_ip.as_str())
            .with("DestinationHostname", host.as_str())
            .with(
                "CommandLine",
                "\"C:\\Program Files\\App\\app.exe\" --update --silent",
            )
            .with(
                "Hashes",
                format!(
                    "SHA1={},MD5={},SHA256={sha},IMPHASH={}",
                    hex(&mut r, 40),
                    hex(&mut r, 32),
                    hex(&mut r, 32)
                )
                .as_str(),
            );
        events.push(ev);
    }

    let mut sc = set.scanner();
    // Warm up, then measure.
    for ev in events.iter().take(10_000) {
        let _ = sc.scan(ev);
    }
    let t = Instant::now();
    let cpu0 = cpu_seconds();
    let mut hits = 0usize;
    for ev in &events {
        hits += sc.scan(ev).len();
    }
    let scan = t.elapsed();
    let cpu = cpu_seconds().zip(cpu0).map(|(b, a)| b - a);
    println!(
        "indicators: {} in use ({} generated in {:.2} s), set built in {:.2} s",
        set.len(),
        n_ind,
        gen_ind.as_secs_f64(),
        build.as_secs_f64()
    );
    println!(
        "events: {} scanned in {:.3} s on one core: {:.2} M events/s, {} hits",
        events.len(),
        scan.as_secs_f64(),
        events.len() as f64 / scan.as_secs_f64() / 1e6,
        hits
    );
    // A yardstick for this machine: std's address parser over the events' addresses.
    let ips: Vec<String> = events
        .iter()
        .filter_map(|e| e.get_text("DestinationIp").map(|v| v.into_owned()))
        .collect();
    let c0 = cpu_seconds();
    let t = Instant::now();
    let parsed = ips
        .iter()
        .filter(|s| {
            std::hint::black_box(s.as_str())
                .parse::<std::net::IpAddr>()
                .is_ok()
        })
        .count();
    let yard = t.elapsed();
    let ycpu = cpu_seconds().zip(c0).map(|(b, a)| b - a).unwrap_or(0.0);
    println!(
        "yardstick: {parsed} addresses parsed by std in {:.0} ns each (wall), {:.0} ns (cpu)",
        yard.as_secs_f64() * 1e9 / ips.len().max(1) as f64,
        ycpu * 1e9 / ips.len().max(1) as f64
    );
    // On a shared machine the wall clock counts time the process waited for a core.
    if let Some(c) = cpu.filter(|c| *c > 0.0) {
        println!(
            "cpu time: {c:.2} s: {:.2} M events/s per core-second",
            events.len() as f64 / c / 1e6
        );
    }
}

/// User + system CPU time of this process (Linux `/proc/self/stat`, 100 Hz ticks).
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let rest = stat.rsplit_once(')')?.1;
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}
