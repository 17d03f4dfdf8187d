//! The only crate that speaks SQL. One set of queries serves SQLite (embedded,
//! the default) and PostgreSQL; the two differ only in their migration files.
//!
//! Every read of tenant data takes the acting [`domain::Scope`] and filters by
//! it here, so a caller cannot forget the filter. Every write appends an audit
//! record in the same transaction.

pub mod assets;
pub mod attachments;
pub mod audit;
pub mod audit_files;
pub mod auth;
pub mod botnet;
mod db;
pub mod directives;
pub mod duty;
pub mod incident_response;
pub mod incidents;
pub mod indicator_feeds;
pub mod indicators;
pub mod monitoring;
pub mod monitoring_figures;
pub mod notifications;
pub mod orgs;
pub mod periodic;
pub mod rule_switches;
pub mod settings;
pub mod systems;
pub mod todo;
pub mod vuln_match;
pub mod vulns;

pub use audit_files::AuditFiles;
pub use db::{Backend, Conn, Store, Tx};

/// What can go wrong talking to the database.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Db(#[from] sqlx::Error),
    /// A row the code cannot read back: someone edited the table by hand.
    #[error("stored data is corrupt in {table} #{id}: {reason}")]
    Corrupt {
        table: &'static str,
        id: i64,
        reason: String,
    },
    /// A unique key already holds this value.
    #[error("{0} already exists")]
    Duplicate(String),
    #[error("cannot open the database: {0}")]
    Open(String),
    /// The audit key or checkpoint cannot be used, or the chain refuses an
    /// upgrade or a new key because it is broken.
    #[error("audit log: {0}")]
    Audit(String),
}

impl StoreError {
    /// Turns a unique-constraint violation into a message naming the value.
    pub(crate) fn from_insert(e: sqlx::Error, what: impl FnOnce() -> String) -> Self {
        match &e {
            sqlx::Error::Database(d) if d.is_unique_violation() => StoreError::Duplicate(what()),
            _ => StoreError::Db(e),
        }
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// A page of a keyset-paginated list: `next` is the cursor for the next page.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next: Option<i64>,
    /// For lists sorted by something other than the id: the cursor to pass
    /// back as `after_key`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_key: Option<String>,
}

impl<T> Page<T> {
    /// Builds a page from up to `limit + 1` rows: the extra row only says that
    /// there is more.
    pub(crate) fn from_rows(mut items: Vec<T>, limit: i64, id_of: impl Fn(&T) -> i64) -> Self {
        let more = items.len() as i64 > limit;
        if more {
            items.truncate(limit as usize);
        }
        let next = if more { items.last().map(&id_of) } else { None };
        Page {
            items,
            next,
            next_key: None,
        }
    }
}

pub(crate) fn to_json<T: serde::Serialize + ?Sized>(v: &T) -> String {
    serde_json::to_string(v).expect("serialising plain data to JSON cannot fail")
}

pub(crate) fn from_json<T: serde::de::DeserializeOwned>(
    table: &'static str,
    id: i64,
    text: &str,
) -> Result<T> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt {
        table,
        id,
        reason: e.to_string(),
    })
}

pub(crate) fn parse_col<T: std::str::FromStr<Err = String>>(
    table: &'static str,
    id: i64,
    text: &str,
) -> Result<T> {
    text.parse()
        .map_err(|reason| StoreError::Corrupt { table, id, reason })
}
