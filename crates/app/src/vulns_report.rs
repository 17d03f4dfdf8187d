//! A warning's status across the province as the Department's reply to the
//! Authority (DOCX) and as a workbook (XLSX); findings as CSV/XLSX.

use crate::botnet_report::{Download, DOCX, XLSX};
use crate::vulns::WarningStatus;
use crate::{App, AppError, Result};
use domain::{FindingStatus, Scope};
use store::vulns::{FindingFilter, FindingView};

const FINDING_HEADERS: [&str; 12] = [
    "Mã đơn vị",
    "Đơn vị",
    "Hệ thống",
    "Tài sản",
    "CVE",
    "CVSS",
    "KEV",
    "Mức ưu tiên",
    "Hạn xử lý",
    "Trạng thái",
    "Quá hạn",
    "Ghi chú",
];

/// Organisation id → (code, name), from [`App::org_labels`].
type OrgLabels = std::collections::HashMap<i64, (String, String)>;

fn finding_cells(f: &FindingView, orgs: &OrgLabels, today: chrono::NaiveDate) -> Vec<String> {
    let (code, name) = orgs.get(&f.owner_org_id).cloned().unwrap_or_default();
    let overdue = f
        .status
        .parse::<FindingStatus>()
        .is_ok_and(|s| s.is_active())
        && f.deadline < today;
    vec![
        code,
        name,
        f.system_code.clone(),
        f.hostname.clone(),
        f.cve.clone(),
        f.cvss.map(|c| format!("{c:.1}")).unwrap_or_default(),
        if f.kev == Some(true) { "có" } else { "" }.into(),
        crate::vulns::priority_vi(&f.priority).into(),
        f.deadline.format("%d/%m/%Y").to_string(),
        domain::label_vi_of::<FindingStatus>(&f.status),
        if overdue { "quá hạn" } else { "" }.into(),
        f.note.clone().unwrap_or_default(),
    ]
}

const ORG_HEADERS: [&str; 7] = [
    "Đơn vị",
    "Tài sản bị ảnh hưởng",
    "Phát hiện",
    "Đã xử lý",
    "Chưa xử lý",
    "Quá hạn",
    "Hạn sớm nhất",
];

fn org_rows(s: &WarningStatus) -> Vec<Vec<String>> {
    s.orgs
        .iter()
        .map(|o| {
            vec![
                o.name.clone(),
                o.assets.to_string(),
                o.findings.to_string(),
                o.done.to_string(),
                o.open.to_string(),
                o.overdue.to_string(),
                o.earliest_deadline
                    .map(|d| d.format("%d/%m/%Y").to_string())
                    .unwrap_or_default(),
            ]
        })
        .collect()
}

impl App {
    pub async fn warning_report_xlsx(&self, scope: &Scope, id: i64) -> Result<Download> {
        let s = self.warning_status(scope, id).await?;
        let today = crate::registry::today();
        let orgs = self.org_labels().await?;
        let findings: Vec<Vec<String>> = s
            .findings
            .iter()
            .map(|f| finding_cells(f, &orgs, today))
            .collect();
        let cves: Vec<Vec<String>> = s
            .known
            .iter()
            .map(|v| {
                vec![
                    v.cve.clone(),
                    v.title.clone().unwrap_or_default(),
                    v.cvss.map(|c| format!("{c:.1}")).unwrap_or_default(),
                    if v.kev { "có" } else { "" }.into(),
                    v.epss.map(|e| format!("{e:.3}")).unwrap_or_default(),
                ]
            })
            .collect();
        let bytes = sheets::write_xlsx_sheets(&[
            sheets::Sheet {
                name: "Theo đơn vị",
                headers: &ORG_HEADERS,
                rows: &org_rows(&s),
                fills: &[],
            },
            sheets::Sheet {
                name: "Chi tiết",
                headers: &FINDING_HEADERS,
                rows: &findings,
                fills: &[],
            },
            sheets::Sheet {
                name: "CVE",
                headers: &["CVE", "Tên", "CVSS", "KEV", "EPSS"],
                rows: &cves,
                fills: &[],
            },
            sheets::Sheet {
                name: "Không thể đánh giá",
                headers: &[
                    "CVE",
                    "Tài sản",
                    "Hệ thống",
                    "Thông tin kiểm kê",
                    "Bản ghi",
                    "Nội dung",
                    "Lý do",
                ],
                rows: &s
                    .unevaluable
                    .iter()
                    .map(|u| {
                        vec![
                            u.cve.clone(),
                            u.hostname.clone(),
                            u.system_code.clone(),
                            u.inventory_fact.clone(),
                            u.record.clone(),
                            u.rule.clone(),
                            u.reason.clone(),
                        ]
                    })
                    .collect::<Vec<_>>(),
                fills: &[],
            },
        ])
        .map_err(|e| AppError::Internal(e.to_string()))?;
        Ok(Download {
            file_name: format!("canh-bao-{}.xlsx", s.warning.id),
            content_type: XLSX,
            bytes,
        })
    }

    /// The Department's reply to the Authority on one warning.
    pub async fn warning_report_docx(&self, scope: &Scope, id: i64) -> Result<Download> {
        let s = self.warning_status(scope, id).await?;
        let w = &s.warning;
        let affected: usize = s.orgs.iter().map(|o| o.assets).sum();
        let done: usize = s.orgs.iter().map(|o| o.done).sum();
        let open: usize = s.orgs.iter().map(|o| o.open).sum();
        let overdue: Vec<String> = s
            .orgs
            .iter()
            .filter(|o| o.overdue > 0)
            .map(|o| format!("{} ({} phát hiện quá hạn)", o.name, o.overdue))
            .collect();
        let issuer = self.warning_issuer(w).await?;
        let doc = docgen::OfficialDocument {
            letterhead: self.letterhead().await?,
            kind: "BÁO CÁO".into(),
            title: format!(
                "Kết quả triển khai Cảnh báo số {} ngày {}",
                w.number,
                w.issued_on.format("%d/%m/%Y")
            ),
            summary: None,
            recipients: vec![issuer.name.clone()],
            body: vec![
                docgen::Block::Paragraph(format!(
                    "Thực hiện Cảnh báo số {} ngày {} của {} về \"{}\" ({}), \
                     đơn vị đã rà soát toàn bộ hệ thống thông tin của các cơ quan, đơn vị trên địa bàn \
                     và báo cáo kết quả như sau:",
                    w.number,
                    w.issued_on.format("%d/%m/%Y"),
                    issuer.name,
                    w.title,
                    s.cves.join(", ")
                )),
                docgen::Block::Heading("I. KẾT QUẢ RÀ SOÁT".into()),
                docgen::Block::Bullets(vec![
                    format!("Số cơ quan, đơn vị có tài sản bị ảnh hưởng: {}.", s.orgs.len()),
                    format!("Số tài sản bị ảnh hưởng: {affected}."),
                    format!("Số phát hiện đã xử lý (vá, giảm thiểu, chấp nhận rủi ro có thời hạn, xác định nhầm): {done}."),
                    format!("Số phát hiện chưa xử lý xong: {open}."),
                ]),
                docgen::Block::Table(docgen::Table {
                    columns: ORG_HEADERS.iter().map(|h| h.to_string()).collect(),
                    rows: org_rows(&s),
                    widths: Some(vec![28, 12, 12, 12, 12, 12, 12]),
                }),
                docgen::Block::Heading("II. CÁC ĐƠN VỊ CHƯA HOÀN THÀNH ĐÚNG HẠN".into()),
                if overdue.is_empty() {
                    docgen::Block::Paragraph("Không có đơn vị quá hạn xử lý.".into())
                } else {
                    docgen::Block::Bullets(overdue)
                },
                docgen::Block::Heading("III. KIẾN NGHỊ".into()),
                docgen::Block::Paragraph(format!(
                    "Đơn vị tiếp tục đôn đốc các cơ quan, đơn vị hoàn thành việc khắc phục, \
                     cập nhật kết quả trên hệ thống và báo cáo {} khi hoàn thành.",
                    issuer.short
                )),
            ],
            recipients_for_filing: vec!["Như trên;".into(), "Lưu: VT.".into()],
            signature: docgen::Signature {
                capacity: vec!["GIÁM ĐỐC".into()],
                signer: String::new(),
            },
        };
        let bytes = doc
            .to_docx()
            .map_err(|e| AppError::Internal(e.to_string()))?;
        Ok(Download {
            file_name: format!("bao-cao-canh-bao-{}.docx", w.id),
            content_type: DOCX,
            bytes,
        })
    }

    pub async fn findings_file(
        &self,
        scope: &Scope,
        filter: &FindingFilter,
        format: sheets::Format,
    ) -> Result<Download> {
        let mut rows = Vec::new();
        let mut f = filter.clone();
        f.limit = 5000;
        loop {
            let page = self.findings(scope, &f).await?;
            rows.extend(page.items);
            match page.next {
                Some(n) => f.after_id = Some(n),
                None => break,
            }
        }
        let today = crate::registry::today();
        let orgs = self.org_labels().await?;
        let cells: Vec<Vec<String>> = rows
            .iter()
            .map(|r| finding_cells(r, &orgs, today))
            .collect();
        crate::botnet_report::table_download(
            "phat-hien-lo-hong",
            "Phát hiện",
            &FINDING_HEADERS,
            &cells,
            format,
        )
    }
}
