//! The payment page in Chromium: the buyer sees the amount and their verified wallet, an injected
//! EIP-1193 wallet sends the page's approve and fund transactions (relayed to the real anvil by the
//! test, as a wallet would), and the live status turns to `cleared` once the watcher confirms it.

use std::time::{Duration, Instant};

use alloy::network::TransactionBuilder;
use alloy::primitives::{Address, Bytes};
use alloy::providers::Provider;
use alloy::rpc::types::TransactionRequest;
use serde_json::{Value, json};

use crate::common::{self, PASSWORD};
use crate::driver::{click, log_in, start_browser, submit, text_of, wait_for_path};

/// A wallet as an extension injects it: it knows the buyer's account and hands the transactions to
/// the test (the page's CSP keeps it from reaching the chain itself, as it would any page).
const FAKE_WALLET: &str = r#"
window.__sent = [];
window.ethereum = { request: function (args) {
  if (args.method === 'eth_requestAccounts') return Promise.resolve([window.__buyer]);
  if (args.method === 'wallet_switchEthereumChain') return Promise.resolve(null);
  if (args.method === 'eth_sendTransaction') { window.__sent.push(args.params[0]); return Promise.resolve('0x' + '00'.repeat(32)); }
  return Promise.reject(new Error('unsupported ' + args.method));
} };
window.dispatchEvent(new Event('ethereum#initialized'));
"#;

#[tokio::test]
async fn the_buyer_pays_from_the_payment_page_and_sees_it_clear() {
    let app = common::spawn_app_with(|s| s.chain_enabled = true).await;
    let provider = app.new_user().await;
    app.link_wallet(&provider).await;
    let model = crate::listed_model(&app, &provider).await;
    let buyer = app.new_user().await;
    app.pass_kyc(&buyer).await;
    let key = app.funded_key(1_000_000_000_000).await;
    app.link_wallet_key(&buyer, &key).await;
    let records = json!({"name": "tickets", "records": [
        {"id": "a", "text": "How do I reset my password?", "licence": {"kind": "own"}, "pii_subject_ids": []}]});
    let dataset: Value = app.post_json("/api/v1/datasets", &records, Some(&buyer.token)).await.json().await.unwrap();
    let deployment = json!({"purpose": "support answers", "sectors": ["customer_service"], "jurisdictions": ["EU"], "expected_monthly_users": 100,
        "monthly_queries": 1000, "autonomy": "human_in_the_loop", "revenue_dependence": "low"});
    let job: Value = app
        .post_json("/api/v1/jobs", &json!({"base_model_id": model, "dataset_id": dataset["id"], "method": "lora", "hyperparameters": {"epochs": 1}, "deployment": deployment}), Some(&buyer.token))
        .await
        .json()
        .await
        .unwrap();
    let job_id = job["id"].as_str().unwrap();

    let driver = start_browser().await;
    let c = &driver.client;
    log_in(c, &app.address, &buyer.email, PASSWORD).await;
    c.goto(&app.url(&format!("/jobs/{job_id}"))).await.unwrap();
    click(c, "#pay-link").await;
    wait_for_path(c, &format!("/jobs/{job_id}/payment")).await;
    // The page offers the wallet and the card; the buyer chooses the wallet.
    assert!(text_of(c, "#pay-card").await.contains("Pay by card"));
    submit(c, "#choose-wallet").await;
    wait_for_path(c, &format!("/jobs/{job_id}/payment")).await;
    assert_eq!(text_of(c, "#payment-status").await, "Awaiting payment");
    assert!(text_of(c, "#buyer-address").await.eq_ignore_ascii_case(&key.address().to_checksum(None)));
    assert!(text_of(c, "#payment-amount").await.contains("USDC"));

    // The wallet appears, the buyer clicks, the page asks it to send approve then fund.
    c.execute(&format!("window.__buyer = '{}';", key.address().to_checksum(None)), vec![]).await.unwrap();
    c.execute(FAKE_WALLET, vec![]).await.unwrap();
    click(c, "#pay-with-wallet").await;
    let deadline = Instant::now() + Duration::from_secs(20);
    let sent = loop {
        let sent = c.execute("return window.__sent;", vec![]).await.unwrap();
        if sent.as_array().is_some_and(|a| a.len() == 2) {
            break sent;
        }
        assert!(Instant::now() < deadline, "the page did not send two transactions: {sent}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let wallet = app.wallet_provider(&key);
    for tx in sent.as_array().unwrap() {
        let to: Address = tx["to"].as_str().unwrap().parse().unwrap();
        let data: Bytes = tx["data"].as_str().unwrap().parse().unwrap();
        let request = TransactionRequest::default().with_to(to).with_input(data);
        let receipt = wallet.send_transaction(request).await.unwrap().get_receipt().await.unwrap();
        assert!(receipt.status(), "the page's transaction reverted: {tx}");
    }

    // The watcher sees the funding; the page's live status follows without a manual reload.
    app.watch().await;
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Ok(status) = c.find(fantoccini::Locator::Id("payment-status")).await
            && let Ok(text) = status.text().await
            && text == "Cleared"
        {
            break;
        }
        assert!(Instant::now() < deadline, "the payment page never showed cleared");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(text_of(c, "#txs").await.contains("Funded"));
    driver.client.clone().close().await.unwrap();
}
