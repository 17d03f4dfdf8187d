//! Appending to and reading the hash-chained audit log.

use crate::db::{args, Backend, One, Sql, Tx};
use crate::{Page, Result, Store};
use chrono::{DateTime, Utc};
use domain::audit::{
    record_hash, truncate_to_micros, verify_links, AuditRecord, ChainBreak, GENESIS,
};
use domain::Scope;

/// One change to record. `before`/`after` are the entity as JSON.
pub struct Change<'a> {
    pub action: &'a str,
    pub entity: &'a str,
    pub entity_id: Option<i64>,
    pub org_id: Option<i64>,
    pub before: Option<String>,
    pub after: Option<String>,
}

/// Appends `change` to the chain inside `tx`.
pub async fn append(tx: &mut Tx, scope: &Scope, change: Change<'_>) -> Result<()> {
    append_many(tx, scope, vec![change]).await
}

/// Rows per multi-row INSERT: few round trips, well under both databases'
/// limits on bound parameters.
pub(crate) const BATCH: usize = 500;

/// Appends `changes` in order, with as few statements as the batch size allows.
pub async fn append_many(tx: &mut Tx, scope: &Scope, changes: Vec<Change<'_>>) -> Result<()> {
    if tx.audit_tail.is_none() {
        if tx.backend() == Backend::Postgres {
            // Serialises appenders across servers; released at commit.
            tx.conn()
                .execute("SELECT pg_advisory_xact_lock(7310002)", vec![])
                .await?;
        }
        let last: Option<(i64, String)> = tx
            .conn()
            .fetch_optional::<(i64, String)>(
                "SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1",
                vec![],
            )
            .await?;
        tx.audit_tail = Some(last.unwrap_or((0, GENESIS.to_string())));
    }
    let (mut last_id, mut prev_hash) = tx.audit_tail.clone().expect("set above");
    let at = truncate_to_micros(Utc::now());
    let actor = scope.actor.to_string();
    let mut changes = changes.into_iter().peekable();
    while changes.peek().is_some() {
        let mut q = Sql::new(
            "INSERT INTO audit_log (id, at, actor, org_id, action, entity, entity_id, before_json, after_json, prev_hash, hash) VALUES ",
        );
        for (i, change) in changes.by_ref().take(BATCH).enumerate() {
            let id = last_id + 1;
            let hash = record_hash(
                &prev_hash,
                id,
                at,
                &actor,
                change.org_id,
                change.action,
                change.entity,
                change.entity_id,
                change.before.as_deref(),
                change.after.as_deref(),
            );
            q.push(
                if i == 0 {
                    "(?,?,?,?,?,?,?,?,?,?,?)"
                } else {
                    ",(?,?,?,?,?,?,?,?,?,?,?)"
                },
                args![
                    id,
                    at,
                    actor.as_str(),
                    change.org_id,
                    change.action,
                    change.entity,
                    change.entity_id,
                    change.before,
                    change.after,
                    prev_hash.clone(),
                    hash.clone()
                ],
            );
            last_id = id;
            prev_hash = hash;
        }
        tx.conn().execute(&q.text, q.args).await?;
    }
    tx.audit_tail = Some((last_id, prev_hash));
    Ok(())
}

#[derive(sqlx::FromRow)]
struct AuditRow {
    id: i64,
    at: DateTime<Utc>,
    actor: String,
    org_id: Option<i64>,
    action: String,
    entity: String,
    entity_id: Option<i64>,
    before_json: Option<String>,
    after_json: Option<String>,
    prev_hash: String,
    hash: String,
}

impl From<AuditRow> for AuditRecord {
    fn from(r: AuditRow) -> Self {
        AuditRecord {
            id: r.id,
            at: r.at,
            actor: r.actor,
            org_id: r.org_id,
            action: r.action,
            entity: r.entity,
            entity_id: r.entity_id,
            before: r.before_json,
            after: r.after_json,
            prev_hash: r.prev_hash,
            hash: r.hash,
        }
    }
}

const COLUMNS: &str =
    "id, at, actor, org_id, action, entity, entity_id, before_json, after_json, prev_hash, hash";

/// Filters for reading the log.
#[derive(Debug, Default, Clone)]
pub struct AuditFilter {
    pub entity: Option<String>,
    pub entity_id: Option<i64>,
    pub actor: Option<String>,
    pub action: Option<String>,
    /// Newest first: show records with id below this.
    pub before_id: Option<i64>,
    pub limit: i64,
}

/// The log, newest first. Province-wide readers see everything; others see
/// the records about their own organisation.
pub async fn list(store: &Store, scope: &Scope, f: &AuditFilter) -> Result<Page<AuditRecord>> {
    let mut q = Sql::new(&format!("SELECT {COLUMNS} FROM audit_log WHERE 1=1"));
    if !scope.sees_province() {
        q.push(" AND org_id = ?", args![scope.org_id]);
    }
    if let Some(e) = &f.entity {
        q.push(" AND entity = ?", args![e.as_str()]);
    }
    if let Some(id) = f.entity_id {
        q.push(" AND entity_id = ?", args![id]);
    }
    if let Some(a) = &f.actor {
        q.push(" AND actor = ?", args![a.as_str()]);
    }
    if let Some(a) = &f.action {
        q.push(" AND action = ?", args![a.as_str()]);
    }
    if let Some(b) = f.before_id {
        q.push(" AND id < ?", args![b]);
    }
    let limit = f.limit.clamp(1, 1000);
    q.push(" ORDER BY id DESC LIMIT ?", args![limit + 1]);
    let rows: Vec<AuditRow> = store.conn().fetch_all(&q.text, q.args).await?;
    Ok(Page::from_rows(
        rows.into_iter().map(AuditRecord::from).collect(),
        limit,
        |r| r.id,
    ))
}

/// The outcome of walking the whole chain.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ChainReport {
    pub records: i64,
    /// The first record whose link is broken, and how.
    pub broken_at: Option<i64>,
    pub reason: Option<String>,
}

/// Recomputes every hash in id order, in batches so memory stays flat.
pub async fn verify(store: &Store) -> Result<ChainReport> {
    let mut prev = GENESIS.to_string();
    let mut after = 0i64;
    let mut count = 0i64;
    loop {
        let rows: Vec<AuditRow> = store
            .conn()
            .fetch_all(
                &format!("SELECT {COLUMNS} FROM audit_log WHERE id > $1 ORDER BY id LIMIT 5000"),
                args![after],
            )
            .await?;
        if rows.is_empty() {
            break;
        }
        let batch: Vec<AuditRecord> = rows.into_iter().map(AuditRecord::from).collect();
        after = batch.last().map(|r| r.id).unwrap_or(after);
        if let Err(b) = verify_links(&mut prev, &batch) {
            let (id, reason) = match b {
                ChainBreak::Altered { id } => (id, "the record was changed after it was written"),
                ChainBreak::Unlinked { id } => {
                    (id, "the record does not follow the one before it (a record was removed or reordered)")
                }
            };
            let upto = batch.iter().take_while(|r| r.id < id).count() as i64;
            return Ok(ChainReport {
                records: count + upto,
                broken_at: Some(id),
                reason: Some(reason.into()),
            });
        }
        count += batch.len() as i64;
    }
    Ok(ChainReport {
        records: count,
        broken_at: None,
        reason: None,
    })
}

/// How many records the log holds.
pub async fn count(store: &Store) -> Result<i64> {
    let n: One<i64> = store
        .conn()
        .fetch_one("SELECT count(*) FROM audit_log", vec![])
        .await?;
    Ok(n.0)
}
