//! The onramp end to end on anvil: the sandbox provider moves MockUSDC to the settlement wallet and
//! sends its signed webhook; the webhook and the transfer agree, so the operator funds the escrow
//! and the job is paid. A MoonPay-shaped webhook that disagrees with the chain is recorded as a
//! mismatch; bad and replayed webhooks are refused.

use attune_domain::webhook_signature::sign_timestamped;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::assessments::deployment;
use crate::common::models::model_listing;
use crate::common::{TestApp, TestUser, spawn_app_with};
use crate::datasets::{own_record, ready_dataset};

async fn job_awaiting_payment() -> (TestApp, TestUser, String) {
    let app = spawn_app_with(|s| {
        s.chain_enabled = true;
        s.moonpay_webhook_secrets = Some("mp-key".to_string().into());
    })
    .await;
    let provider = app.new_user().await;
    let provider_key = app.link_wallet(&provider).await;
    let listing = model_listing("Apache-2.0", "25000000", 7_000_000_000, json!(["general", "customer_service"]), json!(8.4e22));
    let model = app.verified_model(&provider, &provider_key, listing).await;
    let buyer = app.new_user().await;
    app.pass_kyc(&buyer).await;
    let dataset = ready_dataset(&app, &buyer, vec![own_record("a")]).await;
    let mut d = deployment(json!(["customer_service"]));
    d["profiles_natural_persons"] = json!(false);
    let job: Value = app
        .post_json("/api/v1/jobs", &json!({"base_model_id": model, "dataset_id": dataset["id"], "method": "lora", "hyperparameters": {"epochs": 1}, "deployment": d}), Some(&buyer.token))
        .await
        .json()
        .await
        .unwrap();
    (app, buyer, job["id"].as_str().unwrap().to_string())
}

async fn order(app: &TestApp, buyer: &TestUser, job: &str) -> Value {
    let res = app
        .post_json("/api/v1/onramp/orders", &json!({"job_id": job, "provider": "sandbox", "fiat_currency": "EUR"}), Some(&buyer.token))
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    res.json().await.unwrap()
}

#[tokio::test]
async fn an_onramp_purchase_funds_the_escrow_from_the_settlement_wallet() {
    let (app, buyer, job) = job_awaiting_payment().await;
    let order = order(&app, &buyer, &job).await;
    assert!(order["widget_url"].as_str().unwrap().contains("/sandbox/onramp/"));
    assert_eq!(order["destination"], app.chain().client.operator_address().to_checksum(None));
    let res = app
        .post_json("/api/v1/onramp/orders", &json!({"job_id": job, "provider": "sandbox", "fiat_currency": "EUR"}), Some(&buyer.token))
        .await;
    assert_eq!(res.status(), StatusCode::CONFLICT, "one open order per job");

    let done: Value = app
        .post_json(&format!("/sandbox/onramp/{}/complete", order["id"].as_str().unwrap()), &json!({"outcome": "paid"}), None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(done["webhook_status"], 200, "{done}");
    assert_eq!(app.send_operator_txs().await, 1, "the settlement wallet funds the escrow");
    app.watch().await;
    let payment: Value = app.get(&format!("/api/v1/jobs/{job}/payment"), Some(&buyer.token)).await.json().await.unwrap();
    assert_eq!(payment["status"], "cleared");
    let job: Value = app.get(&format!("/api/v1/jobs/{job}"), Some(&buyer.token)).await.json().await.unwrap();
    assert_eq!(job["status"], "queued");
}

#[tokio::test]
async fn an_order_the_aml_rules_would_hold_is_refused_up_front() {
    let (app, buyer, job) = job_awaiting_payment().await;
    // A quote far above the basic KYC limit (10,000 USDC) would be held: the order is refused.
    sqlx::query("update job set quote_amount = '50000000000', assessment = jsonb_set(assessment, '{quote,amount}', '\"50000000000\"') where id = $1")
        .bind(uuid::Uuid::parse_str(&job).unwrap())
        .execute(&app.pool)
        .await
        .unwrap();
    let res = app
        .post_json("/api/v1/onramp/orders", &json!({"job_id": job, "provider": "sandbox", "fiat_currency": "EUR"}), Some(&buyer.token))
        .await;
    let status = res.status();
    let p: Value = res.json().await.unwrap();
    assert_eq!(status, StatusCode::CONFLICT, "{p}");
    assert!(p["detail"].as_str().unwrap().contains("kyc_below_tier"), "{p}");
}

#[tokio::test]
async fn a_webhook_that_disagrees_with_the_chain_is_a_mismatch_and_bad_ones_are_refused() {
    let (app, buyer, job) = job_awaiting_payment().await;
    let order = order(&app, &buyer, &job).await;
    let body =
        json!({"type": "transaction_updated", "data": {"id": "mp-tx-1", "updatedAt": "2026-11-24T20:00:00.000Z", "status": "completed",
        "externalTransactionId": order["id"], "walletAddress": order["destination"], "quoteCurrencyAmount": 1.0,
        "cryptoTransactionId": format!("0x{}", "ab".repeat(32)), "currency": {"code": "usdc"}}})
        .to_string();
    let signed = |key: &[u8]| sign_timestamped(key, chrono::Utc::now().timestamp(), body.as_bytes()).replace("v1=", "s=");
    let post = |signature: String| {
        let app = &app;
        let body = body.clone();
        async move {
            app.api.post(app.url("/webhooks/onramp/moonpay")).header("moonpay-signature-v2", signature).body(body).send().await.unwrap()
        }
    };
    assert_eq!(post(signed(b"wrong")).await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(post(signed(b"mp-key")).await.status(), StatusCode::OK);
    assert_eq!(post(signed(b"mp-key")).await.status(), StatusCode::UNAUTHORIZED, "replayed");
    assert_eq!(app.send_operator_txs().await, 0, "nothing is funded on a webhook the chain does not confirm");
    let admin = app.new_admin().await;
    let status: Value = app.get("/api/v1/admin/chain", Some(&admin.token)).await.json().await.unwrap();
    let alert = status["alerts"].as_array().unwrap().iter().find(|a| a["kind"] == "onramp_mismatch").cloned().unwrap_or_default();
    assert!(alert["detail"]["problems"].to_string().contains("not on the chain"), "{status}");
}

#[tokio::test]
async fn an_order_with_an_idempotency_key_is_created_once() {
    let (app, buyer, job) = job_awaiting_payment().await;
    let keyed = |fiat: &'static str| {
        app.api
            .post(app.url("/api/v1/onramp/orders"))
            .bearer_auth(&buyer.token)
            .header("Idempotency-Key", "buy-1")
            .json(&json!({"job_id": job, "provider": "sandbox", "fiat_currency": fiat}))
            .send()
    };
    let first = keyed("GBP").await.unwrap();
    assert_eq!(first.status(), StatusCode::CREATED);
    let first: Value = first.json().await.unwrap();
    let again = keyed("GBP").await.unwrap();
    assert_eq!(again.status(), StatusCode::CREATED, "the same key and body replay the first answer");
    assert_eq!(again.json::<Value>().await.unwrap()["id"], first["id"]);
    let other = keyed("EUR").await.unwrap();
    assert_eq!(other.status(), StatusCode::UNPROCESSABLE_ENTITY, "the same key with another body");
}
