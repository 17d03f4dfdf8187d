//! Zeek logs (`dns.log`, `http.log`, `conn.log`, …), as JSON lines or in
//! Zeek's own tab-separated form (`#separator`, `#fields`, `#types` header
//! lines, `-` for unset, `(empty)` for an empty set).
//!
//! Fields by their Zeek names (`query`, `qtype_name`, `answers`, `uri`,
//! `method`, `status_code`, `id.orig_h`, `id.resp_p`, …), sets and vectors as
//! several values; `_path` is the log's name (from the `#path` line, the
//! record's own `_path`, or the file name: `dns.log`, `dns.2024-01-01.log`
//! → `dns`); `timestamp` is `ts` in RFC 3339. Events are declared `product:
//! zeek, service: PATH`, as SigmaHQ's Zeek rules expect; `logsources.yml`
//! also routes `dns`, `http` and `conn` to the `dns`, `proxy`/`webserver` and
//! `firewall` categories.

use super::RecordParser;
use crate::event::{Event, Value};

/// The log name of a Zeek file name: `dns.log`, `dns.00:00:00-01:00:00.log` → `dns`.
pub fn path_of_file_name(file: &str) -> String {
    let base = file.rsplit(['/', '\\']).next().unwrap_or(file);
    base.split('.').next().unwrap_or("").to_ascii_lowercase()
}

fn finish_event(mut ev: Event, path: &str) -> Event {
    let path = match ev.get_text("_path") {
        Some(p) => p.to_ascii_lowercase(),
        None => {
            if !path.is_empty() {
                ev.push("_path", path);
            }
            path.to_string()
        }
    };
    let ts = ev.get("ts").and_then(|v| match v {
        Value::Float(f) => Some(*f),
        Value::Int(i) => Some(*i as f64),
        Value::Str(s) => s.parse::<f64>().ok(),
        _ => None,
    });
    if let Some(ts) = ts.filter(|t| t.is_finite() && t.abs() < 1e12) {
        let secs = ts.floor();
        let ms = ((ts - secs) * 1000.0).round().min(999.0) as u32;
        ev.push("timestamp", super::rfc3339(secs as i64, ms));
    } else if let Some(t) = ev.get_text("ts").map(|t| t.into_owned()) {
        ev.push("timestamp", t);
    }
    let service = (!path.is_empty()).then_some(path.as_str());
    ev.with_source(Some("zeek"), None, service)
}

/// Zeek JSON lines; the log name comes from `_path` or the file name.
#[derive(Debug, Default, Clone)]
pub struct ZeekJsonParser {
    path: String,
}

impl ZeekJsonParser {
    /// `file` is the file's name (for the log name), or "".
    pub fn new(file: &str) -> Self {
        ZeekJsonParser {
            path: path_of_file_name(file),
        }
    }
}

impl RecordParser for ZeekJsonParser {
    fn record(&mut self, rec: &[u8], out: &mut Vec<Event>) -> Result<(), String> {
        let ev = super::json_record(rec)?;
        out.push(finish_event(ev, &self.path));
        Ok(())
    }
}

/// Zeek's tab-separated logs; the header lines configure the parser.
#[derive(Debug, Clone)]
pub struct ZeekTsvParser {
    sep: String,
    set_sep: String,
    empty: String,
    unset: String,
    path: String,
    fields: Vec<String>,
    /// Which fields are sets or vectors.
    multi: Vec<bool>,
}

impl ZeekTsvParser {
    pub fn new(file: &str) -> Self {
        ZeekTsvParser {
            sep: "\t".into(),
            set_sep: ",".into(),
            empty: "(empty)".into(),
            unset: "-".into(),
            path: path_of_file_name(file),
            fields: Vec::new(),
            multi: Vec::new(),
        }
    }

    fn header(&mut self, line: &str) -> Result<(), String> {
        if let Some(v) = line.strip_prefix("#separator ") {
            self.sep = unescape(v.trim());
            if self.sep.is_empty() {
                return Err("Zeek TSV: an empty #separator".into());
            }
            return Ok(());
        }
        let mut parts = line.split(self.sep.as_str());
        let key = parts.next().unwrap_or("");
        let vals: Vec<String> = parts.map(unescape).collect();
        let one = || vals.first().cloned().unwrap_or_default();
        match key {
            "#set_separator" => self.set_sep = one(),
            "#empty_field" => self.empty = one(),
            "#unset_field" => self.unset = one(),
            "#path" => self.path = one().to_ascii_lowercase(),
            "#fields" => {
                self.multi = vec![false; vals.len()];
                self.fields = vals;
            }
            "#types" => {
                self.multi = vals
                    .iter()
                    .map(|t| t.starts_with("set[") || t.starts_with("vector["))
                    .collect();
            }
            _ => {}
        }
        Ok(())
    }
}

impl RecordParser for ZeekTsvParser {
    fn record(&mut self, rec: &[u8], out: &mut Vec<Event>) -> Result<(), String> {
        let line = super::text(rec);
        if line.starts_with('#') {
            return self.header(&line);
        }
        if self.fields.is_empty() {
            return Err("Zeek TSV: a record before the '#fields' line".into());
        }
        let vals: Vec<&str> = line.split(self.sep.as_str()).collect();
        if vals.len() != self.fields.len() {
            return Err(format!(
                "Zeek TSV: {} values for {} fields",
                vals.len(),
                self.fields.len()
            ));
        }
        let mut ev = Event::new();
        for (i, (name, v)) in self.fields.iter().zip(vals).enumerate() {
            if v == self.unset {
                continue;
            }
            if v == self.empty {
                ev.push(name.as_str(), "");
                continue;
            }
            if self.multi.get(i).copied().unwrap_or(false) && !self.set_sep.is_empty() {
                for part in v.split(self.set_sep.as_str()) {
                    ev.push(name.as_str(), unescape(part));
                }
            } else {
                ev.push(name.as_str(), unescape(v));
            }
        }
        out.push(finish_event(ev, &self.path));
        Ok(())
    }
}

/// Zeek's `\xHH` escapes.
fn unescape(s: &str) -> String {
    if !s.contains("\\x") {
        return s.to_string();
    }
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' && b.get(i + 1) == Some(&b'x') {
            if let Some(h) = s
                .get(i + 2..i + 4)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
            {
                out.push(h);
                i += 4;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tsv_with_header() {
        let text = "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\tdns\n#fields\tts\tuid\tid.orig_h\tquery\tqtype_name\tanswers\n#types\ttime\tstring\taddr\tstring\tstring\tvector[string]\n1700000000.5\tC1\t10.0.0.1\tevil.test\tA\t1.1.1.1,2.2.2.2\n1700000001.0\tC2\t10.0.0.1\t-\tA\n";
        let mut p = ZeekTsvParser::new("x.log");
        let mut out = Vec::new();
        let errs: Vec<String> = text
            .lines()
            .filter_map(|l| p.record(l.as_bytes(), &mut out).err())
            .collect();
        assert_eq!(out.len(), 1);
        assert_eq!(errs, vec!["Zeek TSV: 5 values for 6 fields".to_string()]);
        let ev = &out[0];
        assert_eq!(ev.get_text("query").unwrap(), "evil.test");
        assert_eq!(ev.get_text("_path").unwrap(), "dns");
        assert_eq!(
            ev.get_text("timestamp").unwrap(),
            "2023-11-14T22:13:20.500Z"
        );
        let answers = ev
            .fields()
            .iter()
            .filter(|(n, _)| &**n == "answers")
            .count();
        assert_eq!(answers, 2);
        assert_eq!(ev.source_hint().product.as_deref(), Some("zeek"));
        assert_eq!(ev.source_hint().service.as_deref(), Some("dns"));
    }

    #[test]
    fn json_path_from_file_name() {
        let mut p = ZeekJsonParser::new("/var/log/zeek/http.2024-01-01.log");
        let mut out = Vec::new();
        p.record(
            br#"{"ts":1700000000,"uid":"C1","id.orig_h":"10.0.0.1","uri":"/x"}"#,
            &mut out,
        )
        .unwrap();
        assert_eq!(out[0].source_hint().service.as_deref(), Some("http"));
        assert_eq!(out[0].get_text("_path").unwrap(), "http");
        assert!(p.record(b"not json", &mut out).is_err());
        let mut t = ZeekTsvParser::new("conn.log");
        assert!(t.record(b"1\t2", &mut out).unwrap_err().contains("#fields"));
    }
}
