//! Charts drawn as SVG by canhgac itself: no script, no external library,
//! readable without colour (every bar carries its number).

use std::fmt::Write;

pub struct Bar {
    pub label: String,
    pub value: i64,
    /// The list behind the number.
    pub href: Option<String>,
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// A horizontal bar chart; `title` is read out by screen readers.
pub fn bars(title: &str, bars: &[Bar]) -> String {
    const ROW: i64 = 28;
    // Narrow enough that a card's width shows the text near its real size.
    const LABEL: i64 = 150;
    const WIDTH: i64 = 420;
    let max = bars.iter().map(|b| b.value).max().unwrap_or(0).max(1);
    let height = ROW * bars.len().max(1) as i64 + 8;
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg class="chart" role="img" aria-label="{t}" viewBox="0 0 {WIDTH} {height}" width="100%" preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg"><title>{t}</title>"#,
        t = escape(title)
    );
    for (i, b) in bars.iter().enumerate() {
        let y = i as i64 * ROW + 4;
        let len = (WIDTH - LABEL - 50) * b.value / max;
        let label: String = b.label.chars().take(20).collect();
        let body = format!(
            r#"<text x="{lx}" y="{ty}" text-anchor="end" class="chart-label">{label}</text><rect x="{LABEL}" y="{y}" width="{len}" height="{h}" class="chart-bar"/><text x="{vx}" y="{ty}" class="chart-value">{v}</text>"#,
            lx = LABEL - 8,
            ty = y + 15,
            label = escape(&label),
            h = ROW - 8,
            vx = LABEL + len + 6,
            v = b.value
        );
        match &b.href {
            Some(h) => {
                let _ = write!(svg, r#"<a href="{}">{body}</a>"#, escape(h));
            }
            None => svg.push_str(&body),
        }
    }
    svg.push_str("</svg>");
    svg
}

/// A column chart over time (months left to right), each column with its
/// number on top; for trends. A label "mm/yyyy" is drawn on two lines (the
/// month, and the year where it changes) so neighbouring labels never
/// overlap however many months there are.
pub fn columns(title: &str, points: &[Bar]) -> String {
    const HEIGHT: i64 = 196;
    const BASE: i64 = 150;
    const COL: i64 = 52;
    let max = points.iter().map(|b| b.value).max().unwrap_or(0).max(1);
    // Wide enough that a few months do not blow up into giant columns.
    let width = (COL * points.len().max(1) as i64 + 10).max(460);
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg class="chart" role="img" aria-label="{t}" viewBox="0 0 {width} {HEIGHT}" width="100%" preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg"><title>{t}</title>"#,
        t = escape(title)
    );
    let mut last_year: Option<&str> = None;
    for (i, b) in points.iter().enumerate() {
        let x = i as i64 * COL + 8;
        let h = (BASE - 30) * b.value / max;
        let cx = x + (COL - 12) / 2;
        let (first, second) = match b.label.split_once('/') {
            Some((m, y)) => {
                let year = (last_year != Some(y)).then_some(y);
                last_year = Some(y);
                (m, year)
            }
            None => (b.label.as_str(), None),
        };
        let mut label = format!(
            r#"<text x="{cx}" y="{ly}" text-anchor="middle" class="chart-label">{}</text>"#,
            escape(&first.chars().take(6).collect::<String>()),
            ly = BASE + 16,
        );
        if let Some(y) = second {
            let _ = write!(
                label,
                r#"<text x="{cx}" y="{ly}" text-anchor="middle" class="chart-label">{}</text>"#,
                escape(&y.chars().take(6).collect::<String>()),
                ly = BASE + 34,
            );
        }
        let body = format!(
            r#"<rect x="{x}" y="{y}" width="{w}" height="{h}" class="chart-bar"/><text x="{cx}" y="{vy}" text-anchor="middle" class="chart-value">{v}</text>{label}"#,
            y = BASE - h,
            w = COL - 12,
            vy = BASE - h - 4,
            v = app::dashboard::thousands(b.value),
        );
        match &b.href {
            Some(href) => {
                let _ = write!(svg, r#"<a href="{}">{body}</a>"#, escape(href));
            }
            None => svg.push_str(&body),
        }
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_scale_link_and_escape() {
        let svg = bars(
            "Hệ thống <theo> cấp độ",
            &[
                Bar {
                    label: "Cấp độ 3".into(),
                    value: 10,
                    href: Some("/systems?level=3&x=1".into()),
                },
                Bar {
                    label: "<script>".into(),
                    value: 5,
                    href: None,
                },
            ],
        );
        assert!(
            svg.contains(r#"width="220""#),
            "the largest bar takes the full length"
        );
        assert!(
            svg.contains(r#"width="110""#),
            "half the value, half the length"
        );
        assert!(svg.contains("/systems?level=3&amp;x=1"));
        assert!(!svg.contains("<script>") && svg.contains("&lt;script&gt;"));
        assert!(svg.contains("Hệ thống &lt;theo&gt; cấp độ"));
        assert!(bars("empty", &[]).starts_with("<svg"));
    }

    #[test]
    fn columns_grow_with_their_value() {
        let svg = columns(
            "Xu hướng",
            &[
                Bar {
                    label: "01/2025".into(),
                    value: 40,
                    href: None,
                },
                Bar {
                    label: "02/2025".into(),
                    value: 20,
                    href: Some("/botnet/lists/2".into()),
                },
            ],
        );
        assert!(
            svg.contains(r#"height="120""#),
            "the largest column takes the full height"
        );
        assert!(svg.contains(r#"height="60""#));
        assert!(svg.contains("/botnet/lists/2"));
        // Month and year on two lines; the year only where it changes.
        assert!(svg.contains(">01</text>") && svg.contains(">02</text>"));
        assert_eq!(svg.matches(">2025</text>").count(), 1);
    }
}
