use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::{TestApp, TestUser, spawn_app};

/// A listed (pending) base model, through the API; assessments accept any listed model.
pub(crate) async fn listed_model(app: &TestApp, provider: &TestUser, training_flops: Value, intended_uses: Value) -> String {
    let body = json!({
        "name": "assess-base", "version": "1", "architecture": "llama", "parameter_count": 7_000_000_000u64,
        "training_flops": training_flops, "intended_uses": intended_uses, "licence": "Apache-2.0",
        "files": [{"path": "w.bin", "size": 1, "sha256": "0".repeat(64), "uri": "https://weights.invalid/w.bin"}],
        "card_markdown": "# assess-base\n\nA base model used by the assessment tests.",
        "training_summary": {"data_sources": ["licensed"], "top_domains": [], "opt_out_policy": "honoured", "personal_data": "none"},
        "lineage": {"base_model_id": null, "relation": null}, "pricing": {"licence_fee": "25000000"}
    });
    let res = app.post_json("/api/v1/models", &body, Some(&provider.token)).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    res.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_string()
}

pub(crate) fn deployment(sectors: Value) -> Value {
    json!({
        "purpose": "screen job applications", "sectors": sectors, "prohibited_practices": [], "jurisdictions": ["EU"],
        "expected_monthly_users": 500, "monthly_queries": 5000, "autonomy": "human_in_the_loop", "vulnerable_groups": false,
        "public_facing": false, "profiles_natural_persons": true, "revenue_dependence": "low"
    })
}

#[tokio::test]
async fn an_employment_screening_deployment_is_high_risk_with_articles_9_to_15() {
    let app = spawn_app().await;
    let provider = app.new_user().await;
    let model = listed_model(&app, &provider, json!(8.4e22), json!(["general"])).await;
    let buyer = app.new_user().await;
    let res = app
        .post_json("/api/v1/assessments", &json!({"base_model_id": model, "method": "lora", "hyperparameters": {"epochs": 3, "tokens": 10_000_000}, "deployment": deployment(json!(["employment"]))}), Some(&buyer.token))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let a: Value = res.json().await.unwrap();
    assert_eq!(a["risk_tier"], "high");
    let ids: Vec<&str> = a["obligations"].as_array().unwrap().iter().map(|o| o["id"].as_str().unwrap()).collect();
    for id in [
        "AIA_ART9_RISK_MGMT",
        "AIA_ART10_DATA_GOV",
        "AIA_ART11_TECH_DOC",
        "AIA_ART12_LOGGING",
        "AIA_ART13_TRANSPARENCY",
        "AIA_ART14_OVERSIGHT",
        "AIA_ART15_ROBUSTNESS",
    ] {
        assert!(ids.contains(&id), "{id} missing from {ids:?}");
    }
    assert!(a["reasons"].as_array().unwrap().iter().any(|r| r["rule"].as_str().unwrap().contains("employment")));
    assert_eq!(a["audit_required"], true);
    // LoRA on 7B params × 1e7 tokens × 3 epochs, k = 4.
    assert_eq!(a["flops"]["estimate"].as_f64().unwrap(), 4.0 * 7e9 * 1e7 * 3.0);
    let total: u128 = a["quote"]["amount"].as_str().unwrap().parse().unwrap();
    let sum: u128 =
        a["quote"]["breakdown"].as_array().unwrap().iter().map(|l| l["amount"].as_str().unwrap().parse::<u128>().unwrap()).sum();
    assert_eq!(total, sum, "the breakdown sums exactly to the amount");
    assert!(a["quote"]["breakdown"].as_array().unwrap().iter().any(|l| l["role"] == "licence_fee" && l["amount"] == "25000000"));
    assert_eq!(a["policy"]["version"], "v2");
    assert_eq!(a["policy"]["sha256"].as_str().unwrap().len(), 64);
    // The legal classification and the two roles, apart: employment is Annex III point 4, and a
    // general model put to it is a new, high-risk purpose (Art. 25(1)(c)).
    assert_eq!(a["legal_classification"]["ai_act_high_risk"], true, "{a}");
    assert_eq!(a["legal_classification"]["floor"], "high");
    assert_eq!(a["roles"]["high_risk_provider"]["applies"], true);
    assert_eq!(a["roles"]["gpai_provider"]["applies"], false);
    assert!(ids.contains(&"AIA_ART16_PROVIDER") && ids.contains(&"AIA_ART49_EU_DATABASE"), "{ids:?}");
    // A dry run: nothing about it is stored.
    let audit: i64 =
        sqlx::query_scalar("select count(*) from audit_log where action like 'assessment%'").fetch_one(&app.pool).await.unwrap();
    assert_eq!(audit, 0);
}

/// A LoRA run of 1,000 tokens for `d`, assessed for `buyer`.
async fn small_assessment(app: &TestApp, buyer: &TestUser, model: &str, d: Value) -> Value {
    let body = json!({"base_model_id": model, "method": "lora", "hyperparameters": {"epochs": 1, "tokens": 1000}, "deployment": d});
    app.post_json("/api/v1/assessments", &body, Some(&buyer.token)).await.json().await.unwrap()
}

#[tokio::test]
async fn a_prohibited_practice_is_tiered_prohibited_and_only_a_high_risk_new_purpose_makes_a_provider() {
    let app = spawn_app().await;
    let provider = app.new_user().await;
    let model = listed_model(&app, &provider, json!(8.4e22), json!(["customer_service"])).await;
    let buyer = app.new_user().await;
    let mut d = deployment(json!(["marketing"]));
    d["prohibited_practices"] = json!(["social_scoring"]);
    let a = small_assessment(&app, &buyer, &model, d).await;
    assert_eq!(a["risk_tier"], "prohibited");
    let d = deployment(json!(["marketing"]));
    let a = small_assessment(&app, &buyer, &model, d).await;
    assert_eq!(a["provider_role"], "deployer", "marketing is a new purpose, but not a high-risk one (Art. 25(1)(c)): {a}");
    assert_eq!(a["roles"]["high_risk_provider"]["reasons"][0]["rule"], "role.high_risk_provider.not_high_risk_purpose");
    let d = deployment(json!(["employment"]));
    let a = small_assessment(&app, &buyer, &model, d).await;
    assert_eq!(a["provider_role"], "provider", "employment is outside the model's intended uses and high-risk: {a}");
    assert_eq!(a["roles"]["high_risk_provider"]["applies"], true);
}

#[tokio::test]
async fn assessments_name_the_fields_at_fault() {
    let app = spawn_app().await;
    let provider = app.new_user().await;
    let model = listed_model(&app, &provider, Value::Null, json!(["general"])).await;
    let mut d = deployment(json!(["employment", "astrology"]));
    d["autonomy"] = json!("sometimes");
    let res = app
        .post_json(
            "/api/v1/assessments",
            &json!({"base_model_id": model, "method": "sft", "hyperparameters": {"epochs": 0}, "deployment": d}),
            Some(&provider.token),
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = res.json().await.unwrap();
    let fields: Vec<&str> = body["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    for f in ["method", "hyperparameters.epochs", "deployment.sectors[1]", "deployment.autonomy"] {
        assert!(fields.contains(&f), "{f} missing from {fields:?}");
    }
    let res = app
        .post_json("/api/v1/assessments", &json!({"base_model_id": uuid::Uuid::new_v4(), "method": "lora", "hyperparameters": {"epochs": 1, "tokens": 10}, "deployment": deployment(json!(["general"]))}), Some(&provider.token))
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(res.json::<Value>().await.unwrap()["errors"][0]["field"], "base_model_id");
    assert_eq!(app.post_json("/api/v1/assessments", &json!({}), None).await.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn unknown_base_compute_uses_the_guideline_fallback() {
    let app = spawn_app().await;
    let provider = app.new_user().await;
    let model = listed_model(&app, &provider, Value::Null, json!(["general"])).await;
    let a: Value = app
        .post_json("/api/v1/assessments", &json!({"base_model_id": model, "method": "full", "hyperparameters": {"epochs": 1, "tokens": 1_000_000}, "deployment": deployment(json!(["software"]))}), Some(&provider.token))
        .await
        .json()
        .await
        .unwrap();
    assert!(a["flops"]["base_training_flops"].is_null());
    assert!((a["flops"]["threshold"].as_f64().unwrap() - 1e23 / 3.0).abs() < 1e15);
    assert!(
        a["flops"]["fallback_used"].as_str().unwrap().contains("1e23") || a["flops"]["fallback_used"].as_str().unwrap().contains("10^23"),
        "{}",
        a["flops"]
    );
}
