//! Admin pages.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use attune_app::accounts;
use attune_app::accounts::User;
use attune_domain::PlatformRole;
use serde::Deserialize;

use super::{Layout, Page, message, page_layout, redirect};
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/admin/users", web::get().to(users)).route("/admin/workers", web::get().to(workers));
}

#[derive(Template)]
#[template(path = "admin_workers.html")]
struct WorkersPage {
    layout: Layout,
    workers: Vec<attune_app::workers::WorkerView>,
}

/// Training workers with their last heartbeat and current run (admin).
async fn workers(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let page = Page::new(&req, &state, "Workers").await;
    let Some(actor) = page.actor.clone() else {
        return redirect("/login");
    };
    if !actor.has_role(PlatformRole::Admin) {
        return message(&req, &state, StatusCode::FORBIDDEN, "Not allowed", "This page is for platform admins.", Some(("/", "Home"))).await;
    }
    match attune_app::workers::list(&state.pool, &actor).await {
        Ok(workers) => {
            let body = WorkersPage { layout: page_layout(&page), workers }.render();
            page.render(StatusCode::OK, body)
        }
        Err(e) => {
            tracing::error!(error = %e, "listing workers failed");
            message(&req, &state, StatusCode::SERVICE_UNAVAILABLE, "Could not list workers", "Try again in a moment.", Some(("/", "Home")))
                .await
        }
    }
}

#[derive(Template)]
#[template(path = "admin_users.html")]
struct UsersPage {
    layout: Layout,
    users: Vec<User>,
    next_cursor: Option<String>,
}

#[derive(Debug, Deserialize)]
struct UsersQuery {
    cursor: Option<String>,
}

async fn users(req: HttpRequest, state: web::Data<AppState>, query: web::Query<UsersQuery>) -> HttpResponse {
    let page = Page::new(&req, &state, "Users").await;
    let Some(actor) = page.actor.clone() else {
        return redirect("/login");
    };
    if !actor.has_role(PlatformRole::Admin) {
        return message(&req, &state, StatusCode::FORBIDDEN, "Not allowed", "This page is for platform admins.", Some(("/", "Home"))).await;
    }
    match accounts::list_users(&state.pool, &actor, query.cursor.as_deref(), 50).await {
        Ok(list) => {
            let body = UsersPage { layout: page_layout(&page), users: list.items, next_cursor: list.next_cursor }.render();
            page.render(StatusCode::OK, body)
        }
        Err(e) => {
            tracing::error!(error = format!("{e:#}"), "listing users failed");
            message(
                &req,
                &state,
                StatusCode::BAD_REQUEST,
                "Could not list users",
                "The page link is not valid.",
                Some(("/admin/users", "First page")),
            )
            .await
        }
    }
}
