//! Delimited rows: splitting with RFC 4180 quoting, and reading rows whose
//! quoted fields may span lines. Shared by the botnet-list CSV reader and the
//! `prefix,asn,name` reader.

use crate::lines::{read_error, strip_bom, too_long, trim_eol, LineSource, Next, MAX_LINE_BYTES};
use crate::LineError;
use std::io::Read;

/// The fields of one row, unquoted into one buffer.
#[derive(Debug, Default)]
pub(crate) struct Row {
    bytes: Vec<u8>,
    fields: Vec<std::ops::Range<usize>>,
}

impl Row {
    /// Splits `line` (RFC 4180 quoting, lenient about text after a closing
    /// quote). Returns false when a quote is still open at the end.
    pub(crate) fn split(&mut self, line: &[u8], delimiter: u8) -> bool {
        self.bytes.clear();
        self.fields.clear();
        let n = line.len();
        let mut i = 0;
        loop {
            let start = self.bytes.len();
            if i < n && line[i] == b'"' {
                i += 1;
                loop {
                    let Some(q) = line[i..].iter().position(|&b| b == b'"') else {
                        return false;
                    };
                    self.bytes.extend_from_slice(&line[i..i + q]);
                    i += q + 1;
                    if line.get(i) == Some(&b'"') {
                        self.bytes.push(b'"');
                        i += 1;
                    } else {
                        break;
                    }
                }
            }
            let end = line[i..]
                .iter()
                .position(|&b| b == delimiter)
                .map_or(n, |p| i + p);
            self.bytes.extend_from_slice(&line[i..end]);
            self.fields.push(start..self.bytes.len());
            if end >= n {
                return true;
            }
            i = end + 1;
        }
    }

    /// The fields as trimmed text, as a header is read.
    pub(crate) fn texts(&self) -> Vec<String> {
        self.fields
            .iter()
            .map(|r| {
                String::from_utf8_lossy(&self.bytes[r.clone()])
                    .trim()
                    .to_string()
            })
            .collect()
    }
}

/// Cells of one row, whether split from a CSV line or handed over by a
/// spreadsheet reader.
pub(crate) trait Fields {
    fn count(&self) -> usize;
    fn field(&self, i: usize) -> Option<&[u8]>;

    /// Field `i` trimmed, or `None` when absent or blank.
    fn value(&self, i: Option<usize>) -> Option<&[u8]> {
        let f = self.field(i?)?.trim_ascii();
        (!f.is_empty()).then_some(f)
    }

    fn text(&self, i: Option<usize>) -> Option<String> {
        self.value(i)
            .map(|f| String::from_utf8_lossy(f).into_owned())
    }

    fn is_blank(&self) -> bool {
        (0..self.count()).all(|i| self.value(Some(i)).is_none())
    }
}

impl Fields for Row {
    fn count(&self) -> usize {
        self.fields.len()
    }
    fn field(&self, i: usize) -> Option<&[u8]> {
        self.fields.get(i).map(|r| &self.bytes[r.clone()])
    }
}

impl Fields for [String] {
    fn count(&self) -> usize {
        self.len()
    }
    fn field(&self, i: usize) -> Option<&[u8]> {
        self.get(i).map(|s| s.as_bytes())
    }
}

pub(crate) fn sniff_delimiter(header: &[u8]) -> u8 {
    let count = |d: u8| header.iter().filter(|&&b| b == d).count();
    [b',', b'\t', b';']
        .into_iter()
        .max_by_key(|&d| (count(d), d == b','))
        .unwrap_or(b',')
}

pub(crate) enum RowError {
    /// The input failed; nothing after it can be trusted.
    Read(LineError),
    /// This row is bad; the next one may be fine.
    Row(LineError),
}

/// Rows of a delimited file, `#` comment lines and blank lines skipped.
pub(crate) struct CsvReader<R> {
    src: LineSource<R>,
    delimiter: u8,
    /// The row last read.
    pub(crate) row: Row,
    /// A row whose quoted field runs over several lines, gathered.
    pending: Vec<u8>,
}

/// The first row of a delimited file, read to decide what the file is.
pub(crate) struct FirstRow<R> {
    pub(crate) reader: CsvReader<R>,
    /// The line it is on.
    pub(crate) line: usize,
    /// Its fields as trimmed text.
    pub(crate) texts: Vec<String>,
    /// False when a quote is left open on the line; the fields go as far as
    /// they could be read.
    pub(crate) closed: bool,
}

impl<R: Read> CsvReader<R> {
    /// Reads up to the first row that is not blank (delimiters alone are
    /// blank) or a comment and picks the delimiter from it. `Ok(None)` is an input with no such row.
    pub(crate) fn start(mut src: LineSource<R>) -> Result<Option<FirstRow<R>>, LineError> {
        loop {
            let r = match src.next_line() {
                Err(e) => return Err(read_error(src.line + 1, &e)),
                Ok(Next::End) => return Ok(None),
                Ok(Next::TooLong) => return Err(too_long(src.line)),
                Ok(Next::Line(r)) => r,
            };
            let line = src.line;
            let bytes = src.get(r);
            let text = if line == 1 { strip_bom(bytes) } else { bytes };
            let trimmed = text.trim_ascii();
            if trimmed.is_empty() || trimmed[0] == b'#' {
                continue;
            }
            let delimiter = sniff_delimiter(trimmed);
            let mut row = Row::default();
            // A first row with an unclosed quote is read as far as it goes.
            let closed = row.split(trimmed, delimiter);
            let texts = row.texts();
            if texts.iter().all(String::is_empty) {
                // Only delimiters: as blank as a blank line.
                continue;
            }
            return Ok(Some(FirstRow {
                reader: CsvReader {
                    src,
                    delimiter,
                    row,
                    pending: Vec::new(),
                },
                line,
                texts,
                closed,
            }));
        }
    }

    /// Reads the next row that is not blank or a comment into `self.row`,
    /// returning the line it starts on.
    pub(crate) fn next_row(&mut self) -> Result<Option<usize>, RowError> {
        let read =
            |src: &LineSource<R>, e: std::io::Error| RowError::Read(read_error(src.line + 1, &e));
        loop {
            let r = match self.src.next_line() {
                Err(e) => return Err(read(&self.src, e)),
                Ok(Next::End) => return Ok(None),
                Ok(Next::TooLong) => return Err(RowError::Row(too_long(self.src.line))),
                Ok(Next::Line(r)) => r,
            };
            let start = self.src.line;
            let bytes = self.src.get(r);
            let trimmed = bytes.trim_ascii();
            if trimmed.is_empty() || trimmed[0] == b'#' {
                continue;
            }
            if self.row.split(trim_eol(bytes), self.delimiter) {
                return Ok(Some(start));
            }
            // A quoted field may hold line breaks: keep reading until it
            // closes.
            self.pending.clear();
            self.pending.extend_from_slice(bytes);
            loop {
                let more = match self.src.next_line() {
                    Err(e) => return Err(read(&self.src, e)),
                    Ok(Next::Line(r)) => self.src.get(r),
                    Ok(Next::End | Next::TooLong) => return Err(RowError::Row(unclosed(start))),
                };
                if self.pending.len() + more.len() > MAX_LINE_BYTES {
                    return Err(RowError::Row(unclosed(start)));
                }
                self.pending.extend_from_slice(more);
                if self.row.split(trim_eol(&self.pending), self.delimiter) {
                    return Ok(Some(start));
                }
            }
        }
    }
}

pub(crate) fn unclosed(line: usize) -> LineError {
    LineError {
        line,
        column: None,
        reason: "a quote opened on this line is never closed".to_string(),
    }
}
