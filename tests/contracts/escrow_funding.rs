//! Funding: the happy path with an exact three-way release, and every way a quote is refused.

use alloy::primitives::{Address, B256, Bytes, U256};
use attune_integrations::chain::bindings::{EscrowState, FineTuneEscrow, HostileToken, MockUSDC};

use crate::harness::{Chain, event, events, job_ref, mined, quote_id, refused, reverts_with, sign_with};

#[tokio::test]
async fn a_funded_quote_is_released_in_three_parts_that_sum_exactly() {
    let chain = Chain::start().await;
    let escrow = *chain.escrow.address();
    // 1,000,003 is not divisible by 10,000: 70% and 20% round down, the last payee gets the rest.
    let quote = chain.quote(1, 1_000_003).await;
    let job = quote.jobRef;
    assert_eq!(chain.state(job).await, EscrowState::None);
    assert!(!chain.escrow.isQuoteUsed(quote.quoteId).call().await.unwrap());
    let buyer_before = chain.balance(chain.buyer()).await;

    // The digest the contract computes is the one the bindings sign.
    let on_chain = chain.escrow.quoteDigest(quote.clone()).call().await.unwrap();
    assert_eq!(on_chain, attune_integrations::chain::bindings::quote_signing_hash(&quote, chain.chain_id, escrow));

    let receipt = chain.fund(&quote).await;
    let funded = event::<FineTuneEscrow::Funded>(&receipt, escrow);
    assert_eq!(
        (funded.jobRef, funded.payer, funded.token, funded.amount, funded.quoteId),
        (job, chain.buyer(), *chain.token.address(), U256::from(1_000_003), quote.quoteId)
    );
    assert_eq!(chain.balance(chain.buyer()).await, buyer_before - U256::from(1_000_003));
    assert_eq!(chain.balance(escrow).await, U256::from(1_000_003));
    assert_eq!(chain.state(job).await, EscrowState::Funded);
    let held = chain.escrow.escrowOf(job).call().await.unwrap();
    assert_eq!((held.payer, held.amount, held.state), (chain.buyer(), U256::from(1_000_003), 1));
    assert!(chain.escrow.isQuoteUsed(quote.quoteId).call().await.unwrap());
    let terms = chain.escrow.termsOf(job).call().await.unwrap();
    assert_eq!(
        (terms.token, terms.deadline, terms.payees, terms.sharesBps),
        (quote.token, quote.deadline, quote.payees.clone(), quote.sharesBps.clone())
    );

    let receipt = mined(chain.escrow.release(job)).await;
    let released = event::<FineTuneEscrow::Released>(&receipt, escrow);
    assert_eq!((released.jobRef, released.amount), (job, U256::from(1_000_003)));
    assert!(events::<FineTuneEscrow::PayoutDeferred>(&receipt, escrow).is_empty());
    let [a, b, c] = chain.payees();
    let parts = [chain.balance(a).await, chain.balance(b).await, chain.balance(c).await];
    assert_eq!(parts, [U256::from(700_002), U256::from(200_000), U256::from(100_001)]);
    assert_eq!(parts.iter().copied().sum::<U256>(), U256::from(1_000_003));
    let transfers = events::<MockUSDC::Transfer>(&receipt, *chain.token.address());
    assert_eq!(
        transfers.iter().map(|t| (t.from, t.to, t.value)).collect::<Vec<_>>(),
        vec![(escrow, a, parts[0]), (escrow, b, parts[1]), (escrow, c, parts[2])]
    );
    assert_eq!(chain.balance(escrow).await, U256::ZERO);
    assert_eq!(chain.state(job).await, EscrowState::Released);

    // Released is final.
    let again = reverts_with::<FineTuneEscrow::EscrowNotFunded, _, _>(chain.escrow.release(job)).await;
    assert_eq!(again.jobRef, job);
}

#[tokio::test]
async fn a_quote_signed_by_anyone_but_the_operator_is_refused() {
    let chain = Chain::start().await;
    let quote = chain.quote(2, 5_000_000).await;
    let forged = sign_with(chain.not_operator(), &quote, chain.chain_id, *chain.escrow.address());
    let error =
        reverts_with::<FineTuneEscrow::InvalidOperatorSignature, _, _>(chain.escrow.fund(quote.clone(), forged).from(chain.buyer())).await;
    assert_eq!(error.recovered, chain.not_operator().address());

    // A buyer who edits a signed quote (here: a lower amount) no longer has the operator's signature.
    let signature = chain.sign(&quote);
    let mut cheaper = quote.clone();
    cheaper.amount = U256::from(1);
    let error =
        reverts_with::<FineTuneEscrow::InvalidOperatorSignature, _, _>(chain.escrow.fund(cheaper, signature.clone()).from(chain.buyer()))
            .await;
    assert_ne!(error.recovered, chain.operator());

    // The same quote signed for another escrow (another domain) is refused too.
    let elsewhere = sign_with(&chain.signers[0], &quote, chain.chain_id, Address::repeat_byte(0xee));
    reverts_with::<FineTuneEscrow::InvalidOperatorSignature, _, _>(chain.escrow.fund(quote.clone(), elsewhere).from(chain.buyer())).await;

    // Not a signature at all.
    let error = reverts_with::<FineTuneEscrow::InvalidOperatorSignature, _, _>(
        chain.escrow.fund(quote.clone(), Bytes::from(vec![7u8; 64])).from(chain.buyer()),
    )
    .await;
    assert_eq!(error.recovered, Address::ZERO);

    assert_eq!(chain.state(quote.jobRef).await, EscrowState::None);
    mined(chain.escrow.fund(quote.clone(), signature).from(chain.buyer())).await;
}

#[tokio::test]
async fn a_quote_funds_once_and_a_job_is_funded_once() {
    let chain = Chain::start().await;
    let quote = chain.quote(3, 2_000_000).await;
    chain.fund(&quote).await;

    let replay =
        reverts_with::<FineTuneEscrow::QuoteAlreadyUsed, _, _>(chain.escrow.fund(quote.clone(), chain.sign(&quote)).from(chain.buyer()))
            .await;
    assert_eq!(replay.quoteId, quote.quoteId);

    // A second, validly signed quote for the same job is refused as well.
    let mut second = quote.clone();
    second.quoteId = quote_id(3, 2);
    let refused_job =
        reverts_with::<FineTuneEscrow::JobAlreadyFunded, _, _>(chain.escrow.fund(second.clone(), chain.sign(&second)).from(chain.buyer()))
            .await;
    assert_eq!(refused_job.jobRef, quote.jobRef);

    // Once released, still not fundable again.
    mined(chain.escrow.release(quote.jobRef)).await;
    reverts_with::<FineTuneEscrow::JobAlreadyFunded, _, _>(chain.escrow.fund(second.clone(), chain.sign(&second)).from(chain.buyer()))
        .await;
    assert!(!chain.escrow.isQuoteUsed(second.quoteId).call().await.unwrap());
}

#[tokio::test]
async fn an_expired_quote_is_refused() {
    let chain = Chain::start().await;
    let mut quote = chain.quote(4, 1_000_000).await;
    quote.deadline = chain.now().await - 1;
    let error =
        reverts_with::<FineTuneEscrow::QuoteExpired, _, _>(chain.escrow.fund(quote.clone(), chain.sign(&quote)).from(chain.buyer())).await;
    assert_eq!(error.deadline, quote.deadline);

    // A live quote stops being fundable once its deadline passes.
    let live = chain.quote(5, 1_000_000).await;
    chain.advance(3601).await;
    reverts_with::<FineTuneEscrow::QuoteExpired, _, _>(chain.escrow.fund(live.clone(), chain.sign(&live)).from(chain.buyer())).await;
}

#[tokio::test]
async fn only_the_quoted_buyer_funds() {
    let chain = Chain::start().await;
    let quote = chain.quote(6, 1_000_000).await;
    let error =
        reverts_with::<FineTuneEscrow::NotBuyer, _, _>(chain.escrow.fund(quote.clone(), chain.sign(&quote)).from(chain.second_buyer()))
            .await;
    assert_eq!(error.caller, chain.second_buyer());
}

#[tokio::test]
async fn the_escrow_pulls_exactly_the_quoted_amount() {
    let chain = Chain::start().await;
    let escrow = *chain.escrow.address();
    let quote = chain.quote(7, 3_000_000).await;

    // An allowance below the amount: the token's own error comes back through SafeERC20.
    mined(chain.token.approve(escrow, U256::from(2_999_999)).from(chain.buyer())).await;
    let error = reverts_with::<MockUSDC::ERC20InsufficientAllowance, _, _>(
        chain.escrow.fund(quote.clone(), chain.sign(&quote)).from(chain.buyer()),
    )
    .await;
    assert_eq!((error.spender, error.allowance, error.needed), (escrow, U256::from(2_999_999), U256::from(3_000_000)));

    // A balance below the amount.
    mined(chain.token.approve(escrow, U256::MAX).from(chain.buyer())).await;
    let mut rich = quote.clone();
    rich.amount = U256::from(crate::harness::GRANT + 1);
    reverts_with::<MockUSDC::ERC20InsufficientBalance, _, _>(chain.escrow.fund(rich.clone(), chain.sign(&rich)).from(chain.buyer())).await;
    assert_eq!(chain.state(quote.jobRef).await, EscrowState::None);

    // A token that delivers less than it was asked to move (fee on transfer).
    let skimming = HostileToken::deploy(chain.provider.clone()).await.unwrap();
    mined(skimming.mint(chain.buyer(), U256::from(10_000_000))).await;
    mined(skimming.approve(escrow, U256::MAX).from(chain.buyer())).await;
    mined(skimming.setSkim(U256::from(1))).await;
    let mut skimmed = chain.quote(8, 3_000_000).await;
    skimmed.token = *skimming.address();
    let error = reverts_with::<FineTuneEscrow::WrongAmountReceived, _, _>(
        chain.escrow.fund(skimmed.clone(), chain.sign(&skimmed)).from(chain.buyer()),
    )
    .await;
    assert_eq!((error.expected, error.received), (U256::from(3_000_000), U256::from(2_999_999)));
    assert_eq!(chain.state(skimmed.jobRef).await, EscrowState::None);
    assert!(!chain.escrow.isQuoteUsed(skimmed.quoteId).call().await.unwrap());

    // A token address without code.
    let mut nowhere = chain.quote(9, 1_000_000).await;
    nowhere.token = Address::repeat_byte(0x42);
    let error = reverts_with::<FineTuneEscrow::TokenNotContract, _, _>(
        chain.escrow.fund(nowhere.clone(), chain.sign(&nowhere)).from(chain.buyer()),
    )
    .await;
    assert_eq!(error.token, nowhere.token);
}

#[tokio::test]
async fn a_malformed_split_is_refused_even_when_signed() {
    let chain = Chain::start().await;
    let base = chain.quote(10, 1_000_000).await;
    let fund = |quote: FineTuneEscrow::Quote| {
        let signature = chain.sign(&quote);
        chain.escrow.fund(quote, signature).from(chain.buyer())
    };

    let mut short = base.clone();
    short.sharesBps = vec![7000, 2000, 999];
    assert_eq!(reverts_with::<FineTuneEscrow::SharesMustSumTo10000, _, _>(fund(short)).await.sum, U256::from(9999));

    let mut over = base.clone();
    over.sharesBps = vec![7000, 2000, 1001];
    assert_eq!(reverts_with::<FineTuneEscrow::SharesMustSumTo10000, _, _>(fund(over)).await.sum, U256::from(10_001));

    let mut mismatched = base.clone();
    mismatched.sharesBps = vec![8000, 2000];
    let error = reverts_with::<FineTuneEscrow::InvalidPayeeCount, _, _>(fund(mismatched)).await;
    assert_eq!((error.payees, error.shares), (U256::from(3), U256::from(2)));

    let mut nobody = base.clone();
    nobody.payees = vec![];
    nobody.sharesBps = vec![];
    reverts_with::<FineTuneEscrow::InvalidPayeeCount, _, _>(fund(nobody)).await;

    let mut zero_payee = base.clone();
    zero_payee.payees[1] = Address::ZERO;
    assert_eq!(reverts_with::<FineTuneEscrow::ZeroPayee, _, _>(fund(zero_payee)).await.index, U256::from(1));

    let mut nothing = base.clone();
    nothing.amount = U256::ZERO;
    assert_eq!(reverts_with::<FineTuneEscrow::InvalidAmount, _, _>(fund(nothing)).await.amount, U256::ZERO);

    assert_eq!(chain.state(base.jobRef).await, EscrowState::None);
    mined(fund(base)).await;
}

#[tokio::test]
async fn a_blacklisted_buyer_cannot_fund() {
    let chain = Chain::start().await;
    let quote = chain.quote(11, 1_000_000).await;
    let receipt = mined(chain.token.blacklist(chain.buyer())).await;
    assert_eq!(event::<MockUSDC::Blacklisted>(&receipt, *chain.token.address()).account, chain.buyer());
    let error =
        reverts_with::<FineTuneEscrow::PayerBlacklisted, _, _>(chain.escrow.fund(quote.clone(), chain.sign(&quote)).from(chain.buyer()))
            .await;
    assert_eq!(error.payer, chain.buyer());
    assert_eq!(chain.state(quote.jobRef).await, EscrowState::None);

    mined(chain.token.unBlacklist(chain.buyer())).await;
    chain.fund(&quote).await;
    assert_eq!(chain.state(quote.jobRef).await, EscrowState::Funded);
}

#[tokio::test]
async fn an_unknown_job_reports_none_and_cannot_be_acted_on() {
    let chain = Chain::start().await;
    let job = job_ref(12);
    let held = chain.escrow.escrowOf(job).call().await.unwrap();
    assert_eq!((held.payer, held.amount, held.state), (Address::ZERO, U256::ZERO, 0));
    reverts_with::<FineTuneEscrow::EscrowNotFunded, _, _>(chain.escrow.release(job)).await;
    reverts_with::<FineTuneEscrow::EscrowNotFunded, _, _>(chain.escrow.refund(job)).await;
    reverts_with::<FineTuneEscrow::EscrowNotFunded, _, _>(chain.escrow.reclaim(job).from(chain.buyer())).await;
    reverts_with::<FineTuneEscrow::EscrowNotFunded, _, _>(chain.escrow.freeze(job).from(chain.compliance())).await;
    reverts_with::<FineTuneEscrow::EscrowNotFrozen, _, _>(chain.escrow.unfreeze(job).from(chain.compliance())).await;
    // A refused call is a refusal, not a silent success.
    let error = refused(chain.escrow.release(B256::ZERO)).await;
    assert!(error.as_revert_data().is_some());
}
