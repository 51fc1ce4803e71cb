//! The graduated transition: usage reports re-tier a deployment and phase in what a higher tier
//! brings (`POST /api/v1/jobs/{id}/indicators`); admins see the overdue obligations.

use actix_web::{HttpResponse, web};
use attune_app::graduated_transition::{IndicatorsView, OverdueView};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::extract::{ApiJson, Authenticated};
use crate::problem::{ApiError, Problem};
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/jobs/{id}/indicators").route(web::post().to(report)))
        .service(web::resource("/admin/obligations/overdue").route(web::get().to(overdue)));
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IndicatorsBody {
    pub monthly_users: u64,
    pub monthly_queries: u64,
}

/// Report a deployment's usage: the assessment is replayed with it under the job's policy; when the
/// deployment crosses into a higher tier, its new obligations phase in with due dates.
#[utoipa::path(post, path = "/api/v1/jobs/{id}/indicators", tag = "jobs", request_body = IndicatorsBody,
    params(("id" = Uuid, Path, description = "Job id")),
    responses((status = 200, body = IndicatorsView), (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn report(
    state: web::Data<AppState>,
    Authenticated(actor): Authenticated,
    path: web::Path<Uuid>,
    body: ApiJson<IndicatorsBody>,
) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    Ok(HttpResponse::Ok()
        .json(attune_app::graduated_transition::report(&state.pool, &actor, path.into_inner(), b.monthly_users, b.monthly_queries).await?))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OverdueList {
    pub items: Vec<OverdueView>,
}

/// Phased obligations past their due date, across organisations (admin).
#[utoipa::path(get, path = "/api/v1/admin/obligations/overdue", tag = "admin",
    responses((status = 200, body = OverdueList), (status = 403, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn overdue(state: web::Data<AppState>, Authenticated(actor): Authenticated) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(OverdueList { items: attune_app::graduated_transition::overdue(&state.pool, &actor).await? }))
}
