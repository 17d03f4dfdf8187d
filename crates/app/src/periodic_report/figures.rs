//! The report's figures as plain data, and the capabilities not built.

use super::*;
use crate::dashboard::Coverage;
use crate::incident_response::IncidentMetrics;
use chrono::{DateTime, NaiveDate, Utc};

use serde::Serialize;

// ---- the report's figures ----

/// Capabilities of the directives that canhgac does not have yet: their part
/// of the report says so instead of printing zeros. (capability, name).
pub const NOT_BUILT: [(&str, &str); 4] = [
    (
        "C5",
        "rà quét, săn lùng và bóc gỡ mã độc trên máy chủ, máy trạm (theo dõi từng máy bị nhiễm \
         đến khi làm sạch)",
    ),
    (
        "C8",
        "kiểm tra việc tuân thủ chính sách mật khẩu trên các hệ thống thông tin của đơn vị",
    ),
    (
        "C8",
        "phát hiện địa chỉ thư điện tử công vụ bị lộ lọt thông tin đăng nhập",
    ),
    (
        "C8",
        "theo dõi tuyên truyền, đào tạo nâng cao nhận thức về an toàn thông tin mạng",
    ),
];

/// The sentence the report prints for a capability not built.
pub fn not_built_sentence(name: &str) -> String {
    format!(
        "Chức năng {name} chưa được xây dựng trong canhgac; số liệu phần này do đơn vị tự báo cáo."
    )
}

#[derive(Debug, Clone, Serialize)]
pub struct ReportOrg {
    pub id: i64,
    pub name: String,
    pub short_name: String,
}

/// Every figure of a periodic report.
#[derive(Debug, Clone, Serialize)]
pub struct PeriodicReport {
    pub period: ReportPeriod,
    pub label: String,
    pub first_day: NaiveDate,
    pub last_day: NaiveDate,
    pub deadline: NaiveDate,
    /// The organisation reported on; none for the province.
    pub org: Option<ReportOrg>,
    pub made_on: NaiveDate,
    pub systems: SystemsPart,
    pub vulns: VulnsPart,
    pub botnet: BotnetPart,
    pub incidents: IncidentsPart,
    pub duty: DutyPart,
    pub directives: DirectivesPart,
    pub monitoring: MonitoringPart,
    pub not_built: Vec<NotBuilt>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct SystemsPart {
    pub total: i64,
    /// Per effective level 1–5; index 0 counts systems without a level.
    pub by_level: [i64; 6],
    /// Per level as `by_level`: those whose level is approved.
    pub approved_by_level: [i64; 6],
    /// The 4-layer model among level 3 and above; "assessed" means within
    /// the 12 months before the period's last day.
    pub coverage: Coverage,
    /// Per owner (the province report); one line for an organisation.
    pub by_org: Vec<SystemsOrgLine>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct SystemsOrgLine {
    pub org_id: i64,
    pub name: String,
    pub total: i64,
    pub by_level: [i64; 6],
    /// Protection layers missing on level-3+ systems (each counts).
    pub missing_layers: i64,
    pub unapproved: i64,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct VulnsPart {
    /// Who issued the period's warnings, each as stored with its warnings
    /// ("Cục X và Cục Y" when the issuer changed within the period); without
    /// warnings, the issuer the installation names today
    /// (`domain::NationalBodies::warning_issuer`).
    pub issuer: String,
    /// The Authority's warnings issued in the period.
    pub warnings: Vec<WarningLine>,
    /// Findings detected in the period.
    pub detected: i64,
    /// Per status (in `FindingStatus::ALL` order): code, label, count.
    pub by_status: Vec<(String, String, i64)>,
    pub by_priority: Vec<PriorityLine>,
    /// Of those detected in the period: no longer asking for work.
    pub done: i64,
    pub open: i64,
    /// done / detected, when anything was detected.
    pub patch_rate: Option<f64>,
    /// Findings still open past their deadline on the day the report is
    /// made (detected in the period or before it).
    pub overdue_now: i64,
    pub by_org: Vec<FindingsOrgLine>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct WarningLine {
    pub id: i64,
    pub number: String,
    pub issued_on: NaiveDate,
    pub title: String,
    /// Who issued it, as stored with the warning.
    pub issuer: String,
    pub issuer_short: String,
    pub cves: usize,
    pub orgs: usize,
    pub findings: i64,
    pub done: i64,
    pub open: i64,
    pub overdue: i64,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct PriorityLine {
    pub priority: String,
    pub label: String,
    pub detected: i64,
    pub done: i64,
    pub open: i64,
    pub overdue: i64,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct FindingsOrgLine {
    pub org_id: i64,
    pub name: String,
    pub detected: i64,
    pub done: i64,
    pub open: i64,
    pub overdue_now: i64,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct BotnetPart {
    /// One line per list imported for a month of the period.
    pub months: Vec<BotnetMonth>,
    /// Distinct addresses listed in the period, per owner (none: not known).
    pub by_owner: Vec<BotnetOwnerLine>,
    pub addresses: i64,
    pub marked_cleaned: i64,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct BotnetMonth {
    pub list_id: i64,
    pub source: String,
    /// `YYYY-MM`.
    pub month: String,
    pub listed: i64,
    /// None for the first list of a source: nothing to compare with.
    pub new: Option<i64>,
    pub still_listed: Option<i64>,
    /// In the previous list, no longer in this one.
    pub gone: Option<i64>,
    pub marked_cleaned: i64,
    pub reinfected: i64,
    /// Province report only: addresses in no registered block.
    pub unknown_owner: i64,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct BotnetOwnerLine {
    pub org_id: Option<i64>,
    pub name: String,
    pub addresses: i64,
    pub marked_cleaned: i64,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct IncidentsPart {
    pub metrics: IncidentMetrics,
    /// Every class in order: code, label, count.
    pub by_class: Vec<(String, String, usize)>,
    pub by_severity: Vec<(String, String, usize)>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct DutyPart {
    pub periods: Vec<DutyPeriodLine>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DutyPeriodLine {
    pub id: i64,
    pub name: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub orgs: Vec<DutyOrgLine>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DutyOrgLine {
    pub org_id: i64,
    pub name: String,
    pub has_roster: bool,
    pub shifts: usize,
    /// Hours of the alert period with nobody on duty (the whole period
    /// without a roster).
    pub gap_hours: f64,
    pub gaps: usize,
    /// Covered share of the alert period, 0–1.
    pub covered: f64,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct DirectivesPart {
    pub directives: Vec<DirectiveLine>,
    /// Task assignments (task × recipient) in all of them.
    pub assigned: usize,
    pub done: usize,
    pub not_applicable: usize,
    pub in_progress: usize,
    pub not_reported: usize,
    pub overdue: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct DirectiveLine {
    pub id: i64,
    pub number: String,
    pub issued_on: NaiveDate,
    pub issuer: String,
    pub title: String,
    pub tasks: Vec<TaskLine>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TaskLine {
    pub position: i64,
    pub text: String,
    pub deadline: Option<NaiveDate>,
    pub recipients: usize,
    pub done: usize,
    pub not_applicable: usize,
    pub in_progress: usize,
    pub not_reported: usize,
    pub overdue: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct NotBuilt {
    pub capability: String,
    pub name: String,
    pub sentence: String,
}

/// 24/7 monitoring in the period: alerts first seen in it, their triage,
/// and the systems silent when the report is made.
#[derive(Debug, Clone, Default, Serialize)]
pub struct MonitoringPart {
    pub total: i64,
    /// Every severity, lowest first.
    pub by_severity: Vec<AlertSeverityLine>,
    /// Organisations with alerts, most first.
    pub by_org: Vec<AlertOrgLine>,
    /// Acknowledged after their time to acknowledge, or still waiting past it.
    pub overdue: i64,
    /// True positives, false positives and benign.
    pub decided: i64,
    pub true_positives: i64,
    /// Alerts turned into incidents.
    pub incidents: i64,
    /// Systems claiming SOC monitoring when the report is made.
    pub monitored_systems: i64,
    pub silent: Vec<SilentLine>,
    /// More alerts than a report reads; the figures cover the first ones.
    pub truncated: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct AlertSeverityLine {
    pub severity: String,
    pub label: String,
    pub total: i64,
    /// Hours allowed to acknowledge.
    pub within_hours: i64,
    pub acknowledged: i64,
    pub median_hours: Option<f64>,
    pub p90_hours: Option<f64>,
    pub overdue: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct AlertOrgLine {
    pub org_id: i64,
    pub name: String,
    /// Per severity, in the order of `AlertSeverity::ALL`.
    pub by_severity: Vec<i64>,
    pub total: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct SilentLine {
    pub code: String,
    pub name: String,
    pub org: String,
    pub sensors: i64,
    pub last_event_at: Option<DateTime<Utc>>,
}
