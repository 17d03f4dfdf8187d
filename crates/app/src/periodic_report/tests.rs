use super::*;

#[test]
fn periods_parse_and_cover_the_reporting_year() {
    let h1: ReportPeriod = "2025-H1".parse().unwrap();
    assert_eq!(h1.first_day(), date(2024, 12, 1));
    assert_eq!(h1.last_day(), date(2025, 5, 31));
    assert_eq!(h1.deadline(), date(2025, 6, 20));
    assert_eq!(h1.months().len(), 6);
    assert_eq!(h1.months()[0], "2024-12");
    let h2: ReportPeriod = " 2025-h2 ".parse().unwrap();
    assert_eq!(
        (h2.first_day(), h2.last_day()),
        (date(2025, 6, 1), date(2025, 11, 30))
    );
    assert_eq!(h2.deadline(), date(2025, 12, 15));
    let y: ReportPeriod = "2025".parse().unwrap();
    assert_eq!(
        (y.first_day(), y.last_day()),
        (date(2024, 12, 1), date(2025, 11, 30))
    );
    assert_eq!(y.months().len(), 12);
    for p in [h1, h2, y] {
        assert_eq!(p.to_string().parse::<ReportPeriod>().unwrap(), p);
    }
    // Vietnam midnight of 1/12/2024 is 17:00 UTC the day before.
    assert_eq!(h1.starts_at().to_rfc3339(), "2024-11-30T17:00:00+00:00");
    assert_eq!(h1.ends_at().to_rfc3339(), "2025-05-31T17:00:00+00:00");
    for bad in [
        "",
        "2025-H3",
        "25-H1",
        "2025-",
        "H1-2025",
        "1999",
        "２０２５",
    ] {
        let e = bad.parse::<ReportPeriod>().unwrap_err();
        assert!(e.contains("2025-H1") || e.contains("outside"), "{bad}: {e}");
    }
}

#[test]
fn the_next_report_due_and_the_days_left() {
    let due = next_due(date(2025, 6, 1));
    assert_eq!(due.len(), 1);
    assert_eq!(due[0].period.to_string(), "2025-H1");
    assert_eq!(due[0].days_left, 19);
    assert!(
        due[0].message_vi().contains("20/06/2025"),
        "{}",
        due[0].message_vi()
    );
    let due = next_due(date(2025, 6, 21));
    let names: Vec<String> = due.iter().map(|d| d.period.to_string()).collect();
    assert_eq!(names, ["2025-H2", "2025"]);
    assert_eq!(due[0].deadline, date(2025, 12, 15));
    let due = next_due(date(2025, 12, 15));
    assert_eq!(due[0].days_left, 0);
    let due = next_due(date(2025, 12, 16));
    assert_eq!(due[0].period.to_string(), "2026-H1");
    assert_eq!(
        ReportPeriod::half_containing(date(2025, 12, 3)).to_string(),
        "2026-H1"
    );
    assert_eq!(
        ReportPeriod::half_containing(date(2025, 7, 3)).to_string(),
        "2025-H2"
    );
}

#[test]
fn numbers_are_written_the_vietnamese_way() {
    assert_eq!(percent(2, 3), "66,7%");
    assert_eq!(percent(0, 0), "–");
    assert_eq!(decimal(1.26, 1), "1,3");
    assert_eq!(opt_hours(None), "–");
}
