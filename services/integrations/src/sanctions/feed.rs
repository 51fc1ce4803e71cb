//! Fetching a published sanctions list: `If-None-Match` its last ETag, so an unchanged list costs a
//! 304 and no download.

use std::time::Duration;

use anyhow::Context;
use reqwest::StatusCode;

/// The HTTP client list feeds are fetched with.
#[derive(Clone)]
pub struct FeedClient {
    client: reqwest::Client,
}

/// A list's bytes and the ETag it was served with.
pub struct Fetched {
    pub bytes: Vec<u8>,
    pub etag: Option<String>,
}

impl FeedClient {
    pub fn new(client: reqwest::Client) -> Self {
        Self { client }
    }

    /// The list at `url`, or `None` when it is unchanged since `etag`.
    pub async fn fetch(&self, url: &str, etag: Option<&str>) -> anyhow::Result<Option<Fetched>> {
        let mut req = self.client.get(url).timeout(Duration::from_secs(300));
        if let Some(etag) = etag {
            req = req.header("if-none-match", etag);
        }
        let res = req.send().await.with_context(|| format!("failed to fetch {url}"))?;
        if res.status() == StatusCode::NOT_MODIFIED {
            return Ok(None);
        }
        anyhow::ensure!(res.status().is_success(), "{url} answered {}", res.status());
        let etag = res.headers().get("etag").and_then(|v| v.to_str().ok()).map(str::to_owned);
        Ok(Some(Fetched { bytes: res.bytes().await.context("failed to read the list")?.to_vec(), etag }))
    }
}

/// Whether `url` is an absolute URL a feed can be fetched from.
pub fn check_url(url: &str) -> Result<(), String> {
    reqwest::Url::parse(url).map(|_| ()).map_err(|e| format!("{url:?} is not a URL: {e}"))
}
