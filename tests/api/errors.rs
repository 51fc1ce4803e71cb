//! Every error under /api is problem+json — including the ones actix would answer in plain text.

use reqwest::StatusCode;
use serde_json::Value;

use crate::common::{assert_problem, spawn_app, spawn_app_with};

#[tokio::test]
async fn malformed_json_is_400() {
    let app = spawn_app().await;
    let res =
        app.api.post(app.url("/api/v1/auth/login")).header("content-type", "application/json").body("{\"email\": ").send().await.unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert_problem(&res);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["type"], "/problems/malformed-request");
    assert_eq!(body["status"], 400);
}

#[tokio::test]
async fn a_wrong_content_type_is_415() {
    let app = spawn_app().await;
    let res = app.api.post(app.url("/api/v1/auth/login")).header("content-type", "text/plain").body("email=a").send().await.unwrap();
    assert_eq!(res.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_problem(&res);
}

#[tokio::test]
async fn an_oversized_body_is_413() {
    let app = spawn_app_with(|s| s.max_body_bytes = 1024).await;
    let big = format!("{{\"email\": \"{}\", \"password\": \"x\"}}", "a".repeat(4096));
    let res = app.api.post(app.url("/api/v1/auth/login")).header("content-type", "application/json").body(big).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_problem(&res);
}

#[tokio::test]
async fn unknown_routes_and_methods_are_problems() {
    let app = spawn_app().await;
    for path in ["/api/v1/nothing-here", "/api/elsewhere", "/api"] {
        let res = app.get(path, None).await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "{path}");
        assert_problem(&res);
    }
    let res = app.api.delete(app.url("/api/v1/auth/login")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_problem(&res);
    // Outside /api, a 404 is a page.
    let page = app.get("/no-such-page", None).await;
    assert_eq!(page.status(), StatusCode::NOT_FOUND);
    assert!(page.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
}
