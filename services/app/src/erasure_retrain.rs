//! Carries erasure requests through retraining (DESIGN.md §5). Each affected shard is queued again
//! from the checkpoint saved before its first affected slice, through the same queue and workers;
//! other shards are untouched. A shard still being trained waits and is then retrained; a shard that
//! never reached the erased records needs nothing. When the job's new version is certified (the
//! aggregator re-issues the fine-tune certificate, superseding the old one), the request completes
//! with an erasure certificate — records removed, shards and slices retrained, the FLOPs spent
//! against a full retrain, old and new adapter hashes — anchored on chain (kind 3).

use anyhow::Context;
use attune_db::erasure::{ErasureRow, ErasureShardRow, ShardUpdate};
use attune_domain::OrgScope;
use attune_domain::erasure::ErasureStatus;
use attune_domain::job::JobStatus;
use serde_json::json;
use sha2::{Digest, Sha256};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use crate::error::AppError;
use crate::job_lifecycle::{Transition, transition};

/// The registry's kind for an erasure certificate (API.md).
pub const ANCHOR_ERASURE_CERTIFICATE: u8 = 3;
pub const CERTIFICATE_FORMAT: &str = "attune-erasure-certificate/1";

/// The anchor subject of an erasure certificate.
pub fn anchor_subject(erasure_id: Uuid) -> String {
    format!("erasure:{erasure_id}")
}

/// Where copies of erased content may linger, and until when: named in every certificate.
const RETENTION: [(&str, &str); 2] = [
    ("worker scratch directories", "deleted when each training attempt ends"),
    ("PostgreSQL write-ahead log and dead tuples", "overwritten at the next checkpoint and vacuum (minutes to hours)"),
];

/// One pass over the open requests; returns how many moved on. Each request is locked for the pass,
/// so replicas never advance the same one twice.
pub async fn advance(pool: &PgPool) -> Result<usize, AppError> {
    advance_at(pool, chrono::Utc::now()).await
}

/// `advance` as of `now`: a request still open past its one-month deadline (GDPR Art. 12(3)) raises
/// an `erasure_overdue` alert for the admins.
pub async fn advance_at(pool: &PgPool, now: chrono::DateTime<chrono::Utc>) -> Result<usize, AppError> {
    let mut tx = pool.begin().await.context("failed to begin an erasure pass")?;
    let open = attune_db::erasure::lock_open(&mut tx, 50).await?;
    let mut moved = 0;
    let mut requeued = false;
    for request in open.iter().filter(|r| r.deadline_at < now) {
        let detail = json!({"deadline_at": request.deadline_at, "status": request.status, "organization_id": request.organization_id});
        attune_db::chain::raise_alert(&mut tx, "erasure_overdue", &anchor_subject(request.id), &detail).await?;
    }
    for request in &open {
        let (m, r) = advance_one(&mut tx, request).await?;
        moved += m;
        requeued |= r;
    }
    if requeued {
        attune_db::shard_runs::notify(&mut tx).await?;
    }
    tx.commit().await.context("failed to commit an erasure pass")?;
    Ok(moved)
}

async fn advance_one(conn: &mut PgConnection, request: &ErasureRow) -> Result<(usize, bool), AppError> {
    let mut moved = 0;
    let mut requeued = false;
    for shard in attune_db::erasure::shards_of(conn, request.id).await? {
        let (m, r) = advance_shard(conn, request.id, &shard).await?;
        moved += usize::from(m);
        requeued |= r;
    }
    let shards = attune_db::erasure::shards_of(conn, request.id).await?;
    let status = ErasureStatus::parse(&request.status).unwrap_or(ErasureStatus::Pending);
    let done = shards.iter().all(|s| s.state == "retrained" || s.state == "not_trained");
    if done {
        let (certificate, sha256) = certificate(conn, request, &shards).await?;
        if attune_db::erasure::complete(conn, request.id, status.as_str(), &certificate, &sha256).await? {
            crate::operator_txs::request_anchor(conn, &anchor_subject(request.id), &format!("0x{sha256}"), ANCHOR_ERASURE_CERTIFICATE)
                .await?;
            reflect_in_jobs(conn, request, &shards).await?;
            attune_db::audit::append(
                conn,
                "system:erasure",
                "erasure.completed",
                &format!("erasure:{}", request.id),
                &json!({"certificate_sha256": sha256, "share_of_full_retrain": certificate["share_of_full_retrain"]}),
            )
            .await?;
            moved += 1;
        }
    } else if status == ErasureStatus::Pending && shards.iter().any(|s| s.state == "retraining") {
        attune_db::erasure::set_status(conn, request.id, ErasureStatus::Pending.as_str(), ErasureStatus::Retraining.as_str()).await?;
    }
    Ok((moved, requeued))
}

/// Moves one shard of a request on, if it can; (moved, requeued a run).
async fn advance_shard(conn: &mut PgConnection, erasure_id: Uuid, shard: &ErasureShardRow) -> Result<(bool, bool), AppError> {
    let update = |from: &'static str, to: &'static str| ShardUpdate {
        erasure_id,
        job_id: shard.job_id,
        shard_index: shard.shard_index,
        from_state: from,
        to_state: to,
        old_adapters: None,
        new_adapters: None,
        flops: None,
        full_flops: None,
        old_lease: None,
    };
    let job = attune_db::jobs::get(conn, &OrgScope::Platform, shard.job_id).await?.ok_or(AppError::NotFound)?;
    let status = JobStatus::parse(&job.status).ok_or_else(|| AppError::Unexpected(anyhow::anyhow!("unknown job status")))?;
    let runs = attune_db::shard_runs::runs_of_job(conn, shard.job_id).await?;
    let run = runs.iter().find(|r| r.shard_index == shard.shard_index);
    match shard.state.as_str() {
        "waiting" => {
            let ended = matches!(status, JobStatus::Failed | JobStatus::Refunded | JobStatus::Cancelled | JobStatus::CancelRequested);
            let Some(run) = run.filter(|_| !ended) else {
                if ended && still_delivered(conn, erasure_id, shard, status).await? {
                    return Ok((false, false));
                }
                // The job ended without a model: nothing learnt from the records.
                return Ok((attune_db::erasure::update_shard(conn, &update("waiting", "not_trained")).await?, false));
            };
            match run.status.as_str() {
                "queued" if run.slices_done <= shard.from_slice => {
                    // It had not reached the erased records; it trains without them.
                    Ok((attune_db::erasure::update_shard(conn, &update("waiting", "not_trained")).await?, false))
                }
                "queued" => {
                    attune_db::shard_runs::rewind_queued(conn, shard.job_id, shard.shard_index, shard.from_slice).await?;
                    Ok((attune_db::erasure::update_shard(conn, &update("waiting", "retraining")).await?, false))
                }
                "failed" => Ok((attune_db::erasure::update_shard(conn, &update("waiting", "not_trained")).await?, false)),
                "succeeded" if matches!(status, JobStatus::Completed | JobStatus::Training) => {
                    requeue(conn, erasure_id, shard, status).await?;
                    Ok((true, true))
                }
                // Leased (being trained) or aggregating: wait, then retrain.
                _ => Ok((false, false)),
            }
        }
        "retraining" => {
            let certified_after = match attune_db::certificates::current(conn, shard.job_id).await? {
                Some(c) => shard.queued_at.is_some_and(|q| c.created_at > q),
                None => false,
            };
            let Some(run) = run.filter(|r| r.status == "succeeded" && status == JobStatus::Completed && certified_after) else {
                if matches!(status, JobStatus::Failed | JobStatus::Refunded | JobStatus::Cancelled) {
                    if still_delivered(conn, erasure_id, shard, status).await? {
                        return Ok((false, false));
                    }
                    return Ok((attune_db::erasure::update_shard(conn, &update("retraining", "not_trained")).await?, false));
                }
                return Ok((false, false));
            };
            let new = adapters_of(conn, shard.job_id, shard.shard_index).await?;
            // A shard rewound before the job ever finished has no earlier full run to compare with:
            // the job's training as it finally ran is the full retrain.
            let full = (shard.full_flops <= 0.0).then(|| runs.iter().map(|r| r.flops).sum::<f64>());
            let moved = attune_db::erasure::update_shard(
                conn,
                &ShardUpdate { new_adapters: Some(&new), flops: Some(run.flops), full_flops: full, ..update("retraining", "retrained") },
            )
            .await?;
            // The superseded model's adapters, and its checkpoints that learnt from the erased
            // records, leave the artifact store (the queue's housekeeping deletes them).
            if moved && let (Some(run_id), Some(lease_id)) = (shard.old_run_id, shard.old_lease_id) {
                attune_db::erasure::queue_purge(conn, run_id, lease_id, shard.from_slice, &format!("erasure:{erasure_id}")).await?;
            }
            Ok((moved, false))
        }
        _ => Ok((false, false)),
    }
}

/// Each affected job's summary records the erasure, and its buyer is told the new version is ready.
async fn reflect_in_jobs(conn: &mut PgConnection, request: &ErasureRow, shards: &[ErasureShardRow]) -> Result<(), AppError> {
    let jobs: Vec<Uuid> = request.affected["jobs"].as_array().into_iter().flatten().filter_map(|j| j.as_str()?.parse().ok()).collect();
    let tombstones = attune_db::erasure::tombstones(conn, request.id).await?;
    for job_id in jobs {
        let job = attune_db::jobs::get(conn, &OrgScope::Platform, job_id).await?.ok_or(AppError::NotFound)?;
        let removed = tombstones.iter().filter(|(dataset, ..)| *dataset == job.dataset_id).count() as u64;
        let retrained = shards.iter().filter(|s| s.job_id == job_id && s.state == "retrained").count() as u64;
        crate::training_summary::record_erasure(conn, job_id, removed, retrained).await?;
        if retrained == 0 {
            continue;
        }
        if let Some((email, name)) = attune_db::jobs::creator_email(conn, job_id).await? {
            let mail = attune_domain::notification::OutgoingEmail {
                to: email,
                subject: "A new version of your fine-tune is ready after an erasure".to_owned(),
                text: format!(
                    "Hello {name},\n\nan erasure request (GDPR Art. 17) removed {removed} record(s) of a data subject from job {job_id}. \
                     {retrained} shard(s) were trained again without them, and a new version of the fine-tune replaces the old one: \
                     download the new adapters from the job page. The old adapters are deleted; the job's certificate and the erasure \
                     certificate are anchored on chain.\n\n— Attune\n"
                ),
                html: None,
            };
            attune_db::outbox::enqueue(conn, "email", &serde_json::to_value(&mail).context("failed to encode mail")?).await?;
        }
    }
    Ok(())
}

/// Whether an ended job had delivered a model that still holds the erased records (it has a
/// certificate): then the erasure is not done, and the admins are alerted.
async fn still_delivered(conn: &mut PgConnection, erasure_id: Uuid, shard: &ErasureShardRow, status: JobStatus) -> Result<bool, AppError> {
    if attune_db::certificates::current(conn, shard.job_id).await?.is_none() {
        return Ok(false);
    }
    let detail = json!({"erasure": erasure_id, "shard": shard.shard_index, "job_status": status.as_str()});
    attune_db::chain::raise_alert(conn, "erasure_retrain_failed", &format!("job:{}", shard.job_id), &detail).await?;
    Ok(true)
}

/// The adapters a shard's succeeded run delivered: `[{name, sha256}]`.
async fn adapters_of(conn: &mut PgConnection, job_id: Uuid, shard_index: i32) -> Result<serde_json::Value, AppError> {
    let delivered = attune_db::certificates::delivered(conn, job_id).await?;
    Ok(json!(
        delivered.iter().filter(|d| d.shard_index == shard_index).map(|d| json!({"name": d.name, "sha256": d.sha256})).collect::<Vec<_>>()
    ))
}

/// Queues a trained shard again from its first affected slice, keeping what it delivered before
/// (for the certificate) and what training every shard cost (the full-retrain comparison).
async fn requeue(conn: &mut PgConnection, erasure_id: Uuid, shard: &ErasureShardRow, status: JobStatus) -> Result<(), AppError> {
    let delivered = attune_db::certificates::delivered(conn, shard.job_id).await?;
    let old = adapters_of(conn, shard.job_id, shard.shard_index).await?;
    let mut full = 0.0;
    let mut seen: Vec<i32> = Vec::new();
    for d in &delivered {
        if !seen.contains(&d.shard_index) {
            seen.push(d.shard_index);
            full += d.flops;
        }
    }
    let old_lease = attune_db::shard_runs::succeeded_lease(conn, shard.job_id, shard.shard_index).await?;
    if !attune_db::shard_runs::requeue_from_slice(conn, shard.job_id, shard.shard_index, shard.from_slice).await? {
        return Err(AppError::Unexpected(anyhow::anyhow!("shard {} of job {} was not succeeded", shard.shard_index, shard.job_id)));
    }
    let moved = attune_db::erasure::update_shard(
        conn,
        &ShardUpdate {
            erasure_id,
            job_id: shard.job_id,
            shard_index: shard.shard_index,
            from_state: "waiting",
            to_state: "retraining",
            old_adapters: Some(&old),
            new_adapters: None,
            flops: None,
            full_flops: Some(full),
            old_lease,
        },
    )
    .await?;
    if !moved {
        return Err(AppError::Unexpected(anyhow::anyhow!("an erasure's shard moved meanwhile")));
    }
    if status == JobStatus::Completed {
        transition(
            conn,
            &Transition {
                job_id: shard.job_id,
                from: JobStatus::Completed,
                to: JobStatus::Training,
                actor: None,
                detail: json!({"reason": "an erasure request retrains the shard that held the subject's records",
                    "erasure": erasure_id, "shard": shard.shard_index, "from_slice": shard.from_slice}),
            },
        )
        .await?;
    }
    Ok(())
}

/// The erasure certificate and the sha256 of its canonical JSON (RFC 8785).
async fn certificate(
    conn: &mut PgConnection,
    request: &ErasureRow,
    shards: &[ErasureShardRow],
) -> Result<(serde_json::Value, String), AppError> {
    let tombstones = attune_db::erasure::tombstones(conn, request.id).await?;
    let mut jobs: Vec<serde_json::Value> = Vec::new();
    let (mut spent, mut full) = (0.0_f64, 0.0_f64);
    let mut job_ids: Vec<Uuid> = shards.iter().map(|s| s.job_id).collect();
    job_ids.dedup();
    for job_id in job_ids {
        let of_job: Vec<&ErasureShardRow> = shards.iter().filter(|s| s.job_id == job_id).collect();
        let job_full = of_job.iter().map(|s| s.full_flops).fold(0.0, f64::max);
        let job_spent: f64 = of_job.iter().map(|s| s.flops).sum();
        spent += job_spent;
        full += job_full;
        let version = attune_db::certificates::current(conn, job_id).await?.map(|c| c.version);
        jobs.push(json!({
            "job_id": job_id,
            "certificate_version": version,
            "flops_spent": job_spent,
            "flops_full_retrain": job_full,
            "shards": of_job.iter().map(|s| json!({
                "shard_index": s.shard_index, "from_slice": s.from_slice, "state": s.state, "flops": s.flops,
                "old_adapters": s.old_adapters, "new_adapters": s.new_adapters,
                "retrained_at": s.done_at.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
            })).collect::<Vec<_>>(),
        }));
    }
    let share = if full > 0.0 { spent / full } else { 0.0 };
    let body = json!({
        "format": CERTIFICATE_FORMAT,
        "erasure_id": request.id,
        "organization_id": request.organization_id,
        "subject_sha256": request.subject_sha256,
        "requested_at": request.created_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "deadline_at": request.deadline_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "completed_at": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "records_removed": tombstones.iter().map(|(d, r, h)| json!({"dataset_id": d, "record_id": r, "content_hash": h})).collect::<Vec<_>>(),
        "jobs": jobs,
        "flops_spent": spent,
        "flops_full_retrain": full,
        "share_of_full_retrain": share,
        "retention": RETENTION.iter().map(|(store, expiry)| json!({"store": store, "expires": expiry})).collect::<Vec<_>>(),
    });
    let canonical = serde_jcs::to_string(&body).context("failed to canonicalise an erasure certificate")?;
    Ok((body, hex::encode(Sha256::digest(canonical.as_bytes()))))
}
