//! The graduated transition: usage reports, obligations phased in with due dates, their reminders
//! and the overdue ones.

use anyhow::Context;
use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

pub struct PhasedObligation<'a> {
    pub obligation_id: &'a str,
    pub article: &'a str,
    pub title: &'a str,
    pub blocking: bool,
    pub template: &'a str,
    pub phase: &'a str,
    pub due_at: DateTime<Utc>,
}

/// Adds an obligation the job did not have, after its others; `false` when it already has it.
pub async fn insert_phased(conn: &mut PgConnection, job_id: Uuid, o: &PhasedObligation<'_>) -> anyhow::Result<bool> {
    let done = sqlx::query!(
        "insert into job_obligation (job_id, position, obligation_id, article, title, blocking, template, phase, due_at)
         select $1, coalesce(max(position), -1) + 1, $2, $3, $4, $5, $6, $7, $8 from job_obligation where job_id = $1
         on conflict on constraint job_obligation_pkey do nothing",
        job_id,
        o.obligation_id,
        o.article,
        o.title,
        o.blocking,
        o.template,
        o.phase,
        o.due_at,
    )
    .execute(conn)
    .await
    .context("failed to phase in an obligation")?;
    Ok(done.rows_affected() == 1)
}

pub async fn set_deployed_tier(conn: &mut PgConnection, job_id: Uuid, tier: &str) -> anyhow::Result<()> {
    sqlx::query!("update job set deployed_risk_tier = $2 where id = $1", job_id, tier)
        .execute(conn)
        .await
        .context("failed to re-tier a job")?;
    Ok(())
}

/// The tier the deployment has now (its latest report's, else its quote's).
pub async fn deployed_tier(conn: &mut PgConnection, job_id: Uuid) -> anyhow::Result<Option<String>> {
    let row = sqlx::query!("select deployed_risk_tier, risk_tier from job where id = $1", job_id)
        .fetch_optional(conn)
        .await
        .context("failed to read a job's tier")?;
    Ok(row.map(|r| r.deployed_risk_tier.unwrap_or(r.risk_tier)))
}

pub struct NewReport<'a> {
    pub job_id: Uuid,
    pub monthly_users: i64,
    pub monthly_queries: i64,
    pub tier_before: &'a str,
    pub tier_after: &'a str,
    pub phased: &'a serde_json::Value,
    pub policy_version: &'a str,
    pub transition_version: &'a str,
    pub reported_by: Uuid,
}

pub async fn insert_report(conn: &mut PgConnection, r: &NewReport<'_>) -> anyhow::Result<i64> {
    sqlx::query_scalar!(
        "insert into job_indicator_report (job_id, monthly_users, monthly_queries, tier_before, tier_after, phased, policy_version,
            transition_version, reported_by)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9) returning id",
        r.job_id,
        r.monthly_users,
        r.monthly_queries,
        r.tier_before,
        r.tier_after,
        r.phased,
        r.policy_version,
        r.transition_version,
        r.reported_by,
    )
    .fetch_one(conn)
    .await
    .context("failed to record a usage report")
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DueRow {
    pub job_id: Uuid,
    pub obligation_id: String,
    pub title: String,
    pub article: String,
    pub phase: String,
    pub due_at: DateTime<Utc>,
    pub reminders_sent: i32,
    pub organization: String,
    pub organization_id: Uuid,
    pub email: String,
    pub name: String,
}

/// Open phased obligations whose next reminder is due: the k-th reminder `days_before[k]` days before
/// the due date, and one more once the date has passed. Locked, skipping rows another replica holds.
pub async fn reminders_due(conn: &mut PgConnection, days_before: &[i32], limit: i64) -> anyhow::Result<Vec<DueRow>> {
    sqlx::query_as!(
        DueRow,
        r#"select o.job_id, o.obligation_id, o.title, o.article, o.phase as "phase!", o.due_at as "due_at!", o.reminders_sent,
                g.name as organization, g.id as organization_id, u.email, u.name
         from job_obligation o join job j on j.id = o.job_id join organization g on g.id = j.organization_id
         join app_user u on u.id = j.created_by
         where o.status = 'open' and o.due_at is not null and o.reminders_sent <= cardinality($1::int[])
           and now() >= o.due_at - make_interval(days => coalesce(($1::int[])[o.reminders_sent + 1], 0))
         order by o.due_at limit $2
         for update of o skip locked"#,
        days_before,
        limit,
    )
    .fetch_all(conn)
    .await
    .context("failed to find due reminders")
}

/// Records that the reminders up to stage `passed` went out (a late pass skips the stages it missed).
pub async fn mark_reminded(conn: &mut PgConnection, job_id: Uuid, obligation_id: &str, sent: i32, passed: i32) -> anyhow::Result<bool> {
    let done = sqlx::query!(
        "update job_obligation set reminders_sent = $4 where job_id = $1 and obligation_id = $2 and reminders_sent = $3 and $4 > $3",
        job_id,
        obligation_id,
        sent,
        passed,
    )
    .execute(conn)
    .await
    .context("failed to record a reminder")?;
    Ok(done.rows_affected() == 1)
}

/// Open phased obligations past their due date, oldest first (admins).
pub async fn overdue(conn: &mut PgConnection, limit: i64) -> anyhow::Result<Vec<DueRow>> {
    sqlx::query_as!(
        DueRow,
        r#"select o.job_id, o.obligation_id, o.title, o.article, o.phase as "phase!", o.due_at as "due_at!", o.reminders_sent,
                g.name as organization, g.id as organization_id, u.email, u.name
         from job_obligation o join job j on j.id = o.job_id join organization g on g.id = j.organization_id
         join app_user u on u.id = j.created_by
         where o.status = 'open' and o.due_at is not null and o.due_at < now()
         order by o.due_at limit $1"#,
        limit,
    )
    .fetch_all(conn)
    .await
    .context("failed to list overdue obligations")
}

/// One replica sends reminders at a time: a transaction-scoped advisory lock.
pub async fn try_reminder_lock(conn: &mut PgConnection) -> anyhow::Result<bool> {
    sqlx::query_scalar!(r#"select pg_try_advisory_xact_lock(hashtext('attune.obligation_reminders')) as "got!""#)
        .fetch_one(conn)
        .await
        .context("failed to take the reminder lock")
}
