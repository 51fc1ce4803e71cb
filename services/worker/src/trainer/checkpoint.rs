//! Checkpoints: `checkpoint.json` ([`CheckpointMeta`]) and the LoRA tensors with the AdamW moments,
//! written whole or not at all after every slice, read back to resume a run.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use candle_core::{DType, Tensor};
use serde::{Deserialize, Serialize};

use super::step::AdamW;
use super::{Hyperparameters, RunState, TrainRequest};
use crate::TrainError;
use crate::model::{BaseModel, Lora};

pub const CHECKPOINT_FORMAT: &str = "attune-lora-checkpoint-v1";

/// `checkpoint.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckpointMeta {
    pub format: String,
    /// Slices `0..slices_done` are trained into this checkpoint.
    pub slices_done: u32,
    pub num_slices: u32,
    pub global_step: u64,
    /// AdamW's step counter (bias correction).
    pub optimizer_step: u64,
    pub tokens: u64,
    pub flops: u128,
    pub loss: Option<f32>,
    pub hyperparameters: Hyperparameters,
    pub base_parameters: u64,
    pub lora_parameters: u64,
}

fn checkpoint_dir(output_dir: &Path, slice: u32) -> PathBuf {
    output_dir.join("checkpoints").join(format!("slice-{slice:04}"))
}

pub(super) fn write_checkpoint(
    output_dir: &Path,
    slice: u32,
    lora: &Lora,
    opt: &AdamW,
    meta: &CheckpointMeta,
) -> Result<PathBuf, TrainError> {
    let dir = checkpoint_dir(output_dir, slice);
    let tmp = dir.with_extension("partial");
    if tmp.exists() {
        std::fs::remove_dir_all(&tmp)?;
    }
    std::fs::create_dir_all(&tmp)?;
    let mut tensors: HashMap<String, Tensor> = HashMap::new();
    for (i, (key, var)) in lora.named_vars().into_iter().enumerate() {
        tensors.insert(format!("optimizer.m.{key}"), opt.m[i].clone());
        tensors.insert(format!("optimizer.v.{key}"), opt.v[i].clone());
        tensors.insert(key, var.as_tensor().clone());
    }
    candle_core::safetensors::save(&tensors, tmp.join("lora.safetensors"))?;
    std::fs::write(tmp.join("checkpoint.json"), serde_json::to_vec_pretty(meta)?)?;
    // Written whole or not at all: a worker killed mid-write leaves only `*.partial`.
    if dir.exists() {
        std::fs::remove_dir_all(&dir)?;
    }
    std::fs::rename(&tmp, &dir)?;
    Ok(dir)
}

/// Reads a checkpoint directory's `checkpoint.json`.
pub fn read_checkpoint_meta(dir: &Path) -> Result<CheckpointMeta, TrainError> {
    let text = std::fs::read(dir.join("checkpoint.json")).map_err(|e| TrainError::Checkpoint(format!("{}: {e}", dir.display())))?;
    let meta: CheckpointMeta = serde_json::from_slice(&text).map_err(|e| TrainError::Checkpoint(format!("checkpoint.json: {e}")))?;
    if meta.format != CHECKPOINT_FORMAT {
        return Err(TrainError::Checkpoint(format!("unknown format {:?}", meta.format)));
    }
    Ok(meta)
}

pub(super) fn resume(dir: &Path, base: &BaseModel, req: &TrainRequest) -> Result<(Lora, AdamW, RunState), TrainError> {
    let hp = &req.hyperparameters;
    let meta = read_checkpoint_meta(dir)?;
    if meta.num_slices != req.num_slices {
        return Err(TrainError::Checkpoint(format!("checkpoint has {} slices, the request {}", meta.num_slices, req.num_slices)));
    }
    if meta.slices_done == 0 || meta.slices_done > meta.num_slices {
        return Err(TrainError::Checkpoint(format!("slices_done {} out of range", meta.slices_done)));
    }
    if meta.hyperparameters.lora_rank != hp.lora_rank || meta.hyperparameters.lora_alpha != hp.lora_alpha {
        return Err(TrainError::Checkpoint("LoRA rank or alpha differ from the request".into()));
    }
    if meta.base_parameters != base.config.parameter_count() {
        return Err(TrainError::Checkpoint("checkpoint was trained on another base model".into()));
    }
    let tensors = candle_core::safetensors::load(dir.join("lora.safetensors"), &base.device)?;
    let lora = Lora::from_tensors(base, &tensors, hp.lora_rank, hp.lora_alpha)?;
    let mut opt = AdamW::new(&lora, hp)?;
    for (i, (key, var)) in lora.named_vars().into_iter().enumerate() {
        for (slot, which) in [(&mut opt.m[i], "m"), (&mut opt.v[i], "v")] {
            let name = format!("optimizer.{which}.{key}");
            let t = tensors.get(&name).ok_or_else(|| TrainError::Checkpoint(format!("missing tensor {name}")))?;
            if t.dims() != var.as_tensor().dims() {
                return Err(TrainError::Checkpoint(format!("tensor {name} has the wrong shape")));
            }
            *slot = t.to_dtype(DType::F32)?;
        }
    }
    opt.step_t = meta.optimizer_step;
    let state =
        RunState { slices_done: meta.slices_done, global_step: meta.global_step, tokens: meta.tokens, flops: meta.flops, loss: meta.loss };
    Ok((lora, opt, state))
}
