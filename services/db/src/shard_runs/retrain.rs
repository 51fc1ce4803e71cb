//! Retraining after an erasure: a succeeded shard queued again from a slice, and a queued run
//! rewound to resume from it.

use anyhow::Context;
use sqlx::PgConnection;
use uuid::Uuid;

/// Queues a succeeded shard again from `from_slice` (an erasure): the next lease resumes from the
/// checkpoint before that slice; its outputs, counters and attempts start afresh. False unless the
/// run had succeeded.
pub async fn requeue_from_slice(conn: &mut PgConnection, job_id: Uuid, shard_index: i32, from_slice: i32) -> anyhow::Result<bool> {
    let done = sqlx::query!(
        "update shard_run set status = 'queued', slices_done = $3, attempt = 0, tokens = 0, flops = 0, metrics = null, artifacts = null,
            progress = null, succeeded_lease_id = null, finished_at = null, error = null, not_before = now(), updated_at = now()
         where job_id = $1 and shard_index = $2 and status = 'succeeded'",
        job_id,
        shard_index,
        from_slice
    )
    .execute(conn)
    .await
    .context("failed to queue a shard again")?;
    Ok(done.rows_affected() == 1)
}

/// A queued run that had passed `from_slice` in an earlier attempt resumes from it instead.
pub async fn rewind_queued(conn: &mut PgConnection, job_id: Uuid, shard_index: i32, from_slice: i32) -> anyhow::Result<bool> {
    let done = sqlx::query!(
        "update shard_run set slices_done = $3, updated_at = now()
         where job_id = $1 and shard_index = $2 and status = 'queued' and slices_done > $3",
        job_id,
        shard_index,
        from_slice
    )
    .execute(conn)
    .await
    .context("failed to rewind a queued shard")?;
    Ok(done.rows_affected() == 1)
}
