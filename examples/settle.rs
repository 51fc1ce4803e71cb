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
    // Jobs need a verified model: listed with real weights, signed by the provider's wallet, verified.
    let (model, _) = app.provider_with_verified_model(&provider, 1_000_000_000, "1000000").await;
    let buyer = app.new_user().await;
    app.pass_kyc(&buyer).await;
    // A buyer who pays 30 times in a row is a high-volume customer: velocity calls for enhanced due
    // diligence, so the buyer has passed enhanced KYC (else the AML rules rightly send payments to review).
    let session: Value =
        app.post_json("/api/v1/kyc/sessions", &json!({"level": "enhanced"}), Some(&buyer.token)).await.json().await.unwrap();
    let done: Value = app
        .post_json(
            &format!("/sandbox/kyc/{}/complete", session["id"].as_str().unwrap()),
            &json!({"outcome": "approve", "full_name": "Grace Hopper", "date_of_birth": "1906-12-09", "country": "US"}),
            None,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(done["webhook_status"], 200, "{done}");
    let key = app.funded_key(1_000_000_000_000_000).await;
    app.link_wallet_key(&buyer, &key).await;
    let records = json!({"name": "d", "records": [{"id": "a", "text": "a ticket", "licence": {"kind": "own"}, "pii_subject_ids": []}]});
    let dataset: Value = app.post_json("/api/v1/datasets", &records, Some(&buyer.token)).await.json().await.unwrap();
    let deployment = json!({"purpose": "support", "sectors": ["general"], "jurisdictions": ["EU"], "expected_monthly_users": 10,
        "monthly_queries": 100, "autonomy": "human_in_the_loop", "revenue_dependence": "low"});

    let mut latencies = Vec::new();
    for _ in 0..jobs {
        let job: Value = app
            .post_json("/api/v1/jobs", &json!({"base_model_id": model, "dataset_id": dataset["id"], "method": "lora", "hyperparameters": {"epochs": 1}, "deployment": deployment}), Some(&buyer.token))
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
            if mined.elapsed() > Duration::from_secs(30) {
                let facts: Option<Value> = sqlx::query_scalar("select evidence from screening_case where subject = $1")
                    .bind(format!("job:{id}"))
                    .fetch_optional(&app.pool)
                    .await
                    .unwrap();
                panic!("job {id} never cleared (payment {status:?}; case evidence {facts:?}) after {} cleared", latencies.len());
            }
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
