//! The two files of the audit chain that live outside the database: the key
//! that makes the chain an HMAC (`audit.key`, 64 hex digits, mode 0600), and
//! the checkpoint beside it (`audit.checkpoint`), the chain's head as last
//! seen, one line per database.
//!
//! The checkpoint is written after a commit, under an exclusive lock on
//! `audit.checkpoint.lock`, through a temporary file renamed over the old one;
//! it only moves forward (a larger count), so it never claims more than what
//! is committed, whichever process writes last.

use crate::{Result, StoreError};
use domain::audit::{format_checkpoints, parse_checkpoints, Anchor, AuditKey, Checkpoint};
use std::fs::{self, OpenOptions};
use std::io::{ErrorKind, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

/// Where the key file is; the checkpoint is written beside it.
#[derive(Debug, Clone)]
pub struct AuditFiles {
    key: PathBuf,
}

impl AuditFiles {
    /// `DIR/audit.key` and `DIR/audit.checkpoint`.
    pub fn in_dir(dir: &Path) -> Self {
        AuditFiles {
            key: dir.join("audit.key"),
        }
    }

    /// A key file named by the operator (`--audit-key`).
    pub fn key_file(path: impl Into<PathBuf>) -> Self {
        AuditFiles { key: path.into() }
    }

    pub fn key_path(&self) -> &Path {
        &self.key
    }

    fn dir(&self) -> PathBuf {
        match self.key.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        }
    }

    pub fn checkpoint_path(&self) -> PathBuf {
        self.dir().join("audit.checkpoint")
    }

    fn lock_path(&self) -> PathBuf {
        self.dir().join("audit.checkpoint.lock")
    }

    /// The next key while a re-chaining is under way.
    pub(crate) fn pending_key_path(&self) -> PathBuf {
        suffixed(&self.key, ".new")
    }
}

fn suffixed(p: &Path, suffix: &str) -> PathBuf {
    let mut s = p.as_os_str().to_os_string();
    s.push(suffix);
    PathBuf::from(s)
}

fn io_err(path: &Path, e: std::io::Error) -> StoreError {
    StoreError::Audit(format!("{}: {e}", path.display()))
}

/// What the store knows of its chain: the key, the files and which database
/// this is (the checkpoint file may hold several).
pub(crate) struct AuditCtx {
    pub files: AuditFiles,
    pub db: String,
    key: RwLock<Arc<AuditKey>>,
}

impl AuditCtx {
    pub fn new(files: AuditFiles, db: String, key: AuditKey) -> Self {
        AuditCtx {
            files,
            db,
            key: RwLock::new(Arc::new(key)),
        }
    }

    pub fn key(&self) -> Arc<AuditKey> {
        self.key.read().expect("audit key lock").clone()
    }

    pub fn set_key(&self, key: AuditKey) {
        *self.key.write().expect("audit key lock") = Arc::new(key);
    }

    /// This database's checkpoint, if one was written.
    pub fn read_checkpoint(&self) -> Result<Option<Checkpoint>> {
        let path = self.files.checkpoint_path();
        let text = match fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(io_err(&path, e)),
        };
        Ok(parse_checkpoints(&text)
            .into_iter()
            .find(|(db, _)| *db == self.db)
            .map(|(_, c)| c))
    }

    /// Records `head` as this database's checkpoint when it is further along
    /// than the one on file (or always, with `force`, after a re-chaining).
    /// Returns whether the file changed.
    pub fn write_checkpoint(&self, head: &Anchor, force: bool) -> Result<bool> {
        let lock_path = self.files.lock_path();
        let lock = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(|e| io_err(&lock_path, e))?;
        lock.lock().map_err(|e| io_err(&lock_path, e))?;
        let path = self.files.checkpoint_path();
        let text = match fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == ErrorKind::NotFound => String::new(),
            Err(e) => return Err(io_err(&path, e)),
        };
        let mut entries = parse_checkpoints(&text);
        let fresh = Checkpoint {
            count: head.count,
            hash: head.hash.clone(),
            at: chrono::Utc::now(),
        };
        match entries.iter_mut().find(|(db, _)| *db == self.db) {
            Some((_, old)) => {
                if !force && old.count >= head.count {
                    return Ok(false);
                }
                *old = fresh;
            }
            None => entries.push((self.db.clone(), fresh)),
        }
        write_atomically(&path, format_checkpoints(&entries).as_bytes(), 0o644)?;
        drop(lock);
        Ok(true)
    }
}

/// Writes `bytes` to a temporary file in the same folder, syncs it and
/// renames it over `path`, so a reader sees the old file or the new one.
fn write_atomically(path: &Path, bytes: &[u8], mode: u32) -> Result<()> {
    let tmp = suffixed(
        path,
        &format!(".tmp-{}-{:08x}", std::process::id(), rand::random::<u32>()),
    );
    let mut f = OpenOptions::new()
        .create_new(true)
        .write(true)
        .mode(mode)
        .open(&tmp)
        .map_err(|e| io_err(&tmp, e))?;
    f.write_all(bytes)
        .and_then(|_| f.sync_all())
        .map_err(|e| io_err(&tmp, e))?;
    drop(f);
    fs::rename(&tmp, path).map_err(|e| {
        let _ = fs::remove_file(&tmp);
        io_err(path, e)
    })?;
    sync_dir(path);
    Ok(())
}

fn sync_dir(path: &Path) {
    if let Some(dir) = path.parent() {
        let dir = if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        };
        if let Ok(d) = fs::File::open(dir) {
            let _ = d.sync_all();
        }
    }
}

/// Reads a key file; `None` when there is none.
pub(crate) fn read_key(path: &Path) -> Result<Option<AuditKey>> {
    let text = match fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io_err(path, e)),
    };
    if let Ok(meta) = fs::metadata(path) {
        if meta.permissions().mode() & 0o077 != 0 {
            tracing::warn!(
                file = %path.display(),
                "tệp khóa nhật ký kiểm toán đọc được bởi người khác; hãy chmod 600 / the audit key file is readable by others; chmod 600 it"
            );
        }
    }
    AuditKey::from_hex(&text)
        .map(Some)
        .map_err(|e| StoreError::Audit(format!("{}: not an audit key: {e}", path.display())))
}

/// A new random key.
pub(crate) fn generate_key() -> AuditKey {
    AuditKey::from_bytes(rand::random::<[u8; 32]>())
}

/// Writes `key` to `path` (mode 0600) unless a file is already there; returns
/// the key the file holds afterwards, so two processes starting at once agree.
pub(crate) fn publish_key(path: &Path, key: &AuditKey) -> Result<AuditKey> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        fs::create_dir_all(dir).map_err(|e| io_err(dir, e))?;
    }
    let tmp = suffixed(
        path,
        &format!(".tmp-{}-{:08x}", std::process::id(), rand::random::<u32>()),
    );
    write_atomically(&tmp, format!("{}\n", key.to_hex()).as_bytes(), 0o600)?;
    // A hard link fails if the name exists: the first writer wins.
    let linked = fs::hard_link(&tmp, path);
    let _ = fs::remove_file(&tmp);
    match linked {
        Ok(()) => {
            sync_dir(path);
            Ok(key.clone())
        }
        Err(e) if e.kind() == ErrorKind::AlreadyExists => read_key(path)?
            .ok_or_else(|| StoreError::Audit(format!("{}: vanished", path.display()))),
        Err(e) => Err(io_err(path, e)),
    }
}

/// Writes the next key beside the current one while a re-chaining runs.
pub(crate) fn write_pending_key(files: &AuditFiles, key: &AuditKey) -> Result<()> {
    write_atomically(
        &files.pending_key_path(),
        format!("{}\n", key.to_hex()).as_bytes(),
        0o600,
    )
}

/// After a committed re-chaining: the old key (if any) becomes
/// `audit.key.<date>`, the pending key becomes `audit.key`. Returns the old
/// key's new name.
pub(crate) fn promote_pending_key(files: &AuditFiles) -> Result<Option<PathBuf>> {
    let key = files.key_path();
    let mut kept = None;
    if key.exists() {
        let stamp = chrono::Utc::now().format("%Y%m%d-%H%M%S").to_string();
        let mut old = suffixed(key, &format!(".{stamp}"));
        let mut n = 1;
        while old.exists() {
            old = suffixed(key, &format!(".{stamp}-{n}"));
            n += 1;
        }
        fs::rename(key, &old).map_err(|e| io_err(key, e))?;
        kept = Some(old);
    }
    let pending = files.pending_key_path();
    fs::rename(&pending, key).map_err(|e| io_err(&pending, e))?;
    sync_dir(key);
    Ok(kept)
}
