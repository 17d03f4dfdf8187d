//! Writes a seeded corpus of Windows events as flat JSON lines (the NXLog
//! layout: `EventID`, `Channel`, `Provider_Name` and the event's own fields at
//! the top level), for benchmarks. Mostly ordinary activity — process
//! creation, network connections, image loads, file and registry writes, DNS
//! queries, logons, PowerShell script blocks — that match no rule (or very
//! few), with, when a folder of SigmaHQ regression samples is given, 1 % of
//! events taken from them. Process names, arguments, hashes, GUIDs, users'
//! files and addresses vary from event to event. `SAMPLES_ONLY=1`: only the
//! samples' events, in random order.
//!
//! `cargo run --release -p detect --example gen-events -- SEED COUNT [SAMPLES_DIR] > events.jsonl`

use detect::read::JsonEvents;
use detect::Value;
use std::io::Write;

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[self.below(xs.len())]
    }
    fn word(&mut self, len: usize) -> String {
        (0..len)
            .map(|_| (b'a' + self.below(26) as u8) as char)
            .collect()
    }
    fn hex(&mut self, len: usize) -> String {
        (0..len)
            .map(|_| b"0123456789ABCDEF"[self.below(16)] as char)
            .collect()
    }
}

const IMAGES: &[&str] = &[
    r"C:\Windows\System32\svchost.exe",
    r"C:\Windows\System32\conhost.exe",
    r"C:\Windows\explorer.exe",
    r"C:\Program Files\Google\Chrome\Application\chrome.exe",
    r"C:\Program Files\Microsoft Office\root\Office16\WINWORD.EXE",
    r"C:\Program Files\Microsoft Office\root\Office16\EXCEL.EXE",
    r"C:\Windows\System32\RuntimeBroker.exe",
    r"C:\Windows\System32\SearchIndexer.exe",
    r"C:\Program Files (x86)\Microsoft\Edge\Application\msedge.exe",
    r"C:\Windows\System32\taskhostw.exe",
    r"C:\Windows\System32\backgroundTaskHost.exe",
    r"C:\Program Files\Windows Defender\MsMpEng.exe",
    r"C:\Windows\System32\dllhost.exe",
    r"C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe",
    r"C:\Windows\System32\cmd.exe",
    r"C:\Users\Public\Documents\tool.exe",
    r"C:\Program Files\7-Zip\7z.exe",
    r"C:\Program Files\Notepad++\notepad++.exe",
    r"C:\Windows\System32\msiexec.exe",
    r"C:\Windows\System32\wbem\WmiPrvSE.exe",
];
const DLLS: &[&str] = &[
    r"C:\Windows\System32\kernel32.dll",
    r"C:\Windows\System32\ntdll.dll",
    r"C:\Windows\System32\user32.dll",
    r"C:\Windows\System32\combase.dll",
    r"C:\Windows\System32\crypt32.dll",
    r"C:\Windows\System32\wininet.dll",
    r"C:\Windows\System32\amsi.dll",
    r"C:\Windows\System32\clr.dll",
];
const USERS: &[&str] = &[
    r"SONHA\nguyen.van.a",
    r"SONHA\tran.thi.b",
    r"NT AUTHORITY\SYSTEM",
    r"SONHA\le.van.c",
];
const DOMAINS: &[&str] = &[
    "www.google.com",
    "login.microsoftonline.com",
    "sonha.gov.vn",
    "update.microsoft.com",
    "cdn.example.net",
];

fn sysmon(eid: i64) -> Vec<(String, Value)> {
    vec![
        ("EventID".into(), Value::Int(eid)),
        (
            "Channel".into(),
            "Microsoft-Windows-Sysmon/Operational".into(),
        ),
        ("Provider_Name".into(), "Microsoft-Windows-Sysmon".into()),
        ("Computer".into(), "WS-0042.sonha.gov.vn".into()),
    ]
}

fn ordinary(r: &mut Rng) -> Vec<(String, Value)> {
    let img = r.pick(IMAGES);
    let user = r.pick(USERS);
    let guid = format!("{{{}-{}-{}-{}}}", r.hex(8), r.hex(4), r.hex(4), r.hex(12));
    match r.below(100) {
        0..=34 => {
            let mut f = sysmon(1);
            // Ordinary parent → child pairs with their usual arguments.
            let (parent, img, args) = match r.below(6) {
                0 => (
                    IMAGES[2],
                    IMAGES[3],
                    format!(
                        "--type=renderer --field-trial-handle={} --lang=vi",
                        r.below(99999)
                    ),
                ),
                1 => (
                    r"C:\Windows\System32\services.exe",
                    IMAGES[0],
                    format!(
                        "-k {} -p -s {}",
                        r.pick(&["netsvcs", "LocalService", "NetworkService"]),
                        r.pick(&["Schedule", "BITS", "Dnscache", "Winmgmt", "EventLog"])
                    ),
                ),
                2 => (
                    IMAGES[2],
                    IMAGES[4],
                    format!(
                        "/n \"C:\\Users\\{}\\Documents\\{}.docx\"",
                        r.word(6),
                        r.word(8)
                    ),
                ),
                3 => (IMAGES[0], IMAGES[6], "-Embedding".to_string()),
                4 => (
                    IMAGES[2],
                    IMAGES[17],
                    format!(
                        "\"C:\\Users\\{}\\Documents\\{}.txt\"",
                        r.word(6),
                        r.word(8)
                    ),
                ),
                _ => (
                    IMAGES[8],
                    IMAGES[8],
                    format!(
                        "--type=utility --utility-sub-type=network.mojom.NetworkService --field-trial-handle={}",
                        r.below(99999)
                    ),
                ),
            };
            let exe = img.rsplit('\\').next().unwrap_or(img);
            f.extend([
                ("UtcTime".into(), "2026-01-15 08:00:00.000".into()),
                ("ProcessGuid".into(), guid.as_str().into()),
                ("ProcessId".into(), Value::Int(r.below(65535) as i64)),
                ("Image".into(), img.into()),
                ("FileVersion".into(), "10.0.19041.1".into()),
                ("Description".into(), "Windows component".into()),
                (
                    "Product".into(),
                    "Microsoft® Windows® Operating System".into(),
                ),
                ("Company".into(), "Microsoft Corporation".into()),
                ("OriginalFileName".into(), exe.into()),
                ("CommandLine".into(), format!("\"{img}\" {args}").into()),
                ("CurrentDirectory".into(), "C:\\Windows\\system32\\".into()),
                ("User".into(), user.into()),
                ("LogonId".into(), "0x3e7".into()),
                ("IntegrityLevel".into(), "Medium".into()),
                (
                    "Hashes".into(),
                    format!("SHA256={},IMPHASH={}", r.hex(64), r.hex(32)).into(),
                ),
                ("ParentProcessGuid".into(), guid.as_str().into()),
                ("ParentImage".into(), parent.into()),
                ("ParentCommandLine".into(), parent.into()),
            ]);
            f
        }
        35..=49 => {
            let mut f = sysmon(3);
            let img = r.pick(&[IMAGES[3], IMAGES[8], IMAGES[0]]);
            f.extend([
                ("Image".into(), img.into()),
                ("User".into(), user.into()),
                ("Protocol".into(), "tcp".into()),
                ("Initiated".into(), "true".into()),
                (
                    "SourceIp".into(),
                    format!("10.20.{}.{}", r.below(255), r.below(255)).into(),
                ),
                (
                    "SourcePort".into(),
                    Value::Int(49152 + r.below(16000) as i64),
                ),
                (
                    "DestinationIp".into(),
                    format!(
                        "{}.{}.{}.{}",
                        1 + r.below(220),
                        r.below(255),
                        r.below(255),
                        r.below(255)
                    )
                    .into(),
                ),
                ("DestinationHostname".into(), r.pick(DOMAINS).into()),
                ("DestinationPort".into(), Value::Int([443, 80][r.below(2)])),
            ]);
            f
        }
        50..=69 => {
            let mut f = sysmon(7);
            let img = r.pick(&[IMAGES[0], IMAGES[2], IMAGES[3], IMAGES[8]]);
            f.extend([
                ("Image".into(), img.into()),
                ("ImageLoaded".into(), r.pick(&DLLS[..6]).into()),
                ("Signed".into(), "true".into()),
                ("Signature".into(), "Microsoft Windows".into()),
                ("SignatureStatus".into(), "Valid".into()),
                ("Hashes".into(), format!("SHA256={}", r.hex(64)).into()),
            ]);
            f
        }
        70..=79 => {
            let mut f = sysmon(11);
            f.extend([
                ("Image".into(), img.into()),
                (
                    "TargetFilename".into(),
                    format!(
                        "C:\\Users\\{}\\AppData\\Local\\Temp\\{}.tmp",
                        r.word(6),
                        r.word(10)
                    )
                    .into(),
                ),
                ("User".into(), user.into()),
            ]);
            f
        }
        80..=87 => {
            let mut f = sysmon(13);
            f.extend([
                ("EventType".into(), "SetValue".into()),
                ("Image".into(), img.into()),
                (
                    "TargetObject".into(),
                    format!(
                        "HKU\\S-1-5-21-{}\\Software\\{}\\{}",
                        r.below(99999),
                        r.word(7),
                        r.word(5)
                    )
                    .into(),
                ),
                (
                    "Details".into(),
                    format!("DWORD (0x{:08x})", r.below(1 << 20)).into(),
                ),
            ]);
            f
        }
        88..=92 => {
            let mut f = sysmon(22);
            f.extend([
                ("Image".into(), img.into()),
                ("QueryName".into(), r.pick(DOMAINS).into()),
                ("QueryStatus".into(), "0".into()),
                (
                    "QueryResults".into(),
                    format!(
                        "::ffff:{}.{}.{}.{};",
                        r.below(255),
                        r.below(255),
                        r.below(255),
                        r.below(255)
                    )
                    .into(),
                ),
            ]);
            f
        }
        93..=96 => vec![
            ("EventID".into(), Value::Int(4624)),
            ("Channel".into(), "Security".into()),
            (
                "Provider_Name".into(),
                "Microsoft-Windows-Security-Auditing".into(),
            ),
            ("TargetUserName".into(), r.word(8).into()),
            ("TargetDomainName".into(), "SONHA".into()),
            ("LogonType".into(), Value::Int([2, 3, 10][r.below(3)])),
            (
                "IpAddress".into(),
                format!("10.20.{}.{}", r.below(255), r.below(255)).into(),
            ),
            (
                "WorkstationName".into(),
                format!("WS-{:04}", r.below(9999)).into(),
            ),
            ("AuthenticationPackageName".into(), "Kerberos".into()),
        ],
        _ => vec![
            ("EventID".into(), Value::Int(4104)),
            (
                "Channel".into(),
                "Microsoft-Windows-PowerShell/Operational".into(),
            ),
            (
                "Provider_Name".into(),
                "Microsoft-Windows-PowerShell".into(),
            ),
            ("MessageNumber".into(), Value::Int(1)),
            ("MessageTotal".into(), Value::Int(1)),
            (
                "ScriptBlockText".into(),
                format!(
                    "Get-ChildItem -Path C:\\Users\\{} | Where-Object {{ $_.Length -gt {} }}",
                    r.word(6),
                    r.below(100000)
                )
                .into(),
            ),
            ("ScriptBlockId".into(), guid.as_str().into()),
        ],
    }
}

fn to_json(fields: &[(String, Value)]) -> serde_json::Value {
    let mut m = serde_json::Map::new();
    for (k, v) in fields {
        let j = serde_json::to_value(v).unwrap_or(serde_json::Value::Null);
        match m.get_mut(k) {
            Some(serde_json::Value::Array(a)) => a.push(j),
            Some(prev) => {
                let p = prev.take();
                *prev = serde_json::Value::Array(vec![p, j]);
            }
            None => {
                m.insert(k.clone(), j);
            }
        }
    }
    serde_json::Value::Object(m)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let seed: u64 = args.first().and_then(|s| s.parse().ok()).unwrap_or(2026);
    let count: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(100_000);
    let mut attacks: Vec<Vec<(String, Value)>> = Vec::new();
    if let Some(dir) = args.get(2) {
        let mut stack = vec![std::path::PathBuf::from(dir)];
        let mut files = Vec::new();
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
                let p = e.path();
                if p.is_dir() {
                    stack.push(p);
                } else if p.extension().is_some_and(|x| x == "json") {
                    files.push(p);
                }
            }
        }
        files.sort();
        for p in files {
            let f = std::io::BufReader::new(std::fs::File::open(&p).expect("sample"));
            for ev in JsonEvents::new(f, &p.display().to_string()).flatten() {
                attacks.push(
                    ev.fields()
                        .iter()
                        .map(|(k, v)| (k.to_string(), v.clone()))
                        .collect(),
                );
            }
        }
    }
    let samples_only = std::env::var_os("SAMPLES_ONLY").is_some();
    let mut r = Rng(seed.max(1));
    let out = std::io::stdout();
    let mut w = std::io::BufWriter::new(out.lock());
    for _ in 0..count {
        let fields = if !attacks.is_empty() && (samples_only || r.below(100) == 0) {
            attacks[r.below(attacks.len())].clone()
        } else {
            ordinary(&mut r)
        };
        serde_json::to_writer(&mut w, &to_json(&fields)).expect("write");
        w.write_all(b"\n").expect("write");
    }
}
