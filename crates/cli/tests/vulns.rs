//! Vulnerability warnings end to end: the real feed records imported, a
//! warning recorded and published, the inventory matched with evidence,
//! findings worked through their transitions, the report parsed back, and
//! each organisation seeing only its own.

mod common;
use common::AuthExt;

use reqwest::StatusCode;
use serde_json::{json, Value};

fn shared(path: &str) -> Vec<u8> {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        // The real records, kept in the repository beside the engine's tests.
        .join("../vulnmatch/tests/data")
        .join(path);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

async fn feed(t: &common::TestApp, tok: &str, name: &str, body: Vec<u8>) -> (StatusCode, Value) {
    let r = reqwest::Client::new()
        .post(t.url(&format!("/api/v1/vulns/feeds?file_name={name}")))
        .auth(tok)
        .body(body)
        .send()
        .await
        .unwrap();
    let s = r.status();
    (s, r.json().await.unwrap_or(Value::Null))
}

async fn asset(
    t: &common::TestApp,
    system: i64,
    host: &str,
    software: &str,
    modules: &[&str],
    hotfixes: &[&str],
) -> i64 {
    let mut input: domain::AssetInput = serde_json::from_value(json!({
        "system_id": system, "hostname": host, "role": "appliance",
        "modules": modules, "hotfixes": hotfixes
    }))
    .unwrap_or_else(|e| panic!("{e}"));
    input.software = vec![software.parse().unwrap()];
    t.app.create_asset(&t.coordinator, &input).await.unwrap().id
}

both_backends!(a_warning_from_record_to_patched, |t| {
    let coord = t.login("coord").await;
    for (name, path) in [
        ("CVE-2023-46747.json", "cve5/CVE-2023-46747.json"),
        ("nvd-CVE-2023-46747.json", "nvd/CVE-2023-46747.json"),
        ("CVE-2024-21762.json", "cve5/CVE-2024-21762.json"),
        (
            "known_exploited_vulnerabilities.json",
            "known_exploited_vulnerabilities.json",
        ),
    ] {
        let (s, r) = feed(&t, &coord, name, shared(path)).await;
        assert_eq!(s, StatusCode::CREATED, "{name}: {r}");
        assert!(r["problems"].as_array().unwrap().is_empty(), "{name}: {r}");
    }
    // The same file again changes nothing.
    let (_, again) = feed(
        &t,
        &coord,
        "CVE-2024-21762.json",
        shared("cve5/CVE-2024-21762.json"),
    )
    .await;
    assert_eq!(again["records"], 0, "{again}");
    // A broken record is reported with where it broke; nothing else is lost.
    let (s, bad) = feed(
        &t,
        &coord,
        "broken.json",
        b"{\"vulnerabilities\": [{\"cve\": {\"id\": 5}}]}".to_vec(),
    )
    .await;
    assert!(
        s == StatusCode::CREATED || s == StatusCode::UNPROCESSABLE_ENTITY,
        "{bad}"
    );

    let sys_a = t.system(t.agency_a, "STC-CONG").await;
    let sys_b = t.system(t.agency_b, "SYT-VPN").await;
    let bigip = asset(
        &t,
        sys_a,
        "bigip01",
        "F5|BIG-IP|17.1.0.3|dotted",
        &["LTM", "APM"],
        &[],
    )
    .await;
    let patched = asset(
        &t,
        sys_a,
        "bigip02",
        "F5|BIG-IP|17.1.0.3|dotted",
        &["LTM", "APM"],
        &["Hotfix-BIGIP-17.1.0.3.0.75.4-ENG"],
    )
    .await;
    let forti = asset(&t, sys_b, "fw01", "Fortinet|FortiOS|7.2.6|dotted", &[], &[]).await;
    let forti_new = asset(&t, sys_b, "fw02", "Fortinet|FortiOS|7.2.7|dotted", &[], &[]).await;
    // A version nobody can order: listed as "cannot be evaluated", never passed silently.
    let forti_unknown = asset(&t, sys_b, "fw03", "Fortinet|FortiOS|latest|other", &[], &[]).await;

    // An officer does not record warnings; a bad CVE is named by its field.
    let officer_a = t.login("a.officer").await;
    let w = json!({"number": "1234/CATTT-NCSC", "issued_on": "2024-02-12", "title": "Lỗ hổng F5 BIG-IP và FortiOS",
                   "cves": ["CVE-2023-46747", "CVE-2024-21762"], "required_action": "Cập nhật bản vá", "deadline": "2099-12-31"});
    let (s, _) = t
        .post(&officer_a, "/api/v1/vulns/warnings", w.clone())
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let mut bad = w.clone();
    bad["cves"] = json!(["CVE-2023-46747", "CVE-23-1"]);
    let (s, e) = t.post(&coord, "/api/v1/vulns/warnings", bad).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(e["error"]["details"][0]["field"], "cves[1]", "{e}");
    let (s, created) = t.post(&coord, "/api/v1/vulns/warnings", w.clone()).await;
    assert_eq!(s, StatusCode::CREATED, "{created}");
    let wid = created["id"].as_i64().unwrap();
    let (s, _) = t.post(&coord, "/api/v1/vulns/warnings", w).await;
    assert_eq!(s, StatusCode::CONFLICT, "the same number twice");

    let (s, run) = t
        .post(
            &coord,
            &format!("/api/v1/vulns/warnings/{wid}/publish"),
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{run}");
    assert_eq!(run["new"], 2, "bigip01 and fw01: {run}");
    assert!(
        run["excluded_by_hotfix"].as_i64().unwrap() >= 1,
        "bigip02's hotfix: {run}"
    );

    let (_, status) = t
        .get(&coord, &format!("/api/v1/vulns/warnings/{wid}"))
        .await;
    let assets: Vec<i64> = status["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["asset_id"].as_i64().unwrap())
        .collect();
    assert!(
        assets.contains(&bigip) && assets.contains(&forti),
        "{status}"
    );
    assert!(
        !assets.contains(&patched)
            && !assets.contains(&forti_new)
            && !assets.contains(&forti_unknown),
        "{status}"
    );
    assert!(run["unevaluable"].as_i64().unwrap() >= 1, "{run}");
    let unev = status["unevaluable"].as_array().unwrap();
    let fw03 = unev
        .iter()
        .find(|u| u["asset_id"] == forti_unknown)
        .unwrap_or_else(|| panic!("fw03 cannot be evaluated: {status}"));
    assert_eq!(fw03["cve"], "CVE-2024-21762", "{fw03}");
    assert!(
        fw03["reason"].as_str().unwrap().contains("latest"),
        "the reason names the version: {fw03}"
    );
    assert!(
        unev.iter().all(|u| u["asset_id"] == forti_unknown),
        "comparable versions are not listed: {status}"
    );
    let f_big = status["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["asset_id"] == bigip)
        .unwrap()
        .clone();
    // KEV lists CVE-2023-46747: exploitation is active; the deadline is no later than the warning's.
    assert_eq!(f_big["kev"], true);
    assert!(
        ["immediate", "out-of-cycle"].contains(&f_big["priority"].as_str().unwrap()),
        "{f_big}"
    );

    // Each agency sees its own findings only.
    let (_, mine) = t.get(&officer_a, "/api/v1/vulns/findings").await;
    let ids: Vec<i64> = mine["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["asset_id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, [bigip]);
    let fid = f_big["id"].as_i64().unwrap();
    let officer_b = t.login("b.officer").await;
    // So is the "cannot be evaluated" list.
    let (_, unev_a) = t.get(&officer_a, "/api/v1/vulns/unevaluable").await;
    assert_eq!(unev_a, json!([]), "agency A has no such asset");
    let (_, unev_b) = t.get(&officer_b, "/api/v1/vulns/unevaluable").await;
    assert_eq!(unev_b[0]["hostname"], "fw03", "{unev_b}");
    let (s, _) = t
        .get(&officer_b, &format!("/api/v1/vulns/findings/{fid}"))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = t
        .post(
            &officer_b,
            &format!("/api/v1/vulns/findings/{fid}/move"),
            json!({"action": "patch", "note": "x"}),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // The evidence says which record, rule and fact.
    let (_, detail) = t
        .get(&officer_a, &format!("/api/v1/vulns/findings/{fid}"))
        .await;
    assert!(
        detail["evidence"]["record"]
            .as_str()
            .unwrap()
            .contains("CVE-2023-46747"),
        "{detail}"
    );
    assert!(
        detail["evidence"]["inventory_fact"]
            .as_str()
            .unwrap()
            .contains("17.1.0.3"),
        "{detail}"
    );

    // The transitions: an officer cannot accept a risk; patching needs a note.
    let mv = |action: &str, note: Option<&str>, until: Option<&str>| json!({"action": action, "note": note, "until": until});
    let (s, _) = t
        .post(
            &officer_a,
            &format!("/api/v1/vulns/findings/{fid}/move"),
            mv("accept_risk", Some("x"), Some("2099-01-01")),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = t
        .post(
            &officer_a,
            &format!("/api/v1/vulns/findings/{fid}/move"),
            mv("patch", None, None),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let (s, d) = t
        .post(
            &officer_a,
            &format!("/api/v1/vulns/findings/{fid}/move"),
            mv("start", None, None),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{d}");
    let (s, d) = t
        .post(
            &officer_a,
            &format!("/api/v1/vulns/findings/{fid}/move"),
            mv("patch", Some("Cài Hotfix-BIGIP-17.1.0.3.0.75.4-ENG"), None),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{d}");
    assert_eq!(d["status"], "patched");
    let (s, _) = t
        .post(
            &officer_a,
            &format!("/api/v1/vulns/findings/{fid}/move"),
            mv("mitigate", Some("x"), None),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "patched cannot be mitigated");
    let actions: Vec<&str> = d["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["detect", "start", "patch"]);

    // Disputed: stays suppressed while the evidence is the same; the org_admin accepts risks.
    let f_forti = status["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["asset_id"] == forti)
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let (s, d) = t
        .post(
            &officer_b,
            &format!("/api/v1/vulns/findings/{f_forti}/move"),
            mv("dispute", Some("SSL VPN đã tắt"), None),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{d}");
    let (_, run) = t.post(&coord, "/api/v1/vulns/match", json!({})).await;
    assert_eq!(
        (run["new"].as_i64(), run["reopened"].as_i64()),
        (Some(0), Some(0)),
        "{run}"
    );
    // A database upgraded from before the compact forms (migration 0015):
    // the records are read from their JSON and the run is the same; the
    // next run reads the forms it stored.
    t.raw_sql("DELETE FROM vuln_match_forms").await;
    let (_, upgraded) = t.post(&coord, "/api/v1/vulns/match", json!({})).await;
    assert_eq!(upgraded, run);
    let (_, again) = t.post(&coord, "/api/v1/vulns/match", json!({})).await;
    assert_eq!(again, run);
    // The agency updates the firewall: the finding is resolved by the update.
    let mut updated: domain::AssetInput = serde_json::from_value(json!({
        "system_id": sys_b, "hostname": "fw01", "role": "appliance"}))
    .unwrap();
    updated.software = vec!["Fortinet|FortiOS|7.2.7|dotted".parse().unwrap()];
    t.app
        .update_asset(&t.coordinator, forti, &updated)
        .await
        .unwrap();
    let (_, run) = t.post(&coord, "/api/v1/vulns/match", json!({})).await;
    assert_eq!(run["resolved_by_update"], 1, "{run}");
    let (_, d) = t
        .get(&officer_b, &format!("/api/v1/vulns/findings/{f_forti}"))
        .await;
    assert_eq!(d["status"], "resolved_by_update");

    // The report, parsed back.
    let r = t
        .fetch(&coord, &format!("/api/v1/vulns/warnings/{wid}/report.docx"))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let doc = docgen::read_text(&r.bytes().await.unwrap()).unwrap();
    let text = doc.all_text();
    assert!(text.contains("Cảnh báo số 1234/CATTT-NCSC"), "{text}");
    let table = doc
        .table_starting_with(&["Đơn vị", "Tài sản bị ảnh hưởng"])
        .expect("per-organisation table");
    let stc = table.iter().find(|r| r[0] == "STC").expect("STC's line");
    assert_eq!(&stc[1..6], ["1", "1", "1", "0", "0"], "{table:?}");
    let r = t.fetch(&officer_a, "/api/v1/vulns/findings.csv").await;
    let csv = r.text().await.unwrap();
    assert_eq!(csv.lines().count(), 2, "{csv}");
});

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_command_line_imports_matches_and_reports() {
    let t = common::TestApp::spawn(common::Db::Sqlite, Default::default()).await;
    let sys = t.system(t.agency_a, "STC-FW").await;
    asset(&t, sys, "fw01", "Fortinet|FortiOS|7.2.6|dotted", &[], &[]).await;
    let data = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../vulnmatch/tests/data");
    let run = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_canhgac"))
            .args(t.db_args())
            .args(args)
            .env("CANHGAC_LOG", "warn")
            .output()
            .unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).to_string()
                + &String::from_utf8_lossy(&out.stderr),
        )
    };
    let (ok, text) = run(&[
        "vuln",
        "import",
        data.join("cve5/CVE-2024-21762.json").to_str().unwrap(),
        data.join("nvd/CVE-2024-21762.json").to_str().unwrap(),
        data.join("known_exploited_vulnerabilities.json")
            .to_str()
            .unwrap(),
    ]);
    assert!(ok, "{text}");
    assert!(text.contains("kev feed"), "{text}");
    let (ok, text) = run(&[
        "vuln",
        "warning",
        "--number",
        "88/CATTT",
        "--date",
        "09/02/2024",
        "--title",
        "Lỗ hổng FortiOS SSL VPN",
        "--cve",
        "CVE-2024-21762",
        "--publish",
    ]);
    assert!(ok, "{text}");
    assert!(text.contains("1 new findings"), "{text}");
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("bao-cao.docx");
    let (ok, text) = run(&[
        "vuln",
        "report",
        "--warning",
        "1",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(ok, "{text}");
    let doc = docgen::read_text(&std::fs::read(&out).unwrap()).unwrap();
    assert!(doc.all_text().contains("88/CATTT"));
    let (ok, text) = run(&["vuln", "import", "/nonexistent.json"]);
    assert!(!ok && text.contains("/nonexistent.json"), "{text}");
}

both_backends!(the_console_records_publishes_and_works_a_finding, |t| {
    let sys = t.system(t.agency_a, "STC-VPN").await;
    asset(&t, sys, "fw01", "Fortinet|FortiOS|7.2.6|dotted", &[], &[]).await;
    let (c, csrf) = common::sign_in(&t, "coord").await;
    let form = reqwest::multipart::Form::new()
        .text("csrf", csrf.clone())
        .part(
            "file",
            reqwest::multipart::Part::bytes(shared("cve5/CVE-2024-21762.json"))
                .file_name("CVE-2024-21762.json"),
        );
    let r = c
        .post(t.url("/vulns/feeds"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.text().await.unwrap().contains("id=\"vuln-message\""));
    let r = c
        .post(t.url("/vulns"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("number", "88/CATTT"),
            ("issued_on", "2024-02-09"),
            ("title", "Lỗ hổng FortiOS"),
            ("cves", "CVE-2024-21762"),
            ("deadline", "2099-01-01"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let to = r.headers()["location"].to_str().unwrap().to_string();
    let r = c
        .post(t.url(&format!("{to}/publish")))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let page = t.page(&c, &to).await;
    assert!(
        page.contains("id=\"warning-orgs\"") && page.contains(">STC<"),
        "{page}"
    );

    let (o, ocsrf) = common::sign_in(&t, "a.officer").await;
    let page = t.page(&o, "/vulns/findings").await;
    assert!(
        page.contains("CVE-2024-21762") && page.contains("fw01"),
        "{page}"
    );
    let start = page.find("/vulns/findings/").unwrap() + "/vulns/findings/".len();
    let id: i64 = page[start..].split('"').next().unwrap().parse().unwrap();
    let r = o
        .post(t.url(&format!("/vulns/findings/{id}")))
        .form(&[
            ("csrf", ocsrf.as_str()),
            ("action", "patch"),
            ("note", "Nâng cấp FortiOS 7.2.7"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let page = t.page(&o, &format!("/vulns/findings/{id}")).await;
    assert!(page.contains("id=\"finding-status\">Đã vá<"), "{page}");
    assert!(page.contains("Nâng cấp FortiOS 7.2.7"));
    // Another agency's officer gets nothing, and the forms want their token.
    let (b, bcsrf) = common::sign_in(&t, "b.officer").await;
    let r = b
        .get(t.url(&format!("/vulns/findings/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let r = b
        .post(t.url(&format!("/vulns/findings/{id}")))
        .form(&[
            ("csrf", bcsrf.as_str()),
            ("action", "reopen"),
            ("note", "x"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let r = o
        .post(t.url(&format!("/vulns/findings/{id}")))
        .form(&[("action", "reopen"), ("note", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = b
        .post(t.url("/vulns/match"))
        .form(&[("csrf", bcsrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        StatusCode::FORBIDDEN,
        "only the coordinator runs the matcher"
    );
});

both_backends!(
    accepted_risks_expire_and_only_the_coordinator_runs_the_province,
    |t| {
        let coord = t.login("coord").await;
        let (s, _) = feed(
            &t,
            &coord,
            "CVE-2024-21762.json",
            shared("cve5/CVE-2024-21762.json"),
        )
        .await;
        assert_eq!(s, StatusCode::CREATED);
        let sys = t.system(t.agency_a, "STC-FW").await;
        asset(&t, sys, "fw01", "Fortinet|FortiOS|7.2.6|dotted", &[], &[]).await;
        let officer = t.login("a.officer").await;
        let admin = t.login("a.admin").await;
        // Scope: the province's work is the coordinator's.
        let (s, _) = feed(
            &t,
            &officer,
            "CVE-2024-21762.json",
            shared("cve5/CVE-2024-21762.json"),
        )
        .await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let (s, _) = t.post(&officer, "/api/v1/vulns/match", json!({})).await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let (_, w) = t
        .post(&coord, "/api/v1/vulns/warnings", json!({"number": "9/CATTT", "issued_on": "2024-02-09", "title": "FortiOS", "cves": ["CVE-2024-21762"]}))
        .await;
        let wid = w["id"].as_i64().unwrap();
        let (s, _) = t
            .post(
                &officer,
                &format!("/api/v1/vulns/warnings/{wid}/publish"),
                json!({}),
            )
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let (s, _) = t
            .post(
                &coord,
                &format!("/api/v1/vulns/warnings/{wid}/publish"),
                json!({}),
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        let (s, _) = t
            .post(
                &coord,
                &format!("/api/v1/vulns/warnings/{wid}/publish"),
                json!({}),
            )
            .await;
        assert_eq!(s, StatusCode::CONFLICT, "published once");
        // Another agency's view of the warning holds nothing of agency A.
        let (_, seen) = t
            .get(
                &t.login("b.officer").await,
                &format!("/api/v1/vulns/warnings/{wid}"),
            )
            .await;
        assert_eq!(seen["findings"], json!([]));
        assert_eq!(seen["orgs"], json!([]));

        let (_, mine) = t.get(&officer, "/api/v1/vulns/findings").await;
        let fid = mine["items"][0]["id"].as_i64().unwrap();
        let path = format!("/api/v1/vulns/findings/{fid}/move");
        let (s, e) = t
            .post(
                &admin,
                &path,
                json!({"action": "accept_risk", "note": "Thiết bị sẽ thay trong quý 2"}),
            )
            .await;
        assert_eq!(
            s,
            StatusCode::UNPROCESSABLE_ENTITY,
            "an expiry is needed: {e}"
        );
        let (s, e) = t.post(&admin, &path, json!({"action": "accept_risk", "note": "Thiết bị sẽ thay trong quý 2", "until": "2020-01-01"})).await;
        assert_eq!(
            s,
            StatusCode::UNPROCESSABLE_ENTITY,
            "the expiry must be ahead: {e}"
        );
        let (s, d) = t.post(&admin, &path, json!({"action": "accept_risk", "note": "Thiết bị sẽ thay trong quý 2", "until": "2099-06-30"})).await;
        assert_eq!(s, StatusCode::OK, "{d}");
        assert_eq!(d["status"], "risk_accepted");
        // The expiry passes: the next match reopens it.
        t.raw_sql("UPDATE findings SET accepted_until = '2020-01-01'")
            .await;
        let (_, run) = t.post(&coord, "/api/v1/vulns/match", json!({})).await;
        assert_eq!(run["reopened"], 1, "{run}");
        let (_, d) = t
            .get(&officer, &format!("/api/v1/vulns/findings/{fid}"))
            .await;
        assert_eq!(d["status"], "open");
    }
);

both_backends!(
    a_month_of_microsoft_updates_is_matched_by_build_and_kb,
    |t| {
        let coord = t.login("coord").await;
        let (s, r) = feed(
            &t,
            &coord,
            "2024-Feb.json",
            shared("msrc/2024-Feb-excerpt.json"),
        )
        .await;
        assert_eq!(s, StatusCode::CREATED, "{r}");
        assert_eq!(r["kind"], "msrc", "{r}");
        // The ADV entry and the unknown product id are named; the rest is kept.
        assert_eq!(r["problems"].as_array().unwrap().len(), 2, "{r}");
        assert_eq!(r["records"], 3, "{r}");
        let sys = t.system(t.agency_a, "STC-AD").await;
        let windows = "Microsoft|Windows Server 2022|10.0.20348.2227|dotted";
        let old = asset(&t, sys, "dc01", windows, &[], &[]).await;
        // The same build with the month's update installed.
        let mut input: domain::AssetInput = serde_json::from_value(json!({
            "system_id": sys, "hostname": "dc02", "role": "server", "kbs": ["KB5034770"]
        }))
        .unwrap();
        input.software = vec![windows.parse().unwrap()];
        let patched = t.app.create_asset(&t.coordinator, &input).await.unwrap().id;
        let current = asset(
            &t,
            sys,
            "dc03",
            "Microsoft|Windows Server 2022|10.0.20348.2322|dotted",
            &[],
            &[],
        )
        .await;
        // A server registered by its operating system and build only.
        let input: domain::AssetInput = serde_json::from_value(json!({
            "system_id": sys, "hostname": "dc04", "role": "server",
            "os_name": "Windows Server 2022", "os_version": "21H2", "os_build": "10.0.20348.2227"
        }))
        .unwrap();
        let by_os = t.app.create_asset(&t.coordinator, &input).await.unwrap().id;
        let (s, run) = t.post(&coord, "/api/v1/vulns/match", json!({})).await;
        assert_eq!(s, StatusCode::OK, "{run}");
        assert_eq!(run["excluded_by_hotfix"], 2, "{run}");
        let (_, page) = t.get(&coord, "/api/v1/vulns/findings?limit=100").await;
        let found: Vec<(i64, String)> = page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                (
                    f["asset_id"].as_i64().unwrap(),
                    f["cve"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        let on = |id: i64| found.iter().filter(|f| f.0 == id).count();
        assert_eq!((on(patched), on(current)), (0, 0), "{found:?}");
        for id in [old, by_os] {
            let mut cves: Vec<&str> = found
                .iter()
                .filter(|f| f.0 == id)
                .map(|f| f.1.as_str())
                .collect();
            cves.sort_unstable();
            assert_eq!(cves, ["CVE-2024-20684", "CVE-2024-21338"], "{found:?}");
        }
    }
);

both_backends!(
    two_facts_meeting_one_cve_keep_a_disputed_finding_closed,
    |t| {
        let coord = t.login("coord").await;
        let (s, r) = feed(
            &t,
            &coord,
            "CVE-2024-21762.json",
            shared("cve5/CVE-2024-21762.json"),
        )
        .await;
        assert_eq!(s, StatusCode::CREATED, "{r}");
        let sys = t.system(t.agency_a, "STC-FW").await;
        // Two FortiOS installations on one appliance, both in the CVE's ranges.
        let software = [
            "Fortinet|FortiOS|7.2.6|dotted",
            "Fortinet|FortiOS|7.0.12|dotted",
        ];
        let input = |order: [usize; 2]| {
            let mut a: domain::AssetInput = serde_json::from_value(json!({
                "system_id": sys, "hostname": "fw01", "role": "appliance"
            }))
            .unwrap();
            a.software = order
                .iter()
                .map(|&i| software[i].parse().unwrap())
                .collect();
            a
        };
        let fw = t
            .app
            .create_asset(&t.coordinator, &input([0, 1]))
            .await
            .unwrap()
            .id;
        let (_, run) = t.post(&coord, "/api/v1/vulns/match", json!({})).await;
        assert_eq!(run["new"], 1, "one finding per asset and CVE: {run}");
        let (_, page) = t.get(&coord, "/api/v1/vulns/findings").await;
        let fid = page["items"][0]["id"].as_i64().unwrap();
        let officer_a = t.login("a.officer").await;
        let (s, d) = t
            .post(
                &officer_a,
                &format!("/api/v1/vulns/findings/{fid}/move"),
                json!({"action": "dispute", "note": "SSL VPN đã tắt"}),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{d}");
        // The same facts listed the other way round change no evidence.
        t.app
            .update_asset(&t.coordinator, fw, &input([1, 0]))
            .await
            .unwrap();
        let (_, run) = t.post(&coord, "/api/v1/vulns/match", json!({})).await;
        assert_eq!(run["reopened"], 0, "{run}");
        let (_, d) = t
            .get(&officer_a, &format!("/api/v1/vulns/findings/{fid}"))
            .await;
        assert_eq!(d["status"], "false_positive", "{d}");
    }
);

both_backends!(an_unchanged_rerun_writes_nothing, |t| {
    let coord = t.login("coord").await;
    for (name, path) in [
        ("CVE-2024-21762.json", "cve5/CVE-2024-21762.json"),
        ("nvd-CVE-2024-21762.json", "nvd/CVE-2024-21762.json"),
    ] {
        let (s, r) = feed(&t, &coord, name, shared(path)).await;
        assert_eq!(s, StatusCode::CREATED, "{name}: {r}");
    }
    let sys = t.system(t.agency_a, "STC-FW").await;
    asset(&t, sys, "fw01", "Fortinet|FortiOS|7.2.6|dotted", &[], &[]).await;
    let fw02 = asset(&t, sys, "fw02", "Fortinet|FortiOS|7.0.1|dotted", &[], &[]).await;
    asset(&t, sys, "fw03", "Fortinet|FortiOS|latest|other", &[], &[]).await;
    let first = t.app.match_inventory(&t.coordinator).await.unwrap();
    assert_eq!((first.new, first.rewritten), (2, 0), "{first:?}");
    assert_eq!(first.assets_compared, 3, "{first:?}");
    assert!(first.unevaluable > 0, "{first:?}");
    let (_, before) = t.get(&coord, "/api/v1/vulns/findings?limit=100").await;
    // The same inventory and records: every finding is found again and
    // none is written.
    let again = t.app.match_inventory(&t.coordinator).await.unwrap();
    assert_eq!(
        (
            again.new,
            again.refreshed,
            again.rewritten,
            again.unevaluable
        ),
        (0, 2, 0, first.unevaluable),
        "{again:?}"
    );
    // Every asset's digest is what it was: no finding is read back.
    assert_eq!(again.assets_compared, 0, "{again:?}");
    let (_, after) = t.get(&coord, "/api/v1/vulns/findings?limit=100").await;
    assert_eq!(before, after);
    // Another installed version, still affected: that finding's evidence
    // changes and it alone is written again.
    let mut input: domain::AssetInput = serde_json::from_value(json!({
        "system_id": sys, "hostname": "fw02", "role": "appliance"
    }))
    .unwrap();
    input.software = vec!["Fortinet|FortiOS|7.0.2|dotted".parse().unwrap()];
    let old_texts = "SELECT COUNT(*) FROM vuln_texts WHERE body LIKE '%FortiOS|7.0.1|%'";
    assert_eq!(t.raw_count(old_texts).await, 1, "fw02's evidence is shared");
    t.app
        .update_asset(&t.coordinator, fw02, &input)
        .await
        .unwrap();
    // In the same run a new asset's finding brings a text of its own, shared
    // before the unused texts are deleted: it must survive that.
    asset(&t, sys, "fw04", "Fortinet|FortiOS|7.0.3|dotted", &[], &[]).await;
    let third = t.app.match_inventory(&t.coordinator).await.unwrap();
    assert_eq!(
        (third.new, third.refreshed, third.rewritten),
        (1, 2, 1),
        "{third:?}"
    );
    assert_eq!(
        third.assets_compared, 2,
        "fw02 changed, fw04 is new: {third:?}"
    );
    let new_texts = "SELECT COUNT(*) FROM vuln_texts WHERE body LIKE '%FortiOS|7.0.3|%'";
    assert_eq!(t.raw_count(new_texts).await, 1, "fw04's evidence is kept");
    // Its old evidence is no finding's any more: the text is gone.
    assert_eq!(
        t.raw_count(old_texts).await,
        0,
        "the unused text is deleted"
    );
    let (_, page) = t.get(&coord, "/api/v1/vulns/findings?limit=100").await;
    let evidence: Vec<String> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.to_string())
        .collect();
    assert!(
        evidence.iter().any(|f| f.contains("FortiOS|7.0.2|")),
        "{page}"
    );
    assert!(
        !evidence.iter().any(|f| f.contains("FortiOS|7.0.1|")),
        "{page}"
    );
    // A change to a finding that is not the matcher's (here by hand, as a
    // correction would) makes the next run compare that asset again, and
    // the matcher writes the finding back as it finds it.
    t.raw_sql(&format!(
        "UPDATE findings SET priority = 'defer', match_digest = NULL WHERE asset_id = {fw02}"
    ))
    .await;
    let fourth = t.app.match_inventory(&t.coordinator).await.unwrap();
    assert_eq!(
        (fourth.assets_compared, fourth.new, fourth.rewritten),
        (1, 0, 1),
        "{fourth:?}"
    );
    let (_, restored) = t.get(&coord, "/api/v1/vulns/findings?limit=100").await;
    assert_eq!(restored, page, "the finding as the matcher writes it");
});

/// `vuln import` reads each file as a stream: a record it cannot read is
/// named with its file and place, the readable ones are kept, and the
/// command fails; a file that is not a feed at all writes nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_streaming_import_names_a_bad_record() {
    let t = common::TestApp::spawn(common::Db::Sqlite, Default::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_canhgac"))
            .args(t.db_args())
            .args(args)
            .env("CANHGAC_LOG", "warn")
            .output()
            .unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).to_string()
                + &String::from_utf8_lossy(&out.stderr),
        )
    };
    // An NVD 2.0 page: the real record, then one whose id is a number.
    let cve: Value = serde_json::from_slice(&shared("nvd/CVE-2024-21762.json")).unwrap();
    let good = json!({"vulnerabilities": [{"cve": cve}, {"cve": {"id": 5}}]});
    let mixed = dir.path().join("mixed.json");
    std::fs::write(&mixed, serde_json::to_vec(&good).unwrap()).unwrap();
    let (ok, text) = run(&["vuln", "import", mixed.to_str().unwrap()]);
    assert!(!ok, "{text}");
    assert!(
        text.contains("mixed.json") && text.contains("[1]"),
        "{text}"
    );
    assert!(text.contains("1 records written"), "{text}");
    let junk = dir.path().join("junk.json");
    std::fs::write(&junk, b"not a feed").unwrap();
    let (ok, text) = run(&["vuln", "import", junk.to_str().unwrap()]);
    assert!(!ok && text.contains("junk.json"), "{text}");
    let (_, text) = run(&["vuln", "match"]);
    assert!(text.contains("against 1 records"), "{text}");
}
