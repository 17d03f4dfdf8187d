//! The response around an incident: tasks with owners and due dates,
//! evidence files (SHA-256, chain of custody), deadline reminders, the
//! response network's contact directory, lists with the overdue filter,
//! exports and metrics, and the end-of-response report (Circular 20/2017).

use crate::botnet_report::{Download, DOCX};
use crate::{invalid, App, AppError, Result};
use chrono::{DateTime, Duration, Utc};
use domain::{Role, Scope};
use incident::{IncidentState, Severity};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use store::incident_response::{ContactInput, ContactRow, CustodyEntry, EvidenceRow, TaskRow};
use store::incidents::{IncidentFilter, IncidentRow};

/// How long before a deadline the coordinator and the responders are reminded.
pub const REMINDER_LEAD: Duration = Duration::hours(12);

/// A task as a person asks for it.
#[derive(Debug, Clone, Deserialize)]
pub struct TaskInput {
    pub title: String,
    /// The account that must do it.
    pub owner: String,
    /// RFC 3339, e.g. `2025-01-28T17:00:00+07:00`.
    #[serde(default)]
    pub due_at: Option<String>,
}

/// The end-of-response report ("Báo cáo kết thúc ứng phó sự cố").
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct EndReport {
    /// What happened and how the response went.
    pub summary: String,
    #[serde(default)]
    pub cause: Option<String>,
    #[serde(default)]
    pub measures: Option<String>,
    #[serde(default)]
    pub result: Option<String>,
    #[serde(default)]
    pub damage: Option<String>,
    #[serde(default)]
    pub lessons: Option<String>,
    #[serde(default)]
    pub recommendations: Option<String>,
}

impl EndReport {
    /// The report as sent: a form, or plain text taken as its summary.
    pub fn from_value(v: &serde_json::Value) -> Result<EndReport> {
        let r = match v {
            serde_json::Value::String(s) => EndReport {
                summary: s.clone(),
                ..Default::default()
            },
            other => serde_json::from_value(other.clone())
                .map_err(|e| invalid("report", format!("not an end-of-response report: {e}")))?,
        };
        if r.summary.trim().is_empty() {
            return Err(invalid(
                "report.summary",
                "describe the incident and the response",
            ));
        }
        Ok(r)
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// What the stored column holds: the form, or text from before forms.
    pub fn stored(text: &str) -> EndReport {
        serde_json::from_str(text).unwrap_or_else(|_| EndReport {
            summary: text.to_string(),
            ..Default::default()
        })
    }
}

/// The response network's directory: the entries the coordinator keeps and
/// each organisation's 24/7 contact point from the registry.
#[derive(Debug, Clone, Serialize)]
pub struct Directory {
    pub entries: Vec<ContactRow>,
    pub points_24x7: Vec<Point24x7>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Point24x7 {
    pub org_id: i64,
    pub org: String,
    pub name: String,
    pub phone: Option<String>,
    pub email: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ContactForm {
    pub category: String,
    #[serde(default)]
    pub org_id: Option<i64>,
    pub name: String,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub hotline: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub note: Option<String>,
}

/// Directory categories, in the order the page lists them.
pub const CONTACT_CATEGORIES: [&str; 4] = ["national", "department", "response_team", "other"];

/// What the periodic reports need of incidents.
#[derive(Debug, Clone, Default, Serialize)]
pub struct IncidentMetrics {
    pub total: usize,
    pub by_class: BTreeMap<String, usize>,
    pub by_severity: BTreeMap<String, usize>,
    pub by_state: BTreeMap<String, usize>,
    pub open: usize,
    pub overdue: usize,
    /// Reported later than 5 days after detection.
    pub reported_late: usize,
    pub acknowledged: usize,
    pub mean_hours_to_acknowledge: Option<f64>,
    pub resolved: usize,
    pub mean_hours_to_resolve: Option<f64>,
}

/// What one reminder pass queued.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ReminderRun {
    pub incidents: usize,
    pub messages: usize,
}

fn parse_time(field: &str, text: &str) -> Result<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text.trim())
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| {
            invalid(
                field,
                format!(
                    "'{}' is not a date and time such as 2025-01-28T17:00:00+07:00",
                    text.trim()
                ),
            )
        })
}

fn opt(s: &Option<String>) -> Option<String> {
    s.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// The milestones an incident has missed at `now`.
pub fn missed(row: &IncidentRow, now: DateTime<Utc>) -> Vec<incident::classify::Milestone> {
    let (Ok(state), Ok(severity)) = (
        row.state.parse::<IncidentState>(),
        row.severity.parse::<Severity>(),
    ) else {
        return Vec::new();
    };
    let d = deadlines(row, severity);
    incident::classify::overdue(now, state, &d, &milestones(row))
}

fn deadlines(row: &IncidentRow, severity: Severity) -> incident::classify::Deadlines {
    let policy = incident::classify::ResponsePolicy::default();
    incident::classify::deadlines(&policy, severity, row.detected_at, row.reported_at)
}

fn milestones(row: &IncidentRow) -> incident::classify::Milestones {
    incident::classify::Milestones {
        reported_at: Some(row.reported_at),
        acknowledged_at: row.acknowledged_at,
        contained_at: row.contained_at,
        resolved_at: row.resolved_at,
    }
}

fn milestone_name(m: incident::classify::Milestone) -> String {
    format!("{m:?}").to_lowercase()
}

fn hours(a: DateTime<Utc>, b: DateTime<Utc>) -> f64 {
    (b - a).num_seconds().max(0) as f64 / 3600.0
}

/// Characters a stored file's name must not hold: controls, and the Unicode
/// bidirectional marks and overrides that make `invoice\u{202E}fdp.exe` show
/// as `invoiceexe.pdf`.
fn deceptive_char(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061C}'
                | '\u{200E}'
                | '\u{200F}'
                | '\u{202A}'..='\u{202E}'
                | '\u{2066}'..='\u{2069}'
                | '\u{2028}'
                | '\u{2029}'
        )
}

/// Refuses a file name holding a [`deceptive_char`].
fn plain_file_name(file_name: &str) -> Result<()> {
    match file_name.chars().find(|&c| deceptive_char(c)) {
        None => Ok(()),
        Some(c) => Err(invalid(
            "file_name",
            format!(
                "tên tệp chứa ký tự điều khiển hoặc ký tự đảo chiều văn bản U+{:04X}, \
                 có thể che giấu phần mở rộng thật (the file name holds the control or \
                 bidirectional character U+{:04X}, which can hide its real extension)",
                c as u32, c as u32
            ),
        )),
    }
}

impl App {
    /// An uploaded file's plain name and SHA-256, or why it is refused: over
    /// the configured size limit, empty, or a name that is a path.
    pub(crate) fn checked_file(
        &self,
        file_name: &str,
        bytes: &[u8],
        actor: &str,
    ) -> Result<(String, String)> {
        let limit = self.config.evidence_max_bytes;
        if bytes.len() as u64 > limit {
            return Err(AppError::TooLarge(format!(
                "{file_name}: {} bytes is over the limit of {limit} bytes",
                bytes.len()
            )));
        }
        if bytes.is_empty() {
            return Err(invalid("file", format!("{file_name}: the file is empty")));
        }
        plain_file_name(file_name)?;
        let mut hasher = incident::EvidenceHasher::new();
        hasher.update(bytes);
        let ev = incident::Evidence::new(file_name, hasher, Utc::now(), actor)
            .map_err(|e| invalid("file_name", e))?;
        Ok((ev.file_name, ev.sha256.to_string()))
    }

    fn may_write_incident(scope: &Scope) -> Result<()> {
        if scope.role == Role::Auditor {
            return Err(AppError::Forbidden(
                "auditors read, they do not write".into(),
            ));
        }
        Ok(())
    }

    /// A task on an incident, owned by one account.
    pub async fn add_incident_task(
        &self,
        scope: &Scope,
        id: i64,
        t: &TaskInput,
    ) -> Result<Vec<TaskRow>> {
        Self::may_write_incident(scope)?;
        self.incident(scope, id).await?;
        let title = t.title.trim();
        if title.is_empty() || title.chars().count() > 500 {
            return Err(invalid(
                "title",
                "say what must be done (up to 500 characters)",
            ));
        }
        let owner = self
            .user_by_name(&self.system_scope().await?, t.owner.trim())
            .await
            .map_err(|_| invalid("owner", format!("no account '{}'", t.owner.trim())))?;
        let due = match t.due_at.as_deref().filter(|d| !d.trim().is_empty()) {
            Some(d) => Some(parse_time("due_at", d)?),
            None => None,
        };
        let mut tx = self.store.begin().await?;
        store::incident_response::add_task(&mut tx, scope, id, title, &owner.username, due).await?;
        tx.commit().await?;
        Ok(store::incident_response::tasks(&mut self.store.conn(), id).await?)
    }

    /// The owner, an assignee or the coordinator marks a task done.
    pub async fn complete_incident_task(
        &self,
        scope: &Scope,
        id: i64,
        task_id: i64,
    ) -> Result<Vec<TaskRow>> {
        Self::may_write_incident(scope)?;
        let d = self.incident(scope, id).await?;
        let tasks = store::incident_response::tasks(&mut self.store.conn(), id).await?;
        let task = tasks
            .iter()
            .find(|t| t.id == task_id)
            .ok_or(AppError::NotFound)?;
        // Tasks are owned by accounts; a machine token is nobody's task.
        let me = match &scope.actor {
            domain::Actor::User { username, .. } => Some(username.as_str()),
            _ => None,
        };
        let is_owner = me == Some(task.owner.as_str());
        let is_assignee = me.is_some_and(|u| d.assignees.iter().any(|a| a == u));
        if !(is_owner || is_assignee || scope.is_coordinator()) {
            return Err(AppError::Forbidden(
                "only the task's owner, a responder or the coordinator closes it".into(),
            ));
        }
        let mut tx = self.store.begin().await?;
        let done = store::incident_response::complete_task(&mut tx, scope, id, task_id).await?;
        tx.commit().await?;
        if !done {
            return Err(AppError::Conflict("the task is already done".into()));
        }
        Ok(store::incident_response::tasks(&mut self.store.conn(), id).await?)
    }

    /// Stores an evidence file: hashed, size-checked, written in one
    /// transaction with its first custody entry, or not at all.
    pub async fn add_incident_evidence(
        &self,
        scope: &Scope,
        id: i64,
        file_name: &str,
        bytes: Vec<u8>,
        note: Option<&str>,
    ) -> Result<EvidenceRow> {
        Self::may_write_incident(scope)?;
        self.incident(scope, id).await?;
        let (file_name, sha) = self.checked_file(file_name, &bytes, &scope.actor.to_string())?;
        let ev_name = file_name;
        let note = note.map(str::trim).filter(|n| !n.is_empty());
        let mut tx = self.store.begin().await?;
        let eid = store::incident_response::add_evidence(
            &mut tx,
            scope,
            id,
            store::incident_response::NewEvidence {
                file_name: &ev_name,
                sha256: &sha,
                content: bytes,
                note,
            },
        )
        .await?;
        tx.commit().await?;
        store::incident_response::evidence(&mut self.store.conn(), id)
            .await?
            .into_iter()
            .find(|e| e.id == eid)
            .ok_or(AppError::NotFound)
    }

    /// An evidence file for download; the access joins its chain of custody.
    pub async fn incident_evidence_file(
        &self,
        scope: &Scope,
        id: i64,
        evidence_id: i64,
    ) -> Result<Download> {
        self.incident(scope, id).await?;
        let mut tx = self.store.begin().await?;
        let (row, bytes) = store::incident_response::take_evidence(&mut tx, scope, id, evidence_id)
            .await?
            .ok_or(AppError::NotFound)?;
        tx.commit().await?;
        Ok(Download {
            file_name: row.file_name,
            // Never rendered or run by the browser: always a download of opaque bytes.
            content_type: "application/octet-stream",
            bytes,
        })
    }

    pub async fn incident_custody(
        &self,
        scope: &Scope,
        id: i64,
    ) -> Result<(Vec<EvidenceRow>, Vec<CustodyEntry>)> {
        self.incident(scope, id).await?;
        let mut c = self.store.conn();
        Ok((
            store::incident_response::evidence(&mut c, id).await?,
            store::incident_response::custody_log(&mut c, id).await?,
        ))
    }

    pub async fn incident_tasks(&self, scope: &Scope, id: i64) -> Result<Vec<TaskRow>> {
        self.incident(scope, id).await?;
        Ok(store::incident_response::tasks(&mut self.store.conn(), id).await?)
    }

    /// Incidents the scope may see; with `overdue`, only those past a
    /// deadline now (pages are filled from as many keyset pages as needed).
    pub async fn incidents_filtered(
        &self,
        scope: &Scope,
        filter: &IncidentFilter,
        overdue: bool,
    ) -> Result<store::Page<IncidentRow>> {
        if !overdue {
            return self.incidents(scope, filter).await;
        }
        let now = Utc::now();
        let limit = filter.limit.clamp(1, 1000) as usize;
        let mut f = filter.clone();
        f.open_only = true;
        f.limit = 500;
        let mut items = Vec::new();
        loop {
            let page = self.incidents(scope, &f).await?;
            for r in page.items {
                if !missed(&r, now).is_empty() {
                    items.push(r);
                    if items.len() > limit {
                        let next = items.get(limit - 1).map(|r: &IncidentRow| r.id);
                        items.truncate(limit);
                        return Ok(store::Page {
                            items,
                            next,
                            next_key: None,
                        });
                    }
                }
            }
            match page.next {
                Some(n) => f.before_id = Some(n),
                None => {
                    return Ok(store::Page {
                        items,
                        next: None,
                        next_key: None,
                    })
                }
            }
        }
    }

    /// Every incident the filter selects (all pages).
    async fn all_incidents(
        &self,
        scope: &Scope,
        filter: &IncidentFilter,
        overdue: bool,
    ) -> Result<Vec<IncidentRow>> {
        let mut f = filter.clone();
        f.limit = 1000;
        let mut out = Vec::new();
        loop {
            let page = self.incidents_filtered(scope, &f, overdue).await?;
            out.extend(page.items);
            match page.next {
                Some(n) => f.before_id = Some(n),
                None => return Ok(out),
            }
        }
    }

    /// The list as CSV or XLSX.
    pub async fn incidents_file(
        &self,
        scope: &Scope,
        filter: &IncidentFilter,
        overdue: bool,
        format: sheets::Format,
    ) -> Result<Download> {
        let rows = self.all_incidents(scope, filter, overdue).await?;
        let orgs = self.org_labels().await?;
        let org = |id: i64| orgs.get(&id).cloned().unwrap_or_default();
        let now = Utc::now();
        let t =
            |d: Option<DateTime<Utc>>| d.map(crate::registry::format_vn_time).unwrap_or_default();
        let cells: Vec<Vec<String>> = rows
            .iter()
            .map(|r| {
                let (code, name) = org(r.reporting_org_id);
                vec![
                    r.id.to_string(),
                    r.title.clone(),
                    code,
                    name,
                    domain::label_vi_of::<incident::classify::IncidentClass>(&r.class),
                    domain::label_vi_of::<Severity>(&r.severity),
                    // The official name (TLP:AMBER) is how Vietnamese
                    // documents write it too.
                    r.tlp
                        .parse::<incident::observable::Tlp>()
                        .map(|t| t.label_en().to_string())
                        .unwrap_or_else(|_| r.tlp.clone()),
                    domain::label_vi_of::<IncidentState>(&r.state),
                    t(Some(r.detected_at)),
                    t(Some(r.reported_at)),
                    t(r.acknowledged_at),
                    t(r.resolved_at),
                    t(r.closed_at),
                    missed(r, now)
                        .into_iter()
                        .map(milestone_name)
                        .collect::<Vec<_>>()
                        .join(", "),
                ]
            })
            .collect();
        const HEADERS: [&str; 14] = [
            "Số",
            "Tên sự cố",
            "Mã đơn vị báo cáo",
            "Đơn vị báo cáo",
            "Phân loại",
            "Mức độ",
            "TLP",
            "Trạng thái",
            "Phát hiện",
            "Báo cáo",
            "Tiếp nhận",
            "Xử lý xong",
            "Đóng",
            "Quá hạn",
        ];
        crate::botnet_report::table_download("su-co", "Sự cố", &HEADERS, &cells, format)
    }

    /// Counts and response times for incidents detected in [from, to).
    pub async fn incident_metrics(
        &self,
        scope: &Scope,
        from: Option<DateTime<Utc>>,
        to: Option<DateTime<Utc>>,
        org_id: Option<i64>,
    ) -> Result<IncidentMetrics> {
        let filter = IncidentFilter {
            org_id,
            ..Default::default()
        };
        let rows = self.all_incidents(scope, &filter, false).await?;
        let now = Utc::now();
        let mut m = IncidentMetrics::default();
        let (mut ack, mut res) = (0.0, 0.0);
        for r in rows.iter().filter(|r| {
            from.is_none_or(|f| r.detected_at >= f) && to.is_none_or(|t| r.detected_at < t)
        }) {
            m.total += 1;
            *m.by_class.entry(r.class.clone()).or_default() += 1;
            *m.by_severity.entry(r.severity.clone()).or_default() += 1;
            *m.by_state.entry(r.state.clone()).or_default() += 1;
            if !matches!(r.state.as_str(), "closed" | "rejected") {
                m.open += 1;
            }
            if !missed(r, now).is_empty() {
                m.overdue += 1;
            }
            if r.reported_at > incident::classify::reporting_deadline(r.detected_at) {
                m.reported_late += 1;
            }
            if let Some(a) = r.acknowledged_at {
                m.acknowledged += 1;
                ack += hours(r.reported_at, a);
            }
            if let Some(z) = r.resolved_at {
                m.resolved += 1;
                res += hours(r.detected_at, z);
            }
        }
        m.mean_hours_to_acknowledge = (m.acknowledged > 0).then(|| ack / m.acknowledged as f64);
        m.mean_hours_to_resolve = (m.resolved > 0).then(|| res / m.resolved as f64);
        Ok(m)
    }

    /// Queues a reminder to the coordinator's and the responders' addresses
    /// for each open incident whose next deadline passes within
    /// [`REMINDER_LEAD`], once per milestone.
    pub async fn remind_incident_deadlines(&self, now: DateTime<Utc>) -> Result<ReminderRun> {
        let system = self.system_scope().await?;
        let filter = IncidentFilter {
            open_only: true,
            ..Default::default()
        };
        let rows = self.all_incidents(&system, &filter, false).await?;
        let emails = self.notify_emails().await?;
        let coordinator = system.org_id;
        let mut run = ReminderRun::default();
        for r in rows {
            let (Ok(state), Ok(severity)) = (
                r.state.parse::<IncidentState>(),
                r.severity.parse::<Severity>(),
            ) else {
                continue;
            };
            let d = deadlines(&r, severity);
            let later =
                incident::classify::overdue(now + REMINDER_LEAD, state, &d, &milestones(&r));
            let already: Vec<&str> = r.reminded.split(',').filter(|s| !s.is_empty()).collect();
            let due: Vec<_> = later
                .into_iter()
                .filter(|m| !already.contains(&milestone_name(*m).as_str()))
                .collect();
            if due.is_empty() {
                continue;
            }
            let what = due
                .iter()
                .map(|m| {
                    format!(
                        "{} ({})",
                        milestone_vi(*m),
                        crate::registry::format_vn_time(d.due(*m))
                    )
                })
                .collect::<Vec<_>>()
                .join("; ");
            let link = format!(
                "{}/incidents/{}",
                self.config.notify.public_url.trim_end_matches('/'),
                r.id
            );
            let subject = format!("[canhgac] Sự cố #{} sắp đến hạn: {}", r.id, r.title);
            let body = format!(
                "Sự cố #{} \"{}\" (mức độ {}) sắp đến hoặc đã quá hạn: {what}.\nXem và cập nhật: {link}\n",
                r.id, r.title, r.severity
            );
            let mut notices = self.notices_for(
                &emails,
                coordinator,
                "incident_deadline",
                r.id,
                &subject,
                &body,
            );
            for (_, username) in store::incidents::assignees(&mut self.store.conn(), r.id).await? {
                if let Ok(u) = self.user_by_name(&system, &username).await {
                    if let (Some(e), true) = (u.email, self.config.notify.smtp.is_some()) {
                        if !notices.iter().any(|n| n.recipient == e) {
                            notices.push(store::notifications::NewNotification {
                                channel: domain::Channel::Email,
                                recipient: e,
                                org_id: Some(u.org_id),
                                topic: "incident_deadline",
                                ref_id: Some(r.id),
                                subject: subject.clone(),
                                body: body.clone(),
                            });
                        }
                    }
                }
            }
            let mut reminded: Vec<String> = already.iter().map(|s| s.to_string()).collect();
            reminded.extend(due.iter().map(|m| milestone_name(*m)));
            let mut tx = self.store.begin().await?;
            store::notifications::enqueue(&mut tx, &notices).await?;
            store::incident_response::set_reminded(&mut tx, r.id, &reminded.join(",")).await?;
            tx.commit().await?;
            run.incidents += 1;
            run.messages += notices.len();
        }
        Ok(run)
    }

    /// The directory: everyone signed in may read it.
    pub async fn contact_directory(&self, _scope: &Scope) -> Result<Directory> {
        let entries = store::incident_response::contacts(&mut self.store.conn()).await?;
        let mut points = Vec::new();
        for o in self
            .org_names(&self.system_scope().await?)
            .await?
            .into_values()
        {
            if let Some(c) = &o.data.contact_24x7 {
                points.push(Point24x7 {
                    org_id: o.id,
                    org: o.data.short_name.to_string(),
                    name: c.name.to_string(),
                    phone: c.phone.as_ref().map(|p| p.to_string()),
                    email: c.email.as_ref().map(|e| e.as_str().to_string()),
                });
            }
        }
        points.sort_by(|a, b| a.org.cmp(&b.org));
        Ok(Directory {
            entries,
            points_24x7: points,
        })
    }

    /// The coordinator adds (`id` None) or edits a directory entry.
    pub async fn save_contact(
        &self,
        scope: &Scope,
        id: Option<i64>,
        f: &ContactForm,
    ) -> Result<ContactRow> {
        if !scope.is_coordinator() {
            return Err(AppError::Forbidden(
                "only the coordinator edits the directory".into(),
            ));
        }
        let mut errs = domain::FieldErrors::default();
        if !CONTACT_CATEGORIES.contains(&f.category.as_str()) {
            errs.push(
                "category",
                format!("one of {}", CONTACT_CATEGORIES.join(", ")),
            );
        }
        let name = f.name.trim();
        if name.is_empty() || name.chars().count() > 300 {
            errs.push(
                "name",
                "the name of the body or person (up to 300 characters)",
            );
        }
        let phone = |field: &str, v: &Option<String>, errs: &mut domain::FieldErrors| {
            opt(v).and_then(|p| match p.parse::<domain::org::Phone>() {
                Ok(p) => Some(p.to_string()),
                Err(e) => {
                    errs.push(field, e.to_string());
                    None
                }
            })
        };
        let ph = phone("phone", &f.phone, &mut errs);
        let hot = phone("hotline", &f.hotline, &mut errs);
        let email = opt(&f.email).and_then(|e| match e.parse::<domain::Email>() {
            Ok(e) => Some(e.as_str().to_string()),
            Err(err) => {
                errs.push("email", err.to_string());
                None
            }
        });
        errs.into_result()?;
        let input = ContactInput {
            category: f.category.clone(),
            org_id: f.org_id,
            name: name.to_string(),
            title: opt(&f.title),
            phone: ph,
            hotline: hot,
            email,
            note: opt(&f.note),
        };
        let mut tx = self.store.begin().await?;
        let saved = store::incident_response::save_contact(&mut tx, scope, id, &input)
            .await?
            .ok_or(AppError::NotFound)?;
        tx.commit().await?;
        store::incident_response::contacts(&mut self.store.conn())
            .await?
            .into_iter()
            .find(|c| c.id == saved)
            .ok_or(AppError::NotFound)
    }

    pub async fn delete_contact(&self, scope: &Scope, id: i64) -> Result<()> {
        if !scope.is_coordinator() {
            return Err(AppError::Forbidden(
                "only the coordinator edits the directory".into(),
            ));
        }
        let mut tx = self.store.begin().await?;
        let gone = store::incident_response::delete_contact(&mut tx, scope, id).await?;
        tx.commit().await?;
        if gone {
            Ok(())
        } else {
            Err(AppError::NotFound)
        }
    }

    /// The end-of-response report (Circular 20/2017) of a closed incident.
    pub async fn incident_end_report_docx(&self, scope: &Scope, id: i64) -> Result<Download> {
        let d = self.incident(scope, id).await?;
        let Some(text) = d.row.end_report.as_deref() else {
            return Err(AppError::Conflict(
                "the end-of-response report is written when the incident is closed".into(),
            ));
        };
        let e = EndReport::stored(text);
        let r = &d.report;
        let t = crate::registry::format_vn_time;
        let tasks = store::incident_response::tasks(&mut self.store.conn(), id).await?;
        let evidence = store::incident_response::evidence(&mut self.store.conn(), id).await?;
        let text_or = |v: &Option<String>| v.clone().unwrap_or_default();
        // People by their names, not their log-in names.
        let mut names = Vec::with_capacity(d.assignees.len());
        for username in &d.assignees {
            names.push(self.person_name(username).await);
        }
        let mut owners = Vec::with_capacity(tasks.len());
        for task in &tasks {
            owners.push(self.person_name(&task.owner).await);
        }
        let mut rows = vec![
            vec![
                "1. Đơn vị báo cáo".to_string(),
                r.reporter_org.name.to_string(),
            ],
            vec!["2. Tên sự cố".into(), d.row.title.clone()],
            vec![
                "3. Hệ thống bị sự cố".into(),
                r.system
                    .as_ref()
                    .map(|s| s.name.to_string())
                    .unwrap_or_default(),
            ],
            vec![
                "4. Phân loại, mức độ".into(),
                format!("{}; {}", r.class.label_vi(), r.severity.label_vi()),
            ],
            vec!["5. Thời điểm phát hiện".into(), t(d.row.detected_at)],
            vec!["6. Thời điểm báo cáo".into(), t(d.row.reported_at)],
            vec![
                "7. Thời điểm tiếp nhận, bắt đầu ứng phó".into(),
                d.row.acknowledged_at.map(t).unwrap_or_default(),
            ],
            vec![
                "8. Thời điểm ngăn chặn".into(),
                d.row.contained_at.map(t).unwrap_or_default(),
            ],
            vec![
                "9. Thời điểm xử lý xong".into(),
                d.row.resolved_at.map(t).unwrap_or_default(),
            ],
            vec![
                "10. Tóm tắt sự cố và quá trình ứng phó".into(),
                e.summary.clone(),
            ],
            vec!["11. Nguyên nhân".into(), text_or(&e.cause)],
            vec!["12. Biện pháp đã thực hiện".into(), text_or(&e.measures)],
            vec!["13. Kết quả xử lý".into(), text_or(&e.result)],
            vec!["14. Thiệt hại, ảnh hưởng".into(), text_or(&e.damage)],
            vec!["15. Bài học kinh nghiệm".into(), text_or(&e.lessons)],
            vec!["16. Đề xuất, kiến nghị".into(), text_or(&e.recommendations)],
            vec!["17. Lực lượng tham gia ứng cứu".into(), names.join(", ")],
            vec![
                "18. Đã báo cáo cơ quan chức năng".into(),
                escalations_text(&d.escalations),
            ],
        ];
        // Items left empty are left out, and the rest numbered again so
        // that the numbers run without gaps.
        rows.retain(|r| !r[1].trim().is_empty() || r[0].starts_with("10."));
        crate::incidents::renumber(&mut rows);
        let mut body = vec![
            docgen::Block::Paragraph(format!(
                "Báo cáo kết thúc ứng phó sự cố an toàn thông tin mạng theo Thông tư 20/2017/TT-BTTTT đối với sự cố số {id}."
            )),
            docgen::Block::Table(docgen::Table {
                columns: vec!["Nội dung".into(), "Thông tin".into()],
                rows,
                widths: Some(vec![35, 65]),
            }),
        ];
        if !tasks.is_empty() {
            body.push(docgen::Block::Heading("Các nhiệm vụ ứng cứu".into()));
            body.push(docgen::Block::Table(docgen::Table {
                columns: vec![
                    "Nhiệm vụ".into(),
                    "Người thực hiện".into(),
                    "Hạn".into(),
                    "Hoàn thành".into(),
                ],
                rows: tasks
                    .iter()
                    .zip(&owners)
                    .map(|(k, owner)| {
                        vec![
                            k.title.clone(),
                            owner.clone(),
                            k.due_at.map(t).unwrap_or_default(),
                            k.done_at.map(t).unwrap_or_default(),
                        ]
                    })
                    .collect(),
                widths: Some(vec![45, 20, 17, 18]),
            }));
        }
        if !evidence.is_empty() {
            body.push(docgen::Block::Heading("Chứng cứ lưu giữ".into()));
            body.push(docgen::Block::Table(docgen::Table {
                columns: vec!["Tệp".into(), "Kích thước (byte)".into(), "SHA-256".into()],
                rows: evidence
                    .iter()
                    .map(|v| vec![v.file_name.clone(), v.size.to_string(), v.sha256.clone()])
                    .collect(),
                widths: Some(vec![30, 15, 55]),
            }));
        }
        let doc = docgen::OfficialDocument {
            // The report is the reporting organisation's own.
            letterhead: self.reporter_letterhead(r.reporter_org.id).await?,
            kind: "BÁO CÁO KẾT THÚC ỨNG PHÓ SỰ CỐ".into(),
            title: d.row.title.clone(),
            summary: None,
            recipients: self.incident_recipient_names().await?,
            body,
            recipients_for_filing: vec!["Như trên;".into(), "Lưu: VT.".into()],
            signature: docgen::Signature {
                capacity: vec!["GIÁM ĐỐC".into()],
                signer: String::new(),
            },
        };
        Ok(Download {
            file_name: format!("bao-cao-ket-thuc-su-co-{id}.docx"),
            content_type: DOCX,
            bytes: doc
                .to_docx()
                .map_err(|e| AppError::Internal(e.to_string()))?,
        })
    }
}

fn milestone_vi(m: incident::classify::Milestone) -> &'static str {
    use incident::classify::Milestone::*;
    match m {
        Report => "hạn báo cáo ban đầu",
        Acknowledge => "hạn tiếp nhận",
        Contain => "hạn ngăn chặn",
        Resolve => "hạn xử lý xong",
    }
}

/// The national bodies an incident was reported to, each by its
/// abbreviation as the installation names it today: "VNCERT/CC ngày
/// 26/01/2025, qua thư điện tử (số 12/BC); NCSC ngày …".
fn escalations_text(list: &[crate::incidents::Escalation]) -> String {
    list.iter()
        .map(|e| {
            let to = e.to_label.clone().unwrap_or_else(|| e.to.to_uppercase());
            let mut s = format!(
                "{to} ngày {}, qua {}",
                e.on.format("%d/%m/%Y"),
                e.channel.trim()
            );
            if let Some(r) = e
                .reference
                .as_deref()
                .map(str::trim)
                .filter(|r| !r.is_empty())
            {
                s.push_str(&format!(" (số {r})"));
            }
            s
        })
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
mod file_name_tests {
    use super::*;

    #[test]
    fn bidirectional_and_control_characters_are_refused() {
        for name in [
            "hoa-don\u{202E}fdp.exe",
            "a\u{2066}b.txt",
            "a\u{2069}.txt",
            "a\u{200E}.log",
            "a\u{200F}.log",
            "a\u{061C}.log",
            "a\u{202A}.log",
            "tab\there.txt",
            "nul\u{0}.txt",
            "del\u{7F}.txt",
            "c1\u{85}.txt",
            "line\u{2028}.txt",
        ] {
            let err = plain_file_name(name).unwrap_err().to_string();
            assert!(err.contains("tên tệp chứa ký tự"), "{name:?}: {err}");
            assert!(
                err.contains("bidirectional character U+"),
                "{name:?}: {err}"
            );
        }
        for name in ["Nhật ký máy chủ.evtx", "memory.dmp", "ảnh chụp (1).png"] {
            assert!(plain_file_name(name).is_ok(), "{name}");
        }
    }

    /// Every Unicode scalar value, at the start, middle and end of a name:
    /// never a panic, and refused exactly when it is a deceptive character.
    #[test]
    fn every_character_is_decided_without_panic() {
        let mut refused = 0;
        for c in (0..=0x10FFFF).filter_map(char::from_u32) {
            for name in [
                format!("{c}a.txt"),
                format!("a{c}b.txt"),
                format!("a.txt{c}"),
            ] {
                let result = plain_file_name(&name);
                assert_eq!(result.is_err(), deceptive_char(c), "{name:?}");
            }
            refused += usize::from(deceptive_char(c));
        }
        // 65 controls (C0, DEL, C1), 12 bidirectional marks, 2 separators.
        assert_eq!(refused, 65 + 12 + 2);
    }
}
