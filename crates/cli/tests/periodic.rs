//! The 6-monthly and yearly reports: data made in the first half of 2025
//! (and some outside it) through the API and the use cases, the report of the
//! province and of one agency built, the DOCX parsed back and its figures
//! checked against what was made; the workbook read back; and an agency's
//! officer kept to its own report.

mod common;
use common::AuthExt;

use app::periodic_report::{ReportPeriod, NOT_BUILT};
use app::AppError;
use reqwest::StatusCode;
use serde_json::{json, Value};

fn shared(path: &str) -> Vec<u8> {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../vulnmatch/tests/data")
        .join(path);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

async fn upload(t: &common::TestApp, tok: &str, path: &str, body: Vec<u8>) -> (StatusCode, Value) {
    let r = reqwest::Client::new()
        .post(t.url(path))
        .auth(tok)
        .body(body)
        .send()
        .await
        .unwrap();
    let s = r.status();
    (s, r.json().await.unwrap_or(Value::Null))
}

async fn system(t: &common::TestApp, v: Value) -> i64 {
    let input: domain::InfoSystemInput = serde_json::from_value(v).unwrap();
    t.app
        .create_system(&t.coordinator, &input)
        .await
        .unwrap()
        .id
}

async fn appliance(t: &common::TestApp, system: i64, host: &str) -> i64 {
    let mut input: domain::AssetInput = serde_json::from_value(json!({
        "system_id": system, "hostname": host, "role": "appliance", "modules": ["LTM", "APM"]
    }))
    .unwrap();
    input.software = vec!["F5|BIG-IP|17.1.0.3|dotted".parse().unwrap()];
    t.app.create_asset(&t.coordinator, &input).await.unwrap().id
}

fn incident(org: i64, system: i64, class: &str, severity: &str, detected_at: &str) -> Value {
    json!({
        "reporter_org": {"id": org, "name": "Đơn vị báo cáo"},
        "reporter": {"name": "Nguyễn Văn An", "title": "Chuyên viên CNTT", "phone": "0255 3822 123", "email": "an@sonha.gov.vn"},
        "system": {"id": system, "code": "X", "name": "Hệ thống"},
        "title": format!("Sự cố {class} {detected_at}"),
        "description": "Phát hiện dấu hiệu bất thường.",
        "detected_at": detected_at,
        "reported_status": "handling",
        "class": class, "severity": severity, "tlp": "amber"
    })
}

/// The rows of the table whose header starts with `header`, keyed by first cell.
fn rows<'a>(doc: &'a docgen::DocText, header: &[&str]) -> &'a Vec<Vec<String>> {
    doc.table_starting_with(header)
        .unwrap_or_else(|| panic!("no table {header:?} in {:?}", doc.tables))
}

fn row<'a>(table: &'a [Vec<String>], first: &str) -> &'a [String] {
    table
        .iter()
        .find(|r| r[0] == first)
        .unwrap_or_else(|| panic!("no row {first} in {table:?}"))
}

fn cells(r: &[String], from: usize) -> Vec<&str> {
    r[from..].iter().map(String::as_str).collect()
}

fn summary(bytes: &[u8]) -> std::collections::HashMap<String, String> {
    let table = app::sheets::read(bytes, app::sheets::Format::Xlsx).unwrap();
    assert_eq!(table.headers, ["Nội dung", "Giá trị"]);
    table
        .rows
        .into_iter()
        .map(|r| (r.cells[0].clone(), r.cells[1].clone()))
        .collect()
}

both_backends!(the_half_year_report_counts_what_was_done, |t| {
    let coord = t.login("coord").await;
    let officer_a = t.login("a.officer").await;
    let officer_b = t.login("b.officer").await;
    let (a, b) = (t.agency_a, t.agency_b);

    // ---- I. systems: agency A 3 (levels 2, 3 approved with all four layers, 3 with none),
    // agency B 3 (levels 1, 3 with an on-site force and an old assessment, none).
    let approval =
        json!({"number": "12/QĐ-UBND", "date": "2024-10-01", "body": "UBND tỉnh Sơn Hà"});
    let dvc = system(&t, json!({"code": "STC-DVC", "name": "Dịch vụ công", "owner_org_id": a,
        "function_type": "public_service", "proposed_level": 3, "approved_level": 3, "approval": approval,
        "protection": {"onsite_force": true, "soc_monitoring": true, "last_assessment": "2025-03-10", "ncsc_connected": true}})).await;
    let cong = t.system(a, "STC-CONG").await;
    system(
        &t,
        json!({"code": "STC-KT", "name": "Kế toán", "owner_org_id": a,
        "function_type": "internal", "proposed_level": 3}),
    )
    .await;
    let his = system(
        &t,
        json!({"code": "SYT-HIS", "name": "Quản lý bệnh viện", "owner_org_id": b,
        "function_type": "public_service", "proposed_level": 3,
        "protection": {"onsite_force": true, "last_assessment": "2023-01-01"}}),
    )
    .await;
    system(
        &t,
        json!({"code": "SYT-VPN", "name": "VPN", "owner_org_id": b,
        "function_type": "internal", "proposed_level": 1}),
    )
    .await;
    system(
        &t,
        json!({"code": "SYT-X", "name": "Chưa phân loại", "owner_org_id": b,
        "function_type": "other"}),
    )
    .await;

    // ---- II. a warning in the period (one outside it), one finding per agency.
    for (name, path) in [
        ("CVE-2023-46747.json", "cve5/CVE-2023-46747.json"),
        ("nvd-CVE-2023-46747.json", "nvd/CVE-2023-46747.json"),
        (
            "known_exploited_vulnerabilities.json",
            "known_exploited_vulnerabilities.json",
        ),
    ] {
        let (s, r) = upload(
            &t,
            &coord,
            &format!("/api/v1/vulns/feeds?file_name={name}"),
            shared(path),
        )
        .await;
        assert_eq!(s, StatusCode::CREATED, "{name}: {r}");
    }
    appliance(&t, dvc, "bigip-stc").await;
    appliance(&t, his, "bigip-syt").await;
    let (s, old) = t
        .post(
            &coord,
            "/api/v1/vulns/warnings",
            json!({"number": "999/CATTT-NCSC", "issued_on": "2024-11-15",
            "title": "Cảnh báo trước kỳ", "cves": ["CVE-2023-46747"]}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{old}");
    let (s, w) = t
        .post(
            &coord,
            "/api/v1/vulns/warnings",
            json!({"number": "1234/CATTT-NCSC", "issued_on": "2025-02-12",
            "title": "Lỗ hổng F5 BIG-IP", "cves": ["CVE-2023-46747"], "deadline": "2025-03-01"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{w}");
    let (s, run) = t
        .post(
            &coord,
            &format!("/api/v1/vulns/warnings/{}/publish", w["id"]),
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{run}");
    assert_eq!(run["new"], 2, "{run}");
    let (_, mine) = t.get(&officer_a, "/api/v1/vulns/findings").await;
    let fid = mine["items"][0]["id"].as_i64().unwrap();
    let (s, d) = t
        .post(
            &officer_a,
            &format!("/api/v1/vulns/findings/{fid}/move"),
            json!({"action": "patch", "note": "Cài Hotfix-BIGIP-17.1.0.3.0.75.4-ENG"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{d}");
    // The matcher stamps a finding with the day it ran (and its deadline no
    // earlier): put A's in February 2025 and B's, still open, in June, after
    // the half-year, due ten days later.
    t.raw_sql(
        "UPDATE findings SET detected_at = '2025-06-10T03:00:00+00:00', deadline = '2025-06-20'",
    )
    .await;
    t.raw_sql(&format!(
        "UPDATE findings SET detected_at = '2025-02-20T03:00:00+00:00' WHERE id = {fid}"
    ))
    .await;

    // ---- III. botnet lists for February and March 2025 (and July, outside).
    let (_, org) = t.get(&coord, &format!("/api/v1/orgs/{a}")).await;
    let mut org = org;
    org["address_blocks"] = json!(["14.160.10.0/28"]);
    let (s, e) = t
        .call(
            &coord,
            reqwest::Method::PUT,
            &format!("/api/v1/orgs/{a}"),
            Some(org),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{e}");
    let mut lists = std::collections::HashMap::new();
    for (period, body) in [
        ("2025-02", "14.160.10.5\n14.160.10.6\n14.170.0.1\n8.8.8.8\n"),
        ("2025-03", "14.160.10.5\n14.170.0.1\n14.170.0.2\n"),
        ("2025-07", "14.160.10.7\n"),
    ] {
        let (s, r) = upload(
            &t,
            &coord,
            &format!("/api/v1/botnet/import?source=national&period={period}&format=text"),
            body.into(),
        )
        .await;
        assert_eq!(s, StatusCode::CREATED, "{r}");
        lists.insert(period, r["list_id"].as_i64().unwrap());
    }
    for ip in ["14.160.10.5", "14.160.10.6"] {
        let (s, e) = t
            .post(
                &officer_a,
                &format!("/api/v1/botnet/lists/{}/cleanups", lists["2025-02"]),
                json!({"ip": ip, "note": "Cài lại hệ điều hành"}),
            )
            .await;
        assert_eq!(s, StatusCode::NO_CONTENT, "{e}");
    }

    // ---- IV. incidents: A's defacement and B's DDoS in the half-year, A's malware in July.
    for (tok, org, sys, class, severity, at) in [
        (
            &officer_a,
            a,
            cong,
            "defacement",
            "high",
            "2025-01-25T16:10:00Z",
        ),
        (&officer_b, b, his, "ddos", "medium", "2025-03-05T02:00:00Z"),
        (
            &officer_a,
            a,
            cong,
            "malware",
            "low",
            "2025-07-01T02:00:00Z",
        ),
    ] {
        let (s, r) = t
            .post(
                tok,
                "/api/v1/incidents",
                incident(org, sys, class, severity, at),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{r}");
    }

    // ---- V. duty over Tết 2025: A has a 24/7 roster, B none.
    let (s, p) = t
        .post(&coord, "/api/v1/duty/periods", json!({"name": "Tết Nguyên đán Ất Tỵ 2025",
            "starts_at": "2025-01-24T17:00:00Z", "ends_at": "2025-02-02T17:00:00Z", "org_ids": [a, b]}))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{p}");
    let rotation = json!({
        "people": [{"name": "Nguyễn Văn An", "phone": "0905 123 456"}, {"name": "Trần Thị Bình", "phone": "0912.345.678"}],
        "shift_hours": 12, "per_shift": 1, "mode": {"Continuous": {"handover": "07:30:00"}}});
    let (s, r) = t
        .post(
            &officer_a,
            &format!("/api/v1/duty/periods/{}/rosters/{a}/generate", p["id"]),
            rotation,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{r}");

    // ---- VI. a directive of January 2025 with two tasks for the agencies (one of August, outside).
    let agencies = json!({"org_types": ["agency"]});
    let (s, dir) = t
        .post(&coord, "/api/v1/directives", json!({"number": "15/UBND-KGVX", "issued_on": "2025-01-10",
            "issuer": "Ủy ban nhân dân tỉnh", "title": "Bảo đảm an toàn thông tin dịp Tết Ất Tỵ",
            "tasks": [
                {"text": "Rà soát hệ thống thông tin theo cấp độ.", "recipients": agencies, "deadline": "2025-01-20"},
                {"text": "Tuyên truyền nâng cao nhận thức.", "recipients": agencies, "deadline": "2025-01-20"}]}))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{dir}");
    let (s, later) = t
        .post(
            &coord,
            "/api/v1/directives",
            json!({"number": "80/UBND-KGVX", "issued_on": "2025-08-01",
            "issuer": "Ủy ban nhân dân tỉnh", "title": "Sau kỳ báo cáo",
            "tasks": [{"text": "Việc khác.", "recipients": agencies}]}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{later}");
    let task = |i: usize| dir["tasks"][i]["id"].as_i64().unwrap();
    let (s, _) = t
        .post(
            &officer_a,
            &format!("/api/v1/directives/tasks/{}/progress", task(0)),
            json!({"status": "done", "note": "Đã rà soát 3 hệ thống"}),
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, _) = t
        .post(
            &officer_b,
            &format!("/api/v1/directives/tasks/{}/progress", task(1)),
            json!({"status": "not_applicable", "note": "Đã thực hiện theo kế hoạch riêng"}),
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);

    let h1: ReportPeriod = "2025-H1".parse().unwrap();

    // ---- the province report, as data.
    let r = t
        .app
        .periodic_report(&t.coordinator, h1, None)
        .await
        .unwrap();
    assert_eq!(r.systems.by_level, [1, 1, 1, 3, 0, 0]);
    assert_eq!(r.systems.coverage.systems, 3);
    assert_eq!(r.deadline.to_string(), "2025-06-20");
    assert_eq!(
        (r.vulns.detected, r.vulns.done, r.vulns.overdue_now),
        (1, 1, 0)
    );
    assert_eq!(r.vulns.patch_rate, Some(1.0));
    assert_eq!(r.incidents.metrics.total, 2);
    assert_eq!((r.directives.assigned, r.directives.done), (4, 1));

    // ---- the province report, parsed back from the DOCX.
    let docx = t
        .app
        .periodic_report_docx(&t.coordinator, h1, None)
        .await
        .unwrap();
    assert!(docx.file_name.ends_with(".docx"), "{}", docx.file_name);
    let doc = docgen::read_text(&docx.bytes).unwrap();
    let text = doc.all_text();
    for needle in [
        "6 tháng đầu năm 2025",
        "từ ngày 01/12/2024 đến ngày 31/05/2025",
        "trước ngày 20/06/2025",
        "I. HỆ THỐNG THÔNG TIN VÀ PHÂN LOẠI CẤP ĐỘ",
        "II. CẢNH BÁO VÀ KHẮC PHỤC LỖ HỔNG BẢO MẬT",
        "III. ĐỊA CHỈ IP MẠNG BOTNET",
        "IV. SỰ CỐ AN TOÀN THÔNG TIN MẠNG",
        "V. TRỰC BẢO ĐẢM AN TOÀN THÔNG TIN",
        "VI. THỰC HIỆN CÁC VĂN BẢN CHỈ ĐẠO",
        "Ủy ban nhân dân tỉnh Sơn Hà",
    ] {
        assert!(text.contains(needle), "{needle} missing in:\n{text}");
    }
    // What canhgac cannot count is said plainly, never printed as zeros.
    // Said once, each capability named; no countdown in a document.
    assert_eq!(
        text.matches("chưa được xây dựng trong canhgac").count(),
        1,
        "{text}"
    );
    assert!(text.contains(app::periodic_report::NOT_BUILT_INTRO));
    for (_, name) in NOT_BUILT {
        assert!(text.contains(name), "{name}");
    }
    assert!(!text.contains("(còn "), "{text}");
    assert_eq!(
        doc.pictures, 5,
        "levels, 4 layers, findings, botnet, incidents"
    );
    for caption in [
        "Biểu đồ 1: Số hệ thống thông tin theo cấp độ",
        "Biểu đồ 5: Sự cố an toàn thông tin mạng theo loại",
    ] {
        assert!(text.contains(caption), "{caption}");
    }

    let levels = rows(&doc, &["Cấp độ", "Số hệ thống"]);
    assert_eq!(cells(row(levels, "Cấp độ 1"), 1), ["1", "0", "1"]);
    assert_eq!(cells(row(levels, "Cấp độ 2"), 1), ["1", "0", "1"]);
    assert_eq!(cells(row(levels, "Cấp độ 3"), 1), ["3", "1", "2"]);
    assert_eq!(cells(row(levels, "Cấp độ 4"), 1), ["0", "0", "0"]);
    assert_eq!(
        cells(row(levels, "Chưa xác định cấp độ"), 1),
        ["1", "0", "1"]
    );
    assert_eq!(cells(row(levels, "Tổng cộng"), 1), ["6", "1", "5"]);
    let layers = rows(&doc, &["Lớp bảo vệ", "Đã triển khai"]);
    assert_eq!(
        cells(row(layers, "Lực lượng tại chỗ"), 1),
        ["2", "1", "66,7%"]
    );
    assert_eq!(
        cells(row(layers, "Giám sát, bảo vệ bởi SOC"), 1),
        ["1", "2", "33,3%"]
    );
    assert_eq!(
        cells(row(layers, "Kiểm tra, đánh giá độc lập trong 12 tháng"), 1),
        ["1", "2", "33,3%"]
    );
    assert_eq!(
        cells(row(layers, "Kết nối, chia sẻ thông tin với NCSC"), 1),
        ["1", "2", "33,3%"]
    );
    let by_org = rows(&doc, &["Đơn vị", "Tổng số", "Cấp độ 1"]);
    assert_eq!(
        cells(row(by_org, "STC"), 1),
        ["3", "0", "1", "2", "0", "0", "0", "2", "4"]
    );
    assert_eq!(
        cells(row(by_org, "SYT"), 1),
        ["3", "1", "0", "1", "0", "0", "1", "3", "3"]
    );

    let warnings = rows(&doc, &["Số cảnh báo", "Ngày"]);
    assert_eq!(
        warnings.len(),
        2,
        "only the warning of the period: {warnings:?}"
    );
    assert_eq!(
        cells(row(warnings, "1234/CATTT-NCSC"), 1),
        [
            "12/02/2025",
            "Lỗ hổng F5 BIG-IP",
            "1",
            "2",
            "2",
            "1",
            "1",
            "1"
        ]
    );
    let statuses = rows(&doc, &["Trạng thái phát hiện", "Số phát hiện"]);
    assert_eq!(cells(row(statuses, "Đã vá"), 1), ["1"]);
    assert_eq!(
        cells(row(statuses, "Chưa xử lý"), 1),
        ["0"],
        "B's finding is of June"
    );
    assert_eq!(cells(row(statuses, "Tổng cộng"), 1), ["1"]);
    let vuln_orgs = rows(&doc, &["Đơn vị", "Phát hiện trong kỳ"]);
    assert_eq!(
        cells(row(vuln_orgs, "STC"), 1),
        ["1", "1", "0", "100,0%", "0"]
    );

    let months = rows(&doc, &["Nguồn", "Tháng"]);
    assert_eq!(months.len(), 3, "February and March only: {months:?}");
    assert_eq!(months[1][1], "02/2025");
    assert_eq!(cells(&months[1], 2), ["4", "–", "–", "–", "2", "0", "1"]);
    assert_eq!(months[2][1], "03/2025");
    assert_eq!(cells(&months[2], 2), ["3", "1", "2", "2", "0", "1", "0"]);
    let owners = rows(&doc, &["Đơn vị", "Số địa chỉ IP khác nhau trong kỳ"]);
    assert_eq!(cells(row(owners, "STC"), 1), ["2", "2"]);
    assert_eq!(cells(row(owners, "VNPT"), 1), ["2", "0"]);
    assert_eq!(cells(row(owners, "Chưa xác định đơn vị"), 1), ["1", "0"]);

    let classes = rows(&doc, &["Loại sự cố", "Số sự cố"]);
    assert_eq!(cells(row(classes, "Thay đổi giao diện (deface)"), 1), ["1"]);
    assert_eq!(
        cells(row(classes, "Tấn công từ chối dịch vụ (DoS/DDoS)"), 1),
        ["1"]
    );
    assert_eq!(
        cells(row(classes, "Mã độc"), 1),
        ["0"],
        "July's malware is outside"
    );
    assert_eq!(cells(row(classes, "Tổng cộng"), 1), ["2"]);
    let severities = rows(&doc, &["Mức độ", "Số sự cố"]);
    assert_eq!(cells(row(severities, "Cao"), 1), ["1"]);
    assert_eq!(cells(row(severities, "Trung bình"), 1), ["1"]);
    assert_eq!(cells(row(severities, "Thấp"), 1), ["0"]);
    let response = rows(&doc, &["Chỉ tiêu ứng cứu sự cố", "Giá trị"]);
    assert_eq!(
        cells(
            row(response, "Báo cáo muộn (quá 5 ngày kể từ khi phát hiện)"),
            1
        ),
        ["2"],
        "both were entered long after detection"
    );

    let duty = rows(&doc, &["Đợt trực", "Thời gian", "Đơn vị"]);
    let stc = duty.iter().find(|r| r[2] == "STC").expect("STC's line");
    assert_eq!(cells(stc, 3)[0], "Có");
    assert_eq!(cells(stc, 5), ["0,0", "100,0%"]);
    let syt = duty.iter().find(|r| r[2] == "SYT").expect("SYT's line");
    assert_eq!(cells(syt, 3), ["Chưa có", "0", "216,0", "0,0%"]);

    let tasks = rows(&doc, &["Văn bản", "Nhiệm vụ"]);
    assert_eq!(
        tasks.len(),
        3,
        "the January directive's two tasks: {tasks:?}"
    );
    assert!(tasks[1][0].starts_with("15/UBND-KGVX"), "{tasks:?}");
    assert_eq!(
        cells(&tasks[1], 2),
        ["20/01/2025", "2", "1", "0", "0", "1", "1"]
    );
    assert_eq!(
        cells(&tasks[2], 2),
        ["20/01/2025", "2", "0", "1", "0", "1", "1"]
    );

    // ---- the same figures in the workbook.
    let xlsx = t
        .app
        .periodic_report_xlsx(&t.coordinator, h1, None)
        .await
        .unwrap();
    let sum = summary(&xlsx.bytes);
    for (k, v) in [
        ("Kỳ báo cáo", "6 tháng đầu năm 2025"),
        ("Hạn gửi báo cáo (trước ngày)", "20/06/2025"),
        ("Đơn vị", "Toàn tỉnh"),
        ("Số hệ thống thông tin", "6"),
        ("Hệ thống cấp độ 3", "3"),
        ("Phát hiện lỗ hổng trong kỳ", "1"),
        ("Tỷ lệ khắc phục", "100,0%"),
        ("Địa chỉ IP botnet khác nhau trong kỳ", "5"),
        ("Sự cố phát hiện trong kỳ", "2"),
        ("Lượt giao nhiệm vụ", "4"),
        ("Nhiệm vụ quá hạn", "2"),
    ] {
        assert_eq!(sum.get(k).map(String::as_str), Some(v), "{k}: {sum:?}");
    }

    // ---- the year report counts June to November too.
    let year: ReportPeriod = "2025".parse().unwrap();
    let sum = summary(
        &t.app
            .periodic_report_xlsx(&t.coordinator, year, None)
            .await
            .unwrap()
            .bytes,
    );
    for (k, v) in [
        ("Kỳ báo cáo", "năm 2025"),
        ("Hạn gửi báo cáo (trước ngày)", "15/12/2025"),
        ("Phát hiện lỗ hổng trong kỳ", "2"),
        ("Phát hiện quá hạn tại ngày lập báo cáo", "1"),
        ("Sự cố phát hiện trong kỳ", "3"),
        ("Danh sách IP botnet trong kỳ", "3"),
        ("Văn bản chỉ đạo ban hành trong kỳ", "2"),
    ] {
        assert_eq!(sum.get(k).map(String::as_str), Some(v), "{k}: {sum:?}");
    }

    // ---- agency A's officer: its own report only.
    let user = t
        .app
        .user_by_name(&t.coordinator, "a.officer")
        .await
        .unwrap();
    let officer = t.app.user_scope(&user).await.unwrap();
    // Another organisation's report does not exist for an officer, like
    // one of an organisation that does not exist.
    for other in [Some(b), Some(999_999)] {
        let e = t
            .app
            .periodic_report(&officer, h1, other)
            .await
            .unwrap_err();
        assert!(matches!(e, AppError::NotFound), "{other:?}: {e:?}");
        let e = t
            .app
            .periodic_report_docx(&officer, h1, other)
            .await
            .unwrap_err();
        assert!(matches!(e, AppError::NotFound), "{other:?}: {e:?}");
    }
    // Without an organisation, an officer gets its own.
    let own = t.app.periodic_report(&officer, h1, None).await.unwrap();
    assert_eq!(own.org.as_ref().map(|o| o.id), Some(a));
    let e = t
        .app
        .periodic_report(&t.coordinator, h1, Some(999_999))
        .await
        .unwrap_err();
    assert!(matches!(e, AppError::NotFound), "{e:?}");

    let docx = t
        .app
        .periodic_report_docx(&officer, h1, Some(a))
        .await
        .unwrap();
    let doc = docgen::read_text(&docx.bytes).unwrap();
    let text = doc.all_text();
    assert!(
        text.contains("SỞ TÀI CHÍNH"),
        "the agency issues its own report"
    );
    assert!(
        text.contains("Sở Khoa học và Công nghệ tỉnh Sơn Hà"),
        "sent to the Department"
    );
    for other in ["SYT", "Sở Y tế", "VNPT", "SYT-HIS"] {
        assert!(
            !text.contains(other),
            "{other} leaked into A's report:\n{text}"
        );
    }
    assert!(
        doc.table_starting_with(&["Đơn vị", "Tổng số"]).is_none(),
        "no per-organisation table"
    );
    let levels = rows(&doc, &["Cấp độ", "Số hệ thống"]);
    assert_eq!(cells(row(levels, "Cấp độ 2"), 1), ["1", "0", "1"]);
    assert_eq!(cells(row(levels, "Cấp độ 3"), 1), ["2", "1", "1"]);
    assert_eq!(cells(row(levels, "Tổng cộng"), 1), ["3", "1", "2"]);
    let layers = rows(&doc, &["Lớp bảo vệ", "Đã triển khai"]);
    assert_eq!(
        cells(row(layers, "Lực lượng tại chỗ"), 1),
        ["1", "1", "50,0%"]
    );
    let warnings = rows(&doc, &["Số cảnh báo", "Ngày"]);
    assert_eq!(
        cells(row(warnings, "1234/CATTT-NCSC"), 3),
        ["1", "1", "1", "1", "0", "0"],
        "A's own finding only"
    );
    let months = rows(&doc, &["Nguồn", "Tháng"]);
    assert_eq!(months[0].len(), 8, "no unknown-owner column for an agency");
    assert_eq!(cells(&months[1], 2), ["2", "–", "–", "–", "2", "0"]);
    assert_eq!(cells(&months[2], 2), ["1", "0", "1", "1", "0", "1"]);
    let classes = rows(&doc, &["Loại sự cố", "Số sự cố"]);
    assert_eq!(cells(row(classes, "Thay đổi giao diện (deface)"), 1), ["1"]);
    assert_eq!(
        cells(row(classes, "Tấn công từ chối dịch vụ (DoS/DDoS)"), 1),
        ["0"]
    );
    assert_eq!(cells(row(classes, "Tổng cộng"), 1), ["1"]);
    let duty = rows(&doc, &["Đợt trực", "Thời gian", "Đơn vị"]);
    assert_eq!(duty.len(), 2, "A's own line: {duty:?}");
    assert_eq!(duty[1][2], "STC");
    let tasks = rows(&doc, &["Văn bản", "Nhiệm vụ"]);
    assert_eq!(cells(&tasks[1], 3), ["1", "1", "0", "0", "0", "0"]);
    assert_eq!(cells(&tasks[2], 3), ["1", "0", "0", "0", "1", "1"]);
    assert_eq!(doc.pictures, 5);

    // The auditor reads the province's and any organisation's.
    let user = t.app.user_by_name(&t.coordinator, "auditor").await.unwrap();
    let auditor = t.app.user_scope(&user).await.unwrap();
    let r = t.app.periodic_report(&auditor, h1, Some(b)).await.unwrap();
    assert_eq!(r.systems.total, 3);
    assert_eq!(r.org.unwrap().short_name, "SYT");
    let xlsx = t
        .app
        .periodic_report_xlsx(&auditor, h1, None)
        .await
        .unwrap();
    assert_eq!(summary(&xlsx.bytes)["Số hệ thống thông tin"], "6");
});

both_backends!(reports_over_http_the_console_and_the_command_line, |t| {
    let coord = t.login("coord").await;
    let officer_a = t.login("a.officer").await;
    t.system(t.agency_a, "STC-CONG").await;
    let r = t
        .fetch(&coord, "/api/v1/reports/periodic/2025-H1/report.docx")
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let doc = docgen::read_text(&r.bytes().await.unwrap()).unwrap();
    assert!(doc.all_text().contains("6 tháng đầu năm 2025"));
    // The province report is the coordinator's: an officer asking for the
    // report without an organisation gets its own organisation's.
    let (s, own) = t.get(&officer_a, "/api/v1/reports/periodic/2025-H1").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(own["org"]["id"], t.agency_a, "{own}");
    let r = t
        .fetch(
            &officer_a,
            &format!(
                "/api/v1/reports/periodic/2025-H1/report.xlsx?org_id={}",
                t.agency_b
            ),
        )
        .await;
    assert_eq!(
        r.status(),
        StatusCode::NOT_FOUND,
        "another organisation's report"
    );
    let r = t
        .fetch(
            &officer_a,
            &format!(
                "/api/v1/reports/periodic/2025/report.xlsx?org_id={}",
                t.agency_a
            ),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK, "its own yearly report");
    let (s, e) = t.get(&coord, "/api/v1/reports/periodic/2025-H3").await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    let (s, due) = t.get(&officer_a, "/api/v1/reports/due").await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        due["items"][0]["message"]
            .as_str()
            .unwrap()
            .contains("gửi trước ngày"),
        "{due}"
    );

    // The console page and its form's redirect to the download.
    let (c, _) = common::sign_in(&t, "coord").await;
    let page = t.page(&c, "/reports").await;
    assert!(
        page.contains("report-form") && page.contains("gửi trước ngày"),
        "{page}"
    );
    let r = c
        .get(t.url(&format!(
            "/reports/file?period=2025-H1&org_id={}&format=docx",
            t.agency_a
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let to = r.headers()["location"].to_str().unwrap().to_string();
    assert_eq!(
        to,
        format!(
            "/api/v1/reports/periodic/2025-H1/report.docx?org_id={}",
            t.agency_a
        )
    );
    let r = c.get(t.url(&to)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK, "the session downloads it");
    assert!(r.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .contains(".docx"));

    // The command line writes the same report.
    if t.db == common::Db::Sqlite {
        let out = tempfile::tempdir().unwrap();
        let file = out.path().join("bao-cao.xlsx");
        let run = std::process::Command::new(env!("CARGO_BIN_EXE_canhgac"))
            .args(t.db_args())
            .args([
                "report", "periodic", "--period", "2025-H1", "--org", "STC", "-o",
            ])
            .arg(&file)
            .env("CANHGAC_LOG", "warn")
            .output()
            .unwrap();
        assert!(
            run.status.success(),
            "{}",
            String::from_utf8_lossy(&run.stderr)
        );
        let table =
            app::sheets::read(&std::fs::read(&file).unwrap(), app::sheets::Format::Xlsx).unwrap();
        assert!(!table.rows.is_empty());
    }
});

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_organisation_is_reminded_once_a_week_before_the_deadline() {
    let mut config = app::Config::default();
    config.notify.webhook = Some("http://127.0.0.1:9/hook".into());
    let t = common::TestApp::spawn(common::Db::Sqlite, config).await;
    let day = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    assert_eq!(
        t.app
            .remind_periodic_reports(day("2025-06-01"))
            .await
            .unwrap(),
        0,
        "too early"
    );
    let first = t
        .app
        .remind_periodic_reports(day("2025-06-14"))
        .await
        .unwrap();
    assert!(first >= 1, "six days before 20 June");
    assert_eq!(
        t.app
            .remind_periodic_reports(day("2025-06-15"))
            .await
            .unwrap(),
        0,
        "once"
    );
    let coord = t.login("coord").await;
    let (_, queue) = t.get(&coord, "/api/v1/notifications").await;
    assert!(
        queue.to_string().contains("6 tháng đầu năm 2025"),
        "{queue}"
    );
}
