//! [`Tape`]: one JSON record parsed flat, by a parser of its own.
//!
//! The record's text is copied once into the tape; a string without escapes
//! is a range of that copy, an escaped one is unescaped after it. Nodes are
//! in document order. The grammar is RFC 8259's, as strict as `serde_json`
//! (no trailing commas, no leading zeros, no control characters in strings,
//! no lone surrogates, nesting at most 128 deep), and numbers are read as
//! `serde_json` reads them: an integer that fits `i64` is one, a larger one
//! or one with a fraction or exponent is an `f64`, `-0` is a float (floats
//! are rounded correctly, where `serde_json` may be one bit off).

use super::JsonNode;
use crate::event::ValueRef;

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

/// Why a record is not JSON, and where (a byte offset in the record).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{what} at byte {at}")]
pub(crate) struct JsonError {
    what: &'static str,
    at: usize,
}

/// Nesting deeper than this is refused (as `serde_json` does).
const MAX_DEPTH: usize = 128;

/// One JSON record parsed flat: nodes in document order, strings in one
/// buffer. Reused record after record.
#[derive(Default, Debug)]
pub(crate) struct Tape {
    nodes: Vec<TNode>,
    text: String,
}

impl Tape {
    /// Parses one JSON text (the whole slice) into the tape.
    pub(crate) fn parse(&mut self, bytes: &[u8]) -> Result<(), JsonError> {
        self.nodes.clear();
        self.text.clear();
        let s = std::str::from_utf8(bytes).map_err(|e| JsonError {
            what: "invalid UTF-8",
            at: e.valid_up_to(),
        })?;
        self.text.push_str(s);
        let mut p = Parser { s, i: 0, t: self };
        p.ws();
        p.value(0)?;
        p.ws();
        if p.i != s.len() {
            return Err(p.err("trailing characters"));
        }
        Ok(())
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
}

struct Parser<'s, 't> {
    /// The record (also copied at the start of `t.text`).
    s: &'s str,
    i: usize,
    t: &'t mut Tape,
}

const LO: u64 = 0x0101_0101_0101_0101;
const HI: u64 = 0x8080_8080_8080_8080;

/// Bytes of `w` that are `"`, `\` or a control character have their high bit
/// set in the result; the lowest such bit is exact (higher ones may be false).
#[inline]
fn specials(w: u64) -> u64 {
    let zero = |v: u64| v.wrapping_sub(LO) & !v & HI;
    zero(w ^ (LO * b'"' as u64))
        | zero(w ^ (LO * b'\\' as u64))
        | (w.wrapping_sub(LO * 0x20) & !w & HI)
}

impl Parser<'_, '_> {
    fn err(&self, what: &'static str) -> JsonError {
        JsonError { what, at: self.i }
    }

    fn peek(&self) -> Option<u8> {
        self.s.as_bytes().get(self.i).copied()
    }

    fn ws(&mut self) {
        while let Some(b' ' | b'\n' | b'\r' | b'\t') = self.peek() {
            self.i += 1;
        }
    }

    fn value(&mut self, depth: usize) -> Result<(), JsonError> {
        match self.peek() {
            None => Err(self.err("end of record while parsing a value")),
            Some(b'{') => self.object(depth),
            Some(b'[') => self.array(depth),
            Some(b'"') => {
                let (a, b) = self.string()?;
                self.t.push(Tag::Str, a, b, 0);
                Ok(())
            }
            Some(b't') => self.word("true", Tag::Bool, 1),
            Some(b'f') => self.word("false", Tag::Bool, 0),
            Some(b'n') => self.word("null", Tag::Null, 0),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(_) => Err(self.err("expected a value")),
        }
    }

    fn word(&mut self, w: &str, tag: Tag, n: u64) -> Result<(), JsonError> {
        if !self.s.as_bytes()[self.i..].starts_with(w.as_bytes()) {
            return Err(self.err("expected a value"));
        }
        self.i += w.len();
        self.t.push(tag, 0, 0, n);
        Ok(())
    }

    fn object(&mut self, depth: usize) -> Result<(), JsonError> {
        self.container(depth, Tag::Obj, b'}', "expected `,` or `}`", Self::member)
    }

    fn array(&mut self, depth: usize) -> Result<(), JsonError> {
        self.container(depth, Tag::Arr, b']', "expected `,` or `]`", Self::value)
    }

    /// An object's `"key": value`.
    fn member(&mut self, depth: usize) -> Result<(), JsonError> {
        if self.peek() != Some(b'"') {
            return Err(self.err("expected a string key"));
        }
        let (a, b) = self.string()?;
        self.t.push(Tag::Str, a, b, 0);
        self.ws();
        if self.peek() != Some(b':') {
            return Err(self.err("expected `:`"));
        }
        self.i += 1;
        self.ws();
        self.value(depth)
    }

    /// An object or an array at `i` (on its opening bracket): `item` reads
    /// each member, separated by `,`, up to `close`. Inlined into its two
    /// callers, so that `item` is a direct call.
    #[inline(always)]
    fn container(
        &mut self,
        depth: usize,
        tag: Tag,
        close: u8,
        expected: &'static str,
        item: fn(&mut Self, usize) -> Result<(), JsonError>,
    ) -> Result<(), JsonError> {
        if depth >= MAX_DEPTH {
            return Err(self.err("nested too deeply"));
        }
        self.i += 1;
        let me = self.t.push(tag, 0, 0, 0);
        self.ws();
        if self.peek() == Some(close) {
            self.i += 1;
        } else {
            loop {
                self.ws();
                item(self, depth + 1)?;
                self.ws();
                match self.peek() {
                    Some(b',') => self.i += 1,
                    Some(c) if c == close => {
                        self.i += 1;
                        break;
                    }
                    _ => return Err(self.err(expected)),
                }
            }
        }
        self.t.nodes[me].a = self.t.nodes.len() as u32;
        Ok(())
    }

    /// Moves `i` to the next `"`, `\` or control character (or the end).
    #[inline]
    fn skip_plain(&mut self) {
        let b = self.s.as_bytes();
        while let Some(c) = b.get(self.i..self.i + 8) {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            let m = specials(u64::from_le_bytes(w));
            if m != 0 {
                self.i += (m.trailing_zeros() / 8) as usize;
                return;
            }
            self.i += 8;
        }
        while let Some(&c) = b.get(self.i) {
            if c == b'"' || c == b'\\' || c < 0x20 {
                return;
            }
            self.i += 1;
        }
    }

    /// A string starting at `i` (on its `"`): its range in the tape's text.
    fn string(&mut self) -> Result<(u32, u32), JsonError> {
        self.i += 1;
        let start = self.i;
        self.skip_plain();
        match self.peek() {
            Some(b'"') => {
                self.i += 1;
                return Ok((start as u32, (self.i - 1) as u32));
            }
            Some(b'\\') => {}
            Some(_) => return Err(self.err("control character in a string")),
            None => return Err(self.err("end of record inside a string")),
        }
        // Escaped: unescape after the text so far.
        let out = self.t.text.len();
        self.t.text.push_str(&self.s[start..self.i]);
        loop {
            match self.peek() {
                Some(b'"') => {
                    self.i += 1;
                    return Ok((out as u32, self.t.text.len() as u32));
                }
                // `\\` (most escapes: Windows paths) without the general case.
                Some(b'\\') if self.s.as_bytes().get(self.i + 1) == Some(&b'\\') => {
                    self.i += 2;
                    self.t.text.push('\\');
                }
                Some(b'\\') => self.escape()?,
                Some(_) => return Err(self.err("control character in a string")),
                None => return Err(self.err("end of record inside a string")),
            }
            let from = self.i;
            self.skip_plain();
            self.t.text.push_str(&self.s[from..self.i]);
        }
    }

    /// One escape sequence at `i` (on its `\`), unescaped into the text.
    fn escape(&mut self) -> Result<(), JsonError> {
        self.i += 1;
        let c = match self.peek() {
            Some(b'"') => '"',
            Some(b'\\') => '\\',
            Some(b'/') => '/',
            Some(b'b') => '\u{8}',
            Some(b'f') => '\u{c}',
            Some(b'n') => '\n',
            Some(b'r') => '\r',
            Some(b't') => '\t',
            Some(b'u') => {
                self.i += 1;
                let hi = self.hex4()?;
                let c = match hi {
                    0xD800..=0xDBFF => {
                        if !self.s.as_bytes()[self.i..].starts_with(b"\\u") {
                            return Err(self.err("lone leading surrogate in a \\u escape"));
                        }
                        self.i += 2;
                        let lo = self.hex4()?;
                        if !(0xDC00..=0xDFFF).contains(&lo) {
                            return Err(self.err("lone leading surrogate in a \\u escape"));
                        }
                        0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
                    }
                    0xDC00..=0xDFFF => {
                        return Err(self.err("lone trailing surrogate in a \\u escape"))
                    }
                    c => c,
                };
                let c = char::from_u32(c).ok_or_else(|| self.err("invalid \\u escape"))?;
                self.t.text.push(c);
                return Ok(());
            }
            _ => return Err(self.err("invalid escape")),
        };
        self.i += 1;
        self.t.text.push(c);
        Ok(())
    }

    fn hex4(&mut self) -> Result<u32, JsonError> {
        let mut v = 0u32;
        for _ in 0..4 {
            let d = self
                .peek()
                .and_then(|b| (b as char).to_digit(16))
                .ok_or_else(|| self.err("invalid \\u escape"))?;
            v = v * 16 + d;
            self.i += 1;
        }
        Ok(v)
    }

    fn digits(&mut self) -> usize {
        let from = self.i;
        while let Some(b'0'..=b'9') = self.peek() {
            self.i += 1;
        }
        self.i - from
    }

    fn number(&mut self) -> Result<(), JsonError> {
        let start = self.i;
        let negative = self.peek() == Some(b'-');
        if negative {
            self.i += 1;
        }
        match self.peek() {
            Some(b'0') => {
                self.i += 1;
                if let Some(b'0'..=b'9') = self.peek() {
                    return Err(self.err("invalid number"));
                }
            }
            Some(b'1'..=b'9') => {
                self.digits();
            }
            _ => return Err(self.err("invalid number")),
        }
        let mut integer = true;
        if self.peek() == Some(b'.') {
            self.i += 1;
            integer = false;
            if self.digits() == 0 {
                return Err(self.err("invalid number"));
            }
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.i += 1;
            integer = false;
            if let Some(b'+' | b'-') = self.peek() {
                self.i += 1;
            }
            if self.digits() == 0 {
                return Err(self.err("invalid number"));
            }
        }
        let text = &self.s[start..self.i];
        if integer {
            match text.parse::<i64>() {
                Ok(0) if negative => {}
                Ok(i) => {
                    self.t.push(Tag::Int, 0, 0, i as u64);
                    return Ok(());
                }
                Err(_) => {}
            }
        }
        let f = text
            .parse::<f64>()
            .ok()
            .filter(|f| f.is_finite())
            .ok_or_else(|| self.err("number out of range"))?;
        self.t.push(Tag::Float, 0, 0, f.to_bits());
        Ok(())
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
        t.text.get(n.a as usize..n.b as usize).unwrap_or("")
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
        self.members(true)
            .map(move |(k, v)| (TapeRef::str_at(t, k), v))
    }
    fn items(self) -> impl Iterator<Item = Self> {
        self.members(false).map(|(_, v)| v)
    }
}

impl<'a> TapeRef<'a> {
    /// The members of this object (`object`: key index, value) or array
    /// (the index is the value's); nothing if it is not one.
    fn members(self, object: bool) -> impl Iterator<Item = (u32, Self)> {
        let t = self.t;
        let is = if object {
            self.is_object()
        } else {
            self.is_array()
        };
        let (mut i, end) = if is {
            (self.i + 1, self.node().a)
        } else {
            (0, 0)
        };
        let key = object as u32;
        std::iter::from_fn(move || {
            if i >= end {
                return None;
            }
            let at = i;
            let v = TapeRef { t, i: i + key };
            i = v.end();
            Some((at, v))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::normalise;
    use super::*;
    use crate::{Event, EventBuf};
    use serde_json::Value as Json;

    /// The same fields, floats within a rounding of each other (serde_json's
    /// float parser may be one bit off; ours rounds correctly).
    fn alike(a: &Event, b: &Event) -> bool {
        use crate::Value::Float;
        a.source_hint() == b.source_hint()
            && a.fields().len() == b.fields().len()
            && a.fields().iter().zip(b.fields()).all(|(x, y)| {
                x.0 == y.0
                    && match (&x.1, &y.1) {
                        (Float(f), Float(g)) => (f - g).abs() <= 1e-15 * f.abs().max(1.0),
                        (v, w) => v == w,
                    }
            })
    }

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
            r##"{"EventID":4104,"SourceName":"S","Big":18446744073709551615,"Huge":123456789012345678901234,"Neg":-3,"Z":-0,"e":"\u00e9\n\ud83d\ude00 \"q\" \\ \/ \b\f\r\t","long":"abcdefghijklmnopqrstuvwxyzé€😀 abcdefgh\\"}"##,
            r##"[1,{"a":2}]"##,
            " { \"a\" : [ ] , \"b\" : { } , \"c\" : -1.5e3 , \"d\" : 0.25 , \"e\" : 1E2 } ",
        ] {
            let (slow, fast) = both(text);
            assert!(alike(&slow, &fast), "{text}: {slow:?} {fast:?}");
        }
    }

    #[test]
    fn tape_rejects_what_serde_json_rejects() {
        let mut t = Tape::default();
        for bad in [
            &b"{\"a\":1} x"[..],
            b"{\"a\":",
            b"{\"a\":1,}",
            b"[1,]",
            b"[01]",
            b"[1.]",
            b"[.5]",
            b"[1e]",
            b"[-]",
            b"[1e999]",
            b"[\"\\ud800\"]",
            b"[\"\\udc00\"]",
            b"[\"\\ud800\\u0041\"]",
            b"[\"\\x\"]",
            b"[\"a\tb\"]",
            b"[\"\xff\"]",
            b"[tru]",
            b"{1:2}",
            b"{\"a\" 1}",
            b"\"abc",
            b"",
        ] {
            assert!(t.parse(bad).is_err(), "{}", String::from_utf8_lossy(bad));
            assert!(
                serde_json::from_slice::<Json>(bad).is_err(),
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
        assert!(t.parse(&[b'['; 129]).is_err());
        assert!(t.parse(b"{\"a\":1}").is_ok());
        let e = t.parse(b"{\"a\":1,}").unwrap_err();
        assert_eq!(e.to_string(), "expected a string key at byte 7");
    }

    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2000, .. ProptestConfig::default() })]

        /// The parser accepts what serde_json accepts and normalises it alike.
        #[test]
        fn tape_agrees_with_serde_json(text in "[{}\\[\\]\":, a-e0-9.eE+\\-\\\\u\\t\\né😀]{0,60}") {
            let mut t = Tape::default();
            let ours = t.parse(text.as_bytes());
            let theirs = serde_json::from_str::<Json>(&text);
            prop_assert_eq!(ours.is_ok(), theirs.is_ok(), "{:?} {:?}", ours, theirs.err());
            if let Ok(j) = theirs {
                let mut buf = EventBuf::new();
                normalise(t.root(), &mut buf, &mut String::new());
                let (slow, fast) = (Event::from_json(&j), buf.to_event());
                prop_assert!(alike(&slow, &fast), "{:?} {:?}", slow, fast);
            }
        }

        #[test]
        fn tape_agrees_on_objects(keys in proptest::collection::vec("[a-zA-Z_\\\\\"é]{0,6}", 0..6),
                                  vals in proptest::collection::vec(prop_oneof![
                                      any::<i64>().prop_map(|i| i.to_string()),
                                      any::<u64>().prop_map(|i| i.to_string()),
                                      (-1e6f64..1e6).prop_map(|f| f.to_string()),
                                      "[ -~é\\t]{0,20}".prop_map(|s| serde_json::to_string(&s).unwrap()),
                                      Just("null".to_string()), Just("true".to_string()),
                                      Just("[1,\"x\",[false]]".to_string()),
                                  ], 0..6)) {
            // Unique keys: serde_json keeps the last of repeated keys, the tape all.
            let mut keys = keys;
            keys.sort();
            keys.dedup();
            let body: Vec<String> = keys.iter().zip(&vals)
                .map(|(k, v)| format!("{}:{v}", serde_json::to_string(k).unwrap()))
                .collect();
            let text = format!("{{{}}}", body.join(","));
            let (slow, fast) = both(&text);
            prop_assert!(alike(&slow, &fast), "{:?} {:?}", slow, fast);
        }
    }
}
