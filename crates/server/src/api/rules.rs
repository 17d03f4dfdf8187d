//! /api/v1 for the detection rules the monitoring pipeline runs: the
//! catalogue with each rule's switch state, and switching a folder or a rule
//! on or off (the coordinator's, audited). Thin: `app::rule_switches`.

use crate::api::JsonBody;
use crate::auth::Caller;
use crate::error::ApiResult;
use crate::AppState;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, put};
use axum::{Json, Router};
use serde::Deserialize;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/rules", get(catalogue))
        .route("/rules/switches", put(switch))
}

#[derive(Deserialize)]
struct CatalogueParams {
    /// Only the rules of this folder and below (relative, `/`-separated).
    folder: Option<String>,
}

async fn catalogue(
    State(st): State<AppState>,
    Caller(c): Caller,
    Query(p): Query<CatalogueParams>,
) -> ApiResult<Response> {
    let list = st.app.rule_list(&c.scope, p.folder.as_deref()).await?;
    Ok(Json(list).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Switch {
    /// `folder` or `rule`.
    kind: String,
    /// A folder relative to the rule folders, or a rule id.
    target: String,
    enabled: bool,
}

async fn switch(
    State(st): State<AppState>,
    Caller(c): Caller,
    JsonBody(b): JsonBody<Switch>,
) -> ApiResult<Response> {
    let done = st
        .app
        .set_rule_switch(&c.scope, &b.kind, &b.target, b.enabled)
        .await?;
    Ok(Json(done).into_response())
}
