//! Opt-out signal evaluation over fetched bytes (DESIGN.md §3, "opt-out scanner"). Pure: the
//! integrations crate fetches, this module decides. It fails closed: anything it cannot read with
//! certainty is `unknown`, never `clear`.
//!
//! INTERFACE (fixed; the scanner in attune-integrations and the app depend on these names):
//! - `OriginRules::parse(&OriginDocuments, agents)` once per origin (cached by the caller);
//! - `evaluate(&OriginRules, path_and_query, &PageFetch, noai_directives)` once per URL.
//!
//! # Sources, in the order their signals are listed
//!
//! 1. `robots_txt`: for each configured AI agent, its robots.txt group (else `*`), matched by
//!    `texting_robots`. Any agent disallowed from the path → reserved.
//! 2. `ai_txt`: Spawning's `/ai.txt`, same grammar and matcher (path and `*.jpg`-style rules).
//! 3. `tdmrep_json`: TDMRep's `/.well-known/tdmrep.json`, first entry whose `location` matches.
//! 4. `tdm_header`: TDMRep's `tdm-reservation` / `tdm-policy` response headers.
//! 5. `tdm_meta`: TDMRep's `<meta name="tdm-reservation">` / `tdm-policy` in an HTML head.
//! 6. `x_robots_tag`: `noai`-style directives, unprefixed or prefixed by one of our agents.
//! 7. `robots_meta`: the same directives in `<meta name="robots">` or `<meta name="<agent>">`.
//! 8. `page`: the page itself could not be read (failed, gone, or cut off inside its head).
//!
//! A document that is absent (404/410) says nothing (clear). A document that failed (5xx, 408,
//! 429, timeout, …), that we were refused (401/403: it may exist and reserve), that was cut off at
//! the size cap, or that cannot be read unambiguously is `unknown`. The verdict is the fold of every
//! signal with [`OptoutStatus::most_severe`]: one reservation anywhere wins, then any doubt.
//!
//! # TDMRep precedence
//!
//! The effective `tdm-reservation` starts as the tdmrep.json value (if an entry matches); the
//! header's value, if present, overrides it; the meta tag's value, if present, overrides the
//! header. A layer without a `tdm-reservation` never resets an earlier one:
//!
//! | file | header | meta | effective |
//! |------|--------|------|-----------|
//! | 1    | –      | –    | reserved (file) |
//! | 1    | 0      | –    | clear |
//! | 0    | 1      | 0    | clear |
//! | 1    | –      | 0    | clear |
//! | –    | 1      | –    | reserved (header) |
//!
//! The reserved status is attributed to the winning layer; overridden layers get a clear signal
//! saying so. `tdm-policy` comes from the winning layer, or else from the latest layer that gave
//! one. A layer whose value is unreadable (not 0/1, conflicting repeats, a failed or invalid
//! tdmrep.json, a matching entry without a valid reservation) is `unknown`, and it still overrides
//! the earlier layers (its intent cannot be known, so it cannot fall back to them); it stays
//! `unknown` even when a later layer overrides it in turn.

mod headers;
mod html;
mod robots;
mod tdmrep;

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use self::robots::RobotsFile;
use self::tdmrep::TdmrepFile;

/// The verdict for one URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OptoutStatus {
    Clear,
    Reserved,
    Unknown,
}

impl OptoutStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            OptoutStatus::Clear => "clear",
            OptoutStatus::Reserved => "reserved",
            OptoutStatus::Unknown => "unknown",
        }
    }

    /// Combines two verdicts: a reservation anywhere wins, then any doubt.
    pub fn most_severe(self, other: OptoutStatus) -> OptoutStatus {
        use OptoutStatus::*;
        match (self, other) {
            (Reserved, _) | (_, Reserved) => Reserved,
            (Unknown, _) | (_, Unknown) => Unknown,
            _ => Clear,
        }
    }
}

/// Where a signal came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SignalKind {
    /// `/robots.txt` groups for AI crawlers (and our own bot).
    RobotsTxt,
    /// Spawning's `/ai.txt`.
    AiTxt,
    /// `/.well-known/tdmrep.json` (W3C TDMRep CG report).
    TdmrepJson,
    /// `tdm-reservation` / `tdm-policy` HTTP response headers.
    TdmHeader,
    /// `<meta name="tdm-reservation">` / `<meta name="tdm-policy">` in the HTML head.
    TdmMeta,
    /// `X-Robots-Tag: noai` / `noimageai`.
    XRobotsTag,
    /// `<meta name="robots" content="noai">`.
    RobotsMeta,
    /// The page itself (its fetch failing makes the verdict unknown).
    Page,
}

impl SignalKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SignalKind::RobotsTxt => "robots_txt",
            SignalKind::AiTxt => "ai_txt",
            SignalKind::TdmrepJson => "tdmrep_json",
            SignalKind::TdmHeader => "tdm_header",
            SignalKind::TdmMeta => "tdm_meta",
            SignalKind::XRobotsTag => "x_robots_tag",
            SignalKind::RobotsMeta => "robots_meta",
            SignalKind::Page => "page",
        }
    }
}

/// One signal that contributed to a verdict, explained.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Signal {
    pub signal: SignalKind,
    pub status: OptoutStatus,
    /// Human-readable: which agent/rule/value, e.g. "GPTBot may not fetch /articles/1 (robots.txt)".
    pub detail: String,
    /// TDMRep `tdm-policy` URL where one was given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub policy_url: Option<String>,
}

/// The outcome of fetching one document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fetched {
    /// 2xx with these bytes (possibly truncated at the caller's size cap: `truncated`).
    Body { http_status: u16, body: Vec<u8>, truncated: bool },
    /// 404 or 410 (or another 4xx other than 401/403/408/429): the document does not exist → no signal.
    Missing { http_status: u16 },
    /// 5xx, 401, 403, 408, 429, timeout, connection or TLS error, refused redirect, SSRF refusal →
    /// fail closed.
    Failed { http_status: Option<u16>, error: String },
}

/// The per-origin documents, fetched once per origin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OriginDocuments {
    pub robots_txt: Fetched,
    pub ai_txt: Fetched,
    pub tdmrep_json: Fetched,
}

/// The page of the URL being checked: response headers (names lower-case, in order; a header may
/// repeat) and the body (the caller passes at most the first part of it, enough for the HTML head).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageFetch {
    pub fetched: Fetched,
    pub headers: Vec<(String, String)>,
    pub content_type: Option<String>,
}

/// The result of evaluating one URL.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evaluation {
    pub status: OptoutStatus,
    pub signals: Vec<Signal>,
}

/// The parsed per-origin documents and the agents to consult: built once per origin by
/// [`OriginRules::parse`], then shared (cheap to clone; `Send + Sync`).
#[derive(Debug, Clone)]
pub struct OriginRules {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    robots_txt: RobotsFile,
    ai_txt: RobotsFile,
    tdmrep: TdmrepFile,
    agents: Vec<String>,
}

impl OriginRules {
    /// Parses the per-origin documents once. `agents` = the AI crawler user agents to consult
    /// (e.g. "GPTBot", "CCBot", and our own bot's name); none at all means robots' `*` group.
    pub fn parse(docs: &OriginDocuments, agents: &[String]) -> OriginRules {
        let agents: Vec<String> = agents.iter().map(|a| a.trim().to_string()).filter(|a| !a.is_empty()).collect();
        let inner = Inner {
            robots_txt: RobotsFile::robots_txt(&docs.robots_txt, &agents),
            ai_txt: RobotsFile::ai_txt(&docs.ai_txt, &agents),
            tdmrep: TdmrepFile::parse(&docs.tdmrep_json),
            agents,
        };
        OriginRules { inner: Arc::new(inner) }
    }
}

/// Evaluates one URL of the origin. `path_and_query` is like "/articles/1?x=2"; `noai_directives`
/// are e.g. ["noai", "noimageai"] (case-insensitive).
pub fn evaluate(rules: &OriginRules, path_and_query: &str, page: &PageFetch, noai_directives: &[String]) -> Evaluation {
    let rules = &*rules.inner;
    let path = if path_and_query.starts_with('/') { path_and_query.to_string() } else { format!("/{path_and_query}") };
    let noai: Vec<String> = noai_directives.iter().map(|d| d.trim().to_string()).filter(|d| !d.is_empty()).collect();

    let (head, page_signal) = read_page(page);

    let mut signals = vec![rules.robots_txt.evaluate(&path), rules.ai_txt.evaluate(&path)];
    let mut layers = vec![rules.tdmrep.layer(&path), headers::tdm_header_layer(&page.headers)];
    if let Some(head) = &head {
        layers.push(headers::tdm_meta_layer(head));
    }
    signals.extend(tdmrep::resolve(&layers));
    signals.push(headers::x_robots_signal(&page.headers, &rules.agents, &noai));
    if let Some(head) = &head {
        signals.push(headers::robots_meta_signal(head, &rules.agents, &noai));
    }
    signals.push(page_signal);

    let status = signals.iter().fold(OptoutStatus::Clear, |acc, s| acc.most_severe(s.status));
    Evaluation { status, signals }
}

/// The HTML head (for an HTML page with a body) and the page's own signal.
fn read_page(page: &PageFetch) -> (Option<html::Head>, Signal) {
    let signal = |status, detail| Signal { signal: SignalKind::Page, status, detail, policy_url: None };
    match &page.fetched {
        Fetched::Failed { http_status, error } => (None, signal(OptoutStatus::Unknown, robots::failed_detail("page", *http_status, error))),
        Fetched::Missing { http_status } => {
            (None, signal(OptoutStatus::Unknown, format!("the page is gone (HTTP {http_status}); its own signals cannot be read")))
        }
        Fetched::Body { http_status, body, truncated } => {
            if !html::is_html(page.content_type.as_deref(), body) {
                return (None, signal(OptoutStatus::Clear, format!("fetched (HTTP {http_status})")));
            }
            let head = html::scan_head(body);
            let page_signal = if *truncated && !head.ended {
                let detail = "the page was cut off before the end of its HTML head; its meta tags cannot all be read";
                signal(OptoutStatus::Unknown, detail.to_string())
            } else {
                signal(OptoutStatus::Clear, format!("fetched (HTTP {http_status}), HTML head read"))
            };
            (Some(head), page_signal)
        }
    }
}
