//! Training progress as heartbeats reported it: the loss curves of a job's shards.

use anyhow::Context;
use sqlx::PgConnection;
use uuid::Uuid;

/// One reported step: (shard, attempt, slice, step, loss), oldest first.
pub type ProgressPoint = (i32, i32, i32, i64, Option<f64>);

/// Every progress report of a job's shard runs, by shard then report order, at most `limit` per
/// shard (the newest ones when there are more).
pub async fn job_history(conn: &mut PgConnection, job_id: Uuid, limit: i64) -> anyhow::Result<Vec<ProgressPoint>> {
    let rows = sqlx::query!(
        r#"select shard_index as "shard_index!", attempt as "attempt!", slice as "slice!", step as "step!", loss from (
            select r.shard_index, p.attempt, p.slice, p.step, p.loss, p.id,
                   row_number() over (partition by r.shard_index order by p.id desc) as newest
            from shard_run_progress p join shard_run r on r.id = p.run_id
            where r.job_id = $1
         ) h where newest <= $2
         order by shard_index, id"#,
        job_id,
        limit,
    )
    .fetch_all(conn)
    .await
    .context("failed to read a job's training progress")?;
    Ok(rows.into_iter().map(|r| (r.shard_index, r.attempt, r.slice, r.step, r.loss)).collect())
}
