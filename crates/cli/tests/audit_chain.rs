//! The keyed audit chain and its checkpoint, over the built binary: records
//! removed from the end, a chain recomputed without the key, and a log
//! truncated then written on by the application itself all fail
//! `canhgac audit verify`; a normal life with a second process appending, and
//! a key rotation, pass.

mod common;

use common::{Db, TestApp};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn canhgac(t: &TestApp, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_canhgac"))
        .args(t.db_args())
        .args(args)
        .env("CANHGAC_LOG", "warn")
        .output()
        .expect("run canhgac")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// The key file the test server's store uses: beside the SQLite database,
/// or in the default data folder for PostgreSQL (the tests run in the
/// crate's folder, as does the binary they start).
fn key_file(t: &TestApp) -> PathBuf {
    match t.db {
        Db::Sqlite => Path::new(&t.location).join("audit.key"),
        Db::Postgres => PathBuf::from("canhgac-data/audit.key"),
    }
}

fn verify_ok(t: &TestApp) -> String {
    let out = canhgac(t, &["audit", "verify"]);
    assert!(out.status.success(), "{}", text(&out));
    text(&out)
}

fn verify_fails(t: &TestApp, args: &[&str], why: &str) {
    let mut a = vec!["audit", "verify"];
    a.extend_from_slice(args);
    let out = canhgac(t, &a);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains(why),
        "expected '{why}' in {}",
        text(&out)
    );
}

/// The head `audit verify` prints, COUNT:HASH.
fn head(out: &str) -> String {
    out.lines()
        .find_map(|l| l.split("head, write it down: ").nth(1))
        .expect("a head line")
        .trim()
        .to_string()
}

both_backends!(removing_the_last_record_fails_verification, |t| {
    let sys = t.system(t.agency_a, "CH-1").await;
    t.asset(sys, "ch-web", "14.160.9.9").await;
    verify_ok(&t);
    t.raw_sql("DELETE FROM audit_log WHERE id = (SELECT max(id) FROM audit_log)")
        .await;
    verify_fails(&t, &[], "truncated");
});

both_backends!(a_chain_recomputed_without_the_key_fails_verification, |t| {
    let sys = t.system(t.agency_a, "CH-2").await;
    t.asset(sys, "ch-db", "14.160.9.10").await;
    verify_ok(&t);
    // Someone with the database but not the key edits a record and recomputes
    // every hash from there on with plain SHA-256.
    let page = t
        .app
        .audit_log(
            &t.coordinator,
            &app::store::audit::AuditFilter {
                limit: 1000,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let mut records = page.items;
    records.reverse();
    let mut prev = domain::audit::GENESIS.to_string();
    let mut sql = String::new();
    for mut r in records {
        if r.entity == "system" {
            r.after = r.after.map(|a| a.replace("CH-2", "CH-X"));
        }
        r.prev_hash = prev.clone();
        r.hash = r.expected_hash(None);
        prev = r.hash.clone();
        sql.push_str(&format!(
            "UPDATE audit_log SET after_json = {}, prev_hash = '{}', hash = '{}' WHERE id = {};\n",
            r.after
                .map(|a| format!("'{}'", a.replace('\'', "''")))
                .unwrap_or("NULL".into()),
            r.prev_hash,
            r.hash,
            r.id
        ));
    }
    t.raw_sql(&sql).await;
    verify_fails(&t, &[], "BROKEN at record 1");
});

both_backends!(truncating_then_writing_on_fails_verification, |t| {
    let sys = t.system(t.agency_a, "CH-3").await;
    for i in 0..3 {
        t.asset(sys, &format!("ch-{i}"), &format!("14.160.9.{}", 20 + i))
            .await;
    }
    let out = verify_ok(&t);
    let anchored = head(&out);
    // The last three records go; the application then writes on with the
    // right key, past where the log was.
    t.raw_sql("DELETE FROM audit_log WHERE id > (SELECT max(id) - 3 FROM audit_log)")
        .await;
    for i in 0..5 {
        t.asset(
            sys,
            &format!("ch-again-{i}"),
            &format!("14.160.9.{}", 40 + i),
        )
        .await;
    }
    verify_fails(&t, &[], "rewritten");
    verify_fails(&t, &["--expect", &anchored], "rewritten");
});

both_backends!(a_normal_life_with_two_processes_verifies, |t| {
    let admin = t.login("coord").await;
    let out = verify_ok(&t);
    let first_head = head(&out);
    let dir = tempfile::tempdir().unwrap();
    for round in 0..6 {
        // The server writes …
        let (s, _) = t
            .post(
                &admin,
                "/api/v1/systems",
                serde_json::json!({
                    "code": format!("LIFE-{round}"), "name": "Cổng dịch vụ công",
                    "owner_org_id": t.agency_a, "function_type": "public_service",
                    "proposed_level": 2
                }),
            )
            .await;
        assert!(s.is_success(), "{s}");
        // … and so does another process beside it.
        let csv = dir.path().join(format!("tai-san-{round}.csv"));
        let mut rows = String::from("system_code,hostname,role\n");
        for i in 0..40 {
            rows.push_str(&format!("LIFE-{round},life-{round}-{i},server\n"));
        }
        std::fs::write(&csv, rows).unwrap();
        let out = canhgac(&t, &["import", "assets", csv.to_str().unwrap()]);
        assert!(out.status.success(), "{}", text(&out));
    }
    let out = verify_ok(&t);
    assert!(out.contains("intact"), "{out}");
    // The checkpoint of the last verification is shown, and a head written
    // down earlier still holds.
    assert!(out.contains("previous checkpoint"), "{out}");
    let out = canhgac(&t, &["audit", "verify", "--expect", &first_head]);
    assert!(out.status.success(), "{}", text(&out));
    let (count, hash) = first_head.split_once(':').unwrap();
    let wrong = format!("{count}:{}", "f".repeat(hash.len()));
    verify_fails(&t, &["--expect", &wrong], "rewritten");
    let far = format!("{}:{hash}", count.parse::<i64>().unwrap() + 100_000);
    verify_fails(&t, &["--expect", &far], "truncated");
    // The API and the console show the head too.
    let (s, body) = t.get(&admin, "/api/v1/audit/verify").await;
    assert_eq!(s, reqwest::StatusCode::OK);
    assert!(body["head"]["count"].as_i64().unwrap() > 6 * 41, "{body}");
    let (browser, _) = common::sign_in(&t, "coord").await;
    let page = t.page(&browser, "/admin/audit").await;
    assert!(page.contains("id=\"chain-head\""), "{page}");
});

both_backends!(rotating_the_key_keeps_the_log_verifiable, |t| {
    let sys = t.system(t.agency_a, "CH-4").await;
    t.asset(sys, "ch-rot", "14.160.9.60").await;
    // The rotation works on a copy of the key in a folder of its own, so the
    // tests that share the default key folder on PostgreSQL keep theirs.
    let keys = tempfile::tempdir().unwrap();
    let key = keys.path().join("audit.key");
    std::fs::copy(key_file(&t), &key).unwrap();
    let with_key = |args: &[&str]| {
        let mut a = vec!["--audit-key", key.to_str().unwrap()];
        a.extend_from_slice(args);
        canhgac(&t, &a)
    };
    let out = with_key(&["audit", "verify"]);
    assert!(out.status.success(), "{}", text(&out));
    let before = std::fs::read_to_string(&key).unwrap();
    let out = with_key(&["audit", "rotate-key"]);
    assert!(out.status.success(), "{}", text(&out));
    let after = std::fs::read_to_string(&key).unwrap();
    assert_ne!(before, after);
    let kept: Vec<_> = std::fs::read_dir(keys.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .filter(|n| n.starts_with("audit.key."))
        .collect();
    assert_eq!(kept.len(), 1, "{kept:?}");
    assert_eq!(
        std::fs::read_to_string(keys.path().join(&kept[0])).unwrap(),
        before
    );
    let out = with_key(&["audit", "verify"]);
    assert!(out.status.success(), "{}", text(&out));
    // Another process writes under the new key, then all still verifies.
    let out = with_key(&[
        "user",
        "create",
        "--username",
        "rot.user",
        "--name",
        "Người dùng",
        "--org",
        "STC",
        "--role",
        "officer",
    ]);
    assert!(out.status.success(), "{}", text(&out));
    let out = with_key(&["audit", "verify"]);
    assert!(out.status.success(), "{}", text(&out));
    // The old key no longer verifies the log.
    let old = keys.path().join("old.key");
    std::fs::write(&old, &before).unwrap();
    let out = canhgac(
        &t,
        &["--audit-key", old.to_str().unwrap(), "audit", "verify"],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
});
