//! The monitoring pipeline: events received (HTTP bulk, syslog) are parsed
//! at the edge into batches, offered to a bounded [`Transport`], evaluated
//! by detection workers (one `detect::Scanner` per thread over one shared
//! `Engine`), and the rules that fired are stored as alerts by one storer
//! task, idempotently (`store::monitoring::store_hit`).
//!
//! ```text
//!  receiver ─► Batch ─► Transport (bounded; full = 429 / slow TCP)
//!                           │
//!             worker threads (Scanner each) ─► Detected ─► storer (one transaction per batch)
//! ```
//!
//! The in-process transport is a bounded channel; with `--nats-url` the
//! [`Transport`] is NATS JetStream ([`nats`]: publish on receipt, every node
//! pulls from one durable consumer, a message is acknowledged after the
//! storer commits its alerts).

use crate::App;
use chrono::{DateTime, Utc};
use detect::{Engine, EventBuf, Level};
use domain::monitoring::{alert_severity, RuleLevel};
use domain::SecurityLevel;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender, TrySendError};
use std::sync::{Arc, Mutex};
use store::monitoring::{Hit, Rejected, SensorCounts};

pub mod nats;
mod received;
mod rules;
pub use nats::NatsConfig;
pub(crate) use received::event_json;
pub use received::{
    digest, event_addresses, event_host, host_and_addresses, syslog_batch, syslog_events, Incoming,
    Received,
};
pub use rules::LiveRules;

/// How the pipeline is set up (`canhgac serve` options).
#[derive(Debug, Clone)]
pub struct MonitoringConfig {
    /// Folders of Sigma rules compiled at start (`--rules`).
    pub rules: Vec<std::path::PathBuf>,
    /// Where the loaded rules are cached between starts (`DATA_DIR/cache`);
    /// none reads the YAML at every start.
    pub rule_cache: Option<std::path::PathBuf>,
    /// Batches waiting for detection before receivers are told to slow down.
    pub queue_batches: usize,
    /// Events received in-process and not yet stored (evaluated, alerts
    /// written) before receivers are told to slow down (`--event-queue-events`):
    /// what bounds the delay from receipt to alert under a flood, whatever
    /// the size of the batches. A batch is always taken when nothing waits.
    pub queue_events: usize,
    /// Detection threads; 0 leaves batches queued (tests of a full queue).
    pub workers: usize,
    /// Repeats of a rule on a host within this window are grouped.
    pub group_window: chrono::Duration,
    /// Largest body after decompression.
    pub max_decompressed: u64,
    /// Where to receive syslog over UDP and TCP (`--syslog-udp`, `--syslog-tcp`).
    pub syslog_udp: Option<String>,
    pub syslog_tcp: Option<String>,
    /// Where to receive syslog over TLS (`--syslog-tls`), with the server's
    /// certificate chain and key (PEM).
    pub syslog_tls: Option<SyslogTls>,
    /// How often the rule switches are read to catch changes made on other
    /// nodes (a change on this node applies at once).
    pub rule_refresh: std::time::Duration,
    /// NATS JetStream instead of the in-process queue (`--nats-url`).
    pub nats: Option<NatsConfig>,
    /// Largest event file accepted by `POST /events/file` (`--max-upload-mib`).
    pub max_upload: u64,
    /// Where events are kept for search and retro-hunting (`DATA_DIR/events`);
    /// none keeps nothing.
    pub events_dir: Option<std::path::PathBuf>,
    /// Days events are kept (`--keep-events-days`); 0 keeps none.
    pub keep_events_days: u32,
}

impl Default for MonitoringConfig {
    fn default() -> Self {
        MonitoringConfig {
            rules: Vec::new(),
            rule_cache: None,
            queue_batches: 256,
            queue_events: 50_000,
            workers: std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(2)
                .clamp(1, 8),
            group_window: chrono::Duration::hours(1),
            max_decompressed: 256 * 1024 * 1024,
            syslog_udp: None,
            syslog_tcp: None,
            syslog_tls: None,
            rule_refresh: std::time::Duration::from_secs(30),
            nats: None,
            max_upload: 256 * 1024 * 1024,
            events_dir: None,
            keep_events_days: 30,
        }
    }
}

/// Syslog over TLS (RFC 5425): where to listen and the server's certificate.
#[derive(Debug, Clone)]
pub struct SyslogTls {
    pub addr: String,
    /// The certificate chain, PEM, the server's own certificate first.
    pub cert: std::path::PathBuf,
    /// The private key, PEM (PKCS#8, PKCS#1 or SEC1).
    pub key: std::path::PathBuf,
    /// A client that has not finished its handshake by then is disconnected.
    pub handshake_timeout: std::time::Duration,
}

impl SyslogTls {
    /// Listen on `addr` with the certificate chain and key of these files;
    /// handshakes bounded to 10 s.
    pub fn new(
        addr: impl Into<String>,
        cert: impl Into<std::path::PathBuf>,
        key: impl Into<std::path::PathBuf>,
    ) -> SyslogTls {
        SyslogTls {
            addr: addr.into(),
            cert: cert.into(),
            key: key.into(),
            handshake_timeout: std::time::Duration::from_secs(10),
        }
    }
}

/// Who sent a batch.
#[derive(Debug, Clone, Copy)]
pub struct Sender {
    pub sensor_id: Option<i64>,
    pub org_id: i64,
}

/// Events of one receipt, parsed, with what was refused.
pub struct Batch {
    pub sender: Sender,
    pub received_at: DateTime<Utc>,
    pub events: Vec<Incoming>,
    pub rejected: i64,
    pub dropped: i64,
    pub sample: Vec<Rejected>,
    /// Told when the batch's alerts are stored.
    pub done: Option<tokio::sync::oneshot::Sender<()>>,
    /// Set when the batch may arrive twice (a JetStream redelivery): its
    /// sensor counts are added once per key. `None` in-process.
    pub delivery_key: Option<String>,
    /// The sender's idempotency key: recorded in the transaction that
    /// stores the batch; a batch whose key is already recorded stores nothing.
    pub key: Option<String>,
    /// Counts the batch's events as waiting until its alerts are stored
    /// (in-process only).
    pub in_flight: Option<InFlight>,
}

/// A batch's share of the events waiting in-process: added when the batch
/// is queued, taken off when it is dropped — after its alerts are stored,
/// or when it is refused.
pub struct InFlight {
    waiting: Arc<AtomicUsize>,
    events: usize,
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.waiting.fetch_sub(self.events, Ordering::AcqRel);
    }
}

impl Batch {
    /// A batch of events received at `received_at`, with nothing dropped,
    /// no one waiting for its storing and no keys.
    pub fn new(
        sender: Sender,
        received_at: DateTime<Utc>,
        events: Vec<Incoming>,
        rejected: i64,
        sample: Vec<Rejected>,
    ) -> Batch {
        Batch {
            sender,
            received_at,
            events,
            rejected,
            dropped: 0,
            sample,
            done: None,
            key: None,
            delivery_key: None,
            in_flight: None,
        }
    }
}

impl Sender {
    /// Who the idempotency keys of this sender belong to.
    pub fn key_owner(&self) -> String {
        match self.sensor_id {
            Some(id) => format!("sensor:{id}"),
            None => format!("org:{}", self.org_id),
        }
    }
}

/// A batch after detection.
struct Detected {
    /// The engine the batch was evaluated with: its rules are what
    /// [`HitRule::Sigma`] indexes.
    engine: Arc<Engine>,
    sender: Sender,
    received_at: DateTime<Utc>,
    events: i64,
    rejected: i64,
    dropped: i64,
    sample: Vec<Rejected>,
    hits: Vec<RawHit>,
    done: Option<tokio::sync::oneshot::Sender<()>>,
    key: Option<String>,
    delivery_key: Option<String>,
    /// The batch's events as kept for search (`events`).
    kept: Vec<eventstore::KeptEvent>,
    /// Dropped with the batch, once its alerts are stored.
    _in_flight: Option<InFlight>,
}

/// What fired: a Sigma rule of the engine, or one of canhgac's indicators.
enum HitRule {
    Sigma(usize),
    Indicator(crate::events::IndicatorHit),
}

struct RawHit {
    digest: String,
    rule: HitRule,
    host: Option<String>,
    addresses: Vec<String>,
    event: serde_json::Value,
}

/// The queue is full: try again later. In-process the batch comes back, to
/// be offered again as it is (not parsed again); through NATS it does not.
pub struct Full(pub Option<Box<Batch>>);

impl std::fmt::Debug for Full {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Full")
    }
}

/// What [`Transport::offer`] returns: done once the batch is accepted
/// (queued in-process, or stored by JetStream) or refused.
pub type Offered<'a> =
    std::pin::Pin<Box<dyn std::future::Future<Output = Result<(), Full>> + Send + 'a>>;

/// Where receivers put batches: in-process, or NATS JetStream ([`nats`]).
pub trait Transport: Send + Sync {
    fn offer(&self, batch: Batch) -> Offered<'_>;
}

struct InProcess {
    tx: SyncSender<Batch>,
    /// Events queued and not yet stored, and how many may be.
    waiting: Arc<AtomicUsize>,
    max_waiting: usize,
    /// Held so that the queue stays open even with no worker (a paused
    /// pipeline still queues up to its capacity).
    _rx: Arc<Mutex<Receiver<Batch>>>,
}

impl Transport for InProcess {
    fn offer(&self, mut batch: Batch) -> Offered<'_> {
        let events = batch.events.len();
        let waiting = self.waiting.load(Ordering::Acquire);
        if waiting > 0 && waiting + events > self.max_waiting {
            return Box::pin(std::future::ready(Err(Full(Some(Box::new(batch))))));
        }
        self.waiting.fetch_add(events, Ordering::AcqRel);
        batch.in_flight = Some(InFlight {
            waiting: self.waiting.clone(),
            events,
        });
        Box::pin(std::future::ready(match self.tx.try_send(batch) {
            Ok(()) => Ok(()),
            Err(TrySendError::Full(mut b)) | Err(TrySendError::Disconnected(mut b)) => {
                // Refused: no longer waiting.
                b.in_flight = None;
                Err(Full(Some(Box::new(b))))
            }
        }))
    }
}

/// The running pipeline.
pub struct Pipeline {
    transport: Box<dyn Transport>,
    pub rules_loaded: usize,
    pub rules_refused: usize,
    pub evaluated: Arc<AtomicU64>,
    /// The addresses the syslog receivers are bound to.
    pub listening: Mutex<Vec<(&'static str, std::net::SocketAddr)>>,
    /// The rules loaded and the engine compiled from them under the switches.
    pub rules: LiveRules,
    /// Events received per sensor in the last minutes (this process's).
    pub rates: Mutex<std::collections::HashMap<i64, crate::monitoring_figures::MinuteCounts>>,
}

impl Pipeline {
    pub async fn offer(&self, batch: Batch) -> Result<(), Full> {
        self.transport.offer(batch).await
    }
}

fn rule_level(l: Level) -> RuleLevel {
    match l {
        Level::Critical => RuleLevel::Critical,
        Level::High => RuleLevel::High,
        Level::Medium | Level::Unknown => RuleLevel::Medium,
        Level::Low => RuleLevel::Low,
        Level::Informational => RuleLevel::Informational,
    }
}

/// What a detection thread reuses from event to event.
#[derive(Default)]
struct Reading {
    json: detect::read::JsonObject,
    buf: EventBuf,
}

fn detect_batch(
    engine: &Arc<Engine>,
    scanner: &mut detect::Scanner<'_>,
    reading: &mut Reading,
    b: Batch,
    live: Option<&crate::events::Live>,
) -> Detected {
    let mut hits = Vec::new();
    let mut kept = Vec::new();
    let n = b.events.len() as i64;
    let iocs = live.map(|l| l.indicators());
    let mut ioc_scanner = iocs.as_deref().map(|s| {
        let mut sc = s.scanner();
        sc.set_now(b.received_at.timestamp_millis());
        sc
    });
    let keeping = live.filter(|l| l.keeping());
    let hashed = keeping.is_some_and(|l| l.hashes_terms(b.received_at));
    for inc in b.events {
        let ev = &mut reading.buf;
        match &inc.event {
            Received::Json(text) => {
                if let Err(e) = reading.json.read(text, ev) {
                    // Checked at receipt (or by the node that received it).
                    tracing::warn!(error = %e, "monitoring: an event that is not a JSON object");
                }
            }
            Received::Parsed(_, parsed) => ev.fill_from(parsed),
        }
        let ev = &reading.buf;
        let mut seen = keeping.map(|l| {
            let (host, addresses) = host_and_addresses(ev.fields());
            kept.push(l.view(
                ev,
                &inc,
                host.as_deref(),
                &addresses,
                hashed,
                b.sender,
                b.received_at,
            ));
            (host, addresses)
        });
        let mut fired: Vec<HitRule> = scanner
            .scan_buf(ev)
            .iter()
            .map(|r| HitRule::Sigma(*r))
            .collect();
        if let (Some(set), Some(sc)) = (iocs.as_deref(), ioc_scanner.as_mut()) {
            fired.extend(
                crate::events::indicator_hits(set, sc, ev)
                    .into_iter()
                    .map(HitRule::Indicator),
            );
        }
        if fired.is_empty() {
            continue;
        }
        let (host, addresses) = seen
            .take()
            .unwrap_or_else(|| host_and_addresses(ev.fields()));
        let json = inc.value();
        let digest = match inc.digest {
            Some(d) => d,
            None => digest(&json),
        };
        for r in fired {
            hits.push(RawHit {
                digest: digest.clone(),
                rule: r,
                host: host.clone(),
                addresses: addresses.clone(),
                event: json.clone(),
            });
        }
    }
    Detected {
        engine: engine.clone(),
        sender: b.sender,
        received_at: b.received_at,
        events: n,
        rejected: b.rejected,
        dropped: b.dropped,
        sample: b.sample,
        hits,
        done: b.done,
        key: b.key,
        delivery_key: b.delivery_key,
        kept,
        _in_flight: b.in_flight,
    }
}

impl App {
    /// Compiles the rules and starts the workers and the storer. Call once,
    /// inside the server's runtime.
    pub fn start_monitoring(&self) -> crate::Result<()> {
        let cfg = self.config.monitoring.clone();
        // NATS first: a node that cannot reach it says so before compiling.
        let nats = match &cfg.nats {
            Some(n) => Some(
                tokio::runtime::Handle::current()
                    .block_on(nats::connect(n, cfg.queue_batches))
                    .map_err(crate::AppError::Internal)?,
            ),
            None => None,
        };
        let parsed = crate::hunt::read_rules(&crate::hunt::RuleOptions {
            rule_dirs: cfg.rules.clone(),
            cache_dir: cfg.rule_cache.clone(),
            ..Default::default()
        })
        .map_err(|e| crate::AppError::Internal(e.to_string()))?;
        // Rules switched off in the console are left out of the engine.
        let switches = tokio::runtime::Handle::current()
            .block_on(async { store::rule_switches::list(&mut self.store.conn()).await })?;
        let (rules, report) = LiveRules::new(parsed, cfg.rules.clone(), &switches);
        let engine = rules.handle();
        tracing::info!(
            rules_loaded = rules.index.len(),
            rules_running = engine.load().rules().len(),
            rules_refused = report.refused.len(),
            folders = ?cfg.rules,
            "monitoring: detection rules compiled"
        );
        let live = self.start_events()?;
        let local = match nats {
            Some(_) => nats::local_queue(cfg.workers),
            None => cfg.queue_batches.max(1),
        };
        let (tx, rx) = sync_channel::<Batch>(local);
        let rx = Arc::new(Mutex::new(rx));
        let (dtx, drx) = tokio::sync::mpsc::channel::<Detected>(local);
        let evaluated = Arc::new(AtomicU64::new(0));
        for i in 0..cfg.workers {
            let engine = engine.clone();
            let rx: Arc<Mutex<Receiver<Batch>>> = rx.clone();
            let dtx = dtx.clone();
            let evaluated = evaluated.clone();
            let live = live.clone();
            std::thread::Builder::new()
                .name(format!("detect-{i}"))
                .spawn(move || {
                    // A batch taken just as the engine changed: scanned by the new one.
                    let mut pending: Option<Batch> = None;
                    let mut reading = Reading::default();
                    loop {
                        let current = engine.load_full();
                        let mut scanner = current.scanner();
                        loop {
                            let batch = match pending.take() {
                                Some(b) => b,
                                None => {
                                    let batch = match rx.lock() {
                                        Ok(r) => r.recv(),
                                        Err(_) => return,
                                    };
                                    let Ok(batch) = batch else { return };
                                    batch
                                }
                            };
                            if !Arc::ptr_eq(&current, &engine.load()) {
                                pending = Some(batch);
                                break;
                            }
                            evaluated.fetch_add(batch.events.len() as u64, Ordering::Relaxed);
                            let d = detect_batch(
                                &current,
                                &mut scanner,
                                &mut reading,
                                batch,
                                Some(&live),
                            );
                            if dtx.blocking_send(d).is_err() {
                                return;
                            }
                        }
                    }
                })
                .map_err(|e| crate::AppError::Internal(e.to_string()))?;
        }
        drop(dtx);
        let app = self.clone();
        tokio::spawn(async move { app.store_loop(drx).await });
        let transport: Box<dyn Transport> = match nats {
            Some(n) => n.start(self, tx, cfg.workers),
            None => Box::new(InProcess {
                tx,
                waiting: Arc::new(AtomicUsize::new(0)),
                max_waiting: cfg.queue_events.max(1),
                _rx: rx,
            }),
        };
        let p = Pipeline {
            transport,
            rules_loaded: rules.index.len(),
            rules_refused: report.refused.len(),
            evaluated,
            listening: Mutex::new(Vec::new()),
            rates: Mutex::new(Default::default()),
            rules,
        };
        if self.monitor.set(p).is_ok() {
            self.spawn_rule_refresh(cfg.rule_refresh);
        }
        Ok(())
    }

    pub(crate) fn pipeline(&self) -> crate::Result<&Pipeline> {
        self.monitor.get().ok_or_else(|| {
            crate::AppError::Conflict("monitoring is not running on this server".into())
        })
    }

    async fn store_loop(self, mut rx: tokio::sync::mpsc::Receiver<Detected>) {
        while let Some(mut d) = rx.recv().await {
            // A batch that cannot be stored is retried, never dropped.
            let mut attempt = 0u32;
            loop {
                match self.store_detected(&d).await {
                    Ok(()) => break,
                    Err(e) => {
                        attempt += 1;
                        tracing::warn!(error = %e, attempt, "monitoring: storing alerts failed; retrying");
                        tokio::time::sleep(std::time::Duration::from_millis(
                            (100 * 2u64.pow(attempt.min(6))).min(5_000),
                        ))
                        .await;
                    }
                }
            }
            if let Some(live) = self.live() {
                live.keep(std::mem::take(&mut d.kept));
            }
            if let Some(done) = d.done.take() {
                let _ = done.send(());
            }
        }
    }

    async fn store_detected(&self, d: &Detected) -> crate::Result<()> {
        let scope = self.system_scope().await?;
        let now = Utc::now();
        let suppressions = if d.hits.is_empty() {
            Vec::new()
        } else {
            store::monitoring::suppressions(&mut self.store.conn(), &scope, Some(now)).await?
        };
        let mut hits = Vec::with_capacity(d.hits.len());
        let mut suppressed: Vec<(i64, i64)> = Vec::new();
        for h in &d.hits {
            let (rule_id, rule_title, level) = match &h.rule {
                HitRule::Sigma(r) => {
                    // Switched-off rules are not in the engine: nothing to drop here.
                    let info = &d.engine.rules()[*r];
                    (info.id.clone(), info.title.clone(), rule_level(info.level))
                }
                HitRule::Indicator(i) => (
                    i.rule_id.clone(),
                    i.title.clone(),
                    crate::events::INDICATOR_LEVEL,
                ),
            };
            let located =
                store::monitoring::locate(&mut self.store.conn(), h.host.as_deref(), &h.addresses)
                    .await?;
            if let Some(s) = suppressions.iter().find(|s| {
                crate::monitoring::suppresses(
                    s,
                    &rule_id,
                    h.host.as_deref(),
                    &h.event,
                    located.org_id,
                )
            }) {
                match suppressed.iter_mut().find(|(id, _)| *id == s.id) {
                    Some((_, n)) => *n += 1,
                    None => suppressed.push((s.id, 1)),
                }
                continue;
            }
            let sys_level = located
                .level
                .and_then(|l| u8::try_from(l).ok())
                .and_then(|l| SecurityLevel::new(l).ok());
            hits.push(Hit {
                digest: h.digest.clone(),
                rule_id,
                rule_title,
                level,
                severity: alert_severity(level, sys_level),
                host: h.host.clone(),
                addresses: h.addresses.clone(),
                located,
                sensor_id: d.sender.sensor_id,
                sensor_org_id: d.sender.org_id,
                seen_at: d.received_at,
                event: h.event.clone(),
            });
        }
        // Who is on duty for the organisations of high and critical hits,
        // read before the transaction; a new alert's messages are queued in it.
        let duty_orgs: Vec<i64> = hits
            .iter()
            .filter(|h| crate::monitoring_figures::notifies_duty(h.severity))
            .map(|h| h.located.org_id.unwrap_or(h.sensor_org_id))
            .collect();
        let duty = self.duty_recipients_of(duty_orgs, now).await?;
        let mut tx = self.store.begin().await?;
        if let Some(key) = &d.key {
            let answer = store::monitoring::IngestKey {
                accepted: d.events,
                rejected: d.rejected,
            };
            let owner = d.sender.key_owner();
            if !store::monitoring::record_ingest_key(&mut tx, &owner, key, answer, now).await? {
                // A repeat of a batch already stored: nothing of it again.
                return Ok(());
            }
        }
        if !hits.is_empty() && self.config.monitoring.nats.is_some() {
            // Other nodes store into the same database.
            store::monitoring::lock_alerts(&mut tx).await?;
        }
        for h in &hits {
            let stored = store::monitoring::store_hit(
                &mut tx,
                &scope,
                h,
                self.config.monitoring.group_window,
            )
            .await?;
            let org = h.located.org_id.unwrap_or(h.sensor_org_id);
            if let (store::monitoring::Stored::Raised(id), Some(to)) = (stored, duty.get(&org)) {
                let notices = self.alert_notices(
                    to,
                    org,
                    id,
                    &crate::monitoring_figures::AlertSummary {
                        severity: h.severity,
                        rule_title: &h.rule_title,
                        host: h.host.as_deref(),
                        system: None,
                        seen_at: h.seen_at,
                    },
                );
                store::notifications::enqueue(&mut tx, &notices).await?;
            }
        }
        for (id, n) in suppressed {
            store::monitoring::count_suppressed(&mut tx, id, n).await?;
        }
        let first = match (&d.delivery_key, d.sender.sensor_id) {
            (Some(key), Some(_)) => store::monitoring::claim_batch(&mut tx, key, now).await?,
            _ => true,
        };
        if let Some(sensor) = d.sender.sensor_id.filter(|_| first) {
            store::monitoring::add_sensor_counts(
                &mut tx,
                sensor,
                &SensorCounts {
                    events: d.events,
                    rejected: d.rejected,
                    dropped: d.dropped,
                    sample: d.sample.clone(),
                    last_event_at: (d.events > 0).then_some(d.received_at),
                },
            )
            .await?;
        }
        tx.commit().await?;
        if let (Some(sensor), Ok(p)) = (d.sender.sensor_id, self.pipeline()) {
            if let Ok(mut rates) = p.rates.lock() {
                rates
                    .entry(sensor)
                    .or_default()
                    .add(d.received_at, d.events);
            }
        }
        Ok(())
    }
}

impl App {
    /// The sensors that send syslog, by source address.
    pub async fn syslog_senders(&self) -> crate::Result<Vec<(std::net::IpAddr, Sender)>> {
        let mut out = Vec::new();
        for s in store::monitoring::sensor_sources(&mut self.store.conn()).await? {
            for a in &s.source_addrs {
                if let Ok(ip) = a.parse() {
                    out.push((
                        ip,
                        Sender {
                            sensor_id: Some(s.id),
                            org_id: s.org_id,
                        },
                    ));
                }
            }
        }
        Ok(out)
    }

    /// Offers syslog messages of one sender to the pipeline; `Err(Full)`
    /// when it has no room (UDP counts a drop).
    pub async fn offer_messages(
        &self,
        sender: Sender,
        messages: &[String],
    ) -> crate::Result<Result<(), Full>> {
        self.offer_batch(syslog_batch(sender, messages)).await
    }

    /// Offers a batch to the pipeline; `Err(Full)` when it has no room, with
    /// the batch given back in-process (TCP waits and offers it again).
    pub async fn offer_batch(&self, batch: Batch) -> crate::Result<Result<(), Full>> {
        Ok(self.pipeline()?.offer(batch).await)
    }

    /// Counts datagrams a full pipeline made a sensor lose.
    pub async fn record_dropped(&self, sensor_id: i64, n: i64) -> crate::Result<()> {
        let mut tx = self.store.begin().await?;
        store::monitoring::add_sensor_counts(
            &mut tx,
            sensor_id,
            &SensorCounts {
                dropped: n,
                ..Default::default()
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Counts a connection from a sensor's address that was refused before
    /// any message (a failed TLS handshake) as one rejected, with the reason
    /// in the sensor's sample, so the sensors page says why it sends nothing.
    pub async fn record_refused_connection(
        &self,
        sensor_id: i64,
        reason: String,
    ) -> crate::Result<()> {
        let mut tx = self.store.begin().await?;
        store::monitoring::add_sensor_counts(
            &mut tx,
            sensor_id,
            &SensorCounts {
                rejected: 1,
                sample: vec![Rejected {
                    at: Utc::now(),
                    line: 0,
                    reason,
                    text: String::new(),
                }],
                ..Default::default()
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Records where a syslog receiver listens.
    pub fn monitoring_listening_on(&self, kind: &'static str, addr: std::net::SocketAddr) {
        if let Ok(p) = self.pipeline() {
            if let Ok(mut l) = p.listening.lock() {
                l.push((kind, addr));
            }
        }
    }

    /// Where the syslog receivers listen (`udp`, `tcp`, `tls`).
    pub fn monitoring_listening(&self) -> Vec<(&'static str, std::net::SocketAddr)> {
        self.pipeline()
            .ok()
            .and_then(|p| p.listening.lock().ok().map(|l| l.clone()))
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn batch(events: usize) -> Batch {
        let sender = Sender {
            sensor_id: None,
            org_id: 1,
        };
        let events = (0..events).map(|_| Incoming::json(b"{}")).collect();
        Batch::new(sender, Utc::now(), events, 0, Vec::new())
    }

    fn offered(queue: &InProcess, b: Batch) -> bool {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(queue.offer(b))
            .is_ok()
    }

    #[test]
    fn events_waiting_bound_the_queue_until_they_are_stored() {
        let (tx, rx) = sync_channel::<Batch>(16);
        let queue = InProcess {
            tx,
            waiting: Arc::new(AtomicUsize::new(0)),
            max_waiting: 100,
            _rx: Arc::new(Mutex::new(rx)),
        };
        assert!(offered(&queue, batch(60)));
        assert!(!offered(&queue, batch(60)), "60 + 60 waiting > 100");
        assert!(offered(&queue, batch(40)), "60 + 40 fits");
        assert_eq!(queue.waiting.load(Ordering::Acquire), 100);
        // Stored (dropped after storing): no longer waiting.
        let first = queue._rx.lock().unwrap().recv().unwrap();
        drop(first);
        assert_eq!(queue.waiting.load(Ordering::Acquire), 40);
        assert!(offered(&queue, batch(60)));
        for _ in 0..2 {
            drop(queue._rx.lock().unwrap().recv().unwrap());
        }
        assert_eq!(queue.waiting.load(Ordering::Acquire), 0);
        // A batch larger than the bound is taken when nothing waits.
        assert!(offered(&queue, batch(500)));
        assert!(!offered(&queue, batch(1)));
    }
}
