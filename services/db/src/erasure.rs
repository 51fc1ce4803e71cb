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

/// The certificate columns of a request.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ErasureCertificate {
    pub certificate: Option<serde_json::Value>,
    pub certificate_sha256: Option<String>,
    pub anchor_tx_hash: Option<String>,
    pub anchor_block: Option<i64>,
}

pub async fn certificate(conn: &mut PgConnection, id: Uuid) -> anyhow::Result<Option<ErasureCertificate>> {
    sqlx::query_as!(
        ErasureCertificate,
        "select certificate, certificate_sha256, anchor_tx_hash, anchor_block from erasure_request where id = $1",
        id
    )
    .fetch_optional(conn)
    .await
    .context("failed to read an erasure certificate")
}

/// Stores the certificate and completes the request, guarded on the status it leaves.
pub async fn complete(
    conn: &mut PgConnection,
    id: Uuid,
    from: &str,
    certificate: &serde_json::Value,
    sha256: &str,
) -> anyhow::Result<bool> {
    let done = sqlx::query!(
        "update erasure_request set status = 'completed', completed_at = now(), certificate = $3, certificate_sha256 = $4
         where id = $1 and status = $2",
        id,
        from,
        certificate,
        sha256
    )
    .execute(conn)
    .await
    .context("failed to complete an erasure request")?;
    Ok(done.rows_affected() == 1)
}

/// Moves a request between states, guarded on the one it leaves.
pub async fn set_status(conn: &mut PgConnection, id: Uuid, from: &str, to: &str) -> anyhow::Result<bool> {
    let done = sqlx::query!("update erasure_request set status = $3 where id = $1 and status = $2", id, from, to)
        .execute(conn)
        .await
        .context("failed to move an erasure request")?;
    Ok(done.rows_affected() == 1)
}

/// Records where an erasure certificate was anchored (the subject `erasure:<id>`).
pub async fn set_anchor(conn: &mut PgConnection, id: Uuid, tx_hash: &str, block: i64) -> anyhow::Result<()> {
    sqlx::query!("update erasure_request set anchor_tx_hash = $2, anchor_block = $3 where id = $1", id, tx_hash, block)
        .execute(conn)
        .await
        .context("failed to record an erasure certificate's anchor")?;
    Ok(())
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

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ErasureShardRow {
    pub job_id: Uuid,
    pub shard_index: i32,
    pub from_slice: i32,
    pub state: String,
    pub old_adapters: Option<serde_json::Value>,
    pub new_adapters: Option<serde_json::Value>,
    pub flops: f64,
    pub full_flops: f64,
    pub queued_at: Option<DateTime<Utc>>,
    pub done_at: Option<DateTime<Utc>>,
    pub old_run_id: Option<Uuid>,
    pub old_lease_id: Option<Uuid>,
}

pub async fn insert_shards(conn: &mut PgConnection, erasure_id: Uuid, shards: &[(Uuid, i32, i32)]) -> anyhow::Result<()> {
    let jobs: Vec<Uuid> = shards.iter().map(|s| s.0).collect();
    let indexes: Vec<i32> = shards.iter().map(|s| s.1).collect();
    let slices: Vec<i32> = shards.iter().map(|s| s.2).collect();
    sqlx::query!(
        "insert into erasure_shard (erasure_id, job_id, shard_index, from_slice)
         select $1, v.job_id, v.shard_index, v.from_slice from unnest($2::uuid[], $3::int[], $4::int[]) as v(job_id, shard_index, from_slice)",
        erasure_id,
        &jobs[..],
        &indexes[..],
        &slices[..]
    )
    .execute(conn)
    .await
    .context("failed to record an erasure's shards")?;
    Ok(())
}

pub async fn shards_of(conn: &mut PgConnection, erasure_id: Uuid) -> anyhow::Result<Vec<ErasureShardRow>> {
    sqlx::query_as!(
        ErasureShardRow,
        "select job_id, shard_index, from_slice, state, old_adapters, new_adapters, flops, full_flops, queued_at, done_at, old_run_id,
            old_lease_id
         from erasure_shard where erasure_id = $1 order by job_id, shard_index",
        erasure_id
    )
    .fetch_all(conn)
    .await
    .context("failed to read an erasure's shards")
}

/// What changes on a shard of an erasure.
pub struct ShardUpdate<'a> {
    pub erasure_id: Uuid,
    pub job_id: Uuid,
    pub shard_index: i32,
    pub from_state: &'a str,
    pub to_state: &'a str,
    pub old_adapters: Option<&'a serde_json::Value>,
    pub new_adapters: Option<&'a serde_json::Value>,
    pub flops: Option<f64>,
    pub full_flops: Option<f64>,
    /// The run and lease whose outputs the retraining replaces.
    pub old_lease: Option<(Uuid, Uuid)>,
}

/// Moves a shard of an erasure on, guarded on the state it leaves; false when it moved already.
pub async fn update_shard(conn: &mut PgConnection, u: &ShardUpdate<'_>) -> anyhow::Result<bool> {
    let done = sqlx::query!(
        "update erasure_shard set state = $5, old_adapters = coalesce($6, old_adapters), new_adapters = coalesce($7, new_adapters),
            flops = coalesce($8, flops), full_flops = coalesce($9, full_flops), old_run_id = coalesce($10, old_run_id),
            old_lease_id = coalesce($11, old_lease_id),
            queued_at = case when $5 = 'retraining' then now() else queued_at end,
            done_at = case when $5 in ('retrained', 'not_trained') then now() else done_at end
         where erasure_id = $1 and job_id = $2 and shard_index = $3 and state = $4",
        u.erasure_id,
        u.job_id,
        u.shard_index,
        u.from_state,
        u.to_state,
        u.old_adapters,
        u.new_adapters,
        u.flops,
        u.full_flops,
        u.old_lease.map(|l| l.0),
        u.old_lease.map(|l| l.1)
    )
    .execute(conn)
    .await
    .context("failed to move an erasure's shard")?;
    Ok(done.rows_affected() == 1)
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

/// Queues the replaced lease's adapters and its checkpoints from `from_slice` on for deletion from
/// the artifact store, and forgets them; the checkpoints before `from_slice` stay (another erasure may
/// resume from them). Returns how many objects were queued.
pub async fn queue_purge(conn: &mut PgConnection, run_id: Uuid, lease_id: Uuid, from_slice: i32, reason: &str) -> anyhow::Result<u64> {
    let queued = sqlx::query!(
        "with gone as (
            delete from shard_run_artifact
             where run_id = $1 and lease_id = $2
               and (name !~ '^checkpoint-[0-9]{4}[.]' or substring(name from 12 for 4)::int >= $3)
            returning location)
         insert into artifact_purge (location, reason) select location, $4 from gone on conflict (location) do nothing",
        run_id,
        lease_id,
        from_slice,
        reason
    )
    .execute(conn)
    .await
    .context("failed to queue artifacts for deletion")?;
    Ok(queued.rows_affected())
}

/// Artifact-store objects waiting to be deleted, locked for this pass.
pub async fn lock_purge(conn: &mut PgConnection, limit: i64) -> anyhow::Result<Vec<String>> {
    sqlx::query_scalar!("select location from artifact_purge order by created_at limit $1 for update skip locked", limit)
        .fetch_all(&mut *conn)
        .await
        .context("failed to read the purge queue")
}

pub async fn purged(conn: &mut PgConnection, location: &str) -> anyhow::Result<()> {
    sqlx::query!("delete from artifact_purge where location = $1", location).execute(conn).await.context("failed to clear a purge")?;
    Ok(())
}

/// The erasures that touch a job's shards: (request, status, requested, shard, from slice, state).
pub async fn for_job(conn: &mut PgConnection, job_id: Uuid) -> anyhow::Result<Vec<(Uuid, String, DateTime<Utc>, i32, i32, String)>> {
    let rows = sqlx::query!(
        "select r.id, r.status, r.created_at, s.shard_index, s.from_slice, s.state
         from erasure_shard s join erasure_request r on r.id = s.erasure_id
         where s.job_id = $1 order by r.created_at, s.shard_index",
        job_id
    )
    .fetch_all(conn)
    .await
    .context("failed to list a job's erasures")?;
    Ok(rows.into_iter().map(|r| (r.id, r.status, r.created_at, r.shard_index, r.from_slice, r.state)).collect())
}
