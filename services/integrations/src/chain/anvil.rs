//! The embedded development chain: anvil from the npm package `@foundry-rs/anvil-linux-amd64`
//! (installed by `npm ci`), listening on loopback, its state kept in `<data_dir>/chain/anvil-state.json`
//! so a restart keeps the contracts and balances. Stopped with SIGTERM so it writes its state.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::Context;
use tokio::process::{Child, Command};

/// Where the npm package puts the binary, relative to a directory holding `node_modules`.
const NPM_BINARY: &str = "node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil";

#[derive(Debug, thiserror::Error)]
pub enum AnvilError {
    #[error(
        "no anvil binary was found for the embedded chain.\n\
         Run `npm ci` in the Attune checkout (it installs @foundry-rs/anvil-linux-amd64), name the binary with\n\
         ATTUNE_ANVIL_PATH, or use an existing chain with ATTUNE_CHAIN_RPC_URL (and the contract addresses)."
    )]
    NoBinary,
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

pub struct EmbeddedAnvil {
    child: Child,
    pub rpc_url: String,
    pub state_file: PathBuf,
}

/// Finds anvil: the configured path, `node_modules` in the working directory or above the running
/// executable, then `anvil` on PATH.
pub fn find_anvil(configured: Option<&Path>) -> Option<PathBuf> {
    if let Some(p) = configured {
        return p.is_file().then(|| p.to_path_buf());
    }
    let mut roots: Vec<PathBuf> = Vec::new();
    if let Ok(cwd) = std::env::current_dir() {
        roots.extend(cwd.ancestors().map(Path::to_path_buf));
    }
    if let Ok(exe) = std::env::current_exe() {
        roots.extend(exe.ancestors().map(Path::to_path_buf));
    }
    if let Some(found) = roots.iter().map(|r| r.join(NPM_BINARY)).find(|p| p.is_file()) {
        return Some(found);
    }
    std::env::var_os("PATH").and_then(|paths| std::env::split_paths(&paths).map(|d| d.join("anvil")).find(|p| p.is_file()))
}

impl EmbeddedAnvil {
    /// Starts anvil with its state under `<data_dir>/chain`, and waits until it answers.
    pub async fn start(data_dir: &Path, configured: Option<&Path>) -> Result<Self, AnvilError> {
        let binary = find_anvil(configured).ok_or(AnvilError::NoBinary)?;
        let dir = data_dir.join("chain");
        std::fs::create_dir_all(&dir).with_context(|| format!("failed to create {}", dir.display()))?;
        let state_file = dir.join("anvil-state.json");
        let port = free_port()?;
        let log = std::fs::File::create(dir.join("anvil.log")).context("failed to create the anvil log")?;
        let mut command = Command::new(&binary);
        command
            .args(["--host", "127.0.0.1", "--port", &port.to_string(), "--chain-id", "31337", "--state-interval", "2"])
            .arg("--state")
            .arg(&state_file)
            .stdout(log.try_clone().context("failed to share the anvil log")?)
            .stderr(log)
            .stdin(std::process::Stdio::null())
            .kill_on_drop(true);
        let child = command.spawn().with_context(|| format!("failed to start {}", binary.display()))?;
        let anvil = Self { child, rpc_url: format!("http://127.0.0.1:{port}"), state_file };
        anvil.wait_until_ready().await?;
        tracing::info!(rpc = %anvil.rpc_url, binary = %binary.display(), "the embedded chain is running");
        Ok(anvil)
    }

    async fn wait_until_ready(&self) -> anyhow::Result<()> {
        crate::install_crypto_provider();
        let client = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let answer = client
                .post(&self.rpc_url)
                .json(&serde_json::json!({"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []}))
                .send()
                .await;
            if answer.is_ok_and(|r| r.status().is_success()) {
                return Ok(());
            }
            if Instant::now() > deadline {
                anyhow::bail!("anvil did not answer on {} within 30 s (see its log under the data directory)", self.rpc_url);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Kills anvil at once, without waiting (for a process that is exiting and cannot await the
    /// orderly stop; the state written every two seconds is kept).
    pub fn kill_now(&self) {
        if let Some(pid) = self.child.id().and_then(|p| i32::try_from(p).ok()) {
            let _ = nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), nix::sys::signal::Signal::SIGKILL);
        }
    }

    /// Stops anvil with SIGTERM so it writes its state, waiting a little for it to exit.
    pub async fn stop(&mut self) -> anyhow::Result<()> {
        if let Some(pid) = self.child.id() {
            let pid = nix::unistd::Pid::from_raw(i32::try_from(pid).context("pid out of range")?);
            let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM);
        }
        match tokio::time::timeout(Duration::from_secs(10), self.child.wait()).await {
            Ok(status) => {
                status.context("failed to wait for anvil")?;
            }
            Err(_) => {
                self.child.kill().await.context("failed to kill anvil")?;
            }
        }
        Ok(())
    }
}

fn free_port() -> anyhow::Result<u16> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").context("failed to find a free port for anvil")?;
    Ok(listener.local_addr().context("failed to read the port")?.port())
}
