//! The public registry of fine-tuned deployments: every job that delivered a model, with its tier,
//! sectors, jurisdictions, provider role, base model and certificate hash and anchor — as paged JSON
//! and as CSV, without a token, and without anything personal or confidential.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::Value;

use crate::common::training::{Bought, buy, demo_app};

async fn completed(m: &Bought) {
    m.until("training to finish", Duration::from_secs(300), |j| j["status"] == "aggregating").await;
    m.app.aggregation.try_aggregate_next().await.unwrap();
    assert_eq!(m.job().await["status"], "completed");
}

#[tokio::test]
async fn the_registry_lists_every_delivered_fine_tune_page_by_page_and_as_csv_without_confidential_fields() {
    let app = demo_app(true).await;
    let empty: Value = app.get("/api/v1/registry", None).await.json().await.unwrap();
    assert_eq!(empty["items"], serde_json::json!([]));
    assert!(empty["next_cursor"].is_null());

    let first = buy(app, 1, 4096).await;
    completed(&first).await;
    let Bought { app, buyer: first_buyer, job: first_job, .. } = first;
    let second = buy(app, 1, 4096).await;
    completed(&second).await;
    second.app.send_operator_txs().await;

    // Two entries, one per page, newest first; the cursor leads to the older one and no further.
    let page: Value = second.app.get("/api/v1/registry?limit=1", None).await.json().await.unwrap();
    let items = page["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{page}");
    assert_eq!(items[0]["id"], second.job.as_str());
    let cursor = page["next_cursor"].as_str().expect("a second page").to_owned();
    let next: Value = second.app.get(&format!("/api/v1/registry?limit=1&cursor={cursor}"), None).await.json().await.unwrap();
    assert_eq!(next["items"][0]["id"], first_job.as_str());
    assert!(next["next_cursor"].is_null(), "{next}");
    let res = second.app.get("/api/v1/registry?cursor=not-ours", None).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);

    let entry = &items[0];
    let job = second.job().await;
    assert_eq!(entry["risk_tier"], "low");
    assert_eq!(entry["sectors"], serde_json::json!(["customer_service"]));
    assert_eq!(entry["jurisdictions"], serde_json::json!(["EU"]));
    assert_eq!(entry["certificate"]["sha256"], job["certificate"]["sha256"]);
    assert!(entry["certificate"]["anchor_tx_hash"].is_string(), "anchored: {entry}");
    assert_eq!(entry["base_model"]["name"], "attune-demo-llama-3m");
    // Nothing the buyer keeps to itself: no organisation, purpose, dataset, amount or contact.
    let text = serde_json::to_string(&page).unwrap();
    for secret in ["answer customer support questions", "support answers", &second.buyer.email, &first_buyer.email] {
        assert!(!text.contains(secret), "the registry leaks {secret:?}: {text}");
    }
    for key in ["organization", "purpose", "dataset_id", "amount", "quote"] {
        assert!(entry.get(key).is_none(), "{key} in {entry}");
    }

    let res = second.app.get("/registry.csv", None).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    let csv = res.text().await.unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 3, "a header and two deployments: {csv}");
    assert!(lines[0].starts_with("id,registered_at,system_name,risk_tier"));
    assert!(lines[1].contains(&second.job) && lines[1].contains(job["certificate"]["sha256"].as_str().unwrap()));
    let html = second.app.get("/registry", None).await.text().await.unwrap();
    assert!(html.contains("Registry of fine-tuned deployments") && html.contains("attune-demo-llama-3m"));
}
