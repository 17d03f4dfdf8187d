//! Sigma string values: escaping, wildcards, the value-changing modifiers
//! (`windash`, `base64`, `base64offset`, `wide`/`utf16*`) and the compiled
//! string matchers.
//!
//! Escaping follows the specification exactly: in a plain value `*` matches
//! any sequence of characters and `?` exactly one; a backslash escapes the
//! character after it only when that is `*`, `?` or `\` (`\*`, `\?`, `\\`);
//! any other backslash is itself (`C:\Windows\` is the path as written).

use base64::Engine as _;
use memchr::memmem;

/// One piece of a Sigma string.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Piece {
    Lit(String),
    /// `*`
    Star,
    /// `?`
    One,
}

/// Parses a plain Sigma value into pieces (wildcards and escapes resolved).
pub(crate) fn parse_sigma(s: &str) -> Vec<Piece> {
    let mut out: Vec<Piece> = Vec::new();
    let mut lit = String::new();
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.peek() {
                Some(&n @ ('*' | '?' | '\\')) => {
                    lit.push(n);
                    chars.next();
                }
                _ => lit.push('\\'),
            },
            '*' => {
                if !lit.is_empty() {
                    out.push(Piece::Lit(std::mem::take(&mut lit)));
                }
                if out.last() != Some(&Piece::Star) {
                    out.push(Piece::Star);
                }
            }
            '?' => {
                if !lit.is_empty() {
                    out.push(Piece::Lit(std::mem::take(&mut lit)));
                }
                out.push(Piece::One);
            }
            _ => lit.push(c),
        }
    }
    if !lit.is_empty() {
        out.push(Piece::Lit(lit));
    }
    out
}

pub(crate) fn has_wildcards(p: &[Piece]) -> bool {
    p.iter().any(|x| !matches!(x, Piece::Lit(_)))
}

pub(crate) fn plain_text(p: &[Piece]) -> String {
    p.iter()
        .map(|x| match x {
            Piece::Lit(s) => s.as_str(),
            Piece::Star => "*",
            Piece::One => "?",
        })
        .collect()
}

const DASHES: [char; 5] = ['-', '/', '\u{2013}', '\u{2014}', '\u{2015}'];

/// `windash`: every `-` or `/` that starts a word (at the start or after a
/// character that is not a letter or digit, and followed by one) may be any of
/// `-`, `/`, en dash, em dash or horizontal bar. Returns every variant (at
/// most `limit`; the positions past that are left as written).
pub(crate) fn windash(p: &[Piece], limit: usize) -> Vec<Vec<Piece>> {
    // Work on a char list with piece boundaries kept.
    let mut variants: Vec<Vec<Piece>> = vec![Vec::new()];
    let mut prev_word = false; // last char was a word char
    for piece in p {
        match piece {
            Piece::Lit(s) => {
                let chars: Vec<char> = s.chars().collect();
                // Split into runs; at each flag dash fork.
                let mut run = String::new();
                for (i, &c) in chars.iter().enumerate() {
                    let next_word = chars.get(i + 1).is_some_and(|n| n.is_alphanumeric());
                    let is_flag = (c == '-' || c == '/') && !prev_word && next_word;
                    if is_flag && variants.len() * DASHES.len() <= limit {
                        let mut next = Vec::with_capacity(variants.len() * DASHES.len());
                        for v in &variants {
                            for d in DASHES {
                                let mut nv = v.clone();
                                push_lit(&mut nv, &run);
                                push_lit(&mut nv, &d.to_string());
                                next.push(nv);
                            }
                        }
                        variants = next;
                        run.clear();
                    } else {
                        run.push(c);
                    }
                    prev_word = c.is_alphanumeric() || c == '_';
                }
                for v in &mut variants {
                    push_lit(v, &run);
                }
            }
            other => {
                prev_word = false;
                for v in &mut variants {
                    v.push(other.clone());
                }
            }
        }
    }
    variants
}

fn push_lit(v: &mut Vec<Piece>, s: &str) {
    if s.is_empty() {
        return;
    }
    if let Some(Piece::Lit(last)) = v.last_mut() {
        last.push_str(s);
    } else {
        v.push(Piece::Lit(s.to_string()));
    }
}

/// Text encodings applied before base64.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Utf16 {
    Le,
    Be,
    /// `utf16`: little endian with a byte order mark.
    Bom,
}

pub(crate) fn utf16(bytes: &[u8], kind: Utf16) -> Vec<u8> {
    let s = String::from_utf8_lossy(bytes);
    let mut out = Vec::with_capacity(bytes.len() * 2 + 2);
    if let Utf16::Bom = kind {
        out.extend_from_slice(&[0xFF, 0xFE]);
    }
    for u in s.encode_utf16() {
        match kind {
            Utf16::Be => out.extend_from_slice(&u.to_be_bytes()),
            _ => out.extend_from_slice(&u.to_le_bytes()),
        }
    }
    out
}

pub(crate) fn base64_plain(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// `base64offset`: the three encodings of the value as it would appear at
/// byte offsets 0, 1 and 2 of a longer base64 text, without the characters
/// that depend on the surrounding bytes.
pub(crate) fn base64_offsets(bytes: &[u8]) -> Vec<String> {
    let mut out = Vec::new();
    for shift in 0..3usize {
        let mut buf = vec![b' '; shift];
        buf.extend_from_slice(bytes);
        let enc = base64_plain(&buf);
        // Leading characters that hold bits of the padding bytes.
        let skip = [0, 2, 3][shift];
        // Trailing characters holding bits past the value, and '=' padding.
        let cut = [0, 3, 2][buf.len() % 3];
        if enc.len() >= skip + cut {
            let s = &enc[skip..enc.len() - cut];
            if !s.is_empty() && !out.iter().any(|o| o == s) {
                out.push(s.to_string());
            }
        }
    }
    out
}

/// Lowercase as the engine does for case-insensitive matching (ASCII fast path).
pub(crate) fn lower(s: &str) -> std::borrow::Cow<'_, str> {
    if s.bytes().all(|b| !b.is_ascii_uppercase() && b < 0x80) {
        std::borrow::Cow::Borrowed(s)
    } else if s.is_ascii() {
        std::borrow::Cow::Owned(s.to_ascii_lowercase())
    } else {
        // Character by character, exactly as values are lowercased (lower_into).
        std::borrow::Cow::Owned(s.chars().flat_map(char::to_lowercase).collect())
    }
}

pub(crate) fn lower_into(s: &str, out: &mut String) {
    if s.is_ascii() {
        let start = out.len();
        out.push_str(s);
        out[start..].make_ascii_lowercase();
    } else {
        for c in s.chars() {
            out.extend(c.to_lowercase());
        }
    }
}

/// A compiled string test over one value.
#[derive(Debug, Clone)]
pub(crate) enum StrPat {
    Eq(Box<str>),
    Prefix(Box<str>),
    Suffix(Box<str>),
    Contains(Box<memmem::Finder<'static>>),
    Glob(Glob),
    /// `*` alone: any value that is not null.
    Any,
}

impl StrPat {
    /// Builds the test for pieces (already lowercased unless cased).
    pub(crate) fn new(pieces: &[Piece]) -> StrPat {
        let n = pieces.len();
        match pieces {
            [] => StrPat::Eq("".into()),
            [Piece::Star] => StrPat::Any,
            [Piece::Lit(s)] => StrPat::Eq(s.as_str().into()),
            [Piece::Lit(s), Piece::Star] => StrPat::Prefix(s.as_str().into()),
            [Piece::Star, Piece::Lit(s)] => StrPat::Suffix(s.as_str().into()),
            [Piece::Star, Piece::Lit(s), Piece::Star] => {
                StrPat::Contains(Box::new(memmem::Finder::new(s.as_bytes()).into_owned()))
            }
            _ => {
                let _ = n;
                StrPat::Glob(Glob::new(pieces))
            }
        }
    }

    pub(crate) fn is_match(&self, text: &str) -> bool {
        match self {
            StrPat::Eq(s) => text == &**s,
            StrPat::Prefix(s) => text.starts_with(&**s),
            StrPat::Suffix(s) => text.ends_with(&**s),
            StrPat::Contains(f) => f.find(text.as_bytes()).is_some(),
            StrPat::Glob(g) => g.is_match(text),
            StrPat::Any => true,
        }
    }
}

/// A wildcard pattern split at its stars: segments of literals and `?`.
#[derive(Debug, Clone)]
pub(crate) struct Glob {
    anchored_start: bool,
    anchored_end: bool,
    segs: Vec<Vec<Piece>>,
}

impl Glob {
    fn new(pieces: &[Piece]) -> Glob {
        let mut segs: Vec<Vec<Piece>> = vec![Vec::new()];
        for p in pieces {
            match p {
                Piece::Star => segs.push(Vec::new()),
                other => segs.last_mut().expect("non-empty").push(other.clone()),
            }
        }
        Glob {
            anchored_start: !matches!(pieces.first(), Some(Piece::Star)),
            anchored_end: !matches!(pieces.last(), Some(Piece::Star)),
            segs,
        }
    }

    /// Its parts, for the rule cache: anchored at the start, at the end, and
    /// the segments between stars.
    pub(crate) fn parts(&self) -> (bool, bool, &[Vec<Piece>]) {
        (self.anchored_start, self.anchored_end, &self.segs)
    }

    /// The pattern from [`Glob::parts`]; `None` when they cannot be a
    /// pattern's (no segment, or a star inside a segment).
    pub(crate) fn from_parts(start: bool, end: bool, segs: Vec<Vec<Piece>>) -> Option<Glob> {
        if segs.is_empty() || segs.iter().flatten().any(|p| *p == Piece::Star) {
            return None;
        }
        Some(Glob {
            anchored_start: start,
            anchored_end: end,
            segs,
        })
    }

    /// The longest run of literal text in the pattern.
    pub(crate) fn longest_literal(&self) -> Option<String> {
        self.segs
            .iter()
            .flatten()
            .filter_map(|p| match p {
                Piece::Lit(s) => Some(s),
                _ => None,
            })
            .max_by_key(|s| s.len())
            .cloned()
    }

    fn is_match(&self, text: &str) -> bool {
        let n = self.segs.len();
        if n == 1 {
            // No star: the whole text must match the segment.
            return seg_match_at(&self.segs[0], text).is_some_and(|len| len == text.len());
        }
        let mut pos = 0usize;
        for (i, seg) in self.segs.iter().enumerate() {
            if seg.is_empty() {
                continue;
            }
            let first = i == 0;
            let last = i == n - 1;
            if first && self.anchored_start {
                match seg_match_at(seg, text) {
                    Some(len) => pos = len,
                    None => return false,
                }
            } else if last && self.anchored_end {
                // The last segment must end the text: try from the right.
                return seg_match_suffix(seg, text, pos);
            } else {
                match seg_find(seg, text, pos) {
                    Some(end) => pos = end,
                    None => return false,
                }
            }
        }
        true
    }
}

/// Length matched by `seg` at the start of `text`.
fn seg_match_at(seg: &[Piece], text: &str) -> Option<usize> {
    let mut pos = 0usize;
    for p in seg {
        match p {
            Piece::Lit(s) => {
                if text[pos..].starts_with(s.as_str()) {
                    pos += s.len();
                } else {
                    return None;
                }
            }
            Piece::One => {
                let c = text[pos..].chars().next()?;
                pos += c.len_utf8();
            }
            Piece::Star => return None,
        }
    }
    Some(pos)
}

/// Leftmost match of `seg` at or after `from`; returns where it ends.
fn seg_find(seg: &[Piece], text: &str, from: usize) -> Option<usize> {
    let mut start = from;
    loop {
        if start > text.len() {
            return None;
        }
        if let Some(Piece::Lit(s)) = seg.first() {
            let off = memmem::find(&text.as_bytes()[start..], s.as_bytes())?;
            start += off;
        }
        if text.is_char_boundary(start) {
            if let Some(len) = seg_match_at(seg, &text[start..]) {
                return Some(start + len);
            }
        }
        start += 1;
    }
}

/// Does `seg` match a suffix of `text` beginning at or after `from`?
fn seg_match_suffix(seg: &[Piece], text: &str, from: usize) -> bool {
    // Segments of literals and `?` have a fixed length in chars; try every start.
    let mut start = from;
    loop {
        if start > text.len() {
            return false;
        }
        if text.is_char_boundary(start) {
            if let Some(len) = seg_match_at(seg, &text[start..]) {
                if start + len == text.len() {
                    return true;
                }
            }
        }
        start += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pat(s: &str) -> StrPat {
        StrPat::new(&parse_sigma(s))
    }

    #[test]
    fn escaping_per_spec() {
        assert_eq!(parse_sigma(r"a\*b"), vec![Piece::Lit("a*b".into())]);
        assert_eq!(parse_sigma(r"a\?b"), vec![Piece::Lit("a?b".into())]);
        assert_eq!(parse_sigma(r"a\\b"), vec![Piece::Lit(r"a\b".into())]);
        assert_eq!(
            parse_sigma(r"C:\Windows\"),
            vec![Piece::Lit(r"C:\Windows\".into())]
        );
        assert_eq!(
            parse_sigma(r"a\\*"),
            vec![Piece::Lit(r"a\".into()), Piece::Star]
        );
        assert_eq!(parse_sigma(r"a\\\*"), vec![Piece::Lit(r"a\*".into())]);
        assert_eq!(
            parse_sigma("**a"),
            vec![Piece::Star, Piece::Lit("a".into())]
        );
        assert_eq!(parse_sigma("a?"), vec![Piece::Lit("a".into()), Piece::One]);
    }

    #[test]
    fn globs() {
        assert!(pat("a*b").is_match("axxb"));
        assert!(!pat("a*b").is_match("axxbc"));
        assert!(pat("a?c").is_match("abc"));
        assert!(!pat("a?c").is_match("ac"));
        assert!(pat("*a?c*").is_match("xxabcxx"));
        assert!(pat("*x*y*z").is_match("xayaz"));
        assert!(!pat("*x*y*z").is_match("xazay"));
        assert!(pat("a*b*c").is_match("abbc"));
        assert!(pat("?").is_match("é"));
        assert!(pat("*ab").is_match("abab"));
        assert!(pat("*a?").is_match("aab"));
        assert!(pat(r"*\*").is_match("x*"));
        assert!(!pat(r"*\*").is_match("x"));
        assert!(pat("*").is_match(""));
        assert!(pat("").is_match(""));
        assert!(!pat("").is_match("a"));
    }

    #[test]
    fn windash_variants() {
        let v = windash(&parse_sigma(" -enc "), 100);
        let texts: Vec<String> = v.iter().map(|p| plain_text(p)).collect();
        assert_eq!(texts.len(), 5);
        assert!(texts.contains(&" /enc ".to_string()));
        assert!(texts.contains(&" \u{2013}enc ".to_string()));
        // A dash inside a word is not a flag.
        let v = windash(&parse_sigma("a-b"), 100);
        assert_eq!(v.len(), 1);
    }

    #[test]
    fn base64_offsets_known() {
        // Sigma's documentation example: "/bin/bash" at the three offsets.
        let o = base64_offsets(b"/bin/bash");
        assert_eq!(o, vec!["L2Jpbi9iYXNo", "9iaW4vYmFza", "vYmluL2Jhc2"]);
        assert_eq!(base64_plain(b"abc"), "YWJj");
        let w = utf16(b"ab", Utf16::Le);
        assert_eq!(w, vec![b'a', 0, b'b', 0]);
    }
}
