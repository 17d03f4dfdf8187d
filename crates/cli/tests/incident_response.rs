//! The response around an incident over HTTP: tasks, evidence files with
//! their chain of custody, the overdue list, exports and metrics, the
//! end-of-response report, the contact directory, and deadline reminders.

mod common;
use common::AuthExt;

use reqwest::StatusCode;
use serde_json::{json, Value};

fn form(org: i64, system: i64) -> Value {
    json!({
        "reporter_org": {"id": org, "name": "Sở Tài chính"},
        "reporter": {"name": "Nguyễn Văn An", "title": "Chuyên viên CNTT", "phone": "0255 3822 123", "email": "an@stc.sonha.gov.vn"},
        "system": {"id": system, "code": "STC-CONG", "name": "Cổng thông tin điện tử"},
        "title": "Máy chủ cổng thông tin bị cài mã độc",
        "description": "Phát hiện tiến trình lạ kết nối ra ngoài.",
        "detected_at": "2025-01-25T16:10:00Z",
        "reported_status": "handling",
        "class": "malware", "severity": "high", "tlp": "amber"
    })
}

async fn upload(
    t: &common::TestApp,
    tok: &str,
    id: i64,
    name: &str,
    body: Vec<u8>,
) -> (StatusCode, Value) {
    let r = t
        .client
        .post(t.url(&format!(
            "/api/v1/incidents/{id}/evidence?file_name={name}&note=RAM"
        )))
        .auth(tok)
        .body(body)
        .send()
        .await
        .unwrap();
    let s = r.status();
    (s, r.json().await.unwrap_or(Value::Null))
}

both_backends!(tasks_evidence_lists_and_the_end_report, |t| {
    let coord = t.login("coord").await;
    let officer_a = t.login("a.officer").await;
    let officer_b = t.login("b.officer").await;
    let system = t.system(t.agency_a, "STC-CONG").await;
    let (s, inc) = t
        .post(&officer_a, "/api/v1/incidents", form(t.agency_a, system))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{inc}");
    let id = inc["id"].as_i64().unwrap();
    let path = format!("/api/v1/incidents/{id}/transition");
    let (s, _) = t
        .post(&coord, &path, json!({"action": "acknowledge"}))
        .await;
    assert_eq!(s, StatusCode::OK);

    // Tasks: an owner that exists, a due date that parses; strangers see nothing.
    let tasks = format!("/api/v1/incidents/{id}/tasks");
    let (s, e) = t
        .post(
            &coord,
            &tasks,
            json!({"title": "Cô lập máy chủ", "owner": "nobody"}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(e["error"]["details"][0]["field"], "owner", "{e}");
    let (s, e) = t
        .post(
            &coord,
            &tasks,
            json!({"title": "Cô lập máy chủ", "owner": "a.officer", "due_at": "mai"}),
        )
        .await;
    assert_eq!(e["error"]["details"][0]["field"], "due_at", "{s} {e}");
    let (s, list) = t
        .post(
            &coord,
            &tasks,
            json!({"title": "Cô lập máy chủ", "owner": "a.officer", "due_at": "2025-01-26T17:00:00+07:00"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{list}");
    assert_eq!(list[0]["due_at"], "2025-01-26T10:00:00Z", "stored in UTC");
    let task = list[0]["id"].as_i64().unwrap();
    let (s, _) = t
        .post(
            &officer_b,
            &tasks,
            json!({"title": "x", "owner": "b.officer"}),
        )
        .await;
    assert_eq!(
        s,
        StatusCode::NOT_FOUND,
        "not involved: the incident does not exist for them"
    );
    let (s, _) = t.get(&officer_b, &tasks).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let done = format!("{tasks}/{task}/done");
    let (s, list) = t.post(&officer_a, &done, json!({})).await;
    assert_eq!(s, StatusCode::OK, "{list}");
    assert_eq!(list[0]["done_by"], "user:a.officer", "{list}");
    let (s, _) = t.post(&officer_a, &done, json!({})).await;
    assert_eq!(s, StatusCode::CONFLICT, "done once");

    // Evidence: hashed, kept whole, always downloaded as an attachment.
    let log = b"Jan 25 23:10 sshd[811]: Accepted password for root from 203.0.113.7\n".to_vec();
    let (s, ev) = upload(&t, &officer_a, id, "auth.log", log.clone()).await;
    assert_eq!(s, StatusCode::CREATED, "{ev}");
    assert_eq!(
        ev["sha256"],
        app::incident::Sha256Digest::of(&log).to_string()
    );
    assert_eq!(ev["size"], log.len());
    let (s, e) = upload(&t, &officer_a, id, "..%2Fetc%2Fpasswd", b"x".to_vec()).await;
    assert_eq!(
        s,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a path is not a file name: {e}"
    );
    let (s, _) = upload(&t, &officer_b, id, "b.log", b"x".to_vec()).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let eid = ev["id"].as_i64().unwrap();
    let r = t
        .fetch(
            &officer_a,
            &format!("/api/v1/incidents/{id}/evidence/{eid}"),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "application/octet-stream");
    assert!(r.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .starts_with("attachment"));
    assert!(r.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .contains("sandbox"));
    assert_eq!(r.bytes().await.unwrap().to_vec(), log);
    let r = t
        .fetch(
            &officer_b,
            &format!("/api/v1/incidents/{id}/evidence/{eid}"),
        )
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let (_, custody) = t
        .get(&coord, &format!("/api/v1/incidents/{id}/evidence"))
        .await;
    let log_of: Vec<(String, String)> = custody["custody"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["actor"].as_str().unwrap().into(),
                c["action"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(
        log_of,
        [
            ("user:a.officer".to_string(), "upload".to_string()),
            ("user:a.officer".into(), "download".into())
        ],
        "every access, and only those that happened"
    );

    // Lists: overdue (reported long ago and still not contained), metrics, export.
    let (_, fresh) = t.get(&coord, "/api/v1/incidents?overdue=true").await;
    assert_eq!(
        fresh["items"],
        json!([]),
        "the response targets run from the report"
    );
    t.raw_sql(&format!(
        "UPDATE incidents SET reported_at = '2025-01-25T17:00:00+00:00' WHERE id = {id}"
    ))
    .await;
    let (_, overdue) = t.get(&coord, "/api/v1/incidents?overdue=true").await;
    assert_eq!(overdue["items"][0]["id"], id, "{overdue}");
    let (_, none) = t
        .get(&coord, "/api/v1/incidents?overdue=true&severity=low")
        .await;
    assert_eq!(none["items"], json!([]));
    let (_, m) = t
        .get(
            &coord,
            "/api/v1/incidents/metrics?from=2025-01-01&to=2026-01-01",
        )
        .await;
    assert_eq!(m["total"], 1, "{m}");
    assert_eq!(m["by_class"]["malware"], 1, "{m}");
    assert_eq!(m["acknowledged"], 1, "{m}");
    assert_eq!(m["overdue"], 1, "{m}");
    let (_, m) = t
        .get(&coord, "/api/v1/incidents/metrics?from=2026-01-01")
        .await;
    assert_eq!(m["total"], 0, "{m}");
    let (_, m) = t.get(&officer_b, "/api/v1/incidents/metrics").await;
    assert_eq!(m["total"], 0, "another agency counts none of it: {m}");
    let csv = t.fetch(&coord, "/api/v1/incidents.csv?overdue=true").await;
    let text = csv.text().await.unwrap();
    assert!(
        text.contains("Máy chủ cổng thông tin bị cài mã độc"),
        "{text}"
    );
    // Labels, never codes; the organisation by code and name.
    assert!(
        text.contains(",Mã độc,Cao,TLP:AMBER,") && !text.contains(",malware,"),
        "{text}"
    );
    let xlsx = t.fetch(&officer_b, "/api/v1/incidents.xlsx").await;
    let table = app::sheets::read(&xlsx.bytes().await.unwrap(), app::sheets::Format::Xlsx).unwrap();
    assert_eq!(table.headers[0], "Số");
    assert!(table.rows.is_empty(), "nothing of agency A's for agency B");

    // Close with the end-of-response form; the DOCX carries it.
    for a in ["start_response", "contain", "resolve"] {
        let (s, d) = t.post(&coord, &path, json!({"action": a})).await;
        assert_eq!(s, StatusCode::OK, "{a}: {d}");
    }
    let (s, e) = t
        .post(
            &coord,
            &path,
            json!({"action": "close", "report": {"summary": " "}}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    let r = t
        .fetch(&coord, &format!("/api/v1/incidents/{id}/end-report.docx"))
        .await;
    assert_eq!(r.status(), StatusCode::CONFLICT, "not closed yet");
    let (s, d) = t
        .post(
            &coord,
            &path,
            json!({"action": "close", "report": {
                "summary": "Gỡ mã độc, khôi phục từ bản sao lưu sạch.",
                "cause": "Mật khẩu quản trị yếu bị dò.",
                "lessons": "Bắt buộc xác thực hai lớp cho SSH."}}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{d}");
    let r = t
        .fetch(
            &officer_a,
            &format!("/api/v1/incidents/{id}/end-report.docx"),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let doc = docgen::read_text(&r.bytes().await.unwrap()).unwrap();
    let all = doc.all_text();
    for want in [
        "BÁO CÁO KẾT THÚC ỨNG PHÓ SỰ CỐ",
        "Gỡ mã độc, khôi phục từ bản sao lưu sạch.",
        "Mật khẩu quản trị yếu bị dò.",
        "Bắt buộc xác thực hai lớp cho SSH.",
        "Cô lập máy chủ",
        ev["sha256"].as_str().unwrap(),
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        // People by their names, not their log-in names.
        "Người dùng a.officer",
    ] {
        assert!(all.contains(want), "{want} missing from the end report");
    }
    // The reporting organisation issues it, and its items run without gaps.
    let letterhead = doc.tables[0][0][0].clone();
    assert!(
        letterhead.contains("SỞ TÀI CHÍNH") && letterhead.contains("/BC-STC"),
        "{letterhead}"
    );
    assert!(
        !letterhead.contains("THÔNG TIN VÀ TRUYỀN THÔNG"),
        "{letterhead}"
    );
    let items = doc.table_starting_with(&["Nội dung", "Thông tin"]).unwrap();
    for (i, row) in items[1..].iter().enumerate() {
        assert!(row[0].starts_with(&format!("{}. ", i + 1)), "{items:?}");
    }
    let (_, closed) = t.get(&coord, "/api/v1/incidents?overdue=true").await;
    assert_eq!(
        closed["items"],
        json!([]),
        "a closed incident is not overdue"
    );
});

both_backends!(the_contact_directory, |t| {
    let coord = t.login("coord").await;
    let officer = t.login("a.officer").await;
    let (s, dir) = t.get(&officer, "/api/v1/contacts").await;
    assert_eq!(s, StatusCode::OK);
    let vncert = dir["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"].as_str().unwrap().contains("VNCERT/CC"))
        .unwrap_or_else(|| panic!("seeded from the directives: {dir}"));
    assert_eq!(vncert["hotline"], "0869100317");
    assert_eq!(vncert["email"], "ir@vncert.vn");
    let entry = json!({"category": "response_team", "name": "Trần Thị Bình", "title": "Đội ứng cứu sự cố tỉnh", "phone": "0912 345 678"});
    let (s, _) = t.post(&officer, "/api/v1/contacts", entry.clone()).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let mut bad = entry.clone();
    bad["phone"] = json!("gọi tôi");
    bad["category"] = json!("friends");
    let (s, e) = t.post(&coord, "/api/v1/contacts", bad).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<&str> = e["error"]["details"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["category", "phone"], "{e}");
    let (s, saved) = t.post(&coord, "/api/v1/contacts", entry.clone()).await;
    assert_eq!(s, StatusCode::CREATED, "{saved}");
    let cid = saved["id"].as_i64().unwrap();
    let mut edited = entry.clone();
    edited["hotline"] = json!("0988 111 222");
    let (s, r) = t
        .call(
            &coord,
            reqwest::Method::PUT,
            &format!("/api/v1/contacts/{cid}"),
            Some(edited),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{r}");
    let (_, dir) = t.get(&officer, "/api/v1/contacts").await;
    assert!(dir.to_string().contains("Trần Thị Bình"), "{dir}");
    let (s, _) = t
        .call(
            &coord,
            reqwest::Method::DELETE,
            &format!("/api/v1/contacts/{cid}"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (_, audit) = t.get(&coord, "/api/v1/audit?entity=contact").await;
    let actions: Vec<&str> = audit["items"]
        .as_array()
        .unwrap_or_else(|| panic!("{audit}"))
        .iter()
        .filter(|r| r["entity"] == "contact" && r["entity_id"] == cid)
        .map(|r| r["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions.len(),
        3,
        "created, edited, deleted — each audited: {audit}"
    );
    assert!(actions.contains(&"delete"), "{audit}");
});

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uploads_over_the_limit_write_nothing_and_deadlines_are_reminded_once() {
    let mut config = app::Config {
        evidence_max_bytes: 1024,
        ..Default::default()
    };
    config.notify.webhook = Some("http://127.0.0.1:9/hook".into());
    let t = common::TestApp::spawn(common::Db::Sqlite, config).await;
    let coord = t.login("coord").await;
    let officer_a = t.login("a.officer").await;
    let system = t.system(t.agency_a, "STC-CONG").await;
    let (_, inc) = t
        .post(&officer_a, "/api/v1/incidents", form(t.agency_a, system))
        .await;
    let id = inc["id"].as_i64().unwrap();
    let (s, e) = upload(&t, &officer_a, id, "memory.dmp", vec![0u8; 4096]).await;
    assert_eq!(s, StatusCode::PAYLOAD_TOO_LARGE, "{e}");
    assert!(e.to_string().contains("memory.dmp"), "names the file: {e}");
    let (_, ev) = t
        .get(&coord, &format!("/api/v1/incidents/{id}/evidence"))
        .await;
    assert_eq!(
        ev["evidence"],
        json!([]),
        "nothing kept of a refused upload"
    );
    let (s, _) = upload(&t, &officer_a, id, "small.txt", vec![b'a'; 1024]).await;
    assert_eq!(s, StatusCode::CREATED, "exactly the limit is accepted");

    let now = chrono::Utc::now();
    let run = t.app.remind_incident_deadlines(now).await.unwrap();
    assert_eq!(run.incidents, 1, "{run:?}");
    assert!(run.messages >= 1, "{run:?}");
    let again = t.app.remind_incident_deadlines(now).await.unwrap();
    assert_eq!(again.incidents, 0, "once per milestone");
    let (_, queue) = t.get(&coord, "/api/v1/notifications").await;
    assert!(queue.to_string().contains("incident_deadline"), "{queue}");
    assert!(
        queue.to_string().contains(&format!("Sự cố #{id}")),
        "{queue}"
    );
}
