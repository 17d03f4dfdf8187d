//! The HTTP server: `/api/v1` (JSON, OpenAPI) with sessions, CSRF and tokens,
//! security headers and body limits. Handlers are thin: they call `app`.

// The OpenAPI schemas are one large `json!` literal.
#![recursion_limit = "256"]

mod api;
pub mod auth;
pub mod error;
pub mod openapi;
mod syslog;
pub mod web;

use anyhow::Context;
use app::App;
use axum::extract::DefaultBodyLimit;
use axum::http::{header, HeaderValue};
use axum::routing::get;
use axum::Router;
use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use tower_http::set_header::SetResponseHeaderLayer;

#[derive(Clone)]
pub struct AppState {
    pub app: App,
    /// Whether the server speaks TLS, which decides the cookie's `Secure` flag.
    pub tls: bool,
    /// Uploads awaiting confirmation after their preview.
    pub uploads: web::Uploads,
}

/// Largest import file accepted over HTTP.
pub const MAX_UPLOAD_BYTES: usize = 64 * 1024 * 1024;
/// Largest JSON body.
pub const MAX_JSON_BYTES: usize = 1024 * 1024;

pub fn session_cookie(value: &str, tls: bool, max_age: Option<i64>) -> String {
    let mut c = format!(
        "{}={value}; Path=/; HttpOnly; SameSite=Strict",
        auth::SESSION_COOKIE
    );
    if tls {
        c.push_str("; Secure");
    }
    if let Some(age) = max_age {
        c.push_str(&format!("; Max-Age={age}"));
    }
    c
}

pub fn router(state: AppState) -> Router {
    // The upload route sets its own, larger limit inside this one.
    let api = api::router()
        .fallback(|| async { axum::http::StatusCode::NOT_FOUND })
        .layer(DefaultBodyLimit::max(MAX_JSON_BYTES))
        .layer(axum::middleware::map_response(error::json_errors));
    Router::new()
        .nest("/api/v1", api)
        .merge(
            web::router()
                .layer(DefaultBodyLimit::max(MAX_JSON_BYTES))
                .layer(axum::middleware::from_fn_with_state(
                    state.clone(),
                    web::framed_refusals,
                )),
        )
        .route("/healthz", get(|| async { "ok" }))
        .with_state(state)
        // A handler may set a stricter policy (evidence downloads: sandbox).
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                 object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
            ),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
}

pub struct Tls {
    pub cert: PathBuf,
    pub key: PathBuf,
}

/// A generated file as an attachment, never rendered inline.
pub(crate) fn download(d: app::botnet_report::Download) -> axum::response::Response {
    use axum::http::{header, HeaderValue};
    use axum::response::IntoResponse;
    // A plain ASCII name goes as it is; any other (an evidence file's own
    // name) as RFC 5987 `filename*`, with a safe ASCII fallback.
    let plain = d
        .file_name
        .bytes()
        .all(|b| b.is_ascii_graphic() && b != b'"' && b != b'\\' || b == b' ');
    let value = if plain {
        format!("attachment; filename=\"{}\"", d.file_name)
    } else {
        format!(
            "attachment; filename=\"download\"; filename*=UTF-8''{}",
            web::urlencode(&d.file_name).replace('/', "%2F")
        )
    };
    let disposition =
        HeaderValue::from_str(&value).unwrap_or_else(|_| HeaderValue::from_static("attachment"));
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static(d.content_type),
            ),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        d.bytes,
    )
        .into_response()
}

/// Delivers queued notifications every `interval` until the process ends.
fn spawn_delivery(app: App) {
    let interval = app.config.notify.delivery_interval;
    tokio::spawn(async move {
        let mut reminded_at: Option<std::time::Instant> = None;
        loop {
            // Deadline reminders are queued at most once a minute, then delivered with the rest.
            if reminded_at.is_none_or(|t| t.elapsed() >= std::time::Duration::from_secs(60)) {
                reminded_at = Some(std::time::Instant::now());
                if let Err(e) = app.remind_incident_deadlines(chrono::Utc::now()).await {
                    tracing::warn!(error = %e, "queueing incident deadline reminders");
                }
                if let Err(e) = app.remind_periodic_reports(app::registry::today()).await {
                    tracing::warn!(error = %e, "queueing periodic report reminders");
                }
            }
            if let Err(e) = app.deliver_notifications(100).await {
                tracing::warn!(error = %e, "delivering notifications");
            }
            tokio::time::sleep(interval).await;
        }
    });
}

/// Serves until `shutdown` resolves, then finishes in-flight requests.
pub async fn serve(
    app: App,
    listener: std::net::TcpListener,
    tls: Option<Tls>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    listener.set_nonblocking(true)?;
    spawn_delivery(app.clone());
    // Compiling a large rule set takes a while: off the async threads.
    let starting = app.clone();
    tokio::task::spawn_blocking(move || starting.start_monitoring())
        .await
        .context("starting the monitoring pipeline")?
        .map_err(|e| anyhow::anyhow!("starting the monitoring pipeline: {e}"))?;
    syslog::start(&app).await?;
    let state = AppState {
        app,
        tls: tls.is_some(),
        uploads: web::Uploads::default(),
    };
    let router = router(state).into_make_service_with_connect_info::<SocketAddr>();
    match tls {
        None => {
            let listener = tokio::net::TcpListener::from_std(listener)?;
            axum::serve(listener, router)
                .with_graceful_shutdown(shutdown)
                .await
                .context("serving HTTP")?;
        }
        Some(t) => {
            let _ = rustls::crypto::ring::default_provider().install_default();
            let config = axum_server::tls_rustls::RustlsConfig::from_pem_file(&t.cert, &t.key)
                .await
                .with_context(|| {
                    format!(
                        "loading TLS certificate {} and key {}",
                        t.cert.display(),
                        t.key.display()
                    )
                })?;
            let handle = axum_server::Handle::new();
            let h = handle.clone();
            tokio::spawn(async move {
                shutdown.await;
                h.graceful_shutdown(Some(std::time::Duration::from_secs(10)));
            });
            axum_server::from_tcp_rustls(listener, config)
                .handle(handle)
                .serve(router)
                .await
                .context("serving HTTPS")?;
        }
    }
    Ok(())
}
