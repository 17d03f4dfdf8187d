//! The notification queue.

use super::*;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/notifications", get(list_notifications))
        .route("/notifications/{id}/retry", post(retry_notification))
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
