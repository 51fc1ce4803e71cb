//! A job's assessment replayed under the policy version it was decided with: the same input, the
//! same rules, the same answer — or, given the compute the workers measured, the provider question
//! asked again (the larger of the estimate and the measurement decides). The aggregator uses both
//! before it issues the certificate.

use anyhow::Context;
use attune_db::jobs::JobRow;
use attune_domain::OrgKind;
use attune_domain::OrgScope;
use attune_domain::compliance::{Assessment, AssessmentInput, DeploymentContext, Hyperparameters, Policy, assess};
use attune_domain::pools::{AuditFee, PoolPolicy};
use sqlx::PgConnection;

use crate::error::AppError;

/// Replays `job`'s assessment under its own policy version; `measured_flops` is the compute the
/// workers reported, when training has reported it.
pub async fn replay(conn: &mut PgConnection, job: &JobRow, measured_flops: Option<f64>) -> Result<Assessment, AppError> {
    let deployment: DeploymentContext = serde_json::from_value(job.deployment.clone()).context("a stored deployment does not read back")?;
    replay_with(conn, job, measured_flops, &deployment).await
}

/// As [`replay`], with the deployment as it is now (reported usage) instead of as it was quoted.
pub async fn replay_with(
    conn: &mut PgConnection,
    job: &JobRow,
    measured_flops: Option<f64>,
    deployment: &DeploymentContext,
) -> Result<Assessment, AppError> {
    let policy = Policy::by_version(&job.policy_version)
        .ok_or_else(|| AppError::Unexpected(anyhow::anyhow!("job {} names policy {}, which this build lacks", job.id, job.policy_version)))?
        .map_err(|e| AppError::Unexpected(anyhow::anyhow!("the compliance policy could not be loaded: {e}")))?;
    if policy.reference().sha256 != job.policy_sha256 {
        return Err(AppError::Unexpected(anyhow::anyhow!(
            "job {} was decided under {} with sha256 {}, but this build's {} differs",
            job.id,
            job.policy_version,
            job.policy_sha256,
            job.policy_version
        )));
    }
    let model = attune_db::models::get(conn, job.base_model_id).await?.ok_or(AppError::NotFound)?;
    let org = attune_db::organizations::get(conn, OrgScope::Platform, job.organization_id).await?.ok_or(AppError::NotFound)?;
    let organization_kind: OrgKind = org.kind.parse().map_err(|e: String| AppError::Unexpected(anyhow::anyhow!(e)))?;
    let groups = attune_db::jobs::accepted_groups(conn, job.id, job.dataset_id).await?;
    let hyperparameters: Hyperparameters =
        serde_json::from_value(job.hyperparameters.clone()).context("stored hyperparameters do not read back")?;
    let facts = crate::assessments::base_model_facts(&model);
    let audit_fee = replayed_audit_fee(&job.assessment)?;
    let input = AssessmentInput {
        model: &facts,
        method: job.method.clone(),
        hyperparameters: &hyperparameters,
        tokens: Some(u64::try_from(job.accepted_tokens).unwrap_or(0)),
        deployment,
        organization_kind,
        dataset_has_personal_data: groups.iter().any(|g| g.pii_records > 0),
        dataset_has_special_category_data: groups.iter().any(|g| g.special_records > 0),
        measured_flops,
        audit_fee: audit_fee.as_ref(),
    };
    Ok(assess(policy, &input)?)
}

/// The audit fee of a stored assessment, recomputed from its basis (pool and member count, or the
/// platform's review) under the pools policy it names; `None` for an assessment priced before pools
/// (the compliance policy's flat fee).
pub fn replayed_audit_fee(stored: &serde_json::Value) -> Result<Option<AuditFee>, AppError> {
    let Some(raw) = stored.get("audit_fee").filter(|v| !v.is_null()) else { return Ok(None) };
    let fee: AuditFee = serde_json::from_value(raw.clone()).context("a stored audit fee does not read back")?;
    let policy = PoolPolicy::by_version(&fee.policy.version).ok_or_else(|| {
        AppError::Unexpected(anyhow::anyhow!("the audit fee names pools policy {}, which this build lacks", fee.policy.version))
    })?;
    Ok(Some(policy.recompute(&fee)))
}

/// Where a replay without measurements disagrees with the stored assessment (tier, role,
/// obligations); empty when it reproduces it.
pub fn differences(stored: &serde_json::Value, replayed: &Assessment) -> Vec<String> {
    let mut out = Vec::new();
    if stored["risk_tier"].as_str() != Some(replayed.risk_tier.as_str()) {
        out.push(format!("tier {} (stored {})", replayed.risk_tier, stored["risk_tier"]));
    }
    if stored["provider_role"].as_str() != Some(replayed.provider_role.as_str()) {
        out.push(format!("role {} (stored {})", replayed.provider_role, stored["provider_role"]));
    }
    let stored_ids: Vec<&str> = stored["obligations"].as_array().into_iter().flatten().filter_map(|o| o["id"].as_str()).collect();
    let replayed_ids: Vec<&str> = replayed.obligations.iter().map(|o| o.id.as_str()).collect();
    if stored_ids != replayed_ids {
        out.push(format!("obligations {replayed_ids:?} (stored {stored_ids:?})"));
    }
    if stored["quote"]["amount"].as_str() != Some(replayed.quote.amount.to_string().as_str()) {
        out.push(format!("quote {} (stored {})", replayed.quote.amount, stored["quote"]["amount"]));
    }
    out
}
