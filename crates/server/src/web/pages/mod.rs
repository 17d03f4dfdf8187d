//! The console's pages. Each handler reads the request, calls one use case
//! with the signed-in person's scope, and renders a template.

mod admin;
mod dashboard;
mod import;
mod record_forms;
mod records;
mod session;
mod systems;

use super::charts::{bars, Bar};
use super::{
    cookie, error_page, render, urlencode, with_cookies, CsrfForm, Nav, Purpose, Reader, Tr, Web,
    LANG_COOKIE, PRE_CSRF_COOKIE,
};
use crate::auth::{cookie_in, SESSION_COOKIE};
use crate::AppState;
use app::store::assets::{Asset, AssetFilter};
use app::store::audit::{AuditFilter, ChainReport};
use app::store::auth::{ApiToken, User};
use app::store::orgs::{Org, OrgFilter};
use app::store::systems::{InfoSystem, SystemFilter};
use app::transfer::{ImportMode, ImportReport, Kind, RowError};
use app::AppError;
use askama::Template;
use axum::extract::{ConnectInfo, Multipart, Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use domain::audit::AuditRecord;
use domain::{OrgType, Role};
use serde::Deserialize;
use std::collections::HashMap;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(|| async { Redirect::to("/dashboard") }))
        .route("/lang/{code}", get(switch_language))
        .route("/static/{file}", get(static_file))
        .merge(session::router())
        .merge(dashboard::router())
        .merge(systems::router())
        .merge(records::router())
        .merge(record_forms::router())
        .merge(import::router())
        .merge(admin::router())
}

async fn static_file(Path(file): Path<String>) -> Response {
    match super::static_file(&file) {
        Some((mime, bytes)) => (
            [
                (header::CONTENT_TYPE, mime),
                (header::CACHE_CONTROL, "max-age=3600"),
            ],
            bytes,
        )
            .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

#[derive(Deserialize)]
struct Back {
    back: Option<String>,
}

async fn switch_language(
    State(st): State<AppState>,
    Reader(tr, _): Reader,
    Path(code): Path<String>,
    Query(q): Query<Back>,
) -> Response {
    let lang = if code == "en" { "en" } else { "vi" };
    let Some(back) = super::local_path(q.back.as_deref()) else {
        return super::bad_request_page(tr, tr.t("bad_return_path").into());
    };
    with_cookies(
        Redirect::to(&back).into_response(),
        vec![cookie(LANG_COOKIE, lang, st.tls, 60 * 60 * 24 * 365)],
    )
}

fn num<T: std::str::FromStr>(v: &Option<String>) -> Option<T> {
    v.as_deref().and_then(|s| s.trim().parse().ok())
}

fn flag(v: &Option<String>) -> Option<bool> {
    match v.as_deref() {
        Some("true") => Some(true),
        Some("false") => Some(false),
        _ => None,
    }
}

/// Every organisation the scope may read, by id.
async fn org_map(st: &AppState, web: &Web) -> Result<HashMap<i64, Org>, AppError> {
    let mut out = HashMap::new();
    let mut after = None;
    loop {
        let page = st
            .app
            .orgs(
                &web.auth.scope,
                &OrgFilter {
                    after,
                    limit: 1000,
                    ..Default::default()
                },
            )
            .await?;
        for o in page.items {
            out.insert(o.id, o);
        }
        match page.next {
            Some(n) => after = Some(n),
            None => return Ok(out),
        }
    }
}

fn short(orgs: &HashMap<i64, Org>, id: Option<i64>) -> String {
    id.and_then(|i| orgs.get(&i))
        .map(|o| o.data.short_name.to_string())
        .unwrap_or_default()
}

fn sorted_names(orgs: &HashMap<i64, Org>, keep: impl Fn(&Org) -> bool) -> Vec<(i64, String)> {
    let mut v: Vec<(i64, String)> = orgs
        .values()
        .filter(|o| keep(o))
        .map(|o| (o.id, o.data.name.to_string()))
        .collect();
    v.sort_by(|a, b| a.1.cmp(&b.1));
    v
}

/// Separates the CSRF token from a form's fields; repeated names (check
/// boxes) stay as separate pairs.
fn fields(pairs: Vec<(String, String)>) -> (String, Vec<(String, String)>) {
    let csrf = pairs
        .iter()
        .find(|(k, _)| k == "csrf")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    (
        csrf,
        pairs.into_iter().filter(|(k, _)| k != "csrf").collect(),
    )
}

/// A use case's refusal as form errors, next to the fields they concern.
fn app_errors(tr: Tr, e: AppError) -> Vec<RowError> {
    match e {
        AppError::Invalid(errs) => errs
            .0
            .into_iter()
            .map(|f| RowError {
                row: None,
                column: Some(
                    match f.field.as_str() {
                        "owner_org_id" => "owner",
                        "operator_org_id" => "operator",
                        "soc_provider_id" => "soc_provider",
                        "isp_id" => "isp",
                        "approval" => "approval_number",
                        other => other.rsplit('.').next().unwrap_or(other),
                    }
                    .to_string(),
                ),
                reason: crate::web::form_errors::reason(tr, &f.reason),
            })
            .collect(),
        other => vec![RowError {
            row: None,
            column: None,
            reason: crate::web::form_errors::reason(tr, &other.to_string()),
        }],
    }
}

#[derive(Template)]
#[template(path = "confirm.html")]
struct ConfirmPage {
    tr: Tr,
    nav: Nav,
    title: String,
    what: String,
    action: String,
    back: String,
}
