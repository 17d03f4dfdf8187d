use chrono::{DateTime, Utc};
use incident::*;
use serde_json::Value;
use std::collections::{BTreeSet, HashSet};

fn at(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

fn incident() -> IncidentExport {
    IncidentExport {
        id: "SC-2025-0042".into(),
        title: "Cổng dịch vụ công bị thay đổi giao diện".into(),
        description: "Trang chủ bị thay bằng nội dung lạ lúc 23:10.".into(),
        class: IncidentClass::Defacement,
        severity: Severity::High,
        state: IncidentState::Contained,
        tlp: Tlp::Amber,
        detected_at: at("2025-01-25T16:10:00Z"),
        reported_at: at("2025-01-25T17:00:00Z"),
        reporter_org: "Sở Tài chính tỉnh Quảng Ngãi".into(),
        system_name: Some("Cổng thông tin điện tử".into()),
        system_code: Some("QNG-STC.01".into()),
    }
}

fn obs(text: &str, tlp: Tlp, role: ObservableRole) -> ObservableExport {
    ObservableExport::new(Observable::detect(text).unwrap(), tlp).with_role(role)
}

fn observables() -> Vec<ObservableExport> {
    use ObservableRole::*;
    vec![
        obs("185.220.101.4", Tlp::Green, Source),
        obs("2001:db8::66", Tlp::Amber, Destination),
        obs("203.113.128.0/24", Tlp::Amber, Unknown),
        obs("evil-cdn.xyz", Tlp::Amber, Destination),
        obs("hxxp://evil-cdn[.]xyz/x.php", Tlp::AmberStrict, Destination),
        obs("attacker@evil-cdn.xyz", Tlp::Amber, Source),
        obs("d41d8cd98f00b204e9800998ecf8427e", Tlp::Amber, Unknown),
        obs("da39a3ee5e6b4b0d3255bfef95601890afd80709", Tlp::Amber, Unknown),
        obs("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", Tlp::Amber, Unknown),
        obs("cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e", Tlp::Amber, Unknown),
        obs("shell.php", Tlp::Amber, Unknown),
        // The agency's own server: context, not an indicator.
        obs("10.10.1.5", Tlp::Amber, Victim),
        // Only for the people named.
        obs("45.77.12.9", Tlp::Red, Source),
        // Given twice: exported once with the stricter TLP.
        obs("evil-cdn.xyz", Tlp::AmberStrict, Unknown),
    ]
}

fn now() -> DateTime<Utc> {
    at("2025-01-26T03:04:05.678Z")
}

fn by_id(bundle: &Value) -> std::collections::HashMap<String, Value> {
    bundle["objects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| (o["id"].as_str().unwrap().to_string(), o.clone()))
        .collect()
}

/// Every `*_ref` and `*_refs` anywhere in the object.
fn refs(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                if k.ends_with("_ref") {
                    out.push(x.as_str().unwrap().to_string());
                } else if k.ends_with("_refs") {
                    for r in x.as_array().unwrap() {
                        out.push(r.as_str().unwrap().to_string());
                    }
                } else {
                    refs(x, out);
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|x| refs(x, out)),
        _ => {}
    }
}

fn is_stix_timestamp(s: &str) -> bool {
    // YYYY-MM-DDTHH:MM:SS.mmmZ
    s.len() == 24 && s.ends_with('Z') && &s[19..20] == "." && s.parse::<DateTime<Utc>>().is_ok()
}

#[test]
fn stix_bundle_is_complete_and_consistent() {
    let b = stix_bundle(
        &incident(),
        &observables(),
        now(),
        &ExportOptions::default(),
    );
    assert_eq!(b["type"], "bundle");
    assert!(b["id"].as_str().unwrap().starts_with("bundle--"));
    let objects = b["objects"].as_array().unwrap();
    let ids = by_id(&b);
    assert_eq!(ids.len(), objects.len(), "duplicate ids");

    // Types present.
    let types: BTreeSet<&str> = objects
        .iter()
        .map(|o| o["type"].as_str().unwrap())
        .collect();
    for t in [
        "report",
        "incident",
        "identity",
        "marking-definition",
        "ipv4-addr",
        "ipv6-addr",
        "domain-name",
        "url",
        "email-addr",
        "file",
        "indicator",
        "observed-data",
    ] {
        assert!(types.contains(t), "missing {t}: {types:?}");
    }

    // Every reference resolves inside the bundle.
    let mut all_refs = Vec::new();
    refs(&b, &mut all_refs);
    assert!(!all_refs.is_empty());
    for r in &all_refs {
        assert!(ids.contains_key(r), "dangling reference {r}");
    }

    // Common properties, ids and timestamps.
    for o in objects {
        let ty = o["type"].as_str().unwrap();
        assert_eq!(o["spec_version"], "2.1", "{ty}");
        let id = o["id"].as_str().unwrap();
        let (prefix, uuid) = id.split_once("--").unwrap();
        assert_eq!(prefix, ty);
        assert_eq!(uuid.len(), 36);
        assert!(matches!(&uuid[14..15], "4" | "5"), "{id}");
        for k in [
            "created",
            "modified",
            "published",
            "valid_from",
            "first_observed",
            "last_observed",
        ] {
            if let Some(t) = o.get(k) {
                assert!(is_stix_timestamp(t.as_str().unwrap()), "{ty}.{k} = {t}");
            }
        }
    }

    // The TLP 2.0 markings, as published.
    let markings: Vec<&Value> = objects
        .iter()
        .filter(|o| o["type"] == "marking-definition")
        .collect();
    let marking_ids: HashSet<&str> = markings.iter().map(|m| m["id"].as_str().unwrap()).collect();
    assert_eq!(
        marking_ids,
        HashSet::from([
            "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
            "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
            "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
        ])
    );
    let strict = &ids["marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003"];
    assert_eq!(strict["name"], "TLP:AMBER+STRICT");
    assert_eq!(strict["created"], "2022-10-01T00:00:00.000Z");
    assert_eq!(
        strict["extensions"]["extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"]
            ["tlp_2_0"],
        "amber+strict"
    );

    // The incident and report carry the incident's TLP.
    let report = objects.iter().find(|o| o["type"] == "report").unwrap();
    assert_eq!(report["report_types"][0], "incident");
    assert_eq!(report["published"], "2025-01-25T17:00:00.000Z");
    assert_eq!(report["modified"], "2025-01-26T03:04:05.678Z");
    let inc = objects.iter().find(|o| o["type"] == "incident").unwrap();
    for o in [report, inc] {
        assert_eq!(
            o["object_marking_refs"][0],
            "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"
        );
    }
    assert!(inc["labels"]
        .as_array()
        .unwrap()
        .contains(&"class:defacement".into()));
    assert_eq!(inc["external_references"][0]["external_id"], "SC-2025-0042");
    assert_eq!(inc["external_references"][1]["external_id"], "QNG-STC.01");

    // SCOs: deterministic ids as STIX 2.1 defines them, own markings.
    let ip = &ids["ipv4-addr--884064c5-a89a-5140-902f-94465f0a1cfc"];
    assert_eq!(ip["value"], "185.220.101.4");
    assert_eq!(
        ip["object_marking_refs"][0],
        "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"
    );
    let domain = objects.iter().find(|o| o["type"] == "domain-name").unwrap();
    assert_eq!(
        domain["object_marking_refs"][0],
        "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
        "duplicates keep the stricter TLP"
    );
    let block = objects
        .iter()
        .find(|o| o["value"] == "203.113.128.0/24")
        .unwrap();
    assert_eq!(block["type"], "ipv4-addr");
    let url = objects.iter().find(|o| o["type"] == "url").unwrap();
    assert_eq!(url["value"], "http://evil-cdn.xyz/x.php");
    let files: Vec<&Value> = objects.iter().filter(|o| o["type"] == "file").collect();
    assert_eq!(files.len(), 5);
    let hash_algs: BTreeSet<String> = files
        .iter()
        .filter_map(|f| f.get("hashes"))
        .flat_map(|h| h.as_object().unwrap().keys().cloned())
        .collect();
    assert_eq!(
        hash_algs,
        BTreeSet::from([
            "MD5".into(),
            "SHA-1".into(),
            "SHA-256".into(),
            "SHA-512".into()
        ])
    );
    assert!(files.iter().any(|f| f["name"] == "shell.php"));

    // Indicators: not for the victim's own (private) address.
    let patterns: Vec<&str> = objects
        .iter()
        .filter(|o| o["type"] == "indicator")
        .map(|o| o["pattern"].as_str().unwrap())
        .collect();
    assert!(patterns.contains(&"[ipv4-addr:value = '185.220.101.4']"));
    assert!(patterns.contains(&"[ipv4-addr:value ISSUBSET '203.113.128.0/24']"));
    assert!(patterns.contains(&"[file:hashes.'SHA-256' = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855']"));
    assert!(patterns.contains(&"[file:name = 'shell.php']"));
    assert!(!patterns.iter().any(|p| p.contains("10.10.1.5")));
    assert!(
        objects.iter().any(|o| o["value"] == "10.10.1.5"),
        "victim kept as an SCO"
    );

    // The observed data starts at detection.
    let od = objects
        .iter()
        .find(|o| o["type"] == "observed-data")
        .unwrap();
    assert_eq!(od["first_observed"], "2025-01-25T16:10:00.000Z");

    // TLP:RED left out, and its marking with it.
    let text = b.to_string();
    assert!(!text.contains("45.77.12.9"));
    assert!(!text.contains("e828b379-4e03-4974-9ac4-e53a884c97c1"));

    // Deterministic: the same export twice is the same bundle.
    assert_eq!(
        b,
        stix_bundle(
            &incident(),
            &observables(),
            now(),
            &ExportOptions::default()
        )
    );
}

#[test]
fn stix_sco_ids_match_the_stix_reference_computation() {
    // Values computed with Python's uuid.uuid5 over the canonical JSON, as the
    // stix2 library does.
    let ip = Observable::detect("203.0.113.7").unwrap();
    assert_eq!(
        incident::stix::sco_id(&ip),
        "ipv4-addr--9ddd739e-87b1-587d-83f2-62ef1130af2f"
    );
    let md5 = Observable::detect("d41d8cd98f00b204e9800998ecf8427e").unwrap();
    assert_eq!(
        incident::stix::sco_id(&md5),
        "file--02fff920-f614-527c-81d1-6353633a6d21"
    );
    let dom = Observable::detect("example.com").unwrap();
    assert_eq!(
        incident::stix::sco_id(&dom),
        "domain-name--bedb4899-d24b-5401-bc86-8f6b4cc18ec7"
    );
}

#[test]
fn red_is_included_only_when_asked() {
    let opts = ExportOptions { include_red: true };
    let b = stix_bundle(&incident(), &observables(), now(), &opts);
    let text = b.to_string();
    assert!(text.contains("45.77.12.9"));
    assert!(text.contains("marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"));
    let e = misp_event(&incident(), &observables(), now(), &opts);
    assert!(e.to_string().contains("45.77.12.9"));
    assert!(e.to_string().contains("tlp:red"));
    let e = misp_event(
        &incident(),
        &observables(),
        now(),
        &ExportOptions::default(),
    );
    assert!(!e.to_string().contains("45.77.12.9"));
    assert!(!e.to_string().contains("tlp:red"));
}

#[test]
fn misp_event_is_typed_and_tagged() {
    let e = misp_event(
        &incident(),
        &observables(),
        now(),
        &ExportOptions::default(),
    );
    let ev = &e["Event"];
    assert_eq!(ev["info"], "Cổng dịch vụ công bị thay đổi giao diện");
    // 16:10 UTC on the 25th is 23:10 on the 25th in Vietnam.
    assert_eq!(ev["date"], "2025-01-25");
    assert_eq!(ev["threat_level_id"], "1");
    assert_eq!(ev["analysis"], "1");
    assert_eq!(ev["distribution"], "0");
    assert_eq!(ev["published"], false);
    assert_eq!(ev["timestamp"], now().timestamp().to_string());
    let tags: Vec<&str> = ev["Tag"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert!(tags.contains(&"tlp:amber"));
    assert!(tags.contains(&"canhgac:incident-class=\"defacement\""));
    assert_eq!(ev["uuid"].as_str().unwrap().len(), 36);

    let attrs = ev["Attribute"].as_array().unwrap();
    let find = |v: &str| {
        attrs
            .iter()
            .find(|a| a["value"] == v)
            .unwrap_or_else(|| panic!("{v}"))
    };
    let expect = [
        ("185.220.101.4", "ip-src", "Network activity", true),
        ("2001:db8::66", "ip-dst", "Network activity", true),
        ("203.113.128.0/24", "ip-dst", "Network activity", true),
        ("evil-cdn.xyz", "domain", "Network activity", true),
        ("http://evil-cdn.xyz/x.php", "url", "Network activity", true),
        (
            "attacker@evil-cdn.xyz",
            "email-src",
            "Payload delivery",
            true,
        ),
        (
            "d41d8cd98f00b204e9800998ecf8427e",
            "md5",
            "Payload delivery",
            true,
        ),
        (
            "da39a3ee5e6b4b0d3255bfef95601890afd80709",
            "sha1",
            "Payload delivery",
            true,
        ),
        (
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            "sha256",
            "Payload delivery",
            true,
        ),
        ("shell.php", "filename", "Payload delivery", true),
        ("10.10.1.5", "ip-dst", "Network activity", false),
    ];
    for (value, ty, cat, to_ids) in expect {
        let a = find(value);
        assert_eq!(a["type"], ty, "{value}");
        assert_eq!(a["category"], cat, "{value}");
        assert_eq!(a["to_ids"], to_ids, "{value}");
        assert_eq!(a["uuid"].as_str().unwrap().len(), 36);
    }
    assert!(attrs.iter().any(|a| a["type"] == "sha512"));
    // TLP per attribute: tag always, distribution inherited when equal to the
    // event's, never wider than the event's otherwise.
    let green = find("185.220.101.4");
    assert_eq!(green["Tag"][0]["name"], "tlp:green");
    assert_eq!(green["distribution"], "0");
    assert_eq!(find("evil-cdn.xyz")["Tag"][0]["name"], "tlp:amber+strict");
    assert_eq!(find("shell.php")["distribution"], "5");
    // Context: the reference, the description, the affected system.
    let reference = find("SC-2025-0042");
    assert_eq!(
        (reference["type"].as_str(), reference["category"].as_str()),
        (Some("text"), Some("Internal reference"))
    );
    assert_eq!(
        find("Cổng thông tin điện tử (QNG-STC.01)")["type"],
        "target-machine"
    );
    // No duplicate uuids.
    let uuids: HashSet<&str> = attrs.iter().map(|a| a["uuid"].as_str().unwrap()).collect();
    assert_eq!(uuids.len(), attrs.len());
}

#[test]
fn misp_mappings() {
    use incident::misp::{analysis, threat_level_id, tlp_from_tag};
    assert_eq!(threat_level_id(Severity::Critical), 1);
    assert_eq!(threat_level_id(Severity::Medium), 2);
    assert_eq!(threat_level_id(Severity::Low), 3);
    assert_eq!(analysis(IncidentState::Reported), 0);
    assert_eq!(analysis(IncidentState::Closed), 2);
    assert_eq!(Tlp::Clear.misp_distribution(), 3);
    assert_eq!(Tlp::Green.misp_distribution(), 1);
    assert_eq!(Tlp::Red.misp_distribution(), 0);
    assert_eq!(tlp_from_tag("tlp:amber+strict"), Some(Tlp::AmberStrict));
    assert_eq!(tlp_from_tag("tlp:white"), Some(Tlp::Clear));
    assert_eq!(tlp_from_tag("type:OSINT"), None);
}

#[test]
fn an_incident_without_observables_still_exports() {
    let mut inc = incident();
    inc.system_code = None;
    inc.system_name = None;
    inc.description = String::new();
    let b = stix_bundle(&inc, &[], now(), &ExportOptions::default());
    let types: BTreeSet<&str> = b["objects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        types,
        BTreeSet::from(["identity", "incident", "marking-definition", "report"])
    );
    let e = misp_event(&inc, &[], now(), &ExportOptions::default());
    assert_eq!(e["Event"]["Attribute"].as_array().unwrap().len(), 1);
}
