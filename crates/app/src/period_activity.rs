//! Whether a reporting period has the data its report is made of: the
//! reports page says plainly when it has none, so nobody sends a report of
//! zeros believing it is the province's picture.

use crate::periodic_report::ReportPeriod;
use crate::{App, Result};
use domain::Scope;
use serde::Serialize;

/// What happened in a period, as its report counts it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct PeriodActivity {
    /// Incidents detected in the period.
    pub incidents: usize,
    /// Vulnerability warnings issued in the period.
    pub warnings: usize,
    /// Botnet lists imported for a month of the period.
    pub botnet_lists: usize,
}

impl PeriodActivity {
    /// No incident, no warning and no botnet list: the report would be
    /// mostly zeros.
    pub fn is_thin(&self) -> bool {
        self.incidents == 0 && self.warnings == 0 && self.botnet_lists == 0
    }

    /// The page's sentence for a thin period, none otherwise.
    pub fn thin_sentence_vi(&self, period: &ReportPeriod) -> Option<String> {
        self.is_thin().then(|| {
            format!(
                "Số liệu {} ({} – {}) còn ít: trong kỳ chưa có sự cố nào, chưa có cảnh báo lỗ hổng nào \
                 và chưa có danh sách IP botnet nào được ghi nhận trên hệ thống. Báo cáo sẽ chủ yếu là số 0; \
                 hãy cập nhật dữ liệu trước khi gửi.",
                period.label_vi(),
                period.first_day().format("%d/%m/%Y"),
                period.last_day().format("%d/%m/%Y"),
            )
        })
    }
}

impl App {
    /// The period's activity within the scope (the province, or `org_id`),
    /// counted exactly as the report counts it.
    pub async fn period_activity(
        &self,
        scope: &Scope,
        period: ReportPeriod,
        org_id: Option<i64>,
    ) -> Result<PeriodActivity> {
        let r = self.periodic_report(scope, period, org_id).await?;
        Ok(PeriodActivity {
            incidents: r.incidents.metrics.total,
            warnings: r.vulns.warnings.len(),
            botnet_lists: r.botnet.months.len(),
        })
    }
}
