//! The states of an audit task and the moves between them: a task opens when its job enters review,
//! is claimed by one auditor, and is decided (approved, or changes requested); a job that leaves
//! review for good (cancelled, refunded) withdraws its live task.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AuditTaskStatus {
    Open,
    Claimed,
    Approved,
    ChangesRequested,
    Withdrawn,
}

impl AuditTaskStatus {
    pub const ALL: [AuditTaskStatus; 5] = [Self::Open, Self::Claimed, Self::Approved, Self::ChangesRequested, Self::Withdrawn];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Claimed => "claimed",
            Self::Approved => "approved",
            Self::ChangesRequested => "changes_requested",
            Self::Withdrawn => "withdrawn",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == raw)
    }

    /// The allowed moves.
    pub fn can_move_to(self, to: Self) -> bool {
        use AuditTaskStatus::*;
        matches!((self, to), (Open, Claimed) | (Claimed, Approved | ChangesRequested) | (Open | Claimed, Withdrawn))
    }

    /// Waiting for an auditor (at most one live task per job).
    pub fn is_live(self) -> bool {
        matches!(self, Self::Open | Self::Claimed)
    }

    /// An auditor's decision was recorded (counts towards the pool's audits and turnaround).
    pub fn is_decided(self) -> bool {
        matches!(self, Self::Approved | Self::ChangesRequested)
    }
}

impl fmt::Display for AuditTaskStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A safe-harbour certificate is in force until a condition stops holding; then it is lapsed, for
/// good (a new one is issued when every condition holds again).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CertificateStatus {
    Active,
    Lapsed,
}

impl CertificateStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Lapsed => "lapsed",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        [Self::Active, Self::Lapsed].into_iter().find(|s| s.as_str() == raw)
    }
}

#[cfg(test)]
mod tests {
    use super::AuditTaskStatus::{self, *};

    #[test]
    fn a_task_is_claimed_before_it_is_decided_and_a_decision_is_final() {
        assert!(Open.can_move_to(Claimed) && Claimed.can_move_to(Approved) && Claimed.can_move_to(ChangesRequested));
        assert!(!Open.can_move_to(Approved), "claim first");
        for decided in [Approved, ChangesRequested, Withdrawn] {
            assert!(AuditTaskStatus::ALL.iter().all(|to| !decided.can_move_to(*to)), "{decided} is final");
        }
        assert!(AuditTaskStatus::ALL.iter().all(|s| AuditTaskStatus::parse(s.as_str()) == Some(*s)));
        assert_eq!(AuditTaskStatus::ALL.iter().filter(|s| s.is_live()).count(), 2);
    }
}
