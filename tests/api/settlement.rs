//! Settlement end to end on the app's real anvil with the real contracts: the quote, funding from
//! the buyer's verified wallet, the watcher (exactly once, across a restart, through a reorg),
//! cancel with a refund on chain, and the release paying the split.

use alloy::primitives::{Address, Signature, U256};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::assessments::deployment;
use crate::common::models::model_listing;
use crate::common::{TestApp, TestUser, spawn_app_on, spawn_app_with};
use crate::datasets::{own_record, ready_dataset};

const BUYER_USDC: u64 = 1_000_000 * 1_000_000;

pub(crate) struct Market {
    pub(crate) app: TestApp,
    pub(crate) buyer: TestUser,
    pub(crate) buyer_key: alloy::signers::local::PrivateKeySigner,
    pub(crate) provider: TestUser,
    pub(crate) provider_wallet: Address,
    pub(crate) job: String,
    pub(crate) payment: Value,
}

pub(crate) async fn market(confirmations: u64) -> Market {
    let app = spawn_app_with(|s| {
        s.chain_enabled = true;
        s.chain_confirmations = Some(confirmations);
    })
    .await;
    let provider = app.new_user().await;
    let provider_key = app.link_wallet(&provider).await;
    let listing = model_listing("Apache-2.0", "25000000", 7_000_000_000, json!(["general", "customer_service"]), json!(8.4e22));
    let model = app.verified_model(&provider, &provider_key, listing).await;
    let buyer = app.new_user().await;
    app.pass_kyc(&buyer).await;
    let buyer_key = app.funded_key(BUYER_USDC).await;
    app.link_wallet_key(&buyer, &buyer_key).await;
    let dataset = ready_dataset(&app, &buyer, vec![own_record("a"), own_record("b")]).await;
    let mut d = deployment(json!(["customer_service"]));
    d["profiles_natural_persons"] = json!(false);
    let body =
        json!({"base_model_id": model, "dataset_id": dataset["id"], "method": "lora", "hyperparameters": {"epochs": 1}, "deployment": d});
    let res = app.post_json("/api/v1/jobs", &body, Some(&buyer.token)).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let job = res.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_string();
    let res = app.get(&format!("/api/v1/jobs/{job}/payment"), Some(&buyer.token)).await;
    assert_eq!(res.status(), StatusCode::OK);
    let payment: Value = res.json().await.unwrap();
    Market { app, buyer, buyer_key, provider, provider_wallet: provider_key.address(), job, payment }
}

pub(crate) async fn status_of(m: &Market) -> (String, String) {
    let job: Value = m.app.get(&format!("/api/v1/jobs/{}", m.job), Some(&m.buyer.token)).await.json().await.unwrap();
    let payment: Value = m.app.get(&format!("/api/v1/jobs/{}/payment", m.job), Some(&m.buyer.token)).await.json().await.unwrap();
    (job["status"].as_str().unwrap().to_string(), payment["status"].as_str().unwrap().to_string())
}

#[tokio::test]
async fn a_buyer_funds_from_its_verified_wallet_and_the_watcher_makes_the_job_paid() {
    let m = market(1).await;
    let chain: Value = m.app.get("/api/v1/chain", None).await.json().await.unwrap();
    assert_eq!(chain["chain_id"], 31337);
    assert_eq!(chain["token"]["decimals"], 6);
    assert_eq!(chain["escrow_address"], m.payment["escrow_address"]);

    // The quote is the operator's: its EIP-712 digest recovers the operator's address.
    let quote = attune_app::payments::quote_from_typed_data(&m.payment["quote"]).unwrap();
    assert_eq!(quote.buyer, m.buyer_key.address(), "only the buyer's verified wallet can fund");
    assert_eq!(m.payment["quote"]["primaryType"], "Quote");
    assert_eq!(m.payment["quote"]["message"]["amount"], m.payment["amount"]);
    let digest = attune_integrations::chain::bindings::quote_signing_hash(&quote, 31337, m.app.chain().client.deployment.escrow);
    let signature: Signature = m.payment["signature"].as_str().unwrap().parse().unwrap();
    assert_eq!(signature.recover_address_from_prehash(&digest).unwrap(), m.app.chain().client.operator_address());
    assert_eq!(m.payment["status"], "awaiting");
    // Asking again gives the same signed quote.
    let again: Value = m.app.get(&format!("/api/v1/jobs/{}/payment", m.job), Some(&m.buyer.token)).await.json().await.unwrap();
    assert_eq!(again["quote"], m.payment["quote"]);

    m.app.fund(&m.buyer_key, &m.payment).await;
    let step = m.app.watch().await;
    assert_eq!((step.seen, step.applied), (1, 1));
    let (job, payment) = status_of(&m).await;
    assert_eq!(payment, "cleared");
    assert_eq!(job, "queued", "paid, no audit and no open blocking obligation: straight to the queue");
    let step = m.app.watch().await;
    assert_eq!((step.seen, step.applied), (0, 0), "an event is applied once");
    let amount: u64 = m.payment["amount"].as_str().unwrap().parse().unwrap();
    assert_eq!(m.app.usdc_balance(m.buyer_key.address()).await, U256::from(BUYER_USDC - amount));
    assert_eq!(attune_app::operator_txs::reconcile(&m.app.pool, m.app.chain()).await.unwrap(), 0, "our state matches the escrow's");
    m.app.assert_org_scoped(&m.buyer, m.job.parse().unwrap(), |id| format!("/api/v1/jobs/{id}/payment")).await;
}

#[tokio::test]
async fn a_server_restarted_midway_credits_nothing_twice() {
    let m = market(2).await;
    m.app.fund(&m.buyer_key, &m.payment).await;
    let step = m.app.watch().await;
    assert_eq!((step.seen, step.applied), (1, 0), "seen but not yet two blocks deep");
    assert_eq!(status_of(&m).await, ("awaiting_payment".to_string(), "confirming".to_string()));

    // A second server takes over the same database and chain (as after a crash and restart).
    let info = m.app.chain().info();
    let restarted = spawn_app_on(m.app.database_url.clone(), |s| {
        s.chain_enabled = true;
        s.chain_confirmations = Some(2);
        s.chain_rpc_url = info.rpc_url.clone();
        s.operator_key = Some(attune_integrations::chain::deployment::DEV_OPERATOR_KEY.to_string().into());
        s.token_address = Some(info.token.address.clone());
        s.escrow_address = Some(info.escrow_address.clone());
        s.registry_address = Some(info.registry_address.clone());
    })
    .await;
    restarted.mine(1).await;
    let step = restarted.watch().await;
    assert_eq!(step.applied, 1);
    // The first server comes back too and runs its step over the same range: nothing more happens.
    let step = m.app.watch().await;
    assert_eq!(step.applied, 0);
    let (funded,): (i64,) = sqlx::query_as("select count(*) from audit_log where action = 'payment.funded' and subject = $1")
        .bind(format!("job:{}", m.job))
        .fetch_one(&m.app.pool)
        .await
        .unwrap();
    assert_eq!(funded, 1, "credited exactly once");
    assert_eq!(status_of(&m).await.1, "cleared");
}

#[tokio::test]
async fn a_reorg_removes_a_credit_that_was_not_yet_confirmed() {
    let m = market(2).await;
    let before = m.app.snapshot().await;
    m.app.fund(&m.buyer_key, &m.payment).await;
    assert_eq!(m.app.watch().await.seen, 1);
    assert_eq!(status_of(&m).await.1, "confirming");

    // The block holding the funding disappears; the chain grows past it without the transaction.
    m.app.revert_to(before).await;
    m.app.mine(3).await;
    let step = m.app.watch().await;
    assert_eq!((step.removed, step.applied), (1, 0));
    assert_eq!(status_of(&m).await, ("awaiting_payment".to_string(), "awaiting".to_string()));

    // The same signed quote funds the job on the surviving chain.
    m.app.fund(&m.buyer_key, &m.payment).await;
    m.app.mine(1).await;
    let step = m.app.watch().await;
    assert_eq!(step.applied, 1);
    assert_eq!(status_of(&m).await.1, "cleared");
}

#[tokio::test]
async fn cancelling_a_paid_job_refunds_it_on_chain() {
    let m = market(1).await;
    m.app.fund(&m.buyer_key, &m.payment).await;
    m.app.watch().await;
    let res = m.app.api.post(m.app.url(&format!("/api/v1/jobs/{}/cancel", m.job))).bearer_auth(&m.buyer.token).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::ACCEPTED);
    assert_eq!(res.json::<Value>().await.unwrap()["status"], "cancel_requested");
    assert_eq!(m.app.send_operator_txs().await, 1);
    assert_eq!(m.app.send_operator_txs().await, 0, "a refund is sent once");
    m.app.watch().await;
    assert_eq!(status_of(&m).await, ("cancelled".to_string(), "refunded".to_string()));
    assert_eq!(m.app.usdc_balance(m.buyer_key.address()).await, U256::from(BUYER_USDC), "everything came back");
    let payment: Value = m.app.get(&format!("/api/v1/jobs/{}/payment", m.job), Some(&m.buyer.token)).await.json().await.unwrap();
    let events: Vec<&str> = payment["txs"].as_array().unwrap().iter().filter_map(|t| t["event"].as_str()).collect();
    assert_eq!(events, vec!["Funded", "Refunded"]);
}

/// Trains the job's one shard through the worker API — a synthetic worker whose adapter is a few
/// bytes, since the listing's weights are no real model — and lets aggregation complete the job
/// (which asks for the release itself).
pub(crate) async fn train_through_the_worker_api(m: &Market, admin: &TestUser) {
    use sha2::Digest;
    let res = m.app.post_json("/api/v1/admin/workers", &json!({"name": "synthetic"}), Some(&admin.token)).await;
    let worker = res.json::<Value>().await.unwrap()["token"].as_str().unwrap().to_string();
    let lease: Value = m.app.post_json("/api/v1/worker/lease", &json!({"wait_s": 0}), Some(&worker)).await.json().await.unwrap();
    let run = lease["run_id"].as_str().unwrap();
    let adapter = b"a synthetic adapter".to_vec();
    let sha = hex::encode(sha2::Sha256::digest(&adapter));
    let res = m
        .app
        .api
        .put(m.app.url(&format!("/api/v1/worker/runs/{run}/artifacts/adapter.safetensors")))
        .bearer_auth(&worker)
        .header("content-type", "application/octet-stream")
        .header("x-content-sha256", &sha)
        .body(adapter.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let body =
        json!({"artifacts": [{"name": "adapter.safetensors", "sha256": sha, "size": adapter.len()}], "flops": 1.0e9, "tokens": 1000});
    let done: Value = m.app.post_json(&format!("/api/v1/worker/runs/{run}/complete"), &body, Some(&worker)).await.json().await.unwrap();
    assert_eq!(done["job_status"], "aggregating");
    m.app.aggregation.try_aggregate_next().await.unwrap();
}

#[tokio::test]
async fn the_release_of_a_completed_job_pays_the_split() {
    let m = market(1).await;
    m.app.fund(&m.buyer_key, &m.payment).await;
    m.app.watch().await;
    let admin = m.app.new_admin().await;
    let path = format!("/api/v1/admin/jobs/{}/release", m.job);
    let res = m.app.api.post(m.app.url(&path)).bearer_auth(&admin.token).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::CONFLICT, "only a completed job is paid out");
    train_through_the_worker_api(&m, &admin).await;
    assert_eq!(status_of(&m).await.0, "completed");
    let res = m.app.api.post(m.app.url(&path)).bearer_auth(&m.buyer.token).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let treasury = m.app.chain().treasury;
    let treasury_before = m.app.usdc_balance(treasury).await;
    for _ in 0..2 {
        let res = m.app.api.post(m.app.url(&path)).bearer_auth(&admin.token).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::ACCEPTED);
    }
    assert_eq!(m.app.send_operator_txs().await, 2, "the certificate's anchor, and one release though asked three times");
    m.app.watch().await;
    assert_eq!(status_of(&m).await.1, "released");
    let amount: u128 = m.payment["amount"].as_str().unwrap().parse().unwrap();
    let shares = crate::common::chain::payment_shares(&m.payment);
    let parts = attune_domain::settlement::split(amount, &shares);
    for (share, part) in shares.iter().zip(&parts) {
        let got = if share.payee == treasury {
            m.app.usdc_balance(treasury).await - treasury_before
        } else {
            m.app.usdc_balance(share.payee).await
        };
        assert_eq!(got, U256::from(*part), "payee {}", share.payee);
    }
    assert!(shares.iter().any(|s| s.payee == m.provider_wallet), "the provider is paid its licence fee");
    let status: Value = m.app.get("/api/v1/admin/chain", Some(&admin.token)).await.json().await.unwrap();
    assert_eq!(status["alerts"].as_array().unwrap().len(), 0, "{status}");
}

#[tokio::test]
async fn the_reconciler_raises_an_alert_when_our_state_differs_from_the_escrow() {
    let m = market(1).await;
    m.app.fund(&m.buyer_key, &m.payment).await;
    m.app.watch().await;
    assert_eq!(attune_app::operator_txs::reconcile(&m.app.pool, m.app.chain()).await.unwrap(), 0);
    // Our table claims a release the chain never saw.
    sqlx::query("update payment set status = 'released' where job_id = $1")
        .bind(uuid::Uuid::parse_str(&m.job).unwrap())
        .execute(&m.app.pool)
        .await
        .unwrap();
    assert_eq!(attune_app::operator_txs::reconcile(&m.app.pool, m.app.chain()).await.unwrap(), 1);
    let admin = m.app.new_admin().await;
    let status: Value = m.app.get("/api/v1/admin/chain", Some(&admin.token)).await.json().await.unwrap();
    let alert = &status["alerts"][0];
    assert_eq!(alert["kind"], "reconciliation_mismatch");
    assert_eq!(alert["detail"]["escrow_state"], "funded");
    assert_eq!(alert["detail"]["payment_status"], "released");
    assert!(status["watcher_lag_blocks"].as_i64().unwrap() <= 1);
}
