//! Directives as campaigns: the coordinator records a directive task by task,
//! each task for groups of recipients; each organisation reports its
//! progress; the coordinator reads the matrix of organisations × tasks.

use crate::{invalid, App, AppError, Result};
use chrono::NaiveDate;
use domain::{OrgType, Role, Scope};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
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
    pub name: String,
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
                    orgs.push(OrgProgress {
                        org_id: p.org_id,
                        name: names
                            .values()
                            .find(|o| o.id == p.org_id)
                            .map(|o| o.data.short_name.to_string())
                            .unwrap_or_default(),
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
        Ok(DirectiveView {
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
}
