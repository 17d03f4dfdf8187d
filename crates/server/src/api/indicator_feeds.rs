//! /api/v1 for imported indicator feeds (plain lists, STIX 2.1 bundles,
//! MISP events) that join the monitoring pipeline's live indicators. Thin:
//! each handler calls one use case in `app::indicator_feeds`.

use crate::auth::Caller;
use crate::error::ApiResult;
use crate::AppState;
use app::indicator_feeds::FeedImport;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/indicator-feeds",
            get(list)
                .post(import)
                .layer(axum::extract::DefaultBodyLimit::max(
                    crate::MAX_UPLOAD_BYTES,
                )),
        )
        .route("/indicator-feeds/{id}", delete(remove))
}

#[derive(Deserialize)]
struct ImportParams {
    name: String,
    format: Option<String>,
    tlp: Option<String>,
    expires_days: Option<i64>,
    file_name: Option<String>,
}

/// The feed file is the raw request body.
async fn import(
    State(st): State<AppState>,
    Caller(c): Caller,
    Query(p): Query<ImportParams>,
    body: Bytes,
) -> ApiResult<Response> {
    let how = FeedImport {
        name: p.name,
        file_name: p.file_name.unwrap_or_default(),
        format: p.format.unwrap_or_default(),
        tlp: p.tlp.unwrap_or_default(),
        expires_days: p.expires_days,
    };
    let report = st
        .app
        .import_indicator_feed(&c.scope, &how, body.to_vec())
        .await?;
    Ok((StatusCode::CREATED, Json(report)).into_response())
}

async fn list(State(st): State<AppState>, Caller(c): Caller) -> ApiResult<Response> {
    Ok(Json(json!({"items": st.app.indicator_feeds(&c.scope).await?})).into_response())
}

async fn remove(
    State(st): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<i64>,
) -> ApiResult<Response> {
    st.app.delete_indicator_feed(&c.scope, id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
