//! MockUSDC: six decimals, minting by the minter, and a blacklist that acts like FiatToken's.

use alloy::primitives::U256;
use attune_integrations::chain::bindings::MockUSDC;

use crate::harness::{Chain, event, mined, reverts_with};

#[tokio::test]
async fn it_looks_like_usdc_and_only_the_minter_mints() {
    let chain = Chain::start().await;
    let token = &chain.token;
    assert_eq!(token.name().call().await.unwrap(), "Mock USD Coin");
    assert_eq!(token.symbol().call().await.unwrap(), "USDC");
    assert_eq!(token.decimals().call().await.unwrap(), 6);

    let minter_role = token.MINTER_ROLE().call().await.unwrap();
    let error = reverts_with::<MockUSDC::AccessControlUnauthorizedAccount, _, _>(
        token.mint(chain.stranger(), U256::from(1)).from(chain.stranger()),
    )
    .await;
    assert_eq!((error.account, error.neededRole), (chain.stranger(), minter_role));
    let receipt = mined(token.mint(chain.stranger(), U256::from(5))).await;
    let minted = event::<MockUSDC::Transfer>(&receipt, *token.address());
    assert_eq!((minted.to, minted.value), (chain.stranger(), U256::from(5)));

    let blacklister_role = token.BLACKLISTER_ROLE().call().await.unwrap();
    reverts_with::<MockUSDC::AccessControlUnauthorizedAccount, _, _>(token.blacklist(chain.buyer()).from(chain.stranger())).await;
    reverts_with::<MockUSDC::AccessControlUnauthorizedAccount, _, _>(token.unBlacklist(chain.buyer()).from(chain.stranger())).await;
    assert!(token.hasRole(blacklister_role, chain.operator()).call().await.unwrap());
}

#[tokio::test]
async fn a_blacklisted_account_can_neither_send_receive_approve_nor_spend() {
    let chain = Chain::start().await;
    let token = &chain.token;
    let (listed, other, spender) = (chain.buyer(), chain.second_buyer(), chain.stranger());
    mined(token.approve(spender, U256::from(1_000)).from(other)).await;
    mined(token.approve(other, U256::from(1_000)).from(listed)).await;
    let receipt = mined(token.blacklist(listed)).await;
    assert_eq!(event::<MockUSDC::Blacklisted>(&receipt, *token.address()).account, listed);
    assert!(token.isBlacklisted(listed).call().await.unwrap());
    assert!(!token.isBlacklisted(other).call().await.unwrap());

    let blocked = |error: MockUSDC::AccountBlacklisted| assert_eq!(error.account, listed);
    blocked(reverts_with(token.transfer(other, U256::from(1)).from(listed)).await);
    blocked(reverts_with(token.transfer(listed, U256::from(1)).from(other)).await);
    blocked(reverts_with(token.approve(other, U256::from(1)).from(listed)).await);
    blocked(reverts_with(token.approve(listed, U256::from(1)).from(other)).await);
    // Moving a blacklisted holder's tokens with an allowance given before, or moving tokens to it.
    blocked(reverts_with(token.transferFrom(listed, other, U256::from(1)).from(other)).await);
    blocked(reverts_with(token.transferFrom(other, listed, U256::from(1)).from(spender)).await);
    blocked(reverts_with(token.mint(listed, U256::from(1))).await);
    // A blacklisted spender cannot use an allowance either.
    mined(token.blacklist(spender)).await;
    let error: MockUSDC::AccountBlacklisted = reverts_with(token.transferFrom(other, chain.account(9), U256::from(1)).from(spender)).await;
    assert_eq!(error.account, spender);

    let receipt = mined(token.unBlacklist(listed)).await;
    assert_eq!(event::<MockUSDC::UnBlacklisted>(&receipt, *token.address()).account, listed);
    assert!(!token.isBlacklisted(listed).call().await.unwrap());
    mined(token.transfer(other, U256::from(1)).from(listed)).await;
    mined(token.transferFrom(listed, other, U256::from(1)).from(other)).await;
}
