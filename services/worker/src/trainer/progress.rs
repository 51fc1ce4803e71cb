//! What a run reports and how it ends: progress after every step and checkpoint, the callback's
//! answer, and the completed or stopped outcome with its counters.

use std::path::PathBuf;

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
