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
