use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use crate::person::check_text;
use crate::{Person, RosterError};

/// The longest single shift: a week, the longest rotation step too.
pub const MAX_SHIFT_HOURS: i64 = 168;
const MAX_NOTE_CHARS: usize = 1000;

/// A stretch of duty: the half-open interval `[start, end)` in UTC and the
/// people on duty for all of it. A shift ending at 07:00 and the next one
/// starting at 07:00 therefore meet without overlapping.
///
/// A value that exists is valid: it ends after it starts, lasts at most
/// [`MAX_SHIFT_HOURS`], has somebody on it and nobody twice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "ShiftInput")]
pub struct Shift {
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    people: Vec<Person>,
    note: Option<String>,
}

#[derive(Deserialize)]
struct ShiftInput {
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    people: Vec<Person>,
    #[serde(default)]
    note: Option<String>,
}

impl TryFrom<ShiftInput> for Shift {
    type Error = RosterError;
    fn try_from(input: ShiftInput) -> Result<Self, RosterError> {
        Shift::new(input.start, input.end, input.people)?.with_note(input.note)
    }
}

impl Shift {
    pub fn new(
        start: DateTime<Utc>,
        end: DateTime<Utc>,
        people: Vec<Person>,
    ) -> Result<Self, RosterError> {
        check_interval("shift", start, end, MAX_SHIFT_HOURS)?;
        check_people(start, end, &people)?;
        Ok(Shift {
            start,
            end,
            people,
            note: None,
        })
    }

    /// Attaches a hand-over note (trimmed; an empty note is no note).
    pub fn with_note(mut self, note: Option<String>) -> Result<Self, RosterError> {
        self.note = match note {
            Some(text) if !text.trim().is_empty() => Some(check_note(&text)?),
            _ => None,
        };
        Ok(self)
    }

    pub fn start(&self) -> DateTime<Utc> {
        self.start
    }

    pub fn end(&self) -> DateTime<Utc> {
        self.end
    }

    pub fn people(&self) -> &[Person] {
        &self.people
    }

    pub fn note(&self) -> Option<&str> {
        self.note.as_deref()
    }

    pub fn duration(&self) -> TimeDelta {
        self.end - self.start
    }

    /// On duty at this instant (start inclusive, end exclusive).
    pub fn covers(&self, at: DateTime<Utc>) -> bool {
        self.start <= at && at < self.end
    }

    pub fn overlaps(&self, other: &Shift) -> bool {
        self.start < other.end && other.start < self.end
    }

    pub fn has(&self, person: &Person) -> bool {
        self.people.iter().any(|p| p.same_as(person))
    }

    /// The people of a shift change only through these, which keep the
    /// shift's own rules; the roster checks the rules between shifts.
    pub(crate) fn set_people(&mut self, people: Vec<Person>) -> Result<(), RosterError> {
        check_people(self.start, self.end, &people)?;
        self.people = people;
        Ok(())
    }
}

fn check_note(text: &str) -> Result<String, RosterError> {
    // Hand-over notes are several lines long: newlines and tabs are allowed,
    // other control characters are not.
    let flat: String = text
        .chars()
        .map(|c| {
            if c == '\n' || c == '\t' || c == '\r' {
                ' '
            } else {
                c
            }
        })
        .collect();
    check_text("shift note", &flat, MAX_NOTE_CHARS)?;
    Ok(text.trim().to_owned())
}

fn check_people(
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    people: &[Person],
) -> Result<(), RosterError> {
    if people.is_empty() {
        return Err(RosterError::ShiftWithoutPeople { start, end });
    }
    for (i, person) in people.iter().enumerate() {
        if people[..i].iter().any(|earlier| earlier.same_as(person)) {
            return Err(RosterError::PersonTwiceInShift {
                name: person.name().to_owned(),
                phone: person.phone().to_owned(),
                start,
                end,
            });
        }
    }
    Ok(())
}

/// `end > start` and at most `max_hours` long, naming `field` in the error.
pub(crate) fn check_interval(
    field: &'static str,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    max_hours: i64,
) -> Result<(), RosterError> {
    if end <= start {
        return Err(RosterError::EndNotAfterStart { field, start, end });
    }
    let length = end.signed_duration_since(start);
    if length > TimeDelta::hours(max_hours) {
        // Round up so that "169 hours" is reported for 168 h 30 min.
        let hours = (length.num_seconds() + 3599) / 3600;
        return Err(RosterError::TooLong {
            field,
            start,
            end,
            hours,
            max_hours,
        });
    }
    Ok(())
}
