use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::{PASSWORD, assert_problem, spawn_app};

#[tokio::test]
async fn register_creates_an_organisation_and_its_first_user() {
    let app = spawn_app().await;
    let res = app.register("Ada@Example.org", "Analytical Engines Ltd").await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["user"]["email"], "Ada@example.org");
    assert_eq!(body["user"]["name"], "Test User");
    assert_eq!(body["user"]["roles"], json!([]));
    assert!(body["user"]["id"].as_str().unwrap().parse::<uuid::Uuid>().is_ok());
    assert_eq!(body["organization"]["name"], "Analytical Engines Ltd");
    assert_eq!(body["organization"]["country"], "DE");
    assert_eq!(body["organization"]["kind"], "sme");
    let stored: String = sqlx::query_scalar("select password_hash from app_user").fetch_one(&app.pool).await.unwrap();
    assert!(stored.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "argon2id with OWASP parameters, got {stored}");
}

#[tokio::test]
async fn a_taken_email_is_409_whatever_its_case() {
    let app = spawn_app().await;
    assert_eq!(app.register("grace@example.org", "A").await.status(), StatusCode::CREATED);
    let res = app.register("GRACE@example.org", "B").await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    assert_problem(&res);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["type"], "/problems/email-taken");
    assert_eq!(body["errors"][0]["field"], "email");
    let orgs: i64 = sqlx::query_scalar("select count(*) from organization").fetch_one(&app.pool).await.unwrap();
    assert_eq!(orgs, 1, "the failed registration left nothing behind");
}

#[tokio::test]
async fn invalid_fields_are_all_reported_with_their_names() {
    let app = spawn_app().await;
    let res = app
        .post_json("/api/v1/auth/register", &json!({"email": "not-an-address", "password": "short", "name": " ", "organization": {"name": "", "country": "XX", "kind": "startup"}}), None)
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_problem(&res);
    let body: Value = res.json().await.unwrap();
    let mut fields: Vec<String> = body["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap().to_string()).collect();
    fields.sort();
    assert_eq!(fields, ["email", "name", "organization.country", "organization.kind", "organization.name", "password"]);
}

#[tokio::test]
async fn a_missing_or_mistyped_field_is_named() {
    let app = spawn_app().await;
    let res = app
        .post_json(
            "/api/v1/auth/register",
            &json!({"email": "a@example.org", "password": PASSWORD, "name": "A", "organization": {"name": "A", "country": "DE"}}),
            None,
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["errors"][0]["field"], "organization.kind");
    let res = app.post_json("/api/v1/auth/login", &json!({"email": 42, "password": "x"}), None).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["errors"][0]["field"], "email");
}

#[tokio::test]
async fn login_returns_a_token_and_an_httponly_lax_session_cookie() {
    let app = spawn_app().await;
    app.register("lin@example.org", "Lin GmbH").await;
    let res = app.login("lin@example.org", PASSWORD).await;
    assert_eq!(res.status(), StatusCode::OK);
    let cookie = res.headers().get("set-cookie").unwrap().to_str().unwrap().to_string();
    let body: Value = res.json().await.unwrap();
    let token = body["token"].as_str().unwrap();
    assert_eq!(token.len(), 64, "256-bit token, hex");
    assert_eq!(body["user"]["email"], "lin@example.org");
    assert!(cookie.starts_with(&format!("attune_session={token}")), "{cookie}");
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && cookie.contains("Path=/"), "{cookie}");
    assert!(!cookie.contains("Secure"), "plain http must not mark the cookie Secure");
    // Only the token's hash is stored.
    let stored: Vec<u8> = sqlx::query_scalar("select token_sha256 from session").fetch_one(&app.pool).await.unwrap();
    assert_eq!(stored, attune_app::tokens::token_sha256(token));

    // The bearer token and the cookie both authenticate.
    let me: Value = app.get("/api/v1/me", Some(token)).await.json().await.unwrap();
    assert_eq!(me["user"]["email"], "lin@example.org");
    assert_eq!(me["organization"]["name"], "Lin GmbH");
    assert_eq!(me["organization"]["kyc"]["level"], "none");
    let with_cookie = app.api.get(app.url("/api/v1/me")).header("cookie", format!("attune_session={token}")).send().await.unwrap();
    assert_eq!(with_cookie.status(), StatusCode::OK);
}

#[tokio::test]
async fn the_session_cookie_is_secure_behind_https() {
    let app = crate::common::spawn_app_with(|s| s.public_url = Some("https://attune.example".into())).await;
    app.register("sec@example.org", "Sec").await;
    let res = app.login("sec@example.org", PASSWORD).await;
    let cookie = res.headers().get("set-cookie").unwrap().to_str().unwrap().to_string();
    assert!(cookie.contains("Secure"), "{cookie}");
}

#[tokio::test]
async fn unknown_email_and_wrong_password_get_the_same_401() {
    let app = spawn_app().await;
    app.register("mo@example.org", "Mo").await;
    let wrong = app.login("mo@example.org", "not the password at all").await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    assert_problem(&wrong);
    let unknown = app.login("nobody@example.org", PASSWORD).await;
    assert_eq!(unknown.status(), StatusCode::UNAUTHORIZED);
    let (a, b): (Value, Value) = (wrong.json().await.unwrap(), unknown.json().await.unwrap());
    assert_eq!(a, b);
}

#[tokio::test]
async fn five_failures_for_one_email_lock_it_for_15_minutes() {
    let app = spawn_app().await;
    app.register("kim@example.org", "Kim").await;
    for _ in 0..5 {
        assert_eq!(app.login("kim@example.org", "wrong password!!").await.status(), StatusCode::UNAUTHORIZED);
    }
    // Even the right password is refused now, with a Retry-After.
    let res = app.login("KIM@example.org", PASSWORD).await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_problem(&res);
    assert_eq!(res.headers().get("retry-after").unwrap(), "900");
    // Failures older than the window no longer count.
    sqlx::query("update login_attempt set at = at - interval '16 minutes'").execute(&app.pool).await.unwrap();
    assert_eq!(app.login("kim@example.org", PASSWORD).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn five_failures_from_one_address_lock_it_for_every_email() {
    let app = spawn_app().await;
    app.register("ivy@example.org", "Ivy").await;
    for i in 0..5 {
        assert_eq!(app.login(&format!("guess{i}@example.org"), "whatever password").await.status(), StatusCode::UNAUTHORIZED);
    }
    assert_eq!(app.login("ivy@example.org", PASSWORD).await.status(), StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn logout_ends_the_session() {
    let app = spawn_app().await;
    let user = app.new_user().await;
    let res = app.post_json("/api/v1/auth/logout", &json!({}), Some(&user.token)).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let cookie = res.headers().get("set-cookie").unwrap().to_str().unwrap();
    assert!(cookie.starts_with("attune_session=;"), "{cookie}");
    let me = app.get("/api/v1/me", Some(&user.token)).await;
    assert_eq!(me.status(), StatusCode::UNAUTHORIZED);
    let again = app.post_json("/api/v1/auth/logout", &json!({}), Some(&user.token)).await;
    assert_eq!(again.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn me_needs_a_live_session() {
    let app = spawn_app().await;
    let res = app.get("/api/v1/me", None).await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert_problem(&res);
    assert_eq!(app.get("/api/v1/me", Some("deadbeef")).await.status(), StatusCode::UNAUTHORIZED);
    let user = app.new_user().await;
    sqlx::query("update session set expires_at = now() - interval '1 second'").execute(&app.pool).await.unwrap();
    assert_eq!(app.get("/api/v1/me", Some(&user.token)).await.status(), StatusCode::UNAUTHORIZED, "expired sessions do not authenticate");
}

#[tokio::test]
async fn organisations_are_scoped_another_organisations_is_404() {
    let app = spawn_app().await;
    let owner = app.new_user().await;
    app.assert_org_scoped(&owner, owner.organization_id, |id| format!("/api/v1/orgs/{id}")).await;
    let body: Value = app.get(&format!("/api/v1/orgs/{}", owner.organization_id), Some(&owner.token)).await.json().await.unwrap();
    assert_eq!(body["members"][0]["email"], owner.email.as_str());
    assert_eq!(app.get("/api/v1/orgs/not-a-uuid", Some(&owner.token)).await.status(), StatusCode::NOT_FOUND);
}

/// Each attempt is counted before its password is checked, under a lock: ten guesses sent at once
/// against a limit of three get three answers and seven refusals, and only three are recorded.
#[tokio::test]
async fn parallel_guesses_cannot_exceed_the_login_limit() {
    let app = crate::common::spawn_app_with(|s| s.login_max_failures = 3).await;
    app.register("par@example.org", "Par").await;
    let mut guesses = tokio::task::JoinSet::new();
    for i in 0..10 {
        let (client, url) = (app.api.clone(), app.url("/api/v1/auth/login"));
        guesses.spawn(async move {
            let body = json!({"email": "par@example.org", "password": format!("guess number {i} is wrong")});
            client.post(url).json(&body).send().await.unwrap().status()
        });
    }
    let statuses: Vec<StatusCode> = guesses.join_all().await;
    let wrong = statuses.iter().filter(|s| **s == StatusCode::UNAUTHORIZED).count();
    let refused = statuses.iter().filter(|s| **s == StatusCode::TOO_MANY_REQUESTS).count();
    assert_eq!((wrong, refused), (3, 7), "{statuses:?}");
    let recorded: i64 = sqlx::query_scalar("select count(*) from login_attempt").fetch_one(&app.pool).await.unwrap();
    assert_eq!(recorded, 3);
    assert_eq!(app.login("par@example.org", PASSWORD).await.status(), StatusCode::TOO_MANY_REQUESTS);
}

async fn login_via(app: &crate::common::TestApp, header: (&str, &str), email: &str, password: &str) -> StatusCode {
    let body = json!({"email": email, "password": password});
    app.api.post(app.url("/api/v1/auth/login")).header(header.0, header.1).json(&body).send().await.unwrap().status()
}

/// Without trusted proxies a client cannot dodge the per-address limit by naming another address
/// in `X-Forwarded-For`; behind a trusted proxy the forwarded address is the client.
#[tokio::test]
async fn forwarded_addresses_count_only_from_a_trusted_proxy() {
    let app = spawn_app().await;
    app.register("fw@example.org", "Fw").await;
    for i in 0..5 {
        let fake = format!("198.51.100.{i}");
        let status = login_via(&app, ("x-forwarded-for", &fake), &format!("guess{i}@example.org"), "wrong wrong wrong").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    let status = login_via(&app, ("x-forwarded-for", "198.51.100.99"), "fw@example.org", PASSWORD).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "the peer's failures count whatever the header says");
    let ips: Vec<String> = sqlx::query_scalar("select distinct host(ip) from login_attempt").fetch_all(&app.pool).await.unwrap();
    assert_eq!(ips, vec!["127.0.0.1".to_string()]);

    let app = crate::common::spawn_app_with(|s| s.trusted_proxies = Some("10.0.0.0/8, 127.0.0.1".into())).await;
    app.register("fw@example.org", "Fw").await;
    for i in 0..5 {
        let status =
            login_via(&app, ("x-forwarded-for", "203.0.113.7, 10.0.0.3"), &format!("guess{i}@example.org"), "wrong wrong wrong").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(login_via(&app, ("x-forwarded-for", "203.0.113.7"), "fw@example.org", PASSWORD).await, StatusCode::TOO_MANY_REQUESTS);
    // A spoofed entry left of the client's real address changes nothing.
    assert_eq!(
        login_via(&app, ("x-forwarded-for", "192.0.2.1, 203.0.113.7"), "fw@example.org", PASSWORD).await,
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(login_via(&app, ("forwarded", "for=\"203.0.113.8:4711\";proto=https"), "fw@example.org", PASSWORD).await, StatusCode::OK);
    let ips: Vec<String> = sqlx::query_scalar("select distinct host(ip) from login_attempt order by 1").fetch_all(&app.pool).await.unwrap();
    assert_eq!(ips, vec!["203.0.113.7".to_string(), "203.0.113.8".to_string()]);
}

/// Registration is limited per client address: the API answers 429 problem+json with a
/// Retry-After, the form a 429 page; another client is not affected.
#[tokio::test]
async fn registration_is_rate_limited_per_client_address() {
    let app = crate::common::spawn_app_with(|s| {
        s.registration_max_per_window = 2;
        s.trusted_proxies = Some("127.0.0.1".into());
    })
    .await;
    let register = |email: &str, from: &str| {
        let body =
            json!({"email": email, "password": PASSWORD, "name": "Reg", "organization": {"name": email, "country": "DE", "kind": "sme"}});
        app.api.post(app.url("/api/v1/auth/register")).header("x-forwarded-for", from).json(&body).send()
    };
    assert_eq!(register("r1@example.org", "203.0.113.1").await.unwrap().status(), StatusCode::CREATED);
    assert_eq!(register("r1@example.org", "203.0.113.1").await.unwrap().status(), StatusCode::CONFLICT, "a refused attempt counts too");
    let res = register("r2@example.org", "203.0.113.1").await.unwrap();
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_problem(&res);
    assert_eq!(res.headers().get("retry-after").unwrap(), "3600");
    assert_eq!(res.json::<Value>().await.unwrap()["type"], "/problems/too-many-registrations");
    let form = app
        .api
        .post(app.url("/register"))
        .header("x-forwarded-for", "203.0.113.1")
        .form(&[("email", "r3@example.org")])
        .send()
        .await
        .unwrap();
    assert_eq!(form.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(form.headers().get("content-type").unwrap().to_str().unwrap().starts_with("text/html"));
    assert_eq!(register("r2@example.org", "203.0.113.2").await.unwrap().status(), StatusCode::CREATED);
}

/// A state-changing API request authenticated by the session cookie must come from our own pages
/// (Origin or Sec-Fetch-Site); a bearer token needs no such check.
#[tokio::test]
async fn cookie_authenticated_api_writes_need_a_same_origin_request() {
    let app = spawn_app().await;
    let user = app.new_user().await;
    let cookie = format!("attune_session={}", user.token);
    let logout = |headers: &[(&str, &str)]| {
        let mut req = app.api.post(app.url("/api/v1/auth/logout")).header("cookie", &cookie).json(&json!({}));
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        req.send()
    };
    let me = || app.api.get(app.url("/api/v1/me")).header("cookie", &cookie).send();
    for headers in [
        vec![],
        vec![("origin", "https://evil.example")],
        vec![("origin", "null")],
        vec![("sec-fetch-site", "cross-site")],
        vec![("origin", "https://evil.example"), ("sec-fetch-site", "same-site")],
    ] {
        let res = logout(&headers).await.unwrap();
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "{headers:?}");
        assert_problem(&res);
        assert_eq!(res.json::<Value>().await.unwrap()["type"], "/problems/cross-site-request");
        assert_eq!(me().await.unwrap().status(), StatusCode::OK, "the session survives a refused request");
    }
    // Reads are not checked; a bearer token is exempt whatever the Origin says.
    assert_eq!(
        app.api
            .get(app.url("/api/v1/me"))
            .header("cookie", &cookie)
            .header("origin", "https://evil.example")
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    let other = app.new_user().await;
    let res = app
        .api
        .post(app.url("/api/v1/auth/logout"))
        .bearer_auth(&other.token)
        .header("origin", "https://evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    // Our own pages: the Origin is the server's, or the browser says same-origin.
    assert_eq!(logout(&[("origin", app.address.as_str())]).await.unwrap().status(), StatusCode::NO_CONTENT);
    assert_eq!(me().await.unwrap().status(), StatusCode::UNAUTHORIZED);
    let again = app.token_for(&user.email, PASSWORD).await;
    let res = app
        .api
        .post(app.url("/api/v1/auth/logout"))
        .header("cookie", format!("attune_session={again}"))
        .header("sec-fetch-site", "same-origin")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
}

/// The HTML form token is bound to the session: a token minted for one session (with the same
/// CSRF cookie, as an attacker who plants their cookie would have) fails in another.
#[tokio::test]
async fn a_form_token_from_another_session_fails() {
    let app = spawn_app().await;
    let (alice, mallory) = (app.new_user().await, app.new_user().await);
    let csrf_cookie = "ab".repeat(32);
    let page = |session: &str| {
        app.api.get(app.url("/account")).header("cookie", format!("attune_csrf={csrf_cookie}; attune_session={session}")).send()
    };
    let token_of = |html: String| {
        let marker = "name=\"csrf_token\" value=\"";
        let start = html.find(marker).expect("a csrf field") + marker.len();
        html[start..start + 64].to_string()
    };
    let mallorys_token = token_of(page(&mallory.token).await.unwrap().text().await.unwrap());
    let alices_token = token_of(page(&alice.token).await.unwrap().text().await.unwrap());
    assert_ne!(mallorys_token, alices_token);
    let logout = |session: &str, token: &str| {
        app.api
            .post(app.url("/logout"))
            .header("cookie", format!("attune_csrf={csrf_cookie}; attune_session={session}"))
            .form(&[("csrf_token", token)])
            .send()
    };
    assert_eq!(logout(&alice.token, &mallorys_token).await.unwrap().status(), StatusCode::FORBIDDEN);
    assert_eq!(app.get("/api/v1/me", Some(&alice.token)).await.status(), StatusCode::OK, "alice is still signed in");
    assert_eq!(logout(&alice.token, &alices_token).await.unwrap().status(), StatusCode::SEE_OTHER);
    assert_eq!(app.get("/api/v1/me", Some(&alice.token)).await.status(), StatusCode::UNAUTHORIZED);
}
