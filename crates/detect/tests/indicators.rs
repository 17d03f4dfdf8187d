//! Indicators: matching rules (subdomains, blocks, hash case, Sysmon's Hashes,
//! URLs, file names, expiry) and the three loaders on real-shaped files.

use detect::indicators::load::{load, LoadOptions};
use detect::indicators::{FieldMap, Indicator, IndicatorSet, Observable, Tlp};
use detect::Event;

const NOW: i64 = 1_780_000_000_000; // 2026-05-28

fn ind(text: &str) -> Indicator {
    Indicator {
        observable: Observable::detect(text).unwrap(),
        source: "test".into(),
        tlp: Tlp::Amber,
        valid_until: None,
        id: None,
    }
}

fn set(values: &[&str]) -> IndicatorSet {
    IndicatorSet::build(
        values.iter().map(|v| ind(v)).collect(),
        FieldMap::default(),
        NOW,
    )
}

/// The values of the indicators that hit an event of one field.
fn hits(s: &IndicatorSet, field: &str, value: &str) -> Vec<String> {
    let ev = Event::new().with(field, value);
    let mut sc = s.scanner();
    sc.scan(&ev)
        .iter()
        .map(|h| s.indicators()[h.indicator].observable.value().to_string())
        .collect()
}

#[test]
fn a_domain_matches_its_subdomains_case_and_trailing_dot() {
    let s = set(&["evil.example"]);
    assert_eq!(hits(&s, "QueryName", "evil.example"), ["evil.example"]);
    assert_eq!(hits(&s, "QueryName", "WWW.Evil.Example."), ["evil.example"]);
    assert_eq!(
        hits(&s, "dns.question.name", "a.b.evil.example"),
        ["evil.example"]
    );
    assert!(hits(&s, "QueryName", "notevil.example").is_empty());
    assert!(hits(&s, "QueryName", "evil.example.com").is_empty());
    assert!(hits(&s, "QueryName", "example").is_empty());
    // Only in the fields the mapping names.
    assert!(hits(&s, "CommandLine", "evil.example").is_empty());
}

#[test]
fn addresses_and_blocks_v4_and_v6() {
    let s = set(&["203.0.113.0/24", "198.51.100.7", "2001:db8:bad::/48"]);
    assert_eq!(
        hits(&s, "DestinationIp", "203.0.113.200"),
        ["203.0.113.0/24"]
    );
    assert_eq!(hits(&s, "src_ip", "198.51.100.7"), ["198.51.100.7"]);
    assert!(hits(&s, "src_ip", "198.51.100.8").is_empty());
    assert!(hits(&s, "SourceIp", "203.0.114.1").is_empty());
    assert_eq!(
        hits(&s, "SourceIp", "2001:db8:bad:1::5"),
        ["2001:db8:bad::/48"]
    );
    assert_eq!(
        hits(&s, "SourceIp", "2001:DB8:BAD::1"),
        ["2001:db8:bad::/48"]
    );
    assert!(hits(&s, "SourceIp", "2001:db8:bae::1").is_empty());
    // A host field holding an address.
    assert_eq!(
        hits(&s, "DestinationHostname", "198.51.100.7"),
        ["198.51.100.7"]
    );
}

#[test]
fn the_most_specific_block_is_reported() {
    let s = set(&["10.0.0.0/8", "10.1.0.0/16"]);
    assert_eq!(hits(&s, "SourceIp", "10.1.2.3"), ["10.1.0.0/16"]);
    assert_eq!(hits(&s, "SourceIp", "10.2.2.3"), ["10.0.0.0/8"]);
}

const MD5: &str = "44d88612fea8a8f36de82e1278abb02f";
const SHA1: &str = "3395856ce81f2b7382dee72602f798b642f14140";
const SHA256: &str = "275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f";

#[test]
fn hashes_match_whatever_their_case() {
    let s = set(&[&MD5.to_uppercase(), SHA1, SHA256]);
    assert_eq!(hits(&s, "md5", MD5), [MD5]);
    assert_eq!(hits(&s, "file.hash.sha1", &SHA1.to_uppercase()), [SHA1]);
    assert_eq!(hits(&s, "sha256", SHA256), [SHA256]);
    assert!(hits(&s, "sha256", &SHA256[1..]).is_empty());
}

#[test]
fn sysmon_hashes_field() {
    let s = set(&[SHA256]);
    let v = format!(
        "SHA1=0000000000000000000000000000000000000000,MD5=11111111111111111111111111111111,SHA256={},IMPHASH=22222222222222222222222222222222",
        SHA256.to_uppercase()
    );
    assert_eq!(hits(&s, "Hashes", &v), [SHA256]);
    // An import hash is not a file hash, even when it equals a listed MD5.
    let s = set(&[MD5]);
    assert!(hits(&s, "Hashes", &format!("SHA1={SHA1},IMPHASH={MD5}")).is_empty());
    assert_eq!(hits(&s, "Hashes", &format!("MD5={MD5},IMPHASH=00")), [MD5]);
}

#[test]
fn urls_are_compared_in_their_normal_form_and_their_host_as_a_domain() {
    let s = set(&["hxxp://Bad-Site[.]example:80/Payload.php", "c2.example"]);
    assert_eq!(
        hits(&s, "url", "HTTP://BAD-SITE.example/Payload.php"),
        ["http://bad-site.example/Payload.php"]
    );
    assert!(hits(&s, "url", "http://bad-site.example/payload.php").is_empty());
    assert_eq!(
        hits(&s, "url.full", "https://x.c2.example/a?b=c"),
        ["c2.example"]
    );
}

#[test]
fn file_names_match_the_last_part_of_a_path() {
    let s = IndicatorSet::build(
        vec![Indicator {
            observable: Observable::parse_as(
                detect::indicators::ObservableKind::FileName,
                "Mimikatz.exe",
            )
            .unwrap(),
            ..ind("example.org")
        }],
        FieldMap::default(),
        NOW,
    );
    assert_eq!(
        hits(&s, "Image", "C:\\Users\\a\\MIMIKATZ.EXE"),
        ["Mimikatz.exe"]
    );
    assert_eq!(hits(&s, "file.path", "/tmp/mimikatz.exe"), ["Mimikatz.exe"]);
    assert!(hits(&s, "Image", "C:\\mimikatz.exe.bak").is_empty());
}

#[test]
fn expired_indicators_do_not_match() {
    let mut old = ind("old.example");
    old.valid_until = Some(NOW - 1);
    let mut soon = ind("soon.example");
    soon.valid_until = Some(NOW + 1000);
    let s = IndicatorSet::build(vec![old, soon], FieldMap::default(), NOW);
    assert_eq!(s.stats.expired, 1);
    assert!(hits(&s, "QueryName", "old.example").is_empty());
    assert_eq!(hits(&s, "QueryName", "soon.example"), ["soon.example"]);
    let mut sc = s.scanner();
    sc.set_now(NOW + 1001);
    assert!(sc
        .scan(&Event::new().with("QueryName", "soon.example"))
        .is_empty());
}

#[test]
fn duplicates_are_kept_once_under_the_first_source() {
    let mut a = ind("dup.example");
    a.source = "first".into();
    let mut b = ind("DUP.example");
    b.source = "second".into();
    let s = IndicatorSet::build(vec![a, b], FieldMap::default(), NOW);
    assert_eq!((s.len(), s.stats.duplicates), (1, 1));
    assert_eq!(&*s.indicators()[0].source, "first");
    assert_eq!(
        s.indicators()[0].title(),
        "indicator: domain dup.example (first)"
    );
}

#[test]
fn the_field_mapping_is_data() {
    let extra = FieldMap::from_yaml("indicators:\n  domain: [my_dns_field]\n").unwrap();
    let mut fields = FieldMap::default();
    fields.extend(extra);
    let s = IndicatorSet::build(vec![ind("evil.example")], fields, NOW);
    assert_eq!(hits(&s, "MY_DNS_FIELD", "evil.example"), ["evil.example"]);
    assert!(
        hits(&s, "QueryName", "evil.example").is_empty(),
        "the list was replaced"
    );
    assert!(FieldMap::from_yaml("indicators:\n  colour: [x]\n").is_err());
}

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/tests/data/ioc/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

fn values(l: &detect::indicators::load::Loaded) -> Vec<String> {
    l.indicators
        .iter()
        .map(|i| format!("{} {}", i.observable.kind().as_str(), i.observable.value()))
        .collect()
}

#[test]
fn plain_list_loader() {
    let l = load(&fixture("list.txt"), &LoadOptions::for_file("list.txt")).unwrap();
    assert_eq!(l.format, "plain");
    assert_eq!(
        values(&l),
        [
            "url http://bad-site.example/payload.php",
            "domain evil.example",
            "ipv4 198.51.100.23",
            "cidr 203.0.113.0/24",
            "cidr 2001:db8:bad::/48",
            "md5 44d88612fea8a8f36de82e1278abb02f",
            "sha1 3395856ce81f2b7382dee72602f798b642f14140",
            "sha256 275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f",
            "file_name mimikatz.exe",
            "file_name dropper",
            "domain old-expired.example",
        ]
    );
    let first = &l.indicators[0];
    assert_eq!(&*first.source, "VNCERT feed 2026-11");
    assert_eq!(first.tlp, Tlp::Green);
    assert_eq!(first.valid_until, None);
    assert!(l.indicators[10].valid_until.is_some_and(|t| t < NOW));
    let probs: Vec<String> = l.problems.iter().map(|p| p.to_string()).collect();
    assert_eq!(probs.len(), 2, "{probs:?}");
    assert!(probs[0].starts_with("line 17: "), "{probs:?}");
    assert!(probs[1].starts_with("line 18: "), "{probs:?}");
    let s = IndicatorSet::build(l.indicators, FieldMap::default(), NOW);
    assert_eq!(s.stats.expired, 1);
}

#[test]
fn stix_bundle_loader() {
    let l = load(
        &fixture("bundle.json"),
        &LoadOptions::for_file("bundle.json"),
    )
    .unwrap();
    assert_eq!(l.format, "stix");
    assert_eq!(
        values(&l),
        [
            "ipv4 198.51.100.77",
            "cidr 192.0.2.0/25",
            "sha256 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            "domain phish.example",
            "domain stale.example",
        ]
    );
    let c2 = &l.indicators[0];
    assert_eq!(&*c2.source, "Trung tâm Giám sát An toàn không gian mạng");
    assert_eq!(c2.tlp, Tlp::Amber);
    assert_eq!(
        c2.id.as_deref(),
        Some("indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f")
    );
    assert_eq!(l.indicators[2].tlp, Tlp::Red, "TLP 1.0 red marking");
    assert_eq!(&*l.indicators[2].source, "bundle.json");
    assert_eq!(l.skipped.get("revoked"), Some(&1));
    // FOLLOWEDBY and a snort pattern: reported with their ids.
    assert_eq!(l.problems.len(), 2, "{:?}", l.problems);
    assert!(l.problems[0].position.contains("indicator--c2a1e0a4"));
    assert!(l.problems[1].reason.contains("snort"));
    let s = IndicatorSet::build(l.indicators, FieldMap::default(), NOW);
    assert_eq!(s.stats.expired, 1);
    assert_eq!(hits(&s, "DestinationIp", "192.0.2.100").len(), 1);
    assert!(hits(&s, "QueryName", "stale.example").is_empty());
}

#[test]
fn misp_event_loader() {
    let l = load(
        &fixture("misp-event.json"),
        &LoadOptions::for_file("misp-event.json"),
    )
    .unwrap();
    assert_eq!(l.format, "misp");
    assert_eq!(
        values(&l),
        [
            "ipv4 198.51.100.99",
            "ipv6 2001:db8::66",
            "domain thue-gov.example",
            "ipv4 192.0.2.200",
            "domain login.thue-gov.example",
            "url https://thue-gov.example/hoadon.zip",
            "sha256 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
            "md5 d41d8cd98f00b204e9800998ecf8427e",
            "file_name hoadon_thue.pdf.exe",
        ]
    );
    assert_eq!(&*l.indicators[0].source, "CIRCL");
    assert_eq!(l.indicators[0].tlp, Tlp::Green);
    assert_eq!(l.indicators[6].tlp, Tlp::Red, "the attribute's own tag");
    assert_eq!(l.indicators[0].id.as_deref(), Some("a1"));
    assert_eq!(l.skipped.get("to_ids false"), Some(&1));
    assert_eq!(l.skipped.get("deleted"), Some(&1));
    assert_eq!(l.skipped.get("type text"), Some(&1));
    assert_eq!(l.problems.len(), 1);
    assert_eq!(l.problems[0].position, "Event.Attribute[7]");
}

#[test]
fn json_that_is_neither_is_an_error() {
    assert!(load(b"{\"a\": 1}", &LoadOptions::for_file("x")).is_err());
    let e = load(b"{\"type\": \"bundle\", ", &LoadOptions::for_file("x")).unwrap_err();
    assert!(e.to_string().contains("line 1"), "{e}");
}

#[test]
fn one_event_many_fields() {
    let s = set(&["evil.example", "198.51.100.7", SHA256]);
    let ev = Event::new()
        .with("Image", "C:\\a.exe")
        .with("DestinationIp", "198.51.100.7")
        .with("DestinationHostname", "cdn.evil.example")
        .with("Hashes", format!("SHA256={SHA256}").as_str());
    let mut sc = s.scanner();
    let fields: Vec<usize> = sc.scan(&ev).iter().map(|h| h.field).collect();
    assert_eq!(fields, [1, 2, 3]);
}

#[test]
fn the_buffer_path_finds_the_same() {
    let s = set(&["evil.example", "198.51.100.7", SHA256]);
    let ev = Event::new()
        .with("EventID", 3i64)
        .with("DestinationIp", "198.51.100.7")
        .with("QueryName", "x.evil.example")
        .with("sha256", SHA256);
    let mut buf = detect::EventBuf::new();
    buf.fill_from(&ev);
    let mut sc = s.scanner();
    let a = sc.scan(&ev).to_vec();
    let b = sc.scan_buf(&buf).to_vec();
    assert_eq!(a.len(), 3);
    assert_eq!(a, b);
}
