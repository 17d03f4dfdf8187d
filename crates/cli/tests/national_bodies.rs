//! The national bodies and the coordinating body are installation data:
//! documents and messages carry the names the installation set (issue 17).

mod common;

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

fn incident_form(org: i64) -> Value {
    json!({
        "reporter_org": {"id": org, "name": "Sở Tài chính"},
        "reporter": {"name": "Nguyễn Văn An", "phone": "0255 3822 123"},
        "title": "Trang chủ bị thay đổi giao diện",
        "description": "Trang chủ bị thay bằng nội dung lạ.",
        "detected_at": "2025-01-25T16:10:00Z",
        "reported_status": "handling",
        "class": "defacement", "severity": "high", "tlp": "amber"
    })
}

async fn docx_text(t: &common::TestApp, token: &str, path: &str) -> String {
    let r = t.fetch(token, path).await;
    assert_eq!(r.status(), StatusCode::OK, "{path}");
    docgen::read_text(&r.bytes().await.unwrap())
        .unwrap()
        .all_text()
}

both_backends!(documents_carry_the_names_the_installation_set, |t| {
    let coord = t.login("coord").await;
    let officer = t.login("a.officer").await;

    // A new database holds today's bodies, not yet confirmed.
    let (s, b) = t.get(&officer, "/api/v1/settings/national-bodies").await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(
        b["warning_issuer"]["name"],
        "Cục An ninh mạng và phòng, chống tội phạm sử dụng công nghệ cao, Bộ Công an"
    );
    assert_eq!(b["incident_recipients"][0]["code"], "vncert");
    assert_eq!(b["incident_recipients"][1]["code"], "ncsc");
    assert_eq!(b["confirmed"], false);

    // Only the coordinator names them; every bad field is named.
    let mut changed = b.clone();
    changed["warning_issuer"] = json!({"name": "Cục Cảnh báo Thử nghiệm", "short": "Cục CBTN"});
    changed["incident_recipients"] = json!([
        {"code": "vncert", "name": "Trung tâm Ứng cứu Thử nghiệm", "short": "TTUC-TN"},
        {"code": "csirt_a", "name": "Đội ứng cứu quốc gia Thử nghiệm", "short": "ĐUC-TN"}
    ]);
    changed["confirmed"] = json!(true);
    let (s, _) = t
        .call(
            &officer,
            Method::PUT,
            "/api/v1/settings/national-bodies",
            Some(changed.clone()),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let mut bad = changed.clone();
    bad["incident_recipients"][1]["code"] = json!("Bad Code");
    bad["warning_issuer"]["short"] = json!("");
    let (s, e) = t
        .call(
            &coord,
            Method::PUT,
            "/api/v1/settings/national-bodies",
            Some(bad),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    let fields: Vec<&str> = e["error"]["details"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|d| d["field"].as_str())
        .collect();
    assert!(fields.contains(&"warning_issuer.short"), "{e}");
    assert!(fields.contains(&"incident_recipients[1].code"), "{e}");
    let (s, saved) = t
        .call(
            &coord,
            Method::PUT,
            "/api/v1/settings/national-bodies",
            Some(changed),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{saved}");
    assert_eq!(saved["confirmed"], true);
    // Audited with before and after.
    let (_, log) = t
        .get(&coord, "/api/v1/audit?entity=setting:national_bodies")
        .await;
    let rec = &log["items"].as_array().or(log.as_array()).expect("records")[0];
    assert!(rec.to_string().contains("Cục Cảnh báo Thử nghiệm"), "{rec}");

    // The coordinating body renamed in the registry.
    let mut org = t
        .app
        .org(&t.coordinator, t.coordinator_org)
        .await
        .unwrap()
        .data;
    org.name = "Sở Khoa học và Công nghệ tỉnh Hải Phong".parse().unwrap();
    org.short_name = "SKHCN-HP".parse().unwrap();
    t.app
        .update_org(&t.coordinator, t.coordinator_org, &org)
        .await
        .unwrap();

    // A warning's report: letterhead and number from the coordinator,
    // recipient and sentences from the warning issuer.
    let (s, w) = t
        .post(
            &coord,
            "/api/v1/vulns/warnings",
            json!({"number": "77/CV-CBTN", "issued_on": "2025-06-02", "title": "Lỗ hổng thử nghiệm", "cves": ["CVE-2024-21762"]}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{w}");
    let text = docx_text(
        &t,
        &coord,
        &format!("/api/v1/vulns/warnings/{}/report.docx", w["id"]),
    )
    .await;
    assert!(text.contains("SỞ KHOA HỌC VÀ CÔNG NGHỆ"), "{text}");
    assert!(text.contains("UBND TỈNH HẢI PHONG"), "{text}");
    assert!(text.contains("/BC-SKHCN-HP"), "{text}");
    assert!(text.contains("của Cục Cảnh báo Thử nghiệm"), "{text}");
    assert!(text.contains("báo cáo Cục CBTN khi hoàn thành"), "{text}");
    for old in [
        "Cục An toàn thông tin",
        "Thông tin và Truyền thông",
        "STTTT",
        "Cục An ninh mạng",
    ] {
        assert!(!text.contains(old), "{old} in:\n{text}");
    }

    // An incident: the initial report is the reporting organisation's, sent
    // to the recipients as named; escalation codes are the stored ones.
    let (s, inc) = t
        .post(&officer, "/api/v1/incidents", incident_form(t.agency_a))
        .await;
    assert!(s.is_success(), "{inc}");
    let id = inc["id"].as_i64().unwrap();
    let text = docx_text(&t, &officer, &format!("/api/v1/incidents/{id}/report.docx")).await;
    assert!(text.contains("Trung tâm Ứng cứu Thử nghiệm"), "{text}");
    assert!(text.contains("Đội ứng cứu quốc gia Thử nghiệm"), "{text}");
    assert!(
        text.contains("/BC-STC"),
        "the reporting organisation's number: {text}"
    );
    assert!(!text.contains("VNCERT"), "{text}");
    let esc = format!("/api/v1/incidents/{id}/escalations");
    let (s, e) = t
        .post(
            &coord,
            &esc,
            json!({"to": "ncsc", "on": "2025-01-26", "channel": "e-mail"}),
        )
        .await;
    assert_eq!(
        s,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a code no longer set: {e}"
    );
    assert!(e.to_string().contains("vncert, csirt_a"), "{e}");
    let (s, d) = t
        .post(
            &coord,
            &esc,
            json!({"to": "csirt_a", "on": "2025-01-26", "channel": "e-mail"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{d}");
    assert!(
        d.to_string().contains("reported to ĐUC-TN"),
        "the history names the body: {d}"
    );
});
