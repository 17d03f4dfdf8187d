//! Event files uploaded from the console or the API (`POST
//! /events/file`): a Windows EVTX file or a Suricata EVE file (JSON lines),
//! read by the detection engine's readers and fed to the monitoring
//! pipeline in batches, each waited for, so the answer is given once the
//! file's alerts are stored. A damaged EVTX file keeps the records read
//! before the damage and the answer says where reading stopped.

use crate::pipeline::{event_json, Batch, Incoming};
use crate::{invalid, App, AppError, Result};
use chrono::Utc;
use domain::{Capability, Scope};
use serde::Serialize;
use store::monitoring::Rejected;

/// Events handed to the pipeline at a time.
const BATCH: usize = 2_000;
/// The EVTX file header and chunk sizes.
const EVTX_HEADER: usize = 4096;
const EVTX_CHUNK: usize = 65536;
/// Problems named in the answer.
const FIRST_REASONS: usize = 10;

/// What an uploaded file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FileFormat {
    Evtx,
    Eve,
}

impl FileFormat {
    /// `evtx` or `eve`; `None` for anything else.
    pub fn parse(s: &str) -> Option<FileFormat> {
        match s.trim().to_ascii_lowercase().as_str() {
            "evtx" => Some(FileFormat::Evtx),
            "eve" | "suricata" | "json" => Some(FileFormat::Eve),
            _ => None,
        }
    }

    /// By content: EVTX files begin with `ElfFile\0`; anything else is read
    /// as EVE JSON lines.
    pub fn sniff(bytes: &[u8]) -> FileFormat {
        if bytes.starts_with(b"ElfFile\0") {
            FileFormat::Evtx
        } else {
            FileFormat::Eve
        }
    }
}

/// A problem with one record of the file.
#[derive(Debug, Clone, Serialize)]
pub struct RecordProblem {
    /// `line N` (EVE), `chunk N record M` or `header` (EVTX).
    pub position: String,
    pub reason: String,
}

/// The answer to an uploaded file.
#[derive(Debug, Clone, Serialize)]
pub struct FileReport {
    pub file_name: String,
    pub format: FileFormat,
    /// Events evaluated (and counted for the sensor).
    pub accepted: u64,
    /// Records that could not be read.
    pub rejected: u64,
    /// Whether the whole file was read; false for a file cut or damaged.
    pub complete: bool,
    /// Where reading stopped on a damaged EVTX file (the first unreadable
    /// chunk or record); every record before it is kept.
    pub stopped_at: Option<String>,
    pub first_reasons: Vec<RecordProblem>,
}

impl App {
    /// Reads an uploaded event file and evaluates its events, answering once
    /// their alerts are stored. A sensor's upload counts for the sensor.
    pub async fn ingest_file(
        &self,
        scope: &Scope,
        file_name: &str,
        format: Option<FileFormat>,
        bytes: Vec<u8>,
    ) -> Result<FileReport> {
        if !scope.may(Capability::UploadEvents) {
            return Err(AppError::Forbidden(
                "Chỉ cảm biến và cán bộ của đơn vị tải lên tệp sự kiện \
                 (only sensors and the organisation's officers upload event files)"
                    .into(),
            ));
        }
        let sender = self.sender_of(scope).await?;
        self.pipeline()?;
        if bytes.is_empty() {
            return Err(invalid("file", "Tệp rỗng (the file is empty)"));
        }
        let format = format.unwrap_or_else(|| FileFormat::sniff(&bytes));
        let name = file_name.to_string();
        // Reading is CPU work: done off the async threads, in one pass that
        // hands batches back through a bounded channel.
        let (tx, mut rx) = tokio::sync::mpsc::channel::<Read>(2);
        let reader = tokio::task::spawn_blocking(move || read_file(format, &name, &bytes, &tx));
        let mut report = FileReport {
            file_name: file_name.to_string(),
            format,
            accepted: 0,
            rejected: 0,
            complete: true,
            stopped_at: None,
            first_reasons: Vec::new(),
        };
        while let Some(part) = rx.recv().await {
            let rejected = part.problems.len() as i64;
            report.rejected += rejected as u64;
            let now = Utc::now();
            let sample: Vec<Rejected> = part
                .problems
                .iter()
                .take(store::monitoring::REJECTED_SAMPLE)
                .map(|p| Rejected {
                    at: now,
                    line: p.line,
                    reason: format!("{file_name}: {}: {}", p.problem.position, p.problem.reason),
                    text: String::new(),
                })
                .collect();
            for p in part.problems {
                if report.stopped_at.is_none() && p.stops {
                    report.complete = false;
                    report.stopped_at = Some(p.problem.position.clone());
                }
                if report.first_reasons.len() < FIRST_REASONS {
                    report.first_reasons.push(p.problem);
                }
            }
            let n = part.events.len() as u64;
            self.offer_waiting(Batch::new(sender, now, part.events, rejected, sample))
                .await?;
            report.accepted += n;
        }
        reader
            .await
            .map_err(|e| AppError::Internal(format!("reading the event file: {e}")))?;
        Ok(report)
    }

    /// Offers a batch and waits until its alerts are stored; a full queue
    /// is waited out (up to a minute) rather than refused, so a file is
    /// either wholly evaluated or its answer says how far it got.
    async fn offer_waiting(&self, batch: Batch) -> Result<()> {
        let pipeline = self.pipeline()?;
        let mut batch = batch;
        let mut waited = std::time::Duration::ZERO;
        loop {
            let (done_tx, done_rx) = tokio::sync::oneshot::channel();
            let copy = Batch {
                sender: batch.sender,
                received_at: batch.received_at,
                events: batch.events.clone(),
                rejected: batch.rejected,
                dropped: batch.dropped,
                sample: batch.sample.clone(),
                done: Some(done_tx),
                key: batch.key.clone(),
                delivery_key: None,
                in_flight: None,
            };
            match pipeline.offer(copy).await {
                Ok(()) => {
                    let _ = done_rx.await;
                    return Ok(());
                }
                Err(_) if waited < std::time::Duration::from_secs(60) => {
                    let pause = std::time::Duration::from_millis(100);
                    tokio::time::sleep(pause).await;
                    waited += pause;
                    batch.received_at = Utc::now();
                }
                Err(_) => return Err(AppError::Busy),
            }
        }
    }
}

struct Problem {
    line: u64,
    problem: RecordProblem,
    /// Reading stopped here (the rest of the file was not read).
    stops: bool,
}

/// A part of the file read: events and the problems met on the way.
struct Read {
    events: Vec<Incoming>,
    problems: Vec<Problem>,
}

fn read_file(format: FileFormat, name: &str, bytes: &[u8], tx: &tokio::sync::mpsc::Sender<Read>) {
    let mut part = Read {
        events: Vec::new(),
        problems: Vec::new(),
    };
    let flush = |part: &mut Read, last: bool| -> bool {
        let due = part.events.len() >= BATCH || part.problems.len() >= BATCH;
        if due || (last && (!part.events.is_empty() || !part.problems.is_empty())) {
            let full = std::mem::replace(
                part,
                Read {
                    events: Vec::new(),
                    problems: Vec::new(),
                },
            );
            return tx.blocking_send(full).is_ok();
        }
        true
    };
    match format {
        FileFormat::Evtx => {
            let mut records = detect::read::EvtxEvents::new(std::io::Cursor::new(bytes), name);
            let mut n = 0u64;
            let mut stopped_before = false;
            while let Some(rec) = records.next_json() {
                n += 1;
                match rec {
                    Ok(v) => part.events.push(Incoming::json(
                        &serde_json::to_vec(&v).unwrap_or_else(|_| b"{}".to_vec()),
                    )),
                    Err(e) => {
                        // A chunk that cannot be read is where a cut or
                        // damaged file stops making sense.
                        let stops = !e.position.contains("record");
                        stopped_before |= stops;
                        part.problems.push(Problem {
                            line: n,
                            problem: RecordProblem {
                                position: e.position,
                                reason: e.message,
                            },
                            stops,
                        })
                    }
                }
                if !flush(&mut part, false) {
                    return;
                }
            }
            // A file cut inside a chunk: said even when the parser read
            // nothing of that chunk and said nothing.
            let body = bytes.len().saturating_sub(EVTX_HEADER);
            let stopped = part.problems.iter().any(|p| p.stops) || stopped_before;
            if bytes.len() > EVTX_HEADER && !body.is_multiple_of(EVTX_CHUNK) && !stopped {
                part.problems.push(Problem {
                    line: n + 1,
                    problem: RecordProblem {
                        position: format!("chunk {}", body / EVTX_CHUNK),
                        reason: format!(
                            "Tệp EVTX bị cắt giữa chừng: khối cuối chỉ có {} trên {EVTX_CHUNK} byte \
                             (the file ends inside this chunk)",
                            body % EVTX_CHUNK
                        ),
                    },
                    stops: true,
                });
            }
        }
        FileFormat::Eve => {
            for (i, raw) in bytes.split(|b| *b == b'\n').enumerate() {
                let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
                if raw.iter().all(u8::is_ascii_whitespace) {
                    continue;
                }
                let line = i as u64 + 1;
                let parsed = detect::formats::parse_record(detect::formats::Format::Eve, raw);
                match parsed {
                    Ok(events) => {
                        let original = match serde_json::from_slice::<serde_json::Value>(raw) {
                            Ok(v) if events.len() == 1 => Some(v),
                            _ => None,
                        };
                        for ev in events {
                            let v = original.clone().unwrap_or_else(|| event_json(&ev));
                            part.events.push(Incoming::parsed(v, ev));
                        }
                    }
                    Err(reason) => part.problems.push(Problem {
                        line,
                        problem: RecordProblem {
                            position: format!("line {line}"),
                            reason,
                        },
                        stops: false,
                    }),
                }
                if !flush(&mut part, false) {
                    return;
                }
            }
        }
    }
    flush(&mut part, true);
}
