//! Settlement latency: how long after the block that confirms a `Funded` event the payment is
//! `cleared` (and the job paid), with the server's own background watcher polling the chain.
//! It starts the server in-process on a fresh database with the embedded anvil, creates `--jobs`
//! jobs, funds each from the buyer's verified wallet and times block → cleared.
//!
//! Run: `cargo run --release --example settle -- --jobs 30 --poll-ms 100`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../tests/common/mod.rs"]
mod common;

use std::time::{Duration, Instant};

use serde_json::{Value, json};

fn arg(name: &str, default: u64) -> u64 {
    let args: Vec<String> = std::env::args().collect();
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).and_then(|v| v.parse().ok()).unwrap_or(default)
}

#[tokio::main]
async fn main() {
    let jobs = arg("--jobs", 30).clamp(1, 500);
    let poll = arg("--poll-ms", 100);
    let app = common::spawn_app_with(|s| {
        s.chain_enabled = true;
        s.background_tasks = true;
        s.chain_poll_ms = poll;
    })
    .await;
    let provider = app.new_user().await;
    app.link_wallet(&provider).await;
    let body = json!({
        "name": "bench-base", "version": "1", "architecture": "llama", "parameter_count": 1_000_000_000u64, "training_flops": 8.4e22,
        "intended_uses": ["general"], "licence": "Apache-2.0",
        "files": [{"path": "w.bin", "size": 1, "sha256": "0".repeat(64), "uri": "https://weights.invalid/w.bin"}],
        "card_markdown": "# bench\n\nA base model for the settlement benchmark.",
        "training_summary": {"data_sources": ["licensed"], "top_domains": [], "opt_out_policy": "honoured", "personal_data": "none"},
        "lineage": {"base_model_id": null, "relation": null}, "pricing": {"licence_fee": "1000000"}
    });
    let model: Value = app.post_json("/api/v1/models", &body, Some(&provider.token)).await.json().await.unwrap();
    let buyer = app.new_user().await;
    app.pass_kyc(&buyer).await;
    let key = app.funded_key(1_000_000_000_000_000).await;
    app.link_wallet_key(&buyer, &key).await;
    let records = json!({"name": "d", "records": [{"id": "a", "text": "a ticket", "licence": {"kind": "own"}, "pii_subject_ids": []}]});
    let dataset: Value = app.post_json("/api/v1/datasets", &records, Some(&buyer.token)).await.json().await.unwrap();
    let deployment = json!({"purpose": "support", "sectors": ["general"], "jurisdictions": ["EU"], "expected_monthly_users": 10,
        "monthly_queries": 100, "autonomy": "human_in_the_loop", "revenue_dependence": "low"});

    let mut latencies = Vec::new();
    for _ in 0..jobs {
        let job: Value = app
            .post_json("/api/v1/jobs", &json!({"base_model_id": model["id"], "dataset_id": dataset["id"], "method": "lora", "hyperparameters": {"epochs": 1}, "deployment": deployment}), Some(&buyer.token))
            .await
            .json()
            .await
            .unwrap();
        let id = job["id"].as_str().unwrap().to_string();
        let payment: Value = app.get(&format!("/api/v1/jobs/{id}/payment"), Some(&buyer.token)).await.json().await.unwrap();
        app.fund(&key, &payment).await;
        // The receipt is back: the block holding the funding (the confirming block) exists now.
        let mined = Instant::now();
        let job_id = uuid::Uuid::parse_str(&id).unwrap();
        loop {
            let status: Option<String> =
                sqlx::query_scalar("select status from payment where job_id = $1").bind(job_id).fetch_optional(&app.pool).await.unwrap();
            if status.as_deref() == Some("cleared") {
                latencies.push(mined.elapsed());
                break;
            }
            assert!(mined.elapsed() < Duration::from_secs(30), "job {id} never cleared");
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    }
    latencies.sort();
    let ms = |d: &Duration| d.as_secs_f64() * 1000.0;
    let pct = |p: f64| ms(&latencies[((latencies.len() as f64 * p) as usize).min(latencies.len() - 1)]);
    println!(
        "funded → cleared after the confirming block ({} payments, watcher polls every {poll} ms): p50 {:.0} ms, p95 {:.0} ms, max {:.0} ms",
        latencies.len(),
        pct(0.5),
        pct(0.95),
        ms(latencies.last().unwrap())
    );
}
