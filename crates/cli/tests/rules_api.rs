//! Rule switches through the API (`GET /api/v1/rules`, `PUT
//! /api/v1/rules/switches`): the catalogue says what runs; a rule switched
//! off is left out of the detection engine (it is not evaluated: the
//! engine's rule count drops) and raises nothing for events received after
//! the answer; switched on again it fires again; a rule switch beats its
//! folder's; every switch is audited; only the coordinator may do it. A
//! switch written by another node (straight into the shared table) reaches
//! this node's engine by the periodic refresh.

mod common;
use common::AuthExt;

use app::Config;
use domain::Role;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use std::path::PathBuf;

const WMIC_RULE: &str = "b53317a0-8acf-4fd1-8de8-a5401e776b96";

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A rule folder with two SigmaHQ rules in `windows/process_creation` and
/// `linux/sshd`.
fn rules_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (from, to) in [
        (
            "rules/sigma/rules/windows/process_creation/proc_creation_win_wmic_uninstall_application.yml",
            "windows/process_creation/wmic.yml",
        ),
        (
            "rules/sigma/rules/linux/builtin/sshd/lnx_sshd_susp_ssh.yml",
            "linux/sshd/sshd.yml",
        ),
    ] {
        let to = dir.path().join(to);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(repo().join(from), to).unwrap();
    }
    dir
}

/// The wmic rule's regression sample, its record number changed to `record`.
fn sample(record: i64) -> Vec<u8> {
    let path = repo().join(
        "crates/detect/tests/data/sigma-regression/rules/windows/process_creation/\
         proc_creation_win_wmic_uninstall_application/b53317a0-8acf-4fd1-8de8-a5401e776b96.json",
    );
    let mut v: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    v["Event"]["System"]["EventRecordID"] = json!(record);
    serde_json::to_vec(&v).unwrap()
}

/// Sends one event and waits until its alerts are stored; returns the count
/// of the wmic rule's alert (0: none).
async fn send(t: &common::TestApp, sensor: &str, admin: &str, record: i64) -> i64 {
    let r = t
        .client
        .post(t.url("/api/v1/events?wait=true"))
        .auth(sensor)
        .header("content-type", "application/x-ndjson")
        .body(sample(record))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    let (_, list) = t
        .get(admin, &format!("/api/v1/alerts?rule_id={WMIC_RULE}"))
        .await;
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["count"].as_i64().unwrap())
        .sum()
}

async fn switch(
    t: &common::TestApp,
    token: &str,
    kind: &str,
    target: &str,
    enabled: bool,
) -> (StatusCode, Value) {
    t.call(
        token,
        Method::PUT,
        "/api/v1/rules/switches",
        Some(json!({"kind": kind, "target": target, "enabled": enabled})),
    )
    .await
}

async fn run(t: common::TestApp) {
    let admin = t.token(Role::Coordinator, t.coordinator_org).await;
    let sensor = t.token(Role::Sensor, t.agency_a).await;
    let officer = t.token(Role::Officer, t.agency_a).await;
    let org_admin = t.token(Role::OrgAdmin, t.agency_a).await;

    let (s, cat) = t.get(&admin, "/api/v1/rules").await;
    assert_eq!(s, StatusCode::OK, "{cat}");
    assert_eq!(cat["loaded"], true);
    assert_eq!(cat["running_now"], 2, "{cat}");
    let rules = cat["rules"].as_array().unwrap();
    assert_eq!(rules.len(), 2, "{cat}");
    let wmic = rules.iter().find(|r| r["id"] == WMIC_RULE).unwrap();
    assert_eq!(wmic["folder"], "windows/process_creation");
    assert_eq!(wmic["enabled"], true);
    assert_eq!(wmic["level"], "medium", "{wmic}");
    let (_, only_linux) = t.get(&admin, "/api/v1/rules?folder=linux").await;
    assert_eq!(only_linux["rules"].as_array().unwrap().len(), 1);
    assert_eq!(only_linux["rules"][0]["folder"], "linux/sshd");

    // Only the coordinator reads and switches.
    for who in [&officer, &org_admin, &sensor] {
        let (s, _) = t.get(who, "/api/v1/rules").await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let (s, v) = switch(&t, who, "rule", WMIC_RULE, false).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
    }

    assert_eq!(send(&t, &sensor, &admin, 10).await, 1);

    // Off by id: out of the engine, and the next event raises nothing.
    let (s, v) = switch(&t, &admin, "rule", WMIC_RULE, false).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["previous"], Value::Null);
    assert_eq!(v["enabled"], false);
    assert_eq!(v["running_now"], 1, "the rule is no longer evaluated: {v}");
    assert_eq!(send(&t, &sensor, &admin, 11).await, 1, "switched off");
    let (_, cat) = t.get(&admin, "/api/v1/rules").await;
    assert_eq!(cat["running_now"], 1);
    let wmic = cat["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == WMIC_RULE)
        .unwrap()
        .clone();
    assert_eq!(wmic["enabled"], false, "{cat}");
    assert_eq!(cat["switches"][0]["target"], WMIC_RULE, "{cat}");

    // On again: it fires again.
    let (s, v) = switch(&t, &admin, "rule", WMIC_RULE, true).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["previous"], false);
    assert_eq!(v["running_now"], 2);
    assert_eq!(send(&t, &sensor, &admin, 12).await, 2, "switched on");

    // Its folder off: nothing; the rule's own switch (on) beats the folder's.
    let (s, v) = switch(&t, &admin, "folder", "windows", false).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    // The rule's own switch is on: it still runs.
    assert_eq!(v["running_now"], 2, "{v}");
    assert_eq!(send(&t, &sensor, &admin, 13).await, 3);
    let (s, v) = switch(&t, &admin, "rule", WMIC_RULE, false).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, v) = switch(&t, &admin, "folder", "windows/process_creation", true).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["running_now"], 1, "the rule's switch beats the folder's");
    assert_eq!(send(&t, &sensor, &admin, 14).await, 3);

    // Refused: an unknown folder or rule, another kind, a body that does not parse.
    let (s, v) = switch(&t, &admin, "folder", "nowhere", false).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert!(v["error"]["message"]
        .as_str()
        .unwrap()
        .contains("không có thư mục hay luật 'nowhere'"));
    let (s, _) = switch(&t, &admin, "rule", "no-such-id", false).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let (s, _) = switch(&t, &admin, "tag", "attack.t1047", false).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let (s, _) = t
        .call(
            &admin,
            Method::PUT,
            "/api/v1/rules/switches",
            Some(json!({"kind": "rule", "target": WMIC_RULE})),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);

    // Every switch is in the audit log, newest first, with before and after.
    let (_, audit) = t.get(&admin, "/api/v1/audit?entity=rule_switch").await;
    let items = audit["items"].as_array().unwrap();
    let actions: Vec<&str> = items
        .iter()
        .map(|r| r["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        ["enable", "disable", "disable", "enable", "disable"],
        "{audit}"
    );
    let last = items[0].to_string();
    assert!(last.contains("windows/process_creation"), "{last}");

    // Another node switches the sshd rule off (straight into the shared
    // table): this node's engine follows at its next refresh.
    let scope = t.app.system_scope().await.unwrap();
    let mut tx = t.app.store.begin().await.unwrap();
    app::store::rule_switches::set(&mut tx, &scope, "folder", "linux", false)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let running = loop {
        let (_, cat) = t.get(&admin, "/api/v1/rules").await;
        if cat["running_now"] == 0 || std::time::Instant::now() > deadline {
            break cat["running_now"].clone();
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    assert_eq!(running, 0, "the refresh rebuilt the engine without linux");
}

fn config(dir: &tempfile::TempDir) -> Config {
    let mut c = Config::default();
    c.monitoring.rules = vec![dir.path().to_path_buf()];
    c.monitoring.workers = 1;
    c.monitoring.rule_refresh = std::time::Duration::from_millis(200);
    c
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rule_switches_through_the_api_sqlite() {
    let dir = rules_dir();
    run(common::TestApp::spawn(common::Db::Sqlite, config(&dir)).await).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rule_switches_through_the_api_postgres() {
    if std::env::var("CANHGAC_TEST_POSTGRES").is_err() {
        eprintln!("CANHGAC_TEST_POSTGRES is not set; PostgreSQL variant not run");
        return;
    }
    let dir = rules_dir();
    run(common::TestApp::spawn(common::Db::Postgres, config(&dir)).await).await
}
