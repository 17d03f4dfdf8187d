//! Property tests: the rule compiler and the readers never panic on arbitrary input.

use detect::formats::{self, Format};
use detect::read::{EvtxEvents, JsonEvents};
use detect::{Config, EngineBuilder, Event};

/// Valid records of each line format, to be broken by the property tests.
const SEEDS: &[(Format, &str)] = &[
    (Format::Syslog, "<165>1 2003-10-11T22:14:15.003Z host app 12 ID47 [a@1 x=\"1\" y=\"\\]\"][b z=\"\"] msg\n<38>Oct  9 22:33:20 web1 sshd[4242]: Failed\n30 <13>Jan  1 00:00:00 h a: b\n"),
    (Format::Cef, "CEF:0|V|P|1|100|N\\|x|5|src=1.2.3.4 msg=a\\=b c cs1Label=L cs1=v\n<13>Jan  1 00:00:00 h CEF:0|a|b|c|d|e|f|k=v\n"),
    (Format::Auditd, "type=SYSCALL msg=audit(1700000000.123:42): ppid=1 pid=2 exe=\"/bin/sh\" UID=\"root\"\ntype=EXECVE msg=audit(1700000000.123:42): argc=2 a0=\"sh\" a1_len=4 a1[0]=6162 a1[1]=6364\ntype=USER_AUTH msg=audit(1.0:43): msg='op=PAM acct=\"root\" res=failed'\ntype=EOE msg=audit(1700000000.123:42):\n"),
    (Format::Eve, "{\"event_type\":\"dns\",\"src_ip\":\"1.1.1.1\",\"dns\":{\"rrname\":\"a\",\"answers\":[{\"rdata\":\"b\"}],\"grouped\":{\"A\":[\"c\"]}}}\n{\"event_type\":\"http\",\"http\":{\"url\":\"/a.php?x=1\"}}\n"),
    (Format::ZeekTsv, "#separator \\x09\n#set_separator\t,\n#fields\tts\tuid\tanswers\n#types\ttime\tstring\tvector[string]\n1.5\tC\ta,b\\x41\n"),
    (Format::ZeekJson, "{\"ts\":1700000000.5,\"uid\":\"C\",\"id.orig_h\":\"1.1.1.1\"}\n"),
];
use proptest::prelude::*;

const RULE: &str = "title: t\nlogsource: {product: windows, category: process_creation}\ndetection:\n  sel:\n    CommandLine|contains|all: ['a', 'b']\n    Image|windash|endswith: ' -x'\n  condition: sel\n";

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, .. ProptestConfig::default() })]

    #[test]
    fn compiler_never_panics_on_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        let mut b = EngineBuilder::new(Config::default());
        b.add_yaml("x.yml", &String::from_utf8_lossy(&bytes));
        let (e, _) = b.build();
        let _ = e.evaluate(&Event::new().with("CommandLine", "ab"));
    }

    #[test]
    fn compiler_never_panics_on_mutated_rules(pos in 0usize..RULE.len(), junk in "[\\[\\]{}|:*?\\\\ 'a-z0-9%-]{0,12}") {
        let mut text = RULE.to_string();
        let p = (0..=pos).rev().find(|p| text.is_char_boundary(*p)).unwrap_or(0);
        text.insert_str(p, &junk);
        let mut b = EngineBuilder::new(Config::default());
        b.add_yaml("x.yml", &text);
        let (e, _) = b.build();
        let ev = Event::new().with("Channel", "Security").with("EventID", 4688i64).with("CommandLine", junk.as_str());
        let _ = e.evaluate(&ev);
    }

    #[test]
    fn json_reader_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..800)) {
        let n = JsonEvents::new(&bytes[..], "x.json").take(1000).count();
        prop_assert!(n <= 1000);
    }

    #[test]
    fn line_readers_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..1200)) {
        for f in Format::ALL {
            if f == Format::Evtx {
                continue;
            }
            let (_, evs) = formats::open(std::io::Cursor::new(bytes.clone()), "x", Some(f)).unwrap();
            let n = evs.take(2000).count();
            prop_assert!(n <= 2000);
            let _ = formats::parse_record(f, &bytes);
        }
        let _ = formats::sniff(&bytes, "x");
        let (_, evs) = formats::open(std::io::Cursor::new(bytes.clone()), "x", None).unwrap();
        let _ = evs.take(2000).count();
    }

    #[test]
    fn line_readers_never_panic_on_near_records(
        pick in 0usize..SEEDS.len(),
        pos in 0usize..200,
        junk in "[\\x00-\\x7f\\u{1d}\\u{feff}é<>\\[\\]\"'=|:{} 0-9a-z]{0,16}",
    ) {
        let (format, seed) = SEEDS[pick];
        let mut text = seed.to_string();
        let p = (0..=pos.min(text.len())).rev().find(|p| text.is_char_boundary(*p)).unwrap_or(0);
        text.insert_str(p, &junk);
        let (_, evs) = formats::open(std::io::Cursor::new(text.clone().into_bytes()), "x", Some(format)).unwrap();
        let _ = evs.take(1000).count();
        let _ = formats::parse_record(format, text.as_bytes());
    }

    #[test]
    fn evtx_reader_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..5000)) {
        let mut data = b"ElfFile\0".to_vec();
        data.extend_from_slice(&bytes);
        let _ = EvtxEvents::new(std::io::Cursor::new(data), "x.evtx").take(1000).count();
        let _ = EvtxEvents::new(std::io::Cursor::new(bytes), "y.evtx").take(1000).count();
    }
}

#[test]
fn json_reader_reports_bad_records_and_reads_on() {
    let text = b"{\"EventID\": 1}\nnot json\n{\"EventID\": 2, \"x\": [1,2]}\n{\"broken\": \n{\"EventID\": 3}\n";
    let items: Vec<_> = JsonEvents::new(&text[..], "f.json").collect();
    let ok = items.iter().filter(|r| r.is_ok()).count();
    let errs: Vec<_> = items.iter().filter_map(|r| r.as_ref().err()).collect();
    assert!(ok >= 2, "{items:?}");
    assert!(!errs.is_empty());
    assert_eq!(errs[0].source_name, "f.json");
    assert_eq!(errs[0].position, "line 2");
}

#[test]
fn line_readers_report_bad_records_and_read_on() {
    let cases: &[(Format, &str, &str)] = &[
        (
            Format::Syslog,
            "<13>Jan  1 00:00:00 h a: one\nnot syslog\n<13>Jan  1 00:00:01 h a: two\n",
            "line 2",
        ),
        (
            Format::Cef,
            "CEF:0|a|b|c|d|e|f|k=v\nCEF:0|broken\nCEF:0|a|b|c|d|e|f|k=w\n",
            "line 2",
        ),
        (
            Format::Auditd,
            "type=EOE msg=audit(1.0:1):\ngarbage\ntype=EOE msg=audit(1.0:2):\n",
            "line 2",
        ),
        (
            Format::Eve,
            "{\"event_type\":\"flow\"}\n{\"event_type\":\n{\"event_type\":\"tls\"}\n",
            "line 2",
        ),
        (
            Format::ZeekJson,
            "{\"uid\":\"a\"}\n[1,\n{\"uid\":\"b\"}\n",
            "line 2",
        ),
        (Format::ZeekTsv, "#fields\ta\tb\n1\t2\n1\n3\t4\n", "line 3"),
    ];
    for (format, text, pos) in cases {
        let (_, evs) = formats::open(
            std::io::Cursor::new(text.as_bytes().to_vec()),
            "f.log",
            Some(*format),
        )
        .unwrap();
        let items: Vec<_> = evs.collect();
        let errs: Vec<_> = items.iter().filter_map(|r| r.as_ref().err()).collect();
        assert_eq!(items.len() - errs.len(), 2, "{format}: {items:?}");
        assert_eq!(errs.len(), 1, "{format}: {errs:?}");
        assert_eq!(errs[0].source_name, "f.log");
        assert_eq!(errs[0].position, *pos, "{format}");
    }
}

#[test]
fn evtx_reader_reports_a_file_that_is_not_evtx() {
    let items: Vec<_> =
        EvtxEvents::new(std::io::Cursor::new(b"hello".to_vec()), "h.evtx").collect();
    assert_eq!(items.len(), 1);
    assert!(items[0]
        .as_ref()
        .unwrap_err()
        .message
        .contains("not an EVTX file"));
}

mod indicators_and_correlations {
    use detect::correlation::Limits;
    use detect::indicators::load::{load, LoadOptions};
    use detect::indicators::{FieldMap, IndicatorSet};
    use detect::{Config, Correlator, EngineBuilder, Event};
    use proptest::prelude::*;

    const FIXTURES: [&str; 3] = [
        include_str!("data/ioc/list.txt"),
        include_str!("data/ioc/bundle.json"),
        include_str!("data/ioc/misp-event.json"),
    ];

    const CORR: &str = include_str!("data/correlation/pw_guessing.yml");

    fn load_and_scan(bytes: &[u8], value: &str) {
        if let Ok(l) = load(bytes, &LoadOptions::for_file("x")) {
            let s = IndicatorSet::build(l.indicators, FieldMap::default(), 0);
            let mut sc = s.scanner();
            for f in ["QueryName", "Hashes", "url", "SourceIp", "Image"] {
                let _ = sc.scan(&Event::new().with(f, value));
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 300, .. ProptestConfig::default() })]

        #[test]
        fn indicator_loaders_never_panic_on_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
            load_and_scan(&bytes, &String::from_utf8_lossy(&bytes));
            let mut json = b"{\"type\":\"bundle\",\"objects\":[{\"type\":\"indicator\",\"pattern\":\"".to_vec();
            json.extend(bytes.iter().filter(|b| **b != b'"' && **b != b'\\' && **b >= 0x20));
            json.extend_from_slice(b"\"}]}");
            load_and_scan(&json, "x");
        }

        #[test]
        fn indicator_loaders_never_panic_on_mutated_files(which in 0usize..3, pos in 0usize..4000, junk in "[\\[\\]{}|:,'\"=./a-f0-9 #\\n-]{0,16}") {
            let mut text = FIXTURES[which].to_string();
            let p = (0..=pos.min(text.len())).rev().find(|p| text.is_char_boundary(*p)).unwrap_or(0);
            text.insert_str(p, &junk);
            load_and_scan(text.as_bytes(), &junk);
        }

        #[test]
        fn scanning_never_panics(value in "\\PC{0,80}", field in "(QueryName|Hashes|url|SourceIp|Image|md5)") {
            let l = load(FIXTURES[0].as_bytes(), &LoadOptions::for_file("x")).unwrap();
            let s = IndicatorSet::build(l.indicators, FieldMap::default(), 0);
            let _ = s.scanner().scan(&Event::new().with(&field, value.as_str()));
        }

        #[test]
        fn correlations_never_panic(pos in 0usize..CORR.len(), junk in "[\\[\\]{}|:*?\\\\ 'a-z0-9%-]{0,12}", times in proptest::collection::vec(-5_000_000i64..5_000_000, 0..40)) {
            let mut text = CORR.to_string();
            let p = (0..=pos).rev().find(|p| text.is_char_boundary(*p)).unwrap_or(0);
            text.insert_str(p, &junk);
            let mut b = EngineBuilder::new(Config::default());
            b.add_yaml("x.yml", &text);
            let (e, _) = b.build();
            let mut c = Correlator::new(e.correlations(), Limits { max_groups: 3, max_values: 4, max_delay_ms: 1000 });
            for (i, t) in times.iter().enumerate() {
                for r in 0..e.rules().len() {
                    let ip = (i % 5).to_string();
                    let _ = c.feed(*t, r, &|_f: &str| Some(ip.clone()));
                }
            }
            let _ = c.flush();
        }
    }
}
