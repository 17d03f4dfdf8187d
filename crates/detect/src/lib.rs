//! # detect — Sigma rules over events
//!
//! The detection engine of canhgac (capability C4). Pure: no I/O beyond the
//! text, bytes and readers it is given; never panics on input; errors are
//! values.
//!
//! ## The interface
//!
//! ```text
//!  rules (YAML text) ──► EngineBuilder::add_yaml ──► build() ──► (Engine, CheckReport)
//!                                                                  │
//!  bytes / readers ──► read::{JsonEvents, EvtxEvents} ──► Event ──► Scanner::scan ──► [rule index]
//! ```
//!
//! * **Compile once.** [`EngineBuilder`] takes rules one YAML text at a time
//!   (the caller reads the files); [`EngineBuilder::build`] returns an
//!   immutable [`Engine`] and a [`CheckReport`]: every rule that was refused,
//!   with its file and [`Reason`], counts by reason, and the rules whose
//!   `logsource` has no entry in the mapping. A rule is never dropped silently.
//! * **Share it.** `Engine` is `Send + Sync`: wrap it in an `Arc` and give each
//!   thread (each pipeline worker, each NATS consumer) its own [`Scanner`]
//!   (`engine.scanner()`), which holds the scratch memory and is reused for
//!   every event, so the hot path does not allocate.
//! * **Evaluate.** `scanner.scan(&event)` returns the indexes of the rules
//!   that fired; `engine.rules()[i]` is the rule's [`RuleInfo`] (id, title,
//!   level, status, tags, author, logsource, source file).
//!   [`Engine::evaluate`] and [`Engine::evaluate_batch`] are conveniences
//!   returning [`Match`]es.
//! * **Events.** An [`Event`] is a flat list of named values, built by a
//!   reader ([`read`]) or by hand (`Event::new().with("Image", "…")`), with an
//!   optional declared log source ([`Event::with_source`]) for events that do
//!   not say what they are (syslog, web logs, cloud audit).
//! * **Readers.** [`read`] streams EVTX and JSON; [`formats`] streams Linux
//!   auditd, syslog (RFC 3164/5424, octet counting), CEF, Suricata EVE and
//!   Zeek, each on a per-record parser ([`formats::RecordParser`]) that the
//!   monitoring pipeline can call per line or datagram;
//!   [`formats::sniff`] picks a reader by a file's content.
//! * **Log sources.** A rule only sees the events its `logsource` covers, as
//!   [`LogSourceMap`] says (`logsources.yml`, embedded, replaceable). Windows
//!   events are recognised by `Channel` and `EventID`; the kinds of an event
//!   are found once per event and only their rules are evaluated. A Linux rule
//!   never fires on a Windows event.
//! * **Correlation** ([`correlation`]): [`Engine::correlations`] holds the
//!   Sigma correlation rules loaded with the others; a [`Correlator`] the
//!   caller owns is fed the matches with the event's time and group-by
//!   values, holding state bounded by the rules' timespans; the engine stays
//!   stateless.
//!
//! ## How it is fast
//!
//! Rules are compiled into trees of field tests on interned field ids; an
//! event's fields are bound once to those ids, with their lowercase form.
//! For each kind of event, every rule gets a set of literals of which one must
//! occur in a given field for the rule to be able to match; one Aho-Corasick
//! automaton per field finds which rules are worth evaluating, and only those
//! are. Rules with no such literal (a regular expression alone, `exists`,
//! numbers) are always evaluated.
//!
//! Loading does only what every rule needs: YAML is parsed, clauses chosen
//! and buckets planned on the loading threads; a `|re` pattern's syntax is
//! checked at load (a bad one refuses its rule) but it is compiled on first
//! use, and so is each Aho-Corasick automaton, so the kinds of event a stream
//! never holds cost nothing.
//!
//! Sigma rules by SigmaHQ and their authors are distributed under the
//! Detection Rule License 1.1; canhgac credits them where it ships them.

pub mod cache;
pub mod correlation;
mod engine;
pub mod event;
mod flat;
pub mod formats;
pub mod indicators;
mod json;
pub mod logsource;
#[cfg(test)]
mod oracle;
mod pattern;
mod prefilter;
pub mod read;
mod route;
mod rule;

pub use cache::{CacheUse, Stale};
pub use correlation::{CorrelationHit, CorrelationSet, Correlator};
pub use engine::{Config, Engine, EngineBuilder, Match, Scanner};
pub use event::{Event, SourceHint, Value, ValueRef};
pub use flat::EventBuf;
pub use formats::Format;
pub use logsource::{LogSourceMap, DEFAULT_LOGSOURCES};
pub use rule::Placeholders;

use serde::Serialize;
use std::collections::BTreeMap;

/// A rule's severity.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Unknown,
    Informational,
    Low,
    Medium,
    High,
    Critical,
}

impl Level {
    pub fn parse(s: &str) -> Level {
        match s.trim().to_ascii_lowercase().as_str() {
            "informational" | "info" => Level::Informational,
            "low" => Level::Low,
            "medium" => Level::Medium,
            "high" => Level::High,
            "critical" => Level::Critical,
            _ => Level::Unknown,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Unknown => "unknown",
            Level::Informational => "informational",
            Level::Low => "low",
            Level::Medium => "medium",
            Level::High => "high",
            Level::Critical => "critical",
        }
    }
}

/// A rule's `logsource` (lowercased).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize)]
pub struct LogSource {
    pub product: Option<String>,
    pub category: Option<String>,
    pub service: Option<String>,
}

impl std::fmt::Display for LogSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let parts: Vec<String> = [
            ("product", &self.product),
            ("category", &self.category),
            ("service", &self.service),
        ]
        .iter()
        .filter_map(|(k, v)| v.as_ref().map(|v| format!("{k}={v}")))
        .collect();
        write!(f, "{}", parts.join(" "))
    }
}

/// What a loaded rule is.
#[derive(Clone, Debug, Serialize)]
pub struct RuleInfo {
    pub id: String,
    /// The rule's `name`, by which correlation rules may refer to it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub title: String,
    pub level: Level,
    pub status: String,
    pub author: String,
    pub tags: Vec<String>,
    pub logsource: LogSource,
    /// Where it came from (the name given to `add_yaml`).
    pub source: String,
}

/// Why a rule was refused.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum Reason {
    #[error("YAML: {0}")]
    Yaml(String),
    #[error("not a rule: {0}")]
    NotARule(String),
    #[error("detection: {0}")]
    Detection(String),
    #[error("condition: {0}")]
    Condition(String),
    #[error("modifier: {0}")]
    Modifier(String),
    #[error("value: {0}")]
    Value(String),
    #[error("regular expression not supported or invalid: {0}")]
    Regex(String),
    #[error("placeholder %{0}% has no values in the configuration")]
    Placeholder(String),
    #[error("not supported: {0}")]
    Unsupported(String),
    #[error("duplicate rule id (first loaded from {0})")]
    Duplicate(String),
    #[error("correlation: {0}")]
    Correlation(String),
}

impl Reason {
    /// A short stable code for counting (`yaml`, `regex`, `placeholder`, …).
    pub fn code(&self) -> &'static str {
        match self {
            Reason::Yaml(_) => "yaml",
            Reason::NotARule(_) => "not_a_rule",
            Reason::Detection(_) => "detection",
            Reason::Condition(_) => "condition",
            Reason::Modifier(_) => "modifier",
            Reason::Value(_) => "value",
            Reason::Regex(_) => "regex",
            Reason::Placeholder(_) => "placeholder",
            Reason::Unsupported(_) => "unsupported",
            Reason::Duplicate(_) => "duplicate",
            Reason::Correlation(_) => "correlation",
        }
    }
}

/// One refused rule.
#[derive(Clone, Debug)]
pub struct Refusal {
    pub source: String,
    pub id: Option<String>,
    pub title: Option<String>,
    pub reason: Reason,
}

/// What loading a rule set found.
#[derive(Clone, Debug, Default)]
pub struct CheckReport {
    /// YAML texts given.
    pub files: usize,
    pub rules_loaded: usize,
    pub refused: Vec<Refusal>,
    /// Loaded rules whose logsource has no entry in the mapping: they fire
    /// only on events whose sender declares that logsource.
    pub unmapped: Vec<(String, LogSource)>,
}

impl CheckReport {
    /// Refused rules counted by [`Reason::code`].
    pub fn counts_by_reason(&self) -> BTreeMap<&'static str, usize> {
        let mut m = BTreeMap::new();
        for r in &self.refused {
            *m.entry(r.reason.code()).or_insert(0) += 1;
        }
        m
    }
}

/// Errors of the mapping and other whole-file loads.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("YAML: {0}")]
    Yaml(String),
    #[error("log-source mapping: {0}")]
    Mapping(String),
}

/// Parses YAML text, refusing nesting deep enough to exhaust the parser's stack.
pub(crate) fn load_yaml(text: &str) -> Result<Vec<yaml_rust2::Yaml>, String> {
    let mut depth = 0i32;
    let mut max = 0i32;
    for b in text.bytes() {
        match b {
            b'[' | b'{' => {
                depth += 1;
                max = max.max(depth);
            }
            b']' | b'}' => depth -= 1,
            _ => {}
        }
    }
    if max > 64 {
        return Err("nesting deeper than 64 levels".into());
    }
    let leading = text
        .lines()
        .map(|l| l.len() - l.trim_start().len())
        .max()
        .unwrap_or(0);
    if leading > 512 {
        return Err("indentation deeper than 512 columns".into());
    }
    yaml_rust2::YamlLoader::load_from_str(text).map_err(|e| e.to_string())
}
