//! Datasets (API.md "Datasets"): JSON or streamed NDJSON upload, the dataset with its gate counts
//! and domains, its records with gate reasons and opt-out evidence, and reviewers' decisions.

use actix_web::http::StatusCode;
use actix_web::{HttpMessage, HttpRequest, HttpResponse, web};
use attune_app::datasets::{self, DatasetCreated, DatasetUpload};
use attune_app::datasets::{Dataset, GateCounts, Record};
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::api::dto::{ListQuery, page_limit};
use crate::extract::{ApiJson, Authenticated, parse_json};
use crate::problem::{ApiError, Problem};
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/datasets").route(web::post().to(upload)).route(web::get().to(list)))
        .service(web::resource("/datasets/{id}").route(web::get().to(get)))
        .service(web::resource("/datasets/{id}/records").route(web::get().to(records)))
        .service(web::resource("/datasets/{id}/records/{record_id}/review").route(web::post().to(review)))
        .service(web::resource("/admin/dataset-reviews").route(web::get().to(review_queue)));
}

#[derive(Serialize, ToSchema)]
pub struct Counts {
    pub total: i64,
    pub allowed: i64,
    pub blocked: i64,
    pub review: i64,
}

impl From<GateCounts> for Counts {
    fn from(c: GateCounts) -> Self {
        Self { total: c.total, allowed: c.allowed, blocked: c.blocked, review: c.review }
    }
}

#[derive(Serialize, ToSchema)]
pub struct DomainDto {
    pub domain: String,
    pub records: u64,
    pub share: f64,
}

#[derive(Serialize, ToSchema)]
pub struct DatasetDto {
    pub id: Uuid,
    pub name: String,
    /// `scanning` while web records await the opt-out scanner, then `ready`.
    pub status: String,
    pub manifest_sha256: String,
    pub counts: Counts,
    pub pii_records: i64,
    /// Records that declare GDPR Art. 9 special-category data.
    pub special_category_records: i64,
    pub tokens: i64,
    pub domains: Vec<DomainDto>,
    #[schema(value_type = Object)]
    pub data_policy: serde_json::Value,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub scanned_at: Option<chrono::DateTime<chrono::Utc>>,
}

fn dataset_dto(d: Dataset, counts: GateCounts, domains: Vec<DomainDto>) -> DatasetDto {
    DatasetDto {
        id: d.id,
        name: d.name,
        status: d.status,
        manifest_sha256: d.manifest_sha256,
        counts: counts.into(),
        pii_records: d.pii_records,
        special_category_records: d.special_category_records,
        tokens: d.token_count,
        domains,
        data_policy: json!({"version": d.data_policy_version, "sha256": d.data_policy_sha256}),
        created_at: d.created_at,
        scanned_at: d.scanned_at,
    }
}

#[derive(Deserialize, IntoParams)]
pub struct UploadQuery {
    /// The dataset's name, for NDJSON uploads.
    pub name: Option<String>,
}

/// Uploads a dataset: `application/json` `{name, records: [...]}` or `application/x-ndjson` (one
/// record a line, streamed in constant memory, `?name=`). Every bad record is named (`records[3].licence.kind`,
/// `line 4.source_url`); nothing is stored unless every record is valid.
#[utoipa::path(post, path = "/api/v1/datasets", tag = "datasets", params(UploadQuery),
    request_body(content = Object, description = "{name, records: [{id, text|uri, source_url?, content_hash?, licence: {kind, ref?}, pii_subject_ids, special_categories?, tokens?}]} or NDJSON"),
    responses(
        (status = 201, body = DatasetDto),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 413, body = Problem, content_type = "application/problem+json"),
        (status = 415, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn upload(
    req: HttpRequest,
    state: web::Data<AppState>,
    Authenticated(actor): Authenticated,
    query: web::Query<UploadQuery>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let subtype = req.mime_type().ok().flatten().map(|m| (m.subtype().to_string(), m.suffix().map(|s| s.to_string())));
    let created = match subtype.as_ref().map(|(s, suffix)| (s.as_str(), suffix.as_deref())) {
        Some(("x-ndjson" | "ndjson" | "jsonl", _)) => {
            let name = query.name.clone().unwrap_or_default();
            let mut upload = DatasetUpload::begin(&state.pool, &state.data_policy, &actor, &name).await?;
            stream_ndjson(&mut upload, payload, state.settings.dataset_max_bytes).await?;
            upload.finish().await?
        }
        Some(("json", _)) | Some((_, Some("json"))) => {
            let bytes = read_capped(payload, state.settings.dataset_json_max_bytes).await?;
            upload_json(&state, &actor, &bytes).await?
        }
        _ => {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported-media-type",
                "Unsupported media type",
                "Send application/json {name, records} or application/x-ndjson with ?name=.",
            ));
        }
    };
    state.scanning.wake();
    let DatasetCreated { dataset, counts } = created;
    Ok(HttpResponse::Created().json(dataset_dto(dataset, counts, Vec::new())))
}

async fn read_capped(mut payload: web::Payload, limit: usize) -> Result<web::BytesMut, ApiError> {
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| ApiError::malformed(format!("The request body could not be read: {e}")))?;
        if body.len() + chunk.len() > limit {
            return Err(too_large(limit));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

fn too_large(limit: usize) -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload-too-large",
        "Payload too large",
        format!("The upload is larger than this server accepts ({limit} bytes); nothing was stored."),
    )
}

#[derive(Deserialize)]
struct JsonUpload {
    name: String,
    records: Vec<serde_json::Value>,
}

async fn upload_json(state: &AppState, actor: &attune_app::Actor, bytes: &[u8]) -> Result<DatasetCreated, ApiError> {
    let body: JsonUpload = parse_json(bytes)?;
    let mut upload = DatasetUpload::begin(&state.pool, &state.data_policy, actor, &body.name).await?;
    for (i, record) in body.records.iter().enumerate() {
        upload.push(record, format!("records[{i}]")).await?;
        if upload.is_hopeless() {
            break;
        }
    }
    Ok(upload.finish().await?)
}

/// Splits the body into lines as it arrives; only the current line is held in memory.
async fn stream_ndjson(upload: &mut DatasetUpload, mut payload: web::Payload, limit: usize) -> Result<(), ApiError> {
    let max_line = attune_domain::dataset::MAX_TEXT_BYTES * 2 + 64 * 1024;
    let mut line = Vec::new();
    let (mut total, mut number) = (0usize, 0u64);
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| ApiError::malformed(format!("The request body could not be read: {e}")))?;
        total += chunk.len();
        if total > limit {
            return Err(too_large(limit));
        }
        for piece in chunk.split_inclusive(|b| *b == b'\n') {
            line.extend_from_slice(piece);
            if line.len() > max_line {
                return Err(ApiError::validation(vec![attune_domain::FieldError::new(
                    format!("line {}", number + 1),
                    format!("is longer than {max_line} bytes"),
                )]));
            }
            if piece.ends_with(b"\n") {
                number += 1;
                take_line(upload, &line, number).await?;
                line.clear();
            }
        }
        if upload.is_hopeless() {
            return Ok(());
        }
    }
    if !line.is_empty() {
        number += 1;
        take_line(upload, &line, number).await?;
    }
    Ok(())
}

async fn take_line(upload: &mut DatasetUpload, line: &[u8], number: u64) -> Result<(), ApiError> {
    let trimmed = line.trim_ascii();
    if trimmed.is_empty() {
        return Ok(());
    }
    match serde_json::from_slice::<serde_json::Value>(trimmed) {
        Ok(value) => upload.push(&value, format!("line {number}")).await?,
        Err(e) => upload.reject(format!("line {number}"), format!("is not valid JSON: {e}")),
    }
    Ok(())
}

#[derive(Serialize, ToSchema)]
pub struct DatasetList {
    pub items: Vec<DatasetDto>,
    pub next_cursor: Option<String>,
}

/// The caller's datasets, newest first, a page at a time (`limit` 1–100, default 50; `cursor` is
/// the previous page's `next_cursor`, which is null on the last page).
#[utoipa::path(get, path = "/api/v1/datasets", tag = "datasets", params(ListQuery), responses((status = 200, body = DatasetList)), security(("bearer" = [])))]
pub async fn list(
    state: web::Data<AppState>,
    Authenticated(actor): Authenticated,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = datasets::list_with_counts(&state.pool, &actor, query.cursor.as_deref(), query.limit()?).await?;
    let items = page.items.into_iter().map(|(d, counts)| dataset_dto(d, counts, Vec::new())).collect();
    Ok(HttpResponse::Ok().json(DatasetList { items, next_cursor: page.next_cursor }))
}

/// A dataset with its gate counts, personal-data records and domains.
#[utoipa::path(get, path = "/api/v1/datasets/{id}", tag = "datasets",
    responses((status = 200, body = DatasetDto), (status = 404, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn get(state: web::Data<AppState>, Authenticated(actor): Authenticated, path: web::Path<Uuid>) -> Result<HttpResponse, ApiError> {
    let view = datasets::get(&state.pool, &actor, path.into_inner()).await?;
    let domains = view.domains.into_iter().map(|d| DomainDto { domain: d.domain, records: d.records, share: d.share }).collect();
    Ok(HttpResponse::Ok().json(dataset_dto(view.dataset, view.counts, domains)))
}

#[derive(Deserialize, IntoParams)]
pub struct RecordQuery {
    /// `allowed`, `blocked` or `review`.
    pub gate: Option<String>,
    /// `next_cursor` of the previous page.
    #[param(pattern = "^[0-9]{1,18}$")]
    pub cursor: Option<String>,
    /// Page size, 1–500 (default 100).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct RecordDto {
    pub id: String,
    pub line: i64,
    pub source_url: Option<String>,
    pub domain: Option<String>,
    pub uri: Option<String>,
    pub content_hash: String,
    #[schema(value_type = Object)]
    pub licence: serde_json::Value,
    pub pii_subjects: usize,
    pub tokens: i64,
    /// `allowed`, `blocked` or `review`.
    pub gate: String,
    #[schema(value_type = Vec<Object>)]
    pub reasons: serde_json::Value,
    /// `{status, signals, evidence: [{signal, url, http_status, fetched_at, sha256}], checked_at, recheck_at, policy}`; null until scanned.
    #[schema(value_type = Option<Object>)]
    pub optout: Option<serde_json::Value>,
    #[schema(value_type = Option<Object>)]
    pub review: Option<serde_json::Value>,
    /// Set when the record's content was erased (GDPR Art. 17): a tombstone with its id and content hash.
    pub erased_at: Option<chrono::DateTime<chrono::Utc>>,
}

pub fn record_dto(r: Record) -> RecordDto {
    let review = r.review_decision.as_ref().map(|d| json!({"decision": d, "notes": r.review_notes, "reviewed_at": r.reviewed_at}));
    RecordDto {
        id: r.record_id,
        line: r.seq,
        source_url: r.source_url,
        domain: r.domain,
        uri: r.uri,
        content_hash: r.content_hash,
        licence: json!({"kind": r.licence_kind, "ref": r.licence_ref}),
        pii_subjects: r.pii_subject_ids.len(),
        tokens: r.tokens,
        gate: r.gate,
        reasons: r.gate_reasons,
        optout: r.optout,
        review,
        erased_at: r.erased_at,
    }
}

#[derive(Serialize, ToSchema)]
pub struct RecordList {
    pub items: Vec<RecordDto>,
    pub next_cursor: Option<String>,
}

/// A dataset's records with their gate verdict, reasons and opt-out evidence, in upload order.
#[utoipa::path(get, path = "/api/v1/datasets/{id}/records", tag = "datasets", params(RecordQuery),
    responses((status = 200, body = RecordList), (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn records(
    state: web::Data<AppState>,
    Authenticated(actor): Authenticated,
    path: web::Path<Uuid>,
    query: web::Query<RecordQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = datasets::records(
        &state.pool,
        &actor,
        path.into_inner(),
        query.gate.as_deref(),
        query.cursor.as_deref(),
        page_limit(query.limit, 100, 500)?,
    )
    .await?;
    Ok(HttpResponse::Ok().json(RecordList { items: page.items.into_iter().map(record_dto).collect(), next_cursor: page.next_cursor }))
}

#[derive(Deserialize, ToSchema)]
pub struct ReviewBody {
    /// `allow` or `block`.
    pub decision: String,
    #[serde(default)]
    pub notes: String,
}

/// A reviewer (admin or auditor) settles a record whose opt-out status the scanner could not establish.
#[utoipa::path(post, path = "/api/v1/datasets/{id}/records/{record_id}/review", tag = "datasets", request_body = ReviewBody,
    responses((status = 200, body = RecordDto), (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The record does not await review", body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn review(
    state: web::Data<AppState>,
    Authenticated(actor): Authenticated,
    path: web::Path<(Uuid, String)>,
    body: ApiJson<ReviewBody>,
) -> Result<HttpResponse, ApiError> {
    let (id, record_id) = path.into_inner();
    let record = attune_app::dataset_review::decide(&state.pool, &actor, id, &record_id, &body.0.decision, &body.0.notes).await?;
    Ok(HttpResponse::Ok().json(record_dto(record)))
}

/// Records awaiting review across organisations, oldest dataset first (admins and auditors).
/// A page of the review queue.
#[derive(Deserialize, IntoParams)]
pub struct ReviewQueueQuery {
    /// Page size, 1–200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    #[param(pattern = r"^-?[0-9]{1,16}_[0-9a-f]{32}_[0-9]{1,18}$")]
    pub cursor: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/admin/dataset-reviews", tag = "datasets", params(ReviewQueueQuery),
    responses((status = 200, description = "{items: [{dataset_id, dataset_name, organization_name, record_id, source_url, optout, reasons}]}", body = Object),
        (status = 403, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn review_queue(
    state: web::Data<AppState>,
    Authenticated(actor): Authenticated,
    query: web::Query<ReviewQueueQuery>,
) -> Result<HttpResponse, ApiError> {
    let limit = page_limit(query.limit, 50, 200)?;
    let page = attune_app::dataset_review::queue(&state.pool, &actor, query.cursor.as_deref(), limit).await?;
    let items: Vec<serde_json::Value> = page
        .items
        .into_iter()
        .map(|i| {
            json!({"dataset_id": i.dataset_id, "dataset_name": i.dataset_name, "organization_name": i.organization_name,
                   "record_id": i.record_id, "line": i.seq, "source_url": i.source_url, "optout": i.optout, "reasons": i.gate_reasons})
        })
        .collect();
    Ok(HttpResponse::Ok().json(json!({"items": items, "next_cursor": page.next_cursor})))
}
