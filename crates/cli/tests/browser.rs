//! End-to-end tests in a real headless Chromium, driven over WebDriver
//! (chromedriver), against the real server on port 0.
//!
//! Needs Debian's `chromium` and `chromium-driver`. Without them these tests
//! fail rather than pass unseen; CANHGAC_SKIP_BROWSER=1 skips them instead.

mod common;

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const CHROMIUM: &str = "/usr/bin/chromium";
const INSTALL: &str =
    "apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium chromium-driver";
const WAIT: Duration = Duration::from_secs(5);

/// One Chromium behind its own chromedriver, gone when dropped.
pub struct Browser {
    pub client: Client,
    _driver: Driver,
}

/// chromedriver and the Chromium it starts, with their scratch folder.
struct Driver {
    child: Child,
    dir: tempfile::TempDir,
    log: PathBuf,
}

impl Browser {
    /// `None` when CANHGAC_SKIP_BROWSER=1; panics when the browser is missing.
    pub async fn start() -> Option<Browser> {
        if std::env::var("CANHGAC_SKIP_BROWSER").as_deref() == Ok("1") {
            eprintln!("CANHGAC_SKIP_BROWSER=1: browser test not run");
            return None;
        }
        let have_driver = Command::new("chromedriver")
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !Path::new(CHROMIUM).exists() || !have_driver {
            panic!(
                "the browser tests need {CHROMIUM} and chromedriver; install them with\n    \
                 {INSTALL}\nor set CANHGAC_SKIP_BROWSER=1 to skip these tests"
            );
        }

        let port = free_port();
        let mut driver = Driver::start(port);
        driver.wait_ready(port).await;

        let user_data = driver.dir.path().join("user-data");
        let args = [
            "--headless=new".to_string(),
            "--no-sandbox".into(),
            "--disable-gpu".into(),
            "--disable-dev-shm-usage".into(),
            "--disable-quic".into(),
            "--no-first-run".into(),
            "--disable-background-networking".into(),
            "--disable-component-update".into(),
            "--disable-sync".into(),
            "--window-size=1366,768".into(),
            format!("--user-data-dir={}", user_data.display()),
            // Even with the flags above, Debian's Chromium looks up Google's
            // and DuckDuckGo's hosts at start; tests reach only loopback, so
            // no other name resolves and nothing leaves the machine.
            "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1".into(),
        ];
        let caps = json!({
            "goog:chromeOptions": { "binary": CHROMIUM, "args": args },
            // A page that never loads fails the test, not the CI run's clock.
            "timeouts": { "pageLoad": 30_000, "script": 10_000 },
        });
        let caps = caps.as_object().unwrap().clone();
        let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
            .unwrap_or_else(|e| {
                panic!(
                    "chromedriver could not start Chromium: {e}\n{}",
                    driver.log_tail()
                )
            });
        Some(Browser {
            client,
            _driver: driver,
        })
    }

    pub async fn goto(&self, url: &str) {
        self.client
            .goto(url)
            .await
            .unwrap_or_else(|e| panic!("open {url}: {e}"));
    }

    pub async fn current_url(&self) -> String {
        self.client.current_url().await.unwrap().to_string()
    }

    /// The first element matching `css`, waiting up to 5 s for it to appear.
    pub async fn wait_for(&self, css: &str) -> fantoccini::elements::Element {
        match self
            .client
            .wait()
            .at_most(WAIT)
            .for_element(Locator::Css(css))
            .await
        {
            Ok(el) => el,
            Err(e) => panic!(
                "no element `{css}` within {WAIT:?} on {}: {e}",
                self.current_url().await
            ),
        }
    }

    /// Replaces the value of the field matching `css` with `text`.
    pub async fn fill(&self, css: &str, text: &str) {
        let el = self.wait_for(css).await;
        el.clear().await.unwrap();
        el.send_keys(text).await.unwrap();
    }

    pub async fn click(&self, css: &str) {
        self.wait_for(css)
            .await
            .click()
            .await
            .unwrap_or_else(|e| panic!("click `{css}`: {e}"));
    }

    /// The rendered (visible) text of the element matching `css`. A page
    /// that is being replaced can drop the element between finding and
    /// reading it; then the new page's element is read.
    pub async fn text(&self, css: &str) -> String {
        let start = Instant::now();
        loop {
            match self.wait_for(css).await.text().await {
                Ok(t) => return t,
                Err(e) if start.elapsed() < WAIT => {
                    let _ = e;
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                Err(e) => panic!("text of `{css}`: {e}"),
            }
        }
    }

    /// Saves the viewport as `<workspace>/target/browser-screenshots/<name>.png`.
    pub async fn screenshot(&self, name: &str) -> PathBuf {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/browser-screenshots");
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(format!("{name}.png"));
        let png = self.client.screenshot().await.unwrap();
        std::fs::write(&path, png).unwrap();
        path
    }
}

impl Driver {
    fn start(port: u16) -> Driver {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("chromedriver.log");
        let out = std::fs::File::create(&log).unwrap();
        // Chromium stays in chromedriver's process group; giving that group
        // its own id lets Drop end both, as killing chromedriver alone
        // leaves Chromium running.
        let child = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(out.try_clone().unwrap())
            .stderr(out)
            .process_group(0)
            .spawn()
            .expect("start chromedriver");
        Driver { child, dir, log }
    }

    async fn wait_ready(&mut self, port: u16) {
        let status = format!("http://127.0.0.1:{port}/status");
        let http = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Ok(Some(code)) = self.child.try_wait() {
                panic!("chromedriver exited at start ({code})\n{}", self.log_tail());
            }
            if let Ok(r) = http.get(&status).send().await {
                let v: serde_json::Value = r.json().await.unwrap_or_default();
                if v["value"]["ready"] == true {
                    return;
                }
            }
            if Instant::now() > deadline {
                panic!("chromedriver not ready after 10 s\n{}", self.log_tail());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    fn log_tail(&self) -> String {
        let s = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = s.lines().collect();
        let from = lines.len().saturating_sub(20);
        format!(
            "chromedriver log ({}):\n{}",
            self.log.display(),
            lines[from..].join("\n")
        )
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        // SAFETY: kill(2) with a negative pid signals the process group that
        // chromedriver leads; no memory is involved.
        unsafe {
            libc::kill(-(self.child.id() as libc::pid_t), libc::SIGKILL);
        }
        let _ = self.child.wait();
    }
}

/// A port that was free a moment ago; chromedriver binds it next.
fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_opens_the_server() {
    let Some(b) = Browser::start().await else {
        return;
    };
    let t = common::TestApp::spawn(common::Db::Sqlite, Default::default()).await;
    b.goto(&t.url("/healthz")).await;
    assert_eq!(b.text("body").await, "ok");
    b.screenshot("smoke").await;
}

/// Signs in through the form, as a person would.
async fn sign_in(b: &Browser, t: &common::TestApp, username: &str, password: &str) {
    b.goto(&t.url("/login")).await;
    b.fill("#username", username).await;
    b.fill("#password", password).await;
    b.click("#sign-in").await;
}

async fn wait_url(b: &Browser, part: &str) -> String {
    let start = Instant::now();
    loop {
        let url = b.current_url().await;
        if url.contains(part) || start.elapsed() > WAIT {
            return url;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The administrator's first day: sign in, change the password the policy's
/// way, register a system, import a file with one bad row, read the console
/// in English, sign out.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn first_day_of_the_administrator() {
    let Some(b) = Browser::start().await else {
        return;
    };
    let t = common::TestApp::spawn(common::Db::Sqlite, Default::default()).await;

    sign_in(&b, &t, "admin", common::PASSWORD).await;
    assert!(
        wait_url(&b, "/password").await.ends_with("/password"),
        "a first sign-in must change the password"
    );
    b.fill("#current_password", common::PASSWORD).await;
    b.fill("#new_password", "abc").await;
    // The page explains the policy as the user types.
    let met = b
        .client
        .find_all(Locator::Css(".rules li.met"))
        .await
        .unwrap()
        .len();
    assert_eq!(met, 1, "only 'lower case' is met by 'abc'");
    b.screenshot("password-policy-hints").await;
    b.fill("#new_password", "Tra-Khuc#2026").await;
    assert_eq!(
        b.client
            .find_all(Locator::Css(".rules li.met"))
            .await
            .unwrap()
            .len(),
        5
    );
    b.click("#change-password").await;
    assert!(wait_url(&b, "/dashboard").await.ends_with("/dashboard"));

    // Register an information system.
    b.goto(&t.url("/systems/new")).await;
    b.fill("#code", "STC-CTDT").await;
    b.fill("#name", "Cổng thông tin điện tử Sở Tài chính").await;
    b.client
        .execute("document.getElementById('owner').value = 'STC';", vec![])
        .await
        .unwrap();
    b.client
        .execute(
            "document.getElementById('proposed_level').value = '2';",
            vec![],
        )
        .await
        .unwrap();
    b.click("#save").await;
    b.wait_for("#system-code").await;
    assert_eq!(b.text("#system-code").await, "STC-CTDT");
    assert!(b
        .text("h1")
        .await
        .contains("Cổng thông tin điện tử Sở Tài chính"));
    b.screenshot("system-created").await;

    // Import a CSV with one bad row: the preview names it and nothing is written.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("he-thong.csv");
    std::fs::write(&file, "code,name,owner,function_type,proposed_level\nSTC-KT,Phần mềm kế toán,STC,internal,2\nSTC-X,Hệ thống sai,STC,internal,7\n").unwrap();
    b.goto(&t.url("/import")).await;
    b.wait_for("#file")
        .await
        .send_keys(file.to_str().unwrap())
        .await
        .unwrap();
    b.click("#preview-import").await;
    let errors = b.text("#import-errors").await;
    assert!(
        errors.contains("3")
            && errors.contains("proposed_level")
            && errors.contains("security level 7 is outside 1–5"),
        "{errors}"
    );
    b.screenshot("import-bad-row").await;
    let (_, page) = t
        .get(&t.login("coord").await, "/api/v1/systems?q=STC-KT")
        .await;
    assert!(page["items"].as_array().unwrap().is_empty());

    // English, remembered on the next page.
    b.click("#lang-switch").await;
    b.wait_for("html[lang='en']").await;
    b.goto(&t.url("/systems")).await;
    assert_eq!(b.text("h1").await, "Information systems");
    b.screenshot("systems-in-english").await;

    b.click("#sign-out").await;
    assert!(wait_url(&b, "/login").await.contains("/login"));
    b.goto(&t.url("/dashboard")).await;
    assert!(
        b.current_url().await.contains("/login"),
        "signed out for good"
    );
    b.screenshot("signed-out").await;
}

/// An officer of one agency types another agency's system into the address
/// bar: the console answers as if it did not exist.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_officer_cannot_open_another_agencys_system() {
    let Some(b) = Browser::start().await else {
        return;
    };
    let t = common::TestApp::spawn(common::Db::Sqlite, Default::default()).await;
    let other = t.system(t.agency_b, "SYT-HIS").await;
    let own = t.system(t.agency_a, "STC-KT").await;
    sign_in(&b, &t, "a.officer", common::PASSWORD).await;
    wait_url(&b, "/dashboard").await;
    b.goto(&t.url(&format!("/systems/{own}"))).await;
    assert_eq!(b.text("#system-code").await, "STC-KT");
    b.goto(&t.url(&format!("/systems/{other}"))).await;
    let body = b.text("main").await;
    assert!(
        body.contains("Không tìm thấy") && !body.contains("SYT-HIS"),
        "{body}"
    );
    b.screenshot("other-agency-not-found").await;
}

/// A form whose CSRF token was removed (as a forged cross-site post would
/// lack it) is refused, and nothing is written.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_form_without_its_csrf_token_is_refused() {
    let Some(b) = Browser::start().await else {
        return;
    };
    let t = common::TestApp::spawn(common::Db::Sqlite, Default::default()).await;
    sign_in(&b, &t, "coord", common::PASSWORD).await;
    wait_url(&b, "/dashboard").await;
    b.goto(&t.url("/systems/new")).await;
    b.fill("#code", "NO-CSRF").await;
    b.fill("#name", "Hệ thống giả mạo").await;
    b.client
        .execute("document.getElementById('owner').value = 'STC'; document.querySelector('#system-form input[name=csrf]').remove();", vec![])
        .await
        .unwrap();
    b.click("#save").await;
    let body = b.text("p.error").await;
    assert!(body.contains("không có quyền"), "{body}");
    b.screenshot("csrf-refused").await;
    let (_, page) = t
        .get(&t.login("coord").await, "/api/v1/systems?q=NO-CSRF")
        .await;
    assert!(page["items"].as_array().unwrap().is_empty());
}

/// After the idle timeout the next page asks to sign in again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_session_expires_in_the_browser() {
    let Some(b) = Browser::start().await else {
        return;
    };
    let config = app::Config {
        session_idle: chrono::Duration::seconds(2),
        ..Default::default()
    };
    let t = common::TestApp::spawn(common::Db::Sqlite, config).await;
    sign_in(&b, &t, "coord", common::PASSWORD).await;
    assert!(wait_url(&b, "/dashboard").await.ends_with("/dashboard"));
    tokio::time::sleep(Duration::from_millis(2600)).await;
    b.goto(&t.url("/systems")).await;
    let url = b.current_url().await;
    assert!(url.contains("/login?next=/systems"), "{url}");
    b.screenshot("session-expired").await;
}

/// The dashboard on a realistic province, on a laptop and on a phone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_reads_on_a_laptop_and_a_phone() {
    let Some(b) = Browser::start().await else {
        return;
    };
    let t = common::TestApp::spawn(common::Db::Sqlite, Default::default()).await;
    for i in 0..6 {
        let id = t
            .system(
                if i % 2 == 0 { t.agency_a } else { t.agency_b },
                &format!("D-{i}"),
            )
            .await;
        t.asset(id, &format!("host-{i}"), &format!("14.160.0.{i}"))
            .await;
    }
    sign_in(&b, &t, "coord", common::PASSWORD).await;
    wait_url(&b, "/dashboard").await;
    assert_eq!(b.text("#total-systems").await, "6");
    // Every bar links to the list behind it.
    let links = b
        .client
        .find_all(Locator::Css("svg.chart a"))
        .await
        .unwrap();
    assert!(links.len() >= 5);
    b.screenshot("dashboard-laptop").await;
    b.client.set_window_size(390, 844).await.unwrap();
    b.goto(&t.url("/dashboard")).await;
    let overflow: serde_json::Value = b
        .client
        .execute(
            "return document.documentElement.scrollWidth > window.innerWidth + 1;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(overflow, json!(false), "no sideways scrolling on a phone");
    b.screenshot("dashboard-phone").await;
}

/// The coordinator brings in the month's botnet list: preview, confirm, the
/// owners' figures; the agency's officer then reports its host cleaned.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_botnet_list_from_upload_to_clean_up() {
    let Some(b) = Browser::start().await else {
        return;
    };
    let t = common::TestApp::spawn(common::Db::Sqlite, Default::default()).await;
    let coord = t.login("coord").await;
    let (_, mut org) = t.get(&coord, &format!("/api/v1/orgs/{}", t.agency_a)).await;
    org["address_blocks"] = json!(["14.160.10.0/28"]);
    t.call(
        &coord,
        reqwest::Method::PUT,
        &format!("/api/v1/orgs/{}", t.agency_a),
        Some(org),
    )
    .await;

    sign_in(&b, &t, "coord", common::PASSWORD).await;
    wait_url(&b, "/dashboard").await;
    b.goto(&t.url("/botnet")).await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("botnet-2025-01.txt");
    std::fs::write(
        &file,
        "# Danh sách IP mạng botnet tháng 01/2025\n14.160.10.5\n14.170.1.1\n192.168.1.1\n",
    )
    .unwrap();
    b.fill("#bn-source", "Cục ATTT").await;
    b.client
        .execute(
            "document.getElementById('bn-period').value = '2025-01';",
            vec![],
        )
        .await
        .unwrap();
    b.wait_for("#bn-file")
        .await
        .send_keys(file.to_str().unwrap())
        .await
        .unwrap();
    b.click("#preview-botnet").await;
    assert_eq!(b.text("#preview-listed").await, "2");
    b.screenshot("botnet-preview").await;
    b.click("#write-botnet").await;
    b.wait_for("#botnet-owners").await;
    let owners = b.text("#botnet-owners").await;
    assert!(
        owners.contains("STC") && owners.contains("VNPT"),
        "{owners}"
    );
    assert_eq!(b.text("#total-listed").await, "2");
    b.screenshot("botnet-list").await;
    b.click("#sign-out").await;
    wait_url(&b, "/login").await;

    sign_in(&b, &t, "a.officer", common::PASSWORD).await;
    wait_url(&b, "/dashboard").await;
    b.goto(&t.url("/botnet")).await;
    b.wait_for("#botnet-lists a").await.click().await.unwrap();
    b.wait_for("#all-ips").await.click().await.unwrap();
    b.fill(
        ".clean-form input[name='note']",
        "Đã gỡ mã độc, đổi mật khẩu quản trị",
    )
    .await;
    b.click(".clean-form button").await;
    b.wait_for("#botnet-ips .ok").await;
    let row = b.text("#botnet-ips").await;
    assert!(
        row.contains("Đã gỡ mã độc") && !row.contains("14.170.1.1"),
        "{row}"
    );
    b.screenshot("botnet-cleaned").await;
}

/// A directive's task reported done with its evidence file by an agency,
/// then read in the coordinator's matrix.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_directive_task_reported_with_evidence() {
    let Some(b) = Browser::start().await else {
        return;
    };
    let t = common::TestApp::spawn(common::Db::Sqlite, Default::default()).await;
    let coord = t.login("coord").await;
    let (s, d) = t
        .post(
            &coord,
            "/api/v1/directives",
            json!({"number": "263/UBND-KGVX", "issued_on": "2024-01-26", "issuer": "Ủy ban nhân dân tỉnh",
                   "title": "Tăng cường bảo đảm an toàn thông tin mạng dịp Tết",
                   "tasks": [{"text": "Phân công lực lượng tại chỗ trực giám sát 24/7.",
                              "recipients": {"org_types": ["agency"]}, "evidence_required": true}]}),
        )
        .await;
    assert_eq!(s, reqwest::StatusCode::CREATED, "{d}");
    let id = d["id"].as_i64().unwrap();
    let task = d["tasks"][0]["id"].as_i64().unwrap();

    sign_in(&b, &t, "a.officer", common::PASSWORD).await;
    wait_url(&b, "/dashboard").await;
    b.goto(&t.url("/directives")).await;
    b.wait_for("#directives-table a")
        .await
        .click()
        .await
        .unwrap();
    b.wait_for(&format!("#task-{task}")).await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("lich-truc.pdf");
    std::fs::write(&file, b"%PDF-1.4 lich truc Tet").unwrap();
    b.wait_for(&format!("#task-{task} input[type=file]"))
        .await
        .send_keys(file.to_str().unwrap())
        .await
        .unwrap();
    b.click(&format!("#task-{task} form:nth-of-type(2) button"))
        .await;
    b.wait_for(&format!("#task-{task} a[download]")).await;
    b.client
        .execute(
            &format!("document.querySelector('#task-{task} select').value = 'done';"),
            vec![],
        )
        .await
        .unwrap();
    b.fill(
        &format!("#task-{task} input[name='note']"),
        "Lịch trực 24/7 đính kèm",
    )
    .await;
    b.click(&format!("#task-{task} form:nth-of-type(1) button"))
        .await;
    let start = Instant::now();
    while !b
        .text(&format!("#task-{task}"))
        .await
        .contains("Đã hoàn thành")
        && start.elapsed() < WAIT
    {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let mine = b.text(&format!("#task-{task}")).await;
    assert!(
        mine.contains("Đã hoàn thành") && mine.contains("lich-truc.pdf"),
        "{mine}"
    );
    b.screenshot("directive-task-done").await;
    b.click("#sign-out").await;
    wait_url(&b, "/login").await;

    sign_in(&b, &t, "coord", common::PASSWORD).await;
    wait_url(&b, "/dashboard").await;
    b.goto(&t.url(&format!("/directives/{id}"))).await;
    let matrix = b.text("#directive-matrix").await;
    assert!(
        matrix.contains("Đã hoàn thành") && matrix.contains("1 / 1"),
        "{matrix}"
    );
    b.screenshot("directive-matrix").await;
}

/// The dashboard says what to do today: the coordinator reads the
/// province's open incidents, botnet addresses not yet cleaned (with the
/// month as dd/yyyy) and overdue directive tasks; an agency's officer reads
/// its own organisation's, another agency's officer none of the first's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_lists_what_to_do_today() {
    let Some(b) = Browser::start().await else {
        return;
    };
    let mut dbs = vec![common::Db::Sqlite];
    if std::env::var("CANHGAC_TEST_POSTGRES").is_ok() {
        dbs.push(common::Db::Postgres);
    }
    for db in dbs {
        let t = common::TestApp::spawn(db, Default::default()).await;
        let coord = t.token(domain::Role::Coordinator, t.coordinator_org).await;
        let officer = t.token(domain::Role::Officer, t.agency_a).await;
        // Agency A's block, and a botnet list with one of its hosts and one
        // host of nobody's.
        let (_, mut org) = t.get(&coord, &format!("/api/v1/orgs/{}", t.agency_a)).await;
        org["address_blocks"] = json!(["14.160.10.0/28"]);
        let (s, e) = t
            .call(
                &coord,
                reqwest::Method::PUT,
                &format!("/api/v1/orgs/{}", t.agency_a),
                Some(org),
            )
            .await;
        assert!(s.is_success(), "{e}");
        let r = reqwest::Client::new()
            .post(t.url(
                "/api/v1/botnet/import?source=ATTT&period=2025-01&file_name=b.txt&format=text",
            ))
            .bearer_auth(&coord)
            .body("14.160.10.5\n8.8.8.8\n")
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success(), "{}", r.text().await.unwrap());
        // A directive whose task (for every agency) is past its deadline.
        let (s, e) = t
            .post(
                &coord,
                "/api/v1/directives",
                json!({
                    "number": "263/UBND-KGVX", "issued_on": "2024-01-26", "issuer": "Ủy ban nhân dân tỉnh",
                    "title": "Bảo đảm an toàn thông tin dịp Tết",
                    "tasks": [{"text": "Rà soát các hệ thống thông tin.", "recipients": {"org_types": ["agency"]}, "deadline": "2024-02-07"}]
                }),
            )
            .await;
        assert!(s.is_success(), "{e}");
        // An incident agency A reports.
        let (s, inc) = t
            .post(
                &officer,
                "/api/v1/incidents",
                json!({
                    "reporter_org": {"id": t.agency_a, "name": "Sở Tài chính"},
                    "reporter": {"name": "Nguyễn Văn An", "phone": "0255 3822 123"},
                    "title": "Máy chủ bị cài mã độc", "description": "Phát hiện tiến trình lạ.",
                    "detected_at": "2025-01-25T16:10:00Z", "reported_status": "handling",
                    "class": "malware", "severity": "high", "tlp": "amber"
                }),
            )
            .await;
        assert!(s.is_success(), "{inc}");
        let id = inc["id"].as_i64().unwrap();

        for (user, incidents, botnet, tasks) in [
            ("coord", "1", "2 / 2", "2"),
            ("a.officer", "1", "1 / 1", "1"),
            ("b.officer", "0", "0 / 0", "1"),
        ] {
            b.client.delete_all_cookies().await.unwrap();
            sign_in(&b, &t, user, common::PASSWORD).await;
            wait_url(&b, "/dashboard").await;
            let heading = b.text("#todo h2").await;
            let expected = if user == "coord" {
                "Việc cần làm hôm nay"
            } else {
                "Việc của đơn vị"
            };
            assert_eq!(heading, expected, "{user}");
            let row = |id: &str| format!("#todo tr.{id} td.num");
            assert_eq!(b.text(&row("todo-incidents")).await, incidents, "{user}");
            assert_eq!(b.text(&row("todo-botnet")).await, botnet, "{user}");
            assert_eq!(b.text(&row("todo-tasks")).await, tasks, "{user}");
            let todo = b.text("#todo").await;
            assert!(
                todo.contains("01/2025") && !todo.contains("2025-01"),
                "{todo}"
            );
            assert!(todo.contains("quá hạn"), "{user}: {todo}");
            b.screenshot(&format!("dashboard-todo-{user}")).await;
            if user == "coord" {
                // The header names the Department; the menu holds one line at 1366 px.
                assert!(!b.text("#department").await.is_empty());
                b.client.set_window_size(1366, 768).await.unwrap();
                b.goto(&t.url("/dashboard")).await;
                let rows: serde_json::Value = b
                    .client
                    .execute(
                        "return new Set([...document.querySelectorAll('header nav li')].map(e => e.offsetTop)).size;",
                        vec![],
                    )
                    .await
                    .unwrap();
                assert_eq!(rows, json!(1), "the menu on one line at 1366 px");
                let fits: serde_json::Value = b
                    .client
                    .execute(
                        "const n = document.querySelector('header nav'); \
                         return n.scrollWidth <= n.clientWidth \
                             && document.documentElement.scrollWidth <= window.innerWidth;",
                        vec![],
                    )
                    .await
                    .unwrap();
                assert_eq!(fits, json!(true), "the menu fits the width at 1366 px");
            }
        }

        // The incident page: who reported it, which system, which class;
        // the end-of-response fields only while closing is possible, and
        // the report as filed once closed.
        let count = |css: &'static str| {
            let b = &b;
            async move { b.client.find_all(Locator::Css(css)).await.unwrap().len() }
        };
        b.client.delete_all_cookies().await.unwrap();
        sign_in(&b, &t, "coord", common::PASSWORD).await;
        wait_url(&b, "/dashboard").await;
        b.goto(&t.url(&format!("/incidents/{id}"))).await;
        assert_eq!(b.text("#incident-org").await, "Sở Tài chính");
        let class = b.text("#incident-class").await;
        assert!(!class.is_empty() && class != "malware", "{class}");
        assert_eq!(
            count("#end-report-fields").await,
            0,
            "reported: not closable yet"
        );
        assert_eq!(count("#end-report").await, 0);
        let path = format!("/api/v1/incidents/{id}/transition");
        for a in ["acknowledge", "start_response", "contain", "resolve"] {
            let (s, d) = t.post(&coord, &path, json!({"action": a})).await;
            assert!(s.is_success(), "{a}: {d}");
        }
        b.goto(&t.url(&format!("/incidents/{id}"))).await;
        assert_eq!(count("#end-report-fields").await, 1, "resolved: closable");
        let (s, d) = t
            .post(
                &coord,
                &path,
                json!({"action": "close", "report": {"summary": "Gỡ mã độc, khôi phục từ bản sao lưu sạch."}}),
            )
            .await;
        assert!(s.is_success(), "{d}");
        b.goto(&t.url(&format!("/incidents/{id}"))).await;
        assert_eq!(count("#end-report-fields").await, 0, "closed");
        assert!(b
            .text("#end-report")
            .await
            .contains("Gỡ mã độc, khôi phục từ bản sao lưu sạch."));
        b.screenshot("incident-closed").await;

        // A mistyped address: a Vietnamese page inside the layout, the menu
        // there to go on from.
        b.goto(&t.url("/vulns/khong-co-trang-nay")).await;
        assert!(b.text("main").await.contains("Không tìm thấy trang"));
        assert_eq!(count("nav a[href=\"/dashboard\"]").await, 1, "the menu");
        b.screenshot("not-found").await;
    }
}
