//! Laying an [`OfficialDocument`] out with `docx-rs`.
//!
//! Lengths are in twentieths of a point (twips, 1 mm ≈ 56.7) and font sizes
//! in half-points, as WordprocessingML counts them.

use std::io::{Cursor, Read, Write};

use docx_rs as dx;
use dx::{AlignmentType, LineSpacing, ParagraphBorder, ParagraphBorderPosition, WidthType};

use crate::chart::escape;
use crate::{
    clean_text, vn_date_line, Block, DocError, OfficialDocument, Table, MOTTO_NATION, MOTTO_SLOGAN,
};

const PAGE_WIDTH: u32 = 11906; // A4, 210 mm
const PAGE_HEIGHT: u32 = 16838; // A4, 297 mm
const MARGIN_TOP: i32 = 1134; // 20 mm
const MARGIN_BOTTOM: i32 = 1134; // 20 mm
const MARGIN_LEFT: i32 = 1701; // 30 mm
const MARGIN_RIGHT: i32 = 850; // 15 mm
const HEADER_DISTANCE: i32 = 567; // the page number sits in the top margin
const TEXT_WIDTH: usize = (PAGE_WIDTH as i32 - MARGIN_LEFT - MARGIN_RIGHT) as usize;
const CELL_MARGIN: usize = 108; // Word's default left and right cell padding

// The motto line needs about 90 mm at 12 pt bold, so the right column takes
// the larger share.
const LETTERHEAD_LEFT: usize = 3685; // 65 mm
const LETTERHEAD_RIGHT: usize = TEXT_WIDTH - LETTERHEAD_LEFT;
const SIGNATURE_LEFT: usize = 4253; // 75 mm
const SIGNATURE_RIGHT: usize = TEXT_WIDTH - SIGNATURE_LEFT;

const FONT: &str = "Times New Roman";
const SIZE_BODY: usize = 28; // 14 pt
const SIZE_LETTERHEAD: usize = 26; // 13 pt
const SIZE_MOTTO: usize = 24; // 12 pt
const SIZE_CELL: usize = 24; // 12 pt
const SIZE_FILING_HEADING: usize = 24; // 12 pt
const SIZE_FILING: usize = 22; // 11 pt
const SIZE_CAPTION: usize = 26; // 13 pt

const FIRST_LINE_INDENT: i32 = 567; // 1 cm, Decree 30's 1–1.27 cm
const PARAGRAPH_GAP: u32 = 120; // 6 pt, Decree 30's minimum between paragraphs
const SIGNATURE_SPACE: u32 = 1701; // 3 cm left blank for signature and seal

/// `docx-rs` cannot mark a row as a repeating table header (`w:tblHeader`).
/// Header rows, and only they, are given a minimum height, and `w:tblHeader`
/// is added beside the `w:trHeight` element that produces, after building.
const HEADER_ROW_HEIGHT: f32 = 397.0; // 7 mm
const HEADER_ROW_MARKER: &str = "<w:trHeight ";

/// A chart is 15 cm wide (EMU: 360 000 a centimetre), unless that would make
/// it taller than 22 cm, which leaves room for its caption on an A4 page.
const CHART_WIDTH: f64 = 5_400_000.0;
const CHART_MAX_HEIGHT: f64 = 7_920_000.0;
/// What `docx-rs` writes for every picture: its drawing properties (with the
/// same id for all) and the start of its `a:blip`. User text cannot forge
/// either: docx-rs escapes every `<` in it.
const DOC_PR_MARKER: &str = "<wp:docPr id=\"1\" name=\"Figure\" />";
const BLIP_MARKER: &str = "<a:blip r:embed=\"";
const IMAGE_RELATIONSHIP: &str =
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/image";
/// Word 2016's extension of `a:blip` for an SVG picture.
const SVG_BLIP_EXTENSION: &str = "{96DAC541-7B7A-43D3-8B79-37D633B846F1}";
const SVG_NAMESPACE: &str = "http://schemas.microsoft.com/office/drawing/2016/SVG/main";
/// Alternative text longer than this is cut.
const ALT_TEXT_LIMIT: usize = 2000;

/// A chart's SVG, written into the package after `docx-rs` has built it.
struct ChartPart {
    svg: String,
    alt: String,
}

pub(crate) fn to_docx(doc: &OfficialDocument) -> Result<Vec<u8>, DocError> {
    let lh = &doc.letterhead;
    let created = format!("{}T00:00:00Z", lh.date.format("%Y-%m-%d"));
    let mut docx = dx::Docx::new()
        .page_size(PAGE_WIDTH, PAGE_HEIGHT)
        .page_margin(
            dx::PageMargin::new()
                .top(MARGIN_TOP)
                .bottom(MARGIN_BOTTOM)
                .left(MARGIN_LEFT)
                .right(MARGIN_RIGHT)
                .header(HEADER_DISTANCE)
                .footer(HEADER_DISTANCE),
        )
        .default_fonts(
            dx::RunFonts::new()
                .ascii(FONT)
                .hi_ansi(FONT)
                .cs(FONT)
                .east_asia(FONT),
        )
        .default_size(SIZE_BODY)
        .default_tab_stop(720) // 1.27 cm, Word's default outside East Asia
        // Decree 30 numbers pages from the second one, centred in the top margin.
        .header(
            dx::Header::new().add_paragraph(
                dx::Paragraph::new()
                    .align(AlignmentType::Center)
                    .add_page_num(dx::PageNum::new()),
            ),
        )
        .first_header(dx::Header::new().add_paragraph(dx::Paragraph::new()))
        .created_at(&created)
        .updated_at(&created);

    docx = docx.add_table(letterhead(doc));
    // Word joins tables that touch into one, so one written right after
    // another gets an empty paragraph between them.
    let mut after_table = true;

    let kind = clean_text(&doc.kind).to_uppercase();
    if !kind.is_empty() {
        docx = docx.add_paragraph(
            paragraph(&kind, BOLD, AlignmentType::Center).line_spacing(spacing(360, 0)),
        );
    }
    let title = clean_text(&doc.title);
    if !title.is_empty() {
        let before = if kind.is_empty() { 360 } else { 0 };
        docx = docx
            .add_paragraph(
                paragraph(&title, BOLD, AlignmentType::Center).line_spacing(spacing(before, 0)),
            )
            .add_paragraph(rule(TEXT_WIDTH, 2835)); // 50 mm
    }
    docx = add_recipients(docx, &doc.recipients);
    if !(kind.is_empty() && title.is_empty() && doc.recipients.is_empty()) {
        after_table = false;
    }

    let mut header_rows = 0;
    let mut charts: Vec<ChartPart> = Vec::new();
    // The last block of text is kept on the page of the signature block, so
    // that the signature never stands alone at the top of a page.
    let last_text = doc.body.iter().rposition(|b| match b {
        Block::Bullets(items) => !items.is_empty(),
        _ => true,
    });
    for (index, block) in doc.body.iter().enumerate() {
        let keep = Some(index) == last_text;
        match block {
            Block::Table(_) => {
                if after_table {
                    docx = docx.add_paragraph(empty_paragraph(SIZE_BODY));
                }
                after_table = true;
            }
            Block::Bullets(items) if items.is_empty() => {}
            _ => after_table = false,
        }
        match block {
            Block::Heading(text) => {
                docx = docx.add_paragraph(
                    body_paragraph(&clean_text(text), BOLD)
                        .line_spacing(spacing(PARAGRAPH_GAP, PARAGRAPH_GAP))
                        .keep_next(true),
                );
            }
            Block::Paragraph(text) => {
                let p = body_paragraph(&clean_text(text), Style::default());
                docx = docx.add_paragraph(if keep { keep_with_signature(p) } else { p });
            }
            Block::Bullets(items) => {
                let last = items.len().saturating_sub(1);
                for (i, item) in items.iter().enumerate() {
                    let text = format!("- {}", clean_text(item));
                    let p = body_paragraph(&text, Style::default());
                    docx = docx.add_paragraph(if keep && i == last {
                        keep_with_signature(p)
                    } else {
                        p
                    });
                }
            }
            Block::Table(table) => {
                docx = docx.add_table(data_table(table, index)?);
                header_rows += 1;
            }
            Block::Chart(chart) if chart.is_blank() => {
                docx = docx.add_paragraph(body_paragraph(
                    &clean_text(&chart.blank_note()),
                    Style::default().italic(),
                ));
            }
            Block::Chart(chart) => {
                let number = charts.len() + 1;
                let art = chart.artwork();
                let (width, height) = chart_size(art.aspect);
                let picture = dx::Pic::new_with_dimensions(art.png, art.width, art.height)
                    .id(format!("chart{number}"))
                    .size(width, height);
                docx = docx.add_paragraph(
                    dx::Paragraph::new()
                        .add_run(dx::Run::new().add_image(picture))
                        .align(AlignmentType::Center)
                        .line_spacing(spacing(PARAGRAPH_GAP, 0))
                        .keep_next(true),
                );
                let title = clean_text(&chart.title);
                let caption = if title.trim().is_empty() {
                    format!("Biểu đồ {number}")
                } else {
                    format!("Biểu đồ {number}: {title}")
                };
                docx = docx.add_paragraph(
                    paragraph(
                        &caption,
                        Style::default().size(SIZE_CAPTION).italic(),
                        AlignmentType::Center,
                    )
                    .line_spacing(spacing(60, PARAGRAPH_GAP)),
                );
                charts.push(ChartPart {
                    svg: art.svg,
                    alt: chart.alt_text(),
                });
            }
        }
    }

    // Needed after a table, and otherwise it keeps the signature block off
    // the last line of the body, as tables take no spacing of their own.
    docx = docx
        .add_paragraph(empty_paragraph(SIZE_BODY).keep_next(true))
        .add_table(filing_and_signature(doc));

    let mut xml = docx.build();
    xml.document = mark_header_rows(&xml.document, header_rows)?;
    let mut extra_parts = Vec::with_capacity(charts.len());
    if !charts.is_empty() {
        xml.document = embed_svgs(&xml.document, &charts)?;
        xml.document_rels = add_svg_relationships(&xml.document_rels, charts.len())?;
        xml.content_type = add_svg_content_type(&xml.content_type)?;
        for (i, chart) in charts.into_iter().enumerate() {
            extra_parts.push((svg_part_name(i + 1), chart.svg.into_bytes()));
        }
    }
    let mut stored = Cursor::new(Vec::new());
    xml.pack(&mut stored).map_err(package_error)?;
    deflate(stored.get_ref(), extra_parts)
}

/// Formatting of a run of text.
#[derive(Debug, Clone, Copy)]
struct Style {
    size: usize,
    bold: bool,
    italic: bool,
}

impl Default for Style {
    fn default() -> Self {
        Style {
            size: SIZE_BODY,
            bold: false,
            italic: false,
        }
    }
}

const BOLD: Style = Style {
    size: SIZE_BODY,
    bold: true,
    italic: false,
};

impl Style {
    fn size(self, size: usize) -> Style {
        Style { size, ..self }
    }
    fn bold(self) -> Style {
        Style { bold: true, ..self }
    }
    fn italic(self) -> Style {
        Style {
            italic: true,
            ..self
        }
    }
}

type Paragraph = dx::Paragraph;

/// The last paragraph of the body: not split across pages and kept on the
/// page of what follows (the spacer, itself kept with the signature table,
/// whose one row cannot split).
fn keep_with_signature(p: Paragraph) -> Paragraph {
    p.keep_next(true).keep_lines(true)
}

/// An empty paragraph whose height follows `size` (its mark's font size).
fn empty_paragraph(size: usize) -> Paragraph {
    dx::Paragraph::new().size(size).line_spacing(spacing(0, 0))
}

fn spacing(before: u32, after: u32) -> LineSpacing {
    LineSpacing::new().before(before).after(after)
}

/// One run of already cleaned text; "\n" becomes a line break and "\t" a tab,
/// which is how the reader gives them back.
fn run(text: &str, style: Style) -> dx::Run {
    let mut run = dx::Run::new().size(style.size);
    if style.bold {
        run = run.bold();
    }
    if style.italic {
        run = run.italic();
    }
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            run = run.add_break(dx::BreakType::TextWrapping);
        }
        for (j, piece) in line.split('\t').enumerate() {
            if j > 0 {
                run = run.add_tab();
            }
            if !piece.is_empty() {
                run = run.add_text(piece);
            }
        }
    }
    run
}

fn paragraph(text: &str, style: Style, align: AlignmentType) -> Paragraph {
    // The mark's size matters for the height of a line holding only a break.
    dx::Paragraph::new()
        .add_run(run(text, style))
        .size(style.size)
        .align(align)
}

fn body_paragraph(text: &str, style: Style) -> Paragraph {
    paragraph(text, style, AlignmentType::Both)
        .indent(
            None,
            Some(dx::SpecialIndentType::FirstLine(FIRST_LINE_INDENT)),
            None,
            None,
        )
        .line_spacing(spacing(0, PARAGRAPH_GAP))
}

/// The short solid line Decree 30 draws under the issuing body, the motto and
/// the title: an empty, tiny paragraph with a top border, 5 pt below the text
/// above, indented so that the border is `length` long and centred in `width`.
fn rule(width: usize, length: usize) -> Paragraph {
    let side = (width.saturating_sub(length) / 2) as i32;
    let mut p = dx::Paragraph::new()
        .size(4)
        .indent(Some(side), None, Some(side), None)
        .line_spacing(
            // The border is drawn at the top of the paragraph, below its
            // spacing: 5 pt keeps it off the descenders of the text above
            // (with none, LibreOffice draws it through them).
            LineSpacing::new()
                .before(100)
                .after(0)
                .line(60)
                .line_rule(dx::LineSpacingType::Exact),
        );
    // `set_border` would start from docx-rs's default box of four sides.
    p.property = p.property.set_borders(
        dx::ParagraphBorders::with_empty()
            .set(ParagraphBorder::new(ParagraphBorderPosition::Top).size(6)),
    );
    p
}

fn letterhead(doc: &OfficialDocument) -> dx::Table {
    let lh = &doc.letterhead;
    let head = Style::default().size(SIZE_LETTERHEAD);
    let centred = |text: &str, style: Style| paragraph(text, style, AlignmentType::Center);

    let mut left = dx::TableCell::new().width(LETTERHEAD_LEFT, WidthType::Dxa);
    if let Some(parent) = &lh.parent_body {
        left = left.add_paragraph(centred(&clean_text(parent).to_uppercase(), head));
    }
    left = left
        .add_paragraph(centred(
            &clean_text(&lh.issuing_body).to_uppercase(),
            head.bold(),
        ))
        .add_paragraph(rule(LETTERHEAD_LEFT - 2 * CELL_MARGIN, 1417)); // 25 mm
    if let Some(number) = &lh.number {
        let number = format!("Số: {}", clean_text(number));
        left = left.add_paragraph(centred(&number, head).line_spacing(spacing(80, 0)));
    }
    if let Some(summary) = &doc.summary {
        let summary = format!("V/v {}", clean_text(summary));
        left = left
            .add_paragraph(centred(&summary, head.size(SIZE_MOTTO)).line_spacing(spacing(60, 0)));
    }

    let date_line = clean_text(&vn_date_line(&lh.place, lh.date));
    let right = dx::TableCell::new()
        .width(LETTERHEAD_RIGHT, WidthType::Dxa)
        .add_paragraph(centred(MOTTO_NATION, head.size(SIZE_MOTTO).bold()))
        .add_paragraph(centred(MOTTO_SLOGAN, head.bold()))
        .add_paragraph(rule(LETTERHEAD_RIGHT - 2 * CELL_MARGIN, 3402)) // 60 mm, the motto's length
        .add_paragraph(centred(&date_line, head.italic()).line_spacing(spacing(80, 0)));

    layout_table(vec![LETTERHEAD_LEFT, LETTERHEAD_RIGHT], vec![left, right])
}

fn add_recipients(mut docx: dx::Docx, recipients: &[String]) -> dx::Docx {
    let lines: Vec<String> = recipients.iter().map(|r| clean_text(r)).collect();
    match lines.as_slice() {
        [] => docx,
        [only] => docx.add_paragraph(
            paragraph(
                &format!("Kính gửi: {only}"),
                Style::default(),
                AlignmentType::Center,
            )
            .line_spacing(spacing(240, 240)),
        ),
        several => {
            docx = docx.add_paragraph(
                paragraph("Kính gửi:", Style::default(), AlignmentType::Left)
                    .indent(Some(1701), None, None, None)
                    .line_spacing(spacing(240, 0)),
            );
            let last = several.len() - 1;
            for (i, line) in several.iter().enumerate() {
                let after = if i == last { 240 } else { 0 };
                docx = docx.add_paragraph(
                    paragraph(&format!("- {line}"), Style::default(), AlignmentType::Left)
                        .indent(Some(2835), None, None, None)
                        .line_spacing(spacing(0, after)),
                );
            }
            docx
        }
    }
}

fn filing_and_signature(doc: &OfficialDocument) -> dx::Table {
    let mut left = dx::TableCell::new()
        .width(SIGNATURE_LEFT, WidthType::Dxa)
        .add_paragraph(paragraph(
            "Nơi nhận:",
            Style::default().size(SIZE_FILING_HEADING).bold().italic(),
            AlignmentType::Left,
        ));
    // "Như trên" (as above) refers to the "Kính gửi" addressees: without
    // them there is nothing above to refer to.
    let as_above = |entry: &&String| {
        let entry = clean_text(entry);
        let entry = entry.trim().trim_end_matches([';', ',', '.']).trim();
        entry.to_lowercase() == "như trên"
    };
    for entry in doc
        .recipients_for_filing
        .iter()
        .filter(|e| !doc.recipients.is_empty() || !as_above(e))
    {
        left = left.add_paragraph(paragraph(
            &format!("- {}", clean_text(entry)),
            Style::default().size(SIZE_FILING),
            AlignmentType::Left,
        ));
    }

    let sig = &doc.signature;
    let mut right = dx::TableCell::new().width(SIGNATURE_RIGHT, WidthType::Dxa);
    for line in &sig.capacity {
        right = right.add_paragraph(paragraph(
            &clean_text(line).to_uppercase(),
            BOLD,
            AlignmentType::Center,
        ));
    }
    right = right.add_paragraph(
        paragraph(&clean_text(&sig.signer), BOLD, AlignmentType::Center)
            .line_spacing(spacing(SIGNATURE_SPACE, 0)),
    );

    let row = dx::TableRow::new(vec![left, right]).cant_split();
    dx::Table::without_borders(vec![row])
        .set_grid(vec![SIGNATURE_LEFT, SIGNATURE_RIGHT])
        .width(TEXT_WIDTH, WidthType::Dxa)
        .layout(dx::TableLayoutType::Fixed)
}

fn layout_table(grid: Vec<usize>, cells: Vec<dx::TableCell>) -> dx::Table {
    dx::Table::without_borders(vec![dx::TableRow::new(cells)])
        .set_grid(grid)
        .width(TEXT_WIDTH, WidthType::Dxa)
        .layout(dx::TableLayoutType::Fixed)
}

fn data_table(table: &Table, block: usize) -> Result<dx::Table, DocError> {
    let bad = |problem: String| DocError::BadTable { block, problem };
    let columns = table.columns.len();
    if columns == 0 {
        return Err(bad("a table needs at least one column".into()));
    }
    let weights: Vec<u64> = match &table.widths {
        None => vec![1; columns],
        Some(w) if w.len() != columns => {
            return Err(bad(format!(
                "{} widths given for {columns} columns",
                w.len()
            )))
        }
        Some(w) if w.iter().all(|&x| x == 0) => vec![1; columns],
        Some(w) => w.iter().map(|&x| u64::from(x)).collect(),
    };
    if let Some((i, row)) = table
        .rows
        .iter()
        .enumerate()
        .find(|(_, r)| r.len() > columns)
    {
        return Err(bad(format!(
            "row {i} has {} cells for {columns} columns",
            row.len()
        )));
    }
    let (grid, size) = column_widths(table, &weights, TEXT_WIDTH);

    let cell_style = Style::default().size(size);
    let cell = |text: &str, width: usize, style: Style, align: AlignmentType| {
        dx::TableCell::new()
            .width(width, WidthType::Dxa)
            .vertical_align(dx::VAlignType::Center)
            .add_paragraph(paragraph(&clean_text(text), style, align))
    };

    let header = dx::TableRow::new(
        table
            .columns
            .iter()
            .zip(&grid)
            .map(|(text, &w)| cell(text, w, cell_style.bold(), AlignmentType::Center))
            .collect(),
    )
    .row_height(HEADER_ROW_HEIGHT)
    .height_rule(dx::HeightRule::AtLeast)
    .cant_split();

    let mut rows = Vec::with_capacity(table.rows.len() + 1);
    rows.push(header);
    for row in &table.rows {
        let cells = grid
            .iter()
            .enumerate()
            .map(|(i, &w)| {
                let text = row.get(i).map(String::as_str).unwrap_or("");
                let align = if is_figure(text) {
                    AlignmentType::Center
                } else {
                    AlignmentType::Left
                };
                cell(text, w, cell_style, align)
            })
            .collect();
        rows.push(dx::TableRow::new(cells));
    }

    let border = |position| dx::TableBorder::new(position).size(4);
    let borders = dx::TableBorders::new()
        .set(border(dx::TableBorderPosition::Top))
        .set(border(dx::TableBorderPosition::Bottom))
        .set(border(dx::TableBorderPosition::Left))
        .set(border(dx::TableBorderPosition::Right))
        .set(border(dx::TableBorderPosition::InsideH))
        .set(border(dx::TableBorderPosition::InsideV));
    Ok(dx::Table::new(rows)
        .set_grid(grid)
        .width(TEXT_WIDTH, WidthType::Dxa)
        .layout(dx::TableLayoutType::Fixed)
        .set_borders(borders))
}

/// Cell text sizes tried in turn, in half-points, until the words of every
/// column fit side by side: 12, 11 then 10 pt.
const CELL_SIZES: [usize; 3] = [SIZE_CELL, 22, 20];
/// Room beside a cell's text for rounding in the estimate of its width.
const CELL_SLACK: f64 = 90.0;

/// Width in twips of `text` set at `size` half-points, as Times New Roman
/// sets it (the estimate the charts use too), a little generously.
/// A cell that is a figure (a count, "1.234", "66,7 %", "12/45", "–"),
/// centred as Vietnamese report tables set them; text stays left.
fn is_figure(text: &str) -> bool {
    let t = text.trim();
    t.chars().any(|c| c.is_ascii_digit())
        && t.chars().all(|c| c.is_ascii_digit() || ".,% /".contains(c))
        || t == "–"
        || t == "-"
}

fn twips(text: &str, size: usize, bold: bool) -> f64 {
    let em = size as f64 * 10.0; // half-points to twips
    let factor = if bold { 1.1 } else { 1.04 };
    crate::chart::text_width(text, em) * factor
}

/// The widths of a table's columns in twips, summing to `total`, and the
/// size of its text, from its content: no column is narrower than its
/// longest word, date or number (so none is broken inside: "Tái nhiễm",
/// "07/12/2026"); room left over goes to the columns whose text wants more
/// lines, in proportion to how much more; a table whose text all fits on one
/// line per cell shares the remainder by the caller's `weights`. If even the
/// words do not fit side by side at 12 pt, the text is set at 11 or 10 pt;
/// past that the columns share the width by their words (and words break).
pub(crate) fn column_widths(table: &Table, weights: &[u64], total: usize) -> (Vec<usize>, usize) {
    let total_f = total as f64;
    let pad = 2.0 * CELL_MARGIN as f64 + CELL_SLACK;
    let measure = |size: usize| -> (Vec<f64>, Vec<f64>) {
        let mut need = vec![pad; table.columns.len()];
        let mut want = vec![pad; table.columns.len()];
        let header = table.columns.iter().map(|c| (c, true));
        let body = table
            .rows
            .iter()
            .flat_map(|r| r.iter().enumerate().map(|(i, c)| (i, c, false)));
        for (i, text, bold) in header.enumerate().map(|(i, (c, b))| (i, c, b)).chain(body) {
            let text = clean_text(text);
            for line in text.split('\n') {
                let word = line
                    .split_whitespace()
                    .map(|w| twips(w, size, bold))
                    .fold(0.0, f64::max);
                need[i] = need[i].max(word + pad);
                // A header may take two lines; body text as much as it has.
                let whole = twips(line.trim(), size, bold) + pad;
                want[i] = want[i].max(if bold {
                    (whole / 2.0).max(word + pad)
                } else {
                    whole
                });
            }
        }
        (need, want)
    };
    let (mut size, (mut need, mut want)) = (CELL_SIZES[0], measure(CELL_SIZES[0]));
    for &smaller in &CELL_SIZES[1..] {
        if need.iter().sum::<f64>() <= total_f {
            break;
        }
        size = smaller;
        (need, want) = measure(smaller);
    }

    let need_sum: f64 = need.iter().sum();
    let want_sum: f64 = want.iter().sum();
    let widths: Vec<f64> = if need_sum > total_f {
        need.iter().map(|n| n * total_f / need_sum).collect()
    } else if want_sum <= total_f {
        let weight_sum = weights.iter().sum::<u64>().max(1) as f64;
        // What the caller's weights would give each column, above what it wants.
        let over: Vec<f64> = weights
            .iter()
            .zip(&want)
            .map(|(&w, &x)| (total_f * w as f64 / weight_sum - x).max(0.0))
            .collect();
        let over_sum: f64 = over.iter().sum();
        let extra = total_f - want_sum;
        want.iter()
            .zip(&over)
            .map(|(&x, &o)| {
                if over_sum > 0.0 {
                    x + extra * o / over_sum
                } else {
                    x + extra / want.len() as f64
                }
            })
            .collect()
    } else {
        let extra = total_f - need_sum;
        let demand: f64 = want.iter().zip(&need).map(|(w, n)| w - n).sum();
        need.iter()
            .zip(&want)
            .map(|(&n, &w)| n + extra * (w - n) / demand.max(1.0))
            .collect()
    };
    // Whole twips, the last column taking the rounding.
    let mut grid: Vec<usize> = widths.iter().map(|w| w.floor() as usize).collect();
    let used: usize = grid.iter().sum();
    if let Some(last) = grid.last_mut() {
        *last += total.saturating_sub(used);
    }
    (grid, size)
}

/// Adds `w:tblHeader` to each row that carries [`HEADER_ROW_MARKER`]. User
/// text cannot forge the marker: docx-rs escapes every `<` in it.
fn mark_header_rows(document: &[u8], expected: usize) -> Result<Vec<u8>, DocError> {
    let text = std::str::from_utf8(document).map_err(package_error)?;
    let found = text.matches(HEADER_ROW_MARKER).count();
    if found != expected {
        return Err(package_error(format!(
            "expected {expected} table header rows in the built document, found {found}"
        )));
    }
    let marked = format!("<w:tblHeader />{HEADER_ROW_MARKER}");
    Ok(text.replace(HEADER_ROW_MARKER, &marked).into_bytes())
}

/// Width and height in EMU of a drawing `aspect` times as high as it is wide.
fn chart_size(aspect: f64) -> (u32, u32) {
    let aspect = if aspect.is_finite() && aspect > 0.0 {
        aspect
    } else {
        1.0
    };
    let (width, height) = if CHART_WIDTH * aspect > CHART_MAX_HEIGHT {
        (CHART_MAX_HEIGHT / aspect, CHART_MAX_HEIGHT)
    } else {
        (CHART_WIDTH, CHART_WIDTH * aspect)
    };
    (
        width.round().max(1.0) as u32,
        height.round().max(1.0) as u32,
    )
}

fn svg_part_name(number: usize) -> String {
    format!("word/media/chart{number}.svg")
}

/// Gives each chart's drawing its own id, name and alternative text, and
/// hangs its SVG off its PNG `a:blip` with Word 2016's extension. The n-th
/// picture in the document is the n-th chart: charts are its only pictures.
fn embed_svgs(document: &[u8], charts: &[ChartPart]) -> Result<Vec<u8>, DocError> {
    let text = std::str::from_utf8(document).map_err(package_error)?;
    let text = replace_each(text, DOC_PR_MARKER, charts.len(), |i, rest| {
        let mut alt = charts[i].alt.clone();
        if let Some((cut, _)) = alt.char_indices().nth(ALT_TEXT_LIMIT) {
            alt.truncate(cut);
            alt.push('…');
        }
        let n = i + 1;
        Some(format!(
            "<wp:docPr id=\"{n}\" name=\"Biểu đồ {n}\" descr=\"{}\" />{rest}",
            escape(&alt)
        ))
    })?;
    let text = replace_each(&text, BLIP_MARKER, charts.len(), |i, rest| {
        // `rest` starts with the PNG's relationship id, then `" />`.
        let (id, after) = rest.split_once("\" />")?;
        Some(format!(
            "{BLIP_MARKER}{id}\"><a:extLst><a:ext uri=\"{SVG_BLIP_EXTENSION}\">\
             <asvg:svgBlip xmlns:asvg=\"{SVG_NAMESPACE}\" r:embed=\"{}\"/>\
             </a:ext></a:extLst></a:blip>{after}",
            svg_relationship_id(i + 1)
        ))
    })?;
    Ok(text.into_bytes())
}

fn svg_relationship_id(number: usize) -> String {
    format!("chart{number}svg")
}

/// Replaces each occurrence of `marker` and what follows it up to the next
/// one by `f(index, what follows)`; there must be exactly `expected`.
fn replace_each(
    text: &str,
    marker: &str,
    expected: usize,
    f: impl Fn(usize, &str) -> Option<String>,
) -> Result<String, DocError> {
    let mut pieces = text.split(marker);
    let mut out = String::with_capacity(text.len() + expected * 400);
    out.push_str(pieces.next().unwrap_or_default());
    let mut found = 0;
    for piece in pieces {
        if found < expected {
            let replaced = f(found, piece).ok_or_else(|| {
                package_error(format!("unexpected picture markup after {marker:?}"))
            })?;
            out.push_str(&replaced);
        }
        found += 1;
    }
    if found != expected {
        return Err(package_error(format!(
            "expected {expected} pictures in the built document, found {found} {marker:?}"
        )));
    }
    Ok(out)
}

fn add_svg_relationships(rels: &[u8], charts: usize) -> Result<Vec<u8>, DocError> {
    let text = std::str::from_utf8(rels).map_err(package_error)?;
    let end = text
        .rfind("</Relationships>")
        .ok_or_else(|| package_error("no </Relationships> in word/_rels/document.xml.rels"))?;
    let mut out = String::with_capacity(text.len() + charts * 160);
    out.push_str(&text[..end]);
    for n in 1..=charts {
        out.push_str(&format!(
            "<Relationship Id=\"{}\" Type=\"{IMAGE_RELATIONSHIP}\" Target=\"{}\" />",
            svg_relationship_id(n),
            svg_part_name(n).trim_start_matches("word/"),
        ));
    }
    out.push_str(&text[end..]);
    Ok(out.into_bytes())
}

fn add_svg_content_type(types: &[u8]) -> Result<Vec<u8>, DocError> {
    let text = std::str::from_utf8(types).map_err(package_error)?;
    if text.contains("Extension=\"svg\"") {
        return Ok(types.to_vec());
    }
    // Beside the other defaults, before the overrides.
    let end = text
        .find("<Override")
        .or_else(|| text.rfind("</Types>"))
        .ok_or_else(|| package_error("no </Types> in [Content_Types].xml"))?;
    Ok(format!(
        "{}<Default Extension=\"svg\" ContentType=\"image/svg+xml\" />{}",
        &text[..end],
        &text[end..]
    )
    .into_bytes())
}

/// docx-rs stores every part uncompressed; a long table would make a file of
/// several megabytes, so the package is written again with deflate, with
/// `extra` parts (the charts' SVGs) added at the end.
fn deflate(stored: &[u8], extra: Vec<(String, Vec<u8>)>) -> Result<Vec<u8>, DocError> {
    let mut archive = zip::ZipArchive::new(Cursor::new(stored)).map_err(package_error)?;
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::with_capacity(stored.len() / 4)));
    let mut buffer = Vec::new();
    for i in 0..archive.len() {
        let mut part = archive.by_index(i).map_err(package_error)?;
        // Directory entries are optional in OPC packages; readers do not need them.
        if part.is_dir() {
            continue;
        }
        buffer.clear();
        part.read_to_end(&mut buffer).map_err(package_error)?;
        // A PNG is compressed already.
        let options = if part.name().ends_with(".png") {
            options.compression_method(zip::CompressionMethod::Stored)
        } else {
            options
        };
        out.start_file(part.name(), options)
            .map_err(package_error)?;
        out.write_all(&buffer).map_err(package_error)?;
    }
    for (name, bytes) in extra {
        out.start_file(name, options).map_err(package_error)?;
        out.write_all(&bytes).map_err(package_error)?;
    }
    Ok(out.finish().map_err(package_error)?.into_inner())
}

fn package_error(e: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> DocError {
    DocError::Package(e.into())
}

#[cfg(test)]
mod tests {
    use super::is_figure;

    #[test]
    fn figures_are_told_from_text() {
        for figure in ["0", "1.234", "66,7 %", "12/45", "01/10/2026", "–"] {
            assert!(is_figure(figure), "{figure}");
        }
        for text in ["", "Cấp độ 1", "300/A05", "SYT", "CVE-2024-1", "%"] {
            assert!(!is_figure(text), "{text}");
        }
    }
}
