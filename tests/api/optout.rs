//! The opt-out scanner through `POST /api/v1/optout/check`, against real local web servers: every
//! signal, each precedence rule, timeouts, 5xx and redirects. It fails closed.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::common::web::{Page, Site, serve_site};
use crate::common::{TestApp, TestUser, spawn_app_with};

async fn scanner_app() -> (TestApp, TestUser) {
    let app = spawn_app_with(|s| {
        s.allow_private_networks = true;
        s.scanner_timeout_secs = 1;
    })
    .await;
    let user = app.new_user().await;
    (app, user)
}

async fn check(app: &TestApp, user: &TestUser, url: &str) -> Value {
    let res = app.post_json("/api/v1/optout/check", &json!({"url": url}), Some(&user.token)).await;
    assert_eq!(res.status(), StatusCode::OK, "checking {url}");
    res.json().await.unwrap()
}

fn signal<'a>(verdict: &'a Value, name: &str) -> Vec<&'a Value> {
    verdict["signals"].as_array().unwrap().iter().filter(|s| s["signal"] == name).collect()
}

fn evidence<'a>(verdict: &'a Value, name: &str) -> &'a Value {
    verdict["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["signal"] == name)
        .unwrap_or_else(|| panic!("no {name} evidence in {verdict}"))
}

async fn site_with_page(extra: Vec<(&str, Page)>) -> Site {
    let mut pages = vec![("/article", Page::html("<html><head><title>a</title></head><body>text</body></html>"))];
    pages.extend(extra);
    serve_site(pages).await
}

#[tokio::test]
async fn a_site_that_reserves_nothing_is_clear_with_evidence_for_every_document() {
    let (app, user) = scanner_app().await;
    let robots = "User-agent: *\nDisallow: /private/\n";
    let site = site_with_page(vec![("/robots.txt", Page::text(robots))]).await;
    let v = check(&app, &user, &site.url("/article")).await;
    assert_eq!(v["status"], "clear", "{v}");
    let robots_evidence = evidence(&v, "robots_txt");
    assert_eq!(robots_evidence["http_status"], 200);
    assert_eq!(robots_evidence["url"], site.url("/robots.txt"));
    assert_eq!(robots_evidence["sha256"], hex::encode(Sha256::digest(robots.as_bytes())));
    assert!(robots_evidence["fetched_at"].as_str().is_some());
    assert_eq!(evidence(&v, "ai_txt")["http_status"], 404);
    assert_eq!(evidence(&v, "tdmrep_json")["http_status"], 404);
    assert_eq!(evidence(&v, "page")["http_status"], 200);
    assert!(v["recheck_at"].as_str().unwrap() > v["checked_at"].as_str().unwrap());
    assert_eq!(v["policy"]["version"], "data-v2");
}

#[tokio::test]
async fn robots_txt_groups_for_ai_crawlers_and_our_own_bot_reserve() {
    let (app, user) = scanner_app().await;
    let site = site_with_page(vec![
        (
            "/robots.txt",
            Page::text(
                "User-agent: GPTBot\nDisallow: /\n\nUser-agent: AttuneBot\nDisallow: /mine/\nAllow: /mine/ok\n\nUser-agent: *\nAllow: /\n",
            ),
        ),
        ("/mine/page", Page::html("<p>x</p>")),
        ("/mine/ok", Page::html("<p>x</p>")),
    ])
    .await;
    let v = check(&app, &user, &site.url("/article")).await;
    assert_eq!(v["status"], "reserved");
    let robots = signal(&v, "robots_txt");
    assert!(robots.iter().any(|s| s["status"] == "reserved" && s["detail"].as_str().unwrap().contains("GPTBot")), "{v}");
    // Our own bot's group: longest match wins, so /mine/ok is allowed for it — but GPTBot's `Disallow: /` still reserves.
    let v = check(&app, &user, &site.url("/mine/page")).await;
    assert!(signal(&v, "robots_txt").iter().any(|s| s["detail"].as_str().unwrap().contains("AttuneBot")), "{v}");
}

#[tokio::test]
async fn robots_longest_match_and_allow_on_ties_decide_per_path() {
    let (app, user) = scanner_app().await;
    let site = site_with_page(vec![
        ("/robots.txt", Page::text("User-agent: CCBot\nDisallow: /news/\nAllow: /news/open\nDisallow: /*.pdf$\n")),
        ("/news/closed", Page::html("<p>x</p>")),
        ("/news/open", Page::html("<p>x</p>")),
        ("/files/report.pdf", Page::ok("application/pdf", "%PDF")),
    ])
    .await;
    assert_eq!(check(&app, &user, &site.url("/news/closed")).await["status"], "reserved");
    assert_eq!(check(&app, &user, &site.url("/news/open")).await["status"], "clear");
    assert_eq!(check(&app, &user, &site.url("/files/report.pdf")).await["status"], "reserved");
    assert_eq!(check(&app, &user, &site.url("/article")).await["status"], "clear");
    assert_eq!(site.hits("/robots.txt"), 1, "an origin's robots.txt is fetched once and cached");
}

#[tokio::test]
async fn spawning_ai_txt_reserves_paths_and_file_types() {
    let (app, user) = scanner_app().await;
    let site = site_with_page(vec![
        ("/ai.txt", Page::text("User-Agent: *\nDisallow: /gallery/\nDisallow: *.jpg\n")),
        ("/gallery/one", Page::html("<p>x</p>")),
        ("/photo.jpg", Page::ok("image/jpeg", "jpg")),
    ])
    .await;
    let v = check(&app, &user, &site.url("/gallery/one")).await;
    assert_eq!(v["status"], "reserved");
    assert!(signal(&v, "ai_txt").iter().any(|s| s["status"] == "reserved"));
    assert_eq!(check(&app, &user, &site.url("/photo.jpg")).await["status"], "reserved");
    assert_eq!(check(&app, &user, &site.url("/article")).await["status"], "clear");
}

#[tokio::test]
async fn tdmrep_json_first_matching_location_wins_and_carries_the_policy() {
    let (app, user) = scanner_app().await;
    let tdmrep = r#"[
        {"location": "/free/*", "tdm-reservation": 0},
        {"location": "/free/special", "tdm-reservation": 1},
        {"location": "/news/*", "tdm-reservation": 1, "tdm-policy": "https://publisher.example/tdm-policy.json"}
    ]"#;
    let site = site_with_page(vec![
        ("/.well-known/tdmrep.json", Page::json(tdmrep)),
        ("/free/special", Page::html("<p>x</p>")),
        ("/news/today", Page::html("<p>x</p>")),
    ])
    .await;
    let v = check(&app, &user, &site.url("/free/special")).await;
    assert_eq!(v["status"], "clear", "the earlier, more general entry wins: {v}");
    let v = check(&app, &user, &site.url("/news/today")).await;
    assert_eq!(v["status"], "reserved");
    let tdm = signal(&v, "tdmrep_json");
    assert!(tdm.iter().any(|s| s["status"] == "reserved" && s["policy_url"] == "https://publisher.example/tdm-policy.json"), "{v}");
    assert_eq!(check(&app, &user, &site.url("/article")).await["status"], "clear");
}

#[tokio::test]
async fn the_header_overrides_the_file_and_the_meta_overrides_the_header_but_absence_resets_nothing() {
    let (app, user) = scanner_app().await;
    let reserved_file = r#"[{"location": "/", "tdm-reservation": 1}]"#;
    let meta = |v: &str| format!("<html><head><meta content=\"{v}\" name=\"TDM-Reservation\"></head><body></body></html>");
    let site = serve_site(vec![
        ("/.well-known/tdmrep.json", Page::json(reserved_file)),
        // File 1, no header, no meta → reserved (a missing value never resets).
        ("/plain", Page::html("<html><head></head></html>")),
        // File 1, header 0 → not reserved.
        ("/header-zero", Page::html("<html><head></head></html>").header("tdm-reservation", "0")),
        // File 1, header 0, meta 1 → reserved (the meta wins).
        ("/meta-one", Page::html(&meta("1")).header("tdm-reservation", "0")),
        // File 1, header absent, meta 0 → not reserved.
        ("/meta-zero", Page::html(&meta("0"))),
        // An unreadable value is ambiguous → unknown.
        ("/garbled", Page::html("<html></html>").header("tdm-reservation", "maybe")),
    ])
    .await;
    assert_eq!(check(&app, &user, &site.url("/plain")).await["status"], "reserved");
    assert_eq!(check(&app, &user, &site.url("/header-zero")).await["status"], "clear");
    let v = check(&app, &user, &site.url("/meta-one")).await;
    assert_eq!(v["status"], "reserved");
    assert!(signal(&v, "tdm_meta").iter().any(|s| s["status"] == "reserved"), "{v}");
    assert_eq!(check(&app, &user, &site.url("/meta-zero")).await["status"], "clear");
    assert_eq!(check(&app, &user, &site.url("/garbled")).await["status"], "unknown");
}

#[tokio::test]
async fn x_robots_tag_and_meta_robots_noai_reserve() {
    let (app, user) = scanner_app().await;
    let site = serve_site(vec![
        ("/tagged", Page::html("<p>x</p>").header("x-robots-tag", "noindex, noai")),
        ("/images", Page::html("<p>x</p>").header("X-Robots-Tag", "GPTBot: noimageai")),
        ("/other-bot", Page::html("<p>x</p>").header("X-Robots-Tag", "somebot: noai")),
        ("/dated", Page::html("<p>x</p>").header("X-Robots-Tag", "unavailable_after: 25 Jun 2030 15:00:00 PST")),
        ("/meta", Page::html("<html><head><meta name=\"robots\" content=\"noai, noimageai\"></head></html>")),
    ])
    .await;
    let v = check(&app, &user, &site.url("/tagged")).await;
    assert_eq!(v["status"], "reserved");
    assert!(signal(&v, "x_robots_tag").iter().any(|s| s["status"] == "reserved"));
    assert_eq!(check(&app, &user, &site.url("/images")).await["status"], "reserved");
    assert_eq!(check(&app, &user, &site.url("/other-bot")).await["status"], "clear", "a directive for a crawler we are not");
    assert_eq!(check(&app, &user, &site.url("/dated")).await["status"], "clear");
    assert_eq!(check(&app, &user, &site.url("/meta")).await["status"], "reserved");
}

#[tokio::test]
async fn errors_fail_closed_to_unknown_and_a_reservation_still_wins() {
    let (app, user) = scanner_app().await;
    let broken = serve_site(vec![("/robots.txt", Page::status(503)), ("/article", Page::html("<p>x</p>"))]).await;
    let v = check(&app, &user, &broken.url("/article")).await;
    assert_eq!(v["status"], "unknown", "robots.txt 503: {v}");
    assert_eq!(evidence(&v, "robots_txt")["http_status"], 503);

    let gone = serve_site(vec![("/page", Page::status(500))]).await;
    assert_eq!(check(&app, &user, &gone.url("/page")).await["status"], "unknown", "the page itself 500s");
    assert_eq!(check(&app, &user, &gone.url("/missing")).await["status"], "unknown", "the page is gone");

    let bad_json = serve_site(vec![("/.well-known/tdmrep.json", Page::json("{not json")), ("/a", Page::html("<p>x</p>"))]).await;
    assert_eq!(check(&app, &user, &bad_json.url("/a")).await["status"], "unknown", "an unreadable tdmrep.json is ambiguous");

    let mixed = serve_site(vec![("/robots.txt", Page::text("User-agent: ClaudeBot\nDisallow: /\n")), ("/a", Page::status(502))]).await;
    assert_eq!(check(&app, &user, &mixed.url("/a")).await["status"], "reserved", "a reservation wins over an error");
}

#[tokio::test]
async fn a_refused_or_cut_off_robots_txt_is_unknown_not_clear() {
    let (app, user) = scanner_app().await;
    // 401/403: the file may exist and reserve; being refused is not being told nothing is reserved.
    for status in [401, 403] {
        let site = site_with_page(vec![("/robots.txt", Page::status(status))]).await;
        let v = check(&app, &user, &site.url("/article")).await;
        assert_eq!(v["status"], "unknown", "HTTP {status}: {v}");
        assert_eq!(signal(&v, "robots_txt")[0]["status"], "unknown", "{v}");
        assert_eq!(evidence(&v, "robots_txt")["http_status"], status);
    }
    // A robots.txt larger than the size cap: what was not read may reserve the page.
    let mut big = String::from("User-agent: *\nDisallow: /private/\n");
    while big.len() < 600 * 1024 {
        big.push_str("# padding to exceed the size cap of a robots.txt\n");
    }
    big.push_str("User-agent: GPTBot\nDisallow: /\n");
    let site = site_with_page(vec![("/robots.txt", Page::text(&big))]).await;
    let v = check(&app, &user, &site.url("/article")).await;
    assert_eq!(v["status"], "unknown", "{v}");
    assert!(signal(&v, "robots_txt")[0]["detail"].as_str().unwrap().contains("cut off"), "{v}");
    // A 404 is still an absent file: nothing reserved by it.
    let site = site_with_page(vec![]).await;
    assert_eq!(check(&app, &user, &site.url("/article")).await["status"], "clear");
}

#[tokio::test]
async fn a_slow_origin_times_out_to_unknown() {
    let (app, user) = scanner_app().await;
    let slow = serve_site(vec![("/slow", Page::html("<p>x</p>").delayed(Duration::from_secs(3)))]).await;
    let v = check(&app, &user, &slow.url("/slow")).await;
    assert_eq!(v["status"], "unknown", "{v}");
    let page = evidence(&v, "page");
    assert!(page["http_status"].is_null());
    assert!(page["error"].as_str().unwrap().contains("timed out"), "{page}");
}

#[tokio::test]
async fn redirects_are_followed_to_the_final_page_but_never_off_the_web() {
    let (app, user) = scanner_app().await;
    let site = serve_site(vec![
        ("/old", Page::redirect("/new")),
        ("/new", Page::html("<p>x</p>").header("x-robots-tag", "noai")),
        ("/to-file", Page::redirect("file:///etc/passwd")),
        ("/loop", Page::redirect("/loop")),
    ])
    .await;
    assert_eq!(check(&app, &user, &site.url("/old")).await["status"], "reserved", "signals of the redirect target count");
    assert_eq!(check(&app, &user, &site.url("/to-file")).await["status"], "unknown");
    assert_eq!(check(&app, &user, &site.url("/loop")).await["status"], "unknown");
}

#[tokio::test]
async fn urls_that_are_not_on_the_public_web_are_refused() {
    let app = spawn_app_with(|_| {}).await;
    let user = app.new_user().await;
    for url in ["ftp://example.org/x", "not a url", "http://169.254.169.254/latest/meta-data", "http://127.0.0.1:9/"] {
        let res = app.post_json("/api/v1/optout/check", &json!({"url": url}), Some(&user.token)).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{url}");
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["errors"][0]["field"], "url");
    }
    let res = app.post_json("/api/v1/optout/check", &json!({"url": "https://example.org/"}), None).await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn an_origin_is_fetched_again_once_its_cache_entry_expires() {
    let app = spawn_app_with(|s| {
        s.allow_private_networks = true;
        s.scanner_origin_ttl_secs = 0;
    })
    .await;
    let user = app.new_user().await;
    let site = site_with_page(vec![("/robots.txt", Page::text("User-agent: *\nAllow: /\n"))]).await;
    check(&app, &user, &site.url("/article")).await;
    tokio::time::sleep(Duration::from_millis(20)).await;
    check(&app, &user, &site.url("/article")).await;
    assert_eq!(site.hits("/robots.txt"), 2, "a stale origin's documents are fetched again");
}
