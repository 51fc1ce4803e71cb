//! The regulated onramp (DESIGN.md §4, way (b)): the buyer pays fiat to a provider, which delivers
//! USDC to the platform's settlement wallet and says so in a signed webhook. The webhook and the
//! on-chain transfer must agree (token, amount, destination) before the operator funds the job's
//! escrow from the settlement wallet. The sandbox provider (test mode) moves MockUSDC from its own
//! treasury on the chain; a MoonPay-shaped adapter verifies `Moonpay-Signature-V2: t=…,s=…`.

use std::str::FromStr;

use alloy::primitives::{Address, B256, U256};
use alloy::providers::Provider;
use alloy::signers::local::PrivateKeySigner;
use alloy::sol_types::SolEvent;
use anyhow::Context;
use attune_db::onramp::OrderRow;
use attune_domain::webhook_signature::{SignatureError, sign_timestamped, verify_timestamped};
use attune_integrations::chain::bindings::MockUSDC;
use chrono::Utc;
use serde_json::json;
use sqlx::PgPool;
use uuid::Uuid;

use crate::Actor;
use crate::chain::Chain;
use crate::error::AppError;
use crate::idempotency::{self, IdempotencyKey};
use crate::kyc::{SANDBOX_SIGNATURE_HEADER, TOLERANCE_SECS, WebhookError};

pub struct OnrampProviders {
    pub public_url: String,
    /// The sandbox's webhook keys (the first signs).
    pub sandbox_secrets: Vec<Vec<u8>>,
    /// The sandbox's treasury on the chain (a key of its own, funded by the operator on the dev chain).
    pub sandbox_treasury: PrivateKeySigner,
    /// The MoonPay-shaped adapter's webhook keys.
    pub moonpay_secrets: Vec<Vec<u8>>,
}

/// Creates an order: the job's quote is issued to the settlement wallet, which the provider pays.
#[tracing::instrument(skip_all, fields(job = %job_id))]
#[allow(clippy::too_many_arguments, reason = "the order's inputs plus the services that check it")]
pub async fn create_order(
    pool: &PgPool,
    chain: &Chain,
    providers: &OnrampProviders,
    screening: &crate::screening::ScreeningService,
    actor: &Actor,
    job_id: Uuid,
    provider: &str,
    fiat_currency: &str,
    idempotency: Option<&IdempotencyKey>,
) -> Result<(u16, serde_json::Value), AppError> {
    if provider != "sandbox" {
        return Err(AppError::field("provider", "only the sandbox onramp can take orders on this server"));
    }
    let fiat = fiat_currency.trim().to_ascii_uppercase();
    if !matches!(fiat.as_str(), "EUR" | "USD" | "GBP") {
        return Err(AppError::field("fiat_currency", "must be EUR, USD or GBP"));
    }
    let settlement = chain.client.operator_address();
    let mut tx = pool.begin().await.context("failed to begin an order")?;
    if let Some(answer) = idempotency::replay(&mut tx, actor.organization_id, "onramp", idempotency).await? {
        return Ok(answer);
    }
    let job =
        attune_db::jobs::get_for_update(&mut tx, &actor.scope(), job_id).await?.ok_or_else(|| AppError::field("job_id", "no such job"))?;
    if job.status != "awaiting_payment" {
        return Err(AppError::conflict("no-payment-due", format!("A job that is {} has no payment to make.", job.status)));
    }
    if attune_db::kyc::level(&mut tx, actor.organization_id).await? == "none" {
        return Err(AppError::conflict("kyc-required", "Complete basic KYC before buying through the onramp."));
    }
    let payment = match attune_db::payments::get(&mut tx, job_id).await? {
        Some(p) => p,
        None => {
            crate::payments::issue_quote(&mut tx, chain, actor, &job, settlement).await?;
            attune_db::payments::get(&mut tx, job_id).await?.context("the payment vanished")?
        }
    };
    if Address::from_str(&payment.buyer_address).ok() != Some(settlement) {
        return Err(AppError::conflict(
            "quote-for-wallet",
            "This job's quote is for your own wallet: pay it directly from the payment page.",
        ));
    }
    // AML on the order itself: what would hold or block the payment refuses the order up front.
    let aml = attune_domain::aml::AmlPolicy::enforced().map_err(|e| AppError::Unexpected(anyhow::anyhow!("the AML policy: {e}")))?;
    let decision = match crate::payment_screening::screen_funded_payment(&mut tx, &payment, settlement, None, screening, &aml, None).await?
    {
        crate::chain_watch::Screening::Clear(d) | crate::chain_watch::Screening::Review(d) | crate::chain_watch::Screening::Block(_, d) => {
            d
        }
    };
    if decision.outcome >= attune_domain::aml::Outcome::Hold {
        let rules: Vec<&str> = decision.hits.iter().map(|h| h.rule.as_str()).collect();
        return Err(AppError::conflict(
            "aml-refused",
            format!("The order cannot be placed ({}): {}.", decision.outcome.as_str(), rules.join(", ")),
        ));
    }
    let order = OrderRow {
        id: Uuid::new_v4(),
        organization_id: actor.organization_id,
        job_id,
        provider: provider.to_owned(),
        fiat_currency: fiat,
        amount: payment.amount.clone(),
        destination: settlement.to_checksum(None),
        status: "created".into(),
        tx_hash: None,
        provider_ref: None,
        detail: json!({}),
        created_at: Utc::now(),
    };
    attune_db::onramp::insert(&mut tx, &order).await.map_err(|e| match e.downcast_ref::<sqlx::Error>() {
        Some(db) if attune_db::is_constraint_violation(db, "onramp_order_live_key") => {
            AppError::conflict("order-open", "This job already has an open onramp order.")
        }
        _ => AppError::Unexpected(e),
    })?;
    attune_db::audit::append(
        &mut tx,
        &actor.audit_id(),
        "onramp.ordered",
        &format!("job:{job_id}"),
        &json!({"order": order.id, "amount": order.amount, "destination": order.destination}),
    )
    .await?;
    let widget = format!("{}/sandbox/onramp/{}", providers.public_url, order.id);
    let body = json!({"id": order.id, "status": order.status, "widget_url": widget, "amount": order.amount, "destination": order.destination,
                      "provider": order.provider});
    let answer = (201, body);
    idempotency::remember(&mut tx, actor.organization_id, "onramp", idempotency, &answer).await?;
    tx.commit().await.context("failed to commit an order")?;
    Ok(answer)
}

/// The sandbox provider settles an order: on `paid` it moves MockUSDC from its treasury to the
/// order's destination on chain, then delivers its signed webhook over HTTP. Returns the webhook's status.
///
/// `payer_name` is the cardholder the sandbox reports as having paid, as a real onramp reports the
/// identity it verified; by default the organisation's KYC'd name (a card in the buyer's own name).
pub async fn sandbox_complete(
    pool: &PgPool,
    chain: &Chain,
    providers: &OnrampProviders,
    id: Uuid,
    outcome: &str,
    payer_name: Option<&str>,
) -> Result<u16, AppError> {
    let mut conn = pool.acquire().await.context("failed to acquire a connection")?;
    let order = attune_db::onramp::get(&mut conn, id).await?.ok_or(AppError::NotFound)?;
    let payer_name = match payer_name.map(str::trim).filter(|n| !n.is_empty()) {
        Some(name) => Some(name.to_owned()),
        None => attune_db::kyc::approved_names(&mut conn, order.organization_id).await?.into_iter().next(),
    };
    drop(conn);
    let (status, tx_hash) = match outcome {
        "paid" => {
            let amount = U256::from_str(&order.amount).context("order amount")?;
            let destination = Address::from_str(&order.destination).context("order destination")?;
            (Some("completed"), Some(treasury_transfer(chain, &providers.sandbox_treasury, destination, amount).await?))
        }
        "failed" => (Some("failed"), None),
        _ => (None, None),
    };
    let Some(status) = status else { return Err(AppError::field("outcome", "must be paid or failed")) };
    let body = json!({"event_id": Uuid::new_v4(), "order_id": order.id, "status": status,
        "crypto": {"currency": "USDC", "amount": order.amount, "destination": order.destination, "tx_hash": tx_hash.map(|h| h.to_string())},
        "payer": {"name": payer_name},
        "created_at": Utc::now().timestamp()})
    .to_string();
    let secret = providers.sandbox_secrets.first().context("no sandbox key")?;
    attune_integrations::install_crypto_provider();
    let response = reqwest::Client::new()
        .post(format!("{}/webhooks/onramp/sandbox", providers.public_url))
        .header(SANDBOX_SIGNATURE_HEADER, sign_timestamped(secret, Utc::now().timestamp(), body.as_bytes()))
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .context("the sandbox could not deliver its webhook")?;
    Ok(response.status().as_u16())
}

/// The sandbox treasury pays `amount` to `to`; on the development chain the operator tops it up first.
async fn treasury_transfer(chain: &Chain, treasury: &PrivateKeySigner, to: Address, amount: U256) -> anyhow::Result<B256> {
    let d = &chain.client.deployment;
    let operator = chain.client.provider();
    let gas = alloy::rpc::types::TransactionRequest::default().to(treasury.address()).value(U256::from(10u128.pow(17)));
    operator.send_transaction(gas).await.context("failed to give the treasury gas")?.get_receipt().await.context("gas receipt")?;
    MockUSDC::new(d.token, operator.clone())
        .mint(treasury.address(), amount)
        .send()
        .await
        .context("failed to mint")?
        .get_receipt()
        .await
        .context("mint receipt")?;
    let url: reqwest::Url = chain.client.rpc_url.parse().context("rpc url")?;
    let wallet = attune_integrations::chain::client::signing_provider(treasury.clone(), url);
    let receipt = MockUSDC::new(d.token, wallet)
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

struct Delivery {
    event_id: String,
    order_id: Uuid,
    completed: bool,
    amount: Option<String>,
    destination: Option<String>,
    tx_hash: Option<String>,
    provider_ref: Option<String>,
    /// Who the provider says paid (the identity it verified), for the AML identity rule.
    payer_name: Option<String>,
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

/// USDC's decimals: the provider's decimal amounts become base units with these places.
const USDC_DECIMALS: u32 = 6;

/// A webhook from an onramp: verified, applied once, and checked against the chain.
pub async fn receive_webhook(
    pool: &PgPool,
    chain: &Chain,
    providers: &OnrampProviders,
    provider: &str,
    header: impl Fn(&str) -> Option<String>,
    raw_body: &[u8],
) -> Result<(), WebhookError> {
    let now = Utc::now().timestamp();
    let delivery = match provider {
        "sandbox" => {
            let keys: Vec<&[u8]> = providers.sandbox_secrets.iter().map(Vec::as_slice).collect();
            verify_timestamped(&header(SANDBOX_SIGNATURE_HEADER).ok_or(SignatureError::Missing)?, raw_body, &keys, now, TOLERANCE_SECS)?;
            let body: serde_json::Value = serde_json::from_slice(raw_body).map_err(|e| WebhookError::Unreadable(e.to_string()))?;
            Delivery {
                event_id: body["event_id"].as_str().ok_or_else(|| WebhookError::Unreadable("event_id".into()))?.to_owned(),
                order_id: body["order_id"]
                    .as_str()
                    .and_then(|s| Uuid::parse_str(s).ok())
                    .ok_or_else(|| WebhookError::Unreadable("order_id".into()))?,
                completed: body["status"] == "completed",
                amount: body["crypto"]["amount"].as_str().map(str::to_owned),
                destination: body["crypto"]["destination"].as_str().map(str::to_owned),
                tx_hash: body["crypto"]["tx_hash"].as_str().map(str::to_owned),
                provider_ref: None,
                payer_name: body["payer"]["name"].as_str().map(str::to_owned),
            }
        }
        "moonpay" => {
            // `Moonpay-Signature-V2: t=<unix>,s=<hex hmac-sha256 of "<t>.<body>">`.
            let keys: Vec<&[u8]> = providers.moonpay_secrets.iter().map(Vec::as_slice).collect();
            let signature = header("moonpay-signature-v2").ok_or(SignatureError::Missing)?.replace("s=", "v1=");
            verify_timestamped(&signature, raw_body, &keys, now, TOLERANCE_SECS)?;
            let envelope: MoonpayEnvelope = serde_json::from_slice(raw_body).map_err(|e| WebhookError::Unreadable(e.to_string()))?;
            let data = envelope.data;
            let amount = match data.quote_currency_amount {
                Some(raw) => Some(
                    attune_domain::settlement::parse_decimal_units(raw.get(), USDC_DECIMALS)
                        .map_err(|e| WebhookError::Unreadable(format!("quoteCurrencyAmount: {e}")))?
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
            Delivery {
                event_id: format!("{}:{}", data.id.as_deref().unwrap_or_default(), data.updated_at.as_deref().unwrap_or_default()),
                order_id: data
                    .external_transaction_id
                    .as_deref()
                    .and_then(|s| Uuid::parse_str(s).ok())
                    .ok_or_else(|| WebhookError::Unreadable("externalTransactionId".into()))?,
                completed: data.status.as_deref() == Some("completed"),
                amount,
                destination: data.wallet_address,
                tx_hash: data.crypto_transaction_id,
                provider_ref: data.id,
                payer_name: payer_name.filter(|n| !n.is_empty()),
            }
        }
        _ => return Err(WebhookError::UnknownProvider),
    };
    let mut tx = pool.begin().await.context("failed to begin a webhook")?;
    if !attune_db::kyc::first_sight(&mut tx, &format!("onramp:{provider}"), &delivery.event_id).await? {
        return Err(WebhookError::Replayed(delivery.event_id));
    }
    let order =
        attune_db::onramp::for_update(&mut tx, delivery.order_id).await?.ok_or_else(|| WebhookError::Unreadable("unknown order".into()))?;
    let subject = format!("job:{}", order.job_id);
    if order.status != "created" {
        // Only an order still waiting for its delivery takes one: a second "completed" (another
        // event id for the same order) must not fund the escrow twice. Acknowledged, recorded, ignored.
        attune_db::audit::append(
            &mut tx,
            &format!("provider:onramp:{provider}"),
            "onramp.webhook_ignored",
            &subject,
            &json!({"order": order.id, "order_status": order.status, "event_id": delivery.event_id, "tx_hash": delivery.tx_hash}),
        )
        .await?;
        tx.commit().await.context("failed to commit")?;
        return Ok(());
    }
    let settled = |status: &str| -> Result<(), WebhookError> {
        Err(WebhookError::Unexpected(anyhow::anyhow!("the locked order {} could not move to {status}", order.id)))
    };
    if !delivery.completed {
        if !attune_db::onramp::settle(&mut tx, order.id, "failed", None, delivery.provider_ref.as_deref(), &json!({"webhook": provider}))
            .await?
        {
            settled("failed")?;
        }
        tx.commit().await.context("failed to commit")?;
        return Ok(());
    }
    let mut problems = check_delivery(chain, &order, &delivery).await?;
    if let Some(hash) = delivery.tx_hash.as_deref()
        && let Some(other) = attune_db::onramp::settled_by_tx(&mut tx, hash).await?
    {
        problems.push(format!("transaction {hash} already settled order {}", other.id));
    }
    if problems.is_empty() {
        if !attune_db::onramp::settle(
            &mut tx,
            order.id,
            "funding",
            delivery.tx_hash.as_deref(),
            delivery.provider_ref.as_deref(),
            &json!({"verified_on_chain": true, "payer_name": delivery.payer_name}),
        )
        .await?
        {
            settled("funding")?;
        }
        let payment = attune_db::payments::get(&mut tx, order.job_id)
            .await?
            .ok_or_else(|| WebhookError::Unreadable("the job has no payment".into()))?;
        crate::operator_txs::request_for_job(&mut tx, "fund", order.job_id, &payment.job_ref).await?;
        attune_db::audit::append(
            &mut tx,
            &format!("provider:onramp:{provider}"),
            "onramp.delivered",
            &subject,
            &json!({"order": order.id, "tx_hash": delivery.tx_hash, "payer_name": delivery.payer_name}),
        )
        .await?;
    } else {
        if !attune_db::onramp::settle(
            &mut tx,
            order.id,
            "mismatch",
            delivery.tx_hash.as_deref(),
            delivery.provider_ref.as_deref(),
            &json!({"problems": problems, "payer_name": delivery.payer_name}),
        )
        .await?
        {
            settled("mismatch")?;
        }
        attune_db::chain::raise_alert(&mut tx, "onramp_mismatch", &subject, &json!({"order": order.id, "problems": problems})).await?;
    }
    tx.commit().await.context("failed to commit a webhook")?;
    Ok(())
}

/// What disagrees between the webhook, the order and the chain (token, amount, destination).
async fn check_delivery(chain: &Chain, order: &OrderRow, d: &Delivery) -> anyhow::Result<Vec<String>> {
    let mut problems = Vec::new();
    if d.amount.as_deref() != Some(order.amount.as_str()) {
        problems.push(format!("the webhook says {:?}, the order is for {}", d.amount, order.amount));
    }
    let destination = d.destination.as_deref().and_then(|a| Address::from_str(a).ok());
    let expected_to = Address::from_str(&order.destination).ok();
    if destination != expected_to {
        problems.push(format!("the webhook delivers to {:?}, not to the settlement wallet {}", d.destination, order.destination));
    }
    let Some(hash) = d.tx_hash.as_deref().and_then(|h| B256::from_str(h).ok()) else {
        problems.push("the webhook names no transaction".into());
        return Ok(problems);
    };
    let Some(receipt) = chain.client.receipt(hash).await? else {
        problems.push(format!("transaction {hash} is not on the chain"));
        return Ok(problems);
    };
    let amount = U256::from_str(&order.amount).unwrap_or_default();
    let transferred = receipt.inner.logs().iter().any(|log| {
        log.address() == chain.client.deployment.token
            && MockUSDC::Transfer::decode_log_data(log.data()).is_ok_and(|t| Some(t.to) == expected_to && t.value == amount)
    });
    if !receipt.status() || !transferred {
        problems.push(format!("transaction {hash} does not move {amount} of the token to the settlement wallet"));
    }
    Ok(problems)
}
