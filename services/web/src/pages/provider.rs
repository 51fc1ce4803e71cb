//! Catalogue, model page (with signing), provider dashboard and listing form, wallets, and the
//! admin verification queue.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use attune_app::models::{self, Check, ListingInput};
use attune_app::{Actor, wallets};
use attune_db::models::{ModelFilter, ModelRow};
use attune_db::wallets::WalletRow;
use attune_domain::provenance::{Lineage, ModelFile};
use attune_domain::{FieldError, PlatformRole};
use serde::Deserialize;
use uuid::Uuid;

use super::{Layout, Page, form_pairs, form_value, message, page_layout, redirect, usdc};
use crate::csrf;
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/models", web::get().to(catalogue))
        .route("/models/{id}", web::get().to(model_page))
        .route("/models/{id}/signature", web::post().to(sign))
        .route("/provider", web::get().to(dashboard))
        .route("/provider/models/new", web::get().to(listing_form))
        .route("/provider/models/new", web::post().to(listing_submit))
        .route("/wallets", web::get().to(wallets_page))
        .route("/wallets/challenge", web::post().to(wallet_challenge))
        .route("/wallets/link", web::post().to(wallet_link))
        .route("/admin/models", web::get().to(admin_queue))
        .route("/admin/models/{id}/decision", web::post().to(decide));
}

const EXPIRED_FORM: &str = "Your form expired or came from another site. Please submit it again.";

/// The page context for a signed-in user, or a redirect to the login page.
async fn signed_in(req: &HttpRequest, state: &AppState, title: &str) -> Result<(Page, Actor), HttpResponse> {
    let page = Page::new(req, state, title).await;
    match page.actor.clone() {
        Some(actor) => Ok((page, actor)),
        None => Err(redirect("/login")),
    }
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
    models: Vec<ModelRow>,
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
    m: ModelRow,
    checks: Vec<Check>,
    files: Vec<ModelFile>,
    licence_fee: String,
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
    let mut layout = page_layout(&page);
    layout.title = format!("{} {}", m.name, m.version);
    let body = ModelPage { layout, checks, files, licence_fee, owner, is_admin: actor.has_role(PlatformRole::Admin), m }.render();
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

#[derive(Template)]
#[template(path = "provider.html")]
struct DashboardPage {
    layout: Layout,
    models: Vec<(Uuid, String, String, String)>,
}

async fn dashboard(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let (page, actor) = match signed_in(&req, &state, "Provider dashboard").await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let filter = ModelFilter { organization_id: Some(actor.organization_id), ..Default::default() };
    let rows = models::list(&state.pool, filter, None, 200).await.map(|p| p.items).unwrap_or_default();
    let models = rows
        .into_iter()
        .map(|m| {
            let checks: Vec<Check> = serde_json::from_value(m.checks.clone()).unwrap_or_default();
            let passing = checks.iter().filter(|c| c.ok).count();
            (m.id, format!("{} {}", m.name, m.version), m.provenance_status, format!("{passing}/{} passing", checks.len()))
        })
        .collect();
    let body = DashboardPage { layout: page_layout(&page), models }.render();
    page.render(StatusCode::OK, body)
}

#[derive(Default)]
struct ListingValues {
    name: String,
    version: String,
    architecture: String,
    parameter_count: String,
    training_flops: String,
    licence: String,
    licence_fee: String,
    intended_uses: String,
    files: String,
    data_sources: String,
    top_domains: String,
    opt_out_policy: String,
    personal_data: String,
    card_markdown: String,
    base_model_id: String,
    relation: String,
}

#[derive(Template)]
#[template(path = "listing_form.html")]
struct ListingPage {
    layout: Layout,
    v: ListingValues,
    errors: Vec<FieldError>,
}

async fn listing_form(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let (page, _) = match signed_in(&req, &state, "List a model").await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let v = ListingValues { licence: "Apache-2.0".into(), licence_fee: "0".into(), intended_uses: "general".into(), ..Default::default() };
    let body = ListingPage { layout: page_layout(&page), v, errors: Vec::new() }.render();
    page.render(StatusCode::OK, body)
}

fn split_list(s: &str) -> Vec<String> {
    s.split(',').map(|x| x.trim().to_string()).filter(|x| !x.is_empty()).collect()
}

fn parse_listing(v: &ListingValues) -> Result<ListingInput, Vec<FieldError>> {
    let mut errors = Vec::new();
    let parameter_count = v.parameter_count.trim().replace('_', "").parse::<u64>().unwrap_or_else(|_| {
        errors.push(FieldError::new("parameter_count", "must be a whole number"));
        0
    });
    let training_flops = if v.training_flops.trim().is_empty() {
        None
    } else {
        match v.training_flops.trim().parse::<f64>() {
            Ok(f) => Some(f),
            Err(_) => {
                errors.push(FieldError::new("training_flops", "must be a number such as 8.4e22, or empty"));
                None
            }
        }
    };
    let mut files = Vec::new();
    for (i, line) in v.files.lines().map(str::trim).filter(|l| !l.is_empty()).enumerate() {
        let parts: Vec<&str> = line.split_whitespace().collect();
        match parts.as_slice() {
            [path, size, sha256, uri] => match size.parse::<u64>() {
                Ok(size) => {
                    files.push(ModelFile { path: path.to_string(), size, sha256: sha256.to_ascii_lowercase(), uri: uri.to_string() })
                }
                Err(_) => errors.push(FieldError::new(format!("files[{i}].size"), "must be a whole number of bytes")),
            },
            _ => errors.push(FieldError::new(format!("files[{i}]"), "write path, size, sha256 and uri separated by spaces")),
        }
    }
    let base_model_id = if v.base_model_id.trim().is_empty() {
        None
    } else {
        match Uuid::parse_str(v.base_model_id.trim()) {
            Ok(id) => Some(id),
            Err(_) => {
                errors.push(FieldError::new("lineage.base_model_id", "must be a model id"));
                None
            }
        }
    };
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(ListingInput {
        name: v.name.clone(),
        version: v.version.clone(),
        architecture: v.architecture.clone(),
        parameter_count,
        training_flops,
        intended_uses: split_list(&v.intended_uses),
        licence: v.licence.clone(),
        files,
        card_markdown: v.card_markdown.clone(),
        training_summary: serde_json::json!({
            "data_sources": split_list(&v.data_sources),
            "top_domains": split_list(&v.top_domains),
            "opt_out_policy": v.opt_out_policy.trim(),
            "personal_data": v.personal_data.trim(),
        }),
        lineage: Lineage { base_model_id, relation: Some(v.relation.trim().to_string()).filter(|r| !r.is_empty()) },
        licence_fee: v.licence_fee.trim().to_string(),
    })
}

async fn listing_submit(req: HttpRequest, state: web::Data<AppState>, body: web::Bytes) -> HttpResponse {
    let (page, actor) = match signed_in(&req, &state, "List a model").await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let p = form_pairs(&body);
    let v = ListingValues {
        name: form_value(&p, "name"),
        version: form_value(&p, "version"),
        architecture: form_value(&p, "architecture"),
        parameter_count: form_value(&p, "parameter_count"),
        training_flops: form_value(&p, "training_flops"),
        licence: form_value(&p, "licence"),
        licence_fee: form_value(&p, "licence_fee"),
        intended_uses: form_value(&p, "intended_uses"),
        files: form_value(&p, "files"),
        data_sources: form_value(&p, "data_sources"),
        top_domains: form_value(&p, "top_domains"),
        opt_out_policy: form_value(&p, "opt_out_policy"),
        personal_data: form_value(&p, "personal_data"),
        card_markdown: form_value(&p, "card_markdown"),
        base_model_id: form_value(&p, "base_model_id"),
        relation: form_value(&p, "relation"),
    };
    let errors = if !csrf::verify(&req, &state, &form_value(&p, "csrf_token")) {
        vec![FieldError::new("form", EXPIRED_FORM)]
    } else {
        match parse_listing(&v) {
            Err(errors) => errors,
            Ok(input) => match models::list_model(&state.pool, &state.fetcher, &actor, input).await {
                Ok(model) => return redirect(&format!("/models/{}", model.id)),
                Err(attune_app::error::AppError::Validation(e)) => e.0,
                Err(e) => vec![FieldError::new("form", e.to_string())],
            },
        }
    };
    let body = ListingPage { layout: page_layout(&page), v, errors }.render();
    page.render(StatusCode::UNPROCESSABLE_ENTITY, body)
}

#[derive(Template)]
#[template(path = "wallets.html")]
struct WalletsPage {
    layout: Layout,
    wallets: Vec<WalletRow>,
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
    match wallets::link(&state.pool, &actor, &form_value(&p, "address"), &form_value(&p, "signature")).await {
        Ok(_) => redirect("/wallets"),
        Err(e) => render_wallets(&req, &state, None, &e.to_string(), StatusCode::UNPROCESSABLE_ENTITY).await,
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
