//! Accounts, sessions and machine tokens. Secrets are stored only as hashes.

use crate::audit::{self, Change};
use crate::db::{args, Conn, One, Sql, Tx};
use crate::{parse_col, to_json, Page, Result, StoreError};
use chrono::{DateTime, Utc};
use domain::{Role, Scope};
use serde::Serialize;

/// An account as others may see it; the password hash never leaves the store
/// except through [`find_for_login`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub email: Option<String>,
    pub org_id: i64,
    pub role: Role,
    pub must_change_password: bool,
    pub password_changed_at: DateTime<Utc>,
    pub failed_logins: i64,
    pub locked_until: Option<DateTime<Utc>>,
    pub disabled: bool,
    pub created_at: DateTime<Utc>,
    /// Whether sign-in also asks for a TOTP code.
    pub totp_enabled: bool,
}

#[derive(sqlx::FromRow)]
struct UserRow {
    id: i64,
    username: String,
    display_name: String,
    email: Option<String>,
    org_id: i64,
    role: String,
    password_hash: String,
    must_change_password: bool,
    password_changed_at: DateTime<Utc>,
    failed_logins: i64,
    locked_until: Option<DateTime<Utc>>,
    disabled: bool,
    created_at: DateTime<Utc>,
    totp_enabled: bool,
}

const USER_COLUMNS: &str =
    "id, username, display_name, email, org_id, role, password_hash, must_change_password, \
    password_changed_at, failed_logins, locked_until, disabled, created_at, (totp_secret IS NOT NULL) AS totp_enabled";

impl UserRow {
    fn split(self) -> Result<(User, String)> {
        Ok((
            User {
                id: self.id,
                username: self.username,
                display_name: self.display_name,
                email: self.email,
                org_id: self.org_id,
                role: parse_col("users", self.id, &self.role)?,
                must_change_password: self.must_change_password,
                password_changed_at: self.password_changed_at,
                failed_logins: self.failed_logins,
                locked_until: self.locked_until,
                disabled: self.disabled,
                created_at: self.created_at,
                totp_enabled: self.totp_enabled,
            },
            self.password_hash,
        ))
    }
}

/// Unscoped by necessity: sign-in happens before there is a scope.
pub async fn find_for_login(c: &mut Conn<'_>, username: &str) -> Result<Option<(User, String)>> {
    let row: Option<UserRow> = c
        .fetch_optional(
            &format!("SELECT {USER_COLUMNS} FROM users WHERE username = $1"),
            args![username.trim().to_lowercase()],
        )
        .await?;
    row.map(UserRow::split).transpose()
}

/// The user behind a session; unscoped because it is how a scope is made.
pub async fn get_unscoped(c: &mut Conn<'_>, id: i64) -> Result<Option<(User, String)>> {
    let row: Option<UserRow> = c
        .fetch_optional(
            &format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1"),
            args![id],
        )
        .await?;
    row.map(UserRow::split).transpose()
}

fn user_visibility(q: &mut Sql, scope: &Scope) {
    if !scope.sees_province() {
        q.push(" AND org_id = ?", args![scope.org_id]);
    }
}

pub async fn get(c: &mut Conn<'_>, scope: &Scope, id: i64) -> Result<Option<User>> {
    let mut q = Sql::new(&format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1"));
    q.args.push(id.into());
    user_visibility(&mut q, scope);
    let row: Option<UserRow> = c.fetch_optional(&q.text, q.args).await?;
    Ok(row.map(UserRow::split).transpose()?.map(|(u, _)| u))
}

pub async fn list(
    c: &mut Conn<'_>,
    scope: &Scope,
    org_id: Option<i64>,
    after: Option<i64>,
    limit: i64,
) -> Result<Page<User>> {
    let mut q = Sql::new(&format!("SELECT {USER_COLUMNS} FROM users WHERE 1=1"));
    user_visibility(&mut q, scope);
    if let Some(o) = org_id {
        q.push(" AND org_id = ?", args![o]);
    }
    if let Some(a) = after {
        q.push(" AND id > ?", args![a]);
    }
    let limit = limit.clamp(1, 1000);
    q.push(" ORDER BY id LIMIT ?", args![limit + 1]);
    let rows: Vec<UserRow> = c.fetch_all(&q.text, q.args).await?;
    let users = rows
        .into_iter()
        .map(|r| r.split().map(|(u, _)| u))
        .collect::<Result<Vec<_>>>()?;
    Ok(Page::from_rows(users, limit, |u| u.id))
}

pub struct NewUser<'a> {
    pub username: &'a str,
    pub display_name: &'a str,
    pub email: Option<&'a str>,
    pub org_id: i64,
    pub role: Role,
    pub password_hash: &'a str,
    pub must_change_password: bool,
}

/// What the audit log says about an account: never the hash.
fn user_json(u: &User) -> String {
    to_json(u)
}

pub async fn create(tx: &mut Tx, scope: &Scope, n: &NewUser<'_>) -> Result<User> {
    let now = Utc::now();
    let username = n.username.trim().to_lowercase();
    let id: One<i64> = tx
        .conn()
        .fetch_one_raw(
            "INSERT INTO users (username, display_name, email, org_id, role, password_hash, password_changed_at, \
             must_change_password, failed_logins, disabled, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 0, FALSE, $7, $7) RETURNING id",
            args![
                username.clone(),
                n.display_name,
                n.email,
                n.org_id,
                n.role.as_str(),
                n.password_hash,
                now,
                n.must_change_password
            ],
        )
        .await
        .map_err(|e| StoreError::from_insert(e, || format!("a user named '{username}'")))?;
    let user = User {
        id: id.0,
        username,
        display_name: n.display_name.to_string(),
        email: n.email.map(str::to_string),
        org_id: n.org_id,
        role: n.role,
        must_change_password: n.must_change_password,
        password_changed_at: now,
        failed_logins: 0,
        locked_until: None,
        disabled: false,
        created_at: now,
        totp_enabled: false,
    };
    audit::append(
        tx,
        scope,
        Change {
            action: "create",
            entity: "user",
            entity_id: Some(user.id),
            org_id: Some(user.org_id),
            before: None,
            after: Some(user_json(&user)),
        },
    )
    .await?;
    Ok(user)
}

/// Sets a new password hash. `must_change` is true when an administrator set
/// it for someone else.
pub async fn set_password(
    tx: &mut Tx,
    scope: &Scope,
    user: &User,
    hash: &str,
    must_change: bool,
) -> Result<()> {
    let now = Utc::now();
    tx.conn()
        .execute(
            "UPDATE users SET password_hash = $1, password_changed_at = $2, must_change_password = $3, \
             failed_logins = 0, locked_until = NULL, updated_at = $2 WHERE id = $4",
            args![hash, now, must_change, user.id],
        )
        .await?;
    audit::append(
        tx,
        scope,
        Change {
            action: if must_change {
                "reset_password"
            } else {
                "change_password"
            },
            entity: "user",
            entity_id: Some(user.id),
            org_id: Some(user.org_id),
            before: None,
            after: None,
        },
    )
    .await
}

/// Records a sign-in attempt's outcome on the account.
pub async fn record_login(
    tx: &mut Tx,
    scope: &Scope,
    user: &User,
    success: bool,
    failed_logins: i64,
    locked_until: Option<DateTime<Utc>>,
) -> Result<()> {
    tx.conn()
        .execute(
            "UPDATE users SET failed_logins = $1, locked_until = $2 WHERE id = $3",
            args![failed_logins, locked_until, user.id],
        )
        .await?;
    let action = match (success, locked_until.is_some()) {
        (true, _) => "login",
        (false, true) => "login_locked",
        (false, false) => "login_failed",
    };
    audit::append(
        tx,
        scope,
        Change {
            action,
            entity: "user",
            entity_id: Some(user.id),
            org_id: Some(user.org_id),
            before: None,
            after: Some(format!("{{\"failed_logins\":{failed_logins}}}")),
        },
    )
    .await
}

pub async fn set_disabled(tx: &mut Tx, scope: &Scope, user: &User, disabled: bool) -> Result<()> {
    tx.conn()
        .execute(
            "UPDATE users SET disabled = $1, updated_at = $2 WHERE id = $3",
            args![disabled, Utc::now(), user.id],
        )
        .await?;
    if disabled {
        tx.conn()
            .execute("DELETE FROM sessions WHERE user_id = $1", args![user.id])
            .await?;
    }
    audit::append(
        tx,
        scope,
        Change {
            action: if disabled { "disable" } else { "enable" },
            entity: "user",
            entity_id: Some(user.id),
            org_id: Some(user.org_id),
            before: Some(user_json(user)),
            after: None,
        },
    )
    .await
}

/// Gives an account another role (within its organisation).
pub async fn set_role(tx: &mut Tx, scope: &Scope, user: &User, role: Role) -> Result<()> {
    tx.conn()
        .execute(
            "UPDATE users SET role = $1, updated_at = $2 WHERE id = $3",
            args![role.as_str(), Utc::now(), user.id],
        )
        .await?;
    // A new role takes effect at the next sign-in, so end the old sessions.
    tx.conn()
        .execute("DELETE FROM sessions WHERE user_id = $1", args![user.id])
        .await?;
    audit::append(
        tx,
        scope,
        Change {
            action: "change_role",
            entity: "user",
            entity_id: Some(user.id),
            org_id: Some(user.org_id),
            before: Some(format!("{{\"role\":\"{}\"}}", user.role.as_str())),
            after: Some(format!("{{\"role\":\"{}\"}}", role.as_str())),
        },
    )
    .await
}

pub async fn count(c: &mut Conn<'_>) -> Result<i64> {
    let n: One<i64> = c.fetch_one("SELECT count(*) FROM users", vec![]).await?;
    Ok(n.0)
}

// ---- sessions ----

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Session {
    pub token_hash: String,
    pub user_id: i64,
    pub csrf_token: String,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    /// Signed in with the password; the TOTP code is still to come.
    pub second_factor_pending: bool,
}

pub async fn create_session(
    tx: &mut Tx,
    token_hash: &str,
    user_id: i64,
    csrf: &str,
    second_factor_pending: bool,
) -> Result<()> {
    let now = Utc::now();
    tx.conn()
        .execute(
            "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, last_seen_at, second_factor_pending) \
             VALUES ($1, $2, $3, $4, $4, $5)",
            args![token_hash, user_id, csrf, now, second_factor_pending],
        )
        .await?;
    Ok(())
}

pub async fn complete_second_factor(tx: &mut Tx, token_hash: &str) -> Result<()> {
    tx.conn()
        .execute(
            "UPDATE sessions SET second_factor_pending = FALSE WHERE token_hash = $1",
            args![token_hash],
        )
        .await?;
    Ok(())
}

/// The TOTP secret and the last step accepted; unscoped, for sign-in.
pub async fn totp_state(c: &mut Conn<'_>, user_id: i64) -> Result<Option<(String, Option<i64>)>> {
    let row: Option<(Option<String>, Option<i64>)> = c
        .fetch_optional(
            "SELECT totp_secret, totp_last_step FROM users WHERE id = $1",
            args![user_id],
        )
        .await?;
    Ok(row.and_then(|(secret, step)| secret.map(|s| (s, step))))
}

/// Remembers the step of an accepted code so it cannot be used twice.
pub async fn record_totp_step(tx: &mut Tx, user_id: i64, step: i64) -> Result<()> {
    tx.conn()
        .execute(
            "UPDATE users SET totp_last_step = $1 WHERE id = $2",
            args![step, user_id],
        )
        .await?;
    Ok(())
}

/// Turns the second factor on (with its secret) or off. The audit log says
/// which, never the secret.
pub async fn set_totp(
    tx: &mut Tx,
    scope: &Scope,
    user: &User,
    secret: Option<&str>,
    step: Option<i64>,
) -> Result<()> {
    tx.conn()
        .execute(
            "UPDATE users SET totp_secret = $1, totp_last_step = $2, updated_at = $3 WHERE id = $4",
            args![secret, step, Utc::now(), user.id],
        )
        .await?;
    audit::append(
        tx,
        scope,
        Change {
            action: if secret.is_some() {
                "enable_totp"
            } else {
                "disable_totp"
            },
            entity: "user",
            entity_id: Some(user.id),
            org_id: Some(user.org_id),
            before: None,
            after: None,
        },
    )
    .await
}

pub async fn find_session(c: &mut Conn<'_>, token_hash: &str) -> Result<Option<Session>> {
    c.fetch_optional(
        "SELECT token_hash, user_id, csrf_token, created_at, last_seen_at, second_factor_pending FROM sessions WHERE token_hash = $1",
        args![token_hash],
    )
    .await
}

pub async fn touch_session(c: &mut Conn<'_>, token_hash: &str, at: DateTime<Utc>) -> Result<()> {
    c.execute(
        "UPDATE sessions SET last_seen_at = $1 WHERE token_hash = $2",
        args![at, token_hash],
    )
    .await?;
    Ok(())
}

pub async fn delete_session(c: &mut Conn<'_>, token_hash: &str) -> Result<()> {
    c.execute(
        "DELETE FROM sessions WHERE token_hash = $1",
        args![token_hash],
    )
    .await?;
    Ok(())
}

/// Signs a user out everywhere.
pub async fn delete_sessions_of(tx: &mut Tx, user_id: i64) -> Result<u64> {
    tx.conn()
        .execute("DELETE FROM sessions WHERE user_id = $1", args![user_id])
        .await
}

// ---- machine tokens ----

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApiToken {
    pub id: i64,
    pub name: String,
    pub org_id: i64,
    pub role: Role,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
}

#[derive(sqlx::FromRow)]
struct TokenRow {
    id: i64,
    name: String,
    org_id: i64,
    role: String,
    created_by: String,
    created_at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
    revoked_at: Option<DateTime<Utc>>,
    last_used_at: Option<DateTime<Utc>>,
}

const TOKEN_COLUMNS: &str =
    "id, name, org_id, role, created_by, created_at, expires_at, revoked_at, last_used_at";

impl TryFrom<TokenRow> for ApiToken {
    type Error = StoreError;
    fn try_from(r: TokenRow) -> Result<Self> {
        Ok(ApiToken {
            id: r.id,
            role: parse_col("api_tokens", r.id, &r.role)?,
            name: r.name,
            org_id: r.org_id,
            created_by: r.created_by,
            created_at: r.created_at,
            expires_at: r.expires_at,
            revoked_at: r.revoked_at,
            last_used_at: r.last_used_at,
        })
    }
}

pub struct NewToken<'a> {
    pub name: &'a str,
    pub token_hash: &'a str,
    pub org_id: i64,
    pub role: Role,
    pub expires_at: DateTime<Utc>,
}

pub async fn create_token(tx: &mut Tx, scope: &Scope, n: &NewToken<'_>) -> Result<ApiToken> {
    let now = Utc::now();
    let created_by = scope.actor.to_string();
    let id: One<i64> = tx
        .conn()
        .fetch_one(
            "INSERT INTO api_tokens (name, token_hash, org_id, role, created_by, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
            args![n.name, n.token_hash, n.org_id, n.role.as_str(), created_by.clone(), now, n.expires_at],
        )
        .await?;
    let token = ApiToken {
        id: id.0,
        name: n.name.to_string(),
        org_id: n.org_id,
        role: n.role,
        created_by,
        created_at: now,
        expires_at: n.expires_at,
        revoked_at: None,
        last_used_at: None,
    };
    audit::append(
        tx,
        scope,
        Change {
            action: "create",
            entity: "api_token",
            entity_id: Some(token.id),
            org_id: Some(token.org_id),
            before: None,
            after: Some(to_json(&token)),
        },
    )
    .await?;
    Ok(token)
}

/// Unscoped: this is how a machine's scope is found.
pub async fn find_token(c: &mut Conn<'_>, token_hash: &str) -> Result<Option<ApiToken>> {
    let row: Option<TokenRow> = c
        .fetch_optional(
            &format!("SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE token_hash = $1"),
            args![token_hash],
        )
        .await?;
    row.map(ApiToken::try_from).transpose()
}

pub async fn mark_token_used(c: &mut Conn<'_>, id: i64, at: DateTime<Utc>) -> Result<()> {
    c.execute(
        "UPDATE api_tokens SET last_used_at = $1 WHERE id = $2",
        args![at, id],
    )
    .await?;
    Ok(())
}

pub async fn get_token(c: &mut Conn<'_>, scope: &Scope, id: i64) -> Result<Option<ApiToken>> {
    let mut q = Sql::new(&format!(
        "SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE id = $1"
    ));
    q.args.push(id.into());
    user_visibility(&mut q, scope);
    let row: Option<TokenRow> = c.fetch_optional(&q.text, q.args).await?;
    row.map(ApiToken::try_from).transpose()
}

pub async fn list_tokens(c: &mut Conn<'_>, scope: &Scope) -> Result<Vec<ApiToken>> {
    let mut q = Sql::new(&format!("SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE 1=1"));
    user_visibility(&mut q, scope);
    q.push(" ORDER BY id", vec![]);
    let rows: Vec<TokenRow> = c.fetch_all(&q.text, q.args).await?;
    rows.into_iter().map(ApiToken::try_from).collect()
}

pub async fn revoke_token(tx: &mut Tx, scope: &Scope, token: &ApiToken) -> Result<()> {
    tx.conn()
        .execute(
            "UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL",
            args![Utc::now(), token.id],
        )
        .await?;
    audit::append(
        tx,
        scope,
        Change {
            action: "revoke",
            entity: "api_token",
            entity_id: Some(token.id),
            org_id: Some(token.org_id),
            before: Some(to_json(token)),
            after: None,
        },
    )
    .await
}

/// The e-mail addresses of the active accounts of each organisation, to
/// notify them.
pub async fn emails_by_org(c: &mut Conn<'_>) -> Result<Vec<(i64, String)>> {
    c.fetch_all(
        "SELECT org_id, email FROM users WHERE email IS NOT NULL AND email <> '' AND disabled = FALSE ORDER BY org_id, id",
        vec![],
    )
    .await
}

/// Failed sign-ins of one (user name as typed, source address) pair.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct LoginFailures {
    pub failures: i64,
    pub window_started_at: DateTime<Utc>,
    pub blocked_until: Option<DateTime<Utc>>,
}

/// Unscoped by necessity: it is read before anyone is signed in, and it
/// holds no tenant data (a name as typed, an address, counts).
pub async fn login_failures(
    c: &mut Conn<'_>,
    username: &str,
    source: &str,
) -> Result<Option<LoginFailures>> {
    c.fetch_optional(
        "SELECT failures, window_started_at, blocked_until FROM login_failures WHERE username = $1 AND source = $2",
        args![username, source],
    )
    .await
}

/// Failed sign-ins from `source` under any name since `since`.
pub async fn source_failures(c: &mut Conn<'_>, source: &str, since: DateTime<Utc>) -> Result<i64> {
    let n: One<Option<i64>> = c
        .fetch_one(
            "SELECT CAST(SUM(failures) AS BIGINT) FROM login_failures WHERE source = $1 AND window_started_at >= $2",
            args![source, since],
        )
        .await?;
    Ok(n.0.unwrap_or(0))
}

/// Writes the pair's new count (one more failure, already computed by the caller).
pub async fn put_login_failures(
    c: &mut Conn<'_>,
    username: &str,
    source: &str,
    f: &LoginFailures,
) -> Result<()> {
    c.execute(
        "INSERT INTO login_failures (username, source, failures, window_started_at, blocked_until) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (username, source) DO UPDATE SET failures = excluded.failures, \
         window_started_at = excluded.window_started_at, blocked_until = excluded.blocked_until",
        args![username, source, f.failures, f.window_started_at, f.blocked_until],
    )
    .await?;
    Ok(())
}

/// A correct password from `source` clears that pair's count.
pub async fn clear_login_failures(c: &mut Conn<'_>, username: &str, source: &str) -> Result<()> {
    c.execute(
        "DELETE FROM login_failures WHERE username = $1 AND source = $2",
        args![username, source],
    )
    .await?;
    Ok(())
}

/// A failed sign-in, in the audit log: the source address and, when the
/// name is an account's, the account (never the name as typed, which may be
/// a mistyped password).
pub async fn record_failed_login(
    tx: &mut Tx,
    scope: &Scope,
    user: Option<&User>,
    source: &str,
) -> Result<()> {
    audit::append(
        tx,
        scope,
        Change {
            action: "login_failed",
            entity: "user",
            entity_id: user.map(|u| u.id),
            org_id: user.map(|u| u.org_id),
            before: None,
            after: Some(to_json(&serde_json::json!({ "source": source }))),
        },
    )
    .await
}
