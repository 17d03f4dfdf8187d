//! Version orderings: semver, Debian (dpkg), RPM (rpmvercmp), vendor dotted
//! versions and a best-effort generic ordering.
//!
//! Every ordering is a total preorder on the strings it accepts: `compare`
//! returns `None` exactly when one of the two strings is not a version of that
//! scheme (so `None` never depends on the other operand), and otherwise is
//! antisymmetric and transitive. Different strings may compare equal
//! (`1.01` and `1.1` in dpkg, `17.1.0` and `17.1` for a vendor).

use domain::VersionScheme;
use std::cmp::Ordering;
use std::fmt;

/// How two version strings are ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scheme {
    /// Semantic versioning 2.0, leniently: any number of numeric core parts
    /// (missing parts are 0, so `17.1.0.3` is accepted), an optional `v`,
    /// pre-release after `-` (lower than the release), build after `+` ignored.
    Semver,
    /// Debian `[epoch:]upstream[-revision]`, compared as dpkg does (`~` sorts
    /// before everything, even the end).
    Deb,
    /// RPM `[epoch:]version[-release]`, compared with rpmvercmp (`~` before the
    /// end, `^` after the end but before anything else).
    Rpm,
    /// Vendor dotted versions: numeric parts split on any non-alphanumeric
    /// character, letters as their own parts that sort after the end
    /// (`10.2.9` < `10.2.9-h1` < `10.2.10`), trailing zero parts ignored
    /// (`17.1.0` = `17.1`). Must start with a digit.
    Dotted,
    /// Best effort for `custom` and unknown schemes: as `Dotted`, but accepts
    /// anything, and the pre-release words `dev`, `alpha`, `beta`, `pre`,
    /// `preview`, `rc`, `snapshot`, `milestone` sort before the end
    /// (`2.0-beta9` < `2.0`).
    Generic,
}

impl Scheme {
    pub fn as_str(self) -> &'static str {
        match self {
            Scheme::Semver => "semver",
            Scheme::Deb => "deb",
            Scheme::Rpm => "rpm",
            Scheme::Dotted => "dotted",
            Scheme::Generic => "generic",
        }
    }

    /// The ordering for a CVE JSON 5 `versionType` (`semver`, `rpm`, `deb`,
    /// …); `None` for `custom`, `patch`, `git` and unknown types, where the
    /// caller picks the inventory's scheme.
    pub fn from_version_type(t: &str) -> Option<Scheme> {
        // Without case, and without allocating (it is asked per range).
        let t = t.trim();
        let any = |names: &[&str]| names.iter().any(|n| t.eq_ignore_ascii_case(n));
        if any(&["semver"]) {
            Some(Scheme::Semver)
        } else if any(&["rpm"]) {
            Some(Scheme::Rpm)
        } else if any(&["deb", "debian", "dpkg"]) {
            Some(Scheme::Deb)
        } else if any(&["maven", "python", "pypi", "npm"]) {
            Some(Scheme::Generic)
        } else {
            None
        }
    }

    /// Whether this scheme describes a distribution package whose version
    /// carries an epoch and a packaging revision around the upstream version.
    pub fn is_distro(self) -> bool {
        matches!(self, Scheme::Deb | Scheme::Rpm)
    }
}

impl fmt::Display for Scheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<VersionScheme> for Scheme {
    fn from(v: VersionScheme) -> Self {
        match v {
            VersionScheme::Semver => Scheme::Semver,
            VersionScheme::Deb => Scheme::Deb,
            VersionScheme::Rpm => Scheme::Rpm,
            VersionScheme::Dotted => Scheme::Dotted,
            VersionScheme::Other => Scheme::Generic,
        }
    }
}

/// Orders `a` and `b` under `scheme`; `None` when either is not a version of
/// that scheme.
pub fn compare(scheme: Scheme, a: &str, b: &str) -> Option<Ordering> {
    // Most versions compared are numbers and dots (`17.1.0.3`), which
    // semver, vendor dotted and the generic ordering all order alike: part
    // by part, numerically, the missing parts zero. (Debian and RPM do not:
    // there `1.2.0` is above `1.2`.)
    if matches!(scheme, Scheme::Semver | Scheme::Dotted | Scheme::Generic) {
        if let Some(o) = cmp_plain(a.as_bytes(), b.as_bytes()) {
            return Some(o);
        }
    }
    compare_parsed(scheme, a, b)
}

/// `compare` without the quick way for numbers and dots.
fn compare_parsed(scheme: Scheme, a: &str, b: &str) -> Option<Ordering> {
    let (a, b) = (a.trim(), b.trim());
    match scheme {
        Scheme::Semver => cmp_semver(a, b),
        Scheme::Deb => {
            let (a, b) = (DebVersion::parse(a)?, DebVersion::parse(b)?);
            Some(a.cmp(&b))
        }
        Scheme::Rpm => {
            let (a, b) = (RpmVersion::parse(a)?, RpmVersion::parse(b)?);
            Some(a.cmp(&b))
        }
        Scheme::Dotted => cmp_dotted(a, b),
        Scheme::Generic => Some(cmp_generic(a, b)),
    }
}

/// `compare` under `scheme`, falling back to `Generic` when a string is not a
/// version of `scheme`. The second value says which ordering decided.
pub fn compare_or_generic(scheme: Scheme, a: &str, b: &str) -> (Ordering, Scheme) {
    match compare(scheme, a, b) {
        Some(o) => (o, scheme),
        None => (
            compare(Scheme::Generic, a, b).unwrap_or(Ordering::Equal),
            Scheme::Generic,
        ),
    }
}

/// The upstream part of a distribution package version: `1:9.2p1-2+deb12u2`
/// → `9.2p1` (Debian), `0:8.7p1-38.el9_4.1` → `8.7p1` (RPM). Other schemes
/// return the string unchanged.
pub fn upstream(scheme: Scheme, v: &str) -> &str {
    let v = v.trim();
    if !scheme.is_distro() {
        return v;
    }
    let no_epoch = match v.split_once(':') {
        Some((e, rest)) if !e.is_empty() && e.bytes().all(|b| b.is_ascii_digit()) => rest,
        _ => v,
    };
    match no_epoch.rfind('-') {
        Some(i) if i > 0 => &no_epoch[..i],
        _ => no_epoch,
    }
}

/// Whether `s` looks like a version (starts with a digit, or `v`/`V` and a
/// digit) rather than a name such as `Hotfix-BIGIP-…` or `publication`.
pub fn looks_like_version(s: &str) -> bool {
    let b = s.trim().as_bytes();
    match b {
        [d, ..] if d.is_ascii_digit() => true,
        [b'v' | b'V', d, ..] if d.is_ascii_digit() => true,
        _ => false,
    }
}

// ---------------------------------------------------------------- numbers

/// Whether `s` is numbers separated by single dots (`17.1.0.3`), nothing else.
fn is_plain(s: &[u8]) -> bool {
    let mut after_digit = false;
    for &c in s {
        match c {
            b'0'..=b'9' => after_digit = true,
            b'.' if after_digit => after_digit = false,
            _ => return false,
        }
    }
    after_digit
}

/// Two versions of numbers and dots compared part by part, numerically
/// (any length), the missing parts zero; `None` when one is something else.
fn cmp_plain(a: &[u8], b: &[u8]) -> Option<Ordering> {
    if !is_plain(a) || !is_plain(b) {
        return None;
    }
    // The next part, without its leading zeros (`0` is empty).
    fn part<'s>(s: &'s [u8], at: &mut usize) -> &'s [u8] {
        let mut i = *at;
        while s.get(i) == Some(&b'0') {
            i += 1;
        }
        let start = i;
        while s.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        *at = i + 1;
        s.get(start..i).unwrap_or(&[])
    }
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        let (x, y) = (part(a, &mut i), part(b, &mut j));
        match x.len().cmp(&y.len()).then_with(|| x.cmp(y)) {
            Ordering::Equal => {}
            o => return Some(o),
        }
    }
    Some(Ordering::Equal)
}

/// Compares two ASCII digit strings numerically, any length.
fn cmp_digits(a: &str, b: &str) -> Ordering {
    let a = a.trim_start_matches('0');
    let b = b.trim_start_matches('0');
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

/// A digit string with leading zeros removed, ordered numerically.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Num<'a>(&'a str);

impl<'a> Num<'a> {
    fn new(digits: &'a str) -> Num<'a> {
        Num(digits.trim_start_matches('0'))
    }
}

impl Ord for Num<'_> {
    fn cmp(&self, other: &Self) -> Ordering {
        cmp_digits(self.0, other.0)
    }
}
impl PartialOrd for Num<'_> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

// ---------------------------------------------------------------- semver

/// Splits a lenient semver string into its core and pre-release, checking
/// the syntax; no allocation.
fn semver_parts(s: &str) -> Option<(&str, Option<&str>)> {
    let s = s.strip_prefix(['v', 'V']).unwrap_or(s);
    let s = match s.split_once('+') {
        Some((v, build)) => {
            let ok = !build.is_empty()
                && build.split('.').all(|p| {
                    !p.is_empty() && p.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                });
            if !ok {
                return None;
            }
            v
        }
        None => s,
    };
    let (core, pre) = match s.split_once('-') {
        Some((c, p)) => (c, Some(p)),
        None => (s, None),
    };
    if !core
        .split('.')
        .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
    {
        return None;
    }
    if let Some(p) = pre {
        if !p
            .split('.')
            .all(|id| !id.is_empty() && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
        {
            return None;
        }
    }
    Some((core, pre))
}

fn cmp_semver(a: &str, b: &str) -> Option<Ordering> {
    let (ca, pa) = semver_parts(a)?;
    let (cb, pb) = semver_parts(b)?;
    // Core parts, the missing ones being zero.
    let (mut ia, mut ib) = (ca.split('.'), cb.split('.'));
    loop {
        match (ia.next(), ib.next()) {
            (None, None) => break,
            (x, y) => match cmp_digits(x.unwrap_or("0"), y.unwrap_or("0")) {
                Ordering::Equal => {}
                o => return Some(o),
            },
        }
    }
    Some(match (pa, pb) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Greater,
        (Some(_), None) => Ordering::Less,
        (Some(pa), Some(pb)) => {
            let (mut ia, mut ib) = (pa.split('.'), pb.split('.'));
            loop {
                match (ia.next(), ib.next()) {
                    (None, None) => break Ordering::Equal,
                    (None, Some(_)) => break Ordering::Less,
                    (Some(_), None) => break Ordering::Greater,
                    (Some(x), Some(y)) => {
                        let nx = x.bytes().all(|c| c.is_ascii_digit());
                        let ny = y.bytes().all(|c| c.is_ascii_digit());
                        let o = match (nx, ny) {
                            (true, true) => cmp_digits(x, y),
                            (true, false) => Ordering::Less,
                            (false, true) => Ordering::Greater,
                            (false, false) => x.cmp(y),
                        };
                        if o != Ordering::Equal {
                            break o;
                        }
                    }
                }
            }
        }
    })
}

// ---------------------------------------------------------------- Debian

#[derive(Debug, Clone, PartialEq, Eq)]
struct DebVersion<'a> {
    epoch: Num<'a>,
    upstream: &'a str,
    revision: &'a str,
}

impl<'a> DebVersion<'a> {
    fn parse(s: &'a str) -> Option<DebVersion<'a>> {
        if s.is_empty() || s.bytes().any(|b| b.is_ascii_whitespace()) {
            return None;
        }
        let (epoch, rest) = match s.split_once(':') {
            Some((e, rest)) => {
                if e.is_empty() || !e.bytes().all(|b| b.is_ascii_digit()) {
                    return None;
                }
                (Num::new(e), rest)
            }
            None => (Num(""), s),
        };
        let (upstream, revision) = match rest.rfind('-') {
            Some(i) => (&rest[..i], &rest[i + 1..]),
            None => (rest, ""),
        };
        if upstream.is_empty() {
            return None;
        }
        Some(DebVersion {
            epoch,
            upstream,
            revision,
        })
    }
}

impl Ord for DebVersion<'_> {
    fn cmp(&self, other: &Self) -> Ordering {
        self.epoch
            .cmp(&other.epoch)
            .then_with(|| verrevcmp(self.upstream.as_bytes(), other.upstream.as_bytes()))
            .then_with(|| verrevcmp(self.revision.as_bytes(), other.revision.as_bytes()))
    }
}
impl PartialOrd for DebVersion<'_> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// dpkg's character weight: `~` lowest, end and digits 0, letters by value,
/// everything else after the letters.
fn deb_order(c: Option<u8>) -> i32 {
    match c {
        None => 0,
        Some(c) if c.is_ascii_digit() => 0,
        Some(c) if c.is_ascii_alphabetic() => i32::from(c),
        Some(b'~') => -1,
        Some(c) => i32::from(c) + 256,
    }
}

/// dpkg's `verrevcmp`.
fn verrevcmp(a: &[u8], b: &[u8]) -> Ordering {
    let (mut i, mut j) = (0usize, 0usize);
    let at = |s: &[u8], k: usize| s.get(k).copied();
    while i < a.len() || j < b.len() {
        while at(a, i).is_some_and(|c| !c.is_ascii_digit())
            || at(b, j).is_some_and(|c| !c.is_ascii_digit())
        {
            let ac = deb_order(at(a, i));
            let bc = deb_order(at(b, j));
            if ac != bc {
                return ac.cmp(&bc);
            }
            i += 1;
            j += 1;
        }
        while at(a, i) == Some(b'0') {
            i += 1;
        }
        while at(b, j) == Some(b'0') {
            j += 1;
        }
        let mut first_diff = Ordering::Equal;
        while at(a, i).is_some_and(|c| c.is_ascii_digit())
            && at(b, j).is_some_and(|c| c.is_ascii_digit())
        {
            if first_diff == Ordering::Equal {
                first_diff = a[i].cmp(&b[j]);
            }
            i += 1;
            j += 1;
        }
        if at(a, i).is_some_and(|c| c.is_ascii_digit()) {
            return Ordering::Greater;
        }
        if at(b, j).is_some_and(|c| c.is_ascii_digit()) {
            return Ordering::Less;
        }
        if first_diff != Ordering::Equal {
            return first_diff;
        }
    }
    Ordering::Equal
}

// ---------------------------------------------------------------- RPM

#[derive(Debug, Clone, PartialEq, Eq)]
struct RpmVersion<'a> {
    epoch: Num<'a>,
    version: &'a str,
    release: &'a str,
}

impl<'a> RpmVersion<'a> {
    fn parse(s: &'a str) -> Option<RpmVersion<'a>> {
        if s.is_empty() {
            return None;
        }
        let (epoch, rest) = match s.split_once(':') {
            Some((e, rest)) => {
                if e.is_empty() || !e.bytes().all(|b| b.is_ascii_digit()) {
                    return None;
                }
                (Num::new(e), rest)
            }
            None => (Num(""), s),
        };
        let (version, release) = match rest.rfind('-') {
            Some(i) => (&rest[..i], &rest[i + 1..]),
            None => (rest, ""),
        };
        Some(RpmVersion {
            epoch,
            version,
            release,
        })
    }
}

impl Ord for RpmVersion<'_> {
    fn cmp(&self, other: &Self) -> Ordering {
        self.epoch
            .cmp(&other.epoch)
            .then_with(|| rpmvercmp(self.version.as_bytes(), other.version.as_bytes()))
            .then_with(|| rpmvercmp(self.release.as_bytes(), other.release.as_bytes()))
    }
}
impl PartialOrd for RpmVersion<'_> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// rpm's `rpmvercmp` (lib/rpmvercmp.c, with `~` and `^`).
fn rpmvercmp(a: &[u8], b: &[u8]) -> Ordering {
    if a == b {
        return Ordering::Equal;
    }
    let sep = |c: u8| !c.is_ascii_alphanumeric() && c != b'~' && c != b'^';
    let (mut i, mut j) = (0usize, 0usize);
    loop {
        while i < a.len() && sep(a[i]) {
            i += 1;
        }
        while j < b.len() && sep(b[j]) {
            j += 1;
        }
        let (ca, cb) = (a.get(i).copied(), b.get(j).copied());
        if ca == Some(b'~') || cb == Some(b'~') {
            if ca != Some(b'~') {
                return Ordering::Greater;
            }
            if cb != Some(b'~') {
                return Ordering::Less;
            }
            i += 1;
            j += 1;
            continue;
        }
        if ca == Some(b'^') || cb == Some(b'^') {
            if ca.is_none() {
                return Ordering::Less;
            }
            if cb.is_none() {
                return Ordering::Greater;
            }
            if ca != Some(b'^') {
                return Ordering::Greater;
            }
            if cb != Some(b'^') {
                return Ordering::Less;
            }
            i += 1;
            j += 1;
            continue;
        }
        let (Some(ca), Some(_)) = (ca, cb) else {
            break;
        };
        let (si, sj) = (i, j);
        let isnum = ca.is_ascii_digit();
        if isnum {
            while i < a.len() && a[i].is_ascii_digit() {
                i += 1;
            }
            while j < b.len() && b[j].is_ascii_digit() {
                j += 1;
            }
        } else {
            while i < a.len() && a[i].is_ascii_alphabetic() {
                i += 1;
            }
            while j < b.len() && b[j].is_ascii_alphabetic() {
                j += 1;
            }
        }
        if sj == j {
            // Segments of different kinds: a number is newer than letters.
            return if isnum {
                Ordering::Greater
            } else {
                Ordering::Less
            };
        }
        let (sa, sb) = (&a[si..i], &b[sj..j]);
        let o = if isnum {
            let za = sa.iter().position(|&c| c != b'0').unwrap_or(sa.len());
            let zb = sb.iter().position(|&c| c != b'0').unwrap_or(sb.len());
            let (sa, sb) = (&sa[za..], &sb[zb..]);
            sa.len().cmp(&sb.len()).then_with(|| sa.cmp(sb))
        } else {
            sa.cmp(sb)
        };
        if o != Ordering::Equal {
            return o;
        }
    }
    let (ea, eb) = (i >= a.len(), j >= b.len());
    match (ea, eb) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Less,
        _ => Ordering::Greater,
    }
}

// ---------------------------------------------------------------- dotted / generic

/// One part of a dotted or generic version; ranked: pre-release words <
/// zero (and the end, which counts as zero parts) < other words < numbers
/// above zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tok<'a> {
    Pre(u8, &'a str),
    Zero,
    Word(&'a str),
    /// Digits without leading zeros, not empty.
    Num(&'a str),
}

fn cmp_ci(a: &str, b: &str) -> Ordering {
    a.bytes()
        .map(|c| c.to_ascii_lowercase())
        .cmp(b.bytes().map(|c| c.to_ascii_lowercase()))
}

fn cmp_tok(a: &Tok, b: &Tok) -> Ordering {
    let rank = |t: &Tok| match t {
        Tok::Pre(..) => 0,
        Tok::Zero => 1,
        Tok::Word(_) => 2,
        Tok::Num(_) => 3,
    };
    match (a, b) {
        (Tok::Pre(r, x), Tok::Pre(q, y)) => r.cmp(q).then_with(|| cmp_ci(x, y)),
        (Tok::Word(x), Tok::Word(y)) => cmp_ci(x, y),
        (Tok::Num(x), Tok::Num(y)) => cmp_digits(x, y),
        _ => rank(a).cmp(&rank(b)),
    }
}

const PRE_WORDS: &[(&str, u8)] = &[
    ("dev", 0),
    ("snapshot", 1),
    ("alpha", 2),
    ("a", 2),
    ("beta", 3),
    ("b", 3),
    ("milestone", 4),
    ("m", 4),
    ("pre", 5),
    ("preview", 5),
    ("rc", 6),
    ("cr", 6),
];

/// The parts of a version, without allocating. Separators (anything not an
/// ASCII letter or digit) only split parts.
struct Toks<'a> {
    s: &'a str,
    i: usize,
    pre_words: bool,
}

impl<'a> Toks<'a> {
    fn new(s: &'a str, pre_words: bool) -> Toks<'a> {
        Toks { s, i: 0, pre_words }
    }
}

impl<'a> Iterator for Toks<'a> {
    type Item = Tok<'a>;
    fn next(&mut self) -> Option<Tok<'a>> {
        let b = self.s.as_bytes();
        while self.i < b.len() && !b[self.i].is_ascii_alphanumeric() {
            self.i += 1;
        }
        if self.i >= b.len() {
            return None;
        }
        let st = self.i;
        if b[st].is_ascii_digit() {
            while self.i < b.len() && b[self.i].is_ascii_digit() {
                self.i += 1;
            }
            let d = self.s[st..self.i].trim_start_matches('0');
            Some(if d.is_empty() { Tok::Zero } else { Tok::Num(d) })
        } else {
            while self.i < b.len() && b[self.i].is_ascii_alphabetic() {
                self.i += 1;
            }
            let w = &self.s[st..self.i];
            let pre = if self.pre_words {
                PRE_WORDS
                    .iter()
                    .find(|(p, _)| w.eq_ignore_ascii_case(p))
                    .map(|(_, r)| *r)
            } else {
                None
            };
            Some(match pre {
                Some(r) => Tok::Pre(r, w),
                None => Tok::Word(w),
            })
        }
    }
}

/// Compares two part sequences as infinite sequences padded with zeros, so
/// `17.1` = `17.1.0` and `2.0-beta9` < `2`: a lexicographic order over a
/// totally ordered alphabet, hence total.
fn cmp_toks(mut a: Toks, mut b: Toks) -> Ordering {
    loop {
        match (a.next(), b.next()) {
            (None, None) => return Ordering::Equal,
            (x, y) => match cmp_tok(&x.unwrap_or(Tok::Zero), &y.unwrap_or(Tok::Zero)) {
                Ordering::Equal => {}
                o => return o,
            },
        }
    }
}

fn strip_v(s: &str) -> &str {
    match s.as_bytes() {
        [b'v' | b'V', d, ..] if d.is_ascii_digit() => &s[1..],
        _ => s,
    }
}

fn cmp_dotted(a: &str, b: &str) -> Option<Ordering> {
    let (a, b) = (strip_v(a), strip_v(b));
    let digit_first = |s: &str| s.as_bytes().first().is_some_and(u8::is_ascii_digit);
    if !digit_first(a) || !digit_first(b) {
        return None;
    }
    Some(cmp_toks(Toks::new(a, false), Toks::new(b, false)))
}

fn cmp_generic(a: &str, b: &str) -> Ordering {
    cmp_toks(Toks::new(strip_v(a), true), Toks::new(strip_v(b), true))
}

/// Whether `v` lies in the version branch `prefix` (`17.0` holds `17.0.8.1`):
/// its dotted parts start with the prefix's parts.
pub fn in_branch(prefix: &str, v: &str) -> bool {
    let mut p = Toks::new(strip_v(branch_prefix(prefix)), false).peekable();
    if p.peek().is_none() {
        return false;
    }
    let mut t = Toks::new(strip_v(v), false);
    for x in p {
        match t.next() {
            Some(y) if cmp_tok(&x, &y) == Ordering::Equal => {}
            _ => return false,
        }
    }
    true
}

/// `16.1.x`, `17.0.x*`, `2.*` → `16.1`, `17.0`, `2`.
pub fn branch_prefix(s: &str) -> &str {
    let mut t = s.trim();
    loop {
        let before = t;
        t = t.trim_end_matches('*');
        t = t.trim_end_matches(['x', 'X']);
        t = t.trim_end_matches(['.', '-', '_']);
        if t == before {
            return t;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Ordering::*;

    fn c(s: Scheme, a: &str, b: &str) -> Ordering {
        compare(s, a, b).unwrap()
    }

    #[test]
    fn debian_known_pairs() {
        // From the Debian policy manual (5.6.12) and dpkg's own test suite.
        assert_eq!(c(Scheme::Deb, "1.0~rc1", "1.0"), Less);
        assert_eq!(c(Scheme::Deb, "1.0~~", "1.0~~a"), Less);
        assert_eq!(c(Scheme::Deb, "1.0~~a", "1.0~"), Less);
        assert_eq!(c(Scheme::Deb, "1.0~", "1.0"), Less);
        assert_eq!(c(Scheme::Deb, "1.0", "1.0a"), Less);
        assert_eq!(c(Scheme::Deb, "1:0.1", "2.0"), Greater);
        assert_eq!(c(Scheme::Deb, "1.0-1", "1.0-1"), Equal);
        assert_eq!(c(Scheme::Deb, "1.01", "1.1"), Equal);
        assert_eq!(c(Scheme::Deb, "0:1.0", "1.0"), Equal);
        assert_eq!(c(Scheme::Deb, "2.30-1", "2.4-1"), Greater);
        assert_eq!(c(Scheme::Deb, "1.0-1", "1.0-1~bpo1"), Greater);
        assert_eq!(
            c(Scheme::Deb, "1:9.2p1-2+deb12u2", "1:9.2p1-2+deb12u3"),
            Less
        );
        assert_eq!(c(Scheme::Deb, "1:9.2p1-2+deb12u3", "1:9.2p1-2"), Greater);
        assert_eq!(c(Scheme::Deb, "1.2.3", "1.2.3+dfsg"), Less);
        assert!(compare(Scheme::Deb, "a:1", "1").is_none());
    }

    #[test]
    fn rpm_known_pairs() {
        // From rpm's tests/rpmvercmp.at.
        let r = |a, b| c(Scheme::Rpm, a, b);
        assert_eq!(r("1.0", "1.0"), Equal);
        assert_eq!(r("1.0", "2.0"), Less);
        assert_eq!(r("2.0.1", "2.0"), Greater);
        assert_eq!(r("2.0", "2.0.1a"), Less);
        assert_eq!(r("5.5p1", "5.5p2"), Less);
        assert_eq!(r("5.5p10", "5.5p1"), Greater);
        assert_eq!(r("10xyz", "10.1xyz"), Less);
        assert_eq!(r("xyz10", "xyz10.1"), Less);
        assert_eq!(r("1b.fc17", "1.fc17"), Less);
        assert_eq!(r("1.0a", "1.0"), Greater);
        assert_eq!(r("a", "1"), Less);
        assert_eq!(r("2a", "2.0"), Less);
        assert_eq!(r("1.0", "1.0~rc1"), Greater);
        assert_eq!(r("1.0~rc1", "1.0~rc2"), Less);
        assert_eq!(r("1.0~rc1~git123", "1.0~rc1"), Less);
        assert_eq!(r("1.0^", "1.0"), Greater);
        assert_eq!(r("1.0^git1", "1.0"), Greater);
        assert_eq!(r("1.0^git1", "1.01"), Less);
        assert_eq!(r("1.0^20160101", "1.0.1"), Less);
        assert_eq!(r("1.0~rc1^git1", "1.0~rc1"), Greater);
        assert_eq!(r("1.0^git1~pre", "1.0^git1"), Less);
        assert_eq!(r("1.0", "1..0"), Equal);
        assert_eq!(r("1:1.0", "2.0"), Greater);
        assert_eq!(r("0:8.7p1-38.el9_4.1", "8.7p1-38.el9"), Greater);
        assert_eq!(r("8.7p1-38.el9_4.1", "8.7p1-38.el9_4.3"), Less);
    }

    #[test]
    fn semver_known_pairs() {
        let s = |a, b| c(Scheme::Semver, a, b);
        // The order given in semver.org §11.
        let chain = [
            "1.0.0-alpha",
            "1.0.0-alpha.1",
            "1.0.0-alpha.beta",
            "1.0.0-beta",
            "1.0.0-beta.2",
            "1.0.0-beta.11",
            "1.0.0-rc.1",
            "1.0.0",
            "2.0.0",
            "2.1.0",
            "2.1.1",
        ];
        for w in chain.windows(2) {
            assert_eq!(s(w[0], w[1]), Less, "{} < {}", w[0], w[1]);
        }
        assert_eq!(s("1.0.0+build.5", "1.0.0"), Equal);
        assert_eq!(s("v7.2.6", "7.2.6"), Equal);
        assert_eq!(s("7.2", "7.2.0"), Equal);
        assert_eq!(s("17.1.0.3", "17.1.0"), Greater);
        assert_eq!(s("2.14.1", "2.15.0"), Less);
        assert_eq!(s("2.0-beta9", "2.0"), Less);
        assert!(compare(Scheme::Semver, "10.2.9-h1", "1").is_some());
        assert!(compare(Scheme::Semver, "13.1-49.15", "1").is_some());
        assert!(compare(Scheme::Semver, "2.0.0 beta", "1").is_none());
    }

    #[test]
    fn vendor_dotted() {
        let d = |a, b| c(Scheme::Dotted, a, b);
        assert_eq!(d("17.1.0.3", "17.1.1"), Less);
        assert_eq!(d("17.1.0", "17.1.0.3"), Less);
        assert_eq!(d("15.1.10.2", "15.1.9"), Greater);
        assert_eq!(d("7.2.6", "7.2.7"), Less);
        assert_eq!(d("10.2.9", "10.2.9-h1"), Less);
        assert_eq!(d("10.2.9-h1", "10.2.9-h3"), Less);
        assert_eq!(d("10.2.9-h3", "10.2.10"), Less);
        assert_eq!(d("10.2.8-h3", "10.2.9-h1"), Less);
        assert_eq!(d("10.0.20348.2227", "10.0.20348.2159"), Greater);
        assert_eq!(d("13.1-49.15", "13.1-49.13"), Greater);
        assert_eq!(d("13.1-49.15", "14.1-8.50"), Less);
        assert_eq!(d("17.1", "17.1.0"), Equal);
        assert_eq!(d("17.1.0.3.0.75.4", "17.1.0.3"), Greater);
        assert!(compare(Scheme::Dotted, "Hotfix-BIGIP", "1").is_none());
        let g = |a, b| c(Scheme::Generic, a, b);
        assert_eq!(g("2.0-beta9", "2.0"), Less);
        assert_eq!(g("2.0-rc1", "2.0-beta9"), Greater);
        assert_eq!(g("2.0-rc2", "2.0.1"), Less);
        assert_eq!(g("9.2p1", "9.7p1"), Less);
    }

    #[test]
    fn helpers() {
        assert_eq!(upstream(Scheme::Deb, "1:9.2p1-2+deb12u2"), "9.2p1");
        assert_eq!(upstream(Scheme::Rpm, "0:8.7p1-38.el9_4.1"), "8.7p1");
        assert_eq!(upstream(Scheme::Deb, "2.4.57"), "2.4.57");
        assert_eq!(upstream(Scheme::Dotted, "10.2.9-h1"), "10.2.9-h1");
        assert!(in_branch("17.0", "17.0.8.1"));
        assert!(!in_branch("17.0", "17.1.0"));
        assert!(in_branch("16.1.x", "16.1.3"));
        assert!(looks_like_version("v1.2"));
        assert_eq!(Scheme::from_version_type(" SemVer "), Some(Scheme::Semver));
        assert_eq!(Scheme::from_version_type("DPKG"), Some(Scheme::Deb));
        assert_eq!(Scheme::from_version_type("PyPI"), Some(Scheme::Generic));
        assert_eq!(Scheme::from_version_type("custom"), None);
        assert!(!looks_like_version("Hotfix-BIGIP-17.1.0.3"));
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 4000, ..Default::default() })]

        /// The quick way for numbers and dots orders as each scheme's own
        /// reading does (and is not taken for anything else).
        #[test]
        fn plain_versions_compare_as_parsed(
            a in "(0|00|1|01|2|9|10|99|4294967296|123456789012345678901)(\\.(0|00|1|01|2|9|10|99|123456789012345678901)){0,4}|[0-9. a-z+-]{0,8}",
            b in "(0|00|1|01|2|9|10|99|4294967296|123456789012345678901)(\\.(0|00|1|01|2|9|10|99|123456789012345678901)){0,4}|[0-9. a-z+-]{0,8}",
        ) {
            for scheme in [Scheme::Semver, Scheme::Dotted, Scheme::Generic, Scheme::Deb, Scheme::Rpm] {
                proptest::prop_assert_eq!(
                    compare(scheme, &a, &b),
                    compare_parsed(scheme, &a, &b),
                    "{} {:?} {:?}", scheme, a, b
                );
            }
            if is_plain(a.as_bytes()) && is_plain(b.as_bytes()) {
                proptest::prop_assert!(cmp_plain(a.as_bytes(), b.as_bytes()).is_some());
            }
        }
    }
}
