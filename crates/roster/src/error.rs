use chrono::{DateTime, NaiveDate, NaiveTime, Utc};

use crate::time::format_local;

/// Why the engine refused an input or an edit.
///
/// Messages are English, name the field and show times in Vietnam time
/// (`dd/mm/yyyy HH:MM`, UTC+7); the fields keep the raw values so that the
/// caller can write its own Vietnamese text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RosterError {
    #[error("{field} is empty")]
    EmptyText { field: &'static str },

    #[error("{field} is {chars} characters long; at most {max} are allowed")]
    TextTooLong {
        field: &'static str,
        chars: usize,
        max: usize,
    },

    #[error("{field} contains a control character")]
    ControlCharacter { field: &'static str },

    #[error(
        "phone number \"{value}\" contains {found:?}; only digits, spaces, dots, dashes and one leading + are allowed"
    )]
    PhoneCharacter { value: String, found: char },

    #[error("phone number \"{value}\" has {digits} digits; between 8 and 15 are required")]
    PhoneDigitCount { value: String, digits: usize },

    #[error(
        "{field} ends at {} which is not after its start {} (Vietnam time)",
        format_local(*.end),
        format_local(*.start)
    )]
    EndNotAfterStart {
        field: &'static str,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
    },

    #[error(
        "{field} from {} to {} lasts {hours} hours; at most {max_hours} are allowed",
        format_local(*.start),
        format_local(*.end)
    )]
    TooLong {
        field: &'static str,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
        hours: i64,
        max_hours: i64,
    },

    #[error("{field} {} is outside the supported years 1900–2199", format_local(*.at))]
    OutOfSupportedRange {
        field: &'static str,
        at: DateTime<Utc>,
    },

    #[error("the shift from {} to {} has nobody on duty", format_local(*.start), format_local(*.end))]
    ShiftWithoutPeople {
        start: DateTime<Utc>,
        end: DateTime<Utc>,
    },

    #[error(
        "{name} ({phone}) is listed twice in the shift from {} to {}",
        format_local(*.start),
        format_local(*.end)
    )]
    PersonTwiceInShift {
        name: String,
        phone: String,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
    },

    #[error("the rotation has nobody in it")]
    EmptyRotation,

    #[error("{name} ({phone}) is listed twice in the rotation")]
    PersonTwiceInRotation { name: String, phone: String },

    #[error("rotation shift_hours is {value}; it must be between 1 and 168")]
    ShiftHoursOutOfRange { value: u32 },

    #[error(
        "rotation per_shift is {per_shift}; it must be between 1 and the number of people in the rotation ({people})"
    )]
    PerShiftOutOfRange { per_shift: usize, people: usize },

    #[error(
        "the duty window starts and ends at {at}; a window must have a length (use continuous duty for round-the-clock cover)"
    )]
    EmptyWindow { at: NaiveTime },

    #[error("the duty window has no weekday on which duty is held")]
    NoWeekdays,

    #[error(
        "{name} ({phone}) would be on two overlapping shifts: {} – {} and {} – {}",
        format_local(*.first_start),
        format_local(*.first_end),
        format_local(*.second_start),
        format_local(*.second_end)
    )]
    DoubleBooked {
        name: String,
        phone: String,
        first_start: DateTime<Utc>,
        first_end: DateTime<Utc>,
        second_start: DateTime<Utc>,
        second_end: DateTime<Utc>,
    },

    #[error("shift index {index} does not exist; the roster has {len} shifts")]
    NoSuchShift { index: usize, len: usize },

    #[error(
        "{name} ({phone}) is not on the shift from {} to {}",
        format_local(*.start),
        format_local(*.end)
    )]
    PersonNotOnShift {
        name: String,
        phone: String,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
    },

    #[error(
        "holiday range {} – {} ends before it starts or spans more than 31 days",
        .from.format("%d/%m/%Y"),
        .to.format("%d/%m/%Y")
    )]
    HolidayRange { from: NaiveDate, to: NaiveDate },
}
