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
        self.as_ref().as_text()
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

/// A value borrowed from an event (an [`Event`] or an [`EventBuf`](crate::EventBuf)).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ValueRef<'a> {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(&'a str),
}

impl<'a> ValueRef<'a> {
    /// The value as text, as [`Value::as_text`] gives it.
    pub fn as_text(self) -> std::borrow::Cow<'a, str> {
        match self {
            ValueRef::Null => "".into(),
            ValueRef::Bool(b) => if b { "true" } else { "false" }.into(),
            ValueRef::Int(i) => i.to_string().into(),
            ValueRef::Float(f) => f.to_string().into(),
            ValueRef::Str(s) => std::borrow::Cow::Borrowed(s),
        }
    }

    /// The owned value.
    pub fn to_value(self) -> Value {
        match self {
            ValueRef::Null => Value::Null,
            ValueRef::Bool(b) => Value::Bool(b),
            ValueRef::Int(i) => Value::Int(i),
            ValueRef::Float(f) => Value::Float(f),
            ValueRef::Str(s) => Value::Str(s.into()),
        }
    }
}

impl Value {
    /// The value borrowed.
    pub fn as_ref(&self) -> ValueRef<'_> {
        match self {
            Value::Null => ValueRef::Null,
            Value::Bool(b) => ValueRef::Bool(*b),
            Value::Int(i) => ValueRef::Int(*i),
            Value::Float(f) => ValueRef::Float(*f),
            Value::Str(s) => ValueRef::Str(s),
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

    pub(crate) fn with_hint(mut self, hint: SourceHint) -> Self {
        self.hint = hint;
        self
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
        crate::json::normalise(json, &mut ev, &mut String::new());
        ev
    }
}

impl crate::json::Sink for Event {
    fn push_ref(&mut self, name: &str, v: ValueRef<'_>) {
        self.fields.push((name.into(), v.to_value()));
    }
    fn copy_first(&mut self, from: &str, to: &str) {
        if self.get(to).is_none() {
            if let Some(v) = self.get(from).cloned() {
                self.push(to, v);
            }
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
