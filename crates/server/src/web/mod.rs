//! The web console: server-rendered pages (askama templates compiled into the
//! binary) that work without JavaScript. Every page calls the same use cases,
//! with the same scope, as the API; there is no second path to the data.

mod alerts;
mod botnet;
mod charts;
mod directives;
pub(crate) mod duty;
mod events;
mod form_errors;
mod i18n;
mod incidents;
mod indicator_feeds;
mod pages;
mod reports;
mod rules;
mod sensors;
mod uploads;
mod vulns;

pub use uploads::{Purpose, Uploads};

use crate::auth::{cookie_value, SESSION_COOKIE};
use crate::AppState;
use app::accounts::{Authenticated, Gate};
use app::AppError;
use askama::Template;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::Router;
pub use i18n::{Lang, Tr};

pub const LANG_COOKIE: &str = "canhgac_lang";
/// Double-submit token that protects the sign-in form, before any session exists.
pub const PRE_CSRF_COOKIE: &str = "canhgac_pre";

pub fn router() -> Router<AppState> {
    pages::router()
        .merge(botnet::router())
        .merge(vulns::router())
        .merge(duty::router())
        .merge(incidents::router())
        .merge(directives::router())
        .merge(reports::router())
        .merge(alerts::router())
        .merge(sensors::router())
        .merge(events::router())
        .merge(rules::router())
        .merge(indicator_feeds::router())
        .fallback(not_found)
}

/// Any path the console does not have: a Vietnamese 404 page inside the
/// layout, with the menu when someone is signed in.
async fn not_found(web: Result<Web, Response>, Reader(tr, _): Reader) -> Response {
    let nav = web.as_ref().map(|w| w.nav("")).unwrap_or_default();
    let page = ErrorPage {
        tr,
        nav,
        title: tr.t("page_not_found").to_string(),
        message: tr.t("not_found").to_string(),
        details: Vec::new(),
    };
    let mut r = render(&page);
    *r.status_mut() = StatusCode::NOT_FOUND;
    r
}

/// Refusals that come before a handler runs (a form that cannot be read, a
/// path whose number is not one) are plain text; in the console they become
/// the error page inside the layout, with the menu, in the reader's language.
pub async fn framed_refusals(
    axum::extract::State(st): axum::extract::State<AppState>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let (method, uri, headers) = (
        req.method().clone(),
        req.uri().clone(),
        req.headers().clone(),
    );
    let r = next.run(req).await;
    let plain = r
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/plain"));
    if !(r.status().is_client_error() && plain) {
        return r;
    }
    let status = r.status();
    let (mut parts, ()) = axum::http::Request::new(()).into_parts();
    parts.method = method;
    parts.uri = uri;
    parts.headers = headers;
    let tr = Tr(Lang::from_cookie(cookie_value(&parts, LANG_COOKIE)));
    let nav = match Web::from_request_parts(&mut parts, &st).await {
        Ok(w) => w.nav(""),
        Err(_) => Nav::default(),
    };
    let page = ErrorPage {
        tr,
        nav,
        title: tr.t("error").to_string(),
        message: tr.t("unreadable_request").to_string(),
        details: Vec::new(),
    };
    let mut out = render(&page);
    *out.status_mut() = status;
    out
}

/// What every page's frame shows: who is signed in, the CSRF token for its
/// forms, which menu entry is current.
#[derive(Debug, Clone, Default)]
pub struct Nav {
    pub signed_in: bool,
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub csrf: String,
    pub admin: bool,
    /// The province's coordinator (detection rules, national settings).
    pub coordinator: bool,
    /// May read the operators' address prefixes.
    pub prefixes: bool,
    pub active: &'static str,
    /// Where the language switch brings the reader back to.
    pub here: String,
    /// The coordinating organisation: the Department and its province.
    pub department: String,
    /// The page on this site the request came from (the form of a refused
    /// post), when the browser says so.
    pub from: String,
}

fn full_path(parts: &Parts) -> String {
    parts
        .extensions
        .get::<axum::extract::OriginalUri>()
        .map(|u| u.0.clone())
        .unwrap_or_else(|| parts.uri.clone())
        .path_and_query()
        .map(|p| p.to_string())
        .unwrap_or_else(|| "/".into())
}

/// The reader's language, for pages anyone may open.
pub struct Reader(pub Tr, pub String);

impl FromRequestParts<AppState> for Reader {
    type Rejection = Response;
    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, Response> {
        Ok(Reader(
            Tr(Lang::from_cookie(cookie_value(parts, LANG_COOKIE))),
            full_path(parts),
        ))
    }
}

/// A signed-in person on a console page. Without a session the page
/// redirects to sign-in; with a password that must change, to the change form.
pub struct Web {
    pub auth: Authenticated,
    pub tr: Tr,
    pub nav: Nav,
}

impl FromRequestParts<AppState> for Web {
    type Rejection = Response;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let tr = Tr(Lang::from_cookie(cookie_value(parts, LANG_COOKIE)));
        let here = full_path(parts);
        let to_login =
            || Redirect::to(&format!("/login?next={}", urlencode(&here))).into_response();
        let Some(secret) = cookie_value(parts, SESSION_COOKIE) else {
            return Err(to_login());
        };
        let (auth, gate) = match state.app.session(secret).await {
            Ok(s) => s,
            Err(AppError::Unauthenticated) => return Err(to_login()),
            Err(e) => return Err(error_page(tr, e)),
        };
        // A second line behind the forms' CSRF token.
        let safe = [axum::http::Method::GET, axum::http::Method::HEAD].contains(&parts.method);
        if !safe && !crate::auth::same_origin(&parts.headers) {
            return Err(error_page(
                tr,
                AppError::Forbidden("cross-origin request".into()),
            ));
        }
        // Until the session is fully open, only the page that opens it.
        let allowed = |prefixes: &[&str]| prefixes.iter().any(|p| here.starts_with(p));
        let detour = match gate {
            Gate::Open => None,
            Gate::SecondFactor if !allowed(&["/login/totp", "/logout"]) => Some("/login/totp"),
            Gate::ChangePassword if !allowed(&["/password", "/logout"]) => Some("/password"),
            Gate::EnrolSecondFactor if !allowed(&["/account/totp", "/logout"]) => {
                Some("/account/totp")
            }
            _ => None,
        };
        if let Some(to) = detour {
            return Err(Redirect::to(to).into_response());
        }
        let Some(user) = auth.user.clone() else {
            return Err(to_login());
        };
        let nav = Nav {
            signed_in: true,
            username: user.username.clone(),
            display_name: user.display_name.clone(),
            role: if tr.is_en() {
                user.role.label_en()
            } else {
                user.role.label_vi()
            }
            .to_string(),
            csrf: auth.csrf_token.clone().unwrap_or_default(),
            admin: auth.scope.may(domain::Capability::ReadAdministration),
            coordinator: auth.scope.sees_province()
                && auth.scope.may(domain::Capability::Coordinate),
            prefixes: auth.scope.may(domain::Capability::ReadPrefixes),
            active: "",
            from: referer_path(parts).unwrap_or_default(),
            department: state.app.department_name().await.unwrap_or_default(),
            here,
        };
        Ok(Web { auth, tr, nav })
    }
}

impl Web {
    pub fn nav(&self, active: &'static str) -> Nav {
        Nav {
            active,
            ..self.nav.clone()
        }
    }

    /// A refusal or failure as a page inside the layout, with the menu; a
    /// form's errors named by the fields' labels, in the reader's language.
    pub fn fail(&self, e: AppError) -> Response {
        error_response(self.tr, self.nav(""), e)
    }

    /// Every form posts the session's CSRF token; the refusal page for a
    /// form that does not.
    pub fn refuse_csrf(&self, sent: &str) -> Option<Response> {
        match &self.auth.csrf_token {
            Some(t) if !sent.is_empty() && t == sent => None,
            _ => Some(self.fail(AppError::Forbidden("CSRF".into()))),
        }
    }
}

/// A form that carries nothing but the CSRF token (a button).
#[derive(serde::Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    pub csrf: String,
}

/// A multipart form's text fields and its one file (name and bytes).
pub struct Upload {
    pub fields: std::collections::HashMap<String, String>,
    pub file_name: String,
    pub bytes: Vec<u8>,
}

impl Upload {
    pub fn field(&self, name: &str) -> &str {
        self.fields
            .get(name)
            .map(String::as_str)
            .unwrap_or_default()
    }
}

/// Reads an upload form; a body over the limit or a broken form is an
/// error naming the file field.
pub async fn read_upload(mut mp: axum::extract::Multipart) -> Result<Upload, AppError> {
    let broken = |reason: String| {
        let mut e = domain::FieldErrors::default();
        e.push("file", reason);
        AppError::Invalid(e)
    };
    let mut up = Upload {
        fields: Default::default(),
        file_name: String::new(),
        bytes: Vec::new(),
    };
    while let Some(field) = mp.next_field().await.map_err(|e| broken(e.body_text()))? {
        let name = field.name().unwrap_or_default().to_string();
        if name == "file" {
            up.file_name = field.file_name().unwrap_or("upload").to_string();
            up.bytes = field
                .bytes()
                .await
                .map_err(|e| broken(e.body_text()))?
                .to_vec();
        } else {
            let text = field.text().await.unwrap_or_default();
            up.fields.insert(name, text);
        }
    }
    Ok(up)
}

pub fn urlencode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

pub fn render<T: Template>(t: &T) -> Response {
    match t.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "template error").into_response()
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    tr: Tr,
    nav: Nav,
    title: String,
    message: String,
    /// One line per field of a refused form.
    details: Vec<String>,
}

/// A refusal or failure as a page, with the status the API would give.
/// A console page for a request that makes no sense (400), with the menu.
pub fn bad_request_page(tr: Tr, message: String) -> Response {
    let page = ErrorPage {
        tr,
        nav: Nav::default(),
        title: tr.t("error").to_string(),
        message,
        details: Vec::new(),
    };
    let mut r = render(&page);
    *r.status_mut() = StatusCode::BAD_REQUEST;
    r
}

/// A path on this site to send the browser back to (`None` or empty: the
/// dashboard), or `None` when the text is not one. Browsers drop tabs and
/// newlines inside URLs and read `\` as `/`, so `/\t/evil.example` or
/// `/\evil.example` lead to another host: only visible ASCII that needs no
/// such repair is accepted, with no backslash, and neither `//` nor `/\` at
/// the start — and the same again after percent-decoding, for the encoded
/// forms.
pub fn local_path(path: Option<&str>) -> Option<String> {
    let p = match path {
        None | Some("") => return Some("/dashboard".into()),
        Some(p) => p,
    };
    fn plain(b: &[u8]) -> bool {
        b.first() == Some(&b'/')
            && !matches!(b.get(1), Some(b'/' | b'\\'))
            && b.iter().all(|c| (0x21..0x7f).contains(c) && *c != b'\\')
    }
    let decoded = percent_decode(p.as_bytes());
    (plain(p.as_bytes()) && plain(&decoded)).then(|| p.to_string())
}

fn percent_decode(b: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        match (
            b[i],
            b.get(i + 1).copied().and_then(hex),
            b.get(i + 2).copied().and_then(hex),
        ) {
            (b'%', Some(h), Some(l)) => {
                out.push((h * 16 + l) as u8);
                i += 3;
            }
            (c, _, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    out
}

/// The path of the Referer header when it names a page of this site.
fn referer_path(parts: &Parts) -> Option<String> {
    let r = parts.headers.get(header::REFERER)?.to_str().ok()?;
    let host = parts.headers.get(header::HOST)?.to_str().ok()?;
    let rest = r
        .strip_prefix("http://")
        .or_else(|| r.strip_prefix("https://"))?;
    let path = rest.strip_prefix(host)?;
    local_path(Some(path)).filter(|p| p.starts_with('/'))
}

/// A refusal or failure as a page without the menu (before sign-in).
pub fn error_page(tr: Tr, e: AppError) -> Response {
    error_response(tr, Nav::default(), e)
}

fn error_response(tr: Tr, nav: Nav, e: AppError) -> Response {
    let mut details = Vec::new();
    let (status, message) = match &e {
        AppError::NotFound => (StatusCode::NOT_FOUND, tr.t("not_found").to_string()),
        AppError::Forbidden(_) => (StatusCode::FORBIDDEN, tr.t("forbidden").to_string()),
        AppError::Invalid(errs) => {
            details = form_errors::describe(tr, errs);
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                tr.t("form_refused").to_string(),
            )
        }
        AppError::Conflict(why) => (StatusCode::CONFLICT, form_errors::reason(tr, why)),
        AppError::TooLarge(why) => (StatusCode::PAYLOAD_TOO_LARGE, form_errors::reason(tr, why)),
        AppError::Busy => (StatusCode::TOO_MANY_REQUESTS, e.to_string()),
        AppError::Unauthenticated => return Redirect::to("/login").into_response(),
        AppError::Throttled { until } => (
            StatusCode::TOO_MANY_REQUESTS,
            format!(
                "{} {}.",
                tr.t("throttled"),
                app::registry::format_vn_time(*until)
            ),
        ),
        AppError::Locked { .. } | AppError::PasswordChangeRequired => {
            return Redirect::to("/password").into_response()
        }
        AppError::SecondFactorRequired => return Redirect::to("/login/totp").into_response(),
        AppError::SecondFactorEnrolmentRequired => {
            return Redirect::to("/account/totp").into_response()
        }
        AppError::Internal(cause) => {
            tracing::error!(%cause, "internal error");
            (StatusCode::INTERNAL_SERVER_ERROR, tr.t("error").to_string())
        }
    };
    let page = ErrorPage {
        tr,
        nav,
        title: tr.t("error").to_string(),
        message,
        details,
    };
    let mut r = render(&page);
    *r.status_mut() = status;
    r
}

pub fn static_file(path: &str) -> Option<(&'static str, &'static [u8])> {
    match path {
        "app.css" => Some((
            "text/css; charset=utf-8",
            include_bytes!("../../static/app.css"),
        )),
        "app.js" => Some((
            "text/javascript; charset=utf-8",
            include_bytes!("../../static/app.js"),
        )),
        _ => None,
    }
}

pub fn cookie(name: &str, value: &str, tls: bool, max_age: i64) -> HeaderValue {
    let secure = if tls { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{name}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}{secure}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static(""))
}

pub fn with_cookies(mut r: Response, cookies: Vec<HeaderValue>) -> Response {
    for c in cookies {
        r.headers_mut().append(header::SET_COOKIE, c);
    }
    r
}

#[cfg(test)]
mod tests {
    #[test]
    fn redirects_stay_on_this_site() {
        let local = super::local_path;
        assert_eq!(local(Some("/systems?level=3")).unwrap(), "/systems?level=3");
        assert_eq!(local(None).unwrap(), "/dashboard");
        assert_eq!(local(Some("")).unwrap(), "/dashboard");
        for bad in [
            "//evil.example",
            "https://evil.example",
            "/\tevil.example",
            "/\t/evil.example",
            "/\\evil.example",
            "\\\\evil.example",
            "/%09/evil.example",
            "/%2F/evil.example",
            "/%5Cevil.example",
            "/%0d%0aSet-Cookie:%20x=1",
            "/\r\nSet-Cookie: x=1",
            "/ok path",
            "evil.example",
            "javascript:alert(1)",
            "/ok\u{202e}",
        ] {
            assert_eq!(local(Some(bad)), None, "{bad:?}");
        }
    }
}
