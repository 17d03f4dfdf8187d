//! Duty periods, rosters, who is on duty.

use super::*;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
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
}

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
