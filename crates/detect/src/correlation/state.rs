//! The state of correlations over a stream: [`Correlator`].
//!
//! Times are milliseconds (any epoch; the same for every call). Windows are
//! closed: two matches whose times differ by exactly the `timespan` are in
//! one window; one millisecond more and they are not.
//!
//! **How each type is decided.**
//! * A condition with lower bounds only (`gt`, `gte`) is decided on a
//!   sliding window as soon as it holds: `event_count` counts the group's
//!   matches within `timespan` of the newest, `value_count` the distinct values
//!   of its field, `temporal` the rules seen, `temporal_ordered` whether the
//!   rules were seen in their order with the first and the last within
//!   `timespan`. When it fires, the group starts afresh (one detection per
//!   burst, not one per further match).
//! * A condition with an upper bound (`lt`, `lte`, `eq`) can only be decided
//!   when the window is over: the group's window opens at its first match and
//!   closes `timespan` later; it is decided when a later match or the stream's
//!   time passes the close (plus the allowed delay), or at [`Correlator::flush`].
//!
//! **Memory.** Per group, a count only keeps what its condition can still
//! use: the newest `n + 1` times (or values) where `n` is the largest number
//! in the condition, at most [`Limits::max_values`]. A group is dropped
//! once its newest match is older than the window plus the allowed delay
//! (checked every half `timespan` of stream time). At most
//! [`Limits::max_groups`] groups are kept per correlation; a match that would
//! open one more is counted in [`Stats::overflow`] and ignored.
//!
//! **Order.** Events may arrive out of order by up to [`Limits::max_delay_ms`]:
//! a late match is put in its place by time and the windows ending and
//! starting at it are checked. A match older than the newest time seen minus
//! `timespan` minus that delay is counted in [`Stats::late`] and ignored.
//! `temporal_ordered` takes the order from the times; a step that arrives
//! after its successor has already been seen does not complete a sequence.
//! Matches lacking a `group-by` field are not counted ([`Stats::missing_field`]).

use super::{CorrelationKind, CorrelationSet, Ref};
use crate::Event;
use std::collections::{HashMap, VecDeque};

/// Bounds on a correlator's memory and tolerance.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Groups kept per correlation.
    pub max_groups: usize,
    /// Times or distinct values kept per group (the condition usually needs fewer).
    pub max_values: usize,
    /// How late a match may arrive and still be counted.
    pub max_delay_ms: i64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_groups: 100_000,
            max_values: 10_000,
            max_delay_ms: 60_000,
        }
    }
}

/// What the correlator had to ignore or drop.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    pub overflow: u64,
    pub late: u64,
    pub missing_field: u64,
    pub evicted: u64,
}

/// One correlation that fired.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CorrelationHit {
    /// Index into [`CorrelationSet::rules`].
    pub correlation: usize,
    /// `group-by` name → value.
    pub group: Vec<(String, String)>,
    pub first_ms: i64,
    pub last_ms: i64,
    /// Events, distinct values or rules counted.
    pub count: u64,
    /// False when only another correlation should report it (`generate: false`).
    pub report: bool,
}

#[derive(Debug, Default)]
struct Group {
    /// Times (sorted) for event_count; unused otherwise.
    times: VecDeque<i64>,
    /// (value hash, newest time) for value_count.
    values: Vec<(u64, i64)>,
    /// temporal: newest time per input; temporal_ordered: (start, at) per step.
    steps: Vec<Option<(i64, i64)>>,
    /// Tumbling windows: the window's start and its count.
    start: i64,
    count: u64,
    newest: i64,
}

#[derive(Debug)]
struct CorrState {
    groups: HashMap<Box<str>, Group>,
    swept_at: i64,
}

impl Default for CorrState {
    fn default() -> Self {
        CorrState {
            groups: HashMap::new(),
            swept_at: i64::MIN,
        }
    }
}

/// Correlation state over one stream. Feed it every match of a rule that
/// [`CorrelationSet::reads`]; collect what it returns; call
/// [`flush`](Correlator::flush) at the end of a finite stream.
pub struct Correlator<'s> {
    set: &'s CorrelationSet,
    limits: Limits,
    states: Vec<CorrState>,
    watermark: i64,
    pub stats: Stats,
}

const SEP: char = '\u{1f}';

impl<'s> Correlator<'s> {
    pub fn new(set: &'s CorrelationSet, limits: Limits) -> Self {
        Correlator {
            set,
            limits,
            states: (0..set.rules.len()).map(|_| CorrState::default()).collect(),
            watermark: i64::MIN,
            stats: Stats::default(),
        }
    }

    /// Groups held now, over every correlation.
    pub fn groups(&self) -> usize {
        self.states.iter().map(|s| s.groups.len()).sum()
    }

    /// A match of base rule `rule` at `time_ms` in `ev`.
    pub fn feed_event(&mut self, time_ms: i64, rule: usize, ev: &Event) -> Vec<CorrelationHit> {
        self.feed(time_ms, rule, &|f: &str| {
            ev.get(f)
                .filter(|v| !matches!(v, crate::Value::Null))
                .map(|v| v.as_text().into_owned())
        })
    }

    /// A match of base rule `rule` at `time_ms`; `field` gives the event's value of a field.
    pub fn feed(
        &mut self,
        time_ms: i64,
        rule: usize,
        field: &dyn Fn(&str) -> Option<String>,
    ) -> Vec<CorrelationHit> {
        let mut out = Vec::new();
        let set = self.set;
        self.advance(time_ms, &mut out);
        for &(c, pos) in set.inputs_of_rule(rule) {
            self.one(c, pos, time_ms, field, &mut out, 0);
        }
        out
    }

    /// Closes every window (end of a finite stream) and returns what fires.
    pub fn flush(&mut self) -> Vec<CorrelationHit> {
        let mut out = Vec::new();
        let set = self.set;
        for c in 0..self.states.len() {
            let rule = &set.rules[c];
            if rule.condition.is_lower_bound_only() {
                continue;
            }
            let groups: Vec<(Box<str>, Group)> = self.states[c].groups.drain().collect();
            for (key, g) in groups {
                self.close(c, &key, &g, &mut out);
            }
        }
        out
    }

    /// Moves the stream's time forward, sweeping expired groups.
    fn advance(&mut self, now: i64, out: &mut Vec<CorrelationHit>) {
        if now <= self.watermark {
            return;
        }
        self.watermark = now;
        for c in 0..self.states.len() {
            let span = self.set.rules[c].timespan_ms;
            if now.saturating_sub(self.states[c].swept_at) >= (span / 2).max(1) {
                self.sweep(c, out);
            }
        }
    }

    fn sweep(&mut self, c: usize, out: &mut Vec<CorrelationHit>) {
        let set = self.set;
        let rule = &set.rules[c];
        let horizon = self
            .watermark
            .saturating_sub(rule.timespan_ms)
            .saturating_sub(self.limits.max_delay_ms);
        let st = &mut self.states[c];
        st.swept_at = self.watermark;
        if rule.condition.is_lower_bound_only() {
            let before = st.groups.len();
            st.groups.retain(|_, g| g.newest >= horizon);
            self.stats.evicted += (before - st.groups.len()) as u64;
        } else {
            let closed: Vec<Box<str>> = st
                .groups
                .iter()
                .filter(|(_, g)| g.start < horizon)
                .map(|(k, _)| k.clone())
                .collect();
            for k in closed {
                if let Some(g) = self.states[c].groups.remove(&k) {
                    self.close(c, &k, &g, out);
                }
            }
        }
    }

    /// Decides a tumbling window that is over.
    fn close(&mut self, c: usize, key: &str, g: &Group, out: &mut Vec<CorrelationHit>) {
        let set = self.set;
        let rule = &set.rules[c];
        let n = match rule.kind {
            CorrelationKind::ValueCount => g.values.len() as u64,
            _ => g.count,
        };
        if rule.condition.holds(n) {
            self.fire(c, key, g.start, g.newest, n, out, 0);
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn fire(
        &mut self,
        c: usize,
        key: &str,
        first: i64,
        last: i64,
        count: u64,
        out: &mut Vec<CorrelationHit>,
        depth: usize,
    ) {
        let set = self.set;
        let rule = &set.rules[c];
        let group: Vec<(String, String)> = rule
            .group_by
            .iter()
            .cloned()
            .zip(key.split(SEP).map(str::to_string))
            .collect();
        let hit = CorrelationHit {
            correlation: c,
            group,
            first_ms: first,
            last_ms: last,
            count,
            report: set.reports_alone(Ref::Correlation(c)),
        };
        // Correlations reading this one see its group-by values as fields.
        if depth < 8 {
            let fields = hit.group.clone();
            let get = move |f: &str| {
                fields
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(f))
                    .map(|(_, v)| v.clone())
            };
            for &(c2, pos) in set.inputs_of_corr(c) {
                self.one(c2, pos, last, &get, out, depth + 1);
            }
        }
        out.push(hit);
    }

    fn one(
        &mut self,
        c: usize,
        pos: usize,
        t: i64,
        field: &dyn Fn(&str) -> Option<String>,
        out: &mut Vec<CorrelationHit>,
        depth: usize,
    ) {
        let set = self.set;
        let rule = &set.rules[c];
        let span = rule.timespan_ms;
        if t < self
            .watermark
            .saturating_sub(span)
            .saturating_sub(self.limits.max_delay_ms)
        {
            self.stats.late += 1;
            return;
        }
        let names = &rule.fields[pos];
        let ngroup = rule.group_by.len();
        let mut key = String::new();
        for (i, f) in names[..ngroup].iter().enumerate() {
            let Some(v) = field(f) else {
                self.stats.missing_field += 1;
                return;
            };
            if i > 0 {
                key.push(SEP);
            }
            key.push_str(&v.replace(SEP, " "));
        }
        let value = if rule.kind == CorrelationKind::ValueCount {
            match names.get(ngroup).and_then(|f| field(f)) {
                Some(v) => Some(hash(&v)),
                None => {
                    self.stats.missing_field += 1;
                    return;
                }
            }
        } else {
            None
        };
        if !self.states[c].groups.contains_key(key.as_str()) {
            if self.states[c].groups.len() >= self.limits.max_groups {
                self.sweep(c, out);
            }
            if self.states[c].groups.len() >= self.limits.max_groups {
                self.stats.overflow += 1;
                return;
            }
            let g = Group {
                steps: vec![None; rule.inputs.len()],
                start: t,
                newest: t,
                ..Group::default()
            };
            self.states[c].groups.insert(key.clone().into(), g);
        }
        let cap = (rule.condition.saturation() as usize).clamp(1, self.limits.max_values.max(1));
        let sliding = rule.condition.is_lower_bound_only();
        let Some(g) = self.states[c].groups.get_mut(key.as_str()) else {
            return;
        };
        // Tumbling: a match past the window's close decides it and opens the next.
        if !sliding && t > g.start + span {
            let old = std::mem::take(g);
            g.steps = vec![None; rule.inputs.len()];
            g.start = t;
            g.newest = t;
            self.close(c, &key, &old, out);
        }
        let Some(g) = self.states[c].groups.get_mut(key.as_str()) else {
            return;
        };
        g.newest = g.newest.max(t);
        if !sliding {
            g.start = g.start.min(t);
            match value {
                Some(h) => {
                    if !g.values.iter().any(|(x, _)| *x == h) && g.values.len() < cap {
                        g.values.push((h, t));
                    }
                }
                None => g.count = (g.count + 1).min(cap as u64),
            }
            return;
        }
        let fired: Option<(i64, i64, u64)> = match rule.kind {
            CorrelationKind::EventCount => {
                let at = g.times.partition_point(|&x| x <= t);
                g.times.insert(at, t);
                while g.times.len() > cap {
                    g.times.pop_front();
                }
                // The windows holding t end at t or at a later match within
                // the timespan (only t itself when matches arrive in order).
                let from = g.times.partition_point(|&x| x < t);
                let to = g.times.partition_point(|&x| x <= t.saturating_add(span));
                let mut found = None;
                for end in from..to {
                    let e = g.times[end];
                    let lo = g.times.partition_point(|&x| x < e - span);
                    let n = (end + 1 - lo) as u64;
                    if rule.condition.holds(n) {
                        found = Some((g.times[lo], e, n));
                        break;
                    }
                }
                found
            }
            CorrelationKind::ValueCount => {
                let h = value.unwrap_or(0);
                match g.values.iter_mut().find(|(x, _)| *x == h) {
                    Some(e) => e.1 = e.1.max(t),
                    None => {
                        g.values.push((h, t));
                        if g.values.len() > cap {
                            if let Some(i) = (0..g.values.len()).min_by_key(|&i| g.values[i].1) {
                                g.values.swap_remove(i);
                            }
                        }
                    }
                }
                let times = g.values.iter().map(|v| v.1);
                window(times, g.newest, span, &rule.condition)
            }
            CorrelationKind::Temporal => {
                let e = &mut g.steps[pos];
                *e = Some(e.map_or((t, t), |(_, at)| (at.max(t), at.max(t))));
                let latest = g.steps.iter().flatten().map(|s| s.1).max().unwrap_or(t);
                let times = g.steps.iter().flatten().map(|s| s.1);
                window(times, latest, span, &rule.condition)
            }
            CorrelationKind::TemporalOrdered => {
                let steps = rule.inputs.len();
                if pos == 0 {
                    if g.steps[0].is_none_or(|(s, _)| t >= s) {
                        g.steps[0] = Some((t, t));
                    }
                } else if let Some((s, at)) = g.steps[pos - 1] {
                    if at <= t && t - s <= span && g.steps[pos].is_none_or(|(s2, _)| s >= s2) {
                        g.steps[pos] = Some((s, t));
                    }
                }
                match g.steps[steps - 1] {
                    Some((s, at)) if pos == steps - 1 && at == t => Some((s, t, steps as u64)),
                    _ => None,
                }
            }
        };
        if let Some((first, last, n)) = fired {
            self.states[c].groups.remove(key.as_str());
            self.fire(c, &key, first, last, n, out, depth);
        }
    }
}

/// The times within `span` before `end`: whether their number meets the
/// condition, with the first time, `end` and the number.
fn window(
    times: impl Iterator<Item = i64>,
    end: i64,
    span: i64,
    cond: &super::Condition,
) -> Option<(i64, i64, u64)> {
    let (mut n, mut first) = (0u64, end);
    for x in times.filter(|&x| x >= end - span) {
        n += 1;
        first = first.min(x);
    }
    cond.holds(n).then_some((first, end, n))
}

/// FNV-1a of a value (distinct values are kept as hashes, not as text).
fn hash(s: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.bytes() {
        h ^= b as u64;
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}
