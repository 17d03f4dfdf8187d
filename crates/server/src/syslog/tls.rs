//! Syslog over TLS (RFC 5425, `serve --syslog-tls ADDR`): TLS 1.2 or 1.3
//! with rustls and ring, the server's certificate from PEM files; no client
//! certificate is asked for. After the handshake a connection is exactly a
//! TCP one ([`super::connection`]): octet counting or newline framing, the
//! source address naming the sensor, back-pressure by not reading.
//!
//! A connection from an address no sensor claims is closed before the
//! handshake. A handshake that fails (a plain-TCP client, a client that
//! does not trust the certificate) or does not finish within the timeout
//! is logged and counted on the sensor as one rejected with its reason; it
//! runs in its own task, so it holds up no other client. At most
//! [`PENDING_HANDSHAKES`] handshakes are in progress at once; a connection
//! beyond them is closed.

use super::Senders;
use anyhow::anyhow;
use app::pipeline::Sender;
use app::App;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use tokio_rustls::TlsAcceptor;

/// Handshakes in progress at once, at most.
pub(crate) const PENDING_HANDSHAKES: usize = 256;

/// The acceptor for the certificate chain and key in these PEM files. Every
/// error names the file and says why, in Vietnamese then English.
pub(crate) fn acceptor(cert: &Path, key: &Path) -> anyhow::Result<TlsAcceptor> {
    let (c, k) = (cert.display(), key.display());
    let cert_pem = std::fs::read(cert).map_err(|e| {
        anyhow!(
            "Không đọc được tệp chứng chỉ TLS của syslog {c} \
             (cannot read the syslog TLS certificate file {c}): {e}"
        )
    })?;
    let chain = CertificateDer::pem_slice_iter(&cert_pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| {
            anyhow!(
                "Tệp chứng chỉ TLS {c} không phải PEM hợp lệ \
                 (the TLS certificate file {c} is not valid PEM): {e}"
            )
        })?;
    if chain.is_empty() {
        return Err(anyhow!(
            "Tệp {c} không chứa chứng chỉ nào (-----BEGIN CERTIFICATE-----) \
             (no certificate in {c})"
        ));
    }
    let key_pem = std::fs::read(key).map_err(|e| {
        anyhow!(
            "Không đọc được tệp khóa riêng TLS của syslog {k} \
             (cannot read the syslog TLS private key file {k}): {e}"
        )
    })?;
    let private = PrivateKeyDer::from_pem_slice(&key_pem).map_err(|e| {
        anyhow!(
            "Tệp {k} không chứa khóa riêng PEM dùng được (PKCS#8, RSA hoặc EC) \
             (no usable PEM private key in {k}: PKCS#8, RSA or EC): {e}"
        )
    })?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
        .map_err(|e| anyhow!("TLS: {e}"))?
        .with_no_client_auth()
        .with_single_cert(chain, private)
        .map_err(|e| {
            anyhow!(
                "Chứng chỉ {c} và khóa {k} không dùng được cùng nhau \
                 (the certificate {c} and the key {k} cannot be used together): {e}"
            )
        })?;
    Ok(TlsAcceptor::from(Arc::new(config)))
}

/// Accepts connections until the process ends; each handshake and
/// connection in its own task.
pub(crate) async fn serve(
    app: App,
    senders: Senders,
    l: tokio::net::TcpListener,
    acceptor: TlsAcceptor,
    handshake_timeout: Duration,
) {
    let pending = Arc::new(tokio::sync::Semaphore::new(PENDING_HANDSHAKES));
    loop {
        let (stream, from) = match l.accept().await {
            Ok(x) => x,
            Err(e) => {
                tracing::warn!(error = %e, "syslog: TLS accept");
                continue;
            }
        };
        let Some(sender) = senders.of(from.ip()).await else {
            tracing::info!(%from, "syslog: TLS connection from an address no sensor claims; closed");
            continue;
        };
        let Ok(permit) = pending.clone().try_acquire_owned() else {
            tracing::warn!(%from, "syslog: too many TLS handshakes in progress; connection closed");
            continue;
        };
        let (app, acceptor) = (app.clone(), acceptor.clone());
        tokio::spawn(async move {
            let accepted = tokio::time::timeout(handshake_timeout, acceptor.accept(stream)).await;
            drop(permit);
            let reason = match accepted {
                Ok(Ok(tls)) => {
                    if let Err(e) = super::connection(&app, sender, tls).await {
                        tracing::debug!(%from, error = %e, "syslog: TLS connection ended");
                    }
                    return;
                }
                Ok(Err(e)) => format!("Bắt tay TLS thất bại (TLS handshake failed): {e}"),
                Err(_) => format!(
                    "Bắt tay TLS không xong trong {} giây (TLS handshake not done within {} s)",
                    handshake_timeout.as_secs_f32(),
                    handshake_timeout.as_secs_f32()
                ),
            };
            refused(&app, sender, &from, reason).await;
        });
    }
}

async fn refused(app: &App, sender: Sender, from: &std::net::SocketAddr, reason: String) {
    tracing::info!(%from, %reason, "syslog: TLS connection refused");
    if let Some(id) = sender.sensor_id {
        if let Err(e) = app.record_refused_connection(id, reason).await {
            tracing::warn!(error = %e, "syslog: counting a refused TLS connection");
        }
    }
}
