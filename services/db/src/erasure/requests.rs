//! Erasure requests: recording one, finding and listing them, and moving them between states.

use anyhow::Context;
use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ErasureRow {
    pub id: Uuid,
    pub organization_id: Uuid,
    pub requested_by: Uuid,
    pub subject_sha256: String,
    pub reason: Option<String>,
    pub evidence: Option<String>,
    pub status: String,
    pub affected: serde_json::Value,
    pub retrain_fraction: f64,
    pub deadline_at: DateTime<Utc>,
    pub completed_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

pub struct NewErasure<'a> {
    pub id: Uuid,
    pub organization_id: Uuid,
    pub requested_by: Uuid,
    pub subject_sha256: &'a str,
    pub reason: Option<&'a str>,
    pub evidence: Option<&'a str>,
    pub status: &'a str,
    pub affected: &'a serde_json::Value,
    pub retrain_fraction: f64,
    pub deadline_at: DateTime<Utc>,
}

/// Inserts the request; `None` when an open one for the same subject of the organisation exists.
pub async fn insert(conn: &mut PgConnection, e: &NewErasure<'_>) -> anyhow::Result<Option<ErasureRow>> {
    sqlx::query_as!(
        ErasureRow,
        "insert into erasure_request (id, organization_id, requested_by, subject_sha256, reason, evidence, status, affected,
            retrain_fraction, deadline_at, completed_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, case when $7 = 'completed' then now() end)
         on conflict (organization_id, subject_sha256) where status <> 'completed' do nothing
         returning id, organization_id, requested_by, subject_sha256, reason, evidence, status, affected, retrain_fraction,
            deadline_at, completed_at, created_at",
        e.id,
        e.organization_id,
        e.requested_by,
        e.subject_sha256,
        e.reason,
        e.evidence,
        e.status,
        e.affected,
        e.retrain_fraction,
        e.deadline_at
    )
    .fetch_optional(conn)
    .await
    .context("failed to record an erasure request")
}

/// The newest request for this subject of the organisation, if there is one.
pub async fn find_by_subject(conn: &mut PgConnection, organization_id: Uuid, subject_sha256: &str) -> anyhow::Result<Option<ErasureRow>> {
    sqlx::query_as!(
        ErasureRow,
        "select id, organization_id, requested_by, subject_sha256, reason, evidence, status, affected, retrain_fraction,
            deadline_at, completed_at, created_at
         from erasure_request where organization_id = $1 and subject_sha256 = $2 order by created_at desc limit 1",
        organization_id,
        subject_sha256
    )
    .fetch_optional(conn)
    .await
    .context("failed to find an erasure request")
}

/// Every organisation's requests with the organisation's name: open ones first, by deadline.
pub async fn list_all(conn: &mut PgConnection, limit: i64) -> anyhow::Result<Vec<(ErasureRow, String)>> {
    let rows: Vec<ErasureRow> = sqlx::query_as!(
        ErasureRow,
        "select id, organization_id, requested_by, subject_sha256, reason, evidence, status, affected, retrain_fraction,
            deadline_at, completed_at, created_at
         from erasure_request order by status = 'completed', deadline_at limit $1",
        limit
    )
    .fetch_all(&mut *conn)
    .await
    .context("failed to list erasure requests")?;
    let ids: Vec<Uuid> = rows.iter().map(|r| r.organization_id).collect();
    let names: Vec<(Uuid, String)> = sqlx::query!("select id, name from organization where id = any($1)", &ids[..])
        .fetch_all(conn)
        .await
        .context("failed to name the requests' organisations")?
        .into_iter()
        .map(|o| (o.id, o.name))
        .collect();
    Ok(rows
        .into_iter()
        .map(|r| {
            let name = names.iter().find(|(id, _)| *id == r.organization_id).map(|(_, n)| n.clone()).unwrap_or_default();
            (r, name)
        })
        .collect())
}

/// An organisation's requests, newest first.
pub async fn list(conn: &mut PgConnection, organization_id: Uuid) -> anyhow::Result<Vec<ErasureRow>> {
    sqlx::query_as!(
        ErasureRow,
        "select id, organization_id, requested_by, subject_sha256, reason, evidence, status, affected, retrain_fraction,
            deadline_at, completed_at, created_at
         from erasure_request where organization_id = $1 order by created_at desc limit 200",
        organization_id
    )
    .fetch_all(conn)
    .await
    .context("failed to list erasure requests")
}

/// A request as `organization` sees it (`None` for another organisation's; admins pass `None`).
pub async fn get(conn: &mut PgConnection, organization: Option<Uuid>, id: Uuid) -> anyhow::Result<Option<ErasureRow>> {
    sqlx::query_as!(
        ErasureRow,
        "select id, organization_id, requested_by, subject_sha256, reason, evidence, status, affected, retrain_fraction,
            deadline_at, completed_at, created_at
         from erasure_request where id = $1 and ($2::uuid is null or organization_id = $2)",
        id,
        organization
    )
    .fetch_optional(conn)
    .await
    .context("failed to fetch an erasure request")
}

/// Moves a request between states, guarded on the one it leaves.
pub async fn set_status(conn: &mut PgConnection, id: Uuid, from: &str, to: &str) -> anyhow::Result<bool> {
    let done = sqlx::query!("update erasure_request set status = $3 where id = $1 and status = $2", id, from, to)
        .execute(conn)
        .await
        .context("failed to move an erasure request")?;
    Ok(done.rows_affected() == 1)
}

/// Requests still open, locked for this pass (another replica skips them), oldest first.
pub async fn lock_open(conn: &mut PgConnection, limit: i64) -> anyhow::Result<Vec<ErasureRow>> {
    sqlx::query_as!(
        ErasureRow,
        "select id, organization_id, requested_by, subject_sha256, reason, evidence, status, affected, retrain_fraction,
            deadline_at, completed_at, created_at
         from erasure_request where status <> 'completed' order by created_at limit $1 for update skip locked",
        limit
    )
    .fetch_all(conn)
    .await
    .context("failed to lock open erasure requests")
}
