//! Issue 14: the classes of records that came out wrong, each on real
//! records of its shape (`tests/data/README.md` gives their provenance).
//! Each test says what the engine answered before.

use domain::{AssetInput, Software};
use vulnmatch::feeds;
use vulnmatch::matching::{
    match_asset, match_asset_full, unmatched_facts, EvidenceSource, Finding, InventoryItem, Os,
    VulnIndex,
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

fn item(software: &[&str]) -> InventoryItem {
    let mut it = InventoryItem::new(7);
    it.software = software
        .iter()
        .map(|s| s.parse::<Software>().unwrap())
        .collect();
    it
}

fn os_item(name: &str, version: &str, build: &str) -> InventoryItem {
    let mut it = InventoryItem::new(9);
    it.os = Some(Os {
        vendor: None,
        name: name.into(),
        version: version.into(),
        build: (!build.is_empty()).then(|| build.into()),
        cpe: None,
    });
    it
}

fn one(f: Vec<Finding>) -> Finding {
    assert_eq!(f.len(), 1, "{f:#?}");
    f.into_iter().next().unwrap()
}

/// The index gives what matching record by record gives.
fn same_in_bulk(v: &Vuln, items: &[InventoryItem]) {
    let vs = std::slice::from_ref(v);
    let idx = VulnIndex::new(vs);
    let bulk = idx.match_items_full_on(items, 2);
    let mut each = Vec::new();
    let mut unev = Vec::new();
    for it in items {
        let m = match_asset_full(v, it);
        each.extend(m.findings);
        unev.extend(m.unevaluable);
    }
    assert_eq!(bulk.findings, each);
    assert_eq!(bulk.unevaluable, unev);
}

// ---------------------------------------------------------------- class 1

/// Atlassian's pairs (CVE-2022-26134): `{version: X, lessThan:
/// "unspecified"}` then `{version: "unspecified", lessThan: Y}`.
/// Before: each half alone — `7.13.0 ≤ v` and `v < 7.4.17` — so every
/// Confluence from 7.13.0 on (8.5.0 included) was "affected", and the
/// first pair's start `next of 1.3.0` was free text.
#[test]
fn atlassian_pairs_are_one_range() {
    let v = vuln("CVE-2022-26134", &["cve5"]);
    let conf = |ver: &str| item(&[&format!("Atlassian|Confluence Server|{ver}|dotted")]);
    for affected in ["1.3.1", "7.4.16", "7.13.0", "7.13.6", "7.16.3", "7.18.0"] {
        let f = one(match_asset(&v, &conf(affected)));
        assert_eq!(f.evidence.source, EvidenceSource::Cve5Cna);
        assert!(
            f.evidence.rule.contains("read together"),
            "{}",
            f.evidence.rule
        );
    }
    let f = one(match_asset(&v, &conf("7.4.16")));
    assert!(
        f.evidence.rule.contains("1.3.0 < v < 7.4.17"),
        "{}",
        f.evidence.rule
    );
    assert!(
        f.evidence.record.ends_with("affected[1].versions[0]"),
        "{}",
        f.evidence.record
    );
    for fixed in [
        "1.3.0", "7.4.17", "7.5.0", "7.12.9", "7.13.7", "7.18.1", "8.5.0", "9.0.0",
    ] {
        let m = match_asset_full(&v, &conf(fixed));
        assert!(m.findings.is_empty(), "{fixed}: {m:#?}");
        assert!(m.unevaluable.is_empty(), "{fixed}: {m:#?}");
    }
    let items: Vec<InventoryItem> = ["1.3.1", "7.4.17", "7.13.6", "8.5.0"]
        .iter()
        .map(|x| conf(x))
        .collect();
    same_in_bulk(&v, &items);
}

/// Microsoft's `lessThan: "https://aka.ms/OfficeSecurityReleases"`
/// (CVE-2024-21413). Before: read as no upper bound, so every Microsoft
/// 365 Apps installation was affected. Now: cannot be evaluated, with the
/// reason; Office 2016's ranges with versions still decide.
#[test]
fn a_web_address_as_upper_bound_cannot_be_evaluated() {
    let v = vuln("CVE-2024-21413", &["cve5"]);
    let apps = item(&["Microsoft|Microsoft 365 Apps for Enterprise|16.0.17328.20068|dotted"]);
    let m = match_asset_full(&v, &apps);
    assert!(m.findings.is_empty(), "{m:#?}");
    let u = &m.unevaluable[0];
    assert!(
        u.reason
            .contains("'https://aka.ms/OfficeSecurityReleases' is not a version"),
        "{u:#?}"
    );
    let office = |ver: &str| item(&[&format!("Microsoft|Microsoft Office 2016|{ver}|dotted")]);
    assert_eq!(match_asset(&v, &office("16.0.5434.1000")).len(), 1);
    assert!(match_asset(&v, &office("16.0.5435.1001")).is_empty());
    same_in_bulk(&v, &[apps, office("16.0.5434.1000")]);
}

// ---------------------------------------------------------------- class 2

/// Citrix's FIPS and NDcPP lines (CVE-2023-4966, `versionType: patch`).
/// Before: `13.1-37.163-FIPS` was compared with the standard 13.1 line
/// (`37.163-FIPS` < `49.15`), and `13.1-49.13-FIPS` — fixed on its own
/// line — was "affected"; a FIPS CPE was not read at all.
#[test]
fn editions_select_their_line() {
    let v = vuln("CVE-2023-4966", &["cve5"]);
    let adc = |ver: &str| item(&[&format!("Citrix|NetScaler ADC|{ver}|dotted")]);
    let f = one(match_asset(&v, &adc("13.1-37.163-FIPS")));
    assert!(
        f.evidence.rule.contains("edition FIPS"),
        "{}",
        f.evidence.rule
    );
    assert!(
        f.evidence.record.ends_with("versions[3]"),
        "{}",
        f.evidence.record
    );
    assert!(match_asset(&v, &adc("13.1-37.164-FIPS")).is_empty());
    assert!(match_asset(&v, &adc("13.1-49.13-FIPS")).is_empty());
    let f = one(match_asset(&v, &adc("12.1-55.299-NDcPP")));
    assert!(
        f.evidence.record.ends_with("versions[5]"),
        "{}",
        f.evidence.record
    );
    // Standard appliances: their own line, never the FIPS ones.
    let f = one(match_asset(&v, &adc("13.1-49.13")));
    assert!(
        f.evidence.record.ends_with("versions[1]"),
        "{}",
        f.evidence.record
    );
    assert!(match_asset(&v, &adc("13.1-49.15")).is_empty());
    assert!(match_asset(&v, &adc("12.1-55.299")).is_empty());
    // The edition stated by the CPE's sw_edition.
    let fips_cpe = "Citrix|NetScaler ADC|13.1-37.163|dotted|cpe:2.3:a:citrix:netscaler_application_delivery_controller:13.1-37.163:*:*:*:fips:*:*:*";
    let f = one(match_asset(&v, &item(&[fips_cpe])));
    assert!(
        f.evidence.rule.contains("edition FIPS"),
        "{}",
        f.evidence.rule
    );
    let items = [
        adc("13.1-37.163-FIPS"),
        adc("13.1-49.13-FIPS"),
        adc("13.1-49.13"),
        item(&[fips_cpe]),
    ];
    same_in_bulk(&v, &items);
}

// ---------------------------------------------------------------- class 3

/// Windows as recorded by the registry (name, version, build; no vendor)
/// against CVE-2024-38063. Before: no finding from NVD or the CNA, and no
/// "cannot be evaluated" either (only Microsoft's CVRF files matched).
#[test]
fn the_operating_system_is_matched_like_a_product() {
    let cna = vuln("CVE-2024-38063", &["cve5"]);
    let nvd = vuln("CVE-2024-38063", &["nvd"]);
    let both = vuln("CVE-2024-38063", &["cve5", "nvd"]);
    let win10 = os_item("Windows 10", "22H2", "10.0.19045.4651");
    let f = one(match_asset(&cna, &win10));
    assert_eq!(f.evidence.source, EvidenceSource::Cve5Cna);
    assert!(
        f.evidence
            .rule
            .starts_with("Microsoft Windows 10 Version 22H2: 10.0.19045.0 ≤ v < 10.0.19045.4780"),
        "{}",
        f.evidence.rule
    );
    let f = one(match_asset(&nvd, &win10));
    assert_eq!(f.evidence.source, EvidenceSource::NvdCpe);
    assert!(
        f.evidence.rule.contains("windows_10_22h2"),
        "{}",
        f.evidence.rule
    );
    assert_eq!(match_asset(&both, &win10).len(), 1);
    // Patched: nothing, from either.
    let patched = os_item("Windows 10", "22H2", "10.0.19045.4780");
    assert!(match_asset(&both, &patched).is_empty());
    // The release from the build alone.
    assert_eq!(
        match_asset(&both, &os_item("Windows 10", "", "10.0.19045.4651")).len(),
        1
    );
    // Windows Server 2022 with no version, only its build.
    let server = os_item("Windows Server 2022", "", "10.0.20348.2227");
    let f = one(match_asset(&cna, &server));
    assert!(
        f.evidence
            .rule
            .starts_with("Microsoft Windows Server 2022:"),
        "{}",
        f.evidence.rule
    );
    assert_eq!(match_asset(&nvd, &server).len(), 1);
    assert!(match_asset(
        &both,
        &os_item("Windows Server 2022", "", "10.0.20348.2700")
    )
    .is_empty());
    // Windows 11 23H2 is not matched by Windows 10's lines.
    let w11 = os_item("Windows 11", "23H2", "10.0.22631.4000");
    let f = one(match_asset(&both, &w11));
    assert!(
        f.evidence.rule.contains("Windows 11 Version 23H2"),
        "{}",
        f.evidence.rule
    );
    let items = [win10, patched, server, w11];
    same_in_bulk(&both, &items);
}

/// An OS no rule maps is reported as such, for the asset's page.
#[test]
fn unmatched_operating_systems_are_reported() {
    assert!(unmatched_facts(&os_item("Windows 10", "22H2", "10.0.19045.4651")).is_empty());
    assert!(unmatched_facts(&os_item("Ubuntu", "22.04 LTS", "")).is_empty());
    let r = unmatched_facts(&os_item("Hệ điều hành nội bộ", "1.0", ""));
    assert_eq!(r.len(), 1);
    assert!(
        r[0].message_en().contains("no vendor or CPE is recorded"),
        "{r:?}"
    );
    assert!(r[0].message_vi().contains("chưa ghi nhà cung cấp"), "{r:?}");
    let r = unmatched_facts(&os_item("Windows 10", "", ""));
    assert!(r[0].to_string().contains("neither its release"), "{r:?}");
}

// ---------------------------------------------------------------- class 4

/// Firmware running on hardware (CVE-2023-1389, TP-Link Archer AX21: an
/// AND configuration of `o:tp-link:archer_ax21_firmware` and
/// `h:tp-link:archer_ax21`). Before: `from_asset` dropped the asset's
/// hardware, so the configuration never held.
#[test]
fn hardware_is_the_platform() {
    let v = vuln("CVE-2023-1389", &["nvd"]);
    let asset = |hardware: Option<&str>, fw: &str| -> AssetInput {
        let mut j = serde_json::json!({
            "system_id": 1, "hostname": "router-1", "role": "network",
            "software": [serde_json::to_value(format!("TP-Link|Archer AX21 firmware|{fw}|dotted|cpe:2.3:o:tp-link:archer_ax21_firmware:{fw}:*:*:*:*:*:*:*").parse::<Software>().unwrap()).unwrap()],
        });
        if let Some(h) = hardware {
            j["hardware"] = serde_json::to_value(h.parse::<domain::Hardware>().unwrap()).unwrap();
        }
        serde_json::from_value(j).unwrap()
    };
    let without = InventoryItem::from_asset(1, &asset(None, "1.1.3"), true, 2);
    assert!(match_asset(&v, &without).is_empty());
    let with = InventoryItem::from_asset(1, &asset(Some("TP-Link|Archer AX21"), "1.1.3"), true, 2);
    assert_eq!(
        with.platforms[0].to_string(),
        "cpe:2.3:h:tp-link:archer_ax21:-:*:*:*:*:*:*:*"
    );
    let f = one(match_asset(&v, &with));
    assert!(
        f.evidence
            .rule
            .contains("running on cpe:2.3:h:tp-link:archer_ax21"),
        "{}",
        f.evidence.rule
    );
    let fixed = InventoryItem::from_asset(1, &asset(Some("TP-Link|Archer AX21"), "1.1.4"), true, 2);
    assert!(match_asset(&v, &fixed).is_empty());
    // Another model is not this platform; a given CPE is used as it is.
    let other = InventoryItem::from_asset(1, &asset(Some("TP-Link|Archer AX55"), "1.1.3"), true, 2);
    assert!(match_asset(&v, &other).is_empty());
    let given = InventoryItem::from_asset(
        1,
        &asset(
            Some("TP-Link|AX1800|cpe:2.3:h:tp-link:archer_ax21:-:*:*:*:*:*:*:*"),
            "1.1.3",
        ),
        true,
        2,
    );
    assert_eq!(match_asset(&v, &given).len(), 1);
    same_in_bulk(&v, &[without, with, fixed, other, given]);
}

// ---------------------------------------------------------------- class 5

/// A literal CPE version (`windows_server_2012:r2`, NVD CVE-2024-38063) is
/// an attribute compared as equal or not. Before: compared as an
/// orderable version, so a server with that very CPE "could not be
/// evaluated" (`r2` is not a version).
#[test]
fn literal_cpe_versions_are_plain_attributes() {
    let v = vuln("CVE-2024-38063", &["nvd"]);
    let mut it = InventoryItem::new(3);
    it.os = Some(Os {
        vendor: Some("Microsoft".into()),
        name: "Windows Server 2012 R2".into(),
        version: String::new(),
        build: None,
        cpe: Some(
            "cpe:2.3:o:microsoft:windows_server_2012:r2:*:*:*:*:*:*:*"
                .parse()
                .unwrap(),
        ),
    });
    let m = match_asset_full(&v, &it);
    assert_eq!(m.findings.len(), 1, "{m:#?}");
    assert!(m.unevaluable.is_empty(), "{m:#?}");
    assert!(m.findings[0]
        .evidence
        .rule
        .contains("windows_server_2012:r2"));
    // Made from the name, the same criterion holds; `sp1` is its update.
    let r2 = os_item("Windows Server 2012 R2", "", "6.3.9600.20000");
    assert_eq!(match_asset(&v, &r2).len(), 1);
    // Another literal is not equal: Windows Server 2008 (`-`, sp2) does not
    // name an R2.
    let mut sp2 = InventoryItem::new(4);
    sp2.os = Some(Os {
        vendor: Some("Microsoft".into()),
        name: "Windows Server 2008".into(),
        version: String::new(),
        build: None,
        cpe: Some(
            "cpe:2.3:o:microsoft:windows_server_2008:r2:sp2:*:*:*:*:x64:*"
                .parse()
                .unwrap(),
        ),
    });
    let m = match_asset_full(&v, &sp2);
    assert!(m.findings.is_empty() && m.unevaluable.is_empty(), "{m:#?}");
    same_in_bulk(&v, &[it, r2, sp2]);
}
