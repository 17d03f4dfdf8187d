//! Real SigmaHQ rules (from `rules/sigma`) firing on hand-written events of
//! each reader, with the embedded `logsources.yml`, and never on events of
//! another product that carry the same fields.

use detect::formats::{self, Format};
use detect::{Config, Engine, EngineBuilder, Event};
use std::path::Path;

const RULES: &[&str] = &[
    "linux/auditd/lnx_auditd_system_info_discovery.yml",
    "linux/process_creation/proc_creation_lnx_base64_decode.yml",
    "linux/builtin/sshd/lnx_sshd_susp_ssh.yml",
    "linux/builtin/lnx_shellshock.yml",
    "network/dns/net_dns_mal_cobaltstrike.yml",
    "web/webserver_generic/web_path_traversal_exploitation_attempt.yml",
    "web/proxy_generic/proxy_downloadcradle_webdav.yml",
    "network/firewall/net_firewall_cleartext_protocols.yml",
    "windows/process_creation/proc_creation_win_whoami_all_execution.yml",
];

fn engine() -> Engine {
    let base = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../rules/sigma/rules");
    let mut b = EngineBuilder::new(Config::default());
    for r in RULES {
        let text = std::fs::read_to_string(base.join(r)).expect("the rule is in rules/sigma");
        b.add_yaml(r, &text);
    }
    let (e, report) = b.build();
    assert_eq!(report.rules_loaded, RULES.len(), "{:?}", report.refused);
    assert!(report.unmapped.is_empty(), "{:?}", report.unmapped);
    e
}

/// The rule files that fire on any event of `text` read as `format`.
fn fired(e: &Engine, format: Format, text: &str) -> Vec<String> {
    let (_, events) = formats::open(
        std::io::Cursor::new(text.as_bytes().to_vec()),
        "t",
        Some(format),
    )
    .unwrap();
    let mut out = Vec::new();
    for ev in events {
        let ev = ev.unwrap_or_else(|e| panic!("{e}"));
        out.extend(fired_on(e, &ev));
    }
    out.sort();
    out.dedup();
    out
}

fn fired_on(e: &Engine, ev: &Event) -> Vec<String> {
    e.evaluate(ev)
        .iter()
        .map(|m| m.rule.source.clone())
        .collect()
}

fn short(v: &[String]) -> Vec<&str> {
    v.iter()
        .map(|s| s.rsplit('/').next().unwrap_or(s).trim_end_matches(".yml"))
        .collect()
}

const AUDIT: &str = r#"type=SYSCALL msg=audit(1700000000.100:7): arch=c000003e syscall=59 success=yes exit=0 ppid=900 pid=901 auid=1000 uid=1000 ses=2 comm="base64" exe="/usr/bin/base64" key="exec"
type=EXECVE msg=audit(1700000000.100:7): argc=2 a0="base64" a1="-d"
type=CWD msg=audit(1700000000.100:7): cwd="/home/a"
type=EOE msg=audit(1700000000.100:7):
type=SYSCALL msg=audit(1700000001.000:8): arch=c000003e syscall=59 success=yes exit=0 ppid=900 pid=902 uid=0 comm="uname" exe="/usr/bin/uname"
type=EXECVE msg=audit(1700000001.000:8): argc=2 a0="uname" a1="-a"
type=EOE msg=audit(1700000001.000:8):
"#;

#[test]
fn auditd_records_and_assembled_processes() {
    let e = engine();
    assert_eq!(
        short(&fired(&e, Format::Auditd, AUDIT)),
        vec![
            "lnx_auditd_system_info_discovery",
            "proc_creation_lnx_base64_decode"
        ]
    );
}

#[test]
fn syslog_reaches_daemon_and_product_rules() {
    let e = engine();
    let text = "<38>Jan 10 10:00:00 web1 sshd[77]: error in libcrypto\n\
                <13>1 2024-01-10T10:00:01Z web1 httpd - - - GET /cgi-bin/x () { :; }; /bin/id\n";
    assert_eq!(
        short(&fired(&e, Format::Syslog, text)),
        vec!["lnx_shellshock", "lnx_sshd_susp_ssh"]
    );
    // A line of another daemon does not reach the sshd rule.
    let other = "<38>Jan 10 10:00:00 web1 named[77]: error in libcrypto\n";
    assert!(fired(&e, Format::Syslog, other).is_empty());
}

#[test]
fn eve_dns_http_flow() {
    let e = engine();
    let text = r#"{"timestamp":"2024-01-10T10:00:00.000000+0000","flow_id":1,"event_type":"dns","src_ip":"10.0.0.5","dest_ip":"10.0.0.1","dns":{"version":2,"type":"query","rrname":"aaa.stage.12345.evil.test","rrtype":"A"}}
{"timestamp":"2024-01-10T10:00:01.000000+0000","flow_id":2,"event_type":"http","src_ip":"10.0.0.5","dest_ip":"1.2.3.4","dest_port":80,"http":{"hostname":"x.test","url":"/static/../../../etc/passwd","http_user_agent":"Microsoft-WebDAV-MiniRedir/10.0.19041","http_method":"GET","status":404}}
"#;
    assert_eq!(
        short(&fired(&e, Format::Eve, text)),
        vec![
            "net_dns_mal_cobaltstrike",
            "proxy_downloadcradle_webdav",
            "web_path_traversal_exploitation_attempt"
        ]
    );
}

#[test]
fn zeek_dns_tsv_and_json() {
    let e = engine();
    let tsv = "#separator \\x09\n#path\tdns\n#fields\tts\tuid\tid.orig_h\tquery\tqtype_name\n#types\ttime\tstring\taddr\tstring\tstring\n1700000000.0\tC1\t10.0.0.5\tpost.1234.evil.test\tA\n";
    assert_eq!(
        short(&fired(&e, Format::ZeekTsv, tsv)),
        vec!["net_dns_mal_cobaltstrike"]
    );
    let json = r#"{"_path":"dns","ts":1700000000.0,"uid":"C1","id.orig_h":"10.0.0.5","query":"aaa.stage.9.x.test"}"#;
    assert_eq!(
        short(&fired(&e, Format::ZeekJson, json)),
        vec!["net_dns_mal_cobaltstrike"]
    );
}

#[test]
fn cef_firewall() {
    let e = engine();
    let text = "CEF:0|Acme|FW|1.0|100|allowed|3|src=10.0.0.5 dst=10.0.0.9 spt=5555 dpt=23 act=accept\n\
                CEF:0|Acme|FW|1.0|100|allowed|3|src=10.0.0.5 dst=10.0.0.9 spt=5555 dpt=443 act=accept\n";
    assert_eq!(
        short(&fired(&e, Format::Cef, text)),
        vec!["net_firewall_cleartext_protocols"]
    );
}

#[test]
fn windows_rules_do_not_fire_on_linux_events_and_back() {
    let e = engine();
    // A Windows process creation: fires the Windows rule only, even with
    // the fields the Linux rules look at.
    let win = Event::new()
        .with("Channel", "Microsoft-Windows-Sysmon/Operational")
        .with("EventID", 1i64)
        .with("Image", "C:\\Windows\\System32\\whoami.exe")
        .with("CommandLine", "whoami -all /usr/bin/base64 -d")
        .with("type", "EXECVE")
        .with("a0", "uname")
        .with("query", "aaa.stage.1.x")
        .with("AppName", "sshd")
        .with("appname", "sshd")
        .with("message", "error in libcrypto () { :; };");
    assert_eq!(
        short(&fired_on(&e, &win)),
        vec!["proc_creation_win_whoami_all_execution"]
    );
    let sec = Event::new()
        .with("Channel", "Security")
        .with("EventID", 4688i64)
        .with("NewProcessName", "/usr/bin/base64")
        .with("CommandLine", "base64 -d");
    assert!(fired_on(&e, &sec).is_empty());
    // A Linux process creation with a Windows-looking image: the Linux rule
    // set sees it, the Windows rule does not.
    let lin = "type=SYSCALL msg=audit(1.0:1): ppid=1 pid=2 uid=0 exe=\"C:\\Windows\\System32\\whoami.exe\"\n\
               type=EXECVE msg=audit(1.0:1): argc=2 a0=\"whoami\" a1=\"-all\"\n";
    assert!(fired(&e, Format::Auditd, lin).is_empty());
    let sys = "<38>Jan 10 10:00:00 pc whoami[1]: C:\\Windows\\System32\\whoami.exe -all\n";
    assert!(fired(&e, Format::Syslog, sys).is_empty());
}
