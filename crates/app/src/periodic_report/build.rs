//! Building a report's figures from the data through `store::periodic`, and the reminders.

use super::*;

use crate::registry::today;
use crate::{App, AppError, Result};
use chrono::{Duration, NaiveDate};
use domain::{FindingStatus, Scope};
use std::collections::{BTreeMap, BTreeSet};

// ---- building ----

pub(super) const PRIORITIES: [&str; 4] = ["immediate", "out-of-cycle", "scheduled", "defer"];

pub(super) fn is_active(status: &str) -> bool {
    status
        .parse::<FindingStatus>()
        .map_or(true, FindingStatus::is_active)
}

/// Which organisation a report is about, as the scope may ask: the province
/// and any organisation for the coordinator and auditors, an organisation's
/// own for its staff. Another organisation's is refused whether it exists or
/// not, so the answer says nothing about it.
pub(super) fn report_org(scope: &Scope, org_id: Option<i64>) -> Result<Option<i64>> {
    match org_id {
        None if scope.sees_province() => Ok(None),
        // An organisation's people get their own organisation's report.
        None => Ok(Some(scope.org_id)),
        Some(o) if scope.sees_province() || o == scope.org_id => Ok(Some(o)),
        // Another organisation's report does not exist for this reader.
        Some(_) => Err(AppError::NotFound),
    }
}

/// How many days before a deadline every organisation is reminded.
pub const REMINDER_DAYS: i64 = 7;

impl ReportPeriod {
    /// A number naming the period, for the notification queue's `ref_id`.
    fn code(&self) -> i64 {
        let kind = match self.kind {
            PeriodKind::HalfYear1 => 1,
            PeriodKind::HalfYear2 => 2,
            PeriodKind::Year => 3,
        };
        i64::from(self.year) * 10 + kind
    }
}

impl App {
    /// Once per report, [`REMINDER_DAYS`] before its deadline: a message to
    /// every organisation (and the coordinator) that the report is due.
    /// Returns the messages queued.
    pub async fn remind_periodic_reports(&self, today: NaiveDate) -> Result<usize> {
        let due: Vec<ReportDue> = next_due(today)
            .into_iter()
            .filter(|d| d.days_left <= REMINDER_DAYS)
            .collect();
        let mut queued = 0;
        for d in due {
            let code = d.period.code();
            if store::notifications::queued_before(&mut self.store.conn(), "periodic_report", code)
                .await?
            {
                continue;
            }
            let emails = self.notify_emails().await?;
            let link = format!(
                "{}/reports",
                self.config.notify.public_url.trim_end_matches('/')
            );
            let subject = format!("[canhgac] Nhắc báo cáo {}", d.period.label_vi());
            let body = format!(
                "{}\nBáo cáo được lập từ số liệu trong canhgac (DOCX, XLSX): {link}\n",
                d.message_vi()
            );
            let mut notices = Vec::new();
            for org_id in emails.keys() {
                notices.extend(self.notices_for(
                    &emails,
                    *org_id,
                    "periodic_report",
                    code,
                    &subject,
                    &body,
                ));
            }
            if let Some(url) = &self.config.notify.webhook {
                // One webhook message for the province, not one per organisation.
                notices.retain(|n| n.recipient != *url);
                notices.extend(self.notices_for(
                    &BTreeMap::new(),
                    self.system_scope().await?.org_id,
                    "periodic_report",
                    code,
                    &subject,
                    &body,
                ));
            }
            if notices.is_empty() {
                continue;
            }
            queued += notices.len();
            let mut tx = self.store.begin().await?;
            store::notifications::enqueue(&mut tx, &notices).await?;
            tx.commit().await?;
        }
        Ok(queued)
    }

    /// Every figure of the 6-monthly or yearly report of `org_id`, or of the
    /// province when `None`.
    pub async fn periodic_report(
        &self,
        scope: &Scope,
        period: ReportPeriod,
        org_id: Option<i64>,
    ) -> Result<PeriodicReport> {
        let org = report_org(scope, org_id)?;
        let system = self.system_scope().await?;
        let org_info = match org {
            Some(id) => {
                let o = store::orgs::get(&mut self.store.conn(), &system, id)
                    .await?
                    .ok_or(AppError::NotFound)?;
                Some(ReportOrg {
                    id,
                    name: o.data.name.to_string(),
                    short_name: o.data.short_name.to_string(),
                })
            }
            None => None,
        };
        let names: BTreeMap<i64, String> = self
            .org_names(&system)
            .await?
            .into_values()
            .map(|o| (o.id, o.data.short_name.to_string()))
            .collect();
        let name_of = |id: i64| names.get(&id).cloned().unwrap_or_else(|| format!("#{id}"));
        let made_on = today();
        Ok(PeriodicReport {
            period,
            label: period.label_vi(),
            first_day: period.first_day(),
            last_day: period.last_day(),
            deadline: period.deadline(),
            org: org_info,
            made_on,
            systems: self.report_systems(scope, period, org, &name_of).await?,
            vulns: self
                .report_vulns(scope, period, org, made_on, &name_of)
                .await?,
            botnet: self.report_botnet(scope, period, org, &name_of).await?,
            incidents: self.report_incidents(scope, period, org).await?,
            duty: self.report_duty(scope, period, org).await?,
            directives: self.report_directives(scope, period, org).await?,
            monitoring: self.report_monitoring(scope, period, org, &name_of).await?,
            not_built: NOT_BUILT
                .iter()
                .map(|(c, name)| NotBuilt {
                    capability: c.to_string(),
                    name: name.to_string(),
                    sentence: not_built_sentence(name),
                })
                .collect(),
        })
    }

    async fn report_systems(
        &self,
        scope: &Scope,
        period: ReportPeriod,
        org: Option<i64>,
        name_of: &impl Fn(i64) -> String,
    ) -> Result<SystemsPart> {
        let since = period.last_day() - Duration::days(365);
        let rows = store::systems::summary(&mut self.store.conn(), scope, org, since).await?;
        let mut p = SystemsPart::default();
        let mut by_org: BTreeMap<i64, SystemsOrgLine> = BTreeMap::new();
        for r in &rows {
            let level = r.level.unwrap_or(0).clamp(0, 5) as usize;
            p.total += r.n;
            p.by_level[level] += r.n;
            if r.approved {
                p.approved_by_level[level] += r.n;
            }
            let line = by_org
                .entry(r.owner_org_id)
                .or_insert_with(|| SystemsOrgLine {
                    org_id: r.owner_org_id,
                    name: name_of(r.owner_org_id),
                    ..Default::default()
                });
            line.total += r.n;
            line.by_level[level] += r.n;
            if !r.approved {
                line.unapproved += r.n;
            }
            line.missing_layers += p.coverage.add(r, level) * r.n;
        }
        p.by_org = by_org.into_values().collect();
        p.by_org
            .sort_by(|a, b| b.total.cmp(&a.total).then(a.name.cmp(&b.name)));
        Ok(p)
    }

    async fn report_vulns(
        &self,
        scope: &Scope,
        period: ReportPeriod,
        org: Option<i64>,
        made_on: NaiveDate,
        name_of: &impl Fn(i64) -> String,
    ) -> Result<VulnsPart> {
        // Each warning names its issuer as it was recorded; today's
        // settings name the issuer only of a period without warnings.
        let issuer_now = self.bodies().await?.warning_issuer;
        let mut p = VulnsPart::default();
        let warnings: Vec<store::vulns::Warning> = store::vulns::warnings(&mut self.store.conn())
            .await?
            .into_iter()
            .filter(|w| period.contains(w.issued_on))
            .collect();
        let all_cves: Vec<String> = warnings
            .iter()
            .flat_map(|w| w.cve_list())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let by_cve = store::periodic::findings_of_cves(
            &mut self.store.conn(),
            scope,
            org,
            &all_cves,
            made_on,
        )
        .await?;
        for w in warnings.iter().rev() {
            let cves: BTreeSet<String> = w.cve_list().into_iter().collect();
            let mut line = WarningLine {
                id: w.id,
                number: w.number.clone(),
                issued_on: w.issued_on,
                title: w.title.clone(),
                cves: cves.len(),
                issuer: w
                    .issuer_name
                    .clone()
                    .unwrap_or_else(|| issuer_now.name.clone()),
                issuer_short: w
                    .issuer_short
                    .clone()
                    .unwrap_or_else(|| issuer_now.short.clone()),
                ..Default::default()
            };
            let mut orgs = BTreeSet::new();
            for r in by_cve.iter().filter(|r| cves.contains(&r.cve)) {
                orgs.insert(r.owner_org_id);
                line.findings += r.n;
                if is_active(&r.status) {
                    line.open += r.n;
                    if r.past_deadline {
                        line.overdue += r.n;
                    }
                } else {
                    line.done += r.n;
                }
            }
            line.orgs = orgs.len();
            p.warnings.push(line);
        }
        p.issuer = issuers_of(&p.warnings).unwrap_or(issuer_now.name);

        let rows = store::periodic::findings(
            &mut self.store.conn(),
            scope,
            org,
            period.starts_at(),
            period.ends_at(),
            made_on,
        )
        .await?;
        let mut status_count: BTreeMap<String, i64> = BTreeMap::new();
        let mut priorities: BTreeMap<&str, PriorityLine> = PRIORITIES
            .iter()
            .map(|&code| {
                (
                    code,
                    PriorityLine {
                        priority: code.into(),
                        label: crate::vulns::priority_vi(code).into(),
                        ..Default::default()
                    },
                )
            })
            .collect();
        let mut by_org: BTreeMap<i64, FindingsOrgLine> = BTreeMap::new();
        for r in &rows {
            let active = is_active(&r.status);
            let line = by_org
                .entry(r.owner_org_id)
                .or_insert_with(|| FindingsOrgLine {
                    org_id: r.owner_org_id,
                    name: name_of(r.owner_org_id),
                    ..Default::default()
                });
            if active && r.past_deadline {
                p.overdue_now += r.n;
                line.overdue_now += r.n;
            }
            if !r.in_period {
                continue;
            }
            p.detected += r.n;
            line.detected += r.n;
            *status_count.entry(r.status.clone()).or_default() += r.n;
            let key = PRIORITIES
                .iter()
                .copied()
                .find(|c| *c == r.priority)
                .unwrap_or("defer");
            let pl = priorities.get_mut(key).expect("every priority has a line");
            pl.detected += r.n;
            if active {
                p.open += r.n;
                line.open += r.n;
                pl.open += r.n;
                if r.past_deadline {
                    pl.overdue += r.n;
                }
            } else {
                p.done += r.n;
                line.done += r.n;
                pl.done += r.n;
            }
        }
        p.by_status = FindingStatus::ALL
            .iter()
            .map(|s| {
                (
                    s.as_str().to_string(),
                    s.label_vi().to_string(),
                    status_count.get(s.as_str()).copied().unwrap_or(0),
                )
            })
            .collect();
        p.by_priority = PRIORITIES
            .iter()
            .filter_map(|c| priorities.remove(c))
            .collect();
        p.patch_rate = (p.detected > 0).then(|| p.done as f64 / p.detected as f64);
        p.by_org = by_org.into_values().collect();
        p.by_org.sort_by(|a, b| {
            b.overdue_now
                .cmp(&a.overdue_now)
                .then(b.open.cmp(&a.open))
                .then(a.name.cmp(&b.name))
        });
        Ok(p)
    }

    async fn report_botnet(
        &self,
        scope: &Scope,
        period: ReportPeriod,
        org: Option<i64>,
        name_of: &impl Fn(i64) -> String,
    ) -> Result<BotnetPart> {
        let months = period.months();
        let (first, last) = (months[0].clone(), months[months.len() - 1].clone());
        let mut lists: Vec<store::botnet::BotnetList> =
            store::botnet::lists(&mut self.store.conn())
                .await?
                .into_iter()
                .filter(|l| first <= l.period && l.period <= last)
                .collect();
        lists.sort_by(|a, b| a.source.cmp(&b.source).then(a.period.cmp(&b.period)));
        let mut p = BotnetPart::default();
        for l in &lists {
            let history =
                store::botnet::history(&mut self.store.conn(), &l.source, &l.period, 2).await?;
            let previous = history.get(1);
            let c = store::periodic::botnet_month(&mut self.store.conn(), scope, org, l, previous)
                .await?;
            let compared = previous.is_some();
            p.months.push(BotnetMonth {
                list_id: l.id,
                source: l.source.clone(),
                month: l.period.clone(),
                listed: c.listed,
                new: compared.then_some(c.listed - c.still_listed),
                still_listed: compared.then_some(c.still_listed),
                gone: compared.then_some(c.gone),
                marked_cleaned: c.marked_cleaned,
                reinfected: c.reinfected,
                unknown_owner: c.unknown_owner,
            });
        }
        let ids: Vec<i64> = lists.iter().map(|l| l.id).collect();
        let totals =
            store::periodic::botnet_owner_totals(&mut self.store.conn(), scope, org, &ids).await?;
        for t in totals {
            p.addresses += t.addresses;
            p.marked_cleaned += t.marked_cleaned;
            p.by_owner.push(BotnetOwnerLine {
                org_id: t.owner_org_id,
                name: t
                    .owner_org_id
                    .map(name_of)
                    .unwrap_or_else(|| "Chưa xác định đơn vị".into()),
                addresses: t.addresses,
                marked_cleaned: t.marked_cleaned,
            });
        }
        p.by_owner.sort_by(|a, b| {
            a.org_id
                .is_none()
                .cmp(&b.org_id.is_none())
                .then(b.addresses.cmp(&a.addresses))
                .then(a.name.cmp(&b.name))
        });
        Ok(p)
    }

    async fn report_incidents(
        &self,
        scope: &Scope,
        period: ReportPeriod,
        org: Option<i64>,
    ) -> Result<IncidentsPart> {
        let metrics = self
            .incident_metrics(scope, Some(period.starts_at()), Some(period.ends_at()), org)
            .await?;
        let by_class = incident::IncidentClass::ALL
            .iter()
            .map(|c| {
                (
                    c.as_str().to_string(),
                    c.label_vi().to_string(),
                    metrics.by_class.get(c.as_str()).copied().unwrap_or(0),
                )
            })
            .collect();
        let by_severity = incident::Severity::ALL
            .iter()
            .map(|s| {
                (
                    s.as_str().to_string(),
                    s.label_vi().to_string(),
                    metrics.by_severity.get(s.as_str()).copied().unwrap_or(0),
                )
            })
            .collect();
        Ok(IncidentsPart {
            metrics,
            by_class,
            by_severity,
        })
    }

    async fn report_duty(
        &self,
        scope: &Scope,
        period: ReportPeriod,
        org: Option<i64>,
    ) -> Result<DutyPart> {
        let (start, end) = (period.starts_at(), period.ends_at());
        let mut overlapping: Vec<store::duty::Period> = self
            .periods(scope)
            .await?
            .into_iter()
            .filter(|p| p.starts_at < end && start < p.ends_at)
            .collect();
        overlapping.sort_by_key(|p| (p.starts_at, p.id));
        let mut out = DutyPart::default();
        for p in overlapping {
            let view = self.period(scope, p.id).await?;
            let orgs: Vec<DutyOrgLine> = view
                .orgs
                .into_iter()
                .filter(|o| org.is_none_or(|id| id == o.org_id))
                .map(|o| {
                    let total = (p.ends_at - p.starts_at).num_seconds().max(1);
                    let (covered, gaps) = o
                        .coverage
                        .as_ref()
                        .map_or((0, 1), |c| (c.covered_seconds, c.gaps.len()));
                    DutyOrgLine {
                        org_id: o.org_id,
                        name: o.name,
                        has_roster: o.coverage.is_some(),
                        shifts: o.shifts,
                        gap_hours: (total - covered).max(0) as f64 / 3600.0,
                        gaps,
                        covered: covered as f64 / total as f64,
                    }
                })
                .collect();
            if orgs.is_empty() {
                continue;
            }
            out.periods.push(DutyPeriodLine {
                id: p.id,
                name: p.name,
                starts_at: p.starts_at,
                ends_at: p.ends_at,
                orgs,
            });
        }
        Ok(out)
    }

    async fn report_directives(
        &self,
        scope: &Scope,
        period: ReportPeriod,
        org: Option<i64>,
    ) -> Result<DirectivesPart> {
        let mut issued: Vec<store::directives::Directive> = self
            .directives(scope)
            .await?
            .into_iter()
            .filter(|d| period.contains(d.issued_on))
            .collect();
        issued.sort_by_key(|d| (d.issued_on, d.id));
        let mut out = DirectivesPart::default();
        for d in issued {
            let view = self.directive(scope, d.id).await?;
            let mut tasks = Vec::new();
            for t in &view.tasks {
                let mut line = TaskLine {
                    position: t.position,
                    text: t.text.clone(),
                    deadline: t.deadline,
                    recipients: 0,
                    done: 0,
                    not_applicable: 0,
                    in_progress: 0,
                    not_reported: 0,
                    overdue: 0,
                };
                for c in view.cells.iter().filter(|c| {
                    c.progress.task_id == t.id && org.is_none_or(|o| o == c.progress.org_id)
                }) {
                    line.recipients += 1;
                    match c.progress.status.as_str() {
                        "done" => line.done += 1,
                        "not_applicable" => line.not_applicable += 1,
                        "in_progress" => line.in_progress += 1,
                        _ => line.not_reported += 1,
                    }
                    line.overdue += usize::from(c.overdue);
                }
                if line.recipients == 0 {
                    continue;
                }
                out.assigned += line.recipients;
                out.done += line.done;
                out.not_applicable += line.not_applicable;
                out.in_progress += line.in_progress;
                out.not_reported += line.not_reported;
                out.overdue += line.overdue;
                tasks.push(line);
            }
            if tasks.is_empty() {
                continue;
            }
            out.directives.push(DirectiveLine {
                id: d.id,
                number: d.number,
                issued_on: d.issued_on,
                issuer: d.issuer,
                title: d.title,
                tasks,
            });
        }
        Ok(out)
    }

    async fn report_monitoring(
        &self,
        scope: &Scope,
        period: ReportPeriod,
        org: Option<i64>,
        name_of: &impl Fn(i64) -> String,
    ) -> Result<MonitoringPart> {
        use domain::monitoring::{acknowledge_within_hours, AlertSeverity};
        use domain::Labelled;
        let now = chrono::Utc::now();
        let facts = store::monitoring_figures::alert_facts(
            &mut self.store.conn(),
            scope,
            org,
            period.starts_at(),
            period.ends_at(),
        )
        .await?;
        let mut m = MonitoringPart {
            total: facts.len() as i64,
            truncated: facts.len() as i64 >= store::monitoring_figures::ALERT_FACTS_CAP,
            ..Default::default()
        };
        let sev_index = |s: &str| {
            AlertSeverity::ALL
                .iter()
                .position(|x| x.as_str() == s)
                .unwrap_or(1)
        };
        let mut waits: Vec<Vec<f64>> = vec![Vec::new(); AlertSeverity::ALL.len()];
        let mut counts = vec![0i64; AlertSeverity::ALL.len()];
        let mut overdue = vec![0i64; AlertSeverity::ALL.len()];
        let mut per_org: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
        for f in &facts {
            let i = sev_index(&f.severity);
            counts[i] += 1;
            per_org
                .entry(f.org_id)
                .or_insert_with(|| vec![0; AlertSeverity::ALL.len()])[i] += 1;
            let due =
                f.first_seen + Duration::hours(acknowledge_within_hours(AlertSeverity::ALL[i]));
            if let Some(at) = f.acknowledged_at {
                waits[i].push((at - f.first_seen).num_seconds().max(0) as f64 / 3600.0);
            }
            if f.acknowledged_at.unwrap_or(now) > due {
                overdue[i] += 1;
            }
            match f.state.as_str() {
                "true_positive" => {
                    m.true_positives += 1;
                    m.decided += 1;
                }
                "false_positive" | "benign" => m.decided += 1,
                _ => {}
            }
            if f.made_incident {
                m.incidents += 1;
            }
        }
        for (i, s) in AlertSeverity::ALL.iter().enumerate() {
            let w = &mut waits[i];
            w.sort_by(f64::total_cmp);
            m.by_severity.push(AlertSeverityLine {
                severity: s.as_str().to_string(),
                label: s.label_vi().to_string(),
                total: counts[i],
                within_hours: acknowledge_within_hours(*s),
                acknowledged: w.len() as i64,
                median_hours: nearest_rank(w, 0.5),
                p90_hours: nearest_rank(w, 0.9),
                overdue: overdue[i],
            });
        }
        m.overdue = overdue.iter().sum();
        m.by_org = per_org
            .into_iter()
            .map(|(org_id, by_severity)| AlertOrgLine {
                org_id,
                name: name_of(org_id),
                total: by_severity.iter().sum(),
                by_severity,
            })
            .collect();
        m.by_org
            .sort_by(|a, b| b.total.cmp(&a.total).then(a.name.cmp(&b.name)));
        let watched = self.soc_monitored_systems(scope, org).await?;
        m.monitored_systems = watched.len() as i64;
        let since = now - Duration::hours(crate::monitoring_figures::SILENT_HOURS);
        m.silent = watched
            .into_iter()
            .filter(|w| w.silent_since(since))
            .map(|w| SilentLine {
                org: name_of(w.owner_org_id),
                code: w.code,
                name: w.name,
                sensors: w.sensors,
                last_event_at: w.last_event_at,
            })
            .collect();
        Ok(m)
    }
}

/// The value at rank ceil(p·n) of sorted values (none when empty).
pub(super) fn nearest_rank(sorted: &[f64], p: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (p * sorted.len() as f64).ceil() as usize;
    Some(sorted[rank.clamp(1, sorted.len()) - 1])
}

/// The bodies that issued a period's warnings, in the order they first
/// issued one: "Cục X" or "Cục X và Cục Y"; `None` without warnings.
fn issuers_of(warnings: &[WarningLine]) -> Option<String> {
    let mut names: Vec<&str> = Vec::new();
    for w in warnings {
        if !names.contains(&w.issuer.as_str()) {
            names.push(&w.issuer);
        }
    }
    match names.split_last()? {
        (last, []) => Some(last.to_string()),
        (last, rest) => Some(format!("{} và {last}", rest.join(", "))),
    }
}
