//! Erasure requests and the records they erase. The subject's records are found through the GIN
//! index over `pii_subject_ids`, scoped to the organisation that owns the datasets.

use anyhow::Context;
use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

/// A record of the subject, with the shard and slice each job placed it in (none before dispatch).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AffectedRecord {
    pub dataset_id: Uuid,
    pub record_id: String,
    pub job_id: Option<Uuid>,
    pub shard_index: Option<i32>,
    pub slice: Option<i32>,
}

/// The subject's records in the organisation's datasets, with every job that accepted them.
pub async fn affected_records(conn: &mut PgConnection, organization_id: Uuid, subject_id: &str) -> anyhow::Result<Vec<AffectedRecord>> {
    sqlx::query_as(
        "select r.dataset_id, r.record_id, j.id as job_id, a.shard_index, a.slice
         from dataset_record r
         join dataset d on d.id = r.dataset_id
         left join job j on j.dataset_id = r.dataset_id
              and not exists (select 1 from job_record_exclusion e where e.job_id = j.id and e.record_id = r.record_id)
         left join job_shard_record a on a.job_id = j.id and a.record_id = r.record_id
         where d.organization_id = $1 and r.pii_subject_ids @> array[$2]::text[] and r.erased_at is null
         order by r.dataset_id, r.seq, j.created_at",
    )
    .bind(organization_id)
    .bind(subject_id)
    .fetch_all(conn)
    .await
    .context("failed to find a subject's records")
}

/// How many records each job trains on (its accepted records).
pub async fn job_records(conn: &mut PgConnection, job_ids: &[Uuid]) -> anyhow::Result<Vec<(Uuid, i64)>> {
    sqlx::query_as("select id, accepted_records from job where id = any($1)")
        .bind(job_ids)
        .fetch_all(conn)
        .await
        .context("failed to count the affected jobs' records")
}

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

const COLUMNS: &str = "id, organization_id, requested_by, subject_sha256, reason, evidence, status, affected, retrain_fraction,
    deadline_at, completed_at, created_at";

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

/// Inserts the request; `None` when one for the same subject of the organisation exists already.
pub async fn insert(conn: &mut PgConnection, e: &NewErasure<'_>) -> anyhow::Result<Option<ErasureRow>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "insert into erasure_request (id, organization_id, requested_by, subject_sha256, reason, evidence, status, affected,
            retrain_fraction, deadline_at, completed_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, case when $7 = 'completed' then now() end)
         on conflict (organization_id, subject_sha256) do nothing
         returning {COLUMNS}"
    )))
    .bind(e.id)
    .bind(e.organization_id)
    .bind(e.requested_by)
    .bind(e.subject_sha256)
    .bind(e.reason)
    .bind(e.evidence)
    .bind(e.status)
    .bind(e.affected)
    .bind(e.retrain_fraction)
    .bind(e.deadline_at)
    .fetch_optional(conn)
    .await
    .context("failed to record an erasure request")
}

/// The request for this subject of the organisation, if one exists.
pub async fn find_by_subject(conn: &mut PgConnection, organization_id: Uuid, subject_sha256: &str) -> anyhow::Result<Option<ErasureRow>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!("select {COLUMNS} from erasure_request where organization_id = $1 and subject_sha256 = $2")))
        .bind(organization_id)
        .bind(subject_sha256)
        .fetch_optional(conn)
        .await
        .context("failed to find an erasure request")
}

/// A request as `organization` sees it (`None` for another organisation's; admins pass `None`).
pub async fn get(conn: &mut PgConnection, organization: Option<Uuid>, id: Uuid) -> anyhow::Result<Option<ErasureRow>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "select {COLUMNS} from erasure_request where id = $1 and ($2::uuid is null or organization_id = $2)"
    )))
    .bind(id)
    .bind(organization)
    .fetch_optional(conn)
    .await
    .context("failed to fetch an erasure request")
}

/// Deletes the content of the subject's records, leaving tombstones (record id, content hash, when
/// and by which request). Returns how many records were erased.
pub async fn tombstone(conn: &mut PgConnection, organization_id: Uuid, subject_id: &str, erasure_id: Uuid) -> anyhow::Result<u64> {
    let done = sqlx::query(
        "update dataset_record r set text = null, uri = null, source_url = null, domain = null, pii_subject_ids = '{}',
            special_categories = '{}', optout = null, review_notes = null, erased_at = now(), erasure_id = $3
         from dataset d
         where d.id = r.dataset_id and d.organization_id = $1 and r.pii_subject_ids @> array[$2]::text[] and r.erased_at is null",
    )
    .bind(organization_id)
    .bind(subject_id)
    .bind(erasure_id)
    .execute(conn)
    .await
    .context("failed to erase a subject's records")?;
    Ok(done.rows_affected())
}
