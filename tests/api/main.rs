//! Black-box tests of the HTTP API against a real server and a real PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../common/mod.rs"]
mod common;

mod accounts;
mod admin;
mod aml;
mod assessments;
mod audit;
mod cases;
mod datasets;
mod dispatch;
mod erasure;
mod erasure_retrain;
mod errors;
mod integrity;
mod job_reviews;
mod jobs;
mod kyc;
mod mail;
mod models;
mod nul_input;
mod onramp;
mod openapi_contract;
mod optout;
mod pages;
mod payment_pages;
mod pools;
mod registry;
mod sanctions_refresh;
mod screening;
mod service;
mod settlement;
mod training;
mod transition;
mod wallets;
