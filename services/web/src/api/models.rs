//! `/models`: base-model listings with verified provenance.

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use attune_app::models::{self, Check, ListingInput};
use attune_app::models::{Model, ModelFilter};
use attune_domain::provenance::{Lineage, ModelFile};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::extract::{ApiJson, Authenticated};
use crate::problem::{ApiError, Problem};
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/models").route(web::post().to(create)).route(web::get().to(list)))
        .service(web::resource("/models/{id}").route(web::get().to(get)))
        .service(web::resource("/models/{id}/manifest").route(web::get().to(manifest)))
        .service(web::resource("/models/{id}/signature").route(web::post().to(sign)))
        .service(web::resource("/admin/models/{id}/decision").route(web::post().to(decide)));
}

#[derive(Deserialize, Serialize, ToSchema)]
pub struct FileDto {
    /// Relative path inside the model directory.
    pub path: String,
    pub size: u64,
    /// Lower-case hex SHA-256 of the file.
    pub sha256: String,
    /// Where to fetch it: http(s), or file:// under the configured root.
    pub uri: String,
}

#[derive(Deserialize, Serialize, ToSchema)]
pub struct LineageDto {
    pub base_model_id: Option<Uuid>,
    /// `finetune`, `adapter`, `merge` or `quantized`.
    pub relation: Option<String>,
}

#[derive(Deserialize, Serialize, ToSchema)]
pub struct PricingDto {
    /// Integer base units of USDC as a string.
    pub licence_fee: String,
}

#[derive(Deserialize, ToSchema)]
pub struct ModelRequest {
    pub name: String,
    pub version: String,
    pub architecture: String,
    pub parameter_count: u64,
    pub training_flops: Option<f64>,
    /// Sectors from the vocabulary.
    pub intended_uses: Vec<String>,
    /// SPDX licence id.
    pub licence: String,
    pub files: Vec<FileDto>,
    pub card_markdown: String,
    /// AI Office template sections: data_sources, top_domains, opt_out_policy, personal_data.
    #[schema(value_type = Object)]
    pub training_summary: serde_json::Value,
    pub lineage: LineageDto,
    pub pricing: PricingDto,
}

#[derive(Serialize, ToSchema)]
pub struct CheckDto {
    pub name: String,
    pub ok: bool,
    pub detail: String,
    /// True while the check has not run yet (the files check runs in the background).
    pub pending: bool,
}

impl From<Check> for CheckDto {
    fn from(c: Check) -> Self {
        Self { name: c.name, ok: c.ok, detail: c.detail, pending: c.pending }
    }
}

#[derive(Serialize, ToSchema)]
pub struct AnchorDto {
    pub tx_hash: String,
    pub block: i64,
}

#[derive(Serialize, ToSchema)]
pub struct ProvenanceDto {
    /// `pending`, `verified` or `rejected`.
    pub status: String,
    pub manifest_sha256: String,
    pub checks: Vec<CheckDto>,
    pub signer_address: Option<String>,
    /// On-chain anchor of the manifest hash (arrives with the settlement issue).
    pub anchor: Option<AnchorDto>,
    pub decided_at: Option<DateTime<Utc>>,
    pub decision_notes: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ModelDto {
    pub id: Uuid,
    pub organization_id: Uuid,
    pub provider: String,
    pub name: String,
    pub version: String,
    pub architecture: String,
    pub parameter_count: u64,
    pub training_flops: Option<f64>,
    pub systemic_risk: bool,
    pub intended_uses: Vec<String>,
    pub licence: String,
    pub files: Vec<FileDto>,
    pub card_markdown: String,
    #[schema(value_type = Object)]
    pub training_summary: serde_json::Value,
    pub lineage: LineageDto,
    pub pricing: PricingDto,
    pub provenance: ProvenanceDto,
    pub created_at: DateTime<Utc>,
}

impl From<Model> for ModelDto {
    fn from(m: Model) -> Self {
        let checks: Vec<Check> = serde_json::from_value(m.checks).unwrap_or_default();
        let files: Vec<FileDto> = serde_json::from_value(m.files).unwrap_or_default();
        let anchor = match (m.anchor_tx_hash, m.anchor_block) {
            (Some(tx_hash), Some(block)) => Some(AnchorDto { tx_hash, block }),
            _ => None,
        };
        Self {
            id: m.id,
            organization_id: m.organization_id,
            provider: m.organization_name,
            name: m.name,
            version: m.version,
            architecture: m.architecture,
            parameter_count: m.parameter_count as u64,
            training_flops: m.training_flops,
            systemic_risk: m.systemic_risk,
            intended_uses: m.intended_uses,
            licence: m.licence,
            files,
            card_markdown: m.card_markdown,
            training_summary: m.training_summary,
            lineage: LineageDto { base_model_id: m.lineage_base_model_id, relation: m.lineage_relation },
            pricing: PricingDto { licence_fee: m.licence_fee.to_string() },
            provenance: ProvenanceDto {
                status: m.provenance_status,
                manifest_sha256: m.manifest_sha256,
                checks: checks.into_iter().map(CheckDto::from).collect(),
                signer_address: m.signer_address,
                anchor,
                decided_at: m.decided_at,
                decision_notes: m.decision_notes,
            },
            created_at: m.created_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct CreatedModel {
    pub id: Uuid,
    pub provenance: ProvenanceDto,
}

#[derive(Serialize, ToSchema)]
pub struct ModelList {
    pub items: Vec<ModelDto>,
    pub next_cursor: Option<String>,
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ModelQuery {
    /// Only verified (true) or only unverified (false) listings.
    pub verified: Option<bool>,
    /// Search in name, architecture and model card.
    pub q: Option<String>,
    /// SPDX licence id.
    pub licence: Option<String>,
    pub architecture: Option<String>,
    pub min_params: Option<i64>,
    pub max_params: Option<i64>,
    /// Page size, 1–200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    #[param(pattern = r"^-?[0-9]{1,16}_[0-9a-f]{32}$")]
    pub cursor: Option<String>,
}

#[derive(Deserialize, ToSchema)]
pub struct SignatureRequest {
    pub signer_address: String,
    /// EIP-191 `personal_sign` signature of the string `manifest_sha256` (lower-case hex, no 0x).
    pub signature: String,
}

#[derive(Deserialize, ToSchema)]
pub struct DecisionRequest {
    /// `verify` or `reject`.
    pub decision: String,
    #[serde(default)]
    pub notes: String,
}

fn parse_id(raw: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(raw).map_err(|_| ApiError::not_found())
}

impl From<ModelRequest> for ListingInput {
    fn from(r: ModelRequest) -> Self {
        ListingInput {
            name: r.name,
            version: r.version,
            architecture: r.architecture,
            parameter_count: r.parameter_count,
            training_flops: r.training_flops,
            intended_uses: r.intended_uses,
            licence: r.licence,
            files: r.files.into_iter().map(|f| ModelFile { path: f.path, size: f.size, sha256: f.sha256, uri: f.uri }).collect(),
            card_markdown: r.card_markdown,
            training_summary: r.training_summary,
            lineage: Lineage { base_model_id: r.lineage.base_model_id, relation: r.lineage.relation },
            licence_fee: r.pricing.licence_fee,
        }
    }
}

/// List a base model: the automatic checks run, except the files check, which stays `pending` until
/// a background step has fetched and re-hashed every file.
#[utoipa::path(post, path = "/api/v1/models", tag = "models", request_body = ModelRequest,
    responses((status = 201, body = CreatedModel), (status = 401, body = Problem, content_type = "application/problem+json"),
              (status = 409, description = "Name and version already listed", body = Problem, content_type = "application/problem+json"),
              (status = 422, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn create(
    state: web::Data<AppState>,
    Authenticated(actor): Authenticated,
    body: ApiJson<ModelRequest>,
) -> Result<HttpResponse, ApiError> {
    let row = models::list_model(&state.pool, state.model_checks.limits(), &actor, body.0.into()).await?;
    state.model_checks.wake();
    let dto = ModelDto::from(row);
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/api/v1/models/{}", dto.id)))
        .json(CreatedModel { id: dto.id, provenance: dto.provenance }))
}

/// The catalogue.
#[utoipa::path(get, path = "/api/v1/models", tag = "models", params(ModelQuery),
    responses((status = 200, body = ModelList), (status = 401, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn list(state: web::Data<AppState>, _actor: Authenticated, query: web::Query<ModelQuery>) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    let filter = ModelFilter {
        verified: q.verified,
        q: q.q.filter(|s| !s.trim().is_empty()),
        licence: q.licence.filter(|s| !s.is_empty()),
        architecture: q.architecture.filter(|s| !s.is_empty()),
        min_params: q.min_params,
        max_params: q.max_params,
        ..Default::default()
    };
    let page = models::list(&state.pool, filter, q.cursor.as_deref(), crate::api::dto::page_limit(q.limit, 50, 200)?).await?;
    Ok(HttpResponse::Ok().json(ModelList { items: page.items.into_iter().map(ModelDto::from).collect(), next_cursor: page.next_cursor }))
}

/// One listing with its provenance evidence.
#[utoipa::path(get, path = "/api/v1/models/{id}", tag = "models", params(("id" = Uuid, Path)),
    responses((status = 200, body = ModelDto), (status = 404, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn get(state: web::Data<AppState>, _actor: Authenticated, path: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let row = models::get(&state.pool, parse_id(&path)?).await?;
    Ok(HttpResponse::Ok().json(ModelDto::from(row)))
}

/// The canonical manifest (RFC 8785 JSON): exactly the bytes whose SHA-256 is signed and anchored.
#[utoipa::path(get, path = "/api/v1/models/{id}/manifest", tag = "models", params(("id" = Uuid, Path)),
    responses((status = 200, description = "Canonical manifest JSON", content_type = "application/json"), (status = 404, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn manifest(state: web::Data<AppState>, _actor: Authenticated, path: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let row = models::get(&state.pool, parse_id(&path)?).await?;
    Ok(HttpResponse::Ok()
        .content_type("application/json")
        .insert_header(("x-manifest-sha256", row.manifest_sha256.clone()))
        .body(row.manifest_canonical))
}

/// Attach the provider wallet's signature of `manifest_sha256`; the checks are re-run.
#[utoipa::path(post, path = "/api/v1/models/{id}/signature", tag = "models", request_body = SignatureRequest, params(("id" = Uuid, Path)),
    responses((status = 200, body = ModelDto), (status = 404, description = "Unknown, or another organisation's", body = Problem, content_type = "application/problem+json"),
              (status = 409, description = "Not pending", body = Problem, content_type = "application/problem+json"),
              (status = 422, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn sign(
    state: web::Data<AppState>,
    Authenticated(actor): Authenticated,
    path: web::Path<String>,
    body: ApiJson<SignatureRequest>,
) -> Result<HttpResponse, ApiError> {
    let row = models::sign(&state.pool, &actor, parse_id(&path)?, &body.0.signer_address, &body.0.signature).await?;
    Ok(HttpResponse::Ok().json(ModelDto::from(row)))
}

/// Verify (every automatic check must pass) or reject a pending listing (admin).
#[utoipa::path(post, path = "/api/v1/admin/models/{id}/decision", tag = "admin", request_body = DecisionRequest, params(("id" = Uuid, Path)),
    responses((status = 200, body = ModelDto), (status = 403, body = Problem, content_type = "application/problem+json"),
              (status = 404, body = Problem, content_type = "application/problem+json"),
              (status = 409, description = "Checks failing, or already decided", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn decide(
    state: web::Data<AppState>,
    Authenticated(actor): Authenticated,
    path: web::Path<String>,
    body: ApiJson<DecisionRequest>,
) -> Result<HttpResponse, ApiError> {
    actor.admin_scope().map_err(|e| ApiError::forbidden(e.to_string()))?;
    let row = models::decide(&state.pool, &actor, parse_id(&path)?, &body.0.decision, &body.0.notes).await?;
    Ok(HttpResponse::Ok().json(ModelDto::from(row)))
}
