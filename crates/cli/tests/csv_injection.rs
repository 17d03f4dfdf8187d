//! CSV injection: text that a spreadsheet would run as a formula (starting
//! with `=`, `+`, `-`, `@`, a tab or a carriage return) leaves every CSV
//! export with a leading `'`, and an exported file imports back unchanged.

mod common;

use common::AuthExt;
use reqwest::StatusCode;
use serde_json::{json, Value};

const DANGEROUS: [&str; 6] = [
    "=HYPERLINK(\"http://evil.example\",\"Bấm vào đây\")",
    "+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)",
    "\t=1+1",
    "\r=1+1",
];

/// Every field of a CSV export (after the BOM), unquoted as a spreadsheet
/// program reads RFC 4180.
fn fields(bytes: &[u8]) -> Vec<String> {
    let text = String::from_utf8(bytes.to_vec()).unwrap();
    let text = text.strip_prefix('\u{FEFF}').unwrap_or(&text);
    let mut out = Vec::new();
    let mut field = String::new();
    let mut chars = text.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            '"' if quoted => quoted = false,
            '"' if field.is_empty() => quoted = true,
            ',' | '\n' if !quoted => out.push(std::mem::take(&mut field)),
            c => field.push(c),
        }
    }
    out
}

/// No field starts a formula, and `expected` values appear guarded.
fn assert_neutralised(what: &str, bytes: &[u8], expected: &[&str]) {
    let fields = fields(bytes);
    for f in &fields {
        assert!(
            !f.starts_with(['=', '+', '-', '@', '\t', '\r']),
            "{what}: the field {f:?} would be run as a formula"
        );
    }
    for value in expected {
        // Stored as given, or trimmed where the record trims its text.
        let guarded = [format!("'{value}"), format!("'{}", value.trim())];
        assert!(
            fields
                .iter()
                .any(|f| guarded.iter().any(|g| f.contains(g.as_str()))),
            "{what}: {guarded:?} not found in {fields:?}"
        );
    }
}

async fn csv(t: &common::TestApp, tok: &str, path: &str) -> Vec<u8> {
    let r = t.fetch(tok, path).await;
    assert_eq!(r.status(), StatusCode::OK, "{path}");
    r.bytes().await.unwrap().to_vec()
}

async fn created(t: &common::TestApp, tok: &str, path: &str, body: Value) -> i64 {
    let (s, v) = t.post(tok, path, body).await;
    assert_eq!(s, StatusCode::CREATED, "{path}: {v}");
    v["id"].as_i64().unwrap()
}

both_backends!(every_csv_export_neutralises_formulas, |t| {
    let coord = t.login("coord").await;

    // Registry records whose free text starts with each dangerous character.
    let org = created(
        &t,
        &coord,
        "/api/v1/orgs",
        json!({"name": DANGEROUS[0], "short_name": "EVIL", "org_type": "agency",
               "address": DANGEROUS[3]}),
    )
    .await;
    let (s, v) = t
        .import(
            &coord,
            "blocks",
            "blocks.csv",
            "org,cidr\nEVIL,113.161.30.0/28\n".into(),
            "",
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let mut systems = Vec::new();
    for (i, name) in DANGEROUS.iter().enumerate() {
        systems.push(
            created(
                &t,
                &coord,
                "/api/v1/systems",
                json!({"code": format!("EVIL-{i}"), "name": name, "owner_org_id": org,
                       "function_type": "public_service", "proposed_level": 2,
                       "internet_facing": true}),
            )
            .await,
        );
    }
    for (i, note) in DANGEROUS.iter().enumerate() {
        created(
            &t,
            &coord,
            "/api/v1/assets",
            json!({"system_id": systems[i], "hostname": format!("evil{i}"), "role": "server",
                   "ips": [format!("113.161.30.{}", i + 1)], "notes": note,
                   "os_name": DANGEROUS[(i + 1) % DANGEROUS.len()],
                   "software": [{"vendor": "F5", "product": "BIG-IP", "version": "17.1.0.3", "scheme": "dotted"}], "modules": ["LTM"]}),
        )
        .await;
    }

    // The registry exports, then the round trip: nothing changes.
    let before: Vec<Value> = {
        let mut v = Vec::new();
        for kind in ["orgs", "systems", "assets"] {
            v.push(t.get(&coord, &format!("/api/v1/{kind}?limit=1000")).await.1);
        }
        v
    };
    for kind in ["orgs", "systems", "assets", "blocks"] {
        let bytes = csv(&t, &coord, &format!("/api/v1/export/{kind}?format=csv")).await;
        let expected: &[&str] = match kind {
            "orgs" => &DANGEROUS[..1],
            "blocks" => &[],
            _ => &DANGEROUS,
        };
        assert_neutralised(kind, &bytes, expected);
        if kind == "blocks" {
            continue;
        }
        let (s, report) = t
            .import(&coord, kind, &format!("{kind}.csv"), bytes, "")
            .await;
        assert_eq!(s, StatusCode::OK, "{kind}: {report}");
        assert_eq!(report["created"], 0, "{kind}: {report}");
    }
    for (i, kind) in ["orgs", "systems", "assets"].iter().enumerate() {
        let (_, after) = t.get(&coord, &format!("/api/v1/{kind}?limit=1000")).await;
        let strip = |v: &Value| -> Value {
            let mut v = v.clone();
            for item in v["items"].as_array_mut().unwrap() {
                for key in ["updated_at", "created_at", "version", "etag"] {
                    item.as_object_mut().unwrap().remove(key);
                }
                // Imports trim every cell (CSV and XLSX alike), while the
                // JSON API keeps a leading tab or CR: compare trimmed text.
                for value in item.as_object_mut().unwrap().values_mut() {
                    if let Value::String(text) = value {
                        *text = text.trim().to_owned();
                    }
                }
            }
            v
        };
        assert_eq!(
            strip(&after),
            strip(&before[i]),
            "{kind} changed by its own export"
        );
    }

    // Incidents: a title and a description of each kind.
    for (i, text) in DANGEROUS.iter().enumerate() {
        created(
            &t,
            &coord,
            "/api/v1/incidents",
            json!({
                "reporter_org": {"id": org, "name": "Sở"},
                "reporter": {"name": text, "title": "Chuyên viên", "phone": "0255 3822 123",
                             "email": "an@stc.sonha.gov.vn"},
                "system": {"id": systems[i], "code": format!("EVIL-{i}"), "name": text},
                "title": text,
                "description": text,
                "detected_at": "2025-01-25T16:10:00Z",
                "reported_status": "handling",
                "class": "malware", "severity": "high", "tlp": "amber"
            }),
        )
        .await;
    }
    let bytes = csv(&t, &coord, "/api/v1/incidents.csv").await;
    assert_neutralised("incidents", &bytes, &DANGEROUS);

    // Findings: a note on each.
    let r = reqwest::Client::new()
        .post(t.url("/api/v1/vulns/feeds?file_name=CVE-2023-46747.json"))
        .auth(&coord)
        .body(
            std::fs::read(
                std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                    .join("../vulnmatch/tests/data/cve5/CVE-2023-46747.json"),
            )
            .unwrap(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let (s, run) = t.post(&coord, "/api/v1/vulns/match", json!({})).await;
    assert_eq!(s, StatusCode::OK, "{run}");
    let (_, page) = t.get(&coord, "/api/v1/vulns/findings?limit=100").await;
    let items = page["items"].as_array().unwrap();
    assert_eq!(items.len(), DANGEROUS.len(), "{page}");
    for (item, note) in items.iter().zip(DANGEROUS) {
        let (s, v) = t
            .post(
                &coord,
                &format!("/api/v1/vulns/findings/{}/move", item["id"]),
                json!({"action": "dispute", "note": note}),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
    }
    let bytes = csv(&t, &coord, "/api/v1/vulns/findings.csv").await;
    assert_neutralised("findings", &bytes, &DANGEROUS);

    // A botnet list whose malware family column is hostile.
    let mut list = String::from("ip,family\n");
    for (i, family) in DANGEROUS.iter().enumerate() {
        let family = family.replace('"', "\"\"");
        list.push_str(&format!("113.161.30.{},\"{family}\"\n", i + 1));
    }
    let r = reqwest::Client::new()
        .post(t.url(
            "/api/v1/botnet/import?source=national&period=2025-01&format=csv&file_name=list.csv",
        ))
        .auth(&coord)
        .body(list)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let list_id = r.json::<Value>().await.unwrap()["list_id"]
        .as_i64()
        .unwrap();
    let bytes = csv(
        &t,
        &coord,
        &format!("/api/v1/botnet/lists/{list_id}/listings.csv"),
    )
    .await;
    // Families are trimmed when read, so the tab and CR forms lose them.
    assert_neutralised("botnet listings", &bytes, &DANGEROUS[..4]);
});
