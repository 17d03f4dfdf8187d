//! Indicators canhgac holds itself, read for the monitoring pipeline's
//! indicator scanner (`app::events`): the addresses of each source's newest
//! botnet list and the incidents' observables (not the victims').

use crate::db::{args, Conn};
use crate::Result;

/// `(address, source)` of the newest list of every botnet source.
pub async fn botnet_current(c: &mut Conn<'_>) -> Result<Vec<(String, String)>> {
    c.fetch_all(
        "SELECT l.ip, b.source FROM botnet_listings l JOIN botnet_lists b ON b.id = l.list_id \
         WHERE b.id IN (SELECT MAX(id) FROM botnet_lists GROUP BY source) ORDER BY l.id",
        args![],
    )
    .await
}

/// `(address, source)` of one list.
pub async fn botnet_list(c: &mut Conn<'_>, list_id: i64) -> Result<Vec<(String, String)>> {
    c.fetch_all(
        "SELECT l.ip, b.source FROM botnet_listings l JOIN botnet_lists b ON b.id = l.list_id \
         WHERE b.id = $1 ORDER BY l.id",
        args![list_id],
    )
    .await
}

/// One incident observable as an indicator.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ObservableIndicator {
    pub incident_id: i64,
    pub kind: String,
    pub value: String,
    pub tlp: String,
}

/// Observables of incidents, except the affected assets (`victim`);
/// `incident` narrows to one incident.
pub async fn observables(
    c: &mut Conn<'_>,
    incident: Option<i64>,
) -> Result<Vec<ObservableIndicator>> {
    match incident {
        Some(id) => {
            c.fetch_all(
                "SELECT incident_id, kind, value, tlp FROM incident_observables \
                 WHERE role <> 'victim' AND incident_id = $1 ORDER BY id",
                args![id],
            )
            .await
        }
        None => {
            c.fetch_all(
                "SELECT incident_id, kind, value, tlp FROM incident_observables \
                 WHERE role <> 'victim' ORDER BY id",
                args![],
            )
            .await
        }
    }
}
