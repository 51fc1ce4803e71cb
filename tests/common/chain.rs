//! Test support for settlement on the app's real anvil: wallets with gas and MockUSDC, funding a
//! job from the buyer's wallet with the operator-signed quote, and driving the watcher and the
//! operator's sender one step at a time.

use alloy::network::TransactionBuilder;
use alloy::primitives::{Address, B256, Bytes, U256};
use alloy::providers::{DynProvider, Provider};
use alloy::rpc::types::TransactionRequest;
use alloy::signers::local::PrivateKeySigner;
use attune_app::chain_watch::{ChainWatcher, StepReport};
use attune_app::operator_txs::OperatorDesk;
use attune_integrations::chain::bindings::{FineTuneEscrow, MockUSDC};
use serde_json::Value;

use super::TestApp;

impl TestApp {
    pub fn chain(&self) -> &attune_app::chain::Chain {
        self.chain.as_deref().expect("this test app runs with a chain (chain_enabled)")
    }

    pub fn operator(&self) -> &DynProvider {
        self.chain().client.provider()
    }

    /// A fresh key with 1 ETH for gas and `usdc` base units of MockUSDC, minted by the operator.
    pub async fn funded_key(&self, usdc: u64) -> PrivateKeySigner {
        let key = PrivateKeySigner::random();
        let tx = TransactionRequest::default().with_to(key.address()).with_value(U256::from(10u128.pow(18)));
        self.operator().send_transaction(tx).await.unwrap().get_receipt().await.unwrap();
        let token = MockUSDC::new(self.chain().client.deployment.token, self.operator().clone());
        token.mint(key.address(), U256::from(usdc)).send().await.unwrap().get_receipt().await.unwrap();
        key
    }

    pub fn wallet_provider(&self, key: &PrivateKeySigner) -> DynProvider {
        attune_integrations::chain::client::signing_provider(key.clone(), self.chain().client.rpc_url.parse().unwrap()).erased()
    }

    /// Approves the escrow and funds it with the quote of `payment` (as `GET …/payment` returned it).
    pub async fn fund(&self, key: &PrivateKeySigner, payment: &Value) -> B256 {
        let provider = self.wallet_provider(key);
        let d = &self.chain().client.deployment;
        let quote = attune_app::payments::quote_from_typed_data(&payment["quote"]).unwrap();
        let signature: Bytes = payment["signature"].as_str().unwrap().parse().unwrap();
        MockUSDC::new(d.token, provider.clone()).approve(d.escrow, quote.amount).send().await.unwrap().get_receipt().await.unwrap();
        let receipt = FineTuneEscrow::new(d.escrow, provider).fund(quote, signature).send().await.unwrap().get_receipt().await.unwrap();
        assert!(receipt.status(), "fund reverted");
        receipt.transaction_hash
    }

    pub async fn usdc_balance(&self, who: Address) -> U256 {
        self.chain().client.token_balance(who).await.unwrap()
    }

    /// One watcher step.
    pub async fn watch(&self) -> StepReport {
        ChainWatcher::new(self.pool.clone(), self.chain.clone().unwrap(), self.screening.clone()).unwrap().step().await.unwrap()
    }

    /// Sends every requested operator transaction.
    pub async fn send_operator_txs(&self) -> usize {
        OperatorDesk::new(self.pool.clone(), self.chain.clone().unwrap()).send_all().await.unwrap()
    }

    /// Gives the user's organisation basic KYC through the sandbox provider (a signed webhook over HTTP).
    pub async fn pass_kyc(&self, user: &super::TestUser) {
        let session: Value =
            self.post_json("/api/v1/kyc/sessions", &serde_json::json!({"level": "basic"}), Some(&user.token)).await.json().await.unwrap();
        let done: Value = self
            .post_json(
                &format!("/sandbox/kyc/{}/complete", session["id"].as_str().unwrap()),
                &serde_json::json!({"outcome": "approve", "full_name": "Grace Hopper", "date_of_birth": "1906-12-09", "country": "US"}),
                None,
            )
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(done["webhook_status"], 200, "{done}");
    }

    /// Mines `n` empty blocks.
    pub async fn mine(&self, n: u64) {
        for _ in 0..n {
            let _: Value = self.operator().raw_request("evm_mine".into(), ()).await.unwrap();
        }
    }

    pub async fn snapshot(&self) -> U256 {
        self.operator().raw_request("evm_snapshot".into(), ()).await.unwrap()
    }

    pub async fn revert_to(&self, id: U256) {
        let ok: bool = self.operator().raw_request("evm_revert".into(), (id,)).await.unwrap();
        assert!(ok, "evm_revert failed");
    }
}

/// The payees and their shares of a job's payment (`GET /api/v1/jobs/{id}/payment`'s `payees`).
pub fn payment_shares(payment: &serde_json::Value) -> Vec<attune_domain::settlement::Share> {
    payment["payees"]
        .as_array()
        .expect("payees")
        .iter()
        .map(|p| attune_domain::settlement::Share {
            payee: p["address"].as_str().expect("address").parse().expect("an address"),
            bps: u16::try_from(p["bps"].as_u64().expect("bps")).expect("bps fit u16"),
        })
        .collect()
}
