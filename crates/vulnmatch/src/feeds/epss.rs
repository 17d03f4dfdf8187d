//! FIRST EPSS scores: `#model_version:…,score_date:…` then `cve,epss,percentile`.

use super::text::parse_date;
use super::{problem, FeedError, FeedKind, Imported};
use crate::model::{CveId, Epss};

/// Reads an EPSS CSV file (plain, gzip or xz).
pub fn parse_file(file: &str, bytes: &[u8]) -> Result<Imported, FeedError> {
    let out = super::read_feed(file, bytes)?;
    match out.kind {
        Some(FeedKind::Epss) => Ok(out),
        k => Err(FeedError::Format {
            file: file.to_string(),
            message: format!(
                "expected an EPSS CSV file, found {}",
                k.map(FeedKind::as_str).unwrap_or("something else")
            ),
        }),
    }
}

pub(crate) fn looks_like_epss(body: &[u8]) -> bool {
    let head = &body[..body.len().min(256)];
    let head = String::from_utf8_lossy(head).to_ascii_lowercase();
    head.starts_with("#model_version") || head.starts_with("cve,epss")
}

/// Parses decompressed EPSS CSV text. Bad lines are problems (`line N`).
pub fn parse(file: &str, body: &[u8]) -> Imported {
    let mut out = Imported::new(FeedKind::Epss);
    let text = String::from_utf8_lossy(body);
    let mut model = None;
    let mut date = None;
    let mut cols: Option<(usize, usize, Option<usize>)> = None;
    for (n, line) in text.lines().enumerate() {
        let lineno = n + 1;
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        if let Some(meta) = line.strip_prefix('#') {
            for kv in meta.split(',') {
                if let Some((k, v)) = kv.split_once(':') {
                    match k.trim() {
                        "model_version" => model = Some(v.trim().to_string()),
                        "score_date" => date = parse_date(v.trim()),
                        _ => {}
                    }
                }
            }
            continue;
        }
        let fields: Vec<&str> = line.split(',').map(str::trim).collect();
        if cols.is_none() {
            let find = |name: &str| fields.iter().position(|f| f.eq_ignore_ascii_case(name));
            match (find("cve"), find("epss")) {
                (Some(c), Some(e)) => {
                    cols = Some((c, e, find("percentile")));
                    continue;
                }
                _ => {
                    out.problems.push(problem(
                        file,
                        &format!("line {lineno}"),
                        None,
                        "expected the header cve,epss,percentile".into(),
                    ));
                    return out;
                }
            }
        }
        let Some((c, e, p)) = cols else { continue };
        let get = |i: usize| fields.get(i).copied().unwrap_or("");
        let rec = Some(get(c).to_string()).filter(|s| !s.is_empty());
        let id: CveId = match get(c).parse() {
            Ok(id) => id,
            Err(m) => {
                out.problems
                    .push(problem(file, &format!("line {lineno}"), rec, m));
                continue;
            }
        };
        let num = |s: &str| s.parse::<f32>().ok().filter(|x| (0.0..=1.0).contains(x));
        let pct = p.map(|p| num(get(p)));
        match (num(get(e)), pct) {
            (Some(score), None) | (Some(score), Some(Some(_))) => out.epss.push((
                id,
                Epss {
                    score,
                    percentile: pct.flatten(),
                    model_version: model.clone(),
                    score_date: date,
                },
            )),
            _ => out.problems.push(problem(
                file,
                &format!("line {lineno}"),
                rec,
                format!(
                    "epss '{}' and percentile '{}' must be numbers from 0 to 1",
                    get(e),
                    p.map(get).unwrap_or("")
                ),
            )),
        }
    }
    if cols.is_none() {
        out.problems.push(problem(
            file,
            "line 1",
            None,
            "no header cve,epss,percentile".into(),
        ));
    }
    out.version = model;
    out
}
