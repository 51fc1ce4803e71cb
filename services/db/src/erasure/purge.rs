//! The artifact purge queue: a replaced lease's artifacts queued for deletion from the store, read
//! under lock, and cleared once deleted.

use anyhow::Context;
use sqlx::PgConnection;
use uuid::Uuid;

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
