//! The JSON API under `/api/v1`. Each resource module registers its own routes.

pub mod accounts;
pub mod admin;
pub mod assessments;
pub mod datasets;
pub mod dto;
pub mod erasure;
pub mod job_results;
pub mod job_reviews;
pub mod jobs;
pub mod kyc;
pub mod models;
pub mod onramp;
pub mod optout;
pub mod organizations;
pub mod payments;
pub mod pools;
pub mod registry;
pub mod screening;
pub mod service;
pub mod templates;
pub mod transition;
pub mod wallets;
pub mod workers;

use actix_web::web;

pub fn configure(cfg: &mut web::ServiceConfig) {
    accounts::configure(cfg);
    admin::configure(cfg);
    organizations::configure(cfg);
    wallets::configure(cfg);
    models::configure(cfg);
    assessments::configure(cfg);
    datasets::configure(cfg);
    optout::configure(cfg);
    jobs::configure(cfg);
    job_results::configure(cfg);
    job_reviews::configure(cfg);
    erasure::configure(cfg);
    payments::configure(cfg);
    pools::configure(cfg);
    registry::configure(cfg);
    templates::configure(cfg);
    transition::configure(cfg);
    screening::configure(cfg);
    kyc::configure(cfg);
    onramp::configure(cfg);
    workers::configure(cfg);
    cfg.service(web::resource("/openapi.json").route(web::get().to(service::openapi_json)));
}
