//! Dispatch and the shard-run queue over HTTP with a real server and the app's anvil: a paid job
//! reaches `queued` through the product (funded on chain, the watcher's step), is split into SISA
//! shards, and synthetic workers (plain HTTP) lease, read records, heartbeat, upload artifacts and
//! complete; leases are lost and reaped, late calls refused, attempts run out into a refund.

use alloy::signers::local::PrivateKeySigner;
use reqwest::StatusCode;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::assessments::deployment;
use crate::common::models::model_listing;
use crate::common::{TestApp, TestUser, assert_problem, spawn_app_with};
use crate::datasets::ready_dataset;

pub(crate) struct Market {
    pub(crate) app: TestApp,
    pub(crate) buyer: TestUser,
    buyer_key: PrivateKeySigner,
    pub(crate) job: String,
    payment: Value,
    pub(crate) admin: TestUser,
}

pub(crate) fn record(i: usize, subject: Option<String>) -> Value {
    json!({"id": format!("r{i}"), "text": format!("support ticket number {i}: the printer does not print"), "licence": {"kind": "own"},
        "pii_subject_ids": subject.map(|s| vec![s]).unwrap_or_default()})
}

/// A chain app (retries without backoff), a verified model, a buyer with a funded wallet, and a job
/// on `records` awaiting payment.
pub(crate) async fn market(records: Vec<Value>) -> Market {
    let app = spawn_app_with(|s| {
        s.chain_enabled = true;
        s.chain_confirmations = Some(1);
        s.dispatch_backoff_secs = Some(0);
    })
    .await;
    let provider = app.new_user().await;
    let provider_key = app.link_wallet(&provider).await;
    let listing = model_listing("Apache-2.0", "25000000", 7_000_000_000, json!(["general", "customer_service"]), json!(8.4e22));
    let model = app.verified_model(&provider, &provider_key, listing).await;
    let buyer = app.new_user().await;
    app.pass_kyc(&buyer).await;
    let buyer_key = app.funded_key(1_000_000 * 1_000_000).await;
    app.link_wallet_key(&buyer, &buyer_key).await;
    let dataset = ready_dataset(&app, &buyer, records).await;
    let mut d = deployment(json!(["customer_service"]));
    d["profiles_natural_persons"] = json!(false);
    let body =
        json!({"base_model_id": model, "dataset_id": dataset["id"], "method": "lora", "hyperparameters": {"epochs": 1}, "deployment": d});
    let res = app.post_json("/api/v1/jobs", &body, Some(&buyer.token)).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let job = res.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_string();
    let payment: Value = app.get(&format!("/api/v1/jobs/{job}/payment"), Some(&buyer.token)).await.json().await.unwrap();
    let admin = app.new_admin().await;
    Market { app, buyer, buyer_key, job, payment, admin }
}

impl Market {
    /// Funds the escrow and lets the watcher apply it.
    pub(crate) async fn pay(&self) {
        self.app.fund(&self.buyer_key, &self.payment).await;
        self.app.watch().await;
    }

    pub(crate) async fn job(&self) -> Value {
        self.app.get(&format!("/api/v1/jobs/{}", self.job), Some(&self.buyer.token)).await.json().await.unwrap()
    }

    pub(crate) async fn status(&self) -> String {
        self.job().await["status"].as_str().unwrap().to_string()
    }

    pub(crate) async fn worker(&self, name: &str) -> String {
        let res = self.app.post_json("/api/v1/admin/workers", &json!({"name": name}), Some(&self.admin.token)).await;
        assert_eq!(res.status(), StatusCode::CREATED);
        let body: Value = res.json().await.unwrap();
        assert!(body["id"].is_string());
        body["token"].as_str().unwrap().to_string()
    }

    pub(crate) async fn lease(&self, worker: &str, wait_s: u64) -> reqwest::Response {
        let body = json!({"capabilities": {"gpus": 0, "gpu_memory_gb": 0, "trainers": ["lora"]}, "wait_s": wait_s});
        self.app.post_json("/api/v1/worker/lease", &body, Some(worker)).await
    }

    pub(crate) async fn leased(&self, worker: &str) -> Value {
        let res = self.lease(worker, 0).await;
        assert_eq!(res.status(), StatusCode::OK);
        res.json().await.unwrap()
    }

    /// A heartbeat; a finished slice's checkpoint is uploaded first, as a worker must.
    pub(crate) async fn heartbeat(&self, worker: &str, run: &str, slice: u64, slice_done: bool, tokens: u64) -> reqwest::Response {
        if slice_done {
            let ckpt = format!("checkpoint of slice {slice} of {run} by {}", &worker[..12]).into_bytes();
            let res = self
                .upload(worker, run, &format!("checkpoint-{slice:04}.lora.safetensors"), &ckpt, &hex::encode(Sha256::digest(&ckpt)))
                .await;
            if res.status() != StatusCode::CREATED {
                return res;
            }
        }
        let body = json!({"slice": slice, "slice_done": slice_done, "step": tokens / 8, "loss": 5.0 - slice as f64, "tokens": tokens,
            "flops": 6.0 * 1e6 * tokens as f64});
        self.app.post_json(&format!("/api/v1/worker/runs/{run}/heartbeat"), &body, Some(worker)).await
    }

    pub(crate) async fn upload(&self, worker: &str, run: &str, name: &str, bytes: &[u8], sha256: &str) -> reqwest::Response {
        self.app
            .api
            .put(self.app.url(&format!("/api/v1/worker/runs/{run}/artifacts/{name}")))
            .bearer_auth(worker)
            .header("content-type", "application/octet-stream")
            .header("x-content-sha256", sha256)
            .body(bytes.to_vec())
            .send()
            .await
            .unwrap()
    }

    pub(crate) async fn complete(&self, worker: &str, run: &str, artifacts: Value, tokens: u64) -> reqwest::Response {
        let body = json!({"artifacts": artifacts, "flops": 6.0 * 1e6 * tokens as f64, "tokens": tokens, "metrics": {"final_loss": 2.5}});
        self.app.post_json(&format!("/api/v1/worker/runs/{run}/complete"), &body, Some(worker)).await
    }

    /// Uploads an adapter and completes the run with it.
    pub(crate) async fn finish(&self, worker: &str, run: &str, tokens: u64) -> reqwest::Response {
        let adapter = format!("adapter of {run} by {}", &worker[..12]).into_bytes();
        let sha = hex::encode(Sha256::digest(&adapter));
        let res = self.upload(worker, run, "adapter.safetensors", &adapter, &sha).await;
        if res.status() != StatusCode::CREATED {
            return res;
        }
        self.complete(worker, run, json!([{"name": "adapter.safetensors", "sha256": sha, "size": adapter.len()}]), tokens).await
    }

    async fn reap_everything_leased(&self) -> attune_app::shard_queue::ReapReport {
        // As if every lease's time had run out: the reaper's step at a later moment.
        self.app.queue.reap(chrono::Utc::now() + chrono::Duration::hours(1)).await.unwrap()
    }

    pub(crate) async fn count(&self, sql: &str) -> i64 {
        let (n,): (i64,) = sqlx::query_as(sqlx::AssertSqlSafe(sql.to_string()))
            .bind(Uuid::parse_str(&self.job).unwrap())
            .fetch_one(&self.app.pool)
            .await
            .unwrap();
        n
    }
}

#[tokio::test]
async fn a_paid_job_is_sharded_and_synthetic_workers_train_every_shard_to_aggregating() {
    // 450 records: every third names one of 20 data subjects (so the job waits for its LIA).
    let records: Vec<Value> = (0..450).map(|i| record(i, (i % 3 == 0).then(|| format!("customer-{}", i % 20)))).collect();
    let m = market(records).await;
    m.pay().await;
    assert_eq!(m.status().await, "paid", "personal data: waiting for the legitimate-interest assessment");
    let res = m
        .app
        .api
        .put(m.app.url(&format!("/api/v1/jobs/{}/documents/lia", m.job)))
        .bearer_auth(&m.buyer.token)
        .json(&json!({"fields": crate::jobs::lia_fields()}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(m.status().await, "queued");

    // Dispatch stored the plan with the move into the queue.
    let job = m.job().await;
    let shards = job["shards"].as_array().unwrap();
    assert_eq!(shards.len(), 3, "450 records at 200 per shard");
    assert!(shards.iter().all(|s| s["status"] == "queued" && s["attempts"] == 0), "{shards:?}");
    assert_eq!(m.count("select coalesce(sum(records), 0)::bigint from job_shard where job_id = $1").await, 450, "counts add up");
    assert_eq!(m.count("select count(*) from job_shard_record where job_id = $1").await, 450);
    assert_eq!(m.count("select count(*) from job_shard where job_id = $1 and merkle_root ~ '^[0-9a-f]{64}$'").await, 3);
    assert_eq!(
        m.count(
            "select count(*) from (select r.pii_subject_ids[1] from job_shard_record a join job j on j.id = a.job_id
             join dataset_record r on r.dataset_id = j.dataset_id and r.record_id = a.record_id
             where a.job_id = $1 and cardinality(r.pii_subject_ids) > 0 group by 1 having count(distinct a.shard_index) > 1) split"
        )
        .await,
        0,
        "every subject's records share one shard"
    );
    assert_eq!(m.count("select count(*) from job where id = $1 and dispatch_policy_version = 'dispatch-v2'").await, 1);

    // A worker leases the first shard: the job starts training.
    let worker = m.worker("gpu-box-1").await;
    let lease = m.leased(&worker).await;
    assert_eq!(lease["job_id"], m.job.as_str());
    assert_eq!(lease["shard_index"], 0);
    assert_eq!(lease["slices"], 4);
    assert_eq!(lease["resume_from_slice"], 0);
    assert_eq!(lease["trainer"], "lora");
    assert_eq!(lease["hyperparameters"]["epochs"], 1);
    assert!(lease["base_model"]["files"].is_array() && lease["lease_expires_at"].is_string());
    assert_eq!(m.status().await, "training");
    let run = lease["run_id"].as_str().unwrap().to_string();

    // Its records, one NDJSON line each, in slice order.
    let res = m.app.get(&format!("/api/v1/worker/runs/{run}/records"), Some(&worker)).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers()["content-type"].to_str().unwrap().starts_with("application/x-ndjson"));
    let lines: Vec<Value> = res.text().await.unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len() as i64, shards_records(&m, 0).await);
    assert!(lines.windows(2).all(|w| w[0]["slice"].as_i64() <= w[1]["slice"].as_i64()));
    assert!(lines.iter().all(|l| l["id"].is_string() && l["text"].as_str().unwrap().contains("printer")));

    let res = m.heartbeat(&worker, &run, 0, true, 4096).await;
    assert_eq!(res.status(), StatusCode::OK);
    let beat: Value = res.json().await.unwrap();
    assert_eq!(beat["cancel"], false);
    let res = m.heartbeat(&worker, &run, 9, false, 4096).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "a slice the shard does not have");
    assert_problem(&res);

    // An artifact whose body is not the declared digest is refused; a listed artifact must be uploaded.
    let res = m.upload(&worker, &run, "adapter.safetensors", b"weights", &"0".repeat(64)).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.unwrap().contains("X-Content-Sha256"));
    let res = m.complete(&worker, &run, json!([{"name": "adapter.safetensors", "sha256": "0".repeat(64), "size": 7}]), 10).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "nothing uploaded under that name");
    let res = m.finish(&worker, &run, 8192).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.json::<Value>().await.unwrap()["job_status"], "training");

    // The other shards, then nothing is left.
    for expected in [1, 2] {
        let lease = m.leased(&worker).await;
        assert_eq!(lease["shard_index"], expected);
        let run = lease["run_id"].as_str().unwrap();
        assert_eq!(m.finish(&worker, run, 8192).await.status(), StatusCode::OK);
    }
    assert_eq!(m.status().await, "aggregating", "every shard trained; aggregation picks the job up");
    let res = m.lease(&worker, 1).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT, "nothing queued within wait_s");
    let job = m.job().await;
    assert_eq!(job["progress"]["percent"], 100.0);
    assert!(job["shards"].as_array().unwrap().iter().all(|s| s["status"] == "succeeded" && s["tokens"] == 8192 && s["attempts"] == 1));

    let workers: Value = m.app.get("/api/v1/admin/workers", Some(&m.admin.token)).await.json().await.unwrap();
    let listed = &workers["items"][0];
    assert_eq!(listed["name"], "gpu-box-1");
    assert!(listed["last_heartbeat_at"].is_string() && listed["current_run"].is_null());
    assert_eq!(m.app.get("/api/v1/admin/workers", Some(&m.buyer.token)).await.status(), StatusCode::FORBIDDEN);
}

async fn shards_records(m: &Market, shard: i32) -> i64 {
    let (n,): (i32,) = sqlx::query_as("select records from job_shard where job_id = $1 and shard_index = $2")
        .bind(Uuid::parse_str(&m.job).unwrap())
        .bind(shard)
        .fetch_one(&m.app.pool)
        .await
        .unwrap();
    i64::from(n)
}

#[tokio::test]
async fn a_lost_lease_is_reaped_and_resumed_by_another_worker_and_the_late_calls_count_nothing() {
    let m = market((0..20).map(|i| record(i, None)).collect()).await;
    m.pay().await;
    assert_eq!(m.status().await, "queued");
    let first = m.worker("first").await;
    let second = m.worker("second").await;
    let lease = m.leased(&first).await;
    assert_eq!(lease["slices"], 4);
    let run = lease["run_id"].as_str().unwrap().to_string();
    assert_eq!(m.heartbeat(&first, &run, 0, true, 1000).await.status(), StatusCode::OK);
    assert_eq!(m.heartbeat(&first, &run, 1, true, 2000).await.status(), StatusCode::OK);
    assert_eq!(m.heartbeat(&first, &run, 2, false, 2500).await.status(), StatusCode::OK);
    // Another worker holds no lease on this run; an unknown run is not found.
    assert_eq!(m.heartbeat(&second, &run, 0, false, 1).await.status(), StatusCode::CONFLICT);
    assert_eq!(m.heartbeat(&second, &Uuid::new_v4().to_string(), 0, false, 1).await.status(), StatusCode::NOT_FOUND);

    // The first worker goes silent; its lease runs out and the reaper returns the run to the queue.
    let reaped = m.reap_everything_leased().await;
    assert_eq!((reaped.requeued, reaped.failed), (1, 0));
    let res = m.heartbeat(&first, &run, 2, false, 2600).await;
    assert_eq!(res.status(), StatusCode::CONFLICT, "the lease was lost");
    assert_problem(&res);

    let lease = m.leased(&second).await;
    assert_eq!(lease["run_id"], run.as_str());
    assert_eq!(lease["attempt"], 2);
    assert_eq!(lease["resume_from_slice"], 2, "slices 0 and 1 were finished by the first attempt");
    let lease_id = lease["lease_id"].as_str().unwrap().to_string();
    // The retry gets the first attempt's checkpoint after slice 1, and can download it.
    let resume = lease["resume_checkpoint"].as_array().unwrap();
    assert_eq!(resume.len(), 1, "{resume:?}");
    assert_eq!(resume[0]["name"], "checkpoint-0001.lora.safetensors");
    let url = resume[0]["download_url"].as_str().unwrap();
    let got = m.app.api.get(m.app.url(url)).bearer_auth(&second).send().await.unwrap();
    assert_eq!(got.status(), StatusCode::OK);
    assert_eq!(got.headers()["x-content-sha256"].to_str().unwrap(), resume[0]["sha256"].as_str().unwrap());
    let bytes = got.bytes().await.unwrap();
    assert_eq!(hex::encode(Sha256::digest(&bytes)), resume[0]["sha256"].as_str().unwrap());
    assert_eq!(
        m.app.api.get(m.app.url(url)).bearer_auth(&first).send().await.unwrap().status(),
        StatusCode::CONFLICT,
        "the lost lease's worker gets nothing"
    );
    // A slice is done only with its checkpoint uploaded under this lease.
    let res = m
        .app
        .api
        .post(m.app.url(&format!("/api/v1/worker/runs/{run}/heartbeat")))
        .bearer_auth(&second)
        .json(&json!({"slice": 2, "slice_done": true, "step": 1, "loss": 3.0, "tokens": 700, "flops": 1.0}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_problem(&res);
    let problem: Value = res.json().await.unwrap();
    assert_eq!(problem["errors"][0]["field"], "slice_done", "{problem}");
    let ckpt = b"checkpoint after slice 2".to_vec();
    let res = m.upload(&second, &run, "checkpoint-0002.lora.safetensors", &ckpt, &hex::encode(Sha256::digest(&ckpt))).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    // The X-Lease-Id names the attempt; a stale one is refused.
    let res = m
        .app
        .api
        .post(m.app.url(&format!("/api/v1/worker/runs/{run}/heartbeat")))
        .bearer_auth(&second)
        .header("x-lease-id", Uuid::new_v4().to_string())
        .json(&json!({"slice": 2, "step": 1, "loss": 3.0, "tokens": 10, "flops": 1.0}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let res = m
        .app
        .api
        .post(m.app.url(&format!("/api/v1/worker/runs/{run}/heartbeat")))
        .bearer_auth(&second)
        .header("x-lease-id", &lease_id)
        .json(&json!({"slice": 2, "slice_done": true, "step": 1, "loss": 3.0, "tokens": 700, "flops": 1.0}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);

    // The first worker's late upload and completion change nothing.
    assert_eq!(m.finish(&first, &run, 99_999).await.status(), StatusCode::CONFLICT);
    assert_eq!(m.finish(&second, &run, 1500).await.status(), StatusCode::OK);
    assert_eq!(m.finish(&first, &run, 99_999).await.status(), StatusCode::CONFLICT, "still refused after the success");
    assert_eq!(m.status().await, "aggregating");
    let job = m.job().await;
    let shard = &job["shards"][0];
    assert_eq!((shard["status"].as_str(), shard["attempts"].as_i64(), shard["tokens"].as_i64()), (Some("succeeded"), Some(2), Some(1500)));
    assert_eq!(
        m.count("select count(*) from job_event where job_id = $1 and kind = 'shard' and detail->>'event' = 'succeeded'").await,
        1,
        "one success counted"
    );
    let artifacts = "select count(*) from shard_run_artifact a join shard_run r on r.id = a.run_id where r.job_id = $1";
    assert_eq!(m.count(&format!("{artifacts} and a.name not like 'checkpoint-%'")).await, 1, "one adapter kept");
    assert_eq!(m.count(&format!("{artifacts} and a.name like 'checkpoint-%'")).await, 3, "slices 0, 1 (first attempt) and 2 (second)");

    // Tokens are scoped: a user's session is not a worker token and a worker token is not a session.
    let res = m.lease(&m.buyer.token, 0).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_problem(&res);
    let res = m.app.get("/api/v1/jobs", Some(&first)).await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(m.lease("atw_not-a-token", 0).await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(m.app.post_json("/api/v1/worker/lease", &json!({}), None).await.status(), StatusCode::UNAUTHORIZED);
    let res = m.app.post_json("/api/v1/admin/workers", &json!({"name": "mine"}), Some(&m.buyer.token)).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN, "only admins create workers");
    let res = m.app.post_json("/api/v1/admin/workers", &json!({"name": " "}), Some(&m.admin.token)).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let (stored,): (i64,) = sqlx::query_as("select count(*) from worker where token_sha256 = sha256(convert_to($1, 'UTF8'))")
        .bind(&first)
        .fetch_one(&m.app.pool)
        .await
        .unwrap();
    assert_eq!(stored, 1, "the token is stored as its sha256");
}

#[tokio::test]
async fn a_shard_that_runs_out_of_attempts_fails_the_job_and_the_escrow_is_refunded() {
    let m = market((0..2).map(|i| record(i, None)).collect()).await;
    m.pay().await;
    let worker = m.worker("flaky").await;
    for attempt in 1..=3 {
        let lease = m.leased(&worker).await;
        assert_eq!(lease["attempt"], attempt);
        let reaped = m.reap_everything_leased().await;
        let expected = if attempt < 3 { (1, 0) } else { (0, 1) };
        assert_eq!((reaped.requeued, reaped.failed), expected);
    }
    assert_eq!(m.status().await, "failed");
    assert_eq!(m.lease(&worker, 0).await.status(), StatusCode::NO_CONTENT, "a failed run is not leased again");
    assert_eq!(m.app.send_operator_txs().await, 1, "the refund is sent");
    m.app.watch().await;
    assert_eq!(m.status().await, "refunded");
    let payment: Value = m.app.get(&format!("/api/v1/jobs/{}/payment", m.job), Some(&m.buyer.token)).await.json().await.unwrap();
    assert_eq!(payment["status"], "refunded");
}

#[tokio::test]
async fn a_waiting_worker_is_woken_by_dispatch_and_a_cancelled_job_tells_it_to_stop() {
    let m = market((0..2).map(|i| record(i, None)).collect()).await;
    let worker = m.worker("waiting").await;
    // The worker long-polls before anything is queued; the dispatch's NOTIFY wakes it.
    let waiting = {
        let api = m.app.api.clone();
        let url = m.app.url("/api/v1/worker/lease");
        let token = worker.clone();
        tokio::spawn(async move { api.post(url).bearer_auth(token).json(&json!({"capabilities": {}, "wait_s": 30})).send().await.unwrap() })
    };
    m.pay().await;
    let res = waiting.await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let lease: Value = res.json().await.unwrap();
    let run = lease["run_id"].as_str().unwrap().to_string();
    let beat: Value = m.heartbeat(&worker, &run, 0, false, 10).await.json().await.unwrap();
    assert_eq!(beat["cancel"], false);

    let res = m.app.api.post(m.app.url(&format!("/api/v1/jobs/{}/cancel", m.job))).bearer_auth(&m.buyer.token).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::ACCEPTED);
    let beat: Value = m.heartbeat(&worker, &run, 0, false, 20).await.json().await.unwrap();
    assert_eq!(beat["cancel"], true, "the job was cancelled: the worker stops");
    let workers: Value = m.app.get("/api/v1/admin/workers", Some(&m.admin.token)).await.json().await.unwrap();
    assert_eq!(workers["items"][0]["current_run"]["run_id"], run.as_str());
}
