//! The CISA Known Exploited Vulnerabilities catalogue.

use super::text::{clean, parse_date};
use super::{parse_record, problem, FeedError, FeedKind, Imported, RawObject};
use crate::model::{CveId, Kev};
use serde::Deserialize;
use serde_json::value::RawValue;

/// Reads the catalogue (`known_exploited_vulnerabilities.json`).
pub fn parse(file: &str, bytes: &[u8]) -> Result<Imported, FeedError> {
    let out = super::read_feed(file, bytes)?;
    match out.kind {
        Some(FeedKind::Kev) => Ok(out),
        k => Err(FeedError::Format {
            file: file.to_string(),
            message: format!(
                "expected the CISA KEV catalogue, found {}",
                k.map(FeedKind::as_str).unwrap_or("something else")
            ),
        }),
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Entry {
    #[serde(rename = "cveID")]
    cve_id: String,
    #[serde(default)]
    vendor_project: Option<String>,
    #[serde(default)]
    product: Option<String>,
    #[serde(default)]
    vulnerability_name: Option<String>,
    #[serde(default)]
    date_added: Option<String>,
    #[serde(default)]
    required_action: Option<String>,
    #[serde(default)]
    due_date: Option<String>,
    #[serde(default)]
    known_ransomware_campaign_use: Option<String>,
    #[serde(default)]
    notes: Option<String>,
}

#[derive(Deserialize)]
struct IdOnly {
    #[serde(rename = "cveID")]
    cve_id: Option<String>,
}

pub(crate) fn parse_top(file: &str, top: &RawObject<'_>) -> Imported {
    let mut out = Imported::new(FeedKind::Kev);
    out.version = top
        .get("catalogVersion")
        .and_then(|v| serde_json::from_str::<String>(v.get()).ok());
    let Some(raw) = top.get("vulnerabilities") else {
        out.problems
            .push(problem(file, "vulnerabilities", None, "missing".into()));
        return out;
    };
    let items: Vec<Box<RawValue>> = match serde_json::from_str(raw.get()) {
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
        let base = format!("vulnerabilities[{i}]");
        let rec = serde_json::from_str::<IdOnly>(item.get())
            .ok()
            .and_then(|x| x.cve_id);
        let Some(e) = parse_record::<Entry>(file, &base, item.get(), rec, &mut out.problems) else {
            continue;
        };
        let id: CveId = match e.cve_id.parse() {
            Ok(id) => id,
            Err(msg) => {
                out.problems.push(problem(
                    file,
                    &format!("{base}.cveID"),
                    Some(e.cve_id.clone()),
                    msg,
                ));
                continue;
            }
        };
        let date = |s: &Option<String>, field: &str, problems: &mut Vec<super::Problem>| match s
            .as_deref()
            .map(str::trim)
            .filter(|x| !x.is_empty())
        {
            None => None,
            Some(t) => match parse_date(t) {
                Some(d) => Some(d),
                None => {
                    problems.push(problem(
                        file,
                        &format!("{base}.{field}"),
                        Some(id.to_string()),
                        format!("'{t}' is not a date (YYYY-MM-DD)"),
                    ));
                    None
                }
            },
        };
        let date_added = date(&e.date_added, "dateAdded", &mut out.problems);
        let due_date = date(&e.due_date, "dueDate", &mut out.problems);
        out.kev.push((
            id,
            Kev {
                date_added,
                due_date,
                ransomware: e
                    .known_ransomware_campaign_use
                    .as_deref()
                    .is_some_and(|x| x.trim().eq_ignore_ascii_case("known")),
                required_action: clean(e.required_action),
                vendor_project: clean(e.vendor_project),
                product: clean(e.product),
                name: clean(e.vulnerability_name),
                notes: clean(e.notes),
            },
        ));
    }
    out
}
