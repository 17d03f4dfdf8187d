//! The audit chain: each record's hash covers the previous record's hash, so
//! an edit or deletion anywhere breaks every link after it.
//!
//! The hash is an HMAC-SHA256 under a key kept outside the database
//! ([`AuditKey`]), so someone who can write the table but not read the key
//! cannot recompute a valid chain after an edit. Chains written before the
//! key existed used plain SHA-256 (`key = None`); they are verified that way
//! once, then re-chained under the key. The head of the chain (count and hash,
//! a [`Checkpoint`]) is also kept outside the table, so removing records from
//! the end, which leaves a shorter chain that is valid in itself, is noticed.

use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use sha2::digest::Update;
use sha2::{Digest, Sha256};

/// The hash of the record before the first one.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One audit record as stored: JSON before/after kept as the exact stored text
/// so the hash can be recomputed from the table alone.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AuditRecord {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub org_id: Option<i64>,
    pub action: String,
    pub entity: String,
    pub entity_id: Option<i64>,
    pub before: Option<String>,
    pub after: Option<String>,
    pub prev_hash: String,
    pub hash: String,
}

/// Databases keep microseconds; hashing at that precision keeps the stored and
/// recomputed values equal.
pub fn truncate_to_micros(at: DateTime<Utc>) -> DateTime<Utc> {
    let micros = at.timestamp_micros();
    DateTime::from_timestamp_micros(micros).unwrap_or(at)
}

/// The secret that keys the chain: 256 random bits. Its `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct AuditKey([u8; 32]);

impl std::fmt::Debug for AuditKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "AuditKey({})", self.fingerprint())
    }
}

impl AuditKey {
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        AuditKey(bytes)
    }

    /// The key as 64 hex digits, the form the key file holds.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    /// Reads a key file's text: 64 hex digits, surrounding blanks ignored.
    pub fn from_hex(text: &str) -> Result<Self, String> {
        let bytes = hex::decode(text.trim()).map_err(|e| format!("not hexadecimal: {e}"))?;
        let bytes: [u8; 32] = bytes
            .try_into()
            .map_err(|b: Vec<u8>| format!("{} bytes instead of 32", b.len()))?;
        Ok(AuditKey(bytes))
    }

    /// A short name for the key that reveals nothing of it (the first 8 hex
    /// digits of its SHA-256), to tell two keys apart in messages.
    pub fn fingerprint(&self) -> String {
        hex::encode(Sha256::digest(self.0))[..8].to_string()
    }
}

/// The hash of one record: HMAC-SHA256 under `key`, or the plain SHA-256 of
/// chains written before the key existed when `key` is `None`.
#[allow(clippy::too_many_arguments)]
pub fn record_hash(
    key: Option<&AuditKey>,
    prev_hash: &str,
    id: i64,
    at: DateTime<Utc>,
    actor: &str,
    org_id: Option<i64>,
    action: &str,
    entity: &str,
    entity_id: Option<i64>,
    before: Option<&str>,
    after: Option<&str>,
) -> String {
    match key {
        None => {
            let mut h = Sha256::new();
            feed(
                &mut h, prev_hash, id, at, actor, org_id, action, entity, entity_id, before, after,
            );
            hex::encode(h.finalize())
        }
        Some(k) => {
            let mut h = <Hmac<Sha256> as Mac>::new_from_slice(&k.0)
                .expect("HMAC takes a key of any length");
            feed(
                &mut h, prev_hash, id, at, actor, org_id, action, entity, entity_id, before, after,
            );
            hex::encode(h.finalize().into_bytes())
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn feed(
    h: &mut impl Update,
    prev_hash: &str,
    id: i64,
    at: DateTime<Utc>,
    actor: &str,
    org_id: Option<i64>,
    action: &str,
    entity: &str,
    entity_id: Option<i64>,
    before: Option<&str>,
    after: Option<&str>,
) {
    // Length-prefixing every field makes the encoding unambiguous.
    let mut field = |s: &str| {
        h.update(&(s.len() as u64).to_be_bytes());
        h.update(s.as_bytes());
    };
    field(prev_hash);
    field(&id.to_string());
    field(
        &truncate_to_micros(at)
            .format("%Y-%m-%dT%H:%M:%S%.6fZ")
            .to_string(),
    );
    field(actor);
    field(&org_id.map(|v| v.to_string()).unwrap_or_default());
    field(action);
    field(entity);
    field(&entity_id.map(|v| v.to_string()).unwrap_or_default());
    field(before.unwrap_or("\u{0}none"));
    field(after.unwrap_or("\u{0}none"));
}

impl AuditRecord {
    pub fn expected_hash(&self, key: Option<&AuditKey>) -> String {
        record_hash(
            key,
            &self.prev_hash,
            self.id,
            self.at,
            &self.actor,
            self.org_id,
            &self.action,
            &self.entity,
            self.entity_id,
            self.before.as_deref(),
            self.after.as_deref(),
        )
    }
}

/// Where the chain first breaks, if it does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChainBreak {
    /// The record's content no longer matches its hash.
    Altered { id: i64 },
    /// The record does not point at the record before it (one was removed or reordered).
    Unlinked { id: i64 },
}

/// Walks records in id order, carrying the previous hash between batches.
pub fn verify_links(
    key: Option<&AuditKey>,
    prev: &mut String,
    records: &[AuditRecord],
) -> Result<(), ChainBreak> {
    for r in records {
        if r.prev_hash != *prev {
            return Err(ChainBreak::Unlinked { id: r.id });
        }
        if r.expected_hash(key) != r.hash {
            return Err(ChainBreak::Altered { id: r.id });
        }
        prev.clone_from(&r.hash);
    }
    Ok(())
}

/// The head of the chain at some moment: the number of records (the last
/// record's id: ids run 1, 2, 3, … without gaps) and that record's hash.
/// Written as `COUNT:HASH`, the form a person copies down.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Anchor {
    pub count: i64,
    pub hash: String,
}

impl std::fmt::Display for Anchor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.count, self.hash)
    }
}

/// Shortest hash prefix accepted from a person (64 bits).
pub const MIN_ANCHOR_HEX: usize = 16;

impl std::str::FromStr for Anchor {
    type Err = String;
    /// `COUNT:HASH`; the hash may be cut to its first 16 or more hex digits.
    fn from_str(s: &str) -> Result<Self, String> {
        let (count, hash) = s
            .trim()
            .split_once(':')
            .ok_or("expected COUNT:HASH, e.g. 1234:9f86d081884c7d65")?;
        let count: i64 = count
            .trim()
            .parse()
            .map_err(|_| format!("'{count}' is not a number of records"))?;
        if count < 0 {
            return Err("the number of records cannot be negative".into());
        }
        let hash = hash.trim().to_ascii_lowercase();
        if hash.len() < MIN_ANCHOR_HEX
            || hash.len() > 64
            || !hash.bytes().all(|b| b.is_ascii_hexdigit())
        {
            return Err(format!(
                "the hash must be {MIN_ANCHOR_HEX} to 64 hexadecimal digits"
            ));
        }
        Ok(Anchor { count, hash })
    }
}

/// How the table disagrees with an anchor kept outside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AnchorBreak {
    /// The table ends before the anchored record: records were removed from the end.
    Truncated { anchored: i64, last_id: i64 },
    /// The anchored record holds another hash: the chain was rewritten.
    Rewritten { id: i64 },
}

impl std::fmt::Display for AnchorBreak {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AnchorBreak::Truncated { anchored, last_id } => write!(
                f,
                "nhật ký đã bị cắt bớt: điểm neo ghi {anchored} bản ghi, bảng chỉ còn {last_id} / the log was truncated: the checkpoint records {anchored} records, the table holds {last_id}"
            ),
            AnchorBreak::Rewritten { id } => write!(
                f,
                "nhật ký đã bị viết lại: bản ghi #{id} khác với điểm neo / the log was rewritten: record #{id} differs from the checkpoint"
            ),
        }
    }
}

/// Compares the table with an anchor: `last_id` is the table's last record,
/// `hash_at` the hash the table holds for the anchored record.
pub fn check_anchor(
    anchor: &Anchor,
    last_id: i64,
    hash_at: Option<&str>,
) -> Result<(), AnchorBreak> {
    if anchor.count == 0 {
        return Ok(());
    }
    if last_id < anchor.count {
        return Err(AnchorBreak::Truncated {
            anchored: anchor.count,
            last_id,
        });
    }
    match hash_at {
        Some(h) if h.starts_with(&anchor.hash) => Ok(()),
        _ => Err(AnchorBreak::Rewritten { id: anchor.count }),
    }
}

/// An anchor written outside the database, with when it was written.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Checkpoint {
    pub count: i64,
    pub hash: String,
    pub at: DateTime<Utc>,
}

impl Checkpoint {
    pub fn anchor(&self) -> Anchor {
        Anchor {
            count: self.count,
            hash: self.hash.clone(),
        }
    }
}

/// Reads a checkpoint file: one line per database, `DATABASE<TAB>COUNT<TAB>HASH<TAB>TIME`;
/// `#` starts a comment. Lines that cannot be read are skipped.
pub fn parse_checkpoints(text: &str) -> Vec<(String, Checkpoint)> {
    text.lines()
        .filter(|l| !l.trim_start().starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| {
            let mut f = l.split('\t');
            let db = f.next()?.to_string();
            let count = f.next()?.parse().ok()?;
            let hash = f.next()?.to_string();
            let at = DateTime::parse_from_rfc3339(f.next()?)
                .ok()?
                .with_timezone(&Utc);
            Some((db, Checkpoint { count, hash, at }))
        })
        .collect()
}

/// Writes a checkpoint file's text for [`parse_checkpoints`].
pub fn format_checkpoints(entries: &[(String, Checkpoint)]) -> String {
    let mut out = String::from(
        "# canhgac: điểm neo của nhật ký kiểm toán / audit log checkpoint\n# database\tcount\thead hash\twritten (UTC)\n",
    );
    for (db, c) in entries {
        out.push_str(&format!(
            "{db}\t{}\t{}\t{}\n",
            c.count,
            c.hash,
            c.at.format("%Y-%m-%dT%H:%M:%SZ")
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(id: i64, prev: &str, after: &str) -> AuditRecord {
        let mut r = AuditRecord {
            id,
            at: Utc::now(),
            actor: "user:admin".into(),
            org_id: Some(1),
            action: "create".into(),
            entity: "org".into(),
            entity_id: Some(id),
            before: None,
            after: Some(after.into()),
            prev_hash: prev.into(),
            hash: String::new(),
        };
        r.hash = r.expected_hash(Some(&key()));
        r
    }

    fn key() -> AuditKey {
        AuditKey::from_bytes([7; 32])
    }

    #[test]
    fn chain_detects_edits_and_removals() {
        let a = rec(1, GENESIS, "{\"name\":\"A\"}");
        let b = rec(2, &a.hash, "{\"name\":\"B\"}");
        let c = rec(3, &b.hash, "{\"name\":\"C\"}");
        let mut prev = GENESIS.to_string();
        assert!(verify_links(Some(&key()), &mut prev, &[a.clone(), b.clone(), c.clone()]).is_ok());

        let mut edited = b.clone();
        edited.after = Some("{\"name\":\"X\"}".into());
        let mut prev = GENESIS.to_string();
        assert_eq!(
            verify_links(Some(&key()), &mut prev, &[a.clone(), edited, c.clone()]),
            Err(ChainBreak::Altered { id: 2 })
        );
        let mut prev = GENESIS.to_string();
        assert_eq!(
            verify_links(Some(&key()), &mut prev, &[a, c]),
            Err(ChainBreak::Unlinked { id: 3 })
        );
    }

    /// Someone who can write the table but has no key recomputes every hash
    /// after an edit with plain SHA-256: the chain does not verify.
    #[test]
    fn a_chain_recomputed_without_the_key_does_not_verify() {
        let a = rec(1, GENESIS, "{\"name\":\"A\"}");
        let b = rec(2, &a.hash, "{\"name\":\"B\"}");
        let mut forged = vec![a.clone(), b];
        forged[1].after = Some("{\"name\":\"X\"}".into());
        let mut prev = GENESIS.to_string();
        for r in forged.iter_mut() {
            r.prev_hash = prev.clone();
            r.hash = r.expected_hash(None);
            prev = r.hash.clone();
        }
        let mut prev = GENESIS.to_string();
        assert_eq!(
            verify_links(Some(&key()), &mut prev, &forged),
            Err(ChainBreak::Altered { id: 1 })
        );
        // Under another key too.
        let other = AuditKey::from_bytes([8; 32]);
        let mut prev = GENESIS.to_string();
        assert!(verify_links(Some(&other), &mut prev, &[a]).is_err());
    }

    #[test]
    fn keys_read_back_and_never_print() {
        let k = key();
        assert_eq!(
            AuditKey::from_hex(&format!(" {}\n", k.to_hex())).unwrap(),
            k
        );
        assert!(AuditKey::from_hex("abcd").is_err());
        assert!(!format!("{k:?}").contains(&k.to_hex()));
    }

    #[test]
    fn anchors_notice_truncation_and_rewriting() {
        let a = rec(1, GENESIS, "{}");
        let b = rec(2, &a.hash, "{}");
        let anchor: Anchor = format!("2:{}", &b.hash[..16]).parse().unwrap();
        assert_eq!(check_anchor(&anchor, 2, Some(&b.hash)), Ok(()));
        assert_eq!(check_anchor(&anchor, 5, Some(&b.hash)), Ok(()));
        assert_eq!(
            check_anchor(&anchor, 1, None),
            Err(AnchorBreak::Truncated {
                anchored: 2,
                last_id: 1
            })
        );
        assert_eq!(
            check_anchor(&anchor, 2, Some(&a.hash)),
            Err(AnchorBreak::Rewritten { id: 2 })
        );
        assert!("2:abc".parse::<Anchor>().is_err());
        assert!("x:0123456789abcdef".parse::<Anchor>().is_err());
        assert_eq!(anchor.to_string(), format!("2:{}", &b.hash[..16]));
    }

    #[test]
    fn checkpoint_files_read_back() {
        let c = Checkpoint {
            count: 42,
            hash: "ab".repeat(32),
            at: DateTime::parse_from_rfc3339("2025-03-04T05:06:07Z")
                .unwrap()
                .with_timezone(&Utc),
        };
        let entries = vec![
            ("sqlite".to_string(), c.clone()),
            ("postgres://h:5432/db".to_string(), c),
        ];
        assert_eq!(parse_checkpoints(&format_checkpoints(&entries)), entries);
        assert!(parse_checkpoints("garbage\nmore\tgarbage").is_empty());
    }
}
