//! E-mail through the province's (or an agency's) SMTP relay, with `lettre`.

use std::{fmt, path::PathBuf, str::FromStr, time::Duration};

use lettre::{
    message::{header::ContentType, Mailbox},
    transport::smtp::{
        authentication::Credentials,
        client::{Certificate, Tls, TlsParameters},
        Error as SmtpError,
    },
    AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor,
};

use crate::DeliveryError;

/// How the connection to the relay is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SmtpSecurity {
    /// Plain text. Only for a relay on the same host or an isolated segment:
    /// the password, if any, crosses the wire readable.
    None,
    /// Plain connect, then `STARTTLS`, which is required: a server (or a
    /// man in the middle) that does not offer it gets nothing sent.
    #[default]
    StartTls,
    /// TLS from the first byte ("SMTPS", RFC 8314).
    Tls,
}

impl SmtpSecurity {
    /// The usual port for this mode: 25, 587 or 465.
    pub fn default_port(self) -> u16 {
        match self {
            SmtpSecurity::None => 25,
            SmtpSecurity::StartTls => 587,
            SmtpSecurity::Tls => 465,
        }
    }

    /// The code used in configuration files and command-line flags.
    pub fn as_str(self) -> &'static str {
        match self {
            SmtpSecurity::None => "none",
            SmtpSecurity::StartTls => "starttls",
            SmtpSecurity::Tls => "tls",
        }
    }
}

impl fmt::Display for SmtpSecurity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for SmtpSecurity {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "none" | "plain" => Ok(SmtpSecurity::None),
            "starttls" => Ok(SmtpSecurity::StartTls),
            "tls" | "smtps" | "ssl" => Ok(SmtpSecurity::Tls),
            other => Err(format!(
                "unknown SMTP security {other:?}: expected none, starttls or tls"
            )),
        }
    }
}

/// Where and as whom to send mail.
#[derive(Clone)]
pub struct SmtpConfig {
    /// Relay host name or address; also the name its certificate must carry.
    pub host: String,
    pub port: u16,
    pub security: SmtpSecurity,
    /// Both `username` and `password` must be set for `AUTH` to be attempted.
    pub username: Option<String>,
    /// Never printed: [`fmt::Debug`] shows `<redacted>`.
    pub password: Option<String>,
    /// Sender mailbox, e.g. `canhgac <canhgac@sonha.gov.vn>`; the display name
    /// may be Vietnamese.
    pub from: String,
    /// Deadline for the whole delivery (connect, TLS, dialogue). lettre's own
    /// timeout covers only the TCP connect in async mode, and a relay that
    /// accepts and then stalls must not hold a worker forever.
    pub timeout: Duration,
    /// Extra root certificate(s), PEM, for a relay whose certificate comes
    /// from a private or government CA missing from the system store.
    pub tls_ca: Option<PathBuf>,
}

impl fmt::Debug for SmtpConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpConfig")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("security", &self.security)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .field("from", &self.from)
            .field("timeout", &self.timeout)
            .field("tls_ca", &self.tls_ca)
            .finish()
    }
}

/// One plain-text message. It goes out as a single SMTP transaction, so one
/// recipient refused with 5xx fails it for all: send one message per contact
/// when their fates must be independent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email {
    pub to: Vec<String>,
    /// Any UTF-8; sent RFC 2047-encoded when not plain ASCII.
    pub subject: String,
    /// Any UTF-8 with `\n` line ends; sent as `text/plain; charset=utf-8`,
    /// quoted-printable or base64 as lettre finds shorter.
    pub text: String,
}

/// Sends `msg` through the relay of `cfg` and waits for it to accept the
/// message (reply 250 to the end of `DATA`).
///
/// Opens a fresh connection each time: notifications are few, and no pool
/// means no state kept between calls.
pub async fn send_email(cfg: &SmtpConfig, msg: &Email) -> Result<(), DeliveryError> {
    let message = build_message(cfg, msg)?;
    let transport = build_transport(cfg)?;
    let target = format!("smtp {}:{}", cfg.host, cfg.port);
    match tokio::time::timeout(cfg.timeout, transport.send(message)).await {
        Ok(Ok(_response)) => Ok(()),
        Ok(Err(e)) => Err(classify(&target, &e)),
        Err(_elapsed) => Err(DeliveryError::Transient(format!(
            "{target}: no answer within {:?}",
            cfg.timeout
        ))),
    }
}

fn build_message(cfg: &SmtpConfig, msg: &Email) -> Result<Message, DeliveryError> {
    let bad = |what: &str, value: &str, e: &dyn fmt::Display| {
        DeliveryError::Permanent(format!("invalid {what} address {value:?}: {e}"))
    };
    if msg.to.is_empty() {
        return Err(DeliveryError::Permanent("e-mail has no recipient".into()));
    }
    let from: Mailbox = cfg.from.parse().map_err(|e| bad("sender", &cfg.from, &e))?;
    let mut builder = Message::builder()
        .from(from)
        .subject(msg.subject.as_str())
        .message_id(None)
        .header(ContentType::TEXT_PLAIN);
    for to in &msg.to {
        let mailbox: Mailbox = to.parse().map_err(|e| bad("recipient", to, &e))?;
        builder = builder.to(mailbox);
    }
    builder
        .body(msg.text.clone())
        .map_err(|e| DeliveryError::Permanent(format!("cannot build e-mail: {e}")))
}

fn build_transport(cfg: &SmtpConfig) -> Result<AsyncSmtpTransport<Tokio1Executor>, DeliveryError> {
    let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(cfg.host.as_str())
        .port(cfg.port)
        .timeout(Some(cfg.timeout));
    builder = match cfg.security {
        SmtpSecurity::None => builder.tls(Tls::None),
        SmtpSecurity::StartTls => builder.tls(Tls::Required(tls_parameters(cfg)?)),
        SmtpSecurity::Tls => builder.tls(Tls::Wrapper(tls_parameters(cfg)?)),
    };
    if let (Some(user), Some(password)) = (&cfg.username, &cfg.password) {
        builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
    }
    Ok(builder.build())
}

fn tls_parameters(cfg: &SmtpConfig) -> Result<TlsParameters, DeliveryError> {
    let mut builder = TlsParameters::builder(cfg.host.clone());
    if let Some(path) = &cfg.tls_ca {
        // A few kilobytes read once per message: not worth a blocking-pool hop.
        let pem = std::fs::read(path).map_err(|e| {
            DeliveryError::Permanent(format!("cannot read SMTP CA file {}: {e}", path.display()))
        })?;
        let cert = Certificate::from_pem(&pem).map_err(|e| {
            DeliveryError::Permanent(format!("bad SMTP CA file {}: {e}", path.display()))
        })?;
        builder = builder.add_root_certificate(cert);
    }
    builder
        .build_rustls()
        .map_err(|e| DeliveryError::Permanent(format!("SMTP TLS setup: {e}")))
}

/// Sorts lettre's error kinds by what the retry queue should do.
fn classify(target: &str, e: &SmtpError) -> DeliveryError {
    let text = format!("{target}: {}", error_chain(e));
    if e.is_permanent() {
        // 5xx: unknown recipient, relaying denied, bad credentials (535).
        DeliveryError::Permanent(text)
    } else if e.is_client() {
        // lettre's own refusals: STARTTLS required but not offered, no common
        // AUTH mechanism. The configuration must change before a retry helps.
        DeliveryError::Permanent(text)
    } else {
        // 4xx, connection refused or reset, DNS, TLS handshake (lettre files
        // certificate errors under "connection"), garbled replies.
        DeliveryError::Transient(text)
    }
}

fn error_chain(e: &dyn std::error::Error) -> String {
    // lettre's Display already appends its direct source; add the deeper ones
    // (io::Error of a refused connection, rustls' certificate complaint).
    let mut text = e.to_string();
    let mut source = e.source().and_then(|s| s.source());
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

    fn cfg() -> SmtpConfig {
        SmtpConfig {
            host: "mail.example.gov.vn".into(),
            port: 587,
            security: SmtpSecurity::StartTls,
            username: Some("canhgac".into()),
            password: Some("S3cret-mật-khẩu".into()),
            from: "Cảnh Giác <canhgac@example.gov.vn>".into(),
            timeout: Duration::from_secs(5),
            tls_ca: None,
        }
    }

    #[test]
    fn security_parses_and_prints() {
        for s in [
            SmtpSecurity::None,
            SmtpSecurity::StartTls,
            SmtpSecurity::Tls,
        ] {
            assert_eq!(s.as_str().parse::<SmtpSecurity>(), Ok(s));
        }
        assert_eq!(" SMTPS ".parse::<SmtpSecurity>(), Ok(SmtpSecurity::Tls));
        assert!("tls1.3".parse::<SmtpSecurity>().is_err());
    }

    #[test]
    fn bad_addresses_are_permanent() {
        let mut msg = Email {
            to: vec!["not an address".into()],
            subject: "x".into(),
            text: "y".into(),
        };
        assert!(matches!(
            build_message(&cfg(), &msg),
            Err(DeliveryError::Permanent(_))
        ));
        msg.to.clear();
        assert!(matches!(
            build_message(&cfg(), &msg),
            Err(DeliveryError::Permanent(_))
        ));
        let mut bad_from = cfg();
        bad_from.from = "canhgac".into();
        msg.to = vec!["a@example.gov.vn".into()];
        assert!(matches!(
            build_message(&bad_from, &msg),
            Err(DeliveryError::Permanent(_))
        ));
    }

    #[test]
    fn missing_ca_file_is_permanent() {
        let mut c = cfg();
        c.tls_ca = Some("/nonexistent/ca.pem".into());
        let err = tls_parameters(&c).err().expect("must fail");
        assert!(!err.is_transient(), "{err}");
    }
}
