//! What of an event is indexed: its host, addresses (the indicator field
//! map's `ip` fields too), domains with their parents, file hashes, file
//! names, users, and `field=value` for short values of fields that are not
//! unique per event (every value of a field named twice).

use crate::{term_hash_parts, Kind};
use detect::indicators::FieldMap;
use detect::{Event, EventBuf, ValueRef};
use std::collections::HashMap;

/// Fields whose values are unique per event (times, GUIDs, record and
/// process numbers, ephemeral source ports): indexing them as `field=value`
/// would cost much and find nothing anyone searches for.
pub const UNIQUE_FIELDS: &[&str] = &[
    "utctime",
    "processguid",
    "parentprocessguid",
    "logonguid",
    "eventrecordid",
    "processid",
    "parentprocessid",
    "systemtime",
    "timecreated",
    "@timestamp",
    "timestamp",
    "logonid",
    "targetlogonid",
    "subjectlogonid",
    "threadid",
    "activityid",
    "executionprocessid",
    "executionthreadid",
    "creationutctime",
    "previouscreationutctime",
    "event.created",
    "event.ingested",
    "hashes",
    "sourceport",
    "src_port",
    "source.port",
    "scriptblockid",
];

pub const USER_FIELDS: &[&str] = &[
    "User",
    "TargetUserName",
    "SubjectUserName",
    "AccountName",
    "user.name",
    "UserName",
    "user",
    "suser",
    "duser",
];

/// Longest value indexed as `field=value`.
pub const MAX_FIELD_VALUE: usize = 96;
pub fn domain_terms(out: &mut Vec<(Kind, String)>, v: &str) {
    each_domain(v, |d| out.push((Kind::Domain, d.to_ascii_lowercase())));
}

/// The name and its parents down to two labels, so that a listed domain
/// finds its subdomains with one term (none for an address or a bare label).
fn each_domain(v: &str, mut f: impl FnMut(&str)) {
    let d = v.trim().trim_end_matches('.');
    if d.is_empty() || d.len() > 253 || d.parse::<std::net::IpAddr>().is_ok() || !d.contains('.') {
        return;
    }
    let mut rest = d;
    loop {
        f(rest);
        match rest.split_once('.') {
            Some((_, r)) if r.contains('.') => rest = r,
            _ => break,
        }
    }
}

pub fn url_host(u: &str) -> Option<&str> {
    let rest = u.split_once("://").map_or(u, |(_, r)| r);
    let host = rest.split(['/', '?', '#']).next()?;
    let host = host.rsplit_once('@').map_or(host, |(_, h)| h);
    let host = if host.starts_with('[') {
        host.trim_start_matches('[').split(']').next()?
    } else {
        host.split(':').next()?
    };
    (!host.is_empty()).then_some(host)
}

/// The terms an event is found by (sorted, distinct). `host` and
/// `addresses` as the caller reads them. Builds a [`TermView`] each call:
/// callers that view many events keep one.
pub fn terms(
    ev: &Event,
    fields: &FieldMap,
    host: Option<&str>,
    addresses: &[String],
) -> Vec<(Kind, String)> {
    TermView::new(fields).terms(ev, host, addresses)
}

/// What of each event field is indexed, by its lower-case name.
const IP: u8 = 1;
const DOMAIN: u8 = 2;
const URL: u8 = 4;
const HASH: u8 = 8;
const FILE: u8 = 16;
const USER: u8 = 32;
const UNIQUE: u8 = 64;

/// The terms of events, from one pass over their fields: each field's name
/// is looked up once (lower case) in a table built from the indicator field
/// map, [`USER_FIELDS`] and [`UNIQUE_FIELDS`]. Build it once and share it.
#[derive(Debug, Clone)]
pub struct TermView {
    by_name: HashMap<Box<str>, u8>,
    longest: usize,
}

impl TermView {
    pub fn new(fields: &FieldMap) -> TermView {
        let mut by_name: HashMap<Box<str>, u8> = HashMap::new();
        let mut add = |name: &str, bit: u8| {
            *by_name
                .entry(name.to_ascii_lowercase().into_boxed_str())
                .or_insert(0) |= bit;
        };
        for (kind, bit) in [
            ("ip", IP),
            ("domain", DOMAIN),
            ("url", URL),
            ("hash", HASH),
            ("file", FILE),
        ] {
            for f in fields.fields(kind) {
                add(f, bit);
            }
        }
        for f in USER_FIELDS {
            add(f, USER);
        }
        for f in UNIQUE_FIELDS {
            add(f, UNIQUE);
        }
        let longest = by_name.keys().map(|k| k.len()).max().unwrap_or(0);
        TermView { by_name, longest }
    }

    fn bits(&self, name: &str, buf: &mut String) -> u8 {
        if name.len() > self.longest {
            return 0;
        }
        buf.clear();
        buf.push_str(name);
        buf.make_ascii_lowercase();
        self.by_name.get(buf.as_str()).copied().unwrap_or(0)
    }

    /// The terms an event is found by (sorted, distinct, lower case).
    /// `host` and `addresses` as the caller reads them.
    pub fn terms(
        &self,
        ev: &Event,
        host: Option<&str>,
        addresses: &[String],
    ) -> Vec<(Kind, String)> {
        self.terms_of(
            ev.fields().iter().map(|(n, v)| (&**n, v.as_ref())),
            host,
            addresses,
        )
    }

    /// [`terms`](Self::terms) of an event held in an [`EventBuf`].
    pub fn terms_buf(
        &self,
        ev: &EventBuf,
        host: Option<&str>,
        addresses: &[String],
    ) -> Vec<(Kind, String)> {
        self.terms_of(ev.fields(), host, addresses)
    }

    /// The [`term_hash`](crate::term_hash)es of the terms [`terms_buf`](Self::terms_buf)
    /// gives (sorted, distinct), without making their texts: what a day
    /// that indexes hashes ([`crate::EventStore::hashes_terms`]) is given.
    pub fn hashes_buf(&self, ev: &EventBuf, host: Option<&str>, addresses: &[String]) -> Vec<u64> {
        let mut out = Hashes(Vec::with_capacity(ev.len() + 8));
        self.each_term(ev.fields(), host, addresses, &mut out);
        let mut out = out.0;
        out.sort_unstable();
        out.dedup();
        out
    }

    fn terms_of<'a>(
        &self,
        fields: impl ExactSizeIterator<Item = (&'a str, ValueRef<'a>)>,
        host: Option<&str>,
        addresses: &[String],
    ) -> Vec<(Kind, String)> {
        let mut terms: Vec<(Kind, String)> = Vec::with_capacity(fields.len() + 8);
        self.each_term(fields, host, addresses, &mut terms);
        terms.sort_unstable();
        terms.dedup();
        terms
    }

    /// Every term of an event, as the parts whose concatenation (lower
    /// case) is its text; repeats included.
    fn each_term<'a>(
        &self,
        fields: impl Iterator<Item = (&'a str, ValueRef<'a>)>,
        host: Option<&str>,
        addresses: &[String],
        out: &mut impl TermSink,
    ) {
        if let Some(h) = host {
            out.term(Kind::Host, &[h]);
            if let Some((short, _)) = h.split_once('.') {
                out.term(Kind::Host, &[short]);
            }
        }
        for a in addresses {
            out.term(Kind::Addr, &[a]);
        }
        let mut buf = String::new();
        let mut ip_text = String::new();
        let mut addr = |out: &mut dyn TermSink, ip: std::net::IpAddr| {
            use std::fmt::Write;
            ip_text.clear();
            let _ = write!(ip_text, "{ip}");
            out.term(Kind::Addr, &[&ip_text]);
        };
        for (name, v) in fields {
            let text = v.as_text();
            let t = text.trim();
            if t.is_empty() || t == "-" {
                continue;
            }
            let bits = self.bits(name, &mut buf);
            if bits & IP != 0 {
                if let Ok(ip) = t.trim_start_matches("::ffff:").parse::<std::net::IpAddr>() {
                    addr(out, ip);
                }
            }
            if bits & DOMAIN != 0 {
                each_domain(t, |d| out.term(Kind::Domain, &[d]));
            }
            if bits & URL != 0 {
                if let Some(h) = url_host(t) {
                    match h.parse::<std::net::IpAddr>() {
                        Ok(ip) => addr(out, ip),
                        Err(_) => each_domain(h, |d| out.term(Kind::Domain, &[d])),
                    }
                }
            }
            if bits & HASH != 0 {
                for part in t.split([',', '=', ';', ' ']) {
                    let p = part.trim();
                    if matches!(p.len(), 32 | 40 | 64 | 128)
                        && p.bytes().all(|b| b.is_ascii_hexdigit())
                    {
                        out.term(Kind::Hash, &[p]);
                    }
                }
            }
            if bits & FILE != 0 {
                if let Some(name) = t.rsplit(['\\', '/']).next().map(str::trim) {
                    if !name.is_empty() {
                        out.term(Kind::File, &[name]);
                    }
                }
            }
            if bits & USER != 0 {
                out.term(Kind::User, &[t]);
            }
            if bits & UNIQUE == 0 && t.len() <= MAX_FIELD_VALUE {
                out.term(Kind::Field, &[name, "=", t]);
            }
        }
    }
}

/// Where [`TermView::each_term`] puts terms.
trait TermSink {
    /// A term whose text is the parts one after another, in lower case.
    fn term(&mut self, kind: Kind, parts: &[&str]);
}

impl TermSink for Vec<(Kind, String)> {
    fn term(&mut self, kind: Kind, parts: &[&str]) {
        self.push((kind, lower(parts.concat())));
    }
}

/// Terms as their [`term_hash`](crate::term_hash)es.
struct Hashes(Vec<u64>);

impl TermSink for Hashes {
    fn term(&mut self, kind: Kind, parts: &[&str]) {
        self.0.push(term_hash_parts(kind, parts));
    }
}

/// `s` in lower case, without a copy when it is ASCII.
pub fn lower(mut s: String) -> String {
    if s.is_ascii() {
        s.make_ascii_lowercase();
        s
    } else {
        s.to_lowercase()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terms_of_an_event() {
        let hashes = format!("SHA256=AB{}", "C".repeat(62));
        let json = serde_json::json!({
            "EventID": 3, "Computer": "WS-1.sonha.gov.vn", "DestinationIp": "::ffff:203.0.113.7",
            "SourcePort": 50123, "QueryName": "a.b.Example.com", "Hashes": hashes,
            "Image": "C:\\Windows\\CMD.EXE", "User": "SONHA\\Ketoan", "UtcTime": "2026-01-01 00:00:00",
            "CommandLine": "-"
        });
        let ev = Event::from_json(&json);
        let t = TermView::new(&FieldMap::default()).terms(&ev, Some("WS-1.sonha.gov.vn"), &[]);
        let has = |k: Kind, v: &str| t.iter().any(|(kk, vv)| *kk == k && vv == v);
        assert!(has(Kind::Host, "ws-1.sonha.gov.vn") && has(Kind::Host, "ws-1"));
        assert!(has(Kind::Addr, "203.0.113.7"));
        assert!(has(Kind::Domain, "a.b.example.com") && has(Kind::Domain, "example.com"));
        assert!(has(Kind::Hash, &format!("ab{}", "c".repeat(62))));
        assert!(has(Kind::File, "cmd.exe"));
        assert!(has(Kind::User, "sonha\\ketoan"));
        assert!(has(Kind::Field, "eventid=3"));
        assert!(has(Kind::Field, "image=c:\\windows\\cmd.exe"));
        // Unique per event, or empty: not indexed as field=value.
        assert!(!t.iter().any(|(_, v)| v.starts_with("sourceport=")
            || v.starts_with("utctime=")
            || v.starts_with("hashes=")
            || v.starts_with("commandline=")));
        assert!(t.windows(2).all(|w| w[0] < w[1]), "sorted and distinct");
    }

    #[test]
    fn hashes_are_those_of_the_terms() {
        let json = serde_json::json!({
            "EventID": 3, "Computer": "WS-1.sonha.gov.vn", "DestinationIp": "::ffff:203.0.113.7",
            "QueryName": "a.b.Example.com", "Image": "C:\\Windows\\CMD.EXE",
            "User": "SỞ\\KẾTOÁN", "TargetFilename": "C:\\Báo Cáo ΣΑΣ.docx",
            "Description": "ΟΔΥΣΣΕΥΣ", "DestinationHostname": "Ví-Dụ.Example.VN",
            "Url": "http://[2001:DB8::1]/x", "n": 1.5, "ok": true
        });
        let ev = Event::from_json(&json);
        let mut buf = EventBuf::new();
        buf.fill_from(&ev);
        let view = TermView::new(&FieldMap::default());
        let addresses = ["198.51.100.9".to_string()];
        let terms = view.terms_buf(&buf, Some("WS-1.Sonha.gov.vn"), &addresses);
        assert!(terms
            .iter()
            .any(|(k, v)| *k == Kind::User && v == "sở\\kếtoán"));
        let mut expected: Vec<u64> = terms.iter().map(|(k, v)| crate::term_hash(*k, v)).collect();
        expected.sort_unstable();
        expected.dedup();
        assert_eq!(
            view.hashes_buf(&buf, Some("WS-1.Sonha.gov.vn"), &addresses),
            expected
        );
        assert_eq!(
            terms,
            view.terms(&ev, Some("WS-1.Sonha.gov.vn"), &addresses)
        );
    }
}
