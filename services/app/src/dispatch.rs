//! Dispatch (DESIGN.md §5): when a job enters `queued`, in the same transaction, its accepted records
//! are planned into SISA shards and slices (`attune_domain::sisa::plan`), the plan is stored (record →
//! (shard, slice), one row per shard with its Merkle root, the policy's version and sha256 on the
//! job), one shard run per shard is queued, and waiting workers are woken.
//!
//! Only text records are trainable for now: a record given by `uri` stays accepted (the gate let it
//! through) but is left out of the plan, and the dispatch event says how many were left out.

use attune_db::jobs::JobRow;
use attune_db::shard_runs::NewShard;
use attune_domain::sisa::{self, DispatchPolicy, ShardRecord};
use serde_json::json;
use sqlx::PgConnection;

use crate::error::AppError;

pub fn policy() -> Result<DispatchPolicy, AppError> {
    DispatchPolicy::enforced().map_err(|e| AppError::Unexpected(anyhow::anyhow!("the dispatch policy could not be loaded: {e}")))
}

fn to_i32(n: u32) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

/// Plans and queues a job that has just entered `queued` (the caller holds its row lock).
pub async fn dispatch(conn: &mut PgConnection, job: &JobRow) -> Result<(), AppError> {
    let policy = policy()?;
    // A job that went back to payment review after an earlier dispatch never started training.
    attune_db::shard_runs::clear_plan(conn, job.id).await?;
    let accepted = attune_db::shard_runs::accepted_records(conn, job.id, job.dataset_id).await?;
    let skipped = accepted.iter().filter(|r| !r.has_text).count();
    let records: Vec<ShardRecord> = accepted
        .into_iter()
        .filter(|r| r.has_text)
        .map(|r| ShardRecord { record_id: r.record_id, content_hash: r.content_hash, subjects: r.pii_subject_ids })
        .collect();
    let plan = sisa::plan(&policy, &records);
    let shards: Vec<NewShard> = plan
        .summaries
        .iter()
        .map(|s| NewShard {
            index: to_i32(s.index),
            records: to_i32(s.records),
            personal_records: to_i32(s.personal_records),
            merkle_root: s.merkle_root.clone(),
            slice_sizes: s.slice_sizes.iter().copied().map(to_i32).collect(),
        })
        .collect();
    let assignments: Vec<(String, i32, i32)> =
        plan.assignments.iter().map(|a| (a.record_id.clone(), to_i32(a.shard), to_i32(a.slice))).collect();
    attune_db::shard_runs::insert_plan(conn, job.id, &shards, &assignments, to_i32(policy.max_attempts)).await?;
    attune_db::shard_runs::set_dispatched(conn, job.id, &plan.policy.version, &plan.policy.sha256).await?;
    let detail = json!({
        "event": "dispatched",
        "shards": plan.shards,
        "slices": plan.slices,
        "records": records.len(),
        "uri_records_left_out": skipped,
        "merkle_roots": plan.summaries.iter().map(|s| &s.merkle_root).collect::<Vec<_>>(),
        "policy": {"version": plan.policy.version, "sha256": plan.policy.sha256},
    });
    attune_db::jobs::insert_event(
        conn,
        &attune_db::jobs::NewEvent { job_id: job.id, kind: "shard", from_status: None, to_status: None, actor_id: None, detail: &detail },
    )
    .await?;
    attune_db::audit::append(conn, "system:dispatch", "job.dispatched", &format!("job:{}", job.id), &detail).await?;
    attune_db::shard_runs::notify(conn).await?;
    Ok(())
}
