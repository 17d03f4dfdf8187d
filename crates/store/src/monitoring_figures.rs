//! Figures of 24/7 monitoring read where people look: systems that claim SOC
//! monitoring but whose sensors are silent, and the alerts of a reporting
//! period as plain facts for the periodic report's monitoring section.

use crate::db::{args, Conn, Sql};
use crate::{from_json, Result};
use chrono::{DateTime, Utc};
use domain::Scope;

/// A system the registry says is monitored by a SOC, with what its sensors
/// (those registered as watching it) last sent.
#[derive(Debug, Clone, serde::Serialize)]
pub struct WatchedSystem {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub owner_org_id: i64,
    /// Sensors registered as watching it.
    pub sensors: i64,
    /// The latest event any of them sent.
    pub last_event_at: Option<DateTime<Utc>>,
}

impl WatchedSystem {
    /// No sensor, or nothing received since `since`.
    pub fn silent_since(&self, since: DateTime<Utc>) -> bool {
        self.sensors == 0 || self.last_event_at.is_none_or(|t| t < since)
    }
}

/// Systems the scope sees (owned by `org` when given) that claim SOC
/// monitoring, each with its sensors' count and latest event. Sensors are
/// read whatever organisation registered them: a SOC provider's sensor
/// watching an agency's system counts for that system.
pub async fn soc_monitored_systems(
    c: &mut Conn<'_>,
    scope: &Scope,
    org: Option<i64>,
) -> Result<Vec<WatchedSystem>> {
    let mut q = Sql::default();
    q.push(
        "SELECT s.id, s.code, s.name, s.owner_org_id FROM systems s WHERE s.soc_monitoring = ?",
        args![true],
    );
    crate::systems::visibility(&mut q, scope, "s");
    if let Some(o) = org {
        q.push(" AND s.owner_org_id = ?", args![o]);
    }
    q.push(" ORDER BY s.code", vec![]);
    let systems: Vec<(i64, String, String, i64)> = c.fetch_all(&q.text, q.args).await?;
    if systems.is_empty() {
        return Ok(Vec::new());
    }
    let sensors: Vec<(i64, String, Option<DateTime<Utc>>)> = c
        .fetch_all("SELECT id, system_ids, last_event_at FROM sensors", vec![])
        .await?;
    let mut watch: std::collections::HashMap<i64, (i64, Option<DateTime<Utc>>)> =
        Default::default();
    for (id, ids, last) in sensors {
        let ids: Vec<i64> = from_json("sensors", id, &ids)?;
        for sys in ids {
            let e = watch.entry(sys).or_default();
            e.0 += 1;
            e.1 = e.1.max(last);
        }
    }
    Ok(systems
        .into_iter()
        .map(|(id, code, name, owner_org_id)| {
            let (sensors, last_event_at) = watch.get(&id).copied().unwrap_or_default();
            WatchedSystem {
                id,
                code,
                name,
                owner_org_id,
                sensors,
                last_event_at,
            }
        })
        .collect())
}

/// One alert of a period, as the report counts it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AlertFact {
    pub severity: String,
    /// The organisation the registry names for the host, else the sensor's.
    pub org_id: i64,
    pub state: String,
    pub first_seen: DateTime<Utc>,
    pub acknowledged_at: Option<DateTime<Utc>>,
    pub made_incident: bool,
}

/// Most alerts a report reads (bounded memory); the caller says when hit.
pub const ALERT_FACTS_CAP: i64 = 500_000;

/// Alerts first seen in `[from, to)` that the scope may read (belonging to
/// `org` when given: the registry's organisation of the host, else the
/// sensor's), at most [`ALERT_FACTS_CAP`].
pub async fn alert_facts(
    c: &mut Conn<'_>,
    scope: &Scope,
    org: Option<i64>,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<AlertFact>> {
    let mut q = Sql::default();
    q.push(
        "SELECT a.severity, COALESCE(a.org_id, a.sensor_org_id) AS org_id, a.state, a.first_seen, \
         a.acknowledged_at, (a.incident_id IS NOT NULL) AS made_incident \
         FROM alerts a LEFT JOIN systems s ON s.id = a.system_id \
         WHERE a.first_seen >= ? AND a.first_seen < ?",
        args![from, to],
    );
    crate::monitoring::alert_visibility(&mut q, scope);
    if let Some(o) = org {
        q.push(" AND COALESCE(a.org_id, a.sensor_org_id) = ?", args![o]);
    }
    q.push(" ORDER BY a.id LIMIT ?", args![ALERT_FACTS_CAP]);
    c.fetch_all(&q.text, q.args).await
}
