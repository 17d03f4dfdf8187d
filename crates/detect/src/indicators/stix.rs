//! The part of the STIX 2.1 patterning language that names values:
//! `[ipv4-addr:value = '198.51.100.1']`, comparisons OR-ed inside one
//! observation or observations OR-ed together. Anything else (`AND`, `!=`,
//! `MATCHES`, `LIKE`, `IN`, `FOLLOWEDBY`, qualifiers, other object paths) is
//! refused with the reason, and the caller reports the indicator as
//! unsupported.

use incident::ObservableKind;

/// The (kind, value) pairs of a pattern whose every comparison is a
/// supported `path = 'value'` joined by `OR`.
pub(crate) fn values(pattern: &str) -> Result<Vec<(ObservableKind, String)>, String> {
    let mut p = Parser {
        s: pattern.as_bytes(),
        at: 0,
    };
    let mut out = Vec::new();
    loop {
        p.ws();
        if !p.eat(b"[") {
            return Err(format!("expected '[' at position {}", p.at + 1));
        }
        loop {
            p.ws();
            let path = p.path()?;
            p.ws();
            if !p.eat(b"=") {
                return Err(format!(
                    "only '=' comparisons are supported (position {})",
                    p.at + 1
                ));
            }
            p.ws();
            let value = p.string()?;
            out.push((kind(&path)?, value));
            p.ws();
            if p.word("OR") {
                continue;
            }
            if p.eat(b"]") {
                break;
            }
            return Err(format!(
                "only OR-ed comparisons are supported (position {})",
                p.at + 1
            ));
        }
        p.ws();
        if p.at == p.s.len() {
            return Ok(out);
        }
        if !p.word("OR") {
            return Err(format!(
                "only observations joined by OR are supported (position {})",
                p.at + 1
            ));
        }
    }
}

fn kind(path: &str) -> Result<ObservableKind, String> {
    let norm: String = path
        .chars()
        .filter(|c| *c != '\'' && *c != '"')
        .collect::<String>()
        .to_ascii_lowercase();
    Ok(match norm.as_str() {
        "ipv4-addr:value" => ObservableKind::Ipv4,
        "ipv6-addr:value" => ObservableKind::Ipv6,
        "domain-name:value" => ObservableKind::Domain,
        "url:value" => ObservableKind::Url,
        "file:name" => ObservableKind::FileName,
        "file:hashes.md5" => ObservableKind::Md5,
        "file:hashes.sha-1" | "file:hashes.sha1" => ObservableKind::Sha1,
        "file:hashes.sha-256" | "file:hashes.sha256" => ObservableKind::Sha256,
        "file:hashes.sha-512" | "file:hashes.sha512" => ObservableKind::Sha512,
        _ => return Err(format!("the object path '{path}' is not supported")),
    })
}

struct Parser<'a> {
    s: &'a [u8],
    at: usize,
}

impl Parser<'_> {
    fn ws(&mut self) {
        while self.at < self.s.len() && self.s[self.at].is_ascii_whitespace() {
            self.at += 1;
        }
    }
    fn eat(&mut self, t: &[u8]) -> bool {
        if self.s[self.at..].starts_with(t) {
            self.at += t.len();
            true
        } else {
            false
        }
    }
    /// A keyword followed by a space or a bracket.
    fn word(&mut self, w: &str) -> bool {
        let rest = &self.s[self.at..];
        if rest.len() > w.len()
            && rest[..w.len()].eq_ignore_ascii_case(w.as_bytes())
            && matches!(rest[w.len()], b' ' | b'\t' | b'\n' | b'\r' | b'[')
        {
            self.at += w.len();
            true
        } else {
            false
        }
    }
    /// `type:prop(.prop|.'quoted')*`
    fn path(&mut self) -> Result<String, String> {
        let start = self.at;
        let mut quoted = false;
        while self.at < self.s.len() {
            let c = self.s[self.at];
            if c == b'\'' {
                quoted = !quoted;
            } else if !quoted
                && (c.is_ascii_whitespace() || matches!(c, b'=' | b'!' | b'<' | b'>' | b']'))
            {
                break;
            }
            self.at += 1;
        }
        let path = String::from_utf8_lossy(&self.s[start..self.at]).into_owned();
        if path.is_empty() || !path.contains(':') {
            return Err(format!("expected an object path at position {}", start + 1));
        }
        Ok(path)
    }
    /// `'text'` with `\'` and `\\` escapes.
    fn string(&mut self) -> Result<String, String> {
        if !self.eat(b"'") {
            return Err(format!(
                "expected a quoted string at position {}",
                self.at + 1
            ));
        }
        let mut out = Vec::new();
        while self.at < self.s.len() {
            match self.s[self.at] {
                b'\\' if self.at + 1 < self.s.len() => {
                    out.push(self.s[self.at + 1]);
                    self.at += 2;
                }
                b'\'' => {
                    self.at += 1;
                    return Ok(String::from_utf8_lossy(&out).into_owned());
                }
                c => {
                    out.push(c);
                    self.at += 1;
                }
            }
        }
        Err("a quoted string is not closed".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn simple_and_ored() {
        assert_eq!(
            values("[ipv4-addr:value = '198.51.100.1']").unwrap(),
            vec![(ObservableKind::Ipv4, "198.51.100.1".to_string())]
        );
        let v = values("[file:hashes.'SHA-256' = 'AB' OR file:hashes.MD5 = 'cd'] OR [domain-name:value = 'it\\'s.example']").unwrap();
        assert_eq!(v.len(), 3);
        assert_eq!(v[0].0, ObservableKind::Sha256);
        assert_eq!(v[1].0, ObservableKind::Md5);
        assert_eq!(v[2], (ObservableKind::Domain, "it's.example".into()));
    }

    #[test]
    fn unsupported_is_refused() {
        for p in [
            "[ipv4-addr:value = '1.2.3.4' AND url:value = 'http://x/']",
            "[ipv4-addr:value != '1.2.3.4']",
            "[process:name = 'x']",
            "[url:value = 'http://x/'] FOLLOWEDBY [url:value = 'http://y/']",
            "[domain-name:value MATCHES 'x']",
            "[ipv4-addr:value = '1.2.3.4'] WITHIN 5 SECONDS",
            "[ipv4-addr:value = '1.2.3.4",
            "",
        ] {
            assert!(values(p).is_err(), "{p}");
        }
    }
}
