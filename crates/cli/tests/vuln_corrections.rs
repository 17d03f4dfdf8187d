//! Corrections of the vulnerability workflow a Department trips over in its
//! first month: deadlines set by the Authority's warning (not by a US
//! federal due date) and counted from first detection, findings lists that
//! carry their evidence, CVSS scores as the records write them, version
//! schemes by the names people use, and commands that work on a fresh
//! database.

mod common;
use common::AuthExt;

use reqwest::StatusCode;
use serde_json::json;

fn record(path: &str) -> Vec<u8> {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../vulnmatch/tests/data")
        .join(path);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

async fn feed(t: &common::TestApp, tok: &str, name: &str, body: Vec<u8>) {
    let r = reqwest::Client::new()
        .post(t.url(&format!("/api/v1/vulns/feeds?file_name={name}")))
        .auth(tok)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED, "{name}");
}

fn days_between(a: &str, b: &str) -> i64 {
    let d = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    (d(b) - d(a)).num_days()
}

both_backends!(the_warning_sets_the_deadline_counted_from_detection, |t| {
    let coord = t.login("coord").await;
    feed(
        &t,
        &coord,
        "CVE-2023-46747.json",
        record("cve5/CVE-2023-46747.json"),
    )
    .await;
    feed(
        &t,
        &coord,
        "known_exploited_vulnerabilities.json",
        record("known_exploited_vulnerabilities.json"),
    )
    .await;
    let sys = t.system(t.agency_a, "STC-F5").await;
    let input: domain::AssetInput = serde_json::from_value(json!({
        "system_id": sys, "hostname": "bigip01", "role": "appliance", "modules": ["LTM", "APM"],
        "software": [{"vendor": "F5", "product": "BIG-IP", "version": "17.1.0.3", "scheme": "vendor-dotted"}]
    }))
    .unwrap();
    let asset = t.app.create_asset(&t.coordinator, &input).await.unwrap().id;
    // The warning is due in 60 days; the KEV due date (2023) is long past.
    let today = app::registry::today();
    let due = today + chrono::Duration::days(60);
    let w = json!({"number": "77/CATTT", "issued_on": today.to_string(), "title": "F5 BIG-IP",
                   "cves": ["CVE-2023-46747"], "deadline": due.to_string()});
    let (s, created) = t.post(&coord, "/api/v1/vulns/warnings", w).await;
    assert_eq!(s, StatusCode::CREATED, "{created}");
    let wid = created["id"].as_i64().unwrap();
    let (s, run) = t
        .post(
            &coord,
            &format!("/api/v1/vulns/warnings/{wid}/publish"),
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{run}");
    let (_, list) = t
        .get(&coord, &format!("/api/v1/vulns/findings?asset_id={asset}"))
        .await;
    let f = list["items"][0].clone();
    // A KEV entry raises the priority; the deadline is the SLA of that
    // priority when stricter than the warning, never the past KEV date.
    let deadline = f["deadline"].as_str().unwrap();
    assert!(
        days_between(&today.to_string(), deadline) >= 2,
        "never earlier than detection plus the shortest SLA: {f}"
    );
    assert!(
        ["sla", "warning"].contains(&f["deadline_by"].as_str().unwrap()),
        "{f}"
    );
    // The list carries a line of evidence and the score as written.
    let summary = f["evidence_summary"].as_str().unwrap();
    assert!(
        summary.contains("17.1.0.3") && summary.contains("BIG-IP"),
        "{f}"
    );
    assert_eq!(f["cvss"], json!(9.8), "{f}");
    assert!(!list.to_string().contains("9.800000"), "{list}");

    // Detected ten days ago: a match run today keeps the deadline counted
    // from that day instead of moving it forward.
    let id = f["id"].as_i64().unwrap();
    let ten_days_ago = chrono::Utc::now() - chrono::Duration::days(10);
    let at = ten_days_ago.to_rfc3339();
    t.raw_sql(&format!(
        "UPDATE findings SET detected_at = '{at}' WHERE id = {id}"
    ))
    .await;
    let (s, _) = t.post(&coord, "/api/v1/vulns/match", json!({})).await;
    assert_eq!(s, StatusCode::OK);
    let (_, again) = t.get(&coord, &format!("/api/v1/vulns/findings/{id}")).await;
    let later = again["finding"]["deadline"]
        .as_str()
        .or_else(|| again["deadline"].as_str())
        .unwrap_or_else(|| panic!("{again}"))
        .to_string();
    assert_eq!(
        days_between(deadline, &later),
        -10,
        "the deadline counts from first detection: {deadline} then {later}"
    );

    // The finding's page says which rule set the date, in Vietnamese.
    let (c, _) = common::sign_in(&t, "coord").await;
    let page = t.page(&c, &format!("/vulns/findings/{id}")).await;
    assert!(
        page.contains("theo thời hạn xử lý") || page.contains("theo hạn trong văn bản"),
        "{page}"
    );
});

#[test]
fn commands_work_on_a_fresh_data_dir() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("orgs.csv");
    std::fs::write(&csv, "short_name,name,org_type\nSTC,Sở Tài chính,agency\n").unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_canhgac"))
        .args(["--data-dir"])
        .arg(dir.path().join("data"))
        .args(["import", "orgs"])
        .arg(&csv)
        .env("CANHGAC_ADMIN_PASSWORD", common::PASSWORD)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("First start"), "{err}");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_canhgac"))
        .args(["--data-dir"])
        .arg(dir.path().join("data"))
        .args(["export", "orgs"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("STC"));
}
