//! Safe-harbour certificates: one in force per job; a lapsed one stays for the record.

use anyhow::Context;
use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CertificateRow {
    pub id: Uuid,
    pub job_id: Uuid,
    pub organization_id: Uuid,
    pub body: serde_json::Value,
    pub sha256: String,
    pub status: String,
    pub issued_at: DateTime<Utc>,
    pub lapsed_at: Option<DateTime<Utc>>,
    pub lapse_reason: Option<String>,
    pub anchor_tx_hash: Option<String>,
    pub anchor_block: Option<i64>,
}

/// `false` when the job already has a certificate in force.
pub async fn insert(
    conn: &mut PgConnection,
    id: Uuid,
    job_id: Uuid,
    organization_id: Uuid,
    body: &serde_json::Value,
    sha256: &str,
) -> anyhow::Result<bool> {
    let done = sqlx::query!(
        "insert into safe_harbour_certificate (id, job_id, organization_id, body, sha256) values ($1, $2, $3, $4, $5)
         on conflict (job_id) where status = 'active' do nothing",
        id,
        job_id,
        organization_id,
        body,
        sha256,
    )
    .execute(conn)
    .await
    .context("failed to insert a safe-harbour certificate")?;
    Ok(done.rows_affected() == 1)
}

/// The job's newest certificate, in force or lapsed.
pub async fn latest(conn: &mut PgConnection, job_id: Uuid) -> anyhow::Result<Option<CertificateRow>> {
    sqlx::query_as!(
        CertificateRow,
        "select id, job_id, organization_id, body, sha256, status, issued_at, lapsed_at, lapse_reason, anchor_tx_hash, anchor_block
         from safe_harbour_certificate where job_id = $1 order by issued_at desc, id limit 1",
        job_id,
    )
    .fetch_optional(conn)
    .await
    .context("failed to read a safe-harbour certificate")
}

pub async fn get(conn: &mut PgConnection, id: Uuid) -> anyhow::Result<Option<CertificateRow>> {
    sqlx::query_as!(
        CertificateRow,
        "select id, job_id, organization_id, body, sha256, status, issued_at, lapsed_at, lapse_reason, anchor_tx_hash, anchor_block
         from safe_harbour_certificate where id = $1",
        id,
    )
    .fetch_optional(conn)
    .await
    .context("failed to read a safe-harbour certificate")
}

/// Marks a certificate in force as lapsed.
pub async fn lapse(conn: &mut PgConnection, id: Uuid, reason: &str) -> anyhow::Result<bool> {
    let done = sqlx::query!(
        "update safe_harbour_certificate set status = 'lapsed', lapsed_at = now(), lapse_reason = $2 where id = $1 and status = 'active'",
        id,
        reason,
    )
    .execute(conn)
    .await
    .context("failed to lapse a safe-harbour certificate")?;
    Ok(done.rows_affected() == 1)
}

/// The organisation's certificates in force.
pub async fn active_for_organization(conn: &mut PgConnection, organization_id: Uuid) -> anyhow::Result<Vec<CertificateRow>> {
    sqlx::query_as!(
        CertificateRow,
        "select id, job_id, organization_id, body, sha256, status, issued_at, lapsed_at, lapse_reason, anchor_tx_hash, anchor_block
         from safe_harbour_certificate where organization_id = $1 and status = 'active' order by issued_at",
        organization_id,
    )
    .fetch_all(conn)
    .await
    .context("failed to list an organisation's certificates")
}

pub async fn set_anchor(conn: &mut PgConnection, id: Uuid, tx_hash: &str, block: i64) -> anyhow::Result<()> {
    sqlx::query!("update safe_harbour_certificate set anchor_tx_hash = $2, anchor_block = $3 where id = $1", id, tx_hash, block)
        .execute(conn)
        .await
        .context("failed to record a safe-harbour anchor")?;
    Ok(())
}

/// The organisation's jobs that could earn a certificate (reviewed in a pool), newest first.
pub async fn candidate_jobs(conn: &mut PgConnection, organization_id: Uuid, limit: i64) -> anyhow::Result<Vec<Uuid>> {
    sqlx::query_scalar!(
        "select id from job where organization_id = $1 and status not in ('draft', 'cancelled', 'refunded')
         order by (audit_pool_id is not null) desc, created_at desc limit $2",
        organization_id,
        limit,
    )
    .fetch_all(conn)
    .await
    .context("failed to list an organisation's jobs")
}

/// Jobs with a certificate in force, oldest first.
pub async fn jobs_in_force(conn: &mut PgConnection, limit: i64) -> anyhow::Result<Vec<Uuid>> {
    sqlx::query_scalar!("select job_id from safe_harbour_certificate where status = 'active' order by issued_at limit $1", limit)
        .fetch_all(conn)
        .await
        .context("failed to list certificates in force")
}
