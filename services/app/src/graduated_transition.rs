//! The graduated transition (seed 002 §VI.C; DESIGN.md §7): a member reports a deployment's usage
//! (`POST /api/v1/jobs/{id}/indicators`); the job's assessment is replayed under its own policy with
//! that usage, and when the deployment crosses into a higher tier the obligations the new tier
//! brings phase in with due dates from `policy/transition-v1.toml` — documentation first, then the
//! assessments, then monitoring — instead of at once (an obligation that only gates dispatch, the
//! pool review, is not phased in after the fact). The buyer is mailed the schedule, reminded
//! before each due date and once it has passed; overdue obligations show on the job and to admins.

use std::time::Duration;

use anyhow::Context;
use attune_domain::compliance::DeploymentContext;
use attune_domain::job::JobStatus;
use attune_domain::notification::OutgoingEmail;
use attune_domain::transition::TransitionPolicy;
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::json;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use crate::Actor;
use crate::error::AppError;

/// Reported usage beyond this is not a number a deployment reports.
const MAX_MONTHLY: u64 = 1_000_000_000_000;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct IndicatorsView {
    /// The deployment's tier under the reported usage.
    pub risk_tier: String,
    pub previous_risk_tier: String,
    pub changed: bool,
    /// The obligations this report phased in, each with its phase and due date.
    pub obligations: Vec<PhasedView>,
    pub transition: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PhasedView {
    pub id: String,
    pub title: String,
    pub article: String,
    pub phase: String,
    pub due_at: DateTime<Utc>,
}

fn transition_policy() -> anyhow::Result<&'static TransitionPolicy> {
    TransitionPolicy::current().map_err(|e| anyhow::anyhow!("the transition policy could not be loaded: {e}"))
}

/// Records a usage report and phases in what a higher tier brings.
#[tracing::instrument(skip_all, fields(job = %job_id))]
pub async fn report(
    pool: &PgPool,
    actor: &Actor,
    job_id: Uuid,
    monthly_users: u64,
    monthly_queries: u64,
) -> Result<IndicatorsView, AppError> {
    if monthly_users > MAX_MONTHLY {
        return Err(AppError::field("monthly_users", "must be at most 10^12"));
    }
    if monthly_queries > MAX_MONTHLY {
        return Err(AppError::field("monthly_queries", "must be at most 10^12"));
    }
    let transition = transition_policy()?;
    let mut tx = pool.begin().await.context("failed to begin a usage report")?;
    let job = attune_db::jobs::get_for_update(&mut tx, &actor.scope(), job_id).await?.ok_or(AppError::NotFound)?;
    let status = JobStatus::parse(&job.status).context("a stored job status is unknown")?;
    if matches!(status, JobStatus::Cancelled | JobStatus::CancelRequested | JobStatus::Refunded) {
        return Err(AppError::conflict(
            "wrong-state",
            format!("A job that is {} has no deployment to report on.", status.label().to_lowercase()),
        ));
    }
    let mut deployment: DeploymentContext =
        serde_json::from_value(job.deployment.clone()).context("a stored deployment does not read back")?;
    deployment.expected_monthly_users = monthly_users;
    deployment.monthly_queries = monthly_queries;
    let replayed = crate::compliance_replay::replay_with(&mut tx, &job, None, &deployment).await?;
    let before = attune_db::graduated::deployed_tier(&mut tx, job_id).await?.unwrap_or_else(|| job.risk_tier.clone());
    let after = replayed.risk_tier.as_str().to_owned();
    let existing: Vec<String> = attune_db::job_obligations::list(&mut tx, job_id).await?.into_iter().map(|o| o.obligation_id).collect();
    let now = Utc::now();
    let mut phased = Vec::new();
    for o in replayed.obligations.iter().filter(|o| !existing.contains(&o.id) && transition.phases_in(&o.id)) {
        let phase = transition.phase_for(&o.id);
        let due_at = now + chrono::Duration::days(i64::from(phase.due_days));
        let added = attune_db::graduated::insert_phased(
            &mut tx,
            job_id,
            &attune_db::graduated::PhasedObligation {
                obligation_id: &o.id,
                article: &o.article,
                title: &o.title,
                blocking: o.blocking,
                template: &o.template,
                phase: &phase.id,
                due_at,
            },
        )
        .await?;
        if added {
            phased.push(PhasedView {
                id: o.id.clone(),
                title: o.title.clone(),
                article: o.article.clone(),
                phase: phase.id.clone(),
                due_at,
            });
        }
    }
    attune_db::graduated::set_deployed_tier(&mut tx, job_id, &after).await?;
    let phased_json = json!(phased.iter().map(|p| json!({"id": p.id, "phase": p.phase, "due_at": p.due_at})).collect::<Vec<_>>());
    attune_db::graduated::insert_report(
        &mut tx,
        &attune_db::graduated::NewReport {
            job_id,
            monthly_users: i64::try_from(monthly_users).unwrap_or(i64::MAX),
            monthly_queries: i64::try_from(monthly_queries).unwrap_or(i64::MAX),
            tier_before: &before,
            tier_after: &after,
            phased: &phased_json,
            policy_version: &job.policy_version,
            transition_version: transition.version(),
            reported_by: actor.user_id,
        },
    )
    .await?;
    let detail = json!({"event": "usage_reported", "monthly_users": monthly_users, "monthly_queries": monthly_queries,
        "tier_before": before, "tier_after": after, "phased": phased_json, "transition": transition.version()});
    attune_db::jobs::insert_event(
        &mut tx,
        &attune_db::jobs::NewEvent {
            job_id,
            kind: "obligation",
            from_status: None,
            to_status: None,
            actor_id: Some(actor.user_id),
            detail: &detail,
        },
    )
    .await?;
    attune_db::audit::append(&mut tx, &actor.audit_id(), "job.usage_reported", &format!("job:{job_id}"), &detail).await?;
    if !phased.is_empty() {
        schedule_mail(&mut tx, job_id, &before, &after, &phased).await?;
    }
    tx.commit().await.context("failed to commit a usage report")?;
    Ok(IndicatorsView {
        changed: before != after,
        risk_tier: after,
        previous_risk_tier: before,
        obligations: phased,
        transition: transition.version().to_owned(),
    })
}

async fn schedule_mail(conn: &mut PgConnection, job_id: Uuid, before: &str, after: &str, phased: &[PhasedView]) -> anyhow::Result<()> {
    let Some((email, name)) = attune_db::jobs::creator_email(conn, job_id).await? else { return Ok(()) };
    let lines: Vec<String> =
        phased.iter().map(|p| format!("- {} ({}): {} phase, due {}", p.title, p.article, p.phase, p.due_at.format("%Y-%m-%d"))).collect();
    let mail = OutgoingEmail {
        to: email,
        subject: "Attune: your deployment's usage brings new obligations, phased in".into(),
        text: format!(
            "Hello {name},\n\nthe usage you reported for job {job_id} places the deployment in the {after} tier (it was {before}). \
             The obligations that tier brings phase in rather than apply at once:\n\n{}\n\nWe will remind you before each date. \
             See the job's page (/jobs/{job_id}) to file the documents.\n\n— Attune\n",
            lines.join("\n")
        ),
        html: None,
    };
    attune_db::outbox::enqueue(conn, "email", &serde_json::to_value(&mail).context("failed to encode mail")?).await?;
    Ok(())
}

/// Sends the reminders that are due (one replica at a time); how many went out.
pub async fn send_reminders(pool: &PgPool) -> anyhow::Result<usize> {
    let transition = transition_policy()?;
    let days: Vec<i32> = transition.reminder_days_before().iter().map(|d| i32::try_from(*d).unwrap_or(i32::MAX)).collect();
    let mut tx = pool.begin().await.context("failed to begin reminders")?;
    if !attune_db::graduated::try_reminder_lock(&mut tx).await? {
        return Ok(0);
    }
    let due = attune_db::graduated::reminders_due(&mut tx, &days, 200).await?;
    let now = Utc::now();
    let mut sent = 0;
    for d in due {
        // One mail for the latest stage reached: a pass that comes late does not send the ones it missed.
        let overdue = d.due_at <= now;
        let reached = days.iter().filter(|days| now >= d.due_at - chrono::Duration::days(i64::from(**days))).count() + usize::from(overdue);
        let passed = i32::try_from(reached).unwrap_or(i32::MAX);
        if !attune_db::graduated::mark_reminded(&mut tx, d.job_id, &d.obligation_id, d.reminders_sent, passed).await? {
            continue;
        }
        let mail = OutgoingEmail {
            to: d.email.clone(),
            subject: if overdue {
                format!("Attune: overdue — {}", d.title)
            } else {
                format!("Attune: due {} — {}", d.due_at.format("%Y-%m-%d"), d.title)
            },
            text: format!(
                "Hello {},\n\n{} ({}) for job {} {} on {}. It phased in when the deployment's reported usage moved it into a higher tier.\n\n\
                 File it on the job's page: /jobs/{}\n\n— Attune\n",
                d.name,
                d.title,
                d.article,
                d.job_id,
                if overdue { "was due" } else { "is due" },
                d.due_at.format("%Y-%m-%d"),
                d.job_id
            ),
            html: None,
        };
        attune_db::outbox::enqueue(&mut tx, "email", &serde_json::to_value(&mail).context("failed to encode mail")?).await?;
        sent += 1;
    }
    tx.commit().await.context("failed to commit reminders")?;
    Ok(sent)
}

/// The compliance upkeep of a replica: obligation reminders, and the safe-harbour certificates whose
/// conditions ran out while nobody was looking (a membership term that ended).
pub async fn run_upkeep(pool: PgPool, every: Duration, mut shutdown: tokio::sync::watch::Receiver<bool>) {
    loop {
        match send_reminders(&pool).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(reminders = n, "obligation reminders sent"),
            Err(e) => tracing::warn!(error = ?e, "sending obligation reminders failed"),
        }
        match crate::safe_harbour::sweep(&pool).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(lapsed = n, "safe-harbour certificates lapsed"),
            Err(e) => tracing::warn!(error = ?e, "the safe-harbour sweep failed"),
        }
        tokio::select! {
            () = tokio::time::sleep(every) => {}
            _ = shutdown.changed() => return,
        }
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OverdueView {
    pub job_id: Uuid,
    pub organization_id: Uuid,
    pub organization: String,
    pub obligation_id: String,
    pub title: String,
    pub phase: String,
    pub due_at: DateTime<Utc>,
}

/// Phased obligations past their due date, across organisations (admin).
pub async fn overdue(pool: &PgPool, actor: &Actor) -> Result<Vec<OverdueView>, AppError> {
    actor.admin_scope()?;
    let mut conn = pool.acquire().await.context("failed to acquire a connection")?;
    Ok(attune_db::graduated::overdue(&mut conn, 500)
        .await?
        .into_iter()
        .map(|d| OverdueView {
            job_id: d.job_id,
            organization_id: d.organization_id,
            organization: d.organization,
            obligation_id: d.obligation_id,
            title: d.title,
            phase: d.phase,
            due_at: d.due_at,
        })
        .collect())
}
