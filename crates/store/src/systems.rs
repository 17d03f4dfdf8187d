//! Information systems.

use crate::audit::{self, Change};
use crate::db::{args, order_by_text, text_cursor, Conn, One, Sql, Tx, KEY_SEP};
use crate::{from_json, parse_col, to_json, Page, Result, StoreError};
use chrono::{DateTime, NaiveDate, Utc};
use domain::{Approval, InfoSystemInput, Protection, Scope, SecurityLevel};
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InfoSystem {
    pub id: i64,
    #[serde(flatten)]
    pub data: InfoSystemInput,
    pub asset_count: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl InfoSystem {
    /// The organisations whose staff may see this system.
    pub fn tenants(&self) -> Vec<i64> {
        let mut v = vec![self.data.owner_org_id];
        v.extend(self.data.operator_org_id);
        v
    }
}

#[derive(sqlx::FromRow)]
struct SystemRow {
    id: i64,
    code: String,
    name: String,
    owner_org_id: i64,
    operator_org_id: Option<i64>,
    function_type: String,
    info_types: String,
    data_subjects: Option<i64>,
    proposed_level: Option<i64>,
    approved_level: Option<i64>,
    approval_number: Option<String>,
    approval_date: Option<NaiveDate>,
    approval_body: Option<String>,
    internet_facing: bool,
    soc_provider_id: Option<i64>,
    isp_id: Option<i64>,
    onsite_force: bool,
    soc_monitoring: bool,
    last_assessment: Option<NaiveDate>,
    ncsc_connected: bool,
    notes: Option<String>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    asset_count: i64,
}

const COLUMNS: &str = "s.id, s.code, s.name, s.owner_org_id, s.operator_org_id, s.function_type, s.info_types, s.data_subjects, \
    s.proposed_level, s.approved_level, s.approval_number, s.approval_date, s.approval_body, s.internet_facing, \
    s.soc_provider_id, s.isp_id, s.onsite_force, s.soc_monitoring, s.last_assessment, s.ncsc_connected, s.notes, \
    s.created_at, s.updated_at, s.asset_count";

fn level(id: i64, v: Option<i64>) -> Result<Option<SecurityLevel>> {
    v.map(|n| {
        u8::try_from(n)
            .map_err(|_| format!("level {n}"))
            .and_then(SecurityLevel::new)
            .map_err(|reason| StoreError::Corrupt {
                table: "systems",
                id,
                reason,
            })
    })
    .transpose()
}

impl TryFrom<SystemRow> for InfoSystem {
    type Error = StoreError;
    fn try_from(r: SystemRow) -> Result<Self> {
        let approval = match (r.approval_number, r.approval_date, r.approval_body) {
            (Some(n), Some(d), Some(b)) => Some(Approval {
                number: parse_col("systems", r.id, &n)?,
                date: d,
                body: parse_col("systems", r.id, &b)?,
            }),
            _ => None,
        };
        Ok(InfoSystem {
            id: r.id,
            data: InfoSystemInput {
                code: parse_col("systems", r.id, &r.code)?,
                name: parse_col("systems", r.id, &r.name)?,
                owner_org_id: r.owner_org_id,
                operator_org_id: r.operator_org_id,
                function_type: parse_col("systems", r.id, &r.function_type)?,
                info_types: from_json("systems", r.id, &r.info_types)?,
                data_subjects: r.data_subjects.map(|n| n.max(0) as u64),
                proposed_level: level(r.id, r.proposed_level)?,
                approved_level: level(r.id, r.approved_level)?,
                approval,
                internet_facing: r.internet_facing,
                soc_provider_id: r.soc_provider_id,
                isp_id: r.isp_id,
                protection: Protection {
                    onsite_force: r.onsite_force,
                    soc_monitoring: r.soc_monitoring,
                    last_assessment: r.last_assessment,
                    ncsc_connected: r.ncsc_connected,
                },
                notes: r.notes,
            },
            asset_count: r.asset_count,
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
    }
}

/// Systems a scope may read: all for the province, else those the caller's
/// organisation owns or operates.
pub(crate) fn visibility(q: &mut Sql, scope: &Scope, alias: &str) {
    if !scope.sees_province() {
        q.push(
            &format!(" AND ({alias}.owner_org_id = ? OR {alias}.operator_org_id = ?)"),
            args![scope.org_id, scope.org_id],
        );
    }
}

pub async fn get(c: &mut Conn<'_>, scope: &Scope, id: i64) -> Result<Option<InfoSystem>> {
    let mut q = Sql::new(&format!("SELECT {COLUMNS} FROM systems s WHERE s.id = $1"));
    q.args.push(id.into());
    visibility(&mut q, scope, "s");
    let row: Option<SystemRow> = c.fetch_optional(&q.text, q.args).await?;
    row.map(InfoSystem::try_from).transpose()
}

pub async fn find_by_code(
    c: &mut Conn<'_>,
    scope: &Scope,
    code: &str,
) -> Result<Option<InfoSystem>> {
    let mut q = Sql::new(&format!(
        "SELECT {COLUMNS} FROM systems s WHERE s.code = $1"
    ));
    q.args.push(code.trim().into());
    visibility(&mut q, scope, "s");
    let row: Option<SystemRow> = c.fetch_optional(&q.text, q.args).await?;
    row.map(InfoSystem::try_from).transpose()
}

/// The orders a system list can take. Each is a keyset: a page starts after
/// the last row of the one before.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub enum SystemSort {
    /// Registration order.
    #[default]
    Id,
    Code,
    Name,
    /// Highest level first, then code.
    Level,
}

impl std::str::FromStr for SystemSort {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s {
            "" | "id" => Ok(SystemSort::Id),
            "code" => Ok(SystemSort::Code),
            "name" => Ok(SystemSort::Name),
            "level" => Ok(SystemSort::Level),
            other => Err(format!("'{other}' is not one of: id, code, name, level")),
        }
    }
}

#[derive(Debug, Default, Clone)]
pub struct SystemFilter {
    pub owner_org_id: Option<i64>,
    /// The effective level: approved, else proposed.
    pub level: Option<u8>,
    pub min_level: Option<u8>,
    pub internet_facing: Option<bool>,
    pub soc_monitoring: Option<bool>,
    pub ncsc_connected: Option<bool>,
    pub isp_id: Option<i64>,
    pub soc_provider_id: Option<i64>,
    /// Whether the level has been approved.
    pub approved: Option<bool>,
    /// Only systems not independently assessed since this date.
    pub not_assessed_since: Option<NaiveDate>,
    /// Matches the name or code, case-insensitively.
    pub q: Option<String>,
    pub after: Option<i64>,
    pub sort: SystemSort,
    /// The cursor of a sorted list (`next_key` of the page before).
    pub after_key: Option<String>,
    pub limit: i64,
}

pub async fn list(c: &mut Conn<'_>, scope: &Scope, f: &SystemFilter) -> Result<Page<InfoSystem>> {
    let mut q = Sql::new(&format!("SELECT {COLUMNS} FROM systems s WHERE 1=1"));
    visibility(&mut q, scope, "s");
    if let Some(o) = f.owner_org_id {
        q.push(" AND s.owner_org_id = ?", args![o]);
    }
    if let Some(l) = f.level {
        q.push(
            " AND COALESCE(s.approved_level, s.proposed_level) = ?",
            args![i64::from(l)],
        );
    }
    if let Some(l) = f.min_level {
        q.push(
            " AND COALESCE(s.approved_level, s.proposed_level) >= ?",
            args![i64::from(l)],
        );
    }
    if let Some(b) = f.internet_facing {
        q.push(" AND s.internet_facing = ?", args![b]);
    }
    if let Some(b) = f.soc_monitoring {
        q.push(" AND s.soc_monitoring = ?", args![b]);
    }
    if let Some(b) = f.ncsc_connected {
        q.push(" AND s.ncsc_connected = ?", args![b]);
    }
    if let Some(i) = f.isp_id {
        q.push(" AND s.isp_id = ?", args![i]);
    }
    if let Some(i) = f.soc_provider_id {
        q.push(" AND s.soc_provider_id = ?", args![i]);
    }
    match f.approved {
        Some(true) => {
            q.push(" AND s.approved_level IS NOT NULL", vec![]);
        }
        Some(false) => {
            q.push(" AND s.approved_level IS NULL", vec![]);
        }
        None => {}
    }
    if let Some(d) = f.not_assessed_since {
        q.push(
            " AND (s.last_assessment IS NULL OR s.last_assessment < ?)",
            args![Some(d)],
        );
    }
    if let Some(text) = f.q.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        let pattern = format!("%{}%", text.to_lowercase());
        q.push(
            " AND (LOWER(s.name) LIKE ? OR LOWER(s.code) LIKE ?)",
            args![pattern.clone(), pattern],
        );
    }
    let level = "COALESCE(s.approved_level, s.proposed_level, 0)";
    let key = f.after_key.as_deref().filter(|k| !k.is_empty());
    let name_order;
    let order: &str = match f.sort {
        SystemSort::Id => {
            if let Some(a) = f.after {
                q.push(" AND s.id > ?", args![a]);
            }
            "s.id"
        }
        SystemSort::Code => {
            if let Some(k) = key {
                q.push(" AND s.code > ?", args![k]);
            }
            "s.code"
        }
        SystemSort::Name => {
            name_order = order_by_text(&mut q, "s.name", "s.id", key);
            &name_order
        }
        SystemSort::Level => {
            if let Some((l, code)) = key.and_then(|k| k.split_once(KEY_SEP)) {
                let l: i64 = l.parse().unwrap_or(0);
                q.push(
                    &format!(" AND ({level} < ? OR ({level} = ? AND s.code > ?))"),
                    args![l, l, code],
                );
            }
            "COALESCE(s.approved_level, s.proposed_level, 0) DESC, s.code"
        }
    };
    let limit = f.limit.clamp(1, 1000);
    q.push(&format!(" ORDER BY {order} LIMIT ?"), args![limit + 1]);
    let rows: Vec<SystemRow> = c.fetch_all(&q.text, q.args).await?;
    let items = rows
        .into_iter()
        .map(InfoSystem::try_from)
        .collect::<Result<Vec<_>>>()?;
    let mut page = Page::from_rows(items, limit, |s| s.id);
    if page.next.is_some() {
        let last = page.items.last().expect("a next page implies a last row");
        page.next_key = match f.sort {
            SystemSort::Id => None,
            SystemSort::Code => Some(last.data.code.to_string()),
            SystemSort::Name => Some(text_cursor(last.data.name.as_str(), last.id)),
            SystemSort::Level => Some(format!(
                "{}{KEY_SEP}{}",
                last.data
                    .effective_level()
                    .map(|l| i64::from(l.get()))
                    .unwrap_or(0),
                last.data.code
            )),
        };
    }
    Ok(page)
}

fn row_args(i: &InfoSystemInput) -> Vec<crate::db::Arg> {
    let a = i.approval.as_ref();
    args![
        i.code.as_str(),
        i.name.as_str(),
        i.owner_org_id,
        i.operator_org_id,
        i.function_type.as_str(),
        to_json(&i.info_types),
        i.data_subjects.map(|n| n.min(i64::MAX as u64) as i64),
        i.proposed_level.map(|l| i64::from(l.get())),
        i.approved_level.map(|l| i64::from(l.get())),
        a.map(|a| a.number.to_string()),
        a.map(|a| a.date),
        a.map(|a| a.body.to_string()),
        i.internet_facing,
        i.soc_provider_id,
        i.isp_id,
        i.protection.onsite_force,
        i.protection.soc_monitoring,
        i.protection.last_assessment,
        i.protection.ncsc_connected,
        i.notes.clone()
    ]
}

const FIELDS: &str = "code, name, owner_org_id, operator_org_id, function_type, info_types, data_subjects, proposed_level, \
    approved_level, approval_number, approval_date, approval_body, internet_facing, soc_provider_id, isp_id, onsite_force, \
    soc_monitoring, last_assessment, ncsc_connected, notes";

fn duplicate_code(i: &InfoSystemInput) -> impl FnOnce() -> String + '_ {
    move || format!("a system with code '{}'", i.code)
}

pub async fn create(tx: &mut Tx, scope: &Scope, input: &InfoSystemInput) -> Result<InfoSystem> {
    let now = Utc::now();
    let mut a = row_args(input);
    a.push(now.into());
    let id: One<i64> = tx
        .conn()
        .fetch_one_raw(
            &format!(
                "INSERT INTO systems ({FIELDS}, created_at, updated_at) VALUES \
                 ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$21,$21) RETURNING id"
            ),
            a,
        )
        .await
        .map_err(|e| StoreError::from_insert(e, duplicate_code(input)))?;
    audit::append(
        tx,
        scope,
        Change {
            action: "create",
            entity: "system",
            entity_id: Some(id.0),
            org_id: Some(input.owner_org_id),
            before: None,
            after: Some(to_json(input)),
        },
    )
    .await?;
    Ok(InfoSystem {
        id: id.0,
        data: input.clone(),
        asset_count: 0,
        created_at: now,
        updated_at: now,
    })
}

pub async fn update(
    tx: &mut Tx,
    scope: &Scope,
    before: &InfoSystem,
    input: &InfoSystemInput,
) -> Result<InfoSystem> {
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
        .execute_raw(
            &format!(
                "UPDATE systems SET {}, updated_at = $21 WHERE id = $22",
                sets.join(", ")
            ),
            a,
        )
        .await
        .map_err(|e| StoreError::from_insert(e, duplicate_code(input)))?;
    audit::append(
        tx,
        scope,
        Change {
            action: "update",
            entity: "system",
            entity_id: Some(before.id),
            org_id: Some(input.owner_org_id),
            before: Some(to_json(&before.data)),
            after: Some(to_json(input)),
        },
    )
    .await?;
    Ok(InfoSystem {
        id: before.id,
        data: input.clone(),
        asset_count: before.asset_count,
        created_at: before.created_at,
        updated_at: now,
    })
}

/// Deletes the system; its assets must have been deleted first.
pub async fn delete(tx: &mut Tx, scope: &Scope, before: &InfoSystem) -> Result<()> {
    tx.conn()
        .execute("DELETE FROM systems WHERE id = $1", args![before.id])
        .await?;
    audit::append(
        tx,
        scope,
        Change {
            action: "delete",
            entity: "system",
            entity_id: Some(before.id),
            org_id: Some(before.data.owner_org_id),
            before: Some(to_json(&before.data)),
            after: None,
        },
    )
    .await
}

/// Moves a system's asset counter by `delta` (assets added or removed).
pub(crate) async fn count_assets(tx: &mut Tx, system_id: i64, delta: i64) -> Result<()> {
    tx.conn()
        .execute(
            "UPDATE systems SET asset_count = asset_count + $1 WHERE id = $2",
            args![delta, system_id],
        )
        .await?;
    Ok(())
}

/// One group of systems with the same owner, level and protection, for the
/// dashboard's and the periodic reports' counts.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SummaryRow {
    pub owner_org_id: i64,
    /// Approved, else proposed; none when neither is set.
    pub level: Option<i64>,
    pub soc_monitoring: bool,
    pub ncsc_connected: bool,
    pub onsite_force: bool,
    /// Independently assessed on or after the given date.
    pub assessed: bool,
    pub approved: bool,
    pub n: i64,
}

/// Systems the scope may see (owned by `org` when given), counted by owner,
/// level and protection.
pub async fn summary(
    c: &mut Conn<'_>,
    scope: &Scope,
    org: Option<i64>,
    assessed_since: NaiveDate,
) -> Result<Vec<SummaryRow>> {
    let mut q = Sql::new(
        "SELECT s.owner_org_id, COALESCE(s.approved_level, s.proposed_level) AS level, s.soc_monitoring, \
         s.ncsc_connected, s.onsite_force, (s.last_assessment IS NOT NULL AND s.last_assessment >= $1) AS assessed, \
         (s.approved_level IS NOT NULL) AS approved, count(*) AS n FROM systems s WHERE 1=1",
    );
    q.args.push(Some(assessed_since).into());
    visibility(&mut q, scope, "s");
    if let Some(o) = org {
        q.push(" AND s.owner_org_id = ?", args![o]);
    }
    q.push(" GROUP BY 1, 2, 3, 4, 5, 6, 7", vec![]);
    c.fetch_all(&q.text, q.args).await
}
