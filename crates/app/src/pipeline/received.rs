//! Events as received: a JSON object's text ([`Received::Json`], checked at
//! receipt and read on the detection workers by detect's own reader) or an
//! event a reader already parsed; the host and addresses an event names;
//! the digest that makes storing idempotent; syslog messages as events.

use super::{Batch, Sender};
use chrono::Utc;
use detect::{Event, ValueRef};
use sha2::{Digest, Sha256};
use store::monitoring::Rejected;

/// An event as received.
#[derive(Debug, Clone, PartialEq)]
pub enum Received {
    /// A JSON object's text as the sender wrote it (a line of a body, a
    /// syslog payload), checked to be one object at receipt: the detection
    /// workers read it with detect's own reader, and it is kept, stored
    /// with its alerts and published as it is, never parsed into a
    /// `serde_json::Value` unless a rule fires.
    Json(Box<[u8]>),
    /// An event a reader already parsed (syslog, EVE, EVTX), with the JSON
    /// stored with its alerts and kept.
    Parsed(serde_json::Value, Event),
}

/// One event of a batch.
#[derive(Debug, Clone, PartialEq)]
pub struct Incoming {
    /// The digest of the event as received — `None` until it is needed:
    /// only an event that fires, or that travels through NATS, has it
    /// computed.
    pub digest: Option<String>,
    pub event: Received,
}

impl Incoming {
    /// A JSON object's text (checked by the caller to be one).
    pub fn json(text: &[u8]) -> Incoming {
        Incoming {
            digest: None,
            event: Received::Json(text.into()),
        }
    }

    /// An event a reader parsed, with its JSON.
    pub fn parsed(json: serde_json::Value, ev: Event) -> Incoming {
        Incoming {
            digest: None,
            event: Received::Parsed(json, ev),
        }
    }

    /// The event's JSON as a value (read from its text when received as text).
    pub fn value(&self) -> serde_json::Value {
        match &self.event {
            Received::Json(text) => serde_json::from_slice(text).unwrap_or_default(),
            Received::Parsed(json, _) => json.clone(),
        }
    }

    /// The digest that makes storing idempotent (computed unless known).
    pub fn digest(&self) -> String {
        match &self.digest {
            Some(d) => d.clone(),
            None => digest(&self.value()),
        }
    }

    /// Writes the event's JSON (its text as received, or the value).
    pub fn write_json(&self, out: &mut Vec<u8>) {
        match &self.event {
            Received::Json(text) => out.extend_from_slice(text),
            Received::Parsed(json, _) => {
                let at = out.len();
                if serde_json::to_writer(&mut *out, json).is_err() {
                    out.truncate(at);
                    out.extend_from_slice(b"null");
                }
            }
        }
    }
}

const HOST_FIELDS: &[&str] = &[
    "Computer",
    "ComputerName",
    "Hostname",
    "host.name",
    "host.hostname",
    "hostname",
    "host",
    "agent.hostname",
    "log.syslog.hostname",
    "dvchost",
];
const ADDRESS_FIELDS: &[&str] = &[
    "SourceIp",
    "DestinationIp",
    "IpAddress",
    "SourceAddress",
    "DestAddress",
    "ClientAddress",
    "src_ip",
    "dest_ip",
    "source.ip",
    "destination.ip",
    "host.ip",
    "client.ip",
    "src",
    "dst",
];

/// The host an event is about, as it names it.
pub fn event_host(ev: &Event) -> Option<String> {
    host_and_addresses(ev.fields().iter().map(|(n, v)| (&**n, v.as_ref()))).0
}

/// The addresses an event names (parsed, distinct).
pub fn event_addresses(ev: &Event) -> Vec<String> {
    host_and_addresses(ev.fields().iter().map(|(n, v)| (&**n, v.as_ref()))).1
}

/// The host an event is about (the first value of the first of
/// [`HOST_FIELDS`] it has, trimmed; none when empty or `-`) and the
/// addresses it names (the first value of each of [`ADDRESS_FIELDS`] that
/// is an address, in that order, distinct), in one pass over its fields
/// (names compared case-insensitively).
pub fn host_and_addresses<'a>(
    fields: impl Iterator<Item = (&'a str, ValueRef<'a>)>,
) -> (Option<String>, Vec<String>) {
    let mut host: Option<(usize, ValueRef<'a>)> = None;
    let mut addrs: [Option<ValueRef<'a>>; ADDRESS_FIELDS.len()] = [None; ADDRESS_FIELDS.len()];
    for (name, v) in fields {
        let same = |f: &&str| f.as_bytes().eq_ignore_ascii_case(name.as_bytes());
        if let Some(i) = HOST_FIELDS.iter().position(same) {
            if host.is_none_or(|(j, _)| i < j) {
                host = Some((i, v));
            }
        } else if let Some(i) = ADDRESS_FIELDS.iter().position(same) {
            addrs[i].get_or_insert(v);
        }
    }
    let host = host
        .map(|(_, v)| v.as_text().trim().to_string())
        .filter(|h| !h.is_empty() && h != "-");
    let mut out: Vec<String> = Vec::new();
    for v in addrs.into_iter().flatten() {
        let text = v.as_text();
        let t = text.trim().trim_start_matches("::ffff:");
        if let Ok(ip) = t.parse::<std::net::IpAddr>() {
            let s = ip.to_string();
            if !out.contains(&s) {
                out.push(s);
            }
        }
    }
    (host, out)
}

/// The digest that makes storing idempotent: the event's JSON as received.
pub fn digest(v: &serde_json::Value) -> String {
    let text = serde_json::to_string(v).unwrap_or_default();
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// Syslog messages of one sender as one batch, each message parsed once;
/// a message that is not valid syslog is counted as rejected, with its reason.
pub fn syslog_batch(sender: Sender, messages: &[String]) -> Batch {
    let now = Utc::now();
    let mut events = Vec::with_capacity(messages.len());
    let mut sample = Vec::new();
    let mut rejected = 0;
    let mut json = detect::read::JsonObject::new();
    for (i, m) in messages.iter().enumerate() {
        match syslog_events_with(&mut json, m) {
            Ok(list) => events.extend(list),
            Err(reason) => {
                rejected += 1;
                if sample.len() < store::monitoring::REJECTED_SAMPLE {
                    sample.push(Rejected {
                        at: now,
                        line: i as u64 + 1,
                        reason,
                        text: m.chars().take(200).collect(),
                    });
                }
            }
        }
    }
    Batch::new(sender, now, events, rejected, sample)
}

/// A syslog message as events: a JSON payload (NXLog `to_json()`, rsyslog
/// `@cee:`) is the event itself, kept as its text; any other message is
/// read by detect's syslog reader (RFC 3164/5424, CEF inside syslog), its
/// fields named as that reader names them and its log source declared, so
/// Linux and network rules see it. `Err` says why the message is not valid
/// syslog.
pub fn syslog_events(msg: &str) -> Result<Vec<Incoming>, String> {
    syslog_events_with(&mut detect::read::JsonObject::new(), msg)
}

fn syslog_events_with(
    json: &mut detect::read::JsonObject,
    msg: &str,
) -> Result<Vec<Incoming>, String> {
    let m = msg.trim_end_matches(['\r', '\n', '\0']);
    if m.trim().is_empty() {
        return Err("Thông điệp rỗng (empty message)".into());
    }
    let rest = match m.strip_prefix('<').and_then(|r| r.split_once('>')) {
        Some((p, r)) if p.len() <= 3 && p.bytes().all(|b| b.is_ascii_digit()) => r,
        _ => m,
    };
    let json_at = rest.find("@cee:").map(|i| i + 5).or_else(|| rest.find('{'));
    if let Some(i) = json_at {
        let text = rest[i..].trim();
        if json.check(text.as_bytes()).is_ok() {
            return Ok(vec![Incoming::json(text.as_bytes())]);
        }
    }
    let events = detect::formats::parse_record(detect::formats::Format::Syslog, m.as_bytes())?;
    Ok(events
        .into_iter()
        .map(|ev| Incoming::parsed(event_json(&ev), ev))
        .collect())
}

/// An event's fields as a flat JSON object (a field with several values as
/// a list), to store with its alert and show.
pub(crate) fn event_json(ev: &Event) -> serde_json::Value {
    let mut o = serde_json::Map::new();
    for (name, v) in ev.fields() {
        let v = serde_json::to_value(v).unwrap_or_default();
        match o.get_mut(&**name) {
            Some(serde_json::Value::Array(list)) => list.push(v),
            Some(first) => *first = serde_json::Value::Array(vec![first.take(), v]),
            None => {
                o.insert(name.to_string(), v);
            }
        }
    }
    serde_json::Value::Object(o)
}

#[cfg(test)]
mod tests {
    use super::*;
    use detect::EventBuf;

    #[test]
    fn syslog_messages_become_events() {
        let one = |m: &str| syslog_events(m).unwrap().remove(0);
        let i = one("<34>Oct 11 22:14:15 mymachine sshd[7]: error in libcrypto");
        let v = i.value();
        assert_eq!(v["log.syslog.appname"], "sshd");
        assert!(v["message"].as_str().unwrap().contains("libcrypto"));
        let Received::Parsed(_, ev) = &i.event else {
            panic!("read by the syslog reader")
        };
        assert_eq!(ev.source_hint().service.as_deref(), Some("syslog"));
        let i = one("<13>1 2025-01-01T00:00:00Z h app - - - @cee:{\"a\":1}");
        assert_eq!(i.event, Received::Json(b"{\"a\":1}".as_slice().into()));
        assert_eq!(i.value()["a"], 1);
        assert_eq!(one("{\"EventID\": 4625}\r\n").value()["EventID"], 4625);
        // A payload that only looks like JSON is read as syslog.
        let i = one("<13>1 2025-01-01T00:00:00Z h app - - - {\"a\":");
        assert!(matches!(i.event, Received::Parsed(..)));
        assert!(syslog_events("  \n").is_err());
        assert!(syslog_events("<13>1 2025-01-01T00:00:00Z").is_err());
    }

    #[test]
    fn host_and_addresses_in_one_pass_as_named() {
        let ev = Event::new()
            .with("hostname", "second")
            .with("DestinationIp", "::ffff:203.0.113.7")
            .with("COMPUTER", " first.example ")
            .with("SourceIp", "10.0.0.1")
            .with("Computer", "later")
            .with("DestinationIp", "198.51.100.1")
            .with("src", "not an address")
            .with("dst", "10.0.0.1");
        assert_eq!(event_host(&ev).as_deref(), Some("first.example"));
        assert_eq!(event_addresses(&ev), ["10.0.0.1", "203.0.113.7"]);
        let mut buf = EventBuf::new();
        buf.fill_from(&ev);
        assert_eq!(
            host_and_addresses(buf.fields()),
            (event_host(&ev), event_addresses(&ev))
        );
        let dash = Event::new().with("Computer", "-").with("hostname", "h");
        assert_eq!(
            event_host(&dash),
            None,
            "the first host field named decides"
        );
    }
}
