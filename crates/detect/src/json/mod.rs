//! JSON events normalised into fields, once for every JSON representation.
//!
//! The normalisation (the layouts described in [`crate::event`]) is written
//! once over [`JsonNode`], implemented by `serde_json::Value` (for
//! [`Event::from_json`](crate::Event::from_json) and the EVTX reader) and by
//! [`Tape`] (`tape.rs`), a flat, reusable parse of one record by a parser of its own, that the JSON reader fills
//! without allocating once warm. Fields go to a [`Sink`]: an owned
//! [`Event`](crate::Event) or a reusable [`EventBuf`](crate::EventBuf).

use crate::event::ValueRef;
use serde_json::Value as Json;

mod tape;
pub(crate) use tape::Tape;

/// Where normalised fields go.
pub(crate) trait Sink {
    fn push_ref(&mut self, name: &str, v: ValueRef<'_>);
    /// Adds the first value of `from` under `to`, unless `to` has a value.
    fn copy_first(&mut self, from: &str, to: &str);
}

/// A JSON value, whatever holds it.
pub(crate) trait JsonNode<'a>: Copy + 'a {
    /// The value when it is not an array or an object.
    fn scalar(self) -> Option<ValueRef<'a>>;
    fn is_object(self) -> bool;
    fn is_array(self) -> bool;
    /// Members of an object (nothing for other values).
    fn entries(self) -> impl Iterator<Item = (&'a str, Self)>;
    /// Items of an array (nothing for other values).
    fn items(self) -> impl Iterator<Item = Self>;
    fn get(self, key: &str) -> Option<Self> {
        self.entries().find(|(k, _)| *k == key).map(|(_, v)| v)
    }
    fn has(self, key: &str) -> bool {
        self.get(key).is_some()
    }
    fn as_str(self) -> Option<&'a str> {
        match self.scalar() {
            Some(ValueRef::Str(s)) => Some(s),
            _ => None,
        }
    }
}

impl<'a> JsonNode<'a> for &'a Json {
    fn scalar(self) -> Option<ValueRef<'a>> {
        Some(match self {
            Json::Null => ValueRef::Null,
            Json::Bool(b) => ValueRef::Bool(*b),
            Json::Number(n) => match n.as_i64() {
                Some(i) => ValueRef::Int(i),
                None => n.as_f64().map_or(ValueRef::Null, ValueRef::Float),
            },
            Json::String(s) => ValueRef::Str(s),
            _ => return None,
        })
    }
    fn is_object(self) -> bool {
        self.is_object()
    }
    fn is_array(self) -> bool {
        self.is_array()
    }
    fn entries(self) -> impl Iterator<Item = (&'a str, Self)> {
        self.as_object()
            .into_iter()
            .flat_map(|m| m.iter().map(|(k, v)| (k.as_str(), v)))
    }
    fn items(self) -> impl Iterator<Item = Self> {
        self.as_array().into_iter().flatten()
    }
    fn get(self, key: &str) -> Option<Self> {
        self.as_object().and_then(|m| m.get(key))
    }
}

// ------------------------------------------------------------------ normalising

/// Normalises one JSON event into `ev`; `name` is scratch space.
pub(crate) fn normalise<'a, N: JsonNode<'a>, S: Sink>(json: N, ev: &mut S, name: &mut String) {
    if !json.is_object() {
        // A bare value: keep it as the event's only field, reachable by keywords.
        name.clear();
        name.push_str("data");
        flatten_depth(ev, name, json, 0);
        return;
    }
    // The keys that tell the layout, found in one pass (the first of each).
    let (mut event, mut system, mut data, mut winlog) = (None, false, false, None);
    for (k, v) in json.entries() {
        match k {
            "Event" if event.is_none() => event = Some(v),
            "System" => system = true,
            "EventData" | "UserData" => data = true,
            "winlog" if winlog.is_none() => winlog = Some(v),
            _ => {}
        }
    }
    if let Some(inner) = event {
        if inner.is_object() && inner.has("System") {
            windows_xml_json(ev, inner, name);
            return;
        }
    }
    if system && data {
        windows_xml_json(ev, json, name);
        return;
    }
    if let Some(winlog) = winlog.filter(|w| w.is_object()) {
        winlogbeat(ev, winlog, name);
        for (k, v) in json.entries() {
            if k != "winlog" {
                name.clear();
                name.push_str(k);
                flatten_depth(ev, name, v, 0);
            }
        }
        return;
    }
    // Flat JSON (NXLog and the rest).
    for (k, v) in json.entries() {
        name.clear();
        name.push_str(k);
        flatten_depth(ev, name, v, 0);
    }
    ev.copy_first("SourceName", "Provider_Name");
}

/// Pushes a JSON value under a name: scalars as they are, lists as several
/// values, objects by dotted path. `name` is restored before returning.
fn flatten_depth<'a, N: JsonNode<'a>, S: Sink>(ev: &mut S, name: &mut String, v: N, depth: usize) {
    if depth > 32 {
        return;
    }
    if v.is_array() {
        for it in v.items() {
            match it.scalar() {
                None => flatten_depth(ev, name, it, depth + 1),
                Some(s) => ev.push_ref(name, s),
            }
        }
    } else if v.is_object() {
        let len = name.len();
        for (k, child) in v.entries() {
            name.push('.');
            name.push_str(k);
            flatten_depth(ev, name, child, depth + 1);
            name.truncate(len);
        }
    } else if let Some(s) = v.scalar() {
        ev.push_ref(name, s);
    }
}

/// `{"#text": x, "#attributes": {...}}` → x; otherwise the value itself.
fn text_of<'a, N: JsonNode<'a>>(v: N) -> N {
    if v.is_object() {
        if let Some(t) = v.get("#text") {
            return t;
        }
        if let Some(t) = v.get("$value") {
            return t;
        }
    }
    v
}

fn windows_xml_json<'a, N: JsonNode<'a>, S: Sink>(ev: &mut S, event: N, name: &mut String) {
    if let Some(system) = event.get("System").filter(|s| s.is_object()) {
        for (k, v) in system.entries() {
            if !v.is_object() {
                flatten_leaf(ev, k, v, 0);
                continue;
            }
            if v.has("#text") {
                flatten_leaf(ev, k, text_of(v), 0);
            }
            if let Some(attrs) = v.get("#attributes").filter(|a| a.is_object()) {
                for (ak, av) in attrs.entries() {
                    if let Some(s) = av.scalar() {
                        name.clear();
                        name.push_str(k);
                        name.push('_');
                        name.push_str(ak);
                        ev.push_ref(name, s);
                    }
                }
            }
            // Attributes rendered without "#attributes" (separate_json_attributes off).
            for (ck, cv) in v.entries() {
                if ck.starts_with('#') {
                    continue;
                }
                if let Some(s) = cv.scalar() {
                    name.clear();
                    name.push_str(k);
                    name.push('_');
                    name.push_str(ck);
                    ev.push_ref(name, s);
                }
            }
        }
    }
    for part in ["EventData", "UserData"] {
        if let Some(data) = event.get(part) {
            data_leaves(ev, part, data, 0);
        }
    }
}

/// Leaves of EventData/UserData by their own names.
fn data_leaves<'a, N: JsonNode<'a>, S: Sink>(ev: &mut S, name: &str, v: N, depth: usize) {
    if depth > 16 {
        return;
    }
    if !v.is_object() {
        flatten_leaf(ev, name, v, depth + 1);
        return;
    }
    // Unnamed data: {"Data": {"#text": [...]}} or {"Data": [...]}.
    for (k, child) in v.entries() {
        if k == "#attributes" || k.ends_with("_attributes") {
            continue;
        }
        if k == "#text" {
            flatten_leaf(ev, name, child, depth + 1);
            continue;
        }
        if child.is_object() && !child.has("#text") {
            data_leaves(ev, k, child, depth + 1);
        } else if child.is_array() && child.items().any(|i| i.is_object()) {
            // <Data Name="x">v</Data> rendered as a list of objects.
            for it in child.items() {
                if it.is_object() {
                    let named = it
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
        } else {
            flatten_leaf(ev, k, text_of(child), depth + 1);
        }
    }
}

fn flatten_leaf<'a, N: JsonNode<'a>, S: Sink>(ev: &mut S, name: &str, v: N, depth: usize) {
    if depth > 32 {
        return;
    }
    if v.is_array() {
        for it in v.items() {
            flatten_leaf(ev, name, text_of(it), depth + 1);
        }
    } else if v.is_object() {
        data_leaves(ev, name, v, depth + 1);
    } else if let Some(s) = v.scalar() {
        ev.push_ref(name, s);
    }
}

fn winlogbeat<'a, N: JsonNode<'a>, S: Sink>(ev: &mut S, w: N, name: &mut String) {
    for (k, v) in w.entries() {
        match k {
            "event_data" | "user_data" => data_leaves(ev, k, v, 0),
            "channel" => flatten_leaf(ev, "Channel", v, 0),
            "event_id" => {
                // Winlogbeat writes the id as text; keep it numeric when it is.
                match v.as_str().and_then(|s| s.parse::<i64>().ok()) {
                    Some(i) => ev.push_ref("EventID", ValueRef::Int(i)),
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
            _ => {
                name.clear();
                name.push_str("winlog.");
                name.push_str(k);
                flatten_depth(ev, name, v, 0);
            }
        }
    }
}
