//! A directive's matrix as a spreadsheet: one row per organisation, one
//! column per task with its standing (done, in progress, overdue, not
//! reported; blank where the task is not given to the organisation), then
//! the counts; a second sheet lists the tasks, a third explains the
//! colours and the blank cells. Standings are coloured as the console
//! colours them.

use crate::botnet_report::{Download, XLSX};
use crate::{App, AppError, Result};
use domain::Scope;

const DONE: &str = "Đã hoàn thành";
const IN_PROGRESS: &str = "Đang thực hiện";
const OVERDUE: &str = "Quá hạn";
const NOT_APPLICABLE: &str = "Không áp dụng";
const NOT_REPORTED: &str = "Chưa báo cáo";

/// Each standing with the console's colour (`.matrix td.cell-…`) and what
/// it means.
const LEGEND: [(&str, u32, &str); 5] = [
    (DONE, 0xDCEFE0, "Đơn vị đã báo cáo hoàn thành nhiệm vụ."),
    (
        IN_PROGRESS,
        0xFFF1C7,
        "Đơn vị đã báo cáo đang thực hiện, chưa quá hạn.",
    ),
    (
        OVERDUE,
        0xF8D3D0,
        "Đã quá hạn mà đơn vị chưa báo cáo hoàn thành.",
    ),
    (
        NOT_REPORTED,
        0xECECEC,
        "Đơn vị chưa báo cáo, còn trong hạn.",
    ),
    (
        NOT_APPLICABLE,
        0xFFFFFF,
        "Đơn vị báo cáo nhiệm vụ không áp dụng (có nêu lý do).",
    ),
];

fn standing(status: &str, overdue: bool) -> &'static str {
    match (status, overdue) {
        (_, true) => OVERDUE,
        ("done", _) => DONE,
        ("in_progress", _) => IN_PROGRESS,
        ("not_applicable", _) => NOT_APPLICABLE,
        _ => NOT_REPORTED,
    }
}

impl App {
    pub async fn directive_matrix_xlsx(&self, scope: &Scope, id: i64) -> Result<Download> {
        let v = self.directive(scope, id).await?;
        let mut headers: Vec<String> = vec!["Mã đơn vị".into(), "Tên đơn vị".into()];
        headers.extend(v.tasks.iter().map(|t| format!("Nhiệm vụ {}", t.position)));
        headers.extend(["Số nhiệm vụ", "Đã hoàn thành", "Quá hạn"].map(String::from));
        let rows: Vec<Vec<String>> = v
            .orgs
            .iter()
            .map(|o| {
                let mut row = vec![o.name.clone(), o.full_name.clone()];
                for t in &v.tasks {
                    let cell = v
                        .cells
                        .iter()
                        .find(|c| c.progress.org_id == o.org_id && c.progress.task_id == t.id);
                    row.push(
                        cell.map(|c| standing(&c.progress.status, c.overdue).to_string())
                            .unwrap_or_default(),
                    );
                }
                row.extend([o.tasks, o.done, o.overdue].map(|n| n.to_string()));
                row
            })
            .collect();
        let tasks: Vec<Vec<String>> = v
            .tasks
            .iter()
            .map(|t| {
                vec![
                    t.position.to_string(),
                    t.text.clone(),
                    t.deadline
                        .map(|d| d.format("%d/%m/%Y").to_string())
                        .unwrap_or_default(),
                ]
            })
            .collect();
        let header_refs: Vec<&str> = headers.iter().map(String::as_str).collect();
        let fills: Vec<(&str, u32)> = LEGEND.iter().map(|&(l, c, _)| (l, c)).collect();
        let mut legend: Vec<Vec<String>> = LEGEND
            .iter()
            .map(|&(l, _, meaning)| vec![l.to_string(), meaning.to_string()])
            .collect();
        legend.push(vec![
            "(ô trống)".into(),
            "Nhiệm vụ không giao cho đơn vị đó.".into(),
        ]);
        let bytes = sheets::write_xlsx_sheets(&[
            sheets::Sheet {
                name: "Tiến độ",
                headers: &header_refs,
                rows: &rows,
                fills: &fills,
            },
            sheets::Sheet {
                name: "Nhiệm vụ",
                headers: &["Số thứ tự", "Nội dung", "Hạn"],
                rows: &tasks,
                fills: &[],
            },
            sheets::Sheet {
                name: "Chú giải",
                headers: &["Ô", "Nghĩa"],
                rows: &legend,
                fills: &fills,
            },
        ])
        .map_err(|e| AppError::Internal(e.to_string()))?;
        Ok(Download {
            file_name: format!("tien-do-chi-dao-{id}.xlsx"),
            content_type: XLSX,
            bytes,
        })
    }
}
