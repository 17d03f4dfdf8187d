//! Sign-in, the password policy, lock-out, forced change, sessions, CSRF and
//! machine tokens.

mod common;

use app::Config;
use reqwest::{Method, StatusCode};
use serde_json::json;

both_backends!(
    first_sign_in_forces_a_password_change_that_meets_the_policy,
    |t| {
        // The bootstrap administrator was created with must-change set.
        let tok = t.login_with("admin", common::PASSWORD).await.unwrap();
        let (s, e) = t.get(&tok, "/api/v1/systems").await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        assert_eq!(e["error"]["code"], "password_change_required");
        let (s, me) = t.get(&tok, "/api/v1/auth/me").await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(me["user"]["username"], "admin");

        for (weak, problem) in [
            ("Ab1!", "ít nhất 8 ký tự"),
            ("alllowercase1!", "chữ hoa"),
            ("NoDigitsHere!", "chữ số"),
            ("NoSpecial123", "ký tự đặc biệt"),
            ("P@ssw0rd", "phổ biến"),
            ("Admin#2025x", "tên đăng nhập"),
        ] {
            let (s, e) = t
                .post(
                    &tok,
                    "/api/v1/auth/password",
                    json!({"current_password": common::PASSWORD, "new_password": weak}),
                )
                .await;
            assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{weak}");
            assert!(
                e["error"]["message"].as_str().unwrap().contains(problem),
                "{weak}: {e}"
            );
        }
        let (s, e) = t
            .post(
                &tok,
                "/api/v1/auth/password",
                json!({"current_password": "wrong", "new_password": "Vung-Tau#2026"}),
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
        let (s, _) = t
            .post(
                &tok,
                "/api/v1/auth/password",
                json!({"current_password": common::PASSWORD, "new_password": "Vung-Tau#2026"}),
            )
            .await;
        assert_eq!(s, StatusCode::NO_CONTENT);
        let (s, _) = t.get(&tok, "/api/v1/systems").await;
        assert_eq!(s, StatusCode::OK);
        assert!(t.login_with("admin", common::PASSWORD).await.is_err());
        assert!(t.login_with("admin", "Vung-Tau#2026").await.is_ok());
    }
);

/// Signs in from `source` (a loopback address of its own), returning the
/// status and the body.
async fn login_from(
    t: &common::TestApp,
    source: [u8; 4],
    username: &str,
    password: &str,
) -> (StatusCode, serde_json::Value, Option<String>) {
    let client = reqwest::Client::builder()
        .local_address(std::net::IpAddr::from(source))
        .build()
        .unwrap();
    let r = client
        .post(t.url("/api/v1/auth/login"))
        .json(&json!({"username": username, "password": password}))
        .send()
        .await
        .unwrap();
    let status = r.status();
    let retry = r
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().to_string());
    (status, r.json().await.unwrap(), retry)
}

both_backends!(failures_hold_back_the_guesser_not_the_account, |t| {
    let here = [127, 0, 0, 1];
    for name in ["a.officer", "nobody.here"] {
        for i in 1..=4 {
            let (s, e, _) = login_from(&t, here, name, "Wrong#Pass1").await;
            assert_eq!(s, StatusCode::UNAUTHORIZED, "{name} attempt {i}: {e}");
            assert_eq!(e["error"]["code"], "unauthenticated");
        }
        // The fifth failure holds this name back from this place, whether
        // the account exists or not: the same answer for both.
        let (s, e, retry) = login_from(&t, here, name, "Wrong#Pass1").await;
        assert_eq!(s, StatusCode::TOO_MANY_REQUESTS, "{name}: {e}");
        assert_eq!(e["error"]["code"], "throttled");
        assert!(retry.is_some_and(|r| r.parse::<i64>().unwrap() > 0));
        // Even the right password waits, from this place.
        let (s, _, _) = login_from(&t, here, name, common::PASSWORD).await;
        assert_eq!(s, StatusCode::TOO_MANY_REQUESTS, "{name}");
    }
    // The owner, from another place, still gets in: guessing locks nobody out.
    let (s, e, _) = login_from(&t, [127, 0, 0, 2], "a.officer", common::PASSWORD).await;
    assert_eq!(s, StatusCode::OK, "{e}");
    // Other names from the first place are not held back by these.
    let (s, _, _) = login_from(&t, here, "b.officer", common::PASSWORD).await;
    assert_eq!(s, StatusCode::OK);
    // The failures are in the audit log with their source, never the name as typed.
    let coord = t.login("coord").await;
    let (_, log) = t
        .get(&coord, "/api/v1/audit?action=login_failed&limit=100")
        .await;
    let items = log["items"].as_array().unwrap();
    assert_eq!(items.len(), 10, "{log}");
    assert!(items
        .iter()
        .all(|r| r["after"].as_str().unwrap().contains("127.0.0.1")));
    assert!(!log.to_string().contains("nobody.here"));
    assert!(!log.to_string().contains("Wrong#Pass1"));
    // An administrator's reset gives a one-time password that must be changed.
    let (_, users) = t.get(&coord, "/api/v1/users?limit=100").await;
    let id = users["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["username"] == "a.officer")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let (s, r) = t
        .post(
            &coord,
            &format!("/api/v1/users/{id}/reset-password"),
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let temp = r["temporary_password"].as_str().unwrap();
    let (s, body, _) = login_from(&t, [127, 0, 0, 5], "a.officer", temp).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(body["must_change_password"], true, "{body}");
});

both_backends!(one_place_failing_under_many_names_is_held_back, |t| {
    let spray = [127, 0, 0, 3];
    let max = app::accounts::SOURCE_MAX_FAILURES;
    for i in 0..max {
        let (s, e, _) = login_from(&t, spray, &format!("guess{i}"), "Wrong#Pass1").await;
        assert_eq!(s, StatusCode::UNAUTHORIZED, "{i}: {e}");
    }
    let (s, e, _) = login_from(&t, spray, "a.officer", common::PASSWORD).await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS, "{e}");
    let (s, _, _) = login_from(&t, [127, 0, 0, 4], "a.officer", common::PASSWORD).await;
    assert_eq!(s, StatusCode::OK);
});

both_backends!(
    cookie_sessions_need_the_csrf_token_to_change_anything,
    |t| {
        let client = reqwest::Client::builder()
            .cookie_store(true)
            .build()
            .unwrap();
        let r = client
            .post(t.url("/api/v1/auth/login"))
            .json(&json!({"username": "coord", "password": common::PASSWORD}))
            .send()
            .await
            .unwrap();
        let cookie = r
            .headers()
            .get("set-cookie")
            .unwrap()
            .to_str()
            .unwrap()
            .to_string();
        assert!(
            cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
            "{cookie}"
        );
        let body: serde_json::Value = r.json().await.unwrap();
        let csrf = body["csrf_token"].as_str().unwrap();
        // Reads work with the cookie alone.
        let r = client.get(t.url("/api/v1/systems")).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        let org = json!({"name": "Sở Xây dựng", "short_name": "SXD", "org_type": "agency"});
        let r = client
            .post(t.url("/api/v1/orgs"))
            .json(&org)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        let r = client
            .post(t.url("/api/v1/orgs"))
            .header("x-csrf-token", "forged")
            .json(&org)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        let r = client
            .post(t.url("/api/v1/orgs"))
            .header("x-csrf-token", csrf)
            .json(&org)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::CREATED);
        // Sign out ends the session.
        let r = client
            .post(t.url("/api/v1/auth/logout"))
            .header("x-csrf-token", csrf)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::NO_CONTENT);
        let r = client.get(t.url("/api/v1/systems")).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    }
);

both_backends!(
    tokens_act_for_their_organisation_until_revoked_or_expired,
    |t| {
        let sys_a = t.system(t.agency_a, "STC-T1").await;
        let sys_b = t.system(t.agency_b, "SYT-T1").await;
        let admin_a = t.login("a.admin").await;
        // An org admin cannot mint tokens for another organisation.
        let (s, _) = t
            .post(
                &admin_a,
                "/api/v1/tokens",
                json!({"name": "x", "org_id": t.agency_b, "role": "officer"}),
            )
            .await;
        assert_ne!(s, StatusCode::CREATED);
        let (s, created) = t.post(&admin_a, "/api/v1/tokens", json!({"name": "máy quét", "org_id": t.agency_a, "role": "officer", "valid_days": 30})).await;
        assert_eq!(s, StatusCode::CREATED, "{created}");
        let secret = created["secret"].as_str().unwrap().to_string();
        let id = created["token"]["id"].as_i64().unwrap();
        assert!(
            !created["token"].to_string().contains(&secret),
            "the record never holds the secret"
        );
        let (s, _) = t.get(&secret, &format!("/api/v1/systems/{sys_a}")).await;
        assert_eq!(s, StatusCode::OK);
        let (s, _) = t.get(&secret, &format!("/api/v1/systems/{sys_b}")).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let (_, list) = t.get(&admin_a, "/api/v1/tokens").await;
        assert!(!list.to_string().contains(&secret));
        assert!(list["items"][0]["last_used_at"].is_string());
        // Tokens write to the audit log under their own name.
        let (s, _) = t
            .post(
                &secret,
                "/api/v1/assets",
                json!({"system_id": sys_a, "hostname": "scanner-found", "role": "server"}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED);
        let (_, log) = t.get(&admin_a, "/api/v1/audit?entity=asset").await;
        assert!(
            log["items"][0]["actor"]
                .as_str()
                .unwrap()
                .starts_with("token:"),
            "{log}"
        );
        // Revoked: refused.
        let (s, _) = t
            .call(
                &admin_a,
                Method::DELETE,
                &format!("/api/v1/tokens/{id}"),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::NO_CONTENT);
        let (s, _) = t.get(&secret, "/api/v1/systems").await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
        // Expired: refused.
        let (_, created) = t
            .post(
                &admin_a,
                "/api/v1/tokens",
                json!({"name": "cũ", "org_id": t.agency_a, "role": "officer", "valid_days": 1}),
            )
            .await;
        let secret = created["secret"].as_str().unwrap().to_string();
        let (s, _) = t.get(&secret, "/api/v1/systems").await;
        assert_eq!(s, StatusCode::OK);
        t.raw_sql("UPDATE api_tokens SET expires_at = '2020-01-01 00:00:00+00:00'")
            .await;
        let (s, _) = t.get(&secret, "/api/v1/systems").await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
        // Garbage: refused.
        let (s, _) = t.get("cgt_0000", "/api/v1/systems").await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
    }
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_session_expires() {
    let config = Config {
        session_idle: chrono::Duration::seconds(1),
        ..Config::default()
    };
    let t = common::TestApp::spawn(common::Db::Sqlite, config).await;
    let tok = t.login("coord").await;
    let (s, _) = t.get(&tok, "/api/v1/systems").await;
    assert_eq!(s, StatusCode::OK);
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    let (s, _) = t.get(&tok, "/api/v1/systems").await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
}

both_backends!(sign_out_everywhere_ends_every_session, |t| {
    let one = t.login("coord").await;
    let two = t.login("coord").await;
    let (s, r) = t.post(&one, "/api/v1/auth/logout-all", json!({})).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(r["ended_sessions"], 2);
    assert_eq!(
        t.get(&two, "/api/v1/systems").await.0,
        StatusCode::UNAUTHORIZED
    );
    // A disabled account cannot sign in.
    let (_, users) = t
        .get(&t.login("coord").await, "/api/v1/users?limit=100")
        .await;
    let id = users["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["username"] == "b.officer")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let coord = t.login("coord").await;
    let (s, _) = t
        .post(&coord, &format!("/api/v1/users/{id}/disable"), json!({}))
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    assert_eq!(
        t.login_with("b.officer", common::PASSWORD)
            .await
            .unwrap_err()
            .0,
        StatusCode::UNAUTHORIZED
    );
});

both_backends!(a_second_factor_guards_sign_in_and_a_code_works_once, |t| {
    let scope = {
        let user = t
            .app
            .user_by_name(&t.coordinator, "a.officer")
            .await
            .unwrap();
        t.app.user_scope(&user).await.unwrap()
    };
    let enrol = t.app.totp_enrolment(&scope).unwrap();
    assert!(enrol.url.starts_with("otpauth://totp/") && enrol.qr_svg.contains("<svg"));
    // A wrong confirmation code turns nothing on.
    assert!(
        t.app
            .enable_totp(&scope, &enrol.secret, "000000")
            .await
            .is_err()
            || common::totp_code_at(&enrol.secret, "a.officer", 0) == "000000"
    );
    t.app
        .enable_totp(
            &scope,
            &enrol.secret,
            &common::totp_code_at(&enrol.secret, "a.officer", 0),
        )
        .await
        .unwrap();

    // The password alone opens nothing.
    let r = reqwest::Client::new()
        .post(t.url("/api/v1/auth/login"))
        .json(&json!({"username": "a.officer", "password": common::PASSWORD}))
        .send()
        .await
        .unwrap();
    let cookie = common::session_cookie_of(&r).unwrap();
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["second_factor_required"], true);
    assert!(body.get("session_token").is_none());
    let tok = format!("session:{cookie}:{}", body["csrf_token"].as_str().unwrap());
    let (s, e) = t.get(&tok, "/api/v1/systems").await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert_eq!(e["error"]["code"], "second_factor_required");
    // A wrong code is refused; the right one opens the session.
    let (s, _) = t
        .post(&tok, "/api/v1/auth/totp", json!({"code": "12345"}))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    // The set-up consumed this step's code, so sign in with the next one.
    let code = common::totp_code_at(&enrol.secret, "a.officer", 1);
    let (s, e) = t
        .post(&tok, "/api/v1/auth/totp", json!({"code": code}))
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{e}");
    assert_eq!(t.get(&tok, "/api/v1/systems").await.0, StatusCode::OK);
    // The same code cannot open a second session (replay).
    let r = reqwest::Client::new()
        .post(t.url("/api/v1/auth/login"))
        .json(&json!({"username": "a.officer", "password": common::PASSWORD}))
        .send()
        .await
        .unwrap();
    let cookie = common::session_cookie_of(&r).unwrap();
    let second = format!(
        "session:{cookie}:{}",
        r.json::<serde_json::Value>().await.unwrap()["csrf_token"]
            .as_str()
            .unwrap()
    );
    let (s, _) = t
        .post(&second, "/api/v1/auth/totp", json!({"code": code}))
        .await;
    assert_eq!(
        s,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a code is accepted once"
    );
    // The audit log records enabling, never the secret.
    let (_, log) = t
        .get(&t.login("coord").await, "/api/v1/audit?action=enable_totp")
        .await;
    assert_eq!(log["items"].as_array().unwrap().len(), 1);
    assert!(!log.to_string().contains(&enrol.secret));
    // An administrator can remove it when the phone is lost.
    let (_, users) = t
        .get(&t.login("a.admin").await, "/api/v1/users?limit=100")
        .await;
    let user = users["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["username"] == "a.officer")
        .unwrap()
        .clone();
    assert_eq!(user["totp_enabled"], true);
    let admin = t
        .app
        .user_scope(&t.app.user_by_name(&t.coordinator, "a.admin").await.unwrap())
        .await
        .unwrap();
    t.app
        .disable_totp(&admin, user["id"].as_i64().unwrap())
        .await
        .unwrap();
    assert!(t.login_with("a.officer", common::PASSWORD).await.is_ok());
});

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_role_that_requires_a_second_factor_must_set_one_up() {
    let config = app::Config {
        totp_required_roles: vec![domain::Role::Coordinator],
        ..Default::default()
    };
    let t = common::TestApp::spawn(common::Db::Sqlite, config).await;
    let tok = t.login("coord").await;
    let (s, e) = t.get(&tok, "/api/v1/systems").await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert_eq!(e["error"]["code"], "second_factor_enrolment_required");
    // Other roles are not held up.
    assert_eq!(
        t.get(&t.login("a.officer").await, "/api/v1/systems")
            .await
            .0,
        StatusCode::OK
    );
}

both_backends!(administrators_change_roles_within_their_reach, |t| {
    let admin = t.login("a.admin").await;
    let officer = t.login("a.officer").await;
    let (_, users) = t
        .get(&t.login("coord").await, "/api/v1/users?limit=100")
        .await;
    let id_of = |name: &str| {
        users["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["username"] == name)
            .unwrap()["id"]
            .as_i64()
            .unwrap()
    };
    let (s, _) = t
        .post(
            &admin,
            &format!("/api/v1/users/{}/role", id_of("a.officer")),
            json!({"role": "coordinator"}),
        )
        .await;
    assert_eq!(
        s,
        StatusCode::FORBIDDEN,
        "only the coordinator grants the coordinator role"
    );
    let (s, _) = t
        .post(
            &admin,
            &format!("/api/v1/users/{}/role", id_of("b.officer")),
            json!({"role": "auditor"}),
        )
        .await;
    assert_eq!(
        s,
        StatusCode::NOT_FOUND,
        "another agency's account is out of reach"
    );
    let (s, _) = t
        .post(
            &admin,
            &format!("/api/v1/users/{}/role", id_of("a.officer")),
            json!({"role": "responder"}),
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    assert_eq!(
        t.get(&officer, "/api/v1/auth/me").await.0,
        StatusCode::UNAUTHORIZED,
        "old sessions end"
    );
    let (_, me) = t.get(&t.login("a.officer").await, "/api/v1/auth/me").await;
    assert_eq!(me["role"], "responder");
    let (_, log) = t.get(&admin, "/api/v1/audit?action=change_role").await;
    assert_eq!(log["items"][0]["after"], "{\"role\":\"responder\"}");
});
