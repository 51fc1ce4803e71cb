//! The request and answer bodies of the worker API: leases, heartbeats, artifacts, completion and
//! failure, and the reaper's report.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

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
