//! Network operators' address space: prefix lists per AS number.
//!
//! Two layouts are read. The per-ASN lists of public data sets (one CIDR per
//! line, `#` comments, the AS number in the file name, as in
//! `AS7552-ipv4-aggregated.txt`), and a `prefix,asn,name` table that a person
//! keeps by hand or exports from a spreadsheet.

use crate::csv::{CsvReader, Fields, RowError};
use crate::lines::{read_error, strip_bom, too_long, LineSource, Next};
use crate::parse::{find, normalise};
use crate::LineError;
use domain::{Asn, Cidr};
use std::io::Read;

/// Reads a prefix list: one address block per line (a bare address is a /32
/// or /128), `#` starting a comment anywhere on a line, blank lines ignored.
/// A block with host bits set is an error naming the block it would be.
///
/// ```
/// let list = b"# AS7552 (VIETEL-AP)\n# Viettel Group\n#\n27.64.0.0/12\n27.64.0.1/12\n";
/// let got: Vec<_> = netmatch::parse_prefix_list(&list[..]).collect();
/// assert_eq!(got[0].as_ref().unwrap().to_string(), "27.64.0.0/12");
/// assert_eq!(got[1].as_ref().unwrap_err().line, 5);
/// ```
pub fn parse_prefix_list<R: Read>(reader: R) -> PrefixList<R> {
    PrefixList {
        src: LineSource::new(reader),
        done: false,
    }
}

/// The blocks of one prefix list, in order. Ends after the first read error.
pub struct PrefixList<R> {
    src: LineSource<R>,
    done: bool,
}

impl<R: Read> Iterator for PrefixList<R> {
    type Item = Result<Cidr, LineError>;

    fn next(&mut self) -> Option<Self::Item> {
        while !self.done {
            let r = match self.src.next_line() {
                Ok(Next::Line(r)) => r,
                Ok(Next::TooLong) => return Some(Err(too_long(self.src.line))),
                Ok(Next::End) => break,
                Err(e) => {
                    self.done = true;
                    return Some(Err(read_error(self.src.line + 1, &e)));
                }
            };
            let line = self.src.line;
            let bytes = self.src.get(r);
            let bytes = if line == 1 { strip_bom(bytes) } else { bytes };
            let cut = bytes.iter().position(|&b| b == b'#').unwrap_or(bytes.len());
            let data = bytes[..cut].trim_ascii();
            if data.is_empty() {
                continue;
            }
            return Some(block(data, line, "prefix"));
        }
        self.done = true;
        None
    }
}

fn block(data: &[u8], line: usize, column: &str) -> Result<Cidr, LineError> {
    String::from_utf8_lossy(data)
        .parse::<Cidr>()
        .map_err(|reason| LineError {
            line,
            column: Some(column.to_string()),
            reason,
        })
}

/// The AS number a prefix list's file name starts with: `AS7552` in
/// `AS7552-ipv4-aggregated.txt` (any directory before it, any case). `None`
/// for a list that is not one operator's, such as
/// `country-vn-ipv4-aggregated.txt`.
///
/// ```
/// use domain::Asn;
/// assert_eq!(netmatch::asn_from_file_name("data/AS45899-ipv4-aggregated.txt"), Some(Asn(45899)));
/// assert_eq!(netmatch::asn_from_file_name("country-vn-ipv4-aggregated.txt"), None);
/// ```
pub fn asn_from_file_name(name: &str) -> Option<Asn> {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let rest = base
        .strip_prefix("AS")
        .or_else(|| base.strip_prefix("as"))
        .or_else(|| base.strip_prefix("As"))
        .or_else(|| base.strip_prefix("aS"))?;
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 {
        return None;
    }
    rest[..digits].parse().ok().map(Asn)
}

/// One row of a `prefix,asn,name` table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrefixRow {
    /// 1-based line in the input where the row starts.
    pub line: usize,
    pub cidr: Cidr,
    pub asn: Option<Asn>,
    /// The operator's or agency's name, as written.
    pub name: Option<String>,
}

/// Reads a `prefix,asn,name` table: comma, semicolon or tab separated, with
/// RFC 4180 quoting (a name may hold the delimiter when quoted), `#` comment
/// lines. The header row is optional; with one the columns may come in any
/// order and others are ignored (`prefix`/`cidr`/`network`/`block`,
/// `asn`/`as`, `name`/`owner`/`org`/`description`); without one they are
/// prefix, AS number, name. The AS number is written `7552` or `AS7552`; it
/// and the name may be empty.
///
/// ```
/// let csv = b"prefix;asn;name\n14.160.0.0/11;AS45899;\"VNPT, Corp\"\n113.160.0.0/11;45899;\n";
/// let rows: Vec<_> = netmatch::parse_prefix_csv(&csv[..]).map(Result::unwrap).collect();
/// assert_eq!(rows[0].name.as_deref(), Some("VNPT, Corp"));
/// assert_eq!(rows[1].asn, Some(domain::Asn(45899)));
/// assert_eq!(rows[1].name, None);
/// ```
pub fn parse_prefix_csv<R: Read>(reader: R) -> PrefixRows<R> {
    PrefixRows {
        state: PrefixState::Start(reader),
    }
}

/// The rows of one `prefix,asn,name` table, in order.
pub struct PrefixRows<R> {
    state: PrefixState<R>,
}

enum PrefixState<R> {
    Start(R),
    Rows(Box<PrefixTable<R>>),
    Done,
}

struct PrefixTable<R> {
    rows: CsvReader<R>,
    prefix: usize,
    asn: Option<usize>,
    name: Option<usize>,
    names: Vec<String>,
    /// The first row is data (no header), still to be read.
    first: Option<usize>,
}

const PREFIX_NAMES: &[&str] = &[
    "prefix",
    "cidr",
    "network",
    "block",
    "address_block",
    "ip_block",
    "subnet",
    "range",
    "ip_range",
    "dải_địa_chỉ",
    "dai_dia_chi",
    "khối_địa_chỉ",
    "khoi_dia_chi",
];
const ASN_NAMES: &[&str] = &["asn", "as", "as_number", "origin", "origin_as"];
const NAME_NAMES: &[&str] = &[
    "name",
    "owner",
    "org",
    "organisation",
    "organization",
    "holder",
    "as_name",
    "description",
    "tên",
    "ten",
    "đơn_vị",
    "don_vi",
];

impl<R: Read> Iterator for PrefixRows<R> {
    type Item = Result<PrefixRow, LineError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            match &mut self.state {
                PrefixState::Done => return None,
                PrefixState::Start(_) => {
                    let PrefixState::Start(reader) =
                        std::mem::replace(&mut self.state, PrefixState::Done)
                    else {
                        unreachable!("matched just above")
                    };
                    let first = match CsvReader::start(LineSource::new(reader)) {
                        Ok(Some(first)) => first,
                        Ok(None) => return None,
                        Err(e) => return Some(Err(e)),
                    };
                    let normalised: Vec<String> =
                        first.texts.iter().map(|t| normalise(t)).collect();
                    let table = if let Some(prefix) = find(&normalised, PREFIX_NAMES) {
                        PrefixTable {
                            prefix,
                            asn: find(&normalised, ASN_NAMES),
                            name: find(&normalised, NAME_NAMES),
                            names: first.texts,
                            first: None,
                            rows: first.reader,
                        }
                    } else if first
                        .texts
                        .first()
                        .is_some_and(|t| t.contains(['/', '.', ':']))
                    {
                        if !first.closed {
                            // Read on from the next line, as after any bad row.
                            self.state = PrefixState::Rows(Box::new(PrefixTable {
                                prefix: 0,
                                asn: Some(1),
                                name: Some(2),
                                names: positional(),
                                first: None,
                                rows: first.reader,
                            }));
                            return Some(Err(crate::csv::unclosed(first.line)));
                        }
                        PrefixTable {
                            prefix: 0,
                            asn: Some(1),
                            name: Some(2),
                            names: positional(),
                            first: Some(first.line),
                            rows: first.reader,
                        }
                    } else {
                        return Some(Err(LineError {
                            line: first.line,
                            column: None,
                            reason: format!(
                                "no prefix column in the header ({}); expected prefix, asn, name",
                                first.texts.join(", ")
                            ),
                        }));
                    };
                    self.state = PrefixState::Rows(Box::new(table));
                }
                PrefixState::Rows(t) => {
                    let t = &mut **t;
                    let line = match t.first.take() {
                        Some(line) => line,
                        None => match t.rows.next_row() {
                            Ok(Some(line)) => line,
                            Ok(None) => {
                                self.state = PrefixState::Done;
                                return None;
                            }
                            Err(RowError::Read(e)) => {
                                self.state = PrefixState::Done;
                                return Some(Err(e));
                            }
                            Err(RowError::Row(e)) => return Some(Err(e)),
                        },
                    };
                    if let Some(item) = t.row(line) {
                        return Some(item);
                    }
                }
            }
        }
    }
}

fn positional() -> Vec<String> {
    ["prefix", "asn", "name"].map(String::from).to_vec()
}

impl<R> PrefixTable<R> {
    fn row(&self, line: usize) -> Option<Result<PrefixRow, LineError>> {
        let rec = &self.rows.row;
        if rec.is_blank() {
            return None;
        }
        let name = |i: usize| self.names.get(i).map_or("?", String::as_str);
        let error = |i: usize, reason: String| {
            Some(Err(LineError {
                line,
                column: Some(name(i).to_string()),
                reason,
            }))
        };
        let cidr = match rec.value(Some(self.prefix)) {
            None if rec.count() <= self.prefix => {
                return error(
                    self.prefix,
                    format!(
                        "the row has {} fields but the prefix is field {}",
                        rec.count(),
                        self.prefix + 1
                    ),
                )
            }
            None => return error(self.prefix, "the prefix is empty".to_string()),
            Some(f) => match block(f, line, name(self.prefix)) {
                Ok(c) => c,
                Err(e) => return Some(Err(e)),
            },
        };
        let asn = match rec.value(self.asn) {
            None => None,
            Some(f) => match String::from_utf8_lossy(f).parse::<Asn>() {
                Ok(a) => Some(a),
                Err(reason) => return error(self.asn.unwrap_or_default(), reason),
            },
        };
        Some(Ok(PrefixRow {
            line,
            cidr,
            asn,
            name: rec.text(self.name),
        }))
    }
}
