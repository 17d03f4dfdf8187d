//! Monitoring where people read it: systems that claim SOC monitoring but
//! whose sensors are silent (dashboard, system page, sensors page, periodic
//! report), and messages to whoever is on duty for a new high or critical
//! alert, queued with the alert in the storer's transaction.

use crate::{App, Result};
use chrono::{DateTime, Duration, Utc};
use domain::monitoring::AlertSeverity;
use domain::{Channel, Scope};
use std::collections::BTreeMap;
pub use store::monitoring_figures::WatchedSystem;
use store::notifications::NewNotification;

/// Hours without an event after which a SOC-monitored system is silent.
pub const SILENT_HOURS: i64 = 24;

/// Whether a new alert of this severity is sent to whoever is on duty.
pub fn notifies_duty(s: AlertSeverity) -> bool {
    matches!(s, AlertSeverity::High | AlertSeverity::Critical)
}

/// Who a duty message goes to for one organisation.
#[derive(Debug, Clone, Default)]
pub struct DutyRecipients {
    /// The people on duty now (name, phone), empty when nobody is.
    pub on_duty: Vec<(String, String)>,
    /// E-mail addresses the message goes to.
    pub emails: Vec<String>,
    /// Why the organisation's contact gets it instead of the people on
    /// duty (None: the people on duty are written to).
    pub fallback: Option<&'static str>,
}

/// The last nine digits: the same phone typed `0905 123 456` or `+84905123456`.
fn phone_key(p: &str) -> String {
    let d: Vec<char> = p.chars().filter(char::is_ascii_digit).collect();
    d[d.len().saturating_sub(9)..].iter().collect()
}

impl App {
    /// Systems the scope sees (owned by `org` when given) that claim SOC
    /// monitoring but have no sensor, or whose sensors sent nothing in the
    /// [`SILENT_HOURS`] before `now`.
    pub async fn silent_systems(
        &self,
        scope: &Scope,
        org: Option<i64>,
        now: DateTime<Utc>,
    ) -> Result<Vec<WatchedSystem>> {
        let since = now - Duration::hours(SILENT_HOURS);
        Ok(
            store::monitoring_figures::soc_monitored_systems(&mut self.store.conn(), scope, org)
                .await?
                .into_iter()
                .filter(|s| s.silent_since(since))
                .collect(),
        )
    }

    /// Systems claiming SOC monitoring the scope sees, silent or not.
    pub async fn soc_monitored_systems(
        &self,
        scope: &Scope,
        org: Option<i64>,
    ) -> Result<Vec<WatchedSystem>> {
        Ok(
            store::monitoring_figures::soc_monitored_systems(&mut self.store.conn(), scope, org)
                .await?,
        )
    }

    /// Whoever is on duty for `org_id` at `now` (from the duty roster), with
    /// the e-mail addresses the organisation's contacts give for them
    /// (matched by phone, then by name); the organisation's 24/7 contact
    /// (else its contacts) when nobody is on duty or no address is known.
    pub async fn duty_recipients(&self, org_id: i64, now: DateTime<Utc>) -> Result<DutyRecipients> {
        let system = self.system_scope().await?;
        let mut r = DutyRecipients::default();
        for d in self.on_duty(&system, now).await? {
            if d.org_id != org_id {
                continue;
            }
            for p in d.people {
                let pair = (p.name().to_string(), p.phone().to_string());
                if !r.on_duty.contains(&pair) {
                    r.on_duty.push(pair);
                }
            }
        }
        let Some(org) = store::orgs::get(&mut self.store.conn(), &system, org_id).await? else {
            return Ok(r);
        };
        let contacts: Vec<&domain::Contact> = org
            .data
            .contact_24x7
            .iter()
            .chain(org.data.contacts.iter())
            .collect();
        for (name, phone) in &r.on_duty {
            let key = phone_key(phone);
            let found = contacts.iter().find(|c| {
                c.email.is_some()
                    && (c
                        .phone
                        .as_ref()
                        .is_some_and(|p| key.len() >= 8 && phone_key(&p.to_string()) == key)
                        || c.name.to_string().trim().to_lowercase() == name.trim().to_lowercase())
            });
            if let Some(e) = found.and_then(|c| c.email.as_ref()) {
                let e = e.as_str().to_string();
                if !r.emails.contains(&e) {
                    r.emails.push(e);
                }
            }
        }
        if r.emails.is_empty() {
            r.fallback = Some(if r.on_duty.is_empty() {
                "Hiện không có ai trực theo lịch trực của đơn vị; thông báo được gửi tới đầu mối liên hệ của đơn vị."
            } else {
                "Người đang trực chưa có địa chỉ thư điện tử trong danh sách liên hệ của đơn vị; \
                 thông báo được gửi tới đầu mối liên hệ của đơn vị."
            });
            let first: Vec<String> = match org
                .data
                .contact_24x7
                .as_ref()
                .and_then(|c| c.email.as_ref())
            {
                Some(e) => vec![e.as_str().to_string()],
                None => org
                    .data
                    .contacts
                    .iter()
                    .filter_map(|c| c.email.as_ref().map(|e| e.as_str().to_string()))
                    .collect(),
            };
            r.emails = first;
            r.emails.dedup();
        }
        Ok(r)
    }

    /// The messages for a newly raised alert: an e-mail to each recipient
    /// when e-mail is configured, and one to the webhook when set.
    pub(crate) fn alert_notices(
        &self,
        to: &DutyRecipients,
        org_id: i64,
        alert_id: i64,
        a: &AlertSummary<'_>,
    ) -> Vec<NewNotification> {
        let link = format!(
            "{}/alerts/{alert_id}",
            self.config.notify.public_url.trim_end_matches('/')
        );
        let host = a.host.unwrap_or("(không rõ máy)");
        let subject = format!(
            "[canhgac] Cảnh báo mức {}: {} trên {host}",
            a.severity.label_vi().to_lowercase(),
            a.rule_title
        );
        let mut body = format!(
            "Hệ thống giám sát ghi nhận cảnh báo mức {} lúc {}.\nLuật phát hiện: {}\nMáy: {host}\n",
            a.severity.label_vi().to_lowercase(),
            crate::registry::format_vn_time(a.seen_at),
            a.rule_title,
        );
        if let Some(s) = a.system {
            body.push_str(&format!("Hệ thống thông tin: {s}\n"));
        }
        if !to.on_duty.is_empty() {
            let people: Vec<String> = to
                .on_duty
                .iter()
                .map(|(n, p)| format!("{n} ({p})"))
                .collect();
            body.push_str(&format!("Người đang trực: {}.\n", people.join(", ")));
        }
        if let Some(f) = to.fallback {
            body.push_str(f);
            body.push('\n');
        }
        body.push_str(&format!(
            "Đề nghị tiếp nhận cảnh báo trong {} giờ: {link}\n",
            domain::monitoring::acknowledge_within_hours(a.severity)
        ));
        let cfg = &self.config.notify;
        let message = |channel, recipient: &str| NewNotification {
            channel,
            recipient: recipient.to_string(),
            org_id: Some(org_id),
            topic: "alert",
            ref_id: Some(alert_id),
            subject: subject.clone(),
            body: body.clone(),
        };
        let mut out = Vec::new();
        if cfg.smtp.is_some() {
            for e in &to.emails {
                out.push(message(Channel::Email, e));
            }
        }
        if let Some(url) = &cfg.webhook {
            out.push(message(Channel::Webhook, url));
        }
        out
    }

    /// Recipients for each organisation of `orgs`, read before the storer's
    /// transaction begins.
    pub(crate) async fn duty_recipients_of(
        &self,
        orgs: Vec<i64>,
        now: DateTime<Utc>,
    ) -> Result<BTreeMap<i64, DutyRecipients>> {
        let mut out = BTreeMap::new();
        for o in orgs {
            if let std::collections::btree_map::Entry::Vacant(e) = out.entry(o) {
                e.insert(self.duty_recipients(o, now).await?);
            }
        }
        Ok(out)
    }
}

/// What a duty message says of an alert.
pub struct AlertSummary<'a> {
    pub severity: AlertSeverity,
    pub rule_title: &'a str,
    pub host: Option<&'a str>,
    pub system: Option<&'a str>,
    pub seen_at: DateTime<Utc>,
}

/// Minutes over which a sensor's events per minute are averaged.
pub const RATE_MINUTES: i64 = 5;

/// Events counted per whole minute, the last [`RATE_MINUTES`] kept.
#[derive(Debug, Clone, Default)]
pub struct MinuteCounts {
    /// (minute since the epoch, events), oldest first.
    minutes: std::collections::VecDeque<(i64, i64)>,
}

impl MinuteCounts {
    pub fn add(&mut self, at: DateTime<Utc>, events: i64) {
        let m = at.timestamp().div_euclid(60);
        match self.minutes.back_mut() {
            Some((last, n)) if *last == m => *n += events,
            _ => self.minutes.push_back((m, events)),
        }
        while self
            .minutes
            .front()
            .is_some_and(|(first, _)| *first <= m - RATE_MINUTES)
        {
            self.minutes.pop_front();
        }
    }

    /// Mean events per minute over the [`RATE_MINUTES`] minutes up to `now`
    /// (the current minute included).
    pub fn per_minute(&self, now: DateTime<Utc>) -> f64 {
        let m = now.timestamp().div_euclid(60);
        let n: i64 = self
            .minutes
            .iter()
            .filter(|(k, _)| *k > m - RATE_MINUTES && *k <= m)
            .map(|(_, n)| n)
            .sum();
        n as f64 / RATE_MINUTES as f64
    }
}

impl App {
    /// Events per minute of each sensor over the last [`RATE_MINUTES`]
    /// minutes, as this server received them (empty when monitoring is not
    /// running here).
    pub fn sensor_rates(&self, now: DateTime<Utc>) -> BTreeMap<i64, f64> {
        let Ok(p) = self.pipeline() else {
            return BTreeMap::new();
        };
        let Ok(rates) = p.rates.lock() else {
            return BTreeMap::new();
        };
        rates.iter().map(|(k, v)| (*k, v.per_minute(now))).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_per_minute_over_the_last_five_minutes() {
        let t0 = DateTime::parse_from_rfc3339("2026-12-07T10:00:30Z")
            .unwrap()
            .with_timezone(&Utc);
        let mut c = MinuteCounts::default();
        c.add(t0, 10);
        c.add(t0 + Duration::seconds(10), 5);
        c.add(t0 + Duration::minutes(2), 15);
        assert_eq!(c.per_minute(t0 + Duration::minutes(2)), 6.0);
        // The first minute leaves the window five minutes later.
        assert_eq!(c.per_minute(t0 + Duration::minutes(5)), 3.0);
        c.add(t0 + Duration::minutes(9), 5);
        assert_eq!(c.minutes.len(), 1);
        assert_eq!(c.per_minute(t0 + Duration::minutes(9)), 1.0);
    }

    #[test]
    fn a_phone_is_matched_whatever_its_spelling() {
        assert_eq!(phone_key("0905 123 456"), phone_key("+84905123456"));
        assert_ne!(phone_key("0905 123 456"), phone_key("0912.345.678"));
    }
}
