//! Property tests: the parsers never panic, and each version ordering is a
//! total preorder.

use proptest::prelude::*;
use std::cmp::Ordering;
use vulnmatch::cpe::{is_match, Cpe};
use vulnmatch::feeds;
use vulnmatch::matching::{match_asset, InventoryItem};
use vulnmatch::version::{compare, Scheme};

const SCHEMES: [Scheme; 5] = [
    Scheme::Semver,
    Scheme::Deb,
    Scheme::Rpm,
    Scheme::Dotted,
    Scheme::Generic,
];

fn version_string() -> impl Strategy<Value = String> {
    prop_oneof![
        "[0-9a-z.~^+:_-]{0,12}",
        "[0-9]{1,2}(\\.[0-9]{1,3}){0,3}(-[a-z0-9]{1,3}(\\.[0-9]{1,2})?)?",
        "([0-9]:)?[0-9]{1,2}\\.[0-9]{1,2}(~|\\^|\\+)?[a-z0-9]{0,3}(-[0-9a-z.+~]{1,5})?",
        ".{0,8}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn orderings_are_total_preorders(a in version_string(), b in version_string(), c in version_string()) {
        for s in SCHEMES {
            let ab = compare(s, &a, &b);
            let ba = compare(s, &b, &a);
            // None exactly when one side is not a version of the scheme.
            prop_assert_eq!(ab.is_none(), ba.is_none());
            if let (Some(x), Some(y)) = (ab, ba) {
                prop_assert_eq!(x, y.reverse(), "{:?} {} {}", s, a, b);
            }
            if let Some(aa) = compare(s, &a, &a) {
                prop_assert_eq!(aa, Ordering::Equal);
            }
            let bc = compare(s, &b, &c);
            let ac = compare(s, &a, &c);
            if let (Some(x), Some(y), Some(z)) = (ab, bc, ac) {
                if x != Ordering::Greater && y != Ordering::Greater {
                    prop_assert!(z != Ordering::Greater, "{:?}: {} ≤ {} ≤ {} but not {} ≤ {}", s, a, b, c, a, c);
                }
                if x == Ordering::Equal && y == Ordering::Equal {
                    prop_assert_eq!(z, Ordering::Equal);
                }
            }
        }
    }

    #[test]
    fn feed_readers_never_panic_on_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let _ = feeds::read_feed("fuzz", &bytes);
        let mut gz = vec![0x1f, 0x8b];
        gz.extend_from_slice(&bytes);
        let _ = feeds::read_feed("fuzz.gz", &gz);
        let mut xz = vec![0xFD, b'7', b'z', b'X', b'Z', 0x00];
        xz.extend_from_slice(&bytes);
        let _ = feeds::read_feed("fuzz.xz", &xz);
    }

    #[test]
    fn cpe_and_table_parsers_never_panic(s in ".{0,120}") {
        if let Ok(c) = Cpe::parse(&s) {
            prop_assert!(is_match(&c, &c) || s.contains('*') || s.contains('?'));
        }
        let _ = Cpe::parse(&format!("cpe:2.3:{s}"));
        let _ = Cpe::parse(&format!("cpe:/{s}"));
        let _ = vulnmatch::priority::DecisionTable::parse_csv(&s);
        let _ = s.parse::<vulnmatch::CveId>();
    }
}

/// Arbitrary JSON in the places of the real records' values.
fn json_value() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<f64>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        "[*:a-z0-9.~-]{0,10}".prop_map(serde_json::Value::from),
        Just(serde_json::Value::from(
            "cpe:2.3:a:f5:big-ip:*:*:*:*:*:*:*:*"
        )),
        Just(serde_json::Value::from("CVE-2024-3400")),
        Just(serde_json::Value::from("2024-04-12")),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::from),
            proptest::collection::btree_map("[a-zA-Z]{1,8}", inner, 0..4)
                .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    })
}

fn data(path: &str) -> serde_json::Value {
    let b = std::fs::read(format!("{}/tests/data/{path}", env!("CARGO_MANIFEST_DIR"))).unwrap();
    serde_json::from_slice(&b).unwrap()
}

/// Replaces the value at a pseudo-random position of `doc` with `v`.
fn mutate(doc: &mut serde_json::Value, mut pick: u64, v: serde_json::Value) {
    let mut cur = doc;
    loop {
        let n = match cur {
            serde_json::Value::Object(m) => m.len(),
            serde_json::Value::Array(a) => a.len(),
            _ => 0,
        };
        if n == 0 || pick.is_multiple_of(4) {
            *cur = v;
            return;
        }
        let i = (pick / 4) as usize % n;
        pick /= 7;
        cur = match cur {
            serde_json::Value::Object(m) => m.values_mut().nth(i).unwrap(),
            serde_json::Value::Array(a) => &mut a[i],
            _ => unreachable!(),
        };
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn readers_and_matcher_never_panic_on_mutated_records(
        which in 0usize..5, pick in any::<u64>(), v in json_value()
    ) {
        let name = ["cve5/CVE-2023-46747.json", "nvd/CVE-2021-44228.json", "cve5/CVE-2024-3400.json", "icsa-24-004-01.json", "msrc/2024-Feb-excerpt.json"][which];
        let mut doc = data(name);
        mutate(&mut doc, pick, v);
        if let Ok(out) = feeds::read_feed(name, doc.to_string().as_bytes()) {
            let mut it = InventoryItem::new(1);
            it.software = vec![
                "F5|BIG-IP|17.1.0.3|dotted".parse().unwrap(),
                "Apache|Log4j|2.14.1|semver".parse().unwrap(),
                "Palo Alto Networks|PAN-OS|10.2.9|dotted".parse().unwrap(),
                "Microsoft|Windows Server 2022|10.0.20348.2227|dotted".parse().unwrap(),
            ];
            it.modules = vec!["APM".into()];
            it.hotfixes = vec!["Hotfix-BIGIP-17.1.0.3.0.75.4-ENG".into()];
            for v in &out.vulns {
                let _ = match_asset(v, &it);
                let _ = vulnmatch::priority::assess(
                    v,
                    &vulnmatch::priority::Context { internet_facing: true, security_level: 3, exposure: None },
                    &vulnmatch::priority::DecisionTable::deployer_v2(),
                    &vulnmatch::priority::Policy::default(),
                );
            }
        }
    }
}
