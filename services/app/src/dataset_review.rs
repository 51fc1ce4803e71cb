//! Human review of records the scanner could not settle (fail-closed `unknown` verdicts): platform
//! reviewers (admins and auditors) allow or block each one, with notes, in the audit log.

use anyhow::Context;
use attune_db::dataset_gate::Review;
use attune_domain::dataset::{GateContext, LicenceKind, ReviewDecision, gate_record};
use attune_domain::optout::OptoutStatus;
use attune_domain::{OrgScope, PlatformRole};
use chrono::{DateTime, Utc};
use serde_json::json;
use sqlx::PgPool;
use uuid::Uuid;

use crate::Actor;
use crate::actor::MissingRole;
use crate::cursor::Page;
use crate::error::AppError;
use crate::view::view;

view! {
    /// A record awaiting a reviewer, with its dataset and why the gate held it.
    #[derive(Debug, Clone)]
    pub struct RecordAwaitingReview from attune_db::dataset_gate::ReviewItem {
        pub dataset_id: Uuid,
        pub dataset_name: String,
        pub organization_name: String,
        pub record_id: String,
        pub seq: i64,
        pub source_url: Option<String>,
        pub optout: Option<serde_json::Value>,
        pub gate_reasons: serde_json::Value,
        pub created_at: DateTime<Utc>,
    }
}

pub fn is_reviewer(actor: &Actor) -> bool {
    actor.has_role(PlatformRole::Admin) || actor.has_role(PlatformRole::Auditor)
}

/// Reviewers read every organisation's datasets; everyone else only their own.
pub fn reviewer_or_owner_scope(actor: &Actor) -> OrgScope {
    if is_reviewer(actor) { OrgScope::Platform } else { actor.scope() }
}

fn require_reviewer(actor: &Actor) -> Result<(), AppError> {
    if is_reviewer(actor) { Ok(()) } else { Err(AppError::Forbidden(MissingRole(PlatformRole::Auditor))) }
}

#[tracing::instrument(skip_all, fields(dataset = %dataset_id, record = %record_id))]
pub async fn decide(
    pool: &PgPool,
    actor: &Actor,
    dataset_id: Uuid,
    record_id: &str,
    decision: &str,
    notes: &str,
) -> Result<crate::dataset_view::Record, AppError> {
    require_reviewer(actor)?;
    let Ok(decision) = ReviewDecision::parse(decision) else {
        return Err(AppError::field("decision", "must be allow or block"));
    };
    let notes = notes.trim();
    if notes.chars().count() > 2000 {
        return Err(AppError::field("notes", "must be at most 2000 characters"));
    }
    let mut tx = pool.begin().await.context("failed to begin a review")?;
    attune_db::datasets::get(&mut tx, &OrgScope::Platform, dataset_id).await?.ok_or(AppError::NotFound)?;
    let record = attune_db::datasets::record_for_update(&mut tx, dataset_id, record_id).await?.ok_or(AppError::NotFound)?;
    if record.gate != "review" {
        return Err(AppError::conflict("not-awaiting-review", format!("The record is {}, not awaiting review.", record.gate)));
    }
    let licence = LicenceKind::parse(&record.licence_kind).map_err(|e| anyhow::anyhow!("a stored licence kind is unknown: {e}"))?;
    let optout = record.optout_status.as_deref().and_then(parse_status);
    let outcome = gate_record(licence, optout, Some(decision), &GateContext::dataset_baseline());
    let reasons = json!(outcome.reasons);
    let review = Review {
        dataset_id,
        record_id,
        decision: decision.as_str(),
        notes,
        reviewer: actor.user_id,
        gate: outcome.verdict.as_str(),
        gate_reasons: &reasons,
    };
    if !attune_db::dataset_gate::decide_review(&mut tx, &review).await? {
        return Err(AppError::conflict("not-awaiting-review", "The record was decided meanwhile."));
    }
    attune_db::audit::append(
        &mut tx,
        &actor.audit_id(),
        "dataset.record_reviewed",
        &format!("dataset:{dataset_id}"),
        &json!({"record_id": record_id, "decision": decision.as_str(), "notes": notes, "gate": outcome.verdict.as_str(),
                "optout": record.optout}),
    )
    .await?;
    let updated = attune_db::datasets::record_for_update(&mut tx, dataset_id, record_id).await?.context("the record vanished")?;
    tx.commit().await.context("failed to commit a review")?;
    Ok(updated.into())
}

pub fn parse_status(raw: &str) -> Option<OptoutStatus> {
    match raw {
        "clear" => Some(OptoutStatus::Clear),
        "reserved" => Some(OptoutStatus::Reserved),
        "unknown" => Some(OptoutStatus::Unknown),
        _ => None,
    }
}

pub async fn queue(pool: &PgPool, actor: &Actor, cursor: Option<&str>, limit: i64) -> Result<Page<RecordAwaitingReview>, AppError> {
    require_reviewer(actor)?;
    let after = crate::cursor::after(cursor)?;
    let limit = limit.clamp(1, 200);
    let mut conn = pool.acquire().await.context("failed to acquire a connection")?;
    let mut items = attune_db::dataset_gate::review_queue(&mut conn, after, limit + 1).await?;
    let next_cursor = crate::cursor::next_page(&mut items, limit, |i| (i.created_at, i.dataset_id, i.seq));
    Ok(Page { items: items.into_iter().map(RecordAwaitingReview::from).collect(), next_cursor })
}
