//! Directives, their tasks and files.

use super::*;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/directives", get(list_directives).post(create_directive))
        .route("/directives/{id}", get(get_directive))
        .route("/directives/tasks/{id}/progress", post(report_task))
        .route(
            "/directives/tasks/{id}/evidence",
            post(attach_task_evidence).layer(axum::extract::DefaultBodyLimit::disable()),
        )
        .route(
            "/directives/{id}/document",
            post(attach_directive_document).layer(axum::extract::DefaultBodyLimit::disable()),
        )
        .route("/directives/{id}/files/{file}", get(directive_file))
        .route("/directives/{id}/matrix.xlsx", get(matrix_xlsx))
        .route("/directives/{id}/remind", post(remind_directive))
}

#[derive(Deserialize)]
struct FileParams {
    file_name: String,
}

async fn attach_directive_document(
    State(st): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<i64>,
    Query(p): Query<FileParams>,
    body: axum::body::Body,
) -> ApiResult<Response> {
    let bytes = read_file_body(&st, &p.file_name, body).await?;
    let a = st
        .app
        .attach_directive_document(&c.scope, id, &p.file_name, bytes)
        .await?;
    Ok((StatusCode::CREATED, Json(a)).into_response())
}

async fn attach_task_evidence(
    State(st): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<i64>,
    Query(p): Query<FileParams>,
    body: axum::body::Body,
) -> ApiResult<Response> {
    let bytes = read_file_body(&st, &p.file_name, body).await?;
    let a = st
        .app
        .attach_task_evidence(&c.scope, id, &p.file_name, bytes)
        .await?;
    Ok((StatusCode::CREATED, Json(a)).into_response())
}

async fn directive_file(
    State(st): State<AppState>,
    Caller(c): Caller,
    Path((id, file)): Path<(i64, i64)>,
) -> ApiResult<Response> {
    Ok(opaque_download(
        st.app.directive_file(&c.scope, id, file).await?,
    ))
}

/// The organisations × tasks matrix as a spreadsheet (an organisation: its
/// own row), as the console's button downloads it.
async fn matrix_xlsx(
    State(st): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<i64>,
) -> ApiResult<Response> {
    Ok(crate::download(
        st.app.directive_matrix_xlsx(&c.scope, id).await?,
    ))
}

async fn remind_directive(
    State(st): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<i64>,
) -> ApiResult<Response> {
    Ok(Json(st.app.remind_directive(&c.scope, id).await?).into_response())
}

async fn create_directive(
    State(st): State<AppState>,
    Caller(c): Caller,
    JsonBody(b): JsonBody<app::directives::DirectiveInput>,
) -> ApiResult<Response> {
    Ok((
        StatusCode::CREATED,
        Json(st.app.create_directive(&c.scope, &b).await?),
    )
        .into_response())
}

async fn list_directives(State(st): State<AppState>, Caller(c): Caller) -> ApiResult<Response> {
    Ok(Json(json!({"items": st.app.directives(&c.scope).await?})).into_response())
}

async fn get_directive(
    State(st): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<i64>,
) -> ApiResult<Response> {
    Ok(Json(st.app.directive(&c.scope, id).await?).into_response())
}

#[derive(Deserialize)]
struct TaskReport {
    status: app::directives::TaskStatus,
    note: Option<String>,
}

async fn report_task(
    State(st): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<i64>,
    JsonBody(b): JsonBody<TaskReport>,
) -> ApiResult<StatusCode> {
    st.app
        .report_task(&c.scope, id, b.status, b.note.as_deref())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
