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
}

async fn dashboard(State(st): State<AppState>, web: Web) -> Response {
    let d = match st.app.dashboard(&web.auth.scope).await {
        Ok(d) => d,
        Err(e) => return fail(web.tr, e),
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
    let page = DashboardPage {
        tr,
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
