//! Times the line readers (`detect::formats`) on generated records held in
//! memory, on one thread (the engine's speed is `hunt-bench`'s business).
//! Usage: formats-bench [RECORDS]
//! Prints one line per format: `FORMAT lines=N events=N MB=… read_s=… lines_per_s=… MB_per_s=…`.

use detect::formats::{self, Format};
use std::time::Instant;

fn record(format: Format, i: usize) -> String {
    let h = i % 97;
    match format {
        Format::Syslog => format!(
            "<38>Jan {:>2} 10:{:02}:{:02} web{h} sshd[{i}]: Failed password for user{h} from 10.0.{h}.{} port {} ssh2\n",
            1 + i % 28, i % 60, (i / 60) % 60, i % 250, 1024 + i % 60000
        ),
        Format::Cef => format!(
            "CEF:0|Acme|FW|1.0|{h}|conn|3|src=10.0.{h}.{} dst=192.0.2.{} spt={} dpt={} act=accept msg=flow {i}\n",
            i % 250, h, 1024 + i % 60000, [22, 80, 443, 3389][i % 4]
        ),
        Format::Auditd => format!(
            "type=SYSCALL msg=audit(1700000{i:03}.100:{i}): arch=c000003e syscall=59 success=yes ppid={h} pid={i} uid=0 comm=\"ls\" exe=\"/usr/bin/ls\" key=\"exec\"\n\
             type=EXECVE msg=audit(1700000{i:03}.100:{i}): argc=2 a0=\"ls\" a1=\"-la{h}\"\n\
             type=CWD msg=audit(1700000{i:03}.100:{i}): cwd=\"/home/u{h}\"\n\
             type=EOE msg=audit(1700000{i:03}.100:{i}):\n"
        ),
        Format::Eve => format!(
            "{{\"timestamp\":\"2024-01-10T10:00:00.{i:06}+0000\",\"flow_id\":{i},\"event_type\":\"dns\",\"src_ip\":\"10.0.{h}.5\",\"dest_ip\":\"10.0.0.1\",\"src_port\":{},\"dest_port\":53,\"proto\":\"UDP\",\"dns\":{{\"version\":2,\"type\":\"query\",\"id\":{i},\"rrname\":\"host{i}.example{h}.test\",\"rrtype\":\"A\",\"tx_id\":0}}}}\n",
            1024 + i % 60000
        ),
        _ => String::new(),
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let n: usize = args.first().and_then(|a| a.parse().ok()).unwrap_or(200_000);
    for format in [Format::Syslog, Format::Cef, Format::Auditd, Format::Eve] {
        let mut data = String::new();
        for i in 0..n {
            data.push_str(&record(format, i));
        }
        let mb = data.len() as f64 / 1e6;
        let lines = data.lines().count();
        let t = Instant::now();
        let (_, evs) = formats::open(
            std::io::Cursor::new(data.into_bytes()),
            "bench",
            Some(format),
        )
        .expect("in memory");
        let events = evs.filter(|e| e.is_ok()).count();
        let read_s = t.elapsed().as_secs_f64();
        let line = format!(
            "{format} lines={lines} events={events} MB={mb:.1} read_s={read_s:.3} lines_per_s={:.0} MB_per_s={:.1}",
            lines as f64 / read_s,
            mb / read_s
        );
        println!("{line}");
    }
}
