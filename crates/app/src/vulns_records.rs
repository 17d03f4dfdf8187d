//! The stored records as a matching run reads them: their compact forms
//! (`vulnmatch::compact`), which decode many times faster than the records'
//! JSON and hold only what matching and the priority use. A record stored
//! without one (imported before canhgac kept them) or in another format is
//! read from its JSON, and its compact form is stored for the next run.

use crate::vulns::parse_record;
use crate::{App, Result};
use domain::Scope;
use vulnmatch::compact::{self, CompactError, Decoder};
use vulnmatch::Vuln;

/// Records read per query.
const PAGE: i64 = 10_000;

impl App {
    /// Every stored record, in the order of their identifiers, as matching
    /// needs it (`compact::matching_part`).
    pub(crate) async fn records_for_matching(&self, scope: &Scope) -> Result<Vec<Vuln>> {
        let mut decoder = Decoder::new();
        let mut vulns: Vec<Vuln> = Vec::new();
        let mut stale: Vec<String> = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let rows =
                store::vulns::match_forms_after(&mut self.store.conn(), after.as_deref(), PAGE)
                    .await?;
            let Some(last) = rows.last() else { break };
            after = Some(last.cve.clone());
            for r in rows {
                match r.match_form.as_deref().map(|b| decoder.decode(b)) {
                    Some(Ok(v)) => vulns.push(v),
                    Some(Err(CompactError::Format(_))) | None => stale.push(r.cve),
                    Some(Err(e)) => {
                        // Damaged bytes: the record's JSON decides; its form is rewritten.
                        tracing::warn!("stored compact record {}: {e}; reading its JSON", r.cve);
                        stale.push(r.cve);
                    }
                }
            }
        }
        if stale.is_empty() {
            return Ok(vulns);
        }
        let mut forms = Vec::with_capacity(stale.len());
        for chunk in stale.chunks(PAGE as usize) {
            for row in store::vulns::vulns_by_id(&mut self.store.conn(), chunk).await? {
                let v = parse_record(&row)?;
                forms.push((row.cve, compact::encode(&v)));
                vulns.push(compact::matching_part(&v));
            }
        }
        let mut tx = self.store.begin().await?;
        store::vulns::set_match_forms(&mut tx, scope, &forms).await?;
        tx.commit().await?;
        // In the order of the stored identifiers, as when all are read alike.
        vulns.sort_by_cached_key(|v| v.id.to_string());
        Ok(vulns)
    }
}

/// How long one phase of a matching run took: wall time, the process's CPU
/// time (user + system, all threads) and its peak resident size at the end
/// of the phase. Filled on Linux from `/proc/self`; elsewhere the CPU time
/// and the peak read as zero.
#[derive(Debug, Clone, Default)]
pub struct Phase {
    pub name: &'static str,
    pub wall: std::time::Duration,
    pub cpu: std::time::Duration,
    pub peak_rss_kib: u64,
}

/// Marks the phases of a run one after the other.
pub(crate) struct Phases {
    done: Vec<Phase>,
    wall: std::time::Instant,
    cpu: std::time::Duration,
}

/// The process's CPU time so far (`/proc/self/stat` fields 14 and 15, in
/// clock ticks of 1/100 s on Linux).
fn cpu_time() -> std::time::Duration {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return std::time::Duration::ZERO;
    };
    // The command name is in parentheses and may hold spaces.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<u64> = rest
        .split_whitespace()
        .skip(11)
        .take(2)
        .filter_map(|n| n.parse().ok())
        .collect();
    std::time::Duration::from_millis(f.iter().sum::<u64>() * 10)
}

fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|n| n.parse().ok())
        })
        .unwrap_or(0)
}

impl Phases {
    pub(crate) fn start() -> Phases {
        Phases {
            done: Vec::new(),
            wall: std::time::Instant::now(),
            cpu: cpu_time(),
        }
    }

    /// Ends the phase running since the last mark.
    pub(crate) fn mark(&mut self, name: &'static str) {
        let (wall, cpu) = (std::time::Instant::now(), cpu_time());
        self.done.push(Phase {
            name,
            wall: wall - self.wall,
            cpu: cpu.saturating_sub(self.cpu),
            peak_rss_kib: peak_rss_kib(),
        });
        (self.wall, self.cpu) = (wall, cpu);
    }

    pub(crate) fn finish(self) -> Vec<Phase> {
        self.done
    }
}

// ------------------------------------------------------------ findings

/// A stable 64-bit digest (FNV-1a): the same bytes give the same number in
/// every version and on every machine, as the stored digests require. Not
/// a defence against chosen collisions — it only says "nothing changed".
#[derive(Clone, Copy)]
pub(crate) struct Fnv(u64);

impl Fnv {
    pub(crate) fn new() -> Fnv {
        Fnv(0xcbf2_9ce4_8422_2325)
    }

    pub(crate) fn bytes(&mut self, b: &[u8]) -> &mut Fnv {
        for &x in b {
            self.0 = (self.0 ^ u64::from(x)).wrapping_mul(0x0000_0100_0000_01b3);
        }
        // The length ends each field, so fields cannot run into each other.
        self.u64(b.len() as u64)
    }

    pub(crate) fn u64(&mut self, n: u64) -> &mut Fnv {
        for x in n.to_le_bytes() {
            self.0 = (self.0 ^ u64::from(x)).wrapping_mul(0x0000_0100_0000_01b3);
        }
        self
    }

    pub(crate) fn get(&self) -> i64 {
        self.0 as i64
    }
}

/// A record's evidence as it is stored: the JSON, the key that says which
/// statement and fact it is, and the JSON's digest.
pub(crate) struct EvidenceText {
    pub(crate) json: Box<str>,
    pub(crate) key: Box<str>,
    pub(crate) digest: u64,
}

/// The priority of a record for one kind of system (internet-facing or
/// not, security level): the same for every asset of that kind.
pub(crate) struct Assessed {
    pub(crate) decision: vulnmatch::priority::Decision,
    pub(crate) reasons: Box<str>,
    pub(crate) digest: u64,
}

/// One finding of a run (an asset and a CVE), by the numbers of its shared
/// parts; the text is made only for findings that are written.
#[derive(Clone, Copy)]
pub(crate) struct Pick {
    pub(crate) asset_id: i64,
    pub(crate) system_id: i64,
    pub(crate) cve: vulnmatch::CveId,
    pub(crate) evidence: u32,
    pub(crate) assessed: u32,
    pub(crate) level: u8,
}

/// What a run found, in the order of (asset, CVE), with the shared texts.
pub(crate) struct Found {
    pub(crate) picks: Vec<Pick>,
    pub(crate) evidence: Vec<EvidenceText>,
    pub(crate) assessed: Vec<Assessed>,
    pub(crate) warning_deadline: std::collections::HashMap<vulnmatch::CveId, chrono::NaiveDate>,
    pub(crate) slas: [vulnmatch::priority::Sla; 5],
}

impl Found {
    /// The pick of `(asset, cve)`, by binary search.
    pub(crate) fn find(&self, asset_id: i64, cve: vulnmatch::CveId) -> Option<usize> {
        self.picks
            .binary_search_by(|p| (p.asset_id, p.cve).cmp(&(asset_id, cve)))
            .ok()
    }

    /// The finding's deadline, counted from `detected`, and its digest.
    #[allow(clippy::type_complexity)]
    fn decided(
        &self,
        i: usize,
        detected: chrono::NaiveDate,
    ) -> Option<(
        &Pick,
        &EvidenceText,
        &Assessed,
        chrono::NaiveDate,
        vulnmatch::priority::DeadlineBy,
        i64,
    )> {
        use chrono::Datelike;
        let p = self.picks.get(i)?;
        let e = self.evidence.get(p.evidence as usize)?;
        let a = self.assessed.get(p.assessed as usize)?;
        let sla = self.slas.get(usize::from(p.level.clamp(1, 5) - 1))?;
        let (deadline, by) = vulnmatch::priority::deadline_explained(
            a.decision,
            self.warning_deadline.get(&p.cve).copied(),
            sla,
            detected,
        );
        let digest = Fnv::new()
            .bytes(a.decision.as_str().as_bytes())
            .u64(deadline.num_days_from_ce() as u64)
            .bytes(by.as_str().as_bytes())
            .u64(e.digest)
            .u64(a.digest)
            .u64(p.system_id as u64)
            .get();
        Some((p, e, a, deadline, by, digest))
    }

    /// The finding as the store writes it, its deadline counted from
    /// `detected` (today for a new finding, the first detection for a
    /// known one).
    pub(crate) fn row(
        &self,
        i: usize,
        detected: chrono::NaiveDate,
    ) -> Option<store::vulns::Matched> {
        let (p, e, a, deadline, by, digest) = self.decided(i, detected)?;
        Some(store::vulns::Matched {
            asset_id: p.asset_id,
            system_id: p.system_id,
            cve: p.cve.to_string(),
            priority: a.decision.as_str().to_string(),
            deadline,
            deadline_by: by.as_str().to_string(),
            evidence: e.json.to_string(),
            evidence_key: e.key.to_string(),
            reasons: a.reasons.to_string(),
            digest,
        })
    }

    /// Only the digest of `row(i, detected)`, without making its text.
    pub(crate) fn digest(&self, i: usize, detected: chrono::NaiveDate) -> Option<i64> {
        self.decided(i, detected).map(|d| d.5)
    }
}

/// `f` of each item, in order, on every core (blocks of the slice).
pub(crate) fn par_map<'a, T: Sync, R: Send>(
    items: &'a [T],
    f: impl Fn(&'a T) -> R + Sync,
) -> Vec<R> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    if threads < 2 || items.len() < 256 {
        return items.iter().map(f).collect();
    }
    let block = items.len().div_ceil(threads);
    std::thread::scope(|sc| {
        let f = &f;
        let helpers: Vec<_> = items
            .chunks(block)
            .skip(1)
            .map(|part| sc.spawn(move || part.iter().map(f).collect::<Vec<R>>()))
            .collect();
        let mut out: Vec<R> = items
            .chunks(block)
            .next()
            .unwrap_or(&[])
            .iter()
            .map(f)
            .collect();
        for (h, part) in helpers.into_iter().zip(items.chunks(block).skip(1)) {
            // A helper only fails by panicking; its share is then done here.
            match h.join() {
                Ok(rs) => out.extend(rs),
                Err(_) => out.extend(part.iter().map(f)),
            }
        }
        out
    })
}
