//! Microsoft's monthly security updates as the Security Update Guide's API
//! gives them in JSON (CVRF 1.2 in Microsoft's encoding: `DocumentTracking`,
//! `ProductTree.FullProductName`, `Vulnerability[]` with `ProductStatuses`,
//! `Remediations` and `CVSSScoreSets`).
//!
//! Each product a vulnerability is known to affect becomes a vendor rule
//! (vendor "Microsoft", the product's full name as Microsoft writes it,
//! never a looser form): affected below the vendor fix's fixed build when
//! one is given, else every version; the fix's KB number, once installed,
//! removes the match. The rules are kept as the advisory's statements
//! ([`Source::Csaf`]): importing the same month again replaces them.

use super::text::{clean, parse_datetime};
use super::{join_path, parse_record, problem, FeedKind, Imported, RawObject};
use crate::model::{AffectedRule, CveId, Cvss, CvssVersion, Source, Status, VersionRange, Vuln};
use crate::version;
use serde::Deserialize;
use std::collections::BTreeMap;

/// CVRF's product status "Known Affected", as Microsoft numbers it.
const KNOWN_AFFECTED: i64 = 3;
/// CVRF's remediation type "Vendor Fix".
const VENDOR_FIX: i64 = 2;
/// CVRF's note type "Description".
const DESCRIPTION_NOTE: i64 = 2;

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Tracking {
    identification: Identification,
    #[serde(default)]
    initial_release_date: Option<String>,
    #[serde(default)]
    current_release_date: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Identification {
    #[serde(rename = "ID")]
    id: Valued,
}

/// Microsoft wraps most strings as `{"Value": …}`.
#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
struct Valued {
    #[serde(default)]
    value: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
struct ProductTree {
    #[serde(default)]
    full_product_name: Vec<FullProductName>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct FullProductName {
    #[serde(rename = "ProductID")]
    product_id: String,
    value: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Vulnerability {
    #[serde(rename = "CVE")]
    cve: String,
    #[serde(default)]
    title: Valued,
    #[serde(default)]
    notes: Vec<Note>,
    #[serde(default)]
    product_statuses: Vec<ProductStatus>,
    #[serde(default)]
    remediations: Vec<Remediation>,
    #[serde(default, rename = "CVSSScoreSets")]
    cvss_score_sets: Vec<ScoreSet>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Note {
    #[serde(default, rename = "Type")]
    kind: i64,
    #[serde(default)]
    value: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ProductStatus {
    #[serde(default, rename = "ProductID")]
    product_ids: Vec<String>,
    #[serde(rename = "Type")]
    kind: i64,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Remediation {
    #[serde(rename = "Type")]
    kind: i64,
    #[serde(default)]
    description: Valued,
    #[serde(default, rename = "URL")]
    url: Option<String>,
    #[serde(default)]
    fixed_build: Option<String>,
    #[serde(default, rename = "ProductID")]
    product_ids: Vec<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ScoreSet {
    base_score: f64,
    #[serde(default)]
    vector: Option<String>,
}

/// Whether a JSON document is a Security Update Guide CVRF document.
pub(crate) fn looks_like_msrc(top: &RawObject<'_>) -> bool {
    top.contains_key("DocumentTracking") && top.contains_key("Vulnerability")
}

pub(crate) fn parse_top(file: &str, top: &RawObject<'_>) -> Imported {
    let mut out = Imported::new(FeedKind::Msrc);
    let Some(tracking) = top.get("DocumentTracking").and_then(|raw| {
        parse_record::<Tracking>(file, "DocumentTracking", raw.get(), None, &mut out.problems)
    }) else {
        return out;
    };
    let Some(month) = clean(tracking.identification.id.value.clone()) else {
        out.problems.push(problem(
            file,
            "DocumentTracking.Identification.ID",
            None,
            "the document has no identifier (such as 2024-Feb)".into(),
        ));
        return out;
    };
    // The rules' origin starts with one word naming the document: the merge
    // replaces a document's rules by that word.
    let doc = format!("MSRC-{}", month.split_whitespace().collect::<String>());
    out.version = Some(month);
    let tree: ProductTree = match top.get("ProductTree") {
        Some(raw) => match parse_record(file, "ProductTree", raw.get(), None, &mut out.problems) {
            Some(t) => t,
            None => return out,
        },
        None => ProductTree::default(),
    };
    let products: BTreeMap<&str, &str> = tree
        .full_product_name
        .iter()
        .map(|p| (p.product_id.as_str(), p.value.trim()))
        .collect();
    let stamp = tracking
        .current_release_date
        .clone()
        .or(tracking.initial_release_date.clone())
        .unwrap_or_default();
    let published = tracking
        .initial_release_date
        .as_deref()
        .and_then(parse_datetime);
    let vulns: Vec<Box<serde_json::value::RawValue>> = match top
        .get("Vulnerability")
        .map(|raw| serde_json::from_str(raw.get()))
    {
        Some(Ok(v)) => v,
        Some(Err(e)) => {
            out.problems.push(problem(
                file,
                "Vulnerability",
                None,
                format!("not a list: {e}"),
            ));
            return out;
        }
        None => Vec::new(),
    };
    for (i, raw) in vulns.iter().enumerate() {
        let base = format!("Vulnerability[{i}]");
        let Some(x) =
            parse_record::<Vulnerability>(file, &base, raw.get(), None, &mut out.problems)
        else {
            continue;
        };
        let id: CveId = match x.cve.parse() {
            Ok(id) => id,
            // Microsoft also lists its own advisories (ADV…) here: not CVEs.
            Err(m) => {
                out.problems.push(problem(
                    file,
                    &join_path(&base, "CVE"),
                    Some(x.cve.clone()),
                    m,
                ));
                continue;
            }
        };
        let mut v = Vuln::new(id);
        v.modified.insert(Source::Csaf, format!("{doc} {stamp}"));
        v.title = clean(x.title.value.clone());
        v.description = x
            .notes
            .iter()
            .find(|n| n.kind == DESCRIPTION_NOTE)
            .and_then(|n| clean(n.value.as_deref().map(without_tags)));
        v.text_source = Some(Source::Csaf);
        v.published = published;
        for s in &x.cvss_score_sets {
            let vector = s.vector.as_deref().unwrap_or("").trim();
            let version = vector
                .strip_prefix("CVSS:")
                .and_then(|r| r.split('/').next())
                .and_then(CvssVersion::parse);
            if let (Some(version), true) = (version, (0.0..=10.0).contains(&s.base_score)) {
                let c = Cvss {
                    version,
                    base_score: s.base_score as f32,
                    vector: vector.to_string(),
                    source: "secure@microsoft.com".into(),
                };
                if !v.cvss.contains(&c) {
                    v.cvss.push(c);
                }
            }
        }
        // The vendor fixes of each product: KB numbers and fixed builds.
        let mut fixes: BTreeMap<&str, (Vec<String>, Vec<&str>)> = BTreeMap::new();
        for r in x.remediations.iter().filter(|r| r.kind == VENDOR_FIX) {
            let kb = kb_of(r);
            let build = r
                .fixed_build
                .as_deref()
                .map(str::trim)
                .filter(|b| version::looks_like_version(b));
            for pid in &r.product_ids {
                let (kbs, builds) = fixes.entry(pid.as_str()).or_default();
                if let Some(k) = &kb {
                    if !kbs.contains(k) {
                        kbs.push(k.clone());
                    }
                }
                if let Some(b) = build {
                    if !builds.contains(&b) {
                        builds.push(b);
                    }
                }
            }
        }
        for st in x
            .product_statuses
            .iter()
            .filter(|s| s.kind == KNOWN_AFFECTED)
        {
            for pid in &st.product_ids {
                let Some(name) = products.get(pid.as_str()) else {
                    out.problems.push(problem(
                        file,
                        &join_path(&base, "ProductStatuses"),
                        Some(id.to_string()),
                        format!("product id '{pid}' is not in the product tree"),
                    ));
                    continue;
                };
                let (kbs, builds) = fixes.get(pid.as_str()).cloned().unwrap_or_default();
                v.affected.push(rule(&doc, pid, name, kbs, &builds));
            }
        }
        out.vulns.push(v);
    }
    out
}

/// The KB a vendor fix installs: its description is the KB's number for
/// Windows and Office updates ("5034765"); other fixes say "Release Notes".
fn kb_of(r: &Remediation) -> Option<String> {
    let d = r.description.value.as_deref().unwrap_or("").trim();
    let d = d
        .strip_prefix("KB")
        .or_else(|| d.strip_prefix("kb"))
        .unwrap_or(d);
    if (6..=8).contains(&d.len()) && d.bytes().all(|b| b.is_ascii_digit()) {
        return Some(format!("KB{d}"));
    }
    super::text::fix_names(r.url.as_deref().unwrap_or(""))
        .into_iter()
        .find(|n| n.starts_with("KB"))
}

/// The rule for one affected product. With one fixed build, every build
/// below it is affected; with several (one per servicing branch), each
/// branch from its start (the build without its last part) up to its fix;
/// with none, every version, until a named KB is installed.
fn rule(doc: &str, pid: &str, name: &str, kbs: Vec<String>, builds: &[&str]) -> AffectedRule {
    let range = |from: &str, to: &str| VersionRange {
        version: from.to_string(),
        status: Status::Affected,
        less_than: Some(to.to_string()),
        less_than_or_equal: None,
        version_type: None,
        changes: Vec::new(),
    };
    let versions: Vec<VersionRange> = match builds {
        [] => Vec::new(),
        [one] => vec![range("0", one)],
        many => many
            .iter()
            .map(|b| range(b.rsplit_once('.').map_or("0", |(head, _)| head), b))
            .collect(),
    };
    AffectedRule {
        source: Source::Csaf,
        origin: format!("{doc} {pid}"),
        vendor: Some("Microsoft".into()),
        product: Some(name.to_string()),
        package_name: None,
        modules: Vec::new(),
        cpes: Vec::new(),
        platforms: Vec::new(),
        default_status: if versions.is_empty() {
            Status::Affected
        } else {
            Status::Unknown
        },
        versions,
        fixes: kbs,
        whole_name: true,
    }
}

/// Microsoft's descriptions are HTML fragments: the text without its tags.
fn without_tags(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                out.push(' ');
            }
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    let text = out
        .replace("&nbsp;", " ")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&");
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::without_tags;

    #[test]
    fn descriptions_lose_their_tags() {
        assert_eq!(
            without_tags("<p>An attacker &amp; a <b>link</b>.</p>\n<p>Second</p>"),
            "An attacker & a link . Second"
        );
    }
}
