//! Reading one correlation document (YAML) into its parts.

use super::{Condition, CorrelationKind};
use crate::{Level, LogSource, Reason, RuleInfo};
use yaml_rust2::Yaml;

/// A correlation as written, its references not yet resolved.
#[derive(Clone, Debug)]
pub(crate) struct ParsedCorrelation {
    pub info: RuleInfo,
    pub name: Option<String>,
    pub kind: CorrelationKind,
    pub references: Vec<String>,
    pub group_by: Vec<String>,
    pub timespan_ms: i64,
    pub condition: Condition,
    pub field: Option<String>,
    /// alias → (rule name or id → field).
    pub aliases: Vec<(String, Vec<(String, String)>)>,
    pub generate: bool,
}

impl ParsedCorrelation {
    /// The event field read for `name` in events of the rule known by any of `keys`.
    pub fn alias(&self, name: &str, keys: &[&str]) -> String {
        self.aliases
            .iter()
            .find(|(a, _)| a == name)
            .and_then(|(_, m)| m.iter().find(|(r, _)| keys.contains(&r.as_str())))
            .map_or_else(|| name.to_string(), |(_, f)| f.clone())
    }
}

use crate::rule::scalar_text as text;

fn list(y: &Yaml) -> Option<Vec<String>> {
    match y {
        Yaml::Array(a) => a.iter().map(text).collect(),
        Yaml::BadValue | Yaml::Null => Some(Vec::new()),
        v => text(v).map(|t| vec![t]),
    }
}

/// `30s`, `5m`, `1h`, `7d`, `2w` → milliseconds.
pub fn parse_timespan(s: &str) -> Result<i64, String> {
    let t = s.trim();
    let (num, unit) = t.split_at(t.len().saturating_sub(1));
    let n: i64 = num
        .parse()
        .map_err(|_| format!("timespan '{t}': expected a number and a unit (s, m, h, d, w)"))?;
    let mult = match unit {
        "s" => 1_000,
        "m" => 60_000,
        "h" => 3_600_000,
        "d" => 86_400_000,
        "w" => 7 * 86_400_000,
        _ => {
            return Err(format!(
                "timespan '{t}': unknown unit '{unit}' (s, m, h, d or w)"
            ))
        }
    };
    if n <= 0 {
        return Err(format!("timespan '{t}' must be positive"));
    }
    n.checked_mul(mult)
        .filter(|ms| *ms <= 366 * 86_400_000)
        .ok_or_else(|| format!("timespan '{t}' is longer than a year"))
}

/// Reads a correlation document. `info` is the rule's metadata as the rule
/// parser would read it.
pub(crate) fn parse_correlation(doc: &Yaml, source: &str) -> Result<ParsedCorrelation, Refused> {
    let fail = |info: &RuleInfo, why: String| -> Refused {
        Box::new((Some(info.clone()), Reason::Correlation(why)))
    };
    let Yaml::Hash(_) = doc else {
        return Err(Box::new((
            None,
            Reason::NotARule("the document is not a mapping".into()),
        )));
    };
    let s = |k: &str| doc[k].as_str().unwrap_or("").to_string();
    let info = RuleInfo {
        id: s("id"),
        name: doc["name"].as_str().map(str::to_string),
        title: s("title"),
        level: doc["level"]
            .as_str()
            .map(Level::parse)
            .unwrap_or(Level::Unknown),
        status: s("status"),
        author: text(&doc["author"]).unwrap_or_default(),
        tags: list(&doc["tags"]).unwrap_or_default(),
        logsource: LogSource::default(),
        source: source.to_string(),
    };
    let c = &doc["correlation"];
    if !matches!(c, Yaml::Hash(_)) {
        return Err(fail(&info, "'correlation' is not a mapping".into()));
    }
    if info.title.is_empty() {
        return Err(fail(&info, "no title".into()));
    }
    let kind = match c["type"].as_str() {
        Some("event_count") => CorrelationKind::EventCount,
        Some("value_count") => CorrelationKind::ValueCount,
        Some("temporal") => CorrelationKind::Temporal,
        Some("temporal_ordered") => CorrelationKind::TemporalOrdered,
        Some(t) => return Err(fail(&info, format!("unknown type '{t}'"))),
        None => return Err(fail(&info, "no type".into())),
    };
    let references = list(&c["rules"]).unwrap_or_default();
    if references.is_empty() {
        return Err(fail(&info, "'rules' names no rule".into()));
    }
    let group_by = list(&c["group-by"])
        .ok_or_else(|| fail(&info, "'group-by' is not a list of field names".into()))?;
    let timespan_ms = match c["timespan"].as_str().or(c["timeframe"].as_str()) {
        Some(t) => parse_timespan(t).map_err(|e| fail(&info, e))?,
        None => return Err(fail(&info, "no timespan".into())),
    };
    let mut condition = Condition::default();
    let mut field = c["field"].as_str().map(str::to_string);
    match &c["condition"] {
        Yaml::Hash(h) => {
            for (k, v) in h {
                let key = k.as_str().unwrap_or("");
                if key == "field" {
                    field = v.as_str().map(str::to_string);
                    continue;
                }
                let n = match v {
                    Yaml::Integer(i) if *i >= 0 => *i as u64,
                    Yaml::String(t) => t.trim().parse::<u64>().map_err(|_| {
                        fail(&info, format!("condition {key}: '{t}' is not a count"))
                    })?,
                    _ => return Err(fail(&info, format!("condition {key}: not a count"))),
                };
                let slot = match key {
                    "gt" => &mut condition.gt,
                    "gte" => &mut condition.gte,
                    "lt" => &mut condition.lt,
                    "lte" => &mut condition.lte,
                    "eq" => &mut condition.eq,
                    other => {
                        return Err(fail(
                            &info,
                            format!("condition: unknown operator '{other}' (gt, gte, lt, lte, eq)"),
                        ))
                    }
                };
                *slot = Some(n);
            }
        }
        Yaml::BadValue | Yaml::Null => {}
        _ => return Err(fail(&info, "'condition' is not a mapping".into())),
    }
    let n = references.len() as u64;
    match kind {
        CorrelationKind::EventCount | CorrelationKind::ValueCount => {
            if condition == Condition::default() {
                return Err(fail(&info, "no condition".into()));
            }
        }
        CorrelationKind::Temporal => {
            if condition == Condition::default() {
                condition.gte = Some(n);
            } else if !condition.is_lower_bound_only() && condition.eq != Some(n) {
                return Err(fail(
                    &info,
                    "a temporal condition other than gt/gte or eq to the number of rules is not supported".into(),
                ));
            }
        }
        CorrelationKind::TemporalOrdered => {
            let all = Condition {
                gte: Some(n),
                ..Condition::default()
            };
            let eq_all = Condition {
                eq: Some(n),
                ..Condition::default()
            };
            if condition != Condition::default() && condition != all && condition != eq_all {
                return Err(fail(
                    &info,
                    "temporal_ordered is decided on the whole sequence: a condition other than every rule is not supported".into(),
                ));
            }
            condition = all;
        }
    }
    if condition.eq.is_some() && kind == CorrelationKind::Temporal {
        condition = Condition {
            gte: Some(n),
            ..Condition::default()
        };
    }
    if kind == CorrelationKind::ValueCount && field.is_none() {
        return Err(fail(
            &info,
            "value_count needs 'field' in its condition".into(),
        ));
    }
    let mut aliases = Vec::new();
    if let Yaml::Hash(a) = &c["aliases"] {
        for (k, v) in a {
            let (Some(alias), Yaml::Hash(m)) = (k.as_str(), v) else {
                return Err(fail(&info, "aliases: expected alias: {rule: field}".into()));
            };
            let mut pairs = Vec::new();
            for (r, f) in m {
                match (text(r), f.as_str()) {
                    (Some(r), Some(f)) => pairs.push((r, f.to_string())),
                    _ => {
                        return Err(fail(
                            &info,
                            format!("aliases: {alias}: expected rule: field"),
                        ))
                    }
                }
            }
            aliases.push((alias.to_string(), pairs));
        }
    }
    let generate = c["generate"]
        .as_bool()
        .or(doc["generate"].as_bool())
        .unwrap_or(false);
    Ok(ParsedCorrelation {
        name: info.name.clone(),
        info,
        kind,
        references,
        group_by,
        timespan_ms,
        condition,
        field,
        aliases,
        generate,
    })
}

pub(crate) type Refused = crate::rule::Refused;
