//! Framing a byte stream into records (lines, or RFC 6587 octet-counted
//! frames) and handing each to a [`RecordParser`].

use super::RecordParser;
use crate::event::Event;
use crate::read::RecordError;
use std::collections::VecDeque;
use std::io::BufRead;

/// Largest record accepted (longer ones are reported and skipped).
pub const MAX_RECORD: usize = 1 << 20;

/// How records are separated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Framing {
    /// One record per line (`\n` or `\r\n`).
    Lines,
    /// Syslog over TCP as written to a file: a record is either `LEN <PRI>…`
    /// (octet counting, RFC 6587), whatever it holds, or a line.
    OctetCountingOrLines,
}

/// Streams the events of a file of records of one format.
pub struct Records<R, P> {
    r: R,
    name: String,
    parser: P,
    framing: Framing,
    /// Lines consumed so far.
    line: usize,
    /// Bytes consumed so far.
    byte: u64,
    buf: Vec<u8>,
    out: Vec<Event>,
    pending: VecDeque<Result<Event, RecordError>>,
    done: bool,
}

enum Got {
    Eof,
    /// A record in `buf`, starting at that position; `Err` if it was too long.
    Record(String, Result<(), String>),
}

impl<R: BufRead, P: RecordParser> Records<R, P> {
    pub fn new(r: R, name: &str, parser: P, framing: Framing) -> Self {
        Records {
            r,
            name: name.to_string(),
            parser,
            framing,
            line: 0,
            byte: 0,
            buf: Vec::new(),
            out: Vec::new(),
            pending: VecDeque::new(),
            done: false,
        }
    }

    /// The parser, e.g. to read state it gathered.
    pub fn parser(&self) -> &P {
        &self.parser
    }

    fn peek(&mut self) -> std::io::Result<Option<u8>> {
        loop {
            match self.r.fill_buf() {
                Ok(b) => return Ok(b.first().copied()),
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        }
    }

    fn take(&mut self, n: usize) {
        self.r.consume(n);
        self.byte += n as u64;
    }

    /// Reads the rest of a line into `buf` (at most MAX_RECORD bytes kept).
    fn rest_of_line(&mut self) -> std::io::Result<bool> {
        let mut too_long = false;
        loop {
            let avail = loop {
                match self.r.fill_buf() {
                    Ok(b) => break b,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                    Err(e) => return Err(e),
                }
            };
            if avail.is_empty() {
                break;
            }
            let (n, found) = match memchr::memchr(b'\n', avail) {
                Some(i) => (i + 1, true),
                None => (avail.len(), false),
            };
            let room = MAX_RECORD.saturating_sub(self.buf.len());
            if n > room {
                too_long = true;
            }
            self.buf.extend_from_slice(&avail[..n.min(room)]);
            self.take(n);
            if found {
                break;
            }
        }
        self.line += 1;
        while matches!(self.buf.last(), Some(b'\n' | b'\r')) {
            self.buf.pop();
        }
        Ok(too_long)
    }

    /// Reads exactly `n` bytes of a frame into `buf` (keeping at most MAX_RECORD).
    fn frame(&mut self, n: usize) -> std::io::Result<Result<(), String>> {
        let mut left = n;
        while left > 0 {
            let avail = loop {
                match self.r.fill_buf() {
                    Ok(b) => break b,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                    Err(e) => return Err(e),
                }
            };
            if avail.is_empty() {
                return Ok(Err(format!(
                    "the file ends {left} bytes before the end of a {n}-byte frame"
                )));
            }
            let k = avail.len().min(left);
            let room = MAX_RECORD.saturating_sub(self.buf.len());
            self.buf.extend_from_slice(&avail[..k.min(room)]);
            self.line += avail[..k].iter().filter(|b| **b == b'\n').count();
            self.take(k);
            left -= k;
        }
        if n > MAX_RECORD {
            return Ok(Err(format!("frame larger than {MAX_RECORD} bytes")));
        }
        Ok(Ok(()))
    }

    fn next_record(&mut self) -> std::io::Result<Got> {
        self.buf.clear();
        // Skip blank lines.
        loop {
            match self.peek()? {
                None => return Ok(Got::Eof),
                Some(b'\n') => {
                    self.line += 1;
                    self.take(1);
                }
                Some(b'\r') => self.take(1),
                Some(_) => break,
            }
        }
        let start_line = self.line + 1;
        let start_byte = self.byte;
        if self.framing == Framing::OctetCountingOrLines {
            // Up to 7 digits, a space and '<' make a frame; anything else is a line.
            while self.buf.len() < 8 {
                match self.peek()? {
                    Some(b) if b.is_ascii_digit() => {
                        self.buf.push(b);
                        self.take(1);
                    }
                    _ => break,
                }
            }
            if !self.buf.is_empty() && self.buf.len() <= 7 && self.peek()? == Some(b' ') {
                self.take(1);
                if self.peek()? == Some(b'<') {
                    let n: usize = std::str::from_utf8(&self.buf)
                        .ok()
                        .and_then(|s| s.parse().ok())
                        .unwrap_or(0);
                    self.buf.clear();
                    let r = self.frame(n)?;
                    return Ok(Got::Record(format!("frame at byte {start_byte}"), r));
                }
                self.buf.push(b' ');
            }
        }
        let too_long = self.rest_of_line()?;
        let pos = format!("line {start_line}");
        Ok(Got::Record(
            pos,
            if too_long {
                Err(format!("record longer than {MAX_RECORD} bytes"))
            } else {
                Ok(())
            },
        ))
    }

    fn step(&mut self) {
        match self.next_record() {
            Ok(Got::Eof) => {
                self.done = true;
                self.parser.finish(&mut self.out);
                self.pending.extend(self.out.drain(..).map(Ok));
            }
            Ok(Got::Record(pos, framed)) => {
                let res = framed.and_then(|()| self.parser.record(&self.buf, &mut self.out));
                // Events the parser released (an auditd group closed by this record) come first.
                self.pending.extend(self.out.drain(..).map(Ok));
                if let Err(message) = res {
                    self.pending.push_back(Err(RecordError {
                        source_name: self.name.clone(),
                        position: pos,
                        message,
                    }));
                }
            }
            Err(e) => {
                self.done = true;
                self.pending.push_back(Err(RecordError {
                    source_name: self.name.clone(),
                    position: format!("line {}", self.line + 1),
                    message: format!("read error: {e}"),
                }));
            }
        }
    }
}

impl<R: BufRead, P: RecordParser> Iterator for Records<R, P> {
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

#[cfg(test)]
mod tests {
    use super::*;

    struct Echo;
    impl RecordParser for Echo {
        fn record(&mut self, rec: &[u8], out: &mut Vec<Event>) -> Result<(), String> {
            let t = String::from_utf8_lossy(rec).into_owned();
            if t.starts_with("bad") {
                return Err("bad".into());
            }
            out.push(Event::new().with("r", t));
            Ok(())
        }
    }

    fn run(input: &[u8], framing: Framing) -> Vec<Result<String, String>> {
        Records::new(input, "f", Echo, framing)
            .map(|r| {
                r.map(|e| e.get_text("r").unwrap().into_owned())
                    .map_err(|e| e.position)
            })
            .collect()
    }

    #[test]
    fn lines_and_positions() {
        let got = run(b"a\r\n\nbad\nb", Framing::Lines);
        assert_eq!(
            got,
            vec![Ok("a".into()), Err("line 3".into()), Ok("b".into())]
        );
    }

    #[test]
    fn octet_counting_and_lines_mixed() {
        let got = run(
            b"5 <1>ab6 <1>c\nd\n12 not a frame\n9 <1>short",
            Framing::OctetCountingOrLines,
        );
        assert_eq!(got[0], Ok("<1>ab".into()));
        assert_eq!(got[1], Ok("<1>c\nd".into()));
        assert_eq!(got[2], Ok("12 not a frame".into()));
        assert_eq!(got[3], Err("frame at byte 31".into()));
        assert_eq!(got.len(), 4);
    }

    #[test]
    fn overlong_line_is_reported_and_skipped() {
        let mut input = vec![b'x'; MAX_RECORD + 10];
        input.extend_from_slice(b"\nok\n");
        let got = run(&input, Framing::Lines);
        assert_eq!(got, vec![Err("line 1".into()), Ok("ok".into())]);
    }
}
