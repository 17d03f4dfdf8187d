//! The 6-monthly and yearly reports on information security ("báo cáo định
//! kỳ 06 tháng, 01 năm"), per organisation and for the province, built from
//! the data: systems by level and their 4-layer protection, vulnerability
//! warnings and findings, botnet listings and clean-up, incidents, duty,
//! directive tasks. As a plain struct, as DOCX in the administrative layout
//! (with charts) and as XLSX.
//!
//! The reporting year runs from 1 December to 30 November: the first half
//! (1/12–31/5) is due before 20 June, the second half (1/6–30/11) and the
//! year before 15 December, the dates asked of the members of the incident
//! response network. [`next_due`] says which report is due next.
//!
//! The registry keeps no history, so systems and their protection are
//! counted as they stand when the report is made; everything else is counted
//! by the dates inside the period. Capabilities canhgac does not have yet are
//! named as such in the report ([`NOT_BUILT`]), never shown as zeros.

mod build;
mod document;
mod figures;
mod period;
mod tables;
#[cfg(test)]
mod tests;

#[allow(unused_imports)]
use build::*;
pub use document::{MONITORING_HEADING, NOT_BUILT_INTRO, NO_ALERTS};
pub use figures::*;
pub use period::*;
pub(crate) use tables::percent;
#[allow(unused_imports)]
use tables::*;
