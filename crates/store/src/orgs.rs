//! Organisations and their address blocks.

use crate::audit::{self, Change};
use crate::db::{args, order_by_text, text_cursor, Conn, One, Sql, Tx};
use crate::{from_json, parse_col, to_json, Page, Result, StoreError};
use chrono::{DateTime, Utc};
use domain::{Cidr, OrgInput, OrgType, Scope};
use serde::Serialize;

/// An organisation as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Org {
    pub id: i64,
    #[serde(flatten)]
    pub data: OrgInput,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct OrgRow {
    id: i64,
    name: String,
    short_name: String,
    org_type: String,
    parent_id: Option<i64>,
    address: Option<String>,
    contacts: String,
    contact_24x7: Option<String>,
    asns: String,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

const COLUMNS: &str = "id, name, short_name, org_type, parent_id, address, contacts, contact_24x7, asns, created_at, updated_at";

/// Orgs a scope may read: the province for coordinators and auditors; for
/// everyone else their own organisation and the public directory (the
/// coordinator, operators, SOC providers, national bodies).
fn visibility(q: &mut Sql, scope: &Scope) {
    if !scope.sees_province() {
        let directory: Vec<&str> = OrgType::ALL
            .iter()
            .filter(|t| t.is_directory())
            .map(|t| t.as_str())
            .collect();
        q.push(
            &format!(
                " AND (id = ? OR org_type IN ({}))",
                directory
                    .iter()
                    .map(|t| format!("'{t}'"))
                    .collect::<Vec<_>>()
                    .join(",")
            ),
            args![scope.org_id],
        );
    }
}

async fn hydrate(c: &mut Conn<'_>, rows: Vec<OrgRow>) -> Result<Vec<Org>> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let mut q = Sql::new("SELECT org_id, cidr FROM org_blocks WHERE org_id IN (");
    for (i, r) in rows.iter().enumerate() {
        q.push(if i == 0 { "?" } else { ",?" }, args![r.id]);
    }
    q.push(") ORDER BY org_id, cidr", vec![]);
    let blocks: Vec<(i64, String)> = c.fetch_all(&q.text, q.args).await?;
    rows.into_iter()
        .map(|r| {
            let mut address_blocks = blocks
                .iter()
                .filter(|(o, _)| *o == r.id)
                .map(|(_, c)| parse_col::<Cidr>("org_blocks", r.id, c))
                .collect::<Result<Vec<_>>>()?;
            address_blocks.sort();
            Ok(Org {
                id: r.id,
                data: OrgInput {
                    name: parse_col("orgs", r.id, &r.name)?,
                    short_name: parse_col("orgs", r.id, &r.short_name)?,
                    org_type: parse_col("orgs", r.id, &r.org_type)?,
                    parent_id: r.parent_id,
                    address: r.address,
                    contacts: from_json("orgs", r.id, &r.contacts)?,
                    contact_24x7: match r.contact_24x7 {
                        Some(t) => Some(from_json("orgs", r.id, &t)?),
                        None => None,
                    },
                    address_blocks,
                    asns: from_json("orgs", r.id, &r.asns)?,
                },
                created_at: r.created_at,
                updated_at: r.updated_at,
            })
        })
        .collect()
}

pub async fn get(c: &mut Conn<'_>, scope: &Scope, id: i64) -> Result<Option<Org>> {
    let mut q = Sql::new(&format!("SELECT {COLUMNS} FROM orgs WHERE id = $1"));
    q.args.push(id.into());
    visibility(&mut q, scope);
    let rows: Vec<OrgRow> = c.fetch_all(&q.text, q.args).await?;
    Ok(hydrate(c, rows).await?.pop())
}

/// Looks an organisation up by its short name, as import files name owners.
pub async fn find_by_short_name(
    c: &mut Conn<'_>,
    scope: &Scope,
    short: &str,
) -> Result<Option<Org>> {
    let mut q = Sql::new(&format!("SELECT {COLUMNS} FROM orgs WHERE short_name = $1"));
    q.args.push(short.trim().into());
    visibility(&mut q, scope);
    let rows: Vec<OrgRow> = c.fetch_all(&q.text, q.args).await?;
    Ok(hydrate(c, rows).await?.pop())
}

#[derive(Debug, Default, Clone)]
pub struct OrgFilter {
    pub org_type: Option<OrgType>,
    pub parent_id: Option<i64>,
    /// Matches the name or short name, case-insensitively.
    pub q: Option<String>,
    pub after: Option<i64>,
    /// Alphabetical by name (cursor in `after_key`) instead of registration order.
    pub by_name: bool,
    pub after_key: Option<String>,
    pub limit: i64,
}

pub async fn list(c: &mut Conn<'_>, scope: &Scope, f: &OrgFilter) -> Result<Page<Org>> {
    let mut q = Sql::new(&format!("SELECT {COLUMNS} FROM orgs WHERE 1=1"));
    visibility(&mut q, scope);
    if let Some(t) = f.org_type {
        q.push(" AND org_type = ?", args![t.as_str()]);
    }
    if let Some(p) = f.parent_id {
        q.push(" AND parent_id = ?", args![p]);
    }
    if let Some(text) = f.q.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        let pattern = format!("%{}%", text.to_lowercase());
        q.push(
            " AND (LOWER(name) LIKE ? OR LOWER(short_name) LIKE ?)",
            args![pattern.clone(), pattern],
        );
    }
    let order = if f.by_name {
        order_by_text(&mut q, "name", "id", f.after_key.as_deref())
    } else {
        if let Some(a) = f.after {
            q.push(" AND id > ?", args![a]);
        }
        "id".to_string()
    };
    let limit = f.limit.clamp(1, 1000);
    q.push(&format!(" ORDER BY {order} LIMIT ?"), args![limit + 1]);
    let rows: Vec<OrgRow> = c.fetch_all(&q.text, q.args).await?;
    let items = hydrate(c, rows).await?;
    let mut page = Page::from_rows(items, limit, |o| o.id);
    if f.by_name && page.next.is_some() {
        page.next_key = page
            .items
            .last()
            .map(|o| text_cursor(o.data.name.as_str(), o.id));
    }
    Ok(page)
}

async fn write_blocks(tx: &mut Tx, id: i64, blocks: &[Cidr]) -> Result<()> {
    tx.conn()
        .execute("DELETE FROM org_blocks WHERE org_id = $1", args![id])
        .await?;
    let mut seen = std::collections::BTreeSet::new();
    for b in blocks {
        if seen.insert(*b) {
            tx.conn()
                .execute(
                    "INSERT INTO org_blocks (org_id, cidr) VALUES ($1, $2)",
                    args![id, b.to_string()],
                )
                .await?;
        }
    }
    Ok(())
}

pub async fn create(tx: &mut Tx, scope: &Scope, input: &OrgInput) -> Result<Org> {
    let now = Utc::now();
    let id: One<i64> = tx
        .conn()
        .fetch_one_raw(
            "INSERT INTO orgs (name, short_name, org_type, parent_id, address, contacts, contact_24x7, asns, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING id",
            args![
                input.name.as_str(),
                input.short_name.as_str(),
                input.org_type.as_str(),
                input.parent_id,
                input.address.clone(),
                to_json(&input.contacts),
                input.contact_24x7.as_ref().map(to_json),
                to_json(&input.asns),
                now
            ],
        )
        .await
        .map_err(|e| StoreError::from_insert(e, || format!("an organisation with short name '{}'", input.short_name)))?;
    write_blocks(tx, id.0, &input.address_blocks).await?;
    let org = Org {
        id: id.0,
        data: input.clone(),
        created_at: now,
        updated_at: now,
    };
    audit::append(
        tx,
        scope,
        Change {
            action: "create",
            entity: "org",
            entity_id: Some(org.id),
            org_id: Some(org.id),
            before: None,
            after: Some(to_json(&org.data)),
        },
    )
    .await?;
    Ok(org)
}

pub async fn update(tx: &mut Tx, scope: &Scope, before: &Org, input: &OrgInput) -> Result<Org> {
    let now = Utc::now();
    tx.conn()
        .execute_raw(
            "UPDATE orgs SET name = $1, short_name = $2, org_type = $3, parent_id = $4, address = $5, contacts = $6, \
             contact_24x7 = $7, asns = $8, updated_at = $9 WHERE id = $10",
            args![
                input.name.as_str(),
                input.short_name.as_str(),
                input.org_type.as_str(),
                input.parent_id,
                input.address.clone(),
                to_json(&input.contacts),
                input.contact_24x7.as_ref().map(to_json),
                to_json(&input.asns),
                now,
                before.id
            ],
        )
        .await
        .map_err(|e| StoreError::from_insert(e, || format!("an organisation with short name '{}'", input.short_name)))?;
    write_blocks(tx, before.id, &input.address_blocks).await?;
    audit::append(
        tx,
        scope,
        Change {
            action: "update",
            entity: "org",
            entity_id: Some(before.id),
            org_id: Some(before.id),
            before: Some(to_json(&before.data)),
            after: Some(to_json(input)),
        },
    )
    .await?;
    Ok(Org {
        id: before.id,
        data: input.clone(),
        created_at: before.created_at,
        updated_at: now,
    })
}

/// What still refers to an organisation, which must go before it can.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OrgUsage {
    pub systems: i64,
    pub users: i64,
    pub children: i64,
}

pub async fn usage(tx: &mut Tx, id: i64) -> Result<OrgUsage> {
    let systems: One<i64> = tx
        .conn()
        .fetch_one(
            "SELECT count(*) FROM systems WHERE owner_org_id = $1 OR operator_org_id = $1 OR soc_provider_id = $1 OR isp_id = $1",
            args![id],
        )
        .await?;
    let users: One<i64> = tx
        .conn()
        .fetch_one("SELECT count(*) FROM users WHERE org_id = $1", args![id])
        .await?;
    let children: One<i64> = tx
        .conn()
        .fetch_one("SELECT count(*) FROM orgs WHERE parent_id = $1", args![id])
        .await?;
    Ok(OrgUsage {
        systems: systems.0,
        users: users.0,
        children: children.0,
    })
}

pub async fn delete(tx: &mut Tx, scope: &Scope, before: &Org) -> Result<()> {
    tx.conn()
        .execute("DELETE FROM api_tokens WHERE org_id = $1", args![before.id])
        .await?;
    tx.conn()
        .execute("DELETE FROM org_blocks WHERE org_id = $1", args![before.id])
        .await?;
    tx.conn()
        .execute("DELETE FROM orgs WHERE id = $1", args![before.id])
        .await?;
    audit::append(
        tx,
        scope,
        Change {
            action: "delete",
            entity: "org",
            entity_id: Some(before.id),
            org_id: Some(before.id),
            before: Some(to_json(&before.data)),
            after: None,
        },
    )
    .await
}

/// Every address block in the registry with its owner, for prefix matching.
pub async fn all_blocks(c: &mut Conn<'_>) -> Result<Vec<(i64, Cidr)>> {
    let rows: Vec<(i64, String)> = c
        .fetch_all(
            "SELECT org_id, cidr FROM org_blocks ORDER BY org_id",
            vec![],
        )
        .await?;
    rows.into_iter()
        .map(|(o, t)| Ok((o, parse_col("org_blocks", o, &t)?)))
        .collect()
}

/// The coordinating organisation, if set up.
pub async fn coordinator_id(c: &mut Conn<'_>) -> Result<Option<i64>> {
    let r: Option<One<i64>> = c
        .fetch_optional(
            "SELECT id FROM orgs WHERE org_type = 'coordinator' ORDER BY id LIMIT 1",
            vec![],
        )
        .await?;
    Ok(r.map(|o| o.0))
}

pub async fn count(c: &mut Conn<'_>) -> Result<i64> {
    let n: One<i64> = c.fetch_one("SELECT count(*) FROM orgs", vec![]).await?;
    Ok(n.0)
}
