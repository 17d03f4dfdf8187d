//! Delivery of ONE notification, by e-mail (SMTP) or webhook, with failures
//! classified so that the caller's queue knows whether to retry.
//!
//! The queue, the retry loop and the bookkeeping live elsewhere (in the
//! database, behind `app`): this crate holds no state between calls, so a
//! worker may call it from any task and a crash loses nothing but the one
//! attempt in flight.
//!
//! ```no_run
//! # async fn demo() -> Result<(), notify::DeliveryError> {
//! use std::time::Duration;
//! use notify::{send_email, Email, SmtpConfig, SmtpSecurity};
//!
//! let cfg = SmtpConfig {
//!     host: "mail.sonha.gov.vn".into(),
//!     port: 587,
//!     security: SmtpSecurity::StartTls,
//!     username: Some("canhgac".into()),
//!     password: Some("…".into()),
//!     from: "canhgac <canhgac@sonha.gov.vn>".into(),
//!     timeout: Duration::from_secs(30),
//!     tls_ca: None,
//! };
//! let msg = Email {
//!     to: vec!["attt@sotttt.sonha.gov.vn".into()],
//!     subject: "Danh sách IP botnet tháng 01/2025: 12 địa chỉ".into(),
//!     text: "Kính gửi …".into(),
//! };
//! send_email(&cfg, &msg).await
//! # }
//! ```

mod email;
mod webhook;

#[cfg(feature = "testing")]
pub mod testing;

use std::time::Duration;

pub use email::{send_email, Email, SmtpConfig, SmtpSecurity};
pub use webhook::{post_webhook, sign, Webhook, SIGNATURE_HEADER};

/// Why a delivery failed, sorted by what the caller should do next.
///
/// The text is for the operator's log and the queue's `last_error` column; it
/// never contains a password or a webhook secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeliveryError {
    /// Try again later: the other side is down, slow or busy (connection
    /// refused, timeout, SMTP 4xx, HTTP 5xx / 408 / 429).
    #[error("transient: {0}")]
    Transient(String),
    /// Retrying the same message cannot help: the server refused it for good
    /// (SMTP 5xx such as an unknown recipient, HTTP 4xx) or the configuration
    /// or an address is invalid.
    #[error("permanent: {0}")]
    Permanent(String),
}

impl DeliveryError {
    /// Whether a later attempt of the same message may succeed.
    pub fn is_transient(&self) -> bool {
        matches!(self, DeliveryError::Transient(_))
    }

    /// The explanation, without the `transient:` / `permanent:` prefix.
    pub fn message(&self) -> &str {
        match self {
            DeliveryError::Transient(m) | DeliveryError::Permanent(m) => m,
        }
    }
}

/// Delay before the first retry; doubles with each further attempt.
pub const RETRY_BASE: Duration = Duration::from_secs(60);
/// Longest delay between two attempts: a mail server down for a night of
/// maintenance is still tried a few times before office hours.
pub const RETRY_CAP: Duration = Duration::from_secs(4 * 60 * 60);

/// How long to wait before retry number `attempt` (1 = the first retry, after
/// the first failure; 0 is treated as 1): 1, 2, 4, 8 … minutes, at most
/// [`RETRY_CAP`].
///
/// Deliberately without jitter, so that the queue's `next_attempt_at` can be
/// computed and tested exactly; one worker sends the province's mail, so there
/// is no herd to spread out.
pub fn retry_delay(attempt: u32) -> Duration {
    // 2^12 minutes already exceeds the cap; clamping the exponent keeps the
    // multiplication far from overflow for any `attempt`.
    let exponent = attempt.saturating_sub(1).min(12);
    RETRY_BASE.saturating_mul(1 << exponent).min(RETRY_CAP)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_delay_doubles_then_caps() {
        assert_eq!(retry_delay(0), RETRY_BASE);
        assert_eq!(retry_delay(1), RETRY_BASE);
        assert_eq!(retry_delay(2), RETRY_BASE * 2);
        assert_eq!(retry_delay(3), RETRY_BASE * 4);
        assert_eq!(retry_delay(100), RETRY_CAP);
        assert_eq!(retry_delay(u32::MAX), RETRY_CAP);
    }
}
