//! Botnet lists and their listed addresses.

use crate::audit::{self, Change, BATCH};
use crate::db::{args, Conn, One, Sql, Tx};
use crate::{Result, StoreError};
use chrono::{DateTime, Utc};
use domain::Scope;
use serde::Serialize;

/// One imported list, with the counts of its import.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct BotnetList {
    pub id: i64,
    pub source: String,
    pub period: String,
    pub file_name: String,
    pub lines: i64,
    pub listed: i64,
    pub duplicates: i64,
    pub special: i64,
    pub unknown_owner: i64,
    pub imported_by: String,
    pub imported_at: DateTime<Utc>,
}

pub struct NewList<'a> {
    pub source: &'a str,
    pub period: &'a str,
    pub file_name: &'a str,
    pub lines: i64,
    pub listed: i64,
    pub duplicates: i64,
    pub special: i64,
    pub unknown_owner: i64,
}

/// Starts writing a list inside `tx`: its listings follow with
/// [`append_listings`] and [`finish_list`] records the counts and the audit.
/// Nothing is visible to others until the transaction commits.
pub async fn create_list(tx: &mut Tx, scope: &Scope, list: &NewList<'_>) -> Result<i64> {
    let now = Utc::now();
    let id: One<i64> = tx
        .conn()
        .fetch_one_raw(
            "INSERT INTO botnet_lists (source, period, file_name, lines, listed, duplicates, special, unknown_owner, imported_by, imported_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
            args![list.source, list.period, list.file_name, list.lines, list.listed, list.duplicates, list.special, list.unknown_owner, scope.actor.to_string(), now],
        )
        .await
        .map_err(|e| StoreError::from_insert(e, || format!("the list of source '{}' for {}", list.source, list.period)))?;
    Ok(id.0)
}

pub async fn append_listings(tx: &mut Tx, list_id: i64, listings: &[ListingRow]) -> Result<()> {
    for chunk in listings.chunks(BATCH) {
        let mut q = Sql::new(
            "INSERT INTO botnet_listings (list_id, line, ip, owner_org_id, isp_org_id, matched_block, family, port, seen, asn, c2, system_id, asset_id) VALUES ",
        );
        for (i, l) in chunk.iter().enumerate() {
            q.push(
                if i == 0 {
                    "(?,?,?,?,?,?,?,?,?,?,?,?,?)"
                } else {
                    ",(?,?,?,?,?,?,?,?,?,?,?,?,?)"
                },
                args![
                    list_id,
                    l.line,
                    l.ip.as_str(),
                    l.owner_org_id,
                    l.isp_org_id,
                    l.matched_block.clone(),
                    l.family.clone(),
                    l.port,
                    l.seen.clone(),
                    l.asn,
                    l.c2.clone(),
                    l.system_id,
                    l.asset_id
                ],
            );
        }
        tx.conn().execute(&q.text, q.args).await?;
    }
    Ok(())
}

/// Records the final counts of a list and audits its import.
pub async fn finish_list(tx: &mut Tx, scope: &Scope, id: i64, list: &NewList<'_>) -> Result<()> {
    tx.conn()
        .execute(
            "UPDATE botnet_lists SET lines = $1, listed = $2, duplicates = $3, special = $4, unknown_owner = $5 WHERE id = $6",
            args![list.lines, list.listed, list.duplicates, list.special, list.unknown_owner, id],
        )
        .await?;
    audit::append(
        tx,
        scope,
        Change {
            action: "import",
            entity: "botnet_list",
            entity_id: Some(id),
            org_id: None,
            before: None,
            after: Some(format!(
                "{{\"source\":{},\"period\":{},\"file\":{},\"listed\":{}}}",
                crate::to_json(list.source),
                crate::to_json(list.period),
                crate::to_json(list.file_name),
                list.listed
            )),
        },
    )
    .await
}

const LIST_COLUMNS: &str = "id, source, period, file_name, lines, listed, duplicates, special, unknown_owner, imported_by, imported_at";

/// Every list, newest period first. The lists themselves are province-wide
/// facts; what each owner may see of their content is filtered below.
pub async fn lists(c: &mut Conn<'_>) -> Result<Vec<BotnetList>> {
    c.fetch_all(
        &format!("SELECT {LIST_COLUMNS} FROM botnet_lists ORDER BY period DESC, id DESC"),
        vec![],
    )
    .await
}

pub async fn get(c: &mut Conn<'_>, id: i64) -> Result<Option<BotnetList>> {
    c.fetch_optional(
        &format!("SELECT {LIST_COLUMNS} FROM botnet_lists WHERE id = $1"),
        args![id],
    )
    .await
}

/// Listed addresses per owner and malware family in one list, as far as the
/// scope may see: the province sees every owner (and the unknown ones), an
/// organisation only its own.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OwnerFamilyCount {
    pub owner_org_id: Option<i64>,
    pub family: Option<String>,
    pub n: i64,
    pub first_seen: Option<String>,
    pub last_seen: Option<String>,
}

pub async fn owner_counts(
    c: &mut Conn<'_>,
    scope: &Scope,
    list_id: i64,
) -> Result<Vec<OwnerFamilyCount>> {
    let mut q = Sql::new(
        "SELECT owner_org_id, family, count(*) AS n, min(seen) AS first_seen, max(seen) AS last_seen FROM botnet_listings WHERE list_id = $1",
    );
    q.args.push(list_id.into());
    push_visibility(&mut q, scope, "");
    q.push(" GROUP BY owner_org_id, family", vec![]);
    c.fetch_all(&q.text, q.args).await
}

/// A listed address as stored: what the list said and the owner it resolved to.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct ListingRow {
    pub line: i64,
    pub ip: String,
    pub owner_org_id: Option<i64>,
    /// The operator whose space holds the address (also under an agency's block).
    pub isp_org_id: Option<i64>,
    pub matched_block: Option<String>,
    pub family: Option<String>,
    pub port: Option<i64>,
    pub seen: Option<String>,
    pub asn: Option<i64>,
    pub c2: Option<String>,
    pub system_id: Option<i64>,
    pub asset_id: Option<i64>,
}

/// A listed address as an owner sees it: the stored row, whether the owner
/// marked it cleaned in this list, and whether it was marked cleaned in an
/// earlier month and came back.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct ListingView {
    #[sqlx(flatten)]
    #[serde(flatten)]
    pub row: ListingRow,
    pub cleaned_note: Option<String>,
    pub reinfected: bool,
}

/// Which listings of a list to read.
#[derive(Debug, Clone, Default)]
pub struct ListingFilter {
    pub owner: Option<i64>,
    /// Only addresses whose owner is unknown.
    pub unknown: bool,
    pub ip: Option<String>,
    pub after_line: Option<i64>,
    pub limit: Option<i64>,
}

/// The rows an organisation may see of a list: its own addresses, and for an
/// operator also its customers' (addresses in its space).
fn push_visibility(q: &mut Sql, scope: &Scope, alias: &str) {
    if !scope.sees_province() {
        q.push(
            &format!(" AND ({alias}owner_org_id = ? OR {alias}isp_org_id = ?)"),
            args![scope.org_id, scope.org_id],
        );
    }
}

pub async fn listing_views(
    c: &mut Conn<'_>,
    scope: &Scope,
    list: &BotnetList,
    f: &ListingFilter,
) -> Result<Vec<ListingView>> {
    let mut q = Sql::new(
        "SELECT l.line, l.ip, l.owner_org_id, l.isp_org_id, l.matched_block, l.family, l.port, l.seen, l.asn, l.c2, l.system_id, l.asset_id, \
         cl.note AS cleaned_note, \
         EXISTS (SELECT 1 FROM botnet_cleanups e JOIN botnet_lists p ON p.id = e.list_id WHERE e.ip = l.ip AND p.period < $1) AS reinfected \
         FROM botnet_listings l LEFT JOIN botnet_cleanups cl ON cl.list_id = l.list_id AND cl.ip = l.ip \
         WHERE l.list_id = $2",
    );
    q.args.push(list.period.clone().into());
    q.args.push(list.id.into());
    push_visibility(&mut q, scope, "l.");
    if let Some(o) = f.owner {
        q.push(" AND l.owner_org_id = ?", args![o]);
    }
    if f.unknown {
        q.push(" AND l.owner_org_id IS NULL", vec![]);
    }
    if let Some(ip) = &f.ip {
        q.push(" AND l.ip = ?", args![ip.as_str()]);
    }
    if let Some(after) = f.after_line {
        q.push(" AND l.line > ?", args![after]);
    }
    q.push(" ORDER BY l.line", vec![]);
    if let Some(limit) = f.limit {
        q.push(" LIMIT ?", args![limit]);
    }
    c.fetch_all(&q.text, q.args).await
}

pub async fn listings(
    c: &mut Conn<'_>,
    scope: &Scope,
    list_id: i64,
    owner: Option<i64>,
) -> Result<Vec<ListingRow>> {
    let mut q = Sql::new(
        "SELECT line, ip, owner_org_id, isp_org_id, matched_block, family, port, seen, asn, c2, system_id, asset_id FROM botnet_listings WHERE list_id = $1",
    );
    q.args.push(list_id.into());
    push_visibility(&mut q, scope, "");
    if let Some(o) = owner {
        q.push(" AND owner_org_id = ?", args![o]);
    }
    q.push(" ORDER BY line", vec![]);
    c.fetch_all(&q.text, q.args).await
}

/// The lists of one source up to and including `period`, newest first.
pub async fn history(
    c: &mut Conn<'_>,
    source: &str,
    period: &str,
    limit: i64,
) -> Result<Vec<BotnetList>> {
    c.fetch_all(
        &format!("SELECT {LIST_COLUMNS} FROM botnet_lists WHERE source = $1 AND period <= $2 ORDER BY period DESC LIMIT $3"),
        args![source, period, limit],
    )
    .await
}

/// Listed addresses per operator whose space holds them, in one list.
pub async fn isp_counts(c: &mut Conn<'_>, scope: &Scope, list_id: i64) -> Result<Vec<(i64, i64)>> {
    let mut q = Sql::new(
        "SELECT isp_org_id, count(*) FROM botnet_listings WHERE list_id = $1 AND isp_org_id IS NOT NULL",
    );
    q.args.push(list_id.into());
    push_visibility(&mut q, scope, "");
    q.push(" GROUP BY isp_org_id", vec![]);
    c.fetch_all(&q.text, q.args).await
}

/// Listed addresses per period and owner of one source, for trend charts;
/// `owner` narrows to one organisation.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct TrendPoint {
    pub period: String,
    pub owner_org_id: Option<i64>,
    pub n: i64,
}

pub async fn trend(
    c: &mut Conn<'_>,
    scope: &Scope,
    source: &str,
    owner: Option<i64>,
) -> Result<Vec<TrendPoint>> {
    let mut q = Sql::new(
        "SELECT b.period, l.owner_org_id, count(*) AS n FROM botnet_listings l JOIN botnet_lists b ON b.id = l.list_id WHERE b.source = $1",
    );
    q.args.push(source.into());
    push_visibility(&mut q, scope, "l.");
    if let Some(o) = owner {
        q.push(" AND l.owner_org_id = ?", args![o]);
    }
    q.push(
        " GROUP BY b.period, l.owner_org_id ORDER BY b.period",
        vec![],
    );
    c.fetch_all(&q.text, q.args).await
}

/// Records that an owner cleaned a listed address; audited.
pub async fn mark_cleaned(
    tx: &mut Tx,
    scope: &Scope,
    list_id: i64,
    ip: &str,
    org_id: Option<i64>,
    note: &str,
) -> Result<()> {
    let now = Utc::now();
    tx.conn()
        .execute_raw(
            "INSERT INTO botnet_cleanups (list_id, ip, org_id, note, marked_by, marked_at) VALUES ($1, $2, $3, $4, $5, $6)",
            args![list_id, ip, org_id, note, scope.actor.to_string(), now],
        )
        .await
        .map_err(|e| StoreError::from_insert(e, || format!("a clean-up note for {ip} in this list")))?;
    audit::append(
        tx,
        scope,
        Change {
            action: "mark_cleaned",
            entity: "botnet_list",
            entity_id: Some(list_id),
            org_id,
            before: None,
            after: Some(format!(
                "{{\"ip\":{},\"note\":{}}}",
                crate::to_json(ip),
                crate::to_json(note)
            )),
        },
    )
    .await
}

/// One prefix of an operator's address space.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct IspPrefix {
    pub cidr: String,
    pub asn: i64,
    pub name: Option<String>,
}

/// Replaces the prefixes of every ASN in `rows` with `rows`: importing the
/// same list again changes nothing, a newer list replaces the older one.
pub async fn replace_prefixes(
    tx: &mut Tx,
    scope: &Scope,
    source: &str,
    rows: &[IspPrefix],
) -> Result<usize> {
    let mut asns: Vec<i64> = rows.iter().map(|r| r.asn).collect();
    asns.sort_unstable();
    asns.dedup();
    for asn in &asns {
        tx.conn()
            .execute("DELETE FROM isp_prefixes WHERE asn = $1", args![*asn])
            .await?;
    }
    let now = Utc::now();
    let mut seen = std::collections::HashSet::new();
    let unique: Vec<&IspPrefix> = rows
        .iter()
        .filter(|r| seen.insert((r.asn, r.cidr.as_str())))
        .collect();
    for chunk in unique.chunks(BATCH) {
        let mut q =
            Sql::new("INSERT INTO isp_prefixes (cidr, asn, name, source, imported_at) VALUES ");
        for (i, r) in chunk.iter().enumerate() {
            q.push(
                if i == 0 {
                    "(?,?,?,?,?)"
                } else {
                    ",(?,?,?,?,?)"
                },
                args![r.cidr.as_str(), r.asn, r.name.clone(), source, now],
            );
        }
        tx.conn().execute(&q.text, q.args).await?;
    }
    audit::append(
        tx,
        scope,
        Change {
            action: "import",
            entity: "isp_prefixes",
            entity_id: None,
            org_id: None,
            before: None,
            after: Some(format!(
                "{{\"source\":{},\"asns\":{},\"prefixes\":{}}}",
                crate::to_json(source),
                crate::to_json(&asns),
                unique.len()
            )),
        },
    )
    .await?;
    Ok(unique.len())
}

pub async fn prefixes(c: &mut Conn<'_>) -> Result<Vec<IspPrefix>> {
    c.fetch_all(
        "SELECT cidr, asn, name FROM isp_prefixes ORDER BY asn, cidr",
        vec![],
    )
    .await
}

/// Per ASN: how many prefixes are known and the name they were imported with.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct PrefixSummary {
    pub asn: i64,
    pub prefixes: i64,
    pub name: Option<String>,
    pub source: String,
}

pub async fn prefix_summary(c: &mut Conn<'_>) -> Result<Vec<PrefixSummary>> {
    c.fetch_all(
        "SELECT asn, count(*) AS prefixes, max(name) AS name, max(source) AS source FROM isp_prefixes GROUP BY asn ORDER BY asn",
        vec![],
    )
    .await
}
