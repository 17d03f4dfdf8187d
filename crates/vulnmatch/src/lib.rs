//! vulnmatch: the vulnerability engine of canhgac.
//!
//! - [`feeds`] reads NVD CVE API 2.0, CVE JSON 5, the CISA KEV catalogue,
//!   CSAF 2.0 advisories and EPSS scores into one [`Vuln`] per CVE
//!   ([`VulnDb`] merges them: the CNA first, NVD as the fallback).
//! - [`version`] orders versions (semver, Debian, RPM, vendor dotted).
//! - [`cpe`] parses CPE names and matches them as NISTIR 7696 says.
//! - [`matching`] matches an inventory against the vulnerabilities and keeps
//!   the evidence of every finding.
//! - [`compact`] writes and reads the part of a record matching and the
//!   priority use, as bytes that decode fast (what the store keeps for them).
//! - [`priority`] turns KEV, EPSS, CVSS and the system's exposure and security
//!   level into an SSVC deployer decision and a deadline.
//!
//! No I/O beyond the bytes and readers it is given; no panics on any input.

pub mod compact;
pub mod cpe;
pub mod feeds;
pub mod matching;
pub mod model;
pub mod priority;
pub mod version;

pub use model::{
    AdpSsvc, AffectedRule, Change, CpeMatch, CveId, Cvss, CvssVersion, Epss, Kev, NvdConfig,
    NvdNode, Operator, Source, Status, VersionRange, Vuln, VulnDb,
};
