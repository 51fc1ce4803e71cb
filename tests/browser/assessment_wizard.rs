//! The wizard shows the legal classification, the two provider roles and Attune's own measures as
//! separate things. A Colorado tenant-screening deployment is `high` under SB 24-205 with the
//! Colorado obligations (and no AI Act article: nothing is deployed in the EU); a large public
//! customer-service assistant in the EU carries the Art. 50 duties but none of Arts. 9-15, and the
//! platform's monitoring is said to be the platform's.

use crate::common::{self, PASSWORD};
use crate::driver::{click, fill, log_in, start_browser, submit, text_of, wait_for_path, wait_for_text};

const HIGH_RISK_ARTICLES: [&str; 7] = [
    "AIA_ART9_RISK_MGMT",
    "AIA_ART10_DATA_GOV",
    "AIA_ART11_TECH_DOC",
    "AIA_ART12_LOGGING",
    "AIA_ART13_TRANSPARENCY",
    "AIA_ART14_OVERSIGHT",
    "AIA_ART15_ROBUSTNESS",
];

#[tokio::test]
async fn the_wizard_separates_the_law_the_roles_and_the_platforms_measures() {
    let app = common::spawn_app().await;
    let provider = app.new_user().await;
    crate::listed_model(&app, &provider).await;
    let buyer = app.new_user().await;
    let driver = start_browser().await;
    let c = &driver.client;
    log_in(c, &app.address, &buyer.email, PASSWORD).await;

    // Tenant screening in Colorado: housing, profiling applicants, a consequential decision.
    c.goto(&app.url("/assess")).await.unwrap();
    fill(c, "purpose", "Screen rental applicants by their tenancy history").await;
    click(c, "input[name='sectors'][value='customer_service']").await;
    click(c, "input[name='sectors'][value='housing']").await;
    click(c, "input[name='jurisdictions'][value='EU']").await;
    click(c, "input[name='jurisdictions'][value='US-CO']").await;
    click(c, "input[name='profiles_natural_persons']").await;
    click(c, "input[name='functions'][value='consequential_decision']").await;
    wait_for_text(c, "#risk-tier", "high").await;
    submit(c, "#assessment-form button[type='submit']").await;
    wait_for_path(c, "/assess").await;
    wait_for_text(c, "#risk-tier", "high").await;
    let obligations = text_of(c, "#obligations").await;
    for id in ["US_CO_SB205_IMPACT_ASSESSMENT", "US_CO_SB205_RISK_POLICY", "US_CO_SB205_CONSUMER_NOTICE"] {
        assert!(obligations.contains(id), "{id} missing: {obligations}");
    }
    assert!(HIGH_RISK_ARTICLES.iter().all(|id| !obligations.contains(id)), "no AI Act article outside the EU: {obligations}");
    assert_eq!(text_of(c, "#legal-floor").await.trim(), "high");
    assert!(text_of(c, "#ai-act-class").await.contains("does not apply"));
    assert!(text_of(c, "#legal-grounds").await.contains("Colorado"));
    assert!(text_of(c, "#role-high_risk_provider").await.to_lowercase().starts_with("no"));
    if let Ok(png) = c.screenshot().await {
        std::fs::create_dir_all("target").ok();
        std::fs::write("target/browser-wizard-colorado.png", png).ok();
    }

    // A large public customer-service assistant in the EU, supervised, that people chat with.
    c.goto(&app.url("/assess")).await.unwrap();
    fill(c, "purpose", "Answer our customers' questions about orders and returns").await;
    fill(c, "expected_monthly_users", "500000").await;
    fill(c, "monthly_queries", "5000000").await;
    click(c, "select#autonomy option[value='human_on_the_loop']").await;
    click(c, "select#revenue_dependence option[value='medium']").await;
    click(c, "input[name='public_facing']").await;
    click(c, "input[name='functions'][value='chat']").await;
    submit(c, "#assessment-form button[type='submit']").await;
    wait_for_path(c, "/assess").await;
    wait_for_text(c, "#risk-tier", "medium").await;
    let obligations = text_of(c, "#obligations").await;
    for id in ["AIA_ART50_INTERACTION", "AIA_ART50_MARKING"] {
        assert!(obligations.contains(id), "{id} missing: {obligations}");
    }
    assert!(HIGH_RISK_ARTICLES.iter().all(|id| !obligations.contains(id)), "Art. 9-15 are for high-risk systems only: {obligations}");
    assert!(text_of(c, "#ai-act-class").await.contains("not a high-risk system"));
    let measures = text_of(c, "#platform-measures").await;
    assert!(measures.contains("PLATFORM_MONITORING") && measures.contains("not a duty the AI Act attaches"), "{measures}");
    assert!(text_of(c, "#application-score").await.starts_with('7'), "reach 3, public 2, on the loop 1, revenue 1");
    driver.client.clone().close().await.unwrap();
}
