//! Idempotency keys for creating POSTs (API.md conventions).

use anyhow::Context;
use sqlx::PgConnection;
use uuid::Uuid;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct StoredResponse {
    pub request_sha256: String,
    pub status_code: i32,
    pub response: serde_json::Value,
}

/// The response stored under a key. Call inside the creating transaction after
/// [`lock`], so two concurrent requests with one key are answered one after the other.
pub async fn find(conn: &mut PgConnection, organization_id: Uuid, scope: &str, key: &str) -> anyhow::Result<Option<StoredResponse>> {
    sqlx::query_as!(
        StoredResponse,
        "select request_sha256, status_code, response from idempotency_key where organization_id = $1 and scope = $2 and key = $3",
        organization_id,
        scope,
        key,
    )
    .fetch_optional(conn)
    .await
    .context("failed to read an idempotency key")
}

/// Serialises requests that carry the same key until the holder's transaction ends.
pub async fn lock(conn: &mut PgConnection, organization_id: Uuid, scope: &str, key: &str) -> anyhow::Result<()> {
    sqlx::query!("select pg_advisory_xact_lock(hashtextextended($1, 0))", format!("idempotency:{organization_id}:{scope}:{key}"))
        .execute(conn)
        .await
        .context("failed to lock an idempotency key")?;
    Ok(())
}

pub async fn store(
    conn: &mut PgConnection,
    organization_id: Uuid,
    scope: &str,
    key: &str,
    request_sha256: &str,
    status_code: i32,
    response: &serde_json::Value,
) -> anyhow::Result<()> {
    sqlx::query!(
        "insert into idempotency_key (organization_id, scope, key, request_sha256, status_code, response) values ($1, $2, $3, $4, $5, $6)",
        organization_id,
        scope,
        key,
        request_sha256,
        status_code,
        response,
    )
    .execute(conn)
    .await
    .context("failed to store an idempotency key")?;
    Ok(())
}
