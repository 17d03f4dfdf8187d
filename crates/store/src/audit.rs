//! Appending to and reading the hash-chained audit log.
//!
//! The chain is an HMAC-SHA256 under the key in the audit key file (see
//! [`crate::audit_files`]); its head is anchored outside the table by the
//! checkpoint file, moved forward after every committed append and at every
//! verification.

use crate::audit_files::{self, AuditCtx};
use crate::db::{args, Backend, One, Sql, Tx};
use crate::{Page, Result, Store, StoreError};
use chrono::{DateTime, Utc};
use domain::audit::{
    check_anchor, record_hash, truncate_to_micros, verify_links, Anchor, AuditKey, AuditRecord,
    ChainBreak, Checkpoint, GENESIS,
};
use domain::Scope;
use std::sync::Arc;

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
        lock_chain(tx).await?;
        let last: Option<AuditRow> = tx
            .conn()
            .fetch_optional(
                &format!("SELECT {COLUMNS} FROM audit_log ORDER BY id DESC LIMIT 1"),
                vec![],
            )
            .await?;
        let last = last.map(AuditRecord::from);
        if let Some(r) = &last {
            if r.expected_hash(Some(&tx.audit.key())) != r.hash {
                // Another process may have rotated the key since this one
                // started: take the key file's key if the chain's end is
                // written under it.
                match audit_files::read_key(tx.audit.files.key_path()) {
                    Ok(Some(k)) if r.expected_hash(Some(&k)) == r.hash => tx.audit.set_key(k),
                    _ => tracing::error!(
                        record = r.id,
                        "bản ghi cuối của nhật ký kiểm toán không khớp khóa; hãy chạy `canhgac audit verify` / the last audit record does not verify under the key; run `canhgac audit verify`"
                    ),
                }
            }
        }
        let tail = last
            .map(|r| (r.id, r.hash))
            .unwrap_or((0, GENESIS.to_string()));
        tx.audit_extends_checkpoint = extends_checkpoint(tx, tail.0).await?;
        tx.audit_tail = Some(tail);
    }
    tx.audit_appended = true;
    let key = tx.audit.key();
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
                Some(&key),
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

/// Serialises appenders: SQLite's writer lock is already held (`BEGIN
/// IMMEDIATE`); PostgreSQL takes a transaction-scoped advisory lock.
async fn lock_chain(tx: &mut Tx) -> Result<()> {
    if tx.backend() == Backend::Postgres {
        // Serialises appenders across servers; released at commit.
        tx.conn()
            .execute("SELECT pg_advisory_xact_lock(7310002)", vec![])
            .await?;
    }
    Ok(())
}

/// Whether the table, ending at `last_id`, still holds the record the
/// checkpoint names with the hash it names. When it does not, the log was
/// truncated or rewritten behind the application's back: appends go on, but
/// the checkpoint stays where it is so that `audit verify` reports it.
async fn extends_checkpoint(tx: &mut Tx, last_id: i64) -> Result<bool> {
    let cp = match tx.audit.read_checkpoint() {
        Ok(Some(cp)) => cp,
        Ok(None) => return Ok(true),
        Err(e) => {
            tracing::error!("{e}");
            return Ok(true);
        }
    };
    let hash_at: Option<One<String>> = if cp.count <= last_id {
        tx.conn()
            .fetch_optional("SELECT hash FROM audit_log WHERE id = $1", args![cp.count])
            .await?
    } else {
        None
    };
    match check_anchor(
        &cp.anchor(),
        last_id,
        hash_at.as_ref().map(|h| h.0.as_str()),
    ) {
        Ok(()) => Ok(true),
        Err(b) => {
            tracing::error!(
                "{b}; điểm neo không được cập nhật / the checkpoint is not moved forward"
            );
            Ok(false)
        }
    }
}

/// Moves the checkpoint to `head` after a commit (blocking file work off the
/// async threads). A failure is logged: the change itself is committed.
pub(crate) async fn checkpoint_after_commit(ctx: Arc<AuditCtx>, head: Anchor, force: bool) {
    let done = tokio::task::spawn_blocking(move || ctx.write_checkpoint(&head, force)).await;
    match done {
        Ok(Ok(_)) => {}
        Ok(Err(e)) => tracing::error!("writing the audit checkpoint: {e}"),
        Err(e) => tracing::error!("writing the audit checkpoint: {e}"),
    }
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

/// The outcome of walking the whole chain and comparing its head with the
/// anchors kept outside the table.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ChainReport {
    pub records: i64,
    /// The first record whose link is broken, or the anchored record the
    /// table no longer holds as anchored.
    pub broken_at: Option<i64>,
    pub reason: Option<String>,
    /// The table's head, `COUNT:HASH`, to write down or send with the
    /// periodic report (absent when the log is empty or broken).
    pub head: Option<Anchor>,
    /// This database's checkpoint as it was before this verification.
    pub checkpoint: Option<Checkpoint>,
    /// Where the checkpoint file is.
    pub checkpoint_file: String,
    /// The head a person wrote down, when one was given.
    pub expected: Option<Anchor>,
}

impl ChainReport {
    pub fn intact(&self) -> bool {
        self.broken_at.is_none()
    }
}

fn break_reason(b: &ChainBreak) -> (i64, &'static str) {
    match b {
        ChainBreak::Altered { id } => (
            *id,
            "bản ghi đã bị sửa sau khi ghi, hoặc không được ghi bằng khóa này / the record was changed after it was written, or not written under this key",
        ),
        ChainBreak::Unlinked { id } => (
            *id,
            "bản ghi không nối tiếp bản ghi trước (một bản ghi đã bị xóa hoặc đổi chỗ) / the record does not follow the one before it (a record was removed or reordered)",
        ),
    }
}

/// The outcome of walking the table under one key.
struct Walk {
    records: i64,
    last_id: i64,
    last_hash: String,
    broken: Option<ChainBreak>,
    /// Hashes the table holds at the records asked about.
    hashes_at: Vec<(i64, String)>,
}

/// Walks the table in id order, in batches so memory stays flat, noting the
/// hashes at `ids`. With `rechain_to`, also rewrites every link under that
/// key (inside `tx`) as it goes, stopping at the first break.
async fn walk(
    conn: &mut WalkConn<'_>,
    key: Option<&AuditKey>,
    ids: &[i64],
    rechain_to: Option<&AuditKey>,
) -> Result<Walk> {
    let mut prev = GENESIS.to_string();
    let mut new_prev = GENESIS.to_string();
    let mut after = 0i64;
    let mut w = Walk {
        records: 0,
        last_id: 0,
        last_hash: GENESIS.to_string(),
        broken: None,
        hashes_at: Vec::new(),
    };
    loop {
        let q = format!("SELECT {COLUMNS} FROM audit_log WHERE id > $1 ORDER BY id LIMIT 5000");
        let rows: Vec<AuditRow> = match conn {
            WalkConn::Store(s) => s.conn().fetch_all(&q, args![after]).await?,
            WalkConn::Tx(t) => t.conn().fetch_all(&q, args![after]).await?,
        };
        if rows.is_empty() {
            break;
        }
        let batch: Vec<AuditRecord> = rows.into_iter().map(AuditRecord::from).collect();
        after = batch.last().map(|r| r.id).unwrap_or(after);
        for r in &batch {
            if ids.contains(&r.id) {
                w.hashes_at.push((r.id, r.hash.clone()));
            }
        }
        if let Err(b) = verify_links(key, &mut prev, &batch) {
            let (id, _) = break_reason(&b);
            w.records += batch.iter().take_while(|r| r.id < id).count() as i64;
            w.broken = Some(b);
            return Ok(w);
        }
        if let (Some(to), WalkConn::Tx(t)) = (rechain_to, &mut *conn) {
            for r in &batch {
                let h = AuditRecord {
                    prev_hash: new_prev.clone(),
                    ..r.clone()
                }
                .expected_hash(Some(to));
                t.conn()
                    .execute(
                        "UPDATE audit_log SET prev_hash = $1, hash = $2 WHERE id = $3",
                        args![new_prev.clone(), h.clone(), r.id],
                    )
                    .await?;
                new_prev = h;
            }
        }
        w.records += batch.len() as i64;
        let last = batch.last().expect("not empty");
        w.last_id = last.id;
        w.last_hash = if rechain_to.is_some() {
            new_prev.clone()
        } else {
            last.hash.clone()
        };
    }
    Ok(w)
}

enum WalkConn<'a> {
    Store(&'a Store),
    Tx(&'a mut Tx),
}

/// Checks a walked table against an anchor.
fn against(w: &Walk, anchor: &Anchor) -> Result<(), domain::audit::AnchorBreak> {
    let at = w
        .hashes_at
        .iter()
        .find(|(id, _)| *id == anchor.count)
        .map(|(_, h)| h.as_str());
    check_anchor(anchor, w.last_id, at)
}

/// Recomputes every hash under the key, in id order, then compares the head
/// with this database's checkpoint and with `expected` (a head a person wrote
/// down). When all is well, the checkpoint moves forward to the head.
pub async fn verify(store: &Store, expected: Option<&Anchor>) -> Result<ChainReport> {
    // The key file is what counts: another process may have rotated it since
    // this one opened the store.
    if let Some(k) = audit_files::read_key(store.audit.files.key_path())? {
        if k != *store.audit.key() {
            store.audit.set_key(k);
        }
    }
    let checkpoint = store.audit.read_checkpoint()?;
    let ids: Vec<i64> = checkpoint
        .iter()
        .map(|c| c.count)
        .chain(expected.map(|e| e.count))
        .collect();
    let key = store.audit.key();
    let w = walk(&mut WalkConn::Store(store), Some(&key), &ids, None).await?;
    let mut report = ChainReport {
        records: w.records,
        broken_at: None,
        reason: None,
        head: None,
        checkpoint: checkpoint.clone(),
        checkpoint_file: store.audit.files.checkpoint_path().display().to_string(),
        expected: expected.cloned(),
    };
    if let Some(b) = &w.broken {
        let (id, reason) = break_reason(b);
        report.broken_at = Some(id);
        report.reason = Some(reason.into());
        return Ok(report);
    }
    for (anchor, what) in checkpoint
        .as_ref()
        .map(|c| (c.anchor(), "điểm neo / checkpoint"))
        .into_iter()
        .chain(expected.map(|e| (e.clone(), "--expect")))
    {
        if let Err(b) = against(&w, &anchor) {
            report.broken_at = Some(anchor.count);
            report.reason = Some(format!("{b} ({what} {anchor})"));
            return Ok(report);
        }
    }
    if w.last_id > 0 {
        let head = Anchor {
            count: w.last_id,
            hash: w.last_hash.clone(),
        };
        checkpoint_after_commit(store.audit.clone(), head.clone(), false).await;
        report.head = Some(head);
    }
    Ok(report)
}

/// What became of the chain when the key changed.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Rechained {
    /// Records re-chained (the record of the change itself not counted).
    pub records: i64,
    pub head: Anchor,
    /// Where the previous key file was kept, for a rotation.
    pub old_key_file: Option<String>,
}

/// Verifies the whole chain under `from` (and against the checkpoint) inside
/// `tx`, then rewrites every link under `to` and appends `change`, the one
/// record of the re-chaining. Refuses if the chain is broken.
async fn rechain(
    tx: &mut Tx,
    scope: &Scope,
    from: Option<&AuditKey>,
    to: &AuditKey,
    change: impl FnOnce(i64) -> Change<'static>,
) -> Result<(i64, Anchor)> {
    lock_chain(tx).await?;
    let checkpoint = tx.audit.read_checkpoint()?;
    let ids: Vec<i64> = checkpoint.iter().map(|c| c.count).collect();
    // Check first, rewrite second: a break found halfway would otherwise
    // leave half the table rewritten inside the transaction (rolled back,
    // but wasted work).
    let w = walk(&mut WalkConn::Tx(tx), from, &ids, None).await?;
    if let Some(b) = &w.broken {
        let (id, reason) = break_reason(b);
        return Err(StoreError::Audit(format!(
            "chuỗi nhật ký hỏng tại bản ghi #{id}, không thể chuyển khóa / the chain is broken at record #{id}, refusing to re-chain it: {reason}"
        )));
    }
    if let Some(cp) = &checkpoint {
        if let Err(b) = against(&w, &cp.anchor()) {
            return Err(StoreError::Audit(format!(
                "{b}; không thể chuyển khóa / refusing to re-chain it"
            )));
        }
    }
    let w = walk(&mut WalkConn::Tx(tx), from, &[], Some(to)).await?;
    tx.audit.set_key(to.clone());
    tx.audit_tail = Some((w.last_id, w.last_hash.clone()));
    tx.audit_extends_checkpoint = true;
    append_many(tx, scope, vec![change(w.records)]).await?;
    let (count, hash) = tx.audit_tail.clone().expect("appended");
    // The checkpoint is forced after commit, not moved forward as usual.
    tx.audit_appended = false;
    Ok((w.records, Anchor { count, hash }))
}

/// At every start: loads the key, finishing a re-chaining a crash
/// interrupted; at the first start with no key, creates it, and if the table
/// already holds records (a chain of plain SHA-256 written before keys
/// existed), verifies that chain, refusing to start if it is broken, and
/// re-chains it under the new key in one transaction, recorded as one
/// `rechain` record.
pub(crate) async fn open_chain(store: &Store) -> Result<()> {
    let files = store.audit.files.clone();
    let current = audit_files::read_key(files.key_path())?;
    let pending = audit_files::read_key(&files.pending_key_path())?;
    if let Some(p) = pending {
        // A re-chaining was under way: the table says which key won.
        let tail: Option<AuditRow> = store
            .conn()
            .fetch_optional(
                &format!("SELECT {COLUMNS} FROM audit_log ORDER BY id DESC LIMIT 1"),
                vec![],
            )
            .await?;
        let under_pending = tail
            .map(AuditRecord::from)
            .map(|r| r.expected_hash(Some(&p)) == r.hash)
            .unwrap_or(current.is_none());
        if under_pending {
            audit_files::promote_pending_key(&files)?;
            store.audit.set_key(p);
            return Ok(());
        }
        let _ = std::fs::remove_file(files.pending_key_path());
    }
    if let Some(k) = current {
        store.audit.set_key(k);
        return Ok(());
    }
    let mut tx = store.begin().await?;
    lock_chain(&mut tx).await?;
    // Another process may have made the key while this one waited.
    if let Some(k) = audit_files::read_key(files.key_path())? {
        store.audit.set_key(k);
        return Ok(());
    }
    let n: One<i64> = tx
        .conn()
        .fetch_one("SELECT count(*) FROM audit_log", vec![])
        .await?;
    let key = audit_files::generate_key();
    if n.0 == 0 {
        drop(tx);
        let k = audit_files::publish_key(files.key_path(), &key)?;
        store.audit.set_key(k);
        return Ok(());
    }
    audit_files::write_pending_key(&files, &key)?;
    let scope = Scope::system(0);
    let done = rechain(&mut tx, &scope, None, &key, |records| Change {
        action: "rechain",
        entity: "audit_log",
        entity_id: None,
        org_id: None,
        before: Some(r#"{"scheme":"sha256"}"#.into()),
        after: Some(format!(
            r#"{{"scheme":"hmac-sha256","records":{records},"key":"{}"}}"#,
            key.fingerprint()
        )),
    })
    .await;
    let (records, head) = match done {
        Ok(d) => d,
        Err(e) => {
            let _ = std::fs::remove_file(files.pending_key_path());
            return Err(StoreError::Audit(format!(
                "cannot key the existing audit log ({e}); canhgac will not start on a broken log: restore the database from a backup or investigate"
            )));
        }
    };
    tx.commit().await?;
    audit_files::promote_pending_key(&files)?;
    checkpoint_after_commit(store.audit.clone(), head, true).await;
    tracing::info!(
        records,
        "nhật ký kiểm toán đã được nối lại bằng khóa mới / the audit log was re-chained under the new key"
    );
    Ok(())
}

/// Verifies the chain under the current key, then re-chains it under a new
/// key in one transaction, recorded as one `rotate_key` record; the old key
/// file is kept as `audit.key.<date>`.
pub async fn rotate_key(store: &Store, scope: &Scope) -> Result<Rechained> {
    let files = store.audit.files.clone();
    let old = store.audit.key();
    let new = audit_files::generate_key();
    let mut tx = store.begin().await?;
    audit_files::write_pending_key(&files, &new)?;
    let done = rechain(&mut tx, scope, Some(&old), &new, |records| Change {
        action: "rotate_key",
        entity: "audit_log",
        entity_id: None,
        org_id: None,
        before: Some(format!(r#"{{"key":"{}"}}"#, old.fingerprint())),
        after: Some(format!(
            r#"{{"key":"{}","records":{records}}}"#,
            new.fingerprint()
        )),
    })
    .await;
    let (records, head) = match done {
        Ok(d) => d,
        Err(e) => {
            store.audit.set_key((*old).clone());
            let _ = std::fs::remove_file(files.pending_key_path());
            return Err(e);
        }
    };
    if let Err(e) = tx.commit().await {
        store.audit.set_key((*old).clone());
        let _ = std::fs::remove_file(files.pending_key_path());
        return Err(e);
    }
    let kept = audit_files::promote_pending_key(&files)?;
    checkpoint_after_commit(store.audit.clone(), head.clone(), true).await;
    Ok(Rechained {
        records,
        head,
        old_key_file: kept.map(|p| p.display().to_string()),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::AuditFiles;

    async fn write(store: &Store, n: usize) {
        let mut tx = store.begin().await.unwrap();
        let changes = (0..n)
            .map(|i| Change {
                action: "create",
                entity: "org",
                entity_id: Some(i as i64),
                org_id: None,
                before: None,
                after: Some(format!("{{\"n\":{i}}}")),
            })
            .collect();
        append_many(&mut tx, &Scope::system(1), changes)
            .await
            .unwrap();
        tx.commit().await.unwrap();
    }

    async fn sql(store: &Store, q: &str) {
        store.conn().execute(q, vec![]).await.unwrap();
    }

    /// Recomputes every hash from `from_id` on with plain SHA-256, as someone
    /// without the key would after an edit.
    async fn rehash_plain(store: &Store) {
        let rows: Vec<AuditRow> = store
            .conn()
            .fetch_all(
                &format!("SELECT {COLUMNS} FROM audit_log ORDER BY id"),
                vec![],
            )
            .await
            .unwrap();
        let mut prev = GENESIS.to_string();
        for r in rows.into_iter().map(AuditRecord::from) {
            let h = AuditRecord {
                prev_hash: prev.clone(),
                ..r.clone()
            }
            .expected_hash(None);
            store
                .conn()
                .execute(
                    "UPDATE audit_log SET prev_hash = $1, hash = $2 WHERE id = $3",
                    args![prev.clone(), h.clone(), r.id],
                )
                .await
                .unwrap();
            prev = h;
        }
    }

    #[tokio::test]
    async fn a_normal_life_verifies_and_anchors_the_head() {
        let dir = tempfile::tempdir().unwrap();
        let a = Store::open_sqlite_dir(dir.path()).await.unwrap();
        // A second process on the same database and key.
        let b = Store::open_sqlite_dir(dir.path()).await.unwrap();
        for i in 0..20 {
            write(if i % 2 == 0 { &a } else { &b }, 1 + i % 3).await;
        }
        write(&a, 1200).await;
        let r = verify(&b, None).await.unwrap();
        assert!(r.intact(), "{r:?}");
        assert_eq!(r.records, 1239);
        let head = r.head.unwrap();
        assert_eq!(head.count, 1239);
        assert_eq!(a.audit.read_checkpoint().unwrap().unwrap().anchor(), head);
        let mode = std::fs::metadata(dir.path().join("audit.key"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        // A head written down earlier still matches.
        let earlier: Anchor = format!("{}:{}", head.count, &head.hash[..16])
            .parse()
            .unwrap();
        write(&a, 2).await;
        assert!(verify(&a, Some(&earlier)).await.unwrap().intact());
        let wrong: Anchor = format!("{}:{}", head.count, "0".repeat(64))
            .parse()
            .unwrap();
        assert!(!verify(&a, Some(&wrong)).await.unwrap().intact());
    }
    use std::os::unix::fs::PermissionsExt;

    #[tokio::test]
    async fn removing_the_last_records_is_noticed() {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open_sqlite_dir(dir.path()).await.unwrap();
        write(&s, 5).await;
        sql(&s, "DELETE FROM audit_log WHERE id = 5").await;
        let r = verify(&s, None).await.unwrap();
        assert_eq!(r.broken_at, Some(5), "{r:?}");
        assert!(r.reason.unwrap().contains("truncated"));
        // Verifying did not move the checkpoint back.
        assert_eq!(s.audit.read_checkpoint().unwrap().unwrap().count, 5);
    }

    #[tokio::test]
    async fn a_chain_rewritten_without_the_key_is_noticed() {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open_sqlite_dir(dir.path()).await.unwrap();
        write(&s, 5).await;
        sql(
            &s,
            "UPDATE audit_log SET after_json = '{\"n\":99}' WHERE id = 2",
        )
        .await;
        rehash_plain(&s).await;
        let r = verify(&s, None).await.unwrap();
        assert_eq!(r.broken_at, Some(1), "{r:?}");
    }

    #[tokio::test]
    async fn truncating_then_appending_again_is_noticed() {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open_sqlite_dir(dir.path()).await.unwrap();
        write(&s, 5).await;
        sql(&s, "DELETE FROM audit_log WHERE id > 3").await;
        // The application writes on, with the right key.
        write(&s, 4).await;
        let r = verify(&s, None).await.unwrap();
        assert_eq!(r.broken_at, Some(5), "{r:?}");
        assert!(r.reason.unwrap().contains("rewritten"));
        assert_eq!(s.audit.read_checkpoint().unwrap().unwrap().count, 5);
    }

    #[tokio::test]
    async fn rotating_the_key_keeps_the_chain_verifiable() {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open_sqlite_dir(dir.path()).await.unwrap();
        let other = Store::open_sqlite_dir(dir.path()).await.unwrap();
        write(&s, 7).await;
        let old = std::fs::read_to_string(dir.path().join("audit.key")).unwrap();
        let done = rotate_key(&s, &Scope::system(1)).await.unwrap();
        assert_eq!(done.records, 7);
        assert_eq!(done.head.count, 8);
        let kept = done.old_key_file.unwrap();
        assert_eq!(std::fs::read_to_string(&kept).unwrap(), old);
        assert_ne!(
            std::fs::read_to_string(dir.path().join("audit.key")).unwrap(),
            old
        );
        // The other process still holds the old key: it verifies and writes
        // under the new one.
        assert!(verify(&other, None).await.unwrap().intact());
        write(&other, 2).await;
        let r = verify(&s, None).await.unwrap();
        assert!(r.intact(), "{r:?}");
        assert_eq!(r.records, 10);
        // A fresh start reads the new key.
        let again = Store::open_sqlite_dir(dir.path()).await.unwrap();
        assert!(verify(&again, None).await.unwrap().intact());
    }

    #[tokio::test]
    async fn a_plain_chain_is_keyed_at_first_start_and_a_broken_one_refused() {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open_sqlite_dir(dir.path()).await.unwrap();
        write(&s, 6).await;
        // As a database from before keys: plain SHA-256, no key, no checkpoint.
        rehash_plain(&s).await;
        s.close().await;
        std::fs::remove_file(dir.path().join("audit.key")).unwrap();
        std::fs::remove_file(dir.path().join("audit.checkpoint")).unwrap();
        let s = Store::open_sqlite_dir(dir.path()).await.unwrap();
        let r = verify(&s, None).await.unwrap();
        assert!(r.intact(), "{r:?}");
        assert_eq!(r.records, 7);
        let last: One<String> = s
            .conn()
            .fetch_one("SELECT action FROM audit_log WHERE id = 7", vec![])
            .await
            .unwrap();
        assert_eq!(last.0, "rechain");
        assert_eq!(s.audit.read_checkpoint().unwrap().unwrap().count, 7);
        s.close().await;

        // A plain chain that is broken: the store refuses to open.
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open_sqlite_dir(dir.path()).await.unwrap();
        write(&s, 3).await;
        rehash_plain(&s).await;
        sql(&s, "UPDATE audit_log SET actor = 'x' WHERE id = 2").await;
        s.close().await;
        std::fs::remove_file(dir.path().join("audit.key")).unwrap();
        std::fs::remove_file(dir.path().join("audit.checkpoint")).unwrap();
        let e = Store::open_sqlite_dir(dir.path()).await.err().unwrap();
        assert!(e.to_string().contains("#2"), "{e}");
        assert!(!dir.path().join("audit.key").exists());
    }

    #[tokio::test]
    async fn a_key_file_named_elsewhere_is_used() {
        let dir = tempfile::tempdir().unwrap();
        let keys = tempfile::tempdir().unwrap();
        let files = AuditFiles::key_file(keys.path().join("k"));
        let s = Store::open_sqlite_dir_with(dir.path(), files.clone())
            .await
            .unwrap();
        write(&s, 2).await;
        assert!(keys.path().join("k").exists());
        assert!(keys.path().join("audit.checkpoint").exists());
        assert!(!dir.path().join("audit.key").exists());
        s.close().await;
        // The same database under another key does not verify.
        let wrong = Store::open_sqlite_dir(dir.path()).await;
        assert!(wrong.is_err() || !verify(&wrong.unwrap(), None).await.unwrap().intact());
    }
}
