//! The life of a fine-tune job (DESIGN.md §2) as a transition table. Every status change goes
//! through [`JobStatus::can_move_to`]; the database applies it as `update … where status = $old`, so
//! a racing request finds the row already moved and gets a conflict instead of a lost update.
//!
//! ```text
//! draft -> assessed -> awaiting_payment -> payment_review -> paid -> audit -> queued -> training -> aggregating -> completed
//!                            |                  |                    |                 |
//!                            v                  v                    v                 v
//!                        cancelled      refunded / frozen      changes_requested    failed -> refunded
//! ```
//! Cancelling a job that may have leased shards passes through `cancel_requested`.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobStatus {
    Draft,
    Assessed,
    AwaitingPayment,
    PaymentReview,
    Paid,
    Audit,
    ChangesRequested,
    Queued,
    Training,
    Aggregating,
    Completed,
    Failed,
    Refunded,
    Frozen,
    CancelRequested,
    Cancelled,
}

impl JobStatus {
    pub const ALL: [JobStatus; 16] = [
        JobStatus::Draft,
        JobStatus::Assessed,
        JobStatus::AwaitingPayment,
        JobStatus::PaymentReview,
        JobStatus::Paid,
        JobStatus::Audit,
        JobStatus::ChangesRequested,
        JobStatus::Queued,
        JobStatus::Training,
        JobStatus::Aggregating,
        JobStatus::Completed,
        JobStatus::Failed,
        JobStatus::Refunded,
        JobStatus::Frozen,
        JobStatus::CancelRequested,
        JobStatus::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            JobStatus::Draft => "draft",
            JobStatus::Assessed => "assessed",
            JobStatus::AwaitingPayment => "awaiting_payment",
            JobStatus::PaymentReview => "payment_review",
            JobStatus::Paid => "paid",
            JobStatus::Audit => "audit",
            JobStatus::ChangesRequested => "changes_requested",
            JobStatus::Queued => "queued",
            JobStatus::Training => "training",
            JobStatus::Aggregating => "aggregating",
            JobStatus::Completed => "completed",
            JobStatus::Failed => "failed",
            JobStatus::Refunded => "refunded",
            JobStatus::Frozen => "frozen",
            JobStatus::CancelRequested => "cancel_requested",
            JobStatus::Cancelled => "cancelled",
        }
    }

    pub fn parse(raw: &str) -> Option<JobStatus> {
        Self::ALL.into_iter().find(|s| s.as_str() == raw)
    }

    /// The statuses this one may move to.
    pub fn successors(self) -> &'static [JobStatus] {
        use JobStatus::*;
        match self {
            Draft => &[Assessed, Cancelled],
            Assessed => &[AwaitingPayment, Cancelled],
            AwaitingPayment => &[PaymentReview, Cancelled],
            // Screening decides: paid, refunded (an admin's reject) or frozen (a sanctions hit).
            PaymentReview => &[Paid, Refunded, Frozen],
            // Cancelled directly only when the escrow was returned on chain (a reclaim by the payer);
            // back to payment review when the funding was reorged out.
            Paid => &[Audit, Queued, CancelRequested, Cancelled, PaymentReview],
            Audit => &[Queued, ChangesRequested, CancelRequested, Cancelled, PaymentReview],
            ChangesRequested => &[Audit, CancelRequested, Cancelled, PaymentReview],
            Queued => &[Training, CancelRequested, Cancelled, PaymentReview],
            Training => &[Aggregating, Failed, CancelRequested, Cancelled],
            Aggregating => &[Completed, Failed, Cancelled],
            // Completed but not yet paid out: a reclaim of the escrow still cancels it. An erasure
            // (GDPR Art. 17) trains the affected shards again: back to training, then a new version.
            Completed => &[Cancelled, Training],
            Failed => &[Refunded],
            // A frozen payment goes back to review when its party is delisted; never refunded directly.
            Frozen => &[PaymentReview],
            CancelRequested => &[Cancelled],
            Refunded | Cancelled => &[],
        }
    }

    pub fn can_move_to(self, next: JobStatus) -> bool {
        self.successors().contains(&next)
    }

    pub fn is_terminal(self) -> bool {
        self.successors().is_empty()
    }

    /// How a buyer's cancel proceeds from here: `None` when the job can no longer be cancelled.
    /// Before payment nothing is running, so the job is cancelled at once; afterwards shards may be
    /// leased, so it is `cancel_requested` until they stop.
    pub fn cancel_target(self) -> Option<JobStatus> {
        use JobStatus::*;
        match self {
            Draft | Assessed | AwaitingPayment => Some(Cancelled),
            Paid | Audit | ChangesRequested | Queued | Training => Some(CancelRequested),
            _ => None,
        }
    }

    /// Where the job goes when its unreleased escrow went back to the payer on chain (`Refunded` by
    /// the operator or `Reclaimed` by the payer): nothing is trained or paid out on money that left.
    /// `None` where no escrow can be returned (not funded yet, frozen, or already final).
    pub fn escrow_returned_target(self) -> Option<JobStatus> {
        use JobStatus::*;
        match self {
            PaymentReview | Failed => Some(Refunded),
            CancelRequested | Paid | Audit | ChangesRequested | Queued | Training | Aggregating | Completed => Some(Cancelled),
            Draft | Assessed | AwaitingPayment | Frozen | Refunded | Cancelled => None,
        }
    }

    /// Where the job goes when the funding it was paid with was reorged out of the chain: back to
    /// payment review (never left paid). `None` once training started or the job ended.
    pub fn funding_lost_target(self) -> Option<JobStatus> {
        use JobStatus::*;
        match self {
            Paid | Audit | ChangesRequested | Queued => Some(PaymentReview),
            _ => None,
        }
    }

    /// Human words for pages and mails.
    pub fn label(self) -> &'static str {
        crate::labels::Labels::enforced().label(crate::labels::Vocabulary::JobStates, self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::JobStatus::*;
    use super::*;

    #[test]
    fn every_status_round_trips_through_its_name() {
        for s in JobStatus::ALL {
            assert_eq!(JobStatus::parse(s.as_str()), Some(s));
        }
        assert_eq!(JobStatus::parse("paid "), None);
    }

    #[test]
    fn the_happy_path_of_design_section_2_is_allowed() {
        let path = [Draft, Assessed, AwaitingPayment, PaymentReview, Paid, Audit, Queued, Training, Aggregating, Completed];
        for pair in path.windows(2) {
            assert!(pair[0].can_move_to(pair[1]), "{:?} -> {:?}", pair[0], pair[1]);
        }
        assert!(Paid.can_move_to(Queued), "a job without audit goes straight to the queue");
    }

    #[test]
    fn no_status_skips_payment_or_leaves_a_terminal_state() {
        for s in [Draft, Assessed, AwaitingPayment] {
            assert!(!s.can_move_to(Paid) && !s.can_move_to(Queued) && !s.can_move_to(Training));
        }
        for s in [Refunded, Cancelled] {
            assert!(s.is_terminal());
        }
        assert_eq!(Completed.successors(), &[Cancelled, Training], "a reclaim before release ends it; an erasure retrains shards");
        assert!(!Frozen.can_move_to(Refunded), "a sanctioned party's funds are held, not returned");
        assert!(!Aggregating.can_move_to(CancelRequested));
    }

    #[test]
    fn cancel_is_immediate_before_payment_and_requested_after() {
        assert_eq!(AwaitingPayment.cancel_target(), Some(Cancelled));
        assert_eq!(Assessed.cancel_target(), Some(Cancelled));
        assert_eq!(Paid.cancel_target(), Some(CancelRequested));
        assert_eq!(Training.cancel_target(), Some(CancelRequested));
        assert_eq!(PaymentReview.cancel_target(), None);
        assert_eq!(Completed.cancel_target(), None);
        assert_eq!(Cancelled.cancel_target(), None);
        assert_eq!(Aggregating.cancel_target(), None);
    }

    #[test]
    fn a_returned_escrow_ends_every_funded_job_and_a_lost_funding_goes_back_to_review() {
        for s in JobStatus::ALL {
            if let Some(to) = s.escrow_returned_target() {
                assert!(s.can_move_to(to), "{s:?} -> {to:?}");
                assert!(to.is_terminal());
            }
            if let Some(to) = s.funding_lost_target() {
                assert!(s.can_move_to(to), "{s:?} -> {to:?}");
            }
        }
        for s in [Paid, Audit, ChangesRequested, Queued, Training, Aggregating, Completed, CancelRequested] {
            assert!(s.escrow_returned_target().is_some(), "{s:?} must end when its escrow is reclaimed");
        }
        assert_eq!(Frozen.escrow_returned_target(), None);
        assert_eq!(Queued.funding_lost_target(), Some(PaymentReview));
    }
}
