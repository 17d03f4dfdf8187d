//! NVD CVE API 2.0: one `cve` object, one `{"cve": …}` item, an API page or
//! a yearly feed file (`{"vulnerabilities": [{"cve": …}, …]}`).

use super::text::{clean, clean_text, parse_date, parse_datetime, Text};
use super::{join_path, parse_record, problem, FeedError, FeedKind, Imported, Problem, RawObject};
use crate::cpe::Cpe;
use crate::model::{
    CpeMatch, CveId, Cvss, CvssVersion, Kev, NvdConfig, NvdNode, Operator, Source, Vuln,
};
use serde::Deserialize;
use serde_json::value::RawValue;

/// Reads an NVD file (any of the three shapes).
pub fn parse(file: &str, bytes: &[u8]) -> Result<Imported, FeedError> {
    let mut out = super::read_feed(file, bytes)?;
    // An empty array has no kind; anything else must be NVD.
    if out.kind.is_some_and(|k| k != FeedKind::Nvd) {
        return Err(FeedError::Format {
            file: file.to_string(),
            message: format!(
                "expected an NVD CVE API 2.0 file, found {}",
                out.kind.map(FeedKind::as_str).unwrap_or("something else")
            ),
        });
    }
    out.kind = Some(FeedKind::Nvd);
    Ok(out)
}

pub(crate) fn parse_page(file: &str, top: &RawObject<'_>) -> Imported {
    let mut out = Imported::new(FeedKind::Nvd);
    if let Some(v) = top.get("version").or_else(|| top.get("timestamp")) {
        out.version = serde_json::from_str::<String>(v.get()).ok();
    }
    let Some(raw) = top.get("vulnerabilities") else {
        return out;
    };
    let items: Vec<&RawValue> = match serde_json::from_str(raw.get()) {
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
    for (i, item) in items.iter().enumerate() {
        parse_item(file, &format!("vulnerabilities[{i}]"), item.get(), &mut out);
    }
    out
}

#[derive(Deserialize)]
struct Item {
    cve: Box<RawValue>,
}

pub(crate) fn parse_item(file: &str, base: &str, text: &str, out: &mut Imported) {
    let Some(item) = parse_record::<Item>(file, base, text, None, &mut out.problems) else {
        return;
    };
    parse_cve(file, &join_path(base, "cve"), item.cve.get(), out);
}

#[derive(Deserialize)]
struct IdOnly {
    id: Option<Text>,
}

pub(crate) fn parse_cve(file: &str, base: &str, text: &str, out: &mut Imported) {
    let id_text = serde_json::from_str::<IdOnly>(text)
        .ok()
        .and_then(|i| i.id)
        .map(|t| t.0);
    let Some(raw) = parse_record::<RawCve>(file, base, text, id_text.clone(), &mut out.problems)
    else {
        return;
    };
    if let Some(v) = convert(file, base, raw, &mut out.problems) {
        out.vulns.push(v);
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawCve {
    id: String,
    #[serde(default)]
    source_identifier: Option<String>,
    #[serde(default)]
    published: Option<String>,
    #[serde(default)]
    last_modified: Option<String>,
    #[serde(default)]
    vuln_status: Option<String>,
    #[serde(default)]
    descriptions: Vec<LangString>,
    #[serde(default)]
    metrics: Metrics,
    #[serde(default)]
    weaknesses: Vec<Weakness>,
    #[serde(default)]
    configurations: Vec<RawConfig>,
    #[serde(default)]
    references: Vec<Reference>,
    #[serde(default)]
    cisa_exploit_add: Option<String>,
    #[serde(default)]
    cisa_action_due: Option<String>,
    #[serde(default)]
    cisa_required_action: Option<String>,
    #[serde(default)]
    cisa_vulnerability_name: Option<String>,
}

#[derive(Deserialize)]
pub(crate) struct LangString {
    #[serde(default)]
    pub lang: Option<String>,
    pub value: String,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct Metrics {
    #[serde(default)]
    cvss_metric_v40: Vec<Metric>,
    #[serde(default)]
    cvss_metric_v31: Vec<Metric>,
    #[serde(default)]
    cvss_metric_v30: Vec<Metric>,
    #[serde(default)]
    cvss_metric_v2: Vec<Metric>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Metric {
    #[serde(default)]
    source: Option<String>,
    cvss_data: CvssData,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CvssData {
    #[serde(default)]
    pub version: Option<Text>,
    pub vector_string: String,
    pub base_score: f64,
}

#[derive(Deserialize)]
struct Weakness {
    #[serde(default)]
    description: Vec<LangString>,
}

#[derive(Deserialize)]
struct Reference {
    url: String,
}

#[derive(Deserialize)]
struct RawConfig {
    #[serde(default)]
    operator: Option<String>,
    #[serde(default)]
    negate: Option<bool>,
    #[serde(default)]
    nodes: Vec<RawNode>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawNode {
    #[serde(default)]
    operator: Option<String>,
    #[serde(default)]
    negate: Option<bool>,
    #[serde(default)]
    cpe_match: Vec<RawCpeMatch>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawCpeMatch {
    vulnerable: bool,
    criteria: String,
    #[serde(default)]
    match_criteria_id: Option<String>,
    #[serde(default)]
    version_start_including: Option<Text>,
    #[serde(default)]
    version_start_excluding: Option<Text>,
    #[serde(default)]
    version_end_including: Option<Text>,
    #[serde(default)]
    version_end_excluding: Option<Text>,
}

fn operator(s: Option<&str>) -> Operator {
    match s.map(|x| x.trim().to_ascii_uppercase()) {
        Some(x) if x == "AND" => Operator::And,
        _ => Operator::Or,
    }
}

pub(crate) fn cvss(version: CvssVersion, d: &CvssData, source: String) -> Option<Cvss> {
    let version = d
        .version
        .as_ref()
        .and_then(|t| CvssVersion::parse(&t.0))
        .unwrap_or(version);
    if !(0.0..=10.0).contains(&d.base_score) {
        return None;
    }
    Some(Cvss {
        version,
        base_score: d.base_score as f32,
        vector: d.vector_string.trim().to_string(),
        source,
    })
}

fn convert(file: &str, base: &str, raw: RawCve, problems: &mut Vec<Problem>) -> Option<Vuln> {
    let id: CveId = match raw.id.parse() {
        Ok(id) => id,
        Err(e) => {
            problems.push(problem(
                file,
                &join_path(base, "id"),
                Some(raw.id.clone()),
                e,
            ));
            return None;
        }
    };
    let rec = Some(id.to_string());
    if raw
        .vuln_status
        .as_deref()
        .is_some_and(|s| s.eq_ignore_ascii_case("rejected"))
    {
        // A rejected CVE: nothing to match.
        let mut v = Vuln::new(id);
        v.modified
            .insert(Source::Nvd, raw.last_modified.unwrap_or_default());
        v.description = Some("** REJECTED **".into());
        v.text_source = Some(Source::Nvd);
        return Some(v);
    }
    let mut v = Vuln::new(id);
    v.description = raw
        .descriptions
        .iter()
        .find(|d| d.lang.as_deref().is_none_or(|l| l.starts_with("en")))
        .or(raw.descriptions.first())
        .map(|d| d.value.trim().to_string());
    v.text_source = Some(Source::Nvd);
    v.title = clean(raw.cisa_vulnerability_name.clone());
    v.published = raw.published.as_deref().and_then(parse_datetime);
    v.modified
        .insert(Source::Nvd, raw.last_modified.clone().unwrap_or_default());
    let fallback_source = raw
        .source_identifier
        .clone()
        .unwrap_or_else(|| "nvd".into());
    let groups = [
        (CvssVersion::V40, &raw.metrics.cvss_metric_v40),
        (CvssVersion::V31, &raw.metrics.cvss_metric_v31),
        (CvssVersion::V30, &raw.metrics.cvss_metric_v30),
        (CvssVersion::V2, &raw.metrics.cvss_metric_v2),
    ];
    for (ver, list) in groups {
        for m in list {
            let src = m.source.clone().unwrap_or_else(|| fallback_source.clone());
            if let Some(c) = cvss(ver, &m.cvss_data, src) {
                v.cvss.push(c);
            }
        }
    }
    for w in &raw.weaknesses {
        for d in &w.description {
            let t = d.value.trim();
            if t.starts_with("CWE-") && !v.cwe.iter().any(|x| x == t) {
                v.cwe.push(t.to_string());
            }
        }
    }
    'configs: for (ci, c) in raw.configurations.iter().enumerate() {
        let mut nodes = Vec::new();
        for (ni, n) in c.nodes.iter().enumerate() {
            let mut matches = Vec::new();
            for (mi, m) in n.cpe_match.iter().enumerate() {
                let criteria = match Cpe::parse(&m.criteria) {
                    Ok(cpe) => cpe,
                    Err(e) => {
                        problems.push(problem(
                            file,
                            &join_path(
                                base,
                                &format!(
                                    "configurations[{ci}].nodes[{ni}].cpeMatch[{mi}].criteria"
                                ),
                            ),
                            rec.clone(),
                            format!("{e}; configuration skipped"),
                        ));
                        continue 'configs;
                    }
                };
                matches.push(CpeMatch {
                    vulnerable: m.vulnerable,
                    criteria,
                    match_criteria_id: m.match_criteria_id.clone(),
                    version_start_including: clean_text(m.version_start_including.clone()),
                    version_start_excluding: clean_text(m.version_start_excluding.clone()),
                    version_end_including: clean_text(m.version_end_including.clone()),
                    version_end_excluding: clean_text(m.version_end_excluding.clone()),
                });
            }
            nodes.push(NvdNode {
                operator: operator(n.operator.as_deref()),
                negate: n.negate.unwrap_or(false),
                matches,
            });
        }
        v.configurations.push(NvdConfig {
            operator: operator(c.operator.as_deref()),
            negate: c.negate.unwrap_or(false),
            nodes,
        });
    }
    v.references = raw.references.into_iter().map(|r| r.url).collect();
    if raw.cisa_exploit_add.is_some() || raw.cisa_action_due.is_some() {
        v.kev = Some(Kev {
            date_added: raw.cisa_exploit_add.as_deref().and_then(parse_date),
            due_date: raw.cisa_action_due.as_deref().and_then(parse_date),
            ransomware: false,
            required_action: clean(raw.cisa_required_action),
            vendor_project: None,
            product: None,
            name: clean(raw.cisa_vulnerability_name),
            notes: None,
        });
    }
    Some(v)
}
