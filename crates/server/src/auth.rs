//! Who is calling: a session (cookie or bearer) or a machine token.

use crate::error::ApiError;
use crate::AppState;
use app::accounts::{Authenticated, Gate};
use app::AppError;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, Method};

pub const SESSION_COOKIE: &str = "canhgac_session";
pub const CSRF_HEADER: &str = "x-csrf-token";

/// Paths a session whose password must change may still use.
const PASSWORD_CHANGE_PATHS: &[&str] = &[
    "/api/v1/auth/password",
    "/api/v1/auth/logout",
    "/api/v1/auth/me",
];
/// Paths a session still owing its TOTP code may use.
const SECOND_FACTOR_PATHS: &[&str] = &["/api/v1/auth/totp", "/api/v1/auth/logout"];
/// Paths a session that must set up a second factor may use (set-up is in the console).
const ENROL_PATHS: &[&str] = &["/api/v1/auth/logout", "/api/v1/auth/me"];

/// The authenticated caller of a request.
pub struct Caller(pub Authenticated);

pub fn cookie_value<'a>(parts: &'a Parts, name: &str) -> Option<&'a str> {
    cookie_in(&parts.headers, name)
}

/// The value of cookie `name` among a request's headers.
pub fn cookie_in<'a>(headers: &'a axum::http::HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// Whether a request that changes something came from this site, as far as
/// the browser says: a second line behind the CSRF token for cookie
/// sessions. `Sec-Fetch-Site` (sent by current browsers) must not be
/// `cross-site` or `same-site`, and an `Origin` header, when present and not
/// `null`, must name the host the request was sent to. Clients that send neither
/// (command-line tools) pass; they carry the CSRF token anyway.
pub fn same_origin(headers: &axum::http::HeaderMap) -> bool {
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    if matches!(text("sec-fetch-site"), Some("cross-site" | "same-site")) {
        return false;
    }
    match text("origin") {
        // Browsers send `Origin: null` for every POST of a page whose
        // referrer policy is `no-referrer` (ours): `Sec-Fetch-Site`, checked
        // above, then tells where the request came from.
        None | Some("null") => true,
        Some(origin) => {
            let host = text("host").unwrap_or_default();
            let authority = origin
                .strip_prefix("https://")
                .or_else(|| origin.strip_prefix("http://"));
            authority.is_some_and(|a| !host.is_empty() && a.eq_ignore_ascii_case(host))
        }
    }
}

fn bearer(parts: &Parts) -> Option<&str> {
    parts
        .headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
}

/// Refuses a caller whose role lacks the capability the matched operation
/// needs (`openapi::OPERATIONS`). A route missing from the table is refused
/// too: every endpoint must say who may call it.
fn check_capability(parts: &Parts, auth: &Authenticated) -> Result<(), ApiError> {
    let Some(template) = parts.extensions.get::<axum::extract::MatchedPath>() else {
        return Err(AppError::Internal("no matched route".into()).into());
    };
    let template = template.as_str();
    let template = template.strip_prefix("/api/v1").unwrap_or(template);
    let method = if parts.method == Method::HEAD {
        "get"
    } else {
        parts.method.as_str()
    };
    match crate::openapi::operation(method, template) {
        Some((_, _, crate::openapi::Need::Public, ..)) => Ok(()),
        Some((_, _, crate::openapi::Need::Cap(c), ..)) if auth.scope.may(*c) => Ok(()),
        Some((_, _, crate::openapi::Need::Cap(c), ..)) => Err(ApiError::new(
            axum::http::StatusCode::FORBIDDEN,
            "role_forbidden",
            format!(
                "Vai trò {} không có quyền «{}» ({} may not: {})",
                auth.scope.role.label_vi(),
                c.label_vi(),
                auth.scope.role.label_en(),
                c.label_en()
            ),
        )
        .with_details(serde_json::json!({"role": auth.scope.role, "needs": c}))),
        None => Err(AppError::Internal(format!(
            "{} {template} has no row in the table of operations",
            parts.method
        ))
        .into()),
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let app = &state.app;
        // A bearer header carries a machine token and nothing else: a
        // session secret lives only in its HttpOnly cookie, so it is never
        // usable without the CSRF token.
        if let Some(b) = bearer(parts) {
            if !b.starts_with("cgt_") {
                return Err(AppError::Unauthenticated.into());
            }
            let auth = app.token(b).await?;
            check_capability(parts, &auth)?;
            return Ok(Caller(auth));
        }
        let Some(secret) = cookie_value(parts, SESSION_COOKIE) else {
            return Err(AppError::Unauthenticated.into());
        };
        let (auth, gate) = app.session(secret).await?;
        // A cookie rides along with any request the browser makes, so a
        // state-changing request must also prove it came from our page.
        let safe = [Method::GET, Method::HEAD, Method::OPTIONS].contains(&parts.method);
        if !safe {
            if !same_origin(&parts.headers) {
                return Err(AppError::Forbidden(
                    "Yêu cầu không xuất phát từ trang của canhgac (cross-origin request refused)"
                        .into(),
                )
                .into());
            }
            let sent = parts.headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok());
            if sent.is_none() || sent != auth.csrf_token.as_deref() {
                return Err(AppError::Forbidden("missing or wrong CSRF token".into()).into());
            }
        }
        // Nesting strips the /api/v1 prefix from `parts.uri`; judge the full path.
        let path = parts
            .extensions
            .get::<axum::extract::OriginalUri>()
            .map(|u| u.0.path().to_string())
            .unwrap_or_else(|| parts.uri.path().to_string());
        let refusal = match gate {
            Gate::Open => None,
            Gate::SecondFactor if !SECOND_FACTOR_PATHS.contains(&path.as_str()) => {
                Some(AppError::SecondFactorRequired)
            }
            Gate::ChangePassword if !PASSWORD_CHANGE_PATHS.contains(&path.as_str()) => {
                Some(AppError::PasswordChangeRequired)
            }
            Gate::EnrolSecondFactor if !ENROL_PATHS.contains(&path.as_str()) => {
                Some(AppError::SecondFactorEnrolmentRequired)
            }
            _ => None,
        };
        if let Some(e) = refusal {
            return Err(e.into());
        }
        check_capability(parts, &auth)?;
        Ok(Caller(auth))
    }
}
