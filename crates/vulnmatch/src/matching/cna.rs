//! Vendor statements (CVE JSON 5 CNA and ADP `affected`, CSAF products):
//! whether a rule names a fact, and what its version entries say of it.

use super::*;

// ------------------------------------------------------------ vendor rules

pub(super) struct RuleVerdict<'r> {
    pub(super) status: Status,
    /// Where in the record: the rule, and the version entry.
    pub(super) origin: (&'r str, Option<usize>),
    pub(super) text: String,
    pub(super) hotfix: Option<String>,
}

impl RuleVerdict<'_> {
    /// `CVE-… containers.cna.affected[0].versions[1]`.
    pub(super) fn record(&self, id: CveId) -> String {
        match self.origin {
            (rule, Some(k)) => format!("{id} {rule}.versions[{k}]"),
            (rule, None) => format!("{id} {rule}"),
        }
    }
}

/// How a rule names a fact (`Naming::words` says it).
#[derive(Clone, Copy)]
pub(super) enum Naming<'r> {
    /// A package on a platform: `package openssh on Red Hat Enterprise Linux 9`.
    PackageOn(&'r str, &'r str),
    /// A package, by a vendor or by a record that names none.
    Package(&'r str, bool),
    /// Vendor and product: `F5 BIG-IP`.
    Product(&'r str, &'r str),
    /// A product, the record naming no vendor.
    ProductOnly(&'r str),
    /// One of the rule's CPEs.
    Cpe(&'r Cpe),
}

impl Naming<'_> {
    pub(super) fn words(self) -> String {
        let mut out = String::new();
        self.write(&mut out);
        out
    }

    /// `words` written to `out`.
    pub(super) fn write(self, out: &mut String) {
        use std::fmt::Write as _;
        let _ = match self {
            Naming::PackageOn(pkg, platform) => write!(out, "package {pkg} on {platform}"),
            Naming::Package(pkg, no_vendor) => {
                let how = if no_vendor {
                    " (the record names no vendor)"
                } else {
                    ""
                };
                write!(out, "package {pkg}{how}")
            }
            Naming::Product(vendor, base) => write!(out, "{vendor} {base}"),
            Naming::ProductOnly(base) => write!(out, "{base} (the record names no vendor)"),
            Naming::Cpe(rc) => write!(out, "{rc}"),
        };
    }
}

/// The modules a rule limits its product to (`BIG-IP (APM)`, `modules`).
pub(super) fn rule_modules(rule: &AffectedRule) -> Vec<&str> {
    let (_, mut m) = product_and_modules(rule);
    m.extend(rule.modules.iter().map(String::as_str));
    m
}

/// How a rule names a fact, and how specific it is (3: the package on the
/// asset's platform; 2: vendor and product, or a CPE; 1: product alone,
/// the record naming no vendor). `rule_modules` are the modules it is
/// limited to.
///
/// Without `p` (no asset: a fact alone), a package on a platform is taken
/// as named whatever the OS.
pub(super) fn names_fact<'r>(
    rule: &'r AffectedRule,
    fact: &FactData,
    p: Option<&Prepared>,
) -> Option<(Naming<'r>, u8)> {
    if fact.platform_only {
        return None;
    }
    let (base, _) = product_and_modules(rule);
    let package = rule.package_name.as_deref();
    let alias = |x: &str| !fact.aliases.is_empty() && fact.is_named(&norm(x));
    let package_ok = package.is_some_and(|pk| eq_norm(pk, fact.product()) || alias(pk));
    let product_ok = !base.is_empty() && (eq_norm(base, fact.product()) || alias(base));
    if !package_ok && !product_ok && (rule.cpes.is_empty() || package.is_some()) {
        return None;
    }
    let no_vendor = is_no_vendor(rule.vendor.as_deref());
    let vendor_ok = !no_vendor
        && (rule
            .vendor
            .as_deref()
            .is_some_and(|v| eq_norm(v, fact.vendor()))
            // The registry records an operating system without its vendor:
            // a vendor's whole product name ("Windows Server 2022") names
            // it exactly all the same.
            || (rule.whole_name && fact.vendor().trim().is_empty()));
    if let (true, Some(pkg)) = (package_ok, package) {
        let platform = rule.product.as_deref().filter(|x| !eq_norm(x, pkg));
        if let Some(platform) = platform {
            // "openssh" on "Red Hat Enterprise Linux 9": the OS must be it.
            let os_named = p.is_none_or(|p| p.os_names.iter().any(|o| eq_norm(platform, o)));
            let os_cpe = rule.cpes.iter().any(|rc| {
                p.is_some_and(|p| {
                    p.os_cpes
                        .iter()
                        .any(|oc| cpe::is_match_except(rc, oc, &[3]))
                })
            });
            if (vendor_ok || no_vendor) && (os_named || os_cpe) {
                return Some((Naming::PackageOn(pkg, platform), 3));
            }
            return None;
        }
        if vendor_ok || no_vendor {
            let spec = if no_vendor { 1 } else { 2 };
            return Some((Naming::Package(pkg, no_vendor), spec));
        }
    }
    if product_ok && vendor_ok {
        return Some((
            Naming::Product(rule.vendor.as_deref().unwrap_or(""), base),
            2,
        ));
    }
    if product_ok && no_vendor {
        return Some((Naming::ProductOnly(base), 1));
    }
    if package.is_none() {
        for rc in &rule.cpes {
            for c in &fact.candidates {
                let skip: &[usize] = if c.part_known { &[] } else { &[0] };
                if cpe::is_match_except(rc, &c.cpe, skip) {
                    return Some((Naming::Cpe(rc), 2));
                }
            }
        }
    }
    None
}

/// The ordering and the version string used for a fact against a range
/// of this `versionType`.
pub(super) fn ordering_of<'f>(vt: Option<&str>, fact: &'f FactData) -> (Scheme, &'f str) {
    let want = vt.and_then(Scheme::from_version_type);
    match want {
        Some(s) if s.is_distro() && s == fact.scheme => (s, fact.version()),
        Some(s) if !s.is_distro() => (s, version::upstream(fact.scheme, fact.version())),
        _ => {
            if fact.scheme.is_distro() {
                (fact.scheme, version::upstream(fact.scheme, fact.version()))
            } else if fact.scheme == Scheme::Generic && version::looks_like_version(fact.version())
            {
                (Scheme::Dotted, fact.version())
            } else {
                (fact.scheme, fact.version())
            }
        }
    }
}

/// For `ordering_of`'s result: `; compared upstream …` when a package's
/// upstream version is compared (not for a range of the package's own
/// type), written to `out`.
pub(super) fn write_upstream_note(
    out: &mut String,
    vt: Option<&str>,
    fact: &FactData,
    scheme: Scheme,
    v: &str,
) {
    use std::fmt::Write as _;
    let own = vt
        .and_then(Scheme::from_version_type)
        .is_some_and(|w| w.is_distro() && w == fact.scheme);
    if fact.scheme.is_distro() && !own {
        let backport = if scheme == fact.scheme {
            "; a backported fix is not visible"
        } else {
            ""
        };
        let _ = write!(
            out,
            "; compared upstream {v} of {} package {}{backport}",
            fact.scheme,
            fact.version()
        );
    }
}

pub(super) fn is_open_start(s: &str) -> bool {
    // Quick: a version starting with 1 to 9 is none of these.
    if s.trim_start()
        .starts_with(|c: char| c.is_ascii_digit() && c != '0')
    {
        return false;
    }
    s.trim().is_empty()
        || ["0", "*", "all", "all versions", "unspecified", "n/a", "-"]
            .iter()
            .any(|x| eq_norm(s, x))
}

pub(super) fn is_everything(s: &str) -> bool {
    // Quick: these all start with `*` or `a`.
    matches!(s.trim_start().as_bytes().first(), Some(b'*' | b'a' | b'A'))
        && ["*", "all", "all versions"].iter().any(|x| eq_norm(s, x))
}

#[derive(Debug, Clone)]
pub(super) enum Upper<'a> {
    None,
    Below(&'a str),
    UpTo(&'a str),
    /// Below the end of a branch (`17.0.x*`).
    Branch(&'a str),
    /// Bounded by the next higher unbounded range of the same entry.
    NextBranch(&'a str),
    /// Written, but not a version (`unspecified`, a web address): never
    /// read as "no bound" (`ranges`).
    NotVersion(&'a str),
}

/// A version entry that cannot be compared with the fact: where, the entry
/// in words, and why (empty when not asked for).
#[derive(Default)]
pub(super) struct NotComparable {
    pub(super) origin: String,
    pub(super) text: String,
    pub(super) reason: String,
}

/// Why entry `r` cannot be compared with the installed version `v` (the
/// string the ordering would use), or `None` when it can (`nc_reason`
/// puts it in words).
///
/// Not comparable: an installed version that is not a version (`latest`,
/// `R2 SP1 build abc`, nothing recorded) against anything but "every
/// version"; a record's version that is free text (`unspecified`,
/// `FortiOS 6.0.0 to 6.0.4, …`) where a version is needed (an exact entry,
/// or the start of a range). Comparison operators written into the version
/// (`>= 8.0.1`) and lists of ranges (`15.0.0-15.1.0.3, …`) are read.
pub(super) fn not_comparable(r: &VersionRange, v: &str) -> Option<NcWhy> {
    let start = r.version.trim();
    let has_upper = r.less_than.is_some() || r.less_than_or_equal.is_some();
    if !has_upper && is_everything(start) {
        return None;
    }
    if v.trim().is_empty() {
        return Some(NcWhy::NoVersion);
    }
    if !version::looks_like_version(v) {
        return Some(NcWhy::NotAVersion);
    }
    if !has_upper {
        let bare = start.trim_start_matches(['<', '>', '=', '!', '~', ' ']);
        if !version::looks_like_version(bare) && text_ranges(start).is_none() {
            return Some(NcWhy::FreeText);
        }
        return None;
    }
    if upper_not_version(r).is_some() && !ended_by_changes(r) {
        return Some(NcWhy::UpperNotVersion);
    }
    let (lower, _) = lower_of(start);
    if version::looks_like_version(lower) || is_open_start(start) {
        return None;
    }
    let patch = r
        .version_type
        .as_deref()
        .is_some_and(|t| t.eq_ignore_ascii_case("patch"));
    if !patch {
        return Some(NcWhy::FreeStart);
    }
    None
}

/// Why an entry cannot be compared (`not_comparable`).
#[derive(Debug, Clone, Copy)]
pub(super) enum NcWhy {
    /// The inventory has no version.
    NoVersion,
    /// The installed version is not one.
    NotAVersion,
    /// The record's (exact) version is free text.
    FreeText,
    /// The range starts at free text.
    FreeStart,
    /// The range's upper bound is written but is not a version.
    UpperNotVersion,
}

/// `NcWhy` in words.
pub(super) fn nc_reason(why: NcWhy, r: &VersionRange, fact: &FactData) -> String {
    let start = r.version.trim();
    let vt = || {
        r.version_type
            .as_deref()
            .map(|t| format!(" (versionType {t})"))
            .unwrap_or_else(|| " (no versionType)".into())
    };
    match why {
        NcWhy::NoVersion => "the inventory records no version".into(),
        NcWhy::NotAVersion => format!(
            "the installed version '{}' ({} scheme) is not a version that can be ordered",
            fact.version(),
            scheme_name(fact.scheme)
        ),
        NcWhy::FreeText => format!("the record's version '{start}' is free text{}", vt()),
        NcWhy::FreeStart => format!("the range starts at '{start}', which is free text{}", vt()),
        NcWhy::UpperNotVersion => format!(
            "the range's upper bound '{}' is not a version{}: it is not read as 'no upper bound'",
            upper_not_version(r).unwrap_or(""),
            vt()
        ),
    }
}

/// The inventory's name of a scheme (`other` for the generic ordering).
pub(super) fn scheme_name(s: Scheme) -> &'static str {
    match s {
        Scheme::Generic => "other",
        s => s.as_str(),
    }
}

/// The best status an entry can give (its own or one of its changes).
pub(super) fn potential_rank(r: &VersionRange) -> u8 {
    let st = std::iter::once(r.status).chain(r.changes.iter().map(|c| c.status));
    st.map(|s| match s {
        Status::Affected => 3,
        Status::Unaffected => 1,
        Status::Unknown => 0,
    })
    .max()
    .unwrap_or(0)
}

/// The starts of a rule's unbounded ranges (`lessThan: "*"`), for the
/// branch reading.
pub(super) fn unbounded_starts(versions: &[VersionRange]) -> Vec<&str> {
    versions
        .iter()
        .filter(|r| {
            r.less_than.as_deref().is_some_and(|l| l.trim() == "*")
                && r.less_than_or_equal.is_none()
        })
        .map(|r| r.version.as_str())
        .filter(|v| version::looks_like_version(v))
        .collect()
}

/// What a covering entry gives, before it is put in words: the status the
/// changes leave, the change that decided it (its index, and whether it
/// was a named fix installed), and the fix that removes "affected".
#[derive(Clone, Copy)]
pub(super) struct EntryStatus {
    pub(super) status: Status,
    pub(super) change: Option<(usize, bool)>,
    pub(super) hotfix: Option<usize>,
}

impl EntryStatus {
    /// The status given (a fix that removes "affected" leaves it, noted).
    pub(super) fn given(&self) -> Status {
        if self.hotfix.is_some() {
            Status::Affected
        } else {
            self.status
        }
    }

    /// As `rank` of the verdict it becomes.
    pub(super) fn rank(&self) -> u8 {
        verdict_rank(self.given(), self.hotfix.is_some())
    }
}

/// The status of a covering entry at `v`: its own, changed by its
/// `changes` at versions up to `v` and by the named fixes installed.
pub(super) fn entry_status(
    r: &VersionRange,
    v: &str,
    cmp: &dyn Fn(&str, &str) -> Ordering,
    p: &Prepared,
) -> EntryStatus {
    let mut e = EntryStatus {
        status: r.status,
        change: None,
        hotfix: None,
    };
    for (i, ch) in r.changes.iter().enumerate() {
        if version::looks_like_version(&ch.at) {
            if cmp(v, &ch.at) != Ordering::Less {
                e.status = ch.status;
                e.change = Some((i, false));
            }
        } else if !p.fixes.is_empty() && p.fixes.contains(&normalise_fix(&ch.at)) {
            if e.status == Status::Affected && ch.status == Status::Unaffected {
                e.hotfix = Some(i);
            } else {
                e.status = ch.status;
            }
            e.change = Some((i, true));
        }
    }
    e
}

/// The verdict of covering entry `k` in words.
pub(super) fn entry_verdict<'r>(
    rule: &'r AffectedRule,
    entries: &Entries,
    j: usize,
    fact: &FactData,
    unbounded: &[&str],
    e: EntryStatus,
) -> RuleVerdict<'r> {
    use std::fmt::Write as _;
    let Some(r) = entries.list.get(j) else {
        return RuleVerdict {
            status: Status::Unknown,
            origin: (&rule.origin, None),
            text: String::new(),
            hotfix: None,
        };
    };
    let (k, joined) = entries.origin(j);
    let vt = r.version_type.as_deref();
    let (scheme, v) = ordering_of(vt, fact);
    let cmp = |a: &str, b: &str| version::compare_or_generic(scheme, a, b).0;
    let mut text = String::with_capacity(128);
    if !range_covers(r, v, fact.edition(), unbounded, &cmp, Some(&mut text)) || text.is_empty() {
        text.clear();
        let _ = write!(text, "v = {}", r.version);
    }
    if joined {
        let _ = write!(
            text,
            " (versions[{k}] and versions[{}] read together: a start with lessThan 'unspecified' followed by an end with version 'unspecified')",
            k + 1
        );
    }
    if r.status != e.status || e.hotfix.is_some() {
        let _ = write!(text, " is {}", r.status.as_str());
    }
    text.push_str(" (");
    match vt {
        Some(t) => {
            let _ = write!(text, "versionType {t}");
        }
        None => text.push_str("no versionType"),
    }
    let _ = write!(text, ", ordered as {scheme}");
    write_upstream_note(&mut text, vt, fact, scheme, v);
    text.push_str(") → ");
    text.push_str(e.given().as_str());
    match e
        .change
        .and_then(|(i, named)| Some((r.changes.get(i)?, named)))
    {
        Some((ch, false)) => {
            let _ = write!(text, "; {} from {}", ch.status.as_str(), ch.at);
        }
        Some((ch, true)) => {
            let _ = write!(text, "; {} with {} installed", ch.status.as_str(), ch.at);
        }
        None if e.hotfix.is_none() => {
            let mut fixes = r
                .changes
                .iter()
                .filter(|c| !version::looks_like_version(&c.at) && c.status == Status::Unaffected)
                .map(|c| c.at.as_str())
                .peekable();
            if fixes.peek().is_some() {
                text.push_str("; unaffected with ");
                for (i, f) in fixes.enumerate() {
                    if i > 0 {
                        text.push_str(" or ");
                    }
                    text.push_str(f);
                }
                text.push_str(" (not installed)");
            }
        }
        None => {}
    }
    RuleVerdict {
        status: e.given(),
        origin: (&rule.origin, Some(k)),
        text,
        hotfix: e
            .hotfix
            .and_then(|i| r.changes.get(i))
            .map(|c| c.at.clone()),
    }
}

/// Evaluates one rule's versions for a fact: `Ok(None)` when the rule says
/// nothing about it, `Err` when an entry that could decide cannot be
/// compared with it. Only the deciding entry is put in words.
pub(super) fn eval_versions<'r>(
    rule: &'r AffectedRule,
    fact: &Fact,
    p: &Prepared,
    notes: bool,
) -> Result<Option<RuleVerdict<'r>>, NotComparable> {
    // Atlassian's pairs joined (`ranges`).
    let entries = Entries::of(rule);
    // Starts of the unbounded ranges, for the branch reading.
    let unbounded = unbounded_starts(&entries.list);
    // The best covering entry: its index and status.
    let mut found: Option<(usize, EntryStatus)> = None;
    // Entries that cannot be compared: (index, why, best status they give).
    let mut skipped: Vec<(usize, NcWhy, u8)> = Vec::new();
    for (k, r) in entries.list.iter().enumerate() {
        let (scheme, v) = ordering_of(r.version_type.as_deref(), fact);
        if let Some(why) = not_comparable(r, v) {
            skipped.push((k, why, potential_rank(r)));
            continue;
        }
        let cmp = |a: &str, b: &str| version::compare_or_generic(scheme, a, b).0;
        if !range_covers(r, v, fact.edition(), &unbounded, &cmp, None) {
            continue;
        }
        let e = entry_status(r, v, &cmp, p);
        // Affected wins over unaffected; a clean "affected" over one removed by a hotfix.
        if found.is_none_or(|(_, f)| e.rank() > f.rank()) {
            found = Some((k, e));
        }
    }
    // An entry that cannot be compared matters when it could give a better
    // status than the one found, or stands where `defaultStatus` would.
    let found_rank = found.map(|(_, e)| e.rank());
    if let Some(&(k, why, _)) = skipped
        .iter()
        .find(|(_, _, pot)| found_rank.is_none_or(|fr| *pot > fr))
    {
        if !notes {
            return Err(NotComparable::default());
        }
        let Some(r) = entries.list.get(k) else {
            return Err(NotComparable::default());
        };
        let k = entries.origin(k).0;
        let more = skipped.len() - 1;
        let reason = nc_reason(why, r, fact);
        return Err(NotComparable {
            origin: format!("{}.versions[{k}]", rule.origin),
            text: format!("{} → {}", entry_words(r), r.status.as_str()),
            reason: if more > 0 {
                format!("{reason} (and {more} more entries)")
            } else {
                reason
            },
        });
    }
    if let Some((k, e)) = found {
        if e.given() != Status::Unknown {
            return Ok(Some(entry_verdict(rule, &entries, k, fact, &unbounded, e)));
        }
    }
    Ok(match rule.default_status {
        Status::Unknown => None,
        st => Some(RuleVerdict {
            status: st,
            origin: (&rule.origin, None),
            text: format!(
                "no version entry covers {}; defaultStatus {}",
                fact.version(),
                st.as_str()
            ),
            hotfix: None,
        }),
    })
}

/// A version entry as written: `version 7.2.0, lessThan 7.2.7 (semver)`.
pub(super) fn entry_words(r: &VersionRange) -> String {
    let mut s = format!("version '{}'", r.version);
    if let Some(l) = &r.less_than {
        s.push_str(&format!(", lessThan '{l}'"));
    }
    if let Some(l) = &r.less_than_or_equal {
        s.push_str(&format!(", lessThanOrEqual '{l}'"));
    }
    if let Some(t) = &r.version_type {
        s.push_str(&format!(" ({t})"));
    }
    s
}

pub(super) fn rank(v: &RuleVerdict) -> u8 {
    verdict_rank(v.status, v.hotfix.is_some())
}

pub(super) fn verdict_rank(status: Status, hotfix: bool) -> u8 {
    match (status, hotfix) {
        (Status::Affected, false) => 3,
        (Status::Affected, true) => 2,
        (Status::Unaffected, _) => 1,
        (Status::Unknown, _) => 0,
    }
}

/// Whether the range covers `v` (of the fact's `edition`, if any); when it
/// does, the range in words is written to `text` (nothing for an exact
/// version). How entries are read: `ranges`.
pub(super) fn range_covers(
    r: &VersionRange,
    v: &str,
    edition: Option<&str>,
    unbounded: &[&str],
    cmp: &dyn Fn(&str, &str) -> Ordering,
    text: Option<&mut String>,
) -> bool {
    use std::fmt::Write as _;
    let start = r.version.trim();
    let has_upper = r.less_than.is_some() || r.less_than_or_equal.is_some();
    if !has_upper {
        if is_everything(start) {
            if let Some(t) = text {
                t.push_str("every version");
            }
            return true;
        }
        if let Some(ranges) = text_ranges(start) {
            for (lo, hi) in ranges {
                if cmp(v, lo) != Ordering::Less && cmp(v, hi) != Ordering::Greater {
                    if let Some(t) = text {
                        let _ = write!(t, "{lo} ≤ v ≤ {hi} (from the text '{start}')");
                    }
                    return true;
                }
            }
            return false;
        }
        return cmp(v, start) == Ordering::Equal;
    }
    // versionType "patch": a branch (with its edition) and a build in it.
    if r.version_type
        .as_deref()
        .is_some_and(|t| t.eq_ignore_ascii_case("patch"))
    {
        let (branch, line_edition) = patch_branch(start);
        let (v_main, v_edition) = split_edition(v);
        let fact_edition = edition.or(v_edition);
        let same_line = match (line_edition, fact_edition) {
            (None, None) => true,
            (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
            _ => false,
        };
        if !same_line {
            return false;
        }
        let Some(rest) = v_main
            .strip_prefix(branch)
            .and_then(|x| x.strip_prefix('-'))
        else {
            return false;
        };
        if !rest.starts_with(|c: char| c.is_ascii_digit()) {
            return false;
        }
        let (bound, incl) = match (&r.less_than, &r.less_than_or_equal) {
            (_, Some(le)) => (le.as_str(), true),
            (Some(lt), None) => (lt.as_str(), false),
            (None, None) => return false,
        };
        let o = cmp(rest, bound);
        let ok = o == Ordering::Less || (incl && o == Ordering::Equal);
        if let (true, Some(t)) = (ok, text) {
            let _ = write!(
                t,
                "{branch}-{rest} in branch {branch}, build {} {bound}",
                if incl { "≤" } else { "<" }
            );
            if let Some(e) = line_edition {
                let _ = write!(t, ", edition {e}");
            }
        }
        return ok;
    }
    let (start_v, lower_excl) = lower_of(start);
    let lower = if start_v.ends_with(['x', 'X', '*']) && version::looks_like_version(start_v) {
        version::branch_prefix(start_v)
    } else {
        start_v
    };
    let lower_known = !is_open_start(lower) && version::looks_like_version(lower);
    if lower_known {
        let o = cmp(v, lower);
        if o == Ordering::Less || (lower_excl && o == Ordering::Equal) {
            return false;
        }
    }
    let upper = match (&r.less_than_or_equal, &r.less_than) {
        (Some(le), _) => upper_of(le, true),
        (None, Some(lt)) => {
            let u = upper_of(lt, false);
            match u {
                Upper::None if lt.trim() == "*" => {
                    // The branch reading of several unbounded ranges.
                    let next = unbounded
                        .iter()
                        .filter(|s| {
                            version::looks_like_version(s) && cmp(s, lower) == Ordering::Greater
                        })
                        .min_by(|a, b| cmp(a, b));
                    match next {
                        Some(n) => Upper::NextBranch(n),
                        None => Upper::None,
                    }
                }
                u => u,
            }
        }
        (None, None) => Upper::None,
    };
    let ok = match &upper {
        Upper::None => true,
        Upper::Below(u) => cmp(v, u) == Ordering::Less,
        Upper::UpTo(u) => cmp(v, u) != Ordering::Greater,
        Upper::Branch(b) => cmp(v, b) == Ordering::Less || version::in_branch(b, v),
        Upper::NextBranch(n) => cmp(v, n) == Ordering::Less,
        // Only read when the changes end it (`ranges::ended_by_changes`;
        // otherwise `not_comparable` stopped it): the range reaches its
        // last change, and from there on the status is the change's.
        Upper::NotVersion(_) => ended_by_changes(r),
    };
    let (true, Some(t)) = (ok, text) else {
        return ok;
    };
    if lower_known {
        let _ = write!(t, "{lower} {} ", if lower_excl { "<" } else { "≤" });
    }
    let _ = match &upper {
        Upper::None => {
            t.push('v');
            Ok(())
        }
        Upper::Below(u) => write!(t, "v < {u}"),
        Upper::UpTo(u) => write!(t, "v ≤ {u}"),
        Upper::Branch(b) => write!(t, "v ≤ {b}.*"),
        Upper::NextBranch(n) => write!(
            t,
            "v < {n} (lessThan '*', read as ending where the entry's next branch starts)"
        ),
        Upper::NotVersion(raw) => write!(
            t,
            "v (upper bound '{raw}' is not a version; the range reaches its last change at {}, whose status holds from there on)",
            last_version_change(r).map(|c| c.at.as_str()).unwrap_or("")
        ),
    };
    true
}

pub(super) fn upper_of(s: &str, inclusive: bool) -> Upper<'_> {
    let t = s.trim();
    if t == "*" || t.is_empty() {
        return Upper::None;
    }
    if t.ends_with('*') {
        let prefix = version::branch_prefix(t);
        if version::looks_like_version(prefix) {
            return Upper::Branch(prefix);
        }
        return Upper::NotVersion(t);
    }
    if !version::looks_like_version(t) {
        return Upper::NotVersion(t);
    }
    if inclusive {
        Upper::UpTo(t)
    } else {
        Upper::Below(t)
    }
}

/// `15.0.0-15.1.0.3, 14.1.0-14.1.2.5` → inclusive ranges; `None` when the
/// text is not such a list (so `10.2.9-h1` and `13.1-49.15` stay versions).
pub(super) fn text_ranges(s: &str) -> Option<Vec<(&str, &str)>> {
    let mut out = Vec::new();
    for part in s.split(',') {
        let part = part.trim();
        let (lo, hi) = part.split_once('-')?;
        let (lo, hi) = (lo.trim(), hi.trim());
        fn first(x: &str) -> Option<&str> {
            x.split('.').next()
        }
        if !version::looks_like_version(lo)
            || !version::looks_like_version(hi)
            || !lo.contains('.')
            || !hi.contains('.')
            || first(lo) != first(hi)
            || version::compare(Scheme::Dotted, lo, hi) == Some(Ordering::Greater)
        {
            return None;
        }
        out.push((lo, hi));
    }
    (!out.is_empty()).then_some(out)
}

pub(super) fn modules_ok(mods: &[&str], p: &Prepared) -> Result<Option<String>, ()> {
    if mods.is_empty() || mods.iter().any(|m| is_all_modules(m)) {
        return Ok(None);
    }
    if p.modules.is_empty() {
        return Ok(Some(format!(
            "the record names module {}; the asset lists no modules",
            mods.join(", ")
        )));
    }
    let wanted: Vec<String> = mods.iter().map(|m| module_code(m)).collect();
    match p
        .item
        .modules
        .iter()
        .find(|m| wanted.contains(&module_code(m)))
    {
        Some(m) => Ok(Some(format!("module {m}"))),
        None => Err(()),
    }
}

/// A statement that names a fact but cannot be compared with it, kept until
/// the record has been matched: it is reported when nothing else found the
/// fact affected.
pub(super) struct Pending {
    pub(super) fact: usize,
    pub(super) source: EvidenceSource,
    pub(super) record: String,
    pub(super) rule: String,
    pub(super) reason: String,
}

pub(super) fn evidence_source(source: Source) -> EvidenceSource {
    match source {
        Source::Cve5Adp => EvidenceSource::Cve5Adp,
        Source::Csaf => EvidenceSource::Csaf,
        _ => EvidenceSource::Cve5Cna,
    }
}

/// The best verdict of one source's rules for a fact: its status and, when
/// "affected", the finding. `None` when the source says nothing, or when a
/// rule that could decide cannot be compared with the fact (added to
/// `pending`, and the next source is asked).
pub(super) fn vendor_verdict(
    v: &Vuln,
    plan: &VulnPlan,
    source: Source,
    (fi, fact): (usize, &Fact),
    p: &Prepared,
    pending: Option<&mut Vec<Pending>>,
) -> Option<(Status, Option<Finding>)> {
    // The best verdict so far: with how the rule names the fact, the
    // module note and its rank.
    type Best<'r> = (RuleVerdict<'r>, Naming<'r>, Option<String>, (u8, u8));
    let mut best: Option<Best> = None;
    // Rules that cannot be compared: (how specific, what to report when
    // `pending` is asked for).
    let mut blocked: Vec<(u8, Option<Pending>)> = Vec::new();
    let slot = match source {
        Source::Cve5Cna => 0,
        Source::Csaf => 1,
        _ => 2,
    };
    for &i in &plan.by_source[slot] {
        let Some(rule) = v.affected.get(i as usize) else {
            continue;
        };
        if !rule_may_name(plan, i, fact) {
            continue;
        }
        let Some((how, spec)) = names_fact(rule, fact, Some(p)) else {
            continue;
        };
        let mods = rule_modules(rule);
        let verdict = match modules_ok(&mods, p) {
            Ok(module_note) => {
                let mut verdict = match eval_versions(rule, fact, p, pending.is_some()) {
                    Ok(Some(verdict)) => verdict,
                    Ok(None) => continue,
                    Err(nc) => {
                        let x = pending.is_some().then(|| Pending {
                            fact: fi,
                            source: evidence_source(source),
                            record: format!("{} {}", v.id, nc.origin),
                            rule: format!("{}: {}", how.words(), nc.text),
                            reason: nc.reason,
                        });
                        blocked.push((spec, x));
                        continue;
                    }
                };
                if verdict.status == Status::Affected && verdict.hotfix.is_none() {
                    // Fixes tied to one range's `changes` were weighed there.
                    let in_changes = |f: &str| {
                        rule.versions
                            .iter()
                            .any(|r| r.changes.iter().any(|c| c.at == f))
                    };
                    if let Some(fx) = rule
                        .fixes
                        .iter()
                        .find(|f| !in_changes(f) && p.fixes.contains(&normalise_fix(f)))
                    {
                        // A vendor fix named by the rule is installed.
                        verdict.text.push_str(&format!("; fix {fx} installed"));
                        verdict.hotfix = Some(fx.clone());
                    }
                }
                (verdict, module_note)
            }
            // The vendor limits the product to modules the asset does not run.
            Err(()) => (
                RuleVerdict {
                    status: Status::Unaffected,
                    origin: (&rule.origin, None),
                    text: format!("only module {} is affected", mods.join(", ")),
                    hotfix: None,
                },
                None,
            ),
        };
        let (verdict, module_note) = verdict;
        let key = (spec, rank(&verdict));
        if best.as_ref().is_none_or(|(_, _, _, bk)| key > *bk) {
            best = Some((verdict, how, module_note, key));
        }
    }
    // "Affected" stands; "unaffected" stands unless a rule as specific could
    // not be compared; otherwise the source cannot decide.
    let decided = match &best {
        Some((verdict, ..)) if verdict.status == Status::Affected => true,
        Some((_, _, _, (spec, _))) => blocked.iter().all(|(s, _)| s < spec),
        None => false,
    };
    if !decided {
        if let Some(pending) = pending {
            pending.extend(blocked.into_iter().filter_map(|(_, x)| x));
        }
        return None;
    }
    let (verdict, how, module_note, _) = best?;
    if verdict.status != Status::Affected {
        return Some((verdict.status, None));
    }
    let label = fact.label(p.item);
    let fact_text = match &module_note {
        Some(n) => format!("{label}; {n}"),
        None => label.to_string(),
    };
    let finding = Finding {
        cve: v.id,
        asset_id: p.item.asset_id,
        evidence: Arc::new(Evidence {
            source: evidence_source(source),
            record: verdict.record(v.id),
            rule: {
                let mut rule = String::with_capacity(64 + verdict.text.len());
                how.write(&mut rule);
                rule.push_str(": ");
                rule.push_str(&verdict.text);
                rule
            },
            inventory_fact: fact_text,
            hotfix_excluded: verdict.hotfix,
        }),
    };
    Some((Status::Affected, Some(finding)))
}

/// Whether rule `i` of the plan may name the fact (by its normalised
/// product or package name, or a CPE key): a quick filter before
/// `names_fact`.
pub(super) fn rule_may_name(plan: &VulnPlan, i: u32, fact: &FactData) -> bool {
    match plan.rules.get(i as usize) {
        Some((base, pkg, keys, unkeyed)) => {
            let named = fact.is_named(base) || (!pkg.is_empty() && fact.is_named(pkg));
            named
                || (pkg.is_empty()
                    && (*unkeyed
                        || fact
                            .candidates
                            .iter()
                            .any(|c| c.cpe.vendor_product_key().is_none_or(|k| keys.contains(&k)))))
        }
        None => true,
    }
}

/// Whether a rule that names the fact can find it affected, or cannot be
/// compared with it, whatever the asset's fixes and modules: an entry
/// covering its version that is (or, with a fix installed, becomes)
/// "affected", an entry that cannot be compared, or `defaultStatus`
/// "affected" where no covering entry decides.
pub(super) fn rule_may_affect(rule: &AffectedRule, fact: &FactData, notes: bool) -> bool {
    let entries = Entries::of(rule);
    let unbounded = unbounded_starts(&entries.list);
    let mut decided = false;
    for r in entries.list.iter() {
        let (scheme, v) = ordering_of(r.version_type.as_deref(), fact);
        if not_comparable(r, v).is_some() {
            if notes {
                return true;
            }
            continue;
        }
        let cmp = |a: &str, b: &str| version::compare_or_generic(scheme, a, b).0;
        if !range_covers(r, v, fact.edition(), &unbounded, &cmp, None) {
            continue;
        }
        // The status at this version, and those a named fix can give.
        let mut status = r.status;
        let mut possible: Vec<Status> = Vec::new();
        for ch in &r.changes {
            if version::looks_like_version(&ch.at) {
                if cmp(v, &ch.at) != Ordering::Less {
                    status = ch.status;
                }
            } else {
                possible.push(ch.status);
            }
        }
        possible.push(status);
        if possible.contains(&Status::Affected) {
            return true;
        }
        decided |= !possible.contains(&Status::Unknown);
    }
    !decided && rule.default_status == Status::Affected
}

/// Whether a vulnerable NVD criterion names one of the fact's CPEs with its
/// version in range (`notes`: or cannot compare the version).
pub(super) fn nvd_may_affect(v: &Vuln, plan: &VulnPlan, fact: &FactData, notes: bool) -> bool {
    if v.configurations.is_empty() || fact.candidates.is_empty() {
        return false;
    }
    let mut configs: Vec<u32> = plan.unkeyed_configs.clone();
    let mut keys: Vec<u64> = Vec::with_capacity(fact.candidates.len());
    let mut all = false;
    for c in &fact.candidates {
        match c.cpe.vendor_product_key() {
            Some(k) => {
                keys.push(k);
                if let Some(cs) = plan.configs_by_key.get(&k) {
                    configs.extend_from_slice(cs);
                }
            }
            None => all = true,
        }
    }
    if all {
        configs = (0..v.configurations.len() as u32).collect();
    }
    configs.sort_unstable();
    configs.dedup();
    let hit = |m: &CpeMatch| {
        m.vulnerable
            && match cpe_match_fact(m, fact) {
                CpeOutcome::Hit(_) => true,
                CpeOutcome::NotComparable(_) => notes,
                _ => false,
            }
    };
    for ci in configs {
        let Some(cfg) = v.configurations.get(ci as usize) else {
            continue;
        };
        for (ni, n) in cfg.nodes.iter().enumerate() {
            if n.negate {
                continue;
            }
            match plan.nodes.get(ci as usize).and_then(|c| c.get(ni)) {
                Some((keyed, unkeyed)) if !all => {
                    for k in &keys {
                        let lo = keyed.partition_point(|(x, _)| x < k);
                        for (_, mi) in keyed[lo..].iter().take_while(|(x, _)| x == k) {
                            if n.matches.get(*mi as usize).is_some_and(hit) {
                                return true;
                            }
                        }
                    }
                    if unkeyed
                        .iter()
                        .any(|mi| n.matches.get(*mi as usize).is_some_and(hit))
                    {
                        return true;
                    }
                }
                _ => {
                    if n.matches.iter().any(hit) {
                        return true;
                    }
                }
            }
        }
    }
    false
}

/// Whether `v` can give a finding (`notes`: or an `Unevaluable`) for the
/// fact, whatever the rest of the asset (its modules, fixes, OS and other
/// facts): a vendor rule that names it (its platform condition aside) and
/// `rule_may_affect`, or `nvd_may_affect`. A superset: the records it
/// rejects give nothing for the fact, so an asset need only be matched with
/// the records its facts accept.
pub(super) fn fact_relevant(v: &Vuln, plan: &VulnPlan, fact: &FactData, notes: bool) -> bool {
    if fact.platform_only {
        return false;
    }
    for slot in &plan.by_source {
        for &i in slot {
            let Some(rule) = v.affected.get(i as usize) else {
                continue;
            };
            if rule_may_name(plan, i, fact)
                && names_fact(rule, fact, None).is_some()
                && rule_may_affect(rule, fact, notes)
            {
                return true;
            }
        }
    }
    nvd_may_affect(v, plan, fact, notes)
}
