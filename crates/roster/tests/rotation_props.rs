//! Property tests of rotation generation.

use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, TimeDelta, Utc, Weekday};
use proptest::prelude::*;
use roster::time::{local_to_utc, to_local};
use roster::{coverage, generate, DutyMode, HolidayCalendar, Person, Roster, Rotation, Window};

fn people(n: usize) -> Vec<Person> {
    (0..n)
        .map(|i| Person::new(&format!("Cán bộ {i}"), &format!("09051234{i:02}")).unwrap())
        .collect()
}

fn instant(seconds: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(seconds, 0).unwrap()
}

/// Any instant in 2020–2040, any period up to 30 days.
fn period() -> impl Strategy<Value = (DateTime<Utc>, DateTime<Utc>)> {
    (1_577_836_800i64..2_208_988_800, 1i64..=30 * 86_400)
        .prop_map(|(s, len)| (instant(s), instant(s + len)))
}

fn time_of_day() -> impl Strategy<Value = NaiveTime> {
    (0u32..86_400).prop_map(|s| NaiveTime::from_num_seconds_from_midnight_opt(s, 0).unwrap())
}

const WEEK: [Weekday; 7] = [
    Weekday::Mon,
    Weekday::Tue,
    Weekday::Wed,
    Weekday::Thu,
    Weekday::Fri,
    Weekday::Sat,
    Weekday::Sun,
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn continuous_covers_every_second_once(
        n in 1usize..=10,
        shift_hours in 1u32..=48,
        handover in time_of_day(),
        (start, end) in period(),
    ) {
        let rotation = Rotation { people: people(n), shift_hours, per_shift: 1, mode: DutyMode::Continuous { handover } };
        let shifts = generate(&rotation, start, end, &HolidayCalendar::vietnam()).unwrap();
        let step = TimeDelta::hours(i64::from(shift_hours));

        // Contiguous from start to end: every second exactly once.
        prop_assert_eq!(shifts.first().unwrap().start(), start);
        prop_assert_eq!(shifts.last().unwrap().end(), end);
        for pair in shifts.windows(2) {
            prop_assert_eq!(pair[0].end(), pair[1].start());
        }
        // The cycle is anchored at the last hand-over at or before the start.
        let mut anchor = local_to_utc(to_local(start).date_naive(), handover).unwrap();
        if anchor > start {
            anchor -= TimeDelta::days(1);
        }
        for (i, shift) in shifts.iter().enumerate() {
            prop_assert!(shift.duration() <= step);
            // Only the clipped first and last shifts may be shorter.
            if i > 0 && i + 1 < shifts.len() {
                prop_assert_eq!(shift.duration(), step);
            }
            // Interior hand-overs fall on the hand-over time plus whole shifts.
            if i > 0 {
                prop_assert_eq!((shift.start() - anchor).num_seconds().rem_euclid(step.num_seconds()), 0);
            }
            // Turns in rotation order.
            prop_assert_eq!(shift.people(), &rotation.people[i % n..i % n + 1]);
        }
        let roster = Roster::new(shifts).unwrap();
        let report = coverage(&roster, start, end).unwrap();
        prop_assert!(report.is_complete());
        prop_assert_eq!(report.covered_seconds, report.total_seconds);
    }

    #[test]
    fn continuous_teams_take_turns(
        n in 1usize..=10,
        per_shift_seed in 0usize..10,
        shift_hours in 1u32..=48,
        handover in time_of_day(),
        (start, end) in period(),
    ) {
        let per_shift = per_shift_seed % n + 1;
        let rotation = Rotation { people: people(n), shift_hours, per_shift, mode: DutyMode::Continuous { handover } };
        let shifts = generate(&rotation, start, end, &HolidayCalendar::vietnam()).unwrap();
        for (i, shift) in shifts.iter().enumerate() {
            let expected: Vec<Person> = (0..per_shift).map(|k| rotation.people[(i * per_shift + k) % n].clone()).collect();
            prop_assert_eq!(shift.people(), &expected[..]);
        }
        // A team never puts anyone on two shifts at once.
        prop_assert!(Roster::new(shifts).is_ok());
    }

    #[test]
    fn restricted_stays_inside_the_window(
        n in 1usize..=10,
        shift_hours in 1u32..=48,
        from in time_of_day(),
        to in time_of_day(),
        day_mask in 1u8..128,
        on_holidays in any::<bool>(),
        (start, end) in period(),
        samples in prop::collection::vec(0.0f64..1.0, 40),
    ) {
        prop_assume!(from != to);
        let days: Vec<Weekday> = WEEK.iter().enumerate().filter(|(i, _)| day_mask & (1 << i) != 0).map(|(_, d)| *d).collect();
        let window = Window { from, to, days: days.clone(), on_holidays };
        let rotation = Rotation { people: people(n), shift_hours, per_shift: 1, mode: DutyMode::Restricted(window) };
        let calendar = HolidayCalendar::vietnam();
        let shifts = generate(&rotation, start, end, &calendar).unwrap();
        let length = (to - from).num_seconds().rem_euclid(86_400);

        // The window instance (by its opening day) an instant falls in, if any.
        let open_window = |t: DateTime<Utc>| -> Option<(NaiveDate, DateTime<Utc>)> {
            let today = to_local(t).date_naive();
            [today, today.pred_opt().unwrap()].into_iter().find_map(|day| {
                let open = local_to_utc(day, from).unwrap();
                let active = days.contains(&day.weekday()) && (on_holidays || !calendar.is_holiday(day));
                (active && open <= t && t < open + TimeDelta::seconds(length)).then_some((day, open))
            })
        };

        for (i, shift) in shifts.iter().enumerate() {
            prop_assert!(shift.duration() <= TimeDelta::hours(i64::from(shift_hours)));
            prop_assert!(start <= shift.start() && shift.end() <= end);
            prop_assert_eq!(shift.people(), &rotation.people[i % n..i % n + 1]);
            // The whole shift lies in one active window.
            let Some((_, open)) = open_window(shift.start()) else {
                return Err(TestCaseError::fail(format!("shift {i} starts outside any window")));
            };
            prop_assert!(shift.end() <= open + TimeDelta::seconds(length));
        }
        // Inside an active window exactly one shift is on duty, outside none.
        let roster = Roster::new(shifts).unwrap();
        let span = (end - start).num_seconds() as f64;
        // Random instants, plus the first day densely: a night window opened
        // the day before the period reaches into it.
        let first_day = span.min(86_400.0);
        let early = (0..48).map(|k| f64::from(k) / 48.0 * first_day / span);
        for s in samples.into_iter().chain(early) {
            let t = start + TimeDelta::seconds((s * span) as i64);
            let on_duty = roster.on_duty_at(t).len();
            prop_assert_eq!(on_duty, usize::from(open_window(t).is_some()), "at {}", t);
        }
    }

    #[test]
    fn restricted_skips_weekends_and_holidays(
        shift_hours in 1u32..=12,
        from in time_of_day(),
        to in time_of_day(),
        start_day in 0i64..(365 * 3),
        len_days in 1i64..=30,
        extra_offset in 0i64..30,
    ) {
        prop_assume!(from != to);
        let first = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap() + TimeDelta::days(start_day);
        let start = local_to_utc(first, NaiveTime::MIN).unwrap();
        let end = start + TimeDelta::days(len_days);
        let mut calendar = HolidayCalendar::vietnam();
        calendar.add_extra_day(first + TimeDelta::days(extra_offset), "Nghỉ bù", "Compensatory day").unwrap();
        let rotation = Rotation {
            people: people(3),
            shift_hours,
            per_shift: 1,
            mode: DutyMode::Restricted(Window::office_hours(from, to)),
        };
        for shift in generate(&rotation, start, end, &calendar).unwrap() {
            // The window's opening day: the shift's local start date, or the
            // day before for the part of a night window after midnight.
            let local = to_local(shift.start());
            let mut day = local.date_naive();
            if local.time() < from {
                day = day.pred_opt().unwrap();
            }
            prop_assert!(!matches!(day.weekday(), Weekday::Sat | Weekday::Sun), "{:?}", shift);
            prop_assert!(!calendar.is_holiday(day), "{:?}", shift);
        }
    }
}
