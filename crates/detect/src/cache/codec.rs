//! The rule cache's payload: what [`EngineBuilder`](crate::EngineBuilder)
//! holds after reading YAML (rules as trees, refusals, correlations), as
//! LEB128 varints and length-prefixed UTF-8. Reading checks every length,
//! tag and string against the bytes there are, and refuses (`None`) rather
//! than panics or allocates beyond the input's size.

use crate::correlation::{Condition, CorrelationKind, ParsedCorrelation};
use crate::pattern::{Glob, Piece, StrPat};
use crate::rule::{Check, Cmp, Item, LazyRegex, RefKind, Tree};
use crate::{CheckReport, Level, LogSource, Reason, Refusal, RuleInfo};

/// Trees nested deeper than this are refused (the parser's own limits keep
/// real rules far below it; recursion stays shallow on a damaged file).
const MAX_DEPTH: usize = 512;

/// The parsed state of a rule set.
pub(crate) struct State {
    pub files: usize,
    pub refused: Vec<Refusal>,
    pub parsed: Vec<(RuleInfo, Tree)>,
    pub correlations: Vec<ParsedCorrelation>,
}

// ------------------------------------------------------------------ writing

#[derive(Default)]
pub(crate) struct W(pub Vec<u8>);

impl W {
    pub fn u(&mut self, mut v: u64) {
        loop {
            let b = (v & 0x7f) as u8;
            v >>= 7;
            if v == 0 {
                self.0.push(b);
                return;
            }
            self.0.push(b | 0x80);
        }
    }
    fn i(&mut self, v: i64) {
        self.u(((v << 1) ^ (v >> 63)) as u64);
    }
    fn b(&mut self, v: bool) {
        self.0.push(v as u8);
    }
    pub fn s(&mut self, s: &str) {
        self.u(s.len() as u64);
        self.0.extend_from_slice(s.as_bytes());
    }
    fn bytes(&mut self, s: &[u8]) {
        self.u(s.len() as u64);
        self.0.extend_from_slice(s);
    }
    fn opt_s(&mut self, s: Option<&str>) {
        match s {
            Some(s) => {
                self.0.push(1);
                self.s(s);
            }
            None => self.0.push(0),
        }
    }
    fn opt_u(&mut self, v: Option<u64>) {
        match v {
            Some(v) => {
                self.0.push(1);
                self.u(v);
            }
            None => self.0.push(0),
        }
    }
    fn list(&mut self, xs: &[String]) {
        self.u(xs.len() as u64);
        for x in xs {
            self.s(x);
        }
    }
}

pub(crate) fn encode(
    report: &CheckReport,
    parsed: &[(RuleInfo, Tree)],
    correlations: &[ParsedCorrelation],
) -> Vec<u8> {
    let mut w = W(Vec::with_capacity(1 << 20));
    w.u(report.files as u64);
    w.u(report.refused.len() as u64);
    for r in &report.refused {
        w.s(&r.source);
        w.opt_s(r.id.as_deref());
        w.opt_s(r.title.as_deref());
        reason(&mut w, &r.reason);
    }
    w.u(parsed.len() as u64);
    for (info, tree) in parsed {
        rule_info(&mut w, info);
        self::tree(&mut w, tree);
    }
    w.u(correlations.len() as u64);
    for c in correlations {
        rule_info(&mut w, &c.info);
        w.opt_s(c.name.as_deref());
        w.0.push(match c.kind {
            CorrelationKind::EventCount => 0,
            CorrelationKind::ValueCount => 1,
            CorrelationKind::Temporal => 2,
            CorrelationKind::TemporalOrdered => 3,
        });
        w.list(&c.references);
        w.list(&c.group_by);
        w.i(c.timespan_ms);
        let k = &c.condition;
        for v in [k.gt, k.gte, k.lt, k.lte, k.eq] {
            w.opt_u(v);
        }
        w.opt_s(c.field.as_deref());
        w.u(c.aliases.len() as u64);
        for (alias, m) in &c.aliases {
            w.s(alias);
            w.u(m.len() as u64);
            for (r, f) in m {
                w.s(r);
                w.s(f);
            }
        }
        w.b(c.generate);
    }
    w.0
}

const REASONS: [&str; 11] = [
    "yaml",
    "not_a_rule",
    "detection",
    "condition",
    "modifier",
    "value",
    "regex",
    "placeholder",
    "unsupported",
    "duplicate",
    "correlation",
];

fn reason(w: &mut W, r: &Reason) {
    let code = REASONS.iter().position(|c| *c == r.code()).unwrap_or(0);
    w.0.push(code as u8);
    let text = match r {
        Reason::Yaml(s)
        | Reason::NotARule(s)
        | Reason::Detection(s)
        | Reason::Condition(s)
        | Reason::Modifier(s)
        | Reason::Value(s)
        | Reason::Regex(s)
        | Reason::Placeholder(s)
        | Reason::Unsupported(s)
        | Reason::Duplicate(s)
        | Reason::Correlation(s) => s,
    };
    w.s(text);
}

fn rule_info(w: &mut W, r: &RuleInfo) {
    w.s(&r.id);
    w.opt_s(r.name.as_deref());
    w.s(&r.title);
    w.0.push(r.level as u8);
    w.s(&r.status);
    w.s(&r.author);
    w.list(&r.tags);
    w.opt_s(r.logsource.product.as_deref());
    w.opt_s(r.logsource.category.as_deref());
    w.opt_s(r.logsource.service.as_deref());
    w.s(&r.source);
}

fn tree(w: &mut W, t: &Tree) {
    match t {
        Tree::And(xs) | Tree::Or(xs) => {
            w.0.push(if matches!(t, Tree::And(_)) { 0 } else { 1 });
            w.u(xs.len() as u64);
            for x in xs {
                tree(w, x);
            }
        }
        Tree::Not(x) => {
            w.0.push(2);
            tree(w, x);
        }
        Tree::Const(b) => w.0.push(if *b { 4 } else { 3 }),
        Tree::Item(it) => {
            w.0.push(5);
            w.opt_s(it.field.as_deref());
            w.b(it.all);
            w.u(it.checks.len() as u64);
            for c in &it.checks {
                check(w, c);
            }
        }
    }
}

fn check(w: &mut W, c: &Check) {
    match c {
        Check::Text { pat, cased } => {
            w.0.push(0);
            w.b(*cased);
            str_pat(w, pat);
        }
        Check::Int(i) => {
            w.0.push(1);
            w.i(*i);
        }
        Check::Regex(r) => {
            w.0.push(2);
            let (p, (i, m, s)) = r.parts();
            w.s(p);
            w.0.push(i as u8 | (m as u8) << 1 | (s as u8) << 2);
        }
        Check::Cidr(net) => {
            w.0.push(3);
            w.s(&net.to_string());
        }
        Check::Cmp(op, n) => {
            w.0.push(4);
            w.0.push(match op {
                Cmp::Lt => 0,
                Cmp::Lte => 1,
                Cmp::Gt => 2,
                Cmp::Gte => 3,
            });
            w.0.extend_from_slice(&n.to_bits().to_le_bytes());
        }
        Check::FieldRef { other, how, cased } => {
            w.0.push(5);
            w.s(other);
            w.0.push(match how {
                RefKind::Eq => 0,
                RefKind::Contains => 1,
                RefKind::Prefix => 2,
                RefKind::Suffix => 3,
            });
            w.b(*cased);
        }
        Check::Exists(b) => {
            w.0.push(6);
            w.b(*b);
        }
        Check::Null => w.0.push(7),
    }
}

fn str_pat(w: &mut W, p: &StrPat) {
    match p {
        StrPat::Eq(s) => {
            w.0.push(0);
            w.s(s);
        }
        StrPat::Prefix(s) => {
            w.0.push(1);
            w.s(s);
        }
        StrPat::Suffix(s) => {
            w.0.push(2);
            w.s(s);
        }
        StrPat::Contains(f) => {
            w.0.push(3);
            w.bytes(f.needle());
        }
        StrPat::Glob(g) => {
            w.0.push(4);
            let (start, end, segs) = g.parts();
            w.b(start);
            w.b(end);
            w.u(segs.len() as u64);
            for seg in segs {
                w.u(seg.len() as u64);
                for piece in seg {
                    match piece {
                        Piece::Lit(s) => {
                            w.0.push(0);
                            w.s(s);
                        }
                        Piece::Star => w.0.push(1),
                        Piece::One => w.0.push(2),
                    }
                }
            }
        }
        StrPat::Any => w.0.push(5),
    }
}

// ------------------------------------------------------------------ reading

pub(crate) struct R<'a> {
    b: &'a [u8],
    p: usize,
}

impl<'a> R<'a> {
    pub fn new(b: &'a [u8]) -> Self {
        R { b, p: 0 }
    }
    pub fn at_end(&self) -> bool {
        self.p == self.b.len()
    }
    fn byte(&mut self) -> Option<u8> {
        let v = *self.b.get(self.p)?;
        self.p += 1;
        Some(v)
    }
    pub fn u(&mut self) -> Option<u64> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.byte()?;
            v |= ((b & 0x7f) as u64) << shift;
            if b & 0x80 == 0 {
                return Some(v);
            }
        }
        None
    }
    fn i(&mut self) -> Option<i64> {
        let u = self.u()?;
        Some(((u >> 1) as i64) ^ -((u & 1) as i64))
    }
    fn b(&mut self) -> Option<bool> {
        match self.byte()? {
            0 => Some(false),
            1 => Some(true),
            _ => None,
        }
    }
    /// A count of items each at least one byte long: never more than the bytes left.
    fn count(&mut self) -> Option<usize> {
        let n = usize::try_from(self.u()?).ok()?;
        (n <= self.b.len() - self.p).then_some(n)
    }
    fn raw(&mut self) -> Option<&'a [u8]> {
        let n = self.count()?;
        let s = &self.b[self.p..self.p + n];
        self.p += n;
        Some(s)
    }
    pub fn s(&mut self) -> Option<String> {
        std::str::from_utf8(self.raw()?).ok().map(str::to_string)
    }
    fn opt_s(&mut self) -> Option<Option<String>> {
        Some(if self.b()? { Some(self.s()?) } else { None })
    }
    fn opt_u(&mut self) -> Option<Option<u64>> {
        Some(if self.b()? { Some(self.u()?) } else { None })
    }
    fn list(&mut self) -> Option<Vec<String>> {
        let n = self.count()?;
        (0..n).map(|_| self.s()).collect()
    }
}

pub(crate) fn decode(bytes: &[u8]) -> Option<State> {
    let mut r = R::new(bytes);
    let files = usize::try_from(r.u()?).ok()?;
    let n = r.count()?;
    let mut refused = Vec::with_capacity(n);
    for _ in 0..n {
        refused.push(Refusal {
            source: r.s()?,
            id: r.opt_s()?,
            title: r.opt_s()?,
            reason: read_reason(&mut r)?,
        });
    }
    let n = r.count()?;
    let mut parsed = Vec::with_capacity(n);
    for _ in 0..n {
        let info = read_rule_info(&mut r)?;
        let t = read_tree(&mut r, 0)?;
        parsed.push((info, t));
    }
    let n = r.count()?;
    let mut correlations = Vec::with_capacity(n);
    for _ in 0..n {
        let info = read_rule_info(&mut r)?;
        let name = r.opt_s()?;
        let kind = match r.byte()? {
            0 => CorrelationKind::EventCount,
            1 => CorrelationKind::ValueCount,
            2 => CorrelationKind::Temporal,
            3 => CorrelationKind::TemporalOrdered,
            _ => return None,
        };
        let references = r.list()?;
        let group_by = r.list()?;
        let timespan_ms = r.i()?;
        let condition = Condition {
            gt: r.opt_u()?,
            gte: r.opt_u()?,
            lt: r.opt_u()?,
            lte: r.opt_u()?,
            eq: r.opt_u()?,
        };
        let field = r.opt_s()?;
        let na = r.count()?;
        let mut aliases = Vec::with_capacity(na);
        for _ in 0..na {
            let alias = r.s()?;
            let nm = r.count()?;
            let mut m = Vec::with_capacity(nm);
            for _ in 0..nm {
                m.push((r.s()?, r.s()?));
            }
            aliases.push((alias, m));
        }
        let generate = r.b()?;
        correlations.push(ParsedCorrelation {
            info,
            name,
            kind,
            references,
            group_by,
            timespan_ms,
            condition,
            field,
            aliases,
            generate,
        });
    }
    if !r.at_end() {
        return None;
    }
    Some(State {
        files,
        refused,
        parsed,
        correlations,
    })
}

fn read_reason(r: &mut R) -> Option<Reason> {
    let code = r.byte()?;
    let s = r.s()?;
    Some(match *REASONS.get(code as usize)? {
        "yaml" => Reason::Yaml(s),
        "not_a_rule" => Reason::NotARule(s),
        "detection" => Reason::Detection(s),
        "condition" => Reason::Condition(s),
        "modifier" => Reason::Modifier(s),
        "value" => Reason::Value(s),
        "regex" => Reason::Regex(s),
        "placeholder" => Reason::Placeholder(s),
        "unsupported" => Reason::Unsupported(s),
        "duplicate" => Reason::Duplicate(s),
        _ => Reason::Correlation(s),
    })
}

fn read_rule_info(r: &mut R) -> Option<RuleInfo> {
    Some(RuleInfo {
        id: r.s()?,
        name: r.opt_s()?,
        title: r.s()?,
        level: match r.byte()? {
            x if x == Level::Unknown as u8 => Level::Unknown,
            x if x == Level::Informational as u8 => Level::Informational,
            x if x == Level::Low as u8 => Level::Low,
            x if x == Level::Medium as u8 => Level::Medium,
            x if x == Level::High as u8 => Level::High,
            x if x == Level::Critical as u8 => Level::Critical,
            _ => return None,
        },
        status: r.s()?,
        author: r.s()?,
        tags: r.list()?,
        logsource: LogSource {
            product: r.opt_s()?,
            category: r.opt_s()?,
            service: r.opt_s()?,
        },
        source: r.s()?,
    })
}

fn read_tree(r: &mut R, depth: usize) -> Option<Tree> {
    if depth > MAX_DEPTH {
        return None;
    }
    Some(match r.byte()? {
        tag @ (0 | 1) => {
            let n = r.count()?;
            let mut xs = Vec::with_capacity(n);
            for _ in 0..n {
                xs.push(read_tree(r, depth + 1)?);
            }
            if tag == 0 {
                Tree::And(xs)
            } else {
                Tree::Or(xs)
            }
        }
        2 => Tree::Not(Box::new(read_tree(r, depth + 1)?)),
        3 => Tree::Const(false),
        4 => Tree::Const(true),
        5 => {
            let field = r.opt_s()?;
            let all = r.b()?;
            let n = r.count()?;
            let mut checks = Vec::with_capacity(n);
            for _ in 0..n {
                checks.push(read_check(r)?);
            }
            Tree::Item(Item { field, checks, all })
        }
        _ => return None,
    })
}

fn read_check(r: &mut R) -> Option<Check> {
    Some(match r.byte()? {
        0 => {
            let cased = r.b()?;
            Check::Text {
                pat: read_str_pat(r)?,
                cased,
            }
        }
        1 => Check::Int(r.i()?),
        2 => {
            let p = r.s()?;
            let f = r.byte()?;
            if f > 7 {
                return None;
            }
            Check::Regex(LazyRegex::unchecked(&p, f & 1 != 0, f & 2 != 0, f & 4 != 0))
        }
        3 => Check::Cidr(r.s()?.parse().ok()?),
        4 => {
            let op = match r.byte()? {
                0 => Cmp::Lt,
                1 => Cmp::Lte,
                2 => Cmp::Gt,
                3 => Cmp::Gte,
                _ => return None,
            };
            let mut b = [0u8; 8];
            for x in &mut b {
                *x = r.byte()?;
            }
            Check::Cmp(op, f64::from_bits(u64::from_le_bytes(b)))
        }
        5 => {
            let other = r.s()?;
            let how = match r.byte()? {
                0 => RefKind::Eq,
                1 => RefKind::Contains,
                2 => RefKind::Prefix,
                3 => RefKind::Suffix,
                _ => return None,
            };
            Check::FieldRef {
                other,
                how,
                cased: r.b()?,
            }
        }
        6 => Check::Exists(r.b()?),
        7 => Check::Null,
        _ => return None,
    })
}

fn read_str_pat(r: &mut R) -> Option<StrPat> {
    Some(match r.byte()? {
        0 => StrPat::Eq(r.s()?.into()),
        1 => StrPat::Prefix(r.s()?.into()),
        2 => StrPat::Suffix(r.s()?.into()),
        3 => {
            let needle = r.raw()?;
            StrPat::Contains(Box::new(memchr::memmem::Finder::new(needle).into_owned()))
        }
        4 => {
            let start = r.b()?;
            let end = r.b()?;
            let n = r.count()?;
            let mut segs = Vec::with_capacity(n);
            for _ in 0..n {
                let m = r.count()?;
                let mut seg = Vec::with_capacity(m);
                for _ in 0..m {
                    seg.push(match r.byte()? {
                        0 => Piece::Lit(r.s()?),
                        1 => Piece::Star,
                        2 => Piece::One,
                        _ => return None,
                    });
                }
                segs.push(seg);
            }
            StrPat::Glob(Glob::from_parts(start, end, segs)?)
        }
        5 => StrPat::Any,
        _ => return None,
    })
}
