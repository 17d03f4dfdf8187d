//! The findings of a matching run brought up to date in the database.
//!
//! A run that finds what the last one found should write nothing and read
//! little. Per asset, a digest of everything the run found for it (each
//! record, its evidence, its priority and reasons, the warning deadline and
//! SLA its deadline comes from, the asset's system) is kept in
//! `vuln_asset_match` when its findings are written. An asset whose digest
//! is the same has its findings as this run would write them — any other
//! change to one of them (a person's move, a correction) removes the digest
//! by a trigger (migration 0025) — so only the other assets' findings are
//! read back and compared one by one, with the accepted risks that expired.
//! The texts of a finding (evidence, reasons) are written once per
//! distinct text (`vuln_texts`) and referred to by id; a run that rewrites
//! findings deletes the texts no finding uses any more.

use crate::vulns::MatchRun;
use crate::vulns_match::{level_of, Found, Unevaluables};
use crate::vulns_records::{Fnv, Phases};
use crate::{App, Result};
use chrono::{Datelike, NaiveDate};
use domain::{FindingAction, FindingStatus};
use store::vuln_match::KnownFinding;
use vulnmatch::CveId;

/// Rows handed to the store per call.
const CHUNK: usize = 5_000;

/// Above this share of assets to read back, the findings are read in pages
/// of the whole table rather than by asset.
const READ_ALL_SHARE: usize = 4;

impl Found {
    /// Per asset (by place), the range of its picks and the digest of what
    /// the run found for it.
    fn asset_digests(&self) -> Vec<(std::ops::Range<usize>, i64)> {
        let mut out = Vec::with_capacity(self.assets.len());
        let mut i = 0usize;
        for (place, asset) in self.assets.iter().enumerate() {
            let start = i;
            while self.picks.get(i).is_some_and(|p| p.asset as usize == place) {
                i += 1;
            }
            let level = usize::from(level_of(asset) - 1);
            let mut h = Fnv::new();
            h.bytes(b"asset-match-v1").u64(asset.system_id as u64);
            if let Some(sla) = self.slas.get(level) {
                h.u64(u64::from(sla.immediate_days))
                    .u64(u64::from(sla.out_of_cycle_days))
                    .u64(u64::from(sla.scheduled_days))
                    .u64(u64::from(sla.defer_days));
            }
            for p in self.picks.get(start..i).unwrap_or(&[]) {
                let cve = self.cves.get(p.rec as usize);
                let e = self.evidence.get(p.evidence as usize);
                let a = self.assessed.get(p.assessed as usize);
                let warning = cve
                    .and_then(|c| self.warning_deadline.get(c))
                    .map_or(0, |d| d.num_days_from_ce() as u64);
                h.u64(cve.map_or(0, |c| u64::from(c.year())))
                    .u64(cve.map_or(0, |c| c.number()))
                    .u64(e.map_or(0, |e| e.digest))
                    .bytes(a.map_or("", |a| a.decision.as_str()).as_bytes())
                    .u64(a.map_or(0, |a| a.digest))
                    .u64(warning);
            }
            out.push((start..i, h.get()));
        }
        out
    }
}

/// What the comparison decided to write.
struct Writes {
    /// Known findings whose stored digest differs: (id, pick, detected).
    refreshed: Vec<(i64, usize, NaiveDate)>,
    seen: Vec<bool>,
}

impl App {
    /// Compares the known findings of the assets whose digest changed with
    /// what was found, and writes only what differs: moves, refreshed
    /// findings, new ones, the "cannot be evaluated" list when its digest
    /// changed, and the assets' new digests.
    pub(crate) async fn bring_up_to_date(
        &self,
        mut found: Found,
        unevaluable: Unevaluables,
        run: &mut MatchRun,
        phases: &mut Phases,
    ) -> Result<()> {
        let today = crate::registry::today();
        let digests = found.asset_digests();
        let stored = store::vuln_match::asset_match_digests(&mut self.store.conn()).await?;
        // Per asset place: whether its findings must be read back.
        let dirty: Vec<bool> = found
            .assets
            .iter()
            .zip(&digests)
            .map(|(a, (_, d))| stored.get(&a.asset_id) != Some(d))
            .collect();
        drop(stored);
        let mut w = Writes {
            refreshed: Vec::new(),
            seen: vec![false; found.picks.len()],
        };
        // A clean asset's picks are its findings as this run would write them.
        for ((range, _), &d) in digests.iter().zip(&dirty) {
            if !d {
                run.refreshed += range.len();
                for s in w.seen.get_mut(range.clone()).unwrap_or(&mut []) {
                    *s = true;
                }
            }
        }
        let is_dirty = |asset_id: i64| {
            found
                .assets
                .binary_search_by_key(&asset_id, |a| a.asset_id)
                .map_or(true, |i| dirty.get(i).copied().unwrap_or(true))
        };
        let dirty_ids: Vec<i64> = found
            .assets
            .iter()
            .zip(&dirty)
            .filter(|(_, &d)| d)
            .map(|(a, _)| a.asset_id)
            .collect();
        run.assets_compared = dirty_ids.len();
        let mut tx = self.store.begin().await?;
        // Assets whose findings the matcher moved or wrote: their digest is
        // written anew at the end (the trigger removed it).
        let mut touched: Vec<i64> = Vec::new();
        if dirty_ids.len() * READ_ALL_SHARE > found.assets.len() {
            let mut after = 0i64;
            loop {
                let page =
                    store::vuln_match::known_findings_after(&mut tx.conn(), after, 20_000).await?;
                let Some(last) = page.last() else { break };
                after = last.id;
                for k in page.iter().filter(|k| is_dirty(k.asset_id)) {
                    self.compare(&mut tx, &found, k, true, today, run, &mut w)
                        .await?;
                }
            }
        } else {
            for chunk in dirty_ids.chunks(CHUNK) {
                let known =
                    store::vuln_match::known_findings_of_assets(&mut tx.conn(), chunk).await?;
                for k in &known {
                    self.compare(&mut tx, &found, k, true, today, run, &mut w)
                        .await?;
                }
            }
        }
        // The accepted risks that expired on clean assets (those of the
        // others were compared above).
        for k in store::vuln_match::expired_acceptances(&mut tx.conn(), today).await? {
            if !is_dirty(k.asset_id) {
                self.compare(&mut tx, &found, &k, false, today, run, &mut w)
                    .await?;
                touched.push(k.asset_id);
            }
        }
        phases.mark("compare known findings");
        let Writes { refreshed, seen } = w;
        run.rewritten = refreshed.len();
        let new: Vec<usize> = (0..found.picks.len())
            .filter(|&i| !seen.get(i).copied().unwrap_or(true))
            .collect();
        drop(seen);
        run.new = new.len();
        self.share_texts(
            &mut tx,
            &mut found,
            refreshed.iter().map(|r| r.1).chain(new.iter().copied()),
        )
        .await?;
        for chunk in refreshed.chunks(CHUNK) {
            let rows: Vec<(i64, store::vuln_match::Matched)> = chunk
                .iter()
                .filter_map(|&(id, i, detected)| Some((id, found.row(i, detected)?)))
                .collect();
            store::vuln_match::record_matches(&mut tx, &[], &rows).await?;
        }
        drop(refreshed);
        for chunk in new.chunks(CHUNK) {
            let rows: Vec<store::vuln_match::Matched> =
                chunk.iter().filter_map(|&i| found.row(i, today)).collect();
            store::vuln_match::record_matches(&mut tx, &rows, &[]).await?;
        }
        drop(new);
        if run.rewritten > 0 {
            // Texts only the findings rewritten above used (and those of
            // findings deleted since, with their assets) — once the new
            // findings refer to theirs, shared above.
            store::vuln_match::delete_unused_texts(&mut tx).await?;
        }
        run.unevaluable = unevaluable.rows.len();
        if store::vuln_match::match_state(&mut tx.conn(), "unevaluable").await?
            != Some(unevaluable.digest)
        {
            store::vulns::clear_unevaluable(&mut tx).await?;
            for chunk in unevaluable.rows.chunks(CHUNK) {
                let rows = unevaluable.store_rows(chunk, &found.assets, &found.cves);
                store::vulns::add_unevaluable(&mut tx, &rows).await?;
            }
            store::vuln_match::set_match_state(&mut tx, "unevaluable", unevaluable.digest).await?;
        }
        touched.sort_unstable();
        let now_digests: Vec<(i64, i64)> = found
            .assets
            .iter()
            .zip(&digests)
            .zip(&dirty)
            .filter(|((a, _), &d)| d || touched.binary_search(&a.asset_id).is_ok())
            .map(|((a, (_, digest)), _)| (a.asset_id, *digest))
            .collect();
        store::vuln_match::set_asset_match_digests(&mut tx, &now_digests).await?;
        tx.commit().await?;
        phases.mark("write findings");
        Ok(())
    }

    /// One known finding against what was found: the matcher's move if
    /// any, and the refresh when what it would write differs
    /// (`count`: whether it counts as refreshed, false when its asset's
    /// picks were counted already).
    #[allow(clippy::too_many_arguments)]
    async fn compare(
        &self,
        tx: &mut store::Tx,
        found: &Found,
        k: &KnownFinding,
        count: bool,
        today: NaiveDate,
        run: &mut MatchRun,
        w: &mut Writes,
    ) -> Result<()> {
        let now = k
            .cve
            .parse::<CveId>()
            .ok()
            .and_then(|c| found.find(k.asset_id, c));
        if let Some(s) = now.and_then(|i| w.seen.get_mut(i)) {
            *s = true;
        }
        let Ok(status) = k.status.parse::<FindingStatus>() else {
            return Ok(());
        };
        let detected = crate::registry::vn_date(k.detected_at);
        let mut refresh = |i: usize, run: &mut MatchRun| {
            if count {
                run.refreshed += 1;
            }
            if found.digest(i, detected) != k.match_digest {
                w.refreshed.push((k.id, i, detected));
            }
        };
        // An accepted risk lasts until its expiry; then the finding asks for work again.
        if let (FindingStatus::RiskAccepted, Some(i), Some(until)) = (status, now, k.accepted_until)
        {
            if until < today {
                store::vulns::matcher_move(
                    tx,
                    k.id,
                    status,
                    FindingAction::Reopen,
                    FindingStatus::Open,
                )
                .await?;
                run.reopened += 1;
                refresh(i, run);
                return Ok(());
            }
        }
        let changed = now.is_some_and(|i| {
            found
                .evidence_key(i)
                .is_some_and(|key| key != k.evidence_key)
        });
        if let Some(action) = status.after_match(now.is_some(), changed) {
            if let Some(to) = status.matcher_move(action) {
                store::vulns::matcher_move(tx, k.id, status, action, to).await?;
                match action {
                    FindingAction::Reopen => run.reopened += 1,
                    _ => run.resolved_by_update += 1,
                }
            }
        }
        if let Some(i) = now {
            refresh(i, run);
        }
        Ok(())
    }

    /// Stores the distinct texts of the picks to be written (`vuln_texts`)
    /// and notes their ids in `found`.
    async fn share_texts(
        &self,
        tx: &mut store::Tx,
        found: &mut Found,
        written: impl Iterator<Item = usize>,
    ) -> Result<()> {
        let mut evidence = vec![false; found.evidence.len()];
        let mut reasons = vec![false; found.assessed.len()];
        for i in written {
            if let Some(p) = found.picks.get(i) {
                if let Some(e) = evidence.get_mut(p.evidence as usize) {
                    *e = true;
                }
                if let Some(r) = reasons.get_mut(p.assessed as usize) {
                    *r = true;
                }
            }
        }
        let mut texts: Vec<(i64, &str)> = Vec::new();
        for (e, _) in found.evidence.iter().zip(&evidence).filter(|(_, &u)| u) {
            texts.push((e.text_digest, &e.json));
        }
        for (a, _) in found.assessed.iter().zip(&reasons).filter(|(_, &u)| u) {
            texts.push((a.digest as i64, &a.reasons));
        }
        let mut ids = std::collections::HashMap::new();
        for chunk in texts.chunks(CHUNK) {
            ids.extend(store::vuln_match::share_texts(tx, chunk).await?);
        }
        drop(texts);
        found.evidence_ids = found
            .evidence
            .iter()
            .zip(&evidence)
            .map(|(e, &u)| {
                if u {
                    ids.get(&e.text_digest).copied()
                } else {
                    None
                }
            })
            .collect();
        found.reasons_ids = found
            .assessed
            .iter()
            .zip(&reasons)
            .map(|(a, &u)| {
                if u {
                    ids.get(&(a.digest as i64)).copied()
                } else {
                    None
                }
            })
            .collect();
        Ok(())
    }
}
