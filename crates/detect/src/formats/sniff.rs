//! Picking a reader by a file's content (its first bytes), the extension
//! deciding only when the content does not.

use super::auditd::AuditdParser;
use super::cef::CefParser;
use super::eve::EveParser;
use super::syslog::SyslogParser;
use super::zeek::{ZeekJsonParser, ZeekTsvParser};
use super::{Framing, Records};
use crate::event::Event;
use crate::read::{EvtxEvents, JsonEvents, RecordError};
use std::io::{BufReader, Read, Seek, SeekFrom};

/// The formats canhgac reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Format {
    /// Windows EVTX.
    Evtx,
    /// JSON objects (lines, concatenated or in arrays): Windows events as
    /// `evtx`, Winlogbeat or NXLog write them, or any other JSON.
    Json,
    /// Suricata EVE JSON.
    Eve,
    /// Zeek logs as JSON lines.
    ZeekJson,
    /// Zeek logs in Zeek's tab-separated form.
    ZeekTsv,
    /// Syslog, RFC 3164 or 5424, lines or octet-counted frames.
    Syslog,
    /// CEF lines, bare or after a syslog header.
    Cef,
    /// Linux audit logs.
    Auditd,
    /// None of the above.
    Unknown,
}

impl Format {
    pub const ALL: [Format; 8] = [
        Format::Evtx,
        Format::Json,
        Format::Eve,
        Format::ZeekJson,
        Format::ZeekTsv,
        Format::Syslog,
        Format::Cef,
        Format::Auditd,
    ];

    /// The name used on the command line (`evtx`, `json`, `eve`, `zeek-json`, …).
    pub fn name(self) -> &'static str {
        match self {
            Format::Evtx => "evtx",
            Format::Json => "json",
            Format::Eve => "eve",
            Format::ZeekJson => "zeek-json",
            Format::ZeekTsv => "zeek-tsv",
            Format::Syslog => "syslog",
            Format::Cef => "cef",
            Format::Auditd => "auditd",
            Format::Unknown => "unknown",
        }
    }

    pub fn parse(s: &str) -> Option<Format> {
        Format::ALL
            .into_iter()
            .find(|f| f.name().eq_ignore_ascii_case(s.trim()))
    }
}

impl std::fmt::Display for Format {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// How many bytes of a file [`sniff`] looks at.
pub const SNIFF_BYTES: usize = 8192;

/// The format of a file from its first bytes (up to [`SNIFF_BYTES`]) and,
/// when they do not tell, its name's extension.
pub fn sniff(head: &[u8], file_name: &str) -> Format {
    if head.starts_with(b"ElfFile\0") {
        return Format::Evtx;
    }
    let head = head.strip_prefix(b"\xef\xbb\xbf").unwrap_or(head);
    let first = head
        .split(|b| *b == b'\n')
        .map(|l| l.trim_ascii())
        .find(|l| !l.is_empty())
        .unwrap_or(&[]);
    let has = |needle: &[u8]| memchr::memmem::find(first, needle).is_some();
    if first.starts_with(b"#separator") || first.starts_with(b"#fields") {
        return Format::ZeekTsv;
    }
    if first.starts_with(b"{") || first.starts_with(b"[") {
        if has(b"\"event_type\"")
            && (has(b"\"src_ip\"") || has(b"\"flow_id\"") || has(b"\"timestamp\""))
        {
            return Format::Eve;
        }
        if has(b"\"id.orig_h\"") || (has(b"\"uid\"") && has(b"\"ts\"")) {
            return Format::ZeekJson;
        }
        return Format::Json;
    }
    if first.starts_with(b"CEF:") {
        return Format::Cef;
    }
    let audit = first
        .strip_prefix(b"node=")
        .and_then(|r| r.iter().position(|b| *b == b' ').map(|i| &r[i + 1..]))
        .unwrap_or(first);
    if audit.starts_with(b"type=") && has(b"msg=audit(") {
        return Format::Auditd;
    }
    let digits = first.iter().take_while(|b| b.is_ascii_digit()).count();
    let octet = digits > 0 && first[digits..].starts_with(b" <");
    // Syslog; the syslog reader also reads CEF messages after a syslog header.
    if octet || super::syslog::parse(first).is_ok() {
        return Format::Syslog;
    }
    let ext = file_name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "evtx" => Format::Evtx,
        "json" | "jsonl" | "ndjson" => Format::Json,
        _ => Format::Unknown,
    }
}

/// The events of a file or stream.
pub type Events = Box<dyn Iterator<Item = Result<Event, RecordError>>>;

/// Opens a stream in a format (sniffed from its first bytes unless given).
/// `name` names it in errors (and gives Zeek JSON logs their log name).
pub fn open<R: Read + Seek + 'static>(
    mut r: R,
    name: &str,
    format: Option<Format>,
) -> std::io::Result<(Format, Events)> {
    let format = match format {
        Some(f) => f,
        None => {
            let mut head = Vec::with_capacity(SNIFF_BYTES);
            (&mut r).take(SNIFF_BYTES as u64).read_to_end(&mut head)?;
            r.seek(SeekFrom::Start(0))?;
            sniff(&head, name)
        }
    };
    let b = BufReader::with_capacity(64 << 10, r);
    let lines = Framing::Lines;
    let events: Events = match format {
        Format::Evtx => Box::new(EvtxEvents::new(b, name)),
        Format::Json => Box::new(JsonEvents::new(b, name)),
        Format::Eve => Box::new(Records::new(b, name, EveParser, lines)),
        Format::ZeekJson => Box::new(Records::new(b, name, ZeekJsonParser::new(name), lines)),
        Format::ZeekTsv => Box::new(Records::new(b, name, ZeekTsvParser::new(name), lines)),
        Format::Syslog => Box::new(Records::new(
            b,
            name,
            SyslogParser,
            Framing::OctetCountingOrLines,
        )),
        Format::Cef => Box::new(Records::new(b, name, CefParser, lines)),
        Format::Auditd => Box::new(Records::new(b, name, AuditdParser::new(), lines)),
        Format::Unknown => Box::new(std::iter::once(Err(RecordError {
            source_name: name.to_string(),
            position: "start".into(),
            message:
                "cannot tell the format from the content or the name; give it with --input-format"
                    .into(),
        }))),
    };
    Ok((format, events))
}

/// Opens a file; see [`open`].
pub fn open_file(
    path: &std::path::Path,
    format: Option<Format>,
) -> std::io::Result<(Format, Events)> {
    let f = std::fs::File::open(path)?;
    open(f, &path.display().to_string(), format)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn by_content() {
        let cases: &[(&[u8], &str, Format)] = &[
            (b"ElfFile\0....", "x.bin", Format::Evtx),
            (
                b"{\"timestamp\":\"t\",\"flow_id\":1,\"event_type\":\"dns\"}\n",
                "eve.txt",
                Format::Eve,
            ),
            (
                b"{\"ts\":1.0,\"uid\":\"C\",\"id.orig_h\":\"1.1.1.1\"}\n",
                "dns.log",
                Format::ZeekJson,
            ),
            (b"{\"Event\":{\"System\":{}}}\n", "a.log", Format::Json),
            (
                b"#separator \\x09\n#path\tdns\n",
                "dns.log",
                Format::ZeekTsv,
            ),
            (
                b"type=EXECVE msg=audit(1.0:2): argc=1 a0=\"ls\"\n",
                "audit.log",
                Format::Auditd,
            ),
            (
                b"node=h type=EXECVE msg=audit(1.0:2): argc=1\n",
                "a",
                Format::Auditd,
            ),
            (
                b"<13>1 2024-01-01T00:00:00Z h a - - - hi\n",
                "x",
                Format::Syslog,
            ),
            (
                b"Jan  1 00:00:00 h sshd[1]: hi\n",
                "messages",
                Format::Syslog,
            ),
            (
                b"57 <13>1 2024-01-01T00:00:00Z h a - - - hi",
                "x",
                Format::Syslog,
            ),
            (b"CEF:0|a|b|c|d|e|f|x=y\n", "x", Format::Cef),
            (
                b"<13>Jan  1 00:00:00 fw CEF:0|a|b|c|d|e|f|x=y\n",
                "x",
                Format::Syslog,
            ),
            (b"hello", "x.evtx", Format::Evtx),
            (b"hello", "x.txt", Format::Unknown),
            (b"", "x.jsonl", Format::Json),
        ];
        for (head, name, want) in cases {
            assert_eq!(
                sniff(head, name),
                *want,
                "{}",
                String::from_utf8_lossy(head)
            );
        }
    }

    #[test]
    fn names_round_trip() {
        for f in Format::ALL {
            assert_eq!(Format::parse(f.name()), Some(f));
        }
    }

    #[test]
    fn open_reads_a_sniffed_stream() {
        let data =
            b"Jan  1 00:00:00 h sshd[1]: one\nbad line\nJan  1 00:00:01 h sshd[1]: two\n".to_vec();
        let (f, evs) = open(std::io::Cursor::new(data), "m", None).unwrap();
        assert_eq!(f, Format::Syslog);
        let v: Vec<_> = evs.collect();
        assert_eq!(v.len(), 3);
        assert_eq!(v[1].as_ref().unwrap_err().position, "line 2");
    }
}
