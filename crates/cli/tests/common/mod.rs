//! The real server on port 0 against a fresh database, driven over HTTP.
//! Every test runs on SQLite; where CANHGAC_TEST_POSTGRES holds a URL it also
//! runs on a fresh PostgreSQL database made for it.

#![allow(dead_code)]

use app::accounts::CreateUser;
use app::{App, Config};
use domain::{OrgInput, Role, Scope};
use reqwest::{Client, Method, StatusCode};
use serde_json::{json, Value};
use std::net::SocketAddr;

pub const PASSWORD: &str = "Kt#2025-SonHa";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Db {
    Sqlite,
    Postgres,
}

pub struct TestApp {
    pub addr: SocketAddr,
    pub app: App,
    pub client: Client,
    pub db: Db,
    /// Where the database lives: the SQLite folder or the PostgreSQL URL.
    pub location: String,
    _dir: Option<tempfile::TempDir>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    pub coordinator: Scope,
    pub coordinator_org: i64,
    pub agency_a: i64,
    pub agency_b: i64,
    pub isp: i64,
}

/// Runs `$body` as one test per backend: `NAME_sqlite`, and `NAME_postgres`
/// when CANHGAC_TEST_POSTGRES is set.
#[macro_export]
macro_rules! both_backends {
    ($name:ident, |$t:ident| $body:block) => {
        mod $name {
            use super::*;
            async fn run($t: common::TestApp) $body
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                run(common::TestApp::spawn(common::Db::Sqlite, Default::default()).await).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if std::env::var("CANHGAC_TEST_POSTGRES").is_err() {
                    eprintln!("CANHGAC_TEST_POSTGRES is not set; PostgreSQL variant not run");
                    return;
                }
                run(common::TestApp::spawn(common::Db::Postgres, Default::default()).await).await
            }
        }
    };
}

async fn fresh_postgres() -> String {
    use sqlx::Connection;
    let base = std::env::var("CANHGAC_TEST_POSTGRES").expect("CANHGAC_TEST_POSTGRES");
    let name = format!("canhgac_t_{:016x}", rand::random::<u64>());
    let mut c = sqlx::PgConnection::connect(&base)
        .await
        .expect("connect to CANHGAC_TEST_POSTGRES");
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut c)
        .await
        .expect("create test database");
    match base.rfind('/') {
        Some(i) => format!("{}/{name}", &base[..i]),
        None => panic!("CANHGAC_TEST_POSTGRES must end with /database"),
    }
}

impl TestApp {
    pub async fn spawn(db: Db, config: Config) -> TestApp {
        let (store, dir, location) = match db {
            Db::Sqlite => {
                let dir = tempfile::tempdir().unwrap();
                let store = app::store::Store::open_sqlite_dir(dir.path())
                    .await
                    .unwrap();
                let loc = dir.path().to_string_lossy().to_string();
                (store, Some(dir), loc)
            }
            Db::Postgres => {
                let url = fresh_postgres().await;
                (
                    app::store::Store::open_postgres(&url).await.unwrap(),
                    None,
                    url,
                )
            }
        };
        let app = App::new(store, config);
        app.bootstrap(
            Some(PASSWORD.into()),
            "Sở Khoa học và Công nghệ tỉnh Sơn Hà",
            "SKHCN",
        )
        .await
        .unwrap()
        .expect("empty database");
        let coordinator = app.system_scope().await.unwrap();
        let coordinator_org = coordinator.org_id;
        let org = |short: &str, name: &str, t: &str| OrgInput {
            name: name.parse().unwrap(),
            short_name: short.parse().unwrap(),
            org_type: t.parse().unwrap(),
            parent_id: None,
            address: None,
            contacts: vec![],
            contact_24x7: None,
            address_blocks: vec![],
            asns: vec![],
        };
        let a = app
            .create_org(&coordinator, &org("STC", "Sở Tài chính", "agency"))
            .await
            .unwrap();
        let b = app
            .create_org(&coordinator, &org("SYT", "Sở Y tế", "agency"))
            .await
            .unwrap();
        let mut isp_input = org("VNPT", "VNPT Sơn Hà", "isp");
        isp_input.address_blocks = vec!["14.160.0.0/11".parse().unwrap()];
        let isp = app.create_org(&coordinator, &isp_input).await.unwrap();
        // The bootstrap admin must change the password; tests sign in as
        // others unless they test that.
        for (username, org_id, role) in [
            ("coord", coordinator_org, Role::Coordinator),
            ("auditor", coordinator_org, Role::Auditor),
            ("a.admin", a.id, Role::OrgAdmin),
            ("a.officer", a.id, Role::Officer),
            ("b.officer", b.id, Role::Officer),
            ("isp.operator", isp.id, Role::IspOperator),
        ] {
            app.create_user(
                &coordinator,
                &CreateUser {
                    username: username.into(),
                    display_name: format!("Người dùng {username}"),
                    email: None,
                    org_id,
                    role,
                    password: Some(PASSWORD.into()),
                    must_change_password: false,
                },
            )
            .await
            .unwrap();
        }
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let served = app.clone();
        tokio::spawn(async move {
            server::serve(served, listener, None, async {
                let _ = rx.await;
            })
            .await
            .unwrap();
        });
        TestApp {
            addr,
            app,
            client: Client::builder().cookie_store(true).build().unwrap(),
            db,
            location,
            _dir: dir,
            shutdown: Some(tx),
            coordinator,
            coordinator_org,
            agency_a: a.id,
            agency_b: b.id,
            isp: isp.id,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Signs in over HTTP and returns a handle to the session (its cookie
    /// and CSRF token) that [`AuthExt::auth`] sends the way a browser's
    /// script would: the session secret is never a bearer token.
    pub async fn login(&self, username: &str) -> String {
        self.login_with(username, PASSWORD).await.expect("sign-in")
    }

    pub async fn login_with(
        &self,
        username: &str,
        password: &str,
    ) -> Result<String, (StatusCode, Value)> {
        let r = Client::new()
            .post(self.url("/api/v1/auth/login"))
            .json(&json!({"username": username, "password": password}))
            .send()
            .await
            .unwrap();
        let status = r.status();
        let cookie = session_cookie_of(&r);
        let body: Value = r.json().await.unwrap();
        if status == StatusCode::OK {
            assert!(
                body.get("session_token").is_none(),
                "the session secret must not be in the body"
            );
            let csrf = body["csrf_token"].as_str().unwrap();
            Ok(format!(
                "session:{}:{csrf}",
                cookie.expect("a session cookie")
            ))
        } else {
            Err((status, body))
        }
    }

    /// A machine token of `role` in `org_id`, made by the coordinator.
    pub async fn token(&self, role: Role, org_id: i64) -> String {
        if role == Role::Sensor {
            // Only registering a sensor mints a sensor token.
            return self
                .app
                .register_sensor(
                    &self.coordinator,
                    &app::monitoring::NewSensorInput {
                        org_id,
                        name: format!("test sensor {org_id} {}", rand::random::<u32>()),
                        system_ids: vec![],
                        source_addrs: vec![],
                        valid_days: 30,
                    },
                )
                .await
                .unwrap()
                .1;
        }
        self.app
            .create_token(
                &self.coordinator,
                &app::accounts::CreateToken {
                    name: format!("test {role} {org_id}"),
                    org_id,
                    role,
                    valid_days: 30,
                },
            )
            .await
            .unwrap()
            .1
    }

    /// A request with a bearer secret; returns the status and the JSON body (or Null).
    pub async fn call(
        &self,
        token: &str,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut req = Client::new().request(method, self.url(path)).auth(token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let r = req.send().await.unwrap();
        let status = r.status();
        let text = r.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    pub async fn get(&self, token: &str, path: &str) -> (StatusCode, Value) {
        self.call(token, Method::GET, path, None).await
    }

    pub async fn post(&self, token: &str, path: &str, body: Value) -> (StatusCode, Value) {
        self.call(token, Method::POST, path, Some(body)).await
    }

    /// Uploads a file to the import endpoint.
    pub async fn import(
        &self,
        token: &str,
        kind: &str,
        file_name: &str,
        bytes: Vec<u8>,
        extra: &str,
    ) -> (StatusCode, Value) {
        let r = Client::new()
            .post(self.url(&format!(
                "/api/v1/import/{kind}?file_name={file_name}{extra}"
            )))
            .auth(token)
            .body(bytes)
            .send()
            .await
            .unwrap();
        let status = r.status();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    /// A console page's HTML as `client` (a signed-in browser) reads it.
    pub async fn page(&self, client: &Client, path: &str) -> String {
        client
            .get(self.url(path))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }

    /// A GET with a bearer secret, for files and bodies that are not JSON.
    pub async fn fetch(&self, token: &str, path: &str) -> reqwest::Response {
        Client::new()
            .get(self.url(path))
            .auth(token)
            .send()
            .await
            .unwrap()
    }

    /// Runs SQL straight against the database, behind the application's back.
    pub async fn raw_sql(&self, sql: &str) {
        use sqlx::Connection;
        match self.db {
            Db::Sqlite => {
                let url = format!("sqlite://{}/canhgac.db", self.location);
                let mut c = sqlx::SqliteConnection::connect(&url).await.unwrap();
                sqlx::raw_sql(sql).execute(&mut c).await.unwrap();
            }
            Db::Postgres => {
                let mut c = sqlx::PgConnection::connect(&self.location).await.unwrap();
                sqlx::raw_sql(sql).execute(&mut c).await.unwrap();
            }
        }
    }

    /// A count read straight from the database (`SELECT COUNT(*) …`).
    pub async fn raw_count(&self, sql: &str) -> i64 {
        use sqlx::Connection;
        match self.db {
            Db::Sqlite => {
                let url = format!("sqlite://{}/canhgac.db", self.location);
                let mut c = sqlx::SqliteConnection::connect(&url).await.unwrap();
                sqlx::query_scalar(sql).fetch_one(&mut c).await.unwrap()
            }
            Db::Postgres => {
                let mut c = sqlx::PgConnection::connect(&self.location).await.unwrap();
                sqlx::query_scalar(sql).fetch_one(&mut c).await.unwrap()
            }
        }
    }

    /// The arguments that point the `canhgac` binary at this database.
    pub fn db_args(&self) -> Vec<String> {
        match self.db {
            Db::Sqlite => vec!["--data-dir".into(), self.location.clone()],
            Db::Postgres => vec!["--database-url".into(), self.location.clone()],
        }
    }

    /// A system owned by `org`, created through the use case.
    pub async fn system(&self, org: i64, code: &str) -> i64 {
        let input: domain::InfoSystemInput = serde_json::from_value(json!({
            "code": code, "name": format!("Cổng thông tin {code}"), "owner_org_id": org,
            "function_type": "public_service", "proposed_level": 2, "internet_facing": true
        }))
        .unwrap();
        self.app
            .create_system(&self.coordinator, &input)
            .await
            .unwrap()
            .id
    }

    pub async fn asset(&self, system_id: i64, hostname: &str, ip: &str) -> i64 {
        let input: domain::AssetInput = serde_json::from_value(json!({
            "system_id": system_id, "hostname": hostname, "role": "server", "ips": [ip]
        }))
        .unwrap();
        self.app
            .create_asset(&self.coordinator, &input)
            .await
            .unwrap()
            .id
    }
}

/// The value of the session cookie a sign-in answer sets.
pub fn session_cookie_of(r: &reqwest::Response) -> Option<String> {
    r.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| v.strip_prefix("canhgac_session="))
        .map(|v| v.split(';').next().unwrap_or_default().to_string())
}

/// Sends a credential from [`TestApp::login`] (cookie and CSRF header) or
/// [`TestApp::token`] (bearer).
pub trait AuthExt {
    fn auth(self, credential: impl AsRef<str>) -> Self;
}

impl AuthExt for reqwest::RequestBuilder {
    fn auth(self, credential: impl AsRef<str>) -> Self {
        let credential = credential.as_ref();
        match credential.strip_prefix("session:") {
            Some(rest) => {
                let (cookie, csrf) = rest.split_once(':').unwrap_or((rest, ""));
                self.header("cookie", format!("canhgac_session={cookie}"))
                    .header("x-csrf-token", csrf)
            }
            None => self.bearer_auth(credential),
        }
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

// ---- the console as a browser without JavaScript ----

pub fn browser() -> Client {
    Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

pub fn hidden(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no {name} field"))
        + marker.len();
    html[start..].split('"').next().unwrap().to_string()
}

/// Signs in through the login form; returns the client and a page's CSRF token.
pub async fn sign_in(t: &TestApp, username: &str) -> (Client, String) {
    sign_in_at(&t.url(""), username, PASSWORD).await
}

/// Signs in through the login form of the server at `base`
/// (`http://127.0.0.1:PORT`); returns the client and a page's CSRF token.
pub async fn sign_in_at(base: &str, username: &str, password: &str) -> (Client, String) {
    let c = browser();
    let url = |p: &str| format!("{base}{p}");
    let form = c
        .get(url("/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let r = c
        .post(url("/login"))
        .form(&[
            ("username", username),
            ("password", password),
            ("csrf", &hidden(&form, "csrf")),
            ("next", "/dashboard"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "sign-in of {username}");
    assert_eq!(r.headers()["location"], "/dashboard");
    let page = c
        .get(url("/dashboard"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = hidden(&page, "csrf");
    (c, csrf)
}

/// The code an authenticator app shows for `secret`, `ahead` 30-second
/// steps from now (the server accepts one step of clock skew either way).
pub fn totp_code_at(secret: &str, account: &str, ahead: u64) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    totp_rs::Builder::new()
        .with_secret(totp_rs::Secret::try_from_base32(secret).unwrap())
        .with_account_name(account)
        .with_issuer(Some("canhgac"))
        .build()
        .unwrap()
        .generate(now + 30 * ahead)
        .to_string()
}
