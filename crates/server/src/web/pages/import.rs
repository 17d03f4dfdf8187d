//! Registry import: upload, preview, confirm.

use super::*;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/import",
            get(import_form)
                .post(import_upload)
                .layer(axum::extract::DefaultBodyLimit::max(
                    crate::MAX_UPLOAD_BYTES,
                )),
        )
        .route("/import/confirm", post(import_confirm))
}

#[derive(Template)]
#[template(path = "import.html")]
struct ImportPage {
    tr: Tr,
    nav: Nav,
    title: String,
    kind: String,
    report: Option<ImportReport>,
    stash: String,
    keep_valid: bool,
    kinds: Vec<(String, String)>,
}

fn kinds(tr: Tr) -> Vec<(String, String)> {
    vec![
        ("systems".into(), tr.t("systems").into()),
        ("assets".into(), tr.t("assets").into()),
        ("orgs".into(), tr.t("orgs").into()),
        ("blocks".into(), tr.t("address_blocks").into()),
    ]
}

async fn import_form(web: Web) -> Response {
    render(&ImportPage {
        tr: web.tr,
        nav: web.nav("import"),
        title: web.tr.t("import").into(),
        kind: "systems".into(),
        report: None,
        stash: String::new(),
        keep_valid: false,
        kinds: kinds(web.tr),
    })
}

/// Uploads a file and shows what importing it would do, writing nothing.
async fn import_upload(State(st): State<AppState>, web: Web, mp: Multipart) -> Response {
    let up = match crate::web::read_upload(mp).await {
        Ok(u) => u,
        Err(e) => return web.fail(e),
    };
    if let Some(r) = web.refuse_csrf(up.field("csrf")) {
        return r;
    }
    let kind = up.field("kind").to_string();
    let keep_valid = !up.field("keep_valid").is_empty();
    let (name, bytes) = (up.file_name, up.bytes);
    let Ok(k) = kind.parse::<Kind>() else {
        return web.fail(AppError::Invalid(one_error("kind", "unknown kind")));
    };
    let report = match st
        .app
        .import(
            &web.auth.scope,
            k,
            &name,
            &bytes,
            ImportMode {
                keep_valid,
                dry_run: true,
            },
        )
        .await
    {
        Ok(r) => r,
        Err(e) => return web.fail(e),
    };
    let stash = st.uploads.put(
        web.auth.scope.actor.to_string(),
        Purpose::Registry(k),
        name,
        bytes,
    );
    let status = if report.rejected.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let mut r = render(&ImportPage {
        tr: web.tr,
        nav: web.nav("import"),
        title: web.tr.t("preview").into(),
        kind,
        report: Some(report),
        stash,
        keep_valid,
        kinds: kinds(web.tr),
    });
    *r.status_mut() = status;
    r
}

fn one_error(field: &str, reason: &str) -> domain::FieldErrors {
    let mut e = domain::FieldErrors::default();
    e.push(field, reason);
    e
}

#[derive(Deserialize)]
struct ConfirmForm {
    #[serde(default)]
    csrf: String,
    stash: String,
    #[serde(default)]
    keep_valid: Option<String>,
}

/// Writes a previewed upload.
async fn import_confirm(
    State(st): State<AppState>,
    web: Web,
    Form(f): Form<ConfirmForm>,
) -> Response {
    if let Some(r) = web.refuse_csrf(&f.csrf) {
        return r;
    }
    let Some((Purpose::Registry(kind), name, bytes)) =
        st.uploads.take(&web.auth.scope.actor.to_string(), &f.stash)
    else {
        return web.fail(AppError::NotFound);
    };
    let keep_valid = f.keep_valid.is_some();
    match st
        .app
        .import(
            &web.auth.scope,
            kind,
            &name,
            &bytes,
            ImportMode {
                keep_valid,
                dry_run: false,
            },
        )
        .await
    {
        Ok(report) => render(&ImportPage {
            tr: web.tr,
            nav: web.nav("import"),
            title: web.tr.t("import").into(),
            kind: String::new(),
            report: Some(report),
            stash: String::new(),
            keep_valid,
            kinds: kinds(web.tr),
        }),
        Err(e) => web.fail(e),
    }
}
