//! `canhgac user` and `canhgac token`: accounts and API tokens.

use super::*;

#[derive(Subcommand)]
pub(crate) enum UserCommand {
    /// Create an account; prints a one-time password unless CANHGAC_NEW_PASSWORD is set.
    Create {
        #[arg(long)]
        username: String,
        /// Full name, as shown in the console.
        #[arg(long)]
        name: String,
        /// Short name of the organisation (e.g. SKHCN).
        #[arg(long)]
        org: String,
        /// coordinator, org_admin, officer, isp_operator, soc_analyst, responder or auditor.
        #[arg(long)]
        role: Role,
        #[arg(long)]
        email: Option<String>,
    },
    /// List accounts.
    List,
    /// Give an account a new one-time password (printed) and end its sessions.
    ResetPassword { username: String },
    /// Disable an account and end its sessions.
    Disable { username: String },
    /// Enable a disabled account.
    Enable { username: String },
}

#[derive(Subcommand)]
pub(crate) enum TokenCommand {
    /// Create a token; the secret is printed once and only its hash is kept.
    Create {
        #[arg(long)]
        name: String,
        /// Short name of the organisation the token acts for.
        #[arg(long)]
        org: String,
        #[arg(long)]
        role: Role,
        /// Days until it expires.
        #[arg(long, default_value_t = 365)]
        days: i64,
    },
    /// List tokens (never their secrets).
    List,
    /// Revoke a token by its number.
    Revoke { id: i64 },
}

pub(crate) async fn user(db: &DbArgs, cmd: UserCommand) -> Result<()> {
    let app = open(db, Config::default()).await?;
    let scope = app.system_scope().await.map_err(explain)?;
    match cmd {
        UserCommand::Create {
            username,
            name,
            org,
            role,
            email,
        } => {
            let org_id = org_id(&app, &scope, &org).await?;
            let password = std::env::var("CANHGAC_NEW_PASSWORD").ok();
            let (user, initial) = app
                .create_user(
                    &scope,
                    &CreateUser {
                        username,
                        display_name: name,
                        email,
                        org_id,
                        role,
                        password,
                        must_change_password: true,
                    },
                )
                .await
                .map_err(explain)?;
            println!("created user '{}' (#{})", user.username, user.id);
            if let Some(p) = initial {
                println!("one-time password: {p}\n(it must be changed at first sign-in)");
            }
        }
        UserCommand::List => {
            let mut after = None;
            loop {
                let page = app.users(&scope, None, after, 500).await.map_err(explain)?;
                for u in &page.items {
                    println!(
                        "{}\t{}\t{}\torg#{}\t{}{}",
                        u.id,
                        u.username,
                        u.role.as_str(),
                        u.org_id,
                        u.display_name,
                        if u.disabled { "\t(disabled)" } else { "" }
                    );
                }
                match page.next {
                    Some(n) => after = Some(n),
                    None => break,
                }
            }
        }
        UserCommand::ResetPassword { username } => {
            let user = app.user_by_name(&scope, &username).await.map_err(explain)?;
            let p = app.reset_password(&scope, user.id).await.map_err(explain)?;
            println!("new one-time password for '{username}': {p}");
        }
        UserCommand::Disable { username } => {
            let user = app.user_by_name(&scope, &username).await.map_err(explain)?;
            app.set_user_disabled(&scope, user.id, true)
                .await
                .map_err(explain)?;
            println!("disabled '{username}'");
        }
        UserCommand::Enable { username } => {
            let user = app.user_by_name(&scope, &username).await.map_err(explain)?;
            app.set_user_disabled(&scope, user.id, false)
                .await
                .map_err(explain)?;
            println!("enabled '{username}'");
        }
    }
    Ok(())
}

pub(crate) async fn token(db: &DbArgs, cmd: TokenCommand) -> Result<()> {
    let app = open(db, Config::default()).await?;
    let scope = app.system_scope().await.map_err(explain)?;
    match cmd {
        TokenCommand::Create {
            name,
            org,
            role,
            days,
        } => {
            let org_id = org_id(&app, &scope, &org).await?;
            let (t, secret) = app
                .create_token(
                    &scope,
                    &CreateToken {
                        name,
                        org_id,
                        role,
                        valid_days: days,
                    },
                )
                .await
                .map_err(explain)?;
            println!(
                "token #{} '{}' for {org} as {}, expires {}",
                t.id,
                t.name,
                t.role.as_str(),
                app::registry::format_vn_time(t.expires_at)
            );
            println!("{secret}");
            eprintln!("(this secret is shown once; only its hash is stored)");
        }
        TokenCommand::List => {
            for t in app.tokens(&scope).await.map_err(explain)? {
                println!(
                    "{}\t{}\torg#{}\t{}\texpires {}{}",
                    t.id,
                    t.name,
                    t.org_id,
                    t.role.as_str(),
                    app::registry::format_vn_time(t.expires_at),
                    if t.revoked_at.is_some() {
                        "\t(revoked)"
                    } else {
                        ""
                    }
                );
            }
        }
        TokenCommand::Revoke { id } => {
            app.revoke_token(&scope, id).await.map_err(explain)?;
            println!("revoked token #{id}");
        }
    }
    Ok(())
}
