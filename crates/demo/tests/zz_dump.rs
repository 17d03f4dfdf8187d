#[test]
fn dump() {
    let p = demo::generate(0);
    for o in &p.orgs {
        let blocks: Vec<String> = o.input.address_blocks.iter().take(3).map(|c| c.to_string()).collect();
        println!("{:10} {:?} {} [{}] {} blocks={} {:?}", o.key, o.parent_key, o.input.name, o.input.short_name, o.input.org_type, o.input.address_blocks.len(), blocks);
    }
    for s in &p.systems {
        let i = &s.input;
        println!("{} L{:?}/{:?} {} own={} op={:?} soc={:?} isp={:?} inet={} subj={:?} appr={:?} prot={:?} n={}", i.code, i.proposed_level.map(|l|l.get()), i.approved_level.map(|l|l.get()), i.name, s.owner_key, s.operator_key, s.soc_key, s.isp_key, i.internet_facing, i.data_subjects, i.approval.as_ref().map(|a| format!("{} {} {}", a.number, a.date, a.body)), i.protection, s.assets.len());
    }
    let n: usize = p.systems.iter().map(|s| s.assets.len()).sum();
    println!("assets {n}");
    for s in p.systems.iter().filter(|s| ["SONHA-TTDL-01","SONHA-SYT-02","SONHA-BVDK-01"].contains(&s.input.code.as_str())) {
        for a in &s.assets { println!("{a:?}"); }
    }
    println!("{:#?}", p.orgs[2]);
    for u in &p.users { println!("{} {} {} {} {}", u.username, u.display_name, u.org_key, u.role, u.password); }
}
#[test]
fn dump_ips() {
    let p = demo::generate(0);
    for s in &p.systems {
        for a in &s.assets {
            println!("{} {} {:?} {:?} {:?} {:?}", s.input.code, a.hostname, a.ips, a.domains.iter().map(|d| d.as_str()).collect::<Vec<_>>(), a.os_name, a.software.iter().map(|s| format!("{} {}", s.product, s.version)).collect::<Vec<_>>());
        }
    }
}
#[test]
fn dump_wp() {
    for seed in 0..5 {
        let p = demo::generate(seed);
        let v: Vec<String> = p.systems.iter().flat_map(|s| &s.assets).flat_map(|a| &a.software).filter(|s| s.product.as_str()=="WordPress" || s.product.as_str()=="Confluence Server" || s.product.as_str()=="FortiOS").map(|s| s.version.to_string()).collect();
        println!("{seed} {v:?}");
    }
}
