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
    label: String,
    vendor: String,
    product: String,
    version: String,
    scheme: Scheme,
    candidates: Vec<Candidate>,
    /// A platform CPE of the asset: only satisfies non-vulnerable nodes.
    platform_only: bool,
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
    v.is_none_or(|v| matches!(norm(v).as_str(), "" | "n/a" | "na" | "unknown" | "-"))
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
fn split_modules(product: &str) -> (String, Vec<String>) {
    let t = product.trim();
    if let (Some(open), true) = (t.rfind('('), t.ends_with(')')) {
        let base = t[..open].trim();
        let inner = &t[open + 1..t.len() - 1];
        if !base.is_empty() {
            let mods = inner
                .split([',', '/'])
                .map(|m| m.trim().to_string())
                .filter(|m| !m.is_empty())
                .collect();
            return (base.to_string(), mods);
        }
    }
    (t.to_string(), Vec::new())
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
            cpe.attrs[3] = literal(fallback_version);
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
    base.attrs[1] = v;
    base.attrs[2] = p;
    base.attrs[3] = literal(version);
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
                c.attrs[2] = literal(cpe_name);
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
    for sw in &item.software {
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
            label: format!("software {sw}"),
            vendor,
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
            label: format!(
                "os {}{}|{}",
                os.vendor
                    .as_deref()
                    .map(|v| format!("{v}|"))
                    .unwrap_or_default(),
                os.name,
                version
            ),
            vendor,
            product: os.name.clone(),
            version,
            scheme: Scheme::Dotted,
            candidates,
            platform_only: false,
        });
    }
    for p in &item.platforms {
        if let Some(c) = explicit_candidate(p, "", None) {
            facts.push(Fact {
                label: format!("platform {p}"),
                vendor: String::new(),
                product: String::new(),
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
    let fv = norm(&fact.vendor);
    let fp = norm(&fact.product);
    let no_vendor = is_no_vendor(rule.vendor.as_deref());
    let vendor_ok = !no_vendor && rule.vendor.as_deref().map(norm).as_deref() == Some(fv.as_str());
    let (base, mut mods) = rule
        .product
        .as_deref()
        .map(split_modules)
        .unwrap_or_default();
    mods.extend(rule.modules.iter().cloned());
    let product_ok = !base.is_empty() && norm(&base) == fp;
    let package = rule.package_name.as_deref().map(norm);
    if let Some(pkg) = &package {
        if *pkg == fp {
            let platform = rule.product.as_deref().map(norm).filter(|x| x != pkg);
            if let Some(platform) = platform {
                // "openssh" on "Red Hat Enterprise Linux 9": the OS must be it.
                let os_named = p.os_names.iter().any(|o| *o == platform);
                let os_cpe = rule.cpes.iter().any(|rc| {
                    p.os_cpes
                        .iter()
                        .any(|oc| cpe::is_match_except(rc, oc, &[3]))
                });
                if (vendor_ok || no_vendor) && (os_named || os_cpe) {
                    return Some((format!("package {pkg} on {platform}"), mods, 3));
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
                return Some((
                    format!(
                        "package {}{how}",
                        rule.package_name.as_deref().unwrap_or("")
                    ),
                    mods,
                    spec,
                ));
            }
        }
    }
    if product_ok && vendor_ok {
        return Some((
            format!("{} {base}", rule.vendor.as_deref().unwrap_or("")),
            mods,
            2,
        ));
    }
    if product_ok && no_vendor {
        return Some((format!("{base} (the record names no vendor)"), mods, 1));
    }
    if package.is_none() {
        for rc in &rule.cpes {
            for c in &fact.candidates {
                let skip: &[usize] = if c.part_known { &[] } else { &[0] };
                if cpe::is_match_except(rc, &c.cpe, skip) {
                    return Some((format!("{rc}"), mods, 2));
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
    source: Source,
    fact: &Fact,
    p: &Prepared,
) -> Option<(Status, Finding)> {
    let mut best: Option<(Finding, Status, (u8, u8))> = None;
    for rule in v.affected.iter().filter(|r| r.source == source) {
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
        let mut fact_text = fact.label.clone();
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

fn cpe_match_fact(m: &CpeMatch, fact: &Fact) -> Option<(usize, String)> {
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
        return Some((ci, range_words(m)));
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

struct NodeHit {
    /// (fact, cpeMatch index, candidate index, words)
    vulnerable: Option<(usize, usize, usize, String)>,
    platform: Option<String>,
}

fn eval_node(
    n: &crate::model::NvdNode,
    facts: &[Fact],
    restrict: Option<usize>,
) -> Option<NodeHit> {
    let mut hits: Vec<(bool, usize, usize, usize, String)> = Vec::new();
    for (mi, m) in n.matches.iter().enumerate() {
        for (fi, f) in facts.iter().enumerate() {
            if m.vulnerable && (f.platform_only || restrict.is_some_and(|r| r != fi)) {
                continue;
            }
            if let Some((ci, words)) = cpe_match_fact(m, f) {
                hits.push((m.vulnerable, fi, mi, ci, words));
                break;
            }
        }
    }
    let satisfied = match n.operator {
        Operator::Or => !hits.is_empty(),
        Operator::And => hits.len() == n.matches.len() && !n.matches.is_empty(),
    };
    let satisfied = satisfied != n.negate;
    if !satisfied {
        return None;
    }
    if n.negate {
        return Some(NodeHit {
            vulnerable: None,
            platform: Some("negated node not matched".into()),
        });
    }
    let vulnerable = hits
        .iter()
        .find(|h| h.0)
        .map(|h| (h.1, h.2, h.3, h.4.clone()));
    let platform = hits
        .iter()
        .find(|h| !h.0)
        .map(|h| format!("{} ({})", h.4, facts[h.1].label));
    Some(NodeHit {
        vulnerable,
        platform,
    })
}

fn nvd_verdict(v: &Vuln, fact_idx: usize, p: &Prepared) -> Option<Finding> {
    for (ci, cfg) in v.configurations.iter().enumerate() {
        if let Some(f) = eval_config(v, ci, cfg, fact_idx, p) {
            return Some(f);
        }
    }
    None
}

fn eval_config(
    v: &Vuln,
    ci: usize,
    cfg: &NvdConfig,
    fact_idx: usize,
    p: &Prepared,
) -> Option<Finding> {
    // Every node may be met by any fact, but the vulnerable match must be
    // `fact_idx` (so each fact gets its own finding).
    let mut results = Vec::with_capacity(cfg.nodes.len());
    for n in &cfg.nodes {
        let with_fact = eval_node(n, &p.facts, Some(fact_idx));
        let hit = match with_fact {
            Some(h) if h.vulnerable.is_some() => Some(h),
            _ => eval_node(n, &p.facts, None).map(|h| NodeHit {
                // Vulnerable matches of other facts do not count for this one.
                vulnerable: h.vulnerable.filter(|x| x.0 == fact_idx),
                platform: h.platform.or_else(|| Some("another fact".into())),
            }),
        };
        results.push(hit);
    }
    let satisfied = match cfg.operator {
        Operator::And => results.iter().all(Option::is_some),
        Operator::Or => results.iter().any(Option::is_some),
    };
    if satisfied == cfg.negate || cfg.nodes.is_empty() {
        return None;
    }
    let (ni, vuln) = results.iter().enumerate().find_map(|(i, r)| {
        r.as_ref()
            .and_then(|h| h.vulnerable.clone())
            .map(|x| (i, x))
    })?;
    let (fi, mi, cand_idx, words) = vuln;
    let fact = &p.facts[fi];
    let mut rule = format!("configuration {}: {words}", ci + 1);
    if let Some(id) = v
        .configurations
        .get(ci)
        .and_then(|c| c.nodes.get(ni))
        .and_then(|n| n.matches.get(mi))
        .and_then(|m| m.match_criteria_id.as_deref())
    {
        rule.push_str(&format!(" (matchCriteriaId {id})"));
    }
    if cfg.operator == Operator::And {
        let plats: Vec<String> = results
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != ni)
            .filter_map(|(_, r)| r.as_ref().and_then(|h| h.platform.clone()))
            .collect();
        if !plats.is_empty() {
            rule.push_str(&format!("; running on {}", plats.join(" and ")));
        }
    }
    let cand = fact.candidates.get(cand_idx);
    let mut fact_text = fact.label.clone();
    if let Some(c) = cand {
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
    Some(Finding {
        cve: v.id,
        asset_id: p.item.asset_id,
        evidence: Evidence {
            source: EvidenceSource::NvdCpe,
            record: format!("{} configurations[{ci}].nodes[{ni}].cpeMatch[{mi}]", v.id),
            rule,
            inventory_fact: fact_text,
            hotfix_excluded: None,
        },
    })
}

// ------------------------------------------------------------ entry points

/// Matches one vulnerability against one prepared asset.
pub fn match_prepared(v: &Vuln, p: &Prepared) -> Vec<Finding> {
    let mut out = Vec::new();
    for (fi, fact) in p.facts.iter().enumerate() {
        if fact.platform_only {
            continue;
        }
        let mut decided = false;
        for src in [Source::Cve5Cna, Source::Csaf, Source::Cve5Adp] {
            if let Some((st, f)) = vendor_verdict(v, src, fact, p) {
                if st == Status::Affected {
                    out.push(f);
                }
                decided = true;
                break;
            }
        }
        if decided {
            continue;
        }
        if let Some(mut f) = nvd_verdict(v, fi, p) {
            // Fixes named anywhere for the record (CSAF remediations) still count.
            let named: Vec<&String> = v.affected.iter().flat_map(|r| r.fixes.iter()).collect();
            if let Some(fx) = named
                .into_iter()
                .find(|x| p.fixes.contains(&normalise_fix(x)))
            {
                f.evidence.hotfix_excluded = Some(fx.clone());
            }
            out.push(f);
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
    by_key: HashMap<String, Vec<u32>>,
    /// Records with a CPE criterion whose vendor or product is a wildcard.
    always: Vec<u32>,
}

fn product_key(product: &str) -> String {
    format!("p\u{1}{}", norm(product))
}
fn cpe_key(v: &str, p: &str) -> String {
    format!("c\u{1}{v}\u{1}{p}")
}

impl<'a> VulnIndex<'a> {
    pub fn new(vulns: &'a [Vuln]) -> VulnIndex<'a> {
        let mut by_key: HashMap<String, Vec<u32>> = HashMap::new();
        let mut always = Vec::new();
        for (i, v) in vulns.iter().enumerate() {
            let i = i as u32;
            let mut keys = Vec::new();
            for r in &v.affected {
                let (base, _) = r.product.as_deref().map(split_modules).unwrap_or_default();
                if !base.is_empty() {
                    keys.push(product_key(&base));
                }
                if let Some(p) = &r.package_name {
                    keys.push(product_key(p));
                }
                for c in &r.cpes {
                    match c.vendor_product() {
                        Some((cv, cp)) => keys.push(cpe_key(&cv, &cp)),
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
                        match m.criteria.vendor_product() {
                            Some((cv, cp)) => keys.push(cpe_key(&cv, &cp)),
                            None => always.push(i),
                        }
                    }
                }
            }
            keys.sort();
            keys.dedup();
            for k in keys {
                by_key.entry(k).or_default().push(i);
            }
        }
        always.sort_unstable();
        always.dedup();
        VulnIndex {
            vulns,
            by_key,
            always,
        }
    }

    /// The findings for one asset.
    pub fn match_item(&self, item: &InventoryItem) -> Vec<Finding> {
        let p = prepare(item);
        let mut out = Vec::new();
        for i in self.candidate_ids(&p) {
            if let Some(v) = self.vulns.get(i as usize) {
                out.extend(match_prepared(v, &p));
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
            if let Some(ids) = self.by_key.get(&product_key(&f.product)) {
                cand.extend_from_slice(ids);
            }
            for c in &f.candidates {
                if let Some((cv, cp)) = c.cpe.vendor_product() {
                    if let Some(ids) = self.by_key.get(&cpe_key(&cv, &cp)) {
                        cand.extend_from_slice(ids);
                    }
                }
            }
        }
        cand.sort_unstable();
        cand.dedup();
        cand
    }
}

/// Matches every asset against every vulnerability, through a `VulnIndex`.
pub fn match_all(vulns: &[Vuln], items: &[InventoryItem]) -> Vec<Finding> {
    let idx = VulnIndex::new(vulns);
    items.iter().flat_map(|it| idx.match_item(it)).collect()
}
