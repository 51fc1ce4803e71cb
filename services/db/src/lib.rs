//! attune-db: every SQL statement of the marketplace. Functions take a `&mut PgConnection` (a
//! pooled connection or an open transaction) so the caller decides the transaction boundary.

pub mod audit;
pub mod audit_tasks;
pub mod cases;
pub mod certificates;
pub mod chain;
pub mod cluster;
pub mod dataset_gate;
pub mod datasets;
pub mod erasure;
pub mod graduated;
pub mod home;
pub mod idempotency;
pub mod job_obligations;
pub mod jobs;
pub mod kyc;
pub mod models;
pub mod onramp;
pub mod onramp_view;
pub mod organizations;
pub mod outbox;
pub mod payments;
pub mod pools;
pub mod received_webhooks;
pub mod registry;
pub mod safe_harbour;
pub mod screening;
pub mod sessions;
pub mod shard_artifacts;
pub mod shard_progress;
pub mod shard_runs;
pub mod users;
pub mod wallets;
pub mod workers;

pub use sqlx::{PgConnection, PgPool, Postgres, Transaction};

/// The schema migrations, embedded at compile time.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations");

/// Whether an error is the violation of the named constraint (or unique index).
pub fn is_constraint_violation(error: &sqlx::Error, constraint: &str) -> bool {
    match error {
        sqlx::Error::Database(db) => db.constraint() == Some(constraint),
        _ => false,
    }
}
