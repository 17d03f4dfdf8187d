//! What a matching run (`vuln match`) reads and writes of the findings:
//! the known findings it compares with what it found, the per-asset
//! digests that let it skip assets whose findings are as it would write
//! them, the shared texts (evidence, reasons) and the findings it writes.

use crate::db::{args, Arg, Conn, One, Sql, Tx};
use crate::vulns::MATCHER;
use crate::Result;
use chrono::{DateTime, NaiveDate, Utc};
use domain::FindingStatus;
use std::collections::HashMap;

/// Rows per multi-row statement of the matcher's writes.
const ROWS: usize = 500;

const KNOWN_COLUMNS: &str =
    "id, asset_id, cve, status, evidence_key, accepted_until, detected_at, match_digest";

/// A finding as the matcher compares it with what it finds now.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct KnownFinding {
    pub id: i64,
    pub asset_id: i64,
    pub cve: String,
    pub status: String,
    pub evidence_key: String,
    pub accepted_until: Option<NaiveDate>,
    /// When the finding was first detected: its deadline counts from here.
    pub detected_at: DateTime<Utc>,
    /// The digest of what the matcher last wrote (`Matched::digest`).
    pub match_digest: Option<i64>,
}

/// Up to `limit` findings with an identifier above `after`, in order (a
/// matching run reads millions a page at a time).
pub async fn known_findings_after(
    c: &mut Conn<'_>,
    after: i64,
    limit: i64,
) -> Result<Vec<KnownFinding>> {
    c.fetch_all(
        &format!("SELECT {KNOWN_COLUMNS} FROM findings WHERE id > $1 ORDER BY id LIMIT $2"),
        args![after, limit],
    )
    .await
}

/// The digest of an output of the matcher kept under `name`.
pub async fn match_state(c: &mut Conn<'_>, name: &str) -> Result<Option<i64>> {
    let row: Option<One<i64>> = c
        .fetch_optional(
            "SELECT digest FROM vuln_match_state WHERE name = $1",
            args![name],
        )
        .await?;
    Ok(row.map(|r| r.0))
}

pub async fn set_match_state(tx: &mut Tx, name: &str, digest: i64) -> Result<()> {
    tx.conn()
        .execute(
            "INSERT INTO vuln_match_state (name, digest) VALUES ($1, $2) \
             ON CONFLICT (name) DO UPDATE SET digest = excluded.digest",
            args![name, digest],
        )
        .await?;
    Ok(())
}

/// What the matcher decided about one asset and CVE.
#[derive(Debug, Clone)]
pub struct Matched {
    pub asset_id: i64,
    pub system_id: i64,
    pub cve: String,
    pub priority: String,
    pub deadline: NaiveDate,
    pub deadline_by: String,
    pub evidence: FindingText,
    pub evidence_key: String,
    pub reasons: FindingText,
    /// A digest of the fields above that the matcher writes (kept in
    /// `findings.match_digest`): equal digests, nothing to write.
    pub digest: i64,
}

/// The columns the matcher writes into a finding, new or refreshed, in the
/// order of [`written`].
const WRITTEN: &str = "priority, deadline, deadline_by, evidence, evidence_id, evidence_key, \
                       reasons, reasons_id, system_id, match_digest";

fn written(m: &Matched) -> Vec<Arg> {
    args![
        m.priority.as_str(),
        Some(m.deadline),
        m.deadline_by.as_str(),
        m.evidence.inline(),
        m.evidence.shared(),
        m.evidence_key.as_str(),
        m.reasons.inline(),
        m.reasons.shared(),
        m.system_id,
        m.digest
    ]
}

/// Writes new findings (open) and refreshes the priority, deadline and
/// evidence of known ones; each new finding gets its first event. New
/// findings and their events go in multi-row INSERTs (a first run over a
/// large inventory writes millions).
pub async fn record_matches(
    tx: &mut Tx,
    new: &[Matched],
    refreshed: &[(i64, Matched)],
) -> Result<()> {
    let now = Utc::now();
    let open = FindingStatus::Open.as_str();
    for chunk in new.chunks(ROWS) {
        let mut q = Sql::new(
            &format!("INSERT INTO findings (asset_id, cve, status, detected_at, updated_at, {WRITTEN}) VALUES "),
        );
        for (i, m) in chunk.iter().enumerate() {
            let mut row = args![m.asset_id, m.cve.as_str(), open, now, now];
            row.extend(written(m));
            q.push_row(i == 0, row);
        }
        q.push(" RETURNING id", vec![]);
        let ids: Vec<One<i64>> = tx.conn().fetch_all(&q.text, q.args).await?;
        let mut e = Sql::new(
            "INSERT INTO finding_events (finding_id, at, actor, action, from_status, to_status, note) VALUES ",
        );
        for (i, id) in ids.iter().enumerate() {
            e.push_row(
                i == 0,
                args![
                    id.0,
                    now,
                    MATCHER,
                    "detect",
                    None::<String>,
                    open,
                    None::<String>
                ],
            );
        }
        if !ids.is_empty() {
            tx.conn().execute(&e.text, e.args).await?;
        }
    }
    for (id, m) in refreshed {
        tx.conn()
            .execute(
                "UPDATE findings SET priority = $1, deadline = $2, deadline_by = $3, evidence = $4, evidence_id = $5, \
                 evidence_key = $6, reasons = $7, reasons_id = $8, system_id = $9, match_digest = $10 WHERE id = $11",
                written(m).into_iter().chain(args![*id]).collect(),
            )
            .await?;
    }
    Ok(())
}

/// The known findings of `assets`, in order of identifier.
pub async fn known_findings_of_assets(
    c: &mut Conn<'_>,
    assets: &[i64],
) -> Result<Vec<KnownFinding>> {
    let mut out = Vec::new();
    for chunk in assets.chunks(ROWS) {
        let mut q = Sql::new(&format!(
            "SELECT {KNOWN_COLUMNS} FROM findings WHERE asset_id IN ("
        ));
        for (i, a) in chunk.iter().enumerate() {
            q.push(if i == 0 { "?" } else { ",?" }, args![*a]);
        }
        q.push(") ORDER BY id", vec![]);
        out.extend(c.fetch_all::<KnownFinding>(&q.text, q.args).await?);
    }
    out.sort_by_key(|k| k.id);
    Ok(out)
}

/// The accepted risks whose acceptance ended before `today` (through the
/// partial index of migration 0025).
pub async fn expired_acceptances(c: &mut Conn<'_>, today: NaiveDate) -> Result<Vec<KnownFinding>> {
    c.fetch_all(
        &format!(
            "SELECT {KNOWN_COLUMNS} FROM findings WHERE accepted_until IS NOT NULL \
             AND accepted_until < $1 AND status = $2 ORDER BY id"
        ),
        args![Some(today), FindingStatus::RiskAccepted.as_str()],
    )
    .await
}

/// Per asset, the digest of what the matcher found when it last wrote its
/// findings (`vuln_asset_match`; a change to one of its findings by anyone
/// else removes it).
pub async fn asset_match_digests(c: &mut Conn<'_>) -> Result<HashMap<i64, i64>> {
    let rows: Vec<(i64, i64)> = c
        .fetch_all("SELECT asset_id, digest FROM vuln_asset_match", vec![])
        .await?;
    Ok(rows.into_iter().collect())
}

/// Records the digests of assets whose findings were just brought up to date.
pub async fn set_asset_match_digests(tx: &mut Tx, digests: &[(i64, i64)]) -> Result<()> {
    for chunk in digests.chunks(ROWS) {
        let mut q = Sql::new("INSERT INTO vuln_asset_match (asset_id, digest) VALUES ");
        for (i, (asset, digest)) in chunk.iter().enumerate() {
            q.push_row(i == 0, args![*asset, *digest]);
        }
        q.push(
            " ON CONFLICT (asset_id) DO UPDATE SET digest = excluded.digest",
            vec![],
        );
        tx.conn().execute(&q.text, q.args).await?;
    }
    Ok(())
}

/// A finding's evidence or reasons as written: the id of a shared row of
/// `vuln_texts`, or (when its digest is taken by another text) the text.
#[derive(Debug, Clone)]
pub enum FindingText {
    Shared(i64),
    Inline(String),
}

impl FindingText {
    fn inline(&self) -> &str {
        match self {
            FindingText::Shared(_) => "",
            FindingText::Inline(t) => t,
        }
    }
    fn shared(&self) -> Option<i64> {
        match self {
            FindingText::Shared(id) => Some(*id),
            FindingText::Inline(_) => None,
        }
    }
}

/// Stores each text once by its digest (`vuln_texts`) and returns, per
/// digest, the id of the row that holds that very text. A digest already
/// held by another text is left out: the caller writes that text inline.
pub async fn share_texts(tx: &mut Tx, texts: &[(i64, &str)]) -> Result<HashMap<i64, i64>> {
    let mut ids = HashMap::with_capacity(texts.len());
    let mut seen = std::collections::HashSet::with_capacity(texts.len());
    let distinct: Vec<(i64, &str)> = texts
        .iter()
        .filter(|(d, _)| seen.insert(*d))
        .copied()
        .collect();
    for chunk in distinct.chunks(ROWS) {
        let mut q = Sql::new("INSERT INTO vuln_texts (digest, body) VALUES ");
        for (i, (digest, body)) in chunk.iter().enumerate() {
            q.push_row(i == 0, args![*digest, *body]);
        }
        // An existing row answers only when it holds the same text.
        q.push(
            " ON CONFLICT (digest) DO UPDATE SET digest = excluded.digest \
             WHERE vuln_texts.body = excluded.body RETURNING id, digest",
            vec![],
        );
        let rows: Vec<(i64, i64)> = tx.conn().fetch_all(&q.text, q.args).await?;
        ids.extend(rows.into_iter().map(|(id, digest)| (digest, id)));
    }
    Ok(ids)
}

/// Deletes the shared texts that no finding uses any more (their findings
/// were rewritten with other texts, or deleted with their asset); returns
/// how many. Through the indexes of migration 0026: one look-up per text.
pub async fn delete_unused_texts(tx: &mut Tx) -> Result<u64> {
    tx.conn()
        .execute(
            "DELETE FROM vuln_texts WHERE \
             NOT EXISTS (SELECT 1 FROM findings f WHERE f.evidence_id = vuln_texts.id) \
             AND NOT EXISTS (SELECT 1 FROM findings f WHERE f.reasons_id = vuln_texts.id)",
            vec![],
        )
        .await
}
