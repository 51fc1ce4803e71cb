//! The opt-out scanner's fetching half (DESIGN.md §3): per origin it fetches `/robots.txt`,
//! `/ai.txt` and `/.well-known/tdmrep.json` once (single flight, cached with a TTL), then per URL
//! the page's headers and HTML head; `attune_domain::optout` decides. It fails closed: a timeout,
//! 5xx, refused redirect or SSRF refusal becomes a `Failed` document and so an `unknown` verdict.
//! Every verdict carries its evidence: which document, its URL, HTTP status, when, and the sha256
//! of the bytes seen.
//!
//! Politeness: at most `per_origin_concurrency` requests to one origin at a time and
//! `global_concurrency` overall; connections are kept alive and reused per origin.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use attune_domain::optout::{self, Evaluation, Fetched, OptoutStatus, OriginDocuments, OriginRules, PageFetch, Signal, SignalKind};
use chrono::{DateTime, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};
use tokio::sync::{OnceCell, Semaphore};
use url::Url;

use crate::fetch::{GuardedResolver, check_literal_host, describe, redirect_policy};

#[derive(Debug, Clone)]
pub struct ScannerSettings {
    /// Our crawler's product token, consulted in robots.txt like the AI crawlers of the policy.
    pub bot_name: String,
    pub allow_private: bool,
    pub request_timeout: Duration,
    pub per_origin_concurrency: usize,
    pub global_concurrency: usize,
    /// How long an origin's robots.txt, ai.txt and tdmrep.json are reused.
    pub origin_ttl: Duration,
    /// A verdict's re-check date is this far after the check.
    pub recheck_after: chrono::Duration,
    pub max_document_bytes: usize,
    /// How much of a page is read for its HTML head.
    pub max_page_bytes: usize,
}

impl ScannerSettings {
    pub fn new(bot_name: &str, allow_private: bool) -> Self {
        Self {
            bot_name: bot_name.to_owned(),
            allow_private,
            request_timeout: Duration::from_secs(5),
            per_origin_concurrency: 4,
            global_concurrency: 64,
            origin_ttl: Duration::from_secs(3600),
            recheck_after: chrono::Duration::days(30),
            max_document_bytes: 512 * 1024,
            max_page_bytes: 64 * 1024,
        }
    }
}

/// What was fetched to reach a verdict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Evidence {
    pub signal: SignalKind,
    pub url: String,
    pub http_status: Option<u16>,
    pub fetched_at: DateTime<Utc>,
    /// sha256 of the bytes read (the first `max_*_bytes` of a body); none when nothing was read.
    pub sha256: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub error: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct UrlVerdict {
    pub url: String,
    pub status: OptoutStatus,
    pub signals: Vec<Signal>,
    pub evidence: Vec<Evidence>,
    pub checked_at: DateTime<Utc>,
    pub recheck_at: DateTime<Utc>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ScanInputError {
    #[error("must be an absolute http(s) URL: {0}")]
    NotHttp(String),
    #[error("{0}")]
    Refused(String),
}

/// Beyond this many cached origins, stale ones are dropped before another is added.
const MAX_CACHED_ORIGINS: usize = 10_000;

struct OriginEntry {
    rules: OriginRules,
    evidence: Vec<Evidence>,
    fetched: Instant,
}

struct Origin {
    cell: OnceCell<Arc<OriginEntry>>,
    limit: Semaphore,
}

#[derive(Clone)]
pub struct OptoutScanner {
    inner: Arc<Inner>,
}

struct Inner {
    client: reqwest::Client,
    settings: ScannerSettings,
    agents: Vec<String>,
    noai: Vec<String>,
    global: Semaphore,
    origins: Mutex<HashMap<String, Arc<Origin>>>,
}

struct Response {
    fetched: Fetched,
    headers: Vec<(String, String)>,
    content_type: Option<String>,
    evidence: Evidence,
}

impl OptoutScanner {
    /// `agents` are the AI crawlers of the data policy (our bot name is added); `noai` the
    /// `X-Robots-Tag`/meta directives that reserve content.
    pub fn new(settings: ScannerSettings, agents: Vec<String>, noai: Vec<String>, user_agent: &str) -> anyhow::Result<Self> {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let mut builder = reqwest::Client::builder()
            .user_agent(user_agent)
            .connect_timeout(settings.request_timeout)
            .pool_max_idle_per_host(settings.per_origin_concurrency.max(1))
            .no_proxy()
            .redirect(redirect_policy(settings.allow_private));
        if !settings.allow_private {
            builder = builder.dns_resolver(Arc::new(GuardedResolver));
        }
        let client = builder.build().map_err(|e| anyhow::anyhow!("failed to build the scanner's HTTP client: {e}"))?;
        let mut agents = agents;
        if !agents.iter().any(|a| a.eq_ignore_ascii_case(&settings.bot_name)) {
            agents.push(settings.bot_name.clone());
        }
        let global = Semaphore::new(settings.global_concurrency.max(1));
        Ok(Self { inner: Arc::new(Inner { client, settings, agents, noai, global, origins: Mutex::new(HashMap::new()) }) })
    }

    pub fn settings(&self) -> &ScannerSettings {
        &self.inner.settings
    }

    pub fn agents(&self) -> &[String] {
        &self.inner.agents
    }

    /// Checks that `raw` is a URL the scanner may fetch at all (http(s), and not a literal private
    /// address unless private networks are allowed).
    pub fn parse_url(&self, raw: &str) -> Result<Url, ScanInputError> {
        let url = Url::parse(raw.trim()).map_err(|e| ScanInputError::NotHttp(e.to_string()))?;
        if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
            return Err(ScanInputError::NotHttp(format!("the {} scheme is not scanned", url.scheme())));
        }
        check_literal_host(&url, self.inner.settings.allow_private).map_err(|e| ScanInputError::Refused(e.to_string()))?;
        Ok(url)
    }

    /// The verdict for one URL.
    pub async fn check(&self, raw: &str) -> Result<UrlVerdict, ScanInputError> {
        let url = self.parse_url(raw)?;
        Ok(self.check_parsed(url).await)
    }

    /// Verdicts for many URLs, in input order, checked concurrently within the politeness limits.
    /// A URL that is not scannable gets an `unknown` verdict explaining why.
    pub async fn check_many(&self, urls: Vec<String>) -> Vec<UrlVerdict> {
        let mut tasks = tokio::task::JoinSet::new();
        let width = self.inner.settings.global_concurrency.max(1) * 2;
        let mut results: Vec<Option<UrlVerdict>> = vec![None; urls.len()];
        let mut pending = urls.into_iter().enumerate();
        loop {
            while tasks.len() < width {
                let Some((index, raw)) = pending.next() else { break };
                let scanner = self.clone();
                tasks.spawn(async move {
                    let verdict = match scanner.parse_url(&raw) {
                        Ok(url) => scanner.check_parsed(url).await,
                        Err(e) => scanner.refused(&raw, &e.to_string()),
                    };
                    (index, verdict)
                });
            }
            match tasks.join_next().await {
                Some(Ok((index, verdict))) => {
                    if let Some(slot) = results.get_mut(index) {
                        *slot = Some(verdict);
                    }
                }
                Some(Err(e)) => tracing::error!(error = %e, "an opt-out check task failed"),
                None => break,
            }
        }
        results.into_iter().map(|v| v.unwrap_or_else(|| self.refused("", "the check did not complete"))).collect()
    }

    fn refused(&self, raw: &str, why: &str) -> UrlVerdict {
        let now = Utc::now();
        UrlVerdict {
            url: raw.to_owned(),
            status: OptoutStatus::Unknown,
            signals: vec![Signal {
                signal: SignalKind::Page,
                status: OptoutStatus::Unknown,
                detail: format!("not scanned: {why}"),
                policy_url: None,
            }],
            evidence: Vec::new(),
            checked_at: now,
            recheck_at: now + self.inner.settings.recheck_after,
        }
    }

    async fn check_parsed(&self, url: Url) -> UrlVerdict {
        let origin_key = url.origin().ascii_serialization();
        let origin = self.origin(&origin_key);
        let entry = origin.cell.get_or_init(|| self.fetch_origin(&url, &origin.limit)).await.clone();
        let page = self.fetch(url.clone(), SignalKind::Page, self.inner.settings.max_page_bytes, &origin.limit).await;
        let page_fetch = PageFetch { fetched: page.fetched, headers: page.headers, content_type: page.content_type };
        let path_and_query = match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_owned(),
        };
        let Evaluation { status, signals } = optout::evaluate(&entry.rules, &path_and_query, &page_fetch, &self.inner.noai);
        let mut evidence = entry.evidence.clone();
        evidence.push(page.evidence);
        let checked_at = Utc::now();
        UrlVerdict {
            url: url.to_string(),
            status,
            signals,
            evidence,
            checked_at,
            recheck_at: checked_at + self.inner.settings.recheck_after,
        }
    }

    /// The origin's slot; a slot older than the TTL is replaced so its documents are fetched again.
    fn origin(&self, key: &str) -> Arc<Origin> {
        let ttl = self.inner.settings.origin_ttl;
        let mut map = self.inner.origins.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(existing) = map.get(key) {
            let stale = existing.cell.get().is_some_and(|entry| entry.fetched.elapsed() > ttl);
            if !stale {
                return existing.clone();
            }
        }
        if map.len() >= MAX_CACHED_ORIGINS {
            map.retain(|_, origin| origin.cell.get().is_none_or(|entry| entry.fetched.elapsed() <= ttl));
        }
        let fresh = Arc::new(Origin { cell: OnceCell::new(), limit: Semaphore::new(self.inner.settings.per_origin_concurrency.max(1)) });
        map.insert(key.to_owned(), fresh.clone());
        fresh
    }

    async fn fetch_origin(&self, url: &Url, limit: &Semaphore) -> Arc<OriginEntry> {
        let at = |path: &str| {
            let mut u = url.clone();
            u.set_path(path);
            u.set_query(None);
            u.set_fragment(None);
            u
        };
        let cap = self.inner.settings.max_document_bytes;
        let (robots, ai, tdmrep) = tokio::join!(
            self.fetch(at("/robots.txt"), SignalKind::RobotsTxt, cap, limit),
            self.fetch(at("/ai.txt"), SignalKind::AiTxt, cap, limit),
            self.fetch(at("/.well-known/tdmrep.json"), SignalKind::TdmrepJson, cap, limit),
        );
        let docs = OriginDocuments { robots_txt: robots.fetched, ai_txt: ai.fetched, tdmrep_json: tdmrep.fetched };
        let rules = OriginRules::parse(&docs, &self.inner.agents);
        Arc::new(OriginEntry { rules, evidence: vec![robots.evidence, ai.evidence, tdmrep.evidence], fetched: Instant::now() })
    }

    async fn fetch(&self, url: Url, signal: SignalKind, cap: usize, origin_limit: &Semaphore) -> Response {
        let (global, local) = (self.inner.global.acquire().await, origin_limit.acquire().await);
        let fetched_at = Utc::now();
        let outcome = tokio::time::timeout(self.inner.settings.request_timeout, self.get(&url, cap)).await;
        drop((global, local));
        let (fetched, headers, content_type, sha256) = match outcome {
            Ok(result) => result,
            Err(_) => (
                Fetched::Failed { http_status: None, error: format!("timed out after {:?}", self.inner.settings.request_timeout) },
                Vec::new(),
                None,
                None,
            ),
        };
        let (http_status, error) = match &fetched {
            Fetched::Body { http_status, .. } | Fetched::Missing { http_status } => (Some(*http_status), None),
            Fetched::Failed { http_status, error } => (*http_status, Some(error.clone())),
        };
        let evidence = Evidence { signal, url: url.to_string(), http_status, fetched_at, sha256, error };
        Response { fetched, headers, content_type, evidence }
    }

    async fn get(&self, url: &Url, cap: usize) -> (Fetched, Vec<(String, String)>, Option<String>, Option<String>) {
        let failed = |status: Option<u16>, error: String| (Fetched::Failed { http_status: status, error }, Vec::new(), None, None);
        let mut response = match self.inner.client.get(url.clone()).send().await {
            Ok(r) => r,
            Err(e) => return failed(e.status().map(|s| s.as_u16()), describe(&e)),
        };
        let status = response.status().as_u16();
        let headers: Vec<(String, String)> = response
            .headers()
            .iter()
            .map(|(name, value)| (name.as_str().to_ascii_lowercase(), String::from_utf8_lossy(value.as_bytes()).into_owned()))
            .collect();
        let content_type = response.headers().get(reqwest::header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).map(str::to_owned);
        if !(200..300).contains(&status) {
            let fetched = if status == 401 || status == 403 {
                // The document may exist and say anything: being refused is not being told "nothing
                // is reserved" (fail closed, to review).
                Fetched::Failed { http_status: Some(status), error: format!("access was refused (HTTP {status})") }
            } else if (400..500).contains(&status) && status != 408 && status != 429 {
                Fetched::Missing { http_status: status }
            } else {
                Fetched::Failed { http_status: Some(status), error: format!("HTTP status {status}") }
            };
            return (fetched, headers, content_type, None);
        }
        let mut body = Vec::new();
        let mut truncated = false;
        loop {
            match response.chunk().await {
                Ok(Some(chunk)) => {
                    let room = cap.saturating_sub(body.len());
                    if chunk.len() > room {
                        body.extend_from_slice(&chunk[..room]);
                        truncated = true;
                        break;
                    }
                    body.extend_from_slice(&chunk);
                }
                Ok(None) => break,
                Err(e) => return failed(Some(status), format!("the body could not be read: {}", describe(&e))),
            }
        }
        let sha256 = hex::encode(Sha256::digest(&body));
        (Fetched::Body { http_status: status, body, truncated }, headers, content_type, Some(sha256))
    }
}
