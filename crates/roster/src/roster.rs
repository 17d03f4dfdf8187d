//! A roster (the shifts of one organisation) with hand edits, and the
//! questions asked of rosters: who is on duty, where is nobody.

use std::collections::BTreeMap;

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use crate::shift::check_interval;
use crate::time::check_supported;
use crate::{Person, RosterError, Shift};

/// The longest window a coverage report is computed for.
pub const MAX_COVERAGE_DAYS: i64 = 366;

/// One organisation's shifts, kept sorted by start then end, with nobody on
/// two overlapping shifts. Shifts of different people may overlap: hand-over
/// overlaps and teams are normal.
///
/// Shift indices refer to that sorted order and change when shifts are
/// added or removed; [`Roster::add`] returns the new shift's index.
/// Every edit is all-or-nothing: on error the roster is unchanged.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "RosterInput")]
pub struct Roster {
    shifts: Vec<Shift>,
}

#[derive(Deserialize)]
struct RosterInput {
    shifts: Vec<Shift>,
}

impl TryFrom<RosterInput> for Roster {
    type Error = RosterError;
    fn try_from(input: RosterInput) -> Result<Self, RosterError> {
        Roster::new(input.shifts)
    }
}

/// The same person on two overlapping shifts (indices into the roster or
/// slice that was checked).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Conflict {
    pub person: Person,
    pub first: usize,
    pub second: usize,
}

/// Every case of one person on two overlapping shifts in `shifts`, by
/// person then time. Each overlapping pair is reported once against the
/// earlier shift that reaches furthest, which is enough to show the UI
/// where to look.
pub fn conflicts(shifts: &[Shift]) -> Vec<Conflict> {
    let mut by_phone: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, shift) in shifts.iter().enumerate() {
        for person in shift.people() {
            by_phone.entry(person.phone()).or_default().push(i);
        }
    }
    let mut found = Vec::new();
    for (phone, indices) in by_phone.iter_mut() {
        indices.sort_by_key(|&i| (shifts[i].start(), shifts[i].end(), i));
        let mut reach: Option<usize> = None;
        for &i in indices.iter() {
            if let Some(r) = reach {
                if shifts[i].start() < shifts[r].end() {
                    if let Some(person) = shifts[i].people().iter().find(|p| p.phone() == *phone) {
                        found.push(Conflict {
                            person: person.clone(),
                            first: r.min(i),
                            second: r.max(i),
                        });
                    }
                }
                if shifts[i].end() > shifts[r].end() {
                    reach = Some(i);
                }
            } else {
                reach = Some(i);
            }
        }
    }
    found
}

impl Roster {
    /// Sorts the shifts and refuses a roster with someone double-booked
    /// (the error names the first such case; [`conflicts`] lists them all).
    pub fn new(mut shifts: Vec<Shift>) -> Result<Self, RosterError> {
        sort(&mut shifts);
        check(&shifts)?;
        Ok(Roster { shifts })
    }

    pub fn shifts(&self) -> &[Shift] {
        &self.shifts
    }

    pub fn into_shifts(self) -> Vec<Shift> {
        self.shifts
    }

    /// Adds a shift; returns its index.
    pub fn add(&mut self, shift: Shift) -> Result<usize, RosterError> {
        let key = (shift.start(), shift.end());
        let index = self.shifts.partition_point(|s| (s.start(), s.end()) <= key);
        self.edit(|shifts| {
            shifts.insert(index, shift);
            Ok(())
        })?;
        Ok(index)
    }

    /// Removes and returns a shift. Never creates a conflict, but may open
    /// a gap: check [`coverage`] afterwards.
    pub fn remove(&mut self, index: usize) -> Result<Shift, RosterError> {
        self.get(index)?;
        Ok(self.shifts.remove(index))
    }

    /// Override: `to` takes `from`'s place on one shift.
    pub fn replace_person(
        &mut self,
        index: usize,
        from: &Person,
        to: Person,
    ) -> Result<(), RosterError> {
        let shift = self.get(index)?;
        let Some(position) = shift.people().iter().position(|p| p.same_as(from)) else {
            return Err(not_on_shift(from, shift));
        };
        let mut people = shift.people().to_vec();
        people[position] = to;
        self.edit(|shifts| shifts[index].set_people(people))
    }

    /// Two crews exchange shifts: the people of shift `a` take shift `b` and
    /// the other way round; times and notes stay with the shifts.
    pub fn swap(&mut self, a: usize, b: usize) -> Result<(), RosterError> {
        let crew_a = self.get(a)?.people().to_vec();
        let crew_b = self.get(b)?.people().to_vec();
        self.edit(|shifts| {
            shifts[a].set_people(crew_b)?;
            shifts[b].set_people(crew_a)
        })
    }

    /// Sets a shift's crew and note in one all-or-nothing edit (the
    /// console's "edit a shift" form).
    pub fn set_shift(
        &mut self,
        index: usize,
        people: Vec<Person>,
        note: Option<String>,
    ) -> Result<(), RosterError> {
        let noted = self.get(index)?.clone().with_note(note)?;
        self.edit(|shifts| {
            shifts[index] = noted;
            shifts[index].set_people(people)
        })
    }

    /// Replaces a shift's note.
    pub fn set_note(&mut self, index: usize, note: Option<String>) -> Result<(), RosterError> {
        let shift = self.get(index)?.clone().with_note(note)?;
        self.shifts[index] = shift;
        Ok(())
    }

    /// Every double booking; empty for a roster built through this type,
    /// kept for callers that check shifts before building one.
    pub fn validate(&self) -> Vec<Conflict> {
        conflicts(&self.shifts)
    }

    /// The shifts covering `at`.
    pub fn on_duty_at(&self, at: DateTime<Utc>) -> Vec<&Shift> {
        // Shifts are sorted by start and last at most a week, so only
        // those starting in the week before `at` can cover it.
        let earliest = at.checked_sub_signed(TimeDelta::hours(crate::shift::MAX_SHIFT_HOURS));
        let from = earliest.map_or(0, |e| self.shifts.partition_point(|s| s.start() < e));
        let to = self.shifts.partition_point(|s| s.start() <= at);
        self.shifts[from..to]
            .iter()
            .filter(|s| s.covers(at))
            .collect()
    }

    fn get(&self, index: usize) -> Result<&Shift, RosterError> {
        self.shifts.get(index).ok_or(RosterError::NoSuchShift {
            index,
            len: self.shifts.len(),
        })
    }

    /// Applies an edit to a copy and keeps it only if the result is valid,
    /// so that a refused edit leaves the roster as it was.
    fn edit(
        &mut self,
        change: impl FnOnce(&mut Vec<Shift>) -> Result<(), RosterError>,
    ) -> Result<(), RosterError> {
        let mut shifts = self.shifts.clone();
        change(&mut shifts)?;
        check(&shifts)?;
        self.shifts = shifts;
        Ok(())
    }
}

fn sort(shifts: &mut [Shift]) {
    shifts.sort_by_key(|s| (s.start(), s.end()));
}

fn check(shifts: &[Shift]) -> Result<(), RosterError> {
    match conflicts(shifts).into_iter().next() {
        None => Ok(()),
        Some(c) => {
            let (first, second) = (&shifts[c.first], &shifts[c.second]);
            Err(RosterError::DoubleBooked {
                name: c.person.name().to_owned(),
                phone: c.person.phone().to_owned(),
                first_start: first.start(),
                first_end: first.end(),
                second_start: second.start(),
                second_end: second.end(),
            })
        }
    }
}

fn not_on_shift(person: &Person, shift: &Shift) -> RosterError {
    RosterError::PersonNotOnShift {
        name: person.name().to_owned(),
        phone: person.phone().to_owned(),
        start: shift.start(),
        end: shift.end(),
    }
}

/// A stretch of time with nobody on duty, `[start, end)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Gap {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

/// How well a roster covers a window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CoverageReport {
    pub window_start: DateTime<Utc>,
    pub window_end: DateTime<Utc>,
    /// In time order, disjoint, not touching each other.
    pub gaps: Vec<Gap>,
    /// Whole seconds (sub-second remainders are dropped).
    pub covered_seconds: i64,
    pub total_seconds: i64,
}

impl CoverageReport {
    pub fn is_complete(&self) -> bool {
        self.gaps.is_empty()
    }
}

/// The gaps in `roster` over `[window_start, window_end)` (at most
/// [`MAX_COVERAGE_DAYS`]).
pub fn coverage(
    roster: &Roster,
    window_start: DateTime<Utc>,
    window_end: DateTime<Utc>,
) -> Result<CoverageReport, RosterError> {
    check_supported("coverage window start", window_start)?;
    check_supported("coverage window end", window_end)?;
    check_interval(
        "coverage window",
        window_start,
        window_end,
        MAX_COVERAGE_DAYS * 24,
    )?;
    let mut gaps = Vec::new();
    // Sweep in start order: `covered_to` is how far duty reaches so far.
    let mut covered_to = window_start;
    for shift in roster.shifts() {
        if shift.start() >= window_end {
            break;
        }
        if shift.end() <= covered_to {
            continue;
        }
        if shift.start() > covered_to {
            gaps.push(Gap {
                start: covered_to,
                end: shift.start(),
            });
        }
        covered_to = shift.end();
    }
    if covered_to < window_end {
        gaps.push(Gap {
            start: covered_to,
            end: window_end,
        });
    }
    let total = window_end - window_start;
    let uncovered = gaps
        .iter()
        .fold(TimeDelta::zero(), |sum, g| sum + (g.end - g.start));
    Ok(CoverageReport {
        window_start,
        window_end,
        gaps,
        covered_seconds: (total - uncovered).num_seconds(),
        total_seconds: total.num_seconds(),
    })
}

/// "Who is on duty now" across the province: each organisation's shifts
/// covering `at`, keyed by whatever identifies the organisation.
pub fn province_on_duty<'a, K: Clone>(
    rosters: impl IntoIterator<Item = (K, &'a Roster)>,
    at: DateTime<Utc>,
) -> Vec<(K, &'a Shift)> {
    let mut found = Vec::new();
    for (org, roster) in rosters {
        found.extend(roster.on_duty_at(at).into_iter().map(|s| (org.clone(), s)));
    }
    found
}

/// The organisations with nobody on duty at `at`: the 24/7 breaches to
/// chase right now.
pub fn uncovered_at<'a, K>(
    rosters: impl IntoIterator<Item = (K, &'a Roster)>,
    at: DateTime<Utc>,
) -> Vec<K> {
    rosters
        .into_iter()
        .filter(|(_, roster)| roster.on_duty_at(at).is_empty())
        .map(|(org, _)| org)
        .collect()
}
