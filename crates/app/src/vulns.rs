//! Vulnerability warnings: feeds in, the Authority's warnings recorded and
//! published, the inventory matched with evidence, findings worked through
//! their transition table, and the status of a warning across the province.

use crate::transfer::RowError;
use crate::{invalid, App, AppError, Result};
use chrono::NaiveDate;
use domain::{FindingAction, FindingStatus, Scope};
use serde::Serialize;
use std::collections::{BTreeMap, HashSet};
use store::notifications::NewNotification;
use store::vulns::{FindingFilter, FindingView, VulnRow, Warning};
use vulnmatch::priority::Sla;
use vulnmatch::{CveId, Vuln};

/// Days allowed per priority: the defaults.
pub fn default_sla() -> Sla {
    Sla {
        immediate_days: 3,
        out_of_cycle_days: 7,
        scheduled_days: 30,
        defer_days: 90,
    }
}

/// What importing one feed file did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct FeedReport {
    pub file: String,
    pub kind: Option<&'static str>,
    /// CVE records written (new or changed).
    pub records: usize,
    pub kev: usize,
    pub epss: usize,
    /// Records that could not be read: file, record, reason. The rest imported.
    pub problems: Vec<RowError>,
}

fn row_of(v: &Vuln) -> Result<VulnRow> {
    Ok(VulnRow {
        cve: v.id.to_string(),
        record: serde_json::to_string(v).map_err(|e| AppError::Internal(e.to_string()))?,
        title: v.title.clone(),
        // As the record writes it (9.8), not the f32 widened (9.800000190734863).
        cvss: v
            .best_cvss()
            .and_then(|c| c.base_score.to_string().parse::<f64>().ok()),
        kev: v.kev.is_some(),
        kev_due: v.kev.as_ref().and_then(|k| k.due_date),
        ransomware: v.kev.as_ref().is_some_and(|k| k.ransomware),
        epss: v.epss.as_ref().map(|e| f64::from(e.score)),
        match_form: vulnmatch::compact::encode(v),
    })
}

pub(crate) fn parse_record(r: &VulnRow) -> Result<Vuln> {
    serde_json::from_str(&r.record)
        .map_err(|e| AppError::Internal(format!("stored record {} is unreadable: {e}", r.cve)))
}

/// Input of a warning, as the coordinator types it from the Authority's letter.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct WarningInput {
    pub number: String,
    pub issued_on: String,
    pub title: String,
    pub cves: Vec<String>,
    #[serde(default)]
    pub body: Option<String>,
    #[serde(default)]
    pub required_action: Option<String>,
    #[serde(default)]
    pub deadline: Option<String>,
}

pub(crate) fn date(field: &str, s: &str, errs: &mut domain::FieldErrors) -> Option<NaiveDate> {
    let t = s.trim();
    let d = crate::registry::parse_vn_date(t);
    if d.is_none() {
        errs.push(
            field,
            format!("'{t}' is not a date (YYYY-MM-DD or dd/mm/yyyy)"),
        );
    }
    d
}

/// What one matching run found.
#[derive(Debug, Clone, Default, Serialize)]
pub struct MatchRun {
    pub assets: usize,
    pub vulns: usize,
    pub new: usize,
    pub refreshed: usize,
    pub reopened: usize,
    pub resolved_by_update: usize,
    /// Matches an installed hotfix removed.
    pub excluded_by_hotfix: usize,
    /// Statements that name an asset's product but cannot be compared with
    /// its version: listed as "cannot be evaluated", never silently passed.
    pub unevaluable: usize,
    /// Known findings whose priority, deadline or evidence changed and were
    /// written again (the others are left as they are).
    pub rewritten: usize,
    /// Assets whose findings were read back and compared (the others'
    /// digest said they are as this run would write them).
    #[serde(skip)]
    pub assets_compared: usize,
    /// How long each phase took (the command line's `--timings`).
    #[serde(skip)]
    pub phases: Vec<crate::vulns_records::Phase>,
}

/// A finding with its evidence and history, for the detail view.
#[derive(Debug, Clone, Serialize)]
pub struct FindingDetail {
    #[serde(flatten)]
    pub finding: FindingView,
    pub evidence: serde_json::Value,
    pub reasons: Vec<String>,
    pub events: Vec<store::vulns::FindingEvent>,
}

/// One organisation's standing on a warning.
#[derive(Debug, Clone, Default, Serialize)]
pub struct OrgStanding {
    pub org_id: i64,
    pub name: String,
    pub assets: usize,
    pub findings: usize,
    pub open: usize,
    pub done: usize,
    pub overdue: usize,
    pub earliest_deadline: Option<NaiveDate>,
}

/// A warning across the province (or the caller's organisation).
#[derive(Debug, Clone, Serialize)]
pub struct WarningStatus {
    pub warning: Warning,
    pub cves: Vec<String>,
    /// What the feeds know of each CVE: id, title, best CVSS, KEV, EPSS.
    pub known: Vec<VulnSummary>,
    pub orgs: Vec<OrgStanding>,
    pub findings: Vec<FindingView>,
    /// Assets the warning's records name but whose version cannot be compared.
    pub unevaluable: Vec<store::vulns::UnevaluableView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct VulnSummary {
    pub cve: String,
    pub title: Option<String>,
    pub cvss: Option<f64>,
    pub kev: bool,
    pub kev_due: Option<NaiveDate>,
    pub ransomware: bool,
    pub epss: Option<f64>,
}

pub(crate) fn must_coordinate(scope: &Scope, what: &str) -> Result<()> {
    if scope.is_coordinator() {
        Ok(())
    } else {
        Err(AppError::Forbidden(format!("only the coordinator {what}")))
    }
}

impl App {
    /// Imports one feed file (NVD, CVE JSON 5, KEV, CSAF, EPSS; `.gz`/`.xz`
    /// too). Records are merged with what is stored, so importing a file
    /// again changes nothing; records that cannot be read are reported and
    /// the rest is written.
    pub async fn import_vuln_feed(
        &self,
        scope: &Scope,
        file_name: &str,
        bytes: &[u8],
    ) -> Result<FeedReport> {
        must_coordinate(scope, "imports vulnerability feeds")?;
        let imported = vulnmatch::feeds::read_feed(file_name, bytes)
            .map_err(|e| invalid("file", e.to_string()))?;
        self.store_feed(scope, file_name, imported).await
    }

    /// Like [`App::import_vuln_feed`], reading the file as it goes rather
    /// than holding its bytes (for large yearly feeds on the command line).
    pub async fn import_vuln_feed_from(
        &self,
        scope: &Scope,
        file_name: &str,
        reader: impl std::io::Read,
    ) -> Result<FeedReport> {
        must_coordinate(scope, "imports vulnerability feeds")?;
        let imported = vulnmatch::feeds::read_feed_from(file_name, reader)
            .map_err(|e| invalid("file", e.to_string()))?;
        self.store_feed(scope, file_name, imported).await
    }

    async fn store_feed(
        &self,
        scope: &Scope,
        file_name: &str,
        imported: vulnmatch::feeds::Imported,
    ) -> Result<FeedReport> {
        let mut report = FeedReport {
            file: file_name.to_string(),
            kind: imported.kind.map(|k| k.as_str()),
            kev: imported.kev.len(),
            epss: imported.epss.len(),
            problems: imported
                .problems
                .iter()
                .map(|p| RowError {
                    row: None,
                    column: Some(match &p.record {
                        Some(r) => format!("{r} {}", p.path),
                        None => p.path.clone(),
                    }),
                    reason: p.message.clone(),
                })
                .collect(),
            ..Default::default()
        };
        let mut ids: Vec<String> = imported.vulns.iter().map(|v| v.id.to_string()).collect();
        ids.extend(imported.kev.iter().map(|(id, _)| id.to_string()));
        ids.extend(imported.epss.iter().map(|(id, _)| id.to_string()));
        ids.sort();
        ids.dedup();
        // The stored records read on every core; each remembers its JSON, so
        // a record the file does not change is not written again.
        let stored = store::vulns::vulns_by_id(&mut self.store.conn(), &ids).await?;
        let parsed = crate::vulns_records::par_map(&stored, |r| {
            parse_record(r).map(|v| (v, r.record.as_str()))
        });
        let mut merged: BTreeMap<CveId, (Vuln, Option<&str>)> = BTreeMap::new();
        for p in parsed {
            let (v, json) = p?;
            merged.insert(v.id, (v, Some(json)));
        }
        let fresh = |id: CveId| (Vuln::new(id), None);
        for v in imported.vulns {
            let id = v.id;
            merged.entry(id).or_insert_with(|| fresh(id)).0.merge(v);
        }
        for (id, k) in imported.kev {
            let (v, _) = merged.entry(id).or_insert_with(|| fresh(id));
            match &mut v.kev {
                Some(have) => have.merge(k),
                None => v.kev = Some(k),
            }
        }
        for (id, e) in imported.epss {
            merged.entry(id).or_insert_with(|| fresh(id)).0.epss = Some(e);
        }
        let merged: Vec<(Vuln, Option<&str>)> = merged.into_values().collect();
        // The JSON and the compact form of each record, on every core.
        let rows = crate::vulns_records::par_map(&merged, |(v, was)| {
            let row = row_of(v)?;
            Ok(match was {
                Some(j) if *j == row.record => None,
                _ => Some(row),
            })
        });
        drop(merged);
        let changed: Vec<VulnRow> = rows
            .into_iter()
            .filter_map(|r: Result<Option<VulnRow>>| r.transpose())
            .collect::<Result<_>>()?;
        drop(stored);
        report.records = changed.len();
        let mut tx = self.store.begin().await?;
        store::vulns::upsert_vulns(&mut tx, &changed).await?;
        store::vulns::audit_import(
            &mut tx,
            scope,
            file_name,
            report.kind.unwrap_or("?"),
            changed.len(),
            report.problems.len(),
        )
        .await?;
        tx.commit().await?;
        Ok(report)
    }

    /// Records a warning (not yet published). All or nothing: every field
    /// is checked first.
    pub async fn create_warning(&self, scope: &Scope, input: &WarningInput) -> Result<Warning> {
        must_coordinate(scope, "records the Authority's warnings")?;
        let mut errs = domain::FieldErrors::default();
        let number = input.number.trim();
        if number.is_empty() || number.chars().count() > 100 {
            errs.push("number", "give the warning's number (up to 100 characters)");
        }
        let title = input.title.trim();
        if title.is_empty() || title.chars().count() > 500 {
            errs.push("title", "give the warning's title (up to 500 characters)");
        }
        let issued_on = date("issued_on", &input.issued_on, &mut errs);
        let deadline = match input.deadline.as_deref().map(str::trim) {
            Some(d) if !d.is_empty() => date("deadline", d, &mut errs),
            _ => None,
        };
        let mut cves = Vec::new();
        for (i, c) in input.cves.iter().enumerate() {
            match c.trim().parse::<CveId>() {
                Ok(id) => cves.push(id.to_string()),
                Err(e) => errs.push(format!("cves[{i}]"), e.to_string()),
            }
        }
        cves.sort();
        cves.dedup();
        if input.cves.is_empty() {
            errs.push("cves", "name at least one CVE");
        }
        errs.into_result()?;
        let (Some(issued_on), true) = (issued_on, !cves.is_empty()) else {
            return Err(invalid("cves", "name at least one CVE"));
        };
        let text = |s: &Option<String>| domain::non_empty(s.clone());
        let body = text(&input.body);
        let action = text(&input.required_action);
        // The issuer as named today is kept with the warning.
        let issuer = self.bodies().await.ok().map(|b| b.warning_issuer);
        let mut tx = self.store.begin().await?;
        let id = store::vulns::create_warning(
            &mut tx,
            scope,
            &store::vulns::NewWarning {
                number,
                issued_on,
                title,
                cves: &cves,
                body: body.as_deref(),
                required_action: action.as_deref(),
                deadline,
                issuer_name: issuer.as_ref().map(|i| i.name.as_str()),
                issuer_short: issuer.as_ref().map(|i| i.short.as_str()),
            },
        )
        .await?;
        tx.commit().await?;
        self.warning(id).await
    }

    /// Who issued a warning: as stored with it, else (a warning recorded
    /// while the settings were missing) as the settings name the issuer today.
    pub(crate) async fn warning_issuer(&self, w: &Warning) -> Result<domain::national::Body> {
        Ok(match (&w.issuer_name, &w.issuer_short) {
            (Some(name), Some(short)) => domain::national::Body {
                name: name.clone(),
                short: short.clone(),
            },
            _ => self.bodies().await?.warning_issuer,
        })
    }

    pub async fn warning(&self, id: i64) -> Result<Warning> {
        store::vulns::warning(&mut self.store.conn(), id)
            .await?
            .ok_or(AppError::NotFound)
    }

    pub async fn warnings(&self) -> Result<Vec<Warning>> {
        Ok(store::vulns::warnings(&mut self.store.conn()).await?)
    }

    /// Publishes a warning: matches the inventory, then notifies every
    /// organisation with an affected asset. Publishing twice is a conflict.
    pub async fn publish_warning(&self, scope: &Scope, id: i64) -> Result<MatchRun> {
        must_coordinate(scope, "publishes warnings")?;
        let w = self.warning(id).await?;
        let mut tx = self.store.begin().await?;
        if !store::vulns::publish_warning(&mut tx, scope, id).await? {
            return Err(AppError::Conflict(
                "the warning is already published".into(),
            ));
        }
        tx.commit().await?;
        let run = self.match_inventory(scope).await?;
        let status = self.warning_status(&self.system_scope().await?, id).await?;
        let notices = self.warning_notices(&w, &status).await?;
        if !notices.is_empty() {
            let mut tx = self.store.begin().await?;
            store::notifications::enqueue(&mut tx, &notices).await?;
            tx.commit().await?;
        }
        Ok(run)
    }

    /// Findings the scope may see, overdue first, then by priority.
    pub async fn findings(
        &self,
        scope: &Scope,
        filter: &FindingFilter,
    ) -> Result<store::Page<FindingView>> {
        let mut page = store::vulns::findings(
            &mut self.store.conn(),
            scope,
            filter,
            crate::registry::today(),
        )
        .await?;
        for f in &mut page.items {
            f.evidence_summary = evidence_summary(&f.evidence);
        }
        Ok(page)
    }

    /// What the matcher could not evaluate, as the scope may see it.
    pub async fn unevaluable(
        &self,
        scope: &Scope,
        filter: &FindingFilter,
    ) -> Result<Vec<store::vulns::UnevaluableView>> {
        Ok(store::vulns::unevaluable(&mut self.store.conn(), scope, filter).await?)
    }

    pub async fn finding_detail(&self, scope: &Scope, id: i64) -> Result<FindingDetail> {
        let f = store::vulns::finding(&mut self.store.conn(), scope, id)
            .await?
            .ok_or(AppError::NotFound)?;
        let events = store::vulns::finding_events(&mut self.store.conn(), id).await?;
        Ok(FindingDetail {
            evidence: serde_json::from_str(&f.evidence).unwrap_or_default(),
            reasons: serde_json::from_str(&f.reasons).unwrap_or_default(),
            finding: f,
            events,
        })
    }

    /// A person moves a finding along the transition table.
    pub async fn move_finding(
        &self,
        scope: &Scope,
        id: i64,
        action: FindingAction,
        note: Option<&str>,
        until: Option<&str>,
    ) -> Result<FindingDetail> {
        let f = store::vulns::finding(&mut self.store.conn(), scope, id)
            .await?
            .ok_or(AppError::NotFound)?;
        let from: FindingStatus = f
            .status
            .parse()
            .map_err(|e: String| AppError::Internal(e))?;
        let until = match until.map(str::trim).filter(|u| !u.is_empty()) {
            Some(u) => {
                let mut errs = domain::FieldErrors::default();
                let d = date("until", u, &mut errs);
                errs.into_result()?;
                if d <= Some(crate::registry::today()) {
                    return Err(invalid("until", "the expiry must be after today"));
                }
                d
            }
            None => None,
        };
        let same_org = scope.org_id == f.owner_org_id;
        let to = from
            .after(action, scope.role, same_org, note, until.is_some())
            .map_err(|e| match e {
                domain::finding::MoveError::NotYours(why) => AppError::Forbidden(why.into()),
                domain::finding::MoveError::Missing(why) => invalid("note", why),
                other => AppError::Conflict(other.to_string()),
            })?;
        let note = note.map(str::trim).filter(|n| !n.is_empty());
        let mut tx = self.store.begin().await?;
        let moved = store::vulns::move_finding(
            &mut tx,
            scope,
            id,
            from,
            action,
            to,
            note,
            if to == FindingStatus::RiskAccepted {
                until
            } else {
                None
            },
        )
        .await?;
        tx.commit().await?;
        if !moved {
            return Err(AppError::Conflict(
                "the finding changed meanwhile; reload it".into(),
            ));
        }
        self.finding_detail(scope, id).await
    }

    /// Who is affected by a warning, who has patched and who is overdue, as
    /// far as the scope may see.
    pub async fn warning_status(&self, scope: &Scope, id: i64) -> Result<WarningStatus> {
        let warning = self.warning(id).await?;
        let cves = warning.cve_list();
        let known = store::vulns::vulns_by_id(&mut self.store.conn(), &cves)
            .await?
            .into_iter()
            .map(|r| VulnSummary {
                cve: r.cve,
                title: r.title,
                cvss: r.cvss,
                kev: r.kev,
                kev_due: r.kev_due,
                ransomware: r.ransomware,
                epss: r.epss,
            })
            .collect();
        let mut findings = Vec::new();
        let mut after = None;
        loop {
            let page = self
                .findings(
                    scope,
                    &FindingFilter {
                        cves: Some(cves.clone()),
                        after_id: after,
                        limit: 5000,
                        ..Default::default()
                    },
                )
                .await?;
            after = page.next;
            findings.extend(page.items);
            if after.is_none() {
                break;
            }
        }
        let orgs = self.org_names(&self.system_scope().await?).await?;
        let today = crate::registry::today();
        let mut by_org: BTreeMap<i64, (OrgStanding, HashSet<i64>)> = BTreeMap::new();
        for f in &findings {
            let (s, assets) = by_org.entry(f.owner_org_id).or_insert_with(|| {
                (
                    OrgStanding {
                        org_id: f.owner_org_id,
                        name: orgs
                            .values()
                            .find(|o| o.id == f.owner_org_id)
                            .map(|o| o.data.short_name.to_string())
                            .unwrap_or_default(),
                        ..Default::default()
                    },
                    HashSet::new(),
                )
            });
            assets.insert(f.asset_id);
            s.findings += 1;
            let status: FindingStatus = f.status.parse().unwrap_or(FindingStatus::Open);
            if status.is_active() {
                s.open += 1;
                if f.deadline < today {
                    s.overdue += 1;
                }
                s.earliest_deadline = Some(
                    s.earliest_deadline
                        .map_or(f.deadline, |d| d.min(f.deadline)),
                );
            } else {
                s.done += 1;
            }
        }
        let mut orgs: Vec<OrgStanding> = by_org
            .into_values()
            .map(|(mut s, assets)| {
                s.assets = assets.len();
                s
            })
            .collect();
        orgs.sort_by(|a, b| {
            b.overdue
                .cmp(&a.overdue)
                .then(b.open.cmp(&a.open))
                .then(a.name.cmp(&b.name))
        });
        let unevaluable = self
            .unevaluable(
                scope,
                &FindingFilter {
                    cves: Some(cves.clone()),
                    limit: 5000,
                    ..Default::default()
                },
            )
            .await?;
        Ok(WarningStatus {
            warning,
            cves,
            known,
            orgs,
            findings,
            unevaluable,
        })
    }

    async fn warning_notices(
        &self,
        w: &Warning,
        status: &WarningStatus,
    ) -> Result<Vec<NewNotification>> {
        let cfg = &self.config.notify;
        if cfg.smtp.is_none() && cfg.webhook.is_none() {
            return Ok(Vec::new());
        }
        let emails = self.notify_emails().await?;
        let link = format!(
            "{}/vulns/warnings/{}",
            cfg.public_url.trim_end_matches('/'),
            w.id
        );
        let issuer = self.warning_issuer(w).await?;
        let mut out = Vec::new();
        for o in &status.orgs {
            let subject = format!(
                "[canhgac] Cảnh báo {}: {} tài sản của {} bị ảnh hưởng",
                w.number, o.assets, o.name
            );
            let body = format!(
                "Kính gửi {},\n\nCảnh báo số {} ngày {} của {}: {}\n\
                 Đơn vị có {} tài sản bị ảnh hưởng ({} phát hiện). Hạn xử lý sớm nhất: {}.\n\
                 {}\nXem chi tiết và cập nhật kết quả xử lý: {link}\n",
                o.name,
                w.number,
                w.issued_on.format("%d/%m/%Y"),
                issuer.name,
                w.title,
                o.assets,
                o.findings,
                o.earliest_deadline
                    .map(|d| d.format("%d/%m/%Y").to_string())
                    .unwrap_or_default(),
                w.required_action
                    .as_deref()
                    .map(|a| format!("Yêu cầu: {a}\n"))
                    .unwrap_or_default(),
            );
            out.extend(self.notices_for(&emails, o.org_id, "warning", w.id, &subject, &body));
        }
        Ok(out)
    }
}

/// `software F5|BIG-IP|17.1.0.3|dotted — F5 BIG-IP: 17.1.0 ≤ v < 17.1.1 → affected`.
fn evidence_summary(evidence_json: &str) -> String {
    match serde_json::from_str::<vulnmatch::matching::Evidence>(evidence_json) {
        Ok(e) => match &e.hotfix_excluded {
            Some(h) => format!("{} — {} (hotfix {h})", e.inventory_fact, e.rule),
            None => format!("{} — {}", e.inventory_fact, e.rule),
        },
        Err(_) => String::new(),
    }
}

/// The facts of an asset the vulnerability matcher cannot use (an OS name
/// no rule maps, a Windows whose release cannot be told), with the reason:
/// shown on the asset's page so a registry row that cannot be matched says so.
pub fn match_gaps(asset: &store::assets::Asset) -> Vec<vulnmatch::matching::Unmatched> {
    vulnmatch::matching::unmatched_facts(&vulnmatch::matching::InventoryItem::from_asset(
        asset.id,
        &asset.data,
        false,
        1,
    ))
}

/// A priority code's Vietnamese label, for documents (`vulnmatch`'s
/// `Decision` holds the labels; an unknown code reads as the lowest).
pub(crate) fn priority_vi(code: &str) -> &'static str {
    use domain::Labelled;
    vulnmatch::priority::Decision::parse(code)
        .unwrap_or(vulnmatch::priority::Decision::Defer)
        .label_vi()
}
