//! Records keep the national bodies as they were named (issue 17): an old
//! incident history entry that stored an escalation code reads like a new
//! one, and a warning names the issuer stored with it, not today's.

mod common;

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

async fn docx_text(t: &common::TestApp, token: &str, path: &str) -> String {
    let r = t.fetch(token, path).await;
    assert_eq!(r.status(), StatusCode::OK, "{path}");
    docgen::read_text(&r.bytes().await.unwrap())
        .unwrap()
        .all_text()
}

both_backends!(old_history_entries_read_with_the_bodies_names, |t| {
    let coord = t.login("coord").await;
    let officer = t.login("a.officer").await;
    let (s, inc) = t
        .post(
            &officer,
            "/api/v1/incidents",
            json!({
                "reporter_org": {"id": t.agency_a, "name": "Sở Tài chính"},
                "reporter": {"name": "Nguyễn Văn An", "phone": "0255 3822 123"},
                "title": "Trang chủ bị thay đổi giao diện",
                "description": "Trang chủ bị thay bằng nội dung lạ.",
                "detected_at": "2025-01-19T16:10:00Z",
                "reported_status": "handling",
                "class": "defacement", "severity": "high", "tlp": "amber"
            }),
        )
        .await;
    assert!(s.is_success(), "{inc}");
    let id = inc["id"].as_i64().unwrap();

    // An escalation recorded before the history named the body: the entry
    // and the escalation list carry the code.
    t.raw_sql(&format!(
        "INSERT INTO incident_entries (incident_id, at, actor, kind, text) \
         SELECT incident_id, at, actor, 'change', 'reported to vncert on 20/01/2025 by e-mail' \
         FROM incident_entries WHERE incident_id = {id} ORDER BY id LIMIT 1; \
         UPDATE incidents SET escalations = \
         '[{{\"to\":\"vncert\",\"on\":\"2025-01-20\",\"channel\":\"e-mail\",\"reference\":\"15/BC\"}}]' \
         WHERE id = {id};"
    ))
    .await;
    // One recorded today names the body.
    let (s, d) = t
        .post(
            &coord,
            &format!("/api/v1/incidents/{id}/escalations"),
            json!({"to": "ncsc", "on": "2025-01-21", "channel": "điện thoại"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{d}");

    // The API reads both alike, with today's abbreviations.
    let (s, d) = t.get(&officer, &format!("/api/v1/incidents/{id}")).await;
    assert_eq!(s, StatusCode::OK, "{d}");
    let texts: Vec<&str> = d["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["text"].as_str())
        .collect();
    assert!(
        texts.contains(&"reported to VNCERT/CC on 20/01/2025 by e-mail"),
        "{texts:?}"
    );
    assert!(
        texts.contains(&"reported to NCSC on 21/01/2025 by điện thoại"),
        "{texts:?}"
    );
    assert!(!texts.iter().any(|t| t.contains("vncert")), "{texts:?}");
    let esc = d["escalations"].as_array().unwrap();
    assert_eq!(esc[0]["to"], "vncert", "the stored code is kept");
    assert_eq!(esc[0]["to_label"], "VNCERT/CC");
    assert_eq!(esc[1]["to_label"], "NCSC");

    // The Vietnamese console shows the same sentence for both.
    let (browser, _) = common::sign_in(&t, "a.officer").await;
    let page = t.page(&browser, &format!("/incidents/{id}")).await;
    assert!(
        page.contains("Đã báo cáo VNCERT/CC ngày 20/01/2025"),
        "{page}"
    );
    assert!(page.contains("Đã báo cáo NCSC ngày 21/01/2025"), "{page}");
    assert!(!page.contains("vncert on"), "{page}");

    // Renamed by the installation: old entries follow today's names; the
    // entry written today keeps the name of its day.
    let (_, mut bodies) = t.get(&coord, "/api/v1/settings/national-bodies").await;
    bodies["incident_recipients"][0]["short"] = json!("TTUC");
    let (s, b) = t
        .call(
            &coord,
            Method::PUT,
            "/api/v1/settings/national-bodies",
            Some(bodies),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let (_, d) = t.get(&officer, &format!("/api/v1/incidents/{id}")).await;
    let all = d["timeline"].to_string();
    assert!(all.contains("reported to TTUC on 20/01/2025"), "{all}");
    assert!(all.contains("reported to NCSC on 21/01/2025"), "{all}");

    // The end-of-response report lists the bodies it was reported to.
    let path = format!("/api/v1/incidents/{id}/transition");
    for a in ["acknowledge", "start_response", "contain", "resolve"] {
        let (s, d) = t.post(&coord, &path, json!({"action": a})).await;
        assert_eq!(s, StatusCode::OK, "{a}: {d}");
    }
    let (s, d) = t
        .post(
            &coord,
            &path,
            json!({"action": "close", "report": {"summary": "Đã khôi phục trang chủ."}}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{d}");
    let text = docx_text(
        &t,
        &officer,
        &format!("/api/v1/incidents/{id}/end-report.docx"),
    )
    .await;
    assert!(
        text.contains(
            "TTUC ngày 20/01/2025, qua e-mail (số 15/BC); NCSC ngày 21/01/2025, qua điện thoại"
        ),
        "{text}"
    );
    assert!(!text.contains("vncert"), "{text}");
});

async fn warning(t: &common::TestApp, coord: &str, number: &str) -> i64 {
    let (s, w) = t
        .post(
            coord,
            "/api/v1/vulns/warnings",
            json!({"number": number, "issued_on": "2025-06-02", "title": "Lỗ hổng thử nghiệm", "cves": ["CVE-2024-21762"]}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{w}");
    w["id"].as_i64().unwrap()
}

async fn set_issuer(t: &common::TestApp, coord: &str, name: &str, short: &str) {
    let (_, mut bodies) = t.get(coord, "/api/v1/settings/national-bodies").await;
    bodies["warning_issuer"] = json!({"name": name, "short": short});
    let (s, b): (StatusCode, Value) = t
        .call(
            coord,
            Method::PUT,
            "/api/v1/settings/national-bodies",
            Some(bodies),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
}

both_backends!(a_warning_names_the_issuer_stored_with_it, |t| {
    let coord = t.login("coord").await;
    set_issuer(&t, &coord, "Cục Cảnh báo Cũ", "Cục CBC").await;
    let old = warning(&t, &coord, "11/CV-CBC").await;
    set_issuer(&t, &coord, "Cục Cảnh báo Mới", "Cục CBM").await;
    let new = warning(&t, &coord, "12/CV-CBM").await;
    // One recorded while no issuer was stored falls back to today's.
    let unknown = warning(&t, &coord, "13/CV-CBM").await;
    t.raw_sql(&format!(
        "UPDATE warnings SET issuer_name = NULL, issuer_short = NULL WHERE id = {unknown}"
    ))
    .await;

    let (s, w) = t
        .get(&coord, &format!("/api/v1/vulns/warnings/{old}"))
        .await;
    assert_eq!(s, StatusCode::OK, "{w}");
    assert_eq!(w["warning"]["issuer_name"], "Cục Cảnh báo Cũ", "{w}");
    assert_eq!(w["warning"]["issuer_short"], "Cục CBC", "{w}");

    let text = docx_text(
        &t,
        &coord,
        &format!("/api/v1/vulns/warnings/{old}/report.docx"),
    )
    .await;
    assert!(
        text.contains("ngày 02/06/2025 của Cục Cảnh báo Cũ"),
        "{text}"
    );
    assert!(text.contains("báo cáo Cục CBC khi hoàn thành"), "{text}");
    assert!(!text.contains("Cục Cảnh báo Mới"), "{text}");
    let text = docx_text(
        &t,
        &coord,
        &format!("/api/v1/vulns/warnings/{new}/report.docx"),
    )
    .await;
    assert!(text.contains("của Cục Cảnh báo Mới"), "{text}");
    assert!(!text.contains("Cục Cảnh báo Cũ"), "{text}");
    let text = docx_text(
        &t,
        &coord,
        &format!("/api/v1/vulns/warnings/{unknown}/report.docx"),
    )
    .await;
    assert!(text.contains("của Cục Cảnh báo Mới"), "{text}");

    // The console's warning page names it.
    let (browser, _) = common::sign_in(&t, "coord").await;
    let page = t.page(&browser, &format!("/vulns/warnings/{old}")).await;
    assert!(page.contains("Cục Cảnh báo Cũ"), "{page}");

    // The periodic report names both issuers of the period, and each
    // warning's number says whose it is.
    let text = docx_text(&t, &coord, "/api/v1/reports/periodic/2025-H2/report.docx").await;
    assert!(
        text.contains("Trong kỳ, Cục Cảnh báo Cũ và Cục Cảnh báo Mới ban hành 3 cảnh báo"),
        "{text}"
    );
    assert!(text.contains("11/CV-CBC (Cục CBC)"), "{text}");
    assert!(text.contains("12/CV-CBM (Cục CBM)"), "{text}");
});
