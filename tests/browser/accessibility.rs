//! Every page, as each kind of user sees it, passes axe-core with no serious or critical violation,
//! and fits a 375 px phone screen without scrolling sideways.

use crate::axe::{overflow, violations};
use crate::common::training;
use crate::common::{self, PASSWORD};
use crate::driver::{log_in, log_out, start_browser};

/// Visits `paths`, collecting what fails: axe violations at desktop width, and sideways scrolling
/// at 375 px.
async fn check(c: &fantoccini::Client, base: &str, who: &str, paths: &[String], failures: &mut Vec<String>) {
    for path in paths {
        c.set_window_size(1280, 1000).await.unwrap();
        c.goto(&format!("{base}{path}")).await.unwrap();
        for v in violations(c).await {
            failures.push(format!("{who} {path}: {v}"));
        }
        c.set_window_size(375, 812).await.unwrap();
        let (sideways, culprit) = overflow(c).await;
        if sideways > 0 {
            failures.push(format!("{who} {path}: scrolls {sideways} px sideways at 375 px ({culprit})"));
        }
    }
    c.set_window_size(1280, 1000).await.unwrap();
}

#[tokio::test]
async fn every_page_has_no_serious_accessibility_violation_and_fits_a_phone() {
    let bought = training::buy(training::demo_app(false).await, 1, 2_000).await;
    let app: &common::TestApp = &bought.app;
    let job = bought.job().await;
    let (job_id, dataset, model) = (&bought.job, job["dataset_id"].as_str().unwrap(), job["base_model_id"].as_str().unwrap());
    let admin = app.new_admin().await;
    let driver = start_browser().await;
    let c = &driver.client;
    let mut failures = Vec::new();

    let visitor: Vec<String> = ["/", "/login", "/register", "/registry"].map(String::from).to_vec();
    check(c, &app.address, "visitor", &visitor, &mut failures).await;

    log_in(c, &app.address, &bought.buyer.email, PASSWORD).await;
    let buyer: Vec<String> = vec![
        "/".into(),
        "/account".into(),
        "/wallets".into(),
        "/models".into(),
        format!("/models/{model}"),
        "/datasets".into(),
        format!("/datasets/{dataset}"),
        "/assess".into(),
        "/jobs".into(),
        format!("/jobs/{job_id}"),
        format!("/jobs/{job_id}/payment"),
        "/erasure".into(),
        "/pools".into(),
        "/safe-harbour".into(),
        "/provider".into(),
        "/provider/models/new".into(),
    ];
    check(c, &app.address, "buyer", &buyer, &mut failures).await;
    log_out(c).await;

    log_in(c, &app.address, &admin.email, PASSWORD).await;
    let admin_pages: Vec<String> = [
        "/",
        "/admin/chain",
        "/admin/models",
        "/admin/users",
        "/admin/organizations",
        "/admin/workers",
        "/admin/reviews",
        "/admin/erasure",
        "/admin/obligations",
        "/admin/cases",
        "/review/datasets",
        "/audit-tasks",
    ]
    .map(String::from)
    .to_vec();
    check(c, &app.address, "admin", &admin_pages, &mut failures).await;

    assert!(failures.is_empty(), "{} accessibility failure(s):\n{}", failures.len(), failures.join("\n"));
    driver.client.clone().close().await.unwrap();
}
