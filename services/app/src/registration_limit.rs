//! The registration rate limit: each client address may attempt a number of registrations per
//! window (settings), counted before the registration is looked at.

use std::net::IpAddr;

use anyhow::Context;
use chrono::{Duration, Utc};
use sqlx::PgPool;

#[derive(Debug, Clone)]
pub struct RegistrationLimit {
    pub max_per_window: i64,
    pub window: Duration,
}

#[derive(Debug, thiserror::Error)]
pub enum RegistrationLimitError {
    #[error("too many registrations from this address; try again later")]
    Limited { retry_after_secs: u64 },
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

/// Counts a registration attempt from `ip`; refused once the address has used up its window.
/// Without an address (no TCP peer, e.g. a Unix socket) there is nothing to count per address.
pub async fn admit(pool: &PgPool, limit: &RegistrationLimit, ip: Option<IpAddr>) -> Result<(), RegistrationLimitError> {
    let Some(ip) = ip else { return Ok(()) };
    let mut tx = pool.begin().await.context("failed to begin a registration attempt")?;
    let admitted = attune_db::sessions::admit_registration(&mut tx, ip, Utc::now() - limit.window, limit.max_per_window).await?;
    tx.commit().await.context("failed to record a registration attempt")?;
    if admitted { Ok(()) } else { Err(RegistrationLimitError::Limited { retry_after_secs: limit.window.num_seconds().max(1) as u64 }) }
}
