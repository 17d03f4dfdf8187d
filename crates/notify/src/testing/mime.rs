//! Just enough MIME decoding to read back what lettre writes: unfolded
//! headers, RFC 2047 encoded words (B and Q), and single-part bodies in 7bit,
//! 8bit, quoted-printable or base64. Charsets other than UTF-8 / US-ASCII and
//! multipart bodies are out of scope: `send_email` never produces them.

use base64::{engine::general_purpose::STANDARD, Engine as _};

/// Splits raw message text at the blank line between headers and body.
pub(super) fn split(raw: &str) -> (&str, &str) {
    for sep in ["\r\n\r\n", "\n\n"] {
        if let Some(i) = raw.find(sep) {
            return (&raw[..i], &raw[i + sep.len()..]);
        }
    }
    (raw, "")
}

/// The unfolded value of the first header called `name` (case-insensitive).
pub(super) fn header(raw: &str, name: &str) -> Option<String> {
    let (head, _) = split(raw);
    let mut found: Option<String> = None;
    for line in head.split('\n') {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.starts_with([' ', '\t']) {
            // RFC 5322 unfolding: drop the line break, keep the white space.
            if let Some(value) = found.as_mut() {
                value.push_str(line);
            }
            continue;
        }
        if found.is_some() {
            break;
        }
        if let Some((key, value)) = line.split_once(':') {
            if key.trim().eq_ignore_ascii_case(name) {
                found = Some(value.trim_start().to_string());
            }
        }
    }
    found.map(|v| v.trim_end().to_string())
}

/// Decodes RFC 2047 encoded words in a header value. White space between
/// two adjacent encoded words is dropped, as the RFC requires, and their
/// bytes are joined before UTF-8 decoding, since an encoder may split a
/// multi-byte character between words.
pub(super) fn decode_words(value: &str) -> String {
    let mut out = String::new();
    let mut pending: Vec<u8> = Vec::new(); // bytes of adjacent encoded words
    let mut rest = value;
    while !rest.is_empty() {
        match rest
            .find("=?")
            .and_then(|i| parse_word(&rest[i..]).map(|w| (i, w)))
        {
            Some((i, (bytes, len))) => {
                let between = &rest[..i];
                let glued = !pending.is_empty() && between.trim().is_empty();
                if !glued {
                    flush(&mut out, &mut pending);
                    out.push_str(between);
                }
                pending.extend_from_slice(&bytes);
                rest = &rest[i + len..];
            }
            None => {
                flush(&mut out, &mut pending);
                out.push_str(rest);
                rest = "";
            }
        }
    }
    flush(&mut out, &mut pending);
    out
}

fn flush(out: &mut String, pending: &mut Vec<u8>) {
    out.push_str(&String::from_utf8_lossy(pending));
    pending.clear();
}

/// Parses `=?charset?enc?text?=` at the start of `s`: the decoded bytes and
/// the length consumed.
fn parse_word(s: &str) -> Option<(Vec<u8>, usize)> {
    let body = s.strip_prefix("=?")?;
    let q1 = body.find('?')?;
    let charset = &body[..q1];
    let after_charset = &body[q1 + 1..];
    let q2 = after_charset.find('?')?;
    let encoding = &after_charset[..q2];
    let after_encoding = &after_charset[q2 + 1..];
    let end = after_encoding.find("?=")?;
    let text = &after_encoding[..end];
    if text.contains([' ', '\t', '\r', '\n']) {
        return None;
    }
    // RFC 2231 allows a language after '*': `utf-8*vi`.
    let charset = charset.split('*').next().unwrap_or("");
    if !(charset.eq_ignore_ascii_case("utf-8") || charset.eq_ignore_ascii_case("us-ascii")) {
        return None;
    }
    let bytes = match encoding {
        "B" | "b" => STANDARD.decode(text).ok()?,
        "Q" | "q" => decode_q(text)?,
        _ => return None,
    };
    Some((bytes, 2 + q1 + 1 + q2 + 1 + end + 2))
}

/// The "Q" encoding: quoted-printable where `_` stands for a space.
fn decode_q(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len());
    let mut bytes = text.bytes();
    while let Some(b) = bytes.next() {
        match b {
            b'_' => out.push(b' '),
            b'=' => {
                let hex = [bytes.next()?, bytes.next()?];
                let hex = std::str::from_utf8(&hex).ok()?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
            }
            other => out.push(other),
        }
    }
    Some(out)
}

/// The body of `raw`, undone from its Content-Transfer-Encoding and with
/// CRLF line ends turned back into `\n`.
///
/// lettre always writes `CRLF . CRLF` after the message, so its data gains
/// one line end that the sender's text did not have: the last CRLF is
/// dropped, which makes the text read back exactly as given to `send_email`.
pub(super) fn body_text(raw: &str) -> String {
    let (_, body) = split(raw);
    let body = body.strip_suffix("\r\n").unwrap_or(body);
    let encoding = header(raw, "Content-Transfer-Encoding")
        .unwrap_or_default()
        .to_ascii_lowercase();
    let bytes = match encoding.trim() {
        "quoted-printable" => {
            quoted_printable::decode(body.as_bytes(), quoted_printable::ParseMode::Robust)
                .unwrap_or_else(|_| body.as_bytes().to_vec())
        }
        "base64" => {
            let compact: String = body.chars().filter(|c| !c.is_whitespace()).collect();
            STANDARD
                .decode(compact)
                .unwrap_or_else(|_| body.as_bytes().to_vec())
        }
        _ => body.as_bytes().to_vec(),
    };
    String::from_utf8_lossy(&bytes).replace("\r\n", "\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoded_words() {
        assert_eq!(decode_words("plain"), "plain");
        assert_eq!(decode_words("=?utf-8?b?VGjDoW5n?="), "Tháng");
        // Adjacent words glue, a multi-byte character split between them.
        assert_eq!(
            decode_words("=?utf-8?b?VGjD?=\r\n =?utf-8?b?oW5n?="),
            "Tháng"
        );
        assert_eq!(
            decode_words("=?UTF-8?Q?Danh_s=C3=A1ch?= IP"),
            "Danh sách IP"
        );
        assert_eq!(decode_words("a =?utf-8?q?b?= c"), "a b c");
        assert_eq!(decode_words("=?koi8-r?b?AAA?="), "=?koi8-r?b?AAA?=");
    }

    #[test]
    fn headers_unfold_and_bodies_decode() {
        let raw = "Subject: =?utf-8?b?VGjDoW5n?=\r\n =?utf-8?q?_01?=\r\n\
                   Content-Transfer-Encoding: quoted-printable\r\n\r\n\
                   K=C3=ADnh g=E1=BB=ADi=\r\nanh\r\nd=C3=B2ng 2\r\n";
        assert_eq!(decode_words(&header(raw, "subject").unwrap()), "Tháng 01");
        assert_eq!(body_text(raw), "Kính gửianh\ndòng 2");
        let b64 = "Content-Transfer-Encoding: base64\r\n\r\nS8OtbmggZ+G7rWk=\r\n";
        assert_eq!(body_text(b64), "Kính gửi");
        assert_eq!(header(b64, "Subject"), None);
    }
}
