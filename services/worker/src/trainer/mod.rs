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
//!
//! # Layout
//! This file runs the stages ([`Trainer`]); the request and its validation, the progress events and
//! outcome, one optimizer step, checkpoints and the adapter each have their own file.

mod adapter;
mod checkpoint;
mod progress;
mod request;
mod step;

use std::path::PathBuf;

use candle_core::Device;

use crate::TrainError;
use crate::data::{TextEncoder, windows};
use crate::model::{BaseModel, Lora};
use crate::rng::SplitMix64;
use adapter::{save_adapter, write_adapter_config};
use checkpoint::{resume, write_checkpoint};
use request::{invalid, validate};
use step::{AdamW, train_step};

pub use adapter::{load_adapter, sha256_file};
pub use checkpoint::{CHECKPOINT_FORMAT, CheckpointMeta, read_checkpoint_meta};
pub use progress::{Completed, Control, Progress, Stopped, TrainOutcome};
pub use request::{Hyperparameters, ShardRecord, TrainRequest};

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
