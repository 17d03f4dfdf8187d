//! Duty during a high-alert period through the API: the period, a roster
//! generated from a rotation across Tết 2025, hand edits, who is on duty at
//! a moment, gaps, exports, and each organisation seeing its own.

mod common;
use common::AuthExt;

use reqwest::StatusCode;
use serde_json::{json, Value};

both_backends!(a_tet_roster_from_rotation_to_who_is_on_duty, |t| {
    let coord = t.login("coord").await;
    let officer_a = t.login("a.officer").await;
    let officer_b = t.login("b.officer").await;
    let period = json!({"name": "Tết Nguyên đán Ất Tỵ 2025",
        "starts_at": "2025-01-24T17:00:00Z", "ends_at": "2025-02-02T17:00:00Z",
        "org_ids": [t.agency_a, t.agency_b]});
    let (s, _) = t
        .post(&officer_a, "/api/v1/duty/periods", period.clone())
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let mut bad = period.clone();
    bad["ends_at"] = json!("2025-01-20T00:00:00Z");
    let (s, e) = t.post(&coord, "/api/v1/duty/periods", bad).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    let (s, p) = t.post(&coord, "/api/v1/duty/periods", period).await;
    assert_eq!(s, StatusCode::CREATED, "{p}");
    let pid = p["id"].as_i64().unwrap();
    let a = t.agency_a;

    // Twelve-hour shifts handed over at 07:30 and 19:30, three people in turn.
    let rotation = json!({
        "people": [
            {"name": "Nguyễn Văn An", "phone": "0905 123 456"},
            {"name": "Trần Thị Bình", "phone": "0912.345.678"},
            {"name": "Lê Văn Cường", "phone": "+84 987 654 321"}],
        "shift_hours": 12, "per_shift": 1, "mode": {"Continuous": {"handover": "07:30:00"}}});
    let (s, _) = t
        .post(
            &officer_b,
            &format!("/api/v1/duty/periods/{pid}/rosters/{a}/generate"),
            rotation.clone(),
        )
        .await;
    assert_eq!(
        s,
        StatusCode::NOT_FOUND,
        "another agency's roster does not exist for B"
    );
    let mut empty = rotation.clone();
    empty["people"] = json!([]);
    let (s, e) = t
        .post(
            &officer_a,
            &format!("/api/v1/duty/periods/{pid}/rosters/{a}/generate"),
            empty,
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    let (s, r) = t
        .post(
            &officer_a,
            &format!("/api/v1/duty/periods/{pid}/rosters/{a}/generate"),
            rotation,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert_eq!(
        r["coverage"]["gaps"],
        json!([]),
        "24/7 with no gap: {}",
        r["coverage"]
    );
    let shifts = r["roster"]["shifts"].as_array().unwrap();
    // The period starts at midnight local time, mid-shift: the first shift is clipped.
    assert_eq!(shifts[0]["start"], "2025-01-24T17:00:00Z");
    assert_eq!(shifts[0]["end"], "2025-01-25T00:30:00Z");
    // A night shift across midnight on the eve of Tết (28/01 19:30 → 29/01 07:30 local).
    let night = shifts
        .iter()
        .find(|s| s["start"] == "2025-01-28T12:30:00Z")
        .expect("the night shift into Tết");
    assert_eq!(night["end"], "2025-01-29T00:30:00Z");

    // Who is on duty at 08:00 on the first day of Tết; agency B has no roster.
    let (_, now) = t
        .get(&coord, "/api/v1/duty/now?at=2025-01-29T01:00:00Z")
        .await;
    let items = now["items"].as_array().unwrap();
    let of = |org: i64| items.iter().find(|i| i["org_id"] == org).unwrap().clone();
    assert_eq!(of(a)["people"].as_array().unwrap().len(), 1, "{now}");
    assert_eq!(of(t.agency_b)["people"], json!([]), "B's gap stands out");
    let (_, view) = t.get(&coord, &format!("/api/v1/duty/periods/{pid}")).await;
    let b_line = view["orgs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["org_id"] == t.agency_b)
        .unwrap();
    assert!(b_line["coverage"].is_null(), "no roster yet: {b_line}");

    // Hand edits: a swap, a hand-over note; a person on two overlapping shifts is refused.
    let edit_path = format!("/api/v1/duty/periods/{pid}/rosters/{a}/edit");
    let edit = |body: Value| t.post(&officer_a, &edit_path, body);
    let (s, r) = edit(json!({"edit": "swap", "a": 1, "b": 2})).await;
    assert_eq!(s, StatusCode::OK, "{r}");
    let system = t.system(a, "STC-CONG").await;
    let (s, inc) = t
        .post(
            &officer_a,
            "/api/v1/incidents",
            json!({
                "reporter_org": {"id": a, "name": "Sở Tài chính"},
                "reporter": {"name": "Nguyễn Văn An"},
                "system": {"id": system, "code": "STC-CONG", "name": "Cổng thông tin"},
                "title": "Cổng thông tin bị tấn công từ chối dịch vụ",
                "description": "Lưu lượng bất thường.",
                "detected_at": "2025-01-26T01:00:00Z",
                "reported_status": "handling",
                "class": "ddos", "severity": "medium", "tlp": "amber"
            }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{inc}");
    let inc_id = inc["id"].as_i64().unwrap();
    let (s, r) = edit(json!({"edit": "note", "index": 1,
        "note": format!("Theo dõi cảnh báo F5; sự cố #{inc_id} đang xử lý; #999999 không tồn tại")}))
    .await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert_eq!(
        r["note_incidents"][1],
        json!([[inc_id, "Cổng thông tin bị tấn công từ chối dịch vụ"]]),
        "the note links the incidents it names that exist: {r}"
    );
    assert_eq!(r["watch"]["open_incidents"][0][0], inc_id, "{r}");
    let (_, d) = t
        .get(&officer_a, &format!("/api/v1/incidents/{inc_id}"))
        .await;
    assert!(
        d["timeline"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["kind"] == "handover"
                && e["text"].as_str().unwrap().contains("Theo dõi cảnh báo F5")),
        "the note joins the incident's timeline: {d}"
    );
    let first = r["roster"]["shifts"][0].clone();
    let overlapping = json!({"edit": "add", "shift": {"start": first["start"], "end": first["end"], "people": first["people"]}});
    let (s, e) = edit(overlapping).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    let (s, e) = edit(json!({"edit": "add", "shift": {"start": "2025-01-26T10:00:00Z", "end": "2025-01-26T09:00:00Z",
        "people": [{"name": "Phạm Dũng", "phone": "0988000111"}]}})).await;
    assert_eq!(
        s,
        StatusCode::UNPROCESSABLE_ENTITY,
        "ends before it starts: {e}"
    );

    // Agency B sees its own line of the period, not A's roster.
    let (s, _) = t
        .get(
            &officer_b,
            &format!("/api/v1/duty/periods/{pid}/rosters/{a}"),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (_, bview) = t
        .get(&officer_b, &format!("/api/v1/duty/periods/{pid}"))
        .await;
    assert_eq!(bview["orgs"].as_array().unwrap().len(), 1);

    // Exports.
    let r = reqwest::Client::new()
        .get(t.url(&format!(
            "/api/v1/duty/periods/{pid}/rosters/{a}/roster.ics"
        )))
        .auth(&officer_a)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let ics = r.text().await.unwrap();
    assert_eq!(ics.matches("BEGIN:VEVENT").count(), shifts.len());
    assert!(ics.contains("DTSTART:20250128T123000Z"));
    let r = reqwest::Client::new()
        .get(t.url(&format!(
            "/api/v1/duty/periods/{pid}/rosters/{a}/roster.xlsx"
        )))
        .auth(&officer_a)
        .send()
        .await
        .unwrap();
    let table = app::sheets::read(&r.bytes().await.unwrap(), app::sheets::Format::Xlsx).unwrap();
    assert_eq!(table.rows.len(), shifts.len());
    assert_eq!(
        table.rows[0].cells[0], "25/01/2025 00:00",
        "shown in Vietnam time"
    );
});

both_backends!(
    the_console_declares_a_period_and_shows_who_is_on_duty,
    |t| {
        let (c, csrf) = common::sign_in(&t, "coord").await;
        let vn = chrono::FixedOffset::east_opt(7 * 3600).unwrap();
        let now = chrono::Utc::now().with_timezone(&vn);
        let fmt = |d: chrono::DateTime<chrono::FixedOffset>| d.format("%Y-%m-%dT%H:%M").to_string();
        let r = c
            .post(t.url("/duty"))
            .form(&[
                ("csrf", csrf.as_str()),
                ("name", "Đại lễ 2 tháng 9"),
                ("starts_at", &fmt(now - chrono::Duration::hours(1))),
                ("ends_at", &fmt(now + chrono::Duration::days(2))),
                ("orgs", &format!("{} {}", t.agency_a, t.agency_b)),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let to = r.headers()["location"].to_str().unwrap().to_string();
        let pid: i64 = to.rsplit('/').next().unwrap().parse().unwrap();

        let (o, ocsrf) = common::sign_in(&t, "a.officer").await;
        let r = o
            .post(t.url(&format!("/duty/periods/{pid}/orgs/{}/generate", t.agency_a)))
            .form(&[
                ("csrf", ocsrf.as_str()),
                (
                    "people",
                    "Nguyễn Văn An, 0905123456\nTrần Thị Bình, 0912345678",
                ),
                ("shift_hours", "12"),
                ("handover", "07:30"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let page = t
            .page(&o, &format!("/duty/periods/{pid}/orgs/{}", t.agency_a))
            .await;
        assert!(
            page.contains("id=\"shifts\"") && page.contains("0905 123 456"),
            "{page}"
        );
        let page = t.page(&c, "/duty").await;
        assert!(page.contains("id=\"on-duty\""), "{page}");
        assert!(
            page.contains("Nguyễn Văn An") || page.contains("Trần Thị Bình"),
            "{page}"
        );
        assert!(
            page.contains("Không có người trực"),
            "agency B has nobody: {page}"
        );
        // One form edits a shift: the page has no per-row forms, a row's
        // link opens the form filled with that shift, and saving changes
        // the crew and the note together.
        let roster_path = format!("/duty/periods/{pid}/orgs/{}", t.agency_a);
        let page = t.page(&o, &roster_path).await;
        assert_eq!(
            page.matches("<form").count(),
            2,
            "log-out and rotation only: {page}"
        );
        let page = t.page(&o, &format!("{roster_path}?shift=1")).await;
        assert!(page.contains("id=\"shift-form\""), "{page}");
        let starts_at = page
            .split("name=\"starts_at\" value=\"")
            .nth(1)
            .and_then(|r| r.split('"').next())
            .unwrap()
            .to_string();
        let r = o
            .post(t.url(&format!("{roster_path}/shift")))
            .form(&[
                ("csrf", ocsrf.as_str()),
                ("index", "1"),
                ("starts_at", starts_at.as_str()),
                ("people", "Lê Văn Cường, 0987654321"),
                ("note", "Bàn giao: theo dõi cảnh báo mã độc"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let page = t.page(&o, &roster_path).await;
        assert!(
            page.contains("Lê Văn Cường") && page.contains("Bàn giao: theo dõi"),
            "{page}"
        );
        // A form read before the roster changed is refused, in Vietnamese.
        let r = o
            .post(t.url(&format!("{roster_path}/shift")))
            .form(&[
                ("csrf", ocsrf.as_str()),
                ("index", "0"),
                ("starts_at", starts_at.as_str()),
                ("people", "Lê Văn Cường, 0987654321"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.text().await.unwrap().contains("lịch trực đã thay đổi"));
        // A bad line in the rotation form is named.
        let r = o
            .post(t.url(&format!("/duty/periods/{pid}/orgs/{}/generate", t.agency_a)))
            .form(&[
                ("csrf", ocsrf.as_str()),
                ("people", "Nguyễn Văn An"),
                ("shift_hours", "12"),
                ("handover", "07:30"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.text().await.unwrap().contains("dòng 1"));
        // B's officer cannot open A's roster.
        let (b, _) = common::sign_in(&t, "b.officer").await;
        let r = b
            .get(t.url(&format!("/duty/periods/{pid}/orgs/{}", t.agency_a)))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
    }
);
