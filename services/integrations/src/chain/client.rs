//! The marketplace's view of the chain: the contracts' addresses, the operator's signer (quotes
//! and transactions), reads of the escrow, its logs, and the operator's transactions, sent one at a
//! time so nonces never collide.

use std::str::FromStr;
use std::sync::Arc;

use alloy::network::EthereumWallet;
use alloy::primitives::{Address, B256, Signature, U256};
use alloy::providers::{DynProvider, Provider, ProviderBuilder};
use alloy::rpc::types::{Filter, Log};
use alloy::signers::SignerSync;
use alloy::signers::local::PrivateKeySigner;
use alloy::sol_types::{SolEvent, SolEventInterface, SolStruct};
use anyhow::Context;
use attune_domain::escrow::{EscrowEvent, EscrowState};
use serde::{Deserialize, Serialize};
use tokio::sync::Mutex;

use super::bindings::{FineTuneEscrow, MockUSDC, ProvenanceRegistry, escrow_domain};

/// The operator's key: it signs quotes and sends the operator's transactions.
#[derive(Clone)]
pub struct OperatorKey(PrivateKeySigner);

impl OperatorKey {
    /// From its hex form (`0x` optional).
    pub fn from_hex(hex: &str) -> anyhow::Result<Self> {
        Ok(Self(PrivateKeySigner::from_str(hex.trim()).map_err(|_| anyhow::anyhow!("not a private key"))?))
    }

    /// The embedded development chain's operator (anvil's account 0).
    pub fn development() -> Self {
        #[expect(clippy::expect_used, reason = "a constant key that parses")]
        Self(PrivateKeySigner::from_str(super::deployment::DEV_OPERATOR_KEY).expect("the development key parses"))
    }

    pub fn address(&self) -> Address {
        self.0.address()
    }

    pub(crate) fn signer(&self) -> &PrivateKeySigner {
        &self.0
    }
}

impl std::fmt::Debug for OperatorKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "OperatorKey({})", self.0.address())
    }
}

/// The chain id the RPC endpoint at `rpc_url` reports.
pub async fn chain_id_at(rpc_url: &str) -> anyhow::Result<u64> {
    crate::install_crypto_provider();
    let url: reqwest::Url = rpc_url.parse().with_context(|| format!("the chain RPC URL {rpc_url} is not a URL"))?;
    ProviderBuilder::new().connect_http(url).get_chain_id().await.context("the chain RPC does not answer")
}

/// An escrow as `escrowOf` reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EscrowOf {
    pub payer: Address,
    pub amount: U256,
    pub state: EscrowState,
}

/// One escrow event and where it sits on the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EscrowLog {
    pub tx_hash: B256,
    pub log_index: u64,
    pub block_number: u64,
    pub block_hash: B256,
    pub event: EscrowEvent,
}

impl EscrowLog {
    fn decode(log: &Log) -> Option<Self> {
        use FineTuneEscrow::FineTuneEscrowEvents as Events;
        let (Some(tx_hash), Some(log_index), Some(block_number), Some(block_hash)) =
            (log.transaction_hash, log.log_index, log.block_number, log.block_hash)
        else {
            return None;
        };
        let event = match Events::decode_raw_log(log.topics(), &log.data().data).ok()? {
            Events::Funded(e) => {
                EscrowEvent::Funded { job_ref: e.jobRef, payer: e.payer, token: e.token, amount: e.amount, quote_id: e.quoteId }
            }
            Events::Released(e) => EscrowEvent::Released { job_ref: e.jobRef, amount: e.amount },
            Events::Refunded(e) => EscrowEvent::Refunded { job_ref: e.jobRef, payer: e.payer, amount: e.amount },
            Events::Frozen(e) => EscrowEvent::Frozen { job_ref: e.jobRef },
            Events::Unfrozen(e) => EscrowEvent::Unfrozen { job_ref: e.jobRef },
            Events::Reclaimed(e) => EscrowEvent::Reclaimed { job_ref: e.jobRef, payer: e.payer, amount: e.amount },
            _ => return None,
        };
        Some(Self { tx_hash, log_index, block_number, block_hash, event })
    }
}

/// Where the contracts live on a chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deployment {
    pub chain_id: u64,
    pub token: Address,
    pub escrow: Address,
    pub registry: Address,
    /// The first block the watcher needs to read.
    pub deploy_block: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct TxOutcome {
    pub tx_hash: B256,
    pub block_number: u64,
    pub success: bool,
}

#[derive(Clone)]
pub struct ChainClient {
    provider: DynProvider,
    operator: PrivateKeySigner,
    pub deployment: Deployment,
    pub rpc_url: String,
    pub confirmations: u64,
    sending: Arc<Mutex<()>>,
}

impl ChainClient {
    pub fn connect(rpc_url: &str, operator: OperatorKey, deployment: Deployment, confirmations: u64) -> anyhow::Result<Self> {
        let operator = operator.0;
        crate::install_crypto_provider();
        let url: reqwest::Url = rpc_url.parse().with_context(|| format!("the chain RPC URL {rpc_url} is not a URL"))?;
        let provider = signing_provider(operator.clone(), url).erased();
        Ok(Self {
            provider,
            operator,
            deployment,
            rpc_url: rpc_url.to_owned(),
            confirmations: confirmations.max(1),
            sending: Arc::new(Mutex::new(())),
        })
    }

    pub fn provider(&self) -> &DynProvider {
        &self.provider
    }

    pub fn operator_address(&self) -> Address {
        self.operator.address()
    }

    /// The operator's EIP-712 signature of a quote for this chain's escrow.
    pub fn sign_quote(&self, quote: &FineTuneEscrow::Quote) -> anyhow::Result<Signature> {
        let domain = escrow_domain(self.deployment.chain_id, self.deployment.escrow);
        let digest = quote.eip712_signing_hash(&domain);
        self.operator.sign_hash_sync(&digest).context("failed to sign a quote")
    }

    pub async fn head(&self) -> anyhow::Result<u64> {
        self.provider.get_block_number().await.context("failed to read the chain's head")
    }

    /// The escrow's events in blocks `[from, to]`, decoded; logs of other events (roles, pauses)
    /// and logs not yet in a block are left out.
    pub async fn escrow_logs(&self, from: u64, to: u64) -> anyhow::Result<Vec<EscrowLog>> {
        let filter = Filter::new().address(self.deployment.escrow).from_block(from).to_block(to);
        let logs = self.provider.get_logs(&filter).await.context("failed to read the escrow's logs")?;
        Ok(logs.iter().filter_map(EscrowLog::decode).collect())
    }

    /// `escrowOf(jobRef)`.
    pub async fn escrow_of(&self, job_ref: B256) -> anyhow::Result<EscrowOf> {
        let escrow = FineTuneEscrow::new(self.deployment.escrow, self.provider.clone());
        let r = escrow.escrowOf(job_ref).call().await.context("failed to read escrowOf")?;
        let state = EscrowState::try_from(r.state).map_err(|n| anyhow::anyhow!("the escrow reports an unknown state {n}"))?;
        Ok(EscrowOf { payer: r.payer, amount: r.amount, state })
    }

    pub async fn token_balance(&self, who: Address) -> anyhow::Result<U256> {
        MockUSDC::new(self.deployment.token, self.provider.clone()).balanceOf(who).call().await.context("failed to read a token balance")
    }

    pub async fn operator_gas_balance(&self) -> anyhow::Result<U256> {
        self.provider.get_balance(self.operator.address()).await.context("failed to read the operator's balance")
    }

    /// Sends one operator transaction and waits for its receipt; one at a time.
    pub async fn send_operator(&self, action: OperatorAction) -> anyhow::Result<TxOutcome> {
        let _turn = self.sending.lock().await;
        let escrow = FineTuneEscrow::new(self.deployment.escrow, self.provider.clone());
        let registry = ProvenanceRegistry::new(self.deployment.registry, self.provider.clone());
        let pending = match action {
            OperatorAction::Release(job_ref) => escrow.release(job_ref).send().await,
            OperatorAction::Refund(job_ref) => escrow.refund(job_ref).send().await,
            OperatorAction::Freeze(job_ref) => escrow.freeze(job_ref).send().await,
            OperatorAction::Unfreeze(job_ref) => escrow.unfreeze(job_ref).send().await,
            OperatorAction::Anchor { hash, kind } => registry.anchor(hash, kind).send().await,
        }
        .map_err(|e| anyhow::anyhow!("the chain refused the transaction: {e}"))?;
        let receipt = pending.get_receipt().await.context("failed to wait for a receipt")?;
        Ok(TxOutcome {
            tx_hash: receipt.transaction_hash,
            block_number: receipt.block_number.unwrap_or_default(),
            success: receipt.status(),
        })
    }
}

/// A provider that signs with `key`. Nonces are read from the chain for every transaction (ours are
/// sent one at a time): alloy's cached nonces would skip one when a transaction is refused at gas
/// estimation, and every later transaction would then wait for the gap forever.
pub fn signing_provider(key: PrivateKeySigner, url: reqwest::Url) -> impl Provider + Clone {
    crate::install_crypto_provider();
    ProviderBuilder::new()
        .disable_recommended_fillers()
        .with_gas_estimation()
        .with_simple_nonce_management()
        .fetch_chain_id()
        .wallet(EthereumWallet::from(key))
        .connect_http(url)
}

impl ChainClient {
    /// Funds an escrow from the operator's own (settlement) wallet with a quote naming it as buyer:
    /// approve, then fund. Used for onramp purchases delivered to the settlement wallet.
    pub async fn fund_as_operator(&self, quote: FineTuneEscrow::Quote, signature: alloy::primitives::Bytes) -> anyhow::Result<TxOutcome> {
        let _turn = self.sending.lock().await;
        let token = MockUSDC::new(self.deployment.token, self.provider.clone());
        token
            .approve(self.deployment.escrow, quote.amount)
            .send()
            .await
            .map_err(|e| anyhow::anyhow!("the chain refused the approval: {e}"))?
            .get_receipt()
            .await
            .context("failed to wait for the approval")?;
        let escrow = FineTuneEscrow::new(self.deployment.escrow, self.provider.clone());
        let receipt = escrow
            .fund(quote, signature)
            .send()
            .await
            .map_err(|e| anyhow::anyhow!("the chain refused the funding: {e}"))?
            .get_receipt()
            .await
            .context("failed to wait for the funding")?;
        Ok(TxOutcome {
            tx_hash: receipt.transaction_hash,
            block_number: receipt.block_number.unwrap_or_default(),
            success: receipt.status(),
        })
    }

    /// A transaction's receipt, or `None` when the chain does not know it.
    pub async fn receipt(&self, hash: B256) -> anyhow::Result<Option<alloy::rpc::types::TransactionReceipt>> {
        self.provider.get_transaction_receipt(hash).await.context("failed to read a receipt")
    }

    /// Whether transaction `hash` succeeded and moved exactly `amount` of the token to `to` (a
    /// `Transfer` log of the token); `None` when the chain does not know the transaction.
    pub async fn moved_token(&self, hash: B256, to: Option<Address>, amount: U256) -> anyhow::Result<Option<bool>> {
        let Some(receipt) = self.receipt(hash).await? else { return Ok(None) };
        let transferred = receipt.inner.logs().iter().any(|log| {
            log.address() == self.deployment.token
                && MockUSDC::Transfer::decode_log_data(log.data()).is_ok_and(|t| Some(t.to) == to && t.value == amount)
        });
        Ok(Some(receipt.status() && transferred))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OperatorAction {
    Release(B256),
    Refund(B256),
    Freeze(B256),
    Unfreeze(B256),
    Anchor { hash: B256, kind: u8 },
}
