//! Counts for the dashboard's to-do list: what is open and what is late, as
//! far as the scope may see.

use crate::db::{args, Conn, One, Sql};
use crate::Result;
use chrono::NaiveDate;
use domain::Scope;

/// Open (and in progress) findings of one priority, and how many of them
/// are past their deadline.
#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize)]
pub struct PriorityCount {
    pub priority: String,
    pub open: i64,
    pub overdue: i64,
}

pub async fn findings_by_priority(
    c: &mut Conn<'_>,
    scope: &Scope,
    today: NaiveDate,
) -> Result<Vec<PriorityCount>> {
    let mut q = Sql::new(
        "SELECT f.priority, count(*) AS open, \
         COALESCE(SUM(CASE WHEN f.deadline < $1 THEN 1 ELSE 0 END), 0) AS overdue \
         FROM findings f JOIN systems s ON s.id = f.system_id \
         WHERE f.status IN ('open', 'in_progress')",
    );
    q.args.push(Some(today).into());
    crate::systems::visibility(&mut q, scope, "s");
    q.push(" GROUP BY f.priority", vec![]);
    c.fetch_all(&q.text, q.args).await
}

/// Incidents neither closed nor rejected.
pub async fn open_incidents(c: &mut Conn<'_>, scope: &Scope, user_id: Option<i64>) -> Result<i64> {
    let mut q =
        Sql::new("SELECT count(*) FROM incidents i WHERE i.state NOT IN ('closed', 'rejected')");
    crate::incidents::visibility(&mut q, scope, user_id);
    let n: One<i64> = c.fetch_one(&q.text, q.args).await?;
    Ok(n.0)
}

/// The latest botnet list: its id and period, its addresses the scope sees
/// (its own, or as their network operator) and how many of them are not
/// marked cleaned.
#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize)]
pub struct BotnetStanding {
    pub list_id: i64,
    pub period: String,
    pub listed: i64,
    pub not_cleaned: i64,
}

pub async fn botnet_standing(c: &mut Conn<'_>, scope: &Scope) -> Result<Option<BotnetStanding>> {
    let latest: Option<(i64, String)> = c
        .fetch_optional(
            "SELECT id, period FROM botnet_lists ORDER BY period DESC, id DESC LIMIT 1",
            vec![],
        )
        .await?;
    let Some((list_id, period)) = latest else {
        return Ok(None);
    };
    let mut q = Sql::new(
        "SELECT count(*) AS listed, COALESCE(SUM(CASE WHEN EXISTS (SELECT 1 FROM botnet_cleanups e \
         WHERE e.list_id = l.list_id AND e.ip = l.ip) THEN 0 ELSE 1 END), 0) AS not_cleaned \
         FROM botnet_listings l WHERE l.list_id = $1",
    );
    q.args.push(list_id.into());
    if !scope.sees_province() {
        q.push(
            " AND (l.owner_org_id = ? OR l.isp_org_id = ?)",
            args![scope.org_id, scope.org_id],
        );
    }
    let (listed, not_cleaned): (i64, i64) = c.fetch_one(&q.text, q.args).await?;
    Ok(Some(BotnetStanding {
        list_id,
        period,
        listed,
        not_cleaned,
    }))
}

/// Directive tasks not yet done (nor marked not applicable) by the
/// organisations the scope sees, and how many of them are past their deadline.
pub async fn directive_tasks(
    c: &mut Conn<'_>,
    scope: &Scope,
    today: NaiveDate,
) -> Result<(i64, i64)> {
    let mut q = Sql::new(
        "SELECT count(*), COALESCE(SUM(CASE WHEN t.deadline IS NOT NULL AND t.deadline < $1 THEN 1 ELSE 0 END), 0) \
         FROM task_recipients r JOIN directive_tasks t ON t.id = r.task_id \
         WHERE r.status NOT IN ('done', 'not_applicable')",
    );
    q.args.push(Some(today).into());
    if !scope.sees_province() {
        q.push(" AND r.org_id = ?", args![scope.org_id]);
    }
    c.fetch_one(&q.text, q.args).await
}
