use chrono::{DateTime, Duration, Utc};
use incident::*;

fn at(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

#[test]
fn the_reporting_deadline_is_five_days_after_detection() {
    let detected = at("2025-01-25T22:30:00Z");
    assert_eq!(reporting_deadline(detected), at("2025-01-30T22:30:00Z"));
    // Never panics at the end of time.
    let _ = reporting_deadline(DateTime::<Utc>::MAX_UTC);
}

#[test]
fn targets_per_severity() {
    let p = ResponsePolicy::default();
    assert!(p.problems().is_empty(), "{:?}", p.problems());
    assert_eq!(
        p.targets(Severity::Critical).acknowledge_within,
        Duration::hours(1)
    );
    assert_eq!(
        p.targets(Severity::Critical).contain_within,
        Duration::hours(4)
    );
    assert_eq!(p.targets(Severity::Low).resolve_within, Duration::days(30));
    for w in Severity::ALL.windows(2) {
        assert!(p.targets(w[1]).resolve_within <= p.targets(w[0]).resolve_within);
    }
    // Settings round-trip in minutes.
    let j = serde_json::to_value(p).unwrap();
    assert_eq!(j["reporting_within"], 7200);
    assert_eq!(j["critical"]["acknowledge_within"], 60);
    let back: ResponsePolicy = serde_json::from_value(j).unwrap();
    assert_eq!(back, p);
    let mut bad = p;
    bad.high.resolve_within = Duration::hours(1);
    assert!(!bad.problems().is_empty());
    assert!(serde_json::from_str::<ResponseTargets>(
        r#"{"acknowledge_within":-5,"contain_within":1,"resolve_within":2}"#
    )
    .is_err());
}

#[test]
fn deadlines_and_overdue() {
    let p = ResponsePolicy::default();
    let detected = at("2025-01-20T01:00:00Z");
    let reported = at("2025-01-20T02:00:00Z");
    let d = deadlines(&p, Severity::High, detected, reported);
    assert_eq!(d.report_by, at("2025-01-25T01:00:00Z"));
    assert_eq!(d.acknowledge_by, at("2025-01-20T06:00:00Z"));
    assert_eq!(d.contain_by, at("2025-01-21T02:00:00Z"));
    assert_eq!(d.resolve_by, at("2025-01-23T02:00:00Z"));

    let mut m = Milestones {
        reported_at: Some(reported),
        ..Default::default()
    };
    // Within every target.
    let now = at("2025-01-20T05:00:00Z");
    assert!(overdue(now, IncidentState::Reported, &d, &m).is_empty());
    assert_eq!(
        next_due(IncidentState::Reported, &d, &m),
        Some((Milestone::Acknowledge, d.acknowledge_by))
    );
    // Nobody acknowledged in 4 hours: it stands out.
    let now = at("2025-01-20T07:00:00Z");
    assert_eq!(
        overdue(now, IncidentState::Reported, &d, &m),
        vec![Milestone::Acknowledge]
    );
    // Acknowledged late: no longer overdue, but marked late.
    m.acknowledged_at = Some(at("2025-01-20T08:00:00Z"));
    let checks = check(
        at("2025-01-20T09:00:00Z"),
        IncidentState::Acknowledged,
        &d,
        &m,
    );
    let ack = checks
        .iter()
        .find(|c| c.milestone == Milestone::Acknowledge)
        .unwrap();
    assert!(ack.late && !ack.overdue);
    // Days later, neither contained nor resolved.
    let now = at("2025-01-24T00:00:00Z");
    assert_eq!(
        overdue(now, IncidentState::InResponse, &d, &m),
        vec![Milestone::Contain, Milestone::Resolve]
    );
    // Resolved without a separate containment step: both done.
    m.resolved_at = Some(at("2025-01-22T00:00:00Z"));
    assert!(overdue(now, IncidentState::Resolved, &d, &m).is_empty());
    // Closed and rejected incidents are never overdue.
    let bare = Milestones::default();
    assert!(overdue(now, IncidentState::Rejected, &d, &bare).is_empty());
    assert!(overdue(now, IncidentState::Closed, &d, &bare).is_empty());
    assert_eq!(next_due(IncidentState::Closed, &d, &bare), None);
}

#[test]
fn a_report_after_five_days_is_late() {
    let detected = at("2025-01-20T01:00:00Z");
    let d = deadlines(
        &ResponsePolicy::default(),
        Severity::Low,
        detected,
        at("2025-01-27T00:00:00Z"),
    );
    let m = Milestones {
        reported_at: Some(at("2025-01-27T00:00:00Z")),
        ..Default::default()
    };
    let c = check(at("2025-01-27T00:00:00Z"), IncidentState::Reported, &d, &m);
    assert!(c.iter().any(|c| c.milestone == Milestone::Report && c.late));
}
