//! Throughput of the shard-run queue (issue 11 item 9): `--workers` synthetic workers over HTTP each
//! loop lease → heartbeat → artifact upload → complete until the queue is empty, beside the same
//! `FOR UPDATE SKIP LOCKED` lease statement (and the guarded completion) run raw against the same
//! database by as many connections — the limit the HTTP path can approach.
//!
//! It starts the real server in-process with its embedded chain, takes one real job to `queued`
//! through the product (funded on chain, the watcher's step), then adds `--runs` synthetic shard runs
//! to that job (a measuring tool's shortcut: real jobs have at most 16 shards).
//! Run: `cargo run --release --example queue -- --runs 2000 --workers 16`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../tests/common/mod.rs"]
mod common;

use std::time::Instant;

use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use uuid::Uuid;

fn args() -> (i32, usize) {
    let (mut runs, mut workers) = (2000, 16);
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        match flag.as_str() {
            "--runs" => runs = it.next().and_then(|s| s.parse().ok()).unwrap_or(2000).clamp(1, 100_000),
            "--workers" => workers = it.next().and_then(|s| s.parse().ok()).unwrap_or(16).clamp(1, 256),
            other => panic!("unknown flag {other}"),
        }
    }
    (runs, workers)
}

/// Adds `runs` queued shard runs (indices from `first`) to the job, cloned from its shard 0.
async fn add_runs(pool: &sqlx::PgPool, job: Uuid, first: i32, runs: i32) {
    sqlx::query(
        "insert into job_shard (job_id, shard_index, records, personal_records, merkle_root, slice_sizes)
         select job_id, g, records, personal_records, merkle_root, slice_sizes from job_shard, generate_series($2, $3) g
         where job_id = $1 and shard_index = 0",
    )
    .bind(job)
    .bind(first)
    .bind(first + runs - 1)
    .execute(pool)
    .await
    .unwrap();
    sqlx::query(
        "insert into shard_run (id, job_id, shard_index, max_attempts) select gen_random_uuid(), $1, g, 3 from generate_series($2, $3) g",
    )
    .bind(job)
    .bind(first)
    .bind(first + runs - 1)
    .execute(pool)
    .await
    .unwrap();
}

fn report(name: &str, done: usize, started: Instant, requests_per_run: usize) {
    let secs = started.elapsed().as_secs_f64();
    println!(
        "{name:<44} {done:>6} runs in {secs:>6.2} s  {:>8.0} runs/s  {:>8.0} requests/s",
        done as f64 / secs,
        (done * requests_per_run) as f64 / secs
    );
}

#[tokio::main]
async fn main() {
    let (runs, workers) = args();
    let app = common::spawn_app_with(|s| {
        s.chain_enabled = true;
        s.chain_confirmations = Some(1);
        s.database_max_connections = 48;
        s.dispatch_backoff_secs = Some(0);
    })
    .await;
    let provider = app.new_user().await;
    let provider_key = app.link_wallet(&provider).await;
    let listing = common::models::model_listing("Apache-2.0", "25000000", 7_000_000_000, json!(["general"]), json!(8.4e22));
    let model = app.verified_model(&provider, &provider_key, listing).await;
    let buyer = app.new_user().await;
    app.pass_kyc(&buyer).await;
    let key = app.funded_key(1_000_000_000_000).await;
    app.link_wallet_key(&buyer, &key).await;
    let records: Vec<Value> = (0..2)
        .map(|i| json!({"id": format!("r{i}"), "text": format!("text {i}"), "licence": {"kind": "own"}, "pii_subject_ids": []}))
        .collect();
    let dataset: Value =
        app.post_json("/api/v1/datasets", &json!({"name": "queue", "records": records}), Some(&buyer.token)).await.json().await.unwrap();
    app.scan_datasets().await;
    let deployment = json!({"purpose": "answer support tickets", "sectors": ["general"], "prohibited_practices": [], "jurisdictions": ["EU"],
        "expected_monthly_users": 500, "monthly_queries": 5000, "autonomy": "human_in_the_loop", "vulnerable_groups": false,
        "public_facing": false, "profiles_natural_persons": false, "revenue_dependence": "low"});
    let body = json!({"base_model_id": model, "dataset_id": dataset["id"], "method": "lora", "hyperparameters": {"epochs": 1}, "deployment": deployment});
    let job: Value = app.post_json("/api/v1/jobs", &body, Some(&buyer.token)).await.json().await.unwrap();
    let job_id = job["id"].as_str().unwrap_or_else(|| panic!("job not created: {job}")).to_string();
    let payment: Value = app.get(&format!("/api/v1/jobs/{job_id}/payment"), Some(&buyer.token)).await.json().await.unwrap();
    app.fund(&key, &payment).await;
    app.watch().await;
    let job = Uuid::parse_str(&job_id).unwrap();
    let admin = app.new_admin().await;
    let mut tokens = Vec::new();
    for i in 0..workers {
        let created: Value =
            app.post_json("/api/v1/admin/workers", &json!({"name": format!("w{i}")}), Some(&admin.token)).await.json().await.unwrap();
        tokens.push(created["token"].as_str().unwrap().to_string());
    }
    add_runs(&app.pool, job, 1, runs - 1).await;
    println!("target {}, {runs} shard runs, {workers} workers / connections", app.address);

    // Over HTTP: lease, heartbeat, upload the adapter, complete.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let http = reqwest::Client::builder().pool_max_idle_per_host(workers).build().unwrap();
    let started = Instant::now();
    let mut tasks = Vec::new();
    for token in tokens {
        let (http, base) = (http.clone(), app.address.clone());
        tasks.push(tokio::spawn(async move {
            let mut done = 0usize;
            loop {
                let res = http.post(format!("{base}/api/v1/worker/lease")).bearer_auth(&token).json(&json!({"capabilities": {}})).send().await.unwrap();
                if res.status() == 204 {
                    return done;
                }
                let lease: Value = res.json().await.unwrap();
                let run = lease["run_id"].as_str().unwrap();
                let beat = http
                    .post(format!("{base}/api/v1/worker/runs/{run}/heartbeat"))
                    .bearer_auth(&token)
                    .json(&json!({"slice": 0, "slice_done": true, "step": 10, "loss": 2.5, "tokens": 1024, "flops": 1e9}))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(beat.status(), 200);
                let adapter = format!("adapter {run}").into_bytes();
                let sha = hex::encode(Sha256::digest(&adapter));
                let put = http
                    .put(format!("{base}/api/v1/worker/runs/{run}/artifacts/adapter.safetensors"))
                    .bearer_auth(&token)
                    .header("content-type", "application/octet-stream")
                    .header("x-content-sha256", &sha)
                    .body(adapter.clone())
                    .send()
                    .await
                    .unwrap();
                assert_eq!(put.status(), 201);
                let complete = http
                    .post(format!("{base}/api/v1/worker/runs/{run}/complete"))
                    .bearer_auth(&token)
                    .json(&json!({"artifacts": [{"name": "adapter.safetensors", "sha256": sha, "size": adapter.len()}], "flops": 1e9, "tokens": 1024}))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(complete.status(), 200);
                done += 1;
            }
        }));
    }
    let mut done = 0;
    for t in tasks {
        done += t.await.unwrap();
    }
    report("HTTP lease+heartbeat+artifact+complete", done, started, 4);
    assert_eq!(done, runs as usize, "every run trained once");

    // Raw: the same lease statement and the guarded completion, straight against the database.
    sqlx::query("update job set status = 'training' where id = $1").bind(job).execute(&app.pool).await.unwrap();
    add_runs(&app.pool, job, runs, runs).await;
    let (worker,): (Uuid,) = sqlx::query_as("select id from worker limit 1").fetch_one(&app.pool).await.unwrap();
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..workers {
        let pool = app.pool.clone();
        tasks.push(tokio::spawn(async move {
            let mut done = 0usize;
            let mut conn = pool.acquire().await.unwrap();
            loop {
                let lease_id = Uuid::new_v4();
                let Some(leased) = attune_db::shard_runs::lease(&mut conn, worker, lease_id, 120.0).await.unwrap() else { return done };
                let ok = attune_db::shard_runs::complete(
                    &mut conn,
                    &attune_db::shard_runs::Completion {
                        run_id: leased.id,
                        worker_id: worker,
                        lease_id,
                        tokens: 1024,
                        flops: 1e9,
                        metrics: &json!({}),
                        artifacts: &json!([]),
                    },
                )
                .await
                .unwrap();
                assert!(ok);
                done += 1;
            }
        }));
    }
    let mut done = 0;
    for t in tasks {
        done += t.await.unwrap();
    }
    report("raw SKIP LOCKED lease + guarded complete", done, started, 2);
}
