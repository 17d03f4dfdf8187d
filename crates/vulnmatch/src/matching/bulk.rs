//! Bulk matching on a `VulnIndex`: each distinct installed fact evaluated
//! once (the fact table), every asset assembled from those results.

use super::*;

// ------------------------------------------------------------ fact table

/// The distinct software and OS facts of an inventory (or of the share of
/// them whose key's hash falls to one thread), found by their key. Assets
/// share most of their facts (the same product at the same version), so an
/// inventory is prepared and filtered once per distinct fact.
#[derive(Default)]
pub(super) struct FactTable<'a> {
    /// The hash of a fact's key (`write_key`) → the first entry with it.
    pub(super) slots: HashMap<u64, u32, HashedKeys>,
    /// Per entry: where its key is in `keys`, and the next entry with the
    /// same hash (`u32::MAX`: none).
    pub(super) key_of: Vec<KeyAt>,
    /// The keys, one after the other.
    pub(super) keys: Vec<u8>,
    pub(super) entries: Vec<Entry<'a>>,
}

#[derive(Clone, Copy)]
pub(super) struct KeyAt {
    pub(super) start: usize,
    pub(super) len: u32,
    pub(super) next: u32,
}

impl<'a> Entry<'a> {
    pub(super) fn new(src: FactSource<'a>) -> Entry<'a> {
        Entry {
            src,
            data: None,
            cands: Vec::new(),
        }
    }
}

pub(super) struct Entry<'a> {
    /// The fact where it was first seen.
    pub(super) src: FactSource<'a>,
    pub(super) data: Option<FactData>,
    /// The records that may concern it, until they are evaluated.
    pub(super) cands: Vec<u32>,
}

/// What the records of some (record, fact) pairs give: per pair that gives
/// something, (entry, record, how many findings and unevaluable
/// statements, or `WHOLE` findings for a record matched with each asset),
/// and those findings and statements, in order.
#[derive(Default)]
pub(super) struct PairResults {
    pub(super) pairs: Vec<(u32, u32, u32, u32)>,
    pub(super) findings: Vec<Finding>,
    pub(super) unevaluable: Vec<Unevaluable>,
}

pub(super) const WHOLE: u32 = u32::MAX;

/// The records that concern a fact.
#[derive(Default)]
pub(super) struct Rel {
    /// `VulnPlan::simple` records that give the fact alone something, in
    /// the records' order: the record, and where its findings and its
    /// unevaluable statements end in `findings` and `unevaluable`.
    pub(super) alone: Box<[(u32, u32, u32)]>,
    /// What those records give the fact alone (`asset_id` 0): the same in
    /// every asset.
    pub(super) findings: Box<[Finding]>,
    pub(super) unevaluable: Box<[Unevaluable]>,
    /// Records matched with the facts of the asset they name.
    pub(super) whole: Box<[u32]>,
}

impl Rel {
    /// What the `k`th record of `alone` gives the fact.
    pub(super) fn alone_at(&self, k: usize) -> (&[Finding], &[Unevaluable]) {
        let (f0, u0) = match k.checked_sub(1).and_then(|j| self.alone.get(j)) {
            Some(&(_, f, u)) => (f as usize, u as usize),
            None => (0, 0),
        };
        let Some(&(_, f1, u1)) = self.alone.get(k) else {
            return (&[], &[]);
        };
        (
            self.findings.get(f0..f1 as usize).unwrap_or(&[]),
            self.unevaluable.get(u0..u1 as usize).unwrap_or(&[]),
        )
    }

    /// How many findings the fact gets alone.
    pub(super) fn alone_findings(&self) -> usize {
        self.findings.len()
    }

    /// Each of `n` entries' part of what the pairs gave, in the pairs'
    /// order (the records' order).
    pub(super) fn of_results(n: usize, results: Vec<PairResults>) -> Vec<Rel> {
        let mut counts = vec![(0u32, 0u32, 0u32, 0u32); n];
        for &(e, _, nf, nu) in results.iter().flat_map(|r| &r.pairs) {
            if let Some(c) = counts.get_mut(e as usize) {
                if nf == WHOLE {
                    c.3 += 1;
                } else {
                    c.0 += 1;
                    c.1 += nf;
                    c.2 += nu;
                }
            }
        }
        #[allow(clippy::type_complexity)]
        let mut parts: Vec<(
            Vec<(u32, u32, u32)>,
            Vec<Finding>,
            Vec<Unevaluable>,
            Vec<u32>,
        )> = counts
            .iter()
            .map(|&(a, f, u, w)| {
                (
                    Vec::with_capacity(a as usize),
                    Vec::with_capacity(f as usize),
                    Vec::with_capacity(u as usize),
                    Vec::with_capacity(w as usize),
                )
            })
            .collect();
        drop(counts);
        for r in results {
            let mut fit = r.findings.into_iter();
            let mut uit = r.unevaluable.into_iter();
            for (e, rec, nf, nu) in r.pairs {
                let Some((alone, fs, us, whole)) = parts.get_mut(e as usize) else {
                    continue;
                };
                if nf == WHOLE {
                    whole.push(rec);
                } else {
                    fs.extend(fit.by_ref().take(nf as usize));
                    us.extend(uit.by_ref().take(nu as usize));
                    alone.push((rec, fs.len() as u32, us.len() as u32));
                }
            }
        }
        parts
            .into_iter()
            .map(|(alone, fs, us, whole)| Rel {
                alone: alone.into_boxed_slice(),
                findings: fs.into_boxed_slice(),
                unevaluable: us.into_boxed_slice(),
                whole: whole.into_boxed_slice(),
            })
            .collect()
    }
}

/// What a record that is not `VulnPlan::simple` gave a set of facts, by
/// its key (`Scratch::key`).
pub(super) type ComplexCache = HashMap<Box<[u32]>, (Arc<[Finding]>, Arc<[Unevaluable]>)>;

/// The parts of assets besides their facts that records use (modules,
/// fixes, the OS), each made a number the first time it is seen, so the
/// key of what a record gave is a few numbers.
#[derive(Default)]
pub(super) struct Contexts {
    pub(super) modules: HashMap<Vec<String>, u32>,
    pub(super) fixes: HashMap<Vec<String>, u32>,
    pub(super) os: HashMap<(String, Option<String>), u32>,
}

/// The numbers of one asset's parts in `Contexts`, taken when first needed.
#[derive(Default)]
pub(super) struct AssetContext {
    pub(super) modules: Option<u32>,
    pub(super) fixes: Option<u32>,
    pub(super) os: Option<u32>,
}

pub(super) fn intern<K: std::hash::Hash + Eq>(map: &mut HashMap<K, u32>, key: K) -> u32 {
    let n = map.len() as u32;
    *map.entry(key).or_insert(n)
}

impl AssetContext {
    pub(super) fn modules(&mut self, ctx: &mut Contexts, item: &InventoryItem) -> u32 {
        *self
            .modules
            .get_or_insert_with(|| match ctx.modules.get(item.modules.as_slice()) {
                Some(&n) => n,
                None => intern(&mut ctx.modules, item.modules.clone()),
            })
    }

    pub(super) fn fixes(&mut self, ctx: &mut Contexts, item: &InventoryItem) -> u32 {
        *self.fixes.get_or_insert_with(|| {
            let fixes: Vec<String> = item
                .hotfixes
                .iter()
                .cloned()
                .chain(item.kbs.iter().map(|k| k.to_string()))
                .collect();
            intern(&mut ctx.fixes, fixes)
        })
    }

    pub(super) fn os(&mut self, ctx: &mut Contexts, item: &InventoryItem) -> u32 {
        *self.os.get_or_insert_with(|| match &item.os {
            Some(o) => intern(
                &mut ctx.os,
                (o.name.clone(), o.cpe.as_ref().map(|c| c.to_string())),
            ),
            None => u32::MAX - 1,
        })
    }
}

/// What one worker of the last step reuses from asset to asset.
#[derive(Default)]
pub(super) struct Scratch {
    /// The records matched with the whole asset.
    pub(super) whole: Vec<u32>,
    /// (record and fact as one number to sort by, entry, index in the
    /// entry's `Rel::alone`).
    pub(super) alone: Vec<(u64, u32, u32)>,
    /// The key of what a record gave being looked up: the record, the
    /// numbers of the modules, fixes and OS it uses (`u32::MAX`: not used;
    /// `u32::MAX - 1`: no OS), the entries of the facts it names.
    pub(super) key: Vec<u32>,
    pub(super) complex: ComplexCache,
    pub(super) contexts: Contexts,
}

impl<'a> FactTable<'a> {
    pub(super) fn with_capacity(facts: usize) -> FactTable<'a> {
        FactTable {
            slots: HashMap::with_capacity_and_hasher(facts, HashedKeys::default()),
            key_of: Vec::with_capacity(facts),
            keys: Vec::with_capacity(facts * 48),
            entries: Vec::with_capacity(facts),
        }
    }

    /// The entry with this key, or a new one made by `new`.
    pub(super) fn find_or_add(
        &mut self,
        key: &[u8],
        hash: u64,
        new: impl FnOnce() -> Entry<'a>,
    ) -> u32 {
        let mut e = self.slots.get(&hash).copied().unwrap_or(u32::MAX);
        let mut last = u32::MAX;
        while let Some(k) = self.key_of.get(e as usize) {
            if self.keys.get(k.start..k.start + k.len as usize) == Some(key) {
                return e;
            }
            last = e;
            e = k.next;
        }
        let added = self.entries.len() as u32;
        self.key_of.push(KeyAt {
            start: self.keys.len(),
            len: key.len() as u32,
            next: u32::MAX,
        });
        self.keys.extend_from_slice(key);
        self.entries.push(new());
        match self.key_of.get_mut(last as usize) {
            Some(prev) => prev.next = added,
            None => {
                self.slots.insert(hash, added);
            }
        }
        added
    }
}

/// (The place of a fact among all the items' facts, its entry.)
pub(super) type PlacedFacts = Vec<(u32, u32)>;

/// The software and OS facts of an item, in the order `prepare` gives them.
pub(super) fn fact_sources(item: &InventoryItem) -> impl Iterator<Item = FactSource<'_>> {
    item.software
        .iter()
        .map(|sw| {
            // The modules only change BIG-IP's CPEs made from names.
            let modules: &[String] = if sw.cpe.is_none() { &item.modules } else { &[] };
            FactSource::Software(sw, modules)
        })
        .chain(item.os.iter().map(FactSource::Os))
}

/// The key of a fact source: every part its data and its label are made
/// of, each with its length (so two keys are equal exactly when the
/// sources are).
pub(super) fn write_key(src: &FactSource, out: &mut Vec<u8>) {
    fn put(out: &mut Vec<u8>, s: &str) {
        out.extend_from_slice(&(s.len() as u32).to_le_bytes());
        out.extend_from_slice(s.as_bytes());
    }
    fn put_opt(out: &mut Vec<u8>, s: Option<&str>) {
        match s {
            Some(s) => {
                out.push(1);
                put(out, s);
            }
            None => out.push(0),
        }
    }
    out.clear();
    match *src {
        FactSource::Software(sw, modules) => {
            out.push(0);
            out.push(Scheme::from(sw.scheme) as u8);
            put(out, sw.vendor.as_str());
            put(out, sw.product.as_str());
            put(out, sw.version.as_str());
            put_opt(out, sw.cpe.as_ref().map(|c| c.as_str()));
            out.extend_from_slice(&(modules.len() as u32).to_le_bytes());
            for m in modules {
                put(out, m);
            }
        }
        FactSource::Os(os) => {
            out.push(1);
            put_opt(out, os.vendor.as_deref());
            put(out, &os.name);
            put(out, &os.version);
            put_opt(out, os.build.as_deref());
            put_opt(out, os.cpe.as_ref().map(|c| c.as_str()));
        }
    }
}

/// The hasher of maps whose keys are already hashes (made with a secret
/// key, so nobody chooses them): a multiplication mixes them enough.
#[derive(Default, Clone, Copy)]
pub(super) struct MixHasher(u64);

pub(super) const MIX_K: u64 = 0x517c_c1b7_2722_0a95;

impl std::hash::Hasher for MixHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(b)).wrapping_mul(MIX_K);
        }
    }
    fn write_u64(&mut self, i: u64) {
        self.0 = (self.0.rotate_left(5) ^ i).wrapping_mul(MIX_K);
    }
    fn finish(&self) -> u64 {
        // The table takes its buckets from the low bits and its tags from
        // the high ones: mix both.
        let h = self.0;
        (h ^ (h >> 32)).wrapping_mul(MIX_K) ^ (h >> 29)
    }
}

pub(super) type HashedKeys = std::hash::BuildHasherDefault<MixHasher>;

// ------------------------------------------------------------ bulk matching

impl VulnIndex<'_> {
    /// Matches items (findings; with `full`, also what cannot be evaluated)
    /// on `threads` threads (the calling one among them), in three steps:
    ///
    /// - (A) the distinct facts of the items (software and OS), each item's
    ///   facts as entries of them;
    /// - (B) each distinct fact once: its data and the records that may
    ///   concern it (`named`), then each (record, fact) pair: what a
    ///   `VulnPlan::simple` record gives the fact alone, or whether another
    ///   may concern it;
    /// - (C) each asset from its facts' parts, the other records matched
    ///   with the facts of the asset they name (once per distinct set).
    pub(super) fn match_bulk(
        &self,
        items: &[InventoryItem],
        threads: usize,
        full: bool,
    ) -> Matched {
        let threads = threads.clamp(1, 64);
        let parallel = threads > 1 && items.len() > 1;
        let Bulk { entries, idx, rels } = self.bulk_prepare(items, threads, full);
        // (C) The assets, in pieces the threads take in turn (a thread that
        // runs slower takes fewer), each thread with its own cache of what
        // complex records give.
        let n_pieces = if parallel {
            (threads * 8).min(items.len())
        } else {
            1
        };
        let pieces = bulk_pieces(items, &idx, items.len().div_ceil(n_pieces.max(1)).max(1));
        let (entries_r, rels_r) = (&entries, &rels);
        let outs = in_turn(&pieces, threads, |scratch: &mut Scratch, &(part, ids)| {
            let mut out = Matched::default();
            // Room for what the facts give alone (most of the findings).
            let alone = |e: &u32| rels_r.get(*e as usize).map_or(0, Rel::alone_findings);
            out.findings.reserve(ids.iter().map(alone).sum());
            self.match_piece(part, ids, (entries_r, rels_r), scratch, full, &mut out);
            out
        });
        drop(pieces);
        // The pieces' results one after the other (the first piece's kept
        // as it is: a large move is not a copy) while, with several
        // threads, the others let go of what the facts hold.
        let concat = |outs: Vec<Matched>| {
            let mut outs = outs.into_iter();
            let mut out = outs.next().unwrap_or_default();
            let rest: Vec<Matched> = outs.collect();
            out.findings
                .reserve_exact(rest.iter().map(|m| m.findings.len()).sum());
            out.unevaluable
                .reserve_exact(rest.iter().map(|m| m.unevaluable.len()).sum());
            for m in rest {
                out.extend(m);
            }
            out
        };
        if !parallel {
            return concat(outs);
        }
        let bulk = Bulk { entries, idx, rels };
        std::thread::scope(|sc| {
            let dropped = sc.spawn(move || bulk.release(threads - 1));
            let out = concat(outs);
            let _ = dropped.join();
            out
        })
    }

    /// Steps (A) and (B) of `match_bulk`: the distinct facts of the items
    /// and what each record gives each of them alone.
    pub(super) fn bulk_prepare<'i>(
        &self,
        items: &'i [InventoryItem],
        threads: usize,
        full: bool,
    ) -> Bulk<'i> {
        let threads = threads.clamp(1, 64);
        let parallel = threads > 1 && items.len() > 1;
        let facts: usize = items.iter().map(facts_of).sum();
        // (A) With several threads, each keeps the facts whose key's hash
        // falls to it (so nothing is merged), and their entries are put one
        // after the other.
        let shards = if parallel { threads } else { 1 };
        // Keys are hashed with a secret key: an inventory's names cannot be
        // chosen to collide.
        let keyed = std::collections::hash_map::RandomState::new();
        let collect = |t: usize| {
            // Assets share most facts: room for a third of them distinct.
            let mut table = FactTable::with_capacity(facts / (3 * shards) + 16);
            let mut mine: PlacedFacts = Vec::with_capacity(facts / shards + 16);
            let mut key = Vec::new();
            let mut pos = 0u32;
            for it in items {
                for src in fact_sources(it) {
                    write_key(&src, &mut key);
                    let hash = std::hash::BuildHasher::hash_one(&keyed, key.as_slice());
                    if hash % shards as u64 == t as u64 {
                        mine.push((pos, table.find_or_add(&key, hash, || Entry::new(src))));
                    }
                    pos += 1;
                }
            }
            (table.entries, mine)
        };
        let shard_tables: Vec<(Vec<Entry>, PlacedFacts)> = if parallel {
            std::thread::scope(|sc| {
                let collect = &collect;
                let helpers: Vec<_> = (1..shards).map(|t| sc.spawn(move || collect(t))).collect();
                let mut all = vec![collect(0)];
                // A helper can only fail by panicking, which the engine does
                // not do; its share is then collected here.
                all.extend(
                    helpers
                        .into_iter()
                        .zip(1..)
                        .map(|(h, t)| h.join().unwrap_or_else(|_| collect(t))),
                );
                all
            })
        } else {
            vec![collect(0)]
        };
        // Each item's facts as entries, in the items' order.
        let mut idx = vec![u32::MAX; facts];
        let mut entries: Vec<Entry> =
            Vec::with_capacity(shard_tables.iter().map(|(e, _)| e.len()).sum());
        for (shard, mine) in shard_tables {
            let base = entries.len() as u32;
            for (pos, e) in mine {
                if let Some(x) = idx.get_mut(pos as usize) {
                    *x = base + e;
                }
            }
            entries.extend(shard);
        }
        // (B) Every distinct fact once, shared in blocks.
        for_blocks(&mut entries, threads, |e| self.prepare_entry(e, full));
        // Each (record, fact) pair, in the records' order (a record is read
        // once for all the versions of its product).
        let mut pairs: Vec<(u32, u32)> =
            Vec::with_capacity(entries.iter().map(|e| e.cands.len()).sum());
        for (i, e) in entries.iter_mut().enumerate() {
            pairs.extend(
                std::mem::take(&mut e.cands)
                    .into_iter()
                    .map(|r| (r, i as u32)),
            );
        }
        pairs.sort_unstable();
        let chunks: Vec<&[(u32, u32)]> = pairs
            .chunks(pairs.len().div_ceil(threads * 8).max(64))
            .collect();
        let results: Vec<PairResults> = in_turn(&chunks, threads, |_: &mut (), part| {
            let mut r = PairResults::default();
            for &(rec, e) in *part {
                let Some(x) = entries.get(e as usize) else {
                    continue;
                };
                let (nf, nu) = (r.findings.len(), r.unevaluable.len());
                match self.eval_pair(rec, x, full, &mut r.findings, &mut r.unevaluable) {
                    Some(true) => r.pairs.push((e, rec, WHOLE, 0)),
                    Some(false) => r.pairs.push((
                        e,
                        rec,
                        (r.findings.len() - nf) as u32,
                        (r.unevaluable.len() - nu) as u32,
                    )),
                    None => {}
                }
            }
            r
        });
        drop(chunks);
        drop(pairs);
        let rels = Rel::of_results(entries.len(), results);
        Bulk { entries, idx, rels }
    }

    /// The assets of one piece, their facts being `ids` of `entries`,
    /// added to `out`.
    pub(super) fn match_piece(
        &self,
        part: &[InventoryItem],
        ids: &[u32],
        (entries, rels): (&[Entry], &[Rel]),
        scratch: &mut Scratch,
        full: bool,
        out: &mut Matched,
    ) {
        let mut pos = 0;
        for it in part {
            let n = facts_of(it);
            let ents = ids.get(pos..pos + n).unwrap_or(&[]);
            pos += n;
            self.match_entries(it, ents, (entries, rels), scratch, full, out);
        }
    }

    /// A fact no record can name (in-house software, say): its data without
    /// CPEs, as nothing is matched with them.
    pub(super) fn unnamed_fact(&self, src: FactSource) -> Option<FactData> {
        let known = self.known.as_ref()?;
        let (vendor, product, version, scheme) = match src {
            FactSource::Software(sw, _) if sw.cpe.is_none() => (
                sw.vendor.as_str(),
                sw.product.as_str(),
                sw.version.as_str(),
                Scheme::from(sw.scheme),
            ),
            // An OS's names and CPEs are read (`os`): never short-cut.
            _ => return None,
        };
        let product_n = norm(product);
        if known.contains(&product_key(&product_n)) {
            return None;
        }
        if let Some(k) = cpe::name_key(vendor, product) {
            // BIG-IP's module CPEs come from its modules: not read here.
            if known.contains(&k) || eq_norm(vendor, "f5") {
                return None;
            }
        }
        Some(FactData::new(
            vendor,
            product,
            Some(&product_n),
            version,
            scheme,
            Vec::new(),
        ))
    }

    /// Prepares a distinct fact: its data, and the records that may concern
    /// it (`cands`, by name and version span).
    pub(super) fn prepare_entry(&self, e: &mut Entry, full: bool) {
        if let Some(data) = self.unnamed_fact(e.src) {
            e.data = Some(data);
            return;
        }
        let data = e.src.build();
        thread_local! {
            /// The records found for a fact, before they are kept.
            static NAMED: std::cell::RefCell<Vec<u32>> = const { std::cell::RefCell::new(Vec::new()) };
        }
        NAMED.with_borrow_mut(|named| {
            self.named_into(&data, true, full, named);
            e.cands = named.as_slice().to_vec();
        });
        if !e.cands.is_empty() {
            // Its words, for the records that find it alone.
            let _ = data.label.set(e.src.label(&data));
        }
        e.data = Some(data);
    }

    /// What record `rec` gives a distinct fact: for a `VulnPlan::simple`
    /// record, its findings (and unevaluable) for the fact alone, added to
    /// `findings` and `unevaluable` (`Some(false)`; `None` when it gives
    /// nothing); for another, `Some(true)` when it may concern the fact
    /// (`fact_relevant`): it is then matched with each asset.
    pub(super) fn eval_pair(
        &self,
        rec: u32,
        e: &Entry,
        full: bool,
        findings: &mut Vec<Finding>,
        unevaluable: &mut Vec<Unevaluable>,
    ) -> Option<bool> {
        let (v, plan) = (self.vulns.get(rec as usize)?, self.plans.get(rec as usize)?);
        let data = e.data.as_ref()?;
        if !plan.simple {
            return fact_relevant(v, plan, data, full).then_some(true);
        }
        let p = alone_prepared(e.src, data);
        let (nf, nu) = (findings.len(), unevaluable.len());
        match_planned_into(v, plan, &p, findings, full.then_some(unevaluable));
        (findings.len() > nf || unevaluable.len() > nu).then_some(false)
    }

    /// One asset, its software and OS facts being `ents` of `table`.
    pub(super) fn match_entries(
        &self,
        item: &InventoryItem,
        ents: &[u32],
        (entries, rels): (&[Entry], &[Rel]),
        scratch: &mut Scratch,
        full: bool,
        out: &mut Matched,
    ) {
        let entry = |e: u32| entries.get(e as usize);
        let rel = |e: u32| rels.get(e as usize);
        // Records matched with the facts they name, and what simple records
        // give each fact alone: (record, fact, entry, index in its list).
        scratch.whole.clear();
        scratch.alone.clear();
        for (fi, &e) in ents.iter().enumerate() {
            if let Some(rel) = rel(e) {
                scratch.whole.extend_from_slice(&rel.whole);
                scratch.alone.extend(
                    rel.alone
                        .iter()
                        .enumerate()
                        .map(|(k, &(rec, ..))| ((u64::from(rec) << 32) | fi as u64, e, k as u32)),
                );
            }
        }
        scratch.whole.sort_unstable();
        scratch.whole.dedup();
        // (record, fact) is unique: the order of a record's facts is theirs.
        scratch.alone.sort_unstable_by_key(|x| x.0);
        let stamp_f = |f: &Finding| Finding {
            asset_id: item.asset_id,
            ..f.clone()
        };
        let stamp_u = |u: &Unevaluable| Unevaluable {
            asset_id: item.asset_id,
            ..u.clone()
        };
        // The asset made ready only for the records matched with it whole.
        let p = (!scratch.whole.is_empty()).then(|| {
            let mut k = 0;
            prepare_with(item, |src| {
                let d = match ents
                    .get(k)
                    .and_then(|&e| entry(e))
                    .and_then(|x| x.data.as_ref())
                {
                    Some(d) => FactRef::Shared(d),
                    None => FactRef::Own(Arc::new(src.build())),
                };
                k += 1;
                d
            })
        });
        let mut ctx = AssetContext::default();
        let (mut a, mut w) = (0, 0);
        loop {
            // Records in order: the lower of the two lists next.
            let (next_whole, next_alone) = (scratch.whole.get(w), scratch.alone.get(a));
            let take_whole = match (next_whole, next_alone) {
                (Some(&wr), Some(&(ar, ..))) => u64::from(wr) < ar >> 32,
                (Some(_), None) => true,
                (None, Some(_)) => false,
                (None, None) => break,
            };
            if take_whole {
                let Some(&i) = next_whole else { break };
                w += 1;
                let Some(p) = &p else { continue };
                let (found, unev) =
                    self.with_named_facts(i, item, p, ents, scratch, &mut ctx, full);
                out.findings.extend(found.iter().map(stamp_f));
                out.unevaluable.extend(unev.iter().map(stamp_u));
            } else if let Some(&(_, e, k)) = next_alone {
                a += 1;
                // One record and one fact (the facts of a record come in
                // the facts' order).
                if let Some(rel) = rel(e) {
                    let (findings, unevaluable) = rel.alone_at(k as usize);
                    out.findings.extend(findings.iter().map(stamp_f));
                    out.unevaluable.extend(unevaluable.iter().map(stamp_u));
                }
            }
        }
    }

    /// What record `i` gives the facts of `item` it can name (with the
    /// modules, fixes and OS when its rules use them), `asset_id` 0: made
    /// once per distinct set, then taken from the cache.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn with_named_facts(
        &self,
        i: u32,
        item: &InventoryItem,
        p: &Prepared,
        entry_of: &[u32],
        scratch: &mut Scratch,
        ctx: &mut AssetContext,
        full: bool,
    ) -> (Arc<[Finding]>, Arc<[Unevaluable]>) {
        let empty = || (Arc::from(Vec::new()), Arc::from(Vec::new()));
        let (Some(v), Some(plan)) = (self.vulns.get(i as usize), self.plans.get(i as usize)) else {
            return empty();
        };
        // (A record names few keys: looked through, not halved.)
        let has = |keys: &[u64], k: u64| {
            if keys.len() <= 16 {
                keys.contains(&k)
            } else {
                keys.binary_search(&k).is_ok()
            }
        };
        let names = |f: &FactData| match &plan.names {
            None => true,
            Some(keys) => {
                has(keys, f.name_key)
                    || f.aliases.iter().any(|a| has(keys, product_key(a)))
                    || f.candidates
                        .iter()
                        .any(|c| c.cpe.vendor_product_key().is_none_or(|k| has(keys, k)))
            }
        };
        let os_index = item.os.as_ref().map(|_| item.software.len());
        let key = &mut scratch.key;
        key.clear();
        key.push(i);
        key.push(if plan.uses_modules {
            ctx.modules(&mut scratch.contexts, item)
        } else {
            u32::MAX
        });
        key.push(if plan.uses_fixes {
            ctx.fixes(&mut scratch.contexts, item)
        } else {
            u32::MAX
        });
        key.push(if plan.uses_os {
            ctx.os(&mut scratch.contexts, item)
        } else {
            u32::MAX
        });
        let mut platform = false;
        for (fi, f) in p.facts.iter().enumerate() {
            if names(f) || (plan.uses_os && Some(fi) == os_index) {
                match entry_of.get(fi) {
                    Some(&e) => key.push(e),
                    None => platform = true,
                }
            }
        }
        if platform {
            // A platform CPE of the asset: matched with the whole asset.
            let mut m = Matched::default();
            let unev = full.then_some(&mut m.unevaluable);
            match_planned_into(v, plan, p, &mut m.findings, unev);
            return (m.findings.into(), m.unevaluable.into());
        }
        if let Some(hit) = scratch.complex.get(key.as_slice()) {
            return hit.clone();
        }
        let named: Vec<usize> = p
            .facts
            .iter()
            .enumerate()
            .filter(|&(fi, f)| names(f) || (plan.uses_os && Some(fi) == os_index))
            .map(|(fi, _)| fi)
            .collect();
        // The asset reduced to those facts, and to the parts of it the
        // record uses.
        let os_named = os_index.is_some_and(|o| named.contains(&o));
        let q = Prepared {
            item,
            facts: named
                .iter()
                .filter_map(|&fi| p.facts.get(fi).cloned())
                .collect(),
            modules: if plan.uses_modules {
                p.modules.clone()
            } else {
                Vec::new()
            },
            fixes: if plan.uses_fixes {
                p.fixes.clone()
            } else {
                Vec::new()
            },
            os_names: if os_named {
                p.os_names.clone()
            } else {
                Vec::new()
            },
            os_cpes: if os_named {
                p.os_cpes.clone()
            } else {
                Vec::new()
            },
        };
        let mut m = Matched::default();
        let unev = full.then_some(&mut m.unevaluable);
        match_planned_into(v, plan, &q, &mut m.findings, unev);
        let r: (Arc<[Finding]>, Arc<[Unevaluable]>) = (m.findings.into(), m.unevaluable.into());
        scratch
            .complex
            .insert(scratch.key.as_slice().into(), r.clone());
        r
    }
}

/// Matches every asset against every vulnerability, through a `VulnIndex`,
/// on all available cores; findings come in the order of `items`.
pub fn match_all(vulns: &[Vuln], items: &[InventoryItem]) -> Vec<Finding> {
    let idx = VulnIndex::new(vulns);
    idx.match_items(items)
}

impl VulnIndex<'_> {
    /// The findings for many assets, on all available cores, in order.
    pub fn match_items(&self, items: &[InventoryItem]) -> Vec<Finding> {
        let threads = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
            .clamp(1, 16);
        self.match_items_on(items, threads)
    }

    /// As `match_items`, on `threads` threads (1: on the calling thread).
    pub fn match_items_on(&self, items: &[InventoryItem], threads: usize) -> Vec<Finding> {
        self.match_bulk(items, threads, false).findings
    }

    /// `match_item_full` for many assets, on all available cores, in order.
    pub fn match_items_full(&self, items: &[InventoryItem]) -> Matched {
        let threads = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
            .clamp(1, 16);
        self.match_items_full_on(items, threads)
    }

    /// As `match_items_full`, on `threads` threads.
    pub fn match_items_full_on(&self, items: &[InventoryItem], threads: usize) -> Matched {
        self.match_bulk(items, threads, true)
    }
}

/// `f` on every element, on `threads` threads taking blocks in turn.
pub(super) fn for_blocks<T: Send>(items: &mut [T], threads: usize, f: impl Fn(&mut T) + Sync) {
    if threads <= 1 || items.len() < 64 {
        items.iter_mut().for_each(&f);
        return;
    }
    let blocks = std::sync::Mutex::new(items.chunks_mut(32));
    let work = || loop {
        let block = match blocks.lock() {
            Ok(mut q) => q.next(),
            Err(_) => None,
        };
        let Some(block) = block else { break };
        block.iter_mut().for_each(&f);
    };
    // The calling thread is one of them.
    std::thread::scope(|sc| {
        for _ in 1..threads {
            sc.spawn(work);
        }
        work();
    });
}

/// `f` on each of `pieces`, on `threads` threads (the calling one among
/// them) taking the pieces in turn, each thread with its own `S`; the
/// results in the pieces' order.
pub(super) fn in_turn<P: Sync, S: Default, R: Send>(
    pieces: &[P],
    threads: usize,
    f: impl Fn(&mut S, &P) -> R + Sync,
) -> Vec<R> {
    if threads <= 1 || pieces.len() <= 1 {
        let mut s = S::default();
        return pieces.iter().map(|p| f(&mut s, p)).collect();
    }
    let next = std::sync::atomic::AtomicUsize::new(0);
    let done = std::sync::Mutex::new(Vec::with_capacity(pieces.len()));
    let work = || {
        let mut s = S::default();
        loop {
            let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let Some(p) = pieces.get(i) else { break };
            let r = f(&mut s, p);
            if let Ok(mut d) = done.lock() {
                d.push((i, r));
            }
        }
    };
    std::thread::scope(|sc| {
        let helpers: Vec<_> = (1..threads.min(pieces.len()))
            .map(|_| sc.spawn(work))
            .collect();
        work();
        for h in helpers {
            // A helper can only fail by panicking, which the engine does
            // not do; what it left undone is done below.
            let _ = h.join();
        }
    });
    let mut done = done.into_inner().unwrap_or_else(|e| e.into_inner());
    if done.len() < pieces.len() {
        let mut have = vec![false; pieces.len()];
        for (i, _) in &done {
            if let Some(h) = have.get_mut(*i) {
                *h = true;
            }
        }
        let mut s = S::default();
        for (i, p) in pieces.iter().enumerate() {
            if !have[i] {
                done.push((i, f(&mut s, p)));
            }
        }
    }
    done.sort_unstable_by_key(|(i, _)| *i);
    done.into_iter().map(|(_, r)| r).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Keys with the same hash are told apart by the key itself.
    #[test]
    fn fact_table_chains_keys_with_one_hash() {
        let sw: Vec<Software> = ["A|B|1|dotted", "A|B|2|dotted", "A|C|1|dotted"]
            .iter()
            .map(|s| s.parse().unwrap())
            .collect();
        let mut t = FactTable::with_capacity(1);
        let mut ids = Vec::new();
        for round in 0..2 {
            for s in &sw {
                let src = FactSource::Software(s, &[]);
                let mut key = Vec::new();
                write_key(&src, &mut key);
                // Every key with the same hash.
                ids.push((round, t.find_or_add(&key, 7, || Entry::new(src))));
            }
        }
        assert_eq!(ids, vec![(0, 0), (0, 1), (0, 2), (1, 0), (1, 1), (1, 2)]);
        assert_eq!(t.entries.len(), 3);
    }

    /// Two sources are one fact exactly when their keys are equal, and an
    /// OS without a vendor is not one with an empty vendor (their words
    /// differ).
    #[test]
    fn fact_keys_tell_sources_apart() {
        let key = |src: FactSource| {
            let mut k = Vec::new();
            write_key(&src, &mut k);
            k
        };
        let a: Software = "A|B|1|dotted".parse().unwrap();
        let b: Software = "A|B|1|semver".parse().unwrap();
        let mods = vec!["APM".to_string()];
        assert_ne!(
            key(FactSource::Software(&a, &[])),
            key(FactSource::Software(&b, &[]))
        );
        assert_ne!(
            key(FactSource::Software(&a, &[])),
            key(FactSource::Software(&a, &mods))
        );
        let os = |vendor: Option<&str>| Os {
            vendor: vendor.map(str::to_string),
            name: "Windows 10".into(),
            version: "10.0".into(),
            build: None,
            cpe: None,
        };
        let (none, empty) = (os(None), os(Some("")));
        assert_ne!(key(FactSource::Os(&none)), key(FactSource::Os(&empty)));
        assert_eq!(key(FactSource::Os(&none)), key(FactSource::Os(&os(None))));
    }
}
