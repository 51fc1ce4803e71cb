//! Onramp providers: the sandbox (test mode: it pays in MockUSDC from a treasury of its own on the
//! chain, then reports `{event_id, order_id, status, crypto, payer}` signed with
//! `Attune-Sandbox-Signature`) and a MoonPay-shaped adapter (`Moonpay-Signature-V2: t=…,s=…`).

use alloy::primitives::{Address, B256, U256};
use alloy::providers::Provider;
use alloy::signers::local::PrivateKeySigner;
use anyhow::Context;
use attune_domain::providers::{Headers, OnrampDelivery, OnrampProvider, WebhookRejection};
use serde_json::{Value, json};
use uuid::Uuid;

use super::webhooks;
use crate::chain::bindings::MockUSDC;
use crate::chain::client::{ChainClient, signing_provider};

/// USDC's decimals: a provider's decimal amounts become base units with these places.
const USDC_DECIMALS: u32 = 6;

/// The sandbox onramp (test mode).
pub struct SandboxOnramp {
    /// The first signs; all verify (rotation).
    secrets: Vec<Vec<u8>>,
    /// Its treasury on the chain: a key of its own, funded by the operator on the development chain.
    treasury: PrivateKeySigner,
    webhook_url: String,
}

/// What the sandbox reports about an order.
pub struct SandboxSettlement<'a> {
    pub order_id: Uuid,
    /// Paid and delivered; otherwise the card was declined.
    pub completed: bool,
    pub amount: &'a str,
    pub destination: &'a str,
    pub tx_hash: Option<B256>,
    /// The cardholder it verified.
    pub payer_name: Option<&'a str>,
}

impl SandboxOnramp {
    /// Delivers its webhooks to `<public_url>/webhooks/onramp/sandbox`; `treasury_key` is 32 bytes.
    pub fn new(secrets: Vec<Vec<u8>>, treasury_key: &[u8], public_url: &str) -> anyhow::Result<Self> {
        let treasury =
            PrivateKeySigner::from_slice(treasury_key).map_err(|e| anyhow::anyhow!("could not derive the sandbox treasury key: {e}"))?;
        Ok(Self { secrets, treasury, webhook_url: format!("{public_url}/webhooks/onramp/sandbox") })
    }

    /// Pays `amount` of the token to `to` from the treasury; on the development chain the operator
    /// gives the treasury gas and mints the amount first. The transfer's transaction.
    pub async fn pay(&self, client: &ChainClient, to: Address, amount: U256) -> anyhow::Result<B256> {
        let d = &client.deployment;
        let operator = client.provider();
        let treasury = self.treasury.address();
        let gas = alloy::rpc::types::TransactionRequest::default().to(treasury).value(U256::from(10u128.pow(17)));
        operator.send_transaction(gas).await.context("failed to give the treasury gas")?.get_receipt().await.context("gas receipt")?;
        MockUSDC::new(d.token, operator.clone())
            .mint(treasury, amount)
            .send()
            .await
            .context("failed to mint")?
            .get_receipt()
            .await
            .context("mint receipt")?;
        let url: reqwest::Url = client.rpc_url.parse().context("rpc url")?;
        let receipt = MockUSDC::new(d.token, signing_provider(self.treasury.clone(), url))
            .transfer(to, amount)
            .send()
            .await
            .context("failed to transfer")?
            .get_receipt()
            .await
            .context("transfer receipt")?;
        anyhow::ensure!(receipt.status(), "the treasury's transfer reverted");
        Ok(receipt.transaction_hash)
    }

    /// Signs its report and delivers it over HTTP to the marketplace's webhook endpoint; the
    /// endpoint's HTTP status.
    pub async fn deliver(&self, s: &SandboxSettlement<'_>) -> anyhow::Result<u16> {
        let body = json!({"event_id": Uuid::new_v4(), "order_id": s.order_id, "status": if s.completed { "completed" } else { "failed" },
            "crypto": {"currency": "USDC", "amount": s.amount, "destination": s.destination, "tx_hash": s.tx_hash.map(|h| h.to_string())},
            "payer": {"name": s.payer_name},
            "created_at": chrono::Utc::now().timestamp()});
        webhooks::deliver(&self.webhook_url, &self.secrets, body.to_string()).await
    }
}

impl OnrampProvider for SandboxOnramp {
    fn name(&self) -> &'static str {
        "sandbox"
    }

    fn read_webhook(&self, headers: Headers<'_>, raw_body: &[u8], now: i64) -> Result<OnrampDelivery, WebhookRejection> {
        webhooks::verify_sandbox(headers, raw_body, &self.secrets, now)?;
        let body = webhooks::json_body(raw_body)?;
        let text = |v: &Value| v.as_str().map(str::to_owned);
        Ok(OnrampDelivery {
            event_id: text(&body["event_id"]).ok_or_else(|| WebhookRejection::Unreadable("event_id".into()))?,
            order_id: body["order_id"]
                .as_str()
                .and_then(|s| Uuid::parse_str(s).ok())
                .ok_or_else(|| WebhookRejection::Unreadable("order_id".into()))?,
            completed: body["status"] == "completed",
            amount: text(&body["crypto"]["amount"]),
            destination: text(&body["crypto"]["destination"]),
            tx_hash: text(&body["crypto"]["tx_hash"]),
            provider_ref: None,
            payer_name: text(&body["payer"]["name"]),
        })
    }
}

/// A MoonPay-shaped adapter: its webhook keys come from the operator's settings; with none, every
/// webhook is refused.
pub struct MoonpayOnramp {
    secrets: Vec<Vec<u8>>,
}

impl MoonpayOnramp {
    pub fn new(secrets: Vec<Vec<u8>>) -> Self {
        Self { secrets }
    }
}

/// The fields of a MoonPay-shaped transaction the adapter reads. The crypto amount is kept as the
/// JSON text it arrived as and parsed digit by digit: money never passes through a float.
#[derive(serde::Deserialize)]
struct MoonpayEnvelope<'a> {
    #[serde(borrow)]
    data: MoonpayTransaction<'a>,
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct MoonpayTransaction<'a> {
    id: Option<String>,
    updated_at: Option<String>,
    status: Option<String>,
    external_transaction_id: Option<String>,
    #[serde(borrow)]
    quote_currency_amount: Option<&'a serde_json::value::RawValue>,
    wallet_address: Option<String>,
    crypto_transaction_id: Option<String>,
    #[serde(default)]
    customer: Option<MoonpayCustomer>,
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct MoonpayCustomer {
    first_name: Option<String>,
    last_name: Option<String>,
}

impl OnrampProvider for MoonpayOnramp {
    fn name(&self) -> &'static str {
        "moonpay"
    }

    /// `Moonpay-Signature-V2: t=<unix>,s=<hex hmac-sha256 of "<t>.<body>">`.
    fn read_webhook(&self, headers: Headers<'_>, raw_body: &[u8], now: i64) -> Result<OnrampDelivery, WebhookRejection> {
        let signature = headers("moonpay-signature-v2").map(|s| s.replace("s=", "v1="));
        webhooks::verify(signature, raw_body, &self.secrets, now)?;
        let envelope: MoonpayEnvelope = serde_json::from_slice(raw_body).map_err(|e| WebhookRejection::Unreadable(e.to_string()))?;
        let data = envelope.data;
        let amount = match data.quote_currency_amount {
            Some(raw) => Some(
                attune_domain::settlement::parse_decimal_units(raw.get(), USDC_DECIMALS)
                    .map_err(|e| WebhookRejection::Unreadable(format!("quoteCurrencyAmount: {e}")))?
                    .to_string(),
            ),
            None => None,
        };
        let payer_name = data.customer.map(|c| {
            [c.first_name, c.last_name]
                .into_iter()
                .flatten()
                .map(|p| p.trim().to_owned())
                .filter(|p| !p.is_empty())
                .collect::<Vec<_>>()
                .join(" ")
        });
        Ok(OnrampDelivery {
            event_id: format!("{}:{}", data.id.as_deref().unwrap_or_default(), data.updated_at.as_deref().unwrap_or_default()),
            order_id: data
                .external_transaction_id
                .as_deref()
                .and_then(|s| Uuid::parse_str(s).ok())
                .ok_or_else(|| WebhookRejection::Unreadable("externalTransactionId".into()))?,
            completed: data.status.as_deref() == Some("completed"),
            amount,
            destination: data.wallet_address,
            tx_hash: data.crypto_transaction_id,
            provider_ref: data.id,
            payer_name: payer_name.filter(|n| !n.is_empty()),
        })
    }
}
