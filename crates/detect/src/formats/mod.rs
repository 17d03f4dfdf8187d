//! Readers for logs other than Windows events: Linux auditd, syslog (RFC 3164
//! and RFC 5424, octet counting), CEF, Suricata EVE JSON and Zeek (JSON and
//! TSV), and the sniffing that picks one by content.
//!
//! Every format has two layers:
//!
//! * **One record → events**: a [`RecordParser`] takes the bytes of one record
//!   (a line, a datagram, a frame) and yields its events, or a message saying
//!   why the record is bad. The monitoring pipeline calls this per datagram or
//!   per line ([`parse_record`]); auditd's parser holds the records of one
//!   audit event to assemble a `process_creation` event from them.
//! * **A stream → events**: [`Records`] frames a byte stream (lines; for
//!   syslog also RFC 6587 octet counting), hands each record to the parser and
//!   yields `Result<Event, RecordError>`, naming the file and position of a bad
//!   record and reading on. Memory is bounded by [`MAX_RECORD`].
//!
//! Field names are the format's own (`type`, `a0`, `exe` for auditd; `src`,
//! `dpt`, `act` for CEF; `dns.rrname`, `http.url` for EVE), plus a few
//! fields derived where a rename cannot say it (the command line of an
//! `execve`, the path and query of a URL). Sigma's names for network
//! categories (`query`, `c-uri`, `cs-method`, `sc-status`, `dst_port`, …) are
//! given by `logsources.yml` as renames, so a user can read and change them.
//!
//! Each reader declares its events' log source ([`Event::with_source`]):
//! `product: linux` (`service: auditd`, `service: syslog`, or
//! `category: process_creation`), `product: suricata`, `product: zeek`. No
//! Windows event ever carries such a declaration, and these events carry no
//! `Channel`, so Windows rules and Linux rules never meet.

pub mod auditd;
pub mod cef;
pub mod eve;
mod framing;
pub mod sniff;
pub mod syslog;
pub mod zeek;

pub use framing::{Framing, Records, MAX_RECORD};
pub use sniff::{open, open_file, sniff, Events, Format};

use crate::event::Event;

/// Turns the bytes of one record into events.
pub trait RecordParser {
    /// Parses one record (without its line end), pushing its events (none,
    /// one or more) to `out`; `Err` says why the record is not valid.
    fn record(&mut self, rec: &[u8], out: &mut Vec<Event>) -> Result<(), String>;
    /// At the end of the input: the events still held back.
    fn finish(&mut self, _out: &mut Vec<Event>) {}
}

/// Parses one record of a format (a syslog datagram, an auditd line, a CEF
/// line, one EVE or Zeek JSON object) into its events. Stateless: auditd's
/// `process_creation` events need [`auditd::AuditdParser`] across records.
pub fn parse_record(format: Format, rec: &[u8]) -> Result<Vec<Event>, String> {
    let mut out = Vec::new();
    match format {
        Format::Auditd => auditd::AuditdParser::per_record().record(rec, &mut out)?,
        Format::Syslog => syslog::SyslogParser.record(rec, &mut out)?,
        Format::Cef => cef::CefParser.record(rec, &mut out)?,
        Format::Eve => eve::EveParser.record(rec, &mut out)?,
        Format::ZeekJson => zeek::ZeekJsonParser::new("").record(rec, &mut out)?,
        Format::Json => out.push(json_record(rec)?),
        Format::ZeekTsv | Format::Evtx | Format::Unknown => {
            return Err(format!(
                "{} records are not read one at a time",
                format.name()
            ))
        }
    }
    Ok(out)
}

/// One JSON object, normalised by [`Event::from_json`].
pub(crate) fn json_record(rec: &[u8]) -> Result<Event, String> {
    match serde_json::from_slice::<serde_json::Value>(rec) {
        Ok(v @ serde_json::Value::Object(_)) => Ok(Event::from_json(&v)),
        Ok(_) => Err("not a JSON object".into()),
        Err(e) => Err(format!("not JSON: {e}")),
    }
}

/// Text of a record: UTF-8, invalid bytes replaced.
pub(crate) fn text(rec: &[u8]) -> std::borrow::Cow<'_, str> {
    String::from_utf8_lossy(rec)
}

/// `YYYY-MM-DDTHH:MM:SS.mmmZ` for seconds since 1970 (UTC).
pub(crate) fn rfc3339(secs: i64, millis: u32) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Civil date from days since 1970-01-01 (proleptic Gregorian).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{millis:03}Z",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn rfc3339_dates() {
        assert_eq!(super::rfc3339(0, 0), "1970-01-01T00:00:00.000Z");
        assert_eq!(
            super::rfc3339(1_700_000_000, 123),
            "2023-11-14T22:13:20.123Z"
        );
        assert_eq!(super::rfc3339(951_782_400, 0), "2000-02-29T00:00:00.000Z");
    }
}
