//! What an auditor reads before deciding a task (`GET /api/v1/audit-tasks/{id}`): the assessment as
//! quoted with every rule that fired, the obligations, the filed documents, the dataset's gate with
//! the blocked and held records' opt-out evidence, the base model's provenance, the earlier rounds
//! and the pool's findings library.

use anyhow::Context;
use attune_domain::OrgScope;
use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::PgPool;
use uuid::Uuid;

use crate::Actor;
use crate::audit_tasks::{TaskView, auditable};
use crate::error::AppError;
use crate::pools::FindingView;

/// Everything an auditor reads before deciding.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TaskDetail {
    pub task: TaskView,
    /// Earlier rounds of the same job's review, oldest first.
    pub previous_rounds: Vec<TaskView>,
    pub job: JobEvidence,
    pub obligations: Vec<ObligationEvidence>,
    pub documents: Vec<DocumentEvidence>,
    pub dataset: DatasetEvidence,
    pub provenance: ProvenanceEvidence,
    /// The pool's shared findings, most used first.
    pub library: Vec<FindingView>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct JobEvidence {
    pub id: Uuid,
    pub status: String,
    pub risk_tier: String,
    pub method: String,
    #[schema(value_type = Object)]
    pub deployment: serde_json::Value,
    /// The assessment as quoted, with every rule that fired and the policy version.
    #[schema(value_type = Object)]
    pub assessment: serde_json::Value,
    pub accepted_records: i64,
    pub accepted_tokens: i64,
}

impl JobEvidence {
    /// The assessment as quoted, typed; `None` only if the stored snapshot cannot be read.
    pub fn assessed(&self) -> Option<attune_domain::compliance::Assessment> {
        serde_json::from_value(self.assessment.clone()).ok()
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ObligationEvidence {
    pub id: String,
    pub article: String,
    pub title: String,
    pub blocking: bool,
    pub status: String,
    pub satisfied_by: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DocumentEvidence {
    pub template: String,
    pub revision: i32,
    pub template_version: String,
    #[schema(value_type = Object)]
    pub fields: serde_json::Value,
    pub submitted_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DatasetEvidence {
    pub id: Uuid,
    pub name: String,
    pub manifest_sha256: String,
    pub total: i64,
    pub allowed: i64,
    pub blocked: i64,
    pub review: i64,
    pub pii_records: i64,
    pub special_category_records: i64,
    /// The gate for the job's jurisdictions and purpose.
    #[schema(value_type = Object)]
    pub gate: serde_json::Value,
    /// Records the gate blocked or held, with their reasons and opt-out evidence (first 50).
    pub flagged: Vec<FlaggedRecord>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FlaggedRecord {
    pub record_id: String,
    pub gate: String,
    pub source_url: Option<String>,
    #[schema(value_type = Object)]
    pub reasons: serde_json::Value,
    pub optout_status: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub optout: Option<serde_json::Value>,
    pub review_decision: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ProvenanceEvidence {
    pub model_id: Uuid,
    pub name: String,
    pub version: String,
    pub provider: String,
    pub licence: String,
    pub manifest_sha256: String,
    pub status: String,
    pub decided_at: Option<DateTime<Utc>>,
    pub anchor_tx_hash: Option<String>,
}

/// A task with its evidence (the pool's auditors and admins).
pub async fn get(pool: &PgPool, actor: &Actor, id: Uuid) -> Result<TaskDetail, AppError> {
    let mut conn = pool.acquire().await.context("failed to acquire a connection")?;
    let task = auditable(&mut conn, actor, id, false).await?;
    let job = attune_db::jobs::get(&mut conn, &OrgScope::Platform, task.job_id).await?.context("the task's job vanished")?;
    let previous_rounds = attune_db::audit_tasks::for_job(&mut conn, job.id)
        .await?
        .into_iter()
        .filter(|t| t.round < task.round)
        .map(TaskView::from)
        .collect();
    let obligations = attune_db::job_obligations::list(&mut conn, job.id)
        .await?
        .into_iter()
        .map(|o| ObligationEvidence {
            id: o.obligation_id,
            article: o.article,
            title: o.title,
            blocking: o.blocking,
            status: o.status,
            satisfied_by: o.satisfied_by,
        })
        .collect();
    let documents = attune_db::job_obligations::documents(&mut conn, job.id)
        .await?
        .into_iter()
        .map(|d| DocumentEvidence {
            template: d.template,
            revision: d.revision,
            template_version: d.template_version,
            fields: d.fields,
            submitted_at: d.submitted_at,
        })
        .collect();
    let dataset = attune_db::datasets::get(&mut conn, &OrgScope::Platform, job.dataset_id).await?.context("the job's dataset vanished")?;
    let counts = attune_db::datasets::gate_counts(&mut conn, dataset.id).await?;
    let mut flagged = Vec::new();
    for gate in ["blocked", "review"] {
        for r in attune_db::datasets::records(&mut conn, dataset.id, Some(gate), 0, 25).await? {
            flagged.push(FlaggedRecord {
                record_id: r.record_id,
                gate: r.gate,
                source_url: r.source_url,
                reasons: r.gate_reasons,
                optout_status: r.optout_status,
                optout: r.optout,
                review_decision: r.review_decision,
            });
        }
    }
    let model = attune_db::models::get(&mut conn, job.base_model_id).await?.context("the job's model vanished")?;
    let library = crate::pools::library(&mut conn, task.pool_id).await?;
    Ok(TaskDetail {
        task: task.into(),
        previous_rounds,
        job: JobEvidence {
            id: job.id,
            status: job.status,
            risk_tier: job.risk_tier,
            method: job.method,
            deployment: job.deployment,
            assessment: job.assessment,
            accepted_records: job.accepted_records,
            accepted_tokens: job.accepted_tokens,
        },
        obligations,
        documents,
        dataset: DatasetEvidence {
            id: dataset.id,
            name: dataset.name,
            manifest_sha256: dataset.manifest_sha256,
            total: counts.total,
            allowed: counts.allowed,
            blocked: counts.blocked,
            review: counts.review,
            pii_records: dataset.pii_records,
            special_category_records: dataset.special_category_records,
            gate: job.gate,
            flagged,
        },
        provenance: ProvenanceEvidence {
            model_id: model.id,
            name: model.name,
            version: model.version,
            provider: model.organization_name,
            licence: model.licence,
            manifest_sha256: model.manifest_sha256,
            status: model.provenance_status,
            decided_at: model.decided_at,
            anchor_tx_hash: model.anchor_tx_hash,
        },
        library,
    })
}
