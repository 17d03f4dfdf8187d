//! The demo province: `canhgac demo` fills an empty database, prints working
//! accounts, and refuses a database that already holds data.

use std::process::Command;

#[test]
fn demo_seeds_an_empty_database_and_prints_accounts_that_work() {
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_canhgac"))
            .args(["--data-dir", dir.path().to_str().unwrap()])
            .args(args)
            .env("CANHGAC_LOG", "warn")
            .output()
            .unwrap()
    };
    let out = run(&["demo"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(text.contains("information systems"), "{text}");
    let roles = [
        "coordinator",
        "org_admin",
        "officer",
        "isp_operator",
        "soc_analyst",
        "responder",
        "auditor",
    ];
    for role in roles {
        assert!(text.contains(role), "no {role} account printed");
    }
    // The second run refuses: the demo never mixes into real data.
    let again = run(&["demo"]);
    assert!(!again.status.success());

    // The seeded data is there: systems at levels 1 to 4, assets, blocks.
    let systems = String::from_utf8_lossy(&run(&["export", "systems"]).stdout).to_string();
    let table = app::sheets::read(systems.as_bytes(), app::sheets::Format::Csv).unwrap();
    assert!(table.rows.len() >= 30);
    let level = table
        .headers
        .iter()
        .position(|h| h == "approved_level")
        .unwrap();
    let proposed = table
        .headers
        .iter()
        .position(|h| h == "proposed_level")
        .unwrap();
    for l in ["1", "2", "3", "4"] {
        assert!(
            table
                .rows
                .iter()
                .any(|r| r.cells[level] == l || r.cells[proposed] == l),
            "no level {l}"
        );
    }
    let assets = String::from_utf8_lossy(&run(&["export", "assets"]).stdout).to_string();
    assert!(
        assets.contains("BIG-IP") && assets.contains("FortiOS") && assets.contains("KB"),
        "appliances and KBs"
    );
    let out = run(&["audit", "verify"]);
    assert!(out.status.success());

    // Every printed account signs in.
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let store = app::store::Store::open_sqlite_dir(dir.path())
            .await
            .unwrap();
        let app = app::App::new(store, Default::default());
        for line in text
            .lines()
            .filter(|l| roles.iter().any(|r| l.contains(&format!(" {r} "))))
        {
            let mut parts = line.split_whitespace();
            let (user, pass) = (parts.next().unwrap(), parts.next().unwrap());
            app.login(user, pass, "127.0.0.1")
                .await
                .unwrap_or_else(|e| panic!("{user}: {e}"));
        }
        // The directive from the seeds, task by task, with progress under way.
        let province = app.system_scope().await.unwrap();
        let directives = app.directives(&province).await.unwrap();
        assert_eq!(directives.len(), 1);
        let v = app.directive(&province, directives[0].id).await.unwrap();
        assert_eq!(v.tasks.len(), 12, "every task of the directive");
        assert!(v.cells.iter().any(|c| c.progress.status == "done"));
        assert!(v
            .cells
            .iter()
            .any(|c| c.progress.status == "not_applicable"));
        assert!(v.tasks.iter().any(|t| t.evidence_required));

        // Today's structure: the Sở Khoa học và Công nghệ coordinates, no
        // district, communes and wards directly under the province.
        let orgs = app.org_names(&province).await.unwrap();
        let coordinator = orgs.values().find(|o| o.id == province.org_id).unwrap();
        assert_eq!(coordinator.data.short_name.as_str(), "SKHCN");
        assert!(orgs
            .values()
            .all(|o| o.data.org_type != domain::OrgType::District));
        let communes: Vec<_> = orgs
            .values()
            .filter(|o| o.data.org_type == domain::OrgType::Commune)
            .collect();
        assert!(communes.len() >= 8);
        assert!(communes.iter().all(|o| o.data.parent_id.is_none()));
        assert!(
            v.directive.number.ends_with("/SKHCN-ATTT"),
            "{}",
            v.directive.number
        );

        // The report due next (the reports page selects it) has real figures.
        let due = app::periodic_report::next_due(app::registry::today());
        assert!(!due.is_empty());
        for d in &due {
            let r = app
                .periodic_report(&province, d.period, None)
                .await
                .unwrap();
            assert!(r.incidents.metrics.total >= 3, "{}: incidents", d.period);
            assert!(r.vulns.warnings.len() >= 2, "{}: warnings", d.period);
            assert!(!r.botnet.months.is_empty(), "{}: botnet lists", d.period);
            assert!(r.botnet.addresses > 0, "{}: listed addresses", d.period);
            let a = app
                .period_activity(&province, d.period, None)
                .await
                .unwrap();
            assert!(!a.is_thin(), "{a:?}");
            assert!(a.thin_sentence_vi(&d.period).is_none());
        }
        // A period long before the demo's activity is thin, and the page says so.
        let old = app::periodic_report::ReportPeriod::new(
            app::periodic_report::PeriodKind::HalfYear1,
            2001,
        )
        .unwrap();
        let a = app.period_activity(&province, old, None).await.unwrap();
        assert!(a.is_thin());
        assert!(a.thin_sentence_vi(&old).unwrap().contains("còn ít"));

        // The directory's national entries name today's bodies, each to be
        // confirmed by the installer.
        let dir = app.contact_directory(&province).await.unwrap();
        let national: Vec<_> = dir
            .entries
            .iter()
            .filter(|c| c.category == "national")
            .collect();
        assert_eq!(national.len(), 3);
        assert!(national
            .iter()
            .any(|c| c.name.contains("(A05), Bộ Công an")));
        for c in &national {
            assert!(!c.name.contains("Cục An toàn thông tin"), "{}", c.name);
            assert!(
                c.note
                    .as_deref()
                    .unwrap_or_default()
                    .starts_with("Cần xác nhận"),
                "{}: {:?}",
                c.name,
                c.note
            );
        }
    });
}
