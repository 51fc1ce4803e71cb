//! The background step that fetches and re-hashes a listing's files. A listing answers at once
//! with its files check `pending`; this step settles it. Tests call
//! [`ModelFileChecking::try_check_next`] step by step; the server runs [`ModelFileChecking::run`],
//! which a listing wakes.

use std::time::Duration;

use anyhow::Context;
use attune_domain::OrgScope;
use attune_domain::provenance::ModelFile;
use attune_integrations::fetch::SafeFetcher;
use serde_json::json;
use sqlx::PgPool;
use tokio::sync::Notify;
use uuid::Uuid;

use crate::provenance_checks::{Check, files_check};

/// A check not finished after this long is taken over by another replica.
const CHECK_LEASE_SECS: i64 = 900;

/// How much a listing may ask the platform to fetch (settings).
#[derive(Debug, Clone)]
pub struct ModelFileLimits {
    pub max_files: usize,
    pub max_total_bytes: u64,
    /// Per file, from the first byte asked to the last received.
    pub fetch_timeout: Duration,
}

pub struct ModelFileChecking {
    pool: PgPool,
    fetcher: SafeFetcher,
    limits: ModelFileLimits,
    wake: Notify,
}

impl ModelFileChecking {
    pub fn new(pool: PgPool, fetcher: SafeFetcher, limits: ModelFileLimits) -> Self {
        Self { pool, fetcher, limits, wake: Notify::new() }
    }

    pub fn limits(&self) -> &ModelFileLimits {
        &self.limits
    }

    /// Tells the background loop that a listing is waiting.
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Checks the files of the oldest listing waiting for it; `None` when none waits.
    #[tracing::instrument(skip_all)]
    pub async fn try_check_next(&self) -> anyhow::Result<Option<Uuid>> {
        let (id, files) = {
            let mut conn = self.pool.acquire().await.context("failed to acquire a connection")?;
            let Some((id, files)) = attune_db::models::lease_files_check(&mut conn, CHECK_LEASE_SECS).await? else {
                return Ok(None);
            };
            (id, files)
        };
        // No transaction is open while the files are fetched.
        let check = match serde_json::from_value::<Vec<ModelFile>>(files) {
            Ok(files) => files_check(&self.fetcher, &files, self.limits.fetch_timeout).await,
            Err(e) => Check::new("files", false, format!("the stored file list could not be read: {e}")),
        };
        let mut tx = self.pool.begin().await.context("failed to begin recording a files check")?;
        let Some(model) = attune_db::models::get_for_update(&mut tx, OrgScope::Platform, id).await? else {
            return Ok(Some(id));
        };
        let mut checks: Vec<Check> = serde_json::from_value(model.checks).unwrap_or_default();
        match checks.iter_mut().find(|c| c.name == "files") {
            Some(slot) => *slot = check.clone(),
            None => checks.insert(0, check.clone()),
        }
        let checks_json = serde_json::to_value(&checks).context("failed to encode checks")?;
        if !attune_db::models::finish_files_check(&mut tx, id, &checks_json).await? {
            // Another checker took over an expired lease and finished first.
            return Ok(Some(id));
        }
        attune_db::audit::append(
            &mut tx,
            "system:model-file-checker",
            "model.files_checked",
            &format!("model:{id}"),
            &json!({"ok": check.ok, "detail": check.detail}),
        )
        .await?;
        tx.commit().await.context("failed to commit a files check")?;
        Ok(Some(id))
    }

    /// Checks until no listing waits (tests; the loop below in the server).
    pub async fn check_all_waiting(&self) -> anyhow::Result<usize> {
        let mut done = 0;
        while self.try_check_next().await?.is_some() {
            done += 1;
        }
        Ok(done)
    }

    /// The background task: check what waits, then sleep until woken (or 5 s); stops on shutdown.
    pub async fn run(self: std::sync::Arc<Self>, mut shutdown: tokio::sync::watch::Receiver<bool>) {
        loop {
            match self.try_check_next().await {
                Ok(Some(_)) => continue,
                Ok(None) => {}
                Err(e) => tracing::error!(error = ?e, "the model files check failed"),
            }
            tokio::select! {
                () = self.wake.notified() => {}
                () = tokio::time::sleep(Duration::from_secs(5)) => {}
                _ = shutdown.changed() => return,
            }
        }
    }
}
