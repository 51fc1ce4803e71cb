//! The chain watcher (DESIGN.md §4): reads the escrow's logs from a persisted cursor, records each
//! log once by `(chain_id, tx_hash, log_index)`, forgets logs a reorg removed while they were still
//! shallow, and applies a log's effect exactly once when it is `confirmations` deep — all in one
//! transaction per step, so a crash between steps repeats nothing and loses nothing.
//!
//! A funded job moves `confirming` → (screening) → `cleared` → job `paid`. The seam between
//! `confirming` and `cleared` is [`screen_funded_payment`]; the screening issue decides there.

use std::collections::HashSet;
use std::sync::Arc;

use alloy::primitives::Address;
use alloy::rpc::types::Log;
use alloy::sol_types::SolEventInterface;
use anyhow::Context;
use attune_db::chain::{EventRow, SeenEvent};
use attune_db::payments::PaymentRow;
use attune_domain::job::JobStatus;
use attune_domain::settlement::PaymentStatus;
use attune_integrations::chain::bindings::FineTuneEscrow::FineTuneEscrowEvents;
use serde_json::json;
use sqlx::{PgConnection, PgPool};

use crate::chain::Chain;
use crate::error::AppError;
use crate::job_lifecycle::{Transition, advance_paid, transition};
use crate::screening::{AddressScreen, ScreeningService};
use attune_domain::aml::{self, AmlDecision, AmlPolicy, KycLevel, Outcome, PaymentFacts};

const CURSOR: &str = "escrow";
/// Blocks re-read behind the cursor on every step, beyond the confirmations, to catch reorgs.
const RESCAN_MARGIN: u64 = 8;

/// What screening says about a confirmed payment: a listed payer blocks it (the escrow is frozen,
/// never refunded); the AML rules (policy data) decide the rest: `clear`, or a case for a human.
#[derive(Debug, Clone)]
pub enum Screening {
    Clear(AmlDecision),
    Review(AmlDecision),
    Block(Option<AddressScreen>, AmlDecision),
}

/// The seam between `confirming` and `cleared`: sanctions screening of the payer, then the AML rules
/// over the organisation's own history. `funded` is the amount the escrow received on chain (`None`
/// before funding, when an onramp order is checked up front: then the quoted amount).
pub async fn screen_funded_payment(
    conn: &mut PgConnection,
    payment: &PaymentRow,
    payer: Address,
    funded: Option<u128>,
    screening: &ScreeningService,
    aml: &AmlPolicy,
    shadow: Option<&AmlPolicy>,
) -> Result<Screening, AppError> {
    let hit = screening.screen_address(&format!("{payer:#x}"));
    let history = attune_db::payments::aml_history(conn, payment.job_id, i32::try_from(aml.window_days()).unwrap_or(7)).await?;
    let buyer = payment.buyer_address.parse::<Address>().ok();
    let quoted: u128 = payment.amount.parse().context("a stored payment amount")?;
    let amount = funded.unwrap_or(quoted);
    let job = attune_db::jobs::get(conn, &attune_domain::OrgScope::Platform, payment.job_id).await?.ok_or(AppError::NotFound)?;
    let mut jurisdictions: Vec<String> = job.deployment["jurisdictions"]
        .as_array()
        .map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect())
        .unwrap_or_default();
    jurisdictions.push(history.country.clone());
    // What the job should cost: the listing's current price for the job's size, recomputed.
    let model = attune_db::models::get(conn, job.base_model_id).await?.ok_or(AppError::NotFound)?;
    // Priced under the policy the job was quoted under, not whatever is current now.
    let compliance = attune_domain::compliance::Policy::by_version(&job.policy_version)
        .ok_or_else(|| {
            AppError::Unexpected(anyhow::anyhow!("the job names policy {}, which this build does not have", job.policy_version))
        })?
        .map_err(|e| AppError::Unexpected(anyhow::anyhow!("the compliance policy could not be loaded: {e}")))?;
    let epochs = job.hyperparameters["epochs"].as_u64().and_then(|e| u32::try_from(e).ok()).unwrap_or(1);
    let audit_fee = crate::compliance_replay::replayed_audit_fee(&job.assessment)?;
    let audit_charge = match (&audit_fee, job.audit_required) {
        (_, false) => attune_domain::compliance::AuditCharge::NotRequired,
        (Some(fee), true) => attune_domain::compliance::AuditCharge::Priced(fee),
        (None, true) => attune_domain::compliance::AuditCharge::PolicyFlat,
    };
    let list_price = attune_domain::compliance::list_price(
        compliance,
        &job.method,
        u64::try_from(model.parameter_count).unwrap_or(0),
        u64::try_from(job.accepted_tokens).unwrap_or(0),
        epochs,
        u128::try_from(model.licence_fee).unwrap_or(0),
        audit_charge,
    )
    .ok_or_else(|| AppError::Unexpected(anyhow::anyhow!("the job's list price cannot be computed")))?;
    // Paid through the onramp: the name its provider says paid against the KYC'd names.
    let onramp = attune_db::onramp::funding_order(conn, payment.job_id).await?;
    let kyc_names = attune_db::kyc::approved_names(conn, payment.organization_id).await?;
    let onramp_payer = onramp.as_ref().map(|o| o.detail["payer_name"].as_str().filter(|n| !n.trim().is_empty()));
    let onramp_identity_mismatch = aml::identity::onramp_identity_mismatch(screening.policy(), onramp_payer, &kyc_names);
    let facts = PaymentFacts {
        amount,
        list_price,
        payer_is_verified_wallet: buyer == Some(payer),
        sanctions_hit: hit.is_some(),
        kyc_level: match history.kyc_level.as_str() {
            "enhanced" => KycLevel::Enhanced,
            "basic" => KycLevel::Basic,
            _ => KycLevel::None,
        },
        account_age_days: u32::try_from(history.account_age_days).unwrap_or(0),
        previous_payments: u32::try_from(history.previous_payments).unwrap_or(u32::MAX),
        days_since_last_activity: history.days_since_last_payment.and_then(|d| u32::try_from(d).ok()),
        recent_amounts: history.recent_amounts.iter().filter_map(|a| a.parse().ok()).collect(),
        payments_last_24h: u32::try_from(history.payments_last_24h).unwrap_or(u32::MAX),
        jurisdiction_risk: jurisdictions,
        onramp_identity_mismatch,
        buyer_is_provider: history.buyer_is_provider,
        refunds_last_30d: u32::try_from(history.refunds_last_30d).unwrap_or(u32::MAX),
        pep_match: attune_db::screening::organization_pep_match(conn, payment.organization_id).await?,
        organization_on_hold: attune_db::screening::organization_on_hold(conn, payment.organization_id).await?,
    };
    let decision = match shadow {
        Some(shadow) => aml::evaluate_with_shadow(aml, shadow, &facts),
        None => aml::evaluate(aml, &facts),
    };
    Ok(match decision.outcome {
        Outcome::Block => Screening::Block(hit, decision),
        Outcome::Clear => Screening::Clear(decision),
        Outcome::Review | Outcome::Hold => Screening::Review(decision),
    })
}

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

fn decode(log: &Log) -> Option<(&'static str, Option<String>, serde_json::Value)> {
    let event = FineTuneEscrowEvents::decode_raw_log(log.topics(), &log.data().data).ok()?;
    Some(match event {
        FineTuneEscrowEvents::Funded(e) => (
            "Funded",
            Some(e.jobRef.to_string()),
            json!({"payer": e.payer.to_checksum(None), "token": e.token.to_checksum(None), "amount": e.amount.to_string(), "quote_id": e.quoteId.to_string()}),
        ),
        FineTuneEscrowEvents::Released(e) => ("Released", Some(e.jobRef.to_string()), json!({"amount": e.amount.to_string()})),
        FineTuneEscrowEvents::Refunded(e) => {
            ("Refunded", Some(e.jobRef.to_string()), json!({"payer": e.payer.to_checksum(None), "amount": e.amount.to_string()}))
        }
        FineTuneEscrowEvents::Frozen(e) => ("Frozen", Some(e.jobRef.to_string()), json!({})),
        FineTuneEscrowEvents::Unfrozen(e) => ("Unfrozen", Some(e.jobRef.to_string()), json!({})),
        FineTuneEscrowEvents::Reclaimed(e) => {
            ("Reclaimed", Some(e.jobRef.to_string()), json!({"payer": e.payer.to_checksum(None), "amount": e.amount.to_string()}))
        }
        _ => return None,
    })
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
            let (Some(tx_hash), Some(index), Some(block), Some(block_hash)) =
                (log.transaction_hash, log.log_index, log.block_number, log.block_hash)
            else {
                continue;
            };
            let Some((event, job_ref, data)) = decode(log) else { continue };
            let tx_hash = tx_hash.to_string();
            present.insert((tx_hash.clone(), index as i64));
            let seen = SeenEvent {
                chain_id,
                tx_hash: &tx_hash,
                log_index: index as i64,
                block_number: block as i64,
                block_hash: &block_hash.to_string(),
                contract: "escrow",
                event,
                job_ref: job_ref.as_deref(),
                data: &data,
            };
            if attune_db::chain::see(&mut tx, &seen).await? {
                report.seen += 1;
                if event == "Funded"
                    && let Some(job_ref) = &job_ref
                    && let Some(p) = attune_db::payments::by_job_ref_for_update(&mut tx, chain_id, job_ref).await?
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
                    if e.event == "Funded"
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
                    unapply(&mut tx, chain_id, &e, &self.screening)
                        .await
                        .map_err(|e| anyhow::anyhow!("undoing a reorged event failed: {e}"))?;
                }
                _ => {}
            }
        }
        let safe = (head + 1).saturating_sub(client.confirmations);
        for e in attune_db::chain::confirmable(&mut tx, chain_id, safe as i64).await? {
            apply(&mut tx, &self.chain, chain_id, &e, &self.screening, &self.aml, self.shadow.as_deref())
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

async fn open_payment_case(
    conn: &mut PgConnection,
    p: &PaymentRow,
    subject: &str,
    decision: &AmlDecision,
    evidence: &serde_json::Value,
    screening: &ScreeningService,
) -> Result<(), AppError> {
    let reasons = json!(decision.hits.iter().map(|h| json!({"rule": h.rule, "detail": h.detail, "score": h.score})).collect::<Vec<_>>());
    attune_db::cases::open_case(
        conn,
        &attune_db::cases::NewCase {
            kind: "payment",
            subject,
            organization_id: Some(p.organization_id),
            score: f64::from(decision.score.max(0)) / 100.0,
            reasons: &reasons,
            evidence,
            amount: Some(&p.amount),
            list_version: &screening.list_version(),
        },
    )
    .await?;
    Ok(())
}

async fn job_status(conn: &mut PgConnection, p: &PaymentRow) -> Result<JobStatus, AppError> {
    let job = attune_db::jobs::get(conn, &attune_domain::OrgScope::Platform, p.job_id).await?.ok_or(AppError::NotFound)?;
    JobStatus::parse(&job.status).ok_or_else(|| AppError::Unexpected(anyhow::anyhow!("unknown job status {}", job.status)))
}

async fn move_job(conn: &mut PgConnection, p: &PaymentRow, to: JobStatus, reason: &str) -> Result<bool, AppError> {
    let from = job_status(conn, p).await?;
    if !from.can_move_to(to) {
        return Ok(false);
    }
    transition(conn, &Transition { job_id: p.job_id, from, to, actor: None, detail: json!({"reason": reason}) }).await?;
    Ok(true)
}

/// Moves a locked payment row when the state machine allows it; otherwise (the chain did something
/// we did not expect from this state) raises an alert for a human and leaves it. Never fails the step:
/// one odd event must not jam the watcher for every other job.
async fn follow_chain(conn: &mut PgConnection, p: &PaymentRow, to: PaymentStatus, event: &EventRow) -> Result<bool, AppError> {
    let from = p.state()?;
    if from == to {
        return Ok(true);
    }
    if from.can_move_to(to) && attune_db::payments::set_status(conn, p.job_id, from, to).await? {
        return Ok(true);
    }
    attune_db::chain::raise_alert(
        conn,
        "payment_state_conflict",
        &format!("job:{}", p.job_id),
        &json!({"event": event.event, "tx_hash": event.tx_hash, "payment_status": from.as_str(), "wanted": to.as_str()}),
    )
    .await?;
    Ok(false)
}

/// Applies one confirmed escrow event to our tables.
async fn apply(
    conn: &mut PgConnection,
    chain: &Chain,
    chain_id: i64,
    e: &EventRow,
    screening: &ScreeningService,
    aml: &AmlPolicy,
    shadow: Option<&AmlPolicy>,
) -> Result<(), AppError> {
    let Some(job_ref) = &e.job_ref else { return Ok(()) };
    let Some(p) = attune_db::payments::by_job_ref_for_update(conn, chain_id, job_ref).await? else {
        attune_db::chain::raise_alert(conn, "unknown_job_ref", job_ref, &json!({"event": e.event, "tx_hash": e.tx_hash})).await?;
        return Ok(());
    };
    let subject = format!("job:{}", p.job_id);
    let state = p.state()?;
    match e.event.as_str() {
        "Funded" => {
            let payer: Address = e.data["payer"].as_str().and_then(|a| a.parse().ok()).unwrap_or(Address::ZERO);
            let amount = e.data["amount"].as_str().unwrap_or_default();
            if !matches!(state, PaymentStatus::Awaiting | PaymentStatus::Confirming) {
                // Funds for a payment that is not waiting for them (a funding re-included after a
                // reorg that already sent it back to review): a human decides.
                attune_db::chain::raise_alert(
                    conn,
                    "funded_unexpectedly",
                    &subject,
                    &json!({"tx_hash": e.tx_hash, "payment_status": state.as_str()}),
                )
                .await?;
                return Ok(());
            }
            attune_db::payments::record_funding(conn, p.job_id, &payer.to_checksum(None), &e.tx_hash, e.block_number).await?;
            attune_db::audit::append(
                conn,
                "system:chain-watcher",
                "payment.funded",
                &subject,
                &json!({"tx_hash": e.tx_hash, "payer": payer.to_checksum(None), "amount": amount}),
            )
            .await?;
            if amount != p.amount {
                attune_db::payments::add_flag(
                    conn,
                    p.job_id,
                    &json!({"flag": "amount_mismatch", "expected": p.amount, "received": amount}),
                )
                .await?;
            }
            if !move_job(conn, &p, JobStatus::PaymentReview, "the escrow was funded").await? {
                // Funds for a job that no longer waits for them (e.g. cancelled meanwhile): a human decides.
                follow_chain(conn, &p, PaymentStatus::Review, e).await?;
                attune_db::chain::raise_alert(conn, "funded_unexpectedly", &subject, &json!({"tx_hash": e.tx_hash})).await?;
                return Ok(());
            }
            let funded: Option<u128> = amount.parse().ok();
            let screened = screen_funded_payment(conn, &p, payer, funded, screening, aml, shadow).await?;
            let record = |d: &AmlDecision| json!({"aml": d, "list_version": screening.list_version()});
            match screened {
                Screening::Block(hit, decision) => {
                    // Sanctioned funds are held, never returned: freeze the escrow and open a case
                    // with a report draft (who, what, when, amount, tx, list entry).
                    follow_chain(conn, &p, PaymentStatus::Blocked, e).await?;
                    crate::operator_txs::request_for_job(conn, "freeze", p.job_id, &p.job_ref).await?;
                    let entity = hit.as_ref().map(|h| h.entity_id.clone());
                    let report = json!({"report_draft": {"who": payer.to_checksum(None), "what": "payment into escrow for a fine-tune job",
                        "when": chrono::Utc::now(), "amount": amount, "token": p.token_address, "tx_hash": e.tx_hash, "block": e.block_number,
                        "list_entry": entity, "list_version": screening.list_version()}, "subject": subject, "amount": amount, "tx_hash": e.tx_hash,
                        "aml": decision});
                    match &hit {
                        Some(hit) => {
                            crate::screening::open_address_case(
                                conn,
                                "payment",
                                &payer.to_checksum(None),
                                Some(p.organization_id),
                                hit,
                                Some(report),
                            )
                            .await?;
                        }
                        None => {
                            open_payment_case(conn, &p, &subject, &decision, &report, screening).await?;
                        }
                    }
                    attune_db::audit::append(conn, "system:screening", "payment.blocked", &subject, &record(&decision)).await?;
                }
                Screening::Clear(decision) => {
                    follow_chain(conn, &p, PaymentStatus::Cleared, e).await?;
                    attune_db::audit::append(conn, "system:screening", "payment.screened", &subject, &record(&decision)).await?;
                    move_job(conn, &p, JobStatus::Paid, "the payment cleared").await?;
                    advance_paid(conn, Some(chain), p.job_id).await?;
                }
                Screening::Review(decision) => {
                    attune_db::payments::add_flag(
                        conn,
                        p.job_id,
                        &json!({"flag": "aml", "outcome": decision.outcome, "score": decision.score}),
                    )
                    .await?;
                    follow_chain(conn, &p, PaymentStatus::Review, e).await?;
                    let evidence = json!({"tx_hash": e.tx_hash, "payer": payer.to_checksum(None), "amount": amount, "aml": decision});
                    open_payment_case(conn, &p, &subject, &decision, &evidence, screening).await?;
                    attune_db::audit::append(conn, "system:screening", "payment.screened", &subject, &record(&decision)).await?;
                }
            }
        }
        "Released" => {
            follow_chain(conn, &p, PaymentStatus::Released, e).await?;
            attune_db::audit::append(conn, "system:chain-watcher", "payment.released", &subject, &json!({"tx_hash": e.tx_hash})).await?;
        }
        "Refunded" | "Reclaimed" => {
            // The money left the escrow for the payer. Whatever the job was doing before release,
            // it ends here: nothing is trained or paid out on funds that are gone.
            follow_chain(conn, &p, PaymentStatus::Refunded, e).await?;
            attune_db::audit::append(
                conn,
                "system:chain-watcher",
                "payment.refunded",
                &subject,
                &json!({"tx_hash": e.tx_hash, "event": e.event}),
            )
            .await?;
            let status = job_status(conn, &p).await?;
            match status.escrow_returned_target() {
                Some(to) => {
                    let reason = if e.event == "Reclaimed" { "the payer reclaimed the escrow" } else { "the escrow was refunded" };
                    move_job(conn, &p, to, reason).await?;
                    if e.event == "Reclaimed" && to == JobStatus::Cancelled && status != JobStatus::CancelRequested {
                        attune_db::chain::raise_alert(
                            conn,
                            "escrow_reclaimed",
                            &subject,
                            &json!({"tx_hash": e.tx_hash, "job_status": status.as_str()}),
                        )
                        .await?;
                    }
                }
                None => {
                    attune_db::chain::raise_alert(conn, "refund_in_unexpected_state", &subject, &json!({"job_status": status.as_str()}))
                        .await?
                }
            }
        }
        "Frozen" => {
            follow_chain(conn, &p, PaymentStatus::Frozen, e).await?;
            move_job(conn, &p, JobStatus::Frozen, "the escrow was frozen").await?;
        }
        "Unfrozen" => {
            follow_chain(conn, &p, PaymentStatus::Review, e).await?;
            move_job(conn, &p, JobStatus::PaymentReview, "the escrow was unfrozen").await?;
        }
        _ => {}
    }
    Ok(())
}

/// An event we had applied was reorged out of the chain. A funding that made the payment clear sends
/// it back to review and the job back to payment review, with a case for an admin; anything else is
/// an alert for a human (the chain's new history decides, and the reconciler keeps pointing at it).
async fn unapply(conn: &mut PgConnection, chain_id: i64, e: &EventRow, screening: &ScreeningService) -> Result<(), AppError> {
    let subject = e.job_ref.as_deref().unwrap_or("escrow").to_owned();
    let mut detail = json!({"event": e.event, "tx_hash": e.tx_hash, "block": e.block_number});
    if e.event == "Funded"
        && let Some(job_ref) = &e.job_ref
        && let Some(p) = attune_db::payments::by_job_ref_for_update(conn, chain_id, job_ref).await?
    {
        let subject = format!("job:{}", p.job_id);
        let state = p.state()?;
        if state.can_move_to(PaymentStatus::Review) && attune_db::payments::set_status(conn, p.job_id, state, PaymentStatus::Review).await?
        {
            detail["payment_status"] = json!({"from": state.as_str(), "to": "review"});
        }
        let job = job_status(conn, &p).await?;
        if let Some(to) = job.funding_lost_target() {
            move_job(conn, &p, to, "the funding was reorged out of the chain").await?;
        }
        attune_db::audit::append(conn, "system:chain-watcher", "payment.funding_reorged", &subject, &detail).await?;
        attune_db::cases::open_case(
            conn,
            &attune_db::cases::NewCase {
                kind: "payment",
                subject: &subject,
                organization_id: Some(p.organization_id),
                score: 1.0,
                reasons: &json!([{"rule": "funding_reorged", "detail": "the escrow funding this payment was applied and then reorged out of the chain"}]),
                evidence: &detail,
                amount: Some(&p.amount),
                list_version: &screening.list_version(),
            },
        )
        .await?;
        attune_db::chain::raise_alert(conn, "applied_event_reorged", &subject, &detail).await?;
        return Ok(());
    }
    attune_db::chain::raise_alert(conn, "applied_event_reorged", &subject, &detail).await?;
    Ok(())
}
