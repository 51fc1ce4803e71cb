//! The subject's records: finding them (with the jobs, shards and slices that used them), counting
//! the affected jobs' records, and erasing them to tombstones.

use anyhow::Context;
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
    sqlx::query_as!(
        AffectedRecord,
        r#"select r.dataset_id, r.record_id, j.id as "job_id?", a.shard_index as "shard_index?", a.slice as "slice?"
         from dataset_record r
         join dataset d on d.id = r.dataset_id
         left join job j on j.dataset_id = r.dataset_id
              and not exists (select 1 from job_record_exclusion e where e.job_id = j.id and e.record_id = r.record_id)
         left join job_shard_record a on a.job_id = j.id and a.record_id = r.record_id
         where d.organization_id = $1 and r.pii_subject_ids @> array[$2]::text[] and r.erased_at is null
         order by r.dataset_id, r.seq, j.created_at"#,
        organization_id,
        subject_id
    )
    .fetch_all(conn)
    .await
    .context("failed to find a subject's records")
}

/// How many records each job trains on (its accepted records).
pub async fn job_records(conn: &mut PgConnection, job_ids: &[Uuid]) -> anyhow::Result<Vec<(Uuid, i64)>> {
    let rows = sqlx::query!("select id, accepted_records from job where id = any($1)", job_ids)
        .fetch_all(conn)
        .await
        .context("failed to count the affected jobs' records")?;
    Ok(rows.into_iter().map(|r| (r.id, r.accepted_records)).collect())
}

/// Deletes the content of the subject's records, leaving tombstones (record id, content hash, the
/// GDPR Art. 9 categories it had — no longer tied to anyone —, when and by which request). Returns
/// how many records were erased.
pub async fn tombstone(conn: &mut PgConnection, organization_id: Uuid, subject_id: &str, erasure_id: Uuid) -> anyhow::Result<u64> {
    let done = sqlx::query!(
        "update dataset_record r set text = null, uri = null, source_url = null, domain = null, pii_subject_ids = '{}',
            optout = null, review_notes = null, erased_at = now(), erasure_id = $3
         from dataset d
         where d.id = r.dataset_id and d.organization_id = $1 and r.pii_subject_ids @> array[$2]::text[] and r.erased_at is null",
        organization_id,
        subject_id,
        erasure_id
    )
    .execute(conn)
    .await
    .context("failed to erase a subject's records")?;
    Ok(done.rows_affected())
}

/// The tombstones an erasure left: (dataset, record id, content hash).
pub async fn tombstones(conn: &mut PgConnection, erasure_id: Uuid) -> anyhow::Result<Vec<(Uuid, String, String)>> {
    let rows = sqlx::query!(
        "select dataset_id, record_id, content_hash from dataset_record where erasure_id = $1 order by dataset_id, seq",
        erasure_id
    )
    .fetch_all(conn)
    .await
    .context("failed to list an erasure's tombstones")?;
    Ok(rows.into_iter().map(|r| (r.dataset_id, r.record_id, r.content_hash)).collect())
}
