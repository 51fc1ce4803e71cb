//! Fine-tune jobs: the jurisdictional gate (UK licence vs EU opt-out), idempotent creation, the
//! state machine with its events, cancel, documents that satisfy obligations, the training summary.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::assessments::deployment;
use crate::common::{TestApp, TestUser};
use crate::datasets::{outside_web, own_record, ready_dataset, scanning_app, web_record};

/// A complete legitimate-interest assessment for an EU deployment (a UK one also answers the
/// economic-harm question).
pub(crate) fn lia_fields() -> Value {
    json!({
        "purpose": "Improve answers to customer support tickets for our own customers.",
        "necessity": "Support tickets are the only source of the phrasing our customers use in their questions.",
        "less_intrusive_alternatives": "Synthetic tickets were tried and were not representative of real questions.",
        "reasonable_expectations": "Customers expect their tickets to be used to improve the support they receive.",
        "impact": "Low: the model answers support questions and makes no decisions about the customers.",
        "safeguards": "Names and contact details are pseudonymised before training; customers may object at any time.",
        "pseudonymisation": true,
        "opt_out_offered": true,
        "outcome": "interest_prevails_with_safeguards",
    })
}

fn job_body(model: &str, dataset: &str, jurisdictions: Value) -> Value {
    let mut d = deployment(json!(["customer_service"]));
    d["jurisdictions"] = jurisdictions;
    d["profiles_natural_persons"] = json!(false);
    json!({"base_model_id": model, "dataset_id": dataset, "method": "lora", "hyperparameters": {"epochs": 1}, "deployment": d})
}

async fn post_job(app: &TestApp, user: &TestUser, body: &Value, key: Option<&str>) -> reqwest::Response {
    let mut req = app.api.post(app.url("/api/v1/jobs")).bearer_auth(&user.token).json(body);
    if let Some(k) = key {
        req = req.header("Idempotency-Key", k);
    }
    req.send().await.unwrap()
}

struct World {
    app: TestApp,
    buyer: TestUser,
    model: String,
    _web: crate::common::web::Site,
    web_only: String,
    mixed: String,
}

async fn world() -> World {
    let app = scanning_app().await;
    let web = outside_web().await;
    let provider = app.new_user().await;
    let (model, _) = app.provider_with_verified_model(&provider, 7_000_000_000, "25000000").await;
    let buyer = app.new_user().await;
    let web_only = ready_dataset(&app, &buyer, vec![web_record("w1", &web.url("/open/1")), web_record("w2", &web.url("/open/2"))]).await;
    let mixed = ready_dataset(
        &app,
        &buyer,
        vec![web_record("w1", &web.url("/open/1")), web_record("w2", &web.url("/closed/1")), own_record("o1"), own_record("o2")],
    )
    .await;
    World {
        app,
        buyer,
        model,
        _web: web,
        web_only: web_only["id"].as_str().unwrap().to_string(),
        mixed: mixed["id"].as_str().unwrap().to_string(),
    }
}

#[tokio::test]
async fn a_uk_bound_commercial_job_on_web_data_is_blocked_while_the_eu_only_job_passes() {
    let w = world().await;
    let res = post_job(&w.app, &w.buyer, &job_body(&w.model, &w.web_only, json!(["UK"])), None).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let p: Value = res.json().await.unwrap();
    assert!(p["type"].as_str().unwrap().ends_with("/dataset-blocked"), "{p}");
    assert!(p["detail"].as_str().unwrap().contains("UK_TDM_LICENCE"), "{p}");
    let res = post_job(&w.app, &w.buyer, &job_body(&w.model, &w.web_only, json!(["EU", "UK"])), None).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "cross-border: the strictest jurisdiction wins");

    let res = post_job(&w.app, &w.buyer, &job_body(&w.model, &w.web_only, json!(["EU"])), None).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let job: Value = res.json().await.unwrap();
    assert_eq!(job["status"], "awaiting_payment");
    assert_eq!(job["accepted_records"], 2);
    assert_eq!(job["gate"]["excluded"], 0);
    let eu = job["obligations"].as_array().unwrap().iter().find(|o| o["id"] == "EU_TDM_OPTOUT").unwrap().clone();
    assert_eq!(eu["status"], "satisfied");
    assert_eq!(eu["satisfied_by"], "gate");
    // The assessment uses the dataset's real token count, not the hyperparameters' guess.
    let tokens = job["accepted_tokens"].as_f64().unwrap();
    assert_eq!(job["assessment"]["flops"]["estimate"].as_f64().unwrap(), 4.0 * 7e9 * tokens);
}

#[tokio::test]
async fn a_uk_job_on_mixed_data_trains_only_on_what_it_may_use() {
    let w = world().await;
    let res = post_job(&w.app, &w.buyer, &job_body(&w.model, &w.mixed, json!(["UK"])), None).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let job: Value = res.json().await.unwrap();
    assert_eq!(job["accepted_records"], 2, "only the two own records: {}", job["gate"]);
    assert_eq!(job["gate"]["excluded"], 2);
    let summary: Value = w
        .app
        .get(&format!("/api/v1/jobs/{}/training-summary", job["id"].as_str().unwrap()), Some(&w.buyer.token))
        .await
        .json()
        .await
        .unwrap();
    let sources = summary["data_sources"].as_array().unwrap();
    assert_eq!(sources.len(), 1, "{summary}");
    assert_eq!(sources[0]["category"], "own_data");
    assert_eq!(summary["top_domains"]["domains"].as_array().map_or(0, Vec::len), 0);

    let res = post_job(&w.app, &w.buyer, &job_body(&w.model, &w.mixed, json!(["EU"])), None).await;
    let job: Value = res.json().await.unwrap();
    assert_eq!(job["accepted_records"], 3, "in the EU only the reserved record is left out");
    let summary: Value = w
        .app
        .get(&format!("/api/v1/jobs/{}/training-summary", job["id"].as_str().unwrap()), Some(&w.buyer.token))
        .await
        .json()
        .await
        .unwrap();
    for key in ["general_information", "data_sources", "top_domains", "opt_out_policy", "personal_data"] {
        assert!(!summary[key].is_null(), "{key} missing from {summary}");
    }
    assert!(summary["opt_out_policy"].to_string().contains("EU_TDM_OPTOUT"), "{summary}");
}

#[tokio::test]
async fn job_creation_is_idempotent_per_key_and_body() {
    let w = world().await;
    let body = job_body(&w.model, &w.web_only, json!(["EU"]));
    let first = post_job(&w.app, &w.buyer, &body, Some("order-1")).await;
    assert_eq!(first.status(), StatusCode::CREATED);
    let first: Value = first.json().await.unwrap();
    let again = post_job(&w.app, &w.buyer, &body, Some("order-1")).await;
    assert_eq!(again.status(), StatusCode::CREATED);
    let again: Value = again.json().await.unwrap();
    assert_eq!(first["id"], again["id"]);
    let other = job_body(&w.model, &w.mixed, json!(["EU"]));
    let res = post_job(&w.app, &w.buyer, &other, Some("order-1")).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let p: Value = res.json().await.unwrap();
    assert_eq!(p["errors"][0]["field"], "Idempotency-Key");
    // Concurrent requests with one key create one job.
    let (a, b) = tokio::join!(post_job(&w.app, &w.buyer, &body, Some("order-2")), post_job(&w.app, &w.buyer, &body, Some("order-2")));
    let (a, b): (Value, Value) = (a.json().await.unwrap(), b.json().await.unwrap());
    assert_eq!(a["id"], b["id"]);
    let list: Value = w.app.get("/api/v1/jobs", Some(&w.buyer.token)).await.json().await.unwrap();
    assert_eq!(list["items"].as_array().unwrap().len(), 2);
    // Another organisation's key space is its own.
    let stranger = w.app.new_user().await;
    let res = post_job(&w.app, &stranger, &body, Some("order-1")).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "the stranger cannot use the buyer's dataset");
    let p: Value = res.json().await.unwrap();
    assert_eq!(p["errors"][0]["field"], "dataset_id");
}

#[tokio::test]
async fn prohibited_practices_datasets_in_review_and_unscanned_datasets_are_refused() {
    let w = world().await;
    let mut body = job_body(&w.model, &w.web_only, json!(["EU"]));
    body["deployment"]["prohibited_practices"] = json!(["social_scoring"]);
    let res = post_job(&w.app, &w.buyer, &body, None).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let p: Value = res.json().await.unwrap();
    assert!(p["type"].as_str().unwrap().ends_with("/prohibited-practice"), "{p}");

    let web = outside_web().await;
    let in_review = ready_dataset(&w.app, &w.buyer, vec![web_record("b", &web.url("/broken")), own_record("o")]).await;
    let res = post_job(&w.app, &w.buyer, &job_body(&w.model, in_review["id"].as_str().unwrap(), json!(["EU"])), None).await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let p: Value = res.json().await.unwrap();
    assert!(p["type"].as_str().unwrap().ends_with("/records-awaiting-review"), "{p}");

    let res = w
        .app
        .post_json("/api/v1/datasets", &json!({"name": "fresh", "records": [web_record("x", &web.url("/open/1"))]}), Some(&w.buyer.token))
        .await;
    let scanning: Value = res.json().await.unwrap();
    let res = post_job(&w.app, &w.buyer, &job_body(&w.model, scanning["id"].as_str().unwrap(), json!(["EU"])), None).await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let res = post_job(&w.app, &w.buyer, &json!({"base_model_id": w.model, "method": "lora", "hyperparameters": {"epochs": 1}, "deployment": deployment(json!(["general"]))}), None).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let p: Value = res.json().await.unwrap();
    assert_eq!(p["errors"][0]["field"], "dataset_id");
}

#[tokio::test]
async fn transitions_are_recorded_and_guarded_and_cancel_is_final() {
    let w = world().await;
    let job: Value = post_job(&w.app, &w.buyer, &job_body(&w.model, &w.web_only, json!(["EU"])), None).await.json().await.unwrap();
    let id = job["id"].as_str().unwrap();
    let events: Value = w.app.get(&format!("/api/v1/jobs/{id}/events"), Some(&w.buyer.token)).await.json().await.unwrap();
    let steps: Vec<(String, String)> = events["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["from"].as_str().unwrap().to_string(), e["to"].as_str().unwrap().to_string()))
        .collect();
    assert_eq!(steps, vec![("draft".into(), "assessed".into()), ("assessed".into(), "awaiting_payment".into())]);

    let res = w.app.api.post(w.app.url(&format!("/api/v1/jobs/{id}/cancel"))).bearer_auth(&w.buyer.token).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::ACCEPTED);
    assert_eq!(res.json::<Value>().await.unwrap()["status"], "cancelled");
    let res = w.app.api.post(w.app.url(&format!("/api/v1/jobs/{id}/cancel"))).bearer_auth(&w.buyer.token).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::CONFLICT);

    // Every transition is in the audit log and mailed to the buyer.
    let (audited,): (i64,) = sqlx::query_as("select count(*) from audit_log where subject = $1 and action = 'job.transition'")
        .bind(format!("job:{id}"))
        .fetch_one(&w.app.pool)
        .await
        .unwrap();
    assert_eq!(audited, 3);
    assert!(w.app.deliver_outbox().await >= 3);
    w.app.assert_org_scoped(&w.buyer, id.parse().unwrap(), |id| format!("/api/v1/jobs/{id}")).await;
    w.app.assert_org_scoped(&w.buyer, id.parse().unwrap(), |id| format!("/api/v1/jobs/{id}/events")).await;
}

#[tokio::test]
async fn a_paid_job_with_personal_data_waits_for_its_legitimate_interest_assessment() {
    let w = world().await;
    let pii = ready_dataset(
        &w.app,
        &w.buyer,
        vec![json!({"id": "p1", "text": "Ticket from Jane", "licence": {"kind": "own"}, "pii_subject_ids": ["customer-17"]})],
    )
    .await;
    let body = job_body(&w.model, pii["id"].as_str().unwrap(), json!(["UK"]));
    let job: Value = post_job(&w.app, &w.buyer, &body, None).await.json().await.unwrap();
    let id = job["id"].as_str().unwrap();
    let lia = job["obligations"].as_array().unwrap().iter().find(|o| o["id"] == "GDPR_LIA").unwrap().clone();
    assert_eq!((lia["status"].as_str(), lia["blocking"].as_bool(), lia["template"].as_str()), (Some("open"), Some(true), Some("lia")));

    // Documents may be filed before payment; a paid job waiting only for them moves on once its
    // funds are secured on chain (tests/api/integrity.rs pays for real and watches it queue).
    let put = |fields: Value| {
        let app = &w.app;
        let token = w.buyer.token.clone();
        async move {
            app.api
                .put(app.url(&format!("/api/v1/jobs/{id}/documents/lia")))
                .bearer_auth(token)
                .json(&json!({"fields": fields}))
                .send()
                .await
                .unwrap()
        }
    };
    let mut fields = lia_fields();
    let res = put(json!({"purpose": fields["purpose"]})).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let p: Value = res.json().await.unwrap();
    let named: Vec<&str> = p["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert!(named.contains(&"fields.necessity"), "{named:?}");
    let res = put(fields.clone()).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "a UK deployment also answers the economic-harm question");
    let missing: Value = res.json().await.unwrap();
    let harm_field = missing["errors"][0]["field"].as_str().unwrap().trim_start_matches("fields.").to_string();
    fields[harm_field] = json!("No economic harm: tickets are not used to price, rank or refuse service to anyone.");
    let res = put(fields).await;
    assert_eq!(res.status(), StatusCode::OK);
    let saved: Value = res.json().await.unwrap();
    assert_eq!(saved["satisfied"], json!(["GDPR_LIA"]));
    assert_eq!(saved["status"], "awaiting_payment", "a document does not stand in for the payment");
    let job: Value = w.app.get(&format!("/api/v1/jobs/{id}"), Some(&w.buyer.token)).await.json().await.unwrap();
    assert_eq!(job["status"], "awaiting_payment");
    let lia = job["obligations"].as_array().unwrap().iter().find(|o| o["id"] == "GDPR_LIA").unwrap().clone();
    assert_eq!(lia["status"], "satisfied");
    assert_eq!(job["documents"][0]["template"], "lia");

    let res = w
        .app
        .api
        .put(w.app.url(&format!("/api/v1/jobs/{id}/documents/no_such_template")))
        .bearer_auth(&w.buyer.token)
        .json(&json!({"fields": {}}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
}

/// A document satisfies its obligations by what it says (an LIA concluding that rights override
/// satisfies nothing, and a later one saying so reopens what an earlier one satisfied), and records
/// that declare GDPR Art. 9 categories need an Art. 9(2) condition and a DPIA besides the LIA.
#[tokio::test]
async fn documents_are_judged_by_what_they_say_and_special_categories_need_an_art9_condition() {
    let w = world().await;
    let records = vec![json!({"id": "h1", "text": "Patient 3 reports migraines", "licence": {"kind": "own"},
        "pii_subject_ids": ["patient-3"], "special_categories": ["health"]})];
    let dataset = ready_dataset(&w.app, &w.buyer, records).await;
    assert_eq!(dataset["special_category_records"], 1, "{dataset}");
    let job: Value =
        post_job(&w.app, &w.buyer, &job_body(&w.model, dataset["id"].as_str().unwrap(), json!(["EU"])), None).await.json().await.unwrap();
    let id = job["id"].as_str().unwrap().to_string();
    let open = |job: &Value| -> Vec<String> {
        job["obligations"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|o| o["status"] == "open" && o["blocking"] == true)
            .map(|o| o["id"].as_str().unwrap().to_string())
            .collect()
    };
    for wanted in ["GDPR_LIA", "GDPR_ART9_CONDITION", "GDPR_ART35_DPIA"] {
        assert!(open(&job).iter().any(|o| o == wanted), "{wanted} missing from {:?}", open(&job));
    }
    let put = |template: &'static str, fields: Value| {
        let (app, token, id) = (&w.app, w.buyer.token.clone(), id.clone());
        async move {
            let res = app
                .api
                .put(app.url(&format!("/api/v1/jobs/{id}/documents/{template}")))
                .bearer_auth(token)
                .json(&json!({"fields": fields}))
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), StatusCode::OK, "{template}");
            res.json::<Value>().await.unwrap()
        }
    };
    let mut overridden = lia_fields();
    overridden["outcome"] = json!("rights_override");
    let saved = put("lia", overridden.clone()).await;
    assert_eq!(saved["satisfied"], json!([]), "{saved}");
    assert!(saved["blocked_by"][0].as_str().unwrap().contains("must not go ahead"), "{saved}");
    let summary_text = || async {
        let s: Value = w.app.get(&format!("/api/v1/jobs/{id}/training-summary"), Some(&w.buyer.token)).await.json().await.unwrap();
        s["personal_data"]["text"].as_str().unwrap_or_default().to_string()
    };
    assert!(summary_text().await.contains("No legitimate-interest assessment is on file yet"), "the summary promises nothing");
    let saved = put("lia", lia_fields()).await;
    assert_eq!(saved["satisfied"], json!(["GDPR_LIA"]), "a legitimate interest that prevails satisfies the LIA, and only the LIA");
    let cited = summary_text().await;
    assert!(cited.contains("(revision 2, filed") && cited.contains("interest prevails with safeguards"), "regenerated: {cited}");
    let saved = put("lia", overridden).await;
    assert_eq!(saved["reopened"], json!(["GDPR_LIA"]), "a revision that says rights override reopens it");

    let art9 = json!({"categories": "Health data: patients' descriptions of their symptoms in records h1.",
        "condition": "explicit_consent",
        "evidence": "Each patient gave explicit consent to this use in the intake form, version 3, kept with the records.",
        "safeguards": "Pseudonymised identifiers, access restricted to two engineers, symptoms only, no diagnoses."});
    assert_eq!(put("art9_condition", art9).await["satisfied"], json!(["GDPR_ART9_CONDITION"]));
    let mut dpia = json!({"processing_description": "Fine-tuning a triage assistant on consented patient symptom reports.",
        "necessity_proportionality": "Symptom phrasing is only available from real reports; only the text needed is used.",
        "risks": "Memorisation of symptoms linked to a patient; discrimination in triage suggestions.",
        "measures": "Pseudonymisation, deduplication, memorisation tests before release, a clinician reviews every suggestion.",
        "residual_risk": "high"});
    let saved = put("dpia", dpia.clone()).await;
    assert!(saved["blocked_by"][0].as_str().unwrap().contains("Art. 36(1)"), "{saved}");
    dpia["residual_risk"] = json!("mitigated");
    assert_eq!(put("dpia", dpia).await["satisfied"], json!(["GDPR_ART35_DPIA"]));
    let job: Value = w.app.get(&format!("/api/v1/jobs/{id}"), Some(&w.buyer.token)).await.json().await.unwrap();
    assert_eq!(open(&job), ["GDPR_LIA"], "only the overridden LIA still blocks");
    let now = summary_text().await;
    assert!(now.contains("No legitimate-interest assessment is on file yet") && now.contains("explicit consent"), "{now}");
    let events: Value = w.app.get(&format!("/api/v1/jobs/{id}/events"), Some(&w.buyer.token)).await.json().await.unwrap();
    assert!(events.to_string().contains("rights override"), "the timeline keeps why a document satisfied nothing");
}

/// DSM Art. 3 and CDPA s.29A rest on an organisation kind an admin verified with evidence, never on
/// the sign-up form; and in the UK, non-commercial use outside research has no opt-out regime to
/// fall back on: it needs a licence.
#[tokio::test]
async fn the_research_exception_needs_an_admin_verified_kind_and_the_uk_has_no_opt_out_fallback() {
    let app = scanning_app().await;
    let web = outside_web().await;
    let provider = app.new_user().await;
    let (model, _) = app.provider_with_verified_model(&provider, 7_000_000_000, "25000000").await;
    let non_commercial = |dataset: &Value, jurisdictions: Value| {
        let mut body = job_body(&model, dataset["id"].as_str().unwrap(), jurisdictions);
        body["deployment"]["commercial"] = json!(false);
        body
    };

    // A small firm, non-commercial, in the UK: the page is open, but the UK has no opt-out regime.
    let sme = app.new_user().await;
    let open = ready_dataset(&app, &sme, vec![web_record("w1", &web.url("/open/1"))]).await;
    let res = post_job(&app, &sme, &non_commercial(&open, json!(["UK"])), None).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let p: Value = res.json().await.unwrap();
    assert!(p["type"].as_str().unwrap().ends_with("/dataset-blocked") && p["detail"].as_str().unwrap().contains("UK_TDM_LICENCE"), "{p}");

    // A research organisation on the sign-up form alone: the reserved page stays out.
    let lab = app.new_user_of_kind("research").await;
    let me: Value = app.get("/api/v1/me", Some(&lab.token)).await.json().await.unwrap();
    assert_eq!(me["organization"]["kind_verified"], false, "{me}");
    let records = vec![web_record("c1", &web.url("/closed/1")), own_record("o1")];
    let dataset = ready_dataset(&app, &lab, records).await;
    let res = post_job(&app, &lab, &non_commercial(&dataset, json!(["EU"])), None).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let job: Value = res.json().await.unwrap();
    assert_eq!((job["gate"]["accepted"].as_u64(), job["gate"]["context"]["research_exception"].as_bool()), (Some(1), Some(false)), "{job}");

    // Only an admin verifies, and only with evidence.
    let path = format!("/api/v1/admin/organizations/{}/kind-verification", lab.organization_id);
    let evidence = json!({"decision": "verify", "evidence": "Listed in the national register of research institutions, no. 4711"});
    assert_eq!(app.post_json(&path, &evidence, Some(&lab.token)).await.status(), StatusCode::FORBIDDEN);
    let admin = app.new_admin().await;
    let res = app.post_json(&path, &json!({"decision": "verify", "evidence": "  "}), Some(&admin.token)).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(res.json::<Value>().await.unwrap()["errors"][0]["field"], "evidence");
    let res = app.post_json(&path, &evidence, Some(&admin.token)).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.json::<Value>().await.unwrap()["kind_verified"], true);

    // Verified: DSM Art. 3 in the EU and s.29A in the UK let the research use the reserved page.
    for jurisdictions in [json!(["EU"]), json!(["UK"])] {
        let res = post_job(&app, &lab, &non_commercial(&dataset, jurisdictions.clone()), None).await;
        assert_eq!(res.status(), StatusCode::CREATED, "{jurisdictions}");
        let job: Value = res.json().await.unwrap();
        assert_eq!(job["gate"]["accepted"], 2, "{jurisdictions}: {job}");
        assert_eq!(job["gate"]["context"]["research_exception"], true);
    }
    // Commercial research is no research exception.
    let mut commercial = non_commercial(&dataset, json!(["EU"]));
    commercial["deployment"]["commercial"] = json!(true);
    let job: Value = post_job(&app, &lab, &commercial, None).await.json().await.unwrap();
    assert_eq!(job["gate"]["accepted"], 1, "{job}");

    // Withdrawn, the exception is gone again; both decisions are in the audit log.
    let res = app.post_json(&path, &json!({"decision": "withdraw", "evidence": "The register entry lapsed"}), Some(&admin.token)).await;
    assert_eq!(res.json::<Value>().await.unwrap()["kind_verified"], false);
    let job: Value = post_job(&app, &lab, &non_commercial(&dataset, json!(["EU"])), None).await.json().await.unwrap();
    assert_eq!(job["gate"]["accepted"], 1, "{job}");
    let logged: i64 = sqlx::query_scalar("select count(*) from audit_log where action like 'organization.kind_verif%'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(logged, 2);
}
