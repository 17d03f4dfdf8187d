//! The OpenAPI 3.1 document of /api/v1, built from one table of operations
//! so that a test can check every operation against the live router.

use domain::{Capability, Role};
use serde_json::{json, Map, Value};

/// What an operation asks of its caller: nothing (signing in, this
/// document), or a capability of the role ([`Role::capabilities`], the one
/// table of who may do what). The server refuses a caller whose role lacks
/// it before the handler runs; the use case then applies the organisation's
/// bounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    Public,
    Cap(Capability),
}

impl Need {
    /// The roles that may call an operation.
    pub fn roles(self) -> Vec<Role> {
        Role::ALL
            .iter()
            .copied()
            .filter(|r| match self {
                Need::Public => true,
                Need::Cap(c) => r.may(c),
            })
            .collect()
    }
}

/// (method, path, what it needs, tag, summary, request body schema, query parameters)
pub type Operation = (
    &'static str,
    &'static str,
    Need,
    &'static str,
    &'static str,
    Option<&'static str>,
    &'static [&'static str],
);

pub const OPERATIONS: &[Operation] = &[
    ("post", "/auth/login", Need::Public, "auth", "Sign in; sets the session cookie and returns the CSRF token", Some("Login"), &[]),
    ("post", "/auth/logout", Need::Cap(Capability::Read), "auth", "Sign out of this session", None, &[]),
    ("post", "/auth/logout-all", Need::Cap(Capability::Read), "auth", "Sign out of every session of the caller", None, &[]),
    ("get", "/auth/me", Need::Cap(Capability::Read), "auth", "Who the caller is", None, &[]),
    ("post", "/auth/password", Need::Cap(Capability::Read), "auth", "Change the caller's password", Some("PasswordChange"), &[]),
    ("post", "/auth/totp", Need::Public, "auth", "Second step of sign-in: the TOTP code, when the account has a second factor", Some("TotpCode"), &[]),
    ("get", "/orgs", Need::Cap(Capability::Read), "registry", "List organisations", None, &["q", "org_type", "parent_id", "sort", "after", "after_key", "limit"]),
    ("post", "/orgs", Need::Cap(Capability::Coordinate), "registry", "Register an organisation (coordinator)", Some("OrgInput"), &[]),
    ("get", "/orgs/{id}", Need::Cap(Capability::Read), "registry", "One organisation", None, &[]),
    ("put", "/orgs/{id}", Need::Cap(Capability::EditOrg), "registry", "Replace an organisation", Some("OrgInput"), &[]),
    ("delete", "/orgs/{id}", Need::Cap(Capability::Coordinate), "registry", "Remove an organisation with nothing left in it", None, &[]),
    ("get", "/systems", Need::Cap(Capability::Read), "registry", "List information systems", None,
        &["q", "owner_org_id", "level", "min_level", "internet_facing", "soc_monitoring", "ncsc_connected", "isp_id", "soc_provider_id", "approved", "sort", "after", "after_key", "limit"]),
    ("post", "/systems", Need::Cap(Capability::EditRegistry), "registry", "Register an information system", Some("InfoSystemInput"), &[]),
    ("get", "/systems/{id}", Need::Cap(Capability::Read), "registry", "One information system", None, &[]),
    ("put", "/systems/{id}", Need::Cap(Capability::EditRegistry), "registry", "Replace an information system", Some("InfoSystemInput"), &[]),
    ("delete", "/systems/{id}", Need::Cap(Capability::EditRegistry), "registry", "Remove a system and its assets", None, &[]),
    ("get", "/assets", Need::Cap(Capability::Read), "registry", "List assets", None, &["q", "system_id", "owner_org_id", "role", "ip", "sort", "after", "after_key", "limit"]),
    ("post", "/assets", Need::Cap(Capability::EditRegistry), "registry", "Register an asset", Some("AssetInput"), &[]),
    ("get", "/assets/{id}", Need::Cap(Capability::Read), "registry", "One asset", None, &[]),
    ("put", "/assets/{id}", Need::Cap(Capability::EditRegistry), "registry", "Replace an asset", Some("AssetInput"), &[]),
    ("delete", "/assets/{id}", Need::Cap(Capability::EditRegistry), "registry", "Remove an asset", None, &[]),
    ("post", "/import/{kind}", Need::Cap(Capability::EditRegistry), "transfer", "Import a CSV or XLSX file (raw body) of orgs, systems, assets or blocks; all-or-nothing unless keep_valid", None, &["file_name", "keep_valid", "dry_run"]),
    ("get", "/export/{kind}", Need::Cap(Capability::Read), "transfer", "Export orgs, systems, assets or blocks as CSV or XLSX", None, &["format"]),
    ("get", "/users", Need::Cap(Capability::ReadAdministration), "accounts", "List accounts", None, &["owner_org_id", "after", "limit"]),
    ("post", "/users", Need::Cap(Capability::ManageAccounts), "accounts", "Create an account", Some("CreateUser"), &[]),
    ("post", "/users/{id}/reset-password", Need::Cap(Capability::ManageAccounts), "accounts", "Reset an account's password (returned once)", None, &[]),
    ("post", "/users/{id}/disable", Need::Cap(Capability::ManageAccounts), "accounts", "Disable an account and end its sessions", None, &[]),
    ("post", "/users/{id}/enable", Need::Cap(Capability::ManageAccounts), "accounts", "Enable an account", None, &[]),
    ("post", "/users/{id}/role", Need::Cap(Capability::ManageAccounts), "accounts", "Give an account another role (ends its sessions)", Some("RoleChange"), &[]),
    ("get", "/tokens", Need::Cap(Capability::ReadAdministration), "accounts", "List machine tokens", None, &[]),
    ("post", "/tokens", Need::Cap(Capability::ManageAccounts), "accounts", "Create a machine token (secret returned once)", Some("CreateToken"), &[]),
    ("delete", "/tokens/{id}", Need::Cap(Capability::ManageAccounts), "accounts", "Revoke a machine token", None, &[]),
    ("post", "/botnet/import", Need::Cap(Capability::Coordinate), "botnet", "Import a botnet list (raw body: text, IP<TAB>count, CSV or XLSX); each IP to its owner's most specific block; owners are notified", None, &["source", "period", "file_name", "format", "keep_valid", "dry_run"]),
    ("get", "/botnet/lists", Need::Cap(Capability::Read), "botnet", "The imported botnet lists", None, &[]),
    ("get", "/botnet/lists/{id}", Need::Cap(Capability::Read), "botnet", "One imported list with its counts", None, &[]),
    ("get", "/botnet/lists/{id}/owners", Need::Cap(Capability::Read), "botnet", "Listed IPs per owner and family (an organisation sees its own; an operator also its customers')", None, &[]),
    ("get", "/botnet/lists/{id}/isps", Need::Cap(Capability::Read), "botnet", "Listed IPs per operator whose address space holds them", None, &[]),
    ("get", "/botnet/lists/{id}/changes", Need::Cap(Capability::Read), "botnet", "Month over month: each IP new, still listed (months in a row), cleaned or reinfected", None, &[]),
    ("get", "/botnet/lists/{id}/summary", Need::Cap(Capability::Read), "botnet", "The monthly figures per owner and operator, and the trend", None, &[]),
    ("get", "/botnet/lists/{id}/listings", Need::Cap(Capability::Read), "botnet", "The listed IPs the caller may see, with the asset holding each and clean-up notes", None, &["owner_org_id", "unknown", "ip", "after_line", "limit"]),
    ("get", "/botnet/lists/{id}/listings.{ext}", Need::Cap(Capability::Read), "botnet", "The listed IPs as a CSV or XLSX file (ext: csv or xlsx)", None, &["owner_org_id"]),
    ("get", "/botnet/lists/{id}/report.{ext}", Need::Cap(Capability::Read), "botnet", "The monthly botnet report (ext: xlsx or docx)", None, &[]),
    ("post", "/botnet/lists/{id}/cleanups", Need::Cap(Capability::CleanBotnet), "botnet", "The owner records that a listed IP was cleaned, with a note", Some("Cleanup"), &[]),
    ("get", "/botnet/trend", Need::Cap(Capability::Read), "botnet", "Listed IPs per month of one source", None, &["source", "owner_org_id"]),
    ("get", "/botnet/prefixes", Need::Cap(Capability::ReadPrefixes), "botnet", "Operator prefixes known per ASN", None, &[]),
    ("post", "/botnet/prefixes", Need::Cap(Capability::Coordinate), "botnet", "Import operator prefixes (raw body: one CIDR per line with asn or an AS<number> file name, or prefix,asn,name CSV)", None, &["file_name", "asn"]),
    ("post", "/vulns/feeds", Need::Cap(Capability::Coordinate), "vulns", "Import a feed file (raw body: NVD 2.0, CVE JSON 5, KEV, CSAF 2.0, EPSS CSV; .gz/.xz); unreadable records are reported, the rest is merged", None, &["file_name"]),
    ("post", "/vulns/match", Need::Cap(Capability::Coordinate), "vulns", "Match the inventory against the records; findings opened, refreshed, reopened or resolved by update", None, &[]),
    ("get", "/vulns/warnings", Need::Cap(Capability::Read), "vulns", "The Authority's warnings", None, &[]),
    ("post", "/vulns/warnings", Need::Cap(Capability::Coordinate), "vulns", "Record a warning (number, date, title, CVEs, action, deadline)", Some("WarningInput"), &[]),
    ("get", "/vulns/warnings/{id}", Need::Cap(Capability::Read), "vulns", "A warning across the province: affected organisations and assets, status, deadlines", None, &[]),
    ("post", "/vulns/warnings/{id}/publish", Need::Cap(Capability::Coordinate), "vulns", "Publish a warning: match and notify every organisation with an affected asset", None, &[]),
    ("get", "/vulns/warnings/{id}/report.{ext}", Need::Cap(Capability::Read), "vulns", "A warning's status report (ext: docx or xlsx)", None, &[]),
    ("get", "/vulns/findings", Need::Cap(Capability::Read), "vulns", "Findings the caller may see, overdue first then by priority", None, &["org_id", "asset_id", "cve", "status", "active", "overdue", "after", "limit"]),
    ("get", "/vulns/unevaluable", Need::Cap(Capability::Read), "vulns", "Assets a record names whose version cannot be compared (\"cannot be evaluated\"), with the record, the statement and the reason", None, &["org_id", "asset_id", "cve", "limit"]),
    ("get", "/vulns/findings.{ext}", Need::Cap(Capability::Read), "vulns", "Findings as CSV or XLSX (ext: csv or xlsx)", None, &["org_id", "asset_id", "cve", "status", "active", "overdue"]),
    ("get", "/vulns/findings/{id}", Need::Cap(Capability::Read), "vulns", "One finding with its evidence, priority reasons and history", None, &[]),
    ("post", "/vulns/findings/{id}/move", Need::Cap(Capability::WorkFindings), "vulns", "Move a finding: start, patch, mitigate, accept_risk (with until), dispute, reopen", Some("FindingMove"), &[]),
    ("get", "/duty/periods", Need::Cap(Capability::Read), "duty", "High-alert periods the caller takes part in", None, &[]),
    ("post", "/duty/periods", Need::Cap(Capability::Coordinate), "duty", "Declare a high-alert period with the organisations that keep duty", Some("NewPeriod"), &[]),
    ("get", "/duty/periods/{id}", Need::Cap(Capability::Read), "duty", "A period with each organisation's coverage and gaps", None, &[]),
    ("get", "/duty/periods/{id}/rosters/{org}", Need::Cap(Capability::Read), "duty", "An organisation's roster for a period with its coverage", None, &[]),
    ("post", "/duty/periods/{id}/rosters/{org}/generate", Need::Cap(Capability::KeepRoster), "duty", "Generate the roster from a rotation (replaces it)", Some("Rotation"), &[]),
    ("post", "/duty/periods/{id}/rosters/{org}/edit", Need::Cap(Capability::KeepRoster), "duty", "Edit a roster by hand: add, remove, replace, swap, note, shift (crew and note)", Some("RosterEdit"), &[]),
    ("get", "/duty/periods/{id}/rosters/{org}/roster.{ext}", Need::Cap(Capability::Read), "duty", "The roster as iCalendar or XLSX (ext: ics or xlsx)", None, &[]),
    ("get", "/duty/now", Need::Cap(Capability::Read), "duty", "Who is on duty now (or at `at`) in every running period", None, &["at"]),
    ("get", "/incidents", Need::Cap(Capability::Read), "incidents", "Incidents the caller may see (the reporting organisation, the assigned responders, the province), newest first; overdue=true keeps those past a deadline", None, &["state", "severity", "class", "org_id", "overdue", "before_id", "limit"]),
    ("get", "/incidents.{ext}", Need::Cap(Capability::Read), "incidents", "The incident list as CSV or XLSX (ext: csv or xlsx), with the same filters", None, &["state", "severity", "class", "org_id", "overdue"]),
    ("get", "/incidents/metrics", Need::Cap(Capability::Read), "incidents", "Counts by class, severity and state, overdue and late reports, mean hours to acknowledge and to resolve, for incidents detected in [from, to)", None, &["from", "to", "org_id"]),
    ("get", "/incidents/{id}/tasks", Need::Cap(Capability::Read), "incidents", "The incident's tasks with owners and due dates", None, &[]),
    ("post", "/incidents/{id}/tasks", Need::Cap(Capability::RespondIncident), "incidents", "Add a task (title, owner account, due_at RFC 3339)", None, &[]),
    ("post", "/incidents/{id}/tasks/{task}/done", Need::Cap(Capability::RespondIncident), "incidents", "Mark a task done (its owner, a responder or the coordinator)", None, &[]),
    ("get", "/incidents/{id}/evidence", Need::Cap(Capability::Read), "incidents", "Evidence files (name, size, SHA-256, who, when) and their chain of custody", None, &[]),
    ("post", "/incidents/{id}/evidence", Need::Cap(Capability::RespondIncident), "incidents", "Upload an evidence file (raw body, size-limited; stored whole or not at all)", None, &["file_name", "note"]),
    ("get", "/incidents/{id}/evidence/{evidence}", Need::Cap(Capability::Read), "incidents", "Download an evidence file (always as an attachment; recorded in the chain of custody)", None, &[]),
    ("get", "/incidents/{id}/end-report.docx", Need::Cap(Capability::Read), "incidents", "The end-of-response report (Circular 20/2017) of a closed incident", None, &[]),
    ("get", "/reports/due", Need::Cap(Capability::Read), "reports", "The periodic reports due at the next deadline (20 June, 15 December) and the days left", None, &[]),
    ("get", "/reports/periodic/{period}", Need::Cap(Capability::Read), "reports", "A 6-monthly or yearly report's figures (period: 2025-H1, 2025-H2 or 2025); the province, or one organisation with org_id", None, &["org_id"]),
    ("get", "/reports/periodic/{period}/report.{ext}", Need::Cap(Capability::Read), "reports", "The periodic report as DOCX (with charts) or XLSX", None, &["org_id"]),
    ("get", "/contacts", Need::Cap(Capability::Read), "incidents", "The response network's directory and each organisation's 24/7 contact point", None, &[]),
    ("post", "/contacts", Need::Cap(Capability::Coordinate), "incidents", "Add a directory entry (coordinator)", None, &[]),
    ("put", "/contacts/{id}", Need::Cap(Capability::Coordinate), "incidents", "Edit a directory entry (coordinator)", None, &[]),
    ("delete", "/contacts/{id}", Need::Cap(Capability::Coordinate), "incidents", "Remove a directory entry (coordinator)", None, &[]),
    ("post", "/incidents", Need::Cap(Capability::ReportIncident), "incidents", "Report an incident with the initial report form's fields (Circular 20/2017)", Some("InitialReport"), &[]),
    ("get", "/incidents/{id}", Need::Cap(Capability::Read), "incidents", "An incident: report, state, deadlines, responders, timeline, observables with their links", None, &[]),
    ("post", "/incidents/{id}/transition", Need::Cap(Capability::RespondIncident), "incidents", "Move along the workflow: acknowledge, start_response, contain, resolve, close (with report), reject (with reason), reopen (with reason)", Some("Transition"), &[]),
    ("post", "/incidents/{id}/assign", Need::Cap(Capability::Coordinate), "incidents", "Assign a responder (coordinator)", None, &[]),
    ("post", "/incidents/{id}/entries", Need::Cap(Capability::RespondIncident), "incidents", "Add a note, action or decision to the timeline", None, &[]),
    ("post", "/incidents/{id}/observables", Need::Cap(Capability::RespondIncident), "incidents", "Add an observable (IP, domain, URL, hash, e-mail, file name) with its TLP", None, &[]),
    ("post", "/incidents/{id}/escalations", Need::Cap(Capability::RespondIncident), "incidents", "Record that the incident was reported to a national body (`to`: an incident recipient's code from /settings/national-bodies)", None, &[]),
    ("get", "/incidents/{id}/export.{format}", Need::Cap(Capability::Read), "incidents", "The incident as a STIX 2.1 bundle or a MISP event (format: stix or misp)", None, &[]),
    ("get", "/incidents/{id}/report.docx", Need::Cap(Capability::Read), "incidents", "The initial report as an official document", None, &[]),
    ("get", "/directives", Need::Cap(Capability::Read), "directives", "Directives that give the caller tasks (the province: all)", None, &[]),
    ("post", "/directives", Need::Cap(Capability::Coordinate), "directives", "Record a directive task by task, each for groups of organisations (org_types) and named ones (org_ids)", None, &[]),
    ("get", "/directives/{id}", Need::Cap(Capability::Read), "directives", "A directive with the organisations × tasks matrix (an organisation: its own row), overdue cells flagged", None, &[]),
    ("post", "/directives/tasks/{id}/progress", Need::Cap(Capability::ReportTasks), "directives", "Report progress on a task: in_progress, done, not_applicable (with the reason)", None, &[]),
    ("post", "/directives/tasks/{id}/evidence", Need::Cap(Capability::ReportTasks), "directives", "Attach an evidence file to your organisation's report on a task (raw body, size-limited)", None, &["file_name"]),
    ("post", "/directives/{id}/document", Need::Cap(Capability::Coordinate), "directives", "Attach the directive's document (coordinator; raw body, size-limited)", None, &["file_name"]),
    ("get", "/directives/{id}/files/{file}", Need::Cap(Capability::Read), "directives", "Download the directive's document or a task evidence file the caller may see (always as an attachment)", None, &[]),
    ("get", "/directives/{id}/matrix.xlsx", Need::Cap(Capability::Read), "directives", "The organisations × tasks matrix as an Excel workbook (standings in Vietnamese, blank where a task is not given, the tasks on a second sheet; an organisation: its own row)", None, &[]),
    ("post", "/directives/{id}/remind", Need::Cap(Capability::Coordinate), "directives", "Remind every organisation with unfinished tasks (coordinator)", None, &[]),
    ("get", "/notifications", Need::Cap(Capability::Read), "notifications", "The notification queue (an organisation sees its own messages)", None, &["status", "topic", "ref_id", "before_id", "limit"]),
    ("post", "/notifications/{id}/retry", Need::Cap(Capability::Coordinate), "notifications", "Queue a failed notification again", None, &[]),
    ("get", "/audit", Need::Cap(Capability::ReadAdministration), "audit", "The audit log, newest first", None, &["entity", "entity_id", "actor", "action", "before_id", "limit"]),
    ("get", "/audit/verify", Need::Cap(Capability::ReadAdministration), "audit", "Recompute the audit hash chain", None, &[]),
    ("get", "/openapi.json", Need::Public, "meta", "This document", None, &[]),
    ("post", "/events", Need::Cap(Capability::IngestEvents), "monitoring", "Send events (raw body: NDJSON, one JSON event a line — Windows EVTX JSON, Winlogbeat, NXLog or any flat JSON; Content-Encoding: gzip accepted); answers accepted, rejected and the first reasons; 429 with Retry-After when the pipeline is full; wait=true answers once alerts are stored", None, &["wait"]),
    ("get", "/events", Need::Cap(Capability::Read), "monitoring", "Kept events the caller may see (its organisation's sensors; the province for the coordinator), newest first: from/to (RFC 3339, YYYY-MM-DD or YYYY-MM-DDTHH:MM in UTC+7), host, address, q=field:value (host, address, domain, hash, file, user or any event field), limit (default 100, at most 1000)", None, &["from", "to", "host", "address", "q", "limit"]),
    ("get", "/alerts", Need::Cap(Capability::Read), "monitoring", "Alerts the caller may see (the systems' owner, operator and SOC provider; the province), newest first", None, &["severity", "state", "org_id", "rule_id", "host", "before_id", "limit"]),
    ("post", "/events/file", Need::Cap(Capability::UploadEvents), "monitoring", "Upload an event file (raw body up to serve's --max-upload-mib, 413 beyond): a Windows EVTX file or a Suricata EVE file (JSON lines), format=evtx|eve or by content; every event is evaluated and the answer comes once the alerts are stored: accepted, rejected, complete, stopped_at (where a cut or damaged EVTX file stopped being readable; the records before it are kept) and the first reasons. A sensor's upload counts for the sensor", None, &["format", "file_name"]),
    ("get", "/alerts/{id}", Need::Cap(Capability::Read), "monitoring", "One alert with its events, asset, system, organisation, moves, related alerts on the same host", None, &[]),
    ("post", "/alerts/{id}/move", Need::Cap(Capability::RespondIncident), "monitoring", "Triage an alert: acknowledge, true_positive (opens an incident with its events and observables), false_positive or benign (with reason)", Some("AlertMove"), &[]),
    ("get", "/sensors", Need::Cap(Capability::Read), "monitoring", "Sensors with their counters (events, rejected lines, dropped datagrams), last event and rejected-line sample", None, &[]),
    ("post", "/sensors", Need::Cap(Capability::ManageAccounts), "monitoring", "Register a sensor for an organisation with the systems it watches; returns its ingest-only token once", Some("NewSensor"), &[]),
    ("get", "/sensors/{id}", Need::Cap(Capability::Read), "monitoring", "One sensor", None, &[]),
    ("delete", "/sensors/{id}", Need::Cap(Capability::ManageAccounts), "monitoring", "Remove a sensor and revoke its token (its alerts stay)", None, &[]),
    ("get", "/suppressions", Need::Cap(Capability::Read), "monitoring", "Suppressions of the caller's organisation and the province's", None, &[]),
    ("post", "/suppressions", Need::Cap(Capability::RespondIncident), "monitoring", "Suppress alerts by rule, host or field value, with a reason and an expiry (audited)", Some("NewSuppression"), &[]),
    ("delete", "/suppressions/{id}", Need::Cap(Capability::RespondIncident), "monitoring", "Lift a suppression (audited)", None, &[]),
    ("post", "/indicator-feeds", Need::Cap(Capability::Coordinate), "monitoring", "Import an indicator feed (raw body: a plain list, a STIX 2.1 bundle or a MISP event; format=auto|plain|stix|misp). A feed of the same name is replaced in one transaction; any bad value and nothing is written (422 naming the file, position and reason). tlp applies to indicators the file does not mark, expires_days to those it gives no expiry. The indicators join the live set at once; kept events are retro-hunted (audited)", None, &["name", "format", "tlp", "expires_days", "file_name"]),
    ("get", "/indicator-feeds", Need::Cap(Capability::Read), "monitoring", "The imported indicator feeds: name, format, TLP, indicators and how many are unexpired, default expiry, who imported them and when (never the values)", None, &[]),
    ("delete", "/indicator-feeds/{id}", Need::Cap(Capability::Coordinate), "monitoring", "Delete an indicator feed and its indicators (audited); they leave the live set at once", None, &[]),
    ("get", "/rules", Need::Cap(Capability::Coordinate), "monitoring", "The Sigma rules loaded by this server (coordinator): folders with their rule counts and how many run, the switches set (who, when), running_now (rules the detection engine evaluates now) and each rule (id, title, level, folder, enabled); folder limits the rules to a folder and below", None, &["folder"]),
    ("put", "/rules/switches", Need::Cap(Capability::Coordinate), "monitoring", "Switch a rule folder or one rule (by id) on or off (coordinator; audited). A switched-off rule is not evaluated: the answer comes once the detection engine runs under the new switches (other nodes follow within 30 s). A rule switch beats its folder's; the deepest folder switch wins", Some("RuleSwitch"), &[]),
    ("get", "/settings/national-bodies", Need::Cap(Capability::Read), "settings", "The national bodies documents and messages name: who issues vulnerability warnings, who receives incident reports (escalation codes with their names)", None, &[]),
    ("put", "/settings/national-bodies", Need::Cap(Capability::Coordinate), "settings", "Replace the national bodies (coordinator; audited)", Some("NationalBodies"), &[]),
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
        "RuleSwitch": {"type": "object", "required": ["kind", "target", "enabled"], "additionalProperties": false, "properties": {
            "kind": {"type": "string", "enum": ["folder", "rule"]},
            "target": {"type": "string", "maxLength": 500, "description": "a folder relative to the rule folders (e.g. windows/process_creation), or a rule id"},
            "enabled": {"type": "boolean"}}},
        "AlertMove": {"type": "object", "required": ["action"], "properties": {
            "action": {"type": "string", "enum": ["acknowledge", "true_positive", "false_positive", "benign"]},
            "reason": {"type": "string", "maxLength": 2000}}},
        "NewSensor": {"type": "object", "required": ["org_id", "name"], "properties": {
            "org_id": {"type": "integer"}, "name": {"type": "string"},
            "system_ids": {"type": "array", "items": {"type": "integer"}},
            "source_addrs": {"type": "array", "items": {"type": "string", "format": "ip"}},
            "valid_days": {"type": "integer", "minimum": 1, "maximum": 730}}},
        "NewSuppression": {"type": "object", "required": ["kind", "reason", "expires_at"], "properties": {
            "kind": {"enum": ["rule", "host", "field"]}, "rule_id": {"type": "string"}, "host": {"type": "string"},
            "field": {"type": "string"}, "value": {"type": "string"}, "reason": {"type": "string"},
            "expires_at": {"type": "string", "format": "date-time"}, "org_id": {"type": ["integer", "null"]}}},
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
            "edit": {"type": "string", "enum": ["add", "remove", "replace", "swap", "note", "shift"]}}},
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
        "NationalBodies": {"type": "object", "required": ["warning_issuer", "incident_recipients"], "properties": {
            "warning_issuer": {"type": "object", "required": ["name", "short"], "properties": {
                "name": {"type": "string", "maxLength": 300}, "short": {"type": "string", "maxLength": 50}}},
            "incident_recipients": {"type": "array", "minItems": 1, "maxItems": 10, "items": {"type": "object", "required": ["code", "name", "short"], "properties": {
                "code": {"type": "string", "pattern": "^[a-z0-9_]{1,30}$"}, "name": {"type": "string", "maxLength": 300}, "short": {"type": "string", "maxLength": 50}}}},
            "confirmed": {"type": "boolean", "description": "false until the installer has checked the names"}}},
        "RoleChange": {"type": "object", "required": ["role"], "properties": {"role": {"enum": ["coordinator", "org_admin", "officer", "isp_operator", "soc_analyst", "responder", "auditor"]}}},
        "TotpCode": {"type": "object", "required": ["code"], "properties": {"code": {"type": "string", "pattern": "^[0-9]{6}$"}}},
        "OrgInput": {"type": "object", "required": ["name", "short_name", "org_type"], "properties": {
            "name": {"type": "string"}, "short_name": {"type": "string"},
            "org_type": {"enum": ["coordinator", "agency", "district", "commune", "isp", "soc", "national", "partner"]},
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

/// The names of a path template's parameters, wherever they stand in a
/// segment (`listings.{ext}` has `ext`).
pub fn path_parameters(path: &str) -> Vec<&str> {
    path.split('{')
        .skip(1)
        .filter_map(|rest| rest.split_once('}').map(|(name, _)| name))
        .collect()
}

/// The operation a request matched, by method and route template (without
/// the `/api/v1` prefix).
pub fn operation(method: &str, template: &str) -> Option<&'static Operation> {
    OPERATIONS
        .iter()
        .find(|op| op.0.eq_ignore_ascii_case(method) && op.1 == template)
}

pub fn document() -> Value {
    let mut paths = Map::new();
    for (method, path, need, tag, summary, body, params) in OPERATIONS {
        let mut op = json!({
            "tags": [tag],
            "summary": summary,
            "x-canhgac-capability": match need {
                Need::Public => Value::Null,
                Need::Cap(c) => json!(c.as_str()),
            },
            "x-canhgac-roles": need.roles().iter().map(|r| r.as_str()).collect::<Vec<_>>(),
            "responses": {
                "200": {"description": "OK"},
                "default": {"description": "Error", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
            }
        });
        let mut parameters: Vec<Value> = params
            .iter()
            .map(|p| json!({"name": p, "in": "query", "required": false, "schema": {"type": "string"}}))
            .collect();
        for name in path_parameters(path) {
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
            "description": "Cyber-security operations of a province. Authenticate with the session cookie set by /auth/login (plus the X-CSRF-Token header on changes), or with `Authorization: Bearer <API token>` from `canhgac token create`. Each operation names the capability it needs (x-canhgac-capability) and the roles that have it (x-canhgac-roles); see PERMISSIONS.md."},
        "components": {"schemas": schemas(), "securitySchemes": {
            "bearer": {"type": "http", "scheme": "bearer"},
            "session": {"type": "apiKey", "in": "cookie", "name": "canhgac_session"}}},
        "security": [{"bearer": []}, {"session": []}],
        "paths": paths
    })
}

/// The table of who may do what, for people: what each role may do
/// ([`Role::capabilities`]) and what each operation needs. `PERMISSIONS.md`
/// at the repository's root is this text; a test keeps the two equal.
pub fn permissions_markdown() -> String {
    let mut out = String::from(
        "# Who may do what\n\n\
         Generated from the code (`domain::Role::capabilities` and `server::openapi::OPERATIONS`); \
         `cargo test -p server permissions` fails when this file is out of date, and \
         `CANHGAC_BLESS=1 cargo test -p server permissions` rewrites it. \
         `crates/cli/tests/authorization.rs` calls every operation with a token of every role, \
         on its own organisation's records and on another's, and holds the answers to this table.\n\n\
         A role's capabilities say what it may do; its **reach** says where. The coordinator role \
         sees the province wherever it is held, and only the coordinator grants it. An auditor sees \
         what its organisation sees: the province at the coordinating organisation, its own \
         organisation elsewhere. Every other role sees its own organisation (and what is shared \
         with it: systems it operates, addresses in its space, the directory). A record outside \
         the caller's reach answers 404, as one that does not exist; an operation the role may not \
         call answers 403 with the code `role_forbidden`.\n\n\
         **Grants.** An account or token of role R in organisation O is created, changed, reset, \
         disabled or revoked only by someone who administers O (the coordinator: every \
         organisation; an organisation's administrator: its own) and whose role has every \
         capability of R, with a reach no narrower than R's in O.\n\n## Capabilities of each role\n\n",
    );
    out.push_str("| capability |");
    for r in Role::ALL {
        out.push_str(&format!(" {} |", r.as_str()));
    }
    out.push_str("\n|---|");
    for _ in Role::ALL {
        out.push_str("---|");
    }
    out.push('\n');
    for c in Capability::ALL {
        out.push_str(&format!("| {} — {} |", c.as_str(), c.label_vi()));
        for r in Role::ALL {
            out.push_str(if r.may(*c) { " ✓ |" } else { " |" });
        }
        out.push('\n');
    }
    out.push_str("\n## What each operation needs\n\n| method | path | capability | roles |\n|---|---|---|---|\n");
    for (method, path, need, ..) in OPERATIONS {
        let (cap, roles) = match need {
            Need::Public => ("none (public)".to_string(), "anyone".to_string()),
            Need::Cap(c) => (
                c.as_str().to_string(),
                need.roles()
                    .iter()
                    .map(|r| r.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            ),
        };
        out.push_str(&format!(
            "| {} | `/api/v1{}` | {} | {} |\n",
            method.to_uppercase(),
            path,
            cap,
            roles
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permissions_table_is_current() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../PERMISSIONS.md");
        let want = permissions_markdown();
        if std::env::var_os("CANHGAC_BLESS").is_some() {
            std::fs::write(path, &want).unwrap();
        }
        let have = std::fs::read_to_string(path).unwrap_or_default();
        assert!(
            have == want,
            "PERMISSIONS.md is out of date: run CANHGAC_BLESS=1 cargo test -p server permissions"
        );
    }

    #[test]
    fn every_operation_is_unique_and_declares_its_path_parameters() {
        let mut seen = std::collections::BTreeSet::new();
        for (method, path, ..) in OPERATIONS {
            assert!(seen.insert((method, path)), "{method} {path} twice");
        }
        assert_eq!(
            path_parameters("/botnet/lists/{id}/listings.{ext}"),
            ["id", "ext"]
        );
        let doc = document();
        for (method, path, ..) in OPERATIONS {
            let op = &doc["paths"][format!("/api/v1{path}")][method];
            let declared: Vec<&str> = op["parameters"]
                .as_array()
                .map(|ps| {
                    ps.iter()
                        .filter(|p| p["in"] == "path")
                        .filter_map(|p| p["name"].as_str())
                        .collect()
                })
                .unwrap_or_default();
            assert_eq!(declared, path_parameters(path), "{method} {path}");
        }
    }
}
