//! The stored records as a matching run reads them: their compact forms
//! (`vulnmatch::compact`), which decode many times faster than the records'
//! JSON and hold only what matching and the priority use. A record stored
//! without one (imported before canhgac kept them) or in another format is
//! read from its JSON, and its compact form is stored for the next run.

use crate::vulns::parse_record;
use crate::{App, Result};
use domain::Scope;
use vulnmatch::compact::{self, CompactError, Decoder};
use vulnmatch::Vuln;

/// Records read per query.
const PAGE: i64 = 10_000;

impl App {
    /// Every stored record, in the order of their identifiers, as matching
    /// needs it (`compact::matching_part`).
    pub(crate) async fn records_for_matching(&self, scope: &Scope) -> Result<Vec<Vuln>> {
        let mut decoder = Decoder::new();
        let mut vulns: Vec<Vuln> = Vec::new();
        let mut stale: Vec<String> = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let rows =
                store::vulns::match_forms_after(&mut self.store.conn(), after.as_deref(), PAGE)
                    .await?;
            let Some(last) = rows.last() else { break };
            after = Some(last.cve.clone());
            for r in rows {
                match r.match_form.as_deref().map(|b| decoder.decode(b)) {
                    Some(Ok(v)) => vulns.push(v),
                    Some(Err(CompactError::Format(_))) | None => stale.push(r.cve),
                    Some(Err(e)) => {
                        // Damaged bytes: the record's JSON decides; its form is rewritten.
                        tracing::warn!("stored compact record {}: {e}; reading its JSON", r.cve);
                        stale.push(r.cve);
                    }
                }
            }
        }
        if stale.is_empty() {
            return Ok(vulns);
        }
        let mut forms = Vec::with_capacity(stale.len());
        for chunk in stale.chunks(PAGE as usize) {
            for row in store::vulns::vulns_by_id(&mut self.store.conn(), chunk).await? {
                let v = parse_record(&row)?;
                forms.push((row.cve, compact::encode(&v)));
                vulns.push(compact::matching_part(&v));
            }
        }
        let mut tx = self.store.begin().await?;
        store::vulns::set_match_forms(&mut tx, scope, &forms).await?;
        tx.commit().await?;
        // In the order of the stored identifiers, as when all are read alike.
        vulns.sort_by_cached_key(|v| v.id.to_string());
        Ok(vulns)
    }
}
