//! The HTML pages without a browser: headers, CSRF, redirects.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::assessments::deployment;
use crate::common::{PASSWORD, TestApp, TestUser, spawn_app};
use crate::datasets::{own_record, ready_dataset};

use crate::common::pages::csrf_token;

#[tokio::test]
async fn pages_carry_security_headers() {
    let app = spawn_app().await;
    let res = app.get("/", None).await;
    assert_eq!(res.status(), StatusCode::OK);
    let h = res.headers();
    let csp = h["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("frame-ancestors 'none'") && csp.contains("default-src 'self'"), "{csp}");
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["referrer-policy"], "same-origin");
    assert_eq!(h["x-frame-options"], "DENY");
}

#[tokio::test]
async fn forms_without_a_valid_csrf_token_are_refused() {
    let app = spawn_app().await;
    app.register("csrf@example.org", "Csrf").await;
    let browser = reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let page = browser.get(app.url("/login")).send().await.unwrap();
    let set_cookie = page.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(
        set_cookie.contains("attune_csrf=") && set_cookie.contains("HttpOnly") && set_cookie.contains("SameSite=Strict"),
        "{set_cookie}"
    );
    let token = csrf_token(&page.text().await.unwrap());

    let forged = browser
        .post(app.url("/login"))
        .form(&[("email", "csrf@example.org"), ("password", PASSWORD), ("csrf_token", &"0".repeat(64))])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    let missing = browser.post(app.url("/login")).form(&[("email", "csrf@example.org"), ("password", PASSWORD)]).send().await.unwrap();
    assert_eq!(missing.status(), StatusCode::FORBIDDEN);
    // Another browser's token does not fit this browser's cookie.
    let other = reqwest::Client::builder().cookie_store(true).build().unwrap();
    other.get(app.url("/login")).send().await.unwrap();
    let stolen = other
        .post(app.url("/login"))
        .form(&[("email", "csrf@example.org"), ("password", PASSWORD), ("csrf_token", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(stolen.status(), StatusCode::FORBIDDEN);

    let ok = browser
        .post(app.url("/login"))
        .form(&[("email", "csrf@example.org"), ("password", PASSWORD), ("csrf_token", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), StatusCode::SEE_OTHER);
    assert_eq!(ok.headers()["location"], "/", "a login lands on the home page");
    let account = browser.get(app.url("/account")).send().await.unwrap();
    assert_eq!(account.status(), StatusCode::OK);
    assert!(account.text().await.unwrap().contains("csrf@example.org"));
}

#[tokio::test]
async fn the_register_form_shows_field_errors() {
    let app = spawn_app().await;
    let browser = reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let token = csrf_token(&browser.get(app.url("/register")).send().await.unwrap().text().await.unwrap());
    let res = browser
        .post(app.url("/register"))
        .form(&[
            ("csrf_token", token.as_str()),
            ("email", "nope"),
            ("password", "short"),
            ("name", "Bo"),
            ("organization_name", "Bo Ltd"),
            ("organization_country", "GB"),
            ("organization_kind", "sme"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.unwrap();
    assert!(html.contains("id=\"email-error\"") && html.contains("id=\"password-error\""), "{html}");
    assert!(html.contains("value=\"Bo Ltd\""), "entered values are kept");
    assert!(!html.contains("value=\"short\""), "the password is never echoed");
}

#[tokio::test]
async fn pages_that_need_a_login_redirect_and_admin_pages_need_admins() {
    let app = spawn_app().await;
    let res = app.get("/account", None).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(res.headers()["location"], "/login");
    let user = app.new_user().await;
    let res = app.api.get(app.url("/admin/users")).header("cookie", format!("attune_session={}", user.token)).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let admin = app.new_admin().await;
    let res = app.api.get(app.url("/admin/users")).header("cookie", format!("attune_session={}", admin.token)).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.text().await.unwrap().contains(&user.email));
}

/// The admins' organisation-kind page: a research organisation is listed unverified; verifying it
/// needs evidence; once verified, the organisation's API view says so.
#[tokio::test]
async fn an_admin_verifies_an_organisation_kind_with_evidence_on_its_page() {
    let app = spawn_app().await;
    let lab = app.new_user_of_kind("cultural_heritage").await;
    let admin = app.new_admin().await;
    let browser = app.page_session(&admin).await;
    let html = browser.get(app.url("/admin/organizations")).send().await.unwrap().text().await.unwrap();
    let row = format!("org-{}", lab.organization_id);
    assert!(html.contains(&row) && html.contains("not verified"), "{html}");
    let action = format!("/admin/organizations/{}/kind-verification", lab.organization_id);
    let token = csrf_token(&html);
    let res = browser
        .post(app.url(&action))
        .form(&[("csrf_token", token.as_str()), ("decision", "verify"), ("evidence", " ")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.unwrap().contains("evidence"));
    let evidence = "Accredited museum, national register entry 88";
    let res = browser
        .post(app.url(&action))
        .form(&[("csrf_token", token.as_str()), ("decision", "verify"), ("evidence", evidence)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let html = browser.get(app.url("/admin/organizations")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains(evidence), "{html}");
    let me: serde_json::Value = app.get("/api/v1/me", Some(&lab.token)).await.json().await.unwrap();
    assert_eq!(me["organization"]["kind_verified"], true);
    // A buyer's session is refused the page.
    let buyer = app.page_session(&lab).await;
    assert_eq!(buyer.get(app.url("/admin/organizations")).send().await.unwrap().status(), StatusCode::FORBIDDEN);
}

/// The part of `html` from the element with `id` to the end of the table, list or section it opens.
fn part<'a>(html: &'a str, id: &str) -> &'a str {
    let start = html.find(&format!("id=\"{id}\"")).unwrap_or_else(|| panic!("no #{id} in {html}"));
    let rest = &html[start..];
    let end = ["</table>", "</section>", "</dd>"].iter().filter_map(|t| rest.find(t)).min().unwrap_or(rest.len());
    &rest[..end]
}

async fn home_of(app: &TestApp, user: &TestUser) -> String {
    let res = app.page_session(user).await.get(app.url("/")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    res.text().await.unwrap()
}

/// The home page after login shows each person what needs them: the buyer the job that waits for its
/// payment (named by its purpose and model), the provider its listing with its verification, the
/// admin the review queues — and nobody a part for a role they do not hold.
#[tokio::test]
async fn the_home_page_shows_each_role_what_needs_it() {
    let app = spawn_app().await;
    let provider = app.new_user().await;
    let (model, _) = app.provider_with_verified_model(&provider, 7_000_000_000, "25000000").await;
    let model_name = app.get(&format!("/api/v1/models/{model}"), Some(&provider.token)).await.json::<Value>().await.unwrap()["name"]
        .as_str()
        .unwrap()
        .to_owned();
    let buyer = app.new_user().await;
    let dataset = ready_dataset(&app, &buyer, vec![own_record("a")]).await;
    let mut d = deployment(json!(["customer_service"]));
    d["profiles_natural_persons"] = json!(false);
    d["purpose"] = json!("answer questions about parcels");
    let body =
        json!({"base_model_id": model, "dataset_id": dataset["id"], "method": "lora", "hyperparameters": {"epochs": 1}, "deployment": d});
    let res = app.post_json("/api/v1/jobs", &body, Some(&buyer.token)).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let job: Value = res.json().await.unwrap();
    assert_eq!(job["status"], "awaiting_payment", "assessed, and waiting for the buyer's payment");
    let id = job["id"].as_str().unwrap();

    let html = home_of(&app, &buyer).await;
    let action = part(&html, "jobs-needing-action");
    assert!(action.contains(&format!("href=\"/jobs/{id}\"")) && action.contains("answer questions about parcels"), "{action}");
    assert!(action.contains(&model_name) && action.contains("Awaiting payment") && action.contains("Pay the quote"), "{action}");
    for other in ["home-provider", "home-auditor", "home-admin"] {
        assert!(!html.contains(&format!("id=\"{other}\"")), "a buyer sees no {other}: {html}");
    }

    let html = home_of(&app, &provider).await;
    let listings = part(&html, "listings");
    assert!(listings.contains(&format!("href=\"/models/{model}\"")) && listings.contains(&model_name), "{listings}");
    assert!(listings.contains("Verified"), "{listings}");
    assert!(part(&html, "provider-jobs").contains("1 (0 training now)"), "{html}");
    assert!(part(&html, "no-action").contains("No job waits for you"), "the provider's own organisation has no jobs");

    let admin = app.new_admin().await;
    let html = home_of(&app, &admin).await;
    assert!(!html.contains("id=\"home-buyer\""), "an admin whose organisation has no jobs sees no buyer part: {html}");
    let cases = part(&html, "case-counts");
    assert!(cases.contains("Held payment") && cases.contains("kind=rescreen"), "{cases}");
    assert!(part(&html, "queue-workers").contains("registered"), "{html}");
    assert!(part(&html, "queue-verification").contains("<td>0</td>"), "the only listing is verified: {html}");
}

/// The provider's home adds up what released payments paid it: its lines of each released quote.
#[tokio::test]
async fn the_providers_home_sums_what_released_payments_paid_it() {
    let m = crate::settlement::market(1).await;
    m.app.fund(&m.buyer_key, &m.payment).await;
    m.app.watch().await;
    let admin = m.app.new_admin().await;
    crate::settlement::train_through_the_worker_api(&m, &admin).await;
    m.app.send_operator_txs().await;
    m.app.watch().await;
    assert_eq!(crate::settlement::status_of(&m).await, ("completed".to_owned(), "released".to_owned()));
    let job: Value = m.app.get(&format!("/api/v1/jobs/{}", m.job), Some(&m.buyer.token)).await.json().await.unwrap();
    let fee: u128 = job["assessment"]["quote"]["breakdown"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["payee"] == "provider")
        .map(|l| l["amount"].as_str().unwrap().parse::<u128>().unwrap())
        .sum();
    assert!(fee > 0, "{job}");

    let html = home_of(&m.app, &m.provider).await;
    let released = part(&html, "provider-released");
    let shown: f64 = released.split('>').nth(1).unwrap().trim_end_matches(" USDC").replace(',', "").parse().unwrap();
    #[allow(clippy::cast_precision_loss)]
    let expected = fee as f64 / 1e6;
    assert!((shown - expected).abs() < 0.01, "shown {released}, expected {expected}");
    assert!(part(&html, "provider-jobs").contains("1 (0 training now)"), "{html}");

    let html = home_of(&m.app, &m.buyer).await;
    let finished = part(&html, "jobs-finished");
    assert!(finished.contains(&format!("/jobs/{}", m.job)) && finished.contains("Completed") && finished.contains("issued"), "{finished}");
}
