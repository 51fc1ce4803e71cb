//! The background step that runs the opt-out scanner over a dataset's web records and settles their
//! gate verdicts. Tests call [`DatasetScanning::try_scan_next`] step by step; the server runs
//! [`DatasetScanning::run`], which an upload wakes.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use attune_db::dataset_gate::UrlOutcome;
use attune_domain::data_policy::DataPolicy;
use attune_domain::dataset::{GateContext, LicenceKind, gate_record};
use attune_integrations::optout_scanner::{OptoutScanner, ScanInputError, UrlVerdict};

use crate::error::AppError;
use serde_json::json;
use sqlx::PgPool;
use tokio::sync::Notify;
use uuid::Uuid;

/// A scan not finished after this long is taken over by another replica.
const SCAN_LEASE_SECS: i64 = 600;

pub struct DatasetScanning {
    pool: PgPool,
    scanner: OptoutScanner,
    policy: Arc<DataPolicy>,
    wake: Notify,
}

/// The stored form of a verdict: what `GET …/records` shows under `optout`.
pub fn verdict_json(verdict: &UrlVerdict, policy: &DataPolicy) -> serde_json::Value {
    json!({
        "status": verdict.status,
        "signals": verdict.signals,
        "evidence": verdict.evidence,
        "checked_at": verdict.checked_at,
        "recheck_at": verdict.recheck_at,
        "policy": policy.reference(),
    })
}

impl DatasetScanning {
    pub fn new(pool: PgPool, scanner: OptoutScanner, policy: Arc<DataPolicy>) -> Self {
        Self { pool, scanner, policy, wake: Notify::new() }
    }

    pub fn scanner(&self) -> &OptoutScanner {
        &self.scanner
    }

    /// Checks one URL's opt-out signals now (`POST /optout/check`); the verdict in its stored form.
    /// A URL with spaces or control characters, not http(s), or pointing at a private address is
    /// a 422 on `url`.
    pub async fn check_url(&self, url: &str) -> Result<serde_json::Value, AppError> {
        // A URL parser would quietly drop tabs and line breaks or escape spaces: a URL carrying them
        // is not the URL the caller means to check.
        if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(AppError::field("url", "must be a URL without spaces or control characters"));
        }
        let verdict = self.scanner.check(url).await.map_err(|e| {
            AppError::field(
                "url",
                match e {
                    ScanInputError::NotHttp(m) => format!("must be an absolute http(s) URL ({m})"),
                    ScanInputError::Refused(m) => m,
                },
            )
        })?;
        Ok(verdict_json(&verdict, &self.policy))
    }

    /// Tells the background loop that a dataset is waiting.
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Scans the oldest dataset waiting for its scan; `None` when none waits.
    #[tracing::instrument(skip_all)]
    pub async fn try_scan_next(&self) -> anyhow::Result<Option<Uuid>> {
        let (id, urls) = {
            let mut conn = self.pool.acquire().await.context("failed to acquire a connection")?;
            let Some(id) = attune_db::dataset_gate::lease_scanning(&mut conn, SCAN_LEASE_SECS).await? else {
                return Ok(None);
            };
            (id, attune_db::dataset_gate::web_urls(&mut conn, id).await?)
        };
        // No transaction is open while the outside web is fetched.
        let verdicts = self.scanner.check_many(urls.clone()).await;
        let mut tally = std::collections::BTreeMap::<&str, u64>::new();
        let outcomes: Vec<UrlOutcome> = urls
            .into_iter()
            .zip(verdicts.iter())
            .map(|(url, verdict)| {
                *tally.entry(verdict.status.as_str()).or_default() += 1;
                let gate = gate_record(LicenceKind::Web, Some(verdict.status), None, &GateContext::dataset_baseline());
                UrlOutcome {
                    url,
                    optout_status: verdict.status.as_str().to_owned(),
                    optout: verdict_json(verdict, &self.policy),
                    checked_at: verdict.checked_at,
                    recheck_at: verdict.recheck_at,
                    gate: gate.verdict.as_str().to_owned(),
                    gate_reasons: json!(gate.reasons),
                }
            })
            .collect();
        let mut tx = self.pool.begin().await.context("failed to begin recording a scan")?;
        if !attune_db::dataset_gate::mark_ready(&mut tx, id).await? {
            // Another scanner took over an expired lease and finished first.
            return Ok(Some(id));
        }
        let records = attune_db::dataset_gate::apply_url_outcomes(&mut tx, id, &outcomes).await?;
        attune_db::audit::append(
            &mut tx,
            "system:optout-scanner",
            "dataset.scanned",
            &format!("dataset:{id}"),
            &json!({"urls": outcomes.len(), "records": records, "verdicts": tally, "data_policy": self.policy.reference()}),
        )
        .await?;
        tx.commit().await.context("failed to commit a scan")?;
        Ok(Some(id))
    }

    /// Scans until no dataset waits (tests; the loop below in the server).
    pub async fn scan_all_waiting(&self) -> anyhow::Result<usize> {
        let mut done = 0;
        while self.try_scan_next().await?.is_some() {
            done += 1;
        }
        Ok(done)
    }

    /// The background task: scan what waits, then sleep until woken (or 5 s); stops on shutdown.
    pub async fn run(self: Arc<Self>, mut shutdown: tokio::sync::watch::Receiver<bool>) {
        loop {
            match self.try_scan_next().await {
                Ok(Some(_)) => continue,
                Ok(None) => {}
                Err(e) => tracing::error!(error = ?e, "the dataset scan failed"),
            }
            tokio::select! {
                () = self.wake.notified() => {}
                () = tokio::time::sleep(Duration::from_secs(5)) => {}
                _ = shutdown.changed() => return,
            }
        }
    }
}
