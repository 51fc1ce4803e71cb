//! The chain watcher's memory (events seen once, by `(chain_id, tx_hash, log_index)`, and its
//! cursor), the operator's transactions, and the reconciler's alerts.

use anyhow::Context;
use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

pub async fn cursor(conn: &mut PgConnection, name: &str, chain_id: i64) -> anyhow::Result<Option<i64>> {
    sqlx::query_scalar!("select block_number from chain_cursor where name = $1 and chain_id = $2", name, chain_id)
        .fetch_optional(conn)
        .await
        .context("failed to read the chain cursor")
}

pub async fn set_cursor(conn: &mut PgConnection, name: &str, chain_id: i64, block: i64) -> anyhow::Result<()> {
    sqlx::query!(
        "insert into chain_cursor (name, chain_id, block_number) values ($1, $2, $3)
         on conflict (name) do update set chain_id = excluded.chain_id, block_number = excluded.block_number, updated_at = now()",
        name,
        chain_id,
        block
    )
    .execute(conn)
    .await
    .context("failed to move the chain cursor")?;
    Ok(())
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct EventRow {
    pub id: i64,
    pub chain_id: i64,
    pub tx_hash: String,
    pub log_index: i64,
    pub block_number: i64,
    pub block_hash: String,
    pub event: String,
    pub job_ref: Option<String>,
    pub data: serde_json::Value,
    pub status: String,
}

pub struct SeenEvent<'a> {
    pub chain_id: i64,
    pub tx_hash: &'a str,
    pub log_index: i64,
    pub block_number: i64,
    pub block_hash: &'a str,
    pub contract: &'a str,
    pub event: &'a str,
    pub job_ref: Option<&'a str>,
    pub data: &'a serde_json::Value,
}

/// Records a log once. A log seen again in another block (a reorg that re-included its
/// transaction) moves with it; a log that was reorged away and comes back is seen again.
/// Returns true when the log was new.
pub async fn see(conn: &mut PgConnection, e: &SeenEvent<'_>) -> anyhow::Result<bool> {
    let inserted: Option<i64> = sqlx::query_scalar!(
        "insert into chain_event (chain_id, tx_hash, log_index, block_number, block_hash, contract, event, job_ref, data)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         on conflict (chain_id, tx_hash, log_index) do nothing returning id",
        e.chain_id,
        e.tx_hash,
        e.log_index,
        e.block_number,
        e.block_hash,
        e.contract,
        e.event,
        e.job_ref,
        e.data
    )
    .fetch_optional(&mut *conn)
    .await
    .context("failed to record a chain event")?;
    if inserted.is_some() {
        return Ok(true);
    }
    sqlx::query!(
        "update chain_event set block_number = $4, block_hash = $5, status = case when status in ('removed', 'reorged') then 'seen' else status end
         where chain_id = $1 and tx_hash = $2 and log_index = $3 and status <> 'applied' and (block_hash <> $5 or status in ('removed', 'reorged'))",
        e.chain_id,
        e.tx_hash,
        e.log_index,
        e.block_number,
        e.block_hash
    )
    .execute(conn)
    .await
    .context("failed to move a chain event")?;
    Ok(false)
}

/// Events seen but not applied, from `from_block` on.
pub async fn unapplied_since(conn: &mut PgConnection, chain_id: i64, from_block: i64) -> anyhow::Result<Vec<EventRow>> {
    sqlx::query_as!(
        EventRow,
        "select id, chain_id, tx_hash, log_index, block_number, block_hash, event, job_ref, data, status from chain_event
         where chain_id = $1 and status = 'seen' and block_number >= $2 order by block_number, log_index",
        chain_id,
        from_block
    )
    .fetch_all(conn)
    .await
    .context("failed to list unapplied chain events")
}

/// Events seen or applied from `from_block` on (the re-read range), to find those a reorg removed.
pub async fn recorded_since(conn: &mut PgConnection, chain_id: i64, from_block: i64) -> anyhow::Result<Vec<EventRow>> {
    sqlx::query_as!(
        EventRow,
        "select id, chain_id, tx_hash, log_index, block_number, block_hash, event, job_ref, data, status from chain_event
         where chain_id = $1 and status in ('seen', 'applied') and block_number >= $2
         order by block_number, log_index",
        chain_id,
        from_block
    )
    .fetch_all(conn)
    .await
    .context("failed to list recorded chain events")
}

/// Events deep enough to apply, oldest first.
pub async fn confirmable(conn: &mut PgConnection, chain_id: i64, up_to_block: i64) -> anyhow::Result<Vec<EventRow>> {
    sqlx::query_as!(
        EventRow,
        "select id, chain_id, tx_hash, log_index, block_number, block_hash, event, job_ref, data, status from chain_event
         where chain_id = $1 and status = 'seen' and block_number <= $2
         order by block_number, log_index for update",
        chain_id,
        up_to_block
    )
    .fetch_all(conn)
    .await
    .context("failed to list confirmable chain events")
}

pub async fn mark(conn: &mut PgConnection, id: i64, from: &str, to: &str) -> anyhow::Result<bool> {
    let done = sqlx::query!(
        "update chain_event set status = $3, applied_at = case when $3 = 'applied' then now() else applied_at end where id = $1 and status = $2",
        id,
        from,
        to
    )
    .execute(conn)
    .await
    .context("failed to mark a chain event")?;
    Ok(done.rows_affected() == 1)
}

pub async fn events_for(conn: &mut PgConnection, job_ref: &str) -> anyhow::Result<Vec<EventRow>> {
    sqlx::query_as!(
        EventRow,
        "select id, chain_id, tx_hash, log_index, block_number, block_hash, event, job_ref, data, status from chain_event
         where job_ref = $1 order by block_number, log_index",
        job_ref
    )
    .fetch_all(conn)
    .await
    .context("failed to list a job's chain events")
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ChainTxRow {
    pub id: Uuid,
    pub kind: String,
    pub subject: String,
    pub args: serde_json::Value,
    pub status: String,
    pub tx_hash: Option<String>,
    pub block_number: Option<i64>,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub updated_at: DateTime<Utc>,
}

/// Asks for an operator transaction; a second request for the same kind and subject is the first.
pub async fn request_tx(conn: &mut PgConnection, kind: &str, subject: &str, args: &serde_json::Value) -> anyhow::Result<bool> {
    let done = sqlx::query!(
        "insert into chain_tx (id, kind, subject, args) values ($1, $2, $3, $4) on conflict (kind, subject) do nothing",
        Uuid::now_v7(),
        kind,
        subject,
        args
    )
    .execute(conn)
    .await
    .context("failed to request an operator transaction")?;
    Ok(done.rows_affected() == 1)
}

/// The next transaction to send (pending, or sent long ago without a receipt), locked.
pub async fn claim_tx(conn: &mut PgConnection) -> anyhow::Result<Option<ChainTxRow>> {
    sqlx::query_as!(
        ChainTxRow,
        "select id, kind, subject, args, status, tx_hash, block_number, attempts, last_error, updated_at from chain_tx
         where (status = 'pending' or (status = 'sent' and updated_at < now() - interval '2 minutes')) and attempts < 5
         order by created_at limit 1 for update skip locked"
    )
    .fetch_optional(conn)
    .await
    .context("failed to claim an operator transaction")
}

pub async fn finish_tx(
    conn: &mut PgConnection,
    id: Uuid,
    status: &str,
    tx_hash: Option<&str>,
    block: Option<i64>,
    error: Option<&str>,
) -> anyhow::Result<()> {
    sqlx::query!(
        "update chain_tx set status = $2, tx_hash = coalesce($3, tx_hash), block_number = coalesce($4, block_number), last_error = $5,
            attempts = attempts + 1 where id = $1",
        id,
        status,
        tx_hash,
        block,
        error
    )
    .execute(conn)
    .await
    .context("failed to record an operator transaction")?;
    Ok(())
}

pub async fn txs_for(conn: &mut PgConnection, subject: &str) -> anyhow::Result<Vec<ChainTxRow>> {
    sqlx::query_as!(ChainTxRow, "select id, kind, subject, args, status, tx_hash, block_number, attempts, last_error, updated_at from chain_tx where subject = $1 order by created_at", subject)
        .fetch_all(conn)
        .await
        .context("failed to list operator transactions")
}

pub async fn raise_alert(conn: &mut PgConnection, kind: &str, subject: &str, detail: &serde_json::Value) -> anyhow::Result<()> {
    sqlx::query!(
        "insert into chain_alert (kind, subject, detail) values ($1, $2, $3) on conflict (kind, subject) where resolved_at is null do nothing",
        kind,
        subject,
        detail
    )
    .execute(conn)
        .await
        .context("failed to raise a chain alert")?;
    Ok(())
}

#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize)]
pub struct AlertRow {
    pub id: i64,
    pub kind: String,
    pub subject: String,
    pub detail: serde_json::Value,
    pub created_at: DateTime<Utc>,
}

pub async fn open_alerts(conn: &mut PgConnection) -> anyhow::Result<Vec<AlertRow>> {
    sqlx::query_as!(
        AlertRow,
        "select id, kind, subject, detail, created_at from chain_alert where resolved_at is null order by id desc limit 200"
    )
    .fetch_all(conn)
    .await
    .context("failed to list chain alerts")
}
