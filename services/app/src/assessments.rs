//! The deployment-risk assessment: a dry run of the compliance engine (nothing is stored).

use anyhow::Context;
use attune_domain::OrgKind;
use attune_domain::compliance::{
    Assessment, AssessmentInput, BaseModelFacts, DeploymentContext, Hyperparameters, Policy, assess as run_engine,
};
use sqlx::PgPool;
use uuid::Uuid;

use crate::Actor;
use crate::error::AppError;

pub struct AssessmentRequest {
    pub base_model_id: Uuid,
    pub dataset_id: Option<Uuid>,
    pub method: String,
    pub hyperparameters: Hyperparameters,
    pub deployment: DeploymentContext,
}

/// Assesses a fine-tune of any listed model for the caller's organisation.
#[tracing::instrument(skip_all, fields(model = %request.base_model_id))]
pub async fn assess(pool: &PgPool, actor: &Actor, request: &AssessmentRequest) -> Result<Assessment, AppError> {
    let mut conn = pool.acquire().await.context("failed to acquire a connection")?;
    let model = attune_db::models::get(&mut conn, request.base_model_id)
        .await?
        .ok_or_else(|| AppError::field("base_model_id", "no such listed model"))?;
    // With a dataset, its real token count and whether it holds personal data replace the estimate.
    let dataset = match request.dataset_id {
        Some(id) => Some(
            attune_db::datasets::get(&mut conn, &actor.scope(), id)
                .await?
                .ok_or_else(|| AppError::field("dataset_id", "no such dataset"))?,
        ),
        None => None,
    };
    let org = attune_db::organizations::get(&mut conn, actor.scope(), actor.organization_id).await?.ok_or(AppError::NotFound)?;
    let organization_kind: OrgKind = org.kind.parse().map_err(|e: String| AppError::Unexpected(anyhow::anyhow!(e)))?;
    let (audit_fee, _) = crate::pools::fee_for(&mut conn, actor.organization_id).await?;
    drop(conn);
    let facts = base_model_facts(&model);
    let input = AssessmentInput {
        model: &facts,
        method: request.method.clone(),
        hyperparameters: &request.hyperparameters,
        tokens: dataset.as_ref().map(|d| d.token_count.max(0) as u64),
        deployment: &request.deployment,
        organization_kind,
        dataset_has_personal_data: dataset.as_ref().is_some_and(|d| d.pii_records > 0),
        dataset_has_special_category_data: dataset.as_ref().is_some_and(|d| d.special_category_records > 0),
        measured_flops: None,
        audit_fee: Some(&audit_fee),
    };
    let policy = Policy::current().map_err(|e| AppError::Unexpected(anyhow::anyhow!("the compliance policy could not be loaded: {e}")))?;
    Ok(run_engine(policy, &input)?)
}

/// What the engine needs to know of a listed model.
pub(crate) fn base_model_facts(model: &attune_db::models::ModelRow) -> BaseModelFacts {
    BaseModelFacts {
        parameter_count: u64::try_from(model.parameter_count).unwrap_or(0),
        training_flops: model.training_flops,
        intended_uses: model.intended_uses.clone(),
        systemic_risk_designated: model.systemic_risk,
        licence_fee: u128::try_from(model.licence_fee).unwrap_or(0),
        architecture: model.architecture.clone(),
    }
}
