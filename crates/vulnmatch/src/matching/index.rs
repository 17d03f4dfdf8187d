//! `VulnIndex`: records indexed by the names they can match and the version
//! spans they cover; matching one item. Bulk matching is in `bulk`.

use super::*;

// ------------------------------------------------------------ version spans

/// The leading numeric parts of a version (`17.1.0.3-h1` → 17, 1, 0, 3), at
/// most four, for a coarse order every version ordering agrees with: when
/// two such prefixes differ at a part both have, semver, dpkg, rpmvercmp,
/// vendor dotted and the generic ordering all order the versions as those
/// parts do. Where they do not differ, nothing is known. `None` for a string
/// this reading does not cover (not starting with a digit; an epoch).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Prefix {
    pub(super) len: u8,
    pub(super) parts: [u32; 4],
    /// The string is these numbers and dots, nothing else: two such with
    /// the same parts are equal in every ordering.
    pub(super) whole: bool,
}

impl Prefix {
    pub(super) fn of(s: &str) -> Option<Prefix> {
        let s = s.trim();
        if !s.starts_with(|c: char| c.is_ascii_digit()) || s.contains(':') {
            return None;
        }
        let mut p = Prefix {
            len: 0,
            parts: [0; 4],
            whole: s.split('.').count() <= 4
                && s.split('.').all(|x| {
                    !x.is_empty() && x.len() <= 9 && x.bytes().all(|b| b.is_ascii_digit())
                }),
        };
        for part in s.split('.') {
            let digits = part.bytes().take_while(u8::is_ascii_digit).count();
            if digits == 0 || p.len as usize == p.parts.len() {
                break;
            }
            let d = part[..digits].trim_start_matches('0');
            // Longer numbers than u32 holds are cut to its maximum: two of
            // them then compare equal, which decides nothing.
            p.parts[p.len as usize] = if d.len() > 9 {
                u32::MAX
            } else {
                d.parse().unwrap_or(0)
            };
            p.len += 1;
            if digits < part.len() {
                // Something else follows the number: stop here.
                break;
            }
        }
        Some(p)
    }

    /// Both are certainly the same version in every ordering.
    pub(super) fn same(&self, other: &Prefix) -> bool {
        self.whole && other.whole && self.len == other.len && self.parts == other.parts
    }

    /// `self` is certainly lower than `other` in every ordering.
    pub(super) fn below(&self, other: &Prefix) -> bool {
        let n = self.len.min(other.len) as usize;
        match (0..n).find(|&i| self.parts[i] != other.parts[i]) {
            Some(i) => self.parts[i] < other.parts[i],
            None => false,
        }
    }
}

/// Where a record can concern facts of one key: versions between `lo` and
/// `hi` (`None`: unbounded; `.1`: the bound itself excluded).
#[derive(Debug, Clone, Copy)]
pub(super) struct Span {
    pub(super) rec: u32,
    pub(super) lo: Option<(Prefix, bool)>,
    pub(super) hi: Option<(Prefix, bool)>,
    /// Only an `Unevaluable` can come of it (free text in the record).
    pub(super) notes: bool,
    /// A range of a packaging type (`deb`, `rpm`): compared with a
    /// package's whole version, epoch included.
    pub(super) distro: bool,
}

/// What a fact's version says about spans.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Probe {
    /// Not a version: only what concerns every version can find it.
    NotVersion,
    /// A version this reading does not cover: every span may hold it.
    Unread,
    At(Prefix),
}

impl Span {
    pub(super) fn unbounded(&self) -> bool {
        self.lo.is_none() && self.hi.is_none()
    }

    /// How many leading parts (up to 4) both bounds have and share: every
    /// version the span holds starts with them. 0 when none, or when the
    /// span is unbounded, of a packaging type's range, or one only an
    /// `Unevaluable` can come of.
    pub(super) fn level(&self) -> usize {
        match (self.lo, self.hi) {
            (Some((lo, _)), Some((hi, _))) if !self.distro && !self.notes => {
                let n = lo.len.min(hi.len).min(4) as usize;
                (0..n).take_while(|&i| lo.parts[i] == hi.parts[i]).count()
            }
            _ => 0,
        }
    }

    /// The parts of the upper bound, to order spans by; `None` (after
    /// every bound) when there is none, or for a packaging type's range
    /// (compared with a version the general probes do not give).
    pub(super) fn upper(&self) -> Option<&[u32]> {
        match &self.hi {
            Some((h, _)) if !self.distro => h.parts.get(..h.len as usize),
            _ => None,
        }
    }

    /// Whether the span may give a fact with these probes a finding (or,
    /// with `notes`, an `Unevaluable`).
    pub(super) fn may_concern(&self, general: &[Probe], whole: Probe, notes: bool) -> bool {
        if self.notes && !notes {
            return false;
        }
        let one = |p: &Probe| match p {
            Probe::NotVersion => notes || self.unbounded(),
            Probe::Unread => true,
            Probe::At(v) => self.may_contain(v),
        };
        general.iter().any(one) || (self.distro && one(&whole))
    }
}

impl Span {
    pub(super) fn may_contain(&self, v: &Prefix) -> bool {
        let out_lo = self
            .lo
            .is_some_and(|(lo, excl)| v.below(&lo) || (excl && v.same(&lo)));
        let out_hi = self
            .hi
            .is_some_and(|(hi, excl)| hi.below(v) || (excl && v.same(&hi)));
        !(out_lo || out_hi)
    }
}

/// Upper bounds in order, none after every bound; a bound that is the
/// start of a longer one comes after it (its missing parts count as higher
/// than any number): `4.0` < `4`, since `4` is below no `4.x` while `4.0`
/// is below `4.1`. In this order the bounds below any version come first,
/// which a plain comparison of the parts does not give.
pub(super) fn upper_order(a: Option<&[u32]>, b: Option<&[u32]>) -> Ordering {
    match (a, b) {
        (Some(a), Some(b)) => a
            .iter()
            .zip(b)
            .map(|(x, y)| x.cmp(y))
            .find(|o| o.is_ne())
            .unwrap_or_else(|| b.len().cmp(&a.len())),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    }
}

/// The spans of one key, for finding those that may hold a version fast:
/// first those whose bounds start with the same parts (`Span::level`), by
/// how many (1 to 4), then the others; each group sorted by the upper
/// bound (`Span::upper`).
///
/// In such an order, the spans whose upper bound is below a version come
/// first (if `a` is below `v` and `b` ≤ `a`, `b` is below `v`), and in a
/// level the spans whose bounds start with given parts lie together.
#[derive(Debug, Default)]
pub(super) struct KeySpans {
    pub(super) spans: Box<[Span]>,
    /// Where the spans of each level (1 to 4) start, and (last) the others.
    pub(super) starts: [usize; 5],
}

impl KeySpans {
    pub(super) fn new(mut list: Vec<Span>) -> KeySpans {
        list.sort_by(|a, b| {
            let class = |s: &Span| match s.level() {
                0 => 5,
                k => k,
            };
            class(a)
                .cmp(&class(b))
                .then_with(|| upper_order(a.upper(), b.upper()))
        });
        let mut starts = [0; 5];
        for (i, start) in starts.iter_mut().enumerate() {
            let k = if i == 4 { 0 } else { i + 1 };
            *start = list.partition_point(|s| {
                let l = s.level();
                l != 0 && (k == 0 || l < k)
            });
        }
        KeySpans {
            spans: list.into_boxed_slice(),
            starts,
        }
    }

    /// Adds the records of the spans that may concern a fact with these
    /// probes (`Span::may_concern`) to `out`.
    pub(super) fn concerning(
        &self,
        general: &[Probe],
        whole: Probe,
        notes: bool,
        out: &mut Vec<u32>,
    ) {
        let keep = |s: &&Span| s.may_concern(general, whole, notes);
        let n = self.spans.len();
        let group = |a: usize, b: usize| self.spans.get(a.min(n)..b.min(n)).unwrap_or(&[]);
        let others = group(self.starts[4], n);
        let versions = || {
            general.iter().filter_map(|p| match p {
                Probe::At(v) => Some(v),
                _ => None,
            })
        };
        if versions().count() < general.len() {
            // A probe that is not read: every span may concern it.
            out.extend(self.spans.iter().filter(keep).map(|s| s.rec));
            return;
        }
        // (The probes are distinct.)
        for v in versions() {
            for k in 1..=4 {
                // The spans of the level whose bounds start as `v` does (as
                // far as `v` goes), less those whose upper bound is below it.
                let level = group(self.starts[k - 1], self.starts[k]);
                let m = k.min(v.len as usize);
                let want = &v.parts[..m];
                fn head(s: &Span, m: usize) -> Option<&[u32]> {
                    s.upper().map(|u| &u[..m.min(u.len())])
                }
                let lo = level.partition_point(|s| head(s, m).is_some_and(|h| h < want));
                let hi = level.partition_point(|s| head(s, m).is_some_and(|h| h <= want));
                let same = &level[lo..hi];
                let from = same.partition_point(|s| s.hi.is_some_and(|(h, _)| h.below(v)));
                out.extend(same[from..].iter().filter(keep).map(|s| s.rec));
            }
        }
        // The others whose upper bound is below every version of the fact
        // cannot hold it.
        let from = others.partition_point(|s| {
            s.upper().is_some() && versions().all(|v| s.hi.is_some_and(|(h, _)| h.below(v)))
        });
        out.extend(others[from..].iter().filter(keep).map(|s| s.rec));
    }
}

/// The inclusive bound a version string gives; `None` (unbounded) when it
/// is not read.
pub(super) fn bound(s: &str) -> Option<(Prefix, bool)> {
    Prefix::of(s).map(|p| (p, false))
}

/// As `bound`, the bound itself excluded.
pub(super) fn bound_excl(s: &str) -> Option<(Prefix, bool)> {
    Prefix::of(s).map(|p| (p, true))
}

/// The spans of a vendor rule's entries that can be "affected" or cannot be
/// compared (all versions when its `defaultStatus` is "affected").
pub(super) fn rule_spans(rule: &AffectedRule, rec: u32, out: &mut Vec<Span>) {
    let any = Span {
        rec,
        lo: None,
        hi: None,
        notes: false,
        distro: false,
    };
    if rule.default_status == Status::Affected {
        out.push(any);
        return;
    }
    // Atlassian's pairs joined, as the rules are read (`ranges`).
    let entries = Entries::of(rule);
    for r in entries.list.iter() {
        let start = r.version.trim();
        let (start_v, lower_excl) = lower_of(start);
        let has_upper = r.less_than.is_some() || r.less_than_or_equal.is_some();
        let free_text = if has_upper {
            (!is_open_start(start) && !version::looks_like_version(start_v))
                || (upper_not_version(r).is_some() && !ended_by_changes(r))
        } else {
            let bare = start.trim_start_matches(['<', '>', '=', '!', '~', ' ']);
            !is_everything(start)
                && text_ranges(start).is_none()
                && !version::looks_like_version(bare)
        };
        if potential_rank(r) < 3 && !free_text {
            continue;
        }
        let patch = r
            .version_type
            .as_deref()
            .is_some_and(|t| t.eq_ignore_ascii_case("patch"));
        let distro = r
            .version_type
            .as_deref()
            .and_then(Scheme::from_version_type)
            .is_some_and(Scheme::is_distro);
        let span = |lo, hi| Span {
            rec,
            lo,
            hi,
            notes: false,
            distro,
        };
        if free_text {
            // It cannot be compared with any version: only an
            // `Unevaluable` can come of it.
            out.push(Span { notes: true, ..any });
        } else if !has_upper {
            if is_everything(start) {
                out.push(any);
            } else if let Some(ranges) = text_ranges(start) {
                for (lo, hi) in ranges {
                    out.push(span(bound(lo), bound(hi)));
                }
            } else {
                let b = bound(start);
                out.push(span(b, b));
            }
        } else if patch {
            // A build in a branch: versions of the branch.
            let b = bound(start);
            out.push(span(b, b));
        } else {
            let lower =
                if start_v.ends_with(['x', 'X', '*']) && version::looks_like_version(start_v) {
                    version::branch_prefix(start_v)
                } else {
                    start_v
                };
            let lo = if !is_open_start(lower) && version::looks_like_version(lower) {
                if lower_excl {
                    bound_excl(lower)
                } else {
                    bound(lower)
                }
            } else {
                None
            };
            let upper = match (&r.less_than_or_equal, &r.less_than) {
                (Some(le), _) => upper_of(le, true),
                (None, Some(lt)) => upper_of(lt, false),
                (None, None) => Upper::None,
            };
            let hi = match upper {
                Upper::Below(u) => bound_excl(u),
                Upper::UpTo(u) | Upper::Branch(u) => bound(u),
                // The next branch's start is not worth reading here.
                Upper::None | Upper::NextBranch(_) | Upper::NotVersion(_) => None,
            };
            // "affected" until one change to another status at a version
            // (F5 writes `lessThan: "*"` and the fixed release as a change).
            let hi = match r.changes.as_slice() {
                [ch] if r.status == Status::Affected
                    && ch.status != Status::Affected
                    && version::looks_like_version(&ch.at) =>
                {
                    bound_excl(&ch.at).or(hi)
                }
                _ => hi,
            };
            out.push(span(lo, hi));
        }
    }
}

/// The span of a vulnerable NVD criterion; `None` when it can match nothing
/// with a version (`-`).
pub(super) fn criterion_span(m: &CpeMatch, rec: u32) -> Option<Span> {
    if m.has_range() {
        let lo = match (&m.version_start_including, &m.version_start_excluding) {
            (Some(s), _) => bound(s),
            (None, Some(s)) => bound_excl(s),
            (None, None) => None,
        };
        let hi = match (&m.version_end_including, &m.version_end_excluding) {
            (Some(s), _) => bound(s),
            (None, Some(s)) => bound_excl(s),
            (None, None) => None,
        };
        return Some(Span {
            rec,
            lo,
            hi,
            notes: false,
            distro: false,
        });
    }
    let (lo, hi) = match m.criteria.version() {
        Value::Na => return None,
        Value::Text(t) => {
            let b = t.as_literal().and_then(bound);
            (b, b)
        }
        Value::Any => (None, None),
    };
    Some(Span {
        rec,
        lo,
        hi,
        notes: false,
        distro: false,
    })
}

/// The probes of the versions a fact is compared by: its version (or the
/// upstream part of a package's) and its CPEs' versions; and its whole
/// version, for ranges of a packaging type.
/// A few `Copy` values: on the stack while there are at most `N`.
pub(super) struct Few<T: Copy, const N: usize> {
    pub(super) head: [T; N],
    pub(super) len: usize,
    pub(super) more: Vec<T>,
}

impl<T: Copy + PartialEq, const N: usize> Few<T, N> {
    /// `fill` only fills the room.
    pub(super) fn new(fill: T) -> Self {
        Few {
            head: [fill; N],
            len: 0,
            more: Vec::new(),
        }
    }

    pub(super) fn push(&mut self, x: T) {
        if self.more.is_empty() && self.len < N {
            self.head[self.len] = x;
            self.len += 1;
        } else {
            if self.more.is_empty() {
                self.more.extend_from_slice(&self.head[..self.len]);
            }
            self.more.push(x);
        }
    }

    pub(super) fn as_slice(&self) -> &[T] {
        if self.more.is_empty() {
            &self.head[..self.len]
        } else {
            &self.more
        }
    }

    pub(super) fn as_mut_slice(&mut self) -> &mut [T] {
        if self.more.is_empty() {
            &mut self.head[..self.len]
        } else {
            &mut self.more
        }
    }
}

/// The probes of a fact: distinct, its upstream version's first.
pub(super) type Probes = Few<Probe, 4>;

pub(super) fn fact_probes(f: &FactData) -> (Probes, Probe) {
    let probe = |v: &str| {
        if v.trim().is_empty() || !version::looks_like_version(v) {
            Probe::NotVersion
        } else {
            Prefix::of(v).map_or(Probe::Unread, Probe::At)
        }
    };
    let mut general = Probes::new(Probe::NotVersion);
    let up = version::upstream(f.scheme, f.version());
    for v in std::iter::once(up).chain(f.candidates.iter().map(|c| f.cand_version(c))) {
        let p = probe(v);
        if !general.as_slice().contains(&p) {
            general.push(p);
        }
    }
    (general, probe(f.version()))
}

/// Vulnerabilities indexed by the vendor/product names and CPEs they can
/// match, so each asset is only compared with the records that concern it.
pub struct VulnIndex<'a> {
    pub(super) vulns: &'a [Vuln],
    pub(super) plans: Vec<VulnPlan>,
    /// Hash of a normalised product name, or a CPE vendor/product key → the
    /// records that name it, with the versions they can concern. A hash
    /// collision only adds a record to compare. The keys come from the
    /// feeds, so an unkeyed hash of them is enough: an inventory's names
    /// are only looked up and cannot lengthen a bucket.
    pub(super) by_key: HashMap<u64, KeySpans, HashedKeys>,
    /// Records with a CPE whose vendor or product is a wildcard.
    pub(super) always: Vec<u32>,
    /// Every key a record can name a fact by (`None`: some record can name
    /// any fact): a fact none of whose keys is here concerns no record.
    pub(super) known: Option<std::collections::HashSet<u64>>,
}

/// FNV-1a of a name already normalised (`norm`).
pub(super) fn product_key(product_n: &str) -> u64 {
    let mut h = 0x6c62_272e_07bb_0142u64;
    for b in product_n.bytes() {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    h
}

impl<'a> VulnIndex<'a> {
    pub fn new(vulns: &'a [Vuln]) -> VulnIndex<'a> {
        let mut by_key: HashMap<u64, Vec<Span>> = HashMap::new();
        let mut always = Vec::new();
        let mut spans: Vec<(u64, Span)> = Vec::new();
        for (i, v) in vulns.iter().enumerate() {
            let i = i as u32;
            spans.clear();
            let mut rule_span = Vec::new();
            for r in &v.affected {
                rule_span.clear();
                rule_spans(r, i, &mut rule_span);
                let mut keys = Vec::new();
                let (base, _) = product_and_modules(r);
                if !base.is_empty() {
                    keys.push(product_key(&norm(base)));
                }
                if let Some(p) = &r.package_name {
                    keys.push(product_key(&norm(p)));
                }
                for c in &r.cpes {
                    match c.vendor_product_key() {
                        Some(k) => keys.push(k),
                        None => {
                            if r.package_name.is_none() {
                                always.push(i)
                            }
                        }
                    }
                }
                for k in keys {
                    spans.extend(rule_span.iter().map(|s| (k, *s)));
                }
            }
            for cfg in &v.configurations {
                for n in &cfg.nodes {
                    for m in n.matches.iter().filter(|m| m.vulnerable) {
                        match m.criteria.vendor_product_key() {
                            Some(k) => spans.extend(criterion_span(m, i).map(|s| (k, s))),
                            None => always.push(i),
                        }
                    }
                }
            }
            // One span per distinct bounds and key.
            spans.sort_unstable_by_key(|(k, s)| {
                (
                    *k,
                    s.lo.map(|(p, x)| (p.len, p.parts, p.whole, x)),
                    s.hi.map(|(p, x)| (p.len, p.parts, p.whole, x)),
                    s.notes,
                    s.distro,
                )
            });
            spans.dedup_by(|a, b| {
                a.0 == b.0
                    && a.1.lo == b.1.lo
                    && a.1.hi == b.1.hi
                    && a.1.notes == b.1.notes
                    && a.1.distro == b.1.distro
            });
            for (k, s) in &spans {
                by_key.entry(*k).or_default().push(*s);
            }
        }
        let by_key: HashMap<u64, KeySpans, HashedKeys> = by_key
            .into_iter()
            .map(|(k, list)| (k, KeySpans::new(list)))
            .collect();
        always.sort_unstable();
        always.dedup();
        let plans: Vec<VulnPlan> = vulns.iter().map(VulnPlan::new).collect();
        let mut known: Option<std::collections::HashSet<u64>> =
            Some(by_key.keys().copied().collect());
        for plan in &plans {
            match (&plan.names, &mut known) {
                (Some(names), Some(k)) => k.extend(names.iter().copied()),
                _ => known = None,
            }
        }
        if !always.is_empty() {
            known = None;
        }
        VulnIndex {
            vulns,
            plans,
            by_key,
            always,
            known,
        }
    }

    /// The findings for one asset.
    pub fn match_item(&self, item: &InventoryItem) -> Vec<Finding> {
        self.match_bulk(std::slice::from_ref(item), 1, false)
            .findings
    }

    /// The findings for one asset, and the statements that name one of its
    /// facts but cannot be compared with its version.
    pub fn match_item_full(&self, item: &InventoryItem) -> Matched {
        self.match_bulk(std::slice::from_ref(item), 1, true)
    }

    /// What cannot be evaluated for one asset: the records whose statements
    /// name one of its facts but cannot be compared with its version (and
    /// that do not find or clear the fact otherwise).
    pub fn unevaluable(&self, item: &InventoryItem) -> Vec<Unevaluable> {
        self.match_item_full(item).unevaluable
    }

    /// How many records name one of an asset's facts (for measurements).
    pub fn candidates(&self, item: &InventoryItem) -> usize {
        let p = prepare(item);
        let mut named = Vec::new();
        for f in &p.facts {
            named.extend(self.named(f, false, true));
        }
        named.sort_unstable();
        named.dedup();
        named.len()
    }

    /// How many records an asset is compared with (for measurements): those
    /// that can give it a finding, among those that name one of its facts.
    pub fn compared(&self, item: &InventoryItem) -> usize {
        let p = prepare(item);
        let mut compared = Vec::new();
        for f in &p.facts {
            compared.extend(self.relevant(f, false));
        }
        compared.sort_unstable();
        compared.dedup();
        compared.len()
    }

    /// The records that name a fact, by its normalised product name or one
    /// of its CPEs' vendor and product, and whose versions can hold the
    /// fact's (all of them when `by_version` is false or the fact's version
    /// is not read): a superset of those that concern it.
    pub(super) fn named(&self, f: &FactData, by_version: bool, notes: bool) -> Vec<u32> {
        let mut out = Vec::new();
        self.named_into(f, by_version, notes, &mut out);
        out
    }

    /// `named`, in `out` (sorted, without repeats).
    pub(super) fn named_into(
        &self,
        f: &FactData,
        by_version: bool,
        notes: bool,
        out: &mut Vec<u32>,
    ) {
        out.clear();
        if f.platform_only {
            return;
        }
        let probes = by_version.then(|| fact_probes(f));
        out.extend_from_slice(&self.always);
        let mut keys: Few<u64, 8> = Few::new(0);
        keys.push(f.name_key);
        for a in f.aliases.iter() {
            keys.push(product_key(a));
        }
        for c in &f.candidates {
            match c.cpe.vendor_product_key() {
                Some(k) => keys.push(k),
                // A CPE with a wildcard vendor or product: every record.
                None => {
                    out.clear();
                    out.extend(0..self.vulns.len() as u32);
                    return;
                }
            }
        }
        let keys = keys.as_mut_slice();
        keys.sort_unstable();
        for (i, k) in keys.iter().enumerate() {
            if i > 0 && keys[i - 1] == *k {
                continue;
            }
            let Some(ks) = self.by_key.get(k) else {
                continue;
            };
            match &probes {
                Some((general, whole)) => ks.concerning(general.as_slice(), *whole, notes, out),
                None => out.extend(ks.spans.iter().map(|s| s.rec)),
            }
        }
        out.sort_unstable();
        out.dedup();
    }

    /// The records that can give a finding (`notes`: or an `Unevaluable`)
    /// for a fact (`fact_relevant`).
    pub(super) fn relevant(&self, f: &FactData, notes: bool) -> Vec<u32> {
        let mut cand = self.named(f, true, notes);
        cand.retain(
            |&i| match (self.vulns.get(i as usize), self.plans.get(i as usize)) {
                (Some(v), Some(plan)) => fact_relevant(v, plan, f, notes),
                _ => false,
            },
        );
        cand
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn version() -> impl Strategy<Value = String> {
        prop_oneof![
            // Few digits, so that bounds and versions often share their
            // first parts or are the start of one another (`4` and `4.0`).
            3 => "[0-4](\\.[0-3]){0,4}",
            1 => "[0-9]{1,3}(\\.[0-9]{1,3}){0,4}",
            1 => "[0-9]{1,2}(\\.[0-9]{1,2}){0,2}(-h[0-9]|p[0-9]|[a-z])?",
            1 => "[0-9]:[0-9]\\.[0-9]",
            1 => "[a-z]{1,4}",
        ]
    }

    fn bound() -> impl Strategy<Value = Option<(Prefix, bool)>> {
        (proptest::option::of(version()), any::<bool>())
            .prop_map(|(v, excl)| v.and_then(|v| Prefix::of(&v)).map(|p| (p, excl)))
    }

    fn span() -> impl Strategy<Value = Span> {
        (0u32..40, bound(), bound(), any::<bool>(), any::<bool>()).prop_map(
            |(rec, lo, hi, notes, distro)| Span {
                rec,
                lo,
                hi,
                notes: notes && rec % 3 == 0,
                distro: distro && rec % 4 == 0,
            },
        )
    }

    fn probe() -> impl Strategy<Value = Probe> {
        prop_oneof![
            8 => version().prop_map(|v| Prefix::of(&v).map_or(Probe::Unread, Probe::At)),
            1 => Just(Probe::NotVersion),
            1 => Just(Probe::Unread),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 3000, ..ProptestConfig::default() })]

        /// The index of a key's spans finds what looking at each would.
        #[test]
        fn key_spans_find_what_every_span_says(
            spans in proptest::collection::vec(span(), 0..40),
            general in proptest::collection::vec(probe(), 1..4),
            whole in probe(),
            notes in any::<bool>(),
        ) {
            let mut general = general;
            let mut distinct = Vec::new();
            for p in general.drain(..) {
                if !distinct.contains(&p) {
                    distinct.push(p);
                }
            }
            let mut want: Vec<u32> = spans
                .iter()
                .filter(|s| s.may_concern(&distinct, whole, notes))
                .map(|s| s.rec)
                .collect();
            let mut got = Vec::new();
            KeySpans::new(spans).concerning(&distinct, whole, notes, &mut got);
            want.sort_unstable();
            want.dedup();
            got.sort_unstable();
            got.dedup();
            prop_assert_eq!(got, want);
        }

        /// `norm`'s quick way for ASCII names gives what the general one does.
        #[test]
        fn norm_of_ascii_is_the_general_norm(s in "[ \\t\\n\\x0b\\x0c\\ra-zA-Z0-9._-]{0,16}") {
            let general = s.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase();
            prop_assert_eq!(norm(&s), general);
        }

        #[test]
        fn few_keeps_what_is_pushed(xs in proptest::collection::vec(any::<u8>(), 0..12)) {
            let mut few: Few<u8, 4> = Few::new(0);
            for &x in &xs {
                few.push(x);
            }
            prop_assert_eq!(few.as_slice(), xs.as_slice());
            prop_assert_eq!(few.as_mut_slice().len(), xs.len());
        }
    }
}
