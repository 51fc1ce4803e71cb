//! A buyer watches their job train in the browser: the job page shows each shard's progress bar,
//! slices, attempts and loss while the in-process worker trains the demo model, draws the loss
//! curve, refreshes itself, and once the job is complete lists the adapters to download with their
//! sha256 and the certificate.

use std::time::{Duration, Instant};

use fantoccini::{Client, Locator};

use crate::common::training::{buy, demo_app};
use crate::driver::{log_in, start_browser, text_of};

async fn wait_for(c: &Client, css: &str, what: &str, limit: Duration) {
    let deadline = Instant::now() + limit;
    while c.find(Locator::Css(css)).await.is_err() {
        assert!(Instant::now() < deadline, "{what}: no {css}; the page says: {}", text_of(c, "main").await);
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

#[tokio::test]
async fn a_buyer_watches_the_shards_train_and_downloads_the_adapters() {
    let app = demo_app(true).await;
    let m = buy(app, 8, 10_000_000).await;
    m.until("training to start", Duration::from_secs(120), |j| j["status"] == "training").await;

    let driver = start_browser().await;
    let c = &driver.client;
    log_in(c, &m.app.address, &m.buyer.email, &m.buyer.password).await;
    c.goto(&m.app.url(&format!("/jobs/{}", m.job))).await.unwrap();
    assert!(text_of(c, "#job-status").await.to_lowercase().contains("training"));
    let bar = c.find(Locator::Css("#shard-0 progress")).await.expect("a progress bar for shard 0");
    assert_eq!(bar.attr("max").await.unwrap().as_deref(), Some("100"));
    assert!(bar.attr("aria-label").await.unwrap().unwrap().contains("Shard 0"));
    assert!(text_of(c, "#training").await.contains("refreshes every 5 seconds"));
    assert!(c.find(Locator::Css("#auto-refresh:checked")).await.is_ok(), "the refresh can be turned off, and is on");

    // The page refreshes itself: the loss curve appears once steps are reported.
    wait_for(c, "#loss-chart polyline", "the loss curve", Duration::from_secs(120)).await;
    assert!(text_of(c, "#shard-0").await.contains("of 2"), "slices shown");

    // Training ends; aggregation completes the job; the page lists what the buyer takes away.
    m.until("training to finish", Duration::from_secs(300), |j| j["status"] == "aggregating").await;
    m.app.aggregation.try_aggregate_next().await.unwrap();
    c.refresh().await.unwrap();
    wait_for(c, "#artifacts a[download]", "the adapters to download", Duration::from_secs(10)).await;
    let job = m.job().await;
    let artifacts = text_of(c, "#artifacts").await;
    for a in job["artifacts"].as_array().unwrap() {
        assert!(artifacts.contains(a["sha256"].as_str().unwrap()), "{artifacts}");
    }
    let certificate = text_of(c, "#certificate").await;
    assert!(certificate.contains(job["certificate"]["sha256"].as_str().unwrap()), "{certificate}");
    assert!(!text_of(c, "#training").await.contains("refreshes every"), "a completed job stops refreshing");
    // The download link works in the buyer's session.
    let href = c.find(Locator::Css("#artifacts a[download]")).await.unwrap().attr("href").await.unwrap().unwrap();
    assert!(href.starts_with(&format!("/api/v1/jobs/{}/artifacts/0/", m.job)), "{href}");
}
