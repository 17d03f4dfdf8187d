//! /api/v1: thin handlers that parse, call one use case and render JSON.

use crate::auth::{Caller, SESSION_COOKIE};
use crate::error::{ApiError, ApiResult};
use crate::AppState;
use app::accounts::{CreateToken, CreateUser};
use app::sheets::Format;
use app::store::assets::AssetFilter;
use app::store::audit::AuditFilter;
use app::store::orgs::OrgFilter;
use app::store::systems::SystemFilter;
use app::transfer::{ImportMode, Kind};
use axum::body::Bytes;
use axum::extract::{FromRequest, Path, Query, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use domain::{AssetInput, InfoSystemInput, OrgInput};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{json, Value};

/// A JSON body whose errors name the field that is wrong.
pub struct JsonBody<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;
    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let is_json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/json"));
        if !is_json {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "send the body as application/json",
            ));
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|e| {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "body_rejected",
                e.body_text(),
            )
        })?;
        let de = &mut serde_json::Deserializer::from_slice(&bytes);
        serde_path_to_error::deserialize(de)
            .map(JsonBody)
            .map_err(|e| {
                let field = e.path().to_string();
                ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "invalid",
                    format!("{field}: {}", e.inner()),
                )
                .with_details(json!([{"field": field, "reason": e.inner().to_string()}]))
            })
    }
}

mod accounts;
mod audit;
mod botnet;
mod directives;
mod duty;
mod incidents;
mod indicator_feeds;
mod monitoring;
mod notifications;
mod registry;
mod reports;
mod rules;
mod session;
mod settings;
mod vulns;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/openapi.json", get(openapi))
        .merge(session::routes())
        .merge(registry::routes())
        .merge(accounts::routes())
        .merge(botnet::routes())
        .merge(notifications::routes())
        .merge(vulns::routes())
        .merge(duty::routes())
        .merge(incidents::routes())
        .merge(reports::routes())
        .merge(directives::routes())
        .merge(audit::routes())
        .merge(monitoring::routes())
        .merge(indicator_feeds::routes())
        .merge(settings::routes())
        .merge(rules::routes())
}

async fn openapi() -> Json<Value> {
    Json(crate::openapi::document())
}

/// Reads an uploaded file's raw body as it arrives, stopping at the
/// configured limit: an over-large or broken upload is refused before
/// anything is written.
async fn read_file_body(
    st: &AppState,
    file_name: &str,
    body: axum::body::Body,
) -> ApiResult<Vec<u8>> {
    use http_body_util::BodyExt;
    let limit = st.app.config.evidence_max_bytes;
    let mut body = body;
    let mut bytes = Vec::new();
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| {
            ApiError::bad_request(format!("{file_name}: the upload broke off: {e}"))
        })?;
        if let Some(chunk) = frame.data_ref() {
            if (bytes.len() + chunk.len()) as u64 > limit {
                return Err(app::AppError::TooLarge(format!(
                    "{file_name}: over the limit of {limit} bytes"
                ))
                .into());
            }
            bytes.extend_from_slice(chunk);
        }
    }
    Ok(bytes)
}

/// A stored file as a download the browser never renders or runs.
fn opaque_download(d: app::botnet_report::Download) -> Response {
    let mut r = crate::download(d);
    r.headers_mut().insert(
        axum::http::header::CONTENT_SECURITY_POLICY,
        axum::http::HeaderValue::from_static("sandbox; default-src 'none'"),
    );
    r
}

/// The spreadsheet format named by a download's extension.
pub(super) fn sheet_format(ext: &str) -> ApiResult<Format> {
    match ext {
        "csv" => Ok(Format::Csv),
        "xlsx" => Ok(Format::Xlsx),
        other => Err(ApiError::bad_request(format!(
            "format '{other}' is not csv or xlsx"
        ))),
    }
}
