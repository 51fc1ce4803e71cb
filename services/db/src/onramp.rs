//! Onramp orders.

use anyhow::Context;
use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize)]
pub struct OrderRow {
    pub id: Uuid,
    pub organization_id: Uuid,
    pub job_id: Uuid,
    pub provider: String,
    pub fiat_currency: String,
    pub amount: String,
    pub destination: String,
    pub status: String,
    pub tx_hash: Option<String>,
    pub provider_ref: Option<String>,
    pub detail: serde_json::Value,
    pub created_at: DateTime<Utc>,
}

pub async fn insert(conn: &mut PgConnection, o: &OrderRow) -> anyhow::Result<()> {
    sqlx::query!(
        "insert into onramp_order (id, organization_id, job_id, provider, fiat_currency, amount, destination) values ($1, $2, $3, $4, $5, $6, $7)",
        o.id,
        o.organization_id,
        o.job_id,
        o.provider,
        o.fiat_currency,
        o.amount,
        o.destination,
    )
    .execute(conn)
    .await
    .context("failed to insert an onramp order")?;
    Ok(())
}

pub async fn get(conn: &mut PgConnection, id: Uuid) -> anyhow::Result<Option<OrderRow>> {
    sqlx::query_as!(
        OrderRow,
        "select id, organization_id, job_id, provider, fiat_currency, amount, destination, status, tx_hash, provider_ref, detail, created_at
         from onramp_order where id = $1",
        id,
    )
    .fetch_optional(conn)
    .await
    .context("failed to read an onramp order")
}

pub async fn for_update(conn: &mut PgConnection, id: Uuid) -> anyhow::Result<Option<OrderRow>> {
    sqlx::query_as!(
        OrderRow,
        "select id, organization_id, job_id, provider, fiat_currency, amount, destination, status, tx_hash, provider_ref, detail, created_at
         from onramp_order where id = $1 for update",
        id,
    )
    .fetch_optional(conn)
    .await
    .context("failed to lock an onramp order")
}

pub async fn settle(
    conn: &mut PgConnection,
    id: Uuid,
    status: &str,
    tx_hash: Option<&str>,
    provider_ref: Option<&str>,
    detail: &serde_json::Value,
) -> anyhow::Result<bool> {
    let done = sqlx::query!(
        "update onramp_order set status = $2, tx_hash = $3, provider_ref = $4, detail = $5 where id = $1 and status = 'created'",
        id,
        status,
        tx_hash,
        provider_ref,
        detail,
    )
    .execute(conn)
    .await
    .context("failed to settle an onramp order")?;
    Ok(done.rows_affected() == 1)
}

/// The order whose delivery is funding (or funded) the job's escrow, if the job is paid through the onramp.
pub async fn funding_order(conn: &mut PgConnection, job_id: Uuid) -> anyhow::Result<Option<OrderRow>> {
    sqlx::query_as!(
        OrderRow,
        "select id, organization_id, job_id, provider, fiat_currency, amount, destination, status, tx_hash, provider_ref, detail, created_at
         from onramp_order where job_id = $1 and status in ('funding', 'paid') order by created_at desc limit 1",
        job_id,
    )
    .fetch_optional(conn)
    .await
    .context("failed to read a job's onramp order")
}

/// The order an on-chain transfer already settles, if any (one transfer settles at most one order).
pub async fn settled_by_tx(conn: &mut PgConnection, tx_hash: &str) -> anyhow::Result<Option<OrderRow>> {
    sqlx::query_as!(
        OrderRow,
        "select id, organization_id, job_id, provider, fiat_currency, amount, destination, status, tx_hash, provider_ref, detail, created_at
         from onramp_order where lower(tx_hash) = lower($1) and status in ('funding', 'paid') limit 1",
        tx_hash,
    )
    .fetch_optional(conn)
    .await
    .context("failed to look up an onramp transfer")
}
