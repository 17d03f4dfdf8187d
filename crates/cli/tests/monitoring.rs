//! 24/7 monitoring end to end, through the real server: a sensor registered
//! with its ingest-only token posts a SigmaHQ regression sample's event; the
//! detection pipeline raises the expected alert on the asset the registry
//! knows; redelivery changes nothing; repeats are grouped; each role sees
//! what its scope allows; triage turns the true positive into an incident
//! with the events as its timeline; a suppression keeps the next one quiet;
//! bad lines are counted with their reasons; a full queue answers 429.

mod common;
use common::AuthExt;

use app::Config;
use domain::Role;
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::path::PathBuf;

const RULE_ID: &str = "b53317a0-8acf-4fd1-8de8-a5401e776b96";

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn config() -> Config {
    let mut c = Config::default();
    c.monitoring.rules = vec![repo().join(
        "rules/sigma/rules/windows/process_creation/proc_creation_win_wmic_uninstall_application.yml",
    )];
    c.monitoring.workers = 1;
    c
}

/// The regression sample of the rule, as one line of JSON, with its record
/// number changed to `record` (another event of the same kind).
fn sample(record: i64) -> String {
    let path = repo().join(
        "crates/detect/tests/data/sigma-regression/rules/windows/process_creation/\
         proc_creation_win_wmic_uninstall_application/b53317a0-8acf-4fd1-8de8-a5401e776b96.json",
    );
    let mut v: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    v["Event"]["System"]["EventRecordID"] = json!(record);
    serde_json::to_string(&v).unwrap()
}

async fn send(
    t: &common::TestApp,
    token: &str,
    body: Vec<u8>,
    gzip: bool,
    wait: bool,
) -> (StatusCode, Option<String>, Value) {
    let mut req = t
        .client
        .post(t.url(&format!("/api/v1/events?wait={wait}")))
        .auth(token)
        .header("content-type", "application/x-ndjson")
        .body(body);
    if gzip {
        req = req.header("content-encoding", "gzip");
    }
    let r = req.send().await.unwrap();
    let status = r.status();
    let retry = r
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().to_string());
    let text = r.text().await.unwrap();
    (
        status,
        retry,
        serde_json::from_str(&text).unwrap_or(Value::Null),
    )
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

async fn alerts(t: &common::TestApp, token: &str) -> Vec<Value> {
    let (s, v) = t.get(token, "/api/v1/alerts").await;
    assert_eq!(s, StatusCode::OK, "{v}");
    v["items"].as_array().unwrap().clone()
}

async fn run(t: common::TestApp) {
    let admin = t.token(Role::Coordinator, t.coordinator_org).await;
    // The SOC provider that monitors the agency's system.
    let soc: domain::OrgInput = serde_json::from_value(
        json!({"name": "Trung tâm giám sát", "short_name": "SOC1", "org_type": "soc"}),
    )
    .unwrap();
    let soc = t.app.create_org(&t.coordinator, &soc).await.unwrap().id;
    let (s, sys) = t
        .post(
            &admin,
            "/api/v1/systems",
            json!({"code": "STC-ERP", "name": "Hệ thống kế toán", "owner_org_id": t.agency_a,
                   "function_type": "internal", "proposed_level": 4, "soc_provider_id": soc}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{sys}");
    let system = sys["id"].as_i64().unwrap();
    let asset = t.asset(system, "SWACHCHHANDA", "10.20.0.5").await;

    // A sensor of the agency, with its ingest-only token.
    let (s, reg) = t
        .post(
            &admin,
            "/api/v1/sensors",
            json!({"org_id": t.agency_a, "name": "NXLog máy chủ kế toán", "system_ids": [system]}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{reg}");
    let sensor_token = reg["secret"].as_str().unwrap().to_string();
    let sensor_id = reg["id"].as_i64().unwrap();
    // It reads nothing and grants nothing.
    for path in [
        "/api/v1/alerts",
        "/api/v1/sensors",
        "/api/v1/systems",
        "/api/v1/auth/me",
    ] {
        let (s, v) = t.get(&sensor_token, path).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{path}: {v}");
        assert_eq!(v["error"]["code"], "role_forbidden");
    }
    // Nobody mints a sensor token except by registering a sensor.
    let (s, _) = t
        .post(
            &admin,
            "/api/v1/tokens",
            json!({"name": "x", "org_id": t.agency_a, "role": "sensor"}),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);

    // The event, a broken line and a line that is not an object.
    let body = format!("{}\nnot json\n[1, 2]\n\n", sample(74726));
    let (s, _, r) = send(&t, &sensor_token, body.clone().into_bytes(), false, true).await;
    assert_eq!(s, StatusCode::ACCEPTED, "{r}");
    assert_eq!(r["accepted"], 1);
    assert_eq!(r["rejected"], 2);
    let lines: Vec<i64> = r["first_reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["line"].as_i64().unwrap())
        .collect();
    assert_eq!(lines, vec![2, 3], "{r}");

    let list = alerts(&t, &admin).await;
    assert_eq!(list.len(), 1, "{list:?}");
    let a = &list[0];
    assert_eq!(a["rule_id"], RULE_ID);
    assert_eq!(a["host"], "swachchhanda");
    assert_eq!(a["asset_id"], asset);
    assert_eq!(a["system_id"], system);
    assert_eq!(a["org_id"], t.agency_a);
    assert_eq!(a["level"], "medium");
    // A medium rule on a level-4 system is high.
    assert_eq!(a["severity"], "high");
    assert_eq!(a["state"], "new");
    assert_eq!(a["count"], 1);
    assert_eq!(a["events"].as_array().unwrap().len(), 1);
    let alert = a["id"].as_i64().unwrap();

    // Redelivery (gzip this time): no second alert, no second count.
    let (s, _, r) = send(&t, &sensor_token, gzip(body.as_bytes()), true, true).await;
    assert_eq!(s, StatusCode::ACCEPTED, "{r}");
    let list = alerts(&t, &admin).await;
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["count"], 1);
    // Another event of the same rule on the same host is grouped.
    let (s, _, _) = send(&t, &sensor_token, sample(74727).into_bytes(), false, true).await;
    assert_eq!(s, StatusCode::ACCEPTED);
    let list = alerts(&t, &admin).await;
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["count"], 2);
    assert_eq!(list[0]["events"].as_array().unwrap().len(), 2);

    // The sensor's counters and its sample of rejected lines.
    let (s, sensor) = t.get(&admin, &format!("/api/v1/sensors/{sensor_id}")).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(sensor["events"], 3, "{sensor}");
    assert_eq!(sensor["rejected"], 4, "{sensor}");
    assert!(sensor["last_event_at"].is_string());
    let sample_lines = sensor["rejected_sample"].as_array().unwrap();
    assert_eq!(sample_lines.len(), 4);
    assert_eq!(sample_lines[0]["text"], "not json");

    // Scope: the owner, the SOC provider and the coordinator see it; the
    // other agency does not.
    let a_officer = t.token(Role::Officer, t.agency_a).await;
    let b_officer = t.token(Role::Officer, t.agency_b).await;
    let soc_analyst = t.token(Role::SocAnalyst, soc).await;
    assert_eq!(alerts(&t, &a_officer).await.len(), 1);
    assert_eq!(alerts(&t, &soc_analyst).await.len(), 1);
    assert!(alerts(&t, &b_officer).await.is_empty());
    let (s, _) = t.get(&b_officer, &format!("/api/v1/alerts/{alert}")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = t
        .post(
            &b_officer,
            &format!("/api/v1/alerts/{alert}/move"),
            json!({"action": "acknowledge"}),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let auditor = t.token(Role::Auditor, t.agency_a).await;
    let (s, _) = t
        .post(
            &auditor,
            &format!("/api/v1/alerts/{alert}/move"),
            json!({"action": "acknowledge"}),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);

    // Triage along the table.
    let mv = |action: &str, reason: Option<&str>| {
        let mut b = json!({"action": action});
        if let Some(r) = reason {
            b["reason"] = json!(r);
        }
        b
    };
    let path = format!("/api/v1/alerts/{alert}/move");
    let (s, v) = t.post(&a_officer, &path, mv("true_positive", None)).await;
    assert_eq!(s, StatusCode::CONFLICT, "not before acknowledging: {v}");
    let (s, v) = t.post(&soc_analyst, &path, mv("acknowledge", None)).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["state"], "acknowledged");
    let (s, _) = t.post(&a_officer, &path, mv("false_positive", None)).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "a reason is required");
    let (s, v) = t.post(&a_officer, &path, mv("true_positive", None)).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["state"], "true_positive");
    assert_eq!(v["transitions"].as_array().unwrap().len(), 2);
    let incident = v["incident_id"].as_i64().expect("an incident");
    let (s, inc) = t
        .get(&a_officer, &format!("/api/v1/incidents/{incident}"))
        .await;
    assert_eq!(s, StatusCode::OK, "{inc}");
    let events_on_timeline = inc["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["text"].as_str().unwrap_or("").contains("EventRecordID"))
        .count();
    assert_eq!(events_on_timeline, 2, "{inc}");
    let observables: Vec<&str> = inc["observables"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|o| o["value"].as_str())
        .collect();
    assert!(
        observables.iter().any(|o| o.len() == 64),
        "the SHA-256 of the process: {observables:?}"
    );

    // A suppression by host needs a reason and an expiry, and keeps the
    // next event quiet (a closed alert would otherwise make a new one).
    let (s, _) = t
        .post(
            &a_officer,
            "/api/v1/suppressions",
            json!({"kind": "host", "host": "SWACHCHHANDA"}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let expires = (chrono::Utc::now() + chrono::Duration::days(7)).to_rfc3339();
    let (s, sup) = t
        .post(
            &a_officer,
            "/api/v1/suppressions",
            json!({"kind": "host", "host": "SWACHCHHANDA", "reason": "Máy thử nghiệm gỡ phần mềm", "expires_at": expires}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{sup}");
    let (s, _, _) = send(&t, &sensor_token, sample(74728).into_bytes(), false, true).await;
    assert_eq!(s, StatusCode::ACCEPTED);
    assert_eq!(alerts(&t, &admin).await.len(), 1);
    let (_, sups) = t.get(&a_officer, "/api/v1/suppressions").await;
    // The rule's hit and, since the true positive made the event's hashes
    // an incident's observables, the two indicator hits (MD5, SHA-256).
    assert_eq!(sups["items"][0]["hits"], 3, "{sups}");
    // Without it, the next event raises a new alert.
    let (s, _) = t
        .call(
            &a_officer,
            reqwest::Method::DELETE,
            &format!("/api/v1/suppressions/{}", sup["id"]),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, _, _) = send(&t, &sensor_token, sample(74729).into_bytes(), false, true).await;
    assert_eq!(s, StatusCode::ACCEPTED);
    let all = alerts(&t, &admin).await;
    // The incident's hashes are indicators now: the event also raises one
    // indicator alert per hash (MD5, SHA-256) beside the rule's.
    let list: Vec<Value> = all
        .iter()
        .filter(|a| !a["rule_id"].as_str().unwrap_or("").starts_with("ioc:"))
        .cloned()
        .collect();
    assert_eq!(all.len() - list.len(), 2, "{all:?}");
    assert_eq!(list.len(), 2);
    assert_eq!(list[0]["state"], "new");

    // The console: the queue, the alert with its events and actions, the sensors.
    let console = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    let r = console
        .post(t.url("/api/v1/auth/login"))
        .json(&json!({"username": "a.officer", "password": common::PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let queue = t.page(&console, "/alerts?severity=high").await;
    assert!(queue.contains("Cảnh báo giám sát"), "{queue}");
    assert!(queue.contains(&format!("/alerts/{alert}")), "{queue}");
    assert!(queue.contains("Cao"), "the severity in Vietnamese");
    let newest = list[0]["id"].as_i64().unwrap();
    let page = t.page(&console, &format!("/alerts/{newest}")).await;
    assert!(page.contains("Tiếp nhận"), "the acknowledge action: {page}");
    assert!(page.contains("EventRecordID"), "the events");
    assert!(
        page.contains(&format!("/alerts/{alert}")),
        "the related alert"
    );
    assert!(page.contains("STC-ERP"), "the system");
    let dash = t.page(&console, "/dashboard").await;
    assert!(dash.contains("new-alerts-tile"), "{dash}");
    assert!(dash.contains("Cảnh báo giám sát mới"));
    let sensors = t.page(&console, "/sensors").await;
    assert!(sensors.contains("NXLog máy chủ kế toán"), "{sensors}");
    assert!(sensors.contains("not json"), "the rejected sample");
    assert!(
        sensors.contains("STC-ERP — Hệ thống kế toán"),
        "watched systems by code and name, not #id: {sensors}"
    );

    // A removed sensor's token no longer sends.
    let (s, _) = t
        .call(
            &admin,
            reqwest::Method::DELETE,
            &format!("/api/v1/sensors/{sensor_id}"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, _, _) = send(&t, &sensor_token, sample(1).into_bytes(), false, true).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sample_event_becomes_alert_then_incident_sqlite() {
    run(common::TestApp::spawn(common::Db::Sqlite, config()).await).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sample_event_becomes_alert_then_incident_postgres() {
    if std::env::var("CANHGAC_TEST_POSTGRES").is_err() {
        eprintln!("CANHGAC_TEST_POSTGRES is not set; PostgreSQL variant not run");
        return;
    }
    run(common::TestApp::spawn(common::Db::Postgres, config()).await).await
}

/// With no detection worker the queue holds one batch: the second is refused
/// with 429 and Retry-After; a gzip bomb is refused with 413 before it takes
/// any room.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn full_queue_answers_429_and_a_gzip_bomb_413() {
    let mut c = config();
    c.monitoring.workers = 0;
    c.monitoring.queue_batches = 1;
    c.monitoring.max_decompressed = 1024 * 1024;
    let t = common::TestApp::spawn(common::Db::Sqlite, c).await;
    let sensor = t.token(Role::Sensor, t.agency_a).await;
    let bomb = gzip(&vec![b' '; 16 * 1024 * 1024]);
    assert!(bomb.len() < 100 * 1024);
    let (s, _, v) = send(&t, &sensor, bomb, true, false).await;
    assert_eq!(s, StatusCode::PAYLOAD_TOO_LARGE, "{v}");
    assert_eq!(v["error"]["code"], "too_large");
    let (s, _, v) = send(&t, &sensor, sample(1).into_bytes(), false, false).await;
    assert_eq!(s, StatusCode::ACCEPTED, "{v}");
    let (s, retry, v) = send(&t, &sensor, sample(2).into_bytes(), false, false).await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS, "{v}");
    assert_eq!(v["error"]["code"], "busy");
    assert_eq!(retry.as_deref(), Some("1"));
}

/// Syslog over real sockets on loopback: the source address names the
/// sensor; TCP with octet counting and newline framing, UDP datagrams; JSON
/// payloads (NXLog `to_json()`, `@cee:`) are the events themselves and the
/// sample raises its alert; plain messages are counted.
async fn syslog_run(t: common::TestApp) {
    use tokio::io::AsyncWriteExt;
    let admin = t.token(Role::Coordinator, t.coordinator_org).await;
    let system = t.system(t.agency_a, "STC-WEB").await;
    t.asset(system, "swachchhanda", "10.20.0.6").await;
    let (s, reg) = t
        .post(
            &admin,
            "/api/v1/sensors",
            json!({"org_id": t.agency_a, "name": "rsyslog", "source_addrs": ["127.0.0.1"]}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{reg}");
    let sensor = reg["id"].as_i64().unwrap();
    let listening = t.app.monitoring_listening();
    let addr = |kind: &str| listening.iter().find(|(k, _)| *k == kind).unwrap().1;

    let mut tcp = tokio::net::TcpStream::connect(addr("tcp")).await.unwrap();
    let one = sample(10);
    let two = format!(
        "<13>1 2025-01-01T00:00:00Z nx app - - - @cee:{}",
        sample(11)
    );
    let mut wire = format!("{} {one}", one.len()).into_bytes();
    wire.extend(b"<34>Oct 11 22:14:15 mymachine su: 'su root' failed\n");
    // A plain syslog line read by detect's reader: the Linux sshd rule fires.
    wire.extend(b"<38>Jan 10 10:00:00 swachchhanda sshd[77]: error in libcrypto\n");
    wire.extend(format!("{} {two}", two.len()).into_bytes());
    tcp.write_all(&wire).await.unwrap();
    tcp.shutdown().await.unwrap();
    drop(tcp);
    let udp = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    udp.send_to(b"<34>Oct 11 22:14:15 host app: hello", addr("udp"))
        .await
        .unwrap();
    udp.send_to(sample(12).as_bytes(), addr("udp"))
        .await
        .unwrap();

    // Loopback UDP is not lost; wait (bounded) for the six messages.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let counted = loop {
        let (_, v) = t.get(&admin, &format!("/api/v1/sensors/{sensor}")).await;
        if v["events"] == 6 || std::time::Instant::now() > deadline {
            break v;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    assert_eq!(counted["events"], 6, "{counted}");
    assert_eq!(counted["dropped"], 0);
    assert_eq!(counted["rejected"], 0, "{counted}");
    let list = alerts(&t, &admin).await;
    assert_eq!(list.len(), 2, "{list:?}");
    let win = list.iter().find(|a| a["rule_id"] == RULE_ID).unwrap();
    assert_eq!(win["count"], 3);
    assert_eq!(win["system_id"], system);
    let ssh = list
        .iter()
        .find(|a| a["rule_id"] == "e76b413a-83d0-4b94-8e4c-85db4a5b8bdc")
        .unwrap_or_else(|| panic!("no sshd alert: {list:?}"));
    assert_eq!(ssh["count"], 1, "{ssh}");
    // The syslog header's host names the asset, hence the system.
    assert_eq!(ssh["system_id"], system, "{ssh}");
}

fn syslog_config() -> Config {
    let mut c = config();
    c.monitoring
        .rules
        .push(repo().join("rules/sigma/rules/linux/builtin/sshd/lnx_sshd_susp_ssh.yml"));
    c.monitoring.syslog_udp = Some("127.0.0.1:0".into());
    c.monitoring.syslog_tcp = Some("127.0.0.1:0".into());
    c
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn syslog_over_udp_and_tcp_sqlite() {
    syslog_run(common::TestApp::spawn(common::Db::Sqlite, syslog_config()).await).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn syslog_over_udp_and_tcp_postgres() {
    if std::env::var("CANHGAC_TEST_POSTGRES").is_err() {
        eprintln!("CANHGAC_TEST_POSTGRES is not set; PostgreSQL variant not run");
        return;
    }
    syslog_run(common::TestApp::spawn(common::Db::Postgres, syslog_config()).await).await
}

/// The same over NATS JetStream (`serve --nats-url`, a stream of its own):
/// events a reader parsed (syslog) keep their fields and declared log source
/// across the wire, so the Linux rule still fires. Needs NATS at
/// 127.0.0.1:4222 (`.ci/run` starts it); says so and stops without it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn syslog_over_nats_sqlite() {
    const NATS: &str = "nats://127.0.0.1:4222";
    if std::net::TcpStream::connect("127.0.0.1:4222").is_err() {
        assert!(std::env::var("CI").is_err(), "CI starts NATS");
        eprintln!("NATS is not listening on 127.0.0.1:4222; test not run");
        return;
    }
    let stream = format!("canhgac-test-syslog-{:016x}", rand::random::<u64>());
    let mut c = syslog_config();
    let mut n = app::pipeline::NatsConfig::new(NATS);
    n.stream = stream.clone();
    c.monitoring.nats = Some(n);
    syslog_run(common::TestApp::spawn(common::Db::Sqlite, c).await).await;
    let js = async_nats::jetstream::new(async_nats::connect(NATS).await.unwrap());
    js.delete_stream(&stream).await.unwrap();
}
