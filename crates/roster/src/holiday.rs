//! Vietnamese public holidays, Labour Code 2019 art. 112(1):
//! 1 Jan; Tết Âm lịch, 5 days; 30 Apr; 1 May; National Day, 2 Sep and one
//! adjacent day before or after; Hùng Kings' day, 10th day of the 3rd lunar
//! month. The Prime Minister fixes the Tết days and the National Day adjacent
//! day each year (art. 112(3)), and civil servants usually get more days
//! (weekend swaps, compensatory days for a holiday on a weekly rest day):
//! those come from the caller as extra days.
//!
//! Lunar dates come from a table, not an algorithm; see [`LUNAR_YEARS`].

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate, TimeDelta};
use serde::{Deserialize, Serialize};

use crate::person::check_text;
use crate::RosterError;

/// The years whose Tết and Hùng Kings' day are in the table. Outside them
/// only the solar-calendar holidays and the caller's extra days are known.
pub const LUNAR_YEARS: (i32, i32) = (2020, 2040);

/// (month, day) of lunar 1/1 (Tết) and lunar 10/3 (Hùng Kings' day) in the
/// Vietnamese calendar (UTC+7), 2020 first. Checked three ways: an
/// astronomical computation of new moons and solar terms at UTC+7 (PyEphem),
/// the `lunar-vn` Python package and the `holidays` Python package. Vietnam
/// and China differ in 2030 (2 Feb vs 3 Feb): this is the Vietnamese date.
const LUNAR_TABLE: [((u32, u32), (u32, u32)); 21] = [
    ((1, 25), (4, 2)),  // 2020 Canh Tý
    ((2, 12), (4, 21)), // 2021 Tân Sửu
    ((2, 1), (4, 10)),  // 2022 Nhâm Dần
    ((1, 22), (4, 29)), // 2023 Quý Mão (leap 2nd month)
    ((2, 10), (4, 18)), // 2024 Giáp Thìn
    ((1, 29), (4, 7)),  // 2025 Ất Tỵ
    ((2, 17), (4, 26)), // 2026 Bính Ngọ
    ((2, 6), (4, 16)),  // 2027 Đinh Mùi
    ((1, 26), (4, 4)),  // 2028 Mậu Thân
    ((2, 13), (4, 23)), // 2029 Kỷ Dậu
    ((2, 2), (4, 12)),  // 2030 Canh Tuất
    ((1, 23), (4, 1)),  // 2031 Tân Hợi (leap 3rd month: the regular one counts)
    ((2, 11), (4, 19)), // 2032 Nhâm Tý
    ((1, 31), (4, 9)),  // 2033 Quý Sửu
    ((2, 19), (4, 28)), // 2034 Giáp Dần
    ((2, 8), (4, 17)),  // 2035 Ất Mão
    ((1, 28), (4, 6)),  // 2036 Bính Thìn
    ((2, 15), (4, 24)), // 2037 Đinh Tỵ
    ((2, 4), (4, 13)),  // 2038 Mậu Ngọ
    ((1, 24), (4, 3)),  // 2039 Kỷ Mùi
    ((2, 12), (4, 20)), // 2040 Canh Thân
];

fn lunar_row(year: i32) -> Option<((u32, u32), (u32, u32))> {
    let index = usize::try_from(year.checked_sub(LUNAR_YEARS.0)?).ok()?;
    LUNAR_TABLE.get(index).copied()
}

/// Which day joins 2 September (art. 112(1)(đ): "01 ngày liền kề trước hoặc sau").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum NationalDayAdjacent {
    /// 1 September, the default.
    #[default]
    Before,
    /// 3 September.
    After,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum HolidayKind {
    /// A day of art. 112(1).
    Statutory,
    /// A day the caller added (extended Tết, swapped or compensatory days).
    Extra,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Holiday {
    pub date: NaiveDate,
    pub kind: HolidayKind,
    pub name_vi: String,
    pub name_en: String,
}

/// The statutory holidays plus the caller's extra days and choices.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HolidayCalendar {
    national_day: BTreeMap<i32, NationalDayAdjacent>,
    extra: BTreeMap<NaiveDate, (String, String)>,
}

const MAX_HOLIDAY_NAME: usize = 200;
const MAX_EXTRA_RANGE_DAYS: i64 = 31;

impl HolidayCalendar {
    /// The statutory holidays only, with 1 September as the National Day
    /// adjacent day every year.
    pub fn vietnam() -> Self {
        Self::default()
    }

    /// Whether Tết and Hùng Kings' day of `year` are known.
    pub fn covers_lunar(year: i32) -> bool {
        lunar_row(year).is_some()
    }

    /// Lunar 1/1 of `year`, if in the table.
    pub fn tet(year: i32) -> Option<NaiveDate> {
        let ((m, d), _) = lunar_row(year)?;
        NaiveDate::from_ymd_opt(year, m, d)
    }

    /// Lunar 10/3 of `year`, if in the table.
    pub fn hung_kings(year: i32) -> Option<NaiveDate> {
        let (_, (m, d)) = lunar_row(year)?;
        NaiveDate::from_ymd_opt(year, m, d)
    }

    /// The Prime Minister's choice of the National Day adjacent day for `year`.
    pub fn set_national_day_adjacent(&mut self, year: i32, adjacent: NationalDayAdjacent) {
        self.national_day.insert(year, adjacent);
    }

    /// One extra day off. Adding a day twice keeps the last names.
    pub fn add_extra_day(
        &mut self,
        date: NaiveDate,
        name_vi: &str,
        name_en: &str,
    ) -> Result<(), RosterError> {
        let names = (
            check_text("holiday name (vi)", name_vi, MAX_HOLIDAY_NAME)?,
            check_text("holiday name (en)", name_en, MAX_HOLIDAY_NAME)?,
        );
        self.extra.insert(date, names);
        Ok(())
    }

    /// Extra days `from..=to` (at most 31), e.g. the whole Tết break of
    /// the year's decision for civil servants.
    pub fn add_extra_days(
        &mut self,
        from: NaiveDate,
        to: NaiveDate,
        name_vi: &str,
        name_en: &str,
    ) -> Result<(), RosterError> {
        let days = to.signed_duration_since(from).num_days();
        if !(0..MAX_EXTRA_RANGE_DAYS).contains(&days) {
            return Err(RosterError::HolidayRange { from, to });
        }
        for date in from.iter_days().take(days as usize + 1) {
            self.add_extra_day(date, name_vi, name_en)?;
        }
        Ok(())
    }

    pub fn is_holiday(&self, date: NaiveDate) -> bool {
        self.extra.contains_key(&date) || self.statutory(date.year()).any(|h| h.date == date)
    }

    /// The holidays on `date` (usually none or one).
    pub fn holidays_on(&self, date: NaiveDate) -> Vec<Holiday> {
        let mut found: Vec<Holiday> = self
            .statutory(date.year())
            .filter(|h| h.date == date)
            .collect();
        found.extend(self.extra_on(date));
        found
    }

    /// Every holiday of `year`, by date, statutory before extra on the same day.
    pub fn holidays_in(&self, year: i32) -> Vec<Holiday> {
        let mut all: Vec<Holiday> = self.statutory(year).collect();
        if let (Some(first), Some(last)) = (
            NaiveDate::from_ymd_opt(year, 1, 1),
            NaiveDate::from_ymd_opt(year, 12, 31),
        ) {
            for (date, (vi, en)) in self.extra.range(first..=last) {
                all.push(Holiday {
                    date: *date,
                    kind: HolidayKind::Extra,
                    name_vi: vi.clone(),
                    name_en: en.clone(),
                });
            }
        }
        all.sort();
        all
    }

    fn extra_on(&self, date: NaiveDate) -> Option<Holiday> {
        self.extra.get(&date).map(|(vi, en)| Holiday {
            date,
            kind: HolidayKind::Extra,
            name_vi: vi.clone(),
            name_en: en.clone(),
        })
    }

    fn statutory(&self, year: i32) -> impl Iterator<Item = Holiday> {
        let mut days: Vec<(Option<NaiveDate>, &'static str, &'static str)> = vec![
            (
                NaiveDate::from_ymd_opt(year, 1, 1),
                "Tết Dương lịch",
                "New Year's Day",
            ),
            (
                NaiveDate::from_ymd_opt(year, 4, 30),
                "Ngày Chiến thắng",
                "Reunification Day",
            ),
            (
                NaiveDate::from_ymd_opt(year, 5, 1),
                "Ngày Quốc tế Lao động",
                "International Labour Day",
            ),
            (
                NaiveDate::from_ymd_opt(year, 9, 2),
                "Quốc khánh",
                "National Day",
            ),
        ];
        let adjacent_day = match self.national_day.get(&year).copied().unwrap_or_default() {
            NationalDayAdjacent::Before => 1,
            NationalDayAdjacent::After => 3,
        };
        days.push((
            NaiveDate::from_ymd_opt(year, 9, adjacent_day),
            "Quốc khánh (ngày liền kề)",
            "National Day (adjacent day)",
        ));
        if let Some(tet) = Self::tet(year) {
            // The usual reading of "05 ngày": the last day of the old lunar
            // year and the first four of the new one.
            const TET_DAYS: [(i64, &str, &str); 5] = [
                (
                    -1,
                    "Tết Nguyên đán (ngày cuối năm Âm lịch)",
                    "Lunar New Year (last day of the lunar year)",
                ),
                (0, "Tết Nguyên đán (mùng 1)", "Lunar New Year (day 1)"),
                (1, "Tết Nguyên đán (mùng 2)", "Lunar New Year (day 2)"),
                (2, "Tết Nguyên đán (mùng 3)", "Lunar New Year (day 3)"),
                (3, "Tết Nguyên đán (mùng 4)", "Lunar New Year (day 4)"),
            ];
            for (offset, vi, en) in TET_DAYS {
                days.push((tet.checked_add_signed(TimeDelta::days(offset)), vi, en));
            }
        }
        if let Some(hung) = Self::hung_kings(year) {
            days.push((
                Some(hung),
                "Giỗ Tổ Hùng Vương",
                "Hùng Kings' Commemoration Day",
            ));
        }
        days.into_iter().filter_map(|(date, vi, en)| {
            Some(Holiday {
                date: date?,
                kind: HolidayKind::Statutory,
                name_vi: vi.to_owned(),
                name_en: en.to_owned(),
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn table_spot_checks() {
        assert_eq!(HolidayCalendar::tet(2024), Some(d(2024, 2, 10)));
        assert_eq!(HolidayCalendar::tet(2025), Some(d(2025, 1, 29)));
        assert_eq!(HolidayCalendar::tet(2026), Some(d(2026, 2, 17)));
        assert_eq!(HolidayCalendar::hung_kings(2025), Some(d(2025, 4, 7)));
        assert_eq!(HolidayCalendar::tet(2019), None);
        assert_eq!(HolidayCalendar::tet(2041), None);
        assert_eq!(HolidayCalendar::tet(i32::MIN), None);
    }

    #[test]
    fn table_is_plausible() {
        // Tết falls between 21 Jan and 20 Feb; Hùng Kings' day 68 or 69
        // days later, or about 98 when a leap 2nd month intervenes.
        for year in LUNAR_YEARS.0..=LUNAR_YEARS.1 {
            let tet = HolidayCalendar::tet(year).unwrap();
            assert!(tet >= d(year, 1, 21) && tet <= d(year, 2, 20), "{year}");
            let gap = (HolidayCalendar::hung_kings(year).unwrap() - tet).num_days();
            assert!(
                gap == 68 || gap == 69 || (97..=99).contains(&gap),
                "{year}: {gap}"
            );
        }
    }

    #[test]
    fn national_day_adjacent() {
        let mut cal = HolidayCalendar::vietnam();
        assert!(cal.is_holiday(d(2024, 9, 1)) && !cal.is_holiday(d(2024, 9, 3)));
        cal.set_national_day_adjacent(2024, NationalDayAdjacent::After);
        assert!(!cal.is_holiday(d(2024, 9, 1)) && cal.is_holiday(d(2024, 9, 3)));
        assert!(cal.is_holiday(d(2025, 9, 1)));
    }

    #[test]
    fn year_2025() {
        let cal = HolidayCalendar::vietnam();
        let dates: Vec<NaiveDate> = cal.holidays_in(2025).into_iter().map(|h| h.date).collect();
        assert_eq!(
            dates,
            [
                d(2025, 1, 1),
                d(2025, 1, 28),
                d(2025, 1, 29),
                d(2025, 1, 30),
                d(2025, 1, 31),
                d(2025, 2, 1),
                d(2025, 4, 7),
                d(2025, 4, 30),
                d(2025, 5, 1),
                d(2025, 9, 1),
                d(2025, 9, 2),
            ]
        );
        // Outside the table: solar holidays only.
        assert_eq!(cal.holidays_in(2050).len(), 5);
    }

    #[test]
    fn extra_ranges() {
        let mut cal = HolidayCalendar::vietnam();
        assert!(cal
            .add_extra_days(d(2025, 2, 2), d(2025, 1, 25), "x", "x")
            .is_err());
        assert!(cal
            .add_extra_days(d(2025, 1, 1), d(2025, 2, 1), "x", "x")
            .is_err());
        assert!(cal
            .add_extra_days(d(2025, 1, 1), d(2025, 1, 31), "x", "x")
            .is_ok());
        assert!(cal.add_extra_day(d(2025, 3, 3), " ", "x").is_err());
        assert_eq!(cal.holidays_on(d(2025, 1, 1)).len(), 2);
    }
}
