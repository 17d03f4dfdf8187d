//! A directive's matrix as a spreadsheet: one row per organisation, one
//! column per task with its standing (done, in progress, overdue, not
//! reported; blank where the task is not given to the organisation), then
//! the counts; a second sheet lists the tasks.

use crate::botnet_report::{Download, XLSX};
use crate::{App, AppError, Result};
use domain::Scope;

fn standing(status: &str, overdue: bool) -> &'static str {
    match (status, overdue) {
        (_, true) => "Quá hạn",
        ("done", _) => "Đã hoàn thành",
        ("in_progress", _) => "Đang thực hiện",
        ("not_applicable", _) => "Không áp dụng",
        _ => "Chưa báo cáo",
    }
}

impl App {
    pub async fn directive_matrix_xlsx(&self, scope: &Scope, id: i64) -> Result<Download> {
        let v = self.directive(scope, id).await?;
        let mut headers: Vec<String> = vec!["Đơn vị".into()];
        headers.extend(v.tasks.iter().map(|t| format!("Nhiệm vụ {}", t.position)));
        headers.extend(["Số nhiệm vụ", "Đã hoàn thành", "Quá hạn"].map(String::from));
        let rows: Vec<Vec<String>> = v
            .orgs
            .iter()
            .map(|o| {
                let mut row = vec![o.name.clone()];
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
        let bytes = sheets::write_xlsx_sheets(&[
            sheets::Sheet {
                name: "Tiến độ",
                headers: &header_refs,
                rows: &rows,
            },
            sheets::Sheet {
                name: "Nhiệm vụ",
                headers: &["Số thứ tự", "Nội dung", "Hạn"],
                rows: &tasks,
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
