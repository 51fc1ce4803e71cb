use reqwest::StatusCode;
use serde_json::Value;

use crate::common::smtp::SmtpSink;
use crate::common::{link_in_mail, spawn_app, spawn_app_with};

#[tokio::test]
async fn registration_mails_a_working_verification_link_to_the_file_outbox() {
    let app = spawn_app().await;
    let user = app.new_user().await;
    // The mail waits in the outbox until the delivery task runs.
    let dir = app.data_dir.path().join("outbox");
    assert_eq!(std::fs::read_dir(&dir).map(|d| d.count()).unwrap_or(0), 0);
    assert_eq!(app.deliver_outbox().await, 1);
    let files: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    assert_eq!(files.len(), 1);
    assert_eq!(files[0].extension().unwrap(), "eml");
    let raw = std::fs::read_to_string(&files[0]).unwrap();
    assert!(raw.contains(&format!("To: {}", user.email)), "{raw}");
    assert!(raw.contains("Subject: Confirm your e-mail address for Attune"));
    let link = link_in_mail(&raw);
    assert!(link.starts_with(&format!("{}/verify-email?token=", app.address)), "{link}");

    let me: Value = app.get("/api/v1/me", Some(&user.token)).await.json().await.unwrap();
    assert_eq!(me["user"]["email_verified"], false);
    let page = app.api.get(&link).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.text().await.unwrap().contains("E-mail address confirmed"));
    let me: Value = app.get("/api/v1/me", Some(&user.token)).await.json().await.unwrap();
    assert_eq!(me["user"]["email_verified"], true);
    // A link works once.
    assert_eq!(app.api.get(&link).send().await.unwrap().status(), StatusCode::BAD_REQUEST);
    assert_eq!(app.deliver_outbox().await, 0, "delivered exactly once");
}

#[tokio::test]
async fn registration_mail_reaches_a_real_smtp_server() {
    let sink = SmtpSink::start().await;
    let url = sink.url();
    let app = spawn_app_with(move |s| s.smtp_url = Some(url.into())).await;
    let user = app.new_user().await;
    assert_eq!(app.deliver_outbox().await, 1);
    let messages = sink.messages();
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0].to, [format!("<{}>", user.email)]);
    assert!(messages[0].from.contains("no-reply@attune.localhost"));
    let link = link_in_mail(&messages[0].data);
    assert_eq!(app.api.get(&link).send().await.unwrap().status(), StatusCode::OK);
    let status: String = sqlx::query_scalar("select status from outbox").fetch_one(&app.pool).await.unwrap();
    assert_eq!(status, "delivered");
}

#[tokio::test]
async fn failed_deliveries_are_retried_with_backoff_then_given_up() {
    // Nothing listens on this port: every attempt fails.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let app = spawn_app_with(move |s| {
        s.smtp_url = Some(format!("smtp://127.0.0.1:{closed}").into());
        s.mail_max_attempts = 3;
    })
    .await;
    app.new_user().await;
    assert_eq!(app.deliver_outbox().await, 1);
    let (status, attempts, error, due_later): (String, i32, Option<String>, bool) =
        sqlx::query_as("select status, attempts, last_error, next_attempt_at > now() from outbox").fetch_one(&app.pool).await.unwrap();
    assert_eq!((status.as_str(), attempts, due_later), ("pending", 1, true));
    assert!(error.unwrap().contains("SMTP"));
    assert_eq!(app.deliver_outbox().await, 0, "not due again before the backoff");
    for expected_attempts in [2, 3] {
        sqlx::query("update outbox set next_attempt_at = now()").execute(&app.pool).await.unwrap();
        app.deliver_outbox().await;
        let attempts: i32 = sqlx::query_scalar("select attempts from outbox").fetch_one(&app.pool).await.unwrap();
        assert_eq!(attempts, expected_attempts);
    }
    let status: String = sqlx::query_scalar("select status from outbox").fetch_one(&app.pool).await.unwrap();
    assert_eq!(status, "dead");
}
