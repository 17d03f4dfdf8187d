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
use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

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

/// The `k` most selective clauses (longest shortest literal, then fewest literals).
fn pick_best(mut cs: Vec<Clause>, k: usize) -> Vec<Clause> {
    cs.sort_by_key(|c| std::cmp::Reverse(clause_score(c)));
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
    Some((a, pattern::lower(&s).into_owned()))
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

/// The literals of one field for one kind of event.
#[derive(Debug)]
pub(crate) struct FieldPre {
    pub field: u32,
    ac: Option<AhoCorasick>,
    /// AC pattern id → literal index.
    ac_ids: Vec<u32>,
    whole: HashMap<Box<str>, u32, FxBuild>,
    prefix: Trie,
    suffix: Trie,
    /// Literal index → (variant, clause) it satisfies.
    pub hits: Vec<Vec<(u32, u8)>>,
}

impl FieldPre {
    /// `None` when the literals are too many for an automaton.
    fn build(
        field: u32,
        needles: Vec<(Anchor, String)>,
        hits: Vec<Vec<(u32, u8)>>,
    ) -> Option<Self> {
        let mut fp = FieldPre {
            field,
            ac: None,
            ac_ids: Vec::new(),
            whole: HashMap::default(),
            prefix: Trie::default(),
            suffix: Trie::default(),
            hits,
        };
        let mut contains = Vec::new();
        for (i, (a, s)) in needles.into_iter().enumerate() {
            let i = i as u32;
            match a {
                Anchor::Whole => {
                    fp.whole.insert(s.into(), i);
                }
                Anchor::Prefix => fp.prefix.insert(s.bytes(), i),
                Anchor::Suffix => fp.suffix.insert(s.bytes().rev(), i),
                Anchor::Contains => {
                    contains.push(s);
                    fp.ac_ids.push(i);
                }
            }
        }
        if !contains.is_empty() {
            let built = AhoCorasick::builder()
                .match_kind(MatchKind::Standard)
                .kind(Some(if contains.len() < 2000 {
                    AhoCorasickKind::DFA
                } else {
                    AhoCorasickKind::ContiguousNFA
                }))
                .build(&contains)
                .or_else(|_| {
                    AhoCorasick::builder()
                        .match_kind(MatchKind::Standard)
                        .build(&contains)
                });
            fp.ac = Some(built.ok()?);
        }
        Some(fp)
    }

    /// Calls `f` with the index (into `hits`) of every literal present in `text`.
    pub(crate) fn find(&self, text: &str, mut f: impl FnMut(usize)) {
        if !self.whole.is_empty() {
            if let Some(&i) = self.whole.get(text) {
                f(i as usize);
            }
        }
        self.prefix.walk(text.bytes(), |i| f(i as usize));
        self.suffix.walk(text.bytes().rev(), |i| f(i as usize));
        if let Some(ac) = &self.ac {
            for m in ac.find_overlapping_iter(text) {
                f(self.ac_ids[m.pattern().as_usize()] as usize);
            }
        }
    }
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

/// Builds the bucket of variants `vars`; `cnf[v]` are variant v's clauses.
pub(crate) fn build_bucket(cnf: &[Option<Vec<Clause>>], vars: &[u32]) -> Bucket {
    type Needles = (
        Vec<(Anchor, String)>,
        Vec<Vec<(u32, u8)>>,
        HashMap<(Anchor, String), usize>,
    );
    let mut always = Vec::new();
    let mut per_field: HashMap<u32, Needles> = HashMap::new();
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
                let key = (*a, needle.clone());
                let idx = *e.2.entry(key.clone()).or_insert_with(|| {
                    e.0.push(key);
                    e.1.push(Vec::new());
                    e.0.len() - 1
                });
                let hit = (v, ci as u8);
                if !e.1[idx].contains(&hit) {
                    e.1[idx].push(hit);
                }
            }
        }
    }
    let mut pre = Vec::new();
    let mut keywords = None;
    let mut fields: Vec<_> = per_field.into_iter().collect();
    fields.sort_by_key(|(f, _)| *f);
    for (field, (needles, hits, _)) in fields {
        let Some(fp) = FieldPre::build(field, needles, hits.clone()) else {
            // Too large for an automaton: evaluate those rules for every event.
            for h in hits {
                for (v, _) in h {
                    if !always.contains(&v) {
                        always.push(v);
                    }
                }
            }
            continue;
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
