//! A shard run's life in the queue (DESIGN.md §5) as a transition table:
//!
//! ```text
//! queued -> leased -> succeeded
//!    ^         |
//!    +---------+ (lease lost or retryable failure, attempts left: back to the queue after a backoff)
//!              |
//!              v
//!            failed  (non-retryable failure, or the last attempt lost)
//! ```
//! The database applies each move as `update … where status = $old and lease_id = $lease`, so a
//! late call from a lost lease finds nothing to move and is refused.

use serde::{Deserialize, Serialize};

use super::DispatchPolicy;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ShardRunStatus {
    Queued,
    Leased,
    Succeeded,
    Failed,
}

impl ShardRunStatus {
    pub const ALL: [ShardRunStatus; 4] =
        [ShardRunStatus::Queued, ShardRunStatus::Leased, ShardRunStatus::Succeeded, ShardRunStatus::Failed];

    pub fn as_str(self) -> &'static str {
        match self {
            ShardRunStatus::Queued => "queued",
            ShardRunStatus::Leased => "leased",
            ShardRunStatus::Succeeded => "succeeded",
            ShardRunStatus::Failed => "failed",
        }
    }

    pub fn parse(raw: &str) -> Option<ShardRunStatus> {
        Self::ALL.into_iter().find(|s| s.as_str() == raw)
    }

    pub fn successors(self) -> &'static [ShardRunStatus] {
        use ShardRunStatus::*;
        match self {
            Queued => &[Leased],
            Leased => &[Succeeded, Queued, Failed],
            Succeeded | Failed => &[],
        }
    }

    pub fn can_move_to(self, next: ShardRunStatus) -> bool {
        self.successors().contains(&next)
    }

    pub fn is_terminal(self) -> bool {
        self.successors().is_empty()
    }
}

/// What happens to a leased run whose attempt ended without success.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterAttempt {
    /// Back to the queue, not leased again for this many seconds.
    Retry { backoff_secs: u32 },
    /// Failed for good: the job fails and its escrow is refunded.
    GiveUp,
}

/// Decides after attempt `attempt` (1-based) ended: lost (expired) or failed, retryable or not.
pub fn after_attempt(policy: &DispatchPolicy, attempt: u32, max_attempts: u32, retryable: bool) -> AfterAttempt {
    if !retryable || attempt >= max_attempts {
        AfterAttempt::GiveUp
    } else {
        AfterAttempt::Retry { backoff_secs: policy.backoff_secs(attempt) }
    }
}

/// Where a retried attempt starts: the first slice no earlier attempt finished (slices are trained
/// in order, each on top of the previous one's checkpoint), never past the last slice.
pub fn resume_from_slice(slices_done: u32, slices: u32) -> u32 {
    slices_done.min(slices.saturating_sub(1))
}

/// A shard's share of the job's training, 0..=1: finished slices plus the current one's share.
pub fn shard_fraction(status: ShardRunStatus, slices_done: u32, slices: u32) -> f64 {
    match status {
        ShardRunStatus::Succeeded => 1.0,
        _ if slices == 0 => 0.0,
        _ => f64::from(slices_done.min(slices)) / f64::from(slices),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::ShardRunStatus::*;
    use super::*;

    #[test]
    fn every_status_round_trips_and_only_a_lease_ends_in_success() {
        for s in ShardRunStatus::ALL {
            assert_eq!(ShardRunStatus::parse(s.as_str()), Some(s));
        }
        assert!(Queued.can_move_to(Leased));
        assert!(!Queued.can_move_to(Succeeded), "nothing succeeds without a lease");
        assert!(!Queued.can_move_to(Failed));
        assert!(Leased.can_move_to(Queued) && Leased.can_move_to(Succeeded) && Leased.can_move_to(Failed));
        assert!(Succeeded.is_terminal() && Failed.is_terminal());
        assert!(!Leased.can_move_to(Leased), "a lease is renewed by a heartbeat, not taken twice");
    }

    #[test]
    fn attempts_retry_with_the_policy_backoff_until_the_last() {
        let p = DispatchPolicy::enforced().unwrap();
        assert_eq!(after_attempt(&p, 1, 3, true), AfterAttempt::Retry { backoff_secs: p.backoff_secs(1) });
        assert_eq!(after_attempt(&p, 2, 3, true), AfterAttempt::Retry { backoff_secs: p.backoff_secs(2) });
        assert_eq!(after_attempt(&p, 3, 3, true), AfterAttempt::GiveUp);
        assert_eq!(after_attempt(&p, 1, 3, false), AfterAttempt::GiveUp, "a non-retryable failure is final");
        assert!(p.backoff_secs(2) >= p.backoff_secs(1));
    }

    #[test]
    fn a_retry_resumes_after_the_last_finished_slice() {
        assert_eq!(resume_from_slice(0, 4), 0);
        assert_eq!(resume_from_slice(2, 4), 2);
        assert_eq!(resume_from_slice(4, 4), 3, "never past the last slice");
        assert_eq!(shard_fraction(Leased, 1, 4), 0.25);
        assert_eq!(shard_fraction(Succeeded, 0, 4), 1.0);
        assert_eq!(shard_fraction(Queued, 0, 0), 0.0);
    }
}
