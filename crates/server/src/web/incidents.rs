//! Console pages for incidents: the list with filters, the report form,
//! and one incident with its workflow buttons, responders, observables and
//! timeline.

use super::{render, CsrfForm, Nav, Tr, Web};
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
        .route("/incidents/{id}/tasks", post(add_task))
        .route("/incidents/{id}/tasks/{task}/done", post(task_done))
        .route(
            "/incidents/{id}/evidence",
            // The configured evidence limit is enforced by the use case.
            post(evidence).layer(axum::extract::DefaultBodyLimit::max(
                crate::MAX_UPLOAD_BYTES,
            )),
        )
        .route("/contacts", get(contacts).post(save_contact))
        .route("/contacts/{id}/delete", post(delete_contact))
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
    overdue: bool,
    /// The filters as a query string, for the export links and the next page.
    query: String,
}

#[derive(Deserialize)]
struct ListQuery {
    state: Option<String>,
    #[serde(default)]
    overdue: Option<String>,
    before_id: Option<i64>,
}

async fn list(State(st): State<AppState>, web: Web, Query(q): Query<ListQuery>) -> Response {
    let state = q.state.filter(|s| !s.is_empty());
    let overdue = q.overdue.is_some_and(|o| !o.is_empty() && o != "0");
    let f = IncidentFilter {
        state: state.clone(),
        before_id: q.before_id,
        limit: 100,
        ..Default::default()
    };
    let query = format!(
        "state={}{}",
        super::urlencode(state.as_deref().unwrap_or_default()),
        if overdue { "&overdue=true" } else { "" }
    );
    match st
        .app
        .incidents_filtered(&web.auth.scope, &f, overdue)
        .await
    {
        Ok(p) => render(&ListPage {
            tr: web.tr,
            nav: web.nav("incidents"),
            title: web.tr.t("incidents").into(),
            rows: p.items,
            next: p.next,
            state: state.unwrap_or_default(),
            overdue,
            query,
        }),
        Err(e) => web.fail(e),
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
        Err(e) => return web.fail(e),
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
        Err(e) => web.fail(e),
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
    /// Closing is among the actions: the end-of-response report's fields.
    closable: bool,
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
                closable: d.actions.contains(&"close"),
                actions,
                d,
            })
        }
        Err(e) => web.fail(e),
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
    summary: String,
    #[serde(default)]
    cause: String,
    #[serde(default)]
    measures: String,
    #[serde(default)]
    result: String,
    #[serde(default)]
    damage: String,
    #[serde(default)]
    lessons: String,
    #[serde(default)]
    recommendations: String,
}

fn back(id: i64, r: Result<IncidentDetail, AppError>, web: &Web) -> Response {
    match r {
        Ok(_) => Redirect::to(&format!("/incidents/{id}")).into_response(),
        Err(e) => web.fail(e),
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
        Err(e) => return web.fail(invalid("action", e)),
    };
    let some = |t: &str| Some(t.trim().to_string()).filter(|t| !t.is_empty());
    // Only closing needs the end-of-response report; blank means absent.
    let report = some(&f.summary).map(|summary| {
        app::incident_response::EndReport {
            summary,
            cause: some(&f.cause),
            measures: some(&f.measures),
            result: some(&f.result),
            damage: some(&f.damage),
            lessons: some(&f.lessons),
            recommendations: some(&f.recommendations),
        }
        .to_json()
    });
    let input = app::incident::workflow::TransitionInput {
        reason: Some(f.reason),
        report,
    };
    back(
        id,
        st.app
            .incident_transition(&web.auth.scope, id, action, &input)
            .await,
        &web,
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
        &web,
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
        &web,
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
        &web,
    )
}

#[derive(Deserialize)]
struct TaskForm {
    #[serde(default)]
    csrf: String,
    title: String,
    owner: String,
    /// From an `<input type="datetime-local">`: Vietnam time without a zone.
    #[serde(default)]
    due: String,
}

async fn add_task(
    State(st): State<AppState>,
    web: Web,
    Path(id): Path<i64>,
    Form(f): Form<TaskForm>,
) -> Response {
    if let Some(r) = web.refuse_csrf(&f.csrf) {
        return r;
    }
    let due = f.due.trim();
    let input = app::incident_response::TaskInput {
        title: f.title,
        owner: f.owner,
        due_at: (!due.is_empty()).then(|| {
            // "2025-01-28T17:00" → RFC 3339 in Vietnam time.
            let with_seconds = if due.len() == 16 {
                format!("{due}:00")
            } else {
                due.to_string()
            };
            format!("{with_seconds}+07:00")
        }),
    };
    match st.app.add_incident_task(&web.auth.scope, id, &input).await {
        Ok(_) => Redirect::to(&format!("/incidents/{id}#tasks")).into_response(),
        Err(e) => web.fail(e),
    }
}

async fn task_done(
    State(st): State<AppState>,
    web: Web,
    Path((id, task)): Path<(i64, i64)>,
    Form(f): Form<CsrfForm>,
) -> Response {
    if let Some(r) = web.refuse_csrf(&f.csrf) {
        return r;
    }
    match st
        .app
        .complete_incident_task(&web.auth.scope, id, task)
        .await
    {
        Ok(_) => Redirect::to(&format!("/incidents/{id}#tasks")).into_response(),
        Err(e) => web.fail(e),
    }
}

async fn evidence(
    State(st): State<AppState>,
    web: Web,
    Path(id): Path<i64>,
    mp: axum::extract::Multipart,
) -> Response {
    let up = match super::read_upload(mp).await {
        Ok(u) => u,
        Err(e) => return web.fail(e),
    };
    if let Some(r) = web.refuse_csrf(
        up.fields
            .get("csrf")
            .map(String::as_str)
            .unwrap_or_default(),
    ) {
        return r;
    }
    let note = up.fields.get("note").cloned();
    match st
        .app
        .add_incident_evidence(
            &web.auth.scope,
            id,
            &up.file_name,
            up.bytes,
            note.as_deref(),
        )
        .await
    {
        Ok(_) => Redirect::to(&format!("/incidents/{id}#evidence")).into_response(),
        Err(e) => web.fail(e),
    }
}

#[derive(Template)]
#[template(path = "contacts.html")]
struct ContactsPage {
    tr: Tr,
    nav: Nav,
    title: String,
    d: app::incident_response::Directory,
    coordinator: bool,
    categories: [&'static str; 4],
}

async fn contacts(State(st): State<AppState>, web: Web) -> Response {
    match st.app.contact_directory(&web.auth.scope).await {
        Ok(d) => render(&ContactsPage {
            tr: web.tr,
            nav: web.nav("incidents"),
            title: web.tr.t("response_contacts").into(),
            d,
            coordinator: web.auth.scope.is_coordinator(),
            categories: app::incident_response::CONTACT_CATEGORIES,
        }),
        Err(e) => web.fail(e),
    }
}

#[derive(Deserialize)]
struct ContactFormBody {
    #[serde(default)]
    csrf: String,
    #[serde(flatten)]
    contact: app::incident_response::ContactForm,
}

async fn save_contact(
    State(st): State<AppState>,
    web: Web,
    Form(f): Form<ContactFormBody>,
) -> Response {
    if let Some(r) = web.refuse_csrf(&f.csrf) {
        return r;
    }
    match st.app.save_contact(&web.auth.scope, None, &f.contact).await {
        Ok(_) => Redirect::to("/contacts").into_response(),
        Err(e) => web.fail(e),
    }
}

async fn delete_contact(
    State(st): State<AppState>,
    web: Web,
    Path(id): Path<i64>,
    Form(f): Form<CsrfForm>,
) -> Response {
    if let Some(r) = web.refuse_csrf(&f.csrf) {
        return r;
    }
    match st.app.delete_contact(&web.auth.scope, id).await {
        Ok(_) => Redirect::to("/contacts").into_response(),
        Err(e) => web.fail(e),
    }
}
