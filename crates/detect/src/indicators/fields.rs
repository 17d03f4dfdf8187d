//! Which event fields each kind of indicator is looked for in (`indicator_fields.yml`).

use super::{FxMap, DOMAIN, FILE, HASH, IP, URL};
use crate::LoadError;
use yaml_rust2::Yaml;

/// The embedded mapping.
pub const DEFAULT_INDICATOR_FIELDS: &str = include_str!("../../indicator_fields.yml");

const KINDS: [(&str, u8); 5] = [
    ("ip", IP),
    ("domain", DOMAIN),
    ("url", URL),
    ("hash", HASH),
    ("file", FILE),
];

/// Event field name (lower case) → the kinds of indicator looked for in it.
#[derive(Clone, Debug)]
pub struct FieldMap {
    lists: Vec<(u8, Vec<String>)>,
    by_name: FxMap<Box<str>, u8>,
    longest: usize,
}

impl Default for FieldMap {
    /// The embedded mapping.
    fn default() -> Self {
        FieldMap::from_yaml(DEFAULT_INDICATOR_FIELDS).unwrap_or_else(|_| FieldMap::empty())
    }
}

impl FieldMap {
    fn empty() -> Self {
        FieldMap {
            lists: Vec::new(),
            by_name: FxMap::default(),
            longest: 0,
        }
    }

    /// Reads a mapping (`indicators: {ip: [fields…], domain: […], url, hash, file}`).
    pub fn from_yaml(text: &str) -> Result<FieldMap, LoadError> {
        let docs = crate::load_yaml(text).map_err(LoadError::Yaml)?;
        let Some(Yaml::Hash(h)) = docs.first().map(|d| &d["indicators"]) else {
            return Err(LoadError::Mapping(
                "expected a map of kinds under 'indicators'".into(),
            ));
        };
        let mut m = FieldMap::empty();
        for (k, v) in h {
            let name = k.as_str().unwrap_or("");
            let Some(&(_, bit)) = KINDS.iter().find(|(n, _)| *n == name) else {
                return Err(LoadError::Mapping(format!(
                    "indicators: unknown kind '{name}' (ip, domain, url, hash, file)"
                )));
            };
            let Yaml::Array(a) = v else {
                return Err(LoadError::Mapping(format!(
                    "indicators: {name}: expected a list of field names"
                )));
            };
            let fields = a
                .iter()
                .map(|f| f.as_str().map(str::to_string))
                .collect::<Option<Vec<_>>>()
                .ok_or_else(|| {
                    LoadError::Mapping(format!("indicators: {name}: a field name is not text"))
                })?;
            m.lists.push((bit, fields));
        }
        m.index();
        Ok(m)
    }

    /// Adds another mapping: a kind it lists replaces this one's list.
    pub fn extend(&mut self, other: FieldMap) {
        for (bit, fields) in other.lists {
            self.lists.retain(|(b, _)| *b != bit);
            self.lists.push((bit, fields));
        }
        self.index();
    }

    fn index(&mut self) {
        self.by_name.clear();
        self.longest = 0;
        for (bit, fields) in &self.lists {
            for f in fields {
                let key = f.to_ascii_lowercase();
                self.longest = self.longest.max(key.len());
                *self.by_name.entry(key.into()).or_insert(0) |= bit;
            }
        }
    }

    /// The fields given for a kind (`ip`, `domain`, `url`, `hash`, `file`).
    pub fn fields(&self, kind: &str) -> Vec<&str> {
        let Some(&(_, bit)) = KINDS.iter().find(|(n, _)| *n == kind) else {
            return Vec::new();
        };
        self.lists
            .iter()
            .filter(|(b, _)| *b == bit)
            .flat_map(|(_, f)| f.iter().map(String::as_str))
            .collect()
    }

    /// The kinds looked for in a field (0: none). `buf` is scratch space.
    #[inline]
    pub(crate) fn kinds(&self, name: &str, buf: &mut String) -> u8 {
        if name.len() > self.longest {
            return 0;
        }
        super::lower_into(buf, name);
        self.by_name.get(buf.as_str()).copied().unwrap_or(0)
    }
}
