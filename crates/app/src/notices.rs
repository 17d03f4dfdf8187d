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
    /// The e-mail addresses of each organisation: its active accounts' and
    /// its contacts' (the 24/7 contact included).
    pub(crate) async fn notify_emails(
        &self,
    ) -> Result<std::collections::BTreeMap<i64, Vec<String>>> {
        let mut emails: std::collections::BTreeMap<i64, Vec<String>> = Default::default();
        for (org, email) in store::auth::emails_by_org(&mut self.store.conn()).await? {
            emails.entry(org).or_default().push(email);
        }
        for o in self
            .org_names(&self.system_scope().await?)
            .await?
            .into_values()
        {
            for c in o.data.contacts.iter().chain(o.data.contact_24x7.iter()) {
                if let Some(e) = &c.email {
                    emails.entry(o.id).or_default().push(e.as_str().to_string());
                }
            }
        }
        for v in emails.values_mut() {
            v.sort();
            v.dedup();
        }
        Ok(emails)
    }

    /// One message to an organisation: an e-mail to each of its addresses
    /// when e-mail is configured, and one to the webhook when set.
    pub(crate) fn notices_for(
        &self,
        emails: &std::collections::BTreeMap<i64, Vec<String>>,
        org_id: i64,
        topic: &'static str,
        ref_id: i64,
        subject: &str,
        body: &str,
    ) -> Vec<store::notifications::NewNotification> {
        let cfg = &self.config.notify;
        let mut out = Vec::new();
        let message = |channel, recipient: &str| store::notifications::NewNotification {
            channel,
            recipient: recipient.to_string(),
            org_id: Some(org_id),
            topic,
            ref_id: Some(ref_id),
            subject: subject.to_string(),
            body: body.to_string(),
        };
        if cfg.smtp.is_some() {
            for to in emails.get(&org_id).into_iter().flatten() {
                out.push(message(Channel::Email, to));
            }
        }
        if let Some(url) = &cfg.webhook {
            out.push(message(Channel::Webhook, url));
        }
        out
    }

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
