//! Events kept for investigation (`eventstore`, tantivy per day under
//! `DATA_DIR/events`), the indicators canhgac holds in the live pipeline, and
//! retro-hunting kept events when new indicators arrive.
//!
//! ```text
//!  detect worker ─► view(event) = KeptEvent (terms: host, addresses, domains, hashes, files, users, field=value)
//!                └► indicator hits (IocScanner over canhgac's own indicators) ─► alerts like rule hits
//!  storer, after the alerts' commit ─► keep() ─► keeper thread (batched commits, daily purge)
//!  botnet list / incident observable ─► indicators_changed ─► refresh + retro_hunt (background, audited)
//!  imported feed (indicator_feeds) ─► refresh (before the answer) + retro_hunt (background, audited)
//! ```
//!
//! Keeping never blocks nor loses alerts: the keeper's queue is bounded (by
//! events waiting, [`KEEP_QUEUE_EVENTS`]) and a batch it has no room for, or
//! that fails, is logged and counted.

use crate::pipeline::{event_addresses, event_host, Incoming, Received, Sender};
use crate::{invalid, App, AppError, Result};
use chrono::{DateTime, TimeZone, Utc};
use detect::indicators::{FieldMap, Indicator, IndicatorSet, Observable, ObservableKind, Tlp};
use detect::{Event, EventBuf};
use domain::monitoring::{alert_severity, RuleLevel};
use domain::{Scope, SecurityLevel};
use eventstore::{EventStore, Found, KeptEvent, Kind, Search};
use serde::Serialize;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc::{sync_channel, RecvTimeoutError, SyncSender};
use std::sync::{Arc, RwLock};

/// Most kept events a retro-hunt looks at.
const MAX_HUNTED: usize = 200_000;
/// Batches waiting for the keeper.
const KEEP_QUEUE: usize = 1024;
/// Events waiting for the keeper (about 10 s of 50 000 events/s; a kept
/// event waiting takes about 2 KiB).
pub const KEEP_QUEUE_EVENTS: usize = 500_000;

/// What the pipeline shares with the kept events and the indicators.
pub struct Live {
    store: Option<Arc<EventStore>>,
    keep_tx: Option<SyncSender<Vec<KeptEvent>>>,
    /// Events handed to the keeper and not yet added.
    waiting: Arc<AtomicUsize>,
    iocs: RwLock<Arc<IndicatorSet>>,
    terms: eventstore::view::TermView,
    pub kept: Arc<AtomicU64>,
    pub keep_failed: Arc<AtomicU64>,
    pub keep_dropped: AtomicU64,
}

impl Live {
    pub(crate) fn indicators(&self) -> Arc<IndicatorSet> {
        self.iocs
            .read()
            .map(|s| s.clone())
            .unwrap_or_else(|p| p.into_inner().clone())
    }

    pub(crate) fn keeping(&self) -> bool {
        self.store.is_some()
    }

    /// Whether events received at `at` are kept with their terms as
    /// hashes (made without their texts); else as texts (a day begun by a
    /// version that indexed texts).
    pub(crate) fn hashes_terms(&self, at: DateTime<Utc>) -> bool {
        self.store
            .as_ref()
            .is_some_and(|s| s.hashes_terms(at.timestamp_millis()))
    }

    /// What is kept of an event read into `ev`: its terms (as hashes when
    /// `hashed`, see [`Live::hashes_terms`]) and `{"s": sensor, "e": event}`,
    /// the event as received. `host` and `addresses` as
    /// [`crate::pipeline::host_and_addresses`] reads them.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn view(
        &self,
        ev: &EventBuf,
        received: &Incoming,
        host: Option<&str>,
        addresses: &[String],
        hashed: bool,
        sender: Sender,
        received_at: DateTime<Utc>,
    ) -> KeptEvent {
        let (terms, hashes) = if hashed {
            (Vec::new(), self.terms.hashes_buf(ev, host, addresses))
        } else {
            (self.terms.terms_buf(ev, host, addresses), Vec::new())
        };
        KeptEvent {
            time_ms: received_at.timestamp_millis(),
            org_id: sender.org_id,
            terms,
            hashes,
            body: kept_body(sender.sensor_id, received),
        }
    }

    /// Keeps events without waiting: a full queue drops and counts them.
    pub(crate) fn keep(&self, events: Vec<KeptEvent>) {
        let Some(tx) = &self.keep_tx else { return };
        if events.is_empty() {
            return;
        }
        let n = events.len();
        let waiting = self.waiting.fetch_add(n, Ordering::AcqRel);
        let sent = waiting + n <= KEEP_QUEUE_EVENTS.max(n) && tx.try_send(events).is_ok();
        if !sent {
            self.waiting.fetch_sub(n, Ordering::AcqRel);
            self.keep_dropped.fetch_add(n as u64, Ordering::Relaxed);
            tracing::warn!(events = n, "events: keeping queue full; events not kept");
        }
    }
}

/// `{"s": sensor, "e": event}`, written around the event's JSON (its text
/// as received when it came as text).
fn kept_body(sensor: Option<i64>, received: &Incoming) -> Vec<u8> {
    let mut out = Vec::with_capacity(match &received.event {
        Received::Json(text) => text.len() + 32,
        Received::Parsed(..) => 768,
    });
    out.extend_from_slice(b"{\"s\":");
    match sensor {
        Some(id) => out.extend_from_slice(id.to_string().as_bytes()),
        None => out.extend_from_slice(b"null"),
    }
    out.extend_from_slice(b",\"e\":");
    received.write_json(&mut out);
    out.push(b'}');
    out
}

/// An indicator hit in one event, as the pipeline stores it.
pub(crate) struct IndicatorHit {
    pub rule_id: String,
    pub title: String,
}

/// The indicator hits of one event (one per indicator).
pub(crate) fn indicator_hits(
    set: &IndicatorSet,
    sc: &mut detect::indicators::IocScanner<'_>,
    ev: &EventBuf,
) -> Vec<IndicatorHit> {
    let mut out: Vec<IndicatorHit> = Vec::new();
    if set.is_empty() {
        return out;
    }
    for h in sc.scan_buf(ev) {
        let ind = &set.indicators()[h.indicator];
        let id = rule_id(ind);
        if !out.iter().any(|o| o.rule_id == id) {
            out.push(IndicatorHit {
                rule_id: id,
                title: ind.title(),
            });
        }
    }
    out
}

/// The rule id an indicator's alerts are stored under (the same live and
/// retro-hunted, so a re-run makes no second alert).
pub fn rule_id(ind: &Indicator) -> String {
    format!(
        "ioc:{}:{}",
        ind.observable.kind().as_str(),
        ind.observable.value()
    )
}

/// The level of an indicator's alerts.
pub const INDICATOR_LEVEL: RuleLevel = RuleLevel::High;

/// Which new indicators a retro-hunt looks for.
#[derive(Debug, Clone)]
pub enum NewIndicators {
    BotnetList(i64),
    Incident(i64),
    Feed(String, Vec<Indicator>),
}

/// What a retro-hunt found.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RetroReport {
    pub what: String,
    pub indicators: usize,
    /// Indicators that cannot be looked up by term (wide address blocks,
    /// e-mail addresses).
    pub not_searchable: usize,
    pub candidates: usize,
    pub matched_events: usize,
    pub alerts_raised: usize,
    pub alerts_grouped: usize,
}

/// A kept event, as the console and the API show it.
#[derive(Debug, Clone, Serialize)]
pub struct KeptView {
    pub time: DateTime<Utc>,
    pub org_id: i64,
    pub sensor_id: Option<i64>,
    pub host: Option<String>,
    pub addresses: Vec<String>,
    pub event: serde_json::Value,
}

/// A search of kept events (`GET /api/v1/events`).
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct EventQuery {
    pub from: Option<String>,
    pub to: Option<String>,
    pub host: Option<String>,
    pub address: Option<String>,
    /// `field:value`; `host`, `address`/`ip`, `domain`, `hash`, `file` and
    /// `user` name the indexed kinds, any other name an event field.
    pub q: Option<String>,
    pub limit: Option<usize>,
}

/// An event's fields as (name, text), empty values left out: the console's
/// one-line view.
pub fn compact_fields(v: &serde_json::Value) -> Vec<(String, String)> {
    Event::from_json(v)
        .fields()
        .iter()
        .filter_map(|(k, val)| {
            let t = val.as_text();
            let t = t.trim();
            (!t.is_empty() && t != "-").then(|| (k.to_string(), t.to_string()))
        })
        .collect()
}

fn decode(f: &Found) -> (Option<i64>, serde_json::Value) {
    match serde_json::from_slice::<serde_json::Value>(&f.body) {
        Ok(mut v) => (v["s"].as_i64(), v["e"].take()),
        Err(_) => (None, serde_json::Value::Null),
    }
}

/// A time given as RFC 3339, `YYYY-MM-DDTHH:MM` or `YYYY-MM-DD` (the last two
/// in Vietnam's time, UTC+7), or `dd/mm/yyyy`.
pub fn parse_time(field: &str, s: &str) -> Result<DateTime<Utc>> {
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&Utc));
    }
    let vn = chrono::FixedOffset::east_opt(7 * 3600).expect("UTC+7");
    let local = chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M")
        .or_else(|_| chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S"))
        .or_else(|_| {
            chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .or_else(|_| chrono::NaiveDate::parse_from_str(s, "%d/%m/%Y"))
                .map(|d| d.and_hms_opt(0, 0, 0).unwrap_or_default())
        });
    match local.ok().and_then(|l| vn.from_local_datetime(&l).single()) {
        Some(t) => Ok(t.with_timezone(&Utc)),
        None => Err(invalid(
            field,
            format!("'{s}' is not a time (2026-01-31, 2026-01-31T08:00 or RFC 3339)"),
        )),
    }
}

/// `field:value` as the term it searches.
pub fn parse_q(q: &str) -> Result<(Kind, String)> {
    let Some((f, v)) = q.split_once(':').map(|(f, v)| (f.trim(), v.trim())) else {
        return Err(invalid(
            "q",
            format!("'{q}' is not field:value (e.g. EventID:4625, user:admin)"),
        ));
    };
    if f.is_empty() || v.is_empty() {
        return Err(invalid(
            "q",
            format!("'{q}' is not field:value (e.g. EventID:4625, user:admin)"),
        ));
    }
    Ok(match f.to_ascii_lowercase().as_str() {
        "host" => (Kind::Host, v.to_string()),
        "address" | "ip" | "addr" => (Kind::Addr, v.to_string()),
        "domain" => (Kind::Domain, v.trim_end_matches('.').to_string()),
        "hash" => (Kind::Hash, v.to_string()),
        "file" => (Kind::File, v.to_string()),
        "user" => (Kind::User, v.to_string()),
        _ => (Kind::Field, format!("{}={}", f.to_lowercase(), v)),
    })
}

fn observable_indicator(kind: &str, value: &str, source: &str, tlp: Tlp) -> Option<Indicator> {
    let k = kind.parse::<ObservableKind>().ok();
    let observable = Observable::parse(k, value).ok()?;
    Some(Indicator {
        observable,
        source: Arc::from(source),
        tlp,
        valid_until: None,
        id: None,
    })
}

/// The terms that find events an indicator may be in; `None` when it cannot
/// be looked up by term.
fn hunt_terms(ind: &Indicator, out: &mut Vec<(Kind, String)>) -> bool {
    let v = ind.observable.value();
    match ind.observable.kind() {
        ObservableKind::Ipv4 | ObservableKind::Ipv6 => out.push((Kind::Addr, v.to_string())),
        ObservableKind::Cidr => {
            // Small blocks only (up to 1024 addresses), address by address.
            let Ok(net) = v.parse::<domain::Cidr>() else {
                return false;
            };
            let text = net.to_string();
            let Some((base, len)) = text.split_once('/') else {
                return false;
            };
            let (Ok(base), Ok(len)) = (base.parse::<std::net::Ipv4Addr>(), len.parse::<u32>())
            else {
                return false;
            };
            if len < 22 {
                return false;
            }
            let start = u32::from(base);
            for i in 0..(1u32 << (32 - len)) {
                out.push((
                    Kind::Addr,
                    std::net::Ipv4Addr::from(start.wrapping_add(i)).to_string(),
                ));
            }
        }
        ObservableKind::Domain => out.push((Kind::Domain, v.to_ascii_lowercase())),
        ObservableKind::Url => match eventstore::view::url_host(v) {
            Some(h) => match h.parse::<std::net::IpAddr>() {
                Ok(ip) => out.push((Kind::Addr, ip.to_string())),
                Err(_) => out.push((Kind::Domain, h.to_ascii_lowercase())),
            },
            None => return false,
        },
        ObservableKind::Md5
        | ObservableKind::Sha1
        | ObservableKind::Sha256
        | ObservableKind::Sha512 => out.push((Kind::Hash, v.to_ascii_lowercase())),
        ObservableKind::FileName => out.push((Kind::File, v.to_lowercase())),
        ObservableKind::Email => return false,
    }
    true
}

impl App {
    pub(crate) fn live(&self) -> Option<&Arc<Live>> {
        self.events.get()
    }

    /// Opens the kept events (when configured) and starts the keeper; reads
    /// canhgac's indicators. Called by `start_monitoring`.
    pub(crate) fn start_events(&self) -> Result<Arc<Live>> {
        let cfg = &self.config.monitoring;
        let store = match (&cfg.events_dir, cfg.keep_events_days) {
            (Some(dir), days) if days > 0 => Some(Arc::new(
                EventStore::open(dir).map_err(|e| AppError::Internal(e.to_string()))?,
            )),
            _ => None,
        };
        let kept = Arc::new(AtomicU64::new(0));
        let keep_failed = Arc::new(AtomicU64::new(0));
        let waiting = Arc::new(AtomicUsize::new(0));
        let keep_tx = match &store {
            Some(s) => {
                let (tx, rx) = sync_channel::<Vec<KeptEvent>>(KEEP_QUEUE);
                let s = s.clone();
                let days = i64::from(cfg.keep_events_days);
                let counts = KeeperCounts {
                    kept: kept.clone(),
                    failed: keep_failed.clone(),
                    waiting: waiting.clone(),
                };
                std::thread::Builder::new()
                    .name("events-keeper".into())
                    .spawn(move || keeper(s, rx, days, counts))
                    .map_err(|e| AppError::Internal(e.to_string()))?;
                Some(tx)
            }
            None => None,
        };
        let live = Arc::new(Live {
            store,
            keep_tx,
            waiting,
            iocs: RwLock::new(Arc::new(IndicatorSet::build(
                Vec::new(),
                FieldMap::default(),
                0,
            ))),
            terms: eventstore::view::TermView::new(&FieldMap::default()),
            kept,
            keep_failed,
            keep_dropped: AtomicU64::new(0),
        });
        let _ = self.events.set(live.clone());
        // The indicators: now, and every 5 minutes (other nodes' changes).
        let app = self.clone();
        if let Ok(rt) = tokio::runtime::Handle::try_current() {
            rt.spawn(async move {
                loop {
                    if let Err(e) = app.refresh_indicators().await {
                        tracing::warn!(error = %e, "indicators: refreshing failed");
                    }
                    tokio::time::sleep(std::time::Duration::from_secs(300)).await;
                }
            });
        }
        Ok(live)
    }

    /// canhgac's own indicators: the newest list of each botnet source, the
    /// incidents' observables (not the victims'), the imported feeds'
    /// unexpired indicators (`indicator_feeds`).
    async fn own_indicators(&self) -> Result<Vec<Indicator>> {
        let mut c = self.store.conn();
        let mut out = Vec::new();
        for (ip, source) in store::indicators::botnet_current(&mut c).await? {
            if let Some(i) = observable_indicator("", &ip, &format!("botnet {source}"), Tlp::Amber)
            {
                out.push(i);
            }
        }
        for o in store::indicators::observables(&mut c, None).await? {
            let tlp = o.tlp.parse().unwrap_or(Tlp::Amber);
            if let Some(i) =
                observable_indicator(&o.kind, &o.value, &format!("sự cố #{}", o.incident_id), tlp)
            {
                out.push(i);
            }
        }
        out.extend(self.feed_indicators().await?);
        Ok(out)
    }

    /// Rebuilds the pipeline's indicator set from canhgac's data.
    pub async fn refresh_indicators(&self) -> Result<usize> {
        let Some(live) = self.live().cloned() else {
            return Ok(0);
        };
        let all = self.own_indicators().await?;
        let now = Utc::now().timestamp_millis();
        let set =
            tokio::task::spawn_blocking(move || IndicatorSet::build(all, FieldMap::default(), now))
                .await
                .map_err(|e| AppError::Internal(e.to_string()))?;
        let n = set.len();
        match live.iocs.write() {
            Ok(mut w) => *w = Arc::new(set),
            Err(p) => *p.into_inner() = Arc::new(set),
        }
        tracing::debug!(indicators = n, "indicators: pipeline set rebuilt");
        Ok(n)
    }

    /// New indicators arrived: the pipeline's set is rebuilt before this
    /// returns (so an event received after the change's answer is matched
    /// against them), and the kept events are hunted for them in the
    /// background. Only where the pipeline runs: the server.
    pub(crate) async fn indicators_changed(&self, new: NewIndicators) {
        if self.live().is_none() {
            return;
        }
        if let Err(e) = self.refresh_indicators().await {
            tracing::warn!(error = %e, "indicators: refreshing failed");
        }
        self.retro_hunt_in_background(new);
    }

    /// Hunts the kept events for new indicators in the background (only
    /// where the pipeline runs: the server).
    pub(crate) fn retro_hunt_in_background(&self, new: NewIndicators) {
        if self.live().is_none() {
            return;
        }
        let Ok(rt) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let app = self.clone();
        rt.spawn(async move {
            match app.retro_hunt(new).await {
                Ok(r) => tracing::info!(what = %r.what, matched = r.matched_events, raised = r.alerts_raised, "retro-hunt done"),
                Err(e) => tracing::warn!(error = %e, "retro-hunt failed"),
            }
        });
    }

    /// Searches the kept events for new indicators and stores an alert for
    /// each past match (idempotently: a re-run raises nothing new); audited.
    pub async fn retro_hunt(&self, new: NewIndicators) -> Result<RetroReport> {
        let (what, indicators) = match new {
            NewIndicators::BotnetList(id) => {
                let rows = store::indicators::botnet_list(&mut self.store.conn(), id).await?;
                let list: Vec<Indicator> = rows
                    .iter()
                    .filter_map(|(ip, s)| {
                        observable_indicator("", ip, &format!("botnet {s}"), Tlp::Amber)
                    })
                    .collect();
                (format!("botnet list #{id}"), list)
            }
            NewIndicators::Incident(id) => {
                let rows = store::indicators::observables(&mut self.store.conn(), Some(id)).await?;
                let list = rows
                    .iter()
                    .filter_map(|o| {
                        observable_indicator(
                            &o.kind,
                            &o.value,
                            &format!("sự cố #{id}"),
                            o.tlp.parse().unwrap_or(Tlp::Amber),
                        )
                    })
                    .collect();
                (format!("incident #{id} observables"), list)
            }
            NewIndicators::Feed(name, list) => (format!("feed {name}"), list),
        };
        let mut report = RetroReport {
            what: what.clone(),
            indicators: indicators.len(),
            ..Default::default()
        };
        let Some(store) = self.live().and_then(|l| l.store.clone()) else {
            return Ok(report);
        };
        let mut terms = Vec::new();
        for i in &indicators {
            if !hunt_terms(i, &mut terms) {
                report.not_searchable += 1;
            }
        }
        let now = Utc::now().timestamp_millis();
        let (candidates, hits) = tokio::task::spawn_blocking(move || {
            let set = IndicatorSet::build(indicators, FieldMap::default(), now);
            let mut sc = set.scanner();
            let mut hits: Vec<RetroHit> = Vec::new();
            let candidates = store.hunt(&terms, None, MAX_HUNTED, |f| {
                let (sensor, json) = decode(&f);
                let ev = Event::from_json(&json);
                let mut ids: Vec<(String, String)> = Vec::new();
                for h in sc.scan(&ev) {
                    let ind = &set.indicators()[h.indicator];
                    let id = rule_id(ind);
                    if !ids.iter().any(|(i, _)| *i == id) {
                        ids.push((id, ind.title()));
                    }
                }
                if !ids.is_empty() {
                    hits.push(RetroHit {
                        time_ms: f.time_ms,
                        org_id: f.org_id,
                        sensor,
                        host: event_host(&ev),
                        addresses: event_addresses(&ev),
                        digest: crate::pipeline::digest(&json),
                        json,
                        rules: ids,
                    });
                }
            });
            candidates.map(|c| (c, hits))
        })
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?
        .map_err(|e| AppError::Internal(e.to_string()))?;
        report.candidates = candidates;
        report.matched_events = hits.len();
        let scope = self.system_scope().await?;
        let window = self.config.monitoring.group_window;
        let mut located = Vec::with_capacity(hits.len());
        for h in &hits {
            located.push(
                store::monitoring::locate(&mut self.store.conn(), h.host.as_deref(), &h.addresses)
                    .await?,
            );
        }
        let mut tx = self.store.begin().await?;
        for (h, located) in hits.iter().zip(located) {
            let sys_level = located
                .level
                .and_then(|l| u8::try_from(l).ok())
                .and_then(|l| SecurityLevel::new(l).ok());
            for (rule_id, title) in &h.rules {
                let hit = store::monitoring::Hit {
                    digest: h.digest.clone(),
                    rule_id: rule_id.clone(),
                    rule_title: title.clone(),
                    level: INDICATOR_LEVEL,
                    severity: alert_severity(INDICATOR_LEVEL, sys_level),
                    host: h.host.clone(),
                    addresses: h.addresses.clone(),
                    located: located.clone(),
                    sensor_id: h.sensor,
                    sensor_org_id: h.org_id,
                    seen_at: Utc
                        .timestamp_millis_opt(h.time_ms)
                        .single()
                        .unwrap_or_else(Utc::now),
                    event: h.json.clone(),
                };
                match store::monitoring::store_hit(&mut tx, &scope, &hit, window).await? {
                    store::monitoring::Stored::Raised(_) => report.alerts_raised += 1,
                    store::monitoring::Stored::Grouped(_) => report.alerts_grouped += 1,
                    store::monitoring::Stored::Redelivered => {}
                }
            }
        }
        store::audit::append(
            &mut tx,
            &scope,
            store::audit::Change {
                action: "retro_hunt",
                entity: "kept_events",
                entity_id: None,
                org_id: None,
                before: None,
                after: Some(serde_json::to_string(&report).unwrap_or_default()),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(report)
    }

    /// Kept events the caller may see, newest first.
    pub async fn search_events(&self, scope: &Scope, q: &EventQuery) -> Result<Vec<KeptView>> {
        let mut s = Search {
            limit: q.limit.unwrap_or(100).clamp(1, 1000),
            ..Default::default()
        };
        let nonempty = |o: &Option<String>| {
            o.as_deref()
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_string)
        };
        if let Some(f) = nonempty(&q.from) {
            s.from_ms = Some(parse_time("from", &f)?.timestamp_millis());
        }
        if let Some(t) = nonempty(&q.to) {
            s.to_ms = Some(parse_time("to", &t)?.timestamp_millis());
        }
        if let Some(h) = nonempty(&q.host) {
            s.terms.push((Kind::Host, h));
        }
        if let Some(a) = nonempty(&q.address) {
            let ip: std::net::IpAddr = a
                .parse()
                .map_err(|_| invalid("address", format!("'{a}' is not an IP address")))?;
            s.terms.push((Kind::Addr, ip.to_string()));
        }
        if let Some(qq) = nonempty(&q.q) {
            s.terms.push(parse_q(&qq)?);
        }
        if !scope.sees_province() {
            s.org_id = Some(scope.org_id);
        }
        let Some(store) = self.live().and_then(|l| l.store.clone()) else {
            return Ok(Vec::new());
        };
        let found = tokio::task::spawn_blocking(move || store.search(&s))
            .await
            .map_err(|e| AppError::Internal(e.to_string()))?
            .map_err(|e| AppError::Internal(e.to_string()))?;
        Ok(found
            .iter()
            .map(|f| {
                let (sensor_id, event) = decode(f);
                let ev = Event::from_json(&event);
                KeptView {
                    time: Utc
                        .timestamp_millis_opt(f.time_ms)
                        .single()
                        .unwrap_or_default(),
                    org_id: f.org_id,
                    sensor_id,
                    host: event_host(&ev),
                    addresses: event_addresses(&ev),
                    event,
                }
            })
            .collect())
    }

    /// Makes kept events searchable now (tests, benchmarks): waits for the
    /// keeper's queue to drain and commits.
    pub async fn flush_kept_events(&self) -> Result<()> {
        let Some(store) = self.live().and_then(|l| l.store.clone()) else {
            return Ok(());
        };
        tokio::task::spawn_blocking(move || store.commit())
            .await
            .map_err(|e| AppError::Internal(e.to_string()))?
            .map_err(|e| AppError::Internal(e.to_string()))?;
        Ok(())
    }

    /// Removes kept days older than the retention (the keeper does it hourly).
    pub fn purge_kept_events(&self, now: DateTime<Utc>) -> Result<Vec<String>> {
        let Some(live) = self.live() else {
            return Ok(Vec::new());
        };
        let Some(store) = &live.store else {
            return Ok(Vec::new());
        };
        let days = i64::from(self.config.monitoring.keep_events_days);
        store
            .purge_before(keep_from(now.timestamp_millis(), days))
            .map_err(|e| AppError::Internal(e.to_string()))
    }
}

struct RetroHit {
    time_ms: i64,
    org_id: i64,
    sensor: Option<i64>,
    host: Option<String>,
    addresses: Vec<String>,
    digest: String,
    json: serde_json::Value,
    rules: Vec<(String, String)>,
}

/// Events of the last `days` days (today counted) are kept.
fn keep_from(now_ms: i64, days: i64) -> i64 {
    let day = 86_400_000;
    (now_ms.div_euclid(day) - (days - 1).max(0)) * day
}

/// What the keeper counts.
struct KeeperCounts {
    kept: Arc<AtomicU64>,
    failed: Arc<AtomicU64>,
    waiting: Arc<AtomicUsize>,
}

/// The keeper thread: adds batches, commits at most every second (or every
/// 50 000 events), purges old days hourly.
fn keeper(
    store: Arc<EventStore>,
    rx: std::sync::mpsc::Receiver<Vec<KeptEvent>>,
    days: i64,
    counts: KeeperCounts,
) {
    let KeeperCounts {
        kept,
        failed,
        waiting,
    } = counts;
    let mut pending = 0usize;
    let mut last_commit = std::time::Instant::now();
    let mut last_purge: Option<std::time::Instant> = None;
    loop {
        let msg = rx.recv_timeout(std::time::Duration::from_millis(250));
        let stop = matches!(msg, Err(RecvTimeoutError::Disconnected));
        if let Ok(batch) = msg {
            let n = batch.len();
            let added = store.add_owned(batch);
            waiting.fetch_sub(n, Ordering::AcqRel);
            match added {
                Ok(()) => pending += n,
                Err(e) => {
                    failed.fetch_add(n as u64, Ordering::Relaxed);
                    tracing::error!(error = %e, events = n, "events: keeping failed");
                }
            }
        }
        if pending > 0 && (stop || pending >= 50_000 || last_commit.elapsed().as_millis() >= 1000) {
            match store.commit() {
                Ok(n) => {
                    kept.fetch_add(n as u64, Ordering::Relaxed);
                }
                Err(e) => {
                    failed.fetch_add(pending as u64, Ordering::Relaxed);
                    tracing::error!(error = %e, events = pending, "events: committing failed");
                }
            }
            pending = 0;
            last_commit = std::time::Instant::now();
        }
        if last_purge.is_none_or(|t| t.elapsed().as_secs() >= 3600) {
            last_purge = Some(std::time::Instant::now());
            match store.purge_before(keep_from(Utc::now().timestamp_millis(), days)) {
                Ok(gone) if !gone.is_empty() => {
                    tracing::info!(days = ?gone, "events: days past retention removed")
                }
                Ok(_) => {}
                Err(e) => tracing::error!(error = %e, "events: removing old days failed"),
            }
        }
        if stop {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terms_and_times() {
        assert_eq!(
            eventstore::view::url_host("http://user@evil.example:8080/x"),
            Some("evil.example")
        );
        assert_eq!(
            eventstore::view::url_host("https://[2001:db8::1]/"),
            Some("2001:db8::1")
        );
        let mut t = Vec::new();
        eventstore::view::domain_terms(&mut t, "A.B.Example.com.");
        assert_eq!(t.len(), 3);
        assert_eq!(t[2].1, "example.com");
        assert!(parse_q("EventID").is_err());
        assert_eq!(parse_q("EventID:4625").unwrap().1, "eventid=4625");
        assert_eq!(parse_q("ip: 10.0.0.1").unwrap().0, Kind::Addr);
        assert!(parse_time("from", "2026-02-30").is_err());
        assert_eq!(
            parse_time("from", "2026-01-01").unwrap().to_rfc3339(),
            "2025-12-31T17:00:00+00:00"
        );
        let day = 86_400_000;
        assert_eq!(keep_from(10 * day + 5, 1), 10 * day);
        assert_eq!(keep_from(10 * day + 5, 30), -19 * day);
    }
}
