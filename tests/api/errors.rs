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

#[tokio::test]
async fn a_known_path_asked_with_another_method_is_405_with_allow() {
    let app = spawn_app().await;
    let user = app.new_user().await;
    for (method, path, allow) in [
        (reqwest::Method::DELETE, "/api/v1/auth/login".to_owned(), "POST"),
        (reqwest::Method::TRACE, "/api/v1/me".to_owned(), "GET"),
        (reqwest::Method::PATCH, "/api/v1/me".to_owned(), "GET"),
        (reqwest::Method::PUT, format!("/api/v1/datasets/{}", uuid::Uuid::new_v4()), "GET"),
    ] {
        let res = app.api.request(method.clone(), app.url(&path)).bearer_auth(&user.token).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::METHOD_NOT_ALLOWED, "{method} {path}");
        assert_problem(&res);
        let allowed = res.headers().get("allow").map(|v| v.to_str().unwrap().to_owned());
        assert!(allowed.as_deref().is_some_and(|a| a.split(", ").any(|m| m == allow)), "{method} {path}: Allow {allowed:?}");
    }
    // A known path with an unknown id is still a 404, and an unknown path too.
    let res = app.get(&format!("/api/v1/datasets/{}", uuid::Uuid::new_v4()), Some(&user.token)).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let res = app.api.request(reqwest::Method::PUT, app.url("/api/v1/nothing-here")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    // The service endpoints answer GET only, and say so.
    for path in ["/healthz", "/readyz", "/metrics", "/registry.csv"] {
        let res = app.api.request(reqwest::Method::TRACE, app.url(path)).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::METHOD_NOT_ALLOWED, "{path}");
        assert_eq!(res.headers().get("allow").and_then(|v| v.to_str().ok()), Some("GET"), "{path}");
    }
    let metrics = app.get("/metrics", None).await;
    assert_eq!(metrics.status(), StatusCode::OK, "the metrics middleware still answers GET");
}
