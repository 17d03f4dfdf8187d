//! Bulk matching handed out a piece at a time: each thread fills one
//! reused buffer with the findings of a few hundred assets, gives it to the
//! caller's function and clears it, so a large inventory's findings never
//! have to be held at once by the engine (the caller keeps what it needs,
//! in the form it needs).

use super::*;

/// What steps (A) and (B) of bulk matching leave for step (C): the
/// distinct facts, each item's facts as entries of them (in the items'
/// order) and what the records give each fact.
pub(super) struct Bulk<'i> {
    pub(super) entries: Vec<Entry<'i>>,
    pub(super) idx: Vec<u32>,
    pub(super) rels: Vec<Rel>,
}

impl Bulk<'_> {
    /// Lets go of what the facts hold, on `threads` threads (a large
    /// inventory's facts are hundreds of thousands of small allocations).
    pub(super) fn release(self, threads: usize) {
        let Bulk {
            mut entries,
            idx,
            mut rels,
        } = self;
        drop(idx);
        for_blocks(&mut entries, threads, |e| e.data = None);
        for_blocks(&mut rels, threads, |r| *r = Rel::default());
    }
}

/// How many software and OS facts an item has.
pub(super) fn facts_of(it: &InventoryItem) -> usize {
    it.software.len() + usize::from(it.os.is_some())
}

/// The items in pieces of `per_piece`, each with its items' entries.
pub(super) fn bulk_pieces<'a>(
    items: &'a [InventoryItem],
    idx: &'a [u32],
    per_piece: usize,
) -> Vec<(&'a [InventoryItem], &'a [u32])> {
    let mut pieces = Vec::with_capacity(items.len().div_ceil(per_piece.max(1)));
    let mut at = 0;
    for part in items.chunks(per_piece.max(1)) {
        let n: usize = part.iter().map(facts_of).sum();
        pieces.push((part, idx.get(at..at + n).unwrap_or(&[])));
        at += n;
    }
    pieces
}

/// Assets per piece handed to the caller: small enough that a piece's
/// findings stay in the cache, large enough that handing them over costs
/// nothing.
const PIECE: usize = 256;

impl VulnIndex<'_> {
    /// Matches `items` on `threads` threads (the calling one among them)
    /// and hands the findings (with `full`, also what cannot be evaluated)
    /// to `each` a piece at a time, with the state of the thread that made
    /// them (`init` makes one per thread). The pieces come in no particular
    /// order; within a piece the assets are in the items' order, each
    /// asset's findings exactly those `match_items_full_on` gives it (and
    /// `match_items_on` without `full`). Returns the threads' states.
    ///
    /// The engine reuses each thread's buffer from piece to piece: the
    /// caller keeps what it needs of a piece (a `Finding` is cheap to
    /// clone, its evidence shared).
    pub fn match_items_each<S: Send>(
        &self,
        items: &[InventoryItem],
        threads: usize,
        full: bool,
        init: impl Fn() -> S + Sync,
        each: impl Fn(&mut S, &Matched) + Sync,
    ) -> Vec<S> {
        let threads = threads.clamp(1, 64);
        let bulk = self.bulk_prepare(items, threads, full);
        let pieces = bulk_pieces(items, &bulk.idx, PIECE);
        let next = std::sync::atomic::AtomicUsize::new(0);
        let (entries, rels) = (&bulk.entries, &bulk.rels);
        let work = || {
            let mut scratch = Scratch::default();
            let mut out = Matched::default();
            let mut state = init();
            loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some(&(part, ids)) = pieces.get(i) else {
                    break;
                };
                out.findings.clear();
                out.unevaluable.clear();
                self.match_piece(part, ids, (entries, rels), &mut scratch, full, &mut out);
                each(&mut state, &out);
            }
            state
        };
        let threads = threads.min(pieces.len()).max(1);
        let states = if threads == 1 {
            vec![work()]
        } else {
            std::thread::scope(|sc| {
                let helpers: Vec<_> = (1..threads).map(|_| sc.spawn(work)).collect();
                let mut states = vec![work()];
                // A helper can only fail by panicking, which the engine does
                // not do (and `each` should not); its pieces were taken, so
                // the panic is passed on rather than findings lost.
                for h in helpers {
                    match h.join() {
                        Ok(s) => states.push(s),
                        Err(p) => std::panic::resume_unwind(p),
                    }
                }
                states
            })
        };
        drop(pieces);
        bulk.release(threads);
        states
    }
}
