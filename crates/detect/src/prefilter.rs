//! The literal prefilter: which rules are worth evaluating on an event.
//!
//! For every rule variant, a few *clauses* are taken from its compiled tree:
//! each clause is a set of literals (lowercased, each in a field) of which one
//! must be present for the rule to be true. A literal keeps its anchoring:
//! the whole value (`Image: x`), its start (`|startswith`), its end
//! (`|endswith`) or anywhere (`|contains`, the longest literal of a wildcard
//! pattern). Per kind of event and per field, whole values are found by one
//! hash lookup, starts and ends by walking a trie from either end of the
//! value (a few bytes, whatever the value's length), and the rest by one
//! Aho-Corasick automaton. A variant is evaluated when all its clauses hit.

use crate::engine::{CCheck, Node, ANY};
use crate::pattern::{self, StrPat};
use aho_corasick::automaton::Automaton;
use aho_corasick::{Anchored, MatchKind};
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::{Arc, OnceLock};

/// A fast, non-cryptographic hash for short keys (field names, values).
#[derive(Default, Clone, Copy)]
pub(crate) struct Fx(u64);

impl Hasher for Fx {
    fn write(&mut self, bytes: &[u8]) {
        const K: u64 = 0x517c_c1b7_2722_0a95;
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let w = u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]);
            self.0 = (self.0.rotate_left(5) ^ w).wrapping_mul(K);
        }
        for &b in chunks.remainder() {
            self.0 = (self.0.rotate_left(5) ^ b as u64).wrapping_mul(K);
        }
    }
    fn write_u8(&mut self, b: u8) {
        self.0 = (self.0.rotate_left(5) ^ b as u64).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

pub(crate) type FxBuild = BuildHasherDefault<Fx>;

/// Where a literal must be in its field's (lowercased) value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum Anchor {
    Whole,
    Prefix,
    Suffix,
    Contains,
}

/// Literals of which at least one must occur in its field.
pub(crate) type Clause = Vec<(u32, Anchor, String)>;

/// At most this many clauses are checked per rule.
pub(crate) const MAX_CLAUSES: usize = 4;

/// The clauses a node needs: every clause must have one literal present
/// (lowercased, in its field) for the node to be true. `Some(empty)`: nothing
/// known; `None`: the node can never be true.
fn cnf(n: &Node) -> Option<Vec<Clause>> {
    match n {
        Node::Const(false) => None,
        Node::Const(true) | Node::Not(_) => Some(Vec::new()),
        Node::Test { field, checks, all } => {
            let per_check = |c: &CCheck| -> Option<(Anchor, String)> {
                match c {
                    CCheck::Text { pat, .. } => text_needle(pat)
                        .filter(|(_, s)| !s.is_empty())
                        .map(|(a, s)| (if *field == ANY { Anchor::Contains } else { a }, s)),
                    _ => None,
                }
            };
            if *all {
                // Every check must hold: each literal is a clause of its own.
                Some(
                    checks
                        .iter()
                        .filter_map(per_check)
                        .map(|(a, s)| vec![(*field, a, s)])
                        .collect(),
                )
            } else {
                let mut clause = Vec::new();
                for c in checks.iter() {
                    match per_check(c) {
                        Some((a, s)) => clause.push((*field, a, s)),
                        None => return Some(Vec::new()),
                    }
                }
                Some(vec![clause])
            }
        }
        Node::And(xs) => {
            let mut out = Vec::new();
            for x in xs.iter() {
                out.extend(cnf(x)?);
            }
            Some(out)
        }
        Node::Or(xs) => {
            // One clause: the union of each alternative's best clause.
            let mut clause = Vec::new();
            let mut any = false;
            for x in xs.iter() {
                let Some(c) = cnf(x) else { continue };
                any = true;
                match pick_best(c, 1).pop() {
                    Some(best) => clause.extend(best),
                    None => return Some(Vec::new()),
                }
            }
            if !any {
                return None;
            }
            Some(vec![clause])
        }
    }
}

fn clause_score(c: &Clause) -> (usize, std::cmp::Reverse<usize>) {
    (
        c.iter()
            .map(|(_, a, s)| s.chars().count() + if *a == Anchor::Whole { 4 } else { 0 })
            .min()
            .unwrap_or(0),
        std::cmp::Reverse(c.len()),
    )
}

/// Drops literals implied by another of the clause: a value holding `-enc`
/// holds `enc`, so when `enc` is a literal of the clause, `-enc` adds nothing.
fn minimise(c: &mut Clause) {
    c.sort_by(|a, b| (a.0, a.1, a.2.len(), &a.2).cmp(&(b.0, b.1, b.2.len(), &b.2)));
    c.dedup();
    if c.len() > 64 {
        return; // quadratic: only for the small clauses windash makes
    }
    let mut keep: Clause = Vec::with_capacity(c.len());
    for x in c.drain(..) {
        let implied = x.1 == Anchor::Contains
            && keep
                .iter()
                .any(|k| k.0 == x.0 && k.1 == Anchor::Contains && x.2.contains(k.2.as_str()));
        if !implied {
            keep.push(x);
        }
    }
    *c = keep;
}

/// The `k` most selective clauses (longest shortest literal, then fewest literals).
fn pick_best(mut cs: Vec<Clause>, k: usize) -> Vec<Clause> {
    cs.iter_mut().for_each(minimise);
    if cs.len() > 1 {
        cs.sort_by_cached_key(|c| std::cmp::Reverse(clause_score(c)));
    }
    cs.dedup();
    cs.truncate(k);
    cs
}

pub(crate) fn best_clauses(n: &Node) -> Option<Vec<Clause>> {
    cnf(n).map(|c| pick_best(c, MAX_CLAUSES))
}

fn text_needle(p: &StrPat) -> Option<(Anchor, String)> {
    let (a, s) = match p {
        StrPat::Eq(s) => (Anchor::Whole, s.to_string()),
        StrPat::Prefix(s) => (Anchor::Prefix, s.to_string()),
        StrPat::Suffix(s) => (Anchor::Suffix, s.to_string()),
        StrPat::Contains(f) => (
            Anchor::Contains,
            String::from_utf8_lossy(f.needle()).into_owned(),
        ),
        StrPat::Glob(g) => (Anchor::Contains, g.longest_literal()?),
        StrPat::Any => return None,
    };
    let s = pattern::lower(&s).into_owned();
    Some(match a {
        Anchor::Contains => (a, without_dashes(s)),
        _ => (a, s),
    })
}

/// `windash` writes a flag five ways (`-x`, `/x`, en dash, em dash,
/// horizontal bar): for the three unicode dashes, the longest part without a
/// dash is literal enough, and the five literals become one (see [`minimise`]).
fn without_dashes(s: String) -> String {
    const UNI: [char; 3] = ['\u{2013}', '\u{2014}', '\u{2015}'];
    if !s.contains(UNI) {
        return s;
    }
    let best = s
        .split(|c: char| UNI.contains(&c) || c == '-' || c == '/')
        .max_by_key(|p| p.chars().count())
        .unwrap_or("");
    if best.chars().count() >= 3 {
        best.to_string()
    } else {
        s
    }
}

// ------------------------------------------------------------------ per field

const NO_HIT: u32 = u32::MAX;

#[derive(Debug, Default)]
struct TrieNode {
    keys: Vec<u8>,
    kids: Vec<u32>,
    hit: u32,
}

/// Byte trie for anchored literals, walked from one end of a value.
#[derive(Debug, Default)]
struct Trie {
    nodes: Vec<TrieNode>,
}

impl Trie {
    fn insert(&mut self, bytes: impl Iterator<Item = u8>, hit: u32) {
        if self.nodes.is_empty() {
            self.nodes.push(TrieNode {
                hit: NO_HIT,
                ..Default::default()
            });
        }
        let mut n = 0usize;
        for b in bytes {
            n = match self.nodes[n].keys.binary_search(&b) {
                Ok(i) => self.nodes[n].kids[i] as usize,
                Err(i) => {
                    let k = self.nodes.len();
                    self.nodes.push(TrieNode {
                        hit: NO_HIT,
                        ..Default::default()
                    });
                    self.nodes[n].keys.insert(i, b);
                    self.nodes[n].kids.insert(i, k as u32);
                    k
                }
            };
        }
        self.nodes[n].hit = hit;
    }

    fn walk(&self, bytes: impl Iterator<Item = u8>, mut f: impl FnMut(u32)) {
        if self.nodes.is_empty() {
            return;
        }
        let mut n = 0usize;
        for b in bytes {
            let node = &self.nodes[n];
            let i = if node.keys.len() < 8 {
                match node.keys.iter().position(|&k| k == b) {
                    Some(i) => i,
                    None => return,
                }
            } else {
                match node.keys.binary_search(&b) {
                    Ok(i) => i,
                    Err(_) => return,
                }
            };
            n = node.kids[i] as usize;
            if self.nodes[n].hit != NO_HIT {
                f(self.nodes[n].hit);
            }
        }
    }
}

/// Finds a set of literals in a value. Kinds of event that look for the
/// same literals in a field (process creation from Sysmon, from Security 4688
/// and declared) share one.
#[derive(Debug)]
pub(crate) struct Matcher {
    /// The automaton of the `contains` literals, built on first use (most
    /// kinds of event never occur in a given stream; building every
    /// automaton was a quarter of the start-up). `None` inside: it could not
    /// be built, and every `contains` literal counts as present.
    ac: OnceLock<Option<Ac>>,
    /// The `contains` literals, in automaton pattern order.
    contains: Vec<Box<str>>,
    /// AC pattern id → literal index.
    ac_ids: Vec<u32>,
    whole: HashMap<Box<str>, u32, FxBuild>,
    prefix: Trie,
    suffix: Trie,
}

/// Automata with more literals than this are built as a contiguous NFA
/// (smaller, slower per byte) instead of a DFA.
const DFA_MAX: usize = 2_000;

impl Matcher {
    /// `None` when the literals are too many for an automaton.
    fn build(needles: &[(Anchor, String)]) -> Option<Self> {
        let mut m = Matcher {
            ac: OnceLock::new(),
            contains: Vec::new(),
            ac_ids: Vec::new(),
            whole: HashMap::default(),
            prefix: Trie::default(),
            suffix: Trie::default(),
        };
        for (i, (a, s)) in needles.iter().enumerate() {
            let i = i as u32;
            match a {
                Anchor::Whole => {
                    m.whole.insert(s.as_str().into(), i);
                }
                Anchor::Prefix => m.prefix.insert(s.bytes(), i),
                Anchor::Suffix => m.suffix.insert(s.bytes().rev(), i),
                Anchor::Contains => {
                    m.contains.push(s.as_str().into());
                    m.ac_ids.push(i);
                }
            }
        }
        Some(m)
    }

    fn automaton(&self) -> Option<&Ac> {
        self.ac
            .get_or_init(|| {
                let pats = self.contains.iter().map(|x| x.as_bytes());
                // The prefilter's rare bytes are not rare among thousands of
                // literals: it was called at every return to the start state,
                // costing more than it skipped.
                if self.contains.len() <= DFA_MAX {
                    let dfa = aho_corasick::dfa::DFA::builder()
                        .match_kind(MatchKind::Standard)
                        .prefilter(false)
                        .build(pats.clone());
                    if let Ok(a) = dfa {
                        return Some(Ac::Dfa(a));
                    }
                }
                aho_corasick::nfa::contiguous::NFA::builder()
                    .match_kind(MatchKind::Standard)
                    .prefilter(false)
                    .build(pats)
                    .ok()
                    .map(Ac::Nfa)
            })
            .as_ref()
    }

    /// Literals by kind: (whole values, prefix trie nodes, suffix trie nodes, contains).
    pub(crate) fn counts(&self) -> (usize, usize, usize, usize) {
        (
            self.whole.len(),
            self.prefix.nodes.len(),
            self.suffix.nodes.len(),
            self.ac_ids.len(),
        )
    }

    /// Calls `f` with the index of every literal present in `text`.
    pub(crate) fn find(&self, text: &str, mut f: impl FnMut(usize)) {
        if !self.whole.is_empty() {
            if let Some(&i) = self.whole.get(text) {
                f(i as usize);
            }
        }
        self.prefix.walk(text.bytes(), |i| f(i as usize));
        self.suffix.walk(text.bytes().rev(), |i| f(i as usize));
        if self.contains.is_empty() {
            return;
        }
        let found = match self.automaton() {
            Some(Ac::Dfa(a)) => every_match(a, text.as_bytes(), |p| f(self.ac_ids[p] as usize)),
            Some(Ac::Nfa(a)) => every_match(a, text.as_bytes(), |p| f(self.ac_ids[p] as usize)),
            None => false,
        };
        if !found {
            // No automaton: every literal may be there (the rules decide).
            for &i in &self.ac_ids {
                f(i as usize);
            }
        }
    }
}

/// An automaton of `contains` literals, of a concrete type so that the
/// search loop below is compiled for it (through `AhoCorasick`, each byte
/// was a call through a trait object).
#[derive(Debug)]
pub(crate) enum Ac {
    Dfa(aho_corasick::dfa::DFA),
    Nfa(aho_corasick::nfa::contiguous::NFA),
}

/// Calls `f` with the pattern of every match in `text`, overlapping ones
/// included (every pattern ending at each position). False when the
/// automaton cannot search (never for the unanchored automata built here).
#[inline]
fn every_match<A: Automaton>(a: &A, text: &[u8], mut f: impl FnMut(usize)) -> bool {
    let Ok(mut sid) = a.start_state(Anchored::No) else {
        return false;
    };
    for &b in text {
        sid = a.next_state(Anchored::No, sid, b);
        if a.is_special(sid) {
            if a.is_dead(sid) {
                break;
            }
            if a.is_match(sid) {
                for i in 0..a.match_len(sid) {
                    f(a.match_pattern(sid, i).as_usize());
                }
            }
        }
    }
    true
}

/// The literals of one field for one kind of event.
#[derive(Debug)]
pub(crate) struct FieldPre {
    pub field: u32,
    pub matcher: Arc<Matcher>,
    /// Literal index → (variant, clause) it satisfies.
    pub hits: Vec<Vec<(u32, u8)>>,
}

/// Matchers built for the plans: `built[i]` for the i-th distinct set of
/// literals (`None`: not buildable, or its thread failed), and for each plan
/// and field of it, which set that field has.
pub(crate) struct Matchers {
    built: Vec<Option<Arc<Matcher>>>,
    of_field: Vec<Vec<usize>>,
}

/// The rule variants of one kind of event and their prefilter.
#[derive(Debug, Default)]
pub(crate) struct Bucket {
    /// Variants evaluated for every event of the bucket (no literal to filter on).
    pub always: Vec<u32>,
    pub pre: Vec<FieldPre>,
    /// Keyword literals, looked for in every value of the event.
    pub keywords: Option<FieldPre>,
    pub size: usize,
}

/// Per field of a bucket: its literals and, per literal, what it satisfies.
type FieldNeedles = (u32, Vec<(Anchor, String)>, Vec<Vec<(u32, u8)>>);

/// A bucket whose matchers are not built yet.
pub(crate) struct Plan {
    always: Vec<u32>,
    size: usize,
    fields: Vec<FieldNeedles>,
}

/// Plans the bucket of variants `vars`; `cnf[v]` are variant v's clauses.
pub(crate) fn plan_bucket(cnf: &[Option<Vec<Clause>>], vars: &[u32]) -> Plan {
    type Needles<'c> = (
        Vec<(Anchor, String)>,
        Vec<Vec<(u32, u8)>>,
        HashMap<(Anchor, &'c str), usize, FxBuild>,
    );
    let mut always = Vec::new();
    let mut per_field: HashMap<u32, Needles, FxBuild> = HashMap::default();
    let mut size = 0;
    for &v in vars {
        let Some(cnf) = &cnf[v as usize] else {
            continue; // can never match
        };
        size += 1;
        if cnf.is_empty() {
            always.push(v);
            continue;
        }
        for (ci, clause) in cnf.iter().enumerate() {
            for (f, a, needle) in clause {
                let e = per_field.entry(*f).or_default();
                let idx = *e.2.entry((*a, needle.as_str())).or_insert_with(|| {
                    e.0.push((*a, needle.clone()));
                    e.1.push(Vec::new());
                    e.0.len() - 1
                });
                // A literal's hits of one (variant, clause) are pushed while
                // that clause is read: the last one is the only one to check.
                let hit = (v, ci as u8);
                if e.1[idx].last() != Some(&hit) {
                    e.1[idx].push(hit);
                }
            }
        }
    }
    let mut fields: Vec<FieldNeedles> = per_field
        .into_iter()
        .map(|(f, (needles, hits, _))| (f, needles, hits))
        .collect();
    fields.sort_by_key(|(f, _, _)| *f);
    Plan {
        always,
        size,
        fields,
    }
}

/// Builds the matchers of all plans, each distinct set of literals once,
/// on up to `threads` threads.
pub(crate) fn build_matchers(plans: &[Plan], threads: usize) -> Matchers {
    let mut todo: Vec<&Vec<(Anchor, String)>> = Vec::new();
    let mut seen: HashMap<&Vec<(Anchor, String)>, usize, FxBuild> = HashMap::default();
    let mut of_field = Vec::with_capacity(plans.len());
    for p in plans {
        let mut ids = Vec::with_capacity(p.fields.len());
        for (_, needles, _) in &p.fields {
            let id = *seen.entry(needles).or_insert_with(|| {
                todo.push(needles);
                todo.len() - 1
            });
            ids.push(id);
        }
        of_field.push(ids);
    }
    // Largest first, so that threads finish together.
    let mut order: Vec<usize> = (0..todo.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(todo[i].len()));
    let next = std::sync::atomic::AtomicUsize::new(0);
    let work = || {
        let mut out = Vec::new();
        loop {
            let k = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let Some(&i) = order.get(k) else { break };
            out.push((i, Matcher::build(todo[i]).map(Arc::new)));
        }
        out
    };
    let built: Vec<Vec<(usize, Option<Arc<Matcher>>)>> = if threads <= 1 {
        vec![work()]
    } else {
        std::thread::scope(|sc| {
            let workers: Vec<_> = (0..threads).map(|_| sc.spawn(work)).collect();
            workers
                .into_iter()
                .map(|w| w.join().unwrap_or_default())
                .collect()
        })
    };
    let mut m = Matchers {
        built: vec![None; todo.len()],
        of_field,
    };
    for (i, matcher) in built.into_iter().flatten() {
        m.built[i] = matcher;
    }
    m
}

/// The bucket of one plan, its matchers built on this thread.
pub(crate) fn finish_one(plan: Plan) -> Bucket {
    let m = build_matchers(std::slice::from_ref(&plan), 1);
    finish_bucket(plan, 0, &m)
}

/// The bucket of the `p`-th plan, with the matchers built.
pub(crate) fn finish_bucket(plan: Plan, p: usize, matchers: &Matchers) -> Bucket {
    let Plan {
        mut always,
        size,
        fields,
    } = plan;
    let mut pre = Vec::new();
    let mut keywords = None;
    for (fi, (field, _, hits)) in fields.into_iter().enumerate() {
        // A matcher missing (a thread failed) or not buildable: evaluate
        // those rules for every event.
        let built = matchers.of_field.get(p).and_then(|f| f.get(fi));
        let Some(matcher) = built.and_then(|&i| matchers.built[i].clone()) else {
            for h in hits {
                for (v, _) in h {
                    if !always.contains(&v) {
                        always.push(v);
                    }
                }
            }
            continue;
        };
        let fp = FieldPre {
            field,
            matcher,
            hits,
        };
        if field == ANY {
            keywords = Some(fp);
        } else {
            pre.push(fp);
        }
    }
    Bucket {
        always,
        pre,
        keywords,
        size,
    }
}
