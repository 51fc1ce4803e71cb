//! The admin review queue (API.md "Admin review"): cases opened by screening, decided by admins
//! with notes; above the four-eyes threshold two different admins must approve. A decision acts on
//! its subject in the same transaction: a payment is cleared, refunded or frozen; a wallet is
//! activated or blocked. Everything lands in the audit log.

use anyhow::Context;
use attune_db::screening::{CaseRow, DecisionRow};
use attune_domain::job::JobStatus;
use serde_json::json;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use attune_domain::settlement::PaymentStatus;

use crate::Actor;
use crate::chain::Chain;
use crate::error::AppError;
use crate::job_lifecycle::{Transition, advance_paid, transition};

/// Payments at or above this amount (USDC base units: 10,000 USDC) need two different admins.
pub const FOUR_EYES_THRESHOLD: u128 = 10_000 * 1_000_000;

pub async fn list(pool: &PgPool, actor: &Actor, status: Option<&str>, kind: Option<&str>) -> Result<Vec<CaseRow>, AppError> {
    actor.admin_scope()?;
    let mut conn = pool.acquire().await.context("failed to acquire a connection")?;
    Ok(attune_db::screening::list_cases(&mut conn, status, kind, 200).await?)
}

pub async fn get(pool: &PgPool, actor: &Actor, id: Uuid) -> Result<(CaseRow, Vec<DecisionRow>), AppError> {
    actor.admin_scope()?;
    let mut tx = pool.begin().await.context("failed to begin")?;
    let case = attune_db::screening::get_case_for_update(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    let decisions = attune_db::screening::decisions(&mut tx, id).await?;
    tx.commit().await.context("failed to commit")?;
    Ok((case, decisions))
}

fn needs_four_eyes(case: &CaseRow) -> bool {
    case.amount.as_deref().and_then(|a| a.parse::<u128>().ok()).is_some_and(|a| a >= FOUR_EYES_THRESHOLD)
}

/// Records an admin's decision; returns the case's new status.
#[tracing::instrument(skip_all, fields(case = %id, decision = %decision))]
pub async fn decide(
    pool: &PgPool,
    chain: Option<&Chain>,
    actor: &Actor,
    id: Uuid,
    decision: &str,
    notes: &str,
) -> Result<String, AppError> {
    actor.admin_scope()?;
    if !matches!(decision, "approve" | "reject" | "block" | "request_info") {
        return Err(AppError::field("decision", "must be approve, reject, block or request_info"));
    }
    let notes = notes.trim();
    if notes.is_empty() {
        return Err(AppError::field("notes", "say why: the decision is kept for the auditors"));
    }
    let mut tx = pool.begin().await.context("failed to begin a decision")?;
    let case = attune_db::screening::get_case_for_update(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    if !matches!(case.status.as_str(), "open" | "awaiting_second_approval" | "info_requested") {
        return Err(AppError::conflict("case-closed", format!("The case is already {}.", case.status)));
    }
    let previous = attune_db::screening::decisions(&mut tx, id).await?;
    let to = match decision {
        "approve" if case.status == "awaiting_second_approval" => {
            if previous.iter().any(|d| d.decision == "approve" && d.admin_id == actor.user_id) {
                return Err(AppError::conflict("four-eyes", "A second, different admin must give the second approval."));
            }
            "approved"
        }
        "approve" if needs_four_eyes(&case) => "awaiting_second_approval",
        "approve" => "approved",
        "reject" => "rejected",
        "block" => "blocked",
        _ => "info_requested",
    };
    if !attune_db::screening::set_case_status(&mut tx, id, &case.status, to).await? {
        return Err(AppError::conflict("case-changed", "The case was decided meanwhile."));
    }
    attune_db::screening::add_decision(&mut tx, id, actor.user_id, decision, notes).await?;
    act(&mut tx, chain, &case, to).await?;
    attune_db::audit::append(
        &mut tx,
        &actor.audit_id(),
        "case.decided",
        &format!("case:{id}"),
        &json!({"decision": decision, "status": to, "notes": notes, "kind": case.kind, "subject": case.subject}),
    )
    .await?;
    tx.commit().await.context("failed to commit a decision")?;
    Ok(to.to_owned())
}

/// What a decision does to the case's subject.
async fn act(conn: &mut PgConnection, chain: Option<&Chain>, case: &CaseRow, status: &str) -> Result<(), AppError> {
    match (case.kind.as_str(), status) {
        ("payment", "approved") => {
            let job_id = job_of(case)?;
            let payment = attune_db::payments::get(conn, job_id).await?.ok_or(AppError::NotFound)?;
            if payment.state()? == PaymentStatus::Review {
                if !attune_db::payments::set_status(conn, job_id, PaymentStatus::Review, PaymentStatus::Cleared).await? {
                    return Err(AppError::conflict("payment-changed", "The payment changed meanwhile."));
                }
                transition(
                    conn,
                    &Transition {
                        job_id,
                        from: JobStatus::PaymentReview,
                        to: JobStatus::Paid,
                        actor: None,
                        detail: json!({"reason": "an admin cleared the payment"}),
                    },
                )
                .await?;
                advance_paid(conn, chain, job_id).await?;
            }
        }
        ("payment", "rejected") => {
            let job_id = job_of(case)?;
            if let Some(p) = attune_db::payments::get(conn, job_id).await? {
                crate::operator_txs::request_for_job(conn, "refund", job_id, &p.job_ref).await?;
            }
        }
        ("payment", "blocked") => {
            let job_id = job_of(case)?;
            if let Some(p) = attune_db::payments::get(conn, job_id).await? {
                let state = p.state()?;
                if !state.can_move_to(PaymentStatus::Blocked)
                    || !attune_db::payments::set_status(conn, job_id, state, PaymentStatus::Blocked).await?
                {
                    return Err(AppError::conflict(
                        "payment-wrong-state",
                        format!("A payment that is {} cannot be blocked.", state.as_str()),
                    ));
                }
                crate::operator_txs::request_for_job(conn, "freeze", job_id, &p.job_ref).await?;
            }
        }
        ("payment", "info_requested") => {
            // The buyer is asked, by mail from the outbox, for what the reviewer needs.
            let job_id = job_of(case)?;
            if let Some((email, name)) = attune_db::jobs::creator_email(conn, job_id).await? {
                let mail = attune_domain::notification::OutgoingEmail {
                    to: email,
                    subject: "Attune needs more information about your payment".into(),
                    text: format!(
                        "Hello {name},\n\nbefore your payment for fine-tune job {job_id} can clear, our compliance team needs more information \
                         (for example the source of the funds). Please reply to this message or contact support with the job number.\n\n— Attune\n"
                    ),
                    html: None,
                };
                attune_db::outbox::enqueue(conn, "email", &serde_json::to_value(&mail).context("failed to encode mail")?).await?;
            }
        }
        ("wallet", "approved") => set_wallet(conn, &case.subject, "active").await?,
        ("wallet", "blocked" | "rejected") => set_wallet(conn, &case.subject, "blocked").await?,
        _ => {}
    }
    Ok(())
}

fn job_of(case: &CaseRow) -> Result<Uuid, AppError> {
    case.subject
        .strip_prefix("job:")
        .and_then(|id| Uuid::parse_str(id).ok())
        .ok_or_else(|| AppError::Unexpected(anyhow::anyhow!("a payment case without a job: {}", case.subject)))
}

async fn set_wallet(conn: &mut PgConnection, subject: &str, status: &str) -> Result<(), AppError> {
    let Some(address) = subject.strip_prefix("wallet:") else { return Ok(()) };
    attune_db::wallets::set_status_by_address(conn, address, status).await?;
    Ok(())
}
