//! Reading a Sigma rule (YAML) into a detection tree whose tests still name
//! fields by their Sigma names, and the condition language.

use crate::pattern::{self, Piece, StrPat, Utf16};
use crate::{Level, LogSource, Reason, RuleInfo};
use std::collections::HashMap;
use std::sync::{Arc, OnceLock};
use yaml_rust2::Yaml;

/// How a test reads a field's value.
#[derive(Debug, Clone)]
pub(crate) enum Check {
    /// A string test on the lowercased value (or the value as it is when `cased`).
    Text {
        pat: StrPat,
        cased: bool,
    },
    /// An integer written in the rule: the same text, or the same number.
    Int(i64),
    Regex(LazyRegex),
    Cidr(ipnet::IpNet),
    Cmp(Cmp, f64),
    /// Compare with another field's value.
    FieldRef {
        other: String,
        how: RefKind,
        cased: bool,
    },
    Exists(bool),
    /// The field is absent or null.
    Null,
}

/// A `|re` pattern: its syntax is checked when the rule is read (a bad one
/// refuses the rule), and it is compiled on first use, once, shared by every
/// clone. Compiling the regular expressions of all SigmaHQ rules is a tenth
/// of the start-up, and most of them never see an event of their kind. A
/// pattern whose syntax is right but that exceeds the size limits once
/// compiled never matches.
#[derive(Clone)]
pub(crate) struct LazyRegex(Arc<LazyInner>);

struct LazyInner {
    pattern: Box<str>,
    flags: (bool, bool, bool),
    re: OnceLock<Option<regex::Regex>>,
}

impl std::fmt::Debug for LazyRegex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "LazyRegex({:?})", self.0.pattern)
    }
}

impl LazyRegex {
    /// Checks the syntax (case-insensitive, multi-line, dot-all flags).
    pub(crate) fn new(pattern: &str, i: bool, m: bool, s: bool) -> Result<Self, String> {
        regex_syntax::ParserBuilder::new()
            .case_insensitive(i)
            .multi_line(m)
            .dot_matches_new_line(s)
            .nest_limit(100)
            .build()
            .parse(pattern)
            .map_err(|e| e.to_string())?;
        Ok(LazyRegex(Arc::new(LazyInner {
            pattern: pattern.into(),
            flags: (i, m, s),
            re: OnceLock::new(),
        })))
    }

    /// A pattern read back from the rule cache, whose syntax was checked
    /// when the rule was first read (a pattern that does not compile never
    /// matches, as above).
    pub(crate) fn unchecked(pattern: &str, i: bool, m: bool, s: bool) -> Self {
        LazyRegex(Arc::new(LazyInner {
            pattern: pattern.into(),
            flags: (i, m, s),
            re: OnceLock::new(),
        }))
    }

    /// The pattern and its flags (case-insensitive, multi-line, dot-all).
    pub(crate) fn parts(&self) -> (&str, (bool, bool, bool)) {
        (&self.0.pattern, self.0.flags)
    }

    fn compiled(&self) -> Option<&regex::Regex> {
        self.0
            .re
            .get_or_init(|| {
                let (i, m, s) = self.0.flags;
                regex::RegexBuilder::new(&self.0.pattern)
                    .case_insensitive(i)
                    .multi_line(m)
                    .dot_matches_new_line(s)
                    .size_limit(8 << 20)
                    .dfa_size_limit(8 << 20)
                    .nest_limit(100)
                    .build()
                    .ok()
            })
            .as_ref()
    }

    pub(crate) fn is_match(&self, text: &str) -> bool {
        self.compiled().is_some_and(|r| r.is_match(text))
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Cmp {
    Lt,
    Lte,
    Gt,
    Gte,
}

#[derive(Debug, Clone, Copy)]
pub(crate) enum RefKind {
    Eq,
    Contains,
    Prefix,
    Suffix,
}

/// A field test: `field|mods: values`. `field` is `None` for keywords (any field).
#[derive(Debug, Clone)]
pub(crate) struct Item {
    pub field: Option<String>,
    pub checks: Vec<Check>,
    pub all: bool,
}

/// A detection tree over items.
#[derive(Debug, Clone)]
pub(crate) enum Tree {
    And(Vec<Tree>),
    Or(Vec<Tree>),
    Not(Box<Tree>),
    Item(Item),
    Const(bool),
}

/// A parsed rule.
#[derive(Debug)]
pub(crate) struct Parsed {
    pub info: RuleInfo,
    pub tree: Tree,
}

/// Placeholders for the `expand` modifier: name (without `%`) → values.
pub type Placeholders = HashMap<String, Vec<String>>;

const MAX_VARIANTS: usize = 256;

fn s(y: &Yaml) -> Option<&str> {
    y.as_str()
}

fn get<'a>(h: &'a yaml_rust2::yaml::Hash, k: &str) -> Option<&'a Yaml> {
    h.get(&Yaml::String(k.to_string()))
}

fn text_list(y: Option<&Yaml>) -> Vec<String> {
    match y {
        Some(Yaml::Array(a)) => a.iter().filter_map(scalar_text).collect(),
        Some(v) => scalar_text(v).into_iter().collect(),
        None => Vec::new(),
    }
}

pub(crate) fn scalar_text(y: &Yaml) -> Option<String> {
    match y {
        Yaml::String(s) | Yaml::Real(s) => Some(s.clone()),
        Yaml::Integer(i) => Some(i.to_string()),
        Yaml::Boolean(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Reads one YAML document that is a Sigma rule.
pub(crate) type Refused = Box<(Option<RuleInfo>, Reason)>;

pub(crate) fn parse_rule(doc: &Yaml, ph: &Placeholders) -> Result<Parsed, Refused> {
    parse_rule_inner(doc, ph).map_err(Box::new)
}

#[allow(clippy::result_large_err)] // boxed by parse_rule
fn parse_rule_inner(doc: &Yaml, ph: &Placeholders) -> Result<Parsed, (Option<RuleInfo>, Reason)> {
    let Yaml::Hash(h) = doc else {
        return Err((
            None,
            Reason::NotARule("the document is not a mapping".into()),
        ));
    };
    let info = RuleInfo {
        id: get(h, "id").and_then(s).unwrap_or("").to_string(),
        name: get(h, "name").and_then(s).map(str::to_string),
        title: get(h, "title").and_then(s).unwrap_or("").to_string(),
        level: get(h, "level")
            .and_then(s)
            .map(Level::parse)
            .unwrap_or(Level::Unknown),
        status: get(h, "status").and_then(s).unwrap_or("").to_string(),
        author: get(h, "author").and_then(scalar_text).unwrap_or_default(),
        tags: text_list(get(h, "tags")),
        logsource: match get(h, "logsource") {
            Some(Yaml::Hash(l)) => LogSource {
                product: get(l, "product")
                    .and_then(scalar_text)
                    .map(|v| v.to_ascii_lowercase()),
                category: get(l, "category")
                    .and_then(scalar_text)
                    .map(|v| v.to_ascii_lowercase()),
                service: get(l, "service")
                    .and_then(scalar_text)
                    .map(|v| v.to_ascii_lowercase()),
            },
            _ => LogSource::default(),
        },
        source: String::new(),
    };
    if get(h, "correlation").is_some() {
        return Err((
            Some(info),
            Reason::Unsupported("correlation rule (not yet evaluated)".into()),
        ));
    }
    if get(h, "filter").is_some() && get(h, "detection").is_none() {
        return Err((
            Some(info),
            Reason::Unsupported("filter rule (Sigma 2.x meta filter)".into()),
        ));
    }
    let Some(Yaml::Hash(det)) = get(h, "detection") else {
        return Err((Some(info), Reason::NotARule("no detection section".into())));
    };
    if info.title.is_empty() {
        return Err((Some(info), Reason::NotARule("no title".into())));
    }
    let mut searches: Vec<(String, Tree)> = Vec::new();
    let mut conditions: Vec<String> = Vec::new();
    for (k, v) in det {
        let Some(name) = k.as_str() else {
            return Err((
                Some(info),
                Reason::Detection("a search identifier is not text".into()),
            ));
        };
        match name {
            "condition" => match v {
                Yaml::String(c) => conditions.push(c.clone()),
                Yaml::Array(a) => {
                    for c in a {
                        match c.as_str() {
                            Some(c) => conditions.push(c.to_string()),
                            None => {
                                return Err((
                                    Some(info),
                                    Reason::Condition("a condition is not text".into()),
                                ))
                            }
                        }
                    }
                }
                _ => {
                    return Err((
                        Some(info),
                        Reason::Condition("the condition is not text".into()),
                    ))
                }
            },
            "timeframe" => {}
            _ => match search(v, ph, 0) {
                Ok(t) => searches.push((name.to_string(), t)),
                Err(r) => return Err((Some(info), r)),
            },
        }
    }
    if conditions.is_empty() {
        return Err((Some(info), Reason::Condition("no condition".into())));
    }
    let mut alts = Vec::new();
    for c in &conditions {
        match parse_condition(c, &searches) {
            Ok(t) => alts.push(t),
            Err(r) => return Err((Some(info), r)),
        }
    }
    let tree = if alts.len() == 1 {
        alts.pop().expect("one")
    } else {
        Tree::Or(alts)
    };
    Ok(Parsed { info, tree })
}

/// A search identifier's value.
fn search(v: &Yaml, ph: &Placeholders, depth: usize) -> Result<Tree, Reason> {
    if depth > 4 {
        return Err(Reason::Detection("search nested too deep".into()));
    }
    match v {
        Yaml::Hash(m) => {
            let mut items = Vec::new();
            for (k, val) in m {
                let key = match k {
                    Yaml::String(s) => s.clone(),
                    Yaml::Integer(i) => i.to_string(),
                    Yaml::Null => String::new(),
                    _ => return Err(Reason::Detection("a field name is not text".into())),
                };
                items.push(field_item(&key, val, ph)?);
            }
            if items.is_empty() {
                return Err(Reason::Detection("empty search".into()));
            }
            Ok(if items.len() == 1 {
                items.pop().expect("one")
            } else {
                Tree::And(items)
            })
        }
        Yaml::Array(a) => {
            if a.is_empty() {
                return Err(Reason::Detection("empty search list".into()));
            }
            let all_scalars = a
                .iter()
                .all(|x| !matches!(x, Yaml::Hash(_) | Yaml::Array(_)));
            if all_scalars {
                // Keywords: any field holds any of them.
                return keyword_item(&[], a, ph);
            }
            let mut alts = Vec::new();
            for x in a {
                match x {
                    Yaml::Hash(_) => alts.push(search(x, ph, depth + 1)?),
                    Yaml::Array(_) => {
                        return Err(Reason::Detection("list inside a search list".into()))
                    }
                    other => alts.push(keyword_item(&[], std::slice::from_ref(other), ph)?),
                }
            }
            Ok(Tree::Or(alts))
        }
        Yaml::String(_) | Yaml::Integer(_) | Yaml::Real(_) | Yaml::Boolean(_) => {
            keyword_item(&[], std::slice::from_ref(v), ph)
        }
        _ => Err(Reason::Detection(
            "a search is neither a map, a list nor a value".into(),
        )),
    }
}

fn keyword_item(mods: &[&str], vals: &[Yaml], ph: &Placeholders) -> Result<Tree, Reason> {
    let mut m: Vec<&str> = mods.to_vec();
    if !m
        .iter()
        .any(|x| matches!(*x, "contains" | "startswith" | "endswith" | "re"))
    {
        // A keyword is found anywhere in a value.
        m.push("contains");
    }
    let item = build_item(None, &m, vals, ph)?;
    Ok(Tree::Item(item))
}

fn field_item(key: &str, val: &Yaml, ph: &Placeholders) -> Result<Tree, Reason> {
    let mut parts = key.split('|');
    let field = parts.next().unwrap_or("").trim().to_string();
    let mods: Vec<&str> = parts.collect();
    let vals: Vec<Yaml> = match val {
        Yaml::Array(a) => a.clone(),
        other => vec![other.clone()],
    };
    if field.is_empty() {
        return keyword_item(&mods, &vals, ph);
    }
    Ok(Tree::Item(build_item(Some(field), &mods, &vals, ph)?))
}

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Eq,
    Contains,
    Starts,
    Ends,
    Re,
    Cidr,
    Exists,
    FieldRef,
    Cmp(Cmp),
}

#[derive(Clone, Copy)]
enum Enc {
    Base64,
    Base64Offset,
    Utf16(Utf16),
    Windash,
    Expand,
}

fn build_item(
    field: Option<String>,
    mods: &[&str],
    vals: &[Yaml],
    ph: &Placeholders,
) -> Result<Item, Reason> {
    let mut kind = Kind::Eq;
    let mut encs: Vec<Enc> = Vec::new();
    let (mut all, mut cased) = (false, false);
    let (mut re_i, mut re_m, mut re_s) = (false, false, false);
    let set_kind = |k: Kind, kind: &mut Kind, name: &str| -> Result<(), Reason> {
        // fieldref combines with contains/startswith/endswith (Sigma 2.1).
        let refmix = |a: Kind, b: Kind| {
            a == Kind::FieldRef && matches!(b, Kind::Contains | Kind::Starts | Kind::Ends)
        };
        if refmix(*kind, k) || refmix(k, *kind) {
            *kind = Kind::FieldRef;
            return Ok(());
        }
        if *kind != Kind::Eq {
            return Err(Reason::Modifier(format!(
                "two matching modifiers ('{name}')"
            )));
        }
        *kind = k;
        Ok(())
    };
    for &m in mods {
        match m.trim() {
            "contains" => set_kind(Kind::Contains, &mut kind, m)?,
            "startswith" => set_kind(Kind::Starts, &mut kind, m)?,
            "endswith" => set_kind(Kind::Ends, &mut kind, m)?,
            "re" => set_kind(Kind::Re, &mut kind, m)?,
            "cidr" => set_kind(Kind::Cidr, &mut kind, m)?,
            "exists" => set_kind(Kind::Exists, &mut kind, m)?,
            "fieldref" => set_kind(Kind::FieldRef, &mut kind, m)?,
            "lt" => set_kind(Kind::Cmp(Cmp::Lt), &mut kind, m)?,
            "lte" => set_kind(Kind::Cmp(Cmp::Lte), &mut kind, m)?,
            "gt" => set_kind(Kind::Cmp(Cmp::Gt), &mut kind, m)?,
            "gte" => set_kind(Kind::Cmp(Cmp::Gte), &mut kind, m)?,
            "all" => all = true,
            "cased" => cased = true,
            "i" | "ignorecase" => re_i = true,
            "m" | "multiline" => re_m = true,
            "s" | "dotall" => re_s = true,
            "base64" => encs.push(Enc::Base64),
            "base64offset" => encs.push(Enc::Base64Offset),
            "wide" | "utf16le" => encs.push(Enc::Utf16(Utf16::Le)),
            "utf16be" => encs.push(Enc::Utf16(Utf16::Be)),
            "utf16" => encs.push(Enc::Utf16(Utf16::Bom)),
            "windash" => encs.push(Enc::Windash),
            "expand" => encs.push(Enc::Expand),
            other => return Err(Reason::Modifier(format!("unknown modifier '{other}'"))),
        }
    }
    // A FieldRef combined with contains/startswith/endswith (Sigma 2.1).
    let fieldref = mods.contains(&"fieldref");
    if fieldref {
        kind = Kind::FieldRef;
    }
    let mut checks = Vec::new();
    for v in vals {
        match kind {
            Kind::Exists => match v {
                Yaml::Boolean(b) => checks.push(Check::Exists(*b)),
                Yaml::String(s)
                    if s.eq_ignore_ascii_case("true") || s.eq_ignore_ascii_case("false") =>
                {
                    checks.push(Check::Exists(s.eq_ignore_ascii_case("true")))
                }
                _ => return Err(Reason::Modifier("exists needs true or false".into())),
            },
            Kind::Cmp(c) => {
                let n = scalar_text(v)
                    .and_then(|t| crate::event::parse_number(&t))
                    .ok_or_else(|| Reason::Modifier("lt/lte/gt/gte need a number".into()))?;
                checks.push(Check::Cmp(c, n));
            }
            Kind::Cidr => {
                let t = scalar_text(v).ok_or_else(|| Reason::Modifier("cidr needs text".into()))?;
                let net = t
                    .trim()
                    .parse::<ipnet::IpNet>()
                    .or_else(|_| t.trim().parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                    .map_err(|_| Reason::Value(format!("not a CIDR block: '{t}'")))?;
                checks.push(Check::Cidr(net));
            }
            Kind::FieldRef => {
                let t = scalar_text(v)
                    .ok_or_else(|| Reason::Modifier("fieldref needs a field name".into()))?;
                let how = if mods.contains(&"contains") {
                    RefKind::Contains
                } else if mods.contains(&"startswith") {
                    RefKind::Prefix
                } else if mods.contains(&"endswith") {
                    RefKind::Suffix
                } else {
                    RefKind::Eq
                };
                checks.push(Check::FieldRef {
                    other: t,
                    how,
                    cased,
                });
            }
            Kind::Re => {
                let t = scalar_text(v).ok_or_else(|| Reason::Modifier("re needs text".into()))?;
                let r = LazyRegex::new(&t, re_i, re_m, re_s)
                    .map_err(|e| Reason::Regex(first_line(&e)))?;
                checks.push(Check::Regex(r));
            }
            Kind::Eq | Kind::Contains | Kind::Starts | Kind::Ends => match v {
                Yaml::Null => {
                    if !encs.is_empty() || kind != Kind::Eq {
                        return Err(Reason::Value("null with a modifier".into()));
                    }
                    checks.push(Check::Null);
                }
                Yaml::Integer(i) if encs.is_empty() && kind == Kind::Eq => {
                    checks.push(Check::Int(*i))
                }
                Yaml::Array(_) | Yaml::Hash(_) => {
                    return Err(Reason::Value("a value is a list or a map".into()))
                }
                Yaml::Alias(_) | Yaml::BadValue => {
                    return Err(Reason::Value("unreadable value".into()))
                }
                _ => {
                    let raw = scalar_text(v).unwrap_or_default();
                    // Integers, floats and booleans are plain text: no wildcards.
                    let pieces = if matches!(v, Yaml::String(_)) {
                        pattern::parse_sigma(&raw)
                    } else {
                        vec![Piece::Lit(raw)]
                    };
                    for p in encode(pieces, &encs, ph)? {
                        checks.push(text_check(p, kind, cased));
                    }
                }
            },
        }
    }
    if checks.is_empty() {
        return Err(Reason::Value("a field has no values".into()));
    }
    if all
        && checks.len() > 1
        && matches!(kind, Kind::Eq | Kind::Contains | Kind::Starts | Kind::Ends)
        && encs
            .iter()
            .any(|e| matches!(e, Enc::Windash | Enc::Base64Offset | Enc::Expand))
    {
        // `all` over values that fan out into variants would need grouping; refuse honestly.
        return Err(Reason::Modifier(
            "'all' with a modifier that makes several variants of a value".into(),
        ));
    }
    Ok(Item { field, checks, all })
}

fn first_line(s: &str) -> String {
    s.lines()
        .rfind(|l| !l.trim().is_empty())
        .unwrap_or(s)
        .trim()
        .to_string()
}

fn encode(pieces: Vec<Piece>, encs: &[Enc], ph: &Placeholders) -> Result<Vec<Vec<Piece>>, Reason> {
    let mut cur: Vec<Vec<Piece>> = vec![pieces];
    // Bytes after an encoding that is not text any more (utf16 before base64).
    let mut bytes: Option<Vec<Vec<u8>>> = None;
    for e in encs {
        match e {
            Enc::Expand => {
                let mut next = Vec::new();
                for p in &cur {
                    next.extend(expand(p, ph)?);
                }
                cur = next;
            }
            Enc::Windash => {
                let mut next = Vec::new();
                for p in &cur {
                    next.extend(pattern::windash(p, MAX_VARIANTS));
                }
                cur = next;
            }
            Enc::Utf16(k) => {
                let src = take_bytes(&mut bytes, &cur)?;
                bytes = Some(src.iter().map(|b| pattern::utf16(b, *k)).collect());
            }
            Enc::Base64 | Enc::Base64Offset => {
                let src = take_bytes(&mut bytes, &cur)?;
                let mut next = Vec::new();
                for b in &src {
                    if let Enc::Base64 = e {
                        next.push(vec![Piece::Lit(pattern::base64_plain(b))]);
                    } else {
                        for s in pattern::base64_offsets(b) {
                            next.push(vec![Piece::Lit(s)]);
                        }
                    }
                }
                cur = next;
            }
        }
        if cur.len() > MAX_VARIANTS * 4 {
            return Err(Reason::Value("too many variants of a value".into()));
        }
    }
    if let Some(b) = bytes {
        // utf16 without base64: match the code units as characters.
        cur = b
            .into_iter()
            .map(|v| vec![Piece::Lit(v.iter().map(|&c| c as char).collect())])
            .collect();
    }
    Ok(cur)
}

fn take_bytes(
    bytes: &mut Option<Vec<Vec<u8>>>,
    cur: &[Vec<Piece>],
) -> Result<Vec<Vec<u8>>, Reason> {
    if let Some(b) = bytes.take() {
        return Ok(b);
    }
    cur.iter()
        .map(|p| {
            if pattern::has_wildcards(p) {
                Err(Reason::Value("wildcards in a value to encode".into()))
            } else {
                Ok(pattern::plain_text(p).into_bytes())
            }
        })
        .collect()
}

fn expand(p: &[Piece], ph: &Placeholders) -> Result<Vec<Vec<Piece>>, Reason> {
    let text = pattern::plain_text(p);
    // Find %name% placeholders in literal pieces.
    let mut out: Vec<String> = vec![String::new()];
    let mut rest = text.as_str();
    let mut found = false;
    while let Some(a) = rest.find('%') {
        let after = &rest[a + 1..];
        let Some(b) = after.find('%') else { break };
        let name = &after[..b];
        if name.is_empty() || name.contains(char::is_whitespace) {
            for o in &mut out {
                o.push_str(&rest[..a + 1]);
            }
            rest = after;
            continue;
        }
        found = true;
        let vals = ph
            .get(name)
            .or_else(|| {
                ph.iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(name))
                    .map(|(_, v)| v)
            })
            .ok_or_else(|| Reason::Placeholder(name.to_string()))?;
        let mut next = Vec::new();
        for o in &out {
            for v in vals {
                next.push(format!("{o}{}{v}", &rest[..a]));
            }
        }
        out = next;
        rest = &after[b + 1..];
        if out.len() > MAX_VARIANTS {
            return Err(Reason::Value("too many placeholder values".into()));
        }
    }
    if !found {
        return Ok(vec![p.to_vec()]);
    }
    Ok(out
        .into_iter()
        .map(|o| pattern::parse_sigma(&format!("{o}{rest}")))
        .collect())
}

fn text_check(mut p: Vec<Piece>, kind: Kind, cased: bool) -> Check {
    match kind {
        Kind::Contains => {
            if p.first() != Some(&Piece::Star) {
                p.insert(0, Piece::Star);
            }
            if p.last() != Some(&Piece::Star) {
                p.push(Piece::Star);
            }
        }
        Kind::Starts if p.last() != Some(&Piece::Star) => p.push(Piece::Star),
        Kind::Ends if p.first() != Some(&Piece::Star) => p.insert(0, Piece::Star),
        _ => {}
    }
    if !cased {
        for x in &mut p {
            if let Piece::Lit(s) = x {
                *s = pattern::lower(s).into_owned();
            }
        }
    }
    Check::Text {
        pat: StrPat::new(&p),
        cased,
    }
}

// ---------------------------------------------------------------- conditions

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    LParen,
    RParen,
    And,
    Or,
    Not,
    Of,
    All,
    Num(u32),
    Them,
    Pipe,
    Ident(String),
}

fn lex(c: &str) -> Result<Vec<Tok>, Reason> {
    let mut out = Vec::new();
    let mut chars = c.char_indices().peekable();
    while let Some(&(i, ch)) = chars.peek() {
        if ch.is_whitespace() {
            chars.next();
            continue;
        }
        match ch {
            '(' => {
                out.push(Tok::LParen);
                chars.next();
            }
            ')' => {
                out.push(Tok::RParen);
                chars.next();
            }
            '|' => {
                out.push(Tok::Pipe);
                chars.next();
            }
            _ => {
                let start = i;
                let mut end = i;
                while let Some(&(j, c2)) = chars.peek() {
                    if c2.is_whitespace() || c2 == '(' || c2 == ')' || c2 == '|' {
                        break;
                    }
                    end = j + c2.len_utf8();
                    chars.next();
                }
                let w = &c[start..end];
                out.push(match w.to_ascii_lowercase().as_str() {
                    "and" => Tok::And,
                    "or" => Tok::Or,
                    "not" => Tok::Not,
                    "of" => Tok::Of,
                    "all" => Tok::All,
                    "any" => Tok::Num(1),
                    "them" => Tok::Them,
                    _ => match w.parse::<u32>() {
                        Ok(n) => Tok::Num(n),
                        Err(_) => Tok::Ident(w.to_string()),
                    },
                });
            }
        }
    }
    Ok(out)
}

struct CondParser<'a> {
    toks: Vec<Tok>,
    pos: usize,
    searches: &'a [(String, Tree)],
    depth: usize,
}

pub(crate) fn parse_condition(c: &str, searches: &[(String, Tree)]) -> Result<Tree, Reason> {
    let toks = lex(c)?;
    if toks.contains(&Tok::Pipe) {
        return Err(Reason::Unsupported(
            "aggregation in the condition (Sigma 1 '| count()')".into(),
        ));
    }
    let mut p = CondParser {
        toks,
        pos: 0,
        searches,
        depth: 0,
    };
    let t = p.or()?;
    if p.pos != p.toks.len() {
        return Err(Reason::Condition(format!(
            "unexpected '{:?}' in '{c}'",
            p.toks[p.pos]
        )));
    }
    Ok(t)
}

impl CondParser<'_> {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos)
    }
    fn or(&mut self) -> Result<Tree, Reason> {
        let mut alts = vec![self.and()?];
        while self.peek() == Some(&Tok::Or) {
            self.pos += 1;
            alts.push(self.and()?);
        }
        Ok(if alts.len() == 1 {
            alts.pop().expect("one")
        } else {
            Tree::Or(alts)
        })
    }
    fn and(&mut self) -> Result<Tree, Reason> {
        let mut xs = vec![self.not()?];
        while self.peek() == Some(&Tok::And) {
            self.pos += 1;
            xs.push(self.not()?);
        }
        Ok(if xs.len() == 1 {
            xs.pop().expect("one")
        } else {
            Tree::And(xs)
        })
    }
    fn not(&mut self) -> Result<Tree, Reason> {
        if self.peek() == Some(&Tok::Not) {
            self.pos += 1;
            self.depth += 1;
            if self.depth > 64 {
                return Err(Reason::Condition("condition nested too deep".into()));
            }
            let t = self.not()?;
            self.depth -= 1;
            return Ok(Tree::Not(Box::new(t)));
        }
        self.primary()
    }
    fn primary(&mut self) -> Result<Tree, Reason> {
        let tok = self.peek().cloned();
        match tok {
            Some(Tok::LParen) => {
                self.pos += 1;
                self.depth += 1;
                if self.depth > 64 {
                    return Err(Reason::Condition("condition nested too deep".into()));
                }
                let t = self.or()?;
                self.depth -= 1;
                if self.peek() != Some(&Tok::RParen) {
                    return Err(Reason::Condition("missing ')'".into()));
                }
                self.pos += 1;
                Ok(t)
            }
            Some(Tok::All) | Some(Tok::Num(_)) => {
                self.pos += 1;
                if self.peek() != Some(&Tok::Of) {
                    return Err(Reason::Condition("expected 'of' after a quantifier".into()));
                }
                self.pos += 1;
                let target = self.peek().cloned();
                self.pos += 1;
                let chosen: Vec<Tree> = match target {
                    Some(Tok::Them) => self
                        .searches
                        .iter()
                        .filter(|(n, _)| !n.starts_with('_'))
                        .map(|(_, t)| t.clone())
                        .collect(),
                    Some(Tok::Ident(pat)) => {
                        let glob = StrPat::new(&pattern::parse_sigma(&pat));
                        self.searches
                            .iter()
                            .filter(|(n, _)| glob.is_match(n))
                            .map(|(_, t)| t.clone())
                            .collect()
                    }
                    _ => {
                        return Err(Reason::Condition(
                            "expected a name or 'them' after 'of'".into(),
                        ))
                    }
                };
                if chosen.is_empty() {
                    return Err(Reason::Condition("'of' names no search".into()));
                }
                Ok(match tok {
                    Some(Tok::All) => Tree::And(chosen),
                    Some(Tok::Num(1)) => Tree::Or(chosen),
                    Some(Tok::Num(n)) => at_least(n as usize, chosen),
                    _ => Tree::Const(false),
                })
            }
            Some(Tok::Ident(name)) => {
                self.pos += 1;
                self.searches
                    .iter()
                    .find(|(n, _)| *n == name)
                    .map(|(_, t)| t.clone())
                    .ok_or_else(|| Reason::Condition(format!("unknown search '{name}'")))
            }
            other => Err(Reason::Condition(format!("unexpected {:?}", other))),
        }
    }
}

/// `N of X`: an OR over every choice of N (small N only).
fn at_least(n: usize, xs: Vec<Tree>) -> Tree {
    if n == 0 {
        return Tree::Const(true);
    }
    if n > xs.len() {
        return Tree::Const(false);
    }
    if n == xs.len() {
        return Tree::And(xs);
    }
    let mut alts = Vec::new();
    fn rec(start: usize, n: usize, xs: &[Tree], cur: &mut Vec<Tree>, out: &mut Vec<Tree>) {
        if out.len() > 1024 {
            return;
        }
        if cur.len() == n {
            out.push(Tree::And(cur.clone()));
            return;
        }
        for i in start..xs.len() {
            cur.push(xs[i].clone());
            rec(i + 1, n, xs, cur, out);
            cur.pop();
        }
    }
    rec(0, n, &xs, &mut Vec::new(), &mut alts);
    Tree::Or(alts)
}
