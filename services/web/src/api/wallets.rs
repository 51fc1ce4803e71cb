//! `/wallets`: link a wallet by signing a server nonce (EIP-191).

use actix_web::{HttpResponse, web};
use attune_app::wallets;
use attune_app::wallets::Wallet;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::extract::{ApiJson, Authenticated};
use crate::problem::{ApiError, Problem};
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/wallets/challenge").route(web::post().to(challenge)))
        .service(web::resource("/wallets").route(web::post().to(link)).route(web::get().to(list)));
}

#[derive(Deserialize, ToSchema)]
pub struct ChallengeRequest {
    /// `0x` + 40 hex digits; mixed case must be a valid EIP-55 checksum.
    pub address: String,
}

#[derive(Serialize, ToSchema)]
pub struct ChallengeResponse {
    pub nonce: String,
    /// Sign exactly this text with `personal_sign` (EIP-191).
    pub message: String,
    pub expires_at: DateTime<Utc>,
}

#[derive(Deserialize, ToSchema)]
pub struct LinkRequest {
    pub address: String,
    /// 65-byte `personal_sign` signature, 0x hex.
    pub signature: String,
}

#[derive(Serialize, ToSchema)]
pub struct WalletDto {
    pub id: Uuid,
    /// Lower-case hex.
    pub address: String,
    /// `active` or `under_review` (a sanctions hit; never the match itself).
    pub status: String,
    pub verified_at: DateTime<Utc>,
    /// How control was proven (recorded for the EU Transfer of Funds Regulation).
    pub proof: String,
}

impl From<Wallet> for WalletDto {
    fn from(w: Wallet) -> Self {
        Self { id: w.id, address: w.address, status: w.status, verified_at: w.created_at, proof: "eip191_personal_sign".into() }
    }
}

#[derive(Serialize, ToSchema)]
pub struct WalletList {
    pub items: Vec<WalletDto>,
}

/// Ask for a message to sign with the wallet (valid 10 minutes, usable once).
#[utoipa::path(post, path = "/api/v1/wallets/challenge", tag = "wallets", request_body = ChallengeRequest,
    responses((status = 200, body = ChallengeResponse), (status = 401, body = Problem, content_type = "application/problem+json"),
              (status = 422, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn challenge(
    state: web::Data<AppState>,
    Authenticated(actor): Authenticated,
    body: ApiJson<ChallengeRequest>,
) -> Result<HttpResponse, ApiError> {
    let c = wallets::challenge(&state.pool, &actor, &body.0.address).await?;
    Ok(HttpResponse::Ok().json(ChallengeResponse { nonce: c.nonce, message: c.message, expires_at: c.expires_at }))
}

/// Link the wallet: the signature of the latest challenge must recover to the address.
#[utoipa::path(post, path = "/api/v1/wallets", tag = "wallets", request_body = LinkRequest,
    responses((status = 201, body = WalletDto), (status = 401, body = Problem, content_type = "application/problem+json"),
              (status = 409, description = "Already linked to an organisation", body = Problem, content_type = "application/problem+json"),
              (status = 422, description = "Bad signature, or no, expired or used challenge", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn link(
    state: web::Data<AppState>,
    Authenticated(actor): Authenticated,
    body: ApiJson<LinkRequest>,
) -> Result<HttpResponse, ApiError> {
    let w = wallets::link(&state.pool, &state.screening, &actor, &body.0.address, &body.0.signature).await?;
    Ok(HttpResponse::Created().json(WalletDto::from(w)))
}

/// The organisation's wallets.
#[utoipa::path(get, path = "/api/v1/wallets", tag = "wallets",
    responses((status = 200, body = WalletList), (status = 401, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn list(state: web::Data<AppState>, Authenticated(actor): Authenticated) -> Result<HttpResponse, ApiError> {
    let items = wallets::list(&state.pool, &actor).await?.into_iter().map(WalletDto::from).collect();
    Ok(HttpResponse::Ok().json(WalletList { items }))
}
