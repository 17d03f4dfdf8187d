//! Reading files canhgac did not write. LibreOffice is not installed where
//! these tests run, so the document part below is written by hand after what
//! Word and LibreOffice produce: runs split mid-word, tab stops in paragraph
//! properties, fields, tracked changes, content controls, a text box stored
//! twice (DrawingML and its VML fallback), merged cells and a nested table.

use std::io::{Cursor, Write};

use docgen::{read_text, DocError};

const DOCUMENT: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document xmlns:wpc="http://schemas.microsoft.com/office/word/2010/wordprocessingCanvas"
 xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006"
 xmlns:o="urn:schemas-microsoft-com:office:office"
 xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"
 xmlns:v="urn:schemas-microsoft-com:vml"
 xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"
 xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"
 xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape"
 xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"
 mc:Ignorable="w14 wp14"><w:body>
<w:p><w:pPr><w:pStyle w:val="Normal"/><w:tabs><w:tab w:val="left" w:pos="720"/></w:tabs><w:jc w:val="center"/><w:rPr><w:b/></w:rPr></w:pPr>
  <w:bookmarkStart w:id="0" w:name="_GoBack"/><w:r><w:rPr><w:b/></w:rPr><w:t>BÁO</w:t></w:r><w:r><w:rPr><w:b/></w:rPr><w:t xml:space="preserve"> CÁO</w:t></w:r><w:bookmarkEnd w:id="0"/></w:p>
<w:p><w:proofErr w:type="spellStart"/><w:r><w:t>Tổng</w:t></w:r><w:proofErr w:type="spellEnd"/><w:r><w:t xml:space="preserve"> số:</w:t></w:r><w:r><w:tab/><w:t>1.234</w:t></w:r><w:r><w:br/><w:t>R&amp;D &lt;ok&gt; &#x1EA1;&#233;</w:t></w:r></w:p>
<w:p><w:r><w:t xml:space="preserve">Xem </w:t></w:r><w:hyperlink r:id="rId9"><w:r><w:rPr><w:rStyle w:val="Hyperlink"/></w:rPr><w:t>trang web</w:t></w:r></w:hyperlink><w:r><w:t xml:space="preserve">, trang </w:t></w:r><w:fldSimple w:instr=" PAGE "><w:r><w:t>3</w:t></w:r></w:fldSimple><w:r><w:t xml:space="preserve">, ngày </w:t></w:r><w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText xml:space="preserve"> DATE \@ "dd/MM/yyyy" </w:instrText></w:r><w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>05/01/2025</w:t></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r></w:p>
<w:p><w:r><w:t xml:space="preserve">Đã vá </w:t></w:r><w:del w:id="1" w:author="A"><w:r><w:delText>3</w:delText></w:r></w:del><w:ins w:id="2" w:author="A"><w:r><w:t>4</w:t></w:r></w:ins><w:r><w:t xml:space="preserve"> máy</w:t></w:r><w:r><w:sym w:font="Wingdings" w:char="F0E0"/></w:r><w:r><w:noBreakHyphen/><w:t>x</w:t></w:r></w:p>
<w:sdt><w:sdtPr><w:alias w:val="Số"/></w:sdtPr><w:sdtContent><w:p><w:r><w:t>Trong điều khiển</w:t></w:r></w:p></w:sdtContent></w:sdt>
<w:p><w:r><w:lastRenderedPageBreak/><w:br w:type="page"/></w:r><w:r><w:t>Trang sau</w:t></w:r>
  <w:r><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing><wp:anchor><a:graphic><a:graphicData><wps:wsp><wps:txbx><w:txbxContent><w:p><w:r><w:t>Hộp chữ</w:t></w:r></w:p></w:txbxContent></wps:txbx></wps:wsp></a:graphicData></a:graphic></wp:anchor></w:drawing></mc:Choice>
  <mc:Fallback><w:pict><v:shape><v:textbox><w:txbxContent><w:p><w:r><w:t>Hộp chữ</w:t></w:r></w:p></w:txbxContent></v:textbox></v:shape></w:pict></mc:Fallback></mc:AlternateContent></w:r></w:p>
<w:p/>
<w:p><w:pPr><w:spacing w:after="0"/></w:pPr></w:p>
<w:tbl><w:tblPr><w:tblStyle w:val="TableGrid"/><w:tblW w:w="0" w:type="auto"/></w:tblPr><w:tblGrid><w:gridCol w:w="3000"/><w:gridCol w:w="3000"/><w:gridCol w:w="3000"/></w:tblGrid>
 <w:tr><w:trPr><w:tblHeader/></w:trPr><w:tc><w:tcPr><w:tcW w:w="3000" w:type="dxa"/></w:tcPr><w:p><w:r><w:rPr><w:b/></w:rPr><w:t>STT</w:t></w:r></w:p></w:tc><w:tc><w:tcPr><w:gridSpan w:val="2"/></w:tcPr><w:p><w:r><w:t>Đơn vị</w:t></w:r></w:p></w:tc></w:tr>
 <w:tr><w:tc><w:tcPr><w:vMerge w:val="restart"/></w:tcPr><w:p><w:r><w:t>1</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>Dòng một</w:t></w:r></w:p><w:p/><w:p><w:r><w:t>Dòng hai</w:t></w:r></w:p></w:tc>
  <w:tc><w:tbl><w:tr><w:tc><w:p><w:r><w:t>a</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>b</w:t></w:r></w:p></w:tc></w:tr></w:tbl><w:p/></w:tc></w:tr>
 <w:tr><w:tc><w:tcPr><w:vMerge/></w:tcPr><w:p/></w:tc><w:tc><w:p><w:r><w:t>x</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>y</w:t></w:r></w:p></w:tc></w:tr>
</w:tbl>
<w:p><w:r><w:t>Hết</w:t></w:r></w:p>
<w:sectPr><w:pgSz w:w="11906" w:h="16838"/></w:sectPr></w:body></w:document>
"#;

fn package(main_part: &str, document: &str) -> Vec<u8> {
    let rels = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="{main_part}"/></Relationships>"#
    );
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default();
    zip.start_file("[Content_Types].xml", options).expect("zip");
    zip.write_all(b"<Types/>").expect("zip");
    zip.start_file("_rels/.rels", options).expect("zip");
    zip.write_all(rels.as_bytes()).expect("zip");
    zip.start_file(main_part.trim_start_matches('/'), options)
        .expect("zip");
    zip.write_all(document.as_bytes()).expect("zip");
    zip.finish().expect("zip").into_inner()
}

#[test]
fn reads_what_word_and_libreoffice_write() {
    let text = read_text(&package("word/document.xml", DOCUMENT)).expect("readable");
    assert_eq!(
        text.paragraphs,
        [
            "BÁO CÁO",
            "Tổng số:\t1.234\nR&D <ok> ạé",
            "Xem trang web, trang 3, ngày 05/01/2025",
            "Đã vá 4 máy-x",
            "Trong điều khiển",
            "Hộp chữ",
            "Trang sau",
            "Hết",
        ]
    );
    assert_eq!(
        text.tables,
        vec![
            vec![
                vec!["STT".to_string(), "Đơn vị".to_string()],
                vec!["1".into(), "Dòng một\nDòng hai".into(), "a\nb".into()],
                vec!["".into(), "x".into(), "y".into()],
            ],
            vec![vec!["a".to_string(), "b".to_string()]],
        ]
    );
    assert!(text.all_text().ends_with("Dòng hai\na\nb\nx\ny\nHết"));
}

#[test]
fn follows_the_package_relationship_to_the_main_part() {
    let text = read_text(&package("/word/main.xml", DOCUMENT)).expect("readable");
    assert_eq!(text.paragraphs[0], "BÁO CÁO");
}

#[test]
fn malformed_xml_is_an_error() {
    let broken = DOCUMENT.replace("</w:body>", "");
    assert!(matches!(
        read_text(&package("word/document.xml", &broken)),
        Err(DocError::Xml(_))
    ));
}
