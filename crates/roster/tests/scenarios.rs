//! Worked cases: Tết 2025, night shifts, hand edits, coverage gaps.

use chrono::{DateTime, NaiveDate, NaiveTime, TimeZone, Utc};
use roster::time::{local_to_utc, to_local};
use roster::{
    coverage, format_local, generate, province_on_duty, uncovered_at, DutyMode, Gap,
    HighAlertPeriod, HolidayCalendar, Person, Roster, RosterError, Rotation, Shift, Window,
};

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn hm(h: u32, m: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(h, m, 0).unwrap()
}

/// Vietnam wall-clock time as a UTC instant.
fn vn(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
    local_to_utc(date(y, mo, d), hm(h, mi)).unwrap()
}

fn an() -> Person {
    Person::new("Nguyễn Văn An", "0905 123 456").unwrap()
}
fn binh() -> Person {
    Person::new("Trần Thị Bình", "0914.654.321").unwrap()
}
fn cuong() -> Person {
    Person::new("Lê Văn Cường", "+84 236 3822 123").unwrap()
}

fn shift(start: DateTime<Utc>, end: DateTime<Utc>, people: &[Person]) -> Shift {
    Shift::new(start, end, people.to_vec()).unwrap()
}

#[test]
fn night_shift_across_midnight_and_tet_eve() {
    // 19:00 on the last day of the lunar year to 07:00 on mùng 1 Tết Ất Tỵ.
    let start = vn(2025, 1, 28, 19, 0);
    let end = vn(2025, 1, 29, 7, 0);
    assert_eq!(start, Utc.with_ymd_and_hms(2025, 1, 28, 12, 0, 0).unwrap());
    assert_eq!(end, Utc.with_ymd_and_hms(2025, 1, 29, 0, 0, 0).unwrap());
    let night = shift(start, end, &[an()]);
    assert_eq!(format_local(night.start()), "28/01/2025 19:00");
    assert_eq!(format_local(night.end()), "29/01/2025 07:00");
    assert_eq!(
        to_local(night.end()).date_naive(),
        HolidayCalendar::tet(2025).unwrap()
    );

    // A night window that opens on a holiday is kept when on_holidays is set,
    // and belongs to the day it opens on.
    let rotation = Rotation {
        people: vec![an(), binh()],
        shift_hours: 12,
        per_shift: 1,
        mode: DutyMode::Restricted(Window {
            from: hm(19, 0),
            to: hm(7, 0),
            days: vec![chrono::Weekday::Tue],
            on_holidays: true,
        }),
    };
    let cal = HolidayCalendar::vietnam();
    let shifts = generate(&rotation, vn(2025, 1, 27, 0, 0), vn(2025, 2, 1, 0, 0), &cal).unwrap();
    assert_eq!(shifts, std::slice::from_ref(&night));
    let roster = Roster::new(shifts).unwrap();
    assert_eq!(roster.on_duty_at(vn(2025, 1, 28, 23, 59)), [&night]);
    assert_eq!(roster.on_duty_at(vn(2025, 1, 29, 0, 0)), [&night]);
    assert!(roster.on_duty_at(vn(2025, 1, 29, 7, 0)).is_empty());

    // Not on holidays: 28 Jan is the last day of the lunar year, a holiday.
    let Rotation {
        mode: DutyMode::Restricted(mut window),
        ..
    } = rotation.clone()
    else {
        unreachable!()
    };
    window.on_holidays = false;
    let skipping = Rotation {
        mode: DutyMode::Restricted(window),
        ..rotation
    };
    assert!(
        generate(&skipping, vn(2025, 1, 27, 0, 0), vn(2025, 2, 1, 0, 0), &cal)
            .unwrap()
            .is_empty()
    );
}

/// Local days on which a shift starts.
fn days(shifts: &[Shift]) -> Vec<NaiveDate> {
    let mut days: Vec<NaiveDate> = shifts
        .iter()
        .map(|s| to_local(s.start()).date_naive())
        .collect();
    days.dedup();
    days
}

#[test]
fn office_hours_across_tet_2025() {
    // 25 Jan – 3 Feb 2025 inclusive, Vietnam time.
    let (start, end) = (vn(2025, 1, 25, 0, 0), vn(2025, 2, 4, 0, 0));
    let office = Rotation {
        people: vec![an(), binh(), cuong()],
        shift_hours: 10,
        per_shift: 1,
        mode: DutyMode::Restricted(Window::office_hours(hm(7, 30), hm(17, 0))),
    };
    let mut every_day = office.clone();
    if let DutyMode::Restricted(window) = &mut every_day.mode {
        window.days = vec![
            chrono::Weekday::Mon,
            chrono::Weekday::Tue,
            chrono::Weekday::Wed,
            chrono::Weekday::Thu,
            chrono::Weekday::Fri,
            chrono::Weekday::Sat,
            chrono::Weekday::Sun,
        ];
    }

    // Statutory: 28 Jan (last day of Giáp Thìn) to 1 Feb (mùng 4).
    let statutory = HolidayCalendar::vietnam();
    for d in 28..=31 {
        assert!(statutory.is_holiday(date(2025, 1, d)));
    }
    assert!(statutory.is_holiday(date(2025, 2, 1)));
    assert!(!statutory.is_holiday(date(2025, 1, 27)) && !statutory.is_holiday(date(2025, 2, 2)));

    let shifts = generate(&office, start, end, &statutory).unwrap();
    assert_eq!(days(&shifts), [date(2025, 1, 27), date(2025, 2, 3)]);
    assert_eq!(format_local(shifts[0].start()), "27/01/2025 07:30");
    assert_eq!(format_local(shifts[0].end()), "27/01/2025 17:00");
    // Weekends allowed, holidays not: exactly 28 Jan – 1 Feb are skipped.
    let shifts = generate(&every_day, start, end, &statutory).unwrap();
    assert_eq!(
        days(&shifts),
        [
            date(2025, 1, 25),
            date(2025, 1, 26),
            date(2025, 1, 27),
            date(2025, 2, 2),
            date(2025, 2, 3)
        ]
    );

    // The 2025 decision for civil servants: 25 Jan – 2 Feb off (the
    // statutory days, the weekends and 27 Jan swapped for a Saturday).
    let mut extended = HolidayCalendar::vietnam();
    extended
        .add_extra_days(
            date(2025, 1, 25),
            date(2025, 2, 2),
            "Nghỉ Tết Nguyên đán Ất Tỵ",
            "Tết holiday 2025 (civil servants)",
        )
        .unwrap();
    assert_eq!(
        days(&generate(&office, start, end, &extended).unwrap()),
        [date(2025, 2, 3)]
    );
    assert_eq!(
        days(&generate(&every_day, start, end, &extended).unwrap()),
        [date(2025, 2, 3)]
    );
    assert_eq!(extended.holidays_on(date(2025, 1, 29)).len(), 2);

    // During the high-alert period duty runs 24/7 regardless of holidays.
    let period = HighAlertPeriod::new("Tết Nguyên đán Ất Tỵ 2025", start, end).unwrap();
    let continuous = Rotation {
        shift_hours: 12,
        mode: DutyMode::Continuous {
            handover: hm(7, 30),
        },
        ..office
    };
    let roster =
        Roster::new(generate(&continuous, period.start(), period.end(), &extended).unwrap())
            .unwrap();
    assert!(coverage(&roster, period.start(), period.end())
        .unwrap()
        .is_complete());
    // First shift clipped: 00:00 → 07:30, then 07:30 → 19:30 …
    assert_eq!(format_local(roster.shifts()[0].end()), "25/01/2025 07:30");
    assert_eq!(format_local(roster.shifts()[1].end()), "25/01/2025 19:30");
}

#[test]
fn bad_input_is_refused_with_clear_messages() {
    let err = Shift::new(vn(2025, 1, 29, 7, 0), vn(2025, 1, 28, 19, 0), vec![an()]).unwrap_err();
    assert_eq!(err.to_string(), "shift ends at 28/01/2025 19:00 which is not after its start 29/01/2025 07:00 (Vietnam time)");
    let err = Shift::new(vn(2025, 1, 1, 7, 0), vn(2025, 1, 9, 7, 0), vec![an()]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "shift from 01/01/2025 07:00 to 09/01/2025 07:00 lasts 192 hours; at most 168 are allowed"
    );
    let err = Shift::new(vn(2025, 1, 1, 7, 0), vn(2025, 1, 1, 19, 0), vec![]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "the shift from 01/01/2025 07:00 to 01/01/2025 19:00 has nobody on duty"
    );
    let twice = Person::new("An", "+84905123456").unwrap();
    let err = Shift::new(
        vn(2025, 1, 1, 7, 0),
        vn(2025, 1, 1, 19, 0),
        vec![an(), twice],
    )
    .unwrap_err();
    assert!(
        matches!(err, RosterError::PersonTwiceInShift { .. }),
        "{err}"
    );

    let empty = Rotation {
        people: vec![],
        shift_hours: 12,
        per_shift: 1,
        mode: DutyMode::Continuous { handover: hm(7, 0) },
    };
    let err = generate(
        &empty,
        vn(2025, 1, 1, 0, 0),
        vn(2025, 1, 2, 0, 0),
        &HolidayCalendar::vietnam(),
    )
    .unwrap_err();
    assert_eq!(err.to_string(), "the rotation has nobody in it");
    let bad = [
        (Rotation { people: vec![an()], shift_hours: 0, ..empty.clone() }, "rotation shift_hours is 0; it must be between 1 and 168"),
        (
            Rotation { people: vec![an()], per_shift: 2, ..empty.clone() },
            "rotation per_shift is 2; it must be between 1 and the number of people in the rotation (1)",
        ),
        (
            Rotation { people: vec![an(), an()], ..empty.clone() },
            "Nguyễn Văn An (+84905123456) is listed twice in the rotation",
        ),
        (
            Rotation { people: vec![an()], mode: DutyMode::Restricted(Window::office_hours(hm(8, 0), hm(8, 0))), ..empty.clone() },
            "the duty window starts and ends at 08:00:00; a window must have a length (use continuous duty for round-the-clock cover)",
        ),
    ];
    for (rotation, message) in bad {
        let err = generate(
            &rotation,
            vn(2025, 1, 1, 0, 0),
            vn(2025, 1, 2, 0, 0),
            &HolidayCalendar::vietnam(),
        )
        .unwrap_err();
        assert_eq!(err.to_string(), message);
    }
    let ok = Rotation {
        people: vec![an()],
        ..empty
    };
    let err = generate(
        &ok,
        vn(2025, 1, 2, 0, 0),
        vn(2025, 1, 1, 0, 0),
        &HolidayCalendar::vietnam(),
    )
    .unwrap_err();
    assert_eq!(err.to_string(), "period ends at 01/01/2025 00:00 which is not after its start 02/01/2025 00:00 (Vietnam time)");
    let err = generate(
        &ok,
        DateTime::<Utc>::MIN_UTC,
        vn(2025, 1, 1, 0, 0),
        &HolidayCalendar::vietnam(),
    )
    .unwrap_err();
    assert!(
        matches!(
            err,
            RosterError::OutOfSupportedRange {
                field: "period start",
                ..
            }
        ),
        "{err}"
    );

    let err = HighAlertPeriod::new("Tết", vn(2025, 1, 1, 0, 0), vn(2025, 6, 1, 0, 0)).unwrap_err();
    assert!(
        matches!(
            err,
            RosterError::TooLong {
                field: "high-alert period",
                max_hours: 2160,
                ..
            }
        ),
        "{err}"
    );
    assert!(HighAlertPeriod::new(" ", vn(2025, 1, 1, 0, 0), vn(2025, 1, 2, 0, 0)).is_err());
}

#[test]
fn same_person_cannot_be_on_overlapping_shifts() {
    let day = shift(vn(2025, 1, 29, 7, 0), vn(2025, 1, 29, 19, 0), &[an()]);
    let overlapping = shift(
        vn(2025, 1, 29, 18, 0),
        vn(2025, 1, 30, 7, 0),
        &[an(), binh()],
    );
    let err = Roster::new(vec![day.clone(), overlapping.clone()]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "Nguyễn Văn An (+84905123456) would be on two overlapping shifts: 29/01/2025 07:00 – 29/01/2025 19:00 and 29/01/2025 18:00 – 30/01/2025 07:00"
    );
    assert_eq!(roster::conflicts(&[day.clone(), overlapping]).len(), 1);
    // Different people may overlap (hand-over); shifts that only meet do not overlap.
    let handover = shift(vn(2025, 1, 29, 18, 30), vn(2025, 1, 30, 7, 0), &[binh()]);
    let next = shift(vn(2025, 1, 29, 19, 0), vn(2025, 1, 30, 7, 0), &[an()]);
    let roster = Roster::new(vec![next, handover, day]).unwrap();
    assert!(roster.validate().is_empty());
    assert_eq!(
        roster.shifts()[0].start(),
        vn(2025, 1, 29, 7, 0),
        "kept in time order"
    );
    assert_eq!(roster.on_duty_at(vn(2025, 1, 29, 18, 45)).len(), 2);
}

#[test]
fn hand_edits_keep_the_roster_valid_or_say_why() {
    // An 07–19, Bình 19–07, An 07–19 again, Cường alongside on the first day.
    let mut roster = Roster::new(vec![
        shift(vn(2025, 1, 29, 7, 0), vn(2025, 1, 29, 19, 0), &[an()]),
        shift(vn(2025, 1, 29, 19, 0), vn(2025, 1, 30, 7, 0), &[binh()]),
        shift(vn(2025, 1, 30, 7, 0), vn(2025, 1, 30, 19, 0), &[an()]),
        shift(vn(2025, 1, 29, 12, 0), vn(2025, 1, 29, 20, 0), &[cuong()]),
    ])
    .unwrap();
    let before = roster.clone();
    // Sorted: 0 An 07–19, 1 Cường 12–20, 2 Bình 19–07, 3 An 07–19.

    // Override: Cường would be on 12–20 and 19–07 at once.
    let err = roster.replace_person(2, &binh(), cuong()).unwrap_err();
    assert!(
        matches!(err, RosterError::DoubleBooked { ref phone, .. } if phone == "+842363822123"),
        "{err}"
    );
    assert_eq!(roster, before, "a refused edit changes nothing");
    let err = roster.replace_person(2, &an(), cuong()).unwrap_err();
    assert_eq!(err.to_string(), "Nguyễn Văn An (+84905123456) is not on the shift from 29/01/2025 19:00 to 30/01/2025 07:00");
    // Bình takes An's next day: the night 19–07 and the day 07–19 only meet.
    roster.replace_person(3, &an(), binh()).unwrap();
    assert_eq!(roster.shifts()[3].people(), [binh()]);

    // Swap: An's day and Bình's night; the times stay, the crews move.
    roster.swap(0, 2).unwrap();
    assert_eq!(roster.shifts()[0].people(), [binh()]);
    assert_eq!(roster.shifts()[2].people(), [an()]);
    // Now 0 Bình 07–19, 1 Cường 12–20, 2 An 19–07, 3 Bình 07–19 next day.
    // Cường ↔ Bình's next day would put Bình on 12–20 beside her own 07–19.
    let err = roster.swap(1, 3).unwrap_err();
    assert_eq!(
        err.to_string(),
        "Trần Thị Bình (+84914654321) would be on two overlapping shifts: 29/01/2025 07:00 – 29/01/2025 19:00 and 29/01/2025 12:00 – 29/01/2025 20:00"
    );
    assert!(matches!(
        roster.swap(0, 9),
        Err(RosterError::NoSuchShift { index: 9, len: 4 })
    ));

    // Add and remove.
    let extra = shift(vn(2025, 1, 29, 8, 0), vn(2025, 1, 29, 9, 0), &[binh()]);
    assert!(matches!(
        roster.add(extra),
        Err(RosterError::DoubleBooked { .. })
    ));
    let index = roster
        .add(shift(vn(2025, 1, 29, 8, 0), vn(2025, 1, 29, 9, 0), &[an()]))
        .unwrap();
    assert_eq!(index, 1);
    assert_eq!(roster.shifts().len(), 5);
    assert_eq!(roster.remove(index).unwrap().people(), [an()]);
    assert!(roster.remove(4).is_err());
    roster
        .set_note(
            0,
            Some("Bàn giao: hệ thống SOC bình thường.\nKhông có sự cố.".into()),
        )
        .unwrap();
    assert_eq!(
        roster.shifts()[0].note(),
        Some("Bàn giao: hệ thống SOC bình thường.\nKhông có sự cố.")
    );
    assert!(roster.validate().is_empty());
}

#[test]
fn coverage_reports_exact_gaps() {
    let roster = Roster::new(vec![
        shift(vn(2025, 1, 29, 7, 0), vn(2025, 1, 29, 19, 0), &[an()]),
        shift(vn(2025, 1, 29, 18, 0), vn(2025, 1, 29, 22, 0), &[binh()]),
        shift(vn(2025, 1, 29, 20, 0), vn(2025, 1, 29, 21, 0), &[cuong()]),
        shift(vn(2025, 1, 30, 1, 0), vn(2025, 1, 30, 7, 0), &[cuong()]),
        shift(vn(2025, 1, 30, 9, 0), vn(2025, 1, 30, 12, 0), &[an()]),
    ])
    .unwrap();
    let report = coverage(&roster, vn(2025, 1, 29, 0, 0), vn(2025, 1, 30, 10, 0)).unwrap();
    assert_eq!(
        report.gaps,
        [
            Gap {
                start: vn(2025, 1, 29, 0, 0),
                end: vn(2025, 1, 29, 7, 0)
            },
            Gap {
                start: vn(2025, 1, 29, 22, 0),
                end: vn(2025, 1, 30, 1, 0)
            },
            Gap {
                start: vn(2025, 1, 30, 7, 0),
                end: vn(2025, 1, 30, 9, 0)
            },
        ]
    );
    assert_eq!(report.total_seconds, 34 * 3600);
    assert_eq!(report.covered_seconds, 22 * 3600);
    // A window entirely inside a shift, and one with no shifts.
    assert!(
        coverage(&roster, vn(2025, 1, 29, 8, 0), vn(2025, 1, 29, 9, 0))
            .unwrap()
            .is_complete()
    );
    let empty = coverage(
        &Roster::default(),
        vn(2025, 1, 29, 8, 0),
        vn(2025, 1, 29, 9, 0),
    )
    .unwrap();
    assert_eq!(
        empty.gaps,
        [Gap {
            start: vn(2025, 1, 29, 8, 0),
            end: vn(2025, 1, 29, 9, 0)
        }]
    );
    assert_eq!(empty.covered_seconds, 0);
    assert!(coverage(&roster, vn(2025, 1, 30, 0, 0), vn(2025, 1, 29, 0, 0)).is_err());
}

#[test]
fn who_is_on_duty_across_the_province() {
    let so = Roster::new(vec![shift(
        vn(2025, 1, 29, 7, 0),
        vn(2025, 1, 29, 19, 0),
        &[an(), binh()],
    )])
    .unwrap();
    let huyen = Roster::new(vec![shift(
        vn(2025, 1, 29, 19, 0),
        vn(2025, 1, 30, 7, 0),
        &[cuong()],
    )])
    .unwrap();
    let rosters = [("Sở KH&CN", &so), ("UBND huyện Sơn Tịnh", &huyen)];
    let now = vn(2025, 1, 29, 8, 0);
    let on_duty = province_on_duty(rosters, now);
    assert_eq!(on_duty.len(), 1);
    assert_eq!(on_duty[0].0, "Sở KH&CN");
    assert_eq!(on_duty[0].1.people(), [an(), binh()]);
    assert_eq!(uncovered_at(rosters, now), ["UBND huyện Sơn Tịnh"]);
    assert!(uncovered_at(rosters, vn(2025, 1, 29, 19, 0)).len() == 1);
    assert_eq!(uncovered_at(rosters, vn(2025, 1, 30, 7, 0)).len(), 2);
}

#[test]
fn deserialising_checks_like_the_constructors() {
    let good = Roster::new(vec![shift(
        vn(2025, 1, 29, 7, 0),
        vn(2025, 1, 29, 19, 0),
        &[an()],
    )])
    .unwrap();
    let json = serde_json::to_string(&good).unwrap();
    assert_eq!(serde_json::from_str::<Roster>(&json).unwrap(), good);
    let backwards = json.replace("2025-01-29T00:00:00Z", "2025-01-29T23:00:00Z");
    let err = serde_json::from_str::<Roster>(&backwards).unwrap_err();
    assert!(err.to_string().contains("not after its start"), "{err}");
    let mut calendar = HolidayCalendar::vietnam();
    calendar.set_national_day_adjacent(2026, roster::NationalDayAdjacent::After);
    calendar
        .add_extra_day(date(2026, 2, 21), "Nghỉ bù", "Compensatory day")
        .unwrap();
    let json = serde_json::to_string(&calendar).unwrap();
    assert_eq!(
        serde_json::from_str::<HolidayCalendar>(&json).unwrap(),
        calendar
    );
    let bad_phone = r#"{"name":"An","phone":"call me"}"#;
    assert!(serde_json::from_str::<Person>(bad_phone).is_err());
}
