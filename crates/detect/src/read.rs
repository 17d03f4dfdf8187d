//! Streaming readers that turn files into [`Event`]s. A bad record is an
//! `Err(RecordError)` naming where it is; reading goes on with the next one.

use crate::event::Event;
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
/// write them), or arrays of objects. Each object is normalised by
/// [`Event::from_json`].
pub struct JsonEvents<R> {
    r: R,
    name: String,
    line: usize,
    buf: Vec<u8>,
    rec: Vec<u8>,
    rec_line: usize,
    depth: usize,
    in_str: bool,
    esc: bool,
    pending: std::collections::VecDeque<Result<Event, RecordError>>,
    done: bool,
    skipping: bool,
}

impl<R: BufRead> JsonEvents<R> {
    pub fn new(r: R, name: &str) -> Self {
        JsonEvents {
            r,
            name: name.to_string(),
            line: 0,
            buf: Vec::new(),
            rec: Vec::new(),
            rec_line: 0,
            depth: 0,
            in_str: false,
            esc: false,
            pending: Default::default(),
            done: false,
            skipping: false,
        }
    }

    fn err(&self, line: usize, message: String) -> RecordError {
        RecordError {
            source_name: self.name.clone(),
            position: format!("line {line}"),
            message,
        }
    }

    fn finish_record(&mut self) {
        let text = std::mem::take(&mut self.rec);
        let line = self.rec_line;
        match serde_json::from_slice::<serde_json::Value>(&text) {
            Ok(serde_json::Value::Array(items)) => {
                for it in items {
                    if it.is_object() {
                        self.pending.push_back(Ok(Event::from_json(&it)));
                    } else {
                        let e = self.err(line, "an array item is not an object".into());
                        self.pending.push_back(Err(e));
                    }
                }
            }
            Ok(v) => self.pending.push_back(Ok(Event::from_json(&v))),
            Err(e) => {
                let e = self.err(line, format!("not JSON: {e}"));
                self.pending.push_back(Err(e));
            }
        }
    }

    /// Reads one line and feeds it to the record scanner.
    fn step(&mut self) {
        self.buf.clear();
        match self.r.read_until(b'\n', &mut self.buf) {
            Ok(0) => {
                self.done = true;
                if !self.rec.is_empty() && !self.skipping {
                    let e = self.err(self.rec_line, "the file ends inside a record".into());
                    self.pending.push_back(Err(e));
                }
                self.rec.clear();
                return;
            }
            Ok(_) => {}
            Err(e) => {
                self.done = true;
                let e = self.err(self.line + 1, format!("read error: {e}"));
                self.pending.push_back(Err(e));
                return;
            }
        }
        self.line += 1;
        let line = std::mem::take(&mut self.buf);
        let mut i = 0;
        while i < line.len() {
            let b = line[i];
            if self.depth == 0 {
                if b.is_ascii_whitespace() || (b == b',' && !self.rec.is_empty()) {
                    i += 1;
                    continue;
                }
                if self.skipping {
                    // After an oversized record: wait for a line that starts a new object.
                    if i == first_non_ws(&line) && b == b'{' {
                        self.skipping = false;
                    } else {
                        break;
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
                let e = self.err(self.line, "not a JSON object".into());
                self.pending.push_back(Err(e));
                break;
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
                self.finish_record();
            } else if self.rec.len() > MAX_JSON_RECORD {
                let e = self.err(
                    self.rec_line,
                    format!("record larger than {MAX_JSON_RECORD} bytes"),
                );
                self.pending.push_back(Err(e));
                self.rec.clear();
                self.depth = 0;
                self.skipping = true;
                break;
            }
        }
        self.buf = line;
    }
}

fn first_non_ws(line: &[u8]) -> usize {
    line.iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(line.len())
}

impl<R: BufRead> Iterator for JsonEvents<R> {
    type Item = Result<Event, RecordError>;
    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(x) = self.pending.pop_front() {
                return Some(x);
            }
            if self.done {
                return None;
            }
            self.step();
        }
    }
}

/// Windows events from an EVTX file, through the `evtx` crate, normalised like
/// the JSON form. Streams chunk by chunk (64 KiB of records at a time); a
/// chunk or record that cannot be parsed is reported and the rest is read.
pub struct EvtxEvents<R: Read + Seek> {
    name: String,
    chunks: Option<evtx::IntoIterChunks<R>>,
    settings: std::sync::Arc<evtx::ParserSettings>,
    pending: std::collections::VecDeque<Result<Event, RecordError>>,
    chunk_no: usize,
}

impl<R: Read + Seek> EvtxEvents<R> {
    /// Opens an EVTX stream. A file whose header cannot be read yields one error.
    pub fn new(r: R, name: &str) -> Self {
        let settings = evtx::ParserSettings::new();
        let mut me = EvtxEvents {
            name: name.to_string(),
            chunks: None,
            settings: std::sync::Arc::new(settings.clone()),
            pending: Default::default(),
            chunk_no: 0,
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
        let mut out: Vec<Result<Event, (String, String)>> = Vec::new();
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
                match rec.and_then(|r| r.into_json_value()) {
                    Ok(r) => out.push(Ok(Event::from_json(&r.data))),
                    Err(e) => out.push(Err((
                        format!("chunk {chunk_no} record {}", i + 1),
                        format!("unreadable record: {e}"),
                    ))),
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

impl<R: Read + Seek> Iterator for EvtxEvents<R> {
    type Item = Result<Event, RecordError>;
    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(x) = self.pending.pop_front() {
                return Some(x);
            }
            if !self.next_chunk() {
                return None;
            }
        }
    }
}
