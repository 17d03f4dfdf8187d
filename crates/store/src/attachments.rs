//! Files attached to directives and to an organisation's report on a task.
//! Reads are the caller's to scope: the use case checks the record first.

use crate::audit::{self, Change};
use crate::db::{args, Conn, One, Tx};
use crate::Result;
use chrono::{DateTime, Utc};
use domain::Scope;
use serde::Serialize;

/// What a file is attached to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttachedTo {
    /// The directive's own document (`ref_id`: the directive).
    Directive,
    /// An organisation's evidence for a task (`ref_id`: the task).
    TaskEvidence,
}

impl AttachedTo {
    fn code(self) -> &'static str {
        match self {
            AttachedTo::Directive => "directive",
            AttachedTo::TaskEvidence => "task_evidence",
        }
    }
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Attachment {
    pub id: i64,
    pub ref_id: i64,
    pub org_id: Option<i64>,
    pub file_name: String,
    pub size: i64,
    pub sha256: String,
    pub added_by: String,
    pub added_at: DateTime<Utc>,
}

const COLUMNS: &str = "id, ref_id, org_id, file_name, size, sha256, added_by, added_at";

pub struct NewAttachment<'a> {
    pub to: AttachedTo,
    pub ref_id: i64,
    pub org_id: Option<i64>,
    pub file_name: &'a str,
    pub sha256: &'a str,
    pub content: Vec<u8>,
}

pub async fn add(tx: &mut Tx, scope: &Scope, a: NewAttachment<'_>) -> Result<i64> {
    let size = a.content.len() as i64;
    let id: One<i64> = tx
        .conn()
        .fetch_one(
            "INSERT INTO attachments (kind, ref_id, org_id, file_name, size, sha256, content, added_by, added_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
            args![
                a.to.code(),
                a.ref_id,
                a.org_id,
                a.file_name,
                size,
                a.sha256,
                a.content,
                scope.actor.to_string(),
                Utc::now()
            ],
        )
        .await?;
    audit::append(
        tx,
        scope,
        Change {
            action: "attach",
            entity: a.to.code(),
            entity_id: Some(a.ref_id),
            org_id: a.org_id,
            before: None,
            after: Some(format!(
                "{{\"attachment\":{},\"file_name\":{},\"size\":{size},\"sha256\":{}}}",
                id.0,
                crate::to_json(a.file_name),
                crate::to_json(a.sha256)
            )),
        },
    )
    .await?;
    Ok(id.0)
}

/// The files attached to these records, oldest first; `org_id` keeps one
/// organisation's.
pub async fn list(
    c: &mut Conn<'_>,
    to: AttachedTo,
    ref_ids: &[i64],
    org_id: Option<i64>,
) -> Result<Vec<Attachment>> {
    let mut q = crate::db::Sql::new(&format!(
        "SELECT {COLUMNS} FROM attachments WHERE kind = $1"
    ));
    q.args.push(to.code().into());
    q.push(" AND ref_id IN (-1", vec![]);
    for r in ref_ids {
        q.push(",?", args![*r]);
    }
    q.push(")", vec![]);
    if let Some(o) = org_id {
        q.push(" AND org_id = ?", args![o]);
    }
    q.push(" ORDER BY id", vec![]);
    c.fetch_all(&q.text, q.args).await
}

#[derive(sqlx::FromRow)]
struct Content(Vec<u8>);

/// One file with its bytes.
pub async fn get(
    c: &mut Conn<'_>,
    to: AttachedTo,
    id: i64,
) -> Result<Option<(Attachment, Vec<u8>)>> {
    let row: Option<Attachment> = c
        .fetch_optional(
            &format!("SELECT {COLUMNS} FROM attachments WHERE kind = $1 AND id = $2"),
            args![to.code(), id],
        )
        .await?;
    let Some(row) = row else { return Ok(None) };
    let content: Content = c
        .fetch_one("SELECT content FROM attachments WHERE id = $1", args![id])
        .await?;
    Ok(Some((row, content.0)))
}
