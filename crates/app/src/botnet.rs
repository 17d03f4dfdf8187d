//! Botnet lists: each listed address to its owner (an agency's own block
//! first, then the operator whose address space holds it), counted per owner.

use crate::transfer::RowError;
use crate::{invalid, App, AppError, Result};
use domain::{OrgType, Scope};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::BufRead;
use std::net::IpAddr;
use store::botnet::{BotnetList, ListingFilter, ListingRow, ListingView, NewList};
use store::notifications::NewNotification;

/// What importing a list found, and whether it was written.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct BotnetReport {
    pub file: String,
    pub lines: usize,
    pub listed: usize,
    /// The same address again in the same list, counted once.
    pub duplicates: usize,
    /// Private, reserved and documentation addresses: reported, not matched.
    /// The first [`DETAIL_LIMIT`] are listed; `special_total` counts them all.
    pub special: Vec<SpecialAddress>,
    pub special_total: usize,
    pub unknown_owner: usize,
    /// Bad lines, the first [`DETAIL_LIMIT`]; `rejected_total` counts them all.
    pub rejected: Vec<RowError>,
    pub rejected_total: usize,
    pub per_owner: Vec<OwnerCount>,
    /// Listed addresses that belong to an asset the registry knows.
    pub on_known_assets: usize,
    pub list_id: Option<i64>,
    pub committed: bool,
    /// Messages queued for the owners and the coordinator.
    pub notifications: usize,
}

/// How many bad or special lines a report spells out; a garbage file of
/// millions of lines must not produce a report of millions of entries.
pub const DETAIL_LIMIT: usize = 1000;

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
    /// The earliest and latest time the list gives for the owner's
    /// addresses, as the list writes it.
    pub first_seen: Option<String>,
    pub last_seen: Option<String>,
}

/// What is counted for one owner while a list is read or summed up.
#[derive(Debug, Default)]
struct Tally {
    count: i64,
    families: BTreeMap<String, i64>,
    first_seen: Option<String>,
    last_seen: Option<String>,
}

impl Tally {
    fn add(&mut self, n: i64, family: Option<&str>, first: Option<&str>, last: Option<&str>) {
        self.count += n;
        if let Some(f) = family.filter(|f| !f.is_empty()) {
            *self.families.entry(f.to_string()).or_default() += n;
        }
        // Lists write times as ISO-like text, which orders as it reads.
        if let Some(f) = first.filter(|f| !f.is_empty()) {
            if self.first_seen.as_deref().is_none_or(|have| f < have) {
                self.first_seen = Some(f.to_string());
            }
        }
        if let Some(l) = last.filter(|l| !l.is_empty()) {
            if self.last_seen.as_deref().is_none_or(|have| l > have) {
                self.last_seen = Some(l.to_string());
            }
        }
    }
}

/// How a list file is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListFormat {
    /// Read line by line, never whole.
    Lines(netmatch::Format),
    /// A spreadsheet: read whole (it is a zip), first sheet, header row.
    Xlsx,
}

impl ListFormat {
    /// From a name given on the command line or in a request.
    pub fn from_name(name: &str) -> Option<ListFormat> {
        match name.trim().to_ascii_lowercase().as_str() {
            "text" | "txt" => Some(ListFormat::Lines(netmatch::Format::Text)),
            "ipsum" => Some(ListFormat::Lines(netmatch::Format::Ipsum)),
            "csv" | "tsv" => Some(ListFormat::Lines(netmatch::Format::Csv)),
            "xlsx" => Some(ListFormat::Xlsx),
            _ => None,
        }
    }

    /// Guesses from the file name, then from the first bytes.
    pub fn detect(file_name: &str, first_bytes: &[u8]) -> ListFormat {
        if file_name.to_ascii_lowercase().ends_with(".xlsx")
            || first_bytes.starts_with(b"PK\x03\x04")
        {
            ListFormat::Xlsx
        } else {
            ListFormat::Lines(netmatch::Format::detect(first_bytes))
        }
    }
}

/// How to read a list and what it is.
#[derive(Debug, Clone)]
pub struct BotnetImport {
    pub file_name: String,
    /// Who published it: the national list, Shadowserver, an own feed …
    pub source: String,
    /// The month it covers, `YYYY-MM`.
    pub period: String,
    pub format: ListFormat,
    /// Write the good lines even when others are bad.
    pub keep_valid: bool,
    /// Check and count everything, write nothing (the console's preview).
    pub dry_run: bool,
}

/// A period is a month, written `YYYY-MM`.
pub(crate) fn period(s: &str) -> Result<String> {
    let t = s.trim();
    chrono::NaiveDate::parse_from_str(&format!("{t}-01"), "%Y-%m-%d")
        .ok()
        .filter(|_| t.len() == 7)
        .map(|_| t.to_string())
        .ok_or_else(|| invalid("period", format!("'{t}' is not a month (YYYY-MM)")))
}

/// Everything an address is matched against: the owner table (agency blocks
/// before operators' registry blocks before imported operator prefixes), the
/// operators' space alone, and the assets that hold addresses.
pub(crate) struct Matcher {
    /// The owner and the block's text, made once per block rather than per
    /// listed address.
    owners: netmatch::OwnerTable<(Option<i64>, String)>,
    isps: netmatch::OwnerTable<i64>,
    holders: HashMap<IpAddr, (i64, i64)>,
}

impl Matcher {
    fn owner(&self, ip: IpAddr) -> (Option<i64>, Option<String>) {
        match self.owners.lookup(ip) {
            Some(((org, block), _)) => (*org, Some(block.clone())),
            None => (None, None),
        }
    }
    fn isp(&self, ip: IpAddr) -> Option<i64> {
        self.isps.lookup(ip).map(|(o, _)| *o)
    }
    fn holder(&self, ip: IpAddr) -> Option<(i64, i64)> {
        self.holders.get(&ip).copied()
    }
}

/// The canonical text of an address. IPv4 is written by hand: formatting a
/// million addresses through `Display` showed in profiles of list imports.
fn ip_text(ip: IpAddr) -> String {
    let IpAddr::V4(v4) = ip else {
        return ip.to_string();
    };
    let mut s = String::with_capacity(15);
    for (i, octet) in v4.octets().into_iter().enumerate() {
        if i > 0 {
            s.push('.');
        }
        if octet >= 100 {
            s.push((b'0' + octet / 100) as char);
        }
        if octet >= 10 {
            s.push((b'0' + octet / 10 % 10) as char);
        }
        s.push((b'0' + octet % 10) as char);
    }
    s
}

/// Listings written per statement batch while a list streams in.
const WRITE_BATCH: usize = 5000;

/// Addresses already seen in this list, kept compact: a 2 GB list has tens of
/// millions of lines.
#[derive(Default)]
struct SeenSet {
    v4: HashSet<u32>,
    v6: HashSet<u128>,
}

impl SeenSet {
    fn insert(&mut self, ip: IpAddr) -> bool {
        match ip {
            IpAddr::V4(a) => self.v4.insert(u32::from(a)),
            IpAddr::V6(a) => self.v6.insert(u128::from(a)),
        }
    }
}

impl App {
    pub(crate) async fn botnet_matcher(&self) -> Result<Matcher> {
        let system = self.system_scope().await?;
        let orgs = self.org_names(&system).await?;
        let prefixes = store::botnet::prefixes(&mut self.store.conn()).await?;
        let mut by_asn: HashMap<i64, i64> = HashMap::new();
        let mut isp_orgs = HashSet::new();
        for o in orgs.values() {
            if o.data.org_type == OrgType::Isp {
                isp_orgs.insert(o.id);
            }
            for a in &o.data.asns {
                // An operator's claim on its ASN wins over another org listing it.
                if o.data.org_type == OrgType::Isp || !by_asn.contains_key(&i64::from(a.0)) {
                    by_asn.insert(i64::from(a.0), o.id);
                }
            }
        }
        let parsed: Vec<(domain::Cidr, i64)> = prefixes
            .iter()
            .filter_map(|p| p.cidr.parse().ok().map(|c| (c, p.asn)))
            .collect();
        let owners = netmatch::OwnerTable::build(
            orgs.values()
                .flat_map(|o| {
                    let precedence = if o.data.org_type == OrgType::Isp {
                        1
                    } else {
                        0
                    };
                    o.data
                        .address_blocks
                        .iter()
                        .map(move |b| (*b, (Some(o.id), b.to_string()), precedence))
                })
                .chain(
                    parsed
                        .iter()
                        .map(|(c, asn)| (*c, (by_asn.get(asn).copied(), c.to_string()), 2)),
                ),
        );
        let isps = netmatch::OwnerTable::build(
            orgs.values()
                .filter(|o| o.data.org_type == OrgType::Isp)
                .flat_map(|o| o.data.address_blocks.iter().map(move |b| (*b, o.id, 0)))
                .chain(parsed.iter().filter_map(|(c, asn)| {
                    by_asn
                        .get(asn)
                        .filter(|o| isp_orgs.contains(*o))
                        .map(|o| (*c, *o, 1))
                })),
        );
        let holders = store::assets::ip_holders(&mut self.store.conn())
            .await?
            .into_iter()
            .map(|(ip, asset, system)| (ip, (asset, system)))
            .collect();
        Ok(Matcher {
            owners,
            isps,
            holders,
        })
    }

    /// Imports a botnet list from `reader`, streaming it into one
    /// transaction. A list with bad lines writes nothing unless `keep_valid`.
    pub async fn import_botnet(
        &self,
        scope: &Scope,
        how: &BotnetImport,
        mut reader: impl BufRead + Send,
    ) -> Result<BotnetReport> {
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
        let matcher = self.botnet_matcher().await?;
        let mut report = BotnetReport {
            file: how.file_name.clone(),
            ..Default::default()
        };
        let mut tx = self.store.begin().await?;
        let mut list = NewList {
            source,
            period: &period,
            file_name: &how.file_name,
            lines: 0,
            listed: 0,
            duplicates: 0,
            special: 0,
            unknown_owner: 0,
        };
        let list_id = store::botnet::create_list(&mut tx, scope, &list).await?;
        let mut counts: BTreeMap<Option<i64>, Tally> = BTreeMap::new();
        let mut seen = SeenSet::default();
        let mut batch = Vec::with_capacity(WRITE_BATCH);
        let items: Box<
            dyn Iterator<Item = std::result::Result<netmatch::Listing, netmatch::LineError>>
                + Send
                + '_,
        > = match how.format {
            ListFormat::Lines(f) => Box::new(netmatch::parse(f, &mut reader)),
            ListFormat::Xlsx => {
                let mut bytes = Vec::new();
                reader
                    .read_to_end(&mut bytes)
                    .map_err(|e| invalid("file", format!("could not read the file: {e}")))?;
                let table = sheets::read(&bytes, sheets::Format::Xlsx).map_err(|e| match e {
                    sheets::SheetError::ZipLimit(e) => {
                        AppError::TooLarge(format!("{}: {e}", how.file_name))
                    }
                    e => invalid("file", e.to_string()),
                })?;
                Box::new(netmatch::parse_records(sheet_records(table)))
            }
        };
        for item in items {
            report.lines += 1;
            let l = match item {
                Ok(l) => l,
                Err(e) => {
                    report.rejected_total += 1;
                    if report.rejected.len() < DETAIL_LIMIT {
                        report.rejected.push(RowError {
                            row: Some(e.line),
                            column: e.column,
                            reason: e.reason,
                        });
                    }
                    continue;
                }
            };
            if let Some(kind) = netmatch::classify(l.ip) {
                report.special_total += 1;
                if report.special.len() < DETAIL_LIMIT {
                    report.special.push(SpecialAddress {
                        line: l.line,
                        ip: l.ip.to_string(),
                        kind,
                    });
                }
                continue;
            }
            if !seen.insert(l.ip) {
                report.duplicates += 1;
                continue;
            }
            let (owner, block) = matcher.owner(l.ip);
            if owner.is_none() {
                report.unknown_owner += 1;
            }
            let holder = matcher.holder(l.ip);
            if holder.is_some() {
                report.on_known_assets += 1;
            }
            counts.entry(owner).or_default().add(
                1,
                l.family.as_deref(),
                l.time.as_deref(),
                l.time.as_deref(),
            );
            report.listed += 1;
            batch.push(ListingRow {
                line: l.line as i64,
                ip: ip_text(l.ip),
                owner_org_id: owner,
                isp_org_id: matcher.isp(l.ip),
                matched_block: block,
                family: l.family,
                port: l.port.map(i64::from),
                seen: l.time,
                asn: l.asn.map(i64::from),
                c2: l.c2,
                asset_id: holder.map(|h| h.0),
                system_id: holder.map(|h| h.1),
            });
            if batch.len() == WRITE_BATCH {
                store::botnet::append_listings(&mut tx, list_id, &batch).await?;
                batch.clear();
            }
        }
        store::botnet::append_listings(&mut tx, list_id, &batch).await?;
        let orgs = self.org_names(&self.system_scope().await?).await?;
        report.per_owner = owner_counts(&orgs, counts);
        if report.listed == 0 && report.rejected.is_empty() {
            report.rejected_total += 1;
            report.rejected.push(RowError {
                row: None,
                column: None,
                reason: "the list holds no address".into(),
            });
        }
        if how.dry_run || (report.rejected_total > 0 && !how.keep_valid) || report.listed == 0 {
            // Dropping the transaction rolls back everything written so far.
            return Ok(report);
        }
        list.lines = report.lines as i64;
        list.listed = report.listed as i64;
        list.duplicates = report.duplicates as i64;
        list.special = report.special_total as i64;
        list.unknown_owner = report.unknown_owner as i64;
        store::botnet::finish_list(&mut tx, scope, list_id, &list).await?;
        let notices = self
            .botnet_notices(list_id, source, &period, &report.per_owner)
            .await?;
        report.notifications = notices.len();
        store::notifications::enqueue(&mut tx, &notices).await?;
        tx.commit().await?;
        report.list_id = Some(list_id);
        report.committed = true;
        self.indicators_changed(crate::events::NewIndicators::BotnetList(list_id))
            .await;
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
        let mut counts: BTreeMap<Option<i64>, Tally> = BTreeMap::new();
        for r in rows {
            counts.entry(r.owner_org_id).or_default().add(
                r.n,
                r.family.as_deref(),
                r.first_seen.as_deref(),
                r.last_seen.as_deref(),
            );
        }
        Ok(owner_counts(&orgs, counts))
    }

    /// The addresses of one list the scope may see, with clean-up notes and
    /// the reinfected flag.
    pub async fn botnet_listings(
        &self,
        scope: &Scope,
        list_id: i64,
        filter: &ListingFilter,
    ) -> Result<Vec<ListingView>> {
        let list = self.botnet_list(list_id).await?;
        Ok(store::botnet::listing_views(&mut self.store.conn(), scope, &list, filter).await?)
    }

    pub async fn botnet_list(&self, list_id: i64) -> Result<BotnetList> {
        store::botnet::get(&mut self.store.conn(), list_id)
            .await?
            .ok_or(AppError::NotFound)
    }

    /// Per operator: the listed addresses in its space (its customers',
    /// agencies' included).
    pub async fn botnet_isps(&self, scope: &Scope, list_id: i64) -> Result<Vec<OwnerCount>> {
        self.botnet_list(list_id).await?;
        let rows = store::botnet::isp_counts(&mut self.store.conn(), scope, list_id).await?;
        let orgs = self.org_names(&self.system_scope().await?).await?;
        Ok(owner_counts(
            &orgs,
            rows.into_iter()
                .map(|(org, n)| {
                    let mut t = Tally::default();
                    t.add(n, None, None, None);
                    (Some(org), t)
                })
                .collect(),
        ))
    }

    /// Listed addresses per month of one source, for the scope (the province,
    /// or the caller's organisation), optionally for one owner.
    pub async fn botnet_trend(
        &self,
        scope: &Scope,
        source: &str,
        owner: Option<i64>,
    ) -> Result<Vec<(String, i64)>> {
        let points = store::botnet::trend(&mut self.store.conn(), scope, source, owner).await?;
        let mut by_period: BTreeMap<String, i64> = BTreeMap::new();
        for p in points {
            *by_period.entry(p.period).or_default() += p.n;
        }
        Ok(by_period.into_iter().collect())
    }

    /// The sources lists came from, for choosing a trend.
    pub async fn botnet_sources(&self) -> Result<Vec<String>> {
        let mut s: Vec<String> = store::botnet::lists(&mut self.store.conn())
            .await?
            .into_iter()
            .map(|l| l.source)
            .collect();
        s.sort();
        s.dedup();
        Ok(s)
    }

    /// An owner states that a listed address was cleaned. Only the owner of
    /// the address (or the coordinator) may, with a note of what was done.
    pub async fn mark_botnet_cleaned(
        &self,
        scope: &Scope,
        list_id: i64,
        ip: &str,
        note: &str,
    ) -> Result<()> {
        let list = self.botnet_list(list_id).await?;
        let ip: IpAddr = ip
            .trim()
            .parse()
            .map_err(|_| invalid("ip", format!("'{}' is not an IP address", ip.trim())))?;
        let note = note.trim();
        if note.is_empty() || note.chars().count() > 2000 {
            return Err(invalid(
                "note",
                "say what was done to clean the host (up to 2000 characters)",
            ));
        }
        let row = store::botnet::listing_views(
            &mut self.store.conn(),
            scope,
            &list,
            &ListingFilter {
                ip: Some(ip.to_string()),
                ..Default::default()
            },
        )
        .await?
        .pop()
        .ok_or(AppError::NotFound)?
        .row;
        let may = scope.is_coordinator()
            || (row.owner_org_id == Some(scope.org_id)
                && matches!(
                    scope.role,
                    domain::Role::OrgAdmin | domain::Role::Officer | domain::Role::IspOperator
                ));
        if !may {
            return Err(AppError::Forbidden(
                "only the owner of the address or the coordinator marks it cleaned".into(),
            ));
        }
        let mut tx = self.store.begin().await?;
        store::botnet::mark_cleaned(&mut tx, scope, list.id, &row.ip, row.owner_org_id, note)
            .await?;
        tx.commit().await?;
        Ok(())
    }
}

fn owner_counts(
    orgs: &std::collections::HashMap<String, store::orgs::Org>,
    counts: BTreeMap<Option<i64>, Tally>,
) -> Vec<OwnerCount> {
    let mut out: Vec<OwnerCount> = counts
        .into_iter()
        .map(|(org_id, t)| OwnerCount {
            org_id,
            name: org_id
                .and_then(|id| orgs.values().find(|o| o.id == id))
                .map(|o| o.data.short_name.to_string())
                .unwrap_or_else(|| "?".into()),
            count: t.count,
            families: t.families.into_iter().collect(),
            first_seen: t.first_seen,
            last_seen: t.last_seen,
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
    /// Months in a row the address has been listed, this one included (0 when
    /// cleaned); only lists of adjacent months count as "in a row".
    pub consecutive: usize,
    /// Marked cleaned in an earlier month and listed again.
    pub reinfected: bool,
    /// The owner's note when it marked the address cleaned in this list.
    pub cleaned_note: Option<String>,
}

/// Month over month for one list: every address new, still listed or cleaned
/// (listed in the source's previous list, not in this one), as far as the
/// scope may see.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Changes {
    pub list_id: i64,
    pub previous_list_id: Option<i64>,
    pub new: usize,
    pub still_listed: usize,
    pub cleaned: usize,
    pub reinfected: usize,
    pub items: Vec<IpChange>,
}

/// How many earlier months are looked at for "listed for N months in a row".
const HISTORY_MONTHS: i64 = 12;

/// The month before `period` (`YYYY-MM`).
fn previous_month(period: &str) -> Option<String> {
    let d = chrono::NaiveDate::parse_from_str(&format!("{period}-01"), "%Y-%m-%d").ok()?;
    let p = d.checked_sub_months(chrono::Months::new(1))?;
    Some(p.format("%Y-%m").to_string())
}

impl App {
    pub async fn botnet_changes(&self, scope: &Scope, list_id: i64) -> Result<Changes> {
        let list = self.botnet_list(list_id).await?;
        let history = store::botnet::history(
            &mut self.store.conn(),
            &list.source,
            &list.period,
            HISTORY_MONTHS + 1,
        )
        .await?;
        // How far back the months run without a gap.
        let mut adjacent = 1;
        while adjacent < history.len()
            && previous_month(&history[adjacent - 1].period).as_deref()
                == Some(history[adjacent].period.as_str())
        {
            adjacent += 1;
        }
        let current = self
            .botnet_listings(scope, list_id, &ListingFilter::default())
            .await?;
        let mut earlier: Vec<HashSet<String>> = Vec::new();
        for l in history.iter().take(adjacent).skip(1) {
            let rows = store::botnet::listings(&mut self.store.conn(), scope, l.id, None).await?;
            earlier.push(rows.into_iter().map(|r| r.ip).collect());
        }
        let previous_list = history.get(1);
        let previous: Vec<ListingRow> = match previous_list {
            Some(p) => store::botnet::listings(&mut self.store.conn(), scope, p.id, None).await?,
            None => Vec::new(),
        };
        let mut out = Changes {
            list_id,
            previous_list_id: previous_list.map(|l| l.id),
            ..Default::default()
        };
        let in_current: HashSet<&str> = current.iter().map(|v| v.row.ip.as_str()).collect();
        let in_previous: HashSet<&str> = previous.iter().map(|r| r.ip.as_str()).collect();
        let mut items: Vec<IpChange> = current
            .iter()
            .map(|v| {
                let consecutive = 1 + earlier.iter().take_while(|s| s.contains(&v.row.ip)).count();
                IpChange {
                    ip: v.row.ip.clone(),
                    owner_org_id: v.row.owner_org_id,
                    // Against the source's previous list, even across a month
                    // without one; the months in a row stop at the gap.
                    status: if in_previous.contains(v.row.ip.as_str()) {
                        "still_listed"
                    } else {
                        "new"
                    },
                    consecutive,
                    reinfected: v.reinfected,
                    cleaned_note: v.cleaned_note.clone(),
                }
            })
            .collect();
        items.extend(
            previous
                .iter()
                .filter(|r| !in_current.contains(r.ip.as_str()))
                .map(|r| IpChange {
                    ip: r.ip.clone(),
                    owner_org_id: r.owner_org_id,
                    status: "cleaned",
                    consecutive: 0,
                    reinfected: false,
                    cleaned_note: None,
                }),
        );
        items.sort_by(|a, b| a.ip.cmp(&b.ip));
        for i in &items {
            match i.status {
                "new" => out.new += 1,
                "still_listed" => out.still_listed += 1,
                _ => out.cleaned += 1,
            }
            out.reinfected += usize::from(i.reinfected);
        }
        out.items = items;
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_written_as_std_writes_them() {
        for ip in [
            "0.0.0.0",
            "255.255.255.255",
            "10.1.20.100",
            "8.8.8.8",
            "2001:db8::1",
        ] {
            let ip: IpAddr = ip.parse().unwrap();
            assert_eq!(ip_text(ip), ip.to_string());
        }
    }

    #[test]
    fn months_step_back_across_the_year() {
        assert_eq!(previous_month("2025-01").as_deref(), Some("2024-12"));
        assert_eq!(previous_month("2025-03").as_deref(), Some("2025-02"));
        assert!(period("2025-13").is_err());
        assert!(period("2025-1").is_err());
        assert_eq!(period_vn("2025-01"), "01/2025");
    }
}

/// A sheet's header and rows in the shape the list reader takes.
fn sheet_records(table: sheets::Table) -> impl Iterator<Item = (usize, Vec<String>)> {
    let header_row = table
        .rows
        .first()
        .map_or(1, |r| r.number.saturating_sub(1).max(1));
    std::iter::once((header_row, table.headers))
        .chain(table.rows.into_iter().map(|r| (r.number, r.cells)))
}

/// `2025-01` as Vietnamese offices write a month: `01/2025`.
pub fn period_vn(period: &str) -> String {
    match period.split_once('-') {
        Some((y, m)) => format!("{m}/{y}"),
        None => period.to_string(),
    }
}

/// One message for an owner: what the list holds of its addresses.
struct OwnerNotice<'a> {
    name: &'a str,
    count: i64,
    families: Vec<String>,
}

impl App {
    /// One message per owner with listed addresses (to its accounts' and
    /// contacts' e-mail addresses, and to the webhook), and the summary for
    /// the coordinator.
    async fn botnet_notices(
        &self,
        list_id: i64,
        source: &str,
        period: &str,
        per_owner: &[OwnerCount],
    ) -> Result<Vec<NewNotification>> {
        let cfg = &self.config.notify;
        if cfg.smtp.is_none() && cfg.webhook.is_none() {
            return Ok(Vec::new());
        }
        let system = self.system_scope().await?;
        let emails = self.notify_emails().await?;
        let month = period_vn(period);
        let link = format!(
            "{}/botnet/lists/{list_id}",
            cfg.public_url.trim_end_matches('/')
        );
        let mut out = Vec::new();
        let mut push = |org_id: i64, subject: String, body: String| {
            out.extend(self.notices_for(&emails, org_id, "botnet_list", list_id, &subject, &body));
        };
        let (mut total, mut unknown) = (0, 0);
        for o in per_owner {
            total += o.count;
            let Some(org_id) = o.org_id else {
                unknown += o.count;
                continue;
            };
            let notice = OwnerNotice {
                name: &o.name,
                count: o.count,
                families: o
                    .families
                    .iter()
                    .map(|(f, n)| format!("{f} ({n})"))
                    .collect(),
            };
            let (subject, body) = notice.text(&month, source, &link);
            push(org_id, subject, body);
        }
        let owners = per_owner.iter().filter(|o| o.org_id.is_some()).count();
        push(
            system.org_id,
            format!("[canhgac] Danh sách IP botnet tháng {month} ({source}): {total} địa chỉ"),
            format!(
                "Danh sách IP botnet tháng {month} của nguồn {source} đã được nhập vào canhgac.\n\n\
                 Tổng số địa chỉ: {total}\nSố đơn vị có địa chỉ trong danh sách: {owners}\n\
                 Địa chỉ chưa xác định được đơn vị quản lý: {unknown}\n\n\
                 Các đơn vị đã được thông báo. Xem chi tiết: {link}\n"
            ),
        );
        Ok(out)
    }
}

impl OwnerNotice<'_> {
    fn text(&self, month: &str, source: &str, link: &str) -> (String, String) {
        let (name, count) = (self.name, self.count);
        let families = if self.families.is_empty() {
            String::new()
        } else {
            format!("Họ mã độc: {}\n", self.families.join(", "))
        };
        (
            format!("[canhgac] Danh sách IP botnet tháng {month}: {count} địa chỉ của {name}"),
            format!(
                "Kính gửi {name},\n\n\
                 Danh sách IP botnet tháng {month} (nguồn {source}) có {count} địa chỉ IP thuộc đơn vị.\n\
                 {families}\n\
                 Đề nghị đơn vị rà soát, gỡ bỏ mã độc trên các máy bị nhiễm và cập nhật kết quả \
                 xử lý trên canhgac: {link}\n"
            ),
        )
    }
}

/// What importing an operator prefix file found.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct PrefixReport {
    pub file: String,
    pub prefixes: usize,
    pub asns: Vec<i64>,
    pub rejected: Vec<RowError>,
    pub committed: bool,
}

impl App {
    /// Imports operators' address space: a prefix list of one ASN (one CIDR
    /// per line; the ASN from `asn` or a file name like `AS7552-….txt`) or a
    /// `prefix,asn,name` CSV. Each ASN in the file replaces what was known of
    /// it. All or nothing.
    pub async fn import_prefixes(
        &self,
        scope: &Scope,
        file_name: &str,
        asn: Option<domain::Asn>,
        reader: impl std::io::Read,
    ) -> Result<PrefixReport> {
        if !scope.is_coordinator() {
            return Err(AppError::Forbidden(
                "only the coordinator imports operator prefixes".into(),
            ));
        }
        let mut report = PrefixReport {
            file: file_name.to_string(),
            ..Default::default()
        };
        let mut rows = Vec::new();
        let bad = |e: netmatch::LineError| RowError {
            row: Some(e.line),
            column: e.column,
            reason: e.reason,
        };
        match asn.or_else(|| netmatch::asn_from_file_name(file_name)) {
            Some(asn) => {
                for item in netmatch::parse_prefix_list(reader) {
                    match item {
                        Ok(cidr) => rows.push(store::botnet::IspPrefix {
                            cidr: cidr.to_string(),
                            asn: i64::from(asn.0),
                            name: None,
                        }),
                        Err(e) => report.rejected.push(bad(e)),
                    }
                }
            }
            None => {
                for item in netmatch::parse_prefix_csv(reader) {
                    match item {
                        Ok(netmatch::PrefixRow {
                            asn: Some(asn),
                            cidr,
                            name,
                            ..
                        }) => rows.push(store::botnet::IspPrefix {
                            cidr: cidr.to_string(),
                            asn: i64::from(asn.0),
                            name,
                        }),
                        Ok(r) => report.rejected.push(RowError {
                            row: Some(r.line),
                            column: Some("asn".into()),
                            reason: "every prefix needs the ASN it belongs to".into(),
                        }),
                        Err(e) => report.rejected.push(bad(e)),
                    }
                }
            }
        }
        if rows.is_empty() && report.rejected.is_empty() {
            report.rejected.push(RowError {
                row: None,
                column: None,
                reason: "the file holds no prefix (a prefix list needs its ASN: name the file AS<number>-….txt or give the ASN)".into(),
            });
        }
        report.asns = rows
            .iter()
            .map(|r| r.asn)
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        if !report.rejected.is_empty() {
            return Ok(report);
        }
        let mut tx = self.store.begin().await?;
        report.prefixes = store::botnet::replace_prefixes(&mut tx, scope, file_name, &rows).await?;
        tx.commit().await?;
        report.committed = true;
        Ok(report)
    }

    pub async fn isp_prefixes(&self, scope: &Scope) -> Result<Vec<store::botnet::PrefixSummary>> {
        if !scope.may(domain::Capability::ReadPrefixes) {
            return Err(AppError::Forbidden(
                "operator prefixes are for the coordinator and the operators".into(),
            ));
        }
        Ok(store::botnet::prefix_summary(&mut self.store.conn()).await?)
    }
}
