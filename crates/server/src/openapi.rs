//! The OpenAPI 3.1 document of /api/v1, built from one table of operations
//! so that a test can check every operation against the live router.

use serde_json::{json, Map, Value};

/// (method, path, tag, summary, request body schema, query parameters)
pub type Operation = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    Option<&'static str>,
    &'static [&'static str],
);

pub const OPERATIONS: &[Operation] = &[
    ("post", "/auth/login", "auth", "Sign in; sets the session cookie and returns the CSRF token", Some("Login"), &[]),
    ("post", "/auth/logout", "auth", "Sign out of this session", None, &[]),
    ("post", "/auth/logout-all", "auth", "Sign out of every session of the caller", None, &[]),
    ("get", "/auth/me", "auth", "Who the caller is", None, &[]),
    ("post", "/auth/password", "auth", "Change the caller's password", Some("PasswordChange"), &[]),
    ("post", "/auth/totp", "auth", "Second step of sign-in: the TOTP code, when the account has a second factor", Some("TotpCode"), &[]),
    ("get", "/orgs", "registry", "List organisations", None, &["q", "org_type", "parent_id", "sort", "after", "after_key", "limit"]),
    ("post", "/orgs", "registry", "Register an organisation (coordinator)", Some("OrgInput"), &[]),
    ("get", "/orgs/{id}", "registry", "One organisation", None, &[]),
    ("put", "/orgs/{id}", "registry", "Replace an organisation", Some("OrgInput"), &[]),
    ("delete", "/orgs/{id}", "registry", "Remove an organisation with nothing left in it", None, &[]),
    ("get", "/systems", "registry", "List information systems", None,
        &["q", "owner_org_id", "level", "min_level", "internet_facing", "soc_monitoring", "ncsc_connected", "isp_id", "soc_provider_id", "approved", "sort", "after", "after_key", "limit"]),
    ("post", "/systems", "registry", "Register an information system", Some("InfoSystemInput"), &[]),
    ("get", "/systems/{id}", "registry", "One information system", None, &[]),
    ("put", "/systems/{id}", "registry", "Replace an information system", Some("InfoSystemInput"), &[]),
    ("delete", "/systems/{id}", "registry", "Remove a system and its assets", None, &[]),
    ("get", "/assets", "registry", "List assets", None, &["q", "system_id", "owner_org_id", "role", "ip", "sort", "after", "after_key", "limit"]),
    ("post", "/assets", "registry", "Register an asset", Some("AssetInput"), &[]),
    ("get", "/assets/{id}", "registry", "One asset", None, &[]),
    ("put", "/assets/{id}", "registry", "Replace an asset", Some("AssetInput"), &[]),
    ("delete", "/assets/{id}", "registry", "Remove an asset", None, &[]),
    ("post", "/import/{kind}", "transfer", "Import a CSV or XLSX file (raw body) of orgs, systems, assets or blocks; all-or-nothing unless keep_valid", None, &["file_name", "keep_valid", "dry_run"]),
    ("get", "/export/{kind}", "transfer", "Export orgs, systems, assets or blocks as CSV or XLSX", None, &["format"]),
    ("get", "/users", "accounts", "List accounts", None, &["owner_org_id", "after", "limit"]),
    ("post", "/users", "accounts", "Create an account", Some("CreateUser"), &[]),
    ("post", "/users/{id}/reset-password", "accounts", "Reset an account's password (returned once)", None, &[]),
    ("post", "/users/{id}/disable", "accounts", "Disable an account and end its sessions", None, &[]),
    ("post", "/users/{id}/enable", "accounts", "Enable an account", None, &[]),
    ("post", "/users/{id}/role", "accounts", "Give an account another role (ends its sessions)", Some("RoleChange"), &[]),
    ("get", "/tokens", "accounts", "List machine tokens", None, &[]),
    ("post", "/tokens", "accounts", "Create a machine token (secret returned once)", Some("CreateToken"), &[]),
    ("delete", "/tokens/{id}", "accounts", "Revoke a machine token", None, &[]),
    ("post", "/botnet/import", "botnet", "Import a botnet list (raw body: text, IP<TAB>count, CSV or XLSX); each IP to its owner's most specific block; owners are notified", None, &["source", "period", "file_name", "format", "keep_valid", "dry_run"]),
    ("get", "/botnet/lists", "botnet", "The imported botnet lists", None, &[]),
    ("get", "/botnet/lists/{id}", "botnet", "One imported list with its counts", None, &[]),
    ("get", "/botnet/lists/{id}/owners", "botnet", "Listed IPs per owner and family (an organisation sees its own; an operator also its customers')", None, &[]),
    ("get", "/botnet/lists/{id}/isps", "botnet", "Listed IPs per operator whose address space holds them", None, &[]),
    ("get", "/botnet/lists/{id}/changes", "botnet", "Month over month: each IP new, still listed (months in a row), cleaned or reinfected", None, &[]),
    ("get", "/botnet/lists/{id}/summary", "botnet", "The monthly figures per owner and operator, and the trend", None, &[]),
    ("get", "/botnet/lists/{id}/listings", "botnet", "The listed IPs the caller may see, with the asset holding each and clean-up notes", None, &["owner_org_id", "unknown", "ip", "after_line", "limit"]),
    ("get", "/botnet/lists/{id}/listings.{ext}", "botnet", "The listed IPs as a CSV or XLSX file (ext: csv or xlsx)", None, &["owner_org_id"]),
    ("get", "/botnet/lists/{id}/report.{ext}", "botnet", "The monthly botnet report (ext: xlsx or docx)", None, &[]),
    ("post", "/botnet/lists/{id}/cleanups", "botnet", "The owner records that a listed IP was cleaned, with a note", Some("Cleanup"), &[]),
    ("get", "/botnet/trend", "botnet", "Listed IPs per month of one source", None, &["source", "owner_org_id"]),
    ("get", "/botnet/prefixes", "botnet", "Operator prefixes known per ASN", None, &[]),
    ("post", "/botnet/prefixes", "botnet", "Import operator prefixes (raw body: one CIDR per line with asn or an AS<number> file name, or prefix,asn,name CSV)", None, &["file_name", "asn"]),
    ("post", "/vulns/feeds", "vulns", "Import a feed file (raw body: NVD 2.0, CVE JSON 5, KEV, CSAF 2.0, EPSS CSV; .gz/.xz); unreadable records are reported, the rest is merged", None, &["file_name"]),
    ("post", "/vulns/match", "vulns", "Match the inventory against the records; findings opened, refreshed, reopened or resolved by update", None, &[]),
    ("get", "/vulns/warnings", "vulns", "The Authority's warnings", None, &[]),
    ("post", "/vulns/warnings", "vulns", "Record a warning (number, date, title, CVEs, action, deadline)", Some("WarningInput"), &[]),
    ("get", "/vulns/warnings/{id}", "vulns", "A warning across the province: affected organisations and assets, status, deadlines", None, &[]),
    ("post", "/vulns/warnings/{id}/publish", "vulns", "Publish a warning: match and notify every organisation with an affected asset", None, &[]),
    ("get", "/vulns/warnings/{id}/report.{ext}", "vulns", "A warning's status report (ext: docx or xlsx)", None, &[]),
    ("get", "/vulns/findings", "vulns", "Findings the caller may see, overdue first then by priority", None, &["org_id", "asset_id", "cve", "status", "active", "overdue", "after", "limit"]),
    ("get", "/vulns/unevaluable", "vulns", "Assets a record names whose version cannot be compared (\"cannot be evaluated\"), with the record, the statement and the reason", None, &["org_id", "asset_id", "cve", "limit"]),
    ("get", "/vulns/findings.{ext}", "vulns", "Findings as CSV or XLSX (ext: csv or xlsx)", None, &["org_id", "asset_id", "cve", "status", "active", "overdue"]),
    ("get", "/vulns/findings/{id}", "vulns", "One finding with its evidence, priority reasons and history", None, &[]),
    ("post", "/vulns/findings/{id}/move", "vulns", "Move a finding: start, patch, mitigate, accept_risk (with until), dispute, reopen", Some("FindingMove"), &[]),
    ("get", "/duty/periods", "duty", "High-alert periods the caller takes part in", None, &[]),
    ("post", "/duty/periods", "duty", "Declare a high-alert period with the organisations that keep duty", Some("NewPeriod"), &[]),
    ("get", "/duty/periods/{id}", "duty", "A period with each organisation's coverage and gaps", None, &[]),
    ("get", "/duty/periods/{id}/rosters/{org}", "duty", "An organisation's roster for a period with its coverage", None, &[]),
    ("post", "/duty/periods/{id}/rosters/{org}/generate", "duty", "Generate the roster from a rotation (replaces it)", Some("Rotation"), &[]),
    ("post", "/duty/periods/{id}/rosters/{org}/edit", "duty", "Edit a roster by hand: add, remove, replace, swap, note", Some("RosterEdit"), &[]),
    ("get", "/duty/periods/{id}/rosters/{org}/roster.{ext}", "duty", "The roster as iCalendar or XLSX (ext: ics or xlsx)", None, &[]),
    ("get", "/duty/now", "duty", "Who is on duty now (or at `at`) in every running period", None, &["at"]),
    ("get", "/incidents", "incidents", "Incidents the caller may see (the reporting organisation, the assigned responders, the province), newest first; overdue=true keeps those past a deadline", None, &["state", "severity", "class", "org_id", "overdue", "before_id", "limit"]),
    ("get", "/incidents.{ext}", "incidents", "The incident list as CSV or XLSX (ext: csv or xlsx), with the same filters", None, &["state", "severity", "class", "org_id", "overdue"]),
    ("get", "/incidents/metrics", "incidents", "Counts by class, severity and state, overdue and late reports, mean hours to acknowledge and to resolve, for incidents detected in [from, to)", None, &["from", "to", "org_id"]),
    ("get", "/incidents/{id}/tasks", "incidents", "The incident's tasks with owners and due dates", None, &[]),
    ("post", "/incidents/{id}/tasks", "incidents", "Add a task (title, owner account, due_at RFC 3339)", None, &[]),
    ("post", "/incidents/{id}/tasks/{task}/done", "incidents", "Mark a task done (its owner, a responder or the coordinator)", None, &[]),
    ("get", "/incidents/{id}/evidence", "incidents", "Evidence files (name, size, SHA-256, who, when) and their chain of custody", None, &[]),
    ("post", "/incidents/{id}/evidence", "incidents", "Upload an evidence file (raw body, size-limited; stored whole or not at all)", None, &["file_name", "note"]),
    ("get", "/incidents/{id}/evidence/{evidence}", "incidents", "Download an evidence file (always as an attachment; recorded in the chain of custody)", None, &[]),
    ("get", "/incidents/{id}/end-report.docx", "incidents", "The end-of-response report (Circular 20/2017) of a closed incident", None, &[]),
    ("get", "/reports/due", "reports", "The periodic reports due at the next deadline (20 June, 15 December) and the days left", None, &[]),
    ("get", "/reports/periodic/{period}", "reports", "A 6-monthly or yearly report's figures (period: 2025-H1, 2025-H2 or 2025); the province, or one organisation with org_id", None, &["org_id"]),
    ("get", "/reports/periodic/{period}/report.{ext}", "reports", "The periodic report as DOCX (with charts) or XLSX", None, &["org_id"]),
    ("get", "/contacts", "incidents", "The response network's directory and each organisation's 24/7 contact point", None, &[]),
    ("post", "/contacts", "incidents", "Add a directory entry (coordinator)", None, &[]),
    ("put", "/contacts/{id}", "incidents", "Edit a directory entry (coordinator)", None, &[]),
    ("delete", "/contacts/{id}", "incidents", "Remove a directory entry (coordinator)", None, &[]),
    ("post", "/incidents", "incidents", "Report an incident with the initial report form's fields (Circular 20/2017)", Some("InitialReport"), &[]),
    ("get", "/incidents/{id}", "incidents", "An incident: report, state, deadlines, responders, timeline, observables with their links", None, &[]),
    ("post", "/incidents/{id}/transition", "incidents", "Move along the workflow: acknowledge, start_response, contain, resolve, close (with report), reject (with reason), reopen (with reason)", Some("Transition"), &[]),
    ("post", "/incidents/{id}/assign", "incidents", "Assign a responder (coordinator)", None, &[]),
    ("post", "/incidents/{id}/entries", "incidents", "Add a note, action or decision to the timeline", None, &[]),
    ("post", "/incidents/{id}/observables", "incidents", "Add an observable (IP, domain, URL, hash, e-mail, file name) with its TLP", None, &[]),
    ("post", "/incidents/{id}/escalations", "incidents", "Record that the incident was reported to VNCERT/CC or NCSC", None, &[]),
    ("get", "/incidents/{id}/export.{format}", "incidents", "The incident as a STIX 2.1 bundle or a MISP event (format: stix or misp)", None, &[]),
    ("get", "/incidents/{id}/report.docx", "incidents", "The initial report as an official document", None, &[]),
    ("get", "/directives", "directives", "Directives that give the caller tasks (the province: all)", None, &[]),
    ("post", "/directives", "directives", "Record a directive task by task, each for groups of organisations (org_types) and named ones (org_ids)", None, &[]),
    ("get", "/directives/{id}", "directives", "A directive with the organisations × tasks matrix (an organisation: its own row), overdue cells flagged", None, &[]),
    ("post", "/directives/tasks/{id}/progress", "directives", "Report progress on a task: in_progress, done, not_applicable (with the reason)", None, &[]),
    ("post", "/directives/tasks/{id}/evidence", "directives", "Attach an evidence file to your organisation's report on a task (raw body, size-limited)", None, &["file_name"]),
    ("post", "/directives/{id}/document", "directives", "Attach the directive's document (coordinator; raw body, size-limited)", None, &["file_name"]),
    ("get", "/directives/{id}/files/{file}", "directives", "Download the directive's document or a task evidence file the caller may see (always as an attachment)", None, &[]),
    ("post", "/directives/{id}/remind", "directives", "Remind every organisation with unfinished tasks (coordinator)", None, &[]),
    ("get", "/notifications", "notifications", "The notification queue (an organisation sees its own messages)", None, &["status", "topic", "ref_id", "before_id", "limit"]),
    ("post", "/notifications/{id}/retry", "notifications", "Queue a failed notification again", None, &[]),
    ("get", "/audit", "audit", "The audit log, newest first", None, &["entity", "entity_id", "actor", "action", "before_id", "limit"]),
    ("get", "/audit/verify", "audit", "Recompute the audit hash chain", None, &[]),
    ("get", "/openapi.json", "meta", "This document", None, &[]),
];

fn schemas() -> Value {
    let contact = json!({"type": "object", "required": ["name"], "properties": {
        "name": {"type": "string"}, "title": {"type": "string"}, "phone": {"type": "string"}, "email": {"type": "string", "format": "email"}}});
    let level = json!({"type": "integer", "minimum": 1, "maximum": 5});
    json!({
        "Error": {"type": "object", "properties": {"error": {"type": "object", "required": ["code", "message"], "properties": {
            "code": {"type": "string"}, "message": {"type": "string"}, "details": {}}}}},
        "WarningInput": {"type": "object", "required": ["number", "issued_on", "title", "cves"], "properties": {
            "number": {"type": "string"}, "issued_on": {"type": "string", "format": "date"}, "title": {"type": "string"},
            "cves": {"type": "array", "items": {"type": "string", "pattern": "^CVE-[0-9]{4}-[0-9]{4,}$"}},
            "body": {"type": "string"}, "required_action": {"type": "string"}, "deadline": {"type": "string", "format": "date"}}},
        "FindingMove": {"type": "object", "required": ["action"], "properties": {
            "action": {"type": "string", "enum": ["start", "patch", "mitigate", "accept_risk", "dispute", "reopen"]},
            "note": {"type": "string"}, "until": {"type": "string", "format": "date"}}},
        "NewPeriod": {"type": "object", "required": ["name", "starts_at", "ends_at", "org_ids"], "properties": {
            "name": {"type": "string"}, "starts_at": {"type": "string", "format": "date-time"}, "ends_at": {"type": "string", "format": "date-time"},
            "org_ids": {"type": "array", "items": {"type": "integer"}}}},
        "Rotation": {"type": "object", "required": ["people", "shift_hours", "per_shift", "mode"], "properties": {
            "people": {"type": "array", "items": {"type": "object", "required": ["name", "phone"], "properties": {"name": {"type": "string"}, "phone": {"type": "string"}}}},
            "shift_hours": {"type": "integer", "minimum": 1, "maximum": 168}, "per_shift": {"type": "integer", "minimum": 1},
            "mode": {"description": "{\"Continuous\": {\"handover\": \"07:30:00\"}} or {\"Restricted\": {\"from\", \"to\", \"days\": [\"Mon\", …], \"on_holidays\"}}"}}},
        "RosterEdit": {"type": "object", "required": ["edit"], "properties": {
            "edit": {"type": "string", "enum": ["add", "remove", "replace", "swap", "note"]}}},
        "InitialReport": {"type": "object", "required": ["reporter_org", "reporter", "title", "description", "detected_at", "reported_status", "class", "severity", "tlp"]},
        "Transition": {"type": "object", "required": ["action"], "properties": {
            "action": {"type": "string"}, "reason": {"type": "string"}, "report": {"type": "string"}}},
        "Cleanup": {"type": "object", "required": ["ip", "note"], "properties": {
            "ip": {"type": "string"}, "note": {"type": "string", "maxLength": 2000}}},
        "Login": {"type": "object", "required": ["username", "password"], "properties": {
            "username": {"type": "string"}, "password": {"type": "string", "format": "password"}}},
        "PasswordChange": {"type": "object", "required": ["current_password", "new_password"], "properties": {
            "current_password": {"type": "string"}, "new_password": {"type": "string",
            "description": "At least 8 characters with upper case, lower case, a digit and a special character; not a common password"}}},
        "Contact": contact,
        "RoleChange": {"type": "object", "required": ["role"], "properties": {"role": {"enum": ["coordinator", "org_admin", "officer", "isp_operator", "soc_analyst", "responder", "auditor"]}}},
        "TotpCode": {"type": "object", "required": ["code"], "properties": {"code": {"type": "string", "pattern": "^[0-9]{6}$"}}},
        "OrgInput": {"type": "object", "required": ["name", "short_name", "org_type"], "properties": {
            "name": {"type": "string"}, "short_name": {"type": "string"},
            "org_type": {"enum": ["coordinator", "agency", "district", "commune", "isp", "soc", "national"]},
            "parent_id": {"type": ["integer", "null"]}, "address": {"type": ["string", "null"]},
            "contacts": {"type": "array", "items": {"$ref": "#/components/schemas/Contact"}},
            "contact_24x7": {"$ref": "#/components/schemas/Contact"},
            "address_blocks": {"type": "array", "items": {"type": "string", "description": "CIDR, host bits zero"}},
            "asns": {"type": "array", "items": {"type": "string", "example": "AS7552"}}}},
        "InfoSystemInput": {"type": "object", "required": ["code", "name", "owner_org_id", "function_type"], "properties": {
            "code": {"type": "string", "pattern": "^[A-Za-z0-9._-]{1,64}$"}, "name": {"type": "string"},
            "owner_org_id": {"type": "integer"}, "operator_org_id": {"type": ["integer", "null"]},
            "function_type": {"enum": ["internal", "public_service", "infrastructure", "industrial_control", "other"]},
            "info_types": {"type": "array", "items": {"enum": ["public", "personal", "private", "state_secret"]}},
            "data_subjects": {"type": ["integer", "null"], "minimum": 0},
            "proposed_level": level.clone(), "approved_level": level,
            "approval": {"type": ["object", "null"], "required": ["number", "date", "body"], "properties": {
                "number": {"type": "string"}, "date": {"type": "string", "format": "date"}, "body": {"type": "string"}}},
            "internet_facing": {"type": "boolean"}, "soc_provider_id": {"type": ["integer", "null"]}, "isp_id": {"type": ["integer", "null"]},
            "protection": {"type": "object", "properties": {"onsite_force": {"type": "boolean"}, "soc_monitoring": {"type": "boolean"},
                "last_assessment": {"type": ["string", "null"], "format": "date"}, "ncsc_connected": {"type": "boolean"}}},
            "notes": {"type": ["string", "null"]}}},
        "AssetInput": {"type": "object", "required": ["system_id", "hostname", "role"], "properties": {
            "system_id": {"type": "integer"}, "hostname": {"type": "string"},
            "role": {"enum": ["server", "workstation", "appliance", "network", "database", "other"]},
            "ips": {"type": "array", "items": {"type": "string", "format": "ip"}},
            "domains": {"type": "array", "items": {"type": "string"}},
            "os_name": {"type": ["string", "null"]}, "os_version": {"type": ["string", "null"]},
            "os_build": {"type": ["string", "null"], "description": "Windows: build with UBR, e.g. 10.0.20348.2227"},
            "software": {"type": "array", "items": {"type": "object", "required": ["vendor", "product", "version"], "properties": {
                "vendor": {"type": "string"}, "product": {"type": "string"}, "version": {"type": "string"},
                "scheme": {"enum": ["semver", "deb", "rpm", "dotted", "other"]}, "cpe": {"type": ["string", "null"], "description": "CPE 2.3 formatted string"}}}},
            "modules": {"type": "array", "items": {"type": "string"}}, "hotfixes": {"type": "array", "items": {"type": "string"}},
            "kbs": {"type": "array", "items": {"type": "string", "example": "KB5034441"}}, "notes": {"type": ["string", "null"]}}},
        "CreateUser": {"type": "object", "required": ["username", "display_name", "org_id", "role"], "properties": {
            "username": {"type": "string"}, "display_name": {"type": "string"}, "email": {"type": "string"}, "org_id": {"type": "integer"},
            "role": {"enum": ["coordinator", "org_admin", "officer", "isp_operator", "soc_analyst", "responder", "auditor"]},
            "password": {"type": "string", "description": "Omit to have one generated (returned once, must be changed)"},
            "must_change_password": {"type": "boolean"}}},
        "CreateToken": {"type": "object", "required": ["name", "org_id", "role"], "properties": {
            "name": {"type": "string"}, "org_id": {"type": "integer"},
            "role": {"enum": ["coordinator", "org_admin", "officer", "isp_operator", "soc_analyst", "responder", "auditor"]},
            "valid_days": {"type": "integer", "minimum": 1, "maximum": 730}}}
    })
}

pub fn document() -> Value {
    let mut paths = Map::new();
    for (method, path, tag, summary, body, params) in OPERATIONS {
        let mut op = json!({
            "tags": [tag],
            "summary": summary,
            "responses": {
                "200": {"description": "OK"},
                "default": {"description": "Error", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
            }
        });
        let mut parameters: Vec<Value> = params
            .iter()
            .map(|p| json!({"name": p, "in": "query", "required": false, "schema": {"type": "string"}}))
            .collect();
        for seg in path.split('/').filter(|s| s.starts_with('{')) {
            let name = seg.trim_matches(|c| c == '{' || c == '}');
            parameters.push(
                json!({"name": name, "in": "path", "required": true, "schema": {"type": "string"}}),
            );
        }
        if !parameters.is_empty() {
            op["parameters"] = Value::Array(parameters);
        }
        if let Some(b) = body {
            op["requestBody"] = json!({"required": true, "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{b}")}}}});
        }
        let entry = paths
            .entry(format!("/api/v1{path}"))
            .or_insert_with(|| json!({}));
        entry[*method] = op;
    }
    json!({
        "openapi": "3.1.0",
        "info": {"title": "canhgac API", "version": env!("CARGO_PKG_VERSION"),
            "description": "Cyber-security operations of a province. Authenticate with the session cookie (plus the X-CSRF-Token header on changes) or with `Authorization: Bearer <token>`."},
        "components": {"schemas": schemas(), "securitySchemes": {
            "bearer": {"type": "http", "scheme": "bearer"},
            "session": {"type": "apiKey", "in": "cookie", "name": "canhgac_session"}}},
        "security": [{"bearer": []}, {"session": []}],
        "paths": paths
    })
}
