//! Signing in and out, changing one's password, the TOTP second factor.

use super::*;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/login", get(login_form).post(login))
        .route("/logout", post(logout))
        .route("/logout-all", post(logout_all))
        .route("/password", get(password_form).post(change_password))
        .route("/login/totp", get(totp_form).post(totp_login))
        .route("/account/totp", get(totp_setup).post(totp_enable))
        .route("/account/totp/disable", post(totp_disable))
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    tr: Tr,
    nav: Nav,
    title: String,
    pre_csrf: String,
    next: String,
    error: Option<String>,
    username: String,
}

#[derive(Deserialize)]
struct Next {
    next: Option<String>,
}

fn random_token() -> String {
    use rand::Rng;
    let b: [u8; 24] = rand::thread_rng().gen();
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn login_page(
    st: &AppState,
    tr: Tr,
    next: String,
    error: Option<String>,
    username: String,
) -> Response {
    let pre = random_token();
    let page = LoginPage {
        tr,
        nav: Nav {
            here: "/login".into(),
            ..Nav::default()
        },
        title: tr.t("sign_in").into(),
        pre_csrf: pre.clone(),
        next,
        error: error.clone(),
        username,
    };
    let mut r = render(&page);
    if error.is_some() {
        *r.status_mut() = StatusCode::UNAUTHORIZED;
    }
    with_cookies(r, vec![cookie(PRE_CSRF_COOKIE, &pre, st.tls, 3600)])
}

async fn login_form(
    State(st): State<AppState>,
    Reader(tr, _): Reader,
    Query(q): Query<Next>,
) -> Response {
    match crate::web::local_path(q.next.as_deref()) {
        Some(next) => login_page(&st, tr, next, None, String::new()),
        None => crate::web::bad_request_page(tr, tr.t("bad_return_path").into()),
    }
}

#[derive(Deserialize)]
struct LoginForm {
    username: String,
    password: String,
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    next: String,
}

async fn login(
    State(st): State<AppState>,
    Reader(tr, _): Reader,
    ConnectInfo(peer): ConnectInfo<std::net::SocketAddr>,
    headers: axum::http::HeaderMap,
    Form(f): Form<LoginForm>,
) -> Response {
    let pre = cookie_in(&headers, PRE_CSRF_COOKIE);
    if f.csrf.is_empty() || pre != Some(f.csrf.as_str()) || !crate::auth::same_origin(&headers) {
        return error_page(tr, AppError::Forbidden("CSRF".into()));
    }
    // Checked before signing in, so a bad address sets no cookie.
    let Some(next) = crate::web::local_path(Some(&f.next)) else {
        return crate::web::bad_request_page(tr, tr.t("bad_return_path").into());
    };
    match st
        .app
        .login(&f.username, &f.password, &peer.ip().to_string())
        .await
    {
        Ok(s) => with_cookies(
            Redirect::to(&if s.second_factor_required {
                "/login/totp".to_string()
            } else {
                next
            })
            .into_response(),
            vec![
                axum::http::HeaderValue::from_str(&crate::session_cookie(
                    &s.session_token,
                    st.tls,
                    None,
                ))
                .unwrap_or_else(|_| axum::http::HeaderValue::from_static("")),
                cookie(PRE_CSRF_COOKIE, "", st.tls, 0),
            ],
        ),
        Err(AppError::Throttled { until }) => {
            let mut r = login_page(
                &st,
                tr,
                next,
                Some(format!(
                    "{} {}.",
                    tr.t("throttled"),
                    app::registry::format_vn_time(until)
                )),
                f.username,
            );
            *r.status_mut() = StatusCode::TOO_MANY_REQUESTS;
            r
        }
        Err(AppError::Unauthenticated) => {
            login_page(&st, tr, next, Some(tr.t("bad_login").into()), f.username)
        }
        Err(e) => error_page(tr, e),
    }
}

async fn logout(
    State(st): State<AppState>,
    web: Web,
    headers: axum::http::HeaderMap,
    Form(f): Form<CsrfForm>,
) -> Response {
    if let Some(r) = web.refuse_csrf(&f.csrf) {
        return r;
    }
    if let Some(s) = cookie_in(&headers, SESSION_COOKIE) {
        let _ = st.app.logout(s).await;
    }
    with_cookies(
        Redirect::to("/login").into_response(),
        vec![
            axum::http::HeaderValue::from_str(&crate::session_cookie("", st.tls, Some(0)))
                .unwrap_or_else(|_| axum::http::HeaderValue::from_static("")),
        ],
    )
}

async fn logout_all(State(st): State<AppState>, web: Web, Form(f): Form<CsrfForm>) -> Response {
    if let Some(r) = web.refuse_csrf(&f.csrf) {
        return r;
    }
    match st.app.logout_everywhere(&web.auth.scope).await {
        Ok(_) => Redirect::to("/login").into_response(),
        Err(e) => web.fail(e),
    }
}

#[derive(Template)]
#[template(path = "password.html")]
struct PasswordPage {
    tr: Tr,
    nav: Nav,
    title: String,
    forced: bool,
    errors: Vec<String>,
}

async fn password_form(State(st): State<AppState>, web: Web) -> Response {
    let forced = web.auth.user.as_ref().is_some_and(|u| {
        u.must_change_password
            || st
                .app
                .config
                .password_policy
                .is_expired(u.password_changed_at, chrono::Utc::now())
    });
    render(&PasswordPage {
        tr: web.tr,
        nav: web.nav(""),
        title: web.tr.t("change_password").into(),
        forced,
        errors: vec![],
    })
}

#[derive(Deserialize)]
struct PasswordForm {
    #[serde(default)]
    csrf: String,
    current_password: String,
    new_password: String,
}

async fn change_password(
    State(st): State<AppState>,
    web: Web,
    Form(f): Form<PasswordForm>,
) -> Response {
    if let Some(r) = web.refuse_csrf(&f.csrf) {
        return r;
    }
    match st
        .app
        .change_password(&web.auth.scope, &f.current_password, &f.new_password)
        .await
    {
        Ok(()) => Redirect::to("/dashboard").into_response(),
        Err(AppError::Invalid(errs)) => {
            let page = PasswordPage {
                tr: web.tr,
                nav: web.nav(""),
                title: web.tr.t("change_password").into(),
                forced: true,
                errors: errs.0.iter().map(|e| e.reason.clone()).collect(),
            };
            let mut r = render(&page);
            *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            r
        }
        Err(e) => web.fail(e),
    }
}

// ---- second factor ----

#[derive(Template)]
#[template(path = "totp_login.html")]
struct TotpLoginPage {
    tr: Tr,
    nav: Nav,
    title: String,
    error: Option<String>,
}

async fn totp_form(web: Web) -> Response {
    render(&TotpLoginPage {
        tr: web.tr,
        nav: web.nav(""),
        title: web.tr.t("second_factor").into(),
        error: None,
    })
}

#[derive(Deserialize)]
struct CodeForm {
    #[serde(default)]
    csrf: String,
    code: String,
    #[serde(default)]
    secret: String,
}

async fn totp_login(
    State(st): State<AppState>,
    web: Web,
    headers: axum::http::HeaderMap,
    Form(f): Form<CodeForm>,
) -> Response {
    if let Some(r) = web.refuse_csrf(&f.csrf) {
        return r;
    }
    let Some(secret) = cookie_in(&headers, SESSION_COOKIE) else {
        return Redirect::to("/login").into_response();
    };
    match st.app.second_factor(secret, &f.code).await {
        Ok(()) => Redirect::to("/dashboard").into_response(),
        Err(AppError::Invalid(errs)) => {
            let mut r = render(&TotpLoginPage {
                tr: web.tr,
                nav: web.nav(""),
                title: web.tr.t("second_factor").into(),
                error: Some(
                    errs.0
                        .iter()
                        .map(|e| e.reason.clone())
                        .collect::<Vec<_>>()
                        .join("; "),
                ),
            });
            *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            r
        }
        Err(AppError::Locked { until }) => login_page(
            &st,
            web.tr,
            "/dashboard".into(),
            Some(format!(
                "{} {}.",
                web.tr.t("locked"),
                app::registry::format_vn_time(until)
            )),
            String::new(),
        ),
        Err(e) => web.fail(e),
    }
}

#[derive(Template)]
#[template(path = "totp_setup.html")]
struct TotpSetupPage {
    tr: Tr,
    nav: Nav,
    title: String,
    enabled: bool,
    required: bool,
    secret: String,
    qr_svg: String,
    error: Option<String>,
}

async fn totp_page(st: &AppState, web: &Web, error: Option<String>) -> Response {
    let user = web.auth.user.clone();
    let enabled = user.as_ref().is_some_and(|u| u.totp_enabled);
    let required = user
        .as_ref()
        .is_some_and(|u| st.app.config.totp_required_roles.contains(&u.role));
    let (secret, qr_svg) = if enabled {
        (String::new(), String::new())
    } else {
        match st.app.totp_enrolment(&web.auth.scope) {
            Ok(e) => (e.secret, e.qr_svg),
            Err(e) => return web.fail(e),
        }
    };
    let mut r = render(&TotpSetupPage {
        tr: web.tr,
        nav: web.nav(""),
        title: web.tr.t("second_factor").into(),
        enabled,
        required,
        secret,
        qr_svg,
        error: error.clone(),
    });
    if error.is_some() {
        *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    r
}

async fn totp_setup(State(st): State<AppState>, web: Web) -> Response {
    totp_page(&st, &web, None).await
}

async fn totp_enable(State(st): State<AppState>, web: Web, Form(f): Form<CodeForm>) -> Response {
    if let Some(r) = web.refuse_csrf(&f.csrf) {
        return r;
    }
    match st
        .app
        .enable_totp(&web.auth.scope, &f.secret, &f.code)
        .await
    {
        Ok(()) => Redirect::to("/account/totp").into_response(),
        Err(AppError::Invalid(errs)) => {
            totp_page(
                &st,
                &web,
                Some(
                    errs.0
                        .iter()
                        .map(|e| e.reason.clone())
                        .collect::<Vec<_>>()
                        .join("; "),
                ),
            )
            .await
        }
        Err(e) => web.fail(e),
    }
}

async fn totp_disable(State(st): State<AppState>, web: Web, Form(f): Form<CsrfForm>) -> Response {
    if let Some(r) = web.refuse_csrf(&f.csrf) {
        return r;
    }
    let Some(id) = web.auth.user.as_ref().map(|u| u.id) else {
        return web.fail(AppError::Forbidden("account".into()));
    };
    match st.app.disable_totp(&web.auth.scope, id).await {
        Ok(()) => Redirect::to("/account/totp").into_response(),
        Err(e) => web.fail(e),
    }
}
