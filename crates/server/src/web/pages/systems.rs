//! Information systems: the list with its filters, one system, its form.

use super::*;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/systems", get(systems))
        .route("/systems/new", get(new_system).post(create_system))
        .route("/systems/{id}", get(system))
        .route("/systems/{id}/edit", get(edit_system).post(update_system))
        .route(
            "/systems/{id}/delete",
            get(confirm_delete_system).post(delete_system),
        )
}

/// The list filters as the form sends them: text, so a bad value is shown
/// back rather than rejected with an error page.
#[derive(Deserialize, Default, Clone)]
struct SystemQuery {
    q: Option<String>,
    owner_org_id: Option<String>,
    level: Option<String>,
    min_level: Option<String>,
    internet_facing: Option<String>,
    soc_monitoring: Option<String>,
    ncsc_connected: Option<String>,
    approved: Option<String>,
    /// "false": not independently assessed within the last 12 months.
    assessed: Option<String>,
    sort: Option<String>,
    after: Option<String>,
    after_key: Option<String>,
}

impl SystemQuery {
    fn filter(&self) -> SystemFilter {
        SystemFilter {
            owner_org_id: num(&self.owner_org_id),
            level: num(&self.level),
            min_level: num(&self.min_level),
            internet_facing: flag(&self.internet_facing),
            soc_monitoring: flag(&self.soc_monitoring),
            ncsc_connected: flag(&self.ncsc_connected),
            q: self.q.clone(),
            after: num(&self.after),
            approved: flag(&self.approved),
            not_assessed_since: (self.assessed.as_deref() == Some("false"))
                .then(|| app::registry::today() - chrono::Duration::days(365)),
            sort: self
                .sort
                .as_deref()
                .and_then(|v| v.parse().ok())
                .unwrap_or_default(),
            after_key: self.after_key.clone(),
            limit: 50,
            ..Default::default()
        }
    }
    /// The filters as query pairs, without cursor or order.
    fn filter_pairs(&self) -> Vec<String> {
        let mut parts = Vec::new();
        for (k, v) in [
            ("q", &self.q),
            ("owner_org_id", &self.owner_org_id),
            ("level", &self.level),
            ("min_level", &self.min_level),
            ("internet_facing", &self.internet_facing),
            ("soc_monitoring", &self.soc_monitoring),
            ("ncsc_connected", &self.ncsc_connected),
            ("approved", &self.approved),
            ("assessed", &self.assessed),
        ] {
            if let Some(v) = v.as_deref().filter(|v| !v.is_empty()) {
                parts.push(format!("{k}={}", urlencode(v)));
            }
        }
        parts
    }

    /// The export of exactly what the list shows.
    fn export_href(&self, format: &str) -> String {
        let mut parts = vec![format!("format={format}")];
        parts.extend(self.filter_pairs());
        format!("/api/v1/export/systems?{}", parts.join("&"))
    }

    /// This list in another order, from its first page.
    fn sorted_href(&self, sort: &str) -> String {
        let mut parts = self.filter_pairs();
        parts.push(format!("sort={sort}"));
        format!("/systems?{}", parts.join("&"))
    }

    /// The next page: after this id, or after this key in a sorted list.
    fn next_href(&self, after: i64, key: Option<&str>) -> String {
        let mut parts = self.filter_pairs();
        match (self.sort.as_deref().filter(|v| !v.is_empty()), key) {
            (Some(sort), Some(k)) => {
                parts.push(format!("sort={}", urlencode(sort)));
                parts.push(format!("after_key={}", urlencode(k)));
            }
            _ => parts.push(format!("after={after}")),
        }
        format!("?{}", parts.join("&"))
    }

    fn get(&self, k: &str) -> &str {
        let v = match k {
            "q" => &self.q,
            "owner_org_id" => &self.owner_org_id,
            "level" => &self.level,
            "min_level" => &self.min_level,
            "internet_facing" => &self.internet_facing,
            "soc_monitoring" => &self.soc_monitoring,
            "ncsc_connected" => &self.ncsc_connected,
            "approved" => &self.approved,
            "assessed" => &self.assessed,
            "sort" => &self.sort,
            _ => &None,
        };
        v.as_deref().unwrap_or("")
    }
}

struct SystemRow {
    id: i64,
    code: String,
    name: String,
    owner: String,
    level: String,
    approved: bool,
    internet_facing: bool,
    soc: bool,
    ncsc: bool,
    assets: i64,
}

#[derive(Template)]
#[template(path = "systems.html")]
struct SystemsPage {
    tr: Tr,
    nav: Nav,
    title: String,
    rows: Vec<SystemRow>,
    query: SystemQuery,
    next: Option<String>,
    owners: Vec<(i64, String)>,
    can_create: bool,
}

impl SystemsPage {
    fn export(&self, format: &str) -> String {
        self.query.export_href(format)
    }
    fn sort_link(&self, sort: &str) -> String {
        self.query.sorted_href(sort)
    }
    /// `aria-sort` for a column header.
    fn aria_sort(&self, sort: &str) -> &'static str {
        let current = self.query.sort.as_deref().unwrap_or("id");
        match (current == sort, sort) {
            (true, "level") => "descending",
            (true, _) => "ascending",
            _ => "none",
        }
    }
    fn q(&self, k: &str) -> &str {
        self.query.get(k)
    }
    fn selected(&self, k: &str, v: &str) -> bool {
        self.query.get(k) == v
    }
}

async fn systems(
    State(st): State<AppState>,
    web: Web,
    Query(query): Query<SystemQuery>,
) -> Response {
    let page = match st.app.systems(&web.auth.scope, &query.filter()).await {
        Ok(p) => p,
        Err(e) => return web.fail(e),
    };
    let orgs = match org_map(&st, &web).await {
        Ok(o) => o,
        Err(e) => return web.fail(e),
    };
    let rows = page
        .items
        .iter()
        .map(|s| SystemRow {
            id: s.id,
            code: s.data.code.to_string(),
            name: s.data.name.to_string(),
            owner: short(&orgs, Some(s.data.owner_org_id)),
            level: s
                .data
                .effective_level()
                .map(|l| l.to_string())
                .unwrap_or_default(),
            approved: s.data.approved_level.is_some(),
            internet_facing: s.data.internet_facing,
            soc: s.data.protection.soc_monitoring,
            ncsc: s.data.protection.ncsc_connected,
            assets: s.asset_count,
        })
        .collect();
    let scope = &web.auth.scope;
    render(&SystemsPage {
        tr: web.tr,
        nav: web.nav("systems"),
        title: web.tr.t("systems").into(),
        rows,
        next: page
            .next
            .map(|n| query.next_href(n, page.next_key.as_deref())),
        owners: sorted_names(&orgs, |o| {
            !o.data.org_type.is_directory() || scope.sees_province()
        }),
        can_create: scope.may_edit_registry_of(&[scope.org_id]),
        query,
    })
}

#[derive(Template)]
#[template(path = "system.html")]
struct SystemPage {
    tr: Tr,
    nav: Nav,
    title: String,
    s: InfoSystem,
    owner: String,
    operator: String,
    soc: String,
    isp: String,
    info_types: String,
    function_type: String,
    assets: Vec<Asset>,
    can_edit: bool,
    /// Claims SOC monitoring but its sensors sent nothing for 24 hours:
    /// (sensors watching it, their last event).
    silent: Option<(i64, String)>,
}

async fn system(State(st): State<AppState>, web: Web, Path(id): Path<i64>) -> Response {
    let s = match st.app.system(&web.auth.scope, id).await {
        Ok(s) => s,
        Err(e) => return web.fail(e),
    };
    let orgs = match org_map(&st, &web).await {
        Ok(o) => o,
        Err(e) => return web.fail(e),
    };
    let assets = match st
        .app
        .assets(
            &web.auth.scope,
            &AssetFilter {
                system_id: Some(id),
                limit: 200,
                ..Default::default()
            },
        )
        .await
    {
        Ok(p) => p.items,
        Err(e) => return web.fail(e),
    };
    let silent = match st
        .app
        .silent_systems(&web.auth.scope, None, chrono::Utc::now())
        .await
    {
        Ok(v) => v.into_iter().find(|w| w.id == id).map(|w| {
            (
                w.sensors,
                w.last_event_at
                    .map(app::registry::format_vn_time)
                    .unwrap_or_else(|| web.tr.t("mon_never").to_string()),
            )
        }),
        Err(e) => return web.fail(e),
    };
    let tr = web.tr;
    let label = |en: &'static str, vi: &'static str| if tr.is_en() { en } else { vi };
    render(&SystemPage {
        silent,
        owner: short(&orgs, Some(s.data.owner_org_id)),
        operator: short(&orgs, s.data.operator_org_id),
        soc: short(&orgs, s.data.soc_provider_id),
        isp: short(&orgs, s.data.isp_id),
        info_types: s
            .data
            .info_types
            .iter()
            .map(|t| label(t.label_en(), t.label_vi()))
            .collect::<Vec<_>>()
            .join(", "),
        function_type: label(
            s.data.function_type.label_en(),
            s.data.function_type.label_vi(),
        )
        .into(),
        can_edit: web.auth.scope.may_edit_registry_of(&s.tenants()),
        title: s.data.name.to_string(),
        nav: web.nav("systems"),
        tr,
        assets,
        s,
    })
}

#[derive(Template)]
#[template(path = "system_form.html")]
struct SystemFormPage {
    tr: Tr,
    nav: Nav,
    title: String,
    action: String,
    back: String,
    values: Vec<(String, String)>,
    errors: Vec<RowError>,
    owners: Vec<(String, String)>,
    socs: Vec<(String, String)>,
    isps: Vec<(String, String)>,
    function_types: Vec<(String, String)>,
    info_types: Vec<(String, String)>,
}

impl SystemFormPage {
    fn v(&self, k: &str) -> &str {
        self.values
            .iter()
            .find(|(f, _)| f == k)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    }
    fn is(&self, k: &str, v: &str) -> bool {
        self.v(k) == v
    }
    fn has(&self, k: &str, v: &str) -> bool {
        self.values.iter().any(|(f, x)| f == k && x == v)
    }
    fn checked(&self, k: &str) -> bool {
        matches!(self.v(k), "1" | "có" | "true")
    }
    fn error(&self, k: &str) -> String {
        self.errors
            .iter()
            .filter(|e| e.column.as_deref() == Some(k))
            .map(|e| e.reason.clone())
            .collect::<Vec<_>>()
            .join("; ")
    }
}

/// The form's fields for an existing system, in the import columns' codes.
fn system_values(s: &InfoSystem, orgs: &HashMap<i64, Org>) -> Vec<(String, String)> {
    let d = &s.data;
    let a = d.approval.as_ref();
    let yes = |b: bool| if b { "1".to_string() } else { String::new() };
    let mut v = vec![
        ("code".into(), d.code.to_string()),
        ("name".into(), d.name.to_string()),
        ("owner".into(), short(orgs, Some(d.owner_org_id))),
        ("operator".into(), short(orgs, d.operator_org_id)),
        ("function_type".into(), d.function_type.as_str().into()),
        (
            "data_subjects".into(),
            d.data_subjects.map(|n| n.to_string()).unwrap_or_default(),
        ),
        (
            "proposed_level".into(),
            d.proposed_level.map(|l| l.to_string()).unwrap_or_default(),
        ),
        (
            "approved_level".into(),
            d.approved_level.map(|l| l.to_string()).unwrap_or_default(),
        ),
        (
            "approval_number".into(),
            a.map(|a| a.number.to_string()).unwrap_or_default(),
        ),
        (
            "approval_date".into(),
            a.map(|a| a.date.to_string()).unwrap_or_default(),
        ),
        (
            "approval_body".into(),
            a.map(|a| a.body.to_string()).unwrap_or_default(),
        ),
        ("internet_facing".into(), yes(d.internet_facing)),
        ("soc_provider".into(), short(orgs, d.soc_provider_id)),
        ("isp".into(), short(orgs, d.isp_id)),
        ("onsite_force".into(), yes(d.protection.onsite_force)),
        ("soc_monitoring".into(), yes(d.protection.soc_monitoring)),
        (
            "last_assessment".into(),
            d.protection
                .last_assessment
                .map(|d| d.to_string())
                .unwrap_or_default(),
        ),
        ("ncsc_connected".into(), yes(d.protection.ncsc_connected)),
        ("notes".into(), d.notes.clone().unwrap_or_default()),
    ];
    for t in &d.info_types {
        v.push(("info_types".into(), t.as_str().into()));
    }
    v
}

async fn system_form(
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
    let scope = &web.auth.scope;
    let by_short = |keep: &dyn Fn(&Org) -> bool| {
        let mut v: Vec<(String, String)> = orgs
            .values()
            .filter(|o| keep(o))
            .map(|o| (o.data.short_name.to_string(), o.data.name.to_string()))
            .collect();
        v.sort_by(|a, b| a.1.cmp(&b.1));
        v
    };
    let tr = web.tr;
    let label = |en: &'static str, vi: &'static str| {
        if tr.is_en() {
            en.to_string()
        } else {
            vi.to_string()
        }
    };
    let page = SystemFormPage {
        tr,
        nav: web.nav("systems"),
        title,
        action,
        back,
        values,
        errors,
        owners: by_short(&|o: &Org| scope.may_edit_registry_of(&[o.id])),
        socs: by_short(&|o: &Org| o.data.org_type == OrgType::Soc),
        isps: by_short(&|o: &Org| o.data.org_type == OrgType::Isp),
        function_types: domain::FunctionType::ALL
            .iter()
            .map(|f| (f.as_str().to_string(), label(f.label_en(), f.label_vi())))
            .collect(),
        info_types: domain::InfoType::ALL
            .iter()
            .map(|f| (f.as_str().to_string(), label(f.label_en(), f.label_vi())))
            .collect(),
    };
    let mut r = render(&page);
    if !page.errors.is_empty() {
        *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    r
}

async fn new_system(State(st): State<AppState>, web: Web) -> Response {
    let scope = &web.auth.scope;
    if !scope.may_edit_registry_of(&[scope.org_id]) {
        return web.fail(AppError::Forbidden("registry".into()));
    }
    let own = match st.app.org(scope, scope.org_id).await {
        Ok(o) if !scope.sees_province() => {
            vec![("owner".to_string(), o.data.short_name.to_string())]
        }
        _ => vec![],
    };
    let values = [own, vec![("function_type".into(), "internal".into())]].concat();
    system_form(
        &st,
        &web,
        web.tr.t("new_system").into(),
        "/systems/new".into(),
        "/systems".into(),
        values,
        vec![],
    )
    .await
}

async fn create_system(
    State(st): State<AppState>,
    web: Web,
    Form(body): Form<Vec<(String, String)>>,
) -> Response {
    let (csrf, values) = fields(body);
    if let Some(r) = web.refuse_csrf(&csrf) {
        return r;
    }
    let parsed = match st.app.system_from_form(&web.auth.scope, &values).await {
        Ok(p) => p,
        Err(e) => return web.fail(e),
    };
    let result = match parsed {
        Ok(input) => st.app.create_system(&web.auth.scope, &input).await,
        Err(errors) => {
            return system_form(
                &st,
                &web,
                web.tr.t("new_system").into(),
                "/systems/new".into(),
                "/systems".into(),
                values,
                errors,
            )
            .await
        }
    };
    match result {
        Ok(s) => Redirect::to(&format!("/systems/{}", s.id)).into_response(),
        Err(e) => {
            let errors = app_errors(web.tr, e);
            system_form(
                &st,
                &web,
                web.tr.t("new_system").into(),
                "/systems/new".into(),
                "/systems".into(),
                values,
                errors,
            )
            .await
        }
    }
}

async fn edit_system(State(st): State<AppState>, web: Web, Path(id): Path<i64>) -> Response {
    let s = match st.app.system(&web.auth.scope, id).await {
        Ok(s) => s,
        Err(e) => return web.fail(e),
    };
    if !web.auth.scope.may_edit_registry_of(&s.tenants()) {
        return web.fail(AppError::Forbidden("edit".into()));
    }
    let orgs = match org_map(&st, &web).await {
        Ok(o) => o,
        Err(e) => return web.fail(e),
    };
    let values = system_values(&s, &orgs);
    system_form(
        &st,
        &web,
        s.data.name.to_string(),
        format!("/systems/{id}/edit"),
        format!("/systems/{id}"),
        values,
        vec![],
    )
    .await
}

async fn update_system(
    State(st): State<AppState>,
    web: Web,
    Path(id): Path<i64>,
    Form(body): Form<Vec<(String, String)>>,
) -> Response {
    let (csrf, values) = fields(body);
    if let Some(r) = web.refuse_csrf(&csrf) {
        return r;
    }
    let title = web.tr.t("edit").to_string();
    let (action, back) = (format!("/systems/{id}/edit"), format!("/systems/{id}"));
    let parsed = match st.app.system_from_form(&web.auth.scope, &values).await {
        Ok(p) => p,
        Err(e) => return web.fail(e),
    };
    match parsed {
        Ok(input) => match st.app.update_system(&web.auth.scope, id, &input).await {
            Ok(_) => Redirect::to(&back).into_response(),
            Err(e @ (AppError::NotFound | AppError::Forbidden(_))) => web.fail(e),
            Err(e) => {
                system_form(
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
        Err(errors) => system_form(&st, &web, title, action, back, values, errors).await,
    }
}

async fn confirm_delete_system(
    State(st): State<AppState>,
    web: Web,
    Path(id): Path<i64>,
) -> Response {
    match st.app.system(&web.auth.scope, id).await {
        Ok(s) if web.auth.scope.may_edit_registry_of(&s.tenants()) => render(&ConfirmPage {
            tr: web.tr,
            nav: web.nav("systems"),
            title: web.tr.t("delete").into(),
            what: format!(
                "{} — {} ({} {})",
                s.data.code,
                s.data.name,
                s.asset_count,
                web.tr.t("assets").to_lowercase()
            ),
            action: format!("/systems/{id}/delete"),
            back: format!("/systems/{id}"),
        }),
        Ok(_) => web.fail(AppError::Forbidden("delete".into())),
        Err(e) => web.fail(e),
    }
}

async fn delete_system(
    State(st): State<AppState>,
    web: Web,
    Path(id): Path<i64>,
    Form(f): Form<CsrfForm>,
) -> Response {
    if let Some(r) = web.refuse_csrf(&f.csrf) {
        return r;
    }
    match st.app.delete_system(&web.auth.scope, id).await {
        Ok(()) => Redirect::to("/systems").into_response(),
        Err(e) => web.fail(e),
    }
}
