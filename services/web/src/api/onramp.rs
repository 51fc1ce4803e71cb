//! The onramp (API.md "Payments"): orders, provider webhooks, and the sandbox provider's page.

use actix_web::http::StatusCode;
use actix_web::{HttpMessage, HttpRequest, HttpResponse, web};
use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::extract::{Authenticated, Keyed};
use crate::problem::{ApiError, Problem};
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/onramp/orders").route(web::post().to(create)));
}

pub fn configure_outside(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/webhooks/onramp/{provider}").route(web::post().to(webhook)))
        .service(web::resource("/sandbox/onramp/{id}").route(web::get().to(page)))
        .service(web::resource("/sandbox/onramp/{id}/complete").route(web::post().to(complete)));
}

fn no_chain() -> ApiError {
    ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "settlement-unavailable", "Settlement unavailable", "This server runs without a chain.")
}

#[derive(Deserialize, ToSchema)]
pub struct OrderBody {
    pub job_id: Uuid,
    /// `sandbox` here; real providers plug in behind the same webhook path.
    pub provider: String,
    /// `EUR`, `USD` or `GBP`.
    pub fiat_currency: String,
}

/// Buys the job's USDC through an onramp, delivered to the platform's settlement wallet, which then
/// funds the escrow once the provider's webhook and the on-chain transfer agree.
#[utoipa::path(post, path = "/api/v1/onramp/orders", tag = "payments", request_body = OrderBody,
    params(("Idempotency-Key" = Option<String>, Header, description = "Replays the first response for the same body")),
    responses((status = 201, description = "{id, status, widget_url, amount, destination}", body = Object),
        (status = 409, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn create(
    state: web::Data<AppState>,
    Authenticated(actor): Authenticated,
    Keyed { body: b, key }: Keyed<OrderBody>,
) -> Result<HttpResponse, ApiError> {
    let chain = state.chain.as_ref().ok_or_else(no_chain)?;
    let (status, response) = attune_app::onramp::create_order(
        &state.pool,
        chain,
        &state.onramp,
        &state.screening,
        &actor,
        b.job_id,
        &b.provider,
        &b.fiat_currency,
        key.as_ref(),
    )
    .await?;
    Ok(HttpResponse::build(StatusCode::from_u16(status).unwrap_or(StatusCode::CREATED)).json(response))
}

pub async fn webhook(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let chain = state.chain.as_ref().ok_or_else(no_chain)?;
    let header = |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
    attune_app::onramp::receive_webhook(&state.pool, chain, &state.onramp, &path.into_inner(), header, &body).await?;
    Ok(HttpResponse::Ok().json(json!({"received": true})))
}

/// The sandbox provider's hosted "widget" (test mode): the buyer confirms or declines the card
/// payment with a button; nothing is charged and no card details are asked for.
async fn page(state: web::Data<AppState>, path: web::Path<Uuid>) -> HttpResponse {
    if !state.settings.sandbox_enabled() {
        return HttpResponse::NotFound().finish();
    }
    let id = path.into_inner();
    let Ok(order) = attune_app::onramp_view::provider_order(&state.pool, id).await else {
        return HttpResponse::NotFound()
            .content_type("text/html; charset=utf-8")
            .body("<!doctype html><title>Not found</title><p>There is no such order.</p>");
    };
    let amount = crate::pages::usdc(&order.amount);
    let fiat = html_escape(&order.fiat_currency);
    let back = format!("/jobs/{}/payment", order.job_id);
    let body = if order.status == "created" {
        format!(
            "<p>Attune asks us to deliver <strong>{amount} USDC</strong> to its settlement wallet <code>{destination}</code>, paid in {fiat} by card.</p>\
             <p>A real partner would now ask for your card and check it. In test mode nothing is charged and no card details are asked for: \
             choose what the card payment should do. On success, test USDC (MockUSDC) moves on the test chain and we tell Attune.</p>\
             <form method=\"post\" action=\"/sandbox/onramp/{id}/complete\">\
             <button type=\"submit\" name=\"outcome\" value=\"paid\" id=\"pay\">Pay {amount} USDC by card (test)</button> \
             <button type=\"submit\" name=\"outcome\" value=\"failed\" id=\"decline\">Decline the card (test)</button></form>",
            destination = html_escape(&order.destination),
        )
    } else {
        format!("<p>This order is already {}.</p>", html_escape(&order.status))
    };
    HttpResponse::Ok().content_type("text/html; charset=utf-8").body(format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Sandbox onramp · TEST MODE</title><link rel=\"stylesheet\" href=\"/static/style.css\"></head>\
         <body><main id=\"main\"><p class=\"alert\" role=\"note\"><strong>TEST MODE</strong> — the Attune sandbox onramp (card payment partner). No money moves; test USDC does.</p>\
         <h1>Buy USDC by card</h1><p>Order <code>{id}</code></p>{body}<p><a href=\"{back}\">Back to Attune without paying</a></p></main></body></html>"
    ))
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

#[derive(Deserialize, ToSchema)]
pub struct CompleteBody {
    /// `paid` or `failed`.
    pub outcome: String,
    /// The cardholder the sandbox reports as having paid; by default the organisation's KYC'd name.
    #[serde(default)]
    pub payer_name: Option<String>,
}

/// The sandbox settles an order: MockUSDC moves on chain and the signed webhook is delivered. A
/// JSON body answers JSON; the hosted page's form leads back to the job's payment page.
pub async fn complete(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<Uuid>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    if !state.settings.sandbox_enabled() {
        return Err(ApiError::not_found());
    }
    let chain = state.chain.as_ref().ok_or_else(no_chain)?;
    let id = path.into_inner();
    let is_form = req.mime_type().ok().flatten().is_some_and(|m| m.subtype() == "x-www-form-urlencoded");
    if is_form {
        let pairs = crate::pages::form_pairs(&body);
        let outcome = crate::pages::form_value(&pairs, "outcome");
        let payer_name = crate::pages::form_value(&pairs, "payer_name");
        let order = attune_app::onramp_view::provider_order(&state.pool, id).await?;
        let delivered = attune_app::onramp::sandbox_complete(&state.pool, chain, &state.onramp, id, &outcome, Some(&payer_name)).await?;
        if delivered != 200 {
            tracing::warn!(order = %id, webhook_status = delivered, "the sandbox onramp's webhook was not accepted");
        }
        return Ok(HttpResponse::SeeOther().insert_header(("location", format!("/jobs/{}/payment", order.job_id))).finish());
    }
    if req.mime_type().ok().flatten().is_none_or(|m| m.subtype() != "json") {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported-media-type",
            "Unsupported media type",
            "Send the body as application/json (or as the hosted page's form).",
        ));
    }
    let body: CompleteBody = crate::extract::parse_json(&body)?;
    let status =
        attune_app::onramp::sandbox_complete(&state.pool, chain, &state.onramp, id, &body.outcome, body.payer_name.as_deref()).await?;
    Ok(HttpResponse::Ok().json(json!({"delivered": status == 200, "webhook_status": status})))
}
