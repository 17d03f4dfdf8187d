//! Events kept for investigation and retro-hunting: one tantivy index per
//! day (UTC) under a root folder (`DATA_DIR/events/YYYY-MM-DD`), so that
//! retention removes whole folders.
//!
//! ```text
//!  KeptEvent { time, org, terms (host, addr, domain, hash, file, user, field=value), body }
//!      ──► EventStore::add ──► today's IndexWriter ──► commit (batched by the caller)
//!  Search { from, to, org, terms (all must hold) } ──► newest first
//!  hunt(terms, any of) ──► every kept event holding one of them
//! ```
//!
//! * **Indexed**: the organisation, and each term as a 64-bit hash of its
//!   kind and lower-case text ([`term_hash`]) in one `u64` field: a term
//!   dictionary of 8-byte keys is built (at every commit and merge) several
//!   times faster and is a third of the size of one of the texts. A search
//!   for a term finds the events whose term has the same hash: another text
//!   with the same 64-bit hash is a chance of about one in 10^10 per search
//!   even with a billion distinct terms in a day, and retro-hunt candidates
//!   are checked against the event anyway. Days written before the hash
//!   keep raw text terms (one field per kind) and are searched that way.
//! * **Fast fields** (columns): the time (Unix ms; ranges and newest-first
//!   order read it there) and the organisation.
//! * **Stored**: the caller's body bytes, in tantivy's document store
//!   compressed with zstd ([`Options`]: level 1 in 256 KiB blocks).
//!   Indexes written before kept time and organisation stored and time
//!   indexed too; they are read the same way.
//! * **Writing** ([`Options`], measured with `scripts/bench-events.sh`): one
//!   indexing thread per open day with a 128 MiB budget, documents handed
//!   over a batch at a time; segments merge in the background (log merge
//!   policy, [`Options::merge_segments`] of a size together, 8).
//! * **Terms as hashes without texts**: [`KeptEvent::hashes`] carries
//!   terms already hashed (`view::TermView::hashes_buf`, no text made), for
//!   a day that indexes hashes ([`EventStore::hashes_terms`]).
//! * The crate knows nothing of events' shape: the caller (`app::events`)
//!   decides what goes in the terms and the body.

pub mod view;

use std::collections::BTreeMap;
use std::ops::Bound;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use tantivy::collector::{DocSetCollector, TopDocs};
use tantivy::indexer::UserOperation;
use tantivy::query::{BooleanQuery, Occur, Query, RangeQuery, TermQuery, TermSetQuery};
use tantivy::schema::{
    Field, IndexRecordOption, NumericOptions, Schema, TextFieldIndexing, TextOptions, Value,
};
use tantivy::store::{Compressor, ZstdCompressor};
use tantivy::{
    DocAddress, Index, IndexReader, IndexSettings, IndexWriter, Order, ReloadPolicy,
    TantivyDocument, Term,
};

/// What went wrong with the kept events.
#[derive(Debug, thiserror::Error)]
pub enum EventStoreError {
    #[error("event index {path}: {source}")]
    Index {
        path: String,
        source: tantivy::TantivyError,
    },
    #[error("events folder {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
}

pub type Result<T, E = EventStoreError> = std::result::Result<T, E>;

/// The indexed kinds of term.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    Host,
    Addr,
    Domain,
    Hash,
    File,
    User,
    /// `field=value` of any short field of the event.
    Field,
}

impl Kind {
    pub const ALL: [Kind; 7] = [
        Kind::Host,
        Kind::Addr,
        Kind::Domain,
        Kind::Hash,
        Kind::File,
        Kind::User,
        Kind::Field,
    ];
    fn name(self) -> &'static str {
        match self {
            Kind::Host => "host",
            Kind::Addr => "addr",
            Kind::Domain => "domain",
            Kind::Hash => "hash",
            Kind::File => "file",
            Kind::User => "user",
            Kind::Field => "kv",
        }
    }
}

/// One event to keep.
#[derive(Debug, Clone, Default)]
pub struct KeptEvent {
    /// Unix milliseconds; also decides the day folder.
    pub time_ms: i64,
    pub org_id: i64,
    /// Terms the event is found by (lower-cased when indexed).
    pub terms: Vec<(Kind, String)>,
    /// More terms, as their [`term_hash`] (`view::TermView::hashes_buf`):
    /// indexed only by a day that indexes hashes — give them only when
    /// [`EventStore::hashes_terms`] says the event's day does.
    pub hashes: Vec<u64>,
    /// What is given back when found (the caller's encoding).
    pub body: Vec<u8>,
}

/// One kept event found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    pub time_ms: i64,
    pub org_id: i64,
    pub body: Vec<u8>,
}

/// A search: every given condition must hold.
#[derive(Debug, Clone, Default)]
pub struct Search {
    /// Unix ms, inclusive.
    pub from_ms: Option<i64>,
    /// Unix ms, exclusive.
    pub to_ms: Option<i64>,
    /// Only this organisation's events.
    pub org_id: Option<i64>,
    pub terms: Vec<(Kind, String)>,
    pub limit: usize,
}

#[derive(Clone, Copy)]
struct Fields {
    time: Field,
    org: Field,
    body: Field,
    /// Raw text terms by kind (days written before hashed terms).
    terms: [Field; 7],
    /// [`term_hash`] of every term.
    hashed: Field,
}

/// The 64-bit hash a term is indexed under: FNV-1a over the kind's byte and
/// the lower-case text, then MurmurHash3's 64-bit finaliser. Part of the
/// format on disk: never change it.
pub fn term_hash(kind: Kind, text: &str) -> u64 {
    term_hash_parts(kind, &[text])
}

/// [`term_hash`] of the parts' concatenation, made without concatenating
/// them when they are ASCII.
pub fn term_hash_parts(kind: Kind, parts: &[&str]) -> u64 {
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut eat = |b: u8| {
        h ^= u64::from(b);
        h = h.wrapping_mul(PRIME);
    };
    eat(kind as u8 + 1);
    if parts.iter().all(|p| p.is_ascii()) {
        for p in parts {
            p.bytes().for_each(|b| eat(b.to_ascii_lowercase()));
        }
    } else {
        parts.concat().to_lowercase().bytes().for_each(&mut eat);
    }
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^ (h >> 33)
}

fn schema() -> (Schema, Fields) {
    // The order of the fields is their id: indexes on disk keep theirs.
    let mut b = Schema::builder();
    let time = b.add_i64_field("time", NumericOptions::default().set_fast());
    let org = b.add_i64_field("org", NumericOptions::default().set_indexed().set_fast());
    let raw = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer("raw")
            .set_fieldnorms(false)
            .set_index_option(IndexRecordOption::Basic),
    );
    let terms = Kind::ALL.map(|k| b.add_text_field(k.name(), raw.clone()));
    let body = b.add_bytes_field("body", tantivy::schema::STORED);
    let hashed = b.add_u64_field("t", NumericOptions::default().set_indexed());
    (
        b.build(),
        Fields {
            time,
            org,
            body,
            terms,
            hashed,
        },
    )
}

fn kind_field(f: &Fields, k: Kind) -> Field {
    f.terms[Kind::ALL.iter().position(|x| *x == k).unwrap_or(0)]
}

struct Day {
    index: Index,
    /// Terms indexed by [`term_hash`] (else as raw text, by kind).
    hashed: bool,
    reader: IndexReader,
    writer: Option<IndexWriter<TantivyDocument>>,
    pending: usize,
}

/// How kept events are written.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// Indexing memory budget of each open day's writer (a segment is
    /// written when it is full, or at each commit).
    pub writer_bytes: usize,
    /// Indexing threads of each open day's writer.
    pub writer_threads: usize,
    /// Segments of about one size merged together (tantivy's log merge
    /// policy; its default is 8): more means each event is merged fewer
    /// times, and more segments are searched meanwhile.
    pub merge_segments: usize,
    /// zstd level of the document store of days created from now on.
    pub zstd_level: i32,
    /// Uncompressed bytes per document-store block (one block is read to
    /// give back one event).
    pub block_bytes: usize,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            writer_bytes: 128 * 1024 * 1024,
            writer_threads: 1,
            merge_segments: 8,
            zstd_level: 1,
            block_bytes: 256 * 1024,
        }
    }
}

/// The kept events: one index per day under `root`.
pub struct EventStore {
    root: PathBuf,
    fields: Fields,
    schema: Schema,
    days: Mutex<BTreeMap<String, Day>>,
    options: Options,
}

fn day_of(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .format("%Y-%m-%d")
        .to_string()
}

fn day_start_ms(day: &str) -> Option<i64> {
    chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc().timestamp_millis())
}

const DAY_MS: i64 = 86_400_000;

impl EventStore {
    /// Opens (creating) the root folder and the day indexes already there.
    pub fn open(root: &Path) -> Result<EventStore> {
        EventStore::open_with(root, Options::default())
    }

    /// [`open`](Self::open) with other writing options.
    pub fn open_with(root: &Path, options: Options) -> Result<EventStore> {
        std::fs::create_dir_all(root).map_err(|e| EventStoreError::Io {
            path: root.display().to_string(),
            source: e,
        })?;
        let (schema, fields) = schema();
        let store = EventStore {
            root: root.to_path_buf(),
            fields,
            schema,
            days: Mutex::new(BTreeMap::new()),
            options,
        };
        let entries = std::fs::read_dir(root).map_err(|e| EventStoreError::Io {
            path: root.display().to_string(),
            source: e,
        })?;
        let mut days = store.days.lock().unwrap_or_else(|p| p.into_inner());
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().to_string();
            if day_start_ms(&name).is_none() || !e.path().join("meta.json").exists() {
                continue;
            }
            let day = store.open_day(&name)?;
            days.insert(name, day);
        }
        drop(days);
        Ok(store)
    }

    fn index_err(&self, day: &str) -> impl Fn(tantivy::TantivyError) -> EventStoreError {
        let path = self.root.join(day).display().to_string();
        move |source| EventStoreError::Index {
            path: path.clone(),
            source,
        }
    }

    fn open_day(&self, day: &str) -> Result<Day> {
        let dir = self.root.join(day);
        let err = self.index_err(day);
        let index = if dir.join("meta.json").exists() {
            Index::open_in_dir(&dir).map_err(&err)?
        } else {
            std::fs::create_dir_all(&dir).map_err(|e| EventStoreError::Io {
                path: dir.display().to_string(),
                source: e,
            })?;
            Index::builder()
                .schema(self.schema.clone())
                .settings(IndexSettings {
                    docstore_compression: Compressor::Zstd(ZstdCompressor {
                        compression_level: Some(self.options.zstd_level),
                    }),
                    docstore_blocksize: self.options.block_bytes,
                    ..Default::default()
                })
                .create_in_dir(&dir)
                .map_err(&err)?
        };
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()
            .map_err(&err)?;
        let hashed = index.schema().get_field("t").is_ok();
        Ok(Day {
            index,
            hashed,
            reader,
            writer: None,
            pending: 0,
        })
    }

    /// Adds events to their days' writers; visible after [`commit`](Self::commit).
    pub fn add(&self, events: &[KeptEvent]) -> Result<()> {
        self.add_owned(events.to_vec())
    }

    /// [`add`](Self::add), taking the events: their terms and bodies move
    /// into the documents, and each day's documents go to its writer in one
    /// hand-over.
    pub fn add_owned(&self, events: Vec<KeptEvent>) -> Result<()> {
        let mut by_day: Vec<(String, Vec<KeptEvent>)> = Vec::new();
        let mut last_day: Option<(i64, usize)> = None;
        for ev in events {
            let day_no = ev.time_ms.div_euclid(DAY_MS);
            let slot = match last_day {
                Some((d, i)) if d == day_no => i,
                _ => {
                    let name = day_of(ev.time_ms);
                    let i = match by_day.iter().position(|(n, _)| *n == name) {
                        Some(i) => i,
                        None => {
                            by_day.push((name, Vec::new()));
                            by_day.len() - 1
                        }
                    };
                    last_day = Some((day_no, i));
                    i
                }
            };
            by_day[slot].1.push(ev);
        }
        let mut days = self.days.lock().unwrap_or_else(|p| p.into_inner());
        for (name, events) in by_day {
            if !days.contains_key(&name) {
                let d = self.open_day(&name)?;
                days.insert(name.clone(), d);
            }
            let err = self.index_err(&name);
            let Some(day) = days.get_mut(&name) else {
                continue;
            };
            if day.writer.is_none() {
                let w: IndexWriter<TantivyDocument> = day
                    .index
                    .writer_with_num_threads(
                        self.options.writer_threads.max(1),
                        self.options.writer_bytes,
                    )
                    .map_err(&err)?;
                let mut merges = tantivy::merge_policy::LogMergePolicy::default();
                merges.set_min_num_segments(self.options.merge_segments.max(2));
                w.set_merge_policy(Box::new(merges));
                day.writer = Some(w);
            }
            let n = events.len();
            let docs: Vec<UserOperation<TantivyDocument>> = events
                .into_iter()
                .map(|ev| UserOperation::Add(self.document(ev, day.hashed)))
                .collect();
            if let Some(w) = day.writer.as_mut() {
                w.run(docs).map_err(&err)?;
                day.pending += n;
            }
        }
        Ok(())
    }

    fn document(&self, ev: KeptEvent, hashed: bool) -> TantivyDocument {
        let mut doc = TantivyDocument::new();
        doc.add_i64(self.fields.time, ev.time_ms);
        doc.add_i64(self.fields.org, ev.org_id);
        for (k, v) in ev.terms {
            if hashed {
                doc.add_u64(self.fields.hashed, term_hash(k, &v));
            } else {
                doc.add_text(kind_field(&self.fields, k), view::lower(v));
            }
        }
        if hashed {
            for h in ev.hashes {
                doc.add_u64(self.fields.hashed, h);
            }
        }
        doc.add_bytes(self.fields.body, &ev.body);
        doc
    }

    /// Whether the day of `time_ms` indexes terms as hashes (every day
    /// created since hashes were; a day with text terms needs
    /// [`KeptEvent::terms`]).
    pub fn hashes_terms(&self, time_ms: i64) -> bool {
        let days = self.days.lock().unwrap_or_else(|p| p.into_inner());
        days.get(&day_of(time_ms)).is_none_or(|d| d.hashed)
    }

    /// Commits what was added and makes it searchable; a day's writer that
    /// had nothing to commit is closed (yesterday's, after midnight).
    pub fn commit(&self) -> Result<usize> {
        let mut days = self.days.lock().unwrap_or_else(|p| p.into_inner());
        let mut n = 0;
        for (name, day) in days.iter_mut() {
            let err = self.index_err(name);
            if day.pending == 0 {
                if let Some(w) = day.writer.take() {
                    w.wait_merging_threads().map_err(&err)?;
                }
                continue;
            }
            if let Some(w) = day.writer.as_mut() {
                w.commit().map_err(&err)?;
            }
            n += day.pending;
            day.pending = 0;
            day.reader.reload().map_err(&err)?;
        }
        Ok(n)
    }

    /// Removes the days wholly before `keep_from_ms`; returns their names.
    pub fn purge_before(&self, keep_from_ms: i64) -> Result<Vec<String>> {
        let mut days = self.days.lock().unwrap_or_else(|p| p.into_inner());
        let old: Vec<String> = days
            .keys()
            .filter(|d| day_start_ms(d).is_some_and(|s| s + DAY_MS <= keep_from_ms))
            .cloned()
            .collect();
        for d in &old {
            if let Some(day) = days.remove(d) {
                drop(day.writer);
            }
            let dir = self.root.join(d);
            std::fs::remove_dir_all(&dir).map_err(|e| EventStoreError::Io {
                path: dir.display().to_string(),
                source: e,
            })?;
        }
        Ok(old)
    }

    /// The days kept, oldest first.
    pub fn days(&self) -> Vec<String> {
        let days = self.days.lock().unwrap_or_else(|p| p.into_inner());
        days.keys().cloned().collect()
    }

    /// Bytes on disk under the root (index and stored events).
    pub fn disk_bytes(&self) -> u64 {
        fn walk(p: &Path) -> u64 {
            let Ok(rd) = std::fs::read_dir(p) else {
                return 0;
            };
            rd.flatten()
                .map(|e| match e.metadata() {
                    Ok(m) if m.is_dir() => walk(&e.path()),
                    Ok(m) => m.len(),
                    Err(_) => 0,
                })
                .sum()
        }
        walk(&self.root)
    }

    /// Searchers of the days that meet [from, to), newest first.
    fn searchers(
        &self,
        from_ms: Option<i64>,
        to_ms: Option<i64>,
    ) -> Vec<(String, tantivy::Searcher, bool)> {
        let days = self.days.lock().unwrap_or_else(|p| p.into_inner());
        days.iter()
            .rev()
            .filter(|(name, _)| {
                let Some(s) = day_start_ms(name) else {
                    return false;
                };
                from_ms.is_none_or(|f| s + DAY_MS > f) && to_ms.is_none_or(|t| s < t)
            })
            .map(|(name, d)| (name.clone(), d.reader.searcher(), d.hashed))
            .collect()
    }

    fn found(
        &self,
        s: &tantivy::Searcher,
        a: DocAddress,
        cols: &mut Option<SegmentColumns>,
    ) -> tantivy::Result<Found> {
        read_found(self.fields.body, s, a, cols)
    }

    /// A term as a day indexed it: hashed, or raw text in its kind's field.
    fn term(&self, hashed: bool, k: Kind, v: &str) -> Term {
        if hashed {
            Term::from_field_u64(self.fields.hashed, term_hash(k, v))
        } else {
            Term::from_field_text(kind_field(&self.fields, k), &v.to_lowercase())
        }
    }

    /// Events that meet every condition of `q`, newest first, at most `q.limit`.
    pub fn search(&self, q: &Search) -> Result<Vec<Found>> {
        let mut out = Vec::new();
        for (name, s, hashed) in self.searchers(q.from_ms, q.to_ms) {
            if out.len() >= q.limit {
                break;
            }
            let query = self.search_query(q, hashed);
            let err = self.index_err(&name);
            let top = s
                .search(
                    &query,
                    &TopDocs::with_limit(q.limit - out.len())
                        .order_by_fast_field::<i64>("time", Order::Desc),
                )
                .map_err(&err)?;
            let mut cols = None;
            for (_, a) in top {
                out.push(self.found(&s, a, &mut cols).map_err(&err)?);
            }
        }
        Ok(out)
    }

    fn search_query(&self, q: &Search, hashed: bool) -> Box<dyn Query> {
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        if q.from_ms.is_some() || q.to_ms.is_some() {
            let lo = q
                .from_ms
                .map(|f| Bound::Included(Term::from_field_i64(self.fields.time, f)))
                .unwrap_or(Bound::Unbounded);
            let hi = q
                .to_ms
                .map(|t| Bound::Excluded(Term::from_field_i64(self.fields.time, t)))
                .unwrap_or(Bound::Unbounded);
            clauses.push((Occur::Must, Box::new(RangeQuery::new(lo, hi))));
        }
        if let Some(org) = q.org_id {
            clauses.push((
                Occur::Must,
                Box::new(TermQuery::new(
                    Term::from_field_i64(self.fields.org, org),
                    IndexRecordOption::Basic,
                )),
            ));
        }
        for (k, v) in &q.terms {
            clauses.push((
                Occur::Must,
                Box::new(TermQuery::new(
                    self.term(hashed, *k, v),
                    IndexRecordOption::Basic,
                )),
            ));
        }
        if clauses.is_empty() {
            Box::new(tantivy::query::AllQuery)
        } else {
            Box::new(BooleanQuery::new(clauses))
        }
    }

    /// Every kept event holding any of `terms` (at or after `since_ms`),
    /// given to `visit` day by day, newest day first; at most `max`.
    /// Returns how many were visited.
    ///
    /// Finding the documents is cheap (terms); reading them is the cost
    /// (every compressed block holding one is decompressed), so days are
    /// read a few at a time, one a core, and visited in order — the result
    /// is that of reading them one after another, and memory holds the
    /// documents of at most one day a core.
    pub fn hunt(
        &self,
        terms: &[(Kind, String)],
        since_ms: Option<i64>,
        max: usize,
        mut visit: impl FnMut(Found),
    ) -> Result<usize> {
        if terms.is_empty() {
            return Ok(0);
        }
        let mut plan = Vec::new();
        let mut n = 0;
        for (name, s, hashed) in self.searchers(since_ms, None) {
            if n >= max {
                break;
            }
            let query = self.hunt_query(terms, since_ms, hashed);
            let mut docs: Vec<DocAddress> = s
                .search(&query, &DocSetCollector)
                .map_err(self.index_err(&name))?
                .into_iter()
                .collect();
            docs.sort();
            docs.truncate(max - n);
            n += docs.len();
            plan.push((self.index_err(&name), s, docs));
        }
        let cores = std::thread::available_parallelism().map_or(1, |c| c.get());
        let body = self.fields.body;
        for wave in plan.chunks(cores.max(1)) {
            let read: Vec<Result<Vec<Found>>> = std::thread::scope(|scope| {
                let readers: Vec<_> = wave
                    .iter()
                    .map(|(err, s, docs)| {
                        scope.spawn(move || {
                            let mut cols = None;
                            docs.iter()
                                .map(|&a| read_found(body, s, a, &mut cols).map_err(err))
                                .collect::<Result<Vec<Found>>>()
                        })
                    })
                    .collect();
                readers
                    .into_iter()
                    .zip(wave)
                    .map(|(r, (err, _, _))| {
                        r.join().unwrap_or_else(|_| {
                            Err(err(tantivy::TantivyError::InternalError(
                                "a reader of kept events failed".into(),
                            )))
                        })
                    })
                    .collect()
            });
            for day in read {
                day?.into_iter().for_each(&mut visit);
            }
        }
        Ok(n)
    }

    fn hunt_query(
        &self,
        terms: &[(Kind, String)],
        since_ms: Option<i64>,
        hashed: bool,
    ) -> BooleanQuery {
        let mut by_kind: BTreeMap<Kind, Vec<Term>> = BTreeMap::new();
        for (k, v) in terms {
            let kind = if hashed { Kind::Host } else { *k };
            by_kind
                .entry(kind)
                .or_default()
                .push(self.term(hashed, *k, v));
        }
        let any: Vec<(Occur, Box<dyn Query>)> = by_kind
            .into_values()
            .map(|t| {
                (
                    Occur::Should,
                    Box::new(TermSetQuery::new(t)) as Box<dyn Query>,
                )
            })
            .collect();
        let mut clauses: Vec<(Occur, Box<dyn Query>)> =
            vec![(Occur::Must, Box::new(BooleanQuery::new(any)))];
        if let Some(f) = since_ms {
            clauses.push((
                Occur::Must,
                Box::new(RangeQuery::new(
                    Bound::Included(Term::from_field_i64(self.fields.time, f)),
                    Bound::Unbounded,
                )),
            ));
        }
        BooleanQuery::new(clauses)
    }
}

/// A found event: its body from the document store, its time and
/// organisation from the columns of its segment, opened once for all the
/// segment's documents (`cols` keeps them between calls: opening a column
/// reads its block index, which cost more than the document).
fn read_found(
    body: tantivy::schema::Field,
    s: &tantivy::Searcher,
    a: DocAddress,
    cols: &mut Option<SegmentColumns>,
) -> tantivy::Result<Found> {
    if cols.as_ref().is_none_or(|c| c.segment != a.segment_ord) {
        let ff = s.segment_reader(a.segment_ord).fast_fields();
        *cols = Some(SegmentColumns {
            segment: a.segment_ord,
            time: ff.i64("time").ok(),
            org: ff.i64("org").ok(),
        });
    }
    let value = |col: Option<&tantivy::columnar::Column<i64>>| {
        col.and_then(|c| c.first(a.doc_id)).unwrap_or(0)
    };
    let c = cols.as_ref();
    let doc: TantivyDocument = s.doc(a)?;
    Ok(Found {
        time_ms: value(c.and_then(|c| c.time.as_ref())),
        org_id: value(c.and_then(|c| c.org.as_ref())),
        body: doc
            .get_first(body)
            .and_then(|v| v.as_bytes())
            .map(<[u8]>::to_vec)
            .unwrap_or_default(),
    })
}

/// The columns [`read_found`] reads, for one segment.
struct SegmentColumns {
    segment: u32,
    time: Option<tantivy::columnar::Column<i64>>,
    org: Option<tantivy::columnar::Column<i64>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(ms: i64, org: i64, host: &str, addr: &str) -> KeptEvent {
        KeptEvent {
            time_ms: ms,
            org_id: org,
            terms: vec![
                (Kind::Host, host.into()),
                (Kind::Addr, addr.into()),
                (Kind::Field, "EventID=4625".into()),
            ],
            hashes: Vec::new(),
            body: format!("{{\"h\":\"{host}\"}}").into_bytes(),
        }
    }

    #[test]
    fn keeps_searches_hunts_and_purges() {
        let dir = tempfile::tempdir().unwrap();
        let day = 86_400_000;
        let t0 = 1_767_225_600_000; // 2026-01-01
        {
            let s = EventStore::open(dir.path()).unwrap();
            s.add(&[
                ev(t0 + 10, 1, "PC-A", "10.0.0.1"),
                ev(t0 + day + 10, 1, "PC-B", "10.0.0.2"),
                ev(t0 + 2 * day + 10, 2, "PC-C", "10.0.0.1"),
            ])
            .unwrap();
            assert_eq!(s.commit().unwrap(), 3);
        }
        // Reopened from disk.
        let s = EventStore::open(dir.path()).unwrap();
        assert_eq!(s.days().len(), 3);
        let all = s
            .search(&Search {
                limit: 10,
                ..Default::default()
            })
            .unwrap();
        assert_eq!(all.len(), 3);
        assert!(all[0].time_ms > all[1].time_ms);
        let one = s
            .search(&Search {
                terms: vec![(Kind::Host, "pc-b".into())],
                limit: 10,
                ..Default::default()
            })
            .unwrap();
        assert_eq!(one.len(), 1);
        assert_eq!(one[0].body, b"{\"h\":\"PC-B\"}");
        let org2 = s
            .search(&Search {
                org_id: Some(2),
                terms: vec![(Kind::Field, "eventid=4625".into())],
                limit: 10,
                ..Default::default()
            })
            .unwrap();
        assert_eq!(org2.len(), 1);
        let ranged = s
            .search(&Search {
                from_ms: Some(t0 + day),
                to_ms: Some(t0 + day + 11),
                limit: 10,
                ..Default::default()
            })
            .unwrap();
        assert_eq!(ranged.len(), 1);
        let mut hunted = Vec::new();
        let n = s
            .hunt(
                &[(Kind::Addr, "10.0.0.1".into()), (Kind::Host, "nope".into())],
                None,
                100,
                |f| hunted.push(f.org_id),
            )
            .unwrap();
        assert_eq!(n, 2);
        hunted.sort();
        assert_eq!(hunted, vec![1, 2]);
        let gone = s.purge_before(t0 + 2 * day).unwrap();
        assert_eq!(gone.len(), 2);
        assert_eq!(s.days().len(), 1);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn a_hunt_visits_days_newest_first_in_order_up_to_its_cap() {
        let dir = tempfile::tempdir().unwrap();
        let day = 86_400_000;
        let t0 = 1_767_225_600_000; // 2026-01-01
        let s = EventStore::open(dir.path()).unwrap();
        // Five days (more than the cores reading them at once), three
        // events a day holding the address, one that does not.
        let mut events = Vec::new();
        for d in 0..5 {
            for i in 0..3 {
                events.push(ev(t0 + d * day + i, d, &format!("PC-{d}-{i}"), "10.9.9.9"));
            }
            events.push(ev(t0 + d * day + 9, d, "OTHER", "10.0.0.1"));
        }
        s.add(&events).unwrap();
        s.commit().unwrap();
        let hunt = |max| {
            let mut seen = Vec::new();
            let n = s
                .hunt(&[(Kind::Addr, "10.9.9.9".into())], None, max, |f| {
                    seen.push((f.org_id, f.time_ms))
                })
                .unwrap();
            assert_eq!(n, seen.len());
            seen
        };
        let all = hunt(100);
        assert_eq!(all.len(), 15);
        let days: Vec<i64> = all.iter().map(|(d, _)| *d).collect();
        assert_eq!(days, vec![4, 4, 4, 3, 3, 3, 2, 2, 2, 1, 1, 1, 0, 0, 0]);
        // The cap keeps the newest, mid-day included.
        assert_eq!(hunt(7), all[..7].to_vec());
        assert!(hunt(0).is_empty());
    }

    #[test]
    fn term_hashes_are_fixed_and_ignore_case() {
        // The hash is the format on disk: these values must never change.
        assert_eq!(
            term_hash(Kind::Addr, "10.0.0.1"),
            term_hash(Kind::Addr, "10.0.0.1")
        );
        assert_eq!(term_hash(Kind::Host, "PC-A"), term_hash(Kind::Host, "pc-a"));
        assert_eq!(
            term_hash(Kind::User, "ÉLISE"),
            term_hash(Kind::User, "élise")
        );
        assert_ne!(term_hash(Kind::Host, "pc-a"), term_hash(Kind::File, "pc-a"));
        assert_eq!(term_hash(Kind::Host, ""), 0x0d7c_ea42_b505_7e4c);
        assert_eq!(
            term_hash(Kind::Field, "eventid=4625"),
            0xc8db_a2d6_0104_a31c
        );
    }

    /// A day written before terms were hashed (text terms by kind, time
    /// indexed and stored) is still searched and hunted, beside a new day.
    #[test]
    fn days_with_text_terms_are_still_read() {
        let dir = tempfile::tempdir().unwrap();
        let t0 = 1_767_225_600_000; // 2026-01-01
        {
            let mut b = Schema::builder();
            let num = NumericOptions::default()
                .set_indexed()
                .set_fast()
                .set_stored();
            let time = b.add_i64_field("time", num.clone());
            let org = b.add_i64_field("org", num);
            let raw = TextOptions::default().set_indexing_options(
                TextFieldIndexing::default()
                    .set_tokenizer("raw")
                    .set_fieldnorms(false)
                    .set_index_option(IndexRecordOption::Basic),
            );
            let terms = Kind::ALL.map(|k| b.add_text_field(k.name(), raw.clone()));
            let body = b.add_bytes_field("body", tantivy::schema::STORED);
            let old = dir.path().join("2026-01-01");
            std::fs::create_dir_all(&old).unwrap();
            let index = Index::create_in_dir(&old, b.build()).unwrap();
            let mut w: IndexWriter<TantivyDocument> = index.writer(15_000_000).unwrap();
            let mut doc = TantivyDocument::new();
            doc.add_i64(time, t0 + 5);
            doc.add_i64(org, 3);
            doc.add_text(terms[0], "pc-old");
            doc.add_text(terms[1], "10.0.0.9");
            doc.add_bytes(body, b"old");
            w.add_document(doc).unwrap();
            w.commit().unwrap();
        }
        let s = EventStore::open(dir.path()).unwrap();
        s.add(&[ev(t0 + 86_400_000, 4, "PC-NEW", "10.0.0.9")])
            .unwrap();
        s.commit().unwrap();
        let by_host = |h: &str| {
            s.search(&Search {
                terms: vec![(Kind::Host, h.into())],
                limit: 10,
                ..Default::default()
            })
            .unwrap()
        };
        let old = by_host("PC-OLD");
        assert_eq!(old.len(), 1);
        assert_eq!((old[0].time_ms, old[0].org_id), (t0 + 5, 3));
        assert_eq!(old[0].body, b"old");
        assert_eq!(by_host("pc-new")[0].org_id, 4);
        let mut orgs = Vec::new();
        s.hunt(&[(Kind::Addr, "10.0.0.9".into())], None, 10, |f| {
            orgs.push(f.org_id)
        })
        .unwrap();
        assert_eq!(orgs, vec![4, 3]);
        let ranged = s
            .search(&Search {
                from_ms: Some(t0),
                to_ms: Some(t0 + 6),
                limit: 10,
                ..Default::default()
            })
            .unwrap();
        assert_eq!(ranged.len(), 1);
    }
}
