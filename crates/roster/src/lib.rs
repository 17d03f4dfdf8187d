//! The duty-roster engine: high-alert periods (Tết, national holidays)
//! during which the directives demand 24/7 duty ("trực giám sát 24/7"),
//! rosters of shifts generated from a rotation and then edited by hand,
//! who is on duty at an instant, and where 24/7 coverage has gaps.
//!
//! Pure: no I/O, no clock reads (callers pass `now`), no panics on input.
//! Instants are UTC; people see Vietnam time (UTC+7, see [`time`]).
//!
//! ```
//! use chrono::{NaiveTime, TimeZone, Utc};
//! use roster::{coverage, generate, DutyMode, HolidayCalendar, Person, Roster, Rotation};
//!
//! let rotation = Rotation {
//!     people: vec![
//!         Person::new("Nguyễn Văn An", "0905 123 456").unwrap(),
//!         Person::new("Trần Thị Bình", "0914 654 321").unwrap(),
//!     ],
//!     shift_hours: 12,
//!     per_shift: 1,
//!     mode: DutyMode::Continuous { handover: NaiveTime::from_hms_opt(7, 30, 0).unwrap() },
//! };
//! let start = Utc.with_ymd_and_hms(2025, 1, 25, 0, 30, 0).unwrap(); // 07:30 in Vietnam
//! let end = Utc.with_ymd_and_hms(2025, 2, 3, 0, 30, 0).unwrap();
//! let shifts = generate(&rotation, start, end, &HolidayCalendar::vietnam()).unwrap();
//! let roster = Roster::new(shifts).unwrap();
//! assert!(coverage(&roster, start, end).unwrap().is_complete());
//! assert_eq!(roster.on_duty_at(start)[0].people()[0].name(), "Nguyễn Văn An");
//! ```

mod error;
mod holiday;
mod period;
mod person;
mod roster;
mod rotation;
mod shift;
pub mod time;

pub use error::RosterError;
pub use holiday::{Holiday, HolidayCalendar, HolidayKind, NationalDayAdjacent, LUNAR_YEARS};
pub use period::{active_periods, HighAlertPeriod, MAX_ALERT_DAYS};
pub use person::Person;
pub use roster::{
    conflicts, coverage, province_on_duty, uncovered_at, Conflict, CoverageReport, Gap, Roster,
    MAX_COVERAGE_DAYS,
};
pub use rotation::{generate, DutyMode, Rotation, Window, MAX_PERIOD_DAYS};
pub use shift::{Shift, MAX_SHIFT_HOURS};
pub use time::{format_local, to_local};
