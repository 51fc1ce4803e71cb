//! The shard-run queue (DESIGN.md §5, API.md "Workers"): workers lease shard runs, report progress
//! by heartbeats that extend the lease, upload artifacts and complete or fail; a reaper returns
//! expired leases to the queue with a backoff or, at the last attempt, fails the run.
//!
//! **Leases.** A lease takes the oldest eligible run (`queued`, past its backoff, of a job that is
//! queued or training) with `FOR UPDATE SKIP LOCKED`, so concurrent workers never wait on each other.
//! Each lease has a fresh id, the idempotency key of (shard, attempt): every later call is applied
//! as `update … where lease_id = $current and lease_expires_at > now()`, so a call from a lost lease
//! (expired, reaped, or another attempt's) is refused with 409 and changes nothing. The lease id is
//! returned as `lease_id`; a worker that sends it back in `X-Lease-Id` has it checked too.
//!
//! **Slices and resume.** A heartbeat names the slice being trained; `slice_done: true` reports that
//! slice finished and its checkpoint written (the worker sends it after every slice). A retried run's
//! lease answers `resume_from_slice` = the first slice no earlier attempt finished.
//!
//! **Accounting.** Heartbeats carry the attempt's running totals; they are kept per attempt in the
//! progress history (the loss curve). A shard's tokens and FLOPs are the ones its successful
//! completion reports, once: a lost attempt's late completion is refused, so nothing counts twice.
//!
//! **Long-poll.** A lease request waits up to `wait_s` (at most 30 s), woken by `NOTIFY` on the queue
//! channel (one listener per process, [`follow_notifications`]) and re-checking every few seconds for
//! runs whose backoff ended.

mod lease;
mod outcome;
mod progress;
mod protocol;

pub use lease::MAX_WAIT_SECS;
pub use protocol::{
    ArtifactRef, ArtifactStored, BaseModelFiles, CheckpointFile, CompleteRequest, FailRequest, HeartbeatAnswer, HeartbeatRequest,
    LeaseGrant, LeaseRequest, ReapReport, RunOutcome,
};

use std::sync::Arc;

use attune_db::shard_runs::RunRow;
use attune_domain::job::JobStatus;
use attune_domain::sisa::{DispatchPolicy, ShardRunStatus};
use sqlx::{PgConnection, PgPool};
use tokio::sync::Notify;
use uuid::Uuid;

use crate::artifact_store::ArtifactStore;
use crate::error::AppError;
use crate::workers::WorkerIdentity;

pub struct ShardQueue {
    pub(crate) pool: PgPool,
    policy: DispatchPolicy,
    pub(crate) lease_secs: u32,
    backoff_override: Option<u32>,
    pub(crate) wake: Arc<Notify>,
    pub(crate) store: ArtifactStore,
    /// Where `file://` model files may live (served to workers from here).
    pub(crate) model_file_root: Option<std::path::PathBuf>,
}

fn lease_lost() -> AppError {
    AppError::conflict(
        "lease-lost",
        "This worker no longer holds the lease on this run (it expired, was reaped, or another attempt holds it).",
    )
}

fn run_status(raw: &str) -> Result<ShardRunStatus, AppError> {
    ShardRunStatus::parse(raw).ok_or_else(|| AppError::Unexpected(anyhow::anyhow!("a stored shard run status is unknown: {raw}")))
}

fn job_status(raw: &str) -> Result<JobStatus, AppError> {
    JobStatus::parse(raw).ok_or_else(|| AppError::Unexpected(anyhow::anyhow!("a stored job status is unknown: {raw}")))
}

impl ShardQueue {
    pub fn new(pool: PgPool, settings: &crate::Settings) -> Result<Self, AppError> {
        let policy = crate::dispatch::policy()?;
        let lease_secs = settings.dispatch_lease_secs.unwrap_or(policy.lease_secs).max(1);
        Ok(Self {
            pool,
            policy,
            lease_secs,
            backoff_override: settings.dispatch_backoff_secs,
            wake: Arc::new(Notify::new()),
            store: ArtifactStore::open(settings.artifact_store_url.as_deref(), settings.artifacts_dir(), settings.artifact_max_bytes)
                .map_err(AppError::Unexpected)?,
            model_file_root: settings.model_file_root.clone(),
        })
    }

    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    pub fn wake(&self) -> Arc<Notify> {
        self.wake.clone()
    }

    pub fn artifact_store(&self) -> &ArtifactStore {
        &self.store
    }

    pub(crate) async fn shard_event(
        &self,
        conn: &mut PgConnection,
        job_id: Uuid,
        who: &str,
        action: &str,
        detail: &serde_json::Value,
    ) -> Result<(), AppError> {
        attune_db::jobs::insert_event(
            conn,
            &attune_db::jobs::NewEvent { job_id, kind: "shard", from_status: None, to_status: None, actor_id: None, detail },
        )
        .await?;
        attune_db::audit::append(conn, who, action, &format!("job:{job_id}"), detail).await?;
        Ok(())
    }

    /// The run as this worker's live lease: 404 for no such run, 409 when the lease is not (or no
    /// longer) this worker's.
    pub(crate) async fn held_run(
        conn: &mut PgConnection,
        worker: &WorkerIdentity,
        run_id: Uuid,
        lease_hint: Option<Uuid>,
    ) -> Result<(RunRow, Uuid), AppError> {
        let run = attune_db::shard_runs::get_run(conn, run_id).await?.ok_or(AppError::NotFound)?;
        let held = run_status(&run.status)? == ShardRunStatus::Leased && run.worker_id == Some(worker.id) && !run.expired;
        match run.lease_id {
            Some(lease) if held && lease_hint.is_none_or(|h| h == lease) => Ok((run, lease)),
            _ => Err(lease_lost()),
        }
    }
}
