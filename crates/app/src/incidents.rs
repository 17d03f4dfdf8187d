//! Incidents: reported with the initial report form, moved along the
//! workflow's transition table, coordinated with responders, observables
//! linked to other incidents and botnet listings, escalated to the national
//! bodies, exported as STIX 2.1 and MISP, filed as the official report.

use crate::botnet_report::{Download, DOCX};
use crate::{invalid, App, AppError, Result};
use chrono::{DateTime, Utc};
use domain::{Actor, Role, Scope};
use incident::workflow::{ActorFacts, TransitionInput};
use incident::{
    IncidentClass, IncidentState, InitialReport, Observable, ObservableKind, ObservableRole,
    Severity, Tlp,
};
use serde::Serialize;
use store::incidents::{Entry, IncidentFilter, IncidentRow, ObservableRow};

pub(crate) fn user_id(scope: &Scope) -> Option<i64> {
    match &scope.actor {
        Actor::User { id, .. } => Some(*id),
        _ => None,
    }
}

/// An incident with everything its page shows.
#[derive(Debug, Clone, Serialize)]
pub struct IncidentDetail {
    #[serde(flatten)]
    pub row: IncidentRow,
    pub report: InitialReport,
    pub assignees: Vec<String>,
    pub timeline: Vec<Entry>,
    pub observables: Vec<ObservableView>,
    pub deadlines: incident::classify::Deadlines,
    /// Milestones already missed.
    pub overdue: Vec<String>,
    pub escalations: Vec<Escalation>,
    /// The actions the workflow allows from the current state.
    pub actions: Vec<&'static str>,
    pub tasks: Vec<store::incident_response::TaskRow>,
    /// Evidence files (without their bytes).
    pub evidence: Vec<store::incident_response::EvidenceRow>,
    /// The end-of-response report, once the incident is closed.
    pub end_report: Option<crate::incident_response::EndReport>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ObservableView {
    #[serde(flatten)]
    pub row: ObservableRow,
    /// Other incidents (that the reader may see) with the same value.
    pub other_incidents: Vec<i64>,
    /// Botnet lists where the address was listed: (list, period, source).
    pub botnet_lists: Vec<(i64, String, String)>,
}

/// A report of the incident to a national body.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct Escalation {
    /// The code of one of the installation's incident recipients
    /// (`NationalBodies::incident_recipients`), e.g. `vncert`, `ncsc`.
    pub to: String,
    pub on: chrono::NaiveDate,
    pub channel: String,
    pub reference: Option<String>,
    /// The body's abbreviation as the installation names `to` today
    /// (`NationalBodies::escalation_label`); filled when an incident is
    /// read, never stored nor taken from a request.
    #[serde(default, skip_deserializing, skip_serializing_if = "Option::is_none")]
    pub to_label: Option<String>,
}

/// An observable as a person adds it.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct NewObservable {
    pub value: String,
    #[serde(default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub tlp: Option<String>,
    #[serde(default)]
    pub role: Option<String>,
    #[serde(default)]
    pub comment: Option<String>,
}

impl App {
    fn actor_facts(
        &self,
        scope: &Scope,
        row: &IncidentRow,
        assignees: &[(i64, String)],
    ) -> ActorFacts {
        ActorFacts {
            role: scope.role,
            is_reporting_org: scope.org_id == row.reporting_org_id,
            is_assignee: user_id(scope).is_some_and(|u| assignees.iter().any(|(id, _)| *id == u)),
        }
    }

    /// Reports an incident. An organisation reports for itself; the
    /// coordinator may report for the organisation named in the form.
    pub async fn report_incident(
        &self,
        scope: &Scope,
        report: InitialReport,
    ) -> Result<IncidentDetail> {
        if scope.role == Role::Auditor {
            return Err(AppError::Forbidden(
                "auditors do not report incidents".into(),
            ));
        }
        let mut report = report;
        let errs = report.problems(Utc::now());
        errs.into_result()?;
        let org_id = if scope.is_coordinator() {
            report.reporter_org.id.unwrap_or(scope.org_id)
        } else {
            scope.org_id
        };
        report.reporter_org.id = Some(org_id);
        // Organisations the report may name as the system's owner and
        // operator: the reporter itself and the named system's own.
        let mut may_name = vec![org_id];
        let system_id = match report.system.as_ref().and_then(|s| s.id) {
            Some(id) => {
                // The system must be one the reporter may see; its facts come from the registry.
                let sys = self.system(scope, id).await?;
                if let Some(s) = report.system.as_mut() {
                    s.level = sys.data.approved_level.or(sys.data.proposed_level);
                }
                may_name.extend(sys.tenants());
                Some(id)
            }
            None => None,
        };
        let mut errs = domain::FieldErrors::default();
        for (field, named) in [
            ("owner_org.id", &report.owner_org),
            ("operator_org.id", &report.operator_org),
        ] {
            if let Some(id) = named.as_ref().and_then(|o| o.id) {
                if !scope.sees_province() && !may_name.contains(&id) {
                    errs.push(
                        field,
                        "Chỉ được ghi đơn vị mình hoặc chủ quản, đơn vị vận hành của hệ thống đã chọn \
                         (name your own organisation or the chosen system's owner or operator)",
                    );
                }
            }
        }
        errs.into_result()?;
        let json = serde_json::to_string(&report).map_err(|e| AppError::Internal(e.to_string()))?;
        let mut tx = self.store.begin().await?;
        let id = store::incidents::create(
            &mut tx,
            scope,
            &store::incidents::NewIncident {
                reporting_org_id: org_id,
                system_id,
                title: report.title.as_str(),
                report: &json,
                class: report.class.as_str(),
                severity: report.severity.as_str(),
                tlp: report.tlp.as_str(),
                state: IncidentState::Reported.as_str(),
                detected_at: report.detected_at,
            },
        )
        .await?;
        store::incidents::add_entry(&mut tx, scope, id, "change", "reported").await?;
        tx.commit().await?;
        self.incident(scope, id).await
    }

    pub async fn incidents(
        &self,
        scope: &Scope,
        filter: &IncidentFilter,
    ) -> Result<store::Page<IncidentRow>> {
        Ok(store::incidents::list(&mut self.store.conn(), scope, user_id(scope), filter).await?)
    }

    async fn incident_row(&self, scope: &Scope, id: i64) -> Result<IncidentRow> {
        store::incidents::get(&mut self.store.conn(), scope, user_id(scope), id)
            .await?
            .ok_or(AppError::NotFound)
    }

    pub async fn incident(&self, scope: &Scope, id: i64) -> Result<IncidentDetail> {
        let row = self.incident_row(scope, id).await?;
        let report: InitialReport = serde_json::from_str(&row.report)
            .map_err(|e| AppError::Internal(format!("incident {id}: {e}")))?;
        let assignees = store::incidents::assignees(&mut self.store.conn(), id).await?;
        let named = scope.is_coordinator() || self.actor_facts(scope, &row, &assignees).is_assignee;
        let mut observables = Vec::new();
        for o in store::incidents::observables(&mut self.store.conn(), id).await? {
            let tlp: Tlp = o.tlp.parse().unwrap_or(Tlp::Amber);
            let added_by_me = o.added_by == scope.actor.to_string();
            if !incident::visible(tlp, named || added_by_me) {
                continue;
            }
            let other_incidents = store::incidents::incidents_with(
                &mut self.store.conn(),
                scope,
                user_id(scope),
                &o.value,
                id,
            )
            .await?;
            let botnet_lists = if matches!(o.kind.as_str(), "ipv4" | "ipv6") {
                store::incidents::listings_with(&mut self.store.conn(), &o.value).await?
            } else {
                Vec::new()
            };
            observables.push(ObservableView {
                row: o,
                other_incidents,
                botnet_lists,
            });
        }
        let state: IncidentState = row
            .state
            .parse()
            .map_err(|e: String| AppError::Internal(e))?;
        let severity: Severity = row
            .severity
            .parse()
            .map_err(|e: String| AppError::Internal(e))?;
        let policy = incident::classify::ResponsePolicy::default();
        let deadlines =
            incident::classify::deadlines(&policy, severity, row.detected_at, row.reported_at);
        let milestones = incident::classify::Milestones {
            reported_at: Some(row.reported_at),
            acknowledged_at: row.acknowledged_at,
            contained_at: row.contained_at,
            resolved_at: row.resolved_at,
        };
        let overdue = incident::classify::overdue(Utc::now(), state, &deadlines, &milestones)
            .into_iter()
            .map(|m| format!("{m:?}").to_lowercase())
            .collect();
        let actions = incident::workflow::actions_from(state)
            .into_iter()
            .map(|a| a.as_str())
            .collect();
        // Old history entries and escalations carry the recipient's code:
        // read through today's national bodies, they read as new ones do.
        let bodies = self.bodies().await.ok();
        let mut escalations: Vec<Escalation> =
            serde_json::from_str(&row.escalations).unwrap_or_default();
        let mut timeline = store::incidents::entries(&mut self.store.conn(), id).await?;
        if let Some(b) = &bodies {
            for e in &mut escalations {
                e.to_label = Some(b.escalation_label(&e.to));
            }
            for e in timeline.iter_mut().filter(|e| e.kind == "change") {
                if let Some(text) = b.history_entry(&e.text) {
                    e.text = text;
                }
            }
        }
        Ok(IncidentDetail {
            tasks: store::incident_response::tasks(&mut self.store.conn(), id).await?,
            evidence: store::incident_response::evidence(&mut self.store.conn(), id).await?,
            end_report: row
                .end_report
                .as_deref()
                .map(crate::incident_response::EndReport::stored),
            escalations,
            timeline,
            assignees: assignees.into_iter().map(|(_, u)| u).collect(),
            report,
            observables,
            deadlines,
            overdue,
            actions,
            row,
        })
    }

    /// Moves an incident along the workflow.
    pub async fn incident_transition(
        &self,
        scope: &Scope,
        id: i64,
        action: incident::Action,
        input: &TransitionInput,
    ) -> Result<IncidentDetail> {
        let row = self.incident_row(scope, id).await?;
        let assignees = store::incidents::assignees(&mut self.store.conn(), id).await?;
        let facts = self.actor_facts(scope, &row, &assignees);
        let from: IncidentState = row
            .state
            .parse()
            .map_err(|e: String| AppError::Internal(e))?;
        let to = incident::workflow::apply(from, action, &facts, input).map_err(|e| {
            let msg = e.to_string();
            match e {
                incident::workflow::TransitionError::NotAllowed { .. } => AppError::Conflict(msg),
                incident::workflow::TransitionError::ReasonRequired { .. } => {
                    invalid("reason", msg)
                }
                incident::workflow::TransitionError::ReportRequired => invalid("report", msg),
                _ => AppError::Forbidden(msg),
            }
        })?;
        let milestone = match to {
            IncidentState::Acknowledged => Some("acknowledged_at"),
            IncidentState::Contained => Some("contained_at"),
            IncidentState::Resolved => Some("resolved_at"),
            IncidentState::Closed => Some("closed_at"),
            _ => None,
        };
        let reason = input
            .reason
            .as_deref()
            .map(str::trim)
            .filter(|r| !r.is_empty());
        let entry = match reason {
            Some(r) => format!("{} → {}: {r}", from.as_str(), to.as_str()),
            None => format!("{} → {}", from.as_str(), to.as_str()),
        };
        let mut tx = self.store.begin().await?;
        let moved = store::incidents::set_state(
            &mut tx,
            scope,
            id,
            from.as_str(),
            to.as_str(),
            milestone,
            input
                .report
                .as_deref()
                .filter(|_| to == IncidentState::Closed),
            &entry,
        )
        .await?;
        tx.commit().await?;
        if !moved {
            return Err(AppError::Conflict(
                "the incident changed meanwhile; reload it".into(),
            ));
        }
        self.incident(scope, id).await
    }

    /// The coordinator assigns a responder (a user of any organisation).
    pub async fn assign_incident(
        &self,
        scope: &Scope,
        id: i64,
        username: &str,
    ) -> Result<IncidentDetail> {
        let row = self.incident_row(scope, id).await?;
        let assignees = store::incidents::assignees(&mut self.store.conn(), id).await?;
        let facts = self.actor_facts(scope, &row, &assignees);
        let state: IncidentState = row
            .state
            .parse()
            .map_err(|e: String| AppError::Internal(e))?;
        incident::workflow::assign(state, None, Some(username), &facts)
            .map_err(|e| AppError::Forbidden(e.to_string()))?;
        let user = self
            .user_by_name(&self.system_scope().await?, username)
            .await
            .map_err(|_| invalid("username", format!("no account '{username}'")))?;
        let mut tx = self.store.begin().await?;
        store::incidents::assign(&mut tx, scope, id, user.id, &user.username).await?;
        tx.commit().await?;
        self.incident(scope, id).await
    }

    /// A note, action or decision on the timeline, by anyone who may act on it.
    pub async fn add_incident_entry(
        &self,
        scope: &Scope,
        id: i64,
        kind: &str,
        text: &str,
    ) -> Result<IncidentDetail> {
        let row = self.incident_row(scope, id).await?;
        if scope.role == Role::Auditor {
            return Err(AppError::Forbidden(
                "auditors read, they do not write".into(),
            ));
        }
        let _ = row;
        if !matches!(kind, "note" | "action" | "decision") {
            return Err(invalid("kind", "note, action or decision"));
        }
        let text = text.trim();
        if text.is_empty() || text.chars().count() > 20_000 {
            return Err(invalid("text", "write the entry (up to 20 000 characters)"));
        }
        let mut tx = self.store.begin().await?;
        store::incidents::add_entry(&mut tx, scope, id, kind, text).await?;
        tx.commit().await?;
        self.incident(scope, id).await
    }

    pub async fn add_incident_observable(
        &self,
        scope: &Scope,
        id: i64,
        o: &NewObservable,
    ) -> Result<IncidentDetail> {
        let row = self.incident_row(scope, id).await?;
        if scope.role == Role::Auditor {
            return Err(AppError::Forbidden(
                "auditors read, they do not write".into(),
            ));
        }
        let kind = match o.kind.as_deref().map(str::trim).filter(|k| !k.is_empty()) {
            Some(k) => Some(
                k.parse::<ObservableKind>()
                    .map_err(|e| invalid("kind", e))?,
            ),
            None => None,
        };
        let obs = Observable::parse(kind, &o.value).map_err(|e| invalid("value", e.to_string()))?;
        let tlp: Tlp = match o.tlp.as_deref() {
            Some(t) if !t.trim().is_empty() => t.parse().map_err(|e| invalid("tlp", e))?,
            _ => row.tlp.parse().unwrap_or(Tlp::Amber),
        };
        let role: ObservableRole = match o.role.as_deref() {
            Some(r) if !r.trim().is_empty() => r.parse().map_err(|e| invalid("role", e))?,
            _ => ObservableRole::Unknown,
        };
        let mut tx = self.store.begin().await?;
        store::incidents::add_observable(
            &mut tx,
            scope,
            id,
            obs.kind().as_str(),
            obs.value(),
            tlp.as_str(),
            role.as_str(),
            o.comment
                .as_deref()
                .map(str::trim)
                .filter(|c| !c.is_empty()),
        )
        .await?;
        tx.commit().await?;
        self.indicators_changed(crate::events::NewIndicators::Incident(id))
            .await;
        self.incident(scope, id).await
    }

    /// Records that the incident was reported to one of the national bodies
    /// that receive incident reports (by its code, e.g. `vncert`, `ncsc`).
    pub async fn escalate_incident(
        &self,
        scope: &Scope,
        id: i64,
        e: Escalation,
    ) -> Result<IncidentDetail> {
        if !scope.is_coordinator() {
            return Err(AppError::Forbidden(
                "the coordinator reports incidents to the national bodies".into(),
            ));
        }
        let row = self.incident_row(scope, id).await?;
        let bodies = self.bodies().await?;
        let Some(to) = bodies.recipient(e.to.trim()) else {
            return Err(invalid("to", format!("one of {}", bodies.codes())));
        };
        if e.channel.trim().is_empty() {
            return Err(invalid(
                "channel",
                "how it was reported (e-mail, phone, the national system …)",
            ));
        }
        let mut list: Vec<Escalation> = serde_json::from_str(&row.escalations).unwrap_or_default();
        // The history names the body as it was called on the day.
        let entry = format!(
            "reported to {} on {} by {}",
            to.short,
            e.on.format("%d/%m/%Y"),
            e.channel
        );
        list.push(e);
        let json = serde_json::to_string(&list).map_err(|e| AppError::Internal(e.to_string()))?;
        let mut tx = self.store.begin().await?;
        store::incidents::set_field(&mut tx, scope, id, "escalations", &json, &entry).await?;
        tx.commit().await?;
        self.incident(scope, id).await
    }

    fn export_parts(
        &self,
        d: &IncidentDetail,
    ) -> Result<(incident::IncidentExport, Vec<incident::ObservableExport>)> {
        let inc = incident::IncidentExport {
            id: format!("canhgac-incident-{}", d.row.id),
            title: d.row.title.clone(),
            description: d.report.description.clone(),
            class: d
                .row
                .class
                .parse::<IncidentClass>()
                .map_err(AppError::Internal)?,
            severity: d
                .row
                .severity
                .parse::<Severity>()
                .map_err(AppError::Internal)?,
            state: d
                .row
                .state
                .parse::<IncidentState>()
                .map_err(AppError::Internal)?,
            tlp: d.row.tlp.parse::<Tlp>().map_err(AppError::Internal)?,
            detected_at: d.row.detected_at,
            reported_at: d.row.reported_at,
            reporter_org: d.report.reporter_org.name.to_string(),
            system_name: d.report.system.as_ref().map(|s| s.name.to_string()),
            system_code: d
                .report
                .system
                .as_ref()
                .and_then(|s| s.code.as_ref().map(|c| c.to_string())),
        };
        let mut obs = Vec::new();
        for o in &d.observables {
            let kind = o
                .row
                .kind
                .parse::<ObservableKind>()
                .map_err(AppError::Internal)?;
            let parsed = Observable::parse(Some(kind), &o.row.value)
                .map_err(|e| AppError::Internal(e.to_string()))?;
            let mut e =
                incident::ObservableExport::new(parsed, o.row.tlp.parse().unwrap_or(Tlp::Amber));
            e.role = o.row.role.parse().unwrap_or(ObservableRole::Unknown);
            e.comment = o.row.comment.clone();
            e.first_seen = Some(o.row.added_at);
            obs.push(e);
        }
        Ok((inc, obs))
    }

    /// The incident as a STIX 2.1 bundle or a MISP event; TLP:RED stays out.
    pub async fn incident_export(
        &self,
        scope: &Scope,
        id: i64,
        format: &str,
        now: DateTime<Utc>,
    ) -> Result<Download> {
        let d = self.incident(scope, id).await?;
        let (inc, obs) = self.export_parts(&d)?;
        let options = incident::ExportOptions::default();
        let (value, name) = match format {
            "stix" => (
                incident::stix_bundle(&inc, &obs, now, &options),
                format!("incident-{id}.stix.json"),
            ),
            "misp" => (
                incident::misp_event(&inc, &obs, now, &options),
                format!("incident-{id}.misp.json"),
            ),
            other => return Err(invalid("format", format!("'{other}' is not stix or misp"))),
        };
        Ok(Download {
            file_name: name,
            content_type: "application/json",
            bytes: serde_json::to_vec_pretty(&value)
                .map_err(|e| AppError::Internal(e.to_string()))?,
        })
    }

    /// The initial report (Circular 20/2017) as an official document.
    pub async fn incident_report_docx(&self, scope: &Scope, id: i64) -> Result<Download> {
        let d = self.incident(scope, id).await?;
        let r = &d.report;
        let t = |dt: DateTime<Utc>| crate::registry::format_vn_time(dt);
        let contact = |c: &domain::Contact| {
            let mut parts = vec![c.name.to_string()];
            parts.extend(c.title.clone());
            parts.extend(c.phone.as_ref().map(|p| p.to_string()));
            parts.extend(c.email.as_ref().map(|e| e.as_str().to_string()));
            parts.join(", ")
        };
        let mut rows = vec![
            vec![
                "1. Đơn vị báo cáo".to_string(),
                r.reporter_org.name.to_string(),
            ],
            vec!["2. Người báo cáo".into(), contact(&r.reporter)],
            vec![
                "3. Người liên hệ".into(),
                r.contact.as_ref().map(contact).unwrap_or_default(),
            ],
            vec![
                "4. Đơn vị chủ quản".into(),
                r.owner_org
                    .as_ref()
                    .map(|o| o.name.to_string())
                    .unwrap_or_default(),
            ],
            vec![
                "5. Đơn vị vận hành".into(),
                r.operator_org
                    .as_ref()
                    .map(|o| o.name.to_string())
                    .unwrap_or_default(),
            ],
            vec![
                "6. Hệ thống bị sự cố".into(),
                r.system
                    .as_ref()
                    .map(|s| {
                        let mut v = s.name.to_string();
                        if let Some(l) = s.level {
                            v.push_str(&format!(" (cấp độ {l})"));
                        }
                        if !s.domains.is_empty() {
                            v.push_str(&format!(
                                "; tên miền: {}",
                                s.domains
                                    .iter()
                                    .map(|d| d.to_string())
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            ));
                        }
                        if !s.public_ips.is_empty() {
                            v.push_str(&format!(
                                "; IP: {}",
                                s.public_ips
                                    .iter()
                                    .map(|i| i.to_string())
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            ));
                        }
                        v
                    })
                    .unwrap_or_default(),
            ],
            vec![
                "7. Đơn vị cung cấp dịch vụ an toàn thông tin".into(),
                r.security_providers
                    .iter()
                    .map(|n| n.to_string())
                    .collect::<Vec<_>>()
                    .join(", "),
            ],
            vec![
                "8. Đơn vị cung cấp kết nối".into(),
                r.connectivity_providers
                    .iter()
                    .map(|n| n.to_string())
                    .collect::<Vec<_>>()
                    .join(", "),
            ],
            vec!["9. Mô tả sự cố".into(), r.description.clone()],
            vec!["10. Thời điểm phát hiện".into(), t(r.detected_at)],
            vec![
                "11. Phương thức phát hiện".into(),
                r.detection_method.clone().unwrap_or_default(),
            ],
            vec![
                "12. Tình trạng hiện tại".into(),
                r.reported_status.label_vi().into(),
            ],
            vec![
                "13. Biện pháp đã thực hiện".into(),
                r.measures_taken.clone().unwrap_or_default(),
            ],
            vec![
                "14. Hệ điều hành".into(),
                format!(
                    "{} {}",
                    r.os_name.clone().unwrap_or_default(),
                    r.os_version.clone().unwrap_or_default()
                )
                .trim()
                .to_string(),
            ],
            vec![
                "15. Các dịch vụ công khai".into(),
                r.public_services.join(", "),
            ],
            vec![
                "16. Phân loại, mức độ".into(),
                format!("{}; {}", r.class.label_vi(), r.severity.label_vi()),
            ],
            vec![
                "17. Thông tin khác".into(),
                r.other_info.clone().unwrap_or_default(),
            ],
        ];
        // Items left empty are left out, and the rest numbered again so
        // that the numbers run without gaps.
        rows.retain(|r| !r[1].trim().is_empty() || r[0].starts_with("9."));
        renumber(&mut rows);
        let doc = docgen::OfficialDocument {
            // The report is the reporting organisation's own.
            letterhead: self.reporter_letterhead(r.reporter_org.id).await?,
            kind: "BÁO CÁO BAN ĐẦU SỰ CỐ".into(),
            title: r.title.to_string(),
            summary: None,
            recipients: self.incident_recipient_names().await?,
            body: vec![
                docgen::Block::Paragraph(format!(
                    "Báo cáo ban đầu sự cố an toàn thông tin mạng theo Thông tư 20/2017/TT-BTTTT. Thời điểm báo cáo: {}.",
                    t(d.row.reported_at)
                )),
                docgen::Block::Table(docgen::Table {
                    columns: vec!["Nội dung".into(), "Thông tin".into()],
                    rows,
                    widths: Some(vec![35, 65]),
                }),
            ],
            recipients_for_filing: vec!["Như trên;".into(), "Lưu: VT.".into()],
            signature: docgen::Signature {
                capacity: vec!["GIÁM ĐỐC".into()],
                signer: String::new(),
            },
        };
        Ok(Download {
            file_name: format!("bao-cao-ban-dau-su-co-{id}.docx"),
            content_type: DOCX,
            bytes: doc
                .to_docx()
                .map_err(|e| AppError::Internal(e.to_string()))?,
        })
    }
}

impl App {
    /// The letterhead of the organisation that reports (the coordinator's
    /// if the form names none that exists).
    pub(crate) async fn reporter_letterhead(&self, org: Option<i64>) -> Result<docgen::Letterhead> {
        if let Some(org) = org {
            if let Ok(letterhead) = self.letterhead_of(org).await {
                return Ok(letterhead);
            }
        }
        self.letterhead().await
    }

    /// A person as documents name them: the account's display name for a
    /// log-in name, else the text as written.
    pub(crate) async fn person_name(&self, username: &str) -> String {
        match store::auth::find_for_login(&mut self.store.conn(), username).await {
            Ok(Some((user, _))) if !user.display_name.trim().is_empty() => user.display_name,
            _ => username.to_string(),
        }
    }
}

/// Numbers the items "1. …", "2. …" in order, whatever numbers they had.
pub(crate) fn renumber(rows: &mut [Vec<String>]) {
    for (i, row) in rows.iter_mut().enumerate() {
        if let Some(label) = row.first_mut() {
            let text = match label.split_once(". ") {
                Some((n, rest)) if n.chars().all(|c| c.is_ascii_digit()) => rest.to_string(),
                _ => label.clone(),
            };
            *label = format!("{}. {text}", i + 1);
        }
    }
}
