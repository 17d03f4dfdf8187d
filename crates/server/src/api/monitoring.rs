//! /api/v1 for 24/7 monitoring: events in, alerts, triage, sensors,
//! suppressions. Thin: each handler calls one use case in `app::monitoring`.

use crate::api::JsonBody;
use crate::auth::Caller;
use crate::error::ApiResult;
use crate::AppState;
use app::monitoring::{AlertMove, NewSensorInput, NewSuppressionInput};
use app::store::monitoring::AlertFilter;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;

/// Largest (compressed) body of events.
pub const MAX_EVENTS_BODY: usize = 64 * 1024 * 1024;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/events",
            post(ingest)
                .layer(axum::extract::DefaultBodyLimit::max(MAX_EVENTS_BODY))
                .get(search_events),
        )
        .route(
            "/events/file",
            post(upload_file).layer(axum::extract::DefaultBodyLimit::disable()),
        )
        .route("/alerts", get(list_alerts))
        .route("/alerts/{id}", get(get_alert))
        .route("/alerts/{id}/move", post(move_alert))
        .route("/sensors", get(list_sensors).post(register_sensor))
        .route("/sensors/{id}", get(get_sensor).delete(delete_sensor))
        .route(
            "/suppressions",
            get(list_suppressions).post(create_suppression),
        )
        .route(
            "/suppressions/{id}",
            axum::routing::delete(delete_suppression),
        )
}

#[derive(Deserialize)]
struct IngestParams {
    /// Answer once the batch's alerts are stored.
    #[serde(default)]
    wait: bool,
}

async fn ingest(
    State(st): State<AppState>,
    Caller(c): Caller,
    Query(p): Query<IngestParams>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let gzip = headers
        .get(header::CONTENT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("gzip"));
    let key = match headers.get("idempotency-key") {
        None => None,
        Some(v) => Some(v.to_str().map_err(|_| {
            crate::error::ApiError::bad_request("Idempotency-Key: visible ASCII only")
        })?),
    };
    let r = st
        .app
        .ingest_events(&c.scope, &body, gzip, p.wait, key)
        .await?;
    Ok((StatusCode::ACCEPTED, Json(r)).into_response())
}

async fn search_events(
    State(st): State<AppState>,
    Caller(c): Caller,
    Query(q): Query<app::events::EventQuery>,
) -> ApiResult<Response> {
    let items = st.app.search_events(&c.scope, &q).await?;
    Ok(Json(json!({ "items": items })).into_response())
}

#[derive(Deserialize)]
struct FileParams {
    /// `evtx` or `eve`; without it, EVTX by its signature, else EVE.
    format: Option<String>,
    /// The file's name, to name it in the answer.
    file_name: Option<String>,
}

/// An EVTX or Suricata EVE file as the raw body, read as it arrives up to
/// the configured limit (413 beyond, before anything is evaluated).
async fn upload_file(
    State(st): State<AppState>,
    Caller(c): Caller,
    Query(p): Query<FileParams>,
    headers: HeaderMap,
    body: axum::body::Body,
) -> ApiResult<Response> {
    let format = match p.format.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(f) => Some(app::event_files::FileFormat::parse(f).ok_or_else(|| {
            crate::error::ApiError::bad_request(format!(
                "format: '{f}' không phải evtx hay eve (is not evtx or eve)"
            ))
        })?),
    };
    let name: String = p
        .file_name
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .unwrap_or("upload")
        .chars()
        .filter(|c| !c.is_control())
        .take(200)
        .collect();
    let limit = st.app.config.monitoring.max_upload;
    let bytes = read_upload(&name, limit, &headers, body).await?;
    let r = st.app.ingest_file(&c.scope, &name, format, bytes).await?;
    Ok(Json(r).into_response())
}

fn too_large(name: &str, limit: u64) -> crate::error::ApiError {
    app::AppError::TooLarge(format!(
        "{name}: tệp vượt quá giới hạn {} MiB; chia nhỏ tệp rồi gửi lại \
         (the file is over the limit of {limit} bytes; split it and send the parts)",
        limit / (1024 * 1024)
    ))
    .into()
}

/// The body as it arrives, refused as soon as it is known to be over `limit`
/// (by its Content-Length, or while reading).
pub(crate) async fn read_upload(
    name: &str,
    limit: u64,
    headers: &HeaderMap,
    body: axum::body::Body,
) -> ApiResult<Vec<u8>> {
    use http_body_util::BodyExt;
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit) {
        return Err(too_large(name, limit));
    }
    let mut body = body;
    let mut bytes = Vec::with_capacity(declared.unwrap_or(0).min(limit) as usize);
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| {
            crate::error::ApiError::bad_request(format!(
                "{name}: tệp gửi lên bị ngắt giữa chừng (the upload broke off): {e}"
            ))
        })?;
        if let Some(chunk) = frame.data_ref() {
            if (bytes.len() + chunk.len()) as u64 > limit {
                return Err(too_large(name, limit));
            }
            bytes.extend_from_slice(chunk);
        }
    }
    Ok(bytes)
}

#[derive(Deserialize)]
struct AlertParams {
    severity: Option<String>,
    state: Option<String>,
    org_id: Option<i64>,
    rule_id: Option<String>,
    host: Option<String>,
    before_id: Option<i64>,
    limit: Option<i64>,
}

fn parse<T: std::str::FromStr<Err = String>>(field: &str, v: Option<&str>) -> ApiResult<Option<T>> {
    match v.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => s
            .parse()
            .map(Some)
            .map_err(|e| crate::error::ApiError::bad_request(format!("{field}: {e}"))),
    }
}

async fn list_alerts(
    State(st): State<AppState>,
    Caller(c): Caller,
    Query(p): Query<AlertParams>,
) -> ApiResult<Response> {
    let f = AlertFilter {
        severity: parse("severity", p.severity.as_deref())?,
        state: parse("state", p.state.as_deref())?,
        org_id: p.org_id,
        rule_id: p.rule_id.filter(|s| !s.trim().is_empty()),
        host: p.host.filter(|s| !s.trim().is_empty()),
        before_id: p.before_id,
        limit: p.limit.unwrap_or(50),
    };
    Ok(Json(st.app.alerts(&c.scope, &f).await?).into_response())
}

async fn get_alert(
    State(st): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<i64>,
) -> ApiResult<Response> {
    Ok(Json(st.app.alert(&c.scope, id).await?).into_response())
}

async fn move_alert(
    State(st): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<i64>,
    JsonBody(m): JsonBody<AlertMove>,
) -> ApiResult<Response> {
    Ok(Json(st.app.move_alert(&c.scope, id, &m).await?).into_response())
}

async fn list_sensors(State(st): State<AppState>, Caller(c): Caller) -> ApiResult<Response> {
    Ok(Json(json!({"items": st.app.sensors(&c.scope).await?})).into_response())
}

async fn register_sensor(
    State(st): State<AppState>,
    Caller(c): Caller,
    JsonBody(input): JsonBody<NewSensorInput>,
) -> ApiResult<Response> {
    let (sensor, secret) = st.app.register_sensor(&c.scope, &input).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({"sensor": sensor, "id": sensor.id, "secret": secret})),
    )
        .into_response())
}

async fn get_sensor(
    State(st): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<i64>,
) -> ApiResult<Response> {
    Ok(Json(st.app.sensor(&c.scope, id).await?).into_response())
}

async fn delete_sensor(
    State(st): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<i64>,
) -> ApiResult<Response> {
    st.app.delete_sensor(&c.scope, id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn list_suppressions(State(st): State<AppState>, Caller(c): Caller) -> ApiResult<Response> {
    Ok(Json(json!({"items": st.app.suppressions(&c.scope).await?})).into_response())
}

async fn create_suppression(
    State(st): State<AppState>,
    Caller(c): Caller,
    JsonBody(input): JsonBody<NewSuppressionInput>,
) -> ApiResult<Response> {
    let s = st.app.create_suppression(&c.scope, &input).await?;
    Ok((StatusCode::CREATED, Json(s)).into_response())
}

async fn delete_suppression(
    State(st): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<i64>,
) -> ApiResult<Response> {
    st.app.delete_suppression(&c.scope, id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
