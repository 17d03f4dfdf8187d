//! Charts: the SVG on its own, and in a DOCX as a PNG picture carrying the
//! SVG in Word 2016's extension, with a caption that reads back.

use std::collections::HashMap;
use std::io::{Cursor, Read};

use chrono::NaiveDate;
use docgen::chart::format_value;
use docgen::{
    read_text, Block, Chart, ChartKind, Comparison, Letterhead, OfficialDocument, Signature, Table,
};
use proptest::prelude::*;
use quick_xml::events::Event;
use quick_xml::reader::Reader;

fn report(body: Vec<Block>) -> OfficialDocument {
    OfficialDocument {
        letterhead: Letterhead {
            parent_body: Some("UBND tỉnh Sơn Hà".into()),
            issuing_body: "Sở Khoa học và Công nghệ".into(),
            number: Some("45/BC-SKHCN".into()),
            place: "Sơn Hà".into(),
            date: NaiveDate::from_ymd_opt(2025, 7, 10).expect("valid date"),
        },
        kind: "Báo cáo".into(),
        title: "Tình hình an toàn thông tin 6 tháng đầu năm 2025".into(),
        summary: None,
        recipients: vec!["Cục An toàn thông tin".into()],
        body,
        recipients_for_filing: vec!["Như trên;".into(), "Lưu: VT, ANTT.".into()],
        signature: Signature {
            capacity: vec!["Giám đốc".into()],
            signer: "Nguyễn Văn An".into(),
        },
    }
}

fn monthly() -> Chart {
    Chart::columns(
        "Số địa chỉ IP bị nhiễm mã độc theo tháng",
        [
            ("T1", 1234),
            ("T2", 987),
            ("T3", 1502),
            ("T4", 0),
            ("T5", 640),
            ("T6", 12),
        ],
    )
    .unit("địa chỉ IP")
}

fn by_operator() -> Chart {
    Chart::bars(
        "Lỗ hổng theo nhà mạng",
        [
            ("Viettel", 42),
            ("VNPT", 17),
            ("FPT Telecom", 5),
            ("MobiFone", -3),
        ],
    )
    .compare("Phát hiện", "Đã khắc phục", vec![30, 17])
}

fn two_charts() -> OfficialDocument {
    report(vec![
        Block::Heading("I. TÌNH HÌNH CHUNG".into()),
        Block::Paragraph("Trong 6 tháng, hệ thống ghi nhận 4.375 địa chỉ IP.".into()),
        Block::Chart(monthly()),
        Block::Table(Table {
            columns: vec!["Tháng".into(), "Số IP".into()],
            rows: vec![vec!["T1".into(), "1234".into()]],
            widths: None,
        }),
        Block::Heading("II. LỖ HỔNG".into()),
        Block::Chart(by_operator()),
        Block::Paragraph("Đề nghị các đơn vị khắc phục.".into()),
    ])
}

fn parts(docx: &[u8]) -> HashMap<String, Vec<u8>> {
    let mut archive = zip::ZipArchive::new(Cursor::new(docx)).expect("a zip package");
    (0..archive.len())
        .map(|i| {
            let mut part = archive.by_index(i).expect("a part");
            let mut bytes = Vec::new();
            part.read_to_end(&mut bytes).expect("readable");
            (part.name().to_owned(), bytes)
        })
        .collect()
}

fn text(parts: &HashMap<String, Vec<u8>>, name: &str) -> String {
    String::from_utf8(parts.get(name).unwrap_or_else(|| panic!("{name}")).clone()).expect("UTF-8")
}

/// Extension → content type, from the `Default` elements of `[Content_Types].xml`.
fn content_type_defaults(types: &str) -> HashMap<String, String> {
    let mut reader = Reader::from_str(types);
    let mut out = HashMap::new();
    loop {
        match reader.read_event().expect("well-formed") {
            Event::Start(e) | Event::Empty(e) if e.local_name().as_ref() == b"Default" => {
                let get = |name: &[u8]| {
                    e.attributes()
                        .flatten()
                        .find(|a| a.key.as_ref() == name)
                        .map(|a| String::from_utf8_lossy(&a.value).into_owned())
                        .expect("attribute")
                };
                let extension = get(b"Extension");
                assert!(
                    out.insert(extension.to_ascii_lowercase(), get(b"ContentType"))
                        .is_none(),
                    "{extension} declared twice"
                );
            }
            Event::Eof => return out,
            _ => {}
        }
    }
}

/// Parses `xml` fully (names, attributes, entities) and checks that its
/// elements nest and close under one root; returns the element names.
fn well_formed(xml: &str) -> Result<Vec<String>, String> {
    let mut reader = Reader::from_str(xml);
    let mut open = Vec::new();
    let mut names = Vec::new();
    let mut roots = 0;
    loop {
        match reader.read_event().map_err(|e| e.to_string())? {
            Event::Start(e) | Event::Empty(e) if open.is_empty() && roots > 0 => {
                return Err(format!("second root {:?}", e.name()));
            }
            Event::Start(e) => {
                check_attributes(&e)?;
                if open.is_empty() {
                    roots += 1;
                }
                let name = String::from_utf8_lossy(e.name().as_ref()).into_owned();
                names.push(name.clone());
                open.push(name);
            }
            Event::Empty(e) => {
                check_attributes(&e)?;
                if open.is_empty() {
                    roots += 1;
                }
                names.push(String::from_utf8_lossy(e.name().as_ref()).into_owned());
            }
            Event::End(e) => {
                let name = String::from_utf8_lossy(e.name().as_ref()).into_owned();
                if open.pop().as_deref() != Some(name.as_str()) {
                    return Err(format!("</{name}> closes nothing open"));
                }
            }
            Event::Text(t) => {
                if open.is_empty() && !t.iter().all(u8::is_ascii_whitespace) {
                    return Err("text outside the root".into());
                }
                t.decode().map_err(|e| e.to_string())?;
            }
            Event::GeneralRef(r) => {
                let name = r.decode().map_err(|e| e.to_string())?;
                let known = r.resolve_char_ref().map_err(|e| e.to_string())?.is_some()
                    || quick_xml::escape::resolve_predefined_entity(&name).is_some();
                if !known {
                    return Err(format!("unknown entity &{name};"));
                }
            }
            Event::DocType(_) => return Err("unexpected DOCTYPE".into()),
            Event::Eof => break,
            _ => {}
        }
    }
    if !open.is_empty() || roots != 1 {
        return Err(format!("{} elements left open, {roots} roots", open.len()));
    }
    // quick-xml is not a validating parser: check the production `Char`.
    if let Some(c) = xml.chars().find(|&c| {
        !matches!(c, '\t' | '\n' | '\r' | ' '..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
    }) {
        return Err(format!("character {c:?} that XML 1.0 forbids"));
    }
    Ok(names)
}

fn check_attributes(e: &quick_xml::events::BytesStart<'_>) -> Result<(), String> {
    // With checks, a repeated attribute is an error too.
    for attribute in e.attributes().with_checks(true) {
        let attribute = attribute.map_err(|e| e.to_string())?;
        attribute
            .decoded_and_normalized_value(quick_xml::XmlVersion::Implicit1_0, e.decoder())
            .map_err(|e| e.to_string())?;
    }
    Ok(())
}

#[test]
fn two_charts_round_trip_with_their_captions() {
    let docx = two_charts().to_docx().expect("docx");
    let read = read_text(&docx).expect("readable");
    assert_eq!(read.pictures, 2);
    let captions: Vec<&String> = read
        .paragraphs
        .iter()
        .filter(|p| p.starts_with("Biểu đồ"))
        .collect();
    assert_eq!(
        captions,
        [
            "Biểu đồ 1: Số địa chỉ IP bị nhiễm mã độc theo tháng",
            "Biểu đồ 2: Lỗ hổng theo nhà mạng"
        ]
    );
    // The body around the charts is as before: paragraphs in order, the
    // table between the charts, the signature last.
    let body: Vec<&str> = read.paragraphs.iter().map(String::as_str).collect();
    assert_eq!(
        body[body.len() - 6..],
        [
            "I. TÌNH HÌNH CHUNG",
            "Trong 6 tháng, hệ thống ghi nhận 4.375 địa chỉ IP.",
            "Biểu đồ 1: Số địa chỉ IP bị nhiễm mã độc theo tháng",
            "II. LỖ HỔNG",
            "Biểu đồ 2: Lỗ hổng theo nhà mạng",
            "Đề nghị các đơn vị khắc phục.",
        ]
    );
    assert!(read.table_starting_with(&["Tháng", "Số IP"]).is_some());
    assert_eq!(read.tables.len(), 3);

    // A document without charts has none.
    let plain = report(vec![Block::Paragraph("x".into())])
        .to_docx()
        .expect("docx");
    assert_eq!(read_text(&plain).expect("readable").pictures, 0);
}

#[test]
fn the_package_holds_png_and_svg_parts_typed_and_referenced() {
    let docx = two_charts().to_docx().expect("docx");
    let parts = parts(&docx);
    for n in 1..=2 {
        let png = &parts[&format!("word/media/chart{n}.png")];
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        let svg = text(&parts, &format!("word/media/chart{n}.svg"));
        assert!(svg.contains("<svg xmlns=\"http://www.w3.org/2000/svg\""));
        well_formed(&svg).expect("the SVG part is well-formed");
    }

    let types = text(&parts, "[Content_Types].xml");
    well_formed(&types).expect("content types well-formed");
    let defaults = content_type_defaults(&types);
    assert_eq!(
        defaults.get("svg").map(String::as_str),
        Some("image/svg+xml")
    );
    assert_eq!(defaults.get("png").map(String::as_str), Some("image/png"));

    let rels = text(&parts, "word/_rels/document.xml.rels");
    well_formed(&rels).expect("relationships well-formed");
    let image = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/image";
    for (id, target) in [
        ("chart1", "media/chart1.png"),
        ("chart1svg", "media/chart1.svg"),
        ("chart2", "media/chart2.png"),
        ("chart2svg", "media/chart2.svg"),
    ] {
        assert!(
            rels.contains(&format!(
                r#"<Relationship Id="{id}" Type="{image}" Target="{target}" />"#
            )),
            "{id} → {target} in {rels}"
        );
    }

    let document = text(&parts, "word/document.xml");
    well_formed(&document).expect("document well-formed");
    for n in 1..=2 {
        let blip = format!(
            r#"<a:blip r:embed="chart{n}"><a:extLst><a:ext uri="{{96DAC541-7B7A-43D3-8B79-37D633B846F1}}"><asvg:svgBlip xmlns:asvg="http://schemas.microsoft.com/office/drawing/2016/SVG/main" r:embed="chart{n}svg"/></a:ext></a:extLst></a:blip>"#
        );
        assert!(document.contains(&blip), "chart {n}'s blip in {document}");
        assert!(document.contains(&format!(r#"<wp:docPr id="{n}" name="Biểu đồ {n}" descr=""#)));
    }
    // Inline, 15 cm wide, in a centred paragraph.
    assert_eq!(document.matches("<wp:inline").count(), 2);
    assert_eq!(
        document.matches(r#"<wp:extent cx="5400000" cy=""#).count(),
        2
    );
    // Alternative text carries the data for screen readers.
    assert!(document.contains("descr=\"Số địa chỉ IP bị nhiễm mã độc theo tháng. Đơn vị tính: địa chỉ IP. T1: 1.234; T2: 987"));
}

#[test]
fn output_with_charts_is_deterministic() {
    assert_eq!(
        two_charts().to_docx().expect("docx"),
        two_charts().to_docx().expect("docx")
    );
}

/// A picture as Word 2016 saves one, inside `mc:AlternateContent` with a VML
/// fallback, beside a picture alone: two pictures, each counted once.
#[test]
fn pictures_saved_by_word_are_counted_once() {
    let picture = r#"<w:drawing><wp:inline><wp:extent cx="1" cy="1"/><wp:docPr id="1" name="x"/><a:graphic><a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/picture"><pic:pic><pic:nvPicPr><pic:cNvPr id="0" name="x.svg"/><pic:cNvPicPr/></pic:nvPicPr><pic:blipFill><a:blip r:embed="rId4"/></pic:blipFill><pic:spPr/></pic:pic></a:graphicData></a:graphic></wp:inline></w:drawing>"#;
    let document = format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" xmlns:pic="http://schemas.openxmlformats.org/drawingml/2006/picture" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" xmlns:v="urn:schemas-microsoft-com:vml"><w:body>
<w:p><w:r><mc:AlternateContent><mc:Choice Requires="wps">{picture}</mc:Choice><mc:Fallback>{picture}<w:pict><v:shape><v:imagedata r:id="rId4"/></v:shape></w:pict></mc:Fallback></mc:AlternateContent></w:r></w:p>
<w:p><w:r>{picture}</w:r></w:p>
<w:p><w:r><w:t>Hình 1</w:t></w:r></w:p>
</w:body></w:document>"#
    );
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    zip.start_file(
        "word/document.xml",
        zip::write::SimpleFileOptions::default(),
    )
    .expect("zip");
    std::io::Write::write_all(&mut zip, document.as_bytes()).expect("zip");
    let docx = zip.finish().expect("zip").into_inner();
    let read = read_text(&docx).expect("readable");
    assert_eq!(read.pictures, 2);
    assert_eq!(read.paragraphs, ["Hình 1"]);
}

#[test]
fn identical_charts_still_get_a_picture_each() {
    // Same bars, so the same PNG, which docx-rs stores once.
    let a = Chart::bars("A", [("x", 1), ("y", 2)]);
    let b = Chart {
        title: "B".into(),
        ..a.clone()
    };
    let docx = report(vec![Block::Chart(a), Block::Chart(b)])
        .to_docx()
        .expect("docx");
    let read = read_text(&docx).expect("readable");
    assert_eq!(read.pictures, 2);
    assert!(read.paragraphs.contains(&"Biểu đồ 2: B".to_string()));
    let parts = parts(&docx);
    assert!(parts.contains_key("word/media/chart2.svg"));
    well_formed(&text(&parts, "word/document.xml")).expect("well-formed");
}

#[test]
fn the_svg_carries_every_value_as_text() {
    let svg = monthly().to_svg();
    let names = well_formed(&svg).expect("well-formed");
    assert_eq!(names.first().map(String::as_str), Some("svg"));
    assert_eq!(names.get(1).map(String::as_str), Some("title"));
    assert!(svg.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\""));
    assert!(svg.contains(r#"version="1.1""#));
    assert!(svg.contains(r#"viewBox="0 0 "#) && svg.contains(r#" width="800""#));
    assert!(svg.contains(r#"font-family="Times New Roman, serif""#));
    assert!(svg.contains("<title>Số địa chỉ IP bị nhiễm mã độc theo tháng</title>"));
    assert!(svg.contains(">Đơn vị tính: địa chỉ IP</text>"));
    for (label, value) in &monthly().series {
        assert!(svg.contains(&format!(">{label}</text>")), "{label}");
        assert!(
            svg.contains(&format!(">{}</text>", format_value(*value))),
            "{value}"
        );
    }
    assert!(svg.contains(">1.234</text>") && svg.contains(">0</text>"));
    assert!(!svg.contains("<script") && !svg.contains("href") && !svg.contains("@font-face"));

    // Two series: both values of each label, "–" where the second is
    // missing, a negative value, and the legend.
    let svg = by_operator().to_svg();
    well_formed(&svg).expect("well-formed");
    for value in ["42", "17", "5", "-3", "30", "–"] {
        assert!(svg.contains(&format!(">{value}</text>")), "{value}");
    }
    assert!(svg.contains(">Phát hiện</text>") && svg.contains(">Đã khắc phục</text>"));
}

#[test]
fn an_empty_chart_says_there_is_no_data() {
    for kind in [ChartKind::Bars, ChartKind::Columns] {
        let chart = Chart {
            title: "Trống".into(),
            kind,
            ..Chart::default()
        };
        let svg = chart.to_svg();
        well_formed(&svg).expect("well-formed");
        assert!(svg.contains(">Không có số liệu</text>"));
    }
    // In a document, a chart with nothing to show is one sentence, and the
    // next chart is still "Biểu đồ 1".
    let zeros = Chart::columns("Địa chỉ tái nhiễm theo tháng", [("T1", 0), ("T2", 0)]).compare(
        "Phát hiện",
        "Tái nhiễm",
        vec![0, 0],
    );
    let docx = report(vec![
        Block::Chart(Chart::default()),
        Block::Chart(zeros),
        Block::Chart(monthly()),
    ])
    .to_docx()
    .expect("docx");
    let read = read_text(&docx).expect("readable");
    assert_eq!(read.pictures, 1);
    assert!(read
        .paragraphs
        .contains(&"Không có số liệu khác 0 để vẽ biểu đồ.".to_string()));
    assert!(read.paragraphs.contains(
        &"Không có số liệu khác 0 để vẽ biểu đồ \u{201c}Địa chỉ tái nhiễm theo tháng\u{201d}."
            .to_string()
    ));
    assert!(read.paragraphs.iter().any(|p| p.starts_with("Biểu đồ 1: ")));
    assert!(!read.paragraphs.iter().any(|p| p.starts_with("Biểu đồ 2")));
    // One value other than zero, even in the second series, is a chart.
    assert!(!Chart::bars("x", [("a", 0)])
        .compare("p", "q", vec![3])
        .is_blank());
    assert!(Chart::bars("x", [("a", 0)])
        .compare("p", "q", vec![0, 5])
        .is_blank());
}

#[test]
fn labels_are_escaped_and_long_ones_cut() {
    let long =
        "Trung tâm Giám sát, điều hành đô thị thông minh tỉnh Sơn Hà và các đơn vị trực thuộc";
    let longer = format!("{long}, {long}, {long}");
    let chart = Chart::bars(
        "<R&D> \"quý\" 'I'",
        [
            ("<script>alert(1)</script>", 1),
            (long, 2),
            ("a&b", 3),
            (&longer, 4),
        ],
    );
    let svg = chart.to_svg();
    well_formed(&svg).expect("well-formed");
    assert!(!svg.contains("<script>"));
    assert!(svg.contains("&lt;script&gt;"));
    assert!(svg.contains(">a&amp;b</text>"));
    assert!(svg.contains("<title>&lt;R&amp;D&gt; &quot;quý&quot; &apos;I&apos;</title>"));
    // A long label wraps over lines, every word drawn; one longer than
    // three lines is cut; both whole in their tooltips.
    let drawn: Vec<&str> = svg
        .split("</text>")
        .filter_map(|t| t.rsplit('>').next())
        .collect();
    assert!(!svg.contains(&format!(">{long}</text>")));
    let joined = drawn.join(" ");
    assert!(joined.contains("Trung tâm Giám sát, điều hành"), "{joined}");
    assert!(joined.contains("các đơn vị trực thuộc"), "{joined}");
    assert_eq!(svg.matches("…</text>").count(), 1, "{svg}");
    assert!(svg.contains(&format!("<title>{long}: 2</title>")));
    assert!(svg.contains(&format!("<title>{longer}: 4</title>")));
}

#[test]
fn many_columns_and_huge_values_stay_inside_the_picture() {
    let chart = Chart::columns(
        "Theo tuần",
        (1..=52).map(|w| (format!("Tuần {w}/2025"), i64::MAX / w)),
    )
    .compare("A", "B", (1..=52).map(|w| -w * 1_000_000).collect());
    let svg = chart.to_svg();
    well_formed(&svg).expect("well-formed");
    let width: f64 = attribute(&svg, "width");
    let height: f64 = attribute(&svg, "height");
    // Every x and y drawn lies inside the picture.
    for name in ["x", "y", "x1", "x2", "y1", "y2"] {
        for value in values_of(&svg, name) {
            let limit = if name.starts_with('x') { width } else { height };
            assert!(
                (0.0..=limit).contains(&value),
                "{name}={value} outside 0..{limit}"
            );
        }
    }
}

fn attribute(svg: &str, name: &str) -> f64 {
    values_of(svg, name)[0]
}

fn values_of(svg: &str, name: &str) -> Vec<f64> {
    let needle = format!(" {name}=\"");
    svg.match_indices(&needle)
        .map(|(i, _)| {
            let rest = &svg[i + needle.len()..];
            rest[..rest.find('"').expect("closing quote")]
                .parse()
                .expect("a number")
        })
        .collect()
}

fn troublesome_char() -> impl Strategy<Value = char> {
    prop_oneof![
        3 => any::<char>(),
        2 => prop::sample::select(vec![
            '<', '>', '&', '"', '\'', ';', '\0', '\u{1}', '\u{b}', '\u{1b}', '\u{7f}', '\u{85}',
            '\r', '\n', '\t', ' ', '\u{a0}', '\u{fffe}', '\u{ffff}', '\u{feff}', '\u{2028}',
            '\u{300}', '\u{323}', '\u{200d}', 'ơ', 'Ạ', 'đ', '😀', '…', ']',
        ]),
        2 => prop::char::range('a', 'z'),
    ]
}

fn label() -> impl Strategy<Value = String> {
    prop::collection::vec(troublesome_char(), 0..40).prop_map(|c| c.into_iter().collect())
}

fn value() -> impl Strategy<Value = i64> {
    prop_oneof![
        any::<i64>(),
        -1000i64..1000,
        Just(0),
        Just(i64::MIN),
        Just(i64::MAX),
    ]
}

fn chart() -> impl Strategy<Value = Chart> {
    (
        label(),
        prop_oneof![Just(ChartKind::Bars), Just(ChartKind::Columns)],
        prop::collection::vec((label(), value()), 0..30),
        prop::option::of(label()),
        prop::option::of((label(), label(), prop::collection::vec(value(), 0..35))),
    )
        .prop_map(|(title, kind, series, unit, compare)| Chart {
            title,
            kind,
            series,
            unit,
            compare: compare.map(|(a, b, values)| Comparison {
                legend: [a, b],
                values,
            }),
        })
}

proptest! {
    #[test]
    fn any_chart_is_a_well_formed_svg(chart in chart()) {
        let svg = chart.to_svg();
        let names = well_formed(&svg).map_err(TestCaseError::fail)?;
        prop_assert_eq!(names.first().map(String::as_str), Some("svg"));
        // No coordinate is a non-number (labels may say anything, so only
        // attribute values are looked at).
        for bad in ["=\"NaN", "=\"inf", "=\"-inf", "=\"-NaN"] {
            prop_assert!(!svg.contains(bad), "{} in the SVG", bad);
        }
        // Every value is written, as text, on the picture.
        for (_, value) in &chart.series {
            let shown = format!(">{}</text>", format_value(*value));
            prop_assert!(svg.contains(&shown), "{} missing", shown);
        }
        if chart.series.is_empty() {
            prop_assert!(svg.contains("Không có số liệu"));
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]
    #[test]
    fn any_chart_goes_into_a_document_that_reads_back(chart in chart()) {
        let title = docgen::clean_text(&chart.title);
        prop_assume!(!chart.is_blank());
        let docx = report(vec![Block::Chart(chart)]).to_docx().expect("any chart can be written");
        let parts = parts(&docx);
        well_formed(&text(&parts, "word/document.xml")).map_err(TestCaseError::fail)?;
        well_formed(&text(&parts, "word/media/chart1.svg")).map_err(TestCaseError::fail)?;
        let read = read_text(&docx).expect("readable");
        prop_assert_eq!(read.pictures, 1);
        let caption = if title.trim().is_empty() {
            "Biểu đồ 1".to_string()
        } else {
            format!("Biểu đồ 1: {title}")
        };
        prop_assert!(read.paragraphs.contains(&caption), "{:?} in {:?}", caption, read.paragraphs);
    }
}

/// Writes a report with charts for a look in Word or LibreOffice, and the
/// charts' SVGs beside it:
/// `DOCGEN_CHART_SAMPLE=/tmp/charts.docx cargo test -p docgen --test charts`.
#[test]
fn write_sample_when_asked() {
    if let Ok(path) = std::env::var("DOCGEN_CHART_SAMPLE") {
        std::fs::write(&path, two_charts().to_docx().expect("docx")).expect("writable");
        std::fs::write(format!("{path}.1.svg"), monthly().to_svg()).expect("writable");
        std::fs::write(format!("{path}.2.svg"), by_operator().to_svg()).expect("writable");
    }
}
