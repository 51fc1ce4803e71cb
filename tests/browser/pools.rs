//! The audit pool in the browser: an SME joins a pool, commissions a medium-tier job, the pool's
//! auditor claims and approves it, the job trains, and the organisation's safe-harbour page shows
//! every condition met with its certificate. The audit's turnaround is printed for the record.

use std::time::Duration;

use fantoccini::Locator;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::training::{Bought, corpus, demo_app, demo_model};
use crate::common::{TestApp, TestUser};
use crate::driver::{click, fill, log_in, log_out, start_browser, submit, text_of, wait_for_text};

async fn pool_with_auditor(app: &TestApp) -> (String, TestUser) {
    let admin = app.new_admin().await;
    let res = app
        .post_json(
            "/api/v1/pools",
            &json!({"name": "Customer service SMEs", "sector": "customer_service",
            "description": "Shops and service firms answering their customers"}),
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
    (pool, auditor)
}

/// A public-facing assistant with 10,000 users a month: the medium tier, which needs the pool review.
async fn medium_job(app: TestApp, buyer: TestUser) -> Bought {
    let model = demo_model(&app, &buyer).await;
    app.pass_kyc(&buyer).await;
    let key = app.funded_key(1_000_000 * 1_000_000).await;
    app.link_wallet_key(&buyer, &key).await;
    let res = app.post_json("/api/v1/datasets", &json!({"name": "support answers", "records": corpus()}), Some(&buyer.token)).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let dataset: Value = res.json().await.unwrap();
    app.scan_datasets().await;
    let deployment = json!({"purpose": "answer questions about our products", "sectors": ["customer_service"],
        "prohibited_practices": [], "jurisdictions": ["EU"], "expected_monthly_users": 10_000, "monthly_queries": 100_000,
        "autonomy": "human_on_the_loop", "vulnerable_groups": false, "public_facing": true, "profiles_natural_persons": false,
        "revenue_dependence": "medium"});
    let body = json!({"base_model_id": model["id"], "dataset_id": dataset["id"], "method": "lora",
        "hyperparameters": {"epochs": 2, "tokens": 10_000_000}, "deployment": deployment});
    let res = app.post_json("/api/v1/jobs", &body, Some(&buyer.token)).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let created: Value = res.json().await.unwrap();
    assert_eq!(created["assessment"]["risk_tier"], "medium", "{created}");
    let job = created["id"].as_str().unwrap().to_string();
    let payment: Value = app.get(&format!("/api/v1/jobs/{job}/payment"), Some(&buyer.token)).await.json().await.unwrap();
    app.fund(&key, &payment).await;
    app.watch().await;
    Bought { app, buyer, job, payment }
}

#[tokio::test]
async fn an_sme_joins_a_pool_its_auditor_approves_the_job_it_trains_and_earns_the_safe_harbour() {
    let app = demo_app(true).await;
    let (pool, auditor) = pool_with_auditor(&app).await;
    let buyer = app.new_user().await;
    let driver = start_browser().await;
    let c = &driver.client;

    // The SME finds the pool, reads how its fee is computed, and joins.
    log_in(c, &app.address, &buyer.email, &buyer.password).await;
    c.goto(&app.url("/pools")).await.unwrap();
    c.find(Locator::LinkText("Customer service SMEs")).await.unwrap().click().await.unwrap();
    assert!(text_of(c, "#fee-formula").await.contains("audits a year"));
    crate::axe::assert_accessible(c, "the pool page").await;
    submit(c, "#join").await;
    assert!(text_of(c, "#my-membership").await.contains("A member since"));

    // It commissions a medium-tier job and pays; the job waits for its pool's review.
    let m = medium_job(app, buyer).await;
    let job = m.job().await;
    assert_eq!(job["status"], "audit", "{job}");
    assert_eq!(job["audit"]["reviewer"], "pool");
    assert_eq!(job["audit"]["pool_id"], pool.as_str());

    // The registration and the remediation plan go in through the job page's forms.
    c.goto(&m.app.url(&format!("/jobs/{}", m.job))).await.unwrap();
    fill(c, "registration-system_name", "Shop helper").await;
    fill(c, "registration-provider_contact", "compliance@shop.example").await;
    fill(c, "registration-intended_purpose", "Answer customers' questions about our products and orders.").await;
    fill(c, "registration-member_states", "DE, FR").await;
    click(c, "select#registration-status option[value='in_service']").await;
    submit(c, "form[action$='/documents/registration'] button[type='submit']").await;
    c.goto(&m.app.url(&format!("/jobs/{}", m.job))).await.unwrap();
    fill(c, "remediation_plan-harm_contact", "harms@shop.example, read every working day").await;
    click(c, "select#remediation_plan-response_time_hours option[value='72']").await;
    fill(c, "remediation_plan-withdrawal_procedure", "The assistant is switched off from the console and the previous model restored.")
        .await;
    fill(c, "remediation_plan-retraining_procedure", "Offending records are erased and the affected shards retrained on Attune.").await;
    fill(c, "remediation_plan-notification_procedure", "Affected customers by mail, the pool by its channel, authorities where required.")
        .await;
    submit(c, "form[action$='/documents/remediation_plan'] button[type='submit']").await;
    let filed: Vec<String> =
        m.job().await["documents"].as_array().unwrap().iter().map(|d| d["template"].as_str().unwrap().to_owned()).collect();
    assert!(filed.contains(&"registration".to_owned()) && filed.contains(&"remediation_plan".to_owned()), "{filed:?}");
    log_out(c).await;

    // The pool's auditor claims the task, reads the evidence and approves.
    let auditor_token = m.app.token_for(&auditor.email, &auditor.password).await;
    log_in(c, &m.app.address, &auditor.email, &auditor.password).await;
    c.goto(&m.app.url("/audit-tasks")).await.unwrap();
    c.find(Locator::Css("#waiting-tasks a")).await.unwrap().click().await.unwrap();
    submit(c, "#claim").await;
    assert_eq!(text_of(c, "#task-status").await, "Claimed");
    crate::axe::assert_accessible(c, "the audit task page").await;
    assert_eq!(text_of(c, "#provenance-status").await, "verified");
    fill(c, "notes", "Oversight and residual risk described; registration and remediation plan on file.").await;
    submit(c, "#approve").await;
    assert_eq!(text_of(c, "#task-status").await, "Approved");
    let decided: Value = m.app.get("/api/v1/audit-tasks?status=approved", Some(&auditor_token)).await.json().await.unwrap();
    let turnaround = decided["items"][0]["turnaround_s"].as_i64().unwrap();
    println!("audit turnaround (task opened to approval, browser-driven): {turnaround} s");
    log_out(c).await;

    // The job trains.
    m.until("training to finish", Duration::from_secs(300), |j| j["status"] == "aggregating").await;
    m.app.aggregation.try_aggregate_next().await.unwrap();
    assert_eq!(m.job().await["status"], "completed");
    m.app.send_operator_txs().await;

    // Every condition is met, with its certificate, anchored.
    log_in(c, &m.app.address, &m.buyer.email, &m.buyer.password).await;
    c.goto(&m.app.url("/safe-harbour")).await.unwrap();
    assert_eq!(text_of(c, "#eligibility").await, "Every condition is met.");
    for id in ["verified_base_model", "pool_registration", "pool_review", "shared_audit_engaged", "remediation_plan"] {
        assert_eq!(text_of(c, &format!("#condition-{id} .met")).await, "Yes", "{id}");
    }
    assert_eq!(text_of(c, "#certificate-status").await, "In force");
    crate::axe::assert_accessible(c, "the safe-harbour page with its certificate").await;
    let api: Value =
        m.app.get(&format!("/api/v1/orgs/{}/safe-harbour", m.buyer.organization_id), Some(&m.buyer.token)).await.json().await.unwrap();
    assert_eq!(text_of(c, "#certificate-sha256").await, api["certificate"]["sha256"].as_str().unwrap());
    assert!(api["certificate"]["anchor"]["tx_hash"].is_string(), "{api}");

    // The deployment is in the public registry.
    log_out(c).await;
    c.goto(&m.app.url("/registry")).await.unwrap();
    let row = wait_for_text(c, "#registry", "Shop helper").await;
    assert!(row.contains("Medium risk") && row.contains("pool") && row.contains("In force"), "{row}");
}
