//! Linking wallets from the browser: ask for a challenge, sign it in the wallet, paste the signature.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use attune_app::wallets;
use attune_app::wallets::Wallet;

use super::{EXPIRED_FORM, Layout, Page, form_pairs, form_value, page_layout, redirect, signed_in};
use crate::csrf;
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/wallets", web::get().to(wallets_page))
        .route("/wallets/challenge", web::post().to(wallet_challenge))
        .route("/wallets/link", web::post().to(wallet_link));
}

#[derive(Template)]
#[template(path = "wallets.html")]
struct WalletsPage {
    layout: Layout,
    wallets: Vec<Wallet>,
    challenge: Option<(String, String)>,
    error: String,
}

async fn render_wallets(
    req: &HttpRequest,
    state: &AppState,
    challenge: Option<(String, String)>,
    error: &str,
    status: StatusCode,
) -> HttpResponse {
    let (page, actor) = match signed_in(req, state, "Wallets").await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let wallets = wallets::list(&state.pool, &actor).await.unwrap_or_default();
    let body = WalletsPage { layout: page_layout(&page), wallets, challenge, error: error.into() }.render();
    page.render(status, body)
}

async fn wallets_page(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    render_wallets(&req, &state, None, "", StatusCode::OK).await
}

async fn wallet_challenge(req: HttpRequest, state: web::Data<AppState>, body: web::Bytes) -> HttpResponse {
    let Some(actor) = Page::new(&req, &state, "Wallets").await.actor else { return redirect("/login") };
    let p = form_pairs(&body);
    if !csrf::verify(&req, &state, &form_value(&p, "csrf_token")) {
        return render_wallets(&req, &state, None, EXPIRED_FORM, StatusCode::FORBIDDEN).await;
    }
    let address = form_value(&p, "address");
    match wallets::challenge(&state.pool, &actor, &address).await {
        Ok(c) => render_wallets(&req, &state, Some((address.trim().to_string(), c.message)), "", StatusCode::OK).await,
        Err(e) => render_wallets(&req, &state, None, &e.to_string(), StatusCode::UNPROCESSABLE_ENTITY).await,
    }
}

async fn wallet_link(req: HttpRequest, state: web::Data<AppState>, body: web::Bytes) -> HttpResponse {
    let Some(actor) = Page::new(&req, &state, "Wallets").await.actor else { return redirect("/login") };
    let p = form_pairs(&body);
    if !csrf::verify(&req, &state, &form_value(&p, "csrf_token")) {
        return render_wallets(&req, &state, None, EXPIRED_FORM, StatusCode::FORBIDDEN).await;
    }
    match wallets::link(&state.pool, &state.screening, &actor, &form_value(&p, "address"), &form_value(&p, "signature")).await {
        Ok(_) => redirect("/wallets"),
        Err(e) => render_wallets(&req, &state, None, &e.to_string(), StatusCode::UNPROCESSABLE_ENTITY).await,
    }
}
