//! Audit tasks (DESIGN.md §7): a paid job whose obligations include the pool review gets a task in
//! its organisation's pool when it enters `audit`; an auditor of that pool claims it, reads the
//! evidence (assessment, dataset gate and opt-out evidence, documents, provenance) and approves —
//! the `POOL_REVIEW` obligation is satisfied and the job moves on to the queue — or requests changes
//! with findings, which sends the job back to the buyer; a revised document opens the next round.
//! Findings go into the pool's shared library, where auditors reuse them. Turnaround is the time
//! from a task's opening to its decision.

use anyhow::Context;
use attune_db::audit_tasks::TaskRow;
use attune_domain::OrgScope;
use attune_domain::job::JobStatus;
use attune_domain::notification::OutgoingEmail;
use attune_domain::pools::AuditTaskStatus;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use crate::Actor;
use crate::chain::Chain;
use crate::error::AppError;
use crate::job_lifecycle::{Transition, advance_paid, transition};
use crate::job_review::{Decision, REVIEW_OBLIGATION};
use crate::pools::audits;

const SEVERITIES: [&str; 4] = ["info", "minor", "major", "critical"];

/// A stored task's status as its type.
fn status_of(task: &TaskRow) -> Result<AuditTaskStatus, AppError> {
    AuditTaskStatus::parse(&task.status)
        .ok_or_else(|| AppError::Unexpected(anyhow::anyhow!("a stored task status is unknown: {}", task.status)))
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TaskView {
    pub id: Uuid,
    pub job_id: Uuid,
    pub pool_id: Uuid,
    pub round: i32,
    pub status: String,
    pub organization: String,
    pub risk_tier: String,
    /// The auditor who claimed it (their user id and name).
    pub claimed_by: Option<Uuid>,
    pub auditor: Option<String>,
    pub claimed_at: Option<DateTime<Utc>>,
    pub decided_at: Option<DateTime<Utc>>,
    /// Seconds from opening to decision, once decided.
    pub turnaround_s: Option<i64>,
    pub notes: Option<String>,
    #[schema(value_type = Vec<Object>)]
    pub findings: serde_json::Value,
    pub created_at: DateTime<Utc>,
}

impl From<TaskRow> for TaskView {
    fn from(t: TaskRow) -> Self {
        Self {
            turnaround_s: t.decided_at.map(|d| (d - t.created_at).num_seconds()),
            id: t.id,
            job_id: t.job_id,
            pool_id: t.pool_id,
            round: t.round,
            status: t.status,
            organization: t.organization,
            risk_tier: t.risk_tier,
            claimed_by: t.claimed_by,
            auditor: t.auditor,
            claimed_at: t.claimed_at,
            decided_at: t.decided_at,
            notes: t.notes,
            findings: t.findings,
            created_at: t.created_at,
        }
    }
}

/// Opens the next review round of a job that enters `audit`, when its review belongs to a pool (a
/// job in no pool waits for the platform's own review instead), and tells the pool's auditors.
pub(crate) async fn open_round(conn: &mut PgConnection, job_id: Uuid) -> anyhow::Result<Option<Uuid>> {
    let job = attune_db::jobs::get(conn, &OrgScope::Platform, job_id).await?.context("the job vanished")?;
    let Some(pool_id) = job.audit_pool_id else { return Ok(None) };
    let Some(task) = attune_db::audit_tasks::open(conn, job_id, pool_id).await? else { return Ok(None) };
    let pool = attune_db::pools::get(conn, pool_id).await?.context("the job's pool vanished")?;
    for auditor in attune_db::pools::auditors(conn, pool_id).await? {
        let mail = OutgoingEmail {
            to: auditor.email,
            subject: format!("Attune: a {} job awaits review in {}", job.risk_tier, pool.name),
            text: format!(
                "Hello {},\n\na fine-tune job of a member of {} needs the pool's review before it may train. \
                 Claim it from your audit tasks: /audit-tasks/{task}\n\n— Attune\n",
                auditor.name, pool.name
            ),
            html: None,
        };
        attune_db::outbox::enqueue(conn, "email", &serde_json::to_value(&mail).context("failed to encode mail")?).await?;
    }
    let detail = json!({"task": task, "pool": pool_id, "event": "opened"});
    attune_db::jobs::insert_event(
        conn,
        &attune_db::jobs::NewEvent { job_id, kind: "audit_task", from_status: None, to_status: None, actor_id: None, detail: &detail },
    )
    .await?;
    Ok(Some(task))
}

/// Withdraws a job's live task when the job leaves review for good (cancelled, refunded).
pub(crate) async fn withdraw(conn: &mut PgConnection, job_id: Uuid) -> anyhow::Result<()> {
    attune_db::audit_tasks::withdraw_live(conn, job_id).await?;
    Ok(())
}

/// The tasks of the pools the caller audits (an admin: every pool), by status.
pub async fn list(pool: &PgPool, actor: &Actor, status: Option<&str>) -> Result<Vec<TaskView>, AppError> {
    let statuses: Vec<&str> = match status {
        None => vec![],
        Some(s) if AuditTaskStatus::parse(s).is_some() => vec![s],
        Some(_) => return Err(AppError::field("status", "must be open, claimed, approved, changes_requested or withdrawn")),
    };
    let mut conn = pool.acquire().await.context("failed to acquire a connection")?;
    let pools: Vec<Uuid> = if actor.has_role(attune_domain::PlatformRole::Admin) {
        attune_db::pools::list(&mut conn).await?.into_iter().map(|p| p.id).collect()
    } else if actor.has_role(attune_domain::PlatformRole::Auditor) {
        attune_db::pools::audited_by(&mut conn, actor.user_id).await?
    } else {
        return Err(AppError::Forbidden(crate::actor::MissingRole(attune_domain::PlatformRole::Auditor)));
    };
    Ok(attune_db::audit_tasks::list(&mut conn, &pools, &statuses, 500).await?.into_iter().map(TaskView::from).collect())
}

pub(crate) async fn auditable(conn: &mut PgConnection, actor: &Actor, id: Uuid, lock: bool) -> Result<TaskRow, AppError> {
    let task = if lock { attune_db::audit_tasks::get_for_update(conn, id).await? } else { attune_db::audit_tasks::get(conn, id).await? };
    let task = task.ok_or(AppError::NotFound)?;
    // Another pool's task is not there for this auditor.
    if !audits(conn, actor, task.pool_id).await? {
        return Err(AppError::NotFound);
    }
    Ok(task)
}

/// The caller claims an open task of a pool it audits.
pub async fn claim(pool: &PgPool, actor: &Actor, id: Uuid) -> Result<TaskView, AppError> {
    let mut tx = pool.begin().await.context("failed to begin a claim")?;
    let task = auditable(&mut tx, actor, id, true).await?;
    if task.organization_id == actor.organization_id {
        return Err(AppError::conflict("conflict-of-interest", "An auditor does not review their own organisation's job."));
    }
    if !status_of(&task)?.can_move_to(AuditTaskStatus::Claimed) || !attune_db::audit_tasks::claim(&mut tx, id, actor.user_id).await? {
        return Err(AppError::conflict("wrong-state", format!("Only an open task can be claimed; this one is {}.", task.status)));
    }
    attune_db::audit::append(&mut tx, &actor.audit_id(), "audit_task.claimed", &format!("audit_task:{id}"), &json!({"job": task.job_id}))
        .await?;
    let task = attune_db::audit_tasks::get(&mut tx, id).await?.context("the task vanished")?;
    tx.commit().await.context("failed to commit a claim")?;
    Ok(task.into())
}

/// A finding in a decision: one from the pool's library by id, or a new one (added to it).
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FindingInput {
    pub library_id: Option<Uuid>,
    pub title: Option<String>,
    /// info, minor, major or critical.
    pub severity: Option<String>,
    pub detail: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Decided {
    pub task: TaskView,
    /// The job's status after the decision.
    pub job_status: String,
    /// Blocking obligations still open (an approved job waits in `audit` for them).
    pub waiting_for: Vec<String>,
}

async fn resolve_findings(
    conn: &mut PgConnection,
    actor: &Actor,
    pool_id: Uuid,
    input: &[FindingInput],
) -> Result<Vec<serde_json::Value>, AppError> {
    if input.len() > 50 {
        return Err(AppError::field("findings", "at most 50 findings per decision"));
    }
    let mut out = Vec::with_capacity(input.len());
    for (i, f) in input.iter().enumerate() {
        let field = format!("findings[{i}]");
        let (library_id, title, severity, detail) = if let Some(id) = f.library_id {
            let found = attune_db::pools::finding(conn, pool_id, id)
                .await?
                .ok_or_else(|| AppError::field(&format!("{field}.library_id"), "no such finding in this pool's library"))?;
            attune_db::pools::use_finding(conn, id).await?;
            (id, found.title, found.severity, found.detail)
        } else {
            let title = f.title.as_deref().map(str::trim).unwrap_or_default();
            if title.is_empty() || title.chars().count() > 200 || title.chars().any(char::is_control) {
                return Err(AppError::field(&format!("{field}.title"), "a new finding needs a title of 1 to 200 characters"));
            }
            let severity = f.severity.as_deref().unwrap_or_default();
            if !SEVERITIES.contains(&severity) {
                return Err(AppError::field(&format!("{field}.severity"), "must be info, minor, major or critical"));
            }
            let detail = f.detail.as_deref().map(str::trim).unwrap_or_default();
            if detail.is_empty() || detail.chars().count() > 4000 || detail.contains('\0') {
                return Err(AppError::field(&format!("{field}.detail"), "a new finding needs a detail of 1 to 4000 characters"));
            }
            let id = attune_db::pools::record_finding(
                conn,
                &attune_db::pools::NewFinding { pool_id, title, severity, detail, created_by: actor.user_id },
            )
            .await?;
            (id, title.to_owned(), severity.to_owned(), detail.to_owned())
        };
        out.push(json!({"library_id": library_id, "title": title, "severity": severity, "detail": detail}));
    }
    Ok(out)
}

/// The claimant approves the job or requests changes with findings.
#[tracing::instrument(skip_all, fields(task = %id))]
pub async fn decide(
    pool: &PgPool,
    chain: Option<&Chain>,
    actor: &Actor,
    id: Uuid,
    decision: &str,
    notes: Option<&str>,
    findings: &[FindingInput],
) -> Result<Decided, AppError> {
    let decision = Decision::parse(decision).ok_or_else(|| AppError::field("decision", "must be approve or changes_requested"))?;
    let notes = notes.map(str::trim).unwrap_or_default();
    if notes.chars().count() > 4000 || notes.contains('\0') {
        return Err(AppError::field("notes", "at most 4000 characters"));
    }
    if decision == Decision::ChangesRequested && findings.is_empty() {
        return Err(AppError::field("findings", "say what must change: a request for changes needs at least one finding"));
    }
    let mut tx = pool.begin().await.context("failed to begin a decision")?;
    let task = auditable(&mut tx, actor, id, true).await?;
    let to = match decision {
        Decision::Approve => AuditTaskStatus::Approved,
        Decision::ChangesRequested => AuditTaskStatus::ChangesRequested,
    };
    if !status_of(&task)?.can_move_to(to) || task.claimed_by != Some(actor.user_id) {
        return Err(AppError::conflict("wrong-state", "Only the auditor who claimed the task decides it; claim it first."));
    }
    let job = attune_db::jobs::get_for_update(&mut tx, &OrgScope::Platform, task.job_id).await?.context("the task's job vanished")?;
    let status = JobStatus::parse(&job.status).context("a stored job status is unknown")?;
    if status != JobStatus::Audit {
        return Err(AppError::conflict("wrong-state", format!("The job is {}, not in review.", job.status)));
    }
    let recorded = resolve_findings(&mut tx, actor, task.pool_id, findings).await?;
    let findings_json = serde_json::Value::Array(recorded.clone());
    if !attune_db::audit_tasks::decide(&mut tx, id, actor.user_id, to.as_str(), notes, &findings_json).await? {
        return Err(AppError::conflict("wrong-state", "The task changed while it was being decided."));
    }
    let pool_row = attune_db::pools::get(&mut tx, task.pool_id).await?.context("the task's pool vanished")?;
    let detail = json!({"decision": decision.as_str(), "task": id, "round": task.round, "pool": task.pool_id, "pool_name": pool_row.name,
        "reviewer": actor.user_id, "reviewer_email": actor.email, "notes": notes, "findings": findings_json,
        "review": "audit pool"});
    attune_db::jobs::insert_event(
        &mut tx,
        &attune_db::jobs::NewEvent {
            job_id: job.id,
            kind: "review",
            from_status: None,
            to_status: None,
            actor_id: Some(actor.user_id),
            detail: &detail,
        },
    )
    .await?;
    attune_db::audit::append(&mut tx, &actor.audit_id(), "audit_task.decided", &format!("job:{}", job.id), &detail).await?;
    match decision {
        Decision::Approve => {
            let by = format!("audit task {id} (pool {}, round {}) approved by user:{}", pool_row.name, task.round, actor.user_id);
            attune_db::job_obligations::satisfy(&mut tx, job.id, REVIEW_OBLIGATION, &by).await?;
            advance_paid(&mut tx, chain, job.id).await?;
            crate::safe_harbour::refresh(&mut tx, job.id).await?;
        }
        Decision::ChangesRequested => {
            transition(
                &mut tx,
                &Transition {
                    job_id: job.id,
                    from: status,
                    to: JobStatus::ChangesRequested,
                    actor: Some(actor),
                    detail: json!({"reason": "the audit pool requested changes", "task": id, "findings": findings_json}),
                },
            )
            .await?;
            notify_changes(&mut tx, job.id, &pool_row.name, &recorded, notes).await?;
        }
    }
    let after = attune_db::jobs::get(&mut tx, &OrgScope::Platform, job.id).await?.context("the job vanished")?;
    let waiting_for = if after.status == JobStatus::Audit.as_str() {
        attune_db::job_obligations::open_blocking(&mut tx, job.id, &[]).await?
    } else {
        Vec::new()
    };
    let task = attune_db::audit_tasks::get(&mut tx, id).await?.context("the task vanished")?;
    tx.commit().await.context("failed to commit a decision")?;
    Ok(Decided { task: task.into(), job_status: after.status, waiting_for })
}

/// Tells the buyer what the pool asks to change.
async fn notify_changes(
    conn: &mut PgConnection,
    job_id: Uuid,
    pool: &str,
    findings: &[serde_json::Value],
    notes: &str,
) -> anyhow::Result<()> {
    let Some((email, name)) = attune_db::jobs::creator_email(conn, job_id).await? else { return Ok(()) };
    let list: Vec<String> = findings
        .iter()
        .map(|f| {
            format!(
                "- [{}] {}: {}",
                f["severity"].as_str().unwrap_or(""),
                f["title"].as_str().unwrap_or(""),
                f["detail"].as_str().unwrap_or("")
            )
        })
        .collect();
    let mail = OutgoingEmail {
        to: email,
        subject: format!("Attune: {pool} asks for changes to your fine-tune job"),
        text: format!(
            "Hello {name},\n\nthe auditor of {pool} reviewed job {job_id} and asks for changes before it may train:\n\n{}\n\n{}\
             Revise the documents on the job's page (/jobs/{job_id}); filing a revised document sends the job back to the pool.\n\n— Attune\n",
            list.join("\n"),
            if notes.is_empty() { String::new() } else { format!("Notes: {notes}\n\n") }
        ),
        html: None,
    };
    attune_db::outbox::enqueue(conn, "email", &serde_json::to_value(&mail).context("failed to encode mail")?).await?;
    Ok(())
}
