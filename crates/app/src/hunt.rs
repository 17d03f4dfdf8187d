//! Hunting with Sigma rules over event files (`canhgac hunt`, `canhgac rules
//! check`): reads rule folders and event files (EVTX, JSON lines or
//! concatenated JSON) from disk and runs them through `detect`. Local files
//! only: no tenant data is read or written, so no scope is involved.

use crate::hunt_input::{self, Progress};
use crate::hunt_read::{self, Piece};
use detect::read::RecordError;
use detect::Format as InputFormat;
use detect::{
    CheckReport, Config, Engine, EngineBuilder, Level, LogSourceMap, Placeholders, RuleInfo,
};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum HuntError {
    #[error("{path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Config { path: String, message: String },
    #[error("no rules loaded from {0}")]
    NoRules(String),
}

pub(crate) fn io(path: &Path) -> impl FnOnce(std::io::Error) -> HuntError + '_ {
    move |source| HuntError::Io {
        path: path.display().to_string(),
        source,
    }
}

/// Files under `path` (itself if a file) whose extension is one of `exts`, sorted.
pub fn files_under(path: &Path, exts: &[&str]) -> Result<Vec<PathBuf>, HuntError> {
    let mut out = Vec::new();
    let meta = std::fs::metadata(path).map_err(io(path))?;
    if meta.is_file() {
        out.push(path.to_path_buf());
        return Ok(out);
    }
    let mut stack = vec![path.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).map_err(io(&d))? {
            let p = e.map_err(io(&d))?.path();
            if p.is_dir() {
                stack.push(p);
            } else if p
                .extension()
                .and_then(|x| x.to_str())
                .is_some_and(|x| exts.iter().any(|e| x.eq_ignore_ascii_case(e)))
            {
                out.push(p);
            }
        }
    }
    // In path order (components compared), computed once per path: sorting
    // thousands of rule files by `Path`'s comparison was a tenth of a cached start.
    let mut keyed: Vec<(Vec<u8>, PathBuf)> = out
        .into_iter()
        .map(|p| {
            let sep = std::path::MAIN_SEPARATOR as u8;
            let mut k = p.as_os_str().as_encoded_bytes().to_vec();
            k.iter_mut().filter(|b| **b == sep).for_each(|b| *b = 0);
            (k, p)
        })
        .collect();
    keyed.sort_unstable();
    Ok(keyed.into_iter().map(|(_, p)| p).collect())
}

/// Where the rules come from and how they are configured.
#[derive(Clone, Debug, Default)]
pub struct RuleOptions {
    pub rule_dirs: Vec<PathBuf>,
    /// A log-source mapping file whose entries replace or extend the embedded ones.
    pub logsources: Option<PathBuf>,
    /// A YAML map of placeholder name → list of values, for `expand`.
    pub placeholders: Option<PathBuf>,
    /// A folder for the cache of loaded rules (`crate::rule_cache`); none
    /// reads the YAML every time.
    pub cache_dir: Option<PathBuf>,
}

/// Compiles every rule file under the folders; refused rules are in the report.
pub fn load_rules(opts: &RuleOptions) -> Result<(Engine, CheckReport), HuntError> {
    Ok(read_rules(opts)?.build())
}

/// Reads and parses the rules of `opts` without compiling them: the
/// monitoring pipeline compiles subsets of them as rules are switched.
pub fn read_rules(opts: &RuleOptions) -> Result<EngineBuilder, HuntError> {
    let mut config = Config::default();
    if let Some(p) = &opts.logsources {
        let text = std::fs::read_to_string(p).map_err(io(p))?;
        let extra = LogSourceMap::from_yaml(&text).map_err(|e| HuntError::Config {
            path: p.display().to_string(),
            message: e.to_string(),
        })?;
        config.logsources.extend(extra);
    }
    if let Some(p) = &opts.placeholders {
        let text = std::fs::read_to_string(p).map_err(io(p))?;
        config.placeholders = read_placeholders(&text).map_err(|message| HuntError::Config {
            path: p.display().to_string(),
            message,
        })?;
    }
    let mut texts = Vec::new();
    for dir in &opts.rule_dirs {
        for f in files_under(dir, &["yml", "yaml"])? {
            let text = match std::fs::read(&f) {
                Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
                Err(e) => return Err(io(&f)(e)),
            };
            texts.push((f.display().to_string(), text));
        }
    }
    // Parsed on all cores (or read from the cache); the same engine as
    // adding them one by one.
    let mut b = EngineBuilder::new(config);
    match &opts.cache_dir {
        Some(dir) => {
            let extra = [opts.logsources.as_ref(), opts.placeholders.as_ref()];
            let file = crate::rule_cache::file_for(dir, &opts.rule_dirs, &extra);
            let cached = crate::rule_cache::read(&file);
            match b.add_yaml_all_cached(&texts, cached.as_deref()).1 {
                detect::CacheUse::Hit => {
                    tracing::debug!(file = %file.display(), "rules read from the cache")
                }
                detect::CacheUse::Miss { why, bytes } => {
                    tracing::debug!(file = %file.display(), why = why.as_str(), "rule cache rebuilt");
                    crate::rule_cache::write(&file, &bytes);
                }
            }
        }
        None => {
            b.add_yaml_all(&texts);
        }
    }
    Ok(b)
}

/// `name: [values]` lines of a placeholder file (a small YAML subset: one key
/// per line with an inline list or a single value).
fn read_placeholders(text: &str) -> Result<Placeholders, String> {
    let mut out = Placeholders::new();
    for (i, line) in text.lines().enumerate() {
        let l = line.trim();
        if l.is_empty() || l.starts_with('#') {
            continue;
        }
        let Some((k, v)) = l.split_once(':') else {
            return Err(format!("line {}: expected 'name: [values]'", i + 1));
        };
        let v = v.trim();
        let vals: Vec<String> = v
            .trim_start_matches('[')
            .trim_end_matches(']')
            .split(',')
            .map(|s| s.trim().trim_matches(|c| c == '\'' || c == '"').to_string())
            .filter(|s| !s.is_empty())
            .collect();
        out.insert(k.trim().trim_matches('%').to_string(), vals);
    }
    Ok(out)
}

/// One rule firing on one event.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Detection {
    pub file: String,
    /// The event's place in its file (1-based).
    pub record: usize,
    pub time: String,
    pub computer: String,
    pub event_id: String,
    pub rule_id: String,
    pub title: String,
    pub level: Level,
    pub tags: Vec<String>,
    pub author: String,
}

/// What a hunt found.
#[derive(Debug, Default)]
pub struct Summary {
    pub files: usize,
    /// Files read, by the format they were read as.
    pub formats: BTreeMap<InputFormat, usize>,
    /// Files found in folders whose format could not be told (not read).
    pub skipped_files: usize,
    /// The first of them (at most 100).
    pub skipped: Vec<String>,
    pub events: usize,
    pub bad_records: usize,
    /// The first bad records (at most 100), with file and position.
    pub errors: Vec<RecordError>,
    pub detections: usize,
    /// (level, rule id, title) → count.
    pub by_rule: BTreeMap<(Level, String, String), usize>,
    pub by_level: BTreeMap<Level, usize>,
    /// What correlation had to ignore (late, overflowing groups, missing fields).
    pub correlation_stats: detect::correlation::Stats,
    /// Matches a correlation reads, in events with no readable time.
    pub untimed: usize,
}

/// How a hunt reads and what it reports.
#[derive(Clone, Copy, Debug)]
pub struct HuntOptions {
    /// Only detections of this level or above.
    pub min_level: Level,
    /// Read every file as this format instead of telling it from the content.
    pub format: Option<InputFormat>,
    /// Threads reading and evaluating files (0: one per core). The output
    /// is the same whatever the number.
    pub threads: usize,
}

impl Default for HuntOptions {
    fn default() -> Self {
        HuntOptions {
            min_level: Level::Unknown,
            format: None,
            threads: 0,
        }
    }
}

/// Runs every event of every file under `paths` through the engine and calls
/// `found` for each detection at or above `min_level`.
pub fn hunt(
    engine: &Engine,
    extras: &crate::hunt_extra::Extras,
    paths: &[PathBuf],
    min_level: Level,
    found: impl FnMut(&Detection),
) -> Result<Summary, HuntError> {
    let opts = HuntOptions {
        min_level,
        ..HuntOptions::default()
    };
    hunt_with(engine, extras, paths, &opts, found, |_| {})
}

/// The first non-empty text among fields.
fn first_text(ev: &detect::Event, names: &[&str]) -> String {
    names
        .iter()
        .filter_map(|k| ev.get_text(k))
        .find(|t| !t.is_empty())
        .map(|t| t.into_owned())
        .unwrap_or_default()
}

/// [`hunt`] with options, and `progress` called as reading goes on (every
/// few thousand events and after each file).
pub fn hunt_with(
    engine: &Engine,
    extras: &crate::hunt_extra::Extras,
    paths: &[PathBuf],
    opts: &HuntOptions,
    mut found: impl FnMut(&Detection),
    mut progress: impl FnMut(&Progress),
) -> Result<Summary, HuntError> {
    let mut sum = Summary::default();
    let mut extra = crate::hunt_extra::ExtraScanner::new(engine, extras);
    let mut more = Vec::new();
    let inputs = hunt_input::inputs(paths)?;
    let mut prog = Progress {
        files: inputs.len(),
        bytes: inputs.iter().map(|i| i.len).sum(),
        ..Progress::default()
    };
    let mut done_bytes = 0u64;
    // Per file: its name and the number of records seen so far.
    let mut name = String::new();
    let mut record = 0usize;
    let threads = match opts.threads {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        n => n,
    };
    hunt_read::in_order(engine, &inputs, opts.format, threads, |k, piece| {
        let input = &inputs[k];
        let batch = match piece {
            Piece::Opened(opened) => {
                name = input.path.display().to_string();
                record = 0;
                let format = match opened {
                    Ok(f) => f,
                    Err(e) if input.named => return Err(io(&input.path)(e)),
                    Err(e) => {
                        // A file in a folder that cannot be read: a bad record, not the end.
                        sum.bad_records += 1;
                        if sum.errors.len() < 100 {
                            sum.errors.push(RecordError {
                                source_name: name.clone(),
                                position: "start".into(),
                                message: e.to_string(),
                            });
                        }
                        InputFormat::Unknown
                    }
                };
                if format == InputFormat::Unknown && !input.named {
                    sum.skipped_files += 1;
                    if sum.skipped.len() < 100 {
                        sum.skipped.push(name.clone());
                    }
                } else {
                    sum.files += 1;
                    *sum.formats.entry(format).or_insert(0) += 1;
                }
                // A file is done when the next one opens (or at the end).
                if k > 0 {
                    file_done(
                        &mut prog,
                        &mut done_bytes,
                        inputs[k - 1].len,
                        &sum,
                        &mut progress,
                    );
                }
                return Ok(());
            }
            Piece::Events(b) => b,
        };
        for (i, ev) in batch.events.iter().enumerate() {
            record += 1;
            let ev = match ev {
                Ok(ev) => ev,
                Err(e) => {
                    sum.bad_records += 1;
                    if sum.errors.len() < 100 {
                        sum.errors.push(e.clone());
                    }
                    continue;
                }
            };
            sum.events += 1;
            if sum.events % 4096 == 0 {
                prog.bytes_done = done_bytes + batch.bytes_at.min(input.len);
                prog.events = sum.events;
                prog.detections = sum.detections;
                progress(&prog);
            }
            extra.on_event(ev, &name, record, &mut more);
            for &r in batch.rules(i) {
                extra.on_match(ev, r, &name, record, &mut more);
                if extra.reports(r) {
                    more.push(event_detection(ev, &name, record, &engine.rules()[r]));
                }
            }
            for d in more.drain(..) {
                emit(&mut sum, opts.min_level, &d, &mut found);
            }
        }
        Ok(())
    })?;
    if let Some(last) = inputs.last() {
        file_done(&mut prog, &mut done_bytes, last.len, &sum, &mut progress);
    }
    extra.finish(&mut more);
    for d in more.drain(..) {
        emit(&mut sum, opts.min_level, &d, &mut found);
    }
    sum.correlation_stats = extra.correlation_stats();
    sum.untimed = extra.untimed;
    Ok(sum)
}

/// Progress once a file has been read through.
fn file_done(
    prog: &mut Progress,
    done_bytes: &mut u64,
    len: u64,
    sum: &Summary,
    progress: &mut impl FnMut(&Progress),
) {
    *done_bytes += len;
    prog.files_done += 1;
    prog.bytes_done = *done_bytes;
    prog.events = sum.events;
    prog.detections = sum.detections;
    progress(prog);
}

fn emit(sum: &mut Summary, min_level: Level, d: &Detection, found: &mut impl FnMut(&Detection)) {
    if d.level < min_level {
        return;
    }
    sum.detections += 1;
    *sum.by_rule
        .entry((d.level, d.rule_id.clone(), d.title.clone()))
        .or_insert(0) += 1;
    *sum.by_level.entry(d.level).or_insert(0) += 1;
    found(d);
}

/// A detection of `rule` on an event, with the event's time, computer and id
/// under the names each reader gives them.
pub fn event_detection(
    ev: &detect::Event,
    file: &str,
    record: usize,
    rule: &RuleInfo,
) -> Detection {
    Detection {
        file: file.to_string(),
        record,
        time: first_text(
            ev,
            &[
                "TimeCreated_SystemTime",
                "@timestamp",
                "EventTime",
                "UtcTime",
                "timestamp",
            ],
        ),
        computer: first_text(
            ev,
            &["Computer", "log.syslog.hostname", "dvchost", "host.name"],
        ),
        event_id: first_text(
            ev,
            &[
                "EventID",
                "type",
                "event_type",
                "_path",
                "log.syslog.appname",
                "DeviceEventClassID",
            ],
        ),
        rule_id: rule.id.clone(),
        title: rule.title.clone(),
        level: rule.level,
        tags: rule.tags.clone(),
        author: rule.author.clone(),
    }
}

/// A CSV field, quoted when needed, with spreadsheet formulas neutralised.
pub fn csv_field(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@']) {
        format!("'{s}")
    } else {
        s.to_string()
    };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_file() {
        let p =
            read_placeholders("# x\nAdmins_Workstations: ['ws1', \"ws2\"]\n%dc%: dc01\n").unwrap();
        assert_eq!(p["Admins_Workstations"], vec!["ws1", "ws2"]);
        assert_eq!(p["dc"], vec!["dc01"]);
    }

    #[test]
    fn csv_guards() {
        assert_eq!(csv_field("=cmd"), "'=cmd");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
    }
}

/// How `hunt` prints detections.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Table,
    Jsonl,
    Csv,
}

impl Format {
    pub fn parse(s: &str) -> Option<Format> {
        match s {
            "table" => Some(Format::Table),
            "jsonl" => Some(Format::Jsonl),
            "csv" => Some(Format::Csv),
            _ => None,
        }
    }

    /// The header line, if the format has one.
    pub fn header(self) -> Option<String> {
        match self {
            Format::Table => Some(format!(
                "{:<8} {:<24} {:<20} {:>6}  {:<60} {}",
                "LEVEL", "TIME", "COMPUTER", "EVENT", "RULE", "FILE#RECORD"
            )),
            Format::Csv => {
                Some("level,time,computer,event_id,rule_id,title,tags,file,record".into())
            }
            Format::Jsonl => None,
        }
    }

    pub fn line(self, d: &Detection) -> String {
        match self {
            Format::Table => format!(
                "{:<8} {:<24} {:<20} {:>6}  {:<60} {}#{}",
                d.level.as_str(),
                d.time,
                d.computer,
                d.event_id,
                d.title,
                d.file,
                d.record
            ),
            Format::Jsonl => serde_json::to_string(d).unwrap_or_default(),
            Format::Csv => [
                d.level.as_str().to_string(),
                d.time.clone(),
                d.computer.clone(),
                d.event_id.clone(),
                d.rule_id.clone(),
                d.title.clone(),
                d.tags.join(" "),
                d.file.clone(),
                d.record.to_string(),
            ]
            .iter()
            .map(|f| csv_field(f))
            .collect::<Vec<_>>()
            .join(","),
        }
    }
}

/// The summary printed after a hunt (Vietnamese first, English alongside).
pub fn summary_text(sum: &Summary, report: &CheckReport) -> String {
    let mut s = String::new();
    use std::fmt::Write;
    let _ = writeln!(
        s,
        "Tệp / files: {}   Sự kiện / events: {}   Bản ghi lỗi / bad records: {}",
        sum.files, sum.events, sum.bad_records
    );
    let _ = writeln!(
        s,
        "Luật / rules: {} loaded, {} refused   Phát hiện / detections: {}",
        report.rules_loaded,
        report.refused.len(),
        sum.detections
    );
    if !sum.formats.is_empty() {
        let f: Vec<String> = sum
            .formats
            .iter()
            .map(|(f, n)| format!("{f} {n}"))
            .collect();
        let _ = writeln!(s, "Định dạng / formats: {}", f.join(", "));
    }
    for (code, n) in report.counts_by_reason() {
        let _ = writeln!(s, "  luật bị từ chối / refused rules: {n:>5}  {code}");
    }
    if sum.skipped_files > 0 {
        let _ = writeln!(
            s,
            "Bỏ qua / skipped (định dạng không rõ / unknown format): {}",
            sum.skipped_files
        );
        for f in &sum.skipped {
            let _ = writeln!(s, "  skipped: {f}");
        }
    }
    for e in &sum.errors {
        let _ = writeln!(s, "  bad record: {e}");
    }
    let cs = sum.correlation_stats;
    if cs.late + cs.overflow + cs.missing_field > 0 || sum.untimed > 0 {
        let _ = writeln!(
            s,
            "Tương quan / correlation: {} late, {} over the group cap, {} without a group-by field, {} without a time (not counted)",
            cs.late, cs.overflow, cs.missing_field, sum.untimed
        );
    }
    if !sum.by_level.is_empty() {
        let levels: Vec<String> = sum
            .by_level
            .iter()
            .rev()
            .map(|(l, n)| format!("{} {n}", l.as_str()))
            .collect();
        let _ = writeln!(s, "Theo mức / by level: {}", levels.join(", "));
        let _ = writeln!(s, "Theo luật / by rule:");
        let mut rows: Vec<_> = sum.by_rule.iter().collect();
        rows.sort_by(|a, b| b.0 .0.cmp(&a.0 .0).then(b.1.cmp(a.1)));
        for ((level, id, title), n) in rows {
            let _ = writeln!(s, "  {n:>6}  {:<13} {title}  ({id})", level.as_str());
        }
    }
    s
}

/// `rules check`: counts, refusals by reason and each refused rule.
pub fn check_text(report: &CheckReport) -> String {
    let mut s = String::new();
    use std::fmt::Write;
    let _ = writeln!(
        s,
        "Tệp / files: {}   Luật nạp được / loaded: {}   Bị từ chối / refused: {}   Nguồn log chưa ánh xạ / unmapped logsource: {}",
        report.files,
        report.rules_loaded,
        report.refused.len(),
        report.unmapped.len()
    );
    for (code, n) in report.counts_by_reason() {
        let _ = writeln!(s, "  {n:>5}  {code}");
    }
    for r in &report.refused {
        let _ = writeln!(
            s,
            "refused: {}  {}  — {}",
            r.source,
            r.title.as_deref().unwrap_or(""),
            r.reason
        );
    }
    let mut by_ls: BTreeMap<String, usize> = BTreeMap::new();
    for (_, ls) in &report.unmapped {
        *by_ls.entry(ls.to_string()).or_insert(0) += 1;
    }
    if !by_ls.is_empty() {
        let _ = writeln!(
            s,
            "Unmapped logsources (rules fire only on events declared as such):"
        );
        for (ls, n) in by_ls {
            let _ = writeln!(s, "  {n:>5}  {ls}");
        }
    }
    s
}
