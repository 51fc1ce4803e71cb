//! The UI in a real headless Chromium, driven over WebDriver (chromedriver + fantoccini).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod accessibility;
mod assessment_wizard;
mod axe;
mod card_payment;
mod cases;
#[path = "../common/mod.rs"]
mod common;
mod datasets_jobs;
mod driver;
mod erasure;
mod home;
mod payment;
mod pools;
mod provenance;
mod readable;
mod training;

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
    wait_for_path(c, "/").await;
    let home = c.find(Locator::Css("main")).await.unwrap().text().await.unwrap();
    assert!(home.contains("What needs you now") && home.contains("Rosalind Franklin"), "{home}");

    driver.client.clone().close().await.unwrap();
}

/// A listed (pending) base model, through the API: assessments and jobs accept any listed model.
/// A verified model of `provider` (jobs need one), signed by a wallet the provider links for it.
pub async fn listed_model(app: &common::TestApp, provider: &common::TestUser) -> String {
    app.provider_with_verified_model(provider, 1_000_000_000, "1000000").await.0
}
