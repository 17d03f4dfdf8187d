//! One handle over either backend, and the few generic ways queries run.

use crate::audit_files::{AuditCtx, AuditFiles};
use crate::{Result, StoreError};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions, PgRow};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteRow};
use sqlx::{FromRow, PgPool, Postgres, Sqlite, SqlitePool, Transaction};
use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Mutex, OwnedMutexGuard};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Clone)]
enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// The database. Cheap to clone.
#[derive(Clone)]
pub struct Store {
    pool: Pool,
    /// SQLite allows one writer; serialising writers in-process avoids
    /// SQLITE_BUSY between our own connections.
    write_lock: Arc<Mutex<()>>,
    /// The audit chain's key and checkpoint, read from files when opened.
    pub(crate) audit: Arc<AuditCtx>,
}

/// A bound query argument. Both backends bind the same values.
#[derive(Debug, Clone)]
pub(crate) enum Arg {
    Int(Option<i64>),
    Text(Option<String>),
    Bool(bool),
    Time(Option<chrono::DateTime<chrono::Utc>>),
    Date(Option<chrono::NaiveDate>),
    Real(Option<f64>),
    Bytes(Vec<u8>),
}

impl From<Vec<u8>> for Arg {
    fn from(v: Vec<u8>) -> Arg {
        Arg::Bytes(v)
    }
}

impl From<Option<f64>> for Arg {
    fn from(v: Option<f64>) -> Self {
        Arg::Real(v)
    }
}

impl From<i64> for Arg {
    fn from(v: i64) -> Self {
        Arg::Int(Some(v))
    }
}
impl From<Option<i64>> for Arg {
    fn from(v: Option<i64>) -> Self {
        Arg::Int(v)
    }
}
impl From<&str> for Arg {
    fn from(v: &str) -> Self {
        Arg::Text(Some(v.to_string()))
    }
}
impl From<String> for Arg {
    fn from(v: String) -> Self {
        Arg::Text(Some(v))
    }
}
impl From<Option<String>> for Arg {
    fn from(v: Option<String>) -> Self {
        Arg::Text(v)
    }
}
impl From<Option<&str>> for Arg {
    fn from(v: Option<&str>) -> Self {
        Arg::Text(v.map(str::to_string))
    }
}
impl From<bool> for Arg {
    fn from(v: bool) -> Self {
        Arg::Bool(v)
    }
}
impl From<chrono::DateTime<chrono::Utc>> for Arg {
    fn from(v: chrono::DateTime<chrono::Utc>) -> Self {
        Arg::Time(Some(v))
    }
}
impl From<Option<chrono::DateTime<chrono::Utc>>> for Arg {
    fn from(v: Option<chrono::DateTime<chrono::Utc>>) -> Self {
        Arg::Time(v)
    }
}
impl From<Option<chrono::NaiveDate>> for Arg {
    fn from(v: Option<chrono::NaiveDate>) -> Self {
        Arg::Date(v)
    }
}

/// `args![a, b, c]` builds the argument list for `$1, $2, $3`.
macro_rules! args {
    ($($a:expr),* $(,)?) => { vec![$($crate::db::Arg::from($a)),*] };
}
pub(crate) use args;

/// SQL text with numbered placeholders built up piece by piece, for queries
/// whose filters depend on the request.
#[derive(Debug, Default)]
pub(crate) struct Sql {
    pub text: String,
    pub args: Vec<Arg>,
}

impl Sql {
    pub fn new(text: &str) -> Self {
        Sql {
            text: text.to_string(),
            args: Vec::new(),
        }
    }
    /// Appends text, replacing each `?` with the next numbered placeholder.
    pub fn push(&mut self, fragment: &str, args: Vec<Arg>) -> &mut Self {
        let mut it = args.into_iter();
        for ch in fragment.chars() {
            if ch == '?' {
                let a = it.next().expect("one argument per placeholder");
                self.args.push(a);
                self.text.push('$');
                push_decimal(&mut self.text, self.args.len());
            } else {
                self.text.push(ch);
            }
        }
        assert!(it.next().is_none(), "more arguments than placeholders");
        self
    }
    /// Appends one row of a multi-row `VALUES` list, a placeholder per
    /// argument: `(?,…)`, after a comma unless it is the `first`.
    pub fn push_row(&mut self, first: bool, args: Vec<Arg>) -> &mut Self {
        let mut row = String::with_capacity(args.len() * 2 + 2);
        if !first {
            row.push(',');
        }
        row.push('(');
        for i in 0..args.len() {
            row.push_str(if i == 0 { "?" } else { ",?" });
        }
        row.push(')');
        self.push(&row, args)
    }
}

/// Appends `n` in decimal. Multi-row inserts number thousands of
/// placeholders per statement; going through `format!` for each showed up
/// in profiles of list imports.
fn push_decimal(out: &mut String, mut n: usize) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for &d in &digits[i..] {
        out.push(d as char);
    }
}

/// The separator inside a sort cursor: a control character no name holds.
pub(crate) const KEY_SEP: char = '\u{1f}';

/// Orders a list by a text column, ties broken by id, starting after
/// `cursor` (made by [`text_cursor`]). Returns the ORDER BY clause.
pub(crate) fn order_by_text(
    q: &mut Sql,
    column: &str,
    id_column: &str,
    cursor: Option<&str>,
) -> String {
    if let Some((value, id)) = cursor.and_then(|k| k.split_once(KEY_SEP)) {
        let id: i64 = id.parse().unwrap_or(i64::MAX);
        q.push(
            &format!(" AND ({column} > ? OR ({column} = ? AND {id_column} > ?))"),
            args![value, value, id],
        );
    }
    format!("{column}, {id_column}")
}

pub(crate) fn text_cursor(value: &str, id: i64) -> String {
    format!("{value}{KEY_SEP}{id}")
}

/// Row types readable from both backends.
pub(crate) trait Rowed:
    for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin
{
}
impl<T> Rowed for T where
    T: for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin
{
}

macro_rules! bind_all {
    ($q:expr, $args:expr) => {{
        let mut q = $q;
        for a in $args {
            q = match a {
                Arg::Int(v) => q.bind(v),
                Arg::Text(v) => q.bind(v),
                Arg::Bool(v) => q.bind(v),
                Arg::Time(v) => q.bind(v),
                Arg::Date(v) => q.bind(v),
                Arg::Real(v) => q.bind(v),
                Arg::Bytes(v) => q.bind(v),
            };
        }
        q
    }};
}

/// Runs `$body` with `$c` bound to the executor of whichever backend `$conn` is.
macro_rules! on_conn {
    ($conn:expr, $sql:ident, $c:ident => $body:expr) => {
        match $conn {
            Conn::SqlitePool(p) => {
                let $c = *p;
                let $sql: &str = &sqlite_positional($sql);
                $body
            }
            Conn::PgPool(p) => {
                let $c = *p;
                $body
            }
            Conn::SqliteTx(t) => {
                let $c = &mut **t;
                let $sql: &str = &sqlite_positional($sql);
                $body
            }
            Conn::PgTx(t) => {
                let $c = &mut **t;
                $body
            }
        }
    };
}

/// Where queries run: the pool (reads) or an open transaction (writes).
pub enum Conn<'a> {
    SqlitePool(&'a SqlitePool),
    PgPool(&'a PgPool),
    SqliteTx(&'a mut sqlx::SqliteConnection),
    PgTx(&'a mut sqlx::PgConnection),
}

/// SQLite looks a named parameter up by walking a list, so a statement with
/// thousands of `$n` costs quadratic time to bind. When the placeholders run
/// `$1, $2, …` once each in order, plain `?` binds the same way in linear time.
fn sqlite_positional(sql: &str) -> std::borrow::Cow<'_, str> {
    let bytes = sql.as_bytes();
    let mut out = String::with_capacity(sql.len());
    let mut expected = 1usize;
    let mut last = 0;
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'$' {
            let start = i + 1;
            let mut end = start;
            while end < bytes.len() && bytes[end].is_ascii_digit() {
                end += 1;
            }
            if end > start {
                match sql[start..end].parse::<usize>() {
                    Ok(n) if n == expected => {
                        out.push_str(&sql[last..i]);
                        out.push('?');
                        last = end;
                        expected += 1;
                    }
                    _ => return std::borrow::Cow::Borrowed(sql),
                }
                i = end;
                continue;
            }
        }
        i += 1;
    }
    if expected == 1 {
        return std::borrow::Cow::Borrowed(sql);
    }
    out.push_str(&sql[last..]);
    std::borrow::Cow::Owned(out)
}

impl Conn<'_> {
    pub(crate) async fn execute(&mut self, sql: &str, args: Vec<Arg>) -> Result<u64> {
        Ok(
            on_conn!(self, sql, c => bind_all!(sqlx::query(sql), args).execute(c).await?.rows_affected()),
        )
    }
    pub(crate) async fn fetch_all<T: Rowed>(
        &mut self,
        sql: &str,
        args: Vec<Arg>,
    ) -> Result<Vec<T>> {
        Ok(
            on_conn!(self, sql, c => bind_all!(sqlx::query_as::<_, T>(sql), args).fetch_all(c).await?),
        )
    }
    pub(crate) async fn fetch_optional<T: Rowed>(
        &mut self,
        sql: &str,
        args: Vec<Arg>,
    ) -> Result<Option<T>> {
        Ok(
            on_conn!(self, sql, c => bind_all!(sqlx::query_as::<_, T>(sql), args).fetch_optional(c).await?),
        )
    }
    pub(crate) async fn fetch_one<T: Rowed>(&mut self, sql: &str, args: Vec<Arg>) -> Result<T> {
        Ok(
            on_conn!(self, sql, c => bind_all!(sqlx::query_as::<_, T>(sql), args).fetch_one(c).await?),
        )
    }
    /// Like execute, but hands back the raw error so callers can recognise
    /// constraint violations.
    pub(crate) async fn execute_raw(
        &mut self,
        sql: &str,
        args: Vec<Arg>,
    ) -> Result<u64, sqlx::Error> {
        Ok(
            on_conn!(self, sql, c => bind_all!(sqlx::query(sql), args).execute(c).await?.rows_affected()),
        )
    }
    pub(crate) async fn fetch_one_raw<T: Rowed>(
        &mut self,
        sql: &str,
        args: Vec<Arg>,
    ) -> Result<T, sqlx::Error> {
        on_conn!(self, sql, c => bind_all!(sqlx::query_as::<_, T>(sql), args).fetch_one(c).await)
    }
}

/// A single-column row, for `SELECT count(*)` and `RETURNING id`.
#[derive(sqlx::FromRow)]
pub(crate) struct One<T>(pub T);

const SQLITE_MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("../migrations/sqlite/0001_registry.sql")),
    (
        2,
        include_str!("../migrations/sqlite/0002_second_factor.sql"),
    ),
    (3, include_str!("../migrations/sqlite/0003_botnet.sql")),
    (
        4,
        include_str!("../migrations/sqlite/0004_botnet_followup.sql"),
    ),
    (5, include_str!("../migrations/sqlite/0005_vulns.sql")),
    (6, include_str!("../migrations/sqlite/0006_duty.sql")),
    (7, include_str!("../migrations/sqlite/0007_incidents.sql")),
    (8, include_str!("../migrations/sqlite/0008_directives.sql")),
    (9, include_str!("../migrations/sqlite/0009_unevaluable.sql")),
    (
        10,
        include_str!("../migrations/sqlite/0010_incident_response.sql"),
    ),
    (
        11,
        include_str!("../migrations/sqlite/0011_attachments.sql"),
    ),
    (
        12,
        include_str!("../migrations/sqlite/0012_login_throttle.sql"),
    ),
    (
        13,
        include_str!("../migrations/sqlite/0013_asset_hardware.sql"),
    ),
    (
        14,
        include_str!("../migrations/sqlite/0014_cvss_as_written.sql"),
    ),
    (
        15,
        include_str!("../migrations/sqlite/0015_vuln_match_form.sql"),
    ),
    (16, include_str!("../migrations/sqlite/0016_monitoring.sql")),
    (
        17,
        include_str!("../migrations/sqlite/0017_monitoring_batches.sql"),
    ),
    (
        18,
        include_str!("../migrations/sqlite/0018_ingest_keys.sql"),
    ),
    (
        20,
        include_str!("../migrations/sqlite/0020_rule_switches.sql"),
    ),
    (
        21,
        include_str!("../migrations/sqlite/0021_national_bodies.sql"),
    ),
    (
        22,
        include_str!("../migrations/sqlite/0022_match_digest.sql"),
    ),
    (
        23,
        include_str!("../migrations/sqlite/0023_indicator_feeds.sql"),
    ),
    (
        24,
        include_str!("../migrations/sqlite/0024_warning_issuer.sql"),
    ),
    (
        25,
        include_str!("../migrations/sqlite/0025_match_at_scale.sql"),
    ),
    (
        26,
        include_str!("../migrations/sqlite/0026_vuln_texts_in_use.sql"),
    ),
];
const POSTGRES_MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("../migrations/postgres/0001_registry.sql")),
    (
        2,
        include_str!("../migrations/postgres/0002_second_factor.sql"),
    ),
    (3, include_str!("../migrations/postgres/0003_botnet.sql")),
    (
        4,
        include_str!("../migrations/postgres/0004_botnet_followup.sql"),
    ),
    (5, include_str!("../migrations/postgres/0005_vulns.sql")),
    (6, include_str!("../migrations/postgres/0006_duty.sql")),
    (7, include_str!("../migrations/postgres/0007_incidents.sql")),
    (
        8,
        include_str!("../migrations/postgres/0008_directives.sql"),
    ),
    (
        9,
        include_str!("../migrations/postgres/0009_unevaluable.sql"),
    ),
    (
        10,
        include_str!("../migrations/postgres/0010_incident_response.sql"),
    ),
    (
        11,
        include_str!("../migrations/postgres/0011_attachments.sql"),
    ),
    (
        12,
        include_str!("../migrations/postgres/0012_login_throttle.sql"),
    ),
    (
        13,
        include_str!("../migrations/postgres/0013_asset_hardware.sql"),
    ),
    (
        14,
        include_str!("../migrations/postgres/0014_cvss_as_written.sql"),
    ),
    (
        15,
        include_str!("../migrations/postgres/0015_vuln_match_form.sql"),
    ),
    (
        16,
        include_str!("../migrations/postgres/0016_monitoring.sql"),
    ),
    (
        17,
        include_str!("../migrations/postgres/0017_monitoring_batches.sql"),
    ),
    (
        18,
        include_str!("../migrations/postgres/0018_ingest_keys.sql"),
    ),
    (
        20,
        include_str!("../migrations/postgres/0020_rule_switches.sql"),
    ),
    (
        21,
        include_str!("../migrations/postgres/0021_national_bodies.sql"),
    ),
    (
        22,
        include_str!("../migrations/postgres/0022_match_digest.sql"),
    ),
    (
        23,
        include_str!("../migrations/postgres/0023_indicator_feeds.sql"),
    ),
    (
        24,
        include_str!("../migrations/postgres/0024_warning_issuer.sql"),
    ),
    (
        25,
        include_str!("../migrations/postgres/0025_match_at_scale.sql"),
    ),
    (
        26,
        include_str!("../migrations/postgres/0026_vuln_texts_in_use.sql"),
    ),
];

impl Store {
    /// Opens (creating if needed) the embedded database in `dir`, with the
    /// audit key in `dir/audit.key` (created at first start).
    pub async fn open_sqlite_dir(dir: &Path) -> Result<Store> {
        Self::open_sqlite_dir_with(dir, AuditFiles::in_dir(dir)).await
    }

    /// Like [`Store::open_sqlite_dir`], with the audit key where `audit` says.
    pub async fn open_sqlite_dir_with(dir: &Path, audit: AuditFiles) -> Result<Store> {
        std::fs::create_dir_all(dir)
            .map_err(|e| StoreError::Open(format!("{}: {e}", dir.display())))?;
        let file = dir.join("canhgac.db");
        let opts = SqliteConnectOptions::new()
            .filename(&file)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(sqlx::sqlite::SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10))
            // 64 MiB of page cache per connection (SQLite's default is 2 MiB):
            // a million-row list inserted under a random-order index (the
            // listed address) otherwise spends most of its time re-reading pages.
            .pragma("cache_size", "-65536");
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(opts)
            .await?;
        let db = format!(
            "sqlite:{}",
            std::fs::canonicalize(dir)
                .unwrap_or_else(|_| dir.to_path_buf())
                .display()
        );
        let store = Store {
            pool: Pool::Sqlite(pool),
            write_lock: Arc::new(Mutex::new(())),
            audit: Arc::new(AuditCtx::new(audit, db, crate::audit_files::generate_key())),
        };
        store.migrate().await?;
        crate::audit::open_chain(&store).await?;
        Ok(store)
    }

    /// Connects to PostgreSQL (`postgres://…`), with the audit key in
    /// `./canhgac-data/audit.key`, the command line's default data folder.
    pub async fn open_postgres(url: &str) -> Result<Store> {
        Self::open_postgres_with(url, AuditFiles::in_dir(Path::new("canhgac-data"))).await
    }

    /// Like [`Store::open_postgres`], with the audit key where `audit` says.
    pub async fn open_postgres_with(url: &str, audit: AuditFiles) -> Result<Store> {
        let opts = PgConnectOptions::from_str(url)
            .map_err(|e| StoreError::Open(format!("bad database URL: {e}")))?;
        let db = format!(
            "postgres://{}:{}/{}",
            opts.get_host(),
            opts.get_port(),
            opts.get_database().unwrap_or("")
        );
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(opts)
            .await?;
        let store = Store {
            pool: Pool::Postgres(pool),
            write_lock: Arc::new(Mutex::new(())),
            audit: Arc::new(AuditCtx::new(audit, db, crate::audit_files::generate_key())),
        };
        store.migrate().await?;
        crate::audit::open_chain(&store).await?;
        Ok(store)
    }

    pub fn backend(&self) -> Backend {
        match self.pool {
            Pool::Sqlite(_) => Backend::Sqlite,
            Pool::Postgres(_) => Backend::Postgres,
        }
    }

    /// Reads run on the pool.
    pub fn conn(&self) -> Conn<'_> {
        match &self.pool {
            Pool::Sqlite(p) => Conn::SqlitePool(p),
            Pool::Postgres(p) => Conn::PgPool(p),
        }
    }

    async fn migrate(&self) -> Result<()> {
        let (migrations, lock) = match self.pool {
            Pool::Sqlite(_) => (SQLITE_MIGRATIONS, None),
            // Several servers may start at once against one database.
            Pool::Postgres(_) => (
                POSTGRES_MIGRATIONS,
                Some("SELECT pg_advisory_xact_lock(7310001)"),
            ),
        };
        let mut tx = self.begin().await?;
        if let Some(l) = lock {
            tx.conn().execute(l, vec![]).await?;
        }
        tx.conn()
            .execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY)",
                vec![],
            )
            .await?;
        let done: Vec<One<i64>> = tx
            .conn()
            .fetch_all("SELECT version FROM schema_migrations", vec![])
            .await?;
        for (version, sql) in migrations {
            if done.iter().any(|d| d.0 == *version) {
                continue;
            }
            match &mut tx.inner {
                TxInner::Sqlite(t) => {
                    sqlx::raw_sql(sql).execute(&mut **t).await?;
                }
                TxInner::Postgres(t) => {
                    sqlx::raw_sql(sql).execute(&mut **t).await?;
                }
            }
            tx.conn()
                .execute(
                    "INSERT INTO schema_migrations (version) VALUES ($1)",
                    args![*version],
                )
                .await?;
        }
        tx.commit().await
    }

    /// Starts a write transaction.
    pub async fn begin(&self) -> Result<Tx> {
        match &self.pool {
            Pool::Sqlite(p) => {
                let guard = self.write_lock.clone().lock_owned().await;
                // IMMEDIATE takes the write lock now, so another process
                // (the CLI beside a running server) waits instead of failing.
                let t = p.begin_with("BEGIN IMMEDIATE").await?;
                Ok(Tx {
                    inner: TxInner::Sqlite(t),
                    _guard: Some(guard),
                    audit_tail: None,
                    audit: self.audit.clone(),
                    audit_appended: false,
                    audit_extends_checkpoint: true,
                })
            }
            Pool::Postgres(p) => Ok(Tx {
                inner: TxInner::Postgres(p.begin().await?),
                _guard: None,
                audit_tail: None,
                audit: self.audit.clone(),
                audit_appended: false,
                audit_extends_checkpoint: true,
            }),
        }
    }

    /// A consistent copy of the embedded database into `dest`, safe while the
    /// server runs (SQLite's VACUUM INTO reads one snapshot).
    pub async fn backup_sqlite(&self, dest: &Path) -> Result<()> {
        match &self.pool {
            Pool::Sqlite(p) => {
                if dest.exists() {
                    return Err(StoreError::Open(format!(
                        "{} already exists; choose a new file",
                        dest.display()
                    )));
                }
                sqlx::query("VACUUM INTO $1")
                    .bind(dest.to_string_lossy().to_string())
                    .execute(p)
                    .await?;
                Ok(())
            }
            Pool::Postgres(_) => Err(StoreError::Open(
                "backup copies the embedded database; for PostgreSQL use pg_dump".into(),
            )),
        }
    }

    pub async fn close(&self) {
        match &self.pool {
            Pool::Sqlite(p) => p.close().await,
            Pool::Postgres(p) => p.close().await,
        }
    }
}

pub(crate) enum TxInner {
    Sqlite(Transaction<'static, Sqlite>),
    Postgres(Transaction<'static, Postgres>),
}

/// A write transaction. Dropping it without `commit` rolls everything back.
pub struct Tx {
    pub(crate) inner: TxInner,
    _guard: Option<OwnedMutexGuard<()>>,
    /// The last audit record's id and hash, once read in this transaction.
    pub(crate) audit_tail: Option<(i64, String)>,
    pub(crate) audit: Arc<AuditCtx>,
    /// Whether this transaction appended audit records.
    pub(crate) audit_appended: bool,
    /// Whether the chain this transaction extends still holds the record the
    /// checkpoint names; if not, the checkpoint is left where it is.
    pub(crate) audit_extends_checkpoint: bool,
}

impl Tx {
    pub fn conn(&mut self) -> Conn<'_> {
        match &mut self.inner {
            TxInner::Sqlite(t) => Conn::SqliteTx(t),
            TxInner::Postgres(t) => Conn::PgTx(t),
        }
    }

    pub(crate) fn backend(&self) -> Backend {
        match self.inner {
            TxInner::Sqlite(_) => Backend::Sqlite,
            TxInner::Postgres(_) => Backend::Postgres,
        }
    }

    /// Commits; then, if audit records were appended, moves the checkpoint
    /// outside the database forward to the committed head.
    pub async fn commit(self) -> Result<()> {
        match self.inner {
            TxInner::Sqlite(t) => t.commit().await?,
            TxInner::Postgres(t) => t.commit().await?,
        }
        if let (true, true, Some((count, hash))) = (
            self.audit_appended,
            self.audit_extends_checkpoint,
            self.audit_tail,
        ) {
            crate::audit::checkpoint_after_commit(
                self.audit,
                domain::audit::Anchor { count, hash },
                false,
            )
            .await;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::{sqlite_positional, POSTGRES_MIGRATIONS, SQLITE_MIGRATIONS};

    /// Every file in `migrations/<dialect>/` is in its dialect's list, under
    /// the version its name starts with, in ascending order: a migration
    /// lost while merging two branches fails here, not on a user's database.
    #[test]
    fn every_migration_file_is_listed_in_order() {
        for (dialect, list) in [
            ("sqlite", SQLITE_MIGRATIONS),
            ("postgres", POSTGRES_MIGRATIONS),
        ] {
            let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("migrations")
                .join(dialect);
            let mut files: Vec<(i64, String)> = std::fs::read_dir(&dir)
                .unwrap()
                .map(|e| e.unwrap().path())
                .filter(|p| p.extension().is_some_and(|x| x == "sql"))
                .map(|p| {
                    let text = std::fs::read_to_string(&p).unwrap();
                    let name = p.file_name().unwrap().to_string_lossy().to_string();
                    let version = name.split('_').next().unwrap().parse().unwrap();
                    (version, text)
                })
                .collect();
            files.sort();
            let listed: Vec<(i64, String)> =
                list.iter().map(|(v, t)| (*v, t.to_string())).collect();
            assert_eq!(
                files.iter().map(|f| f.0).collect::<Vec<_>>(),
                listed.iter().map(|f| f.0).collect::<Vec<_>>(),
                "{dialect}: the files and the list differ"
            );
            assert_eq!(files, listed, "{dialect}: a listed text is not its file's");
        }
    }

    #[test]
    fn positional_only_when_in_order() {
        assert_eq!(
            sqlite_positional("VALUES ($1,$2),($3,$4)"),
            "VALUES (?,?),(?,?)"
        );
        assert_eq!(
            sqlite_positional("SET a = $2 WHERE id = $1"),
            "SET a = $2 WHERE id = $1"
        );
        assert_eq!(sqlite_positional("VALUES ($1, $1)"), "VALUES ($1, $1)");
        assert_eq!(sqlite_positional("SELECT 1"), "SELECT 1");
        assert_eq!(sqlite_positional("x = $10"), "x = $10");
    }
}
