//! Read-only queries over onramp orders for the pages (the order rules live in `onramp`).

use anyhow::Context;
use sqlx::PgConnection;
use uuid::Uuid;

use crate::onramp::OrderRow;

/// The job's most recent onramp order, if any.
pub async fn latest_for_job(conn: &mut PgConnection, job_id: Uuid) -> anyhow::Result<Option<OrderRow>> {
    sqlx::query_as!(
        OrderRow,
        "select id, organization_id, job_id, provider, fiat_currency, amount, destination, status, tx_hash, provider_ref, detail, created_at
         from onramp_order where job_id = $1 order by created_at desc, id desc limit 1",
        job_id,
    )
    .fetch_optional(conn)
    .await
    .context("failed to read the job's latest onramp order")
}
