//! The incident as a STIX 2.1 bundle.
//!
//! STIX 2.1's `incident` object is a stub (a name, a description), so the
//! bundle is built the way sharing platforms (MISP, OpenCTI) read incidents:
//!
//! - a `report` with `report_types: ["incident"]` (an open-vocabulary value)
//!   whose `object_refs` name everything below: the container a platform
//!   turns into an event or a case;
//! - the `incident` itself: title, description, `labels` carrying the class,
//!   severity and state codes (`class:ddos`, `severity:high`,
//!   `state:contained`), and `external_references` to the canhgac reference and
//!   the affected system;
//! - an `identity` for the reporting organisation (`created_by_ref` of every
//!   object we create);
//! - one SCO per observable (`ipv4-addr`, `ipv6-addr`, `domain-name`, `url`,
//!   `email-addr`, `file` with `hashes` or `name`; a block is an `ipv4-addr` /
//!   `ipv6-addr` in CIDR notation, as STIX allows) with the STIX deterministic
//!   identifiers (UUIDv5, see [`crate::uuid`]);
//! - an `observed-data` grouping the SCOs, whose `first_observed` is the
//!   detection time;
//! - an `indicator` (STIX pattern) for each observable others should detect,
//!   i.e. not the victim's own assets nor internal addresses;
//! - the TLP 2.0 `marking-definition` objects referenced, as published by
//!   OASIS (so a consumer that does not know them can still resolve them).
//!
//! Markings: the report and the incident carry the incident's TLP; each
//! SCO and indicator its observable's own TLP; the observed-data, which ties
//! them together, the strictest of all. TLP:RED observables are left out unless
//! allowed (see [`crate::export`]). The identity is not marked: it holds only
//! the organisation's name and is the same object in every export.
//!
//! Identifiers are deterministic, so re-exporting an incident updates the same
//! objects; `created` is the report time and `modified` the export time.

use crate::export::{select, stix_timestamp, ExportOptions, IncidentExport, ObservableExport};
use crate::observable::{Observable, ObservableKind, Tlp};
use crate::uuid::{v5, CANHGAC_NAMESPACE, STIX_SCO_NAMESPACE};
use chrono::{DateTime, Utc};
use serde_json::{json, Map, Value};

/// The TLP 2.0 extension definition (OASIS cti-stix-common-objects).
pub const TLP2_EXTENSION_ID: &str = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d";
/// The `created` time of the published TLP 2.0 marking definitions.
pub const TLP2_CREATED: &str = "2022-10-01T00:00:00.000Z";

/// The `identity` objects' fixed timestamp: their content depends only on the
/// organisation's name, so identical objects stay identical across exports.
const IDENTITY_CREATED: &str = "2017-11-01T00:00:00.000Z";

/// The TLP 2.0 marking-definition object, exactly as published.
pub fn marking_definition(tlp: Tlp) -> Value {
    json!({
        "type": "marking-definition",
        "spec_version": "2.1",
        "id": tlp.stix_marking_id(),
        "created": TLP2_CREATED,
        "name": tlp.label_en(),
        "extensions": {
            TLP2_EXTENSION_ID: {
                "extension_type": "property-extension",
                "tlp_2_0": tlp.tlp2_value(),
            }
        }
    })
}

/// The STIX SCO type of an observable.
pub fn sco_type(o: &Observable) -> &'static str {
    match o.kind() {
        ObservableKind::Ipv4 => "ipv4-addr",
        ObservableKind::Ipv6 => "ipv6-addr",
        ObservableKind::Cidr => {
            if o.value().contains(':') {
                "ipv6-addr"
            } else {
                "ipv4-addr"
            }
        }
        ObservableKind::Domain => "domain-name",
        ObservableKind::Url => "url",
        ObservableKind::Email => "email-addr",
        ObservableKind::Md5
        | ObservableKind::Sha1
        | ObservableKind::Sha256
        | ObservableKind::Sha512
        | ObservableKind::FileName => "file",
    }
}

/// The STIX hash algorithm name of a hash kind.
fn hash_name(kind: ObservableKind) -> Option<&'static str> {
    match kind {
        ObservableKind::Md5 => Some("MD5"),
        ObservableKind::Sha1 => Some("SHA-1"),
        ObservableKind::Sha256 => Some("SHA-256"),
        ObservableKind::Sha512 => Some("SHA-512"),
        _ => None,
    }
}

/// A JSON string literal as RFC 8785 (JCS) writes it; serde_json escapes the
/// same characters the same way (lower-case `\u00xx`).
fn jcs_string(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".to_string())
}

/// The ID-contributing properties of the SCO, canonicalised (RFC 8785): one
/// key, or `hashes` with one algorithm, so key order is trivial.
fn id_contributing(o: &Observable) -> String {
    match (o.kind(), hash_name(o.kind())) {
        (_, Some(alg)) => format!(
            "{{\"hashes\":{{{}:{}}}}}",
            jcs_string(alg),
            jcs_string(o.value())
        ),
        (ObservableKind::FileName, None) => format!("{{\"name\":{}}}", jcs_string(o.value())),
        _ => format!("{{\"value\":{}}}", jcs_string(o.value())),
    }
}

/// The deterministic STIX identifier of an observable's SCO (STIX 2.1 §2.9):
/// the same value gives the same id in every producer.
pub fn sco_id(o: &Observable) -> String {
    format!(
        "{}--{}",
        sco_type(o),
        v5(STIX_SCO_NAMESPACE, id_contributing(o).as_bytes())
    )
}

/// The SCO of an observable, without markings.
pub fn sco(o: &Observable) -> Value {
    let mut m = Map::new();
    m.insert("type".into(), json!(sco_type(o)));
    m.insert("spec_version".into(), json!("2.1"));
    m.insert("id".into(), json!(sco_id(o)));
    match (o.kind(), hash_name(o.kind())) {
        (_, Some(alg)) => {
            m.insert("hashes".into(), json!({ alg: o.value() }));
        }
        (ObservableKind::FileName, None) => {
            m.insert("name".into(), json!(o.value()));
        }
        _ => {
            m.insert("value".into(), json!(o.value()));
        }
    }
    Value::Object(m)
}

/// A STIX pattern string literal: backslash and quote escaped.
fn pattern_literal(s: &str) -> String {
    format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'"))
}

/// The STIX pattern that matches the observable.
pub fn pattern(o: &Observable) -> String {
    let lit = pattern_literal(o.value());
    let ty = sco_type(o);
    match o.kind() {
        ObservableKind::Cidr => format!("[{ty}:value ISSUBSET {lit}]"),
        ObservableKind::Md5 => format!("[file:hashes.MD5 = {lit}]"),
        ObservableKind::Sha1 => format!("[file:hashes.'SHA-1' = {lit}]"),
        ObservableKind::Sha256 => format!("[file:hashes.'SHA-256' = {lit}]"),
        ObservableKind::Sha512 => format!("[file:hashes.'SHA-512' = {lit}]"),
        ObservableKind::FileName => format!("[file:name = {lit}]"),
        _ => format!("[{ty}:value = {lit}]"),
    }
}

fn object_id(ty: &str, name: &str) -> String {
    format!("{ty}--{}", v5(CANHGAC_NAMESPACE, name.as_bytes()))
}

fn with_marking(mut v: Value, tlp: Tlp) -> Value {
    if let Value::Object(m) = &mut v {
        m.insert("object_marking_refs".into(), json!([tlp.stix_marking_id()]));
    }
    v
}

/// The bundle for an incident and its observables, exported at `now`.
pub fn stix_bundle(
    incident: &IncidentExport,
    observables: &[ObservableExport],
    now: DateTime<Utc>,
    options: &ExportOptions,
) -> Value {
    let observables = select(observables, options);
    let created = stix_timestamp(incident.reported_at);
    let modified = stix_timestamp(now.max(incident.reported_at));
    let key = &incident.id;

    let identity_id = object_id("identity", &format!("identity:{}", incident.reporter_org));
    let incident_id = object_id("incident", &format!("incident:{key}"));
    let report_id = object_id("report", &format!("report:{key}"));
    let observed_id = object_id("observed-data", &format!("observed-data:{key}"));

    let mut used: Vec<Tlp> = vec![incident.tlp];
    let mut objects: Vec<Value> = Vec::new();
    let mut refs: Vec<String> = vec![incident_id.clone(), identity_id.clone()];

    objects.push(json!({
        "type": "identity",
        "spec_version": "2.1",
        "id": identity_id,
        "created": IDENTITY_CREATED,
        "modified": IDENTITY_CREATED,
        "name": incident.reporter_org,
        "identity_class": "organization",
    }));

    let mut external = vec![json!({
        "source_name": "canhgac",
        "external_id": incident.id,
    })];
    if incident.system_code.is_some() || incident.system_name.is_some() {
        let mut r = Map::new();
        r.insert("source_name".into(), json!("canhgac-system"));
        if let Some(code) = &incident.system_code {
            r.insert("external_id".into(), json!(code));
        }
        if let Some(name) = &incident.system_name {
            r.insert("description".into(), json!(name));
        }
        external.push(Value::Object(r));
    }
    let mut inc = json!({
        "type": "incident",
        "spec_version": "2.1",
        "id": incident_id,
        "created": created,
        "modified": modified,
        "created_by_ref": identity_id,
        "name": incident.title,
        "labels": [
            format!("class:{}", incident.class),
            format!("severity:{}", incident.severity),
            format!("state:{}", incident.state),
        ],
        "external_references": external,
    });
    if !incident.description.trim().is_empty() {
        inc["description"] = json!(incident.description);
    }
    objects.push(with_marking(inc, incident.tlp));

    let mut sco_refs: Vec<String> = Vec::new();
    let mut strictest = incident.tlp;
    let mut first_observed = incident.detected_at;
    for o in &observables {
        let id = sco_id(&o.observable);
        used.push(o.tlp);
        strictest = strictest.max(o.tlp);
        if let Some(t) = o.first_seen {
            first_observed = first_observed.min(t);
        }
        objects.push(with_marking(sco(&o.observable), o.tlp));
        refs.push(id.clone());
        sco_refs.push(id);
        if o.is_indicator() {
            let ind_id = object_id(
                "indicator",
                &format!(
                    "indicator:{key}:{}:{}",
                    o.observable.kind(),
                    o.observable.value()
                ),
            );
            let mut ind = json!({
                "type": "indicator",
                "spec_version": "2.1",
                "id": ind_id,
                "created": created,
                "modified": modified,
                "created_by_ref": identity_id,
                "name": o.observable.value(),
                "indicator_types": ["malicious-activity"],
                "pattern": pattern(&o.observable),
                "pattern_type": "stix",
                "pattern_version": "2.1",
                "valid_from": stix_timestamp(o.first_seen.unwrap_or(incident.detected_at)),
            });
            if let Some(c) = o.comment.as_deref().filter(|c| !c.trim().is_empty()) {
                ind["description"] = json!(c);
            }
            objects.push(with_marking(ind, o.tlp));
            refs.push(ind_id);
        }
    }
    if !sco_refs.is_empty() {
        let last_observed = now.max(first_observed);
        objects.push(with_marking(
            json!({
                "type": "observed-data",
                "spec_version": "2.1",
                "id": observed_id,
                "created": created,
                "modified": modified,
                "created_by_ref": identity_id,
                "first_observed": stix_timestamp(first_observed),
                "last_observed": stix_timestamp(last_observed),
                "number_observed": 1,
                "object_refs": sco_refs,
            }),
            strictest,
        ));
        refs.push(observed_id);
    }

    let mut report = json!({
        "type": "report",
        "spec_version": "2.1",
        "id": report_id,
        "created": created,
        "modified": modified,
        "created_by_ref": identity_id,
        "name": incident.title,
        "report_types": ["incident"],
        "published": created,
        "object_refs": refs,
        "labels": [format!("class:{}", incident.class)],
        "external_references": [{"source_name": "canhgac", "external_id": incident.id}],
    });
    if !incident.description.trim().is_empty() {
        report["description"] = json!(incident.description);
    }
    // The report first, then the markings, then the rest.
    let mut all = vec![with_marking(report, incident.tlp)];
    used.sort();
    used.dedup();
    all.extend(used.into_iter().map(marking_definition));
    all.extend(objects);

    json!({
        "type": "bundle",
        "id": object_id("bundle", &format!("bundle:{key}:{modified}")),
        "objects": all,
    })
}
