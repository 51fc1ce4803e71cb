//! Screening cases (API.md "Admin review"): opened by screening, listed by score, decided by admins,
//! with their decisions and suspicious-activity report drafts.

use anyhow::Context;
use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize)]
pub struct CaseRow {
    pub id: Uuid,
    pub kind: String,
    pub subject: String,
    pub organization_id: Option<Uuid>,
    pub score: f64,
    pub reasons: serde_json::Value,
    pub evidence: serde_json::Value,
    pub amount: Option<String>,
    pub status: String,
    pub list_version: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

pub struct NewCase<'a> {
    pub kind: &'a str,
    pub subject: &'a str,
    pub organization_id: Option<Uuid>,
    pub score: f64,
    pub reasons: &'a serde_json::Value,
    pub evidence: &'a serde_json::Value,
    pub amount: Option<&'a str>,
    pub list_version: &'a str,
}

/// Opens a case, or returns the one already open for the same kind and subject. `true` when new.
pub async fn open_case(conn: &mut PgConnection, c: &NewCase<'_>) -> anyhow::Result<(Uuid, bool)> {
    let inserted = sqlx::query_scalar!(
        r#"insert into screening_case (id, kind, subject, organization_id, score, reasons, evidence, amount, list_version)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         on conflict (kind, subject) where status in ('open', 'awaiting_second_approval', 'info_requested') do nothing
         returning id as "id!""#,
        Uuid::now_v7(),
        c.kind,
        c.subject,
        c.organization_id,
        c.score,
        c.reasons,
        c.evidence,
        c.amount,
        c.list_version,
    )
    .fetch_optional(&mut *conn)
    .await
    .context("failed to open a case")?;
    if let Some(id) = inserted {
        return Ok((id, true));
    }
    let id = sqlx::query_scalar!(
        "select id from screening_case where kind = $1 and subject = $2 and status in ('open', 'awaiting_second_approval', 'info_requested')",
        c.kind,
        c.subject,
    )
    .fetch_one(conn)
    .await
    .context("failed to find the open case")?;
    Ok((id, false))
}

/// Cases by score, highest first, then oldest first; after `after` (`score`, `created_at`, `id`) when given.
pub async fn list_cases(
    conn: &mut PgConnection,
    status: Option<&str>,
    kind: Option<&str>,
    after: Option<(f64, DateTime<Utc>, Uuid)>,
    limit: i64,
) -> anyhow::Result<Vec<CaseRow>> {
    sqlx::query_as!(
        CaseRow,
        "select id, kind, subject, organization_id, score, reasons, evidence, amount, status, list_version, created_at, updated_at
         from screening_case where ($1::text is null or status = $1) and ($2::text is null or kind = $2)
           and ($3::float8 is null or score < $3 or (score = $3 and (created_at, id) > ($4, $5)))
         order by score desc, created_at, id limit $6",
        status,
        kind,
        after.map(|a| a.0),
        after.map(|a| a.1),
        after.map(|a| a.2),
        limit,
    )
    .fetch_all(conn)
    .await
    .context("failed to list cases")
}

pub async fn get_case_for_update(conn: &mut PgConnection, id: Uuid) -> anyhow::Result<Option<CaseRow>> {
    sqlx::query_as!(
        CaseRow,
        "select id, kind, subject, organization_id, score, reasons, evidence, amount, status, list_version, created_at, updated_at
         from screening_case where id = $1 for update",
        id,
    )
    .fetch_optional(conn)
    .await
    .context("failed to read a case")
}

pub async fn set_case_status(conn: &mut PgConnection, id: Uuid, from: &str, to: &str) -> anyhow::Result<bool> {
    let done = sqlx::query!("update screening_case set status = $3 where id = $1 and status = $2", id, from, to)
        .execute(conn)
        .await
        .context("failed to change a case's status")?;
    Ok(done.rows_affected() == 1)
}

#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize)]
pub struct DecisionRow {
    pub admin_id: Uuid,
    pub decision: String,
    pub notes: String,
    pub created_at: DateTime<Utc>,
}

pub async fn add_decision(conn: &mut PgConnection, case_id: Uuid, admin: Uuid, decision: &str, notes: &str) -> anyhow::Result<()> {
    sqlx::query!(
        "insert into case_decision (case_id, admin_id, decision, notes) values ($1, $2, $3, $4)",
        case_id,
        admin,
        decision,
        notes,
    )
    .execute(conn)
        .await
        .context("failed to record a case decision")?;
    Ok(())
}

pub async fn decisions(conn: &mut PgConnection, case_id: Uuid) -> anyhow::Result<Vec<DecisionRow>> {
    sqlx::query_as!(DecisionRow, "select admin_id, decision, notes, created_at from case_decision where case_id = $1 order by id", case_id)
        .fetch_all(conn)
        .await
        .context("failed to list case decisions")
}

/// Stores the suspicious-activity report draft of a rejected or blocked case (once per case).
pub async fn insert_report_draft(
    conn: &mut PgConnection,
    case_id: Uuid,
    organization_id: Option<Uuid>,
    decision: &str,
    draft: &serde_json::Value,
) -> anyhow::Result<()> {
    sqlx::query!(
        "insert into suspicious_activity_report (id, case_id, organization_id, decision, draft) values ($1, $2, $3, $4, $5)
         on conflict (case_id) do nothing",
        Uuid::now_v7(),
        case_id,
        organization_id,
        decision,
        draft,
    )
    .execute(conn)
    .await
    .context("failed to store a suspicious-activity report draft")?;
    Ok(())
}

pub async fn report_draft(conn: &mut PgConnection, case_id: Uuid) -> anyhow::Result<Option<serde_json::Value>> {
    sqlx::query_scalar!("select draft from suspicious_activity_report where case_id = $1", case_id)
        .fetch_optional(conn)
        .await
        .context("failed to read a suspicious-activity report draft")
}
