//! The model catalogue, a model's page (provenance evidence, signing) and the admin verification queue.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use attune_app::models::{self, Check};
use attune_app::models::{Model, ModelFilter};
use attune_domain::PlatformRole;
use attune_domain::labels::Vocabulary;
use attune_domain::provenance::ModelFile;
use serde::Deserialize;
use uuid::Uuid;

use super::choices;
use super::human;
use super::{EXPIRED_FORM, Layout, Page, form_pairs, form_value, message, page_layout, redirect, signed_in, usdc};
use crate::csrf;
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/models", web::get().to(catalogue))
        .route("/models/{id}", web::get().to(model_page))
        .route("/models/{id}/signature", web::post().to(sign))
        .route("/admin/models", web::get().to(admin_queue))
        .route("/admin/models/{id}/decision", web::post().to(decide));
}

#[derive(Debug, Default, Deserialize)]
pub struct CatalogueQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    licence: String,
    #[serde(default)]
    architecture: String,
    #[serde(default)]
    max_params: String,
    #[serde(default)]
    verified: Option<String>,
}

struct CatalogueFilter {
    q: String,
    licence: String,
    architecture: String,
    max_params: String,
    verified: bool,
}

#[derive(Template)]
#[template(path = "catalogue.html")]
struct CataloguePage {
    layout: Layout,
    f: CatalogueFilter,
    models: Vec<Model>,
}

async fn catalogue(req: HttpRequest, state: web::Data<AppState>, query: web::Query<CatalogueQuery>) -> HttpResponse {
    let (page, _actor) = match signed_in(&req, &state, "Model catalogue").await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let q = query.into_inner();
    let verified = q.verified.is_some();
    let filter = ModelFilter {
        verified: verified.then_some(true),
        q: Some(q.q.trim().to_string()).filter(|s| !s.is_empty()),
        licence: Some(q.licence.trim().to_string()).filter(|s| !s.is_empty()),
        architecture: Some(q.architecture.trim().to_string()).filter(|s| !s.is_empty()),
        max_params: q.max_params.trim().parse().ok(),
        ..Default::default()
    };
    let models = models::list(&state.pool, filter, None, 100).await.map(|p| p.items).unwrap_or_default();
    let f = CatalogueFilter { q: q.q, licence: q.licence, architecture: q.architecture, max_params: q.max_params, verified };
    let body = CataloguePage { layout: page_layout(&page), f, models }.render();
    page.render(StatusCode::OK, body)
}

#[derive(Template)]
#[template(path = "model.html")]
struct ModelPage {
    layout: Layout,
    m: Model,
    checks: Vec<Check>,
    files: Vec<ModelFile>,
    licence_fee: String,
    /// The intended uses in words.
    intended_uses: String,
    /// The base model's name and version, for a derived model.
    lineage_name: Option<String>,
    owner: bool,
    is_admin: bool,
}

#[derive(Deserialize)]
struct StoredFile {
    path: String,
    size: u64,
    sha256: String,
}

async fn model_page(req: HttpRequest, state: web::Data<AppState>, path: web::Path<String>) -> HttpResponse {
    let (page, actor) = match signed_in(&req, &state, "Model").await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let Ok(id) = Uuid::parse_str(&path) else {
        return message(&req, &state, StatusCode::NOT_FOUND, "Model not found", "There is no such model.", Some(("/models", "Catalogue")))
            .await;
    };
    let Ok(m) = models::get(&state.pool, id).await else {
        return message(&req, &state, StatusCode::NOT_FOUND, "Model not found", "There is no such model.", Some(("/models", "Catalogue")))
            .await;
    };
    let checks: Vec<Check> = serde_json::from_value(m.checks.clone()).unwrap_or_default();
    let files = serde_json::from_value::<Vec<StoredFile>>(m.files.clone())
        .unwrap_or_default()
        .into_iter()
        .map(|f| ModelFile { path: f.path, size: f.size, sha256: f.sha256, uri: String::new() })
        .collect();
    let owner = models::owned_by(&m, actor.scope());
    let licence_fee = usdc(&m.licence_fee.to_string());
    let intended_uses = m.intended_uses.iter().map(|u| choices::label(Vocabulary::Sectors, u)).collect::<Vec<_>>().join(", ");
    let lineage_name = match m.lineage_base_model_id {
        Some(base) => models::get(&state.pool, base).await.ok().map(|b| format!("{} {}", b.name, b.version)),
        None => None,
    };
    let mut layout = page_layout(&page);
    layout.title = format!("{} {}", m.name, m.version);
    let is_admin = actor.has_role(PlatformRole::Admin);
    let body = ModelPage { layout, checks, files, licence_fee, intended_uses, lineage_name, owner, is_admin, m }.render();
    page.render(StatusCode::OK, body)
}

async fn sign(req: HttpRequest, state: web::Data<AppState>, path: web::Path<String>, body: web::Bytes) -> HttpResponse {
    let (_page, actor) = match signed_in(&req, &state, "Sign").await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let pairs = form_pairs(&body);
    if !csrf::verify(&req, &state, &form_value(&pairs, "csrf_token")) {
        return message(&req, &state, StatusCode::FORBIDDEN, "Form expired", EXPIRED_FORM, None).await;
    }
    let Ok(id) = Uuid::parse_str(&path) else { return redirect("/models") };
    match models::sign(&state.pool, &actor, id, &form_value(&pairs, "signer_address"), &form_value(&pairs, "signature")).await {
        Ok(_) => redirect(&format!("/models/{id}")),
        Err(e) => {
            message(
                &req,
                &state,
                StatusCode::UNPROCESSABLE_ENTITY,
                "Signature not accepted",
                &e.to_string(),
                Some((&format!("/models/{id}"), "Back to the model")),
            )
            .await
        }
    }
}

struct QueueItem {
    id: Uuid,
    name: String,
    version: String,
    organization_name: String,
    manifest_sha256: String,
    signer_address: Option<String>,
    failing: usize,
}

#[derive(Template)]
#[template(path = "admin_models.html")]
struct QueuePage {
    layout: Layout,
    models: Vec<QueueItem>,
}

async fn admin_queue(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let (page, actor) = match signed_in(&req, &state, "Verification queue").await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let Ok(rows) = models::verification_queue(&state.pool, &actor).await else {
        return message(&req, &state, StatusCode::FORBIDDEN, "Not allowed", "This page is for platform admins.", Some(("/", "Home"))).await;
    };
    let models = rows
        .into_iter()
        .map(|m| {
            let checks: Vec<Check> = serde_json::from_value(m.checks.clone()).unwrap_or_default();
            QueueItem {
                failing: checks.iter().filter(|c| !c.ok).count(),
                id: m.id,
                name: m.name,
                version: m.version,
                organization_name: m.organization_name,
                manifest_sha256: m.manifest_sha256,
                signer_address: m.signer_address,
            }
        })
        .collect();
    let body = QueuePage { layout: page_layout(&page), models }.render();
    page.render(StatusCode::OK, body)
}

async fn decide(req: HttpRequest, state: web::Data<AppState>, path: web::Path<String>, body: web::Bytes) -> HttpResponse {
    let Some(actor) = Page::new(&req, &state, "Decision").await.actor else { return redirect("/login") };
    let p = form_pairs(&body);
    if !csrf::verify(&req, &state, &form_value(&p, "csrf_token")) {
        return message(&req, &state, StatusCode::FORBIDDEN, "Form expired", EXPIRED_FORM, None).await;
    }
    let Ok(id) = Uuid::parse_str(&path) else { return redirect("/admin/models") };
    match models::decide(&state.pool, &actor, id, &form_value(&p, "decision"), &form_value(&p, "notes")).await {
        Ok(_) => redirect(&format!("/models/{id}")),
        Err(e) => {
            message(
                &req,
                &state,
                StatusCode::CONFLICT,
                "Decision not recorded",
                &e.to_string(),
                Some((&format!("/models/{id}"), "Back to the model")),
            )
            .await
        }
    }
}
