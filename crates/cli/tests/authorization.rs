//! The authorisation matrix, read from the live OpenAPI document: every
//! documented operation, called by a machine token of every role in two
//! agencies, an operator, the SOC provider and the coordinating
//! organisation, on a record of the caller's own organisation and on one of
//! another's, must answer as the table of capabilities says
//! (`x-canhgac-roles`, from `domain::Role::capabilities`). A new endpoint
//! that has no row in the table, or a handler that lets through a role the
//! table refuses, fails here.
//!
//! And the grants: no one creates a token (or an account) that sees or does
//! more than they do.

mod common;
use common::AuthExt;

use domain::{Reach, Role};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use std::collections::{BTreeSet, HashMap};

/// Operations whose use case decides by more than the role (who the caller
/// is, the record's state), so a role the table allows may still get a plain
/// 403 on its own records. Each with the rule that decides; an entry no
/// call needs fails the test. (Calls that carry a body send `{}`, which is
/// refused as invalid (422) before such rules are reached.)
const DECIDED_BY_THE_RECORD: &[(&str, &str, &str)] = &[
    (
        "post",
        "/auth/logout-all",
        "only people have sessions; a machine token has none",
    ),
    (
        "get",
        "/audit/verify",
        "the whole chain is read by those who see the province",
    ),
    (
        "post",
        "/incidents/{id}/tasks/{task}/done",
        "the task's owner, a responder or the coordinator",
    ),
];

#[derive(Clone, Debug)]
struct Identity {
    name: String,
    role: Role,
    org: i64,
    reach: Reach,
    token: String,
}

/// The records of one organisation that paths name.
#[derive(Clone, Debug, Default)]
struct Records {
    system: i64,
    asset: i64,
    user: i64,
    incident: i64,
    task: i64,
    evidence: i64,
    finding: i64,
    directive_task: i64,
    directive_file: i64,
    alert: i64,
    sensor: i64,
    suppression: i64,
}

struct World {
    orgs: Vec<i64>,
    records: HashMap<i64, Records>,
    directive: i64,
    period: i64,
    botnet_list: i64,
    warning: i64,
    coordinating: i64,
    admin: String,
}

fn form(org: i64, system: i64) -> Value {
    json!({
        "reporter_org": {"id": org, "name": "Đơn vị báo cáo"},
        "reporter": {"name": "Nguyễn Văn An", "title": "Chuyên viên", "phone": "0255 3822 123", "email": "an@sonha.gov.vn"},
        "system": {"id": system, "code": format!("SYS-{org}"), "name": "Cổng thông tin"},
        "title": "Máy chủ bị cài mã độc",
        "description": "Phát hiện tiến trình lạ.",
        "detected_at": "2025-01-25T16:10:00Z",
        "reported_status": "handling",
        "class": "malware", "severity": "high", "tlp": "amber"
    })
}

/// The id of what an answer created, wherever the answer puts it.
fn id_in(v: &Value) -> i64 {
    if let Some(id) = v["id"].as_i64() {
        return id;
    }
    if let Some(last) = v.as_array().and_then(|a| a.last()) {
        return id_in(last);
    }
    for key in [
        "list_id",
        "user",
        "token",
        "task",
        "evidence",
        "file",
        "attachment",
        "items",
    ] {
        match &v[key] {
            Value::Number(n) => return n.as_i64().unwrap(),
            Value::Null => {}
            inner => return id_in(inner),
        }
    }
    panic!("no id in {v}")
}

async fn ok(
    t: &common::TestApp,
    tok: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> Value {
    let (s, v) = t.call(tok, method.clone(), path, body).await;
    assert!(s.is_success(), "{method} {path}: {s} {v}");
    v
}

async fn raw_post(t: &common::TestApp, tok: &str, path: &str, bytes: Vec<u8>) -> Value {
    let r = reqwest::Client::new()
        .post(t.url(path))
        .auth(tok)
        .body(bytes)
        .send()
        .await
        .unwrap();
    let s = r.status();
    let v: Value = r.json().await.unwrap_or(Value::Null);
    assert!(s.is_success(), "POST {path}: {s} {v}");
    v
}

async fn build_world(t: &common::TestApp) -> World {
    let soc_input: domain::OrgInput = serde_json::from_value(
        json!({"name": "Trung tâm giám sát", "short_name": "SOC1", "org_type": "soc"}),
    )
    .unwrap();
    let soc = t
        .app
        .create_org(&t.coordinator, &soc_input)
        .await
        .unwrap()
        .id;
    let orgs = vec![t.coordinator_org, t.agency_a, t.agency_b, t.isp, soc];
    let admin = t.token(Role::Coordinator, t.coordinator_org).await;
    let cve = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../vulnmatch/tests/data/cve5/CVE-2024-21762.json"),
    )
    .unwrap();
    raw_post(
        t,
        &admin,
        "/api/v1/vulns/feeds?file_name=CVE-2024-21762.json",
        cve,
    )
    .await;
    let mut records = HashMap::new();
    for (i, &org) in orgs.iter().enumerate() {
        let system = t.system(org, &format!("SYS-{org}")).await;
        let mut input: domain::AssetInput = serde_json::from_value(json!({
            "system_id": system, "hostname": format!("fw-{org}"), "role": "appliance",
            "ips": [format!("14.160.{i}.1")]
        }))
        .unwrap();
        input.software = vec!["Fortinet|FortiOS|7.2.5|dotted".parse().unwrap()];
        let asset = t.app.create_asset(&t.coordinator, &input).await.unwrap().id;
        let user = ok(
            t,
            &admin,
            Method::POST,
            "/api/v1/users",
            Some(json!({
            "username": format!("spare.{org}"), "display_name": "Dự phòng", "org_id": org,
            "role": "officer", "password": common::PASSWORD})),
        )
        .await;
        let user = id_in(&user);
        let incident = id_in(
            &ok(
                t,
                &admin,
                Method::POST,
                "/api/v1/incidents",
                Some(form(org, system)),
            )
            .await,
        );
        let task = ok(
            t,
            &admin,
            Method::POST,
            &format!("/api/v1/incidents/{incident}/tasks"),
            Some(json!({"title": "Cô lập máy chủ", "owner": format!("spare.{org}")})),
        )
        .await;
        let task = id_in(&task);
        let evidence = raw_post(
            t,
            &admin,
            &format!("/api/v1/incidents/{incident}/evidence?file_name=ram.txt&note=RAM"),
            b"dump".to_vec(),
        )
        .await;
        let evidence = id_in(&evidence);
        let alert = 1000 + i as i64;
        t.raw_sql(&format!(
            "INSERT INTO alerts (id, rule_id, rule_title, level, severity, state, host, asset_id, system_id, org_id, \
             sensor_org_id, first_seen, last_seen, events, updated_at) VALUES ({alert}, 'r-{org}', 'Luật {org}', 'high', \
             'high', 'new', 'fw-{org}', {asset}, {system}, {org}, {org}, '2025-01-01T00:00:00+00:00', \
             '2025-01-01T00:00:00+00:00', '[]', '2025-01-01T00:00:00+00:00')"
        ))
        .await;
        let sensor = fresh_sensor(t, org).await;
        let suppression = fresh_suppression(t, org).await;
        records.insert(
            org,
            Records {
                system,
                asset,
                user,
                incident,
                task,
                evidence,
                alert,
                sensor,
                suppression,
                ..Default::default()
            },
        );
    }
    ok(t, &admin, Method::POST, "/api/v1/vulns/match", None).await;
    let findings = ok(
        t,
        &admin,
        Method::GET,
        "/api/v1/vulns/findings?limit=100",
        None,
    )
    .await;
    for f in findings["items"].as_array().unwrap() {
        let asset = f["asset_id"].as_i64().unwrap();
        for r in records.values_mut() {
            if r.asset == asset {
                r.finding = f["id"].as_i64().unwrap();
            }
        }
    }
    // One directive with one task per organisation.
    let tasks: Vec<Value> = orgs
        .iter()
        .map(|o| json!({"text": format!("Rà soát hệ thống của đơn vị {o}"), "recipients": {"org_ids": [o]}, "evidence_required": true}))
        .collect();
    let d = ok(
        t,
        &admin,
        Method::POST,
        "/api/v1/directives",
        Some(json!({
        "number": "1/UBND", "issued_on": "2025-01-02", "issuer": "Ủy ban nhân dân tỉnh",
        "title": "Bảo đảm an toàn thông tin dịp Tết", "tasks": tasks})),
    )
    .await;
    let directive = d["id"].as_i64().unwrap();
    for (i, &org) in orgs.iter().enumerate() {
        let task = d["tasks"][i]["id"].as_i64().unwrap();
        let own = t.token(Role::OrgAdmin, org).await;
        let file = raw_post(
            t,
            &own,
            &format!("/api/v1/directives/tasks/{task}/evidence?file_name=bien-ban.pdf"),
            b"%PDF".to_vec(),
        )
        .await;
        let r = records.get_mut(&org).unwrap();
        r.directive_task = task;
        r.directive_file = id_in(&file);
    }
    let period = ok(t, &admin, Method::POST, "/api/v1/duty/periods", Some(json!({
        "name": "Tết", "starts_at": "2025-01-24T17:00:00Z", "ends_at": "2025-02-02T17:00:00Z", "org_ids": orgs}))).await["id"]
        .as_i64()
        .unwrap();
    let botnet_list = raw_post(
        t,
        &admin,
        "/api/v1/botnet/import?source=CucATTT&period=2025-01&file_name=list.txt",
        b"14.160.0.1\n14.160.1.1\n".to_vec(),
    )
    .await;
    let botnet_list = id_in(&botnet_list);
    let warning = ok(t, &admin, Method::POST, "/api/v1/vulns/warnings", Some(json!({
        "number": "1/CATTT", "issued_on": "2024-02-09", "title": "FortiOS", "cves": ["CVE-2024-21762"]}))).await["id"]
        .as_i64()
        .unwrap();
    World {
        orgs,
        records,
        directive,
        period,
        botnet_list,
        warning,
        coordinating: t.coordinator_org,
        admin,
    }
}

async fn identities(t: &common::TestApp, w: &World) -> Vec<Identity> {
    let mut out = Vec::new();
    let add = |role: Role, org: i64, name: String| (role, org, name);
    let mut wanted = Vec::new();
    for &org in &[t.agency_a, t.agency_b] {
        for &role in Role::ALL {
            wanted.push(add(role, org, format!("{role}@agency{org}")));
        }
    }
    wanted.push(add(Role::IspOperator, t.isp, "isp_operator@isp".into()));
    wanted.push(add(Role::OrgAdmin, t.isp, "org_admin@isp".into()));
    wanted.push(add(Role::SocAnalyst, w.orgs[4], "soc_analyst@soc".into()));
    wanted.push(add(Role::Coordinator, w.coordinating, "coordinator".into()));
    wanted.push(add(
        Role::Auditor,
        w.coordinating,
        "auditor@department".into(),
    ));
    wanted.push(add(
        Role::OrgAdmin,
        w.coordinating,
        "org_admin@department".into(),
    ));
    for (role, org, name) in wanted {
        let token = t.token(role, org).await;
        out.push(Identity {
            name,
            role,
            org,
            reach: Reach::of(role, org == w.coordinating),
            token,
        });
    }
    out
}

async fn fresh_sensor(t: &common::TestApp, org: i64) -> i64 {
    let input = app::monitoring::NewSensorInput {
        org_id: org,
        name: format!("sensor {}", rand::random::<u32>()),
        system_ids: vec![],
        source_addrs: vec![],
        valid_days: 30,
    };
    t.app
        .register_sensor(&t.coordinator, &input)
        .await
        .unwrap()
        .0
        .id
}

async fn fresh_suppression(t: &common::TestApp, org: i64) -> i64 {
    let input = app::monitoring::NewSuppressionInput {
        kind: "rule".into(),
        rule_id: Some(format!("r-{org}")),
        host: None,
        field: None,
        value: None,
        reason: "Kiểm thử (test)".into(),
        expires_at: Some(chrono::Utc::now() + chrono::Duration::days(1)),
        org_id: Some(org),
    };
    t.app
        .create_suppression(&t.coordinator, &input)
        .await
        .unwrap()
        .id
}

/// A fresh record for a DELETE, so each call removes its own.
async fn fresh(t: &common::TestApp, w: &World, template: &str, org: i64, n: usize) -> String {
    match template {
        "/systems/{id}" => format!(
            "/api/v1/systems/{}",
            t.system(org, &format!("DEL-{n}")).await
        ),
        "/assets/{id}" => {
            let s = w.records[&org].system;
            format!(
                "/api/v1/assets/{}",
                t.asset(s, &format!("del-{n}"), "10.9.9.9").await
            )
        }
        "/tokens/{id}" => {
            let tok = ok(
                t,
                &w.admin,
                Method::POST,
                "/api/v1/tokens",
                Some(json!({"name": format!("del {n}"), "org_id": org, "role": "responder"})),
            )
            .await;
            format!("/api/v1/tokens/{}", id_in(&tok))
        }
        "/contacts/{id}" => {
            let c = ok(t, &w.admin, Method::POST, "/api/v1/contacts",
                Some(json!({"category": "other", "name": format!("Liên hệ {n}"), "phone": "0912 345 678"}))).await;
            format!("/api/v1/contacts/{}", id_in(&c))
        }
        "/sensors/{id}" => format!("/api/v1/sensors/{}", fresh_sensor(t, org).await),
        "/suppressions/{id}" => format!("/api/v1/suppressions/{}", fresh_suppression(t, org).await),
        "/indicator-feeds/{id}" => {
            let how = app::indicator_feeds::FeedImport {
                name: format!("del {n}"),
                format: "plain".into(),
                ..Default::default()
            };
            let r = t
                .app
                .import_indicator_feed(&t.coordinator, &how, b"198.51.100.1\n".to_vec())
                .await
                .unwrap();
            format!("/api/v1/indicator-feeds/{}", r.feed_id)
        }
        other => concrete(w, other, org),
    }
}

/// The path with the records of `org` (shared records where the path names one).
fn concrete(w: &World, template: &str, org: i64) -> String {
    let r = &w.records[&org];
    let id = match template {
        t if t.starts_with("/orgs/") => org,
        t if t.starts_with("/systems/") => r.system,
        t if t.starts_with("/assets/") => r.asset,
        t if t.starts_with("/users/") => r.user,
        t if t.starts_with("/tokens/") => 999_999,
        t if t.starts_with("/botnet/lists/") => w.botnet_list,
        t if t.starts_with("/vulns/warnings/") => w.warning,
        t if t.starts_with("/vulns/findings/") => r.finding,
        t if t.starts_with("/duty/periods/") => w.period,
        t if t.starts_with("/incidents/") => r.incident,
        t if t.starts_with("/directives/tasks/") => r.directive_task,
        t if t.starts_with("/directives/") => w.directive,
        t if t.starts_with("/contacts/") => 999_999,
        t if t.starts_with("/notifications/") => 999_999,
        t if t.starts_with("/alerts/") => r.alert,
        t if t.starts_with("/sensors/") => r.sensor,
        t if t.starts_with("/suppressions/") => r.suppression,
        _ => 0,
    };
    let path = template
        .replace("{id}", &id.to_string())
        .replace("{org}", &org.to_string())
        .replace("{task}", &r.task.to_string())
        .replace("{evidence}", &r.evidence.to_string())
        .replace("{file}", &r.directive_file.to_string())
        .replace("{kind}", "systems")
        .replace("{period}", "2025-H1")
        .replace("{format}", "stix");
    let ext = match template {
        t if t.contains("report.{ext}") && t.starts_with("/vulns") => "docx",
        t if t.contains("report.{ext}") => "xlsx",
        t if t.contains("roster.{ext}") => "ics",
        _ => "csv",
    };
    let query = if template.starts_with("/reports/periodic/") {
        format!("?org_id={org}")
    } else {
        String::new()
    };
    format!("/api/v1{}{query}", path.replace("{ext}", ext))
}

/// Whether the path names a record that belongs to one organisation (as
/// opposed to shared ones: lists of the province, periods, directives).
fn names_own_record(template: &str) -> bool {
    let shared = [
        "/botnet/",
        "/vulns/warnings/",
        "/contacts/",
        "/notifications/",
        "/openapi",
        "/indicator-feeds/",
    ];
    let record = ["{id}", "{org}", "{task}", "{evidence}", "{file}"];
    if shared.iter().any(|s| template.starts_with(s))
        || matches!(template, "/import/{kind}" | "/export/{kind}")
    {
        return false;
    }
    // A directive and a duty period are shared; their files and rosters are not.
    if template.starts_with("/directives/{id}") {
        return template.contains("{file}");
    }
    if template.starts_with("/duty/periods/{id}") {
        return template.contains("{org}");
    }
    template.starts_with("/reports/periodic/") || record.iter().any(|p| template.contains(p))
}

#[derive(Debug, PartialEq)]
enum Expect {
    RoleRefused,
    Hidden,
    Allowed,
}

both_backends!(every_operation_answers_each_role_as_the_table_says, |t| {
    let w = build_world(&t).await;
    let ids = identities(&t, &w).await;
    let (s, doc) = t.get(&w.admin, "/api/v1/openapi.json").await;
    assert_eq!(s, StatusCode::OK);
    let mut failures = Vec::new();
    let mut exceptions_used = BTreeSet::new();
    let mut calls = 0;
    let mut n = 0;
    let mut ops: Vec<(String, String, Value)> = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            ops.push((
                method.clone(),
                path.trim_start_matches("/api/v1").to_string(),
                op.clone(),
            ));
        }
    }
    // Deletions last, so the records the other calls name stay in place.
    ops.sort_by_key(|(m, p, _)| (m == "delete", p.clone()));
    for (method, template, op) in &ops {
        let Some(roles) = op["x-canhgac-roles"].as_array() else {
            failures.push(format!(
                "{method} {template}: no row in the table (x-canhgac-roles)"
            ));
            continue;
        };
        let roles: BTreeSet<&str> = roles.iter().filter_map(Value::as_str).collect();
        if op["x-canhgac-capability"].is_null() {
            continue; // public: signing in, the document itself
        }
        let m = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
        for id in &ids {
            let other = if id.org == t.agency_a {
                t.agency_b
            } else {
                t.agency_a
            };
            let targets: Vec<(bool, i64)> = if names_own_record(template) {
                vec![(true, id.org), (false, other)]
            } else {
                vec![(true, id.org)]
            };
            for (own, org) in targets {
                n += 1;
                let path = if method == "delete" {
                    fresh(&t, &w, template, org, n).await
                } else {
                    concrete(&w, template, org)
                };
                let body = (method == "post" || method == "put").then(|| json!({}));
                let (status, answer) = t.call(&id.token, m.clone(), &path, body).await;
                calls += 1;
                let expect = if !roles.contains(id.role.as_str()) {
                    Expect::RoleRefused
                } else if !own && id.reach == Reach::Organisation {
                    Expect::Hidden
                } else {
                    Expect::Allowed
                };
                let code = answer["error"]["code"].as_str().unwrap_or("");
                let decided = DECIDED_BY_THE_RECORD
                    .iter()
                    .any(|(dm, dp, _)| dm == method && dp == template);
                let fine = match expect {
                    _ if status.is_server_error() => false,
                    _ if status.is_client_error() && code.is_empty() => false,
                    Expect::RoleRefused => {
                        status == StatusCode::FORBIDDEN && code == "role_forbidden"
                    }
                    Expect::Hidden if method == "get" => status == StatusCode::NOT_FOUND,
                    Expect::Hidden => !status.is_success() && code != "role_forbidden",
                    Expect::Allowed => {
                        code != "role_forbidden"
                            && status != StatusCode::UNAUTHORIZED
                            && status != StatusCode::NOT_FOUND
                            && (status != StatusCode::FORBIDDEN || decided)
                    }
                };
                if expect == Expect::Allowed && status == StatusCode::FORBIDDEN {
                    exceptions_used.insert((method.clone(), template.clone()));
                }
                if !fine {
                    failures.push(format!(
                        "{method} {template} as {} on {} record ({path}): expected {expect:?}, got {status} {answer}",
                        id.name,
                        if own { "its own" } else { "another organisation's" },
                    ));
                }
            }
        }
    }
    assert!(calls > 2000, "{calls} calls");
    for (m, p, why) in DECIDED_BY_THE_RECORD {
        if !exceptions_used.contains(&(m.to_string(), p.to_string())) {
            failures.push(format!("{m} {p} is listed as decided by the record ({why}) but no allowed role was refused: take it off the list"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {calls} answers differ from the table:\n{}",
        failures.len(),
        failures.join("\n")
    );
});

both_backends!(no_grant_sees_or_does_more_than_its_granter, |t| {
    let w = build_world(&t).await;
    let ids = identities(&t, &w).await;
    // What each identity sees of the province.
    async fn seen(t: &common::TestApp, tok: &str) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        for path in [
            "/api/v1/orgs?limit=1000",
            "/api/v1/systems?limit=1000",
            "/api/v1/assets?limit=1000",
            "/api/v1/incidents?limit=100",
            "/api/v1/vulns/findings?limit=1000",
        ] {
            let (s, v) = t.get(tok, path).await;
            if s == StatusCode::OK {
                for item in v["items"].as_array().unwrap() {
                    out.insert(format!("{path}#{}", item["id"]));
                }
            }
        }
        out
    }
    let mut checked = 0;
    for granter in &ids {
        let granter_sees = seen(&t, &granter.token).await;
        for &role in Role::ALL {
            for &org in &w.orgs {
                let (s, answer) = t
                    .post(
                        &granter.token,
                        "/api/v1/tokens",
                        json!({"name": "granted", "org_id": org, "role": role}),
                    )
                    .await;
                let scope = domain::Scope::new(
                    domain::Actor::System,
                    granter.org,
                    granter.role,
                    w.coordinating,
                );
                let expected = scope.may_grant(role, org, w.coordinating);
                assert_eq!(
                    s == StatusCode::CREATED,
                    expected,
                    "{} grants {role} in {org}: {s} {answer}",
                    granter.name
                );
                if s != StatusCode::CREATED {
                    assert_eq!(
                        s,
                        StatusCode::FORBIDDEN,
                        "{} grants {role} in {org}: {answer}",
                        granter.name
                    );
                    continue;
                }
                checked += 1;
                let secret = answer["secret"].as_str().expect("the secret, once");
                let granted_sees = seen(&t, secret).await;
                let wider: Vec<_> = granted_sees.difference(&granter_sees).collect();
                assert!(
                    wider.is_empty(),
                    "{} gave {role}@{org} a token that sees more: {wider:?}",
                    granter.name
                );
                for c in role.capabilities() {
                    assert!(granter.role.may(*c), "{} gave {role} {c}", granter.name);
                }
                // The same through accounts and role changes.
                let username = format!("g{checked}.{}", granter.role.as_str().replace('_', ""));
                let (s, u) = t
                    .post(&granter.token, "/api/v1/users", json!({"username": username, "display_name": "Được cấp", "org_id": org, "role": role, "password": common::PASSWORD}))
                    .await;
                assert_eq!(
                    s,
                    StatusCode::CREATED,
                    "{} creates {role}@{org}: {u}",
                    granter.name
                );
            }
        }
    }
    assert!(checked > 20, "{checked}");
    // Raising an account past the granter is refused as well.
    let a_admin = ids
        .iter()
        .find(|i| i.role == Role::OrgAdmin && i.org == t.agency_a)
        .unwrap();
    let spare = w.records[&t.agency_a].user;
    for role in ["auditor", "coordinator"] {
        let (s, _) = t
            .post(
                &a_admin.token,
                &format!("/api/v1/users/{spare}/role"),
                json!({"role": role}),
            )
            .await;
        if role == "coordinator" {
            assert_eq!(s, StatusCode::FORBIDDEN);
        } else {
            // An auditor of the agency sees the agency only: allowed.
            assert_eq!(s, StatusCode::NO_CONTENT);
        }
    }
    // The department's own administrator cannot hand out province-wide reading.
    let dept_admin = ids
        .iter()
        .find(|i| i.name == "org_admin@department")
        .unwrap();
    let (s, _) = t
        .post(
            &dept_admin.token,
            "/api/v1/tokens",
            json!({"name": "x", "org_id": w.coordinating, "role": "auditor"}),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
});
