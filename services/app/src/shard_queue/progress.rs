//! Work under a live lease: reading the shard's records, heartbeats that report progress and extend
//! the lease, and artifact uploads.

use anyhow::Context;
use attune_domain::job::JobStatus;
use chrono::Utc;
use futures_util::Stream;
use serde_json::json;
use uuid::Uuid;

use super::{ArtifactStored, HeartbeatAnswer, HeartbeatRequest, ShardQueue, job_status, lease_lost};
use crate::artifact_store::PutError;
use crate::error::AppError;
use crate::workers::WorkerIdentity;

impl ShardQueue {
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
}
