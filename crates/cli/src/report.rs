//! `canhgac report`: the periodic reports.

use super::*;

#[derive(Subcommand)]
pub(crate) enum ReportCommand {
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

pub(crate) async fn report(db: &DbArgs, cmd: ReportCommand) -> Result<()> {
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
