//! GDPR Art. 17 erasure requests (API.md "Erasure").

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use attune_app::erasure::{ErasureInput, ErasureView};
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::extract::{Authenticated, Keyed};
use crate::problem::{ApiError, Problem};
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/erasure-requests").route(web::post().to(create)))
        .service(web::resource("/erasure-requests/{id}").route(web::get().to(get)));
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ErasureRequestBody {
    /// The data subject as the datasets' `pii_subject_ids` name them.
    pub subject_id: String,
    #[serde(default)]
    pub reason: Option<String>,
    /// Admins only: the organisation whose data the subject asks to erase.
    #[serde(default)]
    pub organization_id: Option<Uuid>,
    /// Admins acting on a data subject's behalf: the subject's request, as received.
    #[serde(default)]
    pub evidence: Option<String>,
}

/// Request the erasure of a data subject's records (GDPR Art. 17): their content is deleted at once,
/// and the answer lists the affected records, jobs and shards (with the first affected slice) and the
/// share of a full retrain the erasure costs. A repeated request for the same subject returns the
/// first (200). With `Idempotency-Key`, the same key and body return the first answer; another body
/// is 422.
#[utoipa::path(post, path = "/api/v1/erasure-requests", tag = "erasure", request_body = ErasureRequestBody,
    params(("Idempotency-Key" = Option<String>, Header, description = "Replays the first response for the same body")),
    responses(
        (status = 201, body = ErasureView),
        (status = 200, description = "The same subject's earlier request", body = ErasureView),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Another organisation's data, and not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "An admin named an organisation that does not exist", body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn create(
    state: web::Data<AppState>,
    Authenticated(actor): Authenticated,
    Keyed { body: b, key }: Keyed<ErasureRequestBody>,
) -> Result<HttpResponse, ApiError> {
    let input = ErasureInput { subject_id: b.subject_id, reason: b.reason, organization_id: b.organization_id, evidence: b.evidence };
    let (code, answer) = attune_app::erasure::request_idempotent(&state.pool, &actor, &input, key.as_ref()).await?;
    Ok(HttpResponse::build(StatusCode::from_u16(code).unwrap_or(StatusCode::CREATED)).json(answer))
}

/// An erasure request: its status, what it affected, its deadline and, once issued, its certificate.
#[utoipa::path(get, path = "/api/v1/erasure-requests/{id}", tag = "erasure",
    params(("id" = Uuid, Path, description = "Erasure request id")),
    responses(
        (status = 200, body = ErasureView),
        (status = 404, description = "Unknown, or another organisation's", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn get(state: web::Data<AppState>, Authenticated(actor): Authenticated, path: web::Path<Uuid>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(attune_app::erasure::get(&state.pool, &actor, path.into_inner()).await?))
}
