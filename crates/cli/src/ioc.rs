//! `canhgac ioc`: imported indicator feeds (plain lists, STIX 2.1 bundles,
//! MISP events) that join the monitoring pipeline's live indicators. Each
//! subcommand calls one use case of `app::indicator_feeds` as the
//! coordinator (or `--as USER`).

use crate::{acting_scope, explain, open, DbArgs};
use anyhow::{Context, Result};
use app::indicator_feeds::{format_label, tlp_label, FeedImport};
use app::{AppError, Config};
use clap::Subcommand;
use std::path::PathBuf;

#[derive(Subcommand)]
pub enum IocCommand {
    /// Import a feed file under a name: a plain list (one value a line, the kind
    /// recognised or named as `domain:`, `md5:` …; `# tlp:` and `# expires:` lines),
    /// a STIX 2.1 bundle or a MISP event. The same name again replaces that
    /// feed's indicators. Any bad value and nothing is written (exit code 1).
    Import {
        file: PathBuf,
        /// The feed's name (how alerts name their source).
        #[arg(long)]
        name: String,
        /// auto, plain, stix or misp.
        #[arg(long, default_value = "auto")]
        format: String,
        /// TLP of the indicators the file does not mark: clear, green, amber, amber+strict, red.
        #[arg(long, default_value = "amber")]
        tlp: String,
        /// Days until the indicators the file gives no expiry expire (default: never).
        #[arg(long)]
        expires_days: Option<i64>,
        /// Act as this user (default: the system, for the coordinator).
        #[arg(long = "as")]
        as_user: Option<String>,
    },
    /// The imported feeds.
    List,
    /// Delete a feed and its indicators.
    Delete {
        id: i64,
        #[arg(long = "as")]
        as_user: Option<String>,
    },
}

pub(crate) async fn run(db: &DbArgs, cmd: IocCommand) -> Result<()> {
    let app = open(db, Config::default()).await?;
    match cmd {
        IocCommand::Import {
            file,
            name,
            format,
            tlp,
            expires_days,
            as_user,
        } => {
            let scope = acting_scope(&app, as_user.as_deref()).await?;
            let bytes =
                std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
            let how = FeedImport {
                name,
                file_name: file
                    .file_name()
                    .map(|n| n.to_string_lossy().to_string())
                    .unwrap_or_default(),
                format,
                tlp,
                expires_days,
            };
            match app.import_indicator_feed(&scope, &how, bytes).await {
                Ok(r) => {
                    println!(
                        "nguồn {} (#{}), {}: {} chỉ dấu / indicators{}{}",
                        r.name,
                        r.feed_id,
                        format_label(r.format),
                        r.indicators,
                        if r.expired > 0 {
                            format!(", {} đã hết hạn / already expired", r.expired)
                        } else {
                            String::new()
                        },
                        match r.replaced {
                            Some(n) => format!("; thay {n} chỉ dấu cũ / replaced {n}"),
                            None => String::new(),
                        }
                    );
                    if r.duplicates > 0 {
                        println!(
                            "trùng lặp, giữ một / duplicates kept once: {}",
                            r.duplicates
                        );
                    }
                    for (why, n) in &r.skipped {
                        println!("bỏ qua / skipped ({why}): {n}");
                    }
                    Ok(())
                }
                Err(AppError::Invalid(errs)) => {
                    for e in &errs.0 {
                        eprintln!("{}: {}", e.field, e.reason);
                    }
                    std::process::exit(1);
                }
                Err(e) => Err(explain(e)),
            }
        }
        IocCommand::List => {
            let scope = app.system_scope().await.map_err(explain)?;
            for f in app.indicator_feeds(&scope).await.map_err(explain)? {
                println!(
                    "#{}\t{}\t{}\t{}\t{}/{}\t{}\t{} {}",
                    f.id,
                    f.name,
                    format_label(&f.format),
                    tlp_label(&f.tlp),
                    f.active,
                    f.indicators,
                    f.default_expires_at
                        .map(|t| (t + chrono::Duration::hours(7))
                            .format("%d/%m/%Y")
                            .to_string())
                        .unwrap_or_else(|| "không hết hạn".into()),
                    f.imported_by,
                    app::registry::format_vn_time(f.imported_at),
                );
            }
            Ok(())
        }
        IocCommand::Delete { id, as_user } => {
            let scope = acting_scope(&app, as_user.as_deref()).await?;
            let f = app
                .delete_indicator_feed(&scope, id)
                .await
                .map_err(explain)?;
            println!("đã xóa nguồn / deleted {} (#{})", f.name, f.id);
            Ok(())
        }
    }
}
