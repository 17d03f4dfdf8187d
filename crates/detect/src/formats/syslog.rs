//! Syslog messages: RFC 5424 (`<PRI>1 TIMESTAMP HOST APP PROCID MSGID [SD] MSG`)
//! and RFC 3164 / BSD (`<PRI>Mmm dd hh:mm:ss HOST TAG[PID]: MSG`, the
//! `<PRI>` missing in files written by rsyslog and syslog-ng, an RFC 3339
//! timestamp accepted in its place). In a file, records are lines or RFC 6587
//! octet-counted frames (`LEN <PRI>…`), see [`super::Framing`].
//!
//! Fields, by their Elastic Common Schema names so that syslog events shipped
//! as JSON read the same: `log.syslog.priority`,
//! `log.syslog.facility.name` and `log.syslog.severity.name` (`auth`, `err`
//! …), `log.syslog.hostname`, `log.syslog.appname`, `log.syslog.procid`,
//! `log.syslog.msgid`, each structured-data parameter as
//! `log.syslog.structured_data.SDID.name`, `message`, and `timestamp` as
//! written. `sudo` messages also give their `KEY=value`
//! pairs (`USER`, `COMMAND`, `PWD`, `TTY`). Events are declared `product:
//! linux, service: syslog`; `logsources.yml` routes them to `sshd`, `sudo`,
//! `cron` … by `log.syslog.appname`. A message that is CEF (`CEF:0|…`) is read as CEF
//! (see [`super::cef`]) with the syslog header's fields added, and is not
//! declared Linux.

use super::RecordParser;
use crate::event::Event;

/// Parses syslog records; see the module docs.
#[derive(Debug, Default, Clone, Copy)]
pub struct SyslogParser;

impl RecordParser for SyslogParser {
    fn record(&mut self, rec: &[u8], out: &mut Vec<Event>) -> Result<(), String> {
        out.push(parse(rec)?);
        Ok(())
    }
}

const FACILITIES: [&str; 24] = [
    "kern",
    "user",
    "mail",
    "daemon",
    "auth",
    "syslog",
    "lpr",
    "news",
    "uucp",
    "cron",
    "authpriv",
    "ftp",
    "ntp",
    "security",
    "console",
    "solaris-cron",
    "local0",
    "local1",
    "local2",
    "local3",
    "local4",
    "local5",
    "local6",
    "local7",
];
const SEVERITIES: [&str; 8] = [
    "emerg", "alert", "crit", "err", "warning", "notice", "info", "debug",
];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// One syslog message (a line or a datagram) as an event.
pub fn parse(rec: &[u8]) -> Result<Event, String> {
    let s = super::text(rec);
    let s = s.trim_end_matches(['\r', '\n', '\0']);
    let mut ev = Event::new();
    let mut rest = s;
    let mut has_pri = false;
    if let Some(r) = rest.strip_prefix('<') {
        let end = r
            .bytes()
            .take(4)
            .position(|b| b == b'>')
            .ok_or("bad PRI at byte 0: expected '<' 1 to 3 digits '>'")?;
        let pri: u8 = r[..end]
            .parse()
            .ok()
            .filter(|p| *p < 192)
            .ok_or("bad PRI at byte 0: not a number from 0 to 191")?;
        ev.push("log.syslog.facility.name", FACILITIES[usize::from(pri / 8)]);
        ev.push("log.syslog.severity.name", SEVERITIES[usize::from(pri % 8)]);
        ev.push("log.syslog.priority", i64::from(pri));
        rest = &r[end + 1..];
        has_pri = true;
    }
    let cef = if has_pri && rest.starts_with("1 ") {
        rfc5424(&mut ev, s, &rest[2..])?
    } else {
        rfc3164(&mut ev, rest, has_pri)?
    };
    if let Some(m) = cef {
        let mut c =
            super::cef::parse(m.as_bytes()).map_err(|e| format!("CEF message in syslog: {e}"))?;
        for (k, v) in ev.fields() {
            if !k.eq_ignore_ascii_case("message") {
                c.push(k.clone(), v.clone());
            }
        }
        return Ok(c);
    }
    Ok(ev.with_source(Some("linux"), None, Some("syslog")))
}

/// `(token, rest after one space)`.
fn token(s: &str) -> (&str, &str) {
    match s.split_once(' ') {
        Some((t, r)) => (t, r),
        None => (s, ""),
    }
}

fn nil(ev: &mut Event, name: &str, v: &str) {
    if v != "-" && !v.is_empty() {
        ev.push(name, v);
    }
}

/// The message; a CEF message is returned for the caller to read.
fn message(ev: &mut Event, msg: &str) -> Option<String> {
    let msg = msg.strip_prefix('\u{feff}').unwrap_or(msg);
    if msg.starts_with("CEF:") {
        return Some(msg.to_string());
    }
    ev.push("message", msg);
    None
}

fn rfc5424(ev: &mut Event, whole: &str, s: &str) -> Result<Option<String>, String> {
    let at = |r: &str| whole.len() - r.len();
    let mut rest = s;
    for (label, name) in [
        ("TIMESTAMP", "timestamp"),
        ("HOSTNAME", "log.syslog.hostname"),
        ("APP-NAME", "log.syslog.appname"),
        ("PROCID", "log.syslog.procid"),
        ("MSGID", "log.syslog.msgid"),
    ] {
        if rest.is_empty() {
            return Err(format!(
                "RFC 5424: the record ends before {label} (byte {})",
                at(rest)
            ));
        }
        let (t, r) = token(rest);
        nil(ev, name, t);
        rest = r;
    }
    if let Some(r) = rest.strip_prefix('-') {
        rest = r;
    } else if rest.starts_with('[') {
        rest = structured_data(ev, rest)
            .map_err(|(msg, r)| format!("RFC 5424: structured data: {msg} at byte {}", at(r)))?;
    } else if !rest.is_empty() {
        return Err(format!(
            "RFC 5424: expected '-' or '[' for STRUCTURED-DATA at byte {}",
            at(rest)
        ));
    }
    let msg = rest.strip_prefix(' ').unwrap_or(rest);
    Ok(if msg.is_empty() {
        None
    } else {
        message(ev, msg)
    })
}

/// `[id name="value" …][…]`; returns what follows.
fn structured_data<'a>(ev: &mut Event, s: &'a str) -> Result<&'a str, (&'static str, &'a str)> {
    let mut rest = s;
    while let Some(r) = rest.strip_prefix('[') {
        let id_end = r.find([' ', ']']).ok_or(("an element is not closed", r))?;
        let id = &r[..id_end];
        if id.is_empty() {
            return Err(("an element has no SD-ID", r));
        }
        rest = &r[id_end..];
        loop {
            if let Some(r) = rest.strip_prefix(']') {
                rest = r;
                break;
            }
            let r = rest
                .strip_prefix(' ')
                .ok_or(("expected ' ' or ']'", rest))?;
            let eq = r.find('=').ok_or(("a parameter has no '='", r))?;
            let name = &r[..eq];
            let r = r[eq + 1..]
                .strip_prefix('"')
                .ok_or(("a parameter value is not quoted", &r[eq + 1..]))?;
            let mut value = String::new();
            let mut chars = r.char_indices();
            let mut end = None;
            while let Some((i, c)) = chars.next() {
                match c {
                    '\\' => match chars.next() {
                        Some((_, e @ ('"' | '\\' | ']'))) => value.push(e),
                        Some((_, e)) => {
                            value.push('\\');
                            value.push(e);
                        }
                        None => break,
                    },
                    '"' => {
                        end = Some(i);
                        break;
                    }
                    _ => value.push(c),
                }
            }
            let end = end.ok_or(("a parameter value is not closed", r))?;
            ev.push(format!("log.syslog.structured_data.{id}.{name}"), value);
            rest = &r[end + 1..];
        }
    }
    Ok(rest)
}

/// `Mmm dd hh:mm:ss` at the start of `s`: its length.
fn bsd_time(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    if b.len() < 15 || !MONTHS.contains(&s.get(..3)?) || b[3] != b' ' {
        return None;
    }
    let day_ok = (b[4] == b' ' || b[4].is_ascii_digit()) && b[5].is_ascii_digit();
    let time_ok = b[6] == b' '
        && b[7].is_ascii_digit()
        && b[8].is_ascii_digit()
        && b[9] == b':'
        && b[12] == b':'
        && b[13].is_ascii_digit()
        && b[14].is_ascii_digit();
    (day_ok && time_ok).then_some(15)
}

/// An RFC 3339 timestamp at the start of `s`: its length.
fn iso_time(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    let ok = b.len() >= 19
        && b[..4].iter().all(u8::is_ascii_digit)
        && b[4] == b'-'
        && b[7] == b'-'
        && (b[10] == b'T' || b[10] == b' ')
        && b[13] == b':';
    ok.then(|| s.find(' ').unwrap_or(s.len()))
}

fn rfc3164(ev: &mut Event, s: &str, has_pri: bool) -> Result<Option<String>, String> {
    let tlen = bsd_time(s).or_else(|| iso_time(s));
    let Some(tlen) = tlen else {
        if !has_pri {
            return Err("not a syslog record: expected '<PRI>' or a timestamp at byte 0".into());
        }
        // RFC 3164: a message with no valid header is all message.
        return Ok(message(ev, s));
    };
    ev.push("timestamp", &s[..tlen]);
    let mut rest = s[tlen..].trim_start_matches(' ');
    // The hostname, unless the next word is already the tag.
    let (h, r) = token(rest);
    if !h.is_empty()
        && !h.contains('[')
        && !h.ends_with(':')
        && !h.starts_with("CEF:")
        && !r.is_empty()
    {
        ev.push("log.syslog.hostname", h);
        rest = r;
    }
    if rest.starts_with("CEF:") {
        return Ok(message(ev, rest));
    }
    // TAG[PID]: — a tag is up to 48 characters of letters, digits and `-_./`.
    let tag_end = rest
        .char_indices()
        .take(49)
        .find(|(_, c)| !(c.is_ascii_alphanumeric() || "-_./".contains(*c)))
        .map(|(i, _)| i);
    if let Some(te) = tag_end.filter(|te| *te > 0) {
        let after = &rest[te..];
        let (pid, after) = match after.strip_prefix('[') {
            Some(a) => match a.find(']') {
                Some(e) => (Some(&a[..e]), &a[e + 1..]),
                None => (None, after),
            },
            None => (None, after),
        };
        if let Some(m) = after.strip_prefix(':') {
            let app = &rest[..te];
            ev.push("log.syslog.appname", app);
            if let Some(p) = pid {
                ev.push("log.syslog.procid", p);
            }
            let m = m.strip_prefix(' ').unwrap_or(m);
            if app.eq_ignore_ascii_case("sudo") {
                sudo_pairs(ev, m);
            }
            return Ok(message(ev, m));
        }
    }
    Ok(message(ev, rest))
}

/// `alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/bin/ls`
fn sudo_pairs(ev: &mut Event, m: &str) {
    for part in m.split(" ; ") {
        let part = part.rsplit(" : ").next().unwrap_or(part);
        if let Some((k, v)) = part.split_once('=') {
            if !k.is_empty() && k.bytes().all(|b| b.is_ascii_uppercase() || b == b'_') {
                ev.push(k, v.trim());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t<'a>(ev: &'a Event, k: &str) -> std::borrow::Cow<'a, str> {
        ev.get_text(k).unwrap_or_else(|| panic!("no {k} in {ev:?}"))
    }

    #[test]
    fn rfc5424_with_structured_data() {
        let ev = parse(br#"<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3" eventSource="Appl\"ication"][x a="]"] An application event"#).unwrap();
        assert_eq!(t(&ev, "log.syslog.facility.name"), "local4");
        assert_eq!(t(&ev, "log.syslog.severity.name"), "notice");
        assert_eq!(t(&ev, "log.syslog.hostname"), "mymachine.example.com");
        assert_eq!(t(&ev, "log.syslog.appname"), "evntslog");
        assert!(ev.get("log.syslog.procid").is_none());
        assert_eq!(t(&ev, "log.syslog.msgid"), "ID47");
        assert_eq!(
            t(
                &ev,
                "log.syslog.structured_data.exampleSDID@32473.eventSource"
            ),
            "Appl\"ication"
        );
        assert_eq!(t(&ev, "log.syslog.structured_data.x.a"), "]");
        assert_eq!(t(&ev, "message"), "An application event");
        assert_eq!(ev.source_hint().product.as_deref(), Some("linux"));
    }

    #[test]
    fn rfc5424_errors_name_the_byte() {
        let e = parse(b"<34>1 2003-10-11T22:14:15.003Z host").unwrap_err();
        assert!(e.contains("before APP-NAME"), "{e}");
        let e = parse(b"<34>1 t h a p m [id x=1] msg").unwrap_err();
        assert!(e.contains("not quoted at byte 22"), "{e}");
        let e = parse(b"<34>1 t h a p m {x}").unwrap_err();
        assert!(e.contains("byte 16"), "{e}");
    }

    #[test]
    fn rfc3164_forms() {
        let ev = parse(b"<38>Oct  9 22:33:20 web1 sshd[4242]: Failed password for root from 10.0.0.1 port 22 ssh2").unwrap();
        assert_eq!(t(&ev, "log.syslog.facility.name"), "auth");
        assert_eq!(t(&ev, "timestamp"), "Oct  9 22:33:20");
        assert_eq!(t(&ev, "log.syslog.hostname"), "web1");
        assert_eq!(t(&ev, "log.syslog.appname"), "sshd");
        assert_eq!(t(&ev, "log.syslog.procid"), "4242");
        assert!(t(&ev, "message").starts_with("Failed password"));
        // A file line with no PRI, and rsyslog's RFC 3339 time.
        let ev = parse(b"2024-03-01T10:00:00.123456+07:00 db2 CRON[99]: (root) CMD (run-parts)")
            .unwrap();
        assert_eq!(t(&ev, "log.syslog.hostname"), "db2");
        assert_eq!(t(&ev, "log.syslog.appname"), "CRON");
        let ev = parse(b"Mar  1 10:00:00 h sudo:    alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/bin/ls").unwrap();
        assert_eq!(t(&ev, "USER"), "root");
        assert_eq!(t(&ev, "COMMAND"), "/bin/ls");
        assert_eq!(t(&ev, "TTY"), "pts/0");
        // PRI and nothing recognisable: all message.
        let ev = parse(b"<13>hello there").unwrap();
        assert_eq!(t(&ev, "message"), "hello there");
    }

    #[test]
    fn rfc3164_errors() {
        assert!(parse(b"hello").unwrap_err().contains("byte 0"));
        assert!(parse(b"<999>x").unwrap_err().contains("PRI"));
        assert!(parse(b"<12").unwrap_err().contains("PRI"));
    }

    #[test]
    fn cef_inside_syslog() {
        let ev = parse(b"<134>Jan 18 11:07:53 fw1 CEF:0|Vendor|FW|1.0|100|Blocked|5|src=10.0.0.1 dst=10.0.0.2 dpt=4444 act=blocked").unwrap();
        assert_eq!(t(&ev, "dpt"), "4444");
        assert_eq!(t(&ev, "log.syslog.hostname"), "fw1");
        assert_eq!(t(&ev, "DeviceVendor"), "Vendor");
        assert!(ev.source_hint().product.is_none());
    }
}
