use reqwest::StatusCode;
use serde_json::Value;

use crate::common::spawn_app;

#[tokio::test]
async fn health_and_readiness() {
    let app = spawn_app().await;
    assert_eq!(app.get("/healthz", None).await.status(), StatusCode::OK);
    let ready = app.get("/readyz", None).await;
    assert_eq!(ready.status(), StatusCode::OK);
    assert_eq!(ready.json::<Value>().await.unwrap()["checks"]["database"], "ok");
}

#[tokio::test]
async fn readiness_fails_when_the_database_is_gone() {
    let app = spawn_app().await;
    app.pool.close().await;
    assert_eq!(app.get("/readyz", None).await.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(app.get("/healthz", None).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn metrics_count_requests_by_route_template_and_status() {
    let app = spawn_app().await;
    let user = app.new_user().await;
    app.get(&format!("/api/v1/orgs/{}", user.organization_id), Some(&user.token)).await;
    app.get("/api/v1/me", None).await;
    let text = app.get("/metrics", None).await.text().await.unwrap();
    assert!(text.contains(r#"attune_http_requests_total{endpoint="/api/v1/orgs/{id}",method="GET",status="200"} 1"#), "{text}");
    assert!(text.contains(r#"attune_http_requests_total{endpoint="/api/v1/me",method="GET",status="401"} 1"#), "{text}");
    assert!(text.contains("attune_http_requests_duration_seconds_bucket{endpoint=\"/api/v1/auth/login\""), "{text}");
}

#[tokio::test]
async fn every_response_carries_a_request_id() {
    let app = spawn_app().await;
    let res = app.get("/healthz", None).await;
    let id = res.headers().get("x-request-id").unwrap().to_str().unwrap();
    assert!(uuid::Uuid::parse_str(id).is_ok());
}

#[tokio::test]
async fn the_openapi_document_is_3_1_and_covers_accounts_and_service() {
    let app = spawn_app().await;
    let doc: Value = app.get("/api/v1/openapi.json", None).await.json().await.unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    let paths = doc["paths"].as_object().unwrap();
    for (path, method) in [
        ("/healthz", "get"),
        ("/readyz", "get"),
        ("/metrics", "get"),
        ("/api/v1/openapi.json", "get"),
        ("/api/v1/auth/register", "post"),
        ("/api/v1/auth/login", "post"),
        ("/api/v1/auth/logout", "post"),
        ("/api/v1/me", "get"),
        ("/api/v1/admin/users/{id}/roles", "post"),
        ("/api/v1/admin/users", "get"),
        ("/api/v1/orgs/{id}", "get"),
        ("/api/v1/wallets/challenge", "post"),
        ("/api/v1/wallets", "post"),
        ("/api/v1/wallets", "get"),
        ("/api/v1/models", "post"),
        ("/api/v1/models", "get"),
        ("/api/v1/models/{id}", "get"),
        ("/api/v1/models/{id}/manifest", "get"),
        ("/api/v1/models/{id}/signature", "post"),
        ("/api/v1/admin/models/{id}/decision", "post"),
        ("/api/v1/assessments", "post"),
        ("/api/v1/datasets", "post"),
        ("/api/v1/datasets", "get"),
        ("/api/v1/datasets/{id}", "get"),
        ("/api/v1/datasets/{id}/records", "get"),
        ("/api/v1/datasets/{id}/records/{record_id}/review", "post"),
        ("/api/v1/admin/dataset-reviews", "get"),
        ("/api/v1/optout/check", "post"),
        ("/api/v1/jobs", "post"),
        ("/api/v1/jobs", "get"),
        ("/api/v1/jobs/{id}", "get"),
        ("/api/v1/jobs/{id}/cancel", "post"),
        ("/api/v1/jobs/{id}/events", "get"),
        ("/api/v1/jobs/{id}/training-summary", "get"),
        ("/api/v1/jobs/{id}/documents/{template}", "put"),
        ("/api/v1/document-templates", "get"),
        ("/api/v1/chain", "get"),
        ("/api/v1/jobs/{id}/payment", "get"),
        ("/api/v1/admin/jobs/{id}/release", "post"),
        ("/api/v1/admin/chain", "get"),
        ("/api/v1/admin/sanctions/imports", "post"),
        ("/api/v1/admin/sanctions/imports", "get"),
        ("/api/v1/screening/addresses", "post"),
        ("/api/v1/screening/names", "post"),
        ("/api/v1/admin/cases", "get"),
        ("/api/v1/admin/cases/{id}", "get"),
        ("/api/v1/admin/cases/{id}/decision", "post"),
        ("/api/v1/kyc/sessions", "post"),
        ("/api/v1/kyc", "get"),
        ("/api/v1/onramp/orders", "post"),
        ("/api/v1/admin/workers", "post"),
        ("/api/v1/admin/workers", "get"),
        ("/api/v1/worker/lease", "post"),
        ("/api/v1/worker/runs/{run_id}/records", "get"),
        ("/api/v1/worker/runs/{run_id}/heartbeat", "post"),
        ("/api/v1/worker/runs/{run_id}/artifacts/{name}", "put"),
        ("/api/v1/worker/runs/{run_id}/complete", "post"),
        ("/api/v1/worker/runs/{run_id}/fail", "post"),
    ] {
        assert!(paths.get(path).and_then(|p| p.get(method)).is_some(), "{method} {path} missing from the OpenAPI document");
    }
    let register = &paths["/api/v1/auth/register"]["post"]["responses"];
    for status in ["201", "400", "409", "422"] {
        assert!(register.get(status).is_some(), "register lacks {status}");
    }
    assert!(doc["components"]["schemas"]["Problem"].is_object());
}

/// `GET /api/v1/chain` gives wallets the public RPC URL setting (the embedded anvil's by default),
/// never the operator's RPC URL, which may carry a key; and an operator transaction's recorded
/// error (which may name that URL or an internal address) reaches the buyer only as a generic text.
#[tokio::test]
async fn the_chain_endpoint_and_the_payment_view_never_show_the_operators_rpc_url_or_errors() {
    let m = crate::settlement::market(1).await;
    let embedded: Value = m.app.get("/api/v1/chain", None).await.json().await.unwrap();
    let anvil = m.app.chain().client.rpc_url.clone();
    assert_eq!(embedded["rpc_url"], anvil.as_str(), "embedded mode shows the embedded anvil's URL");

    // The same marketplace on a configured chain whose RPC URL carries a key.
    let (scheme, host) = anvil.split_once("://").unwrap();
    let keyed = format!("{scheme}://apikey:SECRETKEY@{host}");
    let info = m.app.chain().info();
    let configured = |public: Option<&str>| {
        let (keyed, info, public) = (keyed.clone(), info.clone(), public.map(str::to_string));
        move |s: &mut attune_app::Settings| {
            s.chain_enabled = true;
            s.chain_rpc_url = Some(keyed);
            s.chain_public_rpc_url = public;
            s.operator_key = Some(attune_integrations::chain::deployment::DEV_OPERATOR_KEY.to_string().into());
            s.token_address = Some(info.token.address.clone());
            s.escrow_address = Some(info.escrow_address.clone());
            s.registry_address = Some(info.registry_address.clone());
        }
    };
    let hidden = crate::common::spawn_app_on(m.app.database_url.clone(), configured(None)).await;
    let text = hidden.get("/api/v1/chain", None).await.text().await.unwrap();
    let body: Value = serde_json::from_str(&text).unwrap();
    assert!(body["rpc_url"].is_null() && !text.contains("SECRETKEY") && !text.contains(host), "{text}");
    let public = crate::common::spawn_app_on(m.app.database_url.clone(), configured(Some("https://rpc.example.org"))).await;
    let body: Value = public.get("/api/v1/chain", None).await.json().await.unwrap();
    assert_eq!(body["rpc_url"], "https://rpc.example.org");

    let detail = format!("error sending request for url ({keyed}): connection to 10.1.2.3:8545 refused");
    sqlx::query("insert into chain_tx (id, kind, subject, status, attempts, last_error) values ($1, 'refund', $2, 'failed', 5, $3)")
        .bind(uuid::Uuid::now_v7())
        .bind(format!("job:{}", m.job))
        .bind(&detail)
        .execute(&m.app.pool)
        .await
        .unwrap();
    let text = m.app.get(&format!("/api/v1/jobs/{}/payment", m.job), Some(&m.buyer.token)).await.text().await.unwrap();
    let view: Value = serde_json::from_str(&text).unwrap();
    let refund = view["txs"].as_array().unwrap().iter().find(|t| t["operator_action"] == "refund").expect("the refund is listed");
    assert!(refund["error"].as_str().unwrap().contains("did not go through"), "{refund}");
    assert!(!text.contains("SECRETKEY") && !text.contains("10.1.2.3"), "{text}");
    let kept: String = sqlx::query_scalar("select last_error from chain_tx where subject = $1")
        .bind(format!("job:{}", m.job))
        .fetch_one(&m.app.pool)
        .await
        .unwrap();
    assert_eq!(kept, detail, "the detail stays for the platform's staff");
}
