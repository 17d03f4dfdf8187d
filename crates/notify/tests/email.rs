//! `send_email` against the real SMTP server of `notify::testing`.

use std::{path::PathBuf, time::Duration};

use notify::{
    retry_delay, send_email, testing::SmtpSink, Email, SmtpConfig, SmtpSecurity, RETRY_CAP,
};

const SUBJECT: &str = "Danh sách IP botnet tháng 01/2025: 12 địa chỉ";
const WAIT: Duration = Duration::from_secs(10);

fn config(port: u16) -> SmtpConfig {
    SmtpConfig {
        host: "127.0.0.1".into(),
        port,
        security: SmtpSecurity::None,
        username: None,
        password: None,
        from: "Cảnh Giác Sơn Hà <canhgac@sonha.gov.vn>".into(),
        timeout: Duration::from_secs(10),
        tls_ca: None,
    }
}

fn email(to: &[&str]) -> Email {
    Email {
        to: to.iter().map(|s| s.to_string()).collect(),
        subject: SUBJECT.into(),
        text: "Kính gửi Sở Thông tin và Truyền thông,\n\
               \n\
               Tổ chức của quý cơ quan có 12 địa chỉ IP nằm trong danh sách botnet tháng này.\n\
               .Dòng này bắt đầu bằng dấu chấm, và dòng sau chỉ có một dấu chấm:\n\
               .\n\
               Xem chi tiết: https://canhgac.sonha.gov.vn/botnet/2025-01?org=42&lang=vi\n"
            .into(),
    }
}

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

#[tokio::test]
async fn vietnamese_email_arrives_and_decodes_exactly() {
    let sink = SmtpSink::start().await;
    let msg = email(&[
        "attt@stttt.sonha.gov.vn",
        "Phòng CNTT <cntt@ubnd.sonha.gov.vn>",
    ]);
    send_email(&config(sink.port()), &msg)
        .await
        .expect("delivered");

    let got = sink.wait_for(1, WAIT).await;
    assert_eq!(got.len(), 1);
    let m = &got[0];
    assert_eq!(m.from, "canhgac@sonha.gov.vn");
    assert_eq!(m.to, ["attt@stttt.sonha.gov.vn", "cntt@ubnd.sonha.gov.vn"]);
    assert_eq!(m.subject(), SUBJECT);
    assert_eq!(m.body_text(), msg.text);
    // On the wire everything is 7-bit: the encodings did their work.
    assert!(m.data.is_ascii(), "{}", m.data);
    assert!(
        m.header("Subject").unwrap().contains("=?utf-8?"),
        "subject sent encoded"
    );
    let content_type = m.header("Content-Type").unwrap().to_ascii_lowercase();
    assert!(content_type.contains("text/plain") && content_type.contains("utf-8"));
    assert!(m.header("Message-ID").is_some() && m.header("Date").is_some());
    assert_eq!(m.auth_user, None);
    assert!(!m.tls);
}

#[tokio::test]
async fn bodies_round_trip_whatever_the_transfer_encoding() {
    let sink = SmtpSink::start().await;
    let cfg = config(sink.port());
    let texts = [
        "ASCII only, no final line end",
        // Mostly ASCII: quoted-printable.
        "Xem chi tiết tại https://canhgac.sonha.gov.vn/botnet, không xuống dòng",
        // Dense diacritics: lettre finds base64 shorter than quoted-printable.
        "Đặng Ưởng Ễnh Ữợ Ặẫ Ịọ Ỹỷ Ổỗ Ộớ Ờở Ỡợ Ụủ Ứừ Ửữ Ựỳ\nẮằ Ẳẵ Ặấ\r\nẦẩ Ẫậ\n\n",
        "",
    ];
    for (i, text) in texts.iter().enumerate() {
        let msg = Email {
            text: text.to_string(),
            ..email(&["a@sonha.gov.vn"])
        };
        send_email(&cfg, &msg).await.expect("delivered");
        let got = sink.wait_for(i + 1, WAIT).await;
        // lettre writes CRLF line ends, whatever the text had.
        assert_eq!(
            got[i].body_text(),
            text.replace("\r\n", "\n"),
            "{}",
            got[i].data
        );
    }
    let encodings: Vec<String> = sink
        .messages()
        .iter()
        .map(|m| m.header("Content-Transfer-Encoding").unwrap_or_default())
        .collect();
    for expected in ["7bit", "quoted-printable", "base64"] {
        assert!(encodings.iter().any(|e| e == expected), "{encodings:?}");
    }
}

#[tokio::test]
async fn busy_server_is_transient_then_retry_succeeds() {
    let sink = SmtpSink::start().await;
    sink.fail_next(2);
    let cfg = config(sink.port());
    let msg = email(&["attt@stttt.sonha.gov.vn"]);
    for _ in 0..2 {
        let err = send_email(&cfg, &msg).await.unwrap_err();
        assert!(err.is_transient(), "{err}");
        assert!(err.message().contains("451"), "{err}");
    }
    send_email(&cfg, &msg)
        .await
        .expect("third attempt delivered");
    assert_eq!(sink.wait_for(1, WAIT).await.len(), 1);
}

#[tokio::test]
async fn unknown_recipient_is_permanent() {
    let sink = SmtpSink::start().await;
    sink.reject_recipient("khongton@sonha.gov.vn");
    let err = send_email(&config(sink.port()), &email(&["KhongTon@sonha.gov.vn"]))
        .await
        .unwrap_err();
    assert!(!err.is_transient(), "{err}");
    assert!(err.message().contains("550"), "{err}");
    assert!(sink.messages().is_empty());
}

#[tokio::test]
async fn closed_port_is_transient() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    }; // dropped: nothing listens there now
    let err = send_email(&config(port), &email(&["a@sonha.gov.vn"]))
        .await
        .unwrap_err();
    assert!(err.is_transient(), "{err}");
}

#[tokio::test]
async fn silent_server_times_out_as_transient() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    // Accepts and then never says a word.
    let hold = tokio::spawn(async move {
        let (socket, _) = listener.accept().await.unwrap();
        tokio::time::sleep(Duration::from_secs(30)).await;
        drop(socket);
    });
    let mut cfg = config(port);
    cfg.timeout = Duration::from_millis(300);
    let started = std::time::Instant::now();
    let err = send_email(&cfg, &email(&["a@sonha.gov.vn"]))
        .await
        .unwrap_err();
    assert!(err.is_transient(), "{err}");
    assert!(started.elapsed() < Duration::from_secs(5));
    hold.abort();
}

#[tokio::test]
async fn login_is_used_and_bad_password_is_permanent() {
    let sink = SmtpSink::start().await;
    sink.require_auth("canhgac", "Mật-khẩu-1");
    let mut cfg = config(sink.port());
    let msg = email(&["a@sonha.gov.vn"]);

    let err = send_email(&cfg, &msg).await.unwrap_err();
    assert!(
        !err.is_transient() && err.message().contains("530"),
        "{err}"
    );

    cfg.username = Some("canhgac".into());
    cfg.password = Some("sai".into());
    let err = send_email(&cfg, &msg).await.unwrap_err();
    assert!(
        !err.is_transient() && err.message().contains("535"),
        "{err}"
    );
    assert!(!err.message().contains("sai"), "password leaked: {err}");

    cfg.password = Some("Mật-khẩu-1".into());
    send_email(&cfg, &msg).await.expect("delivered");
    assert_eq!(
        sink.wait_for(1, WAIT).await[0].auth_user.as_deref(),
        Some("canhgac")
    );
}

#[tokio::test]
async fn starttls_and_implicit_tls_with_private_ca() {
    let cert = std::fs::read(fixture("server.pem")).unwrap();
    let key = std::fs::read(fixture("server.key")).unwrap();
    for security in [SmtpSecurity::StartTls, SmtpSecurity::Tls] {
        let sink = SmtpSink::start_tls(security, &cert, &key).await;
        let mut cfg = config(sink.port());
        cfg.security = security;
        cfg.username = Some("canhgac".into());
        cfg.password = Some("Mật-khẩu-1".into());

        // Without the private CA the certificate is unknown: refused, and
        // nothing (least of all the password) is sent.
        let err = send_email(&cfg, &email(&["a@sonha.gov.vn"]))
            .await
            .unwrap_err();
        assert!(
            err.message().to_lowercase().contains("certificate"),
            "{security}: {err}"
        );
        assert!(
            err.is_transient(),
            "a CA can be installed before the next try"
        );
        assert!(sink.messages().is_empty());

        cfg.tls_ca = Some(fixture("ca.pem"));
        send_email(&cfg, &email(&["a@sonha.gov.vn"]))
            .await
            .expect("delivered over TLS");
        let got = sink.wait_for(1, WAIT).await;
        assert!(got[0].tls, "{security}");
        assert_eq!(got[0].auth_user.as_deref(), Some("canhgac"));
        assert_eq!(got[0].subject(), SUBJECT);
    }
}

#[tokio::test]
async fn required_starttls_not_offered_is_permanent() {
    let sink = SmtpSink::start().await; // plain: no STARTTLS in EHLO
    let mut cfg = config(sink.port());
    cfg.security = SmtpSecurity::StartTls;
    let err = send_email(&cfg, &email(&["a@sonha.gov.vn"]))
        .await
        .unwrap_err();
    assert!(!err.is_transient(), "{err}");
    assert!(sink.messages().is_empty());
}

#[test]
fn debug_of_config_hides_password() {
    let mut cfg = config(25);
    cfg.username = Some("canhgac".into());
    cfg.password = Some("S3cret-mật-khẩu".into());
    let text = format!("{cfg:?} {cfg:#?}");
    assert!(!text.contains("S3cret"), "{text}");
    assert!(
        text.contains("redacted") && text.contains("canhgac"),
        "{text}"
    );
}

#[test]
fn retry_delay_is_monotone_and_capped() {
    let delays: Vec<Duration> = (0..=64).map(retry_delay).collect();
    assert!(delays.windows(2).all(|w| w[0] <= w[1]), "{delays:?}");
    assert!(delays
        .iter()
        .all(|d| *d <= RETRY_CAP && *d > Duration::ZERO));
    assert_eq!(retry_delay(64), RETRY_CAP);
    assert_eq!(retry_delay(u32::MAX), RETRY_CAP);
    assert!(retry_delay(2) > retry_delay(1), "grows at first");
    assert_eq!(retry_delay(5), retry_delay(5), "deterministic");
}
