//! A `canhgac` command killed with SIGKILL in the middle of a large import
//! leaves nothing of its file behind: the import runs in one transaction,
//! the database comes back with exactly the data it had before, and the audit
//! chain and its checkpoint still verify. SQLite always; PostgreSQL when
//! CANHGAC_TEST_POSTGRES is set.

mod common;

use common::{Db, TestApp};
use std::io::Write;
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn canhgac(t: &TestApp) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_canhgac"));
    c.args(t.db_args()).env("CANHGAC_LOG", "warn");
    c
}

/// One number from the database, read behind the application's back.
async fn scalar(t: &TestApp, sql: &str) -> i64 {
    use sqlx::Connection;
    match t.db {
        Db::Sqlite => {
            let url = format!("sqlite://{}/canhgac.db", t.location);
            let mut c = sqlx::SqliteConnection::connect(&url).await.unwrap();
            sqlx::query_scalar::<_, i64>(sql)
                .fetch_one(&mut c)
                .await
                .unwrap()
        }
        Db::Postgres => {
            let mut c = sqlx::PgConnection::connect(&t.location).await.unwrap();
            sqlx::query_scalar::<_, i64>(sql)
                .fetch_one(&mut c)
                .await
                .unwrap()
        }
    }
}

/// Whether another process holds an open write transaction right now: on
/// SQLite the writer lock is taken (`BEGIN IMMEDIATE` fails at once); on
/// PostgreSQL a session of this database has a transaction id, which it gets
/// at its first write.
async fn writer_busy(t: &TestApp) -> bool {
    use sqlx::Connection;
    match t.db {
        Db::Sqlite => {
            let opts = sqlx::sqlite::SqliteConnectOptions::new()
                .filename(Path::new(&t.location).join("canhgac.db"))
                .busy_timeout(Duration::ZERO);
            let mut c = sqlx::SqliteConnection::connect_with(&opts).await.unwrap();
            match sqlx::raw_sql("BEGIN IMMEDIATE").execute(&mut c).await {
                Ok(_) => {
                    sqlx::raw_sql("ROLLBACK").execute(&mut c).await.unwrap();
                    false
                }
                Err(_) => true,
            }
        }
        Db::Postgres => {
            scalar(
                t,
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() \
                 AND backend_xid IS NOT NULL AND pid <> pg_backend_pid()",
            )
            .await
                > 0
        }
    }
}

/// Runs the command made by `command(size, attempt)` and kills it with
/// SIGKILL once it has been writing for a moment. A command that finishes
/// first proves nothing, so the file is made bigger and the run repeated; the
/// test fails if no run could be interrupted. Returns the counts from just
/// before the interrupted run.
async fn kill_midway(
    t: &TestApp,
    what: &str,
    mut size: usize,
    mut command: impl FnMut(usize, usize) -> Command,
) -> Counts {
    for attempt in 0..4 {
        let before = counts(t).await;
        let mut child = command(size, attempt)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run canhgac");
        let started = Instant::now();
        // Busy on two polls in a row: the import's own transaction, not the
        // short ones of opening the database.
        let mut busy_polls = 0;
        let mut finished = None;
        while started.elapsed() < Duration::from_secs(600) {
            if let Some(status) = child.try_wait().unwrap() {
                finished = Some(status);
                break;
            }
            if writer_busy(t).await {
                busy_polls += 1;
                if busy_polls >= 2 {
                    break;
                }
            } else {
                busy_polls = 0;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        if finished.is_none() {
            // Let it write a little more, then pull the plug.
            tokio::time::sleep(Duration::from_millis(300)).await;
            child.kill().expect("SIGKILL");
            let status = child.wait().unwrap();
            if status.signal() == Some(9) {
                eprintln!("{what}: killed after {:?} (size {size})", started.elapsed());
                return before;
            }
            finished = Some(status);
        }
        let out = child.wait_with_output().unwrap();
        eprintln!(
            "{what} of size {size} finished before it could be killed ({:?}: {}); again with a bigger file",
            finished,
            String::from_utf8_lossy(&out.stderr)
        );
        size *= 2;
    }
    panic!("{what}: never interrupted");
}

/// `n` random public IPv4 lines, the plain-text list format.
fn botnet_list(path: &Path, n: usize) {
    let mut w = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    for _ in 0..n {
        let a: u32 = rand::random();
        let b = (a >> 24) as u8;
        // Avoid 0/8, 10/8, 127/8 and multicast or reserved space.
        let first = match b {
            0 | 10 | 127 | 224..=255 => 14,
            x => x,
        };
        writeln!(
            w,
            "{}.{}.{}.{}",
            first,
            (a >> 16) as u8,
            (a >> 8) as u8,
            a as u8
        )
        .unwrap();
    }
    w.flush().unwrap();
}

fn asset_csv(path: &Path, system: &str, n: usize) {
    let mut w = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    writeln!(w, "system_code,hostname,role,ips,os_name,os_version,notes").unwrap();
    for i in 0..n {
        writeln!(
            w,
            "{system},crash-host-{i:07},server,14.{}.{}.{},Ubuntu,22.04,tạo bởi kiểm thử",
            160 + (i >> 16) % 32,
            (i >> 8) & 255,
            i & 255
        )
        .unwrap();
    }
    w.flush().unwrap();
}

struct Counts {
    lists: i64,
    listings: i64,
    assets: i64,
    audit: i64,
    systems: i64,
}

async fn counts(t: &TestApp) -> Counts {
    Counts {
        lists: scalar(t, "SELECT count(*) FROM botnet_lists").await,
        listings: scalar(t, "SELECT count(*) FROM botnet_listings").await,
        assets: scalar(t, "SELECT count(*) FROM assets").await,
        audit: scalar(t, "SELECT count(*) FROM audit_log").await,
        systems: scalar(t, "SELECT count(*) FROM systems").await,
    }
}

both_backends!(imports_killed_midway_leave_nothing_behind, |t| {
    let sys = t.system(t.agency_a, "CRASH-1").await;
    t.asset(sys, "before-crash", "14.160.1.1").await;
    let dir = tempfile::tempdir().unwrap();

    let list = dir.path().join("botnet.txt");
    let mut made = 0;
    let before = kill_midway(&t, "botnet import", 1_000_000, |n, attempt| {
        if n != made {
            botnet_list(&list, n);
            made = n;
        }
        let mut c = canhgac(&t);
        c.args([
            "botnet",
            "import",
            list.to_str().unwrap(),
            "--source",
            "Cục ATTT",
            "--period",
            &format!("2025-{:02}", 5 + attempt),
            "--format",
            "text",
        ]);
        c
    })
    .await;
    let after = counts(&t).await;
    assert_eq!(after.lists, before.lists, "no botnet list");
    assert_eq!(after.listings, before.listings, "no listing");
    assert_eq!(after.assets, before.assets);
    assert_eq!(after.audit, before.audit, "no audit record");

    let csv = dir.path().join("tai-san.csv");
    let mut made = 0;
    let before = kill_midway(&t, "asset import", 50_000, |n, _| {
        if n != made {
            asset_csv(&csv, "CRASH-1", n);
            made = n;
        }
        let mut c = canhgac(&t);
        c.args(["import", "assets", csv.to_str().unwrap()]);
        c
    })
    .await;

    let after = counts(&t).await;
    assert_eq!(after.lists, before.lists);
    assert_eq!(after.listings, before.listings);
    assert_eq!(after.assets, before.assets, "no new asset");
    assert_eq!(after.systems, before.systems);
    assert_eq!(after.audit, before.audit, "no audit record");

    // The database opens again and the chain and its checkpoint verify.
    let out = canhgac(&t).args(["audit", "verify"]).output().unwrap();
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    // Earlier data is intact and the application goes on writing.
    let out = canhgac(&t).args(["export", "assets"]).output().unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("before-crash"));
    t.asset(sys, "after-crash", "14.160.1.2").await;
    let out = canhgac(&t).args(["audit", "verify"]).output().unwrap();
    assert!(out.status.success());
});
