//! Organisations and assets: lists and one record's page.

use super::*;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/orgs", get(orgs))
        .route("/orgs/{id}", get(org))
        .route("/assets", get(assets))
        .route("/assets/{id}", get(asset))
}

#[derive(Deserialize, Default)]
struct ListQuery {
    q: Option<String>,
    org_type: Option<String>,
    system_id: Option<String>,
    sort: Option<String>,
    after: Option<String>,
    after_key: Option<String>,
}

impl ListQuery {
    fn text(&self) -> &str {
        self.q.as_deref().unwrap_or("")
    }
    fn kind(&self) -> &str {
        self.org_type.as_deref().unwrap_or("")
    }
    /// The asset export of what the list shows.
    fn asset_export(&self, format: &str) -> String {
        let mut s = format!("/api/v1/export/assets?format={format}");
        if let Some(id) = self
            .system_id
            .as_deref()
            .filter(|v| v.trim().parse::<i64>().is_ok())
        {
            s.push_str(&format!("&system_id={}", id.trim()));
        }
        if let Some(q) = self.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
            let key = if domain::net::parse_ip(q).is_ok() {
                "ip"
            } else {
                "q"
            };
            s.push_str(&format!("&{key}={}", urlencode(q)));
        }
        s
    }

    /// The filters as query pairs, without cursor or order.
    fn filter_pairs(&self) -> Vec<String> {
        let mut parts = Vec::new();
        for (k, v) in [
            ("q", &self.q),
            ("org_type", &self.org_type),
            ("system_id", &self.system_id),
        ] {
            if let Some(v) = v.as_deref().filter(|v| !v.is_empty()) {
                parts.push(format!("{k}={}", urlencode(v)));
            }
        }
        parts
    }

    fn sort_value(&self) -> &str {
        self.sort.as_deref().unwrap_or("")
    }

    fn sorted(&self) -> bool {
        self.sort
            .as_deref()
            .is_some_and(|s| !s.is_empty() && s != "id")
    }

    /// This list in `sort` order, from its first page.
    fn sort_href(&self, sort: &str) -> String {
        let mut parts = self.filter_pairs();
        parts.push(format!("sort={sort}"));
        format!("?{}", parts.join("&"))
    }

    fn next_href(&self, after: i64, key: Option<&str>) -> String {
        let mut parts = self.filter_pairs();
        match (self.sort.as_deref().filter(|_| self.sorted()), key) {
            (Some(sort), Some(k)) => {
                parts.push(format!("sort={}", urlencode(sort)));
                parts.push(format!("after_key={}", urlencode(k)));
            }
            _ => parts.push(format!("after={after}")),
        }
        format!("?{}", parts.join("&"))
    }
}

#[derive(Template)]
#[template(path = "orgs.html")]
struct OrgsPage {
    tr: Tr,
    nav: Nav,
    title: String,
    can_create: bool,
    items: Vec<(i64, String, String, String)>,
    query: ListQuery,
    types: Vec<(String, String)>,
    next: Option<String>,
}

async fn orgs(State(st): State<AppState>, web: Web, Query(query): Query<ListQuery>) -> Response {
    let f = OrgFilter {
        org_type: query.org_type.as_deref().and_then(|t| t.parse().ok()),
        q: query.q.clone(),
        after: num(&query.after),
        by_name: query.sorted(),
        after_key: query.after_key.clone(),
        limit: 50,
        ..Default::default()
    };
    let page = match st.app.orgs(&web.auth.scope, &f).await {
        Ok(p) => p,
        Err(e) => return web.fail(e),
    };
    let tr = web.tr;
    let type_label = |t: OrgType| {
        if tr.is_en() {
            t.label_en()
        } else {
            t.label_vi()
        }
        .to_string()
    };
    render(&OrgsPage {
        can_create: web.auth.scope.is_coordinator(),
        items: page
            .items
            .iter()
            .map(|o| {
                (
                    o.id,
                    o.data.short_name.to_string(),
                    o.data.name.to_string(),
                    type_label(o.data.org_type),
                )
            })
            .collect(),
        next: page
            .next
            .map(|n| query.next_href(n, page.next_key.as_deref())),
        types: OrgType::ALL
            .iter()
            .map(|t| (t.as_str().to_string(), type_label(*t)))
            .collect(),
        nav: web.nav("orgs"),
        title: tr.t("orgs").into(),
        tr,
        query,
    })
}

#[derive(Template)]
#[template(path = "org.html")]
struct OrgPage {
    tr: Tr,
    nav: Nav,
    title: String,
    can_edit: bool,
    can_delete: bool,
    o: Org,
    org_type: String,
    parent: String,
    systems: Vec<InfoSystem>,
}

async fn org(State(st): State<AppState>, web: Web, Path(id): Path<i64>) -> Response {
    let o = match st.app.org(&web.auth.scope, id).await {
        Ok(o) => o,
        Err(e) => return web.fail(e),
    };
    let parent = match o.data.parent_id {
        Some(p) => st
            .app
            .org(&web.auth.scope, p)
            .await
            .map(|p| p.data.name.to_string())
            .unwrap_or_default(),
        None => String::new(),
    };
    let systems = st
        .app
        .systems(
            &web.auth.scope,
            &SystemFilter {
                owner_org_id: Some(id),
                limit: 200,
                ..Default::default()
            },
        )
        .await
        .map(|p| p.items)
        .unwrap_or_default();
    let tr = web.tr;
    render(&OrgPage {
        can_edit: web.auth.scope.may_edit_org(id),
        can_delete: web.auth.scope.is_coordinator(),
        org_type: if tr.is_en() {
            o.data.org_type.label_en()
        } else {
            o.data.org_type.label_vi()
        }
        .into(),
        title: o.data.name.to_string(),
        nav: web.nav("orgs"),
        tr,
        parent,
        systems,
        o,
    })
}

#[derive(Template)]
#[template(path = "assets.html")]
struct AssetsPage {
    tr: Tr,
    nav: Nav,
    title: String,
    items: Vec<Asset>,
    query: ListQuery,
    next: Option<String>,
}

async fn assets(State(st): State<AppState>, web: Web, Query(query): Query<ListQuery>) -> Response {
    let text = query.q.clone().unwrap_or_default();
    let (ip, q) = match domain::net::parse_ip(&text) {
        Ok(ip) => (Some(ip), None),
        Err(_) => (None, query.q.clone()),
    };
    let f = AssetFilter {
        system_id: num(&query.system_id),
        ip,
        q,
        after: num(&query.after),
        limit: 50,
        ..Default::default()
    };
    match st.app.assets(&web.auth.scope, &f).await {
        Ok(page) => render(&AssetsPage {
            tr: web.tr,
            nav: web.nav("assets"),
            title: web.tr.t("assets").into(),
            next: page
                .next
                .map(|n| query.next_href(n, page.next_key.as_deref())),
            items: page.items,
            query,
        }),
        Err(e) => web.fail(e),
    }
}

#[derive(Template)]
#[template(path = "asset.html")]
struct AssetPage {
    tr: Tr,
    nav: Nav,
    title: String,
    can_edit: bool,
    a: Asset,
    /// Facts the vulnerability matcher cannot use, with the reason.
    gaps: Vec<String>,
}

async fn asset(State(st): State<AppState>, web: Web, Path(id): Path<i64>) -> Response {
    match st.app.asset(&web.auth.scope, id).await {
        Ok(a) => render(&AssetPage {
            tr: web.tr,
            nav: web.nav("assets"),
            title: a.data.hostname.to_string(),
            can_edit: web.auth.scope.may_edit_registry_of(&a.tenants()),
            gaps: app::vulns::match_gaps(&a)
                .iter()
                .map(|g| {
                    if web.tr.is_en() {
                        g.message_en()
                    } else {
                        g.message_vi()
                    }
                })
                .collect(),
            a,
        }),
        Err(e) => web.fail(e),
    }
}
