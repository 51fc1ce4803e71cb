//! A new buyer finishes in the browser: registers, verifies their identity at the sandbox provider
//! (a retryable rejection first, then the retry), creates a job, pays it by card through the
//! sandbox onramp's hosted page, and watches the job reach `paid` (or `queued`) on the payment page.

use std::time::{Duration, Instant};

use fantoccini::{Client, Locator};
use serde_json::{Value, json};

use crate::common::{self, PASSWORD};
use crate::driver::{click, fill, start_browser, submit, text_of, wait_for_path};

async fn attribute(c: &Client, css: &str, name: &str) -> String {
    let el = c.find(Locator::Css(css)).await.unwrap_or_else(|e| panic!("no {css}: {e}"));
    el.attr(name).await.unwrap().unwrap_or_default()
}

async fn path_starting(c: &Client, prefix: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let path = c.current_url().await.unwrap().path().to_string();
        if path.starts_with(prefix) && path.len() > prefix.len() {
            return path;
        }
        assert!(Instant::now() < deadline, "never reached {prefix}…; the page says: {}", text_of(c, "main").await);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Reads `data-status` of `css` until it is one of `wanted` (the page reloads itself meanwhile).
async fn wait_for_status(c: &Client, css: &str, wanted: &[&str]) -> String {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Ok(el) = c.find(Locator::Css(css)).await
            && let Ok(Some(status)) = el.attr("data-status").await
            && wanted.contains(&status.as_str())
        {
            return status;
        }
        if Instant::now() >= deadline {
            let main = match c.find(Locator::Css("main")).await {
                Ok(m) => m.text().await.unwrap_or_default(),
                Err(_) => String::new(),
            };
            panic!("{css} never reached {wanted:?}; the page says: {main}");
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn a_new_buyer_verifies_their_identity_pays_by_card_and_watches_the_job_get_paid() {
    let app = common::spawn_app_with(|s| {
        s.chain_enabled = true;
        s.allow_private_networks = true;
    })
    .await;
    // A model listed, signed by its provider and verified by an admin through the API (Apache-2.0, so
    // commercial use is allowed); the helper also lets the operator anchor the verified manifest.
    let provider = app.new_user().await;
    let (model, _) = app.provider_with_verified_model(&provider, 1_000_000_000, "1000000").await;
    assert_eq!(app.send_operator_txs().await, 0, "the verified manifest is already anchored");

    let driver = start_browser().await;
    let c = &driver.client;

    // Registration through the page.
    let email = format!("buyer-{}@example.org", uuid::Uuid::new_v4().simple());
    c.goto(&app.url("/register")).await.unwrap();
    fill(c, "name", "Grace Hopper").await;
    fill(c, "email", &email).await;
    fill(c, "password", PASSWORD).await;
    fill(c, "organization_name", "Compiler Works").await;
    fill(c, "organization_country", "DE").await;
    submit(c, "form[action='/register'] button[type='submit']").await;
    wait_for_path(c, "/account").await;
    assert_eq!(attribute(c, "#kyc-level", "data-level").await, "none");
    assert!(text_of(c, "#kyc-test-mode").await.contains("Test mode"));

    // Identity: start, the provider's page asks to retry, the retry is approved.
    submit(c, "#kyc-start-basic").await;
    wait_for_path(c, "/account").await;
    assert_eq!(attribute(c, "#kyc-status", "data-status").await, "pending");
    click(c, "#kyc-continue").await;
    path_starting(c, "/sandbox/kyc/").await;
    assert!(text_of(c, "main").await.contains("TEST MODE"));
    fill(c, "full_name", "Grace Hopper").await;
    fill(c, "date_of_birth", "1906-12-09").await;
    fill(c, "country", "US").await;
    submit(c, "#retry").await;
    wait_for_path(c, "/account").await;
    assert_eq!(attribute(c, "#kyc-status", "data-status").await, "retry");
    assert_eq!(attribute(c, "#kyc-level", "data-level").await, "none");
    submit(c, "#kyc-retry").await;
    wait_for_path(c, "/account").await;
    click(c, "#kyc-continue").await;
    path_starting(c, "/sandbox/kyc/").await;
    fill(c, "full_name", "Grace Hopper").await;
    fill(c, "date_of_birth", "1906-12-09").await;
    fill(c, "country", "US").await;
    submit(c, "#approve").await;
    wait_for_path(c, "/account").await;
    assert_eq!(attribute(c, "#kyc-status", "data-status").await, "approved");
    assert_eq!(attribute(c, "#kyc-level", "data-level").await, "basic");
    assert!(text_of(c, "#kyc-history").await.contains("try again"), "both checks are listed");

    // A ready dataset of the buyer's own records, through the API.
    let token = app.token_for(&email, PASSWORD).await;
    let records = json!({"name": "tickets", "records": [
        {"id": "a", "text": "How do I reset my password?", "licence": {"kind": "own"}, "pii_subject_ids": []}]});
    let res = app.post_json("/api/v1/datasets", &records, Some(&token)).await;
    assert_eq!(res.status(), reqwest::StatusCode::CREATED);
    let dataset: Value = res.json().await.unwrap();
    app.scan_datasets().await;
    let dataset_id = dataset["id"].as_str().unwrap();

    // The job, from the wizard.
    c.goto(&app.url(&format!("/assess?dataset_id={dataset_id}"))).await.unwrap();
    c.find(Locator::Css(&format!("#base_model_id option[value='{model}']"))).await.unwrap().click().await.unwrap();
    fill(c, "purpose", "Answer customer support tickets").await;
    submit(c, "#create-job").await;
    let job_path = path_starting(c, "/jobs/").await;
    let job_id = job_path.trim_start_matches("/jobs/").to_string();
    assert!(text_of(c, "#job-status").await.to_lowercase().contains("awaiting payment"));

    // The payment page offers both ways; the buyer pays by card.
    click(c, "#pay-link").await;
    let payment_path = format!("/jobs/{job_id}/payment");
    wait_for_path(c, &payment_path).await;
    assert!(text_of(c, "#pay-wallet").await.contains("Pay from your wallet"));
    assert!(text_of(c, "#test-mode").await.contains("Test mode"));
    c.find(Locator::Css("#fiat_currency option[value='EUR']")).await.unwrap().click().await.unwrap();
    submit(c, "#pay-by-card").await;
    wait_for_path(c, &payment_path).await;
    assert_eq!(attribute(c, "#order-status", "data-status").await, "created");
    assert_eq!(attribute(c, "#escrow-status", "data-status").await, "awaiting");

    // The partner's hosted page (test mode): the card payment goes through and leads back.
    click(c, "#continue-to-partner").await;
    path_starting(c, "/sandbox/onramp/").await;
    let widget = text_of(c, "main").await;
    assert!(widget.contains("TEST MODE") && widget.contains("USDC"), "{widget}");
    submit(c, "#pay").await;
    wait_for_path(c, &payment_path).await;
    assert_eq!(attribute(c, "#order-status", "data-status").await, "funding");

    // The operator funds the escrow from the settlement wallet and the watcher sees it; the page,
    // left open, follows by itself until the job is paid.
    assert_eq!(app.send_operator_txs().await, 1, "the settlement wallet funds the escrow");
    app.watch().await;
    let job_status = wait_for_status(c, "#job-status", &["paid", "queued"]).await;
    assert_eq!(attribute(c, "#escrow-status", "data-status").await, "cleared");
    let job: Value = app.get(&format!("/api/v1/jobs/{job_id}"), Some(&token)).await.json().await.unwrap();
    assert_eq!(job["status"], job_status.as_str());
    if let Ok(png) = c.screenshot().await {
        std::fs::create_dir_all("target").ok();
        std::fs::write("target/browser-card-payment.png", png).ok();
    }
    driver.client.clone().close().await.unwrap();
}
