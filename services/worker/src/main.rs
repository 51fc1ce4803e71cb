//! `attune-worker --server URL --token-file F [--trainer builtin|command:…]`: leases shard runs from
//! an Attune marketplace and trains them. SIGTERM or Ctrl-C finishes the current slice, uploads its
//! checkpoint and hands the lease back; a second signal exits at once.

use std::path::PathBuf;
use std::process::ExitCode;

use attune_worker::backend::TrainerChoice;
use attune_worker::runner::{self, WorkerConfig};
use clap::Parser;

#[derive(Parser)]
#[command(name = "attune-worker", version, about = "Attune's shard training worker")]
struct Cli {
    /// The marketplace's base URL.
    #[arg(long, env = "ATTUNE_WORKER_SERVER")]
    server: String,
    /// A file holding the worker token an admin created (`POST /api/v1/admin/workers`).
    #[arg(long, env = "ATTUNE_WORKER_TOKEN_FILE")]
    token_file: PathBuf,
    /// `builtin` (candle LoRA) or `command:PROGRAM [ARGS…]` (the external trainer contract).
    #[arg(long, default_value = "builtin", env = "ATTUNE_WORKER_TRAINER")]
    trainer: String,
    /// Base-model cache and per-run work directories.
    #[arg(long, default_value = ".attune-worker", env = "ATTUNE_WORKER_DATA_DIR")]
    data_dir: PathBuf,
    /// Heartbeat interval in seconds.
    #[arg(long, default_value_t = 5)]
    heartbeat_secs: u64,
    /// Exit after this many shard runs (default: run until stopped).
    #[arg(long)]
    max_runs: Option<u32>,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let token = match std::fs::read_to_string(&cli.token_file) {
        Ok(t) if !t.trim().is_empty() => t.trim().to_owned(),
        Ok(_) => return fatal(&format!("{} is empty", cli.token_file.display())),
        Err(e) => return fatal(&format!("cannot read {}: {e}", cli.token_file.display())),
    };
    let trainer = match TrainerChoice::parse(&cli.trainer) {
        Ok(t) => t,
        Err(e) => return fatal(&e),
    };
    let mut config = WorkerConfig::new(&cli.server, &token, &cli.data_dir);
    config.trainer = trainer;
    config.heartbeat_every = std::time::Duration::from_secs(cli.heartbeat_secs.max(1));
    config.max_runs = cli.max_runs;
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => return fatal(&format!("cannot start the runtime: {e}")),
    };
    let result = runtime.block_on(async move {
        let (tx, rx) = tokio::sync::watch::channel(false);
        tokio::spawn(async move {
            let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(s) => s,
                Err(_) => return,
            };
            tokio::select! { _ = term.recv() => {}, _ = tokio::signal::ctrl_c() => {} }
            tracing::info!("stopping: the current slice finishes and the lease is handed back (signal again to exit now)");
            let _ = tx.send(true);
            tokio::select! { _ = term.recv() => {}, _ = tokio::signal::ctrl_c() => {} }
            std::process::exit(130);
        });
        runner::run(config, rx).await
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fatal(&format!("{e:#}")),
    }
}

fn fatal(message: &str) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::FAILURE
}
