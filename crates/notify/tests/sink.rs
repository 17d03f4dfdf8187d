//! The SMTP sink spoken to by hand, for the protocol corners lettre does not
//! reach: HELO, NOOP, RSET, bad command order, dot-unstuffing, shutdown.

use std::time::Duration;

use notify::testing::SmtpSink;
use tokio::{
    io::{AsyncBufReadExt, AsyncWriteExt, BufReader},
    net::TcpStream,
};

struct Client(BufReader<TcpStream>);

impl Client {
    async fn connect(port: u16) -> Client {
        let mut c = Client(BufReader::new(
            TcpStream::connect(("127.0.0.1", port)).await.unwrap(),
        ));
        assert!(c.read().await.starts_with("220 "));
        c
    }

    /// One reply, multi-line ones joined; the last line's code first.
    async fn read(&mut self) -> String {
        let mut all = String::new();
        loop {
            let mut line = String::new();
            self.0.read_line(&mut line).await.unwrap();
            all.push_str(&line);
            if line.as_bytes().get(3) != Some(&b'-') {
                return all;
            }
        }
    }

    async fn send(&mut self, text: &str) -> String {
        self.0.get_mut().write_all(text.as_bytes()).await.unwrap();
        self.read().await
    }
}

#[tokio::test]
async fn protocol_by_hand() {
    let sink = SmtpSink::start().await;
    let mut c = Client::connect(sink.port()).await;

    assert!(
        c.send("MAIL FROM:<a@b.vn>\r\n").await.starts_with("503"),
        "HELO first"
    );
    assert!(c
        .send("HELO client.sonha.gov.vn\r\n")
        .await
        .starts_with("250"));
    assert!(c.send("NOOP\r\n").await.starts_with("250"));
    assert!(c.send("VRFY root\r\n").await.starts_with("502"));
    assert!(
        c.send("RCPT TO:<x@b.vn>\r\n").await.starts_with("503"),
        "MAIL first"
    );
    assert!(c.send("DATA\r\n").await.starts_with("503"));

    // A transaction abandoned with RSET leaves nothing behind.
    assert!(c.send("MAIL FROM:<a@b.vn>\r\n").await.starts_with("250"));
    assert!(c
        .send("RCPT TO:<dropped@b.vn>\r\n")
        .await
        .starts_with("250"));
    assert!(c.send("RSET\r\n").await.starts_with("250"));

    let ehlo = c.send("EHLO client.sonha.gov.vn\r\n").await;
    assert!(
        ehlo.contains("250-8BITMIME") && ehlo.ends_with("\r\n"),
        "{ehlo}"
    );
    assert!(
        !ehlo.contains("STARTTLS"),
        "plain sink offers no TLS: {ehlo}"
    );
    assert!(c
        .send("MAIL FROM:<> BODY=8BITMIME\r\n")
        .await
        .starts_with("250"));
    assert!(c.send("RCPT TO:<kept@b.vn>\r\n").await.starts_with("250"));
    assert!(c.send("DATA\r\n").await.starts_with("354"));
    let reply = c
        .send("Subject: hi\r\n\r\n..leading dot\r\n..\r\nend\r\n.\r\n")
        .await;
    assert!(reply.starts_with("250"), "{reply}");
    assert!(c.send("QUIT\r\n").await.starts_with("221"));

    let got = sink.wait_for(1, Duration::from_secs(5)).await;
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].from, "");
    assert_eq!(got[0].to, ["kept@b.vn"]);
    assert_eq!(
        got[0].data,
        "Subject: hi\r\n\r\n.leading dot\r\n.\r\nend\r\n"
    );
    assert_eq!(got[0].subject(), "hi");
    assert_eq!(got[0].body_text(), ".leading dot\n.\nend");
}

#[tokio::test]
async fn fail_next_counts_transactions() {
    let sink = SmtpSink::start().await;
    sink.fail_next(1);
    let mut c = Client::connect(sink.port()).await;
    c.send("EHLO x\r\n").await;
    assert!(c.send("MAIL FROM:<a@b.vn>\r\n").await.starts_with("451"));
    assert!(c.send("MAIL FROM:<a@b.vn>\r\n").await.starts_with("250"));
}

#[tokio::test]
#[should_panic(expected = "expected 1 message(s)")]
async fn wait_for_panics_on_timeout() {
    let sink = SmtpSink::start().await;
    sink.wait_for(1, Duration::from_millis(50)).await;
}

#[tokio::test]
async fn dropping_the_sink_stops_it() {
    let sink = SmtpSink::start().await;
    let port = sink.port();
    drop(sink);
    for _ in 0..100 {
        if TcpStream::connect(("127.0.0.1", port)).await.is_err() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("port {port} still accepts connections");
}
