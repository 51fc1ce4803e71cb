//! The UI in a real headless Chromium, driven over WebDriver (chromedriver + fantoccini).
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../common/mod.rs"]
mod common;

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

fn find(candidates: &[&str]) -> Option<String> {
    candidates.iter().find_map(|name| {
        let out = Command::new("sh").arg("-c").arg(format!("command -v {name}")).output().ok()?;
        out.status.success().then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
    })
}

struct Driver {
    process: Child,
    _profile: tempfile::TempDir,
    client: Client,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

async fn start_browser() -> Driver {
    let chromedriver =
        find(&["chromedriver"]).expect("chromedriver is not installed: the README's test command installs chromium and chromium-driver");
    let chromium =
        find(&["chromium", "chromium-browser", "google-chrome"]).expect("chromium is not installed: the README's test command installs it");
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let process = Command::new(chromedriver)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromedriver");
    let profile = tempfile::tempdir().unwrap();
    let caps = json!({
        "browserName": "chrome",
        "goog:chromeOptions": {
            "binary": chromium,
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
                     "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                     "--window-size=1280,1000", format!("--user-data-dir={}", profile.path().display())]
        }
    });
    let caps: serde_json::Map<String, serde_json::Value> = caps.as_object().unwrap().clone();
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    let client = loop {
        match ClientBuilder::new(connector.clone()).capabilities(caps.clone()).connect(&format!("http://127.0.0.1:{port}")).await {
            Ok(client) => break client,
            Err(e) if Instant::now() < deadline => {
                let _ = e;
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            Err(e) => panic!("could not start a WebDriver session: {e}"),
        }
    };
    Driver { process, _profile: profile, client }
}

async fn fill(client: &Client, id: &str, value: &str) {
    let el = client.find(Locator::Id(id)).await.unwrap_or_else(|e| panic!("no #{id}: {e}"));
    el.clear().await.unwrap();
    el.send_keys(value).await.unwrap();
}

async fn wait_for_path(client: &Client, path: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let url = client.current_url().await.unwrap();
        if url.path() == path {
            return;
        }
        assert!(Instant::now() < deadline, "expected to reach {path}, still at {url}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn a_visitor_registers_logs_out_and_logs_back_in() {
    let app = common::spawn_app().await;
    let driver = start_browser().await;
    let c = &driver.client;

    c.goto(&app.url("/")).await.unwrap();
    c.find(Locator::LinkText("Register")).await.unwrap().click().await.unwrap();
    wait_for_path(c, "/register").await;

    // A mistake first: the form comes back with the field marked and the other values kept.
    fill(c, "name", "Rosalind Franklin").await;
    fill(c, "email", "rosalind@example.org").await;
    fill(c, "password", "too short").await;
    fill(c, "organization_name", "Photo 51 Labs").await;
    fill(c, "organization_country", "GB").await;
    c.find(Locator::Css("select#organization\\.kind option[value='research']")).await.unwrap().click().await.unwrap();
    c.find(Locator::Css("form[action='/register'] button[type='submit']")).await.unwrap().click().await.unwrap();
    let error = c.wait().for_element(Locator::Id("password-error")).await.unwrap();
    assert!(error.text().await.unwrap().contains("at least 12 characters"));
    assert_eq!(c.find(Locator::Id("organization_name")).await.unwrap().prop("value").await.unwrap().as_deref(), Some("Photo 51 Labs"));

    fill(c, "password", common::PASSWORD).await;
    c.find(Locator::Css("form[action='/register'] button[type='submit']")).await.unwrap().click().await.unwrap();
    wait_for_path(c, "/account").await;
    let main = c.find(Locator::Css("main")).await.unwrap().text().await.unwrap();
    assert!(main.contains("Your account") && main.contains("rosalind@example.org") && main.contains("Photo 51 Labs"), "{main}");
    assert!(main.contains("Research organisation"), "{main}");
    assert!(main.contains("not confirmed yet"), "{main}");
    std::fs::create_dir_all("target").ok();
    if let Ok(png) = c.screenshot().await {
        std::fs::write("target/browser-account.png", png).ok();
    }

    c.find(Locator::Css("form[action='/logout'] button")).await.unwrap().click().await.unwrap();
    wait_for_path(c, "/").await;
    c.find(Locator::LinkText("Log in")).await.unwrap().click().await.unwrap();
    wait_for_path(c, "/login").await;

    fill(c, "email", "rosalind@example.org").await;
    fill(c, "password", "the wrong password").await;
    c.find(Locator::Css("form[action='/login'] button[type='submit']")).await.unwrap().click().await.unwrap();
    let alert = c.wait().for_element(Locator::Css("[role='alert']")).await.unwrap();
    assert!(alert.text().await.unwrap().contains("wrong"));

    fill(c, "password", common::PASSWORD).await;
    c.find(Locator::Css("form[action='/login'] button[type='submit']")).await.unwrap().click().await.unwrap();
    wait_for_path(c, "/account").await;
    assert!(c.find(Locator::Css("main")).await.unwrap().text().await.unwrap().contains("Rosalind Franklin"));

    driver.client.clone().close().await.unwrap();
}
