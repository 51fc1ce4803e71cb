//! The admins' page for organisation kinds: the research exceptions rest on a kind an admin verified
//! with evidence (`attune_app::organization_kind`).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use attune_app::accounts::Organization;
use attune_app::error::AppError;
use attune_domain::PlatformRole;
use uuid::Uuid;

use super::{EXPIRED_FORM, Layout, Page, form_pairs, form_value, message, page_layout, redirect};
use crate::csrf;
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/admin/organizations", web::get().to(list)).route("/admin/organizations/{id}/kind-verification", web::post().to(decide));
}

#[derive(Template)]
#[template(path = "admin_organizations.html")]
struct OrganizationsPage {
    layout: Layout,
    organizations: Vec<Organization>,
}

async fn list(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let page = Page::new(&req, &state, "Organisation kinds").await;
    let Some(actor) = page.actor.clone() else { return redirect("/login") };
    if !actor.has_role(PlatformRole::Admin) {
        return message(&req, &state, StatusCode::FORBIDDEN, "Not allowed", "This page is for platform admins.", Some(("/", "Home"))).await;
    }
    let kinds = state.data_policy.research_exception_kinds();
    match attune_app::organization_kind::to_verify(&state.pool, &actor, &kinds).await {
        Ok(organizations) => {
            let body = OrganizationsPage { layout: page_layout(&page), organizations }.render();
            page.render(StatusCode::OK, body)
        }
        Err(e) => {
            tracing::error!(error = ?e, "listing organisations failed");
            message(&req, &state, StatusCode::SERVICE_UNAVAILABLE, "Could not list organisations", "Try again in a moment.", None).await
        }
    }
}

async fn decide(req: HttpRequest, state: web::Data<AppState>, path: web::Path<Uuid>, body: web::Bytes) -> HttpResponse {
    let pairs = form_pairs(&body);
    let back = Some(("/admin/organizations", "Back to organisation kinds"));
    if !csrf::verify(&req, &state, &form_value(&pairs, "csrf_token")) {
        return message(&req, &state, StatusCode::FORBIDDEN, "Form expired", EXPIRED_FORM, back).await;
    }
    let Some(actor) = crate::extract::current_actor(&req).await.ok().flatten() else { return redirect("/login") };
    let (decision, evidence) = (form_value(&pairs, "decision"), form_value(&pairs, "evidence"));
    match attune_app::organization_kind::decide(&state.pool, &actor, path.into_inner(), &decision, &evidence).await {
        Ok(org) => redirect(&format!("/admin/organizations#org-{}", org.id)),
        Err(AppError::Validation(e)) => {
            let text = e.0.iter().map(|f| format!("{}: {}", f.field, f.message)).collect::<Vec<_>>().join("; ");
            message(&req, &state, StatusCode::UNPROCESSABLE_ENTITY, "Not recorded", &text, back).await
        }
        Err(AppError::NotFound) => super::not_found(req, state).await,
        Err(AppError::Conflict { detail, .. }) => message(&req, &state, StatusCode::CONFLICT, "Not now", &detail, back).await,
        Err(AppError::Forbidden(_)) => {
            message(&req, &state, StatusCode::FORBIDDEN, "Not allowed", "Only a platform admin may verify an organisation's kind.", back)
                .await
        }
        Err(e) => {
            tracing::error!(error = ?e, "recording a kind verification failed");
            message(&req, &state, StatusCode::INTERNAL_SERVER_ERROR, "Something went wrong", "The decision was not recorded.", back).await
        }
    }
}
