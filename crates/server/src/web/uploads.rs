//! Files uploaded for a preview, kept in memory until the person confirms
//! them, so the file is not sent twice. Entries expire after 30 minutes.

use app::transfer::Kind;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const TTL: Duration = Duration::from_secs(30 * 60);
const MAX_ENTRIES: usize = 32;

/// What an upload is waiting to become.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Purpose {
    Registry(Kind),
    BotnetList { source: String, period: String },
}

struct Upload {
    owner: String,
    kind: Purpose,
    name: String,
    bytes: Vec<u8>,
    at: Instant,
}

#[derive(Clone, Default)]
pub struct Uploads(Arc<Mutex<HashMap<String, Upload>>>);

impl Uploads {
    /// Keeps a file for `owner` and returns the key to confirm it with.
    pub fn put(&self, owner: String, kind: Purpose, name: String, bytes: Vec<u8>) -> String {
        use rand::Rng;
        let key: String = (0..24)
            .map(|_| format!("{:02x}", rand::thread_rng().gen::<u8>()))
            .collect();
        let mut map = self.0.lock().unwrap_or_else(|p| p.into_inner());
        map.retain(|_, u| u.at.elapsed() < TTL);
        if map.len() >= MAX_ENTRIES {
            if let Some(oldest) = map.iter().min_by_key(|(_, u)| u.at).map(|(k, _)| k.clone()) {
                map.remove(&oldest);
            }
        }
        map.insert(
            key.clone(),
            Upload {
                owner,
                kind,
                name,
                bytes,
                at: Instant::now(),
            },
        );
        key
    }

    /// Hands the file back, once, to the person who uploaded it.
    pub fn take(&self, owner: &str, key: &str) -> Option<(Purpose, String, Vec<u8>)> {
        let mut map = self.0.lock().unwrap_or_else(|p| p.into_inner());
        match map.get(key) {
            Some(u) if u.owner == owner && u.at.elapsed() < TTL => {
                let u = map.remove(key)?;
                Some((u.kind, u.name, u.bytes))
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_uploader_takes_it_and_only_once() {
        let u = Uploads::default();
        let k = u.put(
            "user:a".into(),
            Purpose::Registry(Kind::Systems),
            "f.csv".into(),
            b"x".to_vec(),
        );
        assert!(u.take("user:b", &k).is_none());
        assert!(u.take("user:a", &k).is_some());
        assert!(u.take("user:a", &k).is_none());
    }
}
