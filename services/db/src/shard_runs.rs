//! Dispatch and the shard-run queue (DESIGN.md §5): the shard plan of a job, its shard runs, leases
//! taken with `FOR UPDATE SKIP LOCKED`, heartbeats, completions, the reaper's reads, and the
//! `LISTEN/NOTIFY` channel that wakes long-polling workers.

use anyhow::Context;
use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use sqlx::postgres::PgListener;
use uuid::Uuid;

/// The channel a new or re-queued shard run is announced on.
pub const CHANNEL: &str = "attune_shard_runs";

/// An accepted record of a job as the planner needs it, in upload order.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PlanRecord {
    pub record_id: String,
    pub content_hash: String,
    pub pii_subject_ids: Vec<String>,
    pub has_text: bool,
}

/// The records a job's gate accepted (every dataset record not excluded), in upload order.
pub async fn accepted_records(conn: &mut PgConnection, job_id: Uuid, dataset_id: Uuid) -> anyhow::Result<Vec<PlanRecord>> {
    sqlx::query_as!(
        PlanRecord,
        r#"select r.record_id, r.content_hash, r.pii_subject_ids, r.text is not null as "has_text!"
         from dataset_record r
         where r.dataset_id = $2 and r.erased_at is null
           and not exists (select 1 from job_record_exclusion e where e.job_id = $1 and e.record_id = r.record_id)
         order by r.seq"#,
        job_id,
        dataset_id
    )
    .fetch_all(conn)
    .await
    .context("failed to read a job's accepted records")
}

/// Drops a previous plan of a job that never started training (it went back to payment review and
/// is dispatched again); its runs were never leased.
pub async fn clear_plan(conn: &mut PgConnection, job_id: Uuid) -> anyhow::Result<u64> {
    let done = sqlx::query!("delete from job_shard where job_id = $1", job_id)
        .execute(conn)
        .await
        .context("failed to clear a job's shard plan")?;
    Ok(done.rows_affected())
}

pub struct NewShard {
    pub index: i32,
    pub records: i32,
    pub personal_records: i32,
    pub merkle_root: String,
    pub slice_sizes: Vec<i32>,
}

/// Stores the shards, the record → (shard, slice) map and one queued run per shard.
pub async fn insert_plan(
    conn: &mut PgConnection,
    job_id: Uuid,
    shards: &[NewShard],
    assignments: &[(String, i32, i32)],
    max_attempts: i32,
) -> anyhow::Result<()> {
    for s in shards {
        sqlx::query!(
            "insert into job_shard (job_id, shard_index, records, personal_records, merkle_root, slice_sizes) values ($1, $2, $3, $4, $5, $6)",
            job_id,
            s.index,
            s.records,
            s.personal_records,
            &s.merkle_root,
            &s.slice_sizes[..]
        )
        .execute(&mut *conn)
        .await
        .context("failed to insert a job shard")?;
    }
    let ids: Vec<&str> = assignments.iter().map(|a| a.0.as_str()).collect();
    let shard: Vec<i32> = assignments.iter().map(|a| a.1).collect();
    let slice: Vec<i32> = assignments.iter().map(|a| a.2).collect();
    let position: Vec<i32> = (0..assignments.len()).map(|i| i32::try_from(i).unwrap_or(i32::MAX)).collect();
    sqlx::query!(
        "insert into job_shard_record (job_id, record_id, shard_index, slice, position)
         select $1, * from unnest($2::text[], $3::int[], $4::int[], $5::int[])",
        job_id,
        &ids[..] as &[&str],
        &shard[..],
        &slice[..],
        &position[..]
    )
    .execute(&mut *conn)
    .await
    .context("failed to store a job's record assignments")?;
    let indices: Vec<i32> = shards.iter().map(|s| s.index).collect();
    sqlx::query!(
        "insert into shard_run (id, job_id, shard_index, max_attempts)
         select gen_random_uuid(), $1, i, $3 from unnest($2::int[]) as i",
        job_id,
        &indices[..],
        max_attempts
    )
    .execute(&mut *conn)
    .await
    .context("failed to queue a job's shard runs")?;
    Ok(())
}

pub async fn set_dispatched(conn: &mut PgConnection, job_id: Uuid, version: &str, sha256: &str) -> anyhow::Result<()> {
    sqlx::query!(
        "update job set dispatch_policy_version = $2, dispatch_policy_sha256 = $3, dispatched_at = now() where id = $1",
        job_id,
        version,
        sha256
    )
    .execute(conn)
    .await
    .context("failed to record a job's dispatch")?;
    Ok(())
}

/// Wakes long-polling workers (delivered when the surrounding transaction commits).
pub async fn notify(conn: &mut PgConnection) -> anyhow::Result<()> {
    sqlx::query!("select pg_notify($1, '')", CHANNEL).execute(conn).await.context("failed to notify the queue")?;
    Ok(())
}

/// A listener on the queue's channel (its own connection).
pub async fn listen(pool: &sqlx::PgPool) -> anyhow::Result<PgListener> {
    let mut listener = PgListener::connect_with(pool).await.context("failed to open the queue listener")?;
    listener.listen(CHANNEL).await.context("failed to listen on the queue channel")?;
    Ok(listener)
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ShardRow {
    pub shard_index: i32,
    pub records: i32,
    pub personal_records: i32,
    pub merkle_root: String,
    pub slice_sizes: Vec<i32>,
}

pub async fn shards(conn: &mut PgConnection, job_id: Uuid) -> anyhow::Result<Vec<ShardRow>> {
    sqlx::query_as!(
        ShardRow,
        "select shard_index, records, personal_records, merkle_root, slice_sizes from job_shard where job_id = $1 order by shard_index",
        job_id
    )
    .fetch_all(conn)
    .await
    .context("failed to read a job's shards")
}

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

/// Leases past their expiry at `as_of`, locked (another reaper skips them).
pub async fn expired(conn: &mut PgConnection, as_of: DateTime<Utc>, limit: i64) -> anyhow::Result<Vec<RunRow>> {
    sqlx::query_as!(
        RunRow,
        r#"select r.id, r.job_id, r.shard_index, r.status, r.attempt, r.max_attempts, r.worker_id, r.lease_id, r.lease_expires_at,
            r.slices_done, r.progress, r.tokens, r.flops, r.error, cardinality(s.slice_sizes) as "slices!",
            coalesce(r.lease_expires_at <= now(), false) as "expired!"
         from shard_run r join job_shard s on s.job_id = r.job_id and s.shard_index = r.shard_index
         where r.status = 'leased' and r.lease_expires_at <= $1
         order by r.lease_expires_at limit $2
         for update of r skip locked"#,
        as_of,
        limit
    )
    .fetch_all(conn)
    .await
    .context("failed to read expired leases")
}

/// One replica reaps at a time: a transaction-scoped advisory lock.
pub async fn try_reaper_lock(conn: &mut PgConnection) -> anyhow::Result<bool> {
    let got: bool = sqlx::query_scalar!(r#"select pg_try_advisory_xact_lock(hashtext('attune.shard_run_reaper')) as "got!""#)
        .fetch_one(conn)
        .await
        .context("failed to take the reaper lock")?;
    Ok(got)
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
