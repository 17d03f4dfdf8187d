//! Console page for monitoring sensors: each with its organisation, the
//! systems it watches, events received, rejected lines (and a sample with
//! reasons), dropped datagrams and the last event seen; administrators
//! register a sensor and see its ingest token once.

use super::{error_page, render, Nav, Tr, Web};
use crate::AppState;
use app::monitoring::NewSensorInput;
use app::store::monitoring::Sensor;
use app::AppError;
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use axum::{Form, Router};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/sensors", get(list).post(register))
        .route(
            "/sensors/upload",
            axum::routing::post(upload).layer(axum::extract::DefaultBodyLimit::max(
                crate::MAX_UPLOAD_BYTES,
            )),
        )
}

#[derive(Template)]
#[template(path = "sensors.html")]
struct SensorsPage {
    tr: Tr,
    nav: Nav,
    title: String,
    rows: Vec<Sensor>,
    /// "CODE — name" of the sensors' organisations and systems, by id.
    org_labels: std::collections::HashMap<i64, String>,
    system_labels: std::collections::HashMap<i64, String>,
    /// Events per minute of each sensor (the last five minutes).
    rates: std::collections::BTreeMap<i64, f64>,
    /// Systems claiming SOC monitoring whose sensors are silent.
    silent: Vec<app::monitoring_figures::WatchedSystem>,
    may_register: bool,
    my_org: i64,
    secret: Option<String>,
    message: Option<String>,
    may_upload: bool,
    uploaded: Option<String>,
}

impl SensorsPage {
    /// Events per minute with a decimal comma ("0,6").
    fn rate(&self, s: &Sensor) -> String {
        format!("{:.1}", self.rates.get(&s.id).copied().unwrap_or(0.0)).replace('.', ",")
    }

    fn org(&self, s: &Sensor) -> String {
        self.org_labels
            .get(&s.org_id)
            .cloned()
            .unwrap_or_else(|| format!("#{}", s.org_id))
    }

    fn systems(&self, s: &Sensor) -> String {
        s.system_ids
            .iter()
            .map(|i| {
                self.system_labels
                    .get(i)
                    .cloned()
                    .unwrap_or_else(|| format!("#{i}"))
            })
            .collect::<Vec<_>>()
            .join(", ")
    }
}

async fn page(
    st: &AppState,
    web: &Web,
    secret: Option<String>,
    message: Option<String>,
) -> Response {
    page_with(st, web, secret, message, None).await
}

async fn page_with(
    st: &AppState,
    web: &Web,
    secret: Option<String>,
    message: Option<String>,
    uploaded: Option<String>,
) -> Response {
    let silent = match st
        .app
        .silent_systems(&web.auth.scope, None, chrono::Utc::now())
        .await
    {
        Ok(s) => s,
        Err(e) => return error_page(web.tr, e),
    };
    let sensors = st.app.sensors(&web.auth.scope).await;
    let labels = match &sensors {
        Ok(rows) => st.app.sensor_labels(rows).await,
        Err(_) => Ok(Default::default()),
    };
    let (org_labels, system_labels) = match labels {
        Ok(l) => l,
        Err(e) => return error_page(web.tr, e),
    };
    match sensors {
        Ok(rows) => render(&SensorsPage {
            org_labels,
            system_labels,
            rates: st.app.sensor_rates(chrono::Utc::now()),
            silent,
            tr: web.tr,
            nav: web.nav("sensors"),
            title: web.tr.t("mon_sensors").into(),
            rows,
            may_register: web.auth.scope.may_manage_users_of(web.auth.scope.org_id),
            my_org: web.auth.scope.org_id,
            secret,
            message,
            may_upload: web.auth.scope.may(domain::Capability::UploadEvents),
            uploaded,
        }),
        Err(e) => error_page(web.tr, e),
    }
}

async fn list(State(st): State<AppState>, web: Web) -> Response {
    page(&st, &web, None, None).await
}

#[derive(Deserialize)]
struct RegisterForm {
    #[serde(default)]
    csrf: String,
    name: String,
    org_id: i64,
    /// System ids separated by spaces or commas.
    #[serde(default)]
    systems: String,
    #[serde(default)]
    sources: String,
}

fn split(s: &str) -> impl Iterator<Item = &str> {
    s.split(|c: char| c == ',' || c == ';' || c.is_whitespace())
        .filter(|x| !x.is_empty())
}

async fn register(State(st): State<AppState>, web: Web, Form(f): Form<RegisterForm>) -> Response {
    if let Some(r) = web.refuse_csrf(&f.csrf) {
        return r;
    }
    let mut system_ids = Vec::new();
    for x in split(&f.systems) {
        match x.trim_start_matches('#').parse() {
            Ok(n) => system_ids.push(n),
            Err(_) => {
                return page(
                    &st,
                    &web,
                    None,
                    Some(format!("systems: '{x}' không phải mã số (not an id)")),
                )
                .await
            }
        }
    }
    let input = NewSensorInput {
        org_id: f.org_id,
        name: f.name,
        system_ids,
        source_addrs: split(&f.sources).map(str::to_string).collect(),
        valid_days: 365,
    };
    match st.app.register_sensor(&web.auth.scope, &input).await {
        Ok((_, secret)) => page(&st, &web, Some(secret), None).await,
        Err(AppError::Invalid(e)) => page(&st, &web, None, Some(e.to_string())).await,
        Err(e) => error_page(web.tr, e),
    }
}

/// An EVTX or Suricata EVE file from the upload form, evaluated by the same
/// use case as `POST /api/v1/events/file`; the answer is shown on the page,
/// refusals inside the layout in the reader's language.
async fn upload(State(st): State<AppState>, web: Web, mp: axum::extract::Multipart) -> Response {
    let up = match super::read_upload(mp).await {
        Ok(u) => u,
        Err(e) => return web.fail(e),
    };
    if let Some(r) = web.refuse_csrf(up.field("csrf")) {
        return r;
    }
    let format = app::event_files::FileFormat::parse(up.field("format"));
    let limit = st.app.config.monitoring.max_upload;
    if up.bytes.len() as u64 > limit {
        return web.fail(AppError::TooLarge(format!(
            "{}: tệp vượt quá giới hạn {} MiB (the file is over the limit)",
            up.file_name,
            limit / (1024 * 1024)
        )));
    }
    let name = up.file_name.clone();
    match st
        .app
        .ingest_file(&web.auth.scope, &name, format, up.bytes)
        .await
    {
        Ok(r) => {
            let mut msg = format!(
                "{} {}: {} {}, {} {}.",
                web.tr.t("mon_uploaded"),
                r.file_name,
                r.accepted,
                web.tr.t("mon_accepted"),
                r.rejected,
                web.tr.t("mon_unreadable")
            );
            if let Some(at) = &r.stopped_at {
                msg.push_str(&format!(" {} {at}.", web.tr.t("mon_stopped_at")));
            }
            for p in r.first_reasons.iter().take(5) {
                msg.push_str(&format!(" [{}: {}]", p.position, p.reason));
            }
            page_with(&st, &web, None, None, Some(msg)).await
        }
        Err(e) => web.fail(e),
    }
}
