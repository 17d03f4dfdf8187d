//! Console pages for vulnerability warnings: the warnings with the forms to
//! record one and to import feeds, one warning across the province, the
//! caller's findings, and one finding with its evidence and the move form.

use super::{read_upload, render, CsrfForm, Nav, Tr, Web};
use crate::AppState;
use app::store::vulns::{FindingFilter, FindingView, Warning};
use app::vulns::{FindingDetail, WarningInput, WarningStatus};
use app::AppError;
use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use domain::{FindingAction, FindingStatus};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/vulns", get(warnings).post(create_warning))
        .route(
            "/vulns/feeds",
            post(import_feed).layer(axum::extract::DefaultBodyLimit::max(
                crate::MAX_UPLOAD_BYTES,
            )),
        )
        .route("/vulns/match", post(run_match))
        .route("/vulns/warnings/{id}", get(warning))
        .route("/vulns/warnings/{id}/publish", post(publish))
        .route("/vulns/findings", get(findings))
        .route("/vulns/findings/{id}", get(finding).post(move_finding))
        .route("/vulns/unevaluable", get(unevaluable))
}

#[derive(Template)]
#[template(path = "vuln_unevaluable.html")]
struct UnevaluablePage {
    tr: Tr,
    nav: Nav,
    title: String,
    rows: Vec<app::store::vulns::UnevaluableView>,
}

/// What the matcher could not evaluate (the page `canhgac vuln match`
/// points to), as far as the reader may see.
async fn unevaluable(State(st): State<AppState>, web: Web) -> Response {
    let filter = FindingFilter {
        limit: 1000,
        ..Default::default()
    };
    match st.app.unevaluable(&web.auth.scope, &filter).await {
        Ok(rows) => render(&UnevaluablePage {
            tr: web.tr,
            nav: web.nav("vulns"),
            title: web.tr.t("unevaluable").into(),
            rows,
        }),
        Err(e) => web.fail(e),
    }
}

#[derive(Template)]
#[template(path = "vulns.html")]
struct WarningsPage {
    tr: Tr,
    nav: Nav,
    title: String,
    warnings: Vec<Warning>,
    coordinator: bool,
    message: String,
}

async fn warnings_page(st: &AppState, web: &Web, message: String) -> Response {
    match st.app.warnings().await {
        Ok(warnings) => render(&WarningsPage {
            tr: web.tr,
            nav: web.nav("vulns"),
            title: web.tr.t("vulns").into(),
            warnings,
            coordinator: web.auth.scope.is_coordinator(),
            message,
        }),
        Err(e) => web.fail(e),
    }
}

async fn warnings(State(st): State<AppState>, web: Web) -> Response {
    warnings_page(&st, &web, String::new()).await
}

#[derive(Deserialize)]
struct WarningForm {
    #[serde(default)]
    csrf: String,
    number: String,
    issued_on: String,
    title: String,
    cves: String,
    #[serde(default)]
    required_action: String,
    #[serde(default)]
    deadline: String,
    #[serde(default)]
    body: String,
}

async fn create_warning(
    State(st): State<AppState>,
    web: Web,
    Form(f): Form<WarningForm>,
) -> Response {
    if let Some(r) = web.refuse_csrf(&f.csrf) {
        return r;
    }
    let input = WarningInput {
        number: f.number,
        issued_on: f.issued_on,
        title: f.title,
        cves: f
            .cves
            .split(|c: char| c == ',' || c == ';' || c.is_whitespace())
            .filter(|c| !c.is_empty())
            .map(str::to_string)
            .collect(),
        body: Some(f.body),
        required_action: Some(f.required_action),
        deadline: Some(f.deadline),
    };
    match st.app.create_warning(&web.auth.scope, &input).await {
        Ok(w) => Redirect::to(&format!("/vulns/warnings/{}", w.id)).into_response(),
        Err(e) => web.fail(e),
    }
}

async fn import_feed(State(st): State<AppState>, web: Web, mp: Multipart) -> Response {
    let up = match read_upload(mp).await {
        Ok(u) => u,
        Err(e) => return web.fail(e),
    };
    if let Some(r) = web.refuse_csrf(up.field("csrf")) {
        return r;
    }
    match st
        .app
        .import_vuln_feed(&web.auth.scope, &up.file_name, &up.bytes)
        .await
    {
        Ok(r) => {
            let problems: Vec<String> = r.problems.iter().take(20).map(|p| p.to_string()).collect();
            let msg = format!(
                "{}: {} {}, KEV {}, EPSS {}{}",
                r.file,
                r.records,
                web.tr.t("records_written"),
                r.kev,
                r.epss,
                if problems.is_empty() {
                    String::new()
                } else {
                    format!(" — {}: {}", web.tr.t("feed_problems"), problems.join("; "))
                }
            );
            warnings_page(&st, &web, msg).await
        }
        Err(e) => web.fail(e),
    }
}

async fn run_match(State(st): State<AppState>, web: Web, Form(f): Form<CsrfForm>) -> Response {
    if let Some(r) = web.refuse_csrf(&f.csrf) {
        return r;
    }
    match st.app.match_inventory(&web.auth.scope).await {
        Ok(run) => {
            let msg = format!(
                "{}: {} / {} — {} {}, {} {}, {} {}, {}: {}",
                web.tr.t("match_done"),
                run.assets,
                run.vulns,
                run.new,
                web.tr.t("new_findings"),
                run.resolved_by_update,
                web.tr.t("resolved_by_update"),
                run.reopened,
                web.tr.t("reopened"),
                web.tr.t("unevaluable"),
                run.unevaluable,
            );
            warnings_page(&st, &web, msg).await
        }
        Err(e) => web.fail(e),
    }
}

#[derive(Template)]
#[template(path = "vuln_warning.html")]
struct WarningPage {
    tr: Tr,
    nav: Nav,
    title: String,
    s: WarningStatus,
    coordinator: bool,
    today: chrono::NaiveDate,
}

async fn warning(State(st): State<AppState>, web: Web, Path(id): Path<i64>) -> Response {
    match st.app.warning_status(&web.auth.scope, id).await {
        Ok(s) => render(&WarningPage {
            tr: web.tr,
            nav: web.nav("vulns"),
            title: format!("{} {}", web.tr.t("warning"), s.warning.number),
            s,
            coordinator: web.auth.scope.is_coordinator(),
            today: app::registry::today(),
        }),
        Err(e) => web.fail(e),
    }
}

async fn publish(
    State(st): State<AppState>,
    web: Web,
    Path(id): Path<i64>,
    Form(f): Form<CsrfForm>,
) -> Response {
    if let Some(r) = web.refuse_csrf(&f.csrf) {
        return r;
    }
    match st.app.publish_warning(&web.auth.scope, id).await {
        Ok(_) => Redirect::to(&format!("/vulns/warnings/{id}")).into_response(),
        Err(e) => web.fail(e),
    }
}

#[derive(Template)]
#[template(path = "vuln_findings.html")]
struct FindingsPage {
    tr: Tr,
    nav: Nav,
    title: String,
    rows: Vec<FindingView>,
    next: Option<i64>,
    today: chrono::NaiveDate,
    query: String,
}

#[derive(Deserialize)]
struct FindingQuery {
    status: Option<String>,
    overdue: Option<String>,
    all: Option<String>,
    after: Option<i64>,
}

async fn findings(State(st): State<AppState>, web: Web, Query(q): Query<FindingQuery>) -> Response {
    let status = q
        .status
        .as_deref()
        .and_then(|s| s.parse::<FindingStatus>().ok());
    let overdue = q.overdue.as_deref() == Some("1");
    let all = q.all.as_deref() == Some("1");
    let today = app::registry::today();
    let filter = FindingFilter {
        status,
        active: !all && status.is_none(),
        overdue_on: overdue.then_some(today),
        after_id: q.after,
        limit: 200,
        ..Default::default()
    };
    let page = match st.app.findings(&web.auth.scope, &filter).await {
        Ok(p) => p,
        Err(e) => return web.fail(e),
    };
    let mut query = String::new();
    if let Some(s) = status {
        query.push_str(&format!("status={}&", s.as_str()));
    }
    if overdue {
        query.push_str("overdue=1&");
    }
    if all {
        query.push_str("all=1&");
    }
    render(&FindingsPage {
        tr: web.tr,
        nav: web.nav("vulns"),
        title: web.tr.t("findings").into(),
        rows: page.items,
        next: page.next,
        today,
        query,
    })
}

#[derive(Template)]
#[template(path = "vuln_finding.html")]
struct FindingPage {
    tr: Tr,
    nav: Nav,
    title: String,
    d: FindingDetail,
    evidence: Vec<(String, String)>,
    actions: Vec<(String, String)>,
}

fn finding_page(web: &Web, d: FindingDetail) -> Response {
    let evidence = d
        .evidence
        .as_object()
        .map(|o| {
            o.iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| {
                    (
                        k.clone(),
                        v.as_str()
                            .map(str::to_string)
                            .unwrap_or_else(|| v.to_string()),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let status: FindingStatus = d.finding.status.parse().unwrap_or(FindingStatus::Open);
    let actions = domain::finding::FINDING_TRANSITIONS
        .iter()
        .filter(|(from, _, _, who, _)| *from == status && *who != domain::finding::Who::Matcher)
        .map(|(_, a, ..)| {
            (
                a.as_str().to_string(),
                if web.tr.is_en() {
                    a.label_en()
                } else {
                    a.label_vi()
                }
                .to_string(),
            )
        })
        .collect();
    render(&FindingPage {
        tr: web.tr,
        nav: web.nav("vulns"),
        title: format!("{} — {}", d.finding.cve, d.finding.hostname),
        d,
        evidence,
        actions,
    })
}

async fn finding(State(st): State<AppState>, web: Web, Path(id): Path<i64>) -> Response {
    match st.app.finding_detail(&web.auth.scope, id).await {
        Ok(d) => finding_page(&web, d),
        Err(e) => web.fail(e),
    }
}

#[derive(Deserialize)]
struct MoveForm {
    #[serde(default)]
    csrf: String,
    action: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    until: String,
}

async fn move_finding(
    State(st): State<AppState>,
    web: Web,
    Path(id): Path<i64>,
    Form(f): Form<MoveForm>,
) -> Response {
    if let Some(r) = web.refuse_csrf(&f.csrf) {
        return r;
    }
    let action: FindingAction = match f.action.parse() {
        Ok(a) => a,
        Err(e) => {
            let mut errs = domain::FieldErrors::default();
            errs.push("action", e);
            return web.fail(AppError::Invalid(errs));
        }
    };
    match st
        .app
        .move_finding(&web.auth.scope, id, action, Some(&f.note), Some(&f.until))
        .await
    {
        Ok(_) => Redirect::to(&format!("/vulns/findings/{id}")).into_response(),
        Err(e) => web.fail(e),
    }
}
