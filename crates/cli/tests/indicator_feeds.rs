//! Imported indicator feeds, through the real server: a plain list, a STIX
//! 2.1 bundle and a MISP event join the live indicators; a live event that
//! meets one raises a high alert naming the feed; an expired indicator does
//! not; importing the same name replaces; a bad file (a broken STIX pattern,
//! invalid JSON) is refused with its position and writes nothing; an officer
//! may read the list but not import or delete; an event kept before the
//! import is retro-hunted (audited); the console page and the command line.

mod common;
use common::AuthExt;

use app::Config;
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::path::PathBuf;

const PLAIN: &str = "\
# Danh sách chỉ dấu tuần 49/2026 — CERT tỉnh Sơn Hà
# tlp: green
198.51.100.23
update-check.example        # tên miền C2, đã thấy trước khi nhập
hxxp://dl.bad-cdn[.]example/payload.exe
md5:44d88612fea8a8f36de82e1278abb02f
198.51.100.23
# expires: 2020-01-01
203.0.113.66
";

const STIX: &str = r#"{
  "type": "bundle",
  "id": "bundle--5d0092c5-5f74-4287-9642-33f4c354e56d",
  "objects": [
    {"type": "identity", "spec_version": "2.1", "id": "identity--b3bca3c2-1f3d-4b54-b44f-dac42c3a8f01",
     "created": "2026-11-30T02:00:00.000Z", "modified": "2026-11-30T02:00:00.000Z",
     "name": "VNCERT/CC", "identity_class": "organization"},
    {"type": "indicator", "spec_version": "2.1", "id": "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
     "created_by_ref": "identity--b3bca3c2-1f3d-4b54-b44f-dac42c3a8f01",
     "created": "2026-11-30T02:00:00.000Z", "modified": "2026-11-30T02:00:00.000Z",
     "name": "Máy chủ điều khiển mã độc", "indicator_types": ["malicious-activity"],
     "pattern": "[ipv4-addr:value = '203.0.113.45'] OR [domain-name:value = 'cdn-update.example']",
     "pattern_type": "stix", "valid_from": "2026-11-30T02:00:00Z", "valid_until": "2099-12-31T00:00:00Z",
     "object_marking_refs": ["marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"]},
    {"type": "indicator", "spec_version": "2.1", "id": "indicator--1f5e7a4b-2c11-4d6e-9a0b-7c3e5d9f2a18",
     "created_by_ref": "identity--b3bca3c2-1f3d-4b54-b44f-dac42c3a8f01",
     "created": "2026-11-30T02:00:00.000Z", "modified": "2026-11-30T02:00:00.000Z",
     "name": "Tệp cài cắm", "indicator_types": ["malicious-activity"],
     "pattern": "[file:hashes.'SHA-256' = '2CF24DBA5FB0A30E26E83B2AC5B9E29E1B161E5C1FA7425E73043362938B9824']",
     "pattern_type": "stix", "valid_from": "2026-11-30T02:00:00Z"}
  ]
}"#;

const MISP: &str = r#"{"Event": {
  "info": "Chiến dịch lừa đảo giả mạo cổng dịch vụ công",
  "date": "2026-12-01", "threat_level_id": "2", "analysis": "1",
  "uuid": "5f0c8e1a-7d3b-4c52-9e1f-2a6b8d4c0e71",
  "Orgc": {"name": "NCSC"},
  "Tag": [{"name": "tlp:amber"}],
  "Attribute": [
    {"type": "domain", "category": "Network activity", "to_ids": true, "uuid": "0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9", "value": "dichvucong-gov.example"},
    {"type": "ip-dst", "category": "Network activity", "to_ids": true, "uuid": "1c2d3e4f-5061-4728-93a4-b5c6d7e8f90a", "value": "203.0.113.200"},
    {"type": "comment", "category": "Other", "to_ids": false, "uuid": "2d3e4f50-6172-4839-a4b5-c6d7e8f90a1b", "value": "Nguồn: báo cáo của người dân"}
  ]
}}"#;

/// A STIX bundle whose second indicator's pattern is broken.
const STIX_BROKEN: &str = r#"{"type": "bundle", "id": "bundle--0a1b2c3d-0000-4000-8000-000000000001", "objects": [
  {"type": "indicator", "spec_version": "2.1", "id": "indicator--0a1b2c3d-0000-4000-8000-000000000002",
   "pattern": "[ipv4-addr:value = '198.51.100.200']", "pattern_type": "stix", "valid_from": "2026-11-30T02:00:00Z"},
  {"type": "indicator", "spec_version": "2.1", "id": "indicator--0a1b2c3d-0000-4000-8000-000000000003",
   "pattern": "[ipv4-addr:value = '198.51.100.201'", "pattern_type": "stix", "valid_from": "2026-11-30T02:00:00Z"}
]}"#;

fn events_dir() -> PathBuf {
    let d = std::env::temp_dir().join(format!("canhgac-feeds-{:016x}", rand::random::<u64>()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn config() -> Config {
    let mut c = Config::default();
    c.monitoring.rules = Vec::new();
    c.monitoring.workers = 1;
    c.monitoring.events_dir = Some(events_dir());
    c.monitoring.keep_events_days = 30;
    c
}

fn sysmon(host: &str, record: i64, id: i64, data: Value) -> Value {
    json!({"Event": {"System": {
        "Provider": {"Name": "Microsoft-Windows-Sysmon"}, "EventID": id,
        "Channel": "Microsoft-Windows-Sysmon/Operational",
        "Computer": host, "EventRecordID": record},
        "EventData": data}})
}

fn connect(host: &str, record: i64, ip: &str) -> Value {
    sysmon(
        host,
        record,
        3,
        json!({"SourceIp": "10.20.0.5", "DestinationIp": ip, "DestinationPort": 443}),
    )
}

fn dns(host: &str, record: i64, name: &str) -> Value {
    sysmon(
        host,
        record,
        22,
        json!({"QueryName": name, "Image": "C:\\Windows\\System32\\svchost.exe"}),
    )
}

async fn send(t: &common::TestApp, token: &str, events: &[Value]) {
    let body: String = events.iter().map(|e| format!("{e}\n")).collect();
    let r = t
        .client
        .post(t.url("/api/v1/events?wait=true"))
        .auth(token)
        .header("content-type", "application/x-ndjson")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        StatusCode::ACCEPTED,
        "{}",
        r.text().await.unwrap()
    );
}

async fn import(t: &common::TestApp, token: &str, query: &str, body: &str) -> (StatusCode, Value) {
    let r = reqwest::Client::new()
        .post(t.url(&format!("/api/v1/indicator-feeds?{query}")))
        .auth(token)
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    let s = r.status();
    (s, r.json().await.unwrap_or(Value::Null))
}

async fn alerts_of(t: &common::TestApp, token: &str, rule: &str) -> Vec<Value> {
    let (s, v) = t
        .get(token, &format!("/api/v1/alerts?rule_id={rule}&limit=100"))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    v["items"].as_array().unwrap().clone()
}

async fn feeds(t: &common::TestApp, token: &str) -> Vec<Value> {
    let (s, v) = t.get(token, "/api/v1/indicator-feeds").await;
    assert_eq!(s, StatusCode::OK, "{v}");
    v["items"].as_array().unwrap().clone()
}

/// Waits (up to a minute) until `f` holds: the retro-hunt runs in the background.
async fn eventually<F, Fut>(what: &str, mut f: F) -> Value
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<Value>>,
{
    for _ in 0..600 {
        if let Some(v) = f().await {
            return v;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("never: {what}");
}

async fn run(t: common::TestApp) {
    let coord = t.login("coord").await;
    let officer = t.login("a.officer").await;
    let (s, reg) = t
        .post(
            &coord,
            "/api/v1/sensors",
            json!({"org_id": t.agency_a, "name": "NXLog STC"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{reg}");
    let sensor = reg["secret"].as_str().unwrap().to_string();

    // An event kept before any feed knew the domain.
    send(
        &t,
        &sensor,
        &[dns("PC-KT-11", 1, "cdn.update-check.example")],
    )
    .await;
    let rule_kept = "ioc:domain:update-check.example";
    assert!(alerts_of(&t, &coord, rule_kept).await.is_empty());
    eventually("the event is kept", || async {
        let (_, v) = t.get(&coord, "/api/v1/events?host=PC-KT-11").await;
        (v["items"].as_array().is_some_and(|a| a.len() == 1)).then_some(Value::Null)
    })
    .await;

    // The officer may read the list, not import or delete.
    assert!(feeds(&t, &officer).await.is_empty());
    let (s, e) = import(&t, &officer, "name=CERT%20tinh&format=plain", PLAIN).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{e}");
    assert_eq!(e["error"]["code"], "role_forbidden", "{e}");
    assert!(feeds(&t, &coord).await.is_empty(), "nothing written");

    // A plain list: five values (one twice), one already expired.
    let (s, r) = import(
        &t,
        &coord,
        "name=CERT%20tinh&format=plain&tlp=green&expires_days=30&file_name=tuan-49.txt",
        PLAIN,
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{r}");
    assert_eq!(r["format"], "plain", "{r}");
    assert_eq!(r["indicators"], 5, "{r}");
    assert_eq!(r["duplicates"], 1, "{r}");
    assert_eq!(r["expired"], 1, "{r}");
    let cert_id = r["feed_id"].as_i64().unwrap();
    let list = feeds(&t, &coord).await;
    assert_eq!(list.len(), 1, "{list:?}");
    assert_eq!(list[0]["name"], "CERT tinh");
    assert_eq!(list[0]["tlp"], "green");
    assert_eq!(list[0]["indicators"], 5);
    assert_eq!(list[0]["active"], 4);
    assert_eq!(list[0]["expires_days"], 30);
    assert!(list[0]["default_expires_at"].is_string(), "{list:?}");

    // A live event to a listed address: a high alert naming the feed.
    send(&t, &sensor, &[connect("PC-KT-12", 2, "198.51.100.23")]).await;
    let a = alerts_of(&t, &coord, "ioc:ipv4:198.51.100.23").await;
    assert_eq!(a.len(), 1, "{a:?}");
    assert_eq!(a[0]["host"], "PC-KT-12");
    assert_eq!(a[0]["level"], "high", "{a:?}");
    assert!(
        a[0]["rule_title"]
            .as_str()
            .unwrap()
            .contains("nguồn CERT tinh"),
        "{a:?}"
    );
    // The expired one raises nothing.
    send(&t, &sensor, &[connect("PC-KT-13", 3, "203.0.113.66")]).await;
    assert!(alerts_of(&t, &coord, "ioc:ipv4:203.0.113.66")
        .await
        .is_empty());

    // The event kept before the import is found by the retro-hunt, audited.
    let found = eventually("the retro-hunt raises the kept event's alert", || async {
        let v = alerts_of(&t, &coord, rule_kept).await;
        (!v.is_empty()).then(|| json!(v))
    })
    .await;
    assert_eq!(found[0]["host"], "PC-KT-11", "{found}");
    let audit = eventually("the retro-hunt is audited", || async {
        let (_, v) = t.get(&coord, "/api/v1/audit?action=retro_hunt").await;
        v["items"]
            .as_array()
            .and_then(|items| {
                items
                    .iter()
                    .find(|i| i.to_string().contains("feed CERT tinh"))
            })
            .cloned()
    })
    .await;
    assert!(audit.to_string().contains("matched_events"), "{audit}");
    let (_, imports) = t
        .get(&coord, "/api/v1/audit?entity=indicator_feed&action=import")
        .await;
    assert_eq!(imports["items"].as_array().unwrap().len(), 1, "{imports}");

    // A STIX 2.1 bundle: an address and a domain in one pattern, a SHA-256.
    let (s, r) = import(&t, &coord, "name=VNCERT%20STIX&format=auto", STIX).await;
    assert_eq!(s, StatusCode::CREATED, "{r}");
    assert_eq!(r["format"], "stix", "{r}");
    assert_eq!(r["indicators"], 3, "{r}");
    let sha = "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824";
    send(
        &t,
        &sensor,
        &[sysmon(
            "PC-KT-14",
            4,
            1,
            json!({"Image": "C:\\Users\\Public\\svc.exe", "Hashes": format!("MD5=00000000000000000000000000000000,SHA256={}", sha.to_uppercase())}),
        )],
    )
    .await;
    let a = alerts_of(&t, &coord, &format!("ioc:sha256:{sha}")).await;
    assert_eq!(a.len(), 1, "{a:?}");
    assert!(
        a[0]["rule_title"].as_str().unwrap().contains("VNCERT STIX"),
        "{a:?}"
    );

    // A MISP event: the comment (to_ids false) is skipped.
    let (s, r) = import(&t, &coord, "name=NCSC%20MISP&format=misp", MISP).await;
    assert_eq!(s, StatusCode::CREATED, "{r}");
    assert_eq!(r["indicators"], 2, "{r}");
    send(&t, &sensor, &[dns("PC-KT-15", 5, "dichvucong-gov.example")]).await;
    assert_eq!(
        alerts_of(&t, &coord, "ioc:domain:dichvucong-gov.example")
            .await
            .len(),
        1
    );

    // A broken STIX pattern: refused with the indicator's place, nothing written.
    let (s, e) = import(
        &t,
        &coord,
        "name=Hong&format=stix&file_name=hong.json",
        STIX_BROKEN,
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    let details = e["error"]["details"].to_string();
    assert!(
        details.contains("hong.json") && details.contains("objects[1]"),
        "{e}"
    );
    assert!(e["error"]["message"]
        .as_str()
        .unwrap()
        .contains("không hợp lệ"));
    // Invalid JSON: the line and column.
    let (s, e) = import(
        &t,
        &coord,
        "name=Hong&format=stix",
        "{\"type\": \"bundle\",\n \"objects\": [}",
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert!(e["error"]["details"].to_string().contains("dòng 2"), "{e}");
    // A bad TLP is named.
    let (s, e) = import(&t, &coord, "name=Hong&tlp=purple", "198.51.100.9\n").await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(e["error"]["details"][0]["field"], "tlp", "{e}");
    let names: Vec<String> = feeds(&t, &coord)
        .await
        .iter()
        .map(|f| f["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(names, ["CERT tinh", "NCSC MISP", "VNCERT STIX"]);
    send(&t, &sensor, &[connect("PC-KT-16", 6, "198.51.100.200")]).await;
    assert!(alerts_of(&t, &coord, "ioc:ipv4:198.51.100.200")
        .await
        .is_empty());

    // Re-importing a name replaces its indicators (same feed).
    let (s, r) = import(
        &t,
        &coord,
        "name=CERT%20tinh&format=plain",
        "198.51.100.99\n",
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{r}");
    assert_eq!(r["feed_id"], cert_id, "{r}");
    assert_eq!(r["replaced"], 5, "{r}");
    let list = feeds(&t, &coord).await;
    let cert = list.iter().find(|f| f["name"] == "CERT tinh").unwrap();
    assert_eq!(cert["indicators"], 1, "{cert}");
    send(
        &t,
        &sensor,
        &[
            connect("PC-KT-17", 7, "198.51.100.23"),
            connect("PC-KT-17", 8, "198.51.100.99"),
        ],
    )
    .await;
    let old = alerts_of(&t, &coord, "ioc:ipv4:198.51.100.23").await;
    assert!(
        old.iter().all(|a| a["host"] != "PC-KT-17"),
        "a replaced indicator still matches: {old:?}"
    );
    assert_eq!(
        alerts_of(&t, &coord, "ioc:ipv4:198.51.100.99").await.len(),
        1
    );
    // The re-import's retro-hunt is done before the feed is deleted.
    eventually("the re-import is retro-hunted", || async {
        let (_, v) = t
            .get(&coord, "/api/v1/audit?action=retro_hunt&limit=100")
            .await;
        let n = v["items"]
            .as_array()
            .map(|items| {
                items
                    .iter()
                    .filter(|i| i.to_string().contains("feed CERT tinh"))
                    .count()
            })
            .unwrap_or(0);
        (n == 2).then_some(Value::Null)
    })
    .await;

    // Deleting: the officer may not; the coordinator's delete takes it out.
    let (s, e) = t
        .call(
            &officer,
            reqwest::Method::DELETE,
            &format!("/api/v1/indicator-feeds/{cert_id}"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{e}");
    let (s, _) = t
        .call(
            &coord,
            reqwest::Method::DELETE,
            &format!("/api/v1/indicator-feeds/{cert_id}"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    send(&t, &sensor, &[connect("PC-KT-18", 9, "198.51.100.99")]).await;
    let after = alerts_of(&t, &coord, "ioc:ipv4:198.51.100.99").await;
    assert!(after.iter().all(|a| a["host"] != "PC-KT-18"), "{after:?}");
    let (s, _) = t
        .call(
            &coord,
            reqwest::Method::DELETE,
            &format!("/api/v1/indicator-feeds/{cert_id}"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // The console: the list in Vietnamese, the upload with its CSRF token,
    // a refused file's problems on the page; the officer sees no form.
    let (browser, csrf) = common::sign_in(&t, "coord").await;
    let html = t.page(&browser, "/indicator-feeds").await;
    assert!(html.contains("Nguồn chỉ dấu"), "{html}");
    assert!(
        html.contains("VNCERT STIX") && html.contains("STIX 2.1") && html.contains("TLP:AMBER"),
        "{html}"
    );
    assert!(html.contains("Không hết hạn"), "{html}");
    assert!(html.contains("id=\"feed-form\""), "{html}");
    let form = |csrf: &str, name: &str, body: &str| {
        reqwest::multipart::Form::new()
            .text("csrf", csrf.to_string())
            .text("name", name.to_string())
            .text("format", "auto")
            .text("tlp", "amber+strict")
            .text("expires_days", "7")
            .part(
                "file",
                reqwest::multipart::Part::bytes(body.as_bytes().to_vec()).file_name("ioc.txt"),
            )
    };
    let r = browser
        .post(t.url("/indicator-feeds"))
        .multipart(form("", "Web", "198.51.100.77\n"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN, "no CSRF token");
    let r = browser
        .post(t.url("/indicator-feeds"))
        .multipart(form(&csrf, "Web", "198.51.100.77\nnot a value\n"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("id=\"feed-problems\"") && html.contains("ioc.txt, dòng 2"),
        "{html}"
    );
    let r = browser
        .post(t.url("/indicator-feeds"))
        .multipart(form(&csrf, "Web", "198.51.100.77\n"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let html = r.text().await.unwrap();
    assert!(html.contains("Đã nhập nguồn Web: 1 chỉ dấu"), "{html}");
    assert!(html.contains("TLP:AMBER+STRICT"), "{html}");
    let in_a_week = (chrono::Utc::now() + chrono::Duration::days(7) + chrono::Duration::hours(7))
        .format("%d/%m/%Y")
        .to_string();
    assert!(html.contains(&in_a_week), "{html}");
    let (officer_browser, _) = common::sign_in(&t, "a.officer").await;
    let html = t.page(&officer_browser, "/indicator-feeds").await;
    assert!(
        html.contains("Web") && !html.contains("id=\"feed-form\""),
        "{html}"
    );
    let html = t.page(&officer_browser, "/sensors").await;
    assert!(html.contains("href=\"/indicator-feeds\""), "{html}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn feeds_join_the_live_indicators_sqlite() {
    run(common::TestApp::spawn(common::Db::Sqlite, config()).await).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn feeds_join_the_live_indicators_postgres() {
    if std::env::var("CANHGAC_TEST_POSTGRES").is_err() {
        eprintln!("CANHGAC_TEST_POSTGRES is not set; PostgreSQL variant not run");
        return;
    }
    run(common::TestApp::spawn(common::Db::Postgres, config()).await).await
}

fn canhgac(t: &common::TestApp, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_canhgac"))
        .args(t.db_args())
        .args(args)
        .env("CANHGAC_LOG", "warn")
        .output()
        .expect("run canhgac")
}

both_backends!(the_command_line_imports_lists_and_refuses, |t| {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("misp-event.json");
    std::fs::write(&good, MISP).unwrap();
    let out = canhgac(
        &t,
        &[
            "ioc",
            "import",
            good.to_str().unwrap(),
            "--name",
            "NCSC",
            "--tlp",
            "red",
            "--expires-days",
            "14",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        said.contains("MISP") && said.contains("2 chỉ dấu"),
        "{said}"
    );
    let bad = dir.path().join("hong.json");
    std::fs::write(&bad, STIX_BROKEN).unwrap();
    let out = canhgac(
        &t,
        &["ioc", "import", bad.to_str().unwrap(), "--name", "Hong"],
    );
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("hong.json, objects[1]"), "{err}");
    let out = canhgac(&t, &["ioc", "list"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let listed = String::from_utf8_lossy(&out.stdout);
    assert!(
        listed.contains("NCSC") && listed.contains("TLP:RED") && !listed.contains("Hong"),
        "{listed}"
    );
});
