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
    let db = sqlx::query_scalar::<_, i32>("select 1").fetch_one(&state.pool).await;
    let chain = match &state.chain {
        None => Ok("not configured"),
        Some(chain) => chain.client.head().await.map(|_| "ok"),
    };
    match (db, chain) {
        (Ok(_), Ok(chain)) => HttpResponse::Ok().json(json!({"status": "ready", "checks": {"database": "ok", "chain": chain}})),
        (db, chain) => {
            tracing::warn!(database = ?db.as_ref().err(), chain = ?chain.as_ref().err(), "readiness check failed");
            HttpResponse::ServiceUnavailable().json(json!({"status": "unavailable", "checks": {
                "database": if db.is_ok() { "ok" } else { "unreachable" },
                "chain": if chain.is_ok() { "ok" } else { "unreachable" },
            }}))
        }
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
