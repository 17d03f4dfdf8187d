//! Where the loaded rules are cached between runs (`detect::cache` decides
//! whether cached bytes may be used; this module only reads and writes them).
//!
//! One file per set of rule folders and option files, named by a digest of
//! their paths (`rules-<16 hex>.bin`), so that hunts over different folders
//! do not evict each other, and a change to the rules rewrites the same file.
//! A file that cannot be read is a miss; one that cannot be written is
//! logged and the run goes on: the cache never stops a hunt or a server.

use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// Largest cache file read (the SigmaHQ set takes a few MiB).
const MAX_BYTES: u64 = 256 << 20;

/// The default folder of `canhgac hunt`: `$XDG_CACHE_HOME/canhgac`, else
/// `$HOME/.cache/canhgac`; none when neither is set.
pub fn default_dir() -> Option<PathBuf> {
    let xdg = std::env::var_os("XDG_CACHE_HOME").filter(|v| !v.is_empty());
    match xdg {
        Some(x) => Some(PathBuf::from(x).join("canhgac")),
        None => std::env::var_os("HOME")
            .filter(|v| !v.is_empty())
            .map(|h| PathBuf::from(h).join(".cache").join("canhgac")),
    }
}

/// The cache file for these rule folders and option files.
pub fn file_for(dir: &Path, rule_dirs: &[PathBuf], extra: &[Option<&PathBuf>]) -> PathBuf {
    let mut h = Sha256::new();
    for d in rule_dirs {
        let abs = std::path::absolute(d).unwrap_or_else(|_| d.clone());
        h.update(abs.as_os_str().as_encoded_bytes());
        h.update([0]);
    }
    for e in extra {
        h.update([1]);
        if let Some(p) = e {
            let abs = std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
            h.update(abs.as_os_str().as_encoded_bytes());
        }
    }
    let d = h.finalize();
    dir.join(format!("rules-{}.bin", hex::encode(&d[..8])))
}

/// The cached bytes, if the file is there and readable.
pub fn read(path: &Path) -> Option<Vec<u8>> {
    let meta = std::fs::metadata(path).ok()?;
    if !meta.is_file() || meta.len() > MAX_BYTES {
        return None;
    }
    std::fs::read(path).ok()
}

/// Stores new bytes: written beside the file, then renamed over it, so a
/// reader sees the old file or the new one, never half of one.
pub fn write(path: &Path, bytes: &[u8]) {
    let done = (|| -> std::io::Result<()> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let tmp = path.with_extension(format!("tmp{}", std::process::id()));
        std::fs::write(&tmp, bytes)?;
        std::fs::rename(&tmp, path).inspect_err(|_| {
            let _ = std::fs::remove_file(&tmp);
        })
    })();
    if let Err(e) = done {
        tracing::warn!(file = %path.display(), error = %e, "rule cache not written");
    }
}
