//! Fine-tune certificates and what aggregation reads: the artifacts each shard delivered.

use anyhow::Context;
use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

/// A job waiting for aggregation, locked (another replica skips it).
pub async fn next_aggregating(conn: &mut PgConnection) -> anyhow::Result<Option<Uuid>> {
    sqlx::query_scalar!("select id from job where status = 'aggregating' order by updated_at limit 1 for update skip locked")
        .fetch_optional(conn)
        .await
        .context("failed to find a job to aggregate")
}

/// One artifact a succeeded shard run delivered (from the lease that completed it).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Delivered {
    pub shard_index: i32,
    pub run_id: Uuid,
    pub attempt: i32,
    pub tokens: i64,
    pub flops: f64,
    pub name: String,
    pub sha256: String,
    pub size: i64,
    pub location: String,
}

/// The artifacts of a job's succeeded runs named in their completions, by shard then name.
pub async fn delivered(conn: &mut PgConnection, job_id: Uuid) -> anyhow::Result<Vec<Delivered>> {
    sqlx::query_as!(
        Delivered,
        "select r.shard_index, r.id as run_id, r.attempt, r.tokens, r.flops, a.name, a.sha256, a.size, a.location
         from shard_run r
         join shard_run_artifact a on a.run_id = r.id and a.lease_id = r.succeeded_lease_id
         where r.job_id = $1 and r.status = 'succeeded'
           and exists (select 1 from jsonb_array_elements(r.artifacts) e where e->>'name' = a.name)
         order by r.shard_index, a.name",
        job_id,
    )
    .fetch_all(conn)
    .await
    .context("failed to list a job's delivered artifacts")
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CertificateRow {
    pub job_id: Uuid,
    pub version: i32,
    pub body: serde_json::Value,
    pub sha256: String,
    pub anchor_tx_hash: Option<String>,
    pub anchor_block: Option<i64>,
    pub created_at: DateTime<Utc>,
}

pub async fn insert(conn: &mut PgConnection, job_id: Uuid, version: i32, body: &serde_json::Value, sha256: &str) -> anyhow::Result<()> {
    sqlx::query!("insert into job_certificate (job_id, version, body, sha256) values ($1, $2, $3, $4)", job_id, version, body, sha256)
        .execute(&mut *conn)
        .await
        .context("failed to store a certificate")?;
    // A new version supersedes every earlier one (an erasure's retrained model).
    sqlx::query!(
        "update job_certificate set superseded_at = now() where job_id = $1 and version < $2 and superseded_at is null",
        job_id,
        version
    )
    .execute(conn)
    .await
    .context("failed to supersede a certificate")?;
    Ok(())
}

/// The job's current certificate (the newest version not superseded).
pub async fn current(conn: &mut PgConnection, job_id: Uuid) -> anyhow::Result<Option<CertificateRow>> {
    sqlx::query_as!(
        CertificateRow,
        "select job_id, version, body, sha256, anchor_tx_hash, anchor_block, created_at from job_certificate
         where job_id = $1 and superseded_at is null order by version desc limit 1",
        job_id,
    )
    .fetch_optional(conn)
    .await
    .context("failed to read a certificate")
}

/// Records where a certificate was anchored (the subject `certificate:<job>:<version>`).
pub async fn set_anchor(conn: &mut PgConnection, job_id: Uuid, version: i32, tx_hash: &str, block: i64) -> anyhow::Result<()> {
    sqlx::query!(
        "update job_certificate set anchor_tx_hash = $3, anchor_block = $4 where job_id = $1 and version = $2",
        job_id,
        version,
        tx_hash,
        block,
    )
    .execute(conn)
    .await
    .context("failed to record a certificate's anchor")?;
    Ok(())
}
