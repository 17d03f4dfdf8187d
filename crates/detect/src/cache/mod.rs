//! A cache of loaded rules, so that start-up does not parse YAML again.
//!
//! Reading the SigmaHQ rules' YAML is two thirds of the start-up. The cache
//! holds what [`EngineBuilder`] has after reading them — every rule as its
//! tree, every refused rule with its reason, the correlations — as compact
//! bytes; the engine is then built from those as from the YAML. The crate
//! does no I/O: [`EngineBuilder::add_yaml_all_cached`] takes the rule texts
//! and the cached bytes (if the caller has some) and says whether they were
//! used, handing back new bytes to store when they were not.
//!
//! The bytes are trusted only when all of these hold: the magic and format
//! byte; a key equal to the digest of this crate's version, the format, the
//! configuration (log-source mapping, placeholders) and every rule file's
//! name and text in order; a digest of the payload equal to the one stored;
//! and a payload that reads to its end without a fault. Anything else is a
//! miss: the YAML is read and the new bytes replace the old.
//!
//! The digests are a 128-bit non-cryptographic hash. They detect change and
//! damage, not forgery: anyone able to write the cache could compute either
//! digest as well, so a cryptographic hash would add nothing there. The
//! cache belongs in a folder only canhgac's own user writes.

mod codec;

use crate::{Config, EngineBuilder};

/// Starts every cache file.
const MAGIC: &[u8; 8] = b"CGSIGMA\0";
/// The payload's format; bump it with any change to the codec or to what
/// the parser produces.
const FORMAT: u8 = 1;
const HEADER: usize = 8 + 1 + 16 + 16;

/// What [`EngineBuilder::add_yaml_all_cached`] did.
#[derive(Debug)]
pub enum CacheUse {
    /// The rules were read from the cached bytes.
    Hit,
    /// The bytes were absent, or made from other rules, or damaged: the YAML
    /// was read; `bytes` are the cache to store for next time.
    Miss { why: Stale, bytes: Vec<u8> },
}

/// Why cached bytes were not used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stale {
    /// No bytes were given.
    Absent,
    /// Not a rule cache, or one of another format.
    Format,
    /// Made from other rule files, another configuration or another version.
    Changed,
    /// The payload does not match its digest or does not read.
    Damaged,
}

impl Stale {
    pub fn as_str(self) -> &'static str {
        match self {
            Stale::Absent => "absent",
            Stale::Format => "format",
            Stale::Changed => "changed",
            Stale::Damaged => "damaged",
        }
    }
}

impl EngineBuilder {
    /// [`EngineBuilder::add_yaml_all`] through a cache: when `cached` holds
    /// bytes made from the same texts (names and contents, in order), the
    /// same configuration and this version of the crate, the rules are read
    /// from them instead of the YAML; otherwise the YAML is read and the
    /// answer carries the bytes to store. Either way the builder ends up
    /// holding the same rules and refusals. Returns how many rules were
    /// accepted, and what the cache did.
    pub fn add_yaml_all_cached<S, T>(
        &mut self,
        items: &[(S, T)],
        cached: Option<&[u8]>,
    ) -> (usize, CacheUse)
    where
        S: AsRef<str> + Sync,
        T: AsRef<str> + Sync,
    {
        let key = key(&self.config, items);
        let why = match cached.map(|b| read(b, &key)) {
            None => Stale::Absent,
            Some(Ok(state)) => {
                let n = state.parsed.len();
                self.report.files += state.files;
                self.report.refused.extend(state.refused);
                self.parsed.extend(state.parsed);
                self.correlations.extend(state.correlations);
                return (n, CacheUse::Hit);
            }
            Some(Err(why)) => why,
        };
        let mut part = EngineBuilder::new(self.config.clone());
        let n = part.add_yaml_all(items);
        let bytes = write(&part, &key);
        self.report.files += part.report.files;
        self.report.refused.extend(part.report.refused);
        self.parsed.extend(part.parsed);
        self.correlations.extend(part.correlations);
        (n, CacheUse::Miss { why, bytes })
    }
}

fn write(b: &EngineBuilder, key: &[u8; 16]) -> Vec<u8> {
    let payload = codec::encode(&b.report, &b.parsed, &b.correlations);
    let mut out = Vec::with_capacity(HEADER + payload.len());
    out.extend_from_slice(MAGIC);
    out.push(FORMAT);
    out.extend_from_slice(key);
    out.extend_from_slice(&digest_bytes(&payload));
    out.extend_from_slice(&payload);
    out
}

fn read(bytes: &[u8], key: &[u8; 16]) -> Result<codec::State, Stale> {
    if bytes.len() < HEADER || &bytes[..8] != MAGIC || bytes[8] != FORMAT {
        return Err(Stale::Format);
    }
    if bytes[9..25] != key[..] {
        return Err(Stale::Changed);
    }
    let payload = &bytes[HEADER..];
    if bytes[25..41] != digest_bytes(payload) {
        return Err(Stale::Damaged);
    }
    codec::decode(payload).ok_or(Stale::Damaged)
}

/// The key of a rule set: crate version, format, configuration, and each
/// text's name and content, every piece length-prefixed.
fn key<S: AsRef<str>, T: AsRef<str>>(config: &Config, items: &[(S, T)]) -> [u8; 16] {
    let mut w = codec::W::default();
    w.s(env!("CARGO_PKG_VERSION"));
    w.u(FORMAT as u64);
    for e in config.logsources.entries() {
        w.u(1);
        for v in [
            &e.logsource.product,
            &e.logsource.category,
            &e.logsource.service,
        ] {
            w.s(v.as_deref().unwrap_or("\u{0}"));
        }
        for k in &e.events {
            w.u(2);
            for (f, vals) in &k.when {
                w.u(3);
                w.s(f);
                w.u(vals.len() as u64);
                vals.iter().for_each(|v| w.s(v));
            }
            for (a, b) in &k.rename {
                w.u(4);
                w.s(a);
                w.s(b);
            }
        }
    }
    let mut ph: Vec<_> = config.placeholders.iter().collect();
    ph.sort();
    for (name, vals) in ph {
        w.u(5);
        w.s(name);
        w.u(vals.len() as u64);
        vals.iter().for_each(|v| w.s(v));
    }
    w.u(6);
    w.u(items.len() as u64);
    let mut d = Digest::new();
    d.update(&w.0);
    for (name, text) in items {
        let (name, text) = (name.as_ref().as_bytes(), text.as_ref().as_bytes());
        d.update(&(name.len() as u64).to_le_bytes());
        d.update(name);
        d.update(&(text.len() as u64).to_le_bytes());
        d.update(text);
    }
    d.finish()
}

fn digest_bytes(b: &[u8]) -> [u8; 16] {
    let mut d = Digest::new();
    d.update(b);
    d.finish()
}

/// A 128-bit streaming hash: two lanes of folded 64×64→128 multiplies over
/// 8-byte words (a few instructions per word), finished by an avalanche.
struct Digest {
    a: u64,
    b: u64,
    len: u64,
    tail: [u8; 8],
    ntail: usize,
}

const K1: u64 = 0xa076_1d64_78bd_642f;
const K2: u64 = 0xe703_7ed1_a0b4_28db;
const K3: u64 = 0x8ebc_6af0_9c88_c6e3;

#[inline]
fn fold(x: u64, y: u64) -> u64 {
    let p = (x as u128).wrapping_mul(y as u128);
    (p as u64) ^ ((p >> 64) as u64)
}

impl Digest {
    fn new() -> Self {
        Digest {
            a: K3,
            b: K3.rotate_left(32),
            len: 0,
            tail: [0; 8],
            ntail: 0,
        }
    }

    #[inline]
    fn word(&mut self, w: u64) {
        self.a = fold(self.a ^ w, K1);
        self.b = fold(self.b ^ w.rotate_left(29), K2);
    }

    fn update(&mut self, mut bytes: &[u8]) {
        self.len = self.len.wrapping_add(bytes.len() as u64);
        if self.ntail > 0 {
            let take = (8 - self.ntail).min(bytes.len());
            self.tail[self.ntail..self.ntail + take].copy_from_slice(&bytes[..take]);
            self.ntail += take;
            bytes = &bytes[take..];
            if self.ntail < 8 {
                return;
            }
            let w = u64::from_le_bytes(self.tail);
            self.word(w);
            self.ntail = 0;
        }
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            self.word(u64::from_le_bytes(w));
        }
        let rest = chunks.remainder();
        self.tail[..rest.len()].copy_from_slice(rest);
        self.ntail = rest.len();
    }

    fn finish(mut self) -> [u8; 16] {
        if self.ntail > 0 {
            let mut t = [0u8; 8];
            t[..self.ntail].copy_from_slice(&self.tail[..self.ntail]);
            self.word(u64::from_le_bytes(t));
        }
        self.word(self.len);
        let a = fold(self.a ^ K2, self.b ^ K3);
        let b = fold(self.b ^ K1, a ^ self.len);
        let mut out = [0u8; 16];
        out[..8].copy_from_slice(&a.to_le_bytes());
        out[8..].copy_from_slice(&b.to_le_bytes());
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digest_splits_alike() {
        let text: Vec<u8> = (0..1000u32).map(|i| (i * 7 % 251) as u8).collect();
        let whole = digest_bytes(&text);
        for cut in [0, 1, 3, 7, 8, 9, 500, 999, 1000] {
            let mut d = Digest::new();
            d.update(&text[..cut]);
            d.update(&text[cut..]);
            assert_eq!(d.finish(), whole, "cut {cut}");
        }
        let mut other = text.clone();
        other[500] ^= 1;
        assert_ne!(digest_bytes(&other), whole);
        assert_ne!(digest_bytes(&text[..999]), whole);
    }

    const RULES: [(&str, &str); 4] = [
        (
            "a.yml",
            r#"
title: every kind of test
id: 11111111-1111-1111-1111-111111111111
status: test
author: a, b
tags: [attack.t1, attack.t2]
logsource: {product: windows, category: process_creation}
detection:
  s1:
    Image|endswith: '\cmd.exe'
    CommandLine|contains|windash: ' -enc '
    ParentImage: 'C:\a*b?c*'
  s2:
    CommandLine|re: '(?i)a[bc]+d'
    DestinationIp|cidr: 10.0.0.0/8
    Port|lt: 1024
    User|fieldref: TargetUser
    Gone|exists: false
    Empty: null
    EventID: 4688
    Pre|startswith: abc
    Mid|contains|base64offset: 'xyz'
    Any: '*'
  kw: [evil, worse]
  condition: (s1 or 1 of s2*) and not kw
level: high
"#,
        ),
        ("b.yml", "title: x\nlogsource: {product: windows}\ndetection:\n  a:\n    X|frobnicate: 1\n  condition: a\n"),
        (
            "c.yml",
            r#"
title: base
id: 22222222-2222-2222-2222-222222222222
name: base
logsource: {product: windows, service: security}
detection:
  s: {EventID: 4625}
  condition: s
---
title: many failures
id: 33333333-3333-3333-3333-333333333333
correlation:
  type: event_count
  rules: [base]
  group-by: [TargetUserName]
  timespan: 5m
  condition: {gte: 10}
"#,
        ),
        ("d.yml", "title: [unclosed\n"),
    ];

    #[test]
    fn damaged_payloads_are_refused_without_panic() {
        let mut b = EngineBuilder::new(Config::default());
        b.add_yaml_all(&RULES);
        assert_eq!(b.parsed.len(), 2);
        assert_eq!(b.correlations.len(), 1);
        assert_eq!(b.report.refused.len(), 2);
        let payload = codec::encode(&b.report, &b.parsed, &b.correlations);
        let back = codec::decode(&payload).expect("reads back");
        assert_eq!(format!("{:?}", back.parsed), format!("{:?}", b.parsed));
        assert_eq!(
            format!("{:?}", back.refused),
            format!("{:?}", b.report.refused)
        );
        assert_eq!(
            format!("{:?}", back.correlations),
            format!("{:?}", b.correlations)
        );
        for cut in 0..payload.len() {
            assert!(codec::decode(&payload[..cut]).is_none(), "cut {cut}");
        }
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        for _ in 0..20_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let mut p = payload.clone();
            let i = (x % p.len() as u64) as usize;
            p[i] = (x >> 32) as u8;
            if x & 1 == 0 {
                let j = ((x >> 8) % p.len() as u64) as usize;
                p[j] = p[j].wrapping_add(1);
            }
            let _ = codec::decode(&p);
        }
    }
}
