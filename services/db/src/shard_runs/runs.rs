//! Reading shard runs: one run or a job's runs with their lease state, the per-job counts, a
//! shard's trainable records and the lease whose completion a shard kept.

use anyhow::Context;
use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RunRow {
    pub id: Uuid,
    pub job_id: Uuid,
    pub shard_index: i32,
    pub status: String,
    pub attempt: i32,
    pub max_attempts: i32,
    pub worker_id: Option<Uuid>,
    pub lease_id: Option<Uuid>,
    pub lease_expires_at: Option<DateTime<Utc>>,
    pub slices_done: i32,
    pub progress: Option<serde_json::Value>,
    pub tokens: i64,
    pub flops: f64,
    pub error: Option<String>,
    /// The shard's slice count.
    pub slices: i32,
    /// Whether the lease is past its expiry (by the database's clock).
    pub expired: bool,
}

pub async fn get_run(conn: &mut PgConnection, id: Uuid) -> anyhow::Result<Option<RunRow>> {
    sqlx::query_as!(
        RunRow,
        r#"select r.id, r.job_id, r.shard_index, r.status, r.attempt, r.max_attempts, r.worker_id, r.lease_id, r.lease_expires_at,
            r.slices_done, r.progress, r.tokens, r.flops, r.error, cardinality(s.slice_sizes) as "slices!",
            coalesce(r.lease_expires_at <= now(), false) as "expired!"
         from shard_run r join job_shard s on s.job_id = r.job_id and s.shard_index = r.shard_index where r.id = $1"#,
        id
    )
    .fetch_optional(conn)
    .await
    .context("failed to read a shard run")
}

pub async fn runs_of_job(conn: &mut PgConnection, job_id: Uuid) -> anyhow::Result<Vec<RunRow>> {
    sqlx::query_as!(
        RunRow,
        r#"select r.id, r.job_id, r.shard_index, r.status, r.attempt, r.max_attempts, r.worker_id, r.lease_id, r.lease_expires_at,
            r.slices_done, r.progress, r.tokens, r.flops, r.error, cardinality(s.slice_sizes) as "slices!",
            coalesce(r.lease_expires_at <= now(), false) as "expired!"
         from shard_run r join job_shard s on s.job_id = r.job_id and s.shard_index = r.shard_index
         where r.job_id = $1 order by r.shard_index"#,
        job_id
    )
    .fetch_all(conn)
    .await
    .context("failed to read a job's shard runs")
}

#[derive(Debug, Clone, Copy, sqlx::FromRow)]
pub struct RunCounts {
    pub total: i64,
    pub succeeded: i64,
    pub failed: i64,
}

pub async fn counts(conn: &mut PgConnection, job_id: Uuid) -> anyhow::Result<RunCounts> {
    sqlx::query_as!(
        RunCounts,
        r#"select count(*) as "total!", count(*) filter (where status = 'succeeded') as "succeeded!",
            count(*) filter (where status = 'failed') as "failed!"
         from shard_run where job_id = $1"#,
        job_id
    )
    .fetch_one(conn)
    .await
    .context("failed to count a job's shard runs")
}

/// A shard's trainable records (text records) with their slice, in slice order.
pub async fn shard_records(conn: &mut PgConnection, job_id: Uuid, shard_index: i32) -> anyhow::Result<Vec<(String, i32, String)>> {
    let rows = sqlx::query!(
        r#"select a.record_id, a.slice, r.text as "text!"
         from job_shard_record a join job j on j.id = a.job_id
         join dataset_record r on r.dataset_id = j.dataset_id and r.record_id = a.record_id
         where a.job_id = $1 and a.shard_index = $2 and r.text is not null
         order by a.slice, a.position"#,
        job_id,
        shard_index
    )
    .fetch_all(conn)
    .await
    .context("failed to read a shard's records")?;
    Ok(rows.into_iter().map(|r| (r.record_id, r.slice, r.text)).collect())
}

/// The run of a shard and the lease whose completion it kept (`None` unless it succeeded).
pub async fn succeeded_lease(conn: &mut PgConnection, job_id: Uuid, shard_index: i32) -> anyhow::Result<Option<(Uuid, Uuid)>> {
    let row = sqlx::query!(
        "select id, succeeded_lease_id from shard_run where job_id = $1 and shard_index = $2 and status = 'succeeded'",
        job_id,
        shard_index
    )
    .fetch_optional(conn)
    .await
    .context("failed to read a shard's succeeded lease")?;
    Ok(row.and_then(|r| r.succeeded_lease_id.map(|l| (r.id, l))))
}
