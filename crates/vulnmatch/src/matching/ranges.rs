//! How the version entries of CVE JSON 5 (`versions[]`) are read before
//! they are compared: the conventions of the schema and of the CNAs that
//! the engine reads as what they mean, and the bounds it refuses to guess.
//!
//! The schema (CVE JSON 5.1, `versions[]`): `version` is "the single version
//! being described, or the version at the start of the range. By
//! convention, typically 0 denotes the earliest possible version";
//! `lessThan`/`lessThanOrEqual` are "the non-inclusive/inclusive upper
//! limit of the range"; `lessThan: "*"` is documented as no upper limit;
//! `changes[].at` lie within the range.
//!
//! Read here:
//! - A start of `0`, `*`, `all`, `unspecified`, `n/a`, `-` or nothing
//!   *with a version as upper bound* starts at the earliest version
//!   (`0` by the schema; the v4→v5 converter writes a legacy `< Y` as
//!   `{version: "unspecified", lessThan: Y}`); the range stays bounded by
//!   `Y`. Without any upper bound, `*`/`all` is every version and the others
//!   are free text (cannot be evaluated).
//! - `next of X` (the converter's legacy `> X`): X excluded, `X < v`.
//! - Atlassian's pairs (records converted from the older format):
//!   `{version: X, lessThan: "unspecified"}` followed by
//!   `{version: "unspecified", lessThan: Y}` with the same status, type and
//!   no changes are one range, `X ≤ v < Y` (`Entries` joins them).
//! - An upper bound that is not a version (`unspecified` left alone,
//!   `https://aka.ms/OfficeSecurityReleases`, `publication`,
//!   `log4j-core*`) is never "no bound": the entry cannot be evaluated
//!   (`NcWhy::UpperNotVersion`), unless its `changes` at versions end it
//!   (the schema puts changes within the range, so the range reaches the
//!   last change; from a last change to "unaffected" on, the version is
//!   unaffected wherever the range ends).
//! - `versionType: "patch"` (Citrix): `version` is a branch, optionally with
//!   an edition (`13.1-FIPS`, `12.1-NDcPP`), and the bound a build in it.

use super::*;
use crate::model::Change;
use std::borrow::Cow;

/// A bound the record writes as "not stated".
pub(super) fn is_unstated(s: &str) -> bool {
    let t = s.trim();
    t.is_empty()
        || ["unspecified", "n/a", "na", "-", "unknown"]
            .iter()
            .any(|x| t.eq_ignore_ascii_case(x))
}

/// The start of a range: `next of X` (X excluded) or `X` itself.
pub(super) fn lower_of(start: &str) -> (&str, bool) {
    let t = start.trim();
    match t.get(..8) {
        Some(p) if p.eq_ignore_ascii_case("next of ") => (t[8..].trim(), true),
        _ => (t, false),
    }
}

/// The entry's upper bound when it is written but is not a version (nor
/// `*`, nor a branch such as `17.0.x*`): the text as written.
pub(super) fn upper_not_version(r: &VersionRange) -> Option<&str> {
    let (raw, inclusive) = match (&r.less_than_or_equal, &r.less_than) {
        (Some(le), _) => (le.as_str(), true),
        (None, Some(lt)) => (lt.as_str(), false),
        (None, None) => return None,
    };
    match upper_of(raw, inclusive) {
        Upper::NotVersion(t) => Some(t),
        _ => None,
    }
}

/// The last change of the entry at a version, when an upper bound that is
/// not a version is ended by it (`upper_not_version`): the range reaches
/// it, and from it on the status is its own.
pub(super) fn last_version_change(r: &VersionRange) -> Option<&Change> {
    r.changes
        .iter()
        .rev()
        .find(|c| version::looks_like_version(&c.at))
}

/// Whether an upper bound that is not a version is made harmless by the
/// entry's changes: the last change at a version is to a status other
/// than "affected" (from it on, the version is not affected wherever the
/// range ends; below it, the range certainly reaches).
pub(super) fn ended_by_changes(r: &VersionRange) -> bool {
    last_version_change(r).is_some_and(|c| c.status != Status::Affected)
}

/// A `versionType: "patch"` start: the branch and its edition
/// (`13.1-FIPS` → (`13.1`, `FIPS`)).
pub(super) fn patch_branch(start: &str) -> (&str, Option<&str>) {
    split_edition(start.trim())
}

/// Words that end versions but are stages of a release, not editions.
const STAGES: &[&str] = &[
    "alpha",
    "beta",
    "rc",
    "pre",
    "preview",
    "dev",
    "snapshot",
    "final",
    "release",
    "ga",
    "stable",
    "lts",
    "esr",
    "build",
    "patch",
    "hotfix",
    "nightly",
    "canary",
    "milestone",
    "update",
    "sp",
];

/// A version ending in an edition (`13.1-37.164-FIPS`, `12.1-NDcPP`): the
/// version and the edition. An edition is a last `-` part of two or more
/// ASCII letters, no digit, that is not a release stage (`beta`, `rc`, …).
pub(super) fn split_edition(v: &str) -> (&str, Option<&str>) {
    let t = v.trim();
    if let Some((head, tail)) = t.rsplit_once('-') {
        let letters = tail.len() >= 2 && tail.bytes().all(|b| b.is_ascii_alphabetic());
        if letters
            && !head.is_empty()
            && head.starts_with(|c: char| c.is_ascii_digit())
            && !STAGES.iter().any(|s| tail.eq_ignore_ascii_case(s))
        {
            return (head, Some(tail));
        }
    }
    (t, None)
}

/// A rule's version entries as read: Atlassian's pairs joined.
pub(super) struct Entries<'r> {
    pub(super) list: Cow<'r, [VersionRange]>,
    /// Per entry of `list`, the index of its (first) entry in the record,
    /// and whether it joins that entry with the next; empty when `list` is
    /// the record's own.
    at: Vec<(usize, bool)>,
}

impl<'r> Entries<'r> {
    pub(super) fn of(rule: &'r AffectedRule) -> Entries<'r> {
        let vs = &rule.versions;
        let is_pair = |a: &VersionRange, b: &VersionRange| {
            let open_upper = matches!(
                (&a.less_than, &a.less_than_or_equal),
                (Some(l), None) if is_unstated(l)
            );
            let (lo, _) = lower_of(&a.version);
            open_upper
                && version::looks_like_version(lo)
                && is_unstated(&b.version)
                && (b.less_than.is_some() || b.less_than_or_equal.is_some())
                && upper_not_version(b).is_none()
                && !matches!(b.less_than.as_deref(), Some(l) if l.trim() == "*")
                && a.status == b.status
                && a.version_type == b.version_type
                && a.changes.is_empty()
                && b.changes.is_empty()
        };
        if !vs.windows(2).any(|w| is_pair(&w[0], &w[1])) {
            return Entries {
                list: Cow::Borrowed(vs),
                at: Vec::new(),
            };
        }
        let mut list = Vec::with_capacity(vs.len());
        let mut at = Vec::with_capacity(vs.len());
        let mut k = 0;
        while let Some(a) = vs.get(k) {
            match vs.get(k + 1) {
                Some(b) if is_pair(a, b) => {
                    list.push(VersionRange {
                        version: a.version.clone(),
                        status: a.status,
                        less_than: b.less_than.clone(),
                        less_than_or_equal: b.less_than_or_equal.clone(),
                        version_type: a.version_type.clone(),
                        changes: Vec::new(),
                    });
                    at.push((k, true));
                    k += 2;
                }
                _ => {
                    list.push(a.clone());
                    at.push((k, false));
                    k += 1;
                }
            }
        }
        Entries {
            list: Cow::Owned(list),
            at,
        }
    }

    /// Entry `j`'s index in the record, and whether it joins two.
    pub(super) fn origin(&self, j: usize) -> (usize, bool) {
        self.at.get(j).copied().unwrap_or((j, false))
    }
}
