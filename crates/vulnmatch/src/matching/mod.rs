//! Matching an inventory against vulnerabilities, with evidence.
//!
//! For each inventory fact (an installed product, or the OS) the sources are
//! asked in order, and the first that has something to say decides:
//!
//! 1. the CNA's `affected` entries (CVE JSON 5),
//! 2. CSAF advisories (vendor data too),
//! 3. ADP `affected` entries (CISA's Vulnrichment),
//! 4. NVD's CPE configurations, strictly.
//!
//! A vendor entry *names* a fact when its vendor and product (or package
//! name) equal the fact's, case-insensitively and with white space collapsed,
//! or when one of its CPEs matches one of the fact's CPEs. It has *something
//! to say* when a version entry covers the fact's version or its
//! `defaultStatus` is `affected` or `unaffected`; with `unknown` it is silent
//! and the next source is asked. An `unaffected` answer ends the search (no
//! NVD fallback after the vendor says "not affected").
//!
//! Decisions where the CVE JSON 5 schema leaves room (each written into the
//! evidence so an agency can dispute it):
//! - `lessThan: "*"` is unbounded; but when one entry lists several unbounded
//!   ranges (F5 writes `17.1.0 ≤ v`, `16.1.0 ≤ v`, … one per branch), each
//!   ends where the next higher one starts.
//! - `lessThan: "17.0.x*"` / `"2.*"` ends after the whole branch; an upper
//!   bound that is not a version (`publication`, `unspecified`, a web
//!   address, `log4j-core*`) is never "no bound": the entry cannot be
//!   evaluated, unless its changes at versions end it (`ranges`).
//! - Atlassian's pairs `{X, lessThan: unspecified}`, `{unspecified,
//!   lessThan: Y}` are one range `X ≤ v < Y`; `next of X` is `X < v`
//!   (`ranges`).
//! - `version: "16.1.x"` starts at the branch `16.1`; `0`, `*`, `all`,
//!   `unspecified` with a version as upper bound start at the earliest
//!   version (the schema's `0`).
//! - `versionType: "patch"` (Citrix): `version` is a branch (`13.1`), with
//!   its edition (`13.1-FIPS`), and `lessThan` a build in it (`49.15`),
//!   compared with the part of the installed version after `13.1-`; the
//!   installed edition (its CPE's `sw_edition`, or a version ending
//!   `-FIPS`) must be the line's, none for none.
//! - An operating system is a product (`os`): its vendor inferred for
//!   well-known names, Microsoft's CNA names and NVD's CPEs made for
//!   Windows from name, version and build; `unmatched_facts` says what
//!   cannot be mapped.
//! - A version written as `15.0.0-15.1.0.3, 14.1.0-14.1.2.5` (old MITRE
//!   records) is read as a list of inclusive ranges when both ends start with
//!   the same number.
//! - `changes[].at` that is a version flips the status from that version on;
//!   one that is a name (`Hotfix-BIGIP-17.1.0.3.0.75.4-ENG.iso`, `KB5000871`)
//!   flips it only for an asset with that fix installed (compared without case
//!   and without `.iso`). Such a match is still reported, with
//!   `hotfix_excluded` set, so the reason it is not affected is visible.
//! - A distribution package (`deb`, `rpm`) is compared by its upstream
//!   version (`1:9.2p1-2+deb12u2` → `9.2p1`) against ranges that are not of
//!   its own packaging type; backported fixes are therefore not seen, and the
//!   evidence says so.
//! - An entry with a package name and a distinct product
//!   (`Red Hat Enterprise Linux 9` / `openssh`) names the package on that
//!   platform only: the asset's OS must be that product (or match its CPEs).
//! - An entry without a vendor (`n/a`, missing) names a fact by product or
//!   package name alone; the rule text says so.
//! - Appliance modules: `modules: ["APM"]` or a product written
//!   `BIG-IP (APM)` need the asset to list that module (`All Modules` needs
//!   none). An asset that lists no module at all still matches, noted.
//!
//! NVD configurations are matched by CPE name matching (NISTIR 7696; a
//! literal version such as `r2` is a plain attribute, only
//! `versionStart…`/`versionEnd…` are ordered) against
//! the fact's CPEs: its own CPE when the inventory has one, otherwise one
//! made from its vendor and product (lower case, spaces as underscores,
//! nothing else, and any part), plus for F5 BIG-IP one per listed module
//! (`APM` → `big-ip_access_policy_manager`). AND configurations need every
//! node satisfied by some fact (or a platform CPE of the asset).

use crate::cpe::{self, Cpe, Text, Value};
use crate::feeds::text::normalise_fix;
use crate::model::{
    AffectedRule, CpeMatch, CveId, NvdConfig, Operator, Source, Status, VersionRange, Vuln,
};
use crate::version::{self, Scheme};
use domain::asset::Cpe23;
use domain::{AssetInput, KbId, Software};
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;
use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, OnceLock};

mod bulk;
mod cna;
mod evidence;
mod facts;
mod index;
mod inventory;
mod nvd;
mod os;
mod plan;
mod ranges;
mod stream;

pub use bulk::*;
use cna::*;
pub use evidence::*;
pub use facts::*;
pub use index::*;
pub use inventory::*;
use nvd::*;
use os::*;
pub use os::{unmatched_facts, Unmatched};
pub use plan::*;
use ranges::*;
use stream::*;

// ------------------------------------------------------------ entry points

/// Matches one vulnerability against one prepared asset.
pub fn match_prepared(v: &Vuln, p: &Prepared) -> Vec<Finding> {
    match_planned(v, &VulnPlan::new(v), p)
}

/// As `match_prepared`, with the record's plan made beforehand.
pub fn match_planned(v: &Vuln, plan: &VulnPlan, p: &Prepared) -> Vec<Finding> {
    let mut out = Vec::new();
    match_planned_into(v, plan, p, &mut out, None);
    out
}

/// As `match_planned`, adding what cannot be evaluated.
pub fn match_planned_full(v: &Vuln, plan: &VulnPlan, p: &Prepared) -> Matched {
    let mut m = Matched::default();
    match_planned_into(v, plan, p, &mut m.findings, Some(&mut m.unevaluable));
    m
}

/// Appends the findings of `v` for `p` to `out`; with `unevaluable`, also
/// the statements that name one of the asset's facts but cannot be compared
/// with its version, for the facts the record does not find affected
/// otherwise.
fn match_planned_into(
    v: &Vuln,
    plan: &VulnPlan,
    p: &Prepared,
    out: &mut Vec<Finding>,
    unevaluable: Option<&mut Vec<Unevaluable>>,
) {
    // The findings with the index of their fact.
    let mut mine: Vec<(usize, Finding)> = Vec::new();
    // Per fact: wanted from NVD, found affected, evaluated (a later source
    // compared it: a statement that could not be compared before it is
    // then not reported), and asked of NVD; on the stack for a few facts.
    let n = p.facts.len();
    let mut on_stack = [false; 64];
    let mut on_heap = Vec::new();
    let flags: &mut [bool] = if 4 * n <= on_stack.len() {
        &mut on_stack[..4 * n]
    } else {
        on_heap.resize(4 * n, false);
        &mut on_heap
    };
    let (wanted, rest) = flags.split_at_mut(n);
    let (found, rest) = rest.split_at_mut(n);
    let (evaluated, asked) = rest.split_at_mut(n);
    let mut pending: Vec<Pending> = Vec::new();
    let collect = unevaluable.is_some();
    for (fi, fact) in p.facts.iter().enumerate() {
        if fact.platform_only {
            continue;
        }
        let mut decided = false;
        for src in [Source::Cve5Cna, Source::Csaf, Source::Cve5Adp] {
            let notes = collect.then_some(&mut pending);
            if let Some((st, f)) = vendor_verdict(v, plan, src, (fi, fact), p, notes) {
                if let (Status::Affected, Some(f)) = (st, f) {
                    mine.push((fi, f));
                    found[fi] = true;
                }
                decided = true;
                evaluated[fi] = true;
                break;
            }
        }
        wanted[fi] = !decided;
    }
    if wanted.iter().any(|w| *w) && !v.configurations.is_empty() {
        asked.copy_from_slice(wanted);
        nvd_matches(
            v,
            plan,
            p,
            wanted,
            &mut mine,
            collect.then_some((&mut pending, &mut *evaluated)),
        );
        for fi in 0..found.len() {
            found[fi] |= asked[fi] && !wanted[fi];
        }
    }
    // Fixes named anywhere in the record (CSAF remediations) still count
    // for NVD's findings.
    if mine
        .iter()
        .any(|(_, f)| f.evidence.source == EvidenceSource::NvdCpe)
    {
        let installed = v
            .affected
            .iter()
            .flat_map(|r| r.fixes.iter())
            .find(|x| p.fixes.contains(&normalise_fix(x)));
        if let Some(fx) = installed {
            for (_, f) in &mut mine {
                if f.evidence.source == EvidenceSource::NvdCpe {
                    Arc::make_mut(&mut f.evidence).hotfix_excluded = Some(fx.clone());
                }
            }
        }
    }
    // In the order of the asset's facts (what one fact gives does not
    // depend on the others' order).
    mine.sort_by_key(|(fi, _)| *fi);
    out.extend(mine.into_iter().map(|(_, f)| f));
    if let Some(list) = unevaluable {
        pending.sort_by_key(|x| x.fact);
        let mut seen: Vec<(usize, &str)> = Vec::new();
        for x in &pending {
            let done = found.get(x.fact).copied().unwrap_or(true)
                || evaluated.get(x.fact).copied().unwrap_or(true);
            if done || seen.contains(&(x.fact, &x.record)) {
                continue;
            }
            seen.push((x.fact, &x.record));
            list.push(Unevaluable {
                cve: v.id,
                asset_id: p.item.asset_id,
                statement: Arc::new(UnevaluableStatement {
                    source: x.source,
                    record: x.record.clone(),
                    rule: x.rule.clone(),
                    inventory_fact: p.facts[x.fact].label(p.item).to_string(),
                    reason: x.reason.clone(),
                }),
            });
        }
    }
}

/// Matches one vulnerability against one asset. Findings with
/// `hotfix_excluded` set are kept (see `Finding::is_affected`).
pub fn match_asset(v: &Vuln, item: &InventoryItem) -> Vec<Finding> {
    match_prepared(v, &prepare(item))
}

/// As `match_asset`, with what cannot be evaluated.
pub fn match_asset_full(v: &Vuln, item: &InventoryItem) -> Matched {
    match_planned_full(v, &VulnPlan::new(v), &prepare(item))
}
