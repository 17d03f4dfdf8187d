//! `canhgac serve` as an administrator starts it: first start prints the
//! one-time administrator password, TLS works with a PEM certificate, cookies
//! are Secure under TLS, and SIGTERM stops the server cleanly.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[test]
fn serves_over_tls_and_stops_cleanly_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    let made = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=localhost",
        ])
        .args(["-addext", "subjectAltName=IP:127.0.0.1", "-keyout"])
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .expect("openssl (Debian package openssl) makes the test certificate");
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );

    let mut server = Command::new(env!("CARGO_BIN_EXE_canhgac"))
        .args([
            "--data-dir",
            dir.path().join("db").to_str().unwrap(),
            "serve",
            "--listen",
            "127.0.0.1:0",
        ])
        .arg("--tls-cert")
        .arg(&cert)
        .arg("--tls-key")
        .arg(&key)
        .env("CANHGAC_LOG", "warn")
        .env_remove("CANHGAC_ADMIN_PASSWORD")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(server.stdout.take().unwrap()).lines();
    let (mut password, mut url) = (None, None);
    for line in lines.by_ref() {
        let line = line.unwrap();
        if let Some(p) = line.split("one-time password: ").nth(1) {
            password = Some(p.trim().to_string());
        }
        if let Some(u) = line.split("serving on ").nth(1) {
            url = Some(
                u.split_whitespace()
                    .next()
                    .unwrap()
                    .trim_end_matches('/')
                    .to_string(),
            );
            break;
        }
    }
    let password = password.expect("first start prints the administrator's one-time password");
    let url = url.expect("the address is printed");
    assert!(url.starts_with("https://127.0.0.1:"), "{url}");

    let curl = |args: &[&str]| {
        let out = Command::new("curl")
            .args(["-sk", "--max-time", "10"])
            .args(args)
            .output()
            .expect("curl");
        String::from_utf8_lossy(&out.stdout).to_string()
    };
    assert_eq!(curl(&[&format!("{url}/healthz")]), "ok");
    let headers = curl(&[
        "-D",
        "-",
        "-o",
        "/dev/null",
        "-H",
        "content-type: application/json",
        "-d",
        &format!("{{\"username\":\"admin\",\"password\":\"{password}\"}}"),
        &format!("{url}/api/v1/auth/login"),
    ]);
    let cookie = headers
        .lines()
        .find(|l| l.to_lowercase().starts_with("set-cookie: canhgac_session="))
        .unwrap_or_else(|| panic!("{headers}"));
    assert!(
        cookie.contains("Secure") && cookie.contains("HttpOnly"),
        "{cookie}"
    );

    // SIGTERM: the server finishes and exits with success.
    // SAFETY: kill(2) on our own child's pid; no memory is involved.
    unsafe {
        libc::kill(server.id() as libc::pid_t, libc::SIGTERM);
    }
    let start = Instant::now();
    loop {
        if let Some(status) = server.try_wait().unwrap() {
            assert!(status.success(), "{status}");
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(15),
            "the server did not stop"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}
