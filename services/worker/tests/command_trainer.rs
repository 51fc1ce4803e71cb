//! The external trainer contract, run against a real child process (a shell script that follows
//! docs/trainer-contract.md): arguments, JSON-line progress, checkpoints, the adapter, stop and failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use attune_worker::backend::{self, Event, Finish, Job, StopFlag, TrainerChoice};
use attune_worker::{Hyperparameters, ShardRecord};

/// Writes each slice's checkpoint (with the arguments it got), then the adapter; `FAIL_AT` makes it
/// exit 3 after that slice.
const SCRIPT: &str = r#"#!/usr/bin/env bash
set -euo pipefail
while [ $# -gt 0 ]; do
  case "$1" in
    --base-model) base="$2"; shift 2;;
    --shard) shard="$2"; shift 2;;
    --slices) slices="$2"; shift 2;;
    --hyperparameters) hp="$2"; shift 2;;
    --output-dir) out="$2"; shift 2;;
    --resume-from) resume="$2"; shift 2;;
    *) extra="$1"; shift;;
  esac
done
echo "starting with ${extra:-no extra} on $base"
start=0
if [ -n "${resume:-}" ]; then start=$(cat "$resume/done"); fi
tokens=$((start * 100))
for k in $(seq "$start" $((slices - 1))); do
  tokens=$((tokens + 100))
  echo "{\"event\":\"step\",\"slice\":$k,\"step\":$((k + 1)),\"loss\":2.5,\"tokens\":$tokens,\"flops\":$((tokens * 6))}"
  mkdir -p "$out/checkpoints/slice-$k.partial"
  echo $((k + 1)) > "$out/checkpoints/slice-$k.partial/done"
  grep -c . "$shard" > "$out/checkpoints/slice-$k.partial/records"
  mv "$out/checkpoints/slice-$k.partial" "$out/checkpoints/slice-$k"
  echo "{\"event\":\"checkpoint\",\"slice\":$k,\"dir\":\"checkpoints/slice-$k\",\"step\":$((k + 1)),\"loss\":2.5,\"tokens\":$tokens,\"flops\":$((tokens * 6))}"
  if [ "${FAIL_AT:-x}" = "$k" ]; then echo "out of GPU memory" >&2; exit 3; fi
done
cp "$hp" "$out/adapter_config.json"
echo adapter > "$out/adapter_model.safetensors"
echo "{\"event\":\"done\",\"files\":[\"adapter_model.safetensors\",\"adapter_config.json\"],\"steps\":$slices,\"loss\":2.5,\"tokens\":$tokens,\"flops\":$((tokens * 6))}"
"#;

fn setup(dir: &Path, resume_from: Option<std::path::PathBuf>) -> (TrainerChoice, Job) {
    let script = dir.join("trainer.sh");
    std::fs::write(&script, SCRIPT).unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    let choice = TrainerChoice::parse(&format!("command:{} --extra-flag", script.display())).unwrap();
    let job = Job {
        base_model_dir: dir.join("base"),
        records: (0..6).map(|i| (format!("r{i}"), ShardRecord { slice: i / 2, text: format!("record {i}") })).collect(),
        num_slices: 3,
        resume_from,
        hyperparameters: Hyperparameters::default(),
        output_dir: dir.join("out"),
    };
    (choice, job)
}

fn run(choice: &TrainerChoice, job: &Job, stop: &StopFlag) -> (Result<Finish, attune_worker::TrainError>, Vec<Event>) {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let result = backend::run(choice, job, &tx, stop);
    drop(tx);
    let mut events = Vec::new();
    while let Ok(e) = rx.try_recv() {
        events.push(e);
    }
    (result, events)
}

#[test]
fn a_command_trainer_reports_progress_checkpoints_and_its_adapter() {
    let dir = tempfile::tempdir().unwrap();
    let (choice, job) = setup(dir.path(), None);
    let (result, events) = run(&choice, &job, &StopFlag::default());
    let Finish::Completed { files, tokens, flops, steps, .. } = result.unwrap() else { panic!("not completed") };
    assert_eq!((tokens, flops, steps), (300, 1800.0, 3));
    let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["adapter_model.safetensors", "adapter_config.json"]);
    assert!(files.iter().all(|(_, p)| p.exists()));
    let checkpoints: Vec<_> = events.iter().filter_map(|e| e.checkpoint.clone().map(|c| (e.slice, c))).collect();
    assert_eq!(checkpoints.len(), 3);
    assert_eq!(checkpoints[1].1, dir.path().join("out/checkpoints/slice-1"), "relative dirs are under the output dir");
    // The shard file it read holds every record with its slice.
    assert_eq!(std::fs::read_to_string(checkpoints[0].1.join("records")).unwrap().trim(), "6");
    let shard = std::fs::read_to_string(dir.path().join("out/input/shard.jsonl")).unwrap();
    assert!(shard.lines().next().unwrap().contains(r#""slice":0"#));
}

#[test]
fn a_command_trainer_resumes_from_a_checkpoint_and_stops_after_one_when_asked() {
    let dir = tempfile::tempdir().unwrap();
    let (choice, job) = setup(dir.path(), None);
    let stop = StopFlag::default();
    stop.at_checkpoint();
    let (result, _) = run(&choice, &job, &stop);
    assert_eq!(result.unwrap(), Finish::Stopped { slices_done: 1 });

    let resume = dir.path().join("out/checkpoints/slice-0");
    let other = tempfile::tempdir().unwrap();
    let (choice, job) = setup(other.path(), Some(resume));
    let (result, events) = run(&choice, &job, &StopFlag::default());
    let Finish::Completed { tokens, run_tokens, .. } = result.unwrap() else { panic!("not completed") };
    assert_eq!(tokens, 300, "cumulative over the shard");
    assert!(run_tokens < tokens, "this run did slices 1 and 2 only");
    assert_eq!(events.iter().filter(|e| e.checkpoint.is_some()).map(|e| e.slice).collect::<Vec<_>>(), [1, 2]);
}

#[test]
fn a_failing_command_trainer_is_an_error_with_its_stderr() {
    let dir = tempfile::tempdir().unwrap();
    let (choice, job) = setup(dir.path(), None);
    let choice = match choice {
        TrainerChoice::Command(mut words) => {
            words.insert(0, "FAIL_AT=1".into());
            words.insert(0, "env".into());
            TrainerChoice::Command(words)
        }
        other => other,
    };
    let (result, events) = run(&choice, &job, &StopFlag::default());
    let err = result.unwrap_err().to_string();
    assert!(err.contains("out of GPU memory") && err.contains("exit"), "{err}");
    assert_eq!(events.iter().filter(|e| e.checkpoint.is_some()).count(), 2, "the checkpoints it reported are kept");
}

#[test]
fn trainer_choices_parse() {
    assert_eq!(TrainerChoice::parse("builtin").unwrap(), TrainerChoice::Builtin);
    assert!(TrainerChoice::parse("command:").is_err());
    assert!(TrainerChoice::parse("docker").is_err());
}
