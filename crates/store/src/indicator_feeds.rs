//! Imported indicator feeds and their indicators. Province-wide (like the
//! rule switches): a feed is the coordinator's, its indicators are matched
//! against every organisation's events.
//!
//! One row per feed in `indicator_feeds` (name, format, TLP, default expiry,
//! who imported it and when) and one row per indicator in `feed_indicators`
//! (kind, value, TLP, expiry). Re-importing a name replaces the feed's
//! indicators inside the caller's transaction, audited with the counts before
//! and after.

use crate::audit::{self, Change};
use crate::db::{args, Conn, One, Sql, Tx};
use crate::{to_json, Result, StoreError};
use chrono::{DateTime, Utc};
use domain::Scope;
use serde::Serialize;

/// Indicators per multi-row INSERT (5 parameters each).
const ROWS: usize = 1000;

/// One imported feed, with how many of its indicators are still active.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Feed {
    pub id: i64,
    pub name: String,
    /// `plain`, `stix` or `misp`.
    pub format: String,
    /// The TLP code given at import (`amber`, `amber_strict` …).
    pub tlp: String,
    pub file_name: String,
    pub expires_days: Option<i64>,
    pub default_expires_at: Option<DateTime<Utc>>,
    pub indicators: i64,
    /// Indicators not expired at the time of the query.
    pub active: i64,
    pub imported_by: String,
    pub imported_at: DateTime<Utc>,
}

const FEED_COLUMNS: &str = "f.id, f.name, f.format, f.tlp, f.file_name, f.expires_days, \
     f.default_expires_at, f.indicators, \
     (SELECT COUNT(*) FROM feed_indicators i WHERE i.feed_id = f.id \
      AND (i.expires_at IS NULL OR i.expires_at > $1)) AS active, \
     f.imported_by, f.imported_at";

/// What an import writes about the feed itself.
pub struct NewFeed<'a> {
    pub name: &'a str,
    pub format: &'a str,
    pub tlp: &'a str,
    pub file_name: &'a str,
    pub expires_days: Option<i64>,
    pub default_expires_at: Option<DateTime<Utc>>,
}

/// One indicator to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewIndicator {
    /// `incident::ObservableKind` code.
    pub kind: String,
    /// The value in its normal form.
    pub value: String,
    pub tlp: String,
    pub expires_at: Option<DateTime<Utc>>,
}

/// An active indicator with its feed's name, for the live pipeline.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct FeedIndicator {
    pub feed: String,
    pub kind: String,
    pub value: String,
    pub tlp: String,
    pub expires_at: Option<DateTime<Utc>>,
}

/// The feeds by name.
pub async fn list(c: &mut Conn<'_>, now: DateTime<Utc>) -> Result<Vec<Feed>> {
    c.fetch_all(
        &format!("SELECT {FEED_COLUMNS} FROM indicator_feeds f ORDER BY f.name, f.id"),
        args![now],
    )
    .await
}

pub async fn get(c: &mut Conn<'_>, id: i64, now: DateTime<Utc>) -> Result<Option<Feed>> {
    c.fetch_optional(
        &format!("SELECT {FEED_COLUMNS} FROM indicator_feeds f WHERE f.id = $2"),
        args![now, id],
    )
    .await
}

async fn by_name(tx: &mut Tx, name: &str, now: DateTime<Utc>) -> Result<Option<Feed>> {
    tx.conn()
        .fetch_optional(
            &format!("SELECT {FEED_COLUMNS} FROM indicator_feeds f WHERE f.name = $2"),
            args![now, name],
        )
        .await
}

fn summary(f: &Feed) -> String {
    to_json(&serde_json::json!({
        "name": f.name, "format": f.format, "tlp": f.tlp, "file": f.file_name,
        "indicators": f.indicators, "expires_days": f.expires_days,
    }))
}

/// Writes a feed and its indicators inside `tx`, replacing the indicators
/// of a feed of the same name; audited (`import`, or `replace` with the
/// previous counts). Returns the feed's id and the feed replaced, if any.
pub async fn replace(
    tx: &mut Tx,
    scope: &Scope,
    feed: &NewFeed<'_>,
    indicators: &[NewIndicator],
) -> Result<(i64, Option<Feed>)> {
    let now = Utc::now();
    let actor = scope.actor.to_string();
    let before = by_name(tx, feed.name, now).await?;
    let count = indicators.len() as i64;
    let id = match &before {
        Some(old) => {
            tx.conn()
                .execute(
                    "DELETE FROM feed_indicators WHERE feed_id = $1",
                    args![old.id],
                )
                .await?;
            tx.conn()
                .execute(
                    "UPDATE indicator_feeds SET format = $1, tlp = $2, file_name = $3, expires_days = $4, \
                     default_expires_at = $5, indicators = $6, imported_by = $7, imported_at = $8 WHERE id = $9",
                    args![feed.format, feed.tlp, feed.file_name, feed.expires_days, feed.default_expires_at, count, actor.as_str(), now, old.id],
                )
                .await?;
            old.id
        }
        None => {
            let id: One<i64> = tx
                .conn()
                .fetch_one_raw(
                    "INSERT INTO indicator_feeds (name, format, tlp, file_name, expires_days, default_expires_at, indicators, imported_by, imported_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
                    args![feed.name, feed.format, feed.tlp, feed.file_name, feed.expires_days, feed.default_expires_at, count, actor.as_str(), now],
                )
                .await
                .map_err(|e| StoreError::from_insert(e, || format!("the feed '{}'", feed.name)))?;
            id.0
        }
    };
    for chunk in indicators.chunks(ROWS) {
        let mut q =
            Sql::new("INSERT INTO feed_indicators (feed_id, kind, value, tlp, expires_at) VALUES ");
        for (i, ind) in chunk.iter().enumerate() {
            q.push(
                if i == 0 {
                    "(?,?,?,?,?)"
                } else {
                    ",(?,?,?,?,?)"
                },
                args![
                    id,
                    ind.kind.as_str(),
                    ind.value.as_str(),
                    ind.tlp.as_str(),
                    ind.expires_at
                ],
            );
        }
        tx.conn().execute(&q.text, q.args).await?;
    }
    let after = to_json(&serde_json::json!({
        "name": feed.name, "format": feed.format, "tlp": feed.tlp, "file": feed.file_name,
        "indicators": count, "expires_days": feed.expires_days,
    }));
    audit::append(
        tx,
        scope,
        Change {
            action: if before.is_some() {
                "replace"
            } else {
                "import"
            },
            entity: "indicator_feed",
            entity_id: Some(id),
            org_id: None,
            before: before.as_ref().map(summary),
            after: Some(after),
        },
    )
    .await?;
    Ok((id, before))
}

/// Removes a feed and its indicators, audited; `None` when there is none.
pub async fn delete(tx: &mut Tx, scope: &Scope, id: i64) -> Result<Option<Feed>> {
    let Some(feed) = tx
        .conn()
        .fetch_optional::<Feed>(
            &format!("SELECT {FEED_COLUMNS} FROM indicator_feeds f WHERE f.id = $2"),
            args![Utc::now(), id],
        )
        .await?
    else {
        return Ok(None);
    };
    tx.conn()
        .execute("DELETE FROM feed_indicators WHERE feed_id = $1", args![id])
        .await?;
    tx.conn()
        .execute("DELETE FROM indicator_feeds WHERE id = $1", args![id])
        .await?;
    audit::append(
        tx,
        scope,
        Change {
            action: "delete",
            entity: "indicator_feed",
            entity_id: Some(id),
            org_id: None,
            before: Some(summary(&feed)),
            after: None,
        },
    )
    .await?;
    Ok(Some(feed))
}

/// Every indicator of every feed not expired at `now`, with its feed's name.
pub async fn active(c: &mut Conn<'_>, now: DateTime<Utc>) -> Result<Vec<FeedIndicator>> {
    c.fetch_all(
        "SELECT f.name AS feed, i.kind, i.value, i.tlp, i.expires_at \
         FROM feed_indicators i JOIN indicator_feeds f ON f.id = i.feed_id \
         WHERE i.expires_at IS NULL OR i.expires_at > $1 ORDER BY i.id",
        args![now],
    )
    .await
}
