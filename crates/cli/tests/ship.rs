//! `canhgac ship` and event file uploads, end to end with the real binary:
//! the forwarder follows a file that is appended, renamed and recreated,
//! and truncated, while the server (`canhgac serve` on the same database)
//! is killed and started again on the same port and the forwarder itself
//! is killed and restarted; every event arrives exactly once (the sensor's
//! event count and the alert's count). A batch sent again with its
//! `Idempotency-Key` is answered as already received. Uploads: an EVTX
//! regression sample becomes its alert, a cut EVTX file is answered with
//! where reading stopped, an oversized upload gets 413, and the
//! permissions table decides who may upload.

mod common;
use common::AuthExt;

use app::Config;
use domain::Role;
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const RULE_ID: &str = "b53317a0-8acf-4fd1-8de8-a5401e776b96";
const SAMPLE_DIR: &str =
    "crates/detect/tests/data/sigma-regression/rules/windows/process_creation/\
                          proc_creation_win_wmic_uninstall_application";
const RULE: &str =
    "rules/sigma/rules/windows/process_creation/proc_creation_win_wmic_uninstall_application.yml";

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The regression sample's event as one line of JSON, record number `record`.
fn sample(record: i64) -> String {
    let path = repo().join(SAMPLE_DIR).join(format!("{RULE_ID}.json"));
    let mut v: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    v["Event"]["System"]["EventRecordID"] = json!(record);
    serde_json::to_string(&v).unwrap()
}

/// A child process killed when the test ends, however it ends.
struct Proc(Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `canhgac serve` on the test's database at `listen`; returns it and its URL.
fn serve(t: &common::TestApp, listen: &str) -> (Proc, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_canhgac"))
        .args(t.db_args())
        .args([
            "serve",
            "--listen",
            listen,
            "--detect-workers",
            "1",
            "--rules",
        ])
        .arg(repo().join(RULE))
        .env("CANHGAC_LOG", "warn")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut url = None;
    for line in lines.by_ref() {
        let line = line.unwrap();
        if let Some(u) = line.split("serving on ").nth(1) {
            url = Some(
                u.split_whitespace()
                    .next()
                    .unwrap()
                    .trim_end_matches('/')
                    .to_string(),
            );
            break;
        }
    }
    // Keep reading so the server never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    (Proc(child), url.expect("the server says where it listens"))
}

fn ship(log: &Path, state: &Path, url: &str, token: &str, once: bool) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_canhgac"));
    c.arg("ship")
        .arg(log)
        .args(["--to", url, "--token", token, "--state"])
        .arg(state)
        .args(["--poll-ms", "50", "--max-backoff-secs", "1", "--batch", "2"]);
    if once {
        c.arg("--once");
    }
    c
}

fn append(p: &Path, s: &str) {
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(p)
        .unwrap();
    f.write_all(s.as_bytes()).unwrap();
}

async fn events(t: &common::TestApp, sensor: i64) -> i64 {
    t.app.sensor(&t.coordinator, sensor).await.unwrap().events
}

/// Waits (bounded) until the sensor has counted at least `n` events;
/// returns the count.
async fn reach(t: &common::TestApp, sensor: i64, n: i64) -> i64 {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let got = events(t, sensor).await;
        if got >= n || Instant::now() > deadline {
            return got;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn ship_run(t: common::TestApp) {
    let (sensor, token) = t
        .app
        .register_sensor(
            &t.coordinator,
            &app::monitoring::NewSensorInput {
                org_id: t.agency_a,
                name: "Suricata máy chủ nhật ký".into(),
                system_ids: vec![],
                source_addrs: vec![],
                valid_days: 30,
            },
        )
        .await
        .unwrap();
    let sensor = sensor.id;
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("app.log");
    let state = dir.path().join("ship.state.json");

    // Three events and the first half of a fourth.
    let four = sample(4);
    let (head, tail) = four.split_at(four.len() / 2);
    append(
        &log,
        &format!("{}\n{}\n{}\n{head}", sample(1), sample(2), sample(3)),
    );
    let (server, url) = serve(&t, "127.0.0.1:0");
    let listen = url.trim_start_matches("http://").to_string();
    let shipper = Proc(ship(&log, &state, &url, &token, false).spawn().unwrap());
    assert_eq!(reach(&t, sensor, 3).await, 3, "the partial line waits");

    // Appended: the fourth line completed, a fifth.
    append(&log, &format!("{tail}\n{}\n", sample(5)));
    assert_eq!(reach(&t, sensor, 5).await, 5);

    // The server goes away; meanwhile a line is appended, the file is
    // renamed and a new one started, and the forwarder is killed and
    // started again (it finishes the renamed file by its inode).
    drop(server);
    append(&log, &format!("{}\n", sample(6)));
    std::fs::rename(&log, dir.path().join("app.log.1")).unwrap();
    append(&log, &format!("{}\n{}\n", sample(7), sample(8)));
    drop(shipper);
    let shipper = Proc(ship(&log, &state, &url, &token, false).spawn().unwrap());
    let (server, url2) = serve(&t, &listen);
    assert_eq!(url2, url, "the same port");
    assert_eq!(reach(&t, sensor, 8).await, 8);

    // copytruncate: the file emptied in place and written again.
    std::fs::write(&log, "").unwrap();
    append(&log, &format!("{}\n", sample(9)));
    assert_eq!(reach(&t, sensor, 9).await, 9);

    // A batch sent again with its key (the forwarder died between the
    // server's answer and its state file): answered, not counted again.
    let client = reqwest::Client::new();
    let post = || {
        client
            .post(format!("{url}/api/v1/events?wait=true"))
            .auth(&token)
            .header("idempotency-key", "test-batch-10")
            .body(format!("{}\n", sample(10)))
            .send()
    };
    let first: Value = post().await.unwrap().json().await.unwrap();
    assert_eq!(first["accepted"], 1, "{first}");
    assert!(first.get("duplicate").is_none(), "{first}");
    let again = post().await.unwrap();
    assert_eq!(again.status(), StatusCode::ACCEPTED);
    let again: Value = again.json().await.unwrap();
    assert_eq!(again["accepted"], 1, "{again}");
    assert_eq!(again["duplicate"], true, "{again}");
    let bad = client
        .post(format!("{url}/api/v1/events"))
        .auth(&token)
        .header("idempotency-key", "has space")
        .body(sample(11))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(events(&t, sensor).await, 10);

    // Everything was sent once: a forwarder started on the same state has
    // nothing left to send.
    drop(shipper);
    let out = ship(&log, &state, &url, &token, true).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(events(&t, sensor).await, 10);
    let alerts = t
        .app
        .alerts(
            &t.coordinator,
            &app::store::monitoring::AlertFilter {
                limit: 50,
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .items;
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    assert_eq!(alerts[0].rule_id, RULE_ID);
    assert_eq!(alerts[0].count, 10, "each event once");
    drop(server);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ship_follows_rotation_and_truncation_across_server_restarts_sqlite() {
    ship_run(common::TestApp::spawn(common::Db::Sqlite, Config::default()).await).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ship_follows_rotation_and_truncation_across_server_restarts_postgres() {
    if std::env::var("CANHGAC_TEST_POSTGRES").is_err() {
        eprintln!("CANHGAC_TEST_POSTGRES is not set; PostgreSQL variant not run");
        return;
    }
    ship_run(common::TestApp::spawn(common::Db::Postgres, Config::default()).await).await
}

// ------------------------------------------------------------ uploads

const MAX_UPLOAD: u64 = 512 * 1024;

fn upload_config() -> Config {
    let mut c = Config::default();
    c.monitoring.rules = vec![repo().join(RULE)];
    c.monitoring.workers = 1;
    c.monitoring.max_upload = MAX_UPLOAD;
    c
}

async fn upload(
    t: &common::TestApp,
    token: &str,
    query: &str,
    body: Vec<u8>,
) -> (StatusCode, Value) {
    let r = t
        .client
        .post(t.url(&format!("/api/v1/events/file?{query}")))
        .auth(token)
        .body(body)
        .send()
        .await
        .unwrap();
    let s = r.status();
    (
        s,
        serde_json::from_str(&r.text().await.unwrap()).unwrap_or(Value::Null),
    )
}

async fn upload_run(t: common::TestApp) {
    let admin = t.token(Role::Coordinator, t.coordinator_org).await;
    let sensor = t.token(Role::Sensor, t.agency_a).await;
    let evtx = std::fs::read(repo().join(SAMPLE_DIR).join(format!("{RULE_ID}.evtx"))).unwrap();

    // The regression sample's EVTX file becomes its alert.
    let (s, r) = upload(
        &t,
        &sensor,
        "format=evtx&file_name=Security.evtx",
        evtx.clone(),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert!(r["accepted"].as_u64().unwrap() >= 1, "{r}");
    assert_eq!(r["complete"], true, "{r}");
    assert_eq!(r["format"], "evtx");
    let (_, list) = t.get(&admin, "/api/v1/alerts").await;
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{list}");
    assert_eq!(items[0]["rule_id"], RULE_ID);

    // Cut in the middle: a clear answer naming where reading stopped.
    let cut = evtx[..evtx.len() / 2].to_vec();
    let (s, r) = upload(&t, &sensor, "file_name=cut.evtx", cut).await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert_eq!(r["format"], "evtx", "recognised by its signature");
    assert_eq!(r["complete"], false, "{r}");
    assert!(r["stopped_at"].as_str().unwrap().contains("chunk"), "{r}");
    assert!(!r["first_reasons"].as_array().unwrap().is_empty(), "{r}");
    // Nothing already accepted is lost: still the one alert.
    let (_, list) = t.get(&admin, "/api/v1/alerts").await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1);

    // Oversized: 413 before anything is evaluated.
    let (s, r) = upload(
        &t,
        &sensor,
        "format=evtx",
        vec![0u8; MAX_UPLOAD as usize + 1],
    )
    .await;
    assert_eq!(s, StatusCode::PAYLOAD_TOO_LARGE, "{r}");
    assert_eq!(r["error"]["code"], "too_large");
    assert!(
        r["error"]["message"].as_str().unwrap().contains("MiB"),
        "{r}"
    );

    // Suricata EVE: good lines evaluated, a bad one named by its line.
    let eve = "{\"timestamp\":\"2025-01-01T00:00:00.000000+0700\",\"event_type\":\"dns\",\"src_ip\":\"10.0.0.5\",\"dest_ip\":\"8.8.8.8\",\"dns\":{\"type\":\"query\",\"rrname\":\"example.vn\"}}\nnot json\n";
    let officer = t.token(Role::Officer, t.agency_a).await;
    let (s, r) = upload(&t, &officer, "format=eve&file_name=eve.json", eve.into()).await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert_eq!(r["accepted"], 1, "{r}");
    assert_eq!(r["rejected"], 1, "{r}");
    assert_eq!(r["first_reasons"][0]["position"], "line 2", "{r}");
    let (s, r) = upload(&t, &officer, "format=pcap", eve.into()).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{r}");

    // The console: the sensors page's upload form, its answer in Vietnamese.
    let (browser, csrf) = common::sign_in(&t, "a.officer").await;
    let page = t.page(&browser, "/sensors").await;
    assert!(page.contains("Tải lên tệp sự kiện"), "{page}");
    let form = reqwest::multipart::Form::new()
        .text("csrf", csrf.clone())
        .text("format", "")
        .part(
            "file",
            reqwest::multipart::Part::bytes(evtx[..evtx.len() / 2].to_vec()).file_name("hong.evtx"),
        );
    let html = browser
        .post(t.url("/sensors/upload"))
        .multipart(form)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("Đã phân tích tệp hong.evtx"), "{html}");
    assert!(html.contains("Dừng đọc tại"), "{html}");

    // The permissions table: an auditor does not upload.
    let auditor = t.token(Role::Auditor, t.agency_a).await;
    let (s, r) = upload(&t, &auditor, "format=eve", eve.into()).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{r}");
    assert_eq!(r["error"]["code"], "role_forbidden");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn evtx_and_eve_uploads_sqlite() {
    upload_run(common::TestApp::spawn(common::Db::Sqlite, upload_config()).await).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn evtx_and_eve_uploads_postgres() {
    if std::env::var("CANHGAC_TEST_POSTGRES").is_err() {
        eprintln!("CANHGAC_TEST_POSTGRES is not set; PostgreSQL variant not run");
        return;
    }
    upload_run(common::TestApp::spawn(common::Db::Postgres, upload_config()).await).await
}
