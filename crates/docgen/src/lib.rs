//! Official documents as DOCX in the layout of Decree 30/2020/NĐ-CP, and
//! reading their text back.
//!
//! Agencies file canhgac's reports (the monthly botnet summary, replies to the
//! Authority's warnings, incident reports under Circular 20/2017/TT-BTTTT,
//! 6-monthly and yearly reports) as administrative documents, so the output
//! must look like one: A4, margins 20/20/30/15 mm, Times New Roman, the
//! two-column letterhead with the national motto, the kind and title centred,
//! and "Nơi nhận" beside the signature block at the end.
//!
//! [`OfficialDocument::to_docx`] writes the file (with `docx-rs`), charts
//! included ([`chart`]: SVG with a PNG fallback);
//! [`read_text`] reads the text of any DOCX back, ours or one saved by Word or
//! LibreOffice, so that tests can check the figures in a generated report.
//!
//! Text comes from users. Characters that XML 1.0 forbids are dropped rather
//! than producing a file Word refuses to open; [`clean_text`] is exactly what
//! survives a round trip.

use chrono::{Datelike, NaiveDate};

pub mod chart;
mod read;
mod write;

pub use chart::{Chart, ChartKind, Comparison};
pub use read::{read_text, DocText, DOCUMENT_LIMIT, MAX_PARTS, MAX_RATIO};

/// The national motto, first line (Decree 30, Appendix I).
pub const MOTTO_NATION: &str = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM";
/// The national motto, second line.
pub const MOTTO_SLOGAN: &str = "Độc lập - Tự do - Hạnh phúc";

/// The top of the first page: who issues the document, its number, where and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Letterhead {
    /// The body the issuer belongs to, e.g. "UBND tỉnh Sơn Hà"; printed in upper case.
    pub parent_body: Option<String>,
    /// The issuer, e.g. "Sở Khoa học và Công nghệ"; printed in upper case, bold.
    pub issuing_body: String,
    /// Number and symbol without the "Số: " label, e.g. "12/BC-SKHCN".
    /// A draft not yet registered leaves the number blank: "   /BC-SKHCN".
    pub number: Option<String>,
    /// The place name of the date line, e.g. "Sơn Hà".
    pub place: String,
    pub date: NaiveDate,
}

/// The signature block, right of "Nơi nhận".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature {
    /// Lines naming the authority and title of the signer, e.g.
    /// ["KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC"]; printed in upper case, bold.
    pub capacity: Vec<String>,
    /// Full name, printed bold below the space left for signature and seal.
    pub signer: String,
}

/// One piece of the body, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    /// A section heading, numbered by the caller as the document needs
    /// ("I. TÌNH HÌNH CHUNG", "1. Kết quả"); printed bold.
    Heading(String),
    /// A paragraph of body text. A `'\n'` inside it is a line break.
    Paragraph(String),
    /// A dashed list: each item is its own paragraph starting with "- ".
    Bullets(Vec<String>),
    Table(Table),
    /// A chart, centred, 15 cm wide, with "Biểu đồ N: title" as a caption
    /// below it, N counting the document's charts from 1 (see [`chart`]);
    /// a chart with nothing to show (all zero or empty) is replaced by one
    /// sentence saying so.
    Chart(Chart),
}

/// A data table with bordered cells and a bold header row that repeats on
/// every page.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Table {
    /// The header row; must not be empty. It fixes the number of columns.
    pub columns: Vec<String>,
    /// Rows shorter than `columns` are padded with empty cells; longer ones
    /// are an error.
    pub rows: Vec<Vec<String>>,
    /// Relative column widths (e.g. `[1, 4, 2]`), one per column; equal if `None`.
    pub widths: Option<Vec<u32>>,
}

/// An administrative document in the Decree 30 layout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfficialDocument {
    pub letterhead: Letterhead,
    /// The kind of document, e.g. "Báo cáo"; printed in upper case, bold,
    /// centred. Empty for an official letter (công văn), which has no kind line.
    pub kind: String,
    /// The title under the kind, bold, centred; empty for an official letter.
    pub title: String,
    /// The subject of an official letter without its "V/v " label; printed as
    /// "V/v …" under the number, where Decree 30 puts it.
    pub summary: Option<String>,
    /// "Kính gửi" addressees: one goes on the same line, several go one per
    /// line after "Kính gửi:" with a leading "- ". Punctuation is the caller's.
    pub recipients: Vec<String>,
    pub body: Vec<Block>,
    /// "Nơi nhận" entries, e.g. "Như trên;", "Lưu: VT, ANTT."; "Như trên"
    /// is left out when there is no "Kính gửi" for it to refer to. Each is
    /// printed with a leading "- ".
    pub recipients_for_filing: Vec<String>,
    pub signature: Signature,
}

impl OfficialDocument {
    /// The document as the bytes of a DOCX file.
    pub fn to_docx(&self) -> Result<Vec<u8>, DocError> {
        write::to_docx(self)
    }
}

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DocError {
    /// A [`Block::Table`] that cannot be laid out; `block` is its index in the body.
    #[error("body block {block}: {problem}")]
    BadTable { block: usize, problem: String },
    #[error("could not assemble the DOCX package")]
    Package(#[source] Box<dyn std::error::Error + Send + Sync>),
    #[error("not a readable DOCX file: {0}")]
    NotDocx(String),
    /// A part that expands past the reader's limit (a "zip bomb").
    #[error(
        "phần \"{part}\" của tệp DOCX giải nén ra hơn {} MiB \
         (part \"{part}\" of the DOCX file expands to more than {} MiB)",
        .limit >> 20, .limit >> 20
    )]
    TooLarge { part: String, limit: u64 },
    #[error("tệp DOCX có hơn {limit} phần (the DOCX file has more than {limit} parts)")]
    TooManyParts { limit: usize },
    #[error(
        "phần \"{part}\" của tệp DOCX bị nén hơn {limit} lần, dấu hiệu của một \"bom nén\" \
         (part \"{part}\" of the DOCX file is compressed more than {limit} times, \
         the mark of a zip bomb)"
    )]
    CompressionRatio { part: String, limit: u64 },
    #[error("malformed word/document.xml")]
    Xml(#[source] Box<dyn std::error::Error + Send + Sync>),
}

/// `text` as it reads back from a generated document: characters XML 1.0
/// forbids (controls other than tab and line feed, U+FFFE, U+FFFF) dropped,
/// and "\r\n" or a lone "\r" turned into "\n", since a line break is all
/// Word can keep of either.
pub fn clean_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' => {
                if chars.peek() != Some(&'\n') {
                    out.push('\n');
                }
            }
            '\t' | '\n' => out.push(c),
            c if c < ' ' || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

/// The place and date line, e.g. "Sơn Hà, ngày 05 tháng 01 năm 2025".
///
/// Decree 30: "ngày dưới 10 và tháng 1, 2 phải ghi thêm số 0 phía trước" —
/// days below 10 and the months 1 and 2 get a leading zero (so no one can
/// turn "1" into "11" or "12" by hand); March to December do not.
pub fn vn_date_line(place: &str, date: NaiveDate) -> String {
    let month = match date.month() {
        m @ (1 | 2) => format!("0{m}"),
        m => m.to_string(),
    };
    format!(
        "{place}, ngày {:02} tháng {month} năm {}",
        date.day(),
        date.year()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("valid test date")
    }

    #[test]
    fn date_line_pads_small_days_and_the_first_two_months_only() {
        assert_eq!(
            vn_date_line("Sơn Hà", d(2025, 1, 5)),
            "Sơn Hà, ngày 05 tháng 01 năm 2025"
        );
        assert_eq!(
            vn_date_line("Sơn Hà", d(2026, 11, 25)),
            "Sơn Hà, ngày 25 tháng 11 năm 2026"
        );
        assert_eq!(
            vn_date_line("Hà Nội", d(2025, 2, 10)),
            "Hà Nội, ngày 10 tháng 02 năm 2025"
        );
        assert_eq!(
            vn_date_line("Hà Nội", d(2025, 3, 9)),
            "Hà Nội, ngày 09 tháng 3 năm 2025"
        );
        assert_eq!(
            vn_date_line("Hà Nội", d(2025, 12, 31)),
            "Hà Nội, ngày 31 tháng 12 năm 2025"
        );
    }

    #[test]
    fn clean_text_drops_what_xml_forbids_and_keeps_the_rest() {
        assert_eq!(clean_text("a\u{0}b\u{1b}c\u{FFFF}"), "abc");
        assert_eq!(clean_text("x\r\ny\rz\n"), "x\ny\nz\n");
        assert_eq!(clean_text("<&>\"' \t ơ 😀 \u{7f}"), "<&>\"' \t ơ 😀 \u{7f}");
    }
}
