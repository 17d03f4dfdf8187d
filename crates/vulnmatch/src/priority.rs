//! Prioritisation: the SSVC deployer decision table (CERT/CC SSVC v2), fed
//! from KEV, EPSS, CISA's SSVC decision points, CVSS and the system's
//! exposure and security level, and the remediation deadline.
//!
//! How the inputs are decided (each reason is kept in the `Assessment`):
//! - **Exploitation**: `active` when the CVE is in CISA KEV or CISA's ADP
//!   says `active`; `PoC` when CISA's ADP says `poc`, or when the EPSS score
//!   is at least `Policy::epss_poc_threshold` (default 0.10: a CVE that likely
//!   will be exploited within 30 days is treated as having a public exploit —
//!   a choice, never promoted to `active`); otherwise `none`.
//! - **Exposure**: `open` for an internet-facing asset, otherwise
//!   `controlled` (a government network reachable from other networks);
//!   `small` only when the caller says so (`Exposure` override).
//! - **Utility** = Automatable × Value density. Automatable: CISA's ADP
//!   answer when present, otherwise from the best CVSS vector: network
//!   attack, low complexity, no privileges, no user interaction (v4 also no
//!   attack requirements; v2 `AV:N/AC:L/Au:N`). Value density:
//!   `concentrated` when the system's security level is at least
//!   `Policy::concentrated_level` (default 3: systems that serve many people
//!   or hold much data under Decree 85/2016), otherwise `diffuse`.
//!   (no, diffuse) → laborious; (yes, concentrated) → super effective;
//!   otherwise efficient.
//! - **Well-being and Mission Impact** from the security level: 1 → low,
//!   2 → medium, 3 → high, 4 and 5 → very high.

use crate::model::{CvssVersion, Vuln};
use chrono::{Days, NaiveDate};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::fmt;

macro_rules! levels {
    ($name:ident { $($v:ident => $s:literal),* $(,)? }) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        pub enum $name { $($v),* }
        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$v),*];
            pub fn as_str(self) -> &'static str {
                match self { $($name::$v => $s),* }
            }
            /// Case-insensitive, as the SSVC CSV files write them.
            pub fn parse(s: &str) -> Option<$name> {
                let t = s.trim();
                $( if t.eq_ignore_ascii_case($s) { return Some($name::$v); } )*
                None
            }
        }
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result { f.write_str(self.as_str()) }
        }
    };
}

levels!(Exploitation { None => "none", Poc => "PoC", Active => "active" });
levels!(Exposure { Small => "small", Controlled => "controlled", Open => "open" });
levels!(Utility { Laborious => "laborious", Efficient => "efficient", SuperEffective => "super effective" });
levels!(Impact { Low => "low", Medium => "medium", High => "high", VeryHigh => "very high" });
levels!(Decision { Defer => "defer", Scheduled => "scheduled", OutOfCycle => "out-of-cycle", Immediate => "immediate" });

impl domain::Labelled for Decision {
    fn label_vi(&self) -> &'static str {
        match self {
            Decision::Immediate => "Khẩn cấp",
            Decision::OutOfCycle => "Ngoài kế hoạch",
            Decision::Scheduled => "Theo kế hoạch",
            Decision::Defer => "Hoãn",
        }
    }
    fn label_en(&self) -> &'static str {
        match self {
            Decision::Immediate => "Immediate",
            Decision::OutOfCycle => "Out of cycle",
            Decision::Scheduled => "Scheduled",
            Decision::Defer => "Defer",
        }
    }
}

/// The SSVC deployer decision table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecisionTable {
    rows: HashMap<(Exploitation, Exposure, Utility, Impact), Decision>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TableError {
    #[error("line {line}: {message}")]
    Line { line: usize, message: String },
    #[error("the table has no row for {0}")]
    Missing(String),
}

const DEPLOYER_V2: &str = include_str!("../data/deployer-options_v2.csv");

impl DecisionTable {
    /// CERT/CC's SSVC v2 deployer table (`deployer-options_v2.csv`), built in.
    pub fn deployer_v2() -> DecisionTable {
        DecisionTable::parse_csv(DEPLOYER_V2).unwrap_or_else(|_| DecisionTable {
            rows: HashMap::new(),
        })
    }

    /// Reads a deployer table CSV: columns found by name (Exploitation,
    /// Exposure, Utility, "Well-being and Mission Impact" or "Mission Impact",
    /// Priority); every combination must be present.
    pub fn parse_csv(text: &str) -> Result<DecisionTable, TableError> {
        let mut lines = text
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty());
        let (_, header) = lines.next().ok_or(TableError::Line {
            line: 1,
            message: "empty file".into(),
        })?;
        let cols: Vec<String> = header
            .split(',')
            .map(|c| c.trim().to_ascii_lowercase())
            .collect();
        let find = |names: &[&str]| cols.iter().position(|c| names.contains(&c.as_str()));
        let ix = (
            find(&["exploitation"]),
            find(&["exposure"]),
            find(&["utility"]),
            find(&[
                "well-being and mission impact",
                "mission impact",
                "human impact",
            ]),
            find(&["priority", "decision"]),
        );
        let (Some(ce), Some(cx), Some(cu), Some(ci), Some(cp)) = ix else {
            return Err(TableError::Line {
                line: 1,
                message: "expected the columns Exploitation, Exposure, Utility, Well-being and Mission Impact, Priority".into(),
            });
        };
        let mut rows = HashMap::new();
        for (n, line) in lines {
            let f: Vec<&str> = line.split(',').collect();
            let get = |i: usize| f.get(i).copied().unwrap_or("");
            let bad = |what: &str, v: &str| TableError::Line {
                line: n + 1,
                message: format!("{what} '{v}' is not known"),
            };
            let e = Exploitation::parse(get(ce)).ok_or_else(|| bad("Exploitation", get(ce)))?;
            let x = Exposure::parse(get(cx)).ok_or_else(|| bad("Exposure", get(cx)))?;
            let u = Utility::parse(get(cu)).ok_or_else(|| bad("Utility", get(cu)))?;
            let i = Impact::parse(get(ci)).ok_or_else(|| bad("Impact", get(ci)))?;
            let d = Decision::parse(get(cp)).ok_or_else(|| bad("Priority", get(cp)))?;
            rows.insert((e, x, u, i), d);
        }
        for e in Exploitation::ALL {
            for x in Exposure::ALL {
                for u in Utility::ALL {
                    for i in Impact::ALL {
                        if !rows.contains_key(&(*e, *x, *u, *i)) {
                            return Err(TableError::Missing(format!("{e}, {x}, {u}, {i}")));
                        }
                    }
                }
            }
        }
        Ok(DecisionTable { rows })
    }

    pub fn decide(&self, e: Exploitation, x: Exposure, u: Utility, i: Impact) -> Decision {
        // A table from parse_csv is complete; the built-in one cannot fail.
        self.rows
            .get(&(e, x, u, i))
            .copied()
            .unwrap_or(Decision::Immediate)
    }
}

/// The choices the decision points depend on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Policy {
    pub epss_poc_threshold: f32,
    pub concentrated_level: u8,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            epss_poc_threshold: 0.10,
            concentrated_level: 3,
        }
    }
}

/// What is known about where the vulnerable asset sits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Context {
    pub internet_facing: bool,
    /// 1–5 (values outside are clamped).
    pub security_level: u8,
    /// Overrides the exposure derived from `internet_facing`.
    pub exposure: Option<Exposure>,
}

/// The decision with the value and the reason of each decision point.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assessment {
    pub decision: Decision,
    pub exploitation: Exploitation,
    pub exposure: Exposure,
    pub automatable: bool,
    pub utility: Utility,
    pub impact: Impact,
    pub reasons: Vec<String>,
}

/// Whether a CVSS vector describes an automatable attack.
pub fn automatable_from_cvss(version: CvssVersion, vector: &str) -> bool {
    let m = |k: &str| {
        vector
            .split('/')
            .filter_map(|p| p.split_once(':'))
            .find(|(a, _)| *a == k)
            .map(|(_, v)| v)
    };
    match version {
        CvssVersion::V2 => m("AV") == Some("N") && m("AC") == Some("L") && m("Au") == Some("N"),
        CvssVersion::V30 | CvssVersion::V31 => {
            m("AV") == Some("N")
                && m("AC") == Some("L")
                && m("PR") == Some("N")
                && m("UI") == Some("N")
        }
        CvssVersion::V40 => {
            m("AV") == Some("N")
                && m("AC") == Some("L")
                && m("AT") == Some("N")
                && m("PR") == Some("N")
                && m("UI") == Some("N")
        }
    }
}

/// Decides the SSVC deployer priority of `v` on an asset in `ctx`.
pub fn assess(v: &Vuln, ctx: &Context, table: &DecisionTable, policy: &Policy) -> Assessment {
    let mut reasons = Vec::new();
    // Exploitation.
    let mut exploitation = Exploitation::None;
    if let Some(k) = &v.kev {
        exploitation = Exploitation::Active;
        reasons.push(match k.date_added {
            Some(d) => format!("exploitation active: in CISA KEV since {d}"),
            None => "exploitation active: in CISA KEV".into(),
        });
    }
    if let Some(s) = v.ssvc.as_ref().and_then(|s| s.exploitation.as_deref()) {
        let e = match s {
            "active" => Some(Exploitation::Active),
            "poc" | "public poc" => Some(Exploitation::Poc),
            _ => None,
        };
        if let Some(e) = e.filter(|e| *e > exploitation) {
            exploitation = e;
            reasons.push(format!("exploitation {e}: CISA ADP SSVC says '{s}'"));
        }
    }
    if exploitation < Exploitation::Poc {
        if let Some(ep) = v
            .epss
            .as_ref()
            .filter(|e| e.score >= policy.epss_poc_threshold)
        {
            exploitation = Exploitation::Poc;
            reasons.push(format!(
                "exploitation PoC: EPSS {:.3} ≥ {:.2}{}",
                ep.score,
                policy.epss_poc_threshold,
                ep.percentile
                    .map(|p| format!(" (percentile {p:.3})"))
                    .unwrap_or_default()
            ));
        }
    }
    if exploitation == Exploitation::None {
        reasons.push("exploitation none: not in KEV, no CISA SSVC, EPSS low or unknown".into());
    }
    // Exposure.
    let exposure = match ctx.exposure {
        Some(x) => {
            reasons.push(format!("exposure {x}: set for the asset"));
            x
        }
        None if ctx.internet_facing => {
            reasons.push("exposure open: internet-facing".into());
            Exposure::Open
        }
        None => {
            reasons.push("exposure controlled: not internet-facing".into());
            Exposure::Controlled
        }
    };
    // Utility.
    let automatable = match v.ssvc.as_ref().and_then(|s| s.automatable.as_deref()) {
        Some(a) if a == "yes" || a == "no" => {
            reasons.push(format!("automatable {a}: CISA ADP SSVC"));
            a == "yes"
        }
        _ => match v.best_cvss() {
            Some(c) => {
                let a = automatable_from_cvss(c.version, &c.vector);
                reasons.push(format!(
                    "automatable {}: CVSS {} {}",
                    if a { "yes" } else { "no" },
                    c.version.as_str(),
                    c.vector
                ));
                a
            }
            None => {
                reasons.push("automatable no: no CVSS vector".into());
                false
            }
        },
    };
    let level = ctx.security_level.clamp(1, 5);
    let concentrated = level >= policy.concentrated_level;
    reasons.push(format!(
        "value density {}: security level {level}",
        if concentrated {
            "concentrated"
        } else {
            "diffuse"
        }
    ));
    let utility = match (automatable, concentrated) {
        (false, false) => Utility::Laborious,
        (true, true) => Utility::SuperEffective,
        _ => Utility::Efficient,
    };
    let impact = match level {
        1 => Impact::Low,
        2 => Impact::Medium,
        3 => Impact::High,
        _ => Impact::VeryHigh,
    };
    reasons.push(format!(
        "well-being and mission impact {impact}: security level {level}"
    ));
    let decision = table.decide(exploitation, exposure, utility, impact);
    Assessment {
        decision,
        exploitation,
        exposure,
        automatable,
        utility,
        impact,
        reasons,
    }
}

/// A reason [`assess`] gives, in Vietnamese. The reasons are the fixed
/// forms written above (and kept in stored findings as English), so they
/// are read back here, beside the code that writes them; a reason of
/// another form is returned as it is.
pub fn reason_vi(reason: &str) -> String {
    let word = |w: &str| -> String {
        match w {
            "none" => "chưa ghi nhận",
            "PoC" => "đã có mã khai thác thử",
            "active" => "đang bị khai thác",
            "small" => "nhỏ",
            "controlled" => "có kiểm soát",
            "open" => "mở",
            "yes" => "có",
            "no" => "không",
            "concentrated" => "tập trung",
            "diffuse" => "phân tán",
            "low" => "thấp",
            "medium" => "trung bình",
            "high" => "cao",
            "very high" => "rất cao",
            other => other,
        }
        .to_string()
    };
    let level = |rest: &str| {
        rest.strip_prefix("security level ")
            .map(|n| format!("hệ thống cấp độ {n}"))
            .unwrap_or_else(|| rest.to_string())
    };
    let Some((head, rest)) = reason.split_once(": ") else {
        return reason.to_string();
    };
    // The head is a decision point and its value: `value density concentrated`.
    let points = [
        "well-being and mission impact",
        "value density",
        "exploitation",
        "exposure",
        "automatable",
    ];
    let Some((what, value)) = points.iter().find_map(|p| {
        head.strip_prefix(p)
            .and_then(|v| v.strip_prefix(' '))
            .map(|v| (*p, v))
    }) else {
        return reason.to_string();
    };
    let because = match rest {
        r if r.starts_with("in CISA KEV since ") => {
            format!(
                "có trong danh mục KEV của CISA từ {}",
                &r["in CISA KEV since ".len()..]
            )
        }
        "in CISA KEV" => "có trong danh mục KEV của CISA".into(),
        r if r.starts_with("CISA ADP SSVC says ") => format!(
            "theo đánh giá SSVC của CISA ADP ({})",
            &r["CISA ADP SSVC says ".len()..]
        ),
        "CISA ADP SSVC" => "theo đánh giá SSVC của CISA ADP".into(),
        r if r.starts_with("EPSS ") => r.replace("percentile", "phân vị"),
        "not in KEV, no CISA SSVC, EPSS low or unknown" => {
            "không có trong KEV, không có đánh giá SSVC của CISA, EPSS thấp hoặc chưa rõ".into()
        }
        "set for the asset" => "đặt riêng cho tài sản".into(),
        "internet-facing" => "kết nối Internet".into(),
        "not internet-facing" => "không kết nối Internet".into(),
        "no CVSS vector" => "không có vectơ CVSS".into(),
        r if r.starts_with("CVSS ") => format!("theo {r}"),
        r if r.starts_with("security level ") => level(r),
        r => r.to_string(),
    };
    let what = match what {
        "exploitation" => "Khai thác",
        "exposure" => "Mức phơi nhiễm",
        "automatable" => "Tự động hóa khai thác",
        "value density" => "Mật độ giá trị",
        "well-being and mission impact" => "Tác động tới nhiệm vụ",
        other => other,
    };
    format!("{what}: {} — {because}", word(value))
}

/// Days allowed per decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sla {
    pub immediate_days: u32,
    pub out_of_cycle_days: u32,
    pub scheduled_days: u32,
    pub defer_days: u32,
}

impl Default for Sla {
    /// 2, 7, 30 and 90 days.
    fn default() -> Self {
        Sla {
            immediate_days: 2,
            out_of_cycle_days: 7,
            scheduled_days: 30,
            defer_days: 90,
        }
    }
}

impl Sla {
    pub fn days(&self, d: Decision) -> u32 {
        match d {
            Decision::Immediate => self.immediate_days,
            Decision::OutOfCycle => self.out_of_cycle_days,
            Decision::Scheduled => self.scheduled_days,
            Decision::Defer => self.defer_days,
        }
    }
}

/// Which rule set the deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum DeadlineBy {
    /// The Authority's warning: its deadline governs the warning's findings.
    Warning,
    /// The days allowed for the priority at the system's security level.
    Sla,
    /// Detection plus the shortest time the SLA allows: no deadline is
    /// earlier, however close the warning's own.
    Floor,
}

impl DeadlineBy {
    pub fn as_str(self) -> &'static str {
        match self {
            DeadlineBy::Warning => "warning",
            DeadlineBy::Sla => "sla",
            DeadlineBy::Floor => "floor",
        }
    }
    pub fn label_vi(self) -> &'static str {
        match self {
            DeadlineBy::Warning => "theo hạn trong văn bản cảnh báo",
            DeadlineBy::Sla => {
                "theo thời hạn xử lý của mức ưu tiên và cấp độ hệ thống (sớm hơn hạn cảnh báo)"
            }
            DeadlineBy::Floor => "thời hạn tối thiểu kể từ khi phát hiện",
        }
    }
    pub fn label_en(self) -> &'static str {
        match self {
            DeadlineBy::Warning => "the warning's deadline",
            DeadlineBy::Sla => {
                "the time allowed for the priority and security level (earlier than the warning's)"
            }
            DeadlineBy::Floor => "the shortest time allowed from detection",
        }
    }
    /// Reads a stored code; codes of earlier versions (`kevdue`,
    /// `detection`) read as the floor they came closest to.
    pub fn from_code(code: &str) -> Option<DeadlineBy> {
        match code {
            "warning" => Some(DeadlineBy::Warning),
            "sla" => Some(DeadlineBy::Sla),
            "floor" | "detection" | "kevdue" => Some(DeadlineBy::Floor),
            _ => None,
        }
    }
}

/// The deadline of a finding detected on `detected_at`.
///
/// The Authority's deadline governs a warning's findings; the SLA of the
/// decision (per priority, at the system's level) applies when it is
/// stricter; without a warning the SLA decides. A due date for US federal
/// agencies (CISA KEV) raises the priority through the decision but sets no
/// Vietnamese deadline. No deadline is earlier than detection plus the
/// shortest time the SLA allows, so a warning read late is not "overdue
/// since" before anyone could act.
pub fn deadline(
    decision: Decision,
    warning_deadline: Option<NaiveDate>,
    sla: &Sla,
    detected_at: NaiveDate,
) -> NaiveDate {
    deadline_explained(decision, warning_deadline, sla, detected_at).0
}

pub fn deadline_explained(
    decision: Decision,
    warning_deadline: Option<NaiveDate>,
    sla: &Sla,
    detected_at: NaiveDate,
) -> (NaiveDate, DeadlineBy) {
    let after = |days: u32| {
        detected_at
            .checked_add_days(Days::new(u64::from(days)))
            .unwrap_or(NaiveDate::MAX)
    };
    let by_sla = after(sla.days(decision));
    let shortest = [
        Decision::Immediate,
        Decision::OutOfCycle,
        Decision::Scheduled,
        Decision::Defer,
    ]
    .into_iter()
    .map(|d| sla.days(d))
    .min()
    .unwrap_or(0);
    let floor = after(shortest);
    let best = match warning_deadline {
        Some(w) if by_sla < w => (by_sla, DeadlineBy::Sla),
        Some(w) => (w, DeadlineBy::Warning),
        None => (by_sla, DeadlineBy::Sla),
    };
    if best.0 < floor {
        (floor, DeadlineBy::Floor)
    } else {
        best
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_table_is_complete() {
        let t = DecisionTable::deployer_v2();
        assert_eq!(t.rows.len(), 108);
        assert!(DecisionTable::parse_csv("row,Exploitation\n1,none\n").is_err());
        let partial = "Exploitation,Exposure,Utility,Mission Impact,Priority\nnone,small,laborious,low,defer\n";
        assert!(matches!(
            DecisionTable::parse_csv(partial),
            Err(TableError::Missing(_))
        ));
        let bad = "Exploitation,Exposure,Utility,Mission Impact,Priority\nmaybe,small,laborious,low,defer\n";
        assert_eq!(
            DecisionTable::parse_csv(bad).unwrap_err().to_string(),
            "line 2: Exploitation 'maybe' is not known"
        );
    }

    #[test]
    fn every_reason_reads_in_vietnamese() {
        for (en, vi) in [
            ("exploitation active: in CISA KEV since 2024-02-09", "Khai thác: đang bị khai thác — có trong danh mục KEV của CISA từ 2024-02-09"),
            ("exploitation PoC: EPSS 0.912 ≥ 0.10 (percentile 0.990)", "Khai thác: đã có mã khai thác thử — EPSS 0.912 ≥ 0.10 (phân vị 0.990)"),
            ("exposure open: internet-facing", "Mức phơi nhiễm: mở — kết nối Internet"),
            ("automatable yes: CVSS 3.1 CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "Tự động hóa khai thác: có — theo CVSS 3.1 CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"),
            ("value density concentrated: security level 4", "Mật độ giá trị: tập trung — hệ thống cấp độ 4"),
            ("well-being and mission impact very high: security level 4", "Tác động tới nhiệm vụ: rất cao — hệ thống cấp độ 4"),
            ("well-being and mission impact low: security level 1", "Tác động tới nhiệm vụ: thấp — hệ thống cấp độ 1"),
        ] {
            assert_eq!(reason_vi(en), vi);
        }
        // Whatever assess writes reads without an English word left.
        let v = Vuln::new("CVE-2024-0001".parse().unwrap());
        for level in 1..=5u8 {
            for internet_facing in [false, true] {
                let a = assess(
                    &v,
                    &Context {
                        internet_facing,
                        security_level: level,
                        exposure: None,
                    },
                    &DecisionTable::deployer_v2(),
                    &Policy::default(),
                );
                for r in &a.reasons {
                    let vi = reason_vi(r);
                    for word in [
                        "exploitation",
                        "exposure",
                        "automatable",
                        "density",
                        "impact",
                        "security level",
                        "internet-facing",
                    ] {
                        assert!(!vi.contains(word), "{r} -> {vi}");
                    }
                }
            }
        }
    }

    #[test]
    fn deadlines() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let sla = Sla::default();
        let today = d("2025-01-10");
        assert_eq!(
            deadline_explained(Decision::Scheduled, None, &sla, today),
            (d("2025-02-09"), DeadlineBy::Sla)
        );
        assert_eq!(
            deadline(Decision::Immediate, None, &sla, today),
            d("2025-01-12")
        );
        // The warning governs when the SLA is not stricter.
        assert_eq!(
            deadline_explained(Decision::Scheduled, Some(d("2025-01-20")), &sla, today),
            (d("2025-01-20"), DeadlineBy::Warning)
        );
        // The SLA applies when it is stricter than the warning.
        assert_eq!(
            deadline_explained(Decision::Immediate, Some(d("2025-01-20")), &sla, today),
            (d("2025-01-12"), DeadlineBy::Sla)
        );
        // Never earlier than detection plus the shortest SLA (2 days).
        assert_eq!(
            deadline_explained(Decision::Defer, Some(d("2024-11-21")), &sla, today),
            (d("2025-01-12"), DeadlineBy::Floor)
        );
        let huge = Sla {
            defer_days: u32::MAX,
            immediate_days: u32::MAX,
            out_of_cycle_days: u32::MAX,
            scheduled_days: u32::MAX,
        };
        assert!(deadline(Decision::Defer, None, &huge, NaiveDate::MAX) == NaiveDate::MAX);
        for by in [DeadlineBy::Warning, DeadlineBy::Sla, DeadlineBy::Floor] {
            assert_eq!(DeadlineBy::from_code(by.as_str()), Some(by));
        }
    }

    #[test]
    fn automatable() {
        assert!(automatable_from_cvss(
            CvssVersion::V31,
            "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"
        ));
        assert!(!automatable_from_cvss(
            CvssVersion::V31,
            "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H"
        ));
        assert!(automatable_from_cvss(
            CvssVersion::V40,
            "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"
        ));
        assert!(!automatable_from_cvss(
            CvssVersion::V40,
            "CVSS:4.0/AV:N/AC:L/AT:P/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"
        ));
        assert!(automatable_from_cvss(
            CvssVersion::V2,
            "AV:N/AC:L/Au:N/C:P/I:P/A:P"
        ));
    }
}
