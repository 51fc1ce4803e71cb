//! The provider's dashboard and the listing form.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use attune_app::models::ModelFilter;
use attune_app::models::{self, Check, ListingInput};
use attune_domain::FieldError;
use attune_domain::provenance::{Lineage, ModelFile};
use uuid::Uuid;

use super::{EXPIRED_FORM, Layout, form_pairs, form_value, page_layout, redirect, signed_in};
use crate::csrf;
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/provider", web::get().to(dashboard))
        .route("/provider/models/new", web::get().to(listing_form))
        .route("/provider/models/new", web::post().to(listing_submit));
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
            Ok(input) => match models::list_model(&state.pool, state.model_checks.limits(), &actor, input).await {
                Ok(model) => {
                    state.model_checks.wake();
                    return redirect(&format!("/models/{}", model.id));
                }
                Err(attune_app::error::AppError::Validation(e)) => e.0,
                Err(e) => vec![FieldError::new("form", e.to_string())],
            },
        }
    };
    let body = ListingPage { layout: page_layout(&page), v, errors }.render();
    page.render(StatusCode::UNPROCESSABLE_ENTITY, body)
}
