//! High-alert periods and the organisations' duty rosters.

use crate::audit::{self, Change};
use crate::db::{args, Conn, One, Sql, Tx};
use crate::Result;
use chrono::{DateTime, Utc};
use domain::Scope;
use serde::Serialize;

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Period {
    pub id: i64,
    pub name: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

pub async fn create_period(
    tx: &mut Tx,
    scope: &Scope,
    name: &str,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    org_ids: &[i64],
) -> Result<i64> {
    let id: One<i64> = tx
        .conn()
        .fetch_one(
            "INSERT INTO alert_periods (name, starts_at, ends_at, created_by, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
            args![name, starts_at, ends_at, scope.actor.to_string(), Utc::now()],
        )
        .await?;
    for org in org_ids {
        tx.conn()
            .execute(
                "INSERT INTO alert_period_orgs (period_id, org_id) VALUES ($1, $2)",
                args![id.0, *org],
            )
            .await?;
    }
    audit::append(
        tx,
        scope,
        Change {
            action: "create",
            entity: "alert_period",
            entity_id: Some(id.0),
            org_id: None,
            before: None,
            after: Some(format!(
                "{{\"name\":{},\"orgs\":{}}}",
                crate::to_json(name),
                crate::to_json(org_ids)
            )),
        },
    )
    .await?;
    Ok(id.0)
}

const PERIOD_COLUMNS: &str = "p.id, p.name, p.starts_at, p.ends_at, p.created_by, p.created_at";

/// Periods the scope takes part in (the province sees all), newest first.
pub async fn periods(c: &mut Conn<'_>, scope: &Scope) -> Result<Vec<Period>> {
    let mut q = Sql::new(&format!(
        "SELECT {PERIOD_COLUMNS} FROM alert_periods p WHERE 1 = 1"
    ));
    if !scope.sees_province() {
        q.push(
            " AND EXISTS (SELECT 1 FROM alert_period_orgs o WHERE o.period_id = p.id AND o.org_id = ?)",
            args![scope.org_id],
        );
    }
    q.push(" ORDER BY p.starts_at DESC, p.id DESC", vec![]);
    c.fetch_all(&q.text, q.args).await
}

pub async fn period(c: &mut Conn<'_>, scope: &Scope, id: i64) -> Result<Option<Period>> {
    Ok(periods(c, scope).await?.into_iter().find(|p| p.id == id))
}

pub async fn period_orgs(c: &mut Conn<'_>, period_id: i64) -> Result<Vec<i64>> {
    let rows: Vec<One<i64>> = c
        .fetch_all(
            "SELECT org_id FROM alert_period_orgs WHERE period_id = $1 ORDER BY org_id",
            args![period_id],
        )
        .await?;
    Ok(rows.into_iter().map(|o| o.0).collect())
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct StoredRoster {
    pub period_id: i64,
    pub org_id: i64,
    /// The roster engine's JSON.
    pub shifts: String,
    pub updated_by: String,
    pub updated_at: DateTime<Utc>,
}

pub async fn roster(c: &mut Conn<'_>, period_id: i64, org_id: i64) -> Result<Option<StoredRoster>> {
    c.fetch_optional(
        "SELECT period_id, org_id, shifts, updated_by, updated_at FROM rosters WHERE period_id = $1 AND org_id = $2",
        args![period_id, org_id],
    )
    .await
}

pub async fn rosters_of(c: &mut Conn<'_>, period_id: i64) -> Result<Vec<StoredRoster>> {
    c.fetch_all(
        "SELECT period_id, org_id, shifts, updated_by, updated_at FROM rosters WHERE period_id = $1 ORDER BY org_id",
        args![period_id],
    )
    .await
}

/// Writes an organisation's roster for a period; `what` says what changed
/// (generated, a swap, …) for the audit record.
pub async fn save_roster(
    tx: &mut Tx,
    scope: &Scope,
    period_id: i64,
    org_id: i64,
    shifts_json: &str,
    what: &str,
) -> Result<()> {
    let before = roster(&mut tx.conn(), period_id, org_id).await?;
    let now = Utc::now();
    let actor = scope.actor.to_string();
    if before.is_some() {
        tx.conn()
            .execute(
                "UPDATE rosters SET shifts = $1, updated_by = $2, updated_at = $3 WHERE period_id = $4 AND org_id = $5",
                args![shifts_json, actor.as_str(), now, period_id, org_id],
            )
            .await?;
    } else {
        tx.conn()
            .execute(
                "INSERT INTO rosters (period_id, org_id, shifts, updated_by, updated_at) VALUES ($1, $2, $3, $4, $5)",
                args![period_id, org_id, shifts_json, actor.as_str(), now],
            )
            .await?;
    }
    audit::append(
        tx,
        scope,
        Change {
            action: what,
            entity: "roster",
            entity_id: Some(period_id),
            org_id: Some(org_id),
            before: before.map(|b| b.shifts),
            after: Some(shifts_json.to_string()),
        },
    )
    .await
}
