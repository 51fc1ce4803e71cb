//! Paying out: a blacklisted payee does not block the others and claims later; refunds; who may act.

use alloy::primitives::U256;
use alloy::sol_types::SolValue;
use attune_integrations::chain::bindings::{EscrowState, FineTuneEscrow, MockUSDC};

use crate::harness::{Chain, event, events, mined, reverts_with};

#[tokio::test]
async fn a_blacklisted_payee_gets_a_claimable_balance_and_the_others_are_paid() {
    let chain = Chain::start().await;
    let escrow = *chain.escrow.address();
    let token = *chain.token.address();
    let [a, b, c] = chain.payees();
    let quote = chain.quote(20, 10_000_000).await;
    chain.fund(&quote).await;
    mined(chain.token.blacklist(b)).await;

    let receipt = mined(chain.escrow.release(quote.jobRef)).await;
    assert_eq!(event::<FineTuneEscrow::Released>(&receipt, escrow).amount, U256::from(10_000_000));
    let deferred = event::<FineTuneEscrow::PayoutDeferred>(&receipt, escrow);
    assert_eq!((deferred.jobRef, deferred.payee, deferred.amount), (quote.jobRef, b, U256::from(2_000_000)));
    assert_eq!(chain.balance(a).await, U256::from(7_000_000));
    assert_eq!(chain.balance(b).await, U256::ZERO);
    assert_eq!(chain.balance(c).await, U256::from(1_000_000));
    assert_eq!(chain.balance(escrow).await, U256::from(2_000_000));
    assert_eq!(chain.escrow.claimable(token, b).call().await.unwrap(), U256::from(2_000_000));
    assert_eq!(chain.state(quote.jobRef).await, EscrowState::Released);

    // Still blacklisted: the claim fails on the token and the balance stays.
    let error = reverts_with::<MockUSDC::AccountBlacklisted, _, _>(chain.escrow.claim(token).from(b)).await;
    assert_eq!(error.account, b);
    assert_eq!(chain.escrow.claimable(token, b).call().await.unwrap(), U256::from(2_000_000));

    // Delisted: the payee pulls its part.
    let receipt = mined(chain.token.unBlacklist(b)).await;
    assert_eq!(event::<MockUSDC::UnBlacklisted>(&receipt, token).account, b);
    let receipt = mined(chain.escrow.claim(token).from(b)).await;
    let claimed = event::<FineTuneEscrow::Claimed>(&receipt, escrow);
    assert_eq!((claimed.payee, claimed.token, claimed.amount), (b, token, U256::from(2_000_000)));
    assert_eq!(chain.balance(b).await, U256::from(2_000_000));
    assert_eq!(chain.balance(escrow).await, U256::ZERO);
    assert_eq!(chain.escrow.claimable(token, b).call().await.unwrap(), U256::ZERO);

    // Nothing left to claim, for it or for anyone else.
    let error = reverts_with::<FineTuneEscrow::NothingToClaim, _, _>(chain.escrow.claim(token).from(b)).await;
    assert_eq!((error.token, error.payee), (token, b));
    reverts_with::<FineTuneEscrow::NothingToClaim, _, _>(chain.escrow.claim(token).from(a)).await;
}

#[tokio::test]
async fn deferred_balances_accumulate_across_jobs() {
    let chain = Chain::start().await;
    let token = *chain.token.address();
    let [_, _, c] = chain.payees();
    mined(chain.token.blacklist(c)).await;
    for job in [21, 22] {
        let quote = chain.quote(job, 1_000_001).await;
        chain.fund(&quote).await;
        let receipt = mined(chain.escrow.release(quote.jobRef)).await;
        // The last payee's part carries the rounding remainder.
        assert_eq!(event::<FineTuneEscrow::PayoutDeferred>(&receipt, *chain.escrow.address()).amount, U256::from(100_001));
    }
    assert_eq!(chain.escrow.claimable(token, c).call().await.unwrap(), U256::from(200_002));
    mined(chain.token.unBlacklist(c)).await;
    mined(chain.escrow.claim(token).from(c)).await;
    assert_eq!(chain.balance(c).await, U256::from(200_002));
}

#[tokio::test]
async fn a_refund_returns_everything_to_the_payer() {
    let chain = Chain::start().await;
    let escrow = *chain.escrow.address();
    let before = chain.balance(chain.buyer()).await;
    let quote = chain.quote(23, 4_321_987).await;
    chain.fund(&quote).await;
    assert_eq!(chain.balance(chain.buyer()).await, before - U256::from(4_321_987));

    let receipt = mined(chain.escrow.refund(quote.jobRef)).await;
    let refunded = event::<FineTuneEscrow::Refunded>(&receipt, escrow);
    assert_eq!((refunded.jobRef, refunded.payer, refunded.amount), (quote.jobRef, chain.buyer(), U256::from(4_321_987)));
    assert_eq!(chain.balance(chain.buyer()).await, before);
    assert_eq!(chain.balance(escrow).await, U256::ZERO);
    for payee in chain.payees() {
        assert_eq!(chain.balance(payee).await, U256::ZERO);
    }
    assert_eq!(chain.state(quote.jobRef).await, EscrowState::Refunded);
    let held = chain.escrow.escrowOf(quote.jobRef).call().await.unwrap();
    assert_eq!((held.payer, held.amount, held.state), (chain.buyer(), U256::from(4_321_987), 3));

    // Refunded is final.
    reverts_with::<FineTuneEscrow::EscrowNotFunded, _, _>(chain.escrow.refund(quote.jobRef)).await;
    reverts_with::<FineTuneEscrow::EscrowNotFunded, _, _>(chain.escrow.release(quote.jobRef)).await;
    reverts_with::<FineTuneEscrow::EscrowNotFunded, _, _>(chain.escrow.freeze(quote.jobRef).from(chain.compliance())).await;
}

#[tokio::test]
async fn only_the_operator_releases_and_refunds() {
    let chain = Chain::start().await;
    let quote = chain.quote(24, 1_000_000).await;
    chain.fund(&quote).await;
    let operator_role = chain.escrow.OPERATOR_ROLE().call().await.unwrap();
    for caller in [chain.buyer(), chain.compliance(), chain.payees()[0], chain.stranger()] {
        let error =
            reverts_with::<FineTuneEscrow::AccessControlUnauthorizedAccount, _, _>(chain.escrow.release(quote.jobRef).from(caller)).await;
        assert_eq!((error.account, error.neededRole), (caller, operator_role));
        let error =
            reverts_with::<FineTuneEscrow::AccessControlUnauthorizedAccount, _, _>(chain.escrow.refund(quote.jobRef).from(caller)).await;
        assert_eq!((error.account, error.neededRole), (caller, operator_role));
    }
    assert_eq!(chain.state(quote.jobRef).await, EscrowState::Funded);
}

#[tokio::test]
async fn the_constructor_grants_each_role_to_its_holder() {
    let chain = Chain::start().await;
    let escrow = &chain.escrow;
    let role = |name: &str| alloy::primitives::keccak256(name.abi_encode_packed());
    assert_eq!(escrow.OPERATOR_ROLE().call().await.unwrap(), role("OPERATOR_ROLE"));
    assert_eq!(escrow.COMPLIANCE_ROLE().call().await.unwrap(), role("COMPLIANCE_ROLE"));
    assert_eq!(escrow.PAUSER_ROLE().call().await.unwrap(), role("PAUSER_ROLE"));
    let admin_role = escrow.DEFAULT_ADMIN_ROLE().call().await.unwrap();
    assert!(escrow.hasRole(admin_role, chain.operator()).call().await.unwrap());
    assert!(escrow.hasRole(role("PAUSER_ROLE"), chain.operator()).call().await.unwrap());
    assert!(escrow.hasRole(role("OPERATOR_ROLE"), chain.operator()).call().await.unwrap());
    assert!(escrow.hasRole(role("COMPLIANCE_ROLE"), chain.compliance()).call().await.unwrap());
    assert!(!escrow.hasRole(role("OPERATOR_ROLE"), chain.compliance()).call().await.unwrap());
    assert!(!escrow.hasRole(role("COMPLIANCE_ROLE"), chain.operator()).call().await.unwrap());
    assert_eq!(escrow.reclaimGrace().call().await.unwrap(), crate::harness::GRACE_SECS);
    assert_eq!(
        escrow.QUOTE_TYPEHASH().call().await.unwrap(),
        alloy::primitives::keccak256(
            "Quote(bytes32 jobRef,address buyer,address token,uint256 amount,address[] payees,uint16[] sharesBps,uint64 deadline,bytes32 quoteId)"
        )
    );
    let domain = escrow.eip712Domain().call().await.unwrap();
    assert_eq!((domain.name.as_str(), domain.version.as_str()), ("Attune Escrow", "1"));
    assert_eq!((domain.chainId, domain.verifyingContract), (U256::from(chain.chain_id), *escrow.address()));

    // A role the admin grants works at once (here a second operator).
    let second = chain.stranger();
    let receipt = mined(escrow.grantRole(role("OPERATOR_ROLE"), second)).await;
    assert_eq!(events::<FineTuneEscrow::RoleGranted>(&receipt, *escrow.address()).len(), 1);
    let quote = chain.quote(25, 1_000_000).await;
    chain.fund(&quote).await;
    mined(escrow.refund(quote.jobRef).from(second)).await;
}
