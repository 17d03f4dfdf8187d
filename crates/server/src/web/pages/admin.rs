//! Administration: accounts, machine tokens, the audit log.

use super::*;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/users", get(users).post(create_user))
        .route("/admin/users/{id}/role", post(user_role))
        .route("/admin/users/{id}/{action}", post(user_action))
        .route("/admin/tokens", get(tokens).post(create_token))
        .route("/admin/tokens/{id}/revoke", post(revoke_token))
        .route("/admin/audit", get(audit))
        .route(
            "/admin/national-bodies",
            get(national_bodies).post(save_national_bodies),
        )
}

#[derive(Template)]
#[template(path = "users.html")]
struct UsersPage {
    tr: Tr,
    nav: Nav,
    title: String,
    users: Vec<(User, String)>,
    orgs: Vec<(i64, String)>,
    roles: Vec<(String, String)>,
    shown_once: Option<(String, String)>,
    errors: Vec<String>,
}

async fn users_page(
    st: &AppState,
    web: &Web,
    shown_once: Option<(String, String)>,
    errors: Vec<String>,
) -> Response {
    let scope = &web.auth.scope;
    let orgs = match org_map(st, web).await {
        Ok(o) => o,
        Err(e) => return web.fail(e),
    };
    let users = match st.app.users(scope, None, None, 1000).await {
        Ok(p) => p.items,
        Err(e) => return web.fail(e),
    };
    let tr = web.tr;
    render(&UsersPage {
        users: users
            .into_iter()
            .map(|u| {
                let o = short(&orgs, Some(u.org_id));
                (u, o)
            })
            .collect(),
        orgs: sorted_names(&orgs, |o| scope.may_manage_users_of(o.id)),
        roles: role_options(tr, scope),
        shown_once,
        nav: web.nav("admin"),
        title: tr.t("users").into(),
        tr,
        errors,
    })
}

/// The roles the scope may grant, labelled in the reader's language.
fn role_options(tr: Tr, scope: &domain::Scope) -> Vec<(String, String)> {
    // Only roles the scope covers, the least powerful first (the form's default).
    let mut roles: Vec<&Role> = Role::ALL
        .iter()
        .filter(|r| scope.role.covers(**r) && **r != Role::Sensor)
        .collect();
    roles.sort_by_key(|r| r.capabilities().len());
    roles
        .into_iter()
        .map(|r| {
            (
                r.as_str().to_string(),
                if tr.is_en() {
                    r.label_en()
                } else {
                    r.label_vi()
                }
                .to_string(),
            )
        })
        .collect()
}

async fn users(State(st): State<AppState>, web: Web) -> Response {
    users_page(&st, &web, None, vec![]).await
}

#[derive(Deserialize)]
struct NewUserForm {
    #[serde(default)]
    csrf: String,
    username: String,
    display_name: String,
    #[serde(default)]
    email: String,
    org_id: i64,
    role: String,
}

async fn create_user(State(st): State<AppState>, web: Web, Form(f): Form<NewUserForm>) -> Response {
    if let Some(r) = web.refuse_csrf(&f.csrf) {
        return r;
    }
    let Ok(role) = f.role.parse::<Role>() else {
        return users_page(&st, &web, None, vec![format!("role: {}", f.role)]).await;
    };
    let req = app::accounts::CreateUser {
        username: f.username,
        display_name: f.display_name,
        email: Some(f.email).filter(|e| !e.trim().is_empty()),
        org_id: f.org_id,
        role,
        password: None,
        must_change_password: true,
    };
    match st.app.create_user(&web.auth.scope, &req).await {
        Ok((u, Some(p))) => users_page(&st, &web, Some((u.username, p)), vec![]).await,
        Ok((_, None)) => Redirect::to("/admin/users").into_response(),
        Err(AppError::Invalid(errs)) => {
            users_page(
                &st,
                &web,
                None,
                crate::web::form_errors::describe(web.tr, &errs),
            )
            .await
        }
        Err(AppError::Conflict(why)) => users_page(&st, &web, None, vec![why]).await,
        Err(e) => web.fail(e),
    }
}

#[derive(Deserialize)]
struct RoleForm {
    #[serde(default)]
    csrf: String,
    role: String,
}

async fn user_role(
    State(st): State<AppState>,
    web: Web,
    Path(id): Path<i64>,
    Form(f): Form<RoleForm>,
) -> Response {
    if let Some(r) = web.refuse_csrf(&f.csrf) {
        return r;
    }
    let Ok(role) = f.role.parse::<Role>() else {
        return users_page(&st, &web, None, vec![format!("role: {}", f.role)]).await;
    };
    match st.app.set_user_role(&web.auth.scope, id, role).await {
        Ok(()) => Redirect::to("/admin/users").into_response(),
        Err(AppError::Conflict(why)) => users_page(&st, &web, None, vec![why]).await,
        Err(e) => web.fail(e),
    }
}

async fn user_action(
    State(st): State<AppState>,
    web: Web,
    Path((id, action)): Path<(i64, String)>,
    Form(f): Form<CsrfForm>,
) -> Response {
    if let Some(r) = web.refuse_csrf(&f.csrf) {
        return r;
    }
    let scope = &web.auth.scope;
    let result = match action.as_str() {
        "disable" => st
            .app
            .set_user_disabled(scope, id, true)
            .await
            .map(|_| None),
        "enable" => st
            .app
            .set_user_disabled(scope, id, false)
            .await
            .map(|_| None),
        "reset" => st.app.reset_password(scope, id).await.map(Some),
        "totp-off" => st.app.disable_totp(scope, id).await.map(|_| None),
        _ => Err(AppError::NotFound),
    };
    match result {
        Ok(None) => Redirect::to("/admin/users").into_response(),
        Ok(Some(p)) => {
            let name = st
                .app
                .users(scope, None, None, 1000)
                .await
                .ok()
                .and_then(|pg| pg.items.into_iter().find(|u| u.id == id))
                .map(|u| u.username)
                .unwrap_or_default();
            users_page(&st, &web, Some((name, p)), vec![]).await
        }
        Err(AppError::Conflict(why)) => users_page(&st, &web, None, vec![why]).await,
        Err(e) => web.fail(e),
    }
}

#[derive(Template)]
#[template(path = "tokens.html")]
struct TokensPage {
    tr: Tr,
    nav: Nav,
    title: String,
    tokens: Vec<(ApiToken, String)>,
    orgs: Vec<(i64, String)>,
    roles: Vec<(String, String)>,
    secret: Option<String>,
    errors: Vec<String>,
}

async fn tokens_page(
    st: &AppState,
    web: &Web,
    secret: Option<String>,
    errors: Vec<String>,
) -> Response {
    let scope = &web.auth.scope;
    let orgs = match org_map(st, web).await {
        Ok(o) => o,
        Err(e) => return web.fail(e),
    };
    let tokens = match st.app.tokens(scope).await {
        Ok(t) => t,
        Err(e) => return web.fail(e),
    };
    let tr = web.tr;
    render(&TokensPage {
        tokens: tokens
            .into_iter()
            .map(|t| {
                let o = short(&orgs, Some(t.org_id));
                (t, o)
            })
            .collect(),
        orgs: sorted_names(&orgs, |o| scope.may_manage_users_of(o.id)),
        roles: role_options(tr, scope),
        secret,
        nav: web.nav("admin"),
        title: tr.t("tokens").into(),
        tr,
        errors,
    })
}

async fn tokens(State(st): State<AppState>, web: Web) -> Response {
    tokens_page(&st, &web, None, vec![]).await
}

#[derive(Deserialize)]
struct NewTokenForm {
    #[serde(default)]
    csrf: String,
    name: String,
    org_id: i64,
    role: String,
    valid_days: i64,
}

async fn create_token(
    State(st): State<AppState>,
    web: Web,
    Form(f): Form<NewTokenForm>,
) -> Response {
    if let Some(r) = web.refuse_csrf(&f.csrf) {
        return r;
    }
    let Ok(role) = f.role.parse::<Role>() else {
        return tokens_page(&st, &web, None, vec![format!("role: {}", f.role)]).await;
    };
    let req = app::accounts::CreateToken {
        name: f.name,
        org_id: f.org_id,
        role,
        valid_days: f.valid_days,
    };
    match st.app.create_token(&web.auth.scope, &req).await {
        Ok((_, secret)) => tokens_page(&st, &web, Some(secret), vec![]).await,
        Err(AppError::Invalid(errs)) => {
            tokens_page(
                &st,
                &web,
                None,
                crate::web::form_errors::describe(web.tr, &errs),
            )
            .await
        }
        Err(e) => web.fail(e),
    }
}

async fn revoke_token(
    State(st): State<AppState>,
    web: Web,
    Path(id): Path<i64>,
    Form(f): Form<CsrfForm>,
) -> Response {
    if let Some(r) = web.refuse_csrf(&f.csrf) {
        return r;
    }
    match st.app.revoke_token(&web.auth.scope, id).await {
        Ok(()) => Redirect::to("/admin/tokens").into_response(),
        Err(e) => web.fail(e),
    }
}

#[derive(Deserialize, Default)]
struct AuditQuery {
    entity: Option<String>,
    actor: Option<String>,
    action: Option<String>,
    before_id: Option<String>,
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    tr: Tr,
    nav: Nav,
    title: String,
    records: Vec<AuditRecord>,
    /// What the records name, by name (`App::audit_subjects`).
    subjects: std::collections::HashMap<(String, i64), String>,
    chain: Option<ChainReport>,
    entity: String,
    actor: String,
    action: String,
    next: Option<String>,
}

/// What the audit log can be filtered by, most asked for first.
const AUDIT_ENTITIES: &[&str] = &[
    "org",
    "system",
    "asset",
    "user",
    "api_token",
    "incident",
    "finding",
    "warning",
    "botnet_list",
    "directive",
    "directive_task",
    "roster",
    "alert",
    "sensor",
    "suppression",
    "rule_switch",
    "indicator_feed",
    "contact",
    "setting:national_bodies",
    "audit_log",
];

impl AuditPage {
    fn when(&self, r: &AuditRecord) -> String {
        app::registry::format_vn_time(r.at)
    }
    /// The record's name (`SONHA-SYT-01`), else its number.
    fn subject(&self, entity: &str, id: &i64) -> String {
        self.subjects
            .get(&(entity.to_string(), *id))
            .cloned()
            .unwrap_or_else(|| format!("#{id}"))
    }
    fn entities(&self) -> &'static [&'static str] {
        AUDIT_ENTITIES
    }
    /// The console page of a record the log names, where there is one.
    fn link(&self, entity: &str, id: impl std::fmt::Display) -> Option<String> {
        let base = match entity {
            "org" => "/orgs",
            "system" => "/systems",
            "asset" => "/assets",
            "incident" => "/incidents",
            "finding" => "/vulns/findings",
            "warning" => "/vulns/warnings",
            "botnet_list" => "/botnet/lists",
            "directive" => "/directives",
            "alert" => "/alerts",
            _ => return None,
        };
        Some(format!("{base}/{id}"))
    }
    fn checkpoint_when(&self, c: &domain::audit::Checkpoint) -> String {
        app::registry::format_vn_time(c.at)
    }
}

async fn audit(State(st): State<AppState>, web: Web, Query(q): Query<AuditQuery>) -> Response {
    let nonempty = |v: &Option<String>| v.clone().filter(|s| !s.trim().is_empty());
    let f = AuditFilter {
        entity: nonempty(&q.entity),
        actor: nonempty(&q.actor),
        action: nonempty(&q.action),
        before_id: num(&q.before_id),
        entity_id: None,
        limit: 100,
    };
    let page = match st.app.audit_log(&web.auth.scope, &f).await {
        Ok(p) => p,
        Err(e) => return web.fail(e),
    };
    let subjects = st
        .app
        .audit_subjects(&web.auth.scope, &page.items)
        .await
        .unwrap_or_default();
    // Only province-wide readers may verify the whole chain.
    let chain = st.app.verify_audit(&web.auth.scope).await.ok();
    let next = page.next.map(|n| {
        format!(
            "?before_id={n}&entity={}&actor={}&action={}",
            urlencode(f.entity.as_deref().unwrap_or("")),
            urlencode(f.actor.as_deref().unwrap_or("")),
            urlencode(f.action.as_deref().unwrap_or(""))
        )
    });
    render(&AuditPage {
        tr: web.tr,
        nav: web.nav("admin"),
        title: web.tr.t("audit").into(),
        records: page.items,
        subjects,
        chain,
        entity: f.entity.unwrap_or_default(),
        actor: f.actor.unwrap_or_default(),
        action: f.action.unwrap_or_default(),
        next,
    })
}

#[derive(Template)]
#[template(path = "national_bodies.html")]
struct NationalBodiesPage {
    tr: Tr,
    nav: Nav,
    title: String,
    bodies: domain::NationalBodies,
    /// The recipients as the form's lines.
    lines: String,
    may_edit: bool,
    errors: Vec<String>,
}

fn national_bodies_page(
    web: &Web,
    bodies: domain::NationalBodies,
    errors: Vec<String>,
) -> Response {
    let tr = web.tr;
    render(&NationalBodiesPage {
        lines: bodies.recipients_as_lines(),
        bodies,
        may_edit: web.auth.scope.is_coordinator(),
        nav: web.nav("admin"),
        title: tr.t("national_bodies").into(),
        tr,
        errors,
    })
}

async fn national_bodies(State(st): State<AppState>, web: Web) -> Response {
    match st.app.national_bodies(&web.auth.scope).await {
        Ok(b) => national_bodies_page(&web, b, vec![]),
        Err(e) => web.fail(e),
    }
}

#[derive(Deserialize)]
struct NationalBodiesForm {
    #[serde(default)]
    csrf: String,
    issuer_name: String,
    issuer_short: String,
    recipients: String,
    #[serde(default)]
    confirmed: Option<String>,
}

async fn save_national_bodies(
    State(st): State<AppState>,
    web: Web,
    Form(f): Form<NationalBodiesForm>,
) -> Response {
    if let Some(r) = web.refuse_csrf(&f.csrf) {
        return r;
    }
    let typed = |recipients| domain::NationalBodies {
        warning_issuer: domain::national::Body {
            name: f.issuer_name.clone(),
            short: f.issuer_short.clone(),
        },
        incident_recipients: recipients,
        confirmed: f.confirmed.is_some(),
    };
    let errs = match domain::NationalBodies::recipients_from_lines(&f.recipients) {
        Ok(recipients) => match st
            .app
            .set_national_bodies(&web.auth.scope, typed(recipients))
            .await
        {
            Ok(_) => return Redirect::to("/admin/national-bodies").into_response(),
            Err(AppError::Invalid(errs)) => errs,
            Err(e) => return web.fail(e),
        },
        Err(errs) => errs,
    };
    // Shown again as typed, with what is wrong.
    let mut again = typed(Vec::new());
    let lines = f.recipients.clone();
    let errors = crate::web::form_errors::describe(web.tr, &errs);
    again.confirmed = f.confirmed.is_some();
    let tr = web.tr;
    render(&NationalBodiesPage {
        lines,
        bodies: again,
        may_edit: true,
        nav: web.nav("admin"),
        title: tr.t("national_bodies").into(),
        tr,
        errors,
    })
}
