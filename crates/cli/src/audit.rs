//! `canhgac audit`: verify the chain, rotate its key, read the log.

use super::*;

#[derive(Subcommand)]
pub(crate) enum AuditCommand {
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

pub(crate) async fn run(db: &DbArgs, cmd: AuditCommand) -> Result<()> {
    match cmd {
        AuditCommand::Verify { expect } => {
            let expect: Option<domain::audit::Anchor> = match expect {
                Some(e) => Some(e.parse().map_err(|e: String| {
                    anyhow::anyhow!("--expect: đầu chuỗi không hợp lệ / not a head: {e}")
                })?),
                None => None,
            };
            let app = open(db, Config::default()).await?;
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
        AuditCommand::RotateKey => {
            let app = open(db, Config::default()).await?;
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
        AuditCommand::Log { limit } => {
            let app = open(db, Config::default()).await?;
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
