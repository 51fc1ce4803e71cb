//! The payment page (what to sign and send, an optional button for an injected EIP-1193 wallet, live
//! status) and the admin chain page (contracts, operator balance, watcher lag, alerts).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use attune_app::error::AppError;
use attune_app::payments::{self, PaymentDetail, PaymentTx};
use attune_domain::PlatformRole;
use attune_domain::labels::{Labels, Vocabulary};
use attune_domain::settlement::PaymentStatus;
use uuid::Uuid;

use super::{Layout, human, message, page_layout, signed_in, usdc};
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/jobs/{id}/payment", web::get().to(payment))
        .route("/admin/chain", web::get().to(admin_chain))
        .route("/static/payment.js", web::get().to(|| async { super::asset(super::JS, include_str!("../../../../static/payment.js")) }));
}

#[derive(Template)]
#[template(path = "payment.html")]
struct PaymentPage {
    layout: Layout,
    job_id: Uuid,
    p: PaymentDetail,
    amount: String,
    status_label: String,
    status_help: String,
    /// Every payment state's label, for the script that updates the status in place.
    status_labels: String,
    deadline: String,
    typed_data: String,
    approve_data: String,
    fund_data: String,
    /// (event or action, tx hash, block, status)
    txs: Vec<(String, String, String, String)>,
    test_mode: bool,
}

async fn payment(req: HttpRequest, state: web::Data<AppState>, path: web::Path<Uuid>) -> HttpResponse {
    let job_id = path.into_inner();
    let (page, actor) = match signed_in(&req, &state, "Pay for the fine-tune").await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let back = format!("/jobs/{job_id}");
    let Some(chain) = state.chain.as_ref() else {
        return message(
            &req,
            &state,
            StatusCode::SERVICE_UNAVAILABLE,
            "No chain",
            "This server runs without settlement.",
            Some((&back, "Back to the job")),
        )
        .await;
    };
    // Until the buyer chooses (wallet or card), and during a card purchase, the page is the
    // choice or the card purchase; only a quote for the buyer's own wallet shows what to send.
    match attune_app::onramp_view::overview(&state.pool, chain, &state.onramp, &actor, job_id).await {
        Ok(o) if o.route != attune_app::onramp_view::PaymentRoute::Wallet => {
            return super::pay_by_card::render(&req, &state, page, &actor, job_id, o).await;
        }
        Ok(_) => {}
        Err(AppError::NotFound) => {
            return message(&req, &state, StatusCode::NOT_FOUND, "Page not found", "There is no such job.", Some(("/jobs", "Your jobs")))
                .await;
        }
        Err(e) => {
            tracing::error!(error = ?e, "payment page failed");
            return message(
                &req,
                &state,
                StatusCode::INTERNAL_SERVER_ERROR,
                "Something went wrong",
                "The payment could not be shown.",
                None,
            )
            .await;
        }
    }
    let p = match payments::payment(&state.pool, chain, &actor, job_id).await {
        Ok(p) => p,
        Err(AppError::NotFound) => {
            return message(&req, &state, StatusCode::NOT_FOUND, "Page not found", "There is no such job.", Some(("/jobs", "Your jobs")))
                .await;
        }
        Err(AppError::Conflict { code: "wallet-missing", detail }) => {
            return message(&req, &state, StatusCode::CONFLICT, "Link a wallet first", &detail, Some(("/wallets", "Link a wallet"))).await;
        }
        Err(AppError::Conflict { detail, .. }) => {
            return message(&req, &state, StatusCode::CONFLICT, "No payment due", &detail, Some((&back, "Back to the job"))).await;
        }
        Err(e) => {
            tracing::error!(error = ?e, "payment page failed");
            return message(
                &req,
                &state,
                StatusCode::INTERNAL_SERVER_ERROR,
                "Something went wrong",
                "The payment could not be prepared.",
                None,
            )
            .await;
        }
    };
    let txs = p
        .txs
        .iter()
        .map(|t| match t {
            PaymentTx::Event { event, tx_hash, block_number, status, .. } => {
                (event.clone(), tx_hash.clone(), block_number.to_string(), status.clone())
            }
            PaymentTx::Operator { operator_action, tx_hash, block_number, status, .. } => (
                format!("operator {operator_action}"),
                tx_hash.clone().unwrap_or_default(),
                block_number.map(|b| b.to_string()).unwrap_or_default(),
                status.clone(),
            ),
        })
        .collect();
    let labels = Labels::enforced();
    let status_labels: serde_json::Map<String, serde_json::Value> =
        PaymentStatus::ALL.iter().map(|s| (s.as_str().to_string(), labels.label(Vocabulary::PaymentStates, s.as_str()).into())).collect();
    let body = PaymentPage {
        layout: page_layout(&page),
        job_id,
        amount: usdc(&p.amount),
        status_label: labels.label(Vocabulary::PaymentStates, &p.status).to_string(),
        status_help: labels.get(Vocabulary::PaymentStates, &p.status).map(|w| w.help.clone()).unwrap_or_default(),
        status_labels: serde_json::Value::Object(status_labels).to_string(),
        deadline: chrono::DateTime::from_timestamp(p.deadline, 0).map(|d| human::when(&d)).unwrap_or_default(),
        typed_data: serde_json::to_string_pretty(&p.quote).unwrap_or_default(),
        approve_data: p.calldata.as_ref().map(|c| c.approve.data.clone()).unwrap_or_default(),
        fund_data: p.calldata.as_ref().map(|c| c.fund.data.clone()).unwrap_or_default(),
        txs,
        p,
        test_mode: state.settings.sandbox_enabled(),
    }
    .render();
    page.render(StatusCode::OK, body)
}

#[derive(Template)]
#[template(path = "admin_chain.html")]
struct ChainPage {
    layout: Layout,
    facts: Vec<(String, String)>,
    /// (kind, subject, detail, raised)
    alerts: Vec<(String, String, String, String)>,
}

async fn admin_chain(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let (page, actor) = match signed_in(&req, &state, "Chain").await {
        Ok(p) => p,
        Err(r) => return r,
    };
    if !actor.has_role(PlatformRole::Admin) {
        return message(&req, &state, StatusCode::FORBIDDEN, "Not allowed", "This page is for platform admins.", Some(("/", "Home"))).await;
    }
    let Some(chain) = state.chain.as_ref() else {
        return message(&req, &state, StatusCode::SERVICE_UNAVAILABLE, "No chain", "This server runs without settlement.", None).await;
    };
    let status = match payments::chain_status(&state.pool, chain, &actor).await {
        Ok(s) => s,
        Err(e) => {
            tracing::error!(error = ?e, "chain page failed");
            return message(&req, &state, StatusCode::SERVICE_UNAVAILABLE, "The chain does not answer", &e.to_string(), None).await;
        }
    };
    let c = &status.chain;
    let gas: f64 = status.operator_gas_balance_wei.parse::<f64>().unwrap_or(0.0) / 1e18;
    let shown = |n: Option<i64>| n.map(|n| n.to_string()).unwrap_or_default();
    let facts = vec![
        (
            "Chain".to_string(),
            format!(
                "{} (chain id {}){}",
                c.rpc_url.clone().unwrap_or_default(),
                c.chain_id,
                if c.embedded { ", embedded anvil" } else { "" }
            ),
        ),
        ("USDC token".to_string(), c.token.address.clone()),
        ("Escrow".to_string(), c.escrow_address.clone()),
        ("Provenance registry".to_string(), c.registry_address.clone()),
        ("Operator".to_string(), format!("{} — {gas:.4} ETH for gas", c.operator_address)),
        ("Confirmations".to_string(), c.confirmations.to_string()),
        ("Head".to_string(), status.head.to_string()),
        (
            "Watcher".to_string(),
            format!("block {} — {} blocks behind the head", shown(status.watcher_cursor), shown(status.watcher_lag_blocks)),
        ),
    ];
    let alerts = status
        .alerts
        .iter()
        .map(|x| {
            let raised = x.created_at.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true);
            (x.kind.clone(), x.subject.clone(), x.detail.to_string(), raised)
        })
        .collect();
    let body = ChainPage { layout: page_layout(&page), facts, alerts }.render();
    page.render(StatusCode::OK, body)
}
