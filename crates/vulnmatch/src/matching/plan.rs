//! `VulnPlan`: where a record's rules and NVD criteria are, by name key, so
//! an asset only looks at what can name its facts.

use super::*;

/// One node's criteria: (key, cpeMatch index) sorted by key, and the
/// indices of the criteria without a key.
pub(super) type NodePlan = (Vec<(u64, u32)>, Vec<u32>);

/// Where a record's NVD criteria are, by the key of their vendor and
/// product, so an asset only looks at the criteria that can name its CPEs.
#[derive(Debug, Clone, Default)]
pub struct VulnPlan {
    /// Per vendor rule: the normalised product (without modules) and
    /// package name, the keys of its CPEs, and whether one CPE has no key.
    pub(super) rules: Vec<(String, String, Vec<u64>, bool)>,
    /// The vendor rules of the CNA, CSAF and ADP, in that order.
    pub(super) by_source: [Vec<u32>; 3],
    /// Vendor/product key → configurations with a vulnerable criterion of it.
    pub(super) configs_by_key: HashMap<u64, Vec<u32>, HashedKeys>,
    /// Configurations with a vulnerable criterion whose vendor or product is
    /// a wildcard: always evaluated.
    pub(super) unkeyed_configs: Vec<u32>,
    /// Per configuration, per node: (key, cpeMatch index) sorted, and the
    /// unkeyed cpeMatch indices.
    pub(super) nodes: Vec<Vec<NodePlan>>,
    /// What the record says of a fact depends on nothing else of the asset:
    /// its configurations are single OR nodes (no platform, no negation)
    /// and its rules name no module, no platform of a package and no fix.
    pub(super) simple: bool,
    /// The keys of every name the record can name a fact by (product and
    /// package names, CPE vendor/product), sorted; `None` when one is a
    /// wildcard (it can name any fact).
    pub(super) names: Option<Vec<u64>>,
    /// The parts of an asset besides its facts that its verdicts use.
    pub(super) uses_modules: bool,
    pub(super) uses_fixes: bool,
    pub(super) uses_os: bool,
}

impl VulnPlan {
    pub fn new(v: &Vuln) -> VulnPlan {
        let rules: Vec<(String, String, Vec<u64>, bool)> = v
            .affected
            .iter()
            .map(|r| {
                let base = norm(product_and_modules(r).0);
                let pkg = r.package_name.as_deref().map(norm).unwrap_or_default();
                let keys: Vec<u64> = r.cpes.iter().filter_map(Cpe::vendor_product_key).collect();
                let unkeyed = keys.len() < r.cpes.len();
                (base, pkg, keys, unkeyed)
            })
            .collect();
        let simple_rule = |r: &AffectedRule| {
            let modules_free = rule_modules(r).into_iter().all(is_all_modules);
            let on_platform = r
                .package_name
                .as_deref()
                .is_some_and(|pkg| r.product.as_deref().is_some_and(|prod| !eq_norm(prod, pkg)));
            let named_fix = r.versions.iter().any(|x| {
                x.changes
                    .iter()
                    .any(|c| !version::looks_like_version(&c.at))
            });
            modules_free && !on_platform && !named_fix && r.fixes.is_empty()
        };
        let simple_config = |c: &NvdConfig| {
            !c.negate
                && c.nodes.len() == 1
                && c.nodes
                    .iter()
                    .all(|n| !n.negate && n.operator == Operator::Or)
        };
        let mut names: Option<Vec<u64>> = Some(Vec::new());
        for (r, (base, pkg, keys, unkeyed)) in v.affected.iter().zip(&rules) {
            if let Some(n) = &mut names {
                if !base.is_empty() {
                    n.push(product_key(base));
                }
                if !pkg.is_empty() {
                    n.push(product_key(pkg));
                }
                n.extend_from_slice(keys);
            }
            if *unkeyed && r.package_name.is_none() {
                names = None;
            }
        }
        for m in v
            .configurations
            .iter()
            .flat_map(|c| &c.nodes)
            .flat_map(|n| &n.matches)
        {
            match (m.criteria.vendor_product_key(), &mut names) {
                (Some(k), Some(n)) => n.push(k),
                (None, _) => names = None,
                _ => {}
            }
        }
        if let Some(n) = &mut names {
            n.sort_unstable();
            n.dedup();
        }
        let uses_modules = v
            .affected
            .iter()
            .any(|r| !rule_modules(r).into_iter().all(is_all_modules));
        let uses_fixes = v.affected.iter().any(|r| {
            !r.fixes.is_empty()
                || r.versions.iter().any(|x| {
                    x.changes
                        .iter()
                        .any(|c| !version::looks_like_version(&c.at))
                })
        });
        let uses_os = v.affected.iter().any(|r| {
            r.package_name
                .as_deref()
                .is_some_and(|pkg| r.product.as_deref().is_some_and(|prod| !eq_norm(prod, pkg)))
        });
        let mut plan = VulnPlan {
            rules,
            simple: v.affected.iter().all(simple_rule)
                && v.configurations.iter().all(simple_config),
            names,
            uses_modules,
            uses_fixes,
            uses_os,
            ..VulnPlan::default()
        };
        for (i, r) in v.affected.iter().enumerate() {
            let slot = match r.source {
                Source::Cve5Cna => 0,
                Source::Csaf => 1,
                Source::Cve5Adp => 2,
                _ => continue,
            };
            plan.by_source[slot].push(i as u32);
        }
        for (ci, cfg) in v.configurations.iter().enumerate() {
            let mut nodes = Vec::with_capacity(cfg.nodes.len());
            let mut cfg_keys = Vec::new();
            let mut unkeyed_vulnerable = false;
            for n in &cfg.nodes {
                let mut keyed = Vec::new();
                let mut unkeyed = Vec::new();
                for (mi, m) in n.matches.iter().enumerate() {
                    match m.criteria.vendor_product_key() {
                        Some(k) => {
                            keyed.push((k, mi as u32));
                            if m.vulnerable {
                                cfg_keys.push(k);
                            }
                        }
                        None => {
                            unkeyed.push(mi as u32);
                            unkeyed_vulnerable |= m.vulnerable;
                        }
                    }
                }
                keyed.sort_unstable();
                nodes.push((keyed, unkeyed));
            }
            cfg_keys.sort_unstable();
            cfg_keys.dedup();
            for k in cfg_keys {
                plan.configs_by_key.entry(k).or_default().push(ci as u32);
            }
            if unkeyed_vulnerable {
                plan.unkeyed_configs.push(ci as u32);
            }
            plan.nodes.push(nodes);
        }
        plan
    }
}
