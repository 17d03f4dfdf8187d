//! What kind of incident, how bad, and by when each step is due.
//!
//! **Classes.** The list follows the attack types Vietnamese bodies count and
//! ask about: VNCERT/CC's and NCSC's monthly statistics (phishing, defacement,
//! malware), the attack-type choices of the incident forms used with Circular
//! 20/2017/TT-BTTTT (denial of service, intrusion and takeover, ransomware,
//! data theft, …), and the two things the provincial directives single out:
//! botnet members and the exploitation of vulnerabilities the Authority warned
//! about. `other` catches the rest.
//!
//! **Reporting deadline.** Circular 20/2017/TT-BTTTT has the system's operator
//! send the initial report (the form "Báo cáo ban đầu sự cố") within **05
//! days of detecting** the incident; the days are calendar days (the text says
//! "ngày", not "ngày làm việc"). This is our reading of the circular (Art. 11);
//! it could not be checked against the gazette text while writing this, so the
//! period is a field of [`ResponsePolicy`] (`reporting_within`) that the
//! coordinator can correct without a release. The provincial directives ask
//! for more: "báo ngay" (report at once); the 5 days are the legal ceiling.
//!
//! **Response targets** are canhgac's defaults, not law: they are what a
//! provincial team can promise (the coordinator changes them in the settings).
//! Every target runs from the moment the report reached canhgac.
//!
//! | severity | acknowledge | contain | resolve |
//! |---|---|---|---|
//! | critical (nghiêm trọng) | 1 h | 4 h | 24 h |
//! | high (cao) | 4 h | 24 h | 3 days |
//! | medium (trung bình) | 8 h | 3 days | 7 days |
//! | low (thấp) | 24 h | 7 days | 30 days |

use crate::workflow::IncidentState;
use chrono::{DateTime, Duration, Utc};
use domain::text_enum;
use serde::{Deserialize, Serialize};

text_enum! {
    /// The kind of incident.
    IncidentClass {
        Malware => "malware", "Mã độc", "Malware";
        Ransomware => "ransomware", "Mã độc mã hoá tống tiền (ransomware)", "Ransomware";
        Intrusion => "intrusion", "Xâm nhập, truy cập trái phép, chiếm quyền điều khiển", "Intrusion / unauthorised access";
        Ddos => "ddos", "Tấn công từ chối dịch vụ (DoS/DDoS)", "Denial of service (DoS/DDoS)";
        Defacement => "defacement", "Thay đổi giao diện (deface)", "Web defacement";
        Phishing => "phishing", "Lừa đảo, giả mạo (phishing)", "Phishing / fraud";
        DataLeak => "data_leak", "Lộ, lọt, đánh cắp dữ liệu", "Data leak";
        Botnet => "botnet", "Mạng máy tính ma (botnet), kết nối máy chủ điều khiển (C&C)", "Botnet / C2";
        VulnerabilityExploit => "vulnerability_exploit", "Khai thác lỗ hổng bảo mật", "Vulnerability exploitation";
        Other => "other", "Khác", "Other";
    }
}

text_enum! {
    /// How bad an incident is, in rising order.
    Severity {
        Low => "low", "Thấp", "Low";
        Medium => "medium", "Trung bình", "Medium";
        High => "high", "Cao", "High";
        Critical => "critical", "Nghiêm trọng", "Critical";
    }
}

/// How soon each step of the response is due, counted from the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResponseTargets {
    #[serde(with = "minutes")]
    pub acknowledge_within: Duration,
    #[serde(with = "minutes")]
    pub contain_within: Duration,
    #[serde(with = "minutes")]
    pub resolve_within: Duration,
}

impl ResponseTargets {
    pub const fn new(
        acknowledge_within: Duration,
        contain_within: Duration,
        resolve_within: Duration,
    ) -> Self {
        ResponseTargets {
            acknowledge_within,
            contain_within,
            resolve_within,
        }
    }
}

/// The deadlines in force: the reporting period and the targets per severity.
/// Serialised with durations in whole minutes, for the settings file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResponsePolicy {
    /// Initial report due this long after detection (Circular 20: 5 days).
    #[serde(with = "minutes")]
    pub reporting_within: Duration,
    pub low: ResponseTargets,
    pub medium: ResponseTargets,
    pub high: ResponseTargets,
    pub critical: ResponseTargets,
}

/// The initial-report period of Circular 20/2017/TT-BTTTT: 5 days.
pub const REPORTING_PERIOD_DAYS: i64 = 5;

impl Default for ResponsePolicy {
    fn default() -> Self {
        let h = Duration::hours;
        let d = Duration::days;
        ResponsePolicy {
            reporting_within: d(REPORTING_PERIOD_DAYS),
            critical: ResponseTargets::new(h(1), h(4), h(24)),
            high: ResponseTargets::new(h(4), h(24), d(3)),
            medium: ResponseTargets::new(h(8), d(3), d(7)),
            low: ResponseTargets::new(h(24), d(7), d(30)),
        }
    }
}

impl ResponsePolicy {
    pub fn targets(&self, severity: Severity) -> ResponseTargets {
        match severity {
            Severity::Low => self.low,
            Severity::Medium => self.medium,
            Severity::High => self.high,
            Severity::Critical => self.critical,
        }
    }

    /// Problems with a policy someone typed in: every period positive, and the
    /// steps of each severity in order.
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.reporting_within <= Duration::zero() {
            out.push("reporting_within must be positive".to_string());
        }
        for s in Severity::ALL {
            let t = self.targets(*s);
            if t.acknowledge_within <= Duration::zero() {
                out.push(format!("{s}: acknowledge_within must be positive"));
            }
            if t.contain_within < t.acknowledge_within {
                out.push(format!(
                    "{s}: contain_within is shorter than acknowledge_within"
                ));
            }
            if t.resolve_within < t.contain_within {
                out.push(format!(
                    "{s}: resolve_within is shorter than contain_within"
                ));
            }
        }
        out
    }
}

/// The initial report is due 5 days after detection (Circular 20/2017).
/// Saturates instead of overflowing at the end of chrono's range.
pub fn reporting_deadline(detected_at: DateTime<Utc>) -> DateTime<Utc> {
    add(detected_at, Duration::days(REPORTING_PERIOD_DAYS))
}

fn add(t: DateTime<Utc>, d: Duration) -> DateTime<Utc> {
    t.checked_add_signed(d).unwrap_or(DateTime::<Utc>::MAX_UTC)
}

text_enum! {
    /// A step with a deadline.
    Milestone {
        Report => "report", "Báo cáo ban đầu", "Initial report";
        Acknowledge => "acknowledge", "Tiếp nhận", "Acknowledgement";
        Contain => "contain", "Ngăn chặn", "Containment";
        Resolve => "resolve", "Khắc phục", "Resolution";
    }
}

/// When each step is due.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deadlines {
    pub report_by: DateTime<Utc>,
    pub acknowledge_by: DateTime<Utc>,
    pub contain_by: DateTime<Utc>,
    pub resolve_by: DateTime<Utc>,
}

impl Deadlines {
    pub fn due(&self, m: Milestone) -> DateTime<Utc> {
        match m {
            Milestone::Report => self.report_by,
            Milestone::Acknowledge => self.acknowledge_by,
            Milestone::Contain => self.contain_by,
            Milestone::Resolve => self.resolve_by,
        }
    }
}

/// The deadlines of an incident detected at `detected_at`, reported to canhgac
/// at `reported_at`, of the given severity.
pub fn deadlines(
    policy: &ResponsePolicy,
    severity: Severity,
    detected_at: DateTime<Utc>,
    reported_at: DateTime<Utc>,
) -> Deadlines {
    let t = policy.targets(severity);
    Deadlines {
        report_by: add(detected_at, policy.reporting_within),
        acknowledge_by: add(reported_at, t.acknowledge_within),
        contain_by: add(reported_at, t.contain_within),
        resolve_by: add(reported_at, t.resolve_within),
    }
}

/// When each step was reached, as the history says. A later step implies the
/// earlier ones (an incident resolved without a containment step counts as
/// contained when resolved).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Milestones {
    /// When the initial report was made (to canhgac, or to the national
    /// coordinator where the caller tracks that).
    pub reported_at: Option<DateTime<Utc>>,
    pub acknowledged_at: Option<DateTime<Utc>>,
    pub contained_at: Option<DateTime<Utc>>,
    pub resolved_at: Option<DateTime<Utc>>,
}

impl Milestones {
    /// When `m` was reached, counting later steps as reaching it.
    pub fn done_at(&self, m: Milestone) -> Option<DateTime<Utc>> {
        match m {
            Milestone::Report => self.reported_at,
            Milestone::Acknowledge => self
                .acknowledged_at
                .or(self.contained_at)
                .or(self.resolved_at),
            Milestone::Contain => self.contained_at.or(self.resolved_at),
            Milestone::Resolve => self.resolved_at,
        }
    }
}

/// One step's standing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeadlineCheck {
    pub milestone: Milestone,
    pub due: DateTime<Utc>,
    pub done_at: Option<DateTime<Utc>>,
    /// Not done, past due, and the incident is still live.
    pub overdue: bool,
    /// Done, but after it was due.
    pub late: bool,
}

/// The standing of every step at `now`. Closed and rejected incidents are
/// never overdue (a step they skipped no longer matters), but steps done late
/// stay marked late.
pub fn check(
    now: DateTime<Utc>,
    state: IncidentState,
    deadlines: &Deadlines,
    milestones: &Milestones,
) -> Vec<DeadlineCheck> {
    Milestone::ALL
        .iter()
        .map(|&m| {
            let due = deadlines.due(m);
            let done_at = milestones.done_at(m);
            DeadlineCheck {
                milestone: m,
                due,
                done_at,
                overdue: done_at.is_none() && now > due && state.is_live(),
                late: done_at.is_some_and(|d| d > due),
            }
        })
        .collect()
}

/// The steps overdue at `now`: what makes an incident stand out in the lists.
pub fn overdue(
    now: DateTime<Utc>,
    state: IncidentState,
    deadlines: &Deadlines,
    milestones: &Milestones,
) -> Vec<Milestone> {
    check(now, state, deadlines, milestones)
        .into_iter()
        .filter(|c| c.overdue)
        .map(|c| c.milestone)
        .collect()
}

/// The next deadline not yet met, for "due in …" columns.
pub fn next_due(
    state: IncidentState,
    deadlines: &Deadlines,
    milestones: &Milestones,
) -> Option<(Milestone, DateTime<Utc>)> {
    if !state.is_live() {
        return None;
    }
    Milestone::ALL
        .iter()
        .filter(|&&m| milestones.done_at(m).is_none())
        .map(|&m| (m, deadlines.due(m)))
        .min_by_key(|&(_, due)| due)
}

/// Durations as whole minutes in settings files.
mod minutes {
    use chrono::Duration;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_i64(d.num_minutes())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        let m = i64::deserialize(d)?;
        // Up to ~10 years; keeps every later addition in range.
        if !(0..=5_256_000).contains(&m) {
            return Err(serde::de::Error::custom(format!(
                "{m} minutes is outside 0–5256000"
            )));
        }
        Ok(Duration::minutes(m))
    }
}
