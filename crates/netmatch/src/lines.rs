//! Lines out of a reader, read in large chunks into one reusable buffer.
//!
//! Every reader in this crate (lists, CSV, prefix files) takes its lines from
//! here, so "what is a line", "how long may it be" and "what does a failing
//! reader cost" are decided once. A line is handed out as a range of the
//! buffer: nothing is copied or allocated per line.

use crate::LineError;
use std::io::{ErrorKind, Read};
use std::ops::Range;

/// Longest line (or CSV row, quoted line breaks included) kept in memory,
/// counting its line break: a 2 GB file without line breaks, or with a
/// quote left open, must not be loaded whole.
pub(crate) const MAX_LINE_BYTES: usize = 1 << 20;

/// Bytes asked of the reader at a time. Big enough that a call costs little
/// per line, small enough to stay in the L2 cache.
pub(crate) const CHUNK: usize = 128 << 10;

const BOM: &[u8] = b"\xEF\xBB\xBF";

pub(crate) fn strip_bom(b: &[u8]) -> &[u8] {
    b.strip_prefix(BOM).unwrap_or(b)
}

/// The next thing in the input.
pub(crate) enum Next {
    /// A line, its `\n` included when it has one (only the last line may
    /// not), as a range of the source's buffer ([`LineSource::get`]).
    Line(Range<usize>),
    /// A line longer than [`MAX_LINE_BYTES`]; it has been skipped whole.
    TooLong,
    /// The end of the input.
    End,
}

pub(crate) struct LineSource<R> {
    reader: R,
    buf: Vec<u8>,
    /// Start of the bytes not yet handed out.
    pos: usize,
    /// End of the bytes read.
    end: usize,
    eof: bool,
    /// Lines handed out so far: the number of the last one.
    pub(crate) line: usize,
    /// Bytes asked of the reader at a time (smaller in tests, to cut lines
    /// at every possible place).
    chunk: usize,
}

impl<R: Read> LineSource<R> {
    pub(crate) fn new(reader: R) -> Self {
        Self::with_chunk(reader, CHUNK)
    }

    pub(crate) fn with_chunk(reader: R, chunk: usize) -> Self {
        Self {
            reader,
            buf: Vec::new(),
            pos: 0,
            end: 0,
            eof: false,
            line: 0,
            chunk: chunk.max(1),
        }
    }

    /// The bytes read and not yet handed out: the start of the next line,
    /// perhaps several lines. Lets a caller take a common line shape straight
    /// from the buffer and [`advance`](Self::advance) past it.
    #[inline]
    pub(crate) fn window(&self) -> &[u8] {
        &self.buf[self.pos..self.end]
    }

    /// Hands out `n` bytes of the window as one line; they must end with the
    /// line's `\n`.
    #[inline]
    pub(crate) fn advance(&mut self, n: usize) {
        debug_assert!(n <= self.end - self.pos);
        self.pos += n;
        self.line += 1;
    }

    #[inline]
    pub(crate) fn get(&self, r: Range<usize>) -> &[u8] {
        &self.buf[r]
    }

    /// The next line. After an error the input is broken: read no further.
    pub(crate) fn next_line(&mut self) -> std::io::Result<Next> {
        let mut scan = self.pos;
        loop {
            if let Some(i) = find_byte(b'\n', &self.buf[scan..self.end]) {
                let start = self.pos;
                let stop = scan + i + 1;
                self.pos = stop;
                self.line += 1;
                return Ok(if stop - start > MAX_LINE_BYTES {
                    Next::TooLong
                } else {
                    Next::Line(start..stop)
                });
            }
            scan = self.end;
            if self.eof {
                if self.pos == self.end {
                    return Ok(Next::End);
                }
                let start = self.pos;
                self.pos = self.end;
                self.line += 1;
                return Ok(Next::Line(start..self.end));
            }
            if self.end - self.pos > MAX_LINE_BYTES {
                // Too long whatever follows: drop it up to its line break.
                self.skip_line()?;
                self.line += 1;
                return Ok(Next::TooLong);
            }
            scan -= self.pos;
            self.fill()?;
        }
    }

    /// Moves the unread bytes to the front and reads more after them. Sets
    /// `eof` when the reader has no more.
    fn fill(&mut self) -> std::io::Result<()> {
        if self.pos > 0 {
            self.buf.copy_within(self.pos..self.end, 0);
            self.end -= self.pos;
            self.pos = 0;
        }
        // Room for one more chunk; a line that outgrows it grows the buffer
        // up to MAX_LINE_BYTES + chunk, no further.
        let want = self.end + self.chunk;
        if self.buf.len() < want {
            self.buf.resize(want, 0);
        }
        loop {
            match self.reader.read(&mut self.buf[self.end..want]) {
                Ok(0) => {
                    self.eof = true;
                    return Ok(());
                }
                Ok(n) => {
                    self.end += n.min(want - self.end);
                    return Ok(());
                }
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        }
    }

    /// Drops the bytes up to and including the next `\n` (or to the end).
    fn skip_line(&mut self) -> std::io::Result<()> {
        loop {
            if let Some(i) = find_byte(b'\n', self.window()) {
                self.pos += i + 1;
                return Ok(());
            }
            self.pos = 0;
            self.end = 0;
            if self.eof {
                return Ok(());
            }
            self.fill()?;
        }
    }
}

pub(crate) fn too_long(line: usize) -> LineError {
    LineError {
        line,
        column: None,
        reason: format!("the line is longer than {MAX_LINE_BYTES} bytes"),
    }
}

pub(crate) fn read_error(line: usize, e: &std::io::Error) -> LineError {
    LineError {
        line,
        column: None,
        reason: format!("cannot read the input: {e}"),
    }
}

/// The line without its `\n` or `\r\n`.
pub(crate) fn trim_eol(b: &[u8]) -> &[u8] {
    let b = b.strip_suffix(b"\n").unwrap_or(b);
    b.strip_suffix(b"\r").unwrap_or(b)
}

/// The first `needle` in `hay`, eight bytes at a time.
#[inline]
pub(crate) fn find_byte(needle: u8, hay: &[u8]) -> Option<usize> {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    let pattern = LO.wrapping_mul(u64::from(needle));
    let mut chunks = hay.chunks_exact(8);
    let mut at = 0;
    for c in &mut chunks {
        let word = u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]) ^ pattern;
        // A zero byte in `word` is a match; this flags the lowest one exactly.
        let zero = word.wrapping_sub(LO) & !word & HI;
        if zero != 0 {
            return Some(at + (zero.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    chunks
        .remainder()
        .iter()
        .position(|&b| b == needle)
        .map(|i| at + i)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn find_byte_is_position(hay in proptest::collection::vec(any::<u8>(), 0..80), needle in any::<u8>()) {
            prop_assert_eq!(find_byte(needle, &hay), hay.iter().position(|&b| b == needle));
        }
    }
}
