//! Which kinds of event (buckets of rule variants) an event belongs to.
//!
//! Most Windows events are told apart by their `Channel` and `EventID`
//! together: kinds that name both are found by one hash lookup of the pair.
//! For each pair, the kinds that the pair alone decides — the pair's own
//! (`process_creation` for Sysmon 1), its channel's (`service: sysmon`) and
//! those asking only that both fields be present (`product: windows`) — are
//! merged into one bucket, built on the first event of that pair, so that
//! each value of the event is searched once by one automaton per field
//! instead of once per kind. Kinds with more conditions (Sysmon 12 with
//! `EventType: CreateKey`) are checked one by one, as are events whose pair
//! names no kind.

use crate::prefilter::{finish_one, plan_bucket, Bucket, Clause, FxBuild};
use std::collections::HashMap;
use std::sync::OnceLock;

/// A kind of event: its remaining conditions, field id → accepted values
/// (lowercase; `*`: present), and its bucket.
#[derive(Debug, Clone)]
pub(crate) struct KindSel {
    pub when: Vec<(u32, Vec<String>)>,
    pub bucket: u32,
}

/// What a (Channel, EventID) pair selects.
#[derive(Debug)]
pub(crate) struct Keyed {
    /// Kinds of the pair that have more conditions.
    pub cond: Vec<KindSel>,
    /// The buckets the pair alone decides.
    pub certain: Vec<u32>,
    /// Their union, built on first use (when there are several).
    merged: OnceLock<Bucket>,
}

/// Every way to an event's kinds.
#[derive(Debug, Default)]
pub(crate) struct Routes {
    /// `channel \0 eventid` (lowercase) → index in `keyed`.
    pub by_key: HashMap<Box<str>, u32, FxBuild>,
    pub keyed: Vec<Keyed>,
    /// Kinds naming a channel but no event id, by channel (lowercase).
    pub by_channel: HashMap<Box<str>, Vec<KindSel>, FxBuild>,
    /// Kinds naming no channel; `true`: decided by Channel and EventID being
    /// present (in every pair's merged bucket, skipped when a pair was found).
    pub other: Vec<(KindSel, bool)>,
}

impl Routes {
    /// Routes for kinds, each `(when, bucket)` with field ids already interned.
    pub(crate) fn build(kinds: Vec<KindSel>, channel: u32, eventid: u32) -> Routes {
        let mut r = Routes::default();
        let mut keyed: HashMap<Box<str>, Vec<KindSel>, FxBuild> = HashMap::default();
        let named = |k: &KindSel, f: u32| -> Option<Vec<String>> {
            k.when
                .iter()
                .find(|(x, _)| *x == f)
                .map(|(_, v)| v.clone())
                .filter(|v| !v.iter().any(|x| x == "*"))
        };
        for k in kinds {
            match (named(&k, channel), named(&k, eventid)) {
                (Some(chans), Some(ids)) => {
                    let rest: Vec<_> = k
                        .when
                        .iter()
                        .filter(|(f, _)| *f != channel && *f != eventid)
                        .cloned()
                        .collect();
                    for c in &chans {
                        for e in &ids {
                            keyed.entry(key(c, e)).or_default().push(KindSel {
                                when: rest.clone(),
                                bucket: k.bucket,
                            });
                        }
                    }
                }
                (Some(chans), None) => {
                    let rest: Vec<_> = k
                        .when
                        .iter()
                        .filter(|(f, _)| *f != channel)
                        .cloned()
                        .collect();
                    for c in chans {
                        r.by_channel.entry(c.into()).or_default().push(KindSel {
                            when: rest.clone(),
                            bucket: k.bucket,
                        });
                    }
                }
                _ => {
                    let wild = k.when.iter().all(|(f, v)| {
                        (*f == channel || *f == eventid) && v.iter().any(|x| x == "*")
                    });
                    r.other.push((k, wild));
                }
            }
        }
        // Certain given a pair: no condition left but the two fields' presence.
        let certain = |k: &KindSel| {
            k.when
                .iter()
                .all(|(f, v)| (*f == channel || *f == eventid) && v.iter().any(|x| x == "*"))
        };
        let mut pairs: Vec<(Box<str>, Vec<KindSel>)> = keyed.into_iter().collect();
        pairs.sort_by(|a, b| a.0.cmp(&b.0));
        for (pair, own) in pairs {
            let chan = pair.split('\0').next().unwrap_or("");
            let mut cert = Vec::new();
            let mut cond = Vec::new();
            let of_channel = r.by_channel.get(chan).into_iter().flatten();
            for k in own.iter().chain(of_channel) {
                if certain(k) {
                    cert.push(k.bucket);
                } else {
                    cond.push(k.clone());
                }
            }
            cert.extend(r.other.iter().filter(|(_, w)| *w).map(|(k, _)| k.bucket));
            cert.sort_unstable();
            cert.dedup();
            r.by_key.insert(pair, r.keyed.len() as u32);
            r.keyed.push(Keyed {
                cond,
                certain: cert,
                merged: OnceLock::new(),
            });
        }
        r
    }

    /// The bucket of a pair's certain kinds: the one there is, or their union.
    pub(crate) fn certain_bucket<'a>(
        &'a self,
        k: &'a Keyed,
        buckets: &'a [Bucket],
        vars: &[Vec<u32>],
        cnf: &[Option<Vec<Clause>>],
    ) -> Option<&'a Bucket> {
        match k.certain.as_slice() {
            [] => None,
            [one] => buckets.get(*one as usize),
            many => Some(k.merged.get_or_init(|| {
                let mut all: Vec<u32> = many
                    .iter()
                    .flat_map(|b| vars.get(*b as usize).into_iter().flatten().copied())
                    .collect();
                all.sort_unstable();
                all.dedup();
                finish_one(plan_bucket(cnf, &all))
            })),
        }
    }
}

/// The lookup key of a pair.
pub(crate) fn key(channel: &str, eventid: &str) -> Box<str> {
    let mut k = String::with_capacity(channel.len() + eventid.len() + 1);
    k.push_str(channel);
    k.push('\0');
    k.push_str(eventid);
    k.into()
}
