//! Connecting to PostgreSQL: an external `DATABASE_URL`, or the private embedded cluster.

use std::str::FromStr;
use std::time::Duration;

use anyhow::Context;
use attune_integrations::embedded_postgres::{EmbeddedPostgres, SUPERUSER};
use secrecy::ExposeSecret;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{ConnectOptions, Connection, PgPool};

use crate::settings::Settings;

/// The database name inside the embedded cluster.
pub const EMBEDDED_DATABASE: &str = "attune";

pub struct Database {
    pub pool: PgPool,
    /// Present when we run the embedded cluster; stop it on shutdown if `started_here()`.
    pub embedded: Option<EmbeddedPostgres>,
    /// Where the state lives, for humans (no credentials).
    pub location: String,
}

/// Opens the database the settings name, starting the embedded cluster if needed, and migrates it.
pub async fn open(settings: &Settings) -> anyhow::Result<Database> {
    let (options, embedded, location) = match &settings.database_url {
        Some(url) => {
            let options = PgConnectOptions::from_str(url.expose_secret()).context("DATABASE_URL is not a valid PostgreSQL URL")?;
            let location = format!("PostgreSQL database {:?} on {}", options.get_database().unwrap_or("(default)"), options.get_host());
            (options, None, location)
        }
        None => {
            let pg = EmbeddedPostgres::start(&settings.data_dir, settings.pg_bin_dir.as_deref()).await?;
            let base = PgConnectOptions::new().socket(pg.socket_dir()).port(pg.port()).username(SUPERUSER);
            create_database_if_missing(base.clone().database("postgres"), EMBEDDED_DATABASE).await?;
            let location = format!("embedded PostgreSQL cluster in {}", pg.cluster_dir().display());
            (base.database(EMBEDDED_DATABASE), Some(pg), location)
        }
    };
    let options = options
        .log_statements(tracing::log::LevelFilter::Debug)
        .log_slow_statements(tracing::log::LevelFilter::Warn, Duration::from_secs(1));
    let pool = PgPoolOptions::new()
        .max_connections(settings.database_max_connections)
        .acquire_timeout(Duration::from_secs(10))
        .connect_with(options)
        .await
        .with_context(|| format!("failed to connect to the {location}"))?;
    attune_db::MIGRATOR.run(&pool).await.context("failed to run database migrations")?;
    Ok(Database { pool, embedded, location })
}

async fn create_database_if_missing(admin: PgConnectOptions, name: &'static str) -> anyhow::Result<()> {
    let mut conn = sqlx::PgConnection::connect_with(&admin).await.context("failed to connect to the embedded cluster")?;
    attune_db::cluster::create_database_if_missing(&mut conn, name).await?;
    conn.close().await.ok();
    Ok(())
}
