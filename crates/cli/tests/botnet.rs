//! Botnet lists: each listed IP to its owner (an agency's block inside an
//! operator's space goes to the agency), bad lines reject the whole list,
//! special addresses are reported apart, owners see only their own.

mod common;
use common::AuthExt;

use reqwest::StatusCode;
use serde_json::{json, Value};

async fn import(t: &common::TestApp, tok: &str, body: &str, query: &str) -> (StatusCode, Value) {
    let r = reqwest::Client::new()
        .post(t.url(&format!("/api/v1/botnet/import?{query}")))
        .auth(tok)
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    let s = r.status();
    (s, r.json().await.unwrap_or(Value::Null))
}

async fn give_agency_a_block(t: &common::TestApp) {
    let coord = t.login("coord").await;
    let (_, org) = t.get(&coord, &format!("/api/v1/orgs/{}", t.agency_a)).await;
    let mut org = org;
    org["address_blocks"] = json!(["14.160.10.0/28"]);
    let (s, e) = t
        .call(
            &coord,
            reqwest::Method::PUT,
            &format!("/api/v1/orgs/{}", t.agency_a),
            Some(org),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{e}");
}

const LIST: &str = "# Danh sách IP mạng Botnet tháng 01/2025\n\
14.160.10.5\n\
14.170.1.1 ; mirai\n\
8.8.8.8\n\
10.1.2.3\n\
\n\
14.160.10.5\n\
2001:db8::1\n";

both_backends!(each_listed_ip_goes_to_the_most_specific_owner, |t| {
    give_agency_a_block(&t).await;
    let coord = t.login("coord").await;
    let (s, r) = import(
        &t,
        &coord,
        LIST,
        "source=C%E1%BB%A5c%20ATTT&period=2025-01&file_name=botnet-2025-01.txt&format=text",
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{r}");
    assert_eq!(r["listed"], 3, "{r}");
    assert_eq!(r["duplicates"], 1);
    assert_eq!(r["unknown_owner"], 1, "8.8.8.8 is in no registered block");
    let special: Vec<&str> = r["special"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["kind"].as_str().unwrap())
        .collect();
    assert_eq!(special, ["private", "documentation"]);
    let list = r["list_id"].as_i64().unwrap();

    let (_, owners) = t
        .get(&coord, &format!("/api/v1/botnet/lists/{list}/owners"))
        .await;
    let by_name: Vec<(String, i64)> = owners["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            (
                o["name"].as_str().unwrap().to_string(),
                o["count"].as_i64().unwrap(),
            )
        })
        .collect();
    assert!(
        by_name.contains(&("STC".into(), 1)),
        "the agency's own block wins: {by_name:?}"
    );
    assert!(
        by_name.contains(&("VNPT".into(), 1)),
        "the operator's space holds the rest: {by_name:?}"
    );
    let (_, rows) = t
        .get(
            &coord,
            &format!(
                "/api/v1/botnet/lists/{list}/listings?owner_org_id={}",
                t.agency_a
            ),
        )
        .await;
    assert_eq!(rows["items"][0]["ip"], "14.160.10.5");
    assert_eq!(rows["items"][0]["matched_block"], "14.160.10.0/28");

    // Owners see their own addresses only.
    let officer = t.login("a.officer").await;
    let (_, mine) = t
        .get(&officer, &format!("/api/v1/botnet/lists/{list}/listings"))
        .await;
    let ips: Vec<&str> = mine["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["ip"].as_str().unwrap())
        .collect();
    assert_eq!(ips, ["14.160.10.5"]);
    let isp = t.login("isp.operator").await;
    let (_, theirs) = t
        .get(&isp, &format!("/api/v1/botnet/lists/{list}/owners"))
        .await;
    // An operator sees the addresses in its space: its own customers' and
    // the agency whose block lies inside it, nobody else's.
    let mut names: Vec<&str> = theirs["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["name"].as_str().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, ["STC", "VNPT"]);
    let (s, _) = import(&t, &officer, LIST, "source=x&period=2025-02").await;
    assert_eq!(
        s,
        StatusCode::FORBIDDEN,
        "only the coordinator imports lists"
    );
    // The same source and month twice is a conflict, not a second copy.
    let (s, _) = import(
        &t,
        &coord,
        LIST,
        "source=C%E1%BB%A5c%20ATTT&period=2025-01&format=text",
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT);
});

both_backends!(a_bad_line_rejects_the_whole_list_unless_kept, |t| {
    let coord = t.login("coord").await;
    let list = "14.170.1.1\n14.170.1.300\n14.170.1.2\n";
    let (s, r) = import(&t, &coord, list, "source=own&period=2025-03&format=text").await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r["error"]["details"]["rejected"][0]["row"], 2);
    let (_, lists) = t.get(&coord, "/api/v1/botnet/lists").await;
    assert!(
        lists["items"].as_array().unwrap().is_empty(),
        "nothing written"
    );
    let (s, r) = import(
        &t,
        &coord,
        list,
        "source=own&period=2025-03&format=text&keep_valid=true",
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{r}");
    assert_eq!(r["listed"], 2);
    let (s, _) = import(&t, &coord, list, "source=own&period=2025-13&format=text").await;
    assert_eq!(
        s,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a month that does not exist"
    );
});

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_feodo_list_and_a_shadowserver_report_import_from_the_cli() {
    let t = common::TestApp::spawn(common::Db::Sqlite, Default::default()).await;
    let data = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../netmatch/tests/data");
    for (file, period) in [
        ("ipblocklist.csv", "2024-04"),
        ("event4_sinkhole.csv", "2024-05"),
    ] {
        let path = data.join(file);
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_canhgac"))
            .args(t.db_args())
            .args([
                "botnet",
                "import",
                path.to_str().unwrap(),
                "--source",
                "public",
                "--period",
                period,
                "--keep-valid",
            ])
            .env("CANHGAC_LOG", "warn")
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{file}: {text} {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(text.contains("listed IPs"), "{text}");
    }
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_canhgac"))
        .args(t.db_args())
        .args(["botnet", "lists"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).lines().count() >= 1);
}

both_backends!(month_over_month_new_still_listed_and_cleaned, |t| {
    let coord = t.login("coord").await;
    for (period, list) in [
        ("2025-01", "14.170.0.1\n14.170.0.2\n"),
        ("2025-02", "14.170.0.1\n14.170.0.3\n"),
        ("2025-03", "14.170.0.1\n14.170.0.3\n14.170.0.4\n"),
    ] {
        let (s, r) = import(
            &t,
            &coord,
            list,
            &format!("source=national&period={period}&format=text"),
        )
        .await;
        assert_eq!(s, StatusCode::CREATED, "{r}");
    }
    // Another source's list never counts as the previous month.
    let (s, _) = import(
        &t,
        &coord,
        "14.170.0.9\n",
        "source=shadowserver&period=2025-02&format=text",
    )
    .await;
    assert_eq!(s, StatusCode::CREATED);
    let (_, lists) = t.get(&coord, "/api/v1/botnet/lists").await;
    let march = lists["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["period"] == "2025-03")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let (_, ch) = t
        .get(&coord, &format!("/api/v1/botnet/lists/{march}/changes"))
        .await;
    let status: Vec<(String, String, i64)> = ch["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["ip"].as_str().unwrap().into(),
                i["status"].as_str().unwrap().into(),
                i["consecutive"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        status,
        [
            ("14.170.0.1".to_string(), "still_listed".to_string(), 3),
            ("14.170.0.3".into(), "still_listed".into(), 2),
            ("14.170.0.4".into(), "new".into(), 1),
        ]
    );
    assert_eq!(
        (
            ch["new"].as_i64(),
            ch["still_listed"].as_i64(),
            ch["cleaned"].as_i64()
        ),
        (Some(1), Some(2), Some(0))
    );
    let feb = lists["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["period"] == "2025-02" && l["source"] == "national")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let (_, ch) = t
        .get(&coord, &format!("/api/v1/botnet/lists/{feb}/changes"))
        .await;
    assert_eq!(
        ch["cleaned"], 1,
        "14.170.0.2 was listed in January, not in February"
    );
    // An agency with no listed address sees nothing of the operator's.
    let (_, mine) = t
        .get(
            &t.login("a.officer").await,
            &format!("/api/v1/botnet/lists/{march}/changes"),
        )
        .await;
    assert!(mine["items"].as_array().unwrap().is_empty());
});
