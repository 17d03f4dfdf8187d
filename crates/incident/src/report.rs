//! The initial incident report ("Báo cáo ban đầu sự cố", the form annexed to
//! Circular 20/2017/TT-BTTTT) and the evidence files attached to an incident.
//!
//! The form asks for: who reports and whom to contact (name, title, phone,
//! e-mail); the system's owner and operator; the system itself (canhgac takes
//! it from the registry, with its security level, domain names and public
//! addresses); the providers of security services and of connectivity; a
//! description; the date and time of detection; the current state; the
//! operating system and its version, and the public services; and a first
//! classification and severity. The caller fills the registry-derived parts;
//! [`InitialReport::problems`] checks what one record can check.

use crate::classify::{IncidentClass, Severity};
use crate::observable::Tlp;
use chrono::{DateTime, Duration, Utc};
use domain::org::Name;
use domain::system::SystemCode;
use domain::text_enum;
use domain::{Contact, DomainName, FieldErrors, SecurityLevel};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

text_enum! {
    /// The state of the incident when reported, as the form asks it.
    ReportedStatus {
        NotHandled => "not_handled", "Chưa được xử lý", "Not handled yet";
        Handling => "handling", "Đang xử lý", "Being handled";
        Handled => "handled", "Đã xử lý", "Handled";
        NeedsSupport => "needs_support", "Cần hỗ trợ xử lý", "Support needed";
    }
}

/// An organisation as the form names it; `id` when it is in the registry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgRef {
    #[serde(default)]
    pub id: Option<i64>,
    pub name: Name,
}

/// The affected system as the registry knows it at the time of the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SystemRef {
    #[serde(default)]
    pub id: Option<i64>,
    pub code: Option<SystemCode>,
    pub name: Name,
    #[serde(default)]
    pub level: Option<SecurityLevel>,
    #[serde(default)]
    pub domains: Vec<DomainName>,
    #[serde(default)]
    pub public_ips: Vec<IpAddr>,
}

/// The initial report form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InitialReport {
    /// The reporting organisation.
    pub reporter_org: OrgRef,
    /// The person reporting.
    pub reporter: Contact,
    /// The person to contact about the incident (often the same person).
    #[serde(default)]
    pub contact: Option<Contact>,
    /// Chủ quản hệ thống.
    pub owner_org: Option<OrgRef>,
    /// Đơn vị vận hành hệ thống.
    pub operator_org: Option<OrgRef>,
    pub system: Option<SystemRef>,
    /// Providers of security services (SOC, monitoring, response).
    #[serde(default)]
    pub security_providers: Vec<Name>,
    /// Providers of connectivity (ISPs).
    #[serde(default)]
    pub connectivity_providers: Vec<Name>,
    pub title: Name,
    pub description: String,
    pub detected_at: DateTime<Utc>,
    /// How it was detected (monitoring alert, a user, a warning from NCSC…).
    #[serde(default)]
    pub detection_method: Option<String>,
    pub reported_status: ReportedStatus,
    /// What was done so far.
    #[serde(default)]
    pub measures_taken: Option<String>,
    #[serde(default)]
    pub os_name: Option<String>,
    #[serde(default)]
    pub os_version: Option<String>,
    /// Services exposed to the Internet (web, mail, VPN, …).
    #[serde(default)]
    pub public_services: Vec<String>,
    /// Anything else the form's "other information" holds.
    #[serde(default)]
    pub other_info: Option<String>,
    pub class: IncidentClass,
    pub severity: Severity,
    #[serde(default)]
    pub tlp: Tlp,
}

/// Longest free-text field accepted.
pub const MAX_TEXT: usize = 20_000;

impl InitialReport {
    /// What is wrong with the report at `now`: a description is required, the
    /// detection time cannot be in the future (5 minutes of clock skew
    /// allowed), free text has a length limit.
    pub fn problems(&self, now: DateTime<Utc>) -> FieldErrors {
        let mut errs = FieldErrors::default();
        if self.description.trim().is_empty() {
            errs.push("description", "the description must not be empty");
        }
        if self.detected_at > now + Duration::minutes(5) {
            errs.push("detected_at", "the detection time is in the future");
        }
        let texts = [
            ("description", Some(&self.description)),
            ("detection_method", self.detection_method.as_ref()),
            ("measures_taken", self.measures_taken.as_ref()),
            ("os_name", self.os_name.as_ref()),
            ("os_version", self.os_version.as_ref()),
            ("other_info", self.other_info.as_ref()),
        ];
        for (field, text) in texts {
            if text.is_some_and(|t| t.chars().count() > MAX_TEXT) {
                errs.push(field, format!("is longer than {MAX_TEXT} characters"));
            }
        }
        for (i, s) in self.public_services.iter().enumerate() {
            if s.trim().is_empty() || s.chars().count() > 300 {
                errs.push(format!("public_services[{i}]"), "must be 1–300 characters");
            }
        }
        errs
    }

    /// Whether the report reached canhgac after the 5-day limit of Circular 20.
    pub fn is_late(&self, reported_at: DateTime<Utc>) -> bool {
        reported_at > crate::classify::reporting_deadline(self.detected_at)
    }
}

/// A SHA-256 digest, shown as 64 lower-case hex digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Sha256Digest([u8; 32]);

impl Sha256Digest {
    /// The digest of `bytes` in one go.
    pub fn of(bytes: &[u8]) -> Sha256Digest {
        Sha256Digest(Sha256::digest(bytes).into())
    }
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl FromStr for Sha256Digest {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let t = s.trim();
        let mut out = [0u8; 32];
        if t.len() != 64 || hex::decode_to_slice(t, &mut out).is_err() {
            return Err(format!("'{t}' is not a SHA-256 digest (64 hex digits)"));
        }
        Ok(Sha256Digest(out))
    }
}

impl fmt::Display for Sha256Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex::encode(self.0))
    }
}

impl Serialize for Sha256Digest {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Sha256Digest {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// Hashes an evidence file as its bytes stream past (the caller reads).
#[derive(Debug, Clone, Default)]
pub struct EvidenceHasher {
    hasher: Sha256,
    size: u64,
}

impl EvidenceHasher {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn update(&mut self, chunk: &[u8]) {
        self.hasher.update(chunk);
        self.size = self.size.saturating_add(chunk.len() as u64);
    }
    /// The digest and the number of bytes seen.
    pub fn finish(self) -> (Sha256Digest, u64) {
        (Sha256Digest(self.hasher.finalize().into()), self.size)
    }
}

/// An evidence file attached to an incident, identified by its SHA-256 so that
/// its integrity can be shown later (chain of custody).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    pub file_name: String,
    pub size: u64,
    pub sha256: Sha256Digest,
    pub added_at: DateTime<Utc>,
    /// Who added it, as the audit log names them.
    pub added_by: String,
    #[serde(default)]
    pub note: Option<String>,
}

impl Evidence {
    /// Records a file whose bytes were hashed by `hasher`. The name must be a
    /// plain file name (no path).
    pub fn new(
        file_name: &str,
        hasher: EvidenceHasher,
        added_at: DateTime<Utc>,
        added_by: &str,
    ) -> Result<Evidence, String> {
        let name = crate::observable::Observable::parse_as(
            crate::observable::ObservableKind::FileName,
            file_name,
        )
        .map_err(|e| e.to_string())?;
        let (sha256, size) = hasher.finish();
        Ok(Evidence {
            file_name: name.value().to_string(),
            size,
            sha256,
            added_at,
            added_by: added_by.to_string(),
            note: None,
        })
    }

    /// Whether `bytes` are this file, unchanged.
    pub fn verify(&self, bytes: &[u8]) -> bool {
        bytes.len() as u64 == self.size && Sha256Digest::of(bytes) == self.sha256
    }
}
