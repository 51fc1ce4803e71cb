//! The organisation's erasure pages in a real browser: name a data subject, see what an erasure
//! touches before confirming, confirm, and land on the request with its deadline and certificate.

use serde_json::json;

use crate::common::{self, PASSWORD};
use crate::driver::{click, fill, log_in, start_browser, submit, text_of, wait_for_text};

#[tokio::test]
async fn an_organisation_previews_and_confirms_an_erasure_on_its_page() {
    let app = common::spawn_app().await;
    let buyer = app.new_user().await;
    let records = [
        json!({"id": "p1", "text": "Patient 9 asked about the side effects of the new dosage.", "licence": {"kind": "own"}, "pii_subject_ids": ["patient-9"]}),
        json!({"id": "p2", "text": "Patient 9 rescheduled the follow-up appointment.", "licence": {"kind": "own"}, "pii_subject_ids": ["patient-9"]}),
        json!({"id": "p3", "text": "Patient 4 asked for a copy of the invoice.", "licence": {"kind": "own"}, "pii_subject_ids": ["patient-4"]}),
    ];
    let res = app.post_json("/api/v1/datasets", &json!({"name": "Front desk notes", "records": records}), Some(&buyer.token)).await;
    assert_eq!(res.status(), reqwest::StatusCode::CREATED);

    let driver = start_browser().await;
    let c = &driver.client;
    log_in(c, &app.address, &buyer.email, PASSWORD).await;
    c.goto(&app.url("/erasure")).await.unwrap();
    fill(c, "subject_id", "patient-9").await;
    submit(c, "#erasure-preview-form button[type='submit']").await;
    wait_for_text(c, "#preview-records", "2").await;
    assert_eq!(text_of(c, "#preview-shards").await.trim(), "0", "no model was trained on them yet");
    fill(c, "reason", "Art. 17(1)(b): consent withdrawn").await;
    submit(c, "#confirm-erasure").await;
    wait_for_text(c, "#erasure-status", "completed").await;
    assert_eq!(text_of(c, "#erasure-records").await.trim(), "2");
    assert!(text_of(c, "#erasure-deadline").await.contains("Art. 12(3)"));
    let certificate = text_of(c, "#erasure-certificate").await;
    assert!(certificate.contains("sha256") && certificate.contains("0.0 %"), "{certificate}");
    crate::axe::assert_accessible(c, "the erasure request page").await;
    click(c, "main a[href='/erasure']").await;
    wait_for_text(c, "#erasure-requests", "completed").await;
    if let Ok(png) = c.screenshot().await {
        std::fs::create_dir_all("target").ok();
        std::fs::write("target/browser-erasure.png", png).ok();
    }
    driver.client.clone().close().await.unwrap();
}
