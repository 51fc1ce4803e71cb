//! A paid job on the embedded setup's demo model, for the tests that watch real training (API and
//! browser): the demo model as the first-start step lists it, a KYC'd buyer with a funded wallet, a
//! dataset of real support text, a job funded on chain and applied by the watcher.

use std::time::{Duration, Instant};

use alloy::signers::local::PrivateKeySigner;
use reqwest::StatusCode;
use serde_json::{Value, json};

use super::{TestApp, TestUser, spawn_app_with};

const SENTENCES: [&str; 12] = [
    "The printer on the second floor jams when the paper tray is overfilled; remove a few sheets and try again.",
    "To reset your password, open the sign-in page, choose Forgot password and follow the link we e-mail you.",
    "Invoices are issued on the first working day of each month and are payable within thirty days.",
    "If the router's light blinks orange, unplug it for ten seconds and plug it back in.",
    "Refunds are returned to the card used for the purchase within five to seven working days.",
    "Our support desk answers from eight in the morning to six in the evening, Monday to Friday.",
    "You can export your data as a spreadsheet from the Reports page at any time.",
    "A parcel that shows as delivered but has not arrived should be reported within forty-eight hours.",
    "To add a colleague to your team, open Settings, then Members, and send an invitation.",
    "The mobile app stores nothing on the phone once you sign out.",
    "Large files upload faster over a wired connection than over a busy wireless network.",
    "Your subscription renews automatically unless you cancel it before the renewal date.",
];

/// Twelve records of real support text: one shard of two slices under the dispatch policy.
pub fn corpus() -> Vec<Value> {
    SENTENCES
        .iter()
        .enumerate()
        .map(|(i, s)| json!({"id": format!("t{i}"), "text": format!("{s} {s}"), "licence": {"kind": "own"}, "pii_subject_ids": []}))
        .collect()
}

pub struct Bought {
    pub app: TestApp,
    pub buyer: TestUser,
    pub job: String,
    pub payment: Value,
}

/// An app with the chain, the demo model, and (if asked) the in-process worker.
pub async fn demo_app(in_process_worker: bool) -> TestApp {
    // Server logs show with a failing test's output.
    let _ = tracing_subscriber::fmt().with_env_filter("warn,attune=info").with_test_writer().try_init();
    spawn_app_with(|s| {
        s.chain_enabled = true;
        s.chain_confirmations = Some(1);
        s.dispatch_backoff_secs = Some(0);
        s.in_process_worker = in_process_worker;
        s.demo_model = Some(true);
    })
    .await
}

/// The demo model as the catalogue shows it once the first-start step verified it.
pub async fn demo_model(app: &TestApp, viewer: &TestUser) -> Value {
    let started = Instant::now();
    loop {
        let list: Value = app.get("/api/v1/models?verified=true", Some(&viewer.token)).await.json().await.unwrap();
        if let Some(m) = list["items"].as_array().unwrap().iter().find(|m| m["name"] == "attune-demo-llama-3m") {
            return m.clone();
        }
        if started.elapsed() > Duration::from_secs(120) {
            let all: Value = app.get("/api/v1/models", Some(&viewer.token)).await.json().await.unwrap();
            panic!("the demo model was not listed and verified: {all}");
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// A paid job on the demo model: `epochs` passes per stage, at most `tokens` training tokens.
pub async fn buy(app: TestApp, epochs: u64, tokens: u64) -> Bought {
    buy_records(app, epochs, tokens, corpus()).await
}

/// `buy` on `records` of the caller's choosing.
pub async fn buy_records(app: TestApp, epochs: u64, tokens: u64, records: Vec<Value>) -> Bought {
    let buyer = app.new_user().await;
    let model = demo_model(&app, &buyer).await;
    assert_eq!(model["provenance"]["status"], "verified");
    app.pass_kyc(&buyer).await;
    let key: PrivateKeySigner = app.funded_key(1_000_000 * 1_000_000).await;
    app.link_wallet_key(&buyer, &key).await;
    let res = app.post_json("/api/v1/datasets", &json!({"name": "support answers", "records": records}), Some(&buyer.token)).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let dataset: Value = res.json().await.unwrap();
    app.scan_datasets().await;
    let deployment = json!({
        "purpose": "answer customer support questions", "sectors": ["customer_service"], "prohibited_practices": [],
        "jurisdictions": ["EU"], "expected_monthly_users": 500, "monthly_queries": 5000, "autonomy": "human_in_the_loop",
        "vulnerable_groups": false, "public_facing": false, "profiles_natural_persons": false, "revenue_dependence": "low"
    });
    let body = json!({"base_model_id": model["id"], "dataset_id": dataset["id"], "method": "lora",
        "hyperparameters": {"epochs": epochs, "tokens": tokens}, "deployment": deployment});
    let res = app.post_json("/api/v1/jobs", &body, Some(&buyer.token)).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let job = res.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_string();
    let payment: Value = app.get(&format!("/api/v1/jobs/{job}/payment"), Some(&buyer.token)).await.json().await.unwrap();
    app.fund(&key, &payment).await;
    app.watch().await;
    Bought { app, buyer, job, payment }
}

impl Bought {
    pub async fn job(&self) -> Value {
        self.app.get(&format!("/api/v1/jobs/{}", self.job), Some(&self.buyer.token)).await.json().await.unwrap()
    }

    /// Polls the job until `done` holds (training runs on real threads).
    pub async fn until(&self, what: &str, limit: Duration, done: impl Fn(&Value) -> bool) -> Value {
        let started = Instant::now();
        loop {
            let job = self.job().await;
            if done(&job) {
                return job;
            }
            assert!(started.elapsed() < limit, "timed out waiting for {what}: {job}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}
