//! What a confirmed escrow event does to our tables, and what undoing one a deep reorg removed does.
//! One odd event raises an alert for a human and never jams the watcher for every other job.

use attune_db::chain::EventRow;
use attune_db::payments::PaymentRow;
use attune_domain::aml::{AmlDecision, AmlPolicy};
use attune_domain::escrow::EscrowEvent;
use attune_domain::job::JobStatus;
use attune_domain::review::CaseSubject;
use attune_domain::settlement::PaymentStatus;
use serde_json::json;
use sqlx::PgConnection;

use crate::chain::Chain;
use crate::error::AppError;
use crate::job_lifecycle::{Transition, advance_paid, transition};
use crate::payment_screening::{Screening, screen_funded_payment};
use crate::screening::ScreeningService;

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

/// Whether a recorded event is a funding of an escrow.
pub(super) fn is_funding(e: &EventRow) -> bool {
    e.event == EscrowEvent::FUNDED
}

/// Applies one confirmed escrow event to our tables.
pub(super) async fn apply(
    conn: &mut PgConnection,
    chain: &Chain,
    chain_id: i64,
    e: &EventRow,
    screening: &ScreeningService,
    aml: &AmlPolicy,
    shadow: Option<&AmlPolicy>,
) -> Result<(), AppError> {
    let event = match EscrowEvent::from_stored(&e.event, e.job_ref.as_deref().unwrap_or_default(), &e.data) {
        Ok(event) => event,
        Err(why) => {
            // Recorded by an older build, or damaged: a human looks; nothing is guessed.
            let subject = e.job_ref.as_deref().unwrap_or("escrow");
            attune_db::chain::raise_alert(conn, "unreadable_event", subject, &json!({"event": e.event, "tx_hash": e.tx_hash, "why": why}))
                .await?;
            return Ok(());
        }
    };
    let job_ref = event.job_ref().to_string();
    let Some(p) = attune_db::payments::by_job_ref_for_update(conn, chain_id, &job_ref).await? else {
        attune_db::chain::raise_alert(conn, "unknown_job_ref", &job_ref, &json!({"event": e.event, "tx_hash": e.tx_hash})).await?;
        return Ok(());
    };
    let subject = CaseSubject::Payment(p.job_id).to_string();
    let state = p.state()?;
    match event {
        EscrowEvent::Funded { payer, amount, .. } => {
            let funded = u128::try_from(amount).ok();
            let amount = amount.to_string();
            let amount = amount.as_str();
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
        EscrowEvent::Released { .. } => {
            follow_chain(conn, &p, PaymentStatus::Released, e).await?;
            attune_db::audit::append(conn, "system:chain-watcher", "payment.released", &subject, &json!({"tx_hash": e.tx_hash})).await?;
        }
        EscrowEvent::Refunded { .. } | EscrowEvent::Reclaimed { .. } => {
            let reclaimed = matches!(event, EscrowEvent::Reclaimed { .. });
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
                    let reason = if reclaimed { "the payer reclaimed the escrow" } else { "the escrow was refunded" };
                    move_job(conn, &p, to, reason).await?;
                    if reclaimed && to == JobStatus::Cancelled && status != JobStatus::CancelRequested {
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
        EscrowEvent::Frozen { .. } => {
            follow_chain(conn, &p, PaymentStatus::Frozen, e).await?;
            move_job(conn, &p, JobStatus::Frozen, "the escrow was frozen").await?;
        }
        EscrowEvent::Unfrozen { .. } => {
            follow_chain(conn, &p, PaymentStatus::Review, e).await?;
            move_job(conn, &p, JobStatus::PaymentReview, "the escrow was unfrozen").await?;
        }
    }
    Ok(())
}

/// An event we had applied was reorged out of the chain. A funding that made the payment clear sends
/// it back to review and the job back to payment review, with a case for an admin; anything else is
/// an alert for a human (the chain's new history decides, and the reconciler keeps pointing at it).
pub(super) async fn unapply(conn: &mut PgConnection, chain_id: i64, e: &EventRow, screening: &ScreeningService) -> Result<(), AppError> {
    let subject = e.job_ref.as_deref().unwrap_or("escrow").to_owned();
    let mut detail = json!({"event": e.event, "tx_hash": e.tx_hash, "block": e.block_number});
    if is_funding(e)
        && let Some(job_ref) = &e.job_ref
        && let Some(p) = attune_db::payments::by_job_ref_for_update(conn, chain_id, job_ref).await?
    {
        let subject = CaseSubject::Payment(p.job_id).to_string();
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
