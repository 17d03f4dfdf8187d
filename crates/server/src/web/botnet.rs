//! Console pages for botnet lists: the lists with the trend, an upload with a
//! preview, one list's figures per owner and operator, an owner's addresses
//! with the clean-up form, the operators' prefixes and the notification queue.

use super::charts::{columns, Bar};
use super::{read_upload, render, urlencode, CsrfForm, Nav, Purpose, Tr, Web};
use crate::AppState;
use app::botnet::{period_vn, BotnetImport, BotnetReport, ListFormat};
use app::botnet_report::BotnetSummary;
use app::store::botnet::{BotnetList, ListingFilter, ListingView, PrefixSummary};
use app::store::notifications::{Notification, NotificationFilter};
use app::AppError;
use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/botnet", get(lists))
        .route(
            "/botnet/upload",
            post(upload).layer(axum::extract::DefaultBodyLimit::max(
                crate::MAX_UPLOAD_BYTES,
            )),
        )
        .route("/botnet/confirm", post(confirm))
        .route("/botnet/lists/{id}", get(list))
        .route("/botnet/lists/{id}/ips", get(ips))
        .route("/botnet/lists/{id}/cleanups", post(mark_cleaned))
        .route(
            "/botnet/prefixes",
            get(prefixes)
                .post(upload_prefixes)
                .layer(axum::extract::DefaultBodyLimit::max(
                    crate::MAX_UPLOAD_BYTES,
                )),
        )
        .route("/notifications", get(notifications))
        .route("/notifications/{id}/retry", post(retry))
}

#[derive(Template)]
#[template(path = "botnet_lists.html")]
struct ListsPage {
    tr: Tr,
    nav: Nav,
    title: String,
    lists: Vec<BotnetList>,
    sources: Vec<String>,
    source: String,
    trend: String,
    may_import: bool,
    report: Option<BotnetReport>,
    stash: String,
    form_source: String,
    form_period: String,
}

#[derive(Deserialize)]
struct SourceQuery {
    source: Option<String>,
}

async fn lists_page(
    st: &AppState,
    web: &Web,
    source: Option<String>,
    preview: Option<(BotnetReport, String, String, String)>,
) -> Result<Response, AppError> {
    let lists = st.app.botnet_lists(&web.auth.scope).await?;
    let sources = st.app.botnet_sources().await?;
    let source = source
        .filter(|s| sources.contains(s))
        .or_else(|| lists.first().map(|l| l.source.clone()))
        .unwrap_or_default();
    let points = if source.is_empty() {
        Vec::new()
    } else {
        st.app.botnet_trend(&web.auth.scope, &source, None).await?
    };
    let bars: Vec<Bar> = points
        .iter()
        .map(|(p, n)| Bar {
            label: period_vn(p),
            value: *n,
            href: lists
                .iter()
                .find(|l| &l.period == p && l.source == source)
                .map(|l| format!("/botnet/lists/{}", l.id)),
        })
        .collect();
    let title = web.tr.t("botnet_trend").to_string();
    let (report, stash, form_source, form_period) = match preview {
        Some((r, s, src, p)) => (Some(r), s, src, p),
        None => (None, String::new(), String::new(), String::new()),
    };
    Ok(render(&ListsPage {
        tr: web.tr,
        nav: web.nav("botnet"),
        title: web.tr.t("botnet").into(),
        lists,
        sources,
        trend: columns(&format!("{title}: {source}"), &bars),
        source,
        may_import: web.auth.scope.is_coordinator(),
        report,
        stash,
        form_source,
        form_period,
    }))
}

async fn lists(State(st): State<AppState>, web: Web, Query(q): Query<SourceQuery>) -> Response {
    lists_page(&st, &web, q.source, None)
        .await
        .unwrap_or_else(|e| web.fail(e))
}

/// Reads an uploaded list and shows what importing it would do.
async fn upload(State(st): State<AppState>, web: Web, mp: Multipart) -> Response {
    let up = match read_upload(mp).await {
        Ok(u) => u,
        Err(e) => return web.fail(e),
    };
    if let Some(r) = web.refuse_csrf(up.field("csrf")) {
        return r;
    }
    let (source, period) = (
        up.field("source").to_string(),
        up.field("period").to_string(),
    );
    let how = BotnetImport {
        file_name: up.file_name.clone(),
        source: source.clone(),
        period: period.clone(),
        format: ListFormat::detect(&up.file_name, &up.bytes[..up.bytes.len().min(4096)]),
        keep_valid: false,
        dry_run: true,
    };
    let report = match st
        .app
        .import_botnet(&web.auth.scope, &how, &up.bytes[..])
        .await
    {
        Ok(r) => r,
        Err(e) => return web.fail(e),
    };
    let stash = st.uploads.put(
        web.auth.scope.actor.to_string(),
        Purpose::BotnetList {
            source: source.clone(),
            period: period.clone(),
        },
        up.file_name,
        up.bytes,
    );
    let status = if report.rejected.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    match lists_page(&st, &web, None, Some((report, stash, source, period))).await {
        Ok(mut r) => {
            *r.status_mut() = status;
            r
        }
        Err(e) => web.fail(e),
    }
}

#[derive(Deserialize)]
struct ConfirmForm {
    #[serde(default)]
    csrf: String,
    stash: String,
    #[serde(default)]
    keep_valid: Option<String>,
}

async fn confirm(State(st): State<AppState>, web: Web, Form(f): Form<ConfirmForm>) -> Response {
    if let Some(r) = web.refuse_csrf(&f.csrf) {
        return r;
    }
    let Some((Purpose::BotnetList { source, period }, name, bytes)) =
        st.uploads.take(&web.auth.scope.actor.to_string(), &f.stash)
    else {
        return web.fail(AppError::NotFound);
    };
    let how = BotnetImport {
        format: ListFormat::detect(&name, &bytes[..bytes.len().min(4096)]),
        file_name: name,
        source,
        period,
        keep_valid: f.keep_valid.is_some(),
        dry_run: false,
    };
    match st
        .app
        .import_botnet(&web.auth.scope, &how, &bytes[..])
        .await
    {
        Ok(r) => match r.list_id {
            Some(id) => Redirect::to(&format!("/botnet/lists/{id}")).into_response(),
            None => web.fail(AppError::Conflict(web.tr.t("nothing_written").into())),
        },
        Err(e) => web.fail(e),
    }
}

#[derive(Template)]
#[template(path = "botnet_list.html")]
struct ListPage {
    tr: Tr,
    nav: Nav,
    title: String,
    s: BotnetSummary,
    previous: String,
    trend: String,
}

async fn list(State(st): State<AppState>, web: Web, Path(id): Path<i64>) -> Response {
    let s = match st.app.botnet_summary(&web.auth.scope, id).await {
        Ok(s) => s,
        Err(e) => return web.fail(e),
    };
    let month = period_vn(&s.list.period);
    let bars: Vec<Bar> = s
        .trend
        .iter()
        .map(|(p, n)| Bar {
            label: period_vn(p),
            value: *n,
            href: None,
        })
        .collect();
    render(&ListPage {
        tr: web.tr,
        nav: web.nav("botnet"),
        title: format!("{} {} — {}", web.tr.t("botnet_list"), month, s.list.source),
        trend: columns(web.tr.t("botnet_trend"), &bars),
        previous: s
            .previous_period
            .as_deref()
            .map(period_vn)
            .unwrap_or_default(),
        s,
    })
}

#[derive(Template)]
#[template(path = "botnet_ips.html")]
struct IpsPage {
    tr: Tr,
    nav: Nav,
    title: String,
    list_id: i64,
    owner: String,
    rows: Vec<IpRow>,
    next: Option<i64>,
    query: String,
    /// The owner's months, when one owner is shown.
    trend: String,
}

struct IpRow {
    v: ListingView,
    /// Whether the reader may mark this address cleaned: the coordinator, or
    /// the owner's staff (an operator sees its customers' but marks its own).
    markable: bool,
    /// The owner's name (empty: in nobody's registered block).
    owner_name: String,
}

#[derive(Deserialize)]
struct IpsQuery {
    owner: Option<String>,
    unknown: Option<String>,
    after_line: Option<i64>,
}

const IPS_PAGE: i64 = 200;

async fn ips(
    State(st): State<AppState>,
    web: Web,
    Path(id): Path<i64>,
    Query(q): Query<IpsQuery>,
) -> Response {
    let owner = q.owner.as_deref().and_then(|o| o.parse::<i64>().ok());
    let unknown = q.unknown.as_deref() == Some("1");
    let rows = match st
        .app
        .botnet_listings(
            &web.auth.scope,
            id,
            &ListingFilter {
                owner,
                unknown,
                after_line: q.after_line,
                limit: Some(IPS_PAGE + 1),
                ..Default::default()
            },
        )
        .await
    {
        Ok(r) => r,
        Err(e) => return web.fail(e),
    };
    let mut rows = rows;
    let next = if rows.len() as i64 > IPS_PAGE {
        rows.truncate(IPS_PAGE as usize);
        rows.last().map(|r| r.row.line)
    } else {
        None
    };
    let scope = &web.auth.scope;
    let trend = match owner {
        Some(o) => {
            let points = match st.app.botnet_list(id).await {
                Ok(list) => st.app.botnet_trend(scope, &list.source, Some(o)).await,
                Err(e) => Err(e),
            };
            match points {
                Ok(p) => columns(
                    web.tr.t("botnet_trend"),
                    &p.iter()
                        .map(|(period, n)| Bar {
                            label: period_vn(period),
                            value: *n,
                            href: None,
                        })
                        .collect::<Vec<_>>(),
                ),
                Err(e) => return web.fail(e),
            }
        }
        None => String::new(),
    };
    let query = match (owner, unknown) {
        (Some(o), _) => format!("owner={o}&"),
        (None, true) => "unknown=1&".into(),
        _ => String::new(),
    };
    let names: std::collections::HashMap<i64, String> = match st.app.org_names(scope).await {
        Ok(m) => m
            .into_values()
            .map(|o| (o.id, o.data.name.to_string()))
            .collect(),
        Err(e) => return web.fail(e),
    };
    render(&IpsPage {
        tr: web.tr,
        nav: web.nav("botnet"),
        title: web.tr.t("botnet_ips").into(),
        list_id: id,
        owner: owner.map(|o| o.to_string()).unwrap_or_default(),
        rows: rows
            .into_iter()
            .map(|v| IpRow {
                markable: v.cleaned_note.is_none()
                    && (scope.is_coordinator()
                        || (v.row.owner_org_id == Some(scope.org_id)
                            && matches!(
                                scope.role,
                                domain::Role::OrgAdmin
                                    | domain::Role::Officer
                                    | domain::Role::IspOperator
                            ))),
                owner_name: v
                    .row
                    .owner_org_id
                    .and_then(|o| names.get(&o).cloned())
                    .unwrap_or_default(),
                v,
            })
            .collect(),
        next,
        query,
        trend,
    })
}

#[derive(Deserialize)]
struct CleanForm {
    #[serde(default)]
    csrf: String,
    ip: String,
    note: String,
    #[serde(default)]
    back: String,
}

async fn mark_cleaned(
    State(st): State<AppState>,
    web: Web,
    Path(id): Path<i64>,
    Form(f): Form<CleanForm>,
) -> Response {
    if let Some(r) = web.refuse_csrf(&f.csrf) {
        return r;
    }
    match st
        .app
        .mark_botnet_cleaned(&web.auth.scope, id, &f.ip, &f.note)
        .await
    {
        Ok(()) => {
            let back = if f.back.starts_with(&format!("/botnet/lists/{id}/ips")) {
                f.back
            } else {
                format!("/botnet/lists/{id}/ips")
            };
            Redirect::to(&back).into_response()
        }
        Err(e) => web.fail(e),
    }
}

#[derive(Template)]
#[template(path = "botnet_prefixes.html")]
struct PrefixesPage {
    tr: Tr,
    nav: Nav,
    title: String,
    items: Vec<PrefixSummary>,
    may_import: bool,
    message: String,
}

async fn prefixes_page(st: &AppState, web: &Web, message: String) -> Response {
    match st.app.isp_prefixes(&web.auth.scope).await {
        Ok(items) => render(&PrefixesPage {
            tr: web.tr,
            nav: web.nav("botnet"),
            title: web.tr.t("isp_prefixes").into(),
            items,
            may_import: web.auth.scope.is_coordinator(),
            message,
        }),
        Err(e) => web.fail(e),
    }
}

async fn prefixes(State(st): State<AppState>, web: Web) -> Response {
    prefixes_page(&st, &web, String::new()).await
}

async fn upload_prefixes(State(st): State<AppState>, web: Web, mp: Multipart) -> Response {
    let up = match read_upload(mp).await {
        Ok(u) => u,
        Err(e) => return web.fail(e),
    };
    if let Some(r) = web.refuse_csrf(up.field("csrf")) {
        return r;
    }
    let asn = match up.field("asn").trim() {
        "" => None,
        a => match a.parse::<domain::Asn>() {
            Ok(a) => Some(a),
            Err(e) => {
                let mut errs = domain::FieldErrors::default();
                errs.push("asn", e);
                return web.fail(AppError::Invalid(errs));
            }
        },
    };
    match st
        .app
        .import_prefixes(&web.auth.scope, &up.file_name, asn, &up.bytes[..])
        .await
    {
        Ok(r) if r.committed => {
            let msg = format!(
                "{}: {} {} ({})",
                r.file,
                r.prefixes,
                web.tr.t("prefixes_written"),
                r.asns
                    .iter()
                    .map(|a| format!("AS{a}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            prefixes_page(&st, &web, msg).await
        }
        Ok(r) => {
            let lines: Vec<String> = r.rejected.iter().take(20).map(|e| e.to_string()).collect();
            let mut page = prefixes_page(
                &st,
                &web,
                format!(
                    "{}: {} — {}",
                    r.file,
                    web.tr.t("nothing_written"),
                    lines.join("; ")
                ),
            )
            .await;
            *page.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            page
        }
        Err(e) => web.fail(e),
    }
}

#[derive(Template)]
#[template(path = "notifications.html")]
struct NotificationsPage {
    tr: Tr,
    nav: Nav,
    title: String,
    items: Vec<Notification>,
    next: Option<i64>,
    status: String,
    may_retry: bool,
}

#[derive(Deserialize)]
struct NotificationQuery {
    status: Option<String>,
    before_id: Option<i64>,
}

async fn notifications(
    State(st): State<AppState>,
    web: Web,
    Query(q): Query<NotificationQuery>,
) -> Response {
    let status = q
        .status
        .as_deref()
        .and_then(|s| s.parse::<domain::DeliveryStatus>().ok());
    let page = match st
        .app
        .notifications(
            &web.auth.scope,
            &NotificationFilter {
                status,
                before_id: q.before_id,
                limit: 100,
                ..Default::default()
            },
        )
        .await
    {
        Ok(p) => p,
        Err(e) => return web.fail(e),
    };
    render(&NotificationsPage {
        tr: web.tr,
        nav: web.nav("botnet"),
        title: web.tr.t("notifications").into(),
        items: page.items,
        next: page.next,
        status: status.map(|s| s.as_str().to_string()).unwrap_or_default(),
        may_retry: web.auth.scope.is_coordinator(),
    })
}

async fn retry(
    State(st): State<AppState>,
    web: Web,
    Path(id): Path<i64>,
    Form(f): Form<CsrfForm>,
) -> Response {
    if let Some(r) = web.refuse_csrf(&f.csrf) {
        return r;
    }
    match st.app.retry_notification(&web.auth.scope, id).await {
        Ok(()) => {
            Redirect::to(&format!("/notifications?status={}", urlencode("failed"))).into_response()
        }
        Err(e) => web.fail(e),
    }
}

/// A count with dots between thousands ("1.058.400").
pub fn n(v: impl ToString) -> String {
    let t = v.to_string();
    t.parse::<i64>().map_or(t, app::dashboard::thousands)
}

/// A time as a list writes it (RFC 3339, or a bare date) in Vietnam's
/// dd/mm/yyyy; anything else as it is.
pub fn seen_vn(s: &str) -> String {
    let t = s.trim();
    if let Ok(at) = chrono::DateTime::parse_from_rfc3339(t) {
        return app::roster::format_local(at.with_timezone(&chrono::Utc));
    }
    if let Ok(at) = chrono::NaiveDateTime::parse_from_str(t, "%Y-%m-%d %H:%M:%S") {
        return at.format("%d/%m/%Y %H:%M").to_string();
    }
    match chrono::NaiveDate::parse_from_str(t, "%Y-%m-%d") {
        Ok(d) => d.format("%d/%m/%Y").to_string(),
        Err(_) => t.to_string(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn list_times_read_as_dd_mm_yyyy() {
        assert_eq!(super::seen_vn("2026-11-03T03:00:00Z"), "03/11/2026 10:00");
        assert_eq!(super::seen_vn("2026-11-03"), "03/11/2026");
        assert_eq!(super::seen_vn("hôm qua"), "hôm qua");
    }
}
