//! Importing a botnet list queues one message per owner and a summary for the
//! coordinator; the worker delivers them through a real SMTP server on
//! loopback and retries when it refuses.

mod common;
use common::AuthExt;

use app::notify::testing::SmtpSink;
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::time::Duration;

async fn set_contact(t: &common::TestApp, coord: &str, org: i64, email: &str) {
    let (_, mut o) = t.get(coord, &format!("/api/v1/orgs/{org}")).await;
    o["contacts"] = json!([{"name": "Nguyễn Văn An", "email": email}]);
    if org == t.agency_a {
        o["address_blocks"] = json!(["14.160.10.0/28"]);
    }
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

async fn run(db: common::Db) {
    let sink = SmtpSink::start().await;
    let mut config = app::Config::default();
    config.notify.smtp = Some(app::notify::SmtpConfig {
        host: "127.0.0.1".into(),
        port: sink.port(),
        security: app::notify::SmtpSecurity::None,
        username: None,
        password: None,
        from: "canhgac <canhgac@sonha.gov.vn>".into(),
        timeout: Duration::from_secs(5),
        tls_ca: None,
    });
    config.notify.public_url = "https://canhgac.sonha.gov.vn".into();
    // The test drives delivery itself.
    config.notify.delivery_interval = Duration::from_secs(3600);
    let t = common::TestApp::spawn(db, config).await;
    let coord = t.login("coord").await;
    set_contact(&t, &coord, t.agency_a, "attt@stc.sonha.gov.vn").await;
    set_contact(&t, &coord, t.isp, "noc@vnpt-sonha.vn").await;
    set_contact(&t, &coord, t.coordinator_org, "attt@skhcn.sonha.gov.vn").await;

    let r = reqwest::Client::new()
        .post(t.url("/api/v1/botnet/import?source=national&period=2025-01&format=text"))
        .auth(&coord)
        .body("14.160.10.5\n14.160.10.6\n14.170.1.1\n8.8.8.8\n")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let report: Value = r.json().await.unwrap();
    assert_eq!(
        report["notifications"], 3,
        "agency, operator, coordinator: {report}"
    );
    let list = report["list_id"].as_i64().unwrap();

    // The mail server refuses the first attempt: that message stays queued.
    sink.fail_next(1);
    let run = t.app.deliver_notifications(100).await.unwrap();
    assert_eq!((run.sent, run.retried, run.failed), (2, 1, 0));
    let (_, queued) = t.get(&coord, "/api/v1/notifications?status=pending").await;
    let pending = queued["items"].as_array().unwrap();
    assert_eq!(pending.len(), 1, "{queued}");
    assert_eq!(pending[0]["attempts"], 1);
    assert!(pending[0]["last_error"].as_str().unwrap().len() > 3);
    // Bring the retry forward instead of waiting out the backoff.
    t.raw_sql("UPDATE notifications SET next_attempt_at = created_at WHERE status = 'pending'")
        .await;
    let run = t.app.deliver_notifications(100).await.unwrap();
    assert_eq!(run.sent, 1);

    sink.wait_for(3, Duration::from_secs(5)).await;
    let mails = sink.messages();
    let agency = mails
        .iter()
        .find(|m| m.to == ["attt@stc.sonha.gov.vn"])
        .expect("the agency's message");
    assert_eq!(
        agency.subject(),
        "[canhgac] Danh sách IP botnet tháng 01/2025: 2 địa chỉ của STC"
    );
    let body = agency.body_text();
    assert!(body.contains("có 2 địa chỉ IP thuộc đơn vị"), "{body}");
    assert!(
        body.contains(&format!("https://canhgac.sonha.gov.vn/botnet/lists/{list}")),
        "{body}"
    );
    let summary = mails
        .iter()
        .find(|m| m.to == ["attt@skhcn.sonha.gov.vn"])
        .expect("the coordinator's summary");
    assert!(
        summary.subject().contains("4 địa chỉ"),
        "{}",
        summary.subject()
    );
    assert!(summary
        .body_text()
        .contains("chưa xác định được đơn vị quản lý: 1"));
    // Each message was sent once.
    assert_eq!(mails.len(), 3);
    let (_, sent) = t.get(&coord, "/api/v1/notifications?status=sent").await;
    assert_eq!(sent["items"].as_array().unwrap().len(), 3);
    // An agency sees its own messages only.
    let (_, own) = t
        .get(&t.login("a.officer").await, "/api/v1/notifications")
        .await;
    let own = own["items"].as_array().unwrap();
    assert_eq!(own.len(), 1);
    assert_eq!(own[0]["recipient"], "attt@stc.sonha.gov.vn");

    // A recipient the server refuses for good is given up, and can be re-queued.
    sink.reject_recipient("noc@vnpt-sonha.vn");
    let r = reqwest::Client::new()
        .post(t.url("/api/v1/botnet/import?source=national&period=2025-02&format=text"))
        .auth(&coord)
        .body("14.170.1.1\n")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let run = t.app.deliver_notifications(100).await.unwrap();
    assert_eq!((run.sent, run.failed), (1, 1), "{run:?}");
    let (_, failed) = t.get(&coord, "/api/v1/notifications?status=failed").await;
    let id = failed["items"][0]["id"].as_i64().unwrap();
    let (s, _) = t
        .post(
            &coord,
            &format!("/api/v1/notifications/{id}/retry"),
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, _) = t
        .post(
            &coord,
            &format!("/api/v1/notifications/{id}/retry"),
            json!({}),
        )
        .await;
    assert_eq!(
        s,
        StatusCode::CONFLICT,
        "only a failed message is re-queued"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn owners_are_notified_by_email_with_retries_sqlite() {
    run(common::Db::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn owners_are_notified_by_email_with_retries_postgres() {
    if std::env::var("CANHGAC_TEST_POSTGRES").is_err() {
        eprintln!("CANHGAC_TEST_POSTGRES is not set; PostgreSQL variant not run");
        return;
    }
    run(common::Db::Postgres).await;
}
