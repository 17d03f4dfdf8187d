use netmatch::{parse, parse_records, Format, LineError, Listing};
use proptest::prelude::*;
use std::io::Cursor;
use std::net::IpAddr;

fn data(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn all(format: Format, bytes: &[u8]) -> Vec<Result<Listing, LineError>> {
    parse(format, Cursor::new(bytes)).collect()
}

fn ok(format: Format, bytes: &[u8]) -> Vec<Listing> {
    all(format, bytes)
        .into_iter()
        .map(|r| r.unwrap_or_else(|e| panic!("unexpected error: {e}")))
        .collect()
}

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

#[test]
fn shadowserver_event4_sinkhole() {
    let bytes = data("event4_sinkhole.csv");
    assert_eq!(Format::detect(&bytes), Format::Csv);
    let rows = ok(Format::Csv, &bytes);
    assert_eq!(rows.len(), 6);
    let first = &rows[0];
    assert_eq!(
        first,
        &Listing {
            line: 2,
            ip: ip("190.113.1.2"),
            time: Some("2021-03-04 00:00:00".into()),
            port: Some(17409),
            family: Some("victorygate.b".into()),
            asn: Some(12252),
            c2: Some("178.162.1.2".into()),
        }
    );
    // Only the tag names the family in this row.
    assert_eq!(rows[1].family.as_deref(), Some("b68-zeroaccess-2-32bit"));
    // The malformed destination is kept as written: it is the C2, not the
    // listed address, so it must not cost us the row.
    let last = &rows[5];
    assert_eq!(last.line, 7);
    assert_eq!(last.ip, ip("35.197.11.12"));
    assert_eq!(last.c2.as_deref(), Some("148.81.111.11.12"));
    assert_eq!(last.asn, Some(15169));
    let ips: Vec<String> = rows.iter().map(|r| r.ip.to_string()).collect();
    assert_eq!(
        ips,
        [
            "190.113.1.2",
            "217.173.3.4",
            "37.212.5.6",
            "86.130.7.8",
            "35.205.9.10",
            "35.197.11.12"
        ]
    );
}

#[test]
fn shadowserver_event4_sinkhole_http() {
    let rows = ok(Format::Csv, &data("event4_sinkhole_http.csv"));
    assert_eq!(rows.len(), 5);
    assert!(rows
        .iter()
        .all(|r| r.family.as_deref() == Some("andromeda")));
    assert_eq!(rows[0].ip, ip("103.196.1.2"));
    assert_eq!(rows[0].port, Some(60902));
    assert_eq!(rows[0].asn, Some(134707));
    assert_eq!(rows[0].c2.as_deref(), Some("184.105.1.2"));
    assert_eq!(rows[4].ip, ip("187.189.9.10"));
    assert_eq!(rows[4].line, 6);
}

#[test]
fn shadowserver_botnet_drone() {
    let bytes = data("botnet_drone.csv");
    assert_eq!(Format::detect(&bytes), Format::Csv);
    let rows = ok(Format::Csv, &bytes);
    assert_eq!(rows.len(), 102);
    assert_eq!(rows[0].ip, ip("210.23.139.130"));
    assert_eq!(rows[0].port, Some(3218));
    assert_eq!(rows[0].asn, Some(7543));
    assert_eq!(rows[0].c2.as_deref(), Some("74.208.164.166"));
    assert_eq!(rows[0].family.as_deref(), Some("dorkbot"));
    // An empty port is absent, not an error.
    assert_eq!(rows[1].ip, ip("115.166.54.44"));
    assert_eq!(rows[1].port, None);
    assert_eq!(rows[1].family.as_deref(), Some("spyeye"));
    assert_eq!(rows.iter().filter(|r| r.port.is_none()).count(), 16);
    assert_eq!(rows[101].ip, ip("198.51.100.218"));
    assert_eq!(rows[101].line, 103);
    for (i, r) in rows.iter().enumerate() {
        assert_eq!(r.line, i + 2);
    }
}

#[test]
fn feodo_c2_blocklist() {
    let bytes = data("ipblocklist.csv");
    assert_eq!(Format::detect(&bytes), Format::Csv);
    let rows = ok(Format::Csv, &bytes);
    // 28 rows, the trailing "# END 28 entries" comment is not one.
    assert_eq!(rows.len(), 28);
    assert_eq!(
        rows[0],
        Listing {
            line: 10,
            ip: ip("192.9.135.73"),
            time: Some("2023-05-23 17:51:44".into()),
            port: Some(1194),
            family: Some("Pikabot".into()),
            asn: None,
            c2: None,
        }
    );
    assert_eq!(rows[27].ip, ip("172.233.221.61"));
    assert_eq!(rows[27].port, Some(5938));
    assert_eq!(rows[27].line, 37);
    assert!(rows.iter().all(|r| r.family.as_deref() == Some("Pikabot")));
}

#[test]
fn text_lines_comments_and_numbers() {
    let input = b"# national list\n\n1.2.3.4\n  ; note\n5.6.7.8 # c2 seen 2025-01\r\n2402:800::1 ; v6\nnot-an-ip\n9.9.9.9 extra\n10.0.0.0/8\n";
    let got = all(Format::Text, input);
    assert_eq!(got.len(), 6);
    let ok: Vec<(usize, IpAddr)> = got
        .iter()
        .filter_map(|r| r.as_ref().ok().map(|l| (l.line, l.ip)))
        .collect();
    assert_eq!(
        ok,
        [
            (3, ip("1.2.3.4")),
            (5, ip("5.6.7.8")),
            (6, ip("2402:800::1"))
        ]
    );
    let errs: Vec<&LineError> = got.iter().filter_map(|r| r.as_ref().err()).collect();
    assert_eq!(errs.len(), 3);
    assert_eq!(errs[0].line, 7);
    assert_eq!(errs[0].column.as_deref(), Some("ip"));
    assert!(errs[0].reason.contains("not-an-ip"), "{}", errs[0].reason);
    assert_eq!(errs[1].line, 8);
    assert!(errs[1].reason.contains("extra"), "{}", errs[1].reason);
    assert_eq!(errs[2].line, 9);
    assert!(errs[2].reason.contains("block"), "{}", errs[2].reason);
}

#[test]
fn text_without_final_newline_and_with_bom() {
    let rows = ok(Format::Text, b"\xEF\xBB\xBF1.1.1.1\n2.2.2.2");
    assert_eq!(rows.len(), 2);
    assert_eq!((rows[1].line, rows[1].ip), (2, ip("2.2.2.2")));
}

#[test]
fn ipsum_lines() {
    let input =
        b"# IPsum Threat Intelligence Feed\n#\n45.148.10.1\t9\n\n193.32.162.2\t3\n1.2.3.4\tlots\n";
    assert_eq!(Format::detect(input), Format::Ipsum);
    let got = all(Format::Ipsum, input);
    assert_eq!(got.len(), 3);
    assert_eq!(got[0].as_ref().unwrap().ip, ip("45.148.10.1"));
    assert_eq!(got[0].as_ref().unwrap().line, 3);
    assert_eq!(got[1].as_ref().unwrap().line, 5);
    let e = got[2].as_ref().unwrap_err();
    assert_eq!((e.line, e.column.as_deref()), (6, Some("count")));
}

#[test]
fn csv_vietnamese_header_semicolons_and_bad_fields() {
    let input = "Địa chỉ IP;Thời gian;Mã độc;Port\n\n14.160.1.2;2025-01-03;mirai;23\n14.160.1.3;;;99999\nxyz;;;\n# END\n"
        .as_bytes();
    assert_eq!(Format::detect(input), Format::Csv);
    let got = all(Format::Csv, input);
    assert_eq!(got.len(), 3, "{got:#?}");
    let first = got[0].as_ref().unwrap();
    assert_eq!(first.line, 3);
    assert_eq!(first.ip, ip("14.160.1.2"));
    assert_eq!(first.time.as_deref(), Some("2025-01-03"));
    assert_eq!(first.family.as_deref(), Some("mirai"));
    assert_eq!(first.port, Some(23));
    let e = got[1].as_ref().unwrap_err();
    assert_eq!((e.line, e.column.as_deref()), (4, Some("Port")));
    let e = got[2].as_ref().unwrap_err();
    assert_eq!((e.line, e.column.as_deref()), (5, Some("Địa chỉ IP")));
}

#[test]
fn csv_src_ip_takes_dst_ip_as_c2_and_asn_with_prefix() {
    let input = b"src_ip,src_port,dst_ip,dst_port,asn\n1.2.3.4,1000,5.6.7.8,443,AS7552\n";
    let rows = ok(Format::Csv, input);
    assert_eq!(rows[0].port, Some(1000));
    assert_eq!(rows[0].c2.as_deref(), Some("5.6.7.8"));
    assert_eq!(rows[0].asn, Some(7552));
}

#[test]
fn csv_without_ip_column_is_one_error() {
    let got = all(Format::Csv, b"# x\nname,port\na,1\n");
    assert_eq!(got.len(), 1);
    let e = got[0].as_ref().unwrap_err();
    assert_eq!(e.line, 2);
    assert!(e.reason.contains("name, port"), "{}", e.reason);
    let got = all(Format::Csv, b"1.2.3.4,80\n");
    assert!(got[0].as_ref().unwrap_err().reason.contains("header"));
}

#[test]
fn csv_short_rows_and_tabs() {
    let input = b"time\tip\tport\n2025-01-01\t1.1.1.1\t80\n2025-01-02\n";
    let got = all(Format::Csv, input);
    assert_eq!(got.len(), 2);
    assert_eq!(got[0].as_ref().unwrap().port, Some(80));
    let e = got[1].as_ref().unwrap_err();
    assert_eq!((e.line, e.column.as_deref()), (3, Some("ip")));
}

fn drain(format: Format, bytes: &[u8]) -> usize {
    let mut n = 0;
    for item in parse(format, Cursor::new(bytes)) {
        if let Err(e) = item {
            assert!(e.line >= 1);
        }
        n += 1;
    }
    n
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn garbage_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        let _ = Format::detect(&bytes);
        for f in [Format::Text, Format::Ipsum, Format::Csv] {
            // Never more items than lines.
            let lines = bytes.iter().filter(|&&b| b == b'\n').count() + 1;
            prop_assert!(drain(f, &bytes) <= lines);
        }
    }

    #[test]
    fn near_valid_csv_never_panics(
        rows in proptest::collection::vec("[0-9a-f.:,;\"#\t \n\r]{0,40}", 0..20)
    ) {
        let text = format!("ip,port,asn,malware\n{}", rows.join("\n"));
        let _ = drain(Format::Csv, text.as_bytes());
        let _ = drain(Format::Text, text.as_bytes());
        let _ = drain(Format::Ipsum, text.as_bytes());
    }
}

#[test]
fn overlong_lines_are_errors_not_memory() {
    let mut input = b"1.1.1.1\n".to_vec();
    input.extend(std::iter::repeat_n(b'x', 3 << 20));
    input.extend_from_slice(b"\n2.2.2.2\n");
    for format in [Format::Text, Format::Ipsum] {
        let got = all(format, &input);
        assert_eq!(got.len(), 3);
        assert_eq!(got[1].as_ref().unwrap_err().line, 2);
        assert_eq!(got[2].as_ref().unwrap().line, 3);
    }
    let mut csv = b"ip,note\n1.1.1.1,\"open quote\n".to_vec();
    csv.extend(std::iter::repeat_n(b'x', 3 << 20));
    csv.extend_from_slice(b"\n3.3.3.3,ok\n");
    let got = all(Format::Csv, &csv);
    assert_eq!(got.len(), 2);
    let e = got[0].as_ref().unwrap_err();
    assert_eq!(e.line, 2);
    assert!(e.reason.contains("quote"), "{}", e.reason);
    let after = got[1].as_ref().unwrap();
    assert_eq!((after.line, after.ip), (4, ip("3.3.3.3")));
}

#[test]
fn csv_quoted_line_breaks_keep_line_numbers() {
    let input = b"ip,note\n1.1.1.1,\"two\nlines\"\n\"2.2.2.2\",\"say \"\"hi\"\"\"\n";
    let rows = ok(Format::Csv, input);
    assert_eq!(rows.len(), 2);
    assert_eq!((rows[0].line, rows[1].line), (2, 4));
    assert_eq!(rows[1].ip, ip("2.2.2.2"));
}

fn cells(row: &[&str]) -> Vec<String> {
    row.iter().map(|c| c.to_string()).collect()
}

fn records(rows: &[(usize, &[&str])]) -> Vec<Result<Listing, LineError>> {
    parse_records(rows.iter().map(|(n, r)| (*n, cells(r)))).collect()
}

#[test]
fn records_read_like_csv() {
    let got = records(&[
        (1, &["# Danh sách tháng 1", "", ""]),
        (2, &[]),
        (3, &["Thời gian", " Địa chỉ IP ", "Mã độc", "Port"]),
        (4, &["2025-01-03", "14.160.1.2", "mirai", "23"]),
        (5, &["", "", "", ""]),
        (6, &["", "14.160.1.3", "", "99999"]),
        (7, &["", "xyz"]),
        (8, &["2025-01-04", " 2402:800::1 ", "", ""]),
        (9, &["2025-01-05"]),
    ]);
    assert_eq!(got.len(), 5, "{got:#?}");
    let first = got[0].as_ref().unwrap();
    assert_eq!((first.line, first.ip), (4, ip("14.160.1.2")));
    assert_eq!(first.time.as_deref(), Some("2025-01-03"));
    assert_eq!(first.family.as_deref(), Some("mirai"));
    assert_eq!(first.port, Some(23));
    let e = got[1].as_ref().unwrap_err();
    assert_eq!((e.line, e.column.as_deref()), (6, Some("Port")));
    let e = got[2].as_ref().unwrap_err();
    assert_eq!((e.line, e.column.as_deref()), (7, Some("Địa chỉ IP")));
    assert_eq!(got[3].as_ref().unwrap().ip, ip("2402:800::1"));
    let e = got[4].as_ref().unwrap_err();
    assert_eq!((e.line, e.column.as_deref()), (9, Some("Địa chỉ IP")));
    assert!(
        e.reason.contains("2 fields") || e.reason.contains("1 fields"),
        "{}",
        e.reason
    );
}

#[test]
fn records_without_header_are_one_column_of_addresses() {
    let got = records(&[
        (1, &["1.2.3.4", ""]),
        (2, &["2402:800::1"]),
        (3, &["# note"]),
        (4, &["010.1.1.1"]),
    ]);
    assert_eq!(got.len(), 3);
    assert_eq!(got[0].as_ref().unwrap().line, 1);
    assert_eq!(got[1].as_ref().unwrap().ip, ip("2402:800::1"));
    let e = got[2].as_ref().unwrap_err();
    assert_eq!((e.line, e.column.as_deref()), (4, Some("ip")));
    assert!(e.reason.contains("octal"), "{}", e.reason);
}

#[test]
fn records_without_ip_column_are_one_error() {
    let got = records(&[(2, &["name", "port"]), (3, &["a", "1"])]);
    assert_eq!(got.len(), 1);
    let e = got[0].as_ref().unwrap_err();
    assert_eq!(e.line, 2);
    assert!(e.reason.contains("name, port"), "{}", e.reason);
    // An address and more is data without the header it needs.
    let got = records(&[(1, &["1.2.3.4", "80"]), (2, &["5.6.7.8", "81"])]);
    assert_eq!(got.len(), 1);
    assert!(got[0].as_ref().unwrap_err().reason.contains("header"));
    assert!(records(&[]).is_empty());
}

#[test]
fn csv_without_header_is_one_column_of_addresses() {
    let got = all(Format::Csv, b"\xEF\xBB\xBF1.2.3.4\n\n5.6.7.8\r\nnope\n");
    assert_eq!(got.len(), 3);
    assert_eq!(got[0].as_ref().unwrap().line, 1);
    assert_eq!(got[1].as_ref().unwrap().line, 3);
    let e = got[2].as_ref().unwrap_err();
    assert_eq!((e.line, e.column.as_deref()), (4, Some("ip")));
}

#[test]
fn real_csv_files_read_the_same_as_records() {
    for name in [
        "event4_sinkhole.csv",
        "event4_sinkhole_http.csv",
        "botnet_drone.csv",
        "ipblocklist.csv",
    ] {
        let bytes = data(name);
        let via_csv = all(Format::Csv, &bytes);
        // The rows a spreadsheet reader would hand over (no quoted line
        // breaks in these files).
        let text = String::from_utf8(bytes).unwrap();
        let rows = text.lines().enumerate().map(|(i, l)| {
            let mut cells = Vec::new();
            let mut cell = String::new();
            let mut quoted = false;
            for ch in l.chars() {
                match ch {
                    '"' => quoted = !quoted,
                    ',' if !quoted => cells.push(std::mem::take(&mut cell)),
                    c => cell.push(c),
                }
            }
            cells.push(cell);
            (i + 1, cells)
        });
        let via_records: Vec<_> = parse_records(rows).collect();
        assert_eq!(via_records, via_csv, "{name}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn records_agree_with_csv(
        header in proptest::sample::subsequence(vec!["ip", "port", "asn", "malware", "time", "note"], 0..6),
        rows in proptest::collection::vec(proptest::collection::vec("[0-9a-fAS.:# ]{0,12}", 0..7), 0..12),
    ) {
        let mut table = vec![header.iter().map(|h| h.to_string()).collect::<Vec<_>>()];
        table.extend(rows);
        let text: String = table.iter().map(|r| format!("{}\n", r.join(","))).collect();
        let via_csv: Vec<_> = parse(Format::Csv, text.as_bytes()).collect();
        let via_records: Vec<_> =
            parse_records(table.into_iter().enumerate().map(|(i, r)| (i + 1, r))).collect();
        prop_assert_eq!(via_records, via_csv, "{}", text);
    }

    #[test]
    fn records_never_panic(rows in proptest::collection::vec(proptest::collection::vec("\\PC{0,10}", 0..5), 0..10)) {
        let n = rows.len();
        prop_assert!(parse_records(rows.into_iter().enumerate().map(|(i, r)| (i + 1, r))).count() <= n);
    }
}
