//! What `hunt` reads: the files under the paths given, each opened with the
//! reader its content calls for (`detect::formats::sniff`), and how far the
//! reading has got (for a progress bar).

use crate::hunt::{io, HuntError};
use detect::formats::{self, Events, Format};
use std::cell::Cell;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::rc::Rc;

/// A file to hunt in.
#[derive(Clone, Debug)]
pub struct Input {
    pub path: PathBuf,
    pub len: u64,
    /// Named on the command line (not found by walking a folder).
    pub named: bool,
}

/// Every file under the paths: a path that is a file is taken whatever it
/// is; a folder gives its files (not hidden ones, not in hidden folders),
/// sorted, each path's files in turn.
pub fn inputs(paths: &[PathBuf]) -> Result<Vec<Input>, HuntError> {
    let mut out = Vec::new();
    for p in paths {
        let meta = std::fs::metadata(p).map_err(io(p))?;
        if meta.is_file() {
            out.push(Input {
                path: p.clone(),
                len: meta.len(),
                named: true,
            });
            continue;
        }
        let mut found = Vec::new();
        let mut stack = vec![p.clone()];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).map_err(io(&d))? {
                let e = e.map_err(io(&d))?;
                if e.file_name().to_string_lossy().starts_with('.') {
                    continue;
                }
                let path = e.path();
                let Ok(meta) = std::fs::metadata(&path) else {
                    continue;
                };
                if meta.is_dir() {
                    stack.push(path);
                } else if meta.is_file() {
                    found.push(Input {
                        path,
                        len: meta.len(),
                        named: false,
                    });
                }
            }
        }
        found.sort_by(|a, b| a.path.cmp(&b.path));
        out.extend(found);
    }
    Ok(out)
}

/// A file that counts the bytes read from it (seeking moves the count).
struct Counting {
    f: std::fs::File,
    at: Rc<Cell<u64>>,
}

impl Read for Counting {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.f.read(buf)?;
        self.at.set(self.at.get() + n as u64);
        Ok(n)
    }
}

impl Seek for Counting {
    fn seek(&mut self, pos: SeekFrom) -> std::io::Result<u64> {
        let p = self.f.seek(pos)?;
        self.at.set(p);
        Ok(p)
    }
}

/// Opens a file with its reader (sniffed unless `format` is given);
/// `at` follows how far into the file reading is.
pub fn open(
    path: &Path,
    format: Option<Format>,
    at: Rc<Cell<u64>>,
) -> std::io::Result<(Format, Events)> {
    let f = std::fs::File::open(path)?;
    formats::open(Counting { f, at }, &path.display().to_string(), format)
}

/// How far a hunt has got.
#[derive(Clone, Copy, Debug, Default)]
pub struct Progress {
    pub files_done: usize,
    pub files: usize,
    pub bytes_done: u64,
    pub bytes: u64,
    pub events: usize,
    pub detections: usize,
}

impl Progress {
    /// A one-line bar: `[#####-----]  50%  3/10 tệp  12 345 sự kiện  7 phát hiện`.
    pub fn bar(&self, width: usize) -> String {
        let frac = if self.bytes == 0 {
            if self.files == 0 {
                1.0
            } else {
                self.files_done as f64 / self.files as f64
            }
        } else {
            (self.bytes_done as f64 / self.bytes as f64).min(1.0)
        };
        let full = ((frac * width as f64) as usize).min(width);
        format!(
            "[{}{}] {:>3}%  {}/{} tệp  {} sự kiện  {} phát hiện",
            "#".repeat(full),
            "-".repeat(width - full),
            (frac * 100.0) as u32,
            self.files_done,
            self.files,
            self.events,
            self.detections
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bar_shapes() {
        let p = Progress {
            files_done: 1,
            files: 2,
            bytes_done: 50,
            bytes: 100,
            events: 7,
            detections: 1,
        };
        assert_eq!(
            p.bar(10),
            "[#####-----]  50%  1/2 tệp  7 sự kiện  1 phát hiện"
        );
        assert!(Progress::default().bar(4).starts_with("[####] 100%"));
    }

    #[test]
    fn walks_folders_skipping_hidden() {
        let d = std::env::temp_dir().join(format!("canhgac-inputs-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(d.join("sub")).unwrap();
        std::fs::create_dir_all(d.join(".git")).unwrap();
        std::fs::write(d.join("b.log"), "x").unwrap();
        std::fs::write(d.join("sub/a"), "x").unwrap();
        std::fs::write(d.join(".hidden"), "x").unwrap();
        std::fs::write(d.join(".git/c"), "x").unwrap();
        let got = inputs(std::slice::from_ref(&d)).unwrap();
        let names: Vec<String> = got
            .iter()
            .map(|i| i.path.strip_prefix(&d).unwrap().display().to_string())
            .collect();
        assert_eq!(names, vec!["b.log", "sub/a"]);
        assert!(got.iter().all(|i| !i.named));
        let _ = std::fs::remove_dir_all(&d);
    }
}
