//! The web console over plain HTTP: sign-in, CSRF on every form, tenancy on
//! every page, security headers, language, the import preview.

mod common;

use reqwest::StatusCode;

use common::{browser, hidden, sign_in};

both_backends!(pages_render_and_keep_to_the_callers_organisation, |t| {
    let sys_a = t.system(t.agency_a, "STC-W1").await;
    let sys_b = t.system(t.agency_b, "SYT-W1").await;
    let asset_b = t.asset(sys_b, "syt-w-web", "14.170.0.1").await;
    let (c, _) = sign_in(&t, "a.officer").await;
    for path in [
        "/dashboard",
        "/systems",
        &format!("/systems/{sys_a}"),
        "/orgs",
        "/assets",
        "/import",
        "/systems/new",
    ] {
        // (administration pages are checked below: not an officer's)
        let r = c.get(t.url(path)).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{path}");
        let csp = r.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .to_string();
        assert!(
            csp.contains("frame-ancestors 'none'") && !csp.contains("unsafe-inline"),
            "{csp}"
        );
        let html = r.text().await.unwrap();
        assert!(
            !html.contains("SYT-W1") && !html.contains("syt-w-web") && !html.contains("Sở Y tế"),
            "{path} leaked"
        );
        // No inline script or style: the CSP would block them anyway.
        assert!(
            !html.contains("<script>") && !html.contains(" style=\""),
            "{path} has inline code"
        );
    }
    for path in [
        format!("/systems/{sys_b}"),
        format!("/systems/{sys_b}/edit"),
        format!("/systems/{sys_b}/delete"),
        format!("/assets/{asset_b}"),
        format!("/orgs/{}", t.agency_b),
    ] {
        let r = c.get(t.url(&path)).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{path}");
    }
    // The dashboard counts only what the caller may see.
    let html = c
        .get(t.url("/dashboard"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("id=\"total-systems\">1<"),
        "officer sees one system"
    );
    let (coord, _) = sign_in(&t, "coord").await;
    let html = coord
        .get(t.url("/dashboard"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("id=\"total-systems\">2<"));
    assert!(
        html.contains("<svg") && html.contains("/systems?level=2"),
        "level chart links to the list"
    );
});

both_backends!(every_form_needs_its_csrf_token, |t| {
    let (c, csrf) = sign_in(&t, "a.officer").await;
    let fields = [
        ("code", "STC-CSRF"),
        ("name", "Hệ thống thử"),
        ("owner", "STC"),
        ("function_type", "internal"),
    ];
    let r = c
        .post(t.url("/systems/new"))
        .form(&fields)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let mut forged = fields.to_vec();
    forged.push(("csrf", "forged"));
    let r = c
        .post(t.url("/systems/new"))
        .form(&forged)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let (_, page) = t
        .get(&t.login("coord").await, "/api/v1/systems?q=STC-CSRF")
        .await;
    assert!(
        page["items"].as_array().unwrap().is_empty(),
        "nothing was created"
    );
    // With the token it goes through.
    let mut good = fields.to_vec();
    good.push(("csrf", &csrf));
    let r = c
        .post(t.url("/systems/new"))
        .form(&good)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    // The sign-in form is protected too (double-submit cookie).
    let r = browser()
        .post(t.url("/login"))
        .form(&[
            ("username", "coord"),
            ("password", common::PASSWORD),
            ("csrf", "x"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // Sign-out is a form as well.
    let r = c
        .post(t.url("/logout"))
        .form(&[("csrf", "nope")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = c
        .post(t.url("/logout"))
        .form(&[("csrf", &csrf)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = c.get(t.url("/dashboard")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "signed out");
});

both_backends!(
    system_form_explains_bad_input_and_keeps_what_was_typed,
    |t| {
        let (c, csrf) = sign_in(&t, "a.officer").await;
        let r = c
            .post(t.url("/systems/new"))
            .form(&[
                ("csrf", csrf.as_str()),
                ("code", "bad code"),
                ("name", "Cổng thông tin điện tử"),
                ("owner", "STC"),
                ("function_type", "internal"),
                ("approved_level", "3"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = r.text().await.unwrap();
        assert!(html.contains("id=\"form-errors\""));
        assert!(html.contains("is not a system code"), "code error shown");
        assert!(
            html.contains("value=\"Cổng thông tin điện tử\""),
            "typed values kept"
        );
        // Another agency as owner is refused.
        let r = c
            .post(t.url("/systems/new"))
            .form(&[
                ("csrf", csrf.as_str()),
                ("code", "X-1"),
                ("name", "X"),
                ("owner", "SYT"),
                ("function_type", "internal"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    }
);

both_backends!(
    first_sign_in_goes_to_the_password_change_and_language_sticks,
    |t| {
        let c = browser();
        let form = c
            .get(t.url("/login"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let r = c
            .post(t.url("/login"))
            .form(&[
                ("username", "admin"),
                ("password", common::PASSWORD),
                ("csrf", &hidden(&form, "csrf")),
                ("next", "/systems"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let r = c.get(t.url("/systems")).send().await.unwrap();
        assert_eq!(r.headers()["location"], "/password");
        let html = c
            .get(t.url("/password"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(html.contains("Bạn cần đổi mật khẩu"));
        let csrf = hidden(&html, "csrf");
        let r = c
            .post(t.url("/password"))
            .form(&[
                ("csrf", csrf.as_str()),
                ("current_password", common::PASSWORD),
                ("new_password", "abc"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.text().await.unwrap().contains("ít nhất 8 ký tự"));
        let r = c
            .post(t.url("/password"))
            .form(&[
                ("csrf", csrf.as_str()),
                ("current_password", common::PASSWORD),
                ("new_password", "Song-Tra#2026"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        assert_eq!(
            c.get(t.url("/systems")).send().await.unwrap().status(),
            StatusCode::OK
        );

        // English, remembered across requests.
        let r = c.get(t.url("/lang/en?back=/systems")).send().await.unwrap();
        assert_eq!(r.headers()["location"], "/systems");
        let html = c
            .get(t.url("/systems"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(html.contains("<html lang=\"en\">") && html.contains("Information systems"));
        let html = c
            .get(t.url("/dashboard"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(html.contains("Dashboard"));
        for back in [
            "//evil.example",
            "/%09/evil.example",
            "/%5Cevil.example",
            "/%0d%0aSet-Cookie:%20x=1",
        ] {
            let r = c
                .get(t.url(&format!("/lang/vi?back={back}")))
                .send()
                .await
                .unwrap();
            assert_eq!(
                r.status(),
                StatusCode::BAD_REQUEST,
                "{back}: no open redirect"
            );
            assert!(r.headers().get("location").is_none());
            assert!(
                r.headers().get("set-cookie").is_none(),
                "{back}: nothing set"
            );
        }
        let r = c
            .get(t.url("/lang/vi?back=/systems%3Flevel%3D3"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.headers()["location"], "/systems?level=3");
    }
);

both_backends!(
    import_shows_a_preview_and_writes_only_on_confirmation,
    |t| {
        let (c, csrf) = sign_in(&t, "coord").await;
        let upload = |body: &'static str| {
            reqwest::multipart::Form::new()
                .text("csrf", csrf.clone())
                .text("kind", "systems")
                .part(
                    "file",
                    reqwest::multipart::Part::bytes(body.as_bytes().to_vec())
                        .file_name("he-thong.csv"),
                )
        };
        let bad = "code,name,owner,function_type,proposed_level\nW-1,Hệ thống một,STC,internal,2\nW-2,Hệ thống hai,STC,internal,7\n";
        let r = c
            .post(t.url("/import"))
            .multipart(upload(bad))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = r.text().await.unwrap();
        assert!(
            html.contains("id=\"import-errors\"")
                && html.contains("security level 7 is outside 1–5"),
            "the bad row is explained"
        );
        let api = t.login("coord").await;
        assert!(
            t.get(&api, "/api/v1/systems?q=W-").await.1["items"]
                .as_array()
                .unwrap()
                .is_empty(),
            "a preview writes nothing"
        );

        let good =
            "code,name,owner,function_type,proposed_level\nW-1,Hệ thống một,STC,internal,2\n";
        let html = c
            .post(t.url("/import"))
            .multipart(upload(good))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let stash = hidden(&html, "stash");
        assert!(t.get(&api, "/api/v1/systems?q=W-").await.1["items"]
            .as_array()
            .unwrap()
            .is_empty());
        // Another person cannot confirm someone else's upload.
        let (other, other_csrf) = sign_in(&t, "a.admin").await;
        let r = other
            .post(t.url("/import/confirm"))
            .form(&[("csrf", other_csrf.as_str()), ("stash", stash.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
        let r = c
            .post(t.url("/import/confirm"))
            .form(&[("csrf", csrf.as_str()), ("stash", stash.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        assert!(r.text().await.unwrap().contains("id=\"import-done\""));
        assert_eq!(
            t.get(&api, "/api/v1/systems?q=W-1").await.1["items"]
                .as_array()
                .unwrap()
                .len(),
            1
        );
    }
);

both_backends!(
    administrators_manage_accounts_and_tokens_from_the_console,
    |t| {
        let (c, csrf) = sign_in(&t, "a.admin").await;
        let html = c
            .get(t.url("/admin/users"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            html.contains("a.officer") && !html.contains("b.officer"),
            "an org admin sees its own accounts"
        );
        let r = c
            .post(t.url("/admin/users"))
            .form(&[
                ("csrf", csrf.as_str()),
                ("username", "stc.moi"),
                ("display_name", "Phạm Thị Mới"),
                ("email", ""),
                ("org_id", &t.agency_a.to_string()),
                ("role", "officer"),
            ])
            .send()
            .await
            .unwrap();
        let html = r.text().await.unwrap();
        let password = html
            .split("id=\"one-time-password\">")
            .nth(1)
            .unwrap()
            .split('<')
            .next()
            .unwrap()
            .to_string();
        assert!(t.login_with("stc.moi", &password).await.is_ok());
        // Tokens: the secret is shown once and works.
        let html = c
            .post(t.url("/admin/tokens"))
            .form(&[
                ("csrf", csrf.as_str()),
                ("name", "máy quét"),
                ("org_id", &t.agency_a.to_string()),
                ("role", "officer"),
                ("valid_days", "30"),
            ])
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let secret = html
            .split("id=\"token-secret\">")
            .nth(1)
            .unwrap()
            .split('<')
            .next()
            .unwrap()
            .to_string();
        assert_eq!(t.get(&secret, "/api/v1/systems").await.0, StatusCode::OK);
        let html = c
            .get(t.url("/admin/tokens"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(!html.contains(&secret), "never shown again");
        // The audit page shows the chain's state to the coordinator.
        let (coord, _) = sign_in(&t, "coord").await;
        let html = coord
            .get(t.url("/admin/audit"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(html.contains("id=\"chain-state\"") && html.contains("toàn vẹn"));
        // Records by label and name, not by code and number.
        assert!(html.contains("Tài khoản "), "{html}");
        assert!(
            !html.contains("Tài khoản #") && !html.contains(">user<"),
            "{html}"
        );
    }
);

both_backends!(a_person_sets_up_a_second_factor_in_the_console, |t| {
    let (c, csrf) = sign_in(&t, "a.officer").await;
    let html = c
        .get(t.url("/account/totp"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("<svg"), "the QR code is drawn by canhgac");
    let secret = html
        .split("id=\"totp-secret\">")
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap()
        .to_string();
    let r = c
        .post(t.url("/account/totp"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("secret", secret.as_str()),
            ("code", "000000"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "a wrong code enables nothing"
    );
    let code = common::totp_code_at(&secret, "a.officer", 0);
    let r = c
        .post(t.url("/account/totp"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("secret", secret.as_str()),
            ("code", code.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let html = c
        .get(t.url("/account/totp"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("id=\"totp-on\""));

    // Next sign-in: the password leads to the code page, and only the code opens the console.
    let c2 = browser();
    let form = c2
        .get(t.url("/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let r = c2
        .post(t.url("/login"))
        .form(&[
            ("username", "a.officer"),
            ("password", common::PASSWORD),
            ("csrf", &hidden(&form, "csrf")),
            ("next", "/systems"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["location"], "/login/totp");
    let r = c2.get(t.url("/systems")).send().await.unwrap();
    assert_eq!(r.headers()["location"], "/login/totp");
    let page = c2
        .get(t.url("/login/totp"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf2 = hidden(&page, "csrf");
    let next = common::totp_code_at(&secret, "a.officer", 1);
    let r = c2
        .post(t.url("/login/totp"))
        .form(&[("csrf", csrf2.as_str()), ("code", next.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        c2.get(t.url("/systems")).send().await.unwrap().status(),
        StatusCode::OK
    );
});

both_backends!(organisations_and_assets_are_edited_in_the_console, |t| {
    let (coord, csrf) = sign_in(&t, "coord").await;
    let r = coord
        .post(t.url("/orgs/new"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("short_name", "UBND-ĐH"),
            ("name", "Ủy ban nhân dân huyện Đăk Hà"),
            ("org_type", "district"),
            ("address_blocks", "113.160.10.0/28\n2001:ee0:200::/48"),
            ("contact_name", "Lê Thị Hoa"),
            ("contact_phone", "0260 3822 111"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let org_page = r.headers()["location"].to_str().unwrap().to_string();
    let html = coord
        .get(t.url(&org_page))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("Ủy ban nhân dân huyện Đăk Hà")
            && html.contains("2001:ee0:200::/48")
            && html.contains("Lê Thị Hoa")
    );
    let r = coord
        .post(t.url("/orgs/new"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("short_name", "BAD"),
            ("name", "Sai"),
            ("org_type", "agency"),
            ("address_blocks", "10.0.0.1/24"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text().await.unwrap().contains("10.0.0.0/24"),
        "the error says which block was meant"
    );

    // An officer adds an asset to their own system; a bad address is explained.
    let sys = t.system(t.agency_a, "STC-AS").await;
    let other = t.system(t.agency_b, "SYT-AS").await;
    let other_asset = t.asset(other, "syt-db", "14.171.0.1").await;
    let (c, csrf) = sign_in(&t, "a.officer").await;
    let r = c
        .post(t.url(&format!("/systems/{sys}/assets/new")))
        .form(&[
            ("csrf", csrf.as_str()),
            ("hostname", "stc-web-01"),
            ("role", "server"),
            ("ips", "14.160.5.5 14.160.5.300"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("14.160.5.300"));
    let r = c
        .post(t.url(&format!("/systems/{sys}/assets/new")))
        .form(&[
            ("csrf", csrf.as_str()),
            ("hostname", "stc-web-01"),
            ("role", "server"),
            ("ips", "14.160.5.5"),
            ("software", "Apache|HTTP Server|2.4.49|semver"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let asset_page = r.headers()["location"].to_str().unwrap().to_string();
    assert!(c
        .get(t.url(&asset_page))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
        .contains("2.4.49"));
    // Not into another agency's system, and not another agency's asset.
    let r = c
        .get(t.url(&format!("/systems/{other}/assets/new")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let r = c
        .get(t.url(&format!("/assets/{other_asset}/edit")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let r = c
        .post(t.url(&format!("/assets/{other_asset}/delete")))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    // Officers do not create organisations.
    assert_eq!(
        c.get(t.url("/orgs/new")).send().await.unwrap().status(),
        StatusCode::FORBIDDEN
    );
});

both_backends!(export_writes_exactly_what_the_list_shows, |t| {
    t.system(t.agency_a, "LV2-A").await;
    let coord = t.login("coord").await;
    let mut body = serde_json::json!({"code": "LV3-A", "name": "Hệ thống cấp 3", "owner_org_id": t.agency_a, "function_type": "internal", "proposed_level": 3});
    assert_eq!(
        t.post(&coord, "/api/v1/systems", body.clone()).await.0,
        StatusCode::CREATED
    );
    body["code"] = "LV3-B".into();
    body["owner_org_id"] = t.agency_b.into();
    assert_eq!(
        t.post(&coord, "/api/v1/systems", body).await.0,
        StatusCode::CREATED
    );
    let (c, _) = sign_in(&t, "coord").await;
    let html = c
        .get(t.url("/systems?level=3&owner_org_id="))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let href = html
        .split("id=\"export-csv\"")
        .next()
        .unwrap()
        .rsplit("href=\"")
        .next()
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .replace("&amp;", "&")
        .replace("&#38;", "&");
    assert!(href.contains("level=3"), "{href}");
    let csv = c
        .get(t.url(&href))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        csv.contains("LV3-A") && csv.contains("LV3-B") && !csv.contains("LV2-A"),
        "{href}: {csv}"
    );
    // The agency's officer exports only its own level-3 system.
    let (o, _) = sign_in(&t, "a.officer").await;
    let csv = o
        .get(t.url(&href))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(csv.contains("LV3-A") && !csv.contains("LV3-B"));
});

both_backends!(dashboard_numbers_lead_to_their_lists, |t| {
    let coord = t.login("coord").await;
    let approved = serde_json::json!({"code": "APP-1", "name": "Đã phê duyệt", "owner_org_id": t.agency_a, "function_type": "internal",
        "proposed_level": 3, "approved_level": 3, "approval": {"number": "1/QĐ-UBND", "date": "2024-01-02", "body": "UBND tỉnh"},
        "protection": {"last_assessment": "2020-05-01"}});
    assert_eq!(
        t.post(&coord, "/api/v1/systems", approved).await.0,
        StatusCode::CREATED
    );
    t.system(t.agency_a, "UNAPP-1").await;
    let (c, _) = sign_in(&t, "coord").await;
    let dash = c
        .get(t.url("/dashboard"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(dash.contains("href=\"/systems?approved=false\""));
    let html = c
        .get(t.url("/systems?approved=false"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("UNAPP-1") && !html.contains(">APP-1<"),
        "only the unapproved system: {html}"
    );
    let html = c
        .get(t.url("/systems?min_level=3&assessed=false"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("APP-1<"),
        "assessed in 2020: more than a year ago"
    );
    let (_, page) = t.get(&coord, "/api/v1/systems?approved=true").await;
    assert_eq!(page["items"].as_array().unwrap().len(), 1);
});

both_backends!(
    administration_pages_are_for_administrators_and_auditors,
    |t| {
        for (user, allowed) in [
            ("a.officer", false),
            ("b.officer", false),
            ("a.admin", true),
            ("auditor", true),
            ("isp.operator", false),
        ] {
            let (c, _) = sign_in(&t, user).await;
            for path in ["/admin/users", "/admin/tokens", "/admin/audit"] {
                let r = c.get(t.url(path)).send().await.unwrap();
                if allowed {
                    assert_eq!(r.status(), StatusCode::OK, "{user} {path}");
                } else {
                    assert_eq!(r.status(), StatusCode::FORBIDDEN, "{user} {path}");
                }
            }
        }
    }
);

both_backends!(
    sign_in_refuses_a_return_address_off_the_site_and_sets_nothing,
    |t| {
        for next in [
            "/\t/evil.example",
            "/\\evil.example",
            "//evil.example",
            "/x\r\nSet-Cookie: x=1",
        ] {
            let c = browser();
            let form = c
                .get(t.url("/login"))
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            let r = c
                .post(t.url("/login"))
                .form(&[
                    ("username", "a.officer"),
                    ("password", common::PASSWORD),
                    ("csrf", &hidden(&form, "csrf")),
                    ("next", next),
                ])
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{next:?}");
            assert!(
                r.headers().get("set-cookie").is_none(),
                "{next:?}: no session"
            );
            assert!(r.headers().get("location").is_none());
            let r = c
                .get(t.url(&format!(
                        "/login?next={}",
                        next.replace('\t', "%09")
                            .replace('\r', "%0d")
                            .replace('\n', "%0a")
                            .replace(' ', "%20")
                    )))
                .send()
                .await
                .unwrap();
            assert_eq!(
                r.status(),
                StatusCode::BAD_REQUEST,
                "GET /login?next={next:?}"
            );
        }
        // A form posted from another site is refused even with the right token.
        let c = browser();
        let form = c
            .get(t.url("/login"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let r = c
            .post(t.url("/login"))
            .header("origin", "http://evil.example")
            .form(&[
                ("username", "a.officer"),
                ("password", common::PASSWORD),
                ("csrf", &hidden(&form, "csrf")),
                ("next", "/dashboard"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        assert!(r.headers().get("set-cookie").is_none());
    }
);
