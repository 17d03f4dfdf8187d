//! Reading indicators: plain lists, STIX 2.1 bundles and MISP events. The
//! format is recognised from the bytes ([`load`]). Every value that cannot be
//! used is reported with its place and why ([`Problem`]); the rest are kept.
//!
//! * **Plain lists**: one value per line, the kind recognised from the value
//!   (`incident::Observable::detect`: defanged `hxxp://`, `[.]`, `(.)` are
//!   refanged) or named before it (`filename: setup`, `domain: example`,
//!   `md5:`, `sha1:`, `sha256:`, `ip:`, `cidr:`, `url:`). `#` starts a
//!   comment (at the start of a line, or after a space). Comment lines
//!   `# source: NAME`, `# tlp: amber` and `# expires: 2026-12-31` (or an
//!   RFC 3339 time) set those for the lines below them.
//! * **STIX 2.1**: every `indicator` object of a bundle whose `pattern` is one
//!   or more `[path = 'value']` comparisons joined by `OR` (see `stix.rs`);
//!   its `valid_until`, its TLP from `object_marking_refs` (TLP 2.0 and 1.0
//!   marking definitions) and the name of its `created_by_ref` identity as
//!   source. Revoked indicators are skipped; other patterns are reported as
//!   unsupported with the indicator's id.
//! * **MISP**: an event (`{"Event": …}`, a list of them, or a `response`
//!   list), its attributes and those of its objects. Types `ip-src`,
//!   `ip-dst` (also `|port`), `domain`, `hostname`, `domain|ip`, `url`,
//!   `md5`, `sha1`, `sha256`, `sha512`, `filename`, and for `filename|md5`,
//!   `filename|sha1`, `filename|sha256` the hash (a file name alone is too
//!   weak a sign to keep from a pair). Attributes with `to_ids: false` or
//!   `deleted: true` are skipped and counted; other types are counted by
//!   type. TLP from the attribute's or the event's `tlp:` tag; source from the
//!   creating organisation.

use super::{stix, Indicator, Observable, ObservableKind, Tlp};
use serde_json::Value as Json;
use std::collections::BTreeMap;
use std::sync::Arc;

/// What applies to indicators whose file does not say.
#[derive(Clone, Debug)]
pub struct LoadOptions {
    /// The source named in hits (default: the file name).
    pub source: String,
    pub tlp: Tlp,
    /// Unix milliseconds.
    pub valid_until: Option<i64>,
}

impl LoadOptions {
    pub fn for_file(name: &str) -> Self {
        LoadOptions {
            source: name.to_string(),
            tlp: Tlp::Amber,
            valid_until: None,
        }
    }
}

/// One value that was not loaded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// `line 3`, `objects[4] indicator--…`, `Event.Attribute[2]`.
    pub position: String,
    pub reason: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.position, self.reason)
    }
}

/// What a file held.
#[derive(Clone, Debug, Default)]
pub struct Loaded {
    pub format: &'static str,
    pub indicators: Vec<Indicator>,
    /// At most [`MAX_PROBLEMS`] kept; `problem_count` counts them all.
    pub problems: Vec<Problem>,
    pub problem_count: usize,
    /// Skipped on purpose: revoked, `to_ids: false`, deleted, by reason.
    pub skipped: BTreeMap<String, usize>,
}

pub const MAX_PROBLEMS: usize = 100;

impl Loaded {
    fn problem(&mut self, position: String, reason: String) {
        self.problem_count += 1;
        if self.problems.len() < MAX_PROBLEMS {
            self.problems.push(Problem { position, reason });
        }
    }
    /// Keeps a parsed value as an indicator, or reports why it is not one.
    fn keep(
        &mut self,
        parsed: Result<Observable, incident::ObservableError>,
        (source, tlp, valid_until, id): Meta,
        position: impl FnOnce() -> String,
        prefix: &str,
    ) {
        match parsed {
            Ok(observable) => self.indicators.push(Indicator {
                observable,
                source,
                tlp,
                valid_until,
                id,
            }),
            Err(e) => self.problem(position(), format!("{prefix}{e}")),
        }
    }
    fn skip(&mut self, why: &str) {
        *self.skipped.entry(why.to_string()).or_insert(0) += 1;
    }
}

/// A file that is not an indicator file at all.
#[derive(Debug, thiserror::Error)]
pub enum IocError {
    #[error("JSON at line {line}, column {column}: {message}")]
    Json {
        line: usize,
        column: usize,
        message: String,
    },
    #[error("JSON that is neither a STIX bundle nor a MISP event")]
    UnknownJson,
}

/// Reads indicators from a file's bytes, recognising its format.
pub fn load(bytes: &[u8], opts: &LoadOptions) -> Result<Loaded, IocError> {
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    let first = bytes.iter().find(|b| !b.is_ascii_whitespace());
    if matches!(first, Some(b'{') | Some(b'[')) {
        let json: Json = serde_json::from_slice(bytes).map_err(|e| IocError::Json {
            line: e.line(),
            column: e.column(),
            message: e.to_string(),
        })?;
        if json.get("type").and_then(Json::as_str) == Some("bundle")
            || json.get("objects").is_some_and(Json::is_array)
        {
            return Ok(stix_bundle(&json, opts));
        }
        if json.get("Event").is_some()
            || json.get("response").is_some()
            || json.get("Attribute").is_some()
            || json
                .as_array()
                .is_some_and(|a| a.iter().any(|e| e.get("Event").is_some()))
        {
            return Ok(misp(&json, opts));
        }
        return Err(IocError::UnknownJson);
    }
    Ok(plain(&String::from_utf8_lossy(bytes), opts))
}

/// `2026-12-31` (the end of that day, UTC) or an RFC 3339 time → Unix milliseconds.
pub fn parse_expiry(s: &str) -> Option<i64> {
    let t = s.trim();
    if let Ok(dt) = chrono::DateTime::parse_from_rfc3339(t) {
        return Some(dt.timestamp_millis());
    }
    let d = chrono::NaiveDate::parse_from_str(t, "%Y-%m-%d").ok()?;
    Some(
        d.and_hms_milli_opt(23, 59, 59, 999)?
            .and_utc()
            .timestamp_millis(),
    )
}

const KIND_PREFIXES: [(&str, ObservableKind); 14] = [
    ("ip", ObservableKind::Ipv4),
    ("ipv4", ObservableKind::Ipv4),
    ("ipv6", ObservableKind::Ipv6),
    ("cidr", ObservableKind::Cidr),
    ("domain", ObservableKind::Domain),
    ("hostname", ObservableKind::Domain),
    ("url", ObservableKind::Url),
    ("md5", ObservableKind::Md5),
    ("sha1", ObservableKind::Sha1),
    ("sha256", ObservableKind::Sha256),
    ("sha512", ObservableKind::Sha512),
    ("file", ObservableKind::FileName),
    ("filename", ObservableKind::FileName),
    ("file_name", ObservableKind::FileName),
];

/// A plain list (see the module documentation).
pub fn plain(text: &str, opts: &LoadOptions) -> Loaded {
    let mut out = Loaded {
        format: "plain",
        ..Loaded::default()
    };
    let mut source: Arc<str> = opts.source.as_str().into();
    let mut tlp = opts.tlp;
    let mut valid_until = opts.valid_until;
    for (i, line) in text.lines().enumerate() {
        let pos = || format!("line {}", i + 1);
        let l = line.trim();
        if let Some(c) = l.strip_prefix('#') {
            if let Some((k, v)) = c.split_once(':') {
                let v = v.trim();
                match k.trim().to_ascii_lowercase().as_str() {
                    "source" if !v.is_empty() => source = v.into(),
                    "tlp" => match v.parse::<Tlp>() {
                        Ok(t) => tlp = t,
                        Err(e) => out.problem(pos(), e),
                    },
                    "expires" | "valid_until" | "valid until" => match parse_expiry(v) {
                        Some(t) => valid_until = Some(t),
                        None => out.problem(
                            pos(),
                            format!("'{v}' is not a date (YYYY-MM-DD) or an RFC 3339 time"),
                        ),
                    },
                    _ => {}
                }
            }
            continue;
        }
        let l = match l.find(" #").or_else(|| l.find("\t#")) {
            Some(p) => l[..p].trim(),
            None => l,
        };
        if l.is_empty() {
            continue;
        }
        let (kind, value) = match l.split_once(':') {
            Some((k, v)) if !v.starts_with("//") => {
                match KIND_PREFIXES
                    .iter()
                    .find(|(n, _)| k.trim().eq_ignore_ascii_case(n))
                {
                    Some((_, kind)) => (Some(*kind), v.trim()),
                    None => (None, l),
                }
            }
            _ => (None, l),
        };
        // `ip:` takes either family and blocks.
        let parsed = match kind {
            Some(ObservableKind::Ipv4) => network(value),
            k => Observable::parse(k, value),
        };
        let meta = (source.clone(), tlp, valid_until, None);
        out.keep(parsed, meta, pos, "");
    }
    out
}

/// An address or block of either family.
fn network(text: &str) -> Result<Observable, incident::ObservableError> {
    Observable::detect(text).and_then(|o| {
        if o.kind().is_network() {
            Ok(o)
        } else {
            Observable::parse_as(ObservableKind::Ipv4, text)
        }
    })
}

/// Source, TLP, expiry and id of the indicators read from one place.
type Meta = (Arc<str>, Tlp, Option<i64>, Option<String>);

/// TLP 1.0 marking definitions of the STIX 2.1 specification.
const TLP1: [(&str, Tlp); 4] = [
    (
        "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9",
        Tlp::Clear,
    ),
    (
        "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da",
        Tlp::Green,
    ),
    (
        "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82",
        Tlp::Amber,
    ),
    (
        "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed",
        Tlp::Red,
    ),
];

fn marking_tlp(id: &str, objects: &[Json]) -> Option<Tlp> {
    if let Some(t) = Tlp::ALL.iter().find(|t| t.stix_marking_id() == id) {
        return Some(*t);
    }
    if let Some((_, t)) = TLP1.iter().find(|(m, _)| *m == id) {
        return Some(*t);
    }
    let def = objects
        .iter()
        .find(|o| o.get("id").and_then(Json::as_str) == Some(id))?;
    def.pointer("/definition/tlp")
        .and_then(Json::as_str)
        .or_else(|| def.get("name").and_then(Json::as_str))
        .and_then(|s| s.parse().ok())
}

/// A STIX 2.1 bundle (see the module documentation).
pub fn stix_bundle(json: &Json, opts: &LoadOptions) -> Loaded {
    let mut out = Loaded {
        format: "stix",
        ..Loaded::default()
    };
    let empty = Vec::new();
    let objects = json
        .get("objects")
        .and_then(Json::as_array)
        .unwrap_or(&empty);
    let default_source: Arc<str> = opts.source.as_str().into();
    for (i, o) in objects.iter().enumerate() {
        if o.get("type").and_then(Json::as_str) != Some("indicator") {
            continue;
        }
        let id = o.get("id").and_then(Json::as_str).unwrap_or("").to_string();
        let pos = format!("objects[{i}] {id}");
        if o.get("revoked").and_then(Json::as_bool) == Some(true) {
            out.skip("revoked");
            continue;
        }
        let pattern_type = o
            .get("pattern_type")
            .and_then(Json::as_str)
            .unwrap_or("stix");
        if pattern_type != "stix" {
            out.problem(pos, format!("unsupported pattern_type '{pattern_type}'"));
            continue;
        }
        let Some(pattern) = o.get("pattern").and_then(Json::as_str) else {
            out.problem(pos, "no pattern".into());
            continue;
        };
        let pairs = match stix::values(pattern) {
            Ok(p) => p,
            Err(e) => {
                out.problem(pos, format!("unsupported pattern {pattern:?}: {e}"));
                continue;
            }
        };
        let valid_until = match o.get("valid_until").and_then(Json::as_str) {
            Some(t) => match parse_expiry(t) {
                Some(t) => Some(t),
                None => {
                    out.problem(pos, format!("valid_until '{t}' is not an RFC 3339 time"));
                    continue;
                }
            },
            None => opts.valid_until,
        };
        let tlp = o
            .get("object_marking_refs")
            .and_then(Json::as_array)
            .and_then(|refs| {
                refs.iter()
                    .filter_map(Json::as_str)
                    .filter_map(|r| marking_tlp(r, objects))
                    .max()
            })
            .unwrap_or(opts.tlp);
        let source = o
            .get("created_by_ref")
            .and_then(Json::as_str)
            .and_then(|r| {
                objects
                    .iter()
                    .find(|x| x.get("id").and_then(Json::as_str) == Some(r))
            })
            .and_then(|x| x.get("name").and_then(Json::as_str))
            .map_or_else(|| default_source.clone(), Arc::from);
        for (kind, value) in pairs {
            // An address value may be a block (`ipv4-addr:value = '192.0.2.0/25'`).
            let kind = match kind {
                ObservableKind::Ipv4 | ObservableKind::Ipv6 if value.contains('/') => {
                    ObservableKind::Cidr
                }
                k => k,
            };
            let meta = (
                source.clone(),
                tlp,
                valid_until,
                Some(id.clone()).filter(|s| !s.is_empty()),
            );
            out.keep(Observable::parse_as(kind, &value), meta, || pos.clone(), "");
        }
    }
    out
}

fn tags_tlp(v: &Json) -> Option<Tlp> {
    v.get("Tag")?
        .as_array()?
        .iter()
        .filter_map(|t| t.get("name").and_then(Json::as_str))
        .filter_map(incident::misp::tlp_from_tag)
        .max()
}

/// MISP events (see the module documentation).
pub fn misp(json: &Json, opts: &LoadOptions) -> Loaded {
    let mut out = Loaded {
        format: "misp",
        ..Loaded::default()
    };
    let mut events: Vec<(String, &Json)> = Vec::new();
    let list = json
        .get("response")
        .and_then(Json::as_array)
        .or_else(|| json.as_array());
    match list {
        Some(a) => {
            for (i, e) in a.iter().enumerate() {
                let prefix = if json.get("response").is_some() {
                    format!("response[{i}].Event")
                } else {
                    format!("[{i}].Event")
                };
                events.push((prefix, e.get("Event").unwrap_or(e)));
            }
        }
        None => events.push(("Event".into(), json.get("Event").unwrap_or(json))),
    }
    for (prefix, ev) in events {
        let source: Arc<str> = ev
            .pointer("/Orgc/name")
            .or_else(|| ev.pointer("/Org/name"))
            .and_then(Json::as_str)
            .unwrap_or(opts.source.as_str())
            .into();
        let event_tlp = tags_tlp(ev).unwrap_or(opts.tlp);
        let mut attrs: Vec<(String, &Json)> = Vec::new();
        if let Some(a) = ev.get("Attribute").and_then(Json::as_array) {
            for (i, x) in a.iter().enumerate() {
                attrs.push((format!("{prefix}.Attribute[{i}]"), x));
            }
        }
        if let Some(objs) = ev.get("Object").and_then(Json::as_array) {
            for (j, o) in objs.iter().enumerate() {
                if let Some(a) = o.get("Attribute").and_then(Json::as_array) {
                    for (i, x) in a.iter().enumerate() {
                        attrs.push((format!("{prefix}.Object[{j}].Attribute[{i}]"), x));
                    }
                }
            }
        }
        for (pos, a) in attrs {
            misp_attribute(&mut out, &pos, a, &source, event_tlp, opts.valid_until);
        }
    }
    out
}

fn misp_attribute(
    out: &mut Loaded,
    pos: &str,
    a: &Json,
    source: &Arc<str>,
    event_tlp: Tlp,
    valid_until: Option<i64>,
) {
    let flag = |k: &str| match a.get(k) {
        Some(Json::Bool(b)) => Some(*b),
        Some(Json::String(s)) => Some(s == "1" || s.eq_ignore_ascii_case("true")),
        Some(Json::Number(n)) => Some(n.as_i64() == Some(1)),
        _ => None,
    };
    if flag("deleted") == Some(true) {
        out.skip("deleted");
        return;
    }
    if flag("to_ids") == Some(false) {
        out.skip("to_ids false");
        return;
    }
    let (Some(t), Some(value)) = (
        a.get("type").and_then(Json::as_str),
        a.get("value").and_then(Json::as_str),
    ) else {
        out.problem(pos.to_string(), "no type or value".into());
        return;
    };
    let parts: Vec<(Option<ObservableKind>, &str)> = match t {
        "ip-src" | "ip-dst" => vec![(None, value)],
        "ip-src|port" | "ip-dst|port" => vec![(None, value.split('|').next().unwrap_or(value))],
        "domain" | "hostname" => vec![(Some(ObservableKind::Domain), value)],
        "domain|ip" => match value.split_once('|') {
            Some((d, ip)) => vec![(Some(ObservableKind::Domain), d), (None, ip)],
            None => vec![(Some(ObservableKind::Domain), value)],
        },
        "url" => vec![(Some(ObservableKind::Url), value)],
        "md5" => vec![(Some(ObservableKind::Md5), value)],
        "sha1" => vec![(Some(ObservableKind::Sha1), value)],
        "sha256" => vec![(Some(ObservableKind::Sha256), value)],
        "sha512" => vec![(Some(ObservableKind::Sha512), value)],
        "filename" => vec![(Some(ObservableKind::FileName), value)],
        "filename|md5" | "filename|sha1" | "filename|sha256" => {
            let kind = match &t[9..] {
                "md5" => ObservableKind::Md5,
                "sha1" => ObservableKind::Sha1,
                _ => ObservableKind::Sha256,
            };
            vec![(Some(kind), value.rsplit('|').next().unwrap_or(value))]
        }
        other => {
            out.skip(&format!("type {other}"));
            return;
        }
    };
    let tlp = tags_tlp(a).unwrap_or(event_tlp);
    let id = a.get("uuid").and_then(Json::as_str).map(str::to_string);
    for (kind, v) in parts {
        let parsed = match kind {
            Some(k) => Observable::parse_as(k, v),
            None => network(v),
        };
        let meta = (source.clone(), tlp, valid_until, id.clone());
        out.keep(parsed, meta, || pos.to_string(), &format!("{t}: "));
    }
}
