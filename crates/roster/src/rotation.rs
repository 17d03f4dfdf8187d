//! Turning a rotation (people in order, shift length, when duty is held)
//! into the shifts of a period.

use chrono::{DateTime, Datelike, NaiveTime, TimeDelta, Utc, Weekday};
use serde::{Deserialize, Serialize};

use crate::shift::check_interval;
use crate::time::{check_supported, local_date, local_to_utc, seconds_of_day};
use crate::{HolidayCalendar, Person, RosterError, Shift};

/// The longest period one call generates. A year of one-hour shifts is
/// under 9 000 shifts, so memory stays bounded whatever the input.
pub const MAX_PERIOD_DAYS: i64 = 366;
const SECONDS_PER_DAY: i64 = 86_400;

/// People in the order they take turns, and how duty is cut into shifts.
///
/// Fields are public because a rotation is a form the user fills in;
/// [`generate`] checks it ([`Rotation::validate`]) before using it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rotation {
    pub people: Vec<Person>,
    /// Length of a shift, 1..=168 hours.
    pub shift_hours: u32,
    /// How many people are on duty together, 1..=people.len().
    pub per_shift: usize,
    pub mode: DutyMode,
}

/// When duty is held.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum DutyMode {
    /// Round the clock, weekends and public holidays included: what the
    /// directives ask for during a high-alert period ("trực 24/7").
    /// The cycle starts at the last `handover` (Vietnam time) at or before
    /// the period start and hands over every `shift_hours` from there; choose
    /// a divisor or multiple of 24 to keep the same hand-over time every day.
    Continuous { handover: NaiveTime },
    /// Only inside a daily window, e.g. office hours.
    Restricted(Window),
}

/// A daily duty window in Vietnam time. `to` before `from` means the window
/// runs past midnight (19:00 → 07:00). A window belongs to the day it
/// starts on: a Friday night window counts as Friday, both for `days` and
/// for the holiday check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Window {
    pub from: NaiveTime,
    pub to: NaiveTime,
    pub days: Vec<Weekday>,
    /// Whether duty is held on public holidays (statutory and extra days of
    /// the calendar) that fall on one of `days`.
    pub on_holidays: bool,
}

impl Window {
    /// The other common mode: Monday to Friday, no duty on public holidays.
    pub fn office_hours(from: NaiveTime, to: NaiveTime) -> Self {
        Window {
            from,
            to,
            days: vec![
                Weekday::Mon,
                Weekday::Tue,
                Weekday::Wed,
                Weekday::Thu,
                Weekday::Fri,
            ],
            on_holidays: false,
        }
    }

    /// Length in whole seconds; sub-second parts of `from` and `to` are ignored.
    fn seconds(&self) -> i64 {
        (seconds_of_day(self.to) - seconds_of_day(self.from)).rem_euclid(SECONDS_PER_DAY)
    }
}

impl Rotation {
    pub fn validate(&self) -> Result<(), RosterError> {
        if self.people.is_empty() {
            return Err(RosterError::EmptyRotation);
        }
        // A repeated person would end up twice in one shift, or on two
        // shifts at once once per_shift > 1; give the reason up front.
        for (i, person) in self.people.iter().enumerate() {
            if self.people[..i].iter().any(|p| p.same_as(person)) {
                return Err(RosterError::PersonTwiceInRotation {
                    name: person.name().to_owned(),
                    phone: person.phone().to_owned(),
                });
            }
        }
        if !(1..=168).contains(&self.shift_hours) {
            return Err(RosterError::ShiftHoursOutOfRange {
                value: self.shift_hours,
            });
        }
        if self.per_shift == 0 || self.per_shift > self.people.len() {
            return Err(RosterError::PerShiftOutOfRange {
                per_shift: self.per_shift,
                people: self.people.len(),
            });
        }
        if let DutyMode::Restricted(window) = &self.mode {
            if window.seconds() == 0 {
                return Err(RosterError::EmptyWindow { at: window.from });
            }
            if window.days.is_empty() {
                return Err(RosterError::NoWeekdays);
            }
        }
        Ok(())
    }

    /// The crew of the `turn`-th shift: `per_shift` people, continuing
    /// round-robin where the previous shift stopped.
    fn crew(&self, turn: usize) -> Vec<Person> {
        let n = self.people.len();
        let first = (turn % n) * (self.per_shift % n) % n;
        (0..self.per_shift)
            .map(|k| self.people[(first + k) % n].clone())
            .collect()
    }
}

/// The shifts of `[period_start, period_end)`, in time order.
///
/// People take turns in rotation order starting with the first person on
/// the first shift; the first and last shifts are clipped to the period.
/// Continuous mode ignores holidays (duty runs through them); restricted
/// mode cuts each day's window into shifts of `shift_hours` from the
/// window's start, the last one shorter if the window is not a multiple.
pub fn generate(
    rotation: &Rotation,
    period_start: DateTime<Utc>,
    period_end: DateTime<Utc>,
    holidays: &HolidayCalendar,
) -> Result<Vec<Shift>, RosterError> {
    rotation.validate()?;
    check_supported("period start", period_start)?;
    check_supported("period end", period_end)?;
    check_interval("period", period_start, period_end, MAX_PERIOD_DAYS * 24)?;
    let step = TimeDelta::hours(i64::from(rotation.shift_hours));
    let mut slots = Vec::new();
    match &rotation.mode {
        DutyMode::Continuous { handover } => {
            let first = first_boundary(period_start, *handover, step);
            slice(
                first,
                period_end,
                step,
                period_start,
                period_end,
                &mut slots,
            );
        }
        DutyMode::Restricted(window) => {
            let length = TimeDelta::seconds(window.seconds());
            // Start a day early: yesterday's window may run past midnight
            // into the period.
            let first_day = local_date(period_start)
                .pred_opt()
                .unwrap_or(local_date(period_start));
            let last_day = local_date(period_end);
            for day in first_day.iter_days().take_while(|d| *d <= last_day) {
                if !window.days.contains(&day.weekday())
                    || (!window.on_holidays && holidays.is_holiday(day))
                {
                    continue;
                }
                let Some(open) = local_to_utc(day, whole_seconds(window.from)) else {
                    continue;
                };
                slice(
                    open,
                    open + length,
                    step,
                    period_start,
                    period_end,
                    &mut slots,
                );
            }
        }
    }
    slots
        .into_iter()
        .enumerate()
        .map(|(turn, (start, end))| Shift::new(start, end, rotation.crew(turn)))
        .collect()
}

/// The last shift boundary at or before `period_start`: the hand-over time
/// on the period's first local day (or the day before), plus whole steps.
fn first_boundary(
    period_start: DateTime<Utc>,
    handover: NaiveTime,
    step: TimeDelta,
) -> DateTime<Utc> {
    let day = local_date(period_start);
    let mut anchor = local_to_utc(day, whole_seconds(handover)).unwrap_or(period_start);
    if anchor > period_start {
        anchor -= TimeDelta::days(1);
    }
    let whole_steps = (period_start - anchor).num_seconds() / step.num_seconds();
    anchor + TimeDelta::seconds(whole_steps * step.num_seconds())
}

/// Cuts `[from, to)` into `step`-long pieces starting at `from` and keeps
/// the parts inside the period.
fn slice(
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    step: TimeDelta,
    period_start: DateTime<Utc>,
    period_end: DateTime<Utc>,
    out: &mut Vec<(DateTime<Utc>, DateTime<Utc>)>,
) {
    let mut at = from;
    while at < to && at < period_end {
        let next = at + step;
        let start = at.max(period_start);
        let end = next.min(to).min(period_end);
        if start < end {
            out.push((start, end));
        }
        at = next;
    }
}

fn whole_seconds(time: NaiveTime) -> NaiveTime {
    u32::try_from(seconds_of_day(time))
        .ok()
        .and_then(|s| NaiveTime::from_num_seconds_from_midnight_opt(s, 0))
        .unwrap_or(NaiveTime::MIN)
}
