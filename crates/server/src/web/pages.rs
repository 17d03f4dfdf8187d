//! The console's pages. Each handler reads the request, calls one use case
//! with the signed-in person's scope, and renders a template.

use super::charts::{bars, Bar};
use super::{
    cookie, error_page, render, urlencode, with_cookies, CsrfForm, Nav, Purpose, Reader, Tr, Web,
    LANG_COOKIE, PRE_CSRF_COOKIE,
};
use crate::auth::{cookie_in, SESSION_COOKIE};
use crate::AppState;
use app::store::assets::{Asset, AssetFilter};
use app::store::audit::{AuditFilter, ChainReport};
use app::store::auth::{ApiToken, User};
use app::store::orgs::{Org, OrgFilter};
use app::store::systems::{InfoSystem, SystemFilter};
use app::transfer::{ImportMode, ImportReport, Kind, RowError};
use app::AppError;
use askama::Template;
use axum::extract::{ConnectInfo, Multipart, Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use domain::audit::AuditRecord;
use domain::{OrgType, Role};
use serde::Deserialize;
use std::collections::HashMap;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(|| async { Redirect::to("/dashboard") }))
        .route("/login", get(login_form).post(login))
        .route("/logout", post(logout))
        .route("/logout-all", post(logout_all))
        .route("/password", get(password_form).post(change_password))
        .route("/login/totp", get(totp_form).post(totp_login))
        .route("/account/totp", get(totp_setup).post(totp_enable))
        .route("/account/totp/disable", post(totp_disable))
        .route("/lang/{code}", get(switch_language))
        .route("/static/{file}", get(static_file))
        .route("/dashboard", get(dashboard))
        .route("/systems", get(systems))
        .route("/systems/new", get(new_system).post(create_system))
        .route("/systems/{id}", get(system))
        .route("/systems/{id}/edit", get(edit_system).post(update_system))
        .route(
            "/systems/{id}/delete",
            get(confirm_delete_system).post(delete_system),
        )
        .route("/orgs", get(orgs))
        .route("/orgs/new", get(new_org).post(create_org))
        .route("/orgs/{id}", get(org))
        .route("/orgs/{id}/edit", get(edit_org).post(update_org))
        .route(
            "/orgs/{id}/delete",
            get(confirm_delete_org).post(delete_org),
        )
        .route(
            "/systems/{id}/assets/new",
            get(new_asset).post(create_asset),
        )
        .route("/assets", get(assets))
        .route("/assets/{id}", get(asset))
        .route("/assets/{id}/edit", get(edit_asset).post(update_asset))
        .route(
            "/assets/{id}/delete",
            get(confirm_delete_asset).post(delete_asset),
        )
        .route(
            "/import",
            get(import_form)
                .post(import_upload)
                .layer(axum::extract::DefaultBodyLimit::max(
                    crate::MAX_UPLOAD_BYTES,
                )),
        )
        .route("/import/confirm", post(import_confirm))
        .route("/admin/users", get(users).post(create_user))
        .route("/admin/users/{id}/role", post(user_role))
        .route("/admin/users/{id}/{action}", post(user_action))
        .route("/admin/tokens", get(tokens).post(create_token))
        .route("/admin/tokens/{id}/revoke", post(revoke_token))
        .route("/admin/audit", get(audit))
}

fn fail(tr: Tr, e: AppError) -> Response {
    error_page(tr, e)
}

async fn static_file(Path(file): Path<String>) -> Response {
    match super::static_file(&file) {
        Some((mime, bytes)) => (
            [
                (header::CONTENT_TYPE, mime),
                (header::CACHE_CONTROL, "max-age=3600"),
            ],
            bytes,
        )
            .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

#[derive(Deserialize)]
struct Back {
    back: Option<String>,
}

async fn switch_language(
    State(st): State<AppState>,
    Reader(tr, _): Reader,
    Path(code): Path<String>,
    Query(q): Query<Back>,
) -> Response {
    let lang = if code == "en" { "en" } else { "vi" };
    let Some(back) = super::local_path(q.back.as_deref()) else {
        return super::bad_request_page(tr, tr.t("bad_return_path").into());
    };
    with_cookies(
        Redirect::to(&back).into_response(),
        vec![cookie(LANG_COOKIE, lang, st.tls, 60 * 60 * 24 * 365)],
    )
}

// ---- sign-in ----

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
    match super::local_path(q.next.as_deref()) {
        Some(next) => login_page(&st, tr, next, None, String::new()),
        None => super::bad_request_page(tr, tr.t("bad_return_path").into()),
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
    let Some(next) = super::local_path(Some(&f.next)) else {
        return super::bad_request_page(tr, tr.t("bad_return_path").into());
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
        Err(e) => fail(tr, e),
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
        Err(e) => fail(web.tr, e),
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
        Err(e) => fail(web.tr, e),
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
        Err(e) => fail(web.tr, e),
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
            Err(e) => return fail(web.tr, e),
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
        Err(e) => fail(web.tr, e),
    }
}

async fn totp_disable(State(st): State<AppState>, web: Web, Form(f): Form<CsrfForm>) -> Response {
    if let Some(r) = web.refuse_csrf(&f.csrf) {
        return r;
    }
    let Some(id) = web.auth.user.as_ref().map(|u| u.id) else {
        return fail(web.tr, AppError::Forbidden("account".into()));
    };
    match st.app.disable_totp(&web.auth.scope, id).await {
        Ok(()) => Redirect::to("/account/totp").into_response(),
        Err(e) => fail(web.tr, e),
    }
}

// ---- dashboard ----

struct CoverageRow {
    label: &'static str,
    have: i64,
    total: i64,
    href: String,
}

impl CoverageRow {
    fn percent(&self) -> i64 {
        if self.total == 0 {
            0
        } else {
            self.have * 100 / self.total
        }
    }
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    tr: Tr,
    nav: Nav,
    title: String,
    d: app::dashboard::Dashboard,
    level_chart: String,
    org_chart: String,
    coverage: Vec<CoverageRow>,
    /// New and overdue monitoring alerts in reach.
    alerts: app::store::monitoring::AlertCounts,
}

async fn dashboard(State(st): State<AppState>, web: Web) -> Response {
    let d = match st.app.dashboard(&web.auth.scope).await {
        Ok(d) => d,
        Err(e) => return fail(web.tr, e),
    };
    let tr = web.tr;
    let level_bars: Vec<Bar> = (1..=5)
        .map(|l| Bar {
            label: format!("{} {l}", tr.t("level")),
            value: d.by_level[l],
            href: Some(format!("/systems?level={l}")),
        })
        .chain((d.by_level[0] > 0).then(|| Bar {
            label: tr.t("no_level").into(),
            value: d.by_level[0],
            href: None,
        }))
        .collect();
    let org_bars: Vec<Bar> = d
        .by_org
        .iter()
        .take(12)
        .map(|o| Bar {
            label: o.name.clone(),
            value: o.count,
            href: Some(format!("/systems?owner_org_id={}", o.org_id)),
        })
        .collect();
    let c = &d.coverage;
    let coverage = vec![
        CoverageRow {
            label: tr.t("onsite_force"),
            have: c.onsite_force,
            total: c.systems,
            href: "/systems?min_level=3".into(),
        },
        CoverageRow {
            label: tr.t("soc_monitoring"),
            have: c.soc_monitoring,
            total: c.systems,
            href: "/systems?min_level=3&soc_monitoring=false".into(),
        },
        CoverageRow {
            label: tr.t("assessed_year"),
            have: c.assessed,
            total: c.systems,
            href: "/systems?min_level=3&assessed=false".into(),
        },
        CoverageRow {
            label: tr.t("ncsc_connected"),
            have: c.ncsc_connected,
            total: c.systems,
            href: "/systems?min_level=3&ncsc_connected=false".into(),
        },
    ];
    let page = DashboardPage {
        tr,
        nav: web.nav("dashboard"),
        title: tr.t("dashboard").into(),
        level_chart: bars(tr.t("systems_by_level"), &level_bars),
        org_chart: bars(tr.t("systems_by_org"), &org_bars),
        coverage,
        d,
        alerts: st
            .app
            .alert_counts(&web.auth.scope)
            .await
            .unwrap_or_default(),
    };
    render(&page)
}

// ---- systems ----

/// The list filters as the form sends them: text, so a bad value is shown
/// back rather than rejected with an error page.
#[derive(Deserialize, Default, Clone)]
struct SystemQuery {
    q: Option<String>,
    owner_org_id: Option<String>,
    level: Option<String>,
    min_level: Option<String>,
    internet_facing: Option<String>,
    soc_monitoring: Option<String>,
    ncsc_connected: Option<String>,
    approved: Option<String>,
    /// "false": not independently assessed within the last 12 months.
    assessed: Option<String>,
    sort: Option<String>,
    after: Option<String>,
    after_key: Option<String>,
}

fn num<T: std::str::FromStr>(v: &Option<String>) -> Option<T> {
    v.as_deref().and_then(|s| s.trim().parse().ok())
}

fn flag(v: &Option<String>) -> Option<bool> {
    match v.as_deref() {
        Some("true") => Some(true),
        Some("false") => Some(false),
        _ => None,
    }
}

impl SystemQuery {
    fn filter(&self) -> SystemFilter {
        SystemFilter {
            owner_org_id: num(&self.owner_org_id),
            level: num(&self.level),
            min_level: num(&self.min_level),
            internet_facing: flag(&self.internet_facing),
            soc_monitoring: flag(&self.soc_monitoring),
            ncsc_connected: flag(&self.ncsc_connected),
            q: self.q.clone(),
            after: num(&self.after),
            approved: flag(&self.approved),
            not_assessed_since: (self.assessed.as_deref() == Some("false"))
                .then(|| app::registry::today() - chrono::Duration::days(365)),
            sort: self
                .sort
                .as_deref()
                .and_then(|v| v.parse().ok())
                .unwrap_or_default(),
            after_key: self.after_key.clone(),
            limit: 50,
            ..Default::default()
        }
    }
    /// The filters as query pairs, without cursor or order.
    fn filter_pairs(&self) -> Vec<String> {
        let mut parts = Vec::new();
        for (k, v) in [
            ("q", &self.q),
            ("owner_org_id", &self.owner_org_id),
            ("level", &self.level),
            ("min_level", &self.min_level),
            ("internet_facing", &self.internet_facing),
            ("soc_monitoring", &self.soc_monitoring),
            ("ncsc_connected", &self.ncsc_connected),
            ("approved", &self.approved),
            ("assessed", &self.assessed),
        ] {
            if let Some(v) = v.as_deref().filter(|v| !v.is_empty()) {
                parts.push(format!("{k}={}", urlencode(v)));
            }
        }
        parts
    }

    /// The export of exactly what the list shows.
    fn export_href(&self, format: &str) -> String {
        let mut parts = vec![format!("format={format}")];
        parts.extend(self.filter_pairs());
        format!("/api/v1/export/systems?{}", parts.join("&"))
    }

    /// This list in another order, from its first page.
    fn sorted_href(&self, sort: &str) -> String {
        let mut parts = self.filter_pairs();
        parts.push(format!("sort={sort}"));
        format!("/systems?{}", parts.join("&"))
    }

    /// The next page: after this id, or after this key in a sorted list.
    fn next_href(&self, after: i64, key: Option<&str>) -> String {
        let mut parts = self.filter_pairs();
        match (self.sort.as_deref().filter(|v| !v.is_empty()), key) {
            (Some(sort), Some(k)) => {
                parts.push(format!("sort={}", urlencode(sort)));
                parts.push(format!("after_key={}", urlencode(k)));
            }
            _ => parts.push(format!("after={after}")),
        }
        format!("?{}", parts.join("&"))
    }

    fn get(&self, k: &str) -> &str {
        let v = match k {
            "q" => &self.q,
            "owner_org_id" => &self.owner_org_id,
            "level" => &self.level,
            "min_level" => &self.min_level,
            "internet_facing" => &self.internet_facing,
            "soc_monitoring" => &self.soc_monitoring,
            "ncsc_connected" => &self.ncsc_connected,
            "approved" => &self.approved,
            "assessed" => &self.assessed,
            "sort" => &self.sort,
            _ => &None,
        };
        v.as_deref().unwrap_or("")
    }
}

struct SystemRow {
    id: i64,
    code: String,
    name: String,
    owner: String,
    level: String,
    approved: bool,
    internet_facing: bool,
    soc: bool,
    ncsc: bool,
    assets: i64,
}

#[derive(Template)]
#[template(path = "systems.html")]
struct SystemsPage {
    tr: Tr,
    nav: Nav,
    title: String,
    rows: Vec<SystemRow>,
    query: SystemQuery,
    next: Option<String>,
    owners: Vec<(i64, String)>,
    can_create: bool,
}

impl SystemsPage {
    fn export(&self, format: &str) -> String {
        self.query.export_href(format)
    }
    fn sort_link(&self, sort: &str) -> String {
        self.query.sorted_href(sort)
    }
    /// `aria-sort` for a column header.
    fn aria_sort(&self, sort: &str) -> &'static str {
        let current = self.query.sort.as_deref().unwrap_or("id");
        match (current == sort, sort) {
            (true, "level") => "descending",
            (true, _) => "ascending",
            _ => "none",
        }
    }
    fn q(&self, k: &str) -> &str {
        self.query.get(k)
    }
    fn selected(&self, k: &str, v: &str) -> bool {
        self.query.get(k) == v
    }
}

/// Every organisation the scope may read, by id.
async fn org_map(st: &AppState, web: &Web) -> Result<HashMap<i64, Org>, AppError> {
    let mut out = HashMap::new();
    let mut after = None;
    loop {
        let page = st
            .app
            .orgs(
                &web.auth.scope,
                &OrgFilter {
                    after,
                    limit: 1000,
                    ..Default::default()
                },
            )
            .await?;
        for o in page.items {
            out.insert(o.id, o);
        }
        match page.next {
            Some(n) => after = Some(n),
            None => return Ok(out),
        }
    }
}

fn short(orgs: &HashMap<i64, Org>, id: Option<i64>) -> String {
    id.and_then(|i| orgs.get(&i))
        .map(|o| o.data.short_name.to_string())
        .unwrap_or_default()
}

fn sorted_names(orgs: &HashMap<i64, Org>, keep: impl Fn(&Org) -> bool) -> Vec<(i64, String)> {
    let mut v: Vec<(i64, String)> = orgs
        .values()
        .filter(|o| keep(o))
        .map(|o| (o.id, o.data.name.to_string()))
        .collect();
    v.sort_by(|a, b| a.1.cmp(&b.1));
    v
}

async fn systems(
    State(st): State<AppState>,
    web: Web,
    Query(query): Query<SystemQuery>,
) -> Response {
    let page = match st.app.systems(&web.auth.scope, &query.filter()).await {
        Ok(p) => p,
        Err(e) => return fail(web.tr, e),
    };
    let orgs = match org_map(&st, &web).await {
        Ok(o) => o,
        Err(e) => return fail(web.tr, e),
    };
    let rows = page
        .items
        .iter()
        .map(|s| SystemRow {
            id: s.id,
            code: s.data.code.to_string(),
            name: s.data.name.to_string(),
            owner: short(&orgs, Some(s.data.owner_org_id)),
            level: s
                .data
                .effective_level()
                .map(|l| l.to_string())
                .unwrap_or_default(),
            approved: s.data.approved_level.is_some(),
            internet_facing: s.data.internet_facing,
            soc: s.data.protection.soc_monitoring,
            ncsc: s.data.protection.ncsc_connected,
            assets: s.asset_count,
        })
        .collect();
    let scope = &web.auth.scope;
    render(&SystemsPage {
        tr: web.tr,
        nav: web.nav("systems"),
        title: web.tr.t("systems").into(),
        rows,
        next: page
            .next
            .map(|n| query.next_href(n, page.next_key.as_deref())),
        owners: sorted_names(&orgs, |o| {
            !o.data.org_type.is_directory() || scope.sees_province()
        }),
        can_create: scope.may_edit_registry_of(&[scope.org_id]),
        query,
    })
}

#[derive(Template)]
#[template(path = "system.html")]
struct SystemPage {
    tr: Tr,
    nav: Nav,
    title: String,
    s: InfoSystem,
    owner: String,
    operator: String,
    soc: String,
    isp: String,
    info_types: String,
    function_type: String,
    assets: Vec<Asset>,
    can_edit: bool,
}

async fn system(State(st): State<AppState>, web: Web, Path(id): Path<i64>) -> Response {
    let s = match st.app.system(&web.auth.scope, id).await {
        Ok(s) => s,
        Err(e) => return fail(web.tr, e),
    };
    let orgs = match org_map(&st, &web).await {
        Ok(o) => o,
        Err(e) => return fail(web.tr, e),
    };
    let assets = match st
        .app
        .assets(
            &web.auth.scope,
            &AssetFilter {
                system_id: Some(id),
                limit: 200,
                ..Default::default()
            },
        )
        .await
    {
        Ok(p) => p.items,
        Err(e) => return fail(web.tr, e),
    };
    let tr = web.tr;
    let label = |en: &'static str, vi: &'static str| if tr.is_en() { en } else { vi };
    render(&SystemPage {
        owner: short(&orgs, Some(s.data.owner_org_id)),
        operator: short(&orgs, s.data.operator_org_id),
        soc: short(&orgs, s.data.soc_provider_id),
        isp: short(&orgs, s.data.isp_id),
        info_types: s
            .data
            .info_types
            .iter()
            .map(|t| label(t.label_en(), t.label_vi()))
            .collect::<Vec<_>>()
            .join(", "),
        function_type: label(
            s.data.function_type.label_en(),
            s.data.function_type.label_vi(),
        )
        .into(),
        can_edit: web.auth.scope.may_edit_registry_of(&s.tenants()),
        title: s.data.name.to_string(),
        nav: web.nav("systems"),
        tr,
        assets,
        s,
    })
}

#[derive(Template)]
#[template(path = "system_form.html")]
struct SystemFormPage {
    tr: Tr,
    nav: Nav,
    title: String,
    action: String,
    back: String,
    values: Vec<(String, String)>,
    errors: Vec<RowError>,
    owners: Vec<(String, String)>,
    socs: Vec<(String, String)>,
    isps: Vec<(String, String)>,
    function_types: Vec<(String, String)>,
    info_types: Vec<(String, String)>,
}

impl SystemFormPage {
    fn v(&self, k: &str) -> &str {
        self.values
            .iter()
            .find(|(f, _)| f == k)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    }
    fn is(&self, k: &str, v: &str) -> bool {
        self.v(k) == v
    }
    fn has(&self, k: &str, v: &str) -> bool {
        self.values.iter().any(|(f, x)| f == k && x == v)
    }
    fn checked(&self, k: &str) -> bool {
        matches!(self.v(k), "1" | "có" | "true")
    }
    fn error(&self, k: &str) -> String {
        self.errors
            .iter()
            .filter(|e| e.column.as_deref() == Some(k))
            .map(|e| e.reason.clone())
            .collect::<Vec<_>>()
            .join("; ")
    }
}

/// The form's fields for an existing system, in the import columns' codes.
fn system_values(s: &InfoSystem, orgs: &HashMap<i64, Org>) -> Vec<(String, String)> {
    let d = &s.data;
    let a = d.approval.as_ref();
    let yes = |b: bool| if b { "1".to_string() } else { String::new() };
    let mut v = vec![
        ("code".into(), d.code.to_string()),
        ("name".into(), d.name.to_string()),
        ("owner".into(), short(orgs, Some(d.owner_org_id))),
        ("operator".into(), short(orgs, d.operator_org_id)),
        ("function_type".into(), d.function_type.as_str().into()),
        (
            "data_subjects".into(),
            d.data_subjects.map(|n| n.to_string()).unwrap_or_default(),
        ),
        (
            "proposed_level".into(),
            d.proposed_level.map(|l| l.to_string()).unwrap_or_default(),
        ),
        (
            "approved_level".into(),
            d.approved_level.map(|l| l.to_string()).unwrap_or_default(),
        ),
        (
            "approval_number".into(),
            a.map(|a| a.number.to_string()).unwrap_or_default(),
        ),
        (
            "approval_date".into(),
            a.map(|a| a.date.to_string()).unwrap_or_default(),
        ),
        (
            "approval_body".into(),
            a.map(|a| a.body.to_string()).unwrap_or_default(),
        ),
        ("internet_facing".into(), yes(d.internet_facing)),
        ("soc_provider".into(), short(orgs, d.soc_provider_id)),
        ("isp".into(), short(orgs, d.isp_id)),
        ("onsite_force".into(), yes(d.protection.onsite_force)),
        ("soc_monitoring".into(), yes(d.protection.soc_monitoring)),
        (
            "last_assessment".into(),
            d.protection
                .last_assessment
                .map(|d| d.to_string())
                .unwrap_or_default(),
        ),
        ("ncsc_connected".into(), yes(d.protection.ncsc_connected)),
        ("notes".into(), d.notes.clone().unwrap_or_default()),
    ];
    for t in &d.info_types {
        v.push(("info_types".into(), t.as_str().into()));
    }
    v
}

async fn system_form(
    st: &AppState,
    web: &Web,
    title: String,
    action: String,
    back: String,
    values: Vec<(String, String)>,
    errors: Vec<RowError>,
) -> Response {
    let orgs = match org_map(st, web).await {
        Ok(o) => o,
        Err(e) => return fail(web.tr, e),
    };
    let scope = &web.auth.scope;
    let by_short = |keep: &dyn Fn(&Org) -> bool| {
        let mut v: Vec<(String, String)> = orgs
            .values()
            .filter(|o| keep(o))
            .map(|o| (o.data.short_name.to_string(), o.data.name.to_string()))
            .collect();
        v.sort_by(|a, b| a.1.cmp(&b.1));
        v
    };
    let tr = web.tr;
    let label = |en: &'static str, vi: &'static str| {
        if tr.is_en() {
            en.to_string()
        } else {
            vi.to_string()
        }
    };
    let page = SystemFormPage {
        tr,
        nav: web.nav("systems"),
        title,
        action,
        back,
        values,
        errors,
        owners: by_short(&|o: &Org| scope.may_edit_registry_of(&[o.id])),
        socs: by_short(&|o: &Org| o.data.org_type == OrgType::Soc),
        isps: by_short(&|o: &Org| o.data.org_type == OrgType::Isp),
        function_types: domain::FunctionType::ALL
            .iter()
            .map(|f| (f.as_str().to_string(), label(f.label_en(), f.label_vi())))
            .collect(),
        info_types: domain::InfoType::ALL
            .iter()
            .map(|f| (f.as_str().to_string(), label(f.label_en(), f.label_vi())))
            .collect(),
    };
    let mut r = render(&page);
    if !page.errors.is_empty() {
        *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    r
}

async fn new_system(State(st): State<AppState>, web: Web) -> Response {
    let scope = &web.auth.scope;
    if !scope.may_edit_registry_of(&[scope.org_id]) {
        return fail(web.tr, AppError::Forbidden("registry".into()));
    }
    let own = match st.app.org(scope, scope.org_id).await {
        Ok(o) if !scope.sees_province() => {
            vec![("owner".to_string(), o.data.short_name.to_string())]
        }
        _ => vec![],
    };
    let values = [own, vec![("function_type".into(), "internal".into())]].concat();
    system_form(
        &st,
        &web,
        web.tr.t("new_system").into(),
        "/systems/new".into(),
        "/systems".into(),
        values,
        vec![],
    )
    .await
}

/// Separates the CSRF token from a form's fields; repeated names (check
/// boxes) stay as separate pairs.
fn fields(pairs: Vec<(String, String)>) -> (String, Vec<(String, String)>) {
    let csrf = pairs
        .iter()
        .find(|(k, _)| k == "csrf")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    (
        csrf,
        pairs.into_iter().filter(|(k, _)| k != "csrf").collect(),
    )
}

async fn create_system(
    State(st): State<AppState>,
    web: Web,
    Form(body): Form<Vec<(String, String)>>,
) -> Response {
    let (csrf, values) = fields(body);
    if let Some(r) = web.refuse_csrf(&csrf) {
        return r;
    }
    let parsed = match st.app.system_from_form(&web.auth.scope, &values).await {
        Ok(p) => p,
        Err(e) => return fail(web.tr, e),
    };
    let result = match parsed {
        Ok(input) => st.app.create_system(&web.auth.scope, &input).await,
        Err(errors) => {
            return system_form(
                &st,
                &web,
                web.tr.t("new_system").into(),
                "/systems/new".into(),
                "/systems".into(),
                values,
                errors,
            )
            .await
        }
    };
    match result {
        Ok(s) => Redirect::to(&format!("/systems/{}", s.id)).into_response(),
        Err(e) => {
            let errors = app_errors(e);
            system_form(
                &st,
                &web,
                web.tr.t("new_system").into(),
                "/systems/new".into(),
                "/systems".into(),
                values,
                errors,
            )
            .await
        }
    }
}

/// A use case's refusal as form errors, next to the fields they concern.
fn app_errors(e: AppError) -> Vec<RowError> {
    match e {
        AppError::Invalid(errs) => errs
            .0
            .into_iter()
            .map(|f| RowError {
                row: None,
                column: Some(
                    match f.field.as_str() {
                        "owner_org_id" => "owner",
                        "operator_org_id" => "operator",
                        "soc_provider_id" => "soc_provider",
                        "isp_id" => "isp",
                        "approval" => "approval_number",
                        other => other.rsplit('.').next().unwrap_or(other),
                    }
                    .to_string(),
                ),
                reason: f.reason,
            })
            .collect(),
        other => vec![RowError {
            row: None,
            column: None,
            reason: other.to_string(),
        }],
    }
}

async fn edit_system(State(st): State<AppState>, web: Web, Path(id): Path<i64>) -> Response {
    let s = match st.app.system(&web.auth.scope, id).await {
        Ok(s) => s,
        Err(e) => return fail(web.tr, e),
    };
    if !web.auth.scope.may_edit_registry_of(&s.tenants()) {
        return fail(web.tr, AppError::Forbidden("edit".into()));
    }
    let orgs = match org_map(&st, &web).await {
        Ok(o) => o,
        Err(e) => return fail(web.tr, e),
    };
    let values = system_values(&s, &orgs);
    system_form(
        &st,
        &web,
        s.data.name.to_string(),
        format!("/systems/{id}/edit"),
        format!("/systems/{id}"),
        values,
        vec![],
    )
    .await
}

async fn update_system(
    State(st): State<AppState>,
    web: Web,
    Path(id): Path<i64>,
    Form(body): Form<Vec<(String, String)>>,
) -> Response {
    let (csrf, values) = fields(body);
    if let Some(r) = web.refuse_csrf(&csrf) {
        return r;
    }
    let title = web.tr.t("edit").to_string();
    let (action, back) = (format!("/systems/{id}/edit"), format!("/systems/{id}"));
    let parsed = match st.app.system_from_form(&web.auth.scope, &values).await {
        Ok(p) => p,
        Err(e) => return fail(web.tr, e),
    };
    match parsed {
        Ok(input) => match st.app.update_system(&web.auth.scope, id, &input).await {
            Ok(_) => Redirect::to(&back).into_response(),
            Err(e @ (AppError::NotFound | AppError::Forbidden(_))) => fail(web.tr, e),
            Err(e) => system_form(&st, &web, title, action, back, values, app_errors(e)).await,
        },
        Err(errors) => system_form(&st, &web, title, action, back, values, errors).await,
    }
}

#[derive(Template)]
#[template(path = "confirm.html")]
struct ConfirmPage {
    tr: Tr,
    nav: Nav,
    title: String,
    what: String,
    action: String,
    back: String,
}

async fn confirm_delete_system(
    State(st): State<AppState>,
    web: Web,
    Path(id): Path<i64>,
) -> Response {
    match st.app.system(&web.auth.scope, id).await {
        Ok(s) if web.auth.scope.may_edit_registry_of(&s.tenants()) => render(&ConfirmPage {
            tr: web.tr,
            nav: web.nav("systems"),
            title: web.tr.t("delete").into(),
            what: format!(
                "{} — {} ({} {})",
                s.data.code,
                s.data.name,
                s.asset_count,
                web.tr.t("assets").to_lowercase()
            ),
            action: format!("/systems/{id}/delete"),
            back: format!("/systems/{id}"),
        }),
        Ok(_) => fail(web.tr, AppError::Forbidden("delete".into())),
        Err(e) => fail(web.tr, e),
    }
}

async fn delete_system(
    State(st): State<AppState>,
    web: Web,
    Path(id): Path<i64>,
    Form(f): Form<CsrfForm>,
) -> Response {
    if let Some(r) = web.refuse_csrf(&f.csrf) {
        return r;
    }
    match st.app.delete_system(&web.auth.scope, id).await {
        Ok(()) => Redirect::to("/systems").into_response(),
        Err(e) => fail(web.tr, e),
    }
}

// ---- organisations and assets ----

#[derive(Deserialize, Default)]
struct ListQuery {
    q: Option<String>,
    org_type: Option<String>,
    system_id: Option<String>,
    sort: Option<String>,
    after: Option<String>,
    after_key: Option<String>,
}

impl ListQuery {
    fn text(&self) -> &str {
        self.q.as_deref().unwrap_or("")
    }
    fn kind(&self) -> &str {
        self.org_type.as_deref().unwrap_or("")
    }
    /// The asset export of what the list shows.
    fn asset_export(&self, format: &str) -> String {
        let mut s = format!("/api/v1/export/assets?format={format}");
        if let Some(id) = self
            .system_id
            .as_deref()
            .filter(|v| v.trim().parse::<i64>().is_ok())
        {
            s.push_str(&format!("&system_id={}", id.trim()));
        }
        if let Some(q) = self.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
            let key = if domain::net::parse_ip(q).is_ok() {
                "ip"
            } else {
                "q"
            };
            s.push_str(&format!("&{key}={}", urlencode(q)));
        }
        s
    }

    /// The filters as query pairs, without cursor or order.
    fn filter_pairs(&self) -> Vec<String> {
        let mut parts = Vec::new();
        for (k, v) in [
            ("q", &self.q),
            ("org_type", &self.org_type),
            ("system_id", &self.system_id),
        ] {
            if let Some(v) = v.as_deref().filter(|v| !v.is_empty()) {
                parts.push(format!("{k}={}", urlencode(v)));
            }
        }
        parts
    }

    fn sort_value(&self) -> &str {
        self.sort.as_deref().unwrap_or("")
    }

    fn sorted(&self) -> bool {
        self.sort
            .as_deref()
            .is_some_and(|s| !s.is_empty() && s != "id")
    }

    /// This list in `sort` order, from its first page.
    fn sort_href(&self, sort: &str) -> String {
        let mut parts = self.filter_pairs();
        parts.push(format!("sort={sort}"));
        format!("?{}", parts.join("&"))
    }

    fn next_href(&self, after: i64, key: Option<&str>) -> String {
        let mut parts = self.filter_pairs();
        match (self.sort.as_deref().filter(|_| self.sorted()), key) {
            (Some(sort), Some(k)) => {
                parts.push(format!("sort={}", urlencode(sort)));
                parts.push(format!("after_key={}", urlencode(k)));
            }
            _ => parts.push(format!("after={after}")),
        }
        format!("?{}", parts.join("&"))
    }
}

#[derive(Template)]
#[template(path = "orgs.html")]
struct OrgsPage {
    tr: Tr,
    nav: Nav,
    title: String,
    can_create: bool,
    items: Vec<(i64, String, String, String)>,
    query: ListQuery,
    types: Vec<(String, String)>,
    next: Option<String>,
}

async fn orgs(State(st): State<AppState>, web: Web, Query(query): Query<ListQuery>) -> Response {
    let f = OrgFilter {
        org_type: query.org_type.as_deref().and_then(|t| t.parse().ok()),
        q: query.q.clone(),
        after: num(&query.after),
        by_name: query.sorted(),
        after_key: query.after_key.clone(),
        limit: 50,
        ..Default::default()
    };
    let page = match st.app.orgs(&web.auth.scope, &f).await {
        Ok(p) => p,
        Err(e) => return fail(web.tr, e),
    };
    let tr = web.tr;
    let type_label = |t: OrgType| {
        if tr.is_en() {
            t.label_en()
        } else {
            t.label_vi()
        }
        .to_string()
    };
    render(&OrgsPage {
        can_create: web.auth.scope.is_coordinator(),
        items: page
            .items
            .iter()
            .map(|o| {
                (
                    o.id,
                    o.data.short_name.to_string(),
                    o.data.name.to_string(),
                    type_label(o.data.org_type),
                )
            })
            .collect(),
        next: page
            .next
            .map(|n| query.next_href(n, page.next_key.as_deref())),
        types: OrgType::ALL
            .iter()
            .map(|t| (t.as_str().to_string(), type_label(*t)))
            .collect(),
        nav: web.nav("orgs"),
        title: tr.t("orgs").into(),
        tr,
        query,
    })
}

#[derive(Template)]
#[template(path = "org.html")]
struct OrgPage {
    tr: Tr,
    nav: Nav,
    title: String,
    can_edit: bool,
    can_delete: bool,
    o: Org,
    org_type: String,
    parent: String,
    systems: Vec<InfoSystem>,
}

async fn org(State(st): State<AppState>, web: Web, Path(id): Path<i64>) -> Response {
    let o = match st.app.org(&web.auth.scope, id).await {
        Ok(o) => o,
        Err(e) => return fail(web.tr, e),
    };
    let parent = match o.data.parent_id {
        Some(p) => st
            .app
            .org(&web.auth.scope, p)
            .await
            .map(|p| p.data.name.to_string())
            .unwrap_or_default(),
        None => String::new(),
    };
    let systems = st
        .app
        .systems(
            &web.auth.scope,
            &SystemFilter {
                owner_org_id: Some(id),
                limit: 200,
                ..Default::default()
            },
        )
        .await
        .map(|p| p.items)
        .unwrap_or_default();
    let tr = web.tr;
    render(&OrgPage {
        can_edit: web.auth.scope.may_edit_org(id),
        can_delete: web.auth.scope.is_coordinator(),
        org_type: if tr.is_en() {
            o.data.org_type.label_en()
        } else {
            o.data.org_type.label_vi()
        }
        .into(),
        title: o.data.name.to_string(),
        nav: web.nav("orgs"),
        tr,
        parent,
        systems,
        o,
    })
}

#[derive(Template)]
#[template(path = "assets.html")]
struct AssetsPage {
    tr: Tr,
    nav: Nav,
    title: String,
    items: Vec<Asset>,
    query: ListQuery,
    next: Option<String>,
}

async fn assets(State(st): State<AppState>, web: Web, Query(query): Query<ListQuery>) -> Response {
    let text = query.q.clone().unwrap_or_default();
    let (ip, q) = match domain::net::parse_ip(&text) {
        Ok(ip) => (Some(ip), None),
        Err(_) => (None, query.q.clone()),
    };
    let f = AssetFilter {
        system_id: num(&query.system_id),
        ip,
        q,
        after: num(&query.after),
        limit: 50,
        ..Default::default()
    };
    match st.app.assets(&web.auth.scope, &f).await {
        Ok(page) => render(&AssetsPage {
            tr: web.tr,
            nav: web.nav("assets"),
            title: web.tr.t("assets").into(),
            next: page
                .next
                .map(|n| query.next_href(n, page.next_key.as_deref())),
            items: page.items,
            query,
        }),
        Err(e) => fail(web.tr, e),
    }
}

#[derive(Template)]
#[template(path = "asset.html")]
struct AssetPage {
    tr: Tr,
    nav: Nav,
    title: String,
    can_edit: bool,
    a: Asset,
    /// Facts the vulnerability matcher cannot use, with the reason.
    gaps: Vec<String>,
}

async fn asset(State(st): State<AppState>, web: Web, Path(id): Path<i64>) -> Response {
    match st.app.asset(&web.auth.scope, id).await {
        Ok(a) => render(&AssetPage {
            tr: web.tr,
            nav: web.nav("assets"),
            title: a.data.hostname.to_string(),
            can_edit: web.auth.scope.may_edit_registry_of(&a.tenants()),
            gaps: app::vulns::match_gaps(&a)
                .iter()
                .map(|g| {
                    if web.tr.is_en() {
                        g.message_en()
                    } else {
                        g.message_vi()
                    }
                })
                .collect(),
            a,
        }),
        Err(e) => fail(web.tr, e),
    }
}

// ---- organisation and asset forms ----

/// One field of a record form.
struct Field {
    name: &'static str,
    label: String,
    kind: &'static str,
    value: String,
    options: Vec<(String, String)>,
    required: bool,
    hint: String,
}

#[derive(Template)]
#[template(path = "record_form.html")]
struct RecordForm {
    tr: Tr,
    nav: Nav,
    title: String,
    action: String,
    back: String,
    fields: Vec<Field>,
    errors: Vec<RowError>,
}

fn value_of(values: &[(String, String)], k: &str) -> String {
    values
        .iter()
        .filter(|(f, _)| f == k)
        .map(|(_, v)| v.as_str())
        .collect::<Vec<_>>()
        .join("; ")
}

fn text_field(
    tr: Tr,
    values: &[(String, String)],
    name: &'static str,
    label: &str,
    required: bool,
) -> Field {
    Field {
        name,
        label: tr.t(label).into(),
        kind: "text",
        value: value_of(values, name),
        options: vec![],
        required,
        hint: String::new(),
    }
}

fn render_form(
    web: &Web,
    active: &'static str,
    title: String,
    action: String,
    back: String,
    fields: Vec<Field>,
    errors: Vec<RowError>,
) -> Response {
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let mut r = render(&RecordForm {
        tr: web.tr,
        nav: web.nav(active),
        title,
        action,
        back,
        fields,
        errors,
    });
    *r.status_mut() = status;
    r
}

fn org_fields(
    tr: Tr,
    v: &[(String, String)],
    parents: Vec<(String, String)>,
    types: Vec<(String, String)>,
) -> Vec<Field> {
    let mut f = vec![
        text_field(tr, v, "short_name", "short_name", true),
        text_field(tr, v, "name", "name", true),
        Field {
            kind: "select",
            options: types,
            ..text_field(tr, v, "org_type", "org_type", true)
        },
        Field {
            kind: "select",
            options: parents,
            ..text_field(tr, v, "parent", "parent", false)
        },
        text_field(tr, v, "address", "address", false),
        text_field(tr, v, "contact_name", "contacts", false),
        text_field(tr, v, "contact_title", "contact_title", false),
        text_field(tr, v, "contact_phone", "contact_phone", false),
        text_field(tr, v, "contact_email", "email", false),
        text_field(tr, v, "duty_name", "duty_contact", false),
        text_field(tr, v, "duty_phone", "duty_phone", false),
        text_field(tr, v, "duty_email", "duty_email", false),
        Field {
            kind: "textarea",
            hint: tr.t("blocks_hint").into(),
            ..text_field(tr, v, "address_blocks", "address_blocks", false)
        },
        text_field(tr, v, "asns", "asns", false),
    ];
    f[12].value = f[12].value.replace("; ", "\n");
    f
}

fn org_values(o: &Org, orgs: &HashMap<i64, Org>) -> Vec<(String, String)> {
    let d = &o.data;
    let c = d.contacts.first();
    let duty = d.contact_24x7.as_ref();
    let opt = |v: Option<String>| v.unwrap_or_default();
    vec![
        ("short_name".into(), d.short_name.to_string()),
        ("name".into(), d.name.to_string()),
        ("org_type".into(), d.org_type.as_str().into()),
        ("parent".into(), short(orgs, d.parent_id)),
        ("address".into(), opt(d.address.clone())),
        ("contact_name".into(), opt(c.map(|c| c.name.to_string()))),
        ("contact_title".into(), opt(c.and_then(|c| c.title.clone()))),
        (
            "contact_phone".into(),
            opt(c.and_then(|c| c.phone.as_ref().map(|p| p.to_string()))),
        ),
        (
            "contact_email".into(),
            opt(c.and_then(|c| c.email.as_ref().map(|p| p.to_string()))),
        ),
        ("duty_name".into(), opt(duty.map(|c| c.name.to_string()))),
        (
            "duty_phone".into(),
            opt(duty.and_then(|c| c.phone.as_ref().map(|p| p.to_string()))),
        ),
        (
            "duty_email".into(),
            opt(duty.and_then(|c| c.email.as_ref().map(|p| p.to_string()))),
        ),
        (
            "address_blocks".into(),
            d.address_blocks
                .iter()
                .map(|b| b.to_string())
                .collect::<Vec<_>>()
                .join("\n"),
        ),
        (
            "asns".into(),
            d.asns
                .iter()
                .map(|a| a.to_string())
                .collect::<Vec<_>>()
                .join(" "),
        ),
    ]
}

async fn org_form(
    st: &AppState,
    web: &Web,
    title: String,
    action: String,
    back: String,
    values: Vec<(String, String)>,
    errors: Vec<RowError>,
) -> Response {
    let orgs = match org_map(st, web).await {
        Ok(o) => o,
        Err(e) => return fail(web.tr, e),
    };
    let tr = web.tr;
    let mut parents: Vec<(String, String)> = orgs
        .values()
        .map(|o| (o.data.short_name.to_string(), o.data.name.to_string()))
        .collect();
    parents.sort_by(|a, b| a.1.cmp(&b.1));
    let types = OrgType::ALL
        .iter()
        .map(|t| {
            (
                t.as_str().to_string(),
                if tr.is_en() {
                    t.label_en()
                } else {
                    t.label_vi()
                }
                .to_string(),
            )
        })
        .collect();
    render_form(
        web,
        "orgs",
        title,
        action,
        back,
        org_fields(tr, &values, parents, types),
        errors,
    )
}

async fn new_org(State(st): State<AppState>, web: Web) -> Response {
    if !web.auth.scope.is_coordinator() {
        return fail(web.tr, AppError::Forbidden("orgs".into()));
    }
    org_form(
        &st,
        &web,
        web.tr.t("new_org").into(),
        "/orgs/new".into(),
        "/orgs".into(),
        vec![("org_type".into(), "agency".into())],
        vec![],
    )
    .await
}

async fn create_org(
    State(st): State<AppState>,
    web: Web,
    Form(body): Form<Vec<(String, String)>>,
) -> Response {
    let (csrf, values) = fields(body);
    if let Some(r) = web.refuse_csrf(&csrf) {
        return r;
    }
    let (title, action, back) = (
        web.tr.t("new_org").to_string(),
        "/orgs/new".to_string(),
        "/orgs".to_string(),
    );
    match st.app.org_from_form(&web.auth.scope, &values).await {
        Ok(Ok(input)) => match st.app.create_org(&web.auth.scope, &input).await {
            Ok(o) => Redirect::to(&format!("/orgs/{}", o.id)).into_response(),
            Err(e @ AppError::Forbidden(_)) => fail(web.tr, e),
            Err(e) => org_form(&st, &web, title, action, back, values, app_errors(e)).await,
        },
        Ok(Err(errors)) => org_form(&st, &web, title, action, back, values, errors).await,
        Err(e) => fail(web.tr, e),
    }
}

async fn edit_org(State(st): State<AppState>, web: Web, Path(id): Path<i64>) -> Response {
    let o = match st.app.org(&web.auth.scope, id).await {
        Ok(o) if web.auth.scope.may_edit_org(id) => o,
        Ok(_) => return fail(web.tr, AppError::Forbidden("org".into())),
        Err(e) => return fail(web.tr, e),
    };
    let orgs = match org_map(&st, &web).await {
        Ok(o) => o,
        Err(e) => return fail(web.tr, e),
    };
    org_form(
        &st,
        &web,
        o.data.name.to_string(),
        format!("/orgs/{id}/edit"),
        format!("/orgs/{id}"),
        org_values(&o, &orgs),
        vec![],
    )
    .await
}

async fn update_org(
    State(st): State<AppState>,
    web: Web,
    Path(id): Path<i64>,
    Form(body): Form<Vec<(String, String)>>,
) -> Response {
    let (csrf, values) = fields(body);
    if let Some(r) = web.refuse_csrf(&csrf) {
        return r;
    }
    let (title, action, back) = (
        web.tr.t("edit").to_string(),
        format!("/orgs/{id}/edit"),
        format!("/orgs/{id}"),
    );
    match st.app.org_from_form(&web.auth.scope, &values).await {
        Ok(Ok(input)) => match st.app.update_org(&web.auth.scope, id, &input).await {
            Ok(_) => Redirect::to(&back).into_response(),
            Err(e @ (AppError::NotFound | AppError::Forbidden(_))) => fail(web.tr, e),
            Err(e) => org_form(&st, &web, title, action, back, values, app_errors(e)).await,
        },
        Ok(Err(errors)) => org_form(&st, &web, title, action, back, values, errors).await,
        Err(e) => fail(web.tr, e),
    }
}

async fn confirm_delete_org(State(st): State<AppState>, web: Web, Path(id): Path<i64>) -> Response {
    match st.app.org(&web.auth.scope, id).await {
        Ok(o) if web.auth.scope.is_coordinator() => render(&ConfirmPage {
            tr: web.tr,
            nav: web.nav("orgs"),
            title: web.tr.t("delete").into(),
            what: format!("{} — {}", o.data.short_name, o.data.name),
            action: format!("/orgs/{id}/delete"),
            back: format!("/orgs/{id}"),
        }),
        Ok(_) => fail(web.tr, AppError::Forbidden("delete".into())),
        Err(e) => fail(web.tr, e),
    }
}

async fn delete_org(
    State(st): State<AppState>,
    web: Web,
    Path(id): Path<i64>,
    Form(f): Form<CsrfForm>,
) -> Response {
    if let Some(r) = web.refuse_csrf(&f.csrf) {
        return r;
    }
    match st.app.delete_org(&web.auth.scope, id).await {
        Ok(()) => Redirect::to("/orgs").into_response(),
        Err(e) => fail(web.tr, e),
    }
}

fn asset_fields(tr: Tr, v: &[(String, String)]) -> Vec<Field> {
    let roles = domain::AssetRole::ALL
        .iter()
        .map(|r| {
            (
                r.as_str().to_string(),
                if tr.is_en() {
                    r.label_en()
                } else {
                    r.label_vi()
                }
                .to_string(),
            )
        })
        .collect();
    vec![
        text_field(tr, v, "hostname", "hostname", true),
        Field {
            kind: "select",
            options: roles,
            ..text_field(tr, v, "role", "role", true)
        },
        Field {
            hint: tr.t("list_hint").into(),
            ..text_field(tr, v, "ips", "ips", false)
        },
        Field {
            hint: tr.t("list_hint").into(),
            ..text_field(tr, v, "domains", "domains", false)
        },
        text_field(tr, v, "os_name", "os", false),
        text_field(tr, v, "os_version", "os_version", false),
        text_field(tr, v, "os_build", "os_build", false),
        Field {
            hint: tr.t("hardware_hint").into(),
            ..text_field(tr, v, "hardware", "hardware", false)
        },
        Field {
            kind: "textarea",
            hint: tr.t("software_hint").into(),
            ..text_field(tr, v, "software", "software", false)
        },
        text_field(tr, v, "modules", "modules", false),
        text_field(tr, v, "hotfixes", "hotfixes", false),
        text_field(tr, v, "kbs", "kbs", false),
        Field {
            kind: "textarea",
            ..text_field(tr, v, "notes", "notes", false)
        },
    ]
}

fn asset_values(a: &Asset) -> Vec<(String, String)> {
    let d = &a.data;
    let join = |v: Vec<String>, sep: &str| v.join(sep);
    vec![
        ("hostname".into(), d.hostname.to_string()),
        ("role".into(), d.role.as_str().into()),
        (
            "ips".into(),
            join(d.ips.iter().map(|i| i.to_string()).collect(), " "),
        ),
        (
            "domains".into(),
            join(d.domains.iter().map(|i| i.to_string()).collect(), " "),
        ),
        ("os_name".into(), d.os_name.clone().unwrap_or_default()),
        (
            "os_version".into(),
            d.os_version.clone().unwrap_or_default(),
        ),
        ("os_build".into(), d.os_build.clone().unwrap_or_default()),
        (
            "software".into(),
            join(d.software.iter().map(|i| i.to_string()).collect(), "\n"),
        ),
        ("modules".into(), d.modules.join(" ")),
        ("hotfixes".into(), d.hotfixes.join(" ")),
        (
            "kbs".into(),
            join(d.kbs.iter().map(|i| i.to_string()).collect(), " "),
        ),
        ("notes".into(), d.notes.clone().unwrap_or_default()),
    ]
}

async fn new_asset(State(st): State<AppState>, web: Web, Path(system_id): Path<i64>) -> Response {
    match st.app.system(&web.auth.scope, system_id).await {
        Ok(s) if web.auth.scope.may_edit_registry_of(&s.tenants()) => render_form(
            &web,
            "assets",
            format!("{} — {}", web.tr.t("new_asset"), s.data.code),
            format!("/systems/{system_id}/assets/new"),
            format!("/systems/{system_id}"),
            asset_fields(web.tr, &[("role".into(), "server".into())]),
            vec![],
        ),
        Ok(_) => fail(web.tr, AppError::Forbidden("asset".into())),
        Err(e) => fail(web.tr, e),
    }
}

async fn create_asset(
    State(st): State<AppState>,
    web: Web,
    Path(system_id): Path<i64>,
    Form(body): Form<Vec<(String, String)>>,
) -> Response {
    let (csrf, values) = fields(body);
    if let Some(r) = web.refuse_csrf(&csrf) {
        return r;
    }
    let (title, action, back) = (
        web.tr.t("new_asset").to_string(),
        format!("/systems/{system_id}/assets/new"),
        format!("/systems/{system_id}"),
    );
    match st.app.asset_from_form(system_id, &values) {
        Ok(input) => match st.app.create_asset(&web.auth.scope, &input).await {
            Ok(a) => Redirect::to(&format!("/assets/{}", a.id)).into_response(),
            Err(e @ (AppError::NotFound | AppError::Forbidden(_))) => fail(web.tr, e),
            Err(e) => render_form(
                &web,
                "assets",
                title,
                action,
                back,
                asset_fields(web.tr, &values),
                app_errors(e),
            ),
        },
        Err(errors) => render_form(
            &web,
            "assets",
            title,
            action,
            back,
            asset_fields(web.tr, &values),
            errors,
        ),
    }
}

async fn edit_asset(State(st): State<AppState>, web: Web, Path(id): Path<i64>) -> Response {
    match st.app.asset(&web.auth.scope, id).await {
        Ok(a) if web.auth.scope.may_edit_registry_of(&a.tenants()) => render_form(
            &web,
            "assets",
            a.data.hostname.to_string(),
            format!("/assets/{id}/edit"),
            format!("/assets/{id}"),
            asset_fields(web.tr, &asset_values(&a)),
            vec![],
        ),
        Ok(_) => fail(web.tr, AppError::Forbidden("asset".into())),
        Err(e) => fail(web.tr, e),
    }
}

async fn update_asset(
    State(st): State<AppState>,
    web: Web,
    Path(id): Path<i64>,
    Form(body): Form<Vec<(String, String)>>,
) -> Response {
    let (csrf, values) = fields(body);
    if let Some(r) = web.refuse_csrf(&csrf) {
        return r;
    }
    let before = match st.app.asset(&web.auth.scope, id).await {
        Ok(a) => a,
        Err(e) => return fail(web.tr, e),
    };
    let (title, action, back) = (
        web.tr.t("edit").to_string(),
        format!("/assets/{id}/edit"),
        format!("/assets/{id}"),
    );
    match st.app.asset_from_form(before.data.system_id, &values) {
        Ok(input) => match st.app.update_asset(&web.auth.scope, id, &input).await {
            Ok(_) => Redirect::to(&back).into_response(),
            Err(e @ (AppError::NotFound | AppError::Forbidden(_))) => fail(web.tr, e),
            Err(e) => render_form(
                &web,
                "assets",
                title,
                action,
                back,
                asset_fields(web.tr, &values),
                app_errors(e),
            ),
        },
        Err(errors) => render_form(
            &web,
            "assets",
            title,
            action,
            back,
            asset_fields(web.tr, &values),
            errors,
        ),
    }
}

async fn confirm_delete_asset(
    State(st): State<AppState>,
    web: Web,
    Path(id): Path<i64>,
) -> Response {
    match st.app.asset(&web.auth.scope, id).await {
        Ok(a) if web.auth.scope.may_edit_registry_of(&a.tenants()) => render(&ConfirmPage {
            tr: web.tr,
            nav: web.nav("assets"),
            title: web.tr.t("delete").into(),
            what: a.data.hostname.to_string(),
            action: format!("/assets/{id}/delete"),
            back: format!("/assets/{id}"),
        }),
        Ok(_) => fail(web.tr, AppError::Forbidden("delete".into())),
        Err(e) => fail(web.tr, e),
    }
}

async fn delete_asset(
    State(st): State<AppState>,
    web: Web,
    Path(id): Path<i64>,
    Form(f): Form<CsrfForm>,
) -> Response {
    if let Some(r) = web.refuse_csrf(&f.csrf) {
        return r;
    }
    let system = st
        .app
        .asset(&web.auth.scope, id)
        .await
        .map(|a| a.data.system_id);
    match st.app.delete_asset(&web.auth.scope, id).await {
        Ok(()) => Redirect::to(
            &system
                .map(|s| format!("/systems/{s}"))
                .unwrap_or_else(|_| "/assets".into()),
        )
        .into_response(),
        Err(e) => fail(web.tr, e),
    }
}

// ---- import ----

#[derive(Template)]
#[template(path = "import.html")]
struct ImportPage {
    tr: Tr,
    nav: Nav,
    title: String,
    kind: String,
    report: Option<ImportReport>,
    stash: String,
    keep_valid: bool,
    kinds: Vec<(String, String)>,
}

fn kinds(tr: Tr) -> Vec<(String, String)> {
    vec![
        ("systems".into(), tr.t("systems").into()),
        ("assets".into(), tr.t("assets").into()),
        ("orgs".into(), tr.t("orgs").into()),
        ("blocks".into(), tr.t("address_blocks").into()),
    ]
}

async fn import_form(web: Web) -> Response {
    render(&ImportPage {
        tr: web.tr,
        nav: web.nav("import"),
        title: web.tr.t("import").into(),
        kind: "systems".into(),
        report: None,
        stash: String::new(),
        keep_valid: false,
        kinds: kinds(web.tr),
    })
}

/// Uploads a file and shows what importing it would do, writing nothing.
async fn import_upload(State(st): State<AppState>, web: Web, mp: Multipart) -> Response {
    let up = match super::read_upload(mp).await {
        Ok(u) => u,
        Err(e) => return fail(web.tr, e),
    };
    if let Some(r) = web.refuse_csrf(up.field("csrf")) {
        return r;
    }
    let kind = up.field("kind").to_string();
    let keep_valid = !up.field("keep_valid").is_empty();
    let (name, bytes) = (up.file_name, up.bytes);
    let Ok(k) = kind.parse::<Kind>() else {
        return fail(web.tr, AppError::Invalid(one_error("kind", "unknown kind")));
    };
    let report = match st
        .app
        .import(
            &web.auth.scope,
            k,
            &name,
            &bytes,
            ImportMode {
                keep_valid,
                dry_run: true,
            },
        )
        .await
    {
        Ok(r) => r,
        Err(e) => return fail(web.tr, e),
    };
    let stash = st.uploads.put(
        web.auth.scope.actor.to_string(),
        Purpose::Registry(k),
        name,
        bytes,
    );
    let status = if report.rejected.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let mut r = render(&ImportPage {
        tr: web.tr,
        nav: web.nav("import"),
        title: web.tr.t("preview").into(),
        kind,
        report: Some(report),
        stash,
        keep_valid,
        kinds: kinds(web.tr),
    });
    *r.status_mut() = status;
    r
}

fn one_error(field: &str, reason: &str) -> domain::FieldErrors {
    let mut e = domain::FieldErrors::default();
    e.push(field, reason);
    e
}

#[derive(Deserialize)]
struct ConfirmForm {
    #[serde(default)]
    csrf: String,
    stash: String,
    #[serde(default)]
    keep_valid: Option<String>,
}

/// Writes a previewed upload.
async fn import_confirm(
    State(st): State<AppState>,
    web: Web,
    Form(f): Form<ConfirmForm>,
) -> Response {
    if let Some(r) = web.refuse_csrf(&f.csrf) {
        return r;
    }
    let Some((Purpose::Registry(kind), name, bytes)) =
        st.uploads.take(&web.auth.scope.actor.to_string(), &f.stash)
    else {
        return fail(web.tr, AppError::NotFound);
    };
    let keep_valid = f.keep_valid.is_some();
    match st
        .app
        .import(
            &web.auth.scope,
            kind,
            &name,
            &bytes,
            ImportMode {
                keep_valid,
                dry_run: false,
            },
        )
        .await
    {
        Ok(report) => render(&ImportPage {
            tr: web.tr,
            nav: web.nav("import"),
            title: web.tr.t("import").into(),
            kind: String::new(),
            report: Some(report),
            stash: String::new(),
            keep_valid,
            kinds: kinds(web.tr),
        }),
        Err(e) => fail(web.tr, e),
    }
}

// ---- administration ----

#[derive(Template)]
#[template(path = "users.html")]
struct UsersPage {
    tr: Tr,
    nav: Nav,
    title: String,
    users: Vec<(User, String)>,
    orgs: Vec<(i64, String)>,
    roles: Vec<(String, String)>,
    shown_once: Option<(String, String)>,
    errors: Vec<String>,
}

async fn users_page(
    st: &AppState,
    web: &Web,
    shown_once: Option<(String, String)>,
    errors: Vec<String>,
) -> Response {
    let scope = &web.auth.scope;
    let orgs = match org_map(st, web).await {
        Ok(o) => o,
        Err(e) => return fail(web.tr, e),
    };
    let users = match st.app.users(scope, None, None, 1000).await {
        Ok(p) => p.items,
        Err(e) => return fail(web.tr, e),
    };
    let tr = web.tr;
    render(&UsersPage {
        users: users
            .into_iter()
            .map(|u| {
                let o = short(&orgs, Some(u.org_id));
                (u, o)
            })
            .collect(),
        orgs: sorted_names(&orgs, |o| scope.may_manage_users_of(o.id)),
        roles: role_options(tr, scope),
        shown_once,
        nav: web.nav("admin"),
        title: tr.t("users").into(),
        tr,
        errors,
    })
}

/// The roles the scope may grant, labelled in the reader's language.
fn role_options(tr: Tr, scope: &domain::Scope) -> Vec<(String, String)> {
    // Only roles the scope covers, the least powerful first (the form's default).
    let mut roles: Vec<&Role> = Role::ALL
        .iter()
        .filter(|r| scope.role.covers(**r) && **r != Role::Sensor)
        .collect();
    roles.sort_by_key(|r| r.capabilities().len());
    roles
        .into_iter()
        .map(|r| {
            (
                r.as_str().to_string(),
                if tr.is_en() {
                    r.label_en()
                } else {
                    r.label_vi()
                }
                .to_string(),
            )
        })
        .collect()
}

async fn users(State(st): State<AppState>, web: Web) -> Response {
    users_page(&st, &web, None, vec![]).await
}

#[derive(Deserialize)]
struct NewUserForm {
    #[serde(default)]
    csrf: String,
    username: String,
    display_name: String,
    #[serde(default)]
    email: String,
    org_id: i64,
    role: String,
}

async fn create_user(State(st): State<AppState>, web: Web, Form(f): Form<NewUserForm>) -> Response {
    if let Some(r) = web.refuse_csrf(&f.csrf) {
        return r;
    }
    let Ok(role) = f.role.parse::<Role>() else {
        return users_page(&st, &web, None, vec![format!("role: {}", f.role)]).await;
    };
    let req = app::accounts::CreateUser {
        username: f.username,
        display_name: f.display_name,
        email: Some(f.email).filter(|e| !e.trim().is_empty()),
        org_id: f.org_id,
        role,
        password: None,
        must_change_password: true,
    };
    match st.app.create_user(&web.auth.scope, &req).await {
        Ok((u, Some(p))) => users_page(&st, &web, Some((u.username, p)), vec![]).await,
        Ok((_, None)) => Redirect::to("/admin/users").into_response(),
        Err(AppError::Invalid(errs)) => {
            users_page(
                &st,
                &web,
                None,
                errs.0.iter().map(|e| e.to_string()).collect(),
            )
            .await
        }
        Err(AppError::Conflict(why)) => users_page(&st, &web, None, vec![why]).await,
        Err(e) => fail(web.tr, e),
    }
}

#[derive(Deserialize)]
struct RoleForm {
    #[serde(default)]
    csrf: String,
    role: String,
}

async fn user_role(
    State(st): State<AppState>,
    web: Web,
    Path(id): Path<i64>,
    Form(f): Form<RoleForm>,
) -> Response {
    if let Some(r) = web.refuse_csrf(&f.csrf) {
        return r;
    }
    let Ok(role) = f.role.parse::<Role>() else {
        return users_page(&st, &web, None, vec![format!("role: {}", f.role)]).await;
    };
    match st.app.set_user_role(&web.auth.scope, id, role).await {
        Ok(()) => Redirect::to("/admin/users").into_response(),
        Err(AppError::Conflict(why)) => users_page(&st, &web, None, vec![why]).await,
        Err(e) => fail(web.tr, e),
    }
}

async fn user_action(
    State(st): State<AppState>,
    web: Web,
    Path((id, action)): Path<(i64, String)>,
    Form(f): Form<CsrfForm>,
) -> Response {
    if let Some(r) = web.refuse_csrf(&f.csrf) {
        return r;
    }
    let scope = &web.auth.scope;
    let result = match action.as_str() {
        "disable" => st
            .app
            .set_user_disabled(scope, id, true)
            .await
            .map(|_| None),
        "enable" => st
            .app
            .set_user_disabled(scope, id, false)
            .await
            .map(|_| None),
        "reset" => st.app.reset_password(scope, id).await.map(Some),
        "totp-off" => st.app.disable_totp(scope, id).await.map(|_| None),
        _ => Err(AppError::NotFound),
    };
    match result {
        Ok(None) => Redirect::to("/admin/users").into_response(),
        Ok(Some(p)) => {
            let name = st
                .app
                .users(scope, None, None, 1000)
                .await
                .ok()
                .and_then(|pg| pg.items.into_iter().find(|u| u.id == id))
                .map(|u| u.username)
                .unwrap_or_default();
            users_page(&st, &web, Some((name, p)), vec![]).await
        }
        Err(AppError::Conflict(why)) => users_page(&st, &web, None, vec![why]).await,
        Err(e) => fail(web.tr, e),
    }
}

#[derive(Template)]
#[template(path = "tokens.html")]
struct TokensPage {
    tr: Tr,
    nav: Nav,
    title: String,
    tokens: Vec<(ApiToken, String)>,
    orgs: Vec<(i64, String)>,
    roles: Vec<(String, String)>,
    secret: Option<String>,
    errors: Vec<String>,
}

async fn tokens_page(
    st: &AppState,
    web: &Web,
    secret: Option<String>,
    errors: Vec<String>,
) -> Response {
    let scope = &web.auth.scope;
    let orgs = match org_map(st, web).await {
        Ok(o) => o,
        Err(e) => return fail(web.tr, e),
    };
    let tokens = match st.app.tokens(scope).await {
        Ok(t) => t,
        Err(e) => return fail(web.tr, e),
    };
    let tr = web.tr;
    render(&TokensPage {
        tokens: tokens
            .into_iter()
            .map(|t| {
                let o = short(&orgs, Some(t.org_id));
                (t, o)
            })
            .collect(),
        orgs: sorted_names(&orgs, |o| scope.may_manage_users_of(o.id)),
        roles: role_options(tr, scope),
        secret,
        nav: web.nav("admin"),
        title: tr.t("tokens").into(),
        tr,
        errors,
    })
}

async fn tokens(State(st): State<AppState>, web: Web) -> Response {
    tokens_page(&st, &web, None, vec![]).await
}

#[derive(Deserialize)]
struct NewTokenForm {
    #[serde(default)]
    csrf: String,
    name: String,
    org_id: i64,
    role: String,
    valid_days: i64,
}

async fn create_token(
    State(st): State<AppState>,
    web: Web,
    Form(f): Form<NewTokenForm>,
) -> Response {
    if let Some(r) = web.refuse_csrf(&f.csrf) {
        return r;
    }
    let Ok(role) = f.role.parse::<Role>() else {
        return tokens_page(&st, &web, None, vec![format!("role: {}", f.role)]).await;
    };
    let req = app::accounts::CreateToken {
        name: f.name,
        org_id: f.org_id,
        role,
        valid_days: f.valid_days,
    };
    match st.app.create_token(&web.auth.scope, &req).await {
        Ok((_, secret)) => tokens_page(&st, &web, Some(secret), vec![]).await,
        Err(AppError::Invalid(errs)) => {
            tokens_page(
                &st,
                &web,
                None,
                errs.0.iter().map(|e| e.to_string()).collect(),
            )
            .await
        }
        Err(e) => fail(web.tr, e),
    }
}

async fn revoke_token(
    State(st): State<AppState>,
    web: Web,
    Path(id): Path<i64>,
    Form(f): Form<CsrfForm>,
) -> Response {
    if let Some(r) = web.refuse_csrf(&f.csrf) {
        return r;
    }
    match st.app.revoke_token(&web.auth.scope, id).await {
        Ok(()) => Redirect::to("/admin/tokens").into_response(),
        Err(e) => fail(web.tr, e),
    }
}

#[derive(Deserialize, Default)]
struct AuditQuery {
    entity: Option<String>,
    actor: Option<String>,
    action: Option<String>,
    before_id: Option<String>,
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    tr: Tr,
    nav: Nav,
    title: String,
    records: Vec<AuditRecord>,
    chain: Option<ChainReport>,
    entity: String,
    actor: String,
    action: String,
    next: Option<String>,
}

impl AuditPage {
    fn when(&self, r: &AuditRecord) -> String {
        app::registry::format_vn_time(r.at)
    }
    fn checkpoint_when(&self, c: &domain::audit::Checkpoint) -> String {
        app::registry::format_vn_time(c.at)
    }
}

async fn audit(State(st): State<AppState>, web: Web, Query(q): Query<AuditQuery>) -> Response {
    let nonempty = |v: &Option<String>| v.clone().filter(|s| !s.trim().is_empty());
    let f = AuditFilter {
        entity: nonempty(&q.entity),
        actor: nonempty(&q.actor),
        action: nonempty(&q.action),
        before_id: num(&q.before_id),
        entity_id: None,
        limit: 100,
    };
    let page = match st.app.audit_log(&web.auth.scope, &f).await {
        Ok(p) => p,
        Err(e) => return fail(web.tr, e),
    };
    // Only province-wide readers may verify the whole chain.
    let chain = st.app.verify_audit(&web.auth.scope).await.ok();
    let next = page.next.map(|n| {
        format!(
            "?before_id={n}&entity={}&actor={}&action={}",
            urlencode(f.entity.as_deref().unwrap_or("")),
            urlencode(f.actor.as_deref().unwrap_or("")),
            urlencode(f.action.as_deref().unwrap_or(""))
        )
    });
    render(&AuditPage {
        tr: web.tr,
        nav: web.nav("admin"),
        title: web.tr.t("audit").into(),
        records: page.items,
        chain,
        entity: f.entity.unwrap_or_default(),
        actor: f.actor.unwrap_or_default(),
        action: f.action.unwrap_or_default(),
        next,
    })
}
