//! `canhgac hunt --ioc`: indicator hits and correlation detections reported
//! like rule detections, through the real binary.

use std::process::Command;

fn data(p: &str) -> String {
    format!("{}/../detect/tests/data/{p}", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn hunt_reports_indicator_hits_and_correlations() {
    let dir = tempfile::tempdir().unwrap();
    let events = dir.path().join("events.jsonl");
    let mut text = std::fs::read_to_string(data("correlation/failed_logons.jsonl")).unwrap();
    text.push_str(
        r##"{"Event":{"System":{"EventID":3,"Channel":"Microsoft-Windows-Sysmon/Operational","Computer":"ws-01","TimeCreated":{"#attributes":{"SystemTime":"2016-09-19T17:00:00Z"}}},"EventData":{"Image":"C:\\Temp\\x.exe","DestinationIp":"203.0.113.9","DestinationHostname":"cdn.evil.example."}}}"##,
    );
    text.push('\n');
    std::fs::write(&events, text).unwrap();
    let rules = dir.path().join("rules");
    std::fs::create_dir(&rules).unwrap();
    std::fs::copy(
        data("correlation/pw_guessing.yml"),
        rules.join("pw_guessing.yml"),
    )
    .unwrap();

    let out = Command::new(env!("CARGO_BIN_EXE_canhgac"))
        .args(["hunt", "--format", "jsonl", "--rules"])
        .arg(&rules)
        .arg("--ioc")
        .arg(data("ioc/list.txt"))
        .arg("--ioc")
        .arg(data("ioc/bundle.json"))
        .arg(&events)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");
    let lines: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let titles: Vec<&str> = lines.iter().map(|d| d["title"].as_str().unwrap()).collect();
    assert_eq!(
        titles,
        [
            "PW Guessing [IpAddress=192.168.198.149; 5 event_count]",
            "indicator: cidr 203.0.113.0/24 (VNCERT feed 2026-11)",
            "indicator: domain evil.example (VNCERT feed 2026-11)",
        ],
        "{stderr}"
    );
    assert_eq!(lines[0]["level"], "medium");
    assert_eq!(lines[1]["level"], "high");
    assert_eq!(lines[1]["computer"], "ws-01");
    assert_eq!(lines[1]["tags"][0], "tlp:green");
    assert!(
        stderr.contains("list.txt  (plain) 11 loaded, 2 problems"),
        "{stderr}"
    );
    assert!(stderr.contains("line 17:"), "{stderr}");
    assert!(stderr.contains("(stix) 5 loaded"), "{stderr}");
}

#[test]
fn a_bad_indicator_file_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, "{\"type\": \"bundle\", \"objects\": [").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_canhgac"))
        .args(["hunt", "--rules"])
        .arg(dir.path())
        .arg("--ioc")
        .arg(&bad)
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("bad.json") && stderr.contains("line 1"),
        "{stderr}"
    );
}
