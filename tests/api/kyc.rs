//! KYC through the API: the sandbox provider's page delivers a signed webhook over HTTP; a
//! Sumsub-shaped adapter with `X-Payload-Digest`; bad, stale, tampered and replayed webhooks are
//! refused with 401 and change nothing; key rotation; a revised decision; approved names screened.

use attune_domain::webhook_signature::{DigestAlg, sign_payload_digest};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::{TestApp, TestUser, spawn_app_with};

async fn app() -> TestApp {
    spawn_app_with(|s| s.sumsub_webhook_secrets = Some("new-key, old-key".to_string().into())).await
}

async fn start(app: &TestApp, user: &TestUser, level: &str) -> Value {
    let res = app.post_json("/api/v1/kyc/sessions", &json!({"level": level}), Some(&user.token)).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    res.json().await.unwrap()
}

async fn kyc(app: &TestApp, user: &TestUser) -> Value {
    app.get("/api/v1/kyc", Some(&user.token)).await.json().await.unwrap()
}

fn sumsub_event(session: &str, answer: &str, reject: &str, correlation: &str, at: chrono::DateTime<chrono::Utc>) -> String {
    json!({"applicantId": "5cb56e8e0a975a35f333cb83", "inspectionId": "5cb56e8e0a975a35f333cb84", "correlationId": correlation,
           "externalUserId": session, "type": "applicantReviewed", "reviewStatus": "completed",
           "reviewResult": {"reviewAnswer": answer, "reviewRejectType": reject},
           "createdAtMs": at.format("%Y-%m-%d %H:%M:%S%.3f").to_string()})
    .to_string()
}

async fn post_sumsub(app: &TestApp, body: &str, key: &[u8]) -> reqwest::Response {
    app.api
        .post(app.url("/webhooks/kyc/sumsub"))
        .header("x-payload-digest", sign_payload_digest(key, DigestAlg::Sha256, body.as_bytes()))
        .header("x-payload-digest-alg", "HMAC_SHA256_HEX")
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn the_sandbox_delivers_a_signed_webhook_that_raises_the_level() {
    let app = app().await;
    let user = app.new_user().await;
    assert_eq!(kyc(&app, &user).await["level"], "none");
    let session = start(&app, &user, "basic").await;
    assert_eq!(session["status"], "pending");
    let redirect = session["redirect_url"].as_str().unwrap();
    assert!(redirect.ends_with(&format!("/sandbox/kyc/{}", session["id"].as_str().unwrap())));
    let page = app.api.get(redirect).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("TEST MODE"));

    let res = app
        .post_json(
            &format!("/sandbox/kyc/{}/complete", session["id"].as_str().unwrap()),
            &json!({"outcome": "approve", "full_name": "Ada Lovelace", "date_of_birth": "1815-12-10", "country": "GB"}),
            None,
        )
        .await;
    assert_eq!(res.json::<Value>().await.unwrap()["webhook_status"], 200, "delivered over HTTP and accepted");
    let state = kyc(&app, &user).await;
    assert_eq!((state["level"].as_str(), state["status"].as_str()), (Some("basic"), Some("approved")));
    let me: Value = app.get("/api/v1/me", Some(&user.token)).await.json().await.unwrap();
    assert_eq!(me["organization"]["kyc"]["level"], "basic");
}

#[tokio::test]
async fn bad_stale_tampered_and_replayed_webhooks_are_refused_and_change_nothing() {
    let app = app().await;
    let user = app.new_user().await;
    let session = start(&app, &user, "enhanced").await;
    let id = session["id"].as_str().unwrap();
    let now = chrono::Utc::now();

    // The sandbox's endpoint with no or a forged signature.
    let body = json!({"event_id": "e1", "session_id": id, "outcome": "approved"}).to_string();
    let res = app.api.post(app.url("/webhooks/kyc/sandbox")).body(body.clone()).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let forged = attune_domain::webhook_signature::sign_timestamped(b"not the key", now.timestamp(), body.as_bytes());
    let res = app.api.post(app.url("/webhooks/kyc/sandbox")).header("attune-sandbox-signature", forged).body(body).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);

    // Sumsub-shaped: wrong key, tampered body, stale event.
    let good = sumsub_event(id, "GREEN", "", "corr-1", now);
    assert_eq!(post_sumsub(&app, &good, b"wrong").await.status(), StatusCode::UNAUTHORIZED);
    let digest = sign_payload_digest(b"new-key", DigestAlg::Sha256, good.as_bytes());
    let tampered = good.replace("GREEN", "GREEN ");
    let res = app.api.post(app.url("/webhooks/kyc/sumsub")).header("x-payload-digest", digest).body(tampered).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let stale = sumsub_event(id, "GREEN", "", "corr-0", now - chrono::Duration::hours(2));
    assert_eq!(post_sumsub(&app, &stale, b"new-key").await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(kyc(&app, &user).await["level"], "none", "nothing changed");

    // Signed with the key being rotated out: still accepted once; the same event again is a replay.
    assert_eq!(post_sumsub(&app, &good, b"old-key").await.status(), StatusCode::OK);
    assert_eq!(kyc(&app, &user).await["level"], "enhanced");
    assert_eq!(post_sumsub(&app, &good, b"new-key").await.status(), StatusCode::UNAUTHORIZED, "replayed");

    // A later, final rejection revises the decision.
    let revised = sumsub_event(id, "RED", "FINAL", "corr-2", chrono::Utc::now());
    assert_eq!(post_sumsub(&app, &revised, b"new-key").await.status(), StatusCode::OK);
    let state = kyc(&app, &user).await;
    assert_eq!((state["level"].as_str(), state["status"].as_str()), (Some("none"), Some("rejected")));
    let retry = sumsub_event(id, "RED", "RETRY", "corr-3", chrono::Utc::now());
    assert_eq!(post_sumsub(&app, &retry, b"new-key").await.status(), StatusCode::OK);
    assert_eq!(kyc(&app, &user).await["status"], "retry", "a retryable rejection lets the applicant try again");
    assert_eq!(app.post_json("/webhooks/kyc/nobody", &json!({}), None).await.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn an_approved_name_that_resembles_a_listed_one_opens_a_case() {
    let app = app().await;
    let admin = app.new_admin().await;
    let form = reqwest::multipart::Form::new().part(
        "sdn.csv",
        reqwest::multipart::Part::bytes(
            b"40001,\"MUHAMMAD YUSUF\",\"individual\",\"SDGT\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,\"DOB 1975.\"\n".to_vec(),
        ),
    );
    let res = app
        .api
        .post(app.url("/api/v1/admin/sanctions/imports?source=ofac_sdn_csv"))
        .bearer_auth(&admin.token)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let user = app.new_user().await;
    let session = start(&app, &user, "basic").await;
    app.post_json(
        &format!("/sandbox/kyc/{}/complete", session["id"].as_str().unwrap()),
        &json!({"outcome": "approve", "full_name": "Mohammed Yousef", "date_of_birth": "1975-03-02", "country": "AE"}),
        None,
    )
    .await;
    let cases: Value = app.get("/api/v1/admin/cases?kind=name", Some(&admin.token)).await.json().await.unwrap();
    let case = &cases["items"][0];
    assert_eq!(case["evidence"]["matches"][0]["entity_id"], "40001", "{cases}");
    assert_eq!(case["evidence"]["policy"]["version"], "screening-v3", "the case names the screening policy: {cases}");
    assert!(case["score"].as_f64().unwrap() > 0.5);
}
