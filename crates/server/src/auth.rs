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

fn bearer(parts: &Parts) -> Option<&str> {
    parts
        .headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let app = &state.app;
        let (secret, from_cookie) = match bearer(parts) {
            Some(b) => (b.to_string(), false),
            None => match cookie_value(parts, SESSION_COOKIE) {
                Some(c) => (c.to_string(), true),
                None => return Err(AppError::Unauthenticated.into()),
            },
        };
        if secret.starts_with("cgt_") && !from_cookie {
            return Ok(Caller(app.token(&secret).await?));
        }
        let (auth, gate) = app.session(&secret).await?;
        // A cookie rides along with any request the browser makes, so a
        // state-changing request must also prove it came from our page.
        let safe = [Method::GET, Method::HEAD, Method::OPTIONS].contains(&parts.method);
        if from_cookie && !safe {
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
        Ok(Caller(auth))
    }
}
