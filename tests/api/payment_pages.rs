//! The identity verification and card payment forms without a browser (and without JavaScript):
//! CSRF tokens, the redirects, what the pages offer in each state, and the refusals.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::assessments::deployment;
use crate::common::pages::csrf_token;
use crate::common::{TestApp, TestUser, spawn_app, spawn_app_with};
use crate::datasets::{own_record, ready_dataset};

/// A cookie-carrying client that does not follow redirects, logged in through the login form.
async fn browser_for(app: &TestApp, user: &TestUser) -> reqwest::Client {
    app.page_session(user).await
}

async fn page(browser: &reqwest::Client, app: &TestApp, path: &str) -> String {
    let res = browser.get(app.url(path)).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK, "{path}");
    res.text().await.unwrap()
}

fn href_of(html: &str, id: &str) -> String {
    let at = html.find(&format!("id=\"{id}\"")).unwrap_or_else(|| panic!("no #{id} in {html}"));
    let tag_start = html[..at].rfind('<').unwrap();
    let tag = &html[tag_start..html[at..].find('>').unwrap() + at];
    let start = tag.find("href=\"").unwrap() + 6;
    tag[start..start + tag[start..].find('"').unwrap()].to_string()
}

#[tokio::test]
async fn identity_verification_starts_from_a_form_and_a_final_rejection_offers_no_retry() {
    let app = spawn_app().await;
    let user = app.new_user().await;
    let browser = browser_for(&app, &user).await;
    let account = page(&browser, &app, "/account").await;
    assert!(account.contains("id=\"kyc-start-basic\"") && account.contains("id=\"kyc-start-enhanced\""), "{account}");
    assert!(account.contains("Test mode"), "the sandbox provider is labelled");

    // No token, or another level than basic/enhanced: nothing starts.
    let forged = browser.post(app.url("/account/identity")).form(&[("level", "basic")]).send().await.unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    let token = csrf_token(&account);
    let bad = browser.post(app.url("/account/identity")).form(&[("level", "gold"), ("csrf_token", token.as_str())]).send().await.unwrap();
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.text().await.unwrap().contains("level"));
    let kyc: Value = app.get("/api/v1/kyc", Some(&user.token)).await.json().await.unwrap();
    assert_eq!(kyc["sessions"], json!([]), "{kyc}");

    let started =
        browser.post(app.url("/account/identity")).form(&[("level", "basic"), ("csrf_token", token.as_str())]).send().await.unwrap();
    assert_eq!(started.status(), StatusCode::SEE_OTHER);
    assert_eq!(started.headers()["location"], "/account#identity");
    let account = page(&browser, &app, "/account").await;
    let provider_page = href_of(&account, "kyc-continue");
    let session = provider_page.rsplit('/').next().unwrap().to_string();
    assert_eq!(provider_page, app.url(&format!("/sandbox/kyc/{session}")));
    assert!(!account.contains("id=\"kyc-start-basic\""), "no second check while one waits at the provider");

    // The provider's page rejects for good and leads back to the account page.
    let done = browser
        .post(app.url(&format!("/sandbox/kyc/{session}/complete")))
        .form(&[("outcome", "reject"), ("full_name", "Grace Hopper"), ("date_of_birth", "1906-12-09"), ("country", "US")])
        .send()
        .await
        .unwrap();
    assert_eq!(done.status(), StatusCode::SEE_OTHER);
    assert_eq!(done.headers()["location"], "/account");
    let account = page(&browser, &app, "/account").await;
    assert!(account.contains("data-status=\"rejected\"") && account.contains("final"), "{account}");
    assert!(!account.contains("id=\"kyc-retry\"") && !account.contains("id=\"kyc-start-basic\""), "{account}");
    assert!(account.contains("data-level=\"none\""));
}

async fn job_awaiting_payment(app: &TestApp, buyer: &TestUser) -> String {
    let provider = app.new_user().await;
    let (model, _) = app.provider_with_verified_model(&provider, 7_000_000_000, "25000000").await;
    let dataset = ready_dataset(app, buyer, vec![own_record("a")]).await;
    let mut d = deployment(json!(["customer_service"]));
    d["profiles_natural_persons"] = json!(false);
    let res = app
        .post_json("/api/v1/jobs", &json!({"base_model_id": model, "dataset_id": dataset["id"], "method": "lora", "hyperparameters": {"epochs": 1}, "deployment": d}), Some(&buyer.token))
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    res.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn the_payment_page_offers_wallet_or_card_and_card_needs_a_verified_identity() {
    let app = spawn_app_with(|s| s.chain_enabled = true).await;
    let buyer = app.new_user().await;
    let job = job_awaiting_payment(&app, &buyer).await;
    let browser = browser_for(&app, &buyer).await;
    let path = format!("/jobs/{job}/payment");

    // Before a choice nothing is quoted: the page offers both ways, card only after KYC.
    let choice = page(&browser, &app, &path).await;
    assert!(choice.contains("Pay from your wallet") && choice.contains("Pay by card through our onramp partner"), "{choice}");
    assert!(choice.contains("id=\"verify-first\"") && !choice.contains("id=\"pay-by-card\""), "{choice}");
    assert!(choice.contains("Link a wallet"), "no wallet linked yet: {choice}");
    let token = csrf_token(&choice);
    let forged = browser.post(app.url(&format!("{path}/card"))).form(&[("fiat_currency", "EUR")]).send().await.unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    let refused = browser
        .post(app.url(&format!("{path}/card")))
        .form(&[("fiat_currency", "EUR"), ("csrf_token", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::CONFLICT);
    assert!(refused.text().await.unwrap().contains("Verify your identity first"));
    let quoted: Option<String> = sqlx::query_scalar("select status from payment where job_id = $1")
        .bind(uuid::Uuid::parse_str(&job).unwrap())
        .fetch_optional(&app.pool)
        .await
        .unwrap();
    assert_eq!(quoted, None, "a refused card payment quotes nothing");

    // With basic KYC, a bad currency is named; EUR places the order and the page links the partner.
    app.pass_kyc(&buyer).await;
    let choice = page(&browser, &app, &path).await;
    assert!(choice.contains("id=\"pay-by-card\""), "{choice}");
    let bad = browser
        .post(app.url(&format!("{path}/card")))
        .form(&[("fiat_currency", "XAU"), ("csrf_token", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.text().await.unwrap().contains("fiat_currency"));
    let placed = browser
        .post(app.url(&format!("{path}/card")))
        .form(&[("fiat_currency", "EUR"), ("csrf_token", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(placed.status(), StatusCode::SEE_OTHER);
    assert_eq!(placed.headers()["location"], path.as_str());
    let card = page(&browser, &app, &path).await;
    assert!(card.contains("id=\"order-status\" data-status=\"created\""), "{card}");
    let widget = href_of(&card, "continue-to-partner");
    assert!(widget.starts_with(&app.url("/sandbox/onramp/")), "{widget}");
    assert!(!card.contains("id=\"pay-by-card\""), "one open order at a time");

    // The partner's page is labelled test mode; declining leads back, and the buyer may try again.
    let partner = page(&browser, &app, widget.trim_start_matches(&app.address)).await;
    assert!(partner.contains("TEST MODE") && partner.contains("id=\"pay\"") && partner.contains("id=\"decline\""), "{partner}");
    let declined = browser.post(format!("{widget}/complete")).form(&[("outcome", "failed")]).send().await.unwrap();
    assert_eq!(declined.status(), StatusCode::SEE_OTHER);
    assert_eq!(declined.headers()["location"], path.as_str());
    let card = page(&browser, &app, &path).await;
    assert!(card.contains("id=\"order-status\" data-status=\"failed\""), "{card}");
    assert!(card.contains("Try the card payment again"), "{card}");
    let wrong_type = browser.post(format!("{widget}/complete")).header("content-type", "text/plain").body("paid").send().await.unwrap();
    assert_eq!(wrong_type.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);

    // A card quote is for the settlement wallet: the wallet choice no longer applies.
    let wallet = browser.post(app.url(&format!("{path}/wallet"))).form(&[("csrf_token", token.as_str())]).send().await.unwrap();
    assert_eq!(wallet.status(), StatusCode::SEE_OTHER, "the existing quote is kept");
    let still_card = page(&browser, &app, &path).await;
    assert!(still_card.contains("Pay for the fine-tune by card"), "{still_card}");
}
