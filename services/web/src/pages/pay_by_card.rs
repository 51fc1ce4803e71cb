//! The payment page before a way to pay is chosen ("pay from your wallet" or "pay by card through
//! our onramp partner") and during a card purchase: the order's status, the partner's page to
//! continue at, and the escrow's and the job's status live (payment.js reloads on a change).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use attune_app::Actor;
use attune_app::error::AppError;
use attune_app::onramp_view::{PaymentOverview, PaymentRoute};
use attune_domain::job::JobStatus;
use uuid::Uuid;

use super::{EXPIRED_FORM, Layout, Page, form_pairs, form_value, message, page_layout, redirect, usdc};
use crate::csrf;
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/jobs/{id}/payment/wallet", web::post().to(choose_wallet)).route("/jobs/{id}/payment/card", web::post().to(pay_by_card));
}

#[derive(Template)]
#[template(path = "payment_choose.html")]
struct ChoosePage {
    layout: Layout,
    job_id: Uuid,
    amount: String,
    test_mode: bool,
    has_wallet: bool,
    card_available: bool,
    kyc_level: String,
}

#[derive(Template)]
#[template(path = "payment_card.html")]
struct CardPage {
    layout: Layout,
    job_id: Uuid,
    amount: String,
    test_mode: bool,
    job_status: String,
    job_label: String,
    payment_status: String,
    payment_label: String,
    order_status: String,
    order_label: String,
    order_currency: String,
    order_tx: String,
    widget_url: Option<String>,
    /// A (new) card order can be placed: none is open and the job still waits for its payment.
    can_order: bool,
    kyc_level: String,
}

fn job_label(raw: &str) -> String {
    JobStatus::parse(raw).map_or_else(|| raw.replace('_', " "), |s| s.label().to_string())
}

/// The escrow payment's status in plain words.
fn payment_label(status: &str) -> String {
    match status {
        "awaiting" => "Waiting for the escrow to be funded".into(),
        "confirming" => "Funded — waiting for the chain to confirm the transaction".into(),
        "review" => "Funded — held for a review by our compliance team".into(),
        "cleared" => "Funded, screened and cleared".into(),
        "blocked" => "Blocked by the compliance screening".into(),
        "frozen" => "Frozen".into(),
        "released" => "Paid out to the model provider and the platform".into(),
        "refunded" => "Refunded".into(),
        "reclaimed" => "Reclaimed by the buyer".into(),
        other => other.replace('_', " "),
    }
}

/// The card order's status in plain words (the escrow's status says how far the funding got).
fn order_label(status: &str, payment_status: &str) -> String {
    match status {
        "created" => "Waiting for you to pay at our card payment partner".into(),
        "paid" | "funding" if payment_status == "awaiting" => {
            "Card payment received — the partner delivered the USDC and the platform is funding the escrow".into()
        }
        "paid" | "funding" => "Card payment received — the platform funded the escrow".into(),
        "failed" => "The card payment did not go through; nothing was charged".into(),
        "mismatch" => "On hold — the partner's report does not match what happened on the chain; our team is looking into it".into(),
        other => other.replace('_', " "),
    }
}

/// The page for a job whose payment is not made from the buyer's own wallet.
pub async fn render(req: &HttpRequest, state: &AppState, page: Page, actor: &Actor, job_id: Uuid, o: PaymentOverview) -> HttpResponse {
    let test_mode = state.settings.sandbox_enabled();
    let amount = usdc(&o.amount);
    if o.route == PaymentRoute::NotChosen {
        if o.job_status != "awaiting_payment" {
            let detail = format!("This job is {}: it has no payment to make.", job_label(&o.job_status).to_lowercase());
            return message(
                req,
                state,
                StatusCode::CONFLICT,
                "No payment due",
                &detail,
                Some((&format!("/jobs/{job_id}"), "Back to the job")),
            )
            .await;
        }
        let has_wallet = attune_app::wallets::list(&state.pool, actor).await.unwrap_or_default().iter().any(|w| w.status == "active");
        let body = ChoosePage {
            layout: page_layout(&page),
            job_id,
            amount,
            test_mode,
            has_wallet,
            card_available: test_mode,
            kyc_level: o.kyc_level,
        }
        .render();
        return page.render(StatusCode::OK, body);
    }
    let payment_status = o.payment_status.unwrap_or_default();
    let (order_status, order_currency, order_tx, widget_url) = match o.latest_order {
        Some(order) => (order.status, order.fiat_currency, order.tx_hash.unwrap_or_default(), order.widget_url),
        None => (String::new(), String::new(), String::new(), None),
    };
    let can_order =
        test_mode && o.job_status == "awaiting_payment" && payment_status == "awaiting" && matches!(order_status.as_str(), "" | "failed");
    let body = CardPage {
        layout: page_layout(&page),
        job_id,
        amount,
        test_mode,
        job_label: job_label(&o.job_status),
        job_status: o.job_status,
        payment_label: payment_label(&payment_status),
        order_label: if order_status.is_empty() {
            "No card payment started yet".into()
        } else {
            order_label(&order_status, &payment_status)
        },
        payment_status,
        order_status,
        order_currency,
        order_tx,
        widget_url,
        can_order,
        kyc_level: o.kyc_level,
    }
    .render();
    page.render(StatusCode::OK, body)
}

async fn checked(req: &HttpRequest, state: &AppState, job_id: Uuid, body: &[u8]) -> Result<(Actor, Vec<(String, String)>), HttpResponse> {
    let pairs = form_pairs(body);
    let back = format!("/jobs/{job_id}/payment");
    if !csrf::verify(req, state, &form_value(&pairs, "csrf_token")) {
        return Err(message(req, state, StatusCode::FORBIDDEN, "Form expired", EXPIRED_FORM, Some((&back, "Back to the payment"))).await);
    }
    match crate::extract::current_actor(req).await.ok().flatten() {
        Some(actor) => Ok((actor, pairs)),
        None => Err(redirect("/login")),
    }
}

/// "Pay from your wallet": issues the quote for the buyer's verified wallet; the page then shows
/// what to send.
async fn choose_wallet(req: HttpRequest, state: web::Data<AppState>, path: web::Path<Uuid>, body: web::Bytes) -> HttpResponse {
    let job_id = path.into_inner();
    let actor = match checked(&req, &state, job_id, &body).await {
        Ok((actor, _)) => actor,
        Err(response) => return response,
    };
    let back = format!("/jobs/{job_id}/payment");
    let Some(chain) = state.chain.as_ref() else {
        return message(&req, &state, StatusCode::SERVICE_UNAVAILABLE, "No chain", "This server runs without settlement.", None).await;
    };
    match attune_app::payments::payment(&state.pool, chain, &actor, job_id).await {
        Ok(_) => redirect(&back),
        Err(AppError::NotFound) => super::not_found(req, state).await,
        Err(AppError::Conflict { code: "wallet-missing", detail }) => {
            message(&req, &state, StatusCode::CONFLICT, "Link a wallet first", &detail, Some(("/wallets", "Link a wallet"))).await
        }
        Err(AppError::Conflict { detail, .. } | AppError::Refused { detail, .. }) => {
            message(&req, &state, StatusCode::CONFLICT, "Not possible now", &detail, Some((&back, "Back to the payment"))).await
        }
        Err(e) => {
            tracing::error!(error = ?e, "choosing the wallet payment failed");
            message(&req, &state, StatusCode::INTERNAL_SERVER_ERROR, "Something went wrong", "The payment could not be prepared.", None)
                .await
        }
    }
}

/// "Pay by card through our onramp partner": places an order with the partner (the sandbox in the
/// embedded setup); the payment page then links the partner's page.
async fn pay_by_card(req: HttpRequest, state: web::Data<AppState>, path: web::Path<Uuid>, body: web::Bytes) -> HttpResponse {
    let job_id = path.into_inner();
    let (actor, pairs) = match checked(&req, &state, job_id, &body).await {
        Ok(checked) => checked,
        Err(response) => return response,
    };
    let back = format!("/jobs/{job_id}/payment");
    let Some(chain) = state.chain.as_ref() else {
        return message(&req, &state, StatusCode::SERVICE_UNAVAILABLE, "No chain", "This server runs without settlement.", None).await;
    };
    let fiat = form_value(&pairs, "fiat_currency");
    match attune_app::onramp::create_order(&state.pool, chain, &state.onramp, &state.screening, &actor, job_id, "sandbox", &fiat, None).await
    {
        Ok(_) => redirect(&back),
        Err(AppError::NotFound) => super::not_found(req, state).await,
        Err(AppError::Conflict { code: "kyc-required", .. }) => {
            message(
                &req,
                &state,
                StatusCode::CONFLICT,
                "Verify your identity first",
                "Paying by card needs a verified identity for your organisation. Start the identity check on your account page, then come back.",
                Some(("/account#identity", "Verify your identity")),
            )
            .await
        }
        Err(AppError::Conflict { code: "order-open", .. }) => redirect(&back),
        Err(AppError::Validation(e)) => {
            let detail = e.0.iter().map(|f| format!("{}: {}", f.field, f.message)).collect::<Vec<_>>().join("; ");
            message(&req, &state, StatusCode::UNPROCESSABLE_ENTITY, "Please check your choice", &detail, Some((&back, "Back to the payment")))
                .await
        }
        Err(AppError::Conflict { detail, .. } | AppError::Refused { detail, .. }) => {
            message(&req, &state, StatusCode::CONFLICT, "The card payment cannot be started", &detail, Some((&back, "Back to the payment")))
                .await
        }
        Err(e) => {
            tracing::error!(error = ?e, "placing an onramp order failed");
            message(
                &req,
                &state,
                StatusCode::INTERNAL_SERVER_ERROR,
                "Something went wrong",
                "The card payment could not be started. Please try again.",
                Some((&back, "Back to the payment")),
            )
            .await
        }
    }
}
