//! Opening the chain: the embedded anvil with the contracts deployed once (no RPC URL configured),
//! or a configured chain with its contract addresses and operator key.

use std::str::FromStr;
use std::sync::Arc;

use alloy_primitives::Address;
use anyhow::Context;
use attune_domain::settlement::safe_confirmations;
use attune_integrations::chain::anvil::EmbeddedAnvil;
use attune_integrations::chain::client::{ChainClient, Deployment, OperatorKey, chain_id_at};
use attune_integrations::chain::deployment::{deploy_at, ensure_dev_deployment};
use secrecy::ExposeSecret;
use serde::Serialize;
use tokio::sync::Mutex;

use crate::Settings;

pub struct Chain {
    pub client: ChainClient,
    /// Where the platform's, compute and audit-pool shares go.
    pub treasury: Address,
    pub poll: std::time::Duration,
    pub quote_ttl: chrono::Duration,
    /// What `GET /api/v1/chain` tells wallets; never the operator's own RPC URL (it may carry a key).
    public_rpc_url: Option<String>,
    embedded: Option<Mutex<EmbeddedAnvil>>,
}

/// `GET /api/v1/chain`.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ChainInfo {
    pub chain_id: u64,
    /// The public RPC URL setting (`ATTUNE_CHAIN_PUBLIC_RPC_URL`; the embedded anvil's by default),
    /// null when none is configured. Never the operator's RPC URL.
    pub rpc_url: Option<String>,
    pub token: TokenInfo,
    pub escrow_address: String,
    pub registry_address: String,
    pub confirmations: u64,
    pub operator_address: String,
    pub embedded: bool,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TokenInfo {
    pub address: String,
    pub symbol: String,
    pub decimals: u8,
}

fn address(raw: &Option<String>, name: &str) -> anyhow::Result<Address> {
    let raw = raw.as_deref().with_context(|| format!("ATTUNE_{} is required with ATTUNE_CHAIN_RPC_URL", name.to_ascii_uppercase()))?;
    Address::from_str(raw.trim()).with_context(|| format!("ATTUNE_{} is not an address", name.to_ascii_uppercase()))
}

impl Chain {
    /// `None` when settlement is switched off.
    pub async fn open(settings: &Settings) -> anyhow::Result<Option<Arc<Chain>>> {
        if !settings.chain_enabled {
            return Ok(None);
        }
        let (client, embedded) = match &settings.chain_rpc_url {
            Some(rpc) => {
                let key = settings.operator_key.as_ref().context("ATTUNE_OPERATOR_KEY is required with ATTUNE_CHAIN_RPC_URL")?;
                let operator = OperatorKey::from_hex(key.expose_secret()).context("ATTUNE_OPERATOR_KEY is not a private key")?;
                let chain_id = chain_id_at(rpc).await?;
                let deployment = Deployment {
                    chain_id,
                    token: address(&settings.token_address, "token_address")?,
                    escrow: address(&settings.escrow_address, "escrow_address")?,
                    registry: address(&settings.registry_address, "registry_address")?,
                    deploy_block: 0,
                };
                let confirmations = settings.chain_confirmations.unwrap_or_else(|| safe_confirmations(chain_id));
                if confirmations < safe_confirmations(chain_id) {
                    tracing::warn!(
                        chain_id,
                        confirmations,
                        safe = safe_confirmations(chain_id),
                        "fewer confirmations than this chain's safe depth"
                    );
                }
                (ChainClient::connect(rpc, operator, deployment, confirmations)?, None)
            }
            None => {
                let anvil = EmbeddedAnvil::start(&settings.data_dir, settings.anvil_path.as_deref()).await?;
                let operator = OperatorKey::development();
                let deployment = ensure_dev_deployment(&settings.data_dir, &anvil.rpc_url, &operator).await?;
                // The embedded anvil is ours alone and never reorganises by itself: its own block suffices.
                let confirmations = settings.chain_confirmations.unwrap_or(1);
                (ChainClient::connect(&anvil.rpc_url, operator, deployment, confirmations)?, Some(Mutex::new(anvil)))
            }
        };
        let treasury = match &settings.treasury_address {
            Some(raw) => Address::from_str(raw.trim()).context("ATTUNE_TREASURY_ADDRESS is not an address")?,
            None => client.operator_address(),
        };
        let public_rpc_url = settings.chain_public_rpc_url.clone().or_else(|| embedded.as_ref().map(|_| client.rpc_url.clone()));
        Ok(Some(Arc::new(Chain {
            public_rpc_url,
            client,
            treasury,
            poll: std::time::Duration::from_millis(settings.chain_poll_ms.max(10)),
            quote_ttl: chrono::Duration::hours(settings.quote_ttl_hours.max(1)),
            embedded,
        })))
    }

    pub fn info(&self) -> ChainInfo {
        let d = &self.client.deployment;
        ChainInfo {
            chain_id: d.chain_id,
            rpc_url: self.public_rpc_url.clone(),
            token: TokenInfo { address: d.token.to_checksum(None), symbol: "USDC".into(), decimals: 6 },
            escrow_address: d.escrow.to_checksum(None),
            registry_address: d.registry.to_checksum(None),
            confirmations: self.client.confirmations,
            operator_address: self.client.operator_address().to_checksum(None),
            embedded: self.embedded.is_some(),
        }
    }

    /// Kills the embedded anvil without waiting (a test process or a tool that is exiting).
    pub fn kill_embedded_now(&self) {
        if let Some(anvil) = &self.embedded
            && let Ok(anvil) = anvil.try_lock()
        {
            anvil.kill_now();
        }
    }

    /// Stops the embedded anvil (it writes its state); nothing for a configured chain.
    pub async fn stop(&self) -> anyhow::Result<()> {
        if let Some(anvil) = &self.embedded {
            anvil.lock().await.stop().await?;
        }
        Ok(())
    }
}

/// `attune chain deploy`: deploys MockUSDC, the escrow and the registry on the configured chain
/// with the operator key holding every role (a development or test network).
pub async fn deploy_contracts(settings: &Settings) -> anyhow::Result<Deployment> {
    let rpc = settings.chain_rpc_url.as_deref().context("set ATTUNE_CHAIN_RPC_URL to the chain to deploy on")?;
    let key = settings.operator_key.as_ref().context("set ATTUNE_OPERATOR_KEY to the deployer's (operator's) key")?;
    let operator = OperatorKey::from_hex(key.expose_secret()).context("ATTUNE_OPERATOR_KEY is not a private key")?;
    deploy_at(rpc, &operator).await
}
