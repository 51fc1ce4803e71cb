//! The built-in trainer on a real (tiny) Llama-architecture model and real English text.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use attune_worker::demo_model::{DemoModelSpec, write_demo_model};
use attune_worker::trainer::{load_adapter, read_checkpoint_meta, sha256_file};
use attune_worker::{Control, Hyperparameters, Progress, ShardRecord, TrainError, TrainOutcome, TrainRequest, Trainer};

const ENGLISH: &str = include_str!("fixtures/english.txt");

/// The fixture's paragraphs as records, spread round-robin over `slices` slices.
fn records(slices: u32) -> Vec<ShardRecord> {
    ENGLISH
        .split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .enumerate()
        .map(|(i, p)| ShardRecord { slice: i as u32 % slices, text: p.to_string() })
        .collect()
}

fn tiny_model(root: &Path) -> PathBuf {
    let dir = root.join("base");
    write_demo_model(&dir, &DemoModelSpec::tiny()).unwrap();
    dir
}

fn request(base: &Path, out: &Path, slices: u32, hp: Hyperparameters) -> TrainRequest {
    TrainRequest {
        base_model_dir: base.to_path_buf(),
        records: records(slices),
        num_slices: slices,
        resume_from: None,
        hyperparameters: hp,
        output_dir: out.to_path_buf(),
    }
}

fn small_hp(max_steps: u64) -> Hyperparameters {
    Hyperparameters {
        epochs: 50,
        lora_rank: 4,
        lora_alpha: 8.0,
        learning_rate: 1e-2,
        batch_size: 4,
        seq_len: 64,
        max_steps_per_slice: Some(max_steps),
        seed: 7,
        weight_decay: 0.0,
    }
}

/// Runs to the end, collecting every progress event.
fn run(req: &TrainRequest) -> (TrainOutcome, Vec<Progress>) {
    let mut events = Vec::new();
    let outcome = Trainer::cpu()
        .train(req, &mut |p: &Progress| {
            events.push(p.clone());
            Control::Continue
        })
        .unwrap();
    (outcome, events)
}

fn steps(events: &[Progress]) -> Vec<&Progress> {
    events.iter().filter(|p| p.checkpoint.is_none()).collect()
}

#[test]
fn loss_falls_on_english_text() {
    let tmp = tempfile::tempdir().unwrap();
    let base = tiny_model(tmp.path());
    let req = request(&base, &tmp.path().join("out"), 1, small_hp(40));
    let (outcome, events) = run(&req);
    let losses: Vec<f32> = steps(&events).iter().map(|p| p.loss).collect();
    assert_eq!(losses.len(), 40);
    let mean = |xs: &[f32]| xs.iter().sum::<f32>() / xs.len() as f32;
    let (first, last) = (mean(&losses[..5]), mean(&losses[35..]));
    // A random model starts near ln(258) ≈ 5.55 nats per byte.
    assert!(first > 5.0, "first losses {:?}", &losses[..5]);
    assert!(last < first - 1.0, "loss did not fall: first {first}, last {last}, all {losses:?}");
    eprintln!("loss: first 5 steps {first:.3}, last 5 steps {last:.3}");
    let TrainOutcome::Completed(done) = outcome else { panic!("not completed: {outcome:?}") };
    assert_eq!(done.steps, 40);
    assert_eq!(done.final_loss, losses.last().copied());
    assert_eq!(done.adapter_sha256, sha256_file(&done.adapter_path).unwrap());
}

#[test]
fn flops_are_six_n_t_with_frozen_parameters_counted() {
    let tmp = tempfile::tempdir().unwrap();
    let base = tiny_model(tmp.path());
    let hp = small_hp(3);
    let req = request(&base, &tmp.path().join("out"), 2, hp.clone());
    let (outcome, events) = run(&req);
    let c = DemoModelSpec::tiny().config();
    let (d, kv, r) = (c.hidden_size as u64, (c.kv_heads() * c.head_dim()) as u64, hp.lora_rank as u64);
    let lora = c.num_hidden_layers as u64 * (r * d + d * r + r * d + kv * r);
    let n = u128::from(c.parameter_count() + lora);
    for p in &events {
        assert_eq!(p.flops, 6 * n * u128::from(p.tokens), "{p:?}");
    }
    let per_step = (hp.batch_size * hp.seq_len) as u64;
    let TrainOutcome::Completed(done) = outcome else { panic!("not completed") };
    assert_eq!(done.steps, 6);
    assert_eq!(done.tokens, 6 * per_step);
    assert_eq!((done.run_tokens, done.run_flops), (done.tokens, done.flops));
}

#[test]
fn resume_after_slice_zero_trains_only_the_remaining_slices() {
    let tmp = tempfile::tempdir().unwrap();
    let base = tiny_model(tmp.path());
    let hp = small_hp(4);

    // Uninterrupted: 3 slices × 4 steps.
    let full = request(&base, &tmp.path().join("full"), 3, hp.clone());
    let (TrainOutcome::Completed(full_done), full_events) = run(&full) else { panic!("not completed") };
    assert_eq!(full_done.steps, 12);
    let checkpoints: Vec<u32> = full_events.iter().filter(|p| p.checkpoint.is_some()).map(|p| p.slice).collect();
    assert_eq!(checkpoints, [0, 1, 2]);

    // Interrupted right after slice 0's checkpoint.
    let out = tmp.path().join("resumed");
    let first = request(&base, &out, 3, hp.clone());
    let stopped =
        Trainer::cpu().train(&first, &mut |p: &Progress| if p.checkpoint.is_some() { Control::Stop } else { Control::Continue }).unwrap();
    let TrainOutcome::Stopped(stopped) = stopped else { panic!("did not stop: {stopped:?}") };
    assert_eq!((stopped.slices_done, stopped.steps), (1, 4));
    let checkpoint = stopped.checkpoint.clone().unwrap();
    let meta = read_checkpoint_meta(&checkpoint).unwrap();
    assert_eq!((meta.slices_done, meta.global_step, meta.optimizer_step), (1, 4, 4));
    assert_eq!(meta.tokens, stopped.tokens);

    // Resumed: only slices 1 and 2 run, step numbers continue, totals match the uninterrupted run.
    let second = TrainRequest { resume_from: Some(checkpoint), ..request(&base, &out, 3, hp) };
    let (TrainOutcome::Completed(done), events) = run(&second) else { panic!("not completed") };
    let resumed_steps = steps(&events);
    assert!(resumed_steps.iter().all(|p| p.slice >= 1), "slice 0 was repeated");
    assert_eq!(resumed_steps.iter().map(|p| p.step).collect::<Vec<_>>(), (5..=12).collect::<Vec<_>>());
    assert_eq!((done.steps, done.tokens, done.flops), (full_done.steps, full_done.tokens, full_done.flops));
    assert_eq!(done.run_tokens, full_done.tokens - stopped.tokens);
    // Checkpoints carry the optimizer state, so the resumed run ends exactly where the uninterrupted one does.
    assert_eq!(done.final_loss, full_done.final_loss);
    assert_eq!(done.adapter_sha256, full_done.adapter_sha256);
}

#[test]
fn stop_mid_slice_returns_the_last_checkpoint() {
    let tmp = tempfile::tempdir().unwrap();
    let base = tiny_model(tmp.path());
    let out = tmp.path().join("out");
    let req = request(&base, &out, 3, small_hp(4));
    let mut seen = 0;
    let outcome = Trainer::cpu()
        .train(&req, &mut |p: &Progress| {
            seen += 1;
            if p.slice == 1 && p.checkpoint.is_none() && p.step == 6 { Control::Stop } else { Control::Continue }
        })
        .unwrap();
    let TrainOutcome::Stopped(stopped) = outcome else { panic!("did not stop: {outcome:?}") };
    // 4 steps + checkpoint event for slice 0, then steps 5 and 6.
    assert_eq!(seen, 7);
    assert_eq!((stopped.slices_done, stopped.steps), (1, 4));
    assert_eq!(stopped.checkpoint, Some(out.join("checkpoints").join("slice-0000")));
    assert!(stopped.run_tokens > stopped.tokens, "the dropped steps were spent and are reported");
    assert!(!out.join("checkpoints").join("slice-0001").exists());
    assert!(!out.join("adapter.safetensors").exists());
}

#[test]
fn adapter_round_trips_through_safetensors_exactly() {
    let tmp = tempfile::tempdir().unwrap();
    let base = tiny_model(tmp.path());
    let out = tmp.path().join("out");
    let hp = small_hp(3);
    let (TrainOutcome::Completed(done), _) = run(&request(&base, &out, 1, hp.clone())) else { panic!() };
    let adapter = load_adapter(&done.adapter_path).unwrap();
    let checkpoint = load_adapter(&out.join("checkpoints/slice-0000/lora.safetensors")).unwrap();
    let c = DemoModelSpec::tiny().config();
    assert_eq!(adapter.len(), c.num_hidden_layers * 4);
    for (key, t) in &adapter {
        assert!(key.starts_with("base_model.model.model.layers."), "{key}");
        let a: Vec<f32> = t.flatten_all().unwrap().to_vec1().unwrap();
        let b: Vec<f32> = checkpoint[key].flatten_all().unwrap().to_vec1().unwrap();
        assert_eq!(a.iter().map(|x| x.to_bits()).collect::<Vec<_>>(), b.iter().map(|x| x.to_bits()).collect::<Vec<_>>());
        if key.contains("lora_B") {
            assert!(a.iter().any(|x| *x != 0.0), "{key} was never trained");
        }
    }
    // Saving what was loaded gives the same bytes.
    let again = tmp.path().join("again.safetensors");
    candle_core::safetensors::save(&adapter, &again).unwrap();
    assert_eq!(sha256_file(&again).unwrap(), done.adapter_sha256);
    let config: serde_json::Value = serde_json::from_slice(&std::fs::read(out.join("adapter_config.json")).unwrap()).unwrap();
    assert_eq!(config["r"], 4);
    assert_eq!(config["target_modules"], serde_json::json!(["q_proj", "v_proj"]));
}

#[test]
fn slices_without_tokens_still_checkpoint_and_complete() {
    let tmp = tempfile::tempdir().unwrap();
    let base = tiny_model(tmp.path());
    let out = tmp.path().join("out");
    // Slice 0 is empty; slice 1 trains on slices 0..=1, i.e. on its own records.
    let mut req = request(&base, &out, 2, small_hp(2));
    req.records = vec![ShardRecord { slice: 1, text: ENGLISH[..400].to_string() }];
    let (outcome, events) = run(&req);
    let checkpoints: Vec<(u32, u64)> = events.iter().filter(|p| p.checkpoint.is_some()).map(|p| (p.slice, p.step)).collect();
    assert_eq!(checkpoints, [(0, 0), (1, 2)]);
    let TrainOutcome::Completed(done) = outcome else { panic!("not completed") };
    assert_eq!(done.steps, 2);

    // A shard with no text at all yields the untrained adapter (B = 0: the base model unchanged).
    req.records.clear();
    let (TrainOutcome::Completed(done), _) = run(&req) else { panic!("not completed") };
    assert_eq!((done.steps, done.tokens, done.final_loss), (0, 0, None));
    let adapter = load_adapter(&done.adapter_path).unwrap();
    let b = &adapter["base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight"];
    assert_eq!(b.abs().unwrap().sum_all().unwrap().to_scalar::<f32>().unwrap(), 0.0);
}

#[test]
fn bad_requests_name_the_field_at_fault() {
    let tmp = tempfile::tempdir().unwrap();
    let base = tiny_model(tmp.path());
    let out = tmp.path().join("out");
    let mut req = request(&base, &out, 2, small_hp(2));
    req.records[0].slice = 2;
    let err = Trainer::cpu().train(&req, &mut |_: &Progress| Control::Continue).unwrap_err();
    assert!(matches!(err, TrainError::InvalidRequest { field: "records.slice", .. }), "{err}");

    let mut hp = small_hp(2);
    hp.seq_len = 10_000;
    let err = Trainer::cpu().train(&request(&base, &out, 2, hp), &mut |_: &Progress| Control::Continue).unwrap_err();
    assert!(matches!(err, TrainError::InvalidRequest { field: "hyperparameters.seq_len", .. }), "{err}");

    // A checkpoint resumed with another LoRA rank is refused.
    let first = request(&base, &out, 2, small_hp(2));
    let outcome =
        Trainer::cpu().train(&first, &mut |p: &Progress| if p.checkpoint.is_some() { Control::Stop } else { Control::Continue }).unwrap();
    let TrainOutcome::Stopped(stopped) = outcome else { panic!() };
    let mut hp = small_hp(2);
    hp.lora_rank = 8;
    let req = TrainRequest { resume_from: stopped.checkpoint, ..request(&base, &out, 2, hp) };
    let err = Trainer::cpu().train(&req, &mut |_: &Progress| Control::Continue).unwrap_err();
    assert!(matches!(err, TrainError::Checkpoint(_)), "{err}");

    let err = Trainer::cpu()
        .train(&request(&tmp.path().join("missing"), &out, 1, small_hp(1)), &mut |_: &Progress| Control::Continue)
        .unwrap_err();
    assert!(matches!(err, TrainError::Model(_)), "{err}");
}
