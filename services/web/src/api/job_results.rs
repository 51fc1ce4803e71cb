//! What a completed job delivers (API.md "Assessments and jobs"): its fine-tune certificate and the
//! shard adapters to download, each with its sha256 in `X-Content-Sha256`.

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use attune_app::job_artifacts::CertificateView;
use uuid::Uuid;

use crate::extract::Authenticated;
use crate::problem::{ApiError, Problem};
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/jobs/{id}/certificate").route(web::get().to(certificate)))
        .service(web::resource("/jobs/{id}/artifacts/{shard}/{name}").route(web::get().to(artifact)));
}

/// The job's fine-tune certificate: base and dataset manifests, shard Merkle roots, adapter hashes,
/// measured FLOPs, the assessment's policy, the payment; anchored on chain (kind 2).
#[utoipa::path(get, path = "/api/v1/jobs/{id}/certificate", tag = "jobs",
    params(("id" = Uuid, Path, description = "Job id")),
    responses((status = 200, body = CertificateView),
        (status = 404, description = "No such job, or not aggregated yet", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn certificate(
    state: web::Data<AppState>,
    Authenticated(actor): Authenticated,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(attune_app::job_artifacts::certificate(&state.pool, &actor, path.into_inner()).await?))
}

/// Download a shard's delivered artifact (the LoRA adapter and its config).
#[utoipa::path(get, path = "/api/v1/jobs/{id}/artifacts/{shard}/{name}", tag = "jobs",
    params(("id" = Uuid, Path, description = "Job id"), ("shard" = i32, Path, description = "Shard index"),
        ("name" = String, Path, description = "Artifact name")),
    responses((status = 200, description = "The file, with X-Content-Sha256", content_type = "application/octet-stream", body = Vec<u8>),
        (status = 404, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn artifact(
    state: web::Data<AppState>,
    Authenticated(actor): Authenticated,
    path: web::Path<(Uuid, String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (job, shard, name) = path.into_inner();
    let shard: i32 = shard.parse().map_err(|_| ApiError::not_found())?;
    let d = attune_app::job_artifacts::download(&state.pool, &actor, job, shard, &name).await?;
    let stream = state.queue.artifact_store().open_stream(&d.location).await?;
    Ok(HttpResponse::Ok()
        .content_type("application/octet-stream")
        .insert_header(("X-Content-Sha256", d.sha256))
        .insert_header((header::CONTENT_DISPOSITION, format!("attachment; filename=\"shard-{shard}-{}\"", d.name)))
        .no_chunking(d.size)
        .streaming(stream))
}
