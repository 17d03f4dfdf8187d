//! `canhgac incident`: report, list, export.

use super::*;

#[derive(Subcommand)]
pub(crate) enum IncidentCommand {
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

pub(crate) async fn incident(db: &DbArgs, cmd: IncidentCommand) -> Result<()> {
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
