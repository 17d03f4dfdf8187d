//! One internal model per CVE, whatever feeds it came from.

use crate::cpe::Cpe;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::str::FromStr;

/// A CVE identifier, `CVE-YYYY-NNNN` with four or more digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CveId {
    year: u16,
    number: u64,
}

impl CveId {
    pub fn year(self) -> u16 {
        self.year
    }
    pub fn number(self) -> u64 {
        self.number
    }
    /// The id of a year and number, when `FromStr` would read its text.
    pub(crate) fn from_parts(year: u16, number: u64) -> Option<CveId> {
        (year >= 1999 && number < 10_000_000_000_000_000_000).then_some(CveId { year, number })
    }
}

impl FromStr for CveId {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let t = s.trim();
        let bad = || {
            format!(
                "'{}' is not a CVE id (CVE-YYYY-NNNN)",
                t.chars().take(60).collect::<String>()
            )
        };
        let rest = match t.get(..4) {
            Some(p) if p.eq_ignore_ascii_case("cve-") => &t[4..],
            _ => return Err(bad()),
        };
        let (y, n) = rest.split_once('-').ok_or_else(bad)?;
        let digits = |x: &str| !x.is_empty() && x.bytes().all(|b| b.is_ascii_digit());
        if y.len() != 4 || !digits(y) || !digits(n) || n.len() < 4 || n.len() > 19 {
            return Err(bad());
        }
        // Five or more digits never start with a zero.
        if n.len() > 4 && n.starts_with('0') {
            return Err(bad());
        }
        let year: u16 = y.parse().map_err(|_| bad())?;
        if year < 1999 {
            return Err(bad());
        }
        let number: u64 = n.parse().map_err(|_| bad())?;
        Ok(CveId { year, number })
    }
}

impl fmt::Display for CveId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CVE-{}-{:04}", self.year, self.number)
    }
}

impl Serialize for CveId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for CveId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// Where a piece of data came from. The order is the precedence for text
/// (title, description): the CNA's own words first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Source {
    Cve5Cna,
    Cve5Adp,
    Csaf,
    Nvd,
    Kev,
    Epss,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Cve5Cna => "cve5-cna",
            Source::Cve5Adp => "cve5-adp",
            Source::Csaf => "csaf",
            Source::Nvd => "nvd",
            Source::Kev => "kev",
            Source::Epss => "epss",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum CvssVersion {
    V2,
    V30,
    V31,
    V40,
}

impl CvssVersion {
    pub fn parse(s: &str) -> Option<CvssVersion> {
        match s.trim() {
            "2.0" | "2" => Some(CvssVersion::V2),
            "3.0" => Some(CvssVersion::V30),
            "3.1" => Some(CvssVersion::V31),
            "4.0" | "4" => Some(CvssVersion::V40),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            CvssVersion::V2 => "2.0",
            CvssVersion::V30 => "3.0",
            CvssVersion::V31 => "3.1",
            CvssVersion::V40 => "4.0",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cvss {
    pub version: CvssVersion,
    pub base_score: f32,
    pub vector: String,
    /// Who scored it: `nvd@nist.gov`, a CNA's address or short name, `CISA-ADP`…
    pub source: String,
}

impl Cvss {
    /// The value of one metric of the vector (`AV` → `N`).
    pub fn metric(&self, name: &str) -> Option<&str> {
        self.vector
            .split('/')
            .filter_map(|p| p.split_once(':'))
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Affected,
    Unaffected,
    Unknown,
}

impl Status {
    pub fn parse(s: &str) -> Status {
        match s.trim().to_ascii_lowercase().as_str() {
            "affected" | "known_affected" | "first_affected" | "last_affected" => Status::Affected,
            "unaffected" | "fixed" | "first_fixed" | "known_not_affected" => Status::Unaffected,
            _ => Status::Unknown,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Affected => "affected",
            Status::Unaffected => "unaffected",
            Status::Unknown => "unknown",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    pub at: String,
    pub status: Status,
}

/// One entry of `versions[]` (CVE JSON 5), or one CSAF product version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionRange {
    pub version: String,
    pub status: Status,
    pub less_than: Option<String>,
    pub less_than_or_equal: Option<String>,
    pub version_type: Option<String>,
    pub changes: Vec<Change>,
}

/// What a vendor (the CNA, an ADP, a CSAF advisory) says about one product.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AffectedRule {
    pub source: Source,
    /// Where in the record: `containers.cna.affected[0]`, or the CSAF
    /// document's tracking id and product id.
    pub origin: String,
    pub vendor: Option<String>,
    pub product: Option<String>,
    pub package_name: Option<String>,
    /// Appliance modules the rule is limited to (`APM`); empty or "All
    /// Modules" means every module.
    pub modules: Vec<String>,
    pub cpes: Vec<Cpe>,
    pub platforms: Vec<String>,
    pub default_status: Status,
    pub versions: Vec<VersionRange>,
    /// Names of fixes (hotfixes, KBs) that make an installation unaffected.
    pub fixes: Vec<String>,
    /// `product` is one name as the vendor writes it, a part in parentheses
    /// included (Microsoft's `Windows Server 2022 (Server Core
    /// installation)`); otherwise such a part lists modules (F5's
    /// `BIG-IP (APM)`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub whole_name: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Operator {
    And,
    Or,
}

/// One `cpeMatch` of an NVD configuration node.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CpeMatch {
    pub vulnerable: bool,
    pub criteria: Cpe,
    pub match_criteria_id: Option<String>,
    pub version_start_including: Option<String>,
    pub version_start_excluding: Option<String>,
    pub version_end_including: Option<String>,
    pub version_end_excluding: Option<String>,
}

impl CpeMatch {
    pub fn has_range(&self) -> bool {
        self.version_start_including.is_some()
            || self.version_start_excluding.is_some()
            || self.version_end_including.is_some()
            || self.version_end_excluding.is_some()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NvdNode {
    pub operator: Operator,
    pub negate: bool,
    pub matches: Vec<CpeMatch>,
}

/// An NVD configuration: nodes joined by `operator` (AND: software running
/// on a platform).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NvdConfig {
    pub operator: Operator,
    pub negate: bool,
    pub nodes: Vec<NvdNode>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Kev {
    pub date_added: Option<NaiveDate>,
    pub due_date: Option<NaiveDate>,
    /// `knownRansomwareCampaignUse` is `Known`.
    pub ransomware: bool,
    pub required_action: Option<String>,
    pub vendor_project: Option<String>,
    pub product: Option<String>,
    pub name: Option<String>,
    pub notes: Option<String>,
}

impl Kev {
    /// Takes the fields `other` knows, keeping ours where it is silent (the
    /// ADP container knows only `dateAdded`; the catalogue knows everything).
    pub fn merge(&mut self, other: Kev) {
        fn take<T>(mine: &mut Option<T>, theirs: Option<T>) {
            if theirs.is_some() {
                *mine = theirs;
            }
        }
        take(&mut self.date_added, other.date_added);
        take(&mut self.due_date, other.due_date);
        take(&mut self.required_action, other.required_action);
        take(&mut self.vendor_project, other.vendor_project);
        take(&mut self.product, other.product);
        take(&mut self.name, other.name);
        take(&mut self.notes, other.notes);
        self.ransomware |= other.ransomware;
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Epss {
    /// Probability of exploitation in the next 30 days, 0–1.
    pub score: f32,
    /// Missing in the 2021 files (`cve,epss` only).
    pub percentile: Option<f32>,
    pub model_version: Option<String>,
    pub score_date: Option<NaiveDate>,
}

/// CISA's SSVC decision points from its ADP container.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct AdpSsvc {
    pub exploitation: Option<String>,
    pub automatable: Option<String>,
    pub technical_impact: Option<String>,
}

/// Everything known about one CVE.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Vuln {
    pub id: CveId,
    pub title: Option<String>,
    pub description: Option<String>,
    /// Which source the title and description came from.
    pub text_source: Option<Source>,
    pub published: Option<DateTime<Utc>>,
    pub cvss: Vec<Cvss>,
    pub cwe: Vec<String>,
    /// Vendor statements: the CNA's `affected`, ADP `affected`, CSAF products.
    pub affected: Vec<AffectedRule>,
    /// NVD's CPE configurations (the fallback).
    pub configurations: Vec<NvdConfig>,
    pub kev: Option<Kev>,
    pub epss: Option<Epss>,
    pub ssvc: Option<AdpSsvc>,
    pub references: Vec<String>,
    /// When each source last changed this record (its own `lastModified`,
    /// `dateUpdated`, …), used to keep imports incremental.
    pub modified: BTreeMap<Source, String>,
}

impl Vuln {
    pub fn new(id: CveId) -> Vuln {
        Vuln {
            id,
            title: None,
            description: None,
            text_source: None,
            published: None,
            cvss: Vec::new(),
            cwe: Vec::new(),
            affected: Vec::new(),
            configurations: Vec::new(),
            kev: None,
            epss: None,
            ssvc: None,
            references: Vec::new(),
            modified: BTreeMap::new(),
        }
    }

    /// The preferred CVSS score of a version: the CNA's, then NVD's, then
    /// anyone's.
    pub fn cvss_of(&self, version: CvssVersion) -> Option<&Cvss> {
        let of_version = || self.cvss.iter().filter(move |c| c.version == version);
        of_version()
            .find(|c| c.source.starts_with("cna:"))
            .or_else(|| of_version().find(|c| c.source == "nvd@nist.gov"))
            .or_else(|| of_version().next())
    }

    /// The highest-version CVSS available (v4, then v3.1, v3.0, v2).
    pub fn best_cvss(&self) -> Option<&Cvss> {
        [
            CvssVersion::V40,
            CvssVersion::V31,
            CvssVersion::V30,
            CvssVersion::V2,
        ]
        .into_iter()
        .find_map(|v| self.cvss_of(v))
    }

    /// Merges what `other` (the same CVE, from one source) says into `self`.
    ///
    /// Idempotent: merging the same record twice changes nothing. Incremental:
    /// a source's part is replaced by a newer import of that source; an
    /// older one (by the source's own modification stamp) is ignored.
    /// Text comes from the best source (CNA, ADP, CSAF, NVD, KEV); the CVSS
    /// scores are kept per (version, scorer); rules and configurations are
    /// replaced per source (CSAF rules per advisory).
    pub fn merge(&mut self, other: Vuln) {
        if other.id != self.id {
            return;
        }
        // A source part older than what we hold is ignored.
        for (src, stamp) in &other.modified {
            if let Some(have) = self.modified.get(src) {
                if stamp.as_str() < have.as_str() {
                    return;
                }
            }
        }
        let sources: Vec<Source> = other.modified.keys().copied().collect();
        for (src, stamp) in other.modified {
            self.modified.insert(src, stamp);
        }
        let better_text = match (self.text_source, other.text_source) {
            (_, None) => false,
            (None, Some(_)) => true,
            (Some(a), Some(b)) => b <= a,
        };
        if better_text {
            if other.title.is_some() {
                self.title = other.title;
            }
            if other.description.is_some() {
                self.description = other.description;
            }
            self.text_source = other.text_source;
        } else if self.title.is_none() && other.title.is_some() {
            self.title = other.title;
        }
        if self.published.is_none() || other.text_source == Some(Source::Cve5Cna) {
            self.published = other.published.or(self.published);
        }
        for c in other.cvss {
            match self
                .cvss
                .iter_mut()
                .find(|x| x.version == c.version && x.source == c.source)
            {
                Some(x) => *x = c,
                None => self.cvss.push(c),
            }
        }
        self.cvss.sort_by(|a, b| {
            b.version
                .cmp(&a.version)
                .then_with(|| a.source.cmp(&b.source))
        });
        for w in other.cwe {
            if !self.cwe.contains(&w) {
                self.cwe.push(w);
            }
        }
        if !other.affected.is_empty()
            || sources
                .iter()
                .any(|s| matches!(s, Source::Cve5Cna | Source::Cve5Adp))
        {
            // Replace the rules of the same source (for CSAF: the same advisory).
            let csaf_docs: Vec<String> = other
                .affected
                .iter()
                .filter(|r| r.source == Source::Csaf)
                .map(|r| csaf_doc(&r.origin).to_string())
                .collect();
            self.affected.retain(|r| match r.source {
                Source::Csaf => !csaf_docs.iter().any(|d| d == csaf_doc(&r.origin)),
                s => !sources.contains(&s),
            });
            self.affected.extend(other.affected);
            self.affected.sort_by_key(|r| r.source);
        }
        if sources.contains(&Source::Nvd) {
            self.configurations = other.configurations;
        }
        if let Some(k) = other.kev {
            match &mut self.kev {
                Some(have) => have.merge(k),
                None => self.kev = Some(k),
            }
        }
        if let Some(e) = other.epss {
            let newer = match &self.epss {
                Some(have) => e.score_date >= have.score_date,
                None => true,
            };
            if newer {
                self.epss = Some(e);
            }
        }
        if other.ssvc.is_some() {
            self.ssvc = other.ssvc;
        }
        for r in other.references {
            if !self.references.contains(&r) {
                self.references.push(r);
            }
        }
    }
}

fn csaf_doc(origin: &str) -> &str {
    origin.split_once(' ').map(|(d, _)| d).unwrap_or(origin)
}

/// Vulnerabilities by id, merged across feeds. Equal CPE names are kept
/// once (thousands of records name `cpe:2.3:a:google:chrome:*:…`).
#[derive(Debug, Clone, Default)]
pub struct VulnDb {
    map: BTreeMap<CveId, Vuln>,
    cpes: HashSet<Cpe>,
}

impl VulnDb {
    pub fn new() -> VulnDb {
        VulnDb::default()
    }
    /// Replaces the record's CPE names by the copies already held.
    fn share_cpes(&mut self, v: &mut Vuln) {
        let cpes = &mut self.cpes;
        let mut share = |c: &mut Cpe| match cpes.get(c) {
            Some(have) => {
                if !have.same_copy(c) {
                    *c = have.clone();
                }
            }
            None => {
                cpes.insert(c.clone());
            }
        };
        for cfg in &mut v.configurations {
            for n in &mut cfg.nodes {
                for m in &mut n.matches {
                    share(&mut m.criteria);
                }
            }
        }
        for r in &mut v.affected {
            for c in &mut r.cpes {
                share(c);
            }
        }
    }
    pub fn insert(&mut self, mut v: Vuln) {
        self.share_cpes(&mut v);
        match self.map.get_mut(&v.id) {
            Some(have) => have.merge(v),
            None => {
                self.map.insert(v.id, v);
            }
        }
    }
    pub fn extend(&mut self, vs: impl IntoIterator<Item = Vuln>) {
        for v in vs {
            self.insert(v);
        }
    }
    /// Attaches KEV entries (creating records for CVEs not seen yet).
    pub fn add_kev(&mut self, entries: impl IntoIterator<Item = (CveId, Kev)>) {
        for (id, k) in entries {
            let v = self.map.entry(id).or_insert_with(|| Vuln::new(id));
            match &mut v.kev {
                Some(have) => have.merge(k),
                None => v.kev = Some(k),
            }
        }
    }
    /// Attaches EPSS scores to the CVEs already known (scores of unknown
    /// CVEs are not kept: there is nothing to match them with).
    pub fn add_epss(&mut self, entries: impl IntoIterator<Item = (CveId, Epss)>) -> usize {
        let mut n = 0;
        for (id, e) in entries {
            if let Some(v) = self.map.get_mut(&id) {
                let newer = v.epss.as_ref().is_none_or(|h| e.score_date >= h.score_date);
                if newer {
                    v.epss = Some(e);
                    n += 1;
                }
            }
        }
        n
    }
    pub fn get(&self, id: &CveId) -> Option<&Vuln> {
        self.map.get(id)
    }
    pub fn len(&self) -> usize {
        self.map.len()
    }
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }
    pub fn iter(&self) -> impl Iterator<Item = &Vuln> {
        self.map.values()
    }
    pub fn into_vec(self) -> Vec<Vuln> {
        self.map.into_values().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cve_ids() {
        let id: CveId = "cve-2021-44228".parse().unwrap();
        assert_eq!(id.to_string(), "CVE-2021-44228");
        assert_eq!(
            "CVE-2014-0160".parse::<CveId>().unwrap().to_string(),
            "CVE-2014-0160"
        );
        assert!("CVE-2021-123".parse::<CveId>().is_err());
        assert!("CVE-21-1234".parse::<CveId>().is_err());
        assert!("CVE-2021-01234".parse::<CveId>().is_err());
        assert!("GHSA-2021-1234".parse::<CveId>().is_err());
        assert!("CVE-2021-1234x".parse::<CveId>().is_err());
        assert!("CVE-2021-9"
            .parse::<CveId>()
            .unwrap_err()
            .contains("CVE-YYYY-NNNN"));
        let a: CveId = "CVE-2021-9999".parse().unwrap();
        let b: CveId = "CVE-2021-10000".parse().unwrap();
        assert!(a < b);
    }

    #[test]
    fn merge_is_incremental() {
        let id: CveId = "CVE-2024-3400".parse().unwrap();
        let nvd = |stamp: &str, text: &str| {
            let mut v = Vuln::new(id);
            v.modified.insert(Source::Nvd, stamp.into());
            v.description = Some(text.into());
            v.text_source = Some(Source::Nvd);
            v
        };
        let mut db = VulnDb::new();
        db.insert(nvd("2024-04-13T01:00:01.407", "new"));
        db.insert(nvd("2024-04-12T08:15:06.230", "old"));
        assert_eq!(db.get(&id).unwrap().description.as_deref(), Some("new"));
        db.insert(nvd("2024-04-20T00:00:00.000", "newer"));
        assert_eq!(db.get(&id).unwrap().description.as_deref(), Some("newer"));
        // The KEV catalogue's fields survive the ADP's date-only entry.
        let due = chrono::NaiveDate::from_ymd_opt(2024, 4, 19);
        db.add_kev([(
            id,
            Kev {
                date_added: None,
                due_date: due,
                ransomware: true,
                required_action: None,
                vendor_project: None,
                product: None,
                name: None,
                notes: None,
            },
        )]);
        let mut adp = Vuln::new(id);
        adp.kev = Some(Kev {
            date_added: chrono::NaiveDate::from_ymd_opt(2024, 4, 12),
            due_date: None,
            ransomware: false,
            required_action: None,
            vendor_project: None,
            product: None,
            name: None,
            notes: None,
        });
        db.insert(adp);
        let k = db.get(&id).unwrap().kev.clone().unwrap();
        assert_eq!((k.due_date, k.ransomware), (due, true));
        assert!(k.date_added.is_some());
    }
}
