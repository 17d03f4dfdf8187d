//! `canhgac botnet`: botnet lists, owners, prefixes.

use super::*;

#[derive(Subcommand)]
pub(crate) enum BotnetCommand {
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
pub(crate) enum PrefixCommand {
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

pub(crate) async fn botnet(db: &DbArgs, notify: &NotifyArgs, cmd: BotnetCommand) -> Result<()> {
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
            let d = match doc_kind(&output)? {
                DocKind::Docx => app.botnet_report_docx(&scope, list).await,
                DocKind::Xlsx => app.botnet_report_xlsx(&scope, list).await,
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
