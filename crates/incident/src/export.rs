//! What the exports read: plain structs the caller fills from its store.
//!
//! **TLP:RED.** Observables marked TLP:RED are for the people named on them
//! only, so every export leaves them out unless the caller passes
//! [`ExportOptions::include_red`] (it has checked that the recipients are the
//! people named). The incident's own TLP is carried as its marking/tag; deciding
//! whether a TLP:RED incident may be exported at all is the caller's scope
//! check, as for reading it.
//!
//! **Duplicates.** The same observable given twice is exported once, with the
//! strictest of its TLPs, the earliest first sighting, and the first role and
//! comment given (STIX identifiers of observables are derived from the value,
//! so a bundle could not hold two).

use crate::classify::{IncidentClass, Severity};
use crate::observable::{Observable, Tlp};
use crate::workflow::IncidentState;
use chrono::{DateTime, Utc};
use domain::text_enum;
use serde::{Deserialize, Serialize};

text_enum! {
    /// The part an observable plays in the incident; it decides the MISP type
    /// (`ip-src` / `ip-dst`, `email-src` / `email-dst`) and whether it is an
    /// indicator to block.
    ObservableRole {
        Unknown => "unknown", "Chưa xác định", "Unspecified";
        /// Where the attack came from (scanning host, phishing sender).
        Source => "source", "Nguồn tấn công", "Attack source";
        /// Where compromised machines connect to (C2 server, drop site).
        Destination => "destination", "Máy chủ điều khiển, đích kết nối", "C2 / destination";
        /// The organisation's own affected asset: context, never an indicator.
        Victim => "victim", "Tài sản bị ảnh hưởng", "Affected asset";
    }
}

/// The incident as exported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IncidentExport {
    /// The caller's stable reference (e.g. `SC-2025-0042`): it seeds every
    /// deterministic identifier and appears as the external reference.
    pub id: String,
    pub title: String,
    pub description: String,
    pub class: IncidentClass,
    pub severity: Severity,
    pub state: IncidentState,
    pub tlp: Tlp,
    pub detected_at: DateTime<Utc>,
    pub reported_at: DateTime<Utc>,
    /// The reporting organisation's name.
    pub reporter_org: String,
    #[serde(default)]
    pub system_name: Option<String>,
    #[serde(default)]
    pub system_code: Option<String>,
}

/// One observable of the incident as exported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObservableExport {
    pub observable: Observable,
    pub tlp: Tlp,
    #[serde(default = "unknown_role")]
    pub role: ObservableRole,
    #[serde(default)]
    pub comment: Option<String>,
    #[serde(default)]
    pub first_seen: Option<DateTime<Utc>>,
}

fn unknown_role() -> ObservableRole {
    ObservableRole::Unknown
}

impl ObservableExport {
    pub fn new(observable: Observable, tlp: Tlp) -> Self {
        ObservableExport {
            observable,
            tlp,
            role: ObservableRole::Unknown,
            comment: None,
            first_seen: None,
        }
    }

    pub fn with_role(mut self, role: ObservableRole) -> Self {
        self.role = role;
        self
    }

    /// Whether others should detect or block it (STIX `indicator`, MISP
    /// `to_ids`): not the organisation's own affected assets, and not private
    /// or otherwise internal addresses.
    pub fn is_indicator(&self) -> bool {
        self.role != ObservableRole::Victim && !self.observable.is_internal_address()
    }
}

/// What the caller allows an export to carry.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportOptions {
    /// Include TLP:RED observables (default: no).
    #[serde(default)]
    pub include_red: bool,
}

/// The observables an export carries: TLP:RED ones dropped unless allowed,
/// duplicates merged, in the order first given.
pub fn select(observables: &[ObservableExport], options: &ExportOptions) -> Vec<ObservableExport> {
    let mut out: Vec<ObservableExport> = Vec::new();
    for o in observables {
        if o.tlp == Tlp::Red && !options.include_red {
            continue;
        }
        match out.iter_mut().find(|x| x.observable == o.observable) {
            Some(x) => {
                x.tlp = x.tlp.max(o.tlp);
                if x.role == ObservableRole::Unknown {
                    x.role = o.role;
                }
                if x.comment.is_none() {
                    x.comment = o.comment.clone();
                }
                x.first_seen = match (x.first_seen, o.first_seen) {
                    (Some(a), Some(b)) => Some(a.min(b)),
                    (a, b) => a.or(b),
                };
            }
            None => out.push(o.clone()),
        }
    }
    out
}

/// STIX 2.1 timestamp: RFC 3339, UTC, milliseconds, `Z`.
pub fn stix_timestamp(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}
