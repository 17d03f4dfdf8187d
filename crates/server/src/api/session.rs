//! Signing in and out, the second factor, password changes.

use super::*;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/auth/login", post(login))
        .route("/auth/logout", post(logout))
        .route("/auth/logout-all", post(logout_all))
        .route("/auth/me", get(me))
        .route("/auth/password", post(change_password))
        .route("/auth/totp", post(second_factor))
}

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
