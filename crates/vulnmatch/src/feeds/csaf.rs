//! CSAF 2.0 security advisories: the product tree (vendor → product name →
//! version or version range → product id), each vulnerability's product
//! status, remediations and scores.

use super::nvd::CvssData;
use super::text::{clean, fix_names, parse_datetime};
use super::{join_path, parse_record, problem, FeedError, FeedKind, Imported, RawObject};
use crate::cpe::Cpe;
use crate::model::{AffectedRule, CveId, CvssVersion, Source, Status, VersionRange, Vuln};
use serde::Deserialize;
use std::collections::BTreeMap;

/// Reads a CSAF 2.0 advisory.
pub fn parse(file: &str, bytes: &[u8]) -> Result<Imported, FeedError> {
    let out = super::read_feed(file, bytes)?;
    match out.kind {
        Some(FeedKind::Csaf) => Ok(out),
        k => Err(FeedError::Format {
            file: file.to_string(),
            message: format!(
                "expected a CSAF 2.0 advisory, found {}",
                k.map(FeedKind::as_str).unwrap_or("something else")
            ),
        }),
    }
}

#[derive(Deserialize)]
struct Document {
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    publisher: Option<Publisher>,
    tracking: Tracking,
}

#[derive(Deserialize)]
struct Publisher {
    #[serde(default)]
    name: Option<String>,
}

#[derive(Deserialize)]
struct Tracking {
    id: String,
    #[serde(default)]
    current_release_date: Option<String>,
    #[serde(default)]
    initial_release_date: Option<String>,
}

#[derive(Deserialize, Default)]
struct ProductTree {
    #[serde(default)]
    branches: Vec<Branch>,
    #[serde(default)]
    full_product_names: Vec<FullName>,
    #[serde(default)]
    relationships: Vec<Relationship>,
}

#[derive(Deserialize)]
struct Branch {
    category: String,
    name: String,
    #[serde(default)]
    branches: Vec<Branch>,
    #[serde(default)]
    product: Option<FullName>,
}

#[derive(Deserialize)]
struct FullName {
    name: String,
    product_id: String,
    #[serde(default)]
    product_identification_helper: Option<Helper>,
}

#[derive(Deserialize)]
struct Helper {
    #[serde(default)]
    cpe: Option<String>,
}

#[derive(Deserialize)]
struct Relationship {
    #[serde(default)]
    category: Option<String>,
    full_product_name: FullName,
    product_reference: String,
    relates_to_product_reference: String,
}

#[derive(Deserialize)]
struct Vulnerability {
    #[serde(default)]
    cve: Option<String>,
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    cwe: Option<Cwe>,
    #[serde(default)]
    notes: Vec<Note>,
    #[serde(default)]
    product_status: Option<ProductStatus>,
    #[serde(default)]
    remediations: Vec<Remediation>,
    #[serde(default)]
    scores: Vec<Score>,
    #[serde(default)]
    references: Vec<Reference>,
}

#[derive(Deserialize)]
struct Cwe {
    id: String,
}

#[derive(Deserialize)]
struct Note {
    category: String,
    text: String,
}

#[derive(Deserialize, Default)]
struct ProductStatus {
    #[serde(default)]
    known_affected: Vec<String>,
    #[serde(default)]
    first_affected: Vec<String>,
    #[serde(default)]
    last_affected: Vec<String>,
    #[serde(default)]
    fixed: Vec<String>,
    #[serde(default)]
    first_fixed: Vec<String>,
    #[serde(default)]
    known_not_affected: Vec<String>,
}

#[derive(Deserialize)]
struct Remediation {
    category: String,
    #[serde(default)]
    details: Option<String>,
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    product_ids: Vec<String>,
}

#[derive(Deserialize)]
struct Score {
    #[serde(default)]
    cvss_v3: Option<CvssData>,
    #[serde(default)]
    cvss_v2: Option<CvssData>,
}

#[derive(Deserialize)]
struct Reference {
    url: String,
}

/// What the product tree says about one product id.
#[derive(Debug, Clone, Default)]
struct ProductInfo {
    name: String,
    vendor: Option<String>,
    product: Option<String>,
    version: Option<String>,
    range: Option<String>,
    cpe: Option<Cpe>,
    platform: Option<String>,
}

fn walk(b: &Branch, mut ctx: ProductInfo, out: &mut BTreeMap<String, ProductInfo>) {
    match b.category.as_str() {
        "vendor" => ctx.vendor = Some(b.name.trim().to_string()),
        "product_name" | "product_family"
            if ctx.product.is_none() || b.category == "product_name" =>
        {
            ctx.product = Some(b.name.trim().to_string())
        }
        "product_version" => ctx.version = Some(b.name.trim().to_string()),
        "product_version_range" => ctx.range = Some(b.name.trim().to_string()),
        _ => {}
    }
    if let Some(p) = &b.product {
        let mut info = ctx.clone();
        info.name = p.name.clone();
        info.cpe = p
            .product_identification_helper
            .as_ref()
            .and_then(|h| h.cpe.as_deref())
            .and_then(|c| Cpe::parse(c).ok());
        out.insert(p.product_id.clone(), info);
    }
    for c in &b.branches {
        walk(c, ctx.clone(), out);
    }
}

/// Reads a CSAF version range: `vers:generic/>=1.0|<2.0`, or the free text
/// advisories use (`<V4.00_…`, `<=5.0`, `5.0 and prior`, `before 5.0`).
/// Returns (lower inclusive, upper, upper inclusive).
pub(crate) fn parse_range(text: &str) -> Option<(Option<String>, Option<String>, bool)> {
    let t = text.trim();
    let version_token = |s: &str| -> Option<String> {
        let s = s.trim_start();
        let s = s
            .strip_prefix(['V', 'v'])
            .filter(|r| r.starts_with(|c: char| c.is_ascii_digit()))
            .unwrap_or(s);
        let end = s
            .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '+' | '~')))
            .unwrap_or(s.len());
        let v = &s[..end];
        crate::version::looks_like_version(v).then(|| v.to_string())
    };
    if let Some(rest) = t.strip_prefix("vers:") {
        let (_, cons) = rest.split_once('/')?;
        let (mut lo, mut hi, mut incl) = (None, None, false);
        for c in cons.split('|') {
            let c = c.trim();
            if let Some(v) = c.strip_prefix(">=") {
                lo = Some(v.trim().to_string());
            } else if let Some(v) = c.strip_prefix("<=") {
                hi = Some(v.trim().to_string());
                incl = true;
            } else if let Some(v) = c.strip_prefix('<') {
                hi = Some(v.trim().to_string());
                incl = false;
            } else if let Some(v) = c.strip_prefix('>') {
                lo = Some(v.trim().to_string());
            } else if c == "*" {
                return Some((None, None, false));
            }
        }
        return Some((lo, hi, incl));
    }
    for (op, incl) in [("<=", true), ("≤", true), ("<", false)] {
        if let Some(rest) = t.strip_prefix(op) {
            return Some((None, Some(version_token(rest)?), incl));
        }
    }
    let lower = t.to_ascii_lowercase();
    for (word, incl) in [
        (" and prior", true),
        (" and earlier", true),
        (" and below", true),
    ] {
        if let Some(i) = lower.find(word) {
            return Some((None, Some(version_token(&t[..i])?), incl));
        }
    }
    for word in ["before ", "prior to "] {
        if let Some(rest) = lower.strip_prefix(word) {
            return Some((
                None,
                Some(version_token(&t[t.len() - rest.len()..])?),
                false,
            ));
        }
    }
    None
}

pub(crate) fn parse_top(file: &str, top: &RawObject<'_>) -> Imported {
    let mut out = Imported::new(FeedKind::Csaf);
    let Some(doc_raw) = top.get("document") else {
        out.problems
            .push(problem(file, "document", None, "missing".into()));
        return out;
    };
    let Some(doc) =
        parse_record::<Document>(file, "document", doc_raw.get(), None, &mut out.problems)
    else {
        return out;
    };
    out.version = Some(doc.tracking.id.clone());
    let tree: ProductTree = match top.get("product_tree") {
        Some(raw) => match parse_record(file, "product_tree", raw.get(), None, &mut out.problems) {
            Some(t) => t,
            None => return out,
        },
        None => ProductTree::default(),
    };
    let mut products = BTreeMap::new();
    for b in &tree.branches {
        walk(b, ProductInfo::default(), &mut products);
    }
    for f in &tree.full_product_names {
        products
            .entry(f.product_id.clone())
            .or_insert_with(|| ProductInfo {
                name: f.name.clone(),
                cpe: f
                    .product_identification_helper
                    .as_ref()
                    .and_then(|h| h.cpe.as_deref())
                    .and_then(|c| Cpe::parse(c).ok()),
                ..ProductInfo::default()
            });
    }
    for r in &tree.relationships {
        // "X installed on Y": the component X, on the platform Y.
        if let Some(comp) = products.get(&r.product_reference).cloned() {
            let platform = products
                .get(&r.relates_to_product_reference)
                .map(|p| p.name.clone())
                .or_else(|| Some(r.relates_to_product_reference.clone()));
            let mut info = comp;
            info.name = r.full_product_name.name.clone();
            if r.category.as_deref() != Some("optional_component_of") {
                info.platform = platform;
            }
            products.insert(r.full_product_name.product_id.clone(), info);
        }
    }
    let stamp = doc
        .tracking
        .current_release_date
        .clone()
        .or(doc.tracking.initial_release_date.clone())
        .unwrap_or_default();
    let publisher = doc
        .publisher
        .as_ref()
        .and_then(|p| p.name.clone())
        .unwrap_or_else(|| "csaf".into());
    let Some(vraw) = top.get("vulnerabilities") else {
        return out;
    };
    let vulns: Vec<Box<serde_json::value::RawValue>> = match serde_json::from_str(vraw.get()) {
        Ok(v) => v,
        Err(e) => {
            out.problems.push(problem(
                file,
                "vulnerabilities",
                None,
                format!("not a list: {e}"),
            ));
            return out;
        }
    };
    for (i, raw) in vulns.iter().enumerate() {
        let base = format!("vulnerabilities[{i}]");
        let Some(x) =
            parse_record::<Vulnerability>(file, &base, raw.get(), None, &mut out.problems)
        else {
            continue;
        };
        let Some(cve) = x.cve.clone() else {
            out.problems.push(problem(
                file,
                &join_path(&base, "cve"),
                None,
                "a vulnerability without a CVE id is not imported".into(),
            ));
            continue;
        };
        let id: CveId = match cve.parse() {
            Ok(id) => id,
            Err(m) => {
                out.problems.push(problem(
                    file,
                    &join_path(&base, "cve"),
                    Some(cve.clone()),
                    m,
                ));
                continue;
            }
        };
        let mut v = Vuln::new(id);
        v.modified.insert(Source::Csaf, stamp.clone());
        v.title = clean(x.title.clone()).or_else(|| clean(doc.title.clone()));
        v.description = x
            .notes
            .iter()
            .find(|n| n.category == "summary" || n.category == "description")
            .map(|n| n.text.trim().to_string());
        v.text_source = Some(Source::Csaf);
        v.published = doc
            .tracking
            .initial_release_date
            .as_deref()
            .and_then(parse_datetime);
        if let Some(c) = &x.cwe {
            v.cwe.push(c.id.clone());
        }
        for s in &x.scores {
            for (ver, d) in [
                (CvssVersion::V31, &s.cvss_v3),
                (CvssVersion::V2, &s.cvss_v2),
            ] {
                if let Some(d) = d {
                    if let Some(c) = super::nvd::cvss(ver, d, format!("csaf:{publisher}")) {
                        if !v.cvss.contains(&c) {
                            v.cvss.push(c);
                        }
                    }
                }
            }
        }
        v.references = x.references.iter().map(|r| r.url.clone()).collect();
        // Fixes named by vendor fixes, per product id.
        let mut fixes: BTreeMap<&str, Vec<String>> = BTreeMap::new();
        for r in &x.remediations {
            if r.category != "vendor_fix" {
                continue;
            }
            let mut names = fix_names(r.details.as_deref().unwrap_or(""));
            for n in fix_names(r.url.as_deref().unwrap_or("")) {
                if !names.contains(&n) {
                    names.push(n);
                }
            }
            for pid in &r.product_ids {
                fixes
                    .entry(pid.as_str())
                    .or_default()
                    .extend(names.iter().cloned());
            }
        }
        let status = x.product_status.unwrap_or_default();
        let groups = [
            (Status::Affected, &status.known_affected),
            (Status::Affected, &status.first_affected),
            (Status::Affected, &status.last_affected),
            (Status::Unaffected, &status.fixed),
            (Status::Unaffected, &status.first_fixed),
            (Status::Unaffected, &status.known_not_affected),
        ];
        for (st, ids) in groups {
            for pid in ids {
                let Some(info) = products.get(pid) else {
                    out.problems.push(problem(
                        file,
                        &join_path(&base, "product_status"),
                        Some(id.to_string()),
                        format!("product id '{pid}' is not in the product tree"),
                    ));
                    continue;
                };
                v.affected.push(rule(
                    &doc.tracking.id,
                    pid,
                    info,
                    st,
                    fixes.get(pid.as_str()),
                ));
            }
        }
        out.vulns.push(v);
    }
    out
}

fn rule(
    tracking: &str,
    pid: &str,
    info: &ProductInfo,
    st: Status,
    fixes: Option<&Vec<String>>,
) -> AffectedRule {
    let mut versions = Vec::new();
    if let Some(ver) = &info.version {
        versions.push(VersionRange {
            version: ver.clone(),
            status: st,
            less_than: None,
            less_than_or_equal: None,
            version_type: None,
            changes: Vec::new(),
        });
    } else if let Some(r) = &info.range {
        match parse_range(r) {
            Some((lo, hi, incl)) => versions.push(VersionRange {
                version: lo.unwrap_or_else(|| "0".into()),
                status: st,
                less_than: if incl {
                    None
                } else {
                    Some(hi.clone().unwrap_or_else(|| "*".into()))
                },
                less_than_or_equal: if incl { hi } else { None },
                version_type: None,
                changes: Vec::new(),
            }),
            None => versions.push(VersionRange {
                // A range we cannot read: every version, said in the rule.
                version: "*".into(),
                status: st,
                less_than: None,
                less_than_or_equal: None,
                version_type: Some(format!("unread range '{r}'")),
                changes: Vec::new(),
            }),
        }
    }
    AffectedRule {
        source: Source::Csaf,
        origin: format!("{tracking} {pid}"),
        vendor: info.vendor.clone(),
        product: info.product.clone().or_else(|| Some(info.name.clone())),
        package_name: None,
        modules: Vec::new(),
        cpes: info.cpe.iter().cloned().collect(),
        platforms: info.platform.iter().cloned().collect(),
        default_status: if versions.is_empty() {
            st
        } else {
            Status::Unknown
        },
        versions,
        fixes: fixes.cloned().unwrap_or_default(),
        whole_name: false,
    }
}

#[cfg(test)]
mod tests {
    use super::parse_range;

    #[test]
    fn ranges() {
        assert_eq!(
            parse_range("<V4.00_Utilizes_Wibu-Systems_CodeMeter_7.60c"),
            Some((None, Some("4.00".into()), false))
        );
        assert_eq!(
            parse_range("vers:generic/>=1.0|<2.0"),
            Some((Some("1.0".into()), Some("2.0".into()), false))
        );
        assert_eq!(parse_range("<=5.0"), Some((None, Some("5.0".into()), true)));
        assert_eq!(
            parse_range("V5.0 and prior"),
            Some((None, Some("5.0".into()), true))
        );
        assert_eq!(
            parse_range("before 3.2"),
            Some((None, Some("3.2".into()), false))
        );
        assert_eq!(parse_range("all"), None);
    }
}
