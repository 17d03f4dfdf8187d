//! The registry over /api/v1: create, read, update, delete, lists and filters.

mod common;
use common::AuthExt;

use reqwest::{Method, StatusCode};
use serde_json::json;

both_backends!(coordinator_registers_a_system_with_its_assets, |t| {
    let tok = t.login("coord").await;
    let (s, org) = t
        .post(&tok, "/api/v1/orgs", json!({
            "name": "Ủy ban nhân dân huyện Đăk Hà", "short_name": "UBND-DH", "org_type": "district",
            "contacts": [{"name": "Nguyễn Văn Ánh", "title": "Chuyên viên CNTT", "phone": "0260 3822 111", "email": "anh@dakha.sonha.gov.vn"}],
            "contact_24x7": {"name": "Trực ban", "phone": "0912 345 678"},
            "address_blocks": ["113.160.10.0/28"]
        }))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{org}");
    let org_id = org["id"].as_i64().unwrap();
    assert_eq!(org["name"], "Ủy ban nhân dân huyện Đăk Hà");

    let (s, sys) = t
        .post(&tok, "/api/v1/systems", json!({
            "code": "DH-DVC-01", "name": "Hệ thống một cửa điện tử huyện Đăk Hà", "owner_org_id": org_id,
            "isp_id": t.isp, "function_type": "public_service", "info_types": ["public", "personal"],
            "data_subjects": 65000, "proposed_level": 3, "approved_level": 3,
            "approval": {"number": "123/QĐ-UBND", "date": "2024-03-15", "body": "UBND tỉnh Sơn Hà"},
            "internet_facing": true,
            "protection": {"onsite_force": true, "soc_monitoring": false, "last_assessment": "2024-11-01", "ncsc_connected": true}
        }))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{sys}");
    let sys_id = sys["id"].as_i64().unwrap();

    let (s, asset) = t
        .post(&tok, "/api/v1/assets", json!({
            "system_id": sys_id, "hostname": "dh-web-01", "role": "server", "ips": ["14.161.2.3", "2001:ee0:4f1::10"],
            "domains": ["motcua.dakha.sonha.gov.vn"], "os_name": "Windows Server", "os_version": "2019", "os_build": "10.0.17763.5329",
            "software": [{"vendor": "Apache", "product": "HTTP Server", "version": "2.4.49", "scheme": "semver",
                          "cpe": "cpe:2.3:a:apache:http_server:2.4.49:*:*:*:*:*:*:*"}],
            "kbs": ["KB5034127"]
        }))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{asset}");
    assert_eq!(asset["owner_org_id"], org_id);

    let (_, got) = t.get(&tok, &format!("/api/v1/systems/{sys_id}")).await;
    assert_eq!(got["approved_level"], 3);
    assert_eq!(got["asset_count"], 1);
    assert_eq!(got["protection"]["last_assessment"], "2024-11-01");

    // Filters: level and IP.
    let (_, page) = t.get(&tok, "/api/v1/systems?level=3").await;
    assert_eq!(page["items"].as_array().unwrap().len(), 1);
    let (_, page) = t.get(&tok, "/api/v1/systems?level=2").await;
    assert!(page["items"].as_array().unwrap().is_empty());
    let (_, page) = t.get(&tok, "/api/v1/assets?ip=2001:ee0:4f1::10").await;
    assert_eq!(page["items"][0]["hostname"], "dh-web-01");

    // Update then delete.
    let mut changed = got.clone();
    changed["name"] = json!("Hệ thống một cửa điện tử (mới)");
    let (s, _) = t
        .call(
            &tok,
            Method::PUT,
            &format!("/api/v1/systems/{sys_id}"),
            Some(changed),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (_, got) = t.get(&tok, &format!("/api/v1/systems/{sys_id}")).await;
    assert_eq!(got["name"], "Hệ thống một cửa điện tử (mới)");
    let (s, _) = t
        .call(
            &tok,
            Method::DELETE,
            &format!("/api/v1/systems/{sys_id}"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, _) = t
        .get(&tok, &format!("/api/v1/assets?system_id={sys_id}"))
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = t.get(&tok, &format!("/api/v1/systems/{sys_id}")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // Every change is in the audit log.
    let (_, log) = t
        .get(
            &tok,
            &format!("/api/v1/audit?entity=system&entity_id={sys_id}"),
        )
        .await;
    let actions: Vec<&str> = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, vec!["delete", "update", "create"]);
    assert_eq!(log["items"][0]["actor"], "user:coord");
});

both_backends!(bad_input_is_refused_field_by_field, |t| {
    let tok = t.login("coord").await;
    let base = json!({"code": "X-1", "name": "Hệ thống X", "owner_org_id": t.agency_a, "function_type": "internal"});
    for (field, value, expect) in [
        ("proposed_level", json!(7), "proposed_level"),
        ("code", json!("has space"), "code"),
        ("function_type", json!("bank"), "function_type"),
        ("owner_org_id", json!(999999), "owner_org_id"),
        ("isp_id", json!(t.agency_b), "isp_id"),
    ] {
        let mut body = base.clone();
        body[field] = value;
        let (s, e) = t.post(&tok, "/api/v1/systems", body).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{field}: {e}");
        assert!(
            e["error"]["details"][0]["field"]
                .as_str()
                .unwrap()
                .contains(expect),
            "{e}"
        );
    }
    let mut body = base.clone();
    body["approved_level"] = json!(3);
    let (s, e) = t.post(&tok, "/api/v1/systems", body).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(e["error"]["details"][0]["field"], "approval");

    let (s, e) = t
        .post(
            &tok,
            "/api/v1/assets",
            json!({"system_id": 1, "hostname": "h", "role": "server", "ips": ["10.0.0.300"]}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert!(
        e["error"]["message"].as_str().unwrap().contains("ips"),
        "{e}"
    );

    let (s, e) = t.post(&tok, "/api/v1/orgs", json!({"name": "X", "short_name": "X", "org_type": "agency", "address_blocks": ["10.0.0.1/24"]})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        e["error"]["message"]
            .as_str()
            .unwrap()
            .contains("10.0.0.0/24"),
        "{e}"
    );

    // Duplicate codes are a conflict, not a crash.
    t.system(t.agency_a, "DUP-1").await;
    let mut body = base.clone();
    body["code"] = json!("DUP-1");
    let (s, _) = t.post(&tok, "/api/v1/systems", body).await;
    assert_eq!(s, StatusCode::CONFLICT);

    // Not JSON at all.
    let r = reqwest::Client::new()
        .post(t.url("/api/v1/systems"))
        .auth(&tok)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
});

both_backends!(lists_page_with_a_cursor, |t| {
    let tok = t.login("coord").await;
    for i in 0..7 {
        t.system(t.agency_a, &format!("P-{i}")).await;
    }
    let mut seen = Vec::new();
    let mut path = "/api/v1/systems?limit=3".to_string();
    loop {
        let (_, page) = t.get(&tok, &path).await;
        for s in page["items"].as_array().unwrap() {
            seen.push(s["code"].as_str().unwrap().to_string());
        }
        match page["next"].as_i64() {
            Some(n) => path = format!("/api/v1/systems?limit=3&after={n}"),
            None => break,
        }
    }
    assert_eq!(seen, (0..7).map(|i| format!("P-{i}")).collect::<Vec<_>>());
    let (_, page) = t.get(&tok, "/api/v1/systems?q=p-3").await;
    assert_eq!(page["items"].as_array().unwrap().len(), 1);
});

both_backends!(openapi_documents_every_route, |t| {
    let tok = t.login("coord").await;
    let (s, doc) = t.get(&tok, "/api/v1/openapi.json").await;
    assert_eq!(s, StatusCode::OK);
    for (method, path, ..) in server::openapi::OPERATIONS {
        assert!(
            doc["paths"][format!("/api/v1{path}")][method].is_object(),
            "{method} {path}"
        );
        // Every documented operation is routed: anything but 404/405 for a
        // bogus id means the route exists.
        let concrete = path.replace("{id}", "999999").replace("{kind}", "systems");
        let m = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
        let r = reqwest::Client::new()
            .request(m, t.url(&format!("/api/v1{concrete}")))
            .send()
            .await
            .unwrap();
        assert_ne!(
            r.status(),
            StatusCode::METHOD_NOT_ALLOWED,
            "{method} {path}"
        );
        if !concrete.contains("999999") {
            assert_ne!(r.status(), StatusCode::NOT_FOUND, "{method} {path}");
        }
    }
});

both_backends!(sorted_lists_page_by_their_sort_key, |t| {
    let tok = t.login("coord").await;
    let names = [
        "Trục liên thông",
        "Cổng dịch vụ công",
        "Bệnh viện",
        "An toàn",
        "Đất đai",
        "Cổng dịch vụ công",
    ];
    for (i, n) in names.iter().enumerate() {
        let level = (i % 4) as i64 + 1;
        let body = json!({"code": format!("S-{i}"), "name": n, "owner_org_id": t.agency_a, "function_type": "internal", "proposed_level": level});
        assert_eq!(
            t.post(&tok, "/api/v1/systems", body).await.0,
            StatusCode::CREATED
        );
    }
    let walk = |sort: &'static str| {
        let t = &t;
        let tok = tok.clone();
        async move {
            let mut out = Vec::new();
            let mut path = format!("/api/v1/systems?limit=2&sort={sort}");
            loop {
                let (s, page) = t.get(&tok, &path).await;
                assert_eq!(s, StatusCode::OK, "{page}");
                for s in page["items"].as_array().unwrap() {
                    out.push((
                        s["name"].as_str().unwrap().to_string(),
                        s["code"].as_str().unwrap().to_string(),
                        s["proposed_level"].as_i64().unwrap(),
                    ));
                }
                match page["next_key"].as_str() {
                    Some(k) => {
                        let enc: String = k.bytes().map(|b| format!("%{b:02X}")).collect();
                        path = format!("/api/v1/systems?limit=2&sort={sort}&after_key={enc}");
                    }
                    None => break,
                }
            }
            out
        }
    };
    let by_name = walk("name").await;
    assert_eq!(
        by_name.len(),
        6,
        "every system once, duplicates of a name included"
    );
    // Page by page gives the database's own order (its collation decides
    // where Vietnamese letters fall), with no row lost or repeated.
    let (_, whole) = t.get(&tok, "/api/v1/systems?limit=100&sort=name").await;
    let whole: Vec<String> = whole["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["code"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        by_name.iter().map(|r| r.1.clone()).collect::<Vec<_>>(),
        whole
    );
    assert_eq!(by_name[0].0, "An toàn");
    let by_code = walk("code").await;
    assert_eq!(
        by_code.iter().map(|r| r.1.as_str()).collect::<Vec<_>>(),
        ["S-0", "S-1", "S-2", "S-3", "S-4", "S-5"]
    );
    let by_level = walk("level").await;
    assert_eq!(
        by_level.iter().map(|r| r.2).collect::<Vec<_>>(),
        [4, 3, 2, 2, 1, 1]
    );
    let (s, _) = t.get(&tok, "/api/v1/systems?sort=colour").await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
});

both_backends!(organisations_and_assets_sort_by_name, |t| {
    let tok = t.login("coord").await;
    let sys = t.system(t.agency_a, "SORT-1").await;
    for h in ["web-02", "db-01", "web-01", "app-01"] {
        t.asset(sys, h, "14.160.7.7").await;
    }
    let mut seen = Vec::new();
    let mut path = "/api/v1/assets?limit=3&sort=hostname".to_string();
    loop {
        let (_, page) = t.get(&tok, &path).await;
        seen.extend(
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a["hostname"].as_str().unwrap().to_string()),
        );
        match page["next_key"].as_str() {
            Some(k) => {
                path = format!(
                    "/api/v1/assets?limit=3&sort=hostname&after_key={}",
                    k.bytes().map(|b| format!("%{b:02X}")).collect::<String>()
                )
            }
            None => break,
        }
    }
    assert_eq!(seen, ["app-01", "db-01", "web-01", "web-02"]);
    let (_, page) = t.get(&tok, "/api/v1/orgs?sort=name&limit=100").await;
    let (_, whole) = t.get(&tok, "/api/v1/orgs?limit=100").await;
    assert_eq!(
        page["items"].as_array().unwrap().len(),
        whole["items"].as_array().unwrap().len()
    );
    assert_eq!(
        t.get(&tok, "/api/v1/assets?sort=size").await.0,
        StatusCode::BAD_REQUEST
    );
});
