//! Incidents (capability C6 of the design): the initial report of Circular
//! 20/2017/TT-BTTTT, the response workflow as an explicit transition table,
//! classes, severities and deadlines, observables with their TLP, evidence
//! hashes, and the exports national platforms take (STIX 2.1, MISP).
//!
//! Pure: no I/O, no database, no clock (every function that needs the time
//! takes `now`), no panics on input. The caller (`app`) maps its `Scope` and
//! store rows to the plain structs here.
//!
//! - [`workflow`]: states, actions, [`TRANSITIONS`], [`apply`], who may do what,
//!   the history of changes;
//! - [`classify`]: [`IncidentClass`], [`Severity`], response targets, the 5-day
//!   reporting deadline, overdue checks;
//! - [`observable`]: [`Observable`] with kind detection, [`Tlp`];
//! - [`report`]: the initial report form, evidence files with SHA-256;
//! - [`export`], [`stix`], [`misp`]: the exports;
//! - [`uuid`]: deterministic (version 5) identifiers.

pub mod classify;
pub mod export;
pub mod misp;
pub mod observable;
pub mod report;
pub mod stix;
pub mod uuid;
pub mod workflow;

pub use classify::{
    check, deadlines, next_due, overdue, reporting_deadline, DeadlineCheck, Deadlines,
    IncidentClass, Milestone, Milestones, ResponsePolicy, ResponseTargets, Severity,
};
pub use export::{ExportOptions, IncidentExport, ObservableExport, ObservableRole};
pub use misp::misp_event;
pub use observable::{visible, Observable, ObservableError, ObservableKind, Tlp};
pub use report::{Evidence, EvidenceHasher, InitialReport, ReportedStatus, Sha256Digest};
pub use stix::stix_bundle;
pub use workflow::{
    apply, apply_recorded, Action, ActorFacts, Change, HistoryEntry, IncidentState, Requirement,
    TransitionError, TransitionInput, Who, TRANSITIONS,
};
