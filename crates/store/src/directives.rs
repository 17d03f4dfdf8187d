//! Directives, their tasks and each recipient organisation's progress.

use crate::audit::{self, Change};
use crate::db::{args, Conn, One, Sql, Tx};
use crate::{Result, StoreError};
use chrono::{DateTime, NaiveDate, Utc};
use domain::Scope;
use serde::Serialize;

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Directive {
    pub id: i64,
    pub number: String,
    pub issued_on: NaiveDate,
    pub issuer: String,
    pub title: String,
    pub period_id: Option<i64>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

pub struct NewTask<'a> {
    pub text: &'a str,
    /// How the recipients were named (groups and organisations), as JSON.
    pub recipients: &'a str,
    pub org_ids: &'a [i64],
    pub deadline: Option<NaiveDate>,
    pub evidence_required: bool,
}

#[allow(clippy::too_many_arguments)]
pub async fn create(
    tx: &mut Tx,
    scope: &Scope,
    number: &str,
    issued_on: NaiveDate,
    issuer: &str,
    title: &str,
    period_id: Option<i64>,
    tasks: &[NewTask<'_>],
) -> Result<i64> {
    let id: One<i64> = tx
        .conn()
        .fetch_one_raw(
            "INSERT INTO directives (number, issued_on, issuer, title, period_id, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
            args![number, Some(issued_on), issuer, title, period_id, scope.actor.to_string(), Utc::now()],
        )
        .await
        .map_err(|e| StoreError::from_insert(e, || format!("directive number '{number}'")))?;
    for (i, t) in tasks.iter().enumerate() {
        let tid: One<i64> = tx
            .conn()
            .fetch_one(
                "INSERT INTO directive_tasks (directive_id, position, text, recipients, deadline, evidence_required) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                args![id.0, i as i64 + 1, t.text, t.recipients, t.deadline, t.evidence_required],
            )
            .await?;
        for org in t.org_ids {
            tx.conn()
                .execute(
                    "INSERT INTO task_recipients (task_id, org_id, status) VALUES ($1, $2, 'pending')",
                    args![tid.0, *org],
                )
                .await?;
        }
    }
    audit::append(
        tx,
        scope,
        Change {
            action: "create",
            entity: "directive",
            entity_id: Some(id.0),
            org_id: None,
            before: None,
            after: Some(format!(
                "{{\"number\":{},\"tasks\":{}}}",
                crate::to_json(number),
                tasks.len()
            )),
        },
    )
    .await?;
    Ok(id.0)
}

const COLUMNS: &str =
    "d.id, d.number, d.issued_on, d.issuer, d.title, d.period_id, d.created_by, d.created_at";

/// Directives that give the scope a task (the province sees all).
pub async fn list(c: &mut Conn<'_>, scope: &Scope) -> Result<Vec<Directive>> {
    let mut q = Sql::new(&format!("SELECT {COLUMNS} FROM directives d WHERE 1 = 1"));
    if !scope.sees_province() {
        q.push(
            " AND EXISTS (SELECT 1 FROM directive_tasks t JOIN task_recipients r ON r.task_id = t.id WHERE t.directive_id = d.id AND r.org_id = ?)",
            args![scope.org_id],
        );
    }
    q.push(" ORDER BY d.issued_on DESC, d.id DESC", vec![]);
    c.fetch_all(&q.text, q.args).await
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Task {
    pub id: i64,
    pub position: i64,
    pub text: String,
    pub recipients: String,
    pub deadline: Option<NaiveDate>,
    pub evidence_required: bool,
}

pub async fn tasks(c: &mut Conn<'_>, directive_id: i64) -> Result<Vec<Task>> {
    c.fetch_all(
        "SELECT id, position, text, recipients, deadline, evidence_required FROM directive_tasks WHERE directive_id = $1 ORDER BY position",
        args![directive_id],
    )
    .await
}

/// One organisation's progress on one task.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Progress {
    pub task_id: i64,
    pub org_id: i64,
    pub status: String,
    pub note: Option<String>,
    pub updated_by: Option<String>,
    pub updated_at: Option<DateTime<Utc>>,
}

/// The progress cells of a directive the scope may see (an organisation: its own row).
pub async fn progress(c: &mut Conn<'_>, scope: &Scope, directive_id: i64) -> Result<Vec<Progress>> {
    let mut q = Sql::new(
        "SELECT r.task_id, r.org_id, r.status, r.note, r.updated_by, r.updated_at FROM task_recipients r JOIN directive_tasks t ON t.id = r.task_id WHERE t.directive_id = $1",
    );
    q.args.push(directive_id.into());
    if !scope.sees_province() {
        q.push(" AND r.org_id = ?", args![scope.org_id]);
    }
    q.push(" ORDER BY r.org_id, t.position", vec![]);
    c.fetch_all(&q.text, q.args).await
}

/// Records an organisation's progress on a task it was given; false when
/// the task is not the organisation's.
pub async fn set_progress(
    tx: &mut Tx,
    scope: &Scope,
    task_id: i64,
    org_id: i64,
    status: &str,
    note: Option<&str>,
) -> Result<bool> {
    let n = tx
        .conn()
        .execute(
            "UPDATE task_recipients SET status = $1, note = $2, updated_by = $3, updated_at = $4 WHERE task_id = $5 AND org_id = $6",
            args![status, note.map(str::to_string), scope.actor.to_string(), Utc::now(), task_id, org_id],
        )
        .await?;
    if n == 1 {
        audit::append(
            tx,
            scope,
            Change {
                action: "task_progress",
                entity: "directive_task",
                entity_id: Some(task_id),
                org_id: Some(org_id),
                before: None,
                after: Some(format!(
                    "{{\"status\":{},\"note\":{}}}",
                    crate::to_json(status),
                    crate::to_json(&note)
                )),
            },
        )
        .await?;
    }
    Ok(n == 1)
}
