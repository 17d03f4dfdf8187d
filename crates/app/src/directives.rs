//! Directives as campaigns: the coordinator records a directive task by task,
//! each task for groups of recipients; each organisation reports its
//! progress; the coordinator reads the matrix of organisations × tasks.

use crate::{invalid, App, AppError, Result};
use chrono::NaiveDate;
use domain::{OrgType, Role, Scope};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use store::attachments::{AttachedTo, Attachment, NewAttachment};
use store::directives::{Directive, Progress, Task};

/// Who a task is for: whole groups by organisation type, and named organisations.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Recipients {
    #[serde(default)]
    pub org_types: Vec<OrgType>,
    #[serde(default)]
    pub org_ids: Vec<i64>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct TaskInput {
    pub text: String,
    pub recipients: Recipients,
    #[serde(default)]
    pub deadline: Option<NaiveDate>,
    #[serde(default)]
    pub evidence_required: bool,
}

#[derive(Debug, Clone, Deserialize)]
pub struct DirectiveInput {
    pub number: String,
    pub issued_on: NaiveDate,
    pub issuer: String,
    pub title: String,
    #[serde(default)]
    pub period_id: Option<i64>,
    pub tasks: Vec<TaskInput>,
}

impl TaskInput {
    /// Tasks typed one per line, as the console's form takes them:
    /// `recipients | deadline | text`, where recipients are group codes
    /// (agency, district, commune, isp, soc) and `#id` for named
    /// organisations, the deadline is YYYY-MM-DD or dd/mm/yyyy or empty, and a
    /// text starting with `*` requires evidence. Errors name the line.
    pub fn parse_lines(text: &str) -> std::result::Result<Vec<TaskInput>, domain::FieldErrors> {
        let mut errs = domain::FieldErrors::default();
        let mut out = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() {
                continue;
            }
            let field = format!("tasks line {}", i + 1);
            let parts: Vec<&str> = line.splitn(3, '|').map(str::trim).collect();
            let [who, deadline, body] = parts[..] else {
                errs.push(&field, "write: recipients | deadline | text");
                continue;
            };
            let mut recipients = Recipients::default();
            for token in who
                .split([',', ' '])
                .map(str::trim)
                .filter(|t| !t.is_empty())
            {
                if let Some(id) = token.strip_prefix('#') {
                    match id.parse::<i64>() {
                        Ok(id) => recipients.org_ids.push(id),
                        Err(_) => errs.push(&field, format!("'{token}' is not #organisation-id")),
                    }
                } else {
                    match token.parse::<OrgType>() {
                        Ok(t) => recipients.org_types.push(t),
                        Err(e) => errs.push(&field, e),
                    }
                }
            }
            let deadline = if deadline.is_empty() {
                None
            } else {
                crate::vulns::date(&field, deadline, &mut errs)
            };
            let (evidence_required, body) = match body.strip_prefix('*') {
                Some(rest) => (true, rest.trim()),
                None => (false, body),
            };
            out.push(TaskInput {
                text: body.to_string(),
                recipients,
                deadline,
                evidence_required,
            });
        }
        errs.into_result()?;
        Ok(out)
    }
}

/// How an organisation stands on a task.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskStatus {
    Pending,
    InProgress,
    Done,
    NotApplicable,
}

impl TaskStatus {
    fn as_str(self) -> &'static str {
        match self {
            TaskStatus::Pending => "pending",
            TaskStatus::InProgress => "in_progress",
            TaskStatus::Done => "done",
            TaskStatus::NotApplicable => "not_applicable",
        }
    }
}

/// A directive with its tasks and the progress cells the scope may see.
#[derive(Debug, Clone, Serialize)]
pub struct DirectiveView {
    #[serde(flatten)]
    pub directive: Directive,
    pub tasks: Vec<Task>,
    pub cells: Vec<Cell>,
    /// Per organisation: tasks given, done (or not applicable), overdue.
    pub orgs: Vec<OrgProgress>,
    /// The directive's document (each upload kept; the last is current).
    pub documents: Vec<Attachment>,
    /// Evidence files for tasks: the organisation's own, or all for the province.
    pub evidence: Vec<Attachment>,
}

/// What a reminder run queued.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ReminderRun {
    /// Organisations with unfinished tasks.
    pub orgs: usize,
    pub messages: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct Cell {
    #[serde(flatten)]
    pub progress: Progress,
    pub overdue: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct OrgProgress {
    pub org_id: i64,
    /// The short name (code) the console's matrix shows.
    pub name: String,
    /// The organisation's full name, for files read away from the console.
    pub full_name: String,
    pub tasks: usize,
    pub done: usize,
    pub overdue: usize,
}

impl App {
    /// Records a directive with its tasks; every task needs recipients.
    pub async fn create_directive(
        &self,
        scope: &Scope,
        input: &DirectiveInput,
    ) -> Result<DirectiveView> {
        if !scope.is_coordinator() {
            return Err(AppError::Forbidden(
                "only the coordinator records directives".into(),
            ));
        }
        let mut errs = domain::FieldErrors::default();
        for (field, v) in [
            ("number", &input.number),
            ("issuer", &input.issuer),
            ("title", &input.title),
        ] {
            if v.trim().is_empty() || v.chars().count() > 500 {
                errs.push(field, "required, up to 500 characters");
            }
        }
        if input.tasks.is_empty() {
            errs.push("tasks", "a directive has at least one task");
        }
        let orgs = self.org_names(scope).await?;
        let mut resolved = Vec::new();
        for (i, t) in input.tasks.iter().enumerate() {
            if t.text.trim().is_empty() {
                errs.push(format!("tasks[{i}].text"), "describe the task");
            }
            let mut ids: BTreeSet<i64> = BTreeSet::new();
            for o in orgs.values() {
                if t.recipients.org_types.contains(&o.data.org_type) {
                    ids.insert(o.id);
                }
            }
            for id in &t.recipients.org_ids {
                if orgs.values().any(|o| o.id == *id) {
                    ids.insert(*id);
                } else {
                    errs.push(
                        format!("tasks[{i}].recipients.org_ids"),
                        format!("organisation {id} does not exist"),
                    );
                }
            }
            if ids.is_empty() {
                errs.push(
                    format!("tasks[{i}].recipients"),
                    "a task needs at least one recipient organisation",
                );
            }
            resolved.push(ids.into_iter().collect::<Vec<i64>>());
        }
        errs.into_result()?;
        let recipients: Vec<String> = input
            .tasks
            .iter()
            .map(|t| serde_json::to_string(&t.recipients).unwrap_or_default())
            .collect();
        let tasks: Vec<store::directives::NewTask> = input
            .tasks
            .iter()
            .zip(&resolved)
            .zip(&recipients)
            .map(|((t, ids), r)| store::directives::NewTask {
                text: t.text.trim(),
                recipients: r,
                org_ids: ids,
                deadline: t.deadline,
                evidence_required: t.evidence_required,
            })
            .collect();
        let mut tx = self.store.begin().await?;
        let id = store::directives::create(
            &mut tx,
            scope,
            input.number.trim(),
            input.issued_on,
            input.issuer.trim(),
            input.title.trim(),
            input.period_id,
            &tasks,
        )
        .await?;
        tx.commit().await?;
        self.directive(scope, id).await
    }

    pub async fn directives(&self, scope: &Scope) -> Result<Vec<Directive>> {
        Ok(store::directives::list(&mut self.store.conn(), scope).await?)
    }

    /// A directive with the matrix (the province) or the organisation's own row.
    pub async fn directive(&self, scope: &Scope, id: i64) -> Result<DirectiveView> {
        let directive = self
            .directives(scope)
            .await?
            .into_iter()
            .find(|d| d.id == id)
            .ok_or(AppError::NotFound)?;
        let tasks = store::directives::tasks(&mut self.store.conn(), id).await?;
        let today = crate::registry::today();
        let progress = store::directives::progress(&mut self.store.conn(), scope, id).await?;
        let names = self.org_names(&self.system_scope().await?).await?;
        let mut orgs: Vec<OrgProgress> = Vec::new();
        let mut cells = Vec::new();
        for p in progress {
            let task = tasks.iter().find(|t| t.id == p.task_id);
            let finished = matches!(p.status.as_str(), "done" | "not_applicable");
            let overdue = !finished && task.and_then(|t| t.deadline).is_some_and(|d| d < today);
            let line = match orgs.iter_mut().find(|o| o.org_id == p.org_id) {
                Some(l) => l,
                None => {
                    let org = names.values().find(|o| o.id == p.org_id);
                    orgs.push(OrgProgress {
                        org_id: p.org_id,
                        name: org
                            .map(|o| o.data.short_name.to_string())
                            .unwrap_or_default(),
                        full_name: org.map(|o| o.data.name.to_string()).unwrap_or_default(),
                        tasks: 0,
                        done: 0,
                        overdue: 0,
                    });
                    orgs.last_mut().expect("just pushed")
                }
            };
            line.tasks += 1;
            line.done += usize::from(finished);
            line.overdue += usize::from(overdue);
            cells.push(Cell {
                progress: p,
                overdue,
            });
        }
        orgs.sort_by(|a, b| b.overdue.cmp(&a.overdue).then(a.name.cmp(&b.name)));
        let task_ids: Vec<i64> = tasks.iter().map(|t| t.id).collect();
        let own = (!scope.sees_province()).then_some(scope.org_id);
        let mut c = self.store.conn();
        Ok(DirectiveView {
            documents: store::attachments::list(&mut c, AttachedTo::Directive, &[id], None).await?,
            evidence: store::attachments::list(&mut c, AttachedTo::TaskEvidence, &task_ids, own)
                .await?,
            directive,
            tasks,
            cells,
            orgs,
        })
    }

    /// An organisation reports its progress on a task it was given: not
    /// applicable needs the reason, done needs a note when evidence is required.
    pub async fn report_task(
        &self,
        scope: &Scope,
        task_id: i64,
        status: TaskStatus,
        note: Option<&str>,
    ) -> Result<()> {
        if !matches!(
            scope.role,
            Role::OrgAdmin
                | Role::Officer
                | Role::IspOperator
                | Role::SocAnalyst
                | Role::Coordinator
        ) {
            return Err(AppError::Forbidden(
                "your role does not report on tasks".into(),
            ));
        }
        let note = note.map(str::trim).filter(|n| !n.is_empty());
        if note.is_some_and(|n| n.chars().count() > 5000) {
            return Err(invalid("note", "up to 5000 characters"));
        }
        if status == TaskStatus::NotApplicable && note.is_none() {
            return Err(invalid("note", "say why the task does not apply"));
        }
        if status == TaskStatus::Pending {
            return Err(invalid("status", "in_progress, done or not_applicable"));
        }
        let directive_id = self
            .directives(scope)
            .await?
            .into_iter()
            .map(|d| d.id)
            .collect::<Vec<_>>();
        let mut task = None;
        for d in directive_id {
            if let Some(t) = store::directives::tasks(&mut self.store.conn(), d)
                .await?
                .into_iter()
                .find(|t| t.id == task_id)
            {
                task = Some(t);
            }
        }
        let task = task.ok_or(AppError::NotFound)?;
        if status == TaskStatus::Done && task.evidence_required && note.is_none() {
            return Err(invalid(
                "note",
                "this task requires evidence: describe it or name the document",
            ));
        }
        let mut tx = self.store.begin().await?;
        let ok = store::directives::set_progress(
            &mut tx,
            scope,
            task_id,
            scope.org_id,
            status.as_str(),
            note,
        )
        .await?;
        tx.commit().await?;
        if ok {
            Ok(())
        } else {
            Err(AppError::NotFound)
        }
    }

    /// The coordinator attaches the directive's document (PDF, DOCX, scan).
    pub async fn attach_directive_document(
        &self,
        scope: &Scope,
        id: i64,
        file_name: &str,
        bytes: Vec<u8>,
    ) -> Result<Attachment> {
        if !scope.is_coordinator() {
            return Err(AppError::Forbidden(
                "only the coordinator records directives".into(),
            ));
        }
        self.directive(scope, id).await?;
        let (name, sha) = self.checked_file(file_name, &bytes, &scope.actor.to_string())?;
        let mut tx = self.store.begin().await?;
        let aid = store::attachments::add(
            &mut tx,
            scope,
            NewAttachment {
                to: AttachedTo::Directive,
                ref_id: id,
                org_id: None,
                file_name: &name,
                sha256: &sha,
                content: bytes,
            },
        )
        .await?;
        tx.commit().await?;
        self.attachment_row(AttachedTo::Directive, aid).await
    }

    async fn attachment_row(&self, to: AttachedTo, id: i64) -> Result<Attachment> {
        store::attachments::get(&mut self.store.conn(), to, id)
            .await?
            .map(|(a, _)| a)
            .ok_or(AppError::NotFound)
    }

    /// A recipient organisation attaches evidence for a task it was given.
    pub async fn attach_task_evidence(
        &self,
        scope: &Scope,
        task_id: i64,
        file_name: &str,
        bytes: Vec<u8>,
    ) -> Result<Attachment> {
        if scope.role == Role::Auditor {
            return Err(AppError::Forbidden(
                "auditors read, they do not write".into(),
            ));
        }
        let directive_id = self.task_directive(scope, task_id).await?;
        let view = self.directive(scope, directive_id).await?;
        if !view
            .cells
            .iter()
            .any(|c| c.progress.task_id == task_id && c.progress.org_id == scope.org_id)
        {
            return Err(AppError::Forbidden(
                "the task is not one your organisation was given".into(),
            ));
        }
        let (name, sha) = self.checked_file(file_name, &bytes, &scope.actor.to_string())?;
        let mut tx = self.store.begin().await?;
        let aid = store::attachments::add(
            &mut tx,
            scope,
            NewAttachment {
                to: AttachedTo::TaskEvidence,
                ref_id: task_id,
                org_id: Some(scope.org_id),
                file_name: &name,
                sha256: &sha,
                content: bytes,
            },
        )
        .await?;
        tx.commit().await?;
        self.attachment_row(AttachedTo::TaskEvidence, aid).await
    }

    /// The directive a task belongs to, if the scope may see it.
    async fn task_directive(&self, scope: &Scope, task_id: i64) -> Result<i64> {
        for d in self.directives(scope).await? {
            if store::directives::tasks(&mut self.store.conn(), d.id)
                .await?
                .iter()
                .any(|t| t.id == task_id)
            {
                return Ok(d.id);
            }
        }
        Err(AppError::NotFound)
    }

    /// A directive's document or a task's evidence file, if the scope may see it.
    pub async fn directive_file(
        &self,
        scope: &Scope,
        directive_id: i64,
        attachment_id: i64,
    ) -> Result<crate::botnet_report::Download> {
        let view = self.directive(scope, directive_id).await?;
        let visible = view
            .documents
            .iter()
            .chain(view.evidence.iter())
            .any(|a| a.id == attachment_id);
        if !visible {
            return Err(AppError::NotFound);
        }
        let to = if view.documents.iter().any(|a| a.id == attachment_id) {
            AttachedTo::Directive
        } else {
            AttachedTo::TaskEvidence
        };
        let (row, bytes) = store::attachments::get(&mut self.store.conn(), to, attachment_id)
            .await?
            .ok_or(AppError::NotFound)?;
        Ok(crate::botnet_report::Download {
            file_name: row.file_name,
            content_type: "application/octet-stream",
            bytes,
        })
    }

    /// The coordinator reminds every organisation with unfinished tasks of
    /// this directive: one message each, listing its tasks and deadlines.
    pub async fn remind_directive(&self, scope: &Scope, id: i64) -> Result<ReminderRun> {
        if !scope.is_coordinator() {
            return Err(AppError::Forbidden(
                "only the coordinator sends reminders".into(),
            ));
        }
        let view = self.directive(scope, id).await?;
        let emails = self.notify_emails().await?;
        let today = crate::registry::today();
        let link = format!(
            "{}/directives/{id}",
            self.config.notify.public_url.trim_end_matches('/')
        );
        let mut notices = Vec::new();
        let mut run = ReminderRun::default();
        for o in &view.orgs {
            let open: Vec<String> = view
                .cells
                .iter()
                .filter(|c| {
                    c.progress.org_id == o.org_id
                        && !matches!(c.progress.status.as_str(), "done" | "not_applicable")
                })
                .filter_map(|c| view.tasks.iter().find(|t| t.id == c.progress.task_id))
                .map(|t| {
                    let due = match t.deadline {
                        Some(d) if d < today => format!(" (QUÁ HẠN {})", d.format("%d/%m/%Y")),
                        Some(d) => format!(" (hạn {})", d.format("%d/%m/%Y")),
                        None => String::new(),
                    };
                    format!("- Nhiệm vụ {}: {}{due}", t.position, t.text)
                })
                .collect();
            if open.is_empty() {
                continue;
            }
            run.orgs += 1;
            let subject = format!(
                "[canhgac] Nhắc việc: văn bản {} — {} nhiệm vụ chưa hoàn thành",
                view.directive.number,
                open.len()
            );
            let body = format!(
                "Kính gửi {},\n\nTheo văn bản số {} ngày {} của {} ({}), đơn vị còn các nhiệm vụ chưa báo cáo hoàn thành:\n{}\n\nCập nhật kết quả: {link}\n",
                o.name,
                view.directive.number,
                view.directive.issued_on.format("%d/%m/%Y"),
                view.directive.issuer,
                view.directive.title,
                open.join("\n")
            );
            notices.extend(self.notices_for(&emails, o.org_id, "directive", id, &subject, &body));
        }
        run.messages = notices.len();
        let mut tx = self.store.begin().await?;
        store::notifications::enqueue(&mut tx, &notices).await?;
        store::audit::append(
            &mut tx,
            scope,
            store::audit::Change {
                action: "remind",
                entity: "directive",
                entity_id: Some(id),
                org_id: None,
                before: None,
                after: Some(format!(
                    "{{\"orgs\":{},\"messages\":{}}}",
                    run.orgs, run.messages
                )),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(run)
    }
}
