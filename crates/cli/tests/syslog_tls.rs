//! Syslog over TLS (RFC 5425, `serve --syslog-tls`) over real sockets on
//! loopback: a rustls client that trusts the test certificate sends RFC 5424
//! messages, octet-counted and newline-framed, over TLS 1.3 and TLS 1.2; the
//! source address names the sensor; events are counted and alerts raised as
//! over TCP. A plain-TCP client talking to the TLS port and a client that
//! never finishes its handshake are refused, counted on the sensor with
//! their reason, and disturb no good client. A certificate or key that
//! cannot be used stops `canhgac serve` at start with a message naming the
//! file. The certificate is `tests/data/syslog-tls/` (see its README).

mod common;

use app::Config;
use domain::Role;
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const WMIC_RULE: &str = "b53317a0-8acf-4fd1-8de8-a5401e776b96";
const SSHD_RULE: &str = "e76b413a-83d0-4b94-8e4c-85db4a5b8bdc";

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/syslog-tls")
        .join(name)
}

fn config() -> Config {
    let mut c = Config::default();
    c.monitoring.rules = vec![
        repo().join(
            "rules/sigma/rules/windows/process_creation/proc_creation_win_wmic_uninstall_application.yml",
        ),
        repo().join("rules/sigma/rules/linux/builtin/sshd/lnx_sshd_susp_ssh.yml"),
    ];
    c.monitoring.workers = 1;
    let mut tls = app::pipeline::SyslogTls::new("127.0.0.1:0", data("cert.pem"), data("key.pem"));
    // Short, so that the stalled client below is let go soon.
    tls.handshake_timeout = Duration::from_secs(2);
    c.monitoring.syslog_tls = Some(tls);
    c
}

/// The wmic rule's regression sample as one line of JSON, its record number
/// changed to `record`.
fn sample(record: i64) -> String {
    let path = repo().join(
        "crates/detect/tests/data/sigma-regression/rules/windows/process_creation/\
         proc_creation_win_wmic_uninstall_application/b53317a0-8acf-4fd1-8de8-a5401e776b96.json",
    );
    let mut v: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    v["Event"]["System"]["EventRecordID"] = json!(record);
    serde_json::to_string(&v).unwrap()
}

/// A client that trusts exactly the test certificate, speaking only `version`.
fn connector(version: &'static rustls::SupportedProtocolVersion) -> tokio_rustls::TlsConnector {
    use rustls::pki_types::{pem::PemObject, CertificateDer};
    let mut roots = rustls::RootCertStore::empty();
    for c in CertificateDer::pem_file_iter(data("cert.pem")).unwrap() {
        roots.add(c.unwrap()).unwrap();
    }
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_protocol_versions(&[version])
    .unwrap()
    .with_root_certificates(roots)
    .with_no_client_auth();
    tokio_rustls::TlsConnector::from(Arc::new(config))
}

/// RFC 5425 framing: `MSG-LEN SP SYSLOG-MSG`.
fn octets(msg: &str) -> Vec<u8> {
    format!("{} {msg}", msg.len()).into_bytes()
}

/// Reads until the server closes the connection (or resets it); panics if
/// it is still open after a minute.
async fn closed_by_server(s: &mut tokio::net::TcpStream) {
    let mut buf = [0u8; 4096];
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, s.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return,
            Ok(Ok(_)) => continue,
            Err(_) => panic!("the server kept a connection that never spoke TLS"),
        }
    }
}

async fn run(t: common::TestApp) {
    let admin = t.token(Role::Coordinator, t.coordinator_org).await;
    let system = t.system(t.agency_a, "STC-WEB").await;
    t.asset(system, "swachchhanda", "10.20.0.6").await;
    let (s, reg) = t
        .post(
            &admin,
            "/api/v1/sensors",
            json!({"org_id": t.agency_a, "name": "rsyslog gtls", "source_addrs": ["127.0.0.1"]}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{reg}");
    let sensor = reg["id"].as_i64().unwrap();
    let addr = t
        .app
        .monitoring_listening()
        .into_iter()
        .find(|(k, _)| *k == "tls")
        .expect("listening over TLS")
        .1;

    // A client that connects and never starts its handshake: it must hold
    // up nobody, and be let go after the handshake timeout.
    let mut stalled = tokio::net::TcpStream::connect(addr).await.unwrap();
    // A plain-TCP sender pointed at the TLS port: refused.
    let mut plain = tokio::net::TcpStream::connect(addr).await.unwrap();
    plain
        .write_all(b"<34>Oct 11 22:14:15 mymachine su: 'su root' failed\n")
        .await
        .unwrap();
    closed_by_server(&mut plain).await;

    // A good client over TLS 1.3: octet counting and newline framing.
    let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
    let mut tls = connector(&rustls::version::TLS13)
        .connect(name.clone(), tcp)
        .await
        .expect("TLS 1.3 handshake");
    assert_eq!(
        tls.get_ref().1.protocol_version(),
        Some(rustls::ProtocolVersion::TLSv1_3)
    );
    let cee = format!(
        "<13>1 2025-01-01T00:00:00Z nx app - - - @cee:{}",
        sample(11)
    );
    let mut wire = octets(&sample(10));
    wire.extend(octets(
        "<38>1 2025-01-10T10:00:00+07:00 swachchhanda sshd 77 - - error in libcrypto",
    ));
    wire.extend(b"<34>Oct 11 22:14:15 mymachine su: 'su root' failed\n");
    wire.extend(octets(&cee));
    tls.write_all(&wire).await.unwrap();
    tls.shutdown().await.unwrap();
    drop(tls);

    // And one over TLS 1.2 (by IP address), newline-framed.
    let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    let ip = rustls::pki_types::ServerName::try_from("127.0.0.1").unwrap();
    let mut tls12 = connector(&rustls::version::TLS12)
        .connect(ip, tcp)
        .await
        .expect("TLS 1.2 handshake");
    assert_eq!(
        tls12.get_ref().1.protocol_version(),
        Some(rustls::ProtocolVersion::TLSv1_2)
    );
    tls12
        .write_all(format!("{}\n", sample(12)).as_bytes())
        .await
        .unwrap();
    tls12.shutdown().await.unwrap();
    drop(tls12);

    // The stalled client is disconnected once its handshake time is up.
    closed_by_server(&mut stalled).await;

    // Wait (bounded) for the five messages and the two refusals.
    let deadline = Instant::now() + Duration::from_secs(60);
    let counted = loop {
        let (_, v) = t.get(&admin, &format!("/api/v1/sensors/{sensor}")).await;
        if (v["events"] == 5 && v["rejected"] == 2) || Instant::now() > deadline {
            break v;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(counted["events"], 5, "{counted}");
    assert_eq!(counted["dropped"], 0, "{counted}");
    assert_eq!(counted["rejected"], 2, "the two refused clients: {counted}");
    let reasons = counted["rejected_sample"].to_string();
    assert!(
        reasons.contains("Bắt tay TLS thất bại (TLS handshake failed)"),
        "{reasons}"
    );
    assert!(
        reasons.contains("Bắt tay TLS không xong trong 2 giây"),
        "{reasons}"
    );

    let (_, list) = t.get(&admin, "/api/v1/alerts").await;
    let list = list["items"].as_array().unwrap();
    assert_eq!(list.len(), 2, "{list:?}");
    let win = list.iter().find(|a| a["rule_id"] == WMIC_RULE).unwrap();
    assert_eq!(win["count"], 3, "{win}");
    assert_eq!(win["system_id"], system);
    let ssh = list
        .iter()
        .find(|a| a["rule_id"] == SSHD_RULE)
        .unwrap_or_else(|| panic!("no sshd alert: {list:?}"));
    assert_eq!(ssh["count"], 1, "{ssh}");
    // The RFC 5424 header's host names the asset, hence the system.
    assert_eq!(ssh["system_id"], system, "{ssh}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn syslog_over_tls_sqlite() {
    run(common::TestApp::spawn(common::Db::Sqlite, config()).await).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn syslog_over_tls_postgres() {
    if std::env::var("CANHGAC_TEST_POSTGRES").is_err() {
        eprintln!("CANHGAC_TEST_POSTGRES is not set; PostgreSQL variant not run");
        return;
    }
    run(common::TestApp::spawn(common::Db::Postgres, config()).await).await
}

/// `canhgac serve --syslog-tls` with files that cannot be used: it stops at
/// start, naming the file and saying why in Vietnamese and English.
#[test]
fn a_bad_certificate_or_key_stops_the_start_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty.pem");
    std::fs::write(&empty, "not a certificate\n").unwrap();
    let missing = dir.path().join("missing.pem");
    let serve = |cert: &PathBuf, key: &PathBuf| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_canhgac"))
            .args(["--data-dir", dir.path().join("db").to_str().unwrap()])
            .args(["serve", "--listen", "127.0.0.1:0", "--rules", "none"])
            .args(["--syslog-tls", "127.0.0.1:0", "--syslog-tls-cert"])
            .arg(cert)
            .arg("--syslog-tls-key")
            .arg(key)
            .env("CANHGAC_LOG", "warn")
            .env("CANHGAC_ADMIN_PASSWORD", common::PASSWORD)
            .output()
            .unwrap();
        assert!(!out.status.success(), "it must not start");
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    let err = serve(&missing, &data("key.pem"));
    assert!(
        err.contains("Không đọc được tệp chứng chỉ TLS của syslog")
            && err.contains("cannot read the syslog TLS certificate file")
            && err.contains(missing.to_str().unwrap()),
        "{err}"
    );
    let err = serve(&empty, &data("key.pem"));
    assert!(
        err.contains("không chứa chứng chỉ nào") && err.contains(empty.to_str().unwrap()),
        "{err}"
    );
    let err = serve(&data("cert.pem"), &empty);
    assert!(
        err.contains("không chứa khóa riêng PEM") && err.contains(empty.to_str().unwrap()),
        "{err}"
    );
    let err = serve(&data("cert.pem"), &data("other-key.pem"));
    assert!(
        err.contains("không dùng được cùng nhau") && err.contains("other-key.pem"),
        "{err}"
    );
    // --syslog-tls without any certificate is refused before anything starts.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_canhgac"))
        .args(["--data-dir", dir.path().join("db").to_str().unwrap()])
        .args(["serve", "--listen", "127.0.0.1:0", "--rules", "none"])
        .args(["--syslog-tls", "127.0.0.1:0"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--syslog-tls cần chứng chỉ"), "{err}");
}
