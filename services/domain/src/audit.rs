//! The audit log's hash chain. Each entry's hash covers the previous entry's hash and every field
//! of the entry, so editing, deleting or reordering any row breaks the chain from that row on.

use chrono::{DateTime, SecondsFormat, Utc};
use sha2::{Digest, Sha256};

/// The `prev_hash` of the first entry.
pub const GENESIS_HASH: [u8; 32] = [0u8; 32];

const DOMAIN_TAG: &[u8] = b"attune-audit-v1";

/// One audit entry as stored. `data` is the JSON text exactly as the database renders the stored
/// `jsonb` (so the hash does not depend on how a client happened to format it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRecord {
    pub seq: i64,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub action: String,
    pub subject: String,
    pub data: String,
    pub prev_hash: Vec<u8>,
    pub hash: Vec<u8>,
}

/// Hash of an entry: SHA-256 over a domain tag and the length-prefixed fields, so no two
/// different entries can produce the same byte string.
pub fn entry_hash(prev_hash: &[u8], seq: i64, at: &DateTime<Utc>, actor: &str, action: &str, subject: &str, data: &str) -> [u8; 32] {
    let mut hasher = Sha256::new();
    let at = at.to_rfc3339_opts(SecondsFormat::Micros, true);
    let seq = seq.to_string();
    for part in
        [DOMAIN_TAG, prev_hash, seq.as_bytes(), at.as_bytes(), actor.as_bytes(), action.as_bytes(), subject.as_bytes(), data.as_bytes()]
    {
        hasher.update((part.len() as u64).to_be_bytes());
        hasher.update(part);
    }
    hasher.finalize().into()
}

/// Where and why the chain is broken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainBreak {
    pub seq: i64,
    pub reason: String,
}

impl std::error::Error for ChainBreak {}

impl std::fmt::Display for ChainBreak {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "audit entry {} is not intact: {}", self.seq, self.reason)
    }
}

/// Walks the chain forward. `head` is the (seq, hash) the log recorded for its newest entry, which
/// catches a deleted tail that the chain alone cannot show.
#[derive(Debug, Default)]
pub struct ChainVerifier {
    prev_hash: Option<Vec<u8>>,
    last_seq: Option<i64>,
    checked: u64,
}

impl ChainVerifier {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn push(&mut self, record: &AuditRecord) -> Result<(), ChainBreak> {
        let expected_prev = self.prev_hash.clone().unwrap_or_else(|| GENESIS_HASH.to_vec());
        if record.prev_hash != expected_prev {
            let reason = match self.last_seq {
                Some(prev) => format!("its prev_hash does not match entry {prev}; an entry before it was edited or deleted"),
                None => "the first entry does not start from the genesis hash; earlier entries were deleted".to_string(),
            };
            return Err(ChainBreak { seq: record.seq, reason });
        }
        let recomputed =
            entry_hash(&record.prev_hash, record.seq, &record.at, &record.actor, &record.action, &record.subject, &record.data);
        if record.hash != recomputed {
            return Err(ChainBreak { seq: record.seq, reason: "its contents do not match its hash; the entry was edited".into() });
        }
        self.prev_hash = Some(record.hash.clone());
        self.last_seq = Some(record.seq);
        self.checked += 1;
        Ok(())
    }

    /// Compares the end of the walk with the recorded head.
    pub fn finish(self, head: Option<(i64, Vec<u8>)>) -> Result<u64, ChainBreak> {
        match (head, self.last_seq, self.prev_hash) {
            (None, None, _) => Ok(self.checked),
            (Some((seq, hash)), Some(last), Some(last_hash)) if seq == last && hash == last_hash => Ok(self.checked),
            (Some((seq, _)), last, _) => Err(ChainBreak {
                seq,
                reason: format!(
                    "the log's head records entry {seq} but the chain ends at {}; entries at the end were deleted or edited",
                    last.map_or("nothing".to_string(), |l| l.to_string())
                ),
            }),
            (None, Some(last), _) => Err(ChainBreak { seq: last, reason: "entries exist but the log's head record is missing".into() }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(n: i64) -> Vec<AuditRecord> {
        let mut prev = GENESIS_HASH.to_vec();
        let at = DateTime::from_timestamp_micros(1_700_000_000_123_456).unwrap_or_default();
        (1..=n)
            .map(|seq| {
                let data = format!("{{\"n\": {seq}}}");
                let hash = entry_hash(&prev, seq, &at, "user:1", "user.registered", "user:1", &data).to_vec();
                let record = AuditRecord {
                    seq,
                    at,
                    actor: "user:1".into(),
                    action: "user.registered".into(),
                    subject: "user:1".into(),
                    data,
                    prev_hash: prev.clone(),
                    hash: hash.clone(),
                };
                prev = hash;
                record
            })
            .collect()
    }

    fn verify(records: &[AuditRecord], head: Option<(i64, Vec<u8>)>) -> Result<u64, ChainBreak> {
        let mut v = ChainVerifier::new();
        for r in records {
            v.push(r)?;
        }
        v.finish(head)
    }

    fn head(records: &[AuditRecord]) -> Option<(i64, Vec<u8>)> {
        records.last().map(|r| (r.seq, r.hash.clone()))
    }

    #[test]
    fn an_intact_chain_verifies() {
        let records = chain(5);
        assert_eq!(verify(&records, head(&records)), Ok(5));
        assert_eq!(verify(&[], None), Ok(0));
    }

    #[test]
    fn an_edited_entry_is_named() {
        let mut records = chain(5);
        let h = head(&records);
        records[2].data = "{\"n\": 99}".into();
        assert_eq!(verify(&records, h).map_err(|b| b.seq), Err(3));
    }

    #[test]
    fn a_deleted_middle_entry_breaks_the_next() {
        let mut records = chain(5);
        let h = head(&records);
        records.remove(1);
        assert_eq!(verify(&records, h).map_err(|b| b.seq), Err(3));
    }

    #[test]
    fn a_deleted_tail_is_caught_by_the_head() {
        let mut records = chain(5);
        let h = head(&records);
        records.pop();
        assert_eq!(verify(&records, h).map_err(|b| b.seq), Err(5));
    }

    #[test]
    fn a_deleted_first_entry_is_caught() {
        let mut records = chain(3);
        let h = head(&records);
        records.remove(0);
        assert_eq!(verify(&records, h).map_err(|b| b.seq), Err(2));
    }
}
