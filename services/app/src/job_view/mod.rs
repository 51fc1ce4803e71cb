//! What a buyer sees of a job (`GET /api/v1/jobs/{id}`): the snapshot taken at creation, the
//! status, payment, obligations with their state, documents and the events.

use anyhow::Context;
use attune_db::jobs::JobRow;
use attune_domain::OrgScope;
use attune_domain::job::JobStatus;
use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use crate::Actor;
use crate::error::AppError;

mod names;
mod parts;

pub use names::{JobNames, names};
pub use parts::*;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct JobView {
    pub id: Uuid,
    pub status: String,
    pub base_model_id: Uuid,
    pub dataset_id: Uuid,
    pub method: String,
    #[schema(value_type = Object)]
    pub hyperparameters: serde_json::Value,
    #[schema(value_type = Object)]
    pub deployment: serde_json::Value,
    /// The assessment as it stood when the job was created (immutable).
    #[schema(value_type = Object)]
    pub assessment: serde_json::Value,
    pub payment: JobPayment,
    /// The deployment's tier under its latest usage report (`POST /jobs/{id}/indicators`); null
    /// until one is made (the assessment's tier stands).
    pub deployed_risk_tier: Option<String>,
    /// The review, when one is required: by the organisation's audit pool or, for an organisation
    /// in no pool, by the platform; its status, fee and rounds.
    pub audit: Option<AuditView>,
    pub shards: Vec<ShardView>,
    pub progress: Progress,
    pub artifacts: Vec<ArtifactView>,
    pub certificate: Option<CertificateView>,
    /// The dataset gate for this job's jurisdictions and purpose.
    #[schema(value_type = Object)]
    pub gate: serde_json::Value,
    pub accepted_records: i64,
    pub accepted_tokens: i64,
    pub obligations: Vec<ObligationView>,
    pub documents: Vec<DocumentView>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl JobView {
    /// The assessment taken at creation, typed; `None` only if the stored snapshot cannot be read.
    pub fn assessed(&self) -> Option<attune_domain::compliance::Assessment> {
        serde_json::from_value(self.assessment.clone()).ok()
    }

    /// The deployment the job was assessed for, typed; `None` only if the stored one cannot be read.
    pub fn deployment_context(&self) -> Option<attune_domain::compliance::DeploymentContext> {
        serde_json::from_value(self.deployment.clone()).ok()
    }

    /// What the dataset gate decided for this job, typed; `None` only if the stored gate cannot be read.
    pub fn gate_outcome(&self) -> Option<GateOutcomeView> {
        serde_json::from_value(self.gate.clone()).ok()
    }
}

/// The payment's state as far as this issue knows it: settlement replaces this with the escrow's.
fn payment_status(status: JobStatus) -> &'static str {
    use JobStatus::*;
    match status {
        Draft | Assessed => "none",
        AwaitingPayment => "awaiting_payment",
        PaymentReview => "review",
        Frozen => "frozen",
        Refunded => "refunded",
        Cancelled | CancelRequested => "none",
        _ => "paid",
    }
}

pub async fn load_view(conn: &mut PgConnection, scope: &OrgScope, id: Uuid) -> Result<JobView, AppError> {
    let job = attune_db::jobs::get(conn, scope, id).await?.ok_or(AppError::NotFound)?;
    let obligations = attune_db::job_obligations::list(conn, id).await?;
    let documents = attune_db::job_obligations::documents(conn, id).await?;
    let runs = attune_db::shard_runs::runs_of_job(conn, id).await?;
    let delivered = attune_db::certificates::delivered(conn, id).await?;
    let certificate = attune_db::certificates::current(conn, id).await?;
    let audit = audit_view(conn, &job, &obligations).await?;
    let mut v = view(job, obligations, documents, runs);
    v.artifacts = delivered
        .into_iter()
        .map(|d| ArtifactView {
            download_url: format!("/api/v1/jobs/{id}/artifacts/{}/{}", d.shard_index, d.name),
            shard: d.shard_index,
            name: d.name,
            sha256: d.sha256,
            size: d.size,
        })
        .collect();
    v.audit = audit;
    v.certificate = certificate.map(|c| CertificateView {
        sha256: c.sha256,
        version: c.version,
        issued_at: c.created_at,
        anchor: c.anchor_tx_hash.map(|tx_hash| AnchorView { tx_hash, block: c.anchor_block }),
        url: format!("/api/v1/jobs/{id}/certificate"),
    });
    Ok(v)
}

fn view(
    job: JobRow,
    obligations: Vec<attune_db::job_obligations::ObligationRow>,
    documents: Vec<attune_db::job_obligations::DocumentRow>,
    runs: Vec<attune_db::shard_runs::RunRow>,
) -> JobView {
    let status = JobStatus::parse(&job.status).unwrap_or(JobStatus::Draft);
    let token = job.assessment.pointer("/quote/token").and_then(|t| t.as_str()).unwrap_or("USDC").to_owned();
    let (shards, fraction) = shard_views(&runs);
    let percent = if status == JobStatus::Completed { 100.0 } else { (fraction * 1000.0).round() / 10.0 };
    JobView {
        id: job.id,
        status: job.status,
        base_model_id: job.base_model_id,
        dataset_id: job.dataset_id,
        method: job.method,
        hyperparameters: job.hyperparameters,
        deployment: job.deployment,
        assessment: job.assessment,
        payment: JobPayment { status: payment_status(status).to_owned(), token, amount: job.quote_amount },
        deployed_risk_tier: job.deployed_risk_tier,
        audit: None,
        shards,
        progress: Progress { percent },
        artifacts: Vec::new(),
        certificate: None,
        gate: job.gate,
        accepted_records: job.accepted_records,
        accepted_tokens: job.accepted_tokens,
        obligations: obligations
            .into_iter()
            .map(|o| ObligationView {
                id: o.obligation_id,
                article: o.article,
                title: o.title,
                blocking: o.blocking,
                template: o.template,
                overdue: o.status == "open" && o.due_at.is_some_and(|d| d < Utc::now()),
                status: o.status,
                satisfied_by: o.satisfied_by,
                satisfied_at: o.satisfied_at,
                phase: o.phase,
                due_at: o.due_at,
            })
            .collect(),
        documents: documents
            .into_iter()
            .map(|d| DocumentView {
                template: d.template,
                revision: d.revision,
                template_version: d.template_version,
                fields: d.fields,
                submitted_at: d.submitted_at,
            })
            .collect(),
        created_at: job.created_at,
        updated_at: job.updated_at,
    }
}

/// Every shard's view, and the job's share trained (finished slices; a succeeded shard counts whole).
fn shard_views(runs: &[attune_db::shard_runs::RunRow]) -> (Vec<ShardView>, f64) {
    use attune_domain::sisa::ShardRunStatus;
    let mut total = 0.0;
    let views = runs
        .iter()
        .map(|r| {
            let status = ShardRunStatus::parse(&r.status).unwrap_or(ShardRunStatus::Queued);
            let fraction = attune_domain::sisa::run::shard_fraction(
                status,
                u32::try_from(r.slices_done).unwrap_or(0),
                u32::try_from(r.slices).unwrap_or(0),
            );
            total += fraction;
            let live = |key: &str| r.progress.as_ref().and_then(|p| p.get(key));
            let (tokens, flops) = if status == ShardRunStatus::Succeeded {
                (r.tokens, r.flops)
            } else {
                (live("tokens").and_then(|t| t.as_i64()).unwrap_or(0), live("flops").and_then(|f| f.as_f64()).unwrap_or(0.0))
            };
            ShardView {
                index: r.shard_index,
                status: r.status.clone(),
                attempts: r.attempt,
                slices: r.slices,
                slices_done: r.slices_done,
                progress: fraction,
                loss: live("loss").and_then(|l| l.as_f64()),
                flops,
                tokens,
                error: r.error.clone(),
            }
        })
        .collect();
    let fraction = if runs.is_empty() { 0.0 } else { total / runs.len() as f64 };
    (views, fraction)
}

pub async fn get(pool: &PgPool, actor: &Actor, id: Uuid) -> Result<JobView, AppError> {
    let mut conn = pool.acquire().await.context("failed to acquire a connection")?;
    load_view(&mut conn, &actor.scope(), id).await
}

/// A page of the organisation's jobs, newest first.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = JobList)]
pub struct JobPage {
    pub items: Vec<JobView>,
    pub next_cursor: Option<String>,
}

pub async fn list(pool: &PgPool, actor: &Actor, cursor: Option<&str>, limit: i64) -> Result<JobPage, AppError> {
    let after = crate::cursor::after(cursor)?;
    let limit = limit.clamp(1, 200);
    let mut conn = pool.acquire().await.context("failed to acquire a connection")?;
    let mut rows = attune_db::jobs::list(&mut conn, &actor.scope(), after, limit + 1).await?;
    let next_cursor = crate::cursor::next_page(&mut rows, limit, |j| (j.created_at, j.id));
    let mut items = Vec::with_capacity(rows.len());
    for job in rows {
        let obligations = attune_db::job_obligations::list(&mut conn, job.id).await?;
        let documents = attune_db::job_obligations::documents(&mut conn, job.id).await?;
        let runs = attune_db::shard_runs::runs_of_job(&mut conn, job.id).await?;
        items.push(view(job, obligations, documents, runs));
    }
    Ok(JobPage { items, next_cursor })
}

pub async fn events(pool: &PgPool, actor: &Actor, id: Uuid) -> Result<Vec<EventView>, AppError> {
    let mut conn = pool.acquire().await.context("failed to acquire a connection")?;
    attune_db::jobs::get(&mut conn, &actor.scope(), id).await?.ok_or(AppError::NotFound)?;
    Ok(attune_db::jobs::events(&mut conn, id).await?.into_iter().map(EventView::from).collect())
}

pub async fn training_summary(pool: &PgPool, actor: &Actor, id: Uuid) -> Result<serde_json::Value, AppError> {
    let mut conn = pool.acquire().await.context("failed to acquire a connection")?;
    let job = attune_db::jobs::get(&mut conn, &actor.scope(), id).await?.ok_or(AppError::NotFound)?;
    Ok(job.training_summary)
}

/// The public summary of training content, typed, for the job's page; `None` when the stored one
/// cannot be read.
pub async fn content_summary(
    pool: &PgPool,
    actor: &Actor,
    id: Uuid,
) -> Result<Option<attune_domain::dataset::TrainingContentSummary>, AppError> {
    Ok(serde_json::from_value(training_summary(pool, actor, id).await?).ok())
}

/// A job's records left out by its gate (first `limit`, in upload order).
pub async fn exclusions(
    pool: &PgPool,
    actor: &Actor,
    id: Uuid,
    limit: i64,
) -> Result<Vec<(String, Vec<attune_domain::dataset::GateReason>)>, AppError> {
    let mut conn = pool.acquire().await.context("failed to acquire a connection")?;
    attune_db::jobs::get(&mut conn, &actor.scope(), id).await?.ok_or(AppError::NotFound)?;
    let rows = attune_db::jobs::exclusions(&mut conn, id, limit).await?;
    Ok(rows.into_iter().map(|(record, reasons)| (record, serde_json::from_value(reasons).unwrap_or_default())).collect())
}

/// One reported step of a shard's training.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LossPoint {
    pub attempt: i32,
    pub step: i64,
    pub loss: f64,
}

/// A shard's loss curve.
#[derive(Debug, Clone, PartialEq)]
pub struct LossSeries {
    pub shard: i32,
    pub points: Vec<LossPoint>,
}

/// The loss curves of a job's shards: every reported step with a loss (at most the newest 2,000
/// per shard).
pub async fn loss_history(pool: &PgPool, actor: &Actor, id: Uuid) -> Result<Vec<LossSeries>, AppError> {
    let mut conn = pool.acquire().await.context("failed to acquire a connection")?;
    attune_db::jobs::get(&mut conn, &actor.scope(), id).await?.ok_or(AppError::NotFound)?;
    let rows = attune_db::shard_progress::job_history(&mut conn, id, 2000).await?;
    let mut out: Vec<LossSeries> = Vec::new();
    for (shard, attempt, _slice, step, loss) in rows {
        let Some(loss) = loss else { continue };
        let point = LossPoint { attempt, step, loss };
        match out.last_mut() {
            Some(series) if series.shard == shard => series.points.push(point),
            _ => out.push(LossSeries { shard, points: vec![point] }),
        }
    }
    Ok(out)
}

async fn audit_view(
    conn: &mut PgConnection,
    job: &JobRow,
    obligations: &[attune_db::job_obligations::ObligationRow],
) -> Result<Option<AuditView>, AppError> {
    if !job.audit_required {
        return Ok(None);
    }
    let fee = job.assessment.get("audit_fee").filter(|f| !f.is_null()).cloned();
    let approved = obligations.iter().any(|o| o.obligation_id == crate::job_review::REVIEW_OBLIGATION && o.status == "satisfied");
    let status = JobStatus::parse(&job.status).unwrap_or(JobStatus::Draft);
    let Some(pool_id) = job.audit_pool_id else {
        let status = match status {
            _ if approved => "approved",
            JobStatus::Audit => "open",
            JobStatus::ChangesRequested => "changes_requested",
            _ => "pending",
        };
        return Ok(Some(AuditView { status: status.into(), reviewer: "platform".into(), pool_id: None, pool: None, fee, rounds: vec![] }));
    };
    let pool = attune_db::pools::get(conn, pool_id).await?.map(|p| p.name);
    let rounds: Vec<crate::audit_tasks::TaskView> =
        attune_db::audit_tasks::for_job(conn, job.id).await?.into_iter().map(crate::audit_tasks::TaskView::from).collect();
    let status = rounds.last().map_or("pending", |t| t.status.as_str()).to_owned();
    Ok(Some(AuditView { status, reviewer: "pool".into(), pool_id: Some(pool_id), pool, fee, rounds }))
}
