//! A buyer uploads a dataset file (with progress), sees the gate after the opt-out scan, creates a
//! job from the wizard's dataset step, and files the legitimate-interest assessment its personal
//! data requires, on the job page.

use std::time::{Duration, Instant};

use fantoccini::Locator;
use serde_json::json;

use crate::common::web::{Page, serve_site};
use crate::common::{self, PASSWORD};
use crate::driver::{click, fill, log_in, start_browser, submit, text_of, wait_for_path};

async fn wait_until_path_starts(c: &fantoccini::Client, prefix: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let path = c.current_url().await.unwrap().path().to_string();
        if path.starts_with(prefix) && path.len() > prefix.len() {
            return path;
        }
        assert!(Instant::now() < deadline, "never reached {prefix}…; the page says: {}", text_of(c, "main").await);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn a_buyer_uploads_a_dataset_and_creates_a_job() {
    let app = common::spawn_app_with(|s| s.allow_private_networks = true).await;
    let web = serve_site(vec![
        ("/robots.txt", Page::text("User-agent: GPTBot\nDisallow: /closed/\n")),
        ("/open/1", Page::html("<p>open</p>")),
        ("/closed/1", Page::html("<p>closed</p>")),
    ])
    .await;
    let provider = app.new_user().await;
    let model = crate::listed_model(&app, &provider).await;
    let buyer = app.new_user().await;

    let records = [
        json!({"id": "t1", "text": "How do I reset my password?", "licence": {"kind": "own"}, "pii_subject_ids": ["customer-1"]}),
        json!({"id": "t2", "text": "Where is my parcel?", "licence": {"kind": "own"}, "pii_subject_ids": []}),
        json!({"id": "w1", "text": "An open article", "source_url": web.url("/open/1"), "licence": {"kind": "web"}, "pii_subject_ids": []}),
        json!({"id": "w2", "text": "A reserved article", "source_url": web.url("/closed/1"), "licence": {"kind": "web"}, "pii_subject_ids": []}),
    ];
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("tickets.ndjson");
    std::fs::write(&file, records.iter().map(|r| r.to_string()).collect::<Vec<_>>().join("\n")).unwrap();

    let driver = start_browser().await;
    let c = &driver.client;
    log_in(c, &app.address, &buyer.email, PASSWORD).await;
    c.goto(&app.url("/datasets")).await.unwrap();
    fill(c, "name", "Support tickets").await;
    c.find(Locator::Id("file")).await.unwrap().send_keys(file.to_str().unwrap()).await.unwrap();
    click(c, "#upload-form button[type='submit']").await;
    let dataset_path = wait_until_path_starts(c, "/datasets/").await;
    let dataset_id = dataset_path.trim_start_matches("/datasets/").to_string();

    // The scan runs in the background; the test drives it, then the page shows the gate.
    assert_eq!(app.scan_datasets().await, 1);
    c.goto(&app.url(&dataset_path)).await.unwrap();
    assert_eq!(text_of(c, "#count-allowed").await.trim(), "3");
    assert_eq!(text_of(c, "#count-blocked").await.trim(), "1");
    let main = text_of(c, "main").await;
    assert!(main.contains("EU_TDM_OPTOUT") && main.contains("w2"), "the blocked record with its reason: {main}");

    // The wizard's dataset step, then the job.
    click(c, &format!("a[href='/assess?dataset_id={dataset_id}']")).await;
    wait_for_path(c, "/assess").await;
    let selected = c.find(Locator::Id("dataset_id")).await.unwrap().prop("value").await.unwrap();
    assert_eq!(selected.as_deref(), Some(dataset_id.as_str()));
    c.find(Locator::Css(&format!("#base_model_id option[value='{model}']"))).await.unwrap().click().await.unwrap();
    fill(c, "purpose", "Answer customer support tickets").await;
    submit(c, "#create-job").await;
    let job_path = wait_until_path_starts(c, "/jobs/").await;
    assert!(text_of(c, "#job-status").await.to_lowercase().contains("awaiting payment"));
    // The job names its dataset and its base model, and links to them.
    let listing: serde_json::Value = app.get(&format!("/api/v1/models/{model}"), Some(&buyer.token)).await.json().await.unwrap();
    let model_name = listing["name"].as_str().unwrap().to_string();
    assert!(text_of(c, "#job-dataset").await.contains("Support tickets"), "the dataset by name");
    assert!(text_of(c, "#job-model").await.contains(&format!("{model_name} 1.0")), "the model by name");
    assert!(c.find(Locator::Css(&format!("#job-dataset a[href='/datasets/{dataset_id}']"))).await.is_ok());
    assert!(c.find(Locator::Css(&format!("#job-model a[href='/models/{model}']"))).await.is_ok());
    // Times show in the reader's time zone (the script marks them), with UTC on hover.
    let first = c.wait().for_element(Locator::Css("#timeline time[data-local]")).await.unwrap();
    let utc = first.attr("title").await.unwrap().unwrap_or_default();
    assert!(utc.ends_with(" UTC") && utc.len() == "2026-12-03 14:52 UTC".len(), "{utc}");
    let timeline = text_of(c, "#timeline").await.to_lowercase();
    assert!(timeline.contains("assessed") && timeline.contains("awaiting payment"), "{timeline}");
    assert!(text_of(c, "#summary-sources").await.contains("crawled_web_content"));
    assert!(text_of(c, "#obligation-GDPR_LIA").await.to_lowercase().contains("open"));
    // The job page shows the legal classification and the two roles, as the wizard does.
    assert!(text_of(c, "#ai-act-class").await.contains("not a high-risk system"));
    let roles = text_of(c, "#roles").await;
    assert!(roles.contains("Provider of a high-risk system") && roles.contains("general-purpose AI model"), "{roles}");

    // The legitimate-interest assessment: a gap is named, then it is filed.
    fill(c, "lia-purpose", "Answer our own customers' support tickets faster and more consistently.").await;
    submit(c, "#doc-lia button[type='submit']").await;
    let error = text_of(c, "#lia-necessity-error").await;
    assert!(!error.is_empty());
    for (field, value) in [
        ("necessity", "Only real tickets carry the phrasing our customers use in their questions."),
        ("less_intrusive_alternatives", "Synthetic tickets were tried first and were not representative enough."),
        ("reasonable_expectations", "Customers expect their tickets to be used to improve the support they get."),
        ("impact", "Low: the model drafts answers that agents review; no decisions about customers."),
        ("safeguards", "Names and contact details are pseudonymised before training; customers may object."),
    ] {
        fill(c, &format!("lia-{field}"), value).await;
    }
    c.find(Locator::Css("#lia-pseudonymisation option[value='yes']")).await.unwrap().click().await.unwrap();
    c.find(Locator::Css("#lia-opt_out_offered option[value='yes']")).await.unwrap().click().await.unwrap();
    c.find(Locator::Css("#lia-outcome option[value='interest_prevails_with_safeguards']")).await.unwrap().click().await.unwrap();
    submit(c, "#doc-lia button[type='submit']").await;
    wait_for_path(c, &job_path).await;
    assert!(text_of(c, "#obligation-GDPR_LIA").await.to_lowercase().contains("satisfied"));
    if let Ok(png) = c.screenshot().await {
        std::fs::create_dir_all("target").ok();
        std::fs::write("target/browser-job.png", png).ok();
    }
    driver.client.clone().close().await.unwrap();
}
