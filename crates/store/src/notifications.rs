//! The outgoing message queue. Messages are written in the transaction of the
//! change that causes them and delivered later by a worker, so a mail server
//! that is down never loses or blocks a change.

use crate::db::{args, Conn, Sql, Tx};
use crate::{Page, Result};
use chrono::{DateTime, Utc};
use domain::{DeliveryStatus, Scope};
use serde::Serialize;

pub struct NewNotification {
    pub channel: domain::Channel,
    pub recipient: String,
    pub org_id: Option<i64>,
    /// What caused it, e.g. `botnet_list`, with `ref_id` the list.
    pub topic: &'static str,
    pub ref_id: Option<i64>,
    pub subject: String,
    pub body: String,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Notification {
    pub id: i64,
    pub channel: String,
    pub recipient: String,
    pub org_id: Option<i64>,
    pub topic: String,
    pub ref_id: Option<i64>,
    pub subject: String,
    pub body: String,
    pub status: String,
    pub attempts: i64,
    pub next_attempt_at: DateTime<Utc>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
}

const COLUMNS: &str = "id, channel, recipient, org_id, topic, ref_id, subject, body, status, attempts, next_attempt_at, last_error, created_at, sent_at";

pub async fn enqueue(tx: &mut Tx, items: &[NewNotification]) -> Result<()> {
    let now = Utc::now();
    for chunk in items.chunks(crate::audit::BATCH) {
        let mut q = Sql::new("INSERT INTO notifications (channel, recipient, org_id, topic, ref_id, subject, body, status, attempts, next_attempt_at, created_at) VALUES ");
        for (i, n) in chunk.iter().enumerate() {
            q.push(
                if i == 0 {
                    "(?,?,?,?,?,?,?,?,0,?,?)"
                } else {
                    ",(?,?,?,?,?,?,?,?,0,?,?)"
                },
                args![
                    n.channel.as_str(),
                    n.recipient.as_str(),
                    n.org_id,
                    n.topic,
                    n.ref_id,
                    n.subject.as_str(),
                    n.body.as_str(),
                    DeliveryStatus::Pending.as_str(),
                    now,
                    now
                ],
            );
        }
        tx.conn().execute(&q.text, q.args).await?;
    }
    Ok(())
}

/// Pending messages whose time has come, oldest first.
/// Whether a message on this topic and record was ever queued (reminders
/// that must go out once).
pub async fn queued_before(c: &mut Conn<'_>, topic: &str, ref_id: i64) -> Result<bool> {
    let n: crate::db::One<i64> = c
        .fetch_one(
            "SELECT COUNT(*) FROM notifications WHERE topic = $1 AND ref_id = $2",
            crate::db::args![topic, ref_id],
        )
        .await?;
    Ok(n.0 > 0)
}

pub async fn due(c: &mut Conn<'_>, now: DateTime<Utc>, limit: i64) -> Result<Vec<Notification>> {
    c.fetch_all(
        &format!("SELECT {COLUMNS} FROM notifications WHERE status = $1 AND next_attempt_at <= $2 ORDER BY next_attempt_at, id LIMIT $3"),
        args![DeliveryStatus::Pending.as_str(), now, limit],
    )
    .await
}

/// Takes a due message for delivery by pushing its next attempt `lease`
/// ahead; false when another worker took it first.
pub async fn claim(tx: &mut Tx, n: &Notification, lease_until: DateTime<Utc>) -> Result<bool> {
    let changed = tx
        .conn()
        .execute(
            "UPDATE notifications SET next_attempt_at = $1 WHERE id = $2 AND status = $3 AND next_attempt_at = $4",
            args![lease_until, n.id, DeliveryStatus::Pending.as_str(), n.next_attempt_at],
        )
        .await?;
    Ok(changed == 1)
}

/// What one delivery attempt came to.
pub enum Outcome {
    Sent,
    RetryAt(DateTime<Utc>, String),
    GaveUp(String),
}

/// Records an attempt; the status change follows [`DeliveryStatus::TRANSITIONS`].
pub async fn record_attempt(tx: &mut Tx, id: i64, outcome: &Outcome) -> Result<()> {
    let now = Utc::now();
    let (status, next, error, sent_at) = match outcome {
        Outcome::Sent => (DeliveryStatus::Sent, now, None, Some(now)),
        Outcome::RetryAt(at, e) => (DeliveryStatus::Pending, *at, Some(e.clone()), None),
        Outcome::GaveUp(e) => (DeliveryStatus::Failed, now, Some(e.clone()), None),
    };
    debug_assert!(DeliveryStatus::Pending.may_become(status));
    tx.conn()
        .execute(
            "UPDATE notifications SET status = $1, attempts = attempts + 1, next_attempt_at = $2, last_error = $3, sent_at = $4 WHERE id = $5 AND status = $6",
            args![status.as_str(), next, error, sent_at, id, DeliveryStatus::Pending.as_str()],
        )
        .await?;
    Ok(())
}

/// Sends a failed message again at the next run of the worker.
pub async fn retry_failed(tx: &mut Tx, id: i64) -> Result<bool> {
    debug_assert!(DeliveryStatus::Failed.may_become(DeliveryStatus::Pending));
    let n = tx
        .conn()
        .execute(
            "UPDATE notifications SET status = $1, next_attempt_at = $2 WHERE id = $3 AND status = $4",
            args![DeliveryStatus::Pending.as_str(), Utc::now(), id, DeliveryStatus::Failed.as_str()],
        )
        .await?;
    Ok(n == 1)
}

#[derive(Debug, Clone, Default)]
pub struct NotificationFilter {
    pub status: Option<DeliveryStatus>,
    pub topic: Option<String>,
    pub ref_id: Option<i64>,
    pub before_id: Option<i64>,
    pub limit: i64,
}

/// Newest first; an organisation sees the messages addressed to it.
pub async fn list(
    c: &mut Conn<'_>,
    scope: &Scope,
    f: &NotificationFilter,
) -> Result<Page<Notification>> {
    let mut q = Sql::new(&format!("SELECT {COLUMNS} FROM notifications WHERE 1 = 1"));
    if !scope.sees_province() {
        q.push(" AND org_id = ?", args![scope.org_id]);
    }
    if let Some(s) = f.status {
        q.push(" AND status = ?", args![s.as_str()]);
    }
    if let Some(t) = &f.topic {
        q.push(" AND topic = ?", args![t.as_str()]);
    }
    if let Some(r) = f.ref_id {
        q.push(" AND ref_id = ?", args![r]);
    }
    if let Some(b) = f.before_id {
        q.push(" AND id < ?", args![b]);
    }
    let limit = f.limit.clamp(1, 500);
    q.push(" ORDER BY id DESC LIMIT ?", args![limit + 1]);
    let rows = c.fetch_all(&q.text, q.args).await?;
    Ok(Page::from_rows(rows, limit, |n: &Notification| n.id))
}
