//! Botnet lists, owners, clean-ups, trends and operator prefixes.

use super::*;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
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
}

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
