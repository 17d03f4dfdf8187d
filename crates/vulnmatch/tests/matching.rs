//! Matching real records against inventories.

use domain::Software;
use vulnmatch::feeds;
use vulnmatch::matching::{
    match_all, match_asset, match_asset_full, EvidenceSource, Finding, InventoryItem, Matched, Os,
    Unevaluable, VulnIndex,
};
use vulnmatch::{Vuln, VulnDb};

fn data(path: &str) -> Vec<u8> {
    std::fs::read(format!("{}/tests/data/{path}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

/// The CVE from the given feed directories, merged.
fn vuln(name: &str, dirs: &[&str]) -> Vuln {
    let mut db = VulnDb::new();
    for d in dirs {
        let f = format!("{d}/{name}.json");
        db.extend(feeds::read_feed(&f, &data(&f)).unwrap().vulns);
    }
    db.into_vec().remove(0)
}

fn sw(s: &str) -> Software {
    s.parse().unwrap()
}

fn item(software: &[&str]) -> InventoryItem {
    let mut it = InventoryItem::new(7);
    it.software = software.iter().map(|s| sw(s)).collect();
    it
}

fn one(f: Vec<Finding>) -> Finding {
    assert_eq!(f.len(), 1, "{f:#?}");
    f.into_iter().next().unwrap()
}

#[test]
fn big_ip_cve_2023_46747_and_its_engineering_hotfix() {
    let v = vuln("CVE-2023-46747", &["cve5", "nvd"]);
    let mut bigip = item(&["F5|BIG-IP|17.1.0.3|dotted"]);
    bigip.modules = vec!["LTM".into(), "APM".into()];
    let f = one(match_asset(&v, &bigip));
    assert!(f.is_affected());
    assert_eq!(f.evidence.source, EvidenceSource::Cve5Cna);
    assert_eq!(
        f.evidence.record,
        "CVE-2023-46747 containers.cna.affected[0].versions[0]"
    );
    assert_eq!(
        f.evidence.inventory_fact,
        "software F5|BIG-IP|17.1.0.3|dotted"
    );
    assert!(
        f.evidence.rule.starts_with("F5 BIG-IP: 17.1.0 ≤ v ("),
        "{}",
        f.evidence.rule
    );
    assert!(
        f.evidence
            .rule
            .contains("unaffected with Hotfix-BIGIP-17.1.0.3.0.75.4-ENG.iso (not installed)"),
        "{}",
        f.evidence.rule
    );

    // The engineering hotfix named in the record removes the match; the
    // finding stays, marked, so the reason is visible.
    bigip.hotfixes = vec!["Hotfix-BIGIP-17.1.0.3.0.75.4-ENG".into()];
    let f = one(match_asset(&v, &bigip));
    assert!(!f.is_affected());
    assert_eq!(
        f.evidence.hotfix_excluded.as_deref(),
        Some("Hotfix-BIGIP-17.1.0.3.0.75.4-ENG.iso")
    );

    // 15.1.x: the F5 entry "15.1.0 ≤ v, lessThan *" ends where 16.1.0 starts,
    // and the 15.1 hotfix counts there, not the 17.1 one.
    let mut old = item(&["F5|BIG-IP|15.1.10.2|dotted"]);
    old.hotfixes = vec!["Hotfix-BIGIP-17.1.0.3.0.75.4-ENG".into()];
    let f = one(match_asset(&v, &old));
    assert!(f.is_affected());
    assert!(
        f.evidence.rule.contains("15.1.0 ≤ v < 16.1.0"),
        "{}",
        f.evidence.rule
    );
    old.hotfixes = vec!["hotfix-bigip-15.1.10.2.0.44.2-eng.iso".into()];
    assert!(!one(match_asset(&v, &old)).is_affected());

    // 17.1.1 is affected by both sources (the CNA: no fixed release in the
    // 17.1 branch; NVD: 17.1.0 ≤ v ≤ 17.1.1), and the evidence says why.
    let f = one(match_asset(&v, &item(&["F5|BIG-IP|17.1.1|dotted"])));
    assert!(f.is_affected());
    assert_eq!(f.evidence.source, EvidenceSource::Cve5Cna);

    // Versions no CNA entry covers (12.1.x, end of support) fall back to NVD,
    // which does not list them either.
    assert!(match_asset(&v, &item(&["F5|BIG-IP|12.1.6|dotted"])).is_empty());
    // No fuzzy vendor names.
    assert!(match_asset(&v, &item(&["F5 Networks|BIG-IP|17.1.0.3|dotted"])).is_empty());
}

#[test]
fn big_ip_nvd_fallback_by_module_cpes() {
    // NVD alone: BIG-IP's CPEs are per module.
    let v = vuln("CVE-2023-46747", &["nvd"]);
    let mut bigip = item(&["F5|BIG-IP|17.1.1|dotted"]);
    assert!(
        match_asset(&v, &bigip).is_empty(),
        "no module, no BIG-IP CPE to match"
    );
    bigip.modules = vec!["Access Policy Manager".into()];
    let f = one(match_asset(&v, &bigip));
    assert_eq!(f.evidence.source, EvidenceSource::NvdCpe);
    assert!(
        f.evidence.rule.contains("big-ip_access_policy_manager")
            && f.evidence.rule.contains("v ≤ 17.1.1"),
        "{}",
        f.evidence.rule
    );
    assert!(
        f.evidence
            .inventory_fact
            .contains("module Access Policy Manager"),
        "{}",
        f.evidence.inventory_fact
    );
    assert!(
        f.evidence
            .rule
            .contains("matchCriteriaId DB629442-AB06-4552-A7A2-CAF967E47C39"),
        "{}",
        f.evidence.rule
    );
    bigip.software = vec![sw("F5|BIG-IP|17.1.2|dotted")];
    assert!(match_asset(&v, &bigip).is_empty());
}

#[test]
fn big_ip_module_specific_products() {
    // CVE-2020-5902: vendor "n/a", versions as free text ranges.
    let v = vuln("CVE-2020-5902", &["cve5", "nvd"]);
    let f = one(match_asset(&v, &item(&["F5|BIG-IP|15.1.0.3|dotted"])));
    assert_eq!(f.evidence.source, EvidenceSource::Cve5Cna);
    assert!(
        f.evidence.rule.contains("15.0.0 ≤ v ≤ 15.1.0.3"),
        "{}",
        f.evidence.rule
    );
    assert!(
        f.evidence.rule.contains("names no vendor"),
        "{}",
        f.evidence.rule
    );
    assert!(match_asset(&v, &item(&["F5|BIG-IP|15.1.0.4|dotted"])).is_empty());

    // A product written "BIG-IP (APM)" (as F5 does in other records): the
    // same record with its product renamed.
    let mut rec: serde_json::Value =
        serde_json::from_slice(&data("cve5/CVE-2023-46747.json")).unwrap();
    rec["containers"]["cna"]["affected"][0]["product"] = "BIG-IP (APM)".into();
    rec["containers"]["cna"]["affected"][0]["modules"] = serde_json::json!([]);
    let apm_only = feeds::read_feed("x", rec.to_string().as_bytes())
        .unwrap()
        .vulns
        .remove(0);
    let mut with_apm = item(&["F5|BIG-IP|17.1.0.3|dotted"]);
    with_apm.modules = vec!["LTM".into(), "apm".into()];
    let f = one(match_asset(&apm_only, &with_apm));
    assert_eq!(
        f.evidence.inventory_fact,
        "software F5|BIG-IP|17.1.0.3|dotted; module apm"
    );
    let mut ltm_only = item(&["F5|BIG-IP|17.1.0.3|dotted"]);
    ltm_only.modules = vec!["LTM".into()];
    assert!(match_asset(&apm_only, &ltm_only).is_empty());
    // Modules not recorded: matched, and said.
    let f = one(match_asset(
        &apm_only,
        &item(&["F5|BIG-IP|17.1.0.3|dotted"]),
    ));
    assert!(f
        .evidence
        .inventory_fact
        .contains("the asset lists no modules"));

    // CVE-2022-1388: "16.1.x" lessThan "16.1.2.2", "17.0.0" lessThan "17.0.x*" unaffected.
    let v = vuln("CVE-2022-1388", &["cve5", "nvd"]);
    let f = one(match_asset(&v, &item(&["F5|BIG-IP|16.1.2.1|dotted"])));
    assert!(
        f.evidence.rule.contains("16.1 ≤ v < 16.1.2.2"),
        "{}",
        f.evidence.rule
    );
    assert!(match_asset(&v, &item(&["F5|BIG-IP|16.1.2.2|dotted"])).is_empty());
    assert!(match_asset(&v, &item(&["F5|BIG-IP|17.0.0.1|dotted"])).is_empty());
    assert_eq!(
        match_asset(&v, &item(&["F5|BIG-IP|12.1.6|dotted"])).len(),
        1
    );
}

#[test]
fn fortios_cve_2024_21762() {
    let v = vuln("CVE-2024-21762", &["cve5", "nvd"]);
    let f = one(match_asset(&v, &item(&["Fortinet|FortiOS|7.2.6|dotted"])));
    assert_eq!(f.evidence.source, EvidenceSource::Cve5Cna);
    assert!(
        f.evidence
            .rule
            .contains("7.2.0 ≤ v ≤ 7.2.6 (versionType semver"),
        "{}",
        f.evidence.rule
    );
    assert!(match_asset(&v, &item(&["Fortinet|FortiOS|7.2.7|dotted"])).is_empty());
    assert!(match_asset(&v, &item(&["Fortinet|FortiOS|7.4.3|semver"])).is_empty());
    // As the appliance's OS.
    let mut fw = InventoryItem::new(9);
    fw.os = Some(Os {
        vendor: Some("Fortinet".into()),
        name: "FortiOS".into(),
        version: "7.0.13".into(),
        build: None,
        cpe: None,
    });
    let f = one(match_asset(&v, &fw));
    assert_eq!(f.evidence.inventory_fact, "os Fortinet|FortiOS|7.0.13");
    // NVD alone: the OS CPE made from the names (fortinet:fortios, part o).
    let nvd = vuln("CVE-2024-21762", &["nvd"]);
    let f = one(match_asset(&nvd, &fw));
    assert_eq!(f.evidence.source, EvidenceSource::NvdCpe);
    assert!(
        f.evidence.rule.contains("cpe:2.3:o:fortinet:fortios"),
        "{}",
        f.evidence.rule
    );
}

#[test]
fn pan_os_cve_2024_3400() {
    let v = vuln("CVE-2024-3400", &["cve5", "nvd"]);
    let pan = |ver: &str| item(&[&format!("Palo Alto Networks|PAN-OS|{ver}|dotted")]);
    let f = one(match_asset(&v, &pan("10.2.9")));
    assert!(
        f.evidence.rule.contains("10.2.0 ≤ v < 10.2.9-h1"),
        "{}",
        f.evidence.rule
    );
    assert_eq!(match_asset(&v, &pan("10.2.8-h3")).len(), 1);
    assert_eq!(match_asset(&v, &pan("11.1.2-h1")).len(), 1);
    assert!(match_asset(&v, &pan("10.2.9-h1")).is_empty());
    assert!(match_asset(&v, &pan("11.1.2-h3")).is_empty());
    assert!(match_asset(&v, &pan("11.1.3")).is_empty());
    assert!(
        match_asset(&v, &pan("10.1.12")).is_empty(),
        "defaultStatus unaffected"
    );
    assert!(match_asset(&v, &pan("9.0.0")).is_empty());
}

#[test]
fn exchange_cve_2021_26855_via_nvd_cpe() {
    let v = vuln("CVE-2021-26855", &["nvd"]);
    let cu19 = "Microsoft|Exchange Server|15.1.2176.2|dotted|cpe:2.3:a:microsoft:exchange_server:2016:cumulative_update_19:*:*:*:*:*:*";
    let f = one(match_asset(&v, &item(&[cu19])));
    assert_eq!(f.evidence.source, EvidenceSource::NvdCpe);
    assert!(
        f.evidence.rule.starts_with(
            "configuration 1: cpe:2.3:a:microsoft:exchange_server:2016:cumulative_update_19:"
        ),
        "{}",
        f.evidence.rule
    );
    assert!(f
        .evidence
        .inventory_fact
        .contains("as cpe:2.3:a:microsoft:exchange_server:2016:cumulative_update_19"));
    let cu20 = "Microsoft|Exchange Server|15.1.2242.4|dotted|cpe:2.3:a:microsoft:exchange_server:2016:cumulative_update_20:*:*:*:*:*:*";
    assert!(match_asset(&v, &item(&[cu20])).is_empty());
    // Without a CPE naming the update, nothing is guessed.
    assert!(match_asset(&v, &item(&["Microsoft|Exchange Server|2016|dotted"])).is_empty());
    // With the CVE 5 record too: Microsoft's own entry (named by its CPE)
    // ends at `lessThan: "publication"`, which is not a version. It was read
    // as "no upper bound" (every version affected); it now cannot be
    // evaluated, and NVD's configuration decides.
    let both = vuln("CVE-2021-26855", &["cve5", "nvd"]);
    let f = one(match_asset(&both, &item(&[cu19])));
    assert_eq!(f.evidence.source, EvidenceSource::NvdCpe);
    assert!(match_asset(&both, &item(&[cu20])).is_empty());
    // The CNA's record alone: cannot be evaluated, with the reason.
    let cna = vuln("CVE-2021-26855", &["cve5"]);
    let m = match_asset_full(&cna, &item(&[cu19]));
    assert!(m.findings.is_empty(), "{m:#?}");
    assert!(
        m.unevaluable
            .iter()
            .any(|u| u.reason.contains("'publication' is not a version")),
        "{m:#?}"
    );
}

#[test]
fn openssh_cve_2024_6387() {
    let v = vuln("CVE-2024-6387", &["cve5", "nvd"]);
    // A Debian package: the upstream entry (no vendor, package OpenSSH).
    let f = one(match_asset(
        &v,
        &item(&["Debian|openssh|1:9.2p1-2+deb12u2|deb"]),
    ));
    assert_eq!(f.evidence.source, EvidenceSource::Cve5Cna);
    assert!(
        f.evidence.rule.contains("8.5p1 ≤ v ≤ 9.7p1"),
        "{}",
        f.evidence.rule
    );
    assert!(
        f.evidence
            .rule
            .contains("compared upstream 9.2p1 of deb package 1:9.2p1-2+deb12u2"),
        "{}",
        f.evidence.rule
    );
    assert!(match_asset(&v, &item(&["Debian|openssh|1:9.8p1-1|deb"])).is_empty());
    assert!(match_asset(&v, &item(&["Debian|openssh|1:8.4p1-5+deb11u3|deb"])).is_empty());
    // Red Hat's entries name the package on their platform: fixed build.
    let mut rhel = item(&["Red Hat|openssh|8.7p1-38.el9_4.1|rpm"]);
    rhel.os = Some(Os {
        vendor: Some("Red Hat".into()),
        name: "Red Hat Enterprise Linux 9".into(),
        version: "9.4".into(),
        build: None,
        cpe: None,
    });
    assert!(
        match_asset(&v, &rhel).is_empty(),
        "{:#?}",
        match_asset(&v, &rhel)
    );
    rhel.software = vec![sw("Red Hat|openssh|8.7p1-38.el9|rpm")];
    let f = one(match_asset(&v, &rhel));
    assert!(
        f.evidence
            .rule
            .contains("package openssh on Red Hat Enterprise Linux 9"),
        "{}",
        f.evidence.rule
    );
    // NVD alone, by the CPE made from the names.
    let nvd = vuln("CVE-2024-6387", &["nvd"]);
    let f = one(match_asset(&nvd, &item(&["OpenBSD|OpenSSH|9.2p1|other"])));
    assert!(
        f.evidence.rule.contains("8.6 ≤ v and v < 9.8"),
        "{}",
        f.evidence.rule
    );
    assert!(match_asset(&nvd, &item(&["OpenBSD|OpenSSH|9.8p1|other"])).is_empty());
}

#[test]
fn log4j_cve_2021_44228() {
    let v = vuln("CVE-2021-44228", &["cve5", "nvd"]);
    // The CNA's names: changes at 2.3.1, 2.4, 2.12.2, 2.13.0, 2.15.0.
    let asf = |ver: &str| {
        item(&[&format!(
            "Apache Software Foundation|Apache Log4j2|{ver}|semver"
        )])
    };
    let f = one(match_asset(&v, &asf("2.14.1")));
    assert!(
        f.evidence.rule.contains("affected from 2.13.0"),
        "{}",
        f.evidence.rule
    );
    assert_eq!(match_asset(&v, &asf("2.0-beta9")).len(), 1);
    assert_eq!(match_asset(&v, &asf("2.11.2")).len(), 1);
    for fixed in ["2.3.1", "2.12.2", "2.15.0", "2.17.1", "1.2.17"] {
        assert!(match_asset(&v, &asf(fixed)).is_empty(), "{fixed}");
    }
    // Other names reach NVD's apache:log4j ranges.
    let f = one(match_asset(&v, &item(&["Apache|Log4j|2.14.1|semver"])));
    assert_eq!(f.evidence.source, EvidenceSource::NvdCpe);
    assert!(
        f.evidence.rule.contains("2.13.0 ≤ v and v < 2.15.0"),
        "{}",
        f.evidence.rule
    );
    assert!(match_asset(&v, &item(&["Apache|Log4j|2.17.1|semver"])).is_empty());
    // An AND configuration: firmware running on its hardware.
    let fw = "Siemens|6BK1602 firmware|2.6.0|dotted|cpe:2.3:o:siemens:6bk1602-0aa12-0tp0_firmware:*:*:*:*:*:*:*:*";
    let mut plc = item(&[fw]);
    assert!(match_asset(&v, &plc).is_empty(), "the platform is missing");
    plc.platforms = vec!["cpe:2.3:h:siemens:6bk1602-0aa12-0tp0:-:*:*:*:*:*:*:*"
        .parse()
        .unwrap()];
    let f = one(match_asset(&v, &plc));
    assert!(
        f.evidence
            .rule
            .contains("running on cpe:2.3:h:siemens:6bk1602-0aa12-0tp0:-"),
        "{}",
        f.evidence.rule
    );
    plc.software = vec![sw("Siemens|6BK1602 firmware|2.7.0|dotted|cpe:2.3:o:siemens:6bk1602-0aa12-0tp0_firmware:*:*:*:*:*:*:*:*")];
    assert!(match_asset(&v, &plc).is_empty());
}

#[test]
fn csaf_products() {
    let out = feeds::read_feed("icsa-24-004-01.json", &data("icsa-24-004-01.json")).unwrap();
    let v = out
        .vulns
        .into_iter()
        .find(|v| v.id.to_string() == "CVE-2023-38545")
        .unwrap();
    let f = one(match_asset(
        &v,
        &item(&["Rockwell Automation|Factory Talk Activation Manager|3.62|dotted"]),
    ));
    assert_eq!(f.evidence.source, EvidenceSource::Csaf);
    assert_eq!(
        f.evidence.record,
        "CVE-2023-38545 ICSA-24-004-01 CSAFPID-0001.versions[0]"
    );
    assert!(match_asset(
        &v,
        &item(&["Rockwell Automation|Factory Talk Activation Manager|5.01|dotted"])
    )
    .is_empty());
}

#[test]
fn match_all_equals_one_by_one() {
    let names = [
        "CVE-2023-46747",
        "CVE-2024-21762",
        "CVE-2024-3400",
        "CVE-2021-26855",
        "CVE-2024-6387",
        "CVE-2021-44228",
        "CVE-2020-5902",
        "CVE-2022-1388",
        "CVE-2023-4966",
    ];
    let vulns: Vec<Vuln> = names.iter().map(|n| vuln(n, &["cve5", "nvd"])).collect();
    let mut bigip = item(&["F5|BIG-IP|16.1.2.1|dotted"]);
    bigip.modules = vec!["APM".into()];
    let items = vec![
        bigip,
        item(&[
            "Fortinet|FortiOS|7.2.6|dotted",
            "Palo Alto Networks|PAN-OS|10.2.9|dotted",
        ]),
        item(&[
            "Debian|openssh|1:9.2p1-2+deb12u2|deb",
            "Apache|Log4j|2.14.1|semver",
        ]),
        item(&[
            "Citrix|NetScaler ADC|13.1-49.13|dotted",
            "Citrix|NetScaler Gateway|13.1-49.15|dotted",
        ]),
        item(&["Nobody|Nothing|1.0|dotted"]),
    ];
    let mut all = match_all(&vulns, &items);
    let mut each: Vec<Finding> = items
        .iter()
        .flat_map(|i| vulns.iter().flat_map(move |v| match_asset(v, i)))
        .collect();
    let key = |f: &Finding| (f.asset_id, f.cve, f.evidence.inventory_fact.clone());
    all.sort_by_key(key);
    each.sort_by_key(key);
    assert_eq!(all, each);
    // NetScaler's "patch" ranges: 13.1-49.13 affected, 13.1-49.15 fixed.
    let ns: Vec<&Finding> = all
        .iter()
        .filter(|f| f.cve.to_string() == "CVE-2023-4966")
        .collect();
    assert_eq!(ns.len(), 1, "{ns:#?}");
    assert!(
        ns[0]
            .evidence
            .rule
            .contains("13.1-49.13 in branch 13.1, build < 49.15"),
        "{}",
        ns[0].evidence.rule
    );
    assert_eq!(all.len(), 7, "{all:#?}");
}

#[test]
fn an_installed_kb_named_by_a_csaf_vendor_fix_removes_the_match() {
    // The real advisory, with a vendor fix naming a KB added (Microsoft's
    // CSAF names its fixes this way).
    let mut doc: serde_json::Value = serde_json::from_slice(&data("icsa-24-004-01.json")).unwrap();
    doc["vulnerabilities"][0]["remediations"]
        .as_array_mut()
        .unwrap()
        .push(serde_json::json!({"category": "vendor_fix", "details": "Install security update KB5034441.", "product_ids": ["CSAFPID-0001"]}));
    let out = feeds::read_feed("icsa.json", doc.to_string().as_bytes()).unwrap();
    let v = out
        .vulns
        .into_iter()
        .find(|v| v.id.to_string() == "CVE-2023-38545")
        .unwrap();
    let mut host = item(&["Rockwell Automation|Factory Talk Activation Manager|3.62|dotted"]);
    assert!(one(match_asset(&v, &host)).is_affected());
    host.kbs = vec!["kb5034441".parse().unwrap()];
    let f = one(match_asset(&v, &host));
    assert_eq!(f.evidence.hotfix_excluded.as_deref(), Some("KB5034441"));
    assert!(
        f.evidence.rule.ends_with("; fix KB5034441 installed"),
        "{}",
        f.evidence.rule
    );
}

/// The hand-written month of Microsoft's Security Update Guide.
const MSRC: &str = "msrc/2024-Feb-excerpt.json";

/// One record of [`MSRC`].
fn msrc(cve: &str) -> Vuln {
    let out = feeds::read_feed(MSRC, &data(MSRC)).unwrap();
    out.vulns
        .into_iter()
        .find(|v| v.id.to_string() == cve)
        .unwrap()
}

#[test]
fn microsoft_fixed_builds_and_kbs() {
    let v = msrc("CVE-2024-21338");
    let server = |build: &str| item(&[&format!("Microsoft|Windows Server 2022|{build}|dotted")]);
    // Below the fixed build: affected, with the month, product and fix in the evidence.
    let f = one(match_asset(&v, &server("10.0.20348.2227")));
    assert!(f.is_affected());
    assert_eq!(f.evidence.source, EvidenceSource::Csaf);
    assert_eq!(
        f.evidence.record,
        "CVE-2024-21338 MSRC-2024-Feb 11923.versions[0]"
    );
    assert!(
        f.evidence.rule.contains("10.0.20348.2322"),
        "{}",
        f.evidence.rule
    );
    // The fixed build itself and later builds are not.
    assert!(match_asset(&v, &server("10.0.20348.2322")).is_empty());
    assert!(match_asset(&v, &server("10.0.20348.2340")).is_empty());
    // The update's KB installed on an older build removes the match.
    let mut patched = server("10.0.20348.2227");
    patched.kbs = vec!["KB5034770".parse().unwrap()];
    let f = one(match_asset(&v, &patched));
    assert!(!f.is_affected());
    assert_eq!(f.evidence.hotfix_excluded.as_deref(), Some("KB5034770"));
    // Another product's fix does not.
    let mut wrong_kb = server("10.0.20348.2227");
    wrong_kb.kbs = vec!["KB5034765".parse().unwrap()];
    assert!(one(match_asset(&v, &wrong_kb)).is_affected());
    // Names are Microsoft's, never loosened: "Windows Server 2022 Datacenter"
    // is not a product of the month.
    assert!(match_asset(
        &v,
        &item(&["Microsoft|Windows Server 2022 Datacenter|10.0.20348.2227|dotted"])
    )
    .is_empty());
    // The Server Core rule is its own product.
    let core =
        item(&["Microsoft|Windows Server 2022 (Server Core installation)|10.0.20348.2227|dotted"]);
    assert_eq!(
        one(match_asset(&v, &core)).evidence.record,
        "CVE-2024-21338 MSRC-2024-Feb 11924.versions[0]"
    );
    // The operating system of an asset, with its vendor and build.
    let mut host = InventoryItem::new(7);
    host.os = Some(Os {
        vendor: Some("Microsoft".into()),
        name: "Windows 11 Version 23H2 for x64-based Systems".into(),
        version: "23H2".into(),
        build: Some("10.0.22631.3085".into()),
        cpe: None,
    });
    let f = one(match_asset(&v, &host));
    assert!(f.is_affected() && f.evidence.rule.contains("10.0.22631.3155"));
    host.os.as_mut().unwrap().build = Some("10.0.22631.3155".into());
    assert!(match_asset(&v, &host).is_empty());
    // The registry keeps no OS vendor: Microsoft's exact name is enough.
    let registered = InventoryItem::from_asset(
        9,
        &serde_json::from_value(serde_json::json!({
            "system_id": 1, "hostname": "dc01", "role": "server",
            "os_name": "Windows Server 2022", "os_version": "21H2", "os_build": "10.0.20348.2227"
        }))
        .unwrap(),
        false,
        3,
    );
    let f = one(match_asset(&v, &registered));
    assert!(f.is_affected() && f.evidence.inventory_fact.contains("10.0.20348.2227"));
    // F5's and the CNAs' names keep asking for their vendor.
    let bigip = vuln("CVE-2023-46747", &["cve5"]);
    let mut vendorless = InventoryItem::new(3);
    vendorless.os = Some(Os {
        vendor: Some("F5".into()),
        name: "BIG-IP".into(),
        version: "17.1.0.3".into(),
        build: None,
        cpe: None,
    });
    assert!(!match_asset(&bigip, &vendorless).is_empty());
    vendorless.os.as_mut().unwrap().vendor = None;
    assert!(match_asset(&bigip, &vendorless).is_empty());

    // Outlook: Office 2016 by build and KB; Microsoft 365 Apps has no build
    // to compare, so every installation is affected until updated.
    let o = msrc("CVE-2024-21413");
    let office = item(&["Microsoft|Microsoft Office 2016 (64-bit edition)|16.0.5431.1000|dotted"]);
    assert!(one(match_asset(&o, &office)).is_affected());
    let office = item(&["Microsoft|Microsoft Office 2016 (64-bit edition)|16.0.5435.1001|dotted"]);
    assert!(match_asset(&o, &office).is_empty());
    let apps = item(&[
        "Microsoft|Microsoft 365 Apps for Enterprise for 64-bit Systems|16.0.17231.20236|dotted",
    ]);
    assert!(one(match_asset(&o, &apps)).is_affected());
}

// ------------------------------------------------------------ cannot be evaluated

/// The statements of `m` of this source.
fn from(m: &Matched, source: EvidenceSource) -> Vec<&Unevaluable> {
    m.unevaluable
        .iter()
        .filter(|u| u.source == source)
        .collect()
}

#[test]
fn an_installed_version_that_cannot_be_ordered_is_listed_not_found() {
    // FortiOS's CNA entries are semver ranges (7.4.0 to 7.4.2, …); NVD's
    // criteria are ranges of cpe:2.3:o:fortinet:fortios. "latest" is in
    // none of them, and outside none: it cannot be compared at all.
    let v = vuln("CVE-2024-21762", &["cve5", "nvd"]);
    let host = item(&["Fortinet|FortiOS|latest|other"]);
    let m = match_asset_full(&v, &host);
    assert!(m.findings.is_empty(), "{:#?}", m.findings);
    assert!(match_asset(&v, &host).is_empty());
    let cna = from(&m, EvidenceSource::Cve5Cna);
    assert_eq!(cna.len(), 1, "{:#?}", m.unevaluable);
    let u = cna[0];
    assert_eq!(u.cve.to_string(), "CVE-2024-21762");
    assert_eq!(u.asset_id, 7);
    assert_eq!(u.inventory_fact, "software Fortinet|FortiOS|latest|other");
    // The first of FortiOS's six entries, and how many more there are.
    assert!(
        u.record.starts_with("CVE-2024-21762 ") && u.record.ends_with(".affected[1].versions[0]"),
        "{}",
        u.record
    );
    assert_eq!(
        u.rule,
        "Fortinet FortiOS: version '7.4.0', lessThanOrEqual '7.4.2' (semver) → affected"
    );
    assert_eq!(
        u.reason,
        "the installed version 'latest' (other scheme) is not a version that can be ordered (and 5 more entries)"
    );
    // NVD's FortiOS criteria cannot be compared either, for the same reason.
    let nvd = from(&m, EvidenceSource::NvdCpe);
    assert!(!nvd.is_empty(), "{:#?}", m.unevaluable);
    for u in &nvd {
        assert!(u.rule.contains("cpe:2.3:o:fortinet:fortios:"), "{}", u.rule);
        assert_eq!(
            u.reason,
            "the installed version 'latest' (other scheme) is not a version that can be ordered"
        );
    }
    // Every statement is about this asset's one fact, and none twice.
    let mut records: Vec<&str> = m.unevaluable.iter().map(|u| u.record.as_str()).collect();
    let n = records.len();
    records.sort_unstable();
    records.dedup();
    assert_eq!(records.len(), n, "{records:#?}");
    assert!(m
        .unevaluable
        .iter()
        .all(|u| u.asset_id == 7 && u.inventory_fact == "software Fortinet|FortiOS|latest|other"));
    // A version that can be ordered gets a finding and nothing unevaluable.
    let m = match_asset_full(&v, &item(&["Fortinet|FortiOS|7.2.6|dotted"]));
    assert_eq!(m.findings.len(), 1, "{:#?}", m.findings);
    assert!(m.unevaluable.is_empty(), "{:#?}", m.unevaluable);
}

#[test]
fn a_record_whose_version_is_free_text_cannot_be_evaluated() {
    // Apache's CNA record says `version: "Apache HTTP Server 2.4 2.4.49"`,
    // without versionType: not a version, so 2.4.49 installed is neither
    // found nor cleared by it. The inventory names the vendor as the record
    // does, so NVD's cpe:2.3:a:apache:http_server does not name the fact.
    let v = vuln("CVE-2021-41773", &["cve5", "nvd"]);
    let host = item(&["Apache Software Foundation|Apache HTTP Server|2.4.49|semver"]);
    let idx = VulnIndex::new(std::slice::from_ref(&v));
    let m = idx.match_item_full(&host);
    assert_eq!(m, match_asset_full(&v, &host));
    assert!(m.findings.is_empty(), "{:#?}", m.findings);
    assert_eq!(m.unevaluable.len(), 1, "{:#?}", m.unevaluable);
    let u = &m.unevaluable[0];
    assert_eq!(u.source, EvidenceSource::Cve5Cna);
    assert_eq!(u.asset_id, 7);
    assert!(
        u.record.starts_with("CVE-2021-41773 ") && u.record.ends_with(".affected[0].versions[0]"),
        "{}",
        u.record
    );
    assert_eq!(
        u.rule,
        "Apache Software Foundation Apache HTTP Server: version 'Apache HTTP Server 2.4 2.4.49' → affected"
    );
    assert_eq!(
        u.inventory_fact,
        "software Apache Software Foundation|Apache HTTP Server|2.4.49|semver"
    );
    assert_eq!(
        u.reason,
        "the record's version 'Apache HTTP Server 2.4 2.4.49' is free text (no versionType)"
    );
    assert_eq!(idx.unevaluable(&host), m.unevaluable);
}

#[test]
fn a_fact_found_or_cleared_by_a_comparable_statement_is_not_also_unevaluable() {
    // The same fact with its CPE: the CNA's free text still names it, but
    // NVD's cpe:2.3:a:apache:http_server:2.4.49 compares its version.
    let v = vuln("CVE-2021-41773", &["cve5", "nvd"]);
    let cpe = "cpe:2.3:a:apache:http_server:2.4.49:*:*:*:*:*:*:*";
    let host = item(&[&format!(
        "Apache Software Foundation|Apache HTTP Server|2.4.49|semver|{cpe}"
    )]);
    let m = match_asset_full(&v, &host);
    let f = one(m.findings.clone());
    assert_eq!(f.evidence.source, EvidenceSource::NvdCpe);
    assert!(f.is_affected());
    assert!(m.unevaluable.is_empty(), "{:#?}", m.unevaluable);
    // 2.4.48 is compared by NVD too, and is not 2.4.49: no finding, and the
    // free text is not listed either (a comparable statement decided).
    let cpe = "cpe:2.3:a:apache:http_server:2.4.48:*:*:*:*:*:*:*";
    let host = item(&[&format!(
        "Apache Software Foundation|Apache HTTP Server|2.4.48|semver|{cpe}"
    )]);
    assert_eq!(match_asset_full(&v, &host), Matched::default());
}

#[test]
fn a_product_no_record_names_is_neither_found_nor_unevaluable() {
    let vulns: Vec<Vuln> = ["CVE-2024-21762", "CVE-2021-41773", "CVE-2023-46747"]
        .iter()
        .map(|n| vuln(n, &["cve5", "nvd"]))
        .collect();
    let host = item(&["Acme|Widget|latest|other", "Acme|Gadget|1.2.3|semver"]);
    for v in &vulns {
        assert_eq!(match_asset_full(v, &host), Matched::default(), "{}", v.id);
    }
    let idx = VulnIndex::new(&vulns);
    assert_eq!(idx.match_item_full(&host), Matched::default());
}

#[test]
fn unevaluable_in_bulk_equals_one_by_one() {
    let names = [
        "CVE-2024-21762",
        "CVE-2021-41773",
        "CVE-2018-13379",
        "CVE-2022-40684",
        "CVE-2023-22515",
        "CVE-2024-3400",
    ];
    let vulns: Vec<Vuln> = names.iter().map(|n| vuln(n, &["cve5", "nvd"])).collect();
    let mut items = vec![
        item(&[
            "Fortinet|FortiOS|latest|other",
            "Fortinet|FortiOS|7.2.6|dotted",
        ]),
        item(&["Apache Software Foundation|Apache HTTP Server|2.4.49|semver"]),
        item(&[
            "Atlassian|Confluence Server|8.3.0|semver",
            "Acme|Widget|2|other",
        ]),
        item(&["Palo Alto Networks|PAN-OS|unknown build|other"]),
        item(&["Fortinet|FortiOS|latest|other"]),
    ];
    for (i, it) in items.iter_mut().enumerate() {
        it.asset_id = i as i64 + 1;
    }
    let idx = VulnIndex::new(&vulns);
    let bulk = idx.match_items_full(&items);
    let mut each = Matched::default();
    for it in &items {
        for v in &vulns {
            let m = match_asset_full(v, it);
            each.findings.extend(m.findings);
            each.unevaluable.extend(m.unevaluable);
        }
    }
    let fkey = |f: &Finding| (f.asset_id, f.cve, f.evidence.record.clone());
    let ukey = |u: &Unevaluable| (u.asset_id, u.cve, u.record.clone());
    let (mut bf, mut bu) = (bulk.findings.clone(), bulk.unevaluable.clone());
    bf.sort_by_key(fkey);
    bu.sort_by_key(ukey);
    each.findings.sort_by_key(fkey);
    each.unevaluable.sort_by_key(ukey);
    assert_eq!(bf, each.findings);
    assert_eq!(bu, each.unevaluable);
    // Two assets with the same fact get the same statements, their own id.
    let of = |id: i64| -> Vec<(String, String)> {
        bulk.unevaluable
            .iter()
            .filter(|u| u.asset_id == id && u.inventory_fact.contains("FortiOS|latest"))
            .map(|u| (u.record.clone(), u.reason.clone()))
            .collect()
    };
    assert!(!of(1).is_empty());
    assert_eq!(of(1), of(5));
    assert_eq!(bulk, idx.match_items_full(&items));
}

#[test]
fn unevaluable_serialises_as_a_flat_record() {
    let v = vuln("CVE-2021-41773", &["cve5", "nvd"]);
    let host = item(&["Apache Software Foundation|Apache HTTP Server|2.4.49|semver"]);
    let u = match_asset_full(&v, &host).unevaluable.remove(0);
    let json = serde_json::to_value(&u).unwrap();
    let keys: Vec<&str> = json
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    let mut want = vec![
        "asset_id",
        "cve",
        "inventory_fact",
        "reason",
        "record",
        "rule",
        "source",
    ];
    let mut got = keys.clone();
    got.sort_unstable();
    want.sort_unstable();
    assert_eq!(got, want);
    assert_eq!(json["source"], "cve5-cna");
    assert_eq!(json["asset_id"], 7);
    assert_eq!(json["cve"], "CVE-2021-41773");
    let back: Unevaluable = serde_json::from_value(json).unwrap();
    assert_eq!(back, u);
    // Its fields read as they always were (as `app::vulns` reads them).
    let rows: Vec<[String; 7]> = vec![u]
        .into_iter()
        .map(|u| {
            [
                u.cve.to_string(),
                u.asset_id.to_string(),
                u.source.to_string(),
                u.record.to_string(),
                u.rule.to_string(),
                u.inventory_fact.to_string(),
                u.reason.to_string(),
            ]
        })
        .collect();
    assert_eq!(rows[0][2], "cve5-cna");
    assert_eq!(rows[0][1], "7");
}

/// Every product and version the real records name: the vendor data's
/// `vendor`/`product` and each CPE's vendor and product, with every
/// version, bound and CPE version they give.
fn names_and_versions(vulns: &[Vuln]) -> (Vec<(String, String)>, Vec<String>) {
    fn walk(v: &serde_json::Value, names: &mut Vec<(String, String)>, versions: &mut Vec<String>) {
        match v {
            serde_json::Value::Object(m) => {
                if let (Some(a), Some(b)) = (
                    m.get("vendor").and_then(|x| x.as_str()),
                    m.get("product").and_then(|x| x.as_str()),
                ) {
                    names.push((a.to_string(), b.to_string()));
                }
                // Microsoft's product tree.
                if let (Some(_), Some(b)) = (
                    m.get("ProductID").and_then(|x| x.as_str()),
                    m.get("Value").and_then(|x| x.as_str()),
                ) {
                    names.push(("Microsoft".to_string(), b.to_string()));
                }
                for (k, x) in m {
                    let bound = matches!(
                        k.as_str(),
                        "version"
                            | "FixedBuild"
                            | "lessThan"
                            | "lessThanOrEqual"
                            | "versionStartIncluding"
                            | "versionStartExcluding"
                            | "versionEndIncluding"
                            | "versionEndExcluding"
                    );
                    match x.as_str() {
                        Some(s) if bound => versions.push(s.to_string()),
                        Some(s) if k == "criteria" => {
                            let p: Vec<&str> = s.split(':').collect();
                            if p.len() > 5 {
                                names.push((p[3].to_string(), p[4].to_string()));
                                versions.push(p[5].to_string());
                            }
                        }
                        _ => walk(x, names, versions),
                    }
                }
            }
            serde_json::Value::Array(a) => a.iter().for_each(|x| walk(x, names, versions)),
            _ => {}
        }
    }
    let (mut names, mut versions) = (Vec::new(), Vec::new());
    let mut files = vec![MSRC.to_string()];
    for v in vulns {
        for dir in ["cve5", "nvd"] {
            let f = format!("{dir}/{}.json", v.id);
            if std::path::Path::new(&format!("{}/tests/data/{f}", env!("CARGO_MANIFEST_DIR")))
                .exists()
            {
                files.push(f);
            }
        }
    }
    for f in files {
        let doc: serde_json::Value = serde_json::from_slice(&data(&f)).unwrap();
        walk(&doc, &mut names, &mut versions);
    }
    names.sort();
    names.dedup();
    versions.retain(|s| !s.is_empty() && s != "*" && s != "-" && !s.contains('|'));
    versions.sort();
    versions.dedup();
    (names, versions)
}

/// A version near `v`: itself, with a part added, the last part dropped,
/// or the last number moved by one.
fn near(v: &str, how: u8) -> String {
    let cut = v.rfind(|c: char| !c.is_ascii_digit()).map_or(0, |i| i + 1);
    let (head, last) = v.split_at(cut);
    let bump = |d: i64| {
        last.parse::<i64>()
            .map(|n| format!("{head}{}", (n + d).max(0)))
            .unwrap_or_else(|_| v.to_string())
    };
    match how % 6 {
        0 => v.to_string(),
        1 => format!("{v}.0"),
        2 => format!("{v}.1"),
        3 => v.rsplit_once('.').map_or(v, |(a, _)| a).to_string(),
        4 => bump(1),
        _ => bump(-1),
    }
}

/// Every record of `tests/data`, with the names and versions they name.
struct RealRecords {
    vulns: Vec<Vuln>,
    names: Vec<(String, String)>,
    versions: Vec<String>,
}

/// The records of `tests/data` (CVE 5, NVD, CSAF, the Microsoft month,
/// with KEV and EPSS), merged, with the names and versions they name.
fn real_records() -> &'static RealRecords {
    use std::sync::OnceLock;
    static DATA: OnceLock<RealRecords> = OnceLock::new();
    DATA.get_or_init(|| {
        let mut db = VulnDb::new();
        for dir in ["cve5", "nvd"] {
            let path = format!("{}/tests/data/{dir}", env!("CARGO_MANIFEST_DIR"));
            let mut files: Vec<String> = std::fs::read_dir(path)
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
                .filter(|n| n.ends_with(".json"))
                .collect();
            files.sort();
            for f in files {
                let f = format!("{dir}/{f}");
                db.extend(feeds::read_feed(&f, &data(&f)).unwrap().vulns);
            }
        }
        for f in [MSRC, "icsa-24-004-01.json"] {
            db.extend(feeds::read_feed(f, &data(f)).unwrap().vulns);
        }
        for f in ["known_exploited_vulnerabilities.json", "epss_sample.csv"] {
            let imported = feeds::read_feed(f, &data(f)).unwrap();
            db.add_kev(imported.kev);
            db.add_epss(imported.epss);
        }
        let vulns = db.into_vec();
        let (names, versions) = names_and_versions(&vulns);
        RealRecords {
            vulns,
            names,
            versions,
        }
    })
}

/// What a proptest picks of the real records' names and versions.
type Picks = Vec<(
    proptest::sample::Index,
    proptest::sample::Index,
    u8,
    usize,
    bool,
)>;

fn picks() -> impl proptest::strategy::Strategy<Value = Picks> {
    proptest::collection::vec(
        (
            proptest::prelude::any::<proptest::sample::Index>(),
            proptest::prelude::any::<proptest::sample::Index>(),
            0u8..6,
            0usize..6,
            proptest::prelude::any::<bool>(),
        ),
        1..30,
    )
}

/// Assets with the picked products at versions on and around the bounds
/// the records name, some with a CPE, some with several facts.
fn inventory(real: &RealRecords, picks: &Picks, modules: &[&str]) -> Vec<InventoryItem> {
    let RealRecords {
        names, versions, ..
    } = real;
    let schemes = ["dotted", "semver", "deb", "rpm", "other", "dotted"];
    let mut items: Vec<InventoryItem> = Vec::new();
    for (i, (name, version, how, scheme, with_cpe)) in picks.iter().enumerate() {
        let (vendor, product) = &names[name.index(names.len())];
        let ver = near(&versions[version.index(versions.len())], *how);
        let cpe = if *with_cpe {
            format!(
                "|cpe:2.3:a:{}:{}:{}:*:*:*:*:*:*:*",
                vendor.to_lowercase().replace(' ', "_"),
                product.to_lowercase().replace(' ', "_"),
                ver.replace(':', "\\:")
            )
        } else {
            String::new()
        };
        let Ok(s) = format!("{vendor}|{product}|{ver}|{}{cpe}", schemes[*scheme])
            .parse::<domain::Software>()
        else {
            continue;
        };
        // A few assets hold several facts.
        if i % 3 == 2 && !items.is_empty() {
            items.last_mut().unwrap().software.push(s);
        } else {
            let mut it = InventoryItem::new(i as i64 + 1);
            it.software.push(s);
            it.modules = modules.iter().map(|m| m.to_string()).collect();
            items.push(it);
        }
    }
    items
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(150))]

    /// The index never loses or invents a finding or a "cannot be
    /// evaluated" entry: in bulk it finds what comparing each asset with
    /// each record finds, on the real records and the Microsoft month, with
    /// versions on and around every bound and fixed build they name.
    #[test]
    fn the_index_finds_what_each_record_finds(
        picks in picks(),
        modules in proptest::sample::subsequence(vec!["LTM", "APM", "ASM", "AFM"], 0..3),
    ) {
        let real = real_records();
        let vulns = &real.vulns;
        let items = inventory(real, &picks, &modules);
        let idx = VulnIndex::new(vulns);
        let bulk = idx.match_items_full_on(&items, 2);
        let mut each = Matched::default();
        for it in &items {
            for v in vulns.iter() {
                let m = match_asset_full(v, it);
                each.findings.extend(m.findings);
                each.unevaluable.extend(m.unevaluable);
            }
        }
        let fkey = |f: &Finding| (f.asset_id, f.cve, f.evidence.record.clone(), f.evidence.inventory_fact.clone());
        let ukey = |u: &Unevaluable| (u.asset_id, u.cve, u.record.clone(), u.inventory_fact.clone());
        let (mut bf, mut bu) = (bulk.findings, bulk.unevaluable);
        bf.sort_by_key(fkey);
        bu.sort_by_key(ukey);
        each.findings.sort_by_key(fkey);
        each.unevaluable.sort_by_key(ukey);
        // No vendor range matches a version outside what the reference
        // reading of the record (below, independent of the engine) allows.
        for f in &each.findings {
            if let Err(e) = reference_allows(vulns, f) {
                proptest::prop_assert!(false, "{e}: {f:#?}");
            }
        }
        proptest::prop_assert_eq!(&bf, &each.findings);
        proptest::prop_assert_eq!(&bu, &each.unevaluable);
        // Handed out a piece at a time, on several threads, the same: the
        // inventory repeated (new asset ids) past one piece's size.
        let many: Vec<InventoryItem> = (0..700 / items.len().max(1) + 1)
            .flat_map(|round| {
                items.iter().map(move |it| InventoryItem {
                    asset_id: it.asset_id + 1_000_000 * round as i64,
                    ..it.clone()
                })
            })
            .collect();
        let mut want = idx.match_items_full_on(&many, 2);
        let states = idx.match_items_each(&many, 2, true, Matched::default, |s, m| {
            s.findings.extend_from_slice(&m.findings);
            s.unevaluable.extend_from_slice(&m.unevaluable);
        });
        let mut got = Matched::default();
        for s in states {
            got.findings.extend(s.findings);
            got.unevaluable.extend(s.unevaluable);
        }
        for m in [&mut want, &mut got] {
            // Stable sorts: one asset's findings keep the engine's order.
            m.findings.sort_by_key(|f| f.asset_id);
            m.unevaluable.sort_by_key(|u| u.asset_id);
        }
        proptest::prop_assert_eq!(got, want);
    }

    /// The records as their compact forms decode (what a matching run
    /// reads from the store) give exactly the findings, "cannot be
    /// evaluated" entries and priorities the records give.
    #[test]
    fn compact_records_match_as_the_records_do(
        picks in picks(),
        modules in proptest::sample::subsequence(vec!["LTM", "APM", "ASM", "AFM"], 0..3),
    ) {
        use std::sync::OnceLock;
        use vulnmatch::compact;
        use vulnmatch::priority::{assess, Context, DecisionTable, Policy};
        let real = real_records();
        static DECODED: OnceLock<Vec<Vuln>> = OnceLock::new();
        let decoded = DECODED.get_or_init(|| {
            let mut d = compact::Decoder::new();
            real.vulns.iter().map(|v| d.decode(&compact::encode(v)).unwrap()).collect()
        });
        let items = inventory(real, &picks, &modules);
        let want = VulnIndex::new(&real.vulns).match_items_full_on(&items, 2);
        let got = VulnIndex::new(decoded).match_items_full_on(&items, 2);
        proptest::prop_assert_eq!(&got.findings, &want.findings);
        proptest::prop_assert_eq!(&got.unevaluable, &want.unevaluable);
        let (table, policy) = (DecisionTable::deployer_v2(), Policy::default());
        for f in &want.findings {
            let of = |vs: &[Vuln]| vs.iter().find(|v| v.id == f.cve).cloned().unwrap();
            for level in [1u8, 3, 5] {
                let ctx = Context { internet_facing: level == 3, security_level: level, exposure: None };
                proptest::prop_assert_eq!(
                    assess(&of(decoded), &ctx, &table, &policy),
                    assess(&of(&real.vulns), &ctx, &table, &policy)
                );
            }
        }
    }
}

/// Every real record's compact form decodes to exactly what matching and
/// the priority read of it.
#[test]
fn every_real_record_survives_its_compact_form() {
    use vulnmatch::compact;
    let mut d = compact::Decoder::new();
    let real = real_records();
    assert!(real
        .vulns
        .iter()
        .any(|v| v.kev.is_some() && !v.configurations.is_empty()));
    for v in &real.vulns {
        assert_eq!(
            d.decode(&compact::encode(v)).unwrap(),
            compact::matching_part(v),
            "{}",
            v.id
        );
    }
}

/// A plain reading of a vendor range, written apart from the engine: the
/// finding's entry must have an upper bound the installed version is below
/// (a version, `*`, or a branch `x*`), or be Atlassian's pair whose second
/// half has one, or be ended by its changes at versions; an upper bound
/// that is any other text never gives a finding. A `patch` entry
/// (`13.1-FIPS`) holds only versions of its branch and edition.
fn reference_allows(vulns: &[Vuln], f: &Finding) -> Result<(), String> {
    use vulnmatch::version::{compare_or_generic, looks_like_version, Scheme};
    if !matches!(
        f.evidence.source,
        EvidenceSource::Cve5Cna | EvidenceSource::Cve5Adp
    ) {
        return Ok(());
    }
    let Some((origin, k)) = f
        .evidence
        .record
        .split_once(' ')
        .and_then(|(_, at)| at.rsplit_once(".versions["))
    else {
        return Ok(()); // defaultStatus
    };
    let k: usize = k.trim_end_matches(']').parse().map_err(|_| "index")?;
    let v = vulns.iter().find(|v| v.id == f.cve).ok_or("record")?;
    let rule = v
        .affected
        .iter()
        .find(|r| r.origin == origin)
        .ok_or("rule")?;
    let e = rule.versions.get(k).ok_or("entry")?;
    // The installed version: the third field of the fact.
    let fact = f.evidence.inventory_fact.split(';').next().unwrap_or("");
    let installed = fact.split('|').nth(2).unwrap_or("").trim();
    let unstated = |s: &str| ["unspecified", "n/a", ""].contains(&s.trim().to_lowercase().as_str());
    let (upper, incl) = match (&e.less_than, &e.less_than_or_equal) {
        (_, Some(le)) => (le.clone(), true),
        (Some(lt), None) if unstated(lt) => {
            // Atlassian's pair: the end is the next entry's.
            let next = rule
                .versions
                .get(k + 1)
                .ok_or("a lone 'unspecified' upper bound gave a finding")?;
            if !unstated(&next.version) {
                return Err("an 'unspecified' upper bound without its pair gave a finding".into());
            }
            match (&next.less_than, &next.less_than_or_equal) {
                (_, Some(le)) => (le.clone(), true),
                (Some(lt), None) => (lt.clone(), false),
                _ => return Err("pair without an end".into()),
            }
        }
        (Some(lt), None) => (lt.clone(), false),
        (None, None) => return Ok(()), // exact versions, lists, operators
    };
    let upper = upper.trim();
    if upper == "*"
        || (upper.ends_with('*') && looks_like_version(upper.trim_end_matches(['*', '.', 'x'])))
    {
        return Ok(());
    }
    if !looks_like_version(upper) {
        let ended = e.changes.iter().any(|c| looks_like_version(&c.at));
        return if ended {
            Ok(())
        } else {
            Err(format!(
                "upper bound '{upper}' is not a version, yet a finding"
            ))
        };
    }
    let patch = e
        .version_type
        .as_deref()
        .is_some_and(|t| t.eq_ignore_ascii_case("patch"));
    let (below, what) = if patch {
        let (branch, edition) = match e.version.rsplit_once('-') {
            Some((b, ed)) if ed.bytes().all(|c| c.is_ascii_alphabetic()) => (b, Some(ed)),
            _ => (e.version.as_str(), None),
        };
        let (inst, inst_ed) = match installed.rsplit_once('-') {
            Some((b, ed)) if ed.len() > 1 && ed.bytes().all(|c| c.is_ascii_alphabetic()) => {
                (b, Some(ed))
            }
            _ => (installed, None),
        };
        let same = match (edition, inst_ed) {
            (None, None) => true,
            (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
            _ => false,
        };
        if !same {
            return Err(format!(
                "edition of '{installed}' is not the line '{}'",
                e.version
            ));
        }
        let Some(build) = inst.strip_prefix(branch).and_then(|x| x.strip_prefix('-')) else {
            return Err(format!("'{installed}' is not in branch '{branch}'"));
        };
        (
            compare_or_generic(Scheme::Dotted, build, upper).0,
            build.to_string(),
        )
    } else {
        if !looks_like_version(installed) {
            return Ok(()); // other orderings (packages) are not read here
        }
        (
            compare_or_generic(Scheme::Dotted, installed, upper).0,
            installed.to_string(),
        )
    };
    let ok = below.is_lt() || (incl && below.is_eq());
    // Changes at versions may move the status on; the upper bound holds.
    if ok
        || e.version_type
            .as_deref()
            .is_some_and(|t| t != "custom" && t != "patch")
    {
        Ok(())
    } else {
        Err(format!("{what} is not below '{upper}'"))
    }
}
