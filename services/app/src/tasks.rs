//! The marketplace's background tasks. Every replica follows list imports and wakes its own workers;
//! the rest run where `background_tasks` is on, and those that must run once (the chain watcher, the
//! mail sender, the reaper…) hold a PostgreSQL advisory lock of their own.

use std::time::Duration;

use anyhow::Context;
use sqlx::PgPool;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::marketplace::Marketplace;
use crate::outbox::OutboxDelivery;

/// Starts the tasks; they stop when `shutdown` turns true.
pub fn spawn(market: &Marketplace, shutdown: &watch::Receiver<bool>) -> anyhow::Result<Vec<JoinHandle<()>>> {
    let mut tasks = Vec::new();
    // Every replica screens against the newest lists, background tasks or not.
    tasks.push(tokio::spawn(crate::screening::follow_imports(market.pool.clone(), market.screening.clone(), shutdown.clone())));
    // Every replica wakes its own long-polling workers.
    tasks.push(tokio::spawn(crate::shard_reaper::follow_notifications(market.pool.clone(), market.queue.wake(), shutdown.clone())));
    if !market.settings.background_tasks {
        return Ok(tasks);
    }
    let delivery = OutboxDelivery::clone(&market.delivery);
    tasks.push(tokio::spawn(delivery.run(market.pool.clone(), shutdown.clone())));
    tasks.push(tokio::spawn(market.scanning.clone().run(shutdown.clone())));
    tasks.push(tokio::spawn(market.model_checks.clone().run(shutdown.clone())));
    tasks.push(tokio::spawn(market.queue.clone().run_reaper(shutdown.clone())));
    tasks.push(tokio::spawn(market.aggregation.clone().run(shutdown.clone())));
    if let Some(raw) = &market.settings.sanctions_feeds {
        let feeds = crate::sanctions_refresh::parse_feeds(raw).map_err(|e| anyhow::anyhow!("ATTUNE_SANCTIONS_FEEDS: {e}"))?;
        let every = Duration::from_secs(market.settings.sanctions_refresh_hours.max(1) * 3600);
        tasks.push(tokio::spawn(crate::sanctions_refresh::run(
            market.pool.clone(),
            market.screening.clone(),
            attune_integrations::sanctions::feed::FeedClient::new(market.fetcher.client().clone()),
            feeds,
            every,
            shutdown.clone(),
        )));
    }
    if let Some(chain) = &market.chain {
        let shadow = match &market.settings.aml_shadow_policy {
            Some(path) => {
                let text = std::fs::read_to_string(path).with_context(|| format!("failed to read {}", path.display()))?;
                Some(attune_domain::aml::AmlPolicy::parse(&text).map_err(|e| anyhow::anyhow!("the shadow AML policy: {e}"))?)
            }
            None => None,
        };
        let watcher =
            crate::chain_watch::ChainWatcher::new(market.pool.clone(), chain.clone(), market.screening.clone())?.with_shadow(shadow);
        tasks.push(tokio::spawn(watcher.run(shutdown.clone())));
        let desk = crate::operator_txs::OperatorDesk::new(market.pool.clone(), chain.clone());
        tasks.push(tokio::spawn(desk.run(shutdown.clone())));
    }
    tasks.push(tokio::spawn(sweep_sessions(market.pool.clone(), shutdown.clone())));
    tasks.push(tokio::spawn(crate::graduated_transition::run_upkeep(market.pool.clone(), Duration::from_secs(3600), shutdown.clone())));
    Ok(tasks)
}

/// Hourly: expired sessions go; login and registration attempts older than 30 days go.
async fn sweep_sessions(pool: PgPool, mut shutdown: watch::Receiver<bool>) {
    loop {
        if let Ok(mut conn) = pool.acquire().await {
            if let Err(e) = attune_db::sessions::delete_expired(&mut conn).await {
                tracing::warn!(error = %e, "session cleanup failed");
            }
            let cutoff = chrono::Utc::now() - chrono::Duration::days(30);
            if let Err(e) = attune_db::sessions::prune_login_attempts(&mut conn, cutoff).await {
                tracing::warn!(error = %e, "login-attempt cleanup failed");
            }
            if let Err(e) = attune_db::sessions::prune_registration_attempts(&mut conn, cutoff).await {
                tracing::warn!(error = %e, "registration-attempt cleanup failed");
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(3600)) => {}
            _ = shutdown.changed() => return,
        }
    }
}
