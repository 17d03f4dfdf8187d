//! The audit chain and the command line: `canhgac audit verify` notices an
//! edited or deleted record; `backup` copies a live database.

mod common;

use std::process::Command;

fn canhgac(t: &common::TestApp, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_canhgac"))
        .args(t.db_args())
        .args(args)
        .env("CANHGAC_LOG", "warn")
        .output()
        .expect("run canhgac")
}

both_backends!(audit_verify_detects_a_row_edited_in_the_database, |t| {
    let sys = t.system(t.agency_a, "AUD-1").await;
    t.asset(sys, "aud-web", "14.160.9.9").await;
    let out = canhgac(&t, &["audit", "verify"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("intact"));

    // Someone rewrites history: the system's creation now names another owner.
    t.raw_sql("UPDATE audit_log SET after_json = replace(after_json, 'AUD-1', 'AUD-X') WHERE entity = 'system'").await;
    let out = canhgac(&t, &["audit", "verify"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("BROKEN") && err.contains("changed"), "{err}");
});

both_backends!(audit_verify_detects_a_deleted_record, |t| {
    t.system(t.agency_a, "AUD-2").await;
    t.system(t.agency_a, "AUD-3").await;
    t.raw_sql("DELETE FROM audit_log WHERE entity = 'system' AND action = 'create' AND after_json LIKE '%AUD-2%'").await;
    let out = canhgac(&t, &["audit", "verify"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("removed"));
});

both_backends!(cli_imports_exports_and_manages_accounts, |t| {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("he-thong.csv");
    std::fs::write(&csv, "code,name,owner,function_type,proposed_level\nCLI-1,Hệ thống quản lý văn bản,STC,internal,2\nCLI-2,Sai cấp độ,STC,internal,9\n").unwrap();
    let out = canhgac(&t, &["import", "systems", csv.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("row 3, column proposed_level"), "{err}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("nothing was written"));
    let out = canhgac(
        &t,
        &["import", "systems", csv.to_str().unwrap(), "--keep-valid"],
    );
    assert!(out.status.success());
    let xlsx = dir.path().join("out.xlsx");
    let out = canhgac(
        &t,
        &[
            "export",
            "systems",
            "--format",
            "xlsx",
            "-o",
            xlsx.to_str().unwrap(),
        ],
    );
    assert!(out.status.success());
    let table =
        app::sheets::read(&std::fs::read(&xlsx).unwrap(), app::sheets::Format::Xlsx).unwrap();
    assert!(table
        .rows
        .iter()
        .any(|r| r.cells[1] == "Hệ thống quản lý văn bản"));

    let out = canhgac(
        &t,
        &[
            "user",
            "create",
            "--username",
            "stc.new",
            "--name",
            "Lê Văn Tám",
            "--org",
            "STC",
            "--role",
            "officer",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    let password = text
        .lines()
        .find_map(|l| l.strip_prefix("one-time password: "))
        .unwrap()
        .trim()
        .to_string();
    let tok = t.login_with("stc.new", &password).await.unwrap();
    assert_eq!(
        t.get(&tok, "/api/v1/systems").await.0,
        reqwest::StatusCode::FORBIDDEN,
        "must change first"
    );

    let out = canhgac(
        &t,
        &[
            "token", "create", "--name", "sensor", "--org", "STC", "--role", "officer", "--days",
            "7",
        ],
    );
    assert!(out.status.success());
    let secret = String::from_utf8_lossy(&out.stdout)
        .lines()
        .find(|l| l.starts_with("cgt_"))
        .unwrap()
        .to_string();
    assert_eq!(
        t.get(&secret, "/api/v1/systems").await.0,
        reqwest::StatusCode::OK
    );
    let listed = canhgac(&t, &["token", "list"]);
    assert!(!String::from_utf8_lossy(&listed.stdout).contains(&secret));
});

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backup_copies_the_database_while_the_server_runs() {
    let t = common::TestApp::spawn(common::Db::Sqlite, Default::default()).await;
    t.system(t.agency_a, "BK-1").await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("copy.db");
    let out = canhgac(&t, &["backup", file.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Without the audit key the copy's chain cannot be checked: it is refused.
    let restored = tempfile::tempdir().unwrap();
    std::fs::copy(&file, restored.path().join("canhgac.db")).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_canhgac"))
        .args([
            "--data-dir",
            restored.path().to_str().unwrap(),
            "export",
            "systems",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("audit"));
    // The copy with the key backed up beside it is a working database with
    // the data in it.
    let restored = tempfile::tempdir().unwrap();
    std::fs::copy(&file, restored.path().join("canhgac.db")).unwrap();
    std::fs::copy(
        std::path::Path::new(&t.location).join("audit.key"),
        restored.path().join("audit.key"),
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_canhgac"))
        .args([
            "--data-dir",
            restored.path().to_str().unwrap(),
            "export",
            "systems",
        ])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("BK-1"));
    // Refuses to overwrite.
    let out = canhgac(&t, &["backup", file.to_str().unwrap()]);
    assert!(!out.status.success());
}
