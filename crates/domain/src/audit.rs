//! The audit chain: each record's hash covers the previous record's hash, so
//! an edit or deletion anywhere breaks every link after it.

use chrono::{DateTime, Utc};
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

#[allow(clippy::too_many_arguments)]
pub fn record_hash(
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
    let mut h = Sha256::new();
    // Length-prefixing every field makes the encoding unambiguous.
    let mut field = |s: &str| {
        h.update((s.len() as u64).to_be_bytes());
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
    hex::encode(h.finalize())
}

impl AuditRecord {
    pub fn expected_hash(&self) -> String {
        record_hash(
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
pub fn verify_links(prev: &mut String, records: &[AuditRecord]) -> Result<(), ChainBreak> {
    for r in records {
        if r.prev_hash != *prev {
            return Err(ChainBreak::Unlinked { id: r.id });
        }
        if r.expected_hash() != r.hash {
            return Err(ChainBreak::Altered { id: r.id });
        }
        prev.clone_from(&r.hash);
    }
    Ok(())
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
        r.hash = r.expected_hash();
        r
    }

    #[test]
    fn chain_detects_edits_and_removals() {
        let a = rec(1, GENESIS, "{\"name\":\"A\"}");
        let b = rec(2, &a.hash, "{\"name\":\"B\"}");
        let c = rec(3, &b.hash, "{\"name\":\"C\"}");
        let mut prev = GENESIS.to_string();
        assert!(verify_links(&mut prev, &[a.clone(), b.clone(), c.clone()]).is_ok());

        let mut edited = b.clone();
        edited.after = Some("{\"name\":\"X\"}".into());
        let mut prev = GENESIS.to_string();
        assert_eq!(
            verify_links(&mut prev, &[a.clone(), edited, c.clone()]),
            Err(ChainBreak::Altered { id: 2 })
        );
        let mut prev = GENESIS.to_string();
        assert_eq!(
            verify_links(&mut prev, &[a, c]),
            Err(ChainBreak::Unlinked { id: 3 })
        );
    }
}
