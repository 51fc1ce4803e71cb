//! attune-web: the HTTP face of the marketplace (JSON API, HTML UI, service endpoints) and the
//! `attune` command line.

pub mod allow;
pub mod api;
pub mod cli;
pub mod client_addr;
pub mod csrf;
pub mod extract;
pub mod guards;
pub mod openapi;
pub mod pages;
pub mod problem;
pub mod startup;
pub mod state;
mod training_setup;

pub use startup::Application;
