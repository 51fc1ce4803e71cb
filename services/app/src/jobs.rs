//! Creating a fine-tune job: the dataset gate for the job's own jurisdictions and purpose, the
//! assessment on the records it accepted (their real token count), the training content summary,
//! and the obligations to satisfy — all in one transaction, replayed for a repeated Idempotency-Key.

use anyhow::Context;
use attune_db::dataset_gate::GateGroup;
use attune_domain::OrgKind;
use attune_domain::compliance::{AssessmentInput, Policy, RiskTier, assess as run_engine};
use attune_domain::data_policy::DataPolicy;
use attune_domain::dataset::{GateContext, GateVerdict, LicenceKind, ReviewDecision, gate_record};
use attune_domain::job::JobStatus;
use serde_json::json;
use sqlx::PgPool;
use uuid::Uuid;

use crate::Actor;
use crate::assessments::AssessmentRequest;
use crate::dataset_review::parse_status;
use crate::error::AppError;
use crate::idempotency::{self, IdempotencyKey};
use crate::job_lifecycle::{Transition, transition};
use crate::job_view::{JobView, load_view};

/// Obligations the platform meets itself when the job is created, and how.
const MET_ON_CREATION: [(&str, &str); 4] = [
    // The gate left out every web record a jurisdiction needs a licence for (UK) or that is reserved (EU).
    ("UK_TDM_LICENCE", "gate"),
    ("EU_TDM_OPTOUT", "gate"),
    // Attune's copyright policy: the data policy's scanner honours machine-readable reservations.
    ("AIA_ART53_COPYRIGHT_POLICY", "platform"),
    // Generated from the accepted records below.
    ("AIA_ART53_TRAINING_SUMMARY", "generated"),
];

pub struct CreatedJob {
    pub status_code: u16,
    pub body: serde_json::Value,
}

impl CreatedJob {
    /// The job's id; a replayed answer carries it in the body stored with the key.
    pub fn job_id(&self) -> Option<Uuid> {
        self.body.get("id").and_then(serde_json::Value::as_str).and_then(|id| id.parse().ok())
    }
}

#[tracing::instrument(skip_all, fields(model = %request.base_model_id))]
pub async fn create(
    pool: &PgPool,
    data_policy: &DataPolicy,
    agents: &[String],
    actor: &Actor,
    request: &AssessmentRequest,
    idempotency: Option<&IdempotencyKey>,
) -> Result<CreatedJob, AppError> {
    let Some(dataset_id) = request.dataset_id else {
        return Err(AppError::field("dataset_id", "is required to create a job"));
    };
    let mut tx = pool.begin().await.context("failed to begin job creation")?;
    if let Some((status_code, body)) = idempotency::replay(&mut tx, actor.organization_id, "jobs", idempotency).await? {
        return Ok(CreatedJob { status_code, body });
    }

    let model = attune_db::models::get(&mut tx, request.base_model_id)
        .await?
        .ok_or_else(|| AppError::field("base_model_id", "no such listed model"))?;
    if model.provenance_status != "verified" {
        return Err(AppError::conflict(
            "model-not-verified",
            format!("Only a verified base model can be fine-tuned; this one is {}.", model.provenance_status),
        ));
    }
    let policy = Policy::current().map_err(|e| AppError::Unexpected(anyhow::anyhow!("the compliance policy could not be loaded: {e}")))?;
    let licence = policy.licence_allows_commercial_finetuning(&model.licence);
    if !licence.known {
        return Err(AppError::refused("licence-unknown", Some("base_model_id"), licence.note.clone()));
    }
    if request.deployment.commercial && !licence.commercial_finetuning {
        return Err(AppError::refused(
            "licence-not-commercial",
            Some("deployment.commercial"),
            format!("The base model's licence ({}) does not allow fine-tuning for a commercial purpose. {}", model.licence, licence.note)
                .trim()
                .to_string(),
        ));
    }
    let dataset = attune_db::datasets::get(&mut tx, &actor.scope(), dataset_id)
        .await?
        .ok_or_else(|| AppError::field("dataset_id", "no such dataset"))?;
    if dataset.status != "ready" {
        return Err(AppError::conflict("dataset-not-ready", "The dataset's web records are still being scanned for opt-outs."));
    }
    let org = attune_db::organizations::get(&mut tx, actor.scope(), actor.organization_id).await?.ok_or(AppError::NotFound)?;
    let organization_kind: OrgKind = org.kind.parse().map_err(|e: String| AppError::Unexpected(anyhow::anyhow!(e)))?;

    let context = GateContext {
        jurisdictions: request.deployment.jurisdictions.iter().map(|j| j.trim().to_ascii_uppercase()).collect(),
        commercial: request.deployment.commercial,
        research_exception: data_policy.research_exception_applies(organization_kind, crate::organization_kind::verified(&org)),
        uk_optout_fallback: data_policy.uk_optout_fallback(),
    };
    let groups = attune_db::dataset_gate::gate_groups(&mut tx, dataset_id).await?;
    let judged = judge(&groups, &context)?;
    if judged.review > 0 {
        return Err(AppError::conflict(
            "records-awaiting-review",
            format!("{} records await a reviewer's decision on their opt-out status.", judged.review),
        ));
    }
    if judged.accepted_records == 0 {
        return Err(AppError::refused(
            "dataset-blocked",
            Some("dataset_id"),
            format!("The gate accepts none of the dataset's records for this deployment: {}.", judged.reason_summary()),
        ));
    }

    let facts = crate::assessments::base_model_facts(&model);
    // A review is priced at the organisation's pool's spread fee, or the platform's own review.
    let (audit_fee, audit_pool_id) = crate::pools::fee_for(&mut tx, actor.organization_id).await?;
    let input = AssessmentInput {
        model: &facts,
        method: request.method.clone(),
        hyperparameters: &request.hyperparameters,
        tokens: Some(judged.accepted_tokens),
        deployment: &request.deployment,
        organization_kind,
        dataset_has_personal_data: judged.pii_records > 0,
        dataset_has_special_category_data: judged.special_records > 0,
        measured_flops: None,
        audit_fee: Some(&audit_fee),
    };
    let assessment = run_engine(policy, &input)?;
    if assessment.risk_tier == RiskTier::Prohibited {
        let practices = assessment.reasons.iter().filter(|r| r.rule.starts_with("art5.")).map(|r| r.detail.as_str()).collect::<Vec<_>>();
        return Err(AppError::refused(
            "prohibited-practice",
            Some("deployment.prohibited_practices"),
            format!("A prohibited AI practice (AI Act Art. 5) is never fine-tuned here. {}", practices.join(" ")),
        ));
    }

    let id = Uuid::now_v7();
    let assessment_json = serde_json::to_value(&assessment).context("failed to encode the assessment")?;
    let gate_json = json!({
        "context": {"jurisdictions": context.jurisdictions, "commercial": context.commercial, "research_exception": context.research_exception,
                    "organization_kind": organization_kind, "kind_verified": crate::organization_kind::verified(&org)},
        "accepted": judged.accepted_records,
        "excluded": judged.excluded_records,
        "reasons": judged.reasons,
        "data_policy": data_policy.reference(),
        "licence": {"spdx": model.licence, "commercial_finetuning": licence.commercial_finetuning, "note": licence.note,
                    "policy": policy.reference()},
    });
    attune_db::jobs::insert(
        &mut tx,
        &attune_db::jobs::NewJob {
            id,
            organization_id: actor.organization_id,
            created_by: actor.user_id,
            base_model_id: model.id,
            dataset_id,
            status: JobStatus::Draft.as_str(),
            method: &request.method,
            hyperparameters: &serde_json::to_value(&request.hyperparameters).context("failed to encode hyperparameters")?,
            deployment: &serde_json::to_value(&request.deployment).context("failed to encode the deployment")?,
            assessment: &assessment_json,
            risk_tier: assessment.risk_tier.as_str(),
            audit_required: assessment.audit_required,
            quote_amount: &assessment.quote.amount.to_string(),
            policy_version: &assessment.policy.version,
            policy_sha256: &assessment.policy.sha256,
            gate: &gate_json,
            accepted_records: i64::try_from(judged.accepted_records).unwrap_or(i64::MAX),
            accepted_tokens: i64::try_from(judged.accepted_tokens).unwrap_or(i64::MAX),
            training_summary: &json!({}),
            audit_pool_id: audit_pool_id.filter(|_| assessment.audit_required),
        },
    )
    .await?;
    for (group, outcome) in &judged.excluded_groups {
        attune_db::jobs::exclude_group(&mut tx, id, dataset_id, group, &json!(outcome)).await?;
    }
    let excluded = judged.excluded_by_reason();
    let subject = crate::training_summary::SummarySubject {
        job_id: id,
        dataset: &dataset,
        base_model: &model.name,
        organization: &org.name,
        excluded: &excluded,
        agents,
    };
    let summary = crate::training_summary::generate(&mut tx, data_policy, &subject).await?;
    attune_db::jobs::set_accepted(
        &mut tx,
        id,
        i64::try_from(judged.accepted_records).unwrap_or(i64::MAX),
        i64::try_from(judged.accepted_tokens).unwrap_or(i64::MAX),
        &serde_json::to_value(&summary).context("failed to encode the training summary")?,
    )
    .await?;

    let obligations: Vec<attune_db::job_obligations::NewObligation<'_>> = assessment
        .obligations
        .iter()
        .map(|o| attune_db::job_obligations::NewObligation {
            obligation_id: &o.id,
            article: &o.article,
            title: &o.title,
            blocking: o.blocking,
            template: &o.template,
            satisfied_by: MET_ON_CREATION.iter().find(|(id, _)| *id == o.id).map(|(_, how)| *how),
        })
        .collect();
    attune_db::job_obligations::insert(&mut tx, id, &obligations).await?;

    attune_db::audit::append(
        &mut tx,
        &actor.audit_id(),
        "job.created",
        &format!("job:{id}"),
        &json!({"dataset_id": dataset_id, "base_model_id": model.id, "risk_tier": assessment.risk_tier, "policy": assessment.policy,
                "quote": assessment.quote.amount.to_string(), "gate": gate_json}),
    )
    .await?;
    for (from, to) in [(JobStatus::Draft, JobStatus::Assessed), (JobStatus::Assessed, JobStatus::AwaitingPayment)] {
        transition(&mut tx, &Transition { job_id: id, from, to, actor: Some(actor), detail: json!({}) }).await?;
    }

    let view: JobView = load_view(&mut tx, &actor.scope(), id).await?;
    let body = serde_json::to_value(&view).context("failed to encode the job")?;
    let (status_code, body) = (201, body);
    idempotency::remember(&mut tx, actor.organization_id, "jobs", idempotency, &(status_code, body.clone())).await?;
    tx.commit().await.context("failed to commit job creation")?;
    Ok(CreatedJob { status_code, body })
}

/// The gate applied to each group of records for one job.
struct Judged<'g> {
    accepted_records: u64,
    accepted_tokens: u64,
    pii_records: u64,
    special_records: u64,
    excluded_records: u64,
    review: u64,
    reasons: Vec<serde_json::Value>,
    excluded_groups: Vec<(&'g GateGroup, Vec<attune_domain::dataset::GateReason>)>,
}

impl Judged<'_> {
    fn excluded_by_reason(&self) -> Vec<(String, u64)> {
        let mut by = std::collections::BTreeMap::<String, u64>::new();
        for (group, reasons) in &self.excluded_groups {
            for r in reasons {
                *by.entry(r.code.clone()).or_default() += group.records.max(0) as u64;
            }
        }
        by.into_iter().collect()
    }

    fn reason_summary(&self) -> String {
        self.excluded_by_reason().iter().map(|(code, n)| format!("{n} × {code}")).collect::<Vec<_>>().join(", ")
    }
}

fn judge<'g>(groups: &'g [GateGroup], context: &GateContext) -> Result<Judged<'g>, AppError> {
    let mut judged = Judged {
        accepted_records: 0,
        accepted_tokens: 0,
        pii_records: 0,
        special_records: 0,
        excluded_records: 0,
        review: 0,
        reasons: Vec::new(),
        excluded_groups: Vec::new(),
    };
    for group in groups {
        let licence = LicenceKind::parse(&group.licence_kind).map_err(|e| anyhow::anyhow!("a stored licence kind is unknown: {e}"))?;
        let optout = group.optout_status.as_deref().and_then(parse_status);
        let review = group.review_decision.as_deref().and_then(|d| ReviewDecision::parse(d).ok());
        let outcome = gate_record(licence, optout, review, context);
        let records = group.records.max(0) as u64;
        judged.reasons.push(json!({
            "licence_kind": group.licence_kind, "optout_status": group.optout_status, "review_decision": group.review_decision,
            "records": records, "verdict": outcome.verdict, "reasons": outcome.reasons,
        }));
        match outcome.verdict {
            GateVerdict::Allowed => {
                judged.accepted_records += records;
                judged.accepted_tokens += group.tokens.max(0) as u64;
                judged.pii_records += group.pii_records.max(0) as u64;
                judged.special_records += group.special_records.max(0) as u64;
            }
            GateVerdict::Review => judged.review += records,
            GateVerdict::Blocked => {
                judged.excluded_records += records;
                judged.excluded_groups.push((group, outcome.reasons));
            }
        }
    }
    Ok(judged)
}
