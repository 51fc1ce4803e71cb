//! `/orgs/{id}`: the organisation-scoped read pattern every later resource follows — another
//! organisation's resource is a 404, exactly like one that does not exist.

use actix_web::{HttpResponse, web};
use attune_app::accounts;
use uuid::Uuid;

use super::dto::*;
use crate::extract::Authenticated;
use crate::problem::{ApiError, Problem};
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/orgs/{id}").route(web::get().to(get_organization)));
}

/// An organisation and its members (your own; admins may see any).
#[utoipa::path(get, path = "/api/v1/orgs/{id}", tag = "accounts",
    params(("id" = Uuid, Path, description = "Organisation id")),
    responses(
        (status = 200, body = OrganizationDetail),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown, or another organisation's", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn get_organization(
    state: web::Data<AppState>,
    Authenticated(actor): Authenticated,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = Uuid::parse_str(&path.into_inner()).map_err(|_| ApiError::not_found())?;
    let (org, members) = accounts::organization(&state.pool, &actor, id).await?;
    Ok(HttpResponse::Ok().json(OrganizationDetail { organization: org.into(), members: members.into_iter().map(UserDto::from).collect() }))
}
