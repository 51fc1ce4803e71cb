//! The UI in a real headless Chromium, driven over WebDriver (chromedriver + fantoccini).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod card_payment;
mod cases;
#[path = "../common/mod.rs"]
mod common;
mod datasets_jobs;
mod driver;
mod payment;
mod provenance;

use fantoccini::Locator;

use driver::{fill, start_browser, wait_for_path};

#[tokio::test]
async fn a_visitor_registers_logs_out_and_logs_back_in() {
    let app = common::spawn_app().await;
    let driver = start_browser().await;
    let c = &driver.client;

    c.goto(&app.url("/")).await.unwrap();
    c.find(Locator::LinkText("Register")).await.unwrap().click().await.unwrap();
    wait_for_path(c, "/register").await;

    // A mistake first: the form comes back with the field marked and the other values kept.
    fill(c, "name", "Rosalind Franklin").await;
    fill(c, "email", "rosalind@example.org").await;
    fill(c, "password", "too short").await;
    fill(c, "organization_name", "Photo 51 Labs").await;
    fill(c, "organization_country", "GB").await;
    c.find(Locator::Css("select#organization\\.kind option[value='research']")).await.unwrap().click().await.unwrap();
    c.find(Locator::Css("form[action='/register'] button[type='submit']")).await.unwrap().click().await.unwrap();
    let error = c.wait().for_element(Locator::Id("password-error")).await.unwrap();
    assert!(error.text().await.unwrap().contains("at least 12 characters"));
    assert_eq!(c.find(Locator::Id("organization_name")).await.unwrap().prop("value").await.unwrap().as_deref(), Some("Photo 51 Labs"));

    fill(c, "password", common::PASSWORD).await;
    c.find(Locator::Css("form[action='/register'] button[type='submit']")).await.unwrap().click().await.unwrap();
    wait_for_path(c, "/account").await;
    let main = c.find(Locator::Css("main")).await.unwrap().text().await.unwrap();
    assert!(main.contains("Your account") && main.contains("rosalind@example.org") && main.contains("Photo 51 Labs"), "{main}");
    assert!(main.contains("Research organisation"), "{main}");
    assert!(main.contains("not confirmed yet"), "{main}");
    std::fs::create_dir_all("target").ok();
    if let Ok(png) = c.screenshot().await {
        std::fs::write("target/browser-account.png", png).ok();
    }

    c.find(Locator::Css("form[action='/logout'] button")).await.unwrap().click().await.unwrap();
    wait_for_path(c, "/").await;
    c.find(Locator::LinkText("Log in")).await.unwrap().click().await.unwrap();
    wait_for_path(c, "/login").await;

    fill(c, "email", "rosalind@example.org").await;
    fill(c, "password", "the wrong password").await;
    c.find(Locator::Css("form[action='/login'] button[type='submit']")).await.unwrap().click().await.unwrap();
    let alert = c.wait().for_element(Locator::Css("[role='alert']")).await.unwrap();
    assert!(alert.text().await.unwrap().contains("wrong"));

    fill(c, "password", common::PASSWORD).await;
    c.find(Locator::Css("form[action='/login'] button[type='submit']")).await.unwrap().click().await.unwrap();
    wait_for_path(c, "/account").await;
    assert!(c.find(Locator::Css("main")).await.unwrap().text().await.unwrap().contains("Rosalind Franklin"));

    driver.client.clone().close().await.unwrap();
}

/// A listed (pending) base model, through the API: assessments and jobs accept any listed model.
pub async fn listed_model(app: &common::TestApp, provider: &common::TestUser) -> String {
    let body = serde_json::json!({
        "name": "browser-base", "version": "1", "architecture": "llama", "parameter_count": 1_000_000_000u64,
        "training_flops": 8.4e22, "intended_uses": ["general", "customer_service"], "licence": "Apache-2.0",
        "files": [{"path": "w.bin", "size": 1, "sha256": "0".repeat(64), "uri": "https://weights.invalid/w.bin"}],
        "card_markdown": "# browser-base\n\nA base model for the browser tests.",
        "training_summary": {"data_sources": ["licensed"], "top_domains": [], "opt_out_policy": "honoured", "personal_data": "none"},
        "lineage": {"base_model_id": null, "relation": null}, "pricing": {"licence_fee": "1000000"}
    });
    let res = app.post_json("/api/v1/models", &body, Some(&provider.token)).await;
    assert_eq!(res.status(), reqwest::StatusCode::CREATED);
    res.json::<serde_json::Value>().await.unwrap()["id"].as_str().unwrap().to_string()
}
