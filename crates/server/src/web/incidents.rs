//! Console pages for incidents: the list with filters, the report form,
//! and one incident with its workflow buttons, responders, observables and
//! timeline.

use super::{error_page, render, Nav, Tr, Web};
use crate::AppState;
use app::incidents::{IncidentDetail, NewObservable};
use app::store::incidents::{IncidentFilter, IncidentRow};
use app::AppError;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/incidents", get(list).post(report))
        .route("/incidents/new", get(new_form))
        .route("/incidents/{id}", get(detail))
        .route("/incidents/{id}/transition", post(transition))
        .route("/incidents/{id}/assign", post(assign))
        .route("/incidents/{id}/entries", post(entry))
        .route("/incidents/{id}/observables", post(observable))
}

fn invalid(field: &str, reason: impl Into<String>) -> AppError {
    let mut e = domain::FieldErrors::default();
    e.push(field, reason);
    AppError::Invalid(e)
}

#[derive(Template)]
#[template(path = "incidents.html")]
struct ListPage {
    tr: Tr,
    nav: Nav,
    title: String,
    rows: Vec<IncidentRow>,
    next: Option<i64>,
    state: String,
}

#[derive(Deserialize)]
struct ListQuery {
    state: Option<String>,
    before_id: Option<i64>,
}

async fn list(State(st): State<AppState>, web: Web, Query(q): Query<ListQuery>) -> Response {
    let state = q.state.filter(|s| !s.is_empty());
    let f = IncidentFilter {
        state: state.clone(),
        before_id: q.before_id,
        limit: 100,
        ..Default::default()
    };
    match st.app.incidents(&web.auth.scope, &f).await {
        Ok(p) => render(&ListPage {
            tr: web.tr,
            nav: web.nav("incidents"),
            title: web.tr.t("incidents").into(),
            rows: p.items,
            next: p.next,
            state: state.unwrap_or_default(),
        }),
        Err(e) => error_page(web.tr, e),
    }
}

#[derive(Template)]
#[template(path = "incident_form.html")]
struct FormPage {
    tr: Tr,
    nav: Nav,
    title: String,
    systems: Vec<(i64, String)>,
    classes: Vec<(&'static str, &'static str)>,
    severities: Vec<(&'static str, &'static str)>,
}

async fn new_form(State(st): State<AppState>, web: Web) -> Response {
    let systems = match st
        .app
        .systems(
            &web.auth.scope,
            &app::store::systems::SystemFilter {
                limit: 500,
                ..Default::default()
            },
        )
        .await
    {
        Ok(p) => p
            .items
            .into_iter()
            .map(|s| (s.id, format!("{} — {}", s.data.code, s.data.name)))
            .collect(),
        Err(e) => return error_page(web.tr, e),
    };
    let label = |vi: &'static str, en: &'static str| if web.tr.is_en() { en } else { vi };
    render(&FormPage {
        tr: web.tr,
        nav: web.nav("incidents"),
        title: web.tr.t("report_incident").into(),
        systems,
        classes: app::incident::IncidentClass::ALL
            .iter()
            .map(|c| (c.as_str(), label(c.label_vi(), c.label_en())))
            .collect(),
        severities: app::incident::Severity::ALL
            .iter()
            .map(|c| (c.as_str(), label(c.label_vi(), c.label_en())))
            .collect(),
    })
}

#[derive(Deserialize)]
struct ReportForm {
    #[serde(default)]
    csrf: String,
    title: String,
    description: String,
    detected_at: String,
    #[serde(default)]
    system_id: String,
    class: String,
    severity: String,
    #[serde(default)]
    tlp: String,
    reporter_name: String,
    #[serde(default)]
    reporter_phone: String,
    #[serde(default)]
    reporter_email: String,
    #[serde(default)]
    measures_taken: String,
}

async fn report(State(st): State<AppState>, web: Web, Form(f): Form<ReportForm>) -> Response {
    if let Some(r) = web.refuse_csrf(&f.csrf) {
        return r;
    }
    let result = async {
        let detected = chrono::NaiveDateTime::parse_from_str(f.detected_at.trim(), "%Y-%m-%dT%H:%M")
            .map_err(|_| invalid("detected_at", "give the date and time of detection"))?;
        let detected = app::roster::time::local_to_utc(detected.date(), detected.time())
            .ok_or_else(|| invalid("detected_at", "outside the supported years"))?;
        let org = st.app.org(&web.auth.scope, web.auth.scope.org_id).await?;
        let system = match f.system_id.trim() {
            "" => None,
            s => {
                let id: i64 = s.parse().map_err(|_| invalid("system_id", "choose a system"))?;
                let sys = st.app.system(&web.auth.scope, id).await?;
                Some(serde_json::json!({"id": id, "code": sys.data.code, "name": sys.data.name}))
            }
        };
        let opt = |s: &str| (!s.trim().is_empty()).then(|| s.trim().to_string());
        let form = serde_json::json!({
            "reporter_org": {"id": org.id, "name": org.data.name},
            "reporter": {"name": f.reporter_name, "phone": opt(&f.reporter_phone), "email": opt(&f.reporter_email)},
            "system": system,
            "title": f.title,
            "description": f.description,
            "detected_at": detected,
            "reported_status": "handling",
            "measures_taken": opt(&f.measures_taken),
            "class": f.class,
            "severity": f.severity,
            "tlp": if f.tlp.trim().is_empty() { "amber".to_string() } else { f.tlp.clone() },
        });
        let report: app::incident::InitialReport = serde_path_to_error::deserialize(form)
            .map_err(|e| invalid(&e.path().to_string(), e.inner().to_string()))?;
        st.app.report_incident(&web.auth.scope, report).await
    }
    .await;
    match result {
        Ok(d) => Redirect::to(&format!("/incidents/{}", d.row.id)).into_response(),
        Err(e) => error_page(web.tr, e),
    }
}

#[derive(Template)]
#[template(path = "incident.html")]
struct DetailPage {
    tr: Tr,
    nav: Nav,
    title: String,
    d: IncidentDetail,
    coordinator: bool,
    actions: Vec<(&'static str, &'static str)>,
}

async fn detail(State(st): State<AppState>, web: Web, Path(id): Path<i64>) -> Response {
    match st.app.incident(&web.auth.scope, id).await {
        Ok(d) => {
            let actions = d
                .actions
                .iter()
                .filter_map(|a| a.parse::<app::incident::Action>().ok())
                .map(|a| {
                    (
                        a.as_str(),
                        if web.tr.is_en() {
                            a.label_en()
                        } else {
                            a.label_vi()
                        },
                    )
                })
                .collect();
            render(&DetailPage {
                tr: web.tr,
                nav: web.nav("incidents"),
                title: format!("#{} {}", d.row.id, d.row.title),
                coordinator: web.auth.scope.is_coordinator(),
                actions,
                d,
            })
        }
        Err(e) => error_page(web.tr, e),
    }
}

#[derive(Deserialize)]
struct TransitionForm {
    #[serde(default)]
    csrf: String,
    action: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    report: String,
}

fn back(id: i64, r: Result<IncidentDetail, AppError>, tr: Tr) -> Response {
    match r {
        Ok(_) => Redirect::to(&format!("/incidents/{id}")).into_response(),
        Err(e) => error_page(tr, e),
    }
}

async fn transition(
    State(st): State<AppState>,
    web: Web,
    Path(id): Path<i64>,
    Form(f): Form<TransitionForm>,
) -> Response {
    if let Some(r) = web.refuse_csrf(&f.csrf) {
        return r;
    }
    let action: app::incident::Action = match f.action.parse() {
        Ok(a) => a,
        Err(e) => return error_page(web.tr, invalid("action", e)),
    };
    let input = app::incident::workflow::TransitionInput {
        reason: Some(f.reason),
        report: Some(f.report),
    };
    back(
        id,
        st.app
            .incident_transition(&web.auth.scope, id, action, &input)
            .await,
        web.tr,
    )
}

#[derive(Deserialize)]
struct AssignForm {
    #[serde(default)]
    csrf: String,
    username: String,
}

async fn assign(
    State(st): State<AppState>,
    web: Web,
    Path(id): Path<i64>,
    Form(f): Form<AssignForm>,
) -> Response {
    if let Some(r) = web.refuse_csrf(&f.csrf) {
        return r;
    }
    back(
        id,
        st.app
            .assign_incident(&web.auth.scope, id, f.username.trim())
            .await,
        web.tr,
    )
}

#[derive(Deserialize)]
struct EntryForm {
    #[serde(default)]
    csrf: String,
    kind: String,
    text: String,
}

async fn entry(
    State(st): State<AppState>,
    web: Web,
    Path(id): Path<i64>,
    Form(f): Form<EntryForm>,
) -> Response {
    if let Some(r) = web.refuse_csrf(&f.csrf) {
        return r;
    }
    back(
        id,
        st.app
            .add_incident_entry(&web.auth.scope, id, &f.kind, &f.text)
            .await,
        web.tr,
    )
}

#[derive(Deserialize)]
struct ObservableForm {
    #[serde(default)]
    csrf: String,
    value: String,
    #[serde(default)]
    tlp: String,
}

async fn observable(
    State(st): State<AppState>,
    web: Web,
    Path(id): Path<i64>,
    Form(f): Form<ObservableForm>,
) -> Response {
    if let Some(r) = web.refuse_csrf(&f.csrf) {
        return r;
    }
    let o = NewObservable {
        value: f.value,
        kind: None,
        tlp: Some(f.tlp),
        role: None,
        comment: None,
    };
    back(
        id,
        st.app
            .add_incident_observable(&web.auth.scope, id, &o)
            .await,
        web.tr,
    )
}
