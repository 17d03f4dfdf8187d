//! Organisations, systems and assets; import and export.

use super::*;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
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
}

#[derive(Deserialize, Default)]
pub(super) struct ListParams {
    pub(super) after: Option<i64>,
    limit: Option<i64>,
    q: Option<String>,
    org_type: Option<String>,
    parent_id: Option<i64>,
    pub(super) owner_org_id: Option<i64>,
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

pub(super) fn limit(p: &ListParams) -> i64 {
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
