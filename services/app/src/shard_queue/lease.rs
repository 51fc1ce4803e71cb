//! Leasing: a lease request takes the oldest eligible run (long-polling up to `wait_s`, woken by
//! the queue's notifications), moves a queued job to training, and answers where to resume.

use std::time::Duration;

use anyhow::Context;
use attune_domain::job::JobStatus;
use attune_domain::sisa::run::resume_from_slice;
use serde_json::json;
use uuid::Uuid;

use super::{BaseModelFiles, LeaseGrant, LeaseRequest, ShardQueue, job_status};
use crate::error::AppError;
use crate::job_lifecycle::{Transition, transition};
use crate::workers::WorkerIdentity;

/// The longest a lease request waits for work.
pub const MAX_WAIT_SECS: u64 = 30;
/// How often a waiting lease request looks again without a notification (backoffs that ended).
const RECHECK: Duration = Duration::from_secs(5);

impl ShardQueue {
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
}
