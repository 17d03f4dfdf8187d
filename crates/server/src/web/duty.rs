//! Console pages for duty: who is on duty now across the province, the
//! high-alert periods with each organisation's coverage, and an
//! organisation's roster with the rotation form and hand-over notes.

use super::{render, Nav, Tr, Web};
use crate::AppState;
use app::duty::{OnDuty, PeriodView, RosterEdit, RosterView};
use app::store::duty::Period;
use app::AppError;
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use chrono::{DateTime, NaiveDateTime, NaiveTime, Utc};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/duty", get(duty).post(create_period))
        .route("/duty/periods/{id}", get(period))
        .route("/duty/periods/{id}/orgs/{org}", get(roster))
        .route("/duty/periods/{id}/orgs/{org}/generate", post(generate))
        .route("/duty/periods/{id}/orgs/{org}/shift", post(edit_shift))
}

fn invalid(field: &str, reason: impl Into<String>) -> AppError {
    let mut e = domain::FieldErrors::default();
    e.push(field, reason);
    AppError::Invalid(e)
}

/// `2025-01-25T07:30` typed in Vietnam time.
fn local(field: &str, s: &str) -> Result<DateTime<Utc>, AppError> {
    let t = NaiveDateTime::parse_from_str(s.trim(), "%Y-%m-%dT%H:%M")
        .map_err(|_| invalid(field, format!("'{}' is not a date and time", s.trim())))?;
    app::roster::time::local_to_utc(t.date(), t.time())
        .ok_or_else(|| invalid(field, "outside the supported years"))
}

/// A moment in Vietnam time for templates, which hand over values or
/// references (to references) of them.
pub fn local_text<T: Moment>(at: T) -> String {
    app::roster::format_local(at.moment())
}

pub trait Moment {
    fn moment(&self) -> DateTime<Utc>;
}

impl Moment for DateTime<Utc> {
    fn moment(&self) -> DateTime<Utc> {
        *self
    }
}

impl<T: Moment> Moment for &T {
    fn moment(&self) -> DateTime<Utc> {
        (**self).moment()
    }
}

#[derive(Template)]
#[template(path = "duty.html")]
struct DutyPage {
    tr: Tr,
    nav: Nav,
    title: String,
    now: Vec<OnDuty>,
    periods: Vec<Period>,
    orgs: Vec<(i64, String)>,
    coordinator: bool,
}

async fn duty(State(st): State<AppState>, web: Web) -> Response {
    let scope = &web.auth.scope;
    let result = async {
        let now = st.app.on_duty(scope, Utc::now()).await?;
        let periods = st.app.periods(scope).await?;
        let mut orgs: Vec<(i64, String)> = if scope.is_coordinator() {
            st.app
                .orgs(
                    scope,
                    &app::store::orgs::OrgFilter {
                        limit: 1000,
                        ..Default::default()
                    },
                )
                .await?
                .items
                .into_iter()
                .map(|o| (o.id, o.data.short_name.to_string()))
                .collect()
        } else {
            Vec::new()
        };
        orgs.sort_by(|a, b| a.1.cmp(&b.1));
        Ok::<_, AppError>((now, periods, orgs))
    }
    .await;
    match result {
        Ok((now, periods, orgs)) => render(&DutyPage {
            tr: web.tr,
            nav: web.nav("duty"),
            title: web.tr.t("duty").into(),
            now,
            periods,
            orgs,
            coordinator: scope.is_coordinator(),
        }),
        Err(e) => web.fail(e),
    }
}

#[derive(Deserialize)]
struct PeriodForm {
    #[serde(default)]
    csrf: String,
    name: String,
    starts_at: String,
    ends_at: String,
    #[serde(default)]
    orgs: String,
}

async fn create_period(
    State(st): State<AppState>,
    web: Web,
    Form(f): Form<PeriodForm>,
) -> Response {
    if let Some(r) = web.refuse_csrf(&f.csrf) {
        return r;
    }
    let result = async {
        let start = local("starts_at", &f.starts_at)?;
        let end = local("ends_at", &f.ends_at)?;
        let orgs: Vec<i64> = f
            .orgs
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|s| !s.is_empty())
            .map(|s| {
                s.parse()
                    .map_err(|_| invalid("orgs", format!("'{s}' is not an organisation")))
            })
            .collect::<Result<_, _>>()?;
        st.app
            .create_period(&web.auth.scope, &f.name, start, end, &orgs)
            .await
    }
    .await;
    match result {
        Ok(p) => Redirect::to(&format!("/duty/periods/{}", p.period.id)).into_response(),
        Err(e) => web.fail(e),
    }
}

#[derive(Template)]
#[template(path = "duty_period.html")]
struct PeriodPage {
    tr: Tr,
    nav: Nav,
    title: String,
    v: PeriodView,
}

async fn period(State(st): State<AppState>, web: Web, Path(id): Path<i64>) -> Response {
    match st.app.period(&web.auth.scope, id).await {
        Ok(v) => render(&PeriodPage {
            tr: web.tr,
            nav: web.nav("duty"),
            title: v.period.name.clone(),
            v,
        }),
        Err(e) => web.fail(e),
    }
}

#[derive(Template)]
#[template(path = "duty_roster.html")]
struct RosterPage {
    tr: Tr,
    nav: Nav,
    title: String,
    v: RosterView,
    /// The shift open in the edit form (`?shift=N`): its index, start
    /// (RFC 3339, checked on save), crew one per line, and note.
    edit: Option<ShiftEdit>,
}

struct ShiftEdit {
    index: usize,
    starts_at: String,
    when: String,
    people: String,
    note: String,
}

#[derive(Deserialize)]
struct RosterQuery {
    shift: Option<usize>,
}

async fn roster(
    State(st): State<AppState>,
    web: Web,
    Path((id, org)): Path<(i64, i64)>,
    axum::extract::Query(q): axum::extract::Query<RosterQuery>,
) -> Response {
    match st.app.roster(&web.auth.scope, id, org).await {
        Ok(v) => {
            let edit = q
                .shift
                .filter(|_| v.may_edit)
                .and_then(|i| v.roster.shifts().get(i).map(|s| (i, s)))
                .map(|(index, s)| ShiftEdit {
                    index,
                    starts_at: s.start().to_rfc3339(),
                    when: format!("{} – {}", local_text(s.start()), local_text(s.end())),
                    people: s
                        .people()
                        .iter()
                        .map(|p| format!("{}, {}", p.name(), p.phone_local()))
                        .collect::<Vec<_>>()
                        .join("\n"),
                    note: s.note().unwrap_or_default().to_string(),
                });
            render(&RosterPage {
                tr: web.tr,
                nav: web.nav("duty"),
                title: format!("{} — {}", v.period.name, v.org_name),
                v,
                edit,
            })
        }
        Err(e) => web.fail(e),
    }
}

/// People typed one per line as `name, phone`; a bad line is named.
fn people_lines(field: &str, text: &str) -> Result<Vec<app::roster::Person>, AppError> {
    let mut people = Vec::new();
    for (i, line) in text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .enumerate()
    {
        let (name, phone) = line
            .rsplit_once(',')
            .ok_or_else(|| invalid(field, format!("line {}: write 'name, phone'", i + 1)))?;
        people.push(
            app::roster::Person::new(name.trim(), phone.trim())
                .map_err(|e| invalid(field, format!("line {}: {e}", i + 1)))?,
        );
    }
    Ok(people)
}

#[derive(Deserialize)]
struct RotationForm {
    #[serde(default)]
    csrf: String,
    /// One person per line: `name, phone`.
    people: String,
    shift_hours: u32,
    handover: String,
    #[serde(default)]
    office_hours: Option<String>,
}

async fn generate(
    State(st): State<AppState>,
    web: Web,
    Path((id, org)): Path<(i64, i64)>,
    Form(f): Form<RotationForm>,
) -> Response {
    if let Some(r) = web.refuse_csrf(&f.csrf) {
        return r;
    }
    let result = async {
        let people = people_lines("people", &f.people)?;
        let handover = NaiveTime::parse_from_str(f.handover.trim(), "%H:%M")
            .map_err(|_| invalid("handover", "write the hand-over time as HH:MM"))?;
        let mode = if f.office_hours.is_some() {
            let end = handover + chrono::Duration::hours(i64::from(f.shift_hours.min(23)));
            app::roster::DutyMode::Restricted(app::roster::Window::office_hours(handover, end))
        } else {
            app::roster::DutyMode::Continuous { handover }
        };
        let rotation = app::roster::Rotation {
            people,
            shift_hours: f.shift_hours,
            per_shift: 1,
            mode,
        };
        st.app
            .generate_roster(&web.auth.scope, id, org, &rotation)
            .await
    }
    .await;
    match result {
        Ok(_) => Redirect::to(&format!("/duty/periods/{id}/orgs/{org}")).into_response(),
        Err(e) => web.fail(e),
    }
}

#[derive(Deserialize)]
struct ShiftForm {
    #[serde(default)]
    csrf: String,
    index: usize,
    #[serde(default)]
    starts_at: String,
    #[serde(default)]
    people: String,
    #[serde(default)]
    note: String,
}

/// The one form that edits a shift: its crew and its hand-over note.
async fn edit_shift(
    State(st): State<AppState>,
    web: Web,
    Path((id, org)): Path<(i64, i64)>,
    Form(f): Form<ShiftForm>,
) -> Response {
    if let Some(r) = web.refuse_csrf(&f.csrf) {
        return r;
    }
    let result = async {
        let edit = RosterEdit::Shift {
            index: f.index,
            people: people_lines("shift_people", &f.people)?,
            note: domain::non_empty(Some(f.note)),
            starts_at: DateTime::parse_from_rfc3339(f.starts_at.trim())
                .ok()
                .map(|t| t.with_timezone(&Utc)),
        };
        st.app.edit_roster(&web.auth.scope, id, org, edit).await
    }
    .await;
    match result {
        Ok(_) => Redirect::to(&format!("/duty/periods/{id}/orgs/{org}#shifts")).into_response(),
        Err(e) => web.fail(e),
    }
}
