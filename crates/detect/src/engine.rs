//! The compiled rule set and its evaluation.

use crate::correlation::CorrelationSet;
use crate::event::{Event, SourceHint, ValueRef};
use crate::flat::EventBuf;
use crate::logsource::{EventKind, LogSourceMap};
use crate::pattern::{self, StrPat};
use crate::prefilter::{
    best_clauses, build_matchers, finish_bucket, plan_bucket, Bucket, Clause, FxBuild,
};
use crate::route::{KindSel, Routes};
use crate::rule::{self, Check, Cmp, Placeholders, RefKind, Tree};
use crate::{CheckReport, LogSource, Reason, Refusal, RuleInfo};
use std::collections::HashMap;

/// The field of keyword tests (any field).
pub(crate) const ANY: u32 = u32::MAX;

/// A scanner's arenas grown past this by one huge event are given back.
const ARENA_KEEP: usize = 1 << 20;

/// A scanner remembers at most this many spellings of field names.
const MAX_NAMES: usize = 4096;
/// In a scanner's names: no rule names this field.
const NO_FIELD: u32 = u32::MAX;

/// Writes an integer in decimal (what `{i}` writes, without the formatter).
fn push_int(out: &mut String, i: i64) {
    let mut digits = [0u8; 20];
    let mut n = i.unsigned_abs();
    let mut k = digits.len();
    loop {
        k -= 1;
        digits[k] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    if i < 0 {
        out.push('-');
    }
    for &d in &digits[k..] {
        out.push(d as char);
    }
}

#[derive(Debug, Clone)]
pub(crate) enum CCheck {
    Text {
        pat: StrPat,
        cased: bool,
    },
    Int {
        i: i64,
        text: Box<str>,
    },
    Regex(crate::rule::LazyRegex),
    Cidr(ipnet::IpNet),
    Cmp(Cmp, f64),
    FieldRef {
        other: u32,
        how: RefKind,
        cased: bool,
    },
    Exists(bool),
    Null,
}

#[derive(Debug, Clone)]
pub(crate) enum Node {
    And(Box<[Node]>),
    Or(Box<[Node]>),
    Not(Box<Node>),
    Const(bool),
    Test {
        field: u32,
        checks: Box<[CCheck]>,
        all: bool,
    },
}

#[derive(Debug)]
struct Variant {
    rule: u32,
    node: Node,
    /// How many literal clauses must all hit before the node is evaluated (0: always).
    clauses: u8,
}

/// An immutable compiled rule set. `Send + Sync`: share it (`Arc<Engine>`)
/// between threads, each with its own [`Scanner`].
#[derive(Debug)]
pub struct Engine {
    rules: Vec<RuleInfo>,
    variants: Vec<Variant>,
    fields: HashMap<String, u32, FxBuild>,
    nfields: usize,
    buckets: Vec<Bucket>,
    /// Per bucket, its variants; per variant, its clauses (for the buckets
    /// merged on first use, `route.rs`).
    bucket_vars: Vec<Vec<u32>>,
    cnf: Vec<Option<Vec<Clause>>>,
    routes: Routes,
    channel_field: u32,
    eventid_field: u32,
    declared: Vec<(LogSource, u32)>,
    correlations: CorrelationSet,
}

/// One rule that fired on an event.
#[derive(Debug, Clone, Copy)]
pub struct Match<'a> {
    /// Index of the rule in [`Engine::rules`].
    pub index: usize,
    pub rule: &'a RuleInfo,
}

/// Options for building an engine.
#[derive(Clone, Debug, Default)]
pub struct Config {
    pub logsources: LogSourceMap,
    pub placeholders: Placeholders,
}

/// Collects rules, then builds the engine and the report of refused rules.
/// A clone keeps the parsed rules: [`EngineBuilder::build_subset`] compiles
/// any subset of them again without reading their YAML.
#[derive(Clone)]
pub struct EngineBuilder {
    pub(crate) config: Config,
    pub(crate) parsed: Vec<(RuleInfo, Tree)>,
    pub(crate) report: CheckReport,
    pub(crate) correlations: Vec<crate::correlation::ParsedCorrelation>,
}

impl EngineBuilder {
    pub fn new(config: Config) -> Self {
        EngineBuilder {
            config,
            parsed: Vec::new(),
            report: CheckReport::default(),
            correlations: Vec::new(),
        }
    }

    /// Adds the rules of one YAML text; `source` names it in reports (a path).
    /// Returns how many rules were accepted from it.
    pub fn add_yaml(&mut self, source: &str, text: &str) -> usize {
        self.report.files += 1;
        let docs = match crate::load_yaml(text) {
            Ok(d) => d,
            Err(e) => {
                self.refuse(source, None, Reason::Yaml(e));
                return 0;
            }
        };
        let docs: Vec<_> = docs.into_iter().filter(|d| !d.is_null()).collect();
        if docs.is_empty() {
            self.refuse(source, None, Reason::NotARule("empty file".into()));
            return 0;
        }
        if docs.iter().any(|d| !d["correlation"].is_badvalue()) {
            // Correlations go to the correlation set; the rules beside them are compiled.
            let mut n = 0;
            for d in &docs {
                if d["correlation"].is_badvalue() {
                    n += self.add_doc(source, d);
                    continue;
                }
                match crate::correlation::parse_correlation(d, source) {
                    Ok(c) => self.correlations.push(c),
                    Err(refused) => {
                        let (info, reason) = *refused;
                        self.refuse(source, info, reason);
                    }
                }
            }
            return n;
        }
        if docs.len() > 1 {
            // Rule collections (action: global …).
            let kind = "multi-document rule collection";
            self.refuse(source, None, Reason::Unsupported(kind.into()));
            return 0;
        }
        self.add_doc(source, &docs[0])
    }

    fn add_doc(&mut self, source: &str, doc: &yaml_rust2::Yaml) -> usize {
        match rule::parse_rule(doc, &self.config.placeholders) {
            Ok(p) => {
                let mut info = p.info;
                info.source = source.to_string();
                self.parsed.push((info, p.tree));
                1
            }
            Err(refused) => {
                let (info, reason) = *refused;
                self.refuse(source, info, reason);
                0
            }
        }
    }

    /// Adds many YAML texts, `(source, text)`: the same as [`EngineBuilder::add_yaml`]
    /// on each in order, parsed on all cores. Returns how many rules were accepted.
    pub fn add_yaml_all<S, T>(&mut self, items: &[(S, T)]) -> usize
    where
        S: AsRef<str> + Sync,
        T: AsRef<str> + Sync,
    {
        let n = threads().min(items.len() / 64).max(1);
        if n == 1 {
            return items
                .iter()
                .map(|(s, t)| self.add_yaml(s.as_ref(), t.as_ref()))
                .sum();
        }
        let per = items.len().div_ceil(n);
        let config = &self.config;
        let parts: Vec<Option<EngineBuilder>> = std::thread::scope(|sc| {
            let hs: Vec<_> = items
                .chunks(per)
                .map(|chunk| {
                    sc.spawn(move || {
                        let mut b = EngineBuilder::new(config.clone());
                        for (s, t) in chunk {
                            b.add_yaml(s.as_ref(), t.as_ref());
                        }
                        b
                    })
                })
                .collect();
            hs.into_iter().map(|h| h.join().ok()).collect()
        });
        let mut accepted = 0;
        for (part, chunk) in parts.into_iter().zip(items.chunks(per)) {
            match part {
                Some(p) => {
                    accepted += p.parsed.len();
                    self.report.files += p.report.files;
                    self.report.refused.extend(p.report.refused);
                    self.parsed.extend(p.parsed);
                }
                // A parser thread failed: parse its share here, in order.
                None => {
                    for (s, t) in chunk {
                        accepted += self.add_yaml(s.as_ref(), t.as_ref());
                    }
                }
            }
        }
        accepted
    }

    fn refuse(&mut self, source: &str, info: Option<RuleInfo>, reason: Reason) {
        self.report.refused.push(Refusal {
            source: source.to_string(),
            id: info
                .as_ref()
                .map(|i| i.id.clone())
                .filter(|s| !s.is_empty()),
            title: info.map(|i| i.title).filter(|s| !s.is_empty()),
            reason,
        });
    }

    /// The rules parsed so far (refused ones excluded), in the order added.
    pub fn parsed_rules(&self) -> impl Iterator<Item = &RuleInfo> {
        self.parsed.iter().map(|(info, _)| info)
    }

    /// Compiles the rules added that `keep` accepts into an engine, from the
    /// rules as parsed (no YAML is read again); the builder stays as it is,
    /// ready for another subset. The engine is the one [`EngineBuilder::build`]
    /// makes of a builder given only those rules: a correlation that names a
    /// rule left out is refused in the report.
    pub fn build_subset(&self, keep: impl Fn(&RuleInfo) -> bool) -> (Engine, CheckReport) {
        EngineBuilder {
            config: self.config.clone(),
            parsed: self
                .parsed
                .iter()
                .filter(|(info, _)| keep(info))
                .cloned()
                .collect(),
            report: self.report.clone(),
            correlations: self.correlations.clone(),
        }
        .build()
    }

    /// Compiles everything added into an engine.
    pub fn build(self) -> (Engine, CheckReport) {
        let EngineBuilder {
            config,
            parsed,
            mut report,
            correlations,
        } = self;
        let mut b = Build {
            fields: HashMap::default(),
            variants: Vec::new(),
            cnf: Vec::new(),
        };
        let channel_field = b.intern("channel");
        let eventid_field = b.intern("eventid");
        let mut buckets: Vec<Bucket> = Vec::new();
        let mut bucket_vars: Vec<Vec<u32>> = Vec::new();
        let mut kind_bucket: HashMap<EventKind, u32> = HashMap::new();
        let mut declared: HashMap<LogSource, u32> = HashMap::new();
        let mut rules = Vec::new();
        let mut seen_ids: HashMap<String, usize> = HashMap::new();
        for (info, tree) in parsed {
            if !info.id.is_empty() {
                if let Some(prev) = seen_ids.get(&info.id) {
                    report.refused.push(Refusal {
                        source: info.source.clone(),
                        id: Some(info.id.clone()),
                        title: Some(info.title.clone()),
                        reason: Reason::Duplicate(rules_source(&rules, *prev)),
                    });
                    continue;
                }
            }
            let (kinds, known) = config.logsources.resolve(&info.logsource);
            if !known {
                report
                    .unmapped
                    .push((info.source.clone(), info.logsource.clone()));
            }
            let ridx = rules.len() as u32;
            let mut by_rename: HashMap<Vec<(String, String)>, u32> = HashMap::new();
            let mut variant_for = |b: &mut Build, rename: &Vec<(String, String)>| -> u32 {
                *by_rename.entry(rename.clone()).or_insert_with(|| {
                    let node = b.resolve(&tree, rename);
                    // The clauses are chosen below, on all cores.
                    b.variants.push(Variant {
                        rule: ridx,
                        node,
                        clauses: 0,
                    });
                    (b.variants.len() - 1) as u32
                })
            };
            for k in &kinds {
                let v = variant_for(&mut b, &k.rename);
                let bi = *kind_bucket.entry(k.clone()).or_insert_with(|| {
                    bucket_vars.push(Vec::new());
                    (bucket_vars.len() - 1) as u32
                });
                bucket_vars[bi as usize].push(v);
            }
            let v = variant_for(&mut b, &Vec::new());
            let bi = *declared.entry(info.logsource.clone()).or_insert_with(|| {
                bucket_vars.push(Vec::new());
                (bucket_vars.len() - 1) as u32
            });
            bucket_vars[bi as usize].push(v);
            if !info.id.is_empty() {
                seen_ids.insert(info.id.clone(), rules.len());
            }
            rules.push(info);
        }
        b.cnf = par_map(&b.variants, |v| best_clauses(&v.node));
        for (v, cnf) in b.variants.iter_mut().zip(&b.cnf) {
            v.clauses = cnf.as_ref().map_or(0, |c| c.len() as u8);
        }
        let cnf = &b.cnf;
        let plans: Vec<_> = par_map(&bucket_vars, |v| plan_bucket(cnf, v));
        let matchers = build_matchers(&plans, threads());
        buckets.extend(
            plans
                .into_iter()
                .enumerate()
                .map(|(i, p)| finish_bucket(p, i, &matchers)),
        );
        // Event kinds, found by (Channel, EventID), by Channel, or by their conditions.
        let mut kinds: Vec<KindSel> = kind_bucket
            .into_iter()
            .map(|(k, bi)| KindSel {
                when: k
                    .when
                    .iter()
                    .map(|(f, vals)| (b.intern(f), vals.clone()))
                    .collect(),
                bucket: bi,
            })
            .collect();
        kinds.sort_by_key(|k| k.bucket);
        let routes = Routes::build(kinds, channel_field, eventid_field);
        let (correlations, refused) = CorrelationSet::resolve(correlations, &rules);
        report.refused.extend(refused);
        report.rules_loaded = rules.len() + correlations.rules().len();
        let nfields = b.fields.len();
        let engine = Engine {
            rules,
            variants: b.variants,
            fields: b.fields,
            nfields,
            buckets,
            bucket_vars,
            cnf: b.cnf,
            routes,
            channel_field,
            eventid_field,
            declared: declared.into_iter().collect(),
            correlations,
        };
        (engine, report)
    }
}

/// Threads for loading: the cores there are, at most 8.
fn threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get().min(8))
}

/// `f` over `items` on the loading threads, in order (serially if a thread fails).
fn par_map<T: Sync, U: Send>(items: &[T], f: impl Fn(&T) -> U + Sync) -> Vec<U> {
    let n = threads().min(items.len() / 16).max(1);
    if n == 1 {
        return items.iter().map(&f).collect();
    }
    let per = items.len().div_ceil(n);
    let f = &f;
    let parts: Vec<Option<Vec<U>>> = std::thread::scope(|sc| {
        let hs: Vec<_> = items
            .chunks(per)
            .map(|c| sc.spawn(move || c.iter().map(f).collect::<Vec<U>>()))
            .collect();
        hs.into_iter().map(|h| h.join().ok()).collect()
    });
    let mut out = Vec::with_capacity(items.len());
    for (part, chunk) in parts.into_iter().zip(items.chunks(per)) {
        match part {
            Some(p) => out.extend(p),
            None => out.extend(chunk.iter().map(f)),
        }
    }
    out
}

fn rules_source(rules: &[RuleInfo], i: usize) -> String {
    rules.get(i).map(|r| r.source.clone()).unwrap_or_default()
}

struct Build {
    fields: HashMap<String, u32, FxBuild>,
    variants: Vec<Variant>,
    /// Per variant: the clauses to prefilter on; `None` = can never match.
    cnf: Vec<Option<Vec<Clause>>>,
}

impl Build {
    fn intern(&mut self, name: &str) -> u32 {
        let key = pattern::lower(name).into_owned();
        let n = self.fields.len() as u32;
        *self.fields.entry(key).or_insert(n)
    }

    fn field(&mut self, name: &str, rename: &[(String, String)]) -> u32 {
        let actual = rename
            .iter()
            .find(|(a, _)| a == name)
            .map(|(_, b)| b.as_str())
            .unwrap_or(name);
        self.intern(actual)
    }

    fn resolve(&mut self, t: &Tree, rename: &[(String, String)]) -> Node {
        match t {
            Tree::And(xs) => Node::And(xs.iter().map(|x| self.resolve(x, rename)).collect()),
            Tree::Or(xs) => Node::Or(xs.iter().map(|x| self.resolve(x, rename)).collect()),
            Tree::Not(x) => Node::Not(Box::new(self.resolve(x, rename))),
            Tree::Const(b) => Node::Const(*b),
            Tree::Item(it) => {
                let field = match &it.field {
                    Some(f) => self.field(f, rename),
                    None => ANY,
                };
                let checks = it
                    .checks
                    .iter()
                    .map(|c| match c {
                        Check::Text { pat, cased, .. } => CCheck::Text {
                            pat: pat.clone(),
                            cased: *cased,
                        },
                        Check::Int(i) => CCheck::Int {
                            i: *i,
                            text: i.to_string().into(),
                        },
                        Check::Regex(r) => CCheck::Regex(r.clone()),
                        Check::Cidr(n) => CCheck::Cidr(*n),
                        Check::Cmp(c, n) => CCheck::Cmp(*c, *n),
                        Check::FieldRef { other, how, cased } => CCheck::FieldRef {
                            other: self.field(other, rename),
                            how: *how,
                            cased: *cased,
                        },
                        Check::Exists(b) => CCheck::Exists(*b),
                        Check::Null => CCheck::Null,
                    })
                    .collect();
                Node::Test {
                    field,
                    checks,
                    all: it.all,
                }
            }
        }
    }
}

// ------------------------------------------------------------------ evaluation

#[derive(Clone, Copy, Debug)]
struct BVal {
    next: u32,
    raw: (u32, u32),
    low: (u32, u32),
    num: Option<f64>,
    null: bool,
}

/// Reusable evaluation state for one thread. Create with [`Engine::scanner`].
pub struct Scanner<'e> {
    engine: &'e Engine,
    first: Vec<u32>,
    touched: Vec<u32>,
    vals: Vec<BVal>,
    text: String,
    low: String,
    var_stamp: Vec<u32>,
    mask: Vec<u8>,
    mask_stamp: Vec<u32>,
    rule_stamp: Vec<u32>,
    gen: u32,
    cands: Vec<u32>,
    buckets: Vec<u32>,
    keyed: Vec<u32>,
    name: String,
    /// Field names as events spell them → field id ([`NO_FIELD`]: no rule
    /// names it), so that a name is lowercased and looked up once.
    ids: HashMap<Box<str>, u32, FxBuild>,
    out: Vec<usize>,
    /// Rule variants evaluated since the scanner was made (diagnostics).
    pub evaluated: u64,
    /// Literal hits since the scanner was made (diagnostics).
    pub hits: u64,
}

impl Engine {
    /// The rules loaded, in load order ([`Match::index`] indexes this).
    pub fn rules(&self) -> &[RuleInfo] {
        &self.rules
    }

    /// The correlation rules loaded with the rules (evaluate them with a
    /// [`Correlator`](crate::Correlator)).
    pub fn correlations(&self) -> &CorrelationSet {
        &self.correlations
    }

    /// A scanner for this engine (one per thread; reuse it for every event).
    pub fn scanner(&self) -> Scanner<'_> {
        Scanner {
            engine: self,
            first: vec![0; self.nfields],
            touched: Vec::new(),
            vals: Vec::new(),
            text: String::new(),
            low: String::new(),
            var_stamp: vec![0; self.variants.len()],
            mask: vec![0; self.variants.len()],
            mask_stamp: vec![0; self.variants.len()],
            rule_stamp: vec![0; self.rules.len()],
            gen: 0,
            cands: Vec::new(),
            buckets: Vec::new(),
            keyed: Vec::new(),
            name: String::new(),
            ids: HashMap::default(),
            out: Vec::new(),
            evaluated: 0,
            hits: 0,
        }
    }

    /// The rules that fire on one event (allocates a scanner: for many events use [`Engine::scanner`]).
    pub fn evaluate(&self, ev: &Event) -> Vec<Match<'_>> {
        let mut s = self.scanner();
        s.scan(ev)
            .iter()
            .map(|&i| Match {
                index: i,
                rule: &self.rules[i],
            })
            .collect()
    }

    /// The rules that fire on each event of a batch, as (event index, match).
    pub fn evaluate_batch(&self, events: &[Event]) -> Vec<(usize, Match<'_>)> {
        let mut s = self.scanner();
        let mut out = Vec::new();
        for (i, ev) in events.iter().enumerate() {
            for &r in s.scan(ev) {
                out.push((
                    i,
                    Match {
                        index: r,
                        rule: &self.rules[r],
                    },
                ));
            }
        }
        out
    }

    /// For each kind of event: how many rule variants route to it, and how
    /// many of those have no literal to filter on (diagnostics).
    pub fn bucket_sizes(&self) -> Vec<(usize, usize)> {
        self.buckets
            .iter()
            .map(|b| (b.size, b.always.len()))
            .collect()
    }

    /// Per kind of event with more than `min` variants: for each field with
    /// literals, `(bucket, field, whole, prefix nodes, suffix nodes, contains)` (diagnostics).
    pub fn prefilter_stats(&self, min: usize) -> Vec<(usize, String, [usize; 4])> {
        let names: HashMap<u32, &str> = self.fields.iter().map(|(k, v)| (*v, k.as_str())).collect();
        let mut out = Vec::new();
        for (bi, b) in self
            .buckets
            .iter()
            .enumerate()
            .filter(|(_, b)| b.size > min)
        {
            for fp in b.pre.iter().chain(b.keywords.iter()) {
                let (w, p, s, c) = fp.matcher.counts();
                let name = names.get(&fp.field).copied().unwrap_or("(keywords)");
                out.push((bi, name.to_string(), [w, p, s, c]));
            }
        }
        out
    }

    /// Rule indexes evaluated for every event of their kind (no literal to filter on).
    pub fn unfiltered_rules(&self) -> Vec<usize> {
        let mut v: Vec<usize> = self
            .buckets
            .iter()
            .flat_map(|b| {
                b.always
                    .iter()
                    .map(|&x| self.variants[x as usize].rule as usize)
            })
            .collect();
        v.sort_unstable();
        v.dedup();
        v
    }
}

impl<'e> Scanner<'e> {
    /// Evaluates one event; returns the indexes of the rules that fired (valid until the next call).
    pub fn scan(&mut self, ev: &Event) -> &[usize] {
        self.scan_fields(
            ev.fields().iter().map(|(n, v)| (&**n, v.as_ref())),
            ev.source_hint(),
        )
    }

    /// [`Scanner::scan`] for an event held in an [`EventBuf`].
    pub fn scan_buf(&mut self, ev: &EventBuf) -> &[usize] {
        self.scan_fields(ev.fields(), ev.source_hint())
    }

    fn scan_fields<'v>(
        &mut self,
        fields: impl DoubleEndedIterator<Item = (&'v str, ValueRef<'v>)>,
        hint: &SourceHint,
    ) -> &[usize] {
        let eng = self.engine;
        self.bind(fields);
        self.out.clear();
        self.gen = self.gen.wrapping_add(1);
        if self.gen == 0 {
            self.var_stamp.iter_mut().for_each(|x| *x = 0);
            self.mask_stamp.iter_mut().for_each(|x| *x = 0);
            self.rule_stamp.iter_mut().for_each(|x| *x = 0);
            self.gen = 1;
        }
        // Which kinds of event is this?
        self.select_kinds(hint);
        let buckets = std::mem::take(&mut self.buckets);
        let keyed = std::mem::take(&mut self.keyed);
        let r = &eng.routes;
        for &k in &keyed {
            let k = &r.keyed[k as usize];
            if let Some(b) = r.certain_bucket(k, &eng.buckets, &eng.bucket_vars, &eng.cnf) {
                self.run_bucket(b);
            }
        }
        for &b in &buckets {
            self.run_bucket(&eng.buckets[b as usize]);
        }
        self.buckets = buckets;
        self.keyed = keyed;
        &self.out
    }

    /// The buckets of the event's kinds: `keyed` the (Channel, EventID)
    /// pairs found, `buckets` the other kinds whose conditions hold.
    fn select_kinds(&mut self, hint: &SourceHint) {
        let eng = self.engine;
        let r = &eng.routes;
        self.buckets.clear();
        self.keyed.clear();
        let mut any_pair = false;
        let mut i = self.first[eng.channel_field as usize];
        while i != 0 {
            let v = self.vals[i as usize - 1];
            let chan = &self.low[v.low.0 as usize..v.low.1 as usize];
            let mut found = false;
            if !r.by_key.is_empty() {
                let mut j = self.first[eng.eventid_field as usize];
                while j != 0 {
                    let w = self.vals[j as usize - 1];
                    self.name.clear();
                    self.name.push_str(chan);
                    self.name.push('\0');
                    self.name
                        .push_str(&self.low[w.low.0 as usize..w.low.1 as usize]);
                    if let Some(&k) = r.by_key.get(self.name.as_str()) {
                        found = true;
                        self.keyed.push(k);
                        for kind in &r.keyed[k as usize].cond {
                            if self.kind_matches(kind) {
                                self.buckets.push(kind.bucket);
                            }
                        }
                    }
                    j = w.next;
                }
            }
            if !found {
                if let Some(kinds) = r.by_channel.get(chan) {
                    for kind in kinds {
                        if self.kind_matches(kind) {
                            self.buckets.push(kind.bucket);
                        }
                    }
                }
            }
            any_pair |= found;
            i = v.next;
        }
        for (kind, wild) in &r.other {
            if *wild && any_pair {
                continue; // in the pair's merged bucket
            }
            if self.kind_matches(kind) {
                self.buckets.push(kind.bucket);
            }
        }
        if hint.product.is_some() || hint.category.is_some() || hint.service.is_some() {
            for (ls, b) in &eng.declared {
                if declared_covers(ls, hint) {
                    self.buckets.push(*b);
                }
            }
        }
        if self.buckets.len() > 1 {
            self.buckets.sort_unstable();
            self.buckets.dedup();
        }
        if self.keyed.len() > 1 {
            self.keyed.sort_unstable();
            self.keyed.dedup();
        }
    }

    /// Evaluates the variants of one bucket worth evaluating.
    fn run_bucket(&mut self, b: &'e Bucket) {
        self.candidates(b);
        let cands = std::mem::take(&mut self.cands);
        self.evaluated += cands.len() as u64;
        for &v in &cands {
            let var = &self.engine.variants[v as usize];
            if self.rule_stamp[var.rule as usize] == self.gen {
                continue;
            }
            if self.eval(&var.node) {
                self.rule_stamp[var.rule as usize] = self.gen;
                self.out.push(var.rule as usize);
            }
        }
        self.cands = cands;
        self.cands.clear();
    }

    /// Binds an event's values to field ids: every value is kept (raw and
    /// lowercase, in two arenas) for keyword tests; values of fields some rule
    /// names are chained per field.
    fn bind<'v>(&mut self, fields: impl DoubleEndedIterator<Item = (&'v str, ValueRef<'v>)>) {
        for &f in &self.touched {
            self.first[f as usize] = 0;
        }
        self.touched.clear();
        self.vals.clear();
        self.text.clear();
        self.low.clear();
        // Later values are chained after earlier ones; walk backwards so the
        // chain keeps the event's order.
        for (name, value) in fields.rev() {
            let id = self.field_id(name);
            let raw0 = self.text.len() as u32;
            let (num, null) = match value {
                ValueRef::Null => (None, true),
                ValueRef::Str(s) => {
                    self.text.push_str(s);
                    (None, false)
                }
                ValueRef::Int(i) => {
                    push_int(&mut self.text, i);
                    (Some(i as f64), false)
                }
                ValueRef::Float(f) => {
                    use std::fmt::Write;
                    let _ = write!(self.text, "{f}");
                    (Some(f), false)
                }
                ValueRef::Bool(b) => {
                    self.text.push_str(if b { "true" } else { "false" });
                    (None, false)
                }
            };
            let raw1 = self.text.len() as u32;
            let low0 = self.low.len() as u32;
            pattern::lower_into(&self.text[raw0 as usize..raw1 as usize], &mut self.low);
            let low1 = self.low.len() as u32;
            let next = match id {
                Some(id) => {
                    let slot = &mut self.first[id as usize];
                    if *slot == 0 {
                        self.touched.push(id);
                    }
                    let next = *slot;
                    *slot = self.vals.len() as u32 + 1;
                    next
                }
                None => 0,
            };
            self.vals.push(BVal {
                next,
                raw: (raw0, raw1),
                low: (low0, low1),
                num,
                null,
            });
        }
        // Bound memory: one huge event does not keep its arenas for ever.
        if self.text.capacity() > ARENA_KEEP {
            self.text = String::new();
            self.low = String::new();
        }
    }

    /// The id of a field name as an event spells it (`None`: no rule names it).
    #[inline]
    fn field_id(&mut self, name: &str) -> Option<u32> {
        if let Some(&id) = self.ids.get(name) {
            return (id != NO_FIELD).then_some(id);
        }
        self.name.clear();
        pattern::lower_into(name, &mut self.name);
        let id = self.engine.fields.get(self.name.as_str()).copied();
        // Bounded: a stream of ever new names does not grow it for ever.
        if self.ids.len() >= MAX_NAMES {
            self.ids.clear();
        }
        self.ids.insert(name.into(), id.unwrap_or(NO_FIELD));
        id
    }

    fn kind_matches(&self, k: &KindSel) -> bool {
        k.when.iter().all(|(f, accepted)| {
            let mut i = self.first[*f as usize];
            while i != 0 {
                let v = &self.vals[i as usize - 1];
                if accepted.iter().any(|a| {
                    a == "*" || a.as_str() == &self.low[v.low.0 as usize..v.low.1 as usize]
                }) {
                    return true;
                }
                i = v.next;
            }
            false
        })
    }

    /// A literal of clause `c` of variant `v` is present.
    fn hit(&mut self, v: u32, c: u8) {
        self.hits += 1;
        let vi = v as usize;
        if self.var_stamp[vi] == self.gen {
            return;
        }
        if self.mask_stamp[vi] != self.gen {
            self.mask_stamp[vi] = self.gen;
            self.mask[vi] = 0;
        }
        self.mask[vi] |= 1 << c;
        if self.mask[vi].count_ones() as u8 == self.engine.variants[vi].clauses {
            self.push_cand(v);
        }
    }

    fn push_cand(&mut self, v: u32) {
        if self.var_stamp[v as usize] != self.gen {
            self.var_stamp[v as usize] = self.gen;
            self.cands.push(v);
        }
    }

    fn candidates(&mut self, b: &Bucket) {
        for &v in &b.always {
            self.push_cand(v);
        }
        let low = std::mem::take(&mut self.low);
        for fp in &b.pre {
            let mut i = self.first[fp.field as usize];
            while i != 0 {
                let v = self.vals[i as usize - 1];
                fp.matcher
                    .find(&low[v.low.0 as usize..v.low.1 as usize], |h| {
                        for &(var, c) in &fp.hits[h] {
                            self.hit(var, c);
                        }
                    });
                i = v.next;
            }
        }
        if let Some(fp) = &b.keywords {
            for k in 0..self.vals.len() {
                let v = self.vals[k];
                fp.matcher
                    .find(&low[v.low.0 as usize..v.low.1 as usize], |h| {
                        for &(var, c) in &fp.hits[h] {
                            self.hit(var, c);
                        }
                    });
            }
        }
        self.low = low;
    }

    fn eval(&self, n: &Node) -> bool {
        match n {
            Node::And(xs) => xs.iter().all(|x| self.eval(x)),
            Node::Or(xs) => xs.iter().any(|x| self.eval(x)),
            Node::Not(x) => !self.eval(x),
            Node::Const(b) => *b,
            Node::Test { field, checks, all } => {
                if *field == ANY {
                    return self.keyword_test(checks, *all);
                }
                let test = |c: &CCheck| self.check_field(*field, c);
                if *all {
                    checks.iter().all(test)
                } else {
                    checks.iter().any(test)
                }
            }
        }
    }

    fn values(&self, field: u32) -> ValIter<'_> {
        ValIter {
            s: self,
            i: self.first[field as usize],
        }
    }

    fn check_field(&self, field: u32, c: &CCheck) -> bool {
        match c {
            CCheck::Exists(b) => (self.first[field as usize] != 0) == *b,
            CCheck::Null => self.first[field as usize] == 0 || self.values(field).any(|v| v.null),
            CCheck::FieldRef { other, how, cased } => self.values(field).any(|a| {
                self.values(*other).any(|b| {
                    let (x, y) = if *cased {
                        (self.raw(&a), self.raw(&b))
                    } else {
                        (self.lowv(&a), self.lowv(&b))
                    };
                    match how {
                        RefKind::Eq => x == y,
                        RefKind::Contains => x.contains(y),
                        RefKind::Prefix => x.starts_with(y),
                        RefKind::Suffix => x.ends_with(y),
                    }
                })
            }),
            _ => self.values(field).any(|v| {
                if v.null {
                    return false;
                }
                check_value(c, self.raw(&v), self.lowv(&v), v.num)
            }),
        }
    }

    /// A keyword check: any value of any field.
    fn keyword_test(&self, checks: &[CCheck], all: bool) -> bool {
        let test = |c: &CCheck| {
            self.vals
                .iter()
                .any(|v| !v.null && check_value(c, self.raw(v), self.lowv(v), v.num))
        };
        if all {
            checks.iter().all(test)
        } else {
            checks.iter().any(test)
        }
    }

    fn raw(&self, v: &BVal) -> &str {
        &self.text[v.raw.0 as usize..v.raw.1 as usize]
    }
    fn lowv(&self, v: &BVal) -> &str {
        &self.low[v.low.0 as usize..v.low.1 as usize]
    }
}

struct ValIter<'a> {
    s: &'a Scanner<'a>,
    i: u32,
}

impl Iterator for ValIter<'_> {
    type Item = BVal;
    fn next(&mut self) -> Option<BVal> {
        if self.i == 0 {
            return None;
        }
        let v = self.s.vals[self.i as usize - 1];
        self.i = v.next;
        Some(v)
    }
}

fn check_value(c: &CCheck, raw: &str, low: &str, num: Option<f64>) -> bool {
    match c {
        CCheck::Text { pat, cased } => pat.is_match(if *cased { raw } else { low }),
        CCheck::Int { i, text } => {
            raw == &**text || num.or_else(|| crate::event::parse_number(raw)) == Some(*i as f64)
        }
        CCheck::Regex(r) => r.is_match(raw),
        CCheck::Cidr(net) => raw
            .trim()
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| net.contains(&ip)),
        CCheck::Cmp(op, n) => match num.or_else(|| crate::event::parse_number(raw)) {
            Some(x) => match op {
                Cmp::Lt => x < *n,
                Cmp::Lte => x <= *n,
                Cmp::Gt => x > *n,
                Cmp::Gte => x >= *n,
            },
            None => false,
        },
        CCheck::FieldRef { .. } | CCheck::Exists(_) | CCheck::Null => false,
    }
}

/// Does an event declared as `hint` fall under a rule's logsource `ls`?
fn declared_covers(ls: &LogSource, hint: &crate::event::SourceHint) -> bool {
    let eq = |want: &Option<String>, have: &Option<Box<str>>| match want {
        None => true,
        Some(w) => have.as_deref().is_some_and(|h| h.eq_ignore_ascii_case(w)),
    };
    (ls.product.is_some() || ls.category.is_some() || ls.service.is_some())
        && eq(&ls.product, &hint.product)
        && eq(&ls.category, &hint.category)
        && eq(&ls.service, &hint.service)
}

#[cfg(test)]
mod tests {
    #[test]
    fn push_int_writes_what_display_writes() {
        for i in [0, 1, -1, 9, 10, 4688, -4688, i64::MAX, i64::MIN] {
            let mut s = String::from("x");
            super::push_int(&mut s, i);
            assert_eq!(s, format!("x{i}"));
        }
    }
}
