//! /api/v1: thin handlers that parse, call one use case and render JSON.

mod monitoring;

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

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/auth/login", post(login))
        .route("/auth/logout", post(logout))
        .route("/auth/logout-all", post(logout_all))
        .route("/auth/me", get(me))
        .route("/auth/password", post(change_password))
        .route("/auth/totp", post(second_factor))
        .route("/orgs", get(list_orgs).post(create_org))
        .route(
            "/orgs/{id}",
            get(get_org).put(update_org).delete(delete_org),
        )
        .route("/systems", get(list_systems).post(create_system))
        .route(
            "/systems/{id}",
            get(get_system).put(update_system).delete(delete_system),
        )
        .route("/assets", get(list_assets).post(create_asset))
        .route(
            "/assets/{id}",
            get(get_asset).put(update_asset).delete(delete_asset),
        )
        .route(
            "/import/{kind}",
            post(import).layer(axum::extract::DefaultBodyLimit::max(
                crate::MAX_UPLOAD_BYTES,
            )),
        )
        .route("/export/{kind}", get(export))
        .route("/users", get(list_users).post(create_user))
        .route("/users/{id}/reset-password", post(reset_password))
        .route("/users/{id}/disable", post(disable_user))
        .route("/users/{id}/enable", post(enable_user))
        .route("/users/{id}/role", post(change_role))
        .route("/tokens", get(list_tokens).post(create_token))
        .route("/tokens/{id}", axum::routing::delete(revoke_token))
        .route(
            "/botnet/import",
            post(botnet_import).layer(axum::extract::DefaultBodyLimit::max(
                crate::MAX_UPLOAD_BYTES,
            )),
        )
        .route("/botnet/lists", get(botnet_lists))
        .route("/botnet/lists/{id}/owners", get(botnet_owners))
        .route("/botnet/lists/{id}", get(botnet_list))
        .route("/botnet/lists/{id}/listings", get(botnet_listings))
        .route(
            "/botnet/lists/{id}/listings.{ext}",
            get(botnet_listings_file),
        )
        .route("/botnet/lists/{id}/changes", get(botnet_changes))
        .route("/botnet/lists/{id}/isps", get(botnet_isps))
        .route("/botnet/lists/{id}/summary", get(botnet_summary))
        .route("/botnet/lists/{id}/report.{ext}", get(botnet_report))
        .route("/botnet/lists/{id}/cleanups", post(botnet_mark_cleaned))
        .route("/botnet/trend", get(botnet_trend))
        .route(
            "/botnet/prefixes",
            get(isp_prefixes)
                .post(import_prefixes)
                .layer(axum::extract::DefaultBodyLimit::max(
                    crate::MAX_UPLOAD_BYTES,
                )),
        )
        .route(
            "/vulns/feeds",
            post(import_vuln_feed).layer(axum::extract::DefaultBodyLimit::max(
                crate::MAX_UPLOAD_BYTES,
            )),
        )
        .route("/vulns/match", post(match_inventory))
        .route("/vulns/warnings", get(list_warnings).post(create_warning))
        .route("/vulns/warnings/{id}", get(warning_status))
        .route("/vulns/warnings/{id}/publish", post(publish_warning))
        .route("/vulns/warnings/{id}/report.{ext}", get(warning_report))
        .route("/vulns/findings", get(list_findings))
        .route("/vulns/unevaluable", get(list_unevaluable))
        .route("/vulns/findings.{ext}", get(findings_file))
        .route("/vulns/findings/{id}", get(finding_detail))
        .route("/vulns/findings/{id}/move", post(move_finding))
        .route("/duty/periods", get(list_periods).post(create_period))
        .route("/duty/periods/{id}", get(get_period))
        .route("/duty/periods/{id}/rosters/{org}", get(get_roster))
        .route(
            "/duty/periods/{id}/rosters/{org}/generate",
            post(generate_roster),
        )
        .route("/duty/periods/{id}/rosters/{org}/edit", post(edit_roster))
        .route(
            "/duty/periods/{id}/rosters/{org}/roster.{ext}",
            get(roster_file),
        )
        .route("/duty/now", get(on_duty))
        .route("/incidents", get(list_incidents).post(report_incident))
        .route("/incidents.{ext}", get(incidents_file))
        .route("/incidents/metrics", get(incident_metrics))
        .route(
            "/incidents/{id}/tasks",
            get(incident_tasks).post(add_incident_task),
        )
        .route(
            "/incidents/{id}/tasks/{task}/done",
            post(complete_incident_task),
        )
        .route(
            "/incidents/{id}/evidence",
            get(incident_evidence)
                .post(add_incident_evidence)
                // The use case enforces the configured limit as the body streams in.
                .layer(axum::extract::DefaultBodyLimit::disable()),
        )
        .route(
            "/incidents/{id}/evidence/{evidence}",
            get(incident_evidence_file),
        )
        .route(
            "/incidents/{id}/end-report.docx",
            get(incident_end_report_docx),
        )
        .route("/reports/due", get(reports_due))
        .route("/reports/periodic/{period}", get(periodic_report))
        .route(
            "/reports/periodic/{period}/report.{ext}",
            get(periodic_report_file),
        )
        .route("/contacts", get(contact_directory).post(create_contact))
        .route("/contacts/{id}", put(update_contact).delete(delete_contact))
        .route("/incidents/{id}", get(get_incident))
        .route("/incidents/{id}/transition", post(incident_transition))
        .route("/incidents/{id}/assign", post(assign_incident))
        .route("/incidents/{id}/entries", post(add_incident_entry))
        .route("/incidents/{id}/observables", post(add_incident_observable))
        .route("/incidents/{id}/escalations", post(escalate_incident))
        .route("/incidents/{id}/export.{format}", get(export_incident))
        .route("/incidents/{id}/report.docx", get(incident_report_docx))
        .route("/directives", get(list_directives).post(create_directive))
        .route("/directives/{id}", get(get_directive))
        .route("/directives/tasks/{id}/progress", post(report_task))
        .route(
            "/directives/tasks/{id}/evidence",
            post(attach_task_evidence).layer(axum::extract::DefaultBodyLimit::disable()),
        )
        .route(
            "/directives/{id}/document",
            post(attach_directive_document).layer(axum::extract::DefaultBodyLimit::disable()),
        )
        .route("/directives/{id}/files/{file}", get(directive_file))
        .route("/directives/{id}/remind", post(remind_directive))
        .route("/notifications", get(list_notifications))
        .route("/notifications/{id}/retry", post(retry_notification))
        .route("/audit", get(audit_log))
        .route("/audit/verify", get(audit_verify))
        .route("/openapi.json", get(openapi))
        .merge(monitoring::routes())
}

async fn openapi() -> Json<Value> {
    Json(crate::openapi::document())
}

// ---- sign-in ----

#[derive(Deserialize)]
struct Login {
    username: String,
    password: String,
}

/// Signs in. The session secret goes only into the `HttpOnly` cookie, never
/// into the body: scripts cannot read it, and it is no bearer token
/// (machines use API tokens).
async fn login(
    State(st): State<AppState>,
    axum::extract::ConnectInfo(peer): axum::extract::ConnectInfo<std::net::SocketAddr>,
    JsonBody(body): JsonBody<Login>,
) -> ApiResult<Response> {
    let s = st
        .app
        .login(&body.username, &body.password, &peer.ip().to_string())
        .await?;
    let must_change = s.user.must_change_password
        || st
            .app
            .config
            .password_policy
            .is_expired(s.user.password_changed_at, chrono::Utc::now());
    let cookie = crate::session_cookie(&s.session_token, st.tls, None);
    let body = json!({
        "user": s.user,
        "csrf_token": s.csrf_token,
        "must_change_password": must_change,
        "second_factor_required": s.second_factor_required,
    });
    Ok(([(header::SET_COOKIE, cookie)], Json(body)).into_response())
}

async fn logout(
    State(st): State<AppState>,
    Caller(_): Caller,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let token = session_secret(&headers);
    if let Some(t) = token {
        st.app.logout(&t).await?;
    }
    let cookie = crate::session_cookie("", st.tls, Some(0));
    Ok(([(header::SET_COOKIE, cookie)], StatusCode::NO_CONTENT).into_response())
}

async fn logout_all(State(st): State<AppState>, Caller(c): Caller) -> ApiResult<Json<Value>> {
    let n = st.app.logout_everywhere(&c.scope).await?;
    Ok(Json(json!({"ended_sessions": n})))
}

async fn me(Caller(c): Caller) -> Json<Value> {
    Json(json!({
        "user": c.user,
        "org_id": c.scope.org_id,
        "role": c.scope.role,
        "actor": c.scope.actor.to_string(),
    }))
}

#[derive(Deserialize)]
struct TotpCode {
    code: String,
}

/// The second step of signing in, for a session that owes its TOTP code.
async fn second_factor(
    State(st): State<AppState>,
    headers: HeaderMap,
    JsonBody(b): JsonBody<TotpCode>,
) -> ApiResult<StatusCode> {
    let token = session_secret(&headers).ok_or(app::AppError::Unauthenticated)?;
    st.app.second_factor(&token, &b.code).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The session secret a request carries in its cookie.
fn session_secret(headers: &HeaderMap) -> Option<String> {
    crate::auth::cookie_in(headers, SESSION_COOKIE).map(str::to_string)
}

#[derive(Deserialize)]
struct PasswordChange {
    current_password: String,
    new_password: String,
}

async fn change_password(
    State(st): State<AppState>,
    Caller(c): Caller,
    JsonBody(b): JsonBody<PasswordChange>,
) -> ApiResult<StatusCode> {
    st.app
        .change_password(&c.scope, &b.current_password, &b.new_password)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

// ---- registry ----

#[derive(Deserialize, Default)]
struct ListParams {
    after: Option<i64>,
    limit: Option<i64>,
    q: Option<String>,
    org_type: Option<String>,
    parent_id: Option<i64>,
    owner_org_id: Option<i64>,
    level: Option<u8>,
    min_level: Option<u8>,
    internet_facing: Option<bool>,
    soc_monitoring: Option<bool>,
    ncsc_connected: Option<bool>,
    isp_id: Option<i64>,
    soc_provider_id: Option<i64>,
    system_id: Option<i64>,
    role: Option<String>,
    ip: Option<String>,
    sort: Option<String>,
    after_key: Option<String>,
    approved: Option<bool>,
}

fn system_filter(p: &ListParams) -> ApiResult<SystemFilter> {
    Ok(SystemFilter {
        approved: p.approved,
        not_assessed_since: None,
        sort: parse_param("sort", &p.sort)?.unwrap_or_default(),
        after_key: p.after_key.clone(),
        owner_org_id: p.owner_org_id,
        level: p.level,
        min_level: p.min_level,
        internet_facing: p.internet_facing,
        soc_monitoring: p.soc_monitoring,
        ncsc_connected: p.ncsc_connected,
        isp_id: p.isp_id,
        soc_provider_id: p.soc_provider_id,
        q: p.q.clone(),
        after: p.after,
        limit: limit(p),
    })
}

fn asset_filter(p: &ListParams) -> ApiResult<AssetFilter> {
    let by_hostname = match p.sort.as_deref() {
        None | Some("" | "id") => false,
        Some("hostname") => true,
        Some(other) => {
            return Err(ApiError::bad_request(format!(
                "sort: '{other}' is not one of: id, hostname"
            )))
        }
    };
    Ok(AssetFilter {
        by_hostname,
        after_key: p.after_key.clone(),
        system_id: p.system_id,
        owner_org_id: p.owner_org_id,
        role: parse_param("role", &p.role)?,
        ip: p
            .ip
            .as_deref()
            .map(domain::net::parse_ip)
            .transpose()
            .map_err(|e| ApiError::bad_request(format!("ip: {e}")))?,
        q: p.q.clone(),
        after: p.after,
        limit: limit(p),
    })
}

fn limit(p: &ListParams) -> i64 {
    p.limit.unwrap_or(50)
}

fn parse_param<T: std::str::FromStr<Err = String>>(
    name: &str,
    v: &Option<String>,
) -> ApiResult<Option<T>> {
    v.as_deref()
        .filter(|s| !s.trim().is_empty())
        .map(|s| s.parse::<T>())
        .transpose()
        .map_err(|e| ApiError::bad_request(format!("{name}: {e}")))
}

async fn list_orgs(
    State(st): State<AppState>,
    Caller(c): Caller,
    Query(p): Query<ListParams>,
) -> ApiResult<Response> {
    let by_name = match p.sort.as_deref() {
        None | Some("" | "id") => false,
        Some("name") => true,
        Some(other) => {
            return Err(ApiError::bad_request(format!(
                "sort: '{other}' is not one of: id, name"
            )))
        }
    };
    let f = OrgFilter {
        org_type: parse_param("org_type", &p.org_type)?,
        parent_id: p.parent_id,
        q: p.q.clone(),
        after: p.after,
        by_name,
        after_key: p.after_key.clone(),
        limit: limit(&p),
    };
    Ok(Json(st.app.orgs(&c.scope, &f).await?).into_response())
}

async fn get_org(
    State(st): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<i64>,
) -> ApiResult<Response> {
    Ok(Json(st.app.org(&c.scope, id).await?).into_response())
}

async fn create_org(
    State(st): State<AppState>,
    Caller(c): Caller,
    JsonBody(b): JsonBody<OrgInput>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    Ok((
        StatusCode::CREATED,
        Json(json!(st.app.create_org(&c.scope, &b).await?)),
    ))
}

async fn update_org(
    State(st): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<i64>,
    JsonBody(b): JsonBody<OrgInput>,
) -> ApiResult<Response> {
    Ok(Json(st.app.update_org(&c.scope, id, &b).await?).into_response())
}

async fn delete_org(
    State(st): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    st.app.delete_org(&c.scope, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn list_systems(
    State(st): State<AppState>,
    Caller(c): Caller,
    Query(p): Query<ListParams>,
) -> ApiResult<Response> {
    let f = system_filter(&p)?;
    Ok(Json(st.app.systems(&c.scope, &f).await?).into_response())
}

async fn get_system(
    State(st): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<i64>,
) -> ApiResult<Response> {
    Ok(Json(st.app.system(&c.scope, id).await?).into_response())
}

async fn create_system(
    State(st): State<AppState>,
    Caller(c): Caller,
    JsonBody(b): JsonBody<InfoSystemInput>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    Ok((
        StatusCode::CREATED,
        Json(json!(st.app.create_system(&c.scope, &b).await?)),
    ))
}

async fn update_system(
    State(st): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<i64>,
    JsonBody(b): JsonBody<InfoSystemInput>,
) -> ApiResult<Response> {
    Ok(Json(st.app.update_system(&c.scope, id, &b).await?).into_response())
}

async fn delete_system(
    State(st): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    st.app.delete_system(&c.scope, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn list_assets(
    State(st): State<AppState>,
    Caller(c): Caller,
    Query(p): Query<ListParams>,
) -> ApiResult<Response> {
    let f = asset_filter(&p)?;
    Ok(Json(st.app.assets(&c.scope, &f).await?).into_response())
}

async fn get_asset(
    State(st): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<i64>,
) -> ApiResult<Response> {
    Ok(Json(st.app.asset(&c.scope, id).await?).into_response())
}

async fn create_asset(
    State(st): State<AppState>,
    Caller(c): Caller,
    JsonBody(b): JsonBody<AssetInput>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    Ok((
        StatusCode::CREATED,
        Json(json!(st.app.create_asset(&c.scope, &b).await?)),
    ))
}

async fn update_asset(
    State(st): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<i64>,
    JsonBody(b): JsonBody<AssetInput>,
) -> ApiResult<Response> {
    Ok(Json(st.app.update_asset(&c.scope, id, &b).await?).into_response())
}

async fn delete_asset(
    State(st): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    st.app.delete_asset(&c.scope, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

// ---- import and export ----

#[derive(Deserialize)]
struct ImportParams {
    file_name: Option<String>,
    #[serde(default)]
    keep_valid: bool,
    #[serde(default)]
    dry_run: bool,
}

fn parse_kind(kind: &str) -> ApiResult<Kind> {
    kind.parse::<Kind>().map_err(ApiError::bad_request)
}

/// The file is the raw request body; `file_name` tells its format (else it is sniffed).
async fn import(
    State(st): State<AppState>,
    Caller(c): Caller,
    Path(kind): Path<String>,
    Query(p): Query<ImportParams>,
    body: Bytes,
) -> ApiResult<Response> {
    let kind = parse_kind(&kind)?;
    let name = p.file_name.unwrap_or_else(|| "upload".into());
    let mode = ImportMode {
        keep_valid: p.keep_valid,
        dry_run: p.dry_run,
    };
    let report = st.app.import(&c.scope, kind, &name, &body, mode).await?;
    if !report.rejected.is_empty() && !report.committed && !mode.dry_run {
        let msg = format!(
            "{}: {} problem(s); nothing was written. First: {}",
            report.file,
            report.rejected.len(),
            report.rejected[0]
        );
        return Err(
            ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "import_rejected", msg)
                .with_details(json!(report)),
        );
    }
    Ok(Json(json!(report)).into_response())
}

#[derive(Deserialize)]
struct ExportParams {
    format: Option<String>,
}

async fn export(
    State(st): State<AppState>,
    Caller(c): Caller,
    Path(kind): Path<String>,
    Query(p): Query<ExportParams>,
    Query(list): Query<ListParams>,
) -> ApiResult<Response> {
    let kind_v = parse_kind(&kind)?;
    let (format, mime, ext) = match p.format.as_deref().unwrap_or("csv") {
        "csv" => (Format::Csv, "text/csv; charset=utf-8", "csv"),
        "xlsx" => (
            Format::Xlsx,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "xlsx",
        ),
        other => {
            return Err(ApiError::bad_request(format!(
                "format '{other}' is not csv or xlsx"
            )))
        }
    };
    let filter = app::transfer::ExportFilter {
        systems: system_filter(&list)?,
        assets: asset_filter(&list)?,
    };
    let bytes = st
        .app
        .export_filtered(&c.scope, kind_v, format, &filter)
        .await?;
    let disposition = format!("attachment; filename=\"canhgac-{kind}.{ext}\"");
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(mime)),
            (
                header::CONTENT_DISPOSITION,
                HeaderValue::from_str(&disposition)
                    .map_err(|_| ApiError::bad_request("bad kind"))?,
            ),
        ],
        bytes,
    )
        .into_response())
}

// ---- accounts and tokens ----

async fn list_users(
    State(st): State<AppState>,
    Caller(c): Caller,
    Query(p): Query<ListParams>,
) -> ApiResult<Json<Value>> {
    Ok(Json(json!(
        st.app
            .users(&c.scope, p.owner_org_id, p.after, limit(&p))
            .await?
    )))
}

async fn create_user(
    State(st): State<AppState>,
    Caller(c): Caller,
    JsonBody(b): JsonBody<CreateUser>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let (user, password) = st.app.create_user(&c.scope, &b).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({"user": user, "initial_password": password})),
    ))
}

async fn reset_password(
    State(st): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<i64>,
) -> ApiResult<Json<Value>> {
    let password = st.app.reset_password(&c.scope, id).await?;
    Ok(Json(json!({"temporary_password": password})))
}

async fn disable_user(
    State(st): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    st.app.set_user_disabled(&c.scope, id, true).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn enable_user(
    State(st): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    st.app.set_user_disabled(&c.scope, id, false).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
struct RoleChange {
    role: domain::Role,
}

async fn change_role(
    State(st): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<i64>,
    JsonBody(b): JsonBody<RoleChange>,
) -> ApiResult<StatusCode> {
    st.app.set_user_role(&c.scope, id, b.role).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn list_tokens(State(st): State<AppState>, Caller(c): Caller) -> ApiResult<Json<Value>> {
    Ok(Json(json!({"items": st.app.tokens(&c.scope).await?})))
}

async fn create_token(
    State(st): State<AppState>,
    Caller(c): Caller,
    JsonBody(b): JsonBody<CreateToken>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let (token, secret) = st.app.create_token(&c.scope, &b).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({"token": token, "secret": secret})),
    ))
}

async fn revoke_token(
    State(st): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    st.app.revoke_token(&c.scope, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

// ---- botnet lists ----

#[derive(Deserialize)]
struct BotnetImportParams {
    source: String,
    period: String,
    file_name: Option<String>,
    format: Option<String>,
    #[serde(default)]
    keep_valid: bool,
    #[serde(default)]
    dry_run: bool,
}

/// The list is the raw request body.
async fn botnet_import(
    State(st): State<AppState>,
    Caller(c): Caller,
    Query(p): Query<BotnetImportParams>,
    body: Bytes,
) -> ApiResult<Response> {
    let file_name = p.file_name.unwrap_or_else(|| "upload".into());
    let format = match p.format.as_deref() {
        Some(f) => app::botnet::ListFormat::from_name(f).ok_or_else(|| {
            ApiError::bad_request(format!("format '{f}' is not text, ipsum, csv or xlsx"))
        })?,
        None => app::botnet::ListFormat::detect(&file_name, &body[..body.len().min(4096)]),
    };
    let how = app::botnet::BotnetImport {
        file_name,
        source: p.source,
        period: p.period,
        format,
        keep_valid: p.keep_valid,
        dry_run: p.dry_run,
    };
    let report = st.app.import_botnet(&c.scope, &how, &body[..]).await?;
    if !report.committed && !p.dry_run {
        let first = report
            .rejected
            .first()
            .map(|e| e.to_string())
            .unwrap_or_default();
        let msg = format!(
            "{}: {} problem(s); nothing was written. First: {first}",
            report.file, report.rejected_total
        );
        return Err(
            ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "import_rejected", msg)
                .with_details(json!(report)),
        );
    }
    let status = if p.dry_run {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok((status, Json(report)).into_response())
}

async fn botnet_lists(State(st): State<AppState>, Caller(c): Caller) -> ApiResult<Response> {
    Ok(Json(json!({"items": st.app.botnet_lists(&c.scope).await?})).into_response())
}

async fn botnet_list(
    State(st): State<AppState>,
    Caller(_c): Caller,
    Path(id): Path<i64>,
) -> ApiResult<Response> {
    Ok(Json(st.app.botnet_list(id).await?).into_response())
}

async fn botnet_owners(
    State(st): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<i64>,
) -> ApiResult<Response> {
    Ok(Json(json!({"items": st.app.botnet_owners(&c.scope, id).await?})).into_response())
}

async fn botnet_isps(
    State(st): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<i64>,
) -> ApiResult<Response> {
    Ok(Json(json!({"items": st.app.botnet_isps(&c.scope, id).await?})).into_response())
}

async fn botnet_changes(
    State(st): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<i64>,
) -> ApiResult<Response> {
    Ok(Json(st.app.botnet_changes(&c.scope, id).await?).into_response())
}

async fn botnet_summary(
    State(st): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<i64>,
) -> ApiResult<Response> {
    Ok(Json(st.app.botnet_summary(&c.scope, id).await?).into_response())
}

#[derive(Deserialize)]
struct ListingParams {
    owner_org_id: Option<i64>,
    #[serde(default)]
    unknown: bool,
    ip: Option<String>,
    after_line: Option<i64>,
    limit: Option<i64>,
}

async fn botnet_listings(
    State(st): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<i64>,
    Query(p): Query<ListingParams>,
) -> ApiResult<Response> {
    let limit = p.limit.unwrap_or(1000).clamp(1, 10_000);
    let items = st
        .app
        .botnet_listings(
            &c.scope,
            id,
            &app::store::botnet::ListingFilter {
                owner: p.owner_org_id,
                unknown: p.unknown,
                ip: p.ip,
                after_line: p.after_line,
                limit: Some(limit + 1),
            },
        )
        .await?;
    let more = items.len() as i64 > limit;
    let items: Vec<_> = items.into_iter().take(limit as usize).collect();
    let next = if more {
        items.last().map(|v| v.row.line)
    } else {
        None
    };
    Ok(Json(json!({"items": items, "next_after_line": next})).into_response())
}

fn sheet_format(ext: &str) -> ApiResult<Format> {
    match ext {
        "csv" => Ok(Format::Csv),
        "xlsx" => Ok(Format::Xlsx),
        other => Err(ApiError::bad_request(format!(
            "format '{other}' is not csv or xlsx"
        ))),
    }
}

async fn botnet_listings_file(
    State(st): State<AppState>,
    Caller(c): Caller,
    Path((id, ext)): Path<(i64, String)>,
    Query(p): Query<ListingParams>,
) -> ApiResult<Response> {
    let d = st
        .app
        .botnet_listings_file(&c.scope, id, p.owner_org_id, sheet_format(&ext)?)
        .await?;
    Ok(crate::download(d))
}

async fn botnet_report(
    State(st): State<AppState>,
    Caller(c): Caller,
    Path((id, ext)): Path<(i64, String)>,
) -> ApiResult<Response> {
    let d = match ext.as_str() {
        "xlsx" => st.app.botnet_report_xlsx(&c.scope, id).await?,
        "docx" => st.app.botnet_report_docx(&c.scope, id).await?,
        other => {
            return Err(ApiError::bad_request(format!(
                "format '{other}' is not xlsx or docx"
            )))
        }
    };
    Ok(crate::download(d))
}

#[derive(Deserialize)]
struct Cleanup {
    ip: String,
    note: String,
}

async fn botnet_mark_cleaned(
    State(st): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<i64>,
    JsonBody(b): JsonBody<Cleanup>,
) -> ApiResult<StatusCode> {
    st.app
        .mark_botnet_cleaned(&c.scope, id, &b.ip, &b.note)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
struct TrendParams {
    source: String,
    owner_org_id: Option<i64>,
}

async fn botnet_trend(
    State(st): State<AppState>,
    Caller(c): Caller,
    Query(p): Query<TrendParams>,
) -> ApiResult<Response> {
    let points = st
        .app
        .botnet_trend(&c.scope, &p.source, p.owner_org_id)
        .await?;
    let items: Vec<Value> = points
        .into_iter()
        .map(|(period, count)| json!({"period": period, "count": count}))
        .collect();
    Ok(Json(json!({"items": items})).into_response())
}

#[derive(Deserialize)]
struct PrefixParams {
    file_name: Option<String>,
    asn: Option<String>,
}

/// The prefix file is the raw request body.
async fn import_prefixes(
    State(st): State<AppState>,
    Caller(c): Caller,
    Query(p): Query<PrefixParams>,
    body: Bytes,
) -> ApiResult<Response> {
    let asn = p
        .asn
        .as_deref()
        .map(|a| a.parse::<domain::Asn>())
        .transpose()
        .map_err(|e| ApiError::bad_request(format!("asn: {e}")))?;
    let file = p.file_name.unwrap_or_else(|| "upload".into());
    let report = st
        .app
        .import_prefixes(&c.scope, &file, asn, &body[..])
        .await?;
    if !report.committed {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "import_rejected",
            format!(
                "{file}: {} problem(s); nothing was written. First: {}",
                report.rejected.len(),
                report
                    .rejected
                    .first()
                    .map(|e| e.to_string())
                    .unwrap_or_default()
            ),
        )
        .with_details(json!(report)));
    }
    Ok((StatusCode::CREATED, Json(report)).into_response())
}

async fn isp_prefixes(State(st): State<AppState>, Caller(c): Caller) -> ApiResult<Response> {
    Ok(Json(json!({"items": st.app.isp_prefixes(&c.scope).await?})).into_response())
}

#[derive(Deserialize)]
struct NotificationParams {
    status: Option<String>,
    topic: Option<String>,
    ref_id: Option<i64>,
    before_id: Option<i64>,
    limit: Option<i64>,
}

async fn list_notifications(
    State(st): State<AppState>,
    Caller(c): Caller,
    Query(p): Query<NotificationParams>,
) -> ApiResult<Response> {
    let status = p
        .status
        .as_deref()
        .map(str::parse::<domain::DeliveryStatus>)
        .transpose()
        .map_err(|e| ApiError::bad_request(format!("status: {e}")))?;
    let f = app::store::notifications::NotificationFilter {
        status,
        topic: p.topic,
        ref_id: p.ref_id,
        before_id: p.before_id,
        limit: p.limit.unwrap_or(100),
    };
    Ok(Json(st.app.notifications(&c.scope, &f).await?).into_response())
}

async fn retry_notification(
    State(st): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    st.app.retry_notification(&c.scope, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

// ---- vulnerability warnings ----

#[derive(Deserialize)]
struct FeedParams {
    file_name: Option<String>,
}

/// The feed file is the raw request body.
async fn import_vuln_feed(
    State(st): State<AppState>,
    Caller(c): Caller,
    Query(p): Query<FeedParams>,
    body: Bytes,
) -> ApiResult<Response> {
    let file = p.file_name.unwrap_or_else(|| "upload.json".into());
    let report = st.app.import_vuln_feed(&c.scope, &file, &body).await?;
    Ok((StatusCode::CREATED, Json(report)).into_response())
}

async fn match_inventory(State(st): State<AppState>, Caller(c): Caller) -> ApiResult<Response> {
    Ok(Json(st.app.match_inventory(&c.scope).await?).into_response())
}

async fn list_warnings(State(st): State<AppState>, Caller(_c): Caller) -> ApiResult<Response> {
    let items: Vec<Value> = st
        .app
        .warnings()
        .await?
        .into_iter()
        .map(|w| {
            let cves = w.cve_list();
            let mut v = json!(w);
            v["cves"] = json!(cves);
            v
        })
        .collect();
    Ok(Json(json!({ "items": items })).into_response())
}

async fn create_warning(
    State(st): State<AppState>,
    Caller(c): Caller,
    JsonBody(b): JsonBody<app::vulns::WarningInput>,
) -> ApiResult<Response> {
    let w = st.app.create_warning(&c.scope, &b).await?;
    let cves = w.cve_list();
    let mut v = json!(w);
    v["cves"] = json!(cves);
    Ok((StatusCode::CREATED, Json(v)).into_response())
}

async fn warning_status(
    State(st): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<i64>,
) -> ApiResult<Response> {
    Ok(Json(st.app.warning_status(&c.scope, id).await?).into_response())
}

async fn publish_warning(
    State(st): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<i64>,
) -> ApiResult<Response> {
    Ok(Json(st.app.publish_warning(&c.scope, id).await?).into_response())
}

async fn warning_report(
    State(st): State<AppState>,
    Caller(c): Caller,
    Path((id, ext)): Path<(i64, String)>,
) -> ApiResult<Response> {
    let d = match ext.as_str() {
        "xlsx" => st.app.warning_report_xlsx(&c.scope, id).await?,
        "docx" => st.app.warning_report_docx(&c.scope, id).await?,
        other => {
            return Err(ApiError::bad_request(format!(
                "format '{other}' is not xlsx or docx"
            )))
        }
    };
    Ok(crate::download(d))
}

#[derive(Deserialize)]
struct FindingParams {
    org_id: Option<i64>,
    asset_id: Option<i64>,
    cve: Option<String>,
    status: Option<String>,
    #[serde(default)]
    active: bool,
    #[serde(default)]
    overdue: bool,
    after: Option<i64>,
    limit: Option<i64>,
}

fn finding_filter(p: &FindingParams) -> ApiResult<app::store::vulns::FindingFilter> {
    let status = p
        .status
        .as_deref()
        .map(str::parse::<domain::FindingStatus>)
        .transpose()
        .map_err(|e| ApiError::bad_request(format!("status: {e}")))?;
    Ok(app::store::vulns::FindingFilter {
        cves: p.cve.as_ref().map(|c| vec![c.trim().to_uppercase()]),
        org_id: p.org_id,
        asset_id: p.asset_id,
        status,
        active: p.active,
        overdue_on: p.overdue.then(app::registry::today),
        after_id: p.after,
        limit: p.limit.unwrap_or(100),
    })
}

async fn list_findings(
    State(st): State<AppState>,
    Caller(c): Caller,
    Query(p): Query<FindingParams>,
) -> ApiResult<Response> {
    Ok(Json(st.app.findings(&c.scope, &finding_filter(&p)?).await?).into_response())
}

async fn list_unevaluable(
    State(st): State<AppState>,
    Caller(c): Caller,
    Query(p): Query<FindingParams>,
) -> ApiResult<Response> {
    let mut filter = finding_filter(&p)?;
    filter.limit = p.limit.unwrap_or(5000);
    Ok(Json(st.app.unevaluable(&c.scope, &filter).await?).into_response())
}

async fn findings_file(
    State(st): State<AppState>,
    Caller(c): Caller,
    Path(ext): Path<String>,
    Query(p): Query<FindingParams>,
) -> ApiResult<Response> {
    let d = st
        .app
        .findings_file(&c.scope, &finding_filter(&p)?, sheet_format(&ext)?)
        .await?;
    Ok(crate::download(d))
}

async fn finding_detail(
    State(st): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<i64>,
) -> ApiResult<Response> {
    Ok(Json(st.app.finding_detail(&c.scope, id).await?).into_response())
}

#[derive(Deserialize)]
struct FindingMove {
    action: String,
    note: Option<String>,
    until: Option<String>,
}

async fn move_finding(
    State(st): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<i64>,
    JsonBody(b): JsonBody<FindingMove>,
) -> ApiResult<Response> {
    let action: domain::FindingAction = b.action.parse().map_err(|e: String| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
            format!("action: {e}"),
        )
    })?;
    let d = st
        .app
        .move_finding(&c.scope, id, action, b.note.as_deref(), b.until.as_deref())
        .await?;
    Ok(Json(d).into_response())
}

// ---- duty ----

#[derive(Deserialize)]
struct NewPeriod {
    name: String,
    starts_at: chrono::DateTime<chrono::Utc>,
    ends_at: chrono::DateTime<chrono::Utc>,
    org_ids: Vec<i64>,
}

async fn create_period(
    State(st): State<AppState>,
    Caller(c): Caller,
    JsonBody(b): JsonBody<NewPeriod>,
) -> ApiResult<Response> {
    let p = st
        .app
        .create_period(&c.scope, &b.name, b.starts_at, b.ends_at, &b.org_ids)
        .await?;
    Ok((StatusCode::CREATED, Json(p)).into_response())
}

async fn list_periods(State(st): State<AppState>, Caller(c): Caller) -> ApiResult<Response> {
    Ok(Json(json!({"items": st.app.periods(&c.scope).await?})).into_response())
}

async fn get_period(
    State(st): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<i64>,
) -> ApiResult<Response> {
    Ok(Json(st.app.period(&c.scope, id).await?).into_response())
}

async fn get_roster(
    State(st): State<AppState>,
    Caller(c): Caller,
    Path((id, org)): Path<(i64, i64)>,
) -> ApiResult<Response> {
    Ok(Json(st.app.roster(&c.scope, id, org).await?).into_response())
}

async fn generate_roster(
    State(st): State<AppState>,
    Caller(c): Caller,
    Path((id, org)): Path<(i64, i64)>,
    JsonBody(rotation): JsonBody<app::roster::Rotation>,
) -> ApiResult<Response> {
    Ok(Json(st.app.generate_roster(&c.scope, id, org, &rotation).await?).into_response())
}

async fn edit_roster(
    State(st): State<AppState>,
    Caller(c): Caller,
    Path((id, org)): Path<(i64, i64)>,
    JsonBody(edit): JsonBody<app::duty::RosterEdit>,
) -> ApiResult<Response> {
    Ok(Json(st.app.edit_roster(&c.scope, id, org, edit).await?).into_response())
}

async fn roster_file(
    State(st): State<AppState>,
    Caller(c): Caller,
    Path((id, org, ext)): Path<(i64, i64, String)>,
) -> ApiResult<Response> {
    let d = match ext.as_str() {
        "ics" => st.app.roster_ics(&c.scope, id, org).await?,
        "xlsx" => st.app.roster_xlsx(&c.scope, id, org).await?,
        other => {
            return Err(ApiError::bad_request(format!(
                "format '{other}' is not ics or xlsx"
            )))
        }
    };
    Ok(crate::download(d))
}

#[derive(Deserialize)]
struct AtParams {
    at: Option<chrono::DateTime<chrono::Utc>>,
}

async fn on_duty(
    State(st): State<AppState>,
    Caller(c): Caller,
    Query(p): Query<AtParams>,
) -> ApiResult<Response> {
    let at = p.at.unwrap_or_else(chrono::Utc::now);
    Ok(Json(json!({"at": at, "items": st.app.on_duty(&c.scope, at).await?})).into_response())
}

// ---- incidents ----

async fn report_incident(
    State(st): State<AppState>,
    Caller(c): Caller,
    JsonBody(report): JsonBody<app::incident::InitialReport>,
) -> ApiResult<Response> {
    let d = st.app.report_incident(&c.scope, report).await?;
    Ok((StatusCode::CREATED, Json(d)).into_response())
}

#[derive(Deserialize)]
struct IncidentParams {
    state: Option<String>,
    severity: Option<String>,
    class: Option<String>,
    org_id: Option<i64>,
    #[serde(default)]
    overdue: bool,
    before_id: Option<i64>,
    limit: Option<i64>,
}

impl IncidentParams {
    fn filter(&self) -> app::store::incidents::IncidentFilter {
        app::store::incidents::IncidentFilter {
            open_only: false,
            state: self.state.clone(),
            severity: self.severity.clone(),
            class: self.class.clone(),
            org_id: self.org_id,
            before_id: self.before_id,
            limit: self.limit.unwrap_or(100),
        }
    }
}

async fn list_incidents(
    State(st): State<AppState>,
    Caller(c): Caller,
    Query(p): Query<IncidentParams>,
) -> ApiResult<Response> {
    Ok(Json(
        st.app
            .incidents_filtered(&c.scope, &p.filter(), p.overdue)
            .await?,
    )
    .into_response())
}

async fn incidents_file(
    State(st): State<AppState>,
    Caller(c): Caller,
    Path(ext): Path<String>,
    Query(p): Query<IncidentParams>,
) -> ApiResult<Response> {
    let d = st
        .app
        .incidents_file(&c.scope, &p.filter(), p.overdue, sheet_format(&ext)?)
        .await?;
    Ok(crate::download(d))
}

#[derive(Deserialize)]
struct MetricsParams {
    from: Option<chrono::NaiveDate>,
    to: Option<chrono::NaiveDate>,
    org_id: Option<i64>,
}

async fn incident_metrics(
    State(st): State<AppState>,
    Caller(c): Caller,
    Query(p): Query<MetricsParams>,
) -> ApiResult<Response> {
    // Dates are Vietnamese calendar days.
    let start = |d: chrono::NaiveDate| app::registry::vn_day_start(d);
    let m = st
        .app
        .incident_metrics(&c.scope, p.from.map(start), p.to.map(start), p.org_id)
        .await?;
    Ok(Json(m).into_response())
}

async fn incident_tasks(
    State(st): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<i64>,
) -> ApiResult<Response> {
    Ok(Json(st.app.incident_tasks(&c.scope, id).await?).into_response())
}

async fn add_incident_task(
    State(st): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<i64>,
    JsonBody(b): JsonBody<app::incident_response::TaskInput>,
) -> ApiResult<Response> {
    let tasks = st.app.add_incident_task(&c.scope, id, &b).await?;
    Ok((StatusCode::CREATED, Json(tasks)).into_response())
}

async fn complete_incident_task(
    State(st): State<AppState>,
    Caller(c): Caller,
    Path((id, task)): Path<(i64, i64)>,
) -> ApiResult<Response> {
    Ok(Json(st.app.complete_incident_task(&c.scope, id, task).await?).into_response())
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

#[derive(Deserialize)]
struct EvidenceParams {
    file_name: String,
    note: Option<String>,
}

async fn add_incident_evidence(
    State(st): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<i64>,
    Query(p): Query<EvidenceParams>,
    body: axum::body::Body,
) -> ApiResult<Response> {
    let bytes = read_file_body(&st, &p.file_name, body).await?;
    let e = st
        .app
        .add_incident_evidence(&c.scope, id, &p.file_name, bytes, p.note.as_deref())
        .await?;
    Ok((StatusCode::CREATED, Json(e)).into_response())
}

async fn incident_evidence(
    State(st): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<i64>,
) -> ApiResult<Response> {
    let (evidence, custody) = st.app.incident_custody(&c.scope, id).await?;
    Ok(Json(serde_json::json!({"evidence": evidence, "custody": custody})).into_response())
}

async fn incident_evidence_file(
    State(st): State<AppState>,
    Caller(c): Caller,
    Path((id, evidence)): Path<(i64, i64)>,
) -> ApiResult<Response> {
    let d = st
        .app
        .incident_evidence_file(&c.scope, id, evidence)
        .await?;
    Ok(opaque_download(d))
}

async fn incident_end_report_docx(
    State(st): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<i64>,
) -> ApiResult<Response> {
    Ok(crate::download(
        st.app.incident_end_report_docx(&c.scope, id).await?,
    ))
}

#[derive(Deserialize)]
struct PeriodicParams {
    org_id: Option<i64>,
}

fn report_period(text: &str) -> ApiResult<app::periodic_report::ReportPeriod> {
    text.parse().map_err(|e: String| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
            format!("period: {e}"),
        )
    })
}

async fn reports_due(Caller(_c): Caller) -> ApiResult<Response> {
    let due = app::periodic_report::next_due(app::registry::today());
    let items: Vec<_> = due
        .iter()
        .map(|d| json!({"period": d.period.to_string(), "deadline": d.deadline, "days_left": d.days_left, "message": d.message_vi()}))
        .collect();
    Ok(Json(json!({"items": items})).into_response())
}

async fn periodic_report(
    State(st): State<AppState>,
    Caller(c): Caller,
    Path(period): Path<String>,
    Query(p): Query<PeriodicParams>,
) -> ApiResult<Response> {
    let period = report_period(&period)?;
    Ok(Json(st.app.periodic_report(&c.scope, period, p.org_id).await?).into_response())
}

async fn periodic_report_file(
    State(st): State<AppState>,
    Caller(c): Caller,
    Path((period, ext)): Path<(String, String)>,
    Query(p): Query<PeriodicParams>,
) -> ApiResult<Response> {
    let period = report_period(&period)?;
    let d = match ext.as_str() {
        "docx" => {
            st.app
                .periodic_report_docx(&c.scope, period, p.org_id)
                .await?
        }
        "xlsx" => {
            st.app
                .periodic_report_xlsx(&c.scope, period, p.org_id)
                .await?
        }
        other => {
            return Err(ApiError::bad_request(format!(
                "format '{other}' is not docx or xlsx"
            )))
        }
    };
    Ok(crate::download(d))
}

async fn contact_directory(State(st): State<AppState>, Caller(c): Caller) -> ApiResult<Response> {
    Ok(Json(st.app.contact_directory(&c.scope).await?).into_response())
}

async fn create_contact(
    State(st): State<AppState>,
    Caller(c): Caller,
    JsonBody(b): JsonBody<app::incident_response::ContactForm>,
) -> ApiResult<Response> {
    let saved = st.app.save_contact(&c.scope, None, &b).await?;
    Ok((StatusCode::CREATED, Json(saved)).into_response())
}

async fn update_contact(
    State(st): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<i64>,
    JsonBody(b): JsonBody<app::incident_response::ContactForm>,
) -> ApiResult<Response> {
    Ok(Json(st.app.save_contact(&c.scope, Some(id), &b).await?).into_response())
}

async fn delete_contact(
    State(st): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<i64>,
) -> ApiResult<Response> {
    st.app.delete_contact(&c.scope, id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn get_incident(
    State(st): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<i64>,
) -> ApiResult<Response> {
    Ok(Json(st.app.incident(&c.scope, id).await?).into_response())
}

#[derive(Deserialize)]
struct TransitionBody {
    action: String,
    reason: Option<String>,
    /// The end-of-response report: its form (`summary`, `cause`, …) or text.
    report: Option<serde_json::Value>,
}

async fn incident_transition(
    State(st): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<i64>,
    JsonBody(b): JsonBody<TransitionBody>,
) -> ApiResult<Response> {
    let action: app::incident::Action = b.action.parse().map_err(|e: String| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
            format!("action: {e}"),
        )
    })?;
    let report = match b.report.as_ref().filter(|v| !v.is_null()) {
        Some(v) => Some(app::incident_response::EndReport::from_value(v)?.to_json()),
        None => None,
    };
    let input = app::incident::workflow::TransitionInput {
        reason: b.reason,
        report,
    };
    Ok(Json(
        st.app
            .incident_transition(&c.scope, id, action, &input)
            .await?,
    )
    .into_response())
}

#[derive(Deserialize)]
struct AssignBody {
    username: String,
}

async fn assign_incident(
    State(st): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<i64>,
    JsonBody(b): JsonBody<AssignBody>,
) -> ApiResult<Response> {
    Ok(Json(st.app.assign_incident(&c.scope, id, &b.username).await?).into_response())
}

#[derive(Deserialize)]
struct EntryBody {
    kind: String,
    text: String,
}

async fn add_incident_entry(
    State(st): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<i64>,
    JsonBody(b): JsonBody<EntryBody>,
) -> ApiResult<Response> {
    Ok(Json(
        st.app
            .add_incident_entry(&c.scope, id, &b.kind, &b.text)
            .await?,
    )
    .into_response())
}

async fn add_incident_observable(
    State(st): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<i64>,
    JsonBody(b): JsonBody<app::incidents::NewObservable>,
) -> ApiResult<Response> {
    Ok(Json(st.app.add_incident_observable(&c.scope, id, &b).await?).into_response())
}

async fn escalate_incident(
    State(st): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<i64>,
    JsonBody(b): JsonBody<app::incidents::Escalation>,
) -> ApiResult<Response> {
    Ok(Json(st.app.escalate_incident(&c.scope, id, b).await?).into_response())
}

async fn export_incident(
    State(st): State<AppState>,
    Caller(c): Caller,
    Path((id, format)): Path<(i64, String)>,
) -> ApiResult<Response> {
    let format = format.trim_end_matches(".json").to_string();
    let d = st
        .app
        .incident_export(&c.scope, id, &format, chrono::Utc::now())
        .await?;
    Ok(crate::download(d))
}

async fn incident_report_docx(
    State(st): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<i64>,
) -> ApiResult<Response> {
    Ok(crate::download(
        st.app.incident_report_docx(&c.scope, id).await?,
    ))
}

// ---- directives ----

#[derive(Deserialize)]
struct FileParams {
    file_name: String,
}

async fn attach_directive_document(
    State(st): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<i64>,
    Query(p): Query<FileParams>,
    body: axum::body::Body,
) -> ApiResult<Response> {
    let bytes = read_file_body(&st, &p.file_name, body).await?;
    let a = st
        .app
        .attach_directive_document(&c.scope, id, &p.file_name, bytes)
        .await?;
    Ok((StatusCode::CREATED, Json(a)).into_response())
}

async fn attach_task_evidence(
    State(st): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<i64>,
    Query(p): Query<FileParams>,
    body: axum::body::Body,
) -> ApiResult<Response> {
    let bytes = read_file_body(&st, &p.file_name, body).await?;
    let a = st
        .app
        .attach_task_evidence(&c.scope, id, &p.file_name, bytes)
        .await?;
    Ok((StatusCode::CREATED, Json(a)).into_response())
}

async fn directive_file(
    State(st): State<AppState>,
    Caller(c): Caller,
    Path((id, file)): Path<(i64, i64)>,
) -> ApiResult<Response> {
    Ok(opaque_download(
        st.app.directive_file(&c.scope, id, file).await?,
    ))
}

async fn remind_directive(
    State(st): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<i64>,
) -> ApiResult<Response> {
    Ok(Json(st.app.remind_directive(&c.scope, id).await?).into_response())
}

async fn create_directive(
    State(st): State<AppState>,
    Caller(c): Caller,
    JsonBody(b): JsonBody<app::directives::DirectiveInput>,
) -> ApiResult<Response> {
    Ok((
        StatusCode::CREATED,
        Json(st.app.create_directive(&c.scope, &b).await?),
    )
        .into_response())
}

async fn list_directives(State(st): State<AppState>, Caller(c): Caller) -> ApiResult<Response> {
    Ok(Json(json!({"items": st.app.directives(&c.scope).await?})).into_response())
}

async fn get_directive(
    State(st): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<i64>,
) -> ApiResult<Response> {
    Ok(Json(st.app.directive(&c.scope, id).await?).into_response())
}

#[derive(Deserialize)]
struct TaskReport {
    status: app::directives::TaskStatus,
    note: Option<String>,
}

async fn report_task(
    State(st): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<i64>,
    JsonBody(b): JsonBody<TaskReport>,
) -> ApiResult<StatusCode> {
    st.app
        .report_task(&c.scope, id, b.status, b.note.as_deref())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

// ---- audit ----

#[derive(Deserialize)]
struct AuditParams {
    entity: Option<String>,
    entity_id: Option<i64>,
    actor: Option<String>,
    action: Option<String>,
    before_id: Option<i64>,
    limit: Option<i64>,
}

async fn audit_log(
    State(st): State<AppState>,
    Caller(c): Caller,
    Query(p): Query<AuditParams>,
) -> ApiResult<Response> {
    let f = AuditFilter {
        entity: p.entity,
        entity_id: p.entity_id,
        actor: p.actor,
        action: p.action,
        before_id: p.before_id,
        limit: p.limit.unwrap_or(100),
    };
    Ok(Json(st.app.audit_log(&c.scope, &f).await?).into_response())
}

async fn audit_verify(State(st): State<AppState>, Caller(c): Caller) -> ApiResult<Response> {
    Ok(Json(st.app.verify_audit(&c.scope).await?).into_response())
}
