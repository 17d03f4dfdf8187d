//! Vulnerability feeds, warnings, findings.

use super::*;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
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
}

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
