//! JSON POST to a receiver's URL (a chat bridge, an agency's ticketing system).

use std::{fmt, path::PathBuf, time::Duration};

use hmac::{Hmac, Mac};
use reqwest::{header, redirect, StatusCode, Url};
use sha2::Sha256;

use crate::DeliveryError;

/// Header carrying `sha256=<hex HMAC-SHA256 of the exact body bytes>`, the
/// same shape as GitHub's `X-Hub-Signature-256`, which receivers know how to
/// check.
pub const SIGNATURE_HEADER: &str = "X-Canhgac-Signature";

/// Most of a refusal's body worth keeping in the queue's error column.
const ERROR_BODY_LIMIT: usize = 300;

/// Where to POST, and how to prove the POST comes from canhgac.
#[derive(Clone)]
pub struct Webhook {
    /// `http://` or `https://` URL. Redirects are not followed: a POST
    /// silently turned into a GET elsewhere would look like success.
    pub url: String,
    /// Shared secret for [`SIGNATURE_HEADER`]; no header when `None`.
    /// Never printed: [`fmt::Debug`] shows `<redacted>`.
    pub secret: Option<String>,
    /// Deadline for the whole request, connect to last byte of the answer.
    pub timeout: Duration,
    /// Extra root certificate(s), PEM, for an `https` receiver whose
    /// certificate comes from a private CA; the system store is used too.
    pub tls_ca: Option<PathBuf>,
}

impl fmt::Debug for Webhook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Webhook")
            .field("url", &self.url)
            .field("secret", &self.secret.as_ref().map(|_| "<redacted>"))
            .field("timeout", &self.timeout)
            .field("tls_ca", &self.tls_ca)
            .finish()
    }
}

/// The value of [`SIGNATURE_HEADER`] for `body` under `secret`:
/// `sha256=` followed by 64 lowercase hex digits. Public so that receivers
/// written in Rust (and tests) verify with the same code.
pub fn sign(secret: &str, body: &[u8]) -> String {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes())
        .expect("HMAC-SHA256 takes keys of any length");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// POSTs `body` as JSON to `hook.url`; returns the (2xx) status on success.
///
/// A new client per call: no connection pool or state survives, and the
/// system roots are reloaded, which costs milliseconds against a network
/// round-trip.
pub async fn post_webhook(hook: &Webhook, body: &serde_json::Value) -> Result<u16, DeliveryError> {
    let url = Url::parse(&hook.url).map_err(|e| {
        DeliveryError::Permanent(format!("invalid webhook URL {:?}: {e}", hook.url))
    })?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(DeliveryError::Permanent(format!(
            "webhook URL {:?} is neither http nor https",
            hook.url
        )));
    }
    // Shown in errors instead of the URL, which may carry a token in its
    // path or query.
    let target = format!(
        "webhook {}://{}",
        url.scheme(),
        url.host_str().unwrap_or("")
    );

    let client = build_client(hook)?;
    // Serialised once, so the signature covers exactly the bytes sent.
    let bytes = serde_json::to_vec(body)
        .map_err(|e| DeliveryError::Permanent(format!("{target}: cannot encode body: {e}")))?;
    let mut request = client
        .post(url)
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::USER_AGENT, "canhgac-notify");
    if let Some(secret) = &hook.secret {
        request = request.header(SIGNATURE_HEADER, sign(secret, &bytes));
    }

    let response = request.body(bytes).send().await.map_err(|e| {
        let text = format!("{target}: {}", error_chain(&e));
        if e.is_builder() {
            DeliveryError::Permanent(text)
        } else {
            // Refused, reset, DNS, TLS handshake, timeout: the receiver may be
            // back later.
            DeliveryError::Transient(text)
        }
    })?;

    let status = response.status();
    if status.is_success() {
        return Ok(status.as_u16());
    }
    let text = format!("{target}: HTTP {status}{}", body_excerpt(response).await);
    if is_transient_status(status) {
        Err(DeliveryError::Transient(text))
    } else {
        Err(DeliveryError::Permanent(text))
    }
}

fn build_client(hook: &Webhook) -> Result<reqwest::Client, DeliveryError> {
    let mut builder = reqwest::Client::builder()
        .use_rustls_tls()
        .timeout(hook.timeout)
        .redirect(redirect::Policy::none());
    if let Some(path) = &hook.tls_ca {
        let pem = std::fs::read(path).map_err(|e| {
            DeliveryError::Permanent(format!(
                "cannot read webhook CA file {}: {e}",
                path.display()
            ))
        })?;
        let certs = reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| {
            DeliveryError::Permanent(format!("bad webhook CA file {}: {e}", path.display()))
        })?;
        for cert in certs {
            builder = builder.add_root_certificate(cert);
        }
    }
    builder
        .build()
        .map_err(|e| DeliveryError::Permanent(format!("webhook client setup: {e}")))
}

/// 5xx, and the 4xx that mean "not now" rather than "not this".
fn is_transient_status(status: StatusCode) -> bool {
    status.is_server_error()
        || matches!(
            status,
            StatusCode::REQUEST_TIMEOUT | StatusCode::TOO_EARLY | StatusCode::TOO_MANY_REQUESTS
        )
}

/// The start of a refusal's body (receivers often say why there), bounded so
/// that a huge error page neither fills memory nor the queue's error column.
async fn body_excerpt(mut response: reqwest::Response) -> String {
    let mut bytes = Vec::new();
    while bytes.len() < ERROR_BODY_LIMIT {
        match response.chunk().await {
            Ok(Some(chunk)) => bytes.extend_from_slice(&chunk),
            _ => break,
        }
    }
    let text = String::from_utf8_lossy(&bytes);
    let text: String = text.chars().take(ERROR_BODY_LIMIT).collect();
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.is_empty() {
        String::new()
    } else {
        format!(": {text}")
    }
}

fn error_chain(e: &dyn std::error::Error) -> String {
    // reqwest's Display hides the cause ("error sending request"); the cause
    // (connection refused, certificate unknown) is what an operator needs.
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let s_text = s.to_string();
        if !text.contains(&s_text) {
            text.push_str(": ");
            text.push_str(&s_text);
        }
        source = s.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_matches_rfc4231_vector() {
        // RFC 4231 test case 2.
        assert_eq!(
            sign("Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn status_classes() {
        assert!(is_transient_status(StatusCode::INTERNAL_SERVER_ERROR));
        assert!(is_transient_status(StatusCode::SERVICE_UNAVAILABLE));
        assert!(is_transient_status(StatusCode::TOO_MANY_REQUESTS));
        assert!(!is_transient_status(StatusCode::BAD_REQUEST));
        assert!(!is_transient_status(StatusCode::NOT_FOUND));
        assert!(!is_transient_status(StatusCode::MOVED_PERMANENTLY));
    }

    #[test]
    fn debug_hides_secret() {
        let hook = Webhook {
            url: "https://chat.example.gov.vn/hook".into(),
            secret: Some("hush-hush".into()),
            timeout: Duration::from_secs(3),
            tls_ca: None,
        };
        assert!(!format!("{hook:?}").contains("hush-hush"));
    }

    #[tokio::test]
    async fn bad_urls_are_permanent() {
        for url in ["not a url", "ftp://example.gov.vn/x"] {
            let hook = Webhook {
                url: url.into(),
                secret: None,
                timeout: Duration::from_secs(1),
                tls_ca: None,
            };
            let err = post_webhook(&hook, &serde_json::json!({}))
                .await
                .unwrap_err();
            assert!(!err.is_transient(), "{url}: {err}");
        }
    }
}
