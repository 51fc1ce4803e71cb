//! The admin review queue in the browser: a listed wallet's case is opened, read and approved (four eyes).

use alloy_signer_local::PrivateKeySigner;
use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};
use serde_json::Value;

use crate::common::{self, TestApp, TestUser};
use crate::driver::{fill, log_in, start_browser, submit, text_of, wait_for_path};

/// An SDN.CSV in OFAC's format listing `address` as an ETH digital currency address of one entity.
fn sdn_csv(address: &str) -> String {
    format!(
        "32001,\"EXAMPLE EXCHANGE LLC\",-0- ,\"CYBER2] [SDGT\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,\"Digital Currency Address - ETH {address}; Website example.test.\"\n"
    )
}

async fn import_csv(app: &TestApp, admin: &TestUser, sdn: String) {
    let form = Form::new().part("sdn.csv", Part::bytes(sdn.into_bytes()).file_name("SDN.CSV"));
    let res = app
        .api
        .post(app.url("/api/v1/admin/sanctions/imports?source=ofac_sdn_csv"))
        .bearer_auth(&admin.token)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED, "{:?}", res.text().await);
}

#[tokio::test]
async fn an_admin_reads_a_wallet_case_and_approves_it_with_notes() {
    let app = common::spawn_app().await;
    let admin = app.new_admin().await;
    let key = PrivateKeySigner::random();
    import_csv(&app, &admin, sdn_csv(&key.address().to_checksum(None))).await;
    let user = app.new_user().await;
    app.link_wallet_key(&user, &key).await;
    let wallets: Value = app.get("/api/v1/wallets", Some(&user.token)).await.json().await.unwrap();
    assert_eq!(wallets["items"][0]["status"], "under_review");

    // Others are refused.
    let res = app.api.get(app.url("/admin/cases")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "visitors are sent to log in");

    let driver = start_browser().await;
    let c = &driver.client;
    log_in(c, &app.address, &admin.email, &admin.password).await;
    c.goto(&app.url("/admin/cases")).await.unwrap();
    let table = text_of(c, "table#cases").await;
    assert!(table.contains("Wallet being linked") && table.contains("Open"), "{table}");
    submit(c, "table#cases tbody tr a").await;
    let path = c.current_url().await.unwrap().path().to_string();
    assert!(path.starts_with("/admin/cases/"), "{path}");
    assert_eq!(text_of(c, "#case-status").await, "Open");
    assert!(text_of(c, "#case-reasons").await.contains("sanctions.address_match"));
    assert!(text_of(c, "#case-evidence").await.contains("32001"));
    assert!(text_of(c, "#case-address-match").await.contains("32001"));
    crate::axe::assert_accessible(c, "the case page").await;

    // Whitespace passes the browser's `required` check; the server still refuses it.
    fill(c, "notes", "   ").await;
    submit(c, "#decide-approve").await;
    let alert = text_of(c, "[role='alert']").await;
    assert!(alert.contains("notes"), "{alert}");
    assert_eq!(text_of(c, "#case-status").await, "Open");

    // Clearing a sanctions match is four eyes: the first approval waits for a second admin.
    assert!(text_of(c, "#four-eyes").await.contains("four eyes"));
    fill(c, "notes", "a different party: address re-used by the exchange").await;
    submit(c, "#decide-approve").await;
    wait_for_path(c, &path).await;
    assert_eq!(text_of(c, "#case-status").await, "Awaiting a second approval");
    let second = app.new_admin().await;
    let id = path.trim_start_matches("/admin/cases/");
    let res = app
        .post_json(
            &format!("/api/v1/admin/cases/{id}/decision"),
            &serde_json::json!({"decision": "approve", "notes": "agreed"}),
            Some(&second.token),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    c.goto(&app.url(&path)).await.unwrap();
    assert_eq!(text_of(c, "#case-status").await, "Approved");
    let decisions = text_of(c, "#case-decisions").await;
    assert!(decisions.contains("approve") && decisions.contains("re-used by the exchange"), "{decisions}");
    assert!(c.find(fantoccini::Locator::Id("decision-form")).await.is_err(), "a closed case has no decision form");

    let wallets: Value = app.get("/api/v1/wallets", Some(&user.token)).await.json().await.unwrap();
    assert_eq!(wallets["items"][0]["status"], "active");

    // Four eyes: the same admin cannot give a large payment's second approval.
    let (id,): (uuid::Uuid,) = sqlx::query_as(
        "insert into screening_case (id, kind, subject, score, reasons, evidence, amount, list_version)
         values (gen_random_uuid(), 'payment', 'job:00000000-0000-0000-0000-000000000000', 0.7, '[]', '{}', '20000000000', 'none') returning id",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    c.goto(&app.url(&format!("/admin/cases/{id}"))).await.unwrap();
    assert!(text_of(c, "#four-eyes").await.contains("four eyes"));
    assert!(text_of(c, "#case-amount").await.contains("20,000.00 USDC"));
    fill(c, "notes", "documents seen").await;
    submit(c, "#decide-approve").await;
    assert_eq!(text_of(c, "#case-status").await, "Awaiting a second approval");
    fill(c, "notes", "still fine").await;
    submit(c, "#decide-approve").await;
    let alert = text_of(c, "[role='alert']").await;
    assert!(alert.contains("second, different admin"), "{alert}");
    assert_eq!(text_of(c, "#case-status").await, "Awaiting a second approval");
    driver.client.clone().close().await.unwrap();
}
