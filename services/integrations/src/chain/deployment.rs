//! Deploying the contracts on the embedded chain, once: the addresses are kept in
//! `<data_dir>/chain/deployment.json` next to anvil's state, and reused while their code is there.

use std::path::Path;

use alloy::primitives::{Address, U256};
use alloy::providers::Provider;
use anyhow::Context;

use super::bindings::{FineTuneEscrow, MockUSDC, ProvenanceRegistry};
use super::client::{Deployment, OperatorKey};

/// anvil's development account 0 (from its public test mnemonic): the embedded chain's operator.
pub const DEV_OPERATOR_KEY: &str = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
/// What each of the development accounts 1–9 receives: 1,000,000 USDC (6 decimals).
pub const DEV_GRANT: u64 = 1_000_000 * 1_000_000;
/// After a quote's deadline the payer may reclaim an escrow the operator neither released nor refunded.
pub const RECLAIM_GRACE_SECS: u64 = 7 * 24 * 3600;

/// Loads the recorded deployment when its contracts are still on the chain, else deploys anew.
pub async fn ensure_dev_deployment(data_dir: &Path, rpc_url: &str, operator: &OperatorKey) -> anyhow::Result<Deployment> {
    crate::install_crypto_provider();
    let file = data_dir.join("chain").join("deployment.json");
    let url: reqwest::Url = rpc_url.parse().context("the anvil URL is not a URL")?;
    let provider = super::client::signing_provider(operator.signer().clone(), url);
    if let Ok(text) = std::fs::read_to_string(&file)
        && let Ok(recorded) = serde_json::from_str::<Deployment>(&text)
    {
        let chain_id = provider.get_chain_id().await.context("failed to read the chain id")?;
        let code = provider.get_code_at(recorded.escrow).await.context("failed to read the escrow's code")?;
        if chain_id == recorded.chain_id && !code.is_empty() {
            tracing::info!(escrow = %recorded.escrow, "reusing the deployed contracts");
            return Ok(recorded);
        }
        tracing::warn!("the recorded contracts are gone from the chain; deploying again");
    }
    let deployment = deploy(&provider, operator.address()).await?;
    let accounts: Vec<Address> = provider.get_accounts().await.context("failed to list anvil's accounts")?;
    let token = MockUSDC::new(deployment.token, &provider);
    for account in accounts.iter().skip(1).take(9) {
        token
            .mint(*account, U256::from(DEV_GRANT))
            .send()
            .await
            .context("failed to send a mint")?
            .get_receipt()
            .await
            .context("failed to mint to a development account")?;
    }
    std::fs::write(&file, serde_json::to_string_pretty(&deployment).context("failed to encode the deployment")?)
        .with_context(|| format!("failed to write {}", file.display()))?;
    tracing::info!(escrow = %deployment.escrow, token = %deployment.token, registry = %deployment.registry, "deployed the contracts");
    Ok(deployment)
}

/// Deploys MockUSDC, the escrow and the registry with `operator` holding every role.
pub async fn deploy<P: Provider>(provider: &P, operator: Address) -> anyhow::Result<Deployment> {
    let start = provider.get_block_number().await.context("failed to read the head")?;
    let token = MockUSDC::deploy(provider).await.context("failed to deploy MockUSDC")?;
    let escrow =
        FineTuneEscrow::deploy(provider, operator, operator, operator, RECLAIM_GRACE_SECS).await.context("failed to deploy the escrow")?;
    let registry = ProvenanceRegistry::deploy(provider, operator, operator).await.context("failed to deploy the registry")?;
    let chain_id = provider.get_chain_id().await.context("failed to read the chain id")?;
    Ok(Deployment { chain_id, token: *token.address(), escrow: *escrow.address(), registry: *registry.address(), deploy_block: start })
}

/// `attune chain deploy`: the contracts on the chain at `rpc_url`, `operator` holding every role.
pub async fn deploy_at(rpc_url: &str, operator: &OperatorKey) -> anyhow::Result<Deployment> {
    crate::install_crypto_provider();
    let url: reqwest::Url = rpc_url.parse().context("the chain RPC URL is not a URL")?;
    let provider = super::client::signing_provider(operator.signer().clone(), url);
    deploy(&provider, operator.address()).await
}
