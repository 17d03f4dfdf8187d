//! The incident as a MISP event (MISP core format, JSON), ready for
//! `POST /events/add` or a file import on a MISP instance.
//!
//! Mappings:
//! - `info` = the title; `date` = the detection date in Vietnam time (UTC+7,
//!   no daylight saving), `YYYY-MM-DD`;
//! - `threat_level_id`: critical and high → 1 (high), medium → 2, low → 3;
//! - `analysis`: reported, acknowledged → 0 (initial); in response,
//!   contained → 1 (ongoing); resolved, closed, rejected → 2 (completed);
//! - `distribution` from the TLP ([`Tlp::misp_distribution`]): clear → 3
//!   (all communities), green → 1 (this community), amber, amber+strict,
//!   red → 0 (your organisation only);
//! - `Tag`: the MISP TLP taxonomy tag (`tlp:clear`, `tlp:green`, `tlp:amber`,
//!   `tlp:amber+strict`, `tlp:red`) and `canhgac:incident-class="…"`;
//! - one `Attribute` per observable, typed and categorised as MISP's
//!   `describeTypes` allows: addresses and blocks `ip-src` (attack source) or
//!   `ip-dst` (anything else), `domain`, `url` in *Network activity*;
//!   `email-src` (`email-dst` for a victim's address), `md5`, `sha1`,
//!   `sha256`, `sha512`, `filename` in *Payload delivery*. `to_ids` is set for
//!   indicators only (not victims' assets, not internal addresses). An
//!   attribute whose TLP is the event's inherits the event's distribution
//!   (`5`); one with its own TLP carries that TLP's tag and distribution;
//! - context attributes (`to_ids` false): the canhgac reference (`text`,
//!   *Internal reference*), the description (`text`, *Other*) and the affected
//!   system (`target-machine`, *Targeting data*).
//!
//! Numbers are written as strings, as the MISP core format does. UUIDs are
//! deterministic (see [`crate::uuid`]) so a re-import updates the event.

use crate::classify::Severity;
use crate::export::{select, ExportOptions, IncidentExport, ObservableExport, ObservableRole};
use crate::observable::{ObservableKind, Tlp};
use crate::uuid::{v5, CANHGAC_NAMESPACE};
use crate::workflow::IncidentState;
use chrono::{DateTime, FixedOffset, Utc};
use serde_json::{json, Value};

/// MISP `threat_level_id`: 1 high, 2 medium, 3 low (4 undefined is unused).
pub fn threat_level_id(severity: Severity) -> u8 {
    match severity {
        Severity::Critical | Severity::High => 1,
        Severity::Medium => 2,
        Severity::Low => 3,
    }
}

/// MISP `analysis`: 0 initial, 1 ongoing, 2 completed.
pub fn analysis(state: IncidentState) -> u8 {
    match state {
        IncidentState::Reported | IncidentState::Acknowledged => 0,
        IncidentState::InResponse | IncidentState::Contained => 1,
        IncidentState::Resolved | IncidentState::Closed | IncidentState::Rejected => 2,
    }
}

/// The MISP attribute type of an observable.
pub fn attribute_type(o: &ObservableExport) -> &'static str {
    match o.observable.kind() {
        ObservableKind::Ipv4 | ObservableKind::Ipv6 | ObservableKind::Cidr => {
            if o.role == ObservableRole::Source {
                "ip-src"
            } else {
                "ip-dst"
            }
        }
        ObservableKind::Domain => "domain",
        ObservableKind::Url => "url",
        ObservableKind::Email => {
            if o.role == ObservableRole::Victim {
                "email-dst"
            } else {
                "email-src"
            }
        }
        ObservableKind::Md5 => "md5",
        ObservableKind::Sha1 => "sha1",
        ObservableKind::Sha256 => "sha256",
        ObservableKind::Sha512 => "sha512",
        ObservableKind::FileName => "filename",
    }
}

/// The MISP category of an attribute type we emit (one its definition allows).
pub fn category(attribute_type: &str) -> &'static str {
    match attribute_type {
        "ip-src" | "ip-dst" | "domain" | "url" => "Network activity",
        // email-src, email-dst, the hashes, filename.
        _ => "Payload delivery",
    }
}

fn uuid(name: &str) -> String {
    v5(CANHGAC_NAMESPACE, name.as_bytes()).to_string()
}

fn vietnam_date(t: DateTime<Utc>) -> String {
    match FixedOffset::east_opt(7 * 3600) {
        Some(tz) => t.with_timezone(&tz).format("%Y-%m-%d").to_string(),
        None => t.format("%Y-%m-%d").to_string(),
    }
}

fn context_attribute(
    key: &str,
    (ty, category): (&str, &str),
    value: &str,
    comment: &str,
    timestamp: &str,
) -> Value {
    json!({
        "uuid": uuid(&format!("misp-attribute:{key}:{ty}:{comment}")),
        "type": ty,
        "category": category,
        "value": value,
        "to_ids": false,
        "comment": comment,
        "distribution": "5",
        "timestamp": timestamp,
    })
}

/// The MISP event (`{"Event": {…}}`) for an incident and its observables,
/// exported at `now`.
pub fn misp_event(
    incident: &IncidentExport,
    observables: &[ObservableExport],
    now: DateTime<Utc>,
    options: &ExportOptions,
) -> Value {
    let observables = select(observables, options);
    let key = &incident.id;
    let timestamp = now.timestamp().max(0).to_string();
    let mut attributes: Vec<Value> = Vec::new();

    attributes.push(context_attribute(
        key,
        ("text", "Internal reference"),
        &incident.id,
        "canhgac incident reference",
        &timestamp,
    ));
    if !incident.description.trim().is_empty() {
        attributes.push(context_attribute(
            key,
            ("text", "Other"),
            &incident.description,
            "description",
            &timestamp,
        ));
    }
    let system = match (&incident.system_name, &incident.system_code) {
        (Some(n), Some(c)) => Some(format!("{n} ({c})")),
        (Some(n), None) => Some(n.clone()),
        (None, Some(c)) => Some(c.clone()),
        (None, None) => None,
    };
    if let Some(s) = system {
        attributes.push(context_attribute(
            key,
            ("target-machine", "Targeting data"),
            &s,
            "affected system",
            &timestamp,
        ));
    }

    for o in &observables {
        let ty = attribute_type(o);
        let mut a = json!({
            "uuid": uuid(&format!(
                "misp-attribute:{key}:{}:{}",
                o.observable.kind(),
                o.observable.value()
            )),
            "type": ty,
            "category": category(ty),
            "value": o.observable.value(),
            "to_ids": o.is_indicator(),
            "comment": o.comment.clone().unwrap_or_default(),
            "timestamp": timestamp,
            "Tag": [{"name": o.tlp.misp_tag()}],
        });
        a["distribution"] = if o.tlp == incident.tlp {
            json!("5")
        } else {
            // Never wider than the event's own distribution.
            json!(o.tlp.max(incident.tlp).misp_distribution().to_string())
        };
        if let Some(t) = o.first_seen {
            a["first_seen"] = json!(t.format("%Y-%m-%dT%H:%M:%S%.6f+00:00").to_string());
        }
        attributes.push(a);
    }

    json!({
        "Event": {
            "uuid": uuid(&format!("misp-event:{key}")),
            "info": incident.title,
            "date": vietnam_date(incident.detected_at),
            "threat_level_id": threat_level_id(incident.severity).to_string(),
            "analysis": analysis(incident.state).to_string(),
            "distribution": incident.tlp.misp_distribution().to_string(),
            "published": false,
            "timestamp": timestamp,
            "Orgc": {"name": incident.reporter_org},
            "Tag": [
                {"name": incident.tlp.misp_tag()},
                {"name": format!("canhgac:incident-class=\"{}\"", incident.class)},
            ],
            "Attribute": attributes,
        }
    })
}

/// The TLP a MISP tag names (`tlp:amber+strict`, `tlp:white`, …), for reading
/// events back.
pub fn tlp_from_tag(tag: &str) -> Option<Tlp> {
    let t = tag.trim().to_ascii_lowercase();
    t.strip_prefix("tlp:")?.parse().ok()
}
