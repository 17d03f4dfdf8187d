//! Feed readers on the real files in tests/data (see its README).

use std::io::Write;
use vulnmatch::feeds::{self, FeedError, FeedKind};
use vulnmatch::{CveId, CvssVersion, Source, Status, VulnDb};

fn data(path: &str) -> Vec<u8> {
    std::fs::read(format!("{}/tests/data/{path}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

fn id(s: &str) -> CveId {
    s.parse().unwrap()
}

const NVD: &[&str] = &[
    "CVE-2018-13379",
    "CVE-2020-5902",
    "CVE-2021-26855",
    "CVE-2021-34473",
    "CVE-2021-41773",
    "CVE-2021-44228",
    "CVE-2022-1388",
    "CVE-2022-40684",
    "CVE-2023-22515",
    "CVE-2023-23397",
    "CVE-2023-46747",
    "CVE-2023-46748",
    "CVE-2023-4966",
    "CVE-2024-21413",
    "CVE-2024-21762",
    "CVE-2024-3400",
    "CVE-2024-6387",
];

#[test]
fn every_real_nvd_and_cve5_record_reads_without_problems() {
    for name in NVD {
        for dir in ["nvd", "cve5"] {
            let file = format!("{dir}/{name}.json");
            let out = feeds::read_feed(&file, &data(&file)).unwrap();
            assert!(out.problems.is_empty(), "{file}: {:?}", out.problems);
            assert_eq!(out.vulns.len(), 1, "{file}");
            assert_eq!(out.vulns[0].id, id(name));
            let kind = if dir == "nvd" {
                FeedKind::Nvd
            } else {
                FeedKind::Cve5
            };
            assert_eq!(out.kind, Some(kind));
        }
    }
}

#[test]
fn nvd_record_fields() {
    let out =
        feeds::nvd::parse("nvd/CVE-2023-46747.json", &data("nvd/CVE-2023-46747.json")).unwrap();
    let v = &out.vulns[0];
    assert_eq!(v.configurations.len(), 20);
    assert_eq!(v.cvss_of(CvssVersion::V31).unwrap().base_score, 9.8);
    assert_eq!(v.cvss_of(CvssVersion::V31).unwrap().source, "nvd@nist.gov");
    assert!(v.cwe.contains(&"CWE-306".to_string()) && v.cwe.contains(&"CWE-288".to_string()));
    let kev = v.kev.as_ref().unwrap();
    assert_eq!(kev.due_date.unwrap().to_string(), "2023-11-21");
    assert_eq!(v.published.unwrap().date_naive().to_string(), "2023-10-26");
    let log4j = feeds::read_feed("x", &data("nvd/CVE-2021-44228.json")).unwrap();
    assert!(log4j.vulns[0]
        .configurations
        .iter()
        .any(|c| c.operator == vulnmatch::Operator::And && c.nodes.len() == 2));
}

#[test]
fn nvd_api_page_gzip_and_xz() {
    let a = String::from_utf8(data("nvd/CVE-2024-3400.json")).unwrap();
    let b = String::from_utf8(data("nvd/CVE-2024-21762.json")).unwrap();
    let page = format!(
        r#"{{"resultsPerPage":2,"startIndex":0,"totalResults":2,"format":"NVD_CVE","version":"2.0","timestamp":"2024-04-14T00:00:00.000","vulnerabilities":[{{"cve":{a}}},{{"cve":{b}}}]}}"#
    );
    let out = feeds::read_feed("page.json", page.as_bytes()).unwrap();
    assert_eq!(out.kind, Some(FeedKind::Nvd));
    assert_eq!(out.vulns.len(), 2);
    // gzip
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(page.as_bytes()).unwrap();
    let gz = gz.finish().unwrap();
    let out = feeds::read_feed("nvdcve-2.0-2024.json.gz", &gz).unwrap();
    assert_eq!(out.vulns.len(), 2);
    // xz
    let mut xz = Vec::new();
    lzma_rs::xz_compress(&mut page.as_bytes(), &mut xz).unwrap();
    let out = feeds::read_feed("nvdcve-2.0-2024.json.xz", &xz).unwrap();
    assert_eq!(out.vulns.len(), 2);
    // a single item {"cve": …}
    let item = format!(r#"{{"cve":{a}}}"#);
    assert_eq!(
        feeds::read_feed("item.json", item.as_bytes())
            .unwrap()
            .vulns
            .len(),
        1
    );
    // size limit
    let err = feeds::read_feed_limited("big.json.gz", &gz, 100).unwrap_err();
    assert!(matches!(err, FeedError::TooLarge { .. }));
    // a truncated gzip file
    let err = feeds::read_feed("cut.json.gz", &gz[..gz.len() / 2]).unwrap_err();
    assert!(err.to_string().starts_with("cut.json.gz: "), "{err}");
}

#[test]
fn a_bad_record_is_skipped_and_reported_with_its_path() {
    let good = String::from_utf8(data("nvd/CVE-2024-3400.json")).unwrap();
    let bad = String::from_utf8(data("nvd/CVE-2024-21762.json"))
        .unwrap()
        .replacen(r#""baseScore": 9.8"#, r#""baseScore": "critical""#, 1)
        .replacen(r#""baseScore":9.8"#, r#""baseScore":"critical""#, 1);
    assert!(bad.contains("critical"));
    let page = format!(
        r#"{{"vulnerabilities":[{{"cve":{good}}},{{"cve":{bad}}},{{"cve":{{"id":"CVE-2024-BAD"}}}}]}}"#
    );
    let out = feeds::read_feed("nvd-page.json", page.as_bytes()).unwrap();
    assert_eq!(out.vulns.len(), 1, "the rest imports");
    assert_eq!(out.problems.len(), 2);
    let p = &out.problems[0];
    assert_eq!(p.file, "nvd-page.json");
    assert!(
        p.path
            .starts_with("vulnerabilities[1].cve.metrics.cvssMetricV31[")
            && p.path.ends_with("].cvssData.baseScore"),
        "{p}"
    );
    assert_eq!(p.record.as_deref(), Some("CVE-2024-21762"));
    assert!(p.to_string().contains("invalid type: string"), "{p}");
    assert_eq!(out.problems[1].path, "vulnerabilities[2].cve.id");
}

#[test]
fn a_malformed_file_names_the_file_and_the_json_path() {
    let text = String::from_utf8(data("known_exploited_vulnerabilities.json")).unwrap();
    let cut = &text[..text.len() / 2];
    let err = feeds::read_feed("known_exploited_vulnerabilities.json", cut.as_bytes()).unwrap_err();
    match &err {
        FeedError::Json {
            file, path, line, ..
        } => {
            assert_eq!(file, "known_exploited_vulnerabilities.json");
            assert_eq!(path, "vulnerabilities");
            assert!(*line > 1);
        }
        e => panic!("{e}"),
    }
    let err = feeds::read_feed("x.json", br#"{"a": [1, 2,, 3]}"#).unwrap_err();
    assert!(err.to_string().starts_with("x.json: at a"), "{err}");
    let err = feeds::read_feed("y.json", br#"{"hello": "world"}"#).unwrap_err();
    assert!(matches!(err, FeedError::Format { .. }), "{err}");
    assert!(feeds::read_feed("empty.json", b"  ").is_err());
}

#[test]
fn cve5_record_fields() {
    let out = feeds::cve5::parse(
        "cve5/CVE-2023-46747.json",
        &data("cve5/CVE-2023-46747.json"),
    )
    .unwrap();
    let v = &out.vulns[0];
    let r = &v.affected[0];
    assert_eq!(r.source, Source::Cve5Cna);
    assert_eq!(r.vendor.as_deref(), Some("F5"));
    assert_eq!(r.product.as_deref(), Some("BIG-IP"));
    assert_eq!(r.modules, vec!["All Modules".to_string()]);
    assert_eq!(r.default_status, Status::Unknown);
    assert_eq!(r.versions.len(), 5);
    assert_eq!(r.versions[0].less_than.as_deref(), Some("*"));
    assert_eq!(
        r.versions[0].changes[0].at,
        "Hotfix-BIGIP-17.1.0.3.0.75.4-ENG.iso"
    );
    assert!(r
        .fixes
        .contains(&"Hotfix-BIGIP-17.1.0.3.0.75.4-ENG.iso".to_string()));
    assert_eq!(r.origin, "containers.cna.affected[0]");
    assert!(v
        .cvss
        .iter()
        .any(|c| c.source == "cna:f5" && c.version == CvssVersion::V31 && c.base_score == 9.8));
    // The CISA ADP container: SSVC decision points and KEV.
    let log4j = feeds::read_feed("x", &data("cve5/CVE-2021-44228.json")).unwrap();
    let v = &log4j.vulns[0];
    let s = v.ssvc.as_ref().unwrap();
    assert_eq!(s.exploitation.as_deref(), Some("active"));
    assert_eq!(s.automatable.as_deref(), Some("yes"));
    assert_eq!(
        v.kev.as_ref().unwrap().date_added.unwrap().to_string(),
        "2021-12-10"
    );
    assert!(v
        .cvss
        .iter()
        .any(|c| c.source.starts_with("adp:") && c.base_score == 10.0));
    // CVSS v4 (none in the stored records: added here to the PAN-OS CNA
    // container and to the NVD record in the shape the schemas give).
    let v4 = serde_json::json!({"cvssV4_0": {"version": "4.0", "baseScore": 10.0,
        "vectorString": "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H"}});
    let mut rec: serde_json::Value =
        serde_json::from_slice(&data("cve5/CVE-2024-3400.json")).unwrap();
    rec["containers"]["cna"]["metrics"]
        .as_array_mut()
        .unwrap()
        .push(v4.clone());
    let pan = feeds::read_feed("x", rec.to_string().as_bytes()).unwrap();
    let best = pan.vulns[0].best_cvss().unwrap();
    assert_eq!(
        (best.version, best.base_score, best.source.as_str()),
        (CvssVersion::V40, 10.0, "cna:palo_alto")
    );
    let mut rec: serde_json::Value =
        serde_json::from_slice(&data("nvd/CVE-2024-3400.json")).unwrap();
    rec["metrics"]["cvssMetricV40"] = serde_json::json!([{"source": "psirt@paloaltonetworks.com",
        "type": "Secondary", "cvssData": v4["cvssV4_0"]}]);
    let nvd = feeds::read_feed("x", rec.to_string().as_bytes()).unwrap();
    assert_eq!(nvd.vulns[0].best_cvss().unwrap().version, CvssVersion::V40);
    // Red Hat's CPE 2.2 URIs parse.
    let ssh = feeds::read_feed("x", &data("cve5/CVE-2024-6387.json")).unwrap();
    assert!(ssh.problems.is_empty());
    assert!(ssh.vulns[0].affected.iter().any(|r| !r.cpes.is_empty()));
}

#[test]
fn kev_catalogue() {
    let out = feeds::kev::parse(
        "known_exploited_vulnerabilities.json",
        &data("known_exploited_vulnerabilities.json"),
    )
    .unwrap();
    assert!(
        out.problems.is_empty(),
        "{:?}",
        &out.problems[..out.problems.len().min(3)]
    );
    assert_eq!(out.kev.len(), 1404);
    assert_eq!(out.version.as_deref(), Some("2025.08.25"));
    let get = |s: &str| {
        out.kev
            .iter()
            .find(|(i, _)| *i == id(s))
            .map(|(_, k)| k)
            .unwrap()
    };
    let f5 = get("CVE-2023-46747");
    assert_eq!(f5.due_date.unwrap().to_string(), "2023-11-21");
    assert_eq!(f5.date_added.unwrap().to_string(), "2023-10-31");
    let citrix = get("CVE-2023-4966");
    assert!(citrix.ransomware, "Citrix Bleed is used by ransomware");
    let log4j = get("CVE-2021-44228");
    assert!(log4j.ransomware);
    let ransom = out.kev.iter().filter(|(_, k)| k.ransomware).count();
    assert!(ransom > 100 && ransom < 1404);
    // Merged into a database with NVD and CVE 5 data.
    let mut db = VulnDb::new();
    db.extend(
        feeds::read_feed("x", &data("nvd/CVE-2023-4966.json"))
            .unwrap()
            .vulns,
    );
    db.add_kev(out.kev.iter().cloned());
    let v = db.get(&id("CVE-2023-4966")).unwrap();
    assert!(v.kev.as_ref().unwrap().ransomware);
    assert_eq!(db.len(), 1404);
}

#[test]
fn epss_scores() {
    let out = feeds::read_feed("epss_sample.csv", &data("epss_sample.csv")).unwrap();
    assert_eq!(out.kind, Some(FeedKind::Epss));
    assert_eq!(out.version.as_deref(), Some("v2023.03.01"));
    assert_eq!(out.epss.len(), 5);
    let (i, e) = &out.epss[0];
    assert_eq!(*i, id("CVE-2021-44228"));
    assert!((e.score - 0.97565).abs() < 1e-6);
    assert_eq!(e.percentile, Some(0.99996));
    assert_eq!(e.score_date.unwrap().to_string(), "2024-04-14");
    assert!((out.epss[4].1.score - 5e-5).abs() < 1e-9);
    assert_eq!(out.problems.len(), 1);
    assert_eq!(out.problems[0].path, "line 8");
    assert_eq!(out.problems[0].record.as_deref(), Some("CVE-2024-9999"));
    // The 2021 shape: no comment, no percentile.
    let old = feeds::read_feed("old.csv", b"cve,epss\nCVE-2021-44228,0.9\n").unwrap();
    assert_eq!(old.epss[0].1.percentile, None);
}

#[test]
fn csaf_advisory() {
    let out = feeds::csaf::parse("icsa-24-004-01.json", &data("icsa-24-004-01.json")).unwrap();
    assert!(out.problems.is_empty(), "{:?}", out.problems);
    assert_eq!(out.version.as_deref(), Some("ICSA-24-004-01"));
    assert_eq!(out.vulns.len(), 2);
    let v = out
        .vulns
        .iter()
        .find(|v| v.id == id("CVE-2023-38545"))
        .unwrap();
    assert_eq!(v.cvss[0].base_score, 9.8);
    assert_eq!(v.cwe, vec!["CWE-787".to_string()]);
    let r = &v.affected[0];
    assert_eq!(r.source, Source::Csaf);
    assert_eq!(r.vendor.as_deref(), Some("Rockwell Automation"));
    assert_eq!(
        r.product.as_deref(),
        Some("Factory Talk Activation Manager")
    );
    assert_eq!(r.versions[0].less_than.as_deref(), Some("4.00"));
    assert_eq!(r.origin, "ICSA-24-004-01 CSAFPID-0001");
}

#[test]
fn a_month_of_microsofts_security_update_guide() {
    let file = "msrc/2024-Feb-excerpt.json";
    let out = feeds::read_feed(file, &data(file)).unwrap();
    assert_eq!(out.kind, Some(FeedKind::Msrc));
    assert_eq!(out.version.as_deref(), Some("2024-Feb"));
    // The ADV entry and the unknown product id are reported, the rest read.
    let problems: Vec<String> = out.problems.iter().map(|p| p.to_string()).collect();
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert!(
        problems[0].contains("Vulnerability[2]") && problems[0].contains("ADV990001"),
        "{problems:?}"
    );
    assert!(
        problems[1].contains("Vulnerability[3]") && problems[1].contains("'99999'"),
        "{problems:?}"
    );
    let ids: Vec<String> = out.vulns.iter().map(|v| v.id.to_string()).collect();
    assert_eq!(ids, ["CVE-2024-21338", "CVE-2024-21413", "CVE-2024-20684"]);
    let kernel = &out.vulns[0];
    assert_eq!(
        kernel.title.as_deref(),
        Some("Windows Kernel Elevation of Privilege Vulnerability")
    );
    assert_eq!(
        kernel.description.as_deref(),
        Some("An attacker who exploited this vulnerability could gain SYSTEM privileges.")
    );
    assert_eq!(kernel.cvss[0].base_score, 7.8);
    assert_eq!(kernel.cvss[0].metric("AV"), Some("L"));
    assert_eq!(kernel.affected.len(), 3);
    let server = &kernel.affected[0];
    assert_eq!(server.source, Source::Csaf);
    assert_eq!(server.origin, "MSRC-2024-Feb 11923");
    assert_eq!(server.vendor.as_deref(), Some("Microsoft"));
    assert_eq!(server.product.as_deref(), Some("Windows Server 2022"));
    assert_eq!(server.versions.len(), 1);
    assert_eq!(server.versions[0].version, "0");
    assert_eq!(
        server.versions[0].less_than.as_deref(),
        Some("10.0.20348.2322")
    );
    // The workaround (type 0) is not a fix.
    assert_eq!(server.fixes, vec!["KB5034770".to_string()]);
    assert_eq!(
        kernel.affected[1].product.as_deref(),
        Some("Windows Server 2022 (Server Core installation)")
    );
    assert_eq!(
        kernel.affected[2].versions[0].less_than.as_deref(),
        Some("10.0.22631.3155")
    );
    assert_eq!(kernel.affected[2].fixes, vec!["KB5034765".to_string()]);
    // A Click-to-Run fix names no build or KB: every version is affected.
    let outlook = &out.vulns[1];
    let apps = &outlook.affected[0];
    assert_eq!(
        apps.product.as_deref(),
        Some("Microsoft 365 Apps for Enterprise for 64-bit Systems")
    );
    assert!(apps.versions.is_empty() && apps.fixes.is_empty());
    assert_eq!(apps.default_status, Status::Affected);
    assert_eq!(
        outlook.affected[1].versions[0].less_than.as_deref(),
        Some("16.0.5435.1001")
    );
    assert_eq!(outlook.affected[1].fixes, vec!["KB5002537".to_string()]);
    assert_eq!(
        outlook.description.as_deref(),
        Some("Opening a crafted \"moniker\" link bypasses Protected View.")
    );
    // Importing the month again replaces its statements, it does not add to them.
    let mut db = VulnDb::new();
    db.extend(out.vulns.clone());
    db.extend(feeds::read_feed(file, &data(file)).unwrap().vulns);
    let merged = db.into_vec();
    let k = merged
        .iter()
        .find(|v| v.id == id("CVE-2024-21338"))
        .unwrap();
    assert_eq!(k.affected.len(), 3);
}

#[test]
fn merging_is_idempotent_and_cna_first() {
    let nvd = feeds::read_feed("n", &data("nvd/CVE-2024-3400.json"))
        .unwrap()
        .vulns;
    let cve5 = feeds::read_feed("c", &data("cve5/CVE-2024-3400.json"))
        .unwrap()
        .vulns;
    let mut db = VulnDb::new();
    db.extend(nvd.clone());
    db.extend(cve5.clone());
    let once = db.get(&id("CVE-2024-3400")).unwrap().clone();
    db.extend(nvd);
    db.extend(cve5);
    let twice = db.get(&id("CVE-2024-3400")).unwrap().clone();
    assert_eq!(once, twice, "importing again changes nothing");
    assert_eq!(once.text_source, Some(Source::Cve5Cna));
    assert!(once.affected.iter().any(|r| r.source == Source::Cve5Cna));
    assert!(once.kev.is_some(), "NVD's CISA fields are kept");
    // The CNA's description, not NVD's.
    assert!(!once
        .description
        .as_deref()
        .unwrap()
        .contains("Fixes for PAN-OS 10.2"));
}
