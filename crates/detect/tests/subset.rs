//! An engine of a subset of the parsed rules (`EngineBuilder::build_subset`),
//! as the monitoring pipeline builds one when rules are switched off: the
//! rules left out are not evaluated, the others fire exactly as in the whole
//! engine, and the builder can make another subset afterwards.

use detect::{Config, EngineBuilder, Event};

fn rule(id: &str, value: &str) -> String {
    format!(
        "title: rule {id}\nid: {id}\nname: {id}\nlevel: high\nlogsource:\n  product: windows\n  category: process_creation\n\
         detection:\n  sel:\n    CommandLine|contains: '{value}'\n  condition: sel\n"
    )
}

fn builder() -> EngineBuilder {
    let mut b = EngineBuilder::new(Config::default());
    b.add_yaml("rules/windows/a.yml", &rule("a", "mimikatz"));
    b.add_yaml("rules/windows/b.yml", &rule("b", "whoami"));
    b.add_yaml("rules/linux/c.yml", &rule("c", "mimikatz"));
    b.add_yaml(
        "rules/windows/corr.yml",
        "title: twice\nid: corr\ncorrelation:\n  type: event_count\n  rules: [a]\n  group-by: [Computer]\n  timespan: 5m\n  condition:\n    gte: 2\nlevel: high\n",
    );
    b
}

fn fired(e: &detect::Engine, cmd: &str) -> Vec<String> {
    let ev = Event::new()
        .with("Channel", "Microsoft-Windows-Sysmon/Operational")
        .with("EventID", 1i64)
        .with("CommandLine", cmd);
    let mut ids: Vec<String> = e.evaluate(&ev).iter().map(|m| m.rule.id.clone()).collect();
    ids.sort();
    ids
}

#[test]
fn a_subset_evaluates_only_the_rules_kept() {
    let b = builder();
    assert_eq!(b.parsed_rules().count(), 3);
    let (whole, report) = b.clone().build();
    assert!(report.refused.is_empty(), "{:?}", report.refused);
    assert_eq!(fired(&whole, "x mimikatz whoami"), ["a", "b", "c"]);

    let (no_windows, report) = b.build_subset(|r| !r.source.starts_with("rules/windows/"));
    assert_eq!(no_windows.rules().len(), 1);
    assert_eq!(fired(&no_windows, "x mimikatz whoami"), ["c"]);
    // The correlation over rule a has nothing to count: refused, said so.
    assert!(
        report
            .refused
            .iter()
            .any(|r| r.id.as_deref() == Some("corr")),
        "{:?}",
        report.refused
    );

    // The builder is untouched: another subset, then everything again.
    let (only_b, _) = b.build_subset(|r| r.id == "b");
    assert_eq!(fired(&only_b, "x mimikatz whoami"), ["b"]);
    assert!(fired(&only_b, "mimikatz").is_empty());
    let (all, report) = b.build_subset(|_| true);
    assert_eq!(fired(&all, "x mimikatz whoami"), ["a", "b", "c"]);
    assert_eq!(all.correlations().rules().len(), 1);
    assert_eq!(report.rules_loaded, whole.rules().len() + 1);
    let (none, _) = b.build_subset(|_| false);
    assert!(none.rules().is_empty());
    assert!(fired(&none, "mimikatz").is_empty());
}
