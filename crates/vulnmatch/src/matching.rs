//! Matching an inventory against vulnerabilities, with evidence.
//!
//! For each inventory fact (an installed product, or the OS) the sources are
//! asked in order, and the first that has something to say decides:
//!
//! 1. the CNA's `affected` entries (CVE JSON 5),
//! 2. CSAF advisories (vendor data too),
//! 3. ADP `affected` entries (CISA's Vulnrichment),
//! 4. NVD's CPE configurations, strictly.
//!
//! A vendor entry *names* a fact when its vendor and product (or package
//! name) equal the fact's, case-insensitively and with white space collapsed,
//! or when one of its CPEs matches one of the fact's CPEs. It has *something
//! to say* when a version entry covers the fact's version or its
//! `defaultStatus` is `affected` or `unaffected`; with `unknown` it is silent
//! and the next source is asked. An `unaffected` answer ends the search (no
//! NVD fallback after the vendor says "not affected").
//!
//! Decisions where the CVE JSON 5 schema leaves room (each written into the
//! evidence so an agency can dispute it):
//! - `lessThan: "*"` is unbounded; but when one entry lists several unbounded
//!   ranges (F5 writes `17.1.0 ≤ v`, `16.1.0 ≤ v`, … one per branch), each
//!   ends where the next higher one starts.
//! - `lessThan: "17.0.x*"` / `"2.*"` ends after the whole branch; an upper
//!   bound that is not a version (`publication`, `log4j-core*`) is unbounded.
//! - `version: "16.1.x"` starts at the branch `16.1`; `0`, `*`, `all`,
//!   `unspecified` start nowhere.
//! - `versionType: "patch"` (Citrix): `version` is a branch (`13.1`) and
//!   `lessThan` a build in it (`49.15`), compared with the part of the
//!   installed version after `13.1-`.
//! - A version written as `15.0.0-15.1.0.3, 14.1.0-14.1.2.5` (old MITRE
//!   records) is read as a list of inclusive ranges when both ends start with
//!   the same number.
//! - `changes[].at` that is a version flips the status from that version on;
//!   one that is a name (`Hotfix-BIGIP-17.1.0.3.0.75.4-ENG.iso`, `KB5000871`)
//!   flips it only for an asset with that fix installed (compared without case
//!   and without `.iso`). Such a match is still reported, with
//!   `hotfix_excluded` set, so the reason it is not affected is visible.
//! - A distribution package (`deb`, `rpm`) is compared by its upstream
//!   version (`1:9.2p1-2+deb12u2` → `9.2p1`) against ranges that are not of
//!   its own packaging type; backported fixes are therefore not seen, and the
//!   evidence says so.
//! - An entry with a package name and a distinct product
//!   (`Red Hat Enterprise Linux 9` / `openssh`) names the package on that
//!   platform only: the asset's OS must be that product (or match its CPEs).
//! - An entry without a vendor (`n/a`, missing) names a fact by product or
//!   package name alone; the rule text says so.
//! - Appliance modules: `modules: ["APM"]` or a product written
//!   `BIG-IP (APM)` need the asset to list that module (`All Modules` needs
//!   none). An asset that lists no module at all still matches, noted.
//!
//! NVD configurations are matched by CPE name matching (NISTIR 7696) against
//! the fact's CPEs: its own CPE when the inventory has one, otherwise one
//! made from its vendor and product (lower case, spaces as underscores,
//! nothing else, and any part), plus for F5 BIG-IP one per listed module
//! (`APM` → `big-ip_access_policy_manager`). AND configurations need every
//! node satisfied by some fact (or a platform CPE of the asset).

use crate::cpe::{self, Cpe, Text, Value};
use crate::feeds::text::normalise_fix;
use crate::model::{
    AffectedRule, CpeMatch, CveId, NvdConfig, Operator, Source, Status, VersionRange, Vuln,
};
use crate::version::{self, Scheme};
use domain::asset::Cpe23;
use domain::{AssetInput, KbId, Software};
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;
use std::collections::HashMap;
use std::fmt;

/// An asset's operating system.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Os {
    pub vendor: Option<String>,
    pub name: String,
    pub version: String,
    /// For Windows the build with its revision (`10.0.20348.2227`); it is the
    /// version that is matched when present.
    pub build: Option<String>,
    pub cpe: Option<Cpe23>,
}

/// What the matcher needs to know about one asset.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InventoryItem {
    pub asset_id: i64,
    pub os: Option<Os>,
    pub software: Vec<Software>,
    /// Appliance modules (`LTM`, `APM`, …).
    pub modules: Vec<String>,
    /// Vendor hotfixes installed (`Hotfix-BIGIP-17.1.0.3.0.75.4-ENG`).
    pub hotfixes: Vec<String>,
    pub kbs: Vec<KbId>,
    /// Hardware or platform CPEs (for NVD's "running on" configurations).
    pub platforms: Vec<Cpe23>,
    pub internet_facing: bool,
    /// The information system's security level, 1–5.
    pub security_level: u8,
}

impl InventoryItem {
    pub fn new(asset_id: i64) -> InventoryItem {
        InventoryItem {
            asset_id,
            os: None,
            software: Vec::new(),
            modules: Vec::new(),
            hotfixes: Vec::new(),
            kbs: Vec::new(),
            platforms: Vec::new(),
            internet_facing: false,
            security_level: 1,
        }
    }

    /// From a registry asset. The OS vendor is not recorded in the registry;
    /// name it in `software` (with a CPE) when NVD matching of the OS matters.
    pub fn from_asset(
        asset_id: i64,
        a: &AssetInput,
        internet_facing: bool,
        security_level: u8,
    ) -> InventoryItem {
        let os = a.os_name.as_ref().map(|name| Os {
            vendor: None,
            name: name.clone(),
            version: a.os_version.clone().unwrap_or_default(),
            build: a.os_build.clone(),
            cpe: None,
        });
        InventoryItem {
            asset_id,
            os,
            software: a.software.clone(),
            modules: a.modules.clone(),
            hotfixes: a.hotfixes.clone(),
            kbs: a.kbs.clone(),
            platforms: Vec::new(),
            internet_facing,
            security_level,
        }
    }
}

/// Which kind of statement decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum EvidenceSource {
    #[serde(rename = "cve5-cna")]
    Cve5Cna,
    #[serde(rename = "cve5-adp")]
    Cve5Adp,
    #[serde(rename = "csaf")]
    Csaf,
    #[serde(rename = "nvd-cpe")]
    NvdCpe,
}

impl EvidenceSource {
    pub fn as_str(self) -> &'static str {
        match self {
            EvidenceSource::Cve5Cna => "cve5-cna",
            EvidenceSource::Cve5Adp => "cve5-adp",
            EvidenceSource::Csaf => "csaf",
            EvidenceSource::NvdCpe => "nvd-cpe",
        }
    }
}

impl fmt::Display for EvidenceSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a finding was made: enough to check it by hand and to dispute it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    pub source: EvidenceSource,
    /// The record and where in it: `CVE-2023-46747 containers.cna.affected[0].versions[0]`.
    pub record: String,
    /// The rule or range, in words: `F5 BIG-IP: 17.1.0 ≤ v (versionType semver) → affected`.
    pub rule: String,
    /// The inventory fact that matched: `software F5|BIG-IP|17.1.0.3|dotted`.
    pub inventory_fact: String,
    /// The installed fix that makes the asset not affected after all.
    pub hotfix_excluded: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    pub cve: CveId,
    pub asset_id: i64,
    pub evidence: Evidence,
}

impl Finding {
    /// False when an installed hotfix named in the record removes the match.
    pub fn is_affected(&self) -> bool {
        self.evidence.hotfix_excluded.is_none()
    }
}

// ------------------------------------------------------------ prepared facts

/// A CPE the matcher tries for a fact.
#[derive(Debug, Clone)]
struct Candidate {
    cpe: Cpe,
    /// False for CPEs made from names: the part (`a`/`o`) is then not compared.
    part_known: bool,
    /// The version to compare ranges with.
    version: String,
    note: Option<String>,
}

#[derive(Debug, Clone)]
struct Fact {
    /// Which inventory entry this is (the label is made only for findings).
    origin: FactOrigin,
    vendor: String,
    product: String,
    /// `norm(product)`.
    product_n: String,
    version: String,
    scheme: Scheme,
    candidates: Vec<Candidate>,
    /// A platform CPE of the asset: only satisfies non-vulnerable nodes.
    platform_only: bool,
}

#[derive(Debug, Clone, Copy)]
enum FactOrigin {
    Software(usize),
    Os,
    Platform(usize),
}

impl Fact {
    /// The fact in words: `software F5|BIG-IP|17.1.0.3|dotted`.
    fn label(&self, item: &InventoryItem) -> String {
        match self.origin {
            FactOrigin::Software(i) => item
                .software
                .get(i)
                .map(|sw| format!("software {sw}"))
                .unwrap_or_default(),
            FactOrigin::Os => match &item.os {
                Some(os) => format!(
                    "os {}{}|{}",
                    os.vendor
                        .as_deref()
                        .map(|v| format!("{v}|"))
                        .unwrap_or_default(),
                    os.name,
                    self.version
                ),
                None => String::new(),
            },
            FactOrigin::Platform(i) => item
                .platforms
                .get(i)
                .map(|p| format!("platform {p}"))
                .unwrap_or_default(),
        }
    }
}

/// An inventory item made ready for matching (names normalised, CPEs built).
#[derive(Debug, Clone)]
pub struct Prepared<'a> {
    item: &'a InventoryItem,
    facts: Vec<Fact>,
    modules: Vec<String>,
    fixes: Vec<String>,
    os_names: Vec<String>,
    os_cpes: Vec<Cpe>,
}

/// Lower case with white space collapsed: the only normalisation of names.
pub fn norm(s: &str) -> String {
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

fn is_no_vendor(v: Option<&str>) -> bool {
    v.is_none_or(|v| {
        let t = v.trim();
        t.is_empty()
            || ["n/a", "na", "unknown", "-"]
                .iter()
                .any(|x| t.eq_ignore_ascii_case(x))
    })
}

/// `a` and `b` are equal after `norm` (without allocating).
pub fn eq_norm(a: &str, b: &str) -> bool {
    let (mut wa, mut wb) = (a.split_whitespace(), b.split_whitespace());
    loop {
        match (wa.next(), wb.next()) {
            (None, None) => return true,
            (Some(x), Some(y)) => {
                let same = if x.is_ascii() && y.is_ascii() {
                    x.eq_ignore_ascii_case(y)
                } else {
                    x.chars()
                        .flat_map(char::to_lowercase)
                        .eq(y.chars().flat_map(char::to_lowercase))
                };
                if !same {
                    return false;
                }
            }
            _ => return false,
        }
    }
}

/// F5 BIG-IP module codes and names, and their CPE product names.
const F5_MODULES: &[(&str, &str, &str)] = &[
    (
        "ltm",
        "local traffic manager",
        "big-ip_local_traffic_manager",
    ),
    (
        "apm",
        "access policy manager",
        "big-ip_access_policy_manager",
    ),
    (
        "asm",
        "application security manager",
        "big-ip_application_security_manager",
    ),
    (
        "afm",
        "advanced firewall manager",
        "big-ip_advanced_firewall_manager",
    ),
    (
        "avr",
        "application visibility and reporting",
        "big-ip_application_visibility_and_reporting",
    ),
    ("analytics", "analytics", "big-ip_analytics"),
    (
        "aam",
        "application acceleration manager",
        "big-ip_application_acceleration_manager",
    ),
    (
        "gtm",
        "global traffic manager",
        "big-ip_global_traffic_manager",
    ),
    ("dns", "domain name system", "big-ip_domain_name_system"),
    ("lc", "link controller", "big-ip_link_controller"),
    (
        "pem",
        "policy enforcement manager",
        "big-ip_policy_enforcement_manager",
    ),
    (
        "fps",
        "fraud protection service",
        "big-ip_fraud_protection_service",
    ),
    (
        "awaf",
        "advanced waf",
        "big-ip_advanced_web_application_firewall",
    ),
    (
        "ddhd",
        "ddos hybrid defender",
        "big-ip_ddos_hybrid_defender",
    ),
    ("sslo", "ssl orchestrator", "big-ip_ssl_orchestrator"),
    ("cgnat", "carrier-grade nat", "big-ip_carrier-grade_nat"),
    ("websafe", "websafe", "big-ip_websafe"),
    (
        "wom",
        "wan optimization manager",
        "big-ip_wan_optimization_manager",
    ),
    ("edge", "edge gateway", "big-ip_edge_gateway"),
];

/// A module name as a canonical code (`Access Policy Manager` → `apm`).
fn module_code(m: &str) -> String {
    let n = norm(m);
    let n = n.strip_prefix("big-ip ").unwrap_or(&n).to_string();
    F5_MODULES
        .iter()
        .find(|(code, name, _)| *code == n || *name == n)
        .map(|(code, _, _)| code.to_string())
        .unwrap_or(n)
}

fn is_all_modules(m: &str) -> bool {
    matches!(norm(m).as_str(), "all modules" | "all" | "*")
}

/// `BIG-IP (APM)` → (`BIG-IP`, [`APM`]); `BIG-IP (all modules)` → all.
fn split_modules(product: &str) -> (&str, Vec<&str>) {
    let t = product.trim();
    if let (Some(open), true) = (t.rfind('('), t.ends_with(')')) {
        let base = t[..open].trim();
        let inner = &t[open + 1..t.len() - 1];
        if !base.is_empty() {
            let mods = inner
                .split([',', '/'])
                .map(str::trim)
                .filter(|m| !m.is_empty())
                .collect();
            return (base, mods);
        }
    }
    (t, Vec::new())
}

fn literal(s: &str) -> Value {
    Value::Text(Text::literal(s))
}

fn explicit_candidate(
    c: &Cpe23,
    fallback_version: &str,
    note: Option<String>,
) -> Option<Candidate> {
    let mut cpe = Cpe::from_domain(c).ok()?;
    let version = match cpe.version() {
        Value::Text(t) if !t.has_wildcards() => t.as_plain(),
        Value::Any if !fallback_version.trim().is_empty() => {
            cpe.set(3, literal(fallback_version));
            fallback_version.to_string()
        }
        _ => String::new(),
    };
    Some(Candidate {
        cpe,
        part_known: true,
        version,
        note,
    })
}

fn derived_candidates(
    vendor: &str,
    product: &str,
    version: &str,
    modules: &[String],
) -> Vec<Candidate> {
    let mut out = Vec::new();
    let v = cpe::value_from_name(vendor);
    let p = cpe::value_from_name(product);
    if v == Value::Any || p == Value::Any {
        return out;
    }
    let mut base = Cpe::any();
    base.set(1, v);
    base.set(2, p);
    base.set(3, literal(version));
    let is_bigip = base
        .vendor_product()
        .is_some_and(|(v, p)| v == "f5" && p == "big-ip");
    out.push(Candidate {
        cpe: base.clone(),
        part_known: false,
        version: version.to_string(),
        note: None,
    });
    if is_bigip {
        for m in modules {
            let code = module_code(m);
            if let Some((_, _, cpe_name)) = F5_MODULES.iter().find(|(c, _, _)| *c == code) {
                let mut c = base.clone();
                c.set(2, literal(cpe_name));
                out.push(Candidate {
                    cpe: c,
                    part_known: false,
                    version: version.to_string(),
                    note: Some(format!("module {m}")),
                });
            }
        }
    }
    out
}

/// Prepares an item: its facts, normalised names and CPE candidates.
pub fn prepare(item: &InventoryItem) -> Prepared<'_> {
    let mut facts = Vec::new();
    for (si, sw) in item.software.iter().enumerate() {
        let vendor = sw.vendor.as_str().to_string();
        let product = sw.product.as_str().to_string();
        let version = sw.version.as_str().to_string();
        let scheme = Scheme::from(sw.scheme);
        let up = version::upstream(scheme, &version).to_string();
        let mut candidates = Vec::new();
        match &sw.cpe {
            Some(c) => candidates.extend(explicit_candidate(c, &up, None)),
            None => candidates.extend(derived_candidates(&vendor, &product, &up, &item.modules)),
        }
        facts.push(Fact {
            origin: FactOrigin::Software(si),
            vendor,
            product_n: norm(&product),
            product,
            version,
            scheme,
            candidates,
            platform_only: false,
        });
    }
    if let Some(os) = &item.os {
        let version = os
            .build
            .clone()
            .filter(|b| !b.trim().is_empty())
            .unwrap_or(os.version.clone());
        let vendor = os.vendor.clone().unwrap_or_default();
        let mut candidates = Vec::new();
        match &os.cpe {
            Some(c) => candidates.extend(explicit_candidate(c, &version, None)),
            None => candidates.extend(derived_candidates(&vendor, &os.name, &version, &[])),
        }
        facts.push(Fact {
            origin: FactOrigin::Os,
            vendor,
            product: os.name.clone(),
            product_n: norm(&os.name),
            version,
            scheme: Scheme::Dotted,
            candidates,
            platform_only: false,
        });
    }
    for (pi, p) in item.platforms.iter().enumerate() {
        if let Some(c) = explicit_candidate(p, "", None) {
            facts.push(Fact {
                origin: FactOrigin::Platform(pi),
                vendor: String::new(),
                product: String::new(),
                product_n: String::new(),
                version: c.version.clone(),
                scheme: Scheme::Generic,
                candidates: vec![c],
                platform_only: true,
            });
        }
    }
    let os_names = item.os.iter().map(|o| norm(&o.name)).collect();
    let os_cpes = item
        .os
        .iter()
        .filter_map(|o| o.cpe.as_ref())
        .filter_map(|c| Cpe::from_domain(c).ok())
        .collect();
    Prepared {
        item,
        facts,
        modules: item.modules.iter().map(|m| module_code(m)).collect(),
        fixes: item
            .hotfixes
            .iter()
            .map(|h| normalise_fix(h))
            .chain(item.kbs.iter().map(|k| normalise_fix(&k.to_string())))
            .collect(),
        os_names,
        os_cpes,
    }
}

// ------------------------------------------------------------ vendor rules

struct RuleVerdict {
    status: Status,
    origin: String,
    text: String,
    hotfix: Option<String>,
}

/// How a rule names a fact: in words, the modules it is limited to, and how
/// specific it is (3: the package on the asset's platform; 2: vendor and
/// product, or a CPE; 1: product alone, the record naming no vendor).
fn names_fact(rule: &AffectedRule, fact: &Fact, p: &Prepared) -> Option<(String, Vec<String>, u8)> {
    if fact.platform_only {
        return None;
    }
    let (base, _) = rule
        .product
        .as_deref()
        .map(split_modules)
        .unwrap_or(("", Vec::new()));
    let package = rule.package_name.as_deref();
    let package_ok = package.is_some_and(|pk| eq_norm(pk, &fact.product));
    let product_ok = !base.is_empty() && eq_norm(base, &fact.product);
    if !package_ok && !product_ok && (rule.cpes.is_empty() || package.is_some()) {
        return None;
    }
    let mods = || {
        let (_, mut m) = rule
            .product
            .as_deref()
            .map(split_modules)
            .unwrap_or(("", Vec::new()));
        m.extend(rule.modules.iter().map(String::as_str));
        m.into_iter().map(str::to_string).collect::<Vec<String>>()
    };
    let no_vendor = is_no_vendor(rule.vendor.as_deref());
    let vendor_ok = !no_vendor
        && rule
            .vendor
            .as_deref()
            .is_some_and(|v| eq_norm(v, &fact.vendor));
    if let (true, Some(pkg)) = (package_ok, package) {
        let platform = rule.product.as_deref().filter(|x| !eq_norm(x, pkg));
        if let Some(platform) = platform {
            // "openssh" on "Red Hat Enterprise Linux 9": the OS must be it.
            let os_named = p.os_names.iter().any(|o| eq_norm(platform, o));
            let os_cpe = rule.cpes.iter().any(|rc| {
                p.os_cpes
                    .iter()
                    .any(|oc| cpe::is_match_except(rc, oc, &[3]))
            });
            if (vendor_ok || no_vendor) && (os_named || os_cpe) {
                return Some((format!("package {pkg} on {platform}"), mods(), 3));
            }
            return None;
        }
        if vendor_ok || no_vendor {
            let how = if no_vendor {
                " (the record names no vendor)"
            } else {
                ""
            };
            let spec = if no_vendor { 1 } else { 2 };
            return Some((format!("package {pkg}{how}"), mods(), spec));
        }
    }
    if product_ok && vendor_ok {
        return Some((
            format!("{} {base}", rule.vendor.as_deref().unwrap_or("")),
            mods(),
            2,
        ));
    }
    if product_ok && no_vendor {
        return Some((format!("{base} (the record names no vendor)"), mods(), 1));
    }
    if package.is_none() {
        for rc in &rule.cpes {
            for c in &fact.candidates {
                let skip: &[usize] = if c.part_known { &[] } else { &[0] };
                if cpe::is_match_except(rc, &c.cpe, skip) {
                    return Some((format!("{rc}"), mods(), 2));
                }
            }
        }
    }
    None
}

/// The ordering and the version string used for a fact against a range.
fn ordering_for(vt: Option<&str>, fact: &Fact) -> (Scheme, String, Option<String>) {
    let want = vt.and_then(Scheme::from_version_type);
    match want {
        Some(s) if s.is_distro() && s == fact.scheme => (s, fact.version.clone(), None),
        Some(s) if !s.is_distro() => {
            let v = version::upstream(fact.scheme, &fact.version).to_string();
            let note = (fact.scheme.is_distro()).then(|| {
                format!(
                    "compared upstream {v} of {} package {}",
                    fact.scheme, fact.version
                )
            });
            (s, v, note)
        }
        _ => {
            if fact.scheme.is_distro() {
                let v = version::upstream(fact.scheme, &fact.version).to_string();
                let note = format!(
                    "compared upstream {v} of {} package {}; a backported fix is not visible",
                    fact.scheme, fact.version
                );
                (fact.scheme, v, Some(note))
            } else if fact.scheme == Scheme::Generic && version::looks_like_version(&fact.version) {
                (Scheme::Dotted, fact.version.clone(), None)
            } else {
                (fact.scheme, fact.version.clone(), None)
            }
        }
    }
}

fn is_open_start(s: &str) -> bool {
    matches!(
        norm(s).as_str(),
        "" | "0" | "*" | "all" | "all versions" | "unspecified" | "n/a" | "-"
    )
}

fn is_everything(s: &str) -> bool {
    matches!(norm(s).as_str(), "*" | "all" | "all versions")
}

#[derive(Debug, Clone)]
enum Upper {
    None,
    Below(String),
    UpTo(String),
    /// Below the end of a branch (`17.0.x*`).
    Branch(String),
    /// Bounded by the next higher unbounded range of the same entry.
    NextBranch(String),
}

/// Evaluates one rule's versions for a fact.
fn eval_versions(rule: &AffectedRule, fact: &Fact, p: &Prepared) -> Option<RuleVerdict> {
    // Starts of the unbounded ranges, for the branch reading.
    let unbounded: Vec<&str> = rule
        .versions
        .iter()
        .filter(|r| {
            r.less_than.as_deref().is_some_and(|l| l.trim() == "*")
                && r.less_than_or_equal.is_none()
        })
        .map(|r| r.version.as_str())
        .filter(|v| version::looks_like_version(v))
        .collect();
    let mut found: Option<RuleVerdict> = None;
    for (k, r) in rule.versions.iter().enumerate() {
        let (scheme, v, note) = ordering_for(r.version_type.as_deref(), fact);
        let cmp = |a: &str, b: &str| version::compare_or_generic(scheme, a, b).0;
        let in_range = range_covers(r, &v, &unbounded, &cmp);
        let Some(upper_text) = in_range else { continue };
        let mut status = r.status;
        let mut hotfix = None;
        let mut change_text = String::new();
        for ch in &r.changes {
            if version::looks_like_version(&ch.at) {
                if cmp(&v, &ch.at) != Ordering::Less {
                    status = ch.status;
                    change_text = format!("; {} from {}", ch.status.as_str(), ch.at);
                }
            } else if p.fixes.contains(&normalise_fix(&ch.at)) {
                if status == Status::Affected && ch.status == Status::Unaffected {
                    hotfix = Some(ch.at.clone());
                } else {
                    status = ch.status;
                }
                change_text = format!("; {} with {} installed", ch.status.as_str(), ch.at);
            }
        }
        let fix_names: Vec<&str> = r
            .changes
            .iter()
            .filter(|c| !version::looks_like_version(&c.at) && c.status == Status::Unaffected)
            .map(|c| c.at.as_str())
            .collect();
        if hotfix.is_none() && change_text.is_empty() && !fix_names.is_empty() {
            change_text = format!(
                "; unaffected with {} (not installed)",
                fix_names.join(" or ")
            );
        }
        let vt = r
            .version_type
            .as_deref()
            .map(|t| format!("versionType {t}"))
            .unwrap_or_else(|| "no versionType".into());
        let ordering = format!("{vt}, ordered as {scheme}");
        let text = format!(
            "{}{} ({}{}) → {}{}",
            range_text(r, &upper_text),
            if r.status != status || hotfix.is_some() {
                format!(" is {}", r.status.as_str())
            } else {
                String::new()
            },
            ordering,
            note.map(|n| format!("; {n}")).unwrap_or_default(),
            if hotfix.is_some() {
                Status::Affected.as_str()
            } else {
                status.as_str()
            },
            change_text
        );
        let verdict = RuleVerdict {
            status: if hotfix.is_some() {
                Status::Affected
            } else {
                status
            },
            origin: format!("{}.versions[{k}]", rule.origin),
            text,
            hotfix,
        };
        // Affected wins over unaffected; a clean "affected" over one removed by a hotfix.
        let better = match &found {
            None => true,
            Some(f) => rank(&verdict) > rank(f),
        };
        if better {
            found = Some(verdict);
        }
    }
    if let Some(f) = found {
        if f.status != Status::Unknown {
            return Some(f);
        }
    }
    match rule.default_status {
        Status::Unknown => None,
        st => Some(RuleVerdict {
            status: st,
            origin: rule.origin.clone(),
            text: format!(
                "no version entry covers {}; defaultStatus {}",
                fact.version,
                st.as_str()
            ),
            hotfix: None,
        }),
    }
}

fn rank(v: &RuleVerdict) -> u8 {
    match (v.status, v.hotfix.is_some()) {
        (Status::Affected, false) => 3,
        (Status::Affected, true) => 2,
        (Status::Unaffected, _) => 1,
        (Status::Unknown, _) => 0,
    }
}

fn range_text(r: &VersionRange, upper: &str) -> String {
    if upper.is_empty() {
        format!("v = {}", r.version)
    } else {
        upper.to_string()
    }
}

/// Whether the range covers `v`; `Some(text of the range)` when it does.
fn range_covers(
    r: &VersionRange,
    v: &str,
    unbounded: &[&str],
    cmp: &dyn Fn(&str, &str) -> Ordering,
) -> Option<String> {
    let start = r.version.trim();
    let has_upper = r.less_than.is_some() || r.less_than_or_equal.is_some();
    if !has_upper {
        if is_everything(start) {
            return Some("every version".into());
        }
        if let Some(ranges) = text_ranges(start) {
            for (lo, hi) in ranges {
                if cmp(v, &lo) != Ordering::Less && cmp(v, &hi) != Ordering::Greater {
                    return Some(format!("{lo} ≤ v ≤ {hi} (from the text '{start}')"));
                }
            }
            return None;
        }
        return (cmp(v, start) == Ordering::Equal).then(String::new);
    }
    // versionType "patch": a branch and a build in it.
    if r.version_type
        .as_deref()
        .is_some_and(|t| t.eq_ignore_ascii_case("patch"))
    {
        let rest = v.strip_prefix(start).and_then(|x| x.strip_prefix('-'))?;
        if !rest.starts_with(|c: char| c.is_ascii_digit()) {
            return None;
        }
        let (bound, incl) = match (&r.less_than, &r.less_than_or_equal) {
            (_, Some(le)) => (le.as_str(), true),
            (Some(lt), None) => (lt.as_str(), false),
            (None, None) => return None,
        };
        let o = cmp(rest, bound);
        let ok = o == Ordering::Less || (incl && o == Ordering::Equal);
        return ok.then(|| {
            format!(
                "{start}-{rest} in branch {start}, build {} {bound}",
                if incl { "≤" } else { "<" }
            )
        });
    }
    let lower = if start.ends_with(['x', 'X', '*']) && version::looks_like_version(start) {
        version::branch_prefix(start).to_string()
    } else {
        start.to_string()
    };
    let lower_known = !is_open_start(&lower) && version::looks_like_version(&lower);
    if lower_known && cmp(v, &lower) == Ordering::Less {
        return None;
    }
    let upper = match (&r.less_than_or_equal, &r.less_than) {
        (Some(le), _) => upper_of(le, true),
        (None, Some(lt)) => {
            let u = upper_of(lt, false);
            match u {
                Upper::None if lt.trim() == "*" => {
                    // The branch reading of several unbounded ranges.
                    let next = unbounded
                        .iter()
                        .filter(|s| {
                            version::looks_like_version(s) && cmp(s, &lower) == Ordering::Greater
                        })
                        .min_by(|a, b| cmp(a, b))
                        .map(|s| s.to_string());
                    match next {
                        Some(n) => Upper::NextBranch(n),
                        None => Upper::None,
                    }
                }
                u => u,
            }
        }
        (None, None) => Upper::None,
    };
    let lo_text = if lower_known {
        format!("{lower} ≤ ")
    } else {
        String::new()
    };
    let (ok, up_text) = match &upper {
        Upper::None => {
            let raw = r.less_than.as_deref().or(r.less_than_or_equal.as_deref()).unwrap_or("*");
            let why = if raw.trim() == "*" {
                String::new()
            } else {
                format!(" (upper bound '{raw}' is not a version: read as none)")
            };
            (true, format!("{lo_text}v{why}"))
        }
        Upper::Below(u) => (cmp(v, u) == Ordering::Less, format!("{lo_text}v < {u}")),
        Upper::UpTo(u) => (cmp(v, u) != Ordering::Greater, format!("{lo_text}v ≤ {u}")),
        Upper::Branch(b) => (
            cmp(v, b) == Ordering::Less || version::in_branch(b, v),
            format!("{lo_text}v ≤ {b}.*"),
        ),
        Upper::NextBranch(n) => (
            cmp(v, n) == Ordering::Less,
            format!("{lo_text}v < {n} (lessThan '*', read as ending where the entry's next branch starts)"),
        ),
    };
    ok.then_some(up_text)
}

fn upper_of(s: &str, inclusive: bool) -> Upper {
    let t = s.trim();
    if t == "*" || t.is_empty() {
        return Upper::None;
    }
    if t.ends_with('*') {
        let prefix = version::branch_prefix(t);
        if version::looks_like_version(prefix) {
            return Upper::Branch(prefix.to_string());
        }
        return Upper::None;
    }
    if !version::looks_like_version(t) {
        return Upper::None;
    }
    if inclusive {
        Upper::UpTo(t.to_string())
    } else {
        Upper::Below(t.to_string())
    }
}

/// `15.0.0-15.1.0.3, 14.1.0-14.1.2.5` → inclusive ranges; `None` when the
/// text is not such a list (so `10.2.9-h1` and `13.1-49.15` stay versions).
fn text_ranges(s: &str) -> Option<Vec<(String, String)>> {
    let mut out = Vec::new();
    for part in s.split(',') {
        let part = part.trim();
        let (lo, hi) = part.split_once('-')?;
        let (lo, hi) = (lo.trim(), hi.trim());
        let first = |x: &str| x.split('.').next().map(str::to_string);
        if !version::looks_like_version(lo)
            || !version::looks_like_version(hi)
            || !lo.contains('.')
            || !hi.contains('.')
            || first(lo) != first(hi)
            || version::compare(Scheme::Dotted, lo, hi) == Some(Ordering::Greater)
        {
            return None;
        }
        out.push((lo.to_string(), hi.to_string()));
    }
    (!out.is_empty()).then_some(out)
}

fn modules_ok(mods: &[String], p: &Prepared) -> Result<Option<String>, ()> {
    if mods.is_empty() || mods.iter().any(|m| is_all_modules(m)) {
        return Ok(None);
    }
    if p.modules.is_empty() {
        return Ok(Some(format!(
            "the record names module {}; the asset lists no modules",
            mods.join(", ")
        )));
    }
    let wanted: Vec<String> = mods.iter().map(|m| module_code(m)).collect();
    match p
        .item
        .modules
        .iter()
        .find(|m| wanted.contains(&module_code(m)))
    {
        Some(m) => Ok(Some(format!("module {m}"))),
        None => Err(()),
    }
}

/// The best verdict of one source's rules for a fact: its status and the
/// finding it would make.
fn vendor_verdict(
    v: &Vuln,
    plan: &VulnPlan,
    source: Source,
    fact: &Fact,
    p: &Prepared,
) -> Option<(Status, Finding)> {
    let mut best: Option<(Finding, Status, (u8, u8))> = None;
    let slot = match source {
        Source::Cve5Cna => 0,
        Source::Csaf => 1,
        _ => 2,
    };
    for &i in &plan.by_source[slot] {
        let Some(rule) = v.affected.get(i as usize) else {
            continue;
        };
        if let Some((base, pkg, keys, unkeyed)) = plan.rules.get(i as usize) {
            let named = *base == fact.product_n || *pkg == fact.product_n;
            let by_cpe = pkg.is_empty()
                && (*unkeyed
                    || fact
                        .candidates
                        .iter()
                        .any(|c| c.cpe.vendor_product_key().is_none_or(|k| keys.contains(&k))));
            if !named && !by_cpe {
                continue;
            }
        }
        let Some((how, mods, spec)) = names_fact(rule, fact, p) else {
            continue;
        };
        let verdict = match modules_ok(&mods, p) {
            Ok(module_note) => {
                let Some(mut verdict) = eval_versions(rule, fact, p) else {
                    continue;
                };
                if verdict.status == Status::Affected && verdict.hotfix.is_none() {
                    // Fixes tied to one range's `changes` were weighed there.
                    let in_changes = |f: &str| {
                        rule.versions
                            .iter()
                            .any(|r| r.changes.iter().any(|c| c.at == f))
                    };
                    if let Some(fx) = rule
                        .fixes
                        .iter()
                        .find(|f| !in_changes(f) && p.fixes.contains(&normalise_fix(f)))
                    {
                        // A vendor fix named by the rule is installed.
                        verdict.text.push_str(&format!("; fix {fx} installed"));
                        verdict.hotfix = Some(fx.clone());
                    }
                }
                (verdict, module_note)
            }
            // The vendor limits the product to modules the asset does not run.
            Err(()) => (
                RuleVerdict {
                    status: Status::Unaffected,
                    origin: rule.origin.clone(),
                    text: format!("only module {} is affected", mods.join(", ")),
                    hotfix: None,
                },
                None,
            ),
        };
        let (verdict, module_note) = verdict;
        let mut fact_text = fact.label(p.item);
        if let Some(n) = &module_note {
            fact_text.push_str(&format!("; {n}"));
        }
        let key = (spec, rank(&verdict));
        let finding = Finding {
            cve: v.id,
            asset_id: p.item.asset_id,
            evidence: Evidence {
                source: match source {
                    Source::Cve5Adp => EvidenceSource::Cve5Adp,
                    Source::Csaf => EvidenceSource::Csaf,
                    _ => EvidenceSource::Cve5Cna,
                },
                record: format!("{} {}", v.id, verdict.origin),
                rule: format!("{how}: {}", verdict.text),
                inventory_fact: fact_text,
                hotfix_excluded: verdict.hotfix.clone(),
            },
        };
        if best.as_ref().is_none_or(|(_, _, bk)| key > *bk) {
            best = Some((finding, verdict.status, key));
        }
    }
    best.map(|(f, st, _)| (st, f))
}

// ------------------------------------------------------------ NVD

fn cpe_match_fact(m: &CpeMatch, fact: &Fact) -> Option<usize> {
    for (ci, c) in fact.candidates.iter().enumerate() {
        let mut skip = Vec::with_capacity(2);
        if !c.part_known {
            skip.push(0);
        }
        let crit_version = m.criteria.version();
        let ranged = m.has_range();
        if ranged || matches!(crit_version, Value::Text(t) if !t.has_wildcards()) {
            skip.push(3);
        }
        if !cpe::is_match_except(&m.criteria, &c.cpe, &skip) {
            continue;
        }
        let scheme = if fact.scheme == Scheme::Generic && version::looks_like_version(&c.version) {
            Scheme::Dotted
        } else {
            fact.scheme
        };
        let cmp = |b: &str| version::compare_or_generic(scheme, &c.version, b).0;
        if !ranged {
            if let Value::Text(t) = crit_version {
                if !t.has_wildcards() && cmp(&t.as_plain()) != Ordering::Equal {
                    continue;
                }
            }
        }
        if ranged {
            if c.version.trim().is_empty() {
                continue;
            }
            let checks = [
                (
                    &m.version_start_including,
                    [Ordering::Equal, Ordering::Greater],
                ),
                (
                    &m.version_start_excluding,
                    [Ordering::Greater, Ordering::Greater],
                ),
                (&m.version_end_including, [Ordering::Equal, Ordering::Less]),
                (&m.version_end_excluding, [Ordering::Less, Ordering::Less]),
            ];
            if !checks
                .iter()
                .all(|(b, ok)| b.as_deref().is_none_or(|b| ok.contains(&cmp(b))))
            {
                continue;
            }
        }
        return Some(ci);
    }
    None
}

fn range_words(m: &CpeMatch) -> String {
    let mut parts = Vec::new();
    if let Some(s) = &m.version_start_including {
        parts.push(format!("{s} ≤ v"));
    }
    if let Some(s) = &m.version_start_excluding {
        parts.push(format!("{s} < v"));
    }
    if let Some(s) = &m.version_end_including {
        parts.push(format!("v ≤ {s}"));
    }
    if let Some(s) = &m.version_end_excluding {
        parts.push(format!("v < {s}"));
    }
    if parts.is_empty() {
        m.criteria.to_string()
    } else {
        format!("{} with {}", m.criteria, parts.join(" and "))
    }
}

/// One cpeMatch met by one fact.
struct Hit {
    vulnerable: bool,
    fact: usize,
    match_idx: usize,
    cand: usize,
}

/// One node's criteria: (key, cpeMatch index) sorted by key, and the
/// indices of the criteria without a key.
type NodePlan = (Vec<(u64, u32)>, Vec<u32>);

/// Where a record's NVD criteria are, by the key of their vendor and
/// product, so an asset only looks at the criteria that can name its CPEs.
#[derive(Debug, Clone, Default)]
pub struct VulnPlan {
    /// Per vendor rule: the normalised product (without modules) and
    /// package name, the keys of its CPEs, and whether one CPE has no key.
    rules: Vec<(String, String, Vec<u64>, bool)>,
    /// The vendor rules of the CNA, CSAF and ADP, in that order.
    by_source: [Vec<u32>; 3],
    /// Vendor/product key → configurations with a vulnerable criterion of it.
    configs_by_key: HashMap<u64, Vec<u32>>,
    /// Configurations with a vulnerable criterion whose vendor or product is
    /// a wildcard: always evaluated.
    unkeyed_configs: Vec<u32>,
    /// Per configuration, per node: (key, cpeMatch index) sorted, and the
    /// unkeyed cpeMatch indices.
    nodes: Vec<Vec<NodePlan>>,
}

impl VulnPlan {
    pub fn new(v: &Vuln) -> VulnPlan {
        let rules = v
            .affected
            .iter()
            .map(|r| {
                let base = r
                    .product
                    .as_deref()
                    .map(|p| norm(split_modules(p).0))
                    .unwrap_or_default();
                let pkg = r.package_name.as_deref().map(norm).unwrap_or_default();
                let keys: Vec<u64> = r.cpes.iter().filter_map(Cpe::vendor_product_key).collect();
                let unkeyed = keys.len() < r.cpes.len();
                (base, pkg, keys, unkeyed)
            })
            .collect();
        let mut plan = VulnPlan {
            rules,
            ..VulnPlan::default()
        };
        for (i, r) in v.affected.iter().enumerate() {
            let slot = match r.source {
                Source::Cve5Cna => 0,
                Source::Csaf => 1,
                Source::Cve5Adp => 2,
                _ => continue,
            };
            plan.by_source[slot].push(i as u32);
        }
        for (ci, cfg) in v.configurations.iter().enumerate() {
            let mut nodes = Vec::with_capacity(cfg.nodes.len());
            let mut cfg_keys = Vec::new();
            let mut unkeyed_vulnerable = false;
            for n in &cfg.nodes {
                let mut keyed = Vec::new();
                let mut unkeyed = Vec::new();
                for (mi, m) in n.matches.iter().enumerate() {
                    match m.criteria.vendor_product_key() {
                        Some(k) => {
                            keyed.push((k, mi as u32));
                            if m.vulnerable {
                                cfg_keys.push(k);
                            }
                        }
                        None => {
                            unkeyed.push(mi as u32);
                            unkeyed_vulnerable |= m.vulnerable;
                        }
                    }
                }
                keyed.sort_unstable();
                nodes.push((keyed, unkeyed));
            }
            cfg_keys.sort_unstable();
            cfg_keys.dedup();
            for k in cfg_keys {
                plan.configs_by_key.entry(k).or_default().push(ci as u32);
            }
            if unkeyed_vulnerable {
                plan.unkeyed_configs.push(ci as u32);
            }
            plan.nodes.push(nodes);
        }
        plan
    }
}

/// All hits of one node over the facts.
fn node_hits(n: &crate::model::NvdNode, plan: Option<&NodePlan>, facts: &[Fact]) -> Vec<Hit> {
    let mut hits = Vec::new();
    let or_node = n.operator == Operator::Or;
    // The cpeMatch indices worth a full comparison for each fact.
    let try_match = |mi: usize, fi: usize, hits: &mut Vec<Hit>| {
        let (Some(m), Some(f)) = (n.matches.get(mi), facts.get(fi)) else {
            return;
        };
        if m.vulnerable && f.platform_only {
            return;
        }
        // In an OR node one vulnerable match per fact is enough.
        if hits
            .iter()
            .any(|h| h.fact == fi && (h.match_idx == mi || (or_node && h.vulnerable)))
        {
            return;
        }
        if let Some(ci) = cpe_match_fact(m, f) {
            hits.push(Hit {
                vulnerable: m.vulnerable,
                fact: fi,
                match_idx: mi,
                cand: ci,
            });
        }
    };
    match plan {
        Some((keyed, unkeyed)) => {
            for (fi, f) in facts.iter().enumerate() {
                for c in &f.candidates {
                    match c.cpe.vendor_product_key() {
                        Some(k) => {
                            let lo = keyed.partition_point(|(x, _)| *x < k);
                            for (_, mi) in keyed[lo..].iter().take_while(|(x, _)| *x == k) {
                                try_match(*mi as usize, fi, &mut hits);
                            }
                        }
                        None => {
                            for (_, mi) in keyed {
                                try_match(*mi as usize, fi, &mut hits);
                            }
                        }
                    }
                }
                for mi in unkeyed {
                    try_match(*mi as usize, fi, &mut hits);
                }
            }
        }
        None => {
            for mi in 0..n.matches.len() {
                for fi in 0..facts.len() {
                    try_match(mi, fi, &mut hits);
                }
            }
        }
    }
    hits.sort_by_key(|h| (h.match_idx, h.fact));
    hits
}

/// Evaluates one configuration for the facts in `wanted` (those no vendor
/// statement decided) and adds a finding for each fact it makes vulnerable.
fn eval_config(
    v: &Vuln,
    ci: usize,
    cfg: &NvdConfig,
    plan: &VulnPlan,
    p: &Prepared,
    wanted: &mut [bool],
    out: &mut Vec<Finding>,
) {
    if cfg.nodes.is_empty() {
        return;
    }
    let mut nodes: Vec<(bool, Vec<Hit>)> = Vec::with_capacity(cfg.nodes.len());
    for (ni, n) in cfg.nodes.iter().enumerate() {
        let np = plan.nodes.get(ci).and_then(|c| c.get(ni));
        let hits = node_hits(n, np, &p.facts);
        let matched: std::collections::BTreeSet<usize> = hits.iter().map(|h| h.match_idx).collect();
        let sat = match n.operator {
            Operator::Or => !hits.is_empty(),
            Operator::And => !n.matches.is_empty() && matched.len() == n.matches.len(),
        };
        let sat = sat != n.negate;
        // A negated node contributes no vulnerable match.
        nodes.push((sat, if n.negate { Vec::new() } else { hits }));
    }
    let satisfied = match cfg.operator {
        Operator::And => nodes.iter().all(|(s, _)| *s),
        Operator::Or => nodes.iter().any(|(s, _)| *s),
    };
    if satisfied == cfg.negate {
        return;
    }
    for (ni, (sat, hits)) in nodes.iter().enumerate() {
        if !sat {
            continue;
        }
        for h in hits.iter().filter(|h| h.vulnerable) {
            if !wanted.get(h.fact).copied().unwrap_or(false) {
                continue;
            }
            wanted[h.fact] = false;
            out.push(nvd_finding(v, ci, cfg, ni, h, &nodes, p));
        }
    }
}

fn nvd_finding(
    v: &Vuln,
    ci: usize,
    cfg: &NvdConfig,
    ni: usize,
    h: &Hit,
    nodes: &[(bool, Vec<Hit>)],
    p: &Prepared,
) -> Finding {
    let fact = &p.facts[h.fact];
    let words = |ni: usize, h: &Hit| {
        cfg.nodes
            .get(ni)
            .and_then(|n| n.matches.get(h.match_idx))
            .map(range_words)
            .unwrap_or_default()
    };
    let mut rule = format!("configuration {}: {}", ci + 1, words(ni, h));
    if let Some(id) = cfg
        .nodes
        .get(ni)
        .and_then(|n| n.matches.get(h.match_idx))
        .and_then(|m| m.match_criteria_id.as_deref())
    {
        rule.push_str(&format!(" (matchCriteriaId {id})"));
    }
    if cfg.operator == Operator::And {
        let plats: Vec<String> = nodes
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != ni)
            .filter_map(|(i, (_, hits))| {
                let negate = cfg.nodes.get(i).is_some_and(|n| n.negate);
                if negate {
                    return Some("no match of a negated node".to_string());
                }
                hits.iter()
                    .find(|x| !x.vulnerable)
                    .or(hits.first())
                    .map(|x| format!("{} ({})", words(i, x), p.facts[x.fact].label(p.item)))
            })
            .collect();
        if !plats.is_empty() {
            rule.push_str(&format!("; running on {}", plats.join(" and ")));
        }
    }
    let mut fact_text = fact.label(p.item);
    if let Some(c) = fact.candidates.get(h.cand) {
        fact_text.push_str(&format!(" as {}", c.cpe));
        if let Some(n) = &c.note {
            fact_text.push_str(&format!(" ({n})"));
        }
        if !c.part_known {
            fact_text.push_str(" [CPE made from the inventory names]");
        }
    }
    if fact.scheme.is_distro() {
        fact_text.push_str(&format!(
            "; compared upstream {} of {} package {}; a backported fix is not visible",
            version::upstream(fact.scheme, &fact.version),
            fact.scheme,
            fact.version
        ));
    }
    Finding {
        cve: v.id,
        asset_id: p.item.asset_id,
        evidence: Evidence {
            source: EvidenceSource::NvdCpe,
            record: format!(
                "{} configurations[{ci}].nodes[{ni}].cpeMatch[{}]",
                v.id, h.match_idx
            ),
            rule,
            inventory_fact: fact_text,
            hotfix_excluded: None,
        },
    }
}

// ------------------------------------------------------------ entry points

/// Matches one vulnerability against one prepared asset.
pub fn match_prepared(v: &Vuln, p: &Prepared) -> Vec<Finding> {
    match_planned(v, &VulnPlan::new(v), p)
}

/// As `match_prepared`, with the record's plan made beforehand.
pub fn match_planned(v: &Vuln, plan: &VulnPlan, p: &Prepared) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut wanted = vec![false; p.facts.len()];
    for (fi, fact) in p.facts.iter().enumerate() {
        if fact.platform_only {
            continue;
        }
        let mut decided = false;
        for src in [Source::Cve5Cna, Source::Csaf, Source::Cve5Adp] {
            if let Some((st, f)) = vendor_verdict(v, plan, src, fact, p) {
                if st == Status::Affected {
                    out.push(f);
                }
                decided = true;
                break;
            }
        }
        wanted[fi] = !decided;
    }
    if !wanted.iter().any(|w| *w) || v.configurations.is_empty() {
        return out;
    }
    // NVD, strictly: only configurations with a vulnerable criterion whose
    // vendor and product cover one of the wanted facts' CPEs.
    let first_nvd = out.len();
    // Only the configurations with a vulnerable criterion that can name one
    // of the wanted facts' CPEs.
    let mut configs: Vec<u32> = plan.unkeyed_configs.clone();
    let mut all = false;
    for (f, w) in p.facts.iter().zip(&wanted) {
        if *w {
            for c in &f.candidates {
                match c.cpe.vendor_product_key() {
                    Some(k) => {
                        if let Some(cs) = plan.configs_by_key.get(&k) {
                            configs.extend_from_slice(cs);
                        }
                    }
                    None => all = true,
                }
            }
        }
    }
    if all {
        configs = (0..v.configurations.len() as u32).collect();
    }
    configs.sort_unstable();
    configs.dedup();
    for ci in configs {
        let ci = ci as usize;
        if let Some(cfg) = v.configurations.get(ci) {
            eval_config(v, ci, cfg, plan, p, &mut wanted, &mut out);
        }
        if !wanted.iter().any(|w| *w) {
            break;
        }
    }
    // Fixes named anywhere in the record (CSAF remediations) still count.
    if out.len() > first_nvd {
        let installed = v
            .affected
            .iter()
            .flat_map(|r| r.fixes.iter())
            .find(|x| p.fixes.contains(&normalise_fix(x)));
        if let Some(fx) = installed {
            for f in &mut out[first_nvd..] {
                f.evidence.hotfix_excluded = Some(fx.clone());
            }
        }
    }
    out
}

/// Matches one vulnerability against one asset. Findings with
/// `hotfix_excluded` set are kept (see `Finding::is_affected`).
pub fn match_asset(v: &Vuln, item: &InventoryItem) -> Vec<Finding> {
    match_prepared(v, &prepare(item))
}

/// Vulnerabilities indexed by the vendor/product names and CPEs they can
/// match, so each asset is only compared with the records that concern it.
pub struct VulnIndex<'a> {
    vulns: &'a [Vuln],
    plans: Vec<VulnPlan>,
    /// Hash of a normalised product name, or a CPE vendor/product key →
    /// records. A hash collision only adds a record to compare.
    by_key: HashMap<u64, Vec<u32>>,
    /// Records with a CPE whose vendor or product is a wildcard.
    always: Vec<u32>,
}

/// FNV-1a of a name already normalised (`norm`).
fn product_key(product_n: &str) -> u64 {
    let mut h = 0x6c62_272e_07bb_0142u64;
    for b in product_n.bytes() {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    h
}

impl<'a> VulnIndex<'a> {
    pub fn new(vulns: &'a [Vuln]) -> VulnIndex<'a> {
        let mut by_key: HashMap<u64, Vec<u32>> = HashMap::new();
        let mut always = Vec::new();
        for (i, v) in vulns.iter().enumerate() {
            let i = i as u32;
            let mut keys = Vec::new();
            for r in &v.affected {
                let (base, _) = r
                    .product
                    .as_deref()
                    .map(split_modules)
                    .unwrap_or(("", Vec::new()));
                if !base.is_empty() {
                    keys.push(product_key(&norm(base)));
                }
                if let Some(p) = &r.package_name {
                    keys.push(product_key(&norm(p)));
                }
                for c in &r.cpes {
                    match c.vendor_product_key() {
                        Some(k) => keys.push(k),
                        None => {
                            if r.package_name.is_none() {
                                always.push(i)
                            }
                        }
                    }
                }
            }
            for cfg in &v.configurations {
                for n in &cfg.nodes {
                    for m in n.matches.iter().filter(|m| m.vulnerable) {
                        match m.criteria.vendor_product_key() {
                            Some(k) => keys.push(k),
                            None => always.push(i),
                        }
                    }
                }
            }
            keys.sort_unstable();
            keys.dedup();
            for k in keys {
                by_key.entry(k).or_default().push(i);
            }
        }
        always.sort_unstable();
        always.dedup();
        VulnIndex {
            vulns,
            plans: vulns.iter().map(VulnPlan::new).collect(),
            by_key,
            always,
        }
    }

    /// The findings for one asset.
    pub fn match_item(&self, item: &InventoryItem) -> Vec<Finding> {
        let p = prepare(item);
        let mut out = Vec::new();
        for i in self.candidate_ids(&p) {
            if let (Some(v), Some(plan)) = (self.vulns.get(i as usize), self.plans.get(i as usize))
            {
                out.extend(match_planned(v, plan, &p));
            }
        }
        out
    }

    /// How many records an asset is compared with (for measurements).
    pub fn candidates(&self, item: &InventoryItem) -> usize {
        self.candidate_ids(&prepare(item)).len()
    }

    fn candidate_ids(&self, p: &Prepared) -> Vec<u32> {
        let mut cand: Vec<u32> = self.always.clone();
        for f in &p.facts {
            if f.platform_only {
                continue;
            }
            if let Some(ids) = self.by_key.get(&product_key(&f.product_n)) {
                cand.extend_from_slice(ids);
            }
            for c in &f.candidates {
                match c.cpe.vendor_product_key() {
                    Some(k) => {
                        if let Some(ids) = self.by_key.get(&k) {
                            cand.extend_from_slice(ids);
                        }
                    }
                    // A CPE with a wildcard vendor or product: every record.
                    None => return (0..self.vulns.len() as u32).collect(),
                }
            }
        }
        cand.sort_unstable();
        cand.dedup();
        cand
    }
}

/// Matches every asset against every vulnerability, through a `VulnIndex`,
/// on all available cores; findings come in the order of `items`.
pub fn match_all(vulns: &[Vuln], items: &[InventoryItem]) -> Vec<Finding> {
    let idx = VulnIndex::new(vulns);
    idx.match_items(items)
}

impl VulnIndex<'_> {
    /// The findings for many assets, on all available cores, in order.
    pub fn match_items(&self, items: &[InventoryItem]) -> Vec<Finding> {
        let threads = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
            .clamp(1, 16);
        if threads == 1 || items.len() < 256 {
            return items.iter().flat_map(|it| self.match_item(it)).collect();
        }
        let chunk = items.len().div_ceil(threads);
        std::thread::scope(|sc| {
            let handles: Vec<_> = items
                .chunks(chunk)
                .map(|part| {
                    sc.spawn(move || {
                        part.iter()
                            .flat_map(|it| self.match_item(it))
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            // A worker can only fail by panicking, which the engine does
            // not do; its part is then matched again here.
            let mut out = Vec::new();
            for (h, part) in handles.into_iter().zip(items.chunks(chunk)) {
                match h.join() {
                    Ok(v) => out.extend(v),
                    Err(_) => out.extend(part.iter().flat_map(|it| self.match_item(it))),
                }
            }
            out
        })
    }
}
