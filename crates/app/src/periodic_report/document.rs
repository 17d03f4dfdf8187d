//! The report as DOCX (with charts) and as XLSX.

use super::*;
use crate::botnet_report::{Download, DOCX, XLSX};
use crate::{App, AppError, Result};
use docgen::{Block, Chart};
use domain::Scope;
use std::collections::BTreeSet;

/// The deadline as a document states it: a date, never a countdown (the
/// document is read after it was made, by people it is addressed to).
pub(super) fn deadline_line(r: &PeriodicReport) -> String {
    format!(
        "Thời hạn gửi báo cáo của các thành viên mạng lưới ứng cứu sự cố: trước ngày {}.",
        d(r.deadline)
    )
}

pub(super) fn summary_rows(r: &PeriodicReport) -> Vec<Vec<String>> {
    let s = &r.systems;
    let v = &r.vulns;
    let i = &r.incidents.metrics;
    let dp = &r.directives;
    let mut rows = vec![
        vec!["Kỳ báo cáo".into(), r.label.clone()],
        vec!["Từ ngày".into(), d(r.first_day)],
        vec!["Đến ngày".into(), d(r.last_day)],
        vec!["Hạn gửi báo cáo (trước ngày)".into(), d(r.deadline)],
        vec![
            "Đơn vị".into(),
            r.org
                .as_ref()
                .map_or_else(|| "Toàn tỉnh".to_string(), |o| o.name.clone()),
        ],
        vec!["Ngày lập".into(), d(r.made_on)],
        vec!["Số hệ thống thông tin".into(), s.total.to_string()],
    ];
    for lv in (1..=5).chain([0]) {
        rows.push(vec![
            format!("Hệ thống {}", level_label(lv).to_lowercase()),
            s.by_level[lv].to_string(),
        ]);
    }
    rows.push(vec![
        "Hệ thống cấp độ 3 trở lên".into(),
        s.coverage.systems.to_string(),
    ]);
    for (name, have) in layers(&s.coverage) {
        rows.push(vec![
            format!("Cấp độ 3 trở lên có: {name}"),
            have.to_string(),
        ]);
    }
    rows.extend([
        vec![
            "Cảnh báo lỗ hổng ban hành trong kỳ".into(),
            v.warnings.len().to_string(),
        ],
        vec!["Phát hiện lỗ hổng trong kỳ".into(), v.detected.to_string()],
        vec!["Phát hiện đã xử lý".into(), v.done.to_string()],
        vec!["Phát hiện chưa xử lý".into(), v.open.to_string()],
        vec!["Tỷ lệ khắc phục".into(), percent(v.done, v.detected)],
        vec![
            "Phát hiện quá hạn tại ngày lập báo cáo".into(),
            v.overdue_now.to_string(),
        ],
        vec![
            "Danh sách IP botnet trong kỳ".into(),
            r.botnet.months.len().to_string(),
        ],
        vec![
            "Địa chỉ IP botnet khác nhau trong kỳ".into(),
            r.botnet.addresses.to_string(),
        ],
        vec![
            "Địa chỉ IP botnet đã báo xử lý".into(),
            r.botnet.marked_cleaned.to_string(),
        ],
        vec!["Sự cố phát hiện trong kỳ".into(), i.total.to_string()],
        vec!["Sự cố báo cáo muộn".into(), i.reported_late.to_string()],
        vec![
            "Thời gian tiếp nhận trung bình (giờ)".into(),
            opt_hours(i.mean_hours_to_acknowledge),
        ],
        vec![
            "Thời gian xử lý trung bình (giờ)".into(),
            opt_hours(i.mean_hours_to_resolve),
        ],
        vec![
            "Đợt trực cao điểm trong kỳ".into(),
            r.duty.periods.len().to_string(),
        ],
        vec![
            "Văn bản chỉ đạo ban hành trong kỳ".into(),
            dp.directives.len().to_string(),
        ],
        vec!["Lượt giao nhiệm vụ".into(), dp.assigned.to_string()],
        vec!["Nhiệm vụ hoàn thành".into(), dp.done.to_string()],
        vec!["Nhiệm vụ quá hạn".into(), dp.overdue.to_string()],
        vec![
            "Cảnh báo giám sát trong kỳ".into(),
            r.monitoring.total.to_string(),
        ],
        vec![
            "Cảnh báo quá hạn tiếp nhận".into(),
            r.monitoring.overdue.to_string(),
        ],
        vec![
            "Tỷ lệ cảnh báo xác nhận tấn công thật".into(),
            percent(r.monitoring.true_positives, r.monitoring.decided),
        ],
        vec![
            "Sự cố lập từ cảnh báo".into(),
            r.monitoring.incidents.to_string(),
        ],
        vec![
            "Hệ thống giám sát SOC không gửi sự kiện trong 24 giờ".into(),
            r.monitoring.silent.len().to_string(),
        ],
    ]);
    for n in &r.not_built {
        rows.push(vec![
            format!("{} ({})", n.name, n.capability),
            n.sentence.clone(),
        ]);
    }
    rows
}

pub(super) fn docx_body(r: &PeriodicReport) -> Vec<Block> {
    let province = r.org.is_none();
    let who = match &r.org {
        Some(o) => o.name.clone(),
        None => "các cơ quan, đơn vị trên địa bàn tỉnh".into(),
    };
    let mut b = vec![
        Block::Paragraph(format!(
            "Báo cáo công tác bảo đảm an toàn thông tin mạng {} của {who}; kỳ báo cáo từ ngày {} đến ngày {}. \
             Số liệu được tổng hợp từ hệ thống canhgac ngày {}.",
            r.label,
            d(r.first_day),
            d(r.last_day),
            d(r.made_on)
        )),
        Block::Paragraph(deadline_line(r)),
    ];

    // I. Systems.
    let s = &r.systems;
    b.push(Block::Heading(
        "I. HỆ THỐNG THÔNG TIN VÀ PHÂN LOẠI CẤP ĐỘ".into(),
    ));
    let approved: i64 = s.approved_by_level.iter().sum();
    b.push(Block::Paragraph(format!(
        "Tổng số hệ thống thông tin: {}, trong đó {} hệ thống đã được phê duyệt cấp độ, {} hệ thống cấp độ 3 trở lên. \
         Số liệu hệ thống là hiện trạng trên hệ thống tại ngày lập báo cáo.",
        s.total, approved, s.coverage.systems
    )));
    b.push(systems_level_table(s).block());
    b.push(Block::Chart(
        Chart::columns(
            "Số hệ thống thông tin theo cấp độ",
            (1..=5).chain([0]).map(|i| (level_label(i), s.by_level[i])),
        )
        .unit("hệ thống"),
    ));
    b.push(Block::Paragraph(format!(
        "Triển khai mô hình bảo vệ 4 lớp đối với {} hệ thống cấp độ 3 trở lên:",
        s.coverage.systems
    )));
    b.push(systems_layer_table(s).block());
    if s.coverage.systems > 0 {
        let c = &s.coverage;
        let l = layers(c);
        b.push(Block::Chart(
            Chart::bars(
                "Mô hình bảo vệ 4 lớp của hệ thống cấp độ 3 trở lên",
                l.iter().map(|(n, have)| (n.to_string(), *have)),
            )
            .unit("hệ thống")
            .compare(
                "Đã triển khai",
                "Chưa triển khai",
                l.iter().map(|(_, have)| c.systems - have).collect(),
            ),
        ));
    }
    if province && !s.by_org.is_empty() {
        b.push(systems_org_table(s).block());
    }

    // II. Vulnerabilities.
    let v = &r.vulns;
    b.push(Block::Heading(
        "II. CẢNH BÁO VÀ KHẮC PHỤC LỖ HỔNG BẢO MẬT".into(),
    ));
    b.push(Block::Paragraph(if v.warnings.is_empty() {
        format!(
            "Trong kỳ không có cảnh báo lỗ hổng nào của {} được ghi nhận trên hệ thống.",
            v.issuer
        )
    } else {
        format!(
            "Trong kỳ, {} ban hành {} cảnh báo lỗ hổng; kết quả rà soát, khắc phục:",
            v.issuer,
            v.warnings.len()
        )
    }));
    if !v.warnings.is_empty() {
        b.push(warnings_table(v).block());
    }
    b.push(Block::Paragraph(format!(
        "Số phát hiện lỗ hổng trên tài sản trong kỳ: {}; đã xử lý (vá, giảm thiểu, chấp nhận rủi ro, xác định nhầm, \
         hết ảnh hưởng sau cập nhật): {}; chưa xử lý: {}; tỷ lệ khắc phục: {}. Số phát hiện quá hạn xử lý \
         tại ngày lập báo cáo: {}.",
        v.detected,
        v.done,
        v.open,
        percent(v.done, v.detected),
        v.overdue_now
    )));
    // Without a finding in the period the sentence above says it all: no
    // tables of zeros (the spreadsheet still carries them).
    if v.detected > 0 {
        b.push(status_table(v).block());
        b.push(Block::Chart(
            Chart::bars(
                "Phát hiện lỗ hổng trong kỳ theo trạng thái",
                v.by_status.iter().map(|(_, l, n)| (l.clone(), *n)),
            )
            .unit("phát hiện"),
        ));
        b.push(priority_table(v).block());
        if province && !v.by_org.is_empty() {
            b.push(findings_org_table(v).block());
        }
    }

    // III. Botnet.
    let bn = &r.botnet;
    b.push(Block::Heading("III. ĐỊA CHỈ IP MẠNG BOTNET".into()));
    if bn.months.is_empty() {
        b.push(Block::Paragraph(
            "Trong kỳ chưa có danh sách địa chỉ IP mạng botnet nào được nhập vào hệ thống.".into(),
        ));
    } else {
        b.push(Block::Paragraph(format!(
            "Trong kỳ có {} danh sách địa chỉ IP mạng botnet; {} địa chỉ IP khác nhau {} có tên trong các danh sách, \
             {} địa chỉ đã được báo xử lý.",
            bn.months.len(),
            bn.addresses,
            if province { "thuộc phạm vi tỉnh" } else { "của đơn vị" },
            bn.marked_cleaned
        )));
        b.push(botnet_month_table(bn, province).block());
        let sources: BTreeSet<&str> = bn.months.iter().map(|m| m.source.as_str()).collect();
        for source in sources {
            let months: Vec<&BotnetMonth> =
                bn.months.iter().filter(|m| m.source == source).collect();
            b.push(Block::Chart(
                Chart::columns(
                    format!("Số địa chỉ IP mạng botnet theo tháng (nguồn: {source})"),
                    months.iter().map(|m| (month_vi(&m.month), m.listed)),
                )
                .unit("địa chỉ IP")
                .compare(
                    "Có tên trong danh sách",
                    "Báo đã xử lý",
                    months.iter().map(|m| m.marked_cleaned).collect(),
                ),
            ));
        }
        if province && !bn.by_owner.is_empty() {
            b.push(botnet_owner_table(bn).block());
        }
    }

    // IV. Incidents.
    let inc = &r.incidents;
    let m = &inc.metrics;
    b.push(Block::Heading("IV. SỰ CỐ AN TOÀN THÔNG TIN MẠNG".into()));
    b.push(Block::Paragraph(format!(
        "Trong kỳ phát hiện {} sự cố; {} sự cố đã xử lý xong, {} sự cố chưa kết thúc; {} sự cố báo cáo muộn quá 5 ngày \
         kể từ khi phát hiện. Thời gian tiếp nhận trung bình: {}; thời gian xử lý trung bình: {}.",
        m.total,
        m.resolved,
        m.open,
        m.reported_late,
        mean_hours(m.mean_hours_to_acknowledge, "sự cố nào được tiếp nhận"),
        mean_hours(m.mean_hours_to_resolve, "sự cố nào xử lý xong")
    )));
    b.push(class_table(inc).block());
    b.push(Block::Chart(
        Chart::bars(
            "Sự cố an toàn thông tin mạng theo loại",
            inc.by_class.iter().map(|(_, l, n)| (l.clone(), *n as i64)),
        )
        .unit("sự cố"),
    ));
    b.push(severity_table(inc).block());
    b.push(response_table(inc).block());

    // V. Duty.
    b.push(Block::Heading("V. TRỰC BẢO ĐẢM AN TOÀN THÔNG TIN".into()));
    if r.duty.periods.is_empty() {
        b.push(Block::Paragraph(
            "Trong kỳ không có đợt trực cao điểm nào được ghi nhận trên hệ thống.".into(),
        ));
    } else {
        let missing: usize = r
            .duty
            .periods
            .iter()
            .flat_map(|p| &p.orgs)
            .filter(|o| !o.has_roster)
            .count();
        b.push(Block::Paragraph(format!(
            "Trong kỳ có {} đợt trực cao điểm; {} lượt đơn vị chưa lập lịch trực.",
            r.duty.periods.len(),
            missing
        )));
        b.push(duty_table(&r.duty).block());
    }

    // VI. Directives.
    let dp = &r.directives;
    b.push(Block::Heading("VI. THỰC HIỆN CÁC VĂN BẢN CHỈ ĐẠO".into()));
    if dp.directives.is_empty() {
        b.push(Block::Paragraph(
            "Trong kỳ không có văn bản chỉ đạo nào giao nhiệm vụ được ghi nhận trên hệ thống."
                .into(),
        ));
    } else {
        b.push(Block::Paragraph(format!(
            "Trong kỳ có {} văn bản chỉ đạo với {} lượt giao nhiệm vụ: {} hoàn thành, {} không áp dụng, \
             {} đang thực hiện, {} chưa báo cáo; {} quá hạn.",
            dp.directives.len(),
            dp.assigned,
            dp.done,
            dp.not_applicable,
            dp.in_progress,
            dp.not_reported,
            dp.overdue
        )));
        b.push(directive_table(dp).block());
    }

    // VII. 24/7 monitoring.
    monitoring_blocks(&mut b, &r.monitoring, province);

    // VIII. Not built.
    b.push(Block::Heading(
        "VIII. CÁC NỘI DUNG CHƯA CÓ SỐ LIỆU TRÊN HỆ THỐNG".into(),
    ));
    // Said once, then the capabilities by name.
    b.push(Block::Paragraph(NOT_BUILT_INTRO.into()));
    let last = r.not_built.len().saturating_sub(1);
    b.push(Block::Bullets(
        r.not_built
            .iter()
            .enumerate()
            .map(|(i, n)| format!("{}{}", n.name, if i == last { "." } else { ";" }))
            .collect(),
    ));
    b
}

/// The heading of the monitoring section.
pub const MONITORING_HEADING: &str = "VII. GIÁM SÁT AN TOÀN THÔNG TIN 24/7";

/// The sentence when the period has no alert.
pub const NO_ALERTS: &str =
    "Trong kỳ không có cảnh báo nào từ hệ thống giám sát được ghi nhận trên hệ thống.";

pub(super) fn monitoring_blocks(b: &mut Vec<Block>, m: &MonitoringPart, province: bool) {
    b.push(Block::Heading(MONITORING_HEADING.into()));
    if m.total == 0 {
        b.push(Block::Paragraph(NO_ALERTS.into()));
    } else {
        b.push(Block::Paragraph(format!(
            "Trong kỳ hệ thống giám sát ghi nhận {} cảnh báo; {} cảnh báo tiếp nhận quá thời hạn. \
             {} cảnh báo đã có kết luận, trong đó {} cảnh báo xác nhận là tấn công thật \
             (tỷ lệ {}); {} sự cố được lập từ cảnh báo.{}",
            m.total,
            m.overdue,
            m.decided,
            m.true_positives,
            percent(m.true_positives, m.decided),
            m.incidents,
            if m.truncated {
                " Số liệu tính trên 500.000 cảnh báo đầu tiên của kỳ."
            } else {
                ""
            }
        )));
        b.push(alert_severity_table(m).block());
        if province {
            b.push(alert_org_table(m).block());
        }
    }
    if m.monitored_systems == 0 {
        b.push(Block::Paragraph(
            "Không có hệ thống thông tin nào đăng ký giám sát bởi SOC.".into(),
        ));
    } else if m.silent.is_empty() {
        b.push(Block::Paragraph(format!(
            "Tại ngày lập báo cáo, cả {} hệ thống đăng ký giám sát bởi SOC đều gửi sự kiện trong 24 giờ qua.",
            m.monitored_systems
        )));
    } else {
        b.push(Block::Paragraph(format!(
            "Tại ngày lập báo cáo, {} trong số {} hệ thống đăng ký giám sát bởi SOC không gửi sự kiện nào \
             trong 24 giờ qua hoặc chưa có cảm biến:",
            m.silent.len(),
            m.monitored_systems
        )));
        b.push(silent_table(m).block());
    }
}

/// What the DOCX says once before naming the capabilities not built.
pub const NOT_BUILT_INTRO: &str = "Các chức năng sau chưa được xây dựng trong canhgac; \
     số liệu các nội dung này do đơn vị tự báo cáo:";

impl App {
    /// The report as an administrative document (DOCX) with charts: from the
    /// organisation to the Department, or from the Department to the
    /// province's People's Committee.
    pub async fn periodic_report_docx(
        &self,
        scope: &Scope,
        period: ReportPeriod,
        org_id: Option<i64>,
    ) -> Result<Download> {
        let r = self.periodic_report(scope, period, org_id).await?;
        let letterhead = match &r.org {
            Some(o) => self.letterhead_of(o.id).await?,
            None => self.letterhead().await?,
        };
        let system = self.system_scope().await?;
        let coordinator = store::orgs::get(&mut self.store.conn(), &system, system.org_id)
            .await?
            .ok_or(AppError::NotFound)?;
        let province = letterhead.place.clone();
        let (recipients, capacity) = match &r.org {
            Some(_) => (
                vec![coordinator.data.name.to_string()],
                vec!["THỦ TRƯỞNG ĐƠN VỊ".to_string()],
            ),
            None => (
                vec![if province.is_empty() {
                    "Ủy ban nhân dân tỉnh".to_string()
                } else {
                    format!("Ủy ban nhân dân tỉnh {province}")
                }],
                vec!["GIÁM ĐỐC".to_string()],
            ),
        };
        let doc = docgen::OfficialDocument {
            letterhead,
            kind: "BÁO CÁO".into(),
            title: format!("Công tác bảo đảm an toàn thông tin mạng {}", r.label),
            summary: None,
            recipients,
            body: docx_body(&r),
            recipients_for_filing: vec!["Như trên;".into(), "Lưu: VT.".into()],
            signature: docgen::Signature {
                capacity,
                signer: String::new(),
            },
        };
        let bytes = doc
            .to_docx()
            .map_err(|e| AppError::Internal(e.to_string()))?;
        Ok(Download {
            file_name: format!("{}.docx", file_stem(&r)),
            content_type: DOCX,
            bytes,
        })
    }

    /// The same figures as a workbook: a summary sheet first, then one sheet
    /// per table of the report.
    pub async fn periodic_report_xlsx(
        &self,
        scope: &Scope,
        period: ReportPeriod,
        org_id: Option<i64>,
    ) -> Result<Download> {
        let r = self.periodic_report(scope, period, org_id).await?;
        let mut tables = vec![ReportTable {
            sheet: "Tổng hợp",
            columns: vec!["Nội dung".into(), "Giá trị".into()],
            rows: summary_rows(&r),
            widths: vec![60, 40],
        }];
        tables.extend(all_tables(&r));
        let headers: Vec<Vec<&str>> = tables
            .iter()
            .map(|t| t.columns.iter().map(String::as_str).collect())
            .collect();
        let sheets: Vec<sheets::Sheet<'_>> = tables
            .iter()
            .zip(&headers)
            .map(|(t, h)| sheets::Sheet {
                name: t.sheet,
                headers: h,
                rows: &t.rows,
                fills: &[],
            })
            .collect();
        let bytes =
            sheets::write_xlsx_sheets(&sheets).map_err(|e| AppError::Internal(e.to_string()))?;
        Ok(Download {
            file_name: format!("{}.xlsx", file_stem(&r)),
            content_type: XLSX,
            bytes,
        })
    }
}

/// A mean time in a sentence: "12,5 giờ", or why there is none ("chưa có
/// sự cố nào xử lý xong") rather than "– giờ".
fn mean_hours(v: Option<f64>, none: &str) -> String {
    match v {
        Some(_) => format!("{} giờ", opt_hours(v)),
        None => format!("chưa có {none}"),
    }
}
