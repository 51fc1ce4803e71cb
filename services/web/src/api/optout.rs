//! `POST /optout/check`: the opt-out scanner on one URL, with its evidence.

use actix_web::{HttpResponse, web};
use attune_integrations::optout_scanner::ScanInputError;
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
    // A URL parser would quietly drop tabs and line breaks or escape spaces: a URL carrying them is
    // not the URL the caller means to check.
    if body.0.url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(ApiError::validation(vec![attune_domain::FieldError::new(
            "url",
            "must be a URL without spaces or control characters",
        )]));
    }
    let verdict = state.scanning.scanner().check(&body.0.url).await.map_err(|e| {
        let message = match e {
            ScanInputError::NotHttp(m) => format!("must be an absolute http(s) URL ({m})"),
            ScanInputError::Refused(m) => m,
        };
        ApiError::validation(vec![attune_domain::FieldError::new("url", message)])
    })?;
    Ok(HttpResponse::Ok().json(attune_app::dataset_scan::verdict_json(&verdict, &state.data_policy)))
}
