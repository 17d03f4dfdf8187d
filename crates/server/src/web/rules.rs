//! Console page for the detection rules the monitoring pipeline runs: the
//! loaded rules by folder, how many of each run, the switches set, and a
//! form to switch a folder or a rule (by id) on or off. The coordinator's.

use super::{error_page, render, Nav, Tr, Web};
use crate::AppState;
use app::rule_switches::RuleCatalogue;
use app::AppError;
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use axum::{Form, Router};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new().route("/rules", get(list).post(switch))
}

#[derive(Template)]
#[template(path = "rules.html")]
struct RulesPage {
    tr: Tr,
    nav: Nav,
    title: String,
    c: RuleCatalogue,
    message: Option<String>,
}

async fn page(st: &AppState, web: &Web, message: Option<String>) -> Response {
    match st.app.rule_catalogue(&web.auth.scope).await {
        Ok(c) => render(&RulesPage {
            tr: web.tr,
            nav: web.nav("sensors"),
            title: web.tr.t("rules_title").into(),
            c,
            message,
        }),
        Err(e) => error_page(web.tr, e),
    }
}

async fn list(State(st): State<AppState>, web: Web) -> Response {
    page(&st, &web, None).await
}

#[derive(Deserialize)]
struct SwitchForm {
    #[serde(default)]
    csrf: String,
    kind: String,
    #[serde(default)]
    target: String,
    /// "true" or "false".
    enabled: String,
}

async fn switch(State(st): State<AppState>, web: Web, Form(f): Form<SwitchForm>) -> Response {
    if let Some(r) = web.refuse_csrf(&f.csrf) {
        return r;
    }
    let enabled = f.enabled == "true";
    match st
        .app
        .set_rule_switch(&web.auth.scope, &f.kind, &f.target, enabled)
        .await
    {
        Ok(_) => page(&st, &web, None).await,
        Err(AppError::Invalid(e)) => page(&st, &web, Some(e.to_string())).await,
        Err(e) => error_page(web.tr, e),
    }
}
