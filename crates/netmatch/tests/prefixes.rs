use domain::{Asn, Cidr};
use netmatch::{asn_from_file_name, parse_prefix_csv, parse_prefix_list, LineError, PrefixRow};
use proptest::prelude::*;

fn data(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn c(s: &str) -> Cidr {
    s.parse().unwrap()
}

const LISTS: [(&str, Option<u32>, usize); 7] = [
    ("AS131429-ipv4-aggregated.txt", Some(131429), 27),
    ("AS18403-ipv4-aggregated.txt", Some(18403), 40),
    ("AS24086-ipv4-aggregated.txt", Some(24086), 122),
    ("AS38731-ipv4-aggregated.txt", Some(38731), 20),
    ("AS45899-ipv4-aggregated.txt", Some(45899), 96),
    ("AS7552-ipv4-aggregated.txt", Some(7552), 21),
    ("country-vn-ipv4-aggregated.txt", None, 1179),
];

#[test]
fn real_prefix_lists() {
    for (name, asn, blocks) in LISTS {
        assert_eq!(asn_from_file_name(name), asn.map(Asn), "{name}");
        let bytes = data(name);
        let got: Vec<Cidr> = parse_prefix_list(&bytes[..])
            .map(|r| r.unwrap_or_else(|e| panic!("{name}: {e}")))
            .collect();
        assert_eq!(got.len(), blocks, "{name}");
        // Every non-comment line, in order.
        let lines: Vec<Cidr> = String::from_utf8(bytes)
            .unwrap()
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .map(c)
            .collect();
        assert_eq!(got, lines, "{name}");
    }
    let viettel: Vec<Cidr> = parse_prefix_list(&data("AS7552-ipv4-aggregated.txt")[..])
        .map(Result::unwrap)
        .collect();
    assert_eq!(viettel[0], c("23.36.145.0/24"));
    assert!(viettel.contains(&c("27.64.0.0/12")));
}

#[test]
fn asn_in_file_names() {
    assert_eq!(
        asn_from_file_name("/work/shared/data/prefixes/AS45899-ipv4-aggregated.txt"),
        Some(Asn(45899))
    );
    assert_eq!(asn_from_file_name(r"C:\lists\as7552.txt"), Some(Asn(7552)));
    assert_eq!(asn_from_file_name("AS7552"), Some(Asn(7552)));
    assert_eq!(asn_from_file_name("AS_7552.txt"), None);
    assert_eq!(asn_from_file_name("ASN7552.txt"), None);
    assert_eq!(asn_from_file_name("prefixes/AS.txt"), None);
    assert_eq!(asn_from_file_name("AS99999999999-ipv4.txt"), None);
    assert_eq!(asn_from_file_name("ipv4-AS7552.txt"), None);
    assert_eq!(asn_from_file_name(""), None);
}

#[test]
fn prefix_list_bad_lines_name_their_line() {
    let input = "\u{feff}# AS7552 (VIETEL-AP)\n\n27.64.0.0/12  # core\r\n27.64.0.1/12\nnot a block\n10.0.0.0/33\n2402:800::/32\n1.2.3.4\n";
    let got: Vec<Result<Cidr, LineError>> = parse_prefix_list(input.as_bytes()).collect();
    assert_eq!(got.len(), 6, "{got:#?}");
    assert_eq!(got[0], Ok(c("27.64.0.0/12")));
    let e = got[1].as_ref().unwrap_err();
    assert_eq!((e.line, e.column.as_deref()), (4, Some("prefix")));
    assert!(e.reason.contains("27.64.0.0/12"), "{}", e.reason);
    assert_eq!(got[2].as_ref().unwrap_err().line, 5);
    assert_eq!(got[3].as_ref().unwrap_err().line, 6);
    assert_eq!(got[4], Ok(c("2402:800::/32")));
    assert_eq!(got[5], Ok(c("1.2.3.4/32")));
}

fn rows(input: &str) -> Vec<Result<PrefixRow, LineError>> {
    parse_prefix_csv(input.as_bytes()).collect()
}

#[test]
fn prefix_csv_with_header_and_quotes() {
    let input = "# agency blocks\nprefix,asn,name\n14.177.64.16/28,AS45899,UBND tỉnh\n27.72.10.0/24,7552,\"Trường Chính trị, tỉnh\"\n113.160.0.0/11,45899,\n2402:800::/32,,\n";
    let got = rows(input);
    assert_eq!(
        got[0],
        Ok(PrefixRow {
            line: 3,
            cidr: c("14.177.64.16/28"),
            asn: Some(Asn(45899)),
            name: Some("UBND tỉnh".into()),
        })
    );
    let r = got[1].as_ref().unwrap();
    assert_eq!(r.name.as_deref(), Some("Trường Chính trị, tỉnh"));
    assert_eq!(r.asn, Some(Asn(7552)));
    let r = got[2].as_ref().unwrap();
    assert_eq!((r.line, r.name.as_deref()), (5, None));
    let r = got[3].as_ref().unwrap();
    assert_eq!(
        (r.cidr, r.asn, r.name.as_deref()),
        (c("2402:800::/32"), None, None)
    );
    assert_eq!(got.len(), 4);
}

#[test]
fn prefix_csv_without_header_semicolons_and_tabs() {
    let got = rows("14.160.0.0/11;AS45899;VNPT\n1.52.0.0/14;18403\n");
    let ok: Vec<PrefixRow> = got.into_iter().map(Result::unwrap).collect();
    assert_eq!(ok[0].line, 1);
    assert_eq!(ok[0].name.as_deref(), Some("VNPT"));
    assert_eq!((ok[1].asn, ok[1].name.as_deref()), (Some(Asn(18403)), None));

    let ok: Vec<PrefixRow> = rows("\u{feff}14.160.0.0/11\t45899\tVNPT Corp\n")
        .into_iter()
        .map(Result::unwrap)
        .collect();
    assert_eq!(ok[0].name.as_deref(), Some("VNPT Corp"));
}

#[test]
fn prefix_csv_columns_in_any_order() {
    let input = "Tên;Dải địa chỉ;Ghi chú;AS\nSở Y tế;14.177.64.0/24;x;AS45899\n";
    let r = rows(input).remove(0).unwrap();
    assert_eq!(r.cidr, c("14.177.64.0/24"));
    assert_eq!(r.asn, Some(Asn(45899)));
    assert_eq!(r.name.as_deref(), Some("Sở Y tế"));
}

#[test]
fn prefix_csv_bad_rows_name_line_and_column() {
    let input = "prefix,asn,name\n10.0.0.1/24,1,a\n10.0.0.0/8,ASX,b\n,1,c\n\n192.168.0.0/16\n\"10.1.0.0/16\",\"AS 1\",d\n";
    let got = rows(input);
    assert_eq!(got.len(), 5, "{got:#?}");
    let e = got[0].as_ref().unwrap_err();
    assert_eq!((e.line, e.column.as_deref()), (2, Some("prefix")));
    assert!(e.reason.contains("10.0.0.0/24"), "{}", e.reason);
    let e = got[1].as_ref().unwrap_err();
    assert_eq!((e.line, e.column.as_deref()), (3, Some("asn")));
    let e = got[2].as_ref().unwrap_err();
    assert_eq!((e.line, e.column.as_deref()), (4, Some("prefix")));
    assert!(e.reason.contains("empty"), "{}", e.reason);
    // A row with the prefix alone is fine: AS number and name may be missing.
    assert_eq!(got[3].as_ref().unwrap().line, 6);
    let e = got[4].as_ref().unwrap_err();
    assert_eq!((e.line, e.column.as_deref()), (7, Some("asn")));

    // Without a header the columns are named by position.
    let got = rows("10.0.0.0/8,AS7552,x\nfoo/8,1,y\n");
    let e = got[1].as_ref().unwrap_err();
    assert_eq!((e.line, e.column.as_deref()), (2, Some("prefix")));
}

#[test]
fn prefix_csv_without_prefix_column_is_one_error() {
    let got = rows("name,asn\nVNPT,45899\n");
    assert_eq!(got.len(), 1);
    let e = got[0].as_ref().unwrap_err();
    assert_eq!(e.line, 1);
    assert!(e.reason.contains("name, asn"), "{}", e.reason);
    assert!(rows("").is_empty());
    assert!(rows("# only a comment\n\n").is_empty());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn prefix_readers_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let lines = bytes.iter().filter(|&&b| b == b'\n').count() + 1;
        prop_assert!(parse_prefix_list(&bytes[..]).count() <= lines);
        prop_assert!(parse_prefix_csv(&bytes[..]).count() <= lines);
        let _ = asn_from_file_name(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn near_valid_prefix_csv_never_panics(
        rows in proptest::collection::vec("[0-9a-fAS./:,;\"#\t \n\r]{0,30}", 0..15),
        header in any::<bool>(),
    ) {
        let text = format!("{}{}", if header { "prefix,asn,name\n" } else { "" }, rows.join("\n"));
        for r in parse_prefix_csv(text.as_bytes()) {
            if let Err(e) = r {
                prop_assert!(e.line >= 1);
            }
        }
    }
}
