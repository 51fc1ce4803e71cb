//! The OpenAPI document: generated from the handlers' annotations, then refined (`refine.rs`) with
//! what annotations cannot say, and served from memory.

mod constraints;
mod links;
mod refine;

use std::sync::LazyLock;

use utoipa::Modify;
use utoipa::OpenApi;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};

use crate::api;

#[derive(OpenApi)]
#[openapi(
    info(title = "Attune API", description = "Attune, a marketplace for compliant fine-tuning. Errors are application/problem+json (RFC 9457)."),
    paths(
        api::service::healthz,
        api::service::readyz,
        api::service::metrics_doc,
        api::service::openapi_json,
        api::accounts::register,
        api::accounts::login,
        api::accounts::logout,
        api::accounts::me,
        api::admin::set_roles,
        api::admin::list_users,
        api::admin::verify_kind,
        api::erasure::create,
        api::erasure::get,
        api::organizations::get_organization,
        api::wallets::challenge,
        api::wallets::link,
        api::wallets::list,
        api::models::create,
        api::models::list,
        api::models::get,
        api::models::manifest,
        api::models::sign,
        api::models::decide,
        api::assessments::assess,
        api::datasets::upload,
        api::datasets::list,
        api::datasets::get,
        api::datasets::records,
        api::datasets::review,
        api::datasets::review_queue,
        api::optout::check,
        api::jobs::create,
        api::jobs::list,
        api::jobs::get,
        api::jobs::cancel,
        api::jobs::events,
        api::jobs::training_summary,
        api::jobs::put_document,
        api::jobs::templates,
        api::payments::chain,
        api::payments::payment,
        api::payments::release,
        api::payments::admin_chain,
        api::screening::import,
        api::screening::imports,
        api::screening::addresses,
        api::screening::names,
        api::screening::cases,
        api::screening::case,
        api::screening::decide,
        api::kyc::start,
        api::kyc::status,
        api::onramp::create,
        api::workers::create,
        api::workers::list,
        api::workers::lease,
        api::workers::records,
        api::workers::heartbeat,
        api::workers::put_artifact,
        api::workers::get_artifact,
        api::workers::base_model_file,
        api::job_results::certificate,
        api::job_results::artifact,
        api::job_reviews::review,
        api::pools::create,
        api::pools::list,
        api::pools::get,
        api::pools::join,
        api::pools::leave,
        api::pools::add_auditor,
        api::pools::findings,
        api::pools::tasks,
        api::pools::task,
        api::pools::claim,
        api::pools::decide,
        api::pools::safe_harbour,
        api::registry::list,
        api::registry::csv,
        api::transition::report,
        api::transition::overdue,
        api::templates::list,
        api::templates::get,
        api::workers::complete,
        api::workers::fail,
    ),
    modifiers(&BearerAuth),
    tags((name = "accounts"), (name = "admin"), (name = "service"), (name = "wallets"), (name = "models"), (name = "assessments"), (name = "datasets"), (name = "jobs"), (name = "erasure"), (name = "pools"), (name = "payments"), (name = "screening"), (name = "kyc"), (name = "workers"))
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme("bearer", SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()));
    }
}

static DOCUMENT: LazyLock<serde_json::Value> = LazyLock::new(|| {
    let mut doc = serde_json::to_value(ApiDoc::openapi()).unwrap_or_default();
    refine::refine(&mut doc);
    doc
});

/// The document `GET /api/v1/openapi.json` serves.
pub fn document() -> &'static serde_json::Value {
    &DOCUMENT
}
