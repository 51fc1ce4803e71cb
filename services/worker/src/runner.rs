//! The worker's loop: lease a shard run, fetch what it needs, train on a blocking thread while
//! heartbeating, upload each slice's checkpoint before reporting the slice done, upload the adapter
//! and complete. A cancel in a heartbeat answer, or a lost lease, stops training at once; a shutdown
//! (SIGTERM) lets the current slice finish and its checkpoint upload, then hands the lease back.

use std::path::{Path, PathBuf};
use std::time::Duration;

use tokio::sync::{mpsc, watch};

use crate::backend::{self, Event, Finish, Job, StopFlag, TrainerChoice};
use crate::client::{ArtifactRef, Client, ClientError, Completion, Failure, Grant, Heartbeat};
use crate::{Hyperparameters, ShardRecord, TrainError};

#[derive(Debug, Clone)]
pub struct WorkerConfig {
    pub server: String,
    pub token: String,
    pub trainer: TrainerChoice,
    /// Base model files, kept by sha256 (`blobs/<sha256>`), and the model directories linking them.
    pub cache_dir: PathBuf,
    /// One directory per leased attempt (records, checkpoints, the adapter).
    pub work_dir: PathBuf,
    /// Long-poll length of each lease request.
    pub wait_s: u64,
    /// Heartbeat at least this often while training.
    pub heartbeat_every: Duration,
    /// Stop after this many runs (tests); `None` runs until shutdown.
    pub max_runs: Option<u32>,
}

impl WorkerConfig {
    pub fn new(server: &str, token: &str, data_dir: &Path) -> Self {
        Self {
            server: server.to_owned(),
            token: token.to_owned(),
            trainer: TrainerChoice::Builtin,
            cache_dir: data_dir.join("cache"),
            work_dir: data_dir.join("runs"),
            wait_s: 25,
            heartbeat_every: Duration::from_secs(5),
            max_runs: None,
        }
    }
}

/// How one leased run ended, from the worker's side.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunEnd {
    Completed { job_status: String },
    Failed { retryable: bool, error: String },
    HandedBack,
    Cancelled,
    LeaseLost,
}

/// Leases and trains until `shutdown` turns true (or `max_runs` runs ended).
pub async fn run(config: WorkerConfig, mut shutdown: watch::Receiver<bool>) -> anyhow::Result<()> {
    let client = Client::new(&config.server, &config.token)?;
    let capabilities = capabilities(&config.trainer);
    let mut runs = 0u32;
    let mut backoff = Duration::from_millis(500);
    loop {
        if *shutdown.borrow() || config.max_runs.is_some_and(|m| runs >= m) {
            return Ok(());
        }
        let leased = tokio::select! {
            got = client.lease(&capabilities, config.wait_s) => got,
            _ = shutdown.changed() => return Ok(()),
        };
        let grant = match leased {
            Ok(Some(grant)) => grant,
            Ok(None) => continue,
            Err(ClientError::Unauthorized(status)) => anyhow::bail!("the server refused this worker's token (HTTP {status})"),
            Err(e) => {
                tracing::warn!(error = %e, "leasing failed; retrying");
                tokio::select! {
                    _ = tokio::time::sleep(backoff) => {}
                    _ = shutdown.changed() => return Ok(()),
                }
                backoff = (backoff * 2).min(Duration::from_secs(30));
                continue;
            }
        };
        backoff = Duration::from_millis(500);
        runs += 1;
        tracing::info!(run = %grant.run_id, job = %grant.job_id, shard = grant.shard_index, attempt = grant.attempt,
            resume_from_slice = grant.resume_from_slice, "leased a shard run");
        let end = run_one(&client, &config, &grant, shutdown.clone()).await;
        tracing::info!(run = %grant.run_id, end = ?end, "shard run ended");
    }
}

fn capabilities(trainer: &TrainerChoice) -> serde_json::Value {
    let gpus = if cfg!(feature = "cuda") { 1 } else { 0 };
    serde_json::json!({"gpus": gpus, "gpu_memory_gb": 0, "trainers": [trainer.name()], "cpus": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)})
}

/// Maps the job's hyperparameters (`{epochs, lora_rank?, learning_rate?, tokens?}`) to the trainer's.
/// `tokens`, when given, is the job's training-token budget: each shard gets its share, spread over
/// its slices, as a cap on optimizer steps.
pub fn hyperparameters(grant: &Grant) -> Hyperparameters {
    let job = &grant.hyperparameters;
    let mut hp = Hyperparameters::default();
    if let Some(e) = job.get("epochs").and_then(serde_json::Value::as_u64) {
        hp.epochs = u32::try_from(e.clamp(1, 100)).unwrap_or(1);
    }
    if let Some(r) = job.get("lora_rank").and_then(serde_json::Value::as_u64) {
        hp.lora_rank = usize::try_from(r.clamp(1, 256)).unwrap_or(8);
        hp.lora_alpha = 2.0 * hp.lora_rank as f64;
    }
    if let Some(lr) = job.get("learning_rate").and_then(serde_json::Value::as_f64).filter(|lr| lr.is_finite() && *lr > 0.0) {
        hp.learning_rate = lr;
    }
    if let Some(tokens) = job.get("tokens").and_then(serde_json::Value::as_u64).filter(|t| *t > 0) {
        let per_step = (hp.batch_size * hp.seq_len) as u64;
        let per_slice = tokens / u64::from(grant.shards.max(1)) / u64::from(grant.slices.max(1));
        hp.max_steps_per_slice = Some(per_slice.div_ceil(per_step).max(1));
    }
    // The same seed for every attempt of a shard: a resumed run continues the same sequence.
    hp.seed = u64::from(grant.shard_index);
    hp
}

async fn run_one(client: &Client, config: &WorkerConfig, grant: &Grant, shutdown: watch::Receiver<bool>) -> RunEnd {
    let dir = config.work_dir.join(&grant.run_id).join(&grant.lease_id);
    // Downloads can outlast a lease: keep it alive meanwhile.
    let prepared = {
        let preparing = prepare(client, config, grant, &dir);
        tokio::pin!(preparing);
        let mut ticker = tokio::time::interval(config.heartbeat_every);
        ticker.tick().await;
        loop {
            tokio::select! {
                done = &mut preparing => break done,
                _ = ticker.tick() => {
                    match client.heartbeat(grant, &idle_heartbeat(grant)).await {
                        Err(ClientError::LeaseLost) => return RunEnd::LeaseLost,
                        Ok(answer) if answer.cancel => {
                            let f = Failure { error: "the job was cancelled; training stopped".into(), retryable: false, handed_back: false };
                            let _ = client.fail(grant, &f).await;
                            return RunEnd::Cancelled;
                        }
                        _ => {}
                    }
                }
            }
        }
    };
    let job = match prepared {
        Ok(job) => job,
        Err(Prep::LeaseLost) => return RunEnd::LeaseLost,
        Err(Prep::Failed { error, retryable }) => return fail(client, grant, &error, retryable).await,
    };
    let end = train(client, config, grant, job, shutdown).await;
    // A finished attempt's files are on the server now; keep nothing but the cache.
    if !matches!(end, RunEnd::Failed { .. }) {
        let _ = tokio::fs::remove_dir_all(&dir).await;
    }
    end
}

enum Prep {
    LeaseLost,
    Failed { error: String, retryable: bool },
}

impl From<ClientError> for Prep {
    fn from(e: ClientError) -> Self {
        match e {
            ClientError::LeaseLost => Prep::LeaseLost,
            e => Prep::Failed { retryable: e.is_transient() || matches!(e, ClientError::Digest { .. }), error: e.to_string() },
        }
    }
}

fn io(e: std::io::Error) -> Prep {
    Prep::Failed { error: format!("io: {e}"), retryable: true }
}

async fn prepare(client: &Client, config: &WorkerConfig, grant: &Grant, dir: &Path) -> Result<Job, Prep> {
    tokio::fs::create_dir_all(dir).await.map_err(io)?;
    let records = client.records(grant).await?;
    let base_model_dir = crate::model_cache::base_model(client, &config.cache_dir, grant).await.map_err(|e| match e {
        crate::model_cache::CacheError::Client(e) => Prep::from(e),
        crate::model_cache::CacheError::Invalid(error) => Prep::Failed { error, retryable: false },
        crate::model_cache::CacheError::Io(e) => io(e),
    })?;
    let resume_from = if grant.resume_from_slice > 0 {
        if grant.resume_checkpoint.is_empty() {
            return Err(Prep::Failed {
                error: format!("the lease resumes from slice {} but names no checkpoint", grant.resume_from_slice),
                retryable: false,
            });
        }
        let ckpt = dir.join("resume").join(format!("slice-{:04}", grant.resume_from_slice - 1));
        let prefix = checkpoint_prefix(grant.resume_from_slice - 1);
        for f in &grant.resume_checkpoint {
            let name = f.name.strip_prefix(&prefix).unwrap_or(&f.name);
            client.download(&f.download_url, Some(&grant.lease_id), &ckpt.join(name), &f.sha256, Some(f.size), &f.name).await?;
        }
        Some(ckpt)
    } else {
        None
    };
    Ok(Job {
        base_model_dir,
        records: records.into_iter().map(|r| (r.id, ShardRecord { slice: r.slice, text: r.text })).collect(),
        num_slices: grant.slices,
        resume_from,
        hyperparameters: hyperparameters(grant),
        output_dir: dir.join("out"),
    })
}

/// The artifact-name prefix of slice `k`'s checkpoint files.
pub fn checkpoint_prefix(slice: u32) -> String {
    format!("checkpoint-{slice:04}.")
}

async fn fail(client: &Client, grant: &Grant, error: &str, retryable: bool) -> RunEnd {
    tracing::warn!(run = %grant.run_id, error, retryable, "the shard run failed");
    let f = Failure { error: error.chars().take(3900).collect(), retryable, handed_back: false };
    match client.fail(grant, &f).await {
        Err(ClientError::LeaseLost) => RunEnd::LeaseLost,
        _ => RunEnd::Failed { retryable, error: error.to_owned() },
    }
}

async fn train(client: &Client, config: &WorkerConfig, grant: &Grant, job: Job, mut shutdown: watch::Receiver<bool>) -> RunEnd {
    let (tx, mut rx) = mpsc::unbounded_channel::<Event>();
    let stop = StopFlag::default();
    let trainer = config.trainer.clone();
    let training = {
        let stop = stop.clone();
        let job = job.clone();
        tokio::task::spawn_blocking(move || backend::run(&trainer, &job, &tx, &stop))
    };
    tokio::pin!(training);
    let mut latest: Option<Event> = None;
    let mut ticker = tokio::time::interval(config.heartbeat_every);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut draining = false;
    let mut events_closed = false;
    let mut lost = false;
    let mut cancelled = false;
    let result = loop {
        tokio::select! {
            biased;
            event = rx.recv(), if !events_closed => match event {
                Some(e) if e.checkpoint.is_some() => {
                    if lost || cancelled {
                        continue;
                    }
                    match report_checkpoint(client, grant, &e).await {
                        Ok(cancel) => if cancel { cancelled = true; stop.now(); },
                        Err(ClientError::LeaseLost) => { lost = true; stop.now(); }
                        Err(err) => tracing::warn!(error = %err, "reporting a checkpoint failed; the slice will be retrained if this attempt is lost"),
                    }
                }
                Some(e) => latest = Some(e),
                // The trainer returned (its sender is gone); its result is next.
                None => events_closed = true,
            },
            _ = ticker.tick(), if !lost && !cancelled => {
                let h = match &latest {
                    Some(e) => Heartbeat { slice: e.slice, slice_done: false, step: e.step, loss: e.loss, tokens: e.tokens, flops: e.flops },
                    None => idle_heartbeat(grant),
                };
                match client.heartbeat(grant, &h).await {
                    Ok(answer) if answer.cancel => { cancelled = true; stop.now(); }
                    Ok(_) => {}
                    Err(ClientError::LeaseLost) => { lost = true; stop.now(); }
                    Err(err) => tracing::warn!(error = %err, "a heartbeat failed"),
                }
            },
            changed = shutdown.changed(), if !draining => {
                if changed.is_err() || *shutdown.borrow() {
                    draining = true;
                    stop.at_checkpoint();
                    tracing::info!(run = %grant.run_id, "shutting down: finishing the current slice, then handing the lease back");
                }
            },
            done = &mut training => {
                // Checkpoints reported after the last poll are still in the channel.
                while let Ok(e) = rx.try_recv() {
                    if e.checkpoint.is_some() && !lost && !cancelled {
                        match report_checkpoint(client, grant, &e).await {
                            Err(ClientError::LeaseLost) => lost = true,
                            Ok(true) => cancelled = true,
                            _ => {}
                        }
                    }
                }
                break done;
            }
        }
    };
    if lost {
        return RunEnd::LeaseLost;
    }
    if cancelled {
        // Close the attempt so the run does not sit leased until its lease expires.
        let f = Failure { error: "the job was cancelled; training stopped".into(), retryable: false, handed_back: false };
        let _ = client.fail(grant, &f).await;
        return RunEnd::Cancelled;
    }
    match result {
        Err(join) => fail(client, grant, &format!("the trainer panicked: {join}"), true).await,
        Ok(Err(e)) => {
            let retryable = matches!(e, TrainError::Io(_) | TrainError::Checkpoint(_));
            fail(client, grant, &e.to_string(), retryable).await
        }
        Ok(Ok(Finish::Stopped { slices_done })) => {
            let f = Failure {
                error: format!("the worker stopped (shutdown) after {slices_done} of {} slices; handed back", grant.slices),
                retryable: true,
                handed_back: true,
            };
            match client.fail(grant, &f).await {
                Err(ClientError::LeaseLost) => RunEnd::LeaseLost,
                _ => RunEnd::HandedBack,
            }
        }
        Ok(Ok(Finish::Completed { files, steps, tokens, flops, final_loss, run_tokens, run_flops })) => {
            let mut artifacts: Vec<ArtifactRef> = Vec::new();
            for (name, path) in &files {
                match with_retries(|| client.put_artifact(grant, name, path)).await {
                    Ok(a) => artifacts.push(a),
                    Err(ClientError::LeaseLost) => return RunEnd::LeaseLost,
                    Err(e) => return fail(client, grant, &format!("uploading {name}: {e}"), true).await,
                }
            }
            let c = Completion {
                artifacts,
                flops,
                tokens,
                metrics: serde_json::json!({"steps": steps, "final_loss": final_loss, "run_tokens": run_tokens, "run_flops": run_flops,
                    "resumed_from_slice": grant.resume_from_slice, "trainer": config.trainer.name()}),
            };
            match with_retries(|| client.complete(grant, &c)).await {
                Ok(outcome) => RunEnd::Completed { job_status: outcome.job_status },
                Err(ClientError::LeaseLost) => RunEnd::LeaseLost,
                Err(e) => RunEnd::Failed { retryable: true, error: e.to_string() },
            }
        }
    }
}

/// A heartbeat before the first step: the slice about to be trained, no counters yet.
fn idle_heartbeat(grant: &Grant) -> Heartbeat {
    let slice = grant.resume_from_slice.min(grant.slices.saturating_sub(1));
    Heartbeat { slice, slice_done: false, step: 0, loss: None, tokens: 0, flops: 0.0 }
}

/// Uploads the checkpoint's files, then reports the slice done; answers the heartbeat's `cancel`.
async fn report_checkpoint(client: &Client, grant: &Grant, e: &Event) -> Result<bool, ClientError> {
    let Some(dir) = &e.checkpoint else { return Ok(false) };
    let prefix = checkpoint_prefix(e.slice);
    let mut entries = tokio::fs::read_dir(dir).await?;
    let mut files = Vec::new();
    while let Some(entry) = entries.next_entry().await? {
        if entry.file_type().await?.is_file()
            && let Some(name) = entry.file_name().to_str()
        {
            files.push((format!("{prefix}{name}"), entry.path()));
        }
    }
    files.sort();
    for (name, path) in &files {
        with_retries(|| client.put_artifact(grant, name, path)).await?;
    }
    let h = Heartbeat { slice: e.slice, slice_done: true, step: e.step, loss: e.loss, tokens: e.tokens, flops: e.flops };
    Ok(with_retries(|| client.heartbeat(grant, &h)).await?.cancel)
}

/// Retries a call on network trouble and server errors (three tries, short backoff).
async fn with_retries<T, F, Fut>(mut call: F) -> Result<T, ClientError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, ClientError>>,
{
    let mut wait = Duration::from_millis(300);
    let mut tries = 0;
    loop {
        match call().await {
            Err(e) if e.is_transient() && tries < 2 => {
                tries += 1;
                tokio::time::sleep(wait).await;
                wait *= 3;
            }
            other => return other,
        }
    }
}
