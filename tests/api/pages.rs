//! The HTML pages without a browser: headers, CSRF, redirects.

use reqwest::StatusCode;

use crate::common::{PASSWORD, spawn_app};

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
    assert_eq!(ok.headers()["location"], "/account");
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
