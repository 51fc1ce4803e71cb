//! Scheduled refresh of the sanctions lists from configured URLs (`ATTUNE_SANCTIONS_FEEDS`): each
//! feed is fetched with `If-None-Match` its last ETag, so an unchanged list costs a 304; a changed
//! one is imported as a new version (with its diff and a re-screen), as an admin's upload would be.

use std::time::Duration;

use anyhow::Context;
use attune_integrations::sanctions::feed::{FeedClient, Fetched, check_url};
use attune_integrations::sanctions::{ImportedList, import_ofac_advanced, import_ofac_csv, import_opensanctions};
use sqlx::PgPool;

use crate::screening::{ScreeningService, store_import};

/// One configured feed: `opensanctions=URL`, `ofac_sdn_xml=URL`, or `ofac_sdn_csv=BASE` (the
/// directory holding SDN.CSV, ALT.CSV, ADD.CSV and SDN_COMMENTS.CSV).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Feed {
    pub source: String,
    pub url: String,
}

/// Parses `source=url;source=url`.
pub fn parse_feeds(raw: &str) -> Result<Vec<Feed>, String> {
    raw.split(';')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|item| {
            let (source, url) = item.split_once('=').ok_or_else(|| format!("{item:?} is not source=url"))?;
            let source = source.trim();
            if !matches!(source, "opensanctions" | "ofac_sdn_xml" | "ofac_sdn_csv") {
                return Err(format!("unknown list source {source:?}"));
            }
            let url = url.trim();
            check_url(url)?;
            Ok(Feed { source: source.to_owned(), url: url.to_owned() })
        })
        .collect()
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refreshed {
    Unchanged,
    Imported { version: String },
}

/// Checks one feed and imports it when it changed.
pub async fn refresh(pool: &PgPool, service: &ScreeningService, client: &FeedClient, feed: &Feed) -> anyhow::Result<Refreshed> {
    let mut conn = pool.acquire().await.context("failed to acquire a connection")?;
    let etag = attune_db::screening::feed(&mut conn, &feed.source).await?.filter(|f| f.url == feed.url).and_then(|f| f.etag);
    drop(conn);
    let main_url = if feed.source == "ofac_sdn_csv" { format!("{}/SDN.CSV", feed.url.trim_end_matches('/')) } else { feed.url.clone() };
    let outcome = async {
        let Some(Fetched { bytes, etag: new_etag }) = client.fetch(&main_url, etag.as_deref()).await? else {
            return Ok((Refreshed::Unchanged, None));
        };
        let list: ImportedList = match feed.source.as_str() {
            "opensanctions" => import_opensanctions(bytes.as_slice())?,
            "ofac_sdn_xml" => import_ofac_advanced(bytes.as_slice())?,
            _ => {
                let base = feed.url.trim_end_matches('/');
                let part = |name: &'static str| {
                    let url = format!("{base}/{name}");
                    async move { client.fetch(&url, None).await.map(|r| r.map(|f| f.bytes).unwrap_or_default()) }
                };
                let (alt, add, comments) = (part("ALT.CSV").await?, part("ADD.CSV").await?, part("SDN_COMMENTS.CSV").await?);
                import_ofac_csv(&bytes, &alt, &add, (!comments.is_empty()).then_some(comments.as_slice()))?
            }
        };
        let report = store_import(pool, service, "system:sanctions-refresh", None, list).await.map_err(|e| anyhow::anyhow!("{e}"))?;
        Ok::<_, anyhow::Error>((Refreshed::Imported { version: report.version }, new_etag))
    }
    .await;
    let mut conn = pool.acquire().await.context("failed to acquire a connection")?;
    match outcome {
        Ok((refreshed, new_etag)) => {
            let imported = matches!(refreshed, Refreshed::Imported { .. });
            attune_db::screening::record_feed(&mut conn, &feed.source, &feed.url, new_etag.as_deref(), imported, None).await?;
            Ok(refreshed)
        }
        Err(e) => {
            attune_db::screening::record_feed(&mut conn, &feed.source, &feed.url, None, false, Some(&format!("{e:#}"))).await?;
            Err(e)
        }
    }
}

/// The background task: every feed every `every`, until shutdown.
pub async fn run(
    pool: PgPool,
    service: std::sync::Arc<ScreeningService>,
    client: FeedClient,
    feeds: Vec<Feed>,
    every: Duration,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
) {
    loop {
        for feed in &feeds {
            match refresh(&pool, &service, &client, feed).await {
                Ok(Refreshed::Unchanged) => tracing::debug!(source = %feed.source, "sanctions list unchanged"),
                Ok(Refreshed::Imported { version }) => tracing::info!(source = %feed.source, %version, "sanctions list imported"),
                Err(e) => tracing::warn!(source = %feed.source, error = ?e, "sanctions list refresh failed"),
            }
        }
        tokio::select! {
            () = tokio::time::sleep(every) => {}
            _ = shutdown.changed() => return,
        }
    }
}
