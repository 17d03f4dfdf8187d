//! Installation settings: one JSON document per key (table `settings`),
//! replaced whole and audited with its before and after.

use crate::audit::{self, Change};
use crate::db::{args, Conn, Tx};
use crate::Result;
use chrono::{DateTime, Utc};
use domain::{NationalBodies, Scope};

const NATIONAL_BODIES: &str = "national_bodies";

#[derive(Debug, Clone, sqlx::FromRow)]
struct SettingRow {
    value: String,
    #[allow(dead_code)]
    updated_by: String,
    #[allow(dead_code)]
    updated_at: DateTime<Utc>,
}

/// The installation's national bodies; `None` if the row was deleted by hand.
pub async fn national_bodies(c: &mut Conn<'_>) -> Result<Option<NationalBodies>> {
    let row: Option<SettingRow> = c
        .fetch_optional(
            "SELECT value, updated_by, updated_at FROM settings WHERE key = $1",
            args![NATIONAL_BODIES],
        )
        .await?;
    row.map(|r| crate::from_json("settings", 0, &r.value))
        .transpose()
}

/// Replaces the national bodies (already checked), audited.
pub async fn set_national_bodies(tx: &mut Tx, scope: &Scope, v: &NationalBodies) -> Result<()> {
    let before: Option<SettingRow> = tx
        .conn()
        .fetch_optional(
            "SELECT value, updated_by, updated_at FROM settings WHERE key = $1",
            args![NATIONAL_BODIES],
        )
        .await?;
    let value = crate::to_json(v);
    let a = args![
        value.clone(),
        scope.actor.to_string(),
        Utc::now(),
        NATIONAL_BODIES
    ];
    if before.is_some() {
        tx.conn()
            .execute(
                "UPDATE settings SET value = $1, updated_by = $2, updated_at = $3 WHERE key = $4",
                a,
            )
            .await?;
    } else {
        tx.conn()
            .execute(
                "INSERT INTO settings (value, updated_by, updated_at, key) VALUES ($1, $2, $3, $4)",
                a,
            )
            .await?;
    }
    audit::append(
        tx,
        scope,
        Change {
            action: "update",
            entity: "setting:national_bodies",
            entity_id: None,
            org_id: None,
            before: before.map(|b| b.value),
            after: Some(value),
        },
    )
    .await
}
