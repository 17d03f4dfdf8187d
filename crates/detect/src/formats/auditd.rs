//! Linux audit logs (`/var/log/audit/audit.log`, `ausearch --raw`): one
//! record per line, `type=T msg=audit(SECONDS.MS:SERIAL): key=value …`,
//! optionally after `node=HOST`, optionally followed by `\x1d` and the
//! interpreted fields in capitals (`SYSCALL=execve AUID="alice"`).
//!
//! Each record is an event with `product: linux, service: auditd` and its
//! fields by their auditd names, as SigmaHQ's auditd rules expect: `type`,
//! `a0`, `a1` …, `exe`, `comm`, `name`, `key`, `SYSCALL`. Values auditd
//! writes in hexadecimal because they hold spaces or odd bytes (the arguments
//! of `EXECVE`, `proctitle`, `name`, `cwd`, …) are decoded. A `USER_*`
//! record's inner `msg='…'` gives its pairs as fields too. `timestamp` is
//! the record's time (RFC 3339).
//!
//! With assembling on ([`AuditdParser::new`]), the records of one audit event
//! (same time and serial, closed by `EOE` or by the next event) that hold an
//! `EXECVE` also make one `product: linux, category: process_creation` event:
//! `Image` (the `SYSCALL` record's `exe`), `CommandLine` (the arguments joined
//! by spaces), `CurrentDirectory` (`CWD`), `ProcessId`, `ParentProcessId`,
//! `User` (the interpreted `UID` if given, else `uid`), `LogonId` (`ses`).
//! auditd does not record the parent's image, so rules on `ParentImage` do
//! not fire on these events.

use super::RecordParser;
use crate::event::Event;
use std::collections::BTreeMap;

/// Fields whose unquoted values are hexadecimal-encoded text.
const ENCODED: &[&str] = &[
    "proctitle",
    "name",
    "cwd",
    "exe",
    "comm",
    "path",
    "cmd",
    "data",
    "acct",
    "old",
    "new",
    "dir",
    "file",
    "key",
];

/// Largest total of `EXECVE` arguments kept for one process.
const MAX_ARGS: usize = 1 << 20;

/// Parses auditd records; see the module docs.
#[derive(Debug, Default)]
pub struct AuditdParser {
    assemble: bool,
    group: Option<Group>,
}

#[derive(Debug, Default)]
struct Group {
    id: String,
    time: Option<String>,
    has_execve: bool,
    exe: Option<String>,
    pid: Option<String>,
    ppid: Option<String>,
    uid: Option<String>,
    uid_name: Option<String>,
    ses: Option<String>,
    comm: Option<String>,
    cwd: Option<String>,
    /// (argument, part) → text.
    args: BTreeMap<(usize, usize), String>,
    args_len: usize,
}

impl AuditdParser {
    /// A parser that also assembles `process_creation` events.
    pub fn new() -> Self {
        AuditdParser {
            assemble: true,
            group: None,
        }
    }

    /// A parser of single records (no assembling).
    pub fn per_record() -> Self {
        AuditdParser::default()
    }

    fn close(&mut self, out: &mut Vec<Event>) {
        let Some(g) = self.group.take() else { return };
        if !g.has_execve {
            return;
        }
        let mut ev = Event::new();
        if let Some(t) = g.time {
            ev.push("timestamp", t);
        }
        if let Some(exe) = g.exe {
            ev.push("Image", exe);
        }
        let mut joined: Vec<String> = Vec::new();
        let mut last = usize::MAX;
        for ((a, _), s) in &g.args {
            match joined.last_mut() {
                Some(l) if *a == last => l.push_str(s),
                _ => {
                    joined.push(s.clone());
                    last = *a;
                }
            }
        }
        ev.push("CommandLine", joined.join(" "));
        let put = |ev: &mut Event, k: &str, v: Option<String>| {
            if let Some(v) = v {
                ev.push(k, v);
            }
        };
        put(&mut ev, "CurrentDirectory", g.cwd);
        put(&mut ev, "ProcessId", g.pid);
        put(&mut ev, "ParentProcessId", g.ppid);
        put(&mut ev, "User", g.uid_name.or(g.uid));
        put(&mut ev, "LogonId", g.ses);
        put(&mut ev, "comm", g.comm);
        out.push(ev.with_source(Some("linux"), Some("process_creation"), None));
    }
}

impl RecordParser for AuditdParser {
    fn record(&mut self, rec: &[u8], out: &mut Vec<Event>) -> Result<(), String> {
        let text = super::text(rec);
        let pairs = pairs(&text);
        let rtype = match pairs.first() {
            Some(p) if p.key == "type" => 0,
            Some(p) if p.key == "node" && pairs.get(1).is_some_and(|q| q.key == "type") => 1,
            _ => return Err("not an auditd record: expected 'type=' at the start".into()),
        };
        let rtype = pairs[rtype].value.to_string();
        let Some(stamp) = pairs
            .iter()
            .find(|p| p.key == "msg" && p.value.starts_with("audit("))
        else {
            return Err(format!(
                "not an auditd record: type={rtype} has no 'msg=audit(…)'"
            ));
        };
        let (time, id) =
            audit_stamp(stamp.value).ok_or_else(|| format!("bad audit stamp '{}'", stamp.value))?;
        let execve = rtype == "EXECVE";
        let mut ev = Event::new();
        ev.push("timestamp", time.clone());
        let mut fields: Vec<(String, String)> = Vec::new();
        for p in &pairs {
            if p.key == "msg" && p.quote == Some('\'') {
                // USER_* records: the inner message's pairs are fields too.
                for q in pairs_of(p.value) {
                    fields.push((q.key.to_string(), decode(&q, false)));
                }
            }
            fields.push((p.key.to_string(), decode(p, execve)));
        }
        if self.assemble {
            if self.group.as_ref().is_some_and(|g| g.id != id) {
                self.close(out);
            }
            let g = self.group.get_or_insert_with(|| Group {
                id: id.clone(),
                time: Some(time),
                ..Group::default()
            });
            gather(g, &rtype, &fields);
        }
        for (k, v) in fields {
            ev.push(k, v);
        }
        out.push(ev.with_source(Some("linux"), None, Some("auditd")));
        if self.assemble && rtype == "EOE" {
            self.close(out);
        }
        Ok(())
    }

    fn finish(&mut self, out: &mut Vec<Event>) {
        self.close(out);
    }
}

fn gather(g: &mut Group, rtype: &str, fields: &[(String, String)]) {
    let get = |k: &str| fields.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    match rtype {
        "SYSCALL" => {
            g.exe = get("exe");
            g.pid = get("pid");
            g.ppid = get("ppid");
            g.uid = get("uid");
            g.uid_name = get("UID");
            g.ses = get("ses");
            g.comm = get("comm");
        }
        "CWD" => g.cwd = get("cwd"),
        "EXECVE" => {
            g.has_execve = true;
            for (k, v) in fields {
                let Some((a, part)) = arg_key(k) else {
                    continue;
                };
                if g.args_len + v.len() > MAX_ARGS {
                    break;
                }
                g.args_len += v.len();
                g.args.insert((a, part), v.clone());
            }
        }
        _ => {}
    }
}

/// `a3` → (3, 0); `a3[1]` → (3, 1); anything else → None.
fn arg_key(k: &str) -> Option<(usize, usize)> {
    let rest = k.strip_prefix('a')?;
    let (num, part) = match rest.split_once('[') {
        Some((n, p)) => (n, p.strip_suffix(']')?.parse().ok()?),
        None => (rest, 0),
    };
    if num.is_empty() || !num.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some((num.parse().ok()?, part))
}

/// `audit(1700000000.123:456):` → (RFC 3339 time, "1700000000.123:456").
fn audit_stamp(v: &str) -> Option<(String, String)> {
    let inner = v.strip_prefix("audit(")?;
    let inner = &inner[..inner.find(')')?];
    let (ts, serial) = inner.split_once(':')?;
    let (secs, ms) = ts.split_once('.').unwrap_or((ts, "0"));
    let secs: i64 = secs.parse().ok()?;
    let ms: u32 = ms.get(..3.min(ms.len()))?.parse().ok()?;
    serial.parse::<u64>().ok()?;
    Some((super::rfc3339(secs, ms.min(999)), inner.to_string()))
}

struct Pair<'a> {
    key: &'a str,
    value: &'a str,
    quote: Option<char>,
}

fn pairs(s: &str) -> Vec<Pair<'_>> {
    pairs_of(s)
}

/// `key=value` pairs: values quoted with `"` or `'`, or up to the next space.
fn pairs_of(s: &str) -> Vec<Pair<'_>> {
    let mut out = Vec::new();
    let b = s.as_bytes();
    let sep = |c: u8| c == b' ' || c == b'\t' || c == 0x1d;
    let mut i = 0;
    while i < b.len() {
        while i < b.len() && sep(b[i]) {
            i += 1;
        }
        let ks = i;
        while i < b.len() && b[i] != b'=' && !sep(b[i]) {
            i += 1;
        }
        if i >= b.len() || b[i] != b'=' {
            continue; // a word with no '=': not a field
        }
        let key = &s[ks..i];
        i += 1;
        let (value, quote) = match b.get(i) {
            Some(&q @ (b'"' | b'\'')) => {
                let vs = i + 1;
                let ve = b[vs..]
                    .iter()
                    .position(|&c| c == q)
                    .map_or(b.len(), |p| vs + p);
                i = (ve + 1).min(b.len());
                (&s[vs..ve], Some(q as char))
            }
            _ => {
                let vs = i;
                while i < b.len() && !sep(b[i]) {
                    i += 1;
                }
                (&s[vs..i], None)
            }
        };
        if !key.is_empty() {
            out.push(Pair { key, value, quote });
        }
    }
    out
}

/// The value as text: hex-encoded values of the fields that may hold them decoded.
fn decode(p: &Pair<'_>, execve: bool) -> String {
    let may =
        p.quote.is_none() && (ENCODED.contains(&p.key) || (execve && arg_key(p.key).is_some()));
    if may && p.value.len() >= 2 && p.value.len().is_multiple_of(2) {
        if let Some(bytes) = unhex(p.value) {
            let text: String = String::from_utf8_lossy(&bytes)
                .chars()
                .map(|c| if c == '\0' { ' ' } else { c })
                .collect();
            return text.trim_end().to_string();
        }
    }
    p.value.to_string()
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    let b = s.as_bytes();
    let d = |c: u8| (c as char).to_digit(16);
    b.chunks(2)
        .map(|c| Some((d(c[0])? * 16 + d(*c.get(1)?)?) as u8))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_all(text: &str) -> (Vec<Event>, Vec<String>) {
        let mut p = AuditdParser::new();
        let mut out = Vec::new();
        let mut errs = Vec::new();
        for (i, l) in text.lines().enumerate() {
            if let Err(e) = p.record(l.as_bytes(), &mut out) {
                errs.push(format!("{}: {e}", i + 1));
            }
        }
        p.finish(&mut out);
        (out, errs)
    }

    const EXEC: &str = r#"type=SYSCALL msg=audit(1700000000.123:42): arch=c000003e syscall=59 success=yes exit=0 a0=55d a1=55e ppid=100 pid=101 auid=1000 uid=0 ses=3 comm="sh" exe="/usr/bin/dash" key="exec"ARCH=x86_64 SYSCALL=execve UID="root"
type=EXECVE msg=audit(1700000000.123:42): argc=3 a0="sh" a1="-c" a2=69642026262077686F616D69
type=CWD msg=audit(1700000000.123:42): cwd="/tmp"
type=PATH msg=audit(1700000000.123:42): item=0 name=2F746D702F61206220 inode=5 mode=0100755
type=EOE msg=audit(1700000000.123:42):
type=USER_AUTH msg=audit(1700000001.000:43): pid=5 uid=0 auid=4294967295 ses=4294967295 msg='op=PAM:authentication acct="root" exe="/usr/sbin/sshd" res=failed'"#;

    #[test]
    fn records_and_assembled_process() {
        let (evs, errs) = parse_all(&EXEC.replace("\"exec\"ARCH", "\"exec\"\u{1d}ARCH"));
        assert!(errs.is_empty(), "{errs:?}");
        // 6 records + 1 process_creation
        assert_eq!(evs.len(), 7);
        let sys = &evs[0];
        assert_eq!(sys.get_text("type").unwrap(), "SYSCALL");
        // `syscall=59` and the interpreted `SYSCALL=execve` are two values of one field.
        assert!(sys
            .fields()
            .iter()
            .any(|(n, v)| &**n == "SYSCALL" && v.as_text() == "execve"));
        assert_eq!(sys.get_text("key").unwrap(), "exec");
        assert_eq!(sys.get_text("a0").unwrap(), "55d");
        assert_eq!(
            sys.get_text("timestamp").unwrap(),
            "2023-11-14T22:13:20.123Z"
        );
        assert_eq!(sys.source_hint().service.as_deref(), Some("auditd"));
        let exe = &evs[1];
        assert_eq!(exe.get_text("a2").unwrap(), "id && whoami");
        assert_eq!(evs[3].get_text("name").unwrap(), "/tmp/a b");
        let pc = evs
            .iter()
            .find(|e| e.source_hint().category.as_deref() == Some("process_creation"))
            .unwrap();
        assert_eq!(pc.get_text("Image").unwrap(), "/usr/bin/dash");
        assert_eq!(pc.get_text("CommandLine").unwrap(), "sh -c id && whoami");
        assert_eq!(pc.get_text("CurrentDirectory").unwrap(), "/tmp");
        assert_eq!(pc.get_text("User").unwrap(), "root");
        assert_eq!(pc.get_text("ParentProcessId").unwrap(), "100");
        let auth = evs.last().unwrap();
        assert_eq!(auth.get_text("acct").unwrap(), "root");
        assert_eq!(auth.get_text("res").unwrap(), "failed");
    }

    #[test]
    fn bad_lines_are_errors_and_the_rest_is_read() {
        let text = "hello world\ntype=CWD cwd=\"/\"\ntype=CWD msg=audit(x): cwd=\"/\"\ntype=EOE msg=audit(1.0:1):\n";
        let (evs, errs) = parse_all(text);
        assert_eq!(evs.len(), 1);
        assert_eq!(errs.len(), 3);
        assert!(errs[0].starts_with("1: not an auditd record"), "{errs:?}");
        assert!(errs[1].contains("msg=audit"), "{errs:?}");
        assert!(errs[2].contains("bad audit stamp"), "{errs:?}");
    }

    #[test]
    fn split_arguments_are_joined() {
        let text =
            "type=EXECVE msg=audit(5.5:9): argc=2 a0=\"echo\" a1_len=6 a1[0]=616263 a1[1]=646566\n";
        let (evs, _) = parse_all(text);
        assert_eq!(evs[1].get_text("CommandLine").unwrap(), "echo abcdef");
    }
}
