//! `attune-worker`: the shard training worker's library.
//!
//! - [`trainer`]: the built-in LoRA trainer (candle, CPU by default, `cuda` feature for GPUs) that
//!   fine-tunes a Llama-architecture model in Hugging Face format slice by slice (SISA), with
//!   per-slice checkpoints, resume, progress and stop.
//! - [`demo_model`]: writes the small demo base model the embedded setup lists.
//! - [`backend`]: the built-in trainer or an external command (the trainer contract).
//! - [`client`] and [`runner`]: the Worker API client and the lease → train → complete loop that the
//!   `attune-worker` binary and `attune serve`'s in-process worker run.
//!
//! The worker never touches the database; it talks to the server over HTTP only.

pub mod backend;
pub mod client;
mod data;
pub mod demo_model;
mod model;
mod model_cache;
mod rng;
pub mod runner;
pub mod trainer;

pub use model::LlamaConfig;
pub use trainer::{
    CheckpointMeta, Completed, Control, Hyperparameters, Progress, ShardRecord, Stopped, TrainOutcome, TrainRequest, Trainer,
};

/// Everything that can go wrong in training.
#[derive(Debug, thiserror::Error)]
pub enum TrainError {
    /// The request itself is wrong; `field` names the part at fault.
    #[error("{field}: {reason}")]
    InvalidRequest { field: &'static str, reason: String },
    /// The base model directory is missing a file or has inconsistent shapes.
    #[error("base model: {0}")]
    Model(String),
    /// The resume checkpoint is unreadable or does not fit the request.
    #[error("checkpoint: {0}")]
    Checkpoint(String),
    /// The loss became NaN or infinite.
    #[error("training diverged (the loss is not finite); lower the learning rate")]
    Diverged,
    #[error("tensor: {0}")]
    Tensor(#[from] candle_core::Error),
    #[error("io: {0}")]
    Io(#[from] std::io::Error),
    #[error("json: {0}")]
    Json(#[from] serde_json::Error),
}
