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

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use attune_db::shard_runs::RunRow;
use attune_domain::job::JobStatus;
use attune_domain::sisa::run::{AfterAttempt, after_attempt, resume_from_slice};
use attune_domain::sisa::{DispatchPolicy, ShardRunStatus};
use chrono::{DateTime, Utc};
use futures_util::Stream;
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::{PgConnection, PgPool};
use tokio::sync::Notify;
use uuid::Uuid;

use crate::artifact_store::{ArtifactStore, PutError};
use crate::error::AppError;
use crate::job_lifecycle::{Transition, transition};
use crate::workers::WorkerIdentity;

/// The longest a lease request waits for work.
pub const MAX_WAIT_SECS: u64 = 30;
/// How often a waiting lease request looks again without a notification (backoffs that ended).
const RECHECK: Duration = Duration::from_secs(5);

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

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct LeaseRequest {
    /// `{gpus, gpu_memory_gb, trainers: [...]}` (recorded on the worker).
    #[serde(default)]
    #[schema(value_type = Object)]
    pub capabilities: serde_json::Value,
    /// Seconds to wait for work (long-poll), at most 30; 0 or absent answers at once.
    pub wait_s: Option<u64>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct BaseModelFiles {
    /// `[{path, size, sha256, uri, download_url}]` as listed (and verified) for the base model;
    /// `download_url` is this server's (it streams local files and redirects to `uri` otherwise).
    #[schema(value_type = Vec<Object>)]
    pub files: serde_json::Value,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct LeaseGrant {
    pub run_id: Uuid,
    pub job_id: Uuid,
    pub shard_index: i32,
    /// The job's shard count (a token budget is shared among them).
    pub shards: i32,
    pub slices: i32,
    pub resume_from_slice: i32,
    /// The files of the checkpoint after slice `resume_from_slice - 1` (empty when it is 0), named
    /// `checkpoint-KKKK.<file>` as uploaded; download each from its `download_url` under this lease.
    pub resume_checkpoint: Vec<CheckpointFile>,
    pub attempt: i32,
    /// The idempotency key of (shard, attempt); send it back as `X-Lease-Id`.
    pub lease_id: Uuid,
    pub base_model: BaseModelFiles,
    #[schema(value_type = Object)]
    pub hyperparameters: serde_json::Value,
    /// The training method the job bought (`lora`).
    pub trainer: String,
    pub lease_expires_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CheckpointFile {
    pub name: String,
    pub sha256: String,
    pub size: i64,
    pub download_url: String,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct HeartbeatRequest {
    /// The slice being trained (0-based).
    pub slice: i64,
    /// True once that slice is finished and its checkpoint written: a retry resumes after it.
    #[serde(default)]
    pub slice_done: bool,
    pub step: i64,
    pub loss: Option<f64>,
    /// The attempt's running totals.
    pub tokens: i64,
    pub flops: f64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct HeartbeatAnswer {
    pub lease_expires_at: DateTime<Utc>,
    /// Stop: the job was cancelled (or ended); hand nothing more in.
    pub cancel: bool,
}

#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
pub struct ArtifactRef {
    pub name: String,
    pub sha256: String,
    pub size: i64,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct CompleteRequest {
    pub artifacts: Vec<ArtifactRef>,
    pub flops: f64,
    pub tokens: i64,
    #[serde(default)]
    #[schema(value_type = Object)]
    pub metrics: serde_json::Value,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct FailRequest {
    pub error: String,
    pub retryable: bool,
    /// A graceful hand-back (the worker is shutting down): the run is queued again at once and the
    /// attempt does not count against its maximum.
    #[serde(default)]
    pub handed_back: bool,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RunOutcome {
    /// The run's status after the call: `succeeded`, `queued` (retried later) or `failed`.
    pub status: String,
    /// The job's status after the call.
    pub job_status: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ArtifactStored {
    pub name: String,
    pub sha256: String,
    pub size: u64,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReapReport {
    pub requeued: usize,
    pub failed: usize,
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

    fn backoff(&self, attempt: u32, max_attempts: u32, retryable: bool) -> Option<f64> {
        match after_attempt(&self.policy, attempt, max_attempts, retryable) {
            AfterAttempt::Retry { backoff_secs } => Some(f64::from(self.backoff_override.unwrap_or(backoff_secs))),
            AfterAttempt::GiveUp => None,
        }
    }

    /// Leases a run, waiting up to `wait_s` seconds for one; `None` when nothing was queued.
    #[tracing::instrument(skip_all, fields(worker = %worker.id))]
    pub async fn lease(&self, worker: &WorkerIdentity, request: &LeaseRequest) -> Result<Option<LeaseGrant>, AppError> {
        if !request.capabilities.is_null() && !request.capabilities.is_object() {
            return Err(AppError::field("capabilities", "must be an object"));
        }
        let wait = Duration::from_secs(request.wait_s.unwrap_or(0).min(MAX_WAIT_SECS));
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let notified = self.wake.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if let Some(grant) = self.try_lease(worker, &request.capabilities).await? {
                return Ok(Some(grant));
            }
            let now = tokio::time::Instant::now();
            if now >= deadline {
                return Ok(None);
            }
            let nap = (deadline - now).min(RECHECK);
            tokio::select! {
                _ = &mut notified => {}
                _ = tokio::time::sleep(nap) => {}
            }
        }
    }

    async fn try_lease(&self, worker: &WorkerIdentity, capabilities: &serde_json::Value) -> Result<Option<LeaseGrant>, AppError> {
        let mut tx = self.pool.begin().await.context("failed to begin a lease")?;
        let capabilities = capabilities.is_object().then_some(capabilities);
        attune_db::workers::touch(&mut tx, worker.id, capabilities).await?;
        let lease_id = Uuid::new_v4();
        let Some(leased) = attune_db::shard_runs::lease(&mut tx, worker.id, lease_id, f64::from(self.lease_secs)).await? else {
            tx.commit().await.context("failed to commit a worker's visit")?;
            return Ok(None);
        };
        let job = attune_db::jobs::get_for_update(&mut tx, &attune_domain::OrgScope::Platform, leased.job_id)
            .await?
            .ok_or_else(|| AppError::Unexpected(anyhow::anyhow!("a shard run's job is missing")))?;
        let status = job_status(&job.status)?;
        if status == JobStatus::Queued {
            transition(
                &mut tx,
                &Transition {
                    job_id: job.id,
                    from: JobStatus::Queued,
                    to: JobStatus::Training,
                    actor: None,
                    detail: json!({"reason": "a worker leased the first shard", "shard": leased.shard_index, "worker": worker.id}),
                },
            )
            .await?;
        }
        let run = attune_db::shard_runs::get_run(&mut tx, leased.id).await?.ok_or(AppError::NotFound)?;
        let model = attune_db::models::get(&mut tx, job.base_model_id).await?.ok_or(AppError::NotFound)?;
        let slices = u32::try_from(run.slices).unwrap_or(1);
        let resume = resume_from_slice(u32::try_from(leased.slices_done).unwrap_or(0), slices);
        let resume_checkpoint =
            if resume > 0 { crate::shard_files::resume_checkpoint(&mut tx, leased.id, resume - 1).await? } else { Vec::new() };
        let shards = attune_db::shard_runs::counts(&mut tx, job.id).await?.total;
        let detail = json!({"event": "leased", "shard": leased.shard_index, "attempt": leased.attempt, "worker": worker.id,
            "lease_id": lease_id, "resume_from_slice": resume});
        self.shard_event(&mut tx, job.id, &worker.audit_id(), "shard_run.leased", &detail).await?;
        tx.commit().await.context("failed to commit a lease")?;
        Ok(Some(LeaseGrant {
            run_id: leased.id,
            job_id: leased.job_id,
            shard_index: leased.shard_index,
            shards: i32::try_from(shards).unwrap_or(i32::MAX),
            slices: run.slices,
            resume_from_slice: i32::try_from(resume).unwrap_or(0),
            resume_checkpoint,
            attempt: leased.attempt,
            lease_id,
            base_model: BaseModelFiles { files: crate::shard_files::with_download_urls(leased.id, &model.files) },
            hyperparameters: job.hyperparameters,
            trainer: job.method,
            lease_expires_at: leased.lease_expires_at,
        }))
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

    /// The shard's records as NDJSON lines `{id, slice, text}` in slice order (text records only).
    pub async fn records(&self, worker: &WorkerIdentity, run_id: Uuid, lease_hint: Option<Uuid>) -> Result<Vec<String>, AppError> {
        let mut conn = self.pool.acquire().await.context("failed to acquire a connection")?;
        let (run, _) = Self::held_run(&mut conn, worker, run_id, lease_hint).await?;
        let rows = attune_db::shard_runs::shard_records(&mut conn, run.job_id, run.shard_index).await?;
        Ok(rows.into_iter().map(|(id, slice, text)| json!({"id": id, "slice": slice, "text": text}).to_string()).collect())
    }

    #[tracing::instrument(skip_all, fields(worker = %worker.id, run = %run_id))]
    pub async fn heartbeat(
        &self,
        worker: &WorkerIdentity,
        run_id: Uuid,
        lease_hint: Option<Uuid>,
        h: &HeartbeatRequest,
    ) -> Result<HeartbeatAnswer, AppError> {
        let mut tx = self.pool.begin().await.context("failed to begin a heartbeat")?;
        let (run, lease_id) = Self::held_run(&mut tx, worker, run_id, lease_hint).await?;
        if h.slice < 0 || h.slice >= i64::from(run.slices) {
            return Err(AppError::field("slice", format!("must be between 0 and {} (the shard's slices)", run.slices - 1)));
        }
        if h.step < 0 {
            return Err(AppError::field("step", "must not be negative"));
        }
        if h.loss.is_some_and(|l| !l.is_finite()) {
            return Err(AppError::field("loss", "must be a finite number"));
        }
        if h.tokens < 0 {
            return Err(AppError::field("tokens", "must not be negative"));
        }
        if !h.flops.is_finite() || h.flops < 0.0 {
            return Err(AppError::field("flops", "must be a finite number, not negative"));
        }
        let slice = i32::try_from(h.slice).unwrap_or(0);
        if h.slice_done {
            crate::shard_files::require_checkpoint(&mut tx, run_id, lease_id, slice).await?;
        }
        let progress = json!({"slice": slice, "slice_done": h.slice_done, "step": h.step, "loss": h.loss, "tokens": h.tokens,
            "flops": h.flops, "at": Utc::now()});
        let expires = attune_db::shard_runs::heartbeat(
            &mut tx,
            &attune_db::shard_runs::Heartbeat {
                run_id,
                worker_id: worker.id,
                lease_id,
                lease_secs: f64::from(self.lease_secs),
                attempt: run.attempt,
                slice,
                slice_done: h.slice_done,
                step: h.step,
                loss: h.loss,
                tokens: h.tokens,
                flops: h.flops,
                progress: &progress,
            },
        )
        .await?
        .ok_or_else(lease_lost)?;
        attune_db::workers::touch(&mut tx, worker.id, None).await?;
        let job = attune_db::jobs::get(&mut tx, &attune_domain::OrgScope::Platform, run.job_id).await?.ok_or(AppError::NotFound)?;
        let cancel = !matches!(job_status(&job.status)?, JobStatus::Queued | JobStatus::Training);
        tx.commit().await.context("failed to commit a heartbeat")?;
        Ok(HeartbeatAnswer { lease_expires_at: expires, cancel })
    }

    /// Stores an artifact under the worker's live lease; 422 when the body's sha256 is not `declared`.
    #[tracing::instrument(skip_all, fields(worker = %worker.id, run = %run_id, name = %name))]
    pub async fn put_artifact<S, B, E>(
        &self,
        worker: &WorkerIdentity,
        run_id: Uuid,
        lease_hint: Option<Uuid>,
        name: &str,
        declared: &str,
        body: S,
    ) -> Result<ArtifactStored, AppError>
    where
        S: Stream<Item = Result<B, E>> + Unpin,
        B: AsRef<[u8]>,
        E: std::fmt::Display,
    {
        if !crate::artifact_store::valid_name(name) {
            return Err(AppError::field("name", "must be a file name of letters, digits, '.', '_' or '-' (at most 128)"));
        }
        let declared = declared.trim().to_ascii_lowercase();
        if declared.len() != 64 || !declared.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(AppError::field("X-Content-Sha256", "must be the body's sha256 as 64 hex digits"));
        }
        let lease_id = {
            let mut conn = self.pool.acquire().await.context("failed to acquire a connection")?;
            Self::held_run(&mut conn, worker, run_id, lease_hint).await?.1
        };
        let stored = self.store.put(run_id, lease_id, name, &declared, body).await.map_err(|e| match e {
            PutError::DigestMismatch { actual } => {
                AppError::field("X-Content-Sha256", format!("does not match the body (its sha256 is {actual})"))
            }
            PutError::TooLarge => AppError::refused("artifact-too-large", Some("body"), "The artifact is larger than this server accepts."),
            PutError::Body(e) => AppError::field("body", format!("could not be read: {e}")),
            PutError::Unexpected(e) => AppError::Unexpected(e),
        })?;
        let mut tx = self.pool.begin().await.context("failed to begin recording an artifact")?;
        // The lease must still be live when the artifact is recorded.
        Self::held_run(&mut tx, worker, run_id, Some(lease_id)).await?;
        attune_db::shard_artifacts::put_artifact(
            &mut tx,
            &attune_db::shard_artifacts::NewArtifact {
                run_id,
                lease_id,
                name,
                sha256: &stored.sha256,
                size: i64::try_from(stored.size).unwrap_or(i64::MAX),
                location: &stored.location,
            },
        )
        .await?;
        tx.commit().await.context("failed to record an artifact")?;
        Ok(ArtifactStored { name: name.to_owned(), sha256: stored.sha256, size: stored.size })
    }

    #[tracing::instrument(skip_all, fields(worker = %worker.id, run = %run_id))]
    pub async fn complete(
        &self,
        worker: &WorkerIdentity,
        run_id: Uuid,
        lease_hint: Option<Uuid>,
        c: &CompleteRequest,
    ) -> Result<RunOutcome, AppError> {
        if !c.flops.is_finite() || c.flops < 0.0 {
            return Err(AppError::field("flops", "must be a finite number, not negative"));
        }
        if c.tokens < 0 {
            return Err(AppError::field("tokens", "must not be negative"));
        }
        if !c.metrics.is_null() && !c.metrics.is_object() {
            return Err(AppError::field("metrics", "must be an object"));
        }
        if c.artifacts.is_empty() {
            return Err(AppError::field("artifacts", "must list at least one uploaded artifact (the adapter)"));
        }
        let mut tx = self.pool.begin().await.context("failed to begin a completion")?;
        let (run, lease_id) = Self::held_run(&mut tx, worker, run_id, lease_hint).await?;
        let uploaded = attune_db::shard_artifacts::artifacts(&mut tx, run_id, lease_id).await?;
        for (i, a) in c.artifacts.iter().enumerate() {
            match uploaded.iter().find(|(name, _, _)| *name == a.name) {
                None => return Err(AppError::field(&format!("artifacts[{i}].name"), "was not uploaded under this lease")),
                Some((_, sha, size)) => {
                    if !sha.eq_ignore_ascii_case(a.sha256.trim()) {
                        return Err(AppError::field(&format!("artifacts[{i}].sha256"), "is not the uploaded artifact's sha256"));
                    }
                    if *size != a.size {
                        return Err(AppError::field(&format!("artifacts[{i}].size"), "is not the uploaded artifact's size"));
                    }
                }
            }
        }
        let artifacts = serde_json::to_value(&c.artifacts).context("failed to encode artifacts")?;
        let metrics = if c.metrics.is_null() { json!({}) } else { c.metrics.clone() };
        let done = attune_db::shard_runs::complete(
            &mut tx,
            &attune_db::shard_runs::Completion {
                run_id,
                worker_id: worker.id,
                lease_id,
                tokens: c.tokens,
                flops: c.flops,
                metrics: &metrics,
                artifacts: &artifacts,
            },
        )
        .await?;
        if !done {
            return Err(lease_lost());
        }
        // Lock order everywhere: the run, then its job, then the audit chain (no deadlock between
        // leases, completions and the reaper).
        let job =
            attune_db::jobs::get_for_update(&mut tx, &attune_domain::OrgScope::Platform, run.job_id).await?.ok_or(AppError::NotFound)?;
        let detail = json!({"event": "succeeded", "shard": run.shard_index, "attempt": run.attempt, "worker": worker.id,
            "lease_id": lease_id, "tokens": c.tokens, "flops": c.flops, "artifacts": artifacts});
        self.shard_event(&mut tx, run.job_id, &worker.audit_id(), "shard_run.succeeded", &detail).await?;
        let mut status = job_status(&job.status)?;
        let counts = attune_db::shard_runs::counts(&mut tx, run.job_id).await?;
        if counts.succeeded == counts.total && status == JobStatus::Training {
            // Aggregation (the SISA ensemble, the certificate, the payout) picks the job up here.
            transition(
                &mut tx,
                &Transition {
                    job_id: job.id,
                    from: status,
                    to: JobStatus::Aggregating,
                    actor: None,
                    detail: json!({"reason": "every shard trained", "shards": counts.total}),
                },
            )
            .await?;
            status = JobStatus::Aggregating;
        }
        tx.commit().await.context("failed to commit a completion")?;
        Ok(RunOutcome { status: ShardRunStatus::Succeeded.as_str().into(), job_status: status.as_str().into() })
    }

    #[tracing::instrument(skip_all, fields(worker = %worker.id, run = %run_id))]
    pub async fn fail(
        &self,
        worker: &WorkerIdentity,
        run_id: Uuid,
        lease_hint: Option<Uuid>,
        f: &FailRequest,
    ) -> Result<RunOutcome, AppError> {
        let error = f.error.trim();
        if error.is_empty() || error.chars().count() > 4000 {
            return Err(AppError::field("error", "must be 1 to 4000 characters"));
        }
        let mut tx = self.pool.begin().await.context("failed to begin a failure")?;
        let (run, lease_id) = Self::held_run(&mut tx, worker, run_id, lease_hint).await?;
        if f.handed_back {
            if !f.retryable {
                return Err(AppError::field("retryable", "must be true for a hand-back"));
            }
            let outcome = self.hand_back(&mut tx, &run, lease_id, error, &worker.audit_id()).await?;
            tx.commit().await.context("failed to commit a hand-back")?;
            self.wake.notify_waiters();
            return Ok(outcome);
        }
        let outcome = self.end_attempt(&mut tx, &run, lease_id, f.retryable, error, &worker.audit_id()).await?;
        tx.commit().await.context("failed to commit a failure")?;
        if outcome.status == ShardRunStatus::Queued.as_str() {
            self.wake.notify_waiters();
        }
        Ok(outcome)
    }

    /// Ends a leased attempt without success: back to the queue after the backoff, or (non-retryable,
    /// or the last attempt) failed for good — then the job fails and its escrow refund is requested.
    pub(crate) async fn end_attempt(
        &self,
        conn: &mut PgConnection,
        run: &RunRow,
        lease_id: Uuid,
        retryable: bool,
        error: &str,
        who: &str,
    ) -> Result<RunOutcome, AppError> {
        let attempt = u32::try_from(run.attempt).unwrap_or(u32::MAX);
        let max = u32::try_from(run.max_attempts).unwrap_or(1);
        let backoff = self.backoff(attempt, max, retryable);
        if !attune_db::shard_runs::end_attempt(conn, run.id, lease_id, backoff, error).await? {
            return Err(lease_lost());
        }
        let job = attune_db::jobs::get_for_update(conn, &attune_domain::OrgScope::Platform, run.job_id).await?.ok_or(AppError::NotFound)?;
        let next = if backoff.is_some() { ShardRunStatus::Queued } else { ShardRunStatus::Failed };
        let detail = json!({"event": next.as_str(), "shard": run.shard_index, "attempt": run.attempt, "lease_id": lease_id,
            "error": error, "retryable": retryable, "backoff_secs": backoff});
        self.shard_event(conn, run.job_id, who, &format!("shard_run.{}", if backoff.is_some() { "retried" } else { "failed" }), &detail)
            .await?;
        if backoff.is_some() {
            attune_db::shard_runs::notify(conn).await?;
        }
        let mut status = job_status(&job.status)?;
        if next == ShardRunStatus::Failed && status == JobStatus::Training {
            transition(
                conn,
                &Transition {
                    job_id: job.id,
                    from: status,
                    to: JobStatus::Failed,
                    actor: None,
                    detail: json!({"reason": "a shard failed for good", "shard": run.shard_index, "attempts": run.attempt, "error": error}),
                },
            )
            .await?;
            status = JobStatus::Failed;
            // Nothing is delivered, so the escrow goes back; the watcher moves the job to refunded. A
            // job already paid out was retraining for an erasure: nothing to refund, the admins act.
            match attune_db::payments::get(conn, job.id).await? {
                Some(payment) if payment.status == "released" => {
                    let detail = json!({"shard": run.shard_index, "error": error});
                    attune_db::chain::raise_alert(conn, "erasure_retrain_failed", &format!("job:{}", job.id), &detail).await?;
                }
                Some(payment) => {
                    crate::operator_txs::request_for_job(conn, "refund", job.id, &payment.job_ref).await?;
                }
                None => tracing::warn!(job = %job.id, "a failed job has no payment to refund"),
            }
        }
        Ok(RunOutcome { status: next.as_str().into(), job_status: status.as_str().into() })
    }
}
