//! Reading the text of a DOCX back: the main document part only (headers,
//! footers, notes and comments are not read).
//!
//! This walks the XML itself rather than using docx-rs's reader, so that it
//! sees exactly what Word shows: text inside runs, tabs and line breaks, the
//! text of insertions but not of deletions or field codes, and each text box
//! once even where the writer (LibreOffice) stores it twice, as a DrawingML
//! shape and again as a VML fallback.

use std::io::{Cursor, Read};

use quick_xml::events::{BytesRef, BytesStart, Event};
use quick_xml::name::{Namespace, ResolveResult};
use quick_xml::reader::{NsReader, Reader};
use quick_xml::XmlVersion;

use crate::DocError;

const WORD: &[u8] = b"http://schemas.openxmlformats.org/wordprocessingml/2006/main";
const WORD_STRICT: &[u8] = b"http://purl.oclc.org/ooxml/wordprocessingml/main";
const MARKUP_COMPATIBILITY: &[u8] = b"http://schemas.openxmlformats.org/markup-compatibility/2006";
const PICTURE: &[u8] = b"http://schemas.openxmlformats.org/drawingml/2006/picture";
const PICTURE_STRICT: &[u8] = b"http://purl.oclc.org/ooxml/drawingml/picture";

/// Uploaded files are read too: a small deflated part can expand enormously.
/// Only the package relationships and the main part are ever inflated, each
/// through a reader that stops at its limit, whatever sizes the ZIP declares.
pub const DOCUMENT_LIMIT: u64 = 64 << 20;
/// The package relationships (`_rels/.rels`) are a few hundred bytes.
const RELS_LIMIT: u64 = 1 << 20;
/// Most parts a package may list (Word writes a dozen or two; each image is one).
pub const MAX_PARTS: usize = 10_000;
/// Highest compression ratio accepted for a main part over [`RATIO_FLOOR`]:
/// WordprocessingML deflates 5 to 20 times, a run of one byte 1000 times.
pub const MAX_RATIO: u64 = 200;
const RATIO_FLOOR: u64 = 1 << 20;

/// The text of a DOCX file, in document order.
///
/// Paragraphs with no text (spacing, drawn rules) are left out everywhere.
/// Runs are joined as they are; a line break reads as `'\n'`, a tab as `'\t'`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DocText {
    /// The paragraphs outside tables, e.g. for a generated report the kind,
    /// the title, "Kính gửi" lines and the body's headings and paragraphs.
    pub paragraphs: Vec<String>,
    /// Every table in the order it starts, including layout tables: for a
    /// generated report the first is the letterhead and the last holds
    /// "Nơi nhận" and the signature. A table is its rows of cell texts; a
    /// cell's text is its non-empty paragraphs joined by `'\n'` (a table
    /// nested in the cell contributes its cells' texts as further lines).
    pub tables: Vec<Vec<Vec<String>>>,
    /// How many pictures (DrawingML `pic:pic`, e.g. each chart) the main
    /// part holds, each counted once even where a writer also stores a
    /// fallback for it; old VML images (`w:pict`) are not counted.
    pub pictures: usize,
    lines: Vec<String>,
}

impl DocText {
    /// Every paragraph, inside tables or not, in document order, one per line.
    pub fn all_text(&self) -> String {
        self.lines.join("\n")
    }

    /// The first table whose first row begins with `header`.
    pub fn table_starting_with(&self, header: &[&str]) -> Option<&Vec<Vec<String>>> {
        self.tables.iter().find(|table| {
            table.first().is_some_and(|first| {
                first.len() >= header.len() && first.iter().zip(header).all(|(a, b)| a == b)
            })
        })
    }
}

/// Reads the paragraphs and tables of a DOCX file, from canhgac or from Word,
/// LibreOffice and the like.
pub fn read_text(docx: &[u8]) -> Result<DocText, DocError> {
    let mut archive =
        zip::ZipArchive::new(Cursor::new(docx)).map_err(|e| DocError::NotDocx(e.to_string()))?;
    if archive.len() > MAX_PARTS {
        return Err(DocError::TooManyParts { limit: MAX_PARTS });
    }
    let path = main_part_path(&mut archive)?;
    let part = archive
        .by_name(&path)
        .map_err(|e| DocError::NotDocx(format!("{path}: {e}")))?;
    let too_large = || DocError::TooLarge {
        part: path.clone(),
        limit: DOCUMENT_LIMIT,
    };
    // What the central directory declares is checked first ...
    let declared = part.size();
    if declared > DOCUMENT_LIMIT {
        return Err(too_large());
    }
    if declared > RATIO_FLOOR && declared / part.compressed_size().max(1) > MAX_RATIO {
        return Err(DocError::CompressionRatio {
            part: path.clone(),
            limit: MAX_RATIO,
        });
    }
    // ... and, since it may lie, what really comes out.
    let mut xml = Vec::with_capacity(declared as usize + 1);
    part.take(DOCUMENT_LIMIT + 1)
        .read_to_end(&mut xml)
        .map_err(|e| DocError::NotDocx(format!("{path}: {e}")))?;
    if xml.len() as u64 > DOCUMENT_LIMIT {
        return Err(too_large());
    }
    parse_document(&xml)
}

/// The main part is named by the package relationships; it is
/// "word/document.xml" in every writer seen, which is the fallback.
fn main_part_path(archive: &mut zip::ZipArchive<Cursor<&[u8]>>) -> Result<String, DocError> {
    const FALLBACK: &str = "word/document.xml";
    let mut rels = Vec::new();
    match archive.by_name("_rels/.rels") {
        Ok(part) => {
            part.take(RELS_LIMIT)
                .read_to_end(&mut rels)
                .map_err(|e| DocError::NotDocx(format!("_rels/.rels: {e}")))?;
        }
        Err(_) => return Ok(FALLBACK.to_owned()),
    }
    let mut reader = Reader::from_reader(rels.as_slice());
    let mut buf = Vec::new();
    loop {
        buf.clear();
        match reader.read_event_into(&mut buf) {
            Ok(Event::Start(e) | Event::Empty(e)) if e.local_name().as_ref() == b"Relationship" => {
                let kind = attribute(&e, b"Type");
                if kind.is_some_and(|k| k.ends_with("/officeDocument")) {
                    if let Some(target) = attribute(&e, b"Target") {
                        return Ok(target.trim_start_matches('/').to_owned());
                    }
                }
            }
            Ok(Event::Eof) | Err(_) => return Ok(FALLBACK.to_owned()),
            Ok(_) => {}
        }
    }
}

fn attribute(e: &BytesStart<'_>, local: &[u8]) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.local_name().as_ref() == local)
        .and_then(|a| {
            a.decoded_and_normalized_value(XmlVersion::Implicit1_0, e.decoder())
                .ok()
                .map(|v| v.into_owned())
        })
}

/// A table being read; `slot` is its place in [`DocText::tables`].
struct OpenTable {
    slot: usize,
    rows: Vec<Vec<String>>,
    row: Option<Vec<String>>,
    cell: Option<Vec<String>>,
}

#[derive(Default)]
struct Walker {
    out: DocText,
    /// Paragraphs nest when a text box sits inside one.
    paragraphs: Vec<String>,
    tables: Vec<OpenTable>,
    runs: usize,
    in_text: bool,
    /// Depth inside an `mc:Fallback`, whose content repeats the choice before it.
    skip: usize,
}

impl Walker {
    fn push_str(&mut self, s: &str) {
        if let Some(p) = self.paragraphs.last_mut() {
            p.push_str(s);
        }
    }

    fn start(&mut self, e: &BytesStart<'_>) {
        let in_run = self.runs > 0;
        match e.local_name().as_ref() {
            b"p" => self.paragraphs.push(String::new()),
            b"r" => self.runs += 1,
            b"t" if in_run => self.in_text = true,
            b"tab" | b"ptab" if in_run => self.push_str("\t"),
            b"cr" if in_run => self.push_str("\n"),
            b"noBreakHyphen" if in_run => self.push_str("-"),
            b"br" if in_run => {
                // Page and column breaks move text, they do not end a line of it.
                let kind = attribute(e, b"type");
                if !matches!(kind.as_deref(), Some("page" | "column")) {
                    self.push_str("\n");
                }
            }
            b"tbl" => {
                self.tables.push(OpenTable {
                    slot: self.out.tables.len(),
                    rows: Vec::new(),
                    row: None,
                    cell: None,
                });
                self.out.tables.push(Vec::new());
            }
            b"tr" => {
                if let Some(t) = self.tables.last_mut() {
                    t.row = Some(Vec::new());
                }
            }
            b"tc" => {
                if let Some(t) = self.tables.last_mut() {
                    t.cell = Some(Vec::new());
                }
            }
            _ => {}
        }
    }

    fn end(&mut self, local: &[u8]) {
        match local {
            b"p" => {
                let Some(text) = self.paragraphs.pop() else {
                    return;
                };
                if text.is_empty() {
                    return;
                }
                self.out.lines.push(text.clone());
                match self.tables.last_mut() {
                    None => self.out.paragraphs.push(text),
                    Some(OpenTable {
                        cell: Some(cell), ..
                    }) => cell.push(text),
                    Some(_) => {}
                }
            }
            b"r" => self.runs = self.runs.saturating_sub(1),
            b"t" => self.in_text = false,
            b"tc" => {
                if let Some(t) = self.tables.last_mut() {
                    let text = t.cell.take().unwrap_or_default().join("\n");
                    t.row.get_or_insert_with(Vec::new).push(text);
                }
            }
            b"tr" => {
                if let Some(t) = self.tables.last_mut() {
                    if let Some(row) = t.row.take() {
                        t.rows.push(row);
                    }
                }
            }
            b"tbl" => {
                let Some(done) = self.tables.pop() else {
                    return;
                };
                if let Some(OpenTable {
                    cell: Some(cell), ..
                }) = self.tables.last_mut()
                {
                    let texts = done.rows.iter().flatten().filter(|c| !c.is_empty());
                    cell.extend(texts.cloned());
                }
                self.out.tables[done.slot] = done.rows;
            }
            _ => {}
        }
    }

    fn reference(&mut self, r: &BytesRef<'_>) -> Result<(), DocError> {
        if let Some(c) = r.resolve_char_ref().map_err(xml_error)? {
            let mut utf8 = [0; 4];
            self.push_str(c.encode_utf8(&mut utf8));
        } else {
            let name = r.decode().map_err(xml_error)?;
            // A DOCX part has no DTD, so only the five predefined entities exist.
            if let Some(text) = quick_xml::escape::resolve_predefined_entity(&name) {
                self.push_str(text);
            }
        }
        Ok(())
    }
}

fn parse_document(xml: &[u8]) -> Result<DocText, DocError> {
    let mut reader = NsReader::from_reader(xml);
    reader.config_mut().expand_empty_elements = true;
    let mut walker = Walker::default();
    let mut buf = Vec::new();
    loop {
        buf.clear();
        let (ns, event) = reader
            .read_resolved_event_into(&mut buf)
            .map_err(xml_error)?;
        let word =
            matches!(ns, ResolveResult::Bound(Namespace(n)) if n == WORD || n == WORD_STRICT);
        let compat = matches!(ns, ResolveResult::Bound(Namespace(n)) if n == MARKUP_COMPATIBILITY);
        let picture =
            matches!(ns, ResolveResult::Bound(Namespace(n)) if n == PICTURE || n == PICTURE_STRICT);
        match event {
            Event::Start(e) => {
                if walker.skip > 0 {
                    walker.skip += 1;
                } else if compat && e.local_name().as_ref() == b"Fallback" {
                    walker.skip = 1;
                } else if word {
                    walker.start(&e);
                } else if picture && e.local_name().as_ref() == b"pic" {
                    walker.out.pictures += 1;
                }
            }
            Event::End(e) => {
                if walker.skip > 0 {
                    walker.skip -= 1;
                } else if word {
                    walker.end(e.local_name().as_ref());
                }
            }
            Event::Text(t) if walker.in_text && walker.skip == 0 => {
                let text = t.xml10_content().map_err(xml_error)?;
                walker.push_str(&text);
            }
            Event::CData(t) if walker.in_text && walker.skip == 0 => {
                let text = t.decode().map_err(xml_error)?;
                walker.push_str(&text);
            }
            Event::GeneralRef(r) if walker.in_text && walker.skip == 0 => walker.reference(&r)?,
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(walker.out)
}

fn xml_error(e: impl std::error::Error + Send + Sync + 'static) -> DocError {
    DocError::Xml(Box::new(e))
}
