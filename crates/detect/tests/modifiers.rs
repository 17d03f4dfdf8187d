//! Hand-written tests: every modifier, escaping, keywords, conditions and the
//! log-source mapping, each on a small rule and hand-made events.

use detect::{Config, Engine, EngineBuilder, Event, Placeholders, Reason};

fn sysmon1() -> Event {
    Event::new()
        .with("Channel", "Microsoft-Windows-Sysmon/Operational")
        .with("EventID", 1i64)
}

fn engine(detection: &str) -> Engine {
    engine_with(detection, Config::default())
}

fn engine_with(detection: &str, config: Config) -> Engine {
    let rule = format!(
        "title: t\nid: 00000000-0000-0000-0000-000000000001\nlevel: high\nlogsource:\n  product: windows\n  category: process_creation\ndetection:\n{detection}\n"
    );
    let mut b = EngineBuilder::new(config);
    b.add_yaml("t.yml", &rule);
    let (e, r) = b.build();
    assert!(r.refused.is_empty(), "refused: {:?}", r.refused);
    e
}

fn fires(e: &Engine, ev: &Event) -> bool {
    !e.evaluate(ev).is_empty()
}

fn cmd(s: &str) -> Event {
    sysmon1().with("CommandLine", s)
}

#[test]
fn plain_values_are_case_insensitive_and_whole() {
    let e = engine("  sel:\n    CommandLine: 'Whoami /all'\n  condition: sel");
    assert!(fires(&e, &cmd("WHOAMI /ALL")));
    assert!(!fires(&e, &cmd("whoami /all x")));
}

#[test]
fn contains_startswith_endswith() {
    let e = engine("  a:\n    CommandLine|contains: 'mimi'\n  condition: a");
    assert!(fires(&e, &cmd("x MIMIkatz y")));
    let e = engine("  a:\n    CommandLine|startswith: 'net '\n  condition: a");
    assert!(fires(&e, &cmd("NET user")));
    assert!(!fires(&e, &cmd("xnet user")));
    let e = engine("  a:\n    CommandLine|endswith: '.ps1'\n  condition: a");
    assert!(fires(&e, &cmd("run a.PS1")));
    assert!(!fires(&e, &cmd("a.ps1 x")));
}

#[test]
fn all_requires_every_value() {
    let e = engine("  a:\n    CommandLine|contains|all: ['-nop', 'hidden']\n  condition: a");
    assert!(fires(&e, &cmd("powershell -nop -w hidden")));
    assert!(!fires(&e, &cmd("powershell -nop")));
}

#[test]
fn wildcards_and_escapes() {
    let e = engine("  a:\n    CommandLine: 'a*b?d'\n  condition: a");
    assert!(fires(&e, &cmd("axxxbcd")));
    assert!(!fires(&e, &cmd("axxxbd")));
    let e = engine("  a:\n    CommandLine: 'a\\*b'\n  condition: a");
    assert!(fires(&e, &cmd("a*b")));
    assert!(!fires(&e, &cmd("axb")));
    let e = engine("  a:\n    CommandLine: 'what\\?'\n  condition: a");
    assert!(fires(&e, &cmd("what?")));
    assert!(!fires(&e, &cmd("whatx")));
    // \\ is one backslash; a lone backslash before another character is itself.
    let e = engine("  a:\n    CommandLine: 'C:\\\\x\\y'\n  condition: a");
    assert!(fires(&e, &cmd("c:\\x\\y")));
    let e = engine("  a:\n    CommandLine: 'end\\\\*'\n  condition: a");
    assert!(fires(&e, &cmd("end\\anything")));
}

#[test]
fn regex_with_flags() {
    let e = engine("  a:\n    CommandLine|re: '^abc.*def$'\n  condition: a");
    assert!(fires(&e, &cmd("abcXdef")));
    assert!(!fires(&e, &cmd("ABCxDEF")), "re is case-sensitive");
    let e = engine("  a:\n    CommandLine|re|i: '^abc'\n  condition: a");
    assert!(fires(&e, &cmd("ABC")));
    let e = engine("  a:\n    CommandLine|re|m: '^second'\n  condition: a");
    assert!(fires(&e, &cmd("first\nsecond")));
    let e = engine("  a:\n    CommandLine|re|s: 'a.b'\n  condition: a");
    assert!(fires(&e, &cmd("a\nb")));
}

#[test]
fn windash() {
    let e = engine("  a:\n    CommandLine|windash|contains: ' -enc '\n  condition: a");
    for v in [
        " -enc ",
        " /enc ",
        " \u{2013}enc ",
        " \u{2014}enc ",
        " \u{2015}enc ",
    ] {
        assert!(fires(&e, &cmd(&format!("powershell{v}AAA"))), "{v}");
    }
    assert!(!fires(&e, &cmd("powershell enc AAA")));
}

#[test]
fn cidr() {
    let e = engine("  a:\n    DestinationIp|cidr: ['10.0.0.0/8', 'fe80::/10']\n  condition: a");
    assert!(fires(&e, &sysmon1().with("DestinationIp", "10.2.3.4")));
    assert!(fires(&e, &sysmon1().with("DestinationIp", "fe80::1")));
    assert!(!fires(&e, &sysmon1().with("DestinationIp", "11.0.0.1")));
    assert!(!fires(&e, &sysmon1().with("DestinationIp", "not an ip")));
}

#[test]
fn base64_and_base64offset_and_wide() {
    let e = engine("  a:\n    CommandLine|base64: 'abc'\n  condition: a");
    assert!(fires(&e, &cmd("YWJj")));
    let e = engine("  a:\n    CommandLine|base64offset|contains: '/bin/bash'\n  condition: a");
    for enc in [
        "L2Jpbi9iYXNo",
        "xL2Jpbi9iYXNo",
        "eC9iaW4vYmFzaA",
        "eHgvYmluL2Jhc2g",
    ] {
        assert!(fires(&e, &cmd(enc)), "{enc}");
    }
    // "ab" as UTF-16LE is 61 00 62 00: base64 "YQBiAA==".
    let e = engine("  a:\n    CommandLine|wide|base64: 'ab'\n  condition: a");
    assert!(fires(&e, &cmd("YQBiAA==")));
    let e = engine("  a:\n    CommandLine|utf16be|base64: 'ab'\n  condition: a");
    assert!(fires(&e, &cmd("AGEAYg==")));
    let e = engine("  a:\n    CommandLine|utf16|base64: 'a'\n  condition: a");
    assert!(fires(&e, &cmd("//5hAA==")));
}

#[test]
fn expand_placeholders() {
    let mut ph = Placeholders::new();
    ph.insert("admins".into(), vec!["alice".into(), "bob".into()]);
    let config = Config {
        placeholders: ph,
        ..Config::default()
    };
    let e = engine_with("  a:\n    User|expand: '%admins%'\n  condition: a", config);
    assert!(fires(&e, &sysmon1().with("User", "BOB")));
    assert!(!fires(&e, &sysmon1().with("User", "eve")));
    // Without the placeholder configured the rule is refused, with the reason.
    let mut b = EngineBuilder::new(Config::default());
    b.add_yaml(
        "p.yml",
        "title: p\nlogsource: {product: windows}\ndetection:\n  a:\n    User|expand: '%missing%'\n  condition: a\n",
    );
    let (_, r) = b.build();
    assert_eq!(r.refused.len(), 1);
    assert_eq!(r.refused[0].reason, Reason::Placeholder("missing".into()));
    assert_eq!(r.counts_by_reason()["placeholder"], 1);
}

#[test]
fn fieldref() {
    let e = engine("  a:\n    ParentImage|fieldref: Image\n  condition: a");
    assert!(fires(
        &e,
        &sysmon1()
            .with("Image", "C:\\A.exe")
            .with("ParentImage", "c:\\a.exe")
    ));
    assert!(!fires(
        &e,
        &sysmon1()
            .with("Image", "C:\\A.exe")
            .with("ParentImage", "c:\\b.exe")
    ));
    let e = engine("  a:\n    CommandLine|fieldref|contains: Image\n  condition: a");
    assert!(fires(
        &e,
        &sysmon1()
            .with("Image", "a.exe")
            .with("CommandLine", "run a.exe now")
    ));
}

#[test]
fn exists_and_null() {
    let e = engine("  a:\n    Hashes|exists: true\n  condition: a");
    assert!(fires(&e, &sysmon1().with("Hashes", "x")));
    assert!(!fires(&e, &sysmon1()));
    let e = engine("  a:\n    Hashes|exists: false\n  condition: a");
    assert!(fires(&e, &sysmon1()));
    let e = engine("  a:\n    Hashes: null\n  condition: a");
    assert!(fires(&e, &sysmon1()));
    assert!(fires(&e, &sysmon1().with("Hashes", detect::Value::Null)));
    assert!(!fires(&e, &sysmon1().with("Hashes", "x")));
}

#[test]
fn cased() {
    let e = engine("  a:\n    CommandLine|cased|contains: 'AbC'\n  condition: a");
    assert!(fires(&e, &cmd("xAbCx")));
    assert!(!fires(&e, &cmd("xabcx")));
}

#[test]
fn numeric_comparisons_and_integers() {
    let e =
        engine("  a:\n    ProcessId|gt: 100\n  b:\n    ProcessId|lte: 200\n  condition: a and b");
    assert!(fires(&e, &sysmon1().with("ProcessId", 150i64)));
    assert!(fires(&e, &sysmon1().with("ProcessId", "200")));
    assert!(!fires(&e, &sysmon1().with("ProcessId", 201i64)));
    let e = engine("  a:\n    ProcessId|lt: 10\n  b:\n    ProcessId|gte: 5\n  condition: a and b");
    assert!(fires(&e, &sysmon1().with("ProcessId", "0x5")));
    let e = engine("  a:\n    LogonType: 3\n  condition: a");
    assert!(fires(&e, &sysmon1().with("LogonType", "3")));
    assert!(fires(&e, &sysmon1().with("LogonType", 3i64)));
}

#[test]
fn keywords_search_every_field() {
    let e = engine("  kw:\n    - 'mimikatz'\n    - 'sekurlsa'\n  condition: kw");
    assert!(fires(
        &e,
        &sysmon1().with("Description", "the MIMIKATZ tool")
    ));
    assert!(!fires(&e, &sysmon1().with("Description", "notepad")));
    let e = engine("  kw:\n    '|all':\n      - 'alpha'\n      - 'beta'\n  condition: kw");
    assert!(fires(&e, &sysmon1().with("A", "alpha").with("B", "beta")));
    assert!(!fires(&e, &sysmon1().with("A", "alpha")));
}

#[test]
fn conditions_of_patterns_them_and_nesting() {
    let d = "  selection_a:\n    CommandLine|contains: 'aaa'\n  selection_b:\n    CommandLine|contains: 'bbb'\n  filter:\n    User: 'system'\n";
    let e = engine(&format!("{d}  condition: 1 of selection_* and not filter"));
    assert!(fires(&e, &cmd("bbb")));
    assert!(!fires(&e, &cmd("bbb").with("User", "SYSTEM")));
    let e = engine(&format!("{d}  condition: all of selection_*"));
    assert!(fires(&e, &cmd("aaa bbb")));
    assert!(!fires(&e, &cmd("aaa")));
    let e = engine(&format!("{d}  condition: 1 of them"));
    assert!(fires(&e, &sysmon1().with("User", "system")));
    let e = engine(&format!(
        "{d}  condition: (selection_a or selection_b) and not (filter)"
    ));
    assert!(fires(&e, &cmd("aaa")));
    let e = engine(&format!(
        "{d}  condition:\n    - selection_a\n    - selection_b"
    ));
    assert!(fires(&e, &cmd("bbb")));
}

#[test]
fn lists_of_maps_are_alternatives() {
    let e = engine("  sel:\n    - CommandLine|contains: 'x1'\n    - Image|endswith: '\\y.exe'\n  condition: sel");
    assert!(fires(&e, &sysmon1().with("Image", "C:\\Y.EXE")));
    assert!(fires(&e, &cmd("x1")));
    assert!(!fires(&e, &cmd("x2")));
}

#[test]
fn logsource_routing() {
    let e = engine("  a:\n    Image|endswith: '\\cmd.exe'\n  condition: a");
    // Sysmon 1 and Security 4688 (Image is NewProcessName there).
    assert!(fires(&e, &sysmon1().with("Image", "C:\\Windows\\cmd.exe")));
    let sec = Event::new()
        .with("Channel", "Security")
        .with("EventID", 4688i64);
    assert!(fires(
        &e,
        &sec.clone().with("NewProcessName", "C:\\Windows\\cmd.exe")
    ));
    assert!(!fires(&e, &sec.with("Image", "C:\\Windows\\cmd.exe")));
    // Another Sysmon event id, or no channel at all: not a process creation.
    let other = Event::new()
        .with("Channel", "Microsoft-Windows-Sysmon/Operational")
        .with("EventID", 3i64)
        .with("Image", "C:\\Windows\\cmd.exe");
    assert!(!fires(&e, &other));
    assert!(!fires(
        &e,
        &Event::new().with("Image", "C:\\Windows\\cmd.exe")
    ));
}

#[test]
fn linux_rules_never_fire_on_windows_events() {
    let mut b = EngineBuilder::new(Config::default());
    b.add_yaml(
        "l.yml",
        "title: l\nlogsource: {product: linux, category: process_creation}\ndetection:\n  a:\n    Image|endswith: '/bash'\n  condition: a\n",
    );
    let (e, r) = b.build();
    assert_eq!(r.rules_loaded, 1);
    assert!(!fires(&e, &sysmon1().with("Image", "/bin/bash")));
    let linux = Event::new().with("Image", "/bin/bash").with_source(
        Some("linux"),
        Some("process_creation"),
        None,
    );
    assert!(fires(&e, &linux));
    let other = Event::new().with("Image", "/bin/bash").with_source(
        Some("macos"),
        Some("process_creation"),
        None,
    );
    assert!(!fires(&e, &other));
}

#[test]
fn mapping_file_overrides() {
    let mut config = Config::default();
    let extra = detect::LogSourceMap::from_yaml(
        "sources:\n  - logsource: {product: windows, category: process_creation}\n    events:\n      - when: {Channel: MyEDR}\n        rename: {Image: exe}\n",
    )
    .unwrap();
    config.logsources.extend(extra);
    let e = engine_with(
        "  a:\n    Image|endswith: '\\cmd.exe'\n  condition: a",
        config,
    );
    assert!(fires(
        &e,
        &Event::new()
            .with("Channel", "myedr")
            .with("exe", "c:\\cmd.exe")
    ));
    assert!(
        !fires(&e, &sysmon1().with("Image", "c:\\cmd.exe")),
        "the entry was replaced"
    );
}

#[test]
fn refusals_are_listed_with_reasons() {
    let mut b = EngineBuilder::new(Config::default());
    b.add_yaml("bad-yaml.yml", "title: [unclosed\n");
    b.add_yaml("no-det.yml", "title: x\nlogsource: {product: windows}\n");
    b.add_yaml("bad-cond.yml", "title: x\nlogsource: {product: windows}\ndetection:\n  a:\n    X: 1\n  condition: a and nothing\n");
    b.add_yaml("bad-mod.yml", "title: x\nlogsource: {product: windows}\ndetection:\n  a:\n    X|frobnicate: 1\n  condition: a\n");
    b.add_yaml("bad-re.yml", "title: x\nlogsource: {product: windows}\ndetection:\n  a:\n    X|re: '(?<=a)b'\n  condition: a\n");
    b.add_yaml("agg.yml", "title: x\nlogsource: {product: windows}\ndetection:\n  a:\n    X: 1\n  condition: a | count() > 5\n");
    let (_, r) = b.build();
    let codes: Vec<&str> = r.refused.iter().map(|x| x.reason.code()).collect();
    assert_eq!(
        codes,
        vec![
            "yaml",
            "not_a_rule",
            "condition",
            "modifier",
            "regex",
            "unsupported"
        ]
    );
    assert_eq!(r.rules_loaded, 0);
}

#[test]
fn engine_is_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<Engine>();
    check::<Event>();
}
