//! Re-entry from a token: HostileToken calls back into the escrow in the middle of its transfers. The
//! token is even given the operator role, so nothing but the ReentrancyGuard stands in its way.

use alloy::primitives::{Address, Bytes, U256};
use alloy::providers::DynProvider;
use alloy::sol_types::{SolCall, SolError};
use attune_integrations::chain::bindings::{EscrowState, FineTuneEscrow, HostileToken};

use crate::harness::{Chain, event, events, mined};

type Hostile = HostileToken::HostileTokenInstance<DynProvider>;

/// A HostileToken the buyer holds and has approved, with the escrow's operator role.
async fn hostile_token(chain: &Chain) -> Hostile {
    let token = HostileToken::deploy(chain.provider.clone()).await.unwrap();
    mined(token.mint(chain.buyer(), U256::from(100_000_000))).await;
    mined(token.approve(*chain.escrow.address(), U256::MAX).from(chain.buyer())).await;
    let operator_role = chain.escrow.OPERATOR_ROLE().call().await.unwrap();
    mined(chain.escrow.grantRole(operator_role, *token.address())).await;
    token
}

async fn fund_in(chain: &Chain, token: &Hostile, job: u8, amount: u64) -> FineTuneEscrow::Quote {
    let mut quote = chain.quote(job, amount).await;
    quote.token = *token.address();
    chain.fund(&quote).await;
    quote
}

async fn balance(token: &Hostile, who: Address) -> U256 {
    token.balanceOf(who).call().await.unwrap()
}

/// Asserts the token's last nested call was stopped by the guard.
async fn assert_stopped_by_the_guard(token: &Hostile, attempts: u64) {
    assert_eq!(token.reentryAttempts().call().await.unwrap(), U256::from(attempts));
    assert!(!token.lastReentrySucceeded().call().await.unwrap());
    let revert = token.lastReentryRevertData().call().await.unwrap();
    assert!(FineTuneEscrow::ReentrancyGuardReentrantCall::abi_decode(&revert).is_ok(), "the nested call failed otherwise: {revert}");
}

#[tokio::test]
async fn a_release_cannot_be_reentered_to_release_another_job() {
    let chain = Chain::start().await;
    let escrow = *chain.escrow.address();
    let token = hostile_token(&chain).await;
    let first = fund_in(&chain, &token, 40, 1_000_003).await;
    let second = fund_in(&chain, &token, 41, 2_000_000).await;

    let nested = Bytes::from(FineTuneEscrow::releaseCall { jobRef: second.jobRef }.abi_encode());
    mined(token.arm(escrow, nested.clone(), false)).await;
    let receipt = mined(chain.escrow.release(first.jobRef)).await;

    assert_stopped_by_the_guard(&token, 1).await;
    let attempted = event::<HostileToken::ReentryAttempted>(&receipt, *token.address());
    assert_eq!((attempted.target, attempted.succeeded), (escrow, false));
    // The outer release went through exactly once; the second job was not touched.
    assert_eq!(chain.state(first.jobRef).await, EscrowState::Released);
    assert_eq!(chain.state(second.jobRef).await, EscrowState::Funded);
    assert_eq!(events::<FineTuneEscrow::Released>(&receipt, escrow).len(), 1);
    let [a, b, c] = chain.payees();
    assert_eq!(
        [balance(&token, a).await, balance(&token, b).await, balance(&token, c).await],
        [U256::from(700_002), U256::from(200_000), U256::from(100_001)]
    );
    assert_eq!(balance(&token, escrow).await, U256::from(2_000_000));

    // Outside a guarded call the very same call by the token succeeds: only the guard stopped it.
    mined(token.arm(escrow, nested, false)).await;
    mined(token.transfer(chain.stranger(), U256::from(1)).from(chain.buyer())).await;
    assert!(token.lastReentrySucceeded().call().await.unwrap());
    assert_eq!(chain.state(second.jobRef).await, EscrowState::Released);
    assert_eq!(balance(&token, a).await, U256::from(700_002 + 1_400_000));
    assert_eq!(balance(&token, escrow).await, U256::ZERO);
}

#[tokio::test]
async fn a_funding_cannot_be_reentered_to_refund_or_claim() {
    let chain = Chain::start().await;
    let escrow = *chain.escrow.address();
    let token = hostile_token(&chain).await;
    let first = fund_in(&chain, &token, 42, 5_000_000).await;

    mined(token.arm(escrow, Bytes::from(FineTuneEscrow::refundCall { jobRef: first.jobRef }.abi_encode()), false)).await;
    let second = fund_in(&chain, &token, 43, 3_000_000).await;
    assert_stopped_by_the_guard(&token, 1).await;
    assert_eq!(chain.state(first.jobRef).await, EscrowState::Funded);
    assert_eq!(chain.state(second.jobRef).await, EscrowState::Funded);
    assert_eq!(balance(&token, escrow).await, U256::from(8_000_000));
    assert_eq!(balance(&token, chain.buyer()).await, U256::from(100_000_000 - 8_000_000));

    mined(token.arm(escrow, Bytes::from(FineTuneEscrow::claimCall { token: *token.address() }.abi_encode()), false)).await;
    let receipt = mined(chain.escrow.refund(second.jobRef)).await;
    assert_stopped_by_the_guard(&token, 2).await;
    assert_eq!(event::<FineTuneEscrow::Refunded>(&receipt, escrow).amount, U256::from(3_000_000));
    assert_eq!(balance(&token, escrow).await, U256::from(5_000_000));
    assert_eq!(balance(&token, chain.buyer()).await, U256::from(100_000_000 - 5_000_000));
}

#[tokio::test]
async fn a_transfer_that_fails_by_reentering_defers_the_payouts_without_double_paying() {
    let chain = Chain::start().await;
    let escrow = *chain.escrow.address();
    let token = hostile_token(&chain).await;
    let quote = fund_in(&chain, &token, 44, 1_000_003).await;

    // Every payout transfer re-enters (claim) and, stopped by the guard, reverts: each payee's part
    // becomes a claimable balance and the release itself still goes through.
    mined(token.arm(escrow, Bytes::from(FineTuneEscrow::claimCall { token: *token.address() }.abi_encode()), true)).await;
    let receipt = mined(chain.escrow.release(quote.jobRef)).await;
    assert_eq!(chain.state(quote.jobRef).await, EscrowState::Released);
    let deferred = events::<FineTuneEscrow::PayoutDeferred>(&receipt, escrow);
    let parts = [U256::from(700_002), U256::from(200_000), U256::from(100_001)];
    assert_eq!(deferred.iter().map(|d| (d.payee, d.amount)).collect::<Vec<_>>(), chain.payees().into_iter().zip(parts).collect::<Vec<_>>());
    assert_eq!(balance(&token, escrow).await, U256::from(1_000_003));

    mined(token.disarm()).await;
    for (payee, part) in chain.payees().into_iter().zip(parts) {
        assert_eq!(chain.escrow.claimable(*token.address(), payee).call().await.unwrap(), part);
        mined(chain.escrow.claim(*token.address()).from(payee)).await;
        assert_eq!(balance(&token, payee).await, part);
        // Claimed once: the balance is gone.
        crate::harness::reverts_with::<FineTuneEscrow::NothingToClaim, _, _>(chain.escrow.claim(*token.address()).from(payee)).await;
    }
    assert_eq!(balance(&token, escrow).await, U256::ZERO);
}
