//! Vietnam time. Everything is stored in UTC; people read and type
//! Asia/Ho_Chi_Minh, which has been UTC+7 without daylight saving since 1975,
//! so a fixed offset is exact and no time-zone database is needed.

use chrono::{
    DateTime, Datelike, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, Utc,
};

use crate::RosterError;

const VN_OFFSET_SECS: i32 = 7 * 3600;

/// UTC+7, the offset of Asia/Ho_Chi_Minh.
pub const VN: FixedOffset = match FixedOffset::east_opt(VN_OFFSET_SECS) {
    Some(offset) => offset,
    None => unreachable!(),
};

/// The first and last calendar years the engine does date arithmetic for.
/// Far outside them chrono's local conversions can overflow; no roster needs them.
pub const SUPPORTED_YEARS: (i32, i32) = (1900, 2199);

/// The instant as Vietnamese wall-clock time.
pub fn to_local(at: DateTime<Utc>) -> DateTime<FixedOffset> {
    at.with_timezone(&VN)
}

/// `dd/mm/yyyy HH:MM` in Vietnamese time, the way dates are written in
/// Vietnamese documents. Never panics, even at chrono's extreme instants.
pub fn format_local(at: DateTime<Utc>) -> String {
    to_local(at).format("%d/%m/%Y %H:%M").to_string()
}

/// The UTC instant of a Vietnamese wall-clock date and time.
pub fn local_to_utc(date: NaiveDate, time: NaiveTime) -> Option<DateTime<Utc>> {
    NaiveDateTime::new(date, time)
        .checked_sub_signed(TimeDelta::seconds(i64::from(VN_OFFSET_SECS)))
        .map(|naive| naive.and_utc())
}

/// The Vietnamese calendar date an instant falls on. Callers check
/// [`check_supported`] first, so the addition cannot overflow; the fallback
/// only keeps the function total.
pub(crate) fn local_date(at: DateTime<Utc>) -> NaiveDate {
    at.naive_utc()
        .checked_add_signed(TimeDelta::seconds(i64::from(VN_OFFSET_SECS)))
        .unwrap_or(at.naive_utc())
        .date()
}

/// Refuses instants outside [`SUPPORTED_YEARS`], naming the field.
pub(crate) fn check_supported(field: &'static str, at: DateTime<Utc>) -> Result<(), RosterError> {
    let year = at.year();
    if year < SUPPORTED_YEARS.0 || year > SUPPORTED_YEARS.1 {
        return Err(RosterError::OutOfSupportedRange { field, at });
    }
    Ok(())
}

/// Whole seconds since midnight; sub-second parts (and chrono's leap-second
/// representation) are dropped so that all arithmetic stays in whole seconds.
pub(crate) fn seconds_of_day(time: NaiveTime) -> i64 {
    use chrono::Timelike;
    i64::from(time.num_seconds_from_midnight())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extremes_do_not_panic() {
        let _ = format_local(DateTime::<Utc>::MAX_UTC);
        let _ = format_local(DateTime::<Utc>::MIN_UTC);
        let _ = local_date(DateTime::<Utc>::MAX_UTC);
        assert!(local_to_utc(NaiveDate::MIN, NaiveTime::MIN).is_none());
        assert!(check_supported("x", DateTime::<Utc>::MAX_UTC).is_err());
    }

    #[test]
    fn format_is_local() {
        let at = "2025-01-28T17:00:00Z".parse::<DateTime<Utc>>().unwrap();
        assert_eq!(format_local(at), "29/01/2025 00:00");
    }
}
