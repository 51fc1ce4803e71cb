//! Erasure retraining on the edges: with the real trainer on the demo model (only the last slice is
//! trained again), and a retraining that fails for good on a job already paid out.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::dispatch::record;
use crate::erasure::{queued, train_all};

/// An erasure on the demo model with the real trainer (the server's in-process worker): the subject's
/// records sit in the shard's last slice (dispatch-v2), so only that slice is trained again, resuming
/// from the checkpoint the first training saved; the wall time is reported, not asserted.
#[tokio::test]
async fn an_erasure_on_the_demo_model_retrains_only_the_last_slice_with_the_real_trainer() {
    use std::time::{Duration, Instant};

    use crate::common::training::{buy_records, corpus, demo_app};

    let mut records = corpus();
    for r in records.iter_mut().skip(9) {
        r["pii_subject_ids"] = json!(["customer-1"]);
    }
    let m = buy_records(demo_app(true).await, 1, 4096, records).await;
    let lia = json!({"fields": crate::jobs::lia_fields()});
    let url = m.app.url(&format!("/api/v1/jobs/{}/documents/lia", m.job));
    assert_eq!(m.app.api.put(url).bearer_auth(&m.buyer.token).json(&lia).send().await.unwrap().status(), StatusCode::OK);
    m.until("training", Duration::from_secs(300), |j| j["status"] == "aggregating").await;
    assert!(m.app.aggregation.try_aggregate_next().await.unwrap().is_some());
    let first: Value = m.app.get(&format!("/api/v1/jobs/{}/certificate", m.job), Some(&m.buyer.token)).await.json().await.unwrap();

    let started = Instant::now();
    let res = m.app.post_json("/api/v1/erasure-requests", &json!({"subject_id": "customer-1"}), Some(&m.buyer.token)).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let e: Value = res.json().await.unwrap();
    let id = e["id"].as_str().unwrap().to_string();
    assert_eq!(e["affected"]["shards"][0]["from_slice"], 1, "the subject's records come last: {e}");
    assert_eq!(e["status"], "retraining");
    m.until("retraining", Duration::from_secs(300), |j| j["status"] == "aggregating").await;
    assert!(m.app.aggregation.try_aggregate_next().await.unwrap().is_some());
    attune_app::erasure_retrain::advance(&m.app.pool).await.unwrap();
    let done: Value = m.app.get(&format!("/api/v1/erasure-requests/{id}"), Some(&m.buyer.token)).await.json().await.unwrap();
    eprintln!("demo erasure: request -> certificate in {:.1} s", started.elapsed().as_secs_f64());
    assert_eq!(done["status"], "completed", "{done}");
    let cert = &done["certificate"]["body"];
    let share = cert["share_of_full_retrain"].as_f64().unwrap();
    eprintln!("demo erasure: {:.1} % of a full retrain's FLOPs", share * 100.0);
    assert!(share > 0.0 && share < 1.0, "one slice of two: {cert}");
    let after: Value = m.app.get(&format!("/api/v1/jobs/{}/certificate", m.job), Some(&m.buyer.token)).await.json().await.unwrap();
    assert_eq!(after["certificate"]["version"], 2);
    let (mismatches,): (i64,) =
        sqlx::query_as("select count(*) from chain_alert where kind = 'assessment_replay_mismatch'").fetch_one(&m.app.pool).await.unwrap();
    assert_eq!(mismatches, 0, "the new version's assessment replays as decided, the erased records counted as they were");
    assert_ne!(
        after["certificate"]["shards"][0]["adapters"][0]["sha256"], first["certificate"]["shards"][0]["adapters"][0]["sha256"],
        "the retrained adapter differs"
    );
}

/// A retraining that fails for good on a job already paid out refunds nothing (the escrow is
/// released) and leaves the erasure open with an alert: the old model still holds the records.
#[tokio::test]
async fn a_failed_retraining_of_a_paid_out_job_refunds_nothing_and_keeps_the_erasure_open() {
    let records: Vec<Value> = (0..30).map(|i| record(i, (i % 3 == 0).then(|| format!("customer-{}", i % 5)))).collect();
    let m = queued(records).await;
    let worker = train_all(&m, 1).await;
    assert!(m.app.send_operator_txs().await >= 1, "the release");
    m.app.watch().await;
    let payment: Value = m.app.get(&format!("/api/v1/jobs/{}/payment", m.job), Some(&m.buyer.token)).await.json().await.unwrap();
    assert_eq!(payment["status"], "released", "{payment}");
    let e: Value =
        m.app.post_json("/api/v1/erasure-requests", &json!({"subject_id": "customer-0"}), Some(&m.buyer.token)).await.json().await.unwrap();
    assert_eq!(e["status"], "retraining", "{e}");
    for _ in 0..3 {
        m.leased(&worker).await;
        m.app.queue.reap(chrono::Utc::now() + chrono::Duration::hours(1)).await.unwrap();
    }
    assert_eq!(m.status().await, "failed");
    let refunds = m.count("select count(*) from chain_tx where kind = 'refund' and subject like '%' || $1::text || '%'").await;
    assert_eq!(refunds, 0, "a released escrow is never refunded");
    attune_app::erasure_retrain::advance(&m.app.pool).await.unwrap();
    let now: Value =
        m.app.get(&format!("/api/v1/erasure-requests/{}", e["id"].as_str().unwrap()), Some(&m.buyer.token)).await.json().await.unwrap();
    assert_eq!(now["status"], "retraining", "not completed while the old model holds the records: {now}");
    let alerts = m.count("select count(*) from chain_alert where kind = 'erasure_retrain_failed' and subject = 'job:' || $1::text").await;
    assert_eq!(alerts, 1);
}

/// A shard whose lost attempt had already trained past the subject's first slice is rewound: the
/// next lease resumes from the checkpoint before that slice, and the certificate compares the
/// retraining with the job's training as it finally ran.
#[tokio::test]
async fn a_shard_requeued_after_passing_the_subjects_slice_resumes_before_it() {
    let records: Vec<Value> = (0..30).map(|i| record(i, (i % 3 == 0).then(|| format!("customer-{}", i % 5)))).collect();
    let m = queued(records).await;
    let worker = m.worker("lost-gpu").await;
    let lease = m.leased(&worker).await;
    let run = lease["run_id"].as_str().unwrap().to_string();
    let slices = lease["slices"].as_u64().unwrap();
    for slice in 0..slices {
        assert_eq!(m.heartbeat(&worker, &run, slice, true, 512).await.status(), StatusCode::OK);
    }
    // The worker dies before completing: its lease is reaped, every slice's checkpoint kept.
    assert_eq!(m.app.queue.reap(chrono::Utc::now() + chrono::Duration::hours(1)).await.unwrap().requeued, 1);
    let e: Value =
        m.app.post_json("/api/v1/erasure-requests", &json!({"subject_id": "customer-0"}), Some(&m.buyer.token)).await.json().await.unwrap();
    let from = e["affected"]["shards"][0]["from_slice"].as_u64().unwrap();
    assert!(from < slices, "{e}");
    assert_eq!(e["status"], "retraining", "the lost attempt had trained past the subject: {e}");
    let lease = m.leased(&worker).await;
    assert_eq!(lease["resume_from_slice"].as_u64(), Some(from), "resumes before the subject's first slice");
    let run = lease["run_id"].as_str().unwrap().to_string();
    for slice in from..slices {
        assert_eq!(m.heartbeat(&worker, &run, slice, true, 256).await.status(), StatusCode::OK);
    }
    assert_eq!(m.finish(&worker, &run, 1024).await.status(), StatusCode::OK);
    assert!(m.app.aggregation.try_aggregate_next().await.unwrap().is_some());
    attune_app::erasure_retrain::advance(&m.app.pool).await.unwrap();
    let done: Value =
        m.app.get(&format!("/api/v1/erasure-requests/{}", e["id"].as_str().unwrap()), Some(&m.buyer.token)).await.json().await.unwrap();
    assert_eq!(done["status"], "completed", "{done}");
    let cert = &done["certificate"]["body"];
    assert_eq!(cert["jobs"][0]["shards"][0]["state"], "retrained");
    assert!(cert["flops_full_retrain"].as_f64().unwrap() > 0.0, "{cert}");
    assert!((cert["share_of_full_retrain"].as_f64().unwrap() - 1.0).abs() < 1e-9, "one shard: its whole final run: {cert}");
}
