//! The files a worker moves under its lease besides records: the base model's files (served from
//! the local file root, or a redirect to where the provider hosts them), and the checkpoints of
//! earlier attempts to resume from. A slice counts as done only once its checkpoint is uploaded, so
//! a retry on another machine always has it.

use std::path::{Component, PathBuf};

use serde_json::json;
use sqlx::PgConnection;
use uuid::Uuid;

use crate::error::AppError;
use crate::shard_queue::{CheckpointFile, ShardQueue};
use crate::workers::WorkerIdentity;

/// The artifact-name prefix of slice `k`'s checkpoint files (`checkpoint-0003.`).
pub fn checkpoint_prefix(slice: u32) -> String {
    format!("checkpoint-{slice:04}.")
}

/// The listing's files, each with the URL a worker downloads it from (this server's).
pub(crate) fn with_download_urls(run_id: Uuid, files: &serde_json::Value) -> serde_json::Value {
    let Some(list) = files.as_array() else { return files.clone() };
    serde_json::Value::Array(
        list.iter()
            .enumerate()
            .map(|(i, f)| {
                let mut f = f.clone();
                if let Some(obj) = f.as_object_mut() {
                    obj.insert("download_url".into(), json!(format!("/api/v1/worker/runs/{run_id}/base-model/{i}")));
                }
                f
            })
            .collect(),
    )
}

/// The newest checkpoint after `slice` uploaded for a run, with download URLs.
pub(crate) async fn resume_checkpoint(conn: &mut PgConnection, run_id: Uuid, slice: u32) -> Result<Vec<CheckpointFile>, AppError> {
    let files = attune_db::shard_artifacts::checkpoint_files(conn, run_id, &checkpoint_prefix(slice)).await?;
    Ok(files
        .into_iter()
        .map(|a| CheckpointFile {
            download_url: format!("/api/v1/worker/runs/{run_id}/artifacts/{}", a.name),
            name: a.name,
            sha256: a.sha256,
            size: a.size,
        })
        .collect())
}

/// 422 unless slice `slice`'s checkpoint was uploaded under this lease.
pub(crate) async fn require_checkpoint(conn: &mut PgConnection, run_id: Uuid, lease_id: Uuid, slice: i32) -> Result<(), AppError> {
    let prefix = checkpoint_prefix(u32::try_from(slice).unwrap_or(0));
    let uploaded = attune_db::shard_artifacts::artifacts(conn, run_id, lease_id).await?;
    if uploaded.iter().any(|(name, _, _)| name.starts_with(&prefix)) {
        Ok(())
    } else {
        Err(AppError::field(
            "slice_done",
            format!("upload the slice's checkpoint files as {prefix}<file> under this lease before reporting the slice done"),
        ))
    }
}

/// Where a worker gets a base model file.
pub enum BaseFileSource {
    /// A file under the server's model file root.
    Local { path: PathBuf, size: u64 },
    /// Hosted elsewhere (http or https): the worker fetches it there and checks its sha256.
    Remote(String),
}

/// An artifact a worker downloads (a checkpoint to resume from).
pub struct ArtifactFile {
    /// Where the artifact store keeps it.
    pub location: String,
    pub sha256: String,
    pub size: u64,
}

impl ShardQueue {
    /// Base model file `index` of the leased run's job.
    pub async fn base_model_file(
        &self,
        worker: &WorkerIdentity,
        run_id: Uuid,
        lease_hint: Option<Uuid>,
        index: usize,
    ) -> Result<BaseFileSource, AppError> {
        let mut conn = self.pool().acquire().await.map_err(|e| AppError::Unexpected(e.into()))?;
        let (run, _) = Self::held_run(&mut conn, worker, run_id, lease_hint).await?;
        let job = attune_db::jobs::get(&mut conn, &attune_domain::OrgScope::Platform, run.job_id).await?.ok_or(AppError::NotFound)?;
        let model = attune_db::models::get(&mut conn, job.base_model_id).await?.ok_or(AppError::NotFound)?;
        let file = model.files.as_array().and_then(|f| f.get(index)).ok_or(AppError::NotFound)?;
        let uri = file.get("uri").and_then(|u| u.as_str()).unwrap_or_default();
        let size = file.get("size").and_then(serde_json::Value::as_u64).unwrap_or(0);
        if uri.starts_with("https://") || uri.starts_with("http://") {
            return Ok(BaseFileSource::Remote(uri.to_owned()));
        }
        let Some(path) = uri.strip_prefix("file://") else { return Err(AppError::NotFound) };
        let root = self.model_file_root.as_ref().ok_or(AppError::NotFound)?;
        let path = PathBuf::from(path);
        if !path.is_absolute() || path.components().any(|c| !matches!(c, Component::RootDir | Component::Normal(_))) {
            return Err(AppError::NotFound);
        }
        let root = tokio::fs::canonicalize(root).await.map_err(|_| AppError::NotFound)?;
        let resolved = tokio::fs::canonicalize(&path).await.map_err(|_| AppError::NotFound)?;
        if !resolved.starts_with(&root) {
            return Err(AppError::NotFound);
        }
        Ok(BaseFileSource::Local { path: resolved, size })
    }

    /// The newest upload of artifact `name` of a run (any attempt), for the worker holding its lease.
    pub async fn artifact_for_worker(
        &self,
        worker: &WorkerIdentity,
        run_id: Uuid,
        lease_hint: Option<Uuid>,
        name: &str,
    ) -> Result<ArtifactFile, AppError> {
        if !crate::artifact_store::valid_name(name) {
            return Err(AppError::NotFound);
        }
        let mut conn = self.pool().acquire().await.map_err(|e| AppError::Unexpected(e.into()))?;
        Self::held_run(&mut conn, worker, run_id, lease_hint).await?;
        let a = attune_db::shard_artifacts::newest(&mut conn, run_id, name).await?.ok_or(AppError::NotFound)?;
        Ok(ArtifactFile { location: a.location, sha256: a.sha256, size: u64::try_from(a.size).unwrap_or(0) })
    }

    /// A graceful hand-back: queued again at once, the attempt not counted against the maximum.
    pub(crate) async fn hand_back(
        &self,
        conn: &mut PgConnection,
        run: &attune_db::shard_runs::RunRow,
        lease_id: Uuid,
        note: &str,
        who: &str,
    ) -> Result<crate::shard_queue::RunOutcome, AppError> {
        if !attune_db::shard_runs::hand_back(conn, run.id, lease_id, note).await? {
            return Err(AppError::conflict("lease-lost", "This worker no longer holds the lease on this run."));
        }
        let job = attune_db::jobs::get_for_update(conn, &attune_domain::OrgScope::Platform, run.job_id).await?.ok_or(AppError::NotFound)?;
        let detail = json!({"event": "handed_back", "shard": run.shard_index, "attempt": run.attempt, "lease_id": lease_id,
            "slices_done": run.slices_done, "note": note});
        self.shard_event(conn, run.job_id, who, "shard_run.handed_back", &detail).await?;
        attune_db::shard_runs::notify(conn).await?;
        Ok(crate::shard_queue::RunOutcome { status: "queued".into(), job_status: job.status })
    }
}
