//! GDPR Art. 17 erasure requests over HTTP: the subject's records are found across the
//! organisation's datasets and jobs, their content is deleted at once (tombstones keep the id and the
//! content hash), the answer names the one shard that held the subject with its first affected slice
//! and the share of a full retrain; a repeat is idempotent, an unknown subject is recorded with nothing
//! affected, another organisation sees nothing, and an admin acts on a subject's behalf with evidence.

use reqwest::StatusCode;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::dispatch::{Market, market, record};

/// A paid job on `records` whose legitimate-interest assessment is filed: dispatched into shards.
pub(crate) async fn queued(records: Vec<Value>) -> Market {
    let m = market(records).await;
    m.pay().await;
    let lia = json!({"fields": crate::jobs::lia_fields()});
    let url = m.app.url(&format!("/api/v1/jobs/{}/documents/lia", m.job));
    let res = m.app.api.put(url).bearer_auth(&m.buyer.token).json(&lia).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    m
}

/// A synthetic worker trains every one of the job's `shards` (2,048 tokens a slice, 8,192 a shard)
/// and the job is aggregated: completed, its certificate issued.
pub(crate) async fn train_all(m: &Market, shards: usize) -> String {
    let worker = m.worker("gpu-box-erasure").await;
    for _ in 0..shards {
        let lease = m.leased(&worker).await;
        let run = lease["run_id"].as_str().unwrap().to_string();
        for slice in 0..lease["slices"].as_u64().unwrap() {
            assert_eq!(m.heartbeat(&worker, &run, slice, true, 2048).await.status(), StatusCode::OK);
        }
        assert_eq!(m.finish(&worker, &run, 8192).await.status(), StatusCode::OK);
    }
    assert_eq!(m.app.aggregation.try_aggregate_next().await.unwrap().map(|j| j.to_string()), Some(m.job.clone()));
    assert_eq!(m.status().await, "completed");
    worker
}

#[tokio::test]
async fn an_erasure_deletes_the_subjects_records_and_names_the_shard_and_slice_to_retrain() {
    // 450 records, every third naming one of 20 subjects: three shards, each subject in one of them.
    let records: Vec<Value> = (0..450).map(|i| record(i, (i % 3 == 0).then(|| format!("customer-{}", i % 20)))).collect();
    let m = queued(records).await;
    assert_eq!(m.status().await, "queued", "dispatched into shards");

    let res = m.app.post_json("/api/v1/erasure-requests", &json!({"subject_id": " "}), Some(&m.buyer.token)).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(res.json::<Value>().await.unwrap()["errors"][0]["field"], "subject_id");

    let res = m
        .app
        .post_json(
            "/api/v1/erasure-requests",
            &json!({"subject_id": "customer-7", "reason": "Art. 17(1)(b): consent withdrawn"}),
            Some(&m.buyer.token),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let e: Value = res.json().await.unwrap();
    // customer-7 names records i with i % 3 == 0 and i % 20 == 7: i = 27, 87, 147, 207, 267, 327, 387, 447.
    let records = e["affected"]["records"].as_array().unwrap();
    assert_eq!(records.len(), 8, "{e}");
    assert_eq!(e["affected"]["jobs"], json!([m.job]));
    let shards = e["affected"]["shards"].as_array().unwrap();
    assert_eq!(shards.len(), 1, "one subject, one shard: {e}");
    let shard = shards[0]["shard_index"].as_i64().unwrap();
    let (held_by,): (i64,) =
        sqlx::query_as("select count(distinct a.shard_index) from job_shard_record a where a.job_id = $1 and a.record_id = any($2)")
            .bind(Uuid::parse_str(&m.job).unwrap())
            .bind(records.iter().map(|r| r["record_id"].as_str().unwrap().to_string()).collect::<Vec<_>>())
            .fetch_one(&m.app.pool)
            .await
            .unwrap();
    assert_eq!(held_by, 1);
    let first_slice = m
        .count(&format!(
            "select min(slice)::bigint from job_shard_record where job_id = $1 and shard_index = {shard}
               and record_id in ('r27', 'r87', 'r147', 'r207', 'r267', 'r327', 'r387', 'r447')"
        ))
        .await;
    assert_eq!(shards[0]["from_slice"].as_i64(), Some(first_slice), "retrained from the checkpoint before the first affected slice");
    // Training is cumulative (stage k trains on slices 0..=k): the cost is the stages from the first
    // affected slice on, over every stage of every shard.
    let sizes: Vec<(Vec<i32>,)> = sqlx::query_as("select slice_sizes from job_shard where job_id = $1 order by shard_index")
        .bind(Uuid::parse_str(&m.job).unwrap())
        .fetch_all(&m.app.pool)
        .await
        .unwrap();
    let stages = |s: &[i32], from: usize| -> i64 {
        let mut seen = 0i64;
        s.iter()
            .enumerate()
            .map(|(k, n)| {
                seen += i64::from(*n);
                if k >= from { seen } else { 0 }
            })
            .sum()
    };
    let full: i64 = sizes.iter().map(|(s,)| stages(s, 0)).sum();
    let again = stages(&sizes[shard as usize].0, first_slice as usize);
    let fraction = e["retrain_fraction"].as_f64().unwrap();
    assert!((fraction - again as f64 / full as f64).abs() < 1e-9, "{fraction} vs {again}/{full}");
    assert!(fraction > 0.0 && fraction <= 1.0 / 3.0 + 1e-9, "at most one shard of three: {fraction}");
    // No worker had leased the shard: it never learnt from the records and trains without them, so
    // the erasure is complete at once, with its certificate.
    assert_eq!(e["status"], "completed", "{e}");
    let cert = &e["certificate"]["body"];
    assert_eq!(cert["jobs"][0]["shards"][0]["state"], "not_trained", "{cert}");
    assert_eq!((cert["share_of_full_retrain"].as_f64(), cert["records_removed"].as_array().map(Vec::len)), (Some(0.0), Some(8)));
    assert_eq!(e["subject_sha256"].as_str().unwrap().len(), 64);
    assert!(!e.to_string().contains("customer-7"), "the subject id is not kept");
    let deadline = chrono::DateTime::parse_from_rfc3339(e["deadline_at"].as_str().unwrap()).unwrap();
    let created = chrono::DateTime::parse_from_rfc3339(e["created_at"].as_str().unwrap()).unwrap();
    assert!((28..=31).contains(&(deadline - created).num_days()), "one month (Art. 12(3))");

    // The content is gone from every record; a tombstone keeps id and hash.
    let gone = m
        .count(
            "select count(*) from dataset_record r join job j on j.dataset_id = r.dataset_id
             where j.id = $1 and r.erased_at is not null and r.text is null and cardinality(r.pii_subject_ids) = 0
               and r.content_hash ~ '^[0-9a-f]{64}$'",
        )
        .await;
    assert_eq!(gone, 8);
    let still = m.count("select count(*) from dataset_record r join job j on j.dataset_id = r.dataset_id where j.id = $1 and 'customer-7' = any(r.pii_subject_ids)").await;
    assert_eq!(still, 0);
    let dataset = m.job().await["dataset_id"].as_str().unwrap().to_string();
    let page: Value = m.app.get(&format!("/api/v1/datasets/{dataset}/records?limit=500"), Some(&m.buyer.token)).await.json().await.unwrap();
    let tombstones: Vec<&Value> = page["items"].as_array().unwrap().iter().filter(|r| !r["erased_at"].is_null()).collect();
    assert_eq!(tombstones.len(), 8);
    assert!(
        tombstones.iter().all(|t| t["pii_subjects"] == 0 && t["content_hash"].as_str().is_some_and(|h| h.len() == 64)),
        "{tombstones:?}"
    );

    // A repeat answers with the first request; another organisation sees nothing of it.
    let id = e["id"].as_str().unwrap();
    let res = m.app.post_json("/api/v1/erasure-requests", &json!({"subject_id": "customer-7"}), Some(&m.buyer.token)).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.json::<Value>().await.unwrap()["id"], id);
    // Records of the subject uploaded after the erasure completed are erased by a new request.
    let later =
        vec![json!({"id": "late-1", "text": "customer 7 wrote again", "licence": {"kind": "own"}, "pii_subject_ids": ["customer-7"]})];
    let res = m.app.post_json("/api/v1/datasets", &json!({"name": "later tickets", "records": later}), Some(&m.buyer.token)).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let res = m.app.post_json("/api/v1/erasure-requests", &json!({"subject_id": "customer-7"}), Some(&m.buyer.token)).await;
    assert_eq!(res.status(), StatusCode::CREATED, "the subject's new records need a new erasure");
    let second: Value = res.json().await.unwrap();
    assert_ne!(second["id"], e["id"]);
    assert_eq!(second["affected"]["records"].as_array().map(Vec::len), Some(1), "{second}");
    let stranger = m.app.new_user().await;
    assert_eq!(m.app.get(&format!("/api/v1/erasure-requests/{id}"), Some(&stranger.token)).await.status(), StatusCode::NOT_FOUND);
    let theirs: Value = m
        .app
        .post_json("/api/v1/erasure-requests", &json!({"subject_id": "customer-8"}), Some(&stranger.token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(theirs["affected"]["records"], json!([]), "their request reaches only their own data");
    let ours: Value = m.app.get(&format!("/api/v1/erasure-requests/{id}"), Some(&m.buyer.token)).await.json().await.unwrap();
    assert_eq!(ours["certificate"]["sha256"], e["certificate"]["sha256"]);

    // With an Idempotency-Key, the same key and body replay the first answer; another body is 422.
    let keyed = |body: Value| {
        let (app, token) = (&m.app, m.buyer.token.clone());
        async move {
            app.api
                .post(app.url("/api/v1/erasure-requests"))
                .bearer_auth(token)
                .header("Idempotency-Key", "erase-42")
                .json(&body)
                .send()
                .await
                .unwrap()
        }
    };
    let first = keyed(json!({"subject_id": "customer-11"})).await;
    assert_eq!(first.status(), StatusCode::CREATED);
    let first: Value = first.json().await.unwrap();
    let again = keyed(json!({"subject_id": "customer-11"})).await;
    assert_eq!(again.status(), StatusCode::CREATED, "the first answer, replayed");
    assert_eq!(again.json::<Value>().await.unwrap()["id"], first["id"]);
    let other = keyed(json!({"subject_id": "customer-12"})).await;
    assert_eq!(other.status(), StatusCode::UNPROCESSABLE_ENTITY);

    // An unknown subject is still recorded, with nothing affected.
    let res = m.app.post_json("/api/v1/erasure-requests", &json!({"subject_id": "nobody-we-know"}), Some(&m.buyer.token)).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let nothing: Value = res.json().await.unwrap();
    assert_eq!((nothing["affected"]["records"].clone(), nothing["retrain_fraction"].as_f64()), (json!([]), Some(0.0)));
    assert_eq!(nothing["status"], "completed");
    assert!(nothing["certificate"]["body"]["records_removed"].as_array().is_some_and(Vec::is_empty), "recorded and certified: {nothing}");

    // An admin acts on a subject's behalf only with the subject's request attached.
    let body = json!({"subject_id": "customer-9", "organization_id": m.buyer.organization_id});
    let res = m.app.post_json("/api/v1/erasure-requests", &body, Some(&m.admin.token)).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let res = m.app.post_json("/api/v1/erasure-requests", &body, Some(&stranger.token)).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN, "only an admin acts for another organisation's data");
    let mut body = body;
    body["evidence"] = json!("E-mail of 2 December from the subject asking to be forgotten, identity checked by phone");
    let res = m.app.post_json("/api/v1/erasure-requests", &body, Some(&m.admin.token)).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let by_admin: Value = res.json().await.unwrap();
    assert_eq!(by_admin["affected"]["records"].as_array().unwrap().len(), 8, "{by_admin}");
    // The admins see every organisation's requests with their deadlines.
    let admin_page = m.app.page_session(&m.admin).await.get(m.app.url("/admin/erasure")).send().await.unwrap().text().await.unwrap();
    assert!(admin_page.contains(&format!("erasure-{id}")) && admin_page.contains(&format!("erasure-{}", by_admin["id"].as_str().unwrap())));
    let buyer_page = m.app.page_session(&m.buyer).await.get(m.app.url("/admin/erasure")).send().await.unwrap();
    assert_eq!(buyer_page.status(), StatusCode::FORBIDDEN);
    let logged = m.count("select count(*) from audit_log where action = 'erasure.requested' and $1::uuid is not null").await;
    assert_eq!(logged, 6);
}

/// A trained job: the erasure queues only the shard that held the subject, from the checkpoint before
/// its first affected slice; the worker trains it without the erased records; the job's new version
/// supersedes the old, and the erasure certificate compares the FLOPs spent with a full retrain and is
/// anchored (kind 3).
#[tokio::test]
async fn an_erasure_retrains_only_the_affected_shard_from_the_right_slice_and_certifies_it() {
    let records: Vec<Value> = (0..450).map(|i| record(i, (i % 3 == 0).then(|| format!("customer-{}", i % 20)))).collect();
    let m = queued(records).await;
    let worker = train_all(&m, 3).await;
    let before: Value = m.app.get(&format!("/api/v1/jobs/{}/certificate", m.job), Some(&m.buyer.token)).await.json().await.unwrap();
    let flops_before = m.count("select sum(flops)::bigint from shard_run where job_id = $1").await;

    let res = m.app.post_json("/api/v1/erasure-requests", &json!({"subject_id": "customer-7"}), Some(&m.buyer.token)).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let e: Value = res.json().await.unwrap();
    let id = e["id"].as_str().unwrap().to_string();
    assert_eq!(e["status"], "retraining", "{e}");
    let shard = e["affected"]["shards"][0]["shard_index"].as_i64().unwrap();
    let from = e["affected"]["shards"][0]["from_slice"].as_u64().unwrap();
    assert_eq!(m.status().await, "training", "the completed job trains the affected shard again");

    // Only that shard is leased, resuming after the last slice that never held the subject.
    let lease = m.leased(&worker).await;
    assert_eq!(lease["shard_index"].as_i64(), Some(shard));
    assert_eq!(lease["resume_from_slice"].as_u64(), Some(from));
    let checkpoint = lease["resume_checkpoint"].as_array().unwrap();
    if from > 0 {
        assert!(checkpoint.iter().all(|f| f["name"].as_str().unwrap().starts_with(&format!("checkpoint-{:04}.", from - 1))), "{lease}");
        assert!(!checkpoint.is_empty());
    }
    // A worker that dies while retraining is recovered as in dispatch: the lease expires and the
    // next lease resumes from the same checkpoint.
    let report = m.app.queue.reap(chrono::Utc::now() + chrono::Duration::hours(1)).await.unwrap();
    assert_eq!(report.requeued, 1);
    let lease = m.leased(&worker).await;
    assert_eq!((lease["shard_index"].as_i64(), lease["resume_from_slice"].as_u64()), (Some(shard), Some(from)));
    let run = lease["run_id"].as_str().unwrap().to_string();
    let served = m.app.get(&format!("/api/v1/worker/runs/{run}/records"), Some(&worker)).await.text().await.unwrap();
    for erased in ["\"r27\"", "\"r87\"", "\"r447\""] {
        assert!(!served.contains(erased), "an erased record is served: {erased}");
    }
    for slice in from..lease["slices"].as_u64().unwrap() {
        assert_eq!(m.heartbeat(&worker, &run, slice, true, 1024).await.status(), StatusCode::OK);
    }
    // The retrained adapter (a synthetic worker's bytes; a real trainer's differ by training).
    let adapter = b"adapter retrained without customer-7".to_vec();
    let sha = hex::encode(Sha256::digest(&adapter));
    assert_eq!(m.upload(&worker, &run, "adapter.safetensors", &adapter, &sha).await.status(), StatusCode::CREATED);
    let done = m.complete(&worker, &run, json!([{"name": "adapter.safetensors", "sha256": sha, "size": adapter.len()}]), 2048).await;
    assert_eq!(done.status(), StatusCode::OK);
    assert_eq!(m.lease(&worker, 0).await.status(), StatusCode::NO_CONTENT, "no other shard is trained again");
    let untouched =
        m.count(&format!("select count(*) from shard_run where job_id = $1 and shard_index <> {shard} and flops = 6e6 * 8192")).await;
    assert_eq!(untouched, 2, "the other shards keep their runs");
    assert!(m.count("select sum(flops)::bigint from shard_run where job_id = $1").await < flops_before);

    // The new version supersedes the old; the erasure completes with its certificate.
    assert!(m.app.aggregation.try_aggregate_next().await.unwrap().is_some());
    assert_eq!(m.status().await, "completed");
    let after: Value = m.app.get(&format!("/api/v1/jobs/{}/certificate", m.job), Some(&m.buyer.token)).await.json().await.unwrap();
    assert_eq!(after["certificate"]["version"], 2);
    assert_eq!(after["certificate"]["supersedes_sha256"], before["sha256"]);
    attune_app::erasure_retrain::advance(&m.app.pool).await.unwrap();
    let done: Value = m.app.get(&format!("/api/v1/erasure-requests/{id}"), Some(&m.buyer.token)).await.json().await.unwrap();
    assert_eq!(done["status"], "completed", "{done}");
    let cert = &done["certificate"]["body"];
    let s = &cert["jobs"][0]["shards"][0];
    assert_eq!((s["state"].as_str(), s["from_slice"].as_u64()), (Some("retrained"), Some(from)));
    assert_ne!(s["old_adapters"], s["new_adapters"]);
    assert_eq!(s["new_adapters"][0]["sha256"], after["certificate"]["shards"][shard as usize]["adapters"][0]["sha256"]);
    let share = cert["share_of_full_retrain"].as_f64().unwrap();
    assert!((share - 2048.0 / (3.0 * 8192.0)).abs() < 1e-9, "spent {} of {}: {share}", cert["flops_spent"], cert["flops_full_retrain"]);
    assert_eq!(cert["subject_sha256"], e["subject_sha256"]);
    assert!(cert["retention"].as_array().is_some_and(|r| !r.is_empty()));

    // The job's summary and page say what changed; the buyer is told the new version is ready.
    let summary: Value = m.app.get(&format!("/api/v1/jobs/{}/training-summary", m.job), Some(&m.buyer.token)).await.json().await.unwrap();
    assert_eq!(summary["general_information"]["total_records"], 450 - 8, "{summary}");
    assert_eq!(summary["erasures"][0]["records_removed"], 8);
    assert!(summary["erasures"][0]["text"].as_str().unwrap().contains("1 shard was"), "{summary}");
    let browser = m.app.page_session(&m.buyer).await;
    let page = browser.get(m.app.url(&format!("/jobs/{}", m.job))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("id=\"erasures\"") && page.contains(&format!("/erasure/{id}")), "the job page lists the erasure");
    let (mails,): (i64,) = sqlx::query_as("select count(*) from outbox where payload->>'subject' like 'A new version of your fine-tune%'")
        .fetch_one(&m.app.pool)
        .await
        .unwrap();
    assert_eq!(mails, 1);

    // The superseded adapter leaves the artifact store; the checkpoints before the affected slice stay.
    let old_sha = s["old_adapters"][0]["sha256"].as_str().unwrap().to_string();
    let (old_location,): (String,) = sqlx::query_as("select location from artifact_purge limit 1").fetch_one(&m.app.pool).await.unwrap();
    let old_file = m.app.data_dir.path().join("artifacts").join(&old_location);
    assert!(old_file.exists(), "{}", old_file.display());
    assert!(m.app.queue.purge_artifacts().await.unwrap() >= 1);
    assert!(!old_file.exists(), "the old adapter is deleted");
    let (left,): (i64,) =
        sqlx::query_as("select count(*) from shard_run_artifact where sha256 = $1").bind(&old_sha).fetch_one(&m.app.pool).await.unwrap();
    assert_eq!(left, 0);
    if from > 0 {
        let kept = m
            .count(&format!(
                "select count(*) from shard_run_artifact a join shard_run r on r.id = a.run_id
                 where r.job_id = $1 and r.shard_index = {shard} and a.name like 'checkpoint-{:04}.%'",
                from - 1
            ))
            .await;
        assert!(kept >= 1, "the checkpoint before the affected slice is kept for later erasures");
    }

    // Anchored on chain as an erasure certificate (kind 3).
    assert!(m.app.send_operator_txs().await >= 1);
    let anchored: Value = m.app.get(&format!("/api/v1/erasure-requests/{id}"), Some(&m.buyer.token)).await.json().await.unwrap();
    assert!(anchored["certificate"]["anchor"]["tx_hash"].as_str().is_some_and(|h| h.starts_with("0x")), "{anchored}");
}

/// An erasure still open a month after it was received raises an alert for the admins (Art. 12(3)).
#[tokio::test]
async fn an_erasure_open_past_its_deadline_raises_an_alert() {
    let records: Vec<Value> = (0..30).map(|i| record(i, (i % 3 == 0).then(|| format!("customer-{}", i % 5)))).collect();
    let m = queued(records).await;
    // A worker is training the shard: the erasure waits for it.
    let worker = m.worker("slow-gpu").await;
    let lease = m.leased(&worker).await;
    let run = lease["run_id"].as_str().unwrap().to_string();
    assert_eq!(m.heartbeat(&worker, &run, 0, true, 512).await.status(), StatusCode::OK);
    let e: Value =
        m.app.post_json("/api/v1/erasure-requests", &json!({"subject_id": "customer-0"}), Some(&m.buyer.token)).await.json().await.unwrap();
    assert_eq!(e["status"], "pending", "waiting for the shard being trained: {e}");
    attune_app::erasure_retrain::advance_at(&m.app.pool, chrono::Utc::now() + chrono::Duration::days(32)).await.unwrap();
    let (alerts,): (i64,) =
        sqlx::query_as("select count(*) from chain_alert where kind = 'erasure_overdue' and subject = $1 and resolved_at is null")
            .bind(format!("erasure:{}", e["id"].as_str().unwrap()))
            .fetch_one(&m.app.pool)
            .await
            .unwrap();
    assert_eq!(alerts, 1);
    // Once the shard is trained, the erasure retrains it from the affected slice.
    for slice in 1..lease["slices"].as_u64().unwrap() {
        assert_eq!(m.heartbeat(&worker, &run, slice, true, 512).await.status(), StatusCode::OK);
    }
    assert_eq!(m.finish(&worker, &run, 1024).await.status(), StatusCode::OK);
    assert!(m.app.aggregation.try_aggregate_next().await.unwrap().is_some());
    attune_app::erasure_retrain::advance(&m.app.pool).await.unwrap();
    let now: Value =
        m.app.get(&format!("/api/v1/erasure-requests/{}", e["id"].as_str().unwrap()), Some(&m.buyer.token)).await.json().await.unwrap();
    assert_eq!(now["status"], "retraining", "{now}");
    assert_eq!(m.status().await, "training");
}
