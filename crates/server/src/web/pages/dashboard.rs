//! The dashboard: the province (or the organisation) at a glance.

use super::*;

pub(super) fn router() -> Router<AppState> {
    Router::new().route("/dashboard", get(dashboard))
}

struct CoverageRow {
    label: &'static str,
    have: i64,
    total: i64,
    href: String,
}

impl CoverageRow {
    fn percent(&self) -> i64 {
        if self.total == 0 {
            0
        } else {
            self.have * 100 / self.total
        }
    }
    /// As the reports write it: "66,7%".
    fn share(&self) -> String {
        app::dashboard::percent(self.have, self.total)
    }
}

/// One line of the to-do list: what, how many (and how many late), where to act.
struct TodoRow {
    id: &'static str,
    label: String,
    count: String,
    late: String,
    href: String,
    warn: bool,
}

fn todo_rows(tr: Tr, d: &app::dashboard::Dashboard) -> Vec<TodoRow> {
    let t = &d.todo;
    let n = app::dashboard::thousands;
    let late = |k: i64| {
        if k > 0 {
            format!("{} {}", n(k), tr.t("overdue").to_lowercase())
        } else {
            String::new()
        }
    };
    let mut rows = Vec::new();
    for f in &t.findings {
        rows.push(TodoRow {
            id: "todo-findings",
            label: format!("{} — {}", tr.t("todo_findings"), tr.priority(&f.priority)),
            count: n(f.open),
            late: late(f.overdue),
            href: if f.overdue > 0 {
                "/vulns/findings?overdue=true".into()
            } else {
                "/vulns/findings".into()
            },
            warn: f.overdue > 0,
        });
    }
    if t.findings.is_empty() {
        rows.push(TodoRow {
            id: "todo-findings",
            label: tr.t("todo_findings").into(),
            count: "0".into(),
            late: String::new(),
            href: "/vulns/findings".into(),
            warn: false,
        });
    }
    rows.push(TodoRow {
        id: "todo-incidents",
        label: tr.t("todo_incidents").into(),
        count: n(t.incidents_open),
        late: late(d.overdue_incident_count as i64),
        href: if d.overdue_incident_count > 0 {
            "/incidents?overdue=true".into()
        } else {
            "/incidents".into()
        },
        warn: d.overdue_incident_count > 0,
    });
    if let Some(b) = &t.botnet {
        rows.push(TodoRow {
            id: "todo-botnet",
            label: format!(
                "{} ({} {})",
                tr.t("todo_botnet"),
                tr.t("month").to_lowercase(),
                app::botnet::period_vn(&b.period)
            ),
            count: format!("{} / {}", n(b.not_cleaned), n(b.listed)),
            late: String::new(),
            href: format!("/botnet/lists/{}/ips", b.list_id),
            warn: b.not_cleaned > 0,
        });
    }
    rows.push(TodoRow {
        id: "todo-silent",
        label: tr.t("todo_silent").into(),
        count: n(t.silent_count),
        late: String::new(),
        href: "/sensors#silent".into(),
        warn: t.silent_count > 0,
    });
    rows.push(TodoRow {
        id: "todo-tasks",
        label: tr.t("todo_tasks").into(),
        count: n(t.tasks_open),
        late: late(t.tasks_overdue),
        href: "/directives".into(),
        warn: t.tasks_overdue > 0,
    });
    rows
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    tr: Tr,
    nav: Nav,
    title: String,
    d: app::dashboard::Dashboard,
    level_chart: String,
    org_chart: String,
    coverage: Vec<CoverageRow>,
    /// New and overdue monitoring alerts in reach.
    alerts: app::store::monitoring::AlertCounts,
    /// The reader sees its own organisation, not the province.
    officer: bool,
    todo: Vec<TodoRow>,
    /// (organisation, people on duty or "nobody", until, roster link)
    on_duty: Vec<(String, String, String, String)>,
    /// (organisation, from, to, roster link)
    gaps: Vec<(String, String, String, String)>,
}

async fn dashboard(State(st): State<AppState>, web: Web) -> Response {
    let d = match st.app.dashboard(&web.auth.scope).await {
        Ok(d) => d,
        Err(e) => return web.fail(e),
    };
    let tr = web.tr;
    let level_bars: Vec<Bar> = (1..=5)
        .map(|l| Bar {
            label: format!("{} {l}", tr.t("level")),
            value: d.by_level[l],
            href: Some(format!("/systems?level={l}")),
        })
        .chain((d.by_level[0] > 0).then(|| Bar {
            label: tr.t("no_level").into(),
            value: d.by_level[0],
            href: None,
        }))
        .collect();
    let org_bars: Vec<Bar> = d
        .by_org
        .iter()
        .take(12)
        .map(|o| Bar {
            label: o.name.clone(),
            value: o.count,
            href: Some(format!("/systems?owner_org_id={}", o.org_id)),
        })
        .collect();
    let c = &d.coverage;
    let coverage = vec![
        CoverageRow {
            label: tr.t("onsite_force"),
            have: c.onsite_force,
            total: c.systems,
            href: "/systems?min_level=3".into(),
        },
        CoverageRow {
            label: tr.t("soc_monitoring"),
            have: c.soc_monitoring,
            total: c.systems,
            href: "/systems?min_level=3&soc_monitoring=false".into(),
        },
        CoverageRow {
            label: tr.t("assessed_year"),
            have: c.assessed,
            total: c.systems,
            href: "/systems?min_level=3&assessed=false".into(),
        },
        CoverageRow {
            label: tr.t("ncsc_connected"),
            have: c.ncsc_connected,
            total: c.systems,
            href: "/systems?min_level=3&ncsc_connected=false".into(),
        },
    ];
    let roster = |p: i64, o: i64| format!("/duty/periods/{p}/orgs/{o}");
    let on_duty = d
        .todo
        .on_duty
        .iter()
        .map(|o| {
            let people: Vec<&str> = o.people.iter().map(|p| p.name()).collect();
            (
                o.org_name.clone(),
                if people.is_empty() {
                    tr.t("nobody_on_duty").to_string()
                } else {
                    people.join(", ")
                },
                o.shift_end
                    .map(app::roster::format_local)
                    .unwrap_or_default(),
                roster(o.period_id, o.org_id),
            )
        })
        .collect();
    let gaps = d
        .todo
        .gaps
        .iter()
        .map(|g| {
            (
                g.org_name.clone(),
                app::roster::format_local(g.start),
                app::roster::format_local(g.end),
                roster(g.period_id, g.org_id),
            )
        })
        .collect();
    let page = DashboardPage {
        tr,
        officer: !web.auth.scope.sees_province(),
        todo: todo_rows(tr, &d),
        on_duty,
        gaps,
        nav: web.nav("dashboard"),
        title: tr.t("dashboard").into(),
        level_chart: bars(tr.t("systems_by_level"), &level_bars),
        org_chart: bars(tr.t("systems_by_org"), &org_bars),
        coverage,
        d,
        alerts: st
            .app
            .alert_counts(&web.auth.scope)
            .await
            .unwrap_or_default(),
    };
    render(&page)
}
