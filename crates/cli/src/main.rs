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

mod ship;

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
    /// Forward log files to a canhgac server: follows files and folders like
    /// `tail -F` (rotation, truncation), remembers its position, retries
    /// while the server is away; every line is sent once.
    Ship(ship::ShipArgs),
}

#[derive(Args)]
struct HuntArgs {
    /// Event files or folders.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// Rule folders (default: rules/sigma).
    #[arg(long = "rules")]
    rules: Vec<PathBuf>,
    /// table, jsonl or csv.
    #[arg(long, default_value = "table")]
    format: String,
    /// Only detections of this level or above: informational, low, medium, high, critical.
    #[arg(long, default_value = "informational")]
    min_level: String,
    /// A log-source mapping file extending the embedded one.
    #[arg(long)]
    logsources: Option<PathBuf>,
    /// Values of %placeholders% for the expand modifier (name: [values] per line).
    #[arg(long)]
    placeholders: Option<PathBuf>,
    /// Read every file as this format instead of telling it from the content: auto, evtx,
    /// json, eve, zeek-json, zeek-tsv, syslog, cef, auditd.
    #[arg(long, default_value = "auto")]
    input_format: String,
    /// No progress bar (it is shown only when standard error is a terminal).
    #[arg(long)]
    no_progress: bool,
    /// Indicator files (plain list, STIX 2.1 bundle or MISP event), repeatable:
    /// hits are reported as "indicator: TYPE VALUE (source)".
    #[arg(long = "ioc")]
    ioc: Vec<PathBuf>,
    /// Which event fields each kind of indicator is looked for in (replaces
    /// kinds of the embedded indicator_fields.yml).
    #[arg(long)]
    ioc_fields: Option<PathBuf>,
    /// Folder of the cache of loaded rules (default: $XDG_CACHE_HOME/canhgac,
    /// else ~/.cache/canhgac). A cache made from other rule files is rebuilt.
    #[arg(long, env = "CANHGAC_RULE_CACHE")]
    rule_cache: Option<PathBuf>,
    /// Read the rules' YAML without the cache (and do not write one).
    #[arg(long)]
    no_rule_cache: bool,
}

#[derive(Subcommand)]
enum RulesCommand {
    /// Compile every rule under DIR and list those refused, with the reason and counts.
    Check {
        dir: PathBuf,
        /// A log-source mapping file extending the embedded one.
        #[arg(long)]
        logsources: Option<PathBuf>,
        /// Values of %placeholders% for the expand modifier.
        #[arg(long)]
        placeholders: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum ReportCommand {
    /// Write a periodic report: the province, or one organisation with --org.
    /// The file's extension chooses the format (.docx or .xlsx).
    Periodic {
        /// 2025-H1 (1 Dec 2024 – 31 May 2025, due 20 June), 2025-H2
        /// (1 June – 30 Nov, due 15 Dec) or 2025 (the year, due 15 Dec).
        #[arg(long)]
        period: String,
        /// The organisation's short name; the province when omitted.
        #[arg(long)]
        org: Option<String>,
        #[arg(long, short)]
        output: PathBuf,
    },
    /// The reports due at the next deadline.
    Due,
}

#[derive(Subcommand)]
enum IncidentCommand {
    /// Report an incident from a JSON file holding the initial report form
    /// (Circular 20/2017; the same fields as POST /api/v1/incidents).
    Report {
        file: PathBuf,
        /// Report as this user (their organisation); by default the coordinator reports.
        #[arg(long = "as")]
        as_user: Option<String>,
    },
    /// List incidents, newest first.
    List {
        #[arg(long)]
        state: Option<String>,
        #[arg(long)]
        severity: Option<String>,
        /// Only those past a deadline now.
        #[arg(long)]
        overdue: bool,
    },
    /// Export the list as CSV or XLSX.
    Export {
        #[arg(long, default_value = "csv")]
        format: String,
        #[arg(long)]
        overdue: bool,
        #[arg(long, short)]
        output: PathBuf,
    },
    /// The end-of-response report of a closed incident as DOCX.
    EndReport {
        id: i64,
        #[arg(long, short)]
        output: PathBuf,
    },
}

#[derive(Subcommand)]
enum VulnCommand {
    /// Import feed files: NVD CVE API 2.0 JSON, CVE JSON 5 records, the CISA
    /// KEV catalogue, CSAF 2.0 advisories, a month of Microsoft's Security
    /// Update Guide (CVRF JSON), EPSS CSV (also .gz/.xz). Unreadable records
    /// are reported and the rest is merged; importing again is harmless.
    Import { files: Vec<PathBuf> },
    /// Match the whole inventory against the known records and update findings.
    Match {
        /// Print on stderr each phase's wall time, CPU time (user + system)
        /// and the peak resident size by its end.
        #[arg(long)]
        timings: bool,
    },
    /// Record a warning of the Authority (and publish it with --publish).
    Warning {
        #[arg(long)]
        number: String,
        /// The warning's date, YYYY-MM-DD or dd/mm/yyyy.
        #[arg(long)]
        date: String,
        #[arg(long)]
        title: String,
        /// CVE identifiers, comma-separated or repeated.
        #[arg(long = "cve", value_delimiter = ',', required = true)]
        cves: Vec<String>,
        #[arg(long)]
        action: Option<String>,
        #[arg(long)]
        deadline: Option<String>,
        #[arg(long)]
        publish: bool,
    },
    /// Publish a recorded warning: match and notify the affected organisations.
    Publish { warning: i64 },
    /// The warnings and their standing.
    Warnings,
    /// A warning's status report: .docx (the reply to the Authority) or .xlsx.
    Report {
        #[arg(long)]
        warning: i64,
        #[arg(long, short)]
        output: PathBuf,
    },
}

#[derive(Subcommand)]
enum BotnetCommand {
    /// Import a list (one IP per line, IP<TAB>count, CSV such as Shadowserver
    /// reports and the Feodo list, or XLSX); each IP goes to the owner of the most
    /// specific block. Nothing is written if a line is bad, unless --keep-valid.
    /// Owners with listed IPs and the coordinator are notified when e-mail or a
    /// webhook is configured.
    Import {
        file: PathBuf,
        /// Who published the list (e.g. "Cục ATTT", "Shadowserver").
        #[arg(long)]
        source: String,
        /// The month the list covers, YYYY-MM.
        #[arg(long)]
        period: String,
        /// text, ipsum, csv or xlsx; guessed from the name and content when omitted.
        #[arg(long)]
        format: Option<String>,
        #[arg(long)]
        keep_valid: bool,
        /// Check and count, write nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// The imported lists.
    Lists,
    /// Listed IPs per owner and per operator in one list.
    Owners { list: i64 },
    /// Month over month: new, still listed, cleaned, reinfected per owner.
    Changes { list: i64 },
    /// The listed IPs of a list (optionally one owner's) to a CSV or XLSX file.
    Listings {
        list: i64,
        /// Short name of the owner.
        #[arg(long)]
        owner: Option<String>,
        /// Output file; .csv or .xlsx.
        #[arg(long, short)]
        output: PathBuf,
    },
    /// Record that a listed IP was cleaned, with what was done.
    Clean {
        list: i64,
        ip: String,
        #[arg(long)]
        note: String,
        /// Act as this user (the owner's officer); the coordinator by default.
        #[arg(long = "as")]
        as_user: Option<String>,
    },
    /// The monthly summary of a list as a Vietnamese report.
    Report {
        list: i64,
        /// Output file; .xlsx or .docx.
        #[arg(long, short)]
        output: PathBuf,
    },
    /// Operators' address space: import prefix lists.
    #[command(subcommand)]
    Prefixes(PrefixCommand),
    /// Deliver the queued notifications now (the server does this on its own).
    Deliver,
}

#[derive(Subcommand)]
enum PrefixCommand {
    /// Import prefix lists: one CIDR per line with the ASN from --asn or a file
    /// name like AS7552-ipv4-aggregated.txt, or a prefix,asn,name CSV. Each ASN
    /// in a file replaces what was known of it.
    Import {
        files: Vec<PathBuf>,
        #[arg(long)]
        asn: Option<domain::Asn>,
    },
    /// Prefixes known per ASN.
    List,
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

#[derive(Subcommand)]
enum UserCommand {
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
    /// Recompute the keyed hash chain and compare its head with the checkpoint
    /// (audit.checkpoint beside the key); exits with status 1 at the first
    /// broken link, or if records were removed from the end or rewritten.
    Verify {
        /// A head written down earlier, COUNT:HASH (the hash may be cut to
        /// its first 16 or more digits): the log must still hold it.
        #[arg(long, value_name = "COUNT:HASH")]
        expect: Option<String>,
    },
    /// Verify the chain under the current key, then re-chain it under a new
    /// key in one transaction; the old key file is kept as audit.key.<date>.
    /// Stop other canhgac processes first or let them pick the new key up.
    RotateKey,
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

/// `canhgac hunt`: the number of detections printed.
fn hunt_command(args: HuntArgs) -> Result<usize> {
    use app::hunt;
    use std::io::{IsTerminal, Write};
    let format = hunt::Format::parse(&args.format)
        .with_context(|| format!("unknown format '{}': table, jsonl or csv", args.format))?;
    let input_format = match args.input_format.as_str() {
        "auto" => None,
        f => Some(detect::Format::parse(f).with_context(|| {
            let names: Vec<&str> = detect::Format::ALL.iter().map(|f| f.name()).collect();
            format!("unknown input format '{f}': auto, {}", names.join(", "))
        })?),
    };
    let min_level = detect::Level::parse(&args.min_level);
    if min_level == detect::Level::Unknown && !args.min_level.eq_ignore_ascii_case("unknown") {
        bail!(
            "unknown level '{}': informational, low, medium, high or critical",
            args.min_level
        );
    }
    let rule_dirs = if args.rules.is_empty() {
        vec![PathBuf::from("rules/sigma")]
    } else {
        args.rules
    };
    let opts = hunt::RuleOptions {
        rule_dirs,
        logsources: args.logsources,
        placeholders: args.placeholders,
        cache_dir: if args.no_rule_cache {
            None
        } else {
            args.rule_cache.or_else(app::rule_cache::default_dir)
        },
    };
    let (engine, report) = hunt::load_rules(&opts)?;
    if report.rules_loaded == 0 && args.ioc.is_empty() {
        bail!("no rules loaded from {:?}", opts.rule_dirs);
    }
    let mut extras = app::hunt_extra::Extras::default();
    if !args.ioc.is_empty() {
        let (set, files) = app::hunt_extra::load_indicators(&args.ioc, args.ioc_fields.as_deref())?;
        eprint!("{}", app::hunt_extra::ioc_report_text(&set, &files));
        extras.indicators = Some(set);
    }
    // Write errors (a closed pipe: `| head`) end the output, not the hunt.
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    if let Some(h) = format.header() {
        let _ = writeln!(out, "{h}");
    }
    let show = !args.no_progress && std::io::stderr().is_terminal();
    let mut last = std::time::Instant::now();
    let mut drawn = false;
    let hopts = hunt::HuntOptions {
        min_level,
        format: input_format,
    };
    let sum = hunt::hunt_with(
        &engine,
        &extras,
        &args.paths,
        &hopts,
        |d| {
            let _ = writeln!(out, "{}", format.line(d));
        },
        |p| {
            if show && last.elapsed() >= std::time::Duration::from_millis(200) {
                last = std::time::Instant::now();
                drawn = true;
                eprint!("\r{}\x1b[K", p.bar(30));
            }
        },
    );
    if drawn {
        eprint!("\r\x1b[K");
    }
    let sum = sum?;
    let _ = out.flush();
    drop(out);
    eprint!("{}", hunt::summary_text(&sum, &report));
    Ok(sum.detections)
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
        Command::Hunt(args) => {
            // Exit codes: 0 nothing fired, 1 detections, 2 error.
            match hunt_command(args) {
                Ok(0) => Ok(()),
                Ok(_) => std::process::exit(1),
                Err(e) => {
                    eprintln!("error: {e:#}");
                    std::process::exit(2);
                }
            }
        }
        Command::Rules(RulesCommand::Check {
            dir,
            logsources,
            placeholders,
        }) => {
            let opts = app::hunt::RuleOptions {
                rule_dirs: vec![dir],
                logsources,
                placeholders,
                cache_dir: None,
            };
            let (_, report) = app::hunt::load_rules(&opts)?;
            print!("{}", app::hunt::check_text(&report));
            Ok(())
        }
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
        Command::User(cmd) => user(&cli.db, cmd).await,
        Command::Botnet(cmd) => botnet(&cli.db, &cli.notify, cmd).await,
        Command::Vuln(cmd) => vuln(&cli.db, &cli.notify, cmd).await,
        Command::Incident(cmd) => incident(&cli.db, cmd).await,
        Command::Report(cmd) => report(&cli.db, cmd).await,
        Command::Token(cmd) => token(&cli.db, cmd).await,
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
        Command::Audit(AuditCommand::Verify { expect }) => {
            let expect: Option<domain::audit::Anchor> = match expect {
                Some(e) => Some(e.parse().map_err(|e: String| {
                    anyhow::anyhow!("--expect: đầu chuỗi không hợp lệ / not a head: {e}")
                })?),
                None => None,
            };
            let app = open(&cli.db, Config::default()).await?;
            let scope = app.system_scope().await.map_err(explain)?;
            let report = app
                .verify_audit_against(&scope, expect.as_ref())
                .await
                .map_err(explain)?;
            match &report.checkpoint {
                Some(c) => println!(
                    "điểm neo trước / previous checkpoint: {}:{} ({}) in {}",
                    c.count,
                    c.hash,
                    app::registry::format_vn_time(c.at),
                    report.checkpoint_file
                ),
                None => println!(
                    "chưa có điểm neo / no checkpoint yet for this database in {}",
                    report.checkpoint_file
                ),
            }
            match report.broken_at {
                None => {
                    println!("audit chain intact: {} records verified", report.records);
                    if let Some(h) = &report.head {
                        println!(
                            "đầu chuỗi, hãy ghi lại / head, write it down: {h}\n(check it later with: canhgac audit verify --expect {h})"
                        );
                    }
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
        Command::Audit(AuditCommand::RotateKey) => {
            let app = open(&cli.db, Config::default()).await?;
            let scope = app.system_scope().await.map_err(explain)?;
            let done = app.rotate_audit_key(&scope).await.map_err(explain)?;
            println!(
                "đã chuyển sang khóa mới / the audit log is now keyed by a new key: {} records re-chained",
                done.records
            );
            if let Some(old) = done.old_key_file {
                println!("khóa cũ / old key kept as {old}");
            }
            println!("đầu chuỗi / head: {}", done.head);
            Ok(())
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

async fn report(db: &DbArgs, cmd: ReportCommand) -> Result<()> {
    match cmd {
        ReportCommand::Due => {
            for d in app::periodic_report::next_due(app::registry::today()) {
                println!("{}", d.message_vi());
            }
        }
        ReportCommand::Periodic {
            period,
            org,
            output,
        } => {
            let app = open(db, Config::default()).await?;
            let scope = app.system_scope().await.map_err(explain)?;
            let period: app::periodic_report::ReportPeriod = period
                .parse()
                .map_err(|e: String| anyhow::anyhow!("--period {e}"))?;
            let org_id = match org {
                Some(short) => Some(org_id(&app, &scope, &short).await?),
                None => None,
            };
            let d = match output.extension().and_then(|e| e.to_str()) {
                Some("docx") => app.periodic_report_docx(&scope, period, org_id).await,
                Some("xlsx") => app.periodic_report_xlsx(&scope, period, org_id).await,
                _ => anyhow::bail!("{}: the file must end in .docx or .xlsx", output.display()),
            }
            .map_err(explain)?;
            std::fs::write(&output, &d.bytes)
                .with_context(|| format!("writing {}", output.display()))?;
            println!("{} written", output.display());
        }
    }
    Ok(())
}

async fn incident(db: &DbArgs, cmd: IncidentCommand) -> Result<()> {
    let app = open(db, Config::default()).await?;
    let write = |output: &PathBuf, bytes: &[u8]| {
        std::fs::write(output, bytes).with_context(|| format!("writing {}", output.display()))
    };
    match cmd {
        IncidentCommand::Report { file, as_user } => {
            let scope = acting_scope(&app, as_user.as_deref()).await?;
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("reading {}", file.display()))?;
            let form: app::incident::InitialReport = serde_json::from_str(&text)
                .with_context(|| format!("{}: not an initial report form", file.display()))?;
            let d = app.report_incident(&scope, form).await.map_err(explain)?;
            println!(
                "incident {} reported: {} (report by {})",
                d.row.id,
                d.row.title,
                app::registry::format_vn_time(d.deadlines.report_by)
            );
        }
        IncidentCommand::List {
            state,
            severity,
            overdue,
        } => {
            let scope = app.system_scope().await.map_err(explain)?;
            let filter = app::store::incidents::IncidentFilter {
                state,
                severity,
                limit: 1000,
                ..Default::default()
            };
            let page = app
                .incidents_filtered(&scope, &filter, overdue)
                .await
                .map_err(explain)?;
            for r in page.items {
                println!(
                    "{}\t{}\t{}\t{}\t{}\t{}",
                    r.id,
                    r.state,
                    r.severity,
                    r.class,
                    app::registry::format_vn_time(r.detected_at),
                    r.title
                );
            }
        }
        IncidentCommand::Export {
            format,
            overdue,
            output,
        } => {
            let scope = app.system_scope().await.map_err(explain)?;
            let format = match format.as_str() {
                "csv" => app::sheets::Format::Csv,
                "xlsx" => app::sheets::Format::Xlsx,
                other => anyhow::bail!("--format {other}: csv or xlsx"),
            };
            let d = app
                .incidents_file(&scope, &Default::default(), overdue, format)
                .await
                .map_err(explain)?;
            write(&output, &d.bytes)?;
        }
        IncidentCommand::EndReport { id, output } => {
            let scope = app.system_scope().await.map_err(explain)?;
            let d = app
                .incident_end_report_docx(&scope, id)
                .await
                .map_err(explain)?;
            write(&output, &d.bytes)?;
        }
    }
    Ok(())
}

async fn vuln(db: &DbArgs, notify: &NotifyArgs, cmd: VulnCommand) -> Result<()> {
    let app = open(
        db,
        Config {
            notify: notify.config()?,
            ..Config::default()
        },
    )
    .await?;
    let scope = app.system_scope().await.map_err(explain)?;
    let print_run = |run: &app::vulns::MatchRun| {
        println!(
            "{} assets against {} records: {} new findings, {} refreshed, {} reopened, {} resolved by update, {} excluded by an installed hotfix, {} cannot be evaluated (see /vulns/unevaluable)",
            run.assets, run.vulns, run.new, run.refreshed, run.reopened, run.resolved_by_update, run.excluded_by_hotfix, run.unevaluable
        );
    };
    match cmd {
        VulnCommand::Import { files } => {
            let mut problems = 0;
            for file in files {
                // Read as it goes: a yearly feed is hundreds of megabytes.
                let reader = std::io::BufReader::with_capacity(
                    1 << 20,
                    std::fs::File::open(&file)
                        .with_context(|| format!("reading {}", file.display()))?,
                );
                let name = file
                    .file_name()
                    .map(|n| n.to_string_lossy().to_string())
                    .unwrap_or_default();
                let r = app
                    .import_vuln_feed_from(&scope, &name, reader)
                    .await
                    .map_err(explain)?;
                for p in &r.problems {
                    eprintln!("{}: {p}", file.display());
                }
                problems += r.problems.len();
                println!(
                    "{}: {} feed, {} records written, {} KEV entries, {} EPSS scores, {} problems",
                    file.display(),
                    r.kind.unwrap_or("?"),
                    r.records,
                    r.kev,
                    r.epss,
                    r.problems.len()
                );
            }
            if problems > 0 {
                std::process::exit(1);
            }
        }
        VulnCommand::Match { timings } => {
            let run = app.match_inventory(&scope).await.map_err(explain)?;
            if timings {
                for p in &run.phases {
                    eprintln!(
                        "{:<20} wall {:>7.2} s  cpu {:>7.2} s  peak RSS {:>6} MiB",
                        p.name,
                        p.wall.as_secs_f64(),
                        p.cpu.as_secs_f64(),
                        p.peak_rss_kib / 1024
                    );
                }
            }
            print_run(&run);
        }
        VulnCommand::Warning {
            number,
            date,
            title,
            cves,
            action,
            deadline,
            publish,
        } => {
            let w = app
                .create_warning(
                    &scope,
                    &app::vulns::WarningInput {
                        number,
                        issued_on: date,
                        title,
                        cves,
                        body: None,
                        required_action: action,
                        deadline,
                    },
                )
                .await
                .map_err(explain)?;
            println!("warning {} recorded as {}", w.number, w.id);
            if publish {
                let run = app.publish_warning(&scope, w.id).await.map_err(explain)?;
                print_run(&run);
            }
        }
        VulnCommand::Publish { warning } => {
            let run = app
                .publish_warning(&scope, warning)
                .await
                .map_err(explain)?;
            print_run(&run);
        }
        VulnCommand::Warnings => {
            for w in app.warnings().await.map_err(explain)? {
                let s = app.warning_status(&scope, w.id).await.map_err(explain)?;
                let open: usize = s.orgs.iter().map(|o| o.open).sum();
                let overdue: usize = s.orgs.iter().map(|o| o.overdue).sum();
                println!(
                    "{}\t{}\t{}\t{}\t{} organisations, {} open, {} overdue{}",
                    w.id,
                    w.number,
                    w.issued_on,
                    w.title,
                    s.orgs.len(),
                    open,
                    overdue,
                    if w.published_at.is_some() {
                        ""
                    } else {
                        " (not published)"
                    }
                );
            }
        }
        VulnCommand::Report { warning, output } => {
            let name = output.to_string_lossy().to_lowercase();
            let d = if name.ends_with(".docx") {
                app.warning_report_docx(&scope, warning).await
            } else if name.ends_with(".xlsx") {
                app.warning_report_xlsx(&scope, warning).await
            } else {
                bail!("the output file must end in .docx or .xlsx");
            }
            .map_err(explain)?;
            std::fs::write(&output, &d.bytes)
                .with_context(|| format!("writing {}", output.display()))?;
        }
    }
    Ok(())
}

async fn botnet(db: &DbArgs, notify: &NotifyArgs, cmd: BotnetCommand) -> Result<()> {
    let app = open(
        db,
        Config {
            notify: notify.config()?,
            ..Config::default()
        },
    )
    .await?;
    let scope = app.system_scope().await.map_err(explain)?;
    match cmd {
        BotnetCommand::Import {
            file,
            source,
            period,
            format,
            keep_valid,
            dry_run,
        } => {
            use std::io::Read;
            let file_name = file
                .file_name()
                .map(|n| n.to_string_lossy().to_string())
                .unwrap_or_default();
            let mut f = std::fs::File::open(&file)
                .with_context(|| format!("reading {}", file.display()))?;
            let mut head = [0u8; 4096];
            let n = f.read(&mut head)?;
            let format = match format {
                Some(name) => app::botnet::ListFormat::from_name(&name).ok_or_else(|| {
                    anyhow::anyhow!("--format: '{name}' is not text, ipsum, csv or xlsx")
                })?,
                None => app::botnet::ListFormat::detect(&file_name, &head[..n]),
            };
            let reader = std::io::BufReader::with_capacity(
                1 << 16,
                std::io::Cursor::new(head[..n].to_vec()).chain(f),
            );
            let how = app::botnet::BotnetImport {
                file_name,
                source,
                period,
                format,
                keep_valid,
                dry_run,
            };
            let report = app
                .import_botnet(&scope, &how, reader)
                .await
                .map_err(explain)?;
            for e in &report.rejected {
                eprintln!("{}: {e}", file.display());
            }
            if report.rejected_total > report.rejected.len() {
                eprintln!(
                    "{}: … and {} more bad lines",
                    file.display(),
                    report.rejected_total - report.rejected.len()
                );
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
                "{}: {} lines, {} listed IPs, {} duplicates, {} special, {} with no known owner, {} on registered assets, {} rejected{}",
                file.display(),
                report.lines,
                report.listed,
                report.duplicates,
                report.special_total,
                report.unknown_owner,
                report.on_known_assets,
                report.rejected_total,
                if report.committed {
                    format!("; list {} written, {} notifications queued", report.list_id.unwrap_or_default(), report.notifications)
                } else if dry_run {
                    "; dry run, nothing was written".to_string()
                } else {
                    "; nothing was written".to_string()
                }
            );
            for o in &report.per_owner {
                println!("  {:<24} {}", o.name, o.count);
            }
            if !report.committed && !dry_run {
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
            println!("-- per operator (addresses in its space)");
            for o in app.botnet_isps(&scope, list).await.map_err(explain)? {
                println!("{:<24} {}", o.name, o.count);
            }
        }
        BotnetCommand::Changes { list } => {
            let s = app.botnet_summary(&scope, list).await.map_err(explain)?;
            println!(
                "{:<24} {:>7} {:>7} {:>7} {:>7} {:>7} {:>7}",
                "owner", "listed", "new", "still", "cleaned", "reinf.", "marked"
            );
            for o in s.owners.iter().chain(std::iter::once(&s.total)) {
                println!(
                    "{:<24} {:>7} {:>7} {:>7} {:>7} {:>7} {:>7}",
                    o.name,
                    o.listed,
                    o.new,
                    o.still_listed,
                    o.cleaned,
                    o.reinfected,
                    o.marked_cleaned
                );
            }
        }
        BotnetCommand::Listings {
            list,
            owner,
            output,
        } => {
            let owner = match owner {
                Some(o) => Some(org_id(&app, &scope, &o).await?),
                None => None,
            };
            let format = Format::from_file_name(&output.to_string_lossy())
                .context("the output file must end in .csv or .xlsx")?;
            let d = app
                .botnet_listings_file(&scope, list, owner, format)
                .await
                .map_err(explain)?;
            std::fs::write(&output, &d.bytes)
                .with_context(|| format!("writing {}", output.display()))?;
        }
        BotnetCommand::Clean {
            list,
            ip,
            note,
            as_user,
        } => {
            let scope = acting_scope(&app, as_user.as_deref()).await?;
            app.mark_botnet_cleaned(&scope, list, &ip, &note)
                .await
                .map_err(explain)?;
            println!("{ip}: marked cleaned in list {list}");
        }
        BotnetCommand::Report { list, output } => {
            let name = output.to_string_lossy().to_lowercase();
            let d = if name.ends_with(".docx") {
                app.botnet_report_docx(&scope, list).await
            } else if name.ends_with(".xlsx") {
                app.botnet_report_xlsx(&scope, list).await
            } else {
                bail!("the output file must end in .xlsx or .docx");
            }
            .map_err(explain)?;
            std::fs::write(&output, &d.bytes)
                .with_context(|| format!("writing {}", output.display()))?;
        }
        BotnetCommand::Prefixes(PrefixCommand::Import { files, asn }) => {
            let mut failed = false;
            for file in files {
                let name = file
                    .file_name()
                    .map(|n| n.to_string_lossy().to_string())
                    .unwrap_or_default();
                let f = std::fs::File::open(&file)
                    .with_context(|| format!("reading {}", file.display()))?;
                let r = app
                    .import_prefixes(&scope, &name, asn, std::io::BufReader::new(f))
                    .await
                    .map_err(explain)?;
                for e in &r.rejected {
                    eprintln!("{}: {e}", file.display());
                }
                if r.committed {
                    println!(
                        "{}: {} prefixes for AS{:?}",
                        file.display(),
                        r.prefixes,
                        r.asns
                    );
                } else {
                    failed = true;
                    println!("{}: nothing was written", file.display());
                }
            }
            if failed {
                std::process::exit(1);
            }
        }
        BotnetCommand::Prefixes(PrefixCommand::List) => {
            for p in app.isp_prefixes(&scope).await.map_err(explain)? {
                println!(
                    "AS{}\t{} prefixes\t{}\t{}",
                    p.asn,
                    p.prefixes,
                    p.name.unwrap_or_default(),
                    p.source
                );
            }
        }
        BotnetCommand::Deliver => {
            let run = app.deliver_notifications(1000).await.map_err(explain)?;
            println!(
                "{} sent, {} to retry, {} given up",
                run.sent, run.retried, run.failed
            );
        }
    }
    Ok(())
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
