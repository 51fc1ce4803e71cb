//! Holds on funds: the compliance freeze, the payer's reclaim after the deadline and grace, and the
//! global pause (which the compliance hold does not depend on).

use alloy::primitives::U256;
use attune_integrations::chain::bindings::{EscrowState, FineTuneEscrow};

use crate::harness::{Chain, GRACE_SECS, event, mined, reverts_with};

#[tokio::test]
async fn a_freeze_blocks_release_refund_and_reclaim_until_unfrozen() {
    let chain = Chain::start().await;
    let escrow = *chain.escrow.address();
    let quote = chain.quote(30, 2_500_000).await;
    chain.fund(&quote).await;
    let job = quote.jobRef;

    let receipt = mined(chain.escrow.freeze(job).from(chain.compliance())).await;
    assert_eq!(event::<FineTuneEscrow::Frozen>(&receipt, escrow).jobRef, job);
    assert_eq!(chain.state(job).await, EscrowState::Frozen);
    let held = chain.escrow.escrowOf(job).call().await.unwrap();
    assert_eq!((held.payer, held.amount, held.state), (chain.buyer(), U256::from(2_500_000), 4));

    // Frozen funds move for nobody, not even the payer after the deadline and grace.
    chain.advance(3600 + GRACE_SECS + 1).await;
    assert_eq!(reverts_with::<FineTuneEscrow::EscrowNotFunded, _, _>(chain.escrow.release(job)).await.jobRef, job);
    reverts_with::<FineTuneEscrow::EscrowNotFunded, _, _>(chain.escrow.refund(job)).await;
    reverts_with::<FineTuneEscrow::EscrowNotFunded, _, _>(chain.escrow.reclaim(job).from(chain.buyer())).await;
    reverts_with::<FineTuneEscrow::EscrowNotFunded, _, _>(chain.escrow.freeze(job).from(chain.compliance())).await;
    assert_eq!(chain.balance(escrow).await, U256::from(2_500_000));

    let receipt = mined(chain.escrow.unfreeze(job).from(chain.compliance())).await;
    assert_eq!(event::<FineTuneEscrow::Unfrozen>(&receipt, escrow).jobRef, job);
    assert_eq!(chain.state(job).await, EscrowState::Funded);
    assert_eq!(
        reverts_with::<FineTuneEscrow::EscrowNotFrozen, _, _>(chain.escrow.unfreeze(job).from(chain.compliance())).await.jobRef,
        job
    );

    // Unfrozen, it can be refunded (or released, or reclaimed) again.
    mined(chain.escrow.refund(job)).await;
    assert_eq!(chain.state(job).await, EscrowState::Refunded);
}

#[tokio::test]
async fn only_compliance_freezes_and_unfreezes() {
    let chain = Chain::start().await;
    let quote = chain.quote(31, 1_000_000).await;
    chain.fund(&quote).await;
    let compliance_role = chain.escrow.COMPLIANCE_ROLE().call().await.unwrap();
    for caller in [chain.operator(), chain.buyer(), chain.stranger()] {
        let error =
            reverts_with::<FineTuneEscrow::AccessControlUnauthorizedAccount, _, _>(chain.escrow.freeze(quote.jobRef).from(caller)).await;
        assert_eq!((error.account, error.neededRole), (caller, compliance_role));
    }
    mined(chain.escrow.freeze(quote.jobRef).from(chain.compliance())).await;
    for caller in [chain.operator(), chain.buyer(), chain.stranger()] {
        reverts_with::<FineTuneEscrow::AccessControlUnauthorizedAccount, _, _>(chain.escrow.unfreeze(quote.jobRef).from(caller)).await;
    }
    assert_eq!(chain.state(quote.jobRef).await, EscrowState::Frozen);
}

#[tokio::test]
async fn the_payer_reclaims_after_the_deadline_and_grace_and_nobody_else_does() {
    let chain = Chain::start().await;
    let escrow = *chain.escrow.address();
    let before = chain.balance(chain.buyer()).await;
    let quote = chain.quote(32, 3_333_333).await;
    chain.fund(&quote).await;
    let job = quote.jobRef;
    let available_at = U256::from(quote.deadline + GRACE_SECS);

    let early = reverts_with::<FineTuneEscrow::ReclaimTooEarly, _, _>(chain.escrow.reclaim(job).from(chain.buyer())).await;
    assert_eq!(early.availableAt, available_at);
    // Past the deadline but inside the grace: still too early.
    chain.advance(3600 + GRACE_SECS / 2).await;
    reverts_with::<FineTuneEscrow::ReclaimTooEarly, _, _>(chain.escrow.reclaim(job).from(chain.buyer())).await;

    chain.advance(GRACE_SECS).await;
    for other in [chain.operator(), chain.payees()[0], chain.second_buyer()] {
        let error = reverts_with::<FineTuneEscrow::NotPayer, _, _>(chain.escrow.reclaim(job).from(other)).await;
        assert_eq!(error.caller, other);
    }
    let receipt = mined(chain.escrow.reclaim(job).from(chain.buyer())).await;
    let reclaimed = event::<FineTuneEscrow::Reclaimed>(&receipt, escrow);
    assert_eq!((reclaimed.jobRef, reclaimed.payer, reclaimed.amount), (job, chain.buyer(), U256::from(3_333_333)));
    assert_eq!(chain.balance(chain.buyer()).await, before);
    assert_eq!(chain.balance(escrow).await, U256::ZERO);
    assert_eq!(chain.state(job).await, EscrowState::Reclaimed);
    let held = chain.escrow.escrowOf(job).call().await.unwrap();
    assert_eq!(held.state, 5);

    // Reclaimed is final.
    reverts_with::<FineTuneEscrow::EscrowNotFunded, _, _>(chain.escrow.reclaim(job).from(chain.buyer())).await;
    reverts_with::<FineTuneEscrow::EscrowNotFunded, _, _>(chain.escrow.release(job)).await;
}

#[tokio::test]
async fn a_released_escrow_cannot_be_reclaimed() {
    let chain = Chain::start().await;
    let quote = chain.quote(33, 1_000_000).await;
    chain.fund(&quote).await;
    mined(chain.escrow.release(quote.jobRef)).await;
    chain.advance(3600 + GRACE_SECS + 1).await;
    reverts_with::<FineTuneEscrow::EscrowNotFunded, _, _>(chain.escrow.reclaim(quote.jobRef).from(chain.buyer())).await;
}

#[tokio::test]
async fn a_pause_stops_money_moving_but_not_the_compliance_hold() {
    let chain = Chain::start().await;
    let escrow = *chain.escrow.address();
    let token = *chain.token.address();
    let funded = chain.quote(34, 1_000_000).await;
    chain.fund(&funded).await;
    let reclaimable = chain.quote(35, 1_000_000).await;
    chain.fund(&reclaimable).await;
    // A deferred payout, so there is something to claim.
    let [_, b, _] = chain.payees();
    mined(chain.token.blacklist(b)).await;
    let deferred = chain.quote(36, 1_000_000).await;
    chain.fund(&deferred).await;
    mined(chain.escrow.release(deferred.jobRef)).await;
    mined(chain.token.unBlacklist(b)).await;
    chain.advance(3600 + GRACE_SECS + 1).await;
    let fresh = chain.quote(37, 1_000_000).await;

    let pauser_role = chain.escrow.PAUSER_ROLE().call().await.unwrap();
    let error = reverts_with::<FineTuneEscrow::AccessControlUnauthorizedAccount, _, _>(chain.escrow.pause().from(chain.compliance())).await;
    assert_eq!((error.account, error.neededRole), (chain.compliance(), pauser_role));
    let receipt = mined(chain.escrow.pause()).await;
    assert_eq!(event::<FineTuneEscrow::Paused>(&receipt, escrow).account, chain.operator());
    assert!(chain.escrow.paused().call().await.unwrap());

    reverts_with::<FineTuneEscrow::EnforcedPause, _, _>(chain.escrow.fund(fresh.clone(), chain.sign(&fresh)).from(chain.buyer())).await;
    reverts_with::<FineTuneEscrow::EnforcedPause, _, _>(chain.escrow.release(funded.jobRef)).await;
    reverts_with::<FineTuneEscrow::EnforcedPause, _, _>(chain.escrow.refund(funded.jobRef)).await;
    reverts_with::<FineTuneEscrow::EnforcedPause, _, _>(chain.escrow.reclaim(reclaimable.jobRef).from(chain.buyer())).await;
    reverts_with::<FineTuneEscrow::EnforcedPause, _, _>(chain.escrow.claim(token).from(b)).await;

    // The compliance hold works while paused, both ways.
    let receipt = mined(chain.escrow.freeze(funded.jobRef).from(chain.compliance())).await;
    assert_eq!(event::<FineTuneEscrow::Frozen>(&receipt, escrow).jobRef, funded.jobRef);
    mined(chain.escrow.unfreeze(funded.jobRef).from(chain.compliance())).await;
    mined(chain.escrow.freeze(funded.jobRef).from(chain.compliance())).await;
    assert_eq!(chain.state(funded.jobRef).await, EscrowState::Frozen);

    let receipt = mined(chain.escrow.unpause()).await;
    assert_eq!(event::<FineTuneEscrow::Unpaused>(&receipt, escrow).account, chain.operator());
    assert_eq!(chain.state(funded.jobRef).await, EscrowState::Frozen);
    mined(chain.escrow.reclaim(reclaimable.jobRef).from(chain.buyer())).await;
    mined(chain.escrow.claim(token).from(b)).await;
    mined(chain.escrow.fund(fresh.clone(), chain.sign(&fresh)).from(chain.buyer())).await;
    mined(chain.escrow.release(fresh.jobRef)).await;
    assert_eq!(chain.state(fresh.jobRef).await, EscrowState::Released);
}
