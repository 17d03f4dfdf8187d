//! A refused form answers a page inside the layout, with the menu, that
//! names each field by its label and says why in Vietnamese, with a link
//! back to the form it came from.

mod common;

use common::sign_in;
use reqwest::StatusCode;

both_backends!(refused_forms_speak_vietnamese, |t| {
    let (c, csrf) = sign_in(&t, "a.officer").await;
    let url = |p: &str| t.url(p);
    let next_year = chrono::Utc::now().date_naive().year_ce().1 + 1;
    let r = c
        .post(url("/incidents"))
        .header("referer", url("/incidents/new"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("title", "Máy chủ bị cài mã độc"),
            ("description", "Phát hiện tiến trình lạ."),
            ("detected_at", &format!("{next_year}-01-25T16:10")),
            ("class", "malware"),
            ("severity", "high"),
            ("reporter_name", "Nguyễn Văn An"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("Thời điểm phát hiện: thời điểm phát hiện ở tương lai"),
        "{html}"
    );
    assert!(!html.contains("detected_at"), "{html}");
    assert!(html.contains("aria-label=\"menu\""), "no menu: {html}");
    assert!(
        html.contains("href=\"/incidents/new\" id=\"back-to-form\""),
        "{html}"
    );

    let (c, csrf) = sign_in(&t, "coord").await;
    let r = c
        .post(url("/duty"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("name", "Tết"),
            ("starts_at", ""),
            ("ends_at", "2026-02-20T17:00"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("&#39;&#39; không phải ngày giờ") || html.contains("'' không phải ngày giờ"),
        "{html}"
    );
    assert!(!html.contains("starts_at"), "{html}");
    assert!(html.contains("aria-label=\"menu\""), "no menu: {html}");
});

use chrono::Datelike;
