//! Incidents, their responders, timeline and observables.

use crate::audit::{self, Change};
use crate::db::{args, Conn, One, Sql, Tx};
use crate::{Page, Result};
use chrono::{DateTime, Utc};
use domain::Scope;
use serde::Serialize;

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct IncidentRow {
    pub id: i64,
    pub reporting_org_id: i64,
    pub system_id: Option<i64>,
    pub title: String,
    /// The initial report form as JSON.
    #[serde(skip)]
    pub report: String,
    pub class: String,
    pub severity: String,
    pub tlp: String,
    pub state: String,
    pub detected_at: DateTime<Utc>,
    pub reported_at: DateTime<Utc>,
    pub acknowledged_at: Option<DateTime<Utc>>,
    pub contained_at: Option<DateTime<Utc>>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    #[serde(skip)]
    pub end_report: Option<String>,
    /// JSON list of reports to VNCERT/CC and NCSC.
    #[serde(skip)]
    pub escalations: String,
    pub created_by: String,
    pub updated_at: DateTime<Utc>,
    /// Milestones whose "about to pass" reminder went out, comma-separated.
    #[serde(skip)]
    pub reminded: String,
}

const COLUMNS: &str = "i.id, i.reporting_org_id, i.system_id, i.title, i.report, i.class, i.severity, i.tlp, i.state, i.detected_at, i.reported_at, \
    i.acknowledged_at, i.contained_at, i.resolved_at, i.closed_at, i.end_report, i.escalations, i.created_by, i.updated_at, i.reminded";

pub struct NewIncident<'a> {
    pub reporting_org_id: i64,
    pub system_id: Option<i64>,
    pub title: &'a str,
    pub report: &'a str,
    pub class: &'a str,
    pub severity: &'a str,
    pub tlp: &'a str,
    pub state: &'a str,
    pub detected_at: DateTime<Utc>,
}

pub async fn create(tx: &mut Tx, scope: &Scope, n: &NewIncident<'_>) -> Result<i64> {
    let now = Utc::now();
    let id: One<i64> = tx
        .conn()
        .fetch_one(
            "INSERT INTO incidents (reporting_org_id, system_id, title, report, class, severity, tlp, state, detected_at, reported_at, created_by, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
            args![n.reporting_org_id, n.system_id, n.title, n.report, n.class, n.severity, n.tlp, n.state, n.detected_at, now, scope.actor.to_string(), now],
        )
        .await?;
    audit::append(
        tx,
        scope,
        Change {
            action: "report",
            entity: "incident",
            entity_id: Some(id.0),
            org_id: Some(n.reporting_org_id),
            before: None,
            after: Some(n.report.to_string()),
        },
    )
    .await?;
    Ok(id.0)
}

/// Who may see incidents: the province; otherwise the reporting
/// organisation and the responders assigned (by user id).
pub(crate) fn visibility(q: &mut Sql, scope: &Scope, user_id: Option<i64>) {
    if !scope.sees_province() {
        q.push(
            " AND (i.reporting_org_id = ? OR EXISTS (SELECT 1 FROM incident_assignees a WHERE a.incident_id = i.id AND a.user_id = ?))",
            args![scope.org_id, user_id.unwrap_or(-1)],
        );
    }
}

#[derive(Debug, Clone, Default)]
pub struct IncidentFilter {
    /// Only incidents still open (neither closed nor rejected).
    pub open_only: bool,
    pub state: Option<String>,
    pub severity: Option<String>,
    pub class: Option<String>,
    pub org_id: Option<i64>,
    pub before_id: Option<i64>,
    pub limit: i64,
}

pub async fn list(
    c: &mut Conn<'_>,
    scope: &Scope,
    user_id: Option<i64>,
    f: &IncidentFilter,
) -> Result<Page<IncidentRow>> {
    let mut q = Sql::new(&format!("SELECT {COLUMNS} FROM incidents i WHERE 1 = 1"));
    visibility(&mut q, scope, user_id);
    if let Some(s) = &f.state {
        q.push(" AND i.state = ?", args![s.as_str()]);
    }
    if f.open_only {
        q.push(" AND i.state NOT IN ('closed', 'rejected')", vec![]);
    }
    if let Some(s) = &f.severity {
        q.push(" AND i.severity = ?", args![s.as_str()]);
    }
    if let Some(s) = &f.class {
        q.push(" AND i.class = ?", args![s.as_str()]);
    }
    if let Some(o) = f.org_id {
        q.push(" AND i.reporting_org_id = ?", args![o]);
    }
    if let Some(b) = f.before_id {
        q.push(" AND i.id < ?", args![b]);
    }
    let limit = f.limit.clamp(1, 1000);
    q.push(" ORDER BY i.id DESC LIMIT ?", args![limit + 1]);
    let rows = c.fetch_all(&q.text, q.args).await?;
    Ok(Page::from_rows(rows, limit, |r: &IncidentRow| r.id))
}

pub async fn get(
    c: &mut Conn<'_>,
    scope: &Scope,
    user_id: Option<i64>,
    id: i64,
) -> Result<Option<IncidentRow>> {
    let mut q = Sql::new(&format!(
        "SELECT {COLUMNS} FROM incidents i WHERE i.id = $1"
    ));
    q.args.push(id.into());
    visibility(&mut q, scope, user_id);
    c.fetch_optional(&q.text, q.args).await
}

/// A change of state with the milestone it sets, recorded on the timeline
/// and in the audit log; false when the state moved meanwhile.
#[allow(clippy::too_many_arguments)]
pub async fn set_state(
    tx: &mut Tx,
    scope: &Scope,
    id: i64,
    from: &str,
    to: &str,
    milestone: Option<&str>,
    end_report: Option<&str>,
    entry: &str,
) -> Result<bool> {
    let now = Utc::now();
    let mut q = Sql::new("UPDATE incidents SET state = $1, updated_at = $2");
    q.args = args![to, now];
    if let Some(m) = milestone {
        // The milestone column names come from a fixed list, never from input.
        debug_assert!([
            "acknowledged_at",
            "contained_at",
            "resolved_at",
            "closed_at"
        ]
        .contains(&m));
        q.push(&format!(", {m} = COALESCE({m}, ?)"), args![now]);
    }
    if let Some(r) = end_report {
        q.push(", end_report = ?", args![r]);
    }
    q.push(" WHERE id = ? AND state = ?", args![id, from]);
    let n = tx.conn().execute(&q.text, q.args).await?;
    if n != 1 {
        return Ok(false);
    }
    add_entry(tx, scope, id, "change", entry).await?;
    audit::append(
        tx,
        scope,
        Change {
            action: "transition",
            entity: "incident",
            entity_id: Some(id),
            org_id: None,
            before: Some(format!("{{\"state\":{}}}", crate::to_json(from))),
            after: Some(format!("{{\"state\":{}}}", crate::to_json(to))),
        },
    )
    .await?;
    Ok(true)
}

/// Changes a field people set by hand (severity, TLP); recorded like a state change.
pub async fn set_field(
    tx: &mut Tx,
    scope: &Scope,
    id: i64,
    field: &'static str,
    value: &str,
    entry: &str,
) -> Result<()> {
    debug_assert!(["severity", "tlp", "escalations"].contains(&field));
    tx.conn()
        .execute(
            &format!("UPDATE incidents SET {field} = $1, updated_at = $2 WHERE id = $3"),
            args![value, Utc::now(), id],
        )
        .await?;
    add_entry(tx, scope, id, "change", entry).await?;
    audit::append(
        tx,
        scope,
        Change {
            action: "update",
            entity: "incident",
            entity_id: Some(id),
            org_id: None,
            before: None,
            after: Some(format!(
                "{{{}:{}}}",
                crate::to_json(field),
                crate::to_json(value)
            )),
        },
    )
    .await
}

pub async fn add_entry(tx: &mut Tx, scope: &Scope, id: i64, kind: &str, text: &str) -> Result<()> {
    tx.conn()
        .execute(
            "INSERT INTO incident_entries (incident_id, at, actor, kind, text) VALUES ($1, $2, $3, $4, $5)",
            args![id, Utc::now(), scope.actor.to_string(), kind, text],
        )
        .await?;
    Ok(())
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Entry {
    pub at: DateTime<Utc>,
    pub actor: String,
    pub kind: String,
    pub text: String,
}

pub async fn entries(c: &mut Conn<'_>, id: i64) -> Result<Vec<Entry>> {
    c.fetch_all(
        "SELECT at, actor, kind, text FROM incident_entries WHERE incident_id = $1 ORDER BY id",
        args![id],
    )
    .await
}

pub async fn assign(
    tx: &mut Tx,
    scope: &Scope,
    id: i64,
    user_id: i64,
    username: &str,
) -> Result<bool> {
    let n = tx
        .conn()
        .execute_raw(
            "INSERT INTO incident_assignees (incident_id, user_id) VALUES ($1, $2)",
            args![id, user_id],
        )
        .await;
    match n {
        Ok(_) => {
            add_entry(tx, scope, id, "change", &format!("assigned: {username}")).await?;
            audit::append(
                tx,
                scope,
                Change {
                    action: "assign",
                    entity: "incident",
                    entity_id: Some(id),
                    org_id: None,
                    before: None,
                    after: Some(format!("{{\"user\":{}}}", crate::to_json(username))),
                },
            )
            .await?;
            Ok(true)
        }
        Err(sqlx::Error::Database(d)) if d.is_unique_violation() => Ok(false),
        Err(e) => Err(e.into()),
    }
}

pub async fn assignees(c: &mut Conn<'_>, id: i64) -> Result<Vec<(i64, String)>> {
    c.fetch_all(
        "SELECT u.id, u.username FROM incident_assignees a JOIN users u ON u.id = a.user_id WHERE a.incident_id = $1 ORDER BY u.username",
        args![id],
    )
    .await
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct ObservableRow {
    pub id: i64,
    pub incident_id: i64,
    pub kind: String,
    pub value: String,
    pub tlp: String,
    pub role: String,
    pub comment: Option<String>,
    pub added_by: String,
    pub added_at: DateTime<Utc>,
}

#[allow(clippy::too_many_arguments)]
pub async fn add_observable(
    tx: &mut Tx,
    scope: &Scope,
    id: i64,
    kind: &str,
    value: &str,
    tlp: &str,
    role: &str,
    comment: Option<&str>,
) -> Result<i64> {
    let oid: One<i64> = tx
        .conn()
        .fetch_one_raw(
            "INSERT INTO incident_observables (incident_id, kind, value, tlp, role, comment, added_by, added_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
            args![id, kind, value, tlp, role, comment.map(str::to_string), scope.actor.to_string(), Utc::now()],
        )
        .await
        .map_err(|e| crate::StoreError::from_insert(e, || format!("the observable {value} on this incident")))?;
    add_entry(tx, scope, id, "change", &format!("observable {kind} added")).await?;
    audit::append(
        tx,
        scope,
        Change {
            action: "add_observable",
            entity: "incident",
            entity_id: Some(id),
            org_id: None,
            before: None,
            after: Some(format!(
                "{{\"kind\":{},\"tlp\":{}}}",
                crate::to_json(kind),
                crate::to_json(tlp)
            )),
        },
    )
    .await?;
    Ok(oid.0)
}

pub async fn observables(c: &mut Conn<'_>, id: i64) -> Result<Vec<ObservableRow>> {
    c.fetch_all(
        "SELECT id, incident_id, kind, value, tlp, role, comment, added_by, added_at FROM incident_observables WHERE incident_id = $1 ORDER BY id",
        args![id],
    )
    .await
}

/// The other incidents the scope may see where `value` occurs.
pub async fn incidents_with(
    c: &mut Conn<'_>,
    scope: &Scope,
    user_id: Option<i64>,
    value: &str,
    except: i64,
) -> Result<Vec<i64>> {
    let mut q = Sql::new(
        "SELECT DISTINCT i.id FROM incident_observables o JOIN incidents i ON i.id = o.incident_id WHERE o.value = $1 AND i.id <> $2",
    );
    q.args = args![value, except];
    visibility(&mut q, scope, user_id);
    q.push(" ORDER BY i.id", vec![]);
    let rows: Vec<One<i64>> = c.fetch_all(&q.text, q.args).await?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}

/// The botnet lists of the last 13 months (id, period, source) where an
/// address was listed. No index on the address: it tripled the time of a
/// million-line import; a province's lists are thousands of lines a month.
pub async fn listings_with(c: &mut Conn<'_>, ip: &str) -> Result<Vec<(i64, String, String)>> {
    c.fetch_all(
        "SELECT b.id, b.period, b.source FROM botnet_lists b WHERE b.id IN (SELECT id FROM botnet_lists ORDER BY period DESC LIMIT 13) \
         AND EXISTS (SELECT 1 FROM botnet_listings l WHERE l.list_id = b.id AND l.ip = $1) ORDER BY b.period",
        args![ip],
    )
    .await
}
