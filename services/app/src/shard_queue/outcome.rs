//! How a leased attempt ends: a completion (the job moves to aggregating once every shard trained),
//! a failure or hand-back, and the retry-with-backoff or fail-for-good decision.

use anyhow::Context;
use attune_db::shard_runs::RunRow;
use attune_domain::job::JobStatus;
use attune_domain::sisa::ShardRunStatus;
use attune_domain::sisa::run::{AfterAttempt, after_attempt};
use serde_json::json;
use sqlx::PgConnection;
use uuid::Uuid;

use super::{CompleteRequest, FailRequest, RunOutcome, ShardQueue, job_status, lease_lost};
use crate::error::AppError;
use crate::job_lifecycle::{Transition, transition};
use crate::workers::WorkerIdentity;

impl ShardQueue {
    fn backoff(&self, attempt: u32, max_attempts: u32, retryable: bool) -> Option<f64> {
        match after_attempt(&self.policy, attempt, max_attempts, retryable) {
            AfterAttempt::Retry { backoff_secs } => Some(f64::from(self.backoff_override.unwrap_or(backoff_secs))),
            AfterAttempt::GiveUp => None,
        }
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
