//! `canhgac`: the one binary. Each command parses its arguments, calls one
//! use case and prints the result.

use anyhow::{bail, Context, Result};
use app::accounts::{CreateToken, CreateUser};
use app::sheets::Format;
use app::transfer::{ImportMode, Kind};
use app::{App, AppError, Config};
use clap::{Args, Parser, Subcommand};
use domain::{Role, Scope};
use std::path::PathBuf;

/// glibc malloc serialises the server's threads on its arena locks under
/// load (seen in profiles of the list endpoints); mimalloc does not.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "canhgac",
    version,
    about = "canhgac — the cyber-security operations platform of a province (canh gác: to keep watch)",
    long_about = "canhgac keeps the registry of a province's information systems, its accounts and its audit log, \
and serves a JSON API. Every command that touches the database takes --data-dir (embedded SQLite, the default) \
or --database-url (PostgreSQL)."
)]
struct Cli {
    #[command(flatten)]
    db: DbArgs,
    #[command(subcommand)]
    command: Command,
}

#[derive(Args, Clone)]
struct DbArgs {
    /// Folder of the embedded SQLite database (created if missing).
    #[arg(
        long,
        global = true,
        env = "CANHGAC_DATA",
        default_value = "canhgac-data"
    )]
    data_dir: PathBuf,
    /// PostgreSQL URL (postgres://user@host/db); when set, --data-dir is not used.
    #[arg(long, global = true, env = "CANHGAC_DATABASE_URL")]
    database_url: Option<String>,
}

#[derive(Subcommand)]
enum Command {
    /// Start the web server and API (http://127.0.0.1:8080 unless --listen says otherwise).
    Serve(ServeArgs),
    /// Fill an empty database with the demo province and print the accounts to sign in with.
    Demo {
        /// Seed of the generator: the same seed gives the same province.
        #[arg(long, default_value_t = 2025)]
        seed: u64,
    },
    /// Import organisations, systems, assets or address blocks from a CSV or XLSX file.
    /// Nothing is written if any row is bad, unless --keep-valid.
    Import {
        /// What the file holds: orgs, systems, assets or blocks.
        kind: Kind,
        file: PathBuf,
        /// Write the good rows and list the bad ones instead of rejecting the file.
        #[arg(long)]
        keep_valid: bool,
        /// Check the file and report, writing nothing.
        #[arg(long)]
        dry_run: bool,
        /// Act as this user (their organisation and role); by default the system acts for the coordinator.
        #[arg(long = "as")]
        as_user: Option<String>,
    },
    /// Export organisations, systems, assets or address blocks as CSV or XLSX.
    Export {
        kind: Kind,
        /// csv or xlsx.
        #[arg(long, default_value = "csv")]
        format: String,
        /// Output file; standard output when omitted.
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
    /// Manage accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage API tokens for machines (sensors, scripts).
    #[command(subcommand)]
    Token(TokenCommand),
    /// Copy the embedded database to FILE consistently, even while the server runs.
    Backup { file: PathBuf },
    /// Read or check the audit log.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Botnet IP lists: import a month's list and see each owner's count.
    #[command(subcommand)]
    Botnet(BotnetCommand),
}

#[derive(Subcommand)]
enum BotnetCommand {
    /// Import a list (one IP per line, IP<TAB>count, or CSV such as Shadowserver
    /// reports and the Feodo list); each IP goes to the owner of the most specific
    /// registered block. Nothing is written if a line is bad, unless --keep-valid.
    Import {
        file: PathBuf,
        /// Who published the list (e.g. "Cục ATTT", "Shadowserver").
        #[arg(long)]
        source: String,
        /// The month the list covers, YYYY-MM.
        #[arg(long)]
        period: String,
        /// text, ipsum or csv; guessed from the content when omitted.
        #[arg(long)]
        format: Option<String>,
        #[arg(long)]
        keep_valid: bool,
    },
    /// The imported lists.
    Lists,
    /// Listed IPs per owner in one list.
    Owners { list: i64 },
}

#[derive(Args)]
struct ServeArgs {
    /// Address and port to listen on.
    #[arg(long, default_value = "127.0.0.1:8080", env = "CANHGAC_LISTEN")]
    listen: String,
    /// Seed the demo province first if the database is empty.
    #[arg(long)]
    demo: bool,
    /// TLS certificate chain (PEM); with --tls-key, serve HTTPS.
    #[arg(long, requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// TLS private key (PEM).
    #[arg(long, requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// Minutes without activity after which a session ends.
    #[arg(long, default_value_t = 30)]
    session_idle_minutes: i64,
    /// Hours after sign-in after which a session ends regardless.
    #[arg(long, default_value_t = 12)]
    session_max_hours: i64,
    /// Failed sign-ins in a row that lock an account.
    #[arg(long, default_value_t = 5)]
    lockout_failures: i64,
    /// Minutes an account stays locked.
    #[arg(long, default_value_t = 15)]
    lockout_minutes: i64,
    /// Days after which a password must be changed (0: never).
    #[arg(long, default_value_t = 90)]
    password_max_age_days: i64,
    /// Roles whose accounts must set up a TOTP second factor, comma-separated
    /// (e.g. coordinator,org_admin).
    #[arg(long, value_delimiter = ',', env = "CANHGAC_REQUIRE_TOTP_ROLES")]
    require_totp_roles: Vec<Role>,
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create an account; prints a one-time password unless CANHGAC_NEW_PASSWORD is set.
    Create {
        #[arg(long)]
        username: String,
        /// Full name, as shown in the console.
        #[arg(long)]
        name: String,
        /// Short name of the organisation (e.g. STTTT).
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
enum TokenCommand {
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

#[derive(Subcommand)]
enum AuditCommand {
    /// Recompute the hash chain; exits with status 1 at the first broken link.
    Verify,
    /// Print the newest records.
    Log {
        #[arg(long, default_value_t = 50)]
        limit: i64,
    },
}

fn main() -> Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("CANHGAC_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the runtime")?;
    rt.block_on(run(cli))
}

async fn open(db: &DbArgs, config: Config) -> Result<App> {
    let store = match &db.database_url {
        Some(url) => app::store::Store::open_postgres(url)
            .await
            .context("opening the PostgreSQL database")?,
        None => app::store::Store::open_sqlite_dir(&db.data_dir)
            .await
            .with_context(|| format!("opening the database in {}", db.data_dir.display()))?,
    };
    Ok(App::new(store, config))
}

/// The scope a command acts with: a named user's, or the system's.
async fn acting_scope(app: &App, as_user: Option<&str>) -> Result<Scope> {
    let system = app.system_scope().await.map_err(explain)?;
    match as_user {
        None => Ok(system),
        Some(name) => {
            let user = app.user_by_name(&system, name).await.map_err(explain)?;
            Ok(app::accounts::user_scope(&user))
        }
    }
}

async fn org_id(app: &App, scope: &Scope, short: &str) -> Result<i64> {
    let page = app
        .orgs(
            scope,
            &app::store::orgs::OrgFilter {
                q: Some(short.to_string()),
                limit: 1000,
                ..Default::default()
            },
        )
        .await
        .map_err(explain)?;
    page.items
        .iter()
        .find(|o| o.data.short_name.as_str().eq_ignore_ascii_case(short))
        .map(|o| o.id)
        .with_context(|| format!("no organisation with short name '{short}'"))
}

/// Turns a refusal into a message a person can act on.
fn explain(e: AppError) -> anyhow::Error {
    match e {
        AppError::Invalid(errs) => anyhow::anyhow!("invalid input: {errs}"),
        AppError::NotFound => anyhow::anyhow!("not found"),
        other => anyhow::anyhow!("{other}"),
    }
}

async fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Serve(args) => serve(&cli.db, args).await,
        Command::Demo { seed } => {
            let app = open(&cli.db, Config::default()).await?;
            match app.seed_demo(seed).await.map_err(explain)? {
                Some(accounts) => {
                    print_demo_accounts(&accounts);
                    println!(
                        "\nStart the server with: canhgac serve --data-dir {}",
                        cli.db.data_dir.display()
                    );
                }
                None => bail!("the database is not empty; the demo seeds only an empty database"),
            }
            Ok(())
        }
        Command::Import {
            kind,
            file,
            keep_valid,
            dry_run,
            as_user,
        } => {
            let app = open(&cli.db, Config::default()).await?;
            let scope = acting_scope(&app, as_user.as_deref()).await?;
            let bytes =
                std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
            let name = file
                .file_name()
                .map(|n| n.to_string_lossy().to_string())
                .unwrap_or_default();
            let report = app
                .import(
                    &scope,
                    kind,
                    &name,
                    &bytes,
                    ImportMode {
                        keep_valid,
                        dry_run,
                    },
                )
                .await
                .map_err(explain)?;
            for e in &report.rejected {
                eprintln!("{}: {e}", file.display());
            }
            println!(
                "{}: {} rows, {} created, {} updated, {} rejected{}",
                file.display(),
                report.rows,
                report.created,
                report.updated,
                report.rejected.len(),
                if report.committed {
                    ""
                } else {
                    "; nothing was written"
                }
            );
            if !report.rejected.is_empty() && !keep_valid {
                std::process::exit(1);
            }
            Ok(())
        }
        Command::Export {
            kind,
            format,
            output,
        } => {
            let app = open(&cli.db, Config::default()).await?;
            let scope = app.system_scope().await.map_err(explain)?;
            let format = match format.as_str() {
                "csv" => Format::Csv,
                "xlsx" => Format::Xlsx,
                other => bail!("format '{other}' is not csv or xlsx"),
            };
            let bytes = app.export(&scope, kind, format).await.map_err(explain)?;
            match output {
                Some(path) => std::fs::write(&path, bytes)
                    .with_context(|| format!("writing {}", path.display()))?,
                None => {
                    use std::io::Write;
                    std::io::stdout().write_all(&bytes)?;
                }
            }
            Ok(())
        }
        Command::User(cmd) => user(&cli.db, cmd).await,
        Command::Botnet(cmd) => botnet(&cli.db, cmd).await,
        Command::Token(cmd) => token(&cli.db, cmd).await,
        Command::Backup { file } => {
            if cli.db.database_url.is_some() {
                bail!("backup copies the embedded database; for PostgreSQL use pg_dump");
            }
            let app = open(&cli.db, Config::default()).await?;
            app.backup(&file).await.map_err(explain)?;
            println!("backed up to {}", file.display());
            Ok(())
        }
        Command::Audit(AuditCommand::Verify) => {
            let app = open(&cli.db, Config::default()).await?;
            let scope = app.system_scope().await.map_err(explain)?;
            let report = app.verify_audit(&scope).await.map_err(explain)?;
            match report.broken_at {
                None => {
                    println!("audit chain intact: {} records verified", report.records);
                    Ok(())
                }
                Some(id) => {
                    eprintln!(
                        "audit chain BROKEN at record {id}: {} ({} records before it verified)",
                        report.reason.unwrap_or_default(),
                        report.records
                    );
                    std::process::exit(1);
                }
            }
        }
        Command::Audit(AuditCommand::Log { limit }) => {
            let app = open(&cli.db, Config::default()).await?;
            let scope = app.system_scope().await.map_err(explain)?;
            let page = app
                .audit_log(
                    &scope,
                    &app::store::audit::AuditFilter {
                        limit,
                        ..Default::default()
                    },
                )
                .await
                .map_err(explain)?;
            for r in page.items {
                println!(
                    "{}\t{}\t{}\t{} {}#{}",
                    r.id,
                    app::registry::format_vn_time(r.at),
                    r.actor,
                    r.action,
                    r.entity,
                    r.entity_id.map(|i| i.to_string()).unwrap_or_default()
                );
            }
            Ok(())
        }
    }
}

fn print_demo_accounts(accounts: &app::demo_seed::DemoAccounts) {
    println!(
        "Demo province seeded: {} organisations, {} information systems, {} assets.",
        accounts.orgs, accounts.systems, accounts.assets
    );
    println!("Accounts (user name / password / role / organisation):");
    for u in &accounts.users {
        println!(
            "  {:<22} {:<20} {:<13} {}",
            u.username,
            u.password,
            u.role.as_str(),
            u.org
        );
    }
}

async fn serve(db: &DbArgs, args: ServeArgs) -> Result<()> {
    let config = Config {
        session_idle: chrono::Duration::minutes(args.session_idle_minutes),
        session_absolute: chrono::Duration::hours(args.session_max_hours),
        totp_required_roles: args.require_totp_roles.clone(),
        password_policy: domain::PasswordPolicy {
            max_failures: args.lockout_failures.max(1),
            lockout_minutes: args.lockout_minutes.max(0),
            max_age_days: args.password_max_age_days.max(0),
            ..domain::PasswordPolicy::default()
        },
    };
    let app = open(db, config).await?;
    if args.demo {
        if let Some(accounts) = app.seed_demo(2025).await.map_err(explain)? {
            print_demo_accounts(&accounts);
        }
    }
    let admin_password = std::env::var("CANHGAC_ADMIN_PASSWORD").ok();
    if let Some(b) = app
        .bootstrap(admin_password, "Sở Thông tin và Truyền thông")
        .await
        .map_err(explain)?
    {
        if b.generated {
            println!(
                "First start: created the coordinating organisation and the account '{}' with the one-time password: {}",
                b.username, b.password
            );
        } else {
            println!(
                "First start: created the account '{}' with the password from CANHGAC_ADMIN_PASSWORD",
                b.username
            );
        }
        println!("The password must be changed at first sign-in.");
    }
    let listener = std::net::TcpListener::bind(&args.listen)
        .with_context(|| format!("listening on {}", args.listen))?;
    let addr = listener.local_addr()?;
    let tls = match (args.tls_cert, args.tls_key) {
        (Some(cert), Some(key)) => Some(server::Tls { cert, key }),
        _ => None,
    };
    let scheme = if tls.is_some() { "https" } else { "http" };
    println!(
        "canhgac is serving on {scheme}://{addr}/  (API: {scheme}://{addr}/api/v1/openapi.json)"
    );
    server::serve(app, listener, tls, shutdown_signal()).await
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}

async fn user(db: &DbArgs, cmd: UserCommand) -> Result<()> {
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

async fn token(db: &DbArgs, cmd: TokenCommand) -> Result<()> {
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

async fn botnet(db: &DbArgs, cmd: BotnetCommand) -> Result<()> {
    let app = open(db, Config::default()).await?;
    let scope = app.system_scope().await.map_err(explain)?;
    match cmd {
        BotnetCommand::Import {
            file,
            source,
            period,
            format,
            keep_valid,
        } => {
            use std::io::Read;
            let mut f = std::fs::File::open(&file)
                .with_context(|| format!("reading {}", file.display()))?;
            let mut head = [0u8; 4096];
            let n = f.read(&mut head)?;
            let format = match format {
                Some(name) => name
                    .parse::<app::netmatch::Format>()
                    .map_err(|e| anyhow::anyhow!("--format: {e}"))?,
                None => app::netmatch::Format::detect(&head[..n]),
            };
            let reader = std::io::BufReader::new(std::io::Cursor::new(head[..n].to_vec()).chain(f));
            let how = app::botnet::BotnetImport {
                file_name: file
                    .file_name()
                    .map(|n| n.to_string_lossy().to_string())
                    .unwrap_or_default(),
                source,
                period,
                format,
                keep_valid,
            };
            let report = app
                .import_botnet(&scope, &how, reader)
                .await
                .map_err(explain)?;
            for e in &report.rejected {
                eprintln!("{}: {e}", file.display());
            }
            for s in &report.special {
                eprintln!(
                    "{}: line {}: {} is a {} address; not matched",
                    file.display(),
                    s.line,
                    s.ip,
                    s.kind
                );
            }
            println!(
                "{}: {} lines, {} listed IPs, {} duplicates, {} special, {} with no known owner, {} rejected{}",
                file.display(),
                report.lines,
                report.listed,
                report.duplicates,
                report.special.len(),
                report.unknown_owner,
                report.rejected.len(),
                if report.committed { "" } else { "; nothing was written" }
            );
            for o in &report.per_owner {
                println!("  {:<24} {}", o.name, o.count);
            }
            if !report.committed {
                std::process::exit(1);
            }
        }
        BotnetCommand::Lists => {
            for l in app.botnet_lists(&scope).await.map_err(explain)? {
                println!(
                    "{}\t{}\t{}\t{} listed\t{}",
                    l.id, l.period, l.source, l.listed, l.file_name
                );
            }
        }
        BotnetCommand::Owners { list } => {
            for o in app.botnet_owners(&scope, list).await.map_err(explain)? {
                println!("{:<24} {}", o.name, o.count);
            }
        }
    }
    Ok(())
}
