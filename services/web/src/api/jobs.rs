//! Fine-tune jobs (API.md "Assessments and jobs"): idempotent creation, the job, its events, cancel,
//! the documents that satisfy its obligations and its training content summary.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use attune_app::job_view::{self, EventView, JobPage, JobView};
use attune_app::jobs;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::api::assessments::AssessmentBody;
use crate::api::dto::ListQuery;
use crate::extract::{ApiJson, Authenticated, Keyed};
use crate::problem::{ApiError, Problem};
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/jobs").route(web::post().to(create)).route(web::get().to(list)))
        .service(web::resource("/jobs/{id}").route(web::get().to(get)))
        .service(web::resource("/jobs/{id}/cancel").route(web::post().to(cancel)))
        .service(web::resource("/jobs/{id}/events").route(web::get().to(events)))
        .service(web::resource("/jobs/{id}/training-summary").route(web::get().to(training_summary)))
        .service(web::resource("/jobs/{id}/documents/{template}").route(web::put().to(put_document)))
        .service(web::resource("/document-templates").route(web::get().to(templates)));
}

/// Creates a job from an assessment request with a dataset: the gate for the deployment's
/// jurisdictions, the assessment on the accepted records, obligations and the training summary.
/// With `Idempotency-Key`, the same key and body return the first response; another body is 422.
#[utoipa::path(post, path = "/api/v1/jobs", tag = "jobs", request_body = AssessmentBody,
    params(("Idempotency-Key" = Option<String>, Header, description = "Replays the first response for the same body")),
    responses(
        (status = 201, body = JobView),
        (status = 409, description = "Dataset not ready, or records awaiting review", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields; a prohibited practice (`/problems/prohibited-practice`); no record passes the gate (`/problems/dataset-blocked`); a reused Idempotency-Key", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn create(
    state: web::Data<AppState>,
    Authenticated(actor): Authenticated,
    Keyed { body, key }: Keyed<AssessmentBody>,
) -> Result<HttpResponse, ApiError> {
    let created =
        jobs::create(&state.pool, &state.data_policy, state.scanning.scanner().agents(), &actor, &body.into(), key.as_ref()).await?;
    let status = StatusCode::from_u16(created.status_code).unwrap_or(StatusCode::CREATED);
    Ok(HttpResponse::build(status).json(created.body))
}

/// The caller's organisation's jobs, newest first.
#[utoipa::path(get, path = "/api/v1/jobs", tag = "jobs", params(ListQuery), responses((status = 200, body = JobPage)), security(("bearer" = [])))]
pub async fn list(
    state: web::Data<AppState>,
    Authenticated(actor): Authenticated,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = job_view::list(&state.pool, &actor, query.cursor.as_deref(), query.limit()?).await?;
    Ok(HttpResponse::Ok().json(page))
}

#[utoipa::path(get, path = "/api/v1/jobs/{id}", tag = "jobs",
    responses((status = 200, body = JobView), (status = 404, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn get(state: web::Data<AppState>, Authenticated(actor): Authenticated, path: web::Path<Uuid>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(job_view::get(&state.pool, &actor, path.into_inner()).await?))
}

/// Cancels a job: `cancelled` before payment; after it, `cancel_requested` until no shard is leased.
#[utoipa::path(post, path = "/api/v1/jobs/{id}/cancel", tag = "jobs",
    responses((status = 202, description = "{status}", body = Object), (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The job can no longer be cancelled", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn cancel(
    state: web::Data<AppState>,
    Authenticated(actor): Authenticated,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let status = attune_app::job_lifecycle::cancel(&state.pool, &actor, path.into_inner()).await?;
    Ok(HttpResponse::Accepted().json(json!({"status": status.as_str()})))
}

#[derive(Serialize, ToSchema)]
pub struct EventList {
    pub items: Vec<EventView>,
}

/// Every transition (and document, and later shard event) of a job, oldest first.
#[utoipa::path(get, path = "/api/v1/jobs/{id}/events", tag = "jobs",
    responses((status = 200, body = EventList), (status = 404, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn events(
    state: web::Data<AppState>,
    Authenticated(actor): Authenticated,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(EventList { items: job_view::events(&state.pool, &actor, path.into_inner()).await? }))
}

/// The training content summary in the AI Office template's structure, generated from the accepted records.
#[utoipa::path(get, path = "/api/v1/jobs/{id}/training-summary", tag = "jobs",
    responses((status = 200, body = Object), (status = 404, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn training_summary(
    state: web::Data<AppState>,
    Authenticated(actor): Authenticated,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(job_view::training_summary(&state.pool, &actor, path.into_inner()).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct DocumentBody {
    #[schema(value_type = Object)]
    pub fields: serde_json::Value,
}

/// Files a document (`lia`, `fria`, `risk_assessment`, `model_card`, `registration`, `art9_condition`,
/// `dpia`) validated against its template; it satisfies the obligations that name the template unless
/// what it says keeps them open (`blocked_by` says why; `reopened` what an earlier revision had satisfied).
#[utoipa::path(put, path = "/api/v1/jobs/{id}/documents/{template}", tag = "jobs", request_body = DocumentBody,
    responses((status = 200, description = "{template, revision, satisfied, blocked_by, reopened, status}", body = Object),
        (status = 404, description = "Unknown job or template", body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Fields at fault, each named `fields.<name>`", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn put_document(
    state: web::Data<AppState>,
    Authenticated(actor): Authenticated,
    path: web::Path<(Uuid, String)>,
    body: ApiJson<DocumentBody>,
) -> Result<HttpResponse, ApiError> {
    let (id, template) = path.into_inner();
    let saved = attune_app::job_lifecycle::put_document(
        &state.pool,
        &state.templates,
        &actor,
        id,
        &template,
        &body.0.fields,
        state.chain.as_deref(),
    )
    .await?;
    Ok(HttpResponse::Ok()
        .json(json!({"template": template, "revision": saved.revision, "satisfied": saved.satisfied, "blocked_by": saved.blocked_by,
                     "reopened": saved.reopened, "status": saved.status.as_str()})))
}

/// The document templates and their fields.
#[utoipa::path(get, path = "/api/v1/document-templates", tag = "jobs", responses((status = 200, body = Object)))]
pub async fn templates(state: web::Data<AppState>) -> HttpResponse {
    let items: Vec<_> = state.templates.ids().into_iter().filter_map(|id| state.templates.get(id)).collect();
    HttpResponse::Ok().json(json!({"items": items, "version": state.templates.reference()}))
}
