//! A small XLSX holding a worksheet that inflates to a gigabyte is refused
//! with a JSON error, and the server (in this test process) does not grow.

mod common;

use std::io::{Cursor, Write};

use common::AuthExt;
use reqwest::StatusCode;
use serde_json::Value;

const MIB: u64 = 1 << 20;

/// An XLSX-shaped ZIP whose first worksheet inflates to `size` bytes (one
/// cell of repeated text), built in 1 MiB pieces. With `lie`, the sizes the
/// ZIP declares are rewritten to a few bytes, as a hostile file would.
fn xlsx_bomb(size: u64, lie: bool) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .compression_level(Some(9));
    for (name, xml) in [
        (
            "[Content_Types].xml",
            r#"<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#,
        ),
        (
            "_rels/.rels",
            r#"<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#,
        ),
        (
            "xl/workbook.xml",
            r#"<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>"#,
        ),
        (
            "xl/_rels/workbook.xml.rels",
            r#"<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#,
        ),
    ] {
        zip.start_file(name, options).unwrap();
        zip.write_all(xml.as_bytes()).unwrap();
    }
    zip.start_file(
        "xl/worksheets/sheet1.xml",
        options.large_file(size > u32::MAX as u64),
    )
    .unwrap();
    zip.write_all(br#"<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>"#)
        .unwrap();
    let piece = vec![b'A'; MIB as usize];
    for _ in 0..size / MIB {
        zip.write_all(&piece).unwrap();
    }
    zip.write_all(b"</t></is></c></row></sheetData></worksheet>")
        .unwrap();
    let mut bytes = zip.finish().unwrap().into_inner();
    if lie {
        // Local headers and central directory: declared size 1000 bytes.
        for i in 0..bytes.len().saturating_sub(3) {
            let at = match &bytes[i..i + 4] {
                b"PK\x03\x04" => i + 22,
                b"PK\x01\x02" => i + 24,
                _ => continue,
            };
            bytes[at..at + 4].copy_from_slice(&1000u32.to_le_bytes());
        }
    }
    bytes
}

fn status_kib(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_xlsx_bomb_is_refused_without_growing_the_server() {
    let t = common::TestApp::spawn(common::Db::Sqlite, Default::default()).await;
    let tok = t.login("coord").await;
    // 1 GiB once inflated, about 1 MiB as sent.
    let bombs = [xlsx_bomb(1 << 30, false), xlsx_bomb(1 << 30, true)];
    let peak_before = status_kib("VmHWM:");
    for (i, bomb) in bombs.into_iter().enumerate() {
        assert!(bomb.len() < 2 * MIB as usize, "{} bytes", bomb.len());
        let r = reqwest::Client::new()
            .post(t.url("/api/v1/import/assets?file_name=tai-san.xlsx&dry_run=true"))
            .auth(&tok)
            .body(bomb)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE, "bomb {i}");
        let body: Value = r.json().await.unwrap();
        let message = body["error"]["message"].as_str().unwrap_or_default();
        assert_eq!(body["error"]["code"], "too_large", "{body}");
        assert!(
            message.contains("tai-san.xlsx"),
            "names the file: {message}"
        );
        assert!(message.contains("xl/worksheets/sheet1.xml"), "{message}");
        assert!(message.contains("64 MiB"), "names the limit: {message}");
    }
    let peak_after = status_kib("VmHWM:");
    let growth_mib = (peak_after.saturating_sub(peak_before)) / 1024;
    assert!(
        growth_mib < 200,
        "peak memory grew by {growth_mib} MiB (VmRSS now {} MiB)",
        status_kib("VmRSS:") / 1024
    );
}
