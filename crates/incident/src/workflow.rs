//! The life of an incident as an explicit transition table.
//!
//! ```text
//! reported      ─acknowledge─►    acknowledged   (coordinator)
//! reported      ─reject─►         rejected       (coordinator, reason)
//! acknowledged  ─reject─►         rejected       (coordinator, reason)
//! acknowledged  ─start_response─► in_response    (responder)
//! in_response   ─contain─►        contained      (responder)
//! in_response   ─resolve─►        resolved       (responder)
//! contained     ─resolve─►        resolved       (responder)
//! resolved      ─close─►          closed         (coordinator, end-of-response report)
//! resolved      ─reopen─►         in_response    (coordinator, reason)
//! closed        ─reopen─►         in_response    (coordinator, reason)
//! rejected      ─reopen─►         acknowledged   (coordinator, reason)
//! ```
//!
//! Who may do what (see [`Who`]):
//! - **the coordinator** (provincial security staff, `domain::Role::Coordinator`)
//!   acknowledges a report, rejects one that is not an incident (with the
//!   reason), closes a resolved incident (with the end-of-response report) and
//!   reopens a resolved, closed or rejected one (with the reason);
//! - **responders** move the response on (start, contain, resolve): the
//!   coordinator, anyone the incident is assigned to (the provincial response
//!   team's members, whatever their organisation), and the admins and officers
//!   of the reporting organisation, because under Circular 20/2017 the system's
//!   operator responds to its own incidents first and the team supports it.
//!   Auditors never act, even when named.
//!
//! A resolved incident can be reopened before it is closed (the problem came
//! back while the report was being written). Reopening a resolved or closed
//! incident resumes the response (`in_response`); reopening a rejected report
//! makes it `acknowledged`, since the coordinator reopening it has looked at it.
//!
//! Besides state, the owner (assignee), the severity and the TLP of an incident
//! change over its life; [`change_severity`], [`change_tlp`] and [`assign`] say
//! who may change them, and every change (state included) is recorded as a
//! [`HistoryEntry`] with who and when.

use crate::classify::Severity;
use crate::observable::Tlp;
use chrono::{DateTime, Utc};
use domain::text_enum;
use domain::Role;
use serde::{Deserialize, Serialize};
use std::fmt;

text_enum! {
    /// Where an incident is in its life.
    IncidentState {
        Reported => "reported", "Đã báo cáo", "Reported";
        Acknowledged => "acknowledged", "Đã tiếp nhận", "Acknowledged";
        InResponse => "in_response", "Đang ứng cứu", "In response";
        Contained => "contained", "Đã ngăn chặn", "Contained";
        Resolved => "resolved", "Đã khắc phục", "Resolved";
        Closed => "closed", "Đã kết thúc", "Closed";
        Rejected => "rejected", "Không phải sự cố", "Rejected (not an incident)";
    }
}

impl IncidentState {
    /// Closed and rejected incidents need nothing more unless reopened.
    pub fn is_final(self) -> bool {
        matches!(self, IncidentState::Closed | IncidentState::Rejected)
    }

    /// Still being worked on: its response deadlines run.
    pub fn is_live(self) -> bool {
        !self.is_final()
    }

    /// How the state reads in a sentence: "an incident that is *closed*".
    fn phrase_en(self) -> &'static str {
        match self {
            IncidentState::Reported => "reported",
            IncidentState::Acknowledged => "acknowledged",
            IncidentState::InResponse => "in response",
            IncidentState::Contained => "contained",
            IncidentState::Resolved => "resolved",
            IncidentState::Closed => "closed",
            IncidentState::Rejected => "rejected",
        }
    }
}

text_enum! {
    /// What someone does to an incident.
    Action {
        Acknowledge => "acknowledge", "Tiếp nhận", "Acknowledge";
        StartResponse => "start_response", "Bắt đầu ứng cứu", "Start response";
        Contain => "contain", "Ngăn chặn", "Contain";
        Resolve => "resolve", "Khắc phục xong", "Resolve";
        Close => "close", "Kết thúc", "Close";
        Reject => "reject", "Từ chối (không phải sự cố)", "Reject";
        Reopen => "reopen", "Mở lại", "Reopen";
    }
}

impl Action {
    /// "an incident … cannot be *contained*".
    fn participle_en(self) -> &'static str {
        match self {
            Action::Acknowledge => "acknowledged",
            Action::StartResponse => "moved into response",
            Action::Contain => "contained",
            Action::Resolve => "resolved",
            Action::Close => "closed",
            Action::Reject => "rejected",
            Action::Reopen => "reopened",
        }
    }
    /// "… hãy *mở lại* trước".
    fn verb_vi(self) -> &'static str {
        match self {
            Action::Acknowledge => "tiếp nhận",
            Action::StartResponse => "chuyển sang ứng cứu",
            Action::Contain => "ngăn chặn",
            Action::Resolve => "khắc phục",
            Action::Close => "kết thúc",
            Action::Reject => "từ chối",
            Action::Reopen => "mở lại",
        }
    }
    /// "… *acknowledge* it first".
    fn verb_en(self) -> &'static str {
        match self {
            Action::Acknowledge => "acknowledge",
            Action::StartResponse => "start the response",
            Action::Contain => "contain",
            Action::Resolve => "resolve",
            Action::Close => "close",
            Action::Reject => "reject",
            Action::Reopen => "reopen",
        }
    }
}

text_enum! {
    /// Who may take a transition.
    Who {
        /// The provincial coordinator only.
        Coordinator => "coordinator", "Cơ quan điều phối", "the coordinator";
        /// The coordinator, an assignee, or an admin or officer of the
        /// reporting organisation; never an auditor.
        Responder => "responder", "Người ứng cứu được phân công", "a responder";
    }
}

/// What must accompany a transition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Requirement {
    pub who: Who,
    /// A non-blank reason (rejecting, reopening).
    pub reason: bool,
    /// The end-of-response report (closing).
    pub report: bool,
}

const COORDINATOR: Requirement = Requirement {
    who: Who::Coordinator,
    reason: false,
    report: false,
};
const COORDINATOR_WITH_REASON: Requirement = Requirement {
    who: Who::Coordinator,
    reason: true,
    report: false,
};
const COORDINATOR_WITH_REPORT: Requirement = Requirement {
    who: Who::Coordinator,
    reason: false,
    report: true,
};
const RESPONDER: Requirement = Requirement {
    who: Who::Responder,
    reason: false,
    report: false,
};

use Action as A;
use IncidentState as S;

/// Every allowed transition: (from, action, to, what it needs). Anything not
/// listed is refused.
pub const TRANSITIONS: &[(IncidentState, Action, IncidentState, Requirement)] = &[
    (S::Reported, A::Acknowledge, S::Acknowledged, COORDINATOR),
    (S::Reported, A::Reject, S::Rejected, COORDINATOR_WITH_REASON),
    (
        S::Acknowledged,
        A::Reject,
        S::Rejected,
        COORDINATOR_WITH_REASON,
    ),
    (S::Acknowledged, A::StartResponse, S::InResponse, RESPONDER),
    (S::InResponse, A::Contain, S::Contained, RESPONDER),
    // Some incidents end without a separate containment step (a defaced page
    // restored from backup).
    (S::InResponse, A::Resolve, S::Resolved, RESPONDER),
    (S::Contained, A::Resolve, S::Resolved, RESPONDER),
    (S::Resolved, A::Close, S::Closed, COORDINATOR_WITH_REPORT),
    (
        S::Resolved,
        A::Reopen,
        S::InResponse,
        COORDINATOR_WITH_REASON,
    ),
    (S::Closed, A::Reopen, S::InResponse, COORDINATOR_WITH_REASON),
    (
        S::Rejected,
        A::Reopen,
        S::Acknowledged,
        COORDINATOR_WITH_REASON,
    ),
];

/// The transition `action` takes from `state`, if any.
pub fn transition(state: IncidentState, action: Action) -> Option<(IncidentState, Requirement)> {
    TRANSITIONS
        .iter()
        .find(|(from, a, _, _)| *from == state && *a == action)
        .map(|(_, _, to, req)| (*to, *req))
}

/// The actions that can be taken from `state` (by someone).
pub fn actions_from(state: IncidentState) -> Vec<Action> {
    TRANSITIONS
        .iter()
        .filter(|(from, ..)| *from == state)
        .map(|(_, a, ..)| *a)
        .collect()
}

/// What the caller knows about the person acting, mapped from its `Scope` and
/// the incident's assignment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ActorFacts {
    pub role: Role,
    /// The actor belongs to the organisation that reported the incident.
    pub is_reporting_org: bool,
    /// The incident is assigned to the actor (or to a team the actor is in).
    pub is_assignee: bool,
}

impl ActorFacts {
    pub fn is_coordinator(&self) -> bool {
        self.role == Role::Coordinator
    }

    /// May move the response on: see the module documentation.
    pub fn is_responder(&self) -> bool {
        match self.role {
            Role::Coordinator => true,
            Role::Auditor | Role::Sensor => false,
            Role::OrgAdmin | Role::Officer => self.is_assignee || self.is_reporting_org,
            Role::IspOperator | Role::SocAnalyst | Role::Responder => self.is_assignee,
        }
    }

    pub fn is(&self, who: Who) -> bool {
        match who {
            Who::Coordinator => self.is_coordinator(),
            Who::Responder => self.is_responder(),
        }
    }
}

/// What accompanies a transition.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransitionInput {
    /// Why (rejecting, reopening; optional elsewhere). Blank counts as absent.
    #[serde(default)]
    pub reason: Option<String>,
    /// The end-of-response report ("báo cáo kết thúc ứng phó sự cố") needed to
    /// close: its text or a reference to the stored document. Blank counts as
    /// absent.
    #[serde(default)]
    pub report: Option<String>,
}

impl TransitionInput {
    pub fn reason(&self) -> Option<&str> {
        non_blank(self.reason.as_deref())
    }
    pub fn report(&self) -> Option<&str> {
        non_blank(self.report.as_deref())
    }
}

fn non_blank(s: Option<&str>) -> Option<&str> {
    s.map(str::trim).filter(|t| !t.is_empty())
}

/// What would have made a refused transition possible.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Hint {
    /// Take this action first (the first step of the shortest way there).
    First(Action),
    /// The action is only possible from these states.
    OnlyFrom(Vec<IncidentState>),
}

/// Why a transition or an edit was refused. `Display` is English;
/// [`TransitionError::message_vi`] is the Vietnamese for the console.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    #[error("{}", not_allowed_en(*.from, *.action, .hint))]
    NotAllowed {
        from: IncidentState,
        action: Action,
        hint: Hint,
    },
    #[error("only {} may {} an incident", .needs.label_en(), .action.verb_en())]
    Forbidden { action: Action, needs: Who },
    #[error("a reason is needed to {} an incident", .action.verb_en())]
    ReasonRequired { action: Action },
    #[error("closing an incident needs the end-of-response report")]
    ReportRequired,
    /// An edit (severity, owner, TLP) refused; the text says why.
    #[error("{en}")]
    EditRefused { en: String, vi: String },
}

fn not_allowed_en(from: IncidentState, action: Action, hint: &Hint) -> String {
    let head = format!(
        "an incident that is {} cannot be {}",
        from.phrase_en(),
        action.participle_en()
    );
    match hint {
        Hint::First(a) => format!("{head}; {} it first", a.verb_en()),
        Hint::OnlyFrom(states) if states.is_empty() => head,
        Hint::OnlyFrom(states) => {
            let names: Vec<&str> = states.iter().map(|s| s.phrase_en()).collect();
            format!(
                "{head}; only an incident that is {} can be",
                names.join(" or ")
            )
        }
    }
}

impl TransitionError {
    /// The refusal in Vietnamese, for the console.
    pub fn message_vi(&self) -> String {
        match self {
            TransitionError::NotAllowed { from, action, hint } => {
                let head = format!(
                    "Sự cố đang ở trạng thái «{}» không thể {}",
                    from.label_vi(),
                    action.verb_vi()
                );
                match hint {
                    Hint::First(a) => format!("{head}; cần {} trước", a.verb_vi()),
                    Hint::OnlyFrom(states) if states.is_empty() => head,
                    Hint::OnlyFrom(states) => {
                        let names: Vec<String> = states
                            .iter()
                            .map(|s| format!("«{}»", s.label_vi()))
                            .collect();
                        format!(
                            "{head}; chỉ sự cố ở trạng thái {} mới có thể {}",
                            names.join(" hoặc "),
                            action.verb_vi()
                        )
                    }
                }
            }
            TransitionError::Forbidden { action, needs } => format!(
                "Chỉ {} mới có thể {} sự cố",
                match needs {
                    Who::Coordinator => "cơ quan điều phối",
                    Who::Responder => "người được phân công ứng cứu hoặc đơn vị báo cáo",
                },
                action.verb_vi()
            ),
            TransitionError::ReasonRequired { action } => {
                format!("Cần nêu lý do để {} sự cố", action.verb_vi())
            }
            TransitionError::ReportRequired => {
                "Cần có báo cáo kết thúc ứng phó sự cố để kết thúc sự cố".into()
            }
            TransitionError::EditRefused { vi, .. } => vi.clone(),
        }
    }
}

/// Takes `action` on an incident in `state`, or says why not. Checks, in this
/// order: the table has the transition, the actor may take it, the reason and
/// the report it needs are there.
pub fn apply(
    state: IncidentState,
    action: Action,
    actor: &ActorFacts,
    input: &TransitionInput,
) -> Result<IncidentState, TransitionError> {
    let Some((to, req)) = transition(state, action) else {
        return Err(TransitionError::NotAllowed {
            from: state,
            action,
            hint: hint_for(state, action),
        });
    };
    if !actor.is(req.who) {
        return Err(TransitionError::Forbidden {
            action,
            needs: req.who,
        });
    }
    if req.reason && input.reason().is_none() {
        return Err(TransitionError::ReasonRequired { action });
    }
    if req.report && input.report().is_none() {
        return Err(TransitionError::ReportRequired);
    }
    Ok(to)
}

/// [`apply`], and the history entry that records it.
pub fn apply_recorded(
    state: IncidentState,
    action: Action,
    actor: &ActorFacts,
    input: &TransitionInput,
    actor_name: &str,
    at: DateTime<Utc>,
) -> Result<(IncidentState, HistoryEntry), TransitionError> {
    let to = apply(state, action, actor, input)?;
    Ok((
        to,
        HistoryEntry {
            at,
            actor: actor_name.to_string(),
            change: Change::State {
                from: state,
                to,
                action,
            },
            reason: input.reason().map(str::to_string),
        },
    ))
}

/// The first step of the shortest way from `state` to one where `action` is
/// possible (never through rejecting or closing, which would be absurd advice),
/// else the states it is possible from.
fn hint_for(state: IncidentState, action: Action) -> Hint {
    let sources: Vec<IncidentState> = TRANSITIONS
        .iter()
        .filter(|(_, a, ..)| *a == action)
        .map(|(from, ..)| *from)
        .collect();
    if action == Action::Reopen {
        // Nothing to reopen: never advise moving on just to reopen.
        return Hint::OnlyFrom(sources);
    }
    // Breadth-first search over at most 7 states.
    let mut seen = vec![state];
    let mut queue: Vec<(IncidentState, Action)> = Vec::new();
    for (from, a, to, _) in TRANSITIONS {
        if *from == state && !matches!(a, Action::Reject | Action::Close) && !seen.contains(to) {
            seen.push(*to);
            queue.push((*to, *a));
        }
    }
    let mut i = 0;
    while i < queue.len() {
        let (at, first) = queue[i];
        i += 1;
        if sources.contains(&at) {
            return Hint::First(first);
        }
        for (from, a, to, _) in TRANSITIONS {
            if *from == at && !matches!(a, Action::Reject | Action::Close) && !seen.contains(to) {
                seen.push(*to);
                queue.push((*to, first));
            }
        }
    }
    Hint::OnlyFrom(sources)
}

/// One recorded change of an incident.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "field", rename_all = "snake_case")]
pub enum Change {
    State {
        from: IncidentState,
        to: IncidentState,
        action: Action,
    },
    /// The owner: who the incident is assigned to (a user or team name).
    Owner {
        from: Option<String>,
        to: Option<String>,
    },
    Severity {
        from: Severity,
        to: Severity,
    },
    Tlp {
        from: Tlp,
        to: Tlp,
    },
}

/// Who changed what, and when. The caller stores these beside its audit log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryEntry {
    pub at: DateTime<Utc>,
    /// The actor as the audit log names it (e.g. `user:nguyenvana`).
    pub actor: String,
    pub change: Change,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl fmt::Display for HistoryEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let at = self.at.format("%Y-%m-%d %H:%M:%S UTC");
        match &self.change {
            Change::State { from, to, action } => {
                write!(f, "{at} {}: {action} ({from} → {to})", self.actor)?
            }
            Change::Owner { from, to } => write!(
                f,
                "{at} {}: owner {} → {}",
                self.actor,
                from.as_deref().unwrap_or("-"),
                to.as_deref().unwrap_or("-")
            )?,
            Change::Severity { from, to } => {
                write!(f, "{at} {}: severity {from} → {to}", self.actor)?
            }
            Change::Tlp { from, to } => write!(f, "{at} {}: TLP {from} → {to}", self.actor)?,
        }
        if let Some(r) = &self.reason {
            write!(f, " — {r}")?;
        }
        Ok(())
    }
}

fn refused(en: impl Into<String>, vi: impl Into<String>) -> TransitionError {
    TransitionError::EditRefused {
        en: en.into(),
        vi: vi.into(),
    }
}

fn final_refusal(state: IncidentState, what_en: &str, what_vi: &str) -> TransitionError {
    refused(
        format!(
            "the {what_en} of an incident that is {} cannot change; reopen it first",
            state.phrase_en()
        ),
        format!(
            "Không thể thay đổi {what_vi} của sự cố ở trạng thái «{}»; cần mở lại trước",
            state.label_vi()
        ),
    )
}

/// Changes the severity: the coordinator or a responder, while the incident is
/// not closed or rejected. `Ok(None)` when nothing changes.
pub fn change_severity(
    state: IncidentState,
    from: Severity,
    to: Severity,
    actor: &ActorFacts,
) -> Result<Option<Change>, TransitionError> {
    if !actor.is_responder() {
        return Err(refused(
            "only the coordinator or a responder may change the severity",
            "Chỉ cơ quan điều phối hoặc người ứng cứu mới có thể thay đổi mức độ nghiêm trọng",
        ));
    }
    if state.is_final() {
        return Err(final_refusal(state, "severity", "mức độ nghiêm trọng"));
    }
    Ok((from != to).then_some(Change::Severity { from, to }))
}

/// Changes the TLP. Making it stricter is open to the coordinator and any
/// responder; loosening it is the source's call (FIRST TLP 2.0: the source of
/// the information sets its label), so only the coordinator or the reporting
/// organisation's admins and officers may. Allowed in every state, so that a
/// closed incident can be released for wider sharing. `Ok(None)` when nothing
/// changes.
pub fn change_tlp(
    from: Tlp,
    to: Tlp,
    actor: &ActorFacts,
) -> Result<Option<Change>, TransitionError> {
    if from == to {
        return Ok(None);
    }
    let source = actor.is_coordinator()
        || (actor.is_reporting_org && matches!(actor.role, Role::OrgAdmin | Role::Officer));
    if to > from {
        if !actor.is_responder() && !source {
            return Err(refused(
                "only the coordinator, a responder or the reporting organisation may change the TLP",
                "Chỉ cơ quan điều phối, người ứng cứu hoặc đơn vị báo cáo mới có thể thay đổi TLP",
            ));
        }
    } else if !source {
        return Err(refused(
            "only the coordinator or the reporting organisation may loosen the TLP",
            "Chỉ cơ quan điều phối hoặc đơn vị báo cáo mới có thể nới lỏng mức TLP",
        ));
    }
    Ok(Some(Change::Tlp { from, to }))
}

/// Assigns the incident (the owner): the coordinator only, while it is not
/// closed or rejected. `Ok(None)` when nothing changes.
pub fn assign(
    state: IncidentState,
    from: Option<&str>,
    to: Option<&str>,
    actor: &ActorFacts,
) -> Result<Option<Change>, TransitionError> {
    if !actor.is_coordinator() {
        return Err(refused(
            "only the coordinator may assign an incident",
            "Chỉ cơ quan điều phối mới có thể phân công xử lý sự cố",
        ));
    }
    if state.is_final() {
        return Err(final_refusal(state, "owner", "người xử lý"));
    }
    let from = non_blank(from);
    let to = non_blank(to);
    Ok((from != to).then(|| Change::Owner {
        from: from.map(str::to_string),
        to: to.map(str::to_string),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_has_no_duplicates_and_reaches_every_state() {
        for (i, (f, a, ..)) in TRANSITIONS.iter().enumerate() {
            for (g, b, ..) in &TRANSITIONS[i + 1..] {
                assert!(!(f == g && a == b), "{f} {a} twice");
            }
        }
        for s in IncidentState::ALL {
            assert!(
                *s == IncidentState::Reported || TRANSITIONS.iter().any(|(.., to, _)| to == s),
                "{s} unreachable"
            );
        }
    }

    #[test]
    fn hints() {
        assert_eq!(
            hint_for(IncidentState::Closed, Action::Contain),
            Hint::First(Action::Reopen)
        );
        assert_eq!(
            hint_for(IncidentState::Reported, Action::Contain),
            Hint::First(Action::Acknowledge)
        );
        assert_eq!(
            hint_for(IncidentState::InResponse, Action::Close),
            Hint::First(Action::Resolve)
        );
        assert_eq!(
            hint_for(IncidentState::InResponse, Action::Reject),
            Hint::OnlyFrom(vec![IncidentState::Reported, IncidentState::Acknowledged])
        );
    }
}
