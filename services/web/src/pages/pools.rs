//! Audit pool pages: the pools with their fees (admins create them), a pool's members, auditors,
//! fee computation and stats (members join or leave; admins attach auditors).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use attune_app::pools::{PoolSummary, PoolView};
use uuid::Uuid;

use super::{Layout, app_error, checked_form as form, form_value, message, page_layout, redirect, signed_in, usdc};
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/pools", web::get().to(list))
        .route("/pools", web::post().to(create))
        .route("/pools/{id}", web::get().to(show))
        .route("/pools/{id}/join", web::post().to(join))
        .route("/pools/{id}/leave", web::post().to(leave))
        .route("/pools/{id}/auditors", web::post().to(add_auditor));
    super::audit_tasks::configure(cfg);
}

#[derive(Template)]
#[template(path = "pools.html")]
struct PoolsPage {
    layout: Layout,
    pools: Vec<PoolSummary>,
    sectors: Vec<String>,
}

impl PoolsPage {
    fn usdc(&self, amount: &str) -> String {
        usdc(amount)
    }
}

async fn list(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let (page, _actor) = match signed_in(&req, &state, "Audit pools").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    match attune_app::pools::list(&state.pool).await {
        Ok(pools) => {
            let sectors = attune_app::pools::sectors();
            let body = PoolsPage { layout: page_layout(&page), pools, sectors }.render();
            page.render(StatusCode::OK, body)
        }
        Err(e) => app_error(&req, &state, e, "Listing the pools", None).await,
    }
}

async fn create(req: HttpRequest, state: web::Data<AppState>, body: web::Bytes) -> HttpResponse {
    let back = ("/pools", "Back to the pools");
    let (pairs, actor) = match form(&req, &state, &body, back).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let (name, sector, description) = (form_value(&pairs, "name"), form_value(&pairs, "sector"), form_value(&pairs, "description"));
    match attune_app::pools::create(&state.pool, &actor, &name, &sector, &description).await {
        Ok(p) => redirect(&format!("/pools/{}", p.id)),
        Err(e) => app_error(&req, &state, e, "Creating the pool", Some(back)).await,
    }
}

#[derive(Template)]
#[template(path = "pool.html")]
struct PoolPage {
    layout: Layout,
    pool: PoolView,
    /// Median turnaround in words, when there is one.
    turnaround: Option<String>,
}

impl PoolPage {
    fn usdc(&self, amount: &str) -> String {
        usdc(amount)
    }
}

/// Seconds in words: "3 h 20 min", "45 s".
fn duration_words(seconds: f64) -> String {
    let s = seconds.max(0.0).round() as u64;
    match s {
        0..60 => format!("{s} s"),
        60..3600 => format!("{} min {} s", s / 60, s % 60),
        _ => format!("{} h {} min", s / 3600, (s % 3600) / 60),
    }
}

async fn show(req: HttpRequest, state: web::Data<AppState>, path: web::Path<Uuid>) -> HttpResponse {
    let (page, actor) = match signed_in(&req, &state, "Audit pool").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    match attune_app::pools::get(&state.pool, &actor, path.into_inner()).await {
        Ok(pool) => {
            let turnaround = pool.stats.median_turnaround_s.map(duration_words);
            let body = PoolPage { layout: page_layout(&page), pool, turnaround }.render();
            page.render(StatusCode::OK, body)
        }
        Err(e) => app_error(&req, &state, e, "Reading the pool", Some(("/pools", "Back to the pools"))).await,
    }
}

async fn join(req: HttpRequest, state: web::Data<AppState>, path: web::Path<Uuid>, body: web::Bytes) -> HttpResponse {
    let id = path.into_inner();
    let back_href = format!("/pools/{id}");
    let back = (back_href.as_str(), "Back to the pool");
    let (_, actor) = match form(&req, &state, &body, back).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    match attune_app::pools::join(&state.pool, &actor, id).await {
        Ok(_) => redirect(&back_href),
        Err(e) => app_error(&req, &state, e, "Joining the pool", Some(back)).await,
    }
}

async fn leave(req: HttpRequest, state: web::Data<AppState>, path: web::Path<Uuid>, body: web::Bytes) -> HttpResponse {
    let id = path.into_inner();
    let back_href = format!("/pools/{id}");
    let back = (back_href.as_str(), "Back to the pool");
    let (_, actor) = match form(&req, &state, &body, back).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    match attune_app::pools::leave(&state.pool, &actor, id).await {
        Ok(()) => redirect(&back_href),
        Err(e) => app_error(&req, &state, e, "Leaving the pool", Some(back)).await,
    }
}

async fn add_auditor(req: HttpRequest, state: web::Data<AppState>, path: web::Path<Uuid>, body: web::Bytes) -> HttpResponse {
    let id = path.into_inner();
    let back_href = format!("/pools/{id}");
    let back = (back_href.as_str(), "Back to the pool");
    let (pairs, actor) = match form(&req, &state, &body, back).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let Ok(user_id) = form_value(&pairs, "user_id").trim().parse::<Uuid>() else {
        return message(&req, &state, StatusCode::UNPROCESSABLE_ENTITY, "Not done", "user_id: must be a user's id", Some(back)).await;
    };
    match attune_app::pools::add_auditor(&state.pool, &actor, id, user_id).await {
        Ok(_) => redirect(&back_href),
        Err(e) => app_error(&req, &state, e, "Attaching the auditor", Some(back)).await,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn durations_read_in_words() {
        assert_eq!(super::duration_words(45.2), "45 s");
        assert_eq!(super::duration_words(200.0), "3 min 20 s");
        assert_eq!(super::duration_words(12_000.0), "3 h 20 min");
    }
}
