//! Artifacts workers upload under their leases (adapters, per-slice checkpoints), and the lookups
//! that resume a retried attempt from an earlier attempt's checkpoint.

use anyhow::Context;
use sqlx::PgConnection;
use uuid::Uuid;

pub struct NewArtifact<'a> {
    pub run_id: Uuid,
    pub lease_id: Uuid,
    pub name: &'a str,
    pub sha256: &'a str,
    pub size: i64,
    pub location: &'a str,
}

/// Records an uploaded artifact (a repeated upload of the same name under the same lease replaces it).
pub async fn put_artifact(conn: &mut PgConnection, a: &NewArtifact<'_>) -> anyhow::Result<()> {
    sqlx::query!(
        "insert into shard_run_artifact (run_id, lease_id, name, sha256, size, location) values ($1, $2, $3, $4, $5, $6)
         on conflict (run_id, lease_id, name) do update set sha256 = excluded.sha256, size = excluded.size, location = excluded.location,
            created_at = now()",
        a.run_id,
        a.lease_id,
        a.name,
        a.sha256,
        a.size,
        a.location,
    )
    .execute(conn)
    .await
    .context("failed to record an artifact")?;
    Ok(())
}

/// The artifacts uploaded under one lease: (name, sha256, size).
pub async fn artifacts(conn: &mut PgConnection, run_id: Uuid, lease_id: Uuid) -> anyhow::Result<Vec<(String, String, i64)>> {
    let rows = sqlx::query!(
        "select name, sha256, size from shard_run_artifact where run_id = $1 and lease_id = $2 order by name",
        run_id,
        lease_id
    )
    .fetch_all(conn)
    .await
    .context("failed to list a lease's artifacts")?;
    Ok(rows.into_iter().map(|r| (r.name, r.sha256, r.size)).collect())
}

/// Where one artifact of a run is kept: the newest upload of `name` under any of its leases.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct StoredArtifact {
    pub lease_id: Uuid,
    pub name: String,
    pub sha256: String,
    pub size: i64,
    pub location: String,
}

pub async fn newest(conn: &mut PgConnection, run_id: Uuid, name: &str) -> anyhow::Result<Option<StoredArtifact>> {
    sqlx::query_as!(
        StoredArtifact,
        "select lease_id, name, sha256, size, location from shard_run_artifact where run_id = $1 and name = $2
         order by created_at desc limit 1",
        run_id,
        name,
    )
    .fetch_optional(conn)
    .await
    .context("failed to find an artifact")
}

/// The files of the newest checkpoint of slice `prefix` (`checkpoint-KKKK.`) uploaded for a run:
/// all of them from the one lease that uploaded that checkpoint last.
pub async fn checkpoint_files(conn: &mut PgConnection, run_id: Uuid, prefix: &str) -> anyhow::Result<Vec<StoredArtifact>> {
    sqlx::query_as!(
        StoredArtifact,
        "with newest as (
            select lease_id from shard_run_artifact where run_id = $1 and starts_with(name, $2)
            order by created_at desc limit 1
         )
         select a.lease_id, a.name, a.sha256, a.size, a.location from shard_run_artifact a join newest n using (lease_id)
         where a.run_id = $1 and starts_with(a.name, $2) order by a.name",
        run_id,
        prefix,
    )
    .fetch_all(conn)
    .await
    .context("failed to list a checkpoint's files")
}
