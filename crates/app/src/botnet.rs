//! Botnet lists: each listed address to its owner (an agency's own block
//! first, then the operator whose address space holds it), counted per owner.

use crate::transfer::RowError;
use crate::{invalid, App, AppError, Result};
use domain::{OrgType, Scope};
use std::collections::{BTreeMap, HashSet};
use std::io::BufRead;
use store::botnet::{BotnetList, ListingRow, NewList};

/// What importing a list found, and whether it was written.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct BotnetReport {
    pub file: String,
    pub lines: usize,
    pub listed: usize,
    /// The same address again in the same list, counted once.
    pub duplicates: usize,
    /// Private, reserved and documentation addresses: reported, not matched.
    pub special: Vec<SpecialAddress>,
    pub unknown_owner: usize,
    pub rejected: Vec<RowError>,
    pub per_owner: Vec<OwnerCount>,
    pub list_id: Option<i64>,
    pub committed: bool,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct SpecialAddress {
    pub line: usize,
    pub ip: String,
    pub kind: &'static str,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct OwnerCount {
    pub org_id: Option<i64>,
    pub name: String,
    pub count: i64,
    pub families: Vec<(String, i64)>,
}

/// How to read a list and what it is.
#[derive(Debug, Clone)]
pub struct BotnetImport {
    pub file_name: String,
    /// Who published it: the national list, Shadowserver, an own feed …
    pub source: String,
    /// The month it covers, `YYYY-MM`.
    pub period: String,
    pub format: netmatch::Format,
    /// Write the good lines even when others are bad.
    pub keep_valid: bool,
}

/// A period is a month, written `YYYY-MM`.
fn period(s: &str) -> Result<String> {
    let t = s.trim();
    chrono::NaiveDate::parse_from_str(&format!("{t}-01"), "%Y-%m-%d")
        .map(|_| t.to_string())
        .map_err(|_| invalid("period", format!("'{t}' is not a month (YYYY-MM)")))
}

impl App {
    /// Imports a botnet list from `reader`. Every line is checked first; a
    /// list with bad lines writes nothing unless `keep_valid`.
    pub async fn import_botnet(
        &self,
        scope: &Scope,
        how: &BotnetImport,
        reader: impl BufRead,
    ) -> Result<BotnetReport> {
        let (file_name, keep_valid) = (how.file_name.as_str(), how.keep_valid);
        if !scope.is_coordinator() {
            return Err(AppError::Forbidden(
                "only the coordinator imports botnet lists".into(),
            ));
        }
        let period = period(&how.period)?;
        let source = how.source.trim();
        if source.is_empty() || source.chars().count() > 100 {
            return Err(invalid(
                "source",
                "name the list's source (up to 100 characters)",
            ));
        }
        let system = self.system_scope().await?;
        let orgs = self.org_names(&system).await?;
        // An organisation's own block wins over the operator's space that contains it.
        let table = netmatch::OwnerTable::build(orgs.values().flat_map(|o| {
            let precedence = if o.data.org_type == OrgType::Isp {
                1
            } else {
                0
            };
            o.data
                .address_blocks
                .iter()
                .map(move |b| (*b, o.id, precedence))
        }));
        let mut report = BotnetReport {
            file: file_name.to_string(),
            ..Default::default()
        };
        let mut seen = HashSet::new();
        let mut rows = Vec::new();
        for item in netmatch::parse(how.format, reader) {
            report.lines += 1;
            let l = match item {
                Ok(l) => l,
                Err(e) => {
                    report.rejected.push(RowError {
                        row: Some(e.line),
                        column: e.column,
                        reason: e.reason,
                    });
                    continue;
                }
            };
            if let Some(kind) = netmatch::classify(l.ip) {
                report.special.push(SpecialAddress {
                    line: l.line,
                    ip: l.ip.to_string(),
                    kind,
                });
                continue;
            }
            if !seen.insert(l.ip) {
                report.duplicates += 1;
                continue;
            }
            let owner = table.lookup(l.ip);
            if owner.is_none() {
                report.unknown_owner += 1;
            }
            rows.push(ListingRow {
                line: l.line as i64,
                ip: l.ip.to_string(),
                owner_org_id: owner.map(|(id, _)| *id),
                matched_block: owner.map(|(_, b)| b.to_string()),
                family: l.family,
                port: l.port.map(i64::from),
                seen: l.time,
                asn: l.asn.map(i64::from),
                c2: l.c2,
            });
        }
        report.listed = rows.len();
        let mut counts: BTreeMap<Option<i64>, (i64, BTreeMap<String, i64>)> = BTreeMap::new();
        for r in &rows {
            let e = counts.entry(r.owner_org_id).or_default();
            e.0 += 1;
            *e.1.entry(r.family.clone().unwrap_or_default()).or_default() += 1;
        }
        report.per_owner = owner_counts(&orgs, counts);
        if rows.is_empty() && report.rejected.is_empty() {
            report.rejected.push(RowError {
                row: None,
                column: None,
                reason: "the list holds no address".into(),
            });
        }
        if !report.rejected.is_empty() && !keep_valid {
            return Ok(report);
        }
        let mut tx = self.store.begin().await?;
        let id = store::botnet::create(
            &mut tx,
            scope,
            &NewList {
                source,
                period: &period,
                file_name,
                lines: report.lines as i64,
                listed: report.listed as i64,
                duplicates: report.duplicates as i64,
                special: report.special.len() as i64,
                unknown_owner: report.unknown_owner as i64,
            },
            &rows,
        )
        .await?;
        tx.commit().await?;
        report.list_id = Some(id);
        report.committed = true;
        Ok(report)
    }

    pub async fn botnet_lists(&self, _scope: &Scope) -> Result<Vec<BotnetList>> {
        Ok(store::botnet::lists(&mut self.store.conn()).await?)
    }

    /// Listed addresses per owner in one list, as far as the scope may see.
    pub async fn botnet_owners(&self, scope: &Scope, list_id: i64) -> Result<Vec<OwnerCount>> {
        store::botnet::get(&mut self.store.conn(), list_id)
            .await?
            .ok_or(AppError::NotFound)?;
        let rows = store::botnet::owner_counts(&mut self.store.conn(), scope, list_id).await?;
        let orgs = self.org_names(&self.system_scope().await?).await?;
        let mut counts: BTreeMap<Option<i64>, (i64, BTreeMap<String, i64>)> = BTreeMap::new();
        for r in rows {
            let e = counts.entry(r.owner_org_id).or_default();
            e.0 += r.n;
            *e.1.entry(r.family.unwrap_or_default()).or_default() += r.n;
        }
        Ok(owner_counts(&orgs, counts))
    }

    /// The addresses of one list the scope may see, optionally of one owner.
    pub async fn botnet_listings(
        &self,
        scope: &Scope,
        list_id: i64,
        owner: Option<i64>,
    ) -> Result<Vec<store::botnet::ListingRow>> {
        store::botnet::get(&mut self.store.conn(), list_id)
            .await?
            .ok_or(AppError::NotFound)?;
        Ok(store::botnet::listings(&mut self.store.conn(), scope, list_id, owner).await?)
    }
}

fn owner_counts(
    orgs: &std::collections::HashMap<String, store::orgs::Org>,
    counts: BTreeMap<Option<i64>, (i64, BTreeMap<String, i64>)>,
) -> Vec<OwnerCount> {
    let mut out: Vec<OwnerCount> = counts
        .into_iter()
        .map(|(org_id, (count, families))| OwnerCount {
            org_id,
            name: org_id
                .and_then(|id| orgs.values().find(|o| o.id == id))
                .map(|o| o.data.short_name.to_string())
                .unwrap_or_else(|| "?".into()),
            count,
            families: families
                .into_iter()
                .filter(|(f, _)| !f.is_empty())
                .collect(),
        })
        .collect();
    out.sort_by(|a, b| b.count.cmp(&a.count).then(a.name.cmp(&b.name)));
    out
}

/// How one address stands in a list compared with the months before it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct IpChange {
    pub ip: String,
    pub owner_org_id: Option<i64>,
    /// `new`, `still_listed` or `cleaned`.
    pub status: &'static str,
    /// Months in a row the address has been listed, this one included (0 when cleaned).
    pub consecutive: usize,
}

/// Month over month for one list: every address new, still listed or cleaned
/// (listed the month before, not this one), as far as the scope may see.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Changes {
    pub list_id: i64,
    pub previous_list_id: Option<i64>,
    pub new: usize,
    pub still_listed: usize,
    pub cleaned: usize,
    pub items: Vec<IpChange>,
}

/// How many earlier months are looked at for "listed for N months in a row".
const HISTORY_MONTHS: i64 = 12;

impl App {
    pub async fn botnet_changes(&self, scope: &Scope, list_id: i64) -> Result<Changes> {
        let list = store::botnet::get(&mut self.store.conn(), list_id)
            .await?
            .ok_or(AppError::NotFound)?;
        let history = store::botnet::history(
            &mut self.store.conn(),
            &list.source,
            &list.period,
            HISTORY_MONTHS + 1,
        )
        .await?;
        let mut sets: Vec<std::collections::HashMap<String, Option<i64>>> = Vec::new();
        for l in &history {
            let rows = store::botnet::listings(&mut self.store.conn(), scope, l.id, None).await?;
            sets.push(rows.into_iter().map(|r| (r.ip, r.owner_org_id)).collect());
        }
        let mut out = Changes {
            list_id,
            previous_list_id: history.get(1).map(|l| l.id),
            ..Default::default()
        };
        let empty = std::collections::HashMap::new();
        let current = sets.first().unwrap_or(&empty);
        let previous = sets.get(1).unwrap_or(&empty);
        let mut ips: Vec<(&String, &Option<i64>)> = current.iter().collect();
        ips.sort();
        for (ip, owner) in ips {
            let consecutive = 1 + sets
                .iter()
                .skip(1)
                .take_while(|s| s.contains_key(ip))
                .count();
            let status = if consecutive == 1 {
                "new"
            } else {
                "still_listed"
            };
            if consecutive == 1 {
                out.new += 1;
            } else {
                out.still_listed += 1;
            }
            out.items.push(IpChange {
                ip: ip.clone(),
                owner_org_id: *owner,
                status,
                consecutive,
            });
        }
        let mut gone: Vec<(&String, &Option<i64>)> = previous
            .iter()
            .filter(|(ip, _)| !current.contains_key(*ip))
            .collect();
        gone.sort();
        for (ip, owner) in gone {
            out.cleaned += 1;
            out.items.push(IpChange {
                ip: ip.clone(),
                owner_org_id: *owner,
                status: "cleaned",
                consecutive: 0,
            });
        }
        Ok(out)
    }
}
