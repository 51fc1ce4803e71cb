//! Moving a job through its life (DESIGN.md §2): every change is checked against the transition
//! table, applied as `update … where status = $old`, and writes its event, its audit entry and the
//! buyer's notification in the caller's transaction. Also: cancel, and the documents that satisfy
//! obligations (a paid job waiting only for them moves on to the queue). A move into `queued`
//! dispatches the job ([`crate::dispatch`]) in the same transaction.

use anyhow::Context;
use attune_domain::documents::DocumentTemplates;
use attune_domain::job::JobStatus;
use attune_domain::notification::OutgoingEmail;
use serde_json::json;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use std::str::FromStr;

use alloy_primitives::B256;
use attune_domain::escrow::EscrowState;
use attune_domain::settlement::PaymentStatus;

use crate::Actor;
use crate::chain::Chain;
use crate::error::AppError;

/// Satisfied by the audit pool's review, not by a document.
/// Obligations a third party discharges (the review); a buyer's own document never satisfies them.
pub(crate) const AUDIT_STAGE_OBLIGATIONS: [&str; 1] = ["POOL_REVIEW"];

pub struct Transition<'a> {
    pub job_id: Uuid,
    pub from: JobStatus,
    pub to: JobStatus,
    pub actor: Option<&'a Actor>,
    pub detail: serde_json::Value,
}

pub async fn transition(conn: &mut PgConnection, t: &Transition<'_>) -> Result<(), AppError> {
    if !t.from.can_move_to(t.to) {
        return Err(AppError::conflict("wrong-state", format!("A job cannot go from {} to {}.", t.from.as_str(), t.to.as_str())));
    }
    if !attune_db::jobs::transition(conn, t.job_id, t.from.as_str(), t.to.as_str()).await? {
        return Err(AppError::conflict("wrong-state", format!("The job is no longer {}.", t.from.as_str())));
    }
    // Every way into review opens the pool's task for the round (a job in no pool waits for the
    // platform's own review); a job that leaves for good withdraws it.
    if t.to == JobStatus::Audit {
        crate::audit_tasks::open_round(conn, t.job_id).await?;
    }
    if matches!(t.to, JobStatus::Cancelled | JobStatus::CancelRequested | JobStatus::Refunded) {
        crate::audit_tasks::withdraw(conn, t.job_id).await?;
    }
    // Every way into the queue dispatches: the shard plan and its runs are stored with the move.
    if t.to == JobStatus::Queued {
        let job = attune_db::jobs::get(conn, &attune_domain::OrgScope::Platform, t.job_id).await?.ok_or(AppError::NotFound)?;
        crate::dispatch::dispatch(conn, &job).await?;
    }
    let actor_id = t.actor.map(|a| a.user_id);
    attune_db::jobs::insert_event(
        conn,
        &attune_db::jobs::NewEvent {
            job_id: t.job_id,
            kind: "transition",
            from_status: Some(t.from.as_str()),
            to_status: Some(t.to.as_str()),
            actor_id,
            detail: &t.detail,
        },
    )
    .await?;
    let who = t.actor.map_or_else(|| "system:attune".to_owned(), Actor::audit_id);
    attune_db::audit::append(
        conn,
        &who,
        "job.transition",
        &format!("job:{}", t.job_id),
        &json!({"from": t.from.as_str(), "to": t.to.as_str(), "detail": t.detail}),
    )
    .await?;
    if let Some((email, name)) = attune_db::jobs::creator_email(conn, t.job_id).await? {
        let mail = OutgoingEmail {
            to: email,
            subject: format!("Your Attune fine-tune job is now: {}", t.to.label()),
            text: format!(
                "Hello {name},\n\nyour fine-tune job {} moved from \"{}\" to \"{}\".\n\n{}— Attune\n",
                t.job_id,
                t.from.label(),
                t.to.label(),
                if t.to == JobStatus::Completed {
                    "Your fine-tuned model is ready. The job page lists the shard adapters to download, each with its sha256, \
                     and the fine-tune certificate, which is anchored on chain; the escrow is released to the payees.\n\n"
                } else {
                    "See its page for the details and what comes next.\n\n"
                }
            ),
            html: None,
        };
        attune_db::outbox::enqueue(conn, "email", &serde_json::to_value(&mail).context("failed to encode mail")?).await?;
    }
    Ok(())
}

fn current_status(raw: &str) -> Result<JobStatus, AppError> {
    JobStatus::parse(raw).ok_or_else(|| AppError::Unexpected(anyhow::anyhow!("a stored job status is unknown: {raw}")))
}

/// Cancels a job: at once before payment; after it, `cancel_requested` until no shard is leased and
/// the escrow is refunded (the watcher completes it when the `Refunded` event is confirmed).
#[tracing::instrument(skip_all, fields(job = %id))]
pub async fn cancel(pool: &PgPool, actor: &Actor, id: Uuid) -> Result<JobStatus, AppError> {
    let mut tx = pool.begin().await.context("failed to begin a cancel")?;
    let job = attune_db::jobs::get_for_update(&mut tx, &actor.scope(), id).await?.ok_or(AppError::NotFound)?;
    let status = current_status(&job.status)?;
    let Some(target) = status.cancel_target() else {
        return Err(AppError::conflict("wrong-state", format!("A job that is {} cannot be cancelled.", status.label().to_lowercase())));
    };
    transition(
        &mut tx,
        &Transition { job_id: id, from: status, to: target, actor: Some(actor), detail: json!({"reason": "buyer cancelled"}) },
    )
    .await?;
    let mut last = target;
    if target == JobStatus::CancelRequested {
        let escrowed = attune_db::payments::get(&mut tx, id).await?.filter(|p| p.status == "cleared");
        match escrowed {
            // The escrow holds the money: the operator refunds it, and the watcher cancels the job
            // when the refund is on chain. Nothing was spent before dispatch, so all of it returns.
            Some(payment) => {
                crate::operator_txs::request_for_job(&mut tx, "refund", id, &payment.job_ref).await?;
            }
            None => {
                transition(
                    &mut tx,
                    &Transition {
                        job_id: id,
                        from: target,
                        to: JobStatus::Cancelled,
                        actor: None,
                        detail: json!({"reason": "no shard was leased"}),
                    },
                )
                .await?;
                last = JobStatus::Cancelled;
            }
        }
    }
    tx.commit().await.context("failed to commit a cancel")?;
    Ok(last)
}

/// Why a paid job may not move on yet: its payment must be `cleared` in our tables and its escrow
/// `funded` on chain with the quoted amount. A reclaim by the payer (after the deadline and the
/// grace) or a funding the chain no longer has must never lead to training. `None` when secured.
pub async fn funds_not_secured(conn: &mut PgConnection, chain: Option<&Chain>, job_id: Uuid) -> Result<Option<String>, AppError> {
    let Some(payment) = attune_db::payments::get(conn, job_id).await? else {
        return Ok(Some("the job has no payment".into()));
    };
    let state = payment.state()?;
    if state != PaymentStatus::Cleared {
        return Ok(Some(format!("the payment is {}, not cleared", state.as_str())));
    }
    let Some(chain) = chain else {
        return Ok(Some("settlement is not running, so the escrow cannot be read".into()));
    };
    let job_ref = B256::from_str(&payment.job_ref).context("a stored job ref")?;
    let (amount, escrow) = match chain.client.escrow_of(job_ref).await {
        Ok(read) => (read.amount, read.state),
        // The job waits; the watcher retries paid jobs when the chain answers again.
        Err(e) => {
            tracing::warn!(job = %job_id, error = %format!("{e:#}"), "the escrow could not be read");
            return Ok(Some("the escrow could not be read on chain; retried shortly".into()));
        }
    };
    if escrow != EscrowState::Funded {
        return Ok(Some(format!("the escrow is {} on chain, not funded", escrow.as_str())));
    }
    if amount.to_string() != payment.amount {
        return Ok(Some(format!("the escrow holds {amount}, not the quoted {}", payment.amount)));
    }
    Ok(None)
}

/// Moves a paid job on: to review (`audit`) when the assessment requires one, else to the training
/// queue once every blocking obligation is satisfied (otherwise it waits, paid). A job in review
/// moves to the queue once its review and every other blocking obligation are satisfied. It moves
/// only while its funds are secured ([`funds_not_secured`]); otherwise it waits and says why.
pub async fn advance_paid(conn: &mut PgConnection, chain: Option<&Chain>, id: Uuid) -> Result<JobStatus, AppError> {
    let job = attune_db::jobs::get_for_update(conn, &attune_domain::OrgScope::Platform, id).await?.ok_or(AppError::NotFound)?;
    let status = current_status(&job.status)?;
    let next = match status {
        JobStatus::Paid if job.audit_required => (JobStatus::Audit, "audit required"),
        JobStatus::Paid => {
            let open = attune_db::job_obligations::open_blocking(conn, id, &AUDIT_STAGE_OBLIGATIONS).await?;
            if !open.is_empty() {
                return Ok(status);
            }
            (JobStatus::Queued, "every blocking obligation is satisfied")
        }
        // Reviewed: on to the queue once nothing blocking is open, the review included.
        JobStatus::Audit => {
            let open = attune_db::job_obligations::open_blocking(conn, id, &[]).await?;
            if !open.is_empty() {
                return Ok(status);
            }
            (JobStatus::Queued, "reviewed, and every blocking obligation is satisfied")
        }
        _ => return Ok(status),
    };
    if let Some(why) = funds_not_secured(conn, chain, id).await? {
        tracing::warn!(job = %id, reason = %why, "a paid job stays paid: its funds are not secured");
        attune_db::jobs::insert_held_event(conn, id, &json!({"reason": why, "waiting_for": next.0.as_str()})).await?;
        return Ok(status);
    }
    transition(conn, &Transition { job_id: id, from: status, to: next.0, actor: None, detail: json!({"reason": next.1}) }).await?;
    Ok(next.0)
}

/// Retries paid jobs that wait for nothing but secured funds (the chain was away when they were
/// ready). Returns how many moved on.
pub async fn advance_waiting(pool: &PgPool, chain: &Chain) -> anyhow::Result<usize> {
    let mut conn = pool.acquire().await.context("failed to acquire a connection")?;
    let ids = attune_db::jobs::paid_ids(&mut conn, 100).await?;
    drop(conn);
    let mut moved = 0;
    for id in ids {
        let mut tx = pool.begin().await.context("failed to begin")?;
        let status = advance_paid(&mut tx, Some(chain), id).await.map_err(|e| anyhow::anyhow!("advancing a paid job: {e}"))?;
        tx.commit().await.context("failed to commit")?;
        if status != JobStatus::Paid {
            moved += 1;
        }
    }
    Ok(moved)
}

pub struct DocumentSaved {
    pub revision: i32,
    pub satisfied: Vec<String>,
    /// Why the document, by what it says, satisfies nothing (an LIA concluding that rights
    /// override, a FRIA without the authority notification, a residual risk not acceptable).
    pub blocked_by: Vec<String>,
    /// Obligations an earlier revision had satisfied that this one reopened.
    pub reopened: Vec<String>,
    pub status: JobStatus,
}

/// Files a document for a job, validated against its template; it satisfies the obligations
/// that name the template.
#[tracing::instrument(skip_all, fields(job = %id, template = %template_id))]
pub async fn put_document(
    pool: &PgPool,
    templates: &DocumentTemplates,
    actor: &Actor,
    id: Uuid,
    template_id: &str,
    fields: &serde_json::Value,
    chain: Option<&Chain>,
) -> Result<DocumentSaved, AppError> {
    let mut tx = pool.begin().await.context("failed to begin a document")?;
    let job = attune_db::jobs::get_for_update(&mut tx, &actor.scope(), id).await?.ok_or(AppError::NotFound)?;
    let template = templates.get(template_id).ok_or(AppError::NotFound)?;
    if template.generated {
        return Err(AppError::conflict(
            "generated-document",
            format!("The platform generates the {} from the dataset; it is not filed.", template.title),
        ));
    }
    let status = current_status(&job.status)?;
    if matches!(status, JobStatus::Completed | JobStatus::Refunded | JobStatus::Cancelled | JobStatus::CancelRequested) {
        return Err(AppError::conflict("wrong-state", format!("A job that is {} takes no more documents.", status.label().to_lowercase())));
    }
    let jurisdictions: Vec<String> = job
        .deployment
        .get("jurisdictions")
        .and_then(|j| j.as_array())
        .map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect())
        .unwrap_or_default();
    let normalised = template.validate(fields, &jurisdictions)?;
    let reference = templates.reference();
    let revision = attune_db::job_obligations::insert_document(
        &mut tx,
        &attune_db::job_obligations::NewDocument {
            job_id: id,
            template: template_id,
            template_version: &reference.version,
            template_sha256: &reference.sha256,
            fields: &serde_json::Value::Object(normalised.clone()),
            submitted_by: actor.user_id,
        },
    )
    .await?;
    // A document satisfies its obligations by what it says: a blocking answer keeps them open, and
    // reopens what an earlier revision satisfied.
    let by = format!("document:{template_id}");
    let blocked_by: Vec<String> = template.blocking_answers(&normalised).into_iter().map(|b| b.reason.clone()).collect();
    let (satisfied, reopened) = if blocked_by.is_empty() {
        (attune_db::job_obligations::satisfy_with_template(&mut tx, id, template_id, &by, &AUDIT_STAGE_OBLIGATIONS).await?, vec![])
    } else {
        (vec![], attune_db::job_obligations::reopen_with_template(&mut tx, id, template_id, &by).await?)
    };
    let detail =
        json!({"template": template_id, "revision": revision, "satisfied": satisfied, "blocked_by": blocked_by, "reopened": reopened});
    attune_db::jobs::insert_event(
        &mut tx,
        &attune_db::jobs::NewEvent {
            job_id: id,
            kind: "document",
            from_status: None,
            to_status: None,
            actor_id: Some(actor.user_id),
            detail: &detail,
        },
    )
    .await?;
    attune_db::audit::append(&mut tx, &actor.audit_id(), "job.document_filed", &format!("job:{id}"), &detail).await?;
    if crate::training_summary::cites(template_id) {
        crate::training_summary::refresh_personal_data(&mut tx, id).await?;
    }
    if status == JobStatus::ChangesRequested {
        // A revised document resubmits the job to its reviewer.
        transition(
            &mut tx,
            &Transition {
                job_id: id,
                from: status,
                to: JobStatus::Audit,
                actor: Some(actor),
                detail: json!({"reason": "the buyer revised a document and resubmitted", "template": template_id, "revision": revision}),
            },
        )
        .await?;
    }
    let status = advance_paid(&mut tx, chain, id).await?;
    // A filed (or revised) registration or remediation plan can earn or lapse the safe harbour.
    crate::safe_harbour::refresh(&mut tx, id).await?;
    tx.commit().await.context("failed to commit a document")?;
    Ok(DocumentSaved { revision, satisfied, blocked_by, reopened, status })
}
