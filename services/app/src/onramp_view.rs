//! What the payment page shows before and during a card purchase (read only): how the job is
//! being paid (not chosen yet, from the buyer's own wallet, or by card through the onramp into the
//! platform's settlement wallet), the job's latest onramp order with the provider's page to
//! continue at, and the organisation's KYC level. The order rules themselves live in `onramp`.

use std::str::FromStr;

use alloy_primitives::Address;
use anyhow::Context;
use attune_db::onramp::OrderRow;
use chrono::{DateTime, Utc};
use sqlx::PgPool;
use uuid::Uuid;

use crate::Actor;
use crate::chain::Chain;
use crate::error::AppError;
use crate::onramp::OnrampProviders;
use crate::view::view;

view! {
    /// What the sandbox provider's page shows of an order: what to deliver where, and whether it still waits.
    #[derive(Debug, Clone)]
    pub struct ProviderOrder from OrderRow {
        pub id: Uuid,
        pub job_id: Uuid,
        pub fiat_currency: String,
        /// USDC base units.
        pub amount: String,
        pub destination: String,
        pub status: String,
    }
}

/// How a job's payment is being made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaymentRoute {
    /// No quote yet: the buyer still chooses.
    NotChosen,
    /// The quote is for the buyer's own verified wallet.
    Wallet,
    /// The quote is for the platform's settlement wallet, which an onramp order pays.
    Card,
}

#[derive(Debug, Clone)]
pub struct OrderSummary {
    pub id: Uuid,
    pub provider: String,
    /// `created`, `funding`, `failed`, `mismatch` (or whatever the order rules add).
    pub status: String,
    pub fiat_currency: String,
    /// Integer base units of the token.
    pub amount: String,
    pub tx_hash: Option<String>,
    pub created_at: DateTime<Utc>,
    /// The provider's hosted page, while the order waits for the buyer there.
    pub widget_url: Option<String>,
}

#[derive(Debug, Clone)]
pub struct PaymentOverview {
    pub job_status: String,
    /// The job's price, integer base units.
    pub amount: String,
    /// `none`, `basic` or `enhanced`.
    pub kyc_level: String,
    pub route: PaymentRoute,
    /// The payment's status once a quote exists.
    pub payment_status: Option<String>,
    pub latest_order: Option<OrderSummary>,
}

fn summary(providers: &OnrampProviders, o: OrderRow) -> OrderSummary {
    let widget_url =
        (o.provider == "sandbox" && o.status == "created").then(|| format!("{}/sandbox/onramp/{}", providers.public_url, o.id));
    OrderSummary {
        id: o.id,
        provider: o.provider,
        status: o.status,
        fiat_currency: o.fiat_currency,
        amount: o.amount,
        tx_hash: o.tx_hash,
        created_at: o.created_at,
        widget_url,
    }
}

/// The caller's job's payment as the payment page presents it. Issues nothing.
pub async fn overview(
    pool: &PgPool,
    chain: &Chain,
    providers: &OnrampProviders,
    actor: &Actor,
    job_id: Uuid,
) -> Result<PaymentOverview, AppError> {
    let mut conn = pool.acquire().await.context("failed to acquire a connection")?;
    let job = attune_db::jobs::get(&mut conn, &actor.scope(), job_id).await?.ok_or(AppError::NotFound)?;
    let payment = attune_db::payments::get(&mut conn, job_id).await?;
    let kyc_level = attune_db::kyc::level(&mut conn, actor.organization_id).await?;
    let latest_order = attune_db::onramp_view::latest_for_job(&mut conn, job_id).await?.map(|o| summary(providers, o));
    let settlement = chain.client.operator_address();
    let route = match &payment {
        None => PaymentRoute::NotChosen,
        Some(p) if Address::from_str(&p.buyer_address).ok() == Some(settlement) => PaymentRoute::Card,
        Some(_) => PaymentRoute::Wallet,
    };
    Ok(PaymentOverview {
        job_status: job.status,
        amount: job.quote_amount,
        kyc_level,
        route,
        payment_status: payment.map(|p| p.status),
        latest_order,
    })
}

/// An order as its provider sees it (the sandbox provider's hosted page); no buyer is signed in there.
pub async fn provider_order(pool: &PgPool, id: Uuid) -> Result<ProviderOrder, AppError> {
    let mut conn = pool.acquire().await.context("failed to acquire a connection")?;
    Ok(attune_db::onramp::get(&mut conn, id).await?.ok_or(AppError::NotFound)?.into())
}
