//! A real SMTP server on `127.0.0.1`, for tests (cargo feature `testing`).
//!
//! It speaks the protocol over TCP, so a test exercises the same client code,
//! encodings and error paths as production, and can make the server misbehave
//! on purpose ([`SmtpSink::fail_next`], [`SmtpSink::reject_recipient`]).
//! Messages are kept in memory, never relayed.
//!
//! ```no_run
//! # async fn demo() {
//! use std::time::Duration;
//! let sink = notify::testing::SmtpSink::start().await;
//! // … point an SmtpConfig at 127.0.0.1:sink.port() with SmtpSecurity::None …
//! let got = sink.wait_for(1, Duration::from_secs(5)).await;
//! assert_eq!(got[0].subject(), "Danh sách IP botnet tháng 01/2025: 12 địa chỉ");
//! # }
//! ```

mod mime;

use std::{
    collections::HashSet,
    io,
    sync::{Arc, Mutex, MutexGuard},
    time::Duration,
};

use base64::{engine::general_purpose::STANDARD, Engine as _};
use rustls::pki_types::{pem::PemObject, CertificateDer, PrivateKeyDer};
use tokio::{
    io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader},
    net::{TcpListener, TcpStream},
    sync::watch,
    task::{JoinHandle, JoinSet},
};
use tokio_rustls::TlsAcceptor;

use crate::SmtpSecurity;

/// Longest command line accepted (RFC 5321 says 512 octets; be lenient).
const MAX_LINE: u64 = 4096;
/// Largest message accepted, so a runaway client cannot exhaust memory.
const MAX_MESSAGE: usize = 10 * 1024 * 1024;

/// One message accepted by the sink.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedMessage {
    /// The `MAIL FROM` address, without angle brackets.
    pub from: String,
    /// The `RCPT TO` addresses that were accepted, in order.
    pub to: Vec<String>,
    /// The message as transmitted after `DATA`: headers and encoded body,
    /// CRLF line ends, dot-unstuffed, without the final `.` line.
    pub data: String,
    /// The user name of a successful `AUTH`, if the client logged in.
    pub auth_user: Option<String>,
    /// Whether the message came over TLS (implicit or after `STARTTLS`).
    pub tls: bool,
}

impl ReceivedMessage {
    /// The unfolded, still encoded value of the first header `name`.
    pub fn header(&self, name: &str) -> Option<String> {
        mime::header(&self.data, name)
    }

    /// The `Subject` with RFC 2047 encoded words decoded ("" when absent).
    pub fn subject(&self) -> String {
        self.header("Subject")
            .map(|s| mime::decode_words(&s))
            .unwrap_or_default()
    }

    /// The body decoded from quoted-printable or base64 as UTF-8, with `\n`
    /// line ends, less the final line end that lettre adds after the text.
    /// Single-part messages only.
    pub fn body_text(&self) -> String {
        mime::body_text(&self.data)
    }
}

#[derive(Default)]
struct State {
    messages: Vec<ReceivedMessage>,
    fail_next: u32,
    /// Lower-cased addresses answered with 550.
    rejected: HashSet<String>,
    /// When set, `MAIL` needs a successful `AUTH` with these.
    credentials: Option<(String, String)>,
}

struct Shared {
    state: Mutex<State>,
    /// Number of messages received, for [`SmtpSink::wait_for`].
    count: watch::Sender<usize>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // A panicking connection task must not take every later assertion
        // down with it: the state stays usable.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A running SMTP server on `127.0.0.1`; stops when dropped.
pub struct SmtpSink {
    port: u16,
    shared: Arc<Shared>,
    task: JoinHandle<()>,
}

#[derive(Clone)]
enum TlsMode {
    None,
    StartTls(TlsAcceptor),
    Implicit(TlsAcceptor),
}

impl SmtpSink {
    /// Starts a plain-text sink on an ephemeral port (use with
    /// [`SmtpSecurity::None`]).
    ///
    /// # Panics
    /// If no port on 127.0.0.1 can be bound: the test cannot go on anyway.
    pub async fn start() -> SmtpSink {
        Self::spawn(TlsMode::None).await
    }

    /// Starts a sink that offers `STARTTLS` ([`SmtpSecurity::StartTls`]) or
    /// speaks TLS from the first byte ([`SmtpSecurity::Tls`]) with the given
    /// certificate chain and private key (PEM). `SmtpSecurity::None` gives
    /// a plain sink, as [`SmtpSink::start`].
    ///
    /// # Panics
    /// On unreadable PEM or when no port can be bound.
    pub async fn start_tls(security: SmtpSecurity, cert_pem: &[u8], key_pem: &[u8]) -> SmtpSink {
        let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(cert_pem)
            .collect::<Result<_, _>>()
            .expect("SmtpSink: bad certificate PEM");
        let key = PrivateKeyDer::from_pem_slice(key_pem).expect("SmtpSink: bad key PEM");
        let config = rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .expect("ring supports the default TLS versions")
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .expect("SmtpSink: certificate and key do not match");
        let acceptor = TlsAcceptor::from(Arc::new(config));
        let mode = match security {
            SmtpSecurity::None => TlsMode::None,
            SmtpSecurity::StartTls => TlsMode::StartTls(acceptor),
            SmtpSecurity::Tls => TlsMode::Implicit(acceptor),
        };
        Self::spawn(mode).await
    }

    async fn spawn(mode: TlsMode) -> SmtpSink {
        let listener = TcpListener::bind(("127.0.0.1", 0))
            .await
            .expect("SmtpSink: cannot bind 127.0.0.1:0");
        let port = listener.local_addr().expect("bound socket").port();
        let shared = Arc::new(Shared {
            state: Mutex::new(State::default()),
            count: watch::channel(0).0,
        });
        let task = tokio::spawn(accept_loop(listener, Arc::clone(&shared), mode));
        SmtpSink { port, shared, task }
    }

    /// The port on 127.0.0.1 the sink listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// All messages accepted so far, oldest first.
    pub fn messages(&self) -> Vec<ReceivedMessage> {
        self.shared.lock().messages.clone()
    }

    /// Waits until at least `n` messages have arrived and returns all of them.
    ///
    /// # Panics
    /// When `timeout` passes first, naming how many did arrive.
    pub async fn wait_for(&self, n: usize, timeout: Duration) -> Vec<ReceivedMessage> {
        let mut count = self.shared.count.subscribe();
        let waited = tokio::time::timeout(timeout, count.wait_for(|c| *c >= n)).await;
        if waited.is_err() {
            panic!(
                "SmtpSink: expected {n} message(s) within {timeout:?}, got {}",
                self.shared.lock().messages.len()
            );
        }
        self.messages()
    }

    /// Answers the next `n` transactions (`MAIL FROM` commands) with
    /// `451 4.3.0`, as a busy or greylisting server would.
    pub fn fail_next(&self, n: u32) {
        self.shared.lock().fail_next = n;
    }

    /// Answers `RCPT TO` for `address` (any case) with `550 5.1.1`, as for a
    /// mailbox that does not exist.
    pub fn reject_recipient(&self, address: &str) {
        self.shared.lock().rejected.insert(address.to_lowercase());
    }

    /// Requires `AUTH PLAIN` or `AUTH LOGIN` with these credentials before
    /// `MAIL`; wrong ones get `535 5.7.8`. Without it any login is accepted.
    pub fn require_auth(&self, username: &str, password: &str) {
        self.shared.lock().credentials = Some((username.into(), password.into()));
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        // The accept task owns the connection tasks (a JoinSet), so this
        // ends them too.
        self.task.abort();
    }
}

async fn accept_loop(listener: TcpListener, shared: Arc<Shared>, mode: TlsMode) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                if let Ok((tcp, _)) = accepted {
                    let shared = Arc::clone(&shared);
                    let mode = mode.clone();
                    connections.spawn(async move {
                        // A client hanging up mid-dialogue is its business.
                        let _ = serve(tcp, &shared, mode).await;
                    });
                }
            }
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
}

async fn serve(tcp: TcpStream, shared: &Shared, mode: TlsMode) -> io::Result<()> {
    match mode {
        TlsMode::None => {
            session(tcp, shared, Options::plain()).await?;
        }
        TlsMode::Implicit(acceptor) => {
            let tls = acceptor.accept(tcp).await?;
            session(tls, shared, Options::secure()).await?;
        }
        TlsMode::StartTls(acceptor) => {
            let options = Options {
                offer_starttls: true,
                ..Options::plain()
            };
            if let Outcome::StartTls(tcp) = session(tcp, shared, options).await? {
                let tls = acceptor.accept(tcp).await?;
                let options = Options {
                    greet: false,
                    ..Options::secure()
                };
                session(tls, shared, options).await?;
            }
        }
    }
    Ok(())
}

struct Options {
    /// Send the 220 banner (not after `STARTTLS`, where the client speaks first).
    greet: bool,
    offer_starttls: bool,
    secure: bool,
}

impl Options {
    fn plain() -> Options {
        Options {
            greet: true,
            offer_starttls: false,
            secure: false,
        }
    }
    fn secure() -> Options {
        Options {
            greet: true,
            offer_starttls: false,
            secure: true,
        }
    }
}

enum Outcome<S> {
    Closed,
    /// The client asked for `STARTTLS` and was told to go ahead.
    StartTls(S),
}

/// The per-connection state of the dialogue.
#[derive(Default)]
struct Transaction {
    from: Option<String>,
    to: Vec<String>,
}

/// Runs one SMTP dialogue over `stream` until `QUIT`, hang-up or `STARTTLS`.
async fn session<S>(stream: S, shared: &Shared, options: Options) -> io::Result<Outcome<S>>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let mut io = BufReader::new(stream);
    if options.greet {
        reply(&mut io, "220 canhgac-sink ESMTP ready").await?;
    }
    let mut greeted = false;
    let mut auth_user: Option<String> = None;
    let mut tx = Transaction::default();

    loop {
        let Some(line) = read_line(&mut io).await? else {
            return Ok(Outcome::Closed);
        };
        let (verb, arg) = match line.split_once(' ') {
            Some((v, a)) => (v.to_ascii_uppercase(), a.trim().to_string()),
            None => (line.to_ascii_uppercase(), String::new()),
        };
        match verb.as_str() {
            "EHLO" => {
                greeted = true;
                tx = Transaction::default();
                let mut lines = vec![
                    format!("canhgac-sink greets {arg}"),
                    "8BITMIME".into(),
                    "SMTPUTF8".into(),
                    format!("SIZE {MAX_MESSAGE}"),
                    "AUTH PLAIN LOGIN".into(),
                ];
                if options.offer_starttls && !options.secure {
                    lines.push("STARTTLS".into());
                }
                let last = lines.len() - 1;
                let text: String = lines
                    .iter()
                    .enumerate()
                    .map(|(i, l)| format!("250{}{l}\r\n", if i == last { ' ' } else { '-' }))
                    .collect();
                io.write_all(text.as_bytes()).await?;
                io.flush().await?;
            }
            "HELO" => {
                greeted = true;
                tx = Transaction::default();
                reply(&mut io, "250 canhgac-sink").await?;
            }
            "STARTTLS" if options.offer_starttls && !options.secure => {
                reply(&mut io, "220 2.0.0 Ready to start TLS").await?;
                if !io.buffer().is_empty() {
                    // Commands pipelined before the handshake could be a
                    // plaintext injection (CVE-2011-0411): refuse the lot.
                    return Ok(Outcome::Closed);
                }
                return Ok(Outcome::StartTls(io.into_inner()));
            }
            "AUTH" => {
                let answer = authenticate(&mut io, &arg, shared).await?;
                match answer {
                    Ok(user) => {
                        auth_user = Some(user);
                        reply(&mut io, "235 2.7.0 Authentication successful").await?;
                    }
                    Err(text) => reply(&mut io, text).await?,
                }
            }
            "MAIL" => {
                let answer = mail_from(greeted, auth_user.is_some(), &arg, shared);
                if let Ok(from) = &answer {
                    tx = Transaction {
                        from: Some(from.clone()),
                        to: Vec::new(),
                    };
                }
                reply(
                    &mut io,
                    answer.map(|_| "250 2.1.0 OK").unwrap_or_else(|e| e),
                )
                .await?;
            }
            "RCPT" => {
                let text = match (&tx.from, address(&arg, "TO:")) {
                    (None, _) => "503 5.5.1 MAIL first",
                    (_, None) => "501 5.5.4 Syntax: RCPT TO:<address>",
                    (Some(_), Some(to)) => {
                        if shared.lock().rejected.contains(&to.to_lowercase()) {
                            "550 5.1.1 Mailbox unavailable"
                        } else {
                            tx.to.push(to);
                            "250 2.1.5 OK"
                        }
                    }
                };
                reply(&mut io, text).await?;
            }
            "DATA" => {
                if tx.from.is_none() || tx.to.is_empty() {
                    reply(&mut io, "503 5.5.1 MAIL and RCPT first").await?;
                    continue;
                }
                reply(&mut io, "354 End data with <CR><LF>.<CR><LF>").await?;
                let tx = std::mem::take(&mut tx);
                let data = match read_data(&mut io).await? {
                    Data::Message(data) => data,
                    Data::TooBig => {
                        reply(&mut io, "552 5.3.4 Message too big").await?;
                        continue;
                    }
                    Data::HungUp => return Ok(Outcome::Closed),
                };
                let message = ReceivedMessage {
                    from: tx.from.unwrap_or_default(),
                    to: tx.to,
                    data,
                    auth_user: auth_user.clone(),
                    tls: options.secure,
                };
                let number = {
                    let mut state = shared.lock();
                    state.messages.push(message);
                    state.messages.len()
                };
                shared.count.send_replace(number);
                reply(&mut io, &format!("250 2.0.0 OK queued as {number}")).await?;
            }
            "RSET" => {
                tx = Transaction::default();
                reply(&mut io, "250 2.0.0 OK").await?;
            }
            "NOOP" => reply(&mut io, "250 2.0.0 OK").await?,
            "QUIT" => {
                reply(&mut io, "221 2.0.0 Bye").await?;
                return Ok(Outcome::Closed);
            }
            _ => reply(&mut io, "502 5.5.2 Command not recognized").await?,
        }
    }
}

/// The checks of `MAIL FROM`; `Ok` carries the sender address.
fn mail_from(
    greeted: bool,
    authed: bool,
    arg: &str,
    shared: &Shared,
) -> Result<String, &'static str> {
    if !greeted {
        return Err("503 5.5.1 EHLO or HELO first");
    }
    let from = address(arg, "FROM:").ok_or("501 5.5.4 Syntax: MAIL FROM:<address>")?;
    let mut state = shared.lock();
    if state.credentials.is_some() && !authed {
        return Err("530 5.7.0 Authentication required");
    }
    if state.fail_next > 0 {
        state.fail_next -= 1;
        return Err("451 4.3.0 Temporary failure, try again later");
    }
    Ok(from)
}

/// `AUTH PLAIN [initial]` or `AUTH LOGIN`; `Ok` carries the user name.
async fn authenticate<S>(
    io: &mut BufReader<S>,
    arg: &str,
    shared: &Shared,
) -> io::Result<Result<String, &'static str>>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let (mechanism, initial) = match arg.split_once(' ') {
        Some((m, i)) => (m.to_ascii_uppercase(), Some(i.trim().to_string())),
        None => (arg.to_ascii_uppercase(), None),
    };
    let (user, password) = match mechanism.as_str() {
        "PLAIN" => {
            let encoded = match initial {
                Some(i) => i,
                None => match prompt(io, "334 ").await? {
                    Some(line) => line,
                    None => return Ok(Err("501 5.7.0 Authentication cancelled")),
                },
            };
            // authzid NUL authcid NUL password (RFC 4616).
            let decoded = decode_b64(&encoded);
            let mut parts = decoded.as_deref().unwrap_or("").splitn(3, '\0');
            match (parts.next(), parts.next(), parts.next()) {
                (Some(_), Some(user), Some(password)) => (user.to_string(), password.to_string()),
                _ => return Ok(Err("501 5.5.2 Cannot decode AUTH PLAIN")),
            }
        }
        "LOGIN" => {
            let Some(user) = prompt(io, "334 VXNlcm5hbWU6").await? else {
                return Ok(Err("501 5.7.0 Authentication cancelled"));
            };
            let Some(password) = prompt(io, "334 UGFzc3dvcmQ6").await? else {
                return Ok(Err("501 5.7.0 Authentication cancelled"));
            };
            match (decode_b64(&user), decode_b64(&password)) {
                (Some(u), Some(p)) => (u, p),
                _ => return Ok(Err("501 5.5.2 Cannot decode AUTH LOGIN")),
            }
        }
        _ => return Ok(Err("504 5.5.4 Unrecognized authentication type")),
    };
    let accepted = match &shared.lock().credentials {
        Some((u, p)) => *u == user && *p == password,
        None => true,
    };
    Ok(if accepted {
        Ok(user)
    } else {
        Err("535 5.7.8 Authentication credentials invalid")
    })
}

/// Sends a 334 challenge and reads the answer; `None` when the client
/// cancels with `*` or hangs up.
async fn prompt<S>(io: &mut BufReader<S>, challenge: &str) -> io::Result<Option<String>>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    reply(io, challenge).await?;
    Ok(read_line(io).await?.filter(|l| l.trim() != "*"))
}

fn decode_b64(text: &str) -> Option<String> {
    let bytes = STANDARD.decode(text.trim()).ok()?;
    String::from_utf8(bytes).ok()
}

/// The address in `FROM:<a@b> PARAMS` or `TO:<a@b>`, brackets removed.
/// `<>` (the null sender of bounces) gives "".
fn address(arg: &str, keyword: &str) -> Option<String> {
    let head = arg.get(..keyword.len())?;
    if !head.eq_ignore_ascii_case(keyword) {
        return None;
    }
    let rest = arg[keyword.len()..].trim_start();
    let addr = match rest.strip_prefix('<') {
        Some(inner) => inner.split_once('>')?.0,
        None => rest.split_whitespace().next()?,
    };
    Some(addr.to_string())
}

async fn reply<S>(io: &mut BufReader<S>, text: &str) -> io::Result<()>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    io.write_all(format!("{text}\r\n").as_bytes()).await?;
    io.flush().await
}

/// One line without its CR LF; `None` at end of stream.
async fn read_line<S>(io: &mut BufReader<S>) -> io::Result<Option<String>>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let mut buf = Vec::new();
    let n = (&mut *io)
        .take(MAX_LINE)
        .read_until(b'\n', &mut buf)
        .await?;
    if n == 0 {
        return Ok(None);
    }
    if buf.last() != Some(&b'\n') && n as u64 >= MAX_LINE {
        return Err(io::Error::new(io::ErrorKind::InvalidData, "line too long"));
    }
    while matches!(buf.last(), Some(b'\n' | b'\r')) {
        buf.pop();
    }
    Ok(Some(String::from_utf8_lossy(&buf).into_owned()))
}

enum Data {
    Message(String),
    TooBig,
    HungUp,
}

/// The lines after `DATA` up to the lone `.`, dot-unstuffed (RFC 5321
/// 4.5.2), with CRLF line ends. Past [`MAX_MESSAGE`] it keeps reading without
/// storing, so that the dialogue stays in step for the 552 answer.
async fn read_data<S>(io: &mut BufReader<S>) -> io::Result<Data>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let mut data = String::new();
    let mut too_big = false;
    loop {
        let mut buf = Vec::new();
        let limit = MAX_MESSAGE as u64 + 2;
        if (&mut *io).take(limit).read_until(b'\n', &mut buf).await? == 0 {
            return Ok(Data::HungUp);
        }
        let line = buf
            .strip_suffix(b"\r\n")
            .or_else(|| buf.strip_suffix(b"\n"))
            .unwrap_or(&buf);
        if line == b"." {
            break;
        }
        let line = line.strip_prefix(b".").unwrap_or(line);
        too_big = too_big || data.len() + line.len() > MAX_MESSAGE;
        if !too_big {
            data.push_str(&String::from_utf8_lossy(line));
            data.push_str("\r\n");
        }
    }
    Ok(if too_big {
        Data::TooBig
    } else {
        Data::Message(data)
    })
}

#[cfg(test)]
mod tests {
    use super::address;

    #[test]
    fn addresses() {
        assert_eq!(
            address("FROM:<a@b.vn> BODY=8BITMIME", "FROM:"),
            Some("a@b.vn".into())
        );
        assert_eq!(address("to: <a@b.vn>", "TO:"), Some("a@b.vn".into()));
        assert_eq!(address("FROM:<>", "FROM:"), Some(String::new()));
        assert_eq!(address("FROM:a@b.vn", "FROM:"), Some("a@b.vn".into()));
        assert_eq!(address("TO:<a@b.vn>", "FROM:"), None);
        assert_eq!(address("", "TO:"), None);
    }
}
