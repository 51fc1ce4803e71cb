//! The organisation's safe-harbour page (each condition, its legal basis and evidence, and the
//! certificate) and the public registry of fine-tuned deployments.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use attune_app::registry::RegistryPage;
use attune_app::safe_harbour::SafeHarbourView;
use serde::Deserialize;
use uuid::Uuid;

use super::{Layout, Page, app_error, page_layout, signed_in};
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/safe-harbour", web::get().to(standing)).route("/registry", web::get().to(registry));
}

#[derive(Deserialize)]
struct JobQuery {
    job_id: Option<Uuid>,
}

#[derive(Template)]
#[template(path = "safe_harbour.html")]
struct StandingPage {
    layout: Layout,
    s: SafeHarbourView,
    /// Each condition's evidence as readable lines (key: value).
    evidence: Vec<Vec<(String, String)>>,
}

fn evidence_lines(v: &serde_json::Value) -> Vec<(String, String)> {
    v.as_object()
        .map(|m| {
            m.iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k.replace('_', " "), v.as_str().map_or_else(|| v.to_string(), str::to_owned)))
                .collect()
        })
        .unwrap_or_default()
}

async fn standing(req: HttpRequest, state: web::Data<AppState>, query: web::Query<JobQuery>) -> HttpResponse {
    let (page, actor) = match signed_in(&req, &state, "Safe harbour").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    match attune_app::safe_harbour::standing(&state.pool, &actor, actor.organization_id, query.job_id).await {
        Ok(s) => {
            let evidence = s.conditions.iter().map(|c| evidence_lines(&c.evidence)).collect();
            let body = StandingPage { layout: page_layout(&page), s, evidence }.render();
            page.render(StatusCode::OK, body)
        }
        Err(e) => app_error(&req, &state, e, "Reading the safe harbour", None).await,
    }
}

#[derive(Deserialize)]
struct RegistryQuery {
    cursor: Option<String>,
}

#[derive(Template)]
#[template(path = "registry.html")]
struct RegistryHtml {
    layout: Layout,
    registry: RegistryPage,
}

/// The public registry (no sign-in).
async fn registry(req: HttpRequest, state: web::Data<AppState>, query: web::Query<RegistryQuery>) -> HttpResponse {
    let page = Page::new(&req, &state, "Registry of fine-tuned deployments").await;
    match attune_app::registry::page(&state.pool, query.cursor.as_deref(), 100).await {
        Ok(registry) => {
            let body = RegistryHtml { layout: page_layout(&page), registry }.render();
            page.render(StatusCode::OK, body)
        }
        Err(e) => app_error(&req, &state, e, "Reading the registry", Some(("/registry", "Back to the first page"))).await,
    }
}
