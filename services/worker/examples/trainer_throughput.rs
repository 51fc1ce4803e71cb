//! Measures the built-in trainer on this machine: tokens/s and achieved FLOP/s (6·N·T) when
//! LoRA-fine-tuning the demo base model on the English fixture.
//!
//! `cargo run -p attune-worker --example trainer_throughput -- [steps] [batch] [seq_len]`
//! (defaults 30 steps of 8 × 128 tokens). The dev profile builds candle with opt-level 3.

use std::time::Instant;

use attune_worker::demo_model::{DemoModelSpec, write_demo_model};
use attune_worker::{Control, Hyperparameters, Progress, ShardRecord, TrainOutcome, TrainRequest, Trainer};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<u64> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let steps = args.first().copied().unwrap_or(30);
    let batch = args.get(1).copied().unwrap_or(8) as usize;
    let seq_len = args.get(2).copied().unwrap_or(128) as usize;

    let tmp = tempfile::tempdir()?;
    let base = tmp.path().join("demo");
    let info = write_demo_model(&base, &DemoModelSpec::demo())?;
    let records = include_str!("../tests/fixtures/english.txt")
        .split("\n\n")
        .filter(|p| !p.trim().is_empty())
        .map(|p| ShardRecord { slice: 0, text: p.trim().to_string() })
        .collect();
    let req = TrainRequest {
        base_model_dir: base,
        records,
        num_slices: 1,
        resume_from: None,
        hyperparameters: Hyperparameters {
            epochs: 1000,
            batch_size: batch,
            seq_len,
            max_steps_per_slice: Some(steps),
            learning_rate: 3e-3,
            ..Hyperparameters::default()
        },
        output_dir: tmp.path().join("out"),
    };

    let started = Instant::now();
    let mut first_step_at = None;
    let mut first = (0u64, 0u128, 0f32);
    let mut last = (0u64, 0u128, 0f32);
    let outcome = Trainer::new()?.train(&req, &mut |p: &Progress| {
        if p.checkpoint.is_none() {
            if first_step_at.is_none() {
                // Time from the end of step 1, so model loading and warm-up are excluded.
                first_step_at = Some(Instant::now());
                first = (p.tokens, p.flops, p.loss);
            }
            last = (p.tokens, p.flops, p.loss);
        }
        Control::Continue
    })?;
    let total = started.elapsed().as_secs_f64();
    let timed = first_step_at.map(|t| t.elapsed().as_secs_f64()).unwrap_or(total);
    let TrainOutcome::Completed(done) = outcome else { return Err("training stopped".into()) };
    let tokens = (last.0 - first.0) as f64;
    let flops = (last.1 - first.1) as f64;
    println!("demo model: {} parameters; LoRA rank {} on q_proj/v_proj", info.parameters, req.hyperparameters.lora_rank);
    println!("steps: {} of {batch} x {seq_len} tokens; wall {total:.2} s (incl. load)", done.steps);
    println!("loss: step 1 {:.3} -> step {} {:.3}", first.2, done.steps, last.2);
    println!("tokens/s: {:.0}", tokens / timed);
    println!("achieved FLOP/s (6*N*T): {:.3e}", flops / timed);
    println!("seconds per step: {:.3}", timed / (done.steps.saturating_sub(1).max(1)) as f64);
    Ok(())
}
