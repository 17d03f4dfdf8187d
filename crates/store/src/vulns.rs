//! Vulnerability records from the feeds, the Authority's warnings and the
//! findings on assets with every move they made.

use crate::audit::{self, Change, BATCH};
use crate::db::{args, Conn, One, Sql, Tx};
use crate::systems::visibility;
use crate::{Page, Result, StoreError};
use chrono::{DateTime, NaiveDate, Utc};
use domain::{FindingAction, FindingStatus, Scope};
use serde::Serialize;

/// One CVE as stored: the merged record as JSON and the columns lists use.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct VulnRow {
    pub cve: String,
    pub record: String,
    pub title: Option<String>,
    pub cvss: Option<f64>,
    pub kev: bool,
    pub kev_due: Option<NaiveDate>,
    pub ransomware: bool,
    pub epss: Option<f64>,
    /// The compact form matching reads (`vulnmatch::compact`): written with
    /// the record, not read back with it.
    #[sqlx(skip)]
    pub match_form: Vec<u8>,
}

/// Inserts or replaces records; the caller has merged them with what was
/// stored, so an import of the same file twice changes nothing.
pub async fn upsert_vulns(tx: &mut Tx, rows: &[VulnRow]) -> Result<()> {
    let now = Utc::now();
    for chunk in rows.chunks(BATCH / 2) {
        let mut q = Sql::new(
            "INSERT INTO vulns (cve, record, title, cvss, kev, kev_due, ransomware, epss, updated_at) VALUES ",
        );
        for (i, r) in chunk.iter().enumerate() {
            q.push_row(
                i == 0,
                args![
                    r.cve.as_str(),
                    r.record.as_str(),
                    r.title.clone(),
                    r.cvss,
                    r.kev,
                    r.kev_due,
                    r.ransomware,
                    r.epss,
                    now
                ],
            );
        }
        q.push(
            " ON CONFLICT (cve) DO UPDATE SET record = excluded.record, title = excluded.title, cvss = excluded.cvss, \
             kev = excluded.kev, kev_due = excluded.kev_due, ransomware = excluded.ransomware, epss = excluded.epss, \
             updated_at = excluded.updated_at",
            vec![],
        );
        tx.conn().execute(&q.text, q.args).await?;
        let forms: Vec<(&str, &[u8])> = chunk
            .iter()
            .map(|r| (r.cve.as_str(), r.match_form.as_slice()))
            .collect();
        write_match_forms(tx, &forms).await?;
    }
    Ok(())
}

/// Inserts or replaces compact forms (`vuln_match_forms`, migration 0025).
async fn write_match_forms(tx: &mut Tx, forms: &[(&str, &[u8])]) -> Result<()> {
    for chunk in forms.chunks(BATCH) {
        let mut q = Sql::new("INSERT INTO vuln_match_forms (cve, form) VALUES ");
        for (i, (cve, form)) in chunk.iter().enumerate() {
            q.push_row(i == 0, args![*cve, form.to_vec()]);
        }
        q.push(
            " ON CONFLICT (cve) DO UPDATE SET form = excluded.form",
            vec![],
        );
        tx.conn().execute(&q.text, q.args).await?;
    }
    Ok(())
}

const VULN_COLUMNS: &str = "cve, record, title, cvss, kev, kev_due, ransomware, epss";

/// The stored records of `cves` (those known).
pub async fn vulns_by_id(c: &mut Conn<'_>, cves: &[String]) -> Result<Vec<VulnRow>> {
    let mut out = Vec::new();
    for chunk in cves.chunks(BATCH) {
        let mut q = Sql::new(&format!("SELECT {VULN_COLUMNS} FROM vulns WHERE cve IN ("));
        for (i, cve) in chunk.iter().enumerate() {
            q.push(if i == 0 { "?" } else { ",?" }, args![cve.as_str()]);
        }
        q.push(")", vec![]);
        out.extend(c.fetch_all::<VulnRow>(&q.text, q.args).await?);
    }
    Ok(out)
}

/// Up to `limit` stored records after the identifier `after`, in order of
/// identifier: the whole table a page at a time, so that a reader can turn
/// each page into what it needs before the next one is read.
pub async fn vulns_after(
    c: &mut Conn<'_>,
    after: Option<&str>,
    limit: i64,
) -> Result<Vec<VulnRow>> {
    let mut q = Sql::new(&format!("SELECT {VULN_COLUMNS} FROM vulns WHERE 1=1"));
    if let Some(a) = after {
        q.push(" AND cve > ?", args![a]);
    }
    q.push(" ORDER BY cve LIMIT ?", args![limit.max(1)]);
    c.fetch_all(&q.text, q.args).await
}

/// A record's compact form (`vulnmatch::compact`), `None` for a record
/// stored before canhgac kept one.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MatchForm {
    pub cve: String,
    pub match_form: Option<Vec<u8>>,
}

/// Up to `limit` compact forms after the identifier `after`, in order of
/// identifier (the whole table a page at a time, as [`vulns_after`]).
pub async fn match_forms_after(
    c: &mut Conn<'_>,
    after: Option<&str>,
    limit: i64,
) -> Result<Vec<MatchForm>> {
    // The forms live in their own table (migration 0025): reading them
    // does not walk the records' JSON.
    let mut q = Sql::new(
        "SELECT v.cve, m.form AS match_form FROM vulns v \
         LEFT JOIN vuln_match_forms m ON m.cve = v.cve WHERE 1=1",
    );
    if let Some(a) = after {
        q.push(" AND v.cve > ?", args![a]);
    }
    q.push(" ORDER BY v.cve LIMIT ?", args![limit.max(1)]);
    c.fetch_all(&q.text, q.args).await
}

/// Stores the compact forms of records stored without one (or in an older
/// format); the records themselves do not change. Audited as one entry.
pub async fn set_match_forms(
    tx: &mut Tx,
    scope: &Scope,
    forms: &[(String, Vec<u8>)],
) -> Result<()> {
    if forms.is_empty() {
        return Ok(());
    }
    let forms_ref: Vec<(&str, &[u8])> = forms
        .iter()
        .map(|(cve, form)| (cve.as_str(), form.as_slice()))
        .collect();
    write_match_forms(tx, &forms_ref).await?;
    audit::append(
        tx,
        scope,
        Change {
            action: "update",
            entity: "vuln_match_form",
            entity_id: None,
            org_id: None,
            before: None,
            after: Some(format!("{{\"records\":{}}}", forms.len())),
        },
    )
    .await
}

pub async fn vuln_count(c: &mut Conn<'_>) -> Result<i64> {
    let n: One<i64> = c.fetch_one("SELECT count(*) FROM vulns", vec![]).await?;
    Ok(n.0)
}

/// Records a feed import in the audit log.
pub async fn audit_import(
    tx: &mut Tx,
    scope: &Scope,
    file: &str,
    kind: &str,
    records: usize,
    problems: usize,
) -> Result<()> {
    audit::append(
        tx,
        scope,
        Change {
            action: "import",
            entity: "vuln_feed",
            entity_id: None,
            org_id: None,
            before: None,
            after: Some(format!(
                "{{\"file\":{},\"kind\":{},\"records\":{records},\"problems\":{problems}}}",
                crate::to_json(file),
                crate::to_json(kind)
            )),
        },
    )
    .await
}

// ---- warnings ----

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Warning {
    pub id: i64,
    pub number: String,
    pub issued_on: NaiveDate,
    pub title: String,
    /// JSON array of CVE ids.
    #[serde(skip)]
    pub cves: String,
    pub body: Option<String>,
    pub required_action: Option<String>,
    pub deadline: Option<NaiveDate>,
    pub published_at: Option<DateTime<Utc>>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    /// Who issued it, as the installation named the issuer when it was
    /// recorded (migration 0024); `None` only where the settings were
    /// missing then, and readers fall back to today's.
    pub issuer_name: Option<String>,
    pub issuer_short: Option<String>,
}

impl Warning {
    pub fn cve_list(&self) -> Vec<String> {
        serde_json::from_str(&self.cves).unwrap_or_default()
    }
}

pub struct NewWarning<'a> {
    pub number: &'a str,
    pub issued_on: NaiveDate,
    pub title: &'a str,
    pub cves: &'a [String],
    pub body: Option<&'a str>,
    pub required_action: Option<&'a str>,
    pub deadline: Option<NaiveDate>,
    /// The issuer as the national bodies settings name it today (`None`
    /// when they are not set).
    pub issuer_name: Option<&'a str>,
    pub issuer_short: Option<&'a str>,
}

pub async fn create_warning(tx: &mut Tx, scope: &Scope, w: &NewWarning<'_>) -> Result<i64> {
    let now = Utc::now();
    let cves = crate::to_json(w.cves);
    let id: One<i64> = tx
        .conn()
        .fetch_one_raw(
            "INSERT INTO warnings (number, issued_on, title, cves, body, required_action, deadline, created_by, created_at, issuer_name, issuer_short) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
            args![
                w.number,
                Some(w.issued_on),
                w.title,
                cves.as_str(),
                w.body.map(str::to_string),
                w.required_action.map(str::to_string),
                w.deadline,
                scope.actor.to_string(),
                now,
                w.issuer_name,
                w.issuer_short
            ],
        )
        .await
        .map_err(|e| StoreError::from_insert(e, || format!("warning number '{}'", w.number)))?;
    audit::append(
        tx,
        scope,
        Change {
            action: "create",
            entity: "warning",
            entity_id: Some(id.0),
            org_id: None,
            before: None,
            after: Some(format!(
                "{{\"number\":{},\"title\":{},\"cves\":{cves},\"issuer\":{}}}",
                crate::to_json(w.number),
                crate::to_json(w.title),
                crate::to_json(&w.issuer_name)
            )),
        },
    )
    .await?;
    Ok(id.0)
}

pub async fn publish_warning(tx: &mut Tx, scope: &Scope, id: i64) -> Result<bool> {
    let n = tx
        .conn()
        .execute(
            "UPDATE warnings SET published_at = $1 WHERE id = $2 AND published_at IS NULL",
            args![Utc::now(), id],
        )
        .await?;
    if n == 1 {
        audit::append(
            tx,
            scope,
            Change {
                action: "publish",
                entity: "warning",
                entity_id: Some(id),
                org_id: None,
                before: None,
                after: None,
            },
        )
        .await?;
    }
    Ok(n == 1)
}

const WARNING_COLUMNS: &str = "id, number, issued_on, title, cves, body, required_action, deadline, published_at, created_by, created_at, issuer_name, issuer_short";

/// Warnings are province-wide facts: everyone reads them (organisations see
/// only the findings that are theirs).
pub async fn warnings(c: &mut Conn<'_>) -> Result<Vec<Warning>> {
    c.fetch_all(
        &format!("SELECT {WARNING_COLUMNS} FROM warnings ORDER BY issued_on DESC, id DESC"),
        vec![],
    )
    .await
}

pub async fn warning(c: &mut Conn<'_>, id: i64) -> Result<Option<Warning>> {
    c.fetch_optional(
        &format!("SELECT {WARNING_COLUMNS} FROM warnings WHERE id = $1"),
        args![id],
    )
    .await
}

// ---- findings ----

pub(crate) const MATCHER: &str = "system:matcher";

async fn event(
    tx: &mut Tx,
    finding_id: i64,
    actor: &str,
    action: &str,
    from: Option<FindingStatus>,
    to: FindingStatus,
    note: Option<&str>,
) -> Result<()> {
    tx.conn()
        .execute(
            "INSERT INTO finding_events (finding_id, at, actor, action, from_status, to_status, note) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            args![
                finding_id,
                Utc::now(),
                actor,
                action,
                from.map(|f| f.as_str().to_string()),
                to.as_str(),
                note.map(str::to_string)
            ],
        )
        .await?;
    Ok(())
}

/// Moves a finding from `from` to `to`, if it still is `from`; records the
/// event and audits it. False when someone moved it first.
#[allow(clippy::too_many_arguments)]
pub async fn move_finding(
    tx: &mut Tx,
    scope: &Scope,
    id: i64,
    from: FindingStatus,
    action: FindingAction,
    to: FindingStatus,
    note: Option<&str>,
    accepted_until: Option<NaiveDate>,
) -> Result<bool> {
    let n = tx
        .conn()
        .execute(
            "UPDATE findings SET status = $1, note = $2, accepted_until = $3, updated_at = $4 WHERE id = $5 AND status = $6",
            args![
                to.as_str(),
                note.map(str::to_string),
                accepted_until,
                Utc::now(),
                id,
                from.as_str()
            ],
        )
        .await?;
    if n != 1 {
        return Ok(false);
    }
    let actor = scope.actor.to_string();
    event(tx, id, &actor, action.as_str(), Some(from), to, note).await?;
    audit::append(
        tx,
        scope,
        Change {
            action: action.as_str(),
            entity: "finding",
            entity_id: Some(id),
            org_id: None,
            before: Some(format!("{{\"status\":{}}}", crate::to_json(from.as_str()))),
            after: Some(format!(
                "{{\"status\":{},\"note\":{}}}",
                crate::to_json(to.as_str()),
                crate::to_json(&note)
            )),
        },
    )
    .await?;
    Ok(true)
}

/// The matcher's own move (reopen, resolved by update), recorded as its event.
pub async fn matcher_move(
    tx: &mut Tx,
    id: i64,
    from: FindingStatus,
    action: FindingAction,
    to: FindingStatus,
) -> Result<()> {
    tx.conn()
        .execute(
            "UPDATE findings SET status = $1, updated_at = $2 WHERE id = $3 AND status = $4",
            args![to.as_str(), Utc::now(), id, from.as_str()],
        )
        .await?;
    event(tx, id, MATCHER, action.as_str(), Some(from), to, None).await
}

/// A finding with what a person needs to act on it.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct FindingView {
    pub id: i64,
    pub asset_id: i64,
    pub hostname: String,
    pub system_id: i64,
    pub system_code: String,
    pub owner_org_id: i64,
    pub cve: String,
    pub title: Option<String>,
    pub cvss: Option<f64>,
    pub kev: Option<bool>,
    pub status: String,
    pub priority: String,
    pub deadline: NaiveDate,
    pub deadline_by: String,
    #[serde(skip)]
    pub evidence: String,
    /// One line of the evidence (what was installed, which rule met it),
    /// filled by the use case so a list needs no request per finding.
    #[sqlx(skip)]
    pub evidence_summary: String,
    #[serde(skip)]
    pub reasons: String,
    pub note: Option<String>,
    pub accepted_until: Option<NaiveDate>,
    pub detected_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Default)]
pub struct FindingFilter {
    pub cves: Option<Vec<String>>,
    pub org_id: Option<i64>,
    pub asset_id: Option<i64>,
    pub status: Option<FindingStatus>,
    /// Open and in progress only.
    pub active: bool,
    /// Active and past the deadline on `today`.
    pub overdue_on: Option<NaiveDate>,
    pub after_id: Option<i64>,
    pub limit: i64,
}

/// Findings the scope may see (through the system's owner or operator),
/// overdue first, then by priority and deadline.
pub async fn findings(
    c: &mut Conn<'_>,
    scope: &Scope,
    f: &FindingFilter,
    today: NaiveDate,
) -> Result<Page<FindingView>> {
    let mut q = Sql::new(
        "SELECT f.id, f.asset_id, a.hostname, f.system_id, s.code AS system_code, s.owner_org_id, f.cve, v.title, v.cvss, v.kev, \
         f.status, f.priority, f.deadline, f.deadline_by, COALESCE(te.body, f.evidence) AS evidence, \
         COALESCE(tr.body, f.reasons) AS reasons, f.note, f.accepted_until, f.detected_at, f.updated_at \
         FROM findings f JOIN assets a ON a.id = f.asset_id JOIN systems s ON s.id = f.system_id \
         LEFT JOIN vulns v ON v.cve = f.cve \
         LEFT JOIN vuln_texts te ON te.id = f.evidence_id LEFT JOIN vuln_texts tr ON tr.id = f.reasons_id \
         WHERE 1 = 1",
    );
    visibility(&mut q, scope, "s");
    if let Some(cves) = &f.cves {
        q.push(" AND f.cve IN (", vec![]);
        for (i, c) in cves.iter().enumerate() {
            q.push(if i == 0 { "?" } else { ",?" }, args![c.as_str()]);
        }
        if cves.is_empty() {
            q.push("''", vec![]);
        }
        q.push(")", vec![]);
    }
    if let Some(o) = f.org_id {
        q.push(
            " AND (s.owner_org_id = ? OR s.operator_org_id = ?)",
            args![o, o],
        );
    }
    if let Some(a) = f.asset_id {
        q.push(" AND f.asset_id = ?", args![a]);
    }
    if let Some(s) = f.status {
        q.push(" AND f.status = ?", args![s.as_str()]);
    }
    if f.active || f.overdue_on.is_some() {
        q.push(" AND f.status IN ('open', 'in_progress')", vec![]);
    }
    if let Some(d) = f.overdue_on {
        q.push(" AND f.deadline < ?", args![Some(d)]);
    }
    if let Some(after) = f.after_id {
        q.push(" AND f.id > ?", args![after]);
    }
    let limit = f.limit.clamp(1, 5000);
    // Keyset pages go by id; within a page the order people need.
    q.push(" ORDER BY f.id LIMIT ?", args![limit + 1]);
    let rows: Vec<FindingView> = c.fetch_all(&q.text, q.args).await?;
    let mut page = Page::from_rows(rows, limit, |r: &FindingView| r.id);
    page.items.sort_by(|a, b| {
        let overdue = |r: &FindingView| {
            FindingStatus::Open.as_str() == r.status || r.status == FindingStatus::InProgress.as_str()
        } && r.deadline < today;
        overdue(b)
            .cmp(&overdue(a))
            .then_with(|| priority_rank(&a.priority).cmp(&priority_rank(&b.priority)))
            .then(a.deadline.cmp(&b.deadline))
            .then(a.id.cmp(&b.id))
    });
    Ok(page)
}

fn priority_rank(p: &str) -> u8 {
    match p {
        "immediate" => 0,
        "out-of-cycle" => 1,
        "scheduled" => 2,
        _ => 3,
    }
}

pub async fn finding(c: &mut Conn<'_>, scope: &Scope, id: i64) -> Result<Option<FindingView>> {
    let page = findings(
        c,
        scope,
        &FindingFilter {
            after_id: Some(id - 1),
            limit: 1,
            ..Default::default()
        },
        NaiveDate::MIN,
    )
    .await?;
    Ok(page.items.into_iter().find(|f| f.id == id))
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct FindingEvent {
    pub at: DateTime<Utc>,
    pub actor: String,
    pub action: String,
    pub from_status: Option<String>,
    pub to_status: String,
    pub note: Option<String>,
}

pub async fn finding_events(c: &mut Conn<'_>, finding_id: i64) -> Result<Vec<FindingEvent>> {
    c.fetch_all(
        "SELECT at, actor, action, from_status, to_status, note FROM finding_events WHERE finding_id = $1 ORDER BY id",
        args![finding_id],
    )
    .await
}

/// A statement that names an asset's product but cannot be compared with
/// its version, as the matcher found it.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Unevaluable {
    pub asset_id: i64,
    pub system_id: i64,
    pub cve: String,
    pub source: String,
    pub record: String,
    pub rule: String,
    pub inventory_fact: String,
    pub reason: String,
}

/// Replaces the whole "cannot be evaluated" list with this run's.
pub async fn replace_unevaluable(tx: &mut Tx, rows: &[Unevaluable]) -> Result<()> {
    clear_unevaluable(tx).await?;
    add_unevaluable(tx, rows).await
}

/// Empties the "cannot be evaluated" list (a run then adds its own in parts).
pub async fn clear_unevaluable(tx: &mut Tx) -> Result<()> {
    tx.conn()
        .execute("DELETE FROM vuln_unevaluable", vec![])
        .await?;
    Ok(())
}

/// Adds to the "cannot be evaluated" list, in multi-row statements.
pub async fn add_unevaluable(tx: &mut Tx, rows: &[Unevaluable]) -> Result<()> {
    let now = Utc::now();
    for chunk in rows.chunks(BATCH) {
        let mut q = Sql::new(
            "INSERT INTO vuln_unevaluable (asset_id, system_id, cve, source, record, rule, inventory_fact, reason, found_at) VALUES ",
        );
        for (i, u) in chunk.iter().enumerate() {
            q.push_row(
                i == 0,
                args![
                    u.asset_id,
                    u.system_id,
                    u.cve.as_str(),
                    u.source.as_str(),
                    u.record.as_str(),
                    u.rule.as_str(),
                    u.inventory_fact.as_str(),
                    u.reason.as_str(),
                    now
                ],
            );
        }
        tx.conn().execute(&q.text, q.args).await?;
    }
    Ok(())
}

/// A "cannot be evaluated" entry with the asset and system it concerns.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct UnevaluableView {
    pub asset_id: i64,
    pub hostname: String,
    pub system_id: i64,
    pub system_code: String,
    pub owner_org_id: i64,
    pub cve: String,
    pub source: String,
    pub record: String,
    pub rule: String,
    pub inventory_fact: String,
    pub reason: String,
    pub found_at: DateTime<Utc>,
}

/// The "cannot be evaluated" list the scope may see, filtered like findings
/// (CVEs, organisation, asset).
pub async fn unevaluable(
    c: &mut Conn<'_>,
    scope: &Scope,
    f: &FindingFilter,
) -> Result<Vec<UnevaluableView>> {
    let mut q = Sql::new(
        "SELECT u.asset_id, a.hostname, u.system_id, s.code AS system_code, s.owner_org_id, u.cve, u.source, u.record, u.rule, \
         u.inventory_fact, u.reason, u.found_at \
         FROM vuln_unevaluable u JOIN assets a ON a.id = u.asset_id JOIN systems s ON s.id = u.system_id WHERE 1 = 1",
    );
    visibility(&mut q, scope, "s");
    if let Some(cves) = &f.cves {
        q.push(" AND u.cve IN (''", vec![]);
        for c in cves {
            q.push(",?", args![c.as_str()]);
        }
        q.push(")", vec![]);
    }
    if let Some(o) = f.org_id {
        q.push(
            " AND (s.owner_org_id = ? OR s.operator_org_id = ?)",
            args![o, o],
        );
    }
    if let Some(a) = f.asset_id {
        q.push(" AND u.asset_id = ?", args![a]);
    }
    q.push(
        " ORDER BY u.asset_id, u.cve, u.record LIMIT ?",
        args![f.limit.clamp(1, 5000)],
    );
    c.fetch_all(&q.text, q.args).await
}

/// Every asset with its system's facts, for matching.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AssetForMatch {
    pub asset_id: i64,
    pub system_id: i64,
    pub internet_facing: bool,
    pub level: Option<i64>,
}

pub async fn assets_for_match(c: &mut Conn<'_>) -> Result<Vec<AssetForMatch>> {
    c.fetch_all(
        "SELECT a.id AS asset_id, a.system_id, s.internet_facing, COALESCE(s.approved_level, s.proposed_level) AS level \
         FROM assets a JOIN systems s ON s.id = a.system_id ORDER BY a.id",
        vec![],
    )
    .await
}
