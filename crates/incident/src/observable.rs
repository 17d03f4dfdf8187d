//! Observables (IP addresses, domains, URLs, hashes, e-mail addresses, file
//! names) with their TLP, parsed from what an analyst pastes.
//!
//! **Detection** ([`Observable::detect`], also `FromStr`) takes the text
//! trimmed and *refanged* (`hxxp://`, `[.]`, `(.)`, `[dot]`, `[@]`, `[at]`,
//! `[:]` are undone) and decides, in this order:
//! 1. contains `://` → a URL (`http`, `https`, `ftp`; a host is required);
//!    `mailto:` → an e-mail address;
//! 2. only hex digits → a hash by length (32 MD5, 40 SHA-1, 64 SHA-256,
//!    128 SHA-512); 16 or more hex digits of another length are refused;
//! 3. `address/prefix` → a CIDR block (`/32` and `/128` become the address);
//! 4. an IPv4 or IPv6 address (std parsing; `[v6]` accepted); digits and dots
//!    that are no IPv4 address (`1.2.3.999`) are refused, not taken for a
//!    domain;
//! 5. contains `@` → an e-mail address;
//! 6. a name ending in a known file extension (`.exe`, `.dll`, `.docx`,
//!    `.php`, … see `FILE_EXTENSIONS`) → a file name; for the few extensions
//!    that are also top-level domains (`.zip`, `.mov`, `.sh`, `.py`, `.pl`,
//!    `.so`, `.one`, …) only when the name has a single dot (`invoice.zip`,
//!    but `abc.com.py` is a domain); `.com` is never taken for a file;
//! 7. a domain name (`domain::DomainName`, with a top-level label that starts
//!    with a letter);
//! 8. anything else is refused: a bare word like `abc` could be anything, so
//!    the caller names the kind with [`Observable::parse_as`] (a file name
//!    without an extension, say).
//!
//! **Normal form**: addresses as std prints them, blocks as `domain::Cidr`
//! prints them, domains, e-mail addresses, hashes, URL schemes and hosts in
//! lower case, URL default ports dropped and an empty path written `/`; file
//! names as given. The normal form parses back to the same observable.

use domain::text_enum;
use domain::{Cidr, DomainName, Email};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

text_enum! {
    /// What an observable is.
    ObservableKind {
        Ipv4 => "ipv4", "Địa chỉ IPv4", "IPv4 address";
        Ipv6 => "ipv6", "Địa chỉ IPv6", "IPv6 address";
        Cidr => "cidr", "Dải địa chỉ IP (CIDR)", "Address block (CIDR)";
        Domain => "domain", "Tên miền", "Domain name";
        Url => "url", "Đường dẫn (URL)", "URL";
        Email => "email", "Địa chỉ thư điện tử", "E-mail address";
        Md5 => "md5", "Mã băm MD5", "MD5 hash";
        Sha1 => "sha1", "Mã băm SHA-1", "SHA-1 hash";
        Sha256 => "sha256", "Mã băm SHA-256", "SHA-256 hash";
        Sha512 => "sha512", "Mã băm SHA-512", "SHA-512 hash";
        FileName => "file_name", "Tên tệp", "File name";
    }
}

impl ObservableKind {
    pub fn is_hash(self) -> bool {
        matches!(
            self,
            ObservableKind::Md5
                | ObservableKind::Sha1
                | ObservableKind::Sha256
                | ObservableKind::Sha512
        )
    }
    pub fn is_network(self) -> bool {
        matches!(
            self,
            ObservableKind::Ipv4 | ObservableKind::Ipv6 | ObservableKind::Cidr
        )
    }
    /// The hex length of a hash kind.
    pub fn hash_len(self) -> Option<usize> {
        match self {
            ObservableKind::Md5 => Some(32),
            ObservableKind::Sha1 => Some(40),
            ObservableKind::Sha256 => Some(64),
            ObservableKind::Sha512 => Some(128),
            _ => None,
        }
    }
}

/// Traffic Light Protocol 2.0 (FIRST), from the least to the most restricted:
/// `Clear < Green < Amber < AmberStrict < Red`. Codes: `clear`, `green`,
/// `amber`, `amber_strict`, `red`; parsing also takes `TLP:AMBER+STRICT`,
/// `amber+strict` and the TLP 1.0 name `white` (= clear).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub enum Tlp {
    Clear,
    Green,
    #[default]
    Amber,
    AmberStrict,
    Red,
}

impl Tlp {
    pub const ALL: &'static [Tlp] = &[
        Tlp::Clear,
        Tlp::Green,
        Tlp::Amber,
        Tlp::AmberStrict,
        Tlp::Red,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Tlp::Clear => "clear",
            Tlp::Green => "green",
            Tlp::Amber => "amber",
            Tlp::AmberStrict => "amber_strict",
            Tlp::Red => "red",
        }
    }
    pub fn label_vi(self) -> &'static str {
        match self {
            Tlp::Clear => "TLP:CLEAR – Công khai",
            Tlp::Green => "TLP:GREEN – Chia sẻ trong cộng đồng",
            Tlp::Amber => "TLP:AMBER – Hạn chế trong tổ chức và đối tác cần biết",
            Tlp::AmberStrict => "TLP:AMBER+STRICT – Chỉ trong tổ chức",
            Tlp::Red => "TLP:RED – Chỉ người được nêu tên",
        }
    }
    /// The official name: `TLP:AMBER+STRICT`.
    pub fn label_en(self) -> &'static str {
        match self {
            Tlp::Clear => "TLP:CLEAR",
            Tlp::Green => "TLP:GREEN",
            Tlp::Amber => "TLP:AMBER",
            Tlp::AmberStrict => "TLP:AMBER+STRICT",
            Tlp::Red => "TLP:RED",
        }
    }
    pub fn codes() -> String {
        Tlp::ALL
            .iter()
            .map(|t| t.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }
    /// The value of the TLP 2.0 STIX extension and MISP tag: `amber+strict`.
    pub fn tlp2_value(self) -> &'static str {
        match self {
            Tlp::AmberStrict => "amber+strict",
            other => other.as_str(),
        }
    }
    /// The MISP taxonomy tag: `tlp:amber+strict`.
    pub fn misp_tag(self) -> String {
        format!("tlp:{}", self.tlp2_value())
    }
    /// The STIX 2.1 marking-definition id published with the TLP 2.0 extension
    /// (OASIS cti-stix-common-objects, extension-definition
    /// `60a3c5c5-0d10-413e-aab3-9e08dde9e88d`).
    pub fn stix_marking_id(self) -> &'static str {
        match self {
            Tlp::Clear => "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
            Tlp::Green => "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
            Tlp::Amber => "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
            Tlp::AmberStrict => "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
            Tlp::Red => "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
        }
    }
    /// MISP distribution level: clear → 3 (all communities), green → 1 (this
    /// community), amber, amber+strict and red → 0 (your organisation only).
    /// Sending amber to a sharing group is the recipient platform's decision.
    pub fn misp_distribution(self) -> u8 {
        match self {
            Tlp::Clear => 3,
            Tlp::Green => 1,
            Tlp::Amber | Tlp::AmberStrict | Tlp::Red => 0,
        }
    }
}

impl FromStr for Tlp {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let t = s.trim();
        if let Some(x) = Tlp::ALL.iter().find(|x| t == x.label_vi()) {
            return Ok(*x);
        }
        let lower = t.to_ascii_lowercase();
        let bare = lower
            .strip_prefix("tlp:")
            .or_else(|| lower.strip_prefix("tlp "))
            .or_else(|| lower.strip_prefix("tlp_"))
            .unwrap_or(&lower)
            .trim();
        match bare {
            "clear" | "white" => Ok(Tlp::Clear),
            "green" => Ok(Tlp::Green),
            "amber" => Ok(Tlp::Amber),
            "amber_strict" | "amber+strict" | "amber-strict" | "amber strict" => {
                Ok(Tlp::AmberStrict)
            }
            "red" => Ok(Tlp::Red),
            _ => Err(format!("'{t}' is not one of: {}", Tlp::codes())),
        }
    }
}

impl fmt::Display for Tlp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Tlp {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Tlp {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// Whether someone may see an item marked `tlp`: TLP:RED only for the people
/// named on it (`viewer_is_named`); every other level for anyone who may see
/// the incident at all (the caller's scope check).
pub fn visible(tlp: Tlp, viewer_is_named: bool) -> bool {
    tlp != Tlp::Red || viewer_is_named
}

/// Longest observable text accepted.
pub const MAX_LEN: usize = 4096;
/// Longest file name (most file systems: 255).
pub const MAX_FILE_NAME: usize = 255;

/// Why a text is not an observable (of the kind asked). `Display` is English;
/// [`ObservableError::message_vi`] is Vietnamese.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ObservableError {
    #[error("the value is empty")]
    Empty,
    #[error("the value is longer than {MAX_LEN} characters")]
    TooLong,
    #[error("'{}' is not a valid {}", .0, .1.label_en())]
    Invalid(String, ObservableKind),
    #[error("'{input}' is not a valid URL: {reason}")]
    BadUrl { input: String, reason: String },
    #[error("'{input}': {reason}")]
    BadCidr { input: String, reason: String },
    #[error("'{input}' has {len} hex digits: a hash has 32 (MD5), 40 (SHA-1), 64 (SHA-256) or 128 (SHA-512)")]
    BadHashLength { input: String, len: usize },
    #[error("'{0}': an internationalised domain name must be written in punycode (xn--…)")]
    NotPunycode(String),
    #[error("cannot tell what '{0}' is; choose its type (for example file name)")]
    Unrecognised(String),
}

impl ObservableError {
    pub fn message_vi(&self) -> String {
        match self {
            ObservableError::Empty => "Giá trị đang để trống".into(),
            ObservableError::TooLong => format!("Giá trị dài quá {MAX_LEN} ký tự"),
            ObservableError::Invalid(t, k) => {
                format!("'{t}' không phải {} hợp lệ", k.label_vi().to_lowercase())
            }
            ObservableError::BadUrl { input, reason } => {
                format!("'{input}' không phải đường dẫn (URL) hợp lệ: {reason}")
            }
            ObservableError::BadCidr { input, reason } => {
                format!("'{input}' không phải dải địa chỉ hợp lệ: {reason}")
            }
            ObservableError::BadHashLength { input, len } => format!(
                "'{input}' có {len} chữ số hệ 16: mã băm có 32 (MD5), 40 (SHA-1), 64 (SHA-256) hoặc 128 (SHA-512)"
            ),
            ObservableError::NotPunycode(t) => {
                format!("'{t}': tên miền tiếng Việt cần viết ở dạng punycode (xn--…)")
            }
            ObservableError::Unrecognised(t) => {
                format!("Không xác định được '{t}' là gì; hãy chọn loại (ví dụ: tên tệp)")
            }
        }
    }
}

/// One observable in its normal form. Built only by parsing, so it is valid.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Observable {
    kind: ObservableKind,
    value: String,
}

impl Observable {
    pub fn kind(&self) -> ObservableKind {
        self.kind
    }
    /// The normal form.
    pub fn value(&self) -> &str {
        &self.value
    }

    /// Detects the kind (see the module documentation).
    pub fn detect(text: &str) -> Result<Observable, ObservableError> {
        let t = precheck(text)?;
        let r = refang(t);
        let t = r.as_str();
        let lower = t.to_ascii_lowercase();
        if t.contains("://") {
            return parse_url(t).map(|v| Observable::new(ObservableKind::Url, v));
        }
        if lower.starts_with("mailto:") {
            return parse_email(t).map(|v| Observable::new(ObservableKind::Email, v));
        }
        if t.bytes().all(|b| b.is_ascii_hexdigit()) {
            let kind = match t.len() {
                32 => Some(ObservableKind::Md5),
                40 => Some(ObservableKind::Sha1),
                64 => Some(ObservableKind::Sha256),
                128 => Some(ObservableKind::Sha512),
                _ => None,
            };
            if let Some(kind) = kind {
                return Ok(Observable::new(kind, lower));
            }
            if t.len() >= 16 {
                return Err(ObservableError::BadHashLength {
                    input: t.to_string(),
                    len: t.len(),
                });
            }
        }
        if let Some((addr, _)) = t.split_once('/') {
            if addr.parse::<IpAddr>().is_ok() {
                return parse_cidr(t, true);
            }
        }
        if let Some(ip) = parse_ip(t) {
            return Ok(Observable::from_ip(ip));
        }
        if looks_ipv4(t) {
            return Err(ObservableError::Invalid(
                t.to_string(),
                ObservableKind::Ipv4,
            ));
        }
        if looks_ipv6(t) {
            return Err(ObservableError::Invalid(
                t.to_string(),
                ObservableKind::Ipv6,
            ));
        }
        if t.contains('@') {
            return parse_email(t).map(|v| Observable::new(ObservableKind::Email, v));
        }
        if has_file_extension(t) && file_name_ok(t) {
            return Ok(Observable::new(ObservableKind::FileName, t.to_string()));
        }
        if let Some(d) = parse_domain(t) {
            return Ok(Observable::new(ObservableKind::Domain, d));
        }
        if !t.is_ascii()
            && t.contains('.')
            && !t.chars().any(char::is_whitespace)
            && t.rsplit('.')
                .next()
                .is_some_and(|tld| tld.len() >= 2 && tld.chars().all(|c| c.is_ascii_alphabetic()))
        {
            return Err(ObservableError::NotPunycode(t.to_string()));
        }
        Err(ObservableError::Unrecognised(t.to_string()))
    }

    /// Parses `text` as the given kind. File names are taken as written (no
    /// refanging); other kinds accept defanged text like [`detect`](Self::detect).
    pub fn parse_as(kind: ObservableKind, text: &str) -> Result<Observable, ObservableError> {
        let raw = precheck(text)?;
        let r = refang(raw);
        let t = r.as_str();
        let invalid = || ObservableError::Invalid(t.to_string(), kind);
        match kind {
            ObservableKind::FileName => {
                if file_name_ok(raw) {
                    Ok(Observable::new(kind, raw.to_string()))
                } else {
                    Err(ObservableError::Invalid(raw.to_string(), kind))
                }
            }
            ObservableKind::Ipv4 => parse_ip(t)
                .filter(IpAddr::is_ipv4)
                .map(Observable::from_ip)
                .ok_or_else(invalid),
            ObservableKind::Ipv6 => parse_ip(t)
                .filter(IpAddr::is_ipv6)
                .map(Observable::from_ip)
                .ok_or_else(invalid),
            ObservableKind::Cidr => parse_cidr(t, false),
            ObservableKind::Domain => parse_domain(t)
                .map(|d| Observable::new(kind, d))
                .ok_or_else(invalid),
            ObservableKind::Url => parse_url(t).map(|v| Observable::new(kind, v)),
            ObservableKind::Email => parse_email(t).map(|v| Observable::new(kind, v)),
            ObservableKind::Md5
            | ObservableKind::Sha1
            | ObservableKind::Sha256
            | ObservableKind::Sha512 => {
                if Some(t.len()) == kind.hash_len() && t.bytes().all(|b| b.is_ascii_hexdigit()) {
                    Ok(Observable::new(kind, t.to_ascii_lowercase()))
                } else {
                    Err(invalid())
                }
            }
        }
    }

    /// Parses with the kind if one is given, else detects it.
    pub fn parse(kind: Option<ObservableKind>, text: &str) -> Result<Observable, ObservableError> {
        match kind {
            Some(k) => Observable::parse_as(k, text),
            None => Observable::detect(text),
        }
    }

    pub fn from_ip(ip: IpAddr) -> Observable {
        match ip {
            IpAddr::V4(a) => Observable::new(ObservableKind::Ipv4, a.to_string()),
            IpAddr::V6(a) => Observable::new(ObservableKind::Ipv6, a.to_string()),
        }
    }

    /// The SHA-256 of an evidence file as an observable.
    pub fn sha256(digest: &crate::report::Sha256Digest) -> Observable {
        Observable::new(ObservableKind::Sha256, digest.to_string())
    }

    fn new(kind: ObservableKind, value: String) -> Observable {
        Observable { kind, value }
    }

    /// The address, for an IPv4 or IPv6 observable.
    pub fn ip(&self) -> Option<IpAddr> {
        match self.kind {
            ObservableKind::Ipv4 | ObservableKind::Ipv6 => self.value.parse().ok(),
            _ => None,
        }
    }

    /// The block, for a CIDR observable.
    pub fn cidr(&self) -> Option<Cidr> {
        match self.kind {
            ObservableKind::Cidr => self.value.parse().ok(),
            _ => None,
        }
    }

    /// The host of a URL or the domain of an e-mail address, as an observable
    /// of its own (domain or address).
    pub fn host(&self) -> Option<Observable> {
        match self.kind {
            ObservableKind::Url => {
                let rest = self.value.split_once("://")?.1;
                let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
                let authority = &rest[..end];
                let hostport = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
                let host = if let Some(v6) = hostport.strip_prefix('[') {
                    v6.split_once(']')?.0
                } else {
                    hostport.split(':').next()?
                };
                Observable::detect(host).ok()
            }
            ObservableKind::Email => {
                let domain = self.value.rsplit_once('@')?.1;
                Observable::parse_as(ObservableKind::Domain, domain).ok()
            }
            _ => None,
        }
    }

    /// The keys under which this observable meets other incidents and botnet
    /// listings: itself, plus the host of a URL or the domain of an e-mail
    /// address. (Blocks are matched against addresses with [`covers`](Self::covers).)
    pub fn correlation_keys(&self) -> Vec<Observable> {
        let mut keys = vec![self.clone()];
        if let Some(h) = self.host() {
            keys.push(h);
        }
        keys
    }

    /// Whether `other` is this observable or falls inside it (an address in a
    /// block, a block inside a block).
    pub fn covers(&self, other: &Observable) -> bool {
        if self == other {
            return true;
        }
        let Some(block) = self.cidr() else {
            return false;
        };
        if let Some(ip) = other.ip() {
            return block.contains(ip);
        }
        other
            .cidr()
            .is_some_and(|inner| inner.prefix() >= block.prefix() && block.contains(inner.addr()))
    }

    /// Whether the address or block is only meaningful inside a network
    /// (private, loopback, link-local, unspecified, …): never an indicator to
    /// block elsewhere.
    pub fn is_internal_address(&self) -> bool {
        let ip = match (self.ip(), self.cidr()) {
            (Some(ip), _) => ip,
            (None, Some(c)) => c.addr(),
            _ => return false,
        };
        match ip {
            IpAddr::V4(a) => {
                a.is_private()
                    || a.is_loopback()
                    || a.is_link_local()
                    || a.is_unspecified()
                    || a.is_broadcast()
                    // 100.64.0.0/10, carrier-grade NAT.
                    || (a.octets()[0] == 100 && (a.octets()[1] & 0xc0) == 64)
            }
            IpAddr::V6(a) => {
                let first = a.segments()[0];
                a.is_loopback()
                    || a.is_unspecified()
                    || (first & 0xfe00) == 0xfc00 // unique local
                    || (first & 0xffc0) == 0xfe80 // link local
                    || a.to_ipv4_mapped().is_some_and(|v4| {
                        Observable::from_ip(IpAddr::V4(v4)).is_internal_address()
                    })
            }
        }
    }
}

impl FromStr for Observable {
    type Err = ObservableError;
    fn from_str(s: &str) -> Result<Self, ObservableError> {
        Observable::detect(s)
    }
}

impl fmt::Display for Observable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.value)
    }
}

#[derive(Serialize, Deserialize)]
struct ObservableRepr {
    kind: ObservableKind,
    value: String,
}

impl Serialize for Observable {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        ObservableRepr {
            kind: self.kind,
            value: self.value.clone(),
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for Observable {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let r = ObservableRepr::deserialize(d)?;
        Observable::parse_as(r.kind, &r.value).map_err(serde::de::Error::custom)
    }
}

fn precheck(text: &str) -> Result<&str, ObservableError> {
    let t = text.trim();
    if t.is_empty() {
        return Err(ObservableError::Empty);
    }
    if t.chars().count() > MAX_LEN {
        return Err(ObservableError::TooLong);
    }
    Ok(t)
}

/// Undoes the usual defanging, to a fixed point (so that the result refangs
/// to itself). Every replacement shortens the text, so this ends.
fn refang(t: &str) -> String {
    const PAIRS: [(&str, &str); 10] = [
        ("[.]", "."),
        ("(.)", "."),
        ("{.}", "."),
        ("[dot]", "."),
        ("(dot)", "."),
        ("[@]", "@"),
        ("[at]", "@"),
        ("(at)", "@"),
        ("[:]", ":"),
        ("[://]", "://"),
    ];
    let mut s = t.to_string();
    while let Some((from, to)) = PAIRS.iter().find(|(from, _)| s.contains(from)) {
        s = s.replace(from, to);
    }
    let lower = s.to_ascii_lowercase();
    for (from, to) in [
        ("hxxps://", "https://"),
        ("hxxp://", "http://"),
        ("fxp://", "ftp://"),
    ] {
        if lower.starts_with(from) {
            s = format!("{to}{}", &s[from.len()..]);
            break;
        }
    }
    s
}

fn parse_ip(t: &str) -> Option<IpAddr> {
    let inner = t
        .strip_prefix('[')
        .and_then(|x| x.strip_suffix(']'))
        .unwrap_or(t);
    if let Ok(v4) = inner.parse::<Ipv4Addr>() {
        return Some(IpAddr::V4(v4));
    }
    if inner.contains(':') {
        return inner.parse::<Ipv6Addr>().ok().map(IpAddr::V6);
    }
    None
}

/// Digits and dots with at least one dot: meant as an IPv4 address.
fn looks_ipv4(t: &str) -> bool {
    t.contains('.') && t.bytes().all(|b| b.is_ascii_digit() || b == b'.')
}

/// Letters, digits, colons (and dots for an embedded IPv4 part), with two
/// colons: meant as an IPv6 address.
fn looks_ipv6(t: &str) -> bool {
    t.matches(':').count() >= 2
        && t.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b':' || b == b'.' || b == b'[' || b == b']')
}

fn parse_cidr(t: &str, collapse_host: bool) -> Result<Observable, ObservableError> {
    let c: Cidr = t.parse().map_err(|e: String| ObservableError::BadCidr {
        input: t.to_string(),
        reason: e,
    })?;
    let full = if c.addr().is_ipv4() { 32 } else { 128 };
    if collapse_host && c.prefix() == full {
        return Ok(Observable::from_ip(c.addr()));
    }
    Ok(Observable::new(ObservableKind::Cidr, c.to_string()))
}

/// A DNS name: `domain::DomainName`, not all-numeric, with a top-level label
/// of two or more characters starting with a letter.
fn parse_domain(t: &str) -> Option<String> {
    if looks_ipv4(t) {
        return None;
    }
    let d: DomainName = t.parse().ok()?;
    let s = d.as_str();
    let tld = s.rsplit('.').next()?;
    let tld_ok = tld.len() >= 2 && tld.starts_with(|c: char| c.is_ascii_alphabetic());
    tld_ok.then(|| s.to_string())
}

fn parse_email(t: &str) -> Result<String, ObservableError> {
    let mut bare = t;
    while bare.len() >= 7 && bare.is_char_boundary(7) && bare[..7].eq_ignore_ascii_case("mailto:") {
        bare = &bare[7..];
    }
    let invalid = || ObservableError::Invalid(t.to_string(), ObservableKind::Email);
    let e: Email = bare.parse().map_err(|_| invalid())?;
    let (local, dom) = e.as_str().rsplit_once('@').ok_or_else(invalid)?;
    if local.chars().any(char::is_control) {
        return Err(invalid());
    }
    parse_domain(dom).ok_or_else(invalid)?;
    Ok(e.as_str().to_string())
}

fn parse_url(t: &str) -> Result<String, ObservableError> {
    let bad = |reason: &str| ObservableError::BadUrl {
        input: t.to_string(),
        reason: reason.to_string(),
    };
    let (scheme, rest) = t.split_once("://").ok_or_else(|| bad("no scheme"))?;
    let scheme = scheme.to_ascii_lowercase();
    let default_port = match scheme.as_str() {
        "http" => 80,
        "https" => 443,
        "ftp" => 21,
        _ => return Err(bad("only http, https and ftp URLs are accepted")),
    };
    if t.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(bad("it contains spaces or control characters"));
    }
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    if authority.is_empty() {
        return Err(bad("it has no host"));
    }
    let (userinfo, hostport) = match authority.rsplit_once('@') {
        Some((u, h)) if !u.is_empty() => (Some(u), h),
        Some(_) => return Err(bad("the user part before '@' is empty")),
        None => (None, authority),
    };
    let (host_text, port_text) = if let Some(v6) = hostport.strip_prefix('[') {
        let (h, after) = v6
            .split_once(']')
            .ok_or_else(|| bad("unclosed '[' in the host"))?;
        let port = match after {
            "" => None,
            p => Some(
                p.strip_prefix(':')
                    .ok_or_else(|| bad("text after the IPv6 host"))?,
            ),
        };
        (h, port)
    } else {
        match hostport.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (hostport, None),
        }
    };
    if host_text.is_empty() {
        return Err(bad("it has no host"));
    }
    let host = if hostport.starts_with('[') {
        match host_text.parse::<Ipv6Addr>() {
            Ok(a) => format!("[{a}]"),
            Err(_) => return Err(bad(&format!("'{host_text}' is not an IPv6 address"))),
        }
    } else if let Ok(a) = host_text.parse::<Ipv4Addr>() {
        a.to_string()
    } else if looks_ipv4(host_text) {
        return Err(bad(&format!("'{host_text}' is not an IPv4 address")));
    } else {
        parse_domain(host_text).ok_or_else(|| bad(&format!("'{host_text}' is not a host name")))?
    };
    let port = match port_text {
        None | Some("") => None,
        Some(p) => match p.parse::<u16>() {
            Ok(n) if n > 0 && p.bytes().all(|b| b.is_ascii_digit()) => {
                (n != default_port).then_some(n)
            }
            _ => return Err(bad(&format!("'{p}' is not a port"))),
        },
    };
    let mut out = format!("{scheme}://");
    if let Some(u) = userinfo {
        out.push_str(u);
        out.push('@');
    }
    out.push_str(&host);
    if let Some(p) = port {
        out.push(':');
        out.push_str(&p.to_string());
    }
    if !tail.starts_with('/') {
        out.push('/');
    }
    out.push_str(tail);
    Ok(out)
}

/// Extensions that make a name a file name when detecting. Kept to what
/// incident reports name: executables, scripts, documents, archives, disk
/// images and web shells.
const FILE_EXTENSIONS: &[&str] = &[
    "exe", "dll", "sys", "scr", "com", "cpl", "ocx", "msi", "msp", "bat", "cmd", "ps1", "psm1",
    "vbs", "vbe", "js", "jse", "wsf", "hta", "lnk", "jar", "class", "apk", "elf", "bin", "so",
    "sh", "py", "pl", "doc", "docx", "docm", "dot", "dotm", "xls", "xlsx", "xlsm", "xlsb", "ppt",
    "pptx", "pptm", "rtf", "pdf", "one", "txt", "csv", "zip", "rar", "7z", "gz", "tgz", "tar",
    "bz2", "xz", "cab", "iso", "img", "vhd", "vhdx", "php", "phtml", "asp", "aspx", "ashx", "jsp",
    "jspx", "cgi", "tmp", "dat", "log", "ini", "cfg", "db", "sql", "bak", "mov",
];

/// Extensions that are also top-level domains: a file name only when the name
/// has a single dot. (`com` is left out: `example.com` is a domain; `.com`
/// files must be named with the explicit kind.)
const AMBIGUOUS_EXTENSIONS: &[&str] = &["zip", "mov", "sh", "py", "one", "so", "pl", "bin", "db"];

fn has_file_extension(t: &str) -> bool {
    let Some((stem, ext)) = t.rsplit_once('.') else {
        return false;
    };
    if stem.is_empty() {
        return false;
    }
    let ext = ext.to_ascii_lowercase();
    if ext == "com" || !FILE_EXTENSIONS.contains(&ext.as_str()) {
        return false;
    }
    !AMBIGUOUS_EXTENSIONS.contains(&ext.as_str()) || !stem.contains('.')
}

/// A single file name: no path separators, no control characters, not `.`
/// or `..`, at most 255 characters.
fn file_name_ok(t: &str) -> bool {
    !t.is_empty()
        && t.chars().count() <= MAX_FILE_NAME
        && t != "."
        && t != ".."
        && !t.chars().any(|c| c == '/' || c == '\\' || c.is_control())
}
