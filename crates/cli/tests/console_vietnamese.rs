//! The Vietnamese console shows no English codes: every page a coordinator
//! and an agency officer can reach from the dashboard (following the links,
//! on the demo province) is read as a person sees it, and any piece of text
//! that is a code — a severity, a TLP, a role, a status, a priority, an
//! audit action, a timeline entry — instead of its Vietnamese label fails
//! the test. Unknown paths answer a Vietnamese 404 page inside the layout.

mod common;

use reqwest::StatusCode;
use std::collections::{BTreeMap, BTreeSet, VecDeque};

/// Codes that must never stand alone in the Vietnamese console.
const CODES: &[&str] = &[
    // severities and TLP
    "low",
    "medium",
    "high",
    "critical",
    "clear",
    "white",
    "green",
    "amber",
    "amber+strict",
    "red",
    // asset roles, organisation and system types
    "server",
    "workstation",
    "appliance",
    "network",
    "database",
    "agency",
    "district",
    "commune",
    "isp",
    "soc",
    "national",
    "partner",
    "internal",
    "public_service",
    "infrastructure",
    "industrial_control",
    // priorities and finding statuses
    "immediate",
    "out-of-cycle",
    "scheduled",
    "defer",
    "open",
    "in_progress",
    "patched",
    "mitigated",
    "risk_accepted",
    "false_positive",
    "resolved_by_update",
    // incident states, classes and timeline kinds
    "reported",
    "acknowledged",
    "responding",
    "contained",
    "resolved",
    "closed",
    "rejected",
    "malware",
    "ransomware",
    "intrusion",
    "ddos",
    "defacement",
    "phishing",
    "data_leak",
    "vulnerability_exploit",
    "change",
    "note",
    "action",
    "decision",
    // roles
    "coordinator",
    "org_admin",
    "officer",
    "isp_operator",
    "soc_analyst",
    "responder",
    "auditor",
    // audit actions
    "create",
    "update",
    "delete",
    "login",
    "login_failed",
    "logout",
    "enable_totp",
    "rechain",
    // evidence labels
    "inventory_fact",
    "record",
    "rule",
    "source",
    "system:matcher",
    "hotfix_excluded",
    // incident milestones
    "report",
    "acknowledge",
    "contain",
    "resolve",
    // deadline rules
    "warning",
    "sla",
    "floor",
    "detection",
    "kevdue",
];

/// The text a person reads on a page: text nodes outside scripts, styles
/// and code samples, each trimmed.
fn visible_texts(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = html;
    let mut skip: Option<&str> = None;
    while let Some(lt) = rest.find('<') {
        let text = &rest[..lt];
        if skip.is_none() {
            let t = text
                .replace("&amp;", "&")
                .replace("&gt;", ">")
                .replace("&lt;", "<");
            let t = t.trim();
            if !t.is_empty() {
                out.push(t.to_string());
            }
        }
        let Some(gt) = rest[lt..].find('>') else {
            break;
        };
        let tag = &rest[lt + 1..lt + gt];
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_lowercase();
        match skip {
            Some(s) if tag.starts_with('/') && name == s => skip = None,
            None if ["script", "style", "code", "pre"].contains(&name.as_str())
                && !tag.starts_with('/')
                && !tag.ends_with('/') =>
            {
                skip = Some(match name.as_str() {
                    "script" => "script",
                    "style" => "style",
                    "code" => "code",
                    _ => "pre",
                })
            }
            _ => {}
        }
        rest = &rest[lt + gt + 1..];
    }
    out
}

/// The codes a piece of text consists of, if it is made of codes only
/// (`high`, `reported → acknowledged`, `server, database`).
fn codes_in(text: &str) -> Option<Vec<&'static str>> {
    let parts: Vec<&str> = text
        .split(|c: char| "→,/()|:;".contains(c))
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect();
    if parts.is_empty() {
        return None;
    }
    let mut found = Vec::new();
    for p in parts {
        match CODES.iter().find(|c| **c == p) {
            Some(c) => found.push(*c),
            None => return None,
        }
    }
    Some(found)
}

fn links(html: &str) -> Vec<String> {
    html.split("href=\"")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .map(|h| h.replace("&amp;", "&").replace("&#38;", "&"))
        .filter(|h| h.starts_with('/') && !h.starts_with("//"))
        .collect()
}

/// Paths that are downloads, actions or the language switch, not pages.
fn is_page(path: &str) -> bool {
    let file = [
        ".csv", ".xlsx", ".docx", ".ics", ".json", ".svg", ".png", ".css", ".js", "/static/",
    ];
    !file.iter().any(|f| path.contains(f))
        && !path.starts_with("/lang/")
        && !path.starts_with("/logout")
        && !path.contains("/files/")
        && !path.contains("/evidence/")
        && !path.starts_with("/api/")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_english_codes_on_the_vietnamese_pages() {
    let dir = tempfile::tempdir().unwrap();
    let store = app::store::Store::open_sqlite_dir(dir.path())
        .await
        .unwrap();
    let app = app::App::new(store, Default::default());
    let accounts = app.seed_demo(2025).await.unwrap().expect("empty database");
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let served = app.clone();
    tokio::spawn(async move {
        server::serve(served, listener, None, std::future::pending())
            .await
            .unwrap();
    });
    // What the demo lacks so every kind of page shows data: findings from a
    // real record, an incident worked through a few steps, a machine token.
    let system = app.system_scope().await.unwrap();
    let (_, admin) = app
        .create_token(
            &system,
            &app::accounts::CreateToken {
                name: "Kết nối hệ thống giám sát".into(),
                org_id: system.org_id,
                role: domain::Role::Coordinator,
                valid_days: 30,
            },
        )
        .await
        .unwrap();
    let api = |method: reqwest::Method, path: &str| {
        reqwest::Client::new()
            .request(method, format!("http://{addr}/api/v1{path}"))
            .bearer_auth(&admin)
    };
    for name in [
        "cve5/CVE-2024-21762.json",
        "nvd/CVE-2023-46747.json",
        "cve5/CVE-2023-46747.json",
        "known_exploited_vulnerabilities.json",
    ] {
        let bytes = std::fs::read(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../vulnmatch/tests/data")
                .join(name),
        )
        .unwrap();
        let r = api(
            reqwest::Method::POST,
            &format!("/vulns/feeds?file_name={}", name.replace('/', "-")),
        )
        .body(bytes)
        .send()
        .await
        .unwrap();
        assert!(r.status().is_success(), "{name}");
    }
    let r = api(reqwest::Method::POST, "/vulns/match")
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());
    let orgs: serde_json::Value = api(reqwest::Method::GET, "/orgs?org_type=agency&limit=1")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let agency = orgs["items"][0]["id"].as_i64().unwrap();
    let inc: serde_json::Value = api(reqwest::Method::POST, "/incidents")
        .json(&serde_json::json!({
            "reporter_org": {"id": agency, "name": "Đơn vị"},
            "reporter": {"name": "Nguyễn Văn An", "title": "Chuyên viên", "phone": "0255 3822 123"},
            "title": "Máy chủ bị cài mã độc", "description": "Phát hiện tiến trình lạ.",
            "detected_at": "2025-01-25T16:10:00Z", "reported_status": "handling",
            "class": "malware", "severity": "high", "tlp": "amber"
        }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = inc["id"].as_i64().unwrap_or_else(|| panic!("{inc}"));
    for (path, body) in [
        (
            format!("/incidents/{id}/transition"),
            serde_json::json!({"action": "acknowledge"}),
        ),
        (
            format!("/incidents/{id}/observables"),
            serde_json::json!({"value": "14.160.10.5"}),
        ),
        (
            format!("/incidents/{id}/entries"),
            serde_json::json!({"kind": "action", "text": "Cô lập máy chủ"}),
        ),
        (
            format!("/incidents/{id}/escalations"),
            serde_json::json!({"to": "vncert", "reference": "123/VNCERT"}),
        ),
    ] {
        let r = api(reqwest::Method::POST, &path)
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = r.status();
        assert!(
            status.is_success() || status == StatusCode::UNPROCESSABLE_ENTITY,
            "{path}: {}",
            r.text().await.unwrap()
        );
    }
    let mut problems: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut pages = 0;
    for role in [
        domain::Role::Coordinator,
        domain::Role::Officer,
        domain::Role::IspOperator,
        domain::Role::SocAnalyst,
    ] {
        let user = accounts.users.iter().find(|u| u.role == role).unwrap();
        let url = |p: &str| format!("http://{addr}{p}");
        let (c, _) = common::sign_in_at(&url(""), &user.username, &user.password).await;
        let mut queue: VecDeque<String> = VecDeque::from(["/dashboard".to_string()]);
        let mut seen = BTreeSet::new();
        // Pages of one kind (`/systems/12`, `/systems/13`) are read a few times, not all.
        let mut per_kind: BTreeMap<String, usize> = BTreeMap::new();
        while let Some(path) = queue.pop_front() {
            if !seen.insert(path.clone()) || seen.len() > 400 {
                continue;
            }
            let (route, query) = path.split_once('?').unwrap_or((&path, ""));
            let mut names: Vec<&str> = query
                .split('&')
                .filter_map(|kv| kv.split('=').next())
                .filter(|k| !k.is_empty())
                .collect();
            names.sort();
            let kind = format!(
                "{}?{}",
                route
                    .split('/')
                    .map(
                        |s| if !s.is_empty() && s.chars().all(|c| c.is_ascii_digit()) {
                            "#"
                        } else {
                            s
                        }
                    )
                    .collect::<Vec<_>>()
                    .join("/"),
                names.join("&")
            );
            let n = per_kind.entry(kind).or_default();
            *n += 1;
            if *n > 4 {
                continue;
            }
            let r = c.get(url(&path)).send().await.unwrap();
            // A page links only where its reader may go.
            if r.status() == StatusCode::FORBIDDEN {
                problems
                    .entry(format!("{} {path}", user.username))
                    .or_default()
                    .insert("a link to a page this role may not open".into());
            }
            if r.status() != StatusCode::OK
                || !r
                    .headers()
                    .get("content-type")
                    .is_some_and(|v| v.to_str().unwrap().starts_with("text/html"))
            {
                continue;
            }
            let html = r.text().await.unwrap();
            pages += 1;
            for text in visible_texts(&html) {
                // The priority reasons (SSVC) read in Vietnamese too.
                for word in [
                    "exploitation",
                    "exposure",
                    "automatable",
                    "value density",
                    "mission impact",
                    "internet-facing",
                ] {
                    if text.contains(word) {
                        problems
                            .entry(format!("{} {path}", user.username))
                            .or_default()
                            .insert(format!("{text:?} ({word})"));
                    }
                }
                if let Some(codes) = codes_in(&text) {
                    problems
                        .entry(format!("{} {path}", user.username))
                        .or_default()
                        .insert(format!("{text:?} ({})", codes.join(", ")));
                }
            }
            for l in links(&html) {
                if is_page(&l) && !seen.contains(&l) {
                    queue.push_back(l);
                }
            }
        }
        // An unknown path: a Vietnamese 404 page inside the layout, with the menu.
        let r = c.get(url("/no-such-page")).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
        let html = r.text().await.unwrap();
        assert!(html.contains("Không tìm thấy"), "{html}");
        assert!(
            html.contains("href=\"/dashboard\""),
            "the menu is there: {html}"
        );
        if matches!(role, domain::Role::Coordinator | domain::Role::Officer) {
            let r = c.get(url("/vulns/unevaluable")).send().await.unwrap();
            assert_eq!(
                r.status(),
                StatusCode::OK,
                "the page canhgac vuln match points to"
            );
        }
    }
    assert!(pages > 40, "{pages} pages read");
    assert!(
        problems.is_empty(),
        "English codes or forbidden links on Vietnamese pages ({pages} pages read):\n{}",
        problems
            .iter()
            .map(|(p, t)| format!("{p}: {}", t.iter().cloned().collect::<Vec<_>>().join("; ")))
            .collect::<Vec<_>>()
            .join("\n")
    );
}
