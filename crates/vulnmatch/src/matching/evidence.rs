//! What matching gives: findings with their evidence, and the statements
//! that cannot be evaluated.

use super::*;

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
pub(super) struct UnevaluableOut<'a> {
    pub(super) cve: &'a CveId,
    pub(super) asset_id: i64,
    pub(super) source: EvidenceSource,
    pub(super) record: &'a str,
    pub(super) rule: &'a str,
    pub(super) inventory_fact: &'a str,
    pub(super) reason: &'a str,
}

#[derive(Deserialize)]
pub(super) struct UnevaluableIn {
    pub(super) cve: CveId,
    pub(super) asset_id: i64,
    pub(super) source: EvidenceSource,
    pub(super) record: String,
    pub(super) rule: String,
    pub(super) inventory_fact: String,
    pub(super) reason: String,
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
    pub(super) fn extend(&mut self, other: Matched) {
        self.findings.extend(other.findings);
        self.unevaluable.extend(other.unevaluable);
    }
}
