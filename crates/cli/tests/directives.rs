//! A directive from the seeds (the provincial People's Committee's directive
//! for Tết Giáp Thìn 2024) entered through the API task by task, tasks
//! completed by two organisations, and the coordinator's matrix checked.

mod common;
use common::AuthExt;

use reqwest::StatusCode;
use serde_json::{json, Value};

both_backends!(the_tet_directive_task_by_task, |t| {
    let coord = t.login("coord").await;
    let agencies = json!({"org_types": ["agency", "district"]});
    let operators = json!({"org_types": ["isp"]});
    let directive = json!({
        "number": "263/UBND-KGVX", "issued_on": "2024-01-26", "issuer": "Ủy ban nhân dân tỉnh",
        "title": "Tăng cường bảo đảm an toàn thông tin mạng trong dịp Tết Nguyên đán Giáp Thìn năm 2024",
        "tasks": [
            {"text": "Rà soát các hệ thống thông tin; bảo đảm triển khai đầy đủ các biện pháp bảo vệ theo cấp độ an toàn.", "recipients": agencies, "deadline": "2024-02-07"},
            {"text": "Phân công lực lượng tại chỗ trực giám sát 24/7; xử lý kịp thời tình huống tấn công mạng và cảnh báo mã độc.", "recipients": agencies, "evidence_required": true},
            {"text": "Rà soát, kiểm tra và bóc gỡ phần mềm độc hại cho toàn bộ máy chủ, máy trạm.", "recipients": agencies, "deadline": "2024-02-07"},
            {"text": "Khắc phục triệt để các lỗ hổng đã được Cục An toàn thông tin cảnh báo (F5 BIG-IP, Microsoft).", "recipients": agencies, "deadline": "2024-02-07"},
            {"text": "Kịp thời chia sẻ thông tin với Cục A05 Bộ Công an, Sở Khoa học và Công nghệ khi phát hiện dấu hiệu tấn công mạng.", "recipients": agencies},
            {"text": "Tuyên truyền, nâng cao nhận thức về an toàn thông tin mạng, tin giả, lừa đảo cho cán bộ.", "recipients": agencies},
            {"text": "Rà soát, xác định số lượng IP botnet và chủ trì gỡ bỏ.", "recipients": operators, "deadline": "2024-02-07"},
            {"text": "Bảo đảm an toàn mạng lưới, thông tin liên lạc thông suốt; cử cán bộ kỹ thuật trực suốt kỳ nghỉ Tết.", "recipients": operators, "evidence_required": true},
            {"text": "Duy trì kết nối liên tục tới Trung tâm Giám sát an toàn không gian mạng quốc gia.", "recipients": operators}
        ]
    });
    let officer_a = t.login("a.officer").await;
    let (s, _) = t
        .post(&officer_a, "/api/v1/directives", directive.clone())
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let mut bad = directive.clone();
    bad["tasks"][1]["recipients"] = json!({});
    let (s, e) = t.post(&coord, "/api/v1/directives", bad).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(
        e["error"]["details"][0]["field"], "tasks[1].recipients",
        "{e}"
    );
    let (s, d) = t.post(&coord, "/api/v1/directives", directive).await;
    assert_eq!(s, StatusCode::CREATED, "{d}");
    let id = d["id"].as_i64().unwrap();
    assert_eq!(d["tasks"].as_array().unwrap().len(), 9);
    let task = |i: usize| d["tasks"][i]["id"].as_i64().unwrap();

    // Agency A finishes its first task and the evidence-bearing one; agency B marks one not applicable.
    let progress = |id: i64| format!("/api/v1/directives/tasks/{id}/progress");
    let (s, _) = t
        .post(
            &officer_a,
            &progress(task(0)),
            json!({"status": "done", "note": "Đã rà soát 5 hệ thống"}),
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, e) = t
        .post(&officer_a, &progress(task(1)), json!({"status": "done"}))
        .await;
    assert_eq!(
        s,
        StatusCode::UNPROCESSABLE_ENTITY,
        "evidence required: {e}"
    );
    let (s, _) = t
        .post(
            &officer_a,
            &progress(task(1)),
            json!({"status": "done", "note": "Quyết định phân công trực số 12/QĐ-STC"}),
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let officer_b = t.login("b.officer").await;
    let (s, _) = t
        .post(
            &officer_b,
            &progress(task(5)),
            json!({"status": "not_applicable"}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "a reason is needed");
    let (s, _) = t
        .post(
            &officer_b,
            &progress(task(5)),
            json!({"status": "not_applicable", "note": "Đã tổ chức trong đợt trước"}),
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    // An agency cannot report on the operators' tasks.
    let (s, _) = t
        .post(&officer_b, &progress(task(6)), json!({"status": "done"}))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // The coordinator's matrix: every agency × the agencies' tasks, the operator × its tasks.
    let (_, m) = t.get(&coord, &format!("/api/v1/directives/{id}")).await;
    let cell = |org: i64, task_id: i64| -> Value {
        m["cells"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["org_id"] == org && c["task_id"] == task_id)
            .cloned()
            .unwrap_or(Value::Null)
    };
    assert_eq!(cell(t.agency_a, task(0))["status"], "done");
    assert_eq!(cell(t.agency_b, task(5))["status"], "not_applicable");
    assert_eq!(cell(t.agency_b, task(0))["status"], "pending");
    assert_eq!(
        cell(t.agency_b, task(0))["overdue"],
        true,
        "the deadline of 07/02/2024 has passed"
    );
    assert!(
        cell(t.agency_a, task(6)).is_null(),
        "the operators' task is not the agency's"
    );
    assert_eq!(cell(t.isp, task(6))["status"], "pending");
    let line = |org: i64| {
        m["orgs"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["org_id"] == org)
            .unwrap()
            .clone()
    };
    assert_eq!(
        (
            line(t.agency_a)["tasks"].as_i64(),
            line(t.agency_a)["done"].as_i64()
        ),
        (Some(6), Some(2))
    );
    assert_eq!(line(t.agency_b)["done"], 1);
    assert_eq!(line(t.isp)["tasks"], 3);
    // An agency sees its own row only.
    let (_, own) = t.get(&officer_a, &format!("/api/v1/directives/{id}")).await;
    assert!(own["cells"]
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c["org_id"] == t.agency_a));

    // The directive's document and an agency's evidence: stored whole, each
    // seen only by who may see it.
    let post_file = |tok: String, path: String, name: &'static str, body: &'static [u8]| {
        let t = &t;
        async move {
            let r = t
                .client
                .post(t.url(&format!("{path}?file_name={name}")))
                .auth(tok)
                .body(body.to_vec())
                .send()
                .await
                .unwrap();
            let s = r.status();
            (s, r.json::<serde_json::Value>().await.unwrap_or_default())
        }
    };
    let doc_path = format!("/api/v1/directives/{id}/document");
    let (s, _) = post_file(officer_a.clone(), doc_path.clone(), "cv.pdf", b"%PDF-1.4").await;
    assert_eq!(
        s,
        StatusCode::FORBIDDEN,
        "only the coordinator attaches the document"
    );
    let (s, doc) = post_file(coord.clone(), doc_path, "cv-3036-ubnd.pdf", b"%PDF-1.4 ...").await;
    assert_eq!(s, StatusCode::CREATED, "{doc}");
    let ev_path = format!("/api/v1/directives/tasks/{}/evidence", task(0));
    let (s, ev) = post_file(
        officer_a.clone(),
        ev_path.clone(),
        "bien-ban-ra-soat.pdf",
        b"%PDF a",
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{ev}");
    let (s, _) = post_file(
        officer_a.clone(),
        format!("/api/v1/directives/tasks/{}/evidence", task(6)),
        "x.pdf",
        b"x",
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "not a task the agency was given");
    let (_, own) = t.get(&officer_a, &format!("/api/v1/directives/{id}")).await;
    assert_eq!(own["documents"][0]["file_name"], "cv-3036-ubnd.pdf");
    assert_eq!(own["evidence"][0]["file_name"], "bien-ban-ra-soat.pdf");
    let officer_b = t.login("b.officer").await;
    let (_, theirs) = t.get(&officer_b, &format!("/api/v1/directives/{id}")).await;
    assert_eq!(
        theirs["evidence"],
        json!([]),
        "agency B does not see agency A's evidence"
    );
    let ev_id = ev["id"].as_i64().unwrap();
    let r = t
        .fetch(
            &officer_b,
            &format!("/api/v1/directives/{id}/files/{ev_id}"),
        )
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let r = t
        .fetch(&coord, &format!("/api/v1/directives/{id}/files/{ev_id}"))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .starts_with("attachment"));
    assert_eq!(r.bytes().await.unwrap().as_ref(), b"%PDF a");

    // Reminders go to every organisation with unfinished tasks.
    let (s, _) = t
        .post(
            &officer_a,
            &format!("/api/v1/directives/{id}/remind"),
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, run) = t
        .post(
            &coord,
            &format!("/api/v1/directives/{id}/remind"),
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{run}");
    let unfinished = m["orgs"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["done"] != o["tasks"])
        .count();
    assert_eq!(run["orgs"], unfinished, "{run}");

    // The console: the coordinator's matrix, the agency's own tasks with their forms.
    let (c, _) = common::sign_in(&t, "coord").await;
    let page = t.page(&c, &format!("/directives/{id}")).await;
    assert!(
        page.contains("directive-matrix") && page.contains("cv-3036-ubnd.pdf"),
        "{page}"
    );
    let (a, acsrf) = common::sign_in(&t, "a.officer").await;
    let page = t.page(&a, &format!("/directives/{id}")).await;
    assert!(
        !page.contains("directive-matrix") && page.contains(&format!("task-{}", task(0))),
        "{page}"
    );
    let r = a
        .post(t.url(&format!("/directives/{id}/tasks/{}", task(5))))
        .form(&[
            ("csrf", acsrf.as_str()),
            ("status", "not_applicable"),
            ("note", ""),
        ])
        .send()
        .await
        .unwrap();
    let body = r.text().await.unwrap();
    assert!(
        body.contains("directive-message"),
        "not applicable needs the reason: {body}"
    );
});

both_backends!(the_console_records_a_directive_from_lines, |t| {
    let (c, csrf) = common::sign_in(&t, "coord").await;
    let bad = c
        .post(t.url("/directives"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("number", "12/UBND-KGVX"),
            ("issued_on", "2025-01-10"),
            ("issuer", "UBND tỉnh"),
            ("title", "Bảo đảm an toàn thông tin dịp Tết"),
            (
                "tasks",
                "agency | 2025-01-20 | Rà soát hệ thống\nfriends | mai | x",
            ),
        ])
        .send()
        .await
        .unwrap();
    let body = bad.text().await.unwrap();
    assert!(
        body.contains("Nhiệm vụ, dòng 2"),
        "the bad line is named: {body}"
    );
    let r = c
        .post(t.url("/directives"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("number", "12/UBND-KGVX"),
            ("issued_on", "10/01/2025"),
            ("issuer", "UBND tỉnh"),
            ("title", "Bảo đảm an toàn thông tin dịp Tết"),
            (
                "tasks",
                "agency, district | 2025-01-20 | *Rà soát hệ thống\nisp | | Xử lý IP botnet",
            ),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let to = r.headers()["location"].to_str().unwrap().to_string();
    let page = t.page(&c, &to).await;
    assert!(
        page.contains("Rà soát hệ thống")
            && page.contains("Cần minh chứng")
            && page.contains("20/01/2025"),
        "{page}"
    );
    // The matrix as a spreadsheet: one row per organisation, a column per task.
    assert!(page.contains("matrix-legend"), "{page}");
    let r = c
        .get(t.url(&format!("{to}/matrix.xlsx")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let table = app::sheets::read(&r.bytes().await.unwrap(), app::sheets::Format::Xlsx).unwrap();
    assert_eq!(
        table.headers[..4],
        ["Mã đơn vị", "Tên đơn vị", "Nhiệm vụ 1", "Nhiệm vụ 2"]
    );
    assert!(!table.rows.is_empty());
    // By name, standings in Vietnamese; the API gives the same file.
    assert!(table.rows.iter().all(|r| !r.cells[1].is_empty()));
    // Task 1's deadline has passed with nothing reported.
    assert!(
        table.rows.iter().any(|r| r.cells[2] == "Quá hạn"),
        "{:?}",
        table.rows
    );
    let id = to.rsplit('/').next().unwrap();
    let api = t
        .fetch(
            &t.login("coord").await,
            &format!("/api/v1/directives/{id}/matrix.xlsx"),
        )
        .await;
    assert_eq!(api.status(), StatusCode::OK);
});
