//! The console's page of kept events: a search form (time, host, address,
//! field:value) and the matching events, newest first, each in one line.

use super::{error_page, render, Nav, Tr, Web};
use crate::AppState;
use app::events::EventQuery;
use app::AppError;
use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::get;
use axum::Router;

pub fn router() -> Router<AppState> {
    Router::new().route("/events", get(page))
}

#[derive(Template)]
#[template(path = "events.html")]
struct EventsPage {
    tr: Tr,
    nav: Nav,
    title: String,
    /// (time dd/mm/yyyy HH:MM:SS, host, addresses, compact event)
    rows: Vec<(String, String, String, String)>,
    errors: Vec<String>,
    q_from: String,
    q_to: String,
    q_host: String,
    q_address: String,
    q_q: String,
}

/// The event's fields in one line, empty values left out, at most 400 characters.
fn compact(v: &serde_json::Value) -> String {
    let ev = app::events::compact_fields(v);
    let mut out = String::new();
    for (k, val) in ev {
        if out.len() > 400 {
            out.push('…');
            break;
        }
        if !out.is_empty() {
            out.push_str(" · ");
        }
        out.push_str(&k);
        out.push('=');
        out.push_str(&val);
    }
    out
}

async fn page(State(st): State<AppState>, web: Web, Query(q): Query<EventQuery>) -> Response {
    let (rows, errors) = match st
        .app
        .search_events(
            &web.auth.scope,
            &EventQuery {
                limit: Some(q.limit.unwrap_or(200)),
                ..q.clone()
            },
        )
        .await
    {
        Ok(items) => (
            items
                .iter()
                .map(|e| {
                    (
                        (e.time + chrono::Duration::hours(7))
                            .format("%d/%m/%Y %H:%M:%S")
                            .to_string(),
                        e.host.clone().unwrap_or_else(|| "—".into()),
                        e.addresses.join(", "),
                        compact(&e.event),
                    )
                })
                .collect(),
            Vec::new(),
        ),
        Err(AppError::Invalid(errs)) => (Vec::new(), super::form_errors::describe(web.tr, &errs)),
        Err(e) => return error_page(web.tr, e),
    };
    let s = |o: &Option<String>| o.clone().unwrap_or_default();
    render(&EventsPage {
        tr: web.tr,
        nav: web.nav("events"),
        title: web.tr.t("ev_title").into(),
        rows,
        errors,
        q_from: s(&q.from),
        q_to: s(&q.to),
        q_host: s(&q.host),
        q_address: s(&q.address),
        q_q: s(&q.q),
    })
}
