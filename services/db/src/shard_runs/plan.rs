//! The shard plan of a job: its accepted records, the shards with their record → (shard, slice)
//! map and one queued run per shard, and the dispatch stamp.

use anyhow::Context;
use sqlx::PgConnection;
use uuid::Uuid;

/// An accepted record of a job as the planner needs it, in upload order.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PlanRecord {
    pub record_id: String,
    pub content_hash: String,
    pub pii_subject_ids: Vec<String>,
    pub has_text: bool,
}

/// The records a job's gate accepted (every dataset record not excluded), in upload order.
pub async fn accepted_records(conn: &mut PgConnection, job_id: Uuid, dataset_id: Uuid) -> anyhow::Result<Vec<PlanRecord>> {
    sqlx::query_as!(
        PlanRecord,
        r#"select r.record_id, r.content_hash, r.pii_subject_ids, r.text is not null as "has_text!"
         from dataset_record r
         where r.dataset_id = $2 and r.erased_at is null
           and not exists (select 1 from job_record_exclusion e where e.job_id = $1 and e.record_id = r.record_id)
         order by r.seq"#,
        job_id,
        dataset_id
    )
    .fetch_all(conn)
    .await
    .context("failed to read a job's accepted records")
}

/// Drops a previous plan of a job that never started training (it went back to payment review and
/// is dispatched again); its runs were never leased.
pub async fn clear_plan(conn: &mut PgConnection, job_id: Uuid) -> anyhow::Result<u64> {
    let done = sqlx::query!("delete from job_shard where job_id = $1", job_id)
        .execute(conn)
        .await
        .context("failed to clear a job's shard plan")?;
    Ok(done.rows_affected())
}

pub struct NewShard {
    pub index: i32,
    pub records: i32,
    pub personal_records: i32,
    pub merkle_root: String,
    pub slice_sizes: Vec<i32>,
}

/// Stores the shards, the record → (shard, slice) map and one queued run per shard.
pub async fn insert_plan(
    conn: &mut PgConnection,
    job_id: Uuid,
    shards: &[NewShard],
    assignments: &[(String, i32, i32)],
    max_attempts: i32,
) -> anyhow::Result<()> {
    for s in shards {
        sqlx::query!(
            "insert into job_shard (job_id, shard_index, records, personal_records, merkle_root, slice_sizes) values ($1, $2, $3, $4, $5, $6)",
            job_id,
            s.index,
            s.records,
            s.personal_records,
            &s.merkle_root,
            &s.slice_sizes[..]
        )
        .execute(&mut *conn)
        .await
        .context("failed to insert a job shard")?;
    }
    let ids: Vec<&str> = assignments.iter().map(|a| a.0.as_str()).collect();
    let shard: Vec<i32> = assignments.iter().map(|a| a.1).collect();
    let slice: Vec<i32> = assignments.iter().map(|a| a.2).collect();
    let position: Vec<i32> = (0..assignments.len()).map(|i| i32::try_from(i).unwrap_or(i32::MAX)).collect();
    sqlx::query!(
        "insert into job_shard_record (job_id, record_id, shard_index, slice, position)
         select $1, * from unnest($2::text[], $3::int[], $4::int[], $5::int[])",
        job_id,
        &ids[..] as &[&str],
        &shard[..],
        &slice[..],
        &position[..]
    )
    .execute(&mut *conn)
    .await
    .context("failed to store a job's record assignments")?;
    let indices: Vec<i32> = shards.iter().map(|s| s.index).collect();
    sqlx::query!(
        "insert into shard_run (id, job_id, shard_index, max_attempts)
         select gen_random_uuid(), $1, i, $3 from unnest($2::int[]) as i",
        job_id,
        &indices[..],
        max_attempts
    )
    .execute(&mut *conn)
    .await
    .context("failed to queue a job's shard runs")?;
    Ok(())
}

pub async fn set_dispatched(conn: &mut PgConnection, job_id: Uuid, version: &str, sha256: &str) -> anyhow::Result<()> {
    sqlx::query!(
        "update job set dispatch_policy_version = $2, dispatch_policy_sha256 = $3, dispatched_at = now() where id = $1",
        job_id,
        version,
        sha256
    )
    .execute(conn)
    .await
    .context("failed to record a job's dispatch")?;
    Ok(())
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ShardRow {
    pub shard_index: i32,
    pub records: i32,
    pub personal_records: i32,
    pub merkle_root: String,
    pub slice_sizes: Vec<i32>,
}

pub async fn shards(conn: &mut PgConnection, job_id: Uuid) -> anyhow::Result<Vec<ShardRow>> {
    sqlx::query_as!(
        ShardRow,
        "select shard_index, records, personal_records, merkle_root, slice_sizes from job_shard where job_id = $1 order by shard_index",
        job_id
    )
    .fetch_all(conn)
    .await
    .context("failed to read a job's shards")
}
