//! Correlation rules: each type at its window edges, group-by separation,
//! bounded state, chaining, `generate`, refusals, and a real rule end to end.

use detect::correlation::{Limits, Ref};
use detect::{Config, Correlator, Engine, EngineBuilder, Event};
use std::collections::HashMap;

const S: i64 = 1000;

fn engine(yaml: &str) -> Engine {
    let mut b = EngineBuilder::new(Config::default());
    b.add_yaml("test.yml", yaml);
    let (e, report) = b.build();
    assert!(report.refused.is_empty(), "{:?}", report.refused);
    e
}

fn base(name: &str) -> String {
    format!(
        "title: rule {name}\nid: 00000000-0000-4000-8000-{:012}\nname: {name}\nlogsource: {{product: test}}\ndetection:\n  sel:\n    kind: {name}\n  condition: sel\n",
        name.bytes().map(|b| b as u64).sum::<u64>()
    )
}

fn corr(body: &str, names: &[&str]) -> String {
    let mut s = format!("title: the correlation\nid: 11111111-0000-4000-8000-000000000001\nlevel: high\ncorrelation:\n{body}");
    for n in names {
        s.push_str("---\n");
        s.push_str(&base(n));
    }
    s
}

fn rule(e: &Engine, name: &str) -> usize {
    e.rules()
        .iter()
        .position(|r| r.name.as_deref() == Some(name))
        .unwrap()
}

/// Feeds one match with the given field values; returns the hits' counts.
fn feed(c: &mut Correlator, t: i64, r: usize, fields: &[(&str, &str)]) -> Vec<u64> {
    let m: HashMap<String, String> = fields
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    c.feed(t, r, &|f: &str| m.get(f).cloned())
        .into_iter()
        .map(|h| h.count)
        .collect()
}

const EVENT_COUNT: &str = "  type: event_count\n  rules: [a]\n  group-by: [User]\n  timespan: 10s\n  condition:\n    gte: 3\n";

#[test]
fn event_count_exactly_at_timespan_fires() {
    let e = engine(&corr(EVENT_COUNT, &["a"]));
    let a = rule(&e, "a");
    let mut c = Correlator::new(e.correlations(), Limits::default());
    assert!(feed(&mut c, 0, a, &[("User", "u")]).is_empty());
    assert!(feed(&mut c, 5 * S, a, &[("User", "u")]).is_empty());
    assert_eq!(feed(&mut c, 10 * S, a, &[("User", "u")]), vec![3]);
    // It starts afresh after firing.
    assert!(feed(&mut c, 11 * S, a, &[("User", "u")]).is_empty());
}

#[test]
fn event_count_one_second_past_does_not_fire() {
    let e = engine(&corr(EVENT_COUNT, &["a"]));
    let a = rule(&e, "a");
    let mut c = Correlator::new(e.correlations(), Limits::default());
    assert!(feed(&mut c, 0, a, &[("User", "u")]).is_empty());
    assert!(feed(&mut c, 5 * S, a, &[("User", "u")]).is_empty());
    assert!(feed(&mut c, 11 * S, a, &[("User", "u")]).is_empty());
    // 5, 11, 15: three within 10 s.
    assert_eq!(feed(&mut c, 15 * S, a, &[("User", "u")]), vec![3]);
}

#[test]
fn event_count_groups_are_separate() {
    let e = engine(&corr(EVENT_COUNT, &["a"]));
    let a = rule(&e, "a");
    let mut c = Correlator::new(e.correlations(), Limits::default());
    for t in 0..2 {
        assert!(feed(&mut c, t * S, a, &[("User", "alice")]).is_empty());
        assert!(feed(&mut c, t * S, a, &[("User", "bob")]).is_empty());
    }
    let hits = c.feed(3 * S, a, &|f: &str| {
        (f == "User").then(|| "alice".to_string())
    });
    assert_eq!(hits.len(), 1);
    assert_eq!(
        hits[0].group,
        vec![("User".to_string(), "alice".to_string())]
    );
    assert_eq!((hits[0].first_ms, hits[0].last_ms), (0, 3 * S));
    // A match without the group-by field is not counted.
    assert!(feed(&mut c, 4 * S, a, &[("Other", "x")]).is_empty());
    assert_eq!(c.stats.missing_field, 1);
}

#[test]
fn event_count_upper_bound_is_decided_when_the_window_closes() {
    let body = "  type: event_count\n  rules: [a]\n  group-by: [Host]\n  timespan: 10s\n  condition:\n    lt: 3\n";
    let e = engine(&corr(body, &["a"]));
    let a = rule(&e, "a");
    let mut c = Correlator::new(e.correlations(), Limits::default());
    assert!(feed(&mut c, 0, a, &[("Host", "quiet")]).is_empty());
    assert!(feed(&mut c, 10 * S, a, &[("Host", "quiet")]).is_empty());
    for t in 0..3 {
        assert!(feed(&mut c, t * S, a, &[("Host", "busy")]).is_empty());
    }
    // The window of "quiet" is [0, 10 s]; a match at 11 s decides it (2 < 3).
    assert_eq!(feed(&mut c, 11 * S, a, &[("Host", "quiet")]), vec![2]);
    // At the end of the stream: "busy" had 3 (not < 3), "quiet" 1 (fires).
    let rest: Vec<_> = c
        .flush()
        .into_iter()
        .map(|h| (h.group[0].1.clone(), h.count))
        .collect();
    assert_eq!(rest, vec![("quiet".to_string(), 1)]);
}

const VALUE_COUNT: &str = "  type: value_count\n  rules: [a]\n  group-by: [IpAddress]\n  timespan: 5m\n  condition:\n    gte: 3\n    field: TargetUserName\n";

#[test]
fn value_count_counts_distinct_values_at_the_edges() {
    let e = engine(&corr(VALUE_COUNT, &["a"]));
    let a = rule(&e, "a");
    let mut c = Correlator::new(e.correlations(), Limits::default());
    let ip = ("IpAddress", "10.0.0.5");
    assert!(feed(&mut c, 0, a, &[ip, ("TargetUserName", "u1")]).is_empty());
    assert!(feed(&mut c, 100 * S, a, &[ip, ("TargetUserName", "u2")]).is_empty());
    assert!(feed(&mut c, 150 * S, a, &[ip, ("TargetUserName", "u2")]).is_empty());
    // Exactly 5 minutes after u1.
    assert_eq!(
        feed(&mut c, 300 * S, a, &[ip, ("TargetUserName", "u3")]),
        vec![3]
    );

    let ip2 = ("IpAddress", "10.0.0.6");
    assert!(feed(&mut c, 1000 * S, a, &[ip2, ("TargetUserName", "u1")]).is_empty());
    assert!(feed(&mut c, 1100 * S, a, &[ip2, ("TargetUserName", "u2")]).is_empty());
    // One second past 5 minutes after u1: u1 is out of the window.
    assert!(feed(&mut c, 1301 * S, a, &[ip2, ("TargetUserName", "u3")]).is_empty());
    // Another address does not add to it.
    assert!(feed(
        &mut c,
        1302 * S,
        a,
        &[("IpAddress", "10.0.0.7"), ("TargetUserName", "u4")]
    )
    .is_empty());
    assert_eq!(
        feed(&mut c, 1303 * S, a, &[ip2, ("TargetUserName", "u4")]),
        vec![3]
    );
}

const TEMPORAL: &str =
    "  type: temporal\n  rules: [a, b, c]\n  group-by: [Computer]\n  timespan: 10s\n";

#[test]
fn temporal_any_order_within_timespan() {
    let e = engine(&corr(TEMPORAL, &["a", "b", "c"]));
    let (a, b, cc) = (rule(&e, "a"), rule(&e, "b"), rule(&e, "c"));
    let mut c = Correlator::new(e.correlations(), Limits::default());
    let h = ("Computer", "ws1");
    assert!(feed(&mut c, 0, cc, &[h]).is_empty());
    assert!(feed(&mut c, 4 * S, a, &[h]).is_empty());
    // Another computer's b does not complete ws1.
    assert!(feed(&mut c, 5 * S, b, &[("Computer", "ws2")]).is_empty());
    assert_eq!(feed(&mut c, 10 * S, b, &[h]), vec![3]);

    let h = ("Computer", "ws3");
    assert!(feed(&mut c, 100 * S, cc, &[h]).is_empty());
    assert!(feed(&mut c, 104 * S, a, &[h]).is_empty());
    assert!(
        feed(&mut c, 111 * S, b, &[h]).is_empty(),
        "c is 11 s before b"
    );
    // c again: now a, b, c within 10 s.
    assert_eq!(feed(&mut c, 112 * S, cc, &[h]), vec![3]);
}

const ORDERED: &str =
    "  type: temporal_ordered\n  rules: [a, b]\n  group-by: [User]\n  timespan: 10s\n";

#[test]
fn temporal_ordered_needs_the_order_and_the_window() {
    let e = engine(&corr(ORDERED, &["a", "b"]));
    let (a, b) = (rule(&e, "a"), rule(&e, "b"));
    let mut c = Correlator::new(e.correlations(), Limits::default());
    let u = ("User", "u");
    assert!(feed(&mut c, 0, b, &[u]).is_empty(), "b before a");
    assert!(feed(&mut c, S, a, &[u]).is_empty());
    // Exactly 10 s after a.
    assert_eq!(feed(&mut c, 11 * S, b, &[u]), vec![2]);

    let v = ("User", "v");
    assert!(feed(&mut c, 100 * S, a, &[v]).is_empty());
    assert!(feed(&mut c, 111 * S, b, &[v]).is_empty(), "one second past");
    // b then a only: no sequence.
    let w = ("User", "w");
    assert!(feed(&mut c, 200 * S, b, &[w]).is_empty());
    assert!(feed(&mut c, 201 * S, a, &[w]).is_empty());
    assert!(c.flush().is_empty());
}

#[test]
fn the_group_cap_counts_overflow_and_expired_groups_are_evicted() {
    let e = engine(&corr(EVENT_COUNT, &["a"]));
    let a = rule(&e, "a");
    let limits = Limits {
        max_groups: 2,
        max_delay_ms: 0,
        ..Limits::default()
    };
    let mut c = Correlator::new(e.correlations(), limits);
    feed(&mut c, 0, a, &[("User", "1")]);
    feed(&mut c, 0, a, &[("User", "2")]);
    feed(&mut c, S, a, &[("User", "3")]);
    assert_eq!(c.stats.overflow, 1);
    assert_eq!(c.groups(), 2);
    // Much later the old groups have expired: room again, memory bounded.
    for i in 0..1000 {
        let user = i.to_string();
        feed(&mut c, 100 * S + i * 20 * S, a, &[("User", user.as_str())]);
        assert!(c.groups() <= 2);
    }
    assert_eq!(c.stats.overflow, 1);
    assert!(c.stats.evicted > 900);
}

#[test]
fn late_matches_within_the_delay_count_and_older_ones_are_dropped() {
    let e = engine(&corr(EVENT_COUNT, &["a"]));
    let a = rule(&e, "a");
    let limits = Limits {
        max_delay_ms: 5 * S,
        ..Limits::default()
    };
    let mut c = Correlator::new(e.correlations(), limits);
    let u = ("User", "u");
    assert!(feed(&mut c, 20 * S, a, &[u]).is_empty());
    assert!(feed(&mut c, 30 * S, a, &[u]).is_empty());
    // Arrives late but in the window with both: 20, 25, 30.
    assert_eq!(feed(&mut c, 25 * S, a, &[u]), vec![3]);
    // Older than 30 s - 10 s - 5 s: dropped.
    assert!(feed(&mut c, 14 * S, a, &[u]).is_empty());
    assert_eq!(c.stats.late, 1);
}

#[test]
fn chained_correlations_and_generate() {
    // The specification's example: many failed logins, then a success.
    let text = "title: Failed logins then success\nid: b180ead8-d58f-40b2-ae54-c8940995b9b6\nlevel: high\ncorrelation:\n  type: temporal_ordered\n  rules: [many_failed, success]\n  group-by: [User]\n  timespan: 10m\n---\ntitle: Many failed\nid: a8418a5a-5fc4-46b5-b23b-6c73beb19d41\nname: many_failed\ncorrelation:\n  type: event_count\n  rules: [failed]\n  group-by: [User]\n  timespan: 10m\n  condition: {gte: 3}\n---\n"
        .to_string()
        + &base("failed")
        + "---\n"
        + &base("success");
    let e = engine(&text);
    let set = e.correlations();
    assert_eq!(set.rules().len(), 2);
    let (failed, success) = (rule(&e, "failed"), rule(&e, "success"));
    assert!(!set.reports_alone(Ref::Rule(failed)));
    assert!(
        !set.reports_alone(Ref::Correlation(1)),
        "many_failed is silent"
    );
    let mut c = Correlator::new(set, Limits::default());
    let u = ("User", "admin");
    assert!(feed(&mut c, 0, success, &[u]).is_empty());
    assert!(feed(&mut c, S, failed, &[u]).is_empty());
    assert!(feed(&mut c, 2 * S, failed, &[u]).is_empty());
    let hits = c.feed(3 * S, failed, &|f: &str| {
        (f == "User").then(|| "admin".to_string())
    });
    assert_eq!(hits.len(), 1, "{hits:?}");
    assert!(!hits[0].report);
    let hits = c.feed(60 * S, success, &|f: &str| {
        (f == "User").then(|| "admin".to_string())
    });
    assert_eq!(hits.len(), 1);
    assert_eq!(
        set.rules()[hits[0].correlation].info.title,
        "Failed logins then success"
    );
    assert!(hits[0].report);

    let gen = corr(&format!("{EVENT_COUNT}  generate: true\n"), &["a"]);
    let e = engine(&gen);
    assert!(e.correlations().reports_alone(Ref::Rule(rule(&e, "a"))));
}

#[test]
fn aliases_join_different_fields() {
    let body = "  type: temporal\n  rules: [a, b]\n  group-by: [ip]\n  timespan: 10s\n  aliases:\n    ip:\n      a: SourceIp\n      b: DestinationIp\n";
    let e = engine(&corr(body, &["a", "b"]));
    let (a, b) = (rule(&e, "a"), rule(&e, "b"));
    let mut c = Correlator::new(e.correlations(), Limits::default());
    assert!(feed(
        &mut c,
        0,
        a,
        &[("SourceIp", "10.0.0.1"), ("DestinationIp", "x")]
    )
    .is_empty());
    assert_eq!(
        feed(&mut c, S, b, &[("DestinationIp", "10.0.0.1")]),
        vec![2]
    );
}

#[test]
fn bad_correlations_are_refused_with_a_reason() {
    let cases = [
        ("  type: event_count\n  rules: [nowhere]\n  group-by: [x]\n  timespan: 1h\n  condition: {gte: 2}\n", "not loaded"),
        ("  type: event_count\n  rules: [a]\n  group-by: [x]\n  timespan: 1 hour\n  condition: {gte: 2}\n", "timespan"),
        ("  type: event_count\n  rules: [a]\n  group-by: [x]\n  timespan: 1h\n", "no condition"),
        ("  type: value_count\n  rules: [a]\n  group-by: [x]\n  timespan: 1h\n  condition: {gte: 2}\n", "field"),
        ("  type: event_count\n  rules: [a]\n  group-by: [x]\n  timespan: 1h\n  condition: {bigger: 2}\n", "operator"),
        ("  type: sometimes\n  rules: [a]\n  timespan: 1h\n", "unknown type"),
        ("  type: event_count\n  rules: [11111111-0000-4000-8000-000000000001]\n  group-by: [x]\n  timespan: 1h\n  condition: {gte: 2}\n", "cycle"),
    ];
    for (body, why) in cases {
        let mut b = EngineBuilder::new(Config::default());
        b.add_yaml("bad.yml", &corr(body, &["a"]));
        let (e, report) = b.build();
        assert_eq!(e.rules().len(), 1, "the base rule still loads");
        assert!(e.correlations().is_empty());
        assert_eq!(report.refused.len(), 1, "{body}");
        let r = &report.refused[0];
        assert_eq!(r.reason.code(), "correlation");
        assert!(r.reason.to_string().contains(why), "{why}: {}", r.reason);
        assert_eq!(r.source, "bad.yml");
    }
}

/// Hayabusa's "PW Guessing" correlation (Yamato Security, DRL 1.1) over
/// Security 4625 events read from JSON, as `canhgac hunt` does.
#[test]
fn a_real_correlation_rule_end_to_end() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/correlation");
    let rule = std::fs::read_to_string(format!("{dir}/pw_guessing.yml")).unwrap();
    let e = engine(&rule);
    assert_eq!(e.correlations().rules().len(), 1);
    let events = std::fs::read(format!("{dir}/failed_logons.jsonl")).unwrap();
    let mut scanner = e.scanner();
    let mut c = Correlator::new(e.correlations(), Limits::default());
    let mut hits = Vec::new();
    let mut alone = 0;
    for ev in detect::read::JsonEvents::new(&events[..], "failed_logons.jsonl") {
        let ev: Event = ev.unwrap();
        let t = detect::correlation::event_time_ms(&ev).expect("time");
        for &r in scanner.scan(&ev) {
            if e.correlations().reports_alone(Ref::Rule(r)) {
                alone += 1;
            }
            hits.extend(c.feed_event(t, r, &ev));
        }
    }
    hits.extend(c.flush());
    assert_eq!(alone, 0, "the base rule is not reported on its own");
    let groups: Vec<_> = hits
        .iter()
        .map(|h| (h.group[0].1.as_str(), h.count))
        .collect();
    // 192.168.198.149: 5 wrong passwords within 5 minutes. 10.0.0.9: 5, but
    // spread over 6 minutes. 10.0.0.10: 6 failures, one of them not a wrong
    // password (other SubStatus).
    assert_eq!(groups, vec![("192.168.198.149", 5)]);
    assert_eq!(
        e.correlations().rules()[hits[0].correlation].info.title,
        "PW Guessing"
    );
}
