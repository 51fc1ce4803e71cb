//! A lease's life, each step guarded on the lease id: taken with `FOR UPDATE SKIP LOCKED`, extended
//! by heartbeats (which record progress), completed, ended (retried or failed) or handed back.

use anyhow::Context;
use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

/// A lease just taken.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Leased {
    pub id: Uuid,
    pub job_id: Uuid,
    pub shard_index: i32,
    pub attempt: i32,
    pub lease_id: Uuid,
    pub lease_expires_at: DateTime<Utc>,
    pub slices_done: i32,
}

/// Leases the oldest eligible run (queued, past its backoff, of a job that is queued or training)
/// to `worker_id`; concurrent callers skip each other's locked rows.
pub async fn lease(conn: &mut PgConnection, worker_id: Uuid, lease_id: Uuid, lease_secs: f64) -> anyhow::Result<Option<Leased>> {
    sqlx::query_as!(
        Leased,
        r#"with next as (
            select r.id from shard_run r join job j on j.id = r.job_id
            where r.status = 'queued' and r.not_before <= now() and j.status in ('queued', 'training')
            order by r.created_at, r.shard_index
            limit 1
            for update of r skip locked
         )
         update shard_run r set status = 'leased', worker_id = $1, lease_id = $2, leased_at = now(),
            lease_expires_at = now() + make_interval(secs => $3), attempt = r.attempt + 1, progress = null
         from next where r.id = next.id
         returning r.id, r.job_id, r.shard_index, r.attempt, r.lease_id as "lease_id!", r.lease_expires_at as "lease_expires_at!", r.slices_done"#,
        worker_id,
        lease_id,
        lease_secs
    )
    .fetch_optional(conn)
    .await
    .context("failed to lease a shard run")
}

pub struct Heartbeat<'a> {
    pub run_id: Uuid,
    pub worker_id: Uuid,
    pub lease_id: Uuid,
    pub lease_secs: f64,
    pub attempt: i32,
    pub slice: i32,
    pub slice_done: bool,
    pub step: i64,
    pub loss: Option<f64>,
    pub tokens: i64,
    pub flops: f64,
    pub progress: &'a serde_json::Value,
}

/// Extends a live lease and records progress; `None` when the lease is no longer this one's.
pub async fn heartbeat(conn: &mut PgConnection, h: &Heartbeat<'_>) -> anyhow::Result<Option<DateTime<Utc>>> {
    let expires: Option<DateTime<Utc>> = sqlx::query_scalar!(
        r#"update shard_run set lease_expires_at = now() + make_interval(secs => $4), progress = $5,
            slices_done = case when $6 then greatest(slices_done, $7 + 1) else slices_done end
         where id = $1 and status = 'leased' and worker_id = $2 and lease_id = $3 and lease_expires_at > now()
         returning lease_expires_at as "lease_expires_at!""#,
        h.run_id,
        h.worker_id,
        h.lease_id,
        h.lease_secs,
        h.progress,
        h.slice_done,
        h.slice
    )
    .fetch_optional(&mut *conn)
    .await
    .context("failed to extend a lease")?;
    let Some(expires) = expires else { return Ok(None) };
    sqlx::query!(
        "insert into shard_run_progress (run_id, attempt, lease_id, slice, slice_done, step, loss, tokens, flops)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        h.run_id,
        h.attempt,
        h.lease_id,
        h.slice,
        h.slice_done,
        h.step,
        h.loss,
        h.tokens,
        h.flops
    )
    .execute(conn)
    .await
    .context("failed to record progress")?;
    Ok(Some(expires))
}

pub struct Completion<'a> {
    pub run_id: Uuid,
    pub worker_id: Uuid,
    pub lease_id: Uuid,
    pub tokens: i64,
    pub flops: f64,
    pub metrics: &'a serde_json::Value,
    pub artifacts: &'a serde_json::Value,
}

/// Marks a live lease's run succeeded; false when the lease is no longer this one's.
pub async fn complete(conn: &mut PgConnection, c: &Completion<'_>) -> anyhow::Result<bool> {
    let done = sqlx::query!(
        "update shard_run set status = 'succeeded', lease_id = null, lease_expires_at = null, tokens = $4, flops = $5, metrics = $6,
            artifacts = $7, succeeded_lease_id = lease_id, slices_done = (select cardinality(slice_sizes) from job_shard s
                                           where s.job_id = shard_run.job_id and s.shard_index = shard_run.shard_index),
            finished_at = now(), error = null
         where id = $1 and status = 'leased' and worker_id = $2 and lease_id = $3 and lease_expires_at > now()",
        c.run_id,
        c.worker_id,
        c.lease_id,
        c.tokens,
        c.flops,
        c.metrics,
        c.artifacts
    )
    .execute(conn)
    .await
    .context("failed to complete a shard run")?;
    Ok(done.rows_affected() == 1)
}

/// Ends a leased attempt: back to the queue after `backoff_secs`, or failed for good (`None`).
/// Guarded on the lease; false when it is no longer the run's.
pub async fn end_attempt(
    conn: &mut PgConnection,
    run_id: Uuid,
    lease_id: Uuid,
    backoff_secs: Option<f64>,
    error: &str,
) -> anyhow::Result<bool> {
    let done = match backoff_secs {
        Some(secs) => {
            sqlx::query!(
                "update shard_run set status = 'queued', lease_id = null, lease_expires_at = null, progress = null,
                    not_before = now() + make_interval(secs => $3), error = $4
                 where id = $1 and status = 'leased' and lease_id = $2",
                run_id,
                lease_id,
                secs,
                error
            )
            .execute(conn)
            .await
        }
        None => {
            sqlx::query!(
                "update shard_run set status = 'failed', lease_id = null, lease_expires_at = null, error = $3, finished_at = now()
                 where id = $1 and status = 'leased' and lease_id = $2",
                run_id,
                lease_id,
                error
            )
            .execute(conn)
            .await
        }
    }
    .context("failed to end a shard run's attempt")?;
    Ok(done.rows_affected() == 1)
}

/// A graceful hand-back of a live lease: queued again at once, and the attempt is not counted
/// against the maximum (the budget grows by one). False when the lease is no longer the run's.
pub async fn hand_back(conn: &mut PgConnection, run_id: Uuid, lease_id: Uuid, note: &str) -> anyhow::Result<bool> {
    let done = sqlx::query!(
        "update shard_run set status = 'queued', lease_id = null, lease_expires_at = null, progress = null, not_before = now(),
            max_attempts = max_attempts + 1, error = $3
         where id = $1 and status = 'leased' and lease_id = $2",
        run_id,
        lease_id,
        note
    )
    .execute(conn)
    .await
    .context("failed to hand a shard run back")?;
    Ok(done.rows_affected() == 1)
}
