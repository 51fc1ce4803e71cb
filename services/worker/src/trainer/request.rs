//! What a training run is asked to do: the hyperparameters, the shard's records, where to resume
//! from and write to, and the checks a request must pass before anything is loaded.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::TrainError;

/// Training settings; also the `hyperparameters.json` of the external trainer contract.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Hyperparameters {
    /// Passes over each stage's cumulative data.
    pub epochs: u32,
    pub lora_rank: usize,
    pub lora_alpha: f64,
    pub learning_rate: f64,
    pub batch_size: usize,
    pub seq_len: usize,
    /// Caps the optimizer steps of each stage (tests and quick demo jobs).
    #[serde(default)]
    pub max_steps_per_slice: Option<u64>,
    /// Seeds LoRA initialisation and the order of training windows.
    #[serde(default)]
    pub seed: u64,
    /// AdamW's decoupled weight decay on the LoRA weights.
    #[serde(default)]
    pub weight_decay: f64,
}

impl Default for Hyperparameters {
    fn default() -> Self {
        Self {
            epochs: 1,
            lora_rank: 8,
            lora_alpha: 16.0,
            learning_rate: 1e-3,
            batch_size: 8,
            seq_len: 128,
            max_steps_per_slice: None,
            seed: 0,
            weight_decay: 0.0,
        }
    }
}

/// One record of the shard: its slice and its text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShardRecord {
    pub slice: u32,
    pub text: String,
}

#[derive(Debug, Clone)]
pub struct TrainRequest {
    /// A Hugging Face model directory: `config.json`, `*.safetensors`, `tokenizer.json`.
    pub base_model_dir: PathBuf,
    /// The shard's records, in shard order.
    pub records: Vec<ShardRecord>,
    pub num_slices: u32,
    /// A checkpoint directory written by an earlier run (`.../checkpoints/slice-KKKK`).
    pub resume_from: Option<PathBuf>,
    pub hyperparameters: Hyperparameters,
    pub output_dir: PathBuf,
}

pub(super) fn invalid(field: &'static str, reason: impl Into<String>) -> TrainError {
    TrainError::InvalidRequest { field, reason: reason.into() }
}

pub(super) fn validate(req: &TrainRequest) -> Result<(), TrainError> {
    let hp = &req.hyperparameters;
    if req.num_slices == 0 {
        return Err(invalid("num_slices", "must be at least 1"));
    }
    if let Some(r) = req.records.iter().find(|r| r.slice >= req.num_slices) {
        return Err(invalid("records.slice", format!("slice {} is not below num_slices {}", r.slice, req.num_slices)));
    }
    if hp.epochs == 0 {
        return Err(invalid("hyperparameters.epochs", "must be at least 1"));
    }
    if hp.lora_rank == 0 {
        return Err(invalid("hyperparameters.lora_rank", "must be at least 1"));
    }
    if !(hp.lora_alpha.is_finite() && hp.lora_alpha > 0.0) {
        return Err(invalid("hyperparameters.lora_alpha", "must be a positive number"));
    }
    if !(hp.learning_rate.is_finite() && hp.learning_rate > 0.0) {
        return Err(invalid("hyperparameters.learning_rate", "must be a positive number"));
    }
    if !(hp.weight_decay.is_finite() && hp.weight_decay >= 0.0) {
        return Err(invalid("hyperparameters.weight_decay", "must be a non-negative number"));
    }
    if hp.batch_size == 0 {
        return Err(invalid("hyperparameters.batch_size", "must be at least 1"));
    }
    if hp.seq_len < 2 {
        return Err(invalid("hyperparameters.seq_len", "must be at least 2"));
    }
    if hp.max_steps_per_slice == Some(0) {
        return Err(invalid("hyperparameters.max_steps_per_slice", "must be at least 1 when set"));
    }
    Ok(())
}
