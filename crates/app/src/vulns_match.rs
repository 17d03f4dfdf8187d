//! A matching run (`vuln match`): every asset against every stored record,
//! the findings brought up to date.
//!
//! At the scale of a province (a hundred thousand assets, a million
//! installed products, millions of findings) a run never holds the
//! engine's findings: the engine hands them over a few hundred assets at a
//! time (`VulnIndex::match_items_each`) and each thread keeps a finding as
//! four numbers (`Pick`: the asset, the record, its shared evidence, its
//! shared assessment). The texts are made once per shared part, and only
//! for the findings that are written.

use crate::vulns::{must_coordinate, MatchRun};
use crate::vulns_records::{par_map, Fnv, Phases};
use crate::{App, AppError, Result};
use chrono::NaiveDate;
use domain::Scope;
use std::collections::HashMap;
use std::sync::Arc;
use vulnmatch::matching::{Evidence, InventoryItem, UnevaluableStatement, VulnIndex};
use vulnmatch::priority::{Context, Decision, DecisionTable, Policy, Sla};
use vulnmatch::CveId;

// ------------------------------------------------------------ numbers

/// The hasher of maps keyed by numbers the run itself holds (asset ids,
/// CVE ids from the stored records, addresses of shared evidence): nobody
/// outside chooses them to collide, and millions of lookups are made.
#[derive(Default, Clone, Copy)]
pub(crate) struct NumHasher(u64);

const MIX: u64 = 0x9e37_79b9_7f4a_7c15;

impl std::hash::Hasher for NumHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(b)).wrapping_mul(MIX);
        }
    }
    fn write_u64(&mut self, i: u64) {
        self.0 = (self.0.rotate_left(5) ^ i).wrapping_mul(MIX);
    }
    fn write_usize(&mut self, i: usize) {
        self.write_u64(i as u64);
    }
    fn write_i64(&mut self, i: i64) {
        self.write_u64(i as u64);
    }
    fn write_u16(&mut self, i: u16) {
        self.write_u64(u64::from(i));
    }
    fn finish(&self) -> u64 {
        // hashbrown takes buckets from the low bits, tags from the high ones.
        let h = self.0;
        (h ^ (h >> 32)).wrapping_mul(MIX) ^ (h >> 29)
    }
}

pub(crate) type Nums = std::hash::BuildHasherDefault<NumHasher>;

// ------------------------------------------------------------ picks

/// One finding (or one "cannot be evaluated" statement) of a run by
/// numbers: the asset (its place among the run's assets, which are in
/// order of id), the record (its place among the records), and its shared
/// evidence (or statement) and assessment.
#[derive(Clone, Copy)]
pub(crate) struct Pick {
    pub(crate) asset: u32,
    pub(crate) rec: u32,
    pub(crate) evidence: u32,
    pub(crate) assessed: u32,
}

impl Pick {
    fn key(&self) -> u64 {
        (u64::from(self.asset) << 32) | u64::from(self.rec)
    }
}

/// What one matching thread keeps of the pieces it is handed.
#[derive(Default)]
struct Sink {
    picks: Vec<Pick>,
    /// The distinct evidence of its picks, by the address of the shared
    /// value (its own clone keeps the address valid and unique).
    evidence: Vec<Arc<Evidence>>,
    evidence_at: HashMap<usize, u32, Nums>,
    unevaluable: Vec<Pick>,
    statements: Vec<Arc<UnevaluableStatement>>,
    statement_at: HashMap<usize, u32, Nums>,
    excluded_by_hotfix: usize,
}

/// Where the run's assets and records are, by id.
struct Places<'a> {
    asset_of: &'a HashMap<i64, u32, Nums>,
    rec_of: &'a HashMap<CveId, u32, Nums>,
}

fn intern<T>(at: &mut HashMap<usize, u32, Nums>, list: &mut Vec<Arc<T>>, x: &Arc<T>) -> u32 {
    *at.entry(Arc::as_ptr(x) as usize).or_insert_with(|| {
        list.push(Arc::clone(x));
        (list.len() - 1) as u32
    })
}

impl Sink {
    fn take(&mut self, m: &vulnmatch::matching::Matched, at: &Places) {
        for f in &m.findings {
            let Some(&asset) = at.asset_of.get(&f.asset_id) else {
                continue;
            };
            if !f.is_affected() {
                self.excluded_by_hotfix += 1;
                continue;
            }
            let Some(&rec) = at.rec_of.get(&f.cve) else {
                continue;
            };
            let evidence = intern(&mut self.evidence_at, &mut self.evidence, &f.evidence);
            self.picks.push(Pick {
                asset,
                rec,
                evidence,
                assessed: 0,
            });
        }
        for u in &m.unevaluable {
            let (Some(&asset), Some(&rec)) = (at.asset_of.get(&u.asset_id), at.rec_of.get(&u.cve))
            else {
                continue;
            };
            let statement = intern(&mut self.statement_at, &mut self.statements, &u.statement);
            self.unevaluable.push(Pick {
                asset,
                rec,
                evidence: statement,
                assessed: 0,
            });
        }
    }
}

/// The threads' picks as one list, their shared parts numbered anew in one
/// list of distinct values (by address, as each thread numbered them).
fn merge<T>(parts: Vec<(Vec<Pick>, Vec<Arc<T>>)>) -> (Vec<Pick>, Vec<Arc<T>>) {
    let mut at: HashMap<usize, u32, Nums> = HashMap::default();
    let mut all: Vec<Arc<T>> = Vec::new();
    let mut picks: Vec<Pick> = Vec::with_capacity(parts.iter().map(|(p, _)| p.len()).sum());
    for (mut mine, shared) in parts {
        let global: Vec<u32> = shared
            .iter()
            .map(|x| intern(&mut at, &mut all, x))
            .collect();
        drop(shared);
        for p in &mut mine {
            p.evidence = global.get(p.evidence as usize).copied().unwrap_or(u32::MAX);
        }
        picks.append(&mut mine);
    }
    (picks, all)
}

// ------------------------------------------------------------ what a run found

/// A record's evidence as it is stored: the JSON, the key that says which
/// statement and fact it is, and the JSON's digest.
pub(crate) struct EvidenceText {
    pub(crate) json: Box<str>,
    pub(crate) key: Box<str>,
    pub(crate) digest: u64,
    /// The digest of the JSON alone: its shared row (`vuln_texts`).
    pub(crate) text_digest: i64,
}

impl EvidenceText {
    fn of(e: &Evidence) -> EvidenceText {
        let json = serde_json::to_string(e).unwrap_or_default();
        let digest = Fnv::new().bytes(json.as_bytes()).get();
        let key = format!("{}|{}|{}", e.record, e.rule, e.inventory_fact);
        EvidenceText {
            digest: Fnv::new().u64(digest as u64).bytes(key.as_bytes()).get() as u64,
            text_digest: digest,
            json: json.into(),
            key: key.into(),
        }
    }
}

/// The priority of a record for one kind of system (internet-facing or
/// not, security level): the same for every asset of that kind.
pub(crate) struct Assessed {
    pub(crate) decision: Decision,
    pub(crate) reasons: Box<str>,
    pub(crate) digest: u64,
}

/// What a run found, in the order of (asset, record), with the shared texts.
pub(crate) struct Found {
    pub(crate) picks: Vec<Pick>,
    pub(crate) evidence: Vec<EvidenceText>,
    pub(crate) assessed: Vec<Assessed>,
    /// The run's assets in order of id (a pick's `asset` is a place here).
    pub(crate) assets: Vec<store::vulns::AssetForMatch>,
    /// The records' ids (a pick's `rec` is a place here), and their places.
    pub(crate) cves: Vec<CveId>,
    pub(crate) rec_of: HashMap<CveId, u32, Nums>,
    pub(crate) warning_deadline: HashMap<CveId, NaiveDate>,
    pub(crate) slas: [Sla; 5],
    /// The shared rows (`vuln_texts`) of the evidence and of the reasons
    /// that are written, by place (`None`: written inline).
    pub(crate) evidence_ids: Vec<Option<i64>>,
    pub(crate) reasons_ids: Vec<Option<i64>>,
}

pub(crate) fn level_of(f: &store::vulns::AssetForMatch) -> u8 {
    f.level.unwrap_or(1).clamp(1, 5) as u8
}

impl Found {
    /// The pick of `(asset, cve)`, by binary search.
    pub(crate) fn find(&self, asset_id: i64, cve: CveId) -> Option<usize> {
        let asset = self
            .assets
            .binary_search_by_key(&asset_id, |a| a.asset_id)
            .ok()?;
        let rec = *self.rec_of.get(&cve)?;
        let key = ((asset as u64) << 32) | u64::from(rec);
        self.picks.binary_search_by_key(&key, Pick::key).ok()
    }

    /// The finding's deadline, counted from `detected`, and its digest.
    #[allow(clippy::type_complexity)]
    fn decided(
        &self,
        i: usize,
        detected: NaiveDate,
    ) -> Option<(
        &Pick,
        &store::vulns::AssetForMatch,
        CveId,
        &EvidenceText,
        &Assessed,
        NaiveDate,
        vulnmatch::priority::DeadlineBy,
        i64,
    )> {
        use chrono::Datelike;
        let p = self.picks.get(i)?;
        let asset = self.assets.get(p.asset as usize)?;
        let cve = *self.cves.get(p.rec as usize)?;
        let e = self.evidence.get(p.evidence as usize)?;
        let a = self.assessed.get(p.assessed as usize)?;
        let sla = self.slas.get(usize::from(level_of(asset) - 1))?;
        let (deadline, by) = vulnmatch::priority::deadline_explained(
            a.decision,
            self.warning_deadline.get(&cve).copied(),
            sla,
            detected,
        );
        let digest = Fnv::new()
            .bytes(a.decision.as_str().as_bytes())
            .u64(deadline.num_days_from_ce() as u64)
            .bytes(by.as_str().as_bytes())
            .u64(e.digest)
            .u64(a.digest)
            .u64(asset.system_id as u64)
            .get();
        Some((p, asset, cve, e, a, deadline, by, digest))
    }

    /// The finding as the store writes it, its deadline counted from
    /// `detected` (today for a new finding, the first detection for a
    /// known one).
    pub(crate) fn row(&self, i: usize, detected: NaiveDate) -> Option<store::vuln_match::Matched> {
        let (p, asset, cve, e, a, deadline, by, digest) = self.decided(i, detected)?;
        let text = |id: Option<&Option<i64>>, body: &str| match id.copied().flatten() {
            Some(id) => store::vuln_match::FindingText::Shared(id),
            None => store::vuln_match::FindingText::Inline(body.to_string()),
        };
        Some(store::vuln_match::Matched {
            asset_id: asset.asset_id,
            system_id: asset.system_id,
            cve: cve.to_string(),
            priority: a.decision.as_str().to_string(),
            deadline,
            deadline_by: by.as_str().to_string(),
            evidence: text(self.evidence_ids.get(p.evidence as usize), &e.json),
            evidence_key: e.key.to_string(),
            reasons: text(self.reasons_ids.get(p.assessed as usize), &a.reasons),
            digest,
        })
    }

    /// Only the digest of `row(i, detected)`, without making its text.
    pub(crate) fn digest(&self, i: usize, detected: NaiveDate) -> Option<i64> {
        self.decided(i, detected).map(|d| d.7)
    }

    /// The evidence key of pick `i`.
    pub(crate) fn evidence_key(&self, i: usize) -> Option<&str> {
        let p = self.picks.get(i)?;
        self.evidence.get(p.evidence as usize).map(|e| &*e.key)
    }
}

/// The "cannot be evaluated" statements of a run: per asset and record, a
/// shared statement; and the digest of the whole list, which does not
/// depend on the order the threads found them in.
pub(crate) struct Unevaluables {
    pub(crate) rows: Vec<Pick>,
    statements: Vec<Arc<UnevaluableStatement>>,
    pub(crate) digest: i64,
}

impl Unevaluables {
    fn new(
        mut rows: Vec<Pick>,
        statements: Vec<Arc<UnevaluableStatement>>,
        assets: &[store::vulns::AssetForMatch],
        cves: &[CveId],
    ) -> Unevaluables {
        rows.sort_unstable_by_key(|p| (p.key(), p.evidence));
        let said: Vec<u64> = statements
            .iter()
            .map(|u| {
                Fnv::new()
                    .bytes(u.source.as_str().as_bytes())
                    .bytes(u.record.as_bytes())
                    .bytes(u.rule.as_bytes())
                    .bytes(u.inventory_fact.as_bytes())
                    .bytes(u.reason.as_bytes())
                    .get() as u64
            })
            .collect();
        // The sum of each entry's digest: the same list in any order has
        // the same sum.
        let mut sum = 0u64;
        for p in &rows {
            let (asset_id, system_id) = assets
                .get(p.asset as usize)
                .map_or((0, 0), |a| (a.asset_id, a.system_id));
            let cve = cves.get(p.rec as usize);
            let one = Fnv::new()
                .u64(asset_id as u64)
                .u64(system_id as u64)
                .u64(cve.map_or(0, |c| u64::from(c.year())))
                .u64(cve.map_or(0, |c| c.number()))
                .u64(said.get(p.evidence as usize).copied().unwrap_or(0))
                .get() as u64;
            sum = sum.wrapping_add(one);
        }
        let digest = Fnv::new()
            .bytes(b"unevaluable-v2")
            .u64(sum)
            .u64(rows.len() as u64)
            .get();
        Unevaluables {
            rows,
            statements,
            digest,
        }
    }

    pub(crate) fn store_rows(
        &self,
        part: &[Pick],
        assets: &[store::vulns::AssetForMatch],
        cves: &[CveId],
    ) -> Vec<store::vulns::Unevaluable> {
        part.iter()
            .filter_map(|p| {
                let a = assets.get(p.asset as usize)?;
                let u = self.statements.get(p.evidence as usize)?;
                Some(store::vulns::Unevaluable {
                    asset_id: a.asset_id,
                    system_id: a.system_id,
                    cve: cves.get(p.rec as usize)?.to_string(),
                    source: u.source.to_string(),
                    record: u.record.clone(),
                    rule: u.rule.clone(),
                    inventory_fact: u.inventory_fact.clone(),
                    reason: u.reason.clone(),
                })
            })
            .collect()
    }
}

// ------------------------------------------------------------ the run

impl App {
    /// Matches every asset against every known record and brings the
    /// findings up to date: new ones open, known ones refreshed, those no
    /// longer in range resolved by the update, disputed ones reopened when
    /// their evidence changed.
    pub async fn match_inventory(&self, scope: &Scope) -> Result<MatchRun> {
        must_coordinate(scope, "runs the matcher")?;
        let mut phases = Phases::start();
        let vulns = self.records_for_matching(scope).await?;
        phases.mark("load records");
        let mut assets = store::vulns::assets_for_match(&mut self.store.conn()).await?;
        assets.sort_by_key(|a| a.asset_id);
        assets.dedup_by_key(|a| a.asset_id);
        let system = self.system_scope().await?;
        let mut warning_deadline: HashMap<CveId, NaiveDate> = HashMap::new();
        for w in self.warnings().await? {
            if let (Some(d), Some(_)) = (w.deadline, w.published_at) {
                for c in w.cve_list() {
                    if let Ok(id) = c.parse::<CveId>() {
                        let e = warning_deadline.entry(id).or_insert(d);
                        *e = (*e).min(d);
                    }
                }
            }
        }
        let asset_of: HashMap<i64, u32, Nums> = assets
            .iter()
            .enumerate()
            .map(|(i, a)| (a.asset_id, i as u32))
            .collect();
        // Every asset in pages of the registry's keyset list, each made an
        // inventory item as it comes (its lists moved, not copied). An
        // asset removed since the first read is simply not matched.
        let mut items: Vec<InventoryItem> = Vec::with_capacity(assets.len());
        let mut page_filter = store::assets::AssetFilter {
            limit: 1000,
            ..Default::default()
        };
        loop {
            let page = store::assets::list(&mut self.store.conn(), &system, &page_filter).await?;
            for a in page.items {
                let Some(f) = asset_of.get(&a.id).and_then(|&i| assets.get(i as usize)) else {
                    continue;
                };
                items.push(InventoryItem::from_asset_owned(
                    a.id,
                    a.data,
                    f.internet_facing,
                    level_of(f),
                ));
            }
            match page.next {
                Some(after) => page_filter.after = Some(after),
                None => break,
            }
        }
        phases.mark("load assets");
        let rec_of: HashMap<CveId, u32, Nums> = vulns
            .iter()
            .enumerate()
            .map(|(i, v)| (v.id, i as u32))
            .collect();
        let table = DecisionTable::deployer_v2();
        let policy = Policy::default();
        // Building the index and matching are CPU work on every core: off
        // the async workers. The findings are kept as numbers as they come.
        let (found_parts, phases, assets, asset_of, rec_of) =
            tokio::task::spawn_blocking(move || {
                let index = VulnIndex::new(&vulns);
                phases.mark("index");
                let threads = std::thread::available_parallelism()
                    .map(|n| n.get())
                    .unwrap_or(1)
                    .clamp(1, 16);
                let at = Places {
                    asset_of: &asset_of,
                    rec_of: &rec_of,
                };
                let sinks = index
                    .match_items_each(&items, threads, true, Sink::default, |s, m| s.take(m, &at));
                drop(index);
                drop(items);
                phases.mark("match");
                let parts = assess_picks(sinks, &vulns, &assets, &table, &policy);
                (parts, phases, assets, asset_of, rec_of)
            })
            .await
            .map_err(|e| AppError::Internal(format!("the matcher stopped: {e}")))?;
        drop(asset_of);
        let mut phases = phases;
        let Assessment {
            picks,
            evidence,
            assessed,
            cves,
            unevaluable,
            excluded_by_hotfix,
        } = found_parts;
        let unevaluable = Unevaluables::new(unevaluable.0, unevaluable.1, &assets, &cves);
        let found = Found {
            picks,
            evidence,
            assessed,
            assets,
            cves,
            rec_of,
            warning_deadline,
            slas: self.config.vuln_sla,
            evidence_ids: Vec::new(),
            reasons_ids: Vec::new(),
        };
        let mut run = MatchRun {
            assets: found.assets.len(),
            vulns: found.cves.len(),
            excluded_by_hotfix,
            ..Default::default()
        };
        phases.mark("assess");
        self.bring_up_to_date(found, unevaluable, &mut run, &mut phases)
            .await?;
        run.phases = phases.finish();
        Ok(run)
    }
}

/// The threads' findings as one list in the order of (asset, record), each
/// with its evidence as stored and its priority (assessed once per record
/// and kind of system); the "cannot be evaluated" statements beside.
struct Assessment {
    picks: Vec<Pick>,
    evidence: Vec<EvidenceText>,
    assessed: Vec<Assessed>,
    cves: Vec<CveId>,
    unevaluable: (Vec<Pick>, Vec<Arc<UnevaluableStatement>>),
    excluded_by_hotfix: usize,
}

fn assess_picks(
    sinks: Vec<Sink>,
    vulns: &[vulnmatch::Vuln],
    assets: &[store::vulns::AssetForMatch],
    table: &DecisionTable,
    policy: &Policy,
) -> Assessment {
    let excluded_by_hotfix = sinks.iter().map(|s| s.excluded_by_hotfix).sum();
    let mut found = Vec::with_capacity(sinks.len());
    let mut unev = Vec::with_capacity(sinks.len());
    for s in sinks {
        found.push((s.picks, s.evidence));
        unev.push((s.unevaluable, s.statements));
    }
    let (mut picks, evidence) = merge(found);
    let unevaluable = merge(unev);
    // The evidence as stored, on every core.
    let evidence: Vec<EvidenceText> = par_map(&evidence, |e| EvidenceText::of(e));
    // Two facts of one asset can meet the same CVE: one finding, whose
    // evidence does not depend on the order they come in (a changed
    // evidence reopens a disputed finding): the least evidence key.
    picks.sort_unstable_by_key(Pick::key);
    let key_of = |p: &Pick| evidence.get(p.evidence as usize).map(|e| &e.key);
    picks.dedup_by(|later, first| {
        if later.key() != first.key() {
            return false;
        }
        if key_of(later) < key_of(first) {
            std::mem::swap(later, first);
        }
        true
    });
    // The priority once per record and kind of system (internet-facing or
    // not, level 1–5): a dense table of their places.
    let mut assessed_at = vec![u32::MAX; vulns.len() * 10];
    let mut assessed: Vec<Assessed> = Vec::new();
    for p in &mut picks {
        let Some(asset) = assets.get(p.asset as usize) else {
            continue;
        };
        let level = level_of(asset);
        let slot =
            p.rec as usize * 10 + usize::from(asset.internet_facing) * 5 + usize::from(level - 1);
        let Some(at) = assessed_at.get_mut(slot) else {
            continue;
        };
        if *at == u32::MAX {
            let a = vulns.get(p.rec as usize).map(|v| {
                vulnmatch::priority::assess(
                    v,
                    &Context {
                        internet_facing: asset.internet_facing,
                        security_level: level,
                        exposure: None,
                    },
                    table,
                    policy,
                )
            });
            let (decision, reasons) = match a {
                Some(a) => (
                    a.decision,
                    serde_json::to_string(&a.reasons).unwrap_or_else(|_| "[]".into()),
                ),
                None => (Decision::Defer, "[]".into()),
            };
            assessed.push(Assessed {
                decision,
                digest: Fnv::new().bytes(reasons.as_bytes()).get() as u64,
                reasons: reasons.into(),
            });
            *at = (assessed.len() - 1) as u32;
        }
        p.assessed = *at;
    }
    Assessment {
        picks,
        evidence,
        assessed,
        cves: vulns.iter().map(|v| v.id).collect(),
        unevaluable,
        excluded_by_hotfix,
    }
}
