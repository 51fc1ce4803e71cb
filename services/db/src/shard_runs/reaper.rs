//! The reaper's reads: expired leases (locked, so replicas skip each other) and the advisory lock
//! that lets one replica reap at a time.

use anyhow::Context;
use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use super::RunRow;

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
