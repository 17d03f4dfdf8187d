//! Console page for imported indicator feeds: the feeds (name, format, TLP,
//! active and all indicators, default expiry, who imported them and when),
//! the upload form and deletion, the coordinator's. Every role may read the
//! list. The same use cases as `/api/v1/indicator-feeds`.

use super::{read_upload, render, CsrfForm, Nav, Tr, Web};
use crate::AppState;
use app::store::indicator_feeds::Feed;
use app::AppError;
use askama::Template;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Router};

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/indicator-feeds",
            get(list)
                .post(upload)
                .layer(axum::extract::DefaultBodyLimit::max(
                    crate::MAX_UPLOAD_BYTES,
                )),
        )
        .route("/indicator-feeds/{id}/delete", post(remove))
}

#[derive(Template)]
#[template(path = "indicator_feeds.html")]
struct FeedsPage {
    tr: Tr,
    nav: Nav,
    title: String,
    feeds: Vec<Feed>,
    may_manage: bool,
    /// What the last action did.
    done: Option<String>,
    /// Why the last action was refused, each problem a line.
    problems: Vec<String>,
}

impl FeedsPage {
    fn format(&self, f: &Feed) -> &'static str {
        if self.tr.is_en() {
            app::indicator_feeds::format_label_en(&f.format)
        } else {
            app::indicator_feeds::format_label(&f.format)
        }
    }
    fn tlp(&self, f: &Feed) -> String {
        match f.tlp.parse::<app::incident::Tlp>() {
            Ok(t) if !self.tr.is_en() => t.label_vi().to_string(),
            _ => app::indicator_feeds::tlp_label(&f.tlp),
        }
    }
    fn expiry(&self, f: &Feed) -> String {
        match f.default_expires_at {
            Some(t) => (t + chrono::Duration::hours(7))
                .format("%d/%m/%Y")
                .to_string(),
            None => self.tr.t("iocf_no_expiry").to_string(),
        }
    }
    fn imported(&self, f: &Feed) -> String {
        format!(
            "{}, {}",
            f.imported_by,
            app::registry::format_vn_time(f.imported_at)
        )
    }
}

async fn page(st: &AppState, web: &Web, done: Option<String>, problems: Vec<String>) -> Response {
    let refused = !problems.is_empty();
    match st.app.indicator_feeds(&web.auth.scope).await {
        Ok(feeds) => {
            let mut r = render(&FeedsPage {
                tr: web.tr,
                nav: web.nav("sensors"),
                title: web.tr.t("iocf_title").into(),
                feeds,
                may_manage: web.auth.scope.may(domain::Capability::Coordinate),
                done,
                problems,
            });
            if refused {
                *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            }
            r
        }
        Err(e) => web.fail(e),
    }
}

async fn list(State(st): State<AppState>, web: Web) -> Response {
    page(&st, &web, None, Vec::new()).await
}

async fn upload(State(st): State<AppState>, web: Web, mp: Multipart) -> Response {
    let up = match read_upload(mp).await {
        Ok(u) => u,
        Err(e) => return web.fail(e),
    };
    if let Some(r) = web.refuse_csrf(up.field("csrf")) {
        return r;
    }
    let days = up.field("expires_days").trim();
    let expires_days = if days.is_empty() {
        None
    } else {
        match days.parse::<i64>() {
            Ok(d) => Some(d),
            Err(_) => {
                let why = format!(
                    "{}: '{days}' không phải số ngày (not a number of days)",
                    web.tr.t("iocf_expires_days")
                );
                return page(&st, &web, None, vec![why]).await;
            }
        }
    };
    let how = app::indicator_feeds::FeedImport {
        name: up.field("name").to_string(),
        file_name: up.file_name.clone(),
        format: up.field("format").to_string(),
        tlp: up.field("tlp").to_string(),
        expires_days,
    };
    match st
        .app
        .import_indicator_feed(&web.auth.scope, &how, up.bytes)
        .await
    {
        Ok(r) => {
            let mut msg = format!(
                "{} {}: {} {}",
                web.tr.t("iocf_imported_ok"),
                r.name,
                r.indicators,
                web.tr.t("iocf_indicators")
            );
            if let Some(n) = r.replaced {
                msg.push_str(&format!(" ({} {n})", web.tr.t("iocf_replaced")));
            }
            page(&st, &web, Some(msg), Vec::new()).await
        }
        Err(AppError::Invalid(errs)) => {
            let lines = errs.0.iter().map(|e| e.reason.clone()).collect();
            page(&st, &web, None, lines).await
        }
        Err(e) => web.fail(e),
    }
}

async fn remove(
    State(st): State<AppState>,
    web: Web,
    Path(id): Path<i64>,
    Form(f): Form<CsrfForm>,
) -> Response {
    if let Some(r) = web.refuse_csrf(&f.csrf) {
        return r;
    }
    match st.app.delete_indicator_feed(&web.auth.scope, id).await {
        Ok(feed) => {
            let msg = format!("{} {}", web.tr.t("iocf_deleted"), feed.name);
            page(&st, &web, Some(msg), Vec::new()).await
        }
        Err(e) => web.fail(e),
    }
}
