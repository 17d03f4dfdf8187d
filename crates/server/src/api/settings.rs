//! Installation settings: the national bodies documents and messages name.

use super::*;
use domain::NationalBodies;

pub(super) fn routes() -> Router<AppState> {
    Router::new().route(
        "/settings/national-bodies",
        get(national_bodies).put(set_national_bodies),
    )
}

async fn national_bodies(State(st): State<AppState>, Caller(c): Caller) -> ApiResult<Response> {
    Ok(Json(st.app.national_bodies(&c.scope).await?).into_response())
}

async fn set_national_bodies(
    State(st): State<AppState>,
    Caller(c): Caller,
    JsonBody(b): JsonBody<NationalBodies>,
) -> ApiResult<Response> {
    Ok(Json(st.app.set_national_bodies(&c.scope, b).await?).into_response())
}
