//! The shards an erasure retrains: recording them, reading them, moving each through its states,
//! and the erasures that touch a job.

use anyhow::Context;
use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ErasureShardRow {
    pub job_id: Uuid,
    pub shard_index: i32,
    pub from_slice: i32,
    pub state: String,
    pub old_adapters: Option<serde_json::Value>,
    pub new_adapters: Option<serde_json::Value>,
    pub flops: f64,
    pub full_flops: f64,
    pub queued_at: Option<DateTime<Utc>>,
    pub done_at: Option<DateTime<Utc>>,
    pub old_run_id: Option<Uuid>,
    pub old_lease_id: Option<Uuid>,
}

pub async fn insert_shards(conn: &mut PgConnection, erasure_id: Uuid, shards: &[(Uuid, i32, i32)]) -> anyhow::Result<()> {
    let jobs: Vec<Uuid> = shards.iter().map(|s| s.0).collect();
    let indexes: Vec<i32> = shards.iter().map(|s| s.1).collect();
    let slices: Vec<i32> = shards.iter().map(|s| s.2).collect();
    sqlx::query!(
        "insert into erasure_shard (erasure_id, job_id, shard_index, from_slice)
         select $1, v.job_id, v.shard_index, v.from_slice from unnest($2::uuid[], $3::int[], $4::int[]) as v(job_id, shard_index, from_slice)",
        erasure_id,
        &jobs[..],
        &indexes[..],
        &slices[..]
    )
    .execute(conn)
    .await
    .context("failed to record an erasure's shards")?;
    Ok(())
}

pub async fn shards_of(conn: &mut PgConnection, erasure_id: Uuid) -> anyhow::Result<Vec<ErasureShardRow>> {
    sqlx::query_as!(
        ErasureShardRow,
        "select job_id, shard_index, from_slice, state, old_adapters, new_adapters, flops, full_flops, queued_at, done_at, old_run_id,
            old_lease_id
         from erasure_shard where erasure_id = $1 order by job_id, shard_index",
        erasure_id
    )
    .fetch_all(conn)
    .await
    .context("failed to read an erasure's shards")
}

/// What changes on a shard of an erasure.
pub struct ShardUpdate<'a> {
    pub erasure_id: Uuid,
    pub job_id: Uuid,
    pub shard_index: i32,
    pub from_state: &'a str,
    pub to_state: &'a str,
    pub old_adapters: Option<&'a serde_json::Value>,
    pub new_adapters: Option<&'a serde_json::Value>,
    pub flops: Option<f64>,
    pub full_flops: Option<f64>,
    /// The run and lease whose outputs the retraining replaces.
    pub old_lease: Option<(Uuid, Uuid)>,
}

/// Moves a shard of an erasure on, guarded on the state it leaves; false when it moved already.
pub async fn update_shard(conn: &mut PgConnection, u: &ShardUpdate<'_>) -> anyhow::Result<bool> {
    let done = sqlx::query!(
        "update erasure_shard set state = $5, old_adapters = coalesce($6, old_adapters), new_adapters = coalesce($7, new_adapters),
            flops = coalesce($8, flops), full_flops = coalesce($9, full_flops), old_run_id = coalesce($10, old_run_id),
            old_lease_id = coalesce($11, old_lease_id),
            queued_at = case when $5 = 'retraining' then now() else queued_at end,
            done_at = case when $5 in ('retrained', 'not_trained') then now() else done_at end
         where erasure_id = $1 and job_id = $2 and shard_index = $3 and state = $4",
        u.erasure_id,
        u.job_id,
        u.shard_index,
        u.from_state,
        u.to_state,
        u.old_adapters,
        u.new_adapters,
        u.flops,
        u.full_flops,
        u.old_lease.map(|l| l.0),
        u.old_lease.map(|l| l.1)
    )
    .execute(conn)
    .await
    .context("failed to move an erasure's shard")?;
    Ok(done.rows_affected() == 1)
}

/// The erasures that touch a job's shards: (request, status, requested, shard, from slice, state).
pub async fn for_job(conn: &mut PgConnection, job_id: Uuid) -> anyhow::Result<Vec<(Uuid, String, DateTime<Utc>, i32, i32, String)>> {
    let rows = sqlx::query!(
        "select r.id, r.status, r.created_at, s.shard_index, s.from_slice, s.state
         from erasure_shard s join erasure_request r on r.id = s.erasure_id
         where s.job_id = $1 order by r.created_at, s.shard_index",
        job_id
    )
    .fetch_all(conn)
    .await
    .context("failed to list a job's erasures")?;
    Ok(rows.into_iter().map(|r| (r.id, r.status, r.created_at, r.shard_index, r.from_slice, r.state)).collect())
}
