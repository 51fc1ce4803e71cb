//! `POST /optout/check`: the opt-out scanner on one URL, with its evidence.

use actix_web::{HttpResponse, web};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::extract::{ApiJson, Authenticated};
use crate::problem::{ApiError, Problem};
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/optout/check").route(web::post().to(check)));
}

#[derive(Deserialize, ToSchema)]
pub struct CheckBody {
    pub url: String,
}

/// Checks robots.txt (AI crawlers and our bot), ai.txt, TDMRep (tdmrep.json, headers, meta) and
/// X-Robots-Tag for one URL. Fails closed: an error, timeout, 5xx or ambiguity is `unknown`.
#[utoipa::path(post, path = "/api/v1/optout/check", tag = "datasets", request_body = CheckBody,
    responses(
        (status = 200, description = "{status, signals: [{signal, status, detail}], evidence: [{signal, url, http_status, fetched_at, sha256}], checked_at, recheck_at, policy}", body = Object),
        (status = 422, description = "Not an http(s) URL, or a private address", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn check(
    state: web::Data<AppState>,
    Authenticated(_actor): Authenticated,
    body: ApiJson<CheckBody>,
) -> Result<HttpResponse, ApiError> {
    let verdict = state.scanning.check_url(&body.0.url).await?;
    Ok(HttpResponse::Ok().json(verdict))
}
