//! A vulnerability finding on an asset and the moves its status may make.

use crate::text_enum::text_enum;
use crate::Role;

text_enum! {
    /// Where a finding stands.
    FindingStatus {
        Open => "open", "Chưa xử lý", "Open";
        InProgress => "in_progress", "Đang xử lý", "In progress";
        Patched => "patched", "Đã vá", "Patched";
        Mitigated => "mitigated", "Đã có biện pháp giảm thiểu", "Mitigated";
        RiskAccepted => "risk_accepted", "Chấp nhận rủi ro", "Risk accepted";
        FalsePositive => "false_positive", "Cảnh báo nhầm", "False positive";
        ResolvedByUpdate => "resolved_by_update", "Hết ảnh hưởng sau cập nhật", "Resolved by update";
    }
}

text_enum! {
    /// What someone (or the matcher) does to a finding.
    FindingAction {
        Start => "start", "Bắt đầu xử lý", "Start work";
        Patch => "patch", "Báo đã vá", "Report patched";
        Mitigate => "mitigate", "Báo biện pháp giảm thiểu", "Report a mitigation";
        AcceptRisk => "accept_risk", "Chấp nhận rủi ro", "Accept the risk";
        Dispute => "dispute", "Báo cảnh báo nhầm", "Report a false positive";
        Reopen => "reopen", "Mở lại", "Reopen";
        ResolveByUpdate => "resolve_by_update", "Hết ảnh hưởng sau cập nhật", "Resolved by update";
    }
}

/// What a move needs besides the finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Needs {
    Nothing,
    /// A note saying what was done or why.
    Note,
    /// A reason and an expiry date, given by an organisation's administrator.
    ReasonAndExpiry,
}

/// Who may make a move.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Who {
    /// The asset's organisation's staff (officer, administrator) or the coordinator.
    Staff,
    /// The asset's organisation's administrator or the coordinator.
    Admin,
    /// Only the matcher, when the inventory changes.
    Matcher,
}

use FindingAction as A;
use FindingStatus as S;

/// Every allowed move, and what it needs. Anything not here is refused.
pub const FINDING_TRANSITIONS: &[(FindingStatus, FindingAction, FindingStatus, Who, Needs)] = &[
    (S::Open, A::Start, S::InProgress, Who::Staff, Needs::Nothing),
    (S::Open, A::Patch, S::Patched, Who::Staff, Needs::Note),
    (S::InProgress, A::Patch, S::Patched, Who::Staff, Needs::Note),
    (S::Open, A::Mitigate, S::Mitigated, Who::Staff, Needs::Note),
    (
        S::InProgress,
        A::Mitigate,
        S::Mitigated,
        Who::Staff,
        Needs::Note,
    ),
    (
        S::Open,
        A::AcceptRisk,
        S::RiskAccepted,
        Who::Admin,
        Needs::ReasonAndExpiry,
    ),
    (
        S::InProgress,
        A::AcceptRisk,
        S::RiskAccepted,
        Who::Admin,
        Needs::ReasonAndExpiry,
    ),
    (
        S::Open,
        A::Dispute,
        S::FalsePositive,
        Who::Staff,
        Needs::Note,
    ),
    (
        S::InProgress,
        A::Dispute,
        S::FalsePositive,
        Who::Staff,
        Needs::Note,
    ),
    (S::Patched, A::Reopen, S::Open, Who::Staff, Needs::Note),
    (S::Mitigated, A::Reopen, S::Open, Who::Staff, Needs::Note),
    (S::RiskAccepted, A::Reopen, S::Open, Who::Staff, Needs::Note),
    (
        S::FalsePositive,
        A::Reopen,
        S::Open,
        Who::Staff,
        Needs::Note,
    ),
    (
        S::ResolvedByUpdate,
        A::Reopen,
        S::Open,
        Who::Matcher,
        Needs::Nothing,
    ),
    (
        S::Open,
        A::ResolveByUpdate,
        S::ResolvedByUpdate,
        Who::Matcher,
        Needs::Nothing,
    ),
    (
        S::InProgress,
        A::ResolveByUpdate,
        S::ResolvedByUpdate,
        Who::Matcher,
        Needs::Nothing,
    ),
    (
        S::RiskAccepted,
        A::ResolveByUpdate,
        S::ResolvedByUpdate,
        Who::Matcher,
        Needs::Nothing,
    ),
    (
        S::FalsePositive,
        A::ResolveByUpdate,
        S::ResolvedByUpdate,
        Who::Matcher,
        Needs::Nothing,
    ),
    (
        S::Mitigated,
        A::ResolveByUpdate,
        S::ResolvedByUpdate,
        Who::Matcher,
        Needs::Nothing,
    ),
    (
        S::Patched,
        A::ResolveByUpdate,
        S::ResolvedByUpdate,
        Who::Matcher,
        Needs::Nothing,
    ),
];

/// Why a move was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoveError {
    #[error("a finding that is {from} cannot be moved by '{action}'")]
    NotAllowed {
        from: &'static str,
        action: &'static str,
    },
    #[error("only {0}")]
    NotYours(&'static str),
    #[error("{0}")]
    Missing(&'static str),
}

impl FindingStatus {
    /// Still asks for work: counts in "open findings" and can be overdue.
    pub fn is_active(self) -> bool {
        matches!(self, S::Open | S::InProgress)
    }

    /// The status after `action` by a person of `role` (`same_org`: of the
    /// asset's organisation), or why not. The matcher's moves are refused
    /// here: [`FindingStatus::after_match`] makes them.
    pub fn after(
        self,
        action: FindingAction,
        role: Role,
        same_org: bool,
        note: Option<&str>,
        has_expiry: bool,
    ) -> Result<FindingStatus, MoveError> {
        let (_, _, to, who, needs) = FINDING_TRANSITIONS
            .iter()
            .find(|(from, a, ..)| *from == self && *a == action)
            .ok_or(MoveError::NotAllowed {
                from: self.as_str(),
                action: action.as_str(),
            })?;
        let staff = role == Role::Coordinator
            || (same_org && matches!(role, Role::Officer | Role::OrgAdmin));
        let admin = role == Role::Coordinator || (same_org && role == Role::OrgAdmin);
        match who {
            Who::Matcher => return Err(MoveError::NotYours("the matcher makes this move")),
            Who::Staff if !staff => {
                return Err(MoveError::NotYours(
                    "the asset's organisation or the coordinator may do this",
                ))
            }
            Who::Admin if !admin => return Err(MoveError::NotYours(
                "an administrator of the asset's organisation (or the coordinator) accepts a risk",
            )),
            _ => {}
        }
        let has_note = note.is_some_and(|n| !n.trim().is_empty());
        match needs {
            Needs::Note if !has_note => Err(MoveError::Missing("say what was done or why (note)")),
            Needs::ReasonAndExpiry if !has_note || !has_expiry => Err(MoveError::Missing(
                "accepting a risk needs a reason (note) and an expiry date (until)",
            )),
            _ => Ok(*to),
        }
    }

    /// The matcher's move for a finding it found again (`still_in_range`) or
    /// no longer finds; `evidence_changed` says whether the inventory fact or
    /// rule differs from the one recorded.
    pub fn after_match(
        self,
        still_in_range: bool,
        evidence_changed: bool,
    ) -> Option<FindingAction> {
        match (self, still_in_range) {
            (S::ResolvedByUpdate, true) => Some(A::Reopen),
            // A disputed finding stays suppressed while its evidence is the same.
            (S::FalsePositive, true) if evidence_changed => Some(A::Reopen),
            (s, false) if s != S::ResolvedByUpdate => Some(A::ResolveByUpdate),
            _ => None,
        }
    }

    /// Whether the matcher may move from `self` by `action` (a false
    /// positive reopened by changed evidence goes through the same table).
    pub fn matcher_move(self, action: FindingAction) -> Option<FindingStatus> {
        FINDING_TRANSITIONS
            .iter()
            .find(|(from, a, ..)| *from == self && *a == action)
            .map(|(.., to, _, _)| *to)
            .or(match (self, action) {
                (S::FalsePositive, A::Reopen) => Some(S::Open),
                _ => None,
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_enforced() {
        let ok = S::Open.after(A::Patch, Role::Officer, true, Some("KB5034441"), false);
        assert_eq!(ok, Ok(S::Patched));
        assert!(matches!(
            S::Open.after(A::Patch, Role::Officer, true, None, false),
            Err(MoveError::Missing(_))
        ));
        assert!(matches!(
            S::Open.after(A::Patch, Role::Officer, false, Some("x"), false),
            Err(MoveError::NotYours(_))
        ));
        assert!(matches!(
            S::Open.after(A::AcceptRisk, Role::Officer, true, Some("x"), true),
            Err(MoveError::NotYours(_))
        ));
        assert_eq!(
            S::Open.after(A::AcceptRisk, Role::OrgAdmin, true, Some("x"), true),
            Ok(S::RiskAccepted)
        );
        assert!(matches!(
            S::Patched.after(A::Mitigate, Role::Coordinator, false, Some("x"), false),
            Err(MoveError::NotAllowed { .. })
        ));
        assert!(matches!(
            S::Open.after(A::ResolveByUpdate, Role::Coordinator, false, None, false),
            Err(MoveError::NotYours(_))
        ));
    }

    #[test]
    fn the_matcher_reopens_and_resolves() {
        assert_eq!(S::FalsePositive.after_match(true, false), None);
        assert_eq!(S::FalsePositive.after_match(true, true), Some(A::Reopen));
        assert_eq!(S::Open.after_match(false, false), Some(A::ResolveByUpdate));
        assert_eq!(
            S::ResolvedByUpdate.after_match(true, false),
            Some(A::Reopen)
        );
        assert_eq!(S::Open.after_match(true, true), None);
        assert_eq!(S::FalsePositive.matcher_move(A::Reopen), Some(S::Open));
    }
}
