//! The normalised event: a flat list of named values, whatever the source.
//!
//! A rule names a field by its Sigma name (`Image`, `CommandLine`, `EventID`,
//! `Channel`, `Provider_Name`, …). Readers turn each layout into this one view:
//!
//! * Windows events as `evtx` renders them to JSON (`{"Event": {"System": …,
//!   "EventData": …}}`, also what SigmaHQ's regression samples hold): the
//!   children of `System` by their names (`EventID`, `Channel`, `Computer`,
//!   `Level`, …), attributes as `Parent_Attr` (`Provider_Name`,
//!   `Execution_ProcessID`, `Security_UserID`, `TimeCreated_SystemTime`), and
//!   every leaf under `EventData` or `UserData` by its own name, however deep.
//! * Winlogbeat / Elastic Common Schema (`winlog.event_data.*`,
//!   `winlog.channel`, `winlog.event_id`, `winlog.provider_name`, …): the same
//!   names as above, and every other field by its dotted path
//!   (`process.command_line`).
//! * NXLog and other flat JSON: the top-level names as they are
//!   (`SourceName` is also given as `Provider_Name`), nested objects by their
//!   dotted path.
//!
//! Field names are matched case-insensitively. A list value is several values
//! of one field: a rule matches if any of them matches.

use serde::Serialize;
use serde_json::Value as Json;

/// One value of a field.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(Box<str>),
}

impl Value {
    /// The value as text, as a string matcher sees it (`4688`, `true`, `""` for null).
    pub fn as_text(&self) -> std::borrow::Cow<'_, str> {
        match self {
            Value::Null => "".into(),
            Value::Bool(b) => if *b { "true" } else { "false" }.into(),
            Value::Int(i) => i.to_string().into(),
            Value::Float(f) => f.to_string().into(),
            Value::Str(s) => std::borrow::Cow::Borrowed(s),
        }
    }

    /// The value as a number, if it is one or is text holding one (decimal or `0x` hex).
    pub fn as_number(&self) -> Option<f64> {
        match self {
            Value::Int(i) => Some(*i as f64),
            Value::Float(f) => Some(*f),
            Value::Str(s) => parse_number(s),
            _ => None,
        }
    }
}

pub(crate) fn parse_number(s: &str) -> Option<f64> {
    let t = s.trim();
    if let Some(h) = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        return u64::from_str_radix(h, 16).ok().map(|v| v as f64);
    }
    t.parse::<f64>().ok().filter(|v| v.is_finite())
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::Str(s.into())
    }
}
impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::Str(s.into())
    }
}
impl From<i64> for Value {
    fn from(i: i64) -> Self {
        Value::Int(i)
    }
}
impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}

/// What the sender of an event says it is, for rules whose log source is not
/// recognised from the event's own fields (Linux, cloud, network devices, web
/// servers …). Compared with a rule's `logsource` case-insensitively.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct SourceHint {
    pub product: Option<Box<str>>,
    pub category: Option<Box<str>>,
    pub service: Option<Box<str>>,
}

/// A normalised event. Cheap to build, owned, `Send + Sync`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Event {
    fields: Vec<(Box<str>, Value)>,
    #[serde(skip_serializing_if = "is_default_hint")]
    hint: SourceHint,
}

fn is_default_hint(h: &SourceHint) -> bool {
    *h == SourceHint::default()
}

impl Event {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a value to a field (a field may hold several values).
    pub fn push(&mut self, name: impl Into<Box<str>>, value: impl Into<Value>) {
        self.fields.push((name.into(), value.into()));
    }

    /// Builder form of [`Event::push`].
    pub fn with(mut self, name: &str, value: impl Into<Value>) -> Self {
        self.push(name, value);
        self
    }

    /// Declares the event's log source (for events not recognised by their fields).
    pub fn with_source(
        mut self,
        product: Option<&str>,
        category: Option<&str>,
        service: Option<&str>,
    ) -> Self {
        self.hint = SourceHint {
            product: product.map(|s| s.to_ascii_lowercase().into()),
            category: category.map(|s| s.to_ascii_lowercase().into()),
            service: service.map(|s| s.to_ascii_lowercase().into()),
        };
        self
    }

    pub fn source_hint(&self) -> &SourceHint {
        &self.hint
    }

    /// All fields in order, a field with several values appearing several times.
    pub fn fields(&self) -> &[(Box<str>, Value)] {
        &self.fields
    }

    /// The first value of a field (name compared case-insensitively).
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.fields
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    }

    /// The first value of a field as text.
    pub fn get_text(&self, name: &str) -> Option<std::borrow::Cow<'_, str>> {
        self.get(name).map(|v| v.as_text())
    }

    /// Normalises a JSON event of any of the layouts described in the module docs.
    pub fn from_json(json: &Json) -> Event {
        let mut ev = Event::new();
        let Json::Object(map) = json else {
            // A bare value: keep it as the event's only field, reachable by keywords.
            flatten_into(&mut ev, "data", json);
            return ev;
        };
        if let Some(Json::Object(inner)) = map.get("Event") {
            if inner.contains_key("System") {
                windows_xml_json(&mut ev, inner);
                return ev;
            }
        }
        if map.contains_key("System")
            && (map.contains_key("EventData") || map.contains_key("UserData"))
        {
            windows_xml_json(&mut ev, map);
            return ev;
        }
        if let Some(Json::Object(winlog)) = map.get("winlog") {
            winlogbeat(&mut ev, winlog);
            for (k, v) in map {
                if k != "winlog" {
                    flatten_into(&mut ev, k, v);
                }
            }
            return ev;
        }
        // Flat JSON (NXLog and the rest).
        for (k, v) in map {
            flatten_into(&mut ev, k, v);
        }
        if ev.get("Provider_Name").is_none() {
            if let Some(v) = ev.get("SourceName").cloned() {
                ev.push("Provider_Name", v);
            }
        }
        ev
    }
}

fn scalar(v: &Json) -> Option<Value> {
    Some(match v {
        Json::Null => Value::Null,
        Json::Bool(b) => Value::Bool(*b),
        Json::Number(n) => match n.as_i64() {
            Some(i) => Value::Int(i),
            None => match n.as_f64() {
                Some(f) => Value::Float(f),
                None => Value::Str(n.to_string().into()),
            },
        },
        Json::String(s) => Value::Str(s.as_str().into()),
        _ => return None,
    })
}

/// Pushes a JSON value under a name: scalars as they are, lists as several
/// values, objects by dotted path.
fn flatten_into(ev: &mut Event, name: &str, v: &Json) {
    flatten_depth(ev, name, v, 0)
}

fn flatten_depth(ev: &mut Event, name: &str, v: &Json, depth: usize) {
    if depth > 32 {
        return;
    }
    match v {
        Json::Array(items) => {
            for it in items {
                match it {
                    Json::Object(_) | Json::Array(_) => flatten_depth(ev, name, it, depth + 1),
                    _ => ev.push(name, scalar(it).unwrap_or(Value::Null)),
                }
            }
        }
        Json::Object(m) => {
            for (k, child) in m {
                let n = format!("{name}.{k}");
                flatten_depth(ev, &n, child, depth + 1);
            }
        }
        _ => ev.push(name, scalar(v).unwrap_or(Value::Null)),
    }
}

/// `{"#text": x, "#attributes": {...}}` → x; otherwise the value itself.
fn text_of(v: &Json) -> &Json {
    if let Json::Object(m) = v {
        if let Some(t) = m.get("#text") {
            return t;
        }
        if let Some(t) = m.get("$value") {
            return t;
        }
    }
    v
}

fn windows_xml_json(ev: &mut Event, event: &serde_json::Map<String, Json>) {
    if let Some(Json::Object(system)) = event.get("System") {
        for (k, v) in system {
            match v {
                Json::Object(m) => {
                    let attrs = match m.get("#attributes") {
                        Some(Json::Object(a)) => Some(a),
                        _ => None,
                    };
                    let has_text = m.contains_key("#text");
                    if has_text {
                        flatten_leaf(ev, k, text_of(v), 0);
                    }
                    if let Some(a) = attrs {
                        for (ak, av) in a {
                            if let Some(s) = scalar(av) {
                                ev.push(format!("{k}_{ak}"), s);
                            }
                        }
                    }
                    // Attributes rendered without "#attributes" (separate_json_attributes off).
                    for (ck, cv) in m {
                        if ck.starts_with('#') {
                            continue;
                        }
                        if let Some(s) = scalar(cv) {
                            ev.push(format!("{k}_{ck}"), s);
                        }
                    }
                }
                _ => flatten_leaf(ev, k, v, 0),
            }
        }
    }
    for part in ["EventData", "UserData"] {
        if let Some(data) = event.get(part) {
            data_leaves(ev, part, data, 0);
        }
    }
    // Some renderings attach "<Name>_attributes" siblings; nothing else at this level matters.
}

/// Leaves of EventData/UserData by their own names.
fn data_leaves(ev: &mut Event, name: &str, v: &Json, depth: usize) {
    if depth > 16 {
        return;
    }
    match v {
        Json::Object(m) => {
            // Unnamed data: {"Data": {"#text": [...]}} or {"Data": [...]}.
            for (k, child) in m {
                if k == "#attributes" || k.ends_with("_attributes") {
                    continue;
                }
                if k == "#text" {
                    flatten_leaf(ev, name, child, depth + 1);
                    continue;
                }
                match child {
                    Json::Object(cm) if !cm.contains_key("#text") => {
                        data_leaves(ev, k, child, depth + 1)
                    }
                    Json::Array(items) if items.iter().any(|i| i.is_object()) => {
                        // <Data Name="x">v</Data> rendered as a list of objects.
                        for it in items {
                            if let Json::Object(im) = it {
                                let named = im
                                    .get("#attributes")
                                    .and_then(|a| a.get("Name"))
                                    .and_then(|n| n.as_str());
                                match named {
                                    Some(n) => flatten_leaf(ev, n, text_of(it), depth + 1),
                                    None => data_leaves(ev, k, it, depth + 1),
                                }
                            } else {
                                flatten_leaf(ev, k, it, depth + 1);
                            }
                        }
                    }
                    _ => flatten_leaf(ev, k, text_of(child), depth + 1),
                }
            }
        }
        _ => flatten_leaf(ev, name, v, depth + 1),
    }
}

fn flatten_leaf(ev: &mut Event, name: &str, v: &Json, depth: usize) {
    if depth > 32 {
        return;
    }
    match v {
        Json::Array(items) => {
            for it in items {
                flatten_leaf(ev, name, text_of(it), depth + 1);
            }
        }
        Json::Object(_) => data_leaves(ev, name, v, depth + 1),
        _ => ev.push(name, scalar(v).unwrap_or(Value::Null)),
    }
}

fn winlogbeat(ev: &mut Event, w: &serde_json::Map<String, Json>) {
    for (k, v) in w {
        match k.as_str() {
            "event_data" | "user_data" => data_leaves(ev, k, v, 0),
            "channel" => flatten_leaf(ev, "Channel", v, 0),
            "event_id" => {
                // Winlogbeat writes the id as text; keep it numeric when it is.
                match v.as_str().and_then(|s| s.parse::<i64>().ok()) {
                    Some(i) => ev.push("EventID", i),
                    None => flatten_leaf(ev, "EventID", v, 0),
                }
            }
            "provider_name" => flatten_leaf(ev, "Provider_Name", v, 0),
            "provider_guid" => flatten_leaf(ev, "Provider_Guid", v, 0),
            "computer_name" => flatten_leaf(ev, "Computer", v, 0),
            "record_id" => flatten_leaf(ev, "EventRecordID", v, 0),
            "task" => flatten_leaf(ev, "Task", v, 0),
            "opcode" => flatten_leaf(ev, "Opcode", v, 0),
            "version" => flatten_leaf(ev, "Version", v, 0),
            _ => flatten_into(ev, &format!("winlog.{k}"), v),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evtx_json_layout() {
        let j: Json = serde_json::from_str(
            r##"{"Event":{"System":{"Provider":{"#attributes":{"Name":"Microsoft-Windows-Sysmon"}},
            "EventID":1,"Channel":"Microsoft-Windows-Sysmon/Operational","Computer":"pc",
            "Execution":{"#attributes":{"ProcessID":4}}},
            "EventData":{"Image":"C:\\x.exe","CommandLine":"x -a"}}}"##,
        )
        .unwrap();
        let ev = Event::from_json(&j);
        assert_eq!(ev.get("EventID"), Some(&Value::Int(1)));
        assert_eq!(
            ev.get_text("provider_name").unwrap(),
            "Microsoft-Windows-Sysmon"
        );
        assert_eq!(ev.get_text("Image").unwrap(), "C:\\x.exe");
        assert_eq!(ev.get("Execution_ProcessID"), Some(&Value::Int(4)));
    }

    #[test]
    fn userdata_and_event_id_text() {
        let j: Json = serde_json::from_str(
            r##"{"Event":{"System":{"EventID":{"#attributes":{"Qualifiers":16384},"#text":7045},"Channel":"System"},
            "UserData":{"LogFileCleared":{"#attributes":{"xmlns":"x"},"SubjectUserName":"bob"}}}}"##,
        )
        .unwrap();
        let ev = Event::from_json(&j);
        assert_eq!(ev.get("EventID"), Some(&Value::Int(7045)));
        assert_eq!(ev.get("EventID_Qualifiers"), Some(&Value::Int(16384)));
        assert_eq!(ev.get_text("SubjectUserName").unwrap(), "bob");
    }

    #[test]
    fn winlogbeat_layout() {
        let j: Json = serde_json::from_str(
            r##"{"@timestamp":"t","winlog":{"channel":"Security","event_id":"4688","provider_name":"Microsoft-Windows-Security-Auditing",
            "event_data":{"NewProcessName":"C:\\a.exe"}},"process":{"pid":3}}"##,
        )
        .unwrap();
        let ev = Event::from_json(&j);
        assert_eq!(ev.get("EventID"), Some(&Value::Int(4688)));
        assert_eq!(ev.get_text("Channel").unwrap(), "Security");
        assert_eq!(ev.get_text("NewProcessName").unwrap(), "C:\\a.exe");
        assert_eq!(ev.get("process.pid"), Some(&Value::Int(3)));
    }

    #[test]
    fn nxlog_flat_layout() {
        let j: Json = serde_json::from_str(
            r##"{"EventID":4104,"SourceName":"Microsoft-Windows-PowerShell","Channel":"Microsoft-Windows-PowerShell/Operational","ScriptBlockText":"iex"}"##,
        )
        .unwrap();
        let ev = Event::from_json(&j);
        assert_eq!(
            ev.get_text("Provider_Name").unwrap(),
            "Microsoft-Windows-PowerShell"
        );
        assert_eq!(ev.get("EventID"), Some(&Value::Int(4104)));
    }
}
