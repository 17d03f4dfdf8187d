//! Properties every generated province must have, whatever the seed.

use demo::{generate, DemoOrg, Province};
use domain::{Cidr, OrgType, PasswordPolicy, Role};
use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;

fn org<'a>(p: &'a Province, key: &str) -> Option<&'a DemoOrg> {
    p.orgs.iter().find(|o| o.key == key)
}

fn overlaps(a: &Cidr, b: &Cidr) -> bool {
    a.contains(b.addr()) || b.contains(a.addr())
}

/// The checks that are cheap enough to run for many seeds.
fn check_invariants(p: &Province) {
    // Keys and short names are unique; parents come first.
    let mut seen = BTreeSet::new();
    let mut shorts = BTreeSet::new();
    for o in &p.orgs {
        if let Some(parent) = &o.parent_key {
            assert!(
                seen.contains(parent.as_str()),
                "{} before its parent",
                o.key
            );
        }
        assert!(seen.insert(o.key.as_str()), "duplicate key {}", o.key);
        assert!(
            shorts.insert(o.input.short_name.as_str()),
            "duplicate short name {}",
            o.input.short_name
        );
        assert_eq!(o.input.parent_id, None);
    }

    // Organisation blocks never overlap, and each lies in an operator's space.
    let isp_blocks: Vec<(&str, &Cidr)> = p
        .orgs
        .iter()
        .filter(|o| o.input.org_type == OrgType::Isp)
        .flat_map(|o| o.input.address_blocks.iter().map(|c| (o.key.as_str(), c)))
        .collect();
    let own_blocks: Vec<(&str, &Cidr)> = p
        .orgs
        .iter()
        .filter(|o| o.input.org_type != OrgType::Isp)
        .flat_map(|o| o.input.address_blocks.iter().map(|c| (o.key.as_str(), c)))
        .collect();
    for (i, (ka, a)) in own_blocks.iter().enumerate() {
        for (kb, b) in &own_blocks[i + 1..] {
            assert!(!overlaps(a, b), "{ka} {a} overlaps {kb} {b}");
        }
        assert!(
            isp_blocks
                .iter()
                .any(|(_, i)| i.contains(a.addr()) && i.prefix() <= a.prefix()),
            "{ka} {a} is outside every operator's space"
        );
    }

    // Every key a system names exists and has the right type.
    let kind = |key: &str| org(p, key).map(|o| o.input.org_type);
    let mut codes = BTreeSet::new();
    for s in &p.systems {
        assert!(codes.insert(s.input.code.as_str()), "{}", s.input.code);
        assert!(
            matches!(
                kind(&s.owner_key),
                Some(OrgType::Coordinator | OrgType::Agency | OrgType::Commune)
            ),
            "{}: owner {}",
            s.input.code,
            s.owner_key
        );
        if let Some(k) = &s.operator_key {
            assert!(kind(k).is_some(), "{}: operator {k}", s.input.code);
        }
        if let Some(k) = &s.soc_key {
            assert_eq!(kind(k), Some(OrgType::Soc), "{}", s.input.code);
        }
        if let Some(k) = &s.isp_key {
            assert_eq!(kind(k), Some(OrgType::Isp), "{}", s.input.code);
        }
        assert_eq!(s.input.owner_org_id, 0);
        assert!(s.input.soc_provider_id.is_none() && s.input.isp_id.is_none());
        assert_eq!(s.input.protection.soc_monitoring, s.soc_key.is_some());
        assert!((2..=6).contains(&s.assets.len()), "{}", s.input.code);

        // Every address is in the system's operator space or in a block of
        // its owner or operator.
        let blocks_of = |key: &Option<String>| -> Vec<Cidr> {
            key.as_deref()
                .and_then(|k| org(p, k))
                .map(|o| o.input.address_blocks.clone())
                .unwrap_or_default()
        };
        let isp = blocks_of(&s.isp_key);
        let mut own = blocks_of(&Some(s.owner_key.clone()));
        own.extend(blocks_of(&s.operator_key));
        for a in &s.assets {
            assert_eq!(a.system_id, 0);
            for ip in &a.ips {
                assert!(ip.is_ipv4(), "{ip}");
                assert!(
                    isp.iter().chain(&own).any(|c| c.contains(*ip)),
                    "{} {}: {ip} is outside its operator's space and its owner's blocks",
                    s.input.code,
                    a.hostname
                );
            }
        }
    }

    // Users: unique names, existing organisations, passwords that pass.
    let policy = PasswordPolicy::default();
    let mut names = BTreeSet::new();
    for u in &p.users {
        assert!(names.insert(u.username.as_str()), "{}", u.username);
        assert!(
            org(p, &u.org_key).is_some(),
            "{}: {}",
            u.username,
            u.org_key
        );
        assert!(u.username.is_ascii());
        let problems = policy.problems(&u.password, &u.username);
        assert!(problems.is_empty(), "{}: {problems:?}", u.username);
    }
}

#[test]
fn same_seed_same_province() {
    assert_eq!(generate(42), generate(42));
    assert_eq!(format!("{:?}", generate(7)), format!("{:?}", generate(7)));
    assert_ne!(generate(1), generate(2));
}

#[test]
fn never_panics_and_always_holds_together() {
    for seed in 0..200 {
        check_invariants(&generate(seed));
    }
}

#[test]
fn has_the_bodies_the_directives_address() {
    let p = generate(0);
    let count = |t: OrgType| p.orgs.iter().filter(|o| o.input.org_type == t).count();
    assert_eq!(count(OrgType::Coordinator), 1);
    assert!(count(OrgType::Agency) >= 12);
    // Two tiers since 1 July 2025: communes and wards directly under the
    // province, no district.
    assert_eq!(count(OrgType::District), 0);
    assert!(count(OrgType::Commune) >= 8);
    assert_eq!(count(OrgType::Isp), 4);
    assert_eq!(count(OrgType::Soc), 1);
    assert_eq!(count(OrgType::National), 3);

    // Since 1 March 2025 the Sở Khoa học và Công nghệ coordinates, with the
    // provincial police's cyber-security unit as a partner.
    let skhcn = org(&p, "skhcn").unwrap();
    assert_eq!(skhcn.input.org_type, OrgType::Coordinator);
    assert_eq!(
        skhcn.input.name.as_str(),
        "Sở Khoa học và Công nghệ tỉnh Sơn Hà"
    );
    assert_eq!(skhcn.input.short_name.as_str(), "SKHCN");
    assert!(!skhcn.input.address_blocks.is_empty());
    let police = org(&p, "pa05").unwrap();
    assert_eq!(police.input.org_type, OrgType::Partner);
    assert!(police
        .input
        .name
        .as_str()
        .starts_with("Phòng An ninh mạng và phòng, chống tội phạm sử dụng công nghệ cao"));
    assert_eq!(count(OrgType::Partner), 1);

    // Nothing of the old structure is left in a name or an address.
    for o in &p.orgs {
        let text = format!(
            "{} {}",
            o.input.name,
            o.input.address.clone().unwrap_or_default()
        );
        for old in [
            "huyện",
            "thị trấn",
            "thành phố",
            "Thông tin và Truyền thông",
            "Cục An toàn thông tin",
            // Departments merged on 1 March 2025.
            "Kế hoạch và Đầu tư",
            "Giao thông vận tải",
            "Lao động – Thương binh",
            "Tài nguyên và Môi trường",
            "Phát triển nông thôn",
        ] {
            assert!(!text.contains(old), "{}: {text}", o.key);
        }
        for c in o.input.contacts.iter().chain(&o.input.contact_24x7) {
            let words = format!(
                "{} {}",
                c.title.as_deref().unwrap_or_default(),
                c.email.as_ref().map(|e| e.as_str()).unwrap_or_default()
            )
            .to_lowercase();
            for old in [
                "tài nguyên và môi trường",
                "skhdt",
                "sgtvt",
                "stnmt",
                "snnptnt",
                "sldtbxh",
            ] {
                assert!(!words.contains(old), "{}: {words}", o.key);
            }
        }
    }
    // Today's departments hold the merged ones' systems.
    for (key, name) in [
        ("stc", "Sở Tài chính tỉnh Sơn Hà"),
        ("sxd", "Sở Xây dựng tỉnh Sơn Hà"),
        ("snnmt", "Sở Nông nghiệp và Môi trường tỉnh Sơn Hà"),
        ("snv", "Sở Nội vụ tỉnh Sơn Hà"),
        ("syt", "Sở Y tế tỉnh Sơn Hà"),
    ] {
        assert_eq!(org(&p, key).unwrap().input.name.as_str(), name);
    }
    let owned = |key: &str, word: &str| {
        p.systems
            .iter()
            .any(|s| s.owner_key == key && s.input.name.as_str().contains(word))
    };
    assert!(owned("stc", "xúc tiến đầu tư"));
    assert!(owned("sxd", "giấy phép lái xe"));
    assert!(owned("snnmt", "đất đai"));
    assert!(owned("snnmt", "thiên tai"));
    assert!(owned("syt", "bảo trợ xã hội"));
    for s in &p.systems {
        for old in [
            "huyện",
            "thị trấn",
            "thành phố",
            "Thông tin và Truyền thông",
        ] {
            assert!(!s.input.name.as_str().contains(old), "{}", s.input.name);
        }
        let code = s.input.code.as_str();
        for old in ["SKHDT", "SGTVT", "STNMT", "SNNPTNT", "SLDTBXH"] {
            assert!(!code.contains(old), "{code}");
        }
        for a in &s.assets {
            for d in &a.domains {
                let d = d.to_string();
                for old in ["skhdt", "sgtvt", "stnmt", "snnptnt", "sldtbxh"] {
                    assert!(!d.contains(old), "{code}: {d}");
                }
            }
        }
    }

    for c in p
        .orgs
        .iter()
        .filter(|o| o.input.org_type == OrgType::Commune)
    {
        assert_eq!(
            c.parent_key, None,
            "{} is directly under the province",
            c.key
        );
        let name = c.input.name.as_str();
        assert!(
            name.starts_with("UBND xã ") || name.starts_with("UBND phường "),
            "{name}"
        );
    }
    assert!(p
        .orgs
        .iter()
        .any(|o| o.input.name.as_str().starts_with("UBND phường ")));
    assert!(p
        .orgs
        .iter()
        .any(|o| o.input.name.as_str().starts_with("UBND xã ")));
    for o in p.orgs.iter().filter(|o| {
        matches!(
            o.input.org_type,
            OrgType::Coordinator | OrgType::Agency | OrgType::Commune
        )
    }) {
        assert!(o.input.contacts.len() >= 2, "{}", o.key);
        assert!(o.input.contact_24x7.is_some(), "{}", o.key);
        for c in &o.input.contacts {
            let mail = c.email.as_ref().unwrap().as_str();
            assert!(mail.ends_with(".sonha.gov.vn"), "{mail}");
        }
    }
    let with_blocks = p
        .orgs
        .iter()
        .filter(|o| o.input.org_type == OrgType::Agency && !o.input.address_blocks.is_empty())
        .count();
    assert!(with_blocks * 3 >= count(OrgType::Agency) * 2);

    let asns = |k: &str| {
        org(&p, k)
            .unwrap()
            .input
            .asns
            .iter()
            .map(|a| a.0)
            .collect::<Vec<_>>()
    };
    assert_eq!(asns("viettel"), vec![7552, 24086]);
    assert_eq!(asns("vnpt"), vec![45899]);
    assert_eq!(asns("fpt"), vec![18403]);
    assert_eq!(asns("mobifone"), vec![131429]);
    let vnpt = &org(&p, "vnpt").unwrap().input.address_blocks;
    assert!(vnpt.iter().any(|c| c.to_string() == "14.160.0.0/11"));

    // Today's national bodies, each contact marked for the installer to
    // confirm its numbers.
    let a05 = org(&p, "a05").unwrap();
    assert_eq!(
        a05.input.name.as_str(),
        "Cục An ninh mạng và phòng, chống tội phạm sử dụng công nghệ cao, Bộ Công an"
    );
    let vncert = org(&p, "vncert").unwrap();
    assert_eq!(
        vncert.input.contacts[0].email.as_ref().unwrap().as_str(),
        "ir@vncert.vn"
    );
    assert_eq!(vncert.parent_key.as_deref(), Some("a05"));
    assert_eq!(org(&p, "ncsc").unwrap().parent_key.as_deref(), Some("a05"));
    for o in p
        .orgs
        .iter()
        .filter(|o| o.input.org_type == OrgType::National)
    {
        for c in o.input.contacts.iter().chain(&o.input.contact_24x7) {
            assert!(
                c.title
                    .as_deref()
                    .unwrap_or_default()
                    .contains(demo::TO_CONFIRM),
                "{}: {:?}",
                o.key,
                c.title
            );
        }
    }
}

#[test]
fn systems_span_the_levels_and_show_gaps() {
    let p = generate(0);
    assert!(p.systems.len() >= 30);
    let assets: usize = p.systems.iter().map(|s| s.assets.len()).sum();
    assert!(assets >= 120, "{assets} assets");

    let mut per_level: BTreeMap<u8, usize> = BTreeMap::new();
    for s in &p.systems {
        let l = s.input.effective_level().unwrap().get();
        *per_level.entry(l).or_default() += 1;
    }
    assert_eq!(
        per_level.keys().copied().collect::<Vec<_>>(),
        vec![1, 2, 3, 4]
    );
    assert!(per_level[&4] >= 2);
    assert!((8..=11).contains(&per_level[&3]), "{per_level:?}");

    let today = "2026-11-25".parse().unwrap();
    let year_ago = "2025-11-25".parse().unwrap();
    for s in &p.systems {
        let problems = s.input.cross_field_problems(today);
        assert!(problems.is_empty(), "{}: {problems}", s.input.code);
    }
    let high: Vec<_> = p
        .systems
        .iter()
        .filter(|s| s.input.effective_level().unwrap().get() >= 3)
        .collect();
    for s in &high {
        assert!(s.isp_key.is_some(), "{}", s.input.code);
    }
    let monitored = high.iter().filter(|s| s.soc_key.is_some()).count();
    assert!(monitored > 0 && monitored < high.len());
    assert!(high.iter().any(|s| !s.input.protection.ncsc_connected));
    assert!(high.iter().any(|s| s
        .input
        .protection
        .last_assessment
        .is_some_and(|d| d < year_ago)));
    assert!(high.iter().any(|s| s
        .input
        .protection
        .last_assessment
        .is_some_and(|d| d >= year_ago)));
    assert!(p.systems.iter().any(|s| s.input.approval.is_none()));
    assert!(p.systems.iter().any(|s| s.input.internet_facing));
}

#[test]
fn inventory_holds_what_the_warnings_are_about() {
    for seed in [0, 1, 99] {
        let p = generate(seed);
        let cpes: BTreeSet<String> = p
            .systems
            .iter()
            .flat_map(|s| &s.assets)
            .flat_map(|a| &a.software)
            .filter_map(|sw| sw.cpe.as_ref().map(|c| c.to_string()))
            .collect();
        let has = |prefix: &str| cpes.iter().any(|c| c.starts_with(prefix));
        for vulnerable in [
            // CVE-2023-46747, not the hotfixed 17.1.0.3 only.
            "cpe:2.3:a:f5:big-ip_local_traffic_manager:16.1.3:",
            "cpe:2.3:a:f5:big-ip_access_policy_manager:",
            // CVE-2024-21762, CVE-2022-40684, CVE-2018-13379.
            "cpe:2.3:o:fortinet:fortios:6.4.11:",
            "cpe:2.3:o:fortinet:fortios:7.0.6:",
            "cpe:2.3:o:fortinet:fortios:6.0.4:",
            "cpe:2.3:a:microsoft:exchange_server:2016:cumulative_update_19:",
            "cpe:2.3:a:microsoft:exchange_server:2019:cumulative_update_11:",
            "cpe:2.3:a:microsoft:outlook:2016:",
            "cpe:2.3:a:citrix:netscaler_application_delivery_controller:13.1-48.47:",
            "cpe:2.3:o:paloaltonetworks:pan-os:10.2.8:",
            "cpe:2.3:a:atlassian:confluence_server:8.",
            "cpe:2.3:a:openbsd:openssh:8.9:p1:",
            "cpe:2.3:a:apache:http_server:2.4.49:",
            "cpe:2.3:a:apache:log4j:2.14.1:",
        ] {
            assert!(has(vulnerable), "seed {seed}: no {vulnerable}");
        }
        // Patched versions too, so a matcher that flags everything is caught.
        assert!(has("cpe:2.3:a:apache:log4j:2.17") || has("cpe:2.3:a:apache:log4j:2.2"));
        assert!(
            has("cpe:2.3:a:openbsd:openssh:8.2:p1:") || has("cpe:2.3:a:openbsd:openssh:8.0:p1:")
        );

        let assets: Vec<_> = p.systems.iter().flat_map(|s| &s.assets).collect();
        let bigips: Vec<_> = assets
            .iter()
            .filter(|a| a.os_name.as_deref() == Some("BIG-IP"))
            .collect();
        assert!(bigips.len() >= 3);
        assert!(bigips
            .iter()
            .any(|a| a.hotfixes == ["Hotfix-BIGIP-17.1.0.3.0.75.4-ENG"]));
        assert!(bigips.iter().all(|a| !a.modules.is_empty()));
        let windows: Vec<_> = assets
            .iter()
            .filter(|a| {
                a.os_name
                    .as_deref()
                    .is_some_and(|n| n.starts_with("Windows"))
            })
            .collect();
        assert!(windows
            .iter()
            .all(|a| a.os_build.is_some() && !a.kbs.is_empty()));
        assert!(
            assets
                .iter()
                .filter(|a| a.os_name.as_deref() == Some("FortiOS"))
                .count()
                >= 3
        );
    }
}

#[test]
fn every_role_has_an_account() {
    let p = generate(5);
    // Sensors are machines, registered with their systems, not people.
    for role in Role::ALL.iter().filter(|r| **r != Role::Sensor) {
        assert!(p.users.iter().any(|u| u.role == *role), "{role}");
    }
    let at = |key: &str, role: Role| p.users.iter().any(|u| u.org_key == key && u.role == role);
    assert!(at("skhcn", Role::Coordinator));
    assert!(at("skhcn", Role::Auditor));
    assert!(at("ttdl", Role::Responder));
    assert!(at("soc", Role::SocAnalyst));
    for isp in ["viettel", "vnpt", "fpt", "mobifone"] {
        assert!(at(isp, Role::IspOperator), "{isp}");
    }
    let commune_staff = p.users.iter().any(|u| {
        org(&p, &u.org_key).is_some_and(|o| o.input.org_type == OrgType::Commune)
            && u.role == Role::OrgAdmin
    });
    assert!(commune_staff);
}

#[test]
fn workstations_appear_behind_their_office_gateway() {
    // A botnet listing of an office gateway must name the office; check that
    // workstations carry an address inside their owner's own block.
    let p = generate(3);
    let mut checked = 0;
    for s in &p.systems {
        let owner = org(&p, &s.owner_key).unwrap();
        for a in s
            .assets
            .iter()
            .filter(|a| a.role == domain::AssetRole::Workstation)
        {
            for ip in &a.ips {
                let ip: IpAddr = *ip;
                assert!(owner.input.address_blocks.iter().any(|c| c.contains(ip)));
                checked += 1;
            }
        }
    }
    assert!(checked > 10);
}
