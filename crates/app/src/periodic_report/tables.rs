//! Rendering helpers and the report's tables, shared by the DOCX and the XLSX.

use super::*;

use crate::dashboard::Coverage;
use chrono::NaiveDate;
use docgen::Block;

// ---- rendering ----

pub(super) fn file_stem(r: &PeriodicReport) -> String {
    match &r.org {
        Some(o) => format!("bao-cao-dinh-ky-{}-don-vi-{}", r.period, o.id),
        None => format!("bao-cao-dinh-ky-{}-toan-tinh", r.period),
    }
}

pub(super) fn d(day: NaiveDate) -> String {
    day.format("%d/%m/%Y").to_string()
}

/// A number with a decimal comma, as Vietnamese documents write it.
pub(super) fn decimal(x: f64, places: usize) -> String {
    format!("{x:.places$}").replace('.', ",")
}

pub(crate) fn percent(part: i64, whole: i64) -> String {
    if whole <= 0 {
        "–".into()
    } else {
        format!("{}%", decimal(part as f64 * 100.0 / whole as f64, 1))
    }
}

pub(super) fn opt_num(v: Option<i64>) -> String {
    v.map_or_else(|| "–".to_string(), |n| n.to_string())
}

pub(super) fn opt_hours(v: Option<f64>) -> String {
    v.map_or_else(|| "–".to_string(), |h| decimal(h, 1))
}

pub(super) fn month_vi(m: &str) -> String {
    crate::botnet::period_vn(m)
}

pub(super) fn level_label(i: usize) -> String {
    if i == 0 {
        "Chưa xác định cấp độ".into()
    } else {
        format!("Cấp độ {i}")
    }
}

/// One table of the report, printed in the DOCX and written as a sheet.
pub(super) struct ReportTable {
    /// The worksheet's name (at most 31 characters, none of `[]:*?/\`).
    pub(super) sheet: &'static str,
    pub(super) columns: Vec<String>,
    pub(super) rows: Vec<Vec<String>>,
    pub(super) widths: Vec<u32>,
}

impl ReportTable {
    pub(super) fn new(sheet: &'static str, columns: &[&str], widths: &[u32]) -> Self {
        ReportTable {
            sheet,
            columns: columns.iter().map(|c| c.to_string()).collect(),
            rows: Vec::new(),
            widths: widths.to_vec(),
        }
    }

    pub(super) fn block(&self) -> Block {
        Block::Table(docgen::Table {
            columns: self.columns.clone(),
            rows: self.rows.clone(),
            widths: Some(self.widths.clone()),
        })
    }
}

pub(super) fn systems_level_table(s: &SystemsPart) -> ReportTable {
    let mut t = ReportTable::new(
        "I. Cấp độ",
        &[
            "Cấp độ",
            "Số hệ thống",
            "Đã phê duyệt cấp độ",
            "Chưa phê duyệt",
        ],
        &[40, 20, 20, 20],
    );
    for i in (1..=5).chain([0]) {
        t.rows.push(vec![
            level_label(i),
            s.by_level[i].to_string(),
            s.approved_by_level[i].to_string(),
            (s.by_level[i] - s.approved_by_level[i]).to_string(),
        ]);
    }
    let approved: i64 = s.approved_by_level.iter().sum();
    t.rows.push(vec![
        "Tổng cộng".into(),
        s.total.to_string(),
        approved.to_string(),
        (s.total - approved).to_string(),
    ]);
    t
}

pub(super) fn layers(c: &Coverage) -> [(&'static str, i64); 4] {
    [
        ("Lực lượng tại chỗ", c.onsite_force),
        ("Giám sát, bảo vệ bởi SOC", c.soc_monitoring),
        ("Kiểm tra, đánh giá độc lập trong 12 tháng", c.assessed),
        ("Kết nối, chia sẻ thông tin với NCSC", c.ncsc_connected),
    ]
}

pub(super) fn systems_layer_table(s: &SystemsPart) -> ReportTable {
    let mut t = ReportTable::new(
        "I. Bảo vệ 4 lớp",
        &["Lớp bảo vệ", "Đã triển khai", "Chưa triển khai", "Tỷ lệ"],
        &[46, 18, 18, 18],
    );
    let c = &s.coverage;
    for (name, have) in layers(c) {
        t.rows.push(vec![
            name.into(),
            have.to_string(),
            (c.systems - have).to_string(),
            percent(have, c.systems),
        ]);
    }
    t
}

pub(super) fn systems_org_table(s: &SystemsPart) -> ReportTable {
    let mut t = ReportTable::new(
        "I. Theo đơn vị",
        &[
            "Đơn vị",
            "Tổng số",
            "Cấp độ 1",
            "Cấp độ 2",
            "Cấp độ 3",
            "Cấp độ 4",
            "Cấp độ 5",
            "Chưa xác định",
            "Chưa phê duyệt",
            "Lớp bảo vệ còn thiếu",
        ],
        &[22, 8, 8, 8, 8, 8, 8, 10, 10, 10],
    );
    for o in &s.by_org {
        let mut row = vec![o.name.clone(), o.total.to_string()];
        row.extend((1..=5).chain([0]).map(|i| o.by_level[i].to_string()));
        row.push(o.unapproved.to_string());
        row.push(o.missing_layers.to_string());
        t.rows.push(row);
    }
    t
}

pub(super) fn warnings_table(v: &VulnsPart) -> ReportTable {
    let mut t = ReportTable::new(
        "II. Cảnh báo",
        &[
            "Số cảnh báo",
            "Ngày",
            "Nội dung",
            "Số CVE",
            "Đơn vị bị ảnh hưởng",
            "Phát hiện",
            "Đã xử lý",
            "Chưa xử lý",
            "Quá hạn",
        ],
        &[14, 11, 27, 7, 9, 8, 8, 8, 8],
    );
    // When the issuer changed within the period, each number says whose.
    let mixed = v.warnings.windows(2).any(|p| p[0].issuer != p[1].issuer);
    for w in &v.warnings {
        t.rows.push(vec![
            if mixed {
                format!("{} ({})", w.number, w.issuer_short)
            } else {
                w.number.clone()
            },
            d(w.issued_on),
            w.title.clone(),
            w.cves.to_string(),
            w.orgs.to_string(),
            w.findings.to_string(),
            w.done.to_string(),
            w.open.to_string(),
            w.overdue.to_string(),
        ]);
    }
    t
}

pub(super) fn status_table(v: &VulnsPart) -> ReportTable {
    let mut t = ReportTable::new(
        "II. Trạng thái",
        &["Trạng thái phát hiện", "Số phát hiện"],
        &[65, 35],
    );
    for (_, label, n) in &v.by_status {
        t.rows.push(vec![label.clone(), n.to_string()]);
    }
    t.rows
        .push(vec!["Tổng cộng".into(), v.detected.to_string()]);
    t
}

pub(super) fn priority_table(v: &VulnsPart) -> ReportTable {
    let mut t = ReportTable::new(
        "II. Mức ưu tiên",
        &[
            "Mức ưu tiên",
            "Phát hiện",
            "Đã xử lý",
            "Chưa xử lý",
            "Quá hạn",
            "Tỷ lệ khắc phục",
        ],
        &[25, 15, 15, 15, 15, 15],
    );
    for p in &v.by_priority {
        t.rows.push(vec![
            p.label.clone(),
            p.detected.to_string(),
            p.done.to_string(),
            p.open.to_string(),
            p.overdue.to_string(),
            percent(p.done, p.detected),
        ]);
    }
    t
}

pub(super) fn findings_org_table(v: &VulnsPart) -> ReportTable {
    let mut t = ReportTable::new(
        "II. Theo đơn vị",
        &[
            "Đơn vị",
            "Phát hiện trong kỳ",
            "Đã xử lý",
            "Chưa xử lý",
            "Tỷ lệ khắc phục",
            "Quá hạn hiện tại",
        ],
        &[30, 14, 14, 14, 14, 14],
    );
    for o in &v.by_org {
        t.rows.push(vec![
            o.name.clone(),
            o.detected.to_string(),
            o.done.to_string(),
            o.open.to_string(),
            percent(o.done, o.detected),
            o.overdue_now.to_string(),
        ]);
    }
    t
}

pub(super) fn botnet_month_table(b: &BotnetPart, province: bool) -> ReportTable {
    let mut cols = vec![
        "Nguồn",
        "Tháng",
        "Số địa chỉ IP",
        "Mới xuất hiện",
        "Tiếp tục có tên",
        "Không còn trong danh sách",
        "Báo đã xử lý",
        "Tái nhiễm",
    ];
    let mut widths = vec![18, 10, 11, 11, 11, 13, 11, 10];
    if province {
        cols.push("Chưa xác định đơn vị");
        widths.push(11);
    }
    let mut t = ReportTable::new("III. Botnet theo tháng", &cols, &widths);
    for m in &b.months {
        let mut row = vec![
            m.source.clone(),
            month_vi(&m.month),
            m.listed.to_string(),
            opt_num(m.new),
            opt_num(m.still_listed),
            opt_num(m.gone),
            m.marked_cleaned.to_string(),
            m.reinfected.to_string(),
        ];
        if province {
            row.push(m.unknown_owner.to_string());
        }
        t.rows.push(row);
    }
    t
}

pub(super) fn botnet_owner_table(b: &BotnetPart) -> ReportTable {
    let mut t = ReportTable::new(
        "III. Botnet theo đơn vị",
        &["Đơn vị", "Số địa chỉ IP khác nhau trong kỳ", "Đã báo xử lý"],
        &[50, 25, 25],
    );
    for o in &b.by_owner {
        t.rows.push(vec![
            o.name.clone(),
            o.addresses.to_string(),
            o.marked_cleaned.to_string(),
        ]);
    }
    t
}

pub(super) fn class_table(i: &IncidentsPart) -> ReportTable {
    let mut t = ReportTable::new(
        "IV. Sự cố theo loại",
        &["Loại sự cố", "Số sự cố"],
        &[75, 25],
    );
    for (_, label, n) in &i.by_class {
        t.rows.push(vec![label.clone(), n.to_string()]);
    }
    t.rows
        .push(vec!["Tổng cộng".into(), i.metrics.total.to_string()]);
    t
}

pub(super) fn severity_table(i: &IncidentsPart) -> ReportTable {
    let mut t = ReportTable::new("IV. Sự cố theo mức độ", &["Mức độ", "Số sự cố"], &[75, 25]);
    for (_, label, n) in &i.by_severity {
        t.rows.push(vec![label.clone(), n.to_string()]);
    }
    t
}

pub(super) fn response_table(i: &IncidentsPart) -> ReportTable {
    let m = &i.metrics;
    let mut t = ReportTable::new(
        "IV. Ứng cứu",
        &["Chỉ tiêu ứng cứu sự cố", "Giá trị"],
        &[70, 30],
    );
    t.rows = vec![
        vec!["Số sự cố phát hiện trong kỳ".into(), m.total.to_string()],
        vec![
            "Báo cáo muộn (quá 5 ngày kể từ khi phát hiện)".into(),
            m.reported_late.to_string(),
        ],
        vec!["Đã được tiếp nhận".into(), m.acknowledged.to_string()],
        vec![
            "Thời gian tiếp nhận trung bình (giờ)".into(),
            opt_hours(m.mean_hours_to_acknowledge),
        ],
        vec!["Đã xử lý xong".into(), m.resolved.to_string()],
        vec![
            "Thời gian xử lý trung bình từ khi phát hiện (giờ)".into(),
            opt_hours(m.mean_hours_to_resolve),
        ],
        vec!["Chưa kết thúc".into(), m.open.to_string()],
        vec!["Quá hạn xử lý".into(), m.overdue.to_string()],
    ];
    t
}

pub(super) fn duty_table(p: &DutyPart) -> ReportTable {
    let mut t = ReportTable::new(
        "V. Trực",
        &[
            "Đợt trực",
            "Thời gian",
            "Đơn vị",
            "Lịch trực",
            "Số ca",
            "Thời gian chưa có người trực (giờ)",
            "Tỷ lệ bảo đảm",
        ],
        &[20, 20, 16, 10, 8, 14, 12],
    );
    for period in &p.periods {
        let when = format!(
            "{} – {}",
            crate::registry::format_vn_time(period.starts_at),
            crate::registry::format_vn_time(period.ends_at)
        );
        for o in &period.orgs {
            t.rows.push(vec![
                period.name.clone(),
                when.clone(),
                o.name.clone(),
                if o.has_roster { "Có" } else { "Chưa có" }.into(),
                o.shifts.to_string(),
                decimal(o.gap_hours, 1),
                format!("{}%", decimal(o.covered * 100.0, 1)),
            ]);
        }
    }
    t
}

pub(super) fn directive_table(p: &DirectivesPart) -> ReportTable {
    let mut t = ReportTable::new(
        "VI. Chỉ đạo",
        &[
            "Văn bản",
            "Nhiệm vụ",
            "Hạn",
            "Đơn vị nhận",
            "Hoàn thành",
            "Không áp dụng",
            "Đang thực hiện",
            "Chưa báo cáo",
            "Quá hạn",
        ],
        &[14, 30, 10, 8, 8, 8, 8, 8, 6],
    );
    for dl in &p.directives {
        for task in &dl.tasks {
            t.rows.push(vec![
                format!("{} ngày {}", dl.number, d(dl.issued_on)),
                format!("{}. {}", task.position, task.text),
                task.deadline.map(d).unwrap_or_default(),
                task.recipients.to_string(),
                task.done.to_string(),
                task.not_applicable.to_string(),
                task.in_progress.to_string(),
                task.not_reported.to_string(),
                task.overdue.to_string(),
            ]);
        }
    }
    t
}

pub(super) fn not_built_table(r: &PeriodicReport) -> ReportTable {
    let mut t = ReportTable::new("VIII. Chưa có số liệu", &["Nội dung", "Ghi chú"], &[60, 40]);
    for n in &r.not_built {
        let mut name = n.name.clone();
        if let Some(first) = name.chars().next() {
            name.replace_range(..first.len_utf8(), &first.to_uppercase().to_string());
        }
        t.rows.push(vec![
            name,
            "Chưa được xây dựng trong canhgac; số liệu do đơn vị tự báo cáo.".into(),
        ]);
    }
    t
}

pub(super) fn alert_severity_table(m: &MonitoringPart) -> ReportTable {
    let mut t = ReportTable::new(
        "VII. Cảnh báo theo mức độ",
        &[
            "Mức độ",
            "Số cảnh báo",
            "Thời hạn tiếp nhận (giờ)",
            "Đã tiếp nhận",
            "Trung vị thời gian tiếp nhận (giờ)",
            "P90 thời gian tiếp nhận (giờ)",
            "Quá hạn tiếp nhận",
        ],
        &[20, 12, 14, 12, 15, 15, 12],
    );
    for l in &m.by_severity {
        t.rows.push(vec![
            l.label.clone(),
            l.total.to_string(),
            l.within_hours.to_string(),
            l.acknowledged.to_string(),
            opt_hours(l.median_hours),
            opt_hours(l.p90_hours),
            l.overdue.to_string(),
        ]);
    }
    let acked: i64 = m.by_severity.iter().map(|l| l.acknowledged).sum();
    t.rows.push(vec![
        "Tổng cộng".into(),
        m.total.to_string(),
        String::new(),
        acked.to_string(),
        String::new(),
        String::new(),
        m.overdue.to_string(),
    ]);
    t
}

pub(super) fn alert_org_table(m: &MonitoringPart) -> ReportTable {
    let mut cols = vec!["Đơn vị"];
    let labels: Vec<&str> = domain::monitoring::AlertSeverity::ALL
        .iter()
        .map(|s| domain::Labelled::label_vi(s))
        .collect();
    cols.extend(labels.iter().copied());
    cols.push("Tổng số");
    let mut t = ReportTable::new(
        "VII. Cảnh báo theo đơn vị",
        &cols,
        &[32, 13, 13, 13, 15, 14],
    );
    for o in &m.by_org {
        let mut row = vec![o.name.clone()];
        row.extend(o.by_severity.iter().map(i64::to_string));
        row.push(o.total.to_string());
        t.rows.push(row);
    }
    t
}

pub(super) fn silent_table(m: &MonitoringPart) -> ReportTable {
    let mut t = ReportTable::new(
        "VII. Hệ thống SOC im lặng",
        &[
            "Mã hệ thống",
            "Tên hệ thống",
            "Đơn vị",
            "Số cảm biến",
            "Sự kiện gần nhất",
        ],
        &[16, 34, 18, 12, 20],
    );
    for s in &m.silent {
        t.rows.push(vec![
            s.code.clone(),
            s.name.clone(),
            s.org.clone(),
            s.sensors.to_string(),
            s.last_event_at
                .map_or_else(|| "Chưa nhận".to_string(), crate::registry::format_vn_time),
        ]);
    }
    t
}

pub(super) fn all_tables(r: &PeriodicReport) -> Vec<ReportTable> {
    let province = r.org.is_none();
    let mut v = vec![
        systems_level_table(&r.systems),
        systems_layer_table(&r.systems),
    ];
    if province {
        v.push(systems_org_table(&r.systems));
    }
    v.extend([
        warnings_table(&r.vulns),
        status_table(&r.vulns),
        priority_table(&r.vulns),
    ]);
    if province {
        v.push(findings_org_table(&r.vulns));
    }
    v.push(botnet_month_table(&r.botnet, province));
    if province {
        v.push(botnet_owner_table(&r.botnet));
    }
    v.extend([
        class_table(&r.incidents),
        severity_table(&r.incidents),
        response_table(&r.incidents),
        duty_table(&r.duty),
        directive_table(&r.directives),
        alert_severity_table(&r.monitoring),
    ]);
    if province {
        v.push(alert_org_table(&r.monitoring));
    }
    v.extend([silent_table(&r.monitoring), not_built_table(r)]);
    v
}
