//! Delivering the queued notifications: each message once, retried with a
//! growing delay while the failure looks temporary.

use crate::{App, AppError, Result};
use chrono::Utc;
use domain::{Channel, Scope};
use store::notifications::{Notification, NotificationFilter, Outcome};

/// What one pass of the worker did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct DeliveryRun {
    pub sent: usize,
    pub retried: usize,
    pub failed: usize,
}

/// Attempts before a message is given up on; with the backoff this spans
/// about a day, long enough for a mail server's maintenance window.
pub const MAX_ATTEMPTS: i64 = 10;

/// How long a worker holds a message it is sending before another may try.
const LEASE: chrono::Duration = chrono::Duration::minutes(5);

impl App {
    /// Delivers up to `limit` due messages.
    pub async fn deliver_notifications(&self, limit: i64) -> Result<DeliveryRun> {
        let mut run = DeliveryRun::default();
        let now = Utc::now();
        let due = store::notifications::due(&mut self.store.conn(), now, limit).await?;
        for n in due {
            let mut tx = self.store.begin().await?;
            let claimed = store::notifications::claim(&mut tx, &n, now + LEASE).await?;
            tx.commit().await?;
            if !claimed {
                continue;
            }
            let outcome = match self.deliver(&n).await {
                Ok(()) => {
                    run.sent += 1;
                    Outcome::Sent
                }
                Err(e) if e.is_transient() && n.attempts + 1 < MAX_ATTEMPTS => {
                    run.retried += 1;
                    let delay = notify::retry_delay(n.attempts as u32 + 1);
                    let at = Utc::now()
                        + chrono::Duration::from_std(delay).unwrap_or(chrono::Duration::hours(4));
                    tracing::warn!(
                        id = n.id,
                        attempt = n.attempts + 1,
                        error = e.message(),
                        "notification not delivered; will retry"
                    );
                    Outcome::RetryAt(at, e.message().to_string())
                }
                Err(e) => {
                    run.failed += 1;
                    tracing::warn!(id = n.id, error = e.message(), "notification given up");
                    Outcome::GaveUp(e.message().to_string())
                }
            };
            let mut tx = self.store.begin().await?;
            store::notifications::record_attempt(&mut tx, n.id, &outcome).await?;
            tx.commit().await?;
        }
        Ok(run)
    }

    async fn deliver(&self, n: &Notification) -> std::result::Result<(), notify::DeliveryError> {
        let cfg = &self.config.notify;
        match n.channel.parse::<Channel>() {
            Ok(Channel::Email) => {
                let Some(smtp) = &cfg.smtp else {
                    return Err(notify::DeliveryError::Permanent(
                        "no SMTP server is configured".into(),
                    ));
                };
                notify::send_email(
                    smtp,
                    &notify::Email {
                        to: vec![n.recipient.clone()],
                        subject: n.subject.clone(),
                        text: n.body.clone(),
                    },
                )
                .await
            }
            Ok(Channel::Webhook) => {
                let hook = notify::Webhook {
                    url: n.recipient.clone(),
                    secret: cfg.webhook_secret.clone(),
                    timeout: std::time::Duration::from_secs(10),
                    tls_ca: None,
                };
                let body = serde_json::json!({
                    "id": n.id,
                    "topic": n.topic,
                    "ref_id": n.ref_id,
                    "org_id": n.org_id,
                    "subject": n.subject,
                    "text": n.body,
                });
                notify::post_webhook(&hook, &body).await.map(|_| ())
            }
            Err(e) => Err(notify::DeliveryError::Permanent(e)),
        }
    }

    /// The queue as the scope may see it: the province's coordinator and
    /// auditors everything, an organisation the messages addressed to it.
    pub async fn notifications(
        &self,
        scope: &Scope,
        filter: &NotificationFilter,
    ) -> Result<store::Page<Notification>> {
        Ok(store::notifications::list(&mut self.store.conn(), scope, filter).await?)
    }

    /// Queues a failed message again.
    pub async fn retry_notification(&self, scope: &Scope, id: i64) -> Result<()> {
        if !scope.is_coordinator() {
            return Err(AppError::Forbidden(
                "only the coordinator re-sends notifications".into(),
            ));
        }
        let mut tx = self.store.begin().await?;
        let changed = store::notifications::retry_failed(&mut tx, id).await?;
        tx.commit().await?;
        if changed {
            Ok(())
        } else {
            Err(AppError::Conflict(
                "only a failed notification can be sent again".into(),
            ))
        }
    }
}
