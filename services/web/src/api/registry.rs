//! The public registry of fine-tuned deployments: `GET /api/v1/registry` (JSON, paged) and
//! `GET /registry.csv` (the whole registry, for regulators).

use actix_web::{HttpResponse, web};
use attune_app::registry::RegistryPage;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::problem::{ApiError, Problem};
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/registry").route(web::get().to(list)));
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct RegistryQuery {
    /// `next_cursor` of the previous page.
    #[param(pattern = r"^-?[0-9]{1,16}_[0-9a-f]{32}$")]
    pub cursor: Option<String>,
    /// 1 to 500 (default 100).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
}

/// Deployments, newest first: tier, sectors, jurisdictions, provider role, base model, certificate
/// hash and anchor, review and safe harbour. Public; nothing personal or confidential.
#[utoipa::path(get, path = "/api/v1/registry", tag = "pools", params(RegistryQuery),
    responses((status = 200, body = RegistryPage), (status = 422, description = "A cursor this server did not issue", body = Problem, content_type = "application/problem+json")))]
pub async fn list(state: web::Data<AppState>, query: web::Query<RegistryQuery>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok()
        .json(attune_app::registry::page(&state.pool, query.cursor.as_deref(), crate::api::dto::page_limit(query.limit, 100, 500)?).await?))
}

/// The whole registry as CSV.
#[utoipa::path(get, path = "/registry.csv", tag = "pools", responses((status = 200, content_type = "text/csv", body = String)))]
pub async fn csv(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let entries = attune_app::registry::all(&state.pool).await?;
    let body = attune_app::registry::to_csv(&entries)?;
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header(("Content-Disposition", "attachment; filename=\"attune-registry.csv\""))
        .body(body))
}
