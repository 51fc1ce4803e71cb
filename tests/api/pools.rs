//! Shared audit pools (seed 002 §VI.D–VII): admins create sector pools and attach auditors, SME
//! organisations join, and the fee per audit falls as they do. A member's job that needs review gets
//! a task in its pool; the pool's auditor claims it, reads the evidence, requests changes with
//! findings (kept in the pool's library) and approves the revision, which queues the job. The job
//! then earns its safe-harbour certificate, which lapses when the organisation leaves the pool.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::models::model_listing;
use crate::common::{TestApp, TestUser, assert_problem, spawn_app, spawn_app_with};
use crate::datasets::{own_record, ready_dataset};

async fn new_pool(app: &TestApp, admin: &TestUser, name: &str) -> String {
    let res = app
        .post_json(
            "/api/v1/pools",
            &json!({"name": name, "sector": "customer_service", "description": "Customer-service deployers"}),
            Some(&admin.token),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    res.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned()
}

async fn auditor_of(app: &TestApp, admin: &TestUser, pool: &str) -> TestUser {
    let auditor = app.new_user().await;
    let res = app.post_json(&format!("/api/v1/pools/{pool}/auditors"), &json!({"user_id": auditor.id}), Some(&admin.token)).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "only a holder of the auditor role audits");
    assert_eq!(res.json::<Value>().await.unwrap()["errors"][0]["field"], "user_id");
    let res = app.post_json(&format!("/api/v1/admin/users/{}/roles", auditor.id), &json!({"roles": ["auditor"]}), Some(&admin.token)).await;
    assert_eq!(res.status(), StatusCode::OK);
    let res = app.post_json(&format!("/api/v1/pools/{pool}/auditors"), &json!({"user_id": auditor.id}), Some(&admin.token)).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    // The role is read at login: a fresh token carries it.
    TestUser { token: app.token_for(&auditor.email, &auditor.password).await, ..auditor }
}

fn amount(v: &Value) -> u128 {
    v.as_str().unwrap().parse().unwrap()
}

#[tokio::test]
async fn the_fee_falls_as_members_join_and_only_small_organisations_join_one_pool_at_a_time() {
    let app = spawn_app().await;
    let admin = app.new_admin().await;
    let sme = app.new_user().await;
    let body = json!({"name": "Retail", "sector": "customer_service", "description": "Shops"});
    assert_eq!(app.post_json("/api/v1/pools", &body, Some(&sme.token)).await.status(), StatusCode::FORBIDDEN);
    let res = app.post_json("/api/v1/pools", &json!({"name": "X", "sector": "astrology", "description": "d"}), Some(&admin.token)).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_problem(&res);
    assert_eq!(res.json::<Value>().await.unwrap()["errors"][0]["field"], "sector");
    let pool = new_pool(&app, &admin, "Retail").await;
    assert_eq!(app.post_json("/api/v1/pools", &body, Some(&admin.token)).await.status(), StatusCode::CONFLICT, "names are unique");
    let other = new_pool(&app, &admin, "Retail two").await;

    // Each member that joins lowers the fee; a pool of one pays no more than the platform's review.
    let res = app.post_json(&format!("/api/v1/pools/{pool}/members"), &json!({}), Some(&sme.token)).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let joined: Value = res.json().await.unwrap();
    let alone = amount(&joined["fee_per_audit"]["amount"]);
    assert_eq!(alone, amount(&joined["fee_per_audit"]["non_pooled_amount"]), "{joined}");
    let mut fees = vec![alone];
    for _ in 0..4 {
        let member = app.new_user_of_kind("research").await;
        let res = app.post_json(&format!("/api/v1/pools/{pool}/members"), &json!({}), Some(&member.token)).await;
        assert_eq!(res.status(), StatusCode::CREATED);
        fees.push(amount(&res.json::<Value>().await.unwrap()["fee_per_audit"]["amount"]));
    }
    assert!(fees.windows(2).all(|w| w[1] < w[0]), "the fee falls with every member: {fees:?}");
    let view: Value = app.get(&format!("/api/v1/pools/{pool}"), Some(&sme.token)).await.json().await.unwrap();
    assert_eq!(view["member_count"], 5);
    assert_eq!(view["members"].as_array().unwrap().len(), 5);
    assert_eq!(amount(&view["fee_per_audit"]["amount"]), fees[4]);
    // 20 USDC + ceil(6000 USDC / (5 × 12)) = 120 USDC, and the page says how.
    assert_eq!(fees[4], 120_000_000);
    assert!(view["fee_per_audit"]["formula"].as_str().unwrap().contains("5 members × 12 audits a year"), "{view}");
    assert_eq!(view["stats"]["audits_completed"], 0);
    assert!(view["my_membership"]["lapses_at"].is_string());

    // Joining again renews; another pool must wait until the organisation leaves this one.
    assert_eq!(app.post_json(&format!("/api/v1/pools/{pool}/members"), &json!({}), Some(&sme.token)).await.status(), StatusCode::OK);
    let res = app.post_json(&format!("/api/v1/pools/{other}/members"), &json!({}), Some(&sme.token)).await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    assert_problem(&res);
    let enterprise = app.new_user_of_kind("enterprise").await;
    assert_eq!(
        app.post_json(&format!("/api/v1/pools/{pool}/members"), &json!({}), Some(&enterprise.token)).await.status(),
        StatusCode::CONFLICT
    );
    assert_eq!(
        app.api.delete(app.url(&format!("/api/v1/pools/{other}/members"))).bearer_auth(&sme.token).send().await.unwrap().status(),
        StatusCode::CONFLICT,
        "leaving a pool the organisation is not in"
    );
    assert_eq!(
        app.api
            .delete(app.url(&format!("/api/v1/pools/{}/members", uuid::Uuid::new_v4())))
            .bearer_auth(&sme.token)
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::NOT_FOUND,
        "leaving a pool that does not exist"
    );
    let res = app.api.delete(app.url(&format!("/api/v1/pools/{pool}/members"))).bearer_auth(&sme.token).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(app.post_json(&format!("/api/v1/pools/{other}/members"), &json!({}), Some(&sme.token)).await.status(), StatusCode::CREATED);
    let list: Value = app.get("/api/v1/pools", Some(&sme.token)).await.json().await.unwrap();
    let counts: Vec<i64> = list["items"].as_array().unwrap().iter().map(|p| p["member_count"].as_i64().unwrap()).collect();
    assert_eq!(counts, vec![4, 1], "{list}");
    assert_eq!(app.get("/api/v1/pools", None).await.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn templates_are_data_with_fields_and_markdown() {
    let app = spawn_app().await;
    let list: Value = app.get("/api/v1/templates", None).await.json().await.unwrap();
    assert_eq!(list["version"], "templates-v3");
    let kinds: Vec<&str> = list["items"].as_array().unwrap().iter().map(|t| t["kind"].as_str().unwrap()).collect();
    for kind in ["training_content_summary", "lia", "risk_assessment", "fria", "dpia", "model_card", "remediation_plan"] {
        assert!(kinds.contains(&kind), "{kind} in {kinds:?}");
    }
    let lia: Value = app.get("/api/v1/templates/lia", None).await.json().await.unwrap();
    assert!(lia["markdown"].as_str().unwrap().contains("{{purpose}}"), "{lia}");
    assert_eq!(lia["generated"], false);
    let summary: Value = app.get("/api/v1/templates/training_content_summary", None).await.json().await.unwrap();
    assert_eq!(summary["generated"], true);
    let res = app.get("/api/v1/templates/horoscope", None).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert_problem(&res);
}

struct Pooled {
    app: TestApp,
    admin: TestUser,
    buyer: TestUser,
    auditor: TestUser,
    pool: String,
    job: String,
}

/// A member of a customer-service pool commissions a medium-tier job (see `job_reviews.rs`) and pays.
async fn pooled_job_in_review() -> Pooled {
    let _ = tracing_subscriber::fmt().with_env_filter("warn,attune=info").with_test_writer().try_init();
    let app = spawn_app_with(|s| {
        s.chain_enabled = true;
        s.chain_confirmations = Some(1);
    })
    .await;
    let admin = app.new_admin().await;
    let pool = new_pool(&app, &admin, "Customer service").await;
    let auditor = auditor_of(&app, &admin, &pool).await;
    let provider = app.new_user().await;
    let provider_key = app.link_wallet(&provider).await;
    let listing = model_listing("Apache-2.0", "1000000", 7_000_000_000, json!(["general", "customer_service"]), json!(8.4e22));
    let model = app.verified_model(&provider, &provider_key, listing).await;
    let buyer = app.new_user().await;
    let res = app.post_json(&format!("/api/v1/pools/{pool}/members"), &json!({}), Some(&buyer.token)).await;
    assert_eq!(res.status(), StatusCode::CREATED);
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
    // A pool of one pays the capped fee, to the pool.
    let line = created["assessment"]["quote"]["breakdown"].as_array().unwrap().iter().find(|l| l["role"] == "audit_fee").unwrap().clone();
    assert_eq!(line["payee"], "audit_pool", "{line}");
    assert_eq!(created["assessment"]["audit_fee"]["basis"], "pool");
    let job = created["id"].as_str().unwrap().to_string();
    let payment: Value = app.get(&format!("/api/v1/jobs/{job}/payment"), Some(&buyer.token)).await.json().await.unwrap();
    app.fund(&key, &payment).await;
    app.watch().await;
    let p = Pooled { app, admin, buyer, auditor, pool, job };
    assert_eq!(p.job_view().await["status"], "audit");
    p
}

impl Pooled {
    async fn job_view(&self) -> Value {
        self.app.get(&format!("/api/v1/jobs/{}", self.job), Some(&self.buyer.token)).await.json().await.unwrap()
    }

    async fn open_task(&self) -> String {
        let tasks: Value = self.app.get("/api/v1/audit-tasks?status=open", Some(&self.auditor.token)).await.json().await.unwrap();
        let items = tasks["items"].as_array().unwrap();
        assert_eq!(items.len(), 1, "{tasks}");
        assert_eq!(items[0]["job_id"], self.job.as_str());
        items[0]["id"].as_str().unwrap().to_owned()
    }

    async fn post(&self, path: &str, body: &Value, who: &TestUser) -> (StatusCode, Value) {
        let res = self.app.post_json(path, body, Some(&who.token)).await;
        let status = res.status();
        (status, res.json().await.unwrap_or(Value::Null))
    }

    async fn file(&self, template: &str, fields: Value) -> Value {
        let res = self
            .app
            .api
            .put(self.app.url(&format!("/api/v1/jobs/{}/documents/{template}", self.job)))
            .bearer_auth(&self.buyer.token)
            .json(&json!({"fields": fields}))
            .send()
            .await
            .unwrap();
        let status = res.status();
        let body: Value = res.json().await.unwrap();
        assert_eq!(status, StatusCode::OK, "{body}");
        body
    }
}

fn risk_assessment() -> Value {
    json!({"known_risks": "Wrong answers could mislead customers about refunds.",
        "estimated_risks": "About one answer in a hundred is incomplete in our trials.",
        "risk_measures": "Answers cite the documentation; staff review flagged answers weekly.",
        "residual_risk": "acceptable", "residual_risk_rationale": "Errors are corrected by staff and cause no lasting harm.",
        "testing_and_metrics": "500 held-out questions from last year's tickets: 97 % answered correctly.",
        "data_provenance": "Our own support answers, written by our staff between 2022 and 2026.",
        "bias_examination": "Answers checked across product lines and languages."})
}

#[tokio::test]
async fn the_pools_auditor_requests_changes_approves_the_revision_and_the_job_earns_its_safe_harbour() {
    let p = pooled_job_in_review().await;
    let task = p.open_task().await;

    // Who may see it: the pool's auditor; not the buyer, not another pool's auditor; the admin's
    // platform review is not for a pool member's job.
    assert_eq!(p.app.get("/api/v1/audit-tasks", Some(&p.buyer.token)).await.status(), StatusCode::FORBIDDEN);
    let elsewhere = new_pool(&p.app, &p.admin, "Elsewhere").await;
    let stranger = auditor_of(&p.app, &p.admin, &elsewhere).await;
    assert_eq!(p.app.get(&format!("/api/v1/audit-tasks/{task}"), Some(&stranger.token)).await.status(), StatusCode::NOT_FOUND);
    let (status, _) = p.post(&format!("/api/v1/audit-tasks/{task}/claim"), &json!({}), &stranger).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, body) =
        p.post(&format!("/api/v1/admin/jobs/{}/review", p.job), &json!({"decision": "approve", "notes": "n"}), &p.admin).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    let (status, _) = p.post(&format!("/api/v1/audit-tasks/{task}/decision"), &json!({"decision": "approve"}), &p.auditor).await;
    assert_eq!(status, StatusCode::CONFLICT, "claim first");
    // A buyer who is also the pool's auditor does not review their own organisation's job.
    let res =
        p.app.post_json(&format!("/api/v1/admin/users/{}/roles", p.buyer.id), &json!({"roles": ["auditor"]}), Some(&p.admin.token)).await;
    assert_eq!(res.status(), StatusCode::OK);
    let res = p.app.post_json(&format!("/api/v1/pools/{}/auditors", p.pool), &json!({"user_id": p.buyer.id}), Some(&p.admin.token)).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let own = TestUser {
        id: p.buyer.id,
        organization_id: p.buyer.organization_id,
        email: p.buyer.email.clone(),
        password: p.buyer.password.clone(),
        token: p.app.token_for(&p.buyer.email, &p.buyer.password).await,
    };
    let (status, body) = p.post(&format!("/api/v1/audit-tasks/{task}/claim"), &json!({}), &own).await;
    assert_eq!((status, body["type"].as_str().map(|t| t.ends_with("/conflict-of-interest"))), (StatusCode::CONFLICT, Some(true)), "{body}");
    // Without the role, the attachment to the pool gives the buyer nothing.
    let res = p.app.post_json(&format!("/api/v1/admin/users/{}/roles", p.buyer.id), &json!({"roles": []}), Some(&p.admin.token)).await;
    assert_eq!(res.status(), StatusCode::OK);

    // The auditor claims it and reads the evidence.
    let (status, claimed) = p.post(&format!("/api/v1/audit-tasks/{task}/claim"), &json!({}), &p.auditor).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(claimed["status"], "claimed");
    assert_eq!(p.post(&format!("/api/v1/audit-tasks/{task}/claim"), &json!({}), &p.auditor).await.0, StatusCode::CONFLICT);
    let detail: Value = p.app.get(&format!("/api/v1/audit-tasks/{task}"), Some(&p.auditor.token)).await.json().await.unwrap();
    assert_eq!(detail["provenance"]["status"], "verified", "{detail}");
    assert_eq!(detail["dataset"]["total"], 2);
    assert_eq!(detail["job"]["assessment"]["risk_tier"], "medium");
    assert!(detail["obligations"].as_array().unwrap().iter().any(|o| o["id"] == "POOL_REVIEW" && o["status"] == "open"));

    // Changes requested need a finding; the finding goes into the pool's library.
    let (status, body) = p
        .post(&format!("/api/v1/audit-tasks/{task}/decision"), &json!({"decision": "changes_requested", "findings": []}), &p.auditor)
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["errors"][0]["field"], "findings");
    let (status, body) = p
        .post(
            &format!("/api/v1/audit-tasks/{task}/decision"),
            &json!({"decision": "changes_requested", "findings": [{"title": "Oversight undescribed", "severity": "major"}]}),
            &p.auditor,
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["errors"][0]["field"], "findings[0].detail");
    let finding = json!({"title": "Oversight undescribed", "severity": "major",
        "detail": "The risk assessment does not say who reviews flagged answers, or how often."});
    let (status, decided) = p
        .post(&format!("/api/v1/audit-tasks/{task}/decision"), &json!({"decision": "changes_requested", "findings": [finding]}), &p.auditor)
        .await;
    assert_eq!(status, StatusCode::OK, "{decided}");
    assert_eq!(decided["job_status"], "changes_requested");
    assert!(decided["task"]["turnaround_s"].is_i64());
    let library: Value = p.app.get(&format!("/api/v1/pools/{}/findings", p.pool), Some(&p.auditor.token)).await.json().await.unwrap();
    let library_id = library["items"][0]["id"].as_str().unwrap().to_owned();
    assert_eq!(p.app.get(&format!("/api/v1/pools/{}/findings", p.pool), Some(&p.buyer.token)).await.status(), StatusCode::NOT_FOUND);

    // The buyer revises; the job returns to the pool as the next round.
    p.file("risk_assessment", risk_assessment()).await;
    assert_eq!(p.job_view().await["status"], "audit");
    let second = p.open_task().await;
    assert_ne!(second, task);
    assert_eq!(p.post(&format!("/api/v1/audit-tasks/{second}/claim"), &json!({}), &p.auditor).await.0, StatusCode::OK);
    let (status, decided) = p
        .post(
            &format!("/api/v1/audit-tasks/{second}/decision"),
            &json!({"decision": "approve", "findings": [{"library_id": library_id}], "notes": "Oversight now described."}),
            &p.auditor,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{decided}");
    assert_eq!(decided["job_status"], "queued");
    let job = p.job_view().await;
    assert_eq!(job["audit"]["reviewer"], "pool");
    assert_eq!(job["audit"]["status"], "approved");
    assert_eq!(job["audit"]["rounds"].as_array().unwrap().len(), 2, "{job}");
    let review = job["obligations"].as_array().unwrap().iter().find(|o| o["id"] == "POOL_REVIEW").unwrap();
    assert!(review["satisfied_by"].as_str().unwrap().starts_with("audit task "), "{review}");
    let pool: Value = p.app.get(&format!("/api/v1/pools/{}", p.pool), Some(&p.buyer.token)).await.json().await.unwrap();
    assert_eq!(pool["stats"]["audits_completed"], 2);
    assert!(pool["stats"]["median_turnaround_s"].is_number(), "{pool}");
    let library: Value = p.app.get(&format!("/api/v1/pools/{}/findings", p.pool), Some(&p.auditor.token)).await.json().await.unwrap();
    assert_eq!(library["items"][0]["uses"], 2, "reused, not copied: {library}");

    // Safe harbour: verified model, pool review and membership hold; registration and the
    // remediation plan are missing until filed.
    let org = p.buyer.organization_id;
    let harbour: Value = p.app.get(&format!("/api/v1/orgs/{org}/safe-harbour"), Some(&p.buyer.token)).await.json().await.unwrap();
    assert_eq!(harbour["eligible"], false, "{harbour}");
    let met = |h: &Value, id: &str| h["conditions"].as_array().unwrap().iter().find(|c| c["id"] == id).unwrap()["met"].as_bool().unwrap();
    assert!(met(&harbour, "verified_base_model") && met(&harbour, "pool_review") && met(&harbour, "shared_audit_engaged"));
    assert!(!met(&harbour, "remediation_plan") && !met(&harbour, "pool_registration"));
    p.app.assert_org_scoped(&p.buyer, org, |id| format!("/api/v1/orgs/{id}/safe-harbour")).await;
    p.file(
        "registration",
        json!({"system_name": "Shop helper", "provider_contact": "compliance@shop.example",
        "intended_purpose": "Answer customers' questions about our products and orders.", "member_states": "DE, FR",
        "status": "in_service"}),
    )
    .await;
    let res = p
        .app
        .api
        .put(p.app.url(&format!("/api/v1/jobs/{}/documents/training_content_summary", p.job)))
        .bearer_auth(&p.buyer.token)
        .json(&json!({"fields": {}}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CONFLICT, "the platform generates the summary");
    p.file(
        "remediation_plan",
        json!({"harm_contact": "harms@shop.example (monitored daily)", "response_time_hours": "72",
        "withdrawal_procedure": "The assistant is switched off from the admin console and the previous model restored.",
        "retraining_procedure": "Offending records are erased and the affected shards retrained on Attune.",
        "notification_procedure": "Customers affected are told by mail, the pool by its channel, authorities where required."}),
    )
    .await;
    let harbour: Value = p.app.get(&format!("/api/v1/orgs/{org}/safe-harbour"), Some(&p.buyer.token)).await.json().await.unwrap();
    assert_eq!(harbour["eligible"], true, "{harbour}");
    assert_eq!(harbour["certificate"]["status"], "active");
    let sha = harbour["certificate"]["sha256"].as_str().unwrap().to_owned();
    assert_eq!(sha.len(), 64);
    assert!(p.app.send_operator_txs().await >= 1);
    let harbour: Value = p.app.get(&format!("/api/v1/orgs/{org}/safe-harbour"), Some(&p.buyer.token)).await.json().await.unwrap();
    assert_eq!(harbour["certificate"]["anchor"]["kind"], 4, "{harbour}");

    // A year passes without renewal (the clock, which no feature moves): the upkeep sweep lapses the
    // certificate; renewing earns a new one.
    let first_certificate = harbour["certificate"]["id"].as_str().unwrap().to_owned();
    sqlx::query("update audit_pool_member set renewed_at = now() - interval '400 days' where organization_id = $1 and ended_at is null")
        .bind(org)
        .execute(&p.app.pool)
        .await
        .unwrap();
    assert_eq!(attune_app::safe_harbour::sweep(&p.app.pool).await.unwrap(), 1);
    let harbour: Value = p.app.get(&format!("/api/v1/orgs/{org}/safe-harbour"), Some(&p.buyer.token)).await.json().await.unwrap();
    assert_eq!(harbour["certificate"]["status"], "lapsed", "{harbour}");
    assert!(harbour["certificate"]["lapse_reason"].as_str().unwrap().contains("membership lapsed"), "{harbour}");
    let (status, _) = p.post(&format!("/api/v1/pools/{}/members", p.pool), &json!({}), &p.buyer).await;
    assert_eq!(status, StatusCode::OK, "renewed");
    let harbour: Value = p.app.get(&format!("/api/v1/orgs/{org}/safe-harbour"), Some(&p.buyer.token)).await.json().await.unwrap();
    assert_eq!(harbour["certificate"]["status"], "active");
    assert_ne!(harbour["certificate"]["id"], first_certificate.as_str(), "a new certificate, the lapsed one kept");

    // Leaving the pool lapses it, with why.
    let res = p.app.api.delete(p.app.url(&format!("/api/v1/pools/{}/members", p.pool))).bearer_auth(&p.buyer.token).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let harbour: Value = p.app.get(&format!("/api/v1/orgs/{org}/safe-harbour"), Some(&p.buyer.token)).await.json().await.unwrap();
    assert_eq!(harbour["eligible"], false);
    assert!(!met(&harbour, "shared_audit_engaged"));
    assert_eq!(harbour["certificate"]["status"], "lapsed", "{harbour}");
    assert!(harbour["certificate"]["lapse_reason"].as_str().unwrap().contains("left its audit pool"));
}

#[tokio::test]
async fn an_organisation_in_no_pool_is_quoted_the_platforms_review() {
    let app = spawn_app().await;
    let provider = app.new_user().await;
    let (model, _) = app.provider_with_verified_model(&provider, 7_000_000_000, "1000000").await;
    let buyer = app.new_user().await;
    let body = json!({"base_model_id": model, "method": "lora", "hyperparameters": {"epochs": 1, "tokens": 1000000},
        "deployment": {"purpose": "answer questions about our products", "sectors": ["customer_service"],
        "prohibited_practices": [], "jurisdictions": ["EU"], "expected_monthly_users": 10_000, "monthly_queries": 100_000,
        "autonomy": "human_on_the_loop", "vulnerable_groups": false, "public_facing": true, "profiles_natural_persons": false,
        "revenue_dependence": "medium"}});
    let res = app.post_json("/api/v1/assessments", &body, Some(&buyer.token)).await;
    assert_eq!(res.status(), StatusCode::OK);
    let a: Value = res.json().await.unwrap();
    let line = a["quote"]["breakdown"].as_array().unwrap().iter().find(|l| l["role"] == "audit_fee").unwrap();
    assert_eq!(line["payee"], "platform_review", "{a}");
    assert_eq!(line["amount"], "400000000");
    assert_eq!(a["audit_fee"]["basis"], "platform");
}
