//! ArcSight Common Event Format: `CEF:Version|Device Vendor|Device Product|
//! Device Version|Device Event Class ID|Name|Severity|key=value …`, alone on
//! a line or as the message of a syslog record.
//!
//! Fields: `CEFVersion`, `DeviceVendor`, `DeviceProduct`, `DeviceVersion`,
//! `DeviceEventClassID`, `Name`, `CEFSeverity`, and every extension by its
//! key (`src`, `dst`, `spt`, `dpt`, `act`, `request`, `suser` …). A key given
//! by its full name (`destinationPort`) is also given by its short one
//! (`dpt`), so renames in `logsources.yml` need one name; a custom field with
//! a label (`cs1Label=Rule cs1=x`) is also given under the label (`Rule`).
//! Events carry no declared log source: `logsources.yml` routes them to
//! `firewall` and `proxy` by the fields they hold.

use super::RecordParser;
use crate::event::Event;

/// Parses CEF lines (bare, or inside syslog); see the module docs.
#[derive(Debug, Default, Clone, Copy)]
pub struct CefParser;

impl RecordParser for CefParser {
    fn record(&mut self, rec: &[u8], out: &mut Vec<Event>) -> Result<(), String> {
        let t = super::text(rec);
        let ev = if t.trim_start().starts_with("CEF:") {
            parse(t.trim_start().as_bytes())?
        } else {
            let ev = super::syslog::parse(rec)
                .map_err(|_| "not a CEF record: expected 'CEF:' or a syslog header".to_string())?;
            if ev.get("CEFVersion").is_none() {
                return Err("not a CEF record: the message does not start with 'CEF:'".into());
            }
            ev
        };
        out.push(ev);
        Ok(())
    }
}

const HEADER: [&str; 7] = [
    "CEFVersion",
    "DeviceVendor",
    "DeviceProduct",
    "DeviceVersion",
    "DeviceEventClassID",
    "Name",
    "CEFSeverity",
];

/// Full extension names and their short forms.
const SHORT: &[(&str, &str)] = &[
    ("sourceAddress", "src"),
    ("destinationAddress", "dst"),
    ("sourcePort", "spt"),
    ("destinationPort", "dpt"),
    ("deviceAction", "act"),
    ("requestUrl", "request"),
    ("sourceUserName", "suser"),
    ("destinationUserName", "duser"),
    ("transportProtocol", "proto"),
    ("applicationProtocol", "app"),
    ("message", "msg"),
    ("fileName", "fname"),
    ("sourceHostName", "shost"),
    ("destinationHostName", "dhost"),
    ("deviceHostName", "dvchost"),
    ("bytesIn", "in"),
    ("bytesOut", "out"),
];

/// One CEF text (starting with `CEF:`) as an event.
pub fn parse(rec: &[u8]) -> Result<Event, String> {
    let s = super::text(rec);
    let s = s.trim_end_matches(['\r', '\n']);
    let body = s
        .strip_prefix("CEF:")
        .ok_or("not CEF: expected 'CEF:' at byte 0")?;
    let mut ev = Event::new();
    // Header: seven fields separated by unescaped '|'.
    let mut field = String::new();
    let mut n = 0;
    let mut chars = body.char_indices();
    let mut ext_at = None;
    while let Some((i, c)) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some((_, e)) => field.push(e),
                None => field.push('\\'),
            },
            '|' => {
                ev.push(HEADER[n], std::mem::take(&mut field));
                n += 1;
                if n == HEADER.len() {
                    ext_at = Some(i + 1);
                    break;
                }
            }
            _ => field.push(c),
        }
    }
    let Some(ext_at) = ext_at else {
        return Err(format!(
            "CEF header: expected 7 fields ending in '|', found {n} (byte {})",
            s.len()
        ));
    };
    extension(&mut ev, &body[ext_at..])
        .map_err(|(msg, at)| format!("CEF extension: {msg} at byte {}", 4 + ext_at + at))?;
    Ok(ev)
}

fn key_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'.' || b == b'-' || b == b'[' || b == b']'
}

/// `key=value key2=value with spaces …`
fn extension(ev: &mut Event, ext: &str) -> Result<(), (&'static str, usize)> {
    let b = ext.as_bytes();
    // Each unescaped '=' preceded by a whole word of key characters starts a pair.
    let mut keys: Vec<(usize, usize)> = Vec::new(); // (key start, '=' position)
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 1,
            b'=' => {
                let mut ks = i;
                while ks > 0 && key_char(b[ks - 1]) {
                    ks -= 1;
                }
                if ks < i && (ks == 0 || b[ks - 1] == b' ') {
                    keys.push((ks, i));
                }
            }
            _ => {}
        }
        i += 1;
    }
    let lead = ext.len() - ext.trim_start().len();
    match keys.first() {
        None if ext.trim().is_empty() => return Ok(()),
        None => return Err(("expected key=value", lead)),
        Some((ks, _)) if *ks != lead => return Err(("expected key=value", lead)),
        _ => {}
    }
    let mut labels: Vec<(String, String)> = Vec::new();
    let mut pairs: Vec<(String, String)> = Vec::new();
    for (j, &(ks, eq)) in keys.iter().enumerate() {
        let end = keys.get(j + 1).map_or(b.len(), |(next, _)| *next);
        let key = &ext[ks..eq];
        let value = unescape(ext[eq + 1..end].trim_end_matches(' '));
        if let Some(base) = key.strip_suffix("Label") {
            labels.push((base.to_string(), value.clone()));
        }
        pairs.push((key.to_string(), value));
    }
    for (k, v) in &pairs {
        ev.push(k.as_str(), v.as_str());
        if let Some((_, short)) = SHORT.iter().find(|(full, _)| full == k) {
            ev.push(*short, v.as_str());
        }
        if let Some((_, label)) = labels.iter().find(|(base, _)| base == k) {
            if !label.is_empty() {
                ev.push(label.as_str(), v.as_str());
            }
        }
    }
    Ok(())
}

fn unescape(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    let mut chars = v.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some(e) => out.push(e),
            None => out.push('\\'),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_and_extension() {
        let ev = parse(br"CEF:0|Security|threat\|manager|1.0|100|worm successfully stopped|10|src=10.0.0.1 dst=2.1.2.2 spt=1232 msg=a b\=c d requestUrl=http://x/?a=b c cs1Label=Rule cs1=R 7").unwrap();
        let t = |k: &str| ev.get_text(k).unwrap().into_owned();
        assert_eq!(t("CEFVersion"), "0");
        assert_eq!(t("DeviceProduct"), "threat|manager");
        assert_eq!(t("Name"), "worm successfully stopped");
        assert_eq!(t("CEFSeverity"), "10");
        assert_eq!(t("src"), "10.0.0.1");
        assert_eq!(t("spt"), "1232");
        assert_eq!(t("msg"), "a b=c d");
        assert_eq!(t("requestUrl"), "http://x/?a=b c");
        assert_eq!(t("request"), "http://x/?a=b c");
        assert_eq!(t("Rule"), "R 7");
    }

    #[test]
    fn errors_name_the_byte() {
        let e = parse(b"CEF:0|a|b|c").unwrap_err();
        assert!(e.contains("found 3"), "{e}");
        let e = parse(b"CEF:0|a|b|c|d|e|f|junk here").unwrap_err();
        assert!(e.contains("at byte 18"), "{e}");
        let mut p = CefParser;
        let mut out = Vec::new();
        assert!(p.record(b"hello", &mut out).is_err());
        assert!(p.record(b"Jan  1 00:00:00 h app: hi", &mut out).is_err());
        assert!(p.record(b"CEF:0|a|b|c|d|e|f|", &mut out).is_ok());
    }
}
