//! Aggregation (DESIGN.md §5): when every shard of a job has trained, the job's model is the SISA
//! ensemble of the shard adapters. One transaction per job: the fine-tune certificate is built from
//! what was delivered and stored, its anchor (registry kind 2) and the escrow's release are asked of
//! the operator, the provider question is asked again with the measured compute, and the job is
//! `completed` (the buyer is mailed by the transition). The watcher marks the payment `released`
//! when the release is on chain; the operator desk records the anchor.
//!
//! Several replicas may run it: a job is taken with `FOR UPDATE SKIP LOCKED`.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use attune_domain::OrgScope;
use attune_domain::job::JobStatus;
use attune_domain::sisa::certificate::{
    AdapterRef, BaseModelRef, CERTIFICATE_FORMAT, Certificate, DatasetRef, ENSEMBLE_RULE, ShardEntry, recheck_provider,
};
use chrono::Utc;
use serde_json::json;
use sqlx::{PgConnection, PgPool};
use tokio::sync::{Notify, watch};
use uuid::Uuid;

use crate::error::AppError;
use crate::job_lifecycle::{Transition, transition};

pub struct Aggregation {
    pool: PgPool,
    screening: Arc<crate::screening::ScreeningService>,
    wake: Arc<Notify>,
}

impl Aggregation {
    pub fn new(pool: PgPool, screening: Arc<crate::screening::ScreeningService>) -> Self {
        Self { pool, screening, wake: Arc::new(Notify::new()) }
    }

    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Aggregates the oldest job waiting for it; `None` when none waits.
    #[tracing::instrument(skip_all)]
    pub async fn try_aggregate_next(&self) -> Result<Option<Uuid>, AppError> {
        let mut tx = self.pool.begin().await.context("failed to begin aggregating")?;
        let Some(job_id) = attune_db::certificates::next_aggregating(&mut tx).await? else {
            return Ok(None);
        };
        aggregate(&mut tx, &self.screening, job_id).await?;
        tx.commit().await.context("failed to commit an aggregation")?;
        Ok(Some(job_id))
    }

    /// The background loop: woken by completions, and looking every few seconds.
    pub async fn run(self: Arc<Self>, mut shutdown: watch::Receiver<bool>) {
        loop {
            loop {
                match self.try_aggregate_next().await {
                    Ok(Some(job)) => tracing::info!(job = %job, "aggregated a job"),
                    Ok(None) => break,
                    Err(e) => {
                        tracing::error!(error = %e, "aggregating a job failed");
                        break;
                    }
                }
            }
            // Erasures move on as the jobs they retrain are certified again.
            if let Err(e) = crate::erasure_retrain::advance(&self.pool).await {
                tracing::error!(error = %e, "advancing erasure requests failed");
            }
            tokio::select! {
                _ = self.wake.notified() => {}
                _ = tokio::time::sleep(Duration::from_secs(3)) => {}
                _ = shutdown.changed() => return,
            }
        }
    }
}

fn text(v: &serde_json::Value, pointer: &str) -> String {
    v.pointer(pointer).and_then(|x| x.as_str()).unwrap_or_default().to_owned()
}

/// Builds, stores and anchors the certificate of a locked `aggregating` job and completes it.
async fn aggregate(conn: &mut PgConnection, screening: &crate::screening::ScreeningService, job_id: Uuid) -> Result<(), AppError> {
    let job = attune_db::jobs::get(conn, &OrgScope::Platform, job_id).await?.ok_or(AppError::NotFound)?;
    let status = JobStatus::parse(&job.status).ok_or_else(|| AppError::Unexpected(anyhow::anyhow!("unknown job status")))?;
    if status != JobStatus::Aggregating {
        return Ok(());
    }
    let model = attune_db::models::get(conn, job.base_model_id).await?.ok_or(AppError::NotFound)?;
    let dataset = attune_db::datasets::get(conn, &OrgScope::Platform, job.dataset_id).await?.ok_or(AppError::NotFound)?;
    let shards = attune_db::shard_runs::shards(conn, job_id).await?;
    let delivered = attune_db::certificates::delivered(conn, job_id).await?;
    let payment = attune_db::payments::get(conn, job_id).await?;

    let mut entries = Vec::with_capacity(shards.len());
    for s in &shards {
        let files: Vec<_> = delivered.iter().filter(|d| d.shard_index == s.shard_index).collect();
        let Some(first) = files.first() else {
            return Err(AppError::Unexpected(anyhow::anyhow!("shard {} of job {job_id} delivered no artifact", s.shard_index)));
        };
        entries.push(ShardEntry {
            index: u32::try_from(s.shard_index).unwrap_or(0),
            records: u64::try_from(s.records).unwrap_or(0),
            slices: u32::try_from(s.slice_sizes.len()).unwrap_or(0),
            merkle_root: s.merkle_root.clone(),
            adapters: files
                .iter()
                .map(|d| AdapterRef { name: d.name.clone(), sha256: d.sha256.clone(), size: u64::try_from(d.size).unwrap_or(0) })
                .collect(),
            tokens: u64::try_from(first.tokens).unwrap_or(0),
            flops: first.flops,
            attempts: u32::try_from(first.attempt).unwrap_or(0),
        });
    }
    let flops_measured: f64 = entries.iter().map(|e| e.flops).sum();
    let tokens: u64 = entries.iter().map(|e| e.tokens).sum();
    let a = &job.assessment;
    // The assessment replayed under its own policy version: first as it was decided (an auditor's
    // check that it reproduces), then with the compute the workers measured.
    let as_decided = crate::compliance_replay::replay(conn, &job, None).await?;
    let differences = crate::compliance_replay::differences(a, &as_decided);
    if !differences.is_empty() {
        attune_db::chain::raise_alert(conn, "assessment_replay_mismatch", &format!("job:{job_id}"), &json!({"differences": differences}))
            .await?;
    }
    let measured = crate::compliance_replay::replay(conn, &job, Some(flops_measured)).await?;
    let mut recheck = recheck_provider(
        as_decided.flops.estimate,
        measured.flops.threshold,
        a.pointer("/flops/substantial_modification").and_then(serde_json::Value::as_bool).unwrap_or(false),
        flops_measured,
    );
    if let Some(roles) = &measured.roles {
        // Policy v2: provider status is the two roles with the larger of estimate and measurement.
        recheck.changed = measured.provider_role.as_str() != text(a, "/provider_role");
        recheck.detail = roles.gpai_provider.reasons.iter().map(|r| r.detail.as_str()).collect::<Vec<_>>().join(" ");
        recheck.roles = Some(roles.clone());
    }
    // The sign-off of the review, when the job had one (an admin's until audit pools exist).
    let audit = match attune_db::jobs::last_review(conn, job_id).await? {
        Some((review, at)) if review["decision"] == "approve" => {
            json!({"decision": "approve", "by": review["review"], "reviewer": review["reviewer"], "notes": review["notes"], "at": at})
        }
        _ => serde_json::Value::Null,
    };
    let previous = attune_db::certificates::current(conn, job_id).await?;
    let version = previous.as_ref().map_or(1, |p| p.version + 1);
    let certificate = Certificate {
        format: CERTIFICATE_FORMAT.into(),
        job_id: job_id.to_string(),
        version: u32::try_from(version).unwrap_or(1),
        organization_id: job.organization_id.to_string(),
        issued_at: Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        base_model: BaseModelRef {
            id: model.id.to_string(),
            name: model.name.clone(),
            version: model.version.clone(),
            manifest_sha256: model.manifest_sha256.clone(),
            parameter_count: u64::try_from(model.parameter_count).unwrap_or(0),
        },
        dataset: DatasetRef {
            id: dataset.id.to_string(),
            manifest_sha256: dataset.manifest_sha256.clone(),
            records: u64::try_from(job.accepted_records).unwrap_or(0),
        },
        method: job.method.clone(),
        shards: entries,
        ensemble: ENSEMBLE_RULE.into(),
        flops_measured,
        tokens,
        flops_formula: "6·N·T per shard: N all parameters (frozen base included, whose gradients the trainer computes), T tokens processed"
            .into(),
        provider_recheck: recheck.clone(),
        assessment: json!({"risk_tier": job.risk_tier, "provider_role": text(a, "/provider_role"),
            "policy": {"version": job.policy_version, "sha256": job.policy_sha256}}),
        audit,
        payment: match &payment {
            Some(p) => json!({"chain_id": p.chain_id, "escrow": p.escrow_address, "job_ref": p.job_ref, "amount": p.amount,
                "token": p.token_address, "funding_tx": p.funded_tx}),
            None => serde_json::Value::Null,
        },
        supersedes_sha256: previous.map(|p| p.sha256),
    };
    let (_, sha256) = certificate.canonical().map_err(|e| AppError::Unexpected(anyhow::anyhow!(e)))?;
    let body = serde_json::to_value(&certificate).context("failed to encode the certificate")?;
    attune_db::certificates::insert(conn, job_id, version, &body, &sha256).await?;
    crate::operator_txs::request_anchor(
        conn,
        &crate::operator_txs::certificate_anchor_subject(job_id, version),
        &format!("0x{sha256}"),
        crate::operator_txs::ANCHOR_FINETUNE_CERTIFICATE,
    )
    .await?;
    attune_db::audit::append(
        conn,
        "system:aggregation",
        "job.certificate_issued",
        &format!("job:{job_id}"),
        &json!({"version": version, "sha256": sha256, "flops_measured": flops_measured, "provider_recheck": recheck}),
    )
    .await?;
    if recheck.changed {
        attune_db::chain::raise_alert(conn, "provider_status_changed", &format!("job:{job_id}"), &json!({"recheck": recheck})).await?;
    }
    // The payout: only a cleared payment, and only when no payee's wallet is listed now (else a
    // case holds the release for the admins, as with an admin's release).
    let release = match &payment {
        Some(p) if p.status == "cleared" => {
            if crate::screening::screen_payees_before_release(conn, p, screening).await? {
                crate::operator_txs::request_for_job(conn, "release", job_id, &p.job_ref).await?;
                "requested"
            } else {
                "held: a payee's wallet is listed; a case awaits the admins"
            }
        }
        Some(p) if p.status == "released" => "already released: a new version of a paid job (an erasure's retraining)",
        Some(_) => "held: the payment is not cleared",
        None => "held: the job has no payment",
    };
    attune_db::audit::append(
        conn,
        "system:aggregation",
        "payment.release_after_training",
        &format!("job:{job_id}"),
        &json!({"release": release}),
    )
    .await?;
    transition(
        conn,
        &Transition {
            job_id,
            from: JobStatus::Aggregating,
            to: JobStatus::Completed,
            actor: None,
            detail: json!({"reason": "every shard's adapter delivered and the certificate issued", "release": release,
                "certificate_sha256": sha256, "version": version}),
        },
    )
    .await?;
    Ok(())
}
