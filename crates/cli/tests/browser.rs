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

    /// The rendered (visible) text of the element matching `css`.
    pub async fn text(&self, css: &str) -> String {
        self.wait_for(css).await.text().await.unwrap()
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
