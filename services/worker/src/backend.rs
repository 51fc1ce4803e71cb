//! Trainer backends: the built-in candle trainer, or an external command that follows the trainer
//! contract (`docs/trainer-contract.md` in the repository; summary below). Both run on a blocking
//! thread, report [`Event`]s as they go and read a shared [`StopFlag`].
//!
//! # The external trainer contract
//! The worker runs `PROGRAM [ARGS…] --base-model DIR --shard FILE --slices R --hyperparameters FILE
//! --output-dir DIR [--resume-from DIR]`, where the shard file is JSON lines `{id, slice, text}` in
//! slice order and the hyperparameters file is [`Hyperparameters`] as JSON. The trainer prints one
//! JSON object per line on stdout (other lines are ignored and logged):
//! - `{"event":"step","slice":K,"step":N,"loss":X,"tokens":T,"flops":F}` — counters cumulative over
//!   the shard (resumed work included);
//! - `{"event":"checkpoint","slice":K,"dir":"…","step":N,"loss":X,"tokens":T,"flops":F}` — slice K is
//!   trained into the checkpoint directory `dir` (written completely before it is reported); every file
//!   in it is uploaded, and a retry gets the same files back in `--resume-from`;
//! - `{"event":"done","files":["…"],"steps":N,"loss":X,"tokens":T,"flops":F}` — the adapter files to
//!   upload (paths relative to the output dir).
//!
//! It exits 0 after `done`. A non-zero exit is a failure (its last stderr lines are the error). To
//! stop, the worker kills the process; checkpoints it reported before are kept.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};

use serde::Deserialize;
use tokio::sync::mpsc::UnboundedSender;

use crate::{Control, Hyperparameters, ShardRecord, TrainError, TrainOutcome, TrainRequest, Trainer};

/// Which trainer a worker runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TrainerChoice {
    Builtin,
    /// The program and its leading arguments (`command:python3 scripts/peft_trainer.py`).
    Command(Vec<String>),
}

impl TrainerChoice {
    /// `builtin` or `command:PROGRAM [ARGS…]` (split on whitespace).
    pub fn parse(raw: &str) -> Result<Self, String> {
        let raw = raw.trim();
        if raw == "builtin" {
            return Ok(Self::Builtin);
        }
        match raw.strip_prefix("command:") {
            Some(cmd) => {
                let words: Vec<String> = cmd.split_whitespace().map(str::to_owned).collect();
                if words.is_empty() { Err("command: needs a program".into()) } else { Ok(Self::Command(words)) }
            }
            None => Err(format!("unknown trainer {raw:?}: use builtin or command:PROGRAM [ARGS…]")),
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            Self::Builtin => "builtin",
            Self::Command(_) => "command",
        }
    }
}

/// When to stop: never, after the next checkpoint (graceful shutdown), or now (cancel, lease lost).
#[derive(Debug, Clone, Default)]
pub struct StopFlag(Arc<AtomicU8>);

impl StopFlag {
    const RUN: u8 = 0;
    const AT_CHECKPOINT: u8 = 1;
    const NOW: u8 = 2;

    pub fn at_checkpoint(&self) {
        let _ = self.0.compare_exchange(Self::RUN, Self::AT_CHECKPOINT, Ordering::SeqCst, Ordering::SeqCst);
    }
    pub fn now(&self) {
        self.0.store(Self::NOW, Ordering::SeqCst);
    }
    fn get(&self) -> u8 {
        self.0.load(Ordering::SeqCst)
    }
    fn answer(&self, checkpoint: bool) -> Control {
        match self.get() {
            Self::NOW => Control::Stop,
            Self::AT_CHECKPOINT if checkpoint => Control::Stop,
            _ => Control::Continue,
        }
    }
}

/// Progress as the backends report it; counters are cumulative over the shard.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub slice: u32,
    pub step: u64,
    pub loss: Option<f64>,
    pub tokens: u64,
    pub flops: f64,
    /// Set when slice `slice` is trained into this checkpoint directory.
    pub checkpoint: Option<PathBuf>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Finish {
    Completed {
        /// Adapter files to upload, by artifact name.
        files: Vec<(String, PathBuf)>,
        steps: u64,
        tokens: u64,
        flops: f64,
        final_loss: Option<f64>,
        /// What this run spent (differs from the above after a resume).
        run_tokens: u64,
        run_flops: f64,
    },
    Stopped {
        slices_done: u32,
    },
}

/// What a backend trains.
#[derive(Debug, Clone)]
pub struct Job {
    pub base_model_dir: PathBuf,
    pub records: Vec<(String, ShardRecord)>,
    pub num_slices: u32,
    pub resume_from: Option<PathBuf>,
    pub hyperparameters: Hyperparameters,
    pub output_dir: PathBuf,
}

/// Runs `job` on the calling (blocking) thread.
pub fn run(choice: &TrainerChoice, job: &Job, events: &UnboundedSender<Event>, stop: &StopFlag) -> Result<Finish, TrainError> {
    match choice {
        TrainerChoice::Builtin => run_builtin(job, events, stop),
        TrainerChoice::Command(cmd) => run_command(cmd, job, events, stop),
    }
}

fn run_builtin(job: &Job, events: &UnboundedSender<Event>, stop: &StopFlag) -> Result<Finish, TrainError> {
    let trainer = Trainer::new()?;
    let req = TrainRequest {
        base_model_dir: job.base_model_dir.clone(),
        records: job.records.iter().map(|(_, r)| r.clone()).collect(),
        num_slices: job.num_slices,
        resume_from: job.resume_from.clone(),
        hyperparameters: job.hyperparameters.clone(),
        output_dir: job.output_dir.clone(),
    };
    let outcome = trainer.train(&req, &mut |p| {
        let _ = events.send(Event {
            slice: p.slice,
            step: p.step,
            loss: p.loss.is_finite().then_some(f64::from(p.loss)),
            tokens: p.tokens,
            flops: p.flops as f64,
            checkpoint: p.checkpoint.clone(),
        });
        stop.answer(p.checkpoint.is_some())
    })?;
    Ok(match outcome {
        TrainOutcome::Completed(c) => Finish::Completed {
            files: vec![
                ("adapter.safetensors".into(), c.adapter_path.clone()),
                ("adapter_config.json".into(), job.output_dir.join("adapter_config.json")),
            ],
            steps: c.steps,
            tokens: c.tokens,
            flops: c.flops as f64,
            final_loss: c.final_loss.map(f64::from),
            run_tokens: c.run_tokens,
            run_flops: c.run_flops as f64,
        },
        TrainOutcome::Stopped(s) => Finish::Stopped { slices_done: s.slices_done },
    })
}

#[derive(Debug, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
enum Line {
    Step { slice: u32, step: u64, loss: Option<f64>, tokens: u64, flops: f64 },
    Checkpoint { slice: u32, dir: PathBuf, step: u64, loss: Option<f64>, tokens: u64, flops: f64 },
    Done { files: Vec<String>, steps: u64, loss: Option<f64>, tokens: u64, flops: f64 },
}

fn run_command(cmd: &[String], job: &Job, events: &UnboundedSender<Event>, stop: &StopFlag) -> Result<Finish, TrainError> {
    let input = job.output_dir.join("input");
    std::fs::create_dir_all(&input)?;
    let shard = input.join("shard.jsonl");
    let mut f = std::io::BufWriter::new(std::fs::File::create(&shard)?);
    for (id, r) in &job.records {
        serde_json::to_writer(&mut f, &serde_json::json!({"id": id, "slice": r.slice, "text": r.text}))?;
        f.write_all(b"\n")?;
    }
    f.flush()?;
    drop(f);
    let hp = input.join("hyperparameters.json");
    std::fs::write(&hp, serde_json::to_vec_pretty(&job.hyperparameters)?)?;
    let (program, args) = cmd.split_first().ok_or_else(|| TrainError::InvalidRequest { field: "trainer", reason: "no program".into() })?;
    let mut command = Command::new(program);
    command
        .args(args)
        .arg("--base-model")
        .arg(&job.base_model_dir)
        .arg("--shard")
        .arg(&shard)
        .arg("--slices")
        .arg(job.num_slices.to_string())
        .arg("--hyperparameters")
        .arg(&hp)
        .arg("--output-dir")
        .arg(&job.output_dir);
    if let Some(resume) = &job.resume_from {
        command.arg("--resume-from").arg(resume);
    }
    let mut child = command.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn()?;
    let stderr = child.stderr.take();
    let stderr_tail = std::thread::spawn(move || {
        let mut tail: std::collections::VecDeque<String> = std::collections::VecDeque::new();
        if let Some(err) = stderr {
            for line in BufReader::new(err).lines().map_while(Result::ok) {
                if tail.len() == 20 {
                    tail.pop_front();
                }
                tail.push_back(line);
            }
        }
        tail.into_iter().collect::<Vec<_>>().join("\n")
    });
    let stdout = child.stdout.take().ok_or_else(|| TrainError::Model("the trainer's stdout is not readable".into()))?;
    let mut done = None;
    let mut slices_done = 0u32;
    let mut first_tokens: Option<(u64, f64)> = None;
    let mut stopped = false;
    for line in BufReader::new(stdout).lines() {
        let line = line?;
        let Ok(parsed) = serde_json::from_str::<Line>(line.trim()) else {
            tracing::debug!(line = %line, "trainer output");
            continue;
        };
        match parsed {
            Line::Step { slice, step, loss, tokens, flops } => {
                first_tokens.get_or_insert((tokens, flops));
                let _ = events.send(Event { slice, step, loss, tokens, flops, checkpoint: None });
                if stop.answer(false) == Control::Stop {
                    stopped = true;
                    break;
                }
            }
            Line::Checkpoint { slice, dir, step, loss, tokens, flops } => {
                let dir = if dir.is_absolute() { dir } else { job.output_dir.join(dir) };
                slices_done = slice + 1;
                let _ = events.send(Event { slice, step, loss, tokens, flops, checkpoint: Some(dir) });
                if stop.answer(true) == Control::Stop && slices_done < job.num_slices {
                    stopped = true;
                    break;
                }
            }
            Line::Done { files, steps, loss, tokens, flops } => {
                let mut out = Vec::new();
                for f in files {
                    let path = job.output_dir.join(&f);
                    let name = Path::new(&f).file_name().and_then(|n| n.to_str()).unwrap_or_default().to_owned();
                    if !path.starts_with(&job.output_dir) || name.is_empty() || f.contains("..") {
                        return Err(TrainError::Model(format!("the trainer named an adapter file outside its output dir: {f}")));
                    }
                    out.push((name, path));
                }
                done = Some((out, steps, loss, tokens, flops));
            }
        }
    }
    if stopped {
        let _ = child.kill();
        let _ = child.wait();
        return Ok(Finish::Stopped { slices_done });
    }
    let status = child.wait()?;
    let tail = stderr_tail.join().unwrap_or_default();
    if !status.success() {
        return Err(TrainError::Model(format!("the trainer command exited with {status}: {tail}")));
    }
    let Some((files, steps, loss, tokens, flops)) = done else {
        return Err(TrainError::Model("the trainer command exited without a done line".into()));
    };
    if files.is_empty() {
        return Err(TrainError::Model("the trainer command's done line lists no adapter files".into()));
    }
    // What this run spent: the counters moved from the first step it reported (resume included).
    let (run_tokens, run_flops) = match (first_tokens, &job.resume_from) {
        (Some((t0, f0)), Some(_)) => (tokens.saturating_sub(t0), (flops - f0).max(0.0)),
        _ => (tokens, flops),
    };
    Ok(Finish::Completed { files, steps, tokens, flops, final_loss: loss, run_tokens, run_flops })
}
