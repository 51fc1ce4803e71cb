//! U+0000 never reaches the database (no text column can hold it): a JSON body, a dataset record
//! (JSON or NDJSON), a path, a query string and a form are each refused with 422 naming the field,
//! and nothing is stored.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::TestApp;
use crate::common::{PASSWORD, assert_problem, spawn_app};
use crate::datasets::{ndjson, own_record, scanning_app, upload};

async fn field_of(res: reqwest::Response) -> String {
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_problem(&res);
    let body: Value = res.json().await.unwrap();
    body["errors"][0]["field"].as_str().unwrap_or_default().to_owned()
}

#[tokio::test]
async fn a_nul_in_a_json_body_is_named_not_a_500() {
    let app = spawn_app().await;
    // The login e-mail that once answered 500.
    let res = app.post_json("/api/v1/auth/login", &json!({"email": "a\u{0}b@x.org", "password": "x"}), None).await;
    assert_eq!(field_of(res).await, "email");
    let res = app
        .post_json(
            "/api/v1/auth/register",
            &json!({"email": "nul@example.org", "password": PASSWORD, "name": "N", "organization": {"name": "Org\u{0}", "country": "DE", "kind": "sme"}}),
            None,
        )
        .await;
    assert_eq!(field_of(res).await, "organization.name");
    // Nothing was registered.
    let res = app.post_json("/api/v1/auth/login", &json!({"email": "nul@example.org", "password": PASSWORD}), None).await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_nul_in_a_dataset_record_names_the_record_and_nothing_is_stored() {
    let app = scanning_app().await;
    let user = app.new_user().await;
    let bad = json!({"id": "b", "text": "a record with \u{0} inside", "licence": {"kind": "own"}, "pii_subject_ids": []});
    let res = upload(&app, &user, "nul", vec![own_record("a"), bad.clone()]).await;
    assert_eq!(field_of(res).await, "records[1].text");
    let lines = [own_record("a").to_string(), bad.to_string()].join("\n");
    let res = ndjson(&app, &user, "lines", lines).await;
    assert_eq!(field_of(res).await, "line 2.text");
    let list: Value = app.get("/api/v1/datasets", Some(&user.token)).await.json().await.unwrap();
    assert_eq!(list["items"].as_array().unwrap().len(), 0, "no refused upload left anything behind");
}

#[tokio::test]
async fn a_nul_in_a_path_or_a_query_is_named() {
    let app = spawn_app().await;
    let user = app.new_user().await;
    let res = app.get("/api/v1/datasets?name=a%00b", Some(&user.token)).await;
    assert_eq!(field_of(res).await, "query.name");
    let res = app.get("/api/v1/templates/lia%00", Some(&user.token)).await;
    assert_eq!(field_of(res).await, "path");
    // Without a token too: the refusal comes before anything else looks at the request.
    let res = app.get("/api/v1/models?cursor=%00", None).await;
    assert_eq!(field_of(res).await, "query.cursor");
}

async fn post_login_form(app: &TestApp, body: &'static str) -> reqwest::Response {
    let request = app.api.post(app.url("/login")).header("content-type", "application/x-www-form-urlencoded");
    request.body(body).send().await.unwrap()
}

#[tokio::test]
async fn a_nul_in_a_form_is_a_page_naming_the_field() {
    let app = spawn_app().await;
    let res = post_login_form(&app, "email=a%00b%40x.org&password=x").await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    let page = res.text().await.unwrap();
    assert!(page.contains("form.email"), "{page}");
    // A form without one still reaches its handler (here: the CSRF check refuses it, as before).
    let res = post_login_form(&app, "email=a%40x.org&password=x").await;
    assert_ne!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_ne!(res.status(), StatusCode::INTERNAL_SERVER_ERROR);
}

#[tokio::test]
async fn a_nul_in_a_header_is_refused_by_the_http_parser_before_anything_is_stored() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = spawn_app().await;
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", app.port)).await.unwrap();
    let request = b"POST /api/v1/auth/login HTTP/1.1\r\nHost: localhost\r\nIdempotency-Key: a\0b\r\nContent-Length: 0\r\n\r\n";
    stream.write_all(request).await.unwrap();
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(std::time::Duration::from_secs(5), stream.read_to_end(&mut answer)).await;
    let head = String::from_utf8_lossy(&answer);
    assert!(head.starts_with("HTTP/1.1 400"), "{head}");
}
