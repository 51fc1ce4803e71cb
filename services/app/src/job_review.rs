//! The platform's own review of a job whose organisation is in no audit pool (it paid the non-pooled
//! fee; a pool member's job is reviewed by its pool, `audit_tasks`): a platform admin reads the
//! assessment, the gate and the documents and approves — the `POOL_REVIEW` obligation is satisfied
//! by that review, recorded as an admin's, and the job moves on to the queue once nothing blocking
//! is open — or requests changes, which sends it back to the buyer (`changes_requested`); a revised
//! document resubmits it. Reviewer and notes are on the job's record and in the audit log.

use anyhow::Context;
use attune_domain::OrgScope;
use attune_domain::job::JobStatus;
use serde::Serialize;
use serde_json::json;
use sqlx::PgPool;
use uuid::Uuid;

use crate::Actor;
use crate::chain::Chain;
use crate::error::AppError;
use crate::job_lifecycle::{Transition, advance_paid, transition};

/// The review obligation a pool's (or for a job in no pool, an admin's) approval satisfies.
pub const REVIEW_OBLIGATION: &str = "POOL_REVIEW";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Approve,
    ChangesRequested,
}

impl Decision {
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "approve" => Some(Self::Approve),
            "changes_requested" => Some(Self::ChangesRequested),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Approve => "approve",
            Self::ChangesRequested => "changes_requested",
        }
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Reviewed {
    /// The job's status after the review.
    pub status: String,
    pub decision: String,
    /// Blocking obligations still open (the job waits in `audit` for them).
    pub waiting_for: Vec<String>,
}

/// Records an admin's review of a job in `audit`.
#[tracing::instrument(skip_all, fields(job = %job_id))]
pub async fn decide(
    pool: &PgPool,
    chain: Option<&Chain>,
    actor: &Actor,
    job_id: Uuid,
    decision: &str,
    notes: &str,
) -> Result<Reviewed, AppError> {
    let scope = actor.admin_scope()?;
    let decision = Decision::parse(decision).ok_or_else(|| AppError::field("decision", "must be approve or changes_requested"))?;
    let notes = notes.trim();
    if notes.is_empty() || notes.chars().count() > 4000 {
        return Err(AppError::field("notes", "must say what was reviewed and found (1 to 4000 characters)"));
    }
    let mut tx = pool.begin().await.context("failed to begin a review")?;
    let job = attune_db::jobs::get_for_update(&mut tx, &scope, job_id).await?.ok_or(AppError::NotFound)?;
    let status = JobStatus::parse(&job.status).ok_or_else(|| AppError::Unexpected(anyhow::anyhow!("unknown job status")))?;
    if status != JobStatus::Audit {
        return Err(AppError::conflict("wrong-state", format!("Only a job in review can be reviewed; this one is {}.", job.status)));
    }
    if job.audit_pool_id.is_some() {
        return Err(AppError::conflict("pool-reviews", "This job's organisation is in an audit pool: the pool's auditor reviews it."));
    }
    let detail = json!({"decision": decision.as_str(), "reviewer": actor.user_id, "reviewer_email": actor.email, "notes": notes,
        "review": "platform (the organisation is in no audit pool)"});
    attune_db::jobs::insert_event(
        &mut tx,
        &attune_db::jobs::NewEvent {
            job_id,
            kind: "review",
            from_status: None,
            to_status: None,
            actor_id: Some(actor.user_id),
            detail: &detail,
        },
    )
    .await?;
    attune_db::audit::append(&mut tx, &actor.audit_id(), "job.reviewed", &format!("job:{job_id}"), &detail).await?;
    match decision {
        Decision::Approve => {
            attune_db::job_obligations::satisfy(&mut tx, job_id, REVIEW_OBLIGATION, &format!("admin review by user:{}", actor.user_id))
                .await?;
            advance_paid(&mut tx, chain, job_id).await?;
        }
        Decision::ChangesRequested => {
            transition(
                &mut tx,
                &Transition {
                    job_id,
                    from: status,
                    to: JobStatus::ChangesRequested,
                    actor: Some(actor),
                    detail: json!({"reason": "the reviewer requested changes", "notes": notes}),
                },
            )
            .await?;
        }
    }
    let after = attune_db::jobs::get(&mut tx, &OrgScope::Platform, job_id).await?.ok_or(AppError::NotFound)?;
    let waiting_for = if after.status == JobStatus::Audit.as_str() {
        attune_db::job_obligations::open_blocking(&mut tx, job_id, &[]).await?
    } else {
        Vec::new()
    };
    tx.commit().await.context("failed to commit a review")?;
    Ok(Reviewed { status: after.status, decision: decision.as_str().into(), waiting_for })
}

/// A job awaiting review, as the reviewer reads it.
#[derive(Debug, Clone)]
pub struct ReviewItem {
    pub job: attune_db::jobs::JobRow,
    pub organization: String,
    pub obligations: Vec<attune_db::job_obligations::ObligationRow>,
    pub documents: Vec<attune_db::job_obligations::DocumentRow>,
}

/// Jobs in `audit`, oldest first, with what a reviewer needs to read (admin).
pub async fn queue(pool: &PgPool, actor: &Actor) -> Result<Vec<ReviewItem>, AppError> {
    actor.admin_scope()?;
    let mut conn = pool.acquire().await.context("failed to acquire a connection")?;
    let jobs = attune_db::jobs::awaiting_review(&mut conn, 100).await?;
    let mut items = Vec::with_capacity(jobs.len());
    for job in jobs {
        let organization =
            attune_db::organizations::get(&mut conn, OrgScope::Platform, job.organization_id).await?.map(|o| o.name).unwrap_or_default();
        let obligations = attune_db::job_obligations::list(&mut conn, job.id).await?;
        let documents = attune_db::job_obligations::documents(&mut conn, job.id).await?;
        items.push(ReviewItem { job, organization, obligations, documents });
    }
    Ok(items)
}
