//! A real headless Chromium over WebDriver (chromedriver + fantoccini) and page helpers.

use std::net::TcpListener;
use std::os::unix::process::CommandExt;
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

pub struct Driver {
    process: Child,
    _profile: tempfile::TempDir,
    pub client: Client,
}

impl Drop for Driver {
    /// chromedriver and the browsers it started share a process group: end them all, even when a
    /// test panicked before closing its session.
    fn drop(&mut self) {
        let group = nix::unistd::Pid::from_raw(self.process.id() as i32);
        let _ = nix::sys::signal::killpg(group, nix::sys::signal::Signal::SIGKILL);
        let _ = self.process.wait();
    }
}

pub async fn start_browser() -> Driver {
    let chromedriver =
        find(&["chromedriver"]).expect("chromedriver is not installed: the README's test command installs chromium and chromium-driver");
    let chromium =
        find(&["chromium", "chromium-browser", "google-chrome"]).expect("chromium is not installed: the README's test command installs it");
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let process = Command::new(chromedriver)
        .arg(format!("--port={port}"))
        .process_group(0)
        .stdin(Stdio::null())
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

pub async fn fill(client: &Client, id: &str, value: &str) {
    let el = client.find(Locator::Id(id)).await.unwrap_or_else(|e| panic!("no #{id}: {e}"));
    el.clear().await.unwrap();
    el.send_keys(value).await.unwrap();
}

pub async fn wait_for_path(client: &Client, path: &str) {
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

pub async fn click(client: &Client, css: &str) {
    client.find(Locator::Css(css)).await.unwrap_or_else(|e| panic!("no {css}: {e}")).click().await.unwrap();
}

pub async fn text_of(client: &Client, css: &str) -> String {
    client.find(Locator::Css(css)).await.unwrap_or_else(|e| panic!("no {css}: {e}")).text().await.unwrap()
}

pub async fn log_in(client: &Client, base: &str, email: &str, password: &str) {
    client.goto(&format!("{base}/login")).await.unwrap();
    fill(client, "email", email).await;
    fill(client, "password", password).await;
    submit(client, "form[action='/login'] button[type='submit']").await;
    wait_for_path(client, "/").await;
}

pub async fn log_out(client: &Client) {
    submit(client, "form[action='/logout'] button").await;
    wait_for_path(client, "/").await;
}

/// Clicks a submit button and waits until the browser has replaced the page with the answer,
/// so no later lookup can read the old page.
pub async fn submit(client: &Client, css: &str) {
    client.execute("document.documentElement.dataset.before = 'submit'", vec![]).await.unwrap();
    click(client, css).await;
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let stale = client
            .execute("return document.documentElement.dataset.before === 'submit' || document.readyState !== 'complete'", vec![])
            .await;
        if matches!(stale, Ok(serde_json::Value::Bool(false))) {
            return;
        }
        assert!(Instant::now() < deadline, "submitting {css} did not load a new page");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Waits until `css` shows `needle` (case-insensitive) and returns its text.
pub async fn wait_for_text(client: &Client, css: &str, needle: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Ok(el) = client.find(fantoccini::Locator::Css(css)).await
            && let Ok(text) = el.text().await
            && text.to_lowercase().contains(&needle.to_lowercase())
        {
            return text;
        }
        if Instant::now() >= deadline {
            let main = client.find(fantoccini::Locator::Css("main")).await.ok();
            let text = match main {
                Some(m) => m.text().await.unwrap_or_default(),
                None => String::new(),
            };
            panic!("{css} never showed {needle:?}; the page says: {text}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
