//! Sigma rules switched on or off per folder or per rule, read by the
//! monitoring pipeline with each batch. Province-wide: not tenant data.

use crate::audit::{self, Change};
use crate::db::{args, Conn, Tx};
use crate::{to_json, Result};
use chrono::{DateTime, Utc};
use domain::Scope;

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, sqlx::FromRow)]
pub struct RuleSwitch {
    /// `folder` or `rule`.
    pub kind: String,
    /// A folder relative to the configured rule folders, or a rule id.
    pub target: String,
    pub enabled: bool,
    pub changed_by: String,
    pub changed_at: DateTime<Utc>,
}

pub async fn list(c: &mut Conn<'_>) -> Result<Vec<RuleSwitch>> {
    c.fetch_all(
        "SELECT kind, target, enabled, changed_by, changed_at FROM rule_switches ORDER BY kind, target",
        vec![],
    )
    .await
}

/// Switches `target` on or off, audited; returns the previous state (None:
/// never switched).
pub async fn set(
    tx: &mut Tx,
    scope: &Scope,
    kind: &str,
    target: &str,
    enabled: bool,
) -> Result<Option<bool>> {
    let before: Option<(bool,)> = tx
        .conn()
        .fetch_optional(
            "SELECT enabled FROM rule_switches WHERE kind = $1 AND target = $2",
            args![kind, target],
        )
        .await?;
    let now = Utc::now();
    let actor = scope.actor.to_string();
    if before.is_some() {
        tx.conn()
            .execute(
                "UPDATE rule_switches SET enabled = $1, changed_by = $2, changed_at = $3 \
                 WHERE kind = $4 AND target = $5",
                args![enabled, actor.as_str(), now, kind, target],
            )
            .await?;
    } else {
        tx.conn()
            .execute(
                "INSERT INTO rule_switches (kind, target, enabled, changed_by, changed_at) \
                 VALUES ($1, $2, $3, $4, $5)",
                args![kind, target, enabled, actor.as_str(), now],
            )
            .await?;
    }
    let state =
        |e: bool| to_json(&serde_json::json!({"kind": kind, "target": target, "enabled": e}));
    audit::append(
        tx,
        scope,
        Change {
            action: if enabled { "enable" } else { "disable" },
            entity: "rule_switch",
            entity_id: None,
            org_id: None,
            before: before.map(|b| state(b.0)),
            after: Some(state(enabled)),
        },
    )
    .await?;
    Ok(before.map(|b| b.0))
}
