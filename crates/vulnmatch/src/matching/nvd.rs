//! NVD's CPE configurations, matched strictly (NISTIR 7696 name matching,
//! ranges by `versionStart…`/`versionEnd…`).

use super::*;

// ------------------------------------------------------------ NVD

/// What one cpeMatch says about one fact.
pub(super) enum CpeOutcome {
    /// It names the candidate at this index, version included.
    Hit(usize),
    Miss,
    /// It names a candidate, but the version cannot be compared: why.
    NotComparable(String),
    /// It names a candidate whose version it compared, out of its range.
    OutOfRange,
}

pub(super) fn cpe_match_fact(m: &CpeMatch, fact: &FactData) -> CpeOutcome {
    let mut not_comparable = None;
    let mut compared = false;
    let crit_version = m.criteria.version();
    let ranged = m.has_range();
    let exact_version = match crit_version {
        Value::Text(t) => t.as_literal(),
        _ => None,
    };
    let exact = exact_version.is_some();
    for (ci, c) in fact.candidates.iter().enumerate() {
        // The version is compared below when a range decides it, and by
        // CPE matching otherwise: a literal version (`r2`, `2016`) is a
        // plain attribute, equal or not (NISTIR 7696; only
        // `versionStart…`/`versionEnd…` are ordered comparisons).
        let skip: &[usize] = match (c.part_known, ranged || exact) {
            (true, false) => &[],
            (true, true) => &[3],
            (false, false) => &[0],
            (false, true) => &[0, 3],
        };
        let c_version = fact.cand_version(c);
        let comparable = version::looks_like_version(c_version);
        if !cpe::is_match_except(&m.criteria, &c.cpe, skip) {
            // A version pattern (`8.*`) against a version that is not one.
            if !comparable
                && !exact
                && not_comparable.is_none()
                && matches!(crit_version, Value::Text(_))
            {
                let name_only: &[usize] = if c.part_known { &[3] } else { &[0, 3] };
                if cpe::is_match_except(&m.criteria, &c.cpe, name_only) {
                    not_comparable = Some(version_reason(fact, c));
                }
            }
            continue;
        }
        if !ranged {
            if let Some(lit) = exact_version {
                if c_version.trim().is_empty() {
                    if not_comparable.is_none() {
                        not_comparable = Some(version_reason(fact, c));
                    }
                    continue;
                }
                compared = true;
                if !lit.eq_ignore_ascii_case(c_version.trim()) {
                    continue;
                }
                return CpeOutcome::Hit(ci);
            }
        }
        if ranged && !comparable {
            if not_comparable.is_none() {
                not_comparable = Some(version_reason(fact, c));
            }
            continue;
        }
        let scheme = if fact.scheme == Scheme::Generic && comparable {
            Scheme::Dotted
        } else {
            fact.scheme
        };
        let cmp = |b: &str| version::compare_or_generic(scheme, c_version, b).0;
        compared = true;
        if ranged {
            let checks = [
                (
                    &m.version_start_including,
                    [Ordering::Equal, Ordering::Greater],
                ),
                (
                    &m.version_start_excluding,
                    [Ordering::Greater, Ordering::Greater],
                ),
                (&m.version_end_including, [Ordering::Equal, Ordering::Less]),
                (&m.version_end_excluding, [Ordering::Less, Ordering::Less]),
            ];
            if !checks
                .iter()
                .all(|(b, ok)| b.as_deref().is_none_or(|b| ok.contains(&cmp(b))))
            {
                continue;
            }
        }
        return CpeOutcome::Hit(ci);
    }
    match not_comparable {
        Some(why) => CpeOutcome::NotComparable(why),
        None if compared => CpeOutcome::OutOfRange,
        None => CpeOutcome::Miss,
    }
}

pub(super) fn version_reason(fact: &FactData, c: &Candidate) -> String {
    if fact.cand_version(c).trim().is_empty() {
        "the inventory records no version".into()
    } else {
        format!(
            "the installed version '{}' ({} scheme) is not a version that can be ordered",
            fact.version(),
            scheme_name(fact.scheme)
        )
    }
}

pub(super) fn range_words(m: &CpeMatch) -> String {
    let mut out = String::with_capacity(96);
    push_range_words(&mut out, m);
    out
}

/// `range_words` written to `out`.
pub(super) fn push_range_words(out: &mut String, m: &CpeMatch) {
    use std::fmt::Write as _;
    let _ = write!(out, "{}", m.criteria);
    let parts = [
        (&m.version_start_including, "", " ≤ v"),
        (&m.version_start_excluding, "", " < v"),
        (&m.version_end_including, "v ≤ ", ""),
        (&m.version_end_excluding, "v < ", ""),
    ];
    let mut first = true;
    for (bound, before, after) in parts {
        if let Some(b) = bound {
            out.push_str(if first { " with " } else { " and " });
            first = false;
            out.push_str(before);
            out.push_str(b);
            out.push_str(after);
        }
    }
}

/// One cpeMatch met by one fact.
pub(super) struct Hit {
    pub(super) vulnerable: bool,
    pub(super) fact: usize,
    pub(super) match_idx: usize,
    pub(super) cand: usize,
}

/// All hits of one node over the facts.
/// A cpeMatch that names a fact whose version it cannot compare.
pub(super) struct Maybe {
    pub(super) vulnerable: bool,
    pub(super) fact: usize,
    pub(super) match_idx: usize,
    pub(super) reason: String,
}

/// What `node_hits` notes besides the hits (for `Unevaluable`).
#[derive(Default)]
pub(super) struct Notes {
    pub(super) maybes: Vec<Maybe>,
    /// Facts whose version a vulnerable criterion compared.
    pub(super) compared: Vec<usize>,
}

/// All hits of one node over the facts (and, in `notes`, the criteria that
/// name a fact but cannot compare its version).
pub(super) fn node_hits(
    n: &crate::model::NvdNode,
    plan: Option<&NodePlan>,
    facts: &[Fact],
    notes: &mut Notes,
) -> Vec<Hit> {
    let mut hits = Vec::new();
    let or_node = n.operator == Operator::Or;
    // The cpeMatch indices worth a full comparison for each fact.
    let try_match = |mi: usize, fi: usize, hits: &mut Vec<Hit>, notes: &mut Notes| {
        let (Some(m), Some(f)) = (n.matches.get(mi), facts.get(fi)) else {
            return;
        };
        if m.vulnerable && f.platform_only {
            return;
        }
        // In an OR node one vulnerable match per fact is enough.
        if hits
            .iter()
            .any(|h| h.fact == fi && (h.match_idx == mi || (or_node && h.vulnerable)))
        {
            return;
        }
        match cpe_match_fact(m, f) {
            CpeOutcome::Hit(ci) => hits.push(Hit {
                vulnerable: m.vulnerable,
                fact: fi,
                match_idx: mi,
                cand: ci,
            }),
            CpeOutcome::Miss => {}
            CpeOutcome::OutOfRange => {
                if m.vulnerable {
                    notes.compared.push(fi);
                }
            }
            CpeOutcome::NotComparable(reason) => {
                if !notes
                    .maybes
                    .iter()
                    .any(|x| x.fact == fi && x.match_idx == mi)
                {
                    notes.maybes.push(Maybe {
                        vulnerable: m.vulnerable,
                        fact: fi,
                        match_idx: mi,
                        reason,
                    });
                }
            }
        }
    };
    match plan {
        Some((keyed, unkeyed)) => {
            for (fi, f) in facts.iter().enumerate() {
                for c in &f.candidates {
                    match c.cpe.vendor_product_key() {
                        Some(k) => {
                            let lo = keyed.partition_point(|(x, _)| *x < k);
                            for (_, mi) in keyed[lo..].iter().take_while(|(x, _)| *x == k) {
                                try_match(*mi as usize, fi, &mut hits, notes);
                            }
                        }
                        None => {
                            for (_, mi) in keyed {
                                try_match(*mi as usize, fi, &mut hits, notes);
                            }
                        }
                    }
                }
                for mi in unkeyed {
                    try_match(*mi as usize, fi, &mut hits, notes);
                }
            }
        }
        None => {
            for mi in 0..n.matches.len() {
                for fi in 0..facts.len() {
                    try_match(mi, fi, &mut hits, notes);
                }
            }
        }
    }
    hits.sort_by_key(|h| (h.match_idx, h.fact));
    hits
}

/// Whether a node is satisfied by these matched criteria.
pub(super) fn node_sat(n: &crate::model::NvdNode, matched: impl Iterator<Item = usize>) -> bool {
    let mut idx: Vec<usize> = matched.collect();
    idx.sort_unstable();
    idx.dedup();
    let sat = match n.operator {
        Operator::Or => !idx.is_empty(),
        Operator::And => !n.matches.is_empty() && idx.len() == n.matches.len(),
    };
    sat != n.negate
}

/// Evaluates one configuration for the facts in `wanted` (those no vendor
/// statement decided) and adds a finding for each fact it makes vulnerable.
/// With `pending`, also notes the facts it would make vulnerable were the
/// versions it cannot compare in range.
#[allow(clippy::too_many_arguments)]
pub(super) fn eval_config(
    v: &Vuln,
    ci: usize,
    cfg: &NvdConfig,
    plan: &VulnPlan,
    p: &Prepared,
    wanted: &mut [bool],
    out: &mut Vec<(usize, Finding)>,
    pending: Option<(&mut Vec<Pending>, &mut [bool])>,
) {
    if cfg.nodes.is_empty() {
        return;
    }
    let mut nodes: Vec<(bool, Vec<Hit>)> = Vec::with_capacity(cfg.nodes.len());
    // What cannot be compared, per node, and the facts compared: only for
    // `pending`.
    let mut maybes: Vec<Vec<Maybe>> = Vec::new();
    let mut compared: Vec<usize> = Vec::new();
    for (ni, n) in cfg.nodes.iter().enumerate() {
        let np = plan.nodes.get(ci).and_then(|c| c.get(ni));
        let mut notes = Notes::default();
        let hits = node_hits(n, np, &p.facts, &mut notes);
        let sat = node_sat(n, hits.iter().map(|h| h.match_idx));
        // A negated node contributes no vulnerable match.
        nodes.push((sat, if n.negate { Vec::new() } else { hits }));
        if pending.is_none() {
            continue;
        }
        if !n.negate {
            maybes.push(notes.maybes);
            compared.extend(notes.compared);
        } else {
            maybes.push(Vec::new());
        }
    }
    if let Some((pending, evaluated)) = pending {
        for fi in compared {
            if let Some(e) = evaluated.get_mut(fi) {
                *e = true;
            }
        }
        if maybes.iter().any(|m| !m.is_empty()) {
            note_not_comparable(v, ci, cfg, &nodes, &maybes, p, wanted, pending);
        }
    }
    let satisfied = match cfg.operator {
        Operator::And => nodes.iter().all(|(s, _)| *s),
        Operator::Or => nodes.iter().any(|(s, _)| *s),
    };
    if satisfied == cfg.negate {
        return;
    }
    for (ni, (sat, hits)) in nodes.iter().enumerate() {
        if !sat {
            continue;
        }
        for h in hits.iter().filter(|h| h.vulnerable) {
            if !wanted.get(h.fact).copied().unwrap_or(false) {
                continue;
            }
            wanted[h.fact] = false;
            out.push((h.fact, nvd_finding(v, ci, cfg, ni, h, &nodes, p)));
        }
    }
}

/// For `eval_config`: the facts that the configuration would make
/// vulnerable if the versions it cannot compare were in range.
#[allow(clippy::too_many_arguments)]
pub(super) fn note_not_comparable(
    v: &Vuln,
    ci: usize,
    cfg: &NvdConfig,
    nodes: &[(bool, Vec<Hit>)],
    maybes: &[Vec<Maybe>],
    p: &Prepared,
    wanted: &[bool],
    pending: &mut Vec<Pending>,
) {
    let sat_with = |ni: usize, n: &crate::model::NvdNode| {
        if n.negate {
            return nodes[ni].0;
        }
        node_sat(
            n,
            nodes[ni]
                .1
                .iter()
                .map(|h| h.match_idx)
                .chain(maybes[ni].iter().map(|m| m.match_idx)),
        )
    };
    let sat: Vec<bool> = cfg
        .nodes
        .iter()
        .enumerate()
        .map(|(ni, n)| sat_with(ni, n))
        .collect();
    let possible = match cfg.operator {
        Operator::And => sat.iter().all(|s| *s),
        Operator::Or => sat.iter().any(|s| *s),
    };
    if possible == cfg.negate {
        return;
    }
    let words = |ni: usize, mi: usize| {
        cfg.nodes
            .get(ni)
            .and_then(|n| n.matches.get(mi))
            .map(range_words)
            .unwrap_or_default()
    };
    // A platform criterion that cannot be compared: for the facts that
    // match a vulnerable criterion.
    let platform = maybes.iter().flatten().find(|m| !m.vulnerable);
    for (ni, ms) in maybes.iter().enumerate() {
        for m in ms.iter().filter(|m| m.vulnerable) {
            if wanted.get(m.fact).copied().unwrap_or(false) {
                pending.push(Pending {
                    fact: m.fact,
                    source: EvidenceSource::NvdCpe,
                    record: format!(
                        "{} configurations[{ci}].nodes[{ni}].cpeMatch[{}]",
                        v.id, m.match_idx
                    ),
                    rule: format!("configuration {}: {}", ci + 1, words(ni, m.match_idx)),
                    reason: m.reason.clone(),
                });
            }
        }
    }
    if let Some(pl) = platform {
        for (ni, (_, hits)) in nodes.iter().enumerate() {
            for h in hits.iter().filter(|h| h.vulnerable) {
                if wanted.get(h.fact).copied().unwrap_or(false) {
                    let label = p.facts.get(pl.fact).map(|f| f.label(p.item));
                    pending.push(Pending {
                        fact: h.fact,
                        source: EvidenceSource::NvdCpe,
                        record: format!(
                            "{} configurations[{ci}].nodes[{ni}].cpeMatch[{}]",
                            v.id, h.match_idx
                        ),
                        rule: format!("configuration {}: {}", ci + 1, words(ni, h.match_idx)),
                        reason: format!(
                            "the platform it runs on cannot be compared ({}): {}",
                            label.unwrap_or_default(),
                            pl.reason
                        ),
                    });
                }
            }
        }
    }
}

/// The fact as NVD matched it by its candidate `cand`: `software
/// Google|Chrome|119.0|dotted as cpe:2.3:a:google:chrome:119.0:…` with how
/// the CPE was made (made once per fact and candidate).
pub(super) fn nvd_fact_text<'f>(
    fact: &'f Fact,
    cand: usize,
    item: &InventoryItem,
) -> std::borrow::Cow<'f, str> {
    let make = || {
        let mut fact_text = fact.label(item).to_string();
        if let Some(c) = fact.candidates.get(cand) {
            fact_text.push_str(&format!(" as {}", c.cpe));
            if let Some(n) = &c.note {
                fact_text.push_str(&format!(" ({n})"));
            }
            if !c.part_known {
                fact_text.push_str(" [CPE made from the inventory names]");
            }
        }
        if fact.scheme.is_distro() {
            fact_text.push_str(&format!(
                "; compared upstream {} of {} package {}; a backported fix is not visible",
                version::upstream(fact.scheme, fact.version()),
                fact.scheme,
                fact.version()
            ));
        }
        fact_text
    };
    match fact.data.candidates.get(cand) {
        Some(c) => c.nvd_text.get_or_init(make).into(),
        None => make().into(),
    }
}

pub(super) fn nvd_finding(
    v: &Vuln,
    ci: usize,
    cfg: &NvdConfig,
    ni: usize,
    h: &Hit,
    nodes: &[(bool, Vec<Hit>)],
    p: &Prepared,
) -> Finding {
    let fact = &p.facts[h.fact];
    let words = |ni: usize, h: &Hit| {
        cfg.nodes
            .get(ni)
            .and_then(|n| n.matches.get(h.match_idx))
            .map(range_words)
            .unwrap_or_default()
    };
    let m = cfg.nodes.get(ni).and_then(|n| n.matches.get(h.match_idx));
    let mut rule = String::with_capacity(160);
    {
        use std::fmt::Write as _;
        let _ = write!(rule, "configuration {}: ", ci + 1);
    }
    if let Some(m) = m {
        push_range_words(&mut rule, m);
    }
    if let Some(id) = m.and_then(|m| m.match_criteria_id.as_deref()) {
        rule.push_str(" (matchCriteriaId ");
        rule.push_str(id);
        rule.push(')');
    }
    if cfg.operator == Operator::And {
        let plats: Vec<String> = nodes
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != ni)
            .filter_map(|(i, (_, hits))| {
                let negate = cfg.nodes.get(i).is_some_and(|n| n.negate);
                if negate {
                    return Some("no match of a negated node".to_string());
                }
                hits.iter()
                    .find(|x| !x.vulnerable)
                    .or(hits.first())
                    .map(|x| format!("{} ({})", words(i, x), p.facts[x.fact].label(p.item)))
            })
            .collect();
        if !plats.is_empty() {
            rule.push_str(&format!("; running on {}", plats.join(" and ")));
        }
    }
    let fact_text = nvd_fact_text(fact, h.cand, p.item).into_owned();
    Finding {
        cve: v.id,
        asset_id: p.item.asset_id,
        evidence: Arc::new(Evidence {
            source: EvidenceSource::NvdCpe,
            record: format!(
                "{} configurations[{ci}].nodes[{ni}].cpeMatch[{}]",
                v.id, h.match_idx
            ),
            rule,
            inventory_fact: fact_text,
            hotfix_excluded: None,
        }),
    }
}

/// NVD, strictly: only the configurations with a vulnerable criterion that
/// can name one of the wanted facts' CPEs.
pub(super) fn nvd_matches(
    v: &Vuln,
    plan: &VulnPlan,
    p: &Prepared,
    wanted: &mut [bool],
    out: &mut Vec<(usize, Finding)>,
    mut pending: Option<(&mut Vec<Pending>, &mut [bool])>,
) {
    // The configurations, sorted: those of the one key that has some (the
    // usual case) as they are, or all of them put together.
    let mut one: Option<&[u32]> = None;
    let mut several = !plan.unkeyed_configs.is_empty();
    let mut all = false;
    for (f, w) in p.facts.iter().zip(wanted.iter()) {
        if *w {
            for c in &f.candidates {
                match c.cpe.vendor_product_key() {
                    Some(k) => {
                        if let Some(cs) = plan.configs_by_key.get(&k) {
                            match one {
                                Some(o) if o != cs.as_slice() => several = true,
                                _ => one = Some(cs),
                            }
                        }
                    }
                    None => all = true,
                }
            }
        }
    }
    let mut configs: Vec<u32> = Vec::new();
    let list: &[u32] = if all {
        configs = (0..v.configurations.len() as u32).collect();
        &configs
    } else if several {
        configs.extend_from_slice(&plan.unkeyed_configs);
        for (f, w) in p.facts.iter().zip(wanted.iter()) {
            if *w {
                for c in &f.candidates {
                    if let Some(cs) = c
                        .cpe
                        .vendor_product_key()
                        .and_then(|k| plan.configs_by_key.get(&k))
                    {
                        configs.extend_from_slice(cs);
                    }
                }
            }
        }
        configs.sort_unstable();
        configs.dedup();
        &configs
    } else {
        one.unwrap_or(&[])
    };
    for &ci in list {
        let ci = ci as usize;
        if let Some(cfg) = v.configurations.get(ci) {
            let pending = pending.as_mut().map(|(p, e)| (&mut **p, &mut **e));
            eval_config(v, ci, cfg, plan, p, wanted, out, pending);
        }
        if !wanted.iter().any(|w| *w) {
            break;
        }
    }
}
