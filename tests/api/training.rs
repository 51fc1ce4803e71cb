//! Real training end to end: the embedded setup lists its demo model, a buyer pays for a job on it,
//! workers (the server's in-process one, or `attune-worker` processes) train it with the built-in
//! candle trainer, aggregation issues and anchors the certificate, and the escrow pays out the exact
//! split. A worker killed with SIGKILL mid-shard loses its lease and another resumes from the last
//! uploaded checkpoint without counting anything twice; a cancelled job stops its worker.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use alloy::primitives::U256;
use reqwest::StatusCode;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::common::training::{buy, demo_app};
use crate::common::{TestApp, TestUser};

#[tokio::test]
async fn the_embedded_setup_trains_a_paid_job_on_the_demo_model_and_pays_out_the_exact_split() {
    let app = demo_app(true).await;
    let m = buy(app, 1, 4096).await;
    let paid = std::time::Instant::now();
    let job = m.until("training to finish", Duration::from_secs(300), |j| j["status"] == "aggregating").await;
    // Reported, not asserted (`--no-capture` shows it): the wall time the closing notes quote.
    eprintln!("demo job: paid -> every shard trained in {:.1} s", paid.elapsed().as_secs_f64());
    let shard = &job["shards"][0];
    assert_eq!((shard["status"].as_str(), shard["slices"].as_i64(), shard["slices_done"].as_i64()), (Some("succeeded"), Some(2), Some(2)));
    // FLOPs are 6·N·T with N the demo model's parameters plus LoRA's (rank 8 on q and v).
    let tokens = shard["tokens"].as_f64().unwrap();
    assert!(tokens > 0.0 && tokens <= 4096.0, "within the budget: {shard}");
    let n = shard["flops"].as_f64().unwrap() / 6.0 / tokens;
    assert!(n.fract() == 0.0 && n > 3_034_368.0 && n < 3_034_368.0 * 1.05, "N = {n}");

    assert_eq!(m.app.aggregation.try_aggregate_next().await.unwrap(), Some(uuid::Uuid::parse_str(&m.job).unwrap()));
    let job = m.job().await;
    assert_eq!(job["status"], "completed");
    assert_eq!(job["progress"]["percent"], 100.0);

    // The adapters download with the sha256 the job and the certificate name.
    let cert: Value = m.app.get(&format!("/api/v1/jobs/{}/certificate", m.job), Some(&m.buyer.token)).await.json().await.unwrap();
    let adapters = cert["certificate"]["shards"][0]["adapters"].as_array().unwrap().clone();
    assert_eq!(adapters.iter().map(|a| a["name"].as_str().unwrap()).collect::<Vec<_>>(), ["adapter.safetensors", "adapter_config.json"]);
    let artifacts = job["artifacts"].as_array().unwrap();
    assert_eq!(artifacts.len(), 2, "{job}");
    for a in artifacts {
        let res = m.app.api.get(m.app.url(a["download_url"].as_str().unwrap())).bearer_auth(&m.buyer.token).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(res.headers()["x-content-sha256"].to_str().unwrap(), a["sha256"].as_str().unwrap());
        let bytes = res.bytes().await.unwrap();
        assert_eq!(hex::encode(Sha256::digest(&bytes)), a["sha256"].as_str().unwrap());
        assert!(adapters.iter().any(|c| c["name"] == a["name"] && c["sha256"] == a["sha256"]), "{a}");
    }
    let stranger = m.app.new_user().await;
    let res = m.app.api.get(m.app.url(artifacts[0]["download_url"].as_str().unwrap())).bearer_auth(&stranger.token).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND, "another organisation's artifacts are a 404");
    let res = m.app.get(&format!("/api/v1/jobs/{}/certificate", m.job), Some(&stranger.token)).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);

    // The certificate binds the base manifest, the shard's Merkle root and the measured compute.
    let body = &cert["certificate"];
    let model: Value =
        m.app.get(&format!("/api/v1/models/{}", job["base_model_id"].as_str().unwrap()), Some(&m.buyer.token)).await.json().await.unwrap();
    assert_eq!(body["base_model"]["manifest_sha256"], model["provenance"]["manifest_sha256"]);
    assert_eq!(body["shards"][0]["merkle_root"].as_str().unwrap().len(), 64);
    assert_eq!(body["tokens"].as_f64(), Some(tokens));
    assert_eq!(body["provider_recheck"]["changed"], false, "{body}");
    // The assessment replays under its own policy version (v2): as decided, and with the measured
    // compute deciding the GPAI provider role again.
    assert_eq!(body["assessment"]["policy"]["version"], "v2");
    let gpai = &body["provider_recheck"]["roles"]["gpai_provider"];
    assert!(gpai["reasons"].as_array().is_some_and(|r| !r.is_empty()), "{body}");
    let mismatches: i64 = sqlx::query_scalar("select count(*) from chain_alert where kind = 'assessment_replay_mismatch'")
        .fetch_one(&m.app.pool)
        .await
        .unwrap();
    assert_eq!(mismatches, 0, "the stored assessment reproduces under its policy");
    assert_eq!(body["payment"]["job_ref"], m.payment["job_ref"]);
    let canonical = serde_jcs::to_string(body).unwrap();
    assert_eq!(hex::encode(Sha256::digest(canonical.as_bytes())), cert["sha256"].as_str().unwrap(), "the sha256 is of the canonical JSON");
    assert!(cert["anchor"].is_null(), "not anchored before the operator's transaction");

    // The operator anchors the certificate (kind 2) and releases the escrow; the watcher sees it.
    let treasury = m.app.chain().treasury;
    let payees = crate::common::chain::payment_shares(&m.payment);
    let mut before = Vec::new();
    for p in &payees {
        before.push(m.app.usdc_balance(p.payee).await);
    }
    assert!(m.app.send_operator_txs().await >= 2, "the certificate's anchor and the release");
    m.app.watch().await;
    let payment: Value = m.app.get(&format!("/api/v1/jobs/{}/payment", m.job), Some(&m.buyer.token)).await.json().await.unwrap();
    assert_eq!(payment["status"], "released", "{payment}");
    let amount: u128 = m.payment["amount"].as_str().unwrap().parse().unwrap();
    let parts = attune_domain::settlement::split(amount, &payees);
    let mut seen = std::collections::HashSet::new();
    for ((share, part), was) in payees.iter().zip(&parts).zip(&before) {
        if !seen.insert(share.payee) {
            continue;
        }
        let owed: u128 = payees.iter().zip(&parts).filter(|(s, _)| s.payee == share.payee).map(|(_, p)| *p).sum();
        let got = m.app.usdc_balance(share.payee).await - *was;
        assert_eq!(got, U256::from(owed), "payee {} (treasury: {})", share.payee, share.payee == treasury);
        let _ = part;
    }
    let cert: Value = m.app.get(&format!("/api/v1/jobs/{}/certificate", m.job), Some(&m.buyer.token)).await.json().await.unwrap();
    assert_eq!(cert["anchor"]["kind"], 2, "{cert}");
    let digest: alloy::primitives::B256 = format!("0x{}", cert["sha256"].as_str().unwrap()).parse().unwrap();
    let registry =
        attune_integrations::chain::bindings::ProvenanceRegistry::new(m.app.chain().client.deployment.registry, m.app.operator().clone());
    assert_eq!(registry.anchorOf(digest).call().await.unwrap().kind, 2, "kind 2: a fine-tune certificate");

    // The buyer was told.
    m.app.deliver_outbox().await;
    let mails: Vec<String> = std::fs::read_dir(m.app.data_dir.path().join("outbox"))
        .unwrap()
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
        .collect();
    assert!(mails.iter().any(|t| t.contains("Your fine-tuned model is ready")), "no completion mail");
}

fn worker_binary() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_BIN_EXE_attune")).with_file_name("attune-worker")
}

async fn worker_token(app: &TestApp, admin: &TestUser, name: &str) -> std::path::PathBuf {
    let res = app.post_json("/api/v1/admin/workers", &json!({"name": name}), Some(&admin.token)).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let token = res.json::<Value>().await.unwrap()["token"].as_str().unwrap().to_string();
    let path = app.data_dir.path().join(format!("{name}.token"));
    std::fs::write(&path, token).unwrap();
    path
}

fn start_worker(app: &TestApp, token_file: &std::path::Path, name: &str) -> Child {
    Command::new(worker_binary())
        .args(["--server", &app.address, "--token-file"])
        .arg(token_file)
        .arg("--data-dir")
        .arg(app.data_dir.path().join(name))
        .args(["--heartbeat-secs", "1"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start attune-worker")
}

#[tokio::test]
async fn a_worker_killed_mid_shard_is_replaced_by_one_that_resumes_from_the_last_checkpoint() {
    let app = demo_app(false).await;
    // Eight passes over each stage: long enough to kill the first worker inside slice 1.
    let m = buy(app, 8, 10_000_000).await;
    let admin = m.app.new_admin().await;
    let first_token = worker_token(&m.app, &admin, "first").await;
    let mut first = start_worker(&m.app, &first_token, "first");
    m.until("slice 0 to finish", Duration::from_secs(300), |j| j["shards"][0]["slices_done"] == 1).await;
    first.kill().expect("SIGKILL the first worker");
    let _ = first.wait();
    let job = m.job().await;
    assert_eq!((job["status"].as_str(), job["shards"][0]["status"].as_str()), (Some("training"), Some("leased")), "{job}");

    // Its lease runs out; the reaper puts the run back.
    let report = m.app.queue.reap(chrono::Utc::now() + chrono::Duration::hours(1)).await.unwrap();
    assert_eq!(report.requeued, 1);
    let second_token = worker_token(&m.app, &admin, "second").await;
    let mut second = start_worker(&m.app, &second_token, "second");
    let job = m.until("the second worker to finish", Duration::from_secs(300), |j| j["status"] == "aggregating").await;
    let _ = second.kill();
    let _ = second.wait();
    let shard = &job["shards"][0];
    assert_eq!(shard["attempts"], 2, "{shard}");
    let job_id = uuid::Uuid::parse_str(&m.job).unwrap();
    let (metrics,): (Value,) =
        sqlx::query_as("select metrics from shard_run where job_id = $1").bind(job_id).fetch_one(&m.app.pool).await.unwrap();
    assert_eq!(metrics["resumed_from_slice"], 1, "{metrics}");
    // The shard's tokens are slice 0's (the first attempt's checkpoint) plus what the second
    // attempt trained: the killed attempt's unfinished slice 1 is not counted.
    let (slice0,): (i64,) = sqlx::query_as(
        "select p.tokens from shard_run_progress p join shard_run r on r.id = p.run_id
         where r.job_id = $1 and p.attempt = 1 and p.slice = 0 and p.slice_done",
    )
    .bind(job_id)
    .fetch_one(&m.app.pool)
    .await
    .unwrap();
    let run_tokens = metrics["run_tokens"].as_i64().unwrap();
    assert!(slice0 > 0 && run_tokens > 0);
    assert_eq!(shard["tokens"].as_i64(), Some(slice0 + run_tokens), "{shard} {metrics}");
    let events: Value = m.app.get(&format!("/api/v1/jobs/{}/events", m.job), Some(&m.buyer.token)).await.json().await.unwrap();
    let succeeded = events["items"].as_array().unwrap().iter().filter(|e| e["detail"]["event"] == "succeeded").count();
    assert_eq!(succeeded, 1, "one success: {events}");
}

#[tokio::test]
async fn cancelling_a_training_job_stops_its_worker() {
    let app = demo_app(true).await;
    let m = buy(app, 100, 1_000_000_000).await;
    m.until("training to start", Duration::from_secs(120), |j| j["shards"][0]["status"] == "leased").await;
    let res = m.app.post_json(&format!("/api/v1/jobs/{}/cancel", m.job), &json!({}), Some(&m.buyer.token)).await;
    assert_eq!(res.status(), StatusCode::ACCEPTED);
    let job = m.until("the worker to stop", Duration::from_secs(60), |j| j["shards"][0]["status"] == "failed").await;
    assert!(job["shards"][0]["error"].as_str().unwrap().contains("cancelled"), "{job}");
    assert_eq!(job["status"], "cancel_requested");
    m.app.send_operator_txs().await;
    m.app.watch().await;
    assert_eq!(m.job().await["status"], "cancelled", "the refund on chain ends it");
}

#[tokio::test]
async fn a_worker_stopped_with_sigterm_finishes_its_slice_and_hands_the_lease_back() {
    let app = demo_app(false).await;
    let m = buy(app, 8, 10_000_000).await;
    let admin = m.app.new_admin().await;
    let token = worker_token(&m.app, &admin, "polite").await;
    let mut worker = start_worker(&m.app, &token, "polite");
    m.until("the first steps of slice 0", Duration::from_secs(300), |j| {
        j["shards"][0]["status"] == "leased" && j["shards"][0]["tokens"].as_i64().unwrap_or(0) > 0
    })
    .await;
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(worker.id() as i32), nix::sys::signal::Signal::SIGTERM).unwrap();
    let started = std::time::Instant::now();
    let status = loop {
        if let Some(status) = worker.try_wait().unwrap() {
            break status;
        }
        assert!(started.elapsed() < Duration::from_secs(120), "attune-worker did not stop on SIGTERM");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(status.success(), "{status}");
    let job = m.job().await;
    let shard = &job["shards"][0];
    // Slice 0 was finished and its checkpoint uploaded; the run waits for the next worker.
    assert_eq!((shard["status"].as_str(), shard["slices_done"].as_i64()), (Some("queued"), Some(1)), "{shard}");
    let (attempt, max_attempts): (i32, i32) = sqlx::query_as("select attempt, max_attempts from shard_run where job_id = $1")
        .bind(uuid::Uuid::parse_str(&m.job).unwrap())
        .fetch_one(&m.app.pool)
        .await
        .unwrap();
    assert_eq!((attempt, max_attempts), (1, 4), "the hand-back does not use up an attempt");
    let events: Value = m.app.get(&format!("/api/v1/jobs/{}/events", m.job), Some(&m.buyer.token)).await.json().await.unwrap();
    assert!(events["items"].as_array().unwrap().iter().any(|e| e["detail"]["event"] == "handed_back"), "{events}");
}
