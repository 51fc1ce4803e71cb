//! attune-app: the marketplace's use cases. Handlers call exactly one function here; each state
//! change is one transaction that also writes its audit entry and its outbox items.

pub mod accounts;
pub mod actor;
pub mod artifact_store;
pub mod assessments;
pub mod audit;
pub mod cases;
pub mod chain;
pub mod chain_watch;
pub mod cursor;
pub mod database;
pub mod dataset_review;
pub mod dataset_scan;
pub mod datasets;
pub mod dispatch;
pub mod error;
pub mod job_lifecycle;
pub mod job_view;
pub mod jobs;
pub mod kyc;
pub mod model_file_checks;
pub mod models;
pub mod onramp;
pub mod onramp_view;
pub mod operator_tx_notice;
pub mod operator_txs;
pub mod outbox;
pub mod passwords;
pub mod payments;
pub mod platform_staff;
mod provenance_checks;
pub mod registration_limit;
pub mod sanctions_refresh;
pub mod screening;
pub mod settings;
pub mod shard_queue;
pub mod telemetry;
pub mod tokens;
pub mod training_summary;
pub mod wallets;
pub mod workers;

pub use actor::Actor;
pub use settings::Settings;
