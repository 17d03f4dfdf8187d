//! The whole life of an incident through the API, the transitions that must
//! be refused, responders, observables linked to botnet listings and other
//! incidents, TLP:RED, escalation, exports and the official report; and who
//! may see it.

mod common;
use common::AuthExt;

use reqwest::StatusCode;
use serde_json::{json, Value};

fn form(org: i64, system: i64) -> Value {
    json!({
        "reporter_org": {"id": org, "name": "Sở Tài chính"},
        "reporter": {"name": "Nguyễn Văn An", "title": "Chuyên viên CNTT", "phone": "0255 3822 123", "email": "an@stc.sonha.gov.vn"},
        "system": {"id": system, "code": "STC-CONG", "name": "Cổng thông tin điện tử", "domains": ["stc.sonha.gov.vn"], "public_ips": ["14.160.10.5"]},
        "connectivity_providers": ["VNPT Sơn Hà"],
        "title": "Trang chủ bị thay đổi giao diện",
        "description": "Trang chủ bị thay bằng nội dung lạ lúc 23:10.",
        "detected_at": "2025-01-25T16:10:00Z",
        "reported_status": "handling",
        "os_name": "Ubuntu", "os_version": "20.04",
        "class": "defacement", "severity": "high", "tlp": "amber"
    })
}

both_backends!(an_incident_from_report_to_closed, |t| {
    let coord = t.login("coord").await;
    let officer_a = t.login("a.officer").await;
    let officer_b = t.login("b.officer").await;
    let system = t.system(t.agency_a, "STC-CONG").await;

    // A bad form is refused field by field.
    let mut bad = form(t.agency_a, system);
    bad["description"] = json!(" ");
    let (s, e) = t.post(&officer_a, "/api/v1/incidents", bad).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(e["error"]["details"][0]["field"], "description", "{e}");
    let (s, inc) = t
        .post(&officer_a, "/api/v1/incidents", form(t.agency_a, system))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{inc}");
    let id = inc["id"].as_i64().unwrap();
    assert_eq!(inc["state"], "reported");
    assert_eq!(
        inc["report"]["system"]["level"], 2,
        "the level comes from the registry"
    );
    assert_eq!(
        inc["deadlines"]["report_by"], "2025-01-30T16:10:00Z",
        "five days after detection"
    );

    // Another agency does not see it at all.
    let (s, _) = t.get(&officer_b, &format!("/api/v1/incidents/{id}")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (_, list) = t.get(&officer_b, "/api/v1/incidents").await;
    assert_eq!(list["items"], json!([]));

    let mv = |action: &str, reason: Option<&str>, report: Option<&str>| json!({"action": action, "reason": reason, "report": report});
    let path = format!("/api/v1/incidents/{id}/transition");
    // Only the coordinator acknowledges; nothing skips ahead.
    let (s, _) = t
        .post(&officer_a, &path, mv("acknowledge", None, None))
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, e) = t.post(&coord, &path, mv("close", None, Some("x"))).await;
    assert_eq!(s, StatusCode::CONFLICT, "{e}");
    let (s, d) = t.post(&coord, &path, mv("acknowledge", None, None)).await;
    assert_eq!(s, StatusCode::OK, "{d}");

    // A responder from the SOC provider or another agency is assigned and then sees it.
    let (s, d) = t
        .post(
            &coord,
            &format!("/api/v1/incidents/{id}/assign"),
            json!({"username": "b.officer"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{d}");
    let (s, _) = t.get(&officer_b, &format!("/api/v1/incidents/{id}")).await;
    assert_eq!(s, StatusCode::OK, "the assigned responder sees it");
    let (s, d) = t
        .post(&officer_b, &path, mv("start_response", None, None))
        .await;
    assert_eq!(s, StatusCode::OK, "{d}");

    // Observables: the defaced site's address was on a botnet list; a TLP:RED hash is for those named.
    let r = reqwest::Client::new()
        .post(t.url("/api/v1/botnet/import?source=national&period=2025-01&format=text"))
        .auth(&coord)
        .body("14.160.10.5\n")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let obs = format!("/api/v1/incidents/{id}/observables");
    let (s, d) = t
        .post(
            &officer_a,
            &obs,
            json!({"value": "hxxp://14.160.10.5/shell.php", "role": "victim"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{d}");
    let (s, d) = t
        .post(&officer_a, &obs, json!({"value": "14.160.10.5"}))
        .await;
    assert_eq!(s, StatusCode::OK, "{d}");
    let (s, e) = t
        .post(&officer_a, &obs, json!({"value": "1.2.3.999"}))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    let hash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    let (s, d) = t
        .post(&coord, &obs, json!({"value": hash, "tlp": "red"}))
        .await;
    assert_eq!(s, StatusCode::OK, "{d}");
    let (_, seen_a) = t.get(&officer_a, &format!("/api/v1/incidents/{id}")).await;
    let values: Vec<&str> = seen_a["observables"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["value"].as_str().unwrap())
        .collect();
    assert!(
        !values.contains(&hash),
        "TLP:RED is not for the reporting officer: {values:?}"
    );
    let ip = seen_a["observables"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["value"] == "14.160.10.5")
        .unwrap();
    assert_eq!(ip["botnet_lists"][0][1], "2025-01", "{ip}");
    let (_, seen_b) = t.get(&officer_b, &format!("/api/v1/incidents/{id}")).await;
    assert!(
        seen_b["observables"]
            .as_array()
            .unwrap()
            .iter()
            .any(|o| o["value"] == hash),
        "the assigned responder is named"
    );

    // A second incident with the same address links back.
    let (_, inc2) = t
        .post(&officer_a, "/api/v1/incidents", form(t.agency_a, system))
        .await;
    let id2 = inc2["id"].as_i64().unwrap();
    let (_, d2) = t
        .post(
            &officer_a,
            &format!("/api/v1/incidents/{id2}/observables"),
            json!({"value": "14.160.10.5"}),
        )
        .await;
    assert_eq!(d2["observables"][0]["other_incidents"], json!([id]), "{d2}");

    // Timeline, escalation, containment, resolution, closure with the report.
    let (s, _) = t
        .post(
            &officer_b,
            &format!("/api/v1/incidents/{id}/entries"),
            json!({"kind": "action", "text": "Cô lập máy chủ web"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = t
        .post(
            &officer_a,
            &format!("/api/v1/incidents/{id}/escalations"),
            json!({"to": "vncert", "on": "2025-01-26", "channel": "e-mail"}),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, d) = t.post(&coord, &format!("/api/v1/incidents/{id}/escalations"), json!({"to": "vncert", "on": "2025-01-26", "channel": "e-mail", "reference": "VNCERT-2025-0126"})).await;
    assert_eq!(s, StatusCode::OK, "{d}");
    for action in ["contain", "resolve"] {
        let (s, d) = t.post(&officer_b, &path, mv(action, None, None)).await;
        assert_eq!(s, StatusCode::OK, "{action}: {d}");
    }
    let (s, e) = t.post(&coord, &path, mv("close", None, None)).await;
    assert_eq!(
        s,
        StatusCode::UNPROCESSABLE_ENTITY,
        "closing needs the end-of-response report: {e}"
    );
    let (s, d) = t
        .post(
            &coord,
            &path,
            mv(
                "close",
                None,
                Some("Báo cáo kết thúc ứng phó số 15/BC-SKHCN"),
            ),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{d}");
    assert_eq!(d["state"], "closed");
    let (s, _) = t.post(&coord, &path, mv("reopen", None, None)).await;
    assert_eq!(
        s,
        StatusCode::UNPROCESSABLE_ENTITY,
        "reopening needs a reason"
    );
    let kinds: Vec<String> = d["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["text"].as_str().unwrap().to_string())
        .collect();
    assert!(
        kinds.iter().any(|k| k == "contained → resolved")
            || kinds.iter().any(|k| k.contains("resolved")),
        "{kinds:?}"
    );
    assert!(
        // Named as the installation's data names the body on the day.
        kinds.iter().any(|k| k.contains("reported to VNCERT/CC")),
        "{kinds:?}"
    );

    // Exports: STIX without the TLP:RED hash unless named… it is left out of exports.
    let r = t
        .fetch(&coord, &format!("/api/v1/incidents/{id}/export.stix"))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let bundle: Value = r.json().await.unwrap();
    assert_eq!(bundle["type"], "bundle");
    assert!(
        !bundle.to_string().contains(hash),
        "TLP:RED stays out of exports"
    );
    assert!(bundle.to_string().contains("14.160.10.5"));
    let r = t
        .fetch(&coord, &format!("/api/v1/incidents/{id}/export.misp"))
        .await;
    let event: Value = r.json().await.unwrap();
    assert!(event.to_string().contains("tlp:amber"), "{event}");
    let r = t
        .fetch(&officer_a, &format!("/api/v1/incidents/{id}/report.docx"))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let doc = docgen::read_text(&r.bytes().await.unwrap()).unwrap();
    let text = doc.all_text();
    assert!(
        text.contains("BÁO CÁO BAN ĐẦU SỰ CỐ") && text.contains("Trang chủ bị thay đổi giao diện"),
        "{text}"
    );
    assert!(text.contains("cấp độ 2"), "{text}");
    // Issued by the reporting organisation; items numbered without gaps.
    let letterhead = &doc.tables[0][0][0];
    assert!(
        letterhead.contains("SỞ TÀI CHÍNH") && letterhead.contains("/BC-STC"),
        "{letterhead}"
    );
    let items = doc.table_starting_with(&["Nội dung", "Thông tin"]).unwrap();
    for (i, row) in items[1..].iter().enumerate() {
        assert!(row[0].starts_with(&format!("{}. ", i + 1)), "{items:?}");
    }

    // The audit log recorded the transitions.
    let (_, audit) = t.get(&coord, "/api/v1/audit?entity=incident").await;
    assert!(audit["items"].as_array().unwrap().len() >= 8, "{audit}");
});

both_backends!(the_console_reports_and_moves_an_incident, |t| {
    let system = t.system(t.agency_a, "STC-WEB").await;
    let (o, ocsrf) = common::sign_in(&t, "a.officer").await;
    let r = o.get(t.url("/incidents/new")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let r = o
        .post(t.url("/incidents"))
        .form(&[
            ("csrf", ocsrf.as_str()),
            ("title", "Máy chủ web bị cài mã độc"),
            ("description", "Phát hiện webshell trên máy chủ web."),
            ("detected_at", "2025-01-26T09:15"),
            ("system_id", &system.to_string()),
            ("class", "malware"),
            ("severity", "high"),
            ("tlp", "amber"),
            ("reporter_name", "Nguyễn Văn An"),
            ("reporter_phone", "0905123456"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let to = r.headers()["location"].to_str().unwrap().to_string();
    let page = t.page(&o, &to).await;
    assert!(page.contains("id=\"incident-state\">Đã báo cáo<"), "{page}");
    let (c, csrf) = common::sign_in(&t, "coord").await;
    let r = c
        .post(t.url(&format!("{to}/transition")))
        .form(&[("csrf", csrf.as_str()), ("action", "acknowledge")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = c
        .post(t.url(&format!("{to}/observables")))
        .form(&[("csrf", csrf.as_str()), ("value", "evil[.]example[.]com")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let page = t.page(&c, &to).await;
    assert!(
        page.contains("Đã tiếp nhận") && page.contains("evil.example.com"),
        "{page}"
    );
    // The officer cannot acknowledge; another agency cannot open it.
    let r = o
        .post(t.url(&format!("{to}/transition")))
        .form(&[
            ("csrf", ocsrf.as_str()),
            ("action", "close"),
            ("report", "x"),
        ])
        .send()
        .await
        .unwrap();
    assert!(r.status() == StatusCode::FORBIDDEN || r.status() == StatusCode::CONFLICT);
    let (b, _) = common::sign_in(&t, "b.officer").await;
    let r = b.get(t.url(&to)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let page = t.page(&c, "/incidents").await;
    assert!(page.contains("Máy chủ web bị cài mã độc"));

    // A task, an evidence file, and the close with the end-of-response form.
    let r = c
        .post(t.url(&format!("{to}/tasks")))
        .form(&[
            ("csrf", csrf.as_str()),
            ("title", "Gỡ webshell"),
            ("owner", "a.officer"),
            ("due", "2025-01-27T17:00"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let form = reqwest::multipart::Form::new()
        .text("csrf", ocsrf.clone())
        .text("note", "tệp webshell tìm thấy")
        .part(
            "file",
            reqwest::multipart::Part::bytes(b"<?php eval($_POST['x']); ?>".to_vec())
                .file_name("shell.php"),
        );
    let r = o
        .post(t.url(&format!("{to}/evidence")))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let page = t.page(&o, &to).await;
    assert!(
        page.contains("Gỡ webshell") && page.contains("27/01/2025 17:00"),
        "Vietnam time kept: {page}"
    );
    assert!(
        page.contains("shell.php") && page.contains("download"),
        "{page}"
    );
    for a in ["start_response", "contain", "resolve"] {
        let r = c
            .post(t.url(&format!("{to}/transition")))
            .form(&[("csrf", csrf.as_str()), ("action", a)])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{a}");
    }
    let r = c
        .post(t.url(&format!("{to}/transition")))
        .form(&[
            ("csrf", csrf.as_str()),
            ("action", "close"),
            ("summary", "Đã gỡ webshell và vá lỗ hổng tải tệp."),
            ("cause", "Lỗ hổng tải tệp lên không kiểm tra định dạng."),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let page = t.page(&c, &to).await;
    assert!(page.contains("end-report.docx"), "{page}");
    let page = t.page(&o, "/contacts").await;
    assert!(
        page.contains("0869100317") && page.contains("ir@vncert.vn"),
        "{page}"
    );
    assert!(!page.contains("contact-form"), "only the coordinator edits");
    let page = t.page(&c, "/dashboard").await;
    assert!(page.contains("overdue-incidents-tile"), "{page}");
});
