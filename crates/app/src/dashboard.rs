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
    /// What is open and late today, as far as the reader may see: the
    /// province for the coordinator, its own organisation for an officer.
    pub todo: ToDo,
}

/// The day's work: open and overdue findings by priority, open incidents,
/// botnet addresses not yet cleaned, directive tasks, who is on duty now and
/// the gaps of the coming week.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct ToDo {
    /// Most urgent priority first.
    pub findings: Vec<store::todo::PriorityCount>,
    pub findings_open: i64,
    pub findings_overdue: i64,
    pub incidents_open: i64,
    pub botnet: Option<store::todo::BotnetStanding>,
    pub tasks_open: i64,
    pub tasks_overdue: i64,
    /// Organisations on duty right now in a running period (an empty
    /// `people`: nobody on duty).
    pub on_duty: Vec<crate::duty::OnDuty>,
    /// Stretches with nobody on duty within the next seven days.
    pub gaps: Vec<DutyGap>,
    /// Systems claiming SOC monitoring whose sensors sent nothing for 24
    /// hours (or that have none): how many, and the first ten.
    pub silent_count: i64,
    pub silent_systems: Vec<crate::monitoring_figures::WatchedSystem>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct DutyGap {
    pub period_id: i64,
    pub org_id: i64,
    pub org_name: String,
    pub start: chrono::DateTime<chrono::Utc>,
    pub end: chrono::DateTime<chrono::Utc>,
}

/// A share as the reports write it: one decimal, a decimal comma ("66,7%").
pub fn percent(part: i64, whole: i64) -> String {
    crate::periodic_report::percent(part, whole)
}

/// A count with dots between thousands, as Vietnamese writes it ("1.058.400").
pub fn thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(ch);
    }
    if n < 0 {
        format!("-{out}")
    } else {
        out
    }
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
        d.todo = self.todo(scope).await?;
        Ok(d)
    }

    /// The dashboard's to-do list for the scope.
    pub async fn todo(&self, scope: &Scope) -> Result<ToDo> {
        let today = crate::registry::today();
        let now = chrono::Utc::now();
        let mut t = ToDo::default();
        let mut c = self.store.conn();
        let mut findings = store::todo::findings_by_priority(&mut c, scope, today).await?;
        let rank = |p: &str| {
            ["immediate", "out-of-cycle", "scheduled", "defer"]
                .iter()
                .position(|x| *x == p)
                .unwrap_or(4)
        };
        findings.sort_by_key(|f| rank(&f.priority));
        t.findings_open = findings.iter().map(|f| f.open).sum();
        t.findings_overdue = findings.iter().map(|f| f.overdue).sum();
        t.findings = findings;
        t.incidents_open =
            store::todo::open_incidents(&mut c, scope, crate::incidents::user_id(scope)).await?;
        t.botnet = store::todo::botnet_standing(&mut c, scope).await?;
        (t.tasks_open, t.tasks_overdue) =
            store::todo::directive_tasks(&mut c, scope, today).await?;
        t.on_duty = self.on_duty(scope, now).await?;
        let silent = self.silent_systems(scope, None, now).await?;
        t.silent_count = silent.len() as i64;
        t.silent_systems = silent.into_iter().take(10).collect();
        let week = now + chrono::Duration::days(7);
        for p in self.periods(scope).await? {
            if p.ends_at <= now || p.starts_at >= week {
                continue;
            }
            for o in self.period(scope, p.id).await?.orgs {
                for g in o.coverage.iter().flat_map(|c| c.gaps.iter()) {
                    if g.end > now && g.start < week {
                        t.gaps.push(DutyGap {
                            period_id: p.id,
                            org_id: o.org_id,
                            org_name: o.name.clone(),
                            start: g.start.max(now),
                            end: g.end,
                        });
                    }
                }
            }
        }
        t.gaps.sort_by_key(|g| g.start);
        t.gaps.truncate(10);
        Ok(t)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn counts_and_shares_read_as_the_reports_write_them() {
        assert_eq!(super::thousands(1_058_400), "1.058.400");
        assert_eq!(super::thousands(999), "999");
        assert_eq!(super::thousands(-1000), "-1.000");
        assert_eq!(super::percent(2, 3), "66,7%");
    }
}
