use domain::Role;
use incident::workflow::{assign, change_severity, change_tlp, transition, Hint};
use incident::*;

fn at(s: &str) -> chrono::DateTime<chrono::Utc> {
    s.parse().unwrap()
}

const COORD: ActorFacts = ActorFacts {
    role: Role::Coordinator,
    is_reporting_org: false,
    is_assignee: false,
};
const ASSIGNED_RESPONDER: ActorFacts = ActorFacts {
    role: Role::Responder,
    is_reporting_org: false,
    is_assignee: true,
};
const OTHER_RESPONDER: ActorFacts = ActorFacts {
    role: Role::Responder,
    is_reporting_org: false,
    is_assignee: false,
};
const REPORTING_OFFICER: ActorFacts = ActorFacts {
    role: Role::Officer,
    is_reporting_org: true,
    is_assignee: false,
};
const AUDITOR_NAMED: ActorFacts = ActorFacts {
    role: Role::Auditor,
    is_reporting_org: false,
    is_assignee: true,
};

fn none() -> TransitionInput {
    TransitionInput::default()
}
fn reason(r: &str) -> TransitionInput {
    TransitionInput {
        reason: Some(r.into()),
        report: None,
    }
}

#[test]
fn the_whole_life() {
    use Action::*;
    use IncidentState::*;
    let mut s = Reported;
    s = apply(s, Acknowledge, &COORD, &none()).unwrap();
    assert_eq!(s, Acknowledged);
    s = apply(s, StartResponse, &ASSIGNED_RESPONDER, &none()).unwrap();
    assert_eq!(s, InResponse);
    s = apply(s, Contain, &REPORTING_OFFICER, &none()).unwrap();
    assert_eq!(s, Contained);
    s = apply(s, Resolve, &ASSIGNED_RESPONDER, &none()).unwrap();
    assert_eq!(s, Resolved);
    // Closing needs the end-of-response report, and only the coordinator.
    assert_eq!(
        apply(s, Close, &COORD, &none()),
        Err(TransitionError::ReportRequired)
    );
    let blank = TransitionInput {
        reason: None,
        report: Some("   ".into()),
    };
    assert_eq!(
        apply(s, Close, &COORD, &blank),
        Err(TransitionError::ReportRequired)
    );
    let report = TransitionInput {
        reason: None,
        report: Some("Báo cáo kết thúc ứng phó sự cố số 12/BC-STTTT".into()),
    };
    assert!(matches!(
        apply(s, Close, &ASSIGNED_RESPONDER, &report),
        Err(TransitionError::Forbidden {
            needs: Who::Coordinator,
            ..
        })
    ));
    s = apply(s, Close, &COORD, &report).unwrap();
    assert_eq!(s, Closed);

    // A closed incident cannot be contained: reopen it first.
    let e = apply(s, Contain, &COORD, &none()).unwrap_err();
    assert_eq!(
        e.to_string(),
        "an incident that is closed cannot be contained; reopen it first"
    );
    assert!(e.message_vi().contains("mở lại"), "{}", e.message_vi());
    // Reopening needs a reason.
    assert_eq!(
        apply(s, Reopen, &COORD, &reason("  ")),
        Err(TransitionError::ReasonRequired { action: Reopen })
    );
    s = apply(s, Reopen, &COORD, &reason("Phát hiện lại kết nối tới C2")).unwrap();
    assert_eq!(s, InResponse);
    s = apply(s, Resolve, &COORD, &none()).unwrap();
    assert_eq!(s, Resolved);
}

#[test]
fn rejection_and_reopening_a_rejected_report() {
    use Action::*;
    use IncidentState::*;
    assert_eq!(
        apply(Reported, Reject, &COORD, &none()),
        Err(TransitionError::ReasonRequired { action: Reject })
    );
    let s = apply(
        Reported,
        Reject,
        &COORD,
        &reason("Cảnh báo nhầm của phần mềm diệt virus"),
    )
    .unwrap();
    assert_eq!(s, Rejected);
    let s2 = apply(Acknowledged, Reject, &COORD, &reason("Không phải sự cố")).unwrap();
    assert_eq!(s2, Rejected);
    let e = apply(InResponse, Reject, &COORD, &reason("x")).unwrap_err();
    assert_eq!(
        e.to_string(),
        "an incident that is in response cannot be rejected; only an incident that is reported or acknowledged can be"
    );
    assert_eq!(
        apply(s, Reopen, &COORD, &reason("Xác minh lại: là sự cố thật")).unwrap(),
        Acknowledged
    );
}

#[test]
fn who_may_act() {
    use Action::*;
    use IncidentState::*;
    // Acknowledging is the coordinator's.
    for a in [ASSIGNED_RESPONDER, REPORTING_OFFICER, AUDITOR_NAMED] {
        assert!(matches!(
            apply(Reported, Acknowledge, &a, &none()),
            Err(TransitionError::Forbidden { .. })
        ));
    }
    // Responders: assignees, the reporting organisation's officers; not a
    // responder who is not assigned, never an auditor.
    assert!(apply(Acknowledged, StartResponse, &OTHER_RESPONDER, &none()).is_err());
    assert!(apply(Acknowledged, StartResponse, &AUDITOR_NAMED, &none()).is_err());
    let other_org_officer = ActorFacts {
        role: Role::Officer,
        is_reporting_org: false,
        is_assignee: false,
    };
    let e = apply(InResponse, Contain, &other_org_officer, &none()).unwrap_err();
    assert_eq!(e.to_string(), "only a responder may contain an incident");
    let soc_assigned = ActorFacts {
        role: Role::SocAnalyst,
        is_reporting_org: false,
        is_assignee: true,
    };
    assert_eq!(
        apply(InResponse, Contain, &soc_assigned, &none()),
        Ok(Contained)
    );
    // Reopening is the coordinator's.
    assert!(apply(Closed, Reopen, &ASSIGNED_RESPONDER, &reason("x")).is_err());
}

#[test]
fn every_refusal_names_a_way_forward_or_the_states_it_needs() {
    for s in IncidentState::ALL {
        for a in Action::ALL {
            if transition(*s, *a).is_some() {
                continue;
            }
            let e = apply(*s, *a, &COORD, &reason("r")).unwrap_err();
            match &e {
                TransitionError::NotAllowed { hint, .. } => match hint {
                    Hint::First(first) => assert!(transition(*s, *first).is_some()),
                    Hint::OnlyFrom(states) => assert!(!states.is_empty()),
                },
                other => panic!("{s} {a}: {other}"),
            }
            assert!(e.to_string().starts_with("an incident that is"), "{e}");
        }
    }
    assert_eq!(
        apply(IncidentState::Reported, Action::Contain, &COORD, &none())
            .unwrap_err()
            .to_string(),
        "an incident that is reported cannot be contained; acknowledge it first"
    );
    assert_eq!(
        apply(IncidentState::Contained, Action::Close, &COORD, &none())
            .unwrap_err()
            .to_string(),
        "an incident that is contained cannot be closed; resolve it first"
    );
    assert_eq!(
        apply(IncidentState::Reported, Action::Reopen, &COORD, &none())
            .unwrap_err()
            .to_string(),
        "an incident that is reported cannot be reopened; only an incident that is resolved or closed or rejected can be"
    );
}

#[test]
fn changes_are_recorded_with_who_and_when() {
    let (s, entry) = apply_recorded(
        IncidentState::Reported,
        Action::Reject,
        &COORD,
        &reason("Trùng sự cố SC-2025-0007"),
        "user:sotttt",
        at("2025-01-20T03:00:00Z"),
    )
    .unwrap();
    assert_eq!(s, IncidentState::Rejected);
    assert_eq!(entry.actor, "user:sotttt");
    assert_eq!(entry.reason.as_deref(), Some("Trùng sự cố SC-2025-0007"));
    assert_eq!(
        entry.change,
        Change::State {
            from: IncidentState::Reported,
            to: IncidentState::Rejected,
            action: Action::Reject
        }
    );
    let json = serde_json::to_value(&entry).unwrap();
    assert_eq!(json["change"]["field"], "state");
    assert_eq!(json["change"]["to"], "rejected");
    let back: HistoryEntry = serde_json::from_value(json).unwrap();
    assert_eq!(back, entry);
    assert!(entry.to_string().contains("reject (reported → rejected)"));
}

#[test]
fn severity_owner_and_tlp_edits() {
    use IncidentState::*;
    assert_eq!(
        change_severity(
            InResponse,
            Severity::Medium,
            Severity::High,
            &ASSIGNED_RESPONDER
        )
        .unwrap(),
        Some(Change::Severity {
            from: Severity::Medium,
            to: Severity::High
        })
    );
    assert_eq!(
        change_severity(InResponse, Severity::High, Severity::High, &COORD).unwrap(),
        None
    );
    assert!(
        change_severity(Closed, Severity::Low, Severity::High, &COORD)
            .unwrap_err()
            .to_string()
            .contains("reopen it first")
    );
    assert!(change_severity(InResponse, Severity::Low, Severity::High, &AUDITOR_NAMED).is_err());

    assert!(assign(
        Acknowledged,
        None,
        Some("Đội ứng cứu tỉnh"),
        &ASSIGNED_RESPONDER
    )
    .is_err());
    assert_eq!(
        assign(Acknowledged, None, Some("nguyenvana"), &COORD).unwrap(),
        Some(Change::Owner {
            from: None,
            to: Some("nguyenvana".into())
        })
    );
    assert_eq!(
        assign(Acknowledged, Some("a"), Some(" a "), &COORD).unwrap(),
        None
    );

    // Stricter: any responder; looser: the source or the coordinator.
    assert!(change_tlp(Tlp::Green, Tlp::Red, &ASSIGNED_RESPONDER).is_ok());
    let e = change_tlp(Tlp::Red, Tlp::Green, &ASSIGNED_RESPONDER).unwrap_err();
    assert!(e.to_string().contains("loosen"), "{e}");
    assert!(change_tlp(Tlp::Red, Tlp::Green, &REPORTING_OFFICER).is_ok());
    assert!(change_tlp(Tlp::Amber, Tlp::Clear, &COORD).is_ok());
    assert!(change_tlp(Tlp::Amber, Tlp::Red, &AUDITOR_NAMED).is_err());
}

#[test]
fn states_and_actions_parse_from_codes_and_labels() {
    for s in IncidentState::ALL {
        assert_eq!(s.as_str().parse::<IncidentState>().unwrap(), *s);
        assert_eq!(s.label_vi().parse::<IncidentState>().unwrap(), *s);
    }
    assert_eq!(
        "Đang ứng cứu".parse::<IncidentState>().unwrap(),
        IncidentState::InResponse
    );
    assert_eq!(
        serde_json::to_string(&Action::StartResponse).unwrap(),
        "\"start_response\""
    );
    assert!("flying".parse::<Action>().is_err());
}
