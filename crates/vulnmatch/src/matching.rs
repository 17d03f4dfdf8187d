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
use std::sync::{Arc, OnceLock};

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
    pub const fn new(asset_id: i64) -> InventoryItem {
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
    /// Shared: a record gives the same evidence to every asset with the
    /// same installed version, and an inventory makes millions of findings.
    pub evidence: Arc<Evidence>,
}

impl Finding {
    /// False when an installed hotfix named in the record removes the match.
    pub fn is_affected(&self) -> bool {
        self.evidence.hotfix_excluded.is_none()
    }
}

/// A statement that names one of an asset's facts but cannot be compared
/// with its version: the asset is neither found affected nor cleared by it,
/// and is listed as "cannot be evaluated", with the reason.
///
/// Reported for a fact only when the record does not find that fact
/// affected otherwise (by a comparable statement of any source).
///
/// The statement and its reason are shared (as a finding's `Evidence` is):
/// every asset with the same fact gets the same text, and an inventory
/// makes millions of these. Its fields are read through `Deref`
/// (`u.record`, `u.reason`); it serialises flat, as
/// `{cve, asset_id, source, record, rule, inventory_fact, reason}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unevaluable {
    pub cve: CveId,
    pub asset_id: i64,
    pub statement: Arc<UnevaluableStatement>,
}

/// What an `Unevaluable` says, without the asset: the statement, where it
/// is, the fact it names and why they cannot be compared.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnevaluableStatement {
    pub source: EvidenceSource,
    /// The record and where in it, as in `Evidence::record`.
    pub record: String,
    /// The statement in words: `Fortinet FortiOS: version 'unspecified' → affected`.
    pub rule: String,
    /// The inventory fact: `software Acme|Widget|latest|other`.
    pub inventory_fact: String,
    /// Why they cannot be compared: `the installed version 'latest' (other
    /// scheme) is not a version that can be ordered`, `the record's version
    /// 'unspecified' is free text (no versionType)`.
    pub reason: String,
}

impl std::ops::Deref for Unevaluable {
    type Target = UnevaluableStatement;
    fn deref(&self) -> &UnevaluableStatement {
        &self.statement
    }
}

/// The serialised form of an `Unevaluable` (flat, as it always was).
#[derive(Serialize)]
struct UnevaluableOut<'a> {
    cve: &'a CveId,
    asset_id: i64,
    source: EvidenceSource,
    record: &'a str,
    rule: &'a str,
    inventory_fact: &'a str,
    reason: &'a str,
}

#[derive(Deserialize)]
struct UnevaluableIn {
    cve: CveId,
    asset_id: i64,
    source: EvidenceSource,
    record: String,
    rule: String,
    inventory_fact: String,
    reason: String,
}

impl Serialize for Unevaluable {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        UnevaluableOut {
            cve: &self.cve,
            asset_id: self.asset_id,
            source: self.source,
            record: &self.record,
            rule: &self.rule,
            inventory_fact: &self.inventory_fact,
            reason: &self.reason,
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for Unevaluable {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let u = UnevaluableIn::deserialize(d)?;
        Ok(Unevaluable {
            cve: u.cve,
            asset_id: u.asset_id,
            statement: Arc::new(UnevaluableStatement {
                source: u.source,
                record: u.record,
                rule: u.rule,
                inventory_fact: u.inventory_fact,
                reason: u.reason,
            }),
        })
    }
}

/// Findings, and what cannot be evaluated.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Matched {
    pub findings: Vec<Finding>,
    pub unevaluable: Vec<Unevaluable>,
}

impl Matched {
    fn extend(&mut self, other: Matched) {
        self.findings.extend(other.findings);
        self.unevaluable.extend(other.unevaluable);
    }
}

// ------------------------------------------------------------ prepared facts

/// A CPE the matcher tries for a fact.
#[derive(Debug, Clone)]
struct Candidate {
    cpe: Cpe,
    /// False for CPEs made from names: the part (`a`/`o`) is then not compared.
    part_known: bool,
    /// The version to compare ranges with (`FactData::cand_version`).
    version: CandVersion,
    note: Option<String>,
    /// The fact as NVD matched it by this CPE (`nvd_fact_text`), made when
    /// first needed.
    nvd_text: OnceLock<String>,
}

/// A candidate's version: most often the fact's own (upstream) version.
#[derive(Debug, Clone)]
enum CandVersion {
    /// `version::upstream(scheme, version)` of the fact.
    Upstream,
    Own(Box<str>),
}

/// A platform candidate's version (its own).
fn own_version(c: &Candidate) -> String {
    match &c.version {
        CandVersion::Own(v) => v.to_string(),
        CandVersion::Upstream => String::new(),
    }
}

impl CandVersion {
    /// `v` itself when it is the upstream version of `fact_version`.
    fn of(v: &str, scheme: Scheme, fact_version: &str) -> CandVersion {
        if v == version::upstream(scheme, fact_version) {
            CandVersion::Upstream
        } else {
            CandVersion::Own(v.into())
        }
    }
}

/// One inventory fact of an asset: where it is in the item, and what the
/// matcher knows of it (shared between assets with the same fact).
#[derive(Debug, Clone)]
struct Fact<'a> {
    /// Which inventory entry this is (the label is made only for findings).
    origin: FactOrigin,
    data: FactRef<'a>,
}

/// A fact's data, made for this asset or borrowed from a `FactTable` (no
/// shared counter to update from several threads).
#[derive(Debug, Clone)]
enum FactRef<'a> {
    Own(Arc<FactData>),
    Shared(&'a FactData),
}

impl std::ops::Deref for FactRef<'_> {
    type Target = FactData;
    fn deref(&self) -> &FactData {
        match self {
            FactRef::Own(d) => d,
            FactRef::Shared(d) => d,
        }
    }
}

impl std::ops::Deref for Fact<'_> {
    type Target = FactData;
    fn deref(&self) -> &FactData {
        &self.data
    }
}

/// A fact without its place in the item: names, version, CPE candidates.
#[derive(Debug, Clone)]
struct FactData {
    /// The vendor, the product, `norm(product)` and the version, one after
    /// the other (one allocation: an inventory has hundreds of thousands).
    text: Box<str>,
    /// Where the vendor, the product and `norm(product)` end in `text`.
    ends: [u32; 3],
    /// `product_key(product_n)`.
    name_key: u64,
    scheme: Scheme,
    candidates: Vec<Candidate>,
    /// A platform CPE of the asset: only satisfies non-vulnerable nodes.
    platform_only: bool,
    /// The fact in words (`Fact::label`), made when first needed: the same
    /// for every asset that shares the fact.
    label: OnceLock<String>,
}

impl FactData {
    /// `product_n` is `norm(product)` when the caller has it.
    fn new(
        vendor: &str,
        product: &str,
        product_n: Option<&str>,
        version: &str,
        scheme: Scheme,
        candidates: Vec<Candidate>,
    ) -> FactData {
        thread_local! {
            /// A fact's text being made (then allocated at its size).
            static TEXT: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
        }
        let (text, e0, e1, e2, name_key) = TEXT.with_borrow_mut(|text| {
            text.clear();
            text.push_str(vendor);
            let e0 = text.len();
            text.push_str(product);
            let e1 = text.len();
            match product_n {
                Some(n) => text.push_str(n),
                None => push_norm(text, product),
            }
            let e2 = text.len();
            text.push_str(version);
            let name_key = product_key(&text[e1..e2]);
            (Box::<str>::from(text.as_str()), e0, e1, e2, name_key)
        });
        FactData {
            text,
            ends: [e0 as u32, e1 as u32, e2 as u32],
            name_key,
            scheme,
            candidates,
            platform_only: false,
            label: OnceLock::new(),
        }
    }

    fn part(&self, i: usize) -> &str {
        let start = match i {
            0 => 0,
            i => self.ends[i - 1] as usize,
        };
        let end = self.ends.get(i).map_or(self.text.len(), |&e| e as usize);
        self.text.get(start..end).unwrap_or("")
    }

    fn vendor(&self) -> &str {
        self.part(0)
    }

    fn product(&self) -> &str {
        self.part(1)
    }

    /// `norm(product)`.
    fn product_n(&self) -> &str {
        self.part(2)
    }

    fn version(&self) -> &str {
        self.part(3)
    }

    /// The version candidate `c` (one of this fact's) compares ranges with.
    fn cand_version<'s>(&'s self, c: &'s Candidate) -> &'s str {
        match &c.version {
            CandVersion::Upstream => version::upstream(self.scheme, self.version()),
            CandVersion::Own(v) => v,
        }
    }
}

#[derive(Debug, Clone, Copy)]
enum FactOrigin {
    Software(usize),
    Os,
    Platform(usize),
}

impl Fact<'_> {
    /// The fact in words: `software F5|BIG-IP|17.1.0.3|dotted` (made once
    /// per fact: its key holds everything the words are made of).
    fn label(&self, item: &InventoryItem) -> &str {
        self.data.label.get_or_init(|| self.make_label(item))
    }

    fn make_label(&self, item: &InventoryItem) -> String {
        match self.origin {
            FactOrigin::Software(i) => item
                .software
                .get(i)
                .map(|sw| format!("software {sw}"))
                .unwrap_or_default(),
            FactOrigin::Os => match &item.os {
                Some(os) => os_label(os, self.version()),
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
    facts: Vec<Fact<'a>>,
    modules: Vec<String>,
    fixes: Vec<String>,
    os_names: Vec<String>,
    os_cpes: Vec<Cpe>,
}

/// Lower case with white space collapsed: the only normalisation of names.
pub fn norm(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    push_norm(&mut out, s);
    out
}

/// `norm(s)` written to `out`.
fn push_norm(out: &mut String, s: &str) {
    if s.is_ascii() {
        // The usual case, in one pass.
        let start = out.len();
        for w in s.split_whitespace() {
            if out.len() > start {
                out.push(' ');
            }
            out.extend(w.chars().map(|c| c.to_ascii_lowercase()));
        }
        return;
    }
    out.push_str(
        &s.split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase(),
    );
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
    ["all modules", "all", "*"].iter().any(|x| eq_norm(m, x))
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

/// A rule's product without its modules, and the modules its name lists
/// (none when the name is whole: `AffectedRule::whole_name`).
fn product_and_modules(rule: &AffectedRule) -> (&str, Vec<&str>) {
    match rule.product.as_deref() {
        Some(p) if rule.whole_name => (p.trim(), Vec::new()),
        Some(p) => split_modules(p),
        None => ("", Vec::new()),
    }
}

fn literal(s: &str) -> Value {
    Value::Text(Text::literal(s))
}

/// A candidate from a CPE of the inventory; `fact` is the fact's scheme
/// and version, when it is one.
fn explicit_candidate(
    c: &Cpe23,
    fallback_version: &str,
    note: Option<String>,
    fact: Option<(Scheme, &str)>,
) -> Option<Candidate> {
    let own = |v: &str| match fact {
        Some((scheme, fv)) => CandVersion::of(v, scheme, fv),
        None => CandVersion::Own(v.into()),
    };
    let mut cpe = Cpe::from_domain(c).ok()?;
    let version = match cpe.version() {
        Value::Text(t) if !t.has_wildcards() => own(&t.as_plain()),
        Value::Any if !fallback_version.trim().is_empty() => {
            cpe.set(3, literal(fallback_version));
            own(fallback_version)
        }
        _ => own(""),
    };
    Some(Candidate {
        cpe,
        part_known: true,
        version,
        note,
        nvd_text: OnceLock::new(),
    })
}

/// The candidates made from the names (`version` is `fact_version` as the
/// fact's `scheme` reads it upstream, or the OS's version).
fn derived_candidates(
    vendor: &str,
    product: &str,
    version: &str,
    modules: &[String],
    (scheme, fact_version): (Scheme, &str),
) -> Vec<Candidate> {
    let mut out = Vec::with_capacity(1 + modules.len());
    let v = cpe::value_from_name(vendor);
    let p = cpe::value_from_name(product);
    if v == Value::Any || p == Value::Any {
        return out;
    }
    let mut attrs: [Value; 11] = std::array::from_fn(|_| Value::Any);
    attrs[1] = v;
    attrs[2] = p;
    attrs[3] = literal(version);
    let base = Cpe::new(attrs);
    // BIG-IP (its key first: the names are compared only when it is).
    let is_bigip = !modules.is_empty()
        && base.vendor_product_key() == cpe::name_key("f5", "big-ip")
        && base
            .vendor_product()
            .is_some_and(|(v, p)| v == "f5" && p == "big-ip");
    out.push(Candidate {
        cpe: base.clone(),
        part_known: false,
        version: CandVersion::of(version, scheme, fact_version),
        note: None,
        nvd_text: OnceLock::new(),
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
                    version: CandVersion::of(version, scheme, fact_version),
                    note: Some(format!("module {m}")),
                    nvd_text: OnceLock::new(),
                });
            }
        }
    }
    out
}

/// An installed product as a fact (the modules give BIG-IP's module CPEs).
fn software_fact(sw: &Software, modules: &[String]) -> FactData {
    let (vendor, product, version) = (sw.vendor.as_str(), sw.product.as_str(), sw.version.as_str());
    let scheme = Scheme::from(sw.scheme);
    let up = version::upstream(scheme, version);
    let mut candidates = Vec::new();
    match &sw.cpe {
        Some(c) => candidates.extend(explicit_candidate(c, up, None, Some((scheme, version)))),
        None => candidates.extend(derived_candidates(
            vendor,
            product,
            up,
            modules,
            (scheme, version),
        )),
    }
    FactData::new(vendor, product, None, version, scheme, candidates)
}

/// The OS as a fact (its build is the version when there is one).
fn os_fact(os: &Os) -> FactData {
    let version = os_version(os);
    let vendor = os.vendor.as_deref().unwrap_or("");
    let mut candidates = Vec::new();
    match &os.cpe {
        Some(c) => candidates.extend(explicit_candidate(
            c,
            version,
            None,
            Some((Scheme::Dotted, version)),
        )),
        None => candidates.extend(derived_candidates(
            vendor,
            &os.name,
            version,
            &[],
            (Scheme::Dotted, version),
        )),
    }
    FactData::new(vendor, &os.name, None, version, Scheme::Dotted, candidates)
}

/// The version of the OS that is matched: its build when there is one.
fn os_version(os: &Os) -> &str {
    os.build
        .as_deref()
        .filter(|b| !b.trim().is_empty())
        .unwrap_or(&os.version)
}

/// What a software or OS fact is made of (its key in a `FactTable`).
#[derive(Clone, Copy)]
enum FactSource<'a> {
    Software(&'a Software, &'a [String]),
    Os(&'a Os),
}

impl FactSource<'_> {
    fn build(self) -> FactData {
        match self {
            FactSource::Software(sw, modules) => software_fact(sw, modules),
            FactSource::Os(os) => os_fact(os),
        }
    }

    /// The fact in words, as `Fact::label` says it of an asset with it.
    fn label(self, data: &FactData) -> String {
        match self {
            FactSource::Software(sw, _) => format!("software {sw}"),
            FactSource::Os(os) => os_label(os, data.version()),
        }
    }
}

/// An OS fact in words: `os Microsoft|Windows 10|10.0.19045.3803`.
fn os_label(os: &Os, version: &str) -> String {
    format!(
        "os {}{}|{}",
        os.vendor
            .as_deref()
            .map(|v| format!("{v}|"))
            .unwrap_or_default(),
        os.name,
        version
    )
}

/// No asset: what a fact alone is matched as part of.
static NO_ITEM: InventoryItem = InventoryItem::new(0);

/// A fact alone made ready for matching, as `prepare` makes an asset with
/// only this fact (`asset_id` 0, no modules, no fixes). Its label must be
/// set (`FactSource::label`): there is no asset to read it from.
fn alone_prepared<'a>(src: FactSource<'a>, data: &'a FactData) -> Prepared<'a> {
    let (origin, os) = match src {
        FactSource::Software(..) => (FactOrigin::Software(0), None),
        FactSource::Os(os) => (FactOrigin::Os, Some(os)),
    };
    Prepared {
        item: &NO_ITEM,
        facts: vec![Fact {
            origin,
            data: FactRef::Shared(data),
        }],
        modules: Vec::new(),
        fixes: Vec::new(),
        os_names: os.iter().map(|o| norm(&o.name)).collect(),
        os_cpes: os
            .and_then(|o| o.cpe.as_ref())
            .and_then(|c| Cpe::from_domain(c).ok())
            .into_iter()
            .collect(),
    }
}

/// Prepares an item: its facts, normalised names and CPE candidates.
pub fn prepare(item: &InventoryItem) -> Prepared<'_> {
    prepare_with(item, |src| FactRef::Own(Arc::new(src.build())))
}

/// As `prepare`, the software and OS facts coming from `fact`.
fn prepare_with<'a>(
    item: &'a InventoryItem,
    mut fact: impl FnMut(FactSource<'a>) -> FactRef<'a>,
) -> Prepared<'a> {
    let mut facts = Vec::with_capacity(item.software.len() + 1 + item.platforms.len());
    for (si, sw) in item.software.iter().enumerate() {
        // The modules only change BIG-IP's CPEs made from names.
        let modules: &[String] = if sw.cpe.is_none() { &item.modules } else { &[] };
        facts.push(Fact {
            origin: FactOrigin::Software(si),
            data: fact(FactSource::Software(sw, modules)),
        });
    }
    if let Some(os) = &item.os {
        facts.push(Fact {
            origin: FactOrigin::Os,
            data: fact(FactSource::Os(os)),
        });
    }
    for (pi, p) in item.platforms.iter().enumerate() {
        if let Some(c) = explicit_candidate(p, "", None, None) {
            facts.push(Fact {
                origin: FactOrigin::Platform(pi),
                data: FactRef::Own(Arc::new(FactData {
                    platform_only: true,
                    ..FactData::new("", "", Some(""), &own_version(&c), Scheme::Generic, vec![c])
                })),
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

// ------------------------------------------------------------ fact table

/// The distinct software and OS facts of an inventory (or of the share of
/// them whose key's hash falls to one thread), found by their key. Assets
/// share most of their facts (the same product at the same version), so an
/// inventory is prepared and filtered once per distinct fact.
#[derive(Default)]
struct FactTable<'a> {
    /// The hash of a fact's key (`write_key`) → the first entry with it.
    slots: HashMap<u64, u32, HashedKeys>,
    /// Per entry: where its key is in `keys`, and the next entry with the
    /// same hash (`u32::MAX`: none).
    key_of: Vec<KeyAt>,
    /// The keys, one after the other.
    keys: Vec<u8>,
    entries: Vec<Entry<'a>>,
}

#[derive(Clone, Copy)]
struct KeyAt {
    start: usize,
    len: u32,
    next: u32,
}

impl<'a> Entry<'a> {
    fn new(src: FactSource<'a>) -> Entry<'a> {
        Entry {
            src,
            data: None,
            cands: Vec::new(),
        }
    }
}

struct Entry<'a> {
    /// The fact where it was first seen.
    src: FactSource<'a>,
    data: Option<FactData>,
    /// The records that may concern it, until they are evaluated.
    cands: Vec<u32>,
}

/// What the records of some (record, fact) pairs give: per pair that gives
/// something, (entry, record, how many findings and unevaluable
/// statements, or `WHOLE` findings for a record matched with each asset),
/// and those findings and statements, in order.
#[derive(Default)]
struct PairResults {
    pairs: Vec<(u32, u32, u32, u32)>,
    findings: Vec<Finding>,
    unevaluable: Vec<Unevaluable>,
}

const WHOLE: u32 = u32::MAX;

/// The records that concern a fact.
#[derive(Default)]
struct Rel {
    /// `VulnPlan::simple` records that give the fact alone something, in
    /// the records' order: the record, and where its findings and its
    /// unevaluable statements end in `findings` and `unevaluable`.
    alone: Box<[(u32, u32, u32)]>,
    /// What those records give the fact alone (`asset_id` 0): the same in
    /// every asset.
    findings: Box<[Finding]>,
    unevaluable: Box<[Unevaluable]>,
    /// Records matched with the facts of the asset they name.
    whole: Box<[u32]>,
}

impl Rel {
    /// What the `k`th record of `alone` gives the fact.
    fn alone_at(&self, k: usize) -> (&[Finding], &[Unevaluable]) {
        let (f0, u0) = match k.checked_sub(1).and_then(|j| self.alone.get(j)) {
            Some(&(_, f, u)) => (f as usize, u as usize),
            None => (0, 0),
        };
        let Some(&(_, f1, u1)) = self.alone.get(k) else {
            return (&[], &[]);
        };
        (
            self.findings.get(f0..f1 as usize).unwrap_or(&[]),
            self.unevaluable.get(u0..u1 as usize).unwrap_or(&[]),
        )
    }

    /// How many findings the fact gets alone.
    fn alone_findings(&self) -> usize {
        self.findings.len()
    }

    /// Each of `n` entries' part of what the pairs gave, in the pairs'
    /// order (the records' order).
    fn of_results(n: usize, results: Vec<PairResults>) -> Vec<Rel> {
        let mut counts = vec![(0u32, 0u32, 0u32, 0u32); n];
        for &(e, _, nf, nu) in results.iter().flat_map(|r| &r.pairs) {
            if let Some(c) = counts.get_mut(e as usize) {
                if nf == WHOLE {
                    c.3 += 1;
                } else {
                    c.0 += 1;
                    c.1 += nf;
                    c.2 += nu;
                }
            }
        }
        #[allow(clippy::type_complexity)]
        let mut parts: Vec<(
            Vec<(u32, u32, u32)>,
            Vec<Finding>,
            Vec<Unevaluable>,
            Vec<u32>,
        )> = counts
            .iter()
            .map(|&(a, f, u, w)| {
                (
                    Vec::with_capacity(a as usize),
                    Vec::with_capacity(f as usize),
                    Vec::with_capacity(u as usize),
                    Vec::with_capacity(w as usize),
                )
            })
            .collect();
        drop(counts);
        for r in results {
            let mut fit = r.findings.into_iter();
            let mut uit = r.unevaluable.into_iter();
            for (e, rec, nf, nu) in r.pairs {
                let Some((alone, fs, us, whole)) = parts.get_mut(e as usize) else {
                    continue;
                };
                if nf == WHOLE {
                    whole.push(rec);
                } else {
                    fs.extend(fit.by_ref().take(nf as usize));
                    us.extend(uit.by_ref().take(nu as usize));
                    alone.push((rec, fs.len() as u32, us.len() as u32));
                }
            }
        }
        parts
            .into_iter()
            .map(|(alone, fs, us, whole)| Rel {
                alone: alone.into_boxed_slice(),
                findings: fs.into_boxed_slice(),
                unevaluable: us.into_boxed_slice(),
                whole: whole.into_boxed_slice(),
            })
            .collect()
    }
}

/// What a record that is not `VulnPlan::simple` gave a set of facts, by
/// its key (`Scratch::key`).
type ComplexCache = HashMap<Box<[u32]>, (Arc<[Finding]>, Arc<[Unevaluable]>)>;

/// The parts of assets besides their facts that records use (modules,
/// fixes, the OS), each made a number the first time it is seen, so the
/// key of what a record gave is a few numbers.
#[derive(Default)]
struct Contexts {
    modules: HashMap<Vec<String>, u32>,
    fixes: HashMap<Vec<String>, u32>,
    os: HashMap<(String, Option<String>), u32>,
}

/// The numbers of one asset's parts in `Contexts`, taken when first needed.
#[derive(Default)]
struct AssetContext {
    modules: Option<u32>,
    fixes: Option<u32>,
    os: Option<u32>,
}

fn intern<K: std::hash::Hash + Eq>(map: &mut HashMap<K, u32>, key: K) -> u32 {
    let n = map.len() as u32;
    *map.entry(key).or_insert(n)
}

impl AssetContext {
    fn modules(&mut self, ctx: &mut Contexts, item: &InventoryItem) -> u32 {
        *self
            .modules
            .get_or_insert_with(|| match ctx.modules.get(item.modules.as_slice()) {
                Some(&n) => n,
                None => intern(&mut ctx.modules, item.modules.clone()),
            })
    }

    fn fixes(&mut self, ctx: &mut Contexts, item: &InventoryItem) -> u32 {
        *self.fixes.get_or_insert_with(|| {
            let fixes: Vec<String> = item
                .hotfixes
                .iter()
                .cloned()
                .chain(item.kbs.iter().map(|k| k.to_string()))
                .collect();
            intern(&mut ctx.fixes, fixes)
        })
    }

    fn os(&mut self, ctx: &mut Contexts, item: &InventoryItem) -> u32 {
        *self.os.get_or_insert_with(|| match &item.os {
            Some(o) => intern(
                &mut ctx.os,
                (o.name.clone(), o.cpe.as_ref().map(|c| c.to_string())),
            ),
            None => u32::MAX - 1,
        })
    }
}

/// What one worker of the last step reuses from asset to asset.
#[derive(Default)]
struct Scratch {
    /// The records matched with the whole asset.
    whole: Vec<u32>,
    /// (record and fact as one number to sort by, entry, index in the
    /// entry's `Rel::alone`).
    alone: Vec<(u64, u32, u32)>,
    /// The key of what a record gave being looked up: the record, the
    /// numbers of the modules, fixes and OS it uses (`u32::MAX`: not used;
    /// `u32::MAX - 1`: no OS), the entries of the facts it names.
    key: Vec<u32>,
    complex: ComplexCache,
    contexts: Contexts,
}

impl<'a> FactTable<'a> {
    fn with_capacity(facts: usize) -> FactTable<'a> {
        FactTable {
            slots: HashMap::with_capacity_and_hasher(facts, HashedKeys::default()),
            key_of: Vec::with_capacity(facts),
            keys: Vec::with_capacity(facts * 48),
            entries: Vec::with_capacity(facts),
        }
    }

    /// The entry with this key, or a new one made by `new`.
    fn find_or_add(&mut self, key: &[u8], hash: u64, new: impl FnOnce() -> Entry<'a>) -> u32 {
        let mut e = self.slots.get(&hash).copied().unwrap_or(u32::MAX);
        let mut last = u32::MAX;
        while let Some(k) = self.key_of.get(e as usize) {
            if self.keys.get(k.start..k.start + k.len as usize) == Some(key) {
                return e;
            }
            last = e;
            e = k.next;
        }
        let added = self.entries.len() as u32;
        self.key_of.push(KeyAt {
            start: self.keys.len(),
            len: key.len() as u32,
            next: u32::MAX,
        });
        self.keys.extend_from_slice(key);
        self.entries.push(new());
        match self.key_of.get_mut(last as usize) {
            Some(prev) => prev.next = added,
            None => {
                self.slots.insert(hash, added);
            }
        }
        added
    }
}

/// (The place of a fact among all the items' facts, its entry.)
type PlacedFacts = Vec<(u32, u32)>;

/// The software and OS facts of an item, in the order `prepare` gives them.
fn fact_sources(item: &InventoryItem) -> impl Iterator<Item = FactSource<'_>> {
    item.software
        .iter()
        .map(|sw| {
            // The modules only change BIG-IP's CPEs made from names.
            let modules: &[String] = if sw.cpe.is_none() { &item.modules } else { &[] };
            FactSource::Software(sw, modules)
        })
        .chain(item.os.iter().map(FactSource::Os))
}

/// The key of a fact source: every part its data and its label are made
/// of, each with its length (so two keys are equal exactly when the
/// sources are).
fn write_key(src: &FactSource, out: &mut Vec<u8>) {
    fn put(out: &mut Vec<u8>, s: &str) {
        out.extend_from_slice(&(s.len() as u32).to_le_bytes());
        out.extend_from_slice(s.as_bytes());
    }
    fn put_opt(out: &mut Vec<u8>, s: Option<&str>) {
        match s {
            Some(s) => {
                out.push(1);
                put(out, s);
            }
            None => out.push(0),
        }
    }
    out.clear();
    match *src {
        FactSource::Software(sw, modules) => {
            out.push(0);
            out.push(Scheme::from(sw.scheme) as u8);
            put(out, sw.vendor.as_str());
            put(out, sw.product.as_str());
            put(out, sw.version.as_str());
            put_opt(out, sw.cpe.as_ref().map(|c| c.as_str()));
            out.extend_from_slice(&(modules.len() as u32).to_le_bytes());
            for m in modules {
                put(out, m);
            }
        }
        FactSource::Os(os) => {
            out.push(1);
            put_opt(out, os.vendor.as_deref());
            put(out, &os.name);
            put(out, &os.version);
            put_opt(out, os.build.as_deref());
            put_opt(out, os.cpe.as_ref().map(|c| c.as_str()));
        }
    }
}

/// The hasher of maps whose keys are already hashes (made with a secret
/// key, so nobody chooses them): a multiplication mixes them enough.
#[derive(Default, Clone, Copy)]
struct MixHasher(u64);

const MIX_K: u64 = 0x517c_c1b7_2722_0a95;

impl std::hash::Hasher for MixHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(b)).wrapping_mul(MIX_K);
        }
    }
    fn write_u64(&mut self, i: u64) {
        self.0 = (self.0.rotate_left(5) ^ i).wrapping_mul(MIX_K);
    }
    fn finish(&self) -> u64 {
        // The table takes its buckets from the low bits and its tags from
        // the high ones: mix both.
        let h = self.0;
        (h ^ (h >> 32)).wrapping_mul(MIX_K) ^ (h >> 29)
    }
}

type HashedKeys = std::hash::BuildHasherDefault<MixHasher>;

// ------------------------------------------------------------ vendor rules

struct RuleVerdict<'r> {
    status: Status,
    /// Where in the record: the rule, and the version entry.
    origin: (&'r str, Option<usize>),
    text: String,
    hotfix: Option<String>,
}

impl RuleVerdict<'_> {
    /// `CVE-… containers.cna.affected[0].versions[1]`.
    fn record(&self, id: CveId) -> String {
        match self.origin {
            (rule, Some(k)) => format!("{id} {rule}.versions[{k}]"),
            (rule, None) => format!("{id} {rule}"),
        }
    }
}

/// How a rule names a fact (`Naming::words` says it).
#[derive(Clone, Copy)]
enum Naming<'r> {
    /// A package on a platform: `package openssh on Red Hat Enterprise Linux 9`.
    PackageOn(&'r str, &'r str),
    /// A package, by a vendor or by a record that names none.
    Package(&'r str, bool),
    /// Vendor and product: `F5 BIG-IP`.
    Product(&'r str, &'r str),
    /// A product, the record naming no vendor.
    ProductOnly(&'r str),
    /// One of the rule's CPEs.
    Cpe(&'r Cpe),
}

impl Naming<'_> {
    fn words(self) -> String {
        let mut out = String::new();
        self.write(&mut out);
        out
    }

    /// `words` written to `out`.
    fn write(self, out: &mut String) {
        use std::fmt::Write as _;
        let _ = match self {
            Naming::PackageOn(pkg, platform) => write!(out, "package {pkg} on {platform}"),
            Naming::Package(pkg, no_vendor) => {
                let how = if no_vendor {
                    " (the record names no vendor)"
                } else {
                    ""
                };
                write!(out, "package {pkg}{how}")
            }
            Naming::Product(vendor, base) => write!(out, "{vendor} {base}"),
            Naming::ProductOnly(base) => write!(out, "{base} (the record names no vendor)"),
            Naming::Cpe(rc) => write!(out, "{rc}"),
        };
    }
}

/// The modules a rule limits its product to (`BIG-IP (APM)`, `modules`).
fn rule_modules(rule: &AffectedRule) -> Vec<&str> {
    let (_, mut m) = product_and_modules(rule);
    m.extend(rule.modules.iter().map(String::as_str));
    m
}

/// How a rule names a fact, and how specific it is (3: the package on the
/// asset's platform; 2: vendor and product, or a CPE; 1: product alone,
/// the record naming no vendor). `rule_modules` are the modules it is
/// limited to.
///
/// Without `p` (no asset: a fact alone), a package on a platform is taken
/// as named whatever the OS.
fn names_fact<'r>(
    rule: &'r AffectedRule,
    fact: &FactData,
    p: Option<&Prepared>,
) -> Option<(Naming<'r>, u8)> {
    if fact.platform_only {
        return None;
    }
    let (base, _) = product_and_modules(rule);
    let package = rule.package_name.as_deref();
    let package_ok = package.is_some_and(|pk| eq_norm(pk, fact.product()));
    let product_ok = !base.is_empty() && eq_norm(base, fact.product());
    if !package_ok && !product_ok && (rule.cpes.is_empty() || package.is_some()) {
        return None;
    }
    let no_vendor = is_no_vendor(rule.vendor.as_deref());
    let vendor_ok = !no_vendor
        && (rule
            .vendor
            .as_deref()
            .is_some_and(|v| eq_norm(v, fact.vendor()))
            // The registry records an operating system without its vendor:
            // a vendor's whole product name ("Windows Server 2022") names
            // it exactly all the same.
            || (rule.whole_name && fact.vendor().trim().is_empty()));
    if let (true, Some(pkg)) = (package_ok, package) {
        let platform = rule.product.as_deref().filter(|x| !eq_norm(x, pkg));
        if let Some(platform) = platform {
            // "openssh" on "Red Hat Enterprise Linux 9": the OS must be it.
            let os_named = p.is_none_or(|p| p.os_names.iter().any(|o| eq_norm(platform, o)));
            let os_cpe = rule.cpes.iter().any(|rc| {
                p.is_some_and(|p| {
                    p.os_cpes
                        .iter()
                        .any(|oc| cpe::is_match_except(rc, oc, &[3]))
                })
            });
            if (vendor_ok || no_vendor) && (os_named || os_cpe) {
                return Some((Naming::PackageOn(pkg, platform), 3));
            }
            return None;
        }
        if vendor_ok || no_vendor {
            let spec = if no_vendor { 1 } else { 2 };
            return Some((Naming::Package(pkg, no_vendor), spec));
        }
    }
    if product_ok && vendor_ok {
        return Some((
            Naming::Product(rule.vendor.as_deref().unwrap_or(""), base),
            2,
        ));
    }
    if product_ok && no_vendor {
        return Some((Naming::ProductOnly(base), 1));
    }
    if package.is_none() {
        for rc in &rule.cpes {
            for c in &fact.candidates {
                let skip: &[usize] = if c.part_known { &[] } else { &[0] };
                if cpe::is_match_except(rc, &c.cpe, skip) {
                    return Some((Naming::Cpe(rc), 2));
                }
            }
        }
    }
    None
}

/// The ordering and the version string used for a fact against a range
/// of this `versionType`.
fn ordering_of<'f>(vt: Option<&str>, fact: &'f FactData) -> (Scheme, &'f str) {
    let want = vt.and_then(Scheme::from_version_type);
    match want {
        Some(s) if s.is_distro() && s == fact.scheme => (s, fact.version()),
        Some(s) if !s.is_distro() => (s, version::upstream(fact.scheme, fact.version())),
        _ => {
            if fact.scheme.is_distro() {
                (fact.scheme, version::upstream(fact.scheme, fact.version()))
            } else if fact.scheme == Scheme::Generic && version::looks_like_version(fact.version())
            {
                (Scheme::Dotted, fact.version())
            } else {
                (fact.scheme, fact.version())
            }
        }
    }
}

/// For `ordering_of`'s result: `; compared upstream …` when a package's
/// upstream version is compared (not for a range of the package's own
/// type), written to `out`.
fn write_upstream_note(
    out: &mut String,
    vt: Option<&str>,
    fact: &FactData,
    scheme: Scheme,
    v: &str,
) {
    use std::fmt::Write as _;
    let own = vt
        .and_then(Scheme::from_version_type)
        .is_some_and(|w| w.is_distro() && w == fact.scheme);
    if fact.scheme.is_distro() && !own {
        let backport = if scheme == fact.scheme {
            "; a backported fix is not visible"
        } else {
            ""
        };
        let _ = write!(
            out,
            "; compared upstream {v} of {} package {}{backport}",
            fact.scheme,
            fact.version()
        );
    }
}

fn is_open_start(s: &str) -> bool {
    // Quick: a version starting with 1 to 9 is none of these.
    if s.trim_start()
        .starts_with(|c: char| c.is_ascii_digit() && c != '0')
    {
        return false;
    }
    s.trim().is_empty()
        || ["0", "*", "all", "all versions", "unspecified", "n/a", "-"]
            .iter()
            .any(|x| eq_norm(s, x))
}

fn is_everything(s: &str) -> bool {
    // Quick: these all start with `*` or `a`.
    matches!(s.trim_start().as_bytes().first(), Some(b'*' | b'a' | b'A'))
        && ["*", "all", "all versions"].iter().any(|x| eq_norm(s, x))
}

#[derive(Debug, Clone)]
enum Upper<'a> {
    None,
    Below(&'a str),
    UpTo(&'a str),
    /// Below the end of a branch (`17.0.x*`).
    Branch(&'a str),
    /// Bounded by the next higher unbounded range of the same entry.
    NextBranch(&'a str),
}

/// A version entry that cannot be compared with the fact: where, the entry
/// in words, and why (empty when not asked for).
#[derive(Default)]
struct NotComparable {
    origin: String,
    text: String,
    reason: String,
}

/// Why entry `r` cannot be compared with the installed version `v` (the
/// string the ordering would use), or `None` when it can (`nc_reason`
/// puts it in words).
///
/// Not comparable: an installed version that is not a version (`latest`,
/// `R2 SP1 build abc`, nothing recorded) against anything but "every
/// version"; a record's version that is free text (`unspecified`,
/// `FortiOS 6.0.0 to 6.0.4, …`) where a version is needed (an exact entry,
/// or the start of a range). Comparison operators written into the version
/// (`>= 8.0.1`) and lists of ranges (`15.0.0-15.1.0.3, …`) are read.
fn not_comparable(r: &VersionRange, v: &str) -> Option<NcWhy> {
    let start = r.version.trim();
    let has_upper = r.less_than.is_some() || r.less_than_or_equal.is_some();
    if !has_upper && is_everything(start) {
        return None;
    }
    if v.trim().is_empty() {
        return Some(NcWhy::NoVersion);
    }
    if !version::looks_like_version(v) {
        return Some(NcWhy::NotAVersion);
    }
    if !has_upper {
        let bare = start.trim_start_matches(['<', '>', '=', '!', '~', ' ']);
        if !version::looks_like_version(bare) && text_ranges(start).is_none() {
            return Some(NcWhy::FreeText);
        }
        return None;
    }
    if version::looks_like_version(start) || is_open_start(start) {
        return None;
    }
    let patch = r
        .version_type
        .as_deref()
        .is_some_and(|t| t.eq_ignore_ascii_case("patch"));
    if !patch {
        return Some(NcWhy::FreeStart);
    }
    None
}

/// Why an entry cannot be compared (`not_comparable`).
#[derive(Debug, Clone, Copy)]
enum NcWhy {
    /// The inventory has no version.
    NoVersion,
    /// The installed version is not one.
    NotAVersion,
    /// The record's (exact) version is free text.
    FreeText,
    /// The range starts at free text.
    FreeStart,
}

/// `NcWhy` in words.
fn nc_reason(why: NcWhy, r: &VersionRange, fact: &FactData) -> String {
    let start = r.version.trim();
    let vt = || {
        r.version_type
            .as_deref()
            .map(|t| format!(" (versionType {t})"))
            .unwrap_or_else(|| " (no versionType)".into())
    };
    match why {
        NcWhy::NoVersion => "the inventory records no version".into(),
        NcWhy::NotAVersion => format!(
            "the installed version '{}' ({} scheme) is not a version that can be ordered",
            fact.version(),
            scheme_name(fact.scheme)
        ),
        NcWhy::FreeText => format!("the record's version '{start}' is free text{}", vt()),
        NcWhy::FreeStart => format!("the range starts at '{start}', which is free text{}", vt()),
    }
}

/// The inventory's name of a scheme (`other` for the generic ordering).
fn scheme_name(s: Scheme) -> &'static str {
    match s {
        Scheme::Generic => "other",
        s => s.as_str(),
    }
}

/// The best status an entry can give (its own or one of its changes).
fn potential_rank(r: &VersionRange) -> u8 {
    let st = std::iter::once(r.status).chain(r.changes.iter().map(|c| c.status));
    st.map(|s| match s {
        Status::Affected => 3,
        Status::Unaffected => 1,
        Status::Unknown => 0,
    })
    .max()
    .unwrap_or(0)
}

/// The starts of a rule's unbounded ranges (`lessThan: "*"`), for the
/// branch reading.
fn unbounded_starts(rule: &AffectedRule) -> Vec<&str> {
    rule.versions
        .iter()
        .filter(|r| {
            r.less_than.as_deref().is_some_and(|l| l.trim() == "*")
                && r.less_than_or_equal.is_none()
        })
        .map(|r| r.version.as_str())
        .filter(|v| version::looks_like_version(v))
        .collect()
}

/// What a covering entry gives, before it is put in words: the status the
/// changes leave, the change that decided it (its index, and whether it
/// was a named fix installed), and the fix that removes "affected".
#[derive(Clone, Copy)]
struct EntryStatus {
    status: Status,
    change: Option<(usize, bool)>,
    hotfix: Option<usize>,
}

impl EntryStatus {
    /// The status given (a fix that removes "affected" leaves it, noted).
    fn given(&self) -> Status {
        if self.hotfix.is_some() {
            Status::Affected
        } else {
            self.status
        }
    }

    /// As `rank` of the verdict it becomes.
    fn rank(&self) -> u8 {
        verdict_rank(self.given(), self.hotfix.is_some())
    }
}

/// The status of a covering entry at `v`: its own, changed by its
/// `changes` at versions up to `v` and by the named fixes installed.
fn entry_status(
    r: &VersionRange,
    v: &str,
    cmp: &dyn Fn(&str, &str) -> Ordering,
    p: &Prepared,
) -> EntryStatus {
    let mut e = EntryStatus {
        status: r.status,
        change: None,
        hotfix: None,
    };
    for (i, ch) in r.changes.iter().enumerate() {
        if version::looks_like_version(&ch.at) {
            if cmp(v, &ch.at) != Ordering::Less {
                e.status = ch.status;
                e.change = Some((i, false));
            }
        } else if !p.fixes.is_empty() && p.fixes.contains(&normalise_fix(&ch.at)) {
            if e.status == Status::Affected && ch.status == Status::Unaffected {
                e.hotfix = Some(i);
            } else {
                e.status = ch.status;
            }
            e.change = Some((i, true));
        }
    }
    e
}

/// The verdict of covering entry `k` in words.
fn entry_verdict<'r>(
    rule: &'r AffectedRule,
    k: usize,
    fact: &FactData,
    unbounded: &[&str],
    e: EntryStatus,
) -> RuleVerdict<'r> {
    use std::fmt::Write as _;
    let r = &rule.versions[k];
    let vt = r.version_type.as_deref();
    let (scheme, v) = ordering_of(vt, fact);
    let cmp = |a: &str, b: &str| version::compare_or_generic(scheme, a, b).0;
    let mut text = String::with_capacity(128);
    if !range_covers(r, v, unbounded, &cmp, Some(&mut text)) || text.is_empty() {
        text.clear();
        let _ = write!(text, "v = {}", r.version);
    }
    if r.status != e.status || e.hotfix.is_some() {
        let _ = write!(text, " is {}", r.status.as_str());
    }
    text.push_str(" (");
    match vt {
        Some(t) => {
            let _ = write!(text, "versionType {t}");
        }
        None => text.push_str("no versionType"),
    }
    let _ = write!(text, ", ordered as {scheme}");
    write_upstream_note(&mut text, vt, fact, scheme, v);
    text.push_str(") → ");
    text.push_str(e.given().as_str());
    match e
        .change
        .and_then(|(i, named)| Some((r.changes.get(i)?, named)))
    {
        Some((ch, false)) => {
            let _ = write!(text, "; {} from {}", ch.status.as_str(), ch.at);
        }
        Some((ch, true)) => {
            let _ = write!(text, "; {} with {} installed", ch.status.as_str(), ch.at);
        }
        None if e.hotfix.is_none() => {
            let mut fixes = r
                .changes
                .iter()
                .filter(|c| !version::looks_like_version(&c.at) && c.status == Status::Unaffected)
                .map(|c| c.at.as_str())
                .peekable();
            if fixes.peek().is_some() {
                text.push_str("; unaffected with ");
                for (i, f) in fixes.enumerate() {
                    if i > 0 {
                        text.push_str(" or ");
                    }
                    text.push_str(f);
                }
                text.push_str(" (not installed)");
            }
        }
        None => {}
    }
    RuleVerdict {
        status: e.given(),
        origin: (&rule.origin, Some(k)),
        text,
        hotfix: e
            .hotfix
            .and_then(|i| r.changes.get(i))
            .map(|c| c.at.clone()),
    }
}

/// Evaluates one rule's versions for a fact: `Ok(None)` when the rule says
/// nothing about it, `Err` when an entry that could decide cannot be
/// compared with it. Only the deciding entry is put in words.
fn eval_versions<'r>(
    rule: &'r AffectedRule,
    fact: &Fact,
    p: &Prepared,
    notes: bool,
) -> Result<Option<RuleVerdict<'r>>, NotComparable> {
    // Starts of the unbounded ranges, for the branch reading.
    let unbounded = unbounded_starts(rule);
    // The best covering entry: its index and status.
    let mut found: Option<(usize, EntryStatus)> = None;
    // Entries that cannot be compared: (index, why, best status they give).
    let mut skipped: Vec<(usize, NcWhy, u8)> = Vec::new();
    for (k, r) in rule.versions.iter().enumerate() {
        let (scheme, v) = ordering_of(r.version_type.as_deref(), fact);
        if let Some(why) = not_comparable(r, v) {
            skipped.push((k, why, potential_rank(r)));
            continue;
        }
        let cmp = |a: &str, b: &str| version::compare_or_generic(scheme, a, b).0;
        if !range_covers(r, v, &unbounded, &cmp, None) {
            continue;
        }
        let e = entry_status(r, v, &cmp, p);
        // Affected wins over unaffected; a clean "affected" over one removed by a hotfix.
        if found.is_none_or(|(_, f)| e.rank() > f.rank()) {
            found = Some((k, e));
        }
    }
    // An entry that cannot be compared matters when it could give a better
    // status than the one found, or stands where `defaultStatus` would.
    let found_rank = found.map(|(_, e)| e.rank());
    if let Some(&(k, why, _)) = skipped
        .iter()
        .find(|(_, _, pot)| found_rank.is_none_or(|fr| *pot > fr))
    {
        if !notes {
            return Err(NotComparable::default());
        }
        let r = &rule.versions[k];
        let more = skipped.len() - 1;
        let reason = nc_reason(why, r, fact);
        return Err(NotComparable {
            origin: format!("{}.versions[{k}]", rule.origin),
            text: format!("{} → {}", entry_words(r), r.status.as_str()),
            reason: if more > 0 {
                format!("{reason} (and {more} more entries)")
            } else {
                reason
            },
        });
    }
    if let Some((k, e)) = found {
        if e.given() != Status::Unknown {
            return Ok(Some(entry_verdict(rule, k, fact, &unbounded, e)));
        }
    }
    Ok(match rule.default_status {
        Status::Unknown => None,
        st => Some(RuleVerdict {
            status: st,
            origin: (&rule.origin, None),
            text: format!(
                "no version entry covers {}; defaultStatus {}",
                fact.version(),
                st.as_str()
            ),
            hotfix: None,
        }),
    })
}

/// A version entry as written: `version 7.2.0, lessThan 7.2.7 (semver)`.
fn entry_words(r: &VersionRange) -> String {
    let mut s = format!("version '{}'", r.version);
    if let Some(l) = &r.less_than {
        s.push_str(&format!(", lessThan '{l}'"));
    }
    if let Some(l) = &r.less_than_or_equal {
        s.push_str(&format!(", lessThanOrEqual '{l}'"));
    }
    if let Some(t) = &r.version_type {
        s.push_str(&format!(" ({t})"));
    }
    s
}

fn rank(v: &RuleVerdict) -> u8 {
    verdict_rank(v.status, v.hotfix.is_some())
}

fn verdict_rank(status: Status, hotfix: bool) -> u8 {
    match (status, hotfix) {
        (Status::Affected, false) => 3,
        (Status::Affected, true) => 2,
        (Status::Unaffected, _) => 1,
        (Status::Unknown, _) => 0,
    }
}

/// Whether the range covers `v`; when it does, the range in words is
/// written to `text` (nothing for an exact version).
fn range_covers(
    r: &VersionRange,
    v: &str,
    unbounded: &[&str],
    cmp: &dyn Fn(&str, &str) -> Ordering,
    text: Option<&mut String>,
) -> bool {
    use std::fmt::Write as _;
    let start = r.version.trim();
    let has_upper = r.less_than.is_some() || r.less_than_or_equal.is_some();
    if !has_upper {
        if is_everything(start) {
            if let Some(t) = text {
                t.push_str("every version");
            }
            return true;
        }
        if let Some(ranges) = text_ranges(start) {
            for (lo, hi) in ranges {
                if cmp(v, lo) != Ordering::Less && cmp(v, hi) != Ordering::Greater {
                    if let Some(t) = text {
                        let _ = write!(t, "{lo} ≤ v ≤ {hi} (from the text '{start}')");
                    }
                    return true;
                }
            }
            return false;
        }
        return cmp(v, start) == Ordering::Equal;
    }
    // versionType "patch": a branch and a build in it.
    if r.version_type
        .as_deref()
        .is_some_and(|t| t.eq_ignore_ascii_case("patch"))
    {
        let Some(rest) = v.strip_prefix(start).and_then(|x| x.strip_prefix('-')) else {
            return false;
        };
        if !rest.starts_with(|c: char| c.is_ascii_digit()) {
            return false;
        }
        let (bound, incl) = match (&r.less_than, &r.less_than_or_equal) {
            (_, Some(le)) => (le.as_str(), true),
            (Some(lt), None) => (lt.as_str(), false),
            (None, None) => return false,
        };
        let o = cmp(rest, bound);
        let ok = o == Ordering::Less || (incl && o == Ordering::Equal);
        if let (true, Some(t)) = (ok, text) {
            let _ = write!(
                t,
                "{start}-{rest} in branch {start}, build {} {bound}",
                if incl { "≤" } else { "<" }
            );
        }
        return ok;
    }
    let lower = if start.ends_with(['x', 'X', '*']) && version::looks_like_version(start) {
        version::branch_prefix(start)
    } else {
        start
    };
    let lower_known = !is_open_start(lower) && version::looks_like_version(lower);
    if lower_known && cmp(v, lower) == Ordering::Less {
        return false;
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
                            version::looks_like_version(s) && cmp(s, lower) == Ordering::Greater
                        })
                        .min_by(|a, b| cmp(a, b));
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
    let ok = match &upper {
        Upper::None => true,
        Upper::Below(u) => cmp(v, u) == Ordering::Less,
        Upper::UpTo(u) => cmp(v, u) != Ordering::Greater,
        Upper::Branch(b) => cmp(v, b) == Ordering::Less || version::in_branch(b, v),
        Upper::NextBranch(n) => cmp(v, n) == Ordering::Less,
    };
    let (true, Some(t)) = (ok, text) else {
        return ok;
    };
    if lower_known {
        let _ = write!(t, "{lower} ≤ ");
    }
    let _ = match &upper {
        Upper::None => {
            let raw = r
                .less_than
                .as_deref()
                .or(r.less_than_or_equal.as_deref())
                .unwrap_or("*");
            t.push('v');
            if raw.trim() == "*" {
                Ok(())
            } else {
                write!(t, " (upper bound '{raw}' is not a version: read as none)")
            }
        }
        Upper::Below(u) => write!(t, "v < {u}"),
        Upper::UpTo(u) => write!(t, "v ≤ {u}"),
        Upper::Branch(b) => write!(t, "v ≤ {b}.*"),
        Upper::NextBranch(n) => write!(
            t,
            "v < {n} (lessThan '*', read as ending where the entry's next branch starts)"
        ),
    };
    true
}

fn upper_of(s: &str, inclusive: bool) -> Upper<'_> {
    let t = s.trim();
    if t == "*" || t.is_empty() {
        return Upper::None;
    }
    if t.ends_with('*') {
        let prefix = version::branch_prefix(t);
        if version::looks_like_version(prefix) {
            return Upper::Branch(prefix);
        }
        return Upper::None;
    }
    if !version::looks_like_version(t) {
        return Upper::None;
    }
    if inclusive {
        Upper::UpTo(t)
    } else {
        Upper::Below(t)
    }
}

/// `15.0.0-15.1.0.3, 14.1.0-14.1.2.5` → inclusive ranges; `None` when the
/// text is not such a list (so `10.2.9-h1` and `13.1-49.15` stay versions).
fn text_ranges(s: &str) -> Option<Vec<(&str, &str)>> {
    let mut out = Vec::new();
    for part in s.split(',') {
        let part = part.trim();
        let (lo, hi) = part.split_once('-')?;
        let (lo, hi) = (lo.trim(), hi.trim());
        fn first(x: &str) -> Option<&str> {
            x.split('.').next()
        }
        if !version::looks_like_version(lo)
            || !version::looks_like_version(hi)
            || !lo.contains('.')
            || !hi.contains('.')
            || first(lo) != first(hi)
            || version::compare(Scheme::Dotted, lo, hi) == Some(Ordering::Greater)
        {
            return None;
        }
        out.push((lo, hi));
    }
    (!out.is_empty()).then_some(out)
}

fn modules_ok(mods: &[&str], p: &Prepared) -> Result<Option<String>, ()> {
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

/// A statement that names a fact but cannot be compared with it, kept until
/// the record has been matched: it is reported when nothing else found the
/// fact affected.
struct Pending {
    fact: usize,
    source: EvidenceSource,
    record: String,
    rule: String,
    reason: String,
}

fn evidence_source(source: Source) -> EvidenceSource {
    match source {
        Source::Cve5Adp => EvidenceSource::Cve5Adp,
        Source::Csaf => EvidenceSource::Csaf,
        _ => EvidenceSource::Cve5Cna,
    }
}

/// The best verdict of one source's rules for a fact: its status and, when
/// "affected", the finding. `None` when the source says nothing, or when a
/// rule that could decide cannot be compared with the fact (added to
/// `pending`, and the next source is asked).
fn vendor_verdict(
    v: &Vuln,
    plan: &VulnPlan,
    source: Source,
    (fi, fact): (usize, &Fact),
    p: &Prepared,
    pending: Option<&mut Vec<Pending>>,
) -> Option<(Status, Option<Finding>)> {
    // The best verdict so far: with how the rule names the fact, the
    // module note and its rank.
    type Best<'r> = (RuleVerdict<'r>, Naming<'r>, Option<String>, (u8, u8));
    let mut best: Option<Best> = None;
    // Rules that cannot be compared: (how specific, what to report when
    // `pending` is asked for).
    let mut blocked: Vec<(u8, Option<Pending>)> = Vec::new();
    let slot = match source {
        Source::Cve5Cna => 0,
        Source::Csaf => 1,
        _ => 2,
    };
    for &i in &plan.by_source[slot] {
        let Some(rule) = v.affected.get(i as usize) else {
            continue;
        };
        if !rule_may_name(plan, i, fact) {
            continue;
        }
        let Some((how, spec)) = names_fact(rule, fact, Some(p)) else {
            continue;
        };
        let mods = rule_modules(rule);
        let verdict = match modules_ok(&mods, p) {
            Ok(module_note) => {
                let mut verdict = match eval_versions(rule, fact, p, pending.is_some()) {
                    Ok(Some(verdict)) => verdict,
                    Ok(None) => continue,
                    Err(nc) => {
                        let x = pending.is_some().then(|| Pending {
                            fact: fi,
                            source: evidence_source(source),
                            record: format!("{} {}", v.id, nc.origin),
                            rule: format!("{}: {}", how.words(), nc.text),
                            reason: nc.reason,
                        });
                        blocked.push((spec, x));
                        continue;
                    }
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
                    origin: (&rule.origin, None),
                    text: format!("only module {} is affected", mods.join(", ")),
                    hotfix: None,
                },
                None,
            ),
        };
        let (verdict, module_note) = verdict;
        let key = (spec, rank(&verdict));
        if best.as_ref().is_none_or(|(_, _, _, bk)| key > *bk) {
            best = Some((verdict, how, module_note, key));
        }
    }
    // "Affected" stands; "unaffected" stands unless a rule as specific could
    // not be compared; otherwise the source cannot decide.
    let decided = match &best {
        Some((verdict, ..)) if verdict.status == Status::Affected => true,
        Some((_, _, _, (spec, _))) => blocked.iter().all(|(s, _)| s < spec),
        None => false,
    };
    if !decided {
        if let Some(pending) = pending {
            pending.extend(blocked.into_iter().filter_map(|(_, x)| x));
        }
        return None;
    }
    let (verdict, how, module_note, _) = best?;
    if verdict.status != Status::Affected {
        return Some((verdict.status, None));
    }
    let label = fact.label(p.item);
    let fact_text = match &module_note {
        Some(n) => format!("{label}; {n}"),
        None => label.to_string(),
    };
    let finding = Finding {
        cve: v.id,
        asset_id: p.item.asset_id,
        evidence: Arc::new(Evidence {
            source: evidence_source(source),
            record: verdict.record(v.id),
            rule: {
                let mut rule = String::with_capacity(64 + verdict.text.len());
                how.write(&mut rule);
                rule.push_str(": ");
                rule.push_str(&verdict.text);
                rule
            },
            inventory_fact: fact_text,
            hotfix_excluded: verdict.hotfix,
        }),
    };
    Some((Status::Affected, Some(finding)))
}

/// Whether rule `i` of the plan may name the fact (by its normalised
/// product or package name, or a CPE key): a quick filter before
/// `names_fact`.
fn rule_may_name(plan: &VulnPlan, i: u32, fact: &FactData) -> bool {
    match plan.rules.get(i as usize) {
        Some((base, pkg, keys, unkeyed)) => {
            let named = *base == fact.product_n() || *pkg == fact.product_n();
            named
                || (pkg.is_empty()
                    && (*unkeyed
                        || fact
                            .candidates
                            .iter()
                            .any(|c| c.cpe.vendor_product_key().is_none_or(|k| keys.contains(&k)))))
        }
        None => true,
    }
}

/// Whether a rule that names the fact can find it affected, or cannot be
/// compared with it, whatever the asset's fixes and modules: an entry
/// covering its version that is (or, with a fix installed, becomes)
/// "affected", an entry that cannot be compared, or `defaultStatus`
/// "affected" where no covering entry decides.
fn rule_may_affect(rule: &AffectedRule, fact: &FactData, notes: bool) -> bool {
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
    let mut decided = false;
    for r in &rule.versions {
        let (scheme, v) = ordering_of(r.version_type.as_deref(), fact);
        if not_comparable(r, v).is_some() {
            if notes {
                return true;
            }
            continue;
        }
        let cmp = |a: &str, b: &str| version::compare_or_generic(scheme, a, b).0;
        if !range_covers(r, v, &unbounded, &cmp, None) {
            continue;
        }
        // The status at this version, and those a named fix can give.
        let mut status = r.status;
        let mut possible: Vec<Status> = Vec::new();
        for ch in &r.changes {
            if version::looks_like_version(&ch.at) {
                if cmp(v, &ch.at) != Ordering::Less {
                    status = ch.status;
                }
            } else {
                possible.push(ch.status);
            }
        }
        possible.push(status);
        if possible.contains(&Status::Affected) {
            return true;
        }
        decided |= !possible.contains(&Status::Unknown);
    }
    !decided && rule.default_status == Status::Affected
}

/// Whether a vulnerable NVD criterion names one of the fact's CPEs with its
/// version in range (`notes`: or cannot compare the version).
fn nvd_may_affect(v: &Vuln, plan: &VulnPlan, fact: &FactData, notes: bool) -> bool {
    if v.configurations.is_empty() || fact.candidates.is_empty() {
        return false;
    }
    let mut configs: Vec<u32> = plan.unkeyed_configs.clone();
    let mut keys: Vec<u64> = Vec::with_capacity(fact.candidates.len());
    let mut all = false;
    for c in &fact.candidates {
        match c.cpe.vendor_product_key() {
            Some(k) => {
                keys.push(k);
                if let Some(cs) = plan.configs_by_key.get(&k) {
                    configs.extend_from_slice(cs);
                }
            }
            None => all = true,
        }
    }
    if all {
        configs = (0..v.configurations.len() as u32).collect();
    }
    configs.sort_unstable();
    configs.dedup();
    let hit = |m: &CpeMatch| {
        m.vulnerable
            && match cpe_match_fact(m, fact) {
                CpeOutcome::Hit(_) => true,
                CpeOutcome::NotComparable(_) => notes,
                _ => false,
            }
    };
    for ci in configs {
        let Some(cfg) = v.configurations.get(ci as usize) else {
            continue;
        };
        for (ni, n) in cfg.nodes.iter().enumerate() {
            if n.negate {
                continue;
            }
            match plan.nodes.get(ci as usize).and_then(|c| c.get(ni)) {
                Some((keyed, unkeyed)) if !all => {
                    for k in &keys {
                        let lo = keyed.partition_point(|(x, _)| x < k);
                        for (_, mi) in keyed[lo..].iter().take_while(|(x, _)| x == k) {
                            if n.matches.get(*mi as usize).is_some_and(hit) {
                                return true;
                            }
                        }
                    }
                    if unkeyed
                        .iter()
                        .any(|mi| n.matches.get(*mi as usize).is_some_and(hit))
                    {
                        return true;
                    }
                }
                _ => {
                    if n.matches.iter().any(hit) {
                        return true;
                    }
                }
            }
        }
    }
    false
}

/// Whether `v` can give a finding (`notes`: or an `Unevaluable`) for the
/// fact, whatever the rest of the asset (its modules, fixes, OS and other
/// facts): a vendor rule that names it (its platform condition aside) and
/// `rule_may_affect`, or `nvd_may_affect`. A superset: the records it
/// rejects give nothing for the fact, so an asset need only be matched with
/// the records its facts accept.
fn fact_relevant(v: &Vuln, plan: &VulnPlan, fact: &FactData, notes: bool) -> bool {
    if fact.platform_only {
        return false;
    }
    for slot in &plan.by_source {
        for &i in slot {
            let Some(rule) = v.affected.get(i as usize) else {
                continue;
            };
            if rule_may_name(plan, i, fact)
                && names_fact(rule, fact, None).is_some()
                && rule_may_affect(rule, fact, notes)
            {
                return true;
            }
        }
    }
    nvd_may_affect(v, plan, fact, notes)
}

// ------------------------------------------------------------ NVD

/// What one cpeMatch says about one fact.
enum CpeOutcome {
    /// It names the candidate at this index, version included.
    Hit(usize),
    Miss,
    /// It names a candidate, but the version cannot be compared: why.
    NotComparable(String),
    /// It names a candidate whose version it compared, out of its range.
    OutOfRange,
}

fn cpe_match_fact(m: &CpeMatch, fact: &FactData) -> CpeOutcome {
    let mut not_comparable = None;
    let mut compared = false;
    let crit_version = m.criteria.version();
    let ranged = m.has_range();
    let exact_version = match crit_version {
        Value::Text(t) => t.as_literal(),
        _ => None,
    };
    let exact = exact_version.is_some();
    for (ci, c) in fact.candidates.iter().enumerate() {
        // The version is compared below when a range or an exact version
        // decides it, and by CPE matching otherwise.
        let skip: &[usize] = match (c.part_known, ranged || exact) {
            (true, false) => &[],
            (true, true) => &[3],
            (false, false) => &[0],
            (false, true) => &[0, 3],
        };
        let c_version = fact.cand_version(c);
        let comparable = version::looks_like_version(c_version);
        if !cpe::is_match_except(&m.criteria, &c.cpe, skip) {
            // A version pattern (`8.*`) against a version that is not one.
            if !comparable && not_comparable.is_none() && matches!(crit_version, Value::Text(_)) {
                let name_only: &[usize] = if c.part_known { &[3] } else { &[0, 3] };
                if cpe::is_match_except(&m.criteria, &c.cpe, name_only) {
                    not_comparable = Some(version_reason(fact, c));
                }
            }
            continue;
        }
        if (ranged || exact) && !comparable {
            if not_comparable.is_none() {
                not_comparable = Some(version_reason(fact, c));
            }
            continue;
        }
        let scheme = if fact.scheme == Scheme::Generic && comparable {
            Scheme::Dotted
        } else {
            fact.scheme
        };
        let cmp = |b: &str| version::compare_or_generic(scheme, c_version, b).0;
        compared = true;
        if !ranged {
            if let Some(lit) = exact_version {
                if cmp(lit) != Ordering::Equal {
                    continue;
                }
            }
        }
        if ranged {
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
        return CpeOutcome::Hit(ci);
    }
    match not_comparable {
        Some(why) => CpeOutcome::NotComparable(why),
        None if compared => CpeOutcome::OutOfRange,
        None => CpeOutcome::Miss,
    }
}

fn version_reason(fact: &FactData, c: &Candidate) -> String {
    if fact.cand_version(c).trim().is_empty() {
        "the inventory records no version".into()
    } else {
        format!(
            "the installed version '{}' ({} scheme) is not a version that can be ordered",
            fact.version(),
            scheme_name(fact.scheme)
        )
    }
}

fn range_words(m: &CpeMatch) -> String {
    let mut out = String::with_capacity(96);
    push_range_words(&mut out, m);
    out
}

/// `range_words` written to `out`.
fn push_range_words(out: &mut String, m: &CpeMatch) {
    use std::fmt::Write as _;
    let _ = write!(out, "{}", m.criteria);
    let parts = [
        (&m.version_start_including, "", " ≤ v"),
        (&m.version_start_excluding, "", " < v"),
        (&m.version_end_including, "v ≤ ", ""),
        (&m.version_end_excluding, "v < ", ""),
    ];
    let mut first = true;
    for (bound, before, after) in parts {
        if let Some(b) = bound {
            out.push_str(if first { " with " } else { " and " });
            first = false;
            out.push_str(before);
            out.push_str(b);
            out.push_str(after);
        }
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
    configs_by_key: HashMap<u64, Vec<u32>, HashedKeys>,
    /// Configurations with a vulnerable criterion whose vendor or product is
    /// a wildcard: always evaluated.
    unkeyed_configs: Vec<u32>,
    /// Per configuration, per node: (key, cpeMatch index) sorted, and the
    /// unkeyed cpeMatch indices.
    nodes: Vec<Vec<NodePlan>>,
    /// What the record says of a fact depends on nothing else of the asset:
    /// its configurations are single OR nodes (no platform, no negation)
    /// and its rules name no module, no platform of a package and no fix.
    simple: bool,
    /// The keys of every name the record can name a fact by (product and
    /// package names, CPE vendor/product), sorted; `None` when one is a
    /// wildcard (it can name any fact).
    names: Option<Vec<u64>>,
    /// The parts of an asset besides its facts that its verdicts use.
    uses_modules: bool,
    uses_fixes: bool,
    uses_os: bool,
}

impl VulnPlan {
    pub fn new(v: &Vuln) -> VulnPlan {
        let rules: Vec<(String, String, Vec<u64>, bool)> = v
            .affected
            .iter()
            .map(|r| {
                let base = norm(product_and_modules(r).0);
                let pkg = r.package_name.as_deref().map(norm).unwrap_or_default();
                let keys: Vec<u64> = r.cpes.iter().filter_map(Cpe::vendor_product_key).collect();
                let unkeyed = keys.len() < r.cpes.len();
                (base, pkg, keys, unkeyed)
            })
            .collect();
        let simple_rule = |r: &AffectedRule| {
            let modules_free = rule_modules(r).into_iter().all(is_all_modules);
            let on_platform = r
                .package_name
                .as_deref()
                .is_some_and(|pkg| r.product.as_deref().is_some_and(|prod| !eq_norm(prod, pkg)));
            let named_fix = r.versions.iter().any(|x| {
                x.changes
                    .iter()
                    .any(|c| !version::looks_like_version(&c.at))
            });
            modules_free && !on_platform && !named_fix && r.fixes.is_empty()
        };
        let simple_config = |c: &NvdConfig| {
            !c.negate
                && c.nodes.len() == 1
                && c.nodes
                    .iter()
                    .all(|n| !n.negate && n.operator == Operator::Or)
        };
        let mut names: Option<Vec<u64>> = Some(Vec::new());
        for (r, (base, pkg, keys, unkeyed)) in v.affected.iter().zip(&rules) {
            if let Some(n) = &mut names {
                if !base.is_empty() {
                    n.push(product_key(base));
                }
                if !pkg.is_empty() {
                    n.push(product_key(pkg));
                }
                n.extend_from_slice(keys);
            }
            if *unkeyed && r.package_name.is_none() {
                names = None;
            }
        }
        for m in v
            .configurations
            .iter()
            .flat_map(|c| &c.nodes)
            .flat_map(|n| &n.matches)
        {
            match (m.criteria.vendor_product_key(), &mut names) {
                (Some(k), Some(n)) => n.push(k),
                (None, _) => names = None,
                _ => {}
            }
        }
        if let Some(n) = &mut names {
            n.sort_unstable();
            n.dedup();
        }
        let uses_modules = v
            .affected
            .iter()
            .any(|r| !rule_modules(r).into_iter().all(is_all_modules));
        let uses_fixes = v.affected.iter().any(|r| {
            !r.fixes.is_empty()
                || r.versions.iter().any(|x| {
                    x.changes
                        .iter()
                        .any(|c| !version::looks_like_version(&c.at))
                })
        });
        let uses_os = v.affected.iter().any(|r| {
            r.package_name
                .as_deref()
                .is_some_and(|pkg| r.product.as_deref().is_some_and(|prod| !eq_norm(prod, pkg)))
        });
        let mut plan = VulnPlan {
            rules,
            simple: v.affected.iter().all(simple_rule)
                && v.configurations.iter().all(simple_config),
            names,
            uses_modules,
            uses_fixes,
            uses_os,
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
/// A cpeMatch that names a fact whose version it cannot compare.
struct Maybe {
    vulnerable: bool,
    fact: usize,
    match_idx: usize,
    reason: String,
}

/// What `node_hits` notes besides the hits (for `Unevaluable`).
#[derive(Default)]
struct Notes {
    maybes: Vec<Maybe>,
    /// Facts whose version a vulnerable criterion compared.
    compared: Vec<usize>,
}

/// All hits of one node over the facts (and, in `notes`, the criteria that
/// name a fact but cannot compare its version).
fn node_hits(
    n: &crate::model::NvdNode,
    plan: Option<&NodePlan>,
    facts: &[Fact],
    notes: &mut Notes,
) -> Vec<Hit> {
    let mut hits = Vec::new();
    let or_node = n.operator == Operator::Or;
    // The cpeMatch indices worth a full comparison for each fact.
    let try_match = |mi: usize, fi: usize, hits: &mut Vec<Hit>, notes: &mut Notes| {
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
        match cpe_match_fact(m, f) {
            CpeOutcome::Hit(ci) => hits.push(Hit {
                vulnerable: m.vulnerable,
                fact: fi,
                match_idx: mi,
                cand: ci,
            }),
            CpeOutcome::Miss => {}
            CpeOutcome::OutOfRange => {
                if m.vulnerable {
                    notes.compared.push(fi);
                }
            }
            CpeOutcome::NotComparable(reason) => {
                if !notes
                    .maybes
                    .iter()
                    .any(|x| x.fact == fi && x.match_idx == mi)
                {
                    notes.maybes.push(Maybe {
                        vulnerable: m.vulnerable,
                        fact: fi,
                        match_idx: mi,
                        reason,
                    });
                }
            }
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
                                try_match(*mi as usize, fi, &mut hits, notes);
                            }
                        }
                        None => {
                            for (_, mi) in keyed {
                                try_match(*mi as usize, fi, &mut hits, notes);
                            }
                        }
                    }
                }
                for mi in unkeyed {
                    try_match(*mi as usize, fi, &mut hits, notes);
                }
            }
        }
        None => {
            for mi in 0..n.matches.len() {
                for fi in 0..facts.len() {
                    try_match(mi, fi, &mut hits, notes);
                }
            }
        }
    }
    hits.sort_by_key(|h| (h.match_idx, h.fact));
    hits
}

/// Whether a node is satisfied by these matched criteria.
fn node_sat(n: &crate::model::NvdNode, matched: impl Iterator<Item = usize>) -> bool {
    let mut idx: Vec<usize> = matched.collect();
    idx.sort_unstable();
    idx.dedup();
    let sat = match n.operator {
        Operator::Or => !idx.is_empty(),
        Operator::And => !n.matches.is_empty() && idx.len() == n.matches.len(),
    };
    sat != n.negate
}

/// Evaluates one configuration for the facts in `wanted` (those no vendor
/// statement decided) and adds a finding for each fact it makes vulnerable.
/// With `pending`, also notes the facts it would make vulnerable were the
/// versions it cannot compare in range.
#[allow(clippy::too_many_arguments)]
fn eval_config(
    v: &Vuln,
    ci: usize,
    cfg: &NvdConfig,
    plan: &VulnPlan,
    p: &Prepared,
    wanted: &mut [bool],
    out: &mut Vec<(usize, Finding)>,
    pending: Option<(&mut Vec<Pending>, &mut [bool])>,
) {
    if cfg.nodes.is_empty() {
        return;
    }
    let mut nodes: Vec<(bool, Vec<Hit>)> = Vec::with_capacity(cfg.nodes.len());
    // What cannot be compared, per node, and the facts compared: only for
    // `pending`.
    let mut maybes: Vec<Vec<Maybe>> = Vec::new();
    let mut compared: Vec<usize> = Vec::new();
    for (ni, n) in cfg.nodes.iter().enumerate() {
        let np = plan.nodes.get(ci).and_then(|c| c.get(ni));
        let mut notes = Notes::default();
        let hits = node_hits(n, np, &p.facts, &mut notes);
        let sat = node_sat(n, hits.iter().map(|h| h.match_idx));
        // A negated node contributes no vulnerable match.
        nodes.push((sat, if n.negate { Vec::new() } else { hits }));
        if pending.is_none() {
            continue;
        }
        if !n.negate {
            maybes.push(notes.maybes);
            compared.extend(notes.compared);
        } else {
            maybes.push(Vec::new());
        }
    }
    if let Some((pending, evaluated)) = pending {
        for fi in compared {
            if let Some(e) = evaluated.get_mut(fi) {
                *e = true;
            }
        }
        if maybes.iter().any(|m| !m.is_empty()) {
            note_not_comparable(v, ci, cfg, &nodes, &maybes, p, wanted, pending);
        }
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
            out.push((h.fact, nvd_finding(v, ci, cfg, ni, h, &nodes, p)));
        }
    }
}

/// For `eval_config`: the facts that the configuration would make
/// vulnerable if the versions it cannot compare were in range.
#[allow(clippy::too_many_arguments)]
fn note_not_comparable(
    v: &Vuln,
    ci: usize,
    cfg: &NvdConfig,
    nodes: &[(bool, Vec<Hit>)],
    maybes: &[Vec<Maybe>],
    p: &Prepared,
    wanted: &[bool],
    pending: &mut Vec<Pending>,
) {
    let sat_with = |ni: usize, n: &crate::model::NvdNode| {
        if n.negate {
            return nodes[ni].0;
        }
        node_sat(
            n,
            nodes[ni]
                .1
                .iter()
                .map(|h| h.match_idx)
                .chain(maybes[ni].iter().map(|m| m.match_idx)),
        )
    };
    let sat: Vec<bool> = cfg
        .nodes
        .iter()
        .enumerate()
        .map(|(ni, n)| sat_with(ni, n))
        .collect();
    let possible = match cfg.operator {
        Operator::And => sat.iter().all(|s| *s),
        Operator::Or => sat.iter().any(|s| *s),
    };
    if possible == cfg.negate {
        return;
    }
    let words = |ni: usize, mi: usize| {
        cfg.nodes
            .get(ni)
            .and_then(|n| n.matches.get(mi))
            .map(range_words)
            .unwrap_or_default()
    };
    // A platform criterion that cannot be compared: for the facts that
    // match a vulnerable criterion.
    let platform = maybes.iter().flatten().find(|m| !m.vulnerable);
    for (ni, ms) in maybes.iter().enumerate() {
        for m in ms.iter().filter(|m| m.vulnerable) {
            if wanted.get(m.fact).copied().unwrap_or(false) {
                pending.push(Pending {
                    fact: m.fact,
                    source: EvidenceSource::NvdCpe,
                    record: format!(
                        "{} configurations[{ci}].nodes[{ni}].cpeMatch[{}]",
                        v.id, m.match_idx
                    ),
                    rule: format!("configuration {}: {}", ci + 1, words(ni, m.match_idx)),
                    reason: m.reason.clone(),
                });
            }
        }
    }
    if let Some(pl) = platform {
        for (ni, (_, hits)) in nodes.iter().enumerate() {
            for h in hits.iter().filter(|h| h.vulnerable) {
                if wanted.get(h.fact).copied().unwrap_or(false) {
                    let label = p.facts.get(pl.fact).map(|f| f.label(p.item));
                    pending.push(Pending {
                        fact: h.fact,
                        source: EvidenceSource::NvdCpe,
                        record: format!(
                            "{} configurations[{ci}].nodes[{ni}].cpeMatch[{}]",
                            v.id, h.match_idx
                        ),
                        rule: format!("configuration {}: {}", ci + 1, words(ni, h.match_idx)),
                        reason: format!(
                            "the platform it runs on cannot be compared ({}): {}",
                            label.unwrap_or_default(),
                            pl.reason
                        ),
                    });
                }
            }
        }
    }
}

/// The fact as NVD matched it by its candidate `cand`: `software
/// Google|Chrome|119.0|dotted as cpe:2.3:a:google:chrome:119.0:…` with how
/// the CPE was made (made once per fact and candidate).
fn nvd_fact_text<'f>(
    fact: &'f Fact,
    cand: usize,
    item: &InventoryItem,
) -> std::borrow::Cow<'f, str> {
    let make = || {
        let mut fact_text = fact.label(item).to_string();
        if let Some(c) = fact.candidates.get(cand) {
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
                version::upstream(fact.scheme, fact.version()),
                fact.scheme,
                fact.version()
            ));
        }
        fact_text
    };
    match fact.data.candidates.get(cand) {
        Some(c) => c.nvd_text.get_or_init(make).into(),
        None => make().into(),
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
    let m = cfg.nodes.get(ni).and_then(|n| n.matches.get(h.match_idx));
    let mut rule = String::with_capacity(160);
    {
        use std::fmt::Write as _;
        let _ = write!(rule, "configuration {}: ", ci + 1);
    }
    if let Some(m) = m {
        push_range_words(&mut rule, m);
    }
    if let Some(id) = m.and_then(|m| m.match_criteria_id.as_deref()) {
        rule.push_str(" (matchCriteriaId ");
        rule.push_str(id);
        rule.push(')');
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
    let fact_text = nvd_fact_text(fact, h.cand, p.item).into_owned();
    Finding {
        cve: v.id,
        asset_id: p.item.asset_id,
        evidence: Arc::new(Evidence {
            source: EvidenceSource::NvdCpe,
            record: format!(
                "{} configurations[{ci}].nodes[{ni}].cpeMatch[{}]",
                v.id, h.match_idx
            ),
            rule,
            inventory_fact: fact_text,
            hotfix_excluded: None,
        }),
    }
}

// ------------------------------------------------------------ version spans

/// The leading numeric parts of a version (`17.1.0.3-h1` → 17, 1, 0, 3), at
/// most four, for a coarse order every version ordering agrees with: when
/// two such prefixes differ at a part both have, semver, dpkg, rpmvercmp,
/// vendor dotted and the generic ordering all order the versions as those
/// parts do. Where they do not differ, nothing is known. `None` for a string
/// this reading does not cover (not starting with a digit; an epoch).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Prefix {
    len: u8,
    parts: [u32; 4],
    /// The string is these numbers and dots, nothing else: two such with
    /// the same parts are equal in every ordering.
    whole: bool,
}

impl Prefix {
    fn of(s: &str) -> Option<Prefix> {
        let s = s.trim();
        if !s.starts_with(|c: char| c.is_ascii_digit()) || s.contains(':') {
            return None;
        }
        let mut p = Prefix {
            len: 0,
            parts: [0; 4],
            whole: s.split('.').count() <= 4
                && s.split('.').all(|x| {
                    !x.is_empty() && x.len() <= 9 && x.bytes().all(|b| b.is_ascii_digit())
                }),
        };
        for part in s.split('.') {
            let digits = part.bytes().take_while(u8::is_ascii_digit).count();
            if digits == 0 || p.len as usize == p.parts.len() {
                break;
            }
            let d = part[..digits].trim_start_matches('0');
            // Longer numbers than u32 holds are cut to its maximum: two of
            // them then compare equal, which decides nothing.
            p.parts[p.len as usize] = if d.len() > 9 {
                u32::MAX
            } else {
                d.parse().unwrap_or(0)
            };
            p.len += 1;
            if digits < part.len() {
                // Something else follows the number: stop here.
                break;
            }
        }
        Some(p)
    }

    /// Both are certainly the same version in every ordering.
    fn same(&self, other: &Prefix) -> bool {
        self.whole && other.whole && self.len == other.len && self.parts == other.parts
    }

    /// `self` is certainly lower than `other` in every ordering.
    fn below(&self, other: &Prefix) -> bool {
        let n = self.len.min(other.len) as usize;
        match (0..n).find(|&i| self.parts[i] != other.parts[i]) {
            Some(i) => self.parts[i] < other.parts[i],
            None => false,
        }
    }
}

/// Where a record can concern facts of one key: versions between `lo` and
/// `hi` (`None`: unbounded; `.1`: the bound itself excluded).
#[derive(Debug, Clone, Copy)]
struct Span {
    rec: u32,
    lo: Option<(Prefix, bool)>,
    hi: Option<(Prefix, bool)>,
    /// Only an `Unevaluable` can come of it (free text in the record).
    notes: bool,
    /// A range of a packaging type (`deb`, `rpm`): compared with a
    /// package's whole version, epoch included.
    distro: bool,
}

/// What a fact's version says about spans.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Probe {
    /// Not a version: only what concerns every version can find it.
    NotVersion,
    /// A version this reading does not cover: every span may hold it.
    Unread,
    At(Prefix),
}

impl Span {
    fn unbounded(&self) -> bool {
        self.lo.is_none() && self.hi.is_none()
    }

    /// How many leading parts (up to 4) both bounds have and share: every
    /// version the span holds starts with them. 0 when none, or when the
    /// span is unbounded, of a packaging type's range, or one only an
    /// `Unevaluable` can come of.
    fn level(&self) -> usize {
        match (self.lo, self.hi) {
            (Some((lo, _)), Some((hi, _))) if !self.distro && !self.notes => {
                let n = lo.len.min(hi.len).min(4) as usize;
                (0..n).take_while(|&i| lo.parts[i] == hi.parts[i]).count()
            }
            _ => 0,
        }
    }

    /// The parts of the upper bound, to order spans by; `None` (after
    /// every bound) when there is none, or for a packaging type's range
    /// (compared with a version the general probes do not give).
    fn upper(&self) -> Option<&[u32]> {
        match &self.hi {
            Some((h, _)) if !self.distro => h.parts.get(..h.len as usize),
            _ => None,
        }
    }

    /// Whether the span may give a fact with these probes a finding (or,
    /// with `notes`, an `Unevaluable`).
    fn may_concern(&self, general: &[Probe], whole: Probe, notes: bool) -> bool {
        if self.notes && !notes {
            return false;
        }
        let one = |p: &Probe| match p {
            Probe::NotVersion => notes || self.unbounded(),
            Probe::Unread => true,
            Probe::At(v) => self.may_contain(v),
        };
        general.iter().any(one) || (self.distro && one(&whole))
    }
}

impl Span {
    fn may_contain(&self, v: &Prefix) -> bool {
        let out_lo = self
            .lo
            .is_some_and(|(lo, excl)| v.below(&lo) || (excl && v.same(&lo)));
        let out_hi = self
            .hi
            .is_some_and(|(hi, excl)| hi.below(v) || (excl && v.same(&hi)));
        !(out_lo || out_hi)
    }
}

/// Upper bounds in order, none after every bound; a bound that is the
/// start of a longer one comes after it (its missing parts count as higher
/// than any number): `4.0` < `4`, since `4` is below no `4.x` while `4.0`
/// is below `4.1`. In this order the bounds below any version come first,
/// which a plain comparison of the parts does not give.
fn upper_order(a: Option<&[u32]>, b: Option<&[u32]>) -> Ordering {
    match (a, b) {
        (Some(a), Some(b)) => a
            .iter()
            .zip(b)
            .map(|(x, y)| x.cmp(y))
            .find(|o| o.is_ne())
            .unwrap_or_else(|| b.len().cmp(&a.len())),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    }
}

/// The spans of one key, for finding those that may hold a version fast:
/// first those whose bounds start with the same parts (`Span::level`), by
/// how many (1 to 4), then the others; each group sorted by the upper
/// bound (`Span::upper`).
///
/// In such an order, the spans whose upper bound is below a version come
/// first (if `a` is below `v` and `b` ≤ `a`, `b` is below `v`), and in a
/// level the spans whose bounds start with given parts lie together.
#[derive(Debug, Default)]
struct KeySpans {
    spans: Box<[Span]>,
    /// Where the spans of each level (1 to 4) start, and (last) the others.
    starts: [usize; 5],
}

impl KeySpans {
    fn new(mut list: Vec<Span>) -> KeySpans {
        list.sort_by(|a, b| {
            let class = |s: &Span| match s.level() {
                0 => 5,
                k => k,
            };
            class(a)
                .cmp(&class(b))
                .then_with(|| upper_order(a.upper(), b.upper()))
        });
        let mut starts = [0; 5];
        for (i, start) in starts.iter_mut().enumerate() {
            let k = if i == 4 { 0 } else { i + 1 };
            *start = list.partition_point(|s| {
                let l = s.level();
                l != 0 && (k == 0 || l < k)
            });
        }
        KeySpans {
            spans: list.into_boxed_slice(),
            starts,
        }
    }

    /// Adds the records of the spans that may concern a fact with these
    /// probes (`Span::may_concern`) to `out`.
    fn concerning(&self, general: &[Probe], whole: Probe, notes: bool, out: &mut Vec<u32>) {
        let keep = |s: &&Span| s.may_concern(general, whole, notes);
        let n = self.spans.len();
        let group = |a: usize, b: usize| self.spans.get(a.min(n)..b.min(n)).unwrap_or(&[]);
        let others = group(self.starts[4], n);
        let versions = || {
            general.iter().filter_map(|p| match p {
                Probe::At(v) => Some(v),
                _ => None,
            })
        };
        if versions().count() < general.len() {
            // A probe that is not read: every span may concern it.
            out.extend(self.spans.iter().filter(keep).map(|s| s.rec));
            return;
        }
        // (The probes are distinct.)
        for v in versions() {
            for k in 1..=4 {
                // The spans of the level whose bounds start as `v` does (as
                // far as `v` goes), less those whose upper bound is below it.
                let level = group(self.starts[k - 1], self.starts[k]);
                let m = k.min(v.len as usize);
                let want = &v.parts[..m];
                fn head(s: &Span, m: usize) -> Option<&[u32]> {
                    s.upper().map(|u| &u[..m.min(u.len())])
                }
                let lo = level.partition_point(|s| head(s, m).is_some_and(|h| h < want));
                let hi = level.partition_point(|s| head(s, m).is_some_and(|h| h <= want));
                let same = &level[lo..hi];
                let from = same.partition_point(|s| s.hi.is_some_and(|(h, _)| h.below(v)));
                out.extend(same[from..].iter().filter(keep).map(|s| s.rec));
            }
        }
        // The others whose upper bound is below every version of the fact
        // cannot hold it.
        let from = others.partition_point(|s| {
            s.upper().is_some() && versions().all(|v| s.hi.is_some_and(|(h, _)| h.below(v)))
        });
        out.extend(others[from..].iter().filter(keep).map(|s| s.rec));
    }
}

/// The inclusive bound a version string gives; `None` (unbounded) when it
/// is not read.
fn bound(s: &str) -> Option<(Prefix, bool)> {
    Prefix::of(s).map(|p| (p, false))
}

/// As `bound`, the bound itself excluded.
fn bound_excl(s: &str) -> Option<(Prefix, bool)> {
    Prefix::of(s).map(|p| (p, true))
}

/// The spans of a vendor rule's entries that can be "affected" or cannot be
/// compared (all versions when its `defaultStatus` is "affected").
fn rule_spans(rule: &AffectedRule, rec: u32, out: &mut Vec<Span>) {
    let any = Span {
        rec,
        lo: None,
        hi: None,
        notes: false,
        distro: false,
    };
    if rule.default_status == Status::Affected {
        out.push(any);
        return;
    }
    for r in &rule.versions {
        let start = r.version.trim();
        let has_upper = r.less_than.is_some() || r.less_than_or_equal.is_some();
        let free_text = if has_upper {
            !is_open_start(start) && !version::looks_like_version(start)
        } else {
            let bare = start.trim_start_matches(['<', '>', '=', '!', '~', ' ']);
            !is_everything(start)
                && text_ranges(start).is_none()
                && !version::looks_like_version(bare)
        };
        if potential_rank(r) < 3 && !free_text {
            continue;
        }
        let patch = r
            .version_type
            .as_deref()
            .is_some_and(|t| t.eq_ignore_ascii_case("patch"));
        let distro = r
            .version_type
            .as_deref()
            .and_then(Scheme::from_version_type)
            .is_some_and(Scheme::is_distro);
        let span = |lo, hi| Span {
            rec,
            lo,
            hi,
            notes: false,
            distro,
        };
        if free_text {
            // It cannot be compared with any version: only an
            // `Unevaluable` can come of it.
            out.push(Span { notes: true, ..any });
        } else if !has_upper {
            if is_everything(start) {
                out.push(any);
            } else if let Some(ranges) = text_ranges(start) {
                for (lo, hi) in ranges {
                    out.push(span(bound(lo), bound(hi)));
                }
            } else {
                let b = bound(start);
                out.push(span(b, b));
            }
        } else if patch {
            // A build in a branch: versions of the branch.
            let b = bound(start);
            out.push(span(b, b));
        } else {
            let lower = if start.ends_with(['x', 'X', '*']) && version::looks_like_version(start) {
                version::branch_prefix(start)
            } else {
                start
            };
            let lo = if !is_open_start(lower) && version::looks_like_version(lower) {
                bound(lower)
            } else {
                None
            };
            let upper = match (&r.less_than_or_equal, &r.less_than) {
                (Some(le), _) => upper_of(le, true),
                (None, Some(lt)) => upper_of(lt, false),
                (None, None) => Upper::None,
            };
            let hi = match upper {
                Upper::Below(u) => bound_excl(u),
                Upper::UpTo(u) | Upper::Branch(u) => bound(u),
                // The next branch's start is not worth reading here.
                Upper::None | Upper::NextBranch(_) => None,
            };
            // "affected" until one change to another status at a version
            // (F5 writes `lessThan: "*"` and the fixed release as a change).
            let hi = match r.changes.as_slice() {
                [ch] if r.status == Status::Affected
                    && ch.status != Status::Affected
                    && version::looks_like_version(&ch.at) =>
                {
                    bound_excl(&ch.at).or(hi)
                }
                _ => hi,
            };
            out.push(span(lo, hi));
        }
    }
}

/// The span of a vulnerable NVD criterion; `None` when it can match nothing
/// with a version (`-`).
fn criterion_span(m: &CpeMatch, rec: u32) -> Option<Span> {
    if m.has_range() {
        let lo = match (&m.version_start_including, &m.version_start_excluding) {
            (Some(s), _) => bound(s),
            (None, Some(s)) => bound_excl(s),
            (None, None) => None,
        };
        let hi = match (&m.version_end_including, &m.version_end_excluding) {
            (Some(s), _) => bound(s),
            (None, Some(s)) => bound_excl(s),
            (None, None) => None,
        };
        return Some(Span {
            rec,
            lo,
            hi,
            notes: false,
            distro: false,
        });
    }
    let (lo, hi) = match m.criteria.version() {
        Value::Na => return None,
        Value::Text(t) => {
            let b = t.as_literal().and_then(bound);
            (b, b)
        }
        Value::Any => (None, None),
    };
    Some(Span {
        rec,
        lo,
        hi,
        notes: false,
        distro: false,
    })
}

/// The probes of the versions a fact is compared by: its version (or the
/// upstream part of a package's) and its CPEs' versions; and its whole
/// version, for ranges of a packaging type.
/// A few `Copy` values: on the stack while there are at most `N`.
struct Few<T: Copy, const N: usize> {
    head: [T; N],
    len: usize,
    more: Vec<T>,
}

impl<T: Copy + PartialEq, const N: usize> Few<T, N> {
    /// `fill` only fills the room.
    fn new(fill: T) -> Self {
        Few {
            head: [fill; N],
            len: 0,
            more: Vec::new(),
        }
    }

    fn push(&mut self, x: T) {
        if self.more.is_empty() && self.len < N {
            self.head[self.len] = x;
            self.len += 1;
        } else {
            if self.more.is_empty() {
                self.more.extend_from_slice(&self.head[..self.len]);
            }
            self.more.push(x);
        }
    }

    fn as_slice(&self) -> &[T] {
        if self.more.is_empty() {
            &self.head[..self.len]
        } else {
            &self.more
        }
    }

    fn as_mut_slice(&mut self) -> &mut [T] {
        if self.more.is_empty() {
            &mut self.head[..self.len]
        } else {
            &mut self.more
        }
    }
}

/// The probes of a fact: distinct, its upstream version's first.
type Probes = Few<Probe, 4>;

fn fact_probes(f: &FactData) -> (Probes, Probe) {
    let probe = |v: &str| {
        if v.trim().is_empty() || !version::looks_like_version(v) {
            Probe::NotVersion
        } else {
            Prefix::of(v).map_or(Probe::Unread, Probe::At)
        }
    };
    let mut general = Probes::new(Probe::NotVersion);
    let up = version::upstream(f.scheme, f.version());
    for v in std::iter::once(up).chain(f.candidates.iter().map(|c| f.cand_version(c))) {
        let p = probe(v);
        if !general.as_slice().contains(&p) {
            general.push(p);
        }
    }
    (general, probe(f.version()))
}

// ------------------------------------------------------------ entry points

/// Matches one vulnerability against one prepared asset.
pub fn match_prepared(v: &Vuln, p: &Prepared) -> Vec<Finding> {
    match_planned(v, &VulnPlan::new(v), p)
}

/// As `match_prepared`, with the record's plan made beforehand.
pub fn match_planned(v: &Vuln, plan: &VulnPlan, p: &Prepared) -> Vec<Finding> {
    let mut out = Vec::new();
    match_planned_into(v, plan, p, &mut out, None);
    out
}

/// As `match_planned`, adding what cannot be evaluated.
pub fn match_planned_full(v: &Vuln, plan: &VulnPlan, p: &Prepared) -> Matched {
    let mut m = Matched::default();
    match_planned_into(v, plan, p, &mut m.findings, Some(&mut m.unevaluable));
    m
}

/// Appends the findings of `v` for `p` to `out`; with `unevaluable`, also
/// the statements that name one of the asset's facts but cannot be compared
/// with its version, for the facts the record does not find affected
/// otherwise.
fn match_planned_into(
    v: &Vuln,
    plan: &VulnPlan,
    p: &Prepared,
    out: &mut Vec<Finding>,
    unevaluable: Option<&mut Vec<Unevaluable>>,
) {
    // The findings with the index of their fact.
    let mut mine: Vec<(usize, Finding)> = Vec::new();
    // Per fact: wanted from NVD, found affected, evaluated (a later source
    // compared it: a statement that could not be compared before it is
    // then not reported), and asked of NVD; on the stack for a few facts.
    let n = p.facts.len();
    let mut on_stack = [false; 64];
    let mut on_heap = Vec::new();
    let flags: &mut [bool] = if 4 * n <= on_stack.len() {
        &mut on_stack[..4 * n]
    } else {
        on_heap.resize(4 * n, false);
        &mut on_heap
    };
    let (wanted, rest) = flags.split_at_mut(n);
    let (found, rest) = rest.split_at_mut(n);
    let (evaluated, asked) = rest.split_at_mut(n);
    let mut pending: Vec<Pending> = Vec::new();
    let collect = unevaluable.is_some();
    for (fi, fact) in p.facts.iter().enumerate() {
        if fact.platform_only {
            continue;
        }
        let mut decided = false;
        for src in [Source::Cve5Cna, Source::Csaf, Source::Cve5Adp] {
            let notes = collect.then_some(&mut pending);
            if let Some((st, f)) = vendor_verdict(v, plan, src, (fi, fact), p, notes) {
                if let (Status::Affected, Some(f)) = (st, f) {
                    mine.push((fi, f));
                    found[fi] = true;
                }
                decided = true;
                evaluated[fi] = true;
                break;
            }
        }
        wanted[fi] = !decided;
    }
    if wanted.iter().any(|w| *w) && !v.configurations.is_empty() {
        asked.copy_from_slice(wanted);
        nvd_matches(
            v,
            plan,
            p,
            wanted,
            &mut mine,
            collect.then_some((&mut pending, &mut *evaluated)),
        );
        for fi in 0..found.len() {
            found[fi] |= asked[fi] && !wanted[fi];
        }
    }
    // Fixes named anywhere in the record (CSAF remediations) still count
    // for NVD's findings.
    if mine
        .iter()
        .any(|(_, f)| f.evidence.source == EvidenceSource::NvdCpe)
    {
        let installed = v
            .affected
            .iter()
            .flat_map(|r| r.fixes.iter())
            .find(|x| p.fixes.contains(&normalise_fix(x)));
        if let Some(fx) = installed {
            for (_, f) in &mut mine {
                if f.evidence.source == EvidenceSource::NvdCpe {
                    Arc::make_mut(&mut f.evidence).hotfix_excluded = Some(fx.clone());
                }
            }
        }
    }
    // In the order of the asset's facts (what one fact gives does not
    // depend on the others' order).
    mine.sort_by_key(|(fi, _)| *fi);
    out.extend(mine.into_iter().map(|(_, f)| f));
    if let Some(list) = unevaluable {
        pending.sort_by_key(|x| x.fact);
        let mut seen: Vec<(usize, &str)> = Vec::new();
        for x in &pending {
            let done = found.get(x.fact).copied().unwrap_or(true)
                || evaluated.get(x.fact).copied().unwrap_or(true);
            if done || seen.contains(&(x.fact, &x.record)) {
                continue;
            }
            seen.push((x.fact, &x.record));
            list.push(Unevaluable {
                cve: v.id,
                asset_id: p.item.asset_id,
                statement: Arc::new(UnevaluableStatement {
                    source: x.source,
                    record: x.record.clone(),
                    rule: x.rule.clone(),
                    inventory_fact: p.facts[x.fact].label(p.item).to_string(),
                    reason: x.reason.clone(),
                }),
            });
        }
    }
}

/// NVD, strictly: only the configurations with a vulnerable criterion that
/// can name one of the wanted facts' CPEs.
fn nvd_matches(
    v: &Vuln,
    plan: &VulnPlan,
    p: &Prepared,
    wanted: &mut [bool],
    out: &mut Vec<(usize, Finding)>,
    mut pending: Option<(&mut Vec<Pending>, &mut [bool])>,
) {
    // The configurations, sorted: those of the one key that has some (the
    // usual case) as they are, or all of them put together.
    let mut one: Option<&[u32]> = None;
    let mut several = !plan.unkeyed_configs.is_empty();
    let mut all = false;
    for (f, w) in p.facts.iter().zip(wanted.iter()) {
        if *w {
            for c in &f.candidates {
                match c.cpe.vendor_product_key() {
                    Some(k) => {
                        if let Some(cs) = plan.configs_by_key.get(&k) {
                            match one {
                                Some(o) if o != cs.as_slice() => several = true,
                                _ => one = Some(cs),
                            }
                        }
                    }
                    None => all = true,
                }
            }
        }
    }
    let mut configs: Vec<u32> = Vec::new();
    let list: &[u32] = if all {
        configs = (0..v.configurations.len() as u32).collect();
        &configs
    } else if several {
        configs.extend_from_slice(&plan.unkeyed_configs);
        for (f, w) in p.facts.iter().zip(wanted.iter()) {
            if *w {
                for c in &f.candidates {
                    if let Some(cs) = c
                        .cpe
                        .vendor_product_key()
                        .and_then(|k| plan.configs_by_key.get(&k))
                    {
                        configs.extend_from_slice(cs);
                    }
                }
            }
        }
        configs.sort_unstable();
        configs.dedup();
        &configs
    } else {
        one.unwrap_or(&[])
    };
    for &ci in list {
        let ci = ci as usize;
        if let Some(cfg) = v.configurations.get(ci) {
            let pending = pending.as_mut().map(|(p, e)| (&mut **p, &mut **e));
            eval_config(v, ci, cfg, plan, p, wanted, out, pending);
        }
        if !wanted.iter().any(|w| *w) {
            break;
        }
    }
}

/// Matches one vulnerability against one asset. Findings with
/// `hotfix_excluded` set are kept (see `Finding::is_affected`).
pub fn match_asset(v: &Vuln, item: &InventoryItem) -> Vec<Finding> {
    match_prepared(v, &prepare(item))
}

/// As `match_asset`, with what cannot be evaluated.
pub fn match_asset_full(v: &Vuln, item: &InventoryItem) -> Matched {
    match_planned_full(v, &VulnPlan::new(v), &prepare(item))
}

/// Vulnerabilities indexed by the vendor/product names and CPEs they can
/// match, so each asset is only compared with the records that concern it.
pub struct VulnIndex<'a> {
    vulns: &'a [Vuln],
    plans: Vec<VulnPlan>,
    /// Hash of a normalised product name, or a CPE vendor/product key → the
    /// records that name it, with the versions they can concern. A hash
    /// collision only adds a record to compare. The keys come from the
    /// feeds, so an unkeyed hash of them is enough: an inventory's names
    /// are only looked up and cannot lengthen a bucket.
    by_key: HashMap<u64, KeySpans, HashedKeys>,
    /// Records with a CPE whose vendor or product is a wildcard.
    always: Vec<u32>,
    /// Every key a record can name a fact by (`None`: some record can name
    /// any fact): a fact none of whose keys is here concerns no record.
    known: Option<std::collections::HashSet<u64>>,
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
        let mut by_key: HashMap<u64, Vec<Span>> = HashMap::new();
        let mut always = Vec::new();
        let mut spans: Vec<(u64, Span)> = Vec::new();
        for (i, v) in vulns.iter().enumerate() {
            let i = i as u32;
            spans.clear();
            let mut rule_span = Vec::new();
            for r in &v.affected {
                rule_span.clear();
                rule_spans(r, i, &mut rule_span);
                let mut keys = Vec::new();
                let (base, _) = product_and_modules(r);
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
                for k in keys {
                    spans.extend(rule_span.iter().map(|s| (k, *s)));
                }
            }
            for cfg in &v.configurations {
                for n in &cfg.nodes {
                    for m in n.matches.iter().filter(|m| m.vulnerable) {
                        match m.criteria.vendor_product_key() {
                            Some(k) => spans.extend(criterion_span(m, i).map(|s| (k, s))),
                            None => always.push(i),
                        }
                    }
                }
            }
            // One span per distinct bounds and key.
            spans.sort_unstable_by_key(|(k, s)| {
                (
                    *k,
                    s.lo.map(|(p, x)| (p.len, p.parts, p.whole, x)),
                    s.hi.map(|(p, x)| (p.len, p.parts, p.whole, x)),
                    s.notes,
                    s.distro,
                )
            });
            spans.dedup_by(|a, b| {
                a.0 == b.0
                    && a.1.lo == b.1.lo
                    && a.1.hi == b.1.hi
                    && a.1.notes == b.1.notes
                    && a.1.distro == b.1.distro
            });
            for (k, s) in &spans {
                by_key.entry(*k).or_default().push(*s);
            }
        }
        let by_key: HashMap<u64, KeySpans, HashedKeys> = by_key
            .into_iter()
            .map(|(k, list)| (k, KeySpans::new(list)))
            .collect();
        always.sort_unstable();
        always.dedup();
        let plans: Vec<VulnPlan> = vulns.iter().map(VulnPlan::new).collect();
        let mut known: Option<std::collections::HashSet<u64>> =
            Some(by_key.keys().copied().collect());
        for plan in &plans {
            match (&plan.names, &mut known) {
                (Some(names), Some(k)) => k.extend(names.iter().copied()),
                _ => known = None,
            }
        }
        if !always.is_empty() {
            known = None;
        }
        VulnIndex {
            vulns,
            plans,
            by_key,
            always,
            known,
        }
    }

    /// The findings for one asset.
    pub fn match_item(&self, item: &InventoryItem) -> Vec<Finding> {
        self.match_bulk(std::slice::from_ref(item), 1, false)
            .findings
    }

    /// The findings for one asset, and the statements that name one of its
    /// facts but cannot be compared with its version.
    pub fn match_item_full(&self, item: &InventoryItem) -> Matched {
        self.match_bulk(std::slice::from_ref(item), 1, true)
    }

    /// What cannot be evaluated for one asset: the records whose statements
    /// name one of its facts but cannot be compared with its version (and
    /// that do not find or clear the fact otherwise).
    pub fn unevaluable(&self, item: &InventoryItem) -> Vec<Unevaluable> {
        self.match_item_full(item).unevaluable
    }

    /// How many records name one of an asset's facts (for measurements).
    pub fn candidates(&self, item: &InventoryItem) -> usize {
        let p = prepare(item);
        let mut named = Vec::new();
        for f in &p.facts {
            named.extend(self.named(f, false, true));
        }
        named.sort_unstable();
        named.dedup();
        named.len()
    }

    /// How many records an asset is compared with (for measurements): those
    /// that can give it a finding, among those that name one of its facts.
    pub fn compared(&self, item: &InventoryItem) -> usize {
        let p = prepare(item);
        let mut compared = Vec::new();
        for f in &p.facts {
            compared.extend(self.relevant(f, false));
        }
        compared.sort_unstable();
        compared.dedup();
        compared.len()
    }

    /// The records that name a fact, by its normalised product name or one
    /// of its CPEs' vendor and product, and whose versions can hold the
    /// fact's (all of them when `by_version` is false or the fact's version
    /// is not read): a superset of those that concern it.
    fn named(&self, f: &FactData, by_version: bool, notes: bool) -> Vec<u32> {
        let mut out = Vec::new();
        self.named_into(f, by_version, notes, &mut out);
        out
    }

    /// `named`, in `out` (sorted, without repeats).
    fn named_into(&self, f: &FactData, by_version: bool, notes: bool, out: &mut Vec<u32>) {
        out.clear();
        if f.platform_only {
            return;
        }
        let probes = by_version.then(|| fact_probes(f));
        out.extend_from_slice(&self.always);
        let mut keys: Few<u64, 8> = Few::new(0);
        keys.push(f.name_key);
        for c in &f.candidates {
            match c.cpe.vendor_product_key() {
                Some(k) => keys.push(k),
                // A CPE with a wildcard vendor or product: every record.
                None => {
                    out.clear();
                    out.extend(0..self.vulns.len() as u32);
                    return;
                }
            }
        }
        let keys = keys.as_mut_slice();
        keys.sort_unstable();
        for (i, k) in keys.iter().enumerate() {
            if i > 0 && keys[i - 1] == *k {
                continue;
            }
            let Some(ks) = self.by_key.get(k) else {
                continue;
            };
            match &probes {
                Some((general, whole)) => ks.concerning(general.as_slice(), *whole, notes, out),
                None => out.extend(ks.spans.iter().map(|s| s.rec)),
            }
        }
        out.sort_unstable();
        out.dedup();
    }

    /// The records that can give a finding (`notes`: or an `Unevaluable`)
    /// for a fact (`fact_relevant`).
    fn relevant(&self, f: &FactData, notes: bool) -> Vec<u32> {
        let mut cand = self.named(f, true, notes);
        cand.retain(
            |&i| match (self.vulns.get(i as usize), self.plans.get(i as usize)) {
                (Some(v), Some(plan)) => fact_relevant(v, plan, f, notes),
                _ => false,
            },
        );
        cand
    }

    /// Matches items (findings; with `full`, also what cannot be evaluated)
    /// on `threads` threads (the calling one among them), in three steps:
    ///
    /// - (A) the distinct facts of the items (software and OS), each item's
    ///   facts as entries of them;
    /// - (B) each distinct fact once: its data and the records that may
    ///   concern it (`named`), then each (record, fact) pair: what a
    ///   `VulnPlan::simple` record gives the fact alone, or whether another
    ///   may concern it;
    /// - (C) each asset from its facts' parts, the other records matched
    ///   with the facts of the asset they name (once per distinct set).
    fn match_bulk(&self, items: &[InventoryItem], threads: usize, full: bool) -> Matched {
        let threads = threads.clamp(1, 64);
        let parallel = threads > 1 && items.len() > 1;
        let facts_of = |it: &InventoryItem| it.software.len() + usize::from(it.os.is_some());
        let facts: usize = items.iter().map(facts_of).sum();
        // (A) With several threads, each keeps the facts whose key's hash
        // falls to it (so nothing is merged), and their entries are put one
        // after the other.
        let shards = if parallel { threads } else { 1 };
        // Keys are hashed with a secret key: an inventory's names cannot be
        // chosen to collide.
        let keyed = std::collections::hash_map::RandomState::new();
        let collect = |t: usize| {
            // Assets share most facts: room for a third of them distinct.
            let mut table = FactTable::with_capacity(facts / (3 * shards) + 16);
            let mut mine: PlacedFacts = Vec::with_capacity(facts / shards + 16);
            let mut key = Vec::new();
            let mut pos = 0u32;
            for it in items {
                for src in fact_sources(it) {
                    write_key(&src, &mut key);
                    let hash = std::hash::BuildHasher::hash_one(&keyed, key.as_slice());
                    if hash % shards as u64 == t as u64 {
                        mine.push((pos, table.find_or_add(&key, hash, || Entry::new(src))));
                    }
                    pos += 1;
                }
            }
            (table.entries, mine)
        };
        let shard_tables: Vec<(Vec<Entry>, PlacedFacts)> = if parallel {
            std::thread::scope(|sc| {
                let collect = &collect;
                let helpers: Vec<_> = (1..shards).map(|t| sc.spawn(move || collect(t))).collect();
                let mut all = vec![collect(0)];
                // A helper can only fail by panicking, which the engine does
                // not do; its share is then collected here.
                all.extend(
                    helpers
                        .into_iter()
                        .zip(1..)
                        .map(|(h, t)| h.join().unwrap_or_else(|_| collect(t))),
                );
                all
            })
        } else {
            vec![collect(0)]
        };
        // Each item's facts as entries, in the items' order.
        let mut idx = vec![u32::MAX; facts];
        let mut entries: Vec<Entry> =
            Vec::with_capacity(shard_tables.iter().map(|(e, _)| e.len()).sum());
        for (shard, mine) in shard_tables {
            let base = entries.len() as u32;
            for (pos, e) in mine {
                if let Some(x) = idx.get_mut(pos as usize) {
                    *x = base + e;
                }
            }
            entries.extend(shard);
        }
        // (B) Every distinct fact once, shared in blocks.
        for_blocks(&mut entries, threads, |e| self.prepare_entry(e, full));
        // Each (record, fact) pair, in the records' order (a record is read
        // once for all the versions of its product).
        let mut pairs: Vec<(u32, u32)> =
            Vec::with_capacity(entries.iter().map(|e| e.cands.len()).sum());
        for (i, e) in entries.iter_mut().enumerate() {
            pairs.extend(
                std::mem::take(&mut e.cands)
                    .into_iter()
                    .map(|r| (r, i as u32)),
            );
        }
        pairs.sort_unstable();
        let chunks: Vec<&[(u32, u32)]> = pairs
            .chunks(pairs.len().div_ceil(threads * 8).max(64))
            .collect();
        let results: Vec<PairResults> = in_turn(&chunks, threads, |_: &mut (), part| {
            let mut r = PairResults::default();
            for &(rec, e) in *part {
                let Some(x) = entries.get(e as usize) else {
                    continue;
                };
                let (nf, nu) = (r.findings.len(), r.unevaluable.len());
                match self.eval_pair(rec, x, full, &mut r.findings, &mut r.unevaluable) {
                    Some(true) => r.pairs.push((e, rec, WHOLE, 0)),
                    Some(false) => r.pairs.push((
                        e,
                        rec,
                        (r.findings.len() - nf) as u32,
                        (r.unevaluable.len() - nu) as u32,
                    )),
                    None => {}
                }
            }
            r
        });
        drop(chunks);
        drop(pairs);
        let rels = Rel::of_results(entries.len(), results);
        // (C) The assets, in pieces the threads take in turn (a thread that
        // runs slower takes fewer), each thread with its own cache of what
        // complex records give.
        let n_pieces = if parallel {
            (threads * 8).min(items.len())
        } else {
            1
        };
        let mut pieces: Vec<(&[InventoryItem], &[u32])> = Vec::with_capacity(n_pieces);
        let mut at = 0;
        for part in items.chunks(items.len().div_ceil(n_pieces.max(1)).max(1)) {
            let n: usize = part.iter().map(facts_of).sum();
            pieces.push((part, idx.get(at..at + n).unwrap_or(&[])));
            at += n;
        }
        let (entries_r, rels_r) = (&entries, &rels);
        let outs = in_turn(&pieces, threads, |scratch: &mut Scratch, &(part, ids)| {
            let mut out = Matched::default();
            // Room for what the facts give alone (most of the findings).
            let alone = |e: &u32| rels_r.get(*e as usize).map_or(0, Rel::alone_findings);
            out.findings.reserve(ids.iter().map(alone).sum());
            let mut pos = 0;
            for it in part {
                let n = facts_of(it);
                let ents = ids.get(pos..pos + n).unwrap_or(&[]);
                pos += n;
                self.match_entries(it, ents, (entries_r, rels_r), scratch, full, &mut out);
            }
            out
        });
        // The pieces' results one after the other (the first piece's kept
        // as it is: a large move is not a copy) while, with several
        // threads, the others let go of what the facts hold.
        let concat = |outs: Vec<Matched>| {
            let mut outs = outs.into_iter();
            let mut out = outs.next().unwrap_or_default();
            let rest: Vec<Matched> = outs.collect();
            out.findings
                .reserve_exact(rest.iter().map(|m| m.findings.len()).sum());
            out.unevaluable
                .reserve_exact(rest.iter().map(|m| m.unevaluable.len()).sum());
            for m in rest {
                out.extend(m);
            }
            out
        };
        if !parallel {
            return concat(outs);
        }
        let mut rels = rels;
        std::thread::scope(|sc| {
            let helpers = threads - 1;
            let drop_facts = sc.spawn(move || for_blocks(&mut entries, helpers, |e| e.data = None));
            let out = concat(outs);
            for_blocks(&mut rels, threads, |r| *r = Rel::default());
            let _ = drop_facts.join();
            out
        })
    }

    /// A fact no record can name (in-house software, say): its data without
    /// CPEs, as nothing is matched with them.
    fn unnamed_fact(&self, src: FactSource) -> Option<FactData> {
        let known = self.known.as_ref()?;
        let (vendor, product, version, scheme, is_os) = match src {
            FactSource::Software(sw, _) if sw.cpe.is_none() => (
                sw.vendor.as_str(),
                sw.product.as_str(),
                sw.version.as_str(),
                Scheme::from(sw.scheme),
                false,
            ),
            FactSource::Os(os) if os.cpe.is_none() => (
                os.vendor.as_deref().unwrap_or(""),
                os.name.as_str(),
                os_version(os),
                Scheme::Dotted,
                true,
            ),
            _ => return None,
        };
        let product_n = norm(product);
        if known.contains(&product_key(&product_n)) {
            return None;
        }
        if let Some(k) = cpe::name_key(vendor, product) {
            // BIG-IP's module CPEs come from its modules: not read here.
            if known.contains(&k) || (!is_os && eq_norm(vendor, "f5")) {
                return None;
            }
        }
        Some(FactData::new(
            vendor,
            product,
            Some(&product_n),
            version,
            scheme,
            Vec::new(),
        ))
    }

    /// Prepares a distinct fact: its data, and the records that may concern
    /// it (`cands`, by name and version span).
    fn prepare_entry(&self, e: &mut Entry, full: bool) {
        if let Some(data) = self.unnamed_fact(e.src) {
            e.data = Some(data);
            return;
        }
        let data = e.src.build();
        thread_local! {
            /// The records found for a fact, before they are kept.
            static NAMED: std::cell::RefCell<Vec<u32>> = const { std::cell::RefCell::new(Vec::new()) };
        }
        NAMED.with_borrow_mut(|named| {
            self.named_into(&data, true, full, named);
            e.cands = named.as_slice().to_vec();
        });
        if !e.cands.is_empty() {
            // Its words, for the records that find it alone.
            let _ = data.label.set(e.src.label(&data));
        }
        e.data = Some(data);
    }

    /// What record `rec` gives a distinct fact: for a `VulnPlan::simple`
    /// record, its findings (and unevaluable) for the fact alone, added to
    /// `findings` and `unevaluable` (`Some(false)`; `None` when it gives
    /// nothing); for another, `Some(true)` when it may concern the fact
    /// (`fact_relevant`): it is then matched with each asset.
    fn eval_pair(
        &self,
        rec: u32,
        e: &Entry,
        full: bool,
        findings: &mut Vec<Finding>,
        unevaluable: &mut Vec<Unevaluable>,
    ) -> Option<bool> {
        let (v, plan) = (self.vulns.get(rec as usize)?, self.plans.get(rec as usize)?);
        let data = e.data.as_ref()?;
        if !plan.simple {
            return fact_relevant(v, plan, data, full).then_some(true);
        }
        let p = alone_prepared(e.src, data);
        let (nf, nu) = (findings.len(), unevaluable.len());
        match_planned_into(v, plan, &p, findings, full.then_some(unevaluable));
        (findings.len() > nf || unevaluable.len() > nu).then_some(false)
    }

    /// One asset, its software and OS facts being `ents` of `table`.
    fn match_entries(
        &self,
        item: &InventoryItem,
        ents: &[u32],
        (entries, rels): (&[Entry], &[Rel]),
        scratch: &mut Scratch,
        full: bool,
        out: &mut Matched,
    ) {
        let entry = |e: u32| entries.get(e as usize);
        let rel = |e: u32| rels.get(e as usize);
        // Records matched with the facts they name, and what simple records
        // give each fact alone: (record, fact, entry, index in its list).
        scratch.whole.clear();
        scratch.alone.clear();
        for (fi, &e) in ents.iter().enumerate() {
            if let Some(rel) = rel(e) {
                scratch.whole.extend_from_slice(&rel.whole);
                scratch.alone.extend(
                    rel.alone
                        .iter()
                        .enumerate()
                        .map(|(k, &(rec, ..))| ((u64::from(rec) << 32) | fi as u64, e, k as u32)),
                );
            }
        }
        scratch.whole.sort_unstable();
        scratch.whole.dedup();
        // (record, fact) is unique: the order of a record's facts is theirs.
        scratch.alone.sort_unstable_by_key(|x| x.0);
        let stamp_f = |f: &Finding| Finding {
            asset_id: item.asset_id,
            ..f.clone()
        };
        let stamp_u = |u: &Unevaluable| Unevaluable {
            asset_id: item.asset_id,
            ..u.clone()
        };
        // The asset made ready only for the records matched with it whole.
        let p = (!scratch.whole.is_empty()).then(|| {
            let mut k = 0;
            prepare_with(item, |src| {
                let d = match ents
                    .get(k)
                    .and_then(|&e| entry(e))
                    .and_then(|x| x.data.as_ref())
                {
                    Some(d) => FactRef::Shared(d),
                    None => FactRef::Own(Arc::new(src.build())),
                };
                k += 1;
                d
            })
        });
        let mut ctx = AssetContext::default();
        let (mut a, mut w) = (0, 0);
        loop {
            // Records in order: the lower of the two lists next.
            let (next_whole, next_alone) = (scratch.whole.get(w), scratch.alone.get(a));
            let take_whole = match (next_whole, next_alone) {
                (Some(&wr), Some(&(ar, ..))) => u64::from(wr) < ar >> 32,
                (Some(_), None) => true,
                (None, Some(_)) => false,
                (None, None) => break,
            };
            if take_whole {
                let Some(&i) = next_whole else { break };
                w += 1;
                let Some(p) = &p else { continue };
                let (found, unev) =
                    self.with_named_facts(i, item, p, ents, scratch, &mut ctx, full);
                out.findings.extend(found.iter().map(stamp_f));
                out.unevaluable.extend(unev.iter().map(stamp_u));
            } else if let Some(&(_, e, k)) = next_alone {
                a += 1;
                // One record and one fact (the facts of a record come in
                // the facts' order).
                if let Some(rel) = rel(e) {
                    let (findings, unevaluable) = rel.alone_at(k as usize);
                    out.findings.extend(findings.iter().map(stamp_f));
                    out.unevaluable.extend(unevaluable.iter().map(stamp_u));
                }
            }
        }
    }

    /// What record `i` gives the facts of `item` it can name (with the
    /// modules, fixes and OS when its rules use them), `asset_id` 0: made
    /// once per distinct set, then taken from the cache.
    #[allow(clippy::too_many_arguments)]
    fn with_named_facts(
        &self,
        i: u32,
        item: &InventoryItem,
        p: &Prepared,
        entry_of: &[u32],
        scratch: &mut Scratch,
        ctx: &mut AssetContext,
        full: bool,
    ) -> (Arc<[Finding]>, Arc<[Unevaluable]>) {
        let empty = || (Arc::from(Vec::new()), Arc::from(Vec::new()));
        let (Some(v), Some(plan)) = (self.vulns.get(i as usize), self.plans.get(i as usize)) else {
            return empty();
        };
        // (A record names few keys: looked through, not halved.)
        let has = |keys: &[u64], k: u64| {
            if keys.len() <= 16 {
                keys.contains(&k)
            } else {
                keys.binary_search(&k).is_ok()
            }
        };
        let names = |f: &FactData| match &plan.names {
            None => true,
            Some(keys) => {
                has(keys, f.name_key)
                    || f.candidates
                        .iter()
                        .any(|c| c.cpe.vendor_product_key().is_none_or(|k| has(keys, k)))
            }
        };
        let os_index = item.os.as_ref().map(|_| item.software.len());
        let key = &mut scratch.key;
        key.clear();
        key.push(i);
        key.push(if plan.uses_modules {
            ctx.modules(&mut scratch.contexts, item)
        } else {
            u32::MAX
        });
        key.push(if plan.uses_fixes {
            ctx.fixes(&mut scratch.contexts, item)
        } else {
            u32::MAX
        });
        key.push(if plan.uses_os {
            ctx.os(&mut scratch.contexts, item)
        } else {
            u32::MAX
        });
        let mut platform = false;
        for (fi, f) in p.facts.iter().enumerate() {
            if names(f) || (plan.uses_os && Some(fi) == os_index) {
                match entry_of.get(fi) {
                    Some(&e) => key.push(e),
                    None => platform = true,
                }
            }
        }
        if platform {
            // A platform CPE of the asset: matched with the whole asset.
            let mut m = Matched::default();
            let unev = full.then_some(&mut m.unevaluable);
            match_planned_into(v, plan, p, &mut m.findings, unev);
            return (m.findings.into(), m.unevaluable.into());
        }
        if let Some(hit) = scratch.complex.get(key.as_slice()) {
            return hit.clone();
        }
        let named: Vec<usize> = p
            .facts
            .iter()
            .enumerate()
            .filter(|&(fi, f)| names(f) || (plan.uses_os && Some(fi) == os_index))
            .map(|(fi, _)| fi)
            .collect();
        // The asset reduced to those facts, and to the parts of it the
        // record uses.
        let os_named = os_index.is_some_and(|o| named.contains(&o));
        let q = Prepared {
            item,
            facts: named
                .iter()
                .filter_map(|&fi| p.facts.get(fi).cloned())
                .collect(),
            modules: if plan.uses_modules {
                p.modules.clone()
            } else {
                Vec::new()
            },
            fixes: if plan.uses_fixes {
                p.fixes.clone()
            } else {
                Vec::new()
            },
            os_names: if os_named {
                p.os_names.clone()
            } else {
                Vec::new()
            },
            os_cpes: if os_named {
                p.os_cpes.clone()
            } else {
                Vec::new()
            },
        };
        let mut m = Matched::default();
        let unev = full.then_some(&mut m.unevaluable);
        match_planned_into(v, plan, &q, &mut m.findings, unev);
        let r: (Arc<[Finding]>, Arc<[Unevaluable]>) = (m.findings.into(), m.unevaluable.into());
        scratch
            .complex
            .insert(scratch.key.as_slice().into(), r.clone());
        r
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
        self.match_items_on(items, threads)
    }

    /// As `match_items`, on `threads` threads (1: on the calling thread).
    pub fn match_items_on(&self, items: &[InventoryItem], threads: usize) -> Vec<Finding> {
        self.match_bulk(items, threads, false).findings
    }

    /// `match_item_full` for many assets, on all available cores, in order.
    pub fn match_items_full(&self, items: &[InventoryItem]) -> Matched {
        let threads = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
            .clamp(1, 16);
        self.match_items_full_on(items, threads)
    }

    /// As `match_items_full`, on `threads` threads.
    pub fn match_items_full_on(&self, items: &[InventoryItem], threads: usize) -> Matched {
        self.match_bulk(items, threads, true)
    }
}

/// `f` on every element, on `threads` threads taking blocks in turn.
fn for_blocks<T: Send>(items: &mut [T], threads: usize, f: impl Fn(&mut T) + Sync) {
    if threads <= 1 || items.len() < 64 {
        items.iter_mut().for_each(&f);
        return;
    }
    let blocks = std::sync::Mutex::new(items.chunks_mut(32));
    let work = || loop {
        let block = match blocks.lock() {
            Ok(mut q) => q.next(),
            Err(_) => None,
        };
        let Some(block) = block else { break };
        block.iter_mut().for_each(&f);
    };
    // The calling thread is one of them.
    std::thread::scope(|sc| {
        for _ in 1..threads {
            sc.spawn(work);
        }
        work();
    });
}

/// `f` on each of `pieces`, on `threads` threads (the calling one among
/// them) taking the pieces in turn, each thread with its own `S`; the
/// results in the pieces' order.
fn in_turn<P: Sync, S: Default, R: Send>(
    pieces: &[P],
    threads: usize,
    f: impl Fn(&mut S, &P) -> R + Sync,
) -> Vec<R> {
    if threads <= 1 || pieces.len() <= 1 {
        let mut s = S::default();
        return pieces.iter().map(|p| f(&mut s, p)).collect();
    }
    let next = std::sync::atomic::AtomicUsize::new(0);
    let done = std::sync::Mutex::new(Vec::with_capacity(pieces.len()));
    let work = || {
        let mut s = S::default();
        loop {
            let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let Some(p) = pieces.get(i) else { break };
            let r = f(&mut s, p);
            if let Ok(mut d) = done.lock() {
                d.push((i, r));
            }
        }
    };
    std::thread::scope(|sc| {
        let helpers: Vec<_> = (1..threads.min(pieces.len()))
            .map(|_| sc.spawn(work))
            .collect();
        work();
        for h in helpers {
            // A helper can only fail by panicking, which the engine does
            // not do; what it left undone is done below.
            let _ = h.join();
        }
    });
    let mut done = done.into_inner().unwrap_or_else(|e| e.into_inner());
    if done.len() < pieces.len() {
        let mut have = vec![false; pieces.len()];
        for (i, _) in &done {
            if let Some(h) = have.get_mut(*i) {
                *h = true;
            }
        }
        let mut s = S::default();
        for (i, p) in pieces.iter().enumerate() {
            if !have[i] {
                done.push((i, f(&mut s, p)));
            }
        }
    }
    done.sort_unstable_by_key(|(i, _)| *i);
    done.into_iter().map(|(_, r)| r).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn version() -> impl Strategy<Value = String> {
        prop_oneof![
            // Few digits, so that bounds and versions often share their
            // first parts or are the start of one another (`4` and `4.0`).
            3 => "[0-4](\\.[0-3]){0,4}",
            1 => "[0-9]{1,3}(\\.[0-9]{1,3}){0,4}",
            1 => "[0-9]{1,2}(\\.[0-9]{1,2}){0,2}(-h[0-9]|p[0-9]|[a-z])?",
            1 => "[0-9]:[0-9]\\.[0-9]",
            1 => "[a-z]{1,4}",
        ]
    }

    fn bound() -> impl Strategy<Value = Option<(Prefix, bool)>> {
        (proptest::option::of(version()), any::<bool>())
            .prop_map(|(v, excl)| v.and_then(|v| Prefix::of(&v)).map(|p| (p, excl)))
    }

    fn span() -> impl Strategy<Value = Span> {
        (0u32..40, bound(), bound(), any::<bool>(), any::<bool>()).prop_map(
            |(rec, lo, hi, notes, distro)| Span {
                rec,
                lo,
                hi,
                notes: notes && rec % 3 == 0,
                distro: distro && rec % 4 == 0,
            },
        )
    }

    fn probe() -> impl Strategy<Value = Probe> {
        prop_oneof![
            8 => version().prop_map(|v| Prefix::of(&v).map_or(Probe::Unread, Probe::At)),
            1 => Just(Probe::NotVersion),
            1 => Just(Probe::Unread),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 3000, ..ProptestConfig::default() })]

        /// The index of a key's spans finds what looking at each would.
        #[test]
        fn key_spans_find_what_every_span_says(
            spans in proptest::collection::vec(span(), 0..40),
            general in proptest::collection::vec(probe(), 1..4),
            whole in probe(),
            notes in any::<bool>(),
        ) {
            let mut general = general;
            let mut distinct = Vec::new();
            for p in general.drain(..) {
                if !distinct.contains(&p) {
                    distinct.push(p);
                }
            }
            let mut want: Vec<u32> = spans
                .iter()
                .filter(|s| s.may_concern(&distinct, whole, notes))
                .map(|s| s.rec)
                .collect();
            let mut got = Vec::new();
            KeySpans::new(spans).concerning(&distinct, whole, notes, &mut got);
            want.sort_unstable();
            want.dedup();
            got.sort_unstable();
            got.dedup();
            prop_assert_eq!(got, want);
        }

        /// `norm`'s quick way for ASCII names gives what the general one does.
        #[test]
        fn norm_of_ascii_is_the_general_norm(s in "[ \\t\\n\\x0b\\x0c\\ra-zA-Z0-9._-]{0,16}") {
            let general = s.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase();
            prop_assert_eq!(norm(&s), general);
        }

        #[test]
        fn few_keeps_what_is_pushed(xs in proptest::collection::vec(any::<u8>(), 0..12)) {
            let mut few: Few<u8, 4> = Few::new(0);
            for &x in &xs {
                few.push(x);
            }
            prop_assert_eq!(few.as_slice(), xs.as_slice());
            prop_assert_eq!(few.as_mut_slice().len(), xs.len());
        }
    }

    /// Keys with the same hash are told apart by the key itself.
    #[test]
    fn fact_table_chains_keys_with_one_hash() {
        let sw: Vec<Software> = ["A|B|1|dotted", "A|B|2|dotted", "A|C|1|dotted"]
            .iter()
            .map(|s| s.parse().unwrap())
            .collect();
        let mut t = FactTable::with_capacity(1);
        let mut ids = Vec::new();
        for round in 0..2 {
            for s in &sw {
                let src = FactSource::Software(s, &[]);
                let mut key = Vec::new();
                write_key(&src, &mut key);
                // Every key with the same hash.
                ids.push((round, t.find_or_add(&key, 7, || Entry::new(src))));
            }
        }
        assert_eq!(ids, vec![(0, 0), (0, 1), (0, 2), (1, 0), (1, 1), (1, 2)]);
        assert_eq!(t.entries.len(), 3);
    }

    /// Two sources are one fact exactly when their keys are equal, and an
    /// OS without a vendor is not one with an empty vendor (their words
    /// differ).
    #[test]
    fn fact_keys_tell_sources_apart() {
        let key = |src: FactSource| {
            let mut k = Vec::new();
            write_key(&src, &mut k);
            k
        };
        let a: Software = "A|B|1|dotted".parse().unwrap();
        let b: Software = "A|B|1|semver".parse().unwrap();
        let mods = vec!["APM".to_string()];
        assert_ne!(
            key(FactSource::Software(&a, &[])),
            key(FactSource::Software(&b, &[]))
        );
        assert_ne!(
            key(FactSource::Software(&a, &[])),
            key(FactSource::Software(&a, &mods))
        );
        let os = |vendor: Option<&str>| Os {
            vendor: vendor.map(str::to_string),
            name: "Windows 10".into(),
            version: "10.0".into(),
            build: None,
            cpe: None,
        };
        let (none, empty) = (os(None), os(Some("")));
        assert_ne!(key(FactSource::Os(&none)), key(FactSource::Os(&empty)));
        assert_eq!(key(FactSource::Os(&none)), key(FactSource::Os(&os(None))));
    }
}
