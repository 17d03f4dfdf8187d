//! The forwarder's file following (`canhgac ship`), apart from HTTP so it
//! can be tested with real files: which files to read, where each one is,
//! and what to send next.
//!
//! A file is known by its device and inode, its offset (bytes the server
//! acknowledged), a fingerprint of its first line (to tell a reused inode or
//! a file truncated and written again), and a generation counted up at each
//! truncation. Files are followed like `tail -F`:
//!
//! * lines appended are read from the open handle; only complete lines are
//!   sent (a partial last line waits for its end);
//! * rotation by rename: the old file is finished through its open handle
//!   (and a last line without its end is sent when the file is done), the
//!   new file under the name starts at 0;
//! * `copytruncate`: a file shorter than its offset, or whose first line
//!   changed, starts again at 0 in a new generation;
//! * a folder means the files in it (optionally matching a glob), each
//!   followed on its own; compressed rotations (`.gz`, `.xz`, `.bz2`,
//!   `.zst`) are left alone.
//!
//! Positions are written to the state file atomically (temporary file,
//! fsync, rename). Before a batch is sent its range is written as
//! `sending`, and a restart sends exactly that range first, with the same
//! idempotency key ([`Chunk::key`]), so the server can tell a repeat.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// Bytes of the first line used as the fingerprint.
pub const FINGERPRINT_BYTES: usize = 4096;
/// Longest line sent as it is; a longer one is cut here (the server counts
/// it as rejected with its reason).
pub const MAX_LINE: usize = 16 << 20;

#[derive(Debug, thiserror::Error)]
pub enum ShipError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: the state file cannot be read: {reason}")]
    State { path: PathBuf, reason: String },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> ShipError + '_ {
    move |source| ShipError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Where one file is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FilePos {
    /// The name the file was last seen under.
    pub path: PathBuf,
    pub dev: u64,
    pub ino: u64,
    /// SHA-256 (hex, 16 characters) of the first line; empty until the
    /// file has a complete first line.
    pub fingerprint: String,
    /// Truncations seen (part of the idempotency key).
    pub generation: u32,
    /// Bytes acknowledged by the server.
    pub offset: u64,
    /// End of the batch sent and not yet acknowledged.
    #[serde(default)]
    pub sending: Option<u64>,
}

/// The state file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShipState {
    pub files: Vec<FilePos>,
}

impl ShipState {
    /// Reads the state file; a missing file is an empty state.
    pub fn load(path: &Path) -> Result<ShipState, ShipError> {
        match std::fs::read(path) {
            Ok(b) => serde_json::from_slice(&b).map_err(|e| ShipError::State {
                path: path.to_path_buf(),
                reason: e.to_string(),
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(ShipState::default()),
            Err(e) => Err(io(path)(e)),
        }
    }

    /// Writes the state file atomically: a temporary file beside it,
    /// flushed to disk, renamed over it.
    pub fn save(&self, path: &Path) -> Result<(), ShipError> {
        let mut tmp = path.as_os_str().to_owned();
        tmp.push(".tmp");
        let tmp = PathBuf::from(tmp);
        let text = serde_json::to_vec_pretty(self).map_err(|e| ShipError::State {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })?;
        let mut f = File::create(&tmp).map_err(io(&tmp))?;
        f.write_all(&text).map_err(io(&tmp))?;
        f.sync_all().map_err(io(&tmp))?;
        drop(f);
        std::fs::rename(&tmp, path).map_err(io(path))?;
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            if let Ok(d) = File::open(dir) {
                let _ = d.sync_all();
            }
        }
        Ok(())
    }
}

/// The fingerprint of a file's start: the hash of its first line (at most
/// [`FINGERPRINT_BYTES`]); `None` while the first line is incomplete.
pub fn fingerprint(start: &[u8]) -> Option<String> {
    let first = match start.iter().position(|b| *b == b'\n') {
        Some(i) => &start[..=i],
        None if start.len() >= FINGERPRINT_BYTES => &start[..FINGERPRINT_BYTES],
        None => return None,
    };
    let first = &first[..first.len().min(FINGERPRINT_BYTES)];
    Some(hex::encode(&Sha256::digest(first)[..8]))
}

/// The complete lines at the start of `buf` (up to `max_lines`): the length
/// of the prefix to send, or `None` when there is no complete line.
pub fn complete_lines(buf: &[u8], max_lines: usize) -> Option<usize> {
    let mut n = 0;
    let mut end = None;
    for (i, b) in buf.iter().enumerate() {
        if *b == b'\n' {
            n += 1;
            end = Some(i + 1);
            if n >= max_lines {
                break;
            }
        }
    }
    end
}

/// A glob with `*` and `?` (no folders), as `--glob` takes it.
pub fn glob_match(pattern: &str, name: &str) -> bool {
    fn go(p: &[u8], n: &[u8]) -> bool {
        match (p.first(), n.first()) {
            (None, None) => true,
            (Some(b'*'), _) => go(&p[1..], n) || (!n.is_empty() && go(p, &n[1..])),
            (Some(b'?'), Some(_)) => go(&p[1..], &n[1..]),
            (Some(a), Some(b)) if a == b => go(&p[1..], &n[1..]),
            _ => false,
        }
    }
    go(pattern.as_bytes(), name.as_bytes())
}

fn compressed(name: &str) -> bool {
    [".gz", ".xz", ".bz2", ".zst", ".zip"]
        .iter()
        .any(|e| name.ends_with(e))
}

/// Lines of one file to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chunk {
    pub dev: u64,
    pub ino: u64,
    pub start: u64,
    pub end: u64,
    pub lines: Vec<u8>,
    /// The idempotency key: the same bytes of the same file in the same
    /// generation always have the same key.
    pub key: String,
}

/// How the follower starts.
#[derive(Debug, Clone)]
pub struct FollowOptions {
    /// Files and folders given on the command line.
    pub paths: Vec<PathBuf>,
    /// In folders, only names matching this.
    pub glob: Option<String>,
    /// Files found at the first start with no position start at their end.
    pub from_end: bool,
    /// Lines per batch.
    pub batch_lines: usize,
    /// Bytes read per batch (a longer single line is read whole, up to
    /// [`MAX_LINE`]).
    pub batch_bytes: usize,
}

struct Tracked {
    pos: FilePos,
    file: File,
    /// Polls in a row the file was not found under any name given.
    unseen: u32,
}

/// The files followed and their positions.
pub struct Follower {
    opts: FollowOptions,
    open: Vec<Tracked>,
    /// Positions from the state file not matched to a file yet.
    saved: Vec<FilePos>,
    first_scan: bool,
}

#[cfg(unix)]
fn dev_ino(m: &std::fs::Metadata) -> (u64, u64) {
    use std::os::unix::fs::MetadataExt;
    (m.dev(), m.ino())
}

#[cfg(not(unix))]
fn dev_ino(_m: &std::fs::Metadata) -> (u64, u64) {
    (0, 0)
}

fn read_at(file: &mut File, at: u64, max: usize) -> std::io::Result<Vec<u8>> {
    file.seek(SeekFrom::Start(at))?;
    let mut buf = Vec::new();
    file.take(max as u64).read_to_end(&mut buf)?;
    Ok(buf)
}

impl Follower {
    pub fn new(opts: FollowOptions, state: ShipState) -> Follower {
        Follower {
            opts,
            open: Vec::new(),
            saved: state.files,
            first_scan: true,
        }
    }

    /// The positions to save.
    pub fn state(&self) -> ShipState {
        let mut files: Vec<FilePos> = self.open.iter().map(|t| t.pos.clone()).collect();
        // Until the first scan is over, keep what it has not matched yet.
        if self.first_scan {
            files.extend(self.saved.iter().cloned());
        }
        ShipState { files }
    }

    /// The files being followed: (dev, ino, name).
    pub fn files(&self) -> Vec<(u64, u64, PathBuf)> {
        self.open
            .iter()
            .map(|t| (t.pos.dev, t.pos.ino, t.pos.path.clone()))
            .collect()
    }

    /// The names to look at now.
    fn candidates(&self) -> Vec<PathBuf> {
        let mut out = Vec::new();
        for p in &self.opts.paths {
            if p.is_dir() {
                let Ok(rd) = std::fs::read_dir(p) else {
                    continue;
                };
                let mut names: Vec<PathBuf> = rd
                    .filter_map(|e| e.ok())
                    .filter(|e| e.file_type().is_ok_and(|t| t.is_file() || t.is_symlink()))
                    .filter(|e| {
                        let n = e.file_name().to_string_lossy().to_string();
                        !n.starts_with('.')
                            && !compressed(&n)
                            && self.opts.glob.as_deref().is_none_or(|g| glob_match(g, &n))
                    })
                    .map(|e| e.path())
                    .collect();
                names.sort();
                out.extend(names);
            } else {
                // A file rotated while the forwarder was stopped is found
                // again beside it by its inode (see `scan`).
                if self.first_scan {
                    if let (Some(dir), Some(stem)) = (p.parent(), p.file_name()) {
                        let dir = if dir.as_os_str().is_empty() {
                            Path::new(".")
                        } else {
                            dir
                        };
                        let stem = stem.to_string_lossy().to_string();
                        if let Ok(rd) = std::fs::read_dir(dir) {
                            let mut rotated: Vec<PathBuf> = rd
                                .filter_map(|e| e.ok())
                                .filter(|e| {
                                    let n = e.file_name().to_string_lossy().to_string();
                                    n != stem && n.starts_with(&stem) && !compressed(&n)
                                })
                                .map(|e| e.path())
                                .filter(|path| {
                                    std::fs::metadata(path).is_ok_and(|m| {
                                        let (d, i) = dev_ino(&m);
                                        self.saved.iter().any(|s| s.dev == d && s.ino == i)
                                    })
                                })
                                .collect();
                            rotated.sort();
                            out.extend(rotated);
                        }
                    }
                }
                out.push(p.clone());
            }
        }
        out
    }

    /// Looks for files: new ones are opened at their saved position (or 0,
    /// or their end with `from_end` at the first start); files no longer
    /// found under any name are kept until read to their end.
    pub fn scan(&mut self) -> Result<(), ShipError> {
        let mut seen: Vec<(u64, u64)> = Vec::new();
        for path in self.candidates() {
            let Ok(meta) = std::fs::metadata(&path) else {
                continue;
            };
            if !meta.is_file() {
                continue;
            }
            let (dev, ino) = dev_ino(&meta);
            seen.push((dev, ino));
            if let Some(t) = self
                .open
                .iter_mut()
                .find(|t| t.pos.dev == dev && t.pos.ino == ino)
            {
                t.pos.path = path;
                continue;
            }
            let mut file = match File::open(&path) {
                Ok(f) => f,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => return Err(io(&path)(e)),
            };
            let m = file.metadata().map_err(io(&path))?;
            let (dev, ino) = dev_ino(&m);
            let start = read_at(&mut file, 0, FINGERPRINT_BYTES).map_err(io(&path))?;
            let fp = fingerprint(&start).unwrap_or_default();
            let saved = self
                .saved
                .iter()
                .position(|s| s.dev == dev && s.ino == ino)
                .map(|i| self.saved.remove(i));
            let pos = match saved {
                Some(s) if s.fingerprint.is_empty() || s.fingerprint == fp => {
                    if m.len() < s.offset {
                        FilePos {
                            path: path.clone(),
                            fingerprint: fp,
                            generation: s.generation + 1,
                            offset: 0,
                            sending: None,
                            ..s
                        }
                    } else {
                        FilePos {
                            path: path.clone(),
                            fingerprint: fp,
                            ..s
                        }
                    }
                }
                // The inode holds other content now (reused, or truncated
                // and written again): from the start, in a new generation.
                Some(s) => FilePos {
                    path: path.clone(),
                    fingerprint: fp,
                    generation: s.generation + 1,
                    offset: 0,
                    sending: None,
                    ..s
                },
                None => {
                    let offset = if self.first_scan && self.opts.from_end {
                        line_start_before(&mut file, m.len()).map_err(io(&path))?
                    } else {
                        0
                    };
                    FilePos {
                        path: path.clone(),
                        dev,
                        ino,
                        fingerprint: fp,
                        generation: 0,
                        offset,
                        sending: None,
                    }
                }
            };
            self.open.push(Tracked {
                pos,
                file,
                unseen: 0,
            });
        }
        for t in &mut self.open {
            if seen.contains(&(t.pos.dev, t.pos.ino)) {
                t.unseen = 0;
            } else {
                t.unseen = t.unseen.saturating_add(1);
            }
        }
        if self.first_scan {
            self.first_scan = false;
            self.saved.clear();
        }
        Ok(())
    }

    /// The next lines of file (dev, ino) to send, or `None` when it has no
    /// complete line past its offset. A truncated file starts again at 0.
    /// A file no longer found under any name and read to its end gives its
    /// last line even without its end.
    pub fn next_chunk(&mut self, dev: u64, ino: u64) -> Result<Option<Chunk>, ShipError> {
        let (batch_lines, batch_bytes) = (self.opts.batch_lines.max(1), self.opts.batch_bytes);
        let Some(t) = self
            .open
            .iter_mut()
            .find(|t| t.pos.dev == dev && t.pos.ino == ino)
        else {
            return Ok(None);
        };
        let path = t.pos.path.clone();
        let len = t.file.metadata().map_err(io(&path))?.len();
        let start = read_at(&mut t.file, 0, FINGERPRINT_BYTES).map_err(io(&path))?;
        let fp = fingerprint(&start);
        let changed = match (&fp, t.pos.fingerprint.is_empty()) {
            (Some(fp), false) => *fp != t.pos.fingerprint,
            // The first line is gone (fewer bytes than it had).
            (None, false) => true,
            _ => false,
        };
        if len < t.pos.offset || changed {
            t.pos.generation += 1;
            t.pos.offset = 0;
            t.pos.sending = None;
            t.pos.fingerprint = String::new();
        }
        if t.pos.fingerprint.is_empty() {
            if let Some(fp) = fp {
                t.pos.fingerprint = fp;
            }
        }
        let at = t.pos.offset;
        if len <= at {
            return Ok(None);
        }
        let (lines, end) = if let Some(end) = t.pos.sending.filter(|e| *e > at && *e <= len) {
            // The batch sent before a restart, exactly as it was.
            let buf = read_at(&mut t.file, at, (end - at) as usize).map_err(io(&path))?;
            (buf, end)
        } else {
            let mut want = batch_bytes.max(1);
            loop {
                let buf = read_at(&mut t.file, at, want).map_err(io(&path))?;
                if let Some(n) = complete_lines(&buf, batch_lines) {
                    let mut buf = buf;
                    buf.truncate(n);
                    let end = at + n as u64;
                    break (buf, end);
                }
                let at_end = at + buf.len() as u64 >= len;
                if at_end && t.unseen >= 2 && !buf.is_empty() {
                    // Finished (rotated away or deleted): the last line as it is.
                    let end = at + buf.len() as u64;
                    break (buf, end);
                }
                if at_end || buf.len() < want {
                    return Ok(None);
                }
                if want >= MAX_LINE {
                    // A line longer than any event: sent cut, the server
                    // names it as rejected.
                    let end = at + buf.len() as u64;
                    break (buf, end);
                }
                want = (want * 4).min(MAX_LINE);
            }
        };
        let key = format!(
            "{}-{}-{}-g{}-{}-{}",
            if t.pos.fingerprint.is_empty() {
                "0"
            } else {
                &t.pos.fingerprint
            },
            t.pos.dev,
            t.pos.ino,
            t.pos.generation,
            at,
            end
        );
        Ok(Some(Chunk {
            dev,
            ino,
            start: at,
            end,
            lines,
            key,
        }))
    }

    /// Records that the chunk is being sent (save the state before sending).
    pub fn sending(&mut self, c: &Chunk) {
        if let Some(t) = self.find(c) {
            t.pos.sending = Some(c.end);
        }
    }

    /// Records that the server acknowledged the chunk (save the state after).
    pub fn acknowledged(&mut self, c: &Chunk) {
        if let Some(t) = self.find(c) {
            if t.pos.offset == c.start {
                t.pos.offset = c.end;
            }
            t.pos.sending = None;
        }
    }

    fn find(&mut self, c: &Chunk) -> Option<&mut Tracked> {
        self.open
            .iter_mut()
            .find(|t| t.pos.dev == c.dev && t.pos.ino == c.ino)
    }

    /// Closes files no longer found under any name and read to their end;
    /// true when one was closed (the state changed).
    pub fn retire(&mut self) -> bool {
        let before = self.open.len();
        self.open.retain_mut(|t| {
            if t.unseen < 2 {
                return true;
            }
            match t.file.metadata() {
                Ok(m) => m.len() > t.pos.offset,
                Err(_) => false,
            }
        });
        self.open.len() != before
    }
}

/// Where the line that holds byte `len` starts (the end of the last
/// complete line), looking back at most 1 MiB.
fn line_start_before(file: &mut File, len: u64) -> std::io::Result<u64> {
    if len == 0 {
        return Ok(0);
    }
    let back = len.min(1 << 20);
    let buf = read_at(file, len - back, back as usize)?;
    Ok(match buf.iter().rposition(|b| *b == b'\n') {
        Some(i) => len - back + i as u64 + 1,
        None if back == len => 0,
        None => len,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(paths: Vec<PathBuf>) -> FollowOptions {
        FollowOptions {
            paths,
            glob: None,
            from_end: false,
            batch_lines: 100,
            batch_bytes: 1 << 20,
        }
    }

    /// Reads everything there is now, acknowledging each chunk.
    fn drain(f: &mut Follower) -> Vec<String> {
        f.scan().unwrap();
        let mut out = Vec::new();
        for (dev, ino, _) in f.files() {
            while let Some(c) = f.next_chunk(dev, ino).unwrap() {
                f.sending(&c);
                out.extend(
                    String::from_utf8(c.lines.clone())
                        .unwrap()
                        .lines()
                        .map(str::to_string),
                );
                f.acknowledged(&c);
            }
        }
        f.retire();
        out
    }

    fn append(p: &Path, s: &str) {
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(p)
            .unwrap();
        f.write_all(s.as_bytes()).unwrap();
    }

    #[test]
    fn follows_appends_rename_rotation_and_copytruncate() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("app.log");
        append(&log, "a\nb\npart");
        let mut f = Follower::new(opts(vec![log.clone()]), ShipState::default());
        assert_eq!(drain(&mut f), ["a", "b"]);
        assert!(drain(&mut f).is_empty(), "a partial line waits");
        append(&log, "ial\nc\n");
        assert_eq!(drain(&mut f), ["partial", "c"]);
        // Rename and a new file; the old one gets one more line first.
        std::fs::rename(&log, dir.path().join("app.log.1")).unwrap();
        append(&dir.path().join("app.log.1"), "d\nlast-without-end");
        append(&log, "new1\n");
        let mut got = drain(&mut f);
        got.extend(drain(&mut f));
        got.extend(drain(&mut f));
        got.sort();
        assert_eq!(got, ["d", "last-without-end", "new1"]);
        assert_eq!(f.files().len(), 1, "the rotated file is closed");
        // copytruncate: shorter than the offset.
        std::fs::write(&log, "").unwrap();
        append(&log, "t\n");
        assert_eq!(drain(&mut f), ["t"]);
        // Truncated and written longer than before between two looks: the
        // first line changed.
        std::fs::write(&log, "other first line\nu\n").unwrap();
        assert_eq!(drain(&mut f), ["other first line", "u"]);
    }

    #[test]
    fn a_restart_resumes_and_resends_the_unacknowledged_batch_with_its_key() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("eve.json");
        let state = dir.path().join("state.json");
        append(&log, "1\n2\n");
        let mut f = Follower::new(opts(vec![log.clone()]), ShipState::default());
        f.scan().unwrap();
        let (dev, ino, _) = f.files()[0].clone();
        let c = f.next_chunk(dev, ino).unwrap().unwrap();
        f.sending(&c);
        f.state().save(&state).unwrap();
        // The forwarder dies before the answer; more lines arrive.
        drop(f);
        append(&log, "3\n");
        let mut f = Follower::new(opts(vec![log.clone()]), ShipState::load(&state).unwrap());
        f.scan().unwrap();
        let again = f.next_chunk(dev, ino).unwrap().unwrap();
        assert_eq!(again, c, "the same range with the same key");
        f.acknowledged(&again);
        f.state().save(&state).unwrap();
        let next = f.next_chunk(dev, ino).unwrap().unwrap();
        assert_eq!(next.lines, b"3\n");
        assert_ne!(next.key, c.key);
        // Rotated while stopped: the old file is finished by its inode.
        f.acknowledged(&next);
        f.state().save(&state).unwrap();
        drop(f);
        append(&log, "4\n");
        std::fs::rename(&log, dir.path().join("eve.json.1")).unwrap();
        append(&log, "5\n");
        let mut f = Follower::new(opts(vec![log.clone()]), ShipState::load(&state).unwrap());
        let mut got = drain(&mut f);
        got.sort();
        assert_eq!(got, ["4", "5"]);
    }

    #[test]
    fn a_folder_from_the_end_and_globs() {
        let dir = tempfile::tempdir().unwrap();
        append(&dir.path().join("a.json"), "old\npart");
        append(&dir.path().join("b.txt"), "x\n");
        append(&dir.path().join("c.json.gz"), "zz\n");
        let mut o = opts(vec![dir.path().to_path_buf()]);
        o.glob = Some("*.json*".into());
        o.from_end = true;
        let mut f = Follower::new(o, ShipState::default());
        assert!(drain(&mut f).is_empty());
        append(&dir.path().join("a.json"), "ial\n");
        append(&dir.path().join("d.json"), "new\n");
        let mut got = drain(&mut f);
        got.sort();
        assert_eq!(got, ["new", "partial"]);
        assert!(glob_match("*.log*", "app.log.1"));
        assert!(!glob_match("*.log", "app.log.1"));
    }

    #[test]
    fn a_broken_state_file_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("s.json");
        std::fs::write(&p, "{nope").unwrap();
        let e = ShipState::load(&p).unwrap_err().to_string();
        assert!(e.contains("s.json"), "{e}");
    }
}
