//! The rules the pipeline evaluates, under the console's switches
//! ([`crate::rule_switches`]). The rule files are read and parsed once, at
//! `serve`; the engine the detection threads use is compiled from that parsed
//! set with the switched-off rules left out, so they are not evaluated at
//! all. When the switches change the engine is compiled again, off the async
//! threads, and swapped in atomically: a batch a thread already scans
//! finishes on the engine it started with (each [`super::Detected`] carries
//! it), the next batch takes the new one.
//!
//! The switches are kept in memory. A change made on this node rebuilds the
//! engine before the change is answered; other nodes (NATS) read the switch
//! table every [`super::MonitoringConfig::rule_refresh`] and rebuild when it
//! differs from what their engine was built under. No batch reads the table.

use crate::rule_switches::{relative_folder, rule_enabled, RuleSwitch};
use crate::App;
use arc_swap::ArcSwap;
use detect::{Engine, EngineBuilder};
use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::Arc;

/// A switch as the engine depends on it (who changed it and when do not).
type SwitchKey = (String, String, bool);

fn keys(switches: &[RuleSwitch]) -> Vec<SwitchKey> {
    switches
        .iter()
        .map(|s| (s.kind.clone(), s.target.clone(), s.enabled))
        .collect()
}

/// The parsed rules, the engine compiled from them under the switches, and
/// the switches it was compiled under.
pub struct LiveRules {
    parsed: EngineBuilder,
    dirs: Vec<PathBuf>,
    /// (folder relative to the rule folders, rule id, source file) of each
    /// rule loaded, in load order; a rule whose id an earlier one has is not
    /// loaded (as [`EngineBuilder::build`] refuses it).
    pub(crate) index: Vec<(String, String, String)>,
    engine: Arc<ArcSwap<Engine>>,
    /// The switches the current engine was compiled under; the lock makes
    /// rebuilds one at a time.
    built_under: tokio::sync::Mutex<Vec<SwitchKey>>,
}

impl LiveRules {
    /// Compiles the engine of `parsed` under `switches`.
    pub fn new(
        parsed: EngineBuilder,
        dirs: Vec<PathBuf>,
        switches: &[RuleSwitch],
    ) -> (LiveRules, detect::CheckReport) {
        let mut seen = HashSet::new();
        let index: Vec<(String, String, String)> = parsed
            .parsed_rules()
            .filter(|r| r.id.is_empty() || seen.insert(r.id.clone()))
            .map(|r| {
                (
                    relative_folder(&dirs, &r.source),
                    r.id.clone(),
                    r.source.clone(),
                )
            })
            .collect();
        let (engine, report) = compile(&parsed, &index, switches);
        let live = LiveRules {
            parsed,
            dirs,
            index,
            engine: Arc::new(ArcSwap::from_pointee(engine)),
            built_under: tokio::sync::Mutex::new(keys(switches)),
        };
        (live, report)
    }

    fn compile(&self, switches: &[RuleSwitch]) -> (Engine, detect::CheckReport) {
        compile(&self.parsed, &self.index, switches)
    }

    /// The engine detection uses now.
    pub fn engine(&self) -> Arc<Engine> {
        self.engine.load_full()
    }

    /// The shared handle the detection threads read the engine from.
    pub(super) fn handle(&self) -> Arc<ArcSwap<Engine>> {
        self.engine.clone()
    }

    /// The rules as parsed, in load order (duplicates of an id included).
    pub fn parsed_rules(&self) -> impl Iterator<Item = &detect::RuleInfo> {
        self.parsed.parsed_rules()
    }

    /// The folders the rules were read from.
    pub fn dirs(&self) -> &[PathBuf] {
        &self.dirs
    }
}

/// The engine of the rules of `index` that run under `switches`.
fn compile(
    parsed: &EngineBuilder,
    index: &[(String, String, String)],
    switches: &[RuleSwitch],
) -> (Engine, detect::CheckReport) {
    let running: HashSet<(&str, &str)> = index
        .iter()
        .filter(|(folder, id, _)| rule_enabled(switches, folder, id))
        .map(|(_, id, source)| (id.as_str(), source.as_str()))
        .collect();
    parsed.build_subset(|r| running.contains(&(r.id.as_str(), r.source.as_str())))
}

impl App {
    /// Reads the switches and, when they differ from those the running
    /// engine was compiled under, compiles and swaps in a new engine (off
    /// the async threads). Returns whether it did. One at a time: a later
    /// call waits for an earlier one and sees what it stored.
    pub(crate) async fn refresh_rule_engine(&self) -> crate::Result<bool> {
        let p = self.pipeline()?;
        let mut built_under = p.rules.built_under.lock().await;
        let switches = store::rule_switches::list(&mut self.store.conn()).await?;
        let now = keys(&switches);
        if now == *built_under {
            return Ok(false);
        }
        let app = self.clone();
        let (engine, report) =
            tokio::task::spawn_blocking(move || app.pipeline().map(|p| p.rules.compile(&switches)))
                .await
                .map_err(|e| crate::AppError::Internal(format!("compiling the rules: {e}")))??;
        tracing::info!(
            rules_running = engine.rules().len(),
            rules_loaded = p.rules.index.len(),
            refused = report.refused.len(),
            "monitoring: rule switches changed; detection engine rebuilt"
        );
        p.rules.engine.store(Arc::new(engine));
        *built_under = now;
        Ok(true)
    }

    /// Keeps the engine in step with switches changed by other nodes:
    /// reads the switch table every `every`.
    pub(super) fn spawn_rule_refresh(&self, every: std::time::Duration) {
        let app = self.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            tick.tick().await;
            loop {
                tick.tick().await;
                if let Err(e) = app.refresh_rule_engine().await {
                    tracing::warn!(error = %e, "monitoring: reading rule switches");
                }
            }
        });
    }
}
