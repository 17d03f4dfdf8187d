//! Accounts and API tokens.

use super::registry::{limit, ListParams};
use super::*;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/users", get(list_users).post(create_user))
        .route("/users/{id}/reset-password", post(reset_password))
        .route("/users/{id}/disable", post(disable_user))
        .route("/users/{id}/enable", post(enable_user))
        .route("/users/{id}/role", post(change_role))
        .route("/tokens", get(list_tokens).post(create_token))
        .route("/tokens/{id}", axum::routing::delete(revoke_token))
}

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
