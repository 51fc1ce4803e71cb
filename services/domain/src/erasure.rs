//! GDPR Art. 17 erasure on SISA shards (DESIGN.md §5): the request's states, the subject reference
//! kept instead of the subject id, the Art. 12(3) deadline, and the share of a full retrain an
//! erasure costs (the cumulative stages of each affected shard from its first affected slice on,
//! over every stage of the affected jobs).

use std::fmt;

use chrono::{DateTime, Months, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::provenance::sha256_hex;

/// Where an erasure request stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErasureStatus {
    /// Recorded; the content is deleted, and the affected shards wait to be retrained.
    Pending,
    /// The affected shards are being retrained.
    Retraining,
    /// Every affected model is superseded and the certificate issued.
    Completed,
}

impl ErasureStatus {
    pub const ALL: [ErasureStatus; 3] = [ErasureStatus::Pending, ErasureStatus::Retraining, ErasureStatus::Completed];

    pub fn as_str(self) -> &'static str {
        match self {
            ErasureStatus::Pending => "pending",
            ErasureStatus::Retraining => "retraining",
            ErasureStatus::Completed => "completed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }

    /// The moves a request may make; anything else is refused.
    pub fn can_move_to(self, to: ErasureStatus) -> bool {
        matches!(
            (self, to),
            (ErasureStatus::Pending, ErasureStatus::Retraining)
                | (ErasureStatus::Pending, ErasureStatus::Completed)
                | (ErasureStatus::Retraining, ErasureStatus::Completed)
        )
    }
}

impl fmt::Display for ErasureStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The subject reference kept on the request and the certificate: sha256 over the organisation and
/// the subject id, so the id itself is not stored and another organisation's same id differs.
pub fn subject_reference(organization_id: Uuid, subject_id: &str) -> String {
    sha256_hex(format!("attune-erasure-subject\n{organization_id}\n{}", subject_id.trim()).as_bytes())
}

/// GDPR Art. 12(3): within one month of receipt.
pub fn deadline(received_at: DateTime<Utc>) -> DateTime<Utc> {
    received_at.checked_add_months(Months::new(1)).unwrap_or(received_at)
}

/// One affected shard of a job: its slice sizes and the first slice holding a record of the subject.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AffectedShard {
    pub slice_sizes: Vec<u32>,
    /// 0-based.
    pub from_slice: u32,
}

/// The compute of training one shard's stages from `from` on, in record-passes: training is
/// cumulative (stage `k` trains on slices `0..=k`, DESIGN.md §5 and the trainer), so stage `k` costs
/// the records of its first `k + 1` slices.
fn stages_cost(slice_sizes: &[u32], from: usize) -> u64 {
    let mut seen = 0u64;
    let mut cost = 0u64;
    for (k, n) in slice_sizes.iter().enumerate() {
        seen += u64::from(*n);
        if k >= from {
            cost += seen;
        }
    }
    cost
}

/// The share of a full retrain of the affected jobs an erasure costs: the stages of each affected
/// shard from its first affected slice on, over every stage of every shard of those jobs (`all`: each
/// shard's slice sizes). 0 when nothing is affected.
pub fn retrain_fraction(affected: &[AffectedShard], all: &[Vec<u32>]) -> f64 {
    let full: u64 = all.iter().map(|s| stages_cost(s, 0)).sum();
    if full == 0 {
        return 0.0;
    }
    let again: u64 = affected.iter().map(|s| stages_cost(&s.slice_sizes, s.from_slice as usize)).sum();
    (again as f64 / full as f64).min(1.0)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn states_move_forward_only() {
        use ErasureStatus::*;
        assert!(Pending.can_move_to(Retraining) && Retraining.can_move_to(Completed) && Pending.can_move_to(Completed));
        assert!(!Completed.can_move_to(Pending) && !Retraining.can_move_to(Pending) && !Completed.can_move_to(Retraining));
        for s in ErasureStatus::ALL {
            assert_eq!(ErasureStatus::parse(s.as_str()), Some(s));
        }
    }

    #[test]
    fn the_subject_is_kept_as_a_per_organisation_hash() {
        let (a, b) = (Uuid::new_v4(), Uuid::new_v4());
        assert_eq!(subject_reference(a, "customer-17"), subject_reference(a, " customer-17 "));
        assert_ne!(subject_reference(a, "customer-17"), subject_reference(b, "customer-17"));
        assert!(!subject_reference(a, "customer-17").contains("customer"));
    }

    #[test]
    fn the_deadline_is_one_month() {
        let at = Utc.with_ymd_and_hms(2026, 1, 31, 12, 0, 0).unwrap();
        assert_eq!(deadline(at), Utc.with_ymd_and_hms(2026, 2, 28, 12, 0, 0).unwrap());
    }

    #[test]
    fn the_fraction_counts_the_cumulative_stages_trained_again() {
        // 4 shards of 3 slices of 10 records: stages cost 10, 20, 30 (60 a shard, 240 the job).
        let all = vec![vec![10, 10, 10]; 4];
        let shard = |from| AffectedShard { slice_sizes: vec![10, 10, 10], from_slice: from };
        assert!((retrain_fraction(&[shard(0)], &all) - 0.25).abs() < 1e-12, "a whole shard is 1/S");
        assert!((retrain_fraction(&[shard(1)], &all) - 50.0 / 240.0).abs() < 1e-12);
        assert!((retrain_fraction(&[shard(2)], &all) - 30.0 / 240.0).abs() < 1e-12, "the last stage alone");
        assert_eq!(retrain_fraction(&[], &all), 0.0);
        assert_eq!(retrain_fraction(&[shard(0)], &[]), 0.0);
    }
}
