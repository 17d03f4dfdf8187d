//! CVE JSON 5 records: the CNA container (`affected`, metrics, problem types)
//! and the ADP containers (CISA's Vulnrichment: CVSS, SSVC, KEV, CPEs).

use super::nvd::{cvss, CvssData, LangString};
use super::text::{clean, clean_text, fix_names, parse_date, parse_datetime, Text};
use super::{
    join_path, parse_record as parse_json, problem, FeedError, FeedKind, Imported, Problem,
};
use crate::cpe::Cpe;
use crate::model::{
    AdpSsvc, AffectedRule, Change, CveId, CvssVersion, Kev, Source, Status, VersionRange, Vuln,
};
use serde::Deserialize;

/// Reads a CVE JSON 5 file (one record, or an array of records).
pub fn parse(file: &str, bytes: &[u8]) -> Result<Imported, FeedError> {
    let out = super::read_feed(file, bytes)?;
    match out.kind {
        Some(FeedKind::Cve5) | None => Ok(out),
        Some(k) => Err(FeedError::Format {
            file: file.to_string(),
            message: format!("expected a CVE JSON 5 record, found {}", k.as_str()),
        }),
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Record {
    cve_metadata: Meta,
    #[serde(default)]
    containers: Option<Containers>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Meta {
    cve_id: String,
    #[serde(default)]
    state: Option<String>,
    #[serde(default)]
    date_published: Option<String>,
    #[serde(default)]
    date_updated: Option<String>,
    #[serde(default)]
    assigner_short_name: Option<String>,
}

#[derive(Deserialize)]
struct Containers {
    #[serde(default)]
    cna: Option<Container>,
    #[serde(default)]
    adp: Vec<Container>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Container {
    #[serde(default)]
    provider_metadata: Option<Provider>,
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    descriptions: Vec<LangString>,
    #[serde(default)]
    affected: Vec<Affected>,
    #[serde(default)]
    metrics: Vec<Metric>,
    #[serde(default)]
    problem_types: Vec<ProblemType>,
    #[serde(default)]
    references: Vec<Reference>,
    #[serde(default)]
    date_public: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Provider {
    #[serde(default)]
    short_name: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Affected {
    #[serde(default)]
    vendor: Option<Text>,
    #[serde(default)]
    product: Option<Text>,
    #[serde(default)]
    package_name: Option<Text>,
    #[serde(default)]
    modules: Vec<Text>,
    #[serde(default)]
    cpes: Vec<String>,
    #[serde(default)]
    platforms: Vec<Text>,
    #[serde(default)]
    default_status: Option<String>,
    #[serde(default)]
    versions: Vec<Version>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Version {
    version: Text,
    status: String,
    #[serde(default)]
    less_than: Option<Text>,
    #[serde(default)]
    less_than_or_equal: Option<Text>,
    #[serde(default)]
    version_type: Option<String>,
    #[serde(default)]
    changes: Vec<RawChange>,
}

#[derive(Deserialize)]
struct RawChange {
    at: Text,
    status: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Metric {
    #[serde(default, rename = "cvssV4_0")]
    cvss_v4_0: Option<CvssData>,
    #[serde(default, rename = "cvssV3_1")]
    cvss_v3_1: Option<CvssData>,
    #[serde(default, rename = "cvssV3_0")]
    cvss_v3_0: Option<CvssData>,
    #[serde(default, rename = "cvssV2_0")]
    cvss_v2_0: Option<CvssData>,
    #[serde(default)]
    other: Option<Other>,
}

#[derive(Deserialize)]
struct Other {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    content: serde_json::Value,
}

#[derive(Deserialize)]
struct ProblemType {
    #[serde(default)]
    descriptions: Vec<ProblemDesc>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ProblemDesc {
    #[serde(default)]
    cwe_id: Option<String>,
    #[serde(default)]
    description: Option<String>,
}

#[derive(Deserialize)]
struct Reference {
    url: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct IdOnly {
    cve_metadata: Option<IdMeta>,
}
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct IdMeta {
    cve_id: Option<Text>,
}

pub(crate) fn parse_record(file: &str, base: &str, text: &str, out: &mut Imported) {
    let rec_id = serde_json::from_str::<IdOnly>(text)
        .ok()
        .and_then(|i| i.cve_metadata)
        .and_then(|m| m.cve_id)
        .map(|t| t.0);
    let Some(raw) = parse_json::<Record>(file, base, text, rec_id, &mut out.problems) else {
        return;
    };
    let id: CveId = match raw.cve_metadata.cve_id.parse() {
        Ok(id) => id,
        Err(e) => {
            out.problems.push(problem(
                file,
                &join_path(base, "cveMetadata.cveId"),
                Some(raw.cve_metadata.cve_id.clone()),
                e,
            ));
            return;
        }
    };
    if raw
        .cve_metadata
        .state
        .as_deref()
        .is_some_and(|s| s.eq_ignore_ascii_case("rejected"))
    {
        out.rejected.push(id);
        return;
    }
    let Some(containers) = raw.containers else {
        out.problems.push(problem(
            file,
            &join_path(base, "containers"),
            Some(id.to_string()),
            "a published record without containers".into(),
        ));
        return;
    };
    let Some(cna) = containers.cna else {
        out.problems.push(problem(
            file,
            &join_path(base, "containers.cna"),
            Some(id.to_string()),
            "a published record without a CNA container".into(),
        ));
        return;
    };
    let mut v = Vuln::new(id);
    let stamp = raw
        .cve_metadata
        .date_updated
        .clone()
        .or_else(|| raw.cve_metadata.date_published.clone())
        .unwrap_or_default();
    // One stamp for both parts, so a newer record replaces the ADP part too.
    v.modified.insert(Source::Cve5Cna, stamp.clone());
    v.modified.insert(Source::Cve5Adp, stamp);
    v.published = raw
        .cve_metadata
        .date_published
        .as_deref()
        .or(cna.date_public.as_deref())
        .and_then(parse_datetime);
    v.title = clean(cna.title.clone());
    v.description = cna
        .descriptions
        .iter()
        .find(|d| d.lang.as_deref().is_none_or(|l| l.starts_with("en")))
        .or(cna.descriptions.first())
        .map(|d| d.value.trim().to_string());
    v.text_source = Some(Source::Cve5Cna);
    let cna_name = cna
        .provider_metadata
        .as_ref()
        .and_then(|p| p.short_name.clone())
        .or(raw.cve_metadata.assigner_short_name.clone())
        .unwrap_or_else(|| "cna".into());
    let rec = Some(id.to_string());
    container(
        file,
        &join_path(base, "containers.cna"),
        &cna,
        Source::Cve5Cna,
        &format!("cna:{cna_name}"),
        &rec,
        &mut v,
        &mut out.problems,
    );
    for (i, adp) in containers.adp.iter().enumerate() {
        let name = adp
            .provider_metadata
            .as_ref()
            .and_then(|p| p.short_name.clone())
            .unwrap_or_else(|| "adp".into());
        if adp.affected.is_empty() && adp.metrics.is_empty() {
            // The "CVE Program Container" only adds references.
            for r in &adp.references {
                if !v.references.contains(&r.url) {
                    v.references.push(r.url.clone());
                }
            }
            continue;
        }
        container(
            file,
            &join_path(base, &format!("containers.adp[{i}]")),
            adp,
            Source::Cve5Adp,
            &format!("adp:{name}"),
            &rec,
            &mut v,
            &mut out.problems,
        );
    }
    out.vulns.push(v);
}

#[allow(clippy::too_many_arguments)]
fn container(
    file: &str,
    base: &str,
    c: &Container,
    source: Source,
    scorer: &str,
    rec: &Option<String>,
    v: &mut Vuln,
    problems: &mut Vec<Problem>,
) {
    for (i, a) in c.affected.iter().enumerate() {
        let origin = join_path(base, &format!("affected[{i}]"));
        let mut cpes = Vec::new();
        for (k, s) in a.cpes.iter().enumerate() {
            match Cpe::parse(s) {
                Ok(c) => cpes.push(c),
                Err(e) => problems.push(problem(
                    file,
                    &format!("{origin}.cpes[{k}]"),
                    rec.clone(),
                    format!("{e}; this CPE is ignored"),
                )),
            }
        }
        let mut fixes = Vec::new();
        let versions: Vec<VersionRange> = a
            .versions
            .iter()
            .map(|x| {
                let changes: Vec<Change> = x
                    .changes
                    .iter()
                    .map(|ch| Change {
                        at: ch.at.0.trim().to_string(),
                        status: Status::parse(&ch.status),
                    })
                    .collect();
                for ch in &changes {
                    if ch.status == Status::Unaffected {
                        fixes.extend(fix_names(&ch.at));
                    }
                }
                VersionRange {
                    version: x.version.0.trim().to_string(),
                    status: Status::parse(&x.status),
                    less_than: clean_text(x.less_than.clone()),
                    less_than_or_equal: clean_text(x.less_than_or_equal.clone()),
                    version_type: clean(x.version_type.clone()),
                    changes,
                }
            })
            .collect();
        v.affected.push(AffectedRule {
            source,
            origin,
            vendor: clean_text(a.vendor.clone()),
            product: clean_text(a.product.clone()),
            package_name: clean_text(a.package_name.clone()),
            modules: a.modules.iter().map(|m| m.0.trim().to_string()).collect(),
            cpes,
            platforms: a.platforms.iter().map(|m| m.0.trim().to_string()).collect(),
            default_status: a
                .default_status
                .as_deref()
                .map(Status::parse)
                .unwrap_or(Status::Unknown),
            versions,
            fixes,
            whole_name: false,
        });
    }
    for m in &c.metrics {
        let pairs = [
            (CvssVersion::V40, &m.cvss_v4_0),
            (CvssVersion::V31, &m.cvss_v3_1),
            (CvssVersion::V30, &m.cvss_v3_0),
            (CvssVersion::V2, &m.cvss_v2_0),
        ];
        for (ver, d) in pairs {
            if let Some(d) = d {
                if let Some(c) = cvss(ver, d, scorer.to_string()) {
                    v.cvss.push(c);
                }
            }
        }
        if let Some(o) = &m.other {
            match o.kind.to_ascii_lowercase().as_str() {
                "ssvc" => {
                    let mut s = AdpSsvc::default();
                    if let Some(opts) = o.content.get("options").and_then(|x| x.as_array()) {
                        for opt in opts {
                            let Some(obj) = opt.as_object() else { continue };
                            for (k, val) in obj {
                                let val = val.as_str().map(|x| x.trim().to_ascii_lowercase());
                                match k.to_ascii_lowercase().as_str() {
                                    "exploitation" => s.exploitation = val,
                                    "automatable" => s.automatable = val,
                                    "technical impact" => s.technical_impact = val,
                                    _ => {}
                                }
                            }
                        }
                    }
                    v.ssvc = Some(s);
                }
                "kev" => {
                    let date = o
                        .content
                        .get("dateAdded")
                        .and_then(|d| d.as_str())
                        .and_then(parse_date);
                    let k = Kev {
                        date_added: date,
                        due_date: None,
                        ransomware: false,
                        required_action: None,
                        vendor_project: None,
                        product: None,
                        name: None,
                        notes: None,
                    };
                    match &mut v.kev {
                        Some(have) => have.merge(k),
                        None => v.kev = Some(k),
                    }
                }
                _ => {}
            }
        }
    }
    for p in &c.problem_types {
        for d in &p.descriptions {
            let cwe = d.cwe_id.clone().or_else(|| {
                d.description
                    .as_deref()
                    .and_then(|t| t.split_whitespace().next())
                    .filter(|w| w.starts_with("CWE-"))
                    .map(|w| w.trim_end_matches(':').to_string())
            });
            if let Some(c) = cwe {
                if !v.cwe.contains(&c) {
                    v.cwe.push(c);
                }
            }
        }
    }
    for r in &c.references {
        if !v.references.contains(&r.url) {
            v.references.push(r.url.clone());
        }
    }
}
