//! Duty during high-alert periods: the periods, each organisation's roster
//! (generated from a rotation, then edited by hand), the gaps in coverage,
//! who is on duty right now across the province, and the roster as
//! iCalendar and XLSX.

use crate::botnet_report::{Download, XLSX};
use crate::{invalid, App, AppError, Result};
use chrono::{DateTime, Utc};
use domain::{Role, Scope};
use roster::{CoverageReport, Person, Roster, Rotation, Shift};
use serde::Serialize;
use store::duty::Period;

/// A period with the organisations that keep duty in it.
#[derive(Debug, Clone, Serialize)]
pub struct PeriodView {
    #[serde(flatten)]
    pub period: Period,
    pub orgs: Vec<PeriodOrg>,
}

/// One organisation's standing in a period.
#[derive(Debug, Clone, Serialize)]
pub struct PeriodOrg {
    pub org_id: i64,
    pub name: String,
    pub shifts: usize,
    /// Stretches of the period with nobody on duty (none when no roster).
    pub coverage: Option<CoverageReport>,
}

/// An organisation's roster for a period.
#[derive(Debug, Clone, Serialize)]
pub struct RosterView {
    pub period: Period,
    pub org_id: i64,
    pub org_name: String,
    pub roster: Roster,
    pub coverage: CoverageReport,
    pub may_edit: bool,
    /// What the next shift must watch: the organisation's open incidents
    /// and its open and overdue vulnerability findings.
    pub watch: Watch,
    /// Per shift (same order): the incidents its hand-over note names as `#id`.
    pub note_incidents: Vec<Vec<(i64, String)>>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Watch {
    /// Open incidents the reader may see: id, title, state.
    pub open_incidents: Vec<(i64, String, String)>,
    pub open_findings: usize,
    pub overdue_findings: usize,
}

/// The incident numbers a hand-over note names (`#12`, `sự cố #12`).
pub fn incident_refs(note: &str) -> Vec<i64> {
    let mut out: Vec<i64> = note
        .split('#')
        .skip(1)
        .filter_map(|rest| {
            let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
            digits.parse().ok()
        })
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// Who is on duty at one moment.
#[derive(Debug, Clone, Serialize)]
pub struct OnDuty {
    pub period_id: i64,
    pub period: String,
    pub org_id: i64,
    pub org_name: String,
    /// Empty: nobody is on duty for this organisation right now.
    pub people: Vec<Person>,
    pub shift_end: Option<DateTime<Utc>>,
    pub note: Option<String>,
}

/// A hand edit of a roster.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(tag = "edit", rename_all = "snake_case")]
pub enum RosterEdit {
    Add {
        shift: Shift,
    },
    Remove {
        index: usize,
    },
    /// Someone else takes one person's place on a shift.
    Replace {
        index: usize,
        from_phone: String,
        to: Person,
    },
    /// Two shifts exchange their crews.
    Swap {
        a: usize,
        b: usize,
    },
    /// The hand-over note of a shift.
    Note {
        index: usize,
        note: Option<String>,
    },
    /// A shift's crew and note together (one form in the console).
    /// `starts_at`, when given, must be the shift's start: an index read
    /// from a page before someone else changed the roster is refused
    /// rather than applied to another shift.
    Shift {
        index: usize,
        people: Vec<Person>,
        note: Option<String>,
        #[serde(default)]
        starts_at: Option<DateTime<Utc>>,
    },
}

fn roster_error(e: roster::RosterError) -> AppError {
    invalid("roster", e.to_string())
}

impl App {
    /// Creates a high-alert period with the organisations that keep duty.
    pub async fn create_period(
        &self,
        scope: &Scope,
        name: &str,
        starts_at: DateTime<Utc>,
        ends_at: DateTime<Utc>,
        org_ids: &[i64],
    ) -> Result<PeriodView> {
        if !scope.is_coordinator() {
            return Err(AppError::Forbidden(
                "only the coordinator declares high-alert periods".into(),
            ));
        }
        let p = roster::HighAlertPeriod::new(name, starts_at, ends_at)
            .map_err(|e| invalid("period", e.to_string()))?;
        if org_ids.is_empty() {
            return Err(invalid("orgs", "choose the organisations that keep duty"));
        }
        let known = self.org_names(scope).await?;
        for id in org_ids {
            if !known.values().any(|o| o.id == *id) {
                return Err(invalid("orgs", format!("organisation {id} does not exist")));
            }
        }
        let mut orgs = org_ids.to_vec();
        orgs.sort_unstable();
        orgs.dedup();
        let mut tx = self.store.begin().await?;
        let id =
            store::duty::create_period(&mut tx, scope, p.name(), p.start(), p.end(), &orgs).await?;
        tx.commit().await?;
        self.period(scope, id).await
    }

    pub async fn periods(&self, scope: &Scope) -> Result<Vec<Period>> {
        Ok(store::duty::periods(&mut self.store.conn(), scope).await?)
    }

    /// A period with each organisation's coverage; an organisation sees its own line.
    pub async fn period(&self, scope: &Scope, id: i64) -> Result<PeriodView> {
        let period = store::duty::period(&mut self.store.conn(), scope, id)
            .await?
            .ok_or(AppError::NotFound)?;
        let names = self.org_names(&self.system_scope().await?).await?;
        let name_of = |id: i64| {
            names
                .values()
                .find(|o| o.id == id)
                .map(|o| o.data.short_name.to_string())
                .unwrap_or_default()
        };
        let rosters = store::duty::rosters_of(&mut self.store.conn(), id).await?;
        let mut orgs = Vec::new();
        for org_id in store::duty::period_orgs(&mut self.store.conn(), id).await? {
            if !scope.sees_province() && org_id != scope.org_id {
                continue;
            }
            let r = match rosters.iter().find(|r| r.org_id == org_id) {
                Some(s) => Some(parse_roster(&s.shifts)?),
                None => None,
            };
            let coverage = match &r {
                Some(r) => Some(
                    roster::coverage(r, period.starts_at, period.ends_at).map_err(roster_error)?,
                ),
                None => None,
            };
            orgs.push(PeriodOrg {
                org_id,
                name: name_of(org_id),
                shifts: r.as_ref().map_or(0, |r| r.shifts().len()),
                coverage,
            });
        }
        Ok(PeriodView { period, orgs })
    }

    fn may_edit_roster(scope: &Scope, org_id: i64) -> bool {
        scope.is_coordinator()
            || (scope.org_id == org_id
                && matches!(
                    scope.role,
                    Role::OrgAdmin | Role::Officer | Role::IspOperator | Role::SocAnalyst
                ))
    }

    /// The roster of an organisation taking part in a period (empty before
    /// one is made).
    pub async fn roster(&self, scope: &Scope, period_id: i64, org_id: i64) -> Result<RosterView> {
        let view = self.period(scope, period_id).await?;
        let org = view
            .orgs
            .iter()
            .find(|o| o.org_id == org_id)
            .ok_or(AppError::NotFound)?;
        let roster = match store::duty::roster(&mut self.store.conn(), period_id, org_id).await? {
            Some(s) => parse_roster(&s.shifts)?,
            None => Roster::default(),
        };
        let coverage = roster::coverage(&roster, view.period.starts_at, view.period.ends_at)
            .map_err(roster_error)?;
        let watch = self.watch(scope, org_id).await?;
        let mut note_incidents = Vec::new();
        for shift in roster.shifts() {
            let mut linked = Vec::new();
            for id in shift.note().map(incident_refs).unwrap_or_default() {
                // Only incidents the reader may see become links.
                if let Ok(d) = self.incident(scope, id).await {
                    linked.push((id, d.row.title));
                }
            }
            note_incidents.push(linked);
        }
        Ok(RosterView {
            watch,
            note_incidents,
            org_name: org.name.clone(),
            period: view.period,
            org_id,
            roster,
            coverage,
            may_edit: Self::may_edit_roster(scope, org_id),
        })
    }

    /// Replaces an organisation's roster with shifts generated from a rotation
    /// over the whole period (Vietnamese public holidays from the calendar).
    pub async fn generate_roster(
        &self,
        scope: &Scope,
        period_id: i64,
        org_id: i64,
        rotation: &Rotation,
    ) -> Result<RosterView> {
        let view = self.roster(scope, period_id, org_id).await?;
        if !view.may_edit {
            return Err(AppError::Forbidden("you may not edit this roster".into()));
        }
        let shifts = roster::generate(
            rotation,
            view.period.starts_at,
            view.period.ends_at,
            &roster::HolidayCalendar::vietnam(),
        )
        .map_err(roster_error)?;
        let r = Roster::new(shifts).map_err(roster_error)?;
        self.save_roster(scope, period_id, org_id, &r, "generate")
            .await?;
        self.roster(scope, period_id, org_id).await
    }

    /// Applies one hand edit; refused edits change nothing.
    pub async fn edit_roster(
        &self,
        scope: &Scope,
        period_id: i64,
        org_id: i64,
        edit: RosterEdit,
    ) -> Result<RosterView> {
        let mut view = self.roster(scope, period_id, org_id).await?;
        if !view.may_edit {
            return Err(AppError::Forbidden("you may not edit this roster".into()));
        }
        let named_note = match &edit {
            RosterEdit::Note { note: Some(n), .. } | RosterEdit::Shift { note: Some(n), .. } => {
                Some(n.clone())
            }
            _ => None,
        };
        let r = &mut view.roster;
        let what = match edit {
            RosterEdit::Add { shift } => r.add(shift).map(|_| "add_shift"),
            RosterEdit::Remove { index } => r.remove(index).map(|_| "remove_shift"),
            RosterEdit::Replace {
                index,
                from_phone,
                to,
            } => {
                let from = r
                    .shifts()
                    .get(index)
                    .and_then(|s| {
                        s.people().iter().find(|p| {
                            p.phone() == from_phone
                                || Person::new(p.name(), &from_phone).is_ok_and(|q| q.same_as(p))
                        })
                    })
                    .cloned()
                    .ok_or_else(|| {
                        invalid(
                            "from_phone",
                            "nobody with that phone number is on this shift",
                        )
                    })?;
                r.replace_person(index, &from, to).map(|_| "replace_person")
            }
            RosterEdit::Swap { a, b } => r.swap(a, b).map(|_| "swap_shifts"),
            RosterEdit::Note { index, note } => r.set_note(index, note).map(|_| "handover_note"),
            RosterEdit::Shift {
                index,
                people,
                note,
                starts_at,
            } => {
                if let Some(at) = starts_at {
                    if r.shifts().get(index).map(|s| s.start()) != Some(at) {
                        return Err(invalid(
                            "index",
                            "the roster changed since the page was opened; open it again",
                        ));
                    }
                }
                r.set_shift(index, people, note).map(|_| "edit_shift")
            }
        }
        .map_err(roster_error)?;
        let r = view.roster.clone();
        self.save_roster(scope, period_id, org_id, &r, what).await?;
        // A hand-over note that names incidents joins their timelines.
        if let Some(note) = &named_note {
            for id in incident_refs(note) {
                if self.incident(scope, id).await.is_ok() {
                    let mut tx = self.store.begin().await?;
                    let text = format!("bàn giao ca trực ({}): {}", view.org_name, note.trim());
                    store::incidents::add_entry(&mut tx, scope, id, "handover", &text).await?;
                    tx.commit().await?;
                }
            }
        }
        self.roster(scope, period_id, org_id).await
    }

    /// The organisation's open incidents and findings, as the reader may see them.
    async fn watch(&self, scope: &Scope, org_id: i64) -> Result<Watch> {
        let incidents = self
            .incidents(
                scope,
                &store::incidents::IncidentFilter {
                    open_only: true,
                    org_id: Some(org_id),
                    limit: 50,
                    ..Default::default()
                },
            )
            .await?;
        let today = crate::registry::today();
        let count = |f: store::vulns::FindingFilter| async move {
            let mut n = 0;
            let mut f = f;
            loop {
                let page = self.findings(scope, &f).await?;
                n += page.items.len();
                match page.next {
                    Some(next) => f.after_id = Some(next),
                    None => return Ok::<usize, AppError>(n),
                }
            }
        };
        let base = store::vulns::FindingFilter {
            org_id: Some(org_id),
            active: true,
            limit: 5000,
            ..Default::default()
        };
        Ok(Watch {
            open_incidents: incidents
                .items
                .into_iter()
                .map(|r| (r.id, r.title, r.state))
                .collect(),
            open_findings: count(base.clone()).await?,
            overdue_findings: count(store::vulns::FindingFilter {
                overdue_on: Some(today),
                ..base
            })
            .await?,
        })
    }

    async fn save_roster(
        &self,
        scope: &Scope,
        period_id: i64,
        org_id: i64,
        r: &Roster,
        what: &str,
    ) -> Result<()> {
        let json = serde_json::to_string(r).map_err(|e| AppError::Internal(e.to_string()))?;
        let mut tx = self.store.begin().await?;
        store::duty::save_roster(&mut tx, scope, period_id, org_id, &json, what).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Who is on duty at `at` in every period running then, as far as the
    /// scope may see; an organisation with nobody on duty is listed empty.
    pub async fn on_duty(&self, scope: &Scope, at: DateTime<Utc>) -> Result<Vec<OnDuty>> {
        let mut out = Vec::new();
        for p in self.periods(scope).await? {
            if !(p.starts_at <= at && at < p.ends_at) {
                continue;
            }
            let view = self.period(scope, p.id).await?;
            for o in view.orgs {
                let r = match store::duty::roster(&mut self.store.conn(), p.id, o.org_id).await? {
                    Some(s) => parse_roster(&s.shifts)?,
                    None => Roster::default(),
                };
                let shifts = r.on_duty_at(at);
                out.push(OnDuty {
                    period_id: p.id,
                    period: p.name.clone(),
                    org_id: o.org_id,
                    org_name: o.name.clone(),
                    people: shifts
                        .iter()
                        .flat_map(|s| s.people().iter().cloned())
                        .collect(),
                    shift_end: shifts.iter().map(|s| s.end()).min(),
                    note: shifts.iter().find_map(|s| s.note().map(str::to_string)),
                });
            }
        }
        out.sort_by(|a, b| {
            a.people
                .is_empty()
                .cmp(&b.people.is_empty())
                .reverse()
                .then(a.org_name.cmp(&b.org_name))
        });
        Ok(out)
    }

    /// The roster as an iCalendar file (one event per shift).
    pub async fn roster_ics(&self, scope: &Scope, period_id: i64, org_id: i64) -> Result<Download> {
        let v = self.roster(scope, period_id, org_id).await?;
        let mut ics = String::from("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//canhgac//duty roster//VI\r\nCALSCALE:GREGORIAN\r\n");
        let stamp = Utc::now().format("%Y%m%dT%H%M%SZ").to_string();
        for (i, s) in v.roster.shifts().iter().enumerate() {
            let people: Vec<String> = s
                .people()
                .iter()
                .map(|p| format!("{} ({})", p.name(), p.phone_local()))
                .collect();
            let mut event = vec![
                "BEGIN:VEVENT".to_string(),
                format!(
                    "UID:canhgac-{period_id}-{org_id}-{i}-{}@canhgac",
                    s.start().timestamp()
                ),
                format!("DTSTAMP:{stamp}"),
                format!("DTSTART:{}", s.start().format("%Y%m%dT%H%M%SZ")),
                format!("DTEND:{}", s.end().format("%Y%m%dT%H%M%SZ")),
                ics_text(
                    "SUMMARY",
                    &format!("Trực ATTT {} — {}", v.org_name, people.join(", ")),
                ),
            ];
            if let Some(n) = s.note() {
                event.push(ics_text("DESCRIPTION", n));
            }
            event.push("END:VEVENT".into());
            for line in event {
                ics.push_str(&fold(&line));
            }
        }
        ics.push_str("END:VCALENDAR\r\n");
        Ok(Download {
            file_name: format!("lich-truc-{period_id}-{org_id}.ics"),
            content_type: "text/calendar; charset=utf-8",
            bytes: ics.into_bytes(),
        })
    }

    pub async fn roster_xlsx(
        &self,
        scope: &Scope,
        period_id: i64,
        org_id: i64,
    ) -> Result<Download> {
        let v = self.roster(scope, period_id, org_id).await?;
        let rows: Vec<Vec<String>> = v
            .roster
            .shifts()
            .iter()
            .map(|s| {
                vec![
                    roster::time::format_local(s.start()),
                    roster::time::format_local(s.end()),
                    s.people()
                        .iter()
                        .map(|p| p.name().to_string())
                        .collect::<Vec<_>>()
                        .join("\n"),
                    s.people()
                        .iter()
                        .map(|p| p.phone_local())
                        .collect::<Vec<_>>()
                        .join("\n"),
                    s.note().unwrap_or_default().to_string(),
                ]
            })
            .collect();
        let bytes = sheets::write_xlsx(
            "Lịch trực",
            &[
                "Bắt đầu",
                "Kết thúc",
                "Người trực",
                "Điện thoại",
                "Ghi chú bàn giao",
            ],
            &rows,
        )
        .map_err(|e| AppError::Internal(e.to_string()))?;
        Ok(Download {
            file_name: format!("lich-truc-{period_id}-{org_id}.xlsx"),
            content_type: XLSX,
            bytes,
        })
    }
}

fn parse_roster(json: &str) -> Result<Roster> {
    serde_json::from_str(json)
        .map_err(|e| AppError::Internal(format!("a stored roster is unreadable: {e}")))
}

/// A text property with RFC 5545 escapes.
fn ics_text(name: &str, value: &str) -> String {
    let escaped = value
        .replace('\\', "\\\\")
        .replace(';', "\\;")
        .replace(',', "\\,")
        .replace("\r\n", "\\n")
        .replace('\n', "\\n");
    format!("{name}:{escaped}")
}

/// Folds a content line at 75 octets without splitting a character.
fn fold(line: &str) -> String {
    let mut out = String::new();
    let mut len = 0;
    for c in line.chars() {
        let n = c.len_utf8();
        if len + n > 75 {
            out.push_str("\r\n ");
            len = 1;
        }
        out.push(c);
        len += n;
    }
    out.push_str("\r\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calendar_lines_fold_on_characters_and_escape_text() {
        let long = ics_text("SUMMARY", &"Trực ATTT; Sở Tài chính, ".repeat(6));
        let folded = fold(&long);
        for l in folded.split("\r\n").filter(|l| !l.is_empty()) {
            assert!(l.len() <= 75, "{l}");
        }
        assert!(long.contains("\\;") && long.contains("\\,"));
        let unfolded = folded.replace("\r\n ", "");
        assert_eq!(unfolded, format!("{long}\r\n"));
    }
}
