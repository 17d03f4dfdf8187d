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

use crate::botnet_report::{Download, DOCX, XLSX};
use crate::dashboard::Coverage;
use crate::incident_response::IncidentMetrics;
use crate::registry::{today, vn_day_start};
use crate::{App, AppError, Result};
use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use docgen::{Block, Chart};
use domain::{FindingStatus, Scope};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::str::FromStr;

// ---- periods ----

/// Which part of the reporting year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PeriodKind {
    /// 1 December of the year before to 31 May.
    HalfYear1,
    /// 1 June to 30 November.
    HalfYear2,
    /// 1 December of the year before to 30 November.
    Year,
}

/// A reporting period: `2025-H1`, `2025-H2` or `2025`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ReportPeriod {
    pub kind: PeriodKind,
    pub year: i32,
}

const FIRST_YEAR: i32 = 2000;
const LAST_YEAR: i32 = 2100;

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("a fixed day of a year in range")
}

impl ReportPeriod {
    pub fn new(kind: PeriodKind, year: i32) -> std::result::Result<Self, String> {
        if !(FIRST_YEAR..=LAST_YEAR).contains(&year) {
            return Err(format!(
                "the year {year} is outside {FIRST_YEAR}–{LAST_YEAR}"
            ));
        }
        Ok(ReportPeriod { kind, year })
    }

    /// The first day covered (a Vietnamese calendar day).
    pub fn first_day(&self) -> NaiveDate {
        match self.kind {
            PeriodKind::HalfYear1 | PeriodKind::Year => date(self.year - 1, 12, 1),
            PeriodKind::HalfYear2 => date(self.year, 6, 1),
        }
    }

    /// The last day covered, inclusive.
    pub fn last_day(&self) -> NaiveDate {
        match self.kind {
            PeriodKind::HalfYear1 => date(self.year, 5, 31),
            PeriodKind::HalfYear2 | PeriodKind::Year => date(self.year, 11, 30),
        }
    }

    /// The day the report must be sent before.
    pub fn deadline(&self) -> NaiveDate {
        match self.kind {
            PeriodKind::HalfYear1 => date(self.year, 6, 20),
            PeriodKind::HalfYear2 | PeriodKind::Year => date(self.year, 12, 15),
        }
    }

    /// The start of the first day, Vietnam time, in UTC.
    pub fn starts_at(&self) -> DateTime<Utc> {
        vn_day_start(self.first_day())
    }

    /// The start of the day after the last, Vietnam time, in UTC (exclusive).
    pub fn ends_at(&self) -> DateTime<Utc> {
        vn_day_start(self.last_day() + Duration::days(1))
    }

    pub fn contains(&self, day: NaiveDate) -> bool {
        self.first_day() <= day && day <= self.last_day()
    }

    /// The months covered as `YYYY-MM`, the botnet lists' periods.
    pub fn months(&self) -> Vec<String> {
        let mut out = Vec::new();
        let mut d = self.first_day();
        while d <= self.last_day() {
            out.push(d.format("%Y-%m").to_string());
            d = d
                .checked_add_months(chrono::Months::new(1))
                .expect("months of a year in range");
        }
        out
    }

    /// "6 tháng đầu năm 2025", "6 tháng cuối năm 2025", "năm 2025".
    pub fn label_vi(&self) -> String {
        match self.kind {
            PeriodKind::HalfYear1 => format!("6 tháng đầu năm {}", self.year),
            PeriodKind::HalfYear2 => format!("6 tháng cuối năm {}", self.year),
            PeriodKind::Year => format!("năm {}", self.year),
        }
    }

    /// The half-year a day falls in (December belongs to the next year's first half).
    pub fn half_containing(day: NaiveDate) -> ReportPeriod {
        let (kind, year) = match day.month() {
            12 => (PeriodKind::HalfYear1, day.year() + 1),
            1..=5 => (PeriodKind::HalfYear1, day.year()),
            _ => (PeriodKind::HalfYear2, day.year()),
        };
        ReportPeriod { kind, year }
    }
}

impl fmt::Display for ReportPeriod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            PeriodKind::HalfYear1 => write!(f, "{}-H1", self.year),
            PeriodKind::HalfYear2 => write!(f, "{}-H2", self.year),
            PeriodKind::Year => write!(f, "{}", self.year),
        }
    }
}

impl FromStr for ReportPeriod {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        let t = s.trim();
        let bad = || {
            format!(
                "'{t}' is not a report period: write 2025-H1 (01/12/2024–31/05/2025), \
                 2025-H2 (01/06–30/11/2025) or 2025 (the year, 01/12/2024–30/11/2025)"
            )
        };
        let (year, kind) = match t.split_once('-') {
            Some((y, h)) if h.eq_ignore_ascii_case("h1") => (y, PeriodKind::HalfYear1),
            Some((y, h)) if h.eq_ignore_ascii_case("h2") => (y, PeriodKind::HalfYear2),
            Some(_) => return Err(bad()),
            None => (t, PeriodKind::Year),
        };
        if year.len() != 4 || !year.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        let year: i32 = year.parse().map_err(|_| bad())?;
        ReportPeriod::new(kind, year)
    }
}

impl Serialize for ReportPeriod {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// A report due, for reminders.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReportDue {
    pub period: ReportPeriod,
    pub deadline: NaiveDate,
    /// Days from the given day to the deadline (0 on the day itself).
    pub days_left: i64,
}

impl ReportDue {
    /// "Báo cáo 6 tháng đầu năm 2025: gửi trước ngày 20/06/2025 (còn 12 ngày)."
    pub fn message_vi(&self) -> String {
        let left = match self.days_left {
            0 => "hạn cuối là hôm nay".to_string(),
            n => format!("còn {n} ngày"),
        };
        format!(
            "Báo cáo {}: gửi trước ngày {} ({left}).",
            self.period.label_vi(),
            self.deadline.format("%d/%m/%Y")
        )
    }
}

/// The reports whose deadline is the next on or after `day`: the first
/// half-year's, or the second half-year's together with the year's (both due
/// 15 December).
pub fn next_due(day: NaiveDate) -> Vec<ReportDue> {
    let y = day.year().clamp(FIRST_YEAR, LAST_YEAR - 1);
    let candidates: Vec<ReportPeriod> = [y, y + 1]
        .into_iter()
        .flat_map(|year| {
            [
                PeriodKind::HalfYear1,
                PeriodKind::HalfYear2,
                PeriodKind::Year,
            ]
            .map(|kind| ReportPeriod { kind, year })
        })
        .collect();
    let Some(next) = candidates
        .iter()
        .map(|p| p.deadline())
        .filter(|d| *d >= day)
        .min()
    else {
        return Vec::new();
    };
    candidates
        .into_iter()
        .filter(|p| p.deadline() == next)
        .map(|period| ReportDue {
            period,
            deadline: next,
            days_left: (next - day).num_days(),
        })
        .collect()
}

// ---- the report's figures ----

/// Capabilities of the directives that canhgac does not have yet: their part
/// of the report says so instead of printing zeros. (capability, name).
pub const NOT_BUILT: [(&str, &str); 5] = [
    (
        "C4",
        "giám sát an toàn thông tin 24/7 (thu thập sự kiện, cảnh báo từ hệ thống giám sát và SOC, \
         xác minh cảnh báo mã độc)",
    ),
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

// ---- building ----

const PRIORITIES: [&str; 4] = ["immediate", "out-of-cycle", "scheduled", "defer"];

fn is_active(status: &str) -> bool {
    status
        .parse::<FindingStatus>()
        .map_or(true, FindingStatus::is_active)
}

/// Which organisation a report is about, as the scope may ask: the province
/// and any organisation for the coordinator and auditors, an organisation's
/// own for its staff. Another organisation's is refused whether it exists or
/// not, so the answer says nothing about it.
fn report_org(scope: &Scope, org_id: Option<i64>) -> Result<Option<i64>> {
    match org_id {
        None if scope.sees_province() => Ok(None),
        // An organisation's people get their own organisation's report.
        None => Ok(Some(scope.org_id)),
        Some(o) if scope.sees_province() || o == scope.org_id => Ok(Some(o)),
        // Another organisation's report does not exist for this reader.
        Some(_) => Err(AppError::NotFound),
    }
}

/// How many days before a deadline every organisation is reminded.
pub const REMINDER_DAYS: i64 = 7;

impl ReportPeriod {
    /// A number naming the period, for the notification queue's `ref_id`.
    fn code(&self) -> i64 {
        let kind = match self.kind {
            PeriodKind::HalfYear1 => 1,
            PeriodKind::HalfYear2 => 2,
            PeriodKind::Year => 3,
        };
        i64::from(self.year) * 10 + kind
    }
}

impl App {
    /// Once per report, [`REMINDER_DAYS`] before its deadline: a message to
    /// every organisation (and the coordinator) that the report is due.
    /// Returns the messages queued.
    pub async fn remind_periodic_reports(&self, today: NaiveDate) -> Result<usize> {
        let due: Vec<ReportDue> = next_due(today)
            .into_iter()
            .filter(|d| d.days_left <= REMINDER_DAYS)
            .collect();
        let mut queued = 0;
        for d in due {
            let code = d.period.code();
            if store::notifications::queued_before(&mut self.store.conn(), "periodic_report", code)
                .await?
            {
                continue;
            }
            let emails = self.notify_emails().await?;
            let link = format!(
                "{}/reports",
                self.config.notify.public_url.trim_end_matches('/')
            );
            let subject = format!("[canhgac] Nhắc báo cáo {}", d.period.label_vi());
            let body = format!(
                "{}\nBáo cáo được lập từ số liệu trong canhgac (DOCX, XLSX): {link}\n",
                d.message_vi()
            );
            let mut notices = Vec::new();
            for org_id in emails.keys() {
                notices.extend(self.notices_for(
                    &emails,
                    *org_id,
                    "periodic_report",
                    code,
                    &subject,
                    &body,
                ));
            }
            if let Some(url) = &self.config.notify.webhook {
                // One webhook message for the province, not one per organisation.
                notices.retain(|n| n.recipient != *url);
                notices.extend(self.notices_for(
                    &BTreeMap::new(),
                    self.system_scope().await?.org_id,
                    "periodic_report",
                    code,
                    &subject,
                    &body,
                ));
            }
            if notices.is_empty() {
                continue;
            }
            queued += notices.len();
            let mut tx = self.store.begin().await?;
            store::notifications::enqueue(&mut tx, &notices).await?;
            tx.commit().await?;
        }
        Ok(queued)
    }

    /// Every figure of the 6-monthly or yearly report of `org_id`, or of the
    /// province when `None`.
    pub async fn periodic_report(
        &self,
        scope: &Scope,
        period: ReportPeriod,
        org_id: Option<i64>,
    ) -> Result<PeriodicReport> {
        let org = report_org(scope, org_id)?;
        let system = self.system_scope().await?;
        let org_info = match org {
            Some(id) => {
                let o = store::orgs::get(&mut self.store.conn(), &system, id)
                    .await?
                    .ok_or(AppError::NotFound)?;
                Some(ReportOrg {
                    id,
                    name: o.data.name.to_string(),
                    short_name: o.data.short_name.to_string(),
                })
            }
            None => None,
        };
        let names: BTreeMap<i64, String> = self
            .org_names(&system)
            .await?
            .into_values()
            .map(|o| (o.id, o.data.short_name.to_string()))
            .collect();
        let name_of = |id: i64| names.get(&id).cloned().unwrap_or_else(|| format!("#{id}"));
        let made_on = today();
        Ok(PeriodicReport {
            period,
            label: period.label_vi(),
            first_day: period.first_day(),
            last_day: period.last_day(),
            deadline: period.deadline(),
            org: org_info,
            made_on,
            systems: self.report_systems(scope, period, org, &name_of).await?,
            vulns: self
                .report_vulns(scope, period, org, made_on, &name_of)
                .await?,
            botnet: self.report_botnet(scope, period, org, &name_of).await?,
            incidents: self.report_incidents(scope, period, org).await?,
            duty: self.report_duty(scope, period, org).await?,
            directives: self.report_directives(scope, period, org).await?,
            not_built: NOT_BUILT
                .iter()
                .map(|(c, name)| NotBuilt {
                    capability: c.to_string(),
                    name: name.to_string(),
                    sentence: not_built_sentence(name),
                })
                .collect(),
        })
    }

    async fn report_systems(
        &self,
        scope: &Scope,
        period: ReportPeriod,
        org: Option<i64>,
        name_of: &impl Fn(i64) -> String,
    ) -> Result<SystemsPart> {
        let since = period.last_day() - Duration::days(365);
        let rows = store::systems::summary(&mut self.store.conn(), scope, org, since).await?;
        let mut p = SystemsPart::default();
        let mut by_org: BTreeMap<i64, SystemsOrgLine> = BTreeMap::new();
        for r in &rows {
            let level = r.level.unwrap_or(0).clamp(0, 5) as usize;
            p.total += r.n;
            p.by_level[level] += r.n;
            if r.approved {
                p.approved_by_level[level] += r.n;
            }
            let line = by_org
                .entry(r.owner_org_id)
                .or_insert_with(|| SystemsOrgLine {
                    org_id: r.owner_org_id,
                    name: name_of(r.owner_org_id),
                    ..Default::default()
                });
            line.total += r.n;
            line.by_level[level] += r.n;
            if !r.approved {
                line.unapproved += r.n;
            }
            line.missing_layers += p.coverage.add(r, level) * r.n;
        }
        p.by_org = by_org.into_values().collect();
        p.by_org
            .sort_by(|a, b| b.total.cmp(&a.total).then(a.name.cmp(&b.name)));
        Ok(p)
    }

    async fn report_vulns(
        &self,
        scope: &Scope,
        period: ReportPeriod,
        org: Option<i64>,
        made_on: NaiveDate,
        name_of: &impl Fn(i64) -> String,
    ) -> Result<VulnsPart> {
        let mut p = VulnsPart::default();
        let warnings: Vec<store::vulns::Warning> = store::vulns::warnings(&mut self.store.conn())
            .await?
            .into_iter()
            .filter(|w| period.contains(w.issued_on))
            .collect();
        let all_cves: Vec<String> = warnings
            .iter()
            .flat_map(|w| w.cve_list())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let by_cve = store::periodic::findings_of_cves(
            &mut self.store.conn(),
            scope,
            org,
            &all_cves,
            made_on,
        )
        .await?;
        for w in warnings.iter().rev() {
            let cves: BTreeSet<String> = w.cve_list().into_iter().collect();
            let mut line = WarningLine {
                id: w.id,
                number: w.number.clone(),
                issued_on: w.issued_on,
                title: w.title.clone(),
                cves: cves.len(),
                ..Default::default()
            };
            let mut orgs = BTreeSet::new();
            for r in by_cve.iter().filter(|r| cves.contains(&r.cve)) {
                orgs.insert(r.owner_org_id);
                line.findings += r.n;
                if is_active(&r.status) {
                    line.open += r.n;
                    if r.past_deadline {
                        line.overdue += r.n;
                    }
                } else {
                    line.done += r.n;
                }
            }
            line.orgs = orgs.len();
            p.warnings.push(line);
        }

        let rows = store::periodic::findings(
            &mut self.store.conn(),
            scope,
            org,
            period.starts_at(),
            period.ends_at(),
            made_on,
        )
        .await?;
        let mut status_count: BTreeMap<String, i64> = BTreeMap::new();
        let mut priorities: BTreeMap<&str, PriorityLine> = PRIORITIES
            .iter()
            .map(|&code| {
                (
                    code,
                    PriorityLine {
                        priority: code.into(),
                        label: crate::vulns::priority_vi(code).into(),
                        ..Default::default()
                    },
                )
            })
            .collect();
        let mut by_org: BTreeMap<i64, FindingsOrgLine> = BTreeMap::new();
        for r in &rows {
            let active = is_active(&r.status);
            let line = by_org
                .entry(r.owner_org_id)
                .or_insert_with(|| FindingsOrgLine {
                    org_id: r.owner_org_id,
                    name: name_of(r.owner_org_id),
                    ..Default::default()
                });
            if active && r.past_deadline {
                p.overdue_now += r.n;
                line.overdue_now += r.n;
            }
            if !r.in_period {
                continue;
            }
            p.detected += r.n;
            line.detected += r.n;
            *status_count.entry(r.status.clone()).or_default() += r.n;
            let key = PRIORITIES
                .iter()
                .copied()
                .find(|c| *c == r.priority)
                .unwrap_or("defer");
            let pl = priorities.get_mut(key).expect("every priority has a line");
            pl.detected += r.n;
            if active {
                p.open += r.n;
                line.open += r.n;
                pl.open += r.n;
                if r.past_deadline {
                    pl.overdue += r.n;
                }
            } else {
                p.done += r.n;
                line.done += r.n;
                pl.done += r.n;
            }
        }
        p.by_status = FindingStatus::ALL
            .iter()
            .map(|s| {
                (
                    s.as_str().to_string(),
                    s.label_vi().to_string(),
                    status_count.get(s.as_str()).copied().unwrap_or(0),
                )
            })
            .collect();
        p.by_priority = PRIORITIES
            .iter()
            .filter_map(|c| priorities.remove(c))
            .collect();
        p.patch_rate = (p.detected > 0).then(|| p.done as f64 / p.detected as f64);
        p.by_org = by_org.into_values().collect();
        p.by_org.sort_by(|a, b| {
            b.overdue_now
                .cmp(&a.overdue_now)
                .then(b.open.cmp(&a.open))
                .then(a.name.cmp(&b.name))
        });
        Ok(p)
    }

    async fn report_botnet(
        &self,
        scope: &Scope,
        period: ReportPeriod,
        org: Option<i64>,
        name_of: &impl Fn(i64) -> String,
    ) -> Result<BotnetPart> {
        let months = period.months();
        let (first, last) = (months[0].clone(), months[months.len() - 1].clone());
        let mut lists: Vec<store::botnet::BotnetList> =
            store::botnet::lists(&mut self.store.conn())
                .await?
                .into_iter()
                .filter(|l| first <= l.period && l.period <= last)
                .collect();
        lists.sort_by(|a, b| a.source.cmp(&b.source).then(a.period.cmp(&b.period)));
        let mut p = BotnetPart::default();
        for l in &lists {
            let history =
                store::botnet::history(&mut self.store.conn(), &l.source, &l.period, 2).await?;
            let previous = history.get(1);
            let c = store::periodic::botnet_month(&mut self.store.conn(), scope, org, l, previous)
                .await?;
            let compared = previous.is_some();
            p.months.push(BotnetMonth {
                list_id: l.id,
                source: l.source.clone(),
                month: l.period.clone(),
                listed: c.listed,
                new: compared.then_some(c.listed - c.still_listed),
                still_listed: compared.then_some(c.still_listed),
                gone: compared.then_some(c.gone),
                marked_cleaned: c.marked_cleaned,
                reinfected: c.reinfected,
                unknown_owner: c.unknown_owner,
            });
        }
        let ids: Vec<i64> = lists.iter().map(|l| l.id).collect();
        let totals =
            store::periodic::botnet_owner_totals(&mut self.store.conn(), scope, org, &ids).await?;
        for t in totals {
            p.addresses += t.addresses;
            p.marked_cleaned += t.marked_cleaned;
            p.by_owner.push(BotnetOwnerLine {
                org_id: t.owner_org_id,
                name: t
                    .owner_org_id
                    .map(name_of)
                    .unwrap_or_else(|| "Chưa xác định đơn vị".into()),
                addresses: t.addresses,
                marked_cleaned: t.marked_cleaned,
            });
        }
        p.by_owner.sort_by(|a, b| {
            a.org_id
                .is_none()
                .cmp(&b.org_id.is_none())
                .then(b.addresses.cmp(&a.addresses))
                .then(a.name.cmp(&b.name))
        });
        Ok(p)
    }

    async fn report_incidents(
        &self,
        scope: &Scope,
        period: ReportPeriod,
        org: Option<i64>,
    ) -> Result<IncidentsPart> {
        let metrics = self
            .incident_metrics(scope, Some(period.starts_at()), Some(period.ends_at()), org)
            .await?;
        let by_class = incident::IncidentClass::ALL
            .iter()
            .map(|c| {
                (
                    c.as_str().to_string(),
                    c.label_vi().to_string(),
                    metrics.by_class.get(c.as_str()).copied().unwrap_or(0),
                )
            })
            .collect();
        let by_severity = incident::Severity::ALL
            .iter()
            .map(|s| {
                (
                    s.as_str().to_string(),
                    s.label_vi().to_string(),
                    metrics.by_severity.get(s.as_str()).copied().unwrap_or(0),
                )
            })
            .collect();
        Ok(IncidentsPart {
            metrics,
            by_class,
            by_severity,
        })
    }

    async fn report_duty(
        &self,
        scope: &Scope,
        period: ReportPeriod,
        org: Option<i64>,
    ) -> Result<DutyPart> {
        let (start, end) = (period.starts_at(), period.ends_at());
        let mut overlapping: Vec<store::duty::Period> = self
            .periods(scope)
            .await?
            .into_iter()
            .filter(|p| p.starts_at < end && start < p.ends_at)
            .collect();
        overlapping.sort_by_key(|p| (p.starts_at, p.id));
        let mut out = DutyPart::default();
        for p in overlapping {
            let view = self.period(scope, p.id).await?;
            let orgs: Vec<DutyOrgLine> = view
                .orgs
                .into_iter()
                .filter(|o| org.is_none_or(|id| id == o.org_id))
                .map(|o| {
                    let total = (p.ends_at - p.starts_at).num_seconds().max(1);
                    let (covered, gaps) = o
                        .coverage
                        .as_ref()
                        .map_or((0, 1), |c| (c.covered_seconds, c.gaps.len()));
                    DutyOrgLine {
                        org_id: o.org_id,
                        name: o.name,
                        has_roster: o.coverage.is_some(),
                        shifts: o.shifts,
                        gap_hours: (total - covered).max(0) as f64 / 3600.0,
                        gaps,
                        covered: covered as f64 / total as f64,
                    }
                })
                .collect();
            if orgs.is_empty() {
                continue;
            }
            out.periods.push(DutyPeriodLine {
                id: p.id,
                name: p.name,
                starts_at: p.starts_at,
                ends_at: p.ends_at,
                orgs,
            });
        }
        Ok(out)
    }

    async fn report_directives(
        &self,
        scope: &Scope,
        period: ReportPeriod,
        org: Option<i64>,
    ) -> Result<DirectivesPart> {
        let mut issued: Vec<store::directives::Directive> = self
            .directives(scope)
            .await?
            .into_iter()
            .filter(|d| period.contains(d.issued_on))
            .collect();
        issued.sort_by_key(|d| (d.issued_on, d.id));
        let mut out = DirectivesPart::default();
        for d in issued {
            let view = self.directive(scope, d.id).await?;
            let mut tasks = Vec::new();
            for t in &view.tasks {
                let mut line = TaskLine {
                    position: t.position,
                    text: t.text.clone(),
                    deadline: t.deadline,
                    recipients: 0,
                    done: 0,
                    not_applicable: 0,
                    in_progress: 0,
                    not_reported: 0,
                    overdue: 0,
                };
                for c in view.cells.iter().filter(|c| {
                    c.progress.task_id == t.id && org.is_none_or(|o| o == c.progress.org_id)
                }) {
                    line.recipients += 1;
                    match c.progress.status.as_str() {
                        "done" => line.done += 1,
                        "not_applicable" => line.not_applicable += 1,
                        "in_progress" => line.in_progress += 1,
                        _ => line.not_reported += 1,
                    }
                    line.overdue += usize::from(c.overdue);
                }
                if line.recipients == 0 {
                    continue;
                }
                out.assigned += line.recipients;
                out.done += line.done;
                out.not_applicable += line.not_applicable;
                out.in_progress += line.in_progress;
                out.not_reported += line.not_reported;
                out.overdue += line.overdue;
                tasks.push(line);
            }
            if tasks.is_empty() {
                continue;
            }
            out.directives.push(DirectiveLine {
                id: d.id,
                number: d.number,
                issued_on: d.issued_on,
                issuer: d.issuer,
                title: d.title,
                tasks,
            });
        }
        Ok(out)
    }

    /// The report as an administrative document (DOCX) with charts: from the
    /// organisation to the Department, or from the Department to the
    /// province's People's Committee.
    pub async fn periodic_report_docx(
        &self,
        scope: &Scope,
        period: ReportPeriod,
        org_id: Option<i64>,
    ) -> Result<Download> {
        let r = self.periodic_report(scope, period, org_id).await?;
        let letterhead = match &r.org {
            Some(o) => self.letterhead_of(o.id).await?,
            None => self.letterhead().await?,
        };
        let system = self.system_scope().await?;
        let coordinator = store::orgs::get(&mut self.store.conn(), &system, system.org_id)
            .await?
            .ok_or(AppError::NotFound)?;
        let province = letterhead.place.clone();
        let (recipients, capacity) = match &r.org {
            Some(_) => (
                vec![coordinator.data.name.to_string()],
                vec!["THỦ TRƯỞNG ĐƠN VỊ".to_string()],
            ),
            None => (
                vec![if province.is_empty() {
                    "Ủy ban nhân dân tỉnh".to_string()
                } else {
                    format!("Ủy ban nhân dân tỉnh {province}")
                }],
                vec!["GIÁM ĐỐC".to_string()],
            ),
        };
        let doc = docgen::OfficialDocument {
            letterhead,
            kind: "BÁO CÁO".into(),
            title: format!("Công tác bảo đảm an toàn thông tin mạng {}", r.label),
            summary: None,
            recipients,
            body: docx_body(&r),
            recipients_for_filing: vec!["Như trên;".into(), "Lưu: VT.".into()],
            signature: docgen::Signature {
                capacity,
                signer: String::new(),
            },
        };
        let bytes = doc
            .to_docx()
            .map_err(|e| AppError::Internal(e.to_string()))?;
        Ok(Download {
            file_name: format!("{}.docx", file_stem(&r)),
            content_type: DOCX,
            bytes,
        })
    }

    /// The same figures as a workbook: a summary sheet first, then one sheet
    /// per table of the report.
    pub async fn periodic_report_xlsx(
        &self,
        scope: &Scope,
        period: ReportPeriod,
        org_id: Option<i64>,
    ) -> Result<Download> {
        let r = self.periodic_report(scope, period, org_id).await?;
        let mut tables = vec![ReportTable {
            sheet: "Tổng hợp",
            columns: vec!["Nội dung".into(), "Giá trị".into()],
            rows: summary_rows(&r),
            widths: vec![60, 40],
        }];
        tables.extend(all_tables(&r));
        let headers: Vec<Vec<&str>> = tables
            .iter()
            .map(|t| t.columns.iter().map(String::as_str).collect())
            .collect();
        let sheets: Vec<sheets::Sheet<'_>> = tables
            .iter()
            .zip(&headers)
            .map(|(t, h)| sheets::Sheet {
                name: t.sheet,
                headers: h,
                rows: &t.rows,
            })
            .collect();
        let bytes =
            sheets::write_xlsx_sheets(&sheets).map_err(|e| AppError::Internal(e.to_string()))?;
        Ok(Download {
            file_name: format!("{}.xlsx", file_stem(&r)),
            content_type: XLSX,
            bytes,
        })
    }
}

// ---- rendering ----

fn file_stem(r: &PeriodicReport) -> String {
    match &r.org {
        Some(o) => format!("bao-cao-dinh-ky-{}-don-vi-{}", r.period, o.id),
        None => format!("bao-cao-dinh-ky-{}-toan-tinh", r.period),
    }
}

fn d(day: NaiveDate) -> String {
    day.format("%d/%m/%Y").to_string()
}

/// A number with a decimal comma, as Vietnamese documents write it.
fn decimal(x: f64, places: usize) -> String {
    format!("{x:.places$}").replace('.', ",")
}

pub(crate) fn percent(part: i64, whole: i64) -> String {
    if whole <= 0 {
        "–".into()
    } else {
        format!("{}%", decimal(part as f64 * 100.0 / whole as f64, 1))
    }
}

fn opt_num(v: Option<i64>) -> String {
    v.map_or_else(|| "–".to_string(), |n| n.to_string())
}

fn opt_hours(v: Option<f64>) -> String {
    v.map_or_else(|| "–".to_string(), |h| decimal(h, 1))
}

fn month_vi(m: &str) -> String {
    crate::botnet::period_vn(m)
}

fn level_label(i: usize) -> String {
    if i == 0 {
        "Chưa xác định cấp độ".into()
    } else {
        format!("Cấp độ {i}")
    }
}

/// One table of the report, printed in the DOCX and written as a sheet.
struct ReportTable {
    /// The worksheet's name (at most 31 characters, none of `[]:*?/\`).
    sheet: &'static str,
    columns: Vec<String>,
    rows: Vec<Vec<String>>,
    widths: Vec<u32>,
}

impl ReportTable {
    fn new(sheet: &'static str, columns: &[&str], widths: &[u32]) -> Self {
        ReportTable {
            sheet,
            columns: columns.iter().map(|c| c.to_string()).collect(),
            rows: Vec::new(),
            widths: widths.to_vec(),
        }
    }

    fn block(&self) -> Block {
        Block::Table(docgen::Table {
            columns: self.columns.clone(),
            rows: self.rows.clone(),
            widths: Some(self.widths.clone()),
        })
    }
}

fn systems_level_table(s: &SystemsPart) -> ReportTable {
    let mut t = ReportTable::new(
        "I. Cấp độ",
        &[
            "Cấp độ",
            "Số hệ thống",
            "Đã phê duyệt cấp độ",
            "Chưa phê duyệt",
        ],
        &[40, 20, 20, 20],
    );
    for i in (1..=5).chain([0]) {
        t.rows.push(vec![
            level_label(i),
            s.by_level[i].to_string(),
            s.approved_by_level[i].to_string(),
            (s.by_level[i] - s.approved_by_level[i]).to_string(),
        ]);
    }
    let approved: i64 = s.approved_by_level.iter().sum();
    t.rows.push(vec![
        "Tổng cộng".into(),
        s.total.to_string(),
        approved.to_string(),
        (s.total - approved).to_string(),
    ]);
    t
}

fn layers(c: &Coverage) -> [(&'static str, i64); 4] {
    [
        ("Lực lượng tại chỗ", c.onsite_force),
        ("Giám sát, bảo vệ bởi SOC", c.soc_monitoring),
        ("Kiểm tra, đánh giá độc lập trong 12 tháng", c.assessed),
        ("Kết nối, chia sẻ thông tin với NCSC", c.ncsc_connected),
    ]
}

fn systems_layer_table(s: &SystemsPart) -> ReportTable {
    let mut t = ReportTable::new(
        "I. Bảo vệ 4 lớp",
        &["Lớp bảo vệ", "Đã triển khai", "Chưa triển khai", "Tỷ lệ"],
        &[46, 18, 18, 18],
    );
    let c = &s.coverage;
    for (name, have) in layers(c) {
        t.rows.push(vec![
            name.into(),
            have.to_string(),
            (c.systems - have).to_string(),
            percent(have, c.systems),
        ]);
    }
    t
}

fn systems_org_table(s: &SystemsPart) -> ReportTable {
    let mut t = ReportTable::new(
        "I. Theo đơn vị",
        &[
            "Đơn vị",
            "Tổng số",
            "Cấp độ 1",
            "Cấp độ 2",
            "Cấp độ 3",
            "Cấp độ 4",
            "Cấp độ 5",
            "Chưa xác định",
            "Chưa phê duyệt",
            "Lớp bảo vệ còn thiếu",
        ],
        &[22, 8, 8, 8, 8, 8, 8, 10, 10, 10],
    );
    for o in &s.by_org {
        let mut row = vec![o.name.clone(), o.total.to_string()];
        row.extend((1..=5).chain([0]).map(|i| o.by_level[i].to_string()));
        row.push(o.unapproved.to_string());
        row.push(o.missing_layers.to_string());
        t.rows.push(row);
    }
    t
}

fn warnings_table(v: &VulnsPart) -> ReportTable {
    let mut t = ReportTable::new(
        "II. Cảnh báo",
        &[
            "Số cảnh báo",
            "Ngày",
            "Nội dung",
            "Số CVE",
            "Đơn vị bị ảnh hưởng",
            "Phát hiện",
            "Đã xử lý",
            "Chưa xử lý",
            "Quá hạn",
        ],
        &[14, 11, 27, 7, 9, 8, 8, 8, 8],
    );
    for w in &v.warnings {
        t.rows.push(vec![
            w.number.clone(),
            d(w.issued_on),
            w.title.clone(),
            w.cves.to_string(),
            w.orgs.to_string(),
            w.findings.to_string(),
            w.done.to_string(),
            w.open.to_string(),
            w.overdue.to_string(),
        ]);
    }
    t
}

fn status_table(v: &VulnsPart) -> ReportTable {
    let mut t = ReportTable::new(
        "II. Trạng thái",
        &["Trạng thái phát hiện", "Số phát hiện"],
        &[65, 35],
    );
    for (_, label, n) in &v.by_status {
        t.rows.push(vec![label.clone(), n.to_string()]);
    }
    t.rows
        .push(vec!["Tổng cộng".into(), v.detected.to_string()]);
    t
}

fn priority_table(v: &VulnsPart) -> ReportTable {
    let mut t = ReportTable::new(
        "II. Mức ưu tiên",
        &[
            "Mức ưu tiên",
            "Phát hiện",
            "Đã xử lý",
            "Chưa xử lý",
            "Quá hạn",
            "Tỷ lệ khắc phục",
        ],
        &[25, 15, 15, 15, 15, 15],
    );
    for p in &v.by_priority {
        t.rows.push(vec![
            p.label.clone(),
            p.detected.to_string(),
            p.done.to_string(),
            p.open.to_string(),
            p.overdue.to_string(),
            percent(p.done, p.detected),
        ]);
    }
    t
}

fn findings_org_table(v: &VulnsPart) -> ReportTable {
    let mut t = ReportTable::new(
        "II. Theo đơn vị",
        &[
            "Đơn vị",
            "Phát hiện trong kỳ",
            "Đã xử lý",
            "Chưa xử lý",
            "Tỷ lệ khắc phục",
            "Quá hạn hiện tại",
        ],
        &[30, 14, 14, 14, 14, 14],
    );
    for o in &v.by_org {
        t.rows.push(vec![
            o.name.clone(),
            o.detected.to_string(),
            o.done.to_string(),
            o.open.to_string(),
            percent(o.done, o.detected),
            o.overdue_now.to_string(),
        ]);
    }
    t
}

fn botnet_month_table(b: &BotnetPart, province: bool) -> ReportTable {
    let mut cols = vec![
        "Nguồn",
        "Tháng",
        "Số địa chỉ IP",
        "Mới xuất hiện",
        "Tiếp tục có tên",
        "Không còn trong danh sách",
        "Báo đã xử lý",
        "Tái nhiễm",
    ];
    let mut widths = vec![18, 10, 11, 11, 11, 13, 11, 10];
    if province {
        cols.push("Chưa xác định đơn vị");
        widths.push(11);
    }
    let mut t = ReportTable::new("III. Botnet theo tháng", &cols, &widths);
    for m in &b.months {
        let mut row = vec![
            m.source.clone(),
            month_vi(&m.month),
            m.listed.to_string(),
            opt_num(m.new),
            opt_num(m.still_listed),
            opt_num(m.gone),
            m.marked_cleaned.to_string(),
            m.reinfected.to_string(),
        ];
        if province {
            row.push(m.unknown_owner.to_string());
        }
        t.rows.push(row);
    }
    t
}

fn botnet_owner_table(b: &BotnetPart) -> ReportTable {
    let mut t = ReportTable::new(
        "III. Botnet theo đơn vị",
        &["Đơn vị", "Số địa chỉ IP khác nhau trong kỳ", "Đã báo xử lý"],
        &[50, 25, 25],
    );
    for o in &b.by_owner {
        t.rows.push(vec![
            o.name.clone(),
            o.addresses.to_string(),
            o.marked_cleaned.to_string(),
        ]);
    }
    t
}

fn class_table(i: &IncidentsPart) -> ReportTable {
    let mut t = ReportTable::new(
        "IV. Sự cố theo loại",
        &["Loại sự cố", "Số sự cố"],
        &[75, 25],
    );
    for (_, label, n) in &i.by_class {
        t.rows.push(vec![label.clone(), n.to_string()]);
    }
    t.rows
        .push(vec!["Tổng cộng".into(), i.metrics.total.to_string()]);
    t
}

fn severity_table(i: &IncidentsPart) -> ReportTable {
    let mut t = ReportTable::new("IV. Sự cố theo mức độ", &["Mức độ", "Số sự cố"], &[75, 25]);
    for (_, label, n) in &i.by_severity {
        t.rows.push(vec![label.clone(), n.to_string()]);
    }
    t
}

fn response_table(i: &IncidentsPart) -> ReportTable {
    let m = &i.metrics;
    let mut t = ReportTable::new(
        "IV. Ứng cứu",
        &["Chỉ tiêu ứng cứu sự cố", "Giá trị"],
        &[70, 30],
    );
    t.rows = vec![
        vec!["Số sự cố phát hiện trong kỳ".into(), m.total.to_string()],
        vec![
            "Báo cáo muộn (quá 5 ngày kể từ khi phát hiện)".into(),
            m.reported_late.to_string(),
        ],
        vec!["Đã được tiếp nhận".into(), m.acknowledged.to_string()],
        vec![
            "Thời gian tiếp nhận trung bình (giờ)".into(),
            opt_hours(m.mean_hours_to_acknowledge),
        ],
        vec!["Đã xử lý xong".into(), m.resolved.to_string()],
        vec![
            "Thời gian xử lý trung bình từ khi phát hiện (giờ)".into(),
            opt_hours(m.mean_hours_to_resolve),
        ],
        vec!["Chưa kết thúc".into(), m.open.to_string()],
        vec!["Quá hạn xử lý".into(), m.overdue.to_string()],
    ];
    t
}

fn duty_table(p: &DutyPart) -> ReportTable {
    let mut t = ReportTable::new(
        "V. Trực",
        &[
            "Đợt trực",
            "Thời gian",
            "Đơn vị",
            "Lịch trực",
            "Số ca",
            "Thời gian chưa có người trực (giờ)",
            "Tỷ lệ bảo đảm",
        ],
        &[20, 20, 16, 10, 8, 14, 12],
    );
    for period in &p.periods {
        let when = format!(
            "{} – {}",
            crate::registry::format_vn_time(period.starts_at),
            crate::registry::format_vn_time(period.ends_at)
        );
        for o in &period.orgs {
            t.rows.push(vec![
                period.name.clone(),
                when.clone(),
                o.name.clone(),
                if o.has_roster { "Có" } else { "Chưa có" }.into(),
                o.shifts.to_string(),
                decimal(o.gap_hours, 1),
                format!("{}%", decimal(o.covered * 100.0, 1)),
            ]);
        }
    }
    t
}

fn directive_table(p: &DirectivesPart) -> ReportTable {
    let mut t = ReportTable::new(
        "VI. Chỉ đạo",
        &[
            "Văn bản",
            "Nhiệm vụ",
            "Hạn",
            "Đơn vị nhận",
            "Hoàn thành",
            "Không áp dụng",
            "Đang thực hiện",
            "Chưa báo cáo",
            "Quá hạn",
        ],
        &[14, 30, 10, 8, 8, 8, 8, 8, 6],
    );
    for dl in &p.directives {
        for task in &dl.tasks {
            t.rows.push(vec![
                format!("{} ngày {}", dl.number, d(dl.issued_on)),
                format!("{}. {}", task.position, task.text),
                task.deadline.map(d).unwrap_or_default(),
                task.recipients.to_string(),
                task.done.to_string(),
                task.not_applicable.to_string(),
                task.in_progress.to_string(),
                task.not_reported.to_string(),
                task.overdue.to_string(),
            ]);
        }
    }
    t
}

fn not_built_table(r: &PeriodicReport) -> ReportTable {
    let mut t = ReportTable::new("VII. Chưa có số liệu", &["Chức năng", "Ghi chú"], &[15, 85]);
    for n in &r.not_built {
        t.rows.push(vec![n.capability.clone(), n.sentence.clone()]);
    }
    t
}

fn all_tables(r: &PeriodicReport) -> Vec<ReportTable> {
    let province = r.org.is_none();
    let mut v = vec![
        systems_level_table(&r.systems),
        systems_layer_table(&r.systems),
    ];
    if province {
        v.push(systems_org_table(&r.systems));
    }
    v.extend([
        warnings_table(&r.vulns),
        status_table(&r.vulns),
        priority_table(&r.vulns),
    ]);
    if province {
        v.push(findings_org_table(&r.vulns));
    }
    v.push(botnet_month_table(&r.botnet, province));
    if province {
        v.push(botnet_owner_table(&r.botnet));
    }
    v.extend([
        class_table(&r.incidents),
        severity_table(&r.incidents),
        response_table(&r.incidents),
        duty_table(&r.duty),
        directive_table(&r.directives),
        not_built_table(r),
    ]);
    v
}

/// The deadline as a document states it: a date, never a countdown (the
/// document is read after it was made, by people it is addressed to).
fn deadline_line(r: &PeriodicReport) -> String {
    format!(
        "Thời hạn gửi báo cáo của các thành viên mạng lưới ứng cứu sự cố: trước ngày {}.",
        d(r.deadline)
    )
}

fn summary_rows(r: &PeriodicReport) -> Vec<Vec<String>> {
    let s = &r.systems;
    let v = &r.vulns;
    let i = &r.incidents.metrics;
    let dp = &r.directives;
    let mut rows = vec![
        vec!["Kỳ báo cáo".into(), r.label.clone()],
        vec!["Mã kỳ".into(), r.period.to_string()],
        vec!["Từ ngày".into(), d(r.first_day)],
        vec!["Đến ngày".into(), d(r.last_day)],
        vec!["Hạn gửi báo cáo (trước ngày)".into(), d(r.deadline)],
        vec![
            "Đơn vị".into(),
            r.org
                .as_ref()
                .map_or_else(|| "Toàn tỉnh".to_string(), |o| o.name.clone()),
        ],
        vec!["Ngày lập".into(), d(r.made_on)],
        vec!["Số hệ thống thông tin".into(), s.total.to_string()],
    ];
    for lv in (1..=5).chain([0]) {
        rows.push(vec![
            format!("Hệ thống {}", level_label(lv).to_lowercase()),
            s.by_level[lv].to_string(),
        ]);
    }
    rows.push(vec![
        "Hệ thống cấp độ 3 trở lên".into(),
        s.coverage.systems.to_string(),
    ]);
    for (name, have) in layers(&s.coverage) {
        rows.push(vec![
            format!("Cấp độ 3 trở lên có: {name}"),
            have.to_string(),
        ]);
    }
    rows.extend([
        vec![
            "Cảnh báo lỗ hổng ban hành trong kỳ".into(),
            v.warnings.len().to_string(),
        ],
        vec!["Phát hiện lỗ hổng trong kỳ".into(), v.detected.to_string()],
        vec!["Phát hiện đã xử lý".into(), v.done.to_string()],
        vec!["Phát hiện chưa xử lý".into(), v.open.to_string()],
        vec!["Tỷ lệ khắc phục".into(), percent(v.done, v.detected)],
        vec![
            "Phát hiện quá hạn tại ngày lập báo cáo".into(),
            v.overdue_now.to_string(),
        ],
        vec![
            "Danh sách IP botnet trong kỳ".into(),
            r.botnet.months.len().to_string(),
        ],
        vec![
            "Địa chỉ IP botnet khác nhau trong kỳ".into(),
            r.botnet.addresses.to_string(),
        ],
        vec![
            "Địa chỉ IP botnet đã báo xử lý".into(),
            r.botnet.marked_cleaned.to_string(),
        ],
        vec!["Sự cố phát hiện trong kỳ".into(), i.total.to_string()],
        vec!["Sự cố báo cáo muộn".into(), i.reported_late.to_string()],
        vec![
            "Thời gian tiếp nhận trung bình (giờ)".into(),
            opt_hours(i.mean_hours_to_acknowledge),
        ],
        vec![
            "Thời gian xử lý trung bình (giờ)".into(),
            opt_hours(i.mean_hours_to_resolve),
        ],
        vec![
            "Đợt trực cao điểm trong kỳ".into(),
            r.duty.periods.len().to_string(),
        ],
        vec![
            "Văn bản chỉ đạo ban hành trong kỳ".into(),
            dp.directives.len().to_string(),
        ],
        vec!["Lượt giao nhiệm vụ".into(), dp.assigned.to_string()],
        vec!["Nhiệm vụ hoàn thành".into(), dp.done.to_string()],
        vec!["Nhiệm vụ quá hạn".into(), dp.overdue.to_string()],
    ]);
    for n in &r.not_built {
        rows.push(vec![
            format!("{} ({})", n.name, n.capability),
            n.sentence.clone(),
        ]);
    }
    rows
}

fn docx_body(r: &PeriodicReport) -> Vec<Block> {
    let province = r.org.is_none();
    let who = match &r.org {
        Some(o) => o.name.clone(),
        None => "các cơ quan, đơn vị trên địa bàn tỉnh".into(),
    };
    let mut b = vec![
        Block::Paragraph(format!(
            "Báo cáo công tác bảo đảm an toàn thông tin mạng {} của {who}; kỳ báo cáo từ ngày {} đến ngày {}. \
             Số liệu được tổng hợp từ hệ thống canhgac ngày {}.",
            r.label,
            d(r.first_day),
            d(r.last_day),
            d(r.made_on)
        )),
        Block::Paragraph(deadline_line(r)),
    ];

    // I. Systems.
    let s = &r.systems;
    b.push(Block::Heading(
        "I. HỆ THỐNG THÔNG TIN VÀ PHÂN LOẠI CẤP ĐỘ".into(),
    ));
    let approved: i64 = s.approved_by_level.iter().sum();
    b.push(Block::Paragraph(format!(
        "Tổng số hệ thống thông tin: {}, trong đó {} hệ thống đã được phê duyệt cấp độ, {} hệ thống cấp độ 3 trở lên. \
         Số liệu hệ thống là hiện trạng trên hệ thống tại ngày lập báo cáo.",
        s.total, approved, s.coverage.systems
    )));
    b.push(systems_level_table(s).block());
    b.push(Block::Chart(
        Chart::columns(
            "Số hệ thống thông tin theo cấp độ",
            (1..=5).chain([0]).map(|i| (level_label(i), s.by_level[i])),
        )
        .unit("hệ thống"),
    ));
    b.push(Block::Paragraph(format!(
        "Triển khai mô hình bảo vệ 4 lớp đối với {} hệ thống cấp độ 3 trở lên:",
        s.coverage.systems
    )));
    b.push(systems_layer_table(s).block());
    if s.coverage.systems > 0 {
        let c = &s.coverage;
        let l = layers(c);
        b.push(Block::Chart(
            Chart::bars(
                "Mô hình bảo vệ 4 lớp của hệ thống cấp độ 3 trở lên",
                l.iter().map(|(n, have)| (n.to_string(), *have)),
            )
            .unit("hệ thống")
            .compare(
                "Đã triển khai",
                "Chưa triển khai",
                l.iter().map(|(_, have)| c.systems - have).collect(),
            ),
        ));
    }
    if province && !s.by_org.is_empty() {
        b.push(systems_org_table(s).block());
    }

    // II. Vulnerabilities.
    let v = &r.vulns;
    b.push(Block::Heading(
        "II. CẢNH BÁO VÀ KHẮC PHỤC LỖ HỔNG BẢO MẬT".into(),
    ));
    b.push(Block::Paragraph(if v.warnings.is_empty() {
        "Trong kỳ không có cảnh báo lỗ hổng nào của Cục An toàn thông tin được ghi nhận trên hệ thống.".into()
    } else {
        format!(
            "Trong kỳ, Cục An toàn thông tin ban hành {} cảnh báo lỗ hổng; kết quả rà soát, khắc phục:",
            v.warnings.len()
        )
    }));
    if !v.warnings.is_empty() {
        b.push(warnings_table(v).block());
    }
    b.push(Block::Paragraph(format!(
        "Số phát hiện lỗ hổng trên tài sản trong kỳ: {}; đã xử lý (vá, giảm thiểu, chấp nhận rủi ro, xác định nhầm, \
         hết ảnh hưởng sau cập nhật): {}; chưa xử lý: {}; tỷ lệ khắc phục: {}. Số phát hiện quá hạn xử lý \
         tại ngày lập báo cáo: {}.",
        v.detected,
        v.done,
        v.open,
        percent(v.done, v.detected),
        v.overdue_now
    )));
    b.push(status_table(v).block());
    b.push(Block::Chart(
        Chart::bars(
            "Phát hiện lỗ hổng trong kỳ theo trạng thái",
            v.by_status.iter().map(|(_, l, n)| (l.clone(), *n)),
        )
        .unit("phát hiện"),
    ));
    b.push(priority_table(v).block());
    if province && !v.by_org.is_empty() {
        b.push(findings_org_table(v).block());
    }

    // III. Botnet.
    let bn = &r.botnet;
    b.push(Block::Heading("III. ĐỊA CHỈ IP MẠNG BOTNET".into()));
    if bn.months.is_empty() {
        b.push(Block::Paragraph(
            "Trong kỳ chưa có danh sách địa chỉ IP mạng botnet nào được nhập vào hệ thống.".into(),
        ));
    } else {
        b.push(Block::Paragraph(format!(
            "Trong kỳ có {} danh sách địa chỉ IP mạng botnet; {} địa chỉ IP khác nhau {} có tên trong các danh sách, \
             {} địa chỉ đã được báo xử lý.",
            bn.months.len(),
            bn.addresses,
            if province { "thuộc phạm vi tỉnh" } else { "của đơn vị" },
            bn.marked_cleaned
        )));
        b.push(botnet_month_table(bn, province).block());
        let sources: BTreeSet<&str> = bn.months.iter().map(|m| m.source.as_str()).collect();
        for source in sources {
            let months: Vec<&BotnetMonth> =
                bn.months.iter().filter(|m| m.source == source).collect();
            b.push(Block::Chart(
                Chart::columns(
                    format!("Số địa chỉ IP mạng botnet theo tháng (nguồn: {source})"),
                    months.iter().map(|m| (month_vi(&m.month), m.listed)),
                )
                .unit("địa chỉ IP")
                .compare(
                    "Có tên trong danh sách",
                    "Báo đã xử lý",
                    months.iter().map(|m| m.marked_cleaned).collect(),
                ),
            ));
        }
        if province && !bn.by_owner.is_empty() {
            b.push(botnet_owner_table(bn).block());
        }
    }

    // IV. Incidents.
    let inc = &r.incidents;
    let m = &inc.metrics;
    b.push(Block::Heading("IV. SỰ CỐ AN TOÀN THÔNG TIN MẠNG".into()));
    b.push(Block::Paragraph(format!(
        "Trong kỳ phát hiện {} sự cố; {} sự cố đã xử lý xong, {} sự cố chưa kết thúc; {} sự cố báo cáo muộn quá 5 ngày \
         kể từ khi phát hiện. Thời gian tiếp nhận trung bình: {} giờ; thời gian xử lý trung bình: {} giờ.",
        m.total,
        m.resolved,
        m.open,
        m.reported_late,
        opt_hours(m.mean_hours_to_acknowledge),
        opt_hours(m.mean_hours_to_resolve)
    )));
    b.push(class_table(inc).block());
    b.push(Block::Chart(
        Chart::bars(
            "Sự cố an toàn thông tin mạng theo loại",
            inc.by_class.iter().map(|(_, l, n)| (l.clone(), *n as i64)),
        )
        .unit("sự cố"),
    ));
    b.push(severity_table(inc).block());
    b.push(response_table(inc).block());

    // V. Duty.
    b.push(Block::Heading("V. TRỰC BẢO ĐẢM AN TOÀN THÔNG TIN".into()));
    if r.duty.periods.is_empty() {
        b.push(Block::Paragraph(
            "Trong kỳ không có đợt trực cao điểm nào được ghi nhận trên hệ thống.".into(),
        ));
    } else {
        let missing: usize = r
            .duty
            .periods
            .iter()
            .flat_map(|p| &p.orgs)
            .filter(|o| !o.has_roster)
            .count();
        b.push(Block::Paragraph(format!(
            "Trong kỳ có {} đợt trực cao điểm; {} lượt đơn vị chưa lập lịch trực.",
            r.duty.periods.len(),
            missing
        )));
        b.push(duty_table(&r.duty).block());
    }

    // VI. Directives.
    let dp = &r.directives;
    b.push(Block::Heading("VI. THỰC HIỆN CÁC VĂN BẢN CHỈ ĐẠO".into()));
    if dp.directives.is_empty() {
        b.push(Block::Paragraph(
            "Trong kỳ không có văn bản chỉ đạo nào giao nhiệm vụ được ghi nhận trên hệ thống."
                .into(),
        ));
    } else {
        b.push(Block::Paragraph(format!(
            "Trong kỳ có {} văn bản chỉ đạo với {} lượt giao nhiệm vụ: {} hoàn thành, {} không áp dụng, \
             {} đang thực hiện, {} chưa báo cáo; {} quá hạn.",
            dp.directives.len(),
            dp.assigned,
            dp.done,
            dp.not_applicable,
            dp.in_progress,
            dp.not_reported,
            dp.overdue
        )));
        b.push(directive_table(dp).block());
    }

    // VII. Not built.
    b.push(Block::Heading(
        "VII. CÁC NỘI DUNG CHƯA CÓ SỐ LIỆU TRÊN HỆ THỐNG".into(),
    ));
    // Said once, then the capabilities by name.
    b.push(Block::Paragraph(NOT_BUILT_INTRO.into()));
    let last = r.not_built.len().saturating_sub(1);
    b.push(Block::Bullets(
        r.not_built
            .iter()
            .enumerate()
            .map(|(i, n)| format!("{}{}", n.name, if i == last { "." } else { ";" }))
            .collect(),
    ));
    b
}

/// What the DOCX says once before naming the capabilities not built.
pub const NOT_BUILT_INTRO: &str = "Các chức năng sau chưa được xây dựng trong canhgac; \
     số liệu các nội dung này do đơn vị tự báo cáo:";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_parse_and_cover_the_reporting_year() {
        let h1: ReportPeriod = "2025-H1".parse().unwrap();
        assert_eq!(h1.first_day(), date(2024, 12, 1));
        assert_eq!(h1.last_day(), date(2025, 5, 31));
        assert_eq!(h1.deadline(), date(2025, 6, 20));
        assert_eq!(h1.months().len(), 6);
        assert_eq!(h1.months()[0], "2024-12");
        let h2: ReportPeriod = " 2025-h2 ".parse().unwrap();
        assert_eq!(
            (h2.first_day(), h2.last_day()),
            (date(2025, 6, 1), date(2025, 11, 30))
        );
        assert_eq!(h2.deadline(), date(2025, 12, 15));
        let y: ReportPeriod = "2025".parse().unwrap();
        assert_eq!(
            (y.first_day(), y.last_day()),
            (date(2024, 12, 1), date(2025, 11, 30))
        );
        assert_eq!(y.months().len(), 12);
        for p in [h1, h2, y] {
            assert_eq!(p.to_string().parse::<ReportPeriod>().unwrap(), p);
        }
        // Vietnam midnight of 1/12/2024 is 17:00 UTC the day before.
        assert_eq!(h1.starts_at().to_rfc3339(), "2024-11-30T17:00:00+00:00");
        assert_eq!(h1.ends_at().to_rfc3339(), "2025-05-31T17:00:00+00:00");
        for bad in [
            "",
            "2025-H3",
            "25-H1",
            "2025-",
            "H1-2025",
            "1999",
            "２０２５",
        ] {
            let e = bad.parse::<ReportPeriod>().unwrap_err();
            assert!(e.contains("2025-H1") || e.contains("outside"), "{bad}: {e}");
        }
    }

    #[test]
    fn the_next_report_due_and_the_days_left() {
        let due = next_due(date(2025, 6, 1));
        assert_eq!(due.len(), 1);
        assert_eq!(due[0].period.to_string(), "2025-H1");
        assert_eq!(due[0].days_left, 19);
        assert!(
            due[0].message_vi().contains("20/06/2025"),
            "{}",
            due[0].message_vi()
        );
        let due = next_due(date(2025, 6, 21));
        let names: Vec<String> = due.iter().map(|d| d.period.to_string()).collect();
        assert_eq!(names, ["2025-H2", "2025"]);
        assert_eq!(due[0].deadline, date(2025, 12, 15));
        let due = next_due(date(2025, 12, 15));
        assert_eq!(due[0].days_left, 0);
        let due = next_due(date(2025, 12, 16));
        assert_eq!(due[0].period.to_string(), "2026-H1");
        assert_eq!(
            ReportPeriod::half_containing(date(2025, 12, 3)).to_string(),
            "2026-H1"
        );
        assert_eq!(
            ReportPeriod::half_containing(date(2025, 7, 3)).to_string(),
            "2025-H2"
        );
    }

    #[test]
    fn numbers_are_written_the_vietnamese_way() {
        assert_eq!(percent(2, 3), "66,7%");
        assert_eq!(percent(0, 0), "–");
        assert_eq!(decimal(1.26, 1), "1,3");
        assert_eq!(opt_hours(None), "–");
    }
}
