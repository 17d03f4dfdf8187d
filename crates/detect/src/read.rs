//! Streaming readers that turn files into [`Event`]s. A bad record is an
//! `Err(RecordError)` naming where it is; reading goes on with the next one.

use crate::event::Event;
use crate::flat::EventBuf;
use crate::json::{self, JsonNode, Tape};
use std::io::{BufRead, Read, Seek};

/// A record that could not be read.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{source_name}: {position}: {message}")]
pub struct RecordError {
    /// The file (the name the caller gave).
    pub source_name: String,
    /// Where in it: `line N` for JSON, `record N` for EVTX.
    pub position: String,
    pub message: String,
}

/// Largest JSON record accepted (bigger ones are reported and skipped).
pub const MAX_JSON_RECORD: usize = 16 << 20;

/// Windows (or any) events as JSON: one per line (JSON lines), pretty-printed
/// objects one after another (as `evtx_dump -o json` and SigmaHQ's samples
/// write them), or arrays of objects. Each object is normalised as
/// [`Event::from_json`] does (a key repeated in one object gives several values).
///
/// Iterate for owned [`Event`]s, or call [`JsonEvents::next_into`] with a
/// reused [`EventBuf`] to read without allocating per event.
pub struct JsonEvents<R> {
    r: R,
    name: String,
    line: usize,
    buf: Vec<u8>,
    /// Where the scanner is in `buf`.
    pos: usize,
    rec: Vec<u8>,
    rec_line: usize,
    depth: usize,
    in_str: bool,
    esc: bool,
    done: bool,
    skipping: bool,
    tape: Tape,
    /// Next item of a top-level array held in `tape` (node index, end).
    array: Option<(usize, usize)>,
    array_line: usize,
    names: String,
    scratch: EventBuf,
}

/// What the record splitter found.
enum Found {
    /// `tape` holds the record.
    Parsed,
    /// `rec` holds the record's bytes.
    Bytes,
}

impl<R: BufRead> JsonEvents<R> {
    pub fn new(r: R, name: &str) -> Self {
        JsonEvents {
            r,
            name: name.to_string(),
            line: 0,
            buf: Vec::new(),
            pos: 0,
            rec: Vec::new(),
            rec_line: 0,
            depth: 0,
            in_str: false,
            esc: false,
            done: false,
            skipping: false,
            tape: Tape::default(),
            array: None,
            array_line: 0,
            names: String::new(),
            scratch: EventBuf::new(),
        }
    }

    fn err(&self, line: usize, message: String) -> RecordError {
        RecordError {
            source_name: self.name.clone(),
            position: format!("line {line}"),
            message,
        }
    }

    /// Reads the next event into `out` (cleared first). `None` at the end;
    /// `Some(Err)` for a bad record, after which reading goes on.
    pub fn next_into(&mut self, out: &mut EventBuf) -> Option<Result<(), RecordError>> {
        loop {
            if let Some((i, end)) = self.array {
                if i < end {
                    let item = self.tape.node_at(i);
                    self.array = Some((item.next_index(), end));
                    if !item.is_object() {
                        let e = self.err(self.array_line, "an array item is not an object".into());
                        return Some(Err(e));
                    }
                    out.clear();
                    json::normalise(item, out, &mut self.names);
                    return Some(Ok(()));
                }
                self.array = None;
            }
            let found = match self.next_record()? {
                Ok(f) => f,
                Err(e) => return Some(Err(e)),
            };
            if let Found::Bytes = found {
                let parsed = self.tape.parse(&self.rec);
                if self.rec.capacity() > MAX_JSON_RECORD {
                    self.rec = Vec::new();
                }
                if let Err(e) = parsed {
                    return Some(Err(self.err(self.rec_line, format!("not JSON: {e}"))));
                }
            }
            let root = self.tape.root();
            if root.is_array() {
                self.array = Some((root.first_child(), root.next_index()));
                self.array_line = self.rec_line;
                continue;
            }
            out.clear();
            json::normalise(root, out, &mut self.names);
            if self.tape.capacity() > 4 * MAX_JSON_RECORD {
                self.tape.shrink();
            }
            return Some(Ok(()));
        }
    }

    /// Finds the next complete record. `None` at the end of the input.
    fn next_record(&mut self) -> Option<Result<Found, RecordError>> {
        loop {
            if self.pos >= self.buf.len() {
                if self.done {
                    return None;
                }
                self.buf.clear();
                self.pos = 0;
                match self.r.read_until(b'\n', &mut self.buf) {
                    Ok(0) => {
                        self.done = true;
                        let unfinished = !self.rec.is_empty() && !self.skipping && self.depth > 0;
                        self.rec.clear();
                        if unfinished {
                            let e = self.err(self.rec_line, "the file ends inside a record".into());
                            return Some(Err(e));
                        }
                        return None;
                    }
                    Ok(_) => {}
                    Err(e) => {
                        self.done = true;
                        self.buf.clear();
                        return Some(Err(self.err(self.line + 1, format!("read error: {e}"))));
                    }
                }
                self.line += 1;
                // Fast path: a line that is one whole object (JSON lines).
                if self.depth == 0 && !self.skipping && self.buf.len() <= MAX_JSON_RECORD {
                    let t = trim(&self.buf);
                    if t.first() == Some(&b'{')
                        && t.last() == Some(&b'}')
                        && self.tape.parse(t).is_ok()
                    {
                        self.pos = self.buf.len();
                        self.rec_line = self.line;
                        return Some(Ok(Found::Parsed));
                    }
                }
            }
            if let Some(r) = self.scan_line() {
                return Some(r);
            }
        }
    }

    /// Scans `buf` from `pos`: returns when a record completes or an error is
    /// found; `None` when the line is used up.
    fn scan_line(&mut self) -> Option<Result<Found, RecordError>> {
        let line = &self.buf;
        let mut i = self.pos;
        while i < line.len() {
            let b = line[i];
            if self.depth == 0 {
                if b.is_ascii_whitespace() || (b == b',' && !self.rec.is_empty()) {
                    i += 1;
                    continue;
                }
                if self.skipping {
                    // After an oversized record: wait for a line that starts a new object.
                    if i == first_non_ws(line) && b == b'{' {
                        self.skipping = false;
                    } else {
                        self.pos = line.len();
                        return None;
                    }
                }
                if b == b'{' || b == b'[' {
                    self.rec.clear();
                    self.rec_line = self.line;
                    self.depth = 1;
                    self.in_str = false;
                    self.esc = false;
                    self.rec.push(b);
                    i += 1;
                    continue;
                }
                // Something that is not an object: report the rest of the line.
                self.pos = line.len();
                return Some(Err(self.err(self.line, "not a JSON object".into())));
            }
            // Inside a record: copy up to the byte that closes it.
            let start = i;
            while i < line.len() {
                let c = line[i];
                i += 1;
                if self.in_str {
                    if self.esc {
                        self.esc = false;
                    } else if c == b'\\' {
                        self.esc = true;
                    } else if c == b'"' {
                        self.in_str = false;
                    }
                    continue;
                }
                match c {
                    b'"' => self.in_str = true,
                    b'{' | b'[' => self.depth += 1,
                    b'}' | b']' => {
                        self.depth -= 1;
                        if self.depth == 0 {
                            break;
                        }
                    }
                    _ => {}
                }
            }
            self.rec.extend_from_slice(&line[start..i]);
            if self.depth == 0 {
                self.pos = i;
                return Some(Ok(Found::Bytes));
            } else if self.rec.len() > MAX_JSON_RECORD {
                let e = self.err(
                    self.rec_line,
                    format!("record larger than {MAX_JSON_RECORD} bytes"),
                );
                self.rec = Vec::new();
                self.depth = 0;
                self.skipping = true;
                self.pos = line.len();
                return Some(Err(e));
            }
        }
        self.pos = line.len();
        None
    }
}

fn trim(b: &[u8]) -> &[u8] {
    let s = b
        .iter()
        .position(|c| !c.is_ascii_whitespace())
        .unwrap_or(b.len());
    let e = b
        .iter()
        .rposition(|c| !c.is_ascii_whitespace())
        .map_or(s, |p| p + 1);
    &b[s..e.max(s)]
}

fn first_non_ws(line: &[u8]) -> usize {
    line.iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(line.len())
}

impl<R: BufRead> Iterator for JsonEvents<R> {
    type Item = Result<Event, RecordError>;
    fn next(&mut self) -> Option<Self::Item> {
        let mut buf = std::mem::take(&mut self.scratch);
        let r = self.next_into(&mut buf);
        let item = r.map(|r| r.map(|()| buf.to_event()));
        self.scratch = buf;
        item
    }
}

/// Why bytes are not one JSON object ([`JsonObject`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NotObject {
    /// Not JSON at all (the parser's reason, with a byte offset).
    #[error("not JSON: {0}")]
    NotJson(String),
    /// JSON, but not an object.
    #[error("not a JSON object")]
    NotObject,
}

/// One JSON object at a time — a line of a body, a syslog payload — read
/// onto a reused tape and normalised into a reused [`EventBuf`] as
/// [`JsonEvents`] does, for callers that split records themselves (the
/// monitoring pipeline). Allocates nothing per record once warm.
#[derive(Default)]
pub struct JsonObject {
    tape: Tape,
    names: String,
}

impl JsonObject {
    pub fn new() -> Self {
        Self::default()
    }

    fn parse(&mut self, bytes: &[u8]) -> Result<(), NotObject> {
        self.tape
            .parse(bytes)
            .map_err(|e| NotObject::NotJson(e.to_string()))?;
        if self.tape.root().is_object() {
            Ok(())
        } else {
            Err(NotObject::NotObject)
        }
    }

    /// Whether `bytes` are exactly one JSON object (whitespace around it
    /// allowed), as strictly as `serde_json` reads JSON.
    pub fn check(&mut self, bytes: &[u8]) -> Result<(), NotObject> {
        let r = self.parse(bytes);
        if self.tape.capacity() > 4 * MAX_JSON_RECORD {
            self.tape.shrink();
        }
        r
    }

    /// Reads one JSON object into `out` (cleared first), normalised as
    /// [`Event::from_json`] normalises it (fields in the object's order).
    pub fn read(&mut self, bytes: &[u8], out: &mut EventBuf) -> Result<(), NotObject> {
        out.clear();
        self.parse(bytes)?;
        json::normalise(self.tape.root(), out, &mut self.names);
        if self.tape.capacity() > 4 * MAX_JSON_RECORD {
            self.tape.shrink();
        }
        Ok(())
    }
}

/// A record's position (`chunk N record M`) and its JSON as `evtx` renders it.
type Rendered = (String, Vec<u8>);

/// Windows events from an EVTX file, through the `evtx` crate, normalised like
/// the JSON form. Streams chunk by chunk (64 KiB of records at a time); a
/// chunk or record that cannot be parsed is reported and the rest is read.
pub struct EvtxEvents<R: Read + Seek> {
    name: String,
    chunks: Option<evtx::IntoIterChunks<R>>,
    settings: std::sync::Arc<evtx::ParserSettings>,
    /// Records of the current chunk as the `evtx` crate renders them in
    /// JSON (with where they are), parsed and normalised when taken.
    pending: std::collections::VecDeque<Result<Rendered, RecordError>>,
    names: String,
    chunk_no: usize,
    tape: Tape,
    scratch: EventBuf,
}

impl<R: Read + Seek> EvtxEvents<R> {
    /// Opens an EVTX stream. A file whose header cannot be read yields one error.
    pub fn new(r: R, name: &str) -> Self {
        // Compact JSON: the tape parser reads fewer bytes.
        let settings = evtx::ParserSettings::new().indent(false);
        let mut me = EvtxEvents {
            name: name.to_string(),
            chunks: None,
            settings: std::sync::Arc::new(settings.clone()),
            pending: Default::default(),
            names: String::new(),
            chunk_no: 0,
            tape: Tape::default(),
            scratch: EventBuf::new(),
        };
        let opened = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            evtx::EvtxParser::from_read_seek(r)
                .map(|p| p.with_configuration(settings).into_chunks())
        }));
        match opened {
            Ok(Ok(chunks)) => me.chunks = Some(chunks),
            Ok(Err(e)) => me.pending.push_back(Err(
                me.err("header".into(), format!("not an EVTX file: {e}"))
            )),
            Err(_) => me.pending.push_back(Err(me.err(
                "header".into(),
                "the EVTX parser failed on this file".into(),
            ))),
        }
        me
    }

    fn err(&self, position: String, message: String) -> RecordError {
        RecordError {
            source_name: self.name.clone(),
            position,
            message,
        }
    }

    /// Parses the next chunk into `pending`; false at the end.
    fn next_chunk(&mut self) -> bool {
        let Some(chunks) = self.chunks.as_mut() else {
            return false;
        };
        let settings = self.settings.clone();
        let chunk_no = self.chunk_no;
        self.chunk_no += 1;
        let mut out: Vec<Result<Rendered, (String, String)>> = Vec::new();
        let step = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| -> Option<()> {
            let data = chunks.next()?;
            let mut data = match data {
                Ok(d) => d,
                Err(e) => {
                    out.push(Err((
                        format!("chunk {chunk_no}"),
                        format!("unreadable chunk: {e}"),
                    )));
                    return Some(());
                }
            };
            let mut chunk = match data.parse(settings) {
                Ok(c) => c,
                Err(e) => {
                    out.push(Err((
                        format!("chunk {chunk_no}"),
                        format!("unreadable chunk: {e}"),
                    )));
                    return Some(());
                }
            };
            for (i, rec) in chunk.iter().enumerate() {
                let position = format!("chunk {chunk_no} record {}", i + 1);
                match rec.and_then(|r| r.into_json_bytes()) {
                    Ok(r) => out.push(Ok((position, r.data))),
                    Err(e) => out.push(Err((position, format!("unreadable record: {e}")))),
                }
            }
            Some(())
        }));
        match step {
            Ok(Some(())) => {
                for r in out {
                    let item = r.map_err(|(p, m)| self.err(p, m));
                    self.pending.push_back(item);
                }
                true
            }
            Ok(None) => {
                self.chunks = None;
                false
            }
            Err(_) => {
                // The parser panicked on this file: report it and stop reading it.
                self.chunks = None;
                let e = self.err(
                    format!("chunk {chunk_no}"),
                    "the EVTX parser failed on this chunk".into(),
                );
                self.pending.push_back(Err(e));
                true
            }
        }
    }
}

impl<R: Read + Seek> EvtxEvents<R> {
    fn next_record(&mut self) -> Option<Result<Rendered, RecordError>> {
        loop {
            if let Some(x) = self.pending.pop_front() {
                return Some(x);
            }
            if !self.next_chunk() {
                return None;
            }
        }
    }

    /// The next record as the `evtx` crate renders it in JSON (`{"Event":
    /// {…}}`, the form [`Event::from_json`] reads), for callers that keep
    /// the event as received.
    pub fn next_json(&mut self) -> Option<Result<serde_json::Value, RecordError>> {
        let (position, data) = match self.next_record()? {
            Ok(r) => r,
            Err(e) => return Some(Err(e)),
        };
        Some(
            serde_json::from_slice(&data)
                .map_err(|e| self.err(position, format!("unreadable record: {e}"))),
        )
    }

    /// Reads the next event into `out` (cleared first), as
    /// [`JsonEvents::next_into`] does: the record's JSON is parsed onto a
    /// reused tape, not into a `serde_json::Value` tree.
    pub fn next_into(&mut self, out: &mut EventBuf) -> Option<Result<(), RecordError>> {
        let (position, data) = match self.next_record()? {
            Ok(r) => r,
            Err(e) => return Some(Err(e)),
        };
        if let Err(e) = self.tape.parse(&data) {
            return Some(Err(self.err(position, format!("unreadable record: {e}"))));
        }
        out.clear();
        json::normalise(self.tape.root(), out, &mut self.names);
        if self.tape.capacity() > 4 * MAX_JSON_RECORD {
            self.tape.shrink();
        }
        Some(Ok(()))
    }
}

impl<R: Read + Seek> Iterator for EvtxEvents<R> {
    type Item = Result<Event, RecordError>;
    fn next(&mut self) -> Option<Self::Item> {
        let mut buf = std::mem::take(&mut self.scratch);
        let item = self.next_into(&mut buf).map(|r| r.map(|()| buf.to_event()));
        self.scratch = buf;
        item
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_json_object_reads_as_from_json_does() {
        let text = br#" {"Event": {"System": {"EventID": 4688, "Channel": "Security",
            "Computer": "ws1"}, "EventData": {"NewProcessName": "C:\\x.exe", "n": 1.5}}} "#;
        let mut r = JsonObject::new();
        let mut buf = EventBuf::new();
        r.check(text).unwrap();
        r.read(text, &mut buf).unwrap();
        let v: serde_json::Value = serde_json::from_slice(text).unwrap();
        let mut expected: Vec<_> = Event::from_json(&v)
            .fields()
            .iter()
            .map(|(n, v)| (n.to_string(), v.clone()))
            .collect();
        let mut got: Vec<_> = buf
            .fields()
            .map(|(n, v)| (n.to_string(), v.to_value()))
            .collect();
        expected.sort_by(|a, b| a.0.cmp(&b.0));
        got.sort_by(|a, b| a.0.cmp(&b.0));
        assert_eq!(got, expected);
        assert_eq!(r.check(b"[1]"), Err(NotObject::NotObject));
        assert!(matches!(r.check(b"{\"a\": }"), Err(NotObject::NotJson(_))));
        assert!(matches!(
            r.read(b"{} x", &mut buf),
            Err(NotObject::NotJson(_))
        ));
        assert!(buf.is_empty(), "a refused record leaves nothing behind");
    }
}
