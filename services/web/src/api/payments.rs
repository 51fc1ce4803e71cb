//! Settlement (API.md "Service" `/chain` and "Payments"): the chain's facts, a job's payment with the
//! operator-signed EIP-712 quote, and the admin's release and chain status.

use actix_web::{HttpResponse, web};
use attune_app::payments::{self, PaymentDetail};
use serde_json::json;
use uuid::Uuid;

use crate::extract::Authenticated;
use crate::problem::{ApiError, Problem};
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/chain").route(web::get().to(chain)))
        .service(web::resource("/jobs/{id}/payment").route(web::get().to(payment)))
        .service(web::resource("/admin/jobs/{id}/release").route(web::post().to(release)))
        .service(web::resource("/admin/chain").route(web::get().to(admin_chain)));
}

fn settlement_off() -> ApiError {
    ApiError::new(
        actix_web::http::StatusCode::SERVICE_UNAVAILABLE,
        "settlement-unavailable",
        "Settlement unavailable",
        "This server runs without a chain (ATTUNE_CHAIN_ENABLED=false).",
    )
}

/// `{chain_id, rpc_url, token: {address, symbol, decimals}, escrow_address, registry_address, confirmations}`.
#[utoipa::path(get, path = "/api/v1/chain", tag = "payments",
    responses((status = 200, body = attune_app::chain::ChainInfo), (status = 503, body = Problem, content_type = "application/problem+json")))]
pub async fn chain(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let chain = state.chain.as_ref().ok_or_else(settlement_off)?;
    Ok(HttpResponse::Ok().json(chain.info()))
}

/// The job's payment: status, the EIP-712 typed data of the quote and the operator's signature;
/// the buyer's verified wallet approves the token and calls `fund(quote, signature)`.
#[utoipa::path(get, path = "/api/v1/jobs/{id}/payment", tag = "payments",
    responses((status = 200, body = PaymentDetail), (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "No payment due, or no verified wallet (buyer or provider)", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn payment(
    state: web::Data<AppState>,
    Authenticated(actor): Authenticated,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let chain = state.chain.as_ref().ok_or_else(settlement_off)?;
    Ok(HttpResponse::Ok().json(payments::payment(&state.pool, chain, &actor, path.into_inner()).await?))
}

/// Releases a completed job's escrow to its payees (admin; until dispatch does it).
#[utoipa::path(post, path = "/api/v1/admin/jobs/{id}/release", tag = "payments",
    responses((status = 202, description = "{status}", body = Object), (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn release(
    state: web::Data<AppState>,
    Authenticated(actor): Authenticated,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    state.chain.as_ref().ok_or_else(settlement_off)?;
    let status = payments::request_release(&state.pool, &state.screening, &actor, path.into_inner()).await?;
    Ok(HttpResponse::Accepted().json(json!({"status": status, "release": "requested"})))
}

/// The watcher's position and lag, the operator's gas balance and open reconciliation alerts (admin).
#[utoipa::path(get, path = "/api/v1/admin/chain", tag = "payments",
    responses((status = 200, body = payments::ChainStatus), (status = 403, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn admin_chain(state: web::Data<AppState>, Authenticated(actor): Authenticated) -> Result<HttpResponse, ApiError> {
    let chain = state.chain.as_ref().ok_or_else(settlement_off)?;
    Ok(HttpResponse::Ok().json(payments::chain_status(&state.pool, chain, &actor).await?))
}
