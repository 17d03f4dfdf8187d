//! Bar and column charts for reports: a plain data type, drawn as a
//! standalone SVG 1.1 document and, for readers without SVG support, as a
//! PNG of the same bars.
//!
//! A chart must read on a black-and-white printout: every bar carries its
//! number as text (grouped Vietnamese style, "1.234"; see [`format_value`]),
//! a second series is told apart by a light fill against a dark one plus a
//! legend, and the unit is written out ("Đơn vị tính: …"). Drawing uses
//! Times New Roman from the reader's machine; there is no script, no style
//! sheet and nothing fetched from outside. Labels are cleaned like the rest of
//! the document's text ([`crate::clean_text`], whitespace collapsed), escaped,
//! a bar's label wrapped over up to three lines and cut with "…" only beyond; the full label stays in the bar's
//! tooltip and the chart's `<desc>`. Zero draws no bar but still its "0";
//! negative values grow from the zero line the other way; an empty series
//! draws the note "Không có số liệu". Any input gives a well-formed document
//! (property tests) — huge or many values make a crowded chart, not a panic.
//!
//! # In a DOCX
//!
//! [`Block::Chart`](crate::Block::Chart) puts the chart in the body as an
//! inline picture 15 cm wide, centred, with "Biểu đồ N: title" as a caption
//! paragraph below. The picture is stored twice, the way Word 2016 itself
//! stores an SVG: the PNG is the picture's `a:blip` (what Word 2013,
//! LibreOffice before 7 and converters show), and the SVG hangs off that blip
//! in the `asvg:svgBlip` extension (what Word 2016+, Microsoft 365 and
//! LibreOffice 7+ show). `docx-rs` writes the inline picture, the PNG part and
//! its relationship; it has no notion of blip extensions, so after it has
//! built the parts the writer inserts the extension into each chart's
//! `a:blip` (found by position, the n-th blip being the n-th chart, and
//! counted, as for table headers), adds one image relationship per SVG and
//! the `svg` → `image/svg+xml` default to `[Content_Types].xml`, and writes
//! the SVG parts into the package when it recompresses it. The PNG is the SVG
//! itself drawn by `resvg`, labels and values included, in Liberation Serif
//! (Times New Roman's metrics, every Vietnamese letter; SIL OFL, compiled into
//! the crate from `fonts/`, so no system font is read), 1200 pixels across.
//! A chart with nothing to show ([`Chart::is_blank`]: no entries, or all
//! zero) is left out of a document, which prints [`Chart::blank_note`]
//! instead.

use std::fmt::Write as _;

use crate::clean_text;

/// A chart of whole numbers, one (or two) per label.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Chart {
    /// What the chart shows, e.g. "Số địa chỉ IP bị nhiễm mã độc theo
    /// tháng". In a document it is the caption ("Biểu đồ 1: …"); in
    /// [`Chart::to_svg`] it is also drawn above the bars.
    pub title: String,
    pub kind: ChartKind,
    /// One bar (or column) per entry, in the order given: its label and its
    /// value.
    pub series: Vec<(String, i64)>,
    /// What the values count, e.g. "địa chỉ IP"; written "Đơn vị tính: …".
    pub unit: Option<String>,
    /// A second value per label, drawn beside the first.
    pub compare: Option<Comparison>,
}

/// Which way the bars go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ChartKind {
    /// Horizontal bars, labels on the left: for comparing units
    /// (organisations, operators), any number of them.
    #[default]
    Bars,
    /// Vertical columns, labels below: for a period (months left to right);
    /// suits up to about two dozen points on a page's width.
    Columns,
}

/// A second series beside the first, e.g. findings fixed beside findings
/// found.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Comparison {
    /// The legend: the name of the values in [`Chart::series`], then the name
    /// of [`Comparison::values`], e.g. `["Phát hiện", "Đã khắc phục"]`.
    pub legend: [String; 2],
    /// `values[i]` goes with `series[i]`. A label without one shows "–" and no
    /// bar; values beyond the series are ignored.
    pub values: Vec<i64>,
}

impl Chart {
    /// Horizontal bars, one per `(label, value)`.
    pub fn bars<L: Into<String>>(
        title: impl Into<String>,
        series: impl IntoIterator<Item = (L, i64)>,
    ) -> Chart {
        Chart::new(title, ChartKind::Bars, series)
    }

    /// Vertical columns, one per `(label, value)`, e.g. per month.
    pub fn columns<L: Into<String>>(
        title: impl Into<String>,
        series: impl IntoIterator<Item = (L, i64)>,
    ) -> Chart {
        Chart::new(title, ChartKind::Columns, series)
    }

    fn new<L: Into<String>>(
        title: impl Into<String>,
        kind: ChartKind,
        series: impl IntoIterator<Item = (L, i64)>,
    ) -> Chart {
        Chart {
            title: title.into(),
            kind,
            series: series
                .into_iter()
                .map(|(label, value)| (label.into(), value))
                .collect(),
            unit: None,
            compare: None,
        }
    }

    /// The same chart with "Đơn vị tính: `unit`".
    pub fn unit(mut self, unit: impl Into<String>) -> Chart {
        self.unit = Some(unit.into());
        self
    }

    /// The same chart with a second series: `first` names the values already
    /// there, `second` names `values`.
    pub fn compare(
        mut self,
        first: impl Into<String>,
        second: impl Into<String>,
        values: Vec<i64>,
    ) -> Chart {
        self.compare = Some(Comparison {
            legend: [first.into(), second.into()],
            values,
        });
        self
    }

    /// Whether the chart has nothing to show: no entries, or every value
    /// (of both series) zero or missing. A document leaves such a chart out
    /// and says so in one sentence ([`Chart::blank_note`]).
    pub fn is_blank(&self) -> bool {
        let first = self.series.iter().all(|(_, v)| *v == 0);
        let second = self
            .compare
            .as_ref()
            .is_none_or(|c| c.values.iter().take(self.series.len()).all(|v| *v == 0));
        first && second
    }

    /// The sentence a document prints instead of a blank chart.
    pub fn blank_note(&self) -> String {
        let title = one_line(&self.title);
        if title.is_empty() {
            "Không có số liệu khác 0 để vẽ biểu đồ.".to_string()
        } else {
            format!("Không có số liệu khác 0 để vẽ biểu đồ \u{201c}{title}\u{201d}.")
        }
    }

    /// The chart as a standalone SVG 1.1 document, title included.
    pub fn to_svg(&self) -> String {
        Scene::of(self, true).svg(&self.title, &describe(self))
    }

    /// The chart for a document, whose caption carries the title: the SVG,
    /// a PNG of its bars and the PNG's size in pixels.
    pub(crate) fn artwork(&self) -> Artwork {
        let scene = Scene::of(self, false);
        let svg = scene.svg(&self.title, &describe(self));
        let (png, width, height) = scene.png(&svg);
        Artwork {
            svg,
            png,
            width,
            height,
            aspect: scene.height / scene.width,
        }
    }

    /// A one-line description of the data for screen readers: the title, the
    /// unit and every label with its value(s).
    pub(crate) fn alt_text(&self) -> String {
        let title = one_line(&self.title);
        let data = describe(self);
        match (title.is_empty(), data.is_empty()) {
            (true, _) => data,
            (false, true) => title,
            (false, false) => format!("{title}. {data}"),
        }
    }
}

pub(crate) struct Artwork {
    pub svg: String,
    pub png: Vec<u8>,
    pub width: u32,
    pub height: u32,
    /// Height over width of the drawing.
    pub aspect: f64,
}

/// A value as the chart writes it: digits grouped by three with ".", as
/// Vietnamese writes numbers, e.g. `-1234567` → "-1.234.567".
pub fn format_value(value: i64) -> String {
    let digits = value.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if value < 0 {
        out.push('-');
    }
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(digit);
    }
    out
}

const NO_DATA: &str = "Không có số liệu";
const MISSING: &str = "–";

fn describe(chart: &Chart) -> String {
    let mut out = String::new();
    if let Some(unit) = chart.unit.as_deref().map(one_line) {
        if !unit.is_empty() {
            let _ = write!(out, "Đơn vị tính: {unit}. ");
        }
    }
    if chart.series.is_empty() {
        out.push_str(NO_DATA);
        return out;
    }
    let legend = chart
        .compare
        .as_ref()
        .map(|c| [one_line(&c.legend[0]), one_line(&c.legend[1])]);
    for (i, (label, value)) in chart.series.iter().enumerate() {
        if i > 0 {
            out.push_str("; ");
        }
        let label = one_line(label);
        if !label.is_empty() {
            let _ = write!(out, "{label}: ");
        }
        match (&chart.compare, &legend) {
            (Some(compare), Some([first, second])) => {
                let other = shown(compare.values.get(i).copied());
                let _ = write!(out, "{first} {}, {second} {other}", format_value(*value));
            }
            _ => out.push_str(&format_value(*value)),
        }
    }
    out
}

// ---------------------------------------------------------------------------
// Layout: the chart as shapes in user units (SVG pixels), shared by the SVG
// writer and the PNG rasterizer.

const WIDTH: f64 = 800.0;
const MARGIN: f64 = 16.0;
const TITLE_SIZE: f64 = 24.0;
const TITLE_LINE: f64 = 30.0;
const NOTE_SIZE: f64 = 17.0;
const LABEL_SIZE: f64 = 18.0;
/// Lines a bar's label may take before it is cut with "…".
const LABEL_LINES: usize = 3;
const VALUE_SIZE: f64 = 17.0;
const SWATCH: f64 = 15.0;
/// Labels of horizontal bars take at most this share of the width.
const LABEL_SHARE: f64 = 0.38;
const MIN_PLOT: f64 = 200.0;
const COLUMN_PLOT_HEIGHT: f64 = 300.0;

const DARK: &str = "#1f4e79";
const LIGHT: &str = "#bdd7ee";
const INK: &str = "#000000";
const GREY: &str = "#7f7f7f";

#[derive(Debug, Clone, Copy, PartialEq)]
enum Paint {
    /// The first series: a dark fill.
    Dark,
    /// The second series: a light fill with a dark outline.
    Light,
    /// An outline only, for the empty chart's frame.
    Frame,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Anchor {
    Start,
    Middle,
    End,
}

#[derive(Debug)]
enum Shape {
    Rect {
        x: f64,
        y: f64,
        w: f64,
        h: f64,
        paint: Paint,
        tip: Option<String>,
    },
    /// The zero line, horizontal or vertical.
    Line { x1: f64, y1: f64, x2: f64, y2: f64 },
    Text {
        x: f64,
        y: f64,
        text: String,
        size: f64,
        anchor: Anchor,
        bold: bool,
        italic: bool,
        /// Degrees, clockwise, about (x, y).
        rotate: f64,
    },
}

fn text(x: f64, y: f64, text: String, size: f64, anchor: Anchor) -> Shape {
    Shape::Text {
        x,
        y,
        text,
        size,
        anchor,
        bold: false,
        italic: false,
        rotate: 0.0,
    }
}

struct Scene {
    width: f64,
    height: f64,
    shapes: Vec<Shape>,
}

/// A label, a value, and the second value if the chart compares.
struct Entry {
    label: String,
    tip_label: String,
    first: i64,
    second: Option<Option<i64>>,
}

impl Entry {
    /// What is drawn for this label: the first value, then the second if the
    /// chart compares (`None` where it is missing).
    fn drawn(&self) -> impl Iterator<Item = Option<i64>> + '_ {
        std::iter::once(Some(self.first)).chain(self.second)
    }
    fn values(&self) -> impl Iterator<Item = i64> + '_ {
        self.drawn().flatten()
    }
    fn texts(&self) -> impl Iterator<Item = String> + '_ {
        self.drawn().map(shown)
    }
}

/// A value as written on its bar, "–" for a missing one.
fn shown(value: Option<i64>) -> String {
    value.map_or_else(|| MISSING.to_string(), format_value)
}

/// Where zero and the values fall along a bar's length.
struct Scale {
    lo: f64,
    span: f64,
    from: f64,
    length: f64,
}

impl Scale {
    fn new(entries: &[Entry], from: f64, length: f64) -> Scale {
        let values = entries.iter().flat_map(Entry::values);
        let (lo, hi) = values.fold((0i64, 0i64), |(lo, hi), v| (lo.min(v), hi.max(v)));
        let (lo, hi) = (lo as f64, hi as f64);
        let span = if hi > lo { hi - lo } else { 1.0 };
        Scale {
            lo,
            span,
            from,
            length,
        }
    }
    fn at(&self, value: i64) -> f64 {
        self.from + (value as f64 - self.lo) / self.span * self.length
    }
}

impl Scene {
    fn of(chart: &Chart, with_title: bool) -> Scene {
        let mut scene = Scene {
            width: WIDTH,
            height: 0.0,
            shapes: Vec::new(),
        };
        let entries: Vec<Entry> = chart
            .series
            .iter()
            .enumerate()
            .map(|(i, (label, value))| Entry {
                label: one_line(label),
                tip_label: one_line(label),
                first: *value,
                second: chart.compare.as_ref().map(|c| c.values.get(i).copied()),
            })
            .collect();
        match chart.kind {
            ChartKind::Bars => scene.bars(chart, entries, with_title),
            ChartKind::Columns => scene.columns(chart, entries, with_title),
        }
        scene
    }

    /// Title lines, legend and unit from the top; returns where they end.
    fn heading(&mut self, chart: &Chart, with_title: bool) -> f64 {
        let inner = self.width - 2.0 * MARGIN;
        let mut y = MARGIN;
        if with_title {
            for line in wrap(&one_line(&chart.title), TITLE_SIZE, inner, 2) {
                self.shapes.push(Shape::Text {
                    x: self.width / 2.0,
                    y: y + TITLE_SIZE * 0.8,
                    text: line,
                    size: TITLE_SIZE,
                    anchor: Anchor::Middle,
                    bold: true,
                    italic: false,
                    rotate: 0.0,
                });
                y += TITLE_LINE;
            }
            if y > MARGIN {
                y += 6.0;
            }
        }

        let unit = chart
            .unit
            .as_deref()
            .map(one_line)
            .filter(|u| !u.is_empty())
            .map(|u| fit(&format!("Đơn vị tính: {u}"), NOTE_SIZE, inner));
        let legend = chart.compare.as_ref().map(|c| {
            let half = inner / 2.0 - SWATCH - 14.0;
            [
                fit(&one_line(&c.legend[0]), NOTE_SIZE, half),
                fit(&one_line(&c.legend[1]), NOTE_SIZE, half),
            ]
        });
        let legend_width = legend.as_ref().map_or(0.0, |names| {
            names
                .iter()
                .map(|n| SWATCH + 6.0 + text_width(n, NOTE_SIZE) + 18.0)
                .sum()
        });
        let unit_width = unit.as_deref().map_or(0.0, |u| text_width(u, NOTE_SIZE));
        let line = NOTE_SIZE + 9.0;
        let has_line = legend.is_some() || unit.is_some();
        if let Some(names) = legend {
            let mut x = MARGIN;
            for (name, paint) in names.into_iter().zip([Paint::Dark, Paint::Light]) {
                self.shapes.push(Shape::Rect {
                    x,
                    y: y + 2.0,
                    w: SWATCH,
                    h: SWATCH,
                    paint,
                    tip: None,
                });
                let width = text_width(&name, NOTE_SIZE);
                self.shapes.push(text(
                    x + SWATCH + 6.0,
                    y + NOTE_SIZE * 0.85,
                    name,
                    NOTE_SIZE,
                    Anchor::Start,
                ));
                x += SWATCH + 6.0 + width + 18.0;
            }
            if unit.is_some() && legend_width + unit_width + 12.0 > inner {
                y += line;
            }
        }
        if let Some(unit) = unit {
            self.shapes.push(Shape::Text {
                x: self.width - MARGIN,
                y: y + NOTE_SIZE * 0.85,
                text: unit,
                size: NOTE_SIZE,
                anchor: Anchor::End,
                bold: false,
                italic: true,
                rotate: 0.0,
            });
        }
        if has_line {
            y += line;
        }
        y + 6.0
    }

    fn no_data(&mut self, top: f64) {
        let h = 110.0;
        self.shapes.push(Shape::Rect {
            x: MARGIN,
            y: top,
            w: self.width - 2.0 * MARGIN,
            h,
            paint: Paint::Frame,
            tip: None,
        });
        self.shapes.push(Shape::Text {
            x: self.width / 2.0,
            y: top + h / 2.0 + LABEL_SIZE * 0.35,
            text: NO_DATA.to_string(),
            size: LABEL_SIZE,
            anchor: Anchor::Middle,
            bold: false,
            italic: true,
            rotate: 0.0,
        });
        self.height = top + h + MARGIN;
    }

    fn bars(&mut self, chart: &Chart, mut entries: Vec<Entry>, with_title: bool) {
        if entries.is_empty() {
            let top = self.heading(chart, with_title);
            return self.no_data(top);
        }
        let paired = chart.compare.is_some();
        let gap = 5.0;
        let room = |entries: &[Entry], negative: bool| {
            entries
                .iter()
                .flat_map(Entry::drawn)
                .filter(|v| v.is_some_and(|v| v < 0) == negative)
                .map(|v| text_width(&shown(v), VALUE_SIZE) + gap)
                .fold(0.0, f64::max)
        };
        let (neg_room, pos_room) = (room(&entries, true), room(&entries, false).max(24.0));

        // Labels get what is left after the values and a minimum plot, up to
        // their share of the width.
        let free = WIDTH - 2.0 * MARGIN - neg_room - pos_room - MIN_PLOT - 10.0;
        let label_max = (WIDTH * LABEL_SHARE).min(free).max(60.0);
        // A long label wraps over up to LABEL_LINES lines (its row grows
        // to hold them); only what is longer still is cut with "…".
        let labels: Vec<Vec<String>> = entries
            .iter_mut()
            .map(|e| {
                wrap(
                    &std::mem::take(&mut e.label),
                    LABEL_SIZE,
                    label_max,
                    LABEL_LINES,
                )
            })
            .collect();
        let label_width = labels
            .iter()
            .flatten()
            .map(|l| text_width(l, LABEL_SIZE))
            .fold(0.0, f64::max);
        let label_col = if label_width > 0.0 {
            label_width + 10.0
        } else {
            0.0
        };
        self.width = WIDTH.max(2.0 * MARGIN + label_col + neg_room + pos_room + MIN_PLOT);
        let top = self.heading(chart, with_title);
        let x0 = MARGIN + label_col + neg_room;
        let x1 = self.width - MARGIN - pos_room;
        let scale = Scale::new(&entries, x0, x1 - x0);
        let zero = scale.at(0);

        let (thick, inner_gap, row_gap) = if paired {
            (18.0, 3.0, 14.0)
        } else {
            (24.0, 0.0, 14.0)
        };
        let row = if paired {
            2.0 * thick + inner_gap
        } else {
            thick
        };
        let mut y = top + 6.0;
        let plot_top = y;
        let line_height: f64 = LABEL_SIZE * 1.2;
        for (e, lines) in entries.into_iter().zip(labels) {
            let text_height = lines.len() as f64 * line_height;
            let slot = f64::max(row, text_height);
            let centre = y + slot / 2.0;
            let first = centre - text_height / 2.0 + line_height / 2.0;
            for (j, line) in lines.into_iter().enumerate() {
                self.shapes.push(text(
                    MARGIN + label_col - 10.0,
                    first + j as f64 * line_height + LABEL_SIZE * 0.35,
                    line,
                    LABEL_SIZE,
                    Anchor::End,
                ));
            }
            let bars_top = y + (slot - row) / 2.0;
            for (k, (value, paint)) in e.drawn().zip([Paint::Dark, Paint::Light]).enumerate() {
                let by = bars_top + k as f64 * (thick + inner_gap);
                let baseline = by + thick / 2.0 + VALUE_SIZE * 0.35;
                let Some(value) = value else {
                    self.shapes.push(text(
                        zero + gap,
                        baseline,
                        shown(None),
                        VALUE_SIZE,
                        Anchor::Start,
                    ));
                    continue;
                };
                let end = scale.at(value);
                let label = format_value(value);
                if value != 0 {
                    self.shapes.push(Shape::Rect {
                        x: zero.min(end),
                        y: by,
                        w: (end - zero).abs(),
                        h: thick,
                        paint,
                        tip: Some(tip(&e.tip_label, &label)),
                    });
                }
                let (x, anchor) = if value < 0 {
                    (end - gap, Anchor::End)
                } else {
                    (end + gap, Anchor::Start)
                };
                self.shapes
                    .push(text(x, baseline, label, VALUE_SIZE, anchor));
            }
            y += slot + row_gap;
        }
        let plot_bottom = y - row_gap;
        self.shapes.push(Shape::Line {
            x1: zero,
            y1: plot_top - 6.0,
            x2: zero,
            y2: plot_bottom + 6.0,
        });
        self.height = plot_bottom + 6.0 + MARGIN;
    }

    fn columns(&mut self, chart: &Chart, mut entries: Vec<Entry>, with_title: bool) {
        if entries.is_empty() {
            let top = self.heading(chart, with_title);
            return self.no_data(top);
        }
        let paired = chart.compare.is_some();
        let n = entries.len() as f64;
        let slot = (WIDTH - 2.0 * MARGIN) / n;
        let (col, inner_gap) = if paired {
            (slot * 0.36, slot * 0.04)
        } else {
            (slot * 0.6, 0.0)
        };

        // Values sit above (below, if negative) their column, across it if
        // they fit at a readable size, else turned upright.
        let widest = |size: f64| {
            entries
                .iter()
                .flat_map(Entry::texts)
                .map(|t| text_width(&t, size))
                .fold(0.0, f64::max)
        };
        let per_value = if paired { slot / 2.0 } else { slot } - 2.0;
        let mut value_size = VALUE_SIZE;
        let mut upright = false;
        if widest(value_size) > per_value {
            value_size = (VALUE_SIZE * per_value / widest(VALUE_SIZE)).max(0.0);
            if value_size < 12.0 {
                value_size = (per_value * 0.9).clamp(4.0, VALUE_SIZE);
                upright = true;
            }
        }
        let value_band = if upright {
            widest(value_size) + 8.0
        } else {
            value_size + 8.0
        };
        let any_negative = entries.iter().flat_map(Entry::values).any(|v| v < 0);

        // Labels under the plot, across the slot or slanted if too long.
        let across = (slot - 4.0).max(0.0);
        let slant = entries
            .iter()
            .any(|e| text_width(&e.label, LABEL_SIZE) > across)
            && across < 8.0 * LABEL_SIZE * 0.5;
        let label_size = if slant {
            // Slanted lines are slot × sin 45° apart.
            LABEL_SIZE.min((slot * 0.7).max(4.0))
        } else {
            LABEL_SIZE
        };
        // Across the slot, a long label wraps over up to LABEL_LINES lines
        // (as the bars' labels do) and is cut with "…" only beyond.
        let line_height = label_size * 1.2;
        let wrapped: Vec<Vec<String>> = entries
            .iter_mut()
            .map(|e| {
                if slant {
                    e.label = fit(&e.label, label_size, 180.0);
                    Vec::new()
                } else {
                    wrap(
                        &std::mem::take(&mut e.label),
                        label_size,
                        across,
                        LABEL_LINES,
                    )
                }
            })
            .collect();
        let most_lines = wrapped.iter().map(Vec::len).max().unwrap_or(0);
        let label_band = if slant {
            let longest = entries
                .iter()
                .map(|e| text_width(&e.label, label_size))
                .fold(0.0, f64::max);
            longest * std::f64::consts::FRAC_1_SQRT_2 + label_size + 10.0
        } else if most_lines > 0 {
            label_size + (most_lines - 1) as f64 * line_height + 12.0
        } else {
            4.0
        };

        // A slanted label runs down and left from under its column: the
        // first may need room left of the margin, which widens the picture.
        let left = if slant {
            let reach = entries
                .iter()
                .map(|e| text_width(&e.label, label_size))
                .fold(0.0, f64::max)
                * std::f64::consts::FRAC_1_SQRT_2;
            MARGIN + (reach - slot / 2.0 - MARGIN / 2.0).max(0.0)
        } else {
            MARGIN
        };
        self.width = WIDTH - MARGIN + left;
        let top = self.heading(chart, with_title);

        let plot_top = top + value_band;
        let plot_bottom = plot_top + COLUMN_PLOT_HEIGHT;
        // Upward from the bottom: the scale runs from the lowest value at
        // the bottom to the highest at the top.
        let scale = Scale::new(&entries, plot_bottom, -COLUMN_PLOT_HEIGHT);
        let zero = scale.at(0);
        let labels_top = plot_bottom + if any_negative { value_band } else { 4.0 };

        for (i, (mut e, lines)) in entries.into_iter().zip(wrapped).enumerate() {
            let centre = left + slot * (i as f64 + 0.5);
            for (j, line) in lines.into_iter().enumerate() {
                self.shapes.push(text(
                    centre,
                    labels_top + label_size + j as f64 * line_height,
                    line,
                    label_size,
                    Anchor::Middle,
                ));
            }
            if slant && !e.label.is_empty() {
                let (x, y) = (centre + label_size * 0.3, labels_top + label_size * 0.8);
                self.shapes.push(Shape::Text {
                    x,
                    y,
                    text: std::mem::take(&mut e.label),
                    size: label_size,
                    anchor: Anchor::End,
                    bold: false,
                    italic: false,
                    rotate: -45.0,
                });
            }
            for (k, (value, paint)) in e.drawn().zip([Paint::Dark, Paint::Light]).enumerate() {
                let cx = if paired {
                    centre + (k as f64 - 0.5) * (col + inner_gap)
                } else {
                    centre
                };
                let (end, label) = match value {
                    Some(value) => (scale.at(value), format_value(value)),
                    None => (zero, shown(None)),
                };
                if let Some(value) = value.filter(|v| *v != 0) {
                    self.shapes.push(Shape::Rect {
                        x: cx - col / 2.0,
                        y: zero.min(end),
                        w: col,
                        h: (end - zero).abs(),
                        paint,
                        tip: Some(tip(&e.tip_label, &format_value(value))),
                    });
                }
                let below = value.is_some_and(|v| v < 0);
                let shape = match (upright, below) {
                    (false, false) => text(cx, end - 5.0, label, value_size, Anchor::Middle),
                    (false, true) => text(
                        cx,
                        end + value_size + 3.0,
                        label,
                        value_size,
                        Anchor::Middle,
                    ),
                    (true, _) => Shape::Text {
                        x: cx + value_size * 0.35,
                        y: if below { end + 5.0 } else { end - 5.0 },
                        text: label,
                        size: value_size,
                        anchor: if below { Anchor::End } else { Anchor::Start },
                        bold: false,
                        italic: false,
                        rotate: -90.0,
                    },
                };
                self.shapes.push(shape);
            }
        }
        self.shapes.push(Shape::Line {
            x1: left,
            y1: zero,
            x2: self.width - MARGIN,
            y2: zero,
        });
        self.height = labels_top + label_band + MARGIN;
    }

    fn svg(&self, title: &str, desc: &str) -> String {
        let mut out = String::with_capacity(512 + self.shapes.len() * 120);
        let (w, h) = (num(self.width), num(self.height));
        let _ = write!(
            out,
            "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n\
             <svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"{w}\" height=\"{h}\" \
             viewBox=\"0 0 {w} {h}\" font-family=\"Times New Roman, serif\">\n\
             <title>{}</title>\n<desc>{}</desc>\n\
             <rect x=\"0\" y=\"0\" width=\"{w}\" height=\"{h}\" fill=\"#ffffff\"/>\n",
            escape(&one_line(title)),
            escape(desc),
        );
        for shape in &self.shapes {
            match shape {
                Shape::Rect {
                    x,
                    y,
                    w,
                    h,
                    paint,
                    tip,
                } => {
                    let style = match paint {
                        Paint::Dark => format!("fill=\"{DARK}\""),
                        Paint::Light => {
                            format!("fill=\"{LIGHT}\" stroke=\"{DARK}\" stroke-width=\"1.5\"")
                        }
                        Paint::Frame => {
                            format!("fill=\"none\" stroke=\"{GREY}\" stroke-width=\"1\"")
                        }
                    };
                    let _ = write!(
                        out,
                        "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" {style}",
                        num(*x),
                        num(*y),
                        num(*w),
                        num(*h)
                    );
                    match tip {
                        Some(tip) => {
                            let _ = writeln!(out, "><title>{}</title></rect>", escape(tip));
                        }
                        None => out.push_str("/>\n"),
                    }
                }
                Shape::Line { x1, y1, x2, y2 } => {
                    let _ = writeln!(
                        out,
                        "<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"{INK}\" stroke-width=\"1.5\"/>",
                        num(*x1),
                        num(*y1),
                        num(*x2),
                        num(*y2)
                    );
                }
                Shape::Text {
                    x,
                    y,
                    text,
                    size,
                    anchor,
                    bold,
                    italic,
                    rotate,
                } => {
                    let (x, y) = (num(*x), num(*y));
                    let _ = write!(
                        out,
                        "<text x=\"{x}\" y=\"{y}\" font-size=\"{}\" fill=\"{INK}\"",
                        num(*size)
                    );
                    match anchor {
                        Anchor::Start => {}
                        Anchor::Middle => out.push_str(" text-anchor=\"middle\""),
                        Anchor::End => out.push_str(" text-anchor=\"end\""),
                    }
                    if *bold {
                        out.push_str(" font-weight=\"bold\"");
                    }
                    if *italic {
                        out.push_str(" font-style=\"italic\"");
                    }
                    if *rotate != 0.0 {
                        let _ = write!(out, " transform=\"rotate({} {x} {y})\"", num(*rotate));
                    }
                    let _ = writeln!(out, ">{}</text>", escape(text));
                }
            }
        }
        out.push_str("</svg>\n");
        out
    }

    /// The chart's own SVG drawn by resvg, text included (in the Liberation
    /// Serif compiled into the crate), at 1200 pixels across unless that
    /// would make the picture taller than [`PNG_MAX_HEIGHT`].
    fn png(&self, svg: &str) -> (Vec<u8>, u32, u32) {
        let mut scale = PNG_WIDTH / self.width;
        if self.height * scale > PNG_MAX_HEIGHT {
            scale = PNG_MAX_HEIGHT / self.height;
        }
        let width = ((self.width * scale).round() as u32).max(1);
        let height = ((self.height * scale).round() as u32).max(1);
        (
            raster::draw(svg, scale as f32, width, height),
            width,
            height,
        )
    }
}

fn tip(label: &str, value: &str) -> String {
    if label.is_empty() {
        value.to_string()
    } else {
        format!("{label}: {value}")
    }
}

// ---------------------------------------------------------------------------
// Text: cleaning, escaping, measuring and cutting.

/// Text as one line: what XML cannot hold dropped, runs of whitespace (line
/// breaks included) made one space, ends trimmed.
fn one_line(text: &str) -> String {
    clean_text(text)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// `text` escaped for XML character data and attribute values.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

/// Marks that combine with the character before them and take no room:
/// Vietnamese tone marks when the text is decomposed, variation selectors,
/// zero-width joiners.
fn is_mark(c: char) -> bool {
    matches!(c,
        '\u{0300}'..='\u{036F}'
        | '\u{1AB0}'..='\u{1AFF}'
        | '\u{1DC0}'..='\u{1DFF}'
        | '\u{200B}'..='\u{200F}'
        | '\u{20D0}'..='\u{20FF}'
        | '\u{FE00}'..='\u{FE0F}'
        | '\u{FE20}'..='\u{FE2F}'
        | '\u{E0100}'..='\u{E01EF}')
}

/// The advance of `c` in em, roughly as Times New Roman sets it.
fn char_em(c: char) -> f64 {
    match c {
        c if is_mark(c) => 0.0,
        ' ' | '.' | ',' | ':' | ';' | '\'' | '!' | '|' | 'i' | 'j' | 'l' | 'í' | 'ì' | 'ỉ'
        | 'ĩ' | 'ị' | 'I' => 0.3,
        '0'..='9' | '-' | '–' | '(' | ')' | '/' => 0.5,
        'm' | 'w' | 'M' | 'W' | '…' | '%' | '@' => 0.9,
        c if c.is_ascii_lowercase() => 0.48,
        c if c.is_uppercase() => 0.7,
        c if (c as u32) < 0x2E80 => 0.55,
        // CJK, emoji and the like are set about square.
        _ => 1.0,
    }
}

pub(crate) fn text_width(text: &str, size: f64) -> f64 {
    text.chars().map(char_em).sum::<f64>() * size
}

/// `text` cut to `max` wide with "…", never between a character and the
/// marks that follow it.
fn fit(text: &str, size: f64, max: f64) -> String {
    if text_width(text, size) <= max {
        return text.to_string();
    }
    let room = max - text_width("…", size);
    let mut used = 0.0;
    let mut end = 0;
    for (i, c) in text.char_indices() {
        used += char_em(c) * size;
        if used > room && !is_mark(c) {
            break;
        }
        end = i + c.len_utf8();
    }
    let kept = text[..end].trim_end();
    if kept.is_empty() && room < 0.0 {
        return String::new();
    }
    format!("{kept}…")
}

/// `text` in at most `lines` lines of `max` width, the last cut with "…".
fn wrap(text: &str, size: f64, max: f64, lines: usize) -> Vec<String> {
    let words: Vec<&str> = text.split(' ').filter(|w| !w.is_empty()).collect();
    let space = text_width(" ", size);
    let mut out = Vec::new();
    let mut i = 0;
    while i < words.len() && out.len() < lines {
        if out.len() + 1 == lines {
            out.push(fit(&words[i..].join(" "), size, max));
            break;
        }
        let mut line = words[i].to_string();
        let mut width = text_width(&line, size);
        i += 1;
        while let Some(word) = words.get(i) {
            let more = space + text_width(word, size);
            if width + more > max {
                break;
            }
            line.push(' ');
            line.push_str(word);
            width += more;
            i += 1;
        }
        out.push(fit(&line, size, max));
    }
    out
}

/// A coordinate with at most one decimal, as short as it goes.
fn num(v: f64) -> String {
    let v = if v.is_finite() { v } else { 0.0 };
    let rounded = (v * 10.0).round() / 10.0;
    if rounded == 0.0 {
        return "0".to_string();
    }
    let s = format!("{rounded:.1}");
    s.strip_suffix(".0").map(str::to_string).unwrap_or(s)
}

// ---------------------------------------------------------------------------
// PNG: the SVG rasterised by resvg with fonts compiled in.

const PNG_WIDTH: f64 = 1200.0;
const PNG_MAX_HEIGHT: f64 = 4800.0;

mod raster {
    use std::sync::{Arc, OnceLock};

    use resvg::{tiny_skia, usvg};

    /// Liberation Serif 2.1.5 (SIL OFL 1.1, see `fonts/`): Times New Roman's
    /// metrics, which the layout measures with, and every Vietnamese letter.
    const FONTS: [&[u8]; 3] = [
        include_bytes!("../fonts/LiberationSerif-Regular.ttf"),
        include_bytes!("../fonts/LiberationSerif-Italic.ttf"),
        include_bytes!("../fonts/LiberationSerif-Bold.ttf"),
    ];
    const FAMILY: &str = "Liberation Serif";

    /// The fonts, parsed once; no system font is ever looked at, so the
    /// picture is the same on every machine.
    fn fonts() -> Arc<usvg::fontdb::Database> {
        static FONTDB: OnceLock<Arc<usvg::fontdb::Database>> = OnceLock::new();
        FONTDB
            .get_or_init(|| {
                let mut db = usvg::fontdb::Database::new();
                for font in FONTS {
                    db.load_font_data(font.to_vec());
                }
                // The SVG asks for "Times New Roman, serif".
                db.set_serif_family(FAMILY);
                db.set_sans_serif_family(FAMILY);
                Arc::new(db)
            })
            .clone()
    }

    /// `svg` scaled by `scale` onto a white `width` × `height` picture, as PNG.
    /// The SVG is ours and always parses; should it not, the picture is
    /// white rather than the document missing.
    pub(super) fn draw(svg: &str, scale: f32, width: u32, height: u32) -> Vec<u8> {
        let Some(mut pixmap) = tiny_skia::Pixmap::new(width, height) else {
            return Vec::new();
        };
        pixmap.fill(tiny_skia::Color::WHITE);
        let options = usvg::Options {
            font_family: FAMILY.to_string(),
            fontdb: fonts(),
            ..usvg::Options::default()
        };
        if let Ok(tree) = usvg::Tree::from_str(svg, &options) {
            resvg::render(
                &tree,
                tiny_skia::Transform::from_scale(scale, scale),
                &mut pixmap.as_mut(),
            );
        }
        pixmap.encode_png().unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_grouped_by_three() {
        assert_eq!(format_value(0), "0");
        assert_eq!(format_value(999), "999");
        assert_eq!(format_value(1000), "1.000");
        assert_eq!(format_value(-1234567), "-1.234.567");
        assert_eq!(format_value(i64::MIN), "-9.223.372.036.854.775.808");
        assert_eq!(format_value(i64::MAX), "9.223.372.036.854.775.807");
    }

    #[test]
    fn fit_cuts_with_an_ellipsis_and_keeps_marks_with_their_letter() {
        assert_eq!(fit("Sở Y tế", 18.0, 1000.0), "Sở Y tế");
        let cut = fit("Trung tâm Công nghệ thông tin và Truyền thông", 18.0, 150.0);
        assert!(cut.ends_with('…') && cut.len() < 40, "{cut}");
        assert!(text_width(&cut, 18.0) <= 150.0);
        // "ệ" decomposed: e, circumflex, dot below.
        let decomposed = "Vie\u{302}\u{323}t Nam";
        for max in 0..120 {
            let cut = fit(decomposed, 18.0, f64::from(max));
            let before_ellipsis = cut.trim_end_matches('…');
            assert_ne!(
                before_ellipsis.chars().next_back(),
                Some('e'),
                "a mark was cut from its letter at {max}: {cut:?}"
            );
        }
    }

    #[test]
    fn wrap_gives_at_most_the_lines_asked_for() {
        let title = "Số địa chỉ IP bị nhiễm mã độc theo tháng của các cơ quan nhà nước trên địa bàn tỉnh Sơn Hà trong năm 2025 và so sánh với cùng kỳ năm trước, kèm theo đề xuất các giải pháp khắc phục";
        let lines = wrap(title, 24.0, 768.0, 2);
        assert_eq!(lines.len(), 2);
        assert!(lines[1].ends_with('…'));
        assert_eq!(wrap("Ngắn", 24.0, 768.0, 2), vec!["Ngắn".to_string()]);
        assert!(wrap("", 24.0, 768.0, 2).is_empty());
        let word = "x".repeat(500);
        assert!(wrap(&word, 24.0, 768.0, 2).len() <= 2);
    }

    #[test]
    fn column_labels_wrap_rather_than_being_cut() {
        let levels = [
            ("Cấp độ 1", 19),
            ("Cấp độ 2", 21),
            ("Cấp độ 3", 10),
            ("Cấp độ 4", 2),
            ("Cấp độ 5", 0),
            ("Chưa xác định cấp độ", 0),
        ];
        let svg = Chart::columns("Hệ thống theo cấp độ", levels).to_svg();
        assert!(!svg.contains('…'), "{svg}");
        for word in ["Chưa xác định", "cấp độ"] {
            assert!(svg.contains(word), "{word} missing: {svg}");
        }
    }

    fn decode(png: &[u8]) -> resvg::tiny_skia::Pixmap {
        resvg::tiny_skia::Pixmap::decode_png(png).expect("a valid PNG")
    }

    /// Pixels darker than light grey inside `[x0, x1) × [y0, y1)`.
    fn ink(pixmap: &resvg::tiny_skia::Pixmap, x0: f64, y0: f64, x1: f64, y1: f64) -> usize {
        let mut count = 0;
        for y in (y0.max(0.0) as u32)..(y1.min(f64::from(pixmap.height())) as u32) {
            for x in (x0.max(0.0) as u32)..(x1.min(f64::from(pixmap.width())) as u32) {
                let p = pixmap.pixel(x, y).expect("inside");
                if u32::from(p.red()) + u32::from(p.green()) + u32::from(p.blue()) < 3 * 160 {
                    count += 1;
                }
            }
        }
        count
    }

    #[test]
    fn png_is_a_valid_png_of_the_size_it_says() {
        let chart = Chart::columns("T", [("T1", 3), ("T2", -2), ("T3", 0)]);
        let art = chart.artwork();
        assert_eq!(&art.png[..8], b"\x89PNG\r\n\x1a\n");
        assert_eq!(art.width, 1200);
        let pixmap = decode(&art.png);
        assert_eq!((pixmap.width(), pixmap.height()), (art.width, art.height));
        let aspect = f64::from(art.height) / f64::from(art.width);
        assert!(
            (aspect - art.aspect).abs() < 0.01,
            "{aspect} vs {}",
            art.aspect
        );
        // The dark bars are there.
        let dark = pixmap
            .pixels()
            .iter()
            .filter(|p| (p.red(), p.green(), p.blue()) == (0x1f, 0x4e, 0x79))
            .count();
        assert!(dark > 1000, "{dark} dark pixels");
    }

    #[test]
    fn png_carries_the_labels_and_values_as_drawn_text() {
        let chart = Chart::bars("Tái nhiễm", [("Sở Y tế", 1234), ("Tái nhiễm", 7)]);
        let scene = Scene::of(&chart, false);
        let svg = scene.svg(&chart.title, "");
        let (png, width, _) = scene.png(&svg);
        let with_text = decode(&png);
        let scale = f64::from(width) / scene.width;

        // The same SVG with the label "Sở Y tế" taken out.
        let label = ">Sở Y tế</text>";
        assert_eq!(svg.matches(label).count(), 1, "{svg}");
        let without_label = svg.replace(label, "></text>");
        let (png, ..) = scene.png(&without_label);
        let without = decode(&png);
        assert_eq!(with_text.height(), without.height());

        // Where the label is drawn: right-aligned left of the bars.
        let (x, y, size) = scene
            .shapes
            .iter()
            .find_map(|s| match s {
                Shape::Text {
                    x, y, text, size, ..
                } if text == "Sở Y tế" => Some((*x, *y, *size)),
                _ => None,
            })
            .expect("the label is in the scene");
        let area = (
            (x - text_width("Sở Y tế", size)) * scale,
            (y - size * 1.1) * scale,
            x * scale,
            (y + size * 0.3) * scale,
        );
        let drawn = ink(&with_text, area.0, area.1, area.2, area.3);
        assert!(drawn > 100, "only {drawn} dark pixels where the label is");
        assert_eq!(ink(&without, area.0, area.1, area.2, area.3), 0);

        // And the value "1.234" is drawn right of its bar.
        let (vx, vy) = scene
            .shapes
            .iter()
            .find_map(|s| match s {
                Shape::Text { x, y, text, .. } if text == "1.234" => Some((*x, *y)),
                _ => None,
            })
            .expect("the value is in the scene");
        let value = ink(
            &with_text,
            vx * scale,
            (vy - VALUE_SIZE) * scale,
            (vx + text_width("1.234", VALUE_SIZE)) * scale,
            (vy + 2.0) * scale,
        );
        assert!(value > 50, "only {value} dark pixels where the value is");
    }

    #[test]
    fn very_long_charts_keep_the_png_small() {
        let chart = Chart::bars("Nhiều", (0..5000).map(|i| (format!("Đơn vị {i}"), i)));
        let art = chart.artwork();
        assert!(art.height as f64 <= PNG_MAX_HEIGHT);
        assert!(art.width >= 1);
        let pixmap = decode(&art.png);
        assert_eq!((pixmap.width(), pixmap.height()), (art.width, art.height));
    }
}
