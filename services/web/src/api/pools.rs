//! Audit pools, audit tasks and the safe harbour (API.md "Audit pools, templates, safe harbour,
//! registry").

use actix_web::{HttpResponse, web};
use attune_app::audit_evidence::TaskDetail;
use attune_app::audit_tasks::{Decided, FindingInput, TaskView};
use attune_app::pools::{AuditorView, FindingView, Joined, PoolSummary, PoolView};
use attune_app::safe_harbour::SafeHarbourView;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::extract::{ApiJson, Authenticated};
use crate::problem::{ApiError, Problem};
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/pools").route(web::get().to(list)).route(web::post().to(create)))
        .service(web::resource("/pools/{id}").route(web::get().to(get)))
        .service(web::resource("/pools/{id}/members").route(web::post().to(join)).route(web::delete().to(leave)))
        .service(web::resource("/pools/{id}/auditors").route(web::post().to(add_auditor)))
        .service(web::resource("/pools/{id}/findings").route(web::get().to(findings)))
        .service(web::resource("/audit-tasks").route(web::get().to(tasks)))
        .service(web::resource("/audit-tasks/{id}").route(web::get().to(task)))
        .service(web::resource("/audit-tasks/{id}/claim").route(web::post().to(claim)))
        .service(web::resource("/audit-tasks/{id}/decision").route(web::post().to(decide)))
        .service(web::resource("/orgs/{id}/safe-harbour").route(web::get().to(safe_harbour)));
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPoolBody {
    pub name: String,
    /// A sector of the compliance policy (e.g. `healthcare`).
    pub sector: String,
    pub description: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PoolList {
    pub items: Vec<PoolSummary>,
}

/// Create a sector pool (admin).
#[utoipa::path(post, path = "/api/v1/pools", tag = "pools", request_body = NewPoolBody,
    responses(
        (status = 201, body = PoolSummary),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "A pool of that name exists", body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn create(
    state: web::Data<AppState>,
    Authenticated(actor): Authenticated,
    body: ApiJson<NewPoolBody>,
) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    Ok(HttpResponse::Created().json(attune_app::pools::create(&state.pool, &actor, &b.name, &b.sector, &b.description).await?))
}

/// Every pool with its member count and current fee per audit.
#[utoipa::path(get, path = "/api/v1/pools", tag = "pools", responses((status = 200, body = PoolList)), security(("bearer" = [])))]
pub async fn list(state: web::Data<AppState>, Authenticated(_actor): Authenticated) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(PoolList { items: attune_app::pools::list(&state.pool).await? }))
}

/// A pool: members, auditors, its fee per audit and how it is computed, and its stats.
#[utoipa::path(get, path = "/api/v1/pools/{id}", tag = "pools", params(("id" = Uuid, Path, description = "Pool id")),
    responses((status = 200, body = PoolView), (status = 404, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn get(state: web::Data<AppState>, Authenticated(actor): Authenticated, path: web::Path<Uuid>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(attune_app::pools::get(&state.pool, &actor, path.into_inner()).await?))
}

/// The caller's organisation joins the pool (201), or renews its membership of it (200).
#[utoipa::path(post, path = "/api/v1/pools/{id}/members", tag = "pools", params(("id" = Uuid, Path, description = "Pool id")),
    responses(
        (status = 201, body = Joined),
        (status = 200, description = "Already a member: the term restarted", body = Joined),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "In another pool, or not a kind of organisation pools serve", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn join(
    state: web::Data<AppState>,
    Authenticated(actor): Authenticated,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let joined = attune_app::pools::join(&state.pool, &actor, path.into_inner()).await?;
    Ok(if joined.renewed { HttpResponse::Ok().json(joined) } else { HttpResponse::Created().json(joined) })
}

/// The caller's organisation leaves the pool; its safe-harbour certificates lapse.
#[utoipa::path(delete, path = "/api/v1/pools/{id}/members", tag = "pools", params(("id" = Uuid, Path, description = "Pool id")),
    responses((status = 204), (status = 404, description = "No such pool", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not a member of the pool, or the membership already ended", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn leave(
    state: web::Data<AppState>,
    Authenticated(actor): Authenticated,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    attune_app::pools::leave(&state.pool, &actor, path.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AuditorBody {
    pub user_id: Uuid,
}

/// Attach an auditor (a user holding the auditor role) to a pool (admin).
#[utoipa::path(post, path = "/api/v1/pools/{id}/auditors", tag = "pools", request_body = AuditorBody,
    params(("id" = Uuid, Path, description = "Pool id")),
    responses(
        (status = 201, body = AuditorView),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn add_auditor(
    state: web::Data<AppState>,
    Authenticated(actor): Authenticated,
    path: web::Path<Uuid>,
    body: ApiJson<AuditorBody>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Created().json(attune_app::pools::add_auditor(&state.pool, &actor, path.into_inner(), body.0.user_id).await?))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FindingList {
    pub items: Vec<FindingView>,
}

/// The pool's shared library of findings (its auditors and admins).
#[utoipa::path(get, path = "/api/v1/pools/{id}/findings", tag = "pools", params(("id" = Uuid, Path, description = "Pool id")),
    responses((status = 200, body = FindingList), (status = 404, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn findings(
    state: web::Data<AppState>,
    Authenticated(actor): Authenticated,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(FindingList { items: attune_app::pools::findings(&state.pool, &actor, path.into_inner()).await? }))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct TaskQuery {
    /// open, claimed, approved, changes_requested or withdrawn.
    pub status: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TaskList {
    pub items: Vec<TaskView>,
}

/// The audit tasks of the pools the caller audits (an admin: all), oldest first.
#[utoipa::path(get, path = "/api/v1/audit-tasks", tag = "pools", params(TaskQuery),
    responses((status = 200, body = TaskList), (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn tasks(
    state: web::Data<AppState>,
    Authenticated(actor): Authenticated,
    query: web::Query<TaskQuery>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(TaskList { items: attune_app::audit_tasks::list(&state.pool, &actor, query.status.as_deref()).await? }))
}

/// A task with all its evidence: assessment, dataset gate and opt-out evidence, documents,
/// provenance, earlier rounds and the pool's findings library.
#[utoipa::path(get, path = "/api/v1/audit-tasks/{id}", tag = "pools", params(("id" = Uuid, Path, description = "Task id")),
    responses((status = 200, body = TaskDetail), (status = 404, description = "Unknown, or another pool's", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn task(
    state: web::Data<AppState>,
    Authenticated(actor): Authenticated,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(attune_app::audit_evidence::get(&state.pool, &actor, path.into_inner()).await?))
}

/// Claim an open task.
#[utoipa::path(post, path = "/api/v1/audit-tasks/{id}/claim", tag = "pools", params(("id" = Uuid, Path, description = "Task id")),
    responses((status = 200, body = TaskView), (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not open", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn claim(
    state: web::Data<AppState>,
    Authenticated(actor): Authenticated,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(attune_app::audit_tasks::claim(&state.pool, &actor, path.into_inner()).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionBody {
    /// `approve` or `changes_requested`.
    pub decision: String,
    /// Each a library finding (`library_id`) or a new one (`title`, `severity`, `detail`).
    #[serde(default)]
    pub findings: Vec<FindingInput>,
    #[serde(default)]
    pub notes: Option<String>,
}

/// The claimant's decision: approval satisfies the pool review and moves the job on; a request for
/// changes (with at least one finding) sends it back to the buyer.
#[utoipa::path(post, path = "/api/v1/audit-tasks/{id}/decision", tag = "pools", request_body = DecisionBody,
    params(("id" = Uuid, Path, description = "Task id")),
    responses((status = 200, body = Decided), (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn decide(
    state: web::Data<AppState>,
    Authenticated(actor): Authenticated,
    path: web::Path<Uuid>,
    body: ApiJson<DecisionBody>,
) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    let decided = attune_app::audit_tasks::decide(
        &state.pool,
        state.chain.as_deref(),
        &actor,
        path.into_inner(),
        &b.decision,
        b.notes.as_deref(),
        &b.findings,
    )
    .await?;
    Ok(HttpResponse::Ok().json(decided))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct SafeHarbourQuery {
    /// One of the organisation's jobs (default: its newest job reviewed in a pool).
    pub job_id: Option<Uuid>,
}

/// The organisation's safe-harbour standing: each condition with its evidence and, when all hold,
/// the certificate (anchored on chain, kind 4).
#[utoipa::path(get, path = "/api/v1/orgs/{id}/safe-harbour", tag = "pools", params(("id" = Uuid, Path, description = "Organisation id"), SafeHarbourQuery),
    responses((status = 200, body = SafeHarbourView), (status = 404, description = "Another organisation's", body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn safe_harbour(
    state: web::Data<AppState>,
    Authenticated(actor): Authenticated,
    path: web::Path<Uuid>,
    query: web::Query<SafeHarbourQuery>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(attune_app::safe_harbour::standing(&state.pool, &actor, path.into_inner(), query.job_id).await?))
}
