//! Kept events, through the real server: events sent over HTTP are
//! searchable by host, address and field value within the caller's scope;
//! an incident observable and a botnet list added after the events were kept
//! raise alerts for the past matches (retro-hunt, audited, idempotent); a
//! live event to a listed address raises an indicator alert; old days are
//! removed by the retention.

mod common;
use common::AuthExt;

use app::Config;
use domain::Role;
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::path::PathBuf;

fn events_dir() -> PathBuf {
    let d = std::env::temp_dir().join(format!("canhgac-events-{:016x}", rand::random::<u64>()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn config(dir: PathBuf, days: u32) -> Config {
    let mut c = Config::default();
    c.monitoring.rules = Vec::new();
    c.monitoring.workers = 1;
    c.monitoring.events_dir = Some(dir);
    c.monitoring.keep_events_days = days;
    c
}

fn sysmon(host: &str, record: i64, fields: Value) -> Value {
    let mut data = json!({"UtcTime": "2026-01-05 03:00:00.000", "User": "STC\\ketoan"});
    for (k, v) in fields.as_object().unwrap() {
        data[k] = v.clone();
    }
    json!({"Event": {"System": {
        "Provider": {"Name": "Microsoft-Windows-Sysmon"},
        "EventID": fields.get("_id").and_then(Value::as_i64).unwrap_or(3),
        "Channel": "Microsoft-Windows-Sysmon/Operational",
        "Computer": host, "EventRecordID": record},
        "EventData": data}})
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

/// Waits (up to a minute) until `f` holds: keeping and retro-hunting run
/// in the background.
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

async fn search(t: &common::TestApp, token: &str, query: &str) -> Vec<Value> {
    let (s, v) = t.get(token, &format!("/api/v1/events?{query}")).await;
    assert_eq!(s, StatusCode::OK, "{query}: {v}");
    v["items"].as_array().unwrap().clone()
}

async fn alerts_of(t: &common::TestApp, token: &str, rule: &str) -> Vec<Value> {
    let (s, v) = t
        .get(token, &format!("/api/v1/alerts?rule_id={rule}&limit=100"))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    v["items"].as_array().unwrap().clone()
}

async fn sensor(t: &common::TestApp, admin: &str, org: i64, name: &str) -> String {
    let (s, reg) = t
        .post(
            admin,
            "/api/v1/sensors",
            json!({"org_id": org, "name": name}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{reg}");
    reg["secret"].as_str().unwrap().to_string()
}

async fn run(t: common::TestApp) {
    let coord = t.login("coord").await;
    let officer_a = t.login("a.officer").await;
    let officer_b = t.login("b.officer").await;
    let sensor_a = sensor(&t, &coord, t.agency_a, "NXLog STC").await;
    let sensor_b = sensor(&t, &coord, t.agency_b, "NXLog SYT").await;

    // Agency A: a connection to 185.100.87.1, a DNS query for a subdomain of
    // evil-cdn.example, a process with its hashes. Agency B: its own event.
    let sha = "9F86D081884C7D659A2FEAEA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A0";
    send(
        &t,
        &sensor_a,
        &[
            sysmon("PC-KT-01.stc.sonha", 1, json!({"SourceIp": "10.20.0.5", "DestinationIp": "185.100.87.1", "DestinationPort": 443})),
            sysmon("PC-KT-02", 2, json!({"_id": 22, "QueryName": "cdn.evil-cdn.example", "Image": "C:\\Windows\\System32\\svchost.exe"})),
            sysmon("PC-KT-03", 3, json!({"_id": 1, "Image": "C:\\Users\\Public\\updater.exe", "Hashes": format!("MD5=0CC175B9C0F1B6A831C399E269772661,SHA256={sha}")})),
        ],
    )
    .await;
    send(
        &t,
        &sensor_b,
        &[sysmon(
            "YT-PC-09",
            1,
            json!({"SourceIp": "10.30.0.9", "DestinationIp": "185.100.87.1"}),
        )],
    )
    .await;

    // Searchable by host (full or short name), address, field value, hash.
    let found = eventually("the events are kept", || async {
        let v = search(&t, &coord, "limit=10").await;
        (v.len() == 4).then(|| json!(v))
    })
    .await;
    assert_eq!(found.as_array().unwrap().len(), 4);
    let by_host = search(&t, &coord, "host=pc-kt-01").await;
    assert_eq!(by_host.len(), 1, "{by_host:?}");
    assert_eq!(by_host[0]["host"], "PC-KT-01.stc.sonha");
    assert_eq!(by_host[0]["org_id"], t.agency_a);
    assert_eq!(search(&t, &coord, "host=PC-KT-01.stc.sonha").await.len(), 1);
    assert_eq!(search(&t, &coord, "address=185.100.87.1").await.len(), 2);
    assert_eq!(search(&t, &coord, "q=EventID:22").await.len(), 1);
    assert_eq!(search(&t, &coord, "q=DestinationPort:443").await.len(), 1);
    assert_eq!(
        search(&t, &coord, "q=domain:evil-cdn.example").await.len(),
        1
    );
    assert_eq!(
        search(&t, &coord, &format!("q=hash:{}", sha.to_lowercase()))
            .await
            .len(),
        1
    );
    assert_eq!(search(&t, &coord, "q=file:updater.exe").await.len(), 1);
    assert_eq!(search(&t, &coord, "q=user:stc%5Cketoan").await.len(), 4);
    assert_eq!(
        search(&t, &coord, "host=pc-kt-01&address=10.30.0.9")
            .await
            .len(),
        0
    );
    assert_eq!(
        search(&t, &coord, "from=2000-01-01&to=2000-01-02")
            .await
            .len(),
        0
    );
    assert_eq!(search(&t, &coord, "from=2000-01-01").await.len(), 4);

    // Scope: an organisation sees its own events only; a sensor reads nothing.
    assert_eq!(
        search(&t, &officer_a, "address=185.100.87.1").await.len(),
        1
    );
    let b = search(&t, &officer_b, "limit=100").await;
    assert_eq!(b.len(), 1);
    assert_eq!(b[0]["host"], "YT-PC-09");
    assert!(search(&t, &officer_b, "host=pc-kt-01").await.is_empty());
    let (s, _) = t.get(&sensor_a, "/api/v1/events").await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    // Bad input is named.
    let (s, e) = t.get(&coord, "/api/v1/events?q=EventID").await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(e["error"]["details"][0]["field"], "q", "{e}");
    let (s, e) = t.get(&coord, "/api/v1/events?from=31/02/2026x").await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");

    // The console's page: Vietnamese labels, times dd/mm/yyyy HH:MM:SS, a
    // bad search refused in Vietnamese inside the layout.
    let (browser, _) = common::sign_in(&t, "a.officer").await;
    let html = t.page(&browser, "/events?host=pc-kt-01").await;
    assert!(
        html.contains("Sự kiện đã lưu") && html.contains("PC-KT-01.stc.sonha"),
        "{html}"
    );
    assert!(html.contains("185.100.87.1"), "{html}");
    let vn_time = (chrono::Utc::now() + chrono::Duration::hours(7))
        .format("%d/%m/%Y")
        .to_string();
    assert!(html.contains(&vn_time), "{html}");
    let html = t.page(&browser, "/events?host=YT-PC-09").await;
    assert!(
        !html.contains("YT-PC-09</td>"),
        "another organisation's event shown: {html}"
    );
    let html = t.page(&browser, "/events?q=EventID").await;
    assert!(html.contains("không có dạng trường:giá trị"), "{html}");
    assert!(
        html.contains("href=\"/alerts\""),
        "the menu is there: {html}"
    );

    // No indicator knew the domain: no alert yet.
    let rule_domain = "ioc:domain:evil-cdn.example";
    assert!(alerts_of(&t, &coord, rule_domain).await.is_empty());

    // An incident observable added afterwards: the past DNS query is found.
    let system = t.system(t.agency_a, "STC-CONG").await;
    let (s, inc) = t
        .post(
            &officer_a,
            "/api/v1/incidents",
            json!({
                "reporter_org": {"id": t.agency_a, "name": "Sở Tài chính"},
                "reporter": {"name": "Nguyễn Văn An", "title": "Chuyên viên", "phone": "0255 3822 123", "email": "an@stc.sonha.gov.vn"},
                "system": {"id": system, "code": "STC-CONG", "name": "Cổng thông tin"},
                "title": "Máy trạm kết nối tên miền lạ", "description": "Truy vấn tên miền độc hại.",
                "detected_at": "2026-01-05T03:00:00Z", "reported_status": "handling",
                "class": "malware", "severity": "high", "tlp": "amber"
            }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{inc}");
    let incident = inc["id"].as_i64().unwrap();
    let (s, d) = t
        .post(
            &officer_a,
            &format!("/api/v1/incidents/{incident}/observables"),
            json!({"value": "evil-cdn[.]example", "role": "destination"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{d}");
    let a = eventually("the retro-hunt raises the domain's alert", || async {
        let v = alerts_of(&t, &coord, rule_domain).await;
        (!v.is_empty()).then(|| json!(v))
    })
    .await;
    let a = a.as_array().unwrap();
    assert_eq!(a.len(), 1, "{a:?}");
    assert_eq!(a[0]["host"], "PC-KT-02");
    assert!(
        a[0]["rule_title"]
            .as_str()
            .unwrap()
            .contains("evil-cdn.example"),
        "{a:?}"
    );
    // Audited, with what was hunted and how many matched.
    let audit = eventually("the retro-hunt is audited", || async {
        let (_, v) = t.get(&coord, "/api/v1/audit?action=retro_hunt").await;
        let items = v["items"].as_array().cloned().unwrap_or_default();
        items
            .iter()
            .find(|i| i.to_string().contains(&format!("incident #{incident}")))
            .cloned()
    })
    .await;
    assert!(audit.to_string().contains("matched_events"), "{audit}");
    // A re-run raises nothing new.
    let again = t
        .app
        .retro_hunt(app::events::NewIndicators::Incident(incident))
        .await
        .unwrap();
    assert_eq!(again.matched_events, 1, "{again:?}");
    assert_eq!(again.alerts_raised + again.alerts_grouped, 0, "{again:?}");
    assert_eq!(alerts_of(&t, &coord, rule_domain).await.len(), 1);

    // A botnet list naming 185.100.87.1: both agencies' past connections.
    let rule_ip = "ioc:ipv4:185.100.87.1";
    let r = reqwest::Client::new()
        .post(t.url("/api/v1/botnet/import?source=shadowserver&period=2026-01&format=text"))
        .auth(&coord)
        .body("185.100.87.1\n")
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        StatusCode::CREATED,
        "{}",
        r.text().await.unwrap()
    );
    let ip_alerts = eventually("the botnet list's retro-hunt", || async {
        let v = alerts_of(&t, &coord, rule_ip).await;
        (v.len() == 2).then(|| json!(v))
    })
    .await;
    let hosts: Vec<&str> = ip_alerts
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["host"].as_str().unwrap())
        .collect();
    assert!(
        hosts.contains(&"PC-KT-01.stc.sonha") && hosts.contains(&"YT-PC-09"),
        "{hosts:?}"
    );
    // Agency B's officer sees its own, not A's.
    let (_, mine) = t
        .get(&officer_b, &format!("/api/v1/alerts?rule_id={rule_ip}"))
        .await;
    assert_eq!(mine["items"].as_array().unwrap().len(), 1, "{mine}");

    // A live event to the listed address raises an indicator alert.
    send(
        &t,
        &sensor_a,
        &[sysmon(
            "PC-KT-07",
            9,
            json!({"SourceIp": "10.20.0.7", "DestinationIp": "185.100.87.1"}),
        )],
    )
    .await;
    let live = alerts_of(&t, &coord, rule_ip).await;
    assert!(live.iter().any(|a| a["host"] == "PC-KT-07"), "{live:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kept_events_searched_and_retro_hunted_sqlite() {
    run(common::TestApp::spawn(common::Db::Sqlite, config(events_dir(), 30)).await).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kept_events_searched_and_retro_hunted_postgres() {
    if std::env::var("CANHGAC_TEST_POSTGRES").is_err() {
        eprintln!("CANHGAC_TEST_POSTGRES is not set; PostgreSQL variant not run");
        return;
    }
    run(common::TestApp::spawn(common::Db::Postgres, config(events_dir(), 30)).await).await
}

/// Days past the retention are removed as whole folders; the rest stay
/// searchable.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retention_removes_old_days() {
    let dir = events_dir();
    let now = chrono::Utc::now().timestamp_millis();
    let day = 86_400_000;
    {
        let s = eventstore::EventStore::open(&dir).unwrap();
        let ev = |ms: i64, host: &str| eventstore::KeptEvent {
            time_ms: ms,
            org_id: 1,
            terms: vec![(eventstore::Kind::Host, host.into())],
            hashes: Vec::new(),
            body: serde_json::to_vec(&json!({"s": null, "e": {"Computer": host}})).unwrap(),
        };
        s.add(&[ev(now - 10 * day, "old-pc"), ev(now - day, "recent-pc")])
            .unwrap();
        s.commit().unwrap();
        assert_eq!(s.days().len(), 2);
    }
    let t = common::TestApp::spawn(common::Db::Sqlite, config(dir.clone(), 3)).await;
    let coord = t.login("coord").await;
    eventually("the old day's folder is removed", || async {
        let left = std::fs::read_dir(&dir).unwrap().count();
        (left == 1).then_some(Value::Null)
    })
    .await;
    let all = search(&t, &coord, "limit=100").await;
    assert_eq!(all.len(), 1, "{all:?}");
    assert_eq!(all[0]["host"], "recent-pc");
    let _ = std::fs::remove_dir_all(&dir);
    let _ = Role::Coordinator;
}
