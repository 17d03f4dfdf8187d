//! Streaming readers for botnet IP lists.
//!
//! Every data line becomes either a [`Listing`] or a [`LineError`] naming the
//! line, so the importer can show the user exactly what it could not read and
//! still keep the rest. Nothing here loads a whole list into memory: lines are
//! read in 128 KiB chunks into one buffer, and a line that is just an address
//! costs no allocation.
//!
//! Addresses are read as `std` reads them. The lines of big lists
//! (`a.b.c.d` alone, or `a.b.c.d<TAB>count` for IPsum, ending `\n` or `\r\n`)
//! take a fast path that accepts exactly what `std` accepts and hands every
//! other line to the general reader, so on every path: IPv4 octets with a
//! leading zero (`010.1.1.1`) are refused, being octal to some tools and
//! decimal to others; IPv6 is read in all its forms, IPv4-mapped included,
//! and never matched against IPv4 blocks; `\r\n` line ends are accepted, as
//! is a UTF-8 byte-order mark on the first line.

use crate::csv::{CsvReader, Fields, RowError};
use crate::ipv4;
use crate::lines::{read_error, strip_bom, too_long, LineSource, Next, CHUNK};
use domain::Asn;
use std::fmt;
use std::io::Read;
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
    /// A file whose first row is one address and nothing else has no header:
    /// its first column is the address.
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
///
/// The reader is read in large chunks into a buffer of the iterator's own, so
/// a `File` needs no `BufReader` (one does no harm).
pub fn parse<R: Read>(format: Format, reader: R) -> Listings<R> {
    parse_in_chunks(format, reader, CHUNK)
}

/// [`parse`] asking the reader for `chunk` bytes at a time, so the tests can
/// cut lines at every place.
pub(crate) fn parse_in_chunks<R: Read>(format: Format, reader: R, chunk: usize) -> Listings<R> {
    let state = match format {
        Format::Text | Format::Ipsum => State::Lines {
            src: LineSource::with_chunk(reader, chunk),
            format,
        },
        Format::Csv => State::CsvHeader { reader, chunk },
    };
    Listings { state }
}

/// The listings of one input, in order. Ends after the first read error.
pub struct Listings<R: Read> {
    state: State<R>,
}

enum State<R: Read> {
    Lines { src: LineSource<R>, format: Format },
    CsvHeader { reader: R, chunk: usize },
    Csv(Box<CsvListings<R>>),
    Done,
}

struct CsvListings<R> {
    rows: CsvReader<R>,
    header: Header,
    /// The first row is an address, to be read as data (no header).
    first: Option<usize>,
}

impl<R: Read> Iterator for Listings<R> {
    type Item = Result<Listing, LineError>;

    /// The common line straight from the buffer, small enough to inline
    /// into the caller's loop (where the empty fields of the listing cost
    /// nothing); everything else out of line.
    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        if let State::Lines { src, format } = &mut self.state {
            // The first line may carry a byte-order mark.
            if src.line > 0 {
                let fast = match format {
                    Format::Ipsum => ipv4::ipsum_line(src.window()),
                    _ => ipv4::text_line(src.window()),
                };
                if let Some((addr, n)) = fast {
                    src.advance(n);
                    return Some(Ok(bare(IpAddr::V4(addr.into()), src.line)));
                }
            }
        }
        self.next_slow()
    }
}

impl<R: Read> Listings<R> {
    #[inline(never)]
    fn next_slow(&mut self) -> Option<Result<Listing, LineError>> {
        loop {
            match &mut self.state {
                State::Done => return None,
                State::Lines { src, format } => match src.next_line() {
                    Ok(Next::End) => {
                        self.state = State::Done;
                        return None;
                    }
                    Ok(Next::TooLong) => return Some(Err(too_long(src.line))),
                    Ok(Next::Line(r)) => {
                        let line = src.line;
                        let bytes = src.get(r);
                        let bytes = if line == 1 { strip_bom(bytes) } else { bytes };
                        let item = match format {
                            Format::Ipsum => ipsum_line(bytes, line),
                            _ => text_line(bytes, line),
                        };
                        if item.is_some() {
                            return item;
                        }
                    }
                    Err(e) => {
                        let line = src.line + 1;
                        self.state = State::Done;
                        return Some(Err(read_error(line, &e)));
                    }
                },
                State::CsvHeader { .. } => {
                    let State::CsvHeader { reader, chunk } =
                        std::mem::replace(&mut self.state, State::Done)
                    else {
                        unreachable!("matched just above")
                    };
                    let first = match CsvReader::start(LineSource::with_chunk(reader, chunk)) {
                        Ok(Some(first)) => first,
                        Ok(None) => return None,
                        Err(e) => return Some(Err(e)),
                    };
                    let header = match Header::read(&first.texts, first.closed, first.line) {
                        Ok(h) => h,
                        Err(e) => return Some(Err(e)),
                    };
                    self.state = State::Csv(Box::new(CsvListings {
                        first: header.headerless.then_some(first.line),
                        rows: first.reader,
                        header,
                    }));
                }
                State::Csv(csv) => {
                    let csv = &mut **csv;
                    if let Some(line) = csv.first.take() {
                        if let Some(item) = csv.header.listing(&csv.rows.row, line) {
                            return Some(item);
                        }
                        continue;
                    }
                    match csv.rows.next_row() {
                        Ok(None) => {
                            self.state = State::Done;
                            return None;
                        }
                        Ok(Some(line)) => {
                            if let Some(item) = csv.header.listing(&csv.rows.row, line) {
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

/// Reads rows that something else has already split into cells — the rows
/// of a spreadsheet — as a list with a header row, exactly as a CSV list is
/// read: the same header names, the same fields, the same errors.
///
/// `rows` gives each row's 1-based number as a person sees it, which the
/// listings and errors carry as their `line`. Blank rows and rows whose first
/// cell starts with `#` are skipped. When the first row is one address and
/// nothing else, the sheet has no header and its first column is the address.
///
/// ```
/// let rows = vec![
///     (1, vec!["Địa chỉ IP".to_string(), "Mã độc".to_string()]),
///     (2, vec!["14.160.1.2".to_string(), "mirai".to_string()]),
///     (3, vec!["không phải IP".to_string(), String::new()]),
/// ];
/// let got: Vec<_> = netmatch::parse_records(rows).collect();
/// assert_eq!(got[0].as_ref().unwrap().family.as_deref(), Some("mirai"));
/// assert_eq!(got[1].as_ref().unwrap_err().line, 3);
/// ```
pub fn parse_records<I>(rows: I) -> Records<I::IntoIter>
where
    I: IntoIterator<Item = (usize, Vec<String>)>,
{
    Records {
        rows: rows.into_iter(),
        header: None,
        done: false,
    }
}

/// The listings of rows given by [`parse_records`].
pub struct Records<I> {
    rows: I,
    header: Option<Header>,
    done: bool,
}

impl<I: Iterator<Item = (usize, Vec<String>)>> Iterator for Records<I> {
    type Item = Result<Listing, LineError>;

    fn next(&mut self) -> Option<Self::Item> {
        while !self.done {
            let Some((line, cells)) = self.rows.next() else {
                self.done = true;
                break;
            };
            let cells = &cells[..];
            if cells.is_blank() || cells.first().is_some_and(|c| c.trim().starts_with('#')) {
                continue;
            }
            let header = match &self.header {
                Some(h) => h,
                None => {
                    let texts: Vec<String> = cells.iter().map(|c| c.trim().to_string()).collect();
                    match Header::read(&texts, true, line) {
                        Ok(h) => {
                            let h = self.header.insert(h);
                            if !h.headerless {
                                continue;
                            }
                            h
                        }
                        Err(e) => {
                            self.done = true;
                            return Some(Err(e));
                        }
                    }
                }
            };
            if let Some(item) = header.listing(cells, line) {
                return Some(item);
            }
        }
        None
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
            } else if has_leading_zero(s) {
                format!("'{s}' is not an IPv4 address: an octet starts with 0, which some tools read as octal")
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

/// `010.1.1.1`: four dotted decimal groups, one of them with a leading zero.
fn has_leading_zero(s: &str) -> bool {
    let groups: Vec<&str> = s.split('.').collect();
    groups.len() == 4
        && groups
            .iter()
            .all(|g| !g.is_empty() && g.bytes().all(|b| b.is_ascii_digit()))
        && groups.iter().any(|g| g.len() > 1 && g.starts_with('0'))
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
pub(crate) fn normalise(name: &str) -> String {
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

pub(crate) fn find(names: &[String], wanted: &[&str]) -> Option<usize> {
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

/// What the first row of a tabular list says about the rest.
struct Header {
    cols: Columns,
    /// The header's cells as written, to name a column in an error.
    names: Vec<String>,
    /// The first row is an address, not a header.
    headerless: bool,
}

impl Header {
    /// Reads the first row (trimmed cells). `closed` is false when a quote
    /// was left open on it.
    fn read(texts: &[String], closed: bool, line: usize) -> Result<Header, LineError> {
        let normalised: Vec<String> = texts.iter().map(|n| normalise(n)).collect();
        if let Some(cols) = columns(&normalised) {
            return Ok(Header {
                cols,
                names: texts.to_vec(),
                headerless: false,
            });
        }
        let first_is_ip = texts.first().is_some_and(|f| f.parse::<IpAddr>().is_ok());
        if first_is_ip && closed && texts[1..].iter().all(String::is_empty) {
            // One column of addresses with no header.
            return Ok(Header {
                cols: Columns::default(),
                names: vec!["ip".to_string()],
                headerless: true,
            });
        }
        let reason = if first_is_ip {
            "the first row is data, not a header; a list with more than one column needs a header row naming the IP column".to_string()
        } else {
            format!(
                "no IP column in the header ({}); expected one named ip, src_ip, dst_ip, ip_address or địa chỉ ip",
                texts.join(", ")
            )
        };
        Err(LineError {
            line,
            column: None,
            reason,
        })
    }

    /// The listing in one data row; `None` for a blank row.
    fn listing<F: Fields + ?Sized>(
        &self,
        rec: &F,
        line: usize,
    ) -> Option<Result<Listing, LineError>> {
        let cols = &self.cols;
        if rec.is_blank() {
            return None;
        }
        let name = |i: usize| self.names.get(i).map_or("?", String::as_str);
        let ip_name = name(cols.ip);
        let ip = match rec.value(Some(cols.ip)) {
            None if rec.count() <= cols.ip => {
                return err(
                    line,
                    ip_name,
                    format!(
                        "the row has {} fields but the IP is field {}",
                        rec.count(),
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
        let port = match rec.value(cols.port) {
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
        let asn = match rec.value(cols.asn) {
            None => None,
            Some(f) => match String::from_utf8_lossy(f).parse::<Asn>() {
                Ok(a) => Some(a.0),
                Err(reason) => return err(line, name(cols.asn.unwrap_or_default()), reason),
            },
        };
        let family = cols.families.iter().find_map(|&i| rec.text(Some(i)));
        Some(Ok(Listing {
            line,
            ip,
            time: rec.text(cols.time),
            port,
            family,
            asn,
            c2: rec.text(cols.c2),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

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

    /// A reader that hands out a few bytes at a time and is interrupted now
    /// and then, as pipes and sockets are.
    struct Trickle<'a> {
        bytes: &'a [u8],
        sizes: Vec<usize>,
        call: usize,
    }

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            self.call += 1;
            let size = self.sizes[self.call % self.sizes.len()];
            if size == 0 && !self.bytes.is_empty() {
                return Err(std::io::ErrorKind::Interrupted.into());
            }
            let n = size.min(buf.len()).min(self.bytes.len());
            buf[..n].copy_from_slice(&self.bytes[..n]);
            self.bytes = &self.bytes[n..];
            Ok(n)
        }
    }

    /// The general path alone, line by line, as the reader was before it had
    /// a buffer of its own and a fast path.
    fn generic(format: Format, bytes: &[u8]) -> Vec<Result<Listing, LineError>> {
        let mut out = Vec::new();
        let mut rest = bytes;
        let mut line = 0;
        while !rest.is_empty() {
            let end = rest
                .iter()
                .position(|&b| b == b'\n')
                .map_or(rest.len(), |p| p + 1);
            let raw = &rest[..end];
            rest = &rest[end..];
            line += 1;
            if raw.len() > crate::lines::MAX_LINE_BYTES {
                out.push(Err(too_long(line)));
                continue;
            }
            let raw = if line == 1 { strip_bom(raw) } else { raw };
            let item = match format {
                Format::Ipsum => ipsum_line(raw, line),
                _ => text_line(raw, line),
            };
            out.extend(item);
        }
        out
    }

    fn line_strategy() -> impl Strategy<Value = String> {
        let octet = prop_oneof![
            (0u32..=255).prop_map(|o| o.to_string()),
            "0[0-9]{1,2}",
            "[0-9]{1,4}",
        ];
        let v4 = proptest::collection::vec(octet, 4).prop_map(|o| o.join("."));
        let v6 = any::<u128>().prop_map(|a| std::net::Ipv6Addr::from(a).to_string());
        let address = prop_oneof![4 => v4, 1 => v6, 1 => "[0-9a-f:.]{0,20}"];
        let ending = prop_oneof![
            Just(String::new()),
            Just("\r".to_string()),
            "\t[0-9]{0,3}",
            " [0-9]{1,3}\r?",
            " *[#;] ?[a-z ]{0,10}",
            "[ \t]{1,3}",
            "\t[0-9]{1,3}\t[a-z0-9]{1,3}",
            "[ -~]{0,4}",
        ];
        prop_oneof![
            8 => (address, ending).prop_map(|(a, e)| format!("{a}{e}")),
            1 => "[#;][ -~]{0,20}",
            1 => "[ \t]{0,3}",
            1 => "\\PC{0,12}",
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]

        #[test]
        fn fast_path_agrees_with_the_general_path(
            lines in proptest::collection::vec(line_strategy(), 0..40),
            crlf in any::<bool>(),
            final_newline in any::<bool>(),
            bom in any::<bool>(),
            sizes in proptest::collection::vec(0usize..40, 1..8),
            chunk in 1usize..64,
        ) {
            let mut text = lines.join(if crlf { "\r\n" } else { "\n" });
            if final_newline {
                text.push('\n');
            }
            let mut bytes = text.into_bytes();
            if bom {
                bytes.splice(0..0, *b"\xEF\xBB\xBF");
            }
            let sizes = if sizes.iter().all(|&s| s == 0) { vec![1] } else { sizes };
            for format in [Format::Text, Format::Ipsum] {
                let want = generic(format, &bytes);
                let whole: Vec<_> = parse(format, &bytes[..]).collect();
                prop_assert_eq!(&whole, &want, "{:?}", format);
                let trickle = Trickle { bytes: &bytes, sizes: sizes.clone(), call: 0 };
                let cut: Vec<_> = parse_in_chunks(format, trickle, chunk).collect();
                prop_assert_eq!(&cut, &want, "{:?} in chunks of {}", format, chunk);
            }
        }

        #[test]
        fn csv_reads_the_same_in_any_chunks(
            rows in proptest::collection::vec("[0-9a-f.:,;\"#\t \r\n]{0,30}", 0..15),
            chunk in 1usize..48,
        ) {
            let text = format!("ip,port,asn,malware\n{}", rows.join("\n"));
            let bytes = text.as_bytes();
            let whole: Vec<_> = parse(Format::Csv, bytes).collect();
            let cut: Vec<_> = parse_in_chunks(Format::Csv, bytes, chunk).collect();
            prop_assert_eq!(whole, cut);
        }
    }

    #[test]
    fn line_length_limit_is_the_same_in_any_chunks() {
        let max = crate::lines::MAX_LINE_BYTES;
        let mut bytes = Vec::new();
        for len in [max - 2, max - 1, max, max + 1, 3 * max] {
            bytes.extend_from_slice(b"1.1.1.1\n");
            // A comment line of `len` bytes, its line break included.
            bytes.push(b'#');
            bytes.extend(std::iter::repeat_n(b'x', len - 2));
            bytes.push(b'\n');
        }
        bytes.extend_from_slice(b"2.2.2.2\n#");
        bytes.extend(std::iter::repeat_n(b'x', max));
        let want = generic(Format::Text, &bytes);
        assert_eq!(want.iter().filter(|r| r.is_err()).count(), 3);
        for chunk in [4096, 65_521, CHUNK, 3 << 20] {
            let got: Vec<_> = parse_in_chunks(Format::Text, &bytes[..], chunk).collect();
            assert_eq!(got, want, "chunks of {chunk}");
        }
    }

    #[test]
    fn leading_zeros_are_refused_on_both_paths() {
        for input in [
            "010.1.1.1\n",
            "1.2.3.04\n",
            "1.2.3.04\t5\n",
            "x\n010.1.1.1\n",
        ] {
            for format in [Format::Text, Format::Ipsum] {
                if format == Format::Text && input.contains('\t') {
                    continue;
                }
                let got: Vec<_> = parse(format, input.as_bytes()).collect();
                let e = got.last().unwrap().as_ref().unwrap_err();
                assert!(e.reason.contains("octal"), "{input:?}: {}", e.reason);
            }
        }
        let ok: Vec<_> = parse(Format::Text, &b"0.0.0.0\n10.0.0.1\r\n"[..]).collect();
        assert!(ok.iter().all(Result::is_ok));
    }

    #[test]
    fn normalises_header_names() {
        assert_eq!(normalise(" Source.IP "), "source_ip");
        assert_eq!(normalise("Địa chỉ IP"), "địa_chỉ_ip");
        assert_eq!(normalise("\u{feff}\"ip\""), "ip");
    }
}
