//! The compact form of a record: what matching (`matching`) and the
//! priority (`priority::assess`) read of a [`Vuln`], as bytes that decode
//! many times faster than the record's JSON.
//!
//! Kept: the id, the CVSS scores, the vendor rules (`affected`), NVD's
//! configurations, KEV, EPSS and CISA's SSVC. Left out: the title, the
//! description and where it came from, the publication date, the CWEs, the
//! references and the sources' modification stamps (the stored JSON keeps
//! them). A record decoded from its compact form matches and is assessed
//! exactly as the whole record is.
//!
//! The bytes: a format byte ([`FORMAT`]), then the fields in a fixed order;
//! numbers as LEB128 varints, strings as their length and UTF-8 bytes, a
//! missing value as a 0 byte and a present one as 1 before it, a list as
//! its length and its elements, a date as its day number. CPE names are
//! written as their formatted string and parsed once per [`Decoder`] (equal
//! names then share one copy, as in `VulnDb`). A form of another format (an
//! older canhgac's) is refused with [`CompactError::Format`]: the reader
//! then reads the record's JSON.

use crate::cpe::Cpe;
use crate::model::*;
use chrono::NaiveDate;
use std::collections::{BTreeMap, HashMap};

/// The format written by [`encode`]; changed whenever the bytes change.
pub const FORMAT: u8 = 1;

/// Why bytes are not a compact record.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CompactError {
    /// Written in another format: read the record another way.
    #[error("compact record of format {0}, not {FORMAT}")]
    Format(u8),
    #[error("compact record unreadable at byte {at}: {what}")]
    Bad { at: usize, what: &'static str },
}

// ------------------------------------------------------------ writing

struct Writer(Vec<u8>);

impl Writer {
    fn u64(&mut self, mut n: u64) {
        loop {
            let b = (n & 0x7f) as u8;
            n >>= 7;
            if n == 0 {
                self.0.push(b);
                return;
            }
            self.0.push(b | 0x80);
        }
    }
    fn byte(&mut self, b: u8) {
        self.0.push(b);
    }
    fn bool(&mut self, b: bool) {
        self.0.push(u8::from(b));
    }
    fn str(&mut self, s: &str) {
        self.u64(s.len() as u64);
        self.0.extend_from_slice(s.as_bytes());
    }
    fn opt<T>(&mut self, v: Option<T>, f: impl FnOnce(&mut Self, T)) {
        match v {
            Some(x) => {
                self.0.push(1);
                f(self, x);
            }
            None => self.0.push(0),
        }
    }
    fn opt_str(&mut self, s: &Option<String>) {
        self.opt(s.as_deref(), Self::str);
    }
    fn list<T>(&mut self, xs: &[T], mut f: impl FnMut(&mut Self, &T)) {
        self.u64(xs.len() as u64);
        for x in xs {
            f(self, x);
        }
    }
    fn strs(&mut self, xs: &[String]) {
        self.list(xs, |w, s| w.str(s));
    }
    fn f32(&mut self, x: f32) {
        self.0.extend_from_slice(&x.to_bits().to_le_bytes());
    }
    fn date(&mut self, d: Option<NaiveDate>) {
        self.opt(d, |w, d| {
            let n = i64::from(chrono::Datelike::num_days_from_ce(&d));
            // Zigzag: dates before the year 1 too.
            w.u64(((n << 1) ^ (n >> 63)) as u64)
        });
    }
    fn cpe(&mut self, c: &Cpe) {
        self.str(&c.to_string());
    }
}

fn source_code(s: Source) -> u8 {
    match s {
        Source::Cve5Cna => 0,
        Source::Cve5Adp => 1,
        Source::Csaf => 2,
        Source::Nvd => 3,
        Source::Kev => 4,
        Source::Epss => 5,
    }
}

fn status_code(s: Status) -> u8 {
    match s {
        Status::Affected => 0,
        Status::Unaffected => 1,
        Status::Unknown => 2,
    }
}

fn cvss_code(v: CvssVersion) -> u8 {
    match v {
        CvssVersion::V2 => 0,
        CvssVersion::V30 => 1,
        CvssVersion::V31 => 2,
        CvssVersion::V40 => 3,
    }
}

fn operator_code(o: Operator) -> u8 {
    match o {
        Operator::And => 0,
        Operator::Or => 1,
    }
}

/// The compact form of `v` (see the module's text for what it keeps).
pub fn encode(v: &Vuln) -> Vec<u8> {
    let mut w = Writer(Vec::with_capacity(256));
    w.byte(FORMAT);
    w.u64(u64::from(v.id.year()));
    w.u64(v.id.number());
    w.list(&v.cvss, |w, c| {
        w.byte(cvss_code(c.version));
        w.f32(c.base_score);
        w.str(&c.vector);
        w.str(&c.source);
    });
    w.list(&v.affected, |w, r| {
        w.byte(source_code(r.source));
        w.str(&r.origin);
        w.opt_str(&r.vendor);
        w.opt_str(&r.product);
        w.opt_str(&r.package_name);
        w.strs(&r.modules);
        w.list(&r.cpes, |w, c| w.cpe(c));
        w.strs(&r.platforms);
        w.byte(status_code(r.default_status));
        w.list(&r.versions, |w, x| {
            w.str(&x.version);
            w.byte(status_code(x.status));
            w.opt_str(&x.less_than);
            w.opt_str(&x.less_than_or_equal);
            w.opt_str(&x.version_type);
            w.list(&x.changes, |w, c| {
                w.str(&c.at);
                w.byte(status_code(c.status));
            });
        });
        w.strs(&r.fixes);
        w.bool(r.whole_name);
    });
    w.list(&v.configurations, |w, c| {
        w.byte(operator_code(c.operator));
        w.bool(c.negate);
        w.list(&c.nodes, |w, n| {
            w.byte(operator_code(n.operator));
            w.bool(n.negate);
            w.list(&n.matches, |w, m| {
                w.bool(m.vulnerable);
                w.cpe(&m.criteria);
                w.opt_str(&m.match_criteria_id);
                w.opt_str(&m.version_start_including);
                w.opt_str(&m.version_start_excluding);
                w.opt_str(&m.version_end_including);
                w.opt_str(&m.version_end_excluding);
            });
        });
    });
    w.opt(v.kev.as_ref(), |w, k| {
        w.date(k.date_added);
        w.date(k.due_date);
        w.bool(k.ransomware);
        w.opt_str(&k.required_action);
        w.opt_str(&k.vendor_project);
        w.opt_str(&k.product);
        w.opt_str(&k.name);
        w.opt_str(&k.notes);
    });
    w.opt(v.epss.as_ref(), |w, e| {
        w.f32(e.score);
        w.opt(e.percentile, Writer::f32);
        w.opt_str(&e.model_version);
        w.date(e.score_date);
    });
    w.opt(v.ssvc.as_ref(), |w, s| {
        w.opt_str(&s.exploitation);
        w.opt_str(&s.automatable);
        w.opt_str(&s.technical_impact);
    });
    w.0
}

/// `v` as its compact form decodes: the fields the form leaves out emptied.
pub fn matching_part(v: &Vuln) -> Vuln {
    Vuln {
        cvss: v.cvss.clone(),
        affected: v.affected.clone(),
        configurations: v.configurations.clone(),
        kev: v.kev.clone(),
        epss: v.epss.clone(),
        ssvc: v.ssvc.clone(),
        ..Vuln::new(v.id)
    }
}

// ------------------------------------------------------------ reading

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

type Read<T> = Result<T, CompactError>;

impl<'a> Reader<'a> {
    fn bad<T>(&self, what: &'static str) -> Read<T> {
        Err(CompactError::Bad { at: self.at, what })
    }
    fn byte(&mut self) -> Read<u8> {
        match self.bytes.get(self.at) {
            Some(&b) => {
                self.at += 1;
                Ok(b)
            }
            None => self.bad("ends early"),
        }
    }
    fn u64(&mut self) -> Read<u64> {
        let mut n = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.byte()?;
            n |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Ok(n);
            }
        }
        self.bad("a number longer than 64 bits")
    }
    /// A count of things of at least one byte each: never more than the
    /// bytes left (so a bad count cannot ask for a large allocation).
    fn count(&mut self) -> Read<usize> {
        let n = self.u64()?;
        if n > (self.bytes.len() - self.at.min(self.bytes.len())) as u64 {
            return self.bad("a count larger than the bytes left");
        }
        Ok(n as usize)
    }
    fn bool(&mut self) -> Read<bool> {
        match self.byte()? {
            0 => Ok(false),
            1 => Ok(true),
            _ => self.bad("a flag that is not 0 or 1"),
        }
    }
    fn text(&mut self) -> Read<&'a str> {
        let n = self.count()?;
        let Some(raw) = self.bytes.get(self.at..self.at + n) else {
            return self.bad("ends early");
        };
        match std::str::from_utf8(raw) {
            Ok(s) => {
                self.at += n;
                Ok(s)
            }
            Err(_) => self.bad("text that is not UTF-8"),
        }
    }
    fn str(&mut self) -> Read<String> {
        self.text().map(str::to_string)
    }
    fn opt<T>(&mut self, f: impl FnOnce(&mut Self) -> Read<T>) -> Read<Option<T>> {
        if self.bool()? {
            f(self).map(Some)
        } else {
            Ok(None)
        }
    }
    fn opt_str(&mut self) -> Read<Option<String>> {
        self.opt(Self::str)
    }
    fn list<T>(&mut self, mut f: impl FnMut(&mut Self) -> Read<T>) -> Read<Vec<T>> {
        let n = self.count()?;
        let mut out = Vec::with_capacity(n);
        for _ in 0..n {
            out.push(f(self)?);
        }
        Ok(out)
    }
    fn strs(&mut self) -> Read<Vec<String>> {
        self.list(Self::str)
    }
    fn f32(&mut self) -> Read<f32> {
        let Some(raw) = self.bytes.get(self.at..self.at + 4) else {
            return self.bad("ends early");
        };
        self.at += 4;
        let mut b = [0u8; 4];
        b.copy_from_slice(raw);
        Ok(f32::from_bits(u32::from_le_bytes(b)))
    }
    fn date(&mut self) -> Read<Option<NaiveDate>> {
        self.opt(|r| {
            let z = r.u64()?;
            let n = ((z >> 1) as i64) ^ -((z & 1) as i64);
            match i32::try_from(n)
                .ok()
                .and_then(NaiveDate::from_num_days_from_ce_opt)
            {
                Some(d) => Ok(d),
                None => r.bad("a day number out of range"),
            }
        })
    }
    fn source(&mut self) -> Read<Source> {
        Ok(match self.byte()? {
            0 => Source::Cve5Cna,
            1 => Source::Cve5Adp,
            2 => Source::Csaf,
            3 => Source::Nvd,
            4 => Source::Kev,
            5 => Source::Epss,
            _ => return self.bad("an unknown source"),
        })
    }
    fn status(&mut self) -> Read<Status> {
        Ok(match self.byte()? {
            0 => Status::Affected,
            1 => Status::Unaffected,
            2 => Status::Unknown,
            _ => return self.bad("an unknown status"),
        })
    }
    fn operator(&mut self) -> Read<Operator> {
        Ok(match self.byte()? {
            0 => Operator::And,
            1 => Operator::Or,
            _ => return self.bad("an unknown operator"),
        })
    }
    fn cvss_version(&mut self) -> Read<CvssVersion> {
        Ok(match self.byte()? {
            0 => CvssVersion::V2,
            1 => CvssVersion::V30,
            2 => CvssVersion::V31,
            3 => CvssVersion::V40,
            _ => return self.bad("an unknown CVSS version"),
        })
    }
}

/// Decodes compact records, parsing each distinct CPE name once.
#[derive(Default)]
pub struct Decoder {
    cpes: HashMap<Box<str>, Cpe>,
}

impl Decoder {
    pub fn new() -> Decoder {
        Decoder::default()
    }

    fn cpe(&mut self, r: &mut Reader) -> Read<Cpe> {
        let s = r.text()?;
        if let Some(c) = self.cpes.get(s) {
            return Ok(c.clone());
        }
        match Cpe::parse(s) {
            Ok(c) => {
                self.cpes.insert(s.into(), c.clone());
                Ok(c)
            }
            Err(_) => r.bad("a CPE name that does not parse"),
        }
    }

    /// The record of a compact form made by [`encode`].
    pub fn decode(&mut self, bytes: &[u8]) -> Result<Vuln, CompactError> {
        let mut r = Reader { bytes, at: 0 };
        let format = r.byte()?;
        if format != FORMAT {
            return Err(CompactError::Format(format));
        }
        let year = r.u64()?;
        let number = r.u64()?;
        let id = u16::try_from(year)
            .ok()
            .and_then(|y| CveId::from_parts(y, number));
        let Some(id) = id else {
            return r.bad("not a CVE id");
        };
        let cvss = r.list(|r| {
            Ok(Cvss {
                version: r.cvss_version()?,
                base_score: r.f32()?,
                vector: r.str()?,
                source: r.str()?,
            })
        })?;
        let affected = r.list(|r| {
            Ok(AffectedRule {
                source: r.source()?,
                origin: r.str()?,
                vendor: r.opt_str()?,
                product: r.opt_str()?,
                package_name: r.opt_str()?,
                modules: r.strs()?,
                cpes: r.list(|r| self.cpe(r))?,
                platforms: r.strs()?,
                default_status: r.status()?,
                versions: r.list(|r| {
                    Ok(VersionRange {
                        version: r.str()?,
                        status: r.status()?,
                        less_than: r.opt_str()?,
                        less_than_or_equal: r.opt_str()?,
                        version_type: r.opt_str()?,
                        changes: r.list(|r| {
                            Ok(Change {
                                at: r.str()?,
                                status: r.status()?,
                            })
                        })?,
                    })
                })?,
                fixes: r.strs()?,
                whole_name: r.bool()?,
            })
        })?;
        let configurations = r.list(|r| {
            Ok(NvdConfig {
                operator: r.operator()?,
                negate: r.bool()?,
                nodes: r.list(|r| {
                    Ok(NvdNode {
                        operator: r.operator()?,
                        negate: r.bool()?,
                        matches: r.list(|r| {
                            Ok(CpeMatch {
                                vulnerable: r.bool()?,
                                criteria: self.cpe(r)?,
                                match_criteria_id: r.opt_str()?,
                                version_start_including: r.opt_str()?,
                                version_start_excluding: r.opt_str()?,
                                version_end_including: r.opt_str()?,
                                version_end_excluding: r.opt_str()?,
                            })
                        })?,
                    })
                })?,
            })
        })?;
        let kev = r.opt(|r| {
            Ok(Kev {
                date_added: r.date()?,
                due_date: r.date()?,
                ransomware: r.bool()?,
                required_action: r.opt_str()?,
                vendor_project: r.opt_str()?,
                product: r.opt_str()?,
                name: r.opt_str()?,
                notes: r.opt_str()?,
            })
        })?;
        let epss = r.opt(|r| {
            Ok(Epss {
                score: r.f32()?,
                percentile: r.opt(Reader::f32)?,
                model_version: r.opt_str()?,
                score_date: r.date()?,
            })
        })?;
        let ssvc = r.opt(|r| {
            Ok(AdpSsvc {
                exploitation: r.opt_str()?,
                automatable: r.opt_str()?,
                technical_impact: r.opt_str()?,
            })
        })?;
        if r.at != bytes.len() {
            return r.bad("bytes after the record");
        }
        Ok(Vuln {
            cvss,
            affected,
            configurations,
            kev,
            epss,
            ssvc,
            modified: BTreeMap::new(),
            ..Vuln::new(id)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn another_format_is_named() {
        let mut d = Decoder::new();
        let v = Vuln::new("CVE-2024-3400".parse().unwrap());
        let mut bytes = encode(&v);
        assert_eq!(d.decode(&bytes), Ok(v.clone()));
        bytes[0] = 0;
        assert_eq!(d.decode(&bytes), Err(CompactError::Format(0)));
        assert!(matches!(
            d.decode(&[]),
            Err(CompactError::Bad { at: 0, .. })
        ));
        assert!(matches!(
            d.decode(&[FORMAT, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]),
            Err(CompactError::Bad { .. })
        ));
    }
}
