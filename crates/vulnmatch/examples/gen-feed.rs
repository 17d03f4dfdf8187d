//! Generates a large, plausible vulnerability feed and inventory for the
//! scale benchmark (`examples/scale.rs`, `scripts/bench-vulns.sh`).
//!
//! ```text
//! cargo run --release -p vulnmatch --example gen-feed -- --out DIR \
//!     [--records 300000] [--cve5-share 0.5] [--items 1000000] [--assets 100000] \
//!     [--seed 42] [--gzip] [--no-inventory]
//! ```
//!
//! Writes into DIR:
//! - `nvd-YYYY.json[.gz]`: NVD CVE API 2.0 pages (`{"vulnerabilities": [{"cve": …}]}`),
//!   one per year as the yearly feeds are, `--records` records in all;
//! - `cve5-YYYY.json[.gz]`: CVE JSON 5 records (a JSON array per year) for
//!   `--cve5-share` of those CVEs, with the CNA's `affected` statements;
//! - `inventory.jsonl`: one `InventoryItem` per line, `--items` installed
//!   products spread over about `--assets` assets.
//!
//! Every record is built from a real one of `tests/data` (its descriptions,
//! CVSS metrics, weaknesses, references, CNA metadata; a seeded splitmix64
//! picks the template), with a new CVE id and a product drawn from a
//! catalogue of `records / 3` products by a Zipf law (s = 1, offset 8): the
//! head is real products (Linux kernel, Chrome, Windows, BIG-IP, FortiOS,
//! Exchange, OpenSSH, log4j, …) with thousands of records each, the tail
//! made-up names with one or two. Each product has its own release history
//! in its vendor's numbering (`17.1.0.3`, `7.2.6`, `9.2p1`, `10.2.9-h1`,
//! `13.1-49.15`, `15.2.1118.40`, `10.0.19045.3803`); records give affected
//! ranges of branches of it, exact version lists, AND configurations with an
//! OS platform, per-module CPEs for BIG-IP, and a few free-text CNA
//! versions. The inventory installs real products in proportion to how
//! common they are on desktops and servers, the catalogue's tail, and
//! in-house software no record names, at released versions.

use serde_json::{json, Value};
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

// ------------------------------------------------------------ randomness

/// splitmix64: small, seeded, good enough for test data.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            return 0;
        }
        (self.next() % n as u64) as usize
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }
    /// Geometric with the given mean (≥ 0).
    fn geometric(&mut self, mean: f64) -> usize {
        let p = 1.0 / (mean + 1.0);
        let u = self.unit().max(1e-12);
        (u.ln() / (1.0 - p).ln()).floor() as usize
    }
    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len())]
    }
}

fn mix(a: u64, b: u64) -> u64 {
    Rng(a ^ b.wrapping_mul(0xD6E8_FEB8_6659_FD93)).next()
}

/// Sampling from fixed weights by binary search of the cumulative sum.
struct Weighted {
    cum: Vec<f64>,
}

impl Weighted {
    fn new(weights: impl IntoIterator<Item = f64>) -> Weighted {
        let mut s = 0.0;
        let cum = weights
            .into_iter()
            .map(|w| {
                s += w;
                s
            })
            .collect();
        Weighted { cum }
    }
    fn sample(&self, rng: &mut Rng) -> usize {
        let total = *self.cum.last().unwrap_or(&0.0);
        let x = rng.unit() * total;
        self.cum
            .partition_point(|c| *c <= x)
            .min(self.cum.len() - 1)
    }
}

// ------------------------------------------------------------ products

#[derive(Clone, Copy, PartialEq)]
enum Style {
    /// `7.2.6`
    Sem,
    /// `17.1.0.3` (F5), `120.0.6099.109` (Chrome)
    Four,
    /// `15.2.1118.40` (Exchange), `10.0.19045.3803` (Windows): fixed
    /// major.minor, growing build.
    Build,
    /// `9.2p1`
    P,
    /// `10.2.9-h1`
    Hotfix,
    /// `13.1-49.15`
    Citrix,
    /// `22.04`
    Year,
}

struct Product {
    part: &'static str,
    cpe_vendor: String,
    cpe_product: String,
    /// Names as an inventory writes them (their CPE form is the CPE above).
    vendor: String,
    product: String,
    /// Names the CNA uses in CVE JSON 5.
    cna_vendor: String,
    cna_product: String,
    style: Style,
    scheme: &'static str,
    releases: Vec<String>,
    /// Index of the first release of each release's branch.
    branch_of: Vec<usize>,
    /// When the first release came out (year, fractional); the others
    /// follow evenly until `NOW`.
    t0: f64,
    f5: bool,
    /// One of the real products of `HEAD`.
    head: bool,
}

/// The end of the generated timeline: the newest release of every product
/// comes out then, after the last record.
const NOW: f64 = 2026.0;

impl Product {
    /// How many releases had come out at time `t`.
    fn released_at(&self, t: f64) -> usize {
        let n = self.releases.len();
        if t < self.t0 {
            return 0;
        }
        let step = (NOW - self.t0) / (n - 1).max(1) as f64;
        (((t - self.t0) / step) as usize + 1).min(n)
    }
}

/// The head of the catalogue, by number of records (most first):
/// (part, cpe vendor, cpe product, vendor, product, CNA vendor, CNA product,
/// style, first major, scheme).
#[allow(clippy::type_complexity)]
const HEAD: &[(&str, &str, &str, &str, &str, &str, &str, Style, u32, &str)] = &[
    (
        "o",
        "linux",
        "linux_kernel",
        "Linux",
        "Linux Kernel",
        "Linux",
        "Linux",
        Style::Sem,
        4,
        "semver",
    ),
    (
        "a",
        "google",
        "chrome",
        "Google",
        "Chrome",
        "Google",
        "Chrome",
        Style::Four,
        90,
        "dotted",
    ),
    (
        "o",
        "microsoft",
        "windows_10",
        "Microsoft",
        "Windows 10",
        "Microsoft",
        "Windows 10 Version 22H2",
        Style::Build,
        10,
        "dotted",
    ),
    (
        "o",
        "microsoft",
        "windows_server_2019",
        "Microsoft",
        "Windows Server 2019",
        "Microsoft",
        "Windows Server 2019",
        Style::Build,
        10,
        "dotted",
    ),
    (
        "a",
        "mozilla",
        "firefox",
        "Mozilla",
        "Firefox",
        "Mozilla",
        "Firefox",
        Style::Sem,
        90,
        "semver",
    ),
    (
        "a",
        "adobe",
        "acrobat_reader_dc",
        "Adobe",
        "Acrobat Reader DC",
        "Adobe",
        "Acrobat Reader",
        Style::Four,
        20,
        "dotted",
    ),
    (
        "a",
        "oracle",
        "mysql",
        "Oracle",
        "MySQL",
        "Oracle Corporation",
        "MySQL Server",
        Style::Sem,
        5,
        "semver",
    ),
    (
        "a",
        "php",
        "php",
        "PHP",
        "PHP",
        "PHP Group",
        "PHP",
        Style::Sem,
        7,
        "semver",
    ),
    (
        "a",
        "microsoft",
        "office",
        "Microsoft",
        "Office",
        "Microsoft",
        "Office",
        Style::Build,
        16,
        "dotted",
    ),
    (
        "a",
        "f5",
        "big-ip",
        "F5",
        "BIG-IP",
        "F5",
        "BIG-IP",
        Style::Four,
        13,
        "dotted",
    ),
    (
        "o",
        "fortinet",
        "fortios",
        "Fortinet",
        "FortiOS",
        "Fortinet",
        "FortiOS",
        Style::Sem,
        6,
        "semver",
    ),
    (
        "a",
        "microsoft",
        "exchange_server",
        "Microsoft",
        "Exchange Server",
        "Microsoft",
        "Exchange Server",
        Style::Build,
        15,
        "dotted",
    ),
    (
        "a",
        "openbsd",
        "openssh",
        "OpenBSD",
        "OpenSSH",
        "OpenBSD",
        "OpenSSH",
        Style::P,
        7,
        "other",
    ),
    (
        "a",
        "apache",
        "log4j",
        "Apache",
        "log4j",
        "Apache Software Foundation",
        "Apache Log4j2",
        Style::Sem,
        2,
        "semver",
    ),
    (
        "a",
        "oracle",
        "jre",
        "Oracle",
        "JRE",
        "Oracle Corporation",
        "Java SE",
        Style::Sem,
        8,
        "semver",
    ),
    (
        "a",
        "apache",
        "http_server",
        "Apache",
        "HTTP Server",
        "Apache Software Foundation",
        "Apache HTTP Server",
        Style::Sem,
        2,
        "semver",
    ),
    (
        "o",
        "paloaltonetworks",
        "pan-os",
        "Palo Alto Networks",
        "PAN-OS",
        "Palo Alto Networks",
        "PAN-OS",
        Style::Hotfix,
        9,
        "dotted",
    ),
    (
        "a",
        "citrix",
        "netscaler_application_delivery_controller",
        "Citrix",
        "NetScaler Application Delivery Controller",
        "Citrix",
        "NetScaler ADC",
        Style::Citrix,
        12,
        "dotted",
    ),
    (
        "a",
        "openssl",
        "openssl",
        "OpenSSL",
        "OpenSSL",
        "OpenSSL",
        "OpenSSL",
        Style::Sem,
        1,
        "semver",
    ),
    (
        "a",
        "atlassian",
        "confluence_server",
        "Atlassian",
        "Confluence Server",
        "Atlassian",
        "Confluence Server",
        Style::Sem,
        7,
        "semver",
    ),
    (
        "a",
        "microsoft",
        "outlook",
        "Microsoft",
        "Outlook",
        "Microsoft",
        "Microsoft Outlook 2016",
        Style::Build,
        16,
        "dotted",
    ),
    (
        "o",
        "cisco",
        "ios_xe",
        "Cisco",
        "IOS XE",
        "Cisco",
        "Cisco IOS XE Software",
        Style::Sem,
        16,
        "dotted",
    ),
    (
        "a",
        "wireshark",
        "wireshark",
        "Wireshark",
        "Wireshark",
        "Wireshark Foundation",
        "Wireshark",
        Style::Sem,
        3,
        "semver",
    ),
    (
        "a",
        "videolan",
        "vlc_media_player",
        "VideoLAN",
        "VLC Media Player",
        "VideoLAN",
        "VLC media player",
        Style::Sem,
        3,
        "semver",
    ),
    (
        "a",
        "f5",
        "nginx",
        "F5",
        "NGINX",
        "F5",
        "NGINX Open Source",
        Style::Sem,
        1,
        "semver",
    ),
    (
        "a",
        "python",
        "python",
        "Python",
        "Python",
        "Python Software Foundation",
        "CPython",
        Style::Sem,
        3,
        "semver",
    ),
    (
        "a",
        "vmware",
        "esxi",
        "VMware",
        "ESXi",
        "VMware",
        "ESXi",
        Style::Sem,
        6,
        "dotted",
    ),
    (
        "a",
        "microsoft",
        "edge_chromium",
        "Microsoft",
        "Edge Chromium",
        "Microsoft",
        "Microsoft Edge (Chromium-based)",
        Style::Four,
        90,
        "dotted",
    ),
    (
        "a",
        "postgresql",
        "postgresql",
        "PostgreSQL",
        "PostgreSQL",
        "PostgreSQL",
        "PostgreSQL",
        Style::Sem,
        11,
        "semver",
    ),
    (
        "a",
        "nodejs",
        "node.js",
        "Nodejs",
        "Node.js",
        "Node.js",
        "Node.js",
        Style::Sem,
        14,
        "semver",
    ),
    (
        "a",
        "git-scm",
        "git",
        "Git-SCM",
        "Git",
        "git",
        "git",
        Style::Sem,
        2,
        "semver",
    ),
    (
        "a",
        "7-zip",
        "7-zip",
        "7-Zip",
        "7-Zip",
        "7-Zip",
        "7-Zip",
        Style::Sem,
        19,
        "dotted",
    ),
    (
        "a",
        "zoom",
        "zoom",
        "Zoom",
        "Zoom",
        "Zoom Video Communications, Inc.",
        "Zoom Workplace",
        Style::Sem,
        5,
        "semver",
    ),
    (
        "o",
        "canonical",
        "ubuntu_linux",
        "Canonical",
        "Ubuntu Linux",
        "Canonical",
        "Ubuntu",
        Style::Year,
        18,
        "dotted",
    ),
    (
        "o",
        "redhat",
        "enterprise_linux",
        "Red Hat",
        "Enterprise Linux",
        "Red Hat",
        "Red Hat Enterprise Linux",
        Style::Sem,
        7,
        "dotted",
    ),
];

/// Installation weights of head products on ordinary hosts (by cpe product).
const INSTALLED: &[(&str, f64)] = &[
    ("chrome", 10.0),
    ("office", 8.0),
    ("edge_chromium", 8.0),
    ("acrobat_reader_dc", 6.0),
    ("jre", 5.0),
    ("7-zip", 5.0),
    ("firefox", 4.0),
    ("openssh", 4.0),
    ("openssl", 4.0),
    ("outlook", 3.0),
    ("vlc_media_player", 3.0),
    ("zoom", 3.0),
    ("python", 2.0),
    ("git", 2.0),
    ("http_server", 2.0),
    ("nginx", 2.0),
    ("log4j", 1.5),
    ("node.js", 1.5),
    ("mysql", 1.0),
    ("postgresql", 1.0),
    ("php", 1.0),
    ("wireshark", 0.5),
    ("linux_kernel", 1.0),
    ("confluence_server", 0.2),
    ("exchange_server", 0.2),
];

/// Appliances, each the main product of an appliance asset.
const APPLIANCES: &[&str] = &[
    "big-ip",
    "fortios",
    "pan-os",
    "netscaler_application_delivery_controller",
    "esxi",
    "ios_xe",
];

/// F5 BIG-IP modules: (inventory code, CPE product).
const F5_MODULES: &[(&str, &str)] = &[
    ("LTM", "big-ip_local_traffic_manager"),
    ("APM", "big-ip_access_policy_manager"),
    ("ASM", "big-ip_application_security_manager"),
    ("AFM", "big-ip_advanced_firewall_manager"),
    ("AVR", "big-ip_application_visibility_and_reporting"),
    ("Analytics", "big-ip_analytics"),
    ("AAM", "big-ip_application_acceleration_manager"),
    ("GTM", "big-ip_global_traffic_manager"),
    ("DNS", "big-ip_domain_name_system"),
    ("LC", "big-ip_link_controller"),
    ("PEM", "big-ip_policy_enforcement_manager"),
    ("FPS", "big-ip_fraud_protection_service"),
    ("AWAF", "big-ip_advanced_web_application_firewall"),
    ("DDHD", "big-ip_ddos_hybrid_defender"),
    ("SSLO", "big-ip_ssl_orchestrator"),
];

const SYLLABLES: &[&str] = &[
    "ka", "lo", "mi", "ver", "tan", "zu", "rex", "no", "pli", "sa", "dor", "ve", "qui", "ben",
    "to", "mar", "xi", "lu", "gra", "fen", "ho", "pi", "sto", "ne", "cal", "ri", "vo", "den", "wa",
    "tri", "ja", "mon", "ze", "bru", "fa", "lin", "go", "ser", "ta", "ku",
];

const SUFFIXES: &[&str] = &[
    "",
    "",
    "",
    " Server",
    " Gateway",
    " Manager",
    " CMS",
    " Firewall",
    " Router Firmware",
    " Client",
    " Agent",
    " Portal",
    " for WordPress",
    " Plugin",
    " Library",
    " Console",
    " Suite",
    " Camera Firmware",
    " NAS",
    " ERP",
];

/// A pronounceable word that is unique for each `n`.
fn word(n: usize, min_syllables: usize) -> String {
    let mut s = String::new();
    let mut k = n;
    let mut count = 0;
    loop {
        s.push_str(SYLLABLES[k % SYLLABLES.len()]);
        k /= SYLLABLES.len();
        count += 1;
        if k == 0 && count >= min_syllables {
            break;
        }
    }
    s
}

fn title(s: &str) -> String {
    s.split(' ')
        .map(|w| {
            let mut c = w.chars();
            match c.next() {
                Some(f) => f.to_uppercase().chain(c).collect(),
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn cpe_name(s: &str) -> String {
    s.trim().to_lowercase().replace(' ', "_")
}

/// A release history in the product's numbering.
/// `n` releases (about one per two records about the product, so that a
/// host one release behind has a few findings, not hundreds).
fn releases(style: Style, major0: u32, seed: u64, n: usize) -> (Vec<String>, Vec<usize>) {
    let mut r = Rng(seed);
    let n = n.max(4);
    let mut out = Vec::with_capacity(n);
    let mut branch_of = Vec::with_capacity(n);
    let (mut a, mut b, mut c, mut d) = (major0, 0u32, 0u32, 0u32);
    let mut branch_start = 0;
    // Citrix builds, Exchange/Windows builds.
    let mut build = 100 + r.below(5000) as u32;
    for i in 0..n {
        let s = match style {
            Style::Sem => format!("{a}.{b}.{c}"),
            Style::Four => {
                if a >= 50 {
                    // Chrome-like: major.0.build.patch
                    format!("{a}.0.{build}.{d}")
                } else {
                    format!("{a}.{b}.{c}.{d}")
                }
            }
            Style::Build => format!("{a}.{b}.{build}.{d}"),
            Style::P => format!("{a}.{b}p{}", c + 1),
            Style::Hotfix => {
                if d == 0 {
                    format!("{a}.{b}.{c}")
                } else {
                    format!("{a}.{b}.{c}-h{d}")
                }
            }
            Style::Citrix => format!("{a}.{b}-{build}.{}", 10 + d),
            Style::Year => format!("{}.{:02}", a, if b % 2 == 0 { 4 } else { 10 }),
        };
        out.push(s);
        branch_of.push(branch_start);
        // The next release.
        let x = r.unit();
        let new_branch;
        match style {
            Style::Build => {
                build += 1 + r.below(300) as u32;
                d = r.below(60) as u32;
                new_branch = false;
            }
            Style::Four if a >= 50 => {
                // A new major every few releases, security fixes between.
                new_branch = x < (40.0 / n as f64).min(0.15);
                if new_branch {
                    a += 1;
                    build += 50 + r.below(100) as u32;
                    d = r.below(50) as u32;
                } else {
                    d += 1 + r.below(30) as u32;
                }
            }
            Style::Four => {
                if x < 0.5 {
                    d += 1;
                    new_branch = false;
                } else if x < 0.8 {
                    c += 1;
                    d = 0;
                    new_branch = false;
                } else if x < 0.95 {
                    b += 1;
                    c = 0;
                    d = 0;
                    new_branch = true;
                } else {
                    a += 1;
                    b = 0;
                    c = 0;
                    d = 0;
                    new_branch = true;
                }
            }
            Style::Hotfix => {
                if x < 0.4 {
                    d += 1;
                    new_branch = false;
                } else if x < 0.8 {
                    c += 1;
                    d = 0;
                    new_branch = false;
                } else if x < 0.93 {
                    b += 1;
                    c = 0;
                    d = 0;
                    new_branch = true;
                } else {
                    a += 1;
                    b = 0;
                    c = 0;
                    d = 0;
                    new_branch = true;
                }
            }
            Style::Citrix => {
                if x < 0.8 {
                    build += 1 + r.below(10) as u32;
                    d = r.below(60) as u32;
                    new_branch = false;
                } else {
                    b += 1;
                    build = 1 + r.below(50) as u32;
                    new_branch = true;
                }
            }
            Style::Year => {
                if b % 2 == 1 {
                    a += 1;
                }
                b += 1;
                new_branch = true;
            }
            Style::Sem | Style::P => {
                if x < 0.6 {
                    c += 1;
                    new_branch = false;
                } else if x < 0.92 {
                    b += 1;
                    c = 0;
                    new_branch = true;
                } else {
                    a += 1;
                    b = 0;
                    c = 0;
                    new_branch = true;
                }
            }
        }
        if new_branch {
            branch_start = i + 1;
        }
    }
    (out, branch_of)
}

/// `n` products; `records` records will name them by `law` (rank weights).
fn catalogue(n: usize, seed: u64, records: usize, law: &[f64]) -> Vec<Product> {
    let total: f64 = law.iter().sum();
    let count = |k: usize| {
        let expected = records as f64 * law.get(k).copied().unwrap_or(0.0) / total;
        (expected / 2.0).round().clamp(12.0, 4000.0) as usize
    };
    let mut out = Vec::with_capacity(n);
    for (i, h) in HEAD.iter().enumerate() {
        let (part, cv, cp, v, p, nv, np, style, major, scheme) = *h;
        let (releases, branch_of) = releases(style, major, mix(seed, i as u64), count(i));
        out.push(Product {
            part,
            cpe_vendor: cv.into(),
            cpe_product: cp.into(),
            vendor: v.into(),
            product: p.into(),
            cna_vendor: nv.into(),
            cna_product: np.into(),
            style,
            scheme,
            releases,
            branch_of,
            t0: 2002.0 + (i % 8) as f64,
            f5: cp == "big-ip",
            head: true,
        });
    }
    // The tail: made-up vendors (each with a few products, a Zipf law too).
    let vendors = (n / 3).max(10);
    let vendor_law = Weighted::new((0..vendors).map(|k| 1.0 / (k as f64 + 4.0)));
    let mut r = Rng(mix(seed, 0x7a11));
    let styles = [
        (Style::Sem, "semver"),
        (Style::Sem, "semver"),
        (Style::Sem, "dotted"),
        (Style::Four, "dotted"),
        (Style::Hotfix, "dotted"),
        (Style::Build, "dotted"),
    ];
    for k in out.len()..n {
        let vk = vendor_law.sample(&mut r);
        let vendor = title(&word(vk + 1000, 2));
        let product = title(&format!("{}{}", word(k * 7 + 13, 2), r.pick(SUFFIXES)));
        let (style, scheme) = *r.pick(&styles);
        let major = 1 + r.below(12) as u32;
        let (releases, branch_of) = releases(style, major, mix(seed, k as u64), count(k));
        // Most CNAs write the names as the inventory does; some do not.
        let (cna_vendor, cna_product) = if r.chance(0.8) {
            (vendor.clone(), product.clone())
        } else {
            (format!("{vendor} Inc."), format!("{vendor} {product}"))
        };
        out.push(Product {
            part: if r.chance(0.9) { "a" } else { "h" },
            cpe_vendor: cpe_name(&vendor),
            cpe_product: cpe_name(&product),
            vendor,
            product,
            cna_vendor,
            cna_product,
            style,
            scheme,
            releases,
            branch_of,
            t0: 2002.0 + r.unit() * 22.0,
            f5: false,
            head: false,
        });
    }
    out
}

// ------------------------------------------------------------ templates

struct Templates {
    nvd: Vec<Value>,
    cve5: Vec<Value>,
}

fn templates() -> Templates {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data");
    let read_dir = |d: &str| -> Vec<Value> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(dir.join(d))
            .unwrap_or_else(|e| panic!("{}: {e}", dir.join(d).display()))
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        files.sort();
        files
            .iter()
            .map(|f| serde_json::from_slice(&std::fs::read(f).unwrap()).unwrap())
            .collect()
    };
    Templates {
        nvd: read_dir("nvd"),
        cve5: read_dir("cve5"),
    }
}

// ------------------------------------------------------------ records

fn cpe(part: &str, vendor: &str, product: &str, version: &str) -> String {
    let esc = |s: &str| {
        let mut o = String::new();
        for c in s.chars() {
            if c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.') {
                o.push(c);
            } else {
                o.push('\\');
                o.push(c);
            }
        }
        o
    };
    let version = if version == "*" || version == "-" {
        version.to_string()
    } else {
        esc(version)
    };
    format!(
        "cpe:2.3:{part}:{}:{}:{version}:*:*:*:*:*:*:*",
        esc(vendor),
        esc(product)
    )
}

fn uuid(r: &mut Rng) -> String {
    let a = r.next();
    let b = r.next();
    format!(
        "{:08X}-{:04X}-{:04X}-{:04X}-{:012X}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xffff,
        b >> 48,
        b & 0xffff_ffff_ffff
    )
}

/// An affected range of one product: [start, end) by release index, or an
/// inclusive end.
struct Range {
    start: usize,
    end: usize,
    inclusive: bool,
}

/// The ranges a CVE published at time `t` gives: the branch current then,
/// from its first release up to the release that fixes it (the first one
/// after `t`; none yet when `t` is after the newest), and sometimes older
/// branches still in use, whole.
fn ranges(p: &Product, t: f64, r: &mut Rng) -> Vec<Range> {
    let n = p.releases.len();
    // The fix: the first release after t (1 ≤ fix ≤ n; n: no fix yet,
    // for a few).
    let fix = p.released_at(t).clamp(1, n - 1);
    let fix = if fix == n - 1 && r.chance(0.3) {
        n
    } else {
        fix
    };
    let last = fix - 1;
    let b = p.branch_of[last];
    let mut out = vec![if fix < n && !r.chance(0.25) {
        Range {
            start: b,
            end: fix,
            inclusive: false,
        }
    } else {
        Range {
            start: b,
            end: last,
            inclusive: true,
        }
    }];
    // Older branches, affected up to their end.
    let mut next = b;
    while next > 0 && r.chance(0.35) {
        let ob = p.branch_of[next - 1];
        out.push(Range {
            start: ob,
            end: next - 1,
            inclusive: true,
        });
        next = ob;
    }
    out
}

fn range_match(
    p: &Product,
    cpe_product: &str,
    rg: &Range,
    r: &mut Rng,
) -> serde_json::Map<String, Value> {
    let mut m = serde_json::Map::new();
    m.insert("vulnerable".into(), json!(true));
    m.insert(
        "criteria".into(),
        json!(cpe(p.part, &p.cpe_vendor, cpe_product, "*")),
    );
    m.insert("versionStartIncluding".into(), json!(p.releases[rg.start]));
    if rg.inclusive {
        m.insert("versionEndIncluding".into(), json!(p.releases[rg.end]));
    } else if rg.end < p.releases.len() {
        m.insert("versionEndExcluding".into(), json!(p.releases[rg.end]));
    } else {
        // No fix yet: up to the latest release.
        m.insert(
            "versionEndIncluding".into(),
            json!(p.releases[p.releases.len() - 1]),
        );
    }
    m.insert("matchCriteriaId".into(), json!(uuid(r)));
    m
}

/// The NVD configurations of a record about `p` (and maybe `others` of the
/// same kind), as NVD writes them.
fn configurations(
    p: &Product,
    rgs: &[Range],
    others: &[(&Product, Vec<Range>)],
    platforms: &[&Product],
    r: &mut Rng,
) -> Value {
    let shape = r.unit();
    let mut matches: Vec<Value> = Vec::new();
    if p.f5 {
        // One criterion per module and branch.
        let k = 5 + r.below(F5_MODULES.len() - 4);
        for (_, m) in F5_MODULES.iter().take(k) {
            for rg in rgs {
                matches.push(Value::Object(range_match(p, m, rg, r)));
            }
        }
        return json!([{"nodes": [{"operator": "OR", "negate": false, "cpeMatch": matches}]}]);
    }
    if shape < 0.12 {
        // Exact versions, as older records list them.
        let n = p.releases.len();
        let end = rgs.first().map(|x| x.end).unwrap_or(n).min(n);
        let start = end.saturating_sub(3 + r.below(25));
        for v in &p.releases[start..end] {
            matches.push(json!({
                "vulnerable": true,
                "criteria": cpe(p.part, &p.cpe_vendor, &p.cpe_product, v),
                "matchCriteriaId": uuid(r),
            }));
        }
    } else if shape < 0.14 && !p.head {
        // Every version (firmware, mostly).
        matches.push(json!({
            "vulnerable": true,
            "criteria": cpe(p.part, &p.cpe_vendor, &p.cpe_product, "*"),
            "matchCriteriaId": uuid(r),
        }));
    } else {
        for rg in rgs {
            matches.push(Value::Object(range_match(p, &p.cpe_product, rg, r)));
        }
    }
    for (o, orgs) in others {
        for rg in orgs {
            matches.push(Value::Object(range_match(o, &o.cpe_product, rg, r)));
        }
    }
    if shape > 0.9 && !platforms.is_empty() {
        // Software running on an operating system.
        // Platforms: any version of the OS.
        let plats: Vec<Value> = platforms
            .iter()
            .map(|o| {
                json!({
                    "vulnerable": false,
                    "criteria": cpe(o.part, &o.cpe_vendor, &o.cpe_product, "*"),
                    "matchCriteriaId": uuid(r),
                })
            })
            .collect();
        return json!([{
            "operator": "AND",
            "nodes": [
                {"operator": "OR", "negate": false, "cpeMatch": matches},
                {"operator": "OR", "negate": false, "cpeMatch": plats},
            ]
        }]);
    }
    json!([{"nodes": [{"operator": "OR", "negate": false, "cpeMatch": matches}]}])
}

fn nvd_record(
    t: &Value,
    id: &str,
    year: u16,
    p: &Product,
    cfg: Value,
    desc: &str,
    r: &mut Rng,
) -> Value {
    let mut v = t.clone();
    let o = v.as_object_mut().expect("an NVD cve object");
    let day = 1 + r.below(28);
    let month = 1 + r.below(12);
    o.insert("id".into(), json!(id));
    o.insert(
        "published".into(),
        json!(format!(
            "{year}-{month:02}-{day:02}T10:15:{:02}.{:03}",
            r.below(60),
            r.below(1000)
        )),
    );
    o.insert(
        "lastModified".into(),
        json!(format!(
            "{}-{month:02}-{day:02}T12:00:00.000",
            (year + 1).min(2025)
        )),
    );
    let rejected = r.chance(0.02);
    o.insert(
        "vulnStatus".into(),
        json!(if rejected { "Rejected" } else { "Analyzed" }),
    );
    o.insert(
        "descriptions".into(),
        json!([{"lang": "en", "value": desc}]),
    );
    if rejected || r.chance(0.04) {
        // Rejected, or awaiting analysis: no configuration.
        o.remove("configurations");
    } else {
        o.insert("configurations".into(), cfg);
    }
    if let Some(refs) = o.get_mut("references").and_then(Value::as_array_mut) {
        let keep = (1 + r.geometric(4.0)).min(refs.len().max(1));
        refs.truncate(keep);
        for x in refs.iter_mut() {
            if let Some(u) = x.get_mut("url") {
                let s = u.as_str().unwrap_or_default().to_string();
                *u = json!(format!("{s}#{}-{}", p.cpe_product, id));
            }
        }
    }
    if !r.chance(0.005) {
        for k in [
            "cisaExploitAdd",
            "cisaActionDue",
            "cisaRequiredAction",
            "cisaVulnerabilityName",
        ] {
            o.remove(k);
        }
    }
    v
}

fn cve5_record(
    t: &Value,
    id: &str,
    year: u16,
    p: &Product,
    rgs: &[Range],
    desc: &str,
    r: &mut Rng,
) -> Value {
    let mut v = t.clone();
    let date = format!(
        "{year}-{:02}-{:02}T08:00:00.000Z",
        1 + r.below(12),
        1 + r.below(28)
    );
    if let Some(m) = v.get_mut("cveMetadata").and_then(Value::as_object_mut) {
        m.insert("cveId".into(), json!(id));
        m.insert("state".into(), json!("PUBLISHED"));
        m.insert("datePublished".into(), json!(date));
        m.insert("dateUpdated".into(), json!(date));
        m.insert("dateReserved".into(), json!(date));
    }
    let Some(containers) = v.get_mut("containers").and_then(Value::as_object_mut) else {
        return v;
    };
    // The ADP containers belong to the real record.
    containers.remove("adp");
    let Some(cna) = containers.get_mut("cna").and_then(Value::as_object_mut) else {
        return v;
    };
    cna.insert(
        "descriptions".into(),
        json!([{"lang": "en", "value": desc}]),
    );
    cna.remove("title");
    cna.remove("x_generator");
    if let Some(refs) = cna.get_mut("references").and_then(Value::as_array_mut) {
        refs.truncate((1 + r.geometric(3.0)).min(refs.len().max(1)));
    }
    let rel = &p.releases;
    let shape = r.unit();
    let mut versions: Vec<Value> = Vec::new();
    let mut default_status = "unaffected";
    if shape < 0.5 {
        for rg in rgs {
            if rg.inclusive {
                versions.push(json!({"version": rel[rg.start], "lessThanOrEqual": rel[rg.end], "status": "affected", "versionType": "semver"}));
            } else if rg.end < rel.len() {
                versions.push(json!({"version": rel[rg.start], "lessThan": rel[rg.end], "status": "affected", "versionType": "semver"}));
            } else {
                versions.push(json!({"version": rel[rg.start], "lessThan": "*", "status": "affected", "versionType": "custom"}));
            }
        }
    } else if shape < 0.7 {
        // Branches written with x, as F5 and others do.
        for rg in rgs {
            let b = &rel[rg.start];
            let branch = match b.rsplit_once('.') {
                Some((head, _)) => format!("{head}.x"),
                None => b.clone(),
            };
            let end = &rel[rg.end.min(rel.len() - 1)];
            versions.push(json!({"version": branch, "lessThan": end, "status": "affected", "versionType": "custom"}));
        }
    } else if shape < 0.8 {
        // Unbounded ranges, one per branch (F5's way), with a fixed version.
        default_status = "unknown";
        for rg in rgs {
            let mut e = json!({"version": rel[rg.start], "lessThan": "*", "status": "affected", "versionType": "semver"});
            // The fixed release, after an inclusive end or at an exclusive one.
            let fixed = if rg.inclusive { rg.end + 1 } else { rg.end };
            if let Some(f) = rel.get(fixed) {
                e["changes"] = json!([{"at": f, "status": "unaffected"}]);
            }
            versions.push(e);
        }
    } else if shape < 0.95 {
        // An exact list (the last releases before the fix, as CNAs list them).
        for rg in rgs {
            let end = rg.end.min(rel.len() - 1);
            for v in &rel[rg.start.max(end.saturating_sub(24))..=end] {
                versions.push(json!({"version": v, "status": "affected"}));
            }
        }
    } else {
        // Free text, as some CNAs write it.
        let text = if r.chance(0.5) {
            "unspecified".to_string()
        } else {
            let rg = &rgs[0];
            format!(
                "{} {} to {}",
                p.cna_product,
                rel[rg.start],
                rel[rg.end.min(rel.len() - 1)]
            )
        };
        default_status = "unknown";
        versions.push(json!({"version": text, "status": "affected"}));
    }
    let mut affected = json!({
        "vendor": p.cna_vendor,
        "product": p.cna_product,
        "defaultStatus": default_status,
        "versions": versions,
    });
    if p.f5 && r.chance(0.5) {
        let m = F5_MODULES[r.below(F5_MODULES.len())].0;
        affected["modules"] = json!([m]);
    }
    cna.insert("affected".into(), json!([affected]));
    v
}

// ------------------------------------------------------------ output

enum Out {
    Plain(BufWriter<File>),
    Gz(Box<flate2::write::GzEncoder<BufWriter<File>>>),
}

impl Write for Out {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        match self {
            Out::Plain(w) => w.write(b),
            Out::Gz(w) => w.write(b),
        }
    }
    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Out::Plain(w) => w.flush(),
            Out::Gz(w) => w.flush(),
        }
    }
}

impl Out {
    fn create(path: &Path, gzip: bool) -> Out {
        let f = BufWriter::with_capacity(
            1 << 20,
            File::create(path).unwrap_or_else(|e| panic!("{}: {e}", path.display())),
        );
        if gzip {
            Out::Gz(Box::new(flate2::write::GzEncoder::new(
                f,
                flate2::Compression::fast(),
            )))
        } else {
            Out::Plain(f)
        }
    }
    fn finish(self) {
        match self {
            Out::Plain(mut w) => w.flush().unwrap(),
            Out::Gz(w) => {
                w.finish().unwrap().flush().unwrap();
            }
        }
    }
}

/// Approximate numbers of CVEs per year (NVD), scaled to the wanted total.
const YEARS: &[(u16, f64)] = &[
    (2002, 6.7),
    (2003, 1.5),
    (2004, 2.7),
    (2005, 4.7),
    (2006, 7.0),
    (2007, 6.5),
    (2008, 7.1),
    (2009, 5.0),
    (2010, 5.2),
    (2011, 4.6),
    (2012, 5.8),
    (2013, 6.6),
    (2014, 8.9),
    (2015, 8.5),
    (2016, 10.5),
    (2017, 18.1),
    (2018, 18.2),
    (2019, 18.9),
    (2020, 20.2),
    (2021, 22.0),
    (2022, 26.0),
    (2023, 30.0),
    (2024, 40.0),
    (2025, 30.0),
];

struct Args {
    out: PathBuf,
    records: usize,
    cve5_share: f64,
    items: usize,
    assets: usize,
    seed: u64,
    gzip: bool,
    inventory: bool,
}

fn args() -> Args {
    let mut a = Args {
        out: PathBuf::new(),
        records: 300_000,
        cve5_share: 0.5,
        items: 1_000_000,
        assets: 100_000,
        seed: 42,
        gzip: false,
        inventory: true,
    };
    let mut it = std::env::args().skip(1);
    while let Some(k) = it.next() {
        let mut val = || it.next().unwrap_or_else(|| panic!("{k} needs a value"));
        match k.as_str() {
            "--out" => a.out = PathBuf::from(val()),
            "--records" => a.records = val().parse().expect("--records N"),
            "--cve5-share" => a.cve5_share = val().parse().expect("--cve5-share 0..1"),
            "--items" => a.items = val().parse().expect("--items M"),
            "--assets" => a.assets = val().parse().expect("--assets A"),
            "--seed" => a.seed = val().parse().expect("--seed S"),
            "--gzip" => a.gzip = true,
            "--no-inventory" => a.inventory = false,
            other => panic!("unknown argument {other} (see the file's header)"),
        }
    }
    assert!(!a.out.as_os_str().is_empty(), "--out DIR is required");
    a
}

fn main() {
    let a = args();
    std::fs::create_dir_all(&a.out).unwrap();
    let t0 = std::time::Instant::now();
    let tpl = templates();
    // Records per product: Zipf (s = 1, offset 8) over the catalogue ranks.
    let products = (a.records / 3).max(HEAD.len() + 10);
    let weights: Vec<f64> = (0..products).map(|k| 1.0 / (k as f64 + 8.0)).collect();
    let cat = catalogue(products, a.seed, a.records, &weights);
    let law = Weighted::new(weights.iter().copied());
    let by_cpe = |name: &str| cat.iter().position(|p| p.cpe_product == name).unwrap();
    let platforms: Vec<&Product> = [
        "windows_10",
        "windows_server_2019",
        "ubuntu_linux",
        "enterprise_linux",
    ]
    .iter()
    .map(|n| &cat[by_cpe(n)])
    .collect();
    let mut rng = Rng(a.seed);
    let total_w: f64 = YEARS.iter().map(|(_, w)| w).sum();
    let mut written = 0usize;
    let mut cve5_written = 0usize;
    let mut bytes = 0u64;
    let mut per_product = vec![0u32; cat.len()];
    let ext = if a.gzip { "json.gz" } else { "json" };
    for (yi, (year, w)) in YEARS.iter().enumerate() {
        let n = if yi + 1 == YEARS.len() {
            a.records - written
        } else {
            ((a.records as f64) * w / total_w).round() as usize
        }
        .min(a.records - written);
        let nvd_path = a.out.join(format!("nvd-{year}.{ext}"));
        let cve5_path = a.out.join(format!("cve5-{year}.{ext}"));
        let mut nvd = Out::create(&nvd_path, a.gzip);
        let mut cve5 = Out::create(&cve5_path, a.gzip);
        write!(
            nvd,
            "{{\"resultsPerPage\":{n},\"startIndex\":0,\"totalResults\":{n},\"format\":\"NVD_CVE\",\"version\":\"2.0\",\"timestamp\":\"2025-08-25T00:00:00.000\",\"vulnerabilities\":["
        )
        .unwrap();
        cve5.write_all(b"[").unwrap();
        let mut number = 1000u64;
        let mut first5 = true;
        for i in 0..n {
            number += 1 + rng.below(4) as u64;
            let id = format!("CVE-{year}-{number:04}");
            // Published at t; about a product that existed then.
            let t = *year as f64 + rng.unit();
            let mut pi = law.sample(&mut rng);
            for _ in 0..8 {
                if cat[pi].t0 < t {
                    break;
                }
                pi = law.sample(&mut rng);
            }
            per_product[pi] += 1;
            let p = &cat[pi];
            let rgs = ranges(p, t, &mut rng);
            // Sometimes several products of the same kind (FortiOS and FortiProxy).
            let others: Vec<(&Product, Vec<Range>)> = if rng.chance(0.1) {
                (0..1 + rng.below(3))
                    .map(|_| {
                        let o = &cat[law.sample(&mut rng)];
                        (o, ranges(o, t, &mut rng))
                    })
                    .collect()
            } else {
                Vec::new()
            };
            let cfg = configurations(p, &rgs, &others, &platforms, &mut rng);
            let nt = rng.pick(&tpl.nvd);
            let tdesc = nt["descriptions"][0]["value"].as_str().unwrap_or_default();
            let rg = &rgs[0];
            let desc = format!(
                "A vulnerability in {} {} {} through {} allows a remote attacker to compromise the system. {}",
                p.cna_vendor,
                p.cna_product,
                p.releases[rg.start],
                p.releases[rg.end.min(p.releases.len() - 1)],
                tdesc.chars().take(300).collect::<String>()
            );
            let rec = nvd_record(nt, &id, *year, p, cfg, &desc, &mut rng);
            if i > 0 {
                nvd.write_all(b",").unwrap();
            }
            nvd.write_all(b"{\"cve\":").unwrap();
            serde_json::to_writer(&mut nvd, &rec).unwrap();
            nvd.write_all(b"}").unwrap();
            written += 1;
            if rng.chance(a.cve5_share) {
                let ct = rng.pick(&tpl.cve5);
                let rec = cve5_record(ct, &id, *year, p, &rgs, &desc, &mut rng);
                if !first5 {
                    cve5.write_all(b",").unwrap();
                }
                first5 = false;
                serde_json::to_writer(&mut cve5, &rec).unwrap();
                cve5_written += 1;
            }
        }
        nvd.write_all(b"]}").unwrap();
        cve5.write_all(b"]").unwrap();
        nvd.finish();
        cve5.finish();
        bytes += std::fs::metadata(&nvd_path).map(|m| m.len()).unwrap_or(0)
            + std::fs::metadata(&cve5_path).map(|m| m.len()).unwrap_or(0);
    }
    let mut top: Vec<(u32, &str)> = per_product
        .iter()
        .zip(&cat)
        .map(|(n, p)| (*n, p.cpe_product.as_str()))
        .collect();
    top.sort_by_key(|b| std::cmp::Reverse(b.0));
    let distinct = per_product.iter().filter(|n| **n > 0).count();
    let once = per_product.iter().filter(|n| **n == 1).count();
    eprintln!(
        "feed: {written} NVD records and {cve5_written} CVE 5 records in {} files, {:.0} MB, {:.1} s; \
         {distinct} products named ({once} by one record); most named: {}",
        YEARS.len() * 2,
        bytes as f64 / 1e6,
        t0.elapsed().as_secs_f64(),
        top.iter()
            .take(12)
            .map(|(n, p)| format!("{p} {n}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    if a.inventory {
        inventory(&a, &cat, &law);
    }
}

// ------------------------------------------------------------ inventory

fn inventory(a: &Args, cat: &[Product], law: &Weighted) {
    let t0 = std::time::Instant::now();
    let mut rng = Rng(mix(a.seed, 0x1e7));
    let by_cpe = |name: &str| cat.iter().position(|p| p.cpe_product == name).unwrap();
    let installed: Vec<usize> = INSTALLED.iter().map(|(n, _)| by_cpe(n)).collect();
    let installed_law = Weighted::new(INSTALLED.iter().map(|(_, w)| *w));
    let appliances: Vec<usize> = APPLIANCES.iter().map(|n| by_cpe(n)).collect();
    let os_products: Vec<usize> = [
        "windows_10",
        "windows_server_2019",
        "ubuntu_linux",
        "enterprise_linux",
    ]
    .iter()
    .map(|n| by_cpe(n))
    .collect();
    let per_asset = (a.items / a.assets.max(1)).max(1);
    let path = a.out.join("inventory.jsonl");
    let mut out = BufWriter::with_capacity(1 << 20, File::create(&path).unwrap());
    // Most hosts are patched: the newest release, or one behind; a few lag.
    let recent = |p: &Product, rng: &mut Rng| -> String {
        let n = p.releases.len();
        let x = rng.unit();
        let back = if x < 0.7 {
            0
        } else if x < 0.9 {
            1
        } else if x < 0.98 {
            1 + rng.geometric(3.0)
        } else {
            // A legacy install, years behind.
            rng.geometric((n as f64 / 4.0).min(20.0))
        };
        p.releases[n - 1 - back.min(n - 1)].clone()
    };
    let mut items = 0usize;
    let mut assets = 0usize;
    let mut free_text = 0usize;
    while items < a.items {
        let id = assets as i64 + 1;
        assets += 1;
        let mut software: Vec<String> = Vec::new();
        let mut modules: Vec<String> = Vec::new();
        let mut os: Option<Value> = None;
        let appliance = rng.chance(0.02);
        let want = if appliance { 2 } else { per_asset }.min(a.items - items);
        let mut seen: Vec<usize> = Vec::new();
        if appliance {
            let p = &cat[*rng.pick(&appliances)];
            software.push(format!(
                "{}|{}|{}|{}",
                p.vendor,
                p.product,
                recent(p, &mut rng),
                p.scheme
            ));
            if p.f5 {
                modules.push("LTM".into());
                for _ in 0..rng.below(3) {
                    let m = F5_MODULES[1 + rng.below(F5_MODULES.len() - 1)]
                        .0
                        .to_string();
                    if !modules.contains(&m) {
                        modules.push(m);
                    }
                }
            }
        } else {
            let o = &cat[os_products[rng.below(os_products.len())]];
            let ver = recent(o, &mut rng);
            let (name_ver, build) = match o.style {
                Style::Build => {
                    let mm: Vec<&str> = ver.split('.').collect();
                    (format!("{}.{}.{}", mm[0], mm[1], mm[2]), Some(ver.clone()))
                }
                _ => (ver.clone(), None),
            };
            os = Some(json!({
                "vendor": o.vendor,
                "name": o.product,
                "version": name_ver,
                "build": build,
                "cpe": null,
            }));
        }
        let linux = os
            .as_ref()
            .and_then(|o| o["name"].as_str())
            .is_some_and(|n| n.contains("Linux"));
        while software.len() < want {
            let x = rng.unit();
            if x < 0.2 {
                // In-house software no record names.
                let k = rng.below(50_000);
                software.push(format!(
                    "Internal {}|{} App {}|{}.{}.{}|dotted",
                    k % 700,
                    title(&word(k, 2)),
                    k,
                    1 + k % 5,
                    k % 13,
                    rng.below(10)
                ));
                continue;
            }
            let pi = if x < 0.65 {
                installed[installed_law.sample(&mut rng)]
            } else {
                // The catalogue's tail, popular products first.
                let mut k = law.sample(&mut rng);
                if k < HEAD.len() {
                    k = HEAD.len() + rng.below(cat.len() - HEAD.len());
                }
                k
            };
            if seen.contains(&pi) {
                continue;
            }
            seen.push(pi);
            let p = &cat[pi];
            if rng.chance(0.001) {
                // A version nobody can order.
                free_text += 1;
                let v = *rng.pick(&["latest", "R2 SP1 build abc", "current", "see vendor portal"]);
                software.push(format!("{}|{}|{v}|other", p.vendor, p.product));
                continue;
            }
            let v = recent(p, &mut rng);
            if linux && p.cpe_product == "openssh" {
                software.push(format!("{}|{}|1:{v}-2ubuntu1|deb", p.vendor, p.product));
            } else {
                software.push(format!("{}|{}|{v}|{}", p.vendor, p.product, p.scheme));
            }
        }
        items += software.len();
        // Software as the registry stores it: vendor, product, version, scheme.
        let sw: Vec<Value> = software
            .iter()
            .map(|s| {
                let f: Vec<&str> = s.split('|').collect();
                json!({"vendor": f[0], "product": f[1], "version": f[2], "scheme": f[3], "cpe": null})
            })
            .collect();
        let rec = json!({
            "asset_id": id,
            "os": os,
            "software": sw,
            "modules": modules,
            "hotfixes": [],
            "kbs": [],
            "platforms": [],
            "internet_facing": appliance || rng.chance(0.1),
            "security_level": 1 + rng.below(5),
        });
        serde_json::to_writer(&mut out, &rec).unwrap();
        out.write_all(b"\n").unwrap();
    }
    out.flush().unwrap();
    eprintln!(
        "inventory: {items} installed products on {assets} assets ({free_text} with a free-text version), {:.0} MB, {:.1} s",
        std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0) as f64 / 1e6,
        t0.elapsed().as_secs_f64()
    );
}
