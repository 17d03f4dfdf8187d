//! What the response to an incident accumulates beside its timeline: tasks
//! with owners and due dates, evidence files with their chain of custody,
//! the deadline reminders sent; and the response network's contact directory.

use crate::audit::{self, Change};
use crate::db::{args, Conn, One, Tx};
use crate::Result;
use chrono::{DateTime, Utc};
use domain::Scope;
use serde::{Deserialize, Serialize};

use super::incidents::add_entry;

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct TaskRow {
    pub id: i64,
    pub incident_id: i64,
    pub title: String,
    pub owner: String,
    pub due_at: Option<DateTime<Utc>>,
    pub done_at: Option<DateTime<Utc>>,
    pub done_by: Option<String>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

pub async fn add_task(
    tx: &mut Tx,
    scope: &Scope,
    incident_id: i64,
    title: &str,
    owner: &str,
    due_at: Option<DateTime<Utc>>,
) -> Result<i64> {
    let id: One<i64> = tx
        .conn()
        .fetch_one(
            "INSERT INTO incident_tasks (incident_id, title, owner, due_at, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            args![incident_id, title, owner, due_at, scope.actor.to_string(), Utc::now()],
        )
        .await?;
    add_entry(
        tx,
        scope,
        incident_id,
        "task",
        &format!("task #{}: {title} → {owner}", id.0),
    )
    .await?;
    audit::append(
        tx,
        scope,
        Change {
            action: "add_task",
            entity: "incident",
            entity_id: Some(incident_id),
            org_id: None,
            before: None,
            after: Some(format!(
                "{{\"task\":{},\"title\":{},\"owner\":{}}}",
                id.0,
                crate::to_json(title),
                crate::to_json(owner)
            )),
        },
    )
    .await?;
    Ok(id.0)
}

/// Marks a task done; false when it is unknown or already done.
pub async fn complete_task(
    tx: &mut Tx,
    scope: &Scope,
    incident_id: i64,
    task_id: i64,
) -> Result<bool> {
    let n = tx
        .conn()
        .execute(
            "UPDATE incident_tasks SET done_at = $1, done_by = $2 WHERE id = $3 AND incident_id = $4 AND done_at IS NULL",
            args![Utc::now(), scope.actor.to_string(), task_id, incident_id],
        )
        .await?;
    if n == 0 {
        return Ok(false);
    }
    add_entry(
        tx,
        scope,
        incident_id,
        "task",
        &format!("task #{task_id} done"),
    )
    .await?;
    audit::append(
        tx,
        scope,
        Change {
            action: "complete_task",
            entity: "incident",
            entity_id: Some(incident_id),
            org_id: None,
            before: None,
            after: Some(format!("{{\"task\":{task_id}}}")),
        },
    )
    .await?;
    Ok(true)
}

pub async fn tasks(c: &mut Conn<'_>, incident_id: i64) -> Result<Vec<TaskRow>> {
    c.fetch_all(
        "SELECT id, incident_id, title, owner, due_at, done_at, done_by, created_by, created_at FROM incident_tasks WHERE incident_id = $1 ORDER BY id",
        args![incident_id],
    )
    .await
}

/// An evidence file without its bytes.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct EvidenceRow {
    pub id: i64,
    pub incident_id: i64,
    pub file_name: String,
    pub size: i64,
    pub sha256: String,
    pub note: Option<String>,
    pub added_by: String,
    pub added_at: DateTime<Utc>,
}

const EVIDENCE_COLUMNS: &str = "id, incident_id, file_name, size, sha256, note, added_by, added_at";

pub struct NewEvidence<'a> {
    pub file_name: &'a str,
    pub sha256: &'a str,
    pub content: Vec<u8>,
    pub note: Option<&'a str>,
}

/// Stores a file and its first custody entry, in the caller's transaction.
pub async fn add_evidence(
    tx: &mut Tx,
    scope: &Scope,
    incident_id: i64,
    e: NewEvidence<'_>,
) -> Result<i64> {
    let size = e.content.len() as i64;
    let now = Utc::now();
    let id: One<i64> = tx
        .conn()
        .fetch_one(
            "INSERT INTO incident_evidence (incident_id, file_name, size, sha256, content, note, added_by, added_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
            args![incident_id, e.file_name, size, e.sha256, e.content, e.note, scope.actor.to_string(), now],
        )
        .await?;
    custody(tx, scope, id.0, "upload").await?;
    add_entry(
        tx,
        scope,
        incident_id,
        "evidence",
        &format!(
            "evidence #{}: {} ({size} bytes, SHA-256 {})",
            id.0, e.file_name, e.sha256
        ),
    )
    .await?;
    audit::append(
        tx,
        scope,
        Change {
            action: "add_evidence",
            entity: "incident",
            entity_id: Some(incident_id),
            org_id: None,
            before: None,
            after: Some(format!(
                "{{\"evidence\":{},\"file_name\":{},\"size\":{size},\"sha256\":{}}}",
                id.0,
                crate::to_json(e.file_name),
                crate::to_json(e.sha256)
            )),
        },
    )
    .await?;
    Ok(id.0)
}

async fn custody(tx: &mut Tx, scope: &Scope, evidence_id: i64, action: &str) -> Result<()> {
    tx.conn()
        .execute(
            "INSERT INTO incident_evidence_access (evidence_id, at, actor, action) VALUES ($1, $2, $3, $4)",
            args![evidence_id, Utc::now(), scope.actor.to_string(), action],
        )
        .await?;
    Ok(())
}

pub async fn evidence(c: &mut Conn<'_>, incident_id: i64) -> Result<Vec<EvidenceRow>> {
    c.fetch_all(
        &format!(
            "SELECT {EVIDENCE_COLUMNS} FROM incident_evidence WHERE incident_id = $1 ORDER BY id"
        ),
        args![incident_id],
    )
    .await
}

#[derive(sqlx::FromRow)]
struct Content(Vec<u8>);

/// The file's bytes, recording the download in its chain of custody.
pub async fn take_evidence(
    tx: &mut Tx,
    scope: &Scope,
    incident_id: i64,
    evidence_id: i64,
) -> Result<Option<(EvidenceRow, Vec<u8>)>> {
    let row: Option<EvidenceRow> = tx
        .conn()
        .fetch_optional(
            &format!("SELECT {EVIDENCE_COLUMNS} FROM incident_evidence WHERE id = $1 AND incident_id = $2"),
            args![evidence_id, incident_id],
        )
        .await?;
    let Some(row) = row else { return Ok(None) };
    let content: Content = tx
        .conn()
        .fetch_one(
            "SELECT content FROM incident_evidence WHERE id = $1",
            args![evidence_id],
        )
        .await?;
    custody(tx, scope, evidence_id, "download").await?;
    Ok(Some((row, content.0)))
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct CustodyEntry {
    pub evidence_id: i64,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub action: String,
}

pub async fn custody_log(c: &mut Conn<'_>, incident_id: i64) -> Result<Vec<CustodyEntry>> {
    c.fetch_all(
        "SELECT x.evidence_id, x.at, x.actor, x.action FROM incident_evidence_access x \
         JOIN incident_evidence e ON e.id = x.evidence_id WHERE e.incident_id = $1 ORDER BY x.id",
        args![incident_id],
    )
    .await
}

/// Records that the reminders for `reminded` (comma-separated milestones) went out.
pub async fn set_reminded(tx: &mut Tx, incident_id: i64, reminded: &str) -> Result<()> {
    tx.conn()
        .execute(
            "UPDATE incidents SET reminded = $1 WHERE id = $2",
            args![reminded, incident_id],
        )
        .await?;
    Ok(())
}

#[derive(Debug, Clone, Serialize, Deserialize, sqlx::FromRow)]
pub struct ContactRow {
    pub id: i64,
    pub category: String,
    pub org_id: Option<i64>,
    pub name: String,
    pub title: Option<String>,
    pub phone: Option<String>,
    pub hotline: Option<String>,
    pub email: Option<String>,
    pub note: Option<String>,
    pub updated_by: String,
    pub updated_at: DateTime<Utc>,
}

/// A directory entry as the coordinator writes it (already checked).
#[derive(Debug, Clone)]
pub struct ContactInput {
    pub category: String,
    pub org_id: Option<i64>,
    pub name: String,
    pub title: Option<String>,
    pub phone: Option<String>,
    pub hotline: Option<String>,
    pub email: Option<String>,
    pub note: Option<String>,
}

pub async fn contacts(c: &mut Conn<'_>) -> Result<Vec<ContactRow>> {
    c.fetch_all(
        "SELECT id, category, org_id, name, title, phone, hotline, email, note, updated_by, updated_at FROM contacts \
         ORDER BY CASE category WHEN 'national' THEN 0 WHEN 'department' THEN 1 WHEN 'response_team' THEN 2 ELSE 3 END, name, id",
        vec![],
    )
    .await
}

/// Creates (`id` None) or replaces a directory entry; false when `id` is unknown.
pub async fn save_contact(
    tx: &mut Tx,
    scope: &Scope,
    id: Option<i64>,
    c: &ContactInput,
) -> Result<Option<i64>> {
    let now = Utc::now();
    let a = args![
        c.category.as_str(),
        c.org_id,
        c.name.as_str(),
        c.title.clone(),
        c.phone.clone(),
        c.hotline.clone(),
        c.email.clone(),
        c.note.clone(),
        scope.actor.to_string(),
        now
    ];
    let id = match id {
        None => {
            let id: One<i64> = tx
                .conn()
                .fetch_one(
                    "INSERT INTO contacts (category, org_id, name, title, phone, hotline, email, note, updated_by, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
                    a,
                )
                .await?;
            id.0
        }
        Some(id) => {
            let mut a = a;
            a.push(id.into());
            let n = tx
                .conn()
                .execute(
                    "UPDATE contacts SET category = $1, org_id = $2, name = $3, title = $4, phone = $5, hotline = $6, email = $7, note = $8, \
                     updated_by = $9, updated_at = $10 WHERE id = $11",
                    a,
                )
                .await?;
            if n == 0 {
                return Ok(None);
            }
            id
        }
    };
    audit::append(
        tx,
        scope,
        Change {
            action: "save",
            entity: "contact",
            entity_id: Some(id),
            org_id: c.org_id,
            before: None,
            after: Some(format!(
                "{{\"category\":{},\"name\":{}}}",
                crate::to_json(&c.category),
                crate::to_json(&c.name)
            )),
        },
    )
    .await?;
    Ok(Some(id))
}

pub async fn delete_contact(tx: &mut Tx, scope: &Scope, id: i64) -> Result<bool> {
    let n = tx
        .conn()
        .execute("DELETE FROM contacts WHERE id = $1", args![id])
        .await?;
    if n > 0 {
        audit::append(
            tx,
            scope,
            Change {
                action: "delete",
                entity: "contact",
                entity_id: Some(id),
                org_id: None,
                before: None,
                after: None,
            },
        )
        .await?;
    }
    Ok(n > 0)
}
