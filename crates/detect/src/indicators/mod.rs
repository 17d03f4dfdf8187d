//! Indicators of compromise matched against events: IP addresses and blocks,
//! domains, URLs, file hashes and file names, each with its source, TLP and
//! expiry.
//!
//! ```text
//!  plain list / STIX 2.1 bundle / MISP event ──► load::load ──► Vec<Indicator>
//!  Vec<Indicator> + FieldMap ──► IndicatorSet::build(now) ──► scanner() ──► scan(&Event) ──► [IocHit]
//! ```
//!
//! * **Values** are parsed and refanged by `incident::Observable` (the same
//!   normal form as incident observables).
//! * **Matching.** Addresses and blocks by longest-prefix match
//!   (`netmatch::OwnerTable`, IPv4 and IPv6); a listed domain matches itself
//!   and its subdomains (case-insensitive, a trailing dot ignored); URLs in
//!   their normal form (scheme and host lower case, default port dropped);
//!   MD5, SHA-1, SHA-256 and SHA-512 case-insensitively, also inside Sysmon's
//!   `Hashes` (`SHA1=…,MD5=…,SHA256=…,IMPHASH=…`; the import hash is not a
//!   file hash and is not matched); file names case-insensitively against the
//!   last part of a path. The host of a URL field is also checked against the
//!   domain and address indicators, and a host field holding an address
//!   against the address indicators.
//! * **Fields.** Which event fields each kind is looked for in is data:
//!   [`FieldMap`], embedded from `indicator_fields.yml`, replaceable.
//! * **Expiry.** Indicators already expired when the set is built are left
//!   out ([`BuildStats::expired`]); [`IocScanner::set_now`] moves the clock
//!   for a long-running stream, after which hits of indicators expired by
//!   then are not reported. (A block that expires inside a larger block
//!   that has not still hides it until the set is rebuilt.)
//! * **Duplicates.** The same value listed twice (by two sources) is kept
//!   once, under the first source loaded ([`BuildStats::duplicates`]).

mod fields;
pub mod load;
mod stix;

pub use fields::{FieldMap, DEFAULT_INDICATOR_FIELDS};
pub use incident::{Observable, ObservableKind, Tlp};

use crate::Event;
use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};
use std::net::IpAddr;
use std::sync::Arc;

/// One indicator.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Indicator {
    pub observable: Observable,
    /// Who published it (the file, the STIX identity, the MISP organisation).
    pub source: Arc<str>,
    pub tlp: Tlp,
    /// Unix milliseconds after which it no longer matches.
    pub valid_until: Option<i64>,
    /// The STIX indicator id or MISP attribute uuid, if it has one.
    pub id: Option<String>,
}

impl Indicator {
    /// `indicator: TYPE VALUE (source)`, the name hits are reported under.
    pub fn title(&self) -> String {
        format!(
            "indicator: {} {} ({})",
            self.observable.kind().as_str(),
            self.observable.value(),
            self.source
        )
    }
}

/// Kinds of event field ([`FieldMap`]).
pub(crate) const IP: u8 = 1;
pub(crate) const DOMAIN: u8 = 2;
pub(crate) const URL: u8 = 4;
pub(crate) const HASH: u8 = 8;
pub(crate) const FILE: u8 = 16;

/// A fast non-cryptographic hasher for short keys (the keys are indicator
/// values and field names, not chosen by whoever sends events … or if they
/// are, a collision only costs time).
#[derive(Default, Clone, Copy)]
pub(crate) struct Fx(u64);

impl Hasher for Fx {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            self.add(u64::from_le_bytes(w));
        }
        for &b in chunks.remainder() {
            self.add(b as u64);
        }
    }
    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.add(i as u64);
    }
    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }
    #[inline]
    fn finish(&self) -> u64 {
        self.0
    }
}

impl Fx {
    #[inline]
    fn add(&mut self, w: u64) {
        self.0 = (self.0.rotate_left(5) ^ w).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

pub(crate) type FxMap<K, V> = HashMap<K, V, BuildHasherDefault<Fx>>;
type FxSet<K> = HashSet<K, BuildHasherDefault<Fx>>;

/// What building a set found.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BuildStats {
    pub indicators: usize,
    pub expired: usize,
    pub duplicates: usize,
    /// Kinds no field is matched against (e-mail addresses).
    pub unmatchable: usize,
}

/// Compiled indicators. Immutable and `Send + Sync`: share it and give each
/// thread its own [`IocScanner`].
#[derive(Debug)]
pub struct IndicatorSet {
    indicators: Vec<Indicator>,
    ips: netmatch::OwnerTable<u32>,
    domains: FxMap<Box<str>, u32>,
    urls: FxMap<Box<str>, u32>,
    url_hosts: FxSet<Box<str>>,
    md5: FxMap<[u8; 16], u32>,
    sha1: FxMap<[u8; 20], u32>,
    sha256: FxMap<[u8; 32], u32>,
    sha512: FxMap<[u8; 64], u32>,
    files: FxMap<Box<str>, u32>,
    fields: FieldMap,
    now: i64,
    pub stats: BuildStats,
}

/// One indicator found in one event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IocHit {
    /// Index into [`IndicatorSet::indicators`].
    pub indicator: usize,
    /// Index into the event's [`Event::fields`].
    pub field: usize,
}

/// Hex digit values (0xff: not a digit).
const HEX: [u8; 256] = {
    let mut t = [0xffu8; 256];
    let mut i = 0;
    while i < 10 {
        t[b'0' as usize + i] = i as u8;
        i += 1;
    }
    let mut i = 0;
    while i < 6 {
        t[b'a' as usize + i] = 10 + i as u8;
        t[b'A' as usize + i] = 10 + i as u8;
        i += 1;
    }
    t
};

#[inline]
fn hex_bytes<const N: usize>(s: &[u8]) -> Option<[u8; N]> {
    if s.len() != 2 * N {
        return None;
    }
    let mut out = [0u8; N];
    let mut bad = 0u8;
    for (o, pair) in out.iter_mut().zip(s.chunks_exact(2)) {
        let (h, l) = (HEX[pair[0] as usize], HEX[pair[1] as usize]);
        bad |= h | l;
        *o = (h << 4) | (l & 0x0f);
    }
    (bad & 0xf0 == 0).then_some(out)
}

impl IndicatorSet {
    /// Compiles indicators; those expired at `now_ms` (Unix milliseconds) are left out.
    pub fn build(indicators: Vec<Indicator>, fields: FieldMap, now_ms: i64) -> IndicatorSet {
        let mut set = IndicatorSet {
            indicators: Vec::with_capacity(indicators.len()),
            ips: netmatch::OwnerTable::build(std::iter::empty()),
            domains: FxMap::default(),
            urls: FxMap::default(),
            url_hosts: FxSet::default(),
            md5: FxMap::default(),
            sha1: FxMap::default(),
            sha256: FxMap::default(),
            sha512: FxMap::default(),
            files: FxMap::default(),
            fields,
            now: now_ms,
            stats: BuildStats::default(),
        };
        let mut blocks: FxMap<domain::Cidr, u32> = FxMap::default();
        for ind in indicators {
            if ind.valid_until.is_some_and(|t| t < now_ms) {
                set.stats.expired += 1;
                continue;
            }
            let i = set.indicators.len() as u32;
            let o = &ind.observable;
            let v = o.value();
            let fresh = match o.kind() {
                ObservableKind::Ipv4 | ObservableKind::Ipv6 | ObservableKind::Cidr => {
                    let block = o.cidr().or_else(|| {
                        o.ip().and_then(|ip| {
                            domain::Cidr::new(ip, if ip.is_ipv4() { 32 } else { 128 }).ok()
                        })
                    });
                    match block {
                        Some(b) => insert(&mut blocks, b, i),
                        None => false,
                    }
                }
                ObservableKind::Domain => insert(&mut set.domains, v.into(), i),
                ObservableKind::Url => {
                    if let Some(h) = url_host(v) {
                        set.url_hosts.insert(h.into());
                    }
                    insert(&mut set.urls, v.into(), i)
                }
                ObservableKind::Md5 => {
                    hex_bytes(v.as_bytes()).is_some_and(|k| insert(&mut set.md5, k, i))
                }
                ObservableKind::Sha1 => {
                    hex_bytes(v.as_bytes()).is_some_and(|k| insert(&mut set.sha1, k, i))
                }
                ObservableKind::Sha256 => {
                    hex_bytes(v.as_bytes()).is_some_and(|k| insert(&mut set.sha256, k, i))
                }
                ObservableKind::Sha512 => {
                    hex_bytes(v.as_bytes()).is_some_and(|k| insert(&mut set.sha512, k, i))
                }
                ObservableKind::FileName => insert(&mut set.files, v.to_lowercase().into(), i),
                ObservableKind::Email => {
                    set.stats.unmatchable += 1;
                    continue;
                }
            };
            if fresh {
                set.indicators.push(ind);
            } else {
                set.stats.duplicates += 1;
            }
        }
        set.ips = netmatch::OwnerTable::build(blocks.into_iter().map(|(b, i)| (b, i, 0)));
        set.stats.indicators = set.indicators.len();
        set
    }

    pub fn indicators(&self) -> &[Indicator] {
        &self.indicators
    }
    pub fn len(&self) -> usize {
        self.indicators.len()
    }
    pub fn is_empty(&self) -> bool {
        self.indicators.is_empty()
    }

    /// A scanner (one per thread; reuse it for every event).
    pub fn scanner(&self) -> IocScanner<'_> {
        IocScanner {
            set: self,
            now: self.now,
            name: String::new(),
            low: String::new(),
            out: Vec::new(),
            layout: Vec::new(),
        }
    }

    fn ip(&self, ip: IpAddr) -> Option<u32> {
        self.ips.lookup(ip).map(|(i, _)| *i)
    }

    /// A domain or any domain it is under. `d` is lower case, without a trailing dot.
    fn domain(&self, d: &str) -> Option<u32> {
        let mut rest = d;
        loop {
            if let Some(&i) = self.domains.get(rest) {
                return Some(i);
            }
            // Domains are short: a plain scan beats a vectorised search.
            match rest.bytes().position(|c| c == b'.') {
                Some(p) => rest = &rest[p + 1..],
                None => return None,
            }
        }
    }

    /// A single hash, by its length.
    fn hash(&self, h: &[u8]) -> Option<u32> {
        fn get<const N: usize>(m: &FxMap<[u8; N], u32>, h: &[u8]) -> Option<u32> {
            if m.is_empty() {
                return None;
            }
            hex_bytes(h).and_then(|k| m.get(&k).copied())
        }
        match h.len() {
            32 => get(&self.md5, h),
            40 => get(&self.sha1, h),
            64 => get(&self.sha256, h),
            128 => get(&self.sha512, h),
            _ => None,
        }
    }
}

fn insert<K: std::hash::Hash + Eq>(m: &mut FxMap<K, u32>, k: K, i: u32) -> bool {
    match m.entry(k) {
        std::collections::hash_map::Entry::Occupied(_) => false,
        std::collections::hash_map::Entry::Vacant(e) => {
            e.insert(i);
            true
        }
    }
}

/// The host of a URL (lower case as given; the caller lowercases).
fn url_host(url: &str) -> Option<&str> {
    let rest = url.split_once("://")?.1;
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..end];
    let hostport = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    if let Some(v6) = hostport.strip_prefix('[') {
        return v6.split_once(']').map(|(h, _)| h);
    }
    Some(hostport.split(':').next().unwrap_or(hostport))
}

/// Reusable matching state for one thread. Create with [`IndicatorSet::scanner`].
pub struct IocScanner<'s> {
    set: &'s IndicatorSet,
    now: i64,
    name: String,
    low: String,
    out: Vec<IocHit>,
    /// The previous event's field names and their kinds.
    layout: Vec<(Box<str>, u8)>,
}

impl IocScanner<'_> {
    /// Sets the clock (Unix milliseconds): indicators expired by then no longer hit.
    pub fn set_now(&mut self, now_ms: i64) {
        self.now = now_ms;
    }

    /// The indicators found in one event (valid until the next call).
    pub fn scan(&mut self, ev: &Event) -> &[IocHit] {
        self.scan_fields(ev.fields().iter().map(|(n, v)| {
            let text = match v {
                crate::Value::Str(s) => Some(&**s),
                _ => None,
            };
            (&**n, text)
        }))
    }

    /// [`scan`](Self::scan) for an [`EventBuf`](crate::EventBuf) (the
    /// allocation-free reading path); [`IocHit::field`] indexes its fields.
    pub fn scan_buf(&mut self, ev: &crate::EventBuf) -> &[IocHit] {
        self.scan_fields(ev.fields().map(|(n, v)| {
            let text = match v {
                crate::event::ValueRef::Str(s) => Some(s),
                _ => None,
            };
            (n, text)
        }))
    }

    fn scan_fields<'v>(
        &mut self,
        fields: impl Iterator<Item = (&'v str, Option<&'v str>)>,
    ) -> &[IocHit] {
        self.out.clear();
        let set = self.set;
        if set.indicators.is_empty() {
            return &self.out;
        }
        for (fi, (name, value)) in fields.enumerate() {
            // Events of one stream mostly share their layout: the kinds of the
            // field at the same place in the previous event are reused.
            let kinds = match self.layout.get(fi) {
                Some((n, k)) if **n == *name => *k,
                _ => {
                    let k = set.fields.kinds(name, &mut self.name);
                    if fi < self.layout.len() {
                        self.layout[fi] = (name.into(), k);
                    } else if fi == self.layout.len() && fi < 256 {
                        self.layout.push((name.into(), k));
                    }
                    k
                }
            };
            if kinds == 0 {
                continue;
            }
            let Some(v) = value else {
                continue;
            };
            let v = trim(v);
            if v.is_empty() || v.len() > 8192 {
                continue;
            }
            if kinds & IP != 0 {
                if let Some(ip) = parse_ip(v) {
                    self.push(set.ip(ip), fi);
                    continue;
                }
            }
            if kinds & DOMAIN != 0 {
                let mut d = v;
                while let Some(rest) = d.strip_suffix('.') {
                    d = rest;
                }
                lower_into(&mut self.low, d);
                let maybe_ip = self.low.as_bytes().first().is_some_and(u8::is_ascii_digit)
                    || self.low.as_bytes().contains(&b':');
                if let Some(ip) = maybe_ip.then(|| parse_ip(&self.low)).flatten() {
                    self.push(set.ip(ip), fi);
                } else {
                    let hit = set.domain(&self.low);
                    self.push(hit, fi);
                }
            }
            if kinds & URL != 0 && memchr::memmem::find(v.as_bytes(), b"://").is_some() {
                self.url(v, fi);
            }
            if kinds & HASH != 0 {
                let b = v.as_bytes();
                if memchr::memchr(b'=', b).is_some() {
                    // `SHA1=…,MD5=…,SHA256=…,IMPHASH=…` (Sysmon), `;` also
                    // separating: split on ASCII bytes, which never occur
                    // inside a multi-byte character.
                    let ends = memchr::memchr2_iter(b',', b';', b).chain([b.len()]);
                    let mut start = 0;
                    for end in ends {
                        let part = &b[start..end];
                        start = end + 1;
                        let Some(eq) = memchr::memchr(b'=', part) else {
                            continue;
                        };
                        if part[..eq].trim_ascii().eq_ignore_ascii_case(b"imphash") {
                            continue;
                        }
                        let hit = set.hash(part[eq + 1..].trim_ascii());
                        self.push(hit, fi);
                    }
                } else {
                    let hit = set.hash(b);
                    self.push(hit, fi);
                }
            }
            if kinds & FILE != 0 && !set.files.is_empty() {
                let base = match memchr::memrchr2(b'\\', b'/', v.as_bytes()) {
                    Some(i) => &v[i + 1..],
                    None => v,
                };
                lower_into(&mut self.low, base);
                let hit = set.files.get(self.low.as_str()).copied();
                self.push(hit, fi);
            }
        }
        &self.out
    }

    fn url(&mut self, v: &str, fi: usize) {
        let set = self.set;
        lower_into(&mut self.low, v);
        let Some(host) = url_host(&self.low) else {
            return;
        };
        let host = host.trim_end_matches('.').to_string();
        if let Ok(ip) = host.parse::<IpAddr>() {
            self.push(set.ip(ip), fi);
        } else {
            let hit = set.domain(&host);
            self.push(hit, fi);
        }
        if set.url_hosts.contains(host.as_str()) {
            if let Ok(o) = Observable::parse_as(ObservableKind::Url, v) {
                let hit = set.urls.get(o.value()).copied();
                self.push(hit, fi);
            }
        }
    }

    #[inline]
    fn push(&mut self, hit: Option<u32>, field: usize) {
        let Some(i) = hit else { return };
        let ind = &self.set.indicators[i as usize];
        if ind.valid_until.is_some_and(|t| t < self.now) {
            return;
        }
        let h = IocHit {
            indicator: i as usize,
            field,
        };
        if !self.out.contains(&h) {
            self.out.push(h);
        }
    }
}

/// `str::trim`, without decoding characters when both ends are ASCII and
/// not blank (nearly every value).
#[inline]
fn trim(v: &str) -> &str {
    let b = v.as_bytes();
    match (b.first(), b.last()) {
        (Some(&f), Some(&l))
            if f.is_ascii()
                && !f.is_ascii_whitespace()
                && l.is_ascii()
                && !l.is_ascii_whitespace() =>
        {
            v
        }
        _ => v.trim(),
    }
}

/// An IP address: dotted IPv4 read directly (the common case), anything
/// else by the standard parser.
#[inline]
pub(crate) fn parse_ip(v: &str) -> Option<IpAddr> {
    let b = v.as_bytes();
    if b.len() > 15 || b.contains(&b':') {
        return v.parse().ok();
    }
    let mut octets = [0u8; 4];
    let mut n = 0usize;
    let mut acc: u32 = 0;
    let mut digits = 0usize;
    for &c in b {
        match c {
            b'0'..=b'9' => {
                // No leading zeros, as the standard parser.
                if digits == 1 && acc == 0 {
                    return None;
                }
                acc = acc * 10 + u32::from(c - b'0');
                digits += 1;
                if acc > 255 {
                    return None;
                }
            }
            b'.' if digits > 0 && n < 3 => {
                octets[n] = acc as u8;
                n += 1;
                acc = 0;
                digits = 0;
            }
            _ => return None,
        }
    }
    if n != 3 || digits == 0 {
        return None;
    }
    octets[3] = acc as u8;
    Some(IpAddr::V4(std::net::Ipv4Addr::from(octets)))
}

/// Lowercases ASCII into a reused buffer (other characters as they are).
#[inline]
pub(crate) fn lower_into(buf: &mut String, s: &str) {
    buf.clear();
    buf.push_str(s);
    buf.make_ascii_lowercase();
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn addresses_read_as_the_standard_parser_reads_them() {
        for s in [
            "10.20.30.40",
            "0.0.0.0",
            "255.255.255.255",
            "256.1.1.1",
            "01.2.3.4",
            "1.2.3",
            "1.2.3.4.5",
            "1..2.3",
            ".1.2.3",
            "1.2.3.",
            "1.2.3.04",
            "1.2.3.0",
            "::1",
            "2001:db8::1",
            "::ffff:1.2.3.4",
            "1.2.3.4 ",
            "",
            "a.b.c.d",
            "1000.1.1.1",
            "123.123.123.123",
        ] {
            assert_eq!(parse_ip(s), s.parse().ok(), "{s:?}");
        }
    }

    proptest! {
        #[test]
        fn any_dotted_text_reads_as_the_standard_parser_reads_it(s in "[0-9.:a-f]{0,18}") {
            prop_assert_eq!(parse_ip(&s), s.parse().ok());
        }

        #[test]
        fn trimming_is_str_trim(s in "\\PC{0,6}[ \t\u{a0}\u{3000}]{0,2}") {
            prop_assert_eq!(trim(&s), s.trim());
            let t = format!(" {s}");
            prop_assert_eq!(trim(&t), t.trim());
        }
    }
}
