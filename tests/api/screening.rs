//! Sanctions lists and screening through the API: OFAC CSV imports (multipart, versioned, diffed),
//! wallets screened on link and after an import, a payment from a listed address blocked with the
//! escrow frozen on chain and a case with its report draft, name screening with explained matches,
//! and the admin review queue with four eyes.

use alloy::signers::local::PrivateKeySigner;
use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

use crate::common::{TestApp, TestUser, spawn_app, spawn_app_on};
use crate::settlement::market;

/// An SDN.CSV in OFAC's format listing `address` as an ETH digital currency address of one entity.
pub(crate) fn sdn_csv(address: &str, extra_entity: bool) -> String {
    let mut csv = format!(
        "32001,\"EXAMPLE EXCHANGE LLC\",-0- ,\"CYBER2] [SDGT\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,\"Digital Currency Address - ETH {address}; Website example.test.\"\n\
         7140,\"TESTOVIC, Ivan Petrovich\",\"individual\",\"CYBER2\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,\"DOB 12 Jan 1970; nationality Russia.\"\n"
    );
    if extra_entity {
        csv.push_str("40001,\"MUHAMMAD YUSUF\",\"individual\",\"SDGT\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,\"DOB 1975.\"\n");
    }
    csv
}

pub(crate) async fn import_csv(app: &TestApp, admin: &TestUser, sdn: String) -> reqwest::Response {
    let form = Form::new()
        .part("sdn.csv", Part::bytes(sdn.into_bytes()).file_name("SDN.CSV"))
        .part("alt.csv", Part::bytes(b"7140,101,\"aka\",\"TESTOVICH, Ivan\",-0- \n".to_vec()).file_name("ALT.CSV"));
    app.api
        .post(app.url("/api/v1/admin/sanctions/imports?source=ofac_sdn_csv"))
        .bearer_auth(&admin.token)
        .multipart(form)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn imports_are_versioned_and_diffed_and_screen_addresses_and_names() {
    let app = spawn_app().await;
    let admin = app.new_admin().await;
    let listed = PrivateKeySigner::random().address();
    let res = import_csv(&app, &admin, sdn_csv(&listed.to_checksum(None), false)).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let first: Value = res.json().await.unwrap();
    assert_eq!(first["entities"], 2);
    assert_eq!(first["addresses"], 1);
    assert_eq!(first["diff"]["added"].as_array().unwrap().len(), 2);

    let res = import_csv(&app, &admin, sdn_csv(&listed.to_checksum(None), true)).await;
    let second: Value = res.json().await.unwrap();
    assert_eq!(second["diff"]["added"], json!(["40001"]));
    assert_eq!(second["diff"]["previous_version"], first["version"]);
    let imports: Value = app.get("/api/v1/admin/sanctions/imports", Some(&admin.token)).await.json().await.unwrap();
    assert_eq!(imports["items"].as_array().unwrap().len(), 2);
    assert!(imports["next_cursor"].is_null());
    // An empty file would become the new version and clear every match: refused, nothing stored.
    let res = import_csv(&app, &admin, String::new()).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(res.json::<Value>().await.unwrap()["errors"][0]["field"], "file");
    let after: Value = app.get("/api/v1/admin/sanctions/imports", Some(&admin.token)).await.json().await.unwrap();
    assert_eq!(after["items"].as_array().unwrap().len(), 2);
    // A page at a time, newest first.
    let page: Value = app.get("/api/v1/admin/sanctions/imports?limit=1", Some(&admin.token)).await.json().await.unwrap();
    assert_eq!(page["items"][0]["version"], second["version"]);
    let cursor = page["next_cursor"].as_str().expect("a cursor while an older import remains");
    let url = format!("/api/v1/admin/sanctions/imports?limit=1&cursor={cursor}");
    let page: Value = app.get(&url, Some(&admin.token)).await.json().await.unwrap();
    assert_eq!(page["items"][0]["version"], first["version"]);
    assert!(page["next_cursor"].is_null(), "{page}");

    // Addresses: exact after normalisation (lower-case finds the EIP-55 listing).
    let res = app
        .post_json(
            "/api/v1/screening/addresses",
            &json!({"addresses": [format!("{listed:#x}"), "0x000000000000000000000000000000000000dEaD"]}),
            Some(&admin.token),
        )
        .await;
    let hits: Value = res.json().await.unwrap();
    assert_eq!(hits[0]["hit"], true);
    assert_eq!(hits[0]["entity_id"], "32001");
    assert_eq!(hits[1]["hit"], false);

    // Names: transliteration, order and variant spelling still find the listed person, explained.
    let res = app.post_json("/api/v1/screening/names", &json!({"name": "Yousef Mohammed"}), Some(&admin.token)).await;
    let found: Value = res.json().await.unwrap();
    assert_eq!(found["matches"][0]["entity_id"], "40001", "{found}");
    assert!(!found["matches"][0]["features"].as_array().unwrap().is_empty());
    assert!(found["list_version"].as_str().unwrap().starts_with("ofac_sdn@"));
    assert_eq!(found["policy"]["version"], "screening-v3", "the screening policy in force is named: {found}");
    let res = app.post_json("/api/v1/screening/names", &json!({"name": "Иван Тестович"}), Some(&admin.token)).await;
    let found: Value = res.json().await.unwrap();
    assert_eq!(found["matches"][0]["entity_id"], "7140", "Cyrillic script: {found}");
    let clean: Value =
        app.post_json("/api/v1/screening/names", &json!({"name": "Margaret Hamilton"}), Some(&admin.token)).await.json().await.unwrap();
    assert_eq!(clean["matches"], json!([]));

    let buyer = app.new_user().await;
    let res = app.post_json("/api/v1/screening/names", &json!({"name": "x"}), Some(&buyer.token)).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res = import_csv(&app, &buyer, sdn_csv("0x1", false)).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let bad = app
        .api
        .post(app.url("/api/v1/admin/sanctions/imports?source=ofac_sdn_csv"))
        .bearer_auth(&admin.token)
        .multipart(Form::new().part("alt.csv", Part::bytes(b"1,2".to_vec())))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY, "sdn.csv is required");
}

#[tokio::test]
async fn a_listed_wallet_goes_under_review_with_a_case_that_an_admin_decides() {
    let app = spawn_app().await;
    let admin = app.new_admin().await;
    let key = PrivateKeySigner::random();
    import_csv(&app, &admin, sdn_csv(&key.address().to_checksum(None), false)).await;
    let user = app.new_user().await;
    let address = key.address().to_checksum(None);
    let challenge: Value =
        app.post_json("/api/v1/wallets/challenge", &json!({"address": address}), Some(&user.token)).await.json().await.unwrap();
    let signature = crate::common::wallet::personal_sign(&key, challenge["message"].as_str().unwrap());
    let res = app.post_json("/api/v1/wallets", &json!({"address": address, "signature": signature}), Some(&user.token)).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let wallet: Value = res.json().await.unwrap();
    assert_eq!(wallet["status"], "under_review");
    assert!(!wallet.to_string().contains("32001"), "the match itself is never shown to the user");

    let cases: Value = app.get("/api/v1/admin/cases?status=open&kind=wallet", Some(&admin.token)).await.json().await.unwrap();
    let case = &cases["items"][0];
    assert_eq!(case["kind"], "wallet");
    assert_eq!(case["evidence"]["match"]["entity_id"], "32001");
    let id = case["id"].as_str().unwrap();
    let res = app.post_json(&format!("/api/v1/admin/cases/{id}/decision"), &json!({"decision": "approve"}), Some(&admin.token)).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "a decision needs notes");
    let res = app
        .post_json(
            &format!("/api/v1/admin/cases/{id}/decision"),
            &json!({"decision": "approve", "notes": "a different party: address re-used by the exchange"}),
            Some(&admin.token),
        )
        .await;
    // Clearing a sanctions match is four eyes, whatever the amount.
    assert_eq!(res.json::<Value>().await.unwrap()["status"], "awaiting_second_approval");
    let second = app.new_admin().await;
    let res = app
        .post_json(&format!("/api/v1/admin/cases/{id}/decision"), &json!({"decision": "approve", "notes": "agreed"}), Some(&second.token))
        .await;
    assert_eq!(res.json::<Value>().await.unwrap()["status"], "approved");
    let wallets: Value = app.get("/api/v1/wallets", Some(&user.token)).await.json().await.unwrap();
    assert_eq!(wallets["items"][0]["status"], "active");
    let detail: Value = app.get(&format!("/api/v1/admin/cases/{id}"), Some(&admin.token)).await.json().await.unwrap();
    assert_eq!(detail["decisions"][0]["decision"], "approve");

    // The same list again: the cleared false positive is not raised again for the same entry.
    let report: Value = import_csv(&app, &admin, sdn_csv(&key.address().to_checksum(None), true)).await.json().await.unwrap();
    assert_eq!(report["rescreen"]["new_cases"], 0, "{report}");
    let wallets: Value = app.get("/api/v1/wallets", Some(&user.token)).await.json().await.unwrap();
    assert_eq!(wallets["items"][0]["status"], "active");
}

#[tokio::test]
async fn customers_kycd_names_are_rescreened_after_an_import() {
    let app = spawn_app().await;
    let admin = app.new_admin().await;
    let user = app.new_user().await;
    let session: Value = app.post_json("/api/v1/kyc/sessions", &json!({"level": "basic"}), Some(&user.token)).await.json().await.unwrap();
    app.post_json(
        &format!("/sandbox/kyc/{}/complete", session["id"].as_str().unwrap()),
        &json!({"outcome": "approve", "full_name": "Mohammed Yousef", "date_of_birth": "1975-01-01", "country": "AE"}),
        None,
    )
    .await;
    // Listed after the customer passed KYC: the import's re-screen finds the name.
    let report: Value =
        import_csv(&app, &admin, sdn_csv(&PrivateKeySigner::random().address().to_checksum(None), true)).await.json().await.unwrap();
    assert_eq!(report["rescreen"]["new_cases"], 1, "{report}");
    let cases: Value = app.get("/api/v1/admin/cases?kind=name", Some(&admin.token)).await.json().await.unwrap();
    let id = cases["items"][0]["id"].as_str().unwrap().to_string();
    let res = app
        .post_json(
            &format!("/api/v1/admin/cases/{id}/decision"),
            &json!({"decision": "approve", "notes": "different person: other birth date"}),
            Some(&admin.token),
        )
        .await;
    assert_eq!(res.json::<Value>().await.unwrap()["status"], "awaiting_second_approval", "clearing a name match is four eyes");
    let second = app.new_admin().await;
    let res = app
        .post_json(&format!("/api/v1/admin/cases/{id}/decision"), &json!({"decision": "approve", "notes": "agreed"}), Some(&second.token))
        .await;
    assert_eq!(res.json::<Value>().await.unwrap()["status"], "approved");
    let again: Value =
        import_csv(&app, &admin, sdn_csv(&PrivateKeySigner::random().address().to_checksum(None), true)).await.json().await.unwrap();
    assert_eq!(again["rescreen"]["new_cases"], 0, "a cleared name is not raised again for the same entry: {again}");
}

#[tokio::test]
async fn large_amounts_need_two_different_admins() {
    let app = spawn_app().await;
    let (first, second) = (app.new_admin().await, app.new_admin().await);
    let (id,): (uuid::Uuid,) = sqlx::query_as(
        "insert into screening_case (id, kind, subject, score, reasons, evidence, amount, list_version)
         values (gen_random_uuid(), 'wallet', 'wallet:0x00000000000000000000000000000000000000aa', 0.7, '[]', '{}', '20000000000', 'none') returning id",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let path = format!("/api/v1/admin/cases/{id}/decision");
    let res = app.post_json(&path, &json!({"decision": "approve", "notes": "documents seen"}), Some(&first.token)).await;
    assert_eq!(res.json::<Value>().await.unwrap()["status"], "awaiting_second_approval");
    let res = app.post_json(&path, &json!({"decision": "approve", "notes": "again"}), Some(&first.token)).await;
    assert_eq!(res.status(), StatusCode::CONFLICT, "the same admin cannot give both approvals");
    let res = app.post_json(&path, &json!({"decision": "approve", "notes": "second look"}), Some(&second.token)).await;
    assert_eq!(res.json::<Value>().await.unwrap()["status"], "approved");

    // Below the policy's line (10,000 USDC, review-v1.toml) and no sanctions match: one admin.
    let (id,): (uuid::Uuid,) = sqlx::query_as(
        "insert into screening_case (id, kind, subject, score, reasons, evidence, amount, list_version)
         values (gen_random_uuid(), 'wallet', 'wallet:0x00000000000000000000000000000000000000bb', 0.4, '[{\"rule\": \"velocity\"}]', '{}', '9999999999', 'none') returning id",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let res = app
        .post_json(&format!("/api/v1/admin/cases/{id}/decision"), &json!({"decision": "approve", "notes": "fine"}), Some(&first.token))
        .await;
    assert_eq!(res.json::<Value>().await.unwrap()["status"], "approved");
}

#[tokio::test]
async fn a_payment_from_a_listed_address_is_blocked_frozen_on_chain_and_a_case_is_opened() {
    let m = market(1).await;
    let admin = m.app.new_admin().await;
    // The buyer's wallet is listed after it was linked: the import's re-screen puts it under review.
    let res = import_csv(&m.app, &admin, sdn_csv(&m.buyer_key.address().to_checksum(None), false)).await;
    let report: Value = res.json().await.unwrap();
    assert_eq!(report["rescreen"]["new_cases"], 1, "{report}");

    m.app.fund(&m.buyer_key, &m.payment).await;
    m.app.watch().await;
    assert_eq!(crate::settlement::status_of(&m).await, ("payment_review".to_string(), "blocked".to_string()));
    assert_eq!(m.app.send_operator_txs().await, 1, "the freeze");
    m.app.watch().await;
    assert_eq!(crate::settlement::status_of(&m).await, ("frozen".to_string(), "frozen".to_string()));
    let escrow = m.app.chain().client.escrow_of(attune_domain::settlement::job_ref(m.job.parse().unwrap())).await.unwrap();
    assert_eq!(escrow.state, attune_domain::escrow::EscrowState::Frozen, "frozen on chain");

    let cases: Value = m.app.get("/api/v1/admin/cases?kind=payment", Some(&admin.token)).await.json().await.unwrap();
    let case = &cases["items"][0];
    assert_eq!(case["subject"], format!("job:{}", m.job));
    let draft = &case["evidence"]["extra"]["report_draft"];
    assert_eq!(draft["list_entry"], "32001");
    assert!(draft["tx_hash"].as_str().unwrap().starts_with("0x"));
    assert_eq!(draft["amount"], m.payment["amount"]);
    // A sanctioned party is never refunded: the job cannot be cancelled into a refund either.
    let res = m.app.api.post(m.app.url(&format!("/api/v1/jobs/{}/cancel", m.job))).bearer_auth(&m.buyer.token).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::CONFLICT);

    // The address is delisted: the held payment returns to review (unfrozen on chain), for a human.
    let other = PrivateKeySigner::random().address().to_checksum(None);
    let report: Value = import_csv(&m.app, &admin, sdn_csv(&other, false)).await.json().await.unwrap();
    assert_eq!(report["rescreen"]["held_payments_returned_to_review"], 1, "{report}");
    assert_eq!(m.app.send_operator_txs().await, 1, "the unfreeze");
    m.app.watch().await;
    assert_eq!(crate::settlement::status_of(&m).await, ("payment_review".to_string(), "review".to_string()));
    let cases: Value = m.app.get("/api/v1/admin/cases?kind=rescreen", Some(&admin.token)).await.json().await.unwrap();
    assert!(cases["items"].to_string().contains("sanctions.delisted"), "{cases}");
}

#[tokio::test]
async fn rejecting_a_payment_with_a_sanctions_match_never_refunds_and_drafts_a_report() {
    let m = market(1).await;
    let admin = m.app.new_admin().await;
    import_csv(&m.app, &admin, sdn_csv(&m.buyer_key.address().to_checksum(None), false)).await;
    m.app.fund(&m.buyer_key, &m.payment).await;
    m.app.watch().await;
    let cases: Value = m.app.get("/api/v1/admin/cases?kind=payment", Some(&admin.token)).await.json().await.unwrap();
    let id = cases["items"][0]["id"].as_str().unwrap().to_string();
    let res = m
        .app
        .post_json(
            &format!("/api/v1/admin/cases/{id}/decision"),
            &json!({"decision": "reject", "notes": "listed payer"}),
            Some(&admin.token),
        )
        .await;
    assert_eq!(res.json::<Value>().await.unwrap()["status"], "rejected");
    let (refunds,): (i64,) = sqlx::query_as("select count(*) from chain_tx where kind = 'refund' and subject = $1")
        .bind(format!("job:{}", m.job))
        .fetch_one(&m.app.pool)
        .await
        .unwrap();
    assert_eq!(refunds, 0, "money never goes back to a listed party");
    assert_eq!(m.app.send_operator_txs().await, 1, "the freeze, and only the freeze");
    m.app.watch().await;
    assert_eq!(crate::settlement::status_of(&m).await.1, "frozen");
    let detail: Value = m.app.get(&format!("/api/v1/admin/cases/{id}"), Some(&admin.token)).await.json().await.unwrap();
    let draft = &detail["report_draft"];
    assert_eq!(draft["what"]["decision"], "rejected", "{detail}");
    assert_eq!(draft["what"]["sanctions_match"], true);
    assert_eq!(draft["amounts"]["amount"], m.payment["amount"]);
    assert!(draft["tx"].as_str().unwrap().starts_with("0x"), "{draft}");
    assert_eq!(draft["matches"]["address"]["entity_id"], "32001");
    assert!(draft["list_version"].as_str().unwrap().starts_with("ofac_sdn@"));
    assert!(draft["who"]["addresses"].to_string().to_lowercase().contains(&format!("{:#x}", m.buyer_key.address())), "{draft}");
}

#[tokio::test]
async fn a_release_waits_when_a_payees_wallet_is_now_listed() {
    let m = market(1).await;
    m.app.fund(&m.buyer_key, &m.payment).await;
    m.app.watch().await;
    let admin = m.app.new_admin().await;
    // The provider's payout wallet is listed after the payment cleared, while the job trains.
    import_csv(&m.app, &admin, sdn_csv(&m.provider_wallet.to_checksum(None), false)).await;
    crate::settlement::train_through_the_worker_api(&m, &admin).await;
    assert_eq!(crate::settlement::status_of(&m).await.0, "completed", "the model is delivered; the payout waits");
    assert_eq!(m.app.send_operator_txs().await, 1, "the certificate's anchor, no release");
    let path = format!("/api/v1/admin/jobs/{}/release", m.job);
    let res = m.app.api.post(m.app.url(&path)).bearer_auth(&admin.token).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::CONFLICT);
    crate::common::assert_problem(&res);
    assert_eq!(m.app.send_operator_txs().await, 0, "still no release");
    let cases: Value = m.app.get("/api/v1/admin/cases?kind=rescreen", Some(&admin.token)).await.json().await.unwrap();
    assert!(
        cases["items"].as_array().unwrap().iter().any(|c| c["subject"] == format!("wallet:{:#x}", m.provider_wallet)),
        "a case for the payee's wallet: {cases}"
    );
    // Two admins clear the false positive: the release goes ahead.
    let id = cases["items"][0]["id"].as_str().unwrap().to_string();
    for _ in 0..2 {
        let admin = m.app.new_admin().await;
        let res = m
            .app
            .post_json(
                &format!("/api/v1/admin/cases/{id}/decision"),
                &json!({"decision": "approve", "notes": "a different holder"}),
                Some(&admin.token),
            )
            .await;
        assert_eq!(res.status(), StatusCode::OK);
    }
    let res = m.app.api.post(m.app.url(&path)).bearer_auth(&admin.token).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::ACCEPTED);
    assert_eq!(m.app.send_operator_txs().await, 1, "the release");
}

#[tokio::test]
async fn every_replica_screens_against_the_newest_list_within_seconds() {
    let first = spawn_app().await;
    let second = spawn_app_on(first.database_url.clone(), |_| {}).await;
    let admin = first.new_admin().await;
    let listed = PrivateKeySigner::random().address();
    let address = format!("{listed:#x}");
    assert!(second.screening.screen_address(&address).is_none());
    let res = import_csv(&first, &admin, sdn_csv(&listed.to_checksum(None), false)).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    // The other server learns of the import by notification, not by a restart or a call.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while second.screening.screen_address(&address).is_none() {
        assert!(std::time::Instant::now() < deadline, "the second server still screens against {}", second.screening.list_version());
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(second.screening.list_version(), first.screening.list_version());
    let hits: Value =
        second.post_json("/api/v1/screening/addresses", &json!({"addresses": [address]}), Some(&admin.token)).await.json().await.unwrap();
    assert_eq!(hits[0]["hit"], true, "{hits}");
}
