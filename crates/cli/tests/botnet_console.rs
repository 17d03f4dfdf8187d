//! The botnet pages of the console: upload with a preview, confirm, the
//! list's figures, an owner marking its address cleaned, tenancy and CSRF.

mod common;

use common::sign_in;
use reqwest::multipart::{Form, Part};
use reqwest::StatusCode;

fn upload(csrf: &str, body: &str) -> Form {
    Form::new()
        .text("csrf", csrf.to_string())
        .text("source", "Cục ATTT")
        .text("period", "2025-01")
        .part(
            "file",
            Part::bytes(body.as_bytes().to_vec()).file_name("botnet-2025-01.txt"),
        )
}

both_backends!(
    a_list_is_previewed_written_and_cleaned_up_from_the_console,
    |t| {
        let coord_api = t.login("coord").await;
        let (_, mut org) = t
            .get(&coord_api, &format!("/api/v1/orgs/{}", t.agency_a))
            .await;
        org["address_blocks"] = serde_json::json!(["14.160.10.0/28"]);
        t.call(
            &coord_api,
            reqwest::Method::PUT,
            &format!("/api/v1/orgs/{}", t.agency_a),
            Some(org),
        )
        .await;
        let (c, csrf) = sign_in(&t, "coord").await;
        let list = "14.160.10.5\n14.170.1.1\n14.170.1.999\n10.0.0.1\n";
        // Without the CSRF token the upload is refused.
        let r = c
            .post(t.url("/botnet/upload"))
            .multipart(upload("", list))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        let r = c
            .post(t.url("/botnet/upload"))
            .multipart(upload(&csrf, list))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "a bad line");
        let page = r.text().await.unwrap();
        assert!(page.contains("id=\"botnet-errors\""), "{page}");
        assert!(page.contains("14.170.1.999"), "the bad line is shown");
        assert!(page.contains("id=\"preview-listed\">2<"), "{page}");
        let stash = common::hidden(&page, "stash");
        let (_, lists) = t.get(&coord_api, "/api/v1/botnet/lists").await;
        assert_eq!(
            lists["items"],
            serde_json::json!([]),
            "the preview wrote nothing"
        );
        let r = c
            .post(t.url("/botnet/confirm"))
            .form(&[
                ("csrf", csrf.as_str()),
                ("stash", &stash),
                ("keep_valid", "1"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let to = r.headers()["location"].to_str().unwrap().to_string();
        assert!(to.starts_with("/botnet/lists/"), "{to}");
        let page = t.page(&c, &to).await;
        assert!(page.contains("id=\"botnet-owners\""));
        assert!(page.contains(">STC<"), "the agency's line");
        assert!(page.contains("<svg"), "the trend chart");
        let id: i64 = to.rsplit('/').next().unwrap().parse().unwrap();

        // The agency's officer sees its address and marks it cleaned.
        let (officer, officer_csrf) = sign_in(&t, "a.officer").await;
        let ips = format!("/botnet/lists/{id}/ips");
        let page = t.page(&officer, &ips).await;
        assert!(page.contains("14.160.10.5"));
        assert!(
            !page.contains("14.170.1.1"),
            "the operator's customer is not the agency's"
        );
        let r = officer
            .post(t.url(&format!("/botnet/lists/{id}/cleanups")))
            .form(&[
                ("csrf", officer_csrf.as_str()),
                ("ip", "14.160.10.5"),
                ("note", "Quét và gỡ mã độc Mirai, đổi mật khẩu"),
                ("back", ips.as_str()),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let page = t.page(&officer, &ips).await;
        assert!(
            page.contains("Quét và gỡ mã độc Mirai"),
            "the note is shown"
        );

        // The coordinator opens one owner's addresses with that owner's trend.
        let page = t.page(&c, &format!("{ips}?owner={}", t.agency_a)).await;
        assert!(page.contains("id=\"owner-trend\""), "{page}");
        // Another agency sees nothing of it, and cannot mark it.
        let (other, other_csrf) = sign_in(&t, "b.officer").await;
        let page = t.page(&other, &ips).await;
        assert!(!page.contains("14.160.10.5"));
        let r = other
            .post(t.url(&format!("/botnet/lists/{id}/cleanups")))
            .form(&[
                ("csrf", other_csrf.as_str()),
                ("ip", "14.160.10.5"),
                ("note", "x"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
        // Officers do not import lists.
        let r = other
            .post(t.url("/botnet/upload"))
            .multipart(upload(&other_csrf, "14.160.10.5\n"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        for path in ["/botnet", "/botnet/prefixes", "/notifications"] {
            let r = c.get(t.url(path)).send().await.unwrap();
            assert_eq!(r.status(), StatusCode::OK, "{path}");
        }
        // The report downloads as an attachment.
        let r = c
            .get(t.url(&format!("/api/v1/botnet/lists/{id}/report.docx")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        assert!(r.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment"));
    }
);
