//! Training workers (API.md "Workers"): admins create them and see them; workers, with their own
//! token, lease shard runs, read the shard's records, heartbeat, upload artifacts, complete or fail.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use attune_app::shard_queue::{
    ArtifactStored, CompleteRequest, FailRequest, HeartbeatAnswer, HeartbeatRequest, LeaseGrant, LeaseRequest, RunOutcome,
};
use attune_app::workers::WorkerView;
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::extract::{ApiJson, Authenticated, WorkerAuthenticated, lease_hint};
use crate::problem::{ApiError, Problem};
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/admin/workers").route(web::post().to(create)).route(web::get().to(list)))
        .service(web::resource("/worker/lease").route(web::post().to(lease)))
        .service(web::resource("/worker/runs/{run_id}/records").route(web::get().to(records)))
        .service(web::resource("/worker/runs/{run_id}/heartbeat").route(web::post().to(heartbeat)))
        .service(
            web::resource("/worker/runs/{run_id}/artifacts/{name}").route(web::put().to(put_artifact)).route(web::get().to(get_artifact)),
        )
        .service(web::resource("/worker/runs/{run_id}/base-model/{index}").route(web::get().to(base_model_file)))
        .service(web::resource("/worker/runs/{run_id}/complete").route(web::post().to(complete)))
        .service(web::resource("/worker/runs/{run_id}/fail").route(web::post().to(fail)));
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct CreateWorkerRequest {
    pub name: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedWorker {
    pub id: Uuid,
    /// The worker's bearer token: shown once, only its sha256 is kept.
    pub token: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WorkerList {
    pub items: Vec<WorkerView>,
}

fn run_id(raw: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(raw).map_err(|_| ApiError::not_found())
}

/// Create a training worker and its token (admin).
#[utoipa::path(post, path = "/api/v1/admin/workers", tag = "workers", request_body = CreateWorkerRequest,
    responses(
        (status = 201, body = CreatedWorker),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Bad name", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn create(
    state: web::Data<AppState>,
    Authenticated(actor): Authenticated,
    body: ApiJson<CreateWorkerRequest>,
) -> Result<HttpResponse, ApiError> {
    let created = attune_app::workers::create(&state.pool, &actor, &body.0.name).await?;
    Ok(HttpResponse::Created().json(CreatedWorker { id: created.id, token: created.token }))
}

/// Training workers with their last heartbeat and current run (admin).
#[utoipa::path(get, path = "/api/v1/admin/workers", tag = "workers",
    responses(
        (status = 200, body = WorkerList),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn list(state: web::Data<AppState>, Authenticated(actor): Authenticated) -> Result<HttpResponse, ApiError> {
    let items = attune_app::workers::list(&state.pool, &actor).await?;
    Ok(HttpResponse::Ok().json(WorkerList { items }))
}

/// Lease a shard run (worker token); long-polls up to `wait_s` (at most 30 s).
#[utoipa::path(post, path = "/api/v1/worker/lease", tag = "workers", request_body = LeaseRequest,
    responses(
        (status = 200, body = LeaseGrant),
        (status = 204, description = "Nothing was queued within wait_s"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "A user session, not a worker token", body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn lease(
    state: web::Data<AppState>,
    WorkerAuthenticated(worker): WorkerAuthenticated,
    body: ApiJson<LeaseRequest>,
) -> Result<HttpResponse, ApiError> {
    match state.queue.lease(&worker, &body.0).await? {
        Some(grant) => Ok(HttpResponse::Ok().json(grant)),
        None => Ok(HttpResponse::NoContent().finish()),
    }
}

/// The leased shard's records as NDJSON `{id, slice, text}` in slice order (text records only).
#[utoipa::path(get, path = "/api/v1/worker/runs/{run_id}/records", tag = "workers",
    params(("run_id" = Uuid, Path, description = "Shard run id")),
    responses(
        (status = 200, description = "NDJSON lines", content_type = "application/x-ndjson", body = String),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The lease was lost", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn records(
    req: HttpRequest,
    state: web::Data<AppState>,
    WorkerAuthenticated(worker): WorkerAuthenticated,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let lines = state.queue.records(&worker, run_id(&path)?, lease_hint(&req)?).await?;
    let mut body = lines.join("\n");
    if !body.is_empty() {
        body.push('\n');
    }
    Ok(HttpResponse::Ok().content_type("application/x-ndjson").body(body))
}

/// Report progress and extend the lease; `cancel: true` asks the worker to stop.
#[utoipa::path(post, path = "/api/v1/worker/runs/{run_id}/heartbeat", tag = "workers", request_body = HeartbeatRequest,
    params(("run_id" = Uuid, Path, description = "Shard run id")),
    responses(
        (status = 200, body = HeartbeatAnswer),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The lease was lost", body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn heartbeat(
    req: HttpRequest,
    state: web::Data<AppState>,
    WorkerAuthenticated(worker): WorkerAuthenticated,
    path: web::Path<String>,
    body: ApiJson<HeartbeatRequest>,
) -> Result<HttpResponse, ApiError> {
    let answer = state.queue.heartbeat(&worker, run_id(&path)?, lease_hint(&req)?, &body.0).await?;
    Ok(HttpResponse::Ok().json(answer))
}

/// Upload an artifact (octet-stream) with its sha256 in `X-Content-Sha256`; 422 when it differs.
#[utoipa::path(put, path = "/api/v1/worker/runs/{run_id}/artifacts/{name}", tag = "workers",
    params(("run_id" = Uuid, Path, description = "Shard run id"), ("name" = String, Path, description = "Artifact file name")),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses(
        (status = 201, body = ArtifactStored),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The lease was lost", body = Problem, content_type = "application/problem+json"),
        (status = 415, body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The body's sha256 is not X-Content-Sha256, or a bad name", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn put_artifact(
    req: HttpRequest,
    state: web::Data<AppState>,
    WorkerAuthenticated(worker): WorkerAuthenticated,
    path: web::Path<(String, String)>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let (run, name) = path.into_inner();
    let octets = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).map(|v| v.split(';').next().unwrap_or("").trim());
    if octets != Some("application/octet-stream") {
        return Err(ApiError::new(
            actix_web::http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported-media-type",
            "Unsupported media type",
            "Send the artifact as application/octet-stream.",
        ));
    }
    let declared = req.headers().get("x-content-sha256").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    let hint = lease_hint(&req)?;
    let body = payload.map(|chunk| chunk.map_err(|e| e.to_string()));
    let stored = state.queue.put_artifact(&worker, run_id(&run)?, hint, &name, &declared, Box::pin(body)).await?;
    Ok(HttpResponse::Created().json(stored))
}

/// Download an artifact of this run uploaded under any of its leases (the checkpoint a retry
/// resumes from), with its sha256 in `X-Content-Sha256`.
#[utoipa::path(get, path = "/api/v1/worker/runs/{run_id}/artifacts/{name}", tag = "workers",
    params(("run_id" = Uuid, Path, description = "Shard run id"), ("name" = String, Path, description = "Artifact file name")),
    responses(
        (status = 200, description = "The artifact's bytes", content_type = "application/octet-stream", body = Vec<u8>),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The lease was lost", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn get_artifact(
    req: HttpRequest,
    state: web::Data<AppState>,
    WorkerAuthenticated(worker): WorkerAuthenticated,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (run, name) = path.into_inner();
    let file = state.queue.artifact_for_worker(&worker, run_id(&run)?, lease_hint(&req)?, &name).await?;
    let stream = state.queue.artifact_store().open_stream(&file.location).await?;
    Ok(HttpResponse::Ok()
        .content_type("application/octet-stream")
        .insert_header(("X-Content-Sha256", file.sha256))
        .no_chunking(file.size)
        .streaming(stream))
}

/// Download a file of the leased job's base model: streamed from the server's model file root, or
/// a redirect to where the provider hosts it. The worker checks the listed sha256 either way.
#[utoipa::path(get, path = "/api/v1/worker/runs/{run_id}/base-model/{index}", tag = "workers",
    params(("run_id" = Uuid, Path, description = "Shard run id"), ("index" = usize, Path, description = "Index in the listing's files")),
    responses(
        (status = 200, description = "The file's bytes", content_type = "application/octet-stream", body = Vec<u8>),
        (status = 302, description = "Fetch it from the listed uri"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The lease was lost", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn base_model_file(
    req: HttpRequest,
    state: web::Data<AppState>,
    WorkerAuthenticated(worker): WorkerAuthenticated,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (run, index) = path.into_inner();
    let index: usize = index.parse().map_err(|_| ApiError::not_found())?;
    match state.queue.base_model_file(&worker, run_id(&run)?, lease_hint(&req)?, index).await? {
        attune_app::shard_files::BaseFileSource::Remote(uri) => Ok(HttpResponse::Found().insert_header((header::LOCATION, uri)).finish()),
        attune_app::shard_files::BaseFileSource::Local { path, size } => {
            let file = tokio::fs::File::open(&path).await.map_err(|_| ApiError::not_found())?;
            let stream = tokio_util::io::ReaderStream::with_capacity(file, 256 * 1024);
            Ok(HttpResponse::Ok().content_type("application/octet-stream").no_chunking(size).streaming(stream))
        }
    }
}

/// Complete the run with its artifacts (uploaded under this lease), FLOPs, tokens and metrics.
#[utoipa::path(post, path = "/api/v1/worker/runs/{run_id}/complete", tag = "workers", request_body = CompleteRequest,
    params(("run_id" = Uuid, Path, description = "Shard run id")),
    responses(
        (status = 200, body = RunOutcome),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The lease was lost: nothing is recorded", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "An artifact was not uploaded with that sha256", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn complete(
    req: HttpRequest,
    state: web::Data<AppState>,
    WorkerAuthenticated(worker): WorkerAuthenticated,
    path: web::Path<String>,
    body: ApiJson<CompleteRequest>,
) -> Result<HttpResponse, ApiError> {
    let outcome = state.queue.complete(&worker, run_id(&path)?, lease_hint(&req)?, &body.0).await?;
    if outcome.job_status == attune_domain::job::JobStatus::Aggregating.as_str() {
        state.aggregation.wake();
    }
    Ok(HttpResponse::Ok().json(outcome))
}

/// Fail the attempt: retried after a backoff when `retryable` and attempts are left, else the job fails.
#[utoipa::path(post, path = "/api/v1/worker/runs/{run_id}/fail", tag = "workers", request_body = FailRequest,
    params(("run_id" = Uuid, Path, description = "Shard run id")),
    responses(
        (status = 200, body = RunOutcome),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The lease was lost", body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn fail(
    req: HttpRequest,
    state: web::Data<AppState>,
    WorkerAuthenticated(worker): WorkerAuthenticated,
    path: web::Path<String>,
    body: ApiJson<FailRequest>,
) -> Result<HttpResponse, ApiError> {
    let outcome = state.queue.fail(&worker, run_id(&path)?, lease_hint(&req)?, &body.0).await?;
    Ok(HttpResponse::Ok().json(outcome))
}
