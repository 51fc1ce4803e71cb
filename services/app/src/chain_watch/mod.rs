//! The chain watcher (DESIGN.md §4): reads the escrow's events from a persisted cursor, records each
//! once by `(chain_id, tx_hash, log_index)`, forgets events a reorg removed while they were still
//! shallow, and applies an event's effect exactly once when it is `confirmations` deep — all in one
//! transaction per step, so a crash between steps repeats nothing and loses nothing.
//!
//! A funded job moves `confirming` → (screening, [`crate::payment_screening`]) → `cleared` → job
//! `paid`; [`apply`] says what every event does.

use std::collections::HashSet;
use std::sync::Arc;

use anyhow::Context;
use attune_db::chain::SeenEvent;
use attune_domain::aml::AmlPolicy;
use attune_domain::escrow::EscrowEvent;
use attune_domain::settlement::PaymentStatus;
use sqlx::PgPool;

use crate::chain::Chain;
use crate::screening::ScreeningService;

mod apply;

const CURSOR: &str = "escrow";
/// Blocks re-read behind the cursor on every step, beyond the confirmations, to catch reorgs.
const RESCAN_MARGIN: u64 = 8;

pub struct ChainWatcher {
    pool: PgPool,
    chain: Arc<Chain>,
    screening: Arc<ScreeningService>,
    aml: Arc<AmlPolicy>,
    /// A candidate AML policy run in shadow: its decisions are recorded, never enforced.
    shadow: Option<Arc<AmlPolicy>>,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct StepReport {
    pub head: u64,
    pub seen: usize,
    pub removed: usize,
    pub applied: usize,
}

impl ChainWatcher {
    /// Fails when the AML policy file is invalid: settlement does not run on rules it cannot read.
    pub fn new(pool: PgPool, chain: Arc<Chain>, screening: Arc<ScreeningService>) -> anyhow::Result<Self> {
        let aml = Arc::new(AmlPolicy::enforced().map_err(|e| anyhow::anyhow!("the AML policy file is invalid: {e}"))?);
        Ok(Self { pool, chain, screening, aml, shadow: None })
    }

    /// Runs `shadow` beside the enforced policy (`ATTUNE_AML_SHADOW_POLICY`).
    pub fn with_shadow(mut self, shadow: Option<AmlPolicy>) -> Self {
        self.shadow = shadow.map(Arc::new);
        self
    }

    /// One pass: read, record, forget reorged logs, apply what is deep enough.
    #[tracing::instrument(skip_all)]
    pub async fn step(&self) -> anyhow::Result<StepReport> {
        let client = &self.chain.client;
        let chain_id = i64::try_from(client.deployment.chain_id).context("chain id out of range")?;
        let head = client.head().await?;
        let mut conn = self.pool.acquire().await.context("failed to acquire a connection")?;
        let cursor = attune_db::chain::cursor(&mut conn, CURSOR, chain_id).await?.map(|c| c.max(0) as u64);
        drop(conn);
        let window = client.confirmations + RESCAN_MARGIN;
        let from = match cursor {
            Some(c) => (c + 1).saturating_sub(window).max(client.deployment.deploy_block),
            None => client.deployment.deploy_block,
        };
        let logs = if from <= head { client.escrow_logs(from, head).await? } else { Vec::new() };

        let mut tx = self.pool.begin().await.context("failed to begin a watcher step")?;
        let mut report = StepReport { head, ..StepReport::default() };
        let mut present = HashSet::new();
        for log in &logs {
            let tx_hash = log.tx_hash.to_string();
            let job_ref = log.event.job_ref().to_string();
            present.insert((tx_hash.clone(), log.log_index as i64));
            let seen = SeenEvent {
                chain_id,
                tx_hash: &tx_hash,
                log_index: log.log_index as i64,
                block_number: log.block_number as i64,
                block_hash: &log.block_hash.to_string(),
                contract: "escrow",
                event: log.event.name(),
                job_ref: Some(&job_ref),
                data: &log.event.stored_data(),
            };
            if attune_db::chain::see(&mut tx, &seen).await? {
                report.seen += 1;
                if matches!(log.event, EscrowEvent::Funded { .. })
                    && let Some(p) = attune_db::payments::by_job_ref_for_update(&mut tx, chain_id, &job_ref).await?
                    && p.state()? == PaymentStatus::Awaiting
                {
                    // Guarded on `awaiting` with the row locked: the update cannot miss.
                    anyhow::ensure!(
                        attune_db::payments::set_status(&mut tx, p.job_id, PaymentStatus::Awaiting, PaymentStatus::Confirming).await?,
                        "a locked payment changed under the watcher"
                    );
                }
            }
        }
        // A log we saw in the re-read range that the chain no longer has was reorged away.
        for e in attune_db::chain::recorded_since(&mut tx, chain_id, from as i64).await? {
            if present.contains(&(e.tx_hash.clone(), e.log_index)) {
                continue;
            }
            match e.status.as_str() {
                "seen" if attune_db::chain::mark(&mut tx, e.id, "seen", "removed").await? => {
                    report.removed += 1;
                    if apply::is_funding(&e)
                        && let Some(job_ref) = &e.job_ref
                        && let Some(p) = attune_db::payments::by_job_ref_for_update(&mut tx, chain_id, job_ref).await?
                        && p.state()? == PaymentStatus::Confirming
                    {
                        anyhow::ensure!(
                            attune_db::payments::set_status(&mut tx, p.job_id, PaymentStatus::Confirming, PaymentStatus::Awaiting).await?,
                            "a locked payment changed under the watcher"
                        );
                    }
                }
                // Applied, then reorged out: deeper than the confirmations we waited for. Undo what
                // can be undone and tell a human.
                "applied" if attune_db::chain::mark(&mut tx, e.id, "applied", "reorged").await? => {
                    report.removed += 1;
                    apply::unapply(&mut tx, chain_id, &e, &self.screening)
                        .await
                        .map_err(|e| anyhow::anyhow!("undoing a reorged event failed: {e}"))?;
                }
                _ => {}
            }
        }
        let safe = (head + 1).saturating_sub(client.confirmations);
        for e in attune_db::chain::confirmable(&mut tx, chain_id, safe as i64).await? {
            apply::apply(&mut tx, &self.chain, chain_id, &e, &self.screening, &self.aml, self.shadow.as_deref())
                .await
                .map_err(|e| anyhow::anyhow!("applying a chain event failed: {e}"))?;
            attune_db::chain::mark(&mut tx, e.id, "seen", "applied").await?;
            report.applied += 1;
        }
        attune_db::chain::set_cursor(&mut tx, CURSOR, chain_id, safe as i64).await?;
        tx.commit().await.context("failed to commit a watcher step")?;
        Ok(report)
    }

    /// The background task: a step every poll interval, the reconciler every 30 s; stops on shutdown.
    pub async fn run(self, mut shutdown: tokio::sync::watch::Receiver<bool>) {
        let mut reconciled = std::time::Instant::now();
        loop {
            if let Err(e) = self.step().await {
                tracing::warn!(error = ?e, "the chain watcher's step failed");
            }
            if reconciled.elapsed() > std::time::Duration::from_secs(30) {
                reconciled = std::time::Instant::now();
                if let Err(e) = crate::job_lifecycle::advance_waiting(&self.pool, &self.chain).await {
                    tracing::warn!(error = ?e, "retrying paid jobs failed");
                }
                match crate::operator_txs::reconcile(&self.pool, &self.chain).await {
                    Ok(0) => {}
                    Ok(n) => tracing::warn!(alerts = n, "payments differ from their escrows on chain"),
                    Err(e) => tracing::warn!(error = ?e, "the reconciler failed"),
                }
            }
            tokio::select! {
                () = tokio::time::sleep(self.chain.poll) => {}
                _ = shutdown.changed() => return,
            }
        }
    }
}
