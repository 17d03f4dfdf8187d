//! Import and export of the registry as CSV and XLSX: all-or-nothing, every
//! bad row named, diacritics intact.

mod common;
use common::AuthExt;

use reqwest::StatusCode;
use serde_json::Value;

const SYSTEMS_CSV: &str = "\u{feff}code,name,owner,function_type,info_types,proposed_level,approved_level,approval_number,approval_date,approval_body,internet_facing,isp,soc_monitoring,last_assessment\n\
STC-DVC,Hệ thống dịch vụ công Sở Tài chính,STC,public_service,public; personal,3,3,45/QĐ-UBND,15/03/2024,UBND tỉnh Sơn Hà,có,VNPT,không,2024-10-01\n\
STC-KT,\"Phần mềm kế toán, ngân sách\",STC,internal,,2,,,,,không,,,\n";

fn rejected(body: &Value) -> Vec<(Option<u64>, Option<String>, String)> {
    body["error"]["details"]["rejected"]
        .as_array()
        .unwrap_or(&vec![])
        .iter()
        .map(|e| {
            (
                e["row"].as_u64(),
                e["column"].as_str().map(str::to_string),
                e["reason"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

async fn system_count(t: &common::TestApp, tok: &str) -> usize {
    t.get(tok, "/api/v1/systems?limit=1000").await.1["items"]
        .as_array()
        .unwrap()
        .len()
}

both_backends!(a_good_csv_is_written_and_round_trips, |t| {
    let tok = t.login("coord").await;
    let (s, report) = t
        .import(&tok, "systems", "systems.csv", SYSTEMS_CSV.into(), "")
        .await;
    assert_eq!(s, StatusCode::OK, "{report}");
    assert_eq!(report["created"], 2);
    let (_, page) = t.get(&tok, "/api/v1/systems?q=STC-DVC").await;
    let sys = &page["items"][0];
    assert_eq!(sys["name"], "Hệ thống dịch vụ công Sở Tài chính");
    assert_eq!(sys["approval"]["date"], "2024-03-15");
    assert_eq!(sys["isp_id"], t.isp);
    assert_eq!(sys["internet_facing"], true);

    // Export, then import the export: nothing new, nothing lost.
    for format in ["csv", "xlsx"] {
        let r = reqwest::Client::new()
            .get(t.url(&format!("/api/v1/export/systems?format={format}")))
            .auth(&tok)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        let bytes = r.bytes().await.unwrap().to_vec();
        if format == "xlsx" {
            // A spreadsheet for people: Vietnamese headings, still importable.
            let table = app::sheets::read(&bytes, app::sheets::Format::Xlsx).unwrap();
            assert!(
                table.headers.iter().any(|h| h == "Mã hệ thống"),
                "{:?}",
                table.headers
            );
            assert!(
                !table.headers.iter().any(|h| h == "code"),
                "{:?}",
                table.headers
            );
            // And closed sets by their Vietnamese labels, not their codes.
            let kind = table
                .headers
                .iter()
                .position(|h| h == "Loại hệ thống")
                .unwrap();
            let kinds: Vec<&str> = table.rows.iter().map(|r| r.cells[kind].as_str()).collect();
            assert!(
                kinds.contains(&"Phục vụ người dân, doanh nghiệp"),
                "{kinds:?}"
            );
            assert!(!kinds.contains(&"public_service"), "{kinds:?}");
            // Every closed set and date as people read them.
            let column = |name: &str| {
                let i = table.headers.iter().position(|h| h == name).unwrap();
                table
                    .rows
                    .iter()
                    .map(|r| r.cells[i].clone())
                    .collect::<Vec<_>>()
            };
            let info = column("Loại thông tin");
            assert!(
                info.contains(&"Thông tin công cộng; Thông tin cá nhân".to_string()),
                "{info:?}"
            );
            assert!(column("Ngày phê duyệt").contains(&"15/03/2024".to_string()));
        }
        let (s, report) = t
            .import(&tok, "systems", &format!("export.{format}"), bytes, "")
            .await;
        assert_eq!(s, StatusCode::OK, "{format}: {report}");
        assert_eq!(report["created"], 0, "{format}");
        assert_eq!(report["updated"], 2, "{format}");
        let (_, again) = t.get(&tok, "/api/v1/systems?q=STC-DVC").await;
        assert_eq!(again["items"][0]["name"], sys["name"], "{format}");
        assert_eq!(again["items"][0]["approval"], sys["approval"], "{format}");
        assert_eq!(
            again["items"][0]["info_types"], sys["info_types"],
            "{format}"
        );
        assert_eq!(
            again["items"][0]["protection"], sys["protection"],
            "{format}"
        );
    }
});

both_backends!(
    a_csv_with_bad_rows_writes_nothing_and_names_each_problem,
    |t| {
        let tok = t.login("coord").await;
        let csv = format!(
            "{SYSTEMS_CSV}STC-BAD,Hệ thống cấp 7,STC,internal,,7,,,,,,,,\n\
         NO-OWNER,Không có chủ quản,,internal,,2,,,,,,,,\n\
         GHOST,Chủ quản không tồn tại,SỞ-MA,internal,,2,,,,,,,,\n\
         STC-DVC,Trùng mã,STC,internal,,1,,,,,,,,\n"
        );
        let before = system_count(&t, &tok).await;
        let (s, body) = t
            .import(&tok, "systems", "systems.csv", csv.into(), "")
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        let errs = rejected(&body);
        assert!(
            errs.contains(&(
                Some(4),
                Some("proposed_level".into()),
                "security level 7 is outside 1–5".into()
            )),
            "{errs:?}"
        );
        assert!(
            errs.iter()
                .any(|e| e.0 == Some(5) && e.1.as_deref() == Some("owner") && e.2 == "is required"),
            "{errs:?}"
        );
        assert!(
            errs.iter().any(|e| e.0 == Some(6)
                && e.1.as_deref() == Some("owner")
                && e.2.contains("SỞ-MA")),
            "{errs:?}"
        );
        assert!(
            errs.iter().any(|e| e.0 == Some(7)
                && e.1.as_deref() == Some("code")
                && e.2.contains("more than once")),
            "{errs:?}"
        );
        assert_eq!(
            system_count(&t, &tok).await,
            before,
            "a rejected file must write nothing"
        );

        // With keep_valid the good rows go in and the bad ones are listed.
        let (s, report) = t
            .import(
                &tok,
                "systems",
                "systems.csv",
                body_csv_again(),
                "&keep_valid=true",
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{report}");
        assert_eq!(report["created"], 2);
        assert_eq!(report["rejected"].as_array().unwrap().len(), 1);
        assert_eq!(system_count(&t, &tok).await, before + 2);
    }
);

fn body_csv_again() -> Vec<u8> {
    format!("{SYSTEMS_CSV}STC-BAD,Hệ thống cấp 7,STC,internal,,7,,,,,,,,\n").into_bytes()
}

both_backends!(assets_from_xlsx_with_a_bad_ip_are_rejected_whole, |t| {
    let tok = t.login("coord").await;
    let sys = t.system(t.agency_a, "STC-CTT").await;
    let _ = sys;
    let headers = [
        "system_code",
        "hostname",
        "role",
        "ips",
        "os_name",
        "software",
        "kbs",
    ];
    let good = vec![
        "STC-CTT".to_string(),
        "stc-web-01".into(),
        "server".into(),
        "14.160.1.10; 14.160.1.11".into(),
        "Windows Server".into(),
        "Microsoft|Exchange Server|15.2.986.5|dotted".into(),
        "KB5034127".into(),
    ];
    let mut bad = good.clone();
    bad[1] = "stc-db-01".into();
    bad[3] = "14.160.1.300".into();
    let xlsx = app::sheets::write_xlsx("Tài sản", &headers, &[good.clone(), bad]).unwrap();
    let (s, body) = t.import(&tok, "assets", "tai-san.xlsx", xlsx, "").await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(
        rejected(&body),
        vec![(
            Some(3),
            Some("ips".into()),
            "'14.160.1.300' is not an IPv4 or IPv6 address".into()
        )]
    );
    let (_, page) = t.get(&tok, "/api/v1/assets").await;
    assert!(page["items"].as_array().unwrap().is_empty());

    let xlsx = app::sheets::write_xlsx("Tài sản", &headers, &[good]).unwrap();
    let (s, report) = t.import(&tok, "assets", "tai-san.xlsx", xlsx, "").await;
    assert_eq!(s, StatusCode::OK, "{report}");
    let (_, page) = t.get(&tok, "/api/v1/assets").await;
    let a = &page["items"][0];
    assert_eq!(a["ips"], serde_json::json!(["14.160.1.10", "14.160.1.11"]));
    assert_eq!(a["software"][0]["version"], "15.2.986.5");
    assert_eq!(a["kbs"][0], "KB5034127");
});

both_backends!(orgs_and_blocks_import_with_vietnamese_headers, |t| {
    let tok = t.login("coord").await;
    let csv = "Tên viết tắt;Tên đơn vị;Loại đơn vị;Đơn vị cấp trên;Người liên hệ;Điện thoại;Dải địa chỉ IP\n\
               UBND-SH;Ủy ban nhân dân huyện Sơn Hà;district;;Trần Thị Bích Ngọc;0255 3861 234;113.161.20.0/28\n\
               UBND-XA;Ủy ban nhân dân xã Sơn Hải;commune;UBND-SH;;;\n";
    let (s, report) = t.import(&tok, "orgs", "don-vi.csv", csv.into(), "").await;
    assert_eq!(s, StatusCode::OK, "{report}");
    assert_eq!(report["created"], 2);
    let (_, page) = t.get(&tok, "/api/v1/orgs?q=Sơn Hải").await;
    let commune = &page["items"][0];
    assert_eq!(commune["name"], "Ủy ban nhân dân xã Sơn Hải");
    let (_, district) = t
        .get(&tok, &format!("/api/v1/orgs/{}", commune["parent_id"]))
        .await;
    assert_eq!(district["short_name"], "UBND-SH");
    assert_eq!(district["contacts"][0]["name"], "Trần Thị Bích Ngọc");

    let blocks =
        "org,cidr\nUBND-SH,113.161.21.0/29\nUBND-SH,2001:ee0:100::/48\nUBND-SH,10.0.0.1/24\n";
    let (s, body) = t
        .import(&tok, "blocks", "blocks.csv", blocks.into(), "")
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(rejected(&body)[0].0, Some(4));
    let blocks = "org,cidr\nUBND-SH,113.161.21.0/29\nUBND-SH,2001:ee0:100::/48\n";
    let (s, _) = t
        .import(&tok, "blocks", "blocks.csv", blocks.into(), "")
        .await;
    assert_eq!(s, StatusCode::OK);
    let (_, district) = t
        .get(&tok, &format!("/api/v1/orgs/{}", commune["parent_id"]))
        .await;
    assert_eq!(district["address_blocks"].as_array().unwrap().len(), 3);
});

both_backends!(empty_and_broken_files_are_refused_plainly, |t| {
    let tok = t.login("coord").await;
    for (name, bytes, expect) in [
        ("empty.csv", Vec::new(), "empty"),
        (
            "header-only.csv",
            b"code,name,owner,function_type\n".to_vec(),
            "no data rows",
        ),
        (
            "broken.xlsx",
            b"PK\x03\x04 not really a workbook".to_vec(),
            "XLSX",
        ),
        (
            "wrong-columns.csv",
            "mã,tên\nA,B\n".as_bytes().to_vec(),
            "unknown column",
        ),
    ] {
        let (s, body) = t.import(&tok, "systems", name, bytes, "").await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{name}: {body}");
        let first = body["error"]["details"]["rejected"][0]["reason"]
            .as_str()
            .unwrap()
            .to_string();
        assert!(
            first.to_lowercase().contains(&expect.to_lowercase()),
            "{name}: {first}"
        );
    }
    let (s, _) = t
        .import(&tok, "nonsense", "x.csv", b"a\n1\n".to_vec(), "")
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
});

/// A 100 000-row file whose very last row is bad: the whole file is refused,
/// the bad row is named, and not one of the 99 999 good rows is written.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_100k_row_file_with_one_bad_row_writes_nothing() {
    let t = common::TestApp::spawn(common::Db::Sqlite, Default::default()).await;
    t.system(t.agency_a, "BIG-1").await;
    let mut csv = String::from("system_code,hostname,role,ips\n");
    for i in 0..99_999u32 {
        csv.push_str(&format!(
            "BIG-1,host-{i},server,14.{}.{}.{}\n",
            160 + (i >> 16),
            (i >> 8) & 255,
            i & 255
        ));
    }
    csv.push_str("BIG-1,host-last,server,14.160.0.256\n");
    let tok = t.login("coord").await;
    let (s, body) = t
        .import(&tok, "assets", "big.csv", csv.into_bytes(), "")
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        rejected(&body),
        vec![(
            Some(100_001),
            Some("ips".into()),
            "'14.160.0.256' is not an IPv4 or IPv6 address".into()
        )]
    );
    assert_eq!(body["error"]["details"]["rows"], 100_000);
    let (_, page) = t.get(&tok, "/api/v1/assets?limit=1").await;
    assert!(page["items"].as_array().unwrap().is_empty());
}
