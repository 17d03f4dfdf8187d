//! The counts the 6-monthly and yearly reports need, grouped in SQL so that a
//! report over a province reads a handful of rows rather than every record.
//!
//! Every function takes the acting scope and filters by it as the other
//! modules do; `org` narrows further to one organisation's own records (the
//! findings on the systems it owns, the listed addresses it owns). The
//! systems themselves are counted by `systems::summary`, as for the
//! dashboard.

use crate::botnet::BotnetList;
use crate::db::{args, Arg, Conn, Sql};
use crate::Result;
use chrono::{DateTime, NaiveDate, Utc};
use domain::Scope;

/// Findings with the same owner, status and priority, detected before `to`.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct FindingGroup {
    pub owner_org_id: i64,
    pub status: String,
    pub priority: String,
    /// Detected on or after `from`.
    pub in_period: bool,
    /// The deadline is before `today`.
    pub past_deadline: bool,
    pub n: i64,
}

/// Findings detected before `to` on systems the scope may see (owned by
/// `org` when given), counted by owner, status, priority, whether detected
/// in `[from, to)` and whether past their deadline on `today`.
pub async fn findings(
    c: &mut Conn<'_>,
    scope: &Scope,
    org: Option<i64>,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    today: NaiveDate,
) -> Result<Vec<FindingGroup>> {
    let mut q = Sql::default();
    q.push(
        "SELECT s.owner_org_id, f.status, f.priority, (f.detected_at >= ?) AS in_period, \
         (f.deadline < ?) AS past_deadline, count(*) AS n \
         FROM findings f JOIN systems s ON s.id = f.system_id WHERE f.detected_at < ?",
        args![from, Some(today), to],
    );
    crate::systems::visibility(&mut q, scope, "s");
    if let Some(o) = org {
        q.push(" AND s.owner_org_id = ?", args![o]);
    }
    q.push(" GROUP BY 1, 2, 3, 4, 5", vec![]);
    c.fetch_all(&q.text, q.args).await
}

/// Findings of some CVEs with the same CVE, owner, status and lateness.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CveFindingGroup {
    pub cve: String,
    pub owner_org_id: i64,
    pub status: String,
    pub past_deadline: bool,
    pub n: i64,
}

/// Findings of `cves` on systems the scope may see (owned by `org` when
/// given), by CVE, owner, status and whether past the deadline on `today`.
pub async fn findings_of_cves(
    c: &mut Conn<'_>,
    scope: &Scope,
    org: Option<i64>,
    cves: &[String],
    today: NaiveDate,
) -> Result<Vec<CveFindingGroup>> {
    if cves.is_empty() {
        return Ok(Vec::new());
    }
    let mut q = Sql::default();
    q.push(
        "SELECT f.cve, s.owner_org_id, f.status, (f.deadline < ?) AS past_deadline, count(*) AS n \
         FROM findings f JOIN systems s ON s.id = f.system_id WHERE f.cve IN (",
        args![Some(today)],
    );
    for (i, cve) in cves.iter().enumerate() {
        q.push(if i == 0 { "?" } else { ",?" }, args![cve.as_str()]);
    }
    q.push(")", vec![]);
    crate::systems::visibility(&mut q, scope, "s");
    if let Some(o) = org {
        q.push(" AND s.owner_org_id = ?", args![o]);
    }
    q.push(" GROUP BY 1, 2, 3, 4", vec![]);
    c.fetch_all(&q.text, q.args).await
}

/// Restricts listed addresses (`alias` is the table alias) to those the
/// report counts: an organisation's own (by owner, never its operator's
/// customers), or `org`'s.
fn owned(q: &mut Sql, scope: &Scope, org: Option<i64>, alias: &str) {
    if !scope.sees_province() {
        q.push(
            &format!(" AND {alias}.owner_org_id = ?"),
            args![scope.org_id],
        );
    }
    if let Some(o) = org {
        q.push(&format!(" AND {alias}.owner_org_id = ?"), args![o]);
    }
}

/// One list's figures for the report.
#[derive(Debug, Clone, Default)]
pub struct BotnetMonthCounts {
    pub listed: i64,
    /// Of those listed, also in the source's previous list.
    pub still_listed: i64,
    /// In the previous list, no longer in this one.
    pub gone: i64,
    /// Marked cleaned by their owner in this list.
    pub marked_cleaned: i64,
    /// Marked cleaned in an earlier month and listed again.
    pub reinfected: i64,
    pub unknown_owner: i64,
}

#[derive(sqlx::FromRow)]
struct MonthRow {
    listed: i64,
    still_listed: i64,
    previous: i64,
    previous_kept: i64,
    marked_cleaned: i64,
    reinfected: i64,
    unknown_owner: i64,
}

/// The figures of `list` (compared with `previous`, the source's list
/// before it) for the addresses the report counts.
///
/// Only `IN (subquery)` is used to compare lists, never `NOT IN`: SQLite
/// evaluates it once into a temporary index and PostgreSQL as a hashed
/// semi-join that spills to disk, while PostgreSQL's `NOT IN` falls back to
/// a rescan per row when a list outgrows its work memory (the listed address
/// has no index, see migration 0003). What is gone is what was listed before
/// minus what was kept.
pub async fn botnet_month(
    c: &mut Conn<'_>,
    scope: &Scope,
    org: Option<i64>,
    list: &BotnetList,
    previous: Option<&BotnetList>,
) -> Result<BotnetMonthCounts> {
    // A list that does not exist holds nothing: the first list of a source
    // has nothing still listed and nothing gone.
    let prev = previous.map_or(-1, |p| p.id);
    let mut q = Sql::default();
    let count = |q: &mut Sql, list_id: i64, alias: &str, rest: &str, rest_args: Vec<Arg>| {
        q.push(
            &format!("(SELECT count(*) FROM botnet_listings {alias} WHERE {alias}.list_id = ?"),
            args![list_id],
        );
        owned(q, scope, org, alias);
        q.push(rest, rest_args);
        q.push(")", vec![]);
    };
    q.push("SELECT ", vec![]);
    count(&mut q, list.id, "l", "", vec![]);
    q.push(" AS listed, ", vec![]);
    count(
        &mut q,
        list.id,
        "l",
        " AND l.ip IN (SELECT p.ip FROM botnet_listings p WHERE p.list_id = ?)",
        args![prev],
    );
    q.push(" AS still_listed, ", vec![]);
    count(&mut q, prev, "p", "", vec![]);
    q.push(" AS previous, ", vec![]);
    count(
        &mut q,
        prev,
        "p",
        " AND p.ip IN (SELECT l.ip FROM botnet_listings l WHERE l.list_id = ?)",
        args![list.id],
    );
    q.push(" AS previous_kept, ", vec![]);
    count(
        &mut q,
        list.id,
        "l",
        " AND l.ip IN (SELECT e.ip FROM botnet_cleanups e WHERE e.list_id = ?)",
        args![list.id],
    );
    q.push(" AS marked_cleaned, ", vec![]);
    count(
        &mut q,
        list.id,
        "l",
        " AND l.ip IN (SELECT e.ip FROM botnet_cleanups e JOIN botnet_lists b ON b.id = e.list_id \
         WHERE b.period < ?)",
        args![list.period.as_str()],
    );
    q.push(" AS reinfected, ", vec![]);
    count(&mut q, list.id, "l", " AND l.owner_org_id IS NULL", vec![]);
    q.push(" AS unknown_owner", vec![]);
    let r: MonthRow = c.fetch_one(&q.text, q.args).await?;
    Ok(BotnetMonthCounts {
        listed: r.listed,
        still_listed: r.still_listed,
        gone: r.previous - r.previous_kept,
        marked_cleaned: r.marked_cleaned,
        reinfected: r.reinfected,
        unknown_owner: r.unknown_owner,
    })
}

/// Distinct addresses listed in any of `list_ids`, per owner.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct BotnetOwnerTotal {
    pub owner_org_id: Option<i64>,
    pub addresses: i64,
    /// Of those, marked cleaned by the owner in some list.
    pub marked_cleaned: i64,
}

pub async fn botnet_owner_totals(
    c: &mut Conn<'_>,
    scope: &Scope,
    org: Option<i64>,
    list_ids: &[i64],
) -> Result<Vec<BotnetOwnerTotal>> {
    if list_ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut q = Sql::default();
    q.push(
        "SELECT l.owner_org_id, count(DISTINCT l.ip) AS addresses, \
         count(DISTINCT CASE WHEN e.ip IS NOT NULL THEN l.ip END) AS marked_cleaned \
         FROM botnet_listings l LEFT JOIN botnet_cleanups e ON e.list_id = l.list_id AND e.ip = l.ip \
         WHERE l.list_id IN (",
        vec![],
    );
    for (i, id) in list_ids.iter().enumerate() {
        q.push(if i == 0 { "?" } else { ",?" }, args![*id]);
    }
    q.push(")", vec![]);
    owned(&mut q, scope, org, "l");
    q.push(" GROUP BY l.owner_org_id", vec![]);
    c.fetch_all(&q.text, q.args).await
}
