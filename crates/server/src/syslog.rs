//! Syslog receivers for the monitoring pipeline (`serve --syslog-udp ADDR
//! --syslog-tcp ADDR --syslog-tls ADDR`). The source address names the
//! sensor (its registered `source_addrs`); messages from an address no
//! sensor claims are refused (UDP: dropped and logged; TCP and TLS: the
//! connection is closed).
//!
//! TCP frames by octet counting (`LEN SP MSG`, RFC 6587 §3.4.1, as RFC 5425
//! does over TLS) or by newline, decided per message by its first byte. A
//! full pipeline stops the reading of the connection until there is room,
//! so a TCP sender slows down and loses nothing. UDP may drop: each datagram
//! the full pipeline refused is counted on its sensor. TLS ([`tls`]) is TCP
//! once the handshake is done: the same framing, back-pressure and counters.

use anyhow::Context;
use app::pipeline::{Full, Sender};
use app::App;
mod tls;

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};
use tokio::sync::Mutex;

/// Largest message accepted; a longer one is cut off and rejected.
const MAX_MESSAGE: usize = 64 * 1024;
/// Messages gathered into one batch.
const BATCH: usize = 512;

/// The sensors by source address, and when they were last read.
type SenderMap = (HashMap<IpAddr, Sender>, Option<Instant>);

/// Who sends from which address, reloaded when an unknown address shows up
/// (at most once a second).
#[derive(Clone)]
pub(crate) struct Senders {
    app: App,
    inner: Arc<Mutex<SenderMap>>,
}

impl Senders {
    pub(crate) async fn of(&self, ip: IpAddr) -> Option<Sender> {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
            v4 => v4,
        };
        let mut g = self.inner.lock().await;
        if let Some(s) = g.0.get(&ip) {
            return Some(*s);
        }
        if g.1.is_some_and(|t| t.elapsed() < Duration::from_secs(1)) {
            return None;
        }
        match self.app.syslog_senders().await {
            Ok(list) => {
                g.0 = list.into_iter().collect();
                g.1 = Some(Instant::now());
            }
            Err(e) => tracing::warn!(error = %e, "syslog: reading sensors"),
        }
        g.0.get(&ip).copied()
    }
}

/// Binds the receivers the configuration names and serves them until the
/// process ends. A TLS certificate or key that cannot be used stops the
/// start with a message naming the file.
pub async fn start(app: &App) -> anyhow::Result<()> {
    let cfg = app.config.monitoring.clone();
    let senders = Senders {
        app: app.clone(),
        inner: Default::default(),
    };
    if let Some(t) = &cfg.syslog_tls {
        // The certificate first: a bad file is said before anything listens.
        let acceptor = tls::acceptor(&t.cert, &t.key)?;
        let l = tokio::net::TcpListener::bind(&t.addr)
            .await
            .with_context(|| format!("syslog TLS on {}", t.addr))?;
        app.monitoring_listening_on("tls", l.local_addr()?);
        tracing::info!(addr = %l.local_addr()?, cert = %t.cert.display(), "syslog: receiving over TLS");
        tokio::spawn(tls::serve(
            app.clone(),
            senders.clone(),
            l,
            acceptor,
            t.handshake_timeout,
        ));
    }
    if let Some(addr) = &cfg.syslog_udp {
        let sock = tokio::net::UdpSocket::bind(addr)
            .await
            .with_context(|| format!("syslog UDP on {addr}"))?;
        app.monitoring_listening_on("udp", sock.local_addr()?);
        tracing::info!(addr = %sock.local_addr()?, "syslog: receiving over UDP");
        tokio::spawn(udp(app.clone(), senders.clone(), sock));
    }
    if let Some(addr) = &cfg.syslog_tcp {
        let l = tokio::net::TcpListener::bind(addr)
            .await
            .with_context(|| format!("syslog TCP on {addr}"))?;
        app.monitoring_listening_on("tcp", l.local_addr()?);
        tracing::info!(addr = %l.local_addr()?, "syslog: receiving over TCP");
        tokio::spawn(tcp(app.clone(), senders, l));
    }
    Ok(())
}

async fn udp(app: App, senders: Senders, sock: tokio::net::UdpSocket) {
    let mut buf = vec![0u8; MAX_MESSAGE];
    loop {
        let (n, from) = match sock.recv_from(&mut buf).await {
            Ok(x) => x,
            Err(e) => {
                tracing::warn!(error = %e, "syslog: UDP receive");
                continue;
            }
        };
        let Some(sender) = senders.of(from.ip()).await else {
            tracing::debug!(%from, "syslog: datagram from an address no sensor claims");
            continue;
        };
        // Gather what is already waiting from the same sender into one batch.
        let mut messages = vec![String::from_utf8_lossy(&buf[..n]).into_owned()];
        while messages.len() < BATCH {
            match sock.try_recv_from(&mut buf) {
                Ok((n, f)) if f.ip() == from.ip() => {
                    messages.push(String::from_utf8_lossy(&buf[..n]).into_owned())
                }
                Ok((n, f)) => {
                    // Another sender: its own batch.
                    if let Some(s) = senders.of(f.ip()).await {
                        let one = vec![String::from_utf8_lossy(&buf[..n]).into_owned()];
                        offer_or_drop(&app, s, &one).await;
                    }
                }
                Err(_) => break,
            }
        }
        offer_or_drop(&app, sender, &messages).await;
    }
}

async fn offer_or_drop(app: &App, sender: Sender, messages: &[String]) {
    match app.offer_messages(sender, messages).await {
        Ok(Ok(())) => {}
        Ok(Err(_full)) => {
            if let Some(id) = sender.sensor_id {
                if let Err(e) = app.record_dropped(id, messages.len() as i64).await {
                    tracing::warn!(error = %e, "syslog: counting dropped datagrams");
                }
            }
        }
        Err(e) => tracing::warn!(error = %e, "syslog: pipeline"),
    }
}

async fn tcp(app: App, senders: Senders, l: tokio::net::TcpListener) {
    loop {
        let (stream, from) = match l.accept().await {
            Ok(x) => x,
            Err(e) => {
                tracing::warn!(error = %e, "syslog: TCP accept");
                continue;
            }
        };
        let Some(sender) = senders.of(from.ip()).await else {
            tracing::info!(%from, "syslog: TCP connection from an address no sensor claims; closed");
            continue;
        };
        let app = app.clone();
        tokio::spawn(async move {
            if let Err(e) = connection(&app, sender, stream).await {
                tracing::debug!(%from, error = %e, "syslog: TCP connection ended");
            }
        });
    }
}

/// Reads one message: octet-counted when it starts with a digit, else up to
/// the newline. `None` at the end of the stream.
async fn next_message<R: tokio::io::AsyncBufRead + Unpin>(
    r: &mut R,
) -> std::io::Result<Option<Vec<u8>>> {
    loop {
        let first = match r.fill_buf().await? {
            [] => return Ok(None),
            b => b[0],
        };
        if first == b'\n' || first == b'\r' {
            r.consume(1);
            continue;
        }
        if first.is_ascii_digit() {
            let mut len = Vec::new();
            (&mut *r).take(12).read_until(b' ', &mut len).await?;
            let digits = std::str::from_utf8(&len[..len.len().saturating_sub(1)])
                .ok()
                .and_then(|d| d.parse::<usize>().ok());
            if let (Some(n), Some(b' ')) = (digits, len.last()) {
                if n > MAX_MESSAGE {
                    return Err(std::io::Error::other(format!(
                        "an octet count of {n} is over {MAX_MESSAGE}"
                    )));
                }
                let mut msg = vec![0u8; n];
                r.read_exact(&mut msg).await?;
                return Ok(Some(msg));
            }
            // Not a count: a message that starts with digits, up to the newline.
            let mut rest = Vec::new();
            (&mut *r)
                .take(MAX_MESSAGE as u64)
                .read_until(b'\n', &mut rest)
                .await?;
            len.extend(rest);
            return Ok(Some(len));
        }
        let mut msg = Vec::new();
        (&mut *r)
            .take(MAX_MESSAGE as u64)
            .read_until(b'\n', &mut msg)
            .await?;
        return Ok(Some(msg));
    }
}

/// Reads the messages of one connection (TCP, or TLS once the handshake is
/// done) into the pipeline until the sender closes it.
pub(crate) async fn connection<S: tokio::io::AsyncRead + Unpin>(
    app: &App,
    sender: Sender,
    stream: S,
) -> std::io::Result<()> {
    let mut r = BufReader::with_capacity(256 * 1024, stream);
    let mut messages: Vec<String> = Vec::new();
    loop {
        // Take what is buffered without waiting, then hand the batch over.
        let msg = next_message(&mut r).await?;
        let end = msg.is_none();
        if let Some(m) = msg {
            messages.push(
                String::from_utf8(m)
                    .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()),
            );
        }
        if !messages.is_empty() && (end || messages.len() >= BATCH || r.buffer().is_empty()) {
            offer_waiting(app, sender, &messages).await;
            messages.clear();
        }
        if end {
            return Ok(());
        }
    }
}

/// Offers until the pipeline takes the batch: reading stops meanwhile, so
/// the sender's TCP window fills and it slows down. The messages are parsed
/// once; a batch the in-process queue gave back is offered again as it is.
async fn offer_waiting(app: &App, sender: Sender, messages: &[String]) {
    let mut wait = Duration::from_millis(10);
    let mut batch = app::pipeline::syslog_batch(sender, messages);
    loop {
        match app.offer_batch(batch).await {
            Ok(Ok(())) => return,
            Ok(Err(Full(back))) => {
                tokio::time::sleep(wait).await;
                wait = (wait * 2).min(Duration::from_millis(500));
                batch = match back {
                    Some(b) => *b,
                    None => app::pipeline::syslog_batch(sender, messages),
                };
            }
            Err(e) => {
                tracing::warn!(error = %e, "syslog: pipeline");
                return;
            }
        }
    }
}
