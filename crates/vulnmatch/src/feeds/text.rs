//! Small lenient helpers shared by the feed readers.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use serde::de::{self, Deserializer, Visitor};
use std::fmt;

/// A string, or a number or boolean written as JSON (CVE records sometimes
/// write `"version": 2`), as text.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Text(pub String);

impl<'de> de::Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Text;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string or a number")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Text, E> {
                Ok(Text(v.to_string()))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Text, E> {
                Ok(Text(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Text, E> {
                Ok(Text(v.to_string()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Text, E> {
                Ok(Text(v.to_string()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Text, E> {
                Ok(Text(v.to_string()))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Text, E> {
                Ok(Text(v.to_string()))
            }
        }
        d.deserialize_any(V)
    }
}

/// Trimmed, or `None` when empty.
pub fn clean(s: Option<String>) -> Option<String> {
    s.map(|x| x.trim().to_string()).filter(|x| !x.is_empty())
}

pub fn clean_text(s: Option<Text>) -> Option<String> {
    clean(s.map(|t| t.0))
}

/// `2024-04-12T08:15:06.230`, `2023-10-26T20:13:15.087Z`,
/// `2024-04-14T00:00:00+0000`, `2024-04-14` → UTC.
pub fn parse_datetime(s: &str) -> Option<DateTime<Utc>> {
    let t = s.trim();
    if let Ok(d) = DateTime::parse_from_rfc3339(t) {
        return Some(d.with_timezone(&Utc));
    }
    for f in ["%Y-%m-%dT%H:%M:%S%.f%z", "%Y-%m-%dT%H:%M:%S%z"] {
        if let Ok(d) = DateTime::parse_from_str(t, f) {
            return Some(d.with_timezone(&Utc));
        }
    }
    for f in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%d %H:%M:%S",
    ] {
        if let Ok(d) = NaiveDateTime::parse_from_str(t, f) {
            return Some(d.and_utc());
        }
    }
    parse_date(t)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|d| d.and_utc())
}

/// `2025-09-15`, or the date part of a timestamp.
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    let t = s.trim();
    let head = t.get(..10).unwrap_or(t);
    NaiveDate::parse_from_str(head, "%Y-%m-%d").ok()
}

/// Fix names mentioned in free text: Microsoft KB numbers (`KB5034441`) and
/// vendor hotfix file names (`Hotfix-BIGIP-17.1.0.3.0.75.4-ENG.iso`).
pub fn fix_names(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for word in text.split(|c: char| {
        c.is_whitespace()
            || matches!(
                c,
                ',' | ';' | '(' | ')' | '"' | '\'' | '/' | '=' | '&' | '?'
            )
    }) {
        let w = word.trim_matches(|c: char| matches!(c, '.' | ':'));
        if let Some(d) = w.strip_prefix("KB").or_else(|| w.strip_prefix("kb")) {
            if (6..=8).contains(&d.len()) && d.bytes().all(|b| b.is_ascii_digit()) {
                let n = format!("KB{d}");
                if !out.contains(&n) {
                    out.push(n);
                }
            }
        } else if w.len() > 7
            && w.get(..7)
                .is_some_and(|h| h.eq_ignore_ascii_case("hotfix-"))
        {
            let n = w.to_string();
            if !out.contains(&n) {
                out.push(n);
            }
        }
    }
    out
}

/// A fix name in the form the matcher compares: lower-case, without the
/// `.iso` of a hotfix image.
pub fn normalise_fix(s: &str) -> String {
    let t = s.trim().to_ascii_lowercase();
    t.strip_suffix(".iso").map(str::to_string).unwrap_or(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn helpers() {
        assert!(parse_datetime("2024-04-12T08:15:06.230").is_some());
        assert!(parse_datetime("2023-10-26T20:13:15.087Z").is_some());
        assert!(parse_datetime("2024-04-14T00:00:00+0000").is_some());
        assert!(parse_datetime("2024-04-14").is_some());
        assert!(parse_datetime("yesterday").is_none());
        assert_eq!(parse_date("2025-09-15").unwrap().to_string(), "2025-09-15");
        assert_eq!(
            fix_names(
                "Install KB5000871 or Hotfix-BIGIP-17.1.0.3.0.75.4-ENG.iso, see https://x/kb/KB12."
            ),
            vec![
                "KB5000871".to_string(),
                "Hotfix-BIGIP-17.1.0.3.0.75.4-ENG.iso".to_string()
            ]
        );
        assert_eq!(
            normalise_fix("Hotfix-BIGIP-17.1.0.3.0.75.4-ENG.iso"),
            "hotfix-bigip-17.1.0.3.0.75.4-eng"
        );
    }
}
