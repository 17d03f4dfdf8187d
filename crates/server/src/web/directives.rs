//! Console pages for directives: the list (and the coordinator's form to
//! record one task by task), one directive with the organisations × tasks
//! matrix for the province or the organisation's own tasks with the form to
//! report on each, the document, evidence files and reminders.

use super::{read_upload, render, CsrfForm, Nav, Tr, Web};
use crate::AppState;
use app::directives::{DirectiveInput, DirectiveView, TaskInput, TaskStatus};
use app::store::directives::Directive;
use app::AppError;
use askama::Template;
use axum::extract::{Multipart, Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/directives", get(list).post(create))
        .route("/directives/{id}", get(detail))
        .route("/directives/{id}/matrix.xlsx", get(matrix_xlsx))
        .route("/directives/{id}/remind", post(remind))
        .route(
            "/directives/{id}/document",
            post(document).layer(axum::extract::DefaultBodyLimit::max(
                crate::MAX_UPLOAD_BYTES,
            )),
        )
        .route("/directives/{id}/tasks/{task}", post(report))
        .route(
            "/directives/{id}/tasks/{task}/evidence",
            post(evidence).layer(axum::extract::DefaultBodyLimit::max(
                crate::MAX_UPLOAD_BYTES,
            )),
        )
}

#[derive(Template)]
#[template(path = "directives.html")]
struct ListPage {
    tr: Tr,
    nav: Nav,
    title: String,
    rows: Vec<Directive>,
    coordinator: bool,
    message: Option<String>,
}

async fn list_page(st: &AppState, web: &Web, message: Option<String>) -> Response {
    match st.app.directives(&web.auth.scope).await {
        Ok(rows) => render(&ListPage {
            tr: web.tr,
            nav: web.nav("directives"),
            title: web.tr.t("directives").into(),
            rows,
            coordinator: web.auth.scope.is_coordinator(),
            message,
        }),
        Err(e) => web.fail(e),
    }
}

async fn list(State(st): State<AppState>, web: Web) -> Response {
    list_page(&st, &web, None).await
}

#[derive(Deserialize)]
struct CreateForm {
    #[serde(default)]
    csrf: String,
    number: String,
    issued_on: String,
    issuer: String,
    title: String,
    tasks: String,
}

async fn create(State(st): State<AppState>, web: Web, Form(f): Form<CreateForm>) -> Response {
    if let Some(r) = web.refuse_csrf(&f.csrf) {
        return r;
    }
    let tasks = match TaskInput::parse_lines(&f.tasks) {
        Ok(t) => t,
        Err(e) => {
            let why = super::form_errors::describe(web.tr, &e).join("; ");
            return list_page(&st, &web, Some(why)).await;
        }
    };
    let issued_on = match app::registry::parse_vn_date(&f.issued_on) {
        Some(d) => d,
        None => {
            return list_page(
                &st,
                &web,
                Some(format!("issued_on: '{}' is not a date", f.issued_on)),
            )
            .await
        }
    };
    let input = DirectiveInput {
        number: f.number,
        issued_on,
        issuer: f.issuer,
        title: f.title,
        period_id: None,
        tasks,
    };
    match st.app.create_directive(&web.auth.scope, &input).await {
        Ok(d) => Redirect::to(&format!("/directives/{}", d.directive.id)).into_response(),
        Err(AppError::Invalid(e)) => {
            let why = super::form_errors::describe(web.tr, &e).join("; ");
            list_page(&st, &web, Some(why)).await
        }
        Err(e) => web.fail(e),
    }
}

#[derive(Template)]
#[template(path = "directive.html")]
struct DetailPage {
    tr: Tr,
    nav: Nav,
    title: String,
    v: DirectiveView,
    province: bool,
    coordinator: bool,
    my_org: i64,
    message: Option<String>,
}

impl DetailPage {
    /// The cell of one organisation and task: its status and whether it is overdue.
    fn cell(&self, org_id: &i64, task_id: &i64) -> Option<&app::directives::Cell> {
        self.v
            .cells
            .iter()
            .find(|c| c.progress.org_id == *org_id && c.progress.task_id == *task_id)
    }
    fn evidence_for(
        &self,
        org_id: &i64,
        task_id: &i64,
    ) -> Vec<&app::store::attachments::Attachment> {
        self.v
            .evidence
            .iter()
            .filter(|a| a.ref_id == *task_id && a.org_id == Some(*org_id))
            .collect()
    }
}

async fn detail_page(st: &AppState, web: &Web, id: i64, message: Option<String>) -> Response {
    match st.app.directive(&web.auth.scope, id).await {
        Ok(v) => render(&DetailPage {
            tr: web.tr,
            nav: web.nav("directives"),
            title: format!("{} — {}", v.directive.number, v.directive.title),
            province: web.auth.scope.sees_province(),
            coordinator: web.auth.scope.is_coordinator(),
            my_org: web.auth.scope.org_id,
            message,
            v,
        }),
        Err(e) => web.fail(e),
    }
}

async fn detail(State(st): State<AppState>, web: Web, Path(id): Path<i64>) -> Response {
    detail_page(&st, &web, id, None).await
}

async fn remind(
    State(st): State<AppState>,
    web: Web,
    Path(id): Path<i64>,
    Form(f): Form<CsrfForm>,
) -> Response {
    if let Some(r) = web.refuse_csrf(&f.csrf) {
        return r;
    }
    match st.app.remind_directive(&web.auth.scope, id).await {
        Ok(run) => {
            let msg = format!(
                "{}: {} / {}",
                web.tr.t("reminders_sent"),
                run.orgs,
                run.messages
            );
            detail_page(&st, &web, id, Some(msg)).await
        }
        Err(e) => web.fail(e),
    }
}

#[derive(Deserialize)]
struct ReportForm {
    #[serde(default)]
    csrf: String,
    status: String,
    #[serde(default)]
    note: String,
}

async fn report(
    State(st): State<AppState>,
    web: Web,
    Path((id, task)): Path<(i64, i64)>,
    Form(f): Form<ReportForm>,
) -> Response {
    if let Some(r) = web.refuse_csrf(&f.csrf) {
        return r;
    }
    let status: TaskStatus =
        match serde_json::from_value(serde_json::Value::String(f.status.clone())) {
            Ok(s) => s,
            Err(_) => {
                return detail_page(&st, &web, id, Some(format!("status: '{}'", f.status))).await
            }
        };
    match st
        .app
        .report_task(&web.auth.scope, task, status, Some(&f.note))
        .await
    {
        Ok(()) => Redirect::to(&format!("/directives/{id}")).into_response(),
        Err(AppError::Invalid(e)) => {
            detail_page(
                &st,
                &web,
                id,
                Some(super::form_errors::describe(web.tr, &e).join("; ")),
            )
            .await
        }
        Err(e) => web.fail(e),
    }
}

async fn upload_then(
    st: &AppState,
    web: &Web,
    id: i64,
    mp: Multipart,
    task: Option<i64>,
) -> Response {
    let up = match read_upload(mp).await {
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
    let done = match task {
        Some(t) => {
            st.app
                .attach_task_evidence(&web.auth.scope, t, &up.file_name, up.bytes)
                .await
        }
        None => {
            st.app
                .attach_directive_document(&web.auth.scope, id, &up.file_name, up.bytes)
                .await
        }
    };
    match done {
        Ok(_) => Redirect::to(&format!("/directives/{id}")).into_response(),
        Err(AppError::Invalid(e)) => {
            detail_page(
                st,
                web,
                id,
                Some(super::form_errors::describe(web.tr, &e).join("; ")),
            )
            .await
        }
        Err(e) => web.fail(e),
    }
}

async fn document(
    State(st): State<AppState>,
    web: Web,
    Path(id): Path<i64>,
    mp: Multipart,
) -> Response {
    upload_then(&st, &web, id, mp, None).await
}

async fn evidence(
    State(st): State<AppState>,
    web: Web,
    Path((id, task)): Path<(i64, i64)>,
    mp: Multipart,
) -> Response {
    upload_then(&st, &web, id, mp, Some(task)).await
}

/// The organisations × tasks matrix as a spreadsheet.
async fn matrix_xlsx(State(st): State<AppState>, web: Web, Path(id): Path<i64>) -> Response {
    match st.app.directive_matrix_xlsx(&web.auth.scope, id).await {
        Ok(d) => crate::download(d),
        Err(e) => web.fail(e),
    }
}
