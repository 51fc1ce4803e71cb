//! The operator's transactions (release, refund, freeze, unfreeze, anchor): requested as rows in the
//! change's own transaction (one per kind and subject, so a release or refund is never asked for
//! twice), then sent one at a time by this step, which waits for each receipt. Before sending it
//! reads the escrow: an escrow already in the wanted state is recorded, not sent to again.

use std::str::FromStr;
use std::sync::Arc;

use alloy_primitives::{B256, Bytes};
use anyhow::Context;
use attune_db::chain::ChainTxRow;
use attune_domain::escrow::EscrowState;
use attune_integrations::chain::client::OperatorAction;
use serde_json::json;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use crate::chain::Chain;

/// Asks for a release or refund of a job's escrow (idempotent per job and kind).
pub async fn request_for_job(conn: &mut PgConnection, kind: &str, job_id: Uuid, job_ref: &str) -> anyhow::Result<bool> {
    attune_db::chain::request_tx(conn, kind, &format!("job:{job_id}"), &json!({"job_ref": job_ref})).await
}

/// Asks for a manifest or certificate hash to be anchored in the registry.
pub async fn request_anchor(conn: &mut PgConnection, subject: &str, hash: &str, kind: u8) -> anyhow::Result<bool> {
    attune_db::chain::request_tx(conn, "anchor", subject, &json!({"hash": hash, "kind": kind})).await
}

pub struct OperatorDesk {
    pool: PgPool,
    chain: Arc<Chain>,
}

/// The escrow states in which an action has nothing left to do.
fn already_done(kind: &str, state: EscrowState) -> bool {
    use EscrowState::*;
    matches!(
        (kind, state),
        ("release", Released)
            | ("refund", Refunded | Reclaimed)
            | ("freeze", Frozen)
            | ("unfreeze", Funded | Released | Refunded | Reclaimed)
    )
}

impl OperatorDesk {
    pub fn new(pool: PgPool, chain: Arc<Chain>) -> Self {
        Self { pool, chain }
    }

    /// Sends the next requested transaction; `None` when nothing waits.
    #[tracing::instrument(skip_all)]
    pub async fn try_send_next(&self) -> anyhow::Result<Option<Uuid>> {
        let row = {
            let mut tx = self.pool.begin().await.context("failed to begin claiming a transaction")?;
            let Some(row) = attune_db::chain::claim_tx(&mut tx).await? else { return Ok(None) };
            attune_db::chain::finish_tx(&mut tx, row.id, "sent", None, None, None).await?;
            tx.commit().await.context("failed to claim a transaction")?;
            row
        };
        let outcome = self.send(&row).await;
        let mut tx = self.pool.begin().await.context("failed to begin recording a transaction")?;
        match outcome {
            Ok(Some((hash, block, true))) => {
                attune_db::chain::finish_tx(&mut tx, row.id, "mined", Some(&hash), Some(block), None).await?;
                if row.kind == "anchor"
                    && let Some(model) = row.subject.strip_prefix("model:").and_then(|id| Uuid::parse_str(id).ok())
                {
                    attune_db::models::set_anchor(&mut tx, model, &hash, block).await?;
                }
                if row.kind == "anchor"
                    && let Some((job, version)) = certificate_subject(&row.subject)
                {
                    attune_db::certificates::set_anchor(&mut tx, job, version, &hash, block).await?;
                }
                if row.kind == "anchor"
                    && let Some(erasure) = row.subject.strip_prefix("erasure:").and_then(|id| Uuid::parse_str(id).ok())
                {
                    attune_db::erasure::set_anchor(&mut tx, erasure, &hash, block).await?;
                }
                if row.kind == "anchor"
                    && let Some(certificate) = row.subject.strip_prefix("safe_harbour:").and_then(|id| Uuid::parse_str(id).ok())
                {
                    attune_db::safe_harbour::set_anchor(&mut tx, certificate, &hash, block).await?;
                }
            }
            Ok(Some((hash, block, false))) => {
                attune_db::chain::finish_tx(&mut tx, row.id, "failed", Some(&hash), Some(block), Some("the transaction reverted")).await?;
                attune_db::chain::raise_alert(&mut tx, "operator_tx_reverted", &row.subject, &json!({"kind": row.kind, "tx_hash": hash}))
                    .await?;
            }
            Ok(None) => attune_db::chain::finish_tx(&mut tx, row.id, "mined", None, None, Some("already done on chain")).await?,
            Err(e) => {
                let status = if row.attempts + 1 >= 5 { "failed" } else { "pending" };
                attune_db::chain::finish_tx(&mut tx, row.id, status, None, None, Some(&format!("{e:#}"))).await?;
            }
        }
        tx.commit().await.context("failed to record a transaction")?;
        Ok(Some(row.id))
    }

    /// `Ok(None)`: nothing to send (the escrow is already there).
    async fn send(&self, row: &ChainTxRow) -> anyhow::Result<Option<(String, i64, bool)>> {
        let client = &self.chain.client;
        let hash_arg = |key: &str| -> anyhow::Result<B256> {
            B256::from_str(row.args[key].as_str().with_context(|| format!("the request lacks {key}"))?).context("not a 32-byte hash")
        };
        if row.kind == "fund" {
            // An onramp purchase: the settlement wallet funds the escrow with the job's own quote.
            let job_id =
                row.subject.strip_prefix("job:").and_then(|id| Uuid::parse_str(id).ok()).context("a fund request without a job")?;
            let mut conn = self.pool.acquire().await.context("failed to acquire a connection")?;
            let payment = attune_db::payments::get(&mut conn, job_id).await?.context("the job has no payment")?;
            drop(conn);
            if client.escrow_of(hash_arg("job_ref")?).await?.state != EscrowState::None {
                return Ok(None);
            }
            let quote = crate::payments::quote_from_typed_data(&payment.typed_data)?;
            let signature: Bytes = payment.signature.parse().context("the stored signature")?;
            let outcome = client.fund_as_operator(quote, signature).await?;
            return Ok(Some((outcome.tx_hash.to_string(), i64::try_from(outcome.block_number).unwrap_or(i64::MAX), outcome.success)));
        }
        let action = match row.kind.as_str() {
            "anchor" => {
                let kind = u8::try_from(row.args["kind"].as_u64().unwrap_or(0)).context("anchor kind")?;
                OperatorAction::Anchor { hash: hash_arg("hash")?, kind }
            }
            kind => {
                let job_ref = hash_arg("job_ref")?;
                if already_done(kind, client.escrow_of(job_ref).await?.state) {
                    return Ok(None);
                }
                match kind {
                    "release" => OperatorAction::Release(job_ref),
                    "refund" => OperatorAction::Refund(job_ref),
                    "freeze" => OperatorAction::Freeze(job_ref),
                    "unfreeze" => OperatorAction::Unfreeze(job_ref),
                    other => anyhow::bail!("unknown operator action {other}"),
                }
            }
        };
        let outcome = client.send_operator(action).await?;
        Ok(Some((outcome.tx_hash.to_string(), i64::try_from(outcome.block_number).unwrap_or(i64::MAX), outcome.success)))
    }

    pub async fn send_all(&self) -> anyhow::Result<usize> {
        let mut n = 0;
        while self.try_send_next().await?.is_some() {
            n += 1;
        }
        Ok(n)
    }

    pub async fn run(self, mut shutdown: tokio::sync::watch::Receiver<bool>) {
        loop {
            match self.try_send_next().await {
                Ok(Some(_)) => continue,
                Ok(None) => {}
                Err(e) => tracing::warn!(error = ?e, "sending an operator transaction failed"),
            }
            tokio::select! {
                () = tokio::time::sleep(std::time::Duration::from_millis(500)) => {}
                _ = shutdown.changed() => return,
            }
        }
    }
}

/// Compares every settled payment with its escrow on chain and raises an alert on a difference.
pub async fn reconcile(pool: &PgPool, chain: &Chain) -> anyhow::Result<usize> {
    let chain_id = i64::try_from(chain.client.deployment.chain_id).context("chain id")?;
    let mut conn = pool.acquire().await.context("failed to acquire a connection")?;
    let mut alerts = 0;
    for p in attune_db::payments::settled(&mut conn, chain_id, 500).await? {
        let job_ref = B256::from_str(&p.job_ref).context("a stored job ref")?;
        let escrow = chain.client.escrow_of(job_ref).await?;
        let Some(expected) = EscrowState::agreeing_with(p.state()?) else { continue };
        let (state, amount) = (escrow.state, escrow.amount);
        if !expected.contains(&state) || (state == EscrowState::Funded && amount.to_string() != p.amount) {
            alerts += 1;
            attune_db::chain::raise_alert(
                &mut conn,
                "reconciliation_mismatch",
                &format!("job:{}", p.job_id),
                &json!({"payment_status": p.status, "escrow_state": state.as_str(),
                        "escrow_amount": amount.to_string(), "payment_amount": p.amount}),
            )
            .await?;
        }
    }
    Ok(alerts)
}

/// Asks for an anchor of every verified model manifest not anchored yet (models verified before
/// the registry existed, or while the chain was away).
pub async fn backfill_anchors(pool: &PgPool) -> anyhow::Result<usize> {
    let mut tx = pool.begin().await.context("failed to begin the anchor back-fill")?;
    let mut n = 0;
    for (id, sha) in attune_db::models::unanchored_verified(&mut tx).await? {
        if request_anchor(&mut tx, &format!("model:{id}"), &format!("0x{sha}"), ANCHOR_MODEL_MANIFEST).await? {
            n += 1;
        }
    }
    tx.commit().await.context("failed to commit the anchor back-fill")?;
    Ok(n)
}

/// The registry's kind for a provenance manifest (API.md: 1 model manifest, 2 fine-tune certificate,
/// 3 erasure certificate, 4 safe-harbour certificate).
pub const ANCHOR_MODEL_MANIFEST: u8 = 1;
pub const ANCHOR_FINETUNE_CERTIFICATE: u8 = 2;

/// The anchor subject of a job's certificate version.
pub fn certificate_anchor_subject(job_id: Uuid, version: i32) -> String {
    format!("certificate:{job_id}:{version}")
}

fn certificate_subject(subject: &str) -> Option<(Uuid, i32)> {
    let rest = subject.strip_prefix("certificate:")?;
    let (job, version) = rest.split_once(':')?;
    Some((Uuid::parse_str(job).ok()?, version.parse().ok()?))
}
