//! `canhgac hunt` over files of several formats in one folder: each read by
//! the reader its content calls for, bad records reported with file and
//! line, the summary on standard error, and the exit code saying whether
//! anything fired (0 nothing, 1 detections, 2 error).

use std::path::{Path, PathBuf};
use std::process::Command;

fn rules() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../rules/sigma/rules")
}

fn hunt(args: &[&str]) -> (Option<i32>, String, String) {
    hunt_with_cache(args, None)
}

/// Runs `canhgac hunt`; the rule cache goes to `cache` (a folder of the test's
/// own), never to the user's cache folder.
fn hunt_with_cache(args: &[&str], cache: Option<&Path>) -> (Option<i32>, String, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_canhgac"));
    cmd.arg("hunt").args(args).env("CANHGAC_LOG", "warn");
    match cache {
        Some(c) => cmd.env("CANHGAC_RULE_CACHE", c),
        None => cmd.arg("--no-rule-cache"),
    };
    let out = cmd.output().expect("run canhgac");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn hunt_reads_each_format_by_content_and_exits_by_result() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // No extension tells these apart.
    std::fs::write(
        d.join("audit.txt"),
        "type=SYSCALL msg=audit(1700000000.100:7): ppid=9 pid=10 uid=0 exe=\"/usr/bin/base64\"\n\
         type=EXECVE msg=audit(1700000000.100:7): argc=2 a0=\"base64\" a1=\"-d\"\n\
         type=EOE msg=audit(1700000000.100:7):\n",
    )
    .unwrap();
    std::fs::write(
        d.join("messages"),
        "<38>Jan 10 10:00:00 web1 sshd[77]: error in libcrypto\nnot a syslog line\n",
    )
    .unwrap();
    std::fs::write(
        d.join("eve.out"),
        "{\"timestamp\":\"2024-01-10T10:00:00Z\",\"flow_id\":1,\"event_type\":\"dns\",\"src_ip\":\"10.0.0.5\",\"dns\":{\"type\":\"query\",\"rrname\":\"aaa.stage.1.evil.test\",\"rrtype\":\"A\"}}\n",
    )
    .unwrap();
    std::fs::write(d.join("notes.bin"), [0u8, 1, 2, 3, 255]).unwrap();
    let rules = rules();
    let r = rules.display().to_string();
    let (code, out, err) = hunt(&[
        d.to_str().unwrap(),
        "--rules",
        &format!("{r}/linux"),
        "--rules",
        &format!("{r}/network/dns"),
        "--format",
        "jsonl",
    ]);
    assert_eq!(code, Some(1), "{err}");
    for id in [
        "e2072cab-8c9a-459b-b63c-40ae79e27031", // base64 decode, from auditd execve
        "e76b413a-83d0-4b94-8e4c-85db4a5b8bdc", // sshd, from syslog
        "2975af79-28c4-4d2f-a951-9095f229df29", // Cobalt Strike DNS, from EVE
    ] {
        assert!(out.contains(id), "{id} did not fire:\n{out}\n{err}");
    }
    assert!(err.contains("auditd 1"), "{err}");
    assert!(err.contains("eve 1") && err.contains("syslog 1"), "{err}");
    assert!(
        err.contains("skipped:") && err.contains("notes.bin"),
        "{err}"
    );
    assert!(
        err.contains("messages: line 2: not a syslog record"),
        "{err}"
    );

    // Nothing fires: 0.
    std::fs::write(
        d.join("quiet.log"),
        "<38>Jan 10 10:00:00 web1 sshd[77]: Accepted publickey\n",
    )
    .unwrap();
    let (code, out, err) = hunt(&[
        d.join("quiet.log").to_str().unwrap(),
        "--rules",
        &format!("{r}/linux"),
        "--format",
        "csv",
    ]);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(out.lines().count(), 1, "only the CSV header: {out}");

    // An error: 2.
    let (code, _, err) = hunt(&[d.join("nope").to_str().unwrap(), "--rules", &r]);
    assert_eq!(code, Some(2), "{err}");
    let (code, _, err) = hunt(&[d.to_str().unwrap(), "--input-format", "xml"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("unknown input format 'xml'"), "{err}");
}

#[test]
fn rule_cache_is_written_reused_and_rebuilt_when_damaged() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let cache = d.join("cache");
    let rules_dir = d.join("rules");
    std::fs::create_dir_all(&rules_dir).unwrap();
    // The Linux auditd rules, the base64 one, and one that is refused.
    let linux = rules().join("linux");
    let mut picked = walk(&linux.join("auditd"));
    picked.push(linux.join("process_creation/proc_creation_lnx_base64_decode.yml"));
    for (i, f) in picked.iter().enumerate() {
        let name = f.file_name().unwrap().to_string_lossy();
        std::fs::copy(f, rules_dir.join(format!("{i:03}-{name}"))).unwrap();
    }
    std::fs::write(
        rules_dir.join("bad.yml"),
        "title: x\nlogsource: {product: linux}\ndetection:\n  a:\n    X|frobnicate: 1\n  condition: a\n",
    )
    .unwrap();
    std::fs::write(
        d.join("audit.log"),
        "type=SYSCALL msg=audit(1700000000.100:7): ppid=9 pid=10 uid=0 exe=\"/usr/bin/base64\"\n\
         type=EXECVE msg=audit(1700000000.100:7): argc=2 a0=\"base64\" a1=\"-d\"\n\
         type=EOE msg=audit(1700000000.100:7):\n",
    )
    .unwrap();
    let args = [
        d.join("audit.log").display().to_string(),
        "--rules".into(),
        rules_dir.display().to_string(),
        "--format".into(),
        "jsonl".into(),
    ];
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (code, out1, err1) = hunt_with_cache(&args, Some(&cache));
    assert_eq!(code, Some(1), "{err1}");
    assert!(
        out1.contains("e2072cab-8c9a-459b-b63c-40ae79e27031"),
        "{out1}"
    );
    let files: Vec<_> = std::fs::read_dir(&cache)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    let file = &files[0];
    assert!(file
        .file_name()
        .unwrap()
        .to_string_lossy()
        .starts_with("rules-"));
    let written = std::fs::metadata(file).unwrap().modified().unwrap();
    assert!(err1.contains("refused"), "{err1}");

    // From the cache: the same detections and the same refusals.
    let (_, out2, err2) = hunt_with_cache(&args, Some(&cache));
    assert_eq!(out1, out2);
    assert_eq!(err1, err2);
    assert_eq!(
        std::fs::metadata(file).unwrap().modified().unwrap(),
        written
    );

    // Damaged: ignored, the same answer, and the file is written anew.
    let mut bytes = std::fs::read(file).unwrap();
    let n = bytes.len();
    bytes[n / 2] ^= 0xff;
    std::fs::write(file, &bytes).unwrap();
    let (_, out3, err3) = hunt_with_cache(&args, Some(&cache));
    assert_eq!(out1, out3);
    assert_eq!(err1, err3);
    assert_ne!(std::fs::read(file).unwrap(), bytes);

    // A changed rule folder: the cache follows it.
    std::fs::remove_file(rules_dir.join("bad.yml")).unwrap();
    let (_, _, err4) = hunt_with_cache(&args, Some(&cache));
    assert_ne!(err1, err4);
    let (_, _, err5) = hunt(&args);
    assert_eq!(err4, err5);
}

fn walk(d: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![d.to_path_buf()];
    while let Some(d) = stack.pop() {
        let mut entries: Vec<_> = std::fs::read_dir(&d)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        entries.sort();
        for p in entries {
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|e| e == "yml") {
                out.push(p);
            }
        }
    }
    out
}

#[test]
fn the_output_is_the_same_whatever_the_number_of_threads() {
    let samples = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../detect/tests/data/sigma-regression/rules/windows/process_creation");
    let packed = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../detect/tests/data/evtx-packed/sysmon-31-records.evtx");
    let rules = rules().join("windows/process_creation");
    let run = |threads: &str| {
        hunt(&[
            samples.to_str().unwrap(),
            packed.to_str().unwrap(),
            "--rules",
            rules.to_str().unwrap(),
            "--format",
            "jsonl",
            "--threads",
            threads,
        ])
    };
    let (code, one, err1) = run("1");
    assert_eq!(code, Some(1), "{err1}");
    // Many files, in the order given and each folder sorted.
    assert!(one.lines().count() > 20, "{one}");
    let last_file = one.lines().last().unwrap_or("");
    assert!(last_file.contains("sysmon-31-records"), "{last_file}");
    for threads in ["2", "5"] {
        let (code, many, err) = run(threads);
        assert_eq!(code, Some(1), "{err}");
        assert_eq!(many, one, "--threads {threads}");
        assert_eq!(summary(&err), summary(&err1), "--threads {threads}");
    }
}

/// The summary without its timings.
fn summary(err: &str) -> String {
    err.lines()
        .filter(|l| !l.contains(" s") && !l.contains("/s"))
        .collect::<Vec<_>>()
        .join("\n")
}
