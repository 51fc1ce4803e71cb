//! Audit tasks: one per round of a job's review in its pool. Every change is guarded by the status
//! it expects.

use anyhow::Context;
use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TaskRow {
    pub id: Uuid,
    pub job_id: Uuid,
    pub pool_id: Uuid,
    pub round: i32,
    pub status: String,
    pub claimed_by: Option<Uuid>,
    pub claimed_at: Option<DateTime<Utc>>,
    pub decided_at: Option<DateTime<Utc>>,
    pub notes: Option<String>,
    pub findings: serde_json::Value,
    pub created_at: DateTime<Utc>,
    pub organization: String,
    /// The job's organisation.
    pub organization_id: Uuid,
    pub risk_tier: String,
    /// The claiming auditor's name.
    pub auditor: Option<String>,
}

/// Opens the next round of a job's review in its pool, unless one is open; the new task's id.
pub async fn open(conn: &mut PgConnection, job_id: Uuid, pool_id: Uuid) -> anyhow::Result<Option<Uuid>> {
    sqlx::query_scalar!(
        "insert into audit_task (id, job_id, pool_id, round)
         select $1, $2, $3, coalesce(max(round), 0) + 1 from audit_task where job_id = $2
         on conflict (job_id) where status in ('open', 'claimed') do nothing
         returning id",
        Uuid::new_v4(),
        job_id,
        pool_id,
    )
    .fetch_optional(conn)
    .await
    .context("failed to open an audit task")
}

pub async fn get(conn: &mut PgConnection, id: Uuid) -> anyhow::Result<Option<TaskRow>> {
    sqlx::query_as!(
        TaskRow,
        r#"select t.id, t.job_id, t.pool_id, t.round, t.status, t.claimed_by, t.claimed_at, t.decided_at, t.notes, t.findings,
            t.created_at, o.name as organization, j.organization_id, j.risk_tier, u.name as "auditor?"
         from audit_task t join job j on j.id = t.job_id join organization o on o.id = j.organization_id
            left join app_user u on u.id = t.claimed_by
         where t.id = $1"#,
        id,
    )
    .fetch_optional(conn)
    .await
    .context("failed to read an audit task")
}

pub async fn get_for_update(conn: &mut PgConnection, id: Uuid) -> anyhow::Result<Option<TaskRow>> {
    sqlx::query_as!(
        TaskRow,
        r#"select t.id, t.job_id, t.pool_id, t.round, t.status, t.claimed_by, t.claimed_at, t.decided_at, t.notes, t.findings,
            t.created_at, o.name as organization, j.organization_id, j.risk_tier, u.name as "auditor?"
         from audit_task t join job j on j.id = t.job_id join organization o on o.id = j.organization_id
            left join app_user u on u.id = t.claimed_by
         where t.id = $1 for update of t"#,
        id,
    )
    .fetch_optional(conn)
    .await
    .context("failed to lock an audit task")
}

/// Tasks of the given pools, with a status among `statuses` (all when empty), oldest first.
pub async fn list(conn: &mut PgConnection, pools: &[Uuid], statuses: &[&str], limit: i64) -> anyhow::Result<Vec<TaskRow>> {
    let statuses: Vec<String> = statuses.iter().map(|s| (*s).to_owned()).collect();
    sqlx::query_as!(
        TaskRow,
        r#"select t.id, t.job_id, t.pool_id, t.round, t.status, t.claimed_by, t.claimed_at, t.decided_at, t.notes, t.findings,
            t.created_at, o.name as organization, j.organization_id, j.risk_tier, u.name as "auditor?"
         from audit_task t join job j on j.id = t.job_id join organization o on o.id = j.organization_id
            left join app_user u on u.id = t.claimed_by
         where t.pool_id = any($1) and (cardinality($2::text[]) = 0 or t.status = any($2))
         order by t.created_at, t.id limit $3"#,
        pools,
        &statuses[..],
        limit,
    )
    .fetch_all(conn)
    .await
    .context("failed to list audit tasks")
}

/// A job's tasks, round by round.
pub async fn for_job(conn: &mut PgConnection, job_id: Uuid) -> anyhow::Result<Vec<TaskRow>> {
    sqlx::query_as!(
        TaskRow,
        r#"select t.id, t.job_id, t.pool_id, t.round, t.status, t.claimed_by, t.claimed_at, t.decided_at, t.notes, t.findings,
            t.created_at, o.name as organization, j.organization_id, j.risk_tier, u.name as "auditor?"
         from audit_task t join job j on j.id = t.job_id join organization o on o.id = j.organization_id
            left join app_user u on u.id = t.claimed_by
         where t.job_id = $1 order by t.round"#,
        job_id,
    )
    .fetch_all(conn)
    .await
    .context("failed to list a job's audit tasks")
}

pub async fn claim(conn: &mut PgConnection, id: Uuid, user_id: Uuid) -> anyhow::Result<bool> {
    let done = sqlx::query!(
        "update audit_task set status = 'claimed', claimed_by = $2, claimed_at = now() where id = $1 and status = 'open'",
        id,
        user_id,
    )
    .execute(conn)
    .await
    .context("failed to claim an audit task")?;
    Ok(done.rows_affected() == 1)
}

/// Records the claimant's decision on a claimed task.
pub async fn decide(
    conn: &mut PgConnection,
    id: Uuid,
    user_id: Uuid,
    status: &str,
    notes: &str,
    findings: &serde_json::Value,
) -> anyhow::Result<bool> {
    let done = sqlx::query!(
        "update audit_task set status = $3, notes = $4, findings = $5, decided_at = now()
         where id = $1 and status = 'claimed' and claimed_by = $2",
        id,
        user_id,
        status,
        notes,
        findings,
    )
    .execute(conn)
    .await
    .context("failed to decide an audit task")?;
    Ok(done.rows_affected() == 1)
}

/// Withdraws a job's live task (the job was cancelled).
pub async fn withdraw_live(conn: &mut PgConnection, job_id: Uuid) -> anyhow::Result<u64> {
    let done = sqlx::query!("update audit_task set status = 'withdrawn' where job_id = $1 and status in ('open', 'claimed')", job_id)
        .execute(conn)
        .await
        .context("failed to withdraw an audit task")?;
    Ok(done.rows_affected())
}
