//! Streaming readers for botnet IP lists.
//!
//! Every data line becomes either a [`Listing`] or a [`LineError`] naming the
//! line, so the importer can show the user exactly what it could not read and
//! still keep the rest. Nothing here loads a whole list into memory.

use domain::Asn;
use std::fmt;
use std::io::BufRead;
use std::net::IpAddr;

/// How a list is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// One address per line; `#` and `;` start comments, also after the
    /// address.
    Text,
    /// IPsum style: `IP<TAB>count`, `#` comment lines.
    Ipsum,
    /// A header row naming the columns (comma, tab or semicolon separated),
    /// `#` comment lines anywhere (abuse.ch puts them before the header and
    /// after the last row). Shadowserver reports and the Feodo list are this.
    Csv,
}

/// One listed address with what the list says about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listing {
    /// 1-based line in the input where the row starts.
    pub line: usize,
    pub ip: IpAddr,
    /// As written in the list; lists disagree on time formats and zones, so
    /// interpreting it is left to the caller.
    pub time: Option<String>,
    pub port: Option<u16>,
    pub family: Option<String>,
    pub asn: Option<u32>,
    /// The command-and-control address or name as written. Not validated as
    /// an IP: drone reports put host names and odd values here, and a bad C2
    /// field should not cost us the listed IP, which is what gets matched.
    pub c2: Option<String>,
}

/// A line that could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineError {
    /// 1-based line in the input.
    pub line: usize,
    /// The column at fault, as the header names it (`ip`/`count` for the
    /// formats without a header).
    pub column: Option<String>,
    pub reason: String,
}

impl fmt::Display for LineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.column {
            Some(c) => write!(f, "line {}, column {}: {}", self.line, c, self.reason),
            None => write!(f, "line {}: {}", self.line, self.reason),
        }
    }
}

impl std::error::Error for LineError {}

const BOM: &[u8] = b"\xEF\xBB\xBF";

fn strip_bom(b: &[u8]) -> &[u8] {
    b.strip_prefix(BOM).unwrap_or(b)
}

impl Format {
    /// The name used on the command line and in stored imports.
    pub fn name(self) -> &'static str {
        match self {
            Format::Text => "text",
            Format::Ipsum => "ipsum",
            Format::Csv => "csv",
        }
    }

    /// Guesses the format from the start of the input (a few kilobytes are
    /// plenty). Falls back to `Text`, whose errors name each bad line.
    pub fn detect(first_bytes: &[u8]) -> Format {
        let bytes = strip_bom(first_bytes);
        for raw in bytes.split(|&b| b == b'\n') {
            let line = raw.trim_ascii();
            if line.is_empty() || line[0] == b'#' || line[0] == b';' {
                continue;
            }
            let token_end = line
                .iter()
                .position(|&b| b == b'\t' || b == b' ')
                .unwrap_or(line.len());
            let token = std::str::from_utf8(&line[..token_end]).ok();
            if token.is_some_and(|t| t.parse::<IpAddr>().is_ok()) {
                let rest = &line[token_end..];
                let count = rest.trim_ascii();
                if rest.first() == Some(&b'\t')
                    && !count.is_empty()
                    && count.iter().all(u8::is_ascii_digit)
                {
                    return Format::Ipsum;
                }
                return Format::Text;
            }
            if line.iter().any(|&b| b == b',' || b == b'\t' || b == b';') {
                return Format::Csv;
            }
            return Format::Text;
        }
        Format::Text
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "text" | "txt" => Ok(Format::Text),
            "ipsum" => Ok(Format::Ipsum),
            "csv" | "tsv" => Ok(Format::Csv),
            other => Err(format!(
                "'{other}' is not a list format (text, ipsum or csv)"
            )),
        }
    }
}

/// Reads `reader` as `format`, one item per data line.
pub fn parse<R: BufRead>(format: Format, reader: R) -> Listings<R> {
    let state = match format {
        Format::Text | Format::Ipsum => State::Lines {
            reader,
            format,
            line: 0,
            buf: Vec::with_capacity(128),
        },
        Format::Csv => State::CsvHeader { reader },
    };
    Listings { state }
}

/// The listings of one input, in order. Ends after the first read error.
pub struct Listings<R: BufRead> {
    state: State<R>,
}

enum State<R: BufRead> {
    Lines {
        reader: R,
        format: Format,
        line: usize,
        buf: Vec<u8>,
    },
    CsvHeader {
        reader: R,
    },
    Csv(Box<CsvRows<R>>),
    Done,
}

struct CsvRows<R: BufRead> {
    reader: R,
    cols: Columns,
    names: Vec<String>,
    delimiter: u8,
    /// Lines read so far.
    line: usize,
    buf: Vec<u8>,
    row: Row,
}

impl<R: BufRead> Iterator for Listings<R> {
    type Item = Result<Listing, LineError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            match &mut self.state {
                State::Done => return None,
                State::Lines {
                    reader,
                    format,
                    line,
                    buf,
                } => {
                    buf.clear();
                    match read_line(reader, buf) {
                        Ok((0, _)) => {
                            self.state = State::Done;
                            return None;
                        }
                        Ok((_, true)) => {
                            *line += 1;
                            return Some(Err(too_long(*line)));
                        }
                        Ok((_, false)) => {
                            *line += 1;
                            let bytes = if *line == 1 { strip_bom(buf) } else { buf };
                            let item = match format {
                                Format::Ipsum => ipsum_line(bytes, *line),
                                _ => text_line(bytes, *line),
                            };
                            if item.is_some() {
                                return item;
                            }
                        }
                        Err(e) => {
                            let line = *line + 1;
                            self.state = State::Done;
                            return Some(Err(read_error(line, &e)));
                        }
                    }
                }
                State::CsvHeader { .. } => {
                    let State::CsvHeader { reader } =
                        std::mem::replace(&mut self.state, State::Done)
                    else {
                        unreachable!("matched just above")
                    };
                    match start_csv(reader) {
                        Ok(Some(rows)) => self.state = State::Csv(Box::new(rows)),
                        Ok(None) => return None,
                        Err(e) => return Some(Err(e)),
                    }
                }
                State::Csv(rows) => {
                    let rows = &mut **rows;
                    match rows.next_row() {
                        Ok(None) => {
                            self.state = State::Done;
                            return None;
                        }
                        Ok(Some(line)) => {
                            if let Some(item) = csv_row(&rows.cols, &rows.names, &rows.row, line) {
                                return Some(item);
                            }
                        }
                        Err(RowError::Read(e)) => {
                            self.state = State::Done;
                            return Some(Err(e));
                        }
                        Err(RowError::Row(e)) => return Some(Err(e)),
                    }
                }
            }
        }
    }
}

/// Longest line (or CSV row, quoted line breaks included) kept in memory: a
/// 2 GB file without line breaks, or with a quote left open, must not be
/// loaded whole.
const MAX_LINE_BYTES: usize = 1 << 20;

/// `read_until(b'\n')` that stops storing at `MAX_LINE_BYTES` but still
/// consumes the whole line. Returns the bytes consumed (0 at the end) and
/// whether the line was cut.
fn read_line<R: BufRead>(reader: &mut R, buf: &mut Vec<u8>) -> std::io::Result<(usize, bool)> {
    let mut consumed = 0;
    let mut cut = false;
    loop {
        let available = match reader.fill_buf() {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if available.is_empty() {
            return Ok((consumed, cut));
        }
        let (chunk, done) = match available.iter().position(|&b| b == b'\n') {
            Some(p) => (&available[..=p], true),
            None => (available, false),
        };
        let room = MAX_LINE_BYTES.saturating_sub(buf.len());
        if chunk.len() > room {
            cut = true;
            buf.extend_from_slice(&chunk[..room]);
        } else {
            buf.extend_from_slice(chunk);
        }
        let len = chunk.len();
        reader.consume(len);
        consumed += len;
        if done {
            return Ok((consumed, cut));
        }
    }
}

fn too_long(line: usize) -> LineError {
    LineError {
        line,
        column: None,
        reason: format!("the line is longer than {} bytes", MAX_LINE_BYTES),
    }
}

impl<R: BufRead> CsvRows<R> {
    /// Reads the next row that is not blank or a comment, returning the line
    /// it starts on.
    fn next_row(&mut self) -> Result<Option<usize>, RowError> {
        loop {
            self.buf.clear();
            let (n, cut) = read_line(&mut self.reader, &mut self.buf)
                .map_err(|e| RowError::Read(read_error(self.line + 1, &e)))?;
            if n == 0 {
                return Ok(None);
            }
            self.line += 1;
            let start = self.line;
            if cut {
                return Err(RowError::Row(too_long(start)));
            }
            let trimmed = self.buf.trim_ascii();
            if trimmed.is_empty() || trimmed[0] == b'#' {
                continue;
            }
            // A quoted field may hold line breaks: keep reading until it
            // closes.
            while !self.row.split(trim_eol(&self.buf), self.delimiter) {
                let (n, cut) = read_line(&mut self.reader, &mut self.buf)
                    .map_err(|e| RowError::Read(read_error(self.line + 1, &e)))?;
                if n > 0 {
                    self.line += 1;
                }
                if n == 0 || cut {
                    return Err(RowError::Row(LineError {
                        line: start,
                        column: None,
                        reason: "a quote opened on this line is never closed".to_string(),
                    }));
                }
            }
            return Ok(Some(start));
        }
    }
}

enum RowError {
    /// The input failed; nothing after it can be trusted.
    Read(LineError),
    /// This row is bad; the next one may be fine.
    Row(LineError),
}

fn trim_eol(b: &[u8]) -> &[u8] {
    let b = b.strip_suffix(b"\n").unwrap_or(b);
    b.strip_suffix(b"\r").unwrap_or(b)
}

/// The fields of one CSV row, unquoted into one buffer.
#[derive(Debug, Default)]
struct Row {
    bytes: Vec<u8>,
    fields: Vec<std::ops::Range<usize>>,
}

impl Row {
    /// Splits `line` (RFC 4180 quoting, lenient about text after a closing
    /// quote). Returns false when a quote is still open at the end.
    fn split(&mut self, line: &[u8], delimiter: u8) -> bool {
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

    fn len(&self) -> usize {
        self.fields.len()
    }

    fn get(&self, i: usize) -> Option<&[u8]> {
        self.fields.get(i).map(|r| &self.bytes[r.clone()])
    }

    fn iter(&self) -> impl Iterator<Item = &[u8]> {
        self.fields.iter().map(|r| &self.bytes[r.clone()])
    }
}

fn read_error(line: usize, e: &std::io::Error) -> LineError {
    LineError {
        line,
        column: None,
        reason: format!("cannot read the input: {e}"),
    }
}

fn err(line: usize, column: &str, reason: String) -> Option<Result<Listing, LineError>> {
    Some(Err(LineError {
        line,
        column: Some(column.to_string()),
        reason,
    }))
}

fn bare(ip: IpAddr, line: usize) -> Listing {
    Listing {
        line,
        ip,
        time: None,
        port: None,
        family: None,
        asn: None,
        c2: None,
    }
}

fn parse_ip_bytes(b: &[u8]) -> Result<IpAddr, String> {
    match std::str::from_utf8(b) {
        Ok(s) => s.parse().map_err(|_| {
            if s.contains('/') {
                format!("'{s}' is an address block, not one address")
            } else {
                format!("'{s}' is not an IPv4 or IPv6 address")
            }
        }),
        Err(_) => Err(format!(
            "'{}' is not an IPv4 or IPv6 address (not valid UTF-8 text)",
            String::from_utf8_lossy(b)
        )),
    }
}

fn text_line(raw: &[u8], line: usize) -> Option<Result<Listing, LineError>> {
    let cut = raw
        .iter()
        .position(|&b| b == b'#' || b == b';')
        .unwrap_or(raw.len());
    let data = raw[..cut].trim_ascii();
    if data.is_empty() {
        return None;
    }
    let end = data
        .iter()
        .position(u8::is_ascii_whitespace)
        .unwrap_or(data.len());
    let (token, rest) = data.split_at(end);
    if !rest.is_empty() {
        return err(
            line,
            "ip",
            format!(
                "unexpected text '{}' after the address; start a comment with # or ;",
                String::from_utf8_lossy(rest.trim_ascii())
            ),
        );
    }
    match parse_ip_bytes(token) {
        Ok(ip) => Some(Ok(bare(ip, line))),
        Err(reason) => err(line, "ip", reason),
    }
}

fn ipsum_line(raw: &[u8], line: usize) -> Option<Result<Listing, LineError>> {
    let data = raw.trim_ascii();
    if data.is_empty() || data[0] == b'#' {
        return None;
    }
    let mut parts = data
        .split(|&b| b == b'\t' || b == b' ')
        .filter(|p| !p.is_empty());
    let ip = match parse_ip_bytes(parts.next().unwrap_or_default()) {
        Ok(ip) => ip,
        Err(reason) => return err(line, "ip", reason),
    };
    if let Some(count) = parts.next() {
        if count.is_empty() || !count.iter().all(u8::is_ascii_digit) {
            return err(
                line,
                "count",
                format!(
                    "'{}' is not a count of blacklists",
                    String::from_utf8_lossy(count)
                ),
            );
        }
    }
    if let Some(extra) = parts.next() {
        return err(
            line,
            "count",
            format!(
                "unexpected text '{}' after the count",
                String::from_utf8_lossy(extra)
            ),
        );
    }
    Some(Ok(bare(ip, line)))
}

/// Where each field the importer cares about sits in a CSV row.
#[derive(Debug, Default)]
struct Columns {
    ip: usize,
    time: Option<usize>,
    port: Option<usize>,
    families: Vec<usize>,
    asn: Option<usize>,
    c2: Option<usize>,
}

/// Header names in one spelling: lower case, with spaces, dots and dashes
/// as underscores, so `Source.IP`, `source ip` and `source_ip` all match.
fn normalise(name: &str) -> String {
    name.trim()
        .trim_start_matches('\u{feff}')
        .trim_matches('"')
        .trim()
        .to_lowercase()
        .chars()
        .map(|c| match c {
            ' ' | '.' | '-' => '_',
            c => c,
        })
        .collect()
}

fn find(names: &[String], wanted: &[&str]) -> Option<usize> {
    wanted
        .iter()
        .find_map(|w| names.iter().position(|n| n == w))
}

/// In priority order: a drone list's own `ip` beats a sinkhole event's
/// `src_ip`, which beats the `dst_ip` that only C2 lists (Feodo) use for the
/// listed address.
const IP_NAMES: &[&str] = &[
    "ip",
    "src_ip",
    "source_ip",
    "ip_address",
    "ipaddress",
    "ip_addr",
    "địa_chỉ_ip",
    "dia_chi_ip",
    "address",
    "dst_ip",
    "destination_ip",
];
const TIME_NAMES: &[&str] = &[
    "timestamp",
    "first_seen_utc",
    "first_seen",
    "time",
    "date",
    "datetime",
    "time_source",
    "thời_gian",
    "thoi_gian",
    "last_seen",
];
/// Shadowserver fills `infection` and leaves `family` empty in some rows and
/// the reverse in others, so each row takes the first non-empty one.
const FAMILY_NAMES: &[&str] = &[
    "malware",
    "family",
    "malware_family",
    "infection",
    "botnet",
    "tag",
    "mã_độc",
    "ma_doc",
];

fn columns(names: &[String]) -> Option<Columns> {
    let ip = find(names, IP_NAMES)?;
    let side = if names[ip].starts_with("src_") || names[ip].starts_with("source_") {
        "src"
    } else if names[ip].starts_with("dst_") || names[ip].starts_with("destination_") {
        "dst"
    } else {
        ""
    };
    let (port, asn) = match side {
        "src" => (
            find(names, &["src_port", "source_port", "port"]),
            find(names, &["src_asn", "source_asn", "asn"]),
        ),
        "dst" => (
            find(names, &["dst_port", "destination_port", "port"]),
            find(names, &["dst_asn", "destination_asn", "asn"]),
        ),
        _ => (
            find(names, &["port", "src_port", "source_port"]),
            find(names, &["asn", "src_asn", "source_asn", "as"]),
        ),
    };
    let c2 = if side == "src" {
        find(
            names,
            &["cc_ip", "c2", "c2_ip", "cc", "dst_ip", "destination_ip"],
        )
    } else {
        find(names, &["cc_ip", "c2", "c2_ip", "cc"])
    };
    let families = FAMILY_NAMES
        .iter()
        .filter_map(|w| names.iter().position(|n| n == w))
        .collect();
    Some(Columns {
        ip,
        time: find(names, TIME_NAMES),
        port,
        families,
        asn,
        c2,
    })
}

fn sniff_delimiter(header: &[u8]) -> u8 {
    let count = |d: u8| header.iter().filter(|&&b| b == d).count();
    [b',', b'\t', b';']
        .into_iter()
        .max_by_key(|&d| (count(d), d == b','))
        .unwrap_or(b',')
}

/// Reads up to and including the header row, then hands the rest to the CSV
/// reader. `Ok(None)` is an input with no header at all (empty).
fn start_csv<R: BufRead>(mut reader: R) -> Result<Option<CsvRows<R>>, LineError> {
    let mut line = 0usize;
    let mut buf = Vec::new();
    loop {
        buf.clear();
        let (n, cut) = read_line(&mut reader, &mut buf).map_err(|e| read_error(line + 1, &e))?;
        if n == 0 {
            return Ok(None);
        }
        line += 1;
        if cut {
            return Err(too_long(line));
        }
        let text = if line == 1 { strip_bom(&buf) } else { &buf };
        let trimmed = text.trim_ascii();
        if trimmed.is_empty() || trimmed[0] == b'#' {
            continue;
        }
        let delimiter = sniff_delimiter(trimmed);
        let mut row = Row::default();
        // A header with an unclosed quote is read as far as it goes.
        row.split(trimmed, delimiter);
        let raw: Vec<String> = row
            .iter()
            .map(|f| String::from_utf8_lossy(f).trim().to_string())
            .collect();
        let names: Vec<String> = raw.iter().map(|n| normalise(n)).collect();
        let Some(cols) = columns(&names) else {
            let first_is_ip = raw.first().is_some_and(|f| f.parse::<IpAddr>().is_ok());
            let reason = if first_is_ip {
                "the first row is data, not a header; a CSV list needs a header row naming the IP column".to_string()
            } else {
                format!(
                    "no IP column in the header ({}); expected one named ip, src_ip, dst_ip, ip_address or địa chỉ ip",
                    raw.join(", ")
                )
            };
            return Err(LineError {
                line,
                column: None,
                reason,
            });
        };
        return Ok(Some(CsvRows {
            reader,
            cols,
            names: raw,
            delimiter,
            line,
            buf,
            row,
        }));
    }
}

fn field(rec: &Row, i: Option<usize>) -> Option<&[u8]> {
    let f = rec.get(i?)?.trim_ascii();
    (!f.is_empty()).then_some(f)
}

fn text(rec: &Row, i: Option<usize>) -> Option<String> {
    field(rec, i).map(|f| String::from_utf8_lossy(f).into_owned())
}

fn csv_row(
    cols: &Columns,
    names: &[String],
    rec: &Row,
    line: usize,
) -> Option<Result<Listing, LineError>> {
    if rec.iter().all(|f| f.trim_ascii().is_empty()) {
        return None;
    }
    let name = |i: usize| names.get(i).map_or("?", String::as_str);
    let ip_name = name(cols.ip);
    let ip = match field(rec, Some(cols.ip)) {
        None if rec.len() <= cols.ip => {
            return err(
                line,
                ip_name,
                format!(
                    "the row has {} fields but the IP is field {}",
                    rec.len(),
                    cols.ip + 1
                ),
            )
        }
        None => return err(line, ip_name, "the IP is empty".to_string()),
        Some(f) => match parse_ip_bytes(f) {
            Ok(ip) => ip,
            Err(reason) => return err(line, ip_name, reason),
        },
    };
    let port = match field(rec, cols.port) {
        None => None,
        Some(f) => match std::str::from_utf8(f).ok().and_then(|s| s.parse().ok()) {
            Some(p) => Some(p),
            None => {
                return err(
                    line,
                    name(cols.port.unwrap_or_default()),
                    format!("'{}' is not a port number", String::from_utf8_lossy(f)),
                )
            }
        },
    };
    let asn = match field(rec, cols.asn) {
        None => None,
        Some(f) => match String::from_utf8_lossy(f).parse::<Asn>() {
            Ok(a) => Some(a.0),
            Err(reason) => return err(line, name(cols.asn.unwrap_or_default()), reason),
        },
    };
    let family = cols.families.iter().find_map(|&i| text(rec, Some(i)));
    Some(Ok(Listing {
        line,
        ip,
        time: text(rec, cols.time),
        port,
        family,
        asn,
        c2: text(rec, cols.c2),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_formats() {
        assert_eq!(Format::detect(b"# list\n1.2.3.4\n"), Format::Text);
        assert_eq!(Format::detect(b"1.2.3.4 # c2\n"), Format::Text);
        assert_eq!(Format::detect(b"; x\n\n2001:db8::1\n"), Format::Text);
        assert_eq!(Format::detect(b"# IPsum\n1.2.3.4\t7\n"), Format::Ipsum);
        assert_eq!(
            Format::detect(b"\xEF\xBB\xBFip,port\n1.2.3.4,80\n"),
            Format::Csv
        );
        assert_eq!(Format::detect(b"ip\tport\n"), Format::Csv);
        assert_eq!(Format::detect(b""), Format::Text);
        assert_eq!(Format::detect(b"\xff\xfe\x00"), Format::Text);
    }

    #[test]
    fn format_names_round_trip() {
        for f in [Format::Text, Format::Ipsum, Format::Csv] {
            assert_eq!(f.name().parse::<Format>(), Ok(f));
        }
        assert_eq!("TSV".parse::<Format>(), Ok(Format::Csv));
        assert!("xlsx".parse::<Format>().is_err());
    }

    #[test]
    fn normalises_header_names() {
        assert_eq!(normalise(" Source.IP "), "source_ip");
        assert_eq!(normalise("Địa chỉ IP"), "địa_chỉ_ip");
        assert_eq!(normalise("\u{feff}\"ip\""), "ip");
    }
}
