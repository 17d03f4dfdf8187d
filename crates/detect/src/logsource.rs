//! The log-source mapping: which events a rule's `logsource` applies to, and
//! the field names those events use. Data, not code: `logsources.yml` in this
//! crate is embedded and can be replaced or extended at run time.

use crate::{LoadError, LogSource};
use yaml_rust2::Yaml;

/// The embedded default mapping.
pub const DEFAULT_LOGSOURCES: &str = include_str!("../logsources.yml");

/// One kind of event a logsource covers.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct EventKind {
    /// Field (lowercase) → accepted values (lowercase; `*` = present).
    pub when: Vec<(String, Vec<String>)>,
    /// Sigma field → event field, for events of this kind.
    pub rename: Vec<(String, String)>,
}

#[derive(Clone, Debug)]
pub struct Entry {
    pub logsource: LogSource,
    pub events: Vec<EventKind>,
}

/// The mapping from logsources to event kinds.
#[derive(Clone, Debug)]
pub struct LogSourceMap {
    entries: Vec<Entry>,
}

impl Default for LogSourceMap {
    fn default() -> Self {
        Self::from_yaml(DEFAULT_LOGSOURCES).expect("the embedded mapping is valid")
    }
}

fn lc(y: &Yaml) -> Option<String> {
    match y {
        Yaml::String(s) | Yaml::Real(s) => Some(s.to_lowercase()),
        Yaml::Integer(i) => Some(i.to_string()),
        Yaml::Boolean(b) => Some(b.to_string()),
        _ => None,
    }
}

impl LogSourceMap {
    /// Reads a mapping file (the shape of `logsources.yml`).
    pub fn from_yaml(text: &str) -> Result<Self, LoadError> {
        let docs = crate::load_yaml(text).map_err(LoadError::Yaml)?;
        let doc = docs
            .first()
            .ok_or_else(|| LoadError::Mapping("empty file".into()))?;
        let Some(Yaml::Array(items)) = doc
            .as_hash()
            .and_then(|h| h.get(&Yaml::String("sources".into())))
        else {
            return Err(LoadError::Mapping("expected a list under 'sources'".into()));
        };
        let mut entries = Vec::new();
        for (i, it) in items.iter().enumerate() {
            let h = it
                .as_hash()
                .ok_or_else(|| LoadError::Mapping(format!("source {}: not a map", i + 1)))?;
            let ls = h
                .get(&Yaml::String("logsource".into()))
                .and_then(|l| l.as_hash())
                .ok_or_else(|| LoadError::Mapping(format!("source {}: no logsource", i + 1)))?;
            let key = |k: &str| ls.get(&Yaml::String(k.into())).and_then(lc);
            let logsource = LogSource {
                product: key("product"),
                category: key("category"),
                service: key("service"),
            };
            let mut events = Vec::new();
            if let Some(Yaml::Array(evs)) = h.get(&Yaml::String("events".into())) {
                for e in evs {
                    let eh = e.as_hash().ok_or_else(|| {
                        LoadError::Mapping(format!("source {}: an event is not a map", i + 1))
                    })?;
                    let mut when = Vec::new();
                    if let Some(Yaml::Hash(w)) = eh.get(&Yaml::String("when".into())) {
                        for (k, v) in w {
                            let field = lc(k).ok_or_else(|| {
                                LoadError::Mapping(format!("source {}: bad field", i + 1))
                            })?;
                            let vals = match v {
                                Yaml::Array(a) => a.iter().filter_map(lc).collect(),
                                other => lc(other).into_iter().collect(),
                            };
                            when.push((field, vals));
                        }
                    }
                    let mut rename = Vec::new();
                    if let Some(Yaml::Hash(r)) = eh.get(&Yaml::String("rename".into())) {
                        for (k, v) in r {
                            if let (Some(a), Some(b)) = (k.as_str(), v.as_str()) {
                                rename.push((a.to_string(), b.to_string()));
                            }
                        }
                    }
                    if when.is_empty() {
                        return Err(LoadError::Mapping(format!(
                            "source {}: an event with no 'when'",
                            i + 1
                        )));
                    }
                    events.push(EventKind { when, rename });
                }
            }
            entries.push(Entry { logsource, events });
        }
        Ok(LogSourceMap { entries })
    }

    /// Adds the entries of another mapping; an entry for the same logsource replaces this one's.
    pub fn extend(&mut self, other: LogSourceMap) {
        for e in other.entries {
            self.entries.retain(|x| x.logsource != e.logsource);
            self.entries.push(e);
        }
    }

    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// The event kinds for a rule's logsource, and whether the logsource is known.
    pub fn resolve(&self, ls: &LogSource) -> (Vec<EventKind>, bool) {
        match self.entries.iter().find(|e| e.logsource == *ls) {
            Some(e) => (e.events.clone(), true),
            None => (Vec::new(), false),
        }
    }
}
