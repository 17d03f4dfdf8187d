//! Property tests: the rule compiler and the readers never panic on arbitrary input.

use detect::read::{EvtxEvents, JsonEvents};
use detect::{Config, EngineBuilder, Event, EventBuf};
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
    fn json_next_into_never_panics_and_agrees(bytes in proptest::collection::vec(any::<u8>(), 0..800)) {
        // The allocation-free path reads what the iterator reads.
        let owned: Vec<_> = JsonEvents::new(&bytes[..], "x.json").take(1000).collect();
        let mut r = JsonEvents::new(&bytes[..], "x.json");
        let mut buf = EventBuf::new();
        let mut n = 0;
        while let Some(res) = r.next_into(&mut buf) {
            prop_assert!(n < owned.len());
            match (&owned[n], res) {
                (Ok(ev), Ok(())) => prop_assert_eq!(ev, &buf.to_event()),
                (Err(a), Err(b)) => prop_assert_eq!(a, &b),
                (a, b) => prop_assert!(false, "{:?} vs {:?}", a, b),
            }
            n += 1;
            if n >= 1000 {
                break;
            }
        }
        prop_assert_eq!(n, owned.len());
    }

    #[test]
    fn json_lines_of_arbitrary_text_never_panic(lines in proptest::collection::vec("[{}\\[\\]\":,a-z0-9 \\\\]{0,40}", 0..20)) {
        let text = lines.join("\n");
        let mut r = JsonEvents::new(text.as_bytes(), "x.json");
        let mut buf = EventBuf::new();
        let (e, _) = {
            let mut b = EngineBuilder::new(Config::default());
            b.add_yaml("r.yml", RULE);
            b.build()
        };
        let mut s = e.scanner();
        let mut n = 0;
        while let Some(res) = r.next_into(&mut buf) {
            if res.is_ok() {
                let _ = s.scan_buf(&buf);
            }
            n += 1;
            prop_assert!(n < 10_000);
        }
    }

    #[test]
    fn evtx_next_into_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..3000)) {
        let mut data = b"ElfFile\0".to_vec();
        data.extend_from_slice(&bytes);
        let mut r = EvtxEvents::new(std::io::Cursor::new(data), "x.evtx");
        let mut buf = EventBuf::new();
        let mut n = 0;
        while r.next_into(&mut buf).is_some() && n < 1000 {
            n += 1;
        }
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
