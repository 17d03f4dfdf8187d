//! The use cases of canhgac. The web server and the command line call these
//! and nothing else; each takes the acting [`Scope`] and decides what it may
//! do before the store is touched.

pub mod accounts;
pub mod botnet;
pub mod botnet_report;
pub mod dashboard;
pub mod demo_seed;
pub mod directive_matrix;
pub mod directives;
pub mod duty;
pub mod event_files;
pub mod events;
pub mod hunt;
pub mod hunt_extra;
pub mod hunt_input;
mod hunt_read;
pub mod incident_response;
pub mod incidents;
pub mod indicator_feeds;
pub mod monitoring;
pub mod monitoring_figures;
pub mod national;
pub mod notices;
pub mod period_activity;
pub mod periodic_report;
pub mod pipeline;
pub mod registry;
pub mod rule_cache;
pub mod rule_switches;
pub mod ship;
pub mod transfer;
pub mod vulns;
pub mod vulns_match;
pub mod vulns_records;
pub mod vulns_report;
mod vulns_update;

use domain::{FieldErrors, PasswordPolicy, Scope};
use store::{Store, StoreError};

pub use incident;
pub use netmatch;
pub use notify;
pub use roster;
pub use sheets;
pub use store;
pub use vulnmatch;

/// Settings that shape the use cases.
#[derive(Debug, Clone)]
pub struct Config {
    pub password_policy: PasswordPolicy,
    /// A session ends after this long without a request.
    pub session_idle: chrono::Duration,
    /// A session ends this long after sign-in, however active.
    pub session_absolute: chrono::Duration,
    /// Roles whose accounts must use a TOTP second factor.
    pub totp_required_roles: Vec<domain::Role>,
    pub notify: NotifyConfig,
    /// Days to fix a finding per priority, for systems of security level 1–5
    /// (index 0 is level 1).
    pub vuln_sla: [vulnmatch::priority::Sla; 5],
    /// Largest incident evidence file accepted, in bytes.
    pub evidence_max_bytes: u64,
    /// The monitoring pipeline: rules, queue, workers.
    pub monitoring: pipeline::MonitoringConfig,
}

/// Where notifications go. Messages are queued only for the channels
/// configured when the event happens.
#[derive(Debug, Clone)]
pub struct NotifyConfig {
    /// The console's address as users reach it, for links in messages.
    pub public_url: String,
    /// The mail server e-mail goes through; none means no e-mail is queued.
    pub smtp: Option<notify::SmtpConfig>,
    /// A URL that receives every message as JSON (e.g. a chat bridge).
    pub webhook: Option<String>,
    /// Signs webhook bodies (HMAC-SHA256) so the receiver can trust them.
    pub webhook_secret: Option<String>,
    /// How often the server looks for messages to deliver.
    pub delivery_interval: std::time::Duration,
}

impl Default for NotifyConfig {
    fn default() -> Self {
        NotifyConfig {
            public_url: "http://127.0.0.1:8080".into(),
            smtp: None,
            webhook: None,
            webhook_secret: None,
            delivery_interval: std::time::Duration::from_secs(10),
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            password_policy: PasswordPolicy::default(),
            session_idle: chrono::Duration::minutes(30),
            session_absolute: chrono::Duration::hours(12),
            totp_required_roles: Vec::new(),
            notify: NotifyConfig::default(),
            vuln_sla: [vulns::default_sla(); 5],
            evidence_max_bytes: 50 * 1024 * 1024,
            monitoring: pipeline::MonitoringConfig::default(),
        }
    }
}

/// Everything the use cases need. Cheap to clone.
#[derive(Clone)]
pub struct App {
    pub store: Store,
    pub config: Config,
    /// The coordinating organisation's id, read once: it decides an
    /// auditor's reach ([`domain::Reach::of`]).
    coordinating: std::sync::Arc<std::sync::OnceLock<i64>>,
    /// The monitoring pipeline, once started ([`App::start_monitoring`]).
    monitor: std::sync::Arc<std::sync::OnceLock<pipeline::Pipeline>>,
    /// Kept events and the pipeline's indicators ([`events`]), once started.
    events: std::sync::Arc<std::sync::OnceLock<std::sync::Arc<events::Live>>>,
}

/// Why a use case refused or failed. The HTTP and CLI edges turn these into
/// status codes and messages; `Internal` details are logged, never shown.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Absent, or not visible to the caller: the two are indistinguishable on purpose.
    #[error("not found")]
    NotFound,
    #[error("not allowed: {0}")]
    Forbidden(String),
    #[error("invalid input: {0}")]
    Invalid(FieldErrors),
    #[error("{0}")]
    Conflict(String),
    /// An upload over its configured limit.
    #[error("{0}")]
    TooLarge(String),
    #[error("sign-in required")]
    Unauthenticated,
    /// The monitoring pipeline is full: send again later.
    #[error("busy: send again later")]
    Busy,
    #[error("the account is locked until {until}")]
    Locked {
        until: chrono::DateTime<chrono::Utc>,
    },
    /// Too many failed sign-ins from this place under this name (or from
    /// this place at all): try again after `until`.
    #[error("too many failed sign-ins; try again after {until}")]
    Throttled {
        until: chrono::DateTime<chrono::Utc>,
    },
    #[error("the password must be changed first")]
    PasswordChangeRequired,
    #[error("the second factor (TOTP code) is required")]
    SecondFactorRequired,
    #[error("a second factor must be set up first")]
    SecondFactorEnrolmentRequired,
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Duplicate(what) => AppError::Conflict(format!("{what} already exists")),
            other => AppError::Internal(other.to_string()),
        }
    }
}

impl From<FieldErrors> for AppError {
    fn from(e: FieldErrors) -> Self {
        AppError::Invalid(e)
    }
}

pub type Result<T, E = AppError> = std::result::Result<T, E>;

pub(crate) fn invalid(field: &str, reason: impl Into<String>) -> AppError {
    let mut e = FieldErrors::default();
    e.push(field, reason);
    AppError::Invalid(e)
}

impl App {
    pub fn new(store: Store, config: Config) -> Self {
        App {
            store,
            config,
            coordinating: Default::default(),
            monitor: Default::default(),
            events: Default::default(),
        }
    }

    /// The scope of background work and set-up, acting for the coordinator.
    pub async fn system_scope(&self) -> Result<Scope> {
        Ok(Scope::system(self.coordinating_org().await?))
    }

    /// The coordinating organisation's id (read from the store once).
    pub async fn coordinating_org(&self) -> Result<i64> {
        if let Some(id) = self.coordinating.get() {
            return Ok(*id);
        }
        let id = store::orgs::coordinator_id(&mut self.store.conn())
            .await?
            .ok_or_else(|| {
                AppError::Conflict(
                    "the database is empty: start `canhgac serve` once (or run `canhgac demo`) to set up the coordinating organisation".into(),
                )
            })?;
        Ok(*self.coordinating.get_or_init(|| id))
    }

    /// The coordinating organisation's name, for the console's header (the
    /// Department and its province, as the installation names them).
    pub async fn department_name(&self) -> Result<String> {
        let id = self.coordinating_org().await?;
        Ok(
            store::orgs::get(&mut self.store.conn(), &Scope::system(id), id)
                .await?
                .map(|o| o.data.name.to_string())
                .unwrap_or_default(),
        )
    }

    /// The audit log, newest first, as far as the scope may read it.
    pub async fn audit_log(
        &self,
        scope: &Scope,
        filter: &store::audit::AuditFilter,
    ) -> Result<store::Page<domain::audit::AuditRecord>> {
        accounts::require_administration(scope)?;
        Ok(store::audit::list(&self.store, scope, filter).await?)
    }

    /// The code of a system the scope may see (`None` if gone or not
    /// visible); a failure of the store is an error.
    pub(crate) async fn system_code(&self, scope: &Scope, id: i64) -> Result<Option<String>> {
        visible(
            self.system(scope, id)
                .await
                .map(|s| s.data.code.to_string()),
        )
    }

    /// The host name of an asset the scope may see, as [`App::system_code`].
    pub(crate) async fn asset_host(&self, scope: &Scope, id: i64) -> Result<Option<String>> {
        visible(
            self.asset(scope, id)
                .await
                .map(|a| a.data.hostname.to_string()),
        )
    }

    /// What the audit records name, by the names people know them by: an
    /// organisation by its short name, a system by its code, an asset by
    /// its host name, an account by its user name; keyed by (entity, id).
    /// A record the caller may not see any more, or one deleted since, is
    /// left out (the page shows its number).
    pub async fn audit_subjects(
        &self,
        scope: &Scope,
        records: &[domain::audit::AuditRecord],
    ) -> Result<std::collections::HashMap<(String, i64), String>> {
        accounts::require_administration(scope)?;
        let mut out = std::collections::HashMap::new();
        let orgs = self.org_labels().await?;
        for r in records {
            let Some(id) = r.entity_id else { continue };
            let key = (r.entity.clone(), id);
            if out.contains_key(&key) {
                continue;
            }
            let name = match r.entity.as_str() {
                "org" => orgs.get(&id).map(|(code, _)| code.clone()),
                "system" => self.system_code(scope, id).await?,
                "asset" => self.asset_host(scope, id).await?,
                "user" => store::auth::get(&mut self.store.conn(), scope, id)
                    .await?
                    .map(|u| u.username),
                _ => None,
            };
            if let Some(name) = name {
                out.insert(key, name);
            }
        }
        Ok(out)
    }

    /// Recomputes the audit chain and compares its head with the checkpoint
    /// kept outside the database. Reading the whole chain is for the province.
    pub async fn verify_audit(&self, scope: &Scope) -> Result<store::audit::ChainReport> {
        self.verify_audit_against(scope, None).await
    }

    /// Like [`App::verify_audit`], also against a head a person wrote down.
    pub async fn verify_audit_against(
        &self,
        scope: &Scope,
        expected: Option<&domain::audit::Anchor>,
    ) -> Result<store::audit::ChainReport> {
        if !scope.sees_province() {
            return Err(AppError::Forbidden(
                "only the coordinator and auditors verify the audit chain".into(),
            ));
        }
        Ok(store::audit::verify(&self.store, expected).await?)
    }

    /// Re-chains the audit log under a new key after verifying it under the
    /// current one; the coordinator's (or the system's) to do.
    pub async fn rotate_audit_key(&self, scope: &Scope) -> Result<store::audit::Rechained> {
        if !(scope.sees_province() && scope.role == domain::Role::Coordinator) {
            return Err(AppError::Forbidden(
                "only the coordinator rotates the audit key".into(),
            ));
        }
        store::audit::rotate_key(&self.store, scope)
            .await
            .map_err(|e| match e {
                StoreError::Audit(m) => AppError::Conflict(m),
                other => other.into(),
            })
    }

    /// A consistent copy of the embedded database.
    pub async fn backup(&self, dest: &std::path::Path) -> Result<()> {
        self.store
            .backup_sqlite(dest)
            .await
            .map_err(|e| AppError::Conflict(e.to_string()))
    }
}

/// A record that is gone or not visible to the caller is `None`; any other
/// failure stays an error.
fn visible<T>(r: Result<T>) -> Result<Option<T>> {
    match r {
        Ok(v) => Ok(Some(v)),
        Err(AppError::NotFound | AppError::Forbidden(_)) => Ok(None),
        Err(e) => Err(e),
    }
}
