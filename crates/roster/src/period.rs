use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::person::check_text;
use crate::shift::check_interval;
use crate::time::check_supported;
use crate::RosterError;

/// The longest high-alert period. Tết duty runs about two weeks; a quarter
/// is generous and stops a typo in the year from creating a decade of duty.
pub const MAX_ALERT_DAYS: i64 = 90;
const MAX_NAME_CHARS: usize = 200;

/// A time during which duty is required, e.g. "Tết Nguyên đán Ất Tỵ 2025",
/// as the half-open interval `[start, end)`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "PeriodInput")]
pub struct HighAlertPeriod {
    name: String,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
}

#[derive(Deserialize)]
struct PeriodInput {
    name: String,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
}

impl TryFrom<PeriodInput> for HighAlertPeriod {
    type Error = RosterError;
    fn try_from(input: PeriodInput) -> Result<Self, RosterError> {
        HighAlertPeriod::new(&input.name, input.start, input.end)
    }
}

impl HighAlertPeriod {
    pub fn new(name: &str, start: DateTime<Utc>, end: DateTime<Utc>) -> Result<Self, RosterError> {
        let name = check_text("high-alert period name", name, MAX_NAME_CHARS)?;
        check_supported("high-alert period start", start)?;
        check_supported("high-alert period end", end)?;
        check_interval("high-alert period", start, end, MAX_ALERT_DAYS * 24)?;
        Ok(HighAlertPeriod { name, start, end })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn start(&self) -> DateTime<Utc> {
        self.start
    }

    pub fn end(&self) -> DateTime<Utc> {
        self.end
    }

    pub fn contains(&self, at: DateTime<Utc>) -> bool {
        self.start <= at && at < self.end
    }
}

/// The periods in force at `at`.
pub fn active_periods(periods: &[HighAlertPeriod], at: DateTime<Utc>) -> Vec<&HighAlertPeriod> {
    periods.iter().filter(|p| p.contains(at)).collect()
}
