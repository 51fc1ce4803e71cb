//! Training workers and their scoped tokens (only the token's sha256 is stored).

use anyhow::Context;
use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

pub async fn insert(conn: &mut PgConnection, id: Uuid, name: &str, token_sha256: &[u8], created_by: Uuid) -> anyhow::Result<()> {
    sqlx::query!("insert into worker (id, name, token_sha256, created_by) values ($1, $2, $3, $4)", id, name, token_sha256, created_by)
        .execute(conn)
        .await
        .context("failed to insert a worker")?;
    Ok(())
}

/// The worker a token belongs to.
pub async fn find_by_token(conn: &mut PgConnection, token_sha256: &[u8]) -> anyhow::Result<Option<(Uuid, String)>> {
    let row = sqlx::query!("select id, name from worker where token_sha256 = $1", token_sha256)
        .fetch_optional(conn)
        .await
        .context("failed to look up a worker token")?;
    Ok(row.map(|r| (r.id, r.name)))
}

/// Records that a worker was heard from (and what it said it can do, on a lease).
pub async fn touch(conn: &mut PgConnection, id: Uuid, capabilities: Option<&serde_json::Value>) -> anyhow::Result<()> {
    sqlx::query!("update worker set last_heartbeat_at = now(), capabilities = coalesce($2, capabilities) where id = $1", id, capabilities)
        .execute(conn)
        .await
        .context("failed to touch a worker")?;
    Ok(())
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct WorkerRow {
    pub id: Uuid,
    pub name: String,
    pub capabilities: serde_json::Value,
    pub last_heartbeat_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub current_run_id: Option<Uuid>,
    pub current_job_id: Option<Uuid>,
    pub current_shard_index: Option<i32>,
    pub current_lease_expires_at: Option<DateTime<Utc>>,
}

pub async fn list(conn: &mut PgConnection) -> anyhow::Result<Vec<WorkerRow>> {
    sqlx::query_as!(
        WorkerRow,
        r#"select w.id, w.name, w.capabilities, w.last_heartbeat_at, w.created_at, r.id as "current_run_id?",
            r.job_id as "current_job_id?", r.shard_index as "current_shard_index?", r.lease_expires_at as "current_lease_expires_at?"
         from worker w
         left join lateral (select id, job_id, shard_index, lease_expires_at from shard_run
                            where worker_id = w.id and status = 'leased' order by leased_at desc limit 1) r on true
         order by w.created_at, w.id"#,
    )
    .fetch_all(conn)
    .await
    .context("failed to list workers")
}

/// Creates the server's own worker for `system_key`, or gives the existing one a new token.
pub async fn upsert_system(conn: &mut PgConnection, system_key: &str, name: &str, token_sha256: &[u8]) -> anyhow::Result<Uuid> {
    sqlx::query_scalar!(
        "insert into worker (id, name, token_sha256, system_key) values ($1, $2, $3, $4)
         on conflict (system_key) do update set token_sha256 = excluded.token_sha256, name = excluded.name
         returning id",
        Uuid::new_v4(),
        name,
        token_sha256,
        system_key,
    )
    .fetch_one(conn)
    .await
    .context("failed to register the server's worker")
}
