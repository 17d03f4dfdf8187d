//! 24/7 monitoring: sensors, alerts (stored idempotently per event digest
//! and rule, repeats grouped), their triage moves and suppressions.
//!
//! Who sees an alert: the province; the organisations the registry names
//! for its system (owner, operator, SOC provider); for a host the registry
//! does not know, the organisation of the sensor that sent it.

use crate::audit::{self, Change};
use crate::db::{args, Conn, One, Sql, Tx};
use crate::{from_json, parse_col, to_json, Page, Result};
use chrono::{DateTime, Utc};
use domain::monitoring::{AlertSeverity, AlertState, RuleLevel, SuppressionKind};
use domain::Scope;
use serde::{Deserialize, Serialize};

/// Rejected lines kept per sensor for its owner to see.
pub const REJECTED_SAMPLE: usize = 20;
/// Events kept per alert (the first ones).
pub const EVENTS_KEPT: usize = 20;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rejected {
    pub at: DateTime<Utc>,
    pub line: u64,
    pub reason: String,
    /// The start of the line as received.
    pub text: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Sensor {
    pub id: i64,
    pub org_id: i64,
    pub name: String,
    pub system_ids: Vec<i64>,
    pub source_addrs: Vec<String>,
    pub token_id: Option<i64>,
    pub events: i64,
    pub rejected: i64,
    pub dropped: i64,
    pub rejected_sample: Vec<Rejected>,
    pub last_event_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct SensorRow {
    id: i64,
    org_id: i64,
    name: String,
    system_ids: String,
    source_addrs: String,
    token_id: Option<i64>,
    events: i64,
    rejected: i64,
    dropped: i64,
    rejected_sample: String,
    last_event_at: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

const SENSOR_COLUMNS: &str =
    "id, org_id, name, system_ids, source_addrs, token_id, events, rejected, dropped, \
    rejected_sample, last_event_at, created_at, updated_at";

impl TryFrom<SensorRow> for Sensor {
    type Error = crate::StoreError;
    fn try_from(r: SensorRow) -> Result<Self> {
        Ok(Sensor {
            system_ids: from_json("sensors", r.id, &r.system_ids)?,
            source_addrs: from_json("sensors", r.id, &r.source_addrs)?,
            rejected_sample: from_json("sensors", r.id, &r.rejected_sample)?,
            id: r.id,
            org_id: r.org_id,
            name: r.name,
            token_id: r.token_id,
            events: r.events,
            rejected: r.rejected,
            dropped: r.dropped,
            last_event_at: r.last_event_at,
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
    }
}

pub struct NewSensor<'a> {
    pub org_id: i64,
    pub name: &'a str,
    pub system_ids: &'a [i64],
    pub source_addrs: &'a [String],
    pub token_id: i64,
}

pub async fn create_sensor(tx: &mut Tx, scope: &Scope, n: &NewSensor<'_>) -> Result<Sensor> {
    let now = Utc::now();
    let id: One<i64> = tx
        .conn()
        .fetch_one_raw(
            "INSERT INTO sensors (org_id, name, system_ids, source_addrs, token_id, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
            args![n.org_id, n.name, to_json(n.system_ids), to_json(n.source_addrs), n.token_id, now, now],
        )
        .await
        .map_err(|e| crate::StoreError::from_insert(e, || format!("sensor '{}'", n.name)))?;
    let s = sensor_by_id(&mut tx.conn(), id.0)
        .await?
        .ok_or(crate::StoreError::Corrupt {
            table: "sensors",
            id: id.0,
            reason: "vanished after insert".into(),
        })?;
    audit::append(
        tx,
        scope,
        Change {
            action: "create",
            entity: "sensor",
            entity_id: Some(s.id),
            org_id: Some(s.org_id),
            before: None,
            after: Some(to_json(&s)),
        },
    )
    .await?;
    Ok(s)
}

async fn sensor_by_id(c: &mut Conn<'_>, id: i64) -> Result<Option<Sensor>> {
    let r: Option<SensorRow> = c
        .fetch_optional(
            &format!("SELECT {SENSOR_COLUMNS} FROM sensors WHERE id = $1"),
            args![id],
        )
        .await?;
    r.map(Sensor::try_from).transpose()
}

fn sensor_visibility(q: &mut Sql, scope: &Scope) {
    if !scope.sees_province() {
        q.push(" AND org_id = ?", args![scope.org_id]);
    }
}

pub async fn sensor(c: &mut Conn<'_>, scope: &Scope, id: i64) -> Result<Option<Sensor>> {
    let mut q = Sql::new(&format!(
        "SELECT {SENSOR_COLUMNS} FROM sensors WHERE id = $1"
    ));
    q.args.push(id.into());
    sensor_visibility(&mut q, scope);
    let r: Option<SensorRow> = c.fetch_optional(&q.text, q.args).await?;
    r.map(Sensor::try_from).transpose()
}

pub async fn sensors(c: &mut Conn<'_>, scope: &Scope) -> Result<Vec<Sensor>> {
    let mut q = Sql::new(&format!("SELECT {SENSOR_COLUMNS} FROM sensors WHERE 1=1"));
    sensor_visibility(&mut q, scope);
    q.push(" ORDER BY org_id, name LIMIT 1000", vec![]);
    let rows: Vec<SensorRow> = c.fetch_all(&q.text, q.args).await?;
    rows.into_iter().map(Sensor::try_from).collect()
}

/// Names for the sensors page: each organisation's and each system's
/// "CODE — name" by id, for the organisations and systems these sensors
/// name (ids only come from sensors the caller may already see).
pub async fn sensor_labels(
    c: &mut Conn<'_>,
    sensors: &[Sensor],
) -> Result<(
    std::collections::HashMap<i64, String>,
    std::collections::HashMap<i64, String>,
)> {
    let mut orgs = std::collections::HashMap::new();
    let mut systems = std::collections::HashMap::new();
    let org_ids: std::collections::BTreeSet<i64> = sensors.iter().map(|s| s.org_id).collect();
    let system_ids: std::collections::BTreeSet<i64> = sensors
        .iter()
        .flat_map(|s| s.system_ids.iter().copied())
        .collect();
    // One query per table (the sensors list holds up to 1 000 sensors).
    for (table, code, ids, out) in [
        ("orgs", "short_name", &org_ids, &mut orgs),
        ("systems", "code", &system_ids, &mut systems),
    ] {
        if ids.is_empty() {
            continue;
        }
        let mut q = Sql::new(&format!(
            "SELECT id, {code}, name FROM {table} WHERE id IN ("
        ));
        for (i, id) in ids.iter().enumerate() {
            q.push(if i == 0 { "?" } else { ",?" }, args![*id]);
        }
        q.push(")", vec![]);
        let rows: Vec<(i64, String, String)> = c.fetch_all(&q.text, q.args).await?;
        for (id, code, name) in rows {
            out.insert(id, format!("{code} — {name}"));
        }
    }
    Ok((orgs, systems))
}

/// The sensor a token belongs to (for ingest; no scope: the token is the key).
pub async fn sensor_of_token(c: &mut Conn<'_>, token_id: i64) -> Result<Option<Sensor>> {
    let r: Option<SensorRow> = c
        .fetch_optional(
            &format!("SELECT {SENSOR_COLUMNS} FROM sensors WHERE token_id = $1"),
            args![token_id],
        )
        .await?;
    r.map(Sensor::try_from).transpose()
}

/// Every sensor with the source addresses it sends syslog from.
pub async fn sensor_sources(c: &mut Conn<'_>) -> Result<Vec<Sensor>> {
    let rows: Vec<SensorRow> = c
        .fetch_all(
            &format!("SELECT {SENSOR_COLUMNS} FROM sensors WHERE source_addrs <> '[]'"),
            vec![],
        )
        .await?;
    rows.into_iter().map(Sensor::try_from).collect()
}

pub async fn delete_sensor(tx: &mut Tx, scope: &Scope, before: &Sensor) -> Result<()> {
    tx.conn()
        .execute("DELETE FROM sensors WHERE id = $1", args![before.id])
        .await?;
    audit::append(
        tx,
        scope,
        Change {
            action: "delete",
            entity: "sensor",
            entity_id: Some(before.id),
            org_id: Some(before.org_id),
            before: Some(to_json(before)),
            after: None,
        },
    )
    .await
}

/// Counters of one batch from one sensor.
#[derive(Debug, Default, Clone)]
pub struct SensorCounts {
    pub events: i64,
    pub rejected: i64,
    pub dropped: i64,
    pub sample: Vec<Rejected>,
    /// When the batch was received.
    pub last_event_at: Option<DateTime<Utc>>,
}

/// Adds a batch's counters (telemetry, not audited: no person changes anything).
pub async fn add_sensor_counts(tx: &mut Tx, sensor_id: i64, n: &SensorCounts) -> Result<()> {
    let mut sample_json = None;
    if !n.sample.is_empty() {
        let cur: Option<One<String>> = tx
            .conn()
            .fetch_optional(
                "SELECT rejected_sample FROM sensors WHERE id = $1",
                args![sensor_id],
            )
            .await?;
        let mut s: Vec<Rejected> = match cur {
            Some(c) => from_json("sensors", sensor_id, &c.0)?,
            None => return Ok(()),
        };
        s.extend(n.sample.iter().cloned());
        let skip = s.len().saturating_sub(REJECTED_SAMPLE);
        sample_json = Some(to_json(&s[skip..]));
    }
    tx.conn()
        .execute(
            "UPDATE sensors SET events = events + $1, rejected = rejected + $2, dropped = dropped + $3, \
             rejected_sample = COALESCE($4, rejected_sample), \
             last_event_at = COALESCE($5, last_event_at) WHERE id = $6",
            args![n.events, n.rejected, n.dropped, sample_json, n.last_event_at, sensor_id],
        )
        .await?;
    Ok(())
}

// ---------------------------------------------------------------- alerts

#[derive(Debug, Clone, Serialize)]
pub struct Alert {
    pub id: i64,
    pub rule_id: String,
    pub rule_title: String,
    pub level: RuleLevel,
    pub severity: AlertSeverity,
    pub state: AlertState,
    pub host: Option<String>,
    pub addresses: Vec<String>,
    pub asset_id: Option<i64>,
    pub asset_hostname: Option<String>,
    pub system_id: Option<i64>,
    pub system_code: Option<String>,
    pub system_name: Option<String>,
    pub org_id: Option<i64>,
    pub org_name: Option<String>,
    pub sensor_id: Option<i64>,
    pub sensor_org_id: i64,
    pub first_seen: DateTime<Utc>,
    pub last_seen: DateTime<Utc>,
    pub count: i64,
    pub events: Vec<serde_json::Value>,
    pub incident_id: Option<i64>,
    pub reason: Option<String>,
    pub acknowledged_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct AlertRow {
    id: i64,
    rule_id: String,
    rule_title: String,
    level: String,
    severity: String,
    state: String,
    host: Option<String>,
    addresses: String,
    asset_id: Option<i64>,
    asset_hostname: Option<String>,
    system_id: Option<i64>,
    system_code: Option<String>,
    system_name: Option<String>,
    org_id: Option<i64>,
    org_name: Option<String>,
    sensor_id: Option<i64>,
    sensor_org_id: i64,
    first_seen: DateTime<Utc>,
    last_seen: DateTime<Utc>,
    count: i64,
    events: String,
    incident_id: Option<i64>,
    reason: Option<String>,
    acknowledged_at: Option<DateTime<Utc>>,
    updated_at: DateTime<Utc>,
}

const ALERT_COLUMNS: &str = "a.id, a.rule_id, a.rule_title, a.level, a.severity, a.state, a.host, a.addresses, \
    a.asset_id, ast.hostname AS asset_hostname, a.system_id, s.code AS system_code, s.name AS system_name, \
    a.org_id, o.name AS org_name, a.sensor_id, a.sensor_org_id, a.first_seen, a.last_seen, a.count, a.events, \
    a.incident_id, a.reason, a.acknowledged_at, a.updated_at";
const ALERT_FROM: &str = "FROM alerts a LEFT JOIN systems s ON s.id = a.system_id \
    LEFT JOIN assets ast ON ast.id = a.asset_id LEFT JOIN orgs o ON o.id = a.org_id";

impl TryFrom<AlertRow> for Alert {
    type Error = crate::StoreError;
    fn try_from(r: AlertRow) -> Result<Self> {
        Ok(Alert {
            level: parse_col("alerts", r.id, &r.level)?,
            severity: parse_col("alerts", r.id, &r.severity)?,
            state: parse_col("alerts", r.id, &r.state)?,
            addresses: from_json("alerts", r.id, &r.addresses)?,
            events: from_json("alerts", r.id, &r.events)?,
            id: r.id,
            rule_id: r.rule_id,
            rule_title: r.rule_title,
            host: r.host,
            asset_id: r.asset_id,
            asset_hostname: r.asset_hostname,
            system_id: r.system_id,
            system_code: r.system_code,
            system_name: r.system_name,
            org_id: r.org_id,
            org_name: r.org_name,
            sensor_id: r.sensor_id,
            sensor_org_id: r.sensor_org_id,
            first_seen: r.first_seen,
            last_seen: r.last_seen,
            count: r.count,
            incident_id: r.incident_id,
            reason: r.reason,
            acknowledged_at: r.acknowledged_at,
            updated_at: r.updated_at,
        })
    }
}

/// Alerts a scope may read (see the module documentation).
pub(crate) fn alert_visibility(q: &mut Sql, scope: &Scope) {
    if !scope.sees_province() {
        let o = scope.org_id;
        q.push(
            " AND (s.owner_org_id = ? OR s.operator_org_id = ? OR s.soc_provider_id = ? \
             OR (a.system_id IS NULL AND a.org_id IS NULL AND a.sensor_org_id = ?))",
            args![o, o, o, o],
        );
    }
}

pub async fn alert(c: &mut Conn<'_>, scope: &Scope, id: i64) -> Result<Option<Alert>> {
    let mut q = Sql::new(&format!(
        "SELECT {ALERT_COLUMNS} {ALERT_FROM} WHERE a.id = $1"
    ));
    q.args.push(id.into());
    alert_visibility(&mut q, scope);
    let r: Option<AlertRow> = c.fetch_optional(&q.text, q.args).await?;
    r.map(Alert::try_from).transpose()
}

#[derive(Debug, Default, Clone)]
pub struct AlertFilter {
    pub severity: Option<AlertSeverity>,
    pub state: Option<AlertState>,
    pub org_id: Option<i64>,
    pub rule_id: Option<String>,
    pub host: Option<String>,
    /// Alerts older than this id (newest first).
    pub before_id: Option<i64>,
    pub limit: i64,
}

pub async fn alerts(c: &mut Conn<'_>, scope: &Scope, f: &AlertFilter) -> Result<Page<Alert>> {
    let mut q = Sql::new(&format!("SELECT {ALERT_COLUMNS} {ALERT_FROM} WHERE 1=1"));
    alert_visibility(&mut q, scope);
    if let Some(s) = f.severity {
        q.push(" AND a.severity = ?", args![s.as_str()]);
    }
    if let Some(s) = f.state {
        q.push(" AND a.state = ?", args![s.as_str()]);
    }
    if let Some(o) = f.org_id {
        q.push(" AND a.org_id = ?", args![o]);
    }
    if let Some(r) = &f.rule_id {
        q.push(" AND a.rule_id = ?", args![r.as_str()]);
    }
    if let Some(h) = &f.host {
        q.push(" AND lower(a.host) = ?", args![h.to_lowercase()]);
    }
    if let Some(b) = f.before_id {
        q.push(" AND a.id < ?", args![b]);
    }
    let limit = f.limit.clamp(1, 500);
    q.push(" ORDER BY a.id DESC LIMIT ?", args![limit + 1]);
    let rows: Vec<AlertRow> = c.fetch_all(&q.text, q.args).await?;
    let items = rows
        .into_iter()
        .map(Alert::try_from)
        .collect::<Result<Vec<_>>>()?;
    Ok(Page::from_rows(items, limit, |a| a.id))
}

/// What the registry says about a host or address.
#[derive(Debug, Clone, Default)]
pub struct Located {
    pub asset_id: Option<i64>,
    pub system_id: Option<i64>,
    pub org_id: Option<i64>,
    pub level: Option<i64>,
}

#[derive(sqlx::FromRow)]
struct LocatedRow {
    asset_id: i64,
    system_id: i64,
    org_id: i64,
    level: Option<i64>,
}

/// The asset holding `host` (by name, case-insensitively, also its first
/// label) or one of `addresses`; the registry decides, not the sender.
pub async fn locate(c: &mut Conn<'_>, host: Option<&str>, addresses: &[String]) -> Result<Located> {
    const SELECT: &str = "SELECT a.id AS asset_id, s.id AS system_id, s.owner_org_id AS org_id, \
        COALESCE(s.approved_level, s.proposed_level) AS level FROM assets a JOIN systems s ON s.id = a.system_id";
    if let Some(h) = host.map(str::trim).filter(|h| !h.is_empty()) {
        let h = h.to_lowercase();
        let short = h.split('.').next().unwrap_or(&h).to_string();
        let r: Option<LocatedRow> = c
            .fetch_optional(
                &format!("{SELECT} WHERE lower(a.hostname) = $1 OR lower(a.hostname) = $2 ORDER BY a.id LIMIT 1"),
                args![h, short],
            )
            .await?;
        if let Some(r) = r {
            return Ok(located(r));
        }
    }
    for ip in addresses.iter().take(8) {
        let r: Option<LocatedRow> = c
            .fetch_optional(
                &format!("{SELECT} WHERE a.ips LIKE $1 ORDER BY a.id LIMIT 1"),
                args![format!("%\"{ip}\"%")],
            )
            .await?;
        if let Some(r) = r {
            return Ok(located(r));
        }
    }
    Ok(Located::default())
}

fn located(r: LocatedRow) -> Located {
    Located {
        asset_id: Some(r.asset_id),
        system_id: Some(r.system_id),
        org_id: Some(r.org_id),
        level: r.level,
    }
}

/// One rule firing on one event, ready to store.
#[derive(Debug, Clone)]
pub struct Hit {
    pub digest: String,
    pub rule_id: String,
    pub rule_title: String,
    pub level: RuleLevel,
    pub severity: AlertSeverity,
    pub host: Option<String>,
    pub addresses: Vec<String>,
    pub located: Located,
    pub sensor_id: Option<i64>,
    pub sensor_org_id: i64,
    pub seen_at: DateTime<Utc>,
    pub event: serde_json::Value,
}

/// What storing a hit did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stored {
    /// The event was seen with this rule before: nothing changed.
    Redelivered,
    Raised(i64),
    Grouped(i64),
}

/// Stores a hit idempotently: a second delivery of the same event changes
/// nothing; a repeat of an open alert of the same rule on the same host
/// within `window` adds to its count; otherwise a new alert is raised.
pub async fn store_hit(
    tx: &mut Tx,
    scope: &Scope,
    h: &Hit,
    window: chrono::Duration,
) -> Result<Stored> {
    let seen: Option<One<i64>> = tx
        .conn()
        .fetch_optional(
            "SELECT alert_id FROM alert_hits WHERE digest = $1 AND rule_id = $2",
            args![h.digest.as_str(), h.rule_id.as_str()],
        )
        .await?;
    if seen.is_some() {
        return Ok(Stored::Redelivered);
    }
    let since = h.seen_at - window;
    let host_key = h.host.as_deref().map(str::to_lowercase);
    let open: Option<(i64, String)> = tx
        .conn()
        .fetch_optional::<(i64, String)>(
            "SELECT id, events FROM alerts WHERE rule_id = $1 AND COALESCE(lower(host), '') = $2 \
             AND sensor_org_id = $3 AND state IN ('new', 'acknowledged') AND last_seen >= $4 \
             ORDER BY id DESC LIMIT 1",
            args![
                h.rule_id.as_str(),
                host_key.clone().unwrap_or_default(),
                h.sensor_org_id,
                since
            ],
        )
        .await?;
    let now = Utc::now();
    let (id, stored) = match open {
        Some((id, events)) => {
            let mut ev: Vec<serde_json::Value> = from_json("alerts", id, &events)?;
            if ev.len() < EVENTS_KEPT {
                ev.push(h.event.clone());
            }
            tx.conn()
                .execute(
                    "UPDATE alerts SET count = count + 1, events = $1, \
                     last_seen = CASE WHEN last_seen < $2 THEN $3 ELSE last_seen END, updated_at = $4 WHERE id = $5",
                    args![to_json(&ev), h.seen_at, h.seen_at, now, id],
                )
                .await?;
            (id, Stored::Grouped(id))
        }
        None => {
            let id: One<i64> = tx
                .conn()
                .fetch_one(
                    "INSERT INTO alerts (rule_id, rule_title, level, severity, state, host, addresses, asset_id, system_id, \
                     org_id, sensor_id, sensor_org_id, first_seen, last_seen, count, events, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, 1, $15, $16) RETURNING id",
                    args![
                        h.rule_id.as_str(),
                        h.rule_title.as_str(),
                        h.level.as_str(),
                        h.severity.as_str(),
                        AlertState::New.as_str(),
                        h.host.clone(),
                        to_json(&h.addresses),
                        h.located.asset_id,
                        h.located.system_id,
                        h.located.org_id,
                        h.sensor_id,
                        h.sensor_org_id,
                        h.seen_at,
                        h.seen_at,
                        to_json(&[&h.event]),
                        now
                    ],
                )
                .await?;
            (id.0, Stored::Raised(id.0))
        }
    };
    tx.conn()
        .execute(
            "INSERT INTO alert_hits (digest, rule_id, alert_id) VALUES ($1, $2, $3)",
            args![h.digest.as_str(), h.rule_id.as_str(), id],
        )
        .await?;
    audit::append(
        tx,
        scope,
        Change {
            action: if matches!(stored, Stored::Raised(_)) {
                "raise"
            } else {
                "repeat"
            },
            entity: "alert",
            entity_id: Some(id),
            org_id: h.located.org_id,
            before: None,
            after: Some(to_json(&serde_json::json!({
                "rule_id": h.rule_id, "host": h.host, "severity": h.severity, "digest": h.digest,
            }))),
        },
    )
    .await?;
    Ok(stored)
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct AlertTransition {
    pub at: DateTime<Utc>,
    pub actor: String,
    pub from_state: String,
    pub action: String,
    pub to_state: String,
    pub reason: Option<String>,
}

pub async fn transitions(c: &mut Conn<'_>, alert_id: i64) -> Result<Vec<AlertTransition>> {
    c.fetch_all(
        "SELECT at, actor, from_state, action, to_state, reason FROM alert_transitions WHERE alert_id = $1 ORDER BY id",
        args![alert_id],
    )
    .await
}

/// Moves an alert (the caller checked the table); refuses with `false` when
/// another move came first.
pub async fn move_alert(
    tx: &mut Tx,
    scope: &Scope,
    before: &Alert,
    action: &str,
    to: AlertState,
    reason: Option<&str>,
    incident_id: Option<i64>,
) -> Result<bool> {
    let now = Utc::now();
    let ack = (to == AlertState::Acknowledged).then_some(now);
    let n = tx
        .conn()
        .execute(
            "UPDATE alerts SET state = $1, reason = COALESCE($2, reason), incident_id = COALESCE($3, incident_id), \
             acknowledged_at = COALESCE(acknowledged_at, $4), updated_at = $5 WHERE id = $6 AND state = $7",
            args![to.as_str(), reason, incident_id, ack, now, before.id, before.state.as_str()],
        )
        .await?;
    if n == 0 {
        return Ok(false);
    }
    tx.conn()
        .execute(
            "INSERT INTO alert_transitions (alert_id, at, actor, from_state, action, to_state, reason) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
            args![before.id, now, scope.actor.to_string(), before.state.as_str(), action, to.as_str(), reason],
        )
        .await?;
    audit::append(
        tx,
        scope,
        Change {
            action,
            entity: "alert",
            entity_id: Some(before.id),
            org_id: before.org_id,
            before: Some(to_json(&serde_json::json!({"state": before.state}))),
            after: Some(to_json(
                &serde_json::json!({"state": to, "reason": reason, "incident_id": incident_id}),
            )),
        },
    )
    .await?;
    Ok(true)
}

// ---------------------------------------------------------------- suppressions

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Suppression {
    pub id: i64,
    pub org_id: Option<i64>,
    pub kind: SuppressionKind,
    pub rule_id: Option<String>,
    pub host: Option<String>,
    pub field: Option<String>,
    pub value: Option<String>,
    pub reason: String,
    pub expires_at: DateTime<Utc>,
    pub hits: i64,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct SuppressionRow {
    id: i64,
    org_id: Option<i64>,
    kind: String,
    rule_id: Option<String>,
    host: Option<String>,
    field: Option<String>,
    value: Option<String>,
    reason: String,
    expires_at: DateTime<Utc>,
    hits: i64,
    created_by: String,
    created_at: DateTime<Utc>,
}

const SUPPRESSION_COLUMNS: &str =
    "id, org_id, kind, rule_id, host, field, value, reason, expires_at, hits, created_by, created_at";

impl TryFrom<SuppressionRow> for Suppression {
    type Error = crate::StoreError;
    fn try_from(r: SuppressionRow) -> Result<Self> {
        Ok(Suppression {
            kind: parse_col("suppressions", r.id, &r.kind)?,
            id: r.id,
            org_id: r.org_id,
            rule_id: r.rule_id,
            host: r.host,
            field: r.field,
            value: r.value,
            reason: r.reason,
            expires_at: r.expires_at,
            hits: r.hits,
            created_by: r.created_by,
            created_at: r.created_at,
        })
    }
}

pub struct NewSuppression<'a> {
    pub org_id: Option<i64>,
    pub kind: SuppressionKind,
    pub rule_id: Option<&'a str>,
    pub host: Option<&'a str>,
    pub field: Option<&'a str>,
    pub value: Option<&'a str>,
    pub reason: &'a str,
    pub expires_at: DateTime<Utc>,
}

pub async fn create_suppression(
    tx: &mut Tx,
    scope: &Scope,
    n: &NewSuppression<'_>,
) -> Result<Suppression> {
    let now = Utc::now();
    let r: SuppressionRow = tx
        .conn()
        .fetch_one(
            &format!(
                "INSERT INTO suppressions (org_id, kind, rule_id, host, field, value, reason, expires_at, created_by, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING {SUPPRESSION_COLUMNS}"
            ),
            args![n.org_id, n.kind.as_str(), n.rule_id, n.host, n.field, n.value, n.reason, n.expires_at, scope.actor.to_string(), now],
        )
        .await?;
    let s = Suppression::try_from(r)?;
    audit::append(
        tx,
        scope,
        Change {
            action: "create",
            entity: "suppression",
            entity_id: Some(s.id),
            org_id: s.org_id,
            before: None,
            after: Some(to_json(&s)),
        },
    )
    .await?;
    Ok(s)
}

pub async fn suppression(c: &mut Conn<'_>, scope: &Scope, id: i64) -> Result<Option<Suppression>> {
    let mut q = Sql::new(&format!(
        "SELECT {SUPPRESSION_COLUMNS} FROM suppressions WHERE id = $1"
    ));
    q.args.push(id.into());
    if !scope.sees_province() {
        q.push(" AND org_id = ?", args![scope.org_id]);
    }
    let r: Option<SuppressionRow> = c.fetch_optional(&q.text, q.args).await?;
    r.map(Suppression::try_from).transpose()
}

/// The suppressions a scope may read (its own and the province's), or, with
/// `active_at`, every one still in force (for the pipeline).
pub async fn suppressions(
    c: &mut Conn<'_>,
    scope: &Scope,
    active_at: Option<DateTime<Utc>>,
) -> Result<Vec<Suppression>> {
    let mut q = Sql::new(&format!(
        "SELECT {SUPPRESSION_COLUMNS} FROM suppressions WHERE 1=1"
    ));
    if !scope.sees_province() {
        q.push(" AND (org_id = ? OR org_id IS NULL)", args![scope.org_id]);
    }
    if let Some(t) = active_at {
        q.push(" AND expires_at > ?", args![t]);
    }
    q.push(" ORDER BY id DESC LIMIT 1000", vec![]);
    let rows: Vec<SuppressionRow> = c.fetch_all(&q.text, q.args).await?;
    rows.into_iter().map(Suppression::try_from).collect()
}

pub async fn count_suppressed(tx: &mut Tx, id: i64, n: i64) -> Result<()> {
    tx.conn()
        .execute(
            "UPDATE suppressions SET hits = hits + $1 WHERE id = $2",
            args![n, id],
        )
        .await?;
    Ok(())
}

pub async fn delete_suppression(tx: &mut Tx, scope: &Scope, before: &Suppression) -> Result<()> {
    tx.conn()
        .execute("DELETE FROM suppressions WHERE id = $1", args![before.id])
        .await?;
    audit::append(
        tx,
        scope,
        Change {
            action: "delete",
            entity: "suppression",
            entity_id: Some(before.id),
            org_id: before.org_id,
            before: Some(to_json(before)),
            after: None,
        },
    )
    .await
}

/// Counts of alerts by state and severity that a scope sees, and how many
/// new ones are past their time to acknowledge.
#[derive(Debug, Clone, Default, Serialize)]
pub struct AlertCounts {
    pub new: i64,
    pub acknowledged: i64,
    pub overdue: i64,
}

pub async fn alert_counts(
    c: &mut Conn<'_>,
    scope: &Scope,
    now: DateTime<Utc>,
) -> Result<AlertCounts> {
    let mut q = Sql::new(&format!(
        "SELECT a.state, a.severity, a.first_seen {ALERT_FROM} WHERE a.state IN ('new', 'acknowledged')"
    ));
    alert_visibility(&mut q, scope);
    q.push(" LIMIT 100000", vec![]);
    let rows: Vec<(String, String, DateTime<Utc>)> = c.fetch_all(&q.text, q.args).await?;
    let mut out = AlertCounts::default();
    for (state, sev, first) in rows {
        if state == "new" {
            out.new += 1;
            let sev: AlertSeverity = sev.parse().unwrap_or(AlertSeverity::Medium);
            let due =
                first + chrono::Duration::hours(domain::monitoring::acknowledge_within_hours(sev));
            if due < now {
                out.overdue += 1;
            }
        } else {
            out.acknowledged += 1;
        }
    }
    Ok(out)
}

/// Whether an alert is waiting past its time to acknowledge.
pub fn is_overdue(a: &Alert, now: DateTime<Utc>) -> bool {
    a.state == AlertState::New
        && a.first_seen
            + chrono::Duration::hours(domain::monitoring::acknowledge_within_hours(a.severity))
            < now
}

// ------------------------------------------------- batches counted (NATS)

/// Claims a batch's key for counting: `true` the first time, `false` when a
/// batch with that key was already counted (a JetStream redelivery), so its
/// sensor counts are added once. In the transaction that adds them.
pub async fn claim_batch(tx: &mut Tx, key: &str, now: DateTime<Utc>) -> Result<bool> {
    let n = tx
        .conn()
        .execute(
            "INSERT INTO monitoring_batches (batch_key, counted_at) VALUES ($1, $2) \
             ON CONFLICT (batch_key) DO NOTHING",
            args![key, now],
        )
        .await?;
    Ok(n == 1)
}

/// Forgets the keys of batches counted before `before`; returns how many.
pub async fn forget_batches(tx: &mut Tx, before: DateTime<Utc>) -> Result<u64> {
    tx.conn()
        .execute(
            "DELETE FROM monitoring_batches WHERE counted_at < $1",
            args![before],
        )
        .await
}

// ---------------------------------------------------------------- ingest keys

/// How long a batch's idempotency key is remembered.
pub const INGEST_KEY_DAYS: i64 = 7;

/// What was answered for a batch received before under the same key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::FromRow)]
pub struct IngestKey {
    pub accepted: i64,
    pub rejected: i64,
}

/// The answer recorded for `key` of `sender`, if the batch was received
/// (and its events stored) within [`INGEST_KEY_DAYS`].
pub async fn ingest_key(c: &mut Conn<'_>, sender: &str, key: &str) -> Result<Option<IngestKey>> {
    c.fetch_optional(
        "SELECT accepted, rejected FROM ingest_keys WHERE sender = $1 AND key = $2",
        args![sender, key],
    )
    .await
}

/// Records `key` of `sender` in the transaction that stores the batch's
/// events; false when it was already there (the batch is a repeat and
/// nothing of it is to be stored). Sweeps keys older than [`INGEST_KEY_DAYS`].
pub async fn record_ingest_key(
    tx: &mut Tx,
    sender: &str,
    key: &str,
    answer: IngestKey,
    now: DateTime<Utc>,
) -> Result<bool> {
    let new = tx
        .conn()
        .execute(
            "INSERT INTO ingest_keys (sender, key, accepted, rejected, received_at) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (sender, key) DO NOTHING",
            args![sender, key, answer.accepted, answer.rejected, now],
        )
        .await?;
    tx.conn()
        .execute(
            "DELETE FROM ingest_keys WHERE received_at < $1",
            args![now - chrono::Duration::days(INGEST_KEY_DAYS)],
        )
        .await?;
    Ok(new == 1)
}

/// Serialises the storing of alerts between servers that share one
/// PostgreSQL database (nodes over NATS), so that repeats of a rule on a
/// host are grouped into one alert whichever node stores them. Its own
/// advisory lock, taken before any row, so it never waits in a cycle with
/// the audit chain's. SQLite's writer lock already serialises.
pub async fn lock_alerts(tx: &mut Tx) -> Result<()> {
    if tx.backend() == crate::db::Backend::Postgres {
        tx.conn()
            .execute("SELECT pg_advisory_xact_lock(7310003)", vec![])
            .await?;
    }
    Ok(())
}
