use std::io::{Cursor, Read};

use chrono::NaiveDate;
use docgen::{
    read_text, Block, DocError, Letterhead, OfficialDocument, Signature, Table, MOTTO_NATION,
    MOTTO_SLOGAN,
};

fn sample() -> OfficialDocument {
    OfficialDocument {
        letterhead: Letterhead {
            parent_body: Some("UBND tỉnh Sơn Hà".into()),
            issuing_body: "Sở Khoa học và Công nghệ".into(),
            number: Some("12/BC-SKHCN".into()),
            place: "Sơn Hà".into(),
            date: NaiveDate::from_ymd_opt(2025, 1, 5).expect("valid date"),
        },
        kind: "Báo cáo".into(),
        title: "Tình hình mạng botnet tháng 01/2025".into(),
        summary: None,
        recipients: vec!["Cục An toàn thông tin".into()],
        body: vec![
            Block::Heading("I. TÌNH HÌNH CHUNG".into()),
            Block::Paragraph("Trong tháng, hệ thống ghi nhận 1.234 địa chỉ IP.".into()),
            Block::Bullets(vec!["Viettel: 800;".into(), "VNPT: 434.".into()]),
            Block::Table(Table {
                columns: vec!["STT".into(), "Đơn vị".into(), "Số IP".into()],
                rows: vec![
                    vec!["1".into(), "Viettel".into(), "800".into()],
                    vec!["2".into(), "VNPT".into(), "434".into()],
                    vec!["3".into()],
                ],
                widths: Some(vec![1, 5, 2]),
            }),
            Block::Paragraph("Đề nghị các đơn vị xử lý dứt điểm.".into()),
        ],
        recipients_for_filing: vec!["Như trên;".into(), "Lưu: VT, ANTT.".into()],
        signature: Signature {
            capacity: vec!["KT. Giám đốc".into(), "Phó Giám đốc".into()],
            signer: "Nguyễn Văn An".into(),
        },
    }
}

fn document_xml(docx: &[u8]) -> String {
    let mut archive = zip::ZipArchive::new(Cursor::new(docx)).expect("a zip package");
    let mut part = archive.by_name("word/document.xml").expect("main part");
    let mut xml = String::new();
    part.read_to_string(&mut xml).expect("utf-8");
    xml
}

#[test]
fn letterhead_has_issuer_number_motto_and_date() {
    let text = read_text(&sample().to_docx().expect("docx")).expect("readable");
    let letterhead = &text.tables[0];
    assert_eq!(
        letterhead,
        &vec![vec![
            "UBND TỈNH SƠN HÀ\nSỞ KHOA HỌC VÀ CÔNG NGHỆ\nSố: 12/BC-SKHCN".to_string(),
            format!("{MOTTO_NATION}\n{MOTTO_SLOGAN}\nSơn Hà, ngày 05 tháng 01 năm 2025"),
        ]]
    );
}

#[test]
fn paragraphs_come_back_in_order_and_the_signature_last() {
    let text = read_text(&sample().to_docx().expect("docx")).expect("readable");
    assert_eq!(
        text.paragraphs,
        [
            "BÁO CÁO",
            "Tình hình mạng botnet tháng 01/2025",
            "Kính gửi: Cục An toàn thông tin",
            "I. TÌNH HÌNH CHUNG",
            "Trong tháng, hệ thống ghi nhận 1.234 địa chỉ IP.",
            "- Viettel: 800;",
            "- VNPT: 434.",
            "Đề nghị các đơn vị xử lý dứt điểm.",
        ]
    );
    assert_eq!(text.tables.len(), 3);
    assert_eq!(
        text.tables[2],
        vec![vec![
            "Nơi nhận:\n- Như trên;\n- Lưu: VT, ANTT.".to_string(),
            "KT. GIÁM ĐỐC\nPHÓ GIÁM ĐỐC\nNguyễn Văn An".to_string(),
        ]]
    );
    let all = text.all_text();
    assert!(all.starts_with("UBND TỈNH SƠN HÀ\n"));
    assert!(all.contains("\nSTT\nĐơn vị\nSố IP\n1\nViettel\n800\n"));
    assert!(all.ends_with("\nNguyễn Văn An"));
}

#[test]
fn table_cells_come_back_in_order_with_short_rows_padded() {
    let text = read_text(&sample().to_docx().expect("docx")).expect("readable");
    let table = text
        .table_starting_with(&["STT", "Đơn vị"])
        .expect("the data table");
    assert_eq!(
        table,
        &vec![
            vec!["STT", "Đơn vị", "Số IP"],
            vec!["1", "Viettel", "800"],
            vec!["2", "VNPT", "434"],
            vec!["3", "", ""],
        ]
    );
}

#[test]
fn page_layout_follows_decree_30() {
    let xml = document_xml(&sample().to_docx().expect("docx"));
    // A4 and margins 20/20/30/15 mm.
    assert!(xml.contains(r#"w:w="11906" w:h="16838""#), "{xml}");
    for margin in [
        r#"w:top="1134""#,
        r#"w:bottom="1134""#,
        r#"w:left="1701""#,
        r#"w:right="850""#,
    ] {
        assert!(xml.contains(margin), "{margin}");
    }
    // The data table's header row repeats on each page; layout tables have none.
    assert_eq!(xml.matches("<w:tblHeader />").count(), 1);
    assert!(
        xml.contains("<w:titlePg />"),
        "no page number on the first page"
    );
    // The rules under the issuer, the motto and the title are lines, not boxes.
    assert_eq!(xml.matches("<w:pBdr><w:top ").count(), 3);
    assert!(!xml.contains("<w:pBdr><w:left"));
}

#[test]
fn output_is_deterministic() {
    // Same input, same bytes: a filed report can be hashed and compared.
    assert_eq!(
        sample().to_docx().expect("docx"),
        sample().to_docx().expect("docx")
    );
}

#[test]
fn official_letter_puts_the_subject_under_the_number_and_lists_recipients() {
    let mut doc = sample();
    doc.kind = String::new();
    doc.title = String::new();
    doc.summary = Some("phản hồi cảnh báo lỗ hổng".into());
    doc.recipients = vec!["Cục An toàn thông tin;".into(), "Trung tâm NCSC.".into()];
    doc.body = vec![Block::Paragraph("Sở đã vá xong.".into())];
    let text = read_text(&doc.to_docx().expect("docx")).expect("readable");
    assert!(text.tables[0][0][0].ends_with("\nSố: 12/BC-SKHCN\nV/v phản hồi cảnh báo lỗ hổng"));
    assert_eq!(
        text.paragraphs,
        [
            "Kính gửi:",
            "- Cục An toàn thông tin;",
            "- Trung tâm NCSC.",
            "Sở đã vá xong."
        ]
    );
}

#[test]
fn a_long_table_is_written_and_read() {
    let mut doc = sample();
    let rows: Vec<Vec<String>> = (1..=2000)
        .map(|i| {
            vec![
                i.to_string(),
                format!("203.0.{}.{}", i / 256, i % 256),
                format!("Đơn vị số {i}"),
                "Mirai".to_string(),
            ]
        })
        .collect();
    doc.body = vec![Block::Table(Table {
        columns: vec![
            "STT".into(),
            "IP".into(),
            "Chủ sở hữu".into(),
            "Mã độc".into(),
        ],
        rows: rows.clone(),
        widths: None,
    })];
    let docx = doc.to_docx().expect("docx");
    let text = read_text(&docx).expect("readable");
    let table = text.table_starting_with(&["STT", "IP"]).expect("the table");
    assert_eq!(table.len(), 2001);
    assert_eq!(&table[1..], rows.as_slice());
}

/// The `w:gridCol` widths of the n-th table of the body (the letterhead is 0).
fn grid_of(xml: &str, n: usize) -> Vec<f64> {
    let table = xml.split("<w:tbl>").nth(n + 1).expect("the table");
    let grid = table.split("</w:tblGrid>").next().expect("a grid");
    grid.split("<w:gridCol w:w=\"")
        .skip(1)
        .map(|g| {
            g.split('"')
                .next()
                .expect("a width")
                .parse()
                .expect("twips")
        })
        .collect()
}

/// Times New Roman's advance widths at 12 pt in twips, roughly and from
/// below: a column narrower than this breaks the word.
fn at_least(word: &str) -> f64 {
    word.chars()
        .map(|c| match c {
            '0'..='9' | '/' => 120.0,
            'i' | 'l' | '.' | ' ' => 66.0,
            'm' | 'M' | 'W' => 200.0,
            c if c.is_uppercase() => 160.0,
            _ => 106.0,
        })
        .sum::<f64>()
        + 2.0 * 108.0 // the cell's left and right padding
}

#[test]
fn columns_are_as_wide_as_their_longest_word_and_fill_the_text_width() {
    let mut doc = sample();
    let columns: Vec<String> = [
        "Đơn vị",
        "Số IP",
        "Mới",
        "Tiếp tục",
        "Tái nhiễm",
        "Đã xử lý",
        "Ngày báo cáo",
        "Ghi chú",
    ]
    .iter()
    .map(|c| c.to_string())
    .collect();
    let row = |org: &str| {
        vec![
            org.to_string(),
            "12.345".into(),
            "7".into(),
            "3".into(),
            "1".into(),
            "2".into(),
            "07/12/2026".into(),
            "Đã gỡ mã độc, đang theo dõi".into(),
        ]
    };
    doc.body = vec![Block::Table(Table {
        columns: columns.clone(),
        rows: vec![
            row("Sở Tài nguyên và Môi trường"),
            row("Trung tâm Công nghệ thông tin và Truyền thông"),
        ],
        // Equal weights would give 07/12/2026 too little room.
        widths: Some(vec![30, 10, 10, 10, 10, 10, 10, 10]),
    })];
    let xml = document_xml(&doc.to_docx().expect("docx"));
    let grid = grid_of(&xml, 1);
    assert_eq!(grid.len(), 8);
    // A4 less the 30 mm and 15 mm margins.
    assert_eq!(grid.iter().sum::<f64>(), 11906.0 - 1701.0 - 850.0);
    for (i, word) in [
        (0, "Truyền"),
        (1, "12.345"),
        (3, "Tiếp"),
        (4, "nhiễm"),
        (6, "07/12/2026"),
        (6, "Ngày"),
    ] {
        assert!(
            grid[i] >= at_least(word),
            "column {i} is {} twips, {word:?} needs {}: {grid:?}",
            grid[i],
            at_least(word)
        );
    }
    // Each cell says its column's width too.
    let cells: Vec<f64> = xml
        .split("<w:tcW w:w=\"")
        .skip(1)
        .map(|c| c.split('"').next().unwrap().parse().unwrap())
        .collect();
    assert!(cells.windows(8).any(|w| w == grid.as_slice()), "{cells:?}");
}

#[test]
fn a_table_too_wide_for_12_pt_is_set_smaller_rather_than_breaking_words() {
    let mut doc = sample();
    let columns: Vec<String> = (1..=11).map(|i| format!("Cột{i}")).collect();
    let row: Vec<String> = (1..=11).map(|_| "07/12/2026".to_string()).collect();
    doc.body = vec![Block::Table(Table {
        columns,
        rows: vec![row],
        widths: None,
    })];
    let xml = document_xml(&doc.to_docx().expect("docx"));
    // 11 dates at 12 pt need more than the text width; at 10 pt they fit.
    assert!(xml.contains("<w:sz w:val=\"20\" />"), "10 pt cells");
    let grid = grid_of(&xml, 1);
    assert_eq!(grid.iter().sum::<f64>(), 11906.0 - 1701.0 - 850.0);
}

#[test]
fn the_last_paragraph_is_kept_with_the_signature_block() {
    let xml = document_xml(&sample().to_docx().expect("docx"));
    // Each piece ends with one paragraph's end (tables aside).
    let paragraphs: Vec<&str> = xml.split("</w:p>").collect();
    let last = paragraphs
        .iter()
        .find(|p| p.contains("Đề nghị các đơn vị xử lý dứt điểm."))
        .expect("the last paragraph");
    assert!(
        last.contains("<w:keepNext />") && last.contains("<w:keepLines />"),
        "{last}"
    );
    // The spacer between it and the signature table too.
    let at = paragraphs
        .iter()
        .position(|p| p.contains("Đề nghị các đơn vị"))
        .unwrap();
    assert!(!paragraphs[at + 1].contains("<w:t"), "the spacer is empty");
    assert!(
        paragraphs[at + 1].contains("<w:keepNext />"),
        "{}",
        paragraphs[at + 1]
    );
    // No other body paragraph is held.
    let first = paragraphs
        .iter()
        .find(|p| p.contains("Trong tháng, hệ thống ghi nhận"))
        .unwrap();
    let first = first.rsplit("<w:p").next().unwrap();
    assert!(!first.contains("<w:keepNext />"), "{first}");
}

#[test]
fn as_above_is_filed_only_when_there_is_an_addressee() {
    let with = read_text(&sample().to_docx().unwrap()).unwrap();
    assert!(with.all_text().contains("- Như trên;"));
    let mut doc = sample();
    doc.recipients.clear();
    let without = read_text(&doc.to_docx().unwrap()).unwrap();
    let text = without.all_text();
    assert!(!text.contains("Như trên"), "{text}");
    assert!(text.contains("- Lưu: VT, ANTT."));
}

#[test]
fn tables_that_follow_each_other_stay_apart() {
    let mut doc = sample();
    doc.kind = String::new();
    doc.title = String::new();
    doc.recipients = vec![];
    let table = |name: &str| {
        Block::Table(Table {
            columns: vec![name.into()],
            rows: vec![vec!["1".into()]],
            widths: None,
        })
    };
    doc.body = vec![table("A"), Block::Bullets(vec![]), table("B")];
    let docx = doc.to_docx().expect("docx");
    let text = read_text(&docx).expect("readable");
    assert_eq!(text.tables.len(), 4);
    assert_eq!(text.tables[1], vec![vec!["A"], vec!["1"]]);
    assert_eq!(text.tables[2], vec![vec!["B"], vec!["1"]]);
    assert!(!document_xml(&docx).contains("</w:tbl><w:tbl>"));
}

#[test]
fn bad_tables_are_refused() {
    let mut doc = sample();
    doc.body = vec![
        Block::Paragraph("x".into()),
        Block::Table(Table {
            columns: vec!["A".into()],
            rows: vec![vec!["1".into(), "2".into()]],
            widths: None,
        }),
    ];
    assert!(matches!(
        doc.to_docx(),
        Err(DocError::BadTable { block: 1, .. })
    ));
    doc.body = vec![Block::Table(Table::default())];
    assert!(matches!(
        doc.to_docx(),
        Err(DocError::BadTable { block: 0, .. })
    ));
    doc.body = vec![Block::Table(Table {
        columns: vec!["A".into(), "B".into()],
        rows: vec![],
        widths: Some(vec![1]),
    })];
    assert!(doc.to_docx().is_err());
}

#[test]
fn garbage_is_an_error_not_a_panic() {
    assert!(matches!(read_text(b"not a zip"), Err(DocError::NotDocx(_))));
    assert!(read_text(&[]).is_err());
}

/// Writes the sample for a look in Word or LibreOffice:
/// `DOCGEN_SAMPLE=/tmp/sample.docx cargo test -p docgen --test layout`.
#[test]
fn write_sample_when_asked() {
    if let Ok(path) = std::env::var("DOCGEN_SAMPLE") {
        std::fs::write(path, sample().to_docx().expect("docx")).expect("writable");
    }
}
