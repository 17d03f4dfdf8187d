//! Sign-in, sessions, accounts and machine tokens.

use crate::{invalid, App, AppError, Result};
use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;
use chrono::{Duration, Utc};
use domain::{Actor, FieldErrors, OrgInput, OrgType, Role, Scope};
use rand::Rng;
use sha2::{Digest, Sha256};
use store::auth::{self as users, ApiToken, NewToken, NewUser, User};

/// A random secret: 32 bytes as hex, with a prefix that says what it is.
/// A fresh random secret with its prefix (`cgt_`: a machine token).
pub(crate) fn new_secret(prefix: &str) -> String {
    secret(prefix)
}

fn secret(prefix: &str) -> String {
    let bytes: [u8; 32] = rand::thread_rng().gen();
    format!("{prefix}{}", hex::encode(bytes))
}

/// Secrets are high-entropy, so a plain SHA-256 is enough to keep the stored
/// value useless to a thief.
pub fn secret_hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

pub fn hash_password(password: &str) -> Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AppError::Internal(format!("hashing failed: {e}")))
}

fn password_matches(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A password the policy accepts, for first start and resets: people are
/// told to change it at once.
pub fn generate_password() -> String {
    const LOWER: &[u8] = b"abcdefghijkmnpqrstuvwxyz";
    const UPPER: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ";
    const DIGIT: &[u8] = b"23456789";
    const SPECIAL: &[u8] = b"#%+=@!?";
    let mut rng = rand::thread_rng();
    let mut pick = |set: &[u8]| set[rng.gen_range(0..set.len())] as char;
    let mut s = String::new();
    for i in 0..16 {
        s.push(match i % 4 {
            0 => pick(UPPER),
            1 => pick(LOWER),
            2 => pick(DIGIT),
            _ => pick(SPECIAL),
        });
    }
    s
}

/// The account printed once on first start.
#[derive(Debug, Clone)]
pub struct Bootstrap {
    pub username: String,
    pub password: String,
    pub generated: bool,
}

/// A successful sign-in.
#[derive(Debug, Clone)]
pub struct SignedIn {
    /// The session secret for the cookie or bearer header; shown once.
    pub session_token: String,
    pub csrf_token: String,
    pub user: User,
    /// The session is usable only after a TOTP code.
    pub second_factor_required: bool,
}

/// What a session may do before it is fully open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gate {
    Open,
    /// Password accepted; the TOTP code is still due.
    SecondFactor,
    /// First sign-in, an administrator's reset, or an expired password.
    ChangePassword,
    /// The role requires a second factor and none is set up.
    EnrolSecondFactor,
}

/// A new TOTP secret to show once, as text and as a QR code.
#[derive(Debug, Clone)]
pub struct Enrolment {
    pub secret: String,
    pub url: String,
    /// The otpauth URL as an SVG QR code, drawn here: no outside service.
    pub qr_svg: String,
}

fn totp_for(secret_base32: &str, account: &str) -> Result<totp_rs::Totp> {
    let secret = totp_rs::Secret::try_from_base32(secret_base32)
        .map_err(|_| invalid("secret", "not a TOTP secret"))?;
    totp_rs::Builder::new()
        .with_secret(secret)
        .with_account_name(account)
        .with_issuer(Some("canhgac"))
        .build()
        .map_err(|e| AppError::Internal(format!("TOTP: {e}")))
}

/// Checks a code; returns its time step, or none when wrong or reused.
fn accept_code(totp: &totp_rs::Totp, code: &str, last_step: Option<i64>) -> Option<i64> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != 6 || !code.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let step = totp.check_current(&code)? as i64;
    (last_step.is_none_or(|last| step > last)).then_some(step)
}

/// An authenticated request's identity.
#[derive(Debug, Clone)]
pub struct Authenticated {
    pub scope: Scope,
    pub user: Option<User>,
    pub csrf_token: Option<String>,
}

impl App {
    fn check_password_policy(&self, password: &str, username: &str) -> Result<()> {
        let problems = self.config.password_policy.problems(password, username);
        if problems.is_empty() {
            return Ok(());
        }
        let mut e = FieldErrors::default();
        for p in problems {
            e.push("password", p.message_vi());
        }
        Err(AppError::Invalid(e))
    }

    /// On an empty database: the coordinating organisation (named by the
    /// installation: `org_name`, `short_name` — the abbreviation its
    /// documents' numbers carry) and its administrator, who must change the
    /// password at first sign-in.
    pub async fn bootstrap(
        &self,
        admin_password: Option<String>,
        org_name: &str,
        short_name: &str,
    ) -> Result<Option<Bootstrap>> {
        if store::orgs::count(&mut self.store.conn()).await? > 0 {
            return Ok(None);
        }
        let (password, generated) = match admin_password {
            Some(p) => {
                self.check_password_policy(&p, "admin")?;
                (p, false)
            }
            None => (generate_password(), true),
        };
        let hash = hash_password(&password)?;
        let mut tx = self.store.begin().await?;
        let input = OrgInput {
            name: org_name.parse().map_err(|e: String| invalid("name", e))?,
            short_name: short_name
                .parse()
                .map_err(|e: String| invalid("short_name", e))?,
            org_type: OrgType::Coordinator,
            parent_id: None,
            address: None,
            contacts: vec![],
            contact_24x7: None,
            address_blocks: vec![],
            asns: vec![],
        };
        // The first record is written by the system for an org that does not
        // exist yet; scope it to the org id it is about to get.
        let scope = Scope::system(0);
        let org = store::orgs::create(&mut tx, &scope, &input).await?;
        let scope = Scope::system(org.id);
        users::create(
            &mut tx,
            &scope,
            &NewUser {
                username: "admin",
                display_name: "Quản trị hệ thống",
                email: None,
                org_id: org.id,
                role: Role::Coordinator,
                password_hash: &hash,
                must_change_password: true,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(Some(Bootstrap {
            username: "admin".into(),
            password,
            generated,
        }))
    }

    /// Signs in with a password from `source` (the client's address).
    ///
    /// Failures are counted per (name as typed, source) and per source, the
    /// same way whether the name exists or not: past the policy's count a
    /// pair is held back for the lock-out time, and a source that fails
    /// [`SOURCE_MAX_FAILURES`] times under any names is held back as a whole.
    /// Nobody can lock an account for its owner: a correct password from
    /// another place still gets in. Known and unknown names get the same
    /// answers, with the same work (an argon2 check, one write).
    pub async fn login(&self, username: &str, password: &str, source: &str) -> Result<SignedIn> {
        let now = Utc::now();
        let policy = &self.config.password_policy;
        let window = Duration::minutes(policy.lockout_minutes.max(1));
        let name = username.trim().to_lowercase();
        let mut c = self.store.conn();
        let pair = users::login_failures(&mut c, &name, source).await?;
        if let Some(until) = pair
            .as_ref()
            .and_then(|p| p.blocked_until)
            .filter(|u| *u > now)
        {
            return Err(AppError::Throttled { until });
        }
        if users::source_failures(&mut c, source, now - window).await? >= SOURCE_MAX_FAILURES {
            return Err(AppError::Throttled {
                until: now + window,
            });
        }
        let found = users::find_for_login(&mut c, &name).await?;
        let ok = match &found {
            Some((user, hash)) => password_matches(password, hash) && !user.disabled,
            None => {
                // The same work as a real check, so timing does not tell
                // which names exist.
                let _ = password_matches(password, DUMMY_HASH);
                false
            }
        };
        let mut tx = self.store.begin().await?;
        let Some((user, _)) = found.as_ref().filter(|_| ok).cloned() else {
            let mut f = pair
                .filter(|p| now - p.window_started_at < window)
                .unwrap_or(users::LoginFailures {
                    failures: 0,
                    window_started_at: now,
                    blocked_until: None,
                });
            f.failures += 1;
            f.blocked_until = (f.failures >= policy.max_failures).then(|| now + window);
            users::put_login_failures(&mut tx.conn(), &name, source, &f).await?;
            let system = Scope::system(self.coordinating_org().await?);
            let known = found.as_ref().map(|(u, _)| u);
            users::record_failed_login(&mut tx, &system, known, source).await?;
            tx.commit().await?;
            return Err(match f.blocked_until {
                Some(until) => AppError::Throttled { until },
                None => AppError::Unauthenticated,
            });
        };
        let scope = self.user_scope(&user).await?;
        users::clear_login_failures(&mut tx.conn(), &name, source).await?;
        // The account's count of wrong second-factor codes stays as it is:
        // signing in again must not reset it.
        users::record_login(
            &mut tx,
            &scope,
            &user,
            true,
            user.failed_logins,
            user.locked_until,
        )
        .await?;
        let session_token = secret("cgs_");
        let csrf_token = secret("");
        // A second factor is due when the account has one, and always when
        // wrong codes have locked it (the code step then refuses).
        let second_factor_required =
            user.totp_enabled || user.locked_until.is_some_and(|u| u > now);
        users::create_session(
            &mut tx,
            &secret_hash(&session_token),
            user.id,
            &csrf_token,
            second_factor_required,
        )
        .await?;
        tx.commit().await?;
        Ok(SignedIn {
            session_token,
            csrf_token,
            user,
            second_factor_required,
        })
    }

    /// Resolves a session secret into a scope, enforcing idle and absolute
    /// timeouts, and says what the session may do yet.
    pub async fn session(&self, session_token: &str) -> Result<(Authenticated, Gate)> {
        let now = Utc::now();
        let key = secret_hash(session_token);
        let mut c = self.store.conn();
        let Some(s) = users::find_session(&mut c, &key).await? else {
            return Err(AppError::Unauthenticated);
        };
        if now - s.last_seen_at > self.config.session_idle
            || now - s.created_at > self.config.session_absolute
        {
            users::delete_session(&mut c, &key).await?;
            return Err(AppError::Unauthenticated);
        }
        let Some((user, _)) = users::get_unscoped(&mut c, s.user_id).await? else {
            return Err(AppError::Unauthenticated);
        };
        if user.disabled {
            return Err(AppError::Unauthenticated);
        }
        // Touch at most once a minute so reads stay reads.
        if now - s.last_seen_at > Duration::minutes(1) {
            users::touch_session(&mut c, &key, now).await?;
        }
        let gate = if s.second_factor_pending {
            Gate::SecondFactor
        } else if user.must_change_password
            || self
                .config
                .password_policy
                .is_expired(user.password_changed_at, now)
        {
            Gate::ChangePassword
        } else if !user.totp_enabled && self.config.totp_required_roles.contains(&user.role) {
            Gate::EnrolSecondFactor
        } else {
            Gate::Open
        };
        Ok((
            Authenticated {
                scope: self.user_scope(&user).await?,
                user: Some(user),
                csrf_token: Some(s.csrf_token),
            },
            gate,
        ))
    }

    /// Completes a sign-in with the TOTP code. Wrong codes count towards the
    /// lock-out like wrong passwords; a code is accepted once.
    pub async fn second_factor(&self, session_token: &str, code: &str) -> Result<()> {
        let key = secret_hash(session_token);
        let mut c = self.store.conn();
        let Some(s) = users::find_session(&mut c, &key).await? else {
            return Err(AppError::Unauthenticated);
        };
        let Some((user, _)) = users::get_unscoped(&mut c, s.user_id).await? else {
            return Err(AppError::Unauthenticated);
        };
        let Some((secret, last_step)) = users::totp_state(&mut c, user.id).await? else {
            return Err(AppError::Unauthenticated);
        };
        if let Some(until) = user.locked_until.filter(|u| *u > Utc::now()) {
            users::delete_session(&mut c, &key).await?;
            return Err(AppError::Locked { until });
        }
        let totp = totp_for(&secret, &user.username)?;
        let scope = self.user_scope(&user).await?;
        let mut tx = self.store.begin().await?;
        match accept_code(&totp, code, last_step) {
            Some(step) => {
                users::record_totp_step(&mut tx, user.id, step).await?;
                users::complete_second_factor(&mut tx, &key).await?;
                users::record_login(&mut tx, &scope, &user, true, 0, None).await?;
                tx.commit().await?;
                Ok(())
            }
            None => {
                let policy = &self.config.password_policy;
                let failures = user.failed_logins + 1;
                let locked = (failures >= policy.max_failures)
                    .then(|| Utc::now() + Duration::minutes(policy.lockout_minutes));
                users::record_login(
                    &mut tx,
                    &scope,
                    &user,
                    false,
                    if locked.is_some() { 0 } else { failures },
                    locked,
                )
                .await?;
                tx.commit().await?;
                match locked {
                    Some(until) => {
                        users::delete_session(&mut self.store.conn(), &key).await?;
                        Err(AppError::Locked { until })
                    }
                    None => Err(invalid("code", "Mã xác thực không đúng hoặc đã được dùng")),
                }
            }
        }
    }

    /// A fresh secret for the caller to add to an authenticator app. Nothing
    /// is stored until a code from it is confirmed.
    pub fn totp_enrolment(&self, scope: &Scope) -> Result<Enrolment> {
        let Actor::User { username, .. } = &scope.actor else {
            return Err(AppError::Forbidden(
                "only people have a second factor".into(),
            ));
        };
        let secret = totp_rs::Secret::generate().to_base32();
        let url = totp_for(&secret, username)?
            .to_url()
            .map_err(|e| AppError::Internal(format!("TOTP URL: {e}")))?;
        let qr_svg = qrcode::QrCode::new(url.as_bytes())
            .map_err(|e| AppError::Internal(format!("QR: {e}")))?
            .render::<qrcode::render::svg::Color>()
            .min_dimensions(200, 200)
            .build();
        Ok(Enrolment {
            secret,
            url,
            qr_svg,
        })
    }

    /// Turns the second factor on once a code from the new secret checks out.
    pub async fn enable_totp(&self, scope: &Scope, secret: &str, code: &str) -> Result<()> {
        let Actor::User { id, username } = &scope.actor else {
            return Err(AppError::Forbidden(
                "only people have a second factor".into(),
            ));
        };
        let totp = totp_for(secret, username)?;
        let Some(step) = accept_code(&totp, code, None) else {
            return Err(invalid("code", "Mã xác thực không đúng"));
        };
        let user = users::get(&mut self.store.conn(), scope, *id)
            .await?
            .ok_or(AppError::NotFound)?;
        let mut tx = self.store.begin().await?;
        users::set_totp(&mut tx, scope, &user, Some(secret), Some(step)).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Removes a second factor: the person themself, or an administrator of
    /// their organisation when the device is lost.
    pub async fn disable_totp(&self, scope: &Scope, user_id: i64) -> Result<()> {
        let user = users::get(&mut self.store.conn(), scope, user_id)
            .await?
            .ok_or(AppError::NotFound)?;
        let own = matches!(scope.actor, Actor::User { id, .. } if id == user_id);
        if !own {
            self.check_grant(scope, user.role, user.org_id).await?;
        }
        let mut tx = self.store.begin().await?;
        users::set_totp(&mut tx, scope, &user, None, None).await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn logout(&self, session_token: &str) -> Result<()> {
        users::delete_session(&mut self.store.conn(), &secret_hash(session_token)).await?;
        Ok(())
    }

    /// Ends every session of the caller.
    pub async fn logout_everywhere(&self, scope: &Scope) -> Result<u64> {
        let Actor::User { id, .. } = scope.actor else {
            return Err(AppError::Forbidden("only people have sessions".into()));
        };
        let mut tx = self.store.begin().await?;
        let n = users::delete_sessions_of(&mut tx, id).await?;
        tx.commit().await?;
        Ok(n)
    }

    /// Resolves a machine token into its scope.
    pub async fn token(&self, token: &str) -> Result<Authenticated> {
        let now = Utc::now();
        let mut c = self.store.conn();
        let Some(t) = users::find_token(&mut c, &secret_hash(token)).await? else {
            return Err(AppError::Unauthenticated);
        };
        if t.revoked_at.is_some() || t.expires_at <= now {
            return Err(AppError::Unauthenticated);
        }
        if t.last_used_at
            .is_none_or(|at| now - at > Duration::minutes(1))
        {
            users::mark_token_used(&mut c, t.id, now).await?;
        }
        Ok(Authenticated {
            scope: Scope::new(
                Actor::Token {
                    id: t.id,
                    name: t.name,
                },
                t.org_id,
                t.role,
                self.coordinating_org().await?,
            ),
            user: None,
            csrf_token: None,
        })
    }

    /// The caller changes their own password.
    pub async fn change_password(&self, scope: &Scope, current: &str, new: &str) -> Result<()> {
        let Actor::User { id, .. } = scope.actor else {
            return Err(AppError::Forbidden("only people have passwords".into()));
        };
        let Some((user, hash)) = users::get_unscoped(&mut self.store.conn(), id).await? else {
            return Err(AppError::NotFound);
        };
        if !password_matches(current, &hash) {
            return Err(invalid("current_password", "Mật khẩu hiện tại không đúng"));
        }
        if current == new {
            return Err(invalid(
                "password",
                domain::auth::PasswordProblem::SameAsCurrent.message_vi(),
            ));
        }
        self.check_password_policy(new, &user.username)?;
        let new_hash = hash_password(new)?;
        let mut tx = self.store.begin().await?;
        users::set_password(&mut tx, scope, &user, &new_hash, false).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Creates an account. Without a password one is generated, returned once,
    /// and must be changed at first sign-in.
    pub async fn create_user(
        &self,
        scope: &Scope,
        req: &CreateUser,
    ) -> Result<(User, Option<String>)> {
        self.check_grant(scope, req.role, req.org_id).await?;
        if store::orgs::get(&mut self.store.conn(), scope, req.org_id)
            .await?
            .is_none()
        {
            return Err(invalid("org_id", "no such organisation"));
        }
        let username = req.username.trim().to_lowercase();
        if username.len() < 3
            || username.len() > 64
            || !username
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
        {
            return Err(invalid("username", "3–64 letters, digits, '.', '_' or '-'"));
        }
        let (password, generated) = match &req.password {
            Some(p) => (p.clone(), false),
            None => (generate_password(), true),
        };
        self.check_password_policy(&password, &username)?;
        let hash = hash_password(&password)?;
        let mut tx = self.store.begin().await?;
        let user = users::create(
            &mut tx,
            scope,
            &NewUser {
                username: &username,
                display_name: req.display_name.trim(),
                email: req.email.as_deref(),
                org_id: req.org_id,
                role: req.role,
                password_hash: &hash,
                must_change_password: req.must_change_password || generated,
            },
        )
        .await?;
        tx.commit().await?;
        Ok((user, generated.then_some(password)))
    }

    pub async fn users(
        &self,
        scope: &Scope,
        org_id: Option<i64>,
        after: Option<i64>,
        limit: i64,
    ) -> Result<store::Page<User>> {
        require_administration(scope)?;
        Ok(users::list(&mut self.store.conn(), scope, org_id, after, limit).await?)
    }

    /// An account the caller administers: one whose role the caller could
    /// have granted (so nobody resets the password of, or disables, an
    /// account that sees or does more than they do).
    async fn managed_user(&self, scope: &Scope, user_id: i64) -> Result<User> {
        if !scope.may(domain::Capability::ManageAccounts) {
            return Err(forbidden_grant());
        }
        let user = users::get(&mut self.store.conn(), scope, user_id)
            .await?
            .ok_or(AppError::NotFound)?;
        self.check_grant(scope, user.role, user.org_id).await?;
        Ok(user)
    }

    /// Refuses unless `scope` may give `role` in `org_id` ([`Scope::may_grant`]).
    async fn check_grant(&self, scope: &Scope, role: Role, org_id: i64) -> Result<()> {
        if scope.may_grant(role, org_id, self.coordinating_org().await?) {
            Ok(())
        } else {
            Err(forbidden_grant())
        }
    }

    /// The scope an account acts with.
    pub async fn user_scope(&self, user: &User) -> Result<Scope> {
        Ok(user_scope(user, self.coordinating_org().await?))
    }

    /// An administrator resets someone's password; the new one is returned once.
    pub async fn reset_password(&self, scope: &Scope, user_id: i64) -> Result<String> {
        let user = self.managed_user(scope, user_id).await?;
        let password = generate_password();
        let hash = hash_password(&password)?;
        let mut tx = self.store.begin().await?;
        users::set_password(&mut tx, scope, &user, &hash, true).await?;
        users::delete_sessions_of(&mut tx, user.id).await?;
        tx.commit().await?;
        Ok(password)
    }

    /// Changes an account's role. Only the coordinator grants the coordinator
    /// role, and nobody changes their own.
    pub async fn set_user_role(&self, scope: &Scope, user_id: i64, role: Role) -> Result<()> {
        let user = self.managed_user(scope, user_id).await?;
        self.check_grant(scope, role, user.org_id).await?;
        if matches!(scope.actor, Actor::User { id, .. } if id == user.id) {
            return Err(AppError::Conflict("you cannot change your own role".into()));
        }
        let mut tx = self.store.begin().await?;
        users::set_role(&mut tx, scope, &user, role).await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn set_user_disabled(
        &self,
        scope: &Scope,
        user_id: i64,
        disabled: bool,
    ) -> Result<()> {
        let user = self.managed_user(scope, user_id).await?;
        if matches!(scope.actor, Actor::User { id, .. } if id == user.id) {
            return Err(AppError::Conflict(
                "you cannot disable your own account".into(),
            ));
        }
        let mut tx = self.store.begin().await?;
        users::set_disabled(&mut tx, scope, &user, disabled).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Creates a machine token; the secret is returned once and only its hash kept.
    pub async fn create_token(
        &self,
        scope: &Scope,
        req: &CreateToken,
    ) -> Result<(ApiToken, String)> {
        self.check_grant(scope, req.role, req.org_id).await?;
        if store::orgs::get(&mut self.store.conn(), scope, req.org_id)
            .await?
            .is_none()
        {
            return Err(invalid("org_id", "no such organisation"));
        }
        if !(1..=730).contains(&req.valid_days) {
            return Err(invalid("valid_days", "a token lives 1 to 730 days"));
        }
        let name = req.name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(invalid(
                "name",
                "give the token a name of up to 100 characters",
            ));
        }
        let secret = secret("cgt_");
        let mut tx = self.store.begin().await?;
        let token = users::create_token(
            &mut tx,
            scope,
            &NewToken {
                name,
                token_hash: &secret_hash(&secret),
                org_id: req.org_id,
                role: req.role,
                expires_at: Utc::now() + Duration::days(req.valid_days),
            },
        )
        .await?;
        tx.commit().await?;
        Ok((token, secret))
    }

    pub async fn tokens(&self, scope: &Scope) -> Result<Vec<ApiToken>> {
        require_administration(scope)?;
        Ok(users::list_tokens(&mut self.store.conn(), scope).await?)
    }

    pub async fn revoke_token(&self, scope: &Scope, token_id: i64) -> Result<()> {
        let token = users::get_token(&mut self.store.conn(), scope, token_id)
            .await?
            .ok_or(AppError::NotFound)?;
        self.check_grant(scope, token.role, token.org_id).await?;
        let mut tx = self.store.begin().await?;
        users::revoke_token(&mut tx, scope, &token).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Finds an account by name for the command line's administrator actions.
    pub async fn user_by_name(&self, scope: &Scope, username: &str) -> Result<User> {
        let (user, _) = users::find_for_login(&mut self.store.conn(), username)
            .await?
            .ok_or(AppError::NotFound)?;
        users::get(&mut self.store.conn(), scope, user.id)
            .await?
            .ok_or(AppError::NotFound)
    }
}

#[derive(Debug, Clone, serde::Deserialize)]
pub struct CreateUser {
    pub username: String,
    pub display_name: String,
    #[serde(default)]
    pub email: Option<String>,
    pub org_id: i64,
    pub role: Role,
    #[serde(default)]
    pub password: Option<String>,
    #[serde(default)]
    pub must_change_password: bool,
}

#[derive(Debug, Clone, serde::Deserialize)]
pub struct CreateToken {
    pub name: String,
    pub org_id: i64,
    pub role: Role,
    #[serde(default = "default_token_days")]
    pub valid_days: i64,
}

fn default_token_days() -> i64 {
    365
}

/// Failed sign-ins from one address, under any names, within the lock-out
/// time, after which the address is held back as a whole.
pub const SOURCE_MAX_FAILURES: i64 = 50;

/// The scope of an account, given the coordinating organisation's id.
pub fn user_scope(user: &User, coordinating_org_id: i64) -> Scope {
    Scope::new(
        Actor::User {
            id: user.id,
            username: user.username.clone(),
        },
        user.org_id,
        user.role,
        coordinating_org_id,
    )
}

/// Accounts, tokens and the audit log are read by administrators and
/// auditors ([`domain::Capability::ReadAdministration`]), each within reach.
pub(crate) fn require_administration(scope: &Scope) -> Result<()> {
    if scope.may(domain::Capability::ReadAdministration) {
        Ok(())
    } else {
        Err(AppError::Forbidden(
            "Chỉ quản trị đơn vị, cơ quan điều phối và kiểm tra viên xem tài khoản, khóa API và nhật ký \
             (accounts, tokens and the audit log are for administrators and auditors)"
                .into(),
        ))
    }
}

fn forbidden_grant() -> AppError {
    AppError::Forbidden(
        "Không được cấp hoặc quản lý vai trò có quyền rộng hơn quyền của mình, hay ở đơn vị mình không quản lý; \
         quyền xem toàn tỉnh chỉ do cơ quan điều phối cấp (you may not grant or manage a role that sees or does \
         more than your own, or in an organisation you do not administer; province-wide reading is granted by \
         the coordinator only)"
            .into(),
    )
}

/// A real argon2id hash of a random password, verified against when the user
/// name is unknown.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$2PZ3cYBM0s0mZp3g0I3K5b6w7tqzS0qAq8y3K0R3p1c";

#[cfg(test)]
mod tests {
    use super::*;

    /// Unknown user names must cost a real argon2 verification, or the
    /// response time would tell which names exist.
    #[test]
    fn the_dummy_hash_is_a_real_argon2_hash() {
        let parsed = PasswordHash::new(DUMMY_HASH).expect("DUMMY_HASH parses");
        assert_eq!(parsed.algorithm.as_str(), "argon2id");
        assert!(!password_matches("anything", DUMMY_HASH));
    }

    #[test]
    fn generated_passwords_meet_the_policy() {
        let policy = domain::PasswordPolicy::default();
        for _ in 0..50 {
            assert!(policy.problems(&generate_password(), "admin").is_empty());
        }
    }
}
