//! One anvil per test with MockUSDC and the escrow deployed from anvil's development accounts, and the
//! helpers the tests share: quotes signed the way the server signs them, mined transactions, refused
//! transactions with their decoded errors, events out of receipts, and the chain's clock.

use std::path::PathBuf;

use alloy::contract::{CallBuilder, CallDecoder, Error as ContractError};
use alloy::eips::BlockId;
use alloy::node_bindings::{Anvil, AnvilInstance};
use alloy::primitives::{Address, B256, Bytes, U256};
use alloy::providers::{DynProvider, Provider, ProviderBuilder};
use alloy::rpc::types::TransactionReceipt;
use alloy::signers::SignerSync;
use alloy::signers::local::PrivateKeySigner;
use alloy::sol_types::{SolError, SolEvent};
use attune_integrations::chain::bindings::{EscrowState, FineTuneEscrow, MockUSDC, escrow_domain, quote_signing_hash};

/// The quote's reclaim grace in these tests: one day.
pub const GRACE_SECS: u64 = 86_400;
/// What each buyer starts with: 1,000,000 USDC.
pub const GRANT: u64 = 1_000_000_000_000;

pub type Escrow = FineTuneEscrow::FineTuneEscrowInstance<DynProvider>;
pub type Usdc = MockUSDC::MockUSDCInstance<DynProvider>;

/// anvil from the npm package `@foundry-rs/anvil-linux-amd64`.
pub fn anvil_binary() -> PathBuf {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil");
    assert!(path.is_file(), "no anvil at {}: run ./scripts/build-contracts (npm ci) first", path.display());
    path
}

/// A fresh chain: account 0 is the admin and operator, 1 compliance, 2 and 6 buyers, 3–5 payees,
/// 7 a key that is not the operator, 8 a stranger.
pub struct Chain {
    /// Kept alive for the test; anvil is killed when it drops.
    _anvil: AnvilInstance,
    pub provider: DynProvider,
    pub chain_id: u64,
    pub signers: Vec<PrivateKeySigner>,
    pub token: Usdc,
    pub escrow: Escrow,
}

impl Chain {
    pub async fn start() -> Self {
        // reqwest is built without a default TLS provider (plain HTTP to anvil still needs one).
        let _ = rustls::crypto::ring::default_provider().install_default();
        let anvil = Anvil::new().path(anvil_binary()).spawn();
        let signers: Vec<PrivateKeySigner> = anvil.keys().iter().map(|key| PrivateKeySigner::from(key.clone())).collect();
        let wallet = anvil.wallet().expect("anvil reports its development keys");
        // Nonces are read from the chain for every transaction: the default cached nonce manager
        // hands out a nonce even when gas estimation then refuses the call, and the account's next
        // transaction would wait forever behind the gap.
        let provider = ProviderBuilder::new()
            .disable_recommended_fillers()
            .with_gas_estimation()
            .with_simple_nonce_management()
            .fetch_chain_id()
            .wallet(wallet)
            .connect_http(anvil.endpoint_url())
            .erased();
        let chain_id = provider.get_chain_id().await.unwrap();
        let token = MockUSDC::deploy(provider.clone()).await.unwrap();
        let admin = signers[0].address();
        let escrow = FineTuneEscrow::deploy(provider.clone(), admin, admin, signers[1].address(), GRACE_SECS).await.unwrap();
        let chain = Self { _anvil: anvil, provider, chain_id, signers, token, escrow };
        for buyer in [chain.buyer(), chain.second_buyer()] {
            mined(chain.token.mint(buyer, U256::from(GRANT))).await;
            mined(chain.token.approve(*chain.escrow.address(), U256::MAX).from(buyer)).await;
        }
        chain
    }

    pub fn account(&self, index: usize) -> Address {
        self.signers[index].address()
    }

    pub fn operator(&self) -> Address {
        self.account(0)
    }

    pub fn compliance(&self) -> Address {
        self.account(1)
    }

    pub fn buyer(&self) -> Address {
        self.account(2)
    }

    pub fn payees(&self) -> [Address; 3] {
        [self.account(3), self.account(4), self.account(5)]
    }

    pub fn second_buyer(&self) -> Address {
        self.account(6)
    }

    pub fn not_operator(&self) -> &PrivateKeySigner {
        &self.signers[7]
    }

    pub fn stranger(&self) -> Address {
        self.account(8)
    }

    /// A quote from the buyer for `amount` split 70/20/10 between the three payees, fundable for an hour.
    pub async fn quote(&self, job: u8, amount: u64) -> FineTuneEscrow::Quote {
        FineTuneEscrow::Quote {
            jobRef: job_ref(job),
            buyer: self.buyer(),
            token: *self.token.address(),
            amount: U256::from(amount),
            payees: self.payees().to_vec(),
            sharesBps: vec![7000, 2000, 1000],
            deadline: self.now().await + 3600,
            quoteId: quote_id(job, 1),
        }
    }

    /// The operator's signature of `quote`, made as the server makes it.
    pub fn sign(&self, quote: &FineTuneEscrow::Quote) -> Bytes {
        sign_with(&self.signers[0], quote, self.chain_id, *self.escrow.address())
    }

    /// Funds `quote` from its buyer with the operator's signature.
    pub async fn fund(&self, quote: &FineTuneEscrow::Quote) -> TransactionReceipt {
        mined(self.escrow.fund(quote.clone(), self.sign(quote)).from(quote.buyer)).await
    }

    pub async fn balance(&self, who: Address) -> U256 {
        self.token.balanceOf(who).call().await.unwrap()
    }

    pub async fn state(&self, job: B256) -> EscrowState {
        let escrow = self.escrow.escrowOf(job).call().await.unwrap();
        EscrowState::try_from(escrow.state).unwrap()
    }

    /// The latest block's timestamp.
    pub async fn now(&self) -> u64 {
        self.provider.get_block(BlockId::latest()).await.unwrap().unwrap().header.timestamp
    }

    /// Moves the chain's clock forward and mines a block at the new time.
    pub async fn advance(&self, secs: u64) {
        let _: serde_json::Value = self.provider.raw_request("evm_increaseTime".into(), (secs,)).await.unwrap();
        let _: serde_json::Value = self.provider.raw_request("evm_mine".into(), ()).await.unwrap();
    }
}

pub fn job_ref(job: u8) -> B256 {
    B256::repeat_byte(job)
}

/// The `n`th quote's id for job `job`.
pub fn quote_id(job: u8, n: u8) -> B256 {
    alloy::primitives::keccak256([b'q', job, n])
}

/// Signs `quote` for the escrow at `escrow` with `signer`: the EIP-712 digest from the bindings,
/// a 65-byte signature (r, s, v = 27/28).
pub fn sign_with(signer: &PrivateKeySigner, quote: &FineTuneEscrow::Quote, chain_id: u64, escrow: Address) -> Bytes {
    let digest = quote_signing_hash(quote, chain_id, escrow);
    assert_eq!(digest, alloy::sol_types::SolStruct::eip712_signing_hash(quote, &escrow_domain(chain_id, escrow)));
    Bytes::from(signer.sign_hash_sync(&digest).unwrap().as_bytes())
}

/// Sends the call, waits for its receipt and checks it succeeded.
pub async fn mined<P: Provider, D: CallDecoder>(call: CallBuilder<P, D>) -> TransactionReceipt {
    let pending = call.send().await.unwrap_or_else(|e| panic!("the transaction was refused: {e}"));
    let receipt = pending.get_receipt().await.unwrap();
    assert!(receipt.status(), "the transaction reverted: {receipt:?}");
    receipt
}

/// Sends the call and returns why the chain refused it (anvil refuses a reverting call at gas estimation).
pub async fn refused<P: Provider, D: CallDecoder>(call: CallBuilder<P, D>) -> ContractError {
    match call.send().await {
        Ok(pending) => {
            let receipt = pending.get_receipt().await.unwrap();
            panic!("the transaction went through: {receipt:?}")
        }
        Err(error) => error,
    }
}

/// Sends the call and decodes its revert as the custom error `E`.
pub async fn reverts_with<E: SolError + std::fmt::Debug, P: Provider, D: CallDecoder>(call: CallBuilder<P, D>) -> E {
    let error = refused(call).await;
    error.as_decoded_error::<E>().unwrap_or_else(|| panic!("expected {}, got {error}", E::SIGNATURE))
}

/// The `E` events `emitter` logged in `receipt`, in order.
pub fn events<E: SolEvent>(receipt: &TransactionReceipt, emitter: Address) -> Vec<E> {
    receipt
        .inner
        .logs()
        .iter()
        .filter(|log| log.address() == emitter && log.topic0() == Some(&E::SIGNATURE_HASH))
        .map(|log| log.log_decode::<E>().unwrap().inner.data)
        .collect()
}

/// The one `E` event `emitter` logged in `receipt`.
pub fn event<E: SolEvent>(receipt: &TransactionReceipt, emitter: Address) -> E {
    let mut found = events::<E>(receipt, emitter);
    assert_eq!(found.len(), 1, "expected one {} event", E::SIGNATURE);
    found.remove(0)
}
