//! The shard queue's housekeeping: the reaper that returns expired leases to the queue (one replica
//! at a time, under an advisory lock), and the listener that wakes this replica's waiting lease
//! requests on every `NOTIFY` of the queue channel.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use attune_domain::sisa::ShardRunStatus;
use chrono::{DateTime, Utc};
use sqlx::PgPool;
use tokio::sync::{Notify, watch};

use crate::error::AppError;
use crate::shard_queue::{ReapReport, ShardQueue};

impl ShardQueue {
    /// One reaper step: leases expired at `as_of` go back to the queue with their backoff, or fail
    /// at the last attempt. One replica at a time (an advisory lock); tests call it directly.
    pub async fn reap(&self, as_of: DateTime<Utc>) -> Result<ReapReport, AppError> {
        let mut tx = self.pool.begin().await.context("failed to begin reaping")?;
        if !attune_db::shard_runs::try_reaper_lock(&mut tx).await? {
            return Ok(ReapReport::default());
        }
        let expired = attune_db::shard_runs::expired(&mut tx, as_of, 100).await?;
        let mut report = ReapReport::default();
        for run in &expired {
            let Some(lease_id) = run.lease_id else { continue };
            let outcome = self.end_attempt(&mut tx, run, lease_id, true, "the lease expired without a heartbeat", "system:reaper").await?;
            if outcome.status == ShardRunStatus::Queued.as_str() {
                report.requeued += 1;
            } else {
                report.failed += 1;
            }
        }
        tx.commit().await.context("failed to commit reaping")?;
        if report.requeued > 0 {
            self.wake.notify_waiters();
        }
        Ok(report)
    }

    /// Deletes the artifact-store objects an erasure superseded (`artifact_purge`); returns how many.
    /// Any replica may run it: each object is locked while it is deleted.
    pub async fn purge_artifacts(&self) -> Result<usize, AppError> {
        let mut tx = self.pool.begin().await.context("failed to begin a purge")?;
        let locations = attune_db::erasure::lock_purge(&mut tx, 100).await?;
        for location in &locations {
            self.store.delete(location).await?;
            attune_db::erasure::purged(&mut tx, location).await?;
        }
        tx.commit().await.context("failed to commit a purge")?;
        Ok(locations.len())
    }

    /// The reaper as a background task.
    pub async fn run_reaper(self: Arc<Self>, mut shutdown: watch::Receiver<bool>) {
        let every = Duration::from_secs(u64::from(self.lease_secs.clamp(1, 10)));
        loop {
            if let Err(e) = self.reap(Utc::now()).await {
                tracing::error!(error = %e, "reaping expired shard-run leases failed");
            }
            if let Err(e) = self.purge_artifacts().await {
                tracing::error!(error = %e, "deleting superseded artifacts failed");
            }
            tokio::select! {
                _ = tokio::time::sleep(every) => {}
                _ = shutdown.changed() => return,
            }
        }
    }
}

/// Wakes this process's waiting lease requests on every `NOTIFY` of the queue channel; reconnects
/// after an error. Runs in every replica (long-polls are answered by the replica that holds them).
pub async fn follow_notifications(pool: PgPool, wake: Arc<Notify>, mut shutdown: watch::Receiver<bool>) {
    loop {
        let mut listener = match attune_db::shard_runs::listen(&pool).await {
            Ok(l) => l,
            Err(e) => {
                tracing::warn!(error = %format!("{e:#}"), "the shard queue listener could not connect; retrying");
                tokio::select! {
                    _ = tokio::time::sleep(Duration::from_secs(2)) => continue,
                    _ = shutdown.changed() => return,
                }
            }
        };
        loop {
            tokio::select! {
                got = listener.recv() => match got {
                    Ok(_) => wake.notify_waiters(),
                    Err(e) => {
                        tracing::warn!(error = %e, "the shard queue listener lost its connection");
                        // Wake everyone: a notification may have been missed.
                        wake.notify_waiters();
                        break;
                    }
                },
                _ = shutdown.changed() => return,
            }
        }
    }
}
