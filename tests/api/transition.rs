//! The graduated transition (seed 002 §VI.C): a member reports a deployment's usage; crossing into
//! the medium tier phases in its obligations with due dates (documentation before assessments
//! before monitoring) instead of at once, mails the schedule, reminds, and shows what is overdue to
//! the organisation and the admins. A report that crosses nothing changes nothing.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::{assert_problem, spawn_app};
use crate::datasets::{own_record, ready_dataset};

async fn subjects_to(app: &crate::common::TestApp, email: &str) -> Vec<String> {
    sqlx::query_scalar("select payload->>'subject' from outbox where payload->>'to' = $1 order by created_at")
        .bind(email)
        .fetch_all(&app.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn usage_that_crosses_into_the_medium_tier_phases_its_obligations_in_with_due_dates_and_reminders() {
    let app = spawn_app().await;
    let provider = app.new_user().await;
    let (model, _) = app.provider_with_verified_model(&provider, 7_000_000_000, "1000000").await;
    let buyer = app.new_user().await;
    let dataset = ready_dataset(&app, &buyer, vec![own_record("a"), own_record("b")]).await;
    // Public (2) with a human on the loop (1) and medium revenue dependence (1): 4, low — until the
    // reach adds its points.
    let deployment = json!({"purpose": "answer questions about our products", "sectors": ["customer_service"],
        "prohibited_practices": [], "jurisdictions": ["EU"], "expected_monthly_users": 500, "monthly_queries": 5_000,
        "autonomy": "human_on_the_loop", "vulnerable_groups": false, "public_facing": true, "profiles_natural_persons": false,
        "revenue_dependence": "medium"});
    let body = json!({"base_model_id": model, "dataset_id": dataset["id"], "method": "lora", "hyperparameters": {"epochs": 1},
        "deployment": deployment});
    let res = app.post_json("/api/v1/jobs", &body, Some(&buyer.token)).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let created: Value = res.json().await.unwrap();
    assert_eq!(created["assessment"]["risk_tier"], "low", "{created}");
    let job = created["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/jobs/{job}/indicators");

    // Bad reports are refused with the field at fault; another organisation's job is not there.
    let res = app.post_json(&path, &json!({"monthly_users": -1, "monthly_queries": 0}), Some(&buyer.token)).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_problem(&res);
    let res = app.post_json(&path, &json!({"monthly_users": 2_000_000_000_000u64, "monthly_queries": 0}), Some(&buyer.token)).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(res.json::<Value>().await.unwrap()["errors"][0]["field"], "monthly_users");
    let stranger = app.new_user().await;
    assert_eq!(
        app.post_json(&path, &json!({"monthly_users": 1, "monthly_queries": 1}), Some(&stranger.token)).await.status(),
        StatusCode::NOT_FOUND
    );

    // A count written with a fraction is refused; 900.0 is the integer 900 (JSON does not tell them apart).
    let res = app.post_json(&path, &json!({"monthly_users": 900.5, "monthly_queries": 9_000}), Some(&buyer.token)).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // Growth within the tier: nothing changes.
    let res = app.post_json(&path, &json!({"monthly_users": 900.0, "monthly_queries": 9_000}), Some(&buyer.token)).await;
    assert_eq!(res.status(), StatusCode::OK);
    let same: Value = res.json().await.unwrap();
    assert_eq!((same["risk_tier"].as_str(), same["changed"].as_bool()), (Some("low"), Some(false)), "{same}");
    assert_eq!(same["obligations"], json!([]));

    // 100,000 users a month: the medium tier; its obligations phase in, documentation first.
    let res = app.post_json(&path, &json!({"monthly_users": 100_000, "monthly_queries": 1_000_000}), Some(&buyer.token)).await;
    assert_eq!(res.status(), StatusCode::OK);
    let grown: Value = res.json().await.unwrap();
    assert_eq!((grown["risk_tier"].as_str(), grown["changed"].as_bool()), (Some("medium"), Some(true)), "{grown}");
    let phased = grown["obligations"].as_array().unwrap();
    let phase_of = |id: &str| phased.iter().find(|o| o["id"] == id).map(|o| o["phase"].as_str().unwrap().to_owned());
    assert_eq!(phase_of("SIMPLIFIED_REGISTRATION").as_deref(), Some("documentation"), "{grown}");
    assert_eq!(phase_of("POOL_REVIEW"), None, "the review before training is not phased in after it: {grown}");
    let due = |id: &str| phased.iter().find(|o| o["id"] == id).unwrap()["due_at"].as_str().unwrap().to_owned();
    assert_eq!(phase_of("PLATFORM_MONITORING").as_deref(), Some("monitoring"), "{grown}");
    assert!(due("SIMPLIFIED_REGISTRATION") < due("PLATFORM_MONITORING"), "documentation is due before monitoring");
    let view: Value = app.get(&format!("/api/v1/jobs/{job}"), Some(&buyer.token)).await.json().await.unwrap();
    assert_eq!(view["deployed_risk_tier"], "medium");
    assert_eq!(view["assessment"]["risk_tier"], "low", "the quoted assessment stays as it was");
    let monitoring = view["obligations"].as_array().unwrap().iter().find(|o| o["id"] == "PLATFORM_MONITORING").unwrap();
    assert_eq!((monitoring["phase"].as_str(), monitoring["overdue"].as_bool()), (Some("monitoring"), Some(false)));
    assert!(subjects_to(&app, &buyer.email).await.iter().any(|s| s.contains("phased in")));
    // The same report again phases in nothing more.
    let again: Value = app
        .post_json(&path, &json!({"monthly_users": 100_000, "monthly_queries": 1_000_000}), Some(&buyer.token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!((again["changed"].as_bool(), again["obligations"].as_array().unwrap().len()), (Some(false), 0));

    // Nothing is due for weeks: no reminder yet.
    assert_eq!(attune_app::graduated_transition::send_reminders(&app.pool).await.unwrap(), 0);
    // Time passes (the clock, which no feature moves): the registration's date goes by.
    sqlx::query(
        "update job_obligation set due_at = now() - interval '1 day' where job_id = $1 and obligation_id = 'SIMPLIFIED_REGISTRATION'",
    )
    .bind(job.parse::<uuid::Uuid>().unwrap())
    .execute(&app.pool)
    .await
    .unwrap();
    assert_eq!(attune_app::graduated_transition::send_reminders(&app.pool).await.unwrap(), 1, "one mail, not one per missed stage");
    assert_eq!(attune_app::graduated_transition::send_reminders(&app.pool).await.unwrap(), 0, "and only once");
    assert!(subjects_to(&app, &buyer.email).await.iter().any(|s| s.starts_with("Attune: overdue")));
    let view: Value = app.get(&format!("/api/v1/jobs/{job}"), Some(&buyer.token)).await.json().await.unwrap();
    let registration = view["obligations"].as_array().unwrap().iter().find(|o| o["id"] == "SIMPLIFIED_REGISTRATION").unwrap();
    assert_eq!(registration["overdue"], true, "{registration}");
    let admin = app.new_admin().await;
    assert_eq!(app.get("/api/v1/admin/obligations/overdue", Some(&buyer.token)).await.status(), StatusCode::FORBIDDEN);
    let overdue: Value = app.get("/api/v1/admin/obligations/overdue", Some(&admin.token)).await.json().await.unwrap();
    assert!(
        overdue["items"].as_array().unwrap().iter().any(|o| o["job_id"] == job.as_str() && o["obligation_id"] == "SIMPLIFIED_REGISTRATION")
    );
    let page = app.page_session(&admin).await.get(app.url("/admin/obligations")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains(&job) && page.contains("SIMPLIFIED_REGISTRATION"), "the admins' page lists it");
    let page = app.page_session(&buyer).await.get(app.url(&format!("/jobs/{job}"))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("overdue since"), "the job's page says so");

    // Usage falls back: the tier follows; nothing already phased in is withdrawn.
    let fell: Value =
        app.post_json(&path, &json!({"monthly_users": 500, "monthly_queries": 5_000}), Some(&buyer.token)).await.json().await.unwrap();
    assert_eq!((fell["risk_tier"].as_str(), fell["changed"].as_bool()), (Some("low"), Some(true)), "{fell}");
}
