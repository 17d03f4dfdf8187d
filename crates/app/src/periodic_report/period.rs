//! Reporting periods (H1, H2, the year), their deadlines and the report due next.

use crate::registry::vn_day_start;

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use serde::Serialize;
use std::fmt;
use std::str::FromStr;

// ---- periods ----

/// Which part of the reporting year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PeriodKind {
    /// 1 December of the year before to 31 May.
    HalfYear1,
    /// 1 June to 30 November.
    HalfYear2,
    /// 1 December of the year before to 30 November.
    Year,
}

/// A reporting period: `2025-H1`, `2025-H2` or `2025`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ReportPeriod {
    pub kind: PeriodKind,
    pub year: i32,
}

pub(super) const FIRST_YEAR: i32 = 2000;
pub(super) const LAST_YEAR: i32 = 2100;

pub(super) fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("a fixed day of a year in range")
}

impl ReportPeriod {
    pub fn new(kind: PeriodKind, year: i32) -> std::result::Result<Self, String> {
        if !(FIRST_YEAR..=LAST_YEAR).contains(&year) {
            return Err(format!(
                "the year {year} is outside {FIRST_YEAR}–{LAST_YEAR}"
            ));
        }
        Ok(ReportPeriod { kind, year })
    }

    /// The first day covered (a Vietnamese calendar day).
    pub fn first_day(&self) -> NaiveDate {
        match self.kind {
            PeriodKind::HalfYear1 | PeriodKind::Year => date(self.year - 1, 12, 1),
            PeriodKind::HalfYear2 => date(self.year, 6, 1),
        }
    }

    /// The last day covered, inclusive.
    pub fn last_day(&self) -> NaiveDate {
        match self.kind {
            PeriodKind::HalfYear1 => date(self.year, 5, 31),
            PeriodKind::HalfYear2 | PeriodKind::Year => date(self.year, 11, 30),
        }
    }

    /// The day the report must be sent before.
    pub fn deadline(&self) -> NaiveDate {
        match self.kind {
            PeriodKind::HalfYear1 => date(self.year, 6, 20),
            PeriodKind::HalfYear2 | PeriodKind::Year => date(self.year, 12, 15),
        }
    }

    /// The start of the first day, Vietnam time, in UTC.
    pub fn starts_at(&self) -> DateTime<Utc> {
        vn_day_start(self.first_day())
    }

    /// The start of the day after the last, Vietnam time, in UTC (exclusive).
    pub fn ends_at(&self) -> DateTime<Utc> {
        vn_day_start(self.last_day() + Duration::days(1))
    }

    pub fn contains(&self, day: NaiveDate) -> bool {
        self.first_day() <= day && day <= self.last_day()
    }

    /// The months covered as `YYYY-MM`, the botnet lists' periods.
    pub fn months(&self) -> Vec<String> {
        let mut out = Vec::new();
        let mut d = self.first_day();
        while d <= self.last_day() {
            out.push(d.format("%Y-%m").to_string());
            d = d
                .checked_add_months(chrono::Months::new(1))
                .expect("months of a year in range");
        }
        out
    }

    /// "6 tháng đầu năm 2025", "6 tháng cuối năm 2025", "năm 2025".
    pub fn label_vi(&self) -> String {
        match self.kind {
            PeriodKind::HalfYear1 => format!("6 tháng đầu năm {}", self.year),
            PeriodKind::HalfYear2 => format!("6 tháng cuối năm {}", self.year),
            PeriodKind::Year => format!("năm {}", self.year),
        }
    }

    /// The half-year a day falls in (December belongs to the next year's first half).
    pub fn half_containing(day: NaiveDate) -> ReportPeriod {
        let (kind, year) = match day.month() {
            12 => (PeriodKind::HalfYear1, day.year() + 1),
            1..=5 => (PeriodKind::HalfYear1, day.year()),
            _ => (PeriodKind::HalfYear2, day.year()),
        };
        ReportPeriod { kind, year }
    }
}

impl fmt::Display for ReportPeriod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            PeriodKind::HalfYear1 => write!(f, "{}-H1", self.year),
            PeriodKind::HalfYear2 => write!(f, "{}-H2", self.year),
            PeriodKind::Year => write!(f, "{}", self.year),
        }
    }
}

impl FromStr for ReportPeriod {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        let t = s.trim();
        let bad = || {
            format!(
                "'{t}' is not a report period: write 2025-H1 (01/12/2024–31/05/2025), \
                 2025-H2 (01/06–30/11/2025) or 2025 (the year, 01/12/2024–30/11/2025)"
            )
        };
        let (year, kind) = match t.split_once('-') {
            Some((y, h)) if h.eq_ignore_ascii_case("h1") => (y, PeriodKind::HalfYear1),
            Some((y, h)) if h.eq_ignore_ascii_case("h2") => (y, PeriodKind::HalfYear2),
            Some(_) => return Err(bad()),
            None => (t, PeriodKind::Year),
        };
        if year.len() != 4 || !year.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        let year: i32 = year.parse().map_err(|_| bad())?;
        ReportPeriod::new(kind, year)
    }
}

impl Serialize for ReportPeriod {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// A report due, for reminders.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReportDue {
    pub period: ReportPeriod,
    pub deadline: NaiveDate,
    /// Days from the given day to the deadline (0 on the day itself).
    pub days_left: i64,
}

impl ReportDue {
    /// "Báo cáo 6 tháng đầu năm 2025: gửi trước ngày 20/06/2025 (còn 12 ngày)."
    pub fn message_vi(&self) -> String {
        let left = match self.days_left {
            0 => "hạn cuối là hôm nay".to_string(),
            n => format!("còn {n} ngày"),
        };
        format!(
            "Báo cáo {}: gửi trước ngày {} ({left}).",
            self.period.label_vi(),
            self.deadline.format("%d/%m/%Y")
        )
    }
}

/// The reports whose deadline is the next on or after `day`: the first
/// half-year's, or the second half-year's together with the year's (both due
/// 15 December).
pub fn next_due(day: NaiveDate) -> Vec<ReportDue> {
    let y = day.year().clamp(FIRST_YEAR, LAST_YEAR - 1);
    let candidates: Vec<ReportPeriod> = [y, y + 1]
        .into_iter()
        .flat_map(|year| {
            [
                PeriodKind::HalfYear1,
                PeriodKind::HalfYear2,
                PeriodKind::Year,
            ]
            .map(|kind| ReportPeriod { kind, year })
        })
        .collect();
    let Some(next) = candidates
        .iter()
        .map(|p| p.deadline())
        .filter(|d| *d >= day)
        .min()
    else {
        return Vec::new();
    };
    candidates
        .into_iter()
        .filter(|p| p.deadline() == next)
        .map(|period| ReportDue {
            period,
            deadline: next,
            days_left: (next - day).num_days(),
        })
        .collect()
}
