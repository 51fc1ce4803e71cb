//! The home page after login in Chromium: each person lands on what needs them — the buyer its jobs
//! (one waiting for its payment, one in its pool's review), the provider its listing with its
//! verification, the pool's auditor the open task, the admin the review queues and the workers.

use fantoccini::Locator;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::models::model_listing;
use crate::common::{TestApp, TestUser, spawn_app_with};
use crate::driver::{click, log_in, log_out, start_browser, text_of, wait_for_path};

struct World {
    app: TestApp,
    admin: TestUser,
    auditor: TestUser,
    provider: TestUser,
    buyer: TestUser,
    model_name: String,
    /// In its pool's review (paid).
    reviewed_job: String,
    /// Assessed and quoted, not paid.
    unpaid_job: String,
    task: String,
}

fn deployment(purpose: &str, users: u64, public_facing: bool) -> Value {
    json!({"purpose": purpose, "sectors": ["customer_service"], "prohibited_practices": [], "jurisdictions": ["EU"],
        "expected_monthly_users": users, "monthly_queries": users * 10, "autonomy": "human_on_the_loop", "vulnerable_groups": false,
        "public_facing": public_facing, "profiles_natural_persons": false, "revenue_dependence": "medium"})
}

async fn create_job(app: &TestApp, buyer: &TestUser, model: &str, dataset: &Value, deployment: Value) -> Value {
    let body = json!({"base_model_id": model, "dataset_id": dataset["id"], "method": "lora", "hyperparameters": {"epochs": 1},
        "deployment": deployment});
    let res = app.post_json("/api/v1/jobs", &body, Some(&buyer.token)).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    res.json().await.unwrap()
}

/// A pool with its auditor; a provider's verified model; a pool member with a medium-tier job paid
/// and in review (so an audit task is open) and a second job not paid yet.
async fn world() -> World {
    let app = spawn_app_with(|s| {
        s.chain_enabled = true;
        s.chain_confirmations = Some(1);
    })
    .await;
    let admin = app.new_admin().await;
    let res = app
        .post_json(
            "/api/v1/pools",
            &json!({"name": "Parcel services", "sector": "customer_service", "description": "Couriers"}),
            Some(&admin.token),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let pool = res.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
    let auditor = app.new_user().await;
    let res = app.post_json(&format!("/api/v1/admin/users/{}/roles", auditor.id), &json!({"roles": ["auditor"]}), Some(&admin.token)).await;
    assert_eq!(res.status(), StatusCode::OK);
    let res = app.post_json(&format!("/api/v1/pools/{pool}/auditors"), &json!({"user_id": auditor.id}), Some(&admin.token)).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let auditor = TestUser { token: app.token_for(&auditor.email, &auditor.password).await, ..auditor };

    let provider = app.new_user().await;
    let provider_key = app.link_wallet(&provider).await;
    let listing = model_listing("Apache-2.0", "1000000", 7_000_000_000, json!(["general", "customer_service"]), json!(8.4e22));
    let model_name = listing["name"].as_str().unwrap().to_owned();
    let model = app.verified_model(&provider, &provider_key, listing).await;

    let buyer = app.new_user().await;
    let res = app.post_json(&format!("/api/v1/pools/{pool}/members"), &json!({}), Some(&buyer.token)).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    app.pass_kyc(&buyer).await;
    let key = app.funded_key(1_000_000 * 1_000_000).await;
    app.link_wallet_key(&buyer, &key).await;
    let records = json!({"name": "delivery notes", "records": [
        {"id": "a", "text": "Parcels left with a neighbour are listed in the app.", "licence": {"kind": "own"}, "pii_subject_ids": []},
        {"id": "b", "text": "A missed delivery is attempted again the next working day.", "licence": {"kind": "own"}, "pii_subject_ids": []}]});
    let res = app.post_json("/api/v1/datasets", &records, Some(&buyer.token)).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let dataset: Value = res.json().await.unwrap();
    app.scan_datasets().await;

    let reviewed = create_job(&app, &buyer, &model, &dataset, deployment("answer customers about their parcels", 10_000, true)).await;
    assert_eq!(reviewed["assessment"]["risk_tier"], "medium", "{reviewed}");
    let reviewed_job = reviewed["id"].as_str().unwrap().to_owned();
    let payment: Value = app.get(&format!("/api/v1/jobs/{reviewed_job}/payment"), Some(&buyer.token)).await.json().await.unwrap();
    app.fund(&key, &payment).await;
    app.watch().await;
    let job: Value = app.get(&format!("/api/v1/jobs/{reviewed_job}"), Some(&buyer.token)).await.json().await.unwrap();
    assert_eq!(job["status"], "audit", "{job}");
    let tasks: Value = app.get("/api/v1/audit-tasks?status=open", Some(&auditor.token)).await.json().await.unwrap();
    let task = tasks["items"][0]["id"].as_str().unwrap_or_else(|| panic!("an open task: {tasks}")).to_owned();

    let unpaid = create_job(&app, &buyer, &model, &dataset, deployment("summarise delivery notes for drivers", 50, false)).await;
    assert_eq!(unpaid["status"], "awaiting_payment", "{unpaid}");
    let unpaid_job = unpaid["id"].as_str().unwrap().to_owned();
    World { app, admin, auditor, provider, buyer, model_name, reviewed_job, unpaid_job, task }
}

#[tokio::test]
async fn each_role_lands_on_what_needs_it_after_login() {
    let w = world().await;
    let driver = start_browser().await;
    let c = &driver.client;

    // The buyer: the unpaid job waits for its payment, named by its purpose and model; the job in
    // review is on the page too; the job's link leads to it.
    log_in(c, &w.app.address, &w.buyer.email, &w.buyer.password).await;
    let action = text_of(c, "#jobs-needing-action").await;
    assert!(action.contains("summarise delivery notes for drivers") && action.contains("Pay the quote"), "{action}");
    assert!(action.contains(&w.model_name) && action.contains("Awaiting payment"), "{action}");
    let buyer_part = text_of(c, "#home-buyer").await;
    assert!(buyer_part.contains("answer customers about their parcels") && buyer_part.contains("Audit"), "{buyer_part}");
    for other in ["#home-provider", "#home-auditor", "#home-admin"] {
        assert!(c.find(Locator::Css(other)).await.is_err(), "a buyer sees no {other}");
    }
    std::fs::create_dir_all("target").ok();
    if let Ok(png) = c.screenshot().await {
        std::fs::write("target/browser-home-buyer.png", png).ok();
    }
    click(c, &format!("#jobs-needing-action a[href='/jobs/{}']", w.unpaid_job)).await;
    wait_for_path(c, &format!("/jobs/{}", w.unpaid_job)).await;
    c.goto(&w.app.url("/")).await.unwrap();
    assert!(c.find(Locator::Css(&format!("#home-buyer a[href='/jobs/{}']", w.reviewed_job))).await.is_ok());
    log_out(c).await;

    // The provider: its listing, verified in words, and the two jobs bought on it.
    log_in(c, &w.app.address, &w.provider.email, &w.provider.password).await;
    let listings = text_of(c, "#listings").await;
    assert!(listings.contains(&w.model_name) && listings.contains("Verified"), "{listings}");
    assert_eq!(text_of(c, "#provider-jobs").await, "2 (0 training now)");
    let released = text_of(c, "#provider-released").await;
    let amount: f64 = released.strip_suffix(" USDC").unwrap_or_else(|| panic!("{released}")).replace(',', "").parse().unwrap();
    assert!(amount.abs() < 1e-9, "nothing released yet: {released}");
    log_out(c).await;

    // The pool's auditor: the open task, linked.
    log_in(c, &w.app.address, &w.auditor.email, &w.auditor.password).await;
    let tasks = text_of(c, "#tasks-open").await;
    assert!(tasks.contains("Medium risk"), "{tasks}");
    click(c, &format!("#tasks-open a[href='/audit-tasks/{}']", w.task)).await;
    wait_for_path(c, &format!("/audit-tasks/{}", w.task)).await;
    log_out(c).await;

    // The admin: undecided cases by kind, the other queues with their pages, the workers.
    log_in(c, &w.app.address, &w.admin.email, &w.admin.password).await;
    let cases = text_of(c, "#case-counts").await;
    assert!(
        cases.contains("Held payment") && cases.contains("Wallet being linked") && cases.contains("Awaiting a second approval"),
        "{cases}"
    );
    assert!(text_of(c, "#queue-workers").await.contains("registered"));
    assert!(text_of(c, "#queue-chain-alerts").await.contains("open"));
    assert!(text_of(c, "#queue-verification").await.contains('0'), "the only listing is verified");
    assert!(c.find(Locator::Css("#home-buyer")).await.is_err(), "the admin's organisation has no jobs");
    if let Ok(png) = c.screenshot().await {
        std::fs::write("target/browser-home-admin.png", png).ok();
    }
    click(c, "#queue-workers a").await;
    wait_for_path(c, "/admin/workers").await;

    driver.client.clone().close().await.unwrap();
}
