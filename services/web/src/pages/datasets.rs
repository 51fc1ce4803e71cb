//! Dataset pages: the list with an upload form (pasted NDJSON without JavaScript; a chosen file is
//! streamed to the JSON API by `static/upload.js`), and a dataset's gate verdicts with evidence.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use attune_app::Actor;
use attune_app::datasets::{self, DatasetCreated, DatasetUpload};
use attune_app::datasets::{Dataset, GateCounts, Record};
use attune_app::error::AppError;
use attune_domain::FieldError;
use futures_util::StreamExt;
use serde::Deserialize;
use uuid::Uuid;

use super::{EXPIRED_FORM, Layout, form_pairs, form_value, message, page_layout, redirect, signed_in};
use crate::csrf;
use crate::state::AppState;

/// The largest upload form accepted (url-encoded); bigger datasets go through the file upload.
const FORM_MAX_BYTES: usize = 8 * 1024 * 1024;
/// Records shown per gate verdict on the dataset page.
const SHOWN_RECORDS: i64 = 100;

pub fn configure(cfg: &mut web::ServiceConfig) {
    // The upload form's body is read as a stream with its own cap (`FORM_MAX_BYTES`), not through
    // the app-wide form limit.
    cfg.service(web::resource("/datasets").route(web::get().to(list_page)).route(web::post().to(upload)))
        .route("/datasets/{id}", web::get().to(dataset_page))
        .route("/static/upload.js", web::get().to(|| async { super::asset(super::JS, include_str!("../../../../static/upload.js")) }));
}

#[derive(Template)]
#[template(path = "datasets.html")]
struct ListPage {
    layout: Layout,
    datasets: Vec<Dataset>,
    name: String,
    records: String,
    errors: Vec<FieldError>,
}

async fn render_list(
    req: &HttpRequest,
    state: &AppState,
    name: String,
    records: String,
    errors: Vec<FieldError>,
    status: StatusCode,
) -> HttpResponse {
    let (page, actor) = match signed_in(req, state, "Datasets").await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let datasets = datasets::list(&state.pool, &actor).await.unwrap_or_default();
    let body = ListPage { layout: page_layout(&page), datasets, name, records, errors }.render();
    page.render(status, body)
}

async fn list_page(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    render_list(&req, &state, String::new(), String::new(), Vec::new(), StatusCode::OK).await
}

/// Reads the form body up to the limit; `None` when it is larger.
async fn read_form(mut payload: web::Payload) -> Option<web::BytesMut> {
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.ok()?;
        if body.len() + chunk.len() > FORM_MAX_BYTES {
            return None;
        }
        body.extend_from_slice(&chunk);
    }
    Some(body)
}

async fn upload(req: HttpRequest, state: web::Data<AppState>, payload: web::Payload) -> HttpResponse {
    let actor = match signed_in(&req, &state, "Datasets").await {
        Ok((_, actor)) => actor,
        Err(r) => return r,
    };
    let Some(body) = read_form(payload).await else {
        let error = FieldError::new("records", "are more than this form accepts (8 MiB); choose an NDJSON file instead");
        return render_list(&req, &state, String::new(), String::new(), vec![error], StatusCode::PAYLOAD_TOO_LARGE).await;
    };
    let p = form_pairs(&body);
    let (name, records) = (form_value(&p, "name"), form_value(&p, "records"));
    if !csrf::verify(&req, &state, &form_value(&p, "csrf_token")) {
        return render_list(&req, &state, name, records, vec![FieldError::new("form", EXPIRED_FORM)], StatusCode::FORBIDDEN).await;
    }
    match store(&state, &actor, &name, &records).await {
        Ok(created) => {
            state.scanning.wake();
            redirect(&format!("/datasets/{}", created.dataset.id))
        }
        Err(AppError::Validation(e)) => render_list(&req, &state, name, records, e.0, StatusCode::UNPROCESSABLE_ENTITY).await,
        Err(AppError::Refused { detail, field, .. }) => {
            let error = FieldError::new(field.unwrap_or_else(|| "form".into()), detail);
            render_list(&req, &state, name, records, vec![error], StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => {
            tracing::error!(error = %e, "a dataset upload from the form failed");
            let error = FieldError::new("form", "The dataset could not be stored. Please try again.");
            render_list(&req, &state, name, records, vec![error], StatusCode::INTERNAL_SERVER_ERROR).await
        }
    }
}

/// Feeds the pasted lines to the upload exactly as the API's NDJSON path does.
async fn store(state: &AppState, actor: &Actor, name: &str, records: &str) -> Result<DatasetCreated, AppError> {
    let mut upload = DatasetUpload::begin(&state.pool, &state.data_policy, actor, name).await?;
    for (i, line) in records.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let n = i + 1;
        match serde_json::from_str::<serde_json::Value>(line) {
            Ok(value) => upload.push(&value, format!("line {n}")).await?,
            Err(e) => upload.reject(format!("line {n}"), format!("is not valid JSON: {e}")),
        }
        if upload.is_hopeless() {
            break;
        }
    }
    upload.finish().await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct Reason {
    pub code: String,
    pub detail: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct SignalView {
    pub signal: String,
    pub status: String,
    pub detail: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct EvidenceJson {
    signal: String,
    url: String,
    http_status: Option<u16>,
    fetched_at: String,
    sha256: Option<String>,
    error: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct OptoutJson {
    status: String,
    signals: Vec<SignalView>,
    evidence: Vec<EvidenceJson>,
    checked_at: String,
}

pub(super) struct EvidenceView {
    pub signal: String,
    pub url: String,
    /// Empty when nothing answered (`error` says why).
    pub http_status: String,
    pub fetched_at: String,
    pub sha_short: String,
    pub sha_full: String,
    pub error: String,
}

/// A record as the pages show it: why the gate decided, and what the opt-out scan saw.
pub(super) struct RecordView {
    pub id: String,
    pub line: i64,
    pub source_url: String,
    pub reasons: Vec<Reason>,
    /// `clear`, `reserved` or `unknown`; empty before the scan.
    pub optout_status: String,
    pub checked_at: String,
    pub signals: Vec<SignalView>,
    pub evidence: Vec<EvidenceView>,
}

/// The first 12 characters of a hex digest.
fn short(sha256: &str) -> String {
    sha256.get(..12).unwrap_or(sha256).to_string()
}

fn when(raw: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(raw)
        .map(|t| t.with_timezone(&chrono::Utc).format("%Y-%m-%d %H:%M:%S UTC").to_string())
        .unwrap_or_else(|_| raw.to_string())
}

impl RecordView {
    pub fn new(
        id: String,
        line: i64,
        source_url: Option<String>,
        optout: Option<&serde_json::Value>,
        reasons: &serde_json::Value,
    ) -> RecordView {
        let optout: OptoutJson = optout.and_then(|o| serde_json::from_value(o.clone()).ok()).unwrap_or_default();
        let evidence = optout
            .evidence
            .into_iter()
            .map(|e| {
                let sha_full = e.sha256.unwrap_or_default();
                EvidenceView {
                    signal: e.signal,
                    url: e.url,
                    http_status: e.http_status.map(|s| s.to_string()).unwrap_or_default(),
                    fetched_at: when(&e.fetched_at),
                    sha_short: short(&sha_full),
                    sha_full,
                    error: e.error.unwrap_or_default(),
                }
            })
            .collect();
        RecordView {
            id,
            line,
            source_url: source_url.unwrap_or_default(),
            reasons: serde_json::from_value(reasons.clone()).unwrap_or_default(),
            optout_status: optout.status,
            checked_at: when(&optout.checked_at),
            signals: optout.signals,
            evidence,
        }
    }

    fn from_row(r: Record) -> RecordView {
        RecordView::new(r.record_id, r.seq, r.source_url, r.optout.as_ref(), &r.gate_reasons)
    }
}

pub(super) struct DomainLine {
    pub domain: String,
    pub records: u64,
    pub share: String,
}

#[derive(Template)]
#[template(path = "dataset.html")]
struct DatasetPage {
    layout: Layout,
    d: Dataset,
    policy_sha_short: String,
    counts: GateCounts,
    domains: Vec<DomainLine>,
    /// Blocked records, then those awaiting review.
    sections: Vec<RecordSection>,
    shown: i64,
}

struct RecordSection {
    heading: &'static str,
    /// The prefix of the section's element ids (`blocked-records`, `review-records`).
    id: &'static str,
    note: &'static str,
    rows: Vec<RecordView>,
    total: i64,
}

async fn dataset_page(req: HttpRequest, state: web::Data<AppState>, path: web::Path<String>) -> HttpResponse {
    let (page, actor) = match signed_in(&req, &state, "Dataset").await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let Ok(id) = Uuid::parse_str(&path) else { return super::not_found(req, state).await };
    let view = match datasets::get(&state.pool, &actor, id).await {
        Ok(v) => v,
        Err(AppError::NotFound) => return super::not_found(req, state).await,
        Err(e) => return failed(&req, &state, e).await,
    };
    let mut sections = vec![
        RecordSection { heading: "Blocked records", id: "blocked", note: "", rows: Vec::new(), total: view.counts.blocked },
        RecordSection {
            heading: "Awaiting review",
            id: "review",
            note: "A reviewer settles each record whose opt-out status could not be established.",
            rows: Vec::new(),
            total: view.counts.review,
        },
    ];
    for section in &mut sections {
        match datasets::records(&state.pool, &actor, id, Some(section.id), None, SHOWN_RECORDS).await {
            Ok(p) => section.rows = p.items.into_iter().map(RecordView::from_row).collect(),
            Err(e) => return failed(&req, &state, e).await,
        }
    }
    let domains = view
        .domains
        .into_iter()
        .map(|d| DomainLine { domain: d.domain, records: d.records, share: format!("{:.1} %", d.share * 100.0) })
        .collect();
    let mut layout = page_layout(&page);
    layout.title = view.dataset.name.clone();
    let body = DatasetPage {
        layout,
        policy_sha_short: short(&view.dataset.data_policy_sha256),
        d: view.dataset,
        counts: view.counts,
        domains,
        sections,
        shown: SHOWN_RECORDS,
    }
    .render();
    page.render(StatusCode::OK, body)
}

pub(super) async fn failed(req: &HttpRequest, state: &AppState, e: AppError) -> HttpResponse {
    tracing::error!(error = %e, "a dataset page failed");
    message(req, state, StatusCode::INTERNAL_SERVER_ERROR, "Something went wrong", "The page could not be loaded. Please try again.", None)
        .await
}
