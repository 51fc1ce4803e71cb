//! Builders for documents, pages and assertions.

use attune_domain::optout::{Evaluation, Fetched, OptoutStatus, OriginDocuments, OriginRules, PageFetch, Signal, SignalKind, evaluate};

pub fn body(text: &str) -> Fetched {
    Fetched::Body { http_status: 200, body: text.as_bytes().to_vec(), truncated: false }
}

pub fn missing() -> Fetched {
    Fetched::Missing { http_status: 404 }
}

pub fn failed() -> Fetched {
    Fetched::Failed { http_status: Some(503), error: "server error".into() }
}

pub fn agents() -> Vec<String> {
    ["GPTBot", "CCBot", "Google-Extended", "AttuneBot"].iter().map(|s| s.to_string()).collect()
}

pub fn noai() -> Vec<String> {
    vec!["noai".into(), "NoImageAI".into()]
}

/// No robots.txt, ai.txt or tdmrep.json.
pub fn no_docs() -> OriginDocuments {
    OriginDocuments { robots_txt: missing(), ai_txt: missing(), tdmrep_json: missing() }
}

pub fn robots(text: &str) -> OriginDocuments {
    OriginDocuments { robots_txt: body(text), ..no_docs() }
}

pub fn ai_txt(text: &str) -> OriginDocuments {
    OriginDocuments { ai_txt: body(text), ..no_docs() }
}

pub fn tdmrep(json: &str) -> OriginDocuments {
    OriginDocuments { tdmrep_json: body(json), ..no_docs() }
}

/// A plain HTML page with these response headers and this `<head>` content.
pub fn html_page(headers: &[(&str, &str)], head: &str) -> PageFetch {
    PageFetch {
        fetched: body(&format!("<!doctype html><html><head>{head}</head><body>hello</body></html>")),
        headers: headers.iter().map(|(n, v)| (n.to_string(), v.to_string())).collect(),
        content_type: Some("text/html; charset=utf-8".into()),
    }
}

pub fn plain_page() -> PageFetch {
    html_page(&[], "<title>t</title>")
}

pub fn eval(docs: &OriginDocuments, path: &str, page: &PageFetch) -> Evaluation {
    evaluate(&OriginRules::parse(docs, &agents()), path, page, &noai())
}

pub fn signals_of(e: &Evaluation, kind: SignalKind) -> Vec<&Signal> {
    e.signals.iter().filter(|s| s.signal == kind).collect()
}

/// The one signal of this kind.
pub fn signal(e: &Evaluation, kind: SignalKind) -> &Signal {
    let found = signals_of(e, kind);
    assert_eq!(found.len(), 1, "expected one {kind:?} signal in {:#?}", e.signals);
    found[0]
}

pub fn status_of(e: &Evaluation, kind: SignalKind) -> OptoutStatus {
    signal(e, kind).status
}
