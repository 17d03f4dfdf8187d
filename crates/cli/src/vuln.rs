//! `canhgac vuln`: feeds, warnings, matching, reports.

use super::*;

#[derive(Subcommand)]
pub(crate) enum VulnCommand {
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

pub(crate) async fn vuln(db: &DbArgs, notify: &NotifyArgs, cmd: VulnCommand) -> Result<()> {
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
                eprintln!("assets compared      {}", run.assets_compared);
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
            let d = match doc_kind(&output)? {
                DocKind::Docx => app.warning_report_docx(&scope, warning).await,
                DocKind::Xlsx => app.warning_report_xlsx(&scope, warning).await,
            }
            .map_err(explain)?;
            std::fs::write(&output, &d.bytes)
                .with_context(|| format!("writing {}", output.display()))?;
        }
    }
    Ok(())
}
