//! 24/7 monitoring: an alert's states and the moves between them, its
//! severity from the rule's level and the system's security level, and what
//! a suppression must say.

use crate::text_enum::text_enum;
use crate::SecurityLevel;

text_enum! {
    /// Where an alert stands in triage.
    AlertState {
        New => "new", "Mới", "New";
        Acknowledged => "acknowledged", "Đã tiếp nhận", "Acknowledged";
        TruePositive => "true_positive", "Xác nhận tấn công thật", "True positive";
        FalsePositive => "false_positive", "Cảnh báo nhầm", "False positive";
        Benign => "benign", "Hoạt động hợp lệ", "Benign";
    }
}

text_enum! {
    /// What an analyst does to an alert.
    AlertAction {
        Acknowledge => "acknowledge", "Tiếp nhận", "Acknowledge";
        ConfirmTrue => "true_positive", "Xác nhận tấn công thật, mở sự cố", "Confirm and open an incident";
        MarkFalse => "false_positive", "Đánh dấu cảnh báo nhầm", "Mark false positive";
        MarkBenign => "benign", "Đánh dấu hoạt động hợp lệ", "Mark benign";
    }
}

text_enum! {
    /// How urgent an alert is.
    AlertSeverity {
        Low => "low", "Thấp", "Low";
        Medium => "medium", "Trung bình", "Medium";
        High => "high", "Cao", "High";
        Critical => "critical", "Nghiêm trọng", "Critical";
    }
}

text_enum! {
    /// A Sigma rule's level, as the alert keeps it.
    RuleLevel {
        Informational => "informational", "Thông tin", "Informational";
        Low => "low", "Thấp", "Low";
        Medium => "medium", "Trung bình", "Medium";
        High => "high", "Cao", "High";
        Critical => "critical", "Nghiêm trọng", "Critical";
    }
}

/// What a move needs besides the alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlertNeeds {
    Nothing,
    /// Why the alert is not an attack.
    Reason,
}

use AlertAction as A;
use AlertState as S;

/// Every allowed move. Anything not here is refused.
pub const ALERT_TRANSITIONS: &[(AlertState, AlertAction, AlertState, AlertNeeds)] = &[
    (S::New, A::Acknowledge, S::Acknowledged, AlertNeeds::Nothing),
    (
        S::Acknowledged,
        A::ConfirmTrue,
        S::TruePositive,
        AlertNeeds::Nothing,
    ),
    (
        S::Acknowledged,
        A::MarkFalse,
        S::FalsePositive,
        AlertNeeds::Reason,
    ),
    (
        S::Acknowledged,
        A::MarkBenign,
        S::Benign,
        AlertNeeds::Reason,
    ),
];

/// The move `action` makes from `from`, if the table has it.
pub fn alert_move(from: AlertState, action: AlertAction) -> Option<(AlertState, AlertNeeds)> {
    ALERT_TRANSITIONS
        .iter()
        .find(|(f, a, _, _)| *f == from && *a == action)
        .map(|(_, _, to, needs)| (*to, *needs))
}

impl AlertState {
    /// States still waiting for a verdict; repeats are grouped into these.
    pub fn is_open(self) -> bool {
        matches!(self, S::New | S::Acknowledged)
    }
}

use AlertSeverity as V;

/// Severity by rule level (rows) and the system's security level (columns:
/// host unknown to the registry, level 1, 2, 3, 4, 5). A host the registry
/// does not know is taken as level 3: not knowing it is no reason to lower
/// the alert. Levels 4 and 5 raise low, medium and high by one step.
pub const SEVERITY_TABLE: &[(RuleLevel, [AlertSeverity; 6])] = &[
    (
        RuleLevel::Informational,
        [V::Low, V::Low, V::Low, V::Low, V::Low, V::Low],
    ),
    (
        RuleLevel::Low,
        [V::Low, V::Low, V::Low, V::Low, V::Medium, V::Medium],
    ),
    (
        RuleLevel::Medium,
        [V::Medium, V::Low, V::Medium, V::Medium, V::High, V::High],
    ),
    (
        RuleLevel::High,
        [
            V::High,
            V::Medium,
            V::High,
            V::High,
            V::Critical,
            V::Critical,
        ],
    ),
    (
        RuleLevel::Critical,
        [
            V::Critical,
            V::High,
            V::Critical,
            V::Critical,
            V::Critical,
            V::Critical,
        ],
    ),
];

/// The severity of an alert of a rule of `level` on a system of
/// `system_level` (None: the host is not in the registry or its system has
/// no level).
pub fn alert_severity(level: RuleLevel, system_level: Option<SecurityLevel>) -> AlertSeverity {
    let col = system_level.map(|l| l.get() as usize).unwrap_or(0);
    SEVERITY_TABLE
        .iter()
        .find(|(l, _)| *l == level)
        .map(|(_, row)| row[col.min(5)])
        .unwrap_or(V::Medium)
}

/// Hours to acknowledge an alert of each severity before it is overdue.
pub fn acknowledge_within_hours(s: AlertSeverity) -> i64 {
    match s {
        V::Critical => 1,
        V::High => 4,
        V::Medium => 24,
        V::Low => 72,
    }
}

text_enum! {
    /// What a suppression matches.
    SuppressionKind {
        Rule => "rule", "Theo luật", "By rule";
        Host => "host", "Theo máy", "By host";
        Field => "field", "Theo giá trị trường", "By field value";
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_state_is_reached_and_verdicts_need_acknowledgement() {
        for s in AlertState::ALL {
            if *s != S::New {
                assert!(ALERT_TRANSITIONS.iter().any(|(_, _, to, _)| to == s), "{s}");
            }
        }
        assert!(alert_move(S::New, A::ConfirmTrue).is_none());
        assert_eq!(
            alert_move(S::Acknowledged, A::MarkFalse),
            Some((S::FalsePositive, AlertNeeds::Reason))
        );
        assert!(alert_move(S::TruePositive, A::Acknowledge).is_none());
    }

    #[test]
    fn severity_follows_level_and_system() {
        let l = |n| Some(SecurityLevel::new(n).unwrap());
        assert_eq!(alert_severity(RuleLevel::High, None), V::High);
        assert_eq!(alert_severity(RuleLevel::High, l(4)), V::Critical);
        assert_eq!(alert_severity(RuleLevel::Medium, l(1)), V::Low);
        assert_eq!(alert_severity(RuleLevel::Critical, l(1)), V::High);
        for (lvl, _) in SEVERITY_TABLE {
            for n in 1..=5 {
                let _ = alert_severity(*lvl, l(n));
            }
        }
        assert_eq!(SEVERITY_TABLE.len(), RuleLevel::ALL.len());
    }
}
