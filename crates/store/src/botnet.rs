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

/// Writes a list and all its listings, audited as one import.
pub async fn create(
    tx: &mut Tx,
    scope: &Scope,
    list: &NewList<'_>,
    listings: &[ListingRow],
) -> Result<i64> {
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
    for chunk in listings.chunks(BATCH) {
        let mut q = Sql::new(
            "INSERT INTO botnet_listings (list_id, line, ip, owner_org_id, matched_block, family, port, seen, asn, c2) VALUES ",
        );
        for (i, l) in chunk.iter().enumerate() {
            q.push(
                if i == 0 {
                    "(?,?,?,?,?,?,?,?,?,?)"
                } else {
                    ",(?,?,?,?,?,?,?,?,?,?)"
                },
                args![
                    id.0,
                    l.line,
                    l.ip.as_str(),
                    l.owner_org_id,
                    l.matched_block.clone(),
                    l.family.clone(),
                    l.port,
                    l.seen.clone(),
                    l.asn,
                    l.c2.clone()
                ],
            );
        }
        tx.conn().execute(&q.text, q.args).await?;
    }
    audit::append(
        tx,
        scope,
        Change {
            action: "import",
            entity: "botnet_list",
            entity_id: Some(id.0),
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
    .await?;
    Ok(id.0)
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
}

pub async fn owner_counts(
    c: &mut Conn<'_>,
    scope: &Scope,
    list_id: i64,
) -> Result<Vec<OwnerFamilyCount>> {
    let mut q = Sql::new(
        "SELECT owner_org_id, family, count(*) AS n FROM botnet_listings WHERE list_id = $1",
    );
    q.args.push(list_id.into());
    if !scope.sees_province() {
        q.push(" AND owner_org_id = ?", args![scope.org_id]);
    }
    q.push(" GROUP BY owner_org_id, family", vec![]);
    c.fetch_all(&q.text, q.args).await
}

/// A listed address as stored: what the list said and the owner it resolved to.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct ListingRow {
    pub line: i64,
    pub ip: String,
    pub owner_org_id: Option<i64>,
    pub matched_block: Option<String>,
    pub family: Option<String>,
    pub port: Option<i64>,
    pub seen: Option<String>,
    pub asn: Option<i64>,
    pub c2: Option<String>,
}

pub async fn listings(
    c: &mut Conn<'_>,
    scope: &Scope,
    list_id: i64,
    owner: Option<i64>,
) -> Result<Vec<ListingRow>> {
    let mut q = Sql::new(
        "SELECT line, ip, owner_org_id, matched_block, family, port, seen, asn, c2 FROM botnet_listings WHERE list_id = $1",
    );
    q.args.push(list_id.into());
    if !scope.sees_province() {
        q.push(" AND owner_org_id = ?", args![scope.org_id]);
    }
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
