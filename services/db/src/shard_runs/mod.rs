//! Dispatch and the shard-run queue (DESIGN.md §5): the shard plan of a job, its shard runs, leases
//! taken with `FOR UPDATE SKIP LOCKED`, heartbeats, completions, the reaper's reads, and the
//! `LISTEN/NOTIFY` channel that wakes long-polling workers.
//!
//! This module holds the queue's `LISTEN/NOTIFY` channel; the rest is split by stage: `plan` (the
//! shards and their record map), `runs` (reading runs and their counts), `lease` (a lease's life:
//! taken, extended, completed, ended or handed back), `reaper` (expired leases) and `retrain`
//! (queuing succeeded shards again for an erasure).

mod lease;
mod plan;
mod reaper;
mod retrain;
mod runs;

pub use lease::{Completion, Heartbeat, Leased, complete, end_attempt, hand_back, heartbeat, lease};
pub use plan::{NewShard, PlanRecord, ShardRow, accepted_records, clear_plan, insert_plan, set_dispatched, shards};
pub use reaper::{expired, try_reaper_lock};
pub use retrain::{requeue_from_slice, rewind_queued};
pub use runs::{RunCounts, RunRow, counts, get_run, runs_of_job, shard_records, succeeded_lease};

use anyhow::Context;
use sqlx::PgConnection;
use sqlx::postgres::PgListener;

/// The channel a new or re-queued shard run is announced on.
pub const CHANNEL: &str = "attune_shard_runs";

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
