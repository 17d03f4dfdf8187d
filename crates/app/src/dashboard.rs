//! The province (or one organisation) at a glance.

use crate::{App, Result};
use domain::Scope;
use std::collections::BTreeMap;

/// Coverage of the 4-layer protection model among level 3 and above.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Coverage {
    pub systems: i64,
    pub onsite_force: i64,
    pub soc_monitoring: i64,
    /// Independently assessed within the last year.
    pub assessed: i64,
    pub ncsc_connected: i64,
}

impl Coverage {
    /// Counts a group of systems of level 3 and above (others are not
    /// counted); returns how many layers the group lacks.
    pub fn add(&mut self, r: &store::systems::SummaryRow, level: usize) -> i64 {
        if level < 3 {
            return 0;
        }
        self.systems += r.n;
        let mut missing = 0;
        for (have, count) in [
            (r.onsite_force, &mut self.onsite_force),
            (r.soc_monitoring, &mut self.soc_monitoring),
            (r.assessed, &mut self.assessed),
            (r.ncsc_connected, &mut self.ncsc_connected),
        ] {
            if have {
                *count += r.n;
            } else {
                missing += 1;
            }
        }
        missing
    }
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct OrgCount {
    pub org_id: i64,
    pub name: String,
    pub count: i64,
}

#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Dashboard {
    pub systems: i64,
    /// Systems per effective level 1–5; index 0 counts those without a level.
    pub by_level: [i64; 6],
    pub by_org: Vec<OrgCount>,
    pub coverage: Coverage,
    /// Open problems per organisation: level-3+ systems missing a protection
    /// layer (each missing layer counts), and systems whose level is not approved.
    pub problems: Vec<OrgCount>,
    pub unapproved: i64,
    /// Open incidents past a deadline (the first 10 the reader may see), and how many in all.
    pub overdue_incidents: Vec<OverdueIncident>,
    pub overdue_incident_count: usize,
    /// The periodic reports due next, e.g. "Báo cáo 6 tháng đầu năm 2025: gửi trước ngày 20/06/2025 (còn 12 ngày)."
    pub reports_due: Vec<(String, i64)>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct OverdueIncident {
    pub id: i64,
    pub title: String,
    pub severity: String,
    /// The missed milestones: report, acknowledge, contain, resolve.
    pub missed: Vec<String>,
}

impl App {
    pub async fn dashboard(&self, scope: &Scope) -> Result<Dashboard> {
        let year_ago = crate::registry::today() - chrono::Duration::days(365);
        let rows = store::systems::summary(&mut self.store.conn(), scope, None, year_ago).await?;
        let names = self.org_names(scope).await?;
        let name_of = |id: i64| {
            names
                .values()
                .find(|o| o.id == id)
                .map(|o| o.data.short_name.to_string())
                .unwrap_or_else(|| format!("#{id}"))
        };
        let mut d = Dashboard::default();
        let mut per_org: BTreeMap<i64, i64> = BTreeMap::new();
        let mut problems: BTreeMap<i64, i64> = BTreeMap::new();
        for r in &rows {
            d.systems += r.n;
            let level = r.level.unwrap_or(0).clamp(0, 5) as usize;
            d.by_level[level] += r.n;
            *per_org.entry(r.owner_org_id).or_default() += r.n;
            let mut missing = d.coverage.add(r, level);
            if !r.approved {
                d.unapproved += r.n;
                missing += 1;
            }
            if missing > 0 {
                *problems.entry(r.owner_org_id).or_default() += missing * r.n;
            }
        }
        let ranked = |m: BTreeMap<i64, i64>| {
            let mut v: Vec<OrgCount> = m
                .into_iter()
                .map(|(org_id, count)| OrgCount {
                    org_id,
                    name: name_of(org_id),
                    count,
                })
                .collect();
            v.sort_by(|a, b| b.count.cmp(&a.count).then(a.name.cmp(&b.name)));
            v
        };
        d.by_org = ranked(per_org);
        d.problems = ranked(problems);
        d.problems.truncate(10);
        let overdue = self
            .incidents_filtered(
                scope,
                &store::incidents::IncidentFilter {
                    limit: 1000,
                    ..Default::default()
                },
                true,
            )
            .await?;
        let now = chrono::Utc::now();
        d.overdue_incident_count = overdue.items.len();
        d.reports_due = crate::periodic_report::next_due(crate::registry::today())
            .iter()
            .map(|r| (r.message_vi(), r.days_left))
            .collect();
        d.overdue_incidents = overdue
            .items
            .into_iter()
            .take(10)
            .map(|r| OverdueIncident {
                missed: crate::incident_response::missed(&r, now)
                    .into_iter()
                    .map(|m| m.as_str().to_string())
                    .collect(),
                id: r.id,
                title: r.title,
                severity: r.severity,
            })
            .collect();
        Ok(d)
    }
}
