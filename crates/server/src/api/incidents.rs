//! Incidents: reports, workflow, tasks, evidence, contacts, exports.

use super::*;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/incidents", get(list_incidents).post(report_incident))
        .route("/incidents.{ext}", get(incidents_file))
        .route("/incidents/metrics", get(incident_metrics))
        .route(
            "/incidents/{id}/tasks",
            get(incident_tasks).post(add_incident_task),
        )
        .route(
            "/incidents/{id}/tasks/{task}/done",
            post(complete_incident_task),
        )
        .route(
            "/incidents/{id}/evidence",
            get(incident_evidence)
                .post(add_incident_evidence)
                // The use case enforces the configured limit as the body streams in.
                .layer(axum::extract::DefaultBodyLimit::disable()),
        )
        .route(
            "/incidents/{id}/evidence/{evidence}",
            get(incident_evidence_file),
        )
        .route(
            "/incidents/{id}/end-report.docx",
            get(incident_end_report_docx),
        )
        .route("/contacts", get(contact_directory).post(create_contact))
        .route("/contacts/{id}", put(update_contact).delete(delete_contact))
        .route("/incidents/{id}", get(get_incident))
        .route("/incidents/{id}/transition", post(incident_transition))
        .route("/incidents/{id}/assign", post(assign_incident))
        .route("/incidents/{id}/entries", post(add_incident_entry))
        .route("/incidents/{id}/observables", post(add_incident_observable))
        .route("/incidents/{id}/escalations", post(escalate_incident))
        .route("/incidents/{id}/export.{format}", get(export_incident))
        .route("/incidents/{id}/report.docx", get(incident_report_docx))
}

async fn report_incident(
    State(st): State<AppState>,
    Caller(c): Caller,
    JsonBody(report): JsonBody<app::incident::InitialReport>,
) -> ApiResult<Response> {
    let d = st.app.report_incident(&c.scope, report).await?;
    Ok((StatusCode::CREATED, Json(d)).into_response())
}

#[derive(Deserialize)]
struct IncidentParams {
    state: Option<String>,
    severity: Option<String>,
    class: Option<String>,
    org_id: Option<i64>,
    #[serde(default)]
    overdue: bool,
    before_id: Option<i64>,
    limit: Option<i64>,
}

impl IncidentParams {
    fn filter(&self) -> app::store::incidents::IncidentFilter {
        app::store::incidents::IncidentFilter {
            open_only: false,
            state: self.state.clone(),
            severity: self.severity.clone(),
            class: self.class.clone(),
            org_id: self.org_id,
            before_id: self.before_id,
            limit: self.limit.unwrap_or(100),
        }
    }
}

async fn list_incidents(
    State(st): State<AppState>,
    Caller(c): Caller,
    Query(p): Query<IncidentParams>,
) -> ApiResult<Response> {
    Ok(Json(
        st.app
            .incidents_filtered(&c.scope, &p.filter(), p.overdue)
            .await?,
    )
    .into_response())
}

async fn incidents_file(
    State(st): State<AppState>,
    Caller(c): Caller,
    Path(ext): Path<String>,
    Query(p): Query<IncidentParams>,
) -> ApiResult<Response> {
    let d = st
        .app
        .incidents_file(&c.scope, &p.filter(), p.overdue, sheet_format(&ext)?)
        .await?;
    Ok(crate::download(d))
}

#[derive(Deserialize)]
struct MetricsParams {
    from: Option<chrono::NaiveDate>,
    to: Option<chrono::NaiveDate>,
    org_id: Option<i64>,
}

async fn incident_metrics(
    State(st): State<AppState>,
    Caller(c): Caller,
    Query(p): Query<MetricsParams>,
) -> ApiResult<Response> {
    // Dates are Vietnamese calendar days.
    let start = |d: chrono::NaiveDate| app::registry::vn_day_start(d);
    let m = st
        .app
        .incident_metrics(&c.scope, p.from.map(start), p.to.map(start), p.org_id)
        .await?;
    Ok(Json(m).into_response())
}

async fn incident_tasks(
    State(st): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<i64>,
) -> ApiResult<Response> {
    Ok(Json(st.app.incident_tasks(&c.scope, id).await?).into_response())
}

async fn add_incident_task(
    State(st): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<i64>,
    JsonBody(b): JsonBody<app::incident_response::TaskInput>,
) -> ApiResult<Response> {
    let tasks = st.app.add_incident_task(&c.scope, id, &b).await?;
    Ok((StatusCode::CREATED, Json(tasks)).into_response())
}

async fn complete_incident_task(
    State(st): State<AppState>,
    Caller(c): Caller,
    Path((id, task)): Path<(i64, i64)>,
) -> ApiResult<Response> {
    Ok(Json(st.app.complete_incident_task(&c.scope, id, task).await?).into_response())
}

#[derive(Deserialize)]
struct EvidenceParams {
    file_name: String,
    note: Option<String>,
}

async fn add_incident_evidence(
    State(st): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<i64>,
    Query(p): Query<EvidenceParams>,
    body: axum::body::Body,
) -> ApiResult<Response> {
    let bytes = read_file_body(&st, &p.file_name, body).await?;
    let e = st
        .app
        .add_incident_evidence(&c.scope, id, &p.file_name, bytes, p.note.as_deref())
        .await?;
    Ok((StatusCode::CREATED, Json(e)).into_response())
}

async fn incident_evidence(
    State(st): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<i64>,
) -> ApiResult<Response> {
    let (evidence, custody) = st.app.incident_custody(&c.scope, id).await?;
    Ok(Json(serde_json::json!({"evidence": evidence, "custody": custody})).into_response())
}

async fn incident_evidence_file(
    State(st): State<AppState>,
    Caller(c): Caller,
    Path((id, evidence)): Path<(i64, i64)>,
) -> ApiResult<Response> {
    let d = st
        .app
        .incident_evidence_file(&c.scope, id, evidence)
        .await?;
    Ok(opaque_download(d))
}

async fn incident_end_report_docx(
    State(st): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<i64>,
) -> ApiResult<Response> {
    Ok(crate::download(
        st.app.incident_end_report_docx(&c.scope, id).await?,
    ))
}

async fn contact_directory(State(st): State<AppState>, Caller(c): Caller) -> ApiResult<Response> {
    Ok(Json(st.app.contact_directory(&c.scope).await?).into_response())
}

async fn create_contact(
    State(st): State<AppState>,
    Caller(c): Caller,
    JsonBody(b): JsonBody<app::incident_response::ContactForm>,
) -> ApiResult<Response> {
    let saved = st.app.save_contact(&c.scope, None, &b).await?;
    Ok((StatusCode::CREATED, Json(saved)).into_response())
}

async fn update_contact(
    State(st): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<i64>,
    JsonBody(b): JsonBody<app::incident_response::ContactForm>,
) -> ApiResult<Response> {
    Ok(Json(st.app.save_contact(&c.scope, Some(id), &b).await?).into_response())
}

async fn delete_contact(
    State(st): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<i64>,
) -> ApiResult<Response> {
    st.app.delete_contact(&c.scope, id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn get_incident(
    State(st): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<i64>,
) -> ApiResult<Response> {
    Ok(Json(st.app.incident(&c.scope, id).await?).into_response())
}

#[derive(Deserialize)]
struct TransitionBody {
    action: String,
    reason: Option<String>,
    /// The end-of-response report: its form (`summary`, `cause`, …) or text.
    report: Option<serde_json::Value>,
}

async fn incident_transition(
    State(st): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<i64>,
    JsonBody(b): JsonBody<TransitionBody>,
) -> ApiResult<Response> {
    let action: app::incident::Action = b.action.parse().map_err(|e: String| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
            format!("action: {e}"),
        )
    })?;
    let report = match b.report.as_ref().filter(|v| !v.is_null()) {
        Some(v) => Some(app::incident_response::EndReport::from_value(v)?.to_json()),
        None => None,
    };
    let input = app::incident::workflow::TransitionInput {
        reason: b.reason,
        report,
    };
    Ok(Json(
        st.app
            .incident_transition(&c.scope, id, action, &input)
            .await?,
    )
    .into_response())
}

#[derive(Deserialize)]
struct AssignBody {
    username: String,
}

async fn assign_incident(
    State(st): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<i64>,
    JsonBody(b): JsonBody<AssignBody>,
) -> ApiResult<Response> {
    Ok(Json(st.app.assign_incident(&c.scope, id, &b.username).await?).into_response())
}

#[derive(Deserialize)]
struct EntryBody {
    kind: String,
    text: String,
}

async fn add_incident_entry(
    State(st): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<i64>,
    JsonBody(b): JsonBody<EntryBody>,
) -> ApiResult<Response> {
    Ok(Json(
        st.app
            .add_incident_entry(&c.scope, id, &b.kind, &b.text)
            .await?,
    )
    .into_response())
}

async fn add_incident_observable(
    State(st): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<i64>,
    JsonBody(b): JsonBody<app::incidents::NewObservable>,
) -> ApiResult<Response> {
    Ok(Json(st.app.add_incident_observable(&c.scope, id, &b).await?).into_response())
}

async fn escalate_incident(
    State(st): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<i64>,
    JsonBody(b): JsonBody<app::incidents::Escalation>,
) -> ApiResult<Response> {
    Ok(Json(st.app.escalate_incident(&c.scope, id, b).await?).into_response())
}

async fn export_incident(
    State(st): State<AppState>,
    Caller(c): Caller,
    Path((id, format)): Path<(i64, String)>,
) -> ApiResult<Response> {
    let format = format.trim_end_matches(".json").to_string();
    let d = st
        .app
        .incident_export(&c.scope, id, &format, chrono::Utc::now())
        .await?;
    Ok(crate::download(d))
}

async fn incident_report_docx(
    State(st): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<i64>,
) -> ApiResult<Response> {
    Ok(crate::download(
        st.app.incident_report_docx(&c.scope, id).await?,
    ))
}
