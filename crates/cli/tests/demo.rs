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
    });
}
