//! The compact form of records (`vulnmatch::compact`) on random records and
//! random bytes: a record comes back as matching and the priority read it,
//! and bytes that are not a compact record are refused without a panic.
//! (The real records are held to it in `matching.rs`.)

use proptest::prelude::*;
use vulnmatch::compact::{self, CompactError, Decoder};
use vulnmatch::cpe::Cpe;
use vulnmatch::matching::{InventoryItem, VulnIndex};
use vulnmatch::model::*;

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z0-9 ._*-]{0,12}",
        "[0-9]{1,2}(\\.[0-9]{1,2}){0,3}",
        ".{0,6}",
        Just(String::new()),
    ]
}

fn opt_text() -> impl Strategy<Value = Option<String>> {
    proptest::option::of(text())
}

fn cpe() -> impl Strategy<Value = Cpe> {
    prop_oneof![
        Just("cpe:2.3:a:f5:big-ip_access_policy_manager:*:*:*:*:*:*:*:*"),
        Just("cpe:2.3:a:apache:log4j:2.0:beta9:*:*:*:*:*:*"),
        Just("cpe:2.3:o:microsoft:windows_10_22h2:10.0.19045.4046:*:*:*:*:*:x64:*"),
        Just("cpe:2.3:a:*:openssh:*:*:*:*:*:*:*:*"),
        Just("cpe:2.3:a:vendor\\:x:pro?uct*:1.0:*:*:*:*:*:*:*"),
        Just("cpe:/o:redhat:enterprise_linux:9::baseos"),
        Just("cpe:2.3:h:fortinet:fortigate-60f:-:*:*:*:*:*:*:*"),
    ]
    .prop_map(|s| Cpe::parse(s).unwrap())
}

fn status() -> impl Strategy<Value = Status> {
    prop_oneof![
        Just(Status::Affected),
        Just(Status::Unaffected),
        Just(Status::Unknown)
    ]
}

fn source() -> impl Strategy<Value = Source> {
    prop_oneof![
        Just(Source::Cve5Cna),
        Just(Source::Cve5Adp),
        Just(Source::Csaf),
        Just(Source::Nvd),
        Just(Source::Kev),
        Just(Source::Epss),
    ]
}

fn operator() -> impl Strategy<Value = Operator> {
    prop_oneof![Just(Operator::And), Just(Operator::Or)]
}

fn date() -> impl Strategy<Value = Option<chrono::NaiveDate>> {
    proptest::option::of(
        (-400_000i32..4_000_000)
            .prop_filter_map("a day", chrono::NaiveDate::from_num_days_from_ce_opt),
    )
}

fn range() -> impl Strategy<Value = VersionRange> {
    (
        text(),
        status(),
        opt_text(),
        opt_text(),
        opt_text(),
        proptest::collection::vec((text(), status()), 0..3),
    )
        .prop_map(|(version, status, lt, le, vt, changes)| VersionRange {
            version,
            status,
            less_than: lt,
            less_than_or_equal: le,
            version_type: vt,
            changes: changes
                .into_iter()
                .map(|(at, status)| Change { at, status })
                .collect(),
        })
}

fn rule() -> impl Strategy<Value = AffectedRule> {
    (
        (source(), text(), opt_text(), opt_text(), opt_text()),
        (
            proptest::collection::vec(text(), 0..3),
            proptest::collection::vec(cpe(), 0..3),
            proptest::collection::vec(text(), 0..2),
            status(),
        ),
        (
            proptest::collection::vec(range(), 0..4),
            proptest::collection::vec(text(), 0..2),
            any::<bool>(),
        ),
    )
        .prop_map(
            |(
                (source, origin, vendor, product, package_name),
                (modules, cpes, platforms, default_status),
                (versions, fixes, whole_name),
            )| AffectedRule {
                source,
                origin,
                vendor,
                product,
                package_name,
                modules,
                cpes,
                platforms,
                default_status,
                versions,
                fixes,
                whole_name,
            },
        )
}

fn criterion() -> impl Strategy<Value = CpeMatch> {
    (
        any::<bool>(),
        cpe(),
        opt_text(),
        (opt_text(), opt_text(), opt_text(), opt_text()),
    )
        .prop_map(|(vulnerable, criteria, id, (si, se, ei, ee))| CpeMatch {
            vulnerable,
            criteria,
            match_criteria_id: id,
            version_start_including: si,
            version_start_excluding: se,
            version_end_including: ei,
            version_end_excluding: ee,
        })
}

fn config() -> impl Strategy<Value = NvdConfig> {
    let node = (
        operator(),
        any::<bool>(),
        proptest::collection::vec(criterion(), 0..4),
    )
        .prop_map(|(operator, negate, matches)| NvdNode {
            operator,
            negate,
            matches,
        });
    (
        operator(),
        any::<bool>(),
        proptest::collection::vec(node, 0..3),
    )
        .prop_map(|(operator, negate, nodes)| NvdConfig {
            operator,
            negate,
            nodes,
        })
}

fn cvss() -> impl Strategy<Value = Cvss> {
    (
        prop_oneof![
            Just(CvssVersion::V2),
            Just(CvssVersion::V30),
            Just(CvssVersion::V31),
            Just(CvssVersion::V40)
        ],
        0.0f32..10.0,
        prop_oneof![
            Just("AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H".to_string()),
            text()
        ],
        prop_oneof![
            Just("nvd@nist.gov".to_string()),
            Just("cna:f5".to_string()),
            text()
        ],
    )
        .prop_map(|(version, base_score, vector, source)| Cvss {
            version,
            base_score,
            vector,
            source,
        })
}

fn kev() -> impl Strategy<Value = Kev> {
    (
        date(),
        date(),
        any::<bool>(),
        (opt_text(), opt_text(), opt_text(), opt_text(), opt_text()),
    )
        .prop_map(
            |(date_added, due_date, ransomware, (ra, vp, product, name, notes))| Kev {
                date_added,
                due_date,
                ransomware,
                required_action: ra,
                vendor_project: vp,
                product,
                name,
                notes,
            },
        )
}

fn epss() -> impl Strategy<Value = Epss> {
    (
        0.0f32..1.0,
        proptest::option::of(0.0f32..1.0),
        opt_text(),
        date(),
    )
        .prop_map(|(score, percentile, model_version, score_date)| Epss {
            score,
            percentile,
            model_version,
            score_date,
        })
}

fn vuln() -> impl Strategy<Value = Vuln> {
    (
        (1999u16..2100, 0u64..100_000_000),
        proptest::collection::vec(cvss(), 0..3),
        proptest::collection::vec(rule(), 0..4),
        proptest::collection::vec(config(), 0..3),
        (
            proptest::option::of(kev()),
            proptest::option::of(epss()),
            proptest::option::of((opt_text(), opt_text(), opt_text())),
            opt_text(),
        ),
    )
        .prop_map(
            |((year, number), cvss, affected, configurations, (kev, epss, ssvc, title))| {
                let id: CveId = format!("CVE-{year}-{number:04}").parse().unwrap();
                let mut v = Vuln::new(id);
                v.title = title;
                v.description = Some("left out of the compact form".into());
                v.references = vec!["https://example.org".into()];
                v.modified.insert(Source::Nvd, "2024-01-01T00:00:00".into());
                v.cvss = cvss;
                v.affected = affected;
                v.configurations = configurations;
                v.kev = kev;
                v.epss = epss;
                v.ssvc = ssvc.map(|(e, a, t)| AdpSsvc {
                    exploitation: e,
                    automatable: a,
                    technical_impact: t,
                });
                v
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 500, ..ProptestConfig::default() })]

    /// A record comes back as matching and the priority read it, and
    /// matches an inventory of the names it holds as the record does.
    #[test]
    fn random_records_survive_their_compact_form(vulns in proptest::collection::vec(vuln(), 1..6)) {
        let mut d = Decoder::new();
        let back: Vec<Vuln> = vulns
            .iter()
            .map(|v| d.decode(&compact::encode(v)).unwrap())
            .collect();
        for (v, b) in vulns.iter().zip(&back) {
            prop_assert_eq!(b, &compact::matching_part(v));
        }
        // Every product, package and CPE name the records hold, at each
        // version they name.
        let mut items = Vec::new();
        for (i, r) in vulns.iter().flat_map(|v| &v.affected).enumerate() {
            for x in &r.versions {
                let mut it = InventoryItem::new(i as i64 + 1);
                let name = r.product.clone().or(r.package_name.clone()).unwrap_or_default();
                let vendor = r.vendor.clone().unwrap_or_default();
                if let Ok(s) = format!("{vendor}|{name}|{}|dotted", x.version).parse() {
                    it.software.push(s);
                }
                it.modules = r.modules.clone();
                it.hotfixes = r.fixes.clone();
                items.push(it);
            }
        }
        let want = VulnIndex::new(&vulns).match_items_full_on(&items, 2);
        let got = VulnIndex::new(&back).match_items_full_on(&items, 2);
        prop_assert_eq!(got.findings, want.findings);
        prop_assert_eq!(got.unevaluable, want.unevaluable);
    }

    /// Bytes that are not a compact record are refused, never a panic; a
    /// record's bytes cut short or with a byte changed never panic either.
    #[test]
    fn random_bytes_never_panic(
        bytes in proptest::collection::vec(any::<u8>(), 0..200),
        v in vuln(),
        cut in any::<prop::sample::Index>(),
        flip in any::<(prop::sample::Index, u8)>(),
    ) {
        let mut d = Decoder::new();
        let mut b = bytes;
        if let Some(first) = b.first_mut() {
            *first = compact::FORMAT;
        }
        let _ = d.decode(&b);
        let good = compact::encode(&v);
        let at = cut.index(good.len());
        prop_assert!(d.decode(&good[..at]).is_err());
        let mut changed = good.clone();
        let i = flip.0.index(changed.len());
        changed[i] ^= flip.1 | 1;
        if let Err(CompactError::Format(f)) = d.decode(&changed) {
            prop_assert_ne!(f, compact::FORMAT);
        }
    }
}
