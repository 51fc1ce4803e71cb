//! The regulated onramp (DESIGN.md §4, way (b)): the buyer pays fiat to a provider, which delivers
//! USDC to the platform's settlement wallet and says so in a signed webhook. The webhook and the
//! on-chain transfer must agree (token, amount, destination) before the operator funds the job's
//! escrow from the settlement wallet. The sandbox provider (test mode) moves MockUSDC from its own
//! treasury on the chain; a MoonPay-shaped adapter verifies `Moonpay-Signature-V2: t=…,s=…`.

use std::str::FromStr;

use alloy_primitives::{Address, B256, U256};
use anyhow::Context;
use attune_db::onramp::OrderRow;
use attune_domain::providers::{OnrampDelivery, OnrampProvider};
use attune_integrations::providers::onramp::{MoonpayOnramp, SandboxOnramp, SandboxSettlement};
use chrono::Utc;
use serde_json::json;
use sqlx::PgPool;
use uuid::Uuid;

use crate::Actor;
use crate::chain::Chain;
use crate::error::AppError;
use crate::idempotency::{self, IdempotencyKey};
use crate::webhooks::{self, WebhookError};

/// The onramp providers this server takes webhooks from.
pub struct OnrampProviders {
    pub public_url: String,
    /// The sandbox (test mode): its widget, its treasury on the chain and its signed webhooks.
    pub sandbox: SandboxOnramp,
    /// The MoonPay-shaped adapter; with no keys configured its webhooks are refused.
    pub moonpay: MoonpayOnramp,
}

impl OnrampProviders {
    fn by_name(&self, name: &str) -> Option<&dyn OnrampProvider> {
        [&self.sandbox as &dyn OnrampProvider, &self.moonpay].into_iter().find(|p| p.name() == name)
    }
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
    let decision =
        crate::payment_screening::screen_funded_payment(&mut tx, &payment, settlement, None, screening, &aml, None).await?.into_decision();
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
    let (completed, tx_hash) = match outcome {
        "paid" => {
            let amount = U256::from_str(&order.amount).context("order amount")?;
            let destination = Address::from_str(&order.destination).context("order destination")?;
            (true, Some(providers.sandbox.pay(&chain.client, destination, amount).await?))
        }
        "failed" => (false, None),
        _ => return Err(AppError::field("outcome", "must be paid or failed")),
    };
    let settlement = SandboxSettlement {
        order_id: order.id,
        completed,
        amount: &order.amount,
        destination: &order.destination,
        tx_hash,
        payer_name: payer_name.as_deref(),
    };
    Ok(providers.sandbox.deliver(&settlement).await?)
}

/// A webhook from an onramp: verified, applied once, and checked against the chain.
pub async fn receive_webhook(
    pool: &PgPool,
    chain: &Chain,
    providers: &OnrampProviders,
    provider: &str,
    header: impl Fn(&str) -> Option<String>,
    raw_body: &[u8],
) -> Result<(), WebhookError> {
    let adapter = providers.by_name(provider).ok_or(WebhookError::UnknownProvider)?;
    let delivery = adapter.read_webhook(&header, raw_body, Utc::now().timestamp())?;
    let mut tx = pool.begin().await.context("failed to begin a webhook")?;
    webhooks::first_sight(&mut tx, &format!("onramp:{provider}"), &delivery.event_id).await?;
    let order =
        attune_db::onramp::for_update(&mut tx, delivery.order_id).await?.ok_or_else(|| WebhookError::unreadable("unknown order"))?;
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
        let payment =
            attune_db::payments::get(&mut tx, order.job_id).await?.ok_or_else(|| WebhookError::unreadable("the job has no payment"))?;
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
async fn check_delivery(chain: &Chain, order: &OrderRow, d: &OnrampDelivery) -> anyhow::Result<Vec<String>> {
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
    let amount = U256::from_str(&order.amount).unwrap_or_default();
    match chain.client.moved_token(hash, expected_to, amount).await? {
        None => problems.push(format!("transaction {hash} is not on the chain")),
        Some(false) => problems.push(format!("transaction {hash} does not move {amount} of the token to the settlement wallet")),
        Some(true) => {}
    }
    Ok(problems)
}
