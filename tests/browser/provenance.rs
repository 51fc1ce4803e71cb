//! A provider links a wallet and lists a model, an admin verifies it, and a buyer's assessment
//! wizard shows an employment-screening deployment as high risk with the Art. 9–15 obligations.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use alloy_signer_local::PrivateKeySigner;
use sha2::{Digest, Sha256};

use crate::common::wallet::personal_sign;
use crate::common::{self, PASSWORD};
use crate::driver::{click, fill, log_in, log_out, start_browser, submit, text_of, wait_for_path, wait_for_text};

#[tokio::test]
async fn provider_lists_admin_verifies_buyer_assesses_employment_screening() {
    let app = common::spawn_app_with(|s| s.allow_private_networks = true).await;
    let provider = app.new_user().await;
    let admin = app.new_admin().await;
    let buyer = app.new_user().await;
    let weights: Vec<u8> = (0..10_000u32).flat_map(|i| i.to_le_bytes()).collect();
    let files = crate::common::files::serve(HashMap::from([("/w/model.safetensors".to_string(), weights.clone())]), HashMap::new()).await;
    let driver = start_browser().await;
    let c = &driver.client;

    // The provider links a wallet: the page shows the message, the wallet signs it.
    log_in(c, &app.address, &provider.email, PASSWORD).await;
    c.goto(&app.url("/wallets")).await.unwrap();
    let key = PrivateKeySigner::random();
    let address = key.address().to_checksum(None);
    fill(c, "address", &address).await;
    submit(c, "form[action='/wallets/challenge'] button").await;
    let message = text_of(c, "#challenge-message").await;
    assert!(message.contains(&address), "{message}");
    fill(c, "signature", &personal_sign(&key, &message)).await;
    submit(c, "form[action='/wallets/link'] button").await;
    wait_for_text(c, "main table", &format!("{:#x}", key.address())).await;

    // ... lists a model through the form ...
    c.goto(&app.url("/provider/models/new")).await.unwrap();
    fill(c, "name", "browser-llama").await;
    fill(c, "version", "1.0").await;
    fill(c, "architecture", "llama").await;
    fill(c, "parameter_count", "7000000000").await;
    fill(c, "training_flops", "8.4e22").await;
    fill(c, "licence_fee", "25000000").await;
    fill(c, "intended_uses", "general").await;
    let line = format!("model.safetensors {} {} {}/w/model.safetensors", weights.len(), hex::encode(Sha256::digest(&weights)), files.base);
    fill(c, "files", &line).await;
    fill(c, "data_sources", "licensed, public_domain").await;
    fill(c, "opt_out_policy", "robots.txt, ai.txt and TDMRep reservations honoured").await;
    fill(c, "personal_data", "filtered before training").await;
    fill(c, "card_markdown", "# browser-llama\n\nA small model listed from the browser test.").await;
    submit(c, "form[action='/provider/models/new'] button[type='submit']").await;
    let deadline = Instant::now() + Duration::from_secs(20);
    while !c.current_url().await.unwrap().path().starts_with("/models/") {
        assert!(Instant::now() < deadline, "listing did not lead to the model page: {}", text_of(c, "main").await);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let model_path = c.current_url().await.unwrap().path().to_string();

    // ... and signs exactly what the page shows.
    let to_sign = text_of(c, "#to-sign").await;
    assert_eq!(to_sign.len(), 64, "the manifest hash: {to_sign}");
    fill(c, "signer_address", &address).await;
    fill(c, "signature", &personal_sign(&key, &to_sign)).await;
    submit(c, &format!("form[action='{model_path}/signature'] button")).await;
    wait_for_text(c, "tr.check-signature", "pass").await;
    log_out(c).await;
    // The files are fetched and re-hashed by a background step, driven here by hand.
    assert_eq!(app.check_model_files().await, 1);

    // The admin verifies it from the queue.
    log_in(c, &app.address, &admin.email, PASSWORD).await;
    c.goto(&app.url("/admin/models")).await.unwrap();
    click(c, &format!("main a[href='{model_path}']")).await;
    wait_for_path(c, &model_path).await;
    submit(c, &format!("form[action='/admin{model_path}/decision'] input[value='verify'] ~ button")).await;
    wait_for_text(c, "h1", "verified provenance").await;
    log_out(c).await;

    // The buyer runs the wizard for an employment-screening deployment.
    log_in(c, &app.address, &buyer.email, PASSWORD).await;
    c.goto(&app.url("/assess")).await.unwrap();
    fill(c, "purpose", "Rank job applicants for interview").await;
    click(c, "input[name='sectors'][value='customer_service']").await;
    click(c, "input[name='sectors'][value='employment']").await;
    // With JavaScript the result appears as the answers change ...
    let tier = wait_for_text(c, "#risk-tier", "high").await;
    assert_eq!(tier.trim().to_lowercase(), "high risk");
    // ... and the plain submit gives the same answer.
    submit(c, "#assessment-form button[type='submit']").await;
    wait_for_path(c, "/assess").await;
    wait_for_text(c, "#risk-tier", "high").await;
    let obligations = text_of(c, "#obligations").await;
    for id in [
        "AIA_ART9_RISK_MGMT",
        "AIA_ART10_DATA_GOV",
        "AIA_ART11_TECH_DOC",
        "AIA_ART12_LOGGING",
        "AIA_ART13_TRANSPARENCY",
        "AIA_ART14_OVERSIGHT",
        "AIA_ART15_ROBUSTNESS",
    ] {
        assert!(obligations.contains(id), "{id} missing: {obligations}");
    }
    let reasons = text_of(c, "#reasons").await;
    assert!(reasons.to_lowercase().contains("employment"), "{reasons}");
    assert!(text_of(c, "#quote").await.contains("25"), "the licence fee shows in the quote");
    if let Ok(png) = c.screenshot().await {
        std::fs::create_dir_all("target").ok();
        std::fs::write("target/browser-assessment.png", png).ok();
    }
    driver.client.clone().close().await.unwrap();
}
