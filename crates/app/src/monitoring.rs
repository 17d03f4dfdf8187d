//! 24/7 monitoring use cases: sensors and their ingest tokens, receiving
//! events over HTTP into the pipeline ([`crate::pipeline`]), alerts and
//! their triage (`domain::monitoring::ALERT_TRANSITIONS`), a true positive
//! turned into an incident in one step, and suppressions.

use crate::pipeline::{Batch, Incoming, Sender};
use crate::{invalid, App, AppError, Result};
use chrono::{DateTime, Duration, Utc};
use domain::monitoring::{alert_move, AlertAction, AlertNeeds, AlertState, SuppressionKind};
use domain::{Actor, Capability, Role, Scope};
use serde::{Deserialize, Serialize};
use std::io::Read;
use store::monitoring::{Alert, AlertFilter, AlertTransition, Rejected, Sensor, Suppression};

/// Reasons returned with an ingest answer.
const FIRST_REASONS: usize = 10;
/// How long a full pipeline holds an HTTP body for room before answering 429.
const INGEST_HOLD: std::time::Duration = std::time::Duration::from_secs(2);
/// Longest line kept in a sensor's sample of rejected lines.
const SAMPLE_TEXT: usize = 200;

#[derive(Debug, Clone, Deserialize)]
pub struct NewSensorInput {
    pub org_id: i64,
    pub name: String,
    #[serde(default)]
    pub system_ids: Vec<i64>,
    /// Addresses syslog from which belongs to this sensor.
    #[serde(default)]
    pub source_addrs: Vec<String>,
    #[serde(default = "default_days")]
    pub valid_days: i64,
}

fn default_days() -> i64 {
    365
}

#[derive(Debug, Clone, Serialize)]
pub struct LineReason {
    pub line: u64,
    pub reason: String,
}

/// The answer to a bulk of events.
#[derive(Debug, Clone, Serialize)]
pub struct IngestReport {
    pub accepted: u64,
    pub rejected: u64,
    pub first_reasons: Vec<LineReason>,
    /// The batch's idempotency key was seen before: these are the counts
    /// answered then, and nothing was evaluated or counted again.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub duplicate: bool,
}

/// Longest idempotency key accepted.
pub const MAX_KEY: usize = 200;

/// Checks an `Idempotency-Key`: 1–200 visible ASCII characters.
pub fn check_key(key: &str) -> Result<()> {
    if key.is_empty() || key.len() > MAX_KEY || !key.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(invalid(
            "Idempotency-Key",
            "Khóa chống gửi lặp gồm 1–200 ký tự ASCII nhìn thấy được \
             (1 to 200 visible ASCII characters)",
        ));
    }
    Ok(())
}

#[derive(Debug, Clone, Serialize)]
pub struct AlertDetail {
    #[serde(flatten)]
    pub alert: Alert,
    pub overdue: bool,
    pub transitions: Vec<AlertTransition>,
    /// Other alerts on the same host, newest first.
    pub related: Vec<Alert>,
    /// The moves the table allows from the current state.
    pub actions: Vec<AlertAction>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct AlertMove {
    pub action: String,
    #[serde(default)]
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct NewSuppressionInput {
    pub kind: String,
    #[serde(default)]
    pub rule_id: Option<String>,
    #[serde(default)]
    pub host: Option<String>,
    #[serde(default)]
    pub field: Option<String>,
    #[serde(default)]
    pub value: Option<String>,
    #[serde(default)]
    pub reason: String,
    pub expires_at: Option<DateTime<Utc>>,
    /// For the coordinator: the organisation it applies to (none: the province).
    #[serde(default)]
    pub org_id: Option<i64>,
}

fn text(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// Whether suppression `s` keeps an alert of `rule_id` on `host` (whose
/// organisation the registry says is `org`) from being raised.
pub fn suppresses(
    s: &Suppression,
    rule_id: &str,
    host: Option<&str>,
    event: &serde_json::Value,
    org: Option<i64>,
) -> bool {
    if s.org_id.is_some() && s.org_id != org {
        return false;
    }
    if s.rule_id.as_deref().is_some_and(|r| r != rule_id) {
        return false;
    }
    match s.kind {
        SuppressionKind::Rule => true,
        SuppressionKind::Host => match (&s.host, host) {
            (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
            _ => false,
        },
        SuppressionKind::Field => match (&s.field, &s.value) {
            (Some(f), Some(v)) => detect::Event::from_json(event)
                .fields()
                .iter()
                .any(|(n, x)| n.eq_ignore_ascii_case(f) && x.as_text() == v.as_str()),
            _ => false,
        },
    }
}

/// Decompresses `body` when gzip, refusing more than `max` bytes out.
fn decompressed(body: &[u8], gzip: bool, max: u64) -> Result<std::borrow::Cow<'_, [u8]>> {
    if !gzip {
        return Ok(std::borrow::Cow::Borrowed(body));
    }
    let mut out = Vec::new();
    let mut d = flate2::read::GzDecoder::new(body).take(max + 1);
    d.read_to_end(&mut out)
        .map_err(|e| invalid("body", format!("the gzip body cannot be read: {e}")))?;
    if out.len() as u64 > max {
        return Err(AppError::TooLarge(format!(
            "Nội dung giải nén vượt quá {max} byte; gửi thành nhiều phần nhỏ hơn \
             (the decompressed body is over {max} bytes; send smaller batches)"
        )));
    }
    Ok(std::borrow::Cow::Owned(out))
}

fn require_triage(scope: &Scope) -> Result<()> {
    if scope.may(Capability::RespondIncident) {
        Ok(())
    } else {
        Err(AppError::Forbidden(
            "Chỉ người xử lý cảnh báo mới thay đổi được (only those who respond to incidents triage alerts)".into(),
        ))
    }
}

fn actor_name(scope: &Scope) -> String {
    match &scope.actor {
        Actor::User { username, .. } => username.clone(),
        Actor::Token { name, .. } => name.clone(),
        Actor::System => "canhgac".into(),
    }
}

impl App {
    // ------------------------------------------------------------ sensors

    /// Registers a sensor for an organisation, with its ingest-only token
    /// (the secret is returned once).
    pub async fn register_sensor(
        &self,
        scope: &Scope,
        input: &NewSensorInput,
    ) -> Result<(Sensor, String)> {
        if !scope.may_manage_users_of(input.org_id) {
            return Err(AppError::Forbidden(
                "Chỉ quản trị của đơn vị (hoặc Sở) đăng ký cảm biến (sensors are registered by the organisation's administrators)".into(),
            ));
        }
        if store::orgs::get(&mut self.store.conn(), scope, input.org_id)
            .await?
            .is_none()
        {
            return Err(invalid("org_id", "no such organisation"));
        }
        let name = input.name.trim();
        if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
            return Err(invalid(
                "name",
                "Tên cảm biến 1–100 ký tự (a name of 1–100 characters)",
            ));
        }
        if !(1..=730).contains(&input.valid_days) {
            return Err(invalid("valid_days", "a token lives 1 to 730 days"));
        }
        let mut errs = domain::FieldErrors::default();
        for (i, id) in input.system_ids.iter().enumerate() {
            if store::systems::get(&mut self.store.conn(), scope, *id)
                .await?
                .is_none()
            {
                errs.push(format!("system_ids[{i}]"), "no such system in your reach");
            }
        }
        let mut addrs = Vec::new();
        for (i, a) in input.source_addrs.iter().enumerate() {
            match a.trim().parse::<std::net::IpAddr>() {
                Ok(ip) => addrs.push(ip.to_string()),
                Err(_) => errs.push(format!("source_addrs[{i}]"), "not an IP address"),
            }
        }
        errs.into_result()?;
        let secret = crate::accounts::new_secret("cgt_");
        let mut tx = self.store.begin().await?;
        let token = store::auth::create_token(
            &mut tx,
            scope,
            &store::auth::NewToken {
                name: &format!("sensor: {name}"),
                token_hash: &crate::accounts::secret_hash(&secret),
                org_id: input.org_id,
                role: Role::Sensor,
                expires_at: Utc::now() + Duration::days(input.valid_days),
            },
        )
        .await?;
        let sensor = store::monitoring::create_sensor(
            &mut tx,
            scope,
            &store::monitoring::NewSensor {
                org_id: input.org_id,
                name,
                system_ids: &input.system_ids,
                source_addrs: &addrs,
                token_id: token.id,
            },
        )
        .await?;
        tx.commit().await?;
        Ok((sensor, secret))
    }

    pub async fn sensors(&self, scope: &Scope) -> Result<Vec<Sensor>> {
        Ok(store::monitoring::sensors(&mut self.store.conn(), scope).await?)
    }

    /// The names the sensors page shows for the organisations and systems
    /// of these sensors (by id).
    pub async fn sensor_labels(
        &self,
        sensors: &[Sensor],
    ) -> Result<(
        std::collections::HashMap<i64, String>,
        std::collections::HashMap<i64, String>,
    )> {
        Ok(store::monitoring::sensor_labels(&mut self.store.conn(), sensors).await?)
    }

    pub async fn sensor(&self, scope: &Scope, id: i64) -> Result<Sensor> {
        store::monitoring::sensor(&mut self.store.conn(), scope, id)
            .await?
            .ok_or(AppError::NotFound)
    }

    /// Removes a sensor and revokes its token; its alerts stay.
    pub async fn delete_sensor(&self, scope: &Scope, id: i64) -> Result<()> {
        let s = self.sensor(scope, id).await?;
        if !scope.may_manage_users_of(s.org_id) {
            return Err(AppError::Forbidden(
                "Chỉ quản trị của đơn vị (hoặc Sở) gỡ cảm biến (sensors are removed by the organisation's administrators)".into(),
            ));
        }
        let mut tx = self.store.begin().await?;
        if let Some(t) = s.token_id {
            if let Some(token) =
                store::auth::get_token(&mut tx.conn(), &Scope::system(s.org_id), t).await?
            {
                store::auth::revoke_token(&mut tx, scope, &token).await?;
            }
        }
        store::monitoring::delete_sensor(&mut tx, scope, &s).await?;
        tx.commit().await?;
        Ok(())
    }

    // ------------------------------------------------------------ ingest

    /// Receives NDJSON events (optionally gzip) from a sensor (or anyone with
    /// the capability, for their own organisation): every line is parsed, the
    /// good ones go to detection, the bad ones are counted with their reasons.
    /// A full pipeline refuses the whole body ([`AppError::Busy`]) so the
    /// sender retries it; nothing of an accepted body is lost. With `wait`,
    /// answers once the alerts are stored. With an idempotency `key` already
    /// recorded for the sender (a batch sent again because its answer was
    /// lost), answers what was answered then and evaluates nothing.
    pub async fn ingest_events(
        &self,
        scope: &Scope,
        body: &[u8],
        gzip: bool,
        wait: bool,
        key: Option<&str>,
    ) -> Result<IngestReport> {
        if !scope.may(Capability::IngestEvents) {
            return Err(AppError::Forbidden("only sensors send events".into()));
        }
        let sender = self.sender_of(scope).await?;
        let pipeline = self.pipeline()?;
        if let Some(k) = key {
            check_key(k)?;
            if let Some(seen) =
                store::monitoring::ingest_key(&mut self.store.conn(), &sender.key_owner(), k)
                    .await?
            {
                return Ok(IngestReport {
                    accepted: seen.accepted as u64,
                    rejected: seen.rejected as u64,
                    first_reasons: Vec::new(),
                    duplicate: true,
                });
            }
        }
        let bytes = decompressed(body, gzip, self.config.monitoring.max_decompressed)?;
        let now = Utc::now();
        let mut events = Vec::new();
        let mut reasons = Vec::new();
        let mut sample = Vec::new();
        let mut rejected = 0u64;
        // Lines are checked here and kept as text: the detection workers
        // read them with detect's own reader.
        let mut json = detect::read::JsonObject::new();
        for (i, raw) in bytes.split(|b| *b == b'\n').enumerate() {
            let line = i as u64 + 1;
            let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
            if raw.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            let reason = match json.check(raw) {
                Ok(()) => {
                    events.push(Incoming::json(raw));
                    continue;
                }
                Err(detect::read::NotObject::NotObject) => {
                    "Mỗi dòng là một đối tượng JSON (each line must be a JSON object)".to_string()
                }
                // serde_json's words for what is wrong, as before.
                Err(detect::read::NotObject::NotJson(ours)) => {
                    match serde_json::from_slice::<serde::de::IgnoredAny>(raw) {
                        Err(e) => format!("JSON không hợp lệ (invalid JSON): {e}"),
                        Ok(_) => format!("JSON không hợp lệ (invalid JSON): {ours}"),
                    }
                }
            };
            rejected += 1;
            if reasons.len() < FIRST_REASONS {
                reasons.push(LineReason {
                    line,
                    reason: reason.clone(),
                });
            }
            if sample.len() < store::monitoring::REJECTED_SAMPLE {
                let text: String = String::from_utf8_lossy(raw)
                    .chars()
                    .take(SAMPLE_TEXT)
                    .collect();
                sample.push(Rejected {
                    at: now,
                    line,
                    reason,
                    text,
                });
            }
        }
        let accepted = events.len() as u64;
        let (done, wait_for) = if wait {
            let (tx, rx) = tokio::sync::oneshot::channel();
            (Some(tx), Some(rx))
        } else {
            (None, None)
        };
        let mut batch = Batch {
            sender,
            received_at: now,
            events,
            rejected: rejected as i64,
            dropped: 0,
            sample,
            done,
            key: key.map(str::to_string),
            delivery_key: None,
            in_flight: None,
        };
        // A full pipeline holds the request a while, as TCP senders are held
        // (the sender slows down instead of sleeping a whole Retry-After
        // while the queue empties), then answers 429.
        let give_up = tokio::time::Instant::now() + INGEST_HOLD;
        let mut pause = std::time::Duration::from_millis(5);
        loop {
            match pipeline.offer(batch).await {
                Ok(()) => break,
                Err(crate::pipeline::Full(Some(back)))
                    if tokio::time::Instant::now() + pause < give_up =>
                {
                    tokio::time::sleep(pause).await;
                    pause = (pause * 2).min(std::time::Duration::from_millis(100));
                    batch = *back;
                }
                Err(_) => return Err(AppError::Busy),
            }
        }
        if let Some(rx) = wait_for {
            let _ = rx.await;
        }
        Ok(IngestReport {
            accepted,
            rejected,
            first_reasons: reasons,
            duplicate: false,
        })
    }

    pub(crate) async fn sender_of(&self, scope: &Scope) -> Result<Sender> {
        match (&scope.actor, scope.role) {
            (Actor::Token { id, .. }, Role::Sensor) => {
                let s = store::monitoring::sensor_of_token(&mut self.store.conn(), *id)
                    .await?
                    .ok_or(AppError::Unauthenticated)?;
                Ok(Sender {
                    sensor_id: Some(s.id),
                    org_id: s.org_id,
                })
            }
            _ => Ok(Sender {
                sensor_id: None,
                org_id: scope.org_id,
            }),
        }
    }

    // ------------------------------------------------------------ alerts

    pub async fn alerts(&self, scope: &Scope, f: &AlertFilter) -> Result<store::Page<Alert>> {
        Ok(store::monitoring::alerts(&mut self.store.conn(), scope, f).await?)
    }

    pub async fn alert(&self, scope: &Scope, id: i64) -> Result<AlertDetail> {
        let alert = store::monitoring::alert(&mut self.store.conn(), scope, id)
            .await?
            .ok_or(AppError::NotFound)?;
        let transitions = store::monitoring::transitions(&mut self.store.conn(), id).await?;
        let related = match &alert.host {
            Some(h) => store::monitoring::alerts(
                &mut self.store.conn(),
                scope,
                &AlertFilter {
                    host: Some(h.clone()),
                    limit: 11,
                    ..Default::default()
                },
            )
            .await?
            .items
            .into_iter()
            .filter(|a| a.id != id)
            .take(10)
            .collect(),
            None => Vec::new(),
        };
        let actions = domain::monitoring::ALERT_TRANSITIONS
            .iter()
            .filter(|(from, ..)| *from == alert.state)
            .map(|(_, a, ..)| *a)
            .collect();
        Ok(AlertDetail {
            overdue: store::monitoring::is_overdue(&alert, Utc::now()),
            alert,
            transitions,
            related,
            actions,
        })
    }

    /// Moves an alert along the table; a true positive becomes an incident
    /// carrying its events as the timeline and its addresses, domains and
    /// hashes as observables.
    pub async fn move_alert(&self, scope: &Scope, id: i64, m: &AlertMove) -> Result<AlertDetail> {
        let detail = self.alert(scope, id).await?;
        require_triage(scope)?;
        let action: AlertAction = m.action.parse().map_err(|e| invalid("action", e))?;
        let alert = detail.alert;
        let Some((to, needs)) = alert_move(alert.state, action) else {
            return Err(AppError::Conflict(format!(
                "Không thể '{}' khi cảnh báo đang ở trạng thái '{}' (cannot {} an alert that is {})",
                action.label_vi(),
                alert.state.label_vi(),
                action,
                alert.state
            )));
        };
        let reason = text(&m.reason);
        if needs == AlertNeeds::Reason && reason.is_none() {
            return Err(invalid("reason", "Cần ghi lý do (a reason is required)"));
        }
        if reason.is_some_and(|r| r.chars().count() > 2000) {
            return Err(invalid("reason", "at most 2000 characters"));
        }
        let incident_id = if to == AlertState::TruePositive {
            Some(self.incident_from_alert(scope, &alert).await?)
        } else {
            None
        };
        let mut tx = self.store.begin().await?;
        let moved = store::monitoring::move_alert(
            &mut tx,
            scope,
            &alert,
            action.as_str(),
            to,
            reason,
            incident_id,
        )
        .await?;
        if !moved {
            return Err(AppError::Conflict(
                "Cảnh báo vừa được người khác xử lý (someone moved the alert first)".into(),
            ));
        }
        tx.commit().await?;
        self.alert(scope, id).await
    }

    async fn incident_from_alert(&self, scope: &Scope, a: &Alert) -> Result<i64> {
        let system = match a.system_id {
            Some(id) => self.system(scope, id).await.ok(),
            None => None,
        };
        let name = |s: &str| -> Result<domain::org::Name> {
            let t: String = s.chars().take(300).collect();
            t.parse().map_err(|e: String| AppError::Internal(e))
        };
        let mut report_json = serde_json::json!({
            "reporter_org": {"id": scope.org_id, "name": "Đơn vị xử lý cảnh báo"},
            "reporter": {"name": actor_name(scope)},
            "owner_org": null,
            "operator_org": null,
            "system": null,
            "title": name(&format!("Cảnh báo giám sát: {}", a.rule_title))?.as_str(),
            "description": format!(
                "Cảnh báo #{} do luật {} ({}) phát hiện trên máy {}, {} lần từ {} đến {} (UTC). Đã xác minh là tấn công thật.",
                a.id, a.rule_title, a.rule_id, a.host.as_deref().unwrap_or("(không rõ)"), a.count,
                a.first_seen.format("%d/%m/%Y %H:%M"), a.last_seen.format("%d/%m/%Y %H:%M")
            ),
            "detected_at": a.first_seen.min(Utc::now()),
            "detection_method": format!("Giám sát 24/7 (canhgac), luật Sigma {}", a.rule_id),
            "reported_status": "not_handled",
            "class": "other",
            "severity": a.severity.as_str(),
            "tlp": "amber",
        });
        if let Some(s) = &system {
            report_json["system"] =
                serde_json::json!({"id": s.id, "code": s.data.code, "name": s.data.name});
            report_json["owner_org"] = serde_json::json!({"id": s.data.owner_org_id, "name": a.org_name.clone().unwrap_or_else(|| "Chủ quản".into())});
        }
        let report: incident::InitialReport = serde_json::from_value(report_json)
            .map_err(|e| AppError::Internal(format!("building the incident report: {e}")))?;
        let inc = self.report_incident(scope, report).await?;
        let id = inc.row.id;
        for ev in &a.events {
            let mut t = serde_json::to_string(ev).unwrap_or_default();
            if t.len() > 19_000 {
                let mut cut = 19_000;
                while !t.is_char_boundary(cut) {
                    cut -= 1;
                }
                t.truncate(cut);
            }
            self.add_incident_entry(scope, id, "note", &format!("Sự kiện (event): {t}"))
                .await?;
        }
        for value in observables_of(a).into_iter().take(50) {
            let _ = self
                .add_incident_observable(
                    scope,
                    id,
                    &crate::incidents::NewObservable {
                        value,
                        kind: None,
                        tlp: None,
                        role: None,
                        comment: Some(format!("Từ cảnh báo #{}", a.id)),
                    },
                )
                .await;
        }
        Ok(id)
    }

    // ------------------------------------------------------------ suppressions

    pub async fn create_suppression(
        &self,
        scope: &Scope,
        input: &NewSuppressionInput,
    ) -> Result<Suppression> {
        require_triage(scope)?;
        let kind: SuppressionKind = input.kind.parse().map_err(|e| invalid("kind", e))?;
        let mut errs = domain::FieldErrors::default();
        let reason = input.reason.trim();
        if reason.is_empty() || reason.chars().count() > 2000 {
            errs.push(
                "reason",
                "Cần ghi lý do (1–2000 ký tự) (a reason is required)",
            );
        }
        let now = Utc::now();
        match input.expires_at {
            None => errs.push("expires_at", "Cần ngày hết hạn (an expiry is required)"),
            Some(t) if t <= now || t > now + Duration::days(366) => errs.push(
                "expires_at",
                "Hết hạn trong vòng một năm tới (between now and a year from now)",
            ),
            _ => {}
        }
        let rule_id = text(&input.rule_id);
        let host = text(&input.host);
        let field = text(&input.field);
        let value = text(&input.value);
        match kind {
            SuppressionKind::Rule if rule_id.is_none() => errs.push("rule_id", "name the rule"),
            SuppressionKind::Host if host.is_none() => errs.push("host", "name the host"),
            SuppressionKind::Field if field.is_none() || value.is_none() => {
                errs.push("field", "name the field and its value")
            }
            _ => {}
        }
        for (f, v) in [
            ("rule_id", rule_id),
            ("host", host),
            ("field", field),
            ("value", value),
        ] {
            if v.is_some_and(|v| v.chars().count() > 300) {
                errs.push(f, "at most 300 characters");
            }
        }
        errs.into_result()?;
        let org_id = if scope.sees_province() {
            input.org_id
        } else {
            Some(scope.org_id)
        };
        let mut tx = self.store.begin().await?;
        let s = store::monitoring::create_suppression(
            &mut tx,
            scope,
            &store::monitoring::NewSuppression {
                org_id,
                kind,
                rule_id,
                host,
                field,
                value,
                reason,
                expires_at: input.expires_at.unwrap_or(now),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(s)
    }

    pub async fn suppressions(&self, scope: &Scope) -> Result<Vec<Suppression>> {
        Ok(store::monitoring::suppressions(&mut self.store.conn(), scope, None).await?)
    }

    pub async fn delete_suppression(&self, scope: &Scope, id: i64) -> Result<()> {
        let s = store::monitoring::suppression(&mut self.store.conn(), scope, id)
            .await?
            .ok_or(AppError::NotFound)?;
        require_triage(scope)?;
        let mut tx = self.store.begin().await?;
        store::monitoring::delete_suppression(&mut tx, scope, &s).await?;
        tx.commit().await?;
        Ok(())
    }

    /// New, acknowledged and overdue alerts the scope sees (dashboard tile).
    pub async fn alert_counts(&self, scope: &Scope) -> Result<store::monitoring::AlertCounts> {
        Ok(store::monitoring::alert_counts(&mut self.store.conn(), scope, Utc::now()).await?)
    }
}

const DOMAIN_FIELDS: &[&str] = &[
    "QueryName",
    "DestinationHostname",
    "dns.question.name",
    "url.domain",
    "destination.domain",
];
const HASH_FIELDS: &[&str] = &[
    "md5",
    "sha1",
    "sha256",
    "hash.md5",
    "hash.sha1",
    "hash.sha256",
    "file.hash.md5",
    "file.hash.sha1",
    "file.hash.sha256",
];

/// Addresses, domains and hashes the alert's events name, distinct.
fn observables_of(a: &Alert) -> Vec<String> {
    let mut out: Vec<String> = a.addresses.clone();
    let mut add = |v: &str| {
        let v = v.trim();
        if !v.is_empty() && !out.iter().any(|o| o == v) {
            out.push(v.to_string());
        }
    };
    for json in &a.events {
        let ev = detect::Event::from_json(json);
        for ip in crate::pipeline::event_addresses(&ev) {
            add(&ip);
        }
        for f in DOMAIN_FIELDS {
            if let Some(v) = ev.get_text(f) {
                add(&v);
            }
        }
        for f in HASH_FIELDS {
            if let Some(v) = ev.get_text(f) {
                add(&v);
            }
        }
        // Sysmon: "SHA1=…,MD5=…,SHA256=…,IMPHASH=…"
        if let Some(h) = ev.get_text("Hashes") {
            for part in h.split(',') {
                if let Some((k, v)) = part.split_once('=') {
                    if matches!(
                        k.trim().to_ascii_uppercase().as_str(),
                        "MD5" | "SHA1" | "SHA256"
                    ) {
                        add(v);
                    }
                }
            }
        }
    }
    out
}
