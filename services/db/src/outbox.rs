//! The transactional outbox.

use anyhow::Context;
use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OutboxItem {
    pub id: Uuid,
    pub kind: String,
    pub payload: serde_json::Value,
    pub attempts: i32,
}

/// Enqueues a side effect in the caller's transaction.
pub async fn enqueue(conn: &mut PgConnection, kind: &str, payload: &serde_json::Value) -> anyhow::Result<Uuid> {
    let id = Uuid::now_v7();
    sqlx::query!("insert into outbox (id, kind, payload) values ($1, $2, $3)", id, kind, payload)
        .execute(conn)
        .await
        .context("failed to enqueue outbox item")?;
    Ok(id)
}

/// Claims the oldest due item; other workers skip it while the caller's transaction is open.
pub async fn claim_due(conn: &mut PgConnection) -> anyhow::Result<Option<OutboxItem>> {
    sqlx::query_as!(
        OutboxItem,
        "select id, kind, payload, attempts from outbox
         where status = 'pending' and next_attempt_at <= now()
         order by next_attempt_at, id
         limit 1
         for update skip locked",
    )
    .fetch_optional(conn)
    .await
    .context("failed to claim outbox item")
}

pub async fn mark_delivered(conn: &mut PgConnection, id: Uuid) -> anyhow::Result<()> {
    sqlx::query!(
        "update outbox set status = 'delivered', delivered_at = now(), attempts = attempts + 1, last_error = null where id = $1 and status = 'pending'",
        id,
    )
    .execute(conn)
        .await
        .context("failed to mark outbox item delivered")?;
    Ok(())
}

/// Records a failed attempt: retried at `retry_at`, or dead when `retry_at` is `None`.
pub async fn mark_failed(conn: &mut PgConnection, id: Uuid, error: &str, retry_at: Option<DateTime<Utc>>) -> anyhow::Result<()> {
    sqlx::query!(
        "update outbox set attempts = attempts + 1, last_error = $2,
             status = case when $3::timestamptz is null then 'dead' else 'pending' end,
             next_attempt_at = coalesce($3, next_attempt_at)
         where id = $1 and status = 'pending'",
        id,
        error,
        retry_at,
    )
    .execute(conn)
    .await
    .context("failed to record outbox failure")?;
    Ok(())
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OutboxStatus {
    pub id: Uuid,
    pub kind: String,
    pub status: String,
    pub attempts: i32,
    pub last_error: Option<String>,
}

pub async fn list_recent(conn: &mut PgConnection, limit: i64) -> anyhow::Result<Vec<OutboxStatus>> {
    sqlx::query_as!(OutboxStatus, "select id, kind, status, attempts, last_error from outbox order by created_at desc limit $1", limit)
        .fetch_all(conn)
        .await
        .context("failed to list outbox")
}
