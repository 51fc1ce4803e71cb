//! The dispatch policy (`policy/dispatch-v*.toml`; plans use the newest): shard and slice counts, the
//! order of records within a shard, leases and retries. Data, loaded once; every shard plan records its
//! version and sha256.

use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::compliance::PolicyRef;

const ENFORCED_TEXT: &str = include_str!("../../policy/dispatch-v2.toml");

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    version: String,
    shards: ShardsFile,
    slices: SlicesFile,
    runs: RunsFile,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct ShardsFile {
    records_per_shard: u32,
    min: u32,
    max: u32,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct SlicesFile {
    per_shard: u32,
    min_records: u32,
    #[serde(default)]
    order: SliceOrder,
}

/// How a shard's records are ordered into its slices.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SliceOrder {
    /// Upload order (dispatch-v1).
    #[default]
    Upload,
    /// Records without data subjects first, then each subject's records together: an erasure's first
    /// affected slice comes as late as it can, so it retrains as little as it can (SISA, §4.2).
    PersonalLast,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RunsFile {
    lease_secs: u32,
    max_attempts: u32,
    backoff_secs: Vec<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DispatchPolicy {
    reference: PolicyRef,
    pub records_per_shard: u32,
    pub min_shards: u32,
    pub max_shards: u32,
    pub slices_per_shard: u32,
    pub min_records_per_slice: u32,
    pub slice_order: SliceOrder,
    pub lease_secs: u32,
    pub max_attempts: u32,
    backoff_secs: Vec<u32>,
}

impl DispatchPolicy {
    /// The policy compiled into this build.
    pub fn enforced() -> Result<Self, String> {
        Self::parse(ENFORCED_TEXT)
    }

    pub fn parse(text: &str) -> Result<Self, String> {
        let f: File = toml::from_str(text).map_err(|e| format!("dispatch policy: {e}"))?;
        let fail = |what: &str| Err(format!("dispatch policy: {what}"));
        if f.version.trim().is_empty() {
            return fail("version is empty");
        }
        if f.shards.records_per_shard == 0 || f.shards.min == 0 || f.shards.max < f.shards.min {
            return fail("shards need records_per_shard > 0 and 0 < min <= max");
        }
        if f.slices.per_shard == 0 || f.slices.min_records == 0 {
            return fail("slices.per_shard and slices.min_records must be positive");
        }
        if f.runs.lease_secs == 0 || f.runs.max_attempts == 0 || f.runs.backoff_secs.is_empty() {
            return fail("runs need a positive lease, at least one attempt and a backoff");
        }
        Ok(Self {
            reference: PolicyRef { version: f.version, sha256: hex::encode(Sha256::digest(text.as_bytes())) },
            records_per_shard: f.shards.records_per_shard,
            min_shards: f.shards.min,
            max_shards: f.shards.max,
            slices_per_shard: f.slices.per_shard,
            min_records_per_slice: f.slices.min_records,
            slice_order: f.slices.order,
            lease_secs: f.runs.lease_secs,
            max_attempts: f.runs.max_attempts,
            backoff_secs: f.runs.backoff_secs,
        })
    }

    pub fn reference(&self) -> &PolicyRef {
        &self.reference
    }

    /// How long to wait before attempt `attempt` (1-based: the wait after the first failure is
    /// `backoff(1)`); the last configured value repeats.
    pub fn backoff_secs(&self, attempt: u32) -> u32 {
        let i = usize::try_from(attempt.saturating_sub(1)).unwrap_or(usize::MAX).min(self.backoff_secs.len() - 1);
        self.backoff_secs[i]
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_policy_loads_and_bad_ones_are_named() {
        let p = DispatchPolicy::enforced().unwrap();
        assert_eq!(p.reference().version, "dispatch-v2");
        assert_eq!(p.slice_order, SliceOrder::PersonalLast);
        let v1 = DispatchPolicy::parse(include_str!("../../policy/dispatch-v1.toml")).unwrap();
        assert_eq!(v1.slice_order, SliceOrder::Upload, "v1 kept upload order");
        assert_eq!(p.reference().sha256.len(), 64);
        assert_eq!(p.backoff_secs(1), 15);
        assert_eq!(p.backoff_secs(99), 240, "the last backoff repeats");
        let bad = ENFORCED_TEXT.replace("max = 16", "max = 0");
        assert!(DispatchPolicy::parse(&bad).unwrap_err().contains("min <= max"));
    }
}
