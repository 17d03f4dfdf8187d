//! Console pages for 24/7 monitoring alerts: the queue (filters by
//! severity, state, organisation and rule; keyset pages; keyboard-friendly
//! plain links and forms), one alert (its events, related alerts on the same
//! host, the asset and system, the triage actions).

use super::{error_page, render, Nav, Tr, Web};
use crate::AppState;
use app::monitoring::{AlertDetail, AlertMove};
use app::store::monitoring::{Alert, AlertFilter};
use app::AppError;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use domain::monitoring::{AlertSeverity, AlertState};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/alerts", get(queue))
        .route("/alerts/{id}", get(detail))
        .route("/alerts/{id}/move", post(move_alert))
}

#[derive(Template)]
#[template(path = "alerts.html")]
struct QueuePage {
    tr: Tr,
    nav: Nav,
    title: String,
    rows: Vec<Alert>,
    next: Option<i64>,
    query: String,
    severity: String,
    state: String,
    rule_id: String,
    now: chrono::DateTime<chrono::Utc>,
}

impl QueuePage {
    fn overdue(&self, a: &Alert) -> bool {
        app::store::monitoring::is_overdue(a, self.now)
    }
    fn severities(&self) -> &'static [AlertSeverity] {
        AlertSeverity::ALL
    }
    fn states(&self) -> &'static [AlertState] {
        AlertState::ALL
    }
}

#[derive(Deserialize, Default)]
struct QueueParams {
    #[serde(default)]
    severity: String,
    #[serde(default)]
    state: String,
    #[serde(default)]
    org_id: Option<i64>,
    #[serde(default)]
    rule_id: String,
    #[serde(default)]
    before_id: Option<i64>,
}

async fn queue(State(st): State<AppState>, web: Web, Query(p): Query<QueueParams>) -> Response {
    let f = AlertFilter {
        severity: p.severity.parse().ok(),
        state: p.state.parse().ok(),
        org_id: p.org_id,
        rule_id: Some(p.rule_id.trim().to_string()).filter(|s| !s.is_empty()),
        host: None,
        before_id: p.before_id,
        limit: 50,
    };
    let mut query = format!(
        "severity={}&state={}&rule_id={}",
        super::urlencode(&p.severity),
        super::urlencode(&p.state),
        super::urlencode(&p.rule_id)
    );
    if let Some(o) = p.org_id {
        query.push_str(&format!("&org_id={o}"));
    }
    match st.app.alerts(&web.auth.scope, &f).await {
        Ok(page) => render(&QueuePage {
            tr: web.tr,
            nav: web.nav("alerts"),
            title: web.tr.t("mon_alerts").into(),
            rows: page.items,
            next: page.next,
            query,
            severity: p.severity,
            state: p.state,
            rule_id: p.rule_id,
            now: chrono::Utc::now(),
        }),
        Err(e) => error_page(web.tr, e),
    }
}

#[derive(Template)]
#[template(path = "alert.html")]
struct DetailPage {
    tr: Tr,
    nav: Nav,
    title: String,
    d: AlertDetail,
    events: Vec<String>,
    message: Option<String>,
}

async fn detail_page(st: &AppState, web: &Web, id: i64, message: Option<String>) -> Response {
    match st.app.alert(&web.auth.scope, id).await {
        Ok(d) => render(&DetailPage {
            tr: web.tr,
            nav: web.nav("alerts"),
            title: format!("{} #{}", web.tr.t("mon_alert"), d.alert.id),
            events: d
                .alert
                .events
                .iter()
                .map(|e| serde_json::to_string_pretty(e).unwrap_or_default())
                .collect(),
            d,
            message,
        }),
        Err(e) => error_page(web.tr, e),
    }
}

async fn detail(State(st): State<AppState>, web: Web, Path(id): Path<i64>) -> Response {
    detail_page(&st, &web, id, None).await
}

#[derive(Deserialize)]
struct MoveForm {
    #[serde(default)]
    csrf: String,
    action: String,
    #[serde(default)]
    reason: Option<String>,
}

async fn move_alert(
    State(st): State<AppState>,
    web: Web,
    Path(id): Path<i64>,
    Form(f): Form<MoveForm>,
) -> Response {
    if let Some(r) = web.refuse_csrf(&f.csrf) {
        return r;
    }
    let m = AlertMove {
        action: f.action,
        reason: f.reason,
    };
    match st.app.move_alert(&web.auth.scope, id, &m).await {
        Ok(_) => Redirect::to(&format!("/alerts/{id}")).into_response(),
        Err(AppError::Invalid(e)) => detail_page(&st, &web, id, Some(e.to_string())).await,
        Err(AppError::Conflict(why)) => detail_page(&st, &web, id, Some(why)).await,
        Err(e) => error_page(web.tr, e),
    }
}
