//! SSVC decisions for hand-checked combinations (rows of
//! tests/data/deployer-options_v2.csv named in each case).

use chrono::NaiveDate;
use vulnmatch::feeds;
use vulnmatch::priority::{
    assess, deadline_explained, Context, DeadlineBy, Decision, DecisionTable, Exploitation,
    Exposure, Impact, Policy, Sla, Utility,
};
use vulnmatch::{Vuln, VulnDb};

fn data(path: &str) -> Vec<u8> {
    std::fs::read(format!("{}/tests/data/{path}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

fn vuln(name: &str, dirs: &[&str]) -> Vuln {
    let mut db = VulnDb::new();
    for d in dirs {
        let f = format!("{d}/{name}.json");
        db.extend(feeds::read_feed(&f, &data(&f)).unwrap().vulns);
    }
    db.into_vec().remove(0)
}

fn ctx(internet_facing: bool, security_level: u8) -> Context {
    Context {
        internet_facing,
        security_level,
        exposure: None,
    }
}

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

#[test]
fn the_file_in_the_repository_is_the_built_in_table() {
    let text = String::from_utf8(data("deployer-options_v2.csv")).unwrap();
    assert_eq!(
        DecisionTable::parse_csv(&text).unwrap(),
        DecisionTable::deployer_v2()
    );
}

#[test]
fn hand_checked_decisions() {
    let t = DecisionTable::deployer_v2();
    let p = Policy::default();
    // CVE-2023-46747 (KEV, CVSS AV:N/AC:L/PR:N/UI:N) on an internet-facing
    // level-3 system: active, open, super effective, high → row 107 immediate.
    let f5 = vuln("CVE-2023-46747", &["cve5", "nvd"]);
    let a = assess(&f5, &ctx(true, 3), &t, &p);
    assert_eq!(
        (a.exploitation, a.exposure, a.utility, a.impact),
        (
            Exploitation::Active,
            Exposure::Open,
            Utility::SuperEffective,
            Impact::High
        )
    );
    assert_eq!(a.decision, Decision::Immediate);
    assert!(
        a.reasons[0].starts_with("exploitation active: in CISA KEV since 2023-10-31"),
        "{:?}",
        a.reasons
    );
    // Same on an internal level-2 system: active, controlled, efficient, medium → row 90 scheduled.
    let a = assess(&f5, &ctx(false, 2), &t, &p);
    assert_eq!(
        (a.utility, a.impact, a.decision),
        (Utility::Efficient, Impact::Medium, Decision::Scheduled)
    );
    // Level 4 internal: active, controlled, super effective, very high → row 96 out-of-cycle.
    assert_eq!(
        assess(&f5, &ctx(false, 4), &t, &p).decision,
        Decision::OutOfCycle
    );

    // CVE-2024-6387 from CVE 5 only: CISA says PoC and not automatable.
    // Internet-facing level 4: PoC, open, efficient, very high → row 68 out-of-cycle.
    let ssh = vuln("CVE-2024-6387", &["cve5"]);
    let a = assess(&ssh, &ctx(true, 4), &t, &p);
    assert_eq!(
        (a.exploitation, a.automatable, a.utility),
        (Exploitation::Poc, false, Utility::Efficient)
    );
    assert_eq!(a.decision, Decision::OutOfCycle);
    // Level 1 internal: PoC, controlled, laborious, low → row 49 defer.
    assert_eq!(
        assess(&ssh, &ctx(false, 1), &t, &p).decision,
        Decision::Defer
    );

    // CVE-2023-23397 from NVD without its KEV fields and no EPSS:
    // none, controlled; the CVSS vector decides automatable.
    let mut outlook = vuln("CVE-2023-23397", &["nvd"]);
    outlook.kev = None;
    outlook.ssvc = None;
    let a = assess(&outlook, &ctx(false, 1), &t, &p);
    assert_eq!(a.exploitation, Exploitation::None);
    assert_eq!(
        a.decision,
        t.decide(
            Exploitation::None,
            Exposure::Controlled,
            a.utility,
            Impact::Low
        )
    );
    // A high EPSS makes it PoC (the documented choice), not active.
    outlook.epss = Some(vulnmatch::Epss {
        score: 0.42,
        percentile: Some(0.97),
        model_version: None,
        score_date: None,
    });
    let a = assess(&outlook, &ctx(true, 3), &t, &p);
    assert_eq!(a.exploitation, Exploitation::Poc);
    assert!(
        a.reasons
            .iter()
            .any(|r| r.starts_with("exploitation PoC: EPSS 0.420 ≥ 0.10")),
        "{:?}",
        a.reasons
    );
    // An explicit small exposure.
    let small = Context {
        exposure: Some(Exposure::Small),
        ..ctx(true, 3)
    };
    assert_eq!(assess(&outlook, &small, &t, &p).exposure, Exposure::Small);
}

#[test]
fn deadlines_from_kev_and_sla() {
    let kev = feeds::read_feed("k", &data("known_exploited_vulnerabilities.json")).unwrap();
    let due = kev
        .kev
        .iter()
        .find(|(i, _)| i.to_string() == "CVE-2024-3400")
        .unwrap()
        .1
        .due_date;
    assert_eq!(due, Some(d("2024-04-19")));
    let sla = Sla::default();
    // The KEV due date is a deadline for US federal agencies: it sets no
    // deadline here (the case: a warning due 15/12 found on 07/12,
    // KEV due date past, showed "07/12 (detection)").
    assert_eq!(
        deadline_explained(
            Decision::Scheduled,
            Some(d("2026-12-15")),
            &sla,
            d("2026-12-07")
        ),
        (d("2026-12-15"), DeadlineBy::Warning)
    );
    assert_eq!(
        deadline_explained(Decision::Scheduled, None, &sla, d("2024-04-12")),
        (d("2024-05-12"), DeadlineBy::Sla)
    );
    // An immediate fix inside the warning's time: the SLA is stricter.
    assert_eq!(
        deadline_explained(
            Decision::Immediate,
            Some(d("2024-04-19")),
            &sla,
            d("2024-04-12")
        ),
        (d("2024-04-14"), DeadlineBy::Sla)
    );
    // A warning due the day after detection: the shortest SLA from detection.
    assert_eq!(
        deadline_explained(
            Decision::Immediate,
            Some(d("2024-04-13")),
            &sla,
            d("2024-04-12")
        ),
        (d("2024-04-14"), DeadlineBy::Floor)
    );
    let _ = due;
}
