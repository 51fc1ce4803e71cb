//! Money defects found in review, each reached through the product on the app's real anvil: a job
//! needs a verified model whose licence allows the deployment; a reclaimed escrow never leads to
//! training; one onramp transfer settles one order and a webhook applies only to an order still
//! waiting; a funding reorged out after it was applied goes back to review; the AML facts are computed.

use alloy::primitives::{B256, U256};
use alloy::providers::Provider;
use attune_domain::webhook_signature::sign_timestamped;
use attune_integrations::chain::bindings::FineTuneEscrow;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::assessments::deployment;
use crate::common::models::model_listing;
use crate::common::{TestApp, TestUser, assert_problem, spawn_app, spawn_app_with};
use crate::datasets::{own_record, ready_dataset};
use crate::settlement::{market, status_of};

fn job_body(model: &str, dataset: &Value) -> Value {
    let mut d = deployment(json!(["customer_service"]));
    d["profiles_natural_persons"] = json!(false);
    json!({"base_model_id": model, "dataset_id": dataset["id"], "method": "lora", "hyperparameters": {"epochs": 1}, "deployment": d})
}

/// The open payment case of a job, as an admin sees it in the review queue.
async fn open_payment_case(app: &TestApp, job: &str) -> Option<Value> {
    let admin = app.new_admin().await;
    let cases: Value = app.get("/api/v1/admin/cases?status=open&kind=payment", Some(&admin.token)).await.json().await.unwrap();
    cases["items"].as_array().unwrap().iter().find(|c| c["subject"] == format!("job:{job}")).cloned()
}

async fn alerts(app: &TestApp) -> Vec<Value> {
    let admin = app.new_admin().await;
    let status: Value = app.get("/api/v1/admin/chain", Some(&admin.token)).await.json().await.unwrap();
    status["alerts"].as_array().unwrap().clone()
}

#[tokio::test]
async fn a_job_needs_a_verified_model_whose_licence_allows_the_deployment() {
    let app = spawn_app().await;
    let provider = app.new_user().await;
    let signer = app.link_wallet(&provider).await;
    let buyer = app.new_user().await;
    let dataset = ready_dataset(&app, &buyer, vec![own_record("a")]).await;
    let uses = json!(["general", "customer_service"]);

    // Listed but never verified: pending.
    let pending = app.list_model(&provider, model_listing("Apache-2.0", "25000000", 7_000_000_000, uses.clone(), json!(8.4e22))).await;
    let res = app.post_json("/api/v1/jobs", &job_body(pending["id"].as_str().unwrap(), &dataset), Some(&buyer.token)).await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    assert_problem(&res);
    assert!(res.json::<Value>().await.unwrap()["type"].as_str().unwrap().ends_with("/model-not-verified"));

    // Rejected by an admin.
    let admin = app.new_admin().await;
    let res = app
        .post_json(
            &format!("/api/v1/admin/models/{}/decision", pending["id"].as_str().unwrap()),
            &json!({"decision": "reject", "notes": "weights do not match the card"}),
            Some(&admin.token),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let res = app.post_json("/api/v1/jobs", &job_body(pending["id"].as_str().unwrap(), &dataset), Some(&buyer.token)).await;
    assert_eq!(res.status(), StatusCode::CONFLICT, "a rejected model is not fine-tuned either");

    // Verified, but under a non-commercial licence: only a non-commercial deployment may use it.
    let nc =
        app.verified_model(&provider, &signer, model_listing("CC-BY-NC-4.0", "25000000", 7_000_000_000, uses.clone(), json!(8.4e22))).await;
    let res = app.post_json("/api/v1/jobs", &job_body(&nc, &dataset), Some(&buyer.token)).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let p: Value = res.json().await.unwrap();
    assert!(p["type"].as_str().unwrap().ends_with("/licence-not-commercial"), "{p}");
    assert_eq!(p["errors"][0]["field"], "deployment.commercial", "{p}");
    assert!(p["detail"].as_str().unwrap().contains("CC-BY-NC-4.0"), "{p}");
    let mut body = job_body(&nc, &dataset);
    body["deployment"]["commercial"] = json!(false);
    let res = app.post_json("/api/v1/jobs", &body, Some(&buyer.token)).await;
    assert_eq!(res.status(), StatusCode::CREATED, "a non-commercial purpose may fine-tune a non-commercial model");
    let job: Value = res.json().await.unwrap();
    assert_eq!(job["gate"]["licence"]["spdx"], "CC-BY-NC-4.0", "the licence decision is kept with the job: {}", job["gate"]);
    assert_eq!(job["gate"]["licence"]["commercial_finetuning"], false);

    let ok = app.verified_model(&provider, &signer, model_listing("Apache-2.0", "25000000", 7_000_000_000, uses, json!(8.4e22))).await;
    let res = app.post_json("/api/v1/jobs", &job_body(&ok, &dataset), Some(&buyer.token)).await;
    assert_eq!(res.status(), StatusCode::CREATED);
}

/// The chain moves past the quote's deadline and the reclaim grace.
async fn past_the_reclaim_time(app: &TestApp, payment: &Value) {
    let d = &app.chain().client.deployment;
    let grace = FineTuneEscrow::new(d.escrow, app.operator().clone()).reclaimGrace().call().await.unwrap();
    let block = app.operator().get_block_by_number(alloy::eips::BlockNumberOrTag::Latest).await.unwrap().unwrap();
    let deadline = payment["deadline"].as_i64().unwrap() as u64;
    let wait = deadline.saturating_sub(block.header.timestamp) + grace + 60;
    let _: Value = app.operator().raw_request("evm_increaseTime".into(), (wait,)).await.unwrap();
    app.mine(1).await;
}

async fn reclaim(app: &TestApp, key: &alloy::signers::local::PrivateKeySigner, payment: &Value) {
    let job_ref: B256 = payment["job_ref"].as_str().unwrap().parse().unwrap();
    let escrow = FineTuneEscrow::new(app.chain().client.deployment.escrow, app.wallet_provider(key));
    let receipt = escrow.reclaim(job_ref).send().await.unwrap().get_receipt().await.unwrap();
    assert!(receipt.status(), "reclaim reverted");
}

async fn state(app: &TestApp, buyer: &TestUser, job: &str) -> (String, String) {
    let j: Value = app.get(&format!("/api/v1/jobs/{job}"), Some(&buyer.token)).await.json().await.unwrap();
    let p: Value = app.get(&format!("/api/v1/jobs/{job}/payment"), Some(&buyer.token)).await.json().await.unwrap();
    (j["status"].as_str().unwrap().to_string(), p["status"].as_str().unwrap().to_string())
}

async fn lia(app: &TestApp, buyer: &TestUser, job: &str) -> reqwest::Response {
    let fields = crate::jobs::lia_fields();
    app.api
        .put(app.url(&format!("/api/v1/jobs/{job}/documents/lia")))
        .bearer_auth(&buyer.token)
        .json(&json!({"fields": fields}))
        .send()
        .await
        .unwrap()
}

/// A chain app with a verified model, and a buyer with basic KYC and a funded verified wallet.
async fn wallet_market() -> (TestApp, TestUser, alloy::signers::local::PrivateKeySigner, String) {
    let app = spawn_app_with(|s| s.chain_enabled = true).await;
    let provider = app.new_user().await;
    let (model, _) = app.provider_with_verified_model(&provider, 7_000_000_000, "25000000").await;
    let buyer = app.new_user().await;
    app.pass_kyc(&buyer).await;
    let key = app.funded_key(1_000_000_000_000).await;
    app.link_wallet_key(&buyer, &key).await;
    (app, buyer, key, model)
}

#[tokio::test]
async fn a_reclaimed_escrow_never_leads_to_training_and_cancels_the_job() {
    // A job that waits, paid, for its legitimate-interest assessment (its data has personal data).
    let (app, buyer, key, model) = wallet_market().await;
    let pii = json!({"id": "p1", "text": "Ticket from Jane", "licence": {"kind": "own"}, "pii_subject_ids": ["customer-17"]});
    let dataset = ready_dataset(&app, &buyer, vec![pii]).await;
    let job: Value = app.post_json("/api/v1/jobs", &job_body(&model, &dataset), Some(&buyer.token)).await.json().await.unwrap();
    let job = job["id"].as_str().unwrap().to_string();
    let payment: Value = app.get(&format!("/api/v1/jobs/{job}/payment"), Some(&buyer.token)).await.json().await.unwrap();
    app.fund(&key, &payment).await;
    app.watch().await;
    assert_eq!(state(&app, &buyer, &job).await, ("paid".into(), "cleared".into()), "paid, waiting for the LIA");

    // The buyer holds the document back, reclaims the escrow after the deadline and the grace…
    past_the_reclaim_time(&app, &payment).await;
    let before = app.usdc_balance(key.address()).await;
    reclaim(&app, &key, &payment).await;
    assert!(app.usdc_balance(key.address()).await > before, "the money is back with the buyer");

    // …then files it before the watcher has seen the reclaim: the job does not move on.
    let res = lia(&app, &buyer, &job).await;
    assert_eq!(res.status(), StatusCode::OK);
    let saved: Value = res.json().await.unwrap();
    assert_eq!(saved["status"], "paid", "an escrow that is not funded on chain never reaches the queue");
    let events: Value = app.get(&format!("/api/v1/jobs/{job}/events"), Some(&buyer.token)).await.json().await.unwrap();
    let held = events["items"].as_array().or(events.as_array()).unwrap().iter().find(|e| e["kind"] == "held").cloned();
    assert!(held.is_some_and(|h| h["detail"]["reason"].as_str().unwrap().contains("reclaimed")), "{events}");

    // The watcher applies the reclaim: the job is cancelled before it could train.
    app.watch().await;
    assert_eq!(state(&app, &buyer, &job).await, ("cancelled".into(), "refunded".into()));
    assert!(alerts(&app).await.iter().any(|a| a["kind"] == "escrow_reclaimed"));
    let res = lia(&app, &buyer, &job).await;
    assert_eq!(res.status(), StatusCode::CONFLICT, "a cancelled job takes no more documents");
}

#[tokio::test]
async fn a_reclaim_after_the_job_was_queued_cancels_it() {
    let m = market(1).await;
    m.app.fund(&m.buyer_key, &m.payment).await;
    m.app.watch().await;
    assert_eq!(status_of(&m).await, ("queued".to_string(), "cleared".to_string()));
    past_the_reclaim_time(&m.app, &m.payment).await;
    reclaim(&m.app, &m.buyer_key, &m.payment).await;
    m.app.watch().await;
    assert_eq!(status_of(&m).await, ("cancelled".to_string(), "refunded".to_string()), "nothing trains on money that left");
}

#[tokio::test]
async fn a_funding_reorged_out_after_it_was_applied_goes_back_to_review() {
    let m = market(1).await;
    let before = m.app.snapshot().await;
    m.app.fund(&m.buyer_key, &m.payment).await;
    let step = m.app.watch().await;
    assert_eq!(step.applied, 1);
    assert_eq!(status_of(&m).await, ("queued".to_string(), "cleared".to_string()));

    // A reorganisation deeper than the confirmations we waited for takes the funding away.
    m.app.revert_to(before).await;
    m.app.mine(3).await;
    let step = m.app.watch().await;
    assert_eq!(step.removed, 1);
    assert_eq!(status_of(&m).await, ("payment_review".to_string(), "review".to_string()), "never left paid on funds that are gone");
    assert!(alerts(&m.app).await.iter().any(|a| a["kind"] == "applied_event_reorged"));
    let case = open_payment_case(&m.app, &m.job).await;
    assert!(case.as_ref().is_some_and(|c| c["reasons"].to_string().contains("funding_reorged")), "{case:?}");
    // The reconciler agrees: the escrow is empty, the payment is under review (no silent 'cleared').
    let escrow = m.app.chain().client.escrow_of(m.payment["job_ref"].as_str().unwrap().parse().unwrap()).await.unwrap();
    assert_eq!(escrow.amount, U256::ZERO);
}

#[tokio::test]
async fn an_embedded_chain_confirms_on_its_own_block_and_says_so() {
    let app = spawn_app_with(|s| s.chain_enabled = true).await;
    let chain: Value = app.get("/api/v1/chain", None).await.json().await.unwrap();
    assert_eq!(chain["confirmations"], 1, "only the embedded anvil applies an event on its own block");
    assert_eq!(attune_domain::settlement::safe_confirmations(chain["chain_id"].as_u64().unwrap()), 1);
    assert!(attune_domain::settlement::safe_confirmations(1) >= 12);
}

/// A job awaiting payment, a buyer with basic KYC (as "Grace Hopper"), and an onramp order for it.
async fn onramp_order(app: &TestApp, buyer: &TestUser, model: &str) -> (String, Value) {
    let dataset = ready_dataset(app, buyer, vec![own_record(&uuid::Uuid::new_v4().to_string())]).await;
    let job: Value = app.post_json("/api/v1/jobs", &job_body(model, &dataset), Some(&buyer.token)).await.json().await.unwrap();
    let job = job["id"].as_str().unwrap().to_string();
    let res = app
        .post_json("/api/v1/onramp/orders", &json!({"job_id": job, "provider": "sandbox", "fiat_currency": "EUR"}), Some(&buyer.token))
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    (job, res.json().await.unwrap())
}

async fn onramp_market() -> (TestApp, TestUser, String) {
    let app = spawn_app_with(|s| {
        s.chain_enabled = true;
        s.moonpay_webhook_secrets = Some("mp-key".to_string().into());
        s.secret_key = Some(SERVER_SECRET.to_string().into());
    })
    .await;
    let provider = app.new_user().await;
    let (model, _) = app.provider_with_verified_model(&provider, 7_000_000_000, "25000000").await;
    let buyer = app.new_user().await;
    app.pass_kyc(&buyer).await;
    (app, buyer, model)
}

async fn complete(app: &TestApp, order: &Value, body: Value) -> Value {
    app.post_json(&format!("/sandbox/onramp/{}/complete", order["id"].as_str().unwrap()), &body, None).await.json().await.unwrap()
}

async fn fund_txs(app: &TestApp) -> i64 {
    sqlx::query_scalar("select count(*) from chain_tx where kind = 'fund'").fetch_one(&app.pool).await.unwrap()
}

const SERVER_SECRET: &str = "integrity-test-server-secret";

/// Signs `body` as the sandbox onramp does (its key derives from the server's secret) and posts it.
async fn sandbox_webhook(app: &TestApp, body: &Value) -> StatusCode {
    use sha2::Digest;
    let mut h = sha2::Sha256::new();
    h.update(b"attune onramp sandbox webhook key\0");
    h.update(SERVER_SECRET.as_bytes());
    let secret = h.finalize().to_vec();
    let body = body.to_string();
    app.api
        .post(app.url("/webhooks/onramp/sandbox"))
        .header(attune_app::kyc::SANDBOX_SIGNATURE_HEADER, sign_timestamped(&secret, chrono::Utc::now().timestamp(), body.as_bytes()))
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap()
        .status()
}

#[tokio::test]
async fn a_webhook_applies_only_to_an_order_still_waiting_and_one_transfer_settles_one_order() {
    let (app, buyer, model) = onramp_market().await;
    let (job_a, order_a) = onramp_order(&app, &buyer, &model).await;
    let (_job_b, order_b) = onramp_order(&app, &buyer, &model).await;
    assert_eq!(order_a["amount"], order_b["amount"], "two jobs of the same price");
    let done = complete(&app, &order_a, json!({"outcome": "paid"})).await;
    assert_eq!(done["webhook_status"], 200, "{done}");
    assert_eq!(fund_txs(&app).await, 1);
    let a: (String, Option<String>) = sqlx::query_as("select status, tx_hash from onramp_order where id = $1::uuid")
        .bind(order_a["id"].as_str().unwrap())
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(a.0, "funding");
    let transfer = a.1.unwrap();

    // The same order announced complete again under another event id: acknowledged, nothing funded twice.
    let again = json!({"event_id": uuid::Uuid::new_v4(), "order_id": order_a["id"], "status": "completed",
        "crypto": {"currency": "USDC", "amount": order_a["amount"], "destination": order_a["destination"], "tx_hash": transfer},
        "payer": {"name": "Grace Hopper"}, "created_at": chrono::Utc::now().timestamp()});
    assert_eq!(sandbox_webhook(&app, &again).await, StatusCode::OK);
    assert_eq!(fund_txs(&app).await, 1, "a webhook applies only to an order still waiting for it");

    // Order B cites order A's transfer (same token, amount and destination): it settles nothing.
    let mut stolen = again.clone();
    stolen["event_id"] = json!(uuid::Uuid::new_v4());
    stolen["order_id"] = order_b["id"].clone();
    assert_eq!(sandbox_webhook(&app, &stolen).await, StatusCode::OK);
    assert_eq!(fund_txs(&app).await, 1, "one on-chain transfer settles at most one order");
    let b: (String,) = sqlx::query_as("select status from onramp_order where id = $1::uuid")
        .bind(order_b["id"].as_str().unwrap())
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(b.0, "mismatch");
    let alert = alerts(&app).await.into_iter().find(|a| a["kind"] == "onramp_mismatch").unwrap();
    assert!(alert["detail"]["problems"].to_string().contains("already settled order"), "{alert}");

    // Order A still completes normally.
    assert_eq!(app.send_operator_txs().await, 1);
    app.watch().await;
    let job: Value = app.get(&format!("/api/v1/jobs/{job_a}"), Some(&buyer.token)).await.json().await.unwrap();
    assert_eq!(job["status"], "queued");
}

#[tokio::test]
async fn moonpay_amounts_are_decimal_text_never_floats() {
    let (app, buyer, model) = onramp_market().await;
    let (_job, order) = onramp_order(&app, &buyer, &model).await;
    let amount: u128 = order["amount"].as_str().unwrap().parse().unwrap();
    // The amount as MoonPay writes it: a JSON number with up to six decimals.
    let decimal = format!("{}.{:06}", amount / 1_000_000, amount % 1_000_000);
    let post = |quote_amount: String, id: &str| {
        let body = format!(
            r#"{{"type":"transaction_updated","data":{{"id":"{id}","updatedAt":"2026-12-02T10:00:00.000Z","status":"completed","externalTransactionId":"{}","walletAddress":"{}","quoteCurrencyAmount":{quote_amount},"cryptoTransactionId":"0x{}","customer":{{"firstName":"Grace","lastName":"Hopper"}}}}}}"#,
            order["id"].as_str().unwrap(),
            order["destination"].as_str().unwrap(),
            "ab".repeat(32)
        );
        let signature = sign_timestamped(b"mp-key", chrono::Utc::now().timestamp(), body.as_bytes()).replace("v1=", "s=");
        let app = &app;
        async move {
            app.api.post(app.url("/webhooks/onramp/moonpay")).header("moonpay-signature-v2", signature).body(body).send().await.unwrap()
        }
    };
    // More precision than the token has is refused outright, not rounded.
    let res = post(format!("{decimal}1"), "mp-1").await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{:?}", res.text().await);
    // The exact amount parses to the order's base units: only the (fake) transaction disagrees.
    assert_eq!(post(decimal.clone(), "mp-2").await.status(), StatusCode::OK);
    let detail: Value = sqlx::query_scalar("select detail from onramp_order where id = $1::uuid")
        .bind(order["id"].as_str().unwrap())
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let problems = detail["problems"].to_string();
    assert!(problems.contains("not on the chain"), "{detail}");
    assert!(!problems.contains("the webhook says"), "the decimal amount equals the order's: {detail}");
    assert_eq!(detail["payer_name"], "Grace Hopper", "the adapter reads the payer's name");
}

#[tokio::test]
async fn an_onramp_payer_who_is_not_the_kyc_identity_puts_the_payment_under_review() {
    let (app, buyer, model) = onramp_market().await;
    let (job, order) = onramp_order(&app, &buyer, &model).await;
    let done = complete(&app, &order, json!({"outcome": "paid", "payer_name": "Mallory Moriarty"})).await;
    assert_eq!(done["webhook_status"], 200, "{done}");
    assert_eq!(app.send_operator_txs().await, 1);
    app.watch().await;
    let payment: Value = app.get(&format!("/api/v1/jobs/{job}/payment"), Some(&buyer.token)).await.json().await.unwrap();
    assert_eq!(payment["status"], "review", "{payment}");
    let case = open_payment_case(&app, &job).await.expect("a payment case for the job");
    assert!(case["reasons"].to_string().contains("onramp_identity_mismatch"), "{case}");

    // The same purchase paid by the KYC'd person (the sandbox's default cardholder) clears.
    let (job, order) = onramp_order(&app, &buyer, &model).await;
    complete(&app, &order, json!({"outcome": "paid"})).await;
    app.send_operator_txs().await;
    app.watch().await;
    let payment: Value = app.get(&format!("/api/v1/jobs/{job}/payment"), Some(&buyer.token)).await.json().await.unwrap();
    assert_eq!(payment["status"], "cleared", "{payment}");
}

#[tokio::test]
async fn a_payment_far_above_what_the_listing_and_the_job_size_justify_is_reviewed() {
    let (app, buyer, key, model) = wallet_market().await;
    let dataset = ready_dataset(&app, &buyer, vec![own_record("a")]).await;
    let job: Value = app.post_json("/api/v1/jobs", &job_body(&model, &dataset), Some(&buyer.token)).await.json().await.unwrap();
    let job = job["id"].as_str().unwrap().to_string();
    let price: u128 = job_price(&app, &job).await;
    // The stored snapshot's price is tampered with (no feature can do this) before the quote is issued:
    // the quote and the funding follow it, but the rule recomputes the price from the listing.
    let inflated = (price * 3).to_string();
    sqlx::query("update job set quote_amount = $2, assessment = jsonb_set(jsonb_set(assessment, '{quote,amount}', to_jsonb($2::text)), '{quote,breakdown,0,amount}', to_jsonb(((assessment #>> '{quote,breakdown,0,amount}')::numeric + $3::numeric)::text)) where id = $1::uuid")
        .bind(&job)
        .bind(&inflated)
        .bind((price * 2).to_string())
        .execute(&app.pool)
        .await
        .unwrap();
    let payment: Value = app.get(&format!("/api/v1/jobs/{job}/payment"), Some(&buyer.token)).await.json().await.unwrap();
    assert_eq!(payment["amount"], inflated);
    app.fund(&key, &payment).await;
    app.watch().await;
    let payment: Value = app.get(&format!("/api/v1/jobs/{job}/payment"), Some(&buyer.token)).await.json().await.unwrap();
    assert_eq!(payment["status"], "review", "{payment}");
    let case = open_payment_case(&app, &job).await.expect("a payment case for the job");
    assert!(case["reasons"].to_string().contains("amount_far_above_price"), "{case}");
}

async fn job_price(app: &TestApp, job: &str) -> u128 {
    let amount: String =
        sqlx::query_scalar("select quote_amount from job where id = $1::uuid").bind(job).fetch_one(&app.pool).await.unwrap();
    amount.parse().unwrap()
}
