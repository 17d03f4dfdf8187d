//! `canhgac hunt` and `canhgac rules`: Sigma rules over log files.

use super::*;

#[derive(Args)]
pub(crate) struct HuntArgs {
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
    /// Threads reading and evaluating files, a file each at a time (default:
    /// one per core). The output is the same whatever the number.
    #[arg(long, default_value_t = 0)]
    threads: usize,
}

#[derive(Subcommand)]
pub(crate) enum RulesCommand {
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
        threads: args.threads,
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

/// Exit codes: 0 nothing fired, 1 detections, 2 error.
pub(crate) fn run(args: HuntArgs) -> Result<()> {
    match hunt_command(args) {
        Ok(0) => Ok(()),
        Ok(_) => std::process::exit(1),
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::exit(2);
        }
    }
}

pub(crate) fn rules(cmd: RulesCommand) -> Result<()> {
    match cmd {
        RulesCommand::Check {
            dir,
            logsources,
            placeholders,
        } => {
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
    }
}
