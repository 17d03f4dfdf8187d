//! Sigma correlation rules (specification 2.0: `event_count`, `value_count`,
//! `temporal`, `temporal_ordered`) and the [`Correlator`] that evaluates them
//! over a stream of rule matches.
//!
//! ```text
//!  YAML ──► EngineBuilder::add_yaml ──► Engine::correlations() : CorrelationSet (immutable)
//!  each match (time, rule index, event) ──► Correlator::feed_event ──► [CorrelationHit]
//! ```
//!
//! * **Loading.** A file holding a correlation (usually several YAML
//!   documents: the correlation and the rules it names) is handed here by the
//!   rule loader; the ordinary rules of the file are compiled by the engine as
//!   usual. References (`rules:`) name a rule or another correlation by `id`
//!   or `name`; they are resolved when the engine is built, and a correlation
//!   whose reference is unknown, or that is part of a cycle, is refused with
//!   its reason in the [`CheckReport`](crate::CheckReport).
//! * **`generate`.** By default (`generate: false`) a rule named by a
//!   correlation is not reported on its own: [`CorrelationSet::reports_alone`]
//!   says whether it is. `generate: true` reports it too.
//! * **State.** The engine stays stateless; the caller owns a [`Correlator`]
//!   per stream. Its memory is bounded by what the windows need, not by the
//!   stream: see [`state`] for the rules of eviction, the cap on groups and
//!   how late events are treated.

mod parse;
pub mod state;

pub use parse::parse_timespan;
pub(crate) use parse::{parse_correlation, ParsedCorrelation};
pub use state::{CorrelationHit, Correlator, Limits, Stats};

use crate::{Event, Reason, Refusal, RuleInfo};
use std::collections::HashMap;

/// The four correlation types.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CorrelationKind {
    EventCount,
    ValueCount,
    Temporal,
    TemporalOrdered,
}

impl CorrelationKind {
    pub fn as_str(self) -> &'static str {
        match self {
            CorrelationKind::EventCount => "event_count",
            CorrelationKind::ValueCount => "value_count",
            CorrelationKind::Temporal => "temporal",
            CorrelationKind::TemporalOrdered => "temporal_ordered",
        }
    }
}

/// A correlation condition: every bound given must hold (`gt: 100, lte: 200`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Condition {
    pub gt: Option<u64>,
    pub gte: Option<u64>,
    pub lt: Option<u64>,
    pub lte: Option<u64>,
    pub eq: Option<u64>,
}

impl Condition {
    pub fn holds(&self, n: u64) -> bool {
        self.gt.is_none_or(|v| n > v)
            && self.gte.is_none_or(|v| n >= v)
            && self.lt.is_none_or(|v| n < v)
            && self.lte.is_none_or(|v| n <= v)
            && self.eq.is_none_or(|v| n == v)
    }
    /// Only lower bounds: once it holds, more events keep it holding, so it is
    /// decided as soon as it holds (sliding window). Otherwise the window must
    /// close before it can be decided (tumbling window).
    pub fn is_lower_bound_only(&self) -> bool {
        self.lt.is_none() && self.lte.is_none() && self.eq.is_none()
    }
    /// The largest number written: counting past it changes nothing.
    pub fn saturation(&self) -> u64 {
        [self.gt, self.gte, self.lt, self.lte, self.eq]
            .iter()
            .flatten()
            .copied()
            .max()
            .unwrap_or(0)
            .saturating_add(1)
    }
}

/// What a rule or correlation named by a correlation is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Ref {
    /// An index into [`Engine::rules`](crate::Engine::rules).
    Rule(usize),
    /// An index into [`CorrelationSet::rules`].
    Correlation(usize),
}

/// A loaded correlation rule with its references resolved.
#[derive(Clone, Debug)]
pub struct CorrelationRule {
    /// Title, id, level, tags … of the correlation (its `logsource` is empty).
    pub info: RuleInfo,
    pub name: Option<String>,
    pub kind: CorrelationKind,
    /// The references as written.
    pub references: Vec<String>,
    /// What each reference is, in order.
    pub inputs: Vec<Ref>,
    /// The `group-by` names (aliases where the rule defines them).
    pub group_by: Vec<String>,
    pub timespan_ms: i64,
    pub condition: Condition,
    /// `value_count`: the field whose distinct values are counted.
    pub field: Option<String>,
    pub generate: bool,
    /// Per input: the event fields read for each `group-by` name (aliases
    /// resolved), then the `value_count` field.
    pub(crate) fields: Vec<Vec<String>>,
}

/// The correlation rules of an engine, resolved against its rules.
#[derive(Clone, Debug, Default)]
pub struct CorrelationSet {
    rules: Vec<CorrelationRule>,
    /// Base rule index → (correlation, input position), by descending position.
    by_rule: HashMap<usize, Vec<(usize, usize)>>,
    /// Correlation index → (correlation, input position) that read its hits.
    by_corr: Vec<Vec<(usize, usize)>>,
    /// Rules and correlations named only by correlations with `generate: false`.
    silent: HashMap<Ref, ()>,
}

impl CorrelationSet {
    pub fn rules(&self) -> &[CorrelationRule] {
        &self.rules
    }
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }
    /// Whether some correlation reads the matches of this rule.
    pub fn reads(&self, rule: usize) -> bool {
        self.by_rule.contains_key(&rule)
    }
    /// Whether a rule's (or a correlation's) own matches are reported: false
    /// when every correlation naming it leaves `generate` false.
    pub fn reports_alone(&self, r: Ref) -> bool {
        !self.silent.contains_key(&r)
    }

    pub(crate) fn inputs_of_rule(&self, rule: usize) -> &[(usize, usize)] {
        self.by_rule.get(&rule).map_or(&[], |v| v.as_slice())
    }
    pub(crate) fn inputs_of_corr(&self, c: usize) -> &[(usize, usize)] {
        self.by_corr.get(c).map_or(&[], |v| v.as_slice())
    }

    /// Resolves parsed correlations against the engine's rules; refused ones
    /// are returned with their reason.
    pub(crate) fn resolve(
        parsed: Vec<ParsedCorrelation>,
        base: &[RuleInfo],
    ) -> (CorrelationSet, Vec<Refusal>) {
        let mut refused = Vec::new();
        let mut key_to_rule: HashMap<&str, usize> = HashMap::new();
        for (i, r) in base.iter().enumerate() {
            if !r.id.is_empty() {
                key_to_rule.entry(r.id.as_str()).or_insert(i);
            }
            if let Some(n) = r.name.as_deref() {
                key_to_rule.entry(n).or_insert(i);
            }
        }
        let mut key_to_corr: HashMap<String, usize> = HashMap::new();
        for (i, p) in parsed.iter().enumerate() {
            if !p.info.id.is_empty() {
                key_to_corr.entry(p.info.id.clone()).or_insert(i);
            }
            if let Some(n) = &p.name {
                key_to_corr.entry(n.clone()).or_insert(i);
            }
        }
        // Resolve each reference; a correlation is preferred when a key names both.
        let mut inputs: Vec<Result<Vec<Ref>, String>> = parsed
            .iter()
            .map(|p| {
                p.references
                    .iter()
                    .map(|r| {
                        if let Some(&c) = key_to_corr.get(r.as_str()) {
                            Ok(Ref::Correlation(c))
                        } else if let Some(&b) = key_to_rule.get(r.as_str()) {
                            Ok(Ref::Rule(b))
                        } else {
                            Err(format!("the rule '{r}' it names is not loaded"))
                        }
                    })
                    .collect()
            })
            .collect();
        // Refuse correlations on a cycle, then those naming refused ones, until stable.
        let n = parsed.len();
        for i in 0..n {
            if inputs[i].is_ok() && on_cycle(i, &inputs) {
                inputs[i] = Err("it is part of a cycle of correlations".into());
            }
        }
        loop {
            let mut changed = false;
            for i in 0..n {
                let bad = match &inputs[i] {
                    Ok(v) => v.iter().find_map(|r| match r {
                        Ref::Correlation(c) if inputs[*c].is_err() => Some(*c),
                        _ => None,
                    }),
                    Err(_) => None,
                };
                if let Some(c) = bad {
                    let name = parsed[c].name.clone().unwrap_or(parsed[c].info.id.clone());
                    inputs[i] = Err(format!("the correlation '{name}' it names was refused"));
                    changed = true;
                }
            }
            if !changed {
                break;
            }
        }
        // Keep the accepted ones, renumbered.
        let mut new_index = vec![usize::MAX; n];
        let mut k = 0;
        for i in 0..n {
            if inputs[i].is_ok() {
                new_index[i] = k;
                k += 1;
            }
        }
        let mut set = CorrelationSet::default();
        let mut named_by: HashMap<Ref, bool> = HashMap::new();
        for (i, (p, inp)) in parsed.into_iter().zip(inputs).enumerate() {
            let inp = match inp {
                Ok(v) => v,
                Err(why) => {
                    refused.push(Refusal {
                        source: p.info.source.clone(),
                        id: Some(p.info.id.clone()).filter(|s| !s.is_empty()),
                        title: Some(p.info.title.clone()).filter(|s| !s.is_empty()),
                        reason: Reason::Correlation(why),
                    });
                    continue;
                }
            };
            let inp: Vec<Ref> = inp
                .into_iter()
                .map(|r| match r {
                    Ref::Correlation(c) => Ref::Correlation(new_index[c]),
                    r => r,
                })
                .collect();
            debug_assert_eq!(new_index[i], set.rules.len());
            let fields = inp
                .iter()
                .zip(&p.references)
                .map(|(r, written)| {
                    let keys: Vec<&str> = match r {
                        Ref::Rule(b) => {
                            let mut k = vec![written.as_str(), base[*b].id.as_str()];
                            if let Some(n) = base[*b].name.as_deref() {
                                k.push(n);
                            }
                            k
                        }
                        Ref::Correlation(_) => vec![written.as_str()],
                    };
                    let mut f: Vec<String> = p.group_by.iter().map(|g| p.alias(g, &keys)).collect();
                    if let Some(v) = &p.field {
                        f.push(p.alias(v, &keys));
                    }
                    f
                })
                .collect();
            for r in &inp {
                let e = named_by.entry(*r).or_insert(false);
                *e |= p.generate;
            }
            set.rules.push(CorrelationRule {
                info: p.info,
                name: p.name,
                kind: p.kind,
                references: p.references,
                inputs: inp,
                group_by: p.group_by,
                timespan_ms: p.timespan_ms,
                condition: p.condition,
                field: p.field,
                generate: p.generate,
                fields,
            });
        }
        set.by_corr = vec![Vec::new(); set.rules.len()];
        for (ci, c) in set.rules.iter().enumerate() {
            for (pos, r) in c.inputs.iter().enumerate() {
                match r {
                    Ref::Rule(b) => set.by_rule.entry(*b).or_default().push((ci, pos)),
                    Ref::Correlation(o) => set.by_corr[*o].push((ci, pos)),
                }
            }
        }
        // Descending position, so that one match never advances two steps of a sequence.
        for v in set.by_rule.values_mut().chain(set.by_corr.iter_mut()) {
            v.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
        }
        set.silent = named_by
            .into_iter()
            .filter(|(_, g)| !g)
            .map(|(r, _)| (r, ()))
            .collect();
        (set, refused)
    }
}

/// Whether correlation `start` can reach itself through its references.
fn on_cycle(start: usize, inputs: &[Result<Vec<Ref>, String>]) -> bool {
    let mut seen = vec![false; inputs.len()];
    let mut stack = vec![start];
    while let Some(i) = stack.pop() {
        let Ok(refs) = &inputs[i] else { continue };
        for r in refs {
            if let Ref::Correlation(c) = r {
                if *c == start {
                    return true;
                }
                if !seen[*c] {
                    seen[*c] = true;
                    stack.push(*c);
                }
            }
        }
    }
    false
}

/// Fields holding an event's time, tried in this order.
pub const TIME_FIELDS: [&str; 6] = [
    "TimeCreated_SystemTime",
    "@timestamp",
    "EventTime",
    "UtcTime",
    "timestamp",
    "time",
];

/// An event's time in Unix milliseconds, from the first of [`TIME_FIELDS`]
/// that reads as a time (RFC 3339, or `YYYY-MM-DD HH:MM:SS[.fff]` taken as
/// UTC, or Unix seconds or milliseconds as a number).
pub fn event_time_ms(ev: &Event) -> Option<i64> {
    TIME_FIELDS
        .iter()
        .filter_map(|f| ev.get(f))
        .find_map(|v| match v {
            crate::Value::Int(i) if *i > 100_000_000_000 => Some(*i),
            crate::Value::Int(i) => i.checked_mul(1000),
            crate::Value::Float(f) if f.is_finite() => Some((*f * 1000.0) as i64),
            crate::Value::Str(s) => parse_time_ms(s),
            _ => None,
        })
}

/// Reads a time as [`event_time_ms`] does.
pub fn parse_time_ms(s: &str) -> Option<i64> {
    let t = s.trim();
    if let Ok(dt) = chrono::DateTime::parse_from_rfc3339(t) {
        return Some(dt.timestamp_millis());
    }
    for f in ["%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S%.f"] {
        if let Ok(dt) = chrono::NaiveDateTime::parse_from_str(t, f) {
            return Some(dt.and_utc().timestamp_millis());
        }
    }
    None
}
