//! One agency never sees or touches another agency's records: for every
//! registry endpoint, agency B's record answers 404 to agency A, exactly as a
//! record that does not exist.

mod common;
use common::AuthExt;

use reqwest::{Method, StatusCode};
use serde_json::json;

both_backends!(
    an_agency_cannot_read_or_write_another_agencys_records,
    |t| {
        let sys_b = t.system(t.agency_b, "SYT-01").await;
        let asset_b = t.asset(sys_b, "syt-web", "14.162.0.5").await;
        let sys_a = t.system(t.agency_a, "STC-01").await;
        let asset_a = t.asset(sys_a, "stc-web", "14.162.0.9").await;
        let tok = t.login("a.officer").await;

        // Reads: 404, the same as for an id that does not exist.
        for path in [
            format!("/api/v1/systems/{sys_b}"),
            format!("/api/v1/assets/{asset_b}"),
            format!("/api/v1/orgs/{}", t.agency_b),
            "/api/v1/systems/999999".to_string(),
        ] {
            let (s, body) = t.get(&tok, &path).await;
            assert_eq!(s, StatusCode::NOT_FOUND, "{path}: {body}");
            assert!(!body.to_string().contains("SYT"), "{path} leaked: {body}");
        }
        // Writes: 404 too, and nothing changes.
        let sys_body = json!({"code": "SYT-01", "name": "Hijacked", "owner_org_id": t.agency_a, "function_type": "internal"});
        let asset_body = json!({"system_id": sys_b, "hostname": "x", "role": "server"});
        let org_body = json!({"name": "Hijacked", "short_name": "SYT", "org_type": "agency"});
        for (method, path, body) in [
            (
                Method::PUT,
                format!("/api/v1/systems/{sys_b}"),
                Some(sys_body.clone()),
            ),
            (Method::DELETE, format!("/api/v1/systems/{sys_b}"), None),
            (
                Method::PUT,
                format!("/api/v1/assets/{asset_b}"),
                Some(json!({"system_id": sys_a, "hostname": "x", "role": "server"})),
            ),
            (Method::DELETE, format!("/api/v1/assets/{asset_b}"), None),
            (
                Method::PUT,
                format!("/api/v1/orgs/{}", t.agency_b),
                Some(org_body),
            ),
            (Method::DELETE, format!("/api/v1/orgs/{}", t.agency_b), None),
        ] {
            // 404 as for a record that does not exist, or — for what the
            // officer's role may not do at all — 403 `role_forbidden`, which
            // is the same for any id and so tells nothing either.
            let (s, body) = t.call(&tok, method.clone(), &path, body).await;
            assert!(
                s == StatusCode::NOT_FOUND
                    || (s == StatusCode::FORBIDDEN && body["error"]["code"] == "role_forbidden"),
                "{method} {path}: {s} {body}"
            );
        }
        // Creating into B's system or for B's organisation is refused.
        let (s, _) = t.post(&tok, "/api/v1/assets", asset_body).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        let mut other = sys_body.clone();
        other["code"] = json!("NEW-1");
        other["owner_org_id"] = json!(t.agency_b);
        let (s, _) = t.post(&tok, "/api/v1/systems", other).await;
        assert_ne!(s, StatusCode::CREATED);
        // Moving one's own asset into B's system is refused.
        let (s, _) = t
            .call(
                &tok,
                Method::PUT,
                &format!("/api/v1/assets/{asset_a}"),
                Some(json!({"system_id": sys_b, "hostname": "stc-web", "role": "server"})),
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);

        // Lists, filters and exports hold only A's records.
        for path in [
            "/api/v1/systems",
            "/api/v1/assets",
            &format!("/api/v1/systems?owner_org_id={}", t.agency_b),
            "/api/v1/assets?ip=14.162.0.5",
            "/api/v1/orgs",
        ] {
            let (s, body) = t.get(&tok, path).await;
            assert_eq!(s, StatusCode::OK, "{path}");
            let text = body.to_string();
            assert!(
                !text.contains("SYT-01")
                    && !text.contains("syt-web")
                    && !text.contains("b.officer")
                    && !text.contains("Sở Y tế"),
                "{path} leaked: {text}"
            );
        }
        // Accounts and the audit log are the administrators': an officer is
        // refused, and agency A's administrator sees only A's.
        for path in ["/api/v1/users", "/api/v1/audit", "/api/v1/tokens"] {
            let (s, _) = t.get(&tok, path).await;
            assert_eq!(s, StatusCode::FORBIDDEN, "{path}");
            let (s, body) = t.get(&t.login("a.admin").await, path).await;
            assert_eq!(s, StatusCode::OK, "{path}");
            let text = body.to_string();
            assert!(
                !text.contains("b.officer")
                    && !text.contains("SYT-01")
                    && !text.contains("Sở Y tế"),
                "{path} leaked: {text}"
            );
        }
        let (_, systems) = t.get(&tok, "/api/v1/systems").await;
        assert_eq!(systems["items"].as_array().unwrap().len(), 1);
        for kind in ["systems", "assets", "orgs", "blocks"] {
            let r = reqwest::Client::new()
                .get(t.url(&format!("/api/v1/export/{kind}")))
                .auth(&tok)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), StatusCode::OK);
            let text = r.text().await.unwrap();
            assert!(
                !text.contains("SYT-01") && !text.contains("syt-web") && !text.contains("Sở Y tế"),
                "export {kind} leaked"
            );
        }

        // B's records are untouched.
        let b = t.login("b.officer").await;
        let (s, sys) = t.get(&b, &format!("/api/v1/systems/{sys_b}")).await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(sys["name"], "Cổng thông tin SYT-01");
        let (s, _) = t.get(&b, &format!("/api/v1/assets/{asset_b}")).await;
        assert_eq!(s, StatusCode::OK);
    }
);

both_backends!(an_agency_import_cannot_reach_another_agency, |t| {
    let sys_b = t.system(t.agency_b, "SYT-02").await;
    t.asset(sys_b, "syt-db", "14.163.0.1").await;
    let tok = t.login("a.admin").await;
    let csv = "system_code,hostname,role\nSYT-02,syt-db,server\n";
    let (s, report) = t.import(&tok, "assets", "a.csv", csv.into(), "").await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{report}");
    assert_eq!(
        report["error"]["details"]["rejected"][0]["column"],
        "system_code"
    );
    let csv = "code,name,owner,function_type\nSYT-02,Chiếm quyền,STC,internal\n";
    let (s, report) = t.import(&tok, "systems", "s.csv", csv.into(), "").await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{report}");
    let csv = "code,name,owner,function_type\nNEW-9,Hệ thống mới,SYT,internal\n";
    let (s, report) = t.import(&tok, "systems", "s.csv", csv.into(), "").await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{report}");
    let (_, sys) = t
        .get(&t.login("coord").await, &format!("/api/v1/systems/{sys_b}"))
        .await;
    assert_eq!(sys["name"], "Cổng thông tin SYT-02");
});

both_backends!(auditors_read_everything_and_change_nothing, |t| {
    let sys_b = t.system(t.agency_b, "SYT-03").await;
    let tok = t.login("auditor").await;
    let (s, _) = t.get(&tok, &format!("/api/v1/systems/{sys_b}")).await;
    assert_eq!(s, StatusCode::OK);
    let (_, page) = t.get(&tok, "/api/v1/orgs").await;
    assert!(page["items"].as_array().unwrap().len() >= 4);
    let (s, _) = t
        .call(
            &tok,
            Method::DELETE,
            &format!("/api/v1/systems/{sys_b}"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = t.post(&tok, "/api/v1/systems", json!({"code": "AU-1", "name": "X", "owner_org_id": t.agency_b, "function_type": "internal"})).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = t
        .post(
            &tok,
            "/api/v1/orgs",
            json!({"name": "X", "short_name": "X", "org_type": "agency"}),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = t.get(&tok, "/api/v1/audit/verify").await;
    assert_eq!(s, StatusCode::OK);
    // An ISP operator sees its own organisation and the directory, not agencies.
    let isp = t.login("isp.operator").await;
    let (_, page) = t.get(&isp, "/api/v1/orgs").await;
    let names: Vec<&str> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["short_name"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"VNPT") && !names.contains(&"STC") && !names.contains(&"SYT"),
        "{names:?}"
    );
});
