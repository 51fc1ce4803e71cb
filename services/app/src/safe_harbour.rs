//! Safe harbour (seed 002 §VI.D; DESIGN.md §7): per organisation and job, the conditions of the
//! pools policy — a verified base model, registration and review through the pool, shared audit
//! engaged, a remediation plan on file — each with its evidence. When all hold the job earns a
//! certificate (canonical JSON, anchored on chain as kind 4); when one stops holding (a lapsed or
//! ended membership, a document revised away) the certificate is marked lapsed, with why.

use anyhow::Context;
use attune_db::safe_harbour::CertificateRow;
use attune_domain::OrgScope;
use attune_domain::pools::{AuditTaskStatus, CertificateStatus, Condition, SafeHarbourFacts, evaluate};
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::json;
use sha2::{Digest, Sha256};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use crate::Actor;
use crate::error::AppError;
use crate::pools::policy;

/// The registry's kind for a safe-harbour certificate (API.md).
pub const ANCHOR_SAFE_HARBOUR_CERTIFICATE: u8 = 4;

pub fn anchor_subject(certificate_id: Uuid) -> String {
    format!("safe_harbour:{certificate_id}")
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SafeHarbourView {
    pub organization_id: Uuid,
    /// The job these conditions are for (the newest reviewed job unless one was asked for).
    pub job_id: Option<Uuid>,
    pub eligible: bool,
    #[schema(value_type = Vec<Object>)]
    pub conditions: Vec<Condition>,
    pub certificate: Option<CertificateView>,
    /// The pools policy the conditions come from.
    pub policy: String,
    /// The organisation's other candidate jobs and whether each qualifies.
    pub jobs: Vec<JobStanding>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct JobStanding {
    pub job_id: Uuid,
    pub eligible: bool,
    pub certificate_status: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = SafeHarbourCertificate)]
pub struct CertificateView {
    pub id: Uuid,
    pub status: String,
    pub sha256: String,
    pub issued_at: DateTime<Utc>,
    pub lapsed_at: Option<DateTime<Utc>>,
    pub lapse_reason: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub anchor: Option<serde_json::Value>,
    #[schema(value_type = Object)]
    pub body: serde_json::Value,
}

impl From<CertificateRow> for CertificateView {
    fn from(c: CertificateRow) -> Self {
        Self {
            anchor: c.anchor_tx_hash.map(|tx| json!({"tx_hash": tx, "block": c.anchor_block, "kind": ANCHOR_SAFE_HARBOUR_CERTIFICATE})),
            id: c.id,
            status: c.status,
            sha256: c.sha256,
            issued_at: c.issued_at,
            lapsed_at: c.lapsed_at,
            lapse_reason: c.lapse_reason,
            body: c.body,
        }
    }
}

/// Gathers the evidence for each condition of one job.
async fn facts(conn: &mut PgConnection, job: &attune_db::jobs::JobRow) -> anyhow::Result<SafeHarbourFacts> {
    let policy = policy()?;
    let model = attune_db::models::get(conn, job.base_model_id).await?.context("the job's model vanished")?;
    let verified_base_model = if model.provenance_status == "verified" {
        Ok(json!({"model_id": model.id, "name": model.name, "version": model.version, "manifest_sha256": model.manifest_sha256,
            "verified_at": model.decided_at, "anchor_tx_hash": model.anchor_tx_hash}))
    } else {
        Err(format!("the base model's provenance is {}, not verified", model.provenance_status))
    };
    let documents = attune_db::job_obligations::documents(conn, job.id).await?;
    let latest = |template: &str| documents.iter().filter(|d| d.template == template).max_by_key(|d| d.revision);
    let pool = match job.audit_pool_id {
        Some(id) => attune_db::pools::get(conn, id).await?,
        None => None,
    };
    let pool_registration = match (latest("registration"), &pool) {
        (Some(d), Some(p)) => Ok(json!({"template": "registration", "revision": d.revision, "submitted_at": d.submitted_at,
            "pool_id": p.id, "pool": p.name, "registry": "/registry"})),
        (None, _) => Err("no registration document is on file for the job".to_owned()),
        (Some(_), None) => Err("the job was not registered through an audit pool (its organisation was in none)".to_owned()),
    };
    let tasks = attune_db::audit_tasks::for_job(conn, job.id).await?;
    let pool_review = match tasks.iter().rev().find(|t| AuditTaskStatus::parse(&t.status) == Some(AuditTaskStatus::Approved)) {
        Some(t) => Ok(json!({"task_id": t.id, "pool_id": t.pool_id, "round": t.round, "auditor": t.auditor,
            "decided_at": t.decided_at, "turnaround_s": t.decided_at.map(|d| (d - t.created_at).num_seconds())})),
        None if pool.is_none() => Err("the job was not reviewed by an audit pool".to_owned()),
        None => Err("the pool's auditor has not approved the job yet".to_owned()),
    };
    let membership = attune_db::pools::membership(conn, job.organization_id).await?;
    let shared_audit_engaged = match membership {
        Some(m) => {
            let view = crate::pools::member_view(policy, &m, Utc::now());
            if view.lapsed {
                Err(format!("the organisation's membership lapsed on {}", view.lapses_at.format("%Y-%m-%d")))
            } else {
                Ok(json!({"pool_id": m.pool_id, "joined_at": m.joined_at, "lapses_at": view.lapses_at}))
            }
        }
        None => Err("the organisation is not a member of an audit pool".to_owned()),
    };
    let remediation_plan = match latest("remediation_plan") {
        Some(d) => Ok(json!({"template": "remediation_plan", "revision": d.revision, "submitted_at": d.submitted_at})),
        None => Err("no remediation plan is on file for the job".to_owned()),
    };
    Ok(SafeHarbourFacts { verified_base_model, pool_registration, pool_review, shared_audit_engaged, remediation_plan })
}

/// Re-evaluates one job: issues its certificate when every condition holds and none is in force,
/// lapses the one in force when a condition no longer holds. Returns the conditions.
pub(crate) async fn refresh(conn: &mut PgConnection, job_id: Uuid) -> anyhow::Result<Vec<Condition>> {
    let policy = policy()?;
    let job = attune_db::jobs::get(conn, &OrgScope::Platform, job_id).await?.context("the job vanished")?;
    let conditions = evaluate(policy.conditions(), &facts(conn, &job).await?);
    let all_met = conditions.iter().all(|c| c.met);
    let current = attune_db::safe_harbour::latest(conn, job_id)
        .await?
        .filter(|c| CertificateStatus::parse(&c.status) == Some(CertificateStatus::Active));
    match (all_met, current) {
        (true, None) => issue(conn, &job, &conditions).await?,
        (false, Some(c)) => {
            let failed: Vec<String> = conditions.iter().filter(|c| !c.met).map(|c| format!("{}: {}", c.title, missing(c))).collect();
            let reason = failed.join("; ");
            if attune_db::safe_harbour::lapse(conn, c.id, &reason).await? {
                attune_db::audit::append(
                    conn,
                    "system:safe_harbour",
                    "safe_harbour.lapsed",
                    &format!("job:{job_id}"),
                    &json!({"certificate": c.id, "reason": reason}),
                )
                .await?;
            }
        }
        _ => {}
    }
    Ok(conditions)
}

fn missing(c: &Condition) -> String {
    c.evidence["missing"].as_str().unwrap_or("no longer holds").to_owned()
}

async fn issue(conn: &mut PgConnection, job: &attune_db::jobs::JobRow, conditions: &[Condition]) -> anyhow::Result<()> {
    let policy = policy()?;
    let id = Uuid::new_v4();
    let org = attune_db::organizations::get(conn, OrgScope::Platform, job.organization_id).await?.context("the organisation vanished")?;
    let body = json!({
        "kind": "attune.safe_harbour_certificate",
        "version": 1,
        "id": id,
        "organization": {"id": org.id, "name": org.name, "country": org.country},
        "job": {"id": job.id, "risk_tier": job.risk_tier, "policy": job.policy_version},
        "status": "supplementary liability (seed 002 §VI.D): the fine-tuner took part in collective compliance",
        "conditions": conditions,
        "pools_policy": policy.reference(),
        "issued_at": Utc::now(),
    });
    let canonical = serde_jcs::to_string(&body).context("failed to canonicalise a safe-harbour certificate")?;
    let sha256 = hex::encode(Sha256::digest(canonical.as_bytes()));
    if attune_db::safe_harbour::insert(conn, id, job.id, job.organization_id, &body, &sha256).await? {
        crate::operator_txs::request_anchor(conn, &anchor_subject(id), &format!("0x{sha256}"), ANCHOR_SAFE_HARBOUR_CERTIFICATE).await?;
        attune_db::audit::append(
            conn,
            "system:safe_harbour",
            "safe_harbour.issued",
            &format!("job:{}", job.id),
            &json!({"certificate": id, "sha256": sha256}),
        )
        .await?;
    }
    Ok(())
}

/// Re-evaluates every certificate in force, so one whose condition ran out (a membership term that
/// ended) lapses without anyone reading it; how many lapsed.
pub async fn sweep(pool: &PgPool) -> anyhow::Result<usize> {
    let mut tx = pool.begin().await.context("failed to begin the safe-harbour sweep")?;
    let mut lapsed = 0;
    for job_id in attune_db::safe_harbour::jobs_in_force(&mut tx, 1000).await? {
        if !refresh(&mut tx, job_id).await?.iter().all(|c| c.met) {
            lapsed += 1;
        }
    }
    tx.commit().await.context("failed to commit the safe-harbour sweep")?;
    Ok(lapsed)
}

/// Lapses every certificate of an organisation (it left its pool).
pub(crate) async fn lapse_for_organization(conn: &mut PgConnection, organization_id: Uuid, reason: &str) -> anyhow::Result<()> {
    for c in attune_db::safe_harbour::active_for_organization(conn, organization_id).await? {
        if attune_db::safe_harbour::lapse(conn, c.id, reason).await? {
            attune_db::audit::append(
                conn,
                "system:safe_harbour",
                "safe_harbour.lapsed",
                &format!("job:{}", c.job_id),
                &json!({"certificate": c.id, "reason": reason}),
            )
            .await?;
        }
    }
    Ok(())
}

/// An organisation's safe-harbour standing (its members and admins; another organisation's is a
/// 404). Conditions are re-evaluated on reading, so a membership whose term ran out lapses the
/// certificate here too.
pub async fn standing(pool: &PgPool, actor: &Actor, organization_id: Uuid, job_id: Option<Uuid>) -> Result<SafeHarbourView, AppError> {
    let visible = actor.organization_id == organization_id || actor.has_role(attune_domain::PlatformRole::Admin);
    if !visible {
        return Err(AppError::NotFound);
    }
    let mut tx = pool.begin().await.context("failed to begin a safe-harbour reading")?;
    let mut candidates = attune_db::safe_harbour::candidate_jobs(&mut tx, organization_id, 20).await?;
    let chosen = match job_id {
        Some(id) if candidates.contains(&id) => Some(id),
        Some(id) => {
            // An older job of the organisation, past the twenty newest.
            let job = attune_db::jobs::get(&mut tx, &OrgScope::Platform, id).await?;
            if job.is_none_or(|j| j.organization_id != organization_id) {
                return Err(AppError::field("job_id", "no such job of this organisation"));
            }
            candidates.push(id);
            Some(id)
        }
        None => candidates.first().copied(),
    };
    let mut jobs = Vec::new();
    let mut conditions = Vec::new();
    let mut certificate = None;
    for id in &candidates {
        let c = refresh(&mut tx, *id).await?;
        let cert = attune_db::safe_harbour::latest(&mut tx, *id).await?;
        jobs.push(JobStanding {
            job_id: *id,
            eligible: c.iter().all(|x| x.met),
            certificate_status: cert.as_ref().map(|x| x.status.clone()),
        });
        if Some(*id) == chosen {
            conditions = c;
            certificate = cert.map(CertificateView::from);
        }
    }
    if chosen.is_none() {
        // No job yet: the conditions, each unmet, say what a first job needs.
        conditions = evaluate(policy()?.conditions(), &no_job_facts());
    }
    tx.commit().await.context("failed to commit a safe-harbour reading")?;
    Ok(SafeHarbourView {
        organization_id,
        job_id: chosen,
        eligible: !conditions.is_empty() && conditions.iter().all(|c| c.met),
        conditions,
        certificate,
        policy: policy()?.reference().version.clone(),
        jobs,
    })
}

fn no_job_facts() -> SafeHarbourFacts {
    let none = || Err("the organisation has no fine-tune job yet".to_owned());
    SafeHarbourFacts {
        verified_base_model: none(),
        pool_registration: none(),
        pool_review: none(),
        shared_audit_engaged: none(),
        remediation_plan: none(),
    }
}
