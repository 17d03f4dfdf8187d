//! The NATS JetStream transport of the monitoring pipeline (`serve
//! --nats-url`): several nodes share the work, and an event accepted by one
//! survives the death of any.
//!
//! ```text
//!  receiver ─► Batch ─► publish on SUBJECT, wait for JetStream's ack ─► answer the sender
//!                          │   stream STREAM: work queue, file storage, at most
//!                          │   `--event-queue` batches waiting (full: 429 / slow TCP)
//!                          ▼
//!  every node: pull from the one durable consumer `detect` ─► local queue ─► workers ─► storer
//!                                                 ack ◄── the storer committed ◄──┘
//! ```
//!
//! A batch is one JSON message per chunk of at most the server's payload
//! limit: the sender, the time of receipt, the rejected lines (first chunk
//! only) and each event as its digest, its JSON, and — for an event a reader
//! already parsed (syslog) — its fields and declared log source, so a node
//! evaluates exactly what the receiving node would have. Each chunk carries
//! an id (`Nats-Msg-Id`, so JetStream drops a duplicate publish) that is also
//! its key for the sensor counts: `store::monitoring::claim_batch` adds a
//! redelivered chunk's counts once. Alerts are idempotent by (event digest,
//! rule) already.
//!
//! A node acknowledges a message only after the storer committed its alerts;
//! meanwhile it tells JetStream it is still working (`+WPI`) every third of
//! the ack wait, so a slow node keeps its messages and a dead one loses them
//! to the others after one ack wait. With `wait=true` the receiving node
//! listens on an inbox named in the message; the node that stored the batch
//! publishes there.

use super::{Batch, Full, Incoming, Offered, Received, Sender, Transport};
use crate::App;
use async_nats::jetstream::{self, consumer, stream, AckKind};
use async_nats::{Client, HeaderMap};
use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use std::sync::mpsc::{SyncSender, TrySendError};
use std::time::Duration;
use store::monitoring::Rejected;

/// Where JetStream is and how the pipeline uses it.
#[derive(Debug, Clone)]
pub struct NatsConfig {
    /// `nats://127.0.0.1:4222` (`--nats-url`).
    pub url: String,
    /// The stream's name (`--nats-stream`); its subject is `NAME.batches`.
    pub stream: String,
    /// How long a node may hold a message without a sign of life before
    /// JetStream gives it to another (`--nats-ack-wait`).
    pub ack_wait: Duration,
}

impl NatsConfig {
    pub const DEFAULT_STREAM: &'static str = "canhgac-events";

    pub fn new(url: impl Into<String>) -> Self {
        NatsConfig {
            url: url.into(),
            stream: Self::DEFAULT_STREAM.into(),
            ack_wait: Duration::from_secs(30),
        }
    }

    fn subject(&self) -> String {
        format!("{}.batches", self.stream)
    }
}

/// The durable consumer every node pulls from (one per stream).
const CONSUMER: &str = "detect";
/// The header naming the inbox to tell when a batch's alerts are stored.
const REPLY: &str = "Canhgac-Stored";
/// Room left in a message for the headers and the JSON around the events.
const OVERHEAD: usize = 4 * 1024;
/// Keys of counted batches are forgotten after this long.
const KEEP_KEYS: chrono::Duration = chrono::Duration::days(30);

/// A connection to JetStream with the stream and the consumer in place.
pub(super) struct Connected {
    client: Client,
    js: jetstream::Context,
    consumer: consumer::PullConsumer,
    subject: String,
    config: NatsConfig,
}

/// Connects, creates the stream and the durable consumer if they are not
/// there, and says clearly what is wrong when it cannot.
pub(super) async fn connect(cfg: &NatsConfig, queue_batches: usize) -> Result<Connected, String> {
    let client = async_nats::ConnectOptions::new()
        .name("canhgac")
        .connection_timeout(Duration::from_secs(5))
        .connect(cfg.url.as_str())
        .await
        .map_err(|e| {
            format!(
                "Không kết nối được NATS tại {url} (cannot reach NATS at {url}): {e}",
                url = cfg.url
            )
        })?;
    let js = jetstream::new(client.clone());
    let subject = cfg.subject();
    let stream = js
        .get_or_create_stream(stream::Config {
            name: cfg.stream.clone(),
            subjects: vec![subject.clone()],
            retention: stream::RetentionPolicy::WorkQueue,
            storage: stream::StorageType::File,
            max_messages: i64::try_from(queue_batches.max(1)).unwrap_or(i64::MAX),
            discard: stream::DiscardPolicy::New,
            ..Default::default()
        })
        .await
        .map_err(|e| {
            format!(
                "Không tạo được luồng JetStream {name} tại {url} (JetStream stream {name} at {url}; is JetStream enabled, nats-server -js?): {e}",
                name = cfg.stream,
                url = cfg.url
            )
        })?;
    let consumer = stream
        .get_or_create_consumer(
            CONSUMER,
            consumer::pull::Config {
                durable_name: Some(CONSUMER.into()),
                ack_policy: consumer::AckPolicy::Explicit,
                ack_wait: cfg.ack_wait,
                max_deliver: -1,
                ..Default::default()
            },
        )
        .await
        .map_err(|e| {
            format!(
                "Không tạo được consumer JetStream {CONSUMER} của luồng {name} (JetStream consumer): {e}",
                name = cfg.stream
            )
        })?;
    Ok(Connected {
        client,
        js,
        consumer,
        subject,
        config: cfg.clone(),
    })
}

/// Batches a node takes from JetStream ahead of its workers.
pub(super) fn local_queue(workers: usize) -> usize {
    (workers * 2).max(2)
}

impl Connected {
    /// Starts pulling into the workers' queue `tx` and returns the transport
    /// receivers publish through.
    pub(super) fn start(
        self,
        app: &App,
        tx: SyncSender<Batch>,
        workers: usize,
    ) -> Box<dyn Transport> {
        let pull = self.consumer.clone();
        let client = self.client.clone();
        let ack_wait = self.config.ack_wait;
        tokio::spawn(consume(pull, client, tx, ack_wait, workers));
        tokio::spawn(forget_old_keys(app.clone()));
        tracing::info!(
            url = %self.config.url,
            stream = %self.config.stream,
            "monitoring: events go through NATS JetStream"
        );
        Box::new(JetStream {
            max_payload: self.client.server_info().max_payload,
            client: self.client,
            js: self.js,
            subject: self.subject,
        })
    }
}

struct JetStream {
    client: Client,
    js: jetstream::Context,
    subject: String,
    max_payload: usize,
}

impl Transport for JetStream {
    fn offer(&self, batch: Batch) -> Offered<'_> {
        Box::pin(self.publish(batch))
    }
}

impl JetStream {
    /// Publishes a batch (in chunks under the payload limit) and returns
    /// once JetStream has stored every chunk; any failure is `Full`, so the
    /// sender sends again (alerts of chunks already stored are not doubled).
    async fn publish(&self, mut batch: Batch) -> Result<(), Full> {
        let chunks = encode(
            &mut batch,
            self.max_payload.saturating_sub(OVERHEAD).max(1024),
        );
        let mut reply = None;
        if let Some(done) = batch.done.take() {
            let inbox = self.client.new_inbox();
            let sub = self.client.subscribe(inbox.clone()).await.map_err(|e| {
                tracing::warn!(error = %e, "monitoring: NATS subscribe failed");
                Full(None)
            })?;
            reply = Some((inbox, sub, done));
        }
        let mut acks = Vec::with_capacity(chunks.len());
        let ids: Vec<String> = chunks.iter().map(|(id, _)| id.clone()).collect();
        for (id, payload) in chunks {
            let mut headers = HeaderMap::new();
            headers.insert("Nats-Msg-Id", id.as_str());
            if let Some((inbox, ..)) = &reply {
                headers.insert(REPLY, inbox.as_str());
            }
            let ack = self
                .js
                .publish_with_headers(self.subject.clone(), headers, payload.into())
                .await
                .map_err(|e| {
                    tracing::warn!(error = %e, "monitoring: JetStream publish failed");
                    Full(None)
                })?;
            acks.push(ack);
        }
        for ack in acks {
            ack.await.map_err(|e| {
                // Mostly a full stream: the sender is told to come back.
                tracing::debug!(error = %e, "monitoring: JetStream did not store a batch");
                Full(None)
            })?;
        }
        if let Some((_, mut sub, done)) = reply {
            // Each chunk's id once: a chunk stored twice (redelivered) is
            // not another chunk.
            let mut waiting: std::collections::HashSet<String> = ids.into_iter().collect();
            tokio::spawn(async move {
                while !waiting.is_empty() {
                    match sub.next().await {
                        Some(m) => {
                            waiting.remove(String::from_utf8_lossy(&m.payload).as_ref());
                        }
                        None => return,
                    }
                }
                let _ = done.send(());
            });
        }
        Ok(())
    }
}

// ---------------------------------------------------------------- wire

#[derive(Serialize)]
struct HeadOut<'a> {
    id: &'a str,
    sensor_id: Option<i64>,
    org_id: i64,
    received_at: DateTime<Utc>,
    rejected: i64,
    dropped: i64,
    sample: &'a [Rejected],
}

#[derive(Serialize)]
struct ParsedOut<'a> {
    f: &'a [(Box<str>, detect::Value)],
    h: &'a detect::SourceHint,
}

#[derive(Deserialize)]
struct WireIn {
    id: String,
    sensor_id: Option<i64>,
    org_id: i64,
    received_at: DateTime<Utc>,
    rejected: i64,
    dropped: i64,
    sample: Vec<Rejected>,
    e: Vec<EventIn>,
}

#[derive(Deserialize)]
struct EventIn {
    d: String,
    /// The event's JSON as the receiving node got it.
    j: Box<serde_json::value::RawValue>,
    #[serde(default)]
    p: Option<ParsedIn>,
}

#[derive(Deserialize)]
struct ParsedIn {
    f: Vec<(String, serde_json::Value)>,
    h: HintIn,
}

#[derive(Deserialize)]
struct HintIn {
    product: Option<String>,
    category: Option<String>,
    service: Option<String>,
}

/// The batch as messages of at most `budget` bytes of events each, with
/// their ids. Rejected lines and drops travel in the first. An event too
/// large for any message is counted as rejected, with its reason.
fn encode(batch: &mut Batch, budget: usize) -> Vec<(String, Vec<u8>)> {
    let base = format!("{:032x}", rand::random::<u128>());
    let mut pieces: Vec<Vec<Vec<u8>>> = vec![Vec::new()];
    let mut size = 0usize;
    let mut too_large = Vec::new();
    for (i, inc) in batch.events.iter().enumerate() {
        // `{"d": digest, "j": the event's JSON, "p": its fields as parsed}`.
        // Every node names alerts by the same digest: it travels.
        let mut one = Vec::with_capacity(256);
        one.extend_from_slice(b"{\"d\":");
        let _ = serde_json::to_writer(&mut one, &inc.digest());
        one.extend_from_slice(b",\"j\":");
        inc.write_json(&mut one);
        if let Received::Parsed(_, ev) = &inc.event {
            one.extend_from_slice(b",\"p\":");
            let _ = serde_json::to_writer(
                &mut one,
                &ParsedOut {
                    f: ev.fields(),
                    h: ev.source_hint(),
                },
            );
        }
        one.push(b'}');
        if one.len() > budget {
            too_large.push((i, one.len()));
            continue;
        }
        if size + one.len() + 1 > budget && size > 0 {
            pieces.push(Vec::new());
            size = 0;
        }
        size += one.len() + 1;
        if let Some(last) = pieces.last_mut() {
            last.push(one);
        }
    }
    for (i, len) in too_large.iter().rev() {
        batch.events.remove(*i);
        batch.rejected += 1;
        if batch.sample.len() < store::monitoring::REJECTED_SAMPLE {
            batch.sample.push(Rejected {
                at: batch.received_at,
                line: *i as u64 + 1,
                reason: format!(
                    "Sự kiện quá lớn cho NATS ({len} byte > {budget}) (event too large for the transport)"
                ),
                text: String::new(),
            });
        }
    }
    pieces
        .into_iter()
        .enumerate()
        .map(|(k, events)| {
            let id = format!("{base}-{k}");
            let first = k == 0;
            let mut out = serde_json::to_vec(&HeadOut {
                id: &id,
                sensor_id: batch.sender.sensor_id,
                org_id: batch.sender.org_id,
                received_at: batch.received_at,
                rejected: if first { batch.rejected } else { 0 },
                dropped: if first { batch.dropped } else { 0 },
                sample: if first { &batch.sample } else { &[] },
            })
            .unwrap_or_default();
            // `{...}` → `{...,"e":[...]}`
            out.pop();
            out.extend_from_slice(b",\"e\":[");
            for (j, e) in events.iter().enumerate() {
                if j > 0 {
                    out.push(b',');
                }
                out.extend_from_slice(e);
            }
            out.extend_from_slice(b"]}");
            (id, out)
        })
        .collect()
}

fn value_of(v: serde_json::Value) -> detect::Value {
    use serde_json::Value as J;
    match v {
        J::Null => detect::Value::Null,
        J::Bool(b) => detect::Value::Bool(b),
        J::Number(n) => match n.as_i64() {
            Some(i) => detect::Value::Int(i),
            None => detect::Value::Float(n.as_f64().unwrap_or_default()),
        },
        J::String(s) => detect::Value::Str(s.into()),
        other => detect::Value::Str(other.to_string().into()),
    }
}

/// A message back into a batch (without its `done`).
fn decode(payload: &[u8]) -> Result<(String, Batch), serde_json::Error> {
    let w: WireIn = serde_json::from_slice(payload)?;
    let mut events = Vec::with_capacity(w.e.len());
    for e in w.e {
        let event = match e.p {
            Some(p) => {
                let mut ev = detect::Event::new();
                for (name, v) in p.f {
                    ev.push(name, value_of(v));
                }
                let ev = ev.with_source(
                    p.h.product.as_deref(),
                    p.h.category.as_deref(),
                    p.h.service.as_deref(),
                );
                Received::Parsed(serde_json::from_str(e.j.get())?, ev)
            }
            None => Received::Json(e.j.get().as_bytes().into()),
        };
        events.push(Incoming {
            digest: Some(e.d),
            event,
        });
    }
    Ok((
        w.id.clone(),
        Batch {
            sender: Sender {
                sensor_id: w.sensor_id,
                org_id: w.org_id,
            },
            received_at: w.received_at,
            events,
            rejected: w.rejected,
            dropped: w.dropped,
            sample: w.sample,
            done: None,
            // The sender's idempotency key is checked where the batch was
            // received; here the chunk's own id counts it once.
            key: None,
            delivery_key: Some(w.id),
            in_flight: None,
        },
    ))
}

// ------------------------------------------------------------- consume

/// Pulls messages for as long as the server runs, hands each to the
/// workers, and acknowledges it once its alerts are stored.
async fn consume(
    pull: consumer::PullConsumer,
    client: Client,
    tx: SyncSender<Batch>,
    ack_wait: Duration,
    workers: usize,
) {
    loop {
        let mut messages = match pull
            .stream()
            .max_messages_per_batch(workers.max(1))
            .heartbeat(Duration::from_secs(5))
            .expires(Duration::from_secs(30))
            .messages()
            .await
        {
            Ok(m) => m,
            Err(e) => {
                tracing::warn!(error = %e, "monitoring: pulling from JetStream failed; retrying");
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        while let Some(m) = messages.next().await {
            let m = match m {
                Ok(m) => m,
                Err(e) => {
                    tracing::warn!(error = %e, "monitoring: JetStream pull");
                    continue;
                }
            };
            let reply = m
                .headers
                .as_ref()
                .and_then(|h| h.get(REPLY))
                .map(|v| v.as_str().to_string());
            if let Ok(info) = m.info() {
                if info.delivered > 1 {
                    tracing::info!(
                        sequence = info.stream_sequence,
                        delivery = info.delivered,
                        "monitoring: batch delivered again (a node died or was slow)"
                    );
                }
            }
            let (msg, acker) = m.split();
            let (id, mut batch) = match decode(&msg.payload) {
                Ok(b) => b,
                Err(e) => {
                    // No node can read it: never redelivered.
                    tracing::error!(error = %e, subject = %msg.subject, "monitoring: unreadable batch from JetStream, dropped");
                    let _ = acker.ack_with(AckKind::Term).await;
                    continue;
                }
            };
            let (done, stored) = tokio::sync::oneshot::channel();
            batch.done = Some(done);
            let client = client.clone();
            tokio::spawn(async move {
                let mut stored = stored;
                let tick = (ack_wait / 3).max(Duration::from_millis(200));
                loop {
                    tokio::select! {
                        r = &mut stored => {
                            if r.is_err() {
                                // The pipeline stopped: another node will take it.
                                return;
                            }
                            if let Err(e) = acker.double_ack().await {
                                tracing::warn!(error = %e, batch = %id, "monitoring: acknowledging a stored batch failed (it will be delivered again; alerts are not doubled)");
                            }
                            if let Some(inbox) = reply {
                                let _ = client.publish(inbox, id.into_bytes().into()).await;
                            }
                            return;
                        }
                        _ = tokio::time::sleep(tick) => {
                            let _ = acker.ack_with(AckKind::Progress).await;
                        }
                    }
                }
            });
            let batch = match tx.try_send(batch) {
                Ok(()) => continue,
                Err(TrySendError::Full(b)) => b,
                Err(TrySendError::Disconnected(_)) => return,
            };
            let tx = tx.clone();
            match tokio::task::spawn_blocking(move || tx.send(batch).is_ok()).await {
                Ok(true) => {}
                _ => return,
            }
        }
    }
}

/// Forgets the keys of batches counted long ago, once an hour.
async fn forget_old_keys(app: App) {
    loop {
        tokio::time::sleep(Duration::from_secs(3600)).await;
        let before = Utc::now() - KEEP_KEYS;
        let forgot = async {
            let mut tx = app.store.begin().await?;
            let n = store::monitoring::forget_batches(&mut tx, before).await?;
            tx.commit().await?;
            Ok::<u64, store::StoreError>(n)
        }
        .await;
        if let Err(e) = forgot {
            tracing::warn!(error = %e, "monitoring: forgetting old batch keys");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn batch(events: usize) -> Batch {
        let syslog = super::super::syslog_events(
            "<34>Oct 11 22:14:15 mymachine sshd[7]: Failed password for root from 10.0.0.1",
        )
        .unwrap()
        .remove(0);
        let mut list: Vec<_> = (0..events)
            .map(|i| {
                let v = serde_json::json!({"EventID": 4688, "n": i, "pad": "x".repeat(100)});
                let mut inc = Incoming::json(&serde_json::to_vec(&v).unwrap());
                if i % 2 == 0 {
                    inc.digest = Some(super::super::digest(&v));
                }
                inc
            })
            .collect();
        list.push(syslog);
        Batch {
            sender: Sender {
                sensor_id: Some(7),
                org_id: 3,
            },
            received_at: Utc::now(),
            events: list,
            rejected: 2,
            dropped: 1,
            sample: vec![Rejected {
                at: Utc::now(),
                line: 4,
                reason: "bad".into(),
                text: "{".into(),
            }],
            done: None,
            key: None,
            delivery_key: None,
            in_flight: None,
        }
    }

    #[test]
    fn a_batch_survives_the_wire_in_chunks() {
        let mut b = batch(100);
        let original = b.events.clone();
        let chunks = encode(&mut b, 2_000);
        assert!(chunks.len() > 5, "{}", chunks.len());
        let mut back = Vec::new();
        let mut rejected = 0;
        let mut ids = std::collections::HashSet::new();
        for (id, bytes) in &chunks {
            assert!(bytes.len() <= 2_000 + OVERHEAD);
            let (wid, d) = decode(bytes).unwrap();
            assert_eq!(&wid, id);
            assert!(ids.insert(wid));
            assert_eq!(d.delivery_key.as_deref(), Some(id.as_str()));
            assert_eq!(d.sender.sensor_id, Some(7));
            assert_eq!(d.received_at, b.received_at);
            rejected += d.rejected;
            back.extend(d.events);
        }
        assert_eq!(rejected, 2, "rejected counts travel once");
        assert_eq!(back.len(), original.len());
        for (a, b) in back.iter().zip(&original) {
            assert_eq!(a.digest.as_ref(), Some(&b.digest()), "the digest travels");
            assert_eq!(
                a.event, b.event,
                "the JSON travels as received; a parsed event keeps its fields and log source"
            );
        }
        let Received::Parsed(_, last) = &back.last().unwrap().event else {
            panic!("the syslog event travels parsed")
        };
        assert!(last.source_hint().service.is_some());
    }

    #[test]
    fn an_event_too_large_is_rejected_with_its_reason() {
        let mut b = batch(1);
        b.events[0] = Incoming::json(format!("{{\"big\": \"{}\"}}", "y".repeat(10_000)).as_bytes());
        let chunks = encode(&mut b, 2_000);
        assert_eq!(b.events.len(), 1);
        assert_eq!(b.rejected, 3);
        assert!(b.sample.last().unwrap().reason.contains("too large"));
        let (_, d) = decode(&chunks[0].1).unwrap();
        assert_eq!(d.events.len(), 1);
        assert_eq!(d.rejected, 3);
    }
}
