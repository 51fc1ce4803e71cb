//! The built-in trainer: LoRA fine-tuning of a Llama-architecture model with candle, slice by slice
//! (SISA), checkpointed after every slice and resumable.
//!
//! # SISA slices
//! A shard's records come with a slice index `0..num_slices`. As in SISA (Bourtoule et al., "Machine
//! Unlearning", §4.3) and DESIGN.md §5, training is **cumulative**: stage `k` continues from the
//! checkpoint after stage `k-1` and trains on the union of slices `0..=k` (`epochs` passes over it,
//! at most `max_steps_per_slice` optimizer steps). The checkpoint after stage `k` therefore depends
//! only on slices `0..=k`, so erasing a record of slice `j` retrains from the checkpoint after stage
//! `j-1` (or from scratch when `j = 0`) and never touches earlier stages. Compute grows with the
//! stage: stage `k` sees `(k+1)/num_slices` of the shard.
//!
//! # Counting
//! `tokens` counts input positions processed (batch × seq_len per step, padding included: that is
//! the compute spent). `flops` = 6·N·T with N = **all** parameters, frozen base included, and T = those
//! tokens: candle's backward pass computes the frozen weights' gradients too, so the 6·N·T rule
//! (2 forward + 4 backward per parameter per token) describes what actually runs.
//!
//! # Files
//! `output_dir/checkpoints/slice-KKKK/` holds `lora.safetensors` (LoRA tensors under PEFT keys plus the
//! AdamW moments under `optimizer.m.<key>` / `optimizer.v.<key>`) and `checkpoint.json`
//! ([`CheckpointMeta`]). At the end `output_dir/adapter.safetensors` (LoRA tensors only, PEFT keys) and
//! `adapter_config.json` (PEFT `LoraConfig`) are written. Every slice's checkpoint is kept: erasure
//! retrains from the one before the first affected slice. A checkpoint is written to
//! `slice-KKKK.partial` and renamed, so a killed worker never leaves a half-written one.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use candle_core::{D, DType, Device, Tensor};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::TrainError;
use crate::data::{TextEncoder, Window, windows};
use crate::model::{BaseModel, Lora, TARGET_MODULES};
use crate::rng::SplitMix64;

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

/// Reported after every optimizer step, and once more after each slice's checkpoint is written (then
/// `checkpoint` is set). Counters are cumulative over the whole shard, resumed runs included.
#[derive(Debug, Clone, PartialEq)]
pub struct Progress {
    pub slice: u32,
    /// Optimizer steps so far (global, across slices and resumes).
    pub step: u64,
    /// This step's loss (on a checkpoint event: the last step's loss).
    pub loss: f32,
    pub tokens: u64,
    pub flops: u128,
    pub checkpoint: Option<PathBuf>,
}

/// The progress callback's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Control {
    Continue,
    /// Stop now. On a step event, the unfinished slice's work is dropped and the run returns with the
    /// last checkpoint; to finish the slice first, keep answering `Continue` until the checkpoint
    /// event and answer `Stop` there. On the last slice's checkpoint event there is nothing left to
    /// stop: the run writes the adapter and completes.
    Stop,
}

#[derive(Debug, Clone, PartialEq)]
pub enum TrainOutcome {
    Completed(Completed),
    Stopped(Stopped),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Completed {
    pub adapter_path: PathBuf,
    /// Lower-case hex sha256 of `adapter.safetensors`.
    pub adapter_sha256: String,
    /// Optimizer steps, tokens and FLOPs that went into the adapter (all slices, earlier runs included).
    pub steps: u64,
    pub tokens: u64,
    pub flops: u128,
    /// The last step's loss (`None` if the shard had no tokens to train on).
    pub final_loss: Option<f32>,
    /// What this call spent (differs from the above after a resume).
    pub run_tokens: u64,
    pub run_flops: u128,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Stopped {
    /// The last checkpoint written (this run or the one resumed from); `None` if no slice finished.
    pub checkpoint: Option<PathBuf>,
    pub slices_done: u32,
    /// Steps, tokens and FLOPs in that checkpoint.
    pub steps: u64,
    pub tokens: u64,
    pub flops: u128,
    /// What this call spent, the dropped part of an unfinished slice included.
    pub run_tokens: u64,
    pub run_flops: u128,
}

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

/// The built-in candle trainer.
pub struct Trainer {
    device: Device,
}

impl Trainer {
    /// CUDA device 0 when built with the `cuda` feature and a GPU is present, else the CPU.
    pub fn new() -> Result<Self, TrainError> {
        Ok(Self { device: Device::cuda_if_available(0)? })
    }

    pub fn cpu() -> Self {
        Self { device: Device::Cpu }
    }

    pub fn train(&self, req: &TrainRequest, progress: &mut dyn FnMut(&Progress) -> Control) -> Result<TrainOutcome, TrainError> {
        validate(req)?;
        let hp = &req.hyperparameters;
        let base = BaseModel::load(&req.base_model_dir, &self.device, hp.seq_len)?;
        if hp.seq_len > base.config.max_position_embeddings {
            return Err(invalid(
                "hyperparameters.seq_len",
                format!("exceeds the model's max_position_embeddings {}", base.config.max_position_embeddings),
            ));
        }
        let encoder = TextEncoder::load(&req.base_model_dir.join("tokenizer.json"), base.config.bos_token_id, base.config.eos_token_id)?;
        let encoded = req
            .records
            .iter()
            .map(|r| Ok((r.slice, encoder.encode(&r.text, base.config.vocab_size)?)))
            .collect::<Result<Vec<_>, TrainError>>()?;

        let base_parameters = base.config.parameter_count();
        let (lora, mut opt, mut state) = match &req.resume_from {
            None => {
                let lora = Lora::init(&base, hp.lora_rank, hp.lora_alpha, hp.seed)?;
                let opt = AdamW::new(&lora, hp)?;
                (lora, opt, RunState::default())
            }
            Some(dir) => resume(dir, &base, req)?,
        };
        let n_params = u128::from(base_parameters + lora.parameter_count());
        let mut last_checkpoint = req.resume_from.clone();
        let (mut run_tokens, mut run_flops) = (0u64, 0u128);

        for slice in state.slices_done..req.num_slices {
            let mut stream = Vec::new();
            for (_, ids) in encoded.iter().filter(|(s, _)| *s <= slice) {
                stream.extend_from_slice(ids);
            }
            let wins = windows(&stream, hp.seq_len);
            let mut stage = state.clone();
            let mut steps_in_stage = 0u64;
            let cap = hp.max_steps_per_slice.unwrap_or(u64::MAX);
            'epochs: for epoch in 0..hp.epochs {
                let mut order: Vec<usize> = (0..wins.len()).collect();
                SplitMix64::derived(hp.seed, "window-order", (u64::from(slice) << 32) | u64::from(epoch)).shuffle(&mut order);
                for batch in order.chunks(hp.batch_size) {
                    if steps_in_stage >= cap {
                        break 'epochs;
                    }
                    let loss = train_step(&base, &lora, &mut opt, &wins, batch, hp.seq_len)?;
                    let t = (batch.len() * hp.seq_len) as u64;
                    let f = 6 * n_params * u128::from(t);
                    steps_in_stage += 1;
                    stage.global_step += 1;
                    stage.tokens += t;
                    stage.flops += f;
                    stage.loss = Some(loss);
                    run_tokens += t;
                    run_flops += f;
                    let p = Progress { slice, step: stage.global_step, loss, tokens: stage.tokens, flops: stage.flops, checkpoint: None };
                    if progress(&p) == Control::Stop {
                        return Ok(TrainOutcome::Stopped(state.stopped(last_checkpoint, run_tokens, run_flops)));
                    }
                }
            }
            stage.slices_done = slice + 1;
            state = stage;
            let meta = CheckpointMeta {
                format: CHECKPOINT_FORMAT.into(),
                slices_done: state.slices_done,
                num_slices: req.num_slices,
                global_step: state.global_step,
                optimizer_step: opt.step_t,
                tokens: state.tokens,
                flops: state.flops,
                loss: state.loss,
                hyperparameters: hp.clone(),
                base_parameters,
                lora_parameters: lora.parameter_count(),
            };
            let dir = write_checkpoint(&req.output_dir, slice, &lora, &opt, &meta)?;
            last_checkpoint = Some(dir.clone());
            let p = Progress {
                slice,
                step: state.global_step,
                loss: state.loss.unwrap_or(f32::NAN),
                tokens: state.tokens,
                flops: state.flops,
                checkpoint: Some(dir),
            };
            if progress(&p) == Control::Stop && state.slices_done < req.num_slices {
                return Ok(TrainOutcome::Stopped(state.stopped(last_checkpoint, run_tokens, run_flops)));
            }
        }

        let adapter_path = req.output_dir.join("adapter.safetensors");
        save_adapter(&lora, &adapter_path)?;
        write_adapter_config(&req.output_dir, hp)?;
        Ok(TrainOutcome::Completed(Completed {
            adapter_sha256: sha256_file(&adapter_path)?,
            adapter_path,
            steps: state.global_step,
            tokens: state.tokens,
            flops: state.flops,
            final_loss: state.loss,
            run_tokens,
            run_flops,
        }))
    }
}

#[derive(Debug, Clone, Default)]
struct RunState {
    slices_done: u32,
    global_step: u64,
    tokens: u64,
    flops: u128,
    loss: Option<f32>,
}

impl RunState {
    /// The outcome of a run stopped here: the last checkpoint's counters and what this call spent.
    fn stopped(&self, checkpoint: Option<PathBuf>, run_tokens: u64, run_flops: u128) -> Stopped {
        Stopped {
            checkpoint,
            slices_done: self.slices_done,
            steps: self.global_step,
            tokens: self.tokens,
            flops: self.flops,
            run_tokens,
            run_flops,
        }
    }
}

fn invalid(field: &'static str, reason: impl Into<String>) -> TrainError {
    TrainError::InvalidRequest { field, reason: reason.into() }
}

fn validate(req: &TrainRequest) -> Result<(), TrainError> {
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

/// One optimizer step on the windows `batch`; returns the loss before the update.
fn train_step(base: &BaseModel, lora: &Lora, opt: &mut AdamW, wins: &[Window], batch: &[usize], seq_len: usize) -> Result<f32, TrainError> {
    let b = batch.len();
    let mut ids = Vec::with_capacity(b * seq_len);
    let mut targets = Vec::with_capacity(b * seq_len);
    let mut mask = Vec::with_capacity(b * seq_len);
    for &i in batch {
        let w = &wins[i];
        ids.extend_from_slice(&w.tokens[..seq_len]);
        targets.extend_from_slice(&w.tokens[1..=seq_len]);
        mask.extend((0..seq_len).map(|j| if j < w.real_targets { 1f32 } else { 0f32 }));
    }
    let real: f32 = mask.iter().sum();
    let dev = &base.device;
    let ids = Tensor::from_vec(ids, (b, seq_len), dev)?;
    let targets = Tensor::from_vec(targets, (b * seq_len, 1), dev)?;
    let mask = Tensor::from_vec(mask, b * seq_len, dev)?;
    let logits = base.forward(&ids, lora)?;
    let logp = candle_nn::ops::log_softmax(&logits, D::Minus1)?;
    let picked = logp.gather(&targets, 1)?.squeeze(1)?;
    let loss = ((picked * mask)?.sum_all()? * (-1.0 / f64::from(real.max(1.0))))?;
    let grads = loss.backward()?;
    opt.step(lora, &grads)?;
    let value = loss.to_dtype(DType::F32)?.to_scalar::<f32>()?;
    if !value.is_finite() {
        return Err(TrainError::Diverged);
    }
    Ok(value)
}

/// AdamW over the LoRA variables, with moments that go into checkpoints so a resumed run continues
/// exactly where the interrupted one stood (candle-nn's AdamW keeps them private).
pub(crate) struct AdamW {
    m: Vec<Tensor>,
    v: Vec<Tensor>,
    step_t: u64,
    lr: f64,
    weight_decay: f64,
}

const BETA1: f64 = 0.9;
const BETA2: f64 = 0.999;
const ADAM_EPS: f64 = 1e-8;

impl AdamW {
    fn new(lora: &Lora, hp: &Hyperparameters) -> candle_core::Result<Self> {
        let vars = lora.named_vars();
        let zeros = |(_, v): &(String, &candle_core::Var)| v.as_tensor().zeros_like();
        Ok(Self {
            m: vars.iter().map(zeros).collect::<candle_core::Result<_>>()?,
            v: vars.iter().map(zeros).collect::<candle_core::Result<_>>()?,
            step_t: 0,
            lr: hp.learning_rate,
            weight_decay: hp.weight_decay,
        })
    }

    fn step(&mut self, lora: &Lora, grads: &candle_core::backprop::GradStore) -> candle_core::Result<()> {
        self.step_t += 1;
        let t = i32::try_from(self.step_t).unwrap_or(i32::MAX);
        let scale_m = 1.0 / (1.0 - BETA1.powi(t));
        let scale_v = 1.0 / (1.0 - BETA2.powi(t));
        for (i, (_, var)) in lora.named_vars().into_iter().enumerate() {
            let Some(g) = grads.get(var.as_tensor()) else { continue };
            let m = ((&self.m[i] * BETA1)? + (g * (1.0 - BETA1))?)?;
            let v = ((&self.v[i] * BETA2)? + (g.sqr()? * (1.0 - BETA2))?)?;
            let update = ((&m * scale_m)? / ((&v * scale_v)?.sqrt()? + ADAM_EPS)?)?;
            let theta = (var.as_tensor() * (1.0 - self.lr * self.weight_decay))?;
            var.set(&(theta - (update * self.lr)?)?)?;
            self.m[i] = m;
            self.v[i] = v;
        }
        Ok(())
    }
}

fn checkpoint_dir(output_dir: &Path, slice: u32) -> PathBuf {
    output_dir.join("checkpoints").join(format!("slice-{slice:04}"))
}

fn write_checkpoint(output_dir: &Path, slice: u32, lora: &Lora, opt: &AdamW, meta: &CheckpointMeta) -> Result<PathBuf, TrainError> {
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

fn resume(dir: &Path, base: &BaseModel, req: &TrainRequest) -> Result<(Lora, AdamW, RunState), TrainError> {
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

fn save_adapter(lora: &Lora, path: &Path) -> Result<(), TrainError> {
    let tensors: HashMap<String, Tensor> = lora.named_vars().into_iter().map(|(k, v)| (k, v.as_tensor().clone())).collect();
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    candle_core::safetensors::save(&tensors, path)?;
    Ok(())
}

fn write_adapter_config(output_dir: &Path, hp: &Hyperparameters) -> Result<(), TrainError> {
    let config = serde_json::json!({
        "peft_type": "LORA",
        "task_type": "CAUSAL_LM",
        "r": hp.lora_rank,
        "lora_alpha": hp.lora_alpha,
        "lora_dropout": 0.0,
        "bias": "none",
        "fan_in_fan_out": false,
        "target_modules": TARGET_MODULES,
    });
    std::fs::write(output_dir.join("adapter_config.json"), serde_json::to_vec_pretty(&config)?)?;
    Ok(())
}

/// Loads an adapter (or any safetensors file) onto the CPU.
pub fn load_adapter(path: &Path) -> Result<HashMap<String, Tensor>, TrainError> {
    Ok(candle_core::safetensors::load(path, &Device::Cpu)?)
}

/// Lower-case hex sha256 of a file.
pub fn sha256_file(path: &Path) -> Result<String, TrainError> {
    use std::io::Read;
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hex::encode(hasher.finalize()))
}
