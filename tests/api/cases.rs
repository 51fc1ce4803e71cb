//! The review queue's decisions on every case kind, through the API (issue 10, items 5, 6, 7, 9, 10):
//! a name hit holds the organisation until two admins decide; clearing any sanctions match needs four
//! eyes; approving a re-screen case acts and the queue lists that kind; a reject or block writes a
//! suspicious-activity report draft; embargoed jurisdictions are refused.

use alloy::signers::local::PrivateKeySigner;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::{TestApp, TestUser, assert_problem, spawn_app};
use crate::screening::{import_csv, sdn_csv};

async fn decide(app: &TestApp, admin: &TestUser, case: &str, decision: &str) -> reqwest::Response {
    app.post_json(
        &format!("/api/v1/admin/cases/{case}/decision"),
        &json!({"decision": decision, "notes": format!("{decision}: reviewed the evidence")}),
        Some(&admin.token),
    )
    .await
}

async fn status_after(app: &TestApp, admin: &TestUser, case: &str, decision: &str) -> String {
    let res = decide(app, admin, case, decision).await;
    assert_eq!(res.status(), StatusCode::OK);
    res.json::<Value>().await.unwrap()["status"].as_str().unwrap().to_string()
}

async fn cases_of(app: &TestApp, admin: &TestUser, kind: &str) -> Vec<Value> {
    let cases: Value = app.get(&format!("/api/v1/admin/cases?kind={kind}"), Some(&admin.token)).await.json().await.unwrap();
    cases["items"].as_array().unwrap().clone()
}

async fn kyc_level(app: &TestApp, user: &TestUser) -> String {
    let me: Value = app.get("/api/v1/me", Some(&user.token)).await.json().await.unwrap();
    me["organization"]["kyc"]["level"].as_str().unwrap().to_string()
}

async fn on_hold(app: &TestApp, user: &TestUser) -> bool {
    let mut conn = app.pool.acquire().await.unwrap();
    attune_db::screening::organization_on_hold(&mut conn, user.organization_id).await.unwrap()
}

async fn wallet_status(app: &TestApp, user: &TestUser) -> String {
    let wallets: Value = app.get("/api/v1/wallets", Some(&user.token)).await.json().await.unwrap();
    wallets["items"][0]["status"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn approving_a_rescreen_case_activates_the_wallet_with_four_eyes_and_the_queue_lists_the_kind() {
    let app = spawn_app().await;
    let (admin, second) = (app.new_admin().await, app.new_admin().await);
    let user = app.new_user().await;
    let key = app.link_wallet(&user).await;
    assert_eq!(wallet_status(&app, &user).await, "active");
    // Listed after it was linked: the import's re-screen opens a `rescreen` case.
    let report: Value = import_csv(&app, &admin, sdn_csv(&key.address().to_checksum(None), false)).await.json().await.unwrap();
    assert_eq!(report["rescreen"]["new_cases"], 1, "{report}");
    assert_eq!(wallet_status(&app, &user).await, "under_review");
    let cases = cases_of(&app, &admin, "rescreen").await;
    let id = cases[0]["id"].as_str().unwrap().to_string();

    // The queue page filters by that kind too.
    let page = app
        .api
        .get(app.url("/admin/cases?kind=rescreen&status=all"))
        .header("cookie", format!("attune_session={}", admin.token))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains(&id), "the rescreen case is listed under its kind");
    assert!(page.contains("value=\"rescreen\""), "the filter offers the kind");

    // Clearing an address match needs two different admins, whatever the amount (none here).
    assert_eq!(status_after(&app, &admin, &id, "approve").await, "awaiting_second_approval");
    assert_eq!(wallet_status(&app, &user).await, "under_review", "nothing happens on the first approval");
    assert_eq!(decide(&app, &admin, &id, "approve").await.status(), StatusCode::CONFLICT);
    assert_eq!(status_after(&app, &second, &id, "approve").await, "approved");
    assert_eq!(wallet_status(&app, &user).await, "active", "approving a rescreen case acts on the wallet");
}

#[tokio::test]
async fn a_case_without_a_sanctions_match_below_the_amount_needs_one_admin_and_a_block_writes_a_report_draft() {
    let app = spawn_app().await;
    let admin = app.new_admin().await;
    // A grey-list jurisdiction: the AML rules put a new wallet under review (no sanctions match).
    let user = register_org(&app, "Lagos Labs", "NG").await;
    let key = PrivateKeySigner::random();
    app.link_wallet_key(&user, &key).await;
    assert_eq!(wallet_status(&app, &user).await, "under_review");
    let cases = cases_of(&app, &admin, "wallet").await;
    let id = cases[0]["id"].as_str().unwrap().to_string();
    assert!(cases[0]["reasons"].to_string().contains("high_risk_jurisdiction"), "{}", cases[0]);
    // EDD follows the risk factor, not the amount (there is none on a link).
    assert!(cases[0]["reasons"].to_string().contains("edd_threshold"), "{}", cases[0]);
    let res = decide(&app, &admin, &id, "block").await;
    assert_eq!(res.json::<Value>().await.unwrap()["status"], "blocked");
    assert_eq!(wallet_status(&app, &user).await, "blocked");
    let detail: Value = app.get(&format!("/api/v1/admin/cases/{id}"), Some(&admin.token)).await.json().await.unwrap();
    let draft = &detail["report_draft"];
    assert_eq!(draft["what"]["decision"], "blocked", "{detail}");
    assert_eq!(draft["who"]["organization_id"], user.organization_id.to_string());
    assert_eq!(draft["who"]["addresses"][0], format!("{:#x}", key.address()));
    assert!(draft["rules"].to_string().contains("high_risk_jurisdiction"));
    assert_eq!(draft["list_version"], detail["list_version"]);
    assert!(draft["when"]["decided"].is_string());

    // The same kind of case, approved by one admin: no sanctions match, no amount.
    let other = app.new_user().await;
    sqlx::query("update organization set country = 'NG' where id = $1").bind(other.organization_id).execute(&app.pool).await.unwrap();
    app.link_wallet_key(&other, &PrivateKeySigner::random()).await;
    let open: Vec<Value> = cases_of(&app, &admin, "wallet").await.into_iter().filter(|c| c["status"] == "open").collect();
    let id = open[0]["id"].as_str().unwrap().to_string();
    assert_eq!(status_after(&app, &admin, &id, "approve").await, "approved");
    assert_eq!(wallet_status(&app, &other).await, "active");
    let detail: Value = app.get(&format!("/api/v1/admin/cases/{id}"), Some(&admin.token)).await.json().await.unwrap();
    assert!(detail["report_draft"].is_null(), "an approval writes no report");
}

#[tokio::test]
async fn a_kycd_name_hit_holds_the_organisation_until_two_admins_clear_it() {
    let app = spawn_app().await;
    let (admin, second) = (app.new_admin().await, app.new_admin().await);
    import_csv(&app, &admin, sdn_csv(&PrivateKeySigner::random().address().to_checksum(None), true)).await;
    let user = app.new_user().await;
    let session: Value = app.post_json("/api/v1/kyc/sessions", &json!({"level": "basic"}), Some(&user.token)).await.json().await.unwrap();
    let res = app
        .post_json(
            &format!("/sandbox/kyc/{}/complete", session["id"].as_str().unwrap()),
            &json!({"outcome": "approve", "full_name": "Mohammed Yousef", "date_of_birth": "1975-01-01", "country": "AE"}),
            None,
        )
        .await;
    assert!(res.status().is_success());
    // The provider approved the person, but the name matches a list: the organisation is on hold.
    assert!(on_hold(&app, &user).await);
    assert_eq!(kyc_level(&app, &user).await, "none", "the KYC level is not granted while on hold");
    let case = cases_of(&app, &admin, "name").await.into_iter().next().unwrap();
    assert_eq!(case["organization_id"], user.organization_id.to_string());
    let id = case["id"].as_str().unwrap().to_string();
    // Clearing a name match is four eyes.
    assert_eq!(status_after(&app, &admin, &id, "approve").await, "awaiting_second_approval");
    assert!(on_hold(&app, &user).await);
    assert_eq!(status_after(&app, &second, &id, "approve").await, "approved");
    assert!(!on_hold(&app, &user).await);
    assert_eq!(kyc_level(&app, &user).await, "basic", "the level comes back once admins cleared the match");
}

#[tokio::test]
async fn an_organisations_listed_legal_name_holds_it_at_registration_and_after_an_import() {
    let app = spawn_app().await;
    let admin = app.new_admin().await;
    // Registered before the list names it: the import's re-screen finds the organisation's name.
    let email = format!("x-{}@example.org", uuid::Uuid::new_v4().simple());
    let res = app.register(&email, "Example Exchange Ltd").await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let early: Value = res.json().await.unwrap();
    let report: Value =
        import_csv(&app, &admin, sdn_csv(&PrivateKeySigner::random().address().to_checksum(None), false)).await.json().await.unwrap();
    assert!(report["rescreen"]["organizations_screened"].as_u64().unwrap() >= 2, "{report}");
    assert_eq!(report["rescreen"]["new_cases"], 1, "{report}");
    let early_org: uuid::Uuid = early["organization"]["id"].as_str().unwrap().parse().unwrap();
    let mut conn = app.pool.acquire().await.unwrap();
    assert!(attune_db::screening::organization_on_hold(&mut conn, early_org).await.unwrap());

    // Registered after: screened at registration.
    let res = app.register(&format!("y-{}@example.org", uuid::Uuid::new_v4().simple()), "Example Exchange LLC").await;
    assert_eq!(res.status(), StatusCode::CREATED, "the registration itself goes through; the organisation is held");
    let late: Value = res.json().await.unwrap();
    let late_org: uuid::Uuid = late["organization"]["id"].as_str().unwrap().parse().unwrap();
    assert!(attune_db::screening::organization_on_hold(&mut conn, late_org).await.unwrap());
    let case = cases_of(&app, &admin, "name").await.into_iter().find(|c| c["subject"] == format!("org:{late_org}")).unwrap();
    assert!(case["reasons"].to_string().contains("sanctions.name_match"));
    // A block keeps the organisation blocked and writes the report draft.
    let id = case["id"].as_str().unwrap().to_string();
    assert_eq!(status_after(&app, &admin, &id, "block").await, "blocked");
    assert!(attune_db::screening::organization_on_hold(&mut conn, late_org).await.unwrap());
    let detail: Value = app.get(&format!("/api/v1/admin/cases/{id}"), Some(&admin.token)).await.json().await.unwrap();
    assert_eq!(detail["report_draft"]["who"]["names"], "Example Exchange LLC", "{detail}");
    assert!(detail["report_draft"]["matches"]["names"][0]["entity_id"] == "32001", "{detail}");
    assert!(detail["report_draft"]["list_version"].as_str().unwrap().starts_with("ofac_sdn@"));
}

#[tokio::test]
async fn comprehensively_embargoed_jurisdictions_are_refused_at_registration_and_wallet_linking() {
    let app = spawn_app().await;
    for country in ["CU", "IR", "KP", "SY"] {
        let res = app
            .post_json(
                "/api/v1/auth/register",
                &json!({"email": format!("e-{}@example.org", uuid::Uuid::new_v4().simple()), "password": crate::common::PASSWORD,
                        "name": "Test User", "organization": {"name": "Embargo Test", "country": country, "kind": "sme"}}),
                None,
            )
            .await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{country}");
        assert_problem(&res);
        let body: Value = res.json().await.unwrap();
        assert!(body.to_string().contains("organization.country"), "{body}");
        assert!(body.to_string().contains("embargo"), "{body}");
    }
    // An organisation registered before its country was listed links no wallet.
    let user = app.new_user().await;
    sqlx::query("update organization set country = 'IR' where id = $1").bind(user.organization_id).execute(&app.pool).await.unwrap();
    let key = PrivateKeySigner::random();
    let address = key.address().to_checksum(None);
    let challenge: Value =
        app.post_json("/api/v1/wallets/challenge", &json!({"address": address}), Some(&user.token)).await.json().await.unwrap();
    let signature = crate::common::wallet::personal_sign(&key, challenge["message"].as_str().unwrap());
    let res = app.post_json("/api/v1/wallets", &json!({"address": address, "signature": signature}), Some(&user.token)).await;
    assert!(res.status().is_client_error(), "{}", res.status());
    assert_problem(&res);
    let body: Value = res.json().await.unwrap();
    assert!(body.to_string().contains("embargo"), "{body}");
    let wallets: Value = app.get("/api/v1/wallets", Some(&user.token)).await.json().await.unwrap();
    assert_eq!(wallets["items"], json!([]));
}

#[tokio::test]
async fn a_pep_match_flags_enhanced_due_diligence_without_a_hold() {
    let app = spawn_app().await;
    let admin = app.new_admin().await;
    let line = json!({"id": "pep-1", "caption": "Margarethe Beispielfrau", "schema": "Person",
        "properties": {"name": ["Margarethe Beispielfrau"], "topics": ["role.pep"], "position": ["Minister"]}, "target": true});
    let res = app
        .api
        .post(app.url("/api/v1/admin/sanctions/imports?source=opensanctions"))
        .bearer_auth(&admin.token)
        .body(format!("{line}\n"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED, "{:?}", res.text().await);
    let user = app.new_user().await;
    let session: Value = app.post_json("/api/v1/kyc/sessions", &json!({"level": "basic"}), Some(&user.token)).await.json().await.unwrap();
    app.post_json(
        &format!("/sandbox/kyc/{}/complete", session["id"].as_str().unwrap()),
        &json!({"outcome": "approve", "full_name": "Margarethe Beispielfrau", "date_of_birth": "1960-02-02", "country": "DE"}),
        None,
    )
    .await;
    // A politically exposed person is a risk factor, not a sanctions match: no hold, the level is
    // granted, and a review case says which it is.
    assert!(!on_hold(&app, &user).await);
    assert_eq!(kyc_level(&app, &user).await, "basic");
    let name_cases = cases_of(&app, &admin, "name").await;
    assert_eq!(name_cases.len(), 1, "{name_cases:?}");
    assert_eq!(name_cases[0]["evidence"]["risk"], "pep", "{name_cases:?}");
    assert!(name_cases[0]["reasons"].to_string().contains("pep.name_match"), "{name_cases:?}");
    assert!(!name_cases[0]["reasons"].to_string().contains("sanctions.name_match"), "{name_cases:?}");
    let mut conn = app.pool.acquire().await.unwrap();
    assert!(attune_db::screening::organization_pep_match(&mut conn, user.organization_id).await.unwrap());
    drop(conn);
    // The AML rules then ask for enhanced due diligence whatever the amount: a new wallet is reviewed.
    app.link_wallet(&user).await;
    assert_eq!(wallet_status(&app, &user).await, "under_review");
    let case = cases_of(&app, &admin, "wallet").await.into_iter().next().unwrap();
    assert!(case["reasons"].to_string().contains("pep_match") && case["reasons"].to_string().contains("edd_threshold"), "{case}");
}

/// Registers an organisation with this legal name (screened at registration).
async fn register_org(app: &TestApp, name: &str, country: &str) -> TestUser {
    let email = format!("org-{}@example.org", uuid::Uuid::new_v4().simple());
    let res = app
        .post_json(
            "/api/v1/auth/register",
            &json!({"email": email, "password": crate::common::PASSWORD, "name": "Test User",
                    "organization": {"name": name, "country": country, "kind": "sme"}}),
            None,
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED, "{:?}", res.text().await);
    let body: Value = res.json().await.unwrap();
    let token = app.token_for(&email, crate::common::PASSWORD).await;
    TestUser {
        id: body["user"]["id"].as_str().unwrap().parse().unwrap(),
        organization_id: body["organization"]["id"].as_str().unwrap().parse().unwrap(),
        email,
        password: crate::common::PASSWORD.into(),
        token,
    }
}

#[tokio::test]
async fn a_company_owned_half_by_sanctioned_parties_is_held_with_the_path_and_a_crime_listing_is_reviewed_without_a_hold() {
    let app = spawn_app().await;
    let admin = app.new_admin().await;
    let person =
        |id: &str, name: &str, topics: &[&str]| json!({"id": id, "schema": "Person", "properties": {"name": [name], "topics": topics}});
    // Companies present as assets only: OpenSanctions marks them `"target": false`.
    let company = |id: &str, name: &str| json!({"id": id, "schema": "Company", "target": false, "properties": {"name": [name], "jurisdiction": ["cy"]}});
    let owns = |id: &str, owner: &str, asset: &str, pct: &str| json!({"id": id, "schema": "Ownership", "properties": {"owner": [owner], "asset": [asset], "percentage": [pct]}});
    let lines = [
        person("os-p1", "Viktor Ownerov", &["sanction"]),
        person("os-p2", "Galina Shareva", &["sanction"]),
        // Owned 30 % + 25 % by two sanctioned persons: together over half.
        company("os-c1", "Northwind Maritime Quarry"),
        owns("os-o1", "os-p1", "os-c1", "30"),
        owns("os-o2", "os-p2", "os-c1", "25"),
        // Owned 40 % by one: not sanctioned, and no topic of its own: not screened at all.
        company("os-c2", "Bluefen Orchard Ventures"),
        owns("os-o3", "os-p1", "os-c2", "40"),
        // A crime listing.
        json!({"id": "os-c3", "schema": "Company", "properties": {"name": ["Crimson Lantern Exports"], "topics": ["crime.fraud"]}}),
    ];
    let body: String = lines.iter().map(|l| format!("{l}\n")).collect();
    let res = app
        .api
        .post(app.url("/api/v1/admin/sanctions/imports?source=opensanctions"))
        .bearer_auth(&admin.token)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED, "{:?}", res.text().await);

    // The owned company: a sanctions case with the ownership path, and a hold.
    let owned = register_org(&app, "Northwind Maritime Quarry Ltd", "CY").await;
    assert!(on_hold(&app, &owned).await);
    let cases = cases_of(&app, &admin, "name").await;
    let case = cases.iter().find(|c| c["organization_id"] == owned.organization_id.to_string()).unwrap();
    assert_eq!(case["evidence"]["risk"], "sanctions", "{case}");
    let reasons = case["reasons"].to_string();
    assert!(
        reasons.contains("sanctions.ownership_50") && reasons.contains("Viktor Ownerov") && reasons.contains("Galina Shareva"),
        "{reasons}"
    );
    let path = case["evidence"]["matches"][0]["ownership"].as_array().unwrap();
    assert_eq!(path.len(), 2, "{case}");
    assert_eq!(path[0]["share_bp"], 3000);

    // 40 % by one sanctioned person is not enough: no case, no hold.
    let minority = register_org(&app, "Bluefen Orchard Ventures", "CY").await;
    assert!(!on_hold(&app, &minority).await);
    assert!(cases_of(&app, &admin, "name").await.iter().all(|c| c["organization_id"] != minority.organization_id.to_string()));

    // A crime listing: enhanced due diligence and a review case, no hold.
    let listed = register_org(&app, "Crimson Lantern Exports", "GB").await;
    assert!(!on_hold(&app, &listed).await);
    let cases = cases_of(&app, &admin, "name").await;
    let case = cases.iter().find(|c| c["organization_id"] == listed.organization_id.to_string()).unwrap();
    assert_eq!(case["evidence"]["risk"], "crime", "{case}");
    assert!(case["reasons"].to_string().contains("crime.name_match"), "{case}");
    let mut conn = app.pool.acquire().await.unwrap();
    assert!(attune_db::screening::organization_pep_match(&mut conn, listed.organization_id).await.unwrap());
}

#[tokio::test]
async fn the_case_queue_pages_by_score_with_a_cursor_and_ties_are_neither_lost_nor_repeated() {
    let app = spawn_app().await;
    let admin = app.new_admin().await;
    // Three wallets listed after they were linked: three re-screen cases with the same score.
    let mut users = Vec::new();
    for _ in 0..3 {
        let user = app.new_user().await;
        let key = app.link_wallet(&user).await;
        users.push(key.address().to_checksum(None));
    }
    let remarks = users.iter().map(|a| format!("Digital Currency Address - ETH {a}")).collect::<Vec<_>>().join("; ");
    let csv = format!(
        "32001,\"EXAMPLE EXCHANGE LLC\",-0- ,\"CYBER2\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,\"{remarks}.\"\n\
         7140,\"TESTOVIC, Ivan Petrovich\",\"individual\",\"CYBER2\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,\"DOB 12 Jan 1970.\"\n"
    );
    let report: Value = import_csv(&app, &admin, csv).await.json().await.unwrap();
    assert_eq!(report["rescreen"]["new_cases"], 3, "{report}");
    // And name cases with other scores: organisations named like the listed company.
    register_org(&app, "Example Exchange LLC", "DE").await;
    register_org(&app, "Example Exchang", "DE").await;

    let all: Value = app.get("/api/v1/admin/cases?limit=200", Some(&admin.token)).await.json().await.unwrap();
    let all: Vec<(String, f64)> =
        all["items"].as_array().unwrap().iter().map(|c| (c["id"].as_str().unwrap().to_string(), c["score"].as_f64().unwrap())).collect();
    assert!(all.len() >= 4, "{all:?}");
    assert!(all.windows(2).all(|w| w[0].1 >= w[1].1), "highest score first: {all:?}");
    assert!(all.windows(2).any(|w| w[0].1 > w[1].1) && all.windows(2).any(|w| w[0].1 == w[1].1), "both ties and steps: {all:?}");

    let mut paged = Vec::new();
    let mut url = "/api/v1/admin/cases?limit=2".to_string();
    loop {
        let page: Value = app.get(&url, Some(&admin.token)).await.json().await.unwrap();
        let items = page["items"].as_array().unwrap();
        assert!(items.len() <= 2);
        paged.extend(items.iter().map(|c| (c["id"].as_str().unwrap().to_string(), c["score"].as_f64().unwrap())));
        match page["next_cursor"].as_str() {
            Some(c) => url = format!("/api/v1/admin/cases?limit=2&cursor={c}"),
            None => break,
        }
    }
    assert_eq!(paged, all, "the pages together are the whole queue, in its order");
    let res = app.get("/api/v1/admin/cases?cursor=1_2", Some(&admin.token)).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_problem(&res);
}
