//! The contracts (contracts/src, compiled into contracts/out) against a real anvil, one per test:
//! the escrow's funding, release, refund, holds, reclaim, pause and reentrancy guard, the registry and
//! the development USDC. Needs `./scripts/build-contracts` (npm ci) for anvil from node_modules.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod harness;

mod escrow_funding;
mod escrow_holds;
mod escrow_payouts;
mod mock_usdc;
mod reentrancy;
mod registry;
