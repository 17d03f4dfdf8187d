//! Suricata EVE JSON (`eve.json`): one JSON object per line with an
//! `event_type` (`alert`, `dns`, `http`, `tls`, `flow`, `fileinfo`, …).
//!
//! Fields by their dotted EVE paths (`src_ip`, `dest_port`, `dns.rrname`,
//! `http.url`, `http.http_user_agent`, `tls.sni`, `fileinfo.filename`,
//! `alert.signature`, `flow.state`), plus fields derived for Sigma where a
//! rename cannot do it:
//!
//! * `http`: `http.url_path` and `http.url_query` (the URL split at `?`),
//!   `http.url_extension` (of the path's last segment, without the dot);
//! * `dns`: `dns.query` and `dns.query_type` (the `rrname` and `rrtype` of
//!   EVE versions 1 and 2, or of the first entry of version 3's `queries`),
//!   `dns.answer` (every answer's data, whatever the version's layout).
//!
//! Events are declared `product: suricata, service: EVENT_TYPE`;
//! `logsources.yml` routes them to `dns`, `webserver`, `proxy` and
//! `firewall` with Sigma's names (`query`, `c-uri`, `cs-method`, `sc-status`,
//! `dst_port`, …).

use super::RecordParser;
use crate::event::{Event, Value};

/// Parses EVE lines; see the module docs.
#[derive(Debug, Default, Clone, Copy)]
pub struct EveParser;

impl RecordParser for EveParser {
    fn record(&mut self, rec: &[u8], out: &mut Vec<Event>) -> Result<(), String> {
        out.push(parse(rec)?);
        Ok(())
    }
}

/// One EVE record as an event.
pub fn parse(rec: &[u8]) -> Result<Event, String> {
    let ev = super::json_record(rec)?;
    normalise(ev)
}

/// Adds the derived fields and the declared log source to an event read
/// from an EVE object; an object with no `event_type` is refused.
pub fn normalise(mut ev: Event) -> Result<Event, String> {
    let kind = match ev.get("event_type") {
        Some(Value::Str(s)) if !s.is_empty() => s.to_ascii_lowercase(),
        _ => return Err("not an EVE record: no 'event_type'".into()),
    };
    let all = |ev: &Event, name: &str| -> Vec<String> {
        ev.fields()
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_text().into_owned())
            .collect()
    };
    if let Some(url) = ev.get_text("http.url").map(|u| u.into_owned()) {
        let (path, query) = match url.split_once('?') {
            Some((p, q)) => (p, Some(q)),
            None => (url.as_str(), None),
        };
        ev.push("http.url_path", path);
        if let Some(q) = query {
            ev.push("http.url_query", q);
        }
        let last = path.rsplit('/').next().unwrap_or("");
        if let Some((_, ext)) = last.rsplit_once('.') {
            if !ext.is_empty() {
                ev.push("http.url_extension", ext);
            }
        }
    }
    if kind == "dns" {
        let query = ev
            .get_text("dns.rrname")
            .or_else(|| ev.get_text("dns.queries.rrname"))
            .map(|q| q.into_owned());
        if let Some(q) = query {
            ev.push("dns.query", q);
        }
        let qtype = ev
            .get_text("dns.rrtype")
            .or_else(|| ev.get_text("dns.queries.rrtype"))
            .map(|q| q.into_owned());
        if let Some(t) = qtype {
            ev.push("dns.query_type", t);
        }
        let mut answers = all(&ev, "dns.answers.rdata");
        if ev.get_text("dns.type").is_some_and(|t| t == "answer") {
            answers.extend(all(&ev, "dns.rdata"));
        }
        let grouped: Vec<String> = ev
            .fields()
            .iter()
            .filter(|(n, _)| {
                n.len() > 12 && n.as_bytes()[..12].eq_ignore_ascii_case(b"dns.grouped.")
            })
            .map(|(_, v)| v.as_text().into_owned())
            .collect();
        answers.extend(grouped);
        for a in answers {
            ev.push("dns.answer", a);
        }
    }
    Ok(ev.with_source(Some("suricata"), None, Some(&kind)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_fields() {
        let ev = parse(br#"{"timestamp":"2024-01-01T00:00:00.000000+0000","event_type":"http","src_ip":"10.0.0.5","dest_ip":"1.2.3.4","dest_port":80,"http":{"hostname":"evil.example","url":"/a/shell.php?cmd=id","http_user_agent":"curl/8","http_method":"GET","status":200}}"#).unwrap();
        let t = |k: &str| ev.get_text(k).unwrap().into_owned();
        assert_eq!(t("http.url_path"), "/a/shell.php");
        assert_eq!(t("http.url_query"), "cmd=id");
        assert_eq!(t("http.url_extension"), "php");
        assert_eq!(t("http.status"), "200");
        assert_eq!(ev.source_hint().service.as_deref(), Some("http"));
    }

    #[test]
    fn dns_versions() {
        let v2 = parse(br#"{"event_type":"dns","dns":{"version":2,"type":"answer","rrname":"x.test","rrtype":"A","answers":[{"rrname":"x.test","rrtype":"A","rdata":"1.1.1.1"}],"grouped":{"A":["1.1.1.2"]}}}"#).unwrap();
        assert_eq!(v2.get_text("dns.query").unwrap(), "x.test");
        let answers: Vec<_> = v2
            .fields()
            .iter()
            .filter(|(n, _)| &**n == "dns.answer")
            .map(|(_, v)| v.as_text().into_owned())
            .collect();
        assert_eq!(answers, vec!["1.1.1.1", "1.1.1.2"]);
        let v3 = parse(br#"{"event_type":"dns","dns":{"version":3,"type":"request","queries":[{"rrname":"y.test","rrtype":"TXT"}]}}"#).unwrap();
        assert_eq!(v3.get_text("dns.query").unwrap(), "y.test");
        assert_eq!(v3.get_text("dns.query_type").unwrap(), "TXT");
    }

    #[test]
    fn not_eve() {
        assert!(parse(b"{\"a\":1}").unwrap_err().contains("event_type"));
        assert!(parse(b"[1]").unwrap_err().contains("not a JSON object"));
        assert!(parse(b"{").unwrap_err().contains("not JSON"));
    }
}
