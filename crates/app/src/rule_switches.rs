//! Sigma rules switched on or off per folder or per rule (console `/rules`,
//! `GET /api/v1/rules`, `PUT /api/v1/rules/switches`): stored and audited
//! (`store::rule_switches`). A rule switch beats a folder switch; the
//! deepest folder switch beats its parents'; a rule nobody switched runs.
//! Switched-off rules are left out of the engine the detection threads use
//! ([`crate::pipeline::LiveRules`]): a change is compiled and swapped in
//! before it is answered, so events received after the answer are evaluated
//! under it; other nodes pick it up within `rule_refresh`.

use crate::{App, AppError, Result};
use domain::{Capability, Scope};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
pub use store::rule_switches::RuleSwitch;

/// A folder of loaded rules, for the console.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RuleFolder {
    /// Relative to the configured rule folders, `/`-separated ("" for the top).
    pub folder: String,
    pub rules: usize,
    /// Rules of the folder that run under the current switches.
    pub running: usize,
    /// The folder's own switch, if any.
    pub switched: Option<bool>,
}

/// One loaded rule with whether it runs (the API's catalogue).
#[derive(Debug, Clone, serde::Serialize)]
pub struct RuleEntry {
    pub id: String,
    pub title: String,
    pub level: &'static str,
    /// Relative to the configured rule folders, `/`-separated.
    pub folder: String,
    /// Whether it runs under the switches.
    pub enabled: bool,
}

/// The catalogue with every rule (or a folder's) and its state.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RuleList {
    #[serde(flatten)]
    pub catalogue: RuleCatalogue,
    /// Rules the detection engine of this server evaluates now.
    pub running_now: usize,
    pub rules: Vec<RuleEntry>,
}

/// What a switch did.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SwitchOutcome {
    pub kind: String,
    pub target: String,
    pub enabled: bool,
    /// The switch before (`null`: never switched).
    pub previous: Option<bool>,
    /// Rules the detection engine of this server evaluates from now on.
    pub running_now: usize,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct RuleCatalogue {
    /// False when monitoring does not run in this process (no rules loaded).
    pub loaded: bool,
    pub folders: Vec<RuleFolder>,
    pub switches: Vec<RuleSwitch>,
}

/// The folder of rule file `source` relative to the configured folder it
/// was found under, `/`-separated.
pub fn relative_folder(dirs: &[PathBuf], source: &str) -> String {
    let src = Path::new(source);
    for d in dirs {
        if let Ok(rel) = src.strip_prefix(d) {
            return rel
                .parent()
                .map(|p| {
                    p.components()
                        .map(|c| c.as_os_str().to_string_lossy().into_owned())
                        .collect::<Vec<_>>()
                        .join("/")
                })
                .unwrap_or_default();
        }
    }
    String::new()
}

fn in_folder(folder: &str, target: &str) -> bool {
    target.is_empty()
        || folder == target
        || (folder.starts_with(target) && folder[target.len()..].starts_with('/'))
}

/// Whether the rule `id` in `folder` runs under `switches`.
pub fn rule_enabled(switches: &[RuleSwitch], folder: &str, id: &str) -> bool {
    if let Some(s) = switches.iter().find(|s| s.kind == "rule" && s.target == id) {
        return s.enabled;
    }
    switches
        .iter()
        .filter(|s| s.kind == "folder" && in_folder(folder, &s.target))
        .max_by_key(|s| s.target.len())
        .is_none_or(|s| s.enabled)
}

fn require_coordinator(scope: &Scope) -> Result<()> {
    if scope.sees_province() && scope.may(Capability::Coordinate) {
        Ok(())
    } else {
        Err(AppError::Forbidden(
            "Chỉ cơ quan điều phối bật, tắt luật phát hiện \
             (only the coordinator switches detection rules)"
                .into(),
        ))
    }
}

impl App {
    /// The loaded rules by folder with their switches (the coordinator's).
    pub async fn rule_catalogue(&self, scope: &Scope) -> Result<RuleCatalogue> {
        require_coordinator(scope)?;
        let switches = store::rule_switches::list(&mut self.store.conn()).await?;
        let Ok(p) = self.pipeline() else {
            return Ok(RuleCatalogue {
                loaded: false,
                folders: Vec::new(),
                switches,
            });
        };
        let mut folders: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
        for (folder, id, _) in p.rules.index.iter() {
            let e = folders.entry(folder.as_str()).or_default();
            e.0 += 1;
            if rule_enabled(&switches, folder, id) {
                e.1 += 1;
            }
        }
        Ok(RuleCatalogue {
            loaded: true,
            folders: folders
                .into_iter()
                .map(|(f, (rules, running))| RuleFolder {
                    folder: f.to_string(),
                    rules,
                    running,
                    switched: switches
                        .iter()
                        .find(|s| s.kind == "folder" && s.target == f)
                        .map(|s| s.enabled),
                })
                .collect(),
            switches,
        })
    }

    /// The catalogue with each rule loaded (of `folder` and below, or all)
    /// and whether it runs (the coordinator's).
    pub async fn rule_list(&self, scope: &Scope, folder: Option<&str>) -> Result<RuleList> {
        let catalogue = self.rule_catalogue(scope).await?;
        let Ok(p) = self.pipeline() else {
            return Ok(RuleList {
                catalogue,
                running_now: 0,
                rules: Vec::new(),
            });
        };
        let folder = folder.map(|f| f.trim().trim_matches('/'));
        let infos: std::collections::HashMap<(&str, &str), &detect::RuleInfo> = p
            .rules
            .parsed_rules()
            .map(|r| ((r.id.as_str(), r.source.as_str()), r))
            .collect();
        let rules = p
            .rules
            .index
            .iter()
            .filter(|(f, _, _)| folder.is_none_or(|t| in_folder(f, t)))
            .filter_map(|(f, id, source)| {
                let info = infos.get(&(id.as_str(), source.as_str()))?;
                Some(RuleEntry {
                    id: id.clone(),
                    title: info.title.clone(),
                    level: info.level.as_str(),
                    folder: f.clone(),
                    enabled: rule_enabled(&catalogue.switches, f, id),
                })
            })
            .collect();
        Ok(RuleList {
            catalogue,
            running_now: p.rules.engine().rules().len(),
            rules,
        })
    }

    /// Switches a folder (`kind` = `folder`) or a rule (`rule`, by id) on or
    /// off. The folder or rule must be among those loaded by this server.
    /// Answers once the detection engine runs under the new switches.
    pub async fn set_rule_switch(
        &self,
        scope: &Scope,
        kind: &str,
        target: &str,
        enabled: bool,
    ) -> Result<SwitchOutcome> {
        require_coordinator(scope)?;
        let target = target.trim().trim_matches('/');
        let p = self.pipeline()?;
        let known = match kind {
            "folder" => p.rules.index.iter().any(|(f, _, _)| in_folder(f, target)),
            "rule" => p.rules.index.iter().any(|(_, id, _)| id == target),
            _ => {
                return Err(crate::invalid(
                    "kind",
                    "phải là 'folder' hoặc 'rule' (must be 'folder' or 'rule')".to_string(),
                ))
            }
        };
        if !known || target.len() > 500 {
            return Err(crate::invalid(
                "target",
                format!(
                    "không có thư mục hay luật '{target}' trong các luật đã nạp \
                     (no loaded folder or rule is '{target}')"
                ),
            ));
        }
        let mut tx = self.store.begin().await?;
        let previous = store::rule_switches::set(&mut tx, scope, kind, target, enabled).await?;
        tx.commit().await?;
        self.refresh_rule_engine().await?;
        Ok(SwitchOutcome {
            kind: kind.to_string(),
            target: target.to_string(),
            enabled,
            previous,
            running_now: p.rules.engine().rules().len(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sw(kind: &str, target: &str, enabled: bool) -> RuleSwitch {
        RuleSwitch {
            kind: kind.into(),
            target: target.into(),
            enabled,
            changed_by: "t".into(),
            changed_at: chrono::Utc::now(),
        }
    }

    #[test]
    fn the_most_specific_switch_decides() {
        let s = vec![
            sw("folder", "windows", false),
            sw("folder", "windows/process_creation", true),
            sw("rule", "r2", false),
        ];
        assert!(!rule_enabled(&s, "windows/registry", "r1"));
        assert!(rule_enabled(&s, "windows/process_creation", "r1"));
        assert!(!rule_enabled(&s, "windows/process_creation", "r2"));
        assert!(
            rule_enabled(&s, "windowsx", "r1"),
            "a prefix is not a parent"
        );
        assert!(rule_enabled(&[], "linux", "r1"));
        let dirs = vec![PathBuf::from("/r")];
        assert_eq!(relative_folder(&dirs, "/r/windows/pc/a.yml"), "windows/pc");
        assert_eq!(relative_folder(&dirs, "/r/a.yml"), "");
    }
}
