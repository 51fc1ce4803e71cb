//! Admin endpoints for accounts.

use actix_web::{HttpResponse, web};
use attune_app::accounts;
use uuid::Uuid;

use super::dto::*;
use crate::extract::{ApiJson, Authenticated};
use crate::problem::{ApiError, Problem};
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/admin/users").route(web::get().to(list_users)))
        .service(web::resource("/admin/users/{id}/roles").route(web::post().to(set_roles)))
        .service(web::resource("/admin/organizations/{id}/kind-verification").route(web::post().to(verify_kind)));
}

/// Verify an organisation's kind with evidence, or withdraw the verification (admin). The research
/// exceptions (DSM Art. 3, CDPA s.29A) rest on a verified kind, never on the sign-up form alone.
#[utoipa::path(post, path = "/api/v1/admin/organizations/{id}/kind-verification", tag = "admin", request_body = KindVerificationRequest,
    params(("id" = Uuid, Path, description = "Organisation id")),
    responses(
        (status = 200, body = OrganizationDto),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The kind changed meanwhile", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Unknown decision or no evidence", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn verify_kind(
    state: web::Data<AppState>,
    Authenticated(actor): Authenticated,
    path: web::Path<String>,
    body: ApiJson<KindVerificationRequest>,
) -> Result<HttpResponse, ApiError> {
    let id = Uuid::parse_str(&path.into_inner()).map_err(|_| ApiError::not_found())?;
    let org = attune_app::organization_kind::decide(&state.pool, &actor, id, &body.0.decision, &body.0.evidence).await?;
    Ok(HttpResponse::Ok().json(OrganizationDto::from(org)))
}

/// Replace a user's platform roles (admin).
#[utoipa::path(post, path = "/api/v1/admin/users/{id}/roles", tag = "admin", request_body = RolesRequest,
    params(("id" = Uuid, Path, description = "User id")),
    responses(
        (status = 200, body = UserDto),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "An admin cannot drop their own admin role", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Unknown role", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn set_roles(
    state: web::Data<AppState>,
    Authenticated(actor): Authenticated,
    path: web::Path<String>,
    body: ApiJson<RolesRequest>,
) -> Result<HttpResponse, ApiError> {
    actor.admin_scope().map_err(|e| ApiError::forbidden(e.to_string()))?;
    let id = Uuid::parse_str(&path.into_inner()).map_err(|_| ApiError::not_found())?;
    let user = accounts::set_roles(&state.pool, &actor, id, &body.0.roles).await?;
    Ok(HttpResponse::Ok().json(UserDto::from(user)))
}

/// All users, newest first (admin).
#[utoipa::path(get, path = "/api/v1/admin/users", tag = "admin", params(ListQuery),
    responses(
        (status = 200, body = UserList),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn list_users(
    state: web::Data<AppState>,
    Authenticated(actor): Authenticated,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = accounts::list_users(&state.pool, &actor, query.cursor.as_deref(), query.limit()?).await?;
    Ok(HttpResponse::Ok().json(UserList { items: page.items.into_iter().map(UserDto::from).collect(), next_cursor: page.next_cursor }))
}
