//! Provider webhooks already received (KYC, onramp), by event id: a replay is refused.

use anyhow::Context;
use sqlx::PgConnection;

/// Records a received webhook's event id for its source; false when it was received before (a replay).
pub async fn record(conn: &mut PgConnection, source: &str, event_id: &str) -> anyhow::Result<bool> {
    let done = sqlx::query!("insert into received_webhook (provider, event_id) values ($1, $2) on conflict do nothing", source, event_id)
        .execute(conn)
        .await
        .context("failed to record a received webhook")?;
    Ok(done.rows_affected() == 1)
}
