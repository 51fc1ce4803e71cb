//! A job whose assessment requires a review is not stuck in `audit`: until audit pools exist a
//! platform admin reviews it (API and page). Approval satisfies the review obligation — which the
//! buyer's own documents never do — and queues the job; a request for changes sends it back to the
//! buyer, whose revised document resubmits it. Reviewer and notes are on the record.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::models::model_listing;
use crate::common::pages::csrf_token;
use crate::common::{TestApp, TestUser, assert_problem, spawn_app_with};
use crate::datasets::{own_record, ready_dataset};

struct Reviewed {
    app: TestApp,
    buyer: TestUser,
    admin: TestUser,
    job: String,
}

/// A public-facing assistant with 10,000 users and 100,000 queries a month (one reach: 2), public (2),
/// a human on the loop (1), medium revenue dependence (1): application score 6, the medium tier, which
/// brings the pool review and nothing else that blocks.
async fn paid_job_in_review() -> Reviewed {
    let _ = tracing_subscriber::fmt().with_env_filter("warn,attune=info").with_test_writer().try_init();
    let app = spawn_app_with(|s| {
        s.chain_enabled = true;
        s.chain_confirmations = Some(1);
    })
    .await;
    let provider = app.new_user().await;
    let provider_key = app.link_wallet(&provider).await;
    let listing = model_listing("Apache-2.0", "1000000", 7_000_000_000, json!(["general", "customer_service"]), json!(8.4e22));
    let model = app.verified_model(&provider, &provider_key, listing).await;
    let buyer = app.new_user().await;
    app.pass_kyc(&buyer).await;
    let key = app.funded_key(1_000_000 * 1_000_000).await;
    app.link_wallet_key(&buyer, &key).await;
    let dataset = ready_dataset(&app, &buyer, vec![own_record("a"), own_record("b")]).await;
    let deployment = json!({"purpose": "answer questions about our products", "sectors": ["customer_service"],
        "prohibited_practices": [], "jurisdictions": ["EU"], "expected_monthly_users": 10_000, "monthly_queries": 100_000,
        "autonomy": "human_on_the_loop", "vulnerable_groups": false, "public_facing": true, "profiles_natural_persons": false,
        "revenue_dependence": "medium"});
    let body = json!({"base_model_id": model, "dataset_id": dataset["id"], "method": "lora", "hyperparameters": {"epochs": 1},
        "deployment": deployment});
    let res = app.post_json("/api/v1/jobs", &body, Some(&buyer.token)).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let created: Value = res.json().await.unwrap();
    assert_eq!(created["assessment"]["risk_tier"], "medium", "{created}");
    assert_eq!(created["assessment"]["audit_required"], true);
    let job = created["id"].as_str().unwrap().to_string();
    let payment: Value = app.get(&format!("/api/v1/jobs/{job}/payment"), Some(&buyer.token)).await.json().await.unwrap();
    app.fund(&key, &payment).await;
    app.watch().await;
    let admin = app.new_admin().await;
    let r = Reviewed { app, buyer, admin, job };
    assert_eq!(r.job().await["status"], "audit");
    r
}

impl Reviewed {
    async fn job(&self) -> Value {
        self.app.get(&format!("/api/v1/jobs/{}", self.job), Some(&self.buyer.token)).await.json().await.unwrap()
    }

    async fn review(&self, token: &str, decision: &str, notes: &str) -> reqwest::Response {
        self.app
            .post_json(&format!("/api/v1/admin/jobs/{}/review", self.job), &json!({"decision": decision, "notes": notes}), Some(token))
            .await
    }

    fn obligation<'a>(job: &'a Value, id: &str) -> &'a Value {
        job["obligations"].as_array().unwrap().iter().find(|o| o["id"] == id).unwrap_or_else(|| panic!("no {id}: {job}"))
    }
}

#[tokio::test]
async fn an_admin_requests_changes_the_buyer_resubmits_and_the_approval_queues_the_job() {
    let r = paid_job_in_review().await;
    assert_eq!(r.review(&r.buyer.token, "approve", "self-approval").await.status(), StatusCode::FORBIDDEN);
    let res = r.review(&r.admin.token, "approve", "  ").await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_problem(&res);
    assert_eq!(res.json::<Value>().await.unwrap()["errors"][0]["field"], "notes");
    assert_eq!(r.review(&r.admin.token, "maybe", "notes").await.status(), StatusCode::UNPROCESSABLE_ENTITY);

    // Changes requested: back to the buyer, with the reviewer's notes on the record.
    let res = r.review(&r.admin.token, "changes_requested", "Describe the human oversight of answers.").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.json::<Value>().await.unwrap()["status"], "changes_requested");
    assert_eq!(r.review(&r.admin.token, "approve", "too early").await.status(), StatusCode::CONFLICT, "not in review now");

    // The buyer revises the risk assessment: that resubmits the job, but never satisfies the review.
    let fields = json!({"known_risks": "Wrong answers could mislead customers about refunds.",
        "estimated_risks": "About one answer in a hundred is incomplete in our trials.",
        "risk_measures": "Answers cite the documentation; staff review flagged answers weekly.",
        "residual_risk": "acceptable", "residual_risk_rationale": "Errors are corrected by staff and cause no lasting harm.",
        "testing_and_metrics": "500 held-out questions from last year's tickets: 97 % answered correctly.",
        "data_provenance": "Our own support answers, written by our staff between 2022 and 2026.",
        "bias_examination": "Answers checked across product lines and languages."});
    let res = r
        .app
        .api
        .put(r.app.url(&format!("/api/v1/jobs/{}/documents/risk_assessment", r.job)))
        .bearer_auth(&r.buyer.token)
        .json(&json!({"fields": fields}))
        .send()
        .await
        .unwrap();
    let status = res.status();
    let saved: Value = res.json().await.unwrap();
    assert_eq!(status, StatusCode::OK, "{saved}");
    let job = r.job().await;
    assert_eq!(job["status"], "audit", "the revised document resubmits it");
    assert_eq!(Reviewed::obligation(&job, "POOL_REVIEW")["status"], "open", "a buyer's own document never satisfies the review");

    // Approved: the review obligation is satisfied as an admin's review and the job is queued.
    let res = r.review(&r.admin.token, "approve", "Oversight described; residual risk acceptable.").await;
    assert_eq!(res.status(), StatusCode::OK);
    let reviewed: Value = res.json().await.unwrap();
    assert_eq!(reviewed["status"], "queued", "{reviewed}");
    let job = r.job().await;
    let review = Reviewed::obligation(&job, "POOL_REVIEW");
    assert_eq!(review["status"], "satisfied");
    assert!(review["satisfied_by"].as_str().unwrap().starts_with("admin review by user:"), "{review}");
    assert!(!job["shards"].as_array().unwrap().is_empty(), "queued jobs are dispatched");
    let events: Value = r.app.get(&format!("/api/v1/jobs/{}/events", r.job), Some(&r.buyer.token)).await.json().await.unwrap();
    let reviews: Vec<&Value> = events["items"].as_array().unwrap().iter().filter(|e| e["kind"] == "review").collect();
    assert_eq!(reviews.len(), 2, "{events}");
    assert_eq!(reviews[1]["detail"]["notes"], "Oversight described; residual risk acceptable.");
    assert_eq!(reviews[1]["detail"]["reviewer"], r.admin.id.to_string());
}

#[tokio::test]
async fn the_reviews_page_lists_the_job_and_its_form_approves_it() {
    let r = paid_job_in_review().await;
    let browser = reqwest::Client::builder().cookie_store(true).build().unwrap();
    let login_page = browser.get(r.app.url("/login")).send().await.unwrap().text().await.unwrap();
    let token = csrf_token(&login_page);
    browser
        .post(r.app.url("/login"))
        .form(&[("email", r.admin.email.as_str()), ("password", r.admin.password.as_str()), ("csrf_token", token.as_str())])
        .send()
        .await
        .unwrap();
    let page = browser.get(r.app.url("/admin/reviews")).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(html.contains(&format!("review-{}", r.job)), "the job is listed");
    assert!(html.contains("POOL_REVIEW"));
    let token = csrf_token(&html);
    let res = browser
        .post(r.app.url(&format!("/admin/reviews/{}", r.job)))
        .form(&[("csrf_token", token.as_str()), ("decision", "approve"), ("notes", "")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "notes are required");
    assert!(res.text().await.unwrap().contains("notes: must say what was reviewed"));
    let res = browser
        .post(r.app.url(&format!("/admin/reviews/{}", r.job)))
        .form(&[("csrf_token", token.as_str()), ("decision", "approve"), ("notes", "Read the assessment; fine.")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK, "redirected back to the queue");
    assert!(res.text().await.unwrap().contains("No job is waiting for a review."));
    assert_eq!(r.job().await["status"], "queued");
}
