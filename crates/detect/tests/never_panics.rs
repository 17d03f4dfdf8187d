//! Property tests: the rule compiler and the readers never panic on arbitrary input.

use detect::read::{EvtxEvents, JsonEvents};
use detect::{Config, EngineBuilder, Event};
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
