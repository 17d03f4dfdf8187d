//! Periodic (6-monthly and yearly) reports.

use super::*;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/reports/due", get(reports_due))
        .route("/reports/periodic/{period}", get(periodic_report))
        .route(
            "/reports/periodic/{period}/report.{ext}",
            get(periodic_report_file),
        )
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
