//! `/healthz`, `/readyz`, `/api/v1/openapi.json` (`/metrics` is served by the metrics middleware).

use actix_web::{HttpResponse, web};
use serde_json::json;

use crate::state::AppState;

/// The process is up.
#[utoipa::path(get, path = "/healthz", tag = "service", responses((status = 200, description = "Alive")))]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({"status": "ok"}))
}

/// The process can serve: the database (and the chain, when configured) answer.
#[utoipa::path(get, path = "/readyz", tag = "service", responses((status = 200, description = "Ready"), (status = 503, description = "A dependency does not answer")))]
pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    use attune_app::marketplace::ChainReadiness;
    let readiness = state.readiness().await;
    let answers = |ok: bool| if ok { "ok" } else { "unreachable" };
    let chain = match readiness.chain {
        ChainReadiness::NotConfigured => "not configured",
        ChainReadiness::Answers => "ok",
        ChainReadiness::Unreachable => "unreachable",
    };
    if readiness.ready() {
        HttpResponse::Ok().json(json!({"status": "ready", "checks": {"database": "ok", "chain": chain}}))
    } else {
        HttpResponse::ServiceUnavailable().json(json!({"status": "unavailable", "checks": {
            "database": answers(readiness.database),
            "chain": if readiness.chain == ChainReadiness::Unreachable { "unreachable" } else { "ok" },
        }}))
    }
}

/// Prometheus metrics: request counts and latency histograms by route template and status.
#[utoipa::path(get, path = "/metrics", tag = "service", responses((status = 200, description = "Prometheus text format", content_type = "text/plain")))]
pub async fn metrics_doc() {}

/// This document: OpenAPI 3.1, generated from the code.
#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "service", responses((status = 200, description = "OpenAPI 3.1 document")))]
pub async fn openapi_json() -> HttpResponse {
    HttpResponse::Ok().json(crate::openapi::document())
}
