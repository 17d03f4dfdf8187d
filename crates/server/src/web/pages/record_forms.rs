//! The organisation and asset forms (create, edit, delete).

use super::*;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/orgs/new", get(new_org).post(create_org))
        .route("/orgs/{id}/edit", get(edit_org).post(update_org))
        .route(
            "/orgs/{id}/delete",
            get(confirm_delete_org).post(delete_org),
        )
        .route(
            "/systems/{id}/assets/new",
            get(new_asset).post(create_asset),
        )
        .route("/assets/{id}/edit", get(edit_asset).post(update_asset))
        .route(
            "/assets/{id}/delete",
            get(confirm_delete_asset).post(delete_asset),
        )
}

/// One field of a record form.
struct Field {
    name: &'static str,
    label: String,
    kind: &'static str,
    value: String,
    options: Vec<(String, String)>,
    required: bool,
    hint: String,
}

#[derive(Template)]
#[template(path = "record_form.html")]
struct RecordForm {
    tr: Tr,
    nav: Nav,
    title: String,
    action: String,
    back: String,
    fields: Vec<Field>,
    errors: Vec<RowError>,
}

fn value_of(values: &[(String, String)], k: &str) -> String {
    values
        .iter()
        .filter(|(f, _)| f == k)
        .map(|(_, v)| v.as_str())
        .collect::<Vec<_>>()
        .join("; ")
}

fn text_field(
    tr: Tr,
    values: &[(String, String)],
    name: &'static str,
    label: &str,
    required: bool,
) -> Field {
    Field {
        name,
        label: tr.t(label).into(),
        kind: "text",
        value: value_of(values, name),
        options: vec![],
        required,
        hint: String::new(),
    }
}

fn render_form(
    web: &Web,
    active: &'static str,
    title: String,
    action: String,
    back: String,
    fields: Vec<Field>,
    errors: Vec<RowError>,
) -> Response {
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let mut r = render(&RecordForm {
        tr: web.tr,
        nav: web.nav(active),
        title,
        action,
        back,
        fields,
        errors,
    });
    *r.status_mut() = status;
    r
}

fn org_fields(
    tr: Tr,
    v: &[(String, String)],
    parents: Vec<(String, String)>,
    types: Vec<(String, String)>,
) -> Vec<Field> {
    let mut f = vec![
        text_field(tr, v, "short_name", "short_name", true),
        text_field(tr, v, "name", "name", true),
        Field {
            kind: "select",
            options: types,
            ..text_field(tr, v, "org_type", "org_type", true)
        },
        Field {
            kind: "select",
            options: parents,
            ..text_field(tr, v, "parent", "parent", false)
        },
        text_field(tr, v, "address", "address", false),
        text_field(tr, v, "contact_name", "contacts", false),
        text_field(tr, v, "contact_title", "contact_title", false),
        text_field(tr, v, "contact_phone", "contact_phone", false),
        text_field(tr, v, "contact_email", "email", false),
        text_field(tr, v, "duty_name", "duty_contact", false),
        text_field(tr, v, "duty_phone", "duty_phone", false),
        text_field(tr, v, "duty_email", "duty_email", false),
        Field {
            kind: "textarea",
            hint: tr.t("blocks_hint").into(),
            ..text_field(tr, v, "address_blocks", "address_blocks", false)
        },
        text_field(tr, v, "asns", "asns", false),
    ];
    f[12].value = f[12].value.replace("; ", "\n");
    f
}

fn org_values(o: &Org, orgs: &HashMap<i64, Org>) -> Vec<(String, String)> {
    let d = &o.data;
    let c = d.contacts.first();
    let duty = d.contact_24x7.as_ref();
    let opt = |v: Option<String>| v.unwrap_or_default();
    vec![
        ("short_name".into(), d.short_name.to_string()),
        ("name".into(), d.name.to_string()),
        ("org_type".into(), d.org_type.as_str().into()),
        ("parent".into(), short(orgs, d.parent_id)),
        ("address".into(), opt(d.address.clone())),
        ("contact_name".into(), opt(c.map(|c| c.name.to_string()))),
        ("contact_title".into(), opt(c.and_then(|c| c.title.clone()))),
        (
            "contact_phone".into(),
            opt(c.and_then(|c| c.phone.as_ref().map(|p| p.to_string()))),
        ),
        (
            "contact_email".into(),
            opt(c.and_then(|c| c.email.as_ref().map(|p| p.to_string()))),
        ),
        ("duty_name".into(), opt(duty.map(|c| c.name.to_string()))),
        (
            "duty_phone".into(),
            opt(duty.and_then(|c| c.phone.as_ref().map(|p| p.to_string()))),
        ),
        (
            "duty_email".into(),
            opt(duty.and_then(|c| c.email.as_ref().map(|p| p.to_string()))),
        ),
        (
            "address_blocks".into(),
            d.address_blocks
                .iter()
                .map(|b| b.to_string())
                .collect::<Vec<_>>()
                .join("\n"),
        ),
        (
            "asns".into(),
            d.asns
                .iter()
                .map(|a| a.to_string())
                .collect::<Vec<_>>()
                .join(" "),
        ),
    ]
}

async fn org_form(
    st: &AppState,
    web: &Web,
    title: String,
    action: String,
    back: String,
    values: Vec<(String, String)>,
    errors: Vec<RowError>,
) -> Response {
    let orgs = match org_map(st, web).await {
        Ok(o) => o,
        Err(e) => return web.fail(e),
    };
    let tr = web.tr;
    let mut parents: Vec<(String, String)> = orgs
        .values()
        .map(|o| (o.data.short_name.to_string(), o.data.name.to_string()))
        .collect();
    parents.sort_by(|a, b| a.1.cmp(&b.1));
    let types = OrgType::ALL
        .iter()
        .map(|t| {
            (
                t.as_str().to_string(),
                if tr.is_en() {
                    t.label_en()
                } else {
                    t.label_vi()
                }
                .to_string(),
            )
        })
        .collect();
    render_form(
        web,
        "orgs",
        title,
        action,
        back,
        org_fields(tr, &values, parents, types),
        errors,
    )
}

async fn new_org(State(st): State<AppState>, web: Web) -> Response {
    if !web.auth.scope.is_coordinator() {
        return web.fail(AppError::Forbidden("orgs".into()));
    }
    org_form(
        &st,
        &web,
        web.tr.t("new_org").into(),
        "/orgs/new".into(),
        "/orgs".into(),
        vec![("org_type".into(), "agency".into())],
        vec![],
    )
    .await
}

async fn create_org(
    State(st): State<AppState>,
    web: Web,
    Form(body): Form<Vec<(String, String)>>,
) -> Response {
    let (csrf, values) = fields(body);
    if let Some(r) = web.refuse_csrf(&csrf) {
        return r;
    }
    let (title, action, back) = (
        web.tr.t("new_org").to_string(),
        "/orgs/new".to_string(),
        "/orgs".to_string(),
    );
    match st.app.org_from_form(&web.auth.scope, &values).await {
        Ok(Ok(input)) => match st.app.create_org(&web.auth.scope, &input).await {
            Ok(o) => Redirect::to(&format!("/orgs/{}", o.id)).into_response(),
            Err(e @ AppError::Forbidden(_)) => web.fail(e),
            Err(e) => {
                org_form(
                    &st,
                    &web,
                    title,
                    action,
                    back,
                    values,
                    app_errors(web.tr, e),
                )
                .await
            }
        },
        Ok(Err(errors)) => org_form(&st, &web, title, action, back, values, errors).await,
        Err(e) => web.fail(e),
    }
}

async fn edit_org(State(st): State<AppState>, web: Web, Path(id): Path<i64>) -> Response {
    let o = match st.app.org(&web.auth.scope, id).await {
        Ok(o) if web.auth.scope.may_edit_org(id) => o,
        Ok(_) => return web.fail(AppError::Forbidden("org".into())),
        Err(e) => return web.fail(e),
    };
    let orgs = match org_map(&st, &web).await {
        Ok(o) => o,
        Err(e) => return web.fail(e),
    };
    org_form(
        &st,
        &web,
        o.data.name.to_string(),
        format!("/orgs/{id}/edit"),
        format!("/orgs/{id}"),
        org_values(&o, &orgs),
        vec![],
    )
    .await
}

async fn update_org(
    State(st): State<AppState>,
    web: Web,
    Path(id): Path<i64>,
    Form(body): Form<Vec<(String, String)>>,
) -> Response {
    let (csrf, values) = fields(body);
    if let Some(r) = web.refuse_csrf(&csrf) {
        return r;
    }
    let (title, action, back) = (
        web.tr.t("edit").to_string(),
        format!("/orgs/{id}/edit"),
        format!("/orgs/{id}"),
    );
    match st.app.org_from_form(&web.auth.scope, &values).await {
        Ok(Ok(input)) => match st.app.update_org(&web.auth.scope, id, &input).await {
            Ok(_) => Redirect::to(&back).into_response(),
            Err(e @ (AppError::NotFound | AppError::Forbidden(_))) => web.fail(e),
            Err(e) => {
                org_form(
                    &st,
                    &web,
                    title,
                    action,
                    back,
                    values,
                    app_errors(web.tr, e),
                )
                .await
            }
        },
        Ok(Err(errors)) => org_form(&st, &web, title, action, back, values, errors).await,
        Err(e) => web.fail(e),
    }
}

async fn confirm_delete_org(State(st): State<AppState>, web: Web, Path(id): Path<i64>) -> Response {
    match st.app.org(&web.auth.scope, id).await {
        Ok(o) if web.auth.scope.is_coordinator() => render(&ConfirmPage {
            tr: web.tr,
            nav: web.nav("orgs"),
            title: web.tr.t("delete").into(),
            what: format!("{} — {}", o.data.short_name, o.data.name),
            action: format!("/orgs/{id}/delete"),
            back: format!("/orgs/{id}"),
        }),
        Ok(_) => web.fail(AppError::Forbidden("delete".into())),
        Err(e) => web.fail(e),
    }
}

async fn delete_org(
    State(st): State<AppState>,
    web: Web,
    Path(id): Path<i64>,
    Form(f): Form<CsrfForm>,
) -> Response {
    if let Some(r) = web.refuse_csrf(&f.csrf) {
        return r;
    }
    match st.app.delete_org(&web.auth.scope, id).await {
        Ok(()) => Redirect::to("/orgs").into_response(),
        Err(e) => web.fail(e),
    }
}

fn asset_fields(tr: Tr, v: &[(String, String)]) -> Vec<Field> {
    let roles = domain::AssetRole::ALL
        .iter()
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
        .collect();
    vec![
        text_field(tr, v, "hostname", "hostname", true),
        Field {
            kind: "select",
            options: roles,
            ..text_field(tr, v, "role", "role", true)
        },
        Field {
            hint: tr.t("list_hint").into(),
            ..text_field(tr, v, "ips", "ips", false)
        },
        Field {
            hint: tr.t("list_hint").into(),
            ..text_field(tr, v, "domains", "domains", false)
        },
        text_field(tr, v, "os_name", "os", false),
        text_field(tr, v, "os_version", "os_version", false),
        text_field(tr, v, "os_build", "os_build", false),
        Field {
            hint: tr.t("hardware_hint").into(),
            ..text_field(tr, v, "hardware", "hardware", false)
        },
        Field {
            kind: "textarea",
            hint: tr.t("software_hint").into(),
            ..text_field(tr, v, "software", "software", false)
        },
        text_field(tr, v, "modules", "modules", false),
        text_field(tr, v, "hotfixes", "hotfixes", false),
        text_field(tr, v, "kbs", "kbs", false),
        Field {
            kind: "textarea",
            ..text_field(tr, v, "notes", "notes", false)
        },
    ]
}

fn asset_values(a: &Asset) -> Vec<(String, String)> {
    let d = &a.data;
    let join = |v: Vec<String>, sep: &str| v.join(sep);
    vec![
        ("hostname".into(), d.hostname.to_string()),
        ("role".into(), d.role.as_str().into()),
        (
            "ips".into(),
            join(d.ips.iter().map(|i| i.to_string()).collect(), " "),
        ),
        (
            "domains".into(),
            join(d.domains.iter().map(|i| i.to_string()).collect(), " "),
        ),
        ("os_name".into(), d.os_name.clone().unwrap_or_default()),
        (
            "os_version".into(),
            d.os_version.clone().unwrap_or_default(),
        ),
        ("os_build".into(), d.os_build.clone().unwrap_or_default()),
        (
            "software".into(),
            join(d.software.iter().map(|i| i.to_string()).collect(), "\n"),
        ),
        ("modules".into(), d.modules.join(" ")),
        ("hotfixes".into(), d.hotfixes.join(" ")),
        (
            "kbs".into(),
            join(d.kbs.iter().map(|i| i.to_string()).collect(), " "),
        ),
        ("notes".into(), d.notes.clone().unwrap_or_default()),
    ]
}

async fn new_asset(State(st): State<AppState>, web: Web, Path(system_id): Path<i64>) -> Response {
    match st.app.system(&web.auth.scope, system_id).await {
        Ok(s) if web.auth.scope.may_edit_registry_of(&s.tenants()) => render_form(
            &web,
            "assets",
            format!("{} — {}", web.tr.t("new_asset"), s.data.code),
            format!("/systems/{system_id}/assets/new"),
            format!("/systems/{system_id}"),
            asset_fields(web.tr, &[("role".into(), "server".into())]),
            vec![],
        ),
        Ok(_) => web.fail(AppError::Forbidden("asset".into())),
        Err(e) => web.fail(e),
    }
}

async fn create_asset(
    State(st): State<AppState>,
    web: Web,
    Path(system_id): Path<i64>,
    Form(body): Form<Vec<(String, String)>>,
) -> Response {
    let (csrf, values) = fields(body);
    if let Some(r) = web.refuse_csrf(&csrf) {
        return r;
    }
    let (title, action, back) = (
        web.tr.t("new_asset").to_string(),
        format!("/systems/{system_id}/assets/new"),
        format!("/systems/{system_id}"),
    );
    match st.app.asset_from_form(system_id, &values) {
        Ok(input) => match st.app.create_asset(&web.auth.scope, &input).await {
            Ok(a) => Redirect::to(&format!("/assets/{}", a.id)).into_response(),
            Err(e @ (AppError::NotFound | AppError::Forbidden(_))) => web.fail(e),
            Err(e) => render_form(
                &web,
                "assets",
                title,
                action,
                back,
                asset_fields(web.tr, &values),
                app_errors(web.tr, e),
            ),
        },
        Err(errors) => render_form(
            &web,
            "assets",
            title,
            action,
            back,
            asset_fields(web.tr, &values),
            errors,
        ),
    }
}

async fn edit_asset(State(st): State<AppState>, web: Web, Path(id): Path<i64>) -> Response {
    match st.app.asset(&web.auth.scope, id).await {
        Ok(a) if web.auth.scope.may_edit_registry_of(&a.tenants()) => render_form(
            &web,
            "assets",
            a.data.hostname.to_string(),
            format!("/assets/{id}/edit"),
            format!("/assets/{id}"),
            asset_fields(web.tr, &asset_values(&a)),
            vec![],
        ),
        Ok(_) => web.fail(AppError::Forbidden("asset".into())),
        Err(e) => web.fail(e),
    }
}

async fn update_asset(
    State(st): State<AppState>,
    web: Web,
    Path(id): Path<i64>,
    Form(body): Form<Vec<(String, String)>>,
) -> Response {
    let (csrf, values) = fields(body);
    if let Some(r) = web.refuse_csrf(&csrf) {
        return r;
    }
    let before = match st.app.asset(&web.auth.scope, id).await {
        Ok(a) => a,
        Err(e) => return web.fail(e),
    };
    let (title, action, back) = (
        web.tr.t("edit").to_string(),
        format!("/assets/{id}/edit"),
        format!("/assets/{id}"),
    );
    match st.app.asset_from_form(before.data.system_id, &values) {
        Ok(input) => match st.app.update_asset(&web.auth.scope, id, &input).await {
            Ok(_) => Redirect::to(&back).into_response(),
            Err(e @ (AppError::NotFound | AppError::Forbidden(_))) => web.fail(e),
            Err(e) => render_form(
                &web,
                "assets",
                title,
                action,
                back,
                asset_fields(web.tr, &values),
                app_errors(web.tr, e),
            ),
        },
        Err(errors) => render_form(
            &web,
            "assets",
            title,
            action,
            back,
            asset_fields(web.tr, &values),
            errors,
        ),
    }
}

async fn confirm_delete_asset(
    State(st): State<AppState>,
    web: Web,
    Path(id): Path<i64>,
) -> Response {
    match st.app.asset(&web.auth.scope, id).await {
        Ok(a) if web.auth.scope.may_edit_registry_of(&a.tenants()) => render(&ConfirmPage {
            tr: web.tr,
            nav: web.nav("assets"),
            title: web.tr.t("delete").into(),
            what: a.data.hostname.to_string(),
            action: format!("/assets/{id}/delete"),
            back: format!("/assets/{id}"),
        }),
        Ok(_) => web.fail(AppError::Forbidden("delete".into())),
        Err(e) => web.fail(e),
    }
}

async fn delete_asset(
    State(st): State<AppState>,
    web: Web,
    Path(id): Path<i64>,
    Form(f): Form<CsrfForm>,
) -> Response {
    if let Some(r) = web.refuse_csrf(&f.csrf) {
        return r;
    }
    let system = st
        .app
        .asset(&web.auth.scope, id)
        .await
        .map(|a| a.data.system_id);
    match st.app.delete_asset(&web.auth.scope, id).await {
        Ok(()) => Redirect::to(
            &system
                .map(|s| format!("/systems/{s}"))
                .unwrap_or_else(|_| "/assets".into()),
        )
        .into_response(),
        Err(e) => web.fail(e),
    }
}
