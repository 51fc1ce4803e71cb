//! What `attune serve` starts for training: the in-process worker and, in the embedded setup, the
//! demo base model's listing.

use actix_web::web;
use tokio::sync::watch;

use crate::state::AppState;

/// The in-process training worker: the same `attune-worker` loop, talking to this server over HTTP
/// with its own worker token (rotated on every start, never written down).
pub(crate) async fn start_in_process_worker(
    state: &AppState,
    address: std::net::SocketAddr,
    shutdown: watch::Receiver<bool>,
) -> anyhow::Result<tokio::task::JoinHandle<()>> {
    let trainer = attune_worker::backend::TrainerChoice::parse(&state.settings.in_process_trainer)
        .map_err(|e| anyhow::anyhow!("ATTUNE_IN_PROCESS_TRAINER: {e}"))?;
    let host = std::fs::read_to_string("/etc/hostname").map(|h| h.trim().to_owned()).unwrap_or_default();
    let host = if host.is_empty() { "localhost".to_owned() } else { host };
    let created = attune_app::workers::register_in_process(&state.pool, &host).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    let ip = if address.ip().is_unspecified() { std::net::IpAddr::from([127, 0, 0, 1]) } else { address.ip() };
    let server = format!("http://{}", std::net::SocketAddr::new(ip, address.port()));
    let mut config = attune_worker::runner::WorkerConfig::new(&server, &created.token, &state.settings.data_dir.join("worker"));
    config.trainer = trainer;
    tracing::info!(worker = %created.id, trainer = %state.settings.in_process_trainer, "in-process training worker started");
    Ok(tokio::spawn(async move {
        if let Err(e) = attune_worker::runner::run(config, shutdown).await {
            tracing::error!(error = %format!("{e:#}"), "the in-process worker stopped");
        }
    }))
}

/// Writes the demo base model under the model file root (byte-identical every time) and lists it
/// from the platform's demo organisation, signed and verified like any listing.
pub(crate) async fn list_demo_model(state: web::Data<AppState>) {
    let Some(root) = state.settings.model_file_root.clone() else { return };
    let dir = root.join("attune-demo-llama-3m");
    let written = {
        let dir = dir.clone();
        tokio::task::spawn_blocking(move || {
            attune_worker::demo_model::write_demo_model(&dir, &attune_worker::demo_model::DemoModelSpec::demo())
        })
        .await
    };
    let info = match written {
        Ok(Ok(info)) => info,
        Ok(Err(e)) => return tracing::error!(error = %e, "could not write the demo model"),
        Err(e) => return tracing::error!(error = %e, "could not write the demo model"),
    };
    let mut files = Vec::new();
    for (name, sha256) in &info.files {
        let path = dir.join(name);
        let size = match std::fs::metadata(&path) {
            Ok(m) => m.len(),
            Err(e) => return tracing::error!(error = %e, file = %path.display(), "the demo model's file is missing"),
        };
        files.push((name.clone(), path, size, sha256.clone()));
    }
    let model = attune_app::demo_catalogue::DemoModel {
        name: "attune-demo-llama-3m".into(),
        version: "1".into(),
        parameter_count: info.parameters,
        card_markdown: std::fs::read_to_string(dir.join("README.md")).unwrap_or_else(|_| "Attune's generated demo base model.".into()),
        files,
    };
    match attune_app::demo_catalogue::list(&state, &model).await {
        Ok(attune_app::demo_catalogue::DemoListing::Listed(id)) => tracing::info!(model = %id, "listed and verified the demo base model"),
        Ok(attune_app::demo_catalogue::DemoListing::AlreadyListed(id)) => tracing::debug!(model = %id, "the demo base model is listed"),
        Err(e) => tracing::error!(error = %format!("{e:#}"), "could not list the demo base model"),
    }
}
