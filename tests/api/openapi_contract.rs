//! What the OpenAPI document promises about requests, held against the server: page sizes and
//! cursors, filter vocabularies, URL and upload shapes are refused exactly where the document says,
//! and the document carries its shared problems, distinct schema names and links.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::{assert_problem, spawn_app};

async fn field_of(res: reqwest::Response) -> String {
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_problem(&res);
    let body: Value = res.json().await.unwrap();
    body["errors"][0]["field"].as_str().unwrap_or_default().to_string()
}

#[tokio::test]
async fn list_parameters_outside_the_document_are_422_naming_them() {
    let app = spawn_app().await;
    let user = app.new_user().await;
    let admin = app.new_admin().await;
    for limit in ["0", "201", "-5"] {
        assert_eq!(field_of(app.get(&format!("/api/v1/datasets?limit={limit}"), Some(&user.token)).await).await, "limit", "{limit}");
    }
    assert_eq!(app.get("/api/v1/datasets?limit=200", Some(&user.token)).await.status(), StatusCode::OK);
    // A cursor is read only as the server writes it (lower-case hex, no sign).
    let upper = format!("1_{}", uuid::Uuid::new_v4().simple().to_string().to_uppercase());
    assert_eq!(field_of(app.get(&format!("/api/v1/jobs?cursor={upper}"), Some(&user.token)).await).await, "cursor");
    assert_eq!(field_of(app.get("/api/v1/admin/cases?status=closed", Some(&admin.token)).await).await, "status");
    assert_eq!(field_of(app.get("/api/v1/admin/cases?kind=other", Some(&admin.token)).await).await, "kind");
    assert_eq!(app.get("/api/v1/admin/cases?status=approved&kind=wallet", Some(&admin.token)).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_url_with_spaces_and_a_csv_list_sent_as_json_are_refused_with_the_field() {
    let app = spawn_app().await;
    let user = app.new_user().await;
    let admin = app.new_admin().await;
    let res = app.post_json("/api/v1/optout/check", &json!({"url": "http://example.org/a b"}), Some(&user.token)).await;
    assert_eq!(field_of(res).await, "url");
    let res = app.post_json("/api/v1/admin/sanctions/imports?source=ofac_sdn_csv", &json!({}), Some(&admin.token)).await;
    assert_eq!(field_of(res).await, "source");
}

#[tokio::test]
async fn the_document_shares_its_problems_names_each_schema_once_and_links_creates_to_reads() {
    let app = spawn_app().await;
    let doc: Value = app.get("/api/v1/openapi.json", None).await.json().await.unwrap();
    let datasets = &doc["paths"]["/api/v1/datasets"];
    assert_eq!(datasets["get"]["responses"]["401"]["$ref"], "#/components/responses/Unauthenticated");
    assert_eq!(doc["paths"]["/api/v1/pools"]["post"]["responses"]["415"]["$ref"], "#/components/responses/UnsupportedMediaType");
    let links = &datasets["post"]["responses"]["201"]["links"];
    assert_eq!(links["DatasetsGet"]["parameters"]["id"], "$response.body#/id", "{links}");
    let schemas = &doc["components"]["schemas"];
    assert!(schemas["CaseDecisionBody"]["properties"]["decision"]["enum"].as_array().is_some_and(|e| e.len() == 4));
    assert!(schemas["DecisionBody"]["properties"]["findings"].is_object(), "the audit decision keeps its own name");
    let sectors = schemas["AssessmentBody"]["properties"]["deployment"]["properties"]["sectors"]["items"]["enum"].as_array().unwrap();
    assert!(sectors.iter().any(|s| s == "customer_service"), "vocabularies come from the policy in force");
    let limit = doc["paths"]["/api/v1/jobs"]["get"]["parameters"].as_array().unwrap().iter().find(|p| p["name"] == "limit").unwrap();
    assert_eq!((limit["schema"]["minimum"].as_i64(), limit["schema"]["maximum"].as_i64()), (Some(1), Some(200)));
}
