//! JSON events normalised into fields, once for every JSON representation.
//!
//! The normalisation (the layouts described in [`crate::event`]) is written
//! once over [`JsonNode`], implemented by `serde_json::Value` (for
//! [`Event::from_json`](crate::Event::from_json) and the EVTX reader) and by
//! [`Tape`], a flat, reusable parse of one record that the JSON reader fills
//! without allocating once warm. Fields go to a [`Sink`]: an owned
//! [`Event`](crate::Event) or a reusable [`EventBuf`](crate::EventBuf).

use crate::event::ValueRef;
use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::Value as Json;

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
    if let Some(inner) = json.get("Event") {
        if inner.is_object() && inner.has("System") {
            windows_xml_json(ev, inner, name);
            return;
        }
    }
    if json.has("System") && (json.has("EventData") || json.has("UserData")) {
        windows_xml_json(ev, json, name);
        return;
    }
    if let Some(winlog) = json.get("winlog").filter(|w| w.is_object()) {
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

// ------------------------------------------------------------------ the tape

#[derive(Clone, Copy, Debug)]
enum Tag {
    Null,
    Bool,
    Int,
    Float,
    Str,
    /// `a`: index of the node after the array.
    Arr,
    /// `a`: index of the node after the object; members are key, value pairs.
    Obj,
}

#[derive(Clone, Copy, Debug)]
struct TNode {
    tag: Tag,
    a: u32,
    b: u32,
    /// Int value, or a float's bits, or a bool (0/1).
    n: u64,
}

/// One JSON record parsed flat: nodes in document order, strings unescaped
/// into one buffer. Reused record after record.
#[derive(Default, Debug)]
pub(crate) struct Tape {
    nodes: Vec<TNode>,
    text: String,
}

impl Tape {
    /// Parses one JSON text (the whole slice) into the tape.
    pub(crate) fn parse(&mut self, bytes: &[u8]) -> Result<(), serde_json::Error> {
        self.nodes.clear();
        self.text.clear();
        let mut de = serde_json::Deserializer::from_slice(bytes);
        TapeSeed(self).deserialize(&mut de)?;
        de.end()
    }

    /// The root value (call after a successful parse).
    pub(crate) fn root(&self) -> TapeRef<'_> {
        TapeRef { t: self, i: 0 }
    }

    /// The value at a node index (from [`TapeRef::first_child`] / [`TapeRef::next_index`]).
    pub(crate) fn node_at(&self, i: usize) -> TapeRef<'_> {
        TapeRef {
            t: self,
            i: i as u32,
        }
    }

    /// Bytes held (for keeping memory bounded).
    pub(crate) fn capacity(&self) -> usize {
        self.text.capacity() + self.nodes.capacity() * std::mem::size_of::<TNode>()
    }

    /// Frees the buffers (after an unusually large record).
    pub(crate) fn shrink(&mut self) {
        self.nodes = Vec::new();
        self.text = String::new();
    }

    fn push(&mut self, tag: Tag, a: u32, b: u32, n: u64) -> usize {
        self.nodes.push(TNode { tag, a, b, n });
        self.nodes.len() - 1
    }

    fn push_str(&mut self, s: &str) {
        let a = self.text.len() as u32;
        self.text.push_str(s);
        let b = self.text.len() as u32;
        self.push(Tag::Str, a, b, 0);
    }
}

/// A value in a [`Tape`].
#[derive(Clone, Copy)]
pub(crate) struct TapeRef<'a> {
    t: &'a Tape,
    i: u32,
}

impl<'a> TapeRef<'a> {
    fn node(self) -> TNode {
        self.t.nodes[self.i as usize]
    }
    /// Index of the node after this value.
    fn end(self) -> u32 {
        match self.node().tag {
            Tag::Arr | Tag::Obj => self.node().a,
            _ => self.i + 1,
        }
    }
    /// Index of the first child of an array or object.
    pub(crate) fn first_child(self) -> usize {
        self.i as usize + 1
    }
    /// Index of the node after this value.
    pub(crate) fn next_index(self) -> usize {
        self.end() as usize
    }
    fn str_at(t: &'a Tape, i: u32) -> &'a str {
        let n = t.nodes[i as usize];
        &t.text[n.a as usize..n.b as usize]
    }
}

impl<'a> JsonNode<'a> for TapeRef<'a> {
    fn scalar(self) -> Option<ValueRef<'a>> {
        let n = self.node();
        Some(match n.tag {
            Tag::Null => ValueRef::Null,
            Tag::Bool => ValueRef::Bool(n.n != 0),
            Tag::Int => ValueRef::Int(n.n as i64),
            Tag::Float => ValueRef::Float(f64::from_bits(n.n)),
            Tag::Str => ValueRef::Str(TapeRef::str_at(self.t, self.i)),
            Tag::Arr | Tag::Obj => return None,
        })
    }
    fn is_object(self) -> bool {
        matches!(self.node().tag, Tag::Obj)
    }
    fn is_array(self) -> bool {
        matches!(self.node().tag, Tag::Arr)
    }
    fn entries(self) -> impl Iterator<Item = (&'a str, Self)> {
        let t = self.t;
        let (mut i, end) = if self.is_object() {
            (self.i + 1, self.node().a)
        } else {
            (0, 0)
        };
        std::iter::from_fn(move || {
            if i >= end {
                return None;
            }
            let key = TapeRef::str_at(t, i);
            let v = TapeRef { t, i: i + 1 };
            i = v.end();
            Some((key, v))
        })
    }
    fn items(self) -> impl Iterator<Item = Self> {
        let t = self.t;
        let (mut i, end) = if self.is_array() {
            (self.i + 1, self.node().a)
        } else {
            (0, 0)
        };
        std::iter::from_fn(move || {
            if i >= end {
                return None;
            }
            let v = TapeRef { t, i };
            i = v.end();
            Some(v)
        })
    }
}

struct TapeSeed<'t>(&'t mut Tape);
struct KeySeed<'t>(&'t mut Tape);

impl<'de> DeserializeSeed<'de> for TapeSeed<'_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> DeserializeSeed<'de> for KeySeed<'_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeySeed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a key")
    }
    fn visit_str<E: de::Error>(self, s: &str) -> Result<(), E> {
        self.0.push_str(s);
        Ok(())
    }
}

impl<'de> Visitor<'de> for TapeSeed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E: de::Error>(self, b: bool) -> Result<(), E> {
        self.0.push(Tag::Bool, 0, 0, b as u64);
        Ok(())
    }
    fn visit_i64<E: de::Error>(self, i: i64) -> Result<(), E> {
        self.0.push(Tag::Int, 0, 0, i as u64);
        Ok(())
    }
    fn visit_u64<E: de::Error>(self, u: u64) -> Result<(), E> {
        match i64::try_from(u) {
            Ok(i) => self.0.push(Tag::Int, 0, 0, i as u64),
            Err(_) => self.0.push(Tag::Float, 0, 0, (u as f64).to_bits()),
        };
        Ok(())
    }
    fn visit_f64<E: de::Error>(self, f: f64) -> Result<(), E> {
        self.0.push(Tag::Float, 0, 0, f.to_bits());
        Ok(())
    }
    fn visit_str<E: de::Error>(self, s: &str) -> Result<(), E> {
        self.0.push_str(s);
        Ok(())
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        self.0.push(Tag::Null, 0, 0, 0);
        Ok(())
    }
    fn visit_none<E: de::Error>(self) -> Result<(), E> {
        self.visit_unit()
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let t = self.0;
        let me = t.push(Tag::Arr, 0, 0, 0);
        while seq.next_element_seed(TapeSeed(&mut *t))?.is_some() {}
        t.nodes[me].a = t.nodes.len() as u32;
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let t = self.0;
        let me = t.push(Tag::Obj, 0, 0, 0);
        while map.next_key_seed(KeySeed(&mut *t))?.is_some() {
            map.next_value_seed(TapeSeed(&mut *t))?;
        }
        t.nodes[me].a = t.nodes.len() as u32;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Event, EventBuf};

    fn both(text: &str) -> (Event, Event) {
        let j: Json = serde_json::from_str(text).unwrap();
        let slow = Event::from_json(&j);
        let mut t = Tape::default();
        t.parse(text.as_bytes()).unwrap();
        let mut buf = EventBuf::new();
        let mut name = String::new();
        normalise(t.root(), &mut buf, &mut name);
        (slow, buf.to_event())
    }

    #[test]
    fn tape_and_value_normalise_alike() {
        for text in [
            r##"{"Event":{"System":{"Provider":{"#attributes":{"Name":"P"}},"EventID":{"#attributes":{"Qualifiers":16384},"#text":7045},"Channel":"System"},
              "EventData":{"Data":[{"#attributes":{"Name":"A"},"#text":"x"},{"#attributes":{"Name":"B"},"#text":5}]},"UserData":{"X":{"Y":"z"}}}}"##,
            r##"{"@timestamp":"t","winlog":{"channel":"Security","event_id":"4688","event_data":{"NewProcessName":"C:\\a.exe"}},"process":{"pid":3,"args":["a",1,null,true,1.5]}}"##,
            r##"{"EventID":4104,"SourceName":"S","Big":18446744073709551615,"Neg":-3,"e":"\u00e9\n"}"##,
            r##"[1,{"a":2}]"##,
        ] {
            let (slow, fast) = both(text);
            assert_eq!(slow, fast, "{text}");
        }
    }

    #[test]
    fn tape_rejects_what_serde_json_rejects() {
        let mut t = Tape::default();
        assert!(t.parse(b"{\"a\":1} x").is_err());
        assert!(t.parse(b"{\"a\":").is_err());
        assert!(t.parse(b"{\"a\":1}").is_ok());
    }
}
