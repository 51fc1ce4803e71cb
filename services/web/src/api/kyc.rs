//! KYC (API.md "KYC"): sessions, the organisation's level, provider webhooks, and the sandbox
//! provider's hosted page (clearly test mode) that delivers its result as a signed webhook.

use actix_web::{HttpMessage, HttpRequest, HttpResponse, web};
use attune_app::kyc::{self, SandboxOutcome};
use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::extract::{ApiJson, Authenticated, parse_json};
use crate::problem::{ApiError, Problem};
use crate::state::AppState;

/// Under `/api/v1`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/kyc/sessions").route(web::post().to(start))).service(web::resource("/kyc").route(web::get().to(status)));
}

/// At the root: provider webhooks and the sandbox provider.
pub fn configure_outside(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/webhooks/kyc/{provider}").route(web::post().to(webhook)))
        .service(web::resource("/sandbox/kyc/{id}").route(web::get().to(sandbox_page)))
        .service(web::resource("/sandbox/kyc/{id}/complete").route(web::post().to(sandbox_complete)));
}

#[derive(Deserialize, ToSchema)]
pub struct StartBody {
    /// `basic` or `enhanced`.
    pub level: String,
}

/// Starts a KYC session with the provider; the user continues at `redirect_url`.
#[utoipa::path(post, path = "/api/v1/kyc/sessions", tag = "kyc", request_body = StartBody,
    responses((status = 201, description = "{id, provider, status, redirect_url}", body = Object), (status = 422, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn start(
    state: web::Data<AppState>,
    Authenticated(actor): Authenticated,
    body: ApiJson<StartBody>,
) -> Result<HttpResponse, ApiError> {
    let s = kyc::start_session(&state.pool, &state.kyc, &actor, &body.0.level).await?;
    Ok(HttpResponse::Created()
        .json(json!({"id": s.id, "provider": s.provider, "status": s.status, "redirect_url": s.redirect_url, "level": s.level})))
}

/// `{level: none|basic|enhanced, status, sessions}`.
#[utoipa::path(get, path = "/api/v1/kyc", tag = "kyc", responses((status = 200, body = Object)), security(("bearer" = [])))]
pub async fn status(state: web::Data<AppState>, Authenticated(actor): Authenticated) -> Result<HttpResponse, ApiError> {
    let (level, status, sessions) = kyc::status(&state.pool, &actor).await?;
    let sessions: Vec<_> = sessions
        .iter()
        .map(|s| json!({"id": s.id, "provider": s.provider, "level": s.level, "status": s.status, "created_at": s.created_at, "decided_at": s.decided_at}))
        .collect();
    Ok(HttpResponse::Ok().json(json!({"level": level, "status": status, "sessions": sessions})))
}

/// A provider's signed webhook, verified over the raw body; bad, stale or replayed → 401.
pub async fn webhook(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let header = |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
    kyc::receive_webhook(&state.pool, &state.kyc, &state.screening, &path.into_inner(), header, &body).await?;
    Ok(HttpResponse::Ok().json(json!({"received": true})))
}

async fn sandbox_page(state: web::Data<AppState>, path: web::Path<Uuid>) -> HttpResponse {
    if !state.settings.sandbox_enabled() {
        return HttpResponse::NotFound().finish();
    }
    let id = path.into_inner();
    let html = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Sandbox KYC · TEST MODE</title><link rel=\"stylesheet\" href=\"/static/style.css\"></head>\
         <body><main id=\"main\"><p class=\"alert\" role=\"note\"><strong>TEST MODE</strong> — the Attune sandbox identity provider. No real checks happen here.</p>\
         <h1>Verify your identity</h1><p>A real identity provider would ask for an identity document and a selfie here. In test mode, type a name and choose the result the provider should report; you then return to your Attune account.</p>\
         <form method=\"post\" action=\"/sandbox/kyc/{id}/complete\">\
         <div class=\"field\"><label for=\"full_name\">Full name</label><input id=\"full_name\" name=\"full_name\" required></div>\
         <div class=\"field\"><label for=\"date_of_birth\">Date of birth</label><input id=\"date_of_birth\" name=\"date_of_birth\" placeholder=\"1980-01-31\"></div>\
         <div class=\"field\"><label for=\"country\">Country (ISO code)</label><input id=\"country\" name=\"country\" value=\"DE\"></div>\
         <button type=\"submit\" name=\"outcome\" value=\"approve\" id=\"approve\">Approve the identity</button> \
         <button type=\"submit\" name=\"outcome\" value=\"reject\" id=\"reject\">Reject (final)</button> \
         <button type=\"submit\" name=\"outcome\" value=\"retry\" id=\"retry\">Ask the person to try again</button></form></main></body></html>"
    );
    HttpResponse::Ok().content_type("text/html; charset=utf-8").body(html)
}

/// The sandbox finishes a session and delivers its signed webhook over HTTP to our endpoint.
pub async fn sandbox_complete(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<Uuid>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    if !state.settings.sandbox_enabled() {
        return Err(ApiError::not_found());
    }
    let is_json = req.mime_type().ok().flatten().is_some_and(|m| m.subtype() == "json");
    let input: SandboxOutcome = if is_json {
        parse_json(&body)?
    } else {
        let pairs = crate::pages::form_pairs(&body);
        let get = |k: &str| crate::pages::form_value(&pairs, k);
        SandboxOutcome {
            outcome: get("outcome"),
            full_name: get("full_name"),
            date_of_birth: get("date_of_birth"),
            country: get("country"),
        }
    };
    let delivered = kyc::sandbox_complete(&state.pool, &state.kyc, path.into_inner(), &input).await?;
    if is_json {
        Ok(HttpResponse::Ok().json(json!({"delivered": delivered == 200, "webhook_status": delivered})))
    } else {
        Ok(HttpResponse::SeeOther().insert_header(("location", "/account")).finish())
    }
}
