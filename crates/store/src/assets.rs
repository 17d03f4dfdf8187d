//! Assets of information systems. An asset belongs to the organisations of
//! its system; visibility follows the system.

use crate::audit::{self, Change};
use crate::db::{args, order_by_text, text_cursor, Conn, One, Sql, Tx};
use crate::systems::visibility;
use crate::{from_json, parse_col, to_json, Page, Result};
use chrono::{DateTime, Utc};
use domain::{AssetInput, Scope};
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Asset {
    pub id: i64,
    #[serde(flatten)]
    pub data: AssetInput,
    /// The code and name of the asset's system, for display.
    pub system_code: String,
    pub system_name: String,
    /// The owner of the asset's system, denormalised for display and scope checks.
    pub owner_org_id: i64,
    pub operator_org_id: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Asset {
    pub fn tenants(&self) -> Vec<i64> {
        let mut v = vec![self.owner_org_id];
        v.extend(self.operator_org_id);
        v
    }
}

#[derive(sqlx::FromRow)]
struct AssetRow {
    id: i64,
    system_id: i64,
    hostname: String,
    role: String,
    ips: String,
    domains: String,
    os_name: Option<String>,
    os_version: Option<String>,
    os_build: Option<String>,
    hardware: Option<String>,
    software: String,
    modules: String,
    hotfixes: String,
    kbs: String,
    notes: Option<String>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    owner_org_id: i64,
    operator_org_id: Option<i64>,
    system_code: String,
    system_name: String,
}

const COLUMNS: &str = "a.id, a.system_id, a.hostname, a.role, a.ips, a.domains, a.os_name, a.os_version, a.os_build, \
    a.hardware, a.software, a.modules, a.hotfixes, a.kbs, a.notes, a.created_at, a.updated_at, s.owner_org_id, s.operator_org_id, \
    s.code AS system_code, s.name AS system_name";
const FROM: &str = "FROM assets a JOIN systems s ON s.id = a.system_id";

impl TryFrom<AssetRow> for Asset {
    type Error = crate::StoreError;
    fn try_from(r: AssetRow) -> Result<Self> {
        Ok(Asset {
            id: r.id,
            data: AssetInput {
                system_id: r.system_id,
                hostname: parse_col("assets", r.id, &r.hostname)?,
                role: parse_col("assets", r.id, &r.role)?,
                ips: from_json("assets", r.id, &r.ips)?,
                domains: from_json("assets", r.id, &r.domains)?,
                os_name: r.os_name,
                os_version: r.os_version,
                os_build: r.os_build,
                hardware: r
                    .hardware
                    .as_deref()
                    .map(|h| parse_col("assets", r.id, h))
                    .transpose()?,
                software: from_json("assets", r.id, &r.software)?,
                modules: from_json("assets", r.id, &r.modules)?,
                hotfixes: from_json("assets", r.id, &r.hotfixes)?,
                kbs: from_json("assets", r.id, &r.kbs)?,
                notes: r.notes,
            },
            system_code: r.system_code,
            system_name: r.system_name,
            owner_org_id: r.owner_org_id,
            operator_org_id: r.operator_org_id,
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
    }
}

pub async fn get(c: &mut Conn<'_>, scope: &Scope, id: i64) -> Result<Option<Asset>> {
    let mut q = Sql::new(&format!("SELECT {COLUMNS} {FROM} WHERE a.id = $1"));
    q.args.push(id.into());
    visibility(&mut q, scope, "s");
    let row: Option<AssetRow> = c.fetch_optional(&q.text, q.args).await?;
    row.map(Asset::try_from).transpose()
}

#[derive(Debug, Default, Clone)]
pub struct AssetFilter {
    pub system_id: Option<i64>,
    pub owner_org_id: Option<i64>,
    pub role: Option<domain::AssetRole>,
    /// Assets that hold this address.
    pub ip: Option<std::net::IpAddr>,
    /// Matches the host name or OS, case-insensitively.
    pub q: Option<String>,
    pub after: Option<i64>,
    /// Alphabetical by host name (cursor in `after_key`) instead of registration order.
    pub by_hostname: bool,
    pub after_key: Option<String>,
    pub limit: i64,
}

pub async fn list(c: &mut Conn<'_>, scope: &Scope, f: &AssetFilter) -> Result<Page<Asset>> {
    let mut q = Sql::new(&format!("SELECT {COLUMNS} {FROM} WHERE 1=1"));
    visibility(&mut q, scope, "s");
    if let Some(s) = f.system_id {
        q.push(" AND a.system_id = ?", args![s]);
    }
    if let Some(o) = f.owner_org_id {
        q.push(" AND s.owner_org_id = ?", args![o]);
    }
    if let Some(r) = f.role {
        q.push(" AND a.role = ?", args![r.as_str()]);
    }
    if let Some(ip) = f.ip {
        // Addresses are stored as a JSON array of canonical strings.
        q.push(" AND a.ips LIKE ?", args![format!("%\"{ip}\"%")]);
    }
    if let Some(text) = f.q.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        let pattern = format!("%{}%", text.to_lowercase());
        q.push(
            " AND (LOWER(a.hostname) LIKE ? OR LOWER(COALESCE(a.os_name, '')) LIKE ?)",
            args![pattern.clone(), pattern],
        );
    }
    let order = if f.by_hostname {
        order_by_text(&mut q, "a.hostname", "a.id", f.after_key.as_deref())
    } else {
        if let Some(a) = f.after {
            q.push(" AND a.id > ?", args![a]);
        }
        "a.id".to_string()
    };
    let limit = f.limit.clamp(1, 1000);
    q.push(&format!(" ORDER BY {order} LIMIT ?"), args![limit + 1]);
    let rows: Vec<AssetRow> = c.fetch_all(&q.text, q.args).await?;
    let items = rows
        .into_iter()
        .map(Asset::try_from)
        .collect::<Result<Vec<_>>>()?;
    let mut page = Page::from_rows(items, limit, |a| a.id);
    if f.by_hostname && page.next.is_some() {
        page.next_key = page
            .items
            .last()
            .map(|a| text_cursor(a.data.hostname.as_str(), a.id));
    }
    Ok(page)
}

fn row_args(i: &AssetInput) -> Vec<crate::db::Arg> {
    args![
        i.system_id,
        i.hostname.as_str(),
        i.role.as_str(),
        to_json(&i.ips),
        to_json(&i.domains),
        i.os_name.clone(),
        i.os_version.clone(),
        i.os_build.clone(),
        i.hardware.as_ref().map(|h| h.to_string()),
        to_json(&i.software),
        to_json(&i.modules),
        to_json(&i.hotfixes),
        to_json(&i.kbs),
        i.notes.clone()
    ]
}

const FIELDS: &str = "system_id, hostname, role, ips, domains, os_name, os_version, os_build, hardware, software, modules, hotfixes, kbs, notes";

/// Creates an asset; `owner_org_id` is its system's owner, recorded in the audit.
pub async fn create(
    tx: &mut Tx,
    scope: &Scope,
    input: &AssetInput,
    owner_org_id: i64,
) -> Result<i64> {
    let ids = create_many(tx, scope, &[(input.clone(), owner_org_id)]).await?;
    Ok(ids[0])
}

/// Creates many assets with multi-row statements, each audited; returns
/// their ids in input order. Imports of 100 000 rows go through here.
pub async fn create_many(
    tx: &mut Tx,
    scope: &Scope,
    items: &[(AssetInput, i64)],
) -> Result<Vec<i64>> {
    let now = Utc::now();
    let mut ids = Vec::with_capacity(items.len());
    for chunk in items.chunks(crate::audit::BATCH) {
        let mut q = Sql::new(&format!(
            "INSERT INTO assets ({FIELDS}, created_at, updated_at) VALUES "
        ));
        for (i, (input, _)) in chunk.iter().enumerate() {
            let mut a = row_args(input);
            a.push(now.into());
            a.push(now.into());
            let marks = vec!["?"; a.len()].join(",");
            q.push(&format!("{}({marks})", if i == 0 { "" } else { "," }), a);
        }
        q.push(" RETURNING id", vec![]);
        let mut got: Vec<One<i64>> = tx.conn().fetch_all(&q.text, q.args).await?;
        // One statement's new ids ascend in the order of its VALUES rows on
        // both databases (rowid and sequence alike).
        got.sort_by_key(|o| o.0);
        ids.extend(got.into_iter().map(|o| o.0));
    }
    let mut per_system: std::collections::BTreeMap<i64, i64> = Default::default();
    for (input, _) in items {
        *per_system.entry(input.system_id).or_default() += 1;
    }
    for (system_id, n) in per_system {
        crate::systems::count_assets(tx, system_id, n).await?;
    }
    let changes = items
        .iter()
        .zip(&ids)
        .map(|((input, owner), id)| Change {
            action: "create",
            entity: "asset",
            entity_id: Some(*id),
            org_id: Some(*owner),
            before: None,
            after: Some(to_json(input)),
        })
        .collect();
    audit::append_many(tx, scope, changes).await?;
    Ok(ids)
}

pub async fn update(
    tx: &mut Tx,
    scope: &Scope,
    before: &Asset,
    input: &AssetInput,
    owner_org_id: i64,
) -> Result<()> {
    let now = Utc::now();
    let mut a = row_args(input);
    a.push(now.into());
    a.push(before.id.into());
    let sets: Vec<String> = FIELDS
        .split(',')
        .enumerate()
        .map(|(i, f)| format!("{} = ${}", f.trim(), i + 1))
        .collect();
    tx.conn()
        .execute(
            &format!(
                "UPDATE assets SET {}, updated_at = $15 WHERE id = $16",
                sets.join(", ")
            ),
            a,
        )
        .await?;
    if before.data.system_id != input.system_id {
        crate::systems::count_assets(tx, before.data.system_id, -1).await?;
        crate::systems::count_assets(tx, input.system_id, 1).await?;
    }
    audit::append(
        tx,
        scope,
        Change {
            action: "update",
            entity: "asset",
            entity_id: Some(before.id),
            org_id: Some(owner_org_id),
            before: Some(to_json(&before.data)),
            after: Some(to_json(input)),
        },
    )
    .await
}

pub async fn delete(tx: &mut Tx, scope: &Scope, before: &Asset) -> Result<()> {
    tx.conn()
        .execute("DELETE FROM assets WHERE id = $1", args![before.id])
        .await?;
    crate::systems::count_assets(tx, before.data.system_id, -1).await?;
    audit::append(
        tx,
        scope,
        Change {
            action: "delete",
            entity: "asset",
            entity_id: Some(before.id),
            org_id: Some(before.owner_org_id),
            before: Some(to_json(&before.data)),
            after: None,
        },
    )
    .await
}

/// Every asset of a system, for deleting a system with its assets.
pub async fn of_system(tx: &mut Tx, scope: &Scope, system_id: i64) -> Result<Vec<Asset>> {
    let mut q = Sql::new(&format!("SELECT {COLUMNS} {FROM} WHERE a.system_id = $1"));
    q.args.push(system_id.into());
    visibility(&mut q, scope, "s");
    q.push(" ORDER BY a.id", vec![]);
    let rows: Vec<AssetRow> = tx.conn().fetch_all(&q.text, q.args).await?;
    rows.into_iter().map(Asset::try_from).collect()
}

pub async fn count(c: &mut Conn<'_>, scope: &Scope) -> Result<i64> {
    let mut q = Sql::new(&format!("SELECT count(*) {FROM} WHERE 1=1"));
    visibility(&mut q, scope, "s");
    let n: One<i64> = c.fetch_one(&q.text, q.args).await?;
    Ok(n.0)
}

/// Every address the registry records on an asset, with the asset and its
/// system, to link listed addresses to what holds them.
pub async fn ip_holders(c: &mut Conn<'_>) -> Result<Vec<(std::net::IpAddr, i64, i64)>> {
    let rows: Vec<(i64, i64, String)> = c
        .fetch_all(
            "SELECT id, system_id, ips FROM assets WHERE ips <> '[]' ORDER BY id",
            vec![],
        )
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for (id, system_id, ips) in rows {
        let ips: Vec<std::net::IpAddr> = crate::from_json("assets", id, &ips)?;
        out.extend(ips.into_iter().map(|ip| (ip, id, system_id)));
    }
    Ok(out)
}
