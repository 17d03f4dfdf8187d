//! Feed readers. Each takes the bytes of one file (gzip and xz are
//! recognised by their magic bytes and decompressed), returns the records it
//! could read and one `Problem` for each record it could not, naming the file
//! and the JSON path; a file that cannot be read at all is a `FeedError`.

pub mod csaf;
pub mod cve5;
pub mod epss;
pub mod kev;
pub mod msrc;
pub mod nvd;
pub(crate) mod text;

use crate::model::{CveId, Epss, Kev, Vuln};
use serde::de::DeserializeOwned;
use serde_json::value::RawValue;
use std::collections::BTreeMap;
use std::fmt;
use std::io::{Read, Write};

/// Decompressed files larger than this are refused (a yearly NVD feed is a
/// few hundred MB).
pub const DEFAULT_MAX_BYTES: u64 = 2 << 30;

/// A record (or part of one) that was skipped, with where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub file: String,
    /// JSON path (`vulnerabilities[3].cve.metrics.cvssMetricV31[0]`), or
    /// `line N` for CSV.
    pub path: String,
    /// The record's CVE id, when it could be read.
    pub record: Option<String>,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: at {}", self.file, self.path)?;
        if let Some(r) = &self.record {
            write!(f, " ({r})")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// A file that cannot be read at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FeedError {
    #[error("{file}: cannot decompress: {message}")]
    Decompress { file: String, message: String },
    #[error("{file}: giải nén ra hơn {limit} byte (larger than {limit} bytes once decompressed)")]
    TooLarge { file: String, limit: u64 },
    #[error("{file}: at {path} (line {line}, column {column}): {message}")]
    Json {
        file: String,
        path: String,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("{file}: {message}")]
    Format { file: String, message: String },
}

/// What kind of feed a file was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeedKind {
    Nvd,
    Cve5,
    Kev,
    Csaf,
    /// Microsoft's Security Update Guide (CVRF in JSON).
    Msrc,
    Epss,
}

impl FeedKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FeedKind::Nvd => "nvd",
            FeedKind::Cve5 => "cve5",
            FeedKind::Kev => "kev",
            FeedKind::Csaf => "csaf",
            FeedKind::Msrc => "msrc",
            FeedKind::Epss => "epss",
        }
    }
}

/// The content of one feed file.
#[derive(Debug, Clone, Default)]
pub struct Imported {
    pub kind: Option<FeedKind>,
    pub vulns: Vec<Vuln>,
    pub kev: Vec<(CveId, Kev)>,
    pub epss: Vec<(CveId, Epss)>,
    /// CVE JSON 5 records in state REJECTED.
    pub rejected: Vec<CveId>,
    /// Catalogue version (KEV), model version (EPSS), tracking id (CSAF),
    /// month (Microsoft's `2024-Feb`).
    pub version: Option<String>,
    pub problems: Vec<Problem>,
}

impl Imported {
    fn new(kind: FeedKind) -> Imported {
        Imported {
            kind: Some(kind),
            ..Imported::default()
        }
    }
}

/// Reads one feed file of any supported kind, recognising its format.
pub fn read_feed(file: &str, bytes: &[u8]) -> Result<Imported, FeedError> {
    read_feed_limited(file, bytes, DEFAULT_MAX_BYTES)
}

/// As `read_feed`, from a reader (read to the end, at most `DEFAULT_MAX_BYTES`).
pub fn read_feed_from(file: &str, mut r: impl Read) -> Result<Imported, FeedError> {
    let mut buf = LimitedWriter {
        buf: Vec::new(),
        limit: DEFAULT_MAX_BYTES,
        over: false,
    };
    let copied = std::io::copy(&mut r, &mut buf);
    if buf.over {
        return Err(FeedError::TooLarge {
            file: file.to_string(),
            limit: DEFAULT_MAX_BYTES,
        });
    }
    copied.map_err(|e| FeedError::Decompress {
        file: file.to_string(),
        message: e.to_string(),
    })?;
    read_feed(file, &buf.buf)
}

pub fn read_feed_limited(file: &str, bytes: &[u8], limit: u64) -> Result<Imported, FeedError> {
    let data = decompress(file, bytes, limit)?;
    let data: &[u8] = &data;
    let start = data
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(data.len());
    let body = strip_bom(&data[start..]);
    match body.first() {
        Some(b'{') | Some(b'[') => read_json(file, body),
        Some(_) if epss::looks_like_epss(body) => Ok(epss::parse(file, body)),
        Some(_) => Err(FeedError::Format {
            file: file.to_string(),
            message: "neither JSON nor an EPSS CSV file".into(),
        }),
        None => Err(FeedError::Format {
            file: file.to_string(),
            message: "the file is empty".into(),
        }),
    }
}

fn strip_bom(b: &[u8]) -> &[u8] {
    b.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(b)
}

/// The xz decoder may use at most this much memory for its dictionary
/// (`xz -9` uses 64 MiB); a file asking for more is refused before anything
/// is allocated.
pub const XZ_MEMORY_LIMIT: u64 = 128 << 20;

/// Decompresses gzip or xz (by magic bytes); other data is returned as is.
///
/// Both decoders stream into a buffer that refuses to grow past `limit`, so
/// a small file that expands enormously (a "bomb") costs at most `limit`
/// bytes (plus the xz dictionary, at most [`XZ_MEMORY_LIMIT`]) before it is
/// refused with [`FeedError::TooLarge`].
pub fn decompress<'a>(
    file: &str,
    bytes: &'a [u8],
    limit: u64,
) -> Result<std::borrow::Cow<'a, [u8]>, FeedError> {
    let derr = |m: String| FeedError::Decompress {
        file: file.to_string(),
        message: m,
    };
    let too_large = || FeedError::TooLarge {
        file: file.to_string(),
        limit,
    };
    let mut decoder: Box<dyn Read + '_> = if bytes.starts_with(&[0x1f, 0x8b]) {
        Box::new(flate2::read::MultiGzDecoder::new(bytes))
    } else if bytes.starts_with(&[0xFD, b'7', b'z', b'X', b'Z', 0x00]) {
        let kib = u32::try_from(XZ_MEMORY_LIMIT >> 10).unwrap_or(u32::MAX);
        Box::new(lzma_rust2::XzReader::new_mem_limit(bytes, true, kib))
    } else if (bytes.len() as u64) > limit {
        return Err(too_large());
    } else {
        return Ok(std::borrow::Cow::Borrowed(bytes));
    };
    let mut out = LimitedWriter {
        buf: Vec::new(),
        limit,
        over: false,
    };
    let copied = std::io::copy(&mut decoder, &mut out);
    if out.over {
        return Err(too_large());
    }
    copied.map_err(|e| derr(e.to_string()))?;
    Ok(std::borrow::Cow::Owned(out.buf))
}

/// A buffer that holds at most `limit` bytes, growing its capacity no
/// further than that (a plain `Vec` may double to twice what it holds).
struct LimitedWriter {
    buf: Vec<u8>,
    limit: u64,
    over: bool,
}

impl Write for LimitedWriter {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        let wanted = self.buf.len() as u64 + b.len() as u64;
        if wanted > self.limit {
            self.over = true;
            return Err(std::io::Error::other("size limit"));
        }
        if wanted > self.buf.capacity() as u64 {
            let doubled = (self.buf.capacity() as u64).saturating_mul(2);
            let target = doubled.max(wanted).min(self.limit);
            let more = usize::try_from(target).unwrap_or(usize::MAX) - self.buf.len();
            self.buf
                .try_reserve_exact(more)
                .map_err(|_| std::io::Error::other("out of memory"))?;
        }
        self.buf.extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A JSON object with its members unparsed, borrowed from the file's text
/// (a yearly feed is not copied again).
pub(crate) type RawObject<'a> = BTreeMap<String, &'a RawValue>;

fn read_json(file: &str, body: &[u8]) -> Result<Imported, FeedError> {
    if body.first() == Some(&b'[') {
        // An array of records: CVE JSON 5 records or NVD `cve` objects.
        let items: Vec<&RawValue> = parse_whole(file, body)?;
        let mut out = Imported::default();
        for (i, raw) in items.iter().enumerate() {
            let path = format!("[{i}]");
            let obj: RawObject = match serde_json::from_str(raw.get()) {
                Ok(o) => o,
                Err(e) => {
                    out.problems.push(problem(file, &path, None, e.to_string()));
                    continue;
                }
            };
            if obj.contains_key("cveMetadata") {
                out.kind = Some(FeedKind::Cve5);
                cve5::parse_record(file, &path, raw.get(), &mut out);
            } else if obj.contains_key("cve") {
                out.kind = Some(FeedKind::Nvd);
                nvd::parse_item(file, &path, raw.get(), &mut out);
            } else if obj.contains_key("id") && obj.contains_key("descriptions") {
                out.kind = Some(FeedKind::Nvd);
                nvd::parse_cve(file, &path, raw.get(), &mut out);
            } else {
                out.problems.push(problem(
                    file,
                    &path,
                    None,
                    "neither a CVE JSON 5 record nor an NVD CVE item".into(),
                ));
            }
        }
        return Ok(out);
    }
    let top: RawObject = parse_whole(file, body)?;
    if top.contains_key("cveMetadata")
        || top
            .get("dataType")
            .is_some_and(|v| v.get().contains("CVE_RECORD"))
    {
        let mut out = Imported::new(FeedKind::Cve5);
        let text = std::str::from_utf8(body).unwrap_or_default();
        cve5::parse_record(file, "", text, &mut out);
        Ok(out)
    } else if top.contains_key("catalogVersion")
        || top
            .get("title")
            .is_some_and(|t| t.get().contains("Known Exploited"))
    {
        Ok(kev::parse_top(file, &top))
    } else if top.contains_key("document") && top.contains_key("product_tree")
        || top
            .get("document")
            .is_some_and(|d| d.get().contains("csaf_version"))
    {
        Ok(csaf::parse_top(file, &top))
    } else if msrc::looks_like_msrc(&top) {
        Ok(msrc::parse_top(file, &top))
    } else if top.contains_key("vulnerabilities") {
        Ok(nvd::parse_page(file, &top))
    } else if top.contains_key("cve") {
        let mut out = Imported::new(FeedKind::Nvd);
        let text = std::str::from_utf8(body).unwrap_or_default();
        nvd::parse_item(file, "", text, &mut out);
        Ok(out)
    } else if top.contains_key("id")
        && (top.contains_key("descriptions") || top.contains_key("configurations"))
    {
        let mut out = Imported::new(FeedKind::Nvd);
        let text = std::str::from_utf8(body).unwrap_or_default();
        nvd::parse_cve(file, "", text, &mut out);
        Ok(out)
    } else {
        Err(FeedError::Format {
            file: file.to_string(),
            message: "unknown JSON feed: expected an NVD CVE API 2.0 record or page, a CVE JSON 5 record, the CISA KEV catalogue, a CSAF 2.0 advisory or a month of Microsoft's Security Update Guide (CVRF JSON)".into(),
        })
    }
}

/// Parses a whole document; a syntax error is a `FeedError` with its path,
/// line and column.
pub(crate) fn parse_whole<'a, T: serde::Deserialize<'a>>(
    file: &str,
    body: &'a [u8],
) -> Result<T, FeedError> {
    let json_err = |path: String, e: &serde_json::Error| FeedError::Json {
        file: file.to_string(),
        path: if path.is_empty() {
            "$".to_string()
        } else {
            path
        },
        line: e.line(),
        column: e.column(),
        message: e.to_string(),
    };
    let mut de = serde_json::Deserializer::from_slice(body);
    let v: T = serde_path_to_error::deserialize(&mut de)
        .map_err(|e| json_err(display_path(&e.path().to_string()), e.inner()))?;
    de.end().map_err(|e| json_err(String::new(), &e))?;
    Ok(v)
}

/// Parses one record; an error becomes a `Problem` at `base` + the path
/// inside the record.
pub(crate) fn parse_record<T: DeserializeOwned>(
    file: &str,
    base: &str,
    text: &str,
    record: Option<String>,
    problems: &mut Vec<Problem>,
) -> Option<T> {
    let mut de = serde_json::Deserializer::from_str(text);
    match serde_path_to_error::deserialize::<_, T>(&mut de) {
        Ok(v) => Some(v),
        Err(e) => {
            let inner = display_path(&e.path().to_string());
            problems.push(problem(
                file,
                &join_path(base, &inner),
                record,
                e.inner().to_string(),
            ));
            None
        }
    }
}

pub(crate) fn problem(file: &str, path: &str, record: Option<String>, message: String) -> Problem {
    Problem {
        file: file.to_string(),
        path: if path.is_empty() {
            "$".to_string()
        } else {
            path.to_string()
        },
        record,
        message,
    }
}

fn display_path(p: &str) -> String {
    if p == "." {
        String::new()
    } else {
        p.to_string()
    }
}

pub(crate) fn join_path(base: &str, inner: &str) -> String {
    match (base.is_empty(), inner.is_empty()) {
        (true, _) => inner.to_string(),
        (false, true) => base.to_string(),
        (false, false) if inner.starts_with('[') => format!("{base}{inner}"),
        (false, false) => format!("{base}.{inner}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_join() {
        assert_eq!(
            join_path("vulnerabilities[2].cve", "metrics.x"),
            "vulnerabilities[2].cve.metrics.x"
        );
        assert_eq!(join_path("", "a"), "a");
        assert_eq!(join_path("[1]", ""), "[1]");
    }
}
