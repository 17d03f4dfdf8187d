use incident::observable::{Observable, ObservableError, ObservableKind as K, Tlp};
use proptest::prelude::*;

#[test]
fn detection_table() {
    let md5 = "D41D8CD98F00B204E9800998ECF8427E";
    let sha1 = "da39a3ee5e6b4b0d3255bfef95601890afd80709";
    let sha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    let sha512 = "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e";
    let good: &[(&str, K, &str)] = &[
        ("1.2.3.4", K::Ipv4, "1.2.3.4"),
        (" 203.113.128.9 ", K::Ipv4, "203.113.128.9"),
        ("203[.]113[.]128[.]9", K::Ipv4, "203.113.128.9"),
        ("2001:DB8::1", K::Ipv6, "2001:db8::1"),
        ("[2001:db8::1]", K::Ipv6, "2001:db8::1"),
        ("14.160.0.0/11", K::Cidr, "14.160.0.0/11"),
        ("2001:db8::/32", K::Cidr, "2001:db8::/32"),
        ("1.2.3.4/32", K::Ipv4, "1.2.3.4"),
        ("Example.COM.", K::Domain, "example.com"),
        ("quangngai.gov.vn", K::Domain, "quangngai.gov.vn"),
        ("evil[.]xn--p1ai", K::Domain, "evil.xn--p1ai"),
        ("abc.com.py", K::Domain, "abc.com.py"),
        ("HTTP://Example.com", K::Url, "http://example.com/"),
        (
            "hxxps://evil[.]com:443/login?u=1",
            K::Url,
            "https://evil.com/login?u=1",
        ),
        (
            "http://1.2.3.4:8080/a.php",
            K::Url,
            "http://1.2.3.4:8080/a.php",
        ),
        (
            "ftp://user:pw@files.example.org/x",
            K::Url,
            "ftp://user:pw@files.example.org/x",
        ),
        ("http://[2001:db8::1]:80/", K::Url, "http://[2001:db8::1]/"),
        (
            "https://example.com?q=1",
            K::Url,
            "https://example.com/?q=1",
        ),
        ("Admin@Quangngai.GOV.vn", K::Email, "admin@quangngai.gov.vn"),
        ("mailto:a.b@example.com", K::Email, "a.b@example.com"),
        ("phish[@]evil[.]com", K::Email, "phish@evil.com"),
        (md5, K::Md5, "d41d8cd98f00b204e9800998ecf8427e"),
        (sha1, K::Sha1, sha1),
        (sha256, K::Sha256, sha256),
        (sha512, K::Sha512, sha512),
        ("invoice.pdf.exe", K::FileName, "invoice.pdf.exe"),
        ("Hóa đơn tháng 5.docm", K::FileName, "Hóa đơn tháng 5.docm"),
        ("shell.php", K::FileName, "shell.php"),
        ("update.zip", K::FileName, "update.zip"),
        ("payload.SH", K::FileName, "payload.SH"),
    ];
    for (input, kind, value) in good {
        let o = Observable::detect(input).unwrap_or_else(|e| panic!("{input}: {e}"));
        assert_eq!((o.kind(), o.value()), (*kind, *value), "{input}");
        assert_eq!(o.to_string().parse::<Observable>().unwrap(), o, "{input}");
    }

    let bad: &[(&str, &str)] = &[
        ("1.2.3.999", "not a valid IPv4"),
        ("http://", "has no host"),
        ("abc", "cannot tell"),
        (&"a".repeat(63), "63 hex digits"),
        ("", "empty"),
        ("   ", "empty"),
        ("10.0.0.1/24", "10.0.0.0/24"),
        ("10.0.0.0/33", "longer than 32"),
        ("gopher://example.com/", "only http"),
        ("http://exa mple.com/", "spaces"),
        ("http://1.2.3.999/", "not an IPv4"),
        ("http://localhost/", "not a host name"),
        ("http://example.com:99999/", "not a port"),
        ("a@b", "not a valid E-mail"),
        ("2001:db8::zz", "Invalid"),
        ("2001:db8:::1", "not a valid IPv6"),
        ("bộcôngan.vn", "punycode"),
        ("C:\\Windows\\evil.exe", "cannot tell"),
        ("example.1", "cannot tell"),
    ];
    for (input, needle) in bad {
        let e = Observable::detect(input).expect_err(input);
        let text = format!("{e} {e:?}");
        assert!(text.contains(needle), "{input}: {text}");
        assert!(!e.message_vi().is_empty());
    }
    assert!(matches!(
        Observable::detect(&"b".repeat(63)),
        Err(ObservableError::BadHashLength { len: 63, .. })
    ));
}

#[test]
fn explicit_kinds() {
    let f = Observable::parse_as(K::FileName, "abc").unwrap();
    assert_eq!((f.kind(), f.value()), (K::FileName, "abc"));
    assert!(Observable::parse_as(K::FileName, "../etc/passwd").is_err());
    assert!(Observable::parse_as(K::Ipv4, "2001:db8::1").is_err());
    assert!(Observable::parse_as(K::Sha1, "d41d8cd98f00b204e9800998ecf8427e").is_err());
    assert_eq!(
        Observable::parse_as(K::Cidr, "1.2.3.4").unwrap().value(),
        "1.2.3.4/32"
    );
    assert_eq!(
        Observable::parse_as(K::Domain, "malware.exe")
            .unwrap()
            .value(),
        "malware.exe"
    );
    // Serde re-validates.
    let o = Observable::detect("evil.com").unwrap();
    let j = serde_json::to_value(&o).unwrap();
    assert_eq!(
        j,
        serde_json::json!({"kind": "domain", "value": "evil.com"})
    );
    assert_eq!(serde_json::from_value::<Observable>(j).unwrap(), o);
    assert!(serde_json::from_value::<Observable>(
        serde_json::json!({"kind": "ipv4", "value": "1.2.3.999"})
    )
    .is_err());
}

#[test]
fn links_between_observables() {
    let url = Observable::detect("http://evil.com:8080/x").unwrap();
    let keys = url.correlation_keys();
    assert_eq!(keys[1], Observable::detect("evil.com").unwrap());
    let url6 = Observable::detect("http://[2001:db8::1]/").unwrap();
    assert_eq!(url6.host().unwrap().kind(), K::Ipv6);
    let mail = Observable::detect("x@evil.com").unwrap();
    assert_eq!(mail.host().unwrap().value(), "evil.com");
    let block = Observable::detect("203.113.128.0/18").unwrap();
    assert!(block.covers(&Observable::detect("203.113.130.7").unwrap()));
    assert!(block.covers(&Observable::detect("203.113.128.0/24").unwrap()));
    assert!(!block.covers(&Observable::detect("203.113.0.0/16").unwrap()));
    assert!(!block.covers(&Observable::detect("8.8.8.8").unwrap()));
    assert!(Observable::detect("10.1.2.3")
        .unwrap()
        .is_internal_address());
    assert!(Observable::detect("fe80::1").unwrap().is_internal_address());
    assert!(!Observable::detect("203.113.130.7")
        .unwrap()
        .is_internal_address());
}

#[test]
fn tlp_order_labels_and_parsing() {
    assert!(Tlp::Clear < Tlp::Green && Tlp::Green < Tlp::Amber);
    assert!(Tlp::Amber < Tlp::AmberStrict && Tlp::AmberStrict < Tlp::Red);
    for t in Tlp::ALL {
        assert_eq!(t.as_str().parse::<Tlp>().unwrap(), *t);
        assert_eq!(t.label_en().parse::<Tlp>().unwrap(), *t);
        assert_eq!(t.label_vi().parse::<Tlp>().unwrap(), *t);
        assert_eq!(t.misp_tag().parse::<Tlp>().unwrap(), *t);
    }
    assert_eq!("TLP:WHITE".parse::<Tlp>().unwrap(), Tlp::Clear);
    assert_eq!("amber+strict".parse::<Tlp>().unwrap(), Tlp::AmberStrict);
    assert_eq!(Tlp::AmberStrict.misp_tag(), "tlp:amber+strict");
    assert!("purple".parse::<Tlp>().is_err());
    assert!(!incident::visible(Tlp::Red, false));
    assert!(incident::visible(Tlp::Red, true));
    assert!(incident::visible(Tlp::AmberStrict, false));
}

fn observable_like() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<[u8; 4]>().prop_map(|b| format!("{}.{}.{}.{}", b[0], b[1], b[2], b[3])),
        (any::<[u8; 4]>(), 0u8..=40)
            .prop_map(|(b, p)| format!("{}.{}.{}.{}/{p}", b[0], b[1], b[2], b[3])),
        any::<[u16; 8]>().prop_map(|s| std::net::Ipv6Addr::from(s).to_string()),
        "[a-zA-Z0-9-]{1,12}(\\.[a-zA-Z0-9-]{1,12}){1,3}",
        "(http|HTTPS|ftp|hxxp|gopher)://[a-zA-Z0-9.:@\\[\\]-]{0,30}(/[ -~]{0,20})?",
        "(http|HTTPS|ftp|hxxps)://([a-z]{1,5}(:[a-z]{0,4})?@)?[a-z0-9-]{1,10}(\\.|\\[\\.\\])[a-z]{2,5}(:[0-9]{0,5})?([/?#][!-~]{0,20})?",
        "[a-zA-Z0-9._%+-]{1,12}@[a-zA-Z0-9.-]{1,20}",
        "[0-9a-fA-F]{0,130}",
        "[\\PC]{1,20}\\.(exe|docx|zip|php|com|py)",
        "\\PC{0,40}",
        ".{0,60}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn detection_never_panics_and_normal_forms_are_stable(s in observable_like()) {
        if let Ok(o) = Observable::detect(&s) {
            let again = Observable::detect(o.value());
            prop_assert_eq!(again.as_ref(), Ok(&o), "input {:?}", s);
            let explicit = Observable::parse_as(o.kind(), o.value());
            prop_assert_eq!(explicit.as_ref(), Ok(&o), "input {:?}", s);
            let _ = o.correlation_keys();
            let _ = o.is_internal_address();
        }
    }

    #[test]
    fn explicit_parsing_never_panics_and_is_stable(s in observable_like(), k in 0usize..11) {
        let kind = K::ALL[k];
        if let Ok(o) = Observable::parse_as(kind, &s) {
            prop_assert_eq!(o.kind(), kind);
            prop_assert_eq!(Observable::parse_as(kind, o.value()), Ok(o.clone()), "input {:?}", s);
        }
    }
}
