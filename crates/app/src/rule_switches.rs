//! Sigma rules switched on or off per folder or per rule in the console:
//! stored and audited (`store::rule_switches`), read by the monitoring
//! pipeline's storer with each batch, so a switch applies from the next
//! batch on. A rule switch beats a folder switch; the deepest folder switch
//! beats its parents'; a rule nobody switched runs. Switched-off rules are
//! still evaluated by the detection threads (the engine is compiled once at
//! `serve`); their hits are dropped before they become alerts.

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
    if scope.sees_province() && scope.may(Capability::ManageAccounts) {
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
        for (folder, id) in p.rule_index.iter() {
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

    /// Switches a folder (`kind` = `folder`) or a rule (`rule`, by id) on or
    /// off. The folder or rule must be among those loaded by this server.
    pub async fn set_rule_switch(
        &self,
        scope: &Scope,
        kind: &str,
        target: &str,
        enabled: bool,
    ) -> Result<()> {
        require_coordinator(scope)?;
        let target = target.trim().trim_matches('/');
        let p = self.pipeline()?;
        let known = match kind {
            "folder" => p.rule_index.iter().any(|(f, _)| in_folder(f, target)),
            "rule" => p.rule_index.iter().any(|(_, id)| id == target),
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
        store::rule_switches::set(&mut tx, scope, kind, target, enabled).await?;
        tx.commit().await?;
        Ok(())
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
