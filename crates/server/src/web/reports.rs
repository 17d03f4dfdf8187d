//! The periodic reports page: what is due and by when, and the 6-monthly and
//! yearly reports of the province or one organisation as DOCX and XLSX.

use super::{render, Nav, Tr, Web};
use crate::AppState;
use app::periodic_report::{next_due, PeriodKind, ReportDue, ReportPeriod};
use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/reports", get(page))
        .route("/reports/file", get(file))
}

#[derive(Deserialize)]
struct FileQuery {
    period: String,
    #[serde(default)]
    org_id: String,
    format: String,
}

/// The form's choice as the API's download address (a form cannot build a path).
async fn file(web: Web, Query(q): Query<FileQuery>) -> Response {
    let period: ReportPeriod = match q.period.parse() {
        Ok(p) => p,
        Err(e) => return web.fail(invalid("period", e)),
    };
    let format = match q.format.as_str() {
        "docx" | "xlsx" => q.format.as_str(),
        _ => return web.fail(invalid("format", "docx or xlsx")),
    };
    let org = match q.org_id.trim() {
        "" => String::new(),
        id => match id.parse::<i64>() {
            Ok(id) => format!("?org_id={id}"),
            Err(_) => return web.fail(invalid("org_id", "an organisation id")),
        },
    };
    Redirect::to(&format!(
        "/api/v1/reports/periodic/{period}/report.{format}{org}"
    ))
    .into_response()
}

fn invalid(field: &str, reason: impl Into<String>) -> app::AppError {
    let mut e = domain::FieldErrors::default();
    e.push(field, reason);
    app::AppError::Invalid(e)
}

#[derive(Template)]
#[template(path = "reports.html")]
struct ReportsPage {
    tr: Tr,
    nav: Nav,
    title: String,
    due: Vec<ReportDue>,
    /// The periods to choose from, newest first: (code, label).
    periods: Vec<(String, String)>,
    /// Who the report may be for: (org id or empty for the province, name).
    targets: Vec<(String, String)>,
    /// The period whose report is due next, chosen when the page opens
    /// (or the one asked for with `?period=`).
    selected: String,
    /// Said plainly when the selected period has almost no data.
    thin: Option<String>,
}

#[derive(Deserialize)]
struct PageQuery {
    #[serde(default)]
    period: Option<String>,
}

async fn page(State(st): State<AppState>, web: Web, Query(q): Query<PageQuery>) -> Response {
    let today = app::registry::today();
    let current = ReportPeriod::half_containing(today);
    let mut periods = Vec::new();
    for year in (current.year - 2..=current.year).rev() {
        for kind in [
            PeriodKind::Year,
            PeriodKind::HalfYear2,
            PeriodKind::HalfYear1,
        ] {
            if let Ok(p) = ReportPeriod::new(kind, year) {
                if p.first_day() <= today {
                    periods.push((p.to_string(), p.label_vi()));
                }
            }
        }
    }
    let scope = &web.auth.scope;
    let mut targets = Vec::new();
    if scope.sees_province() {
        targets.push((String::new(), web.tr.t("province").to_string()));
        match st.app.org_names(scope).await {
            Ok(orgs) => {
                let mut orgs: Vec<_> = orgs.into_values().collect();
                orgs.sort_by(|a, b| {
                    a.data
                        .short_name
                        .to_string()
                        .cmp(&b.data.short_name.to_string())
                });
                targets.extend(
                    orgs.into_iter()
                        .map(|o| (o.id.to_string(), o.data.name.to_string())),
                );
            }
            Err(e) => return web.fail(e),
        }
    } else {
        targets.push((scope.org_id.to_string(), web.tr.t("my_org").to_string()));
    }
    let due = next_due(today);
    let asked = q
        .period
        .as_deref()
        .and_then(|p| p.parse::<ReportPeriod>().ok())
        .map(|p| p.to_string())
        .filter(|code| periods.iter().any(|(c, _)| c == code));
    let selected = asked
        .or_else(|| {
            due.iter()
                .map(|d| d.period.to_string())
                .find(|code| periods.iter().any(|(c, _)| c == code))
        })
        .unwrap_or_default();
    let thin = match selected.parse::<ReportPeriod>() {
        Ok(period) => {
            let org = (!scope.sees_province()).then_some(scope.org_id);
            match st.app.period_activity(scope, period, org).await {
                Ok(a) => a.thin_sentence_vi(&period),
                Err(e) => return web.fail(e),
            }
        }
        Err(_) => None,
    };
    render(&ReportsPage {
        thin,
        tr: web.tr,
        nav: web.nav("reports"),
        title: web.tr.t("periodic_reports").into(),
        due,
        selected,
        periods,
        targets,
    })
}
