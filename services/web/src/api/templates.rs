//! The compliance document templates as versioned data (API.md `GET /api/v1/templates`): the fields
//! a job's document is validated against and the markdown it is rendered into.

use actix_web::{HttpResponse, web};
use attune_domain::documents::{DocumentTemplates, Template};
use serde::Serialize;
use utoipa::ToSchema;

use crate::problem::{ApiError, Problem};
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/templates").route(web::get().to(list)))
        .service(web::resource("/templates/{kind}").route(web::get().to(get)));
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TemplateView {
    pub kind: String,
    pub version: String,
    pub sha256: String,
    pub title: String,
    pub article: String,
    #[schema(value_type = Vec<Object>)]
    pub fields: serde_json::Value,
    /// The document's body; `{{field}}` placeholders take the filed answers.
    pub markdown: String,
    /// The platform generates this document (a buyer does not file it).
    pub generated: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TemplateList {
    pub version: String,
    pub items: Vec<TemplateView>,
}

fn view(catalogue: &DocumentTemplates, t: &Template) -> TemplateView {
    let reference = catalogue.reference();
    TemplateView {
        kind: t.id.clone(),
        version: reference.version,
        sha256: reference.sha256,
        title: t.title.clone(),
        article: t.article.clone(),
        fields: serde_json::to_value(&t.fields).unwrap_or_default(),
        markdown: t.markdown.clone(),
        generated: t.generated,
    }
}

/// Every template of the current catalogue.
#[utoipa::path(get, path = "/api/v1/templates", tag = "jobs", responses((status = 200, body = TemplateList)))]
pub async fn list(state: web::Data<AppState>) -> HttpResponse {
    let c = &state.templates;
    HttpResponse::Ok().json(TemplateList { version: c.reference().version, items: c.templates().iter().map(|t| view(c, t)).collect() })
}

/// One template: its fields and markdown.
#[utoipa::path(get, path = "/api/v1/templates/{kind}", tag = "jobs", params(("kind" = String, Path, description = "Template id, e.g. lia")),
    responses((status = 200, body = TemplateView), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn get(state: web::Data<AppState>, path: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let t = state.templates.get(&path.into_inner()).ok_or_else(|| ApiError::from(attune_app::error::AppError::NotFound))?;
    Ok(HttpResponse::Ok().json(view(&state.templates, t)))
}
