//! Reading and rule evaluation of a hunt's files on worker threads, handed
//! back in file order.
//!
//! Each worker takes the next file, reads it with its reader and evaluates
//! every event with its own rule scanner (the engine is shared, read-only);
//! the caller takes the files one after another, in the order given, and
//! sees each file's events in their order with the rules that matched them —
//! so whatever keeps state across events (correlations, indicators, the
//! summary, the output) sees exactly the sequence a single thread would, and
//! a hunt's output does not depend on the number of threads. Memory is
//! bounded: a file's events wait in batches of [`BATCH`], at most
//! [`WAITING`] batches a file being read, so a worker ahead of the caller
//! stops until the caller reaches its file.

use crate::hunt_input::{self, Input};
use detect::read::RecordError;
use detect::{Engine, Event, Format};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::sync::Mutex;

/// Events a batch holds.
pub(crate) const BATCH: usize = 1024;
/// Batches that may wait for the caller, per file being read.
pub(crate) const WAITING: usize = 4;

/// A file's events and the rules each matched.
#[derive(Default)]
pub(crate) struct Batch {
    pub events: Vec<Result<Event, RecordError>>,
    /// Rule indices of all events, one after another; `ends[i]` is where
    /// event `i`'s rules end.
    rules: Vec<usize>,
    ends: Vec<usize>,
    /// How far into the file reading had got (bytes).
    pub bytes_at: u64,
}

impl Batch {
    /// The rules event `i` matched (indices into `Engine::rules`).
    pub fn rules(&self, i: usize) -> &[usize] {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.rules[start..self.ends[i]]
    }
}

/// What a worker sends for one file: first `Opened`, then batches.
pub(crate) enum Piece {
    Opened(std::io::Result<Format>),
    Events(Batch),
}

/// Reads `inputs` on `threads` workers and calls `take(file index, piece)`
/// for every piece in file order. `take` returning an error stops the
/// workers and the error is returned.
pub(crate) fn in_order<E>(
    engine: &Engine,
    inputs: &[Input],
    format: Option<Format>,
    threads: usize,
    mut take: impl FnMut(usize, Piece) -> Result<(), E>,
) -> Result<(), E> {
    let mut senders = Vec::with_capacity(inputs.len());
    let mut receivers = Vec::with_capacity(inputs.len());
    for _ in inputs {
        let (tx, rx) = sync_channel::<Piece>(WAITING);
        senders.push(Mutex::new(Some(tx)));
        receivers.push(rx);
    }
    let next = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    std::thread::scope(|scope| {
        for _ in 0..threads.max(1).min(inputs.len().max(1)) {
            scope.spawn(|| worker(engine, inputs, format, &senders, &next, &stop));
        }
        let r = deliver(&receivers, &mut take);
        if r.is_err() {
            stop.store(true, Ordering::Relaxed);
        }
        // Workers blocked on a full channel see it closed and stop.
        drop(receivers);
        r
    })
}

fn deliver<E>(
    receivers: &[Receiver<Piece>],
    take: &mut impl FnMut(usize, Piece) -> Result<(), E>,
) -> Result<(), E> {
    for (k, rx) in receivers.iter().enumerate() {
        // The worker's sender goes when the file is done.
        while let Ok(piece) = rx.recv() {
            take(k, piece)?;
        }
    }
    Ok(())
}

fn worker(
    engine: &Engine,
    inputs: &[Input],
    format: Option<Format>,
    senders: &[Mutex<Option<SyncSender<Piece>>>],
    next: &AtomicUsize,
    stop: &AtomicBool,
) {
    let mut scanner = engine.scanner();
    while !stop.load(Ordering::Relaxed) {
        let k = next.fetch_add(1, Ordering::Relaxed);
        let (Some(input), Some(slot)) = (inputs.get(k), senders.get(k)) else {
            return;
        };
        let Some(tx) = slot.lock().ok().and_then(|mut s| s.take()) else {
            continue;
        };
        let at = std::rc::Rc::new(std::cell::Cell::new(0u64));
        let (format, events) = match hunt_input::open(&input.path, format, at.clone()) {
            Ok(x) => x,
            Err(e) => {
                let _ = tx.send(Piece::Opened(Err(e)));
                continue;
            }
        };
        if tx.send(Piece::Opened(Ok(format))).is_err() {
            continue;
        }
        if format == Format::Unknown && !input.named {
            // Skipped by the caller: nothing is read.
            continue;
        }
        let mut batch = Batch::default();
        for ev in events {
            if let Ok(ev) = &ev {
                batch.rules.extend_from_slice(scanner.scan(ev));
            }
            batch.ends.push(batch.rules.len());
            batch.events.push(ev);
            if batch.events.len() == BATCH {
                batch.bytes_at = at.get();
                if tx.send(Piece::Events(std::mem::take(&mut batch))).is_err() {
                    break;
                }
            }
        }
        if !batch.events.is_empty() {
            batch.bytes_at = at.get();
            let _ = tx.send(Piece::Events(batch));
        }
    }
}
