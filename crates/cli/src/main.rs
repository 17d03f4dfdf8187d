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

mod accounts;
mod audit;
mod botnet;
mod hunt;
mod incident;
mod ioc;
mod report;
mod ship;
mod vuln;

use accounts::{TokenCommand, UserCommand};
use audit::AuditCommand;
use botnet::BotnetCommand;
use hunt::{HuntArgs, RulesCommand};
use incident::IncidentCommand;
use report::ReportCommand;
use vuln::VulnCommand;

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
    #[command(flatten)]
    notify: NotifyArgs,
    #[command(subcommand)]
    command: Command,
}

/// Where notifications go. E-mail and webhook messages are queued only when
/// configured; the server delivers and retries them.
#[derive(Args, Clone)]
struct NotifyArgs {
    /// The console's address as users reach it, for links in messages.
    #[arg(
        long,
        global = true,
        env = "CANHGAC_PUBLIC_URL",
        default_value = "http://127.0.0.1:8080"
    )]
    public_url: String,
    /// SMTP relay host; without it no e-mail is queued.
    #[arg(long, global = true, env = "CANHGAC_SMTP_HOST")]
    smtp_host: Option<String>,
    /// SMTP port (default: 25, 587 or 465 for none, starttls, tls).
    #[arg(long, global = true, env = "CANHGAC_SMTP_PORT")]
    smtp_port: Option<u16>,
    /// none, starttls or tls.
    #[arg(
        long,
        global = true,
        env = "CANHGAC_SMTP_SECURITY",
        default_value = "starttls"
    )]
    smtp_security: String,
    #[arg(long, global = true, env = "CANHGAC_SMTP_USER")]
    smtp_user: Option<String>,
    /// Only from the environment, so it never shows in the process list.
    #[arg(skip = std::env::var("CANHGAC_SMTP_PASSWORD").ok())]
    smtp_password: Option<String>,
    /// Sender, e.g. "canhgac <canhgac@sonha.gov.vn>".
    #[arg(
        long,
        global = true,
        env = "CANHGAC_SMTP_FROM",
        default_value = "canhgac <canhgac@localhost>"
    )]
    smtp_from: String,
    /// Extra root certificate (PEM) for a relay with a private CA.
    #[arg(long, global = true, env = "CANHGAC_SMTP_CA")]
    smtp_ca: Option<PathBuf>,
    /// A URL that receives every notification as JSON.
    #[arg(long, global = true, env = "CANHGAC_WEBHOOK_URL")]
    webhook_url: Option<String>,
    /// Seconds between the server's delivery runs.
    #[arg(long, global = true, default_value_t = 10)]
    delivery_interval_secs: u64,
}

impl NotifyArgs {
    fn config(&self) -> Result<app::NotifyConfig> {
        let smtp = match &self.smtp_host {
            None => None,
            Some(host) => {
                let security: app::notify::SmtpSecurity = self
                    .smtp_security
                    .parse()
                    .map_err(|e: String| anyhow::anyhow!("--smtp-security: {e}"))?;
                Some(app::notify::SmtpConfig {
                    host: host.clone(),
                    port: self.smtp_port.unwrap_or(security.default_port()),
                    security,
                    username: self.smtp_user.clone(),
                    password: self.smtp_password.clone(),
                    from: self.smtp_from.clone(),
                    timeout: std::time::Duration::from_secs(30),
                    tls_ca: self.smtp_ca.clone(),
                })
            }
        };
        Ok(app::NotifyConfig {
            public_url: self.public_url.clone(),
            smtp,
            webhook: self.webhook_url.clone(),
            webhook_secret: std::env::var("CANHGAC_WEBHOOK_SECRET").ok(),
            delivery_interval: std::time::Duration::from_secs(self.delivery_interval_secs.max(1)),
        })
    }
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
    /// PostgreSQL URL (postgres://user@host/db); when set, --data-dir holds only the audit key.
    #[arg(long, global = true, env = "CANHGAC_DATABASE_URL")]
    database_url: Option<String>,
    /// The audit chain's key file (created at first start, mode 0600; default
    /// DATA_DIR/audit.key); the checkpoint audit.checkpoint is written beside it.
    #[arg(
        long,
        global = true,
        env = "CANHGAC_AUDIT_KEY_FILE",
        value_name = "FILE"
    )]
    audit_key: Option<PathBuf>,
}

impl DbArgs {
    fn audit_files(&self) -> app::store::AuditFiles {
        match &self.audit_key {
            Some(f) => app::store::AuditFiles::key_file(f),
            None => app::store::AuditFiles::in_dir(&self.data_dir),
        }
    }
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
    /// Vulnerability warnings: feeds, the Authority's warnings, matching, reports.
    #[command(subcommand)]
    Vuln(VulnCommand),
    /// Incidents: report one with the initial report form, list, export.
    #[command(subcommand)]
    Incident(IncidentCommand),
    /// The 6-monthly and yearly reports.
    #[command(subcommand)]
    Report(ReportCommand),
    /// Hunt with Sigma rules over log files or folders of them: Windows EVTX and JSON, Linux
    /// auditd, syslog (RFC 3164/5424), CEF, Suricata EVE, Zeek; each file's reader is picked by
    /// its content. Exit code: 0 nothing fired, 1 something fired, 2 error.
    Hunt(HuntArgs),
    /// Sigma rule sets.
    #[command(subcommand)]
    Rules(RulesCommand),
    /// Indicator feeds (plain lists, STIX 2.1, MISP) matched by the live monitoring pipeline.
    #[command(subcommand)]
    Ioc(ioc::IocCommand),
    /// Forward log files to a canhgac server: follows files and folders like
    /// `tail -F` (rotation, truncation), remembers its position, retries
    /// while the server is away; every line is sent once.
    Ship(ship::ShipArgs),
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
    /// Days to fix a vulnerability finding per priority (immediate,
    /// out-of-cycle, scheduled, defer) for systems of one security level:
    /// `LEVEL:I,O,S,D`, repeatable, e.g. `--vuln-sla 4:2,5,20,60`. Levels not
    /// named keep 3,7,30,90.
    #[arg(long = "vuln-sla", value_parser = parse_level_sla)]
    vuln_sla: Vec<(u8, app::vulnmatch::priority::Sla)>,
    /// Largest incident evidence file accepted, in MiB.
    #[arg(long, default_value_t = 50)]
    evidence_max_mib: u64,
    /// Roles whose accounts must set up a TOTP second factor, comma-separated
    /// (e.g. coordinator,org_admin).
    #[arg(long, value_delimiter = ',', env = "CANHGAC_REQUIRE_TOTP_ROLES")]
    require_totp_roles: Vec<Role>,
    /// Folders of Sigma rules every received event is evaluated against
    /// (repeatable). Without it, `rules/sigma` under the working folder if
    /// present; with `--rules none`, no rules (events are counted only).
    #[arg(long = "rules")]
    rules: Vec<PathBuf>,
    /// Batches of events waiting for detection before senders get 429.
    #[arg(long, default_value_t = 256)]
    event_queue: usize,
    /// Events received and not yet stored (evaluated, alerts written) before
    /// senders get 429 or are slowed down: bounds the delay from receipt to
    /// alert under a flood (in-process pipeline).
    #[arg(long, default_value_t = 50_000)]
    event_queue_events: usize,
    /// Detection threads (default: one per core, at most 8).
    #[arg(long)]
    detect_workers: Option<usize>,
    /// Minutes within which repeats of a rule on a host add to one alert.
    #[arg(long, default_value_t = 60)]
    alert_group_minutes: i64,
    /// Receive syslog over UDP on ADDR (e.g. 0.0.0.0:514); the source
    /// address names the sensor.
    #[arg(long)]
    syslog_udp: Option<String>,
    /// Receive syslog over TCP on ADDR (octet counting or newline framing).
    #[arg(long)]
    syslog_tcp: Option<String>,
    /// Receive syslog over TLS on ADDR (RFC 5425, e.g. 0.0.0.0:6514), with
    /// the certificate of --syslog-tls-cert/--syslog-tls-key, else of
    /// --tls-cert/--tls-key.
    #[arg(long)]
    syslog_tls: Option<String>,
    /// Certificate chain (PEM) of the syslog TLS receiver, if not --tls-cert's.
    #[arg(long, requires = "syslog_tls_key")]
    syslog_tls_cert: Option<PathBuf>,
    /// Private key (PEM) of the syslog TLS receiver, if not --tls-key's.
    #[arg(long, requires = "syslog_tls_cert")]
    syslog_tls_key: Option<PathBuf>,
    /// Send received events through NATS JetStream at URL (e.g.
    /// nats://127.0.0.1:4222) and evaluate them on every node started with
    /// the same URL and stream; without it, in-process. With it,
    /// --event-queue bounds the stream's waiting batches.
    #[arg(long, env = "CANHGAC_NATS_URL")]
    nats_url: Option<String>,
    /// The JetStream stream's name (created if missing; subject NAME.batches).
    #[arg(long, default_value = app::pipeline::NatsConfig::DEFAULT_STREAM)]
    nats_stream: String,
    /// Seconds a node may hold a batch without a sign of life before
    /// JetStream gives it to another node (set when the stream's consumer is
    /// created).
    #[arg(long, default_value_t = 30)]
    nats_ack_wait: u64,
    /// Largest EVTX or Suricata EVE file accepted by POST /api/v1/events/file
    /// and the console's upload form, in MiB (413 beyond).
    #[arg(long, default_value_t = 256)]
    max_upload_mib: u64,
    /// Days received events are kept under DATA_DIR/events, searchable and
    /// retro-hunted when new indicators arrive (0: keep none).
    #[arg(long, default_value_t = 30)]
    keep_events_days: u32,
}

fn main() -> Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("CANHGAC_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn,evtx=warn")),
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

/// Opens the database (migrating it) and, on an empty one, sets up the
/// coordinating organisation and its administrator as `serve` does: every
/// command works on a fresh `--data-dir`.
async fn open(db: &DbArgs, config: Config) -> Result<App> {
    let app = open_store(db, config).await?;
    bootstrap(&app, false).await?;
    Ok(app)
}

/// On an empty database: the coordinating organisation and the account
/// `admin`, whose one-time password is printed once (on standard output for
/// `serve`, on standard error for commands whose output may be a file).
async fn bootstrap(app: &App, to_stdout: bool) -> Result<()> {
    let say = |line: String| {
        if to_stdout {
            println!("{line}");
        } else {
            eprintln!("{line}");
        }
    };
    let admin_password = std::env::var("CANHGAC_ADMIN_PASSWORD").ok();
    // The coordinating body is the installation's: today a province's Sở
    // Khoa học và Công nghệ; renamed later in the registry like any
    // organisation.
    let coordinator = std::env::var("CANHGAC_COORDINATOR_NAME")
        .unwrap_or_else(|_| "Sở Khoa học và Công nghệ".into());
    let coordinator_short =
        std::env::var("CANHGAC_COORDINATOR_SHORT").unwrap_or_else(|_| "SKHCN".into());
    if let Some(b) = app
        .bootstrap(admin_password, &coordinator, &coordinator_short)
        .await
        .map_err(explain)?
    {
        if b.generated {
            say(format!(
                "First start: created the coordinating organisation and the account '{}' with the one-time password: {}",
                b.username, b.password
            ));
        } else {
            say(format!(
                "First start: created the account '{}' with the password from CANHGAC_ADMIN_PASSWORD",
                b.username
            ));
        }
        say("The password must be changed at first sign-in.".into());
    }
    Ok(())
}

/// Opens (and migrates) the database as it is.
async fn open_store(db: &DbArgs, config: Config) -> Result<App> {
    let store = match &db.database_url {
        Some(url) => app::store::Store::open_postgres_with(url, db.audit_files())
            .await
            .context("opening the PostgreSQL database")?,
        None => app::store::Store::open_sqlite_dir_with(&db.data_dir, db.audit_files())
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
            app.user_scope(&user).await.map_err(explain)
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

/// A document command's output kind, told by the file's extension.
enum DocKind {
    Docx,
    Xlsx,
}

fn doc_kind(output: &std::path::Path) -> Result<DocKind> {
    let name = output.to_string_lossy().to_lowercase();
    if name.ends_with(".docx") {
        Ok(DocKind::Docx)
    } else if name.ends_with(".xlsx") {
        Ok(DocKind::Xlsx)
    } else {
        bail!("the output file must end in .docx or .xlsx")
    }
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
        Command::Ship(args) => ship::run(args).await,
        Command::Serve(args) => serve(&cli.db, &cli.notify, args).await,
        Command::Hunt(args) => hunt::run(args),
        Command::Rules(cmd) => hunt::rules(cmd),
        Command::Demo { seed } => {
            let app = open_store(&cli.db, Config::default()).await?;
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
        Command::User(cmd) => accounts::user(&cli.db, cmd).await,
        Command::Botnet(cmd) => botnet::botnet(&cli.db, &cli.notify, cmd).await,
        Command::Vuln(cmd) => vuln::vuln(&cli.db, &cli.notify, cmd).await,
        Command::Incident(cmd) => incident::incident(&cli.db, cmd).await,
        Command::Report(cmd) => report::report(&cli.db, cmd).await,
        Command::Token(cmd) => accounts::token(&cli.db, cmd).await,
        Command::Ioc(cmd) => ioc::run(&cli.db, cmd).await,
        Command::Backup { file } => {
            if cli.db.database_url.is_some() {
                bail!("backup copies the embedded database; for PostgreSQL use pg_dump");
            }
            let app = open(&cli.db, Config::default()).await?;
            app.backup(&file).await.map_err(explain)?;
            println!("backed up to {}", file.display());
            println!(
                "khóa nhật ký kiểm toán không nằm trong bản sao, hãy sao lưu cùng / the audit key is not in the copy; back it up with it: {}",
                cli.db.audit_files().key_path().display()
            );
            Ok(())
        }
        Command::Audit(cmd) => audit::run(&cli.db, cmd).await,
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

/// `4:2,5,20,60` → level 4 with those days per priority.
fn parse_level_sla(s: &str) -> Result<(u8, app::vulnmatch::priority::Sla), String> {
    let (level, days) = s
        .split_once(':')
        .ok_or_else(|| format!("'{s}': write LEVEL:IMMEDIATE,OUT_OF_CYCLE,SCHEDULED,DEFER"))?;
    let level: u8 = level
        .trim()
        .parse()
        .ok()
        .filter(|l| (1..=5).contains(l))
        .ok_or_else(|| format!("'{level}' is not a security level 1–5"))?;
    let d: Vec<u32> = days
        .split(',')
        .map(|d| {
            d.trim()
                .parse::<u32>()
                .ok()
                .filter(|n| (1..=3650).contains(n))
        })
        .collect::<Option<_>>()
        .filter(|v: &Vec<u32>| v.len() == 4)
        .ok_or_else(|| format!("'{days}': four numbers of days (1–3650)"))?;
    Ok((
        level,
        app::vulnmatch::priority::Sla {
            immediate_days: d[0],
            out_of_cycle_days: d[1],
            scheduled_days: d[2],
            defer_days: d[3],
        },
    ))
}

async fn serve(db: &DbArgs, notify: &NotifyArgs, args: ServeArgs) -> Result<()> {
    let mut vuln_sla = [app::vulns::default_sla(); 5];
    for (level, sla) in &args.vuln_sla {
        vuln_sla[usize::from(*level - 1)] = *sla;
    }
    let syslog_tls = syslog_tls(&args)?;
    let config = Config {
        vuln_sla,
        evidence_max_bytes: args.evidence_max_mib.saturating_mul(1024 * 1024),
        notify: notify.config()?,
        session_idle: chrono::Duration::minutes(args.session_idle_minutes),
        session_absolute: chrono::Duration::hours(args.session_max_hours),
        totp_required_roles: args.require_totp_roles.clone(),
        password_policy: domain::PasswordPolicy {
            max_failures: args.lockout_failures.max(1),
            lockout_minutes: args.lockout_minutes.max(0),
            max_age_days: args.password_max_age_days.max(0),
            ..domain::PasswordPolicy::default()
        },
        monitoring: app::pipeline::MonitoringConfig {
            events_dir: Some(db.data_dir.join("events")),
            rule_cache: Some(db.data_dir.join("cache")),
            keep_events_days: args.keep_events_days,
            syslog_tls,
            ..monitoring_config(&args)
        },
    };
    let app = open_store(db, config).await?;
    if args.demo {
        if let Some(accounts) = app.seed_demo(2025).await.map_err(explain)? {
            print_demo_accounts(&accounts);
        }
    }
    bootstrap(&app, true).await?;
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

/// The syslog TLS receiver: its address and the certificate it shows (its
/// own, else the console's).
fn syslog_tls(args: &ServeArgs) -> Result<Option<app::pipeline::SyslogTls>> {
    let Some(addr) = &args.syslog_tls else {
        if args.syslog_tls_cert.is_some() {
            bail!("--syslog-tls-cert cần --syslog-tls ADDR (--syslog-tls-cert needs --syslog-tls ADDR)");
        }
        return Ok(None);
    };
    let cert_key = match (&args.syslog_tls_cert, &args.syslog_tls_key) {
        (Some(c), Some(k)) => Some((c, k)),
        _ => args.tls_cert.as_ref().zip(args.tls_key.as_ref()),
    };
    let Some((cert, key)) = cert_key else {
        bail!(
            "--syslog-tls cần chứng chỉ: --syslog-tls-cert và --syslog-tls-key, hoặc --tls-cert và --tls-key              (--syslog-tls needs a certificate: --syslog-tls-cert and --syslog-tls-key, or --tls-cert and --tls-key)"
        );
    };
    Ok(Some(app::pipeline::SyslogTls::new(addr, cert, key)))
}

/// The pipeline's settings from `serve`'s options.
fn monitoring_config(args: &ServeArgs) -> app::pipeline::MonitoringConfig {
    let default = app::pipeline::MonitoringConfig::default();
    let rules = if args.rules.iter().any(|r| r.as_os_str() == "none") {
        Vec::new()
    } else if args.rules.is_empty() {
        let here = PathBuf::from("rules/sigma");
        if here.is_dir() {
            vec![here]
        } else {
            Vec::new()
        }
    } else {
        args.rules.clone()
    };
    app::pipeline::MonitoringConfig {
        rules,
        queue_batches: args.event_queue.max(1),
        queue_events: args.event_queue_events.max(1),
        workers: args.detect_workers.unwrap_or(default.workers).max(1),
        group_window: chrono::Duration::minutes(args.alert_group_minutes.max(1)),
        syslog_udp: args.syslog_udp.clone(),
        syslog_tcp: args.syslog_tcp.clone(),
        nats: args.nats_url.as_ref().map(|url| app::pipeline::NatsConfig {
            url: url.clone(),
            stream: args.nats_stream.clone(),
            ack_wait: std::time::Duration::from_secs(args.nats_ack_wait.max(1)),
        }),
        max_upload: args.max_upload_mib.max(1) * 1024 * 1024,
        ..default
    }
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

#[cfg(test)]
mod sla_tests {
    use super::parse_level_sla;

    #[test]
    fn a_level_sla_is_four_numbers_of_days() {
        let (level, sla) = parse_level_sla("4:2,5,20,60").unwrap();
        assert_eq!((level, sla.immediate_days, sla.defer_days), (4, 2, 60));
        assert!(parse_level_sla("6:1,2,3,4").is_err());
        assert!(parse_level_sla("3:1,2,3").is_err());
        assert!(parse_level_sla("3:0,2,3,4").is_err());
        assert!(parse_level_sla("2,5,20,60").is_err());
    }
}

#[cfg(test)]
mod doc_kind_tests {
    use super::{doc_kind, DocKind};
    use std::path::Path;

    #[test]
    fn the_extension_chooses_the_document_and_others_are_refused() {
        assert!(matches!(doc_kind(Path::new("a/B.DOCX")), Ok(DocKind::Docx)));
        assert!(matches!(doc_kind(Path::new("b.xlsx")), Ok(DocKind::Xlsx)));
        let e = doc_kind(Path::new("report.pdf")).err().unwrap();
        assert!(e.to_string().contains(".docx or .xlsx"), "{e}");
        assert!(doc_kind(Path::new("docx")).is_err());
    }
}
