//! Monitoring figures where people read them, through the real server:
//! systems that claim SOC monitoring but whose sensors are silent (or that
//! have none) flagged on the dashboard, the sensors page and the system's
//! page; a new high alert queued to whoever is on duty for its organisation
//! (from the duty roster) and, for an organisation with nobody on duty, to
//! its 24/7 contact with a sentence saying so, delivered to a real SMTP
//! server on loopback; and the periodic report's 24/7 monitoring section
//! with its figures, read back from the DOCX.

mod common;
use common::AuthExt;

use app::notify::testing::SmtpSink;
use app::periodic_report::{ReportPeriod, MONITORING_HEADING, NOT_BUILT_INTRO, NO_ALERTS};
use app::Config;
use chrono::{Duration, Utc};
use domain::Role;
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::path::PathBuf;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

const RULE_ID: &str = "b53317a0-8acf-4fd1-8de8-a5401e776b96";

/// A rule folder with the wmic rule under `windows/process_creation` and an
/// sshd rule under `linux/sshd`.
fn rule_folder() -> tempfile::TempDir {
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
        let dest = dir.path().join(to);
        std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
        std::fs::copy(repo().join(from), dest).unwrap();
    }
    dir
}

fn config(smtp_port: u16, rules: &std::path::Path) -> Config {
    let mut c = Config::default();
    c.monitoring.rules = vec![rules.to_path_buf()];
    c.monitoring.workers = 1;
    c.notify.smtp = Some(app::notify::SmtpConfig {
        host: "127.0.0.1".into(),
        port: smtp_port,
        security: app::notify::SmtpSecurity::None,
        username: None,
        password: None,
        from: "canhgac <canhgac@sonha.gov.vn>".into(),
        timeout: std::time::Duration::from_secs(5),
        tls_ca: None,
    });
    c.notify.public_url = "https://canhgac.sonha.gov.vn".into();
    // The test drives delivery itself.
    c.notify.delivery_interval = std::time::Duration::from_secs(3600);
    c
}

/// The medium rule's regression sample as one line, on `host`, record `record`.
fn sample(host: &str, record: i64) -> String {
    let path = repo().join(
        "crates/detect/tests/data/sigma-regression/rules/windows/process_creation/\
         proc_creation_win_wmic_uninstall_application/b53317a0-8acf-4fd1-8de8-a5401e776b96.json",
    );
    let mut v: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    v["Event"]["System"]["EventRecordID"] = json!(record);
    v["Event"]["System"]["Computer"] = json!(host);
    serde_json::to_string(&v).unwrap()
}

async fn send(t: &common::TestApp, token: &str, line: String) {
    let r = t
        .client
        .post(t.url("/api/v1/events?wait=true"))
        .auth(token)
        .header("content-type", "application/x-ndjson")
        .body(line)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::ACCEPTED);
}

async fn level4_system(t: &common::TestApp, admin: &str, org: i64, code: &str) -> i64 {
    let (s, sys) = t
        .post(
            admin,
            "/api/v1/systems",
            json!({"code": code, "name": format!("Hệ thống {code}"), "owner_org_id": org,
                   "function_type": "internal", "proposed_level": 4,
                   "protection": {"soc_monitoring": true}}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{sys}");
    sys["id"].as_i64().unwrap()
}

async fn sensor(t: &common::TestApp, admin: &str, org: i64, name: &str, system: i64) -> String {
    let (s, reg) = t
        .post(
            admin,
            "/api/v1/sensors",
            json!({"org_id": org, "name": name, "system_ids": [system]}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{reg}");
    reg["secret"].as_str().unwrap().to_string()
}

async fn set_contacts(t: &common::TestApp, coord: &str, org: i64, contacts: Value, c247: Value) {
    let (_, mut o) = t.get(coord, &format!("/api/v1/orgs/{org}")).await;
    o["contacts"] = contacts;
    o["contact_24x7"] = c247;
    let (s, e) = t
        .call(
            coord,
            reqwest::Method::PUT,
            &format!("/api/v1/orgs/{org}"),
            Some(o),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{e}");
}

fn silent_row(html: &str) -> &str {
    let start = html.find("class=\"todo-silent\"").expect("the silent row");
    let rest = &html[start..];
    &rest[..rest.find("</tr>").unwrap()]
}

async fn run(db: common::Db) {
    let sink = SmtpSink::start().await;
    let rules = rule_folder();
    let t = common::TestApp::spawn(db, config(sink.port(), rules.path())).await;
    let admin = t.token(Role::Coordinator, t.coordinator_org).await;
    let coord = t.login("coord").await;
    let (a, b) = (t.agency_a, t.agency_b);

    // Systems claiming SOC monitoring: A's watched and sending, A's with no
    // sensor, A's whose sensor fell quiet two days ago, B's watched and sending.
    let erp = level4_system(&t, &admin, a, "STC-ERP").await;
    t.asset(erp, "KT-SRV01", "10.20.0.5").await;
    let nosensor = level4_system(&t, &admin, a, "STC-HSCV").await;
    let quiet = level4_system(&t, &admin, a, "STC-MAIL").await;
    let bsys = level4_system(&t, &admin, b, "SYT-HIS").await;
    t.asset(bsys, "HIS-DB01", "10.30.0.5").await;
    let a_sensor = sensor(&t, &admin, a, "NXLog kế toán", erp).await;
    let quiet_sensor = sensor(&t, &admin, a, "NXLog thư", quiet).await;
    let b_sensor = sensor(&t, &admin, b, "NXLog HIS", bsys).await;

    // A's duty: a period running now with two people taking 12-hour turns;
    // A's contacts give their e-mail addresses (matched by phone). B has no
    // roster: its 24/7 contact is written to instead.
    let now = Utc::now();
    let (s, p) = t
        .post(
            &coord,
            "/api/v1/duty/periods",
            json!({"name": "Trực cao điểm", "starts_at": (now - Duration::hours(2)).to_rfc3339(),
                   "ends_at": (now + Duration::days(2)).to_rfc3339(), "org_ids": [a]}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{p}");
    let pid = p["id"].as_i64().unwrap();
    let (s, r) = t
        .post(
            &coord,
            &format!("/api/v1/duty/periods/{pid}/rosters/{a}/generate"),
            json!({"people": [{"name": "Nguyễn Văn An", "phone": "0905 123 456"},
                              {"name": "Trần Thị Bình", "phone": "0912.345.678"}],
                   "shift_hours": 12, "per_shift": 1, "mode": {"Continuous": {"handover": "07:30:00"}}}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{r}");
    set_contacts(
        &t,
        &coord,
        a,
        json!([{"name": "Nguyễn Văn An", "phone": "+84905123456", "email": "an@stc.sonha.gov.vn"},
               {"name": "Trần Thị Bình", "phone": "0912345678", "email": "binh@stc.sonha.gov.vn"},
               {"name": "Văn thư", "email": "vanthu@stc.sonha.gov.vn"}]),
        json!({"name": "Trực ATTT Sở Tài chính", "email": "attt@stc.sonha.gov.vn"}),
    )
    .await;
    set_contacts(
        &t,
        &coord,
        b,
        json!([{"name": "Phòng CNTT", "email": "cntt@syt.sonha.gov.vn"}]),
        json!({"name": "Trực ATTT Sở Y tế", "email": "attt@syt.sonha.gov.vn"}),
    )
    .await;
    let (_, duty_now) = t.get(&coord, "/api/v1/duty/now").await;
    let on_duty = duty_now["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["org_id"] == a)
        .expect("A's line")["people"][0]["name"]
        .as_str()
        .unwrap()
        .to_string();
    let on_duty_email = if on_duty == "Nguyễn Văn An" {
        "an@stc.sonha.gov.vn"
    } else {
        "binh@stc.sonha.gov.vn"
    };

    // Events: a medium rule on level-4 systems raises high alerts.
    send(&t, &a_sensor, sample("KT-SRV01", 1)).await;
    send(&t, &quiet_sensor, sample("unknown-host", 2)).await;
    send(&t, &b_sensor, sample("HIS-DB01", 3)).await;
    // A repeat of A's alert is grouped: no second message.
    send(&t, &a_sensor, sample("KT-SRV01", 4)).await;
    let (_, list) = t.get(&admin, "/api/v1/alerts").await;
    let items = list["items"].as_array().unwrap().clone();
    let alert_on = |host: &str| {
        items
            .iter()
            .find(|x| x["host"] == host)
            .unwrap_or_else(|| panic!("{host}: {list}"))
            .clone()
    };
    let a_alert = alert_on("KT-SRV01");
    let b_alert = alert_on("HIS-DB01");
    assert_eq!(a_alert["severity"], "high", "{a_alert}");
    assert_eq!(a_alert["count"], 2);
    // The unknown host's alert is medium (sensor's organisation, no level): no message.
    assert_eq!(alert_on("unknown-host")["severity"], "medium");

    let (_, queued) = t.get(&coord, "/api/v1/notifications?status=pending").await;
    let queued = queued["items"].as_array().unwrap().clone();
    let mut recipients: Vec<&str> = queued
        .iter()
        .map(|n| n["recipient"].as_str().unwrap())
        .collect();
    recipients.sort();
    let mut expected = vec![on_duty_email, "attt@syt.sonha.gov.vn"];
    expected.sort();
    assert_eq!(recipients, expected, "{queued:?}");
    let run = t.app.deliver_notifications(100).await.unwrap();
    assert_eq!(run.sent, 2, "{run:?}");
    sink.wait_for(2, std::time::Duration::from_secs(5)).await;
    let mails = sink.messages();
    let to_a = mails.iter().find(|m| m.to == [on_duty_email]).unwrap();
    assert!(
        to_a.subject().starts_with("[canhgac] Cảnh báo mức cao: "),
        "{}",
        to_a.subject()
    );
    let body = to_a.body_text();
    assert!(
        body.contains(&format!("Người đang trực: {on_duty}")),
        "{body}"
    );
    assert!(
        body.contains(&format!(
            "https://canhgac.sonha.gov.vn/alerts/{}",
            a_alert["id"]
        )),
        "{body}"
    );
    assert!(!body.contains("đầu mối liên hệ"), "{body}");
    let to_b = mails
        .iter()
        .find(|m| m.to == ["attt@syt.sonha.gov.vn"])
        .unwrap();
    let body = to_b.body_text();
    assert!(
        body.contains("Hiện không có ai trực theo lịch trực của đơn vị"),
        "{body}"
    );
    assert!(
        body.contains(&format!(
            "https://canhgac.sonha.gov.vn/alerts/{}",
            b_alert["id"]
        )),
        "{body}"
    );

    // The mail sensor fell quiet two days ago.
    t.raw_sql(&format!(
        "UPDATE sensors SET last_event_at = '{}' WHERE name = 'NXLog thư'",
        (now - Duration::days(2)).format("%Y-%m-%d %H:%M:%S%.6f+00:00")
    ))
    .await;
    let silent = t
        .app
        .silent_systems(&t.coordinator, None, Utc::now())
        .await
        .unwrap();
    let mut codes: Vec<&str> = silent.iter().map(|s| s.code.as_str()).collect();
    codes.sort();
    assert_eq!(codes, ["STC-HSCV", "STC-MAIL"]);
    let d = t.app.dashboard(&t.coordinator).await.unwrap();
    assert_eq!(d.todo.silent_count, 2);

    // The console: the coordinator's dashboard counts both and links to
    // the list; B's officer sees none of A's; the system pages say it.
    let (coord_web, _) = common::sign_in(&t, "coord").await;
    let html = t.page(&coord_web, "/dashboard").await;
    let row = silent_row(&html);
    assert!(row.contains(">2<"), "{row}");
    assert!(row.contains("/sensors#silent"), "{row}");
    let (b_web, _) = common::sign_in(&t, "b.officer").await;
    let html = t.page(&b_web, "/dashboard").await;
    assert!(silent_row(&html).contains(">0<"), "{}", silent_row(&html));
    let (a_web, _) = common::sign_in(&t, "a.officer").await;
    let html = t.page(&a_web, "/dashboard").await;
    assert!(silent_row(&html).contains(">2<"), "{}", silent_row(&html));
    let html = t.page(&coord_web, "/sensors").await;
    // Events per minute over the last five minutes: two events from A's sensor.
    let row = &html[html.find("NXLog kế toán").unwrap()..];
    let row = &row[..row.find("</tr>").unwrap()];
    assert!(row.contains("sensor-rate\">0,4<"), "{row}");
    let section = &html[html.find("id=\"silent\"").unwrap()..];
    assert!(
        section.contains(&format!("/systems/{nosensor}")),
        "{section}"
    );
    assert!(section.contains(&format!("/systems/{quiet}")), "{section}");
    assert!(!section.contains(&format!("/systems/{erp}\"")), "{section}");
    assert!(section.contains("Chưa có cảm biến"), "{section}");
    let html = t.page(&coord_web, &format!("/systems/{nosensor}")).await;
    assert!(html.contains("id=\"system-silent\""), "{html}");
    let html = t.page(&coord_web, &format!("/systems/{erp}")).await;
    assert!(!html.contains("id=\"system-silent\""));

    // Triage: A's alert acknowledged in 30 minutes and confirmed (an
    // incident); B's acknowledged after 6 hours (late for high) and marked
    // a false positive; the unknown host's left new.
    let path = |a: &Value| format!("/api/v1/alerts/{}/move", a["id"]);
    for (alert, verdict) in [(&a_alert, "true_positive"), (&b_alert, "false_positive")] {
        let (s, v) = t
            .post(&admin, &path(alert), json!({"action": "acknowledge"}))
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let (s, v) = t
            .post(
                &admin,
                &path(alert),
                json!({"action": verdict, "reason": "Quản trị viên gỡ phần mềm theo kế hoạch"}),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
    }
    let at = |d: chrono::DateTime<Utc>| d.format("%Y-%m-%d %H:%M:%S%.6f+00:00").to_string();
    let base = now - Duration::hours(10);
    t.raw_sql(&format!(
        "UPDATE alerts SET first_seen = '{}', acknowledged_at = '{}' WHERE id = {}",
        at(base),
        at(base + Duration::minutes(30)),
        a_alert["id"]
    ))
    .await;
    t.raw_sql(&format!(
        "UPDATE alerts SET first_seen = '{}', acknowledged_at = '{}' WHERE id = {}",
        at(base),
        at(base + Duration::hours(6)),
        b_alert["id"]
    ))
    .await;

    let period = ReportPeriod::half_containing(app::registry::today());
    let r = t
        .app
        .periodic_report(&t.coordinator, period, None)
        .await
        .unwrap();
    let m = &r.monitoring;
    assert_eq!(m.total, 3);
    assert_eq!((m.decided, m.true_positives, m.incidents), (2, 1, 1));
    let high = m.by_severity.iter().find(|l| l.severity == "high").unwrap();
    assert_eq!((high.total, high.acknowledged, high.overdue), (2, 2, 1));
    assert_eq!(high.median_hours, Some(0.5));
    assert_eq!(high.p90_hours, Some(6.0));
    assert_eq!(m.by_org.len(), 2, "{:?}", m.by_org);
    assert_eq!(m.silent.len(), 2);
    assert_eq!(m.monitored_systems, 4);

    let docx = t
        .app
        .periodic_report_docx(&t.coordinator, period, None)
        .await
        .unwrap();
    let doc = docgen::read_text(&docx.bytes).unwrap();
    let text = doc.all_text();
    assert!(text.contains(MONITORING_HEADING), "{text}");
    assert!(
        text.contains(
            "Trong kỳ hệ thống giám sát ghi nhận 3 cảnh báo; 1 cảnh báo tiếp nhận quá thời hạn. \
             2 cảnh báo đã có kết luận, trong đó 1 cảnh báo xác nhận là tấn công thật (tỷ lệ 50,0%); \
             1 sự cố được lập từ cảnh báo."
        ),
        "{text}"
    );
    assert!(!text.contains("giám sát an toàn thông tin 24/7 (thu thập sự kiện"));
    assert!(text.contains(NOT_BUILT_INTRO));
    assert!(
        text.contains("2 trong số 4 hệ thống đăng ký giám sát bởi SOC"),
        "{text}"
    );
    let by_sev = doc
        .tables
        .iter()
        .find(|t| {
            t.first()
                .is_some_and(|h| h.first().is_some_and(|c| c == "Mức độ") && h.len() == 7)
        })
        .expect("alerts by severity");
    let cao = by_sev.iter().find(|r| r[0] == "Cao").unwrap();
    assert_eq!(cao[1..], ["2", "4", "2", "0,5", "6,0", "1"]);
    let by_org = doc
        .tables
        .iter()
        .find(|t| {
            t.first()
                .is_some_and(|h| h.len() == 6 && h[5] == "Tổng số" && h[1] == "Thấp")
        })
        .expect("alerts by organisation");
    assert_eq!(by_org.len(), 3, "{by_org:?}");
    println!("---- monitoring section of the DOCX ----");
    let start = text.find(MONITORING_HEADING).unwrap();
    let end = text.find("VIII.").unwrap_or(text.len());
    println!("{}", &text[start..end]);

    // A period without alerts says so in one sentence, no empty tables.
    let earlier: ReportPeriod = "2025-H1".parse().unwrap();
    let docx = t
        .app
        .periodic_report_docx(&t.coordinator, earlier, None)
        .await
        .unwrap();
    let doc = docgen::read_text(&docx.bytes).unwrap();
    let text = doc.all_text();
    assert!(text.contains(NO_ALERTS), "{text}");
    assert!(!doc
        .tables
        .iter()
        .any(|t| t.first().is_some_and(|h| h.len() == 7 && h[0] == "Mức độ")));
    // An organisation's report counts its own alerts.
    let r = t
        .app
        .periodic_report(&t.coordinator, period, Some(b))
        .await
        .unwrap();
    assert_eq!(r.monitoring.total, 1);
    assert!(r.monitoring.silent.is_empty());

    // Rules switched off per folder in the console, audited, applied to the
    // next batch; a rule switched on by id beats its folder's switch.
    let (coord_web, csrf) = common::sign_in(&t, "coord").await;
    let html = t.page(&coord_web, "/rules").await;
    assert!(
        html.contains("<code>windows/process_creation</code>"),
        "{html}"
    );
    assert!(html.contains("<code>linux/sshd</code>"), "{html}");
    let switch = |kind: &'static str, target: &'static str, enabled: &'static str| {
        let c = coord_web.clone();
        let url = t.url("/rules");
        let csrf = csrf.clone();
        async move {
            c.post(url)
                .form(&[
                    ("csrf", csrf.as_str()),
                    ("kind", kind),
                    ("target", target),
                    ("enabled", enabled),
                ])
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap()
        }
    };
    let html = switch("folder", "windows", "false").await;
    assert!(html.contains("id=\"rule-switches\""), "{html}");
    let html = switch("folder", "nowhere", "false").await;
    assert!(
        html.contains("id=\"rules-message\""),
        "an unknown folder is refused: {html}"
    );
    // Sigma alerts only: indicator alerts (the incident's hashes) are not
    // switched by rule folders.
    let count = |items: &Value| {
        items["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|a| !a["rule_id"].as_str().unwrap_or("").starts_with("ioc:"))
            .count()
    };
    let (_, before) = t.get(&admin, "/api/v1/alerts").await;
    send(&t, &a_sensor, sample("KT-SRV01", 10)).await;
    let (_, after) = t.get(&admin, "/api/v1/alerts").await;
    assert_eq!(count(&after), count(&before), "the folder is off: {after}");
    switch("rule", RULE_ID, "true").await;
    send(&t, &a_sensor, sample("KT-SRV01", 11)).await;
    let (_, after) = t.get(&admin, "/api/v1/alerts").await;
    assert_eq!(count(&after), count(&before) + 1, "the rule is on again");
    let (_, audit) = t.get(&admin, "/api/v1/audit?entity=rule_switch").await;
    let actions: Vec<&str> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["enable", "disable"], "{audit}");
    // Only the coordinator switches rules.
    let (b_web, b_csrf) = common::sign_in(&t, "b.officer").await;
    let r = b_web
        .post(t.url("/rules"))
        .form(&[
            ("csrf", b_csrf.as_str()),
            ("kind", "folder"),
            ("target", "linux"),
            ("enabled", "false"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn silent_sensors_duty_messages_and_the_report_sqlite() {
    run(common::Db::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn silent_sensors_duty_messages_and_the_report_postgres() {
    if std::env::var("CANHGAC_TEST_POSTGRES").is_err() {
        eprintln!("CANHGAC_TEST_POSTGRES is not set; PostgreSQL variant not run");
        return;
    }
    run(common::Db::Postgres).await;
}
