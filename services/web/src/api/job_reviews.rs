//! The review of a job in `audit` by a platform admin, until audit pools exist.

use actix_web::{HttpResponse, web};
use attune_app::job_review::Reviewed;
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::extract::{ApiJson, Authenticated};
use crate::problem::{ApiError, Problem};
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/admin/jobs/{id}/review").route(web::post().to(review)));
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ReviewRequest {
    /// `approve` or `changes_requested`.
    pub decision: String,
    /// What was reviewed and found (1 to 4000 characters); kept on the job's record.
    pub notes: String,
}

/// Review a job in `audit` (admin): `approve` satisfies the review obligation and queues the job once
/// nothing blocking is open; `changes_requested` sends it back to the buyer.
#[utoipa::path(post, path = "/api/v1/admin/jobs/{id}/review", tag = "jobs", request_body = ReviewRequest,
    params(("id" = Uuid, Path, description = "Job id")),
    responses(
        (status = 200, body = Reviewed),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The job is not in review", body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn review(
    state: web::Data<AppState>,
    Authenticated(actor): Authenticated,
    path: web::Path<Uuid>,
    body: ApiJson<ReviewRequest>,
) -> Result<HttpResponse, ApiError> {
    let chain = state.chain.as_deref();
    let reviewed = attune_app::job_review::decide(&state.pool, chain, &actor, path.into_inner(), &body.0.decision, &body.0.notes).await?;
    Ok(HttpResponse::Ok().json(reviewed))
}
