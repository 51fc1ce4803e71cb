//! `/admin/reviews`: jobs waiting for a review (`audit`) with their assessment, obligations and
//! documents, and the reviewer's decision form (approve, or request changes, with notes).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use attune_app::error::AppError;
use attune_app::job_review::{self, ReviewItem};
use attune_domain::PlatformRole;
use uuid::Uuid;

use super::{EXPIRED_FORM, Layout, form_pairs, form_value, message, page_layout, redirect, signed_in};
use crate::csrf;
use crate::state::AppState;

const QUEUE: &str = "/admin/reviews";

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route(QUEUE, web::get().to(queue_page)).route("/admin/reviews/{id}", web::post().to(decide));
}

#[derive(Template)]
#[template(path = "admin_reviews.html")]
struct ReviewsPage {
    layout: Layout,
    items: Vec<ReviewItem>,
    /// (job id, messages, notes as typed) after a refused decision.
    error: Option<(Uuid, Vec<String>, String)>,
}

async fn render(req: &HttpRequest, state: &AppState, error: Option<(Uuid, Vec<String>, String)>, code: StatusCode) -> HttpResponse {
    let (page, actor) = match signed_in(req, state, "Reviews").await {
        Ok(p) => p,
        Err(r) => return r,
    };
    if !actor.has_role(PlatformRole::Admin) {
        return message(req, state, StatusCode::FORBIDDEN, "Not allowed", "This page is for platform admins.", Some(("/", "Home"))).await;
    }
    match job_review::queue(&state.pool, &actor).await {
        Ok(items) => {
            let body = ReviewsPage { layout: page_layout(&page), items, error }.render();
            page.render(code, body)
        }
        Err(e) => {
            tracing::error!(error = %e, "listing jobs awaiting review failed");
            message(req, state, StatusCode::SERVICE_UNAVAILABLE, "Could not list reviews", "Try again in a moment.", Some(("/", "Home")))
                .await
        }
    }
}

async fn queue_page(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    render(&req, &state, None, StatusCode::OK).await
}

async fn decide(req: HttpRequest, state: web::Data<AppState>, path: web::Path<String>, body: web::Bytes) -> HttpResponse {
    let (_, actor) = match signed_in(&req, &state, "Reviews").await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let Ok(id) = Uuid::parse_str(&path.into_inner()) else { return super::not_found(req, state).await };
    let p = form_pairs(&body);
    if !csrf::verify(&req, &state, &form_value(&p, "csrf_token")) {
        return message(&req, &state, StatusCode::FORBIDDEN, "Form expired", EXPIRED_FORM, Some((QUEUE, "Back to the reviews"))).await;
    }
    let notes = form_value(&p, "notes");
    match job_review::decide(&state.pool, state.chain.as_deref(), &actor, id, &form_value(&p, "decision"), &notes).await {
        Ok(_) => redirect(QUEUE),
        Err(AppError::Validation(e)) => {
            let errors = e.0.iter().map(|f| format!("{}: {}", f.field, f.message)).collect();
            render(&req, &state, Some((id, errors, notes)), StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(AppError::Conflict { detail, .. }) => render(&req, &state, Some((id, vec![detail], notes)), StatusCode::CONFLICT).await,
        Err(AppError::NotFound) => super::not_found(req, state).await,
        Err(AppError::Forbidden(_)) => {
            message(&req, &state, StatusCode::FORBIDDEN, "Not allowed", "This page is for platform admins.", Some(("/", "Home"))).await
        }
        Err(e) => {
            tracing::error!(error = %e, "a review failed");
            message(
                &req,
                &state,
                StatusCode::SERVICE_UNAVAILABLE,
                "Could not record the review",
                "Try again in a moment.",
                Some((QUEUE, "Back")),
            )
            .await
        }
    }
}
