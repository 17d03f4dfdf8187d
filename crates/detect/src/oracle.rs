//! The property test of the compiled engine: on generated events, the rules
//! that fire are exactly those a plain evaluator finds by walking every
//! parsed rule's tree, rule by rule, with no field ids, no buckets and no
//! prefilter. Events are built from the rules' own literals (in random case,
//! glued to random text) so that many rules come close and some fire.

use crate::event::{parse_number, Event, Value};
use crate::logsource::LogSourceMap;
use crate::pattern::{self, StrPat};
use crate::rule::{self, Check, Cmp, RefKind, Tree};
use crate::{Config, Engine, EngineBuilder, LogSource, RuleInfo};
use proptest::prelude::*;
use std::collections::BTreeSet;
use std::path::Path;
use std::sync::OnceLock;

struct World {
    engine: Engine,
    parsed: Vec<(RuleInfo, Tree)>,
    literals: Vec<String>,
    map: LogSourceMap,
}

fn yaml_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = rd.flatten().map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            yaml_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "yml") {
            out.push(p);
        }
    }
}

fn literal(p: &StrPat) -> Option<String> {
    match p {
        StrPat::Eq(s) | StrPat::Prefix(s) | StrPat::Suffix(s) => Some(s.to_string()),
        StrPat::Contains(f) => Some(String::from_utf8_lossy(f.needle()).into_owned()),
        StrPat::Glob(g) => g.longest_literal(),
        StrPat::Any => None,
    }
}

fn collect_literals(t: &Tree, out: &mut Vec<String>) {
    match t {
        Tree::And(xs) | Tree::Or(xs) => xs.iter().for_each(|x| collect_literals(x, out)),
        Tree::Not(x) => collect_literals(x, out),
        Tree::Const(_) => {}
        Tree::Item(it) => {
            for c in &it.checks {
                match c {
                    Check::Text { pat, .. } => out.extend(literal(pat)),
                    Check::Int(i) => out.push(i.to_string()),
                    _ => {}
                }
            }
        }
    }
}

fn world() -> &'static World {
    static W: OnceLock<World> = OnceLock::new();
    W.get_or_init(|| {
        let base = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../rules/sigma/rules/windows");
        let mut files = Vec::new();
        yaml_files(&base, &mut files);
        assert!(files.len() > 1000, "the rule set is in rules/sigma");
        let mut b = EngineBuilder::new(Config::default());
        let mut parsed = Vec::new();
        let mut ids = BTreeSet::new();
        let mut literals = Vec::new();
        for f in &files {
            let text = std::fs::read_to_string(f).expect("rule file");
            let name = f.display().to_string();
            if b.add_yaml(&name, &text) == 0 {
                continue;
            }
            let docs = crate::load_yaml(&text).expect("accepted above");
            let p = rule::parse_rule(&docs[0], &Default::default()).expect("accepted above");
            if !p.info.id.is_empty() && !ids.insert(p.info.id.clone()) {
                continue; // refused by build() as a duplicate
            }
            collect_literals(&p.tree, &mut literals);
            let mut info = p.info;
            info.source = name;
            parsed.push((info, p.tree));
        }
        literals.sort();
        literals.dedup();
        let (engine, _) = b.build();
        World {
            engine,
            parsed,
            literals,
            map: LogSourceMap::default(),
        }
    })
}

// ------------------------------------------------------------------ the oracle

fn text_of(v: &Value) -> String {
    v.as_text().into_owned()
}

fn lower(s: &str) -> String {
    let mut out = String::new();
    pattern::lower_into(s, &mut out);
    out
}

fn values<'a>(ev: &'a Event, name: &str) -> Vec<&'a Value> {
    ev.fields()
        .iter()
        .filter(|(n, _)| lower(n) == lower(name))
        .map(|(_, v)| v)
        .collect()
}

fn number(v: &Value) -> Option<f64> {
    match v {
        Value::Int(i) => Some(*i as f64),
        Value::Float(f) => Some(*f),
        _ => None,
    }
}

fn value_check(c: &Check, v: &Value) -> bool {
    if matches!(v, Value::Null) {
        return false;
    }
    let raw = text_of(v);
    let low = lower(&raw);
    let num = number(v).or_else(|| parse_number(&raw));
    match c {
        Check::Text { pat, cased } => pat.is_match(if *cased { &raw } else { &low }),
        Check::Int(i) => raw == i.to_string() || num == Some(*i as f64),
        Check::Regex(r) => r.is_match(&raw),
        Check::Cidr(n) => raw
            .trim()
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| n.contains(&ip)),
        Check::Cmp(op, n) => num.is_some_and(|x| match op {
            Cmp::Lt => x < *n,
            Cmp::Lte => x <= *n,
            Cmp::Gt => x > *n,
            Cmp::Gte => x >= *n,
        }),
        Check::FieldRef { .. } | Check::Exists(_) | Check::Null => false,
    }
}

fn renamed<'a>(name: &'a str, rename: &'a [(String, String)]) -> &'a str {
    rename
        .iter()
        .find(|(a, _)| lower(a) == lower(name))
        .map_or(name, |(_, b)| b.as_str())
}

fn eval(t: &Tree, ev: &Event, rename: &[(String, String)]) -> bool {
    match t {
        Tree::And(xs) => xs.iter().all(|x| eval(x, ev, rename)),
        Tree::Or(xs) => xs.iter().any(|x| eval(x, ev, rename)),
        Tree::Not(x) => !eval(x, ev, rename),
        Tree::Const(b) => *b,
        Tree::Item(it) => {
            let test = |c: &Check| -> bool {
                let Some(field) = &it.field else {
                    return ev.fields().iter().any(|(_, v)| value_check(c, v));
                };
                let vals = values(ev, renamed(field, rename));
                match c {
                    Check::Exists(b) => vals.is_empty() != *b,
                    Check::Null => vals.is_empty() || vals.iter().any(|v| **v == Value::Null),
                    Check::FieldRef { other, how, cased } => {
                        let others = values(ev, renamed(other, rename));
                        vals.iter().any(|a| {
                            others.iter().any(|b| {
                                let (x, y) = if *cased {
                                    (text_of(a), text_of(b))
                                } else {
                                    (lower(&text_of(a)), lower(&text_of(b)))
                                };
                                match how {
                                    RefKind::Eq => x == y,
                                    RefKind::Contains => x.contains(&y),
                                    RefKind::Prefix => x.starts_with(&y),
                                    RefKind::Suffix => x.ends_with(&y),
                                }
                            })
                        })
                    }
                    _ => vals.iter().any(|v| value_check(c, v)),
                }
            };
            if it.all {
                it.checks.iter().all(test)
            } else {
                it.checks.iter().any(test)
            }
        }
    }
}

fn declared_covers(ls: &LogSource, ev: &Event) -> bool {
    let h = ev.source_hint();
    let eq = |want: &Option<String>, have: &Option<Box<str>>| match want {
        None => true,
        Some(w) => have.as_deref().is_some_and(|x| x.eq_ignore_ascii_case(w)),
    };
    (ls.product.is_some() || ls.category.is_some() || ls.service.is_some())
        && (h.product.is_some() || h.category.is_some() || h.service.is_some())
        && eq(&ls.product, &h.product)
        && eq(&ls.category, &h.category)
        && eq(&ls.service, &h.service)
}

/// Sources of the rules that fire, by walking every rule.
fn oracle(w: &World, ev: &Event) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for (info, tree) in &w.parsed {
        let (kinds, _) = w.map.resolve(&info.logsource);
        let mut fires = kinds.iter().any(|k| {
            let applies = k.when.iter().all(|(f, accepted)| {
                values(ev, f).iter().any(|v| {
                    accepted
                        .iter()
                        .any(|a| a == "*" || *a == lower(&text_of(v)))
                })
            });
            applies && eval(tree, ev, &k.rename)
        });
        if !fires && declared_covers(&info.logsource, ev) {
            fires = eval(tree, ev, &[]);
        }
        if fires {
            out.insert(info.source.clone());
        }
    }
    out
}

// ------------------------------------------------------------------ events

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

const FIELDS: &[&str] = &[
    "Image",
    "CommandLine",
    "ParentImage",
    "ParentCommandLine",
    "OriginalFileName",
    "TargetFilename",
    "TargetObject",
    "Details",
    "ScriptBlockText",
    "NewProcessName",
    "User",
    "IntegrityLevel",
    "Hashes",
    "ImageLoaded",
    "DestinationPort",
    "DestinationIp",
    "QueryName",
    "Description",
    "Product",
    "Company",
    "ServiceName",
    "ImagePath",
    "PipeName",
    "EventType",
    "Signed",
];

const KINDS: &[(&str, i64)] = &[
    ("Microsoft-Windows-Sysmon/Operational", 1),
    ("Microsoft-Windows-Sysmon/Operational", 3),
    ("Microsoft-Windows-Sysmon/Operational", 7),
    ("Microsoft-Windows-Sysmon/Operational", 11),
    ("Microsoft-Windows-Sysmon/Operational", 13),
    ("Microsoft-Windows-Sysmon/Operational", 17),
    ("Security", 4688),
    ("Security", 4624),
    ("System", 7045),
    ("Microsoft-Windows-PowerShell/Operational", 4104),
];

fn gen_event(w: &World, seed: u64) -> Event {
    let mut r = Rng(seed | 1);
    let (chan, eid) = KINDS[r.below(KINDS.len())];
    let chan = if r.below(4) == 0 {
        chan.to_lowercase()
    } else {
        chan.to_string()
    };
    let mut ev = Event::new()
        .with("Channel", chan.as_str())
        .with("EventID", eid);
    for _ in 0..r.below(8) + 1 {
        let name = FIELDS[r.below(FIELDS.len())];
        let name = if r.below(8) == 0 {
            name.to_lowercase()
        } else {
            name.to_string()
        };
        let value = match r.below(12) {
            0 => Value::Int(r.below(70000) as i64),
            1 => Value::Null,
            _ => {
                let mut s = String::new();
                for _ in 0..r.below(4) {
                    let lit = &w.literals[r.below(w.literals.len())];
                    for c in lit.chars() {
                        if r.below(3) == 0 {
                            s.extend(c.to_uppercase());
                        } else {
                            s.push(c);
                        }
                    }
                    s.push_str(["", " ", "\\", "x", " -", ".exe"][r.below(6)]);
                }
                Value::Str(s.into())
            }
        };
        ev.push(name, value);
    }
    if r.below(10) == 0 {
        ev = ev.with_source(Some("windows"), Some("process_creation"), None);
    }
    ev
}

proptest! {
    // Fewer cases in a debug build, where the plain evaluator is slow.
    #![proptest_config(ProptestConfig { cases: if cfg!(debug_assertions) { 48 } else { 400 }, .. ProptestConfig::default() })]

    #[test]
    fn compiled_evaluation_equals_rule_by_rule(seed in any::<u64>()) {
        let w = world();
        let ev = gen_event(w, seed);
        let want = oracle(w, &ev);
        let mut s = w.engine.scanner();
        let got: BTreeSet<String> = s
            .scan(&ev)
            .iter()
            .map(|&i| w.engine.rules()[i].source.clone())
            .collect();
        prop_assert_eq!(&got, &want, "event {:?}", ev);
        // The buffer form of the same event gives the same answer.
        let mut buf = crate::EventBuf::new();
        buf.fill_from(&ev);
        let again: BTreeSet<String> = s
            .scan_buf(&buf)
            .iter()
            .map(|&i| w.engine.rules()[i].source.clone())
            .collect();
        prop_assert_eq!(&again, &want);
    }
}

#[test]
fn generated_events_fire_some_rules() {
    // The property above is only worth something if rules do fire.
    let w = world();
    let fired: usize = (0..400u64)
        .map(|s| oracle(w, &gen_event(w, s * 7919 + 1)).len())
        .sum();
    assert!(
        fired > 20,
        "only {fired} detections on 400 generated events"
    );
}
