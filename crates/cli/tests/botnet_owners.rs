//! Botnet lists against the operators' real prefix lists: owners, operators'
//! customer counts checked by a naive scan, listings linked to the assets
//! that hold them, clean-up notes and reinfection, XLSX lists, the reports.

mod common;
use common::AuthExt;

use reqwest::StatusCode;
use serde_json::{json, Value};
use std::net::Ipv4Addr;

fn data(file: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../netmatch/tests/data")
        .join(file)
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

async fn download(t: &common::TestApp, tok: &str, path: &str) -> (StatusCode, Vec<u8>) {
    let r = t.fetch(tok, path).await;
    (r.status(), r.bytes().await.unwrap().to_vec())
}

/// A second operator, Viettel, known by its ASN only (no registry blocks).
async fn viettel(t: &common::TestApp, coord: &str) -> i64 {
    let (s, org) = t
        .post(
            coord,
            "/api/v1/orgs",
            json!({"name": "Viettel Sơn Hà", "short_name": "Viettel", "org_type": "isp", "asns": ["AS7552"]}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{org}");
    org["id"].as_i64().unwrap()
}

fn parse_prefixes(file: &str) -> Vec<(u32, u8)> {
    std::fs::read_to_string(data(file))
        .unwrap()
        .lines()
        .filter_map(|l| {
            let (a, n) = l.trim().split_once('/')?;
            Some((u32::from(a.parse::<Ipv4Addr>().ok()?), n.parse().ok()?))
        })
        .collect()
}

fn inside(ip: Ipv4Addr, prefixes: &[(u32, u8)]) -> bool {
    let ip = u32::from(ip);
    prefixes.iter().any(|&(net, len)| {
        let mask = if len == 0 { 0 } else { u32::MAX << (32 - len) };
        ip & mask == net & mask
    })
}

both_backends!(
    operator_space_from_prefix_lists_and_counts_cross_checked,
    |t| {
        let coord = t.login("coord").await;
        let viettel = viettel(&t, &coord).await;
        let (s, r) = upload(
            &t,
            &coord,
            "/api/v1/botnet/prefixes?file_name=AS7552-ipv4-aggregated.txt",
            std::fs::read(data("AS7552-ipv4-aggregated.txt")).unwrap(),
        )
        .await;
        assert_eq!(s, StatusCode::CREATED, "{r}");
        assert_eq!(r["asns"], json!([7552]));
        // The same prefixes as prefix,asn,name CSV, for another ASN, one bad row.
        let csv = "prefix,asn,name\n203.113.128.0/18,AS45899,VNPT\n1.2.3/24,45899,VNPT\n";
        let (s, r) = upload(
            &t,
            &coord,
            "/api/v1/botnet/prefixes?file_name=vnpt.csv",
            csv.into(),
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{r}");
        assert_eq!(r["error"]["details"]["rejected"][0]["row"], 3, "{r}");
        let (_, known) = t.get(&coord, "/api/v1/botnet/prefixes").await;
        assert_eq!(
            known["items"].as_array().unwrap().len(),
            1,
            "the bad CSV wrote nothing: {known}"
        );

        // A list of addresses spread over Viettel's space, VNPT's registry block
        // and elsewhere; the count per operator must equal a naive scan.
        let viettel_space = parse_prefixes("AS7552-ipv4-aggregated.txt");
        let vnpt_space = vec![(u32::from(Ipv4Addr::new(14, 160, 0, 0)), 11u8)];
        let mut list = String::new();
        let mut x: u32 = 0x2545_F491;
        let mut ips = Vec::new();
        for i in 0..3000u32 {
            // A small deterministic generator; every third address from Viettel's space.
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            let ip = if i % 3 == 0 {
                let (net, len) = viettel_space[(x as usize) % viettel_space.len()];
                Ipv4Addr::from(net | (x & (u32::MAX >> len)))
            } else if i % 3 == 1 {
                Ipv4Addr::from(u32::from(Ipv4Addr::new(14, 160, 0, 0)) | (x & 0x001F_FFFF))
            } else {
                Ipv4Addr::from(x)
            };
            if netmatch::classify(ip.into()).is_none() {
                ips.push(ip);
                list.push_str(&format!("{ip}\n"));
            }
        }
        ips.sort();
        ips.dedup();
        let (s, r) = upload(
            &t,
            &coord,
            "/api/v1/botnet/import?source=national&period=2025-01&format=text",
            list.into_bytes(),
        )
        .await;
        assert_eq!(s, StatusCode::CREATED, "{r}");
        let list_id = r["list_id"].as_i64().unwrap();
        let expect_viettel = ips.iter().filter(|ip| inside(**ip, &viettel_space)).count();
        let expect_vnpt = ips.iter().filter(|ip| inside(**ip, &vnpt_space)).count();
        assert!(expect_viettel > 500 && expect_vnpt > 500);
        let (_, isps) = t
            .get(&coord, &format!("/api/v1/botnet/lists/{list_id}/isps"))
            .await;
        let count_of = |v: &Value, id: i64| {
            v["items"]
                .as_array()
                .unwrap()
                .iter()
                .find(|o| o["org_id"] == id)
                .map_or(0, |o| o["count"].as_i64().unwrap() as usize)
        };
        assert_eq!(count_of(&isps, viettel), expect_viettel);
        assert_eq!(count_of(&isps, t.isp), expect_vnpt);

        // Each operator sees its own space only.
        let (s, op) = t
            .post(
                &coord,
                "/api/v1/users",
                json!({"username": "viettel.op", "display_name": "Trực Viettel", "org_id": viettel,
                   "role": "isp_operator", "password": common::PASSWORD}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{op}");
        let vt = t.login("viettel.op").await;
        let (_, seen) = t
            .get(
                &vt,
                &format!("/api/v1/botnet/lists/{list_id}/listings?limit=10000"),
            )
            .await;
        let seen = seen["items"].as_array().unwrap();
        assert_eq!(seen.len(), expect_viettel);
        assert!(seen
            .iter()
            .all(|r| inside(r["ip"].as_str().unwrap().parse().unwrap(), &viettel_space)));
        let vnpt_op = t.login("isp.operator").await;
        let (_, theirs) = t
            .get(&vnpt_op, &format!("/api/v1/botnet/lists/{list_id}/isps"))
            .await;
        assert_eq!(
            count_of(&theirs, viettel),
            0,
            "VNPT sees nothing of Viettel's"
        );
        assert_eq!(count_of(&theirs, t.isp), expect_vnpt);
        let (s, _) = download(
            &t,
            &vnpt_op,
            &format!("/api/v1/botnet/lists/{list_id}/listings.csv"),
        )
        .await;
        assert_eq!(s, StatusCode::OK);
        let (_, csv) = download(
            &t,
            &vt,
            &format!("/api/v1/botnet/lists/{list_id}/listings.csv"),
        )
        .await;
        let csv = String::from_utf8(csv).unwrap();
        assert_eq!(
            csv.lines().count(),
            expect_viettel + 1,
            "header and one row per address"
        );
        // An agency officer sees none of it (its block is not listed here).
        let (_, mine) = t
            .get(
                &t.login("a.officer").await,
                &format!("/api/v1/botnet/lists/{list_id}/listings"),
            )
            .await;
        assert_eq!(mine["items"], json!([]));
    }
);

both_backends!(listings_link_to_assets_and_cleanups_are_tracked, |t| {
    let coord = t.login("coord").await;
    let system = t.system(t.agency_a, "STC-WEB").await;
    let asset = t
        .asset(system, "web01.stc.sonha.gov.vn", "14.160.10.5")
        .await;
    let mut org = t
        .get(&coord, &format!("/api/v1/orgs/{}", t.agency_a))
        .await
        .1;
    org["address_blocks"] = json!(["14.160.10.0/28"]);
    let (s, _) = t
        .call(
            &coord,
            reqwest::Method::PUT,
            &format!("/api/v1/orgs/{}", t.agency_a),
            Some(org),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let mut ids = std::collections::BTreeMap::new();
    // January and February in a row, then a gap, then April.
    for (period, list) in [
        ("2025-01", "14.160.10.5\n14.160.10.6\n"),
        ("2025-02", "14.160.10.6\n"),
        ("2025-04", "14.160.10.5\n14.160.10.6\n"),
    ] {
        let (s, r) = upload(
            &t,
            &coord,
            &format!("/api/v1/botnet/import?source=national&period={period}&format=text"),
            list.into(),
        )
        .await;
        assert_eq!(s, StatusCode::CREATED, "{r}");
        ids.insert(period, r["list_id"].as_i64().unwrap());
    }
    let jan = ids["2025-01"];
    let officer = t.login("a.officer").await;
    let (_, rows) = t
        .get(
            &officer,
            &format!("/api/v1/botnet/lists/{jan}/listings?ip=14.160.10.5"),
        )
        .await;
    assert_eq!(rows["items"][0]["asset_id"], asset, "{rows}");
    assert_eq!(rows["items"][0]["system_id"], system);
    // The owner's file names the asset and the organisation, never their ids.
    let (s, bytes) = download(
        &t,
        &officer,
        &format!("/api/v1/botnet/lists/{jan}/listings.xlsx"),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let table = app::sheets::read(&bytes, app::sheets::Format::Xlsx).unwrap();
    let col = |h: &str| table.headers.iter().position(|x| x == h).unwrap();
    let row = table
        .rows
        .iter()
        .find(|r| r.cells[col("Địa chỉ IP")] == "14.160.10.5")
        .expect("the listed address");
    assert_eq!(row.cells[col("Tài sản")], "web01.stc.sonha.gov.vn");
    let code = &row.cells[col("Hệ thống")];
    assert!(!code.is_empty() && *code != system.to_string(), "{code}");
    assert!(!row.cells[col("Đơn vị")].is_empty());

    // Another agency cannot mark it; the owner can, with a note.
    let other = t.login("b.officer").await;
    let (s, _) = t
        .post(
            &other,
            &format!("/api/v1/botnet/lists/{jan}/cleanups"),
            json!({"ip": "14.160.10.5", "note": "x"}),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, e) = t
        .post(
            &officer,
            &format!("/api/v1/botnet/lists/{jan}/cleanups"),
            json!({"ip": "14.160.10.5", "note": "  "}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    let (s, e) = t
        .post(
            &officer,
            &format!("/api/v1/botnet/lists/{jan}/cleanups"),
            json!({"ip": "14.160.10.5", "note": "Cài lại hệ điều hành, đổi mật khẩu quản trị"}),
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{e}");
    let (s, _) = t
        .post(
            &officer,
            &format!("/api/v1/botnet/lists/{jan}/cleanups"),
            json!({"ip": "14.160.10.5", "note": "again"}),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT);

    let feb = ids["2025-02"];
    let (_, ch) = t
        .get(&officer, &format!("/api/v1/botnet/lists/{feb}/changes"))
        .await;
    assert_eq!(
        (ch["cleaned"].as_i64(), ch["still_listed"].as_i64()),
        (Some(1), Some(1)),
        "{ch}"
    );
    // April follows a gap: nothing counts as months in a row, and the
    // address cleaned in January is back: reinfected.
    let apr = ids["2025-04"];
    let (_, ch) = t
        .get(&officer, &format!("/api/v1/botnet/lists/{apr}/changes"))
        .await;
    let items = ch["items"].as_array().unwrap();
    let five = items.iter().find(|i| i["ip"] == "14.160.10.5").unwrap();
    let six = items.iter().find(|i| i["ip"] == "14.160.10.6").unwrap();
    assert_eq!(five["reinfected"], true, "{ch}");
    assert_eq!(five["consecutive"], 1);
    assert_eq!(six["consecutive"], 1, "February and April are not in a row");
    assert_eq!(six["reinfected"], false);
    assert_eq!(ch["reinfected"], 1);

    // The audit log recorded the note.
    let (_, audit) = t.get(&coord, "/api/v1/audit?action=mark_cleaned").await;
    assert_eq!(audit["items"].as_array().unwrap().len(), 1, "{audit}");

    // The monthly report, parsed back: the agency's line in the DOCX table.
    let (s, docx) = download(
        &t,
        &coord,
        &format!("/api/v1/botnet/lists/{apr}/report.docx"),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let doc = docgen::read_text(&docx).unwrap();
    let text = doc.all_text();
    assert!(
        text.contains("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"),
        "{text}"
    );
    assert!(text.contains("tháng 04/2025"), "{text}");
    // The trend of the source's lists month by month, drawn.
    assert_eq!(doc.pictures, 1, "{text}");
    assert!(
        text.contains("Biểu đồ 1: Số địa chỉ IP mạng botnet trong danh sách theo tháng"),
        "{text}"
    );
    // No "Kính gửi", so no "Như trên" under "Nơi nhận".
    assert!(!text.contains("Như trên"), "{text}");
    let table = doc
        .table_starting_with(&["Đơn vị", "Số IP", "Mới"])
        .expect("the per-owner table");
    let stc = table.iter().find(|r| r[0] == "STC").expect("STC's line");
    // listed 2, new 1 (.5 is back after February), still 1 (.6 was in February), reinfected 1
    assert_eq!(&stc[1..6], ["2", "1", "1", "0", "1"], "{table:?}");
    let (s, xlsx) = download(
        &t,
        &coord,
        &format!("/api/v1/botnet/lists/{apr}/report.xlsx"),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let summary = app::sheets::read(&xlsx, app::sheets::Format::Xlsx).unwrap();
    let listed = summary
        .rows
        .iter()
        .find(|r| r.cells[0] == "Số địa chỉ IP trong danh sách")
        .unwrap();
    assert_eq!(listed.cells[1], "2");
    // The officer's report covers its own organisation only; another's is empty.
    let (s, _) = download(
        &t,
        &other,
        &format!("/api/v1/botnet/lists/{apr}/report.xlsx"),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let (_, trend) = t
        .get(&officer, "/api/v1/botnet/trend?source=national")
        .await;
    let points: Vec<(String, i64)> = trend["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["period"].as_str().unwrap().into(),
                p["count"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        points,
        [
            ("2025-01".into(), 2),
            ("2025-02".into(), 1),
            ("2025-04".into(), 2)
        ]
    );
});

both_backends!(an_xlsx_list_imports_with_its_row_numbers, |t| {
    let coord = t.login("coord").await;
    let rows = vec![
        vec![
            "14.160.20.1".to_string(),
            "mirai".to_string(),
            "2025-01-03 10:00:00".to_string(),
        ],
        vec!["14.160.20.2".to_string(), "".to_string(), "".to_string()],
        vec!["not-an-ip".to_string(), "".to_string(), "".to_string()],
    ];
    let xlsx = app::sheets::write_xlsx("IP", &["ip", "malware", "timestamp"], &rows).unwrap();
    let (s, r) = upload(
        &t,
        &coord,
        "/api/v1/botnet/import?source=national&period=2025-01&file_name=botnet.xlsx",
        xlsx.clone(),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{r}");
    assert_eq!(
        r["error"]["details"]["rejected"][0]["row"], 4,
        "the sheet's own row: {r}"
    );
    let (s, r) = upload(
        &t,
        &coord,
        "/api/v1/botnet/import?source=national&period=2025-01&file_name=botnet.xlsx&keep_valid=true",
        xlsx,
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{r}");
    assert_eq!(r["listed"], 2);
    let list = r["list_id"].as_i64().unwrap();
    let (_, owners) = t
        .get(&coord, &format!("/api/v1/botnet/lists/{list}/owners"))
        .await;
    assert_eq!(
        owners["items"][0]["families"],
        json!([["mirai", 1]]),
        "{owners}"
    );
    // A dry run counts and writes nothing.
    let (s, r) = upload(
        &t,
        &coord,
        "/api/v1/botnet/import?source=national&period=2025-02&format=text&dry_run=true",
        "14.160.20.1\n".into(),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert_eq!(
        (r["listed"].as_i64(), r["committed"].as_bool()),
        (Some(1), Some(false))
    );
    let (_, lists) = t.get(&coord, "/api/v1/botnet/lists").await;
    assert_eq!(lists["items"].as_array().unwrap().len(), 1);
});

both_backends!(ipv6_addresses_go_to_the_most_specific_ipv6_block, |t| {
    let coord = t.login("coord").await;
    for (org, blocks) in [
        (
            t.isp,
            serde_json::json!(["14.160.0.0/11", "2405:4800::/32"]),
        ),
        (t.agency_b, serde_json::json!(["2405:4800:1234::/48"])),
    ] {
        let (_, mut o) = t.get(&coord, &format!("/api/v1/orgs/{org}")).await;
        o["address_blocks"] = blocks;
        let (s, e) = t
            .call(
                &coord,
                reqwest::Method::PUT,
                &format!("/api/v1/orgs/{org}"),
                Some(o),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{e}");
    }
    let list = "2405:4800:1234::10\n2405:4800:ffff::1\n2a00:1450::1\n";
    let (s, r) = upload(
        &t,
        &coord,
        "/api/v1/botnet/import?source=national&period=2025-01&format=text",
        list.into(),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{r}");
    let id = r["list_id"].as_i64().unwrap();
    let (_, rows) = t
        .get(&coord, &format!("/api/v1/botnet/lists/{id}/listings"))
        .await;
    let owners: Vec<(String, Value, Value)> = rows["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["ip"].as_str().unwrap().to_string(),
                r["owner_org_id"].clone(),
                r["isp_org_id"].clone(),
            )
        })
        .collect();
    assert_eq!(
        owners,
        [
            (
                "2405:4800:1234::10".to_string(),
                json!(t.agency_b),
                json!(t.isp)
            ),
            ("2405:4800:ffff::1".to_string(), json!(t.isp), json!(t.isp)),
            ("2a00:1450::1".to_string(), Value::Null, Value::Null),
        ]
    );
});
