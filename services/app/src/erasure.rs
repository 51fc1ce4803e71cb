//! GDPR Art. 17 erasure requests. The organisation that owns the data (or an admin on a data
//! subject's behalf, with the subject's evidence) names a subject; their records are found through
//! the index over `pii_subject_ids`, their content is deleted at once (a tombstone keeps the record id
//! and content hash), and the answer lists the affected records, jobs and shards with the first
//! affected slice of each and the share of a full retrain that retraining them costs. A second
//! request for the same subject returns the first (a new one is made only when the subject's
//! records arrived again after a completed erasure). The subject id is never stored, only its
//! per-organisation hash.

use std::collections::BTreeMap;

use anyhow::Context;
use attune_db::erasure::{ErasureRow, NewErasure};
use attune_domain::erasure::{AffectedShard, ErasureStatus, deadline, retrain_fraction, subject_reference};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::PgPool;
use uuid::Uuid;

use crate::Actor;
use crate::error::AppError;
use crate::idempotency::IdempotencyKey;

const MAX_SUBJECT_CHARS: usize = 200;
const MAX_TEXT_CHARS: usize = 4000;

pub struct ErasureInput {
    pub subject_id: String,
    pub reason: Option<String>,
    /// An admin acting on a data subject's behalf names the organisation and attaches the evidence.
    pub organization_id: Option<Uuid>,
    pub evidence: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AffectedRecordRef {
    pub dataset_id: Uuid,
    pub record_id: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AffectedShardRef {
    pub job_id: Uuid,
    pub shard_index: i32,
    /// 0-based: the shard retrains from the checkpoint saved before this slice.
    pub from_slice: i32,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Affected {
    pub records: Vec<AffectedRecordRef>,
    pub jobs: Vec<Uuid>,
    pub shards: Vec<AffectedShardRef>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ErasureView {
    pub id: Uuid,
    pub status: String,
    /// sha256 over the organisation and the subject id; the id itself is not kept.
    pub subject_sha256: String,
    pub affected: serde_json::Value,
    /// The share of a full retrain of the affected jobs that retraining the affected shards costs.
    pub retrain_fraction: f64,
    /// GDPR Art. 12(3): one month from the request.
    pub deadline_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    pub completed_at: Option<DateTime<Utc>>,
    /// The erasure certificate, once issued.
    pub certificate: Option<serde_json::Value>,
}

impl ErasureView {
    /// The affected records, jobs and shards, typed; empty only if the stored set cannot be read.
    pub fn affected_set(&self) -> Affected {
        serde_json::from_value(self.affected.clone()).unwrap_or_default()
    }

    /// What the issued certificate says, typed; `None` before it is issued.
    pub fn issued(&self) -> Option<IssuedCertificate> {
        self.certificate.clone().and_then(|c| serde_json::from_value(c).ok())
    }
}

/// The parts of an issued erasure certificate a reader is shown: its hash, its anchor, the share of a
/// full retrain it cost, and each retrained shard's state.
#[derive(Debug, Clone, Deserialize)]
pub struct IssuedCertificate {
    pub sha256: String,
    pub anchor: Option<CertificateAnchor>,
    pub body: CertifiedErasure,
}

#[derive(Debug, Clone, Deserialize)]
pub struct CertificateAnchor {
    pub tx_hash: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct CertifiedErasure {
    pub share_of_full_retrain: f64,
    pub jobs: Vec<CertifiedJob>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct CertifiedJob {
    pub job_id: Uuid,
    pub shards: Vec<CertifiedShard>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct CertifiedShard {
    pub shard_index: i32,
    pub state: String,
}

impl From<ErasureRow> for ErasureView {
    fn from(r: ErasureRow) -> Self {
        Self {
            id: r.id,
            status: r.status,
            subject_sha256: r.subject_sha256,
            affected: r.affected,
            retrain_fraction: r.retrain_fraction,
            deadline_at: r.deadline_at,
            created_at: r.created_at,
            completed_at: r.completed_at,
            certificate: None,
        }
    }
}

fn optional_text(field: &str, value: Option<&str>) -> Result<Option<String>, AppError> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        Some(v) if v.chars().count() > MAX_TEXT_CHARS => {
            Err(AppError::field(field, format!("must be at most {MAX_TEXT_CHARS} characters")))
        }
        other => Ok(other.map(str::to_owned)),
    }
}

/// Records an erasure request and deletes the subject's content. `Ok((true, view))` for a new
/// request, `Ok((false, view))` for the same subject's earlier one.
#[tracing::instrument(skip_all)]
pub async fn request(pool: &PgPool, actor: &Actor, input: &ErasureInput) -> Result<(bool, ErasureView), AppError> {
    let subject = input.subject_id.trim();
    if subject.is_empty() || subject.chars().count() > MAX_SUBJECT_CHARS || subject.chars().any(char::is_control) {
        return Err(AppError::field(
            "subject_id",
            format!("must name the data subject as the datasets do (1 to {MAX_SUBJECT_CHARS} characters)"),
        ));
    }
    let reason = optional_text("reason", input.reason.as_deref())?;
    let evidence = optional_text("evidence", input.evidence.as_deref())?;
    let organization_id = match input.organization_id {
        Some(org) if org != actor.organization_id => {
            actor.admin_scope()?;
            if evidence.is_none() {
                return Err(AppError::field("evidence", "an admin acting on a data subject's behalf attaches the subject's request"));
            }
            org
        }
        _ => actor.organization_id,
    };
    let subject_sha256 = subject_reference(organization_id, subject);
    let mut tx = pool.begin().await.context("failed to begin an erasure request")?;
    if actor.organization_id != organization_id {
        attune_db::organizations::get(&mut tx, attune_domain::OrgScope::Platform, organization_id).await?.ok_or(AppError::NotFound)?;
    }
    let existing = attune_db::erasure::find_by_subject(&mut tx, organization_id, &subject_sha256).await?;
    if let Some(open) = existing.as_ref().filter(|e| e.status != ErasureStatus::Completed.as_str()) {
        return Ok((false, view(&mut tx, open.clone()).await?));
    }
    let Found { records, jobs, shards, fraction } = find(&mut tx, organization_id, subject).await?;
    // A completed request answers a repeat, unless the subject's records arrived again since: then
    // they are erased by a new request.
    if let Some(done) = existing.filter(|_| records.is_empty()) {
        return Ok((false, view(&mut tx, done).await?));
    }
    // Every request starts pending; the retraining pass (`erasure_retrain`) completes it with its
    // certificate once every affected shard is retrained — at once when nothing learnt from the data.
    let status = ErasureStatus::Pending;
    let affected = json!({"records": records, "jobs": jobs, "shards": shards});
    let id = Uuid::now_v7();
    let now = Utc::now();
    let inserted = attune_db::erasure::insert(
        &mut tx,
        &NewErasure {
            id,
            organization_id,
            requested_by: actor.user_id,
            subject_sha256: &subject_sha256,
            reason: reason.as_deref(),
            evidence: evidence.as_deref(),
            status: status.as_str(),
            affected: &affected,
            retrain_fraction: fraction,
            deadline_at: deadline(now),
        },
    )
    .await?;
    let Some(row) = inserted else {
        // Another request for the same subject committed first: answer with it.
        drop(tx);
        let mut conn = pool.acquire().await.context("failed to acquire a connection")?;
        let existing = attune_db::erasure::find_by_subject(&mut conn, organization_id, &subject_sha256).await?.ok_or(AppError::NotFound)?;
        return Ok((false, view(&mut conn, existing).await?));
    };
    let erased = attune_db::erasure::tombstone(&mut tx, organization_id, subject, id).await?;
    let plan: Vec<(Uuid, i32, i32)> = shards.iter().map(|s| (s.job_id, s.shard_index, s.from_slice)).collect();
    attune_db::erasure::insert_shards(&mut tx, id, &plan).await?;
    attune_db::audit::append(
        &mut tx,
        &actor.audit_id(),
        "erasure.requested",
        &format!("erasure:{id}"),
        &json!({"organization_id": organization_id, "subject_sha256": subject_sha256, "records_erased": erased, "jobs": jobs.len(),
                "shards": shards.len(), "retrain_fraction": fraction, "on_behalf": organization_id != actor.organization_id}),
    )
    .await?;
    tx.commit().await.context("failed to commit an erasure request")?;
    // Retrain what can be retrained now (or complete at once when nothing learnt from the data). The
    // request is recorded either way: a failed pass is left to the aggregator's background pass.
    if let Err(e) = crate::erasure_retrain::advance(pool).await {
        tracing::error!(error = %e, erasure = %id, "the first retraining pass after an erasure request failed");
    }
    let mut conn = pool.acquire().await.context("failed to acquire a connection")?;
    let now = attune_db::erasure::get(&mut conn, None, row.id).await?.ok_or(AppError::NotFound)?;
    Ok((true, view(&mut conn, now).await?))
}

/// `request` with an `Idempotency-Key` (key, sha256 of the body): the same key and body return the
/// first answer; the same key with another body is refused. Returns (HTTP status, body).
pub async fn request_idempotent(
    pool: &PgPool,
    actor: &Actor,
    input: &ErasureInput,
    idempotency: Option<&IdempotencyKey>,
) -> Result<(u16, serde_json::Value), AppError> {
    const SCOPE: &str = "erasure-requests";
    if idempotency.is_some() {
        let mut tx = pool.begin().await.context("failed to begin")?;
        if let Some(answer) = crate::idempotency::replay(&mut tx, actor.organization_id, SCOPE, idempotency).await? {
            return Ok(answer);
        }
    }
    // The request is itself idempotent per subject (a repeat answers the earlier request), so the
    // key is stored after it; a concurrent twin that got there first is answered with its answer.
    let (created, view) = request(pool, actor, input).await?;
    let answer = (if created { 201 } else { 200 }, serde_json::to_value(&view).context("failed to encode an erasure request")?);
    if idempotency.is_some() {
        let mut tx = pool.begin().await.context("failed to begin storing an idempotency key")?;
        if let Some(stored) = crate::idempotency::replay(&mut tx, actor.organization_id, SCOPE, idempotency).await? {
            return Ok(stored);
        }
        crate::idempotency::remember(&mut tx, actor.organization_id, SCOPE, idempotency, &answer).await?;
        tx.commit().await.context("failed to store an idempotency key")?;
    }
    Ok(answer)
}

/// A request with its certificate, once issued.
async fn view(conn: &mut sqlx::PgConnection, row: ErasureRow) -> Result<ErasureView, AppError> {
    let id = row.id;
    let mut v: ErasureView = row.into();
    if let Some(c) = attune_db::erasure::certificate(conn, id).await?
        && let (Some(body), Some(sha256)) = (c.certificate, c.certificate_sha256)
    {
        let anchor = c.anchor_tx_hash.map(|tx| json!({"tx_hash": tx, "block": c.anchor_block}));
        v.certificate = Some(json!({"body": body, "sha256": sha256, "anchor": anchor}));
    }
    Ok(v)
}

/// What an erasure of one subject would touch, and its cost.
struct Found {
    records: Vec<AffectedRecordRef>,
    jobs: Vec<Uuid>,
    shards: Vec<AffectedShardRef>,
    fraction: f64,
}

async fn find(conn: &mut sqlx::PgConnection, organization_id: Uuid, subject: &str) -> Result<Found, AppError> {
    let found = attune_db::erasure::affected_records(&mut *conn, organization_id, subject).await?;
    let mut records: Vec<AffectedRecordRef> = Vec::new();
    let mut jobs: Vec<Uuid> = Vec::new();
    let mut first_slice: BTreeMap<(Uuid, i32), i32> = BTreeMap::new();
    for r in &found {
        if !records.iter().any(|x| x.dataset_id == r.dataset_id && x.record_id == r.record_id) {
            records.push(AffectedRecordRef { dataset_id: r.dataset_id, record_id: r.record_id.clone() });
        }
        if let Some(job) = r.job_id {
            if !jobs.contains(&job) {
                jobs.push(job);
            }
            if let (Some(shard), Some(slice)) = (r.shard_index, r.slice) {
                let entry = first_slice.entry((job, shard)).or_insert(slice);
                *entry = (*entry).min(slice);
            }
        }
    }
    let shards: Vec<AffectedShardRef> =
        first_slice.iter().map(|(&(job_id, shard_index), &from_slice)| AffectedShardRef { job_id, shard_index, from_slice }).collect();

    // The cost: the affected shards' cumulative stages from their first affected slice on, over every
    // stage of the affected jobs.
    let dispatched: Vec<Uuid> = jobs.iter().copied().filter(|j| shards.iter().any(|s| s.job_id == *j)).collect();
    let mut plan: Vec<AffectedShard> = Vec::new();
    let mut all: Vec<Vec<u32>> = Vec::new();
    let sizes = |v: &[i32]| v.iter().map(|n| u32::try_from(*n).unwrap_or(0)).collect::<Vec<u32>>();
    for job in &dispatched {
        let job_shards = attune_db::shard_runs::shards(&mut *conn, *job).await?;
        all.extend(job_shards.iter().map(|s| sizes(&s.slice_sizes)));
        for s in shards.iter().filter(|s| s.job_id == *job) {
            if let Some(row) = job_shards.iter().find(|row| row.shard_index == s.shard_index) {
                plan.push(AffectedShard { slice_sizes: sizes(&row.slice_sizes), from_slice: u32::try_from(s.from_slice).unwrap_or(0) });
            }
        }
    }
    let fraction = retrain_fraction(&plan, &all);
    Ok(Found { records, jobs, shards, fraction })
}

/// What erasing `subject_id` from the caller's organisation would touch, without touching it: the
/// records, jobs and shards (first affected slice) and the estimated share of a full retrain.
#[derive(Debug, Clone, Serialize)]
pub struct Preview {
    pub records: Vec<AffectedRecordRef>,
    pub jobs: Vec<Uuid>,
    pub shards: Vec<AffectedShardRef>,
    pub retrain_fraction: f64,
    /// The earlier request for the same subject, if there is one.
    pub existing: Option<Uuid>,
}

pub async fn preview(pool: &PgPool, actor: &Actor, subject_id: &str) -> Result<Preview, AppError> {
    let subject = subject_id.trim();
    if subject.is_empty() || subject.chars().count() > MAX_SUBJECT_CHARS || subject.chars().any(char::is_control) {
        return Err(AppError::field(
            "subject_id",
            format!("must name the data subject as the datasets do (1 to {MAX_SUBJECT_CHARS} characters)"),
        ));
    }
    let mut conn = pool.acquire().await.context("failed to acquire a connection")?;
    let existing =
        attune_db::erasure::find_by_subject(&mut conn, actor.organization_id, &subject_reference(actor.organization_id, subject)).await?;
    let Found { records, jobs, shards, fraction } = find(&mut conn, actor.organization_id, subject).await?;
    Ok(Preview { records, jobs, shards, retrain_fraction: fraction, existing: existing.map(|e| e.id) })
}

/// The erasures that touched one of the caller's jobs (another organisation's job is a 404).
pub async fn for_job(pool: &PgPool, actor: &Actor, job_id: Uuid) -> Result<Vec<(Uuid, String, DateTime<Utc>, i32, i32, String)>, AppError> {
    let mut conn = pool.acquire().await.context("failed to acquire a connection")?;
    attune_db::jobs::get(&mut conn, &actor.scope(), job_id).await?.ok_or(AppError::NotFound)?;
    Ok(attune_db::erasure::for_job(&mut conn, job_id).await?)
}

/// Every organisation's requests, open ones first by deadline, with the organisation's name (admin).
pub async fn all(pool: &PgPool, actor: &Actor) -> Result<Vec<(ErasureView, String)>, AppError> {
    actor.admin_scope()?;
    let mut conn = pool.acquire().await.context("failed to acquire a connection")?;
    Ok(attune_db::erasure::list_all(&mut conn, 500).await?.into_iter().map(|(r, name)| (r.into(), name)).collect())
}

/// The organisation's requests, newest first.
pub async fn list(pool: &PgPool, actor: &Actor) -> Result<Vec<ErasureView>, AppError> {
    let mut conn = pool.acquire().await.context("failed to acquire a connection")?;
    let rows = attune_db::erasure::list(&mut conn, actor.organization_id).await?;
    Ok(rows.into_iter().map(ErasureView::from).collect())
}

/// A request as the caller may see it: their organisation's, or any for an admin.
pub async fn get(pool: &PgPool, actor: &Actor, id: Uuid) -> Result<ErasureView, AppError> {
    let organization = if actor.admin_scope().is_ok() { None } else { Some(actor.organization_id) };
    let mut conn = pool.acquire().await.context("failed to acquire a connection")?;
    let row = attune_db::erasure::get(&mut conn, organization, id).await?.ok_or(AppError::NotFound)?;
    view(&mut conn, row).await
}
