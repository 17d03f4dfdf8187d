//! CPE names (2.3 formatted strings, and 2.2 URIs as CVE records still carry
//! them) and CPE name matching as in NISTIR 7696.
//!
//! Values are compared exactly, case-insensitively, after unquoting: there is
//! no fuzzy matching of vendor or product names. A source value may hold the
//! wildcards `*` (any run of characters) and `?` (one character); a target
//! value holding a wildcard makes the comparison undefined, which is no match.

use std::fmt;
use std::sync::Arc;

/// The logical value of one attribute.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Value {
    /// `*`: any value.
    Any,
    /// `-`: not applicable.
    Na,
    /// A value, unquoted and lower-cased, with its wildcards.
    Text(Text),
}

/// A value: its characters, with unquoted `*` and `?` kept as wildcards.
/// A literal (the usual case) is kept as a string; a pattern as characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Text(Repr);

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Repr {
    Literal(Box<str>),
    /// Holds at least one wildcard.
    Pattern(Box<[Ch]>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Ch {
    Lit(char),
    Many,
    One,
}

impl Text {
    /// A literal value (no wildcards), lower-cased.
    pub fn literal(s: &str) -> Text {
        let mut out = String::with_capacity(s.len());
        if s.is_ascii() {
            out.extend(s.chars().map(|c| c.to_ascii_lowercase()));
        } else {
            out.extend(s.chars().flat_map(char::to_lowercase));
        }
        Text(Repr::Literal(out.into()))
    }
    fn from_chars(chars: Vec<Ch>) -> Text {
        if chars.iter().any(|c| !matches!(c, Ch::Lit(_))) {
            Text(Repr::Pattern(chars.into()))
        } else {
            let s: String = chars
                .iter()
                .filter_map(|c| match c {
                    Ch::Lit(c) => Some(*c),
                    _ => None,
                })
                .collect();
            Text(Repr::Literal(s.into()))
        }
    }
    pub fn has_wildcards(&self) -> bool {
        matches!(self.0, Repr::Pattern(_))
    }
    fn hash_into(&self, h: &mut u64) {
        let mut one = |c: char| *h = (*h ^ u64::from(c as u32)).wrapping_mul(0x0100_0000_01b3);
        match &self.0 {
            Repr::Literal(s) => s.chars().for_each(&mut one),
            Repr::Pattern(p) => p.iter().for_each(|c| {
                if let Ch::Lit(c) = c {
                    one(*c)
                }
            }),
        }
    }
    /// The literal characters, when there is no wildcard.
    pub fn as_literal(&self) -> Option<&str> {
        match &self.0 {
            Repr::Literal(s) => Some(s),
            Repr::Pattern(_) => None,
        }
    }
    /// The value with wildcards shown as `*` and `?` and literal special
    /// characters unquoted (for display and for comparing versions).
    pub fn as_plain(&self) -> String {
        match &self.0 {
            Repr::Literal(s) => s.to_string(),
            Repr::Pattern(p) => p
                .iter()
                .map(|c| match c {
                    Ch::Lit(c) => *c,
                    Ch::Many => '*',
                    Ch::One => '?',
                })
                .collect(),
        }
    }
    /// Whether this value, as a pattern, matches the literal `target`.
    fn matches(&self, target: &Text) -> bool {
        let Some(t) = target.as_literal() else {
            return false;
        };
        match &self.0 {
            Repr::Literal(s) => **s == *t,
            Repr::Pattern(p) => {
                let t: Vec<char> = t.chars().collect();
                glob(p, &t)
            }
        }
    }
}

fn glob(p: &[Ch], t: &[char]) -> bool {
    // Iterative wildcard matching with one backtrack point (linear-ish).
    let (mut pi, mut ti) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        match p.get(pi) {
            Some(Ch::Lit(c)) if *c == t[ti] => {
                pi += 1;
                ti += 1;
            }
            Some(Ch::One) => {
                pi += 1;
                ti += 1;
            }
            Some(Ch::Many) => {
                star = Some((pi, ti));
                pi += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    pi = sp + 1;
                    ti = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    p[pi.min(p.len())..].iter().all(|c| *c == Ch::Many)
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fn safe(c: char) -> bool {
            c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')
        }
        match self {
            Value::Any => f.write_str("*"),
            Value::Na => f.write_str("-"),
            Value::Text(Text(Repr::Literal(s))) => {
                // Runs of plain characters at once; the others quoted.
                let mut start = 0;
                for (i, c) in s.char_indices() {
                    if !safe(c) {
                        f.write_str(&s[start..i])?;
                        f.write_str("\\")?;
                        f.write_str(&s[i..i + c.len_utf8()])?;
                        start = i + c.len_utf8();
                    }
                }
                f.write_str(&s[start..])
            }
            Value::Text(Text(Repr::Pattern(p))) => {
                for c in p.iter() {
                    match c {
                        Ch::Many => f.write_str("*")?,
                        Ch::One => f.write_str("?")?,
                        Ch::Lit(c) if safe(*c) => fmt::Write::write_char(f, *c)?,
                        Ch::Lit(c) => {
                            f.write_str("\\")?;
                            fmt::Write::write_char(f, *c)?
                        }
                    }
                }
                Ok(())
            }
        }
    }
}

/// The eleven attributes of a CPE name, in formatted-string order.
pub const ATTRIBUTES: [&str; 11] = [
    "part",
    "vendor",
    "product",
    "version",
    "update",
    "edition",
    "language",
    "sw_edition",
    "target_sw",
    "target_hw",
    "other",
];

/// A parsed CPE name (well-formed name of CPE 2.3). Cheap to clone: equal
/// names can share one copy (`VulnDb` keeps one per distinct name).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Cpe(Arc<CpeInner>);

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct CpeInner {
    attrs: [Value; 11],
    /// A hash of the literal vendor and product, to find candidates fast.
    key: Option<u64>,
}

impl fmt::Debug for Cpe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Cpe")
            .field("attrs", &self.0.attrs)
            .field("key", &self.0.key)
            .finish()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{text}' is not a CPE name: {reason}")]
pub struct CpeError {
    pub text: String,
    pub reason: String,
}

impl Cpe {
    /// Parses a CPE 2.3 formatted string (`cpe:2.3:a:f5:big-ip:…`) or a CPE
    /// 2.2 URI (`cpe:/o:redhat:enterprise_linux:9::baseos`).
    pub fn parse(s: &str) -> Result<Cpe, CpeError> {
        let t = s.trim();
        let err = |reason: &str| CpeError {
            text: t.chars().take(200).collect(),
            reason: reason.to_string(),
        };
        if let Some(rest) = t.strip_prefix("cpe:2.3:") {
            parse_fs(rest).map_err(|r| err(&r))
        } else if let Some(rest) = t.strip_prefix("cpe:/").or_else(|| t.strip_prefix("CPE:/")) {
            parse_uri(rest).map_err(|r| err(&r))
        } else {
            Err(err("it starts neither with cpe:2.3: nor with cpe:/"))
        }
    }

    pub fn from_domain(c: &domain::asset::Cpe23) -> Result<Cpe, CpeError> {
        Cpe::parse(c.as_str())
    }

    /// A name with every attribute ANY.
    pub fn any() -> Cpe {
        Cpe::new(std::array::from_fn(|_| Value::Any))
    }

    pub fn new(attrs: [Value; 11]) -> Cpe {
        let key = compute_key(&attrs);
        Cpe(Arc::new(CpeInner { attrs, key }))
    }

    /// Whether both are the same shared copy (equal names may not be).
    pub fn same_copy(&self, other: &Cpe) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }

    /// The attributes, in formatted-string order (`ATTRIBUTES`).
    pub fn attrs(&self) -> &[Value; 11] {
        &self.0.attrs
    }

    /// Sets attribute `i` (see `ATTRIBUTES`); out of range is ignored.
    pub fn set(&mut self, i: usize, v: Value) {
        if i < 11 {
            let inner = Arc::make_mut(&mut self.0);
            inner.attrs[i] = v;
            inner.key = compute_key(&inner.attrs);
        }
    }

    /// A hash of the literal vendor and product; `None` when either is ANY,
    /// NA or has wildcards. Equal names have equal keys.
    pub fn vendor_product_key(&self) -> Option<u64> {
        self.0.key
    }

    pub fn part(&self) -> &Value {
        &self.0.attrs[0]
    }
    pub fn vendor(&self) -> &Value {
        &self.0.attrs[1]
    }
    pub fn product(&self) -> &Value {
        &self.0.attrs[2]
    }
    pub fn version(&self) -> &Value {
        &self.0.attrs[3]
    }
    pub fn update(&self) -> &Value {
        &self.0.attrs[4]
    }

    /// The literal vendor and product (lower-cased), when both are plain
    /// values: the key the matcher indexes by.
    pub fn vendor_product(&self) -> Option<(String, String)> {
        match (self.vendor(), self.product()) {
            (Value::Text(v), Value::Text(p)) if !v.has_wildcards() && !p.has_wildcards() => {
                Some((v.as_plain(), p.as_plain()))
            }
            _ => None,
        }
    }
}

/// A hash of the literal vendor and product (attributes 1 and 2).
fn compute_key(attrs: &[Value; 11]) -> Option<u64> {
    match (&attrs[1], &attrs[2]) {
        (Value::Text(v), Value::Text(p)) if !v.has_wildcards() && !p.has_wildcards() => {
            let mut h = 0xcbf2_9ce4_8422_2325u64;
            v.hash_into(&mut h);
            h = (h ^ 0x1_0000).wrapping_mul(0x0100_0000_01b3);
            p.hash_into(&mut h);
            Some(h)
        }
        _ => None,
    }
}

impl fmt::Display for Cpe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("cpe:2.3")?;
        for a in &self.0.attrs {
            f.write_str(":")?;
            fmt::Display::fmt(a, f)?;
        }
        Ok(())
    }
}

impl serde::Serialize for Cpe {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Cpe {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Cpe::parse(&s).map_err(serde::de::Error::custom)
    }
}

fn split_fs(s: &str) -> Vec<&str> {
    let mut parts = Vec::with_capacity(11);
    let mut start = 0;
    let mut escaped = false;
    for (i, c) in s.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            ':' => {
                parts.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&s[start..]);
    parts
}

fn parse_fs(rest: &str) -> Result<Cpe, String> {
    let parts = split_fs(rest);
    if parts.len() != 11 {
        return Err(format!("it has {} attributes, not 11", parts.len()));
    }
    let mut attrs: [Value; 11] = std::array::from_fn(|_| Value::Any);
    for (i, p) in parts.iter().enumerate() {
        attrs[i] = parse_fs_value(p).map_err(|e| format!("{}: {e}", ATTRIBUTES[i]))?;
    }
    check_part(&attrs[0])?;
    Ok(Cpe::new(attrs))
}

fn check_part(v: &Value) -> Result<(), String> {
    match v {
        Value::Any => Ok(()),
        Value::Text(t) if matches!(t.as_plain().as_str(), "a" | "o" | "h") => Ok(()),
        _ => Err("part must be a, o, h or *".into()),
    }
}

fn parse_fs_value(p: &str) -> Result<Value, String> {
    match p {
        "" => return Err("empty value".into()),
        "*" => return Ok(Value::Any),
        "-" => return Ok(Value::Na),
        _ => {}
    }
    let mut chars = Vec::with_capacity(p.len());
    let mut it = p.chars();
    while let Some(c) = it.next() {
        match c {
            '\\' => match it.next() {
                Some(q) => chars.extend(q.to_lowercase().map(Ch::Lit)),
                None => return Err("ends with a lone backslash".into()),
            },
            '*' => chars.push(Ch::Many),
            '?' => chars.push(Ch::One),
            c if c.is_whitespace() || c.is_control() => return Err("contains white space".into()),
            c => chars.extend(c.to_lowercase().map(Ch::Lit)),
        }
    }
    Ok(Value::Text(Text::from_chars(chars)))
}

fn parse_uri(rest: &str) -> Result<Cpe, String> {
    let parts: Vec<&str> = rest.split(':').collect();
    if parts.len() > 7 {
        return Err("a CPE 2.2 URI has at most 7 components".into());
    }
    let mut attrs: [Value; 11] = std::array::from_fn(|_| Value::Any);
    for (i, p) in parts.iter().enumerate() {
        if i == 5 && p.starts_with('~') {
            // Packed edition: ~edition~sw_edition~target_sw~target_hw~other.
            let packed: Vec<&str> = p[1..].split('~').collect();
            if packed.len() != 5 {
                return Err("packed edition needs 5 fields".into());
            }
            for (k, v) in packed.iter().enumerate() {
                let idx = [5, 7, 8, 9, 10][k];
                attrs[idx] = uri_value(v)?;
            }
            continue;
        }
        attrs[i] = uri_value(p)?;
    }
    check_part(&attrs[0])?;
    Ok(Cpe::new(attrs))
}

fn uri_value(p: &str) -> Result<Value, String> {
    match p {
        "" => return Ok(Value::Any),
        "-" => return Ok(Value::Na),
        _ => {}
    }
    let b = p.as_bytes();
    let mut bytes = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = p.get(i + 1..i + 3).ok_or("bad percent escape")?;
            let v = u8::from_str_radix(hex, 16).map_err(|_| "bad percent escape")?;
            bytes.push(v);
            i += 3;
        } else {
            bytes.push(b[i]);
            i += 1;
        }
    }
    let s = String::from_utf8(bytes).map_err(|_| "not UTF-8 after unescaping")?;
    if s.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("contains white space".into());
    }
    Ok(Value::Text(Text::literal(&s)))
}

/// The relation of a source attribute value to a target one (NISTIR 7696,
/// table 6-2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Relation {
    Superset,
    Subset,
    Equal,
    Disjoint,
    Undefined,
}

/// Compares one source value with one target value.
pub fn compare_values(source: &Value, target: &Value) -> Relation {
    use Relation::*;
    if let Value::Text(t) = target {
        if t.has_wildcards() {
            return Undefined;
        }
    }
    match (source, target) {
        (Value::Any, Value::Any) => Equal,
        (Value::Any, _) => Superset,
        (Value::Na, Value::Any) => Subset,
        (Value::Na, Value::Na) => Equal,
        (Value::Na, Value::Text(_)) => Disjoint,
        (Value::Text(_), Value::Any) => Subset,
        (Value::Text(_), Value::Na) => Disjoint,
        (Value::Text(s), Value::Text(t)) => {
            if s.has_wildcards() {
                if s.matches(t) {
                    Superset
                } else {
                    Disjoint
                }
            } else if s == t {
                Equal
            } else {
                Disjoint
            }
        }
    }
}

/// Compares every attribute (NISTIR 7696 §6.2).
pub fn compare(source: &Cpe, target: &Cpe) -> [Relation; 11] {
    std::array::from_fn(|i| compare_values(&source.0.attrs[i], &target.0.attrs[i]))
}

/// CPE name matching: the source names the target (each attribute is a
/// superset of, or equal to, the target's).
pub fn is_match(source: &Cpe, target: &Cpe) -> bool {
    compare(source, target)
        .iter()
        .all(|r| matches!(r, Relation::Superset | Relation::Equal))
}

/// As `is_match`, skipping the attributes whose index is in `skip` (used for
/// the version when a range decides it, and for the part when the target's
/// part is unknown).
pub fn is_match_except(source: &Cpe, target: &Cpe, skip: &[usize]) -> bool {
    (0..11).all(|i| {
        skip.contains(&i)
            || matches!(
                compare_values(&source.0.attrs[i], &target.0.attrs[i]),
                Relation::Superset | Relation::Equal
            )
    })
}

/// The characters `value_from_name` makes of a name.
fn name_chars(t: &str, mut f: impl FnMut(char)) {
    let mut space = false;
    for c in t.chars() {
        if c.is_whitespace() {
            space = true;
            continue;
        }
        if space {
            f('_');
            space = false;
        }
        if c.is_ascii() {
            f(c.to_ascii_lowercase());
        } else {
            c.to_lowercase().for_each(&mut f);
        }
    }
}

/// The `vendor_product_key` of a CPE whose vendor and product are
/// `value_from_name` of these names, without making it; `None` when one of
/// them is empty (no such CPE is made).
pub fn name_key(vendor: &str, product: &str) -> Option<u64> {
    let (v, p) = (vendor.trim(), product.trim());
    if v.is_empty() || p.is_empty() {
        return None;
    }
    let mut h = 0xcbf2_9ce4_8422_2325u64;
    name_chars(v, |c| {
        h = (h ^ u64::from(c as u32)).wrapping_mul(0x0100_0000_01b3)
    });
    h = (h ^ 0x1_0000).wrapping_mul(0x0100_0000_01b3);
    name_chars(p, |c| {
        h = (h ^ u64::from(c as u32)).wrapping_mul(0x0100_0000_01b3)
    });
    Some(h)
}

/// The CPE value a name from an inventory becomes: lower-cased, spaces as
/// underscores (the CPE dictionary's convention), nothing else changed.
pub fn value_from_name(name: &str) -> Value {
    let t = name.trim();
    if t.is_empty() {
        return Value::Any;
    }
    // Only literal characters: the text is a literal.
    let mut out = String::with_capacity(t.len());
    name_chars(t, |c| out.push(c));
    Value::Text(Text(Repr::Literal(out.into())))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(s: &str) -> Cpe {
        Cpe::parse(s).unwrap()
    }

    #[test]
    fn parses_and_prints() {
        let x = c(r"cpe:2.3:a:microsoft:internet_explorer:8.0.6001:beta:*:*:*:*:*:*");
        assert_eq!(
            x.vendor_product().unwrap(),
            ("microsoft".into(), "internet_explorer".into())
        );
        assert_eq!(
            x.to_string(),
            "cpe:2.3:a:microsoft:internet_explorer:8.0.6001:beta:*:*:*:*:*:*"
        );
        let q = c(r"cpe:2.3:a:foo\\bar:big\$money_manager_2010:*:*:*:*:special:ipod_touch:80gb:*");
        assert_eq!(q.vendor_product().unwrap().0, r"foo\bar");
        assert_eq!(
            q.product(),
            &Value::Text(Text::literal("big$money_manager_2010"))
        );
        let esc = c(r"cpe:2.3:a:vendor:prod\:uct:1.0:*:*:*:*:*:*:*");
        assert_eq!(esc.product(), &Value::Text(Text::literal("prod:uct")));
        let u = c("cpe:/o:redhat:enterprise_linux:9::baseos");
        assert_eq!(u.part(), &Value::Text(Text::literal("o")));
        assert_eq!(u.attrs()[5], Value::Text(Text::literal("baseos")));
        assert_eq!(u.update(), &Value::Any);
        assert_eq!(u.attrs()[10], Value::Any);
        assert!(Cpe::parse("cpe:2.3:a:f5").is_err());
        assert!(Cpe::parse("cpe:2.3:x:a:b:*:*:*:*:*:*:*:*").is_err());
        assert!(Cpe::parse("cpe:2.3:a:a:b:*:*:*:*:*:*:*:\\").is_err());
        assert!(Cpe::parse("nonsense").is_err());
    }

    #[test]
    fn nistir_7696_examples() {
        // §6.2 examples and table 6-2.
        let src = c("cpe:2.3:a:microsoft:internet_explorer:8.*:sp?:*:*:*:*:*:*");
        let tgt = c("cpe:2.3:a:microsoft:internet_explorer:8.0.6001:sp1:*:*:*:*:*:*");
        assert!(is_match(&src, &tgt));
        let tgt2 = c("cpe:2.3:a:microsoft:internet_explorer:8.0.6001:sp10:*:*:*:*:*:*");
        assert!(!is_match(&src, &tgt2));
        // ANY in the target against a value in the source: SUBSET, no match.
        let tgt3 = c("cpe:2.3:a:microsoft:internet_explorer:*:*:*:*:*:*:*:*");
        assert!(!is_match(&src, &tgt3));
        assert_eq!(compare_values(&Value::Any, &Value::Na), Relation::Superset);
        assert_eq!(compare_values(&Value::Na, &Value::Any), Relation::Subset);
        assert_eq!(compare_values(&Value::Na, &Value::Na), Relation::Equal);
        let v = Value::Text(Text::literal("9.8"));
        assert_eq!(compare_values(&Value::Na, &v), Relation::Disjoint);
        assert_eq!(compare_values(&v, &Value::Na), Relation::Disjoint);
        let w = c("cpe:2.3:a:x:y:1.*:*:*:*:*:*:*:*");
        assert_eq!(compare_values(&v, w.version()), Relation::Undefined);
        // Vendor and product are exact: no fuzzy matching.
        let big = c("cpe:2.3:a:f5:big-ip_access_policy_manager:*:*:*:*:*:*:*:*");
        let near = c("cpe:2.3:a:f5:big-ip_access_policy_manage:17.1.0:*:*:*:*:*:*:*");
        assert!(!is_match(&big, &near));
        let exact = c("cpe:2.3:a:F5:BIG-IP_Access_Policy_Manager:17.1.0:*:*:*:*:*:*:*");
        assert!(is_match(&big, &exact));
        // NA in the source ("no update") is disjoint from a named update.
        let na = c("cpe:2.3:a:openbsd:openssh:9.8:-:*:*:*:*:*:*");
        assert!(!is_match(
            &na,
            &c("cpe:2.3:a:openbsd:openssh:9.8:p1:*:*:*:*:*:*")
        ));
        assert!(is_match(
            &na,
            &c("cpe:2.3:a:openbsd:openssh:9.8:-:*:*:*:*:*:*")
        ));
    }

    #[test]
    fn name_keys_are_the_keys_of_cpes_made_from_names() {
        for (v, p) in [
            ("F5", "BIG-IP"),
            (" Google ", "Chrome  Browser"),
            ("Ärger", "ΣΑΣ x"),
        ] {
            let mut c = Cpe::any();
            c.set(1, value_from_name(v));
            c.set(2, value_from_name(p));
            assert_eq!(name_key(v, p), c.vendor_product_key(), "{v} {p}");
        }
        assert_eq!(name_key(" ", "x"), None);
    }

    #[test]
    fn names_become_values() {
        assert_eq!(
            value_from_name(" Exchange  Server "),
            Value::Text(Text::literal("exchange_server"))
        );
        assert_eq!(value_from_name(""), Value::Any);
        assert!(glob(&[Ch::Many, Ch::Lit('a'), Ch::Many], &['x', 'a', 'y']));
        assert!(!glob(&[Ch::One], &[]));
    }
}
