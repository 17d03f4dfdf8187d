//! The monitoring pipeline over NATS JetStream (`serve --nats-url`), with the
//! NATS server at 127.0.0.1:4222 (`.ci/run` starts it) and a stream of its
//! own per test, deleted at the end.
//!
//! * Two `canhgac serve` nodes (the built binary) on one PostgreSQL database:
//!   events are sent to both, one node is stopped, then killed with SIGKILL
//!   in the middle of the stream and never restarted; every accepted event
//!   is evaluated and counted once, and the alerts are exactly the expected
//!   ones, none missing, none doubled.
//! * One node on SQLite, in-process: `wait=true` answers once the alerts are
//!   stored (by whichever node), and a full stream answers 429.
//! * A node that cannot reach NATS stops at start with a clear message.
//!
//! Timing never decides: every wait polls for the outcome with a generous
//! timeout.

mod common;

use common::{Db, TestApp};
use domain::Role;
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const NATS: &str = "nats://127.0.0.1:4222";
const RULE_ID: &str = "b53317a0-8acf-4fd1-8de8-a5401e776b96";

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn rule_file() -> PathBuf {
    repo().join(
        "rules/sigma/rules/windows/process_creation/proc_creation_win_wmic_uninstall_application.yml",
    )
}

/// Whether NATS answers; without it the test says why it does not run (and
/// fails under CI, whose script starts NATS).
fn nats_missing() -> bool {
    let up = std::net::TcpStream::connect_timeout(
        &"127.0.0.1:4222".parse().unwrap(),
        Duration::from_secs(2),
    )
    .is_ok();
    if !up {
        assert!(
            std::env::var("CI").is_err(),
            "NATS JetStream must listen on 127.0.0.1:4222 under CI (.ci/run starts it)"
        );
        eprintln!("NATS is not listening on 127.0.0.1:4222; test not run");
    }
    !up
}

/// A JetStream stream name for one test run, deleted when dropped.
struct TestStream(String);

impl TestStream {
    fn new(what: &str) -> TestStream {
        TestStream(format!(
            "canhgac-test-{what}-{:016x}",
            rand::random::<u64>()
        ))
    }
}

impl Drop for TestStream {
    fn drop(&mut self) {
        let name = self.0.clone();
        // Its own thread and runtime: a test's runtime may be gone already.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async {
                if let Ok(c) = async_nats::connect(NATS).await {
                    let js = async_nats::jetstream::new(c);
                    let _ = js.delete_stream(&name).await;
                }
            })
        })
        .join();
    }
}

/// The consumer's counts: (waiting, delivered and not acknowledged, redelivered).
async fn consumer_state(stream: &str) -> (u64, usize, usize) {
    let c = async_nats::connect(NATS).await.unwrap();
    let js = async_nats::jetstream::new(c);
    let mut consumer: async_nats::jetstream::consumer::PullConsumer = js
        .get_stream(stream)
        .await
        .unwrap()
        .get_consumer("detect")
        .await
        .unwrap();
    let info = consumer.info().await.unwrap();
    (info.num_pending, info.num_ack_pending, info.num_redelivered)
}

/// The rule's regression sample, as one line, about host `host`.
fn firing(record: i64, host: &str) -> String {
    let path = repo().join(
        "crates/detect/tests/data/sigma-regression/rules/windows/process_creation/\
         proc_creation_win_wmic_uninstall_application/b53317a0-8acf-4fd1-8de8-a5401e776b96.json",
    );
    let mut v: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    v["Event"]["System"]["EventRecordID"] = json!(record);
    v["Event"]["System"]["Computer"] = json!(host);
    serde_json::to_string(&v).unwrap()
}

/// An ordinary event no rule fires on.
fn quiet(n: usize) -> String {
    json!({"EventID": 4624, "Channel": "Security", "Computer": format!("quiet-{n}"), "n": n})
        .to_string()
}

async fn post_events(
    client: &reqwest::Client,
    base: &str,
    token: &str,
    body: String,
    wait: bool,
) -> Result<(StatusCode, Option<String>, Value), reqwest::Error> {
    let r = client
        .post(format!("{base}/api/v1/events?wait={wait}"))
        .bearer_auth(token)
        .header("content-type", "application/x-ndjson")
        .body(body)
        .send()
        .await?;
    let status = r.status();
    let retry = r
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap_or_default().to_string());
    let text = r.text().await?;
    Ok((
        status,
        retry,
        serde_json::from_str(&text).unwrap_or(Value::Null),
    ))
}

/// One number from the database, read behind the nodes' backs.
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

/// Polls `what` until it holds, for at most `limit`.
async fn until<F, Fut>(limit: Duration, why: &str, mut what: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<(), String>>,
{
    let start = Instant::now();
    loop {
        match what().await {
            Ok(()) => return,
            Err(state) => {
                assert!(start.elapsed() < limit, "{why}: still {state}");
            }
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// A `canhgac serve` child process.
struct Node {
    child: Child,
    base: String,
    log: PathBuf,
}

impl Node {
    fn start(t: &TestApp, stream: &str, logs: &std::path::Path, name: &str) -> Node {
        let log = logs.join(format!("{name}.log"));
        let mut child = Command::new(env!("CARGO_BIN_EXE_canhgac"))
            .args(t.db_args())
            .args(["serve", "--listen", "127.0.0.1:0", "--nats-url", NATS])
            .args(["--nats-stream", stream, "--nats-ack-wait", "3"])
            .args(["--detect-workers", "1", "--event-queue", "100000"])
            .arg("--rules")
            .arg(rule_file())
            .env("CANHGAC_LOG", "warn,app::pipeline::nats=info")
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let mut base = None;
        for line in lines.by_ref() {
            let line = line.unwrap();
            if let Some(u) = line.split("serving on ").nth(1) {
                base = u
                    .split_whitespace()
                    .next()
                    .map(|u| u.trim_end_matches('/').to_string());
                break;
            }
        }
        let base = base.unwrap_or_else(|| {
            panic!(
                "node {name} did not start: {}",
                std::fs::read_to_string(&log).unwrap_or_default()
            )
        });
        // Keep reading what it prints so it never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        Node { child, base, log }
    }

    fn signal(&self, sig: libc::c_int) {
        // SAFETY: kill(2) on our own child's pid; no memory is involved.
        unsafe {
            libc::kill(self.child.id() as libc::pid_t, sig);
        }
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_nodes_one_killed_every_event_evaluated_once_postgres() {
    if std::env::var("CANHGAC_TEST_POSTGRES").is_err() {
        eprintln!("CANHGAC_TEST_POSTGRES is not set; the two-node NATS test needs PostgreSQL and is not run");
        return;
    }
    if nats_missing() {
        return;
    }
    let t = TestApp::spawn(Db::Postgres, Default::default()).await;
    let stream = TestStream::new("two-nodes");
    let token = t.token(Role::Sensor, t.agency_a).await;
    let logs = tempfile::tempdir().unwrap();
    let a = Node::start(&t, &stream.0, logs.path(), "a");
    let mut b = Node::start(&t, &stream.0, logs.path(), "b");
    let client = reqwest::Client::new();

    // 120 batches of 4 ordinary events, one that fires (on a host of its
    // own, so each is an alert of its own) and one bad line.
    const BATCHES: usize = 120;
    let body = |i: usize| {
        let mut lines: Vec<String> = (0..4).map(|k| quiet(i * 4 + k)).collect();
        lines.insert(2, firing(10_000 + i as i64, &format!("host-{i}")));
        lines.push("not json".into());
        lines.join("\n")
    };
    let send = |i: usize, to: &Node| {
        let (client, token, base, body) = (client.clone(), token.clone(), to.base.clone(), body(i));
        async move {
            // A forwarder's loop: again on 429 until accepted.
            loop {
                let (s, retry, v) = post_events(&client, &base, &token, body.clone(), false)
                    .await
                    .unwrap_or_else(|e| panic!("batch {i} to {base}: {e}"));
                if s == StatusCode::TOO_MANY_REQUESTS {
                    assert_eq!(retry.as_deref(), Some("1"));
                    tokio::time::sleep(Duration::from_millis(200)).await;
                    continue;
                }
                assert_eq!(s, StatusCode::ACCEPTED, "batch {i}: {v}");
                assert_eq!(v["accepted"], 5, "{v}");
                assert_eq!(v["rejected"], 1, "{v}");
                return;
            }
        }
    };
    // Both nodes receive and evaluate.
    for i in 0..40 {
        send(i, if i % 2 == 0 { &a } else { &b }).await;
    }
    // B stops answering JetStream (what it holds waits for it), the stream
    // goes on through A, and B dies without acknowledging anything more.
    b.signal(libc::SIGSTOP);
    for i in 40..80 {
        send(i, &a).await;
    }
    eprintln!(
        "before node B is killed (waiting, unacknowledged, redelivered): {:?}",
        consumer_state(&stream.0).await
    );
    b.signal(libc::SIGKILL);
    let _ = b.child.wait();
    for i in 80..BATCHES {
        send(i, &a).await;
    }

    // Every accepted event evaluated, counted once; every alert there once.
    let events = (BATCHES * 5) as i64;
    until(
        Duration::from_secs(300),
        "A takes over what B held",
        || async {
            let counted = scalar(
                &t,
                "SELECT CAST(COALESCE(SUM(events), 0) AS BIGINT) FROM sensors",
            )
            .await;
            let hits = scalar(&t, "SELECT count(*) FROM alert_hits").await;
            if counted >= events && hits >= BATCHES as i64 {
                Ok(())
            } else {
                Err(format!("{counted} events counted, {hits} hits stored"))
            }
        },
    )
    .await;
    until(
        Duration::from_secs(120),
        "every message acknowledged",
        || async {
            match consumer_state(&stream.0).await {
                (0, 0, _) => Ok(()),
                other => Err(format!("{other:?} (pending, unacknowledged, redelivered)")),
            }
        },
    )
    .await;
    let redelivered = std::fs::read_to_string(&a.log)
        .unwrap_or_default()
        .matches("batch delivered again")
        .count();
    eprintln!("batches node B held when it died, taken over by node A: {redelivered}");
    assert_eq!(
        scalar(
            &t,
            "SELECT CAST(COALESCE(SUM(events), 0) AS BIGINT) FROM sensors"
        )
        .await,
        events,
        "each event counted once, also those delivered twice"
    );
    assert_eq!(
        scalar(
            &t,
            "SELECT CAST(COALESCE(SUM(rejected), 0) AS BIGINT) FROM sensors"
        )
        .await,
        BATCHES as i64
    );
    assert_eq!(
        scalar(&t, "SELECT count(*) FROM alert_hits").await,
        BATCHES as i64
    );
    let alerts = t
        .app
        .alerts(
            &t.coordinator,
            &app::store::monitoring::AlertFilter {
                limit: 1000,
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .items;
    let mut hosts: Vec<String> = alerts.iter().filter_map(|a| a.host.clone()).collect();
    hosts.sort();
    let mut expected: Vec<String> = (0..BATCHES).map(|i| format!("host-{i}")).collect();
    expected.sort();
    assert_eq!(hosts, expected, "exactly the expected alerts");
    for a in &alerts {
        assert_eq!(a.rule_id, RULE_ID);
        assert_eq!(a.count, 1, "not doubled: {:?}", a.host);
        assert_eq!(a.events.len(), 1);
    }
    // A is still well.
    let (s, _, v) = post_events(&client, &a.base, &token, quiet(99_999), true)
        .await
        .unwrap();
    assert_eq!(
        s,
        StatusCode::ACCEPTED,
        "{v}; log: {}",
        std::fs::read_to_string(&a.log).unwrap_or_default()
    );
}

fn config(stream: &str) -> app::Config {
    let mut c = app::Config::default();
    c.monitoring.rules = vec![rule_file()];
    c.monitoring.workers = 1;
    let mut n = app::pipeline::NatsConfig::new(NATS);
    n.stream = stream.to_string();
    c.monitoring.nats = Some(n);
    c
}

/// One node on SQLite: `wait=true` answers after the alerts are stored, a
/// resent body makes no second alert, syslog-parsed events keep their log
/// source across the wire (counted), and the sensor's counters add up.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_node_waits_for_stored_alerts_sqlite() {
    if nats_missing() {
        return;
    }
    let stream = TestStream::new("one-node");
    let t = TestApp::spawn(Db::Sqlite, config(&stream.0)).await;
    let token = t.token(Role::Sensor, t.agency_a).await;
    let client = reqwest::Client::new();
    let base = t.url("");
    let body = format!("{}\n{}\n[1]\n", firing(1, "ws-1"), quiet(1));
    for _ in 0..2 {
        let (s, _, v) = post_events(&client, &base, &token, body.clone(), true)
            .await
            .unwrap();
        assert_eq!(s, StatusCode::ACCEPTED, "{v}");
        assert_eq!(v["accepted"], 2);
        assert_eq!(v["rejected"], 1);
        // Answered after storing: the alert is there now, once.
        assert_eq!(scalar(&t, "SELECT count(*) FROM alert_hits").await, 1);
        let alerts = t
            .app
            .alerts(
                &t.coordinator,
                &app::store::monitoring::AlertFilter {
                    limit: 100,
                    ..Default::default()
                },
            )
            .await
            .unwrap()
            .items;
        assert_eq!(alerts.len(), 1);
        assert_eq!(alerts[0].host.as_deref(), Some("ws-1"));
        assert_eq!(alerts[0].count, 1);
    }
    // Two receipts of the same body are two receipts: counted twice.
    until(Duration::from_secs(60), "the counters", || async {
        let n = scalar(&t, "SELECT events FROM sensors").await;
        let r = scalar(&t, "SELECT rejected FROM sensors").await;
        if (n, r) == (4, 2) {
            Ok(())
        } else {
            Err(format!("{n} events, {r} rejected"))
        }
    })
    .await;
    until(
        Duration::from_secs(60),
        "every message acknowledged",
        || async {
            match consumer_state(&stream.0).await {
                (0, 0, _) => Ok(()),
                other => Err(format!("{other:?}")),
            }
        },
    )
    .await;
}

/// Nothing takes batches from the stream (no worker) and it holds one: the
/// second body is refused with 429 and Retry-After, as in-process.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn full_stream_answers_429_sqlite() {
    if nats_missing() {
        return;
    }
    let stream = TestStream::new("full");
    let mut c = config(&stream.0);
    c.monitoring.workers = 0;
    c.monitoring.queue_batches = 1;
    let t = TestApp::spawn(Db::Sqlite, c).await;
    let token = t.token(Role::Sensor, t.agency_a).await;
    let client = reqwest::Client::new();
    let base = t.url("");
    let (s, _, v) = post_events(&client, &base, &token, quiet(1), false)
        .await
        .unwrap();
    assert_eq!(s, StatusCode::ACCEPTED, "{v}");
    let (s, retry, v) = post_events(&client, &base, &token, quiet(2), false)
        .await
        .unwrap();
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS, "{v}");
    assert_eq!(v["error"]["code"], "busy");
    assert_eq!(retry.as_deref(), Some("1"));
}

/// A node whose NATS cannot be reached stops at start and says so.
#[test]
fn unreachable_nats_is_a_clear_error_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_canhgac"))
        .arg("--data-dir")
        .arg(dir.path())
        .args(["serve", "--listen", "127.0.0.1:0", "--rules", "none"])
        .args(["--nats-url", "nats://127.0.0.1:1"])
        .env("CANHGAC_LOG", "warn")
        .env("CANHGAC_ADMIN_PASSWORD", common::PASSWORD)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("cannot reach NATS at nats://127.0.0.1:1"),
        "{err}"
    );
}
