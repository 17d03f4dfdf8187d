//! The edges an attack on the running server tried: API errors that were
//! not JSON, the session secret used as a bearer token, requests from other
//! sites, and an incident naming another organisation as its system's owner.

mod common;
use common::AuthExt;

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

async fn answer(r: reqwest::Response) -> (StatusCode, String, Value) {
    let status = r.status();
    let ct = r
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    (status, ct, r.json().await.unwrap_or(Value::Null))
}

both_backends!(every_api_error_is_the_documented_json, |t| {
    let tok = t.token(domain::Role::Officer, t.agency_a).await;
    for (method, path, status, code) in [
        (
            Method::GET,
            "/api/v1/no-such-thing",
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        (
            Method::GET,
            "/api/v1/systems/1/nothing",
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        (
            Method::DELETE,
            "/api/v1/openapi.json",
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
        ),
        (
            Method::PATCH,
            "/api/v1/systems",
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
        ),
        (
            Method::GET,
            "/api/v1/systems?limit=many",
            StatusCode::BAD_REQUEST,
            "bad_request",
        ),
        (
            Method::GET,
            "/api/v1/systems/abc",
            StatusCode::BAD_REQUEST,
            "bad_request",
        ),
    ] {
        let r = t
            .client
            .request(method.clone(), t.url(path))
            .auth(&tok)
            .send()
            .await
            .unwrap();
        let (s, ct, body) = answer(r).await;
        assert_eq!(s, status, "{method} {path}: {body}");
        assert!(ct.starts_with("application/json"), "{method} {path}: {ct}");
        assert_eq!(body["error"]["code"], code, "{method} {path}: {body}");
        let message = body["error"]["message"].as_str().unwrap();
        // Vietnamese first (a word with its diacritics), English after.
        assert!(
            message
                .chars()
                .any(|c| "ìíạảãàáâầấậẩẫăằắặẳẵđêềếệểễôồốộổỗơờớợởỡưừứựửữ".contains(c)),
            "{method} {path}: {message}"
        );
        assert!(message.contains('('), "{message}");
    }
    // Unauthenticated: JSON too.
    let (s, ct, body) = answer(t.client.get(t.url("/api/v1/systems")).send().await.unwrap()).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert!(ct.starts_with("application/json"));
    assert_eq!(body["error"]["code"], "unauthenticated");
});

both_backends!(the_session_secret_is_no_bearer_token, |t| {
    let r = reqwest::Client::new()
        .post(t.url("/api/v1/auth/login"))
        .json(&json!({"username": "a.officer", "password": common::PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let cookie = common::session_cookie_of(&r).expect("a session cookie");
    let set_cookie = r.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(set_cookie.contains("HttpOnly") && set_cookie.contains("SameSite=Strict"));
    let body: Value = r.json().await.unwrap();
    assert!(body.get("session_token").is_none(), "{body}");
    assert!(
        !body.to_string().contains(&cookie),
        "the secret is not in the body"
    );
    // The cookie's value sent as a bearer token opens nothing.
    let r = reqwest::Client::new()
        .post(t.url("/api/v1/systems"))
        .bearer_auth(&cookie)
        .json(&json!({"code": "X-1", "name": "X", "owner_org_id": t.agency_a, "function_type": "internal"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let r = reqwest::Client::new()
        .get(t.url("/api/v1/systems"))
        .bearer_auth(&cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
});

both_backends!(a_cookie_session_refuses_changes_from_another_site, |t| {
    let tok = t.login("a.officer").await;
    let body = |code: &str| json!({"code": code, "name": "Hệ thống", "owner_org_id": t.agency_a, "function_type": "internal"});
    let here = format!("http://{}", t.addr);
    let cases: [(&[(&str, &str)], StatusCode); 6] = [
        (&[("origin", "http://evil.example")], StatusCode::FORBIDDEN),
        (&[("sec-fetch-site", "cross-site")], StatusCode::FORBIDDEN),
        // A sandboxed frame on another site sends `Origin: null`.
        (
            &[("origin", "null"), ("sec-fetch-site", "cross-site")],
            StatusCode::FORBIDDEN,
        ),
        (
            &[("origin", "null"), ("sec-fetch-site", "same-site")],
            StatusCode::FORBIDDEN,
        ),
        // Our own pages (referrer policy no-referrer) send `Origin: null`
        // with `Sec-Fetch-Site: same-origin`.
        (
            &[("origin", "null"), ("sec-fetch-site", "same-origin")],
            StatusCode::CREATED,
        ),
        (
            &[("origin", here.as_str()), ("sec-fetch-site", "same-origin")],
            StatusCode::CREATED,
        ),
    ];
    for (i, (headers, want)) in cases.iter().enumerate() {
        let mut req = t
            .client
            .post(t.url("/api/v1/systems"))
            .auth(&tok)
            .json(&body(&format!("STC-9{i}")));
        for (h, v) in headers.iter() {
            req = req.header(*h, *v);
        }
        let r = req.send().await.unwrap();
        assert_eq!(r.status(), *want, "{headers:?}");
    }
});

both_backends!(an_incident_names_only_its_own_organisations, |t| {
    let sys_a = t.system(t.agency_a, "STC-INC").await;
    let tok = t.login("a.officer").await;
    let mut form = json!({
        "reporter_org": {"id": t.agency_a, "name": "Sở Tài chính"},
        "reporter": {"name": "Nguyễn Văn An", "title": "Chuyên viên", "phone": "0255 3822 123"},
        "owner_org": {"id": t.agency_b, "name": "Sở Y tế"},
        "system": {"id": sys_a, "code": "STC-INC", "name": "Cổng thông tin"},
        "title": "Máy chủ bị cài mã độc",
        "description": "Phát hiện tiến trình lạ.",
        "detected_at": "2025-01-25T16:10:00Z",
        "reported_status": "handling",
        "class": "malware", "severity": "high", "tlp": "amber"
    });
    let (s, e) = t.post(&tok, "/api/v1/incidents", form.clone()).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(e["error"]["details"][0]["field"], "owner_org.id", "{e}");
    form["owner_org"] = json!(null);
    form["operator_org"] = json!({"id": t.isp, "name": "VNPT"});
    let (s, e) = t.post(&tok, "/api/v1/incidents", form.clone()).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(e["error"]["details"][0]["field"], "operator_org.id", "{e}");
    form["operator_org"] = json!({"id": t.agency_a, "name": "Sở Tài chính"});
    let (s, e) = t.post(&tok, "/api/v1/incidents", form).await;
    assert_eq!(s, StatusCode::CREATED, "{e}");
});
