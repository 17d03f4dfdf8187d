//! `post_webhook` against a minimal HTTP/1.1 responder on 127.0.0.1.

use std::{collections::HashMap, path::PathBuf, sync::Arc, time::Duration};

use notify::{post_webhook, sign, Webhook, SIGNATURE_HEADER};
use rustls::pki_types::{pem::PemObject, CertificateDer, PrivateKeyDer};
use serde_json::json;
use tokio::{
    io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader},
    net::TcpListener,
    sync::oneshot,
};
use tokio_rustls::TlsAcceptor;

/// What the responder saw.
struct Request {
    method: String,
    path: String,
    /// Lower-cased names.
    headers: HashMap<String, String>,
    body: Vec<u8>,
}

/// Answers ONE request with `status` and `reply_body`, then hands the
/// request over. Returns the URL to post to.
async fn respond_once(status: &str, reply_body: &str) -> (String, oneshot::Receiver<Request>) {
    respond_once_on(None, status, reply_body).await
}

/// As [`respond_once`], over TLS when `tls` is given.
async fn respond_once_on(
    tls: Option<TlsAcceptor>,
    status: &str,
    reply_body: &str,
) -> (String, oneshot::Receiver<Request>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let scheme = if tls.is_some() { "https" } else { "http" };
    let url = format!(
        "{scheme}://127.0.0.1:{}/hooks/canhgac?token=t0ps3cret",
        listener.local_addr().unwrap().port()
    );
    let (tx, rx) = oneshot::channel();
    let status = status.to_string();
    let reply_body = reply_body.to_string();
    tokio::spawn(async move {
        // A client that gives up (bad certificate) is retried by the test
        // with a new connection: keep accepting until one request is served.
        loop {
            let (socket, _) = listener.accept().await.unwrap();
            let served = match &tls {
                None => serve(socket, &status, &reply_body).await,
                Some(acceptor) => match acceptor.accept(socket).await {
                    Ok(stream) => serve(stream, &status, &reply_body).await,
                    Err(_) => None,
                },
            };
            if let Some(request) = served {
                let _ = tx.send(request);
                return;
            }
        }
    });
    (url, rx)
}

async fn serve<S>(stream: S, status: &str, reply_body: &str) -> Option<Request>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let mut io = BufReader::new(stream);
    let mut line = String::new();
    io.read_line(&mut line).await.ok()?;
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_string();
    let path = parts.next()?.to_string();
    let mut headers = HashMap::new();
    loop {
        let mut line = String::new();
        io.read_line(&mut line).await.ok()?;
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        let (k, v) = line.split_once(':')?;
        headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_string());
    }
    let len: usize = headers
        .get("content-length")
        .map_or(0, |v| v.parse().unwrap());
    let mut body = vec![0; len];
    io.read_exact(&mut body).await.ok()?;
    let response = format!(
        "HTTP/1.1 {status}\r\nContent-Type: text/plain; charset=utf-8\r\n\
         Content-Length: {}\r\nLocation: http://127.0.0.1:1/elsewhere\r\nConnection: close\r\n\r\n{reply_body}",
        reply_body.len()
    );
    io.write_all(response.as_bytes()).await.ok()?;
    io.shutdown().await.ok();
    Some(Request {
        method,
        path,
        headers,
        body,
    })
}

fn hook(url: String, secret: Option<&str>) -> Webhook {
    Webhook {
        url,
        secret: secret.map(str::to_string),
        timeout: Duration::from_secs(10),
        tls_ca: None,
    }
}

fn payload() -> serde_json::Value {
    json!({
        "kind": "botnet_report",
        "title": "Danh sách IP botnet tháng 01/2025: 12 địa chỉ",
        "org": 42,
        "link": "https://canhgac.sonha.gov.vn/botnet/2025-01?org=42",
    })
}

#[tokio::test]
async fn signed_json_post_succeeds() {
    let (url, seen) = respond_once("202 Accepted", "").await;
    let status = post_webhook(&hook(url, Some("khóa-bí-mật")), &payload())
        .await
        .unwrap();
    assert_eq!(status, 202);

    let req = seen.await.unwrap();
    assert_eq!(req.method, "POST");
    assert_eq!(req.path, "/hooks/canhgac?token=t0ps3cret");
    assert_eq!(req.headers["content-type"], "application/json");
    let body: serde_json::Value = serde_json::from_slice(&req.body).unwrap();
    assert_eq!(body, payload());
    // The receiver recomputes the HMAC over the exact bytes it got.
    let signature = &req.headers[&SIGNATURE_HEADER.to_ascii_lowercase()];
    assert_eq!(*signature, sign("khóa-bí-mật", &req.body));
    assert!(signature.starts_with("sha256=") && signature.len() == 7 + 64);
}

#[tokio::test]
async fn no_secret_no_signature() {
    let (url, seen) = respond_once("200 OK", "ok").await;
    assert_eq!(
        post_webhook(&hook(url, None), &payload()).await.unwrap(),
        200
    );
    let req = seen.await.unwrap();
    assert!(!req
        .headers
        .contains_key(&SIGNATURE_HEADER.to_ascii_lowercase()));
}

#[tokio::test]
async fn server_error_is_transient() {
    for status in [
        "500 Internal Server Error",
        "503 Service Unavailable",
        "429 Too Many Requests",
    ] {
        let (url, _seen) = respond_once(status, "thử lại sau").await;
        let err = post_webhook(&hook(url, Some("k")), &payload())
            .await
            .unwrap_err();
        assert!(err.is_transient(), "{status}: {err}");
        assert!(err.message().contains(&status[..3]), "{err}");
    }
}

#[tokio::test]
async fn client_error_is_permanent_and_says_why() {
    let (url, _seen) = respond_once("400 Bad Request", "trường \"org\" không hợp lệ").await;
    let err = post_webhook(&hook(url, None), &payload())
        .await
        .unwrap_err();
    assert!(!err.is_transient(), "{err}");
    assert!(err.message().contains("400"), "{err}");
    assert!(err.message().contains("không hợp lệ"), "{err}");
    // The URL's token stays out of logs.
    assert!(!err.message().contains("t0ps3cret"), "{err}");
}

#[tokio::test]
async fn redirect_is_not_followed() {
    let (url, _seen) = respond_once("302 Found", "").await;
    let err = post_webhook(&hook(url, None), &payload())
        .await
        .unwrap_err();
    assert!(
        !err.is_transient() && err.message().contains("302"),
        "{err}"
    );
}

#[tokio::test]
async fn closed_port_is_transient() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let url = format!("http://127.0.0.1:{port}/hook");
    let err = post_webhook(&hook(url, None), &payload())
        .await
        .unwrap_err();
    assert!(err.is_transient(), "{err}");
}

#[tokio::test]
async fn silent_server_times_out_as_transient() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!(
        "http://127.0.0.1:{}/hook",
        listener.local_addr().unwrap().port()
    );
    let hold = tokio::spawn(async move {
        let (socket, _) = listener.accept().await.unwrap();
        tokio::time::sleep(Duration::from_secs(30)).await;
        drop(socket);
    });
    let mut h = hook(url, None);
    h.timeout = Duration::from_millis(300);
    let err = post_webhook(&h, &payload()).await.unwrap_err();
    assert!(err.is_transient(), "{err}");
    hold.abort();
}

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn acceptor() -> TlsAcceptor {
    let certs = CertificateDer::pem_file_iter(fixture("server.pem"))
        .unwrap()
        .collect::<Result<Vec<_>, _>>()
        .unwrap();
    let key = PrivateKeyDer::from_pem_file(fixture("server.key")).unwrap();
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(certs, key)
    .unwrap();
    TlsAcceptor::from(Arc::new(config))
}

#[tokio::test]
async fn https_with_private_ca() {
    let (url, seen) = respond_once_on(Some(acceptor()), "200 OK", "").await;
    let mut h = hook(url, Some("k"));

    let err = post_webhook(&h, &payload()).await.unwrap_err();
    assert!(err.is_transient(), "{err}");
    assert!(
        err.message().to_lowercase().contains("certificate"),
        "{err}"
    );

    h.tls_ca = Some(fixture("ca.pem"));
    assert_eq!(post_webhook(&h, &payload()).await.unwrap(), 200);
    assert_eq!(
        seen.await.unwrap().body,
        serde_json::to_vec(&payload()).unwrap()
    );
}
